//! The player and the app's transport keys, without a terminal: stepping,
//! going back, playing at a speed (paced by tokio's paused clock), and the
//! live edge, where stepping forward must make the source act exactly once.

#[path = "support/fixture.rs"]
mod fixture;
use crossterm::event::{KeyCode, KeyEvent};
use ftpviz::player::{Player, Request, SPEEDS};
use ftpviz::trace::{Event, Kind, Side};
use ftpviz::tui::app::overlay::Overlay;
use ftpviz::tui::app::source::Source;
use ftpviz::tui::app::{App, Pane};
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

/// A source that counts how often it was asked to act.
struct FakeSource {
    steps: Rc<Cell<usize>>,
}

impl Source for FakeSource {
    fn step(&mut self) {
        self.steps.set(self.steps.get() + 1);
    }
}

/// An app over one live pane whose source counts the actions asked of it.
fn live_app() -> (App, Rc<Cell<usize>>) {
    let steps = Rc::new(Cell::new(0));
    let source = FakeSource {
        steps: steps.clone(),
    };
    let app = App::new("test", vec![Pane::live("live", Box::new(source))]);
    (app, steps)
}

fn key(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::from(code));
}

/// A source that records being let to run free.
struct Freeing {
    inner: FakeSource,
    free: Rc<Cell<bool>>,
}

impl Source for Freeing {
    fn step(&mut self) {
        self.inner.step();
    }

    fn run_free(&mut self) {
        self.free.set(true);
    }
}

fn reply(t: f64, code: u16) -> Event {
    let text = format!("{code} ok");
    Event::new(t, 1, 0, Side::Server, Kind::Reply { code, text })
}

fn command(t: f64, text: &str) -> Event {
    let verb = text.split(' ').next().unwrap_or_default().to_string();
    Event::new(
        t,
        1,
        0,
        Side::Client,
        Kind::Command {
            text: text.into(),
            verb,
        },
    )
}

#[test]
fn step_forward_and_back_move_the_cursor_one_event() {
    let trace = fixture::active();
    let n = trace.len();
    let mut p = Player::new(trace.clone());
    assert_eq!(p.shown(), 0);
    assert!(p.current().is_none());
    assert_eq!(p.step_forward(), Request::None);
    assert_eq!(p.current(), trace.events.first());
    p.step_forward();
    p.step_forward();
    assert_eq!(p.shown(), 3);
    assert_eq!(p.current(), trace.events.get(2));
    p.step_back();
    assert_eq!(p.current(), trace.events.get(1));
    p.end();
    assert_eq!(p.shown(), n);
    // A finished trace: stepping past the end neither moves nor asks.
    assert_eq!(p.step_forward(), Request::None);
    assert_eq!(p.shown(), n);
    p.home();
    assert_eq!(p.shown(), 0);
    p.step_back();
    assert_eq!(p.shown(), 0);
}

#[test]
fn speed_moves_along_the_list_and_stops_at_its_ends() {
    let mut p = Player::new(fixture::active());
    let start = p.speed();
    p.faster();
    assert!(p.speed() > start);
    for _ in 0..20 {
        p.faster();
    }
    assert_eq!(p.speed(), SPEEDS[SPEEDS.len() - 1]);
    for _ in 0..20 {
        p.slower();
    }
    assert_eq!(p.speed(), SPEEDS[0]);
}

#[tokio::test(start_paused = true)]
async fn playing_reveals_speed_events_a_second() {
    let mut p = Player::new(fixture::active());
    p.faster(); // 4 a second
    let speed = p.speed();
    assert_eq!(speed, 4.0);
    p.toggle_play();
    assert!(p.is_playing());
    // Drive it like the app loop does: a 30 fps interval on tokio's clock,
    // which is paused here, so every tick is exactly one frame.
    let mut tick = tokio::time::interval(Duration::from_micros(33_333));
    tick.tick().await;
    let mut last = tokio::time::Instant::now();
    let start = last;
    while last - start < Duration::from_secs(2) {
        tick.tick().await;
        let now = tokio::time::Instant::now();
        p.tick(now - last);
        last = now;
    }
    assert_eq!(p.shown(), 8, "two seconds at 4 a second");
    // Mid-step, the arrow in flight is part-way.
    p.tick(Duration::from_millis(100));
    assert!(p.is_animating());
    assert!(p.progress() > 0.0 && p.progress() < 1.0);
    // Paused, everything is drawn whole and time changes nothing.
    p.toggle_play();
    assert_eq!(p.progress(), 1.0);
    let shown = p.shown();
    p.tick(Duration::from_secs(10));
    assert_eq!(p.shown(), shown);
}

