//! The quiz on real traces: questions raised by real labs (our client and
//! server on loopback, through the middlebox) and by captures of real
//! third-party servers, answered by what those traces show.

use ftpviz::account::{Account, Answer};
use ftpviz::classroom::quiz::{grade, settled, transfer_worked, Guess, PortRole, Question};
use ftpviz::lab::{LabConfig, Lesson, Mode};
use ftpviz::middlebox::Firewall;
use ftpviz::trace::{Event, Side};

mod common;
mod lab_facts;
use lab_facts::run_lab as run;

fn lab(mode: Mode, extended: bool, ipv6: bool, firewall: Firewall) -> LabConfig {
    LabConfig {
        mode,
        extended,
        ipv6,
        firewall,
        control_port: 0,
        ..LabConfig::default()
    }
}

/// Every question the trace raises, with its answer.
fn asked(events: &[Event]) -> Vec<(Question, Answer)> {
    let account = Account::of(events, true);
    (0..events.len())
        .filter_map(|i| Question::at(&account, i))
        .map(|q| {
            let truth = settled(&account, &q).unwrap_or_else(|| panic!("{q:?} unanswered"));
            (q, truth)
        })
        .collect()
}

/// Whether session `s`'s first transfer worked, and why.
fn first_transfer(events: &[Event], s: u32) -> Option<(bool, String)> {
    transfer_worked(&Account::of(events, true), events, s)
}

/// The answer a textbook gives: RFC 959's L − 1 for a server's dial.
fn textbook(q: &Question) -> Guess {
    let who = q.via.dialler();
    Guess {
        who: Some(who),
        from: Some(match who {
            Side::Server => PortRole::ControlMinusOne,
            Side::Client => PortRole::Ephemeral,
        }),
        to: Some(PortRole::Announced),
    }
}

#[tokio::test]
async fn our_lab_is_graded_right_by_the_textbook_and_wrong_by_its_opposite() {
    let ipv6 = std::net::TcpListener::bind("[::1]:0").is_ok();
    for (mode, extended, v6) in [
        (Mode::Active, false, false),
        (Mode::Passive, false, false),
        (Mode::Active, true, ipv6),
        (Mode::Passive, true, ipv6),
    ] {
        let events = run(lab(mode, extended, v6, Firewall::None)).await;
        let questions = asked(&events);
        // LIST, RETR, STOR, RETR: one announcement each.
        assert_eq!(questions.len(), 4, "{mode:?} extended={extended}");
        for (q, truth) in &questions {
            let r = grade(q, truth, &textbook(q));
            assert_eq!((r.right, r.asked), (3, 3), "{q:?}: {:?}", r.lines);
            let opposite = Guess {
                who: Some(q.via.dialler().peer()),
                from: Some(PortRole::Control),
                to: Some(PortRole::ControlMinusOne),
            };
            let r = grade(q, truth, &opposite);
            assert_eq!(r.right, 0, "{q:?}: {:?}", r.lines);
            assert!(r.lines.iter().all(|l| l.starts_with('✗')), "{:?}", r.lines);
        }
        assert_eq!(first_transfer(&events, 1).map(|w| w.0), Some(true));
    }
}

#[tokio::test]
async fn a_blocked_dial_is_revealed_with_the_wall_that_stopped_it() {
    let events = run(lab(Mode::Active, false, false, Firewall::Client)).await;
    let (q, truth) = asked(&events).into_iter().next().expect("a PORT");
    let r = grade(&q, &truth, &textbook(&q));
    assert_eq!(r.right, 3, "{:?}", r.lines);
    assert!(
        r.lines.iter().any(|l| l.contains("client's firewall")),
        "{:?}",
        r.lines
    );
    let (worked, said) = first_transfer(&events, 1).expect("LIST answered");
    assert!(!worked && said.starts_with("LIST: 425"), "{said}");
    // Passive mode through the same firewall works.
    let events = run(lab(Mode::Passive, false, false, Firewall::Client)).await;
    assert_eq!(first_transfer(&events, 1).map(|w| w.0), Some(true));
}

