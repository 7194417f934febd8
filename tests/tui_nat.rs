//! NAT in plain sight (issue 16 §4, §6), tested the way the issue found it:
//! the real lab behind `--nat client` (active, with and without the
//! stateful helper) and `--nat server` (passive, with the helper), drawn
//! with ratatui's TestBackend at 80×24 and 120×40 at the step of the
//! announcement (`PORT` or `227`), with committed snapshots.
//!
//! On each screen: the host inside shows its private address, the NAT's
//! box the public one (on the world's side) — the translation — and, where
//! the helper rewrote the line, the diagram's row shows it as sent on the
//! sender's side of the wall and as received on the other. The addresses
//! come from the middlebox (`nat::Translation`) and the texts from the
//! trace's own note (`helper::Rewrite`), never written out here.
//!
//! The lab's ports are ephemeral; for the snapshots they are renumbered
//! (in order of appearance, everywhere they are written: sockets, `PORT`,
//! `227`, notes), which changes no width on screen that matters.
//!
//! And §6: the control SYN under a client firewall passes the middlebox's
//! wall in the hosts panel once the trace holds its answer, and still stops
//! there while it holds none.

#[path = "support/fixture.rs"]
mod fixture;
#[path = "support/screen.rs"]
mod screen;
use screen::{lines, render, text};

mod lab_facts;
#[path = "support/ports.rs"]
mod ports;
use ports::Ports;

use ftpviz::lab::{Endpoints, LabConfig, Mode};
use ftpviz::middlebox::helper::Rewrite;
use ftpviz::middlebox::nat::{self, Translation};
use ftpviz::middlebox::{Firewall, Nat};
use ftpviz::trace::{Event, Kind, Side, Trace};
use ftpviz::tui::app::labs::mode_title;
use ftpviz::tui::app::pane::Origin;
use ftpviz::tui::app::{App, Pane};
use ftpviz::tui::widgets::style::Theme;

fn lab(mode: Mode, firewall: Firewall, nat: Nat) -> LabConfig {
    LabConfig {
        mode,
        firewall,
        nat,
        control_port: 0,
        ..LabConfig::default()
    }
}

/// The lab run to its end, renumbered; the pane as the lab shows it.
async fn pane(config: &LabConfig) -> (Pane, Trace) {
    let events = lab_facts::run_lab(config.clone()).await;
    let trace = Ports::of(&events).trace(&events);
    let (client, server) = trace
        .events
        .iter()
        .find_map(|e| match e.kind {
            Kind::Connect { src, dst, .. } if e.conn == 0 => Some((src, dst)),
            _ => None,
        })
        .expect("the control dial");
    let pane = Pane::fixed(mode_title(config), trace.clone())
        .with_origin(Origin::Lab)
        .with_middlebox(config)
        .with_endpoints(Endpoints {
            client: client.ip(),
            server,
        });
    (pane, trace)
}

/// The first `PORT` or `227`: its index, and the helper's rewrite of it.
fn announcement(trace: &Trace) -> (usize, &Event, Option<Rewrite>) {
    let (i, e) = trace
        .events
        .iter()
        .enumerate()
        .find(|(_, e)| match &e.kind {
            Kind::Command { verb, .. } => verb == ftpviz::ftp::Verb::Port.as_str(),
            Kind::Reply { code, .. } => *code == 227,
            _ => false,
        })
        .expect("an announcement");
    (i, e, e.note.as_deref().and_then(Rewrite::read))
}

/// The address word of a line: the argument of PORT, the `(…)` of a 227.
fn address_word(line: &str) -> &str {
    line.split_whitespace()
        .rfind(|w| w.contains(','))
        .unwrap_or(line)
}

/// The words of a row of the NAT's box (not its walls, nor the lines
/// passing under it).
fn box_words(row: &str) -> Vec<&str> {
    row.split(|c: char| c.is_whitespace() || c == '┃')
        .filter(|w| !w.is_empty() && !w.chars().all(|c| "─━▶◀●✗".contains(c)))
        .collect()
}

