//! The classroom on screen: the quiz asks before a dial and reveals on it
//! (on a real lab's trace and on a real capture), the presenter view, and
//! the lesson's scene cards.

#[path = "support/fixture.rs"]
mod fixture;
#[path = "support/screen.rs"]
mod screen;
use screen::{render, text};
#[path = "support/styled.rs"]
mod styled;

mod common;
mod lab_facts;

use crossterm::event::{KeyCode, KeyEvent};
use ftpviz::classroom::Lesson;
use ftpviz::lab::{LabConfig, Mode};
use ftpviz::middlebox::Firewall;
use ftpviz::trace::{Event, Kind, Trace};
use ftpviz::tui::app::course::Course;
use ftpviz::tui::app::pane::Origin;
use ftpviz::tui::app::{App, Pane};
use ftpviz::tui::widgets::style::Theme;

fn press(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::from(code));
}

fn keys(app: &mut App, keys: &str) {
    for c in keys.chars() {
        press(app, KeyCode::Char(c));
    }
}

async fn run(config: LabConfig) -> Trace {
    Trace {
        events: lab_facts::run_lab(config).await,
    }
}

fn quiz_app(trace: Trace) -> App {
    let mut app = App::new("quiz", vec![Pane::fixed("ACTIVE", trace)]);
    app.theme = Theme::mono();
    app.quiz.on = true;
    app
}

fn current(app: &App) -> Option<&Event> {
    app.panes[0].player.current()
}

/// Steps until a question is up; returns how many steps it took.
fn step_to_question(app: &mut App) -> usize {
    for n in 0..200 {
        if app.quiz.asking.is_some() {
            return n;
        }
        press(app, KeyCode::Right);
    }
    panic!("no question came");
}

/// Steps until the reveal is up.
fn step_to_reveal(app: &mut App) {
    for _ in 0..50 {
        if app.quiz.revealed.is_some() {
            return;
        }
        press(app, KeyCode::Right);
    }
    panic!("no reveal came");
}

#[tokio::test]
async fn the_quiz_holds_the_dial_back_until_answered_and_reveals_it_on_the_trace() {
    let trace = run(LabConfig {
        mode: Mode::Active,
        control_port: 0,
        ..LabConfig::default()
    })
    .await;
    let mut app = quiz_app(trace);
    step_to_question(&mut app);
    let port = current(&app).cloned().expect("an event");
    assert!(matches!(&port.kind, Kind::Command { verb, .. } if verb == "PORT"));
    let s = text(&render(&app, 80, 24));
    assert!(s.contains("Who dials the data connection?"), "{s}");
    // The key bar names the keys that answer, not the ones that wait.
    let footer = s.lines().last().unwrap_or_default();
    assert!(footer.contains("c/s/0 client/server/nobody"), "{footer}");
    assert!(!footer.contains("step"), "{footer}");
    // → and play wait for the answer.
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Char(' '));
    assert_eq!(current(&app), Some(&port));
    assert!(!app.is_playing());

    // The textbook answer: the server, from L−1, to the port PORT names.
    keys(&mut app, "s");
    assert!(text(&render(&app, 80, 24)).contains("From which port?"));
    keys(&mut app, "2");
    assert!(text(&render(&app, 80, 24)).contains("To which port?"));
    keys(&mut app, "1");
    assert!(app.quiz.asking.is_none());
    step_to_reveal(&mut app);
    assert!(
        matches!(current(&app).map(|e| &e.kind), Some(Kind::Accept)),
        "revealed when the dial has connected"
    );
    let s = text(&render(&app, 80, 24));
    assert!(s.contains("3 of 3 right"), "{s}");
    assert!(s.contains("× 256 +"), "the arithmetic: {s}");

    // The next one, answered wrong: every part marked, with its reason.
    press(&mut app, KeyCode::Char('x')); // puts the reveal away (and does nothing)
    step_to_question(&mut app);
    keys(&mut app, "c31");
    step_to_reveal(&mut app);
    let r = &app.quiz.revealed.as_ref().expect("revealed").reveal;
    assert_eq!((r.right, r.asked), (1, 3), "{:?}", r.lines);
    assert!(
        r.lines[0].starts_with("✗ the server dialled"),
        "{:?}",
        r.lines
    );
    assert!(r.lines[1].starts_with("✗ from"), "{:?}", r.lines);
    assert!(r.lines[2].starts_with("✓ to"), "{:?}", r.lines);
    assert_eq!(app.quiz.total, (4, 6));
}

