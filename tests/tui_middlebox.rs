//! The middlebox on screen: the blocked active dial under a client
//! firewall (committed snapshots at 80×24 and 120×40 from the hand-made
//! trace, and the same picture checked cell by cell on a real lab run), and
//! the keys that change the middlebox restarting the real lab under it.

#[path = "support/fixture.rs"]
mod fixture;
#[path = "support/screen.rs"]
mod screen;
use screen::{lines, render, text};

use crossterm::event::{KeyCode, KeyEvent};
use ftpviz::lab::rig::Rig;
use ftpviz::lab::{LabConfig, Mode};
use ftpviz::middlebox::{Firewall, Nat};
use ftpviz::trace::{Blocker, Event, Kind};
use ftpviz::tui::app::event::{AppEvent, Event as AppEvt};
use ftpviz::tui::app::pane::Origin;
use ftpviz::tui::app::{App, Pane};
use ftpviz::tui::widgets::style::Theme;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

fn press(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::from(code));
}

/// True when the app has asked the loop to restart its labs.
fn asks_restart(app: &mut App) -> bool {
    matches!(app.events.try_next(), Some(AppEvt::App(AppEvent::Restart)))
}

fn client_firewall(mode: Mode) -> LabConfig {
    LabConfig {
        mode,
        firewall: Firewall::Client,
        control_port: 0,
        ..LabConfig::default()
    }
}

/// The hand-made blocked dial, stepped to the server's 425: the rig (not
/// started: no lab) only puts the middlebox in the title and key bars.
#[test]
fn blocked_active_dial_under_a_client_firewall() {
    let config = LabConfig {
        firewall: Firewall::Client,
        ..LabConfig::default()
    };
    let trace = fixture::active_blocked();
    let to_425 = trace
        .events
        .iter()
        .position(|e| matches!(e.kind, Kind::Reply { code: 425, .. }))
        .expect("the fixture answers 425");
    let pane = Pane::fixed("ACTIVE · PORT: server dials", trace)
        .with_origin(Origin::Lab)
        .with_middlebox(&config);
    let mut app = App::new("lab · active", vec![pane]).with_rig(Rig::new(vec![config]));
    app.theme = Theme::mono();
    for _ in 0..=to_425 {
        press(&mut app, KeyCode::Right);
    }
    for (w, h) in [(80, 24), (120, 40)] {
        let buf = render(&app, w, h);
        insta::assert_snapshot!(format!("blocked_active_dial_{w}x{h}"), text(&buf));
        let s = text(&buf);
        assert!(
            s.contains("blocked (client fw)") && s.contains("425"),
            "{s}"
        );
        assert!(s.contains("simulated"), "labelled as a simulation: {s}");
        assert!(s.contains(" f firewall") && s.contains(" n NAT"), "{s}");
    }
    let wide = text(&render(&app, 120, 40));
    assert!(
        wide.contains("that the client did not"),
        "the full rule at 120×40: {wide}"
    );
}

/// Lets the lab's client act once (the app's → at the live edge) and feeds
/// the app the lab's events until that action's reply, or the lesson's end.
async fn act(app: &mut App, events: &mut UnboundedReceiver<Event>) -> Vec<Event> {
    // To the last event received (End would let the lab run free).
    app.panes[0].player.end();
    press(app, KeyCode::Right);
    let mut seen = Vec::new();
    loop {
        let next = tokio::time::timeout(Duration::from_secs(20), events.recv())
            .await
            .expect("the lab answers within 20 s");
        let Some(e) = next else {
            app.on_source_event(0, None);
            return seen;
        };
        let reply = matches!(e.kind, Kind::Reply { .. });
        app.on_source_event(0, Some(e.clone()));
        seen.push(e);
        if reply {
            return seen;
        }
    }
}

/// Acts until an event matching `what` has been seen; returns it.
async fn act_until(
    app: &mut App,
    events: &mut UnboundedReceiver<Event>,
    what: impl Fn(&Event) -> bool,
) -> Event {
    for _ in 0..30 {
        let seen = act(app, events).await;
        if let Some(e) = seen.iter().find(|e| what(e)) {
            return e.clone();
        }
        assert!(!seen.is_empty(), "the lesson ended first");
    }
    panic!("not seen in 30 actions");
}

fn is_fail(e: &Event) -> bool {
    matches!(e.kind, Kind::Fail { .. })
}

fn blocker(e: &Event) -> Option<Blocker> {
    match e.kind {
        Kind::Fail { by, .. } => by,
        _ => None,
    }
}

/// The real lab, started as `ftpviz lab --mode active --firewall client`:
/// the server's data dial dies at the client's firewall, and the screen
/// shows it dying there.
#[tokio::test]
async fn a_real_blocked_dial_ends_in_a_cross_at_the_middlebox() {
    let mut rig = Rig::new(vec![client_firewall(Mode::Active)]);
    let (panes, feeds) = ftpviz::tui::app::labs::start(&mut rig)
        .await
        .expect("the lab starts");
    let mut app = App::new("lab · active", panes).with_rig(rig);
    app.theme = Theme::mono();
    let mut events = feeds.into_iter().next().expect("one feed").events;

    let fail = act_until(&mut app, &mut events, is_fail).await;
    assert_eq!(blocker(&fail).map(Blocker::as_str), Some("client-firewall"));
    // The cursor on the fail: its row in the diagram and the hosts panel.
    app.panes[0].player.end();
    while !app.panes[0].player.current().is_some_and(is_fail) {
        press(&mut app, KeyCode::Left);
    }
    let buf = render(&app, 80, 24);
    let rows = lines(&buf);
    let s = text(&buf);
    let fail_row = rows
        .iter()
        .position(|l| l.contains("blocked (client fw)"))
        .unwrap_or_else(|| panic!("the fail row: {s}"));
    // The SYN's own row ends in ✗ at the middlebox's line; no arrow
    // reaches the client.
    let syn_row = &rows[fail_row - 1];
    assert!(syn_row.contains("SYN data#1 PORT"), "{s}");
    assert!(syn_row.contains('✗') && !syn_row.contains('◀'), "{syn_row}");
    assert!(s.contains("Client firewall drops server's SYN."), "{s}");
    assert!(s.contains("simulated client firewall"), "{s}");
    // The hosts panel: the data line ends in ✗ against the middlebox wall,
    // and the client only listens: nothing was connected.
    let hosts: Vec<&String> = rows[2..7].iter().collect();
    assert!(
        hosts.iter().any(|l| l.contains("┃✗━")),
        "the SYN dies at the middlebox: {hosts:#?}"
    );
    assert!(
        hosts.iter().all(|l| !l.contains("data ")),
        "no open data port: {hosts:#?}"
    );
}

