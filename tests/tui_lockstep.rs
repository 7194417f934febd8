//! The compare view's → and ←: every event of both panes is shown, one per
//! pane per step; commands line up (PORT beside PASV, LIST beside LIST);
//! a data dial and a failed dial each get a step of their own while the
//! other pane waits; ← retraces exactly; playing pauses at the teaching
//! moments and stops on the summary.

#[path = "support/fixture.rs"]
mod fixture;
use crossterm::event::{KeyCode, KeyEvent};
use ftpviz::narration::moment::teaching_moment;
use ftpviz::trace::{Channel, Event, Kind, Trace};
use ftpviz::tui::app::lockstep::{class, Next};
use ftpviz::tui::app::source::Source;
use ftpviz::tui::app::{App, Focus, Pane};
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

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

/// An event in a word: a command's verb, "SYN", "fail", a reply's code.
fn word(e: &Event) -> String {
    match &e.kind {
        Kind::Command { verb, .. } => verb.clone(),
        Kind::Connect { .. } if e.channel == Channel::Data => "SYN".into(),
        Kind::Connect { .. } => "dial ctl".into(),
        Kind::Fail { .. } => "fail".into(),
        Kind::Reply { code, .. } => code.to_string(),
        other => other.name().into(),
    }
}

/// What pane `i` stands on; "" before the first event.
fn at(app: &App, i: usize) -> String {
    app.panes[i].player.current().map(word).unwrap_or_default()
}

fn positions(app: &App) -> Vec<usize> {
    app.panes.iter().map(|p| p.player.shown()).collect()
}

/// One → from the start to the summary: for each step, what each pane
/// stands on, with "-" for a pane that held still.
fn walk(app: &mut App) -> Vec<(String, String)> {
    let mut steps = Vec::new();
    for _ in 0..500 {
        let before = positions(app);
        key(app, KeyCode::Right);
        let after = positions(app);
        if after == before {
            break;
        }
        let said = |i: usize| {
            if after[i] == before[i] {
                "-".to_string()
            } else {
                at(app, i)
            }
        };
        steps.push((said(0), said(1)));
    }
    steps
}

fn pair(a: &str, p: &str) -> (String, String) {
    (a.to_string(), p.to_string())
}

#[test]
fn every_event_of_both_panes_gets_shown_and_port_stands_beside_pasv() {
    let mut app = compare(fixture::active(), fixture::passive());
    let steps = walk(&mut app);
    // Every event of each pane was the current one exactly once: a step
    // moves a pane by one event, and → reached the end of both.
    let lens: Vec<usize> = app.panes.iter().map(|p| p.player.trace().len()).collect();
    assert_eq!(positions(&app), lens);
    for (i, len) in lens.iter().enumerate() {
        let moves = steps
            .iter()
            .filter(|s| if i == 0 { &s.0 } else { &s.1 } != "-")
            .count();
        assert_eq!(moves, *len, "pane {i}: one step per event");
    }
    let from_port = steps
        .iter()
        .position(|s| s.0 == "PORT")
        .expect("a PORT step");
    assert_eq!(
        steps[from_port..from_port + 11],
        [
            pair("PORT", "PASV"),
            pair("200", "227"),
            pair("-", "SYN"), // the client dials at once: alone
            pair("-", "accept"),
            pair("LIST", "LIST"),
            pair("SYN", "-"), // the server dials after LIST: alone
            pair("accept", "150"),
            pair("150", "data"),
            pair("data", "close"),
            pair("close", "226"),
            pair("226", "-"),
        ]
    );
    // Then the summary: one more → changes no cursor but ends the lesson.
    assert!(app.finale(), "the lesson ends on its summary");
}

#[test]
fn a_blocked_dial_and_its_fail_each_get_their_own_step() {
    let mut app = compare(fixture::active_blocked(), fixture::passive());
    let steps = walk(&mut app);
    let syn = steps.iter().position(|s| s.0 == "SYN").expect("the dial");
    assert_eq!(steps[syn], pair("SYN", "-"), "{steps:?}");
    assert_eq!(steps[syn + 1], pair("fail", "-"), "{steps:?}");
    // The 425 that follows moves along with the other pane.
    assert_eq!(steps[syn + 2].0, "425", "{steps:?}");
}