#[test]
fn esc_puts_a_reveal_away_and_home_asks_again() {
    let mut app = quiz_app(fixture::active());
    step_to_question(&mut app);
    keys(&mut app, "s21");
    step_to_reveal(&mut app);
    press(&mut app, KeyCode::Esc);
    assert!(app.quiz.revealed.is_none());
    assert!(!app.should_quit(), "Esc dismissed the reveal only");
    press(&mut app, KeyCode::Home);
    step_to_question(&mut app);
    assert!(
        app.quiz.asking.is_some(),
        "seen again from the start: asked again"
    );
}

#[tokio::test]
async fn a_blocked_dial_is_revealed_with_its_wall() {
    let trace = run(LabConfig {
        mode: Mode::Active,
        firewall: Firewall::Client,
        control_port: 0,
        ..LabConfig::default()
    })
    .await;
    let mut app = quiz_app(trace);
    step_to_question(&mut app);
    keys(&mut app, "s21");
    step_to_reveal(&mut app);
    let s = text(&render(&app, 80, 24));
    assert!(s.contains("client's firewall"), "{s}");
}

#[test]
fn any_capture_becomes_a_quiz() {
    // ftp.NetBSD.org (public/zeek_ftp_ipv4.pcap): PASV twice, then PORT
    // twice, its active dials from ephemeral ports, not from 20.
    let Some(path) = common::capture("public/zeek_ftp_ipv4.pcap") else {
        return;
    };
    let replay = ftpviz::replay::read_file(&path).expect("replays");
    let mut app = quiz_app(replay.trace);
    let mut grades = Vec::new();
    while grades.len() < 4 {
        step_to_question(&mut app);
        let via = app.quiz.asking.as_ref().map(|a| a.question.via.as_str());
        // The textbook answer each time.
        keys(&mut app, if via == Some("PORT") { "s21" } else { "c41" });
        step_to_reveal(&mut app);
        let r = app.quiz.revealed.take().expect("revealed");
        grades.push((r.question.via.as_str(), r.reveal.right));
    }
    assert_eq!(grades, [("PASV", 3), ("PASV", 3), ("PORT", 2), ("PORT", 2)]);
}

fn presenter(trace: Trace, steps: usize) -> App {
    let mut app = App::new(
        "lab · active",
        vec![Pane::fixed("ACTIVE · PORT: server dials", trace).with_origin(Origin::Lab)],
    );
    app.theme = Theme::mono();
    app.presenter = true;
    for _ in 0..steps {
        press(&mut app, KeyCode::Right);
    }
    app
}

/// Steps until the current event passes `is`.
fn presenter_at(is: impl Fn(&Event) -> bool) -> App {
    let trace = fixture::active();
    let at = trace.events.iter().position(is).expect("in the fixture");
    presenter(trace, at + 1)
}

#[test]
fn the_presenter_view_shows_the_port_arithmetic_big() {
    let app = presenter_at(|e| matches!(&e.kind, Kind::Command { verb, .. } if verb == "PORT"));
    for (w, h) in [(80, 24), (120, 40)] {
        let s = text(&render(&app, w, h));
        // The plain caption under the glyphs, and the narration's point.
        assert!(s.contains("PORT 127,0,0,2,195,80"), "{s}");
        assert!(s.contains("195 × 256 + 80 = 50000"), "{s}");
        insta::assert_snapshot!(format!("presenter_port_{w}x{h}"), s);
    }
}

