//! Narration that fits, or says it goes on: every event of every lab
//! scenario — both modes × every firewall × every NAT × PORT/PASV and
//! EPRT/EPSV × IPv4 and IPv6, each a real lab run on loopback — drawn in
//! the compare view at 80×24 (the narrowest narration area: 39 columns).
//! Its narration area shows the headline whole, and either the whole text
//! or the "more" mark.

#[path = "support/screen.rs"]
mod screen;
use screen::render;

use ftpviz::lab::{Lab, LabConfig};
use ftpviz::trace::Trace;
use ftpviz::tui::app::pane::Origin;
use ftpviz::tui::app::told::told;
use ftpviz::tui::app::{App, Pane};
use ftpviz::tui::widgets::layout;
use ftpviz::tui::widgets::narration_view::MORE;
use ftpviz::tui::widgets::style::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::time::Duration;

#[path = "support/scenarios.rs"]
mod scenarios;

/// Every scenario of the lab: the middlebox table's (firewall × NAT × mode
/// × extended), over IPv4 and, where this machine has `::1`, IPv6.
fn scenarios() -> Vec<LabConfig> {
    scenarios::every_lab()
}

/// Runs one lab's lesson to its end and returns its trace.
async fn run(config: LabConfig) -> (LabConfig, Trace) {
    let mut lab = Lab::start(config.clone()).await.expect("the lab starts");
    lab.run_free();
    let mut trace = Trace::new();
    loop {
        // Generous: a lab blocked four times waits 4 × 3 s, on a busy machine.
        let next = tokio::time::timeout(Duration::from_secs(120), lab.events.recv()).await;
        match next.expect("the lab goes on") {
            Some(e) => trace.push(e),
            None => break,
        }
    }
    let _ = lab.finish().await;
    (config, trace)
}

fn squeeze(s: &str) -> String {
    s.split_whitespace().collect()
}

/// The text inside `r`.
fn inside(buf: &Buffer, r: Rect) -> String {
    (r.y..r.bottom())
        .map(|y| {
            (r.x..r.right())
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                + "\n"
        })
        .collect()
}

/// Checks every event of `trace` in the left pane of the compare view.
fn check(name: &str, trace: &Trace) -> usize {
    let pane =
        |t: &Trace| Pane::fixed("ACTIVE · PORT: server dials", t.clone()).with_origin(Origin::Lab);
    let mut app = App::new("lab · active vs passive", vec![pane(trace), pane(trace)]);
    app.theme = Theme::mono();
    let screen = layout::screen(Rect::new(0, 0, 80, 24), 2);
    let area = layout::pane(screen.panes[0]).narration;
    assert_eq!(area.width, 39, "the compare view's narration width");
    let mut cut = 0;
    for i in 1..=trace.len() {
        app.panes[0].player.seek(i);
        let t = told(&app.panes[0], true);
        let shown = inside(&render(&app, 80, 24), area);
        let event = trace.events.get(i - 1).cloned();
        assert!(
            squeeze(&shown).contains(&squeeze(&t.headline)),
            "{name}, event {i} {event:?}: the headline is cut:\n{shown}"
        );
        // A multi-line reply's lines are drawn quoted, "│ line".
        let wire: Vec<String> = t.wire.iter().map(|l| format!("│ {l}")).collect();
        let whole = format!("{} {} {}", t.headline, t.body.join(" "), wire.join(" "));
        let fits = squeeze(&shown).contains(&squeeze(&whole));
        let marked = shown.contains(MORE);
        assert!(
            fits || marked,
            "{name}, event {i} {event:?}: cut without the mark:\n{shown}\nwhole: {whole}"
        );
        assert!(
            !(fits && marked),
            "{name}, event {i}: a mark on a text that fits"
        );
        cut += marked as usize;
    }
    cut
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_of_every_lab_scenario_fits_or_says_more() {
    let all = scenarios();
    let expected = all.len();
    assert!(expected == 48 || expected == 96, "{expected} scenarios");
    let runs = futures_util::future::join_all(all.into_iter().map(run)).await;
    let (mut events, mut cut) = (0, 0);
    for (config, trace) in &runs {
        assert!(trace.len() > 5, "{config:?}: a lesson ran");
        let name = format!(
            "{:?} ext={} ipv6={} {:?} {:?}",
            config.mode, config.extended, config.ipv6, config.firewall, config.nat
        );
        cut += check(&name, trace);
        events += trace.len();
    }
    // The check is not empty: blocked dials carry long explanations.
    assert!(events > 30 * expected, "{events} events");
    assert!(cut > 0, "no narration needed the mark");
    println!("{events} events in {expected} lab runs, {cut} narrations marked as cut");
}