#[tokio::test]
async fn a_client_that_never_reaches_a_transfer_did_not_get_one() {
    // Passive behind a server firewall: the client's dial dies, and it
    // tries PASV again without ever sending LIST.
    let events = run(lab(Mode::Passive, false, false, Firewall::Server)).await;
    let (worked, said) = first_transfer(&events, 1).expect("known");
    assert!(!worked);
    assert_eq!(
        said,
        "data #1: the dial failed (blocked by the server firewall)"
    );
    // Active behind the client's NAT: PORT names 192.168.1.2, refused.
    let config = LabConfig {
        nat: ftpviz::middlebox::Nat::Client,
        ..lab(Mode::Active, false, false, Firewall::None)
    };
    let events = run(config).await;
    let (worked, said) = first_transfer(&events, 1).expect("known");
    assert!(
        !worked && said.starts_with("PORT 192,168,1,2,") && said.contains(": 504 "),
        "{said}"
    );
}

#[tokio::test]
async fn a_bounce_port_is_answered_by_nobody_dialling() {
    let config = LabConfig {
        lesson: Lesson::Bounce,
        ..lab(Mode::Active, false, false, Firewall::None)
    };
    let events = run(config).await;
    let questions = asked(&events);
    assert_eq!(questions.len(), 2, "two bounce PORTs");
    for (q, truth) in &questions {
        let r = grade(q, truth, &Guess::default());
        assert_eq!((r.right, r.asked), (1, 1), "{:?}", r.lines);
        assert!(r.lines[0].contains("504"), "{:?}", r.lines);
    }
}

fn replayed(name: &str) -> Option<Vec<Event>> {
    let path = common::capture(name)?;
    Some(
        ftpviz::replay::read_file(&path)
            .expect("replays")
            .trace
            .events,
    )
}

#[test]
fn vsftpd_dials_from_port_20_as_rfc_959_says() {
    // MANIFEST.md (b): both data connections initiated by 127.0.0.1:20.
    let Some(events) = replayed("b_active_port_lftp_vsftpd.pcap") else {
        return;
    };
    let questions = asked(&events);
    assert_eq!(questions.len(), 2);
    for (q, truth) in &questions {
        assert_eq!(q.control, Some(21));
        assert_eq!(q.choice(PortRole::ControlMinusOne), "20 (control port − 1)");
        let r = grade(q, truth, &textbook(q));
        assert_eq!(r.right, 3, "{:?}", r.lines);
        assert!(r.lines[1].contains("21 − 1 = 20"), "{:?}", r.lines);
    }
}

#[test]
fn netbsd_ftpd_dials_from_an_ephemeral_port_and_is_graded_so() {
    // PUBLIC.md / MANIFEST.md: ftp.NetBSD.org, PASV + LIST, PASV + RETR, then
    // PORT + LIST and PORT + RETR; its active dials come from 61920 and
    // 61918, not from 20.
    let Some(events) = replayed("public/zeek_ftp_ipv4.pcap") else {
        return;
    };
    let questions = asked(&events);
    let vias: Vec<&str> = questions.iter().map(|(q, _)| q.via.as_str()).collect();
    assert_eq!(vias, ["PASV", "PASV", "PORT", "PORT"]);
    for (q, truth) in &questions {
        let r = grade(q, truth, &textbook(q));
        if q.via.as_str() == "PORT" {
            assert_eq!(r.right, 2, "{:?}", r.lines);
            assert!(r.lines[1].starts_with("✗ from 619"), "{:?}", r.lines);
            assert!(
                r.lines[1].contains("but this server did not"),
                "{:?}",
                r.lines
            );
        } else {
            assert_eq!(r.right, 3, "{:?}", r.lines);
        }
    }
}
