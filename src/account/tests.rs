//! The account on small traces, each the shape of something real servers
//! and captures do (the names say which).

use super::*;
use crate::trace::{Event, Kind, Side};

/// A session written line by line: `c` for a command, `r` for a reply,
/// `dial`/`accept`/`data`/`close` for data connection events.
struct T {
    events: Vec<Event>,
    t: f64,
}

impl T {
    fn new() -> T {
        let mut s = T {
            events: Vec::new(),
            t: 0.0,
        };
        s.push(
            0,
            Side::Client,
            Kind::Connect {
                src: "127.0.0.2:40000".parse().unwrap(),
                dst: "127.0.0.3:2121".parse().unwrap(),
                via: None,
            },
        );
        s.push(0, Side::Server, Kind::Accept);
        s
    }

    fn push(&mut self, conn: u32, from: Side, kind: Kind) -> usize {
        self.t += 0.001;
        self.events.push(Event::new(self.t, 1, conn, from, kind));
        self.events.len() - 1
    }

    fn c(&mut self, line: &str) -> usize {
        let verb = line.split(' ').next().unwrap().to_ascii_uppercase();
        self.push(
            0,
            Side::Client,
            Kind::Command {
                text: line.into(),
                verb,
            },
        )
    }

    fn r(&mut self, code: u16, text: &str) -> usize {
        self.push(
            0,
            Side::Server,
            Kind::Reply {
                code,
                text: format!("{code} {text}"),
            },
        )
    }

    fn dial(&mut self, conn: u32, who: Side, src: &str, dst: &str, via: Via) -> usize {
        self.push(
            conn,
            who,
            Kind::Connect {
                src: src.parse().unwrap(),
                dst: dst.parse().unwrap(),
                via: Some(via),
            },
        )
    }

    fn flow(&mut self, conn: u32, listener: Side, sender: Side, bytes: u64) {
        self.push(conn, listener, Kind::Accept);
        self.push(conn, sender, Kind::Data { bytes });
        self.push(conn, sender, Kind::Close);
    }

    fn account(&self) -> Account {
        Account::of(&self.events, true)
    }
}

#[test]
fn an_active_dial_after_retr_is_seen_and_serves_it() {
    let mut t = T::new();
    t.r(220, "ready");
    let port = t.c("PORT 127,0,0,2,195,80");
    t.r(200, "PORT okay");
    let retr = t.c("RETR hello.txt");
    let dial = t.dial(
        1,
        Side::Server,
        "127.0.0.3:2120",
        "127.0.0.2:50000",
        Via::Port,
    );
    t.r(150, "Opening");
    t.flow(1, Side::Client, Side::Server, 80);
    t.r(226, "done");
    let acc = t.account();
    let a = acc.answer(port).unwrap();
    assert_eq!(
        (a.who, a.from, a.to),
        (Who::Server, Some(2120), Some(50000))
    );
    assert_eq!(a.evidence, Evidence::Seen(vec![dial]));
    let s = acc.session(1).unwrap();
    assert_eq!(s.transfer_at(retr).unwrap().conn, Some(1));
    assert_eq!(s.greeting, Some(2));
    for ok in [
        Claim::DialAfter {
            announcement: port,
            event: retr,
        },
        Claim::Serves {
            session: 1,
            conn: 1,
            transfer: retr,
        },
        Claim::ClosedBy {
            session: 1,
            conn: 1,
            who: Side::Server,
            before: t.events.len(),
        },
    ] {
        assert_eq!(ok.check(&acc, &t.events), Ok(()), "{ok:?}");
    }
    let wrong = Claim::DialBefore {
        announcement: port,
        event: retr,
    };
    assert!(wrong.check(&acc, &t.events).is_err());
}

#[test]
fn a_server_that_dials_at_port_dials_before_its_200() {
    // pyftpdlib: the dial comes with the PORT, before "200 Active data
    // connection established." and before any RETR.
    let mut t = T::new();
    t.r(220, "ready");
    let port = t.c("PORT 127,0,0,1,195,80");
    let dial = t.dial(
        1,
        Side::Server,
        "127.0.0.1:2120",
        "127.0.0.1:50000",
        Via::Port,
    );
    t.push(1, Side::Client, Kind::Accept);
    let ok = t.r(200, "Active data connection established.");
    let retr = t.c("RETR a");
    t.r(150, "x");
    t.push(1, Side::Server, Kind::Data { bytes: 3 });
    t.push(1, Side::Server, Kind::Close);
    t.r(226, "y");
    let acc = t.account();
    assert_eq!(
        acc.answer(port).unwrap().evidence,
        Evidence::Seen(vec![dial])
    );
    let s = acc.session(1).unwrap();
    assert_eq!(s.transfer_at(retr).unwrap().conn, Some(1));
    let before = Claim::DialBefore {
        announcement: port,
        event: ok,
    };
    assert_eq!(before.check(&acc, &t.events), Ok(()));
}