#[test]
fn back_retraces_forward_exactly() {
    for (active, passive) in [
        (fixture::active(), fixture::passive()),
        (fixture::active_blocked(), fixture::passive()),
    ] {
        let mut app = compare(active, passive);
        let mut forward = vec![positions(&app)];
        loop {
            key(&mut app, KeyCode::Right);
            let now = positions(&app);
            if Some(&now) == forward.last() {
                break;
            }
            forward.push(now);
        }
        assert!(app.finale());
        key(&mut app, KeyCode::Left);
        assert!(!app.finale(), "← leaves the summary first");
        let mut back = vec![positions(&app)];
        for _ in 1..forward.len() {
            key(&mut app, KeyCode::Left);
            back.push(positions(&app));
        }
        back.reverse();
        assert_eq!(back, forward);
    }
}

#[test]
fn commands_always_line_up() {
    let mut app = compare(fixture::active(), fixture::passive());
    let mut together = 0;
    for _ in 0..200 {
        let before = positions(&app);
        key(&mut app, KeyCode::Right);
        let after = positions(&app);
        let on_command = |i: usize| {
            app.panes[i]
                .player
                .current()
                .is_some_and(|e| class(e) == Next::Command)
        };
        for i in 0..2 {
            if after[i] != before[i] && on_command(i) {
                // A pane steps onto a command only with the other.
                assert!(after[1 - i] != before[1 - i] && on_command(1 - i));
            }
        }
        if after != before && on_command(0) && on_command(1) {
            together += 1;
            let (a, p) = (at(&app, 0), at(&app, 1));
            let same = a == p || (a == "PORT" && p == "PASV");
            assert!(same, "{a} against {p}");
        }
    }
    // dial ctl, USER, PASS, PWD, TYPE A, PORT/PASV, LIST, TYPE I,
    // PORT/PASV, RETR, PORT/PASV, STOR, QUIT.
    assert_eq!(together, 13);
}

#[test]
fn one_pane_steps_event_by_event() {
    let mut app = App::new("one", vec![Pane::fixed("active", fixture::active())]);
    for n in 1..=4 {
        key(&mut app, KeyCode::Right);
        assert_eq!(positions(&app), [n]);
    }
    key(&mut app, KeyCode::Left);
    assert_eq!(positions(&app), [3]);
}

#[test]
fn tab_steps_the_pane_on_screen_only() {
    let mut app = compare(fixture::active(), fixture::passive());
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Focus::One(1));
    for _ in 0..14 {
        key(&mut app, KeyCode::Right);
    }
    assert_eq!(positions(&app), [0, 14], "the passive pane, event by event");
    key(&mut app, KeyCode::Left);
    assert_eq!(positions(&app), [0, 13]);
    // Both again: the passive pane shows its dial alone and finishes its
    // action, the active one waiting on its first command; then both go
    // on together.
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Focus::All);
    let mut seen = Vec::new();
    for _ in 0..3 {
        key(&mut app, KeyCode::Right);
        seen.push(positions(&app));
    }
    assert_eq!(seen, [[0, 14], [0, 15], [1, 16]]);
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
fn a_live_dial_under_way_is_waited_for_alone_without_making_the_client_act() {
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
            live(&passive[..=list + 1], &asked_p),
        ],
    );
    app.panes[1].player.seek(list + 1);
    assert_eq!((at(&app, 0), at(&app, 1)), (pair("SYN", "LIST")));

    // The SYN's fate is still to come: the active pane waits for it, the
    // passive pane holds (its 150 waits too), and no client is told to act.
    key(&mut app, KeyCode::Right);
    assert!(app.panes[0].player.is_awaiting());
    assert_eq!(positions(&app), [syn + 1, list + 1]);
    key(&mut app, KeyCode::Right);
    assert_eq!(positions(&app), [syn + 1, list + 1], "→ waits with it");
    assert_eq!((asked_a.get(), asked_p.get()), (0, 0));

    // The fail arrives and shows, alone; then the 425 beside the 150.
    app.on_source_event(0, Some(blocked[syn + 1].clone()));
    assert_eq!(at(&app, 0), "fail");
    assert_eq!(at(&app, 1), "LIST");
    for e in &blocked[syn + 2..] {
        app.on_source_event(0, Some(e.clone()));
    }
    key(&mut app, KeyCode::Right);
    assert_eq!((at(&app, 0), at(&app, 1)), pair("425", "150"));
    assert_eq!((asked_a.get(), asked_p.get()), (0, 0));
}

/// Plays until the cursors change; returns the new positions.
fn play_a_step(app: &mut App, beat: Duration) -> bool {
    let before = positions(app);
    for _ in 0..10 {
        app.on_tick(beat / 3);
        if positions(app) != before || app.finale() {
            return true;
        }
    }
    false
}

