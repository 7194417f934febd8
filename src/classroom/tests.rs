//! The lesson file's parser and its errors; the quiz on hand-made traces.
//! (Real labs and real captures: tests/classroom_*.rs.)

use super::quiz::{grade, settled, transfer_worked, Guess, PortRole, Question};
use super::scene::{Lesson, LessonError, View};
use crate::account::{Account, Answer};
use crate::lab::Lesson as Script;
use crate::middlebox::{Firewall, Nat};
use crate::trace::{Blocker, Event, FailReason, Kind, Side, Via};

#[test]
fn the_default_lesson_has_its_nine_scenes() {
    let lesson = Lesson::parse(super::scene::DEFAULT_LESSON, "default").expect("parses");
    assert_eq!(lesson.scenes.len(), 9);
    let s = &lesson.scenes;
    assert_eq!(s[0].runs[0].view, View::Active);
    assert_eq!(s[1].runs[0].view, View::Passive);
    assert_eq!(s[2].runs[0].firewall, Firewall::Client);
    assert_eq!(s[3].runs[0].firewall, Firewall::Server);
    assert_eq!(s[4].runs[0].firewall, Firewall::Stateful);
    let nat: Vec<(Nat, Firewall)> = s[5].runs.iter().map(|r| (r.nat, r.firewall)).collect();
    assert_eq!(
        nat,
        [
            (Nat::Client, Firewall::None),
            (Nat::Client, Firewall::Stateful),
            (Nat::Server, Firewall::None),
            (Nat::Server, Firewall::Stateful)
        ]
    );
    assert!(s[6].runs.iter().all(|r| r.nat == Nat::Server));
    assert_eq!(
        s[6].runs.iter().map(|r| r.extended).collect::<Vec<_>>(),
        [false, true]
    );
    // FTPS through the helper: blind, then CCC after login.
    assert_eq!(
        s[7].runs
            .iter()
            .map(|r| (r.tls, r.ccc, r.firewall))
            .collect::<Vec<_>>(),
        [
            (true, false, Firewall::Stateful),
            (true, true, Firewall::Stateful)
        ]
    );
    assert_eq!(s[8].runs[0].script, Script::Bounce);
    // Notes are read out: every scene has some, joined into paragraphs.
    for scene in s {
        assert!(!scene.notes.is_empty(), "{}", scene.title);
        assert!(!scene.notes.contains("\n\n\n"));
        assert!(scene.takeaway.is_some(), "{}", scene.title);
    }
    // Middlebox scenes ask "will it work?" by default; plain ones do not.
    assert!(!s[0].predict && s[2].predict && s[5].predict);
}