/// `f` and `n` change the middlebox and restart the real lab under it, on
/// the same control port; `x` switches to EPRT.
#[tokio::test]
async fn f_and_n_restart_the_lab_under_the_new_middlebox() {
    let config = LabConfig {
        mode: Mode::Active,
        control_port: 0,
        ..LabConfig::default()
    };
    let mut rig = Rig::new(vec![config]);
    let (panes, feeds) = ftpviz::tui::app::labs::start(&mut rig)
        .await
        .expect("the lab starts");
    let mut app = App::new("lab · active", panes).with_rig(rig);
    app.theme = Theme::mono();
    let mut events = feeds.into_iter().next().expect("one feed").events;
    let port = |app: &App| app.panes[0].endpoints.map(|e| e.server.port());
    let first_port = port(&app);
    assert!(app.panes[0].middlebox.is_none());
    // The old lab is mid-lesson when it is replaced.
    let banner = act(&mut app, &mut events).await;
    assert!(banner
        .iter()
        .any(|e| matches!(e.kind, Kind::Reply { code: 220, .. })));

    // The run has begun: f first says what it will do, any other key
    // keeps the run, f again restarts.
    press(&mut app, KeyCode::Char('f'));
    assert!(!asks_restart(&mut app), "not yet");
    let s = text(&render(&app, 80, 24));
    assert!(
        s.contains("f again: restart") && s.contains("client firewall"),
        "{s}"
    );
    press(&mut app, KeyCode::Char('z'));
    assert!(!asks_restart(&mut app), "another key keeps the run");
    assert!(!text(&render(&app, 80, 24)).contains("f again"));
    press(&mut app, KeyCode::Char('f'));
    press(&mut app, KeyCode::Char('f'));
    assert!(asks_restart(&mut app), "f again asks for a restart");
    assert!(!asks_restart(&mut app), "once");
    assert!(app.status.is_some(), "the title bar says it restarts");
    let feeds = app.restart().await.expect("the lab restarts");
    let rig = app.rig.as_ref().expect("the rig");
    assert_eq!(rig.firewall(), Firewall::Client);
    assert_eq!(app.status, None);
    assert_eq!(port(&app), first_port, "the same control port");
    assert!(app.panes[0].player.visible().is_empty(), "a fresh lab");
    let label = app.panes[0].middlebox.as_ref().expect("a middlebox box");
    assert!(
        label.full.join(" ").contains("client firewall"),
        "{label:?}"
    );
    let mut events = feeds.into_iter().next().expect("one feed").events;
    let fail = act_until(&mut app, &mut events, is_fail).await;
    assert_eq!(blocker(&fail), Some(Blocker::ClientFirewall));

    // n: the client goes behind a NAT; its PORT names its private address.
    press(&mut app, KeyCode::Char('n'));
    press(&mut app, KeyCode::Char('n'));
    assert!(asks_restart(&mut app));
    let feeds = app.restart().await.expect("the lab restarts");
    let rig = app.rig.as_ref().expect("the rig");
    assert_eq!((rig.firewall(), rig.nat()), (Firewall::Client, Nat::Client));
    let s = text(&render(&app, 80, 24));
    assert!(s.contains("sim: client fw+client NAT"), "{s}");
    let mut events = feeds.into_iter().next().expect("one feed").events;
    let port_line = act_until(
        &mut app,
        &mut events,
        |e| matches!(&e.kind, Kind::Command { verb, .. } if verb == "PORT"),
    )
    .await;
    let Kind::Command { text, .. } = &port_line.kind else {
        unreachable!("matched a command");
    };
    assert!(text.starts_with("PORT 192,168,1,2,"), "{text}");

    // x: EPRT instead of PORT, under the same middlebox.
    press(&mut app, KeyCode::Char('x'));
    press(&mut app, KeyCode::Char('x'));
    assert!(asks_restart(&mut app));
    app.restart().await.expect("the lab restarts");
    assert!(
        app.panes[0].title.contains("EPRT"),
        "{}",
        app.panes[0].title
    );
    let rig = app.rig.as_ref().expect("the rig");
    assert_eq!((rig.firewall(), rig.nat()), (Firewall::Client, Nat::Client));
}

/// Without live labs (a replay) the keys change nothing.
#[test]
fn a_replay_has_no_middlebox_keys() {
    let mut app = App::new("replay", vec![Pane::fixed("trace", fixture::active())]);
    press(&mut app, KeyCode::Char('f'));
    assert!(!asks_restart(&mut app));
    assert!(app.status.is_none());
    let s = text(&render(&app, 80, 24));
    assert!(!s.contains("firewall"), "{s}");
}
