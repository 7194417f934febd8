//! The session list of a live reading (`replay -`, `watch`), drawn through
//! ratatui's `TestBackend`: a generated capture is read live and each event
//! handed to the app as the command line's feed hands it over. Sessions
//! appear as they come; past its cap the list lets go of the oldest
//! finished sessions' events, keeps their rows and says so in its frame;
//! the session open in its pane stays whole; the kernel's drops are shown
//! while it runs.

#[path = "support/many_sessions.rs"]
mod many_sessions;
#[path = "support/screen.rs"]
mod screen_support;
use screen_support::screen;
#[path = "support/pcapgen.rs"]
mod pcapgen;

use crossterm::event::{KeyCode, KeyEvent};
use ftpviz::trace::Event;
use ftpviz::tui::app::event::Route;
use ftpviz::tui::app::picker::Picker;
use ftpviz::tui::app::App;
use ftpviz::tui::widgets::style::Theme;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The events of `n` generated sessions, as a live reading gives them out.
fn live_events(n: u32) -> Vec<Event> {
    let mut capture = Vec::new();
    many_sessions::write(&mut capture, n).expect("the capture is written");
    let got = Rc::new(RefCell::new(Vec::new()));
    let into = got.clone();
    let replay = ftpviz::replay::read_live(std::io::Cursor::new(capture), move |e| {
        into.borrow_mut().push(e.clone())
    })
    .expect("the capture reads");
    assert!(replay.warnings.is_empty(), "{:?}", replay.warnings);
    let events = got.borrow().clone();
    events
}

fn live_app(picker: Picker) -> App {
    let mut app = App::with_live_sessions("replay standard input (live)", picker);
    app.theme = Theme::mono();
    app
}

fn feed(app: &mut App, events: impl IntoIterator<Item = Event>) {
    for e in events {
        app.on_feed(Route::Sessions, Some(e), None);
    }
}

fn press(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::from(code));
}

fn list(app: &App) -> &Picker {
    app.picker.as_ref().expect("a session list")
}

#[test]
fn sessions_appear_and_the_cap_says_what_it_let_go() {
    let events = live_events(40);
    let of = |n: u32| events.iter().filter(|e| e.session == n).count();
    let per_session = of(1);
    assert!(per_session >= 10, "a whole session: {per_session} events");
    let cap = 8 * per_session;
    let mut app = live_app(Picker::live("waiting for packets").capped(cap));
    assert!(screen(&app, 100, 30).contains("waiting for packets"));

    // The first three sessions: listed, nothing let go.
    let first_four = events
        .iter()
        .position(|e| e.session == 4)
        .expect("40 sessions");
    feed(&mut app, events[..first_four].iter().cloned());
    let s = screen(&app, 100, 30);
    for n in 1..=3 {
        assert!(
            s.contains(&format!("#{n}  client 10.1.0.1:{}", 40_000 + n - 1)),
            "{s}"
        );
    }
    assert!(!s.contains("dropped"), "{s}");

    // Session 2 opened in its pane, then back to the list.
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.panes[0].player.trace().len(), of(2));
    press(&mut app, KeyCode::Char('s'));
    assert!(app.picking());

    feed(&mut app, events[first_four..].iter().cloned());
    let picker = list(&app);
    assert_eq!(picker.summaries.len(), 40, "every session keeps its row");
    let kept = picker.trace().len();
    assert!(kept <= cap, "{kept} events kept, cap {cap}");
    let (dropped, sessions) = picker.dropped();
    assert_eq!(
        kept as u64 + dropped,
        events.len() as u64,
        "each event kept or counted"
    );
    assert!(sessions > 0);
    let kept_of_2 = picker.trace().events.iter().filter(|e| e.session == 2);
    assert_eq!(kept_of_2.count(), of(2), "the open session stays whole");
    assert!(picker.summaries[0].dropped && !picker.summaries[1].dropped);
    assert_eq!(
        picker.summaries[0].events,
        of(1),
        "a dropped row still counts"
    );

    let s = screen(&app, 100, 30);
    let said = format!("older sessions' events dropped: {kept} kept (cap {cap})");
    assert!(s.contains(&said), "{s}");
    assert!(
        s.contains("#1  client 10.1.0.1:40000") && s.contains("events dropped"),
        "{s}"
    );
    // The newest session is there at the end of the list.
    press(&mut app, KeyCode::End);
    let s = screen(&app, 100, 30);
    assert!(s.contains("▸ #40  client 10.1.0.1:40039"), "{s}");
    insta::assert_snapshot!("live_list_capped_80x24", screen(&app, 80, 24));
}

