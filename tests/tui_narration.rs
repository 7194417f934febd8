//! The narration's words and arithmetic, event by event, on the hand-made
//! traces the screens use. The expected numbers are computed with the
//! shared codec (`port_bytes`), not typed in. (The same rules over every
//! real lab scenario and capture: `narration_scenarios.rs`; through the
//! binary: `explain_cli.rs`.)

#[path = "support/fixture.rs"]
mod fixture;
use ftpviz::ftp::hostport::port_bytes;
use ftpviz::narration::{clean, narrate, Narration};
use ftpviz::trace::{Blocker, Event, FailReason, Kind, Side, Via};

fn say(events: &[Event]) -> String {
    let Narration { headline, body, .. } = narrate(events);
    format!("{headline} {body}")
}

/// The narration at the first event matching `f` in a fixture.
fn at(trace: &[Event], f: impl Fn(&Event) -> bool) -> String {
    let i = trace
        .iter()
        .position(f)
        .expect("the event is in the fixture");
    say(&trace[..=i])
}

fn is_command(e: &Event, v: &str) -> bool {
    matches!(&e.kind, Kind::Command { verb, .. } if verb == v)
}

fn is_reply(e: &Event, c: u16) -> bool {
    matches!(&e.kind, Kind::Reply { code, .. } if *code == c)
}

#[test]
fn port_spells_out_the_port_arithmetic() {
    let t = fixture::active().events;
    let s = at(&t, |e| is_command(e, "PORT"));
    let (hi, lo) = port_bytes(50000);
    let sum = format!("{hi} × 256 + {lo} = 50000");
    assert!(s.contains(&sum), "{s}");
    assert!(
        s.contains(
            "the client listens on port 50000 of its own address 127.0.0.2 and asks the server \
             to dial it"
        ),
        "{s}"
    );
    // The timing of the dial is RFC 959 §3.2, not §4.1.2 (PORT's syntax).
    assert!(
        s.contains("The RFC has the server dial once a transfer command comes (RFC 959 §3.2)."),
        "{s}"
    );
}

#[test]
fn pasv_reply_spells_out_the_port_arithmetic() {
    let t = fixture::passive().events;
    let s = at(&t, |e| is_reply(e, 227));
    let (hi, lo) = port_bytes(50001);
    assert!(s.contains(&format!("{hi} × 256 + {lo} = 50001")), "{s}");
    // A capture's step, its future not known: the rule, no prediction.
    assert!(
        s.contains("In passive mode the client is to dial it."),
        "{s}"
    );
    let s = at(&t, |e| is_command(e, "PASV"));
    assert!(s.contains("PASV: the client asks to dial."), "{s}");
}

#[test]
fn the_active_dial_comes_from_control_minus_one() {
    let t = fixture::active().events;
    let s = at(&t, |e| {
        matches!(
            e.kind,
            Kind::Connect {
                via: Some(Via::Port),
                ..
            }
        )
    });
    assert!(s.contains("2120 = control port 2121 − 1"), "{s}");
    // RFC 959 §5.2 says the server shall dial from L−1 (§3.2 only names the
    // default port); 20 is L−1 when L is 21 (§8).
    assert!(
        s.contains("its port L−1 (RFC 959 §5.2; 20 when L is 21)"),
        "{s}"
    );
    assert!(s.contains("server dials the client"), "{s}");
}

#[test]
fn a_dial_from_elsewhere_is_called_out_with_the_sources_note() {
    let mut t = fixture::active().events;
    let i = t
        .iter()
        .position(|e| {
            matches!(
                e.kind,
                Kind::Connect {
                    via: Some(Via::Port),
                    ..
                }
            )
        })
        .expect("an active dial");
    if let Kind::Connect { src, .. } = &mut t[i].kind {
        src.set_port(43000);
    }
    t[i].note = Some("bind to port 2120 failed, dialled from an ephemeral port".into());
    let s = say(&t[..=i]);
    assert!(s.contains("not control − 1 = 2120"), "{s}");
    // Both: what RFC 959 §5.2 says, and what a real server was measured
    // doing (REAL_BEHAVIOUR.md), named.
    assert!(
        s.contains("shall dial from its port L−1 (RFC 959 §5.2)"),
        "{s}"
    );
    assert!(
        s.contains("pyftpdlib, for one, dials from an ephemeral port"),
        "{s}"
    );
    assert!(s.contains("bind to port 2120 failed"), "{s}");
}