/// The screen at the announcement, at both sizes, snapshotted and checked.
async fn check(name: &str, config: LabConfig, rewritten: bool) {
    let (pane, trace) = pane(&config).await;
    let (at, event, rewrite) = announcement(&trace);
    assert_eq!(rewrite.is_some(), rewritten, "{event:?}");
    let inside = nat::inside(config.nat).expect("a NAT");
    let control = &trace.events[0];
    let Kind::Connect { src, dst, .. } = control.kind else {
        panic!("the trace starts with the control dial");
    };
    let real = if inside == Side::Client {
        src.ip()
    } else {
        dst.ip()
    };
    let t = Translation::of(config.nat, real).expect("a translation");
    let (private, public) = (t.private.to_string(), t.public.to_string());
    let mut app = App::new("lab", vec![pane]);
    app.theme = Theme::mono();
    app.panes[0].player.seek(at + 1);
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let buf = render(&app, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text(&buf));
        let rows = lines(&buf);
        let screen = rows.join("\n");
        let hosts_rows = if h == 24 { 2..7 } else { 2..9 };
        let hosts = &rows[hosts_rows];
        let cells = |row: &String, from: usize, to: usize| -> String {
            row.chars()
                .skip(from)
                .take(to.saturating_sub(from))
                .collect()
        };
        // The host inside shows its private address in its own box; the
        // NAT's box (between the boxes) shows the public one.
        let bw = 24; // a host box, in one pane at 80 and 120 columns
        let (own, middle) = match inside {
            Side::Client => (cells(&hosts[1], 0, bw), (bw, w as usize - bw)),
            Side::Server => (
                cells(&hosts[1], w as usize - bw, w as usize),
                (bw, w as usize - bw),
            ),
        };
        assert!(own.contains(&private), "{name} {w}×{h}: {own}\n{screen}");
        let in_box: Vec<String> = hosts.iter().map(|r| cells(r, middle.0, middle.1)).collect();
        let words: Vec<&str> = in_box.iter().flat_map(|r| box_words(r)).collect();
        assert!(
            words.contains(&public.as_str()) && words.contains(&"⇄"),
            "{name} {w}×{h}: the translation in the NAT's box\n{screen}"
        );
        if w == 120 || config.firewall == Firewall::None {
            // Room for both: the whole translation, from the client's side.
            let both = t.words();
            let squeezed = words.join(" ");
            assert!(squeezed.contains(&both), "{name} {w}×{h}: {both}\n{screen}");
        }
        // The announcement's row: as sent and as received, either side of
        // the wall; without a rewrite, the line as it crossed.
        let row = rows
            .iter()
            .find(|r| r.starts_with('▸'))
            .unwrap_or_else(|| panic!("the cursor's row\n{screen}"));
        match &rewrite {
            Some(r) => {
                let (sent, received) = (address_word(&r.sent), address_word(&r.received));
                let (s, v) = (row.find(sent), row.find(received));
                let wall = row.find('┃');
                assert!(
                    s.is_some() && v.is_some() && wall.is_some(),
                    "{name} {w}×{h}: {sent} and {received} on {row}\n{screen}"
                );
                // The sender's side of the wall has the line as sent.
                let (s, v, wall) = (s.unwrap(), v.unwrap(), wall.unwrap());
                match event.from {
                    Side::Client => assert!(s < wall && wall < v, "{row}"),
                    Side::Server => assert!(v < wall && wall < s, "{row}"),
                }
                if w == 120 && event.from == Side::Client {
                    assert!(row.contains(&r.sent) && row.contains(&r.received), "{row}");
                }
            }
            None => {
                let Kind::Command { text, .. } = &event.kind else {
                    panic!("the unrewritten announcement is the PORT");
                };
                assert!(row.contains(text.as_str()), "{row}\n{screen}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nat_client_active_shows_both_addresses() {
    let config = lab(Mode::Active, Firewall::None, Nat::Client);
    check("nat_client_active", config, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nat_client_active_with_the_helper_shows_port_as_sent_and_received() {
    let config = lab(Mode::Active, Firewall::Stateful, Nat::Client);
    check("nat_client_helper_active", config, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nat_server_passive_with_the_helper_shows_227_as_sent_and_received() {
    let config = lab(Mode::Passive, Firewall::Stateful, Nat::Server);
    check("nat_server_helper_passive", config, true).await;
}

/// The hosts panel's control row at 80×24, its SYN the cursor: the part
/// right of the middlebox's box.
fn past_the_wall(trace: Trace) -> String {
    let config = lab(Mode::Active, Firewall::Client, Nat::None);
    let pane = Pane::fixed(mode_title(&config), trace)
        .with_origin(Origin::Lab)
        .with_middlebox(&config);
    let mut app = App::new("lab", vec![pane]);
    app.theme = Theme::mono();
    app.panes[0].player.seek(1);
    let rows = lines(&render(&app, 80, 24));
    let ctl = rows[2..7]
        .iter()
        .find(|r| r.contains("ctl") && r.contains('●'))
        .unwrap_or_else(|| panic!("the control row\n{}", rows.join("\n")));
    ctl.rsplit('┃').next().unwrap_or_default().to_string()
}

/// Issue 16 §6: at the control SYN under a client firewall, the hosts
/// panel draws the dial through the wall when the trace holds its answer
/// (the accept), and stops it at the wall while it holds none.
#[test]
fn a_dial_the_middlebox_let_through_passes_its_wall_in_the_hosts_panel() {
    let whole = fixture::active_blocked();
    assert!(matches!(whole.events[1].kind, Kind::Accept));
    let through = past_the_wall(whole.clone());
    assert!(
        through.contains('━') && through.contains('▶'),
        "through the wall: {through}"
    );
    let unanswered = Trace {
        events: whole.events[..1].to_vec(),
    };
    let stopped = past_the_wall(unanswered);
    assert!(
        !stopped.contains('━') && !stopped.contains('▶'),
        "no answer yet: stops at the wall: {stopped}"
    );
}

/// In the compare view at 120×40 a pane has no room for both whole lines:
/// the row shows their addresses, as sent on the sender's side of the
/// wall and as received on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_view_shows_the_rewritten_addresses_either_side_of_the_wall() {
    let configs = [
        lab(Mode::Active, Firewall::Stateful, Nat::Client),
        lab(Mode::Passive, Firewall::Stateful, Nat::Server),
    ];
    let (mut panes, mut seen) = (Vec::new(), Vec::new());
    for c in &configs {
        let (pane, trace) = pane(c).await;
        let (at, event, rewrite) = announcement(&trace);
        let r = rewrite.expect("the helper rewrote it");
        seen.push((at, event.from, r));
        panes.push(pane);
    }
    let mut app = App::new("lab · active vs passive", panes);
    app.theme = Theme::mono();
    for (pane, (at, _, _)) in app.panes.iter_mut().zip(&seen) {
        pane.player.seek(at + 1);
    }
    let buf = render(&app, 120, 40);
    let screen = text(&buf);
    for (_, from, r) in &seen {
        let (sent, received) = (address_word(&r.sent), address_word(&r.received));
        let row = lines(&buf)
            .into_iter()
            .find(|l| l.contains(sent))
            .unwrap_or_else(|| panic!("{sent} on screen\n{screen}"));
        let (s, v) = (row.find(sent).unwrap(), row.find(received));
        let v = v.unwrap_or_else(|| panic!("{received} beside {sent}: {row}\n{screen}"));
        let between = if s < v { &row[s..v] } else { &row[v..s] };
        assert!(between.contains('┃'), "the wall between them: {row}");
        match from {
            Side::Client => assert!(s < v, "{row}"),
            Side::Server => assert!(v < s, "{row}"),
        }
    }
}
