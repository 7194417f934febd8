//! The point of a blocked dial is on screen at 80×24 (issue 16 §3): when
//! the lab's middlebox will stop a data connection, the step that shows its
//! SYN says why — "the client's firewall lets in no connection the client
//! did not start…" — whole, in the compare view's narrow pane, without
//! pressing `m`. The port arithmetic after it is detail, and may be cut.

#[path = "support/screen.rs"]
mod screen;
use screen::{lines, render};

mod lab_facts;
#[path = "support/scenarios.rs"]
mod scenarios;

use crossterm::event::{KeyCode, KeyEvent};
use ftpviz::lab::rig::Rig;
use ftpviz::lab::{LabConfig, Mode};
use ftpviz::trace::{Event, Kind, Trace};
use ftpviz::tui::app::labs::mode_title;
use ftpviz::tui::app::pane::Origin;
use ftpviz::tui::app::{App, Pane};
use ftpviz::tui::widgets::style::Theme;

fn squeeze(s: &str) -> String {
    s.split_whitespace().collect()
}

/// Whether data connection `conn` of `session` ends in a dial the
/// middlebox stopped.
fn stopped(events: &[Event], session: u32, conn: u32) -> bool {
    events.iter().any(|e| {
        e.session == session && e.conn == conn && matches!(e.kind, Kind::Fail { by: Some(_), .. })
    })
}

/// The sentence after the SYN's own: what the middlebox makes of the dial.
fn why(body: &str) -> Option<String> {
    let rest = body.split_once(". ")?.1;
    let (sentence, _) = rest.split_once(". ").unwrap_or((rest, ""));
    Some(format!("{}.", sentence.trim_end_matches('.')))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_dial_says_why_whole_in_the_compare_view_at_80x24() {
    let actives: Vec<LabConfig> = scenarios::every_lab()
        .into_iter()
        .filter(|c| c.mode == Mode::Active && !c.ipv6)
        .collect();
    // Every pair's two labs at once (a blocked dial waits out its timer).
    let pairs: Vec<[LabConfig; 2]> = actives
        .iter()
        .map(|a| {
            [
                a.clone(),
                LabConfig {
                    mode: Mode::Passive,
                    ..a.clone()
                },
            ]
        })
        .collect();
    let traces = futures_util::future::join_all(pairs.iter().flatten().map(|c| async move {
        Trace {
            events: lab_facts::run_lab(c.clone()).await,
        }
    }))
    .await;
    let mut checked = 0;
    for (configs, runs) in pairs.iter().zip(traces.chunks(2)) {
        let active = &configs[0];
        let panes = |runs: &[Trace]| -> Vec<Pane> {
            configs
                .iter()
                .zip(runs)
                .map(|(c, t)| {
                    Pane::fixed(mode_title(c), t.clone())
                        .with_origin(Origin::Lab)
                        .with_middlebox(c)
                })
                .collect()
        };
        // The sentences to find: each stopped dial's "why", from the
        // narration of its SYN step.
        let mut wanted = Vec::new();
        for (k, mut pane) in panes(runs).into_iter().enumerate() {
            let events = runs[k].events.clone();
            for (i, e) in events.iter().enumerate() {
                let syn = matches!(e.kind, Kind::Connect { .. }) && e.conn > 0;
                if syn && stopped(&events, e.session, e.conn) {
                    pane.player.seek(i + 1);
                    let told = ftpviz::tui::app::told::told(&pane, true);
                    if let Some(w) = why(&told.body.join(" ")) {
                        wanted.push((k, w));
                    }
                }
            }
        }
        if wanted.is_empty() {
            continue;
        }
        // Every screen of the walk, step by step, as a teacher would press →.
        let mut app =
            App::new("lab · active vs passive", panes(runs)).with_rig(Rig::new(configs.to_vec()));
        app.theme = Theme::mono();
        let mut seen = vec![false; wanted.len()];
        for _ in 0..400 {
            let screen = lines(&render(&app, 80, 24));
            for (n, (k, w)) in wanted.iter().enumerate() {
                let column: Vec<&str> = screen
                    .iter()
                    .map(|row| row.split('┃').nth(*k).unwrap_or(""))
                    .collect();
                if squeeze(&column.join(" ")).contains(&squeeze(w)) {
                    seen[n] = true;
                }
            }
            if app.finale() {
                break;
            }
            app.on_key(KeyEvent::from(KeyCode::Right));
        }
        let name = scenarios::name(active);
        for ((k, w), seen) in wanted.iter().zip(seen) {
            assert!(
                seen,
                "{name}, pane {k}: the blocked dial's reason never shows whole: {w}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 4, "only {checked} blocked dials were checked");
    println!("{checked} blocked dials: each says why, whole, at 80×24");
}