fn refused(text: &str) -> (usize, Option<String>, String) {
    match Lesson::parse(text, "my.toml") {
        Err(LessonError::Invalid {
            line,
            field,
            message,
            ..
        }) => (line, field, message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_bad_value_is_refused_with_its_line_and_field() {
    let text = "title = \"t\"\n\n[[scene]]\ntitle = \"a\"\nfirewall = \"clint\"\n";
    let (line, field, message) = refused(text);
    assert_eq!(line, 5);
    assert_eq!(field.as_deref(), Some("firewall"));
    assert!(message.contains("clint"), "{message}");
    let shown = Lesson::parse(text, "my.toml").unwrap_err().to_string();
    assert!(shown.starts_with("my.toml:5: `firewall`: "), "{shown}");
}

#[test]
fn an_unknown_field_is_refused_with_its_line() {
    let text = "title = \"t\"\n[[scene]]\ntitle = \"a\"\n[[scene.run]]\nfirewal = \"client\"\n";
    let (line, field, message) = refused(text);
    assert_eq!(line, 5);
    assert_eq!(field.as_deref(), Some("firewal"));
    assert!(message.contains("unknown field"), "{message}");
}

#[test]
fn broken_toml_is_refused_with_its_line() {
    let (line, _, _) = refused("title = \"t\"\n[[scene]]\ntitle = \"unclosed\n");
    assert_eq!(line, 3);
}

#[test]
fn the_bounce_script_needs_active_mode() {
    let text = "title = \"t\"\n[[scene]]\ntitle = \"b\"\nmode = \"passive\"\nscript = \"bounce\"\n";
    let (line, field, message) = refused(text);
    assert_eq!((line, field.as_deref()), (5, Some("script")));
    assert!(message.contains("mode = \"active\""), "{message}");
    // Compare mode runs a passive pane too: refused as well.
    let (line, _, _) = refused("title = \"t\"\n[[scene]]\ntitle = \"b\"\nscript = \"bounce\"\n");
    assert_eq!(line, 4);
}

#[test]
fn a_lesson_without_scenes_or_title_is_refused() {
    // No scenes: said of the file, not blamed on its `title` line.
    let (line, field, message) = refused("title = \"t\"\n");
    assert_eq!((line, field), (1, None));
    assert!(message.contains("at least one [[scene]]"), "{message}");
    assert!(refused("").2.contains("[[scene]]"));
    assert!(refused("[[scene]]\ntitle = \"a\"\n").2.contains("title"));
}

/// Issue 16 §7: `[scene]` for `[[scene]]` names the table and the fix.
#[test]
fn a_single_bracket_scene_names_the_fix() {
    let (line, field, message) = refused("title = \"t\"\n\n[scene]\ntitle = \"a\"\n");
    assert_eq!((line, field.as_deref()), (3, Some("scene")));
    assert!(message.contains("write [[scene]]"), "{message}");
    let text = "title = \"t\"\n[[scene]]\ntitle = \"a\"\n[scene.run]\nnat = \"client\"\n";
    let (line, field, message) = refused(text);
    assert_eq!((line, field.as_deref()), (4, Some("scene.run")));
    assert!(message.contains("[[scene.run]]"), "{message}");
}

/// Issue 16 §7: `run = []` no longer runs a default run silently.
#[test]
fn an_empty_run_list_is_refused() {
    let text = "title = \"t\"\n[[scene]]\ntitle = \"a\"\nrun = []\n";
    let (line, field, message) = refused(text);
    assert_eq!((line, field.as_deref()), (4, Some("run")));
    assert!(message.contains("run list is empty"), "{message}");
}

#[test]
fn runs_take_the_scene_settings_as_defaults() {
    let text = "title = \"t\"\n[[scene]]\ntitle = \"a\"\nnat = \"server\"\nmode = \"passive\"\n\
                [[scene.run]]\n[[scene.run]]\nextended = true\nmode = \"compare\"\n";
    let lesson = Lesson::parse(text, "x").expect("parses");
    let runs = &lesson.scenes[0].runs;
    assert_eq!(
        (runs[0].nat, runs[0].view, runs[0].extended),
        (Nat::Server, View::Passive, false)
    );
    assert_eq!(
        (runs[1].nat, runs[1].view, runs[1].extended),
        (Nat::Server, View::Compare, true)
    );
    let configs = runs[1].configs(Some(3000));
    let ports: Vec<u16> = configs.iter().map(|c| c.control_port).collect();
    assert_eq!(ports, [3000, 3002], "side by side, two servers");
}

fn ev(session: u32, conn: u32, from: Side, kind: Kind) -> Event {
    Event::new(0.0, session, conn, from, kind)
}

fn cmd(text: &str) -> Kind {
    Kind::Command {
        text: text.into(),
        verb: text.split(' ').next().unwrap_or("").into(),
    }
}

fn reply(code: u16, text: &str) -> Kind {
    Kind::Reply {
        code,
        text: text.into(),
    }
}

/// The control connection's dial from `c` to `s`.
fn control_dial(c: &str, s: &str) -> Event {
    let (src, dst) = (c.parse().unwrap(), s.parse().unwrap());
    ev(
        1,
        0,
        Side::Client,
        Kind::Connect {
            src,
            dst,
            via: None,
        },
    )
}

/// An active session: control to :21, PORT, LIST, the server dials from
/// `from_port` to 50000.
fn active(from_port: u16, blocked: bool) -> Vec<Event> {
    let mut v = vec![
        control_dial("10.0.0.2:40000", "10.0.0.3:21"),
        ev(1, 0, Side::Server, Kind::Accept),
        ev(1, 0, Side::Client, cmd("PORT 10,0,0,2,195,80")),
        ev(
            1,
            0,
            Side::Server,
            reply(200, "200 PORT command successful."),
        ),
        ev(1, 0, Side::Client, cmd("LIST")),
        ev(
            1,
            1,
            Side::Server,
            Kind::Connect {
                src: format!("10.0.0.3:{from_port}").parse().unwrap(),
                dst: "10.0.0.2:50000".parse().unwrap(),
                via: Some(Via::Port),
            },
        ),
    ];
    if blocked {
        v.push(ev(
            1,
            1,
            Side::Server,
            Kind::Fail {
                reason: FailReason::Blocked,
                by: Some(Blocker::ClientFirewall),
            },
        ));
        v.push(ev(
            1,
            0,
            Side::Server,
            reply(425, "425 Can't open data connection."),
        ));
    } else {
        v.push(ev(1, 1, Side::Client, Kind::Accept));
        v.push(ev(1, 0, Side::Server, reply(226, "226 Transfer complete.")));
    }
    v
}

#[test]
fn a_port_asks_and_the_dial_answers() {
    let events = active(20, false);
    assert!(ask(&events, 1).is_none());
    let q = ask(&events, 2).expect("PORT asks");
    assert_eq!(
        (q.via, q.announced, q.control),
        (Via::Port, 50000, Some(21))
    );
    assert_eq!(q.role(20), Some(PortRole::ControlMinusOne));
    assert_eq!(q.choice(PortRole::ControlMinusOne), "20 (control port − 1)");
    // Not known until the dial is in the trace.
    assert_eq!(settled(&Account::of(&events[..5], false), &q), None);
    let truth = truth(&events, &q).expect("the dial answers");
    let right = Guess {
        who: Some(Side::Server),
        from: Some(PortRole::ControlMinusOne),
        to: Some(PortRole::Announced),
    };
    let r = grade(&q, &truth, &right);
    assert_eq!((r.right, r.asked), (3, 3), "{:?}", r.lines);
    assert!(
        r.lines[2].contains("195 × 256 + 80 = 50000"),
        "{:?}",
        r.lines
    );
    let wrong = Guess {
        who: Some(Side::Client),
        from: Some(PortRole::Ephemeral),
        to: Some(PortRole::Control),
    };
    let r = grade(&q, &truth, &wrong);
    assert_eq!(r.right, 0);
    assert!(r.lines.iter().all(|l| l.starts_with('✗')), "{:?}", r.lines);
    assert!(r.lines[0].contains("active mode"), "{:?}", r.lines);
    assert!(r.lines[1].contains("21 − 1 = 20"), "{:?}", r.lines);
}

#[test]
fn a_server_that_ignores_l_minus_1_is_graded_by_what_it_did() {
    let events = active(41234, true);
    let q = ask(&events, 2).expect("PORT asks");
    let truth = truth(&events, &q).expect("answered");
    let guess = Guess {
        who: Some(Side::Server),
        from: Some(PortRole::Ephemeral),
        to: Some(PortRole::Announced),
    };
    let r = grade(&q, &truth, &guess);
    assert_eq!(r.right, 3, "{:?}", r.lines);
    assert!(
        r.lines[1].contains("but this server did not"),
        "{:?}",
        r.lines
    );
    assert!(r.lines[3].contains("client's firewall"), "{:?}", r.lines);
    assert_eq!(
        worked(&events, 1),
        Some((false, "LIST: 425 Can't open data connection.".into()))
    );
    assert_eq!(worked(&active(20, false), 1).map(|w| w.0), Some(true));
}

/// `active` with the control connection on port `l` instead of 21.
fn active_on(l: u16, from_port: u16, to_port: u16) -> Vec<Event> {
    let mut v = active(from_port, false);
    if let Kind::Connect { dst, .. } = &mut v[0].kind {
        dst.set_port(l);
    }
    if let Kind::Connect { dst, .. } = &mut v[5].kind {
        dst.set_port(to_port);
    }
    v
}

#[test]
fn port_20_under_another_control_port_is_named_for_what_it_is() {
    // vsftpd's connect_from_port_20 while listening on 2121.
    let events = active_on(2121, 20, 50000);
    let q = ask(&events, 2).expect("PORT asks");
    let truth = truth(&events, &q).expect("answered");
    let r = grade(&q, &truth, &Guess::default());
    assert!(
        r.lines[1].contains("port 20, FTP's registered data port"),
        "{:?}",
        r.lines
    );
    assert!(r.lines[1].contains("L−1 is 2120"), "{:?}", r.lines);
}

#[test]
fn a_dial_to_another_port_than_announced_says_so() {
    let events = active_on(21, 20, 50001);
    let q = ask(&events, 2).expect("PORT asks");
    let truth = truth(&events, &q).expect("answered");
    let r = grade(&q, &truth, &Guess::default());
    assert!(r.lines[2].contains("not the port"), "{:?}", r.lines);
    assert!(
        !r.lines[2].contains("— 195 × 256 + 80 = 50000."),
        "{:?}",
        r.lines
    );
}

#[test]
fn a_refused_port_is_answered_by_nobody_dialling() {
    let mut events = active(20, false);
    events.truncate(3);
    events.push(ev(1, 0, Side::Server, reply(504, "504 PORT refused.")));
    let q = ask(&events, 2).expect("PORT asks");
    let truth = truth(&events, &q).expect("answered");
    let r = grade(&q, &truth, &Guess::default());
    assert_eq!((r.right, r.asked), (1, 1));
    assert!(r.lines[0].contains("504"), "{:?}", r.lines);
    let r = grade(
        &q,
        &truth,
        &Guess {
            who: Some(Side::Server),
            ..Guess::default()
        },
    );
    assert_eq!(r.right, 0);
}

#[test]
fn a_229_names_its_port_outright() {
    let events = vec![
        control_dial("[::1]:40000", "[::1]:2121"),
        ev(1, 0, Side::Client, cmd("EPSV")),
        ev(
            1,
            0,
            Side::Server,
            reply(229, "229 Entering Extended Passive Mode (|||50001|)"),
        ),
        ev(
            1,
            1,
            Side::Client,
            Kind::Connect {
                src: "[::1]:45555".parse().unwrap(),
                dst: "[::1]:50001".parse().unwrap(),
                via: Some(Via::Epsv),
            },
        ),
    ];
    assert!(ask(&events, 1).is_none(), "EPSV itself announces nothing");
    let q = ask(&events, 2).expect("229 asks");
    assert_eq!(
        (q.via, q.announced, q.control),
        (Via::Epsv, 50001, Some(2121))
    );
    let truth = truth(&events, &q).expect("answered");
    let r = grade(
        &q,
        &truth,
        &Guess {
            who: Some(Side::Client),
            from: Some(PortRole::Ephemeral),
            to: Some(PortRole::Announced),
        },
    );
    assert_eq!(r.right, 3, "{:?}", r.lines);
    assert!(r.lines[2].contains("written out: 50001"), "{:?}", r.lines);
}

/// The question the event at `at` raises.
fn ask(events: &[Event], at: usize) -> Option<Question> {
    Question::at(&Account::of(events, false), at)
}

/// The answer, the trace being all there is.
fn truth(events: &[Event], q: &Question) -> Option<Answer> {
    settled(&Account::of(events, true), q)
}

/// Whether session `s`'s first transfer worked.
fn worked(events: &[Event], s: u32) -> Option<(bool, String)> {
    transfer_worked(&Account::of(events, true), events, s)
}