#[test]
fn the_presenter_view_shows_who_dials_big() {
    let app = presenter_at(|e| matches!(e.kind, Kind::Connect { .. }) && e.conn == 1);
    for (w, h) in [(80, 24), (120, 40)] {
        let s = text(&render(&app, w, h));
        assert!(s.contains("127.0.0.3:2120 → 127.0.0.2:50000"), "{s}");
        insta::assert_snapshot!(format!("presenter_dial_{w}x{h}"), s);
    }
}

#[test]
fn the_presenter_view_keeps_its_contrast_in_the_light_theme() {
    let mut app = presenter_at(|e| matches!(&e.kind, Kind::Command { verb, .. } if verb == "PORT"));
    for (name, theme) in [("dark", Theme::dark()), ("light", Theme::light())] {
        app.theme = theme;
        let buf = render(&app, 80, 24);
        // Only the terminal's named colours, none that fades on white.
        let used = styled::colours(&buf);
        if name == "light" {
            assert!(
                used.iter().all(|c| !format!("{c:?}").starts_with("Light")),
                "{used:?}"
            );
        }
        insta::assert_snapshot!(format!("presenter_port_{name}_80x24"), styled::styled(&buf));
    }
}

#[test]
fn the_quiz_score_closes_a_run_outside_a_lesson() {
    let mut app = quiz_app(fixture::active());
    step_to_question(&mut app);
    keys(&mut app, "s21");
    step_to_reveal(&mut app);
    press(&mut app, KeyCode::End);
    assert!(app.finale());
    let s = text(&render(&app, 80, 24));
    assert!(s.contains("Quiz: 3 of 3 right."), "{s}");
}

#[test]
fn v_switches_the_presenter_view_and_back() {
    let mut app = presenter(fixture::active(), 3);
    keys(&mut app, "v");
    assert!(!app.presenter);
    assert!(text(&render(&app, 80, 24)).contains("┌ client"));
    keys(&mut app, "v");
    assert!(app.presenter);
    assert!(!text(&render(&app, 80, 24)).contains("┌ client"));
}

/// The app at scene `n` of the default lesson, its card up (no labs: the
/// cards are the subject).
fn at_scene(n: usize, quiz: bool) -> App {
    let mut course = Course::new(Lesson::builtin(), Some(0));
    while course.scene < n {
        course.forward();
    }
    let panes = course
        .configs()
        .iter()
        .map(|c| Pane::fixed(ftpviz::tui::app::labs::mode_title(c), Trace::new()))
        .collect();
    let mut app = App::new("lesson", panes).with_course(course);
    app.theme = Theme::mono();
    app.quiz.on = quiz;
    app
}

/// Text without any whitespace: wrapping moves words between rows.
fn squeezed(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !"┃│".contains(*c))
        .collect()
}

#[test]
fn every_scene_card_of_the_default_lesson_fits_80x24_whole() {
    let lesson = Lesson::builtin();
    for (n, scene) in lesson.scenes.iter().enumerate() {
        for quiz in [false, true] {
            let app = at_scene(n, quiz);
            let s = text(&render(&app, 80, 24));
            assert!(
                s.contains(&format!("scene {}/{}", n + 1, lesson.scenes.len())),
                "{s}"
            );
            let all = squeezed(&s);
            for para in scene.notes.split("\n\n") {
                assert!(all.contains(&squeezed(para)), "scene {}: cut\n{s}", n + 1);
            }
            if quiz && scene.predict {
                assert!(s.contains("will the transfers work?"), "{s}");
            }
            // Issue 16 §3: no orphaned line of the run's words below the
            // card ("its next action for real. Space plays…").
            let rows: Vec<&str> = s.lines().collect();
            let bottom = rows
                .iter()
                .rposition(|r| r.contains('┗'))
                .expect("the card");
            for r in &rows[bottom + 1..rows.len() - 1] {
                assert!(r.trim().is_empty(), "below the card: {r:?}\n{s}");
            }
        }
    }
}