#[test]
fn the_passive_dial_is_the_clients() {
    let t = fixture::passive().events;
    let s = at(&t, |e| {
        matches!(
            e.kind,
            Kind::Connect {
                via: Some(Via::Pasv),
                ..
            }
        )
    });
    assert!(s.contains("client dials the server"), "{s}");
    assert!(s.contains("the port from 227"), "{s}");
    // Not knowing the middlebox, it says what *would* happen, not "lets it
    // through".
    assert!(s.contains("would have to admit"), "{s}");
    assert!(!s.contains("let it through"), "{s}");
}

#[test]
fn reply_codes_say_what_they_mean() {
    let t = fixture::active().events;
    assert!(at(&t, |e| is_reply(e, 150)).contains("1xx is preliminary"));
    assert!(at(&t, |e| is_reply(e, 226)).contains("after closing the data connection"));
    let b = fixture::active_blocked().events;
    let s = at(&b, |e| is_reply(e, 425));
    assert!(s.contains("only the data connection failed"), "{s}");
    let s = at(&b, |e| matches!(e.kind, Kind::Fail { .. }));
    assert!(
        s.starts_with("✗ Client firewall drops server's SYN."),
        "{s}"
    );
}

#[test]
fn type_a_and_i_explain_the_byte_counts() {
    let t = fixture::active().events;
    let s = at(
        &t,
        |e| matches!(&e.kind, Kind::Command { text, .. } if text == "TYPE A"),
    );
    assert!(s.contains("CRLF"), "{s}");
    let s = at(
        &t,
        |e| matches!(&e.kind, Kind::Command { text, .. } if text == "TYPE I"),
    );
    assert!(
        s.contains("the count on the wire is the file's size"),
        "{s}"
    );
    // The first data is a listing: not a file, whatever the TYPE.
    let s = at(&t, |e| matches!(e.kind, Kind::Data { .. }));
    assert!(
        s.contains("187 bytes") && s.contains("A listing is not a file"),
        "{s}"
    );
    assert!(!s.contains("exactly as stored"), "{s}");
}

fn event(kind: Kind) -> Event {
    Event::new(0.0, 1, 0, Side::Client, kind)
}

#[test]
fn extended_addresses_are_read_with_the_shared_codec() {
    let eprt = event(Kind::Command {
        text: "EPRT |2|::1|50000|".into(),
        verb: "EPRT".into(),
    });
    let s = say(&[eprt]);
    assert!(s.contains("2 = IPv6") && s.contains("port 50000"), "{s}");
    assert!(s.contains("RFC 2428"));
    let r = Event::new(
        0.0,
        1,
        0,
        Side::Server,
        Kind::Reply {
            code: 229,
            text: "229 Entering Extended Passive Mode (|||50001|)".into(),
        },
    );
    let s = say(&[r]);
    assert!(s.contains("port 50001"), "{s}");
}

#[test]
fn a_bad_address_is_named_not_trusted() {
    let bad = event(Kind::Command {
        text: "PORT 127,0,0,2,300,80".into(),
        verb: "PORT".into(),
    });
    let s = say(&[bad]);
    assert!(s.contains("not a valid address"), "{s}");
    let r = Event::new(
        0.0,
        1,
        0,
        Side::Server,
        Kind::Reply {
            code: 227,
            text: "227 no numbers here".into(),
        },
    );
    assert!(say(&[r]).contains("without a usable address"));
}

#[test]
fn wire_text_cannot_drive_the_terminal() {
    assert_eq!(clean("RETR a\x1b[2Jb"), "RETR a·[2Jb");
    let e = event(Kind::Command {
        text: "RETR \x1b]0;pwned\x07".into(),
        verb: "RETR".into(),
    });
    let s = say(&[e]);
    assert!(!s.contains('\x1b') && !s.contains('\x07'), "{s:?}");
    // A reply's words reach the headline (213 after SIZE): cleaned too,
    // and a multi-line reply keeps its lines for the screen.
    let size = event(Kind::Command {
        text: "SIZE a".into(),
        verb: "SIZE".into(),
    });
    let reply = event(Kind::Reply {
        code: 213,
        text: "213 1\x1b[2J".into(),
    });
    let n = narrate(&[size, reply]);
    assert!(!n.headline.contains('\x1b'), "{n:?}");
    let feat = event(Kind::Reply {
        code: 211,
        text: "211-Features:\n EPSV\x1b\n211 End".into(),
    });
    let n = narrate(&[feat]);
    assert_eq!(n.wire.as_deref(), Some("211-Features:\n EPSV·\n211 End"));
}

#[test]
fn every_event_of_every_fixture_has_words() {
    let mut all = fixture::sessions(2).events;
    all.extend(fixture::active_blocked().events);
    all.push(event(Kind::Fail {
        reason: FailReason::Refused,
        by: None,
    }));
    all.push(event(Kind::Fail {
        reason: FailReason::Timeout,
        by: Some(Blocker::Nat),
    }));
    for i in 0..all.len() {
        let n = narrate(&all[..=i]);
        assert!(!n.headline.is_empty() && !n.body.is_empty(), "event {i}");
    }
}