#[test]
fn playing_stops_at_the_end_of_a_finished_trace() {
    let mut p = Player::new(fixture::active());
    let n = p.trace().len();
    p.toggle_play();
    p.tick(Duration::from_secs(3600));
    assert_eq!(p.shown(), n);
    assert!(!p.is_playing());
}

#[test]
fn live_edge_asks_once_and_reveals_the_event_that_arrives() {
    let mut p = Player::live();
    assert_eq!(p.step_forward(), Request::SourceStep);
    assert!(p.is_awaiting());
    // Asking again while waiting would make the client act twice.
    assert_eq!(p.step_forward(), Request::None);
    p.push(command(0.0, "USER anonymous"));
    assert_eq!(p.shown(), 1, "the awaited event is revealed on arrival");
    // More events of the same action are buffered, not shown...
    p.push(command(0.1, "PASS x"));
    assert_eq!(p.shown(), 1);
    // ...and stepping over them does not ask the source.
    assert_eq!(p.step_forward(), Request::None);
    assert_eq!(p.shown(), 2);
    assert_eq!(p.step_forward(), Request::SourceStep);
    // Going back never asks; coming forward again replays what happened.
    p.source_ended();
    p.step_back();
    assert_eq!(p.step_forward(), Request::None);
    assert_eq!(p.shown(), 2);
    assert_eq!(p.step_forward(), Request::None, "the source has ended");
}

#[test]
fn app_step_at_the_live_edge_drives_the_source_exactly_one_action() {
    let (mut app, steps) = live_app();
    key(&mut app, KeyCode::Right);
    assert_eq!(steps.get(), 1);
    key(&mut app, KeyCode::Right);
    assert_eq!(
        steps.get(),
        1,
        "no second action while the first is awaited"
    );
    app.on_source_event(0, Some(command(0.0, "USER anonymous")));
    app.on_source_event(0, Some(reply(0.1, 331)));
    key(&mut app, KeyCode::Right);
    assert_eq!(
        steps.get(),
        1,
        "a buffered event is revealed without acting"
    );
    key(&mut app, KeyCode::Left);
    key(&mut app, KeyCode::Left);
    key(&mut app, KeyCode::Home);
    assert_eq!(steps.get(), 1, "going back never acts");
    app.panes[0].player.end();
    key(&mut app, KeyCode::Right);
    assert_eq!(steps.get(), 2, "the action is over: the next one");
}

#[test]
fn an_action_under_way_is_waited_for_without_acting_again() {
    let (mut app, steps) = live_app();
    key(&mut app, KeyCode::Right);
    app.on_source_event(0, Some(command(0.0, "USER anonymous")));
    assert_eq!(app.panes[0].player.shown(), 1);
    // USER's reply is still to come: → waits for it, the client is not
    // told to act again.
    key(&mut app, KeyCode::Right);
    assert!(app.panes[0].player.is_awaiting());
    assert_eq!(steps.get(), 1);
    app.on_source_event(0, Some(reply(0.1, 331)));
    assert_eq!(app.panes[0].player.shown(), 2, "revealed on arrival");
}