#[test]
fn playing_without_auto_pause_moves_like_the_arrow_key_and_stops_on_the_summary() {
    let by_key = {
        let mut app = compare(fixture::active(), fixture::passive());
        walk(&mut app)
    };
    let mut app = compare(fixture::active(), fixture::passive());
    key(&mut app, KeyCode::Char('a'));
    key(&mut app, KeyCode::Char(' '));
    let beat = Duration::from_secs_f64(1.0 / app.panes[0].player.speed());
    let mut played = Vec::new();
    while !app.finale() {
        let before = positions(&app);
        assert!(play_a_step(&mut app, beat), "playing goes on");
        let after = positions(&app);
        if after != before {
            let said = |i: usize| {
                if after[i] == before[i] {
                    "-".to_string()
                } else {
                    at(&app, i)
                }
            };
            played.push((said(0), said(1)));
        }
    }
    assert_eq!(played, by_key);
    assert!(!app.is_playing(), "playing stops on the summary");
}

/// The events the step from `before` revealed.
fn revealed<'a>(app: &'a App, before: &[usize]) -> Vec<&'a Event> {
    app.panes
        .iter()
        .zip(before)
        .flat_map(|(p, &b)| p.player.visible()[b..].iter())
        .collect()
}

#[test]
fn playing_pauses_by_itself_at_every_teaching_moment() {
    // The steps of → that reveal a teaching moment (PORT, 227, a SYN, a ✗).
    let expected = {
        let mut app = compare(fixture::active_blocked(), fixture::passive());
        let mut n = 0;
        loop {
            let before = positions(&app);
            key(&mut app, KeyCode::Right);
            if positions(&app) == before {
                break;
            }
            n += revealed(&app, &before)
                .iter()
                .any(|e| teaching_moment(e).is_some()) as usize;
        }
        n
    };
    let mut app = compare(fixture::active_blocked(), fixture::passive());
    let beat = Duration::from_secs_f64(1.0 / app.panes[0].player.speed());
    let mut pauses = 0;
    while !app.finale() {
        key(&mut app, KeyCode::Char(' '));
        let mut before = positions(&app);
        while app.is_playing() {
            before = positions(&app);
            assert!(play_a_step(&mut app, beat));
        }
        if app.finale() {
            break;
        }
        pauses += 1;
        // It paused right after a step that revealed a moment, and says so.
        assert!(app.paused_at.is_some());
        let shown = revealed(&app, &before);
        assert!(
            shown.iter().any(|e| teaching_moment(e).is_some()),
            "{shown:?}"
        );
    }
    assert_eq!(pauses, expected);
    assert!(
        expected >= 10,
        "control dials, PORT/PASV, 227s, SYNs, the fail"
    );
}

#[test]
fn an_announced_dial_still_to_come_is_waited_for_alone() {
    // Passive: the 227 is in, the client's dial not yet.
    let passive = fixture::passive().events;
    let r227 = passive
        .iter()
        .position(|e| matches!(e.kind, Kind::Reply { code: 227, .. }))
        .expect("a 227");
    // Active: PORT accepted, LIST sent, the server's dial not yet.
    let active = fixture::active().events;
    let list = active
        .iter()
        .position(|e| matches!(&e.kind, Kind::Command { verb, .. } if verb == "LIST"))
        .expect("a LIST");
    for (events, last) in [(&passive, r227), (&active, list)] {
        let (asked, other) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
        let mut app = App::new(
            "compare",
            vec![
                live(&events[..=last], &asked),
                live(&fixture::active().events[..3], &other),
            ],
        );
        key(&mut app, KeyCode::Right);
        // The dial's pane waits alone, without asking; the other holds.
        assert!(app.panes[0].player.is_awaiting());
        assert_eq!(positions(&app), [last + 1, 3]);
        assert_eq!((asked.get(), other.get()), (0, 0));
        // It arrives and shows, alone.
        app.on_source_event(0, Some(events[last + 1].clone()));
        assert_eq!(at(&app, 0), "SYN");
        assert_eq!(positions(&app), [last + 2, 3]);
    }
}

#[test]
fn a_guess_that_nothing_answers_asks_the_lab_on_the_next_press() {
    // USER sent, its reply not in: → waits for it without asking ...
    let events = fixture::active().events;
    let user = 3;
    let asked = Rc::new(Cell::new(0));
    let mut app = App::new("one", vec![live(&events[..=user], &asked)]);
    key(&mut app, KeyCode::Right);
    assert!(app.panes[0].player.is_awaiting());
    assert_eq!(asked.get(), 0);
    // ... and if nothing comes, the next → asks the lab after all, once.
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Right);
    assert_eq!(asked.get(), 1);
}
