//! Keys a teacher can trust (issue 16 §2), on the app itself: Esc closes
//! what is open — an overlay, a question, a reveal, a scene's card — and
//! never quits; `q` in a lesson or a quiz asks first; while the terminal
//! is too small, keys that change the run do nothing.

#[path = "support/fixture.rs"]
mod fixture;
#[path = "support/screen.rs"]
mod screen;
use screen::screen;

use crossterm::event::{KeyCode, KeyEvent};
use ftpviz::classroom::Lesson;
use ftpviz::trace::Trace;
use ftpviz::tui::app::course::Course;
use ftpviz::tui::app::overlay::Overlay;
use ftpviz::tui::app::{App, Pane};
use ftpviz::tui::widgets::style::Theme;

fn press(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::from(code));
}

fn replay() -> App {
    let mut app = App::new(
        "replay x",
        vec![Pane::fixed("session 1", fixture::active())],
    );
    app.theme = Theme::mono();
    app
}

fn lesson() -> App {
    let course = Course::new(Lesson::builtin(), Some(0));
    let panes = vec![Pane::fixed("ACTIVE · PORT: server dials", Trace::new())];
    let mut app = App::new("lesson", panes).with_course(course);
    app.theme = Theme::mono();
    app
}

#[test]
fn esc_never_quits() {
    let mut app = replay();
    for _ in 0..3 {
        press(&mut app, KeyCode::Esc);
        assert!(!app.should_quit());
    }
    assert!(screen(&app, 80, 24).contains("nothing to close: q quits"));
    // Outside a lesson and a quiz, q quits at once.
    press(&mut app, KeyCode::Char('q'));
    assert!(app.should_quit());
}

#[test]
fn esc_closes_an_overlay_a_card_a_question_and_a_reveal() {
    let mut app = lesson();
    press(&mut app, KeyCode::Char('?'));
    assert_eq!(app.overlay, Some(Overlay::Keys));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.overlay, None);
    assert!(app.course.as_ref().is_some_and(|c| c.card));
    press(&mut app, KeyCode::Esc);
    assert!(
        !app.course.as_ref().is_some_and(|c| c.card),
        "the card stays"
    );
    assert!(!app.should_quit());

    let mut app = replay();
    app.quiz.on = true;
    while app.quiz.asking.is_none() {
        press(&mut app, KeyCode::Right);
    }
    press(&mut app, KeyCode::Esc);
    assert!(app.quiz.asking.is_none(), "the question stays");
    assert!(!app.should_quit());
}

#[test]
fn q_in_a_lesson_or_a_quiz_asks_first() {
    for mut app in [lesson(), {
        let mut a = replay();
        a.quiz.on = true;
        a
    }] {
        press(&mut app, KeyCode::Char('q'));
        assert!(!app.should_quit());
        let s = screen(&app, 80, 24);
        let bar = s.lines().nth(23).unwrap_or("");
        assert!(bar.contains("Quit the") && bar.contains("y: quit"), "{s}");
        // Any other key stays (and does nothing else).
        press(&mut app, KeyCode::Char('n'));
        assert!(!app.should_quit());
        assert!(!screen(&app, 80, 24).contains("Quit the"));
        press(&mut app, KeyCode::Char('q'));
        press(&mut app, KeyCode::Char('y'));
        assert!(app.should_quit());
    }
}

#[test]
fn keys_that_change_the_run_do_nothing_while_the_screen_is_too_small() {
    let mut app = replay();
    app.on_resize(60, 15);
    for k in [
        KeyCode::Right,
        KeyCode::Char(' '),
        KeyCode::End,
        KeyCode::Char('?'),
    ] {
        press(&mut app, k);
    }
    assert_eq!(app.panes[0].player.shown(), 0);
    assert!(!app.is_playing());
    assert_eq!(app.overlay, None);
    app.on_resize(80, 24);
    press(&mut app, KeyCode::Right);
    assert_eq!(app.panes[0].player.shown(), 1);
}