#[test]
fn another_commands_refusal_between_eprt_and_retr_is_not_the_answer() {
    // curl: EPRT, SITE HELP → 502, RETR; the server then dials.
    let mut t = T::new();
    t.r(220, "ready");
    let eprt = t.c("EPRT |1|127.0.0.2|50000|");
    t.r(200, "ok");
    t.c("SITE HELP");
    t.r(502, "Command not implemented.");
    t.c("RETR a");
    t.dial(
        1,
        Side::Server,
        "127.0.0.3:2120",
        "127.0.0.2:50000",
        Via::Eprt,
    );
    t.r(150, "x");
    t.flow(1, Side::Client, Side::Server, 5);
    t.r(226, "y");
    let a = t.account().answer(eprt).unwrap();
    assert_eq!(a.who, Who::Server);
}

#[test]
fn a_transfer_that_flowed_without_its_syn_in_the_capture_is_inferred() {
    // sv_ftp-epsv.pcap: 229, LIST, 150, 226, and no data connection captured.
    let mut t = T::new();
    t.r(220, "ProFTPD");
    t.c("EPSV");
    let epsv = t.r(229, "Entering Extended Passive Mode (|||58612|)");
    t.c("LIST");
    let p = t.r(150, "Opening ASCII mode data connection for file list");
    let done = t.r(226, "Transfer complete.");
    let a = t.account().answer(epsv).unwrap();
    assert_eq!((a.who, a.from, a.to), (Who::Client, None, Some(58612)));
    match a.evidence {
        Evidence::Inferred { from, .. } => assert_eq!(from, vec![p, done]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_425_that_timed_out_says_the_server_dialled() {
    // aliawa_ftp_eprt.pcap: EPRT, RETR, "425 … Connection timed out".
    let mut t = T::new();
    t.r(220, "ready");
    let eprt = t.c("EPRT |1|10.0.0.9|50000|");
    t.r(200, "ok");
    t.c("RETR a");
    t.r(150, "Opening");
    t.r(425, "Failed to establish connection: Connection timed out");
    let a = t.account().answer(eprt).unwrap();
    assert_eq!((a.who, a.to), (Who::Server, Some(50000)));
    assert_eq!(a.evidence.name(), "inferred");
}

#[test]
fn a_refused_port_and_a_refused_transfer_lead_nowhere() {
    let mut t = T::new();
    t.r(220, "ready");
    let bounce = t.c("PORT 127,0,0,9,0,25");
    let no = t.r(504, "refused");
    let port = t.c("PORT 127,0,0,2,195,80");
    t.r(200, "ok");
    t.c("RETR missing.txt");
    let gone = t.r(550, "No such file");
    let next = t.c("PORT 127,0,0,2,195,81");
    t.r(200, "ok");
    t.c("QUIT");
    let acc = t.account();
    let a = acc.answer(bounce).unwrap();
    assert_eq!((a.who, a.evidence), (Who::Nobody, Evidence::Seen(vec![no])));
    let a = acc.answer(port).unwrap();
    assert_eq!(a.who, Who::Nobody);
    assert_eq!(a.evidence, Evidence::Seen(vec![gone]), "{}", a.words);
    let a = acc.answer(next).unwrap();
    assert_eq!(a.who, Who::Nobody, "QUIT came first: {}", a.words);
}

#[test]
fn a_greeting_after_a_hasty_user_is_still_the_greeting() {
    let mut t = T::new();
    let user = t.c("USER anonymous");
    let hello = t.r(220, "ready");
    let ok = t.r(331, "password?");
    let acc = t.account();
    let s = acc.session(1).unwrap();
    assert_eq!(s.greeting, Some(hello));
    assert_eq!(s.exchange_at(user).unwrap().fin(), Some((ok, 331)));
}

#[test]
fn pipelined_commands_get_their_replies_in_order() {
    let mut t = T::new();
    t.r(220, "ready");
    let a = t.c("TYPE I");
    let b = t.c("SIZE x");
    let ra = t.r(200, "ok");
    let rb = t.r(213, "6");
    let acc = t.account();
    let s = acc.session(1).unwrap();
    assert_eq!(s.answered_by(ra).map(|x| x.at), Some(a));
    assert_eq!(s.answered_by(rb).map(|x| x.at), Some(b));
}

#[test]
fn a_live_run_does_not_answer_before_it_happens() {
    let mut t = T::new();
    t.r(220, "ready");
    let port = t.c("PORT 127,0,0,2,195,80");
    t.r(200, "ok");
    t.c("RETR a");
    let live = Account::of(&t.events, false);
    assert_eq!(live.answer(port), None);
    let ended = Account::of(&t.events, true);
    assert_eq!(ended.answer(port).map(|a| a.who), Some(Who::Unknown));
}