#[test]
fn a_sources_note_on_a_failed_dial_comes_first() {
    let mut b = fixture::active_blocked().events;
    let i = b
        .iter()
        .position(|e| matches!(e.kind, Kind::Fail { .. }))
        .expect("a fail");
    b[i].note = Some("client firewall: a SYN from the server is unsolicited inbound".into());
    let n = narrate(&b[..=i]);
    assert!(
        n.body
            .starts_with("Client firewall: a SYN from the server is unsolicited inbound."),
        "{}",
        n.body
    );
    // The note is the detail: the general words are not said as well.
    assert!(!n.body.contains("No answer ever came"), "{}", n.body);
}

#[test]
fn a_blocked_dial_says_why_stateful_helpers_exist() {
    let t = fixture::active_blocked().events;
    let s = at(&t, |e| matches!(e.kind, Kind::Fail { .. }));
    assert!(s.contains("nf_conntrack_ftp"), "{s}");
}

#[test]
fn a_passive_dial_lost_to_nat_says_why_epsv_gets_through() {
    let dial = |via| {
        Event::new(
            1.0,
            1,
            1,
            Side::Client,
            Kind::Connect {
                src: "127.0.0.2:40000".parse().unwrap(),
                dst: "127.0.0.3:50000".parse().unwrap(),
                via: Some(via),
            },
        )
    };
    let fail = Event::new(
        4.0,
        1,
        1,
        Side::Client,
        Kind::Fail {
            reason: FailReason::Blocked,
            by: Some(Blocker::Nat),
        },
    );
    let pasv = say(&[dial(Via::Pasv), fail.clone()]);
    assert!(
        pasv.contains("229 (EPSV, RFC 2428 §3) carries only a port"),
        "{pasv}"
    );
    let port = say(&[dial(Via::Port), fail]);
    assert!(!port.contains("229 (EPSV"), "{port}");
    assert!(port.contains("nf_conntrack_ftp"), "{port}");
}

#[test]
fn auth_tls_says_why_encryption_blinds_the_helpers() {
    let auth = Event::new(
        0.5,
        1,
        0,
        Side::Client,
        Kind::Command {
            text: "AUTH TLS".into(),
            verb: "AUTH".into(),
        },
    );
    let s = say(&[auth]);
    assert!(s.contains("encrypted"), "{s}");
}

#[test]
fn a_clients_port_below_1024_is_not_called_ephemeral() {
    // The passive fixture with the client dialling from ports it chose:
    // 1000 for the control connection, 1001 for the data.
    let mut t = fixture::passive().events;
    let mut low = 1000;
    for e in t.iter_mut() {
        if let Kind::Connect { src, .. } = &mut e.kind {
            if e.from == Side::Client {
                src.set_port(low);
                low += 1;
            }
        }
    }
    let control = at(&t, |e| {
        matches!(e.kind, Kind::Connect { .. }) && e.conn == 0
    });
    assert!(
        control.contains("Port 1000 is below 1024, where operating systems pick no ephemeral ports: the client chose it."),
        "{control}"
    );
    let data = at(&t, |e| matches!(e.kind, Kind::Connect { .. }) && e.conn > 0);
    assert!(
        data.contains("the client's port 1001 is below 1024"),
        "{data}"
    );
    assert!(!format!("{control}{data}").contains("ephemeral port the client's OS"));
    // As they were: ephemeral.
    let t = fixture::passive().events;
    let control = at(&t, |e| {
        matches!(e.kind, Kind::Connect { .. }) && e.conn == 0
    });
    assert!(
        control.contains("is an ephemeral port the client's OS picked."),
        "{control}"
    );
}

#[test]
fn a_refused_dial_in_a_capture_does_not_claim_nothing_listened() {
    // An RST to a SYN: in the lab, nothing listened (it knows both ends);
    // in a capture it may as well be a firewall that rejects with RST.
    let mut t = fixture::active().events;
    let dial = t
        .iter()
        .position(|e| matches!(e.kind, Kind::Connect { .. }) && e.conn > 0)
        .expect("the fixture has a data dial");
    t.truncate(dial + 1);
    let mut refused = t[dial].clone();
    refused.kind = Kind::Fail {
        reason: FailReason::Refused,
        by: None,
    };
    t.push(refused);
    let s = say(&t);
    assert!(!s.contains("Nothing listens on that port"), "{s}");
    assert!(
        s.contains("The SYN was answered with an RST: nothing listened on that port, or something on the path refused the dial for the client;"),
        "{s}"
    );
}