#[test]
fn the_card_keeps_the_run_back_until_put_away() {
    let mut app = at_scene(2, true);
    // The predictions first (y/n per pane), then → starts the run.
    press(&mut app, KeyCode::Right);
    assert!(app.course.as_ref().is_some_and(|c| c.card));
    keys(&mut app, "yn");
    let c = app.course.as_ref().expect("a course");
    assert_eq!(c.predictions, [Some(true), Some(false)]);
    assert!(c.card);
    press(&mut app, KeyCode::Right);
    assert!(!app.course.as_ref().expect("a course").card);
    assert!(!text(&render(&app, 80, 24)).contains("scene 3/9 ━"));
}

/// Issue 16 §1: while "who dials?" is open, nothing on screen answers it —
/// not the pane's title, the hosts box, the narration or the presenter —
/// and once it is revealed, all of it comes back.
#[test]
fn an_open_question_is_not_answered_anywhere_on_screen() {
    let trace = fixture::active();
    let mut app = App::new("replay x", vec![Pane::fixed("session 1", trace.clone())]);
    app.theme = Theme::mono();
    app.quiz.on = true;
    step_to_question(&mut app);
    let q = app.quiz.asking.clone().expect("asking");
    let announced = q.question.announced.to_string();
    let answers = |s: &str| {
        [
            "server dials",
            "client dials",
            "dialled",
            "asks the server to dial",
        ]
        .into_iter()
        .find(|w| s.contains(w))
    };
    for (w, h) in [(80, 24), (120, 40)] {
        for presenter in [false, true] {
            app.presenter = presenter;
            let s = text(&render(&app, w, h));
            assert_eq!(answers(&s), None, "{w}×{h}, presenter {presenter}:\n{s}");
            assert!(s.contains("QUIZ · who dials?"), "{s}");
        }
    }
    app.presenter = false;
    // The hosts box does not show the port the PORT opened (the PORT line
    // itself, with its numbers, is the question's premise).
    let hosts = text(&render(&app, 120, 40));
    let hosts: String = hosts.lines().take(6).collect::<Vec<_>>().join("\n");
    assert!(!hosts.contains(&announced), "{hosts}");
    // Answered, the dial still to come: still held back.
    keys(&mut app, "s21");
    assert!(app.panes[0].held.is_some());
    step_to_reveal(&mut app);
    press(&mut app, KeyCode::Esc);
    let s = text(&render(&app, 80, 24));
    assert!(!s.contains("QUIZ · who dials?"), "{s}");
    assert!(!s.contains(ftpviz::tui::app::told::HELD), "{s}");
    assert!(s.contains(" session 1 "), "{s}");
    // A capture's title never names its mode while the quiz is on (it is
    // read off the very dials the questions ask about); off, it does.
    assert!(!s.contains("ACTIVE: server dials"), "{s}");
    app.quiz.on = false;
    let s = text(&render(&app, 80, 24));
    assert!(s.contains("session 1 · ACTIVE: server dials"), "{s}");
}

/// Issue 14: the quiz on the captures a new user tried, graded by what
/// their traces prove — a dial the capture missed (150 … 226) is the
/// client's, a 425 that timed out is the server's, another command's
/// refusal in between is not the answer.
#[test]
fn the_quiz_on_real_captures_is_graded_by_what_their_traces_prove() {
    let cases = [
        // All four transfers got 150 and 226; no data connection captured.
        ("public2/sv_ftp-epsv.pcap", "c41", 4, (8, 8)),
        // EPRT, LIST → 425 Failed to establish connection: Connection timed out.
        ("public2/aliawa_ftp_eprt.pcap", "s21", 1, (2, 2)),
    ];
    for (file, textbook, questions, score) in cases {
        let Some(path) = common::capture(file) else {
            return;
        };
        let replay = ftpviz::replay::read_file(&path).expect("replays");
        let mut app = quiz_app(replay.trace);
        for _ in 0..questions {
            step_to_question(&mut app);
            keys(&mut app, textbook);
            step_to_reveal(&mut app);
            let r = app.quiz.revealed.take().expect("revealed");
            assert!(
                r.reveal.lines.iter().any(|l| l.contains("inferred")),
                "{file}: {:?}",
                r.reveal.lines
            );
            assert!(
                !r.reveal.lines.iter().any(|l| l.contains("nobody dialled")),
                "{file}: {:?}",
                r.reveal.lines
            );
        }
        assert_eq!(app.quiz.total, score, "{file}");
    }
}