#[test]
fn a_list_without_a_cap_keeps_every_event() {
    let events = live_events(12);
    let mut app = live_app(Picker::live("waiting"));
    feed(&mut app, events.iter().cloned());
    assert_eq!(list(&app).trace().len(), events.len());
    assert_eq!(list(&app).dropped(), (0, 0));
    assert!(!screen(&app, 100, 30).contains("dropped"));
}

#[test]
fn the_kernels_drops_show_while_the_list_runs() {
    let drops = Arc::new(AtomicU64::new(0));
    let picker = Picker::live("waiting").with_kernel_drops(drops.clone());
    let mut app = live_app(picker);
    feed(&mut app, live_events(2));
    assert!(!screen(&app, 100, 24).contains("kernel dropped"));
    drops.store(7, Ordering::Relaxed);
    let s = screen(&app, 100, 24);
    assert!(s.contains("kernel dropped 7 frames"), "{s}");
    assert!(s.contains("#2  client"), "{s}");
}

/// What a busy source sent is taken in one batch before the next draw; an
/// event of another kind (a key, the app's own) ends the batch and comes
/// next, not lost.
#[tokio::test]
async fn a_busy_sources_events_are_taken_together_and_nothing_else_is_lost() {
    use ftpviz::tui::app::event::{AppEvent, Event as AppEvt, Feed};
    let events = live_events(1);
    let mut app = live_app(Picker::live("waiting"));
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    app.events.attach(vec![Feed {
        route: Route::Sessions,
        events: rx,
        payloads: None,
    }]);
    for e in &events {
        tx.send(e.clone()).expect("the feed listens");
    }
    drop(tx);
    let first = app.events.next().await;
    assert!(matches!(first, AppEvt::Source { event: Some(_), .. }));
    app.events.send(AppEvent::Restart);
    let mut batch = 0;
    while let Some(e) = app.events.waiting_source() {
        assert!(matches!(e, AppEvt::Source { .. }));
        batch += 1;
    }
    // The rest of the session, and the feed's end.
    assert_eq!(batch, events.len());
    assert!(matches!(
        app.events.next().await,
        AppEvt::App(AppEvent::Restart)
    ));
}

/// A reader that sent more than its lead waits until the list has taken
/// enough: events never pile up between a fast pipe and the screen.
#[test]
fn a_reader_ahead_of_the_list_waits_for_it() {
    use ftpviz::tui::app::picker::Taken;
    let events = live_events(1);
    let taken = Arc::new(Taken::default());
    let mut app = live_app(Picker::live("waiting").with_taken(taken.clone()));
    let (done, waited) = std::sync::mpsc::channel();
    // Sent 10, may be 4 ahead: free once the list has taken 6.
    let reader = std::thread::spawn(move || {
        taken.wait_for(10, 4);
        done.send(()).expect("the test listens");
    });
    feed(&mut app, events.iter().take(5).cloned());
    assert!(
        waited.try_recv().is_err(),
        "5 taken: the reader still waits"
    );
    feed(&mut app, events.iter().skip(5).take(1).cloned());
    waited.recv().expect("6 taken: the reader goes on");
    reader.join().expect("the reader");
}