#[test]
fn end_lets_a_live_source_run_to_its_end_then_shows_the_summary() {
    let steps = Rc::new(Cell::new(0));
    let free = Rc::new(Cell::new(false));
    let source = FakeSource {
        steps: steps.clone(),
    };
    let source = Freeing {
        inner: source,
        free: free.clone(),
    };
    let mut app = App::new("test", vec![Pane::live("live", Box::new(source))]);
    key(&mut app, KeyCode::End);
    assert!(free.get(), "End lets the source run free");
    assert!(!app.finale(), "not before it has ended");
    for (i, e) in fixture::active().events.into_iter().enumerate() {
        app.on_source_event(0, Some(e));
        assert_eq!(app.panes[0].player.shown(), i + 1, "each shows on arrival");
    }
    app.on_source_event(0, None);
    assert!(app.finale(), "the summary once the lesson is over");
    assert_eq!(steps.get(), 0, "running free needs no steps");
}

#[test]
fn app_play_paces_the_live_source_one_action_per_step() {
    let (mut app, steps) = live_app();
    key(&mut app, KeyCode::Char(' '));
    assert!(app.wants_ticks());
    // A long time passes with no answer: one request, not one per tick.
    for _ in 0..100 {
        app.on_tick(Duration::from_millis(100));
    }
    assert_eq!(steps.get(), 1);
    app.on_source_event(0, Some(command(0.0, "USER anonymous")));
    app.on_source_event(0, Some(reply(0.1, 331)));
    app.on_tick(Duration::from_secs(1));
    assert_eq!(app.panes[0].player.shown(), 2, "the reply, without acting");
    assert_eq!(steps.get(), 1);
    app.on_tick(Duration::from_secs(1));
    assert_eq!(steps.get(), 2, "the next step asks again");
}

#[test]
fn compare_mode_steps_both_panes_together() {
    let mut app = App::new(
        "compare",
        vec![
            Pane::fixed("active", fixture::active()),
            Pane::fixed("passive", fixture::passive()),
        ],
    );
    // Side by side, → shows one event of each: the control dial, its
    // accept, 220, USER, 331; ← goes back one step (the lockstep tests
    // say more).
    for _ in 0..5 {
        key(&mut app, KeyCode::Right);
    }
    key(&mut app, KeyCode::Left);
    let verbs: Vec<Option<String>> = app
        .panes
        .iter()
        .map(|p| match p.player.current().map(|e| &e.kind) {
            Some(Kind::Command { verb, .. }) => Some(verb.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(verbs, [Some("USER".to_string()), Some("USER".to_string())]);
    key(&mut app, KeyCode::Char(' '));
    assert!(app.panes.iter().all(|p| p.player.is_playing()));
    key(&mut app, KeyCode::Char(' '));
    assert!(app.panes.iter().all(|p| !p.player.is_playing()));
}

#[test]
fn q_quits_and_help_toggles() {
    let mut app = App::new("t", vec![Pane::fixed("a", fixture::active())]);
    key(&mut app, KeyCode::Char('?'));
    assert_eq!(app.overlay, Some(Overlay::Keys));
    key(&mut app, KeyCode::Char('l'));
    assert_eq!(app.overlay, Some(Overlay::Legend), "l turns to the legend");
    key(&mut app, KeyCode::Right);
    assert_eq!(app.overlay, None, "any other key closes it");
    assert_eq!(app.panes[0].player.shown(), 0, "and does nothing else");
    assert!(!app.should_quit());
    key(&mut app, KeyCode::Char('q'));
    assert!(app.should_quit());
}

#[test]
fn tab_zooms_into_one_pane_and_steps_only_that_one() {
    use ftpviz::tui::app::Focus;
    let mut app = App::new(
        "compare",
        vec![
            Pane::fixed("active", fixture::active()),
            Pane::fixed("passive", fixture::passive()),
        ],
    );
    assert_eq!(app.visible_panes().len(), 2);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Focus::One(0));
    assert_eq!(app.visible_panes().len(), 1);
    assert_eq!(app.visible_panes()[0].title, "active");
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.visible_panes()[0].title, "passive");
    assert_eq!(app.panes[0].player.shown(), 1, "the pane on screen stepped");
    assert_eq!(app.panes[1].player.shown(), 0, "the hidden one held");
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Focus::All);
}
