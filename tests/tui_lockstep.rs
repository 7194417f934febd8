//! The compare view's → and ←: both panes step by action, so their
//! commands line up (PORT against PASV, LIST against LIST) and each data
//! step shows while the other pane waits; ← retraces exactly.

use crossterm::event::{KeyCode, KeyEvent};
use ftpviz::trace::{Channel, Event, Kind, Trace};
use ftpviz::tui::app::{App, Pane};
use ftpviz::tui::fixture;
use ftpviz::tui::lockstep::{stop, Stop};
use ftpviz::tui::source::Source;
use std::cell::Cell;
use std::rc::Rc;

fn key(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::from(code));
}

fn compare(active: Trace, passive: Trace) -> App {
    App::new(
        "compare",
        vec![
            Pane::fixed("active", active),
            Pane::fixed("passive", passive),
        ],
    )
}

/// What a pane stands on, in a word: a command's verb, "SYN", "fail", a
/// reply's code; "" before the first event.
fn at(app: &App, i: usize) -> String {
    let Some(e) = app.panes[i].player.current() else {
        return String::new();
    };
    match &e.kind {
        Kind::Command { verb, .. } => verb.clone(),
        Kind::Connect { .. } if e.channel == Channel::Data => "SYN".into(),
        Kind::Connect { .. } => "dial ctl".into(),
        Kind::Fail { .. } => "fail".into(),
        Kind::Reply { code, .. } => code.to_string(),
        other => other.name().into(),
    }
}

fn both(app: &App) -> (String, String) {
    (at(app, 0), at(app, 1))
}

fn positions(app: &App) -> Vec<usize> {
    app.panes.iter().map(|p| p.player.shown()).collect()
}

#[test]
fn port_lines_up_with_pasv_and_each_dial_shows_while_the_other_waits() {
    let mut app = compare(fixture::active(), fixture::passive());
    let mut walk = Vec::new();
    for _ in 0..10 {
        key(&mut app, KeyCode::Right);
        walk.push(both(&app));
    }
    let s = |a: &str, p: &str| (a.to_string(), p.to_string());
    assert_eq!(
        walk,
        [
            s("dial ctl", "dial ctl"),
            s("USER", "USER"),
            s("PASS", "PASS"),
            s("PWD", "PWD"),
            s("TYPE", "TYPE"),
            s("PORT", "PASV"),
            s("PORT", "227"), // the server's address, with its arithmetic
            s("PORT", "SYN"), // passive: the client dials at once
            s("LIST", "LIST"),
            s("SYN", "LIST"), // active: the server dials after LIST
        ]
    );
}

#[test]
fn back_retraces_forward_exactly() {
    let mut app = compare(fixture::active(), fixture::passive());
    let mut forward = vec![positions(&app)];
    loop {
        key(&mut app, KeyCode::Right);
        let now = positions(&app);
        if Some(&now) == forward.last() {
            break;
        }
        forward.push(now);
    }
    let ends: Vec<usize> = app.panes.iter().map(|p| p.player.trace().len()).collect();
    assert_eq!(positions(&app), ends, "→ reaches the end of both");
    let mut back = vec![positions(&app)];
    for _ in 1..forward.len() {
        key(&mut app, KeyCode::Left);
        back.push(positions(&app));
    }
    back.reverse();
    assert_eq!(back, forward);
}

#[test]
fn commands_always_line_up_and_only_data_steps_move_alone() {
    let mut app = compare(fixture::active(), fixture::passive());
    let mut commands = 0;
    for _ in 0..200 {
        let before = positions(&app);
        key(&mut app, KeyCode::Right);
        let after = positions(&app);
        let on = |i: usize| app.panes[i].player.current().and_then(stop);
        let (a, p) = both(&app);
        if on(0) == Some(Stop::Command) && on(1) == Some(Stop::Command) {
            commands += 1;
            let same = a == p || (a == "PORT" && p == "PASV");
            assert!(same, "{a} against {p}");
        }
        // A pane that moves alone moves onto a data step.
        for i in 0..2 {
            let alone = before[i] != after[i] && before[1 - i] == after[1 - i];
            assert!(!alone || on(i) == Some(Stop::Data), "pane {i} at {a}/{p}");
        }
    }
    // dial ctl, USER, PASS, PWD, TYPE A, PORT/PASV, LIST, TYPE I,
    // PORT/PASV, RETR, PORT/PASV, STOR, QUIT.
    assert_eq!(commands, 13);
}