/// Issue 14 §3.6: a question the trace cannot answer (the capture ends
/// after 150) is revealed as such, not scored, and the end says so.
#[test]
fn a_question_the_capture_cannot_answer_is_said_and_not_scored() {
    // ndpi_ftp-start-tls.pcap: 227, STOR, 150, and the capture ends.
    let Some(path) = common::capture("public2/ndpi_ftp-start-tls.pcap") else {
        return;
    };
    let replay = ftpviz::replay::read_file(&path).expect("replays");
    let mut app = quiz_app(replay.trace);
    step_to_question(&mut app);
    keys(&mut app, "c41");
    step_to_reveal(&mut app);
    let r = app.quiz.revealed.clone().expect("revealed");
    assert_eq!(r.reveal.asked, 0, "{:?}", r.reveal.lines);
    assert!(
        r.reveal.lines[0].contains("Not known"),
        "{:?}",
        r.reveal.lines
    );
    let s = text(&render(&app, 80, 24));
    assert!(s.contains("not scored"), "{s}");
    assert_eq!(app.quiz.unanswerable, 1);
    assert_eq!(app.quiz.total, (0, 0));
}

/// Issue 16 §1: with the quiz on, a scene that asks "will the transfers
/// work?" does not name its outcome (a title's or a run's caption's part
/// after ':') above the question — not on the card, not in the title bar —
/// until the class has predicted; then all of it is back.
#[test]
fn a_scene_card_does_not_title_the_answer_above_its_prediction() {
    let lesson = Lesson::builtin();
    let mut hidden = Vec::new();
    for (n, scene) in lesson.scenes.iter().enumerate() {
        let mut app = at_scene(n, true);
        let caption = app
            .course
            .as_ref()
            .and_then(|c| c.current())
            .and_then(|(_, r)| r.caption.clone())
            .unwrap_or_default();
        let outcomes: Vec<&str> = [scene.title.as_str(), caption.as_str()]
            .into_iter()
            .filter_map(|t| t.split_once(':').map(|(_, o)| o))
            .collect();
        let predicts = app
            .course
            .as_ref()
            .is_some_and(|c| c.next_prediction(true).is_some());
        let s = text(&render(&app, 80, 24));
        if !predicts || outcomes.is_empty() {
            continue;
        }
        hidden.push(n + 1);
        assert!(s.contains("will the transfers work?"), "{s}");
        // The notes are the teacher's to read out (scene 7's explain what
        // PASV will do): the title and the caption are what is checked.
        let mut titles = squeezed(&s);
        for para in scene.notes.split("\n\n") {
            titles = titles.replace(&squeezed(para), "");
        }
        for o in &outcomes {
            assert!(!titles.contains(&squeezed(o)), "scene {}:\n{s}", n + 1);
        }
        assert!(s.contains(scene.title_before_prediction()), "{s}");
        // Predicted for every pane: the title says it all again.
        for _ in 0..app.panes.len() {
            keys(&mut app, "y");
        }
        let s = text(&render(&app, 80, 24));
        for o in &outcomes {
            assert!(squeezed(&s).contains(&squeezed(o)), "{s}");
        }
    }
    // The scenes the issue found (3, 4, 5, and the bounce, now 9), the run captions
    // of 6, 7, and of FTPS through the helper (8).
    assert_eq!(hidden, [3, 4, 5, 6, 7, 8, 9]);
}