#[test]
fn a_blocked_dial_and_its_425_are_stops_of_their_own() {
    let mut app = compare(fixture::active_blocked(), fixture::passive());
    let mut walk = Vec::new();
    while at(&app, 0) != "425" && walk.len() < 50 {
        key(&mut app, KeyCode::Right);
        walk.push(both(&app));
    }
    let active: Vec<&str> = walk.iter().map(|(a, _)| a.as_str()).collect();
    let tail = active.get(active.len().saturating_sub(4)..);
    assert_eq!(tail, Some(&["LIST", "SYN", "fail", "425"][..]), "{walk:?}");
    // The passive pane held still while the active one showed them.
    let n = walk.len();
    assert_eq!(walk[n - 1].1, walk[n - 3].1, "{walk:?}");
}

#[test]
fn one_pane_still_steps_event_by_event() {
    let mut app = App::new("one", vec![Pane::fixed("active", fixture::active())]);
    for n in 1..=4 {
        key(&mut app, KeyCode::Right);
        assert_eq!(positions(&app), [n]);
    }
    key(&mut app, KeyCode::Left);
    assert_eq!(positions(&app), [3]);
}

/// A live source that counts how often it was asked to act.
struct Counting(Rc<Cell<usize>>);

impl Source for Counting {
    fn step(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// A live pane that has received `events` and shows them all.
fn live(events: &[Event], asked: &Rc<Cell<usize>>) -> Pane {
    let mut pane = Pane::live("live", Box::new(Counting(asked.clone())));
    for e in events {
        pane.player.push(e.clone());
    }
    pane.player.end();
    pane
}

#[test]
fn a_live_dial_under_way_is_waited_for_without_making_the_client_act() {
    let blocked = fixture::active_blocked().events;
    let syn = blocked
        .iter()
        .position(|e| e.channel == Channel::Data)
        .expect("a data dial");
    let passive = fixture::passive().events;
    let list = passive
        .iter()
        .position(|e| matches!(&e.kind, Kind::Command { verb, .. } if verb == "LIST"))
        .expect("a LIST");
    let (asked_a, asked_p) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
    let mut app = App::new(
        "compare",
        vec![
            live(&blocked[..=syn], &asked_a),
            live(&passive[..=list], &asked_p),
        ],
    );
    assert_eq!(both(&app), ("SYN".to_string(), "LIST".to_string()));

    // The SYN's fate is still to come: the active pane waits for it, the
    // passive pane holds, and neither client is told to act.
    key(&mut app, KeyCode::Right);
    assert!(app.panes[0].player.is_awaiting());
    assert_eq!(positions(&app), [syn + 1, list + 1]);
    assert_eq!((asked_a.get(), asked_p.get()), (0, 0));

    // The fail arrives and shows; then the 425, the passive pane still holding.
    for e in &blocked[syn + 1..] {
        app.on_source_event(0, Some(e.clone()));
    }
    assert_eq!(at(&app, 0), "fail");
    key(&mut app, KeyCode::Right);
    assert_eq!(both(&app), ("425".to_string(), "LIST".to_string()));
    assert_eq!((asked_a.get(), asked_p.get()), (0, 0));
}

#[test]
fn playing_side_by_side_moves_from_action_to_action_like_the_arrow_key() {
    let by_key = {
        let mut app = compare(fixture::active(), fixture::passive());
        (0..10)
            .map(|_| {
                key(&mut app, KeyCode::Right);
                both(&app)
            })
            .collect::<Vec<_>>()
    };
    let mut app = compare(fixture::active(), fixture::passive());
    key(&mut app, KeyCode::Char(' '));
    let beat = std::time::Duration::from_secs_f64(1.0 / app.panes[0].player.speed());
    let mut played = Vec::new();
    while played.len() < 10 {
        let before = positions(&app);
        app.on_tick(beat / 3);
        if positions(&app) != before {
            played.push(both(&app));
        }
    }
    assert_eq!(played, by_key);
    // To the end of both fixed traces, where playing stops by itself.
    for _ in 0..1000 {
        app.on_tick(beat);
    }
    assert!(app.panes.iter().all(|p| p.player.at_end()));
    assert!(!app.panes.iter().any(|p| p.player.is_playing()));
}
