//! Replay of captures that begin (or lose packets) in the middle of things:
//! a data connection whose SYN is missing, a control connection whose
//! banner is missing. Built in memory with the capture writer.

#[path = "support/pcapgen.rs"]
mod pcapgen;
#[path = "support/script.rs"]
mod script;

mod common;

use ftpviz::replay::{read, Replay};
use ftpviz::trace::{Event, Kind, Side, Via};
use pcapgen::*;
use script::*;
use std::io::Cursor;
use std::net::SocketAddr;
use std::path::Path;

fn replay(bytes: Vec<u8>) -> Replay {
    read(Cursor::new(bytes), None, |_| {}).expect("capture reads")
}

impl Script {
    fn replay(self) -> Replay {
        replay(self.into_bytes())
    }
}

fn connects(events: &[Event]) -> Vec<(u32, Side, SocketAddr, SocketAddr, Option<Via>)> {
    events
        .iter()
        .filter_map(|e| match e.kind {
            Kind::Connect { src, dst, via } => Some((e.conn, e.from, src, dst, via)),
            _ => None,
        })
        .collect()
}

fn connect_note(events: &[Event], conn: u32) -> String {
    events
        .iter()
        .find(|e| e.conn == conn && matches!(e.kind, Kind::Connect { .. }))
        .and_then(|e| e.note.clone())
        .unwrap_or_default()
}

/// A logged-in session that announces with `announce` (client line) and
/// `answer` (server line), then transfers over a data connection from
/// `dialler` to `listener` whose handshake the capture lost; `from_dialler`
/// says which end sends the `segments` of data.
fn lost_data_syn(
    announce: &str,
    answer: &str,
    transfer: &str,
    dialler: &str,
    listener: &str,
    from_dialler: bool,
    segments: usize,
) -> Replay {
    let mut s = Script::new();
    let mut c = Tcp::new(addr("10.0.0.2:41000"), addr("10.0.0.3:21"), 100, 900);
    s.handshake(&mut c);
    s.say(
        &mut c,
        &[
            (S, "220 ready"),
            (C, "USER demo"),
            (S, "331 password please"),
            (C, "PASS demo"),
            (S, "230 logged in"),
            (C, announce),
            (S, answer),
            (C, transfer),
            (S, "150 here it comes"),
        ],
    );
    // The data connection's SYN, SYN-ACK and ACK are not in the capture.
    let mut d = Tcp::new(addr(dialler), addr(listener), 5000, 7000);
    s.transfer(&mut d, from_dialler, segments);
    s.say(&mut c, &[(S, "226 done"), (C, "QUIT"), (S, "221 bye")]);
    s.close(&mut c);
    s.replay()
}

#[test]
fn a_data_connection_without_its_syn_is_linked_by_its_announcement() {
    // Passive RETR: the client dialled the 227's endpoint; only the
    // server's data (from the announced end) was captured.
    let r = lost_data_syn(
        "PASV",
        "227 Entering Passive Mode (10,0,0,3,195,80).",
        "RETR big.bin",
        "10.0.0.2:40000",
        "10.0.0.3:50000",
        false,
        10,
    );
    let t = &r.trace;
    assert_eq!(t.sessions(), vec![1]);
    assert_eq!(
        connects(&t.events),
        vec![
            (
                0,
                Side::Client,
                addr("10.0.0.2:41000"),
                addr("10.0.0.3:21"),
                None
            ),
            (
                1,
                Side::Client,
                addr("10.0.0.2:40000"),
                addr("10.0.0.3:50000"),
                Some(Via::Pasv)
            ),
        ]
    );
    let note = connect_note(&t.events, 1);
    assert!(
        note.starts_with("SYN not captured: dial inferred from the announcement"),
        "{note}"
    );
    assert!(note.contains("RETR big.bin"), "{note}");
    assert_eq!(t.data_bytes(1, 1), 10 * 1448);
    assert!(t
        .events
        .iter()
        .any(|e| e.conn == 1 && e.kind == Kind::Close && e.from == Side::Server));

    // Active STOR: the server dialled the PORT's endpoint from port 20;
    // the first bytes captured come from the listening client.
    let r = lost_data_syn(
        "PORT 10,0,0,2,195,81",
        "200 PORT ok",
        "STOR up.bin",
        "10.0.0.3:20",
        "10.0.0.2:50001",
        false,
        3,
    );
    let t = &r.trace;
    assert_eq!(
        connects(&t.events).get(1),
        Some(&(
            1,
            Side::Server,
            addr("10.0.0.3:20"),
            addr("10.0.0.2:50001"),
            Some(Via::Port)
        ))
    );
    assert_eq!(t.data_bytes(1, 1), 3 * 1448);
    let senders: Vec<Side> = t
        .connection(1, 1)
        .filter(|e| matches!(e.kind, Kind::Data { .. }))
        .map(|e| e.from)
        .collect();
    assert!(!senders.is_empty() && senders.iter().all(|&s| s == Side::Client));
}

#[test]
fn a_mid_flow_connection_nobody_announced_is_still_not_shown() {
    // The session announces 10.0.0.3:50000, but the SYN-less flow goes to
    // another port: nothing links it, so it is not a data connection.
    let r = lost_data_syn(
        "PASV",
        "227 Entering Passive Mode (10,0,0,3,195,80).",
        "RETR big.bin",
        "10.0.0.2:40000",
        "10.0.0.3:50009",
        false,
        4,
    );
    let t = &r.trace;
    assert_eq!(connects(&t.events).len(), 1, "only the control dial");
    assert!(t.events.iter().all(|e| e.conn == 0));
}

/// What was said on the control connections, in order: `C text`/`S text`.
fn said(r: &Replay) -> Vec<String> {
    common::said(&r.trace.events)
}

fn warned(r: &Replay) -> Vec<&str> {
    r.warnings.iter().map(|w| w.message.as_str()).collect()
}

const JOINED: &str = "session 1 joined mid-way: no banner captured";

/// A control connection whose handshake, banner and login the capture
/// missed: it starts with `first` (from the server if `server_first`), then
/// a passive transfer whose data connection is captured whole.
fn joined_session(control: &str, server_first: bool) -> Replay {
    let mut s = Script::new();
    let mut c = Tcp::new(addr("10.0.0.2:41000"), addr(control), 100, 900);
    let mut lines = vec![(C, "TYPE I"), (S, "200 Switching to Binary mode.")];
    if server_first {
        lines.insert(0, (S, "230 Login successful."));
    }
    lines.extend([
        (C, "PASV"),
        (S, "227 Entering Passive Mode (10,0,0,3,195,80)."),
        (C, "RETR big.bin"),
    ]);
    s.say(&mut c, &lines);
    let mut d = Tcp::new(addr("10.0.0.2:40000"), addr("10.0.0.3:50000"), 5000, 7000);
    s.handshake(&mut d);
    s.say(&mut c, &[(S, "150 here it comes")]);
    s.transfer(&mut d, false, 2);
    s.say(&mut c, &[(S, "226 done"), (C, "QUIT"), (S, "221 bye")]);
    s.close(&mut c);
    s.replay()
}

#[test]
fn a_session_joined_mid_way_is_ftp_by_its_dialogue() {
    for (control, server_first) in [("10.0.0.3:21", true), ("10.0.0.3:2121", false)] {
        let r = joined_session(control, server_first);
        let t = &r.trace;
        assert_eq!(t.sessions(), vec![1], "{control}");
        assert_eq!(warned(&r), [JOINED]);
        let said = said(&r);
        assert_eq!(
            said.first().map(String::as_str),
            Some(if server_first {
                "S 230 Login successful."
            } else {
                "C TYPE I"
            })
        );
        assert_eq!(said.last().map(String::as_str), Some("S 221 bye"));
        // The side sending commands is the client: every command is from
        // 10.0.0.2's side, and the data dial follows its 227.
        assert!(t.events.iter().all(|e| match e.kind {
            Kind::Command { .. } => e.from == Side::Client,
            Kind::Reply { .. } => e.from == Side::Server,
            _ => true,
        }));
        assert_eq!(
            connects(&t.events),
            vec![(
                1,
                Side::Client,
                addr("10.0.0.2:40000"),
                addr("10.0.0.3:50000"),
                Some(Via::Pasv)
            )]
        );
        assert_eq!(t.data_bytes(1, 1), 2 * 1448);
    }
}

/// Lines exchanged on a connection from 10.0.0.2 to `server` without its
/// handshake (the capture joined it late).
fn mid_flow(server: &str, lines: &[(bool, &str)]) -> Replay {
    let mut s = Script::new();
    let mut c = Tcp::new(addr("10.0.0.2:41000"), addr(server), 100, 900);
    s.say(&mut c, lines);
    s.close(&mut c);
    s.replay()
}

#[test]
fn other_protocols_joined_mid_way_are_not_ftp() {
    let cases: [(&str, &[(bool, &str)]); 6] = [
        // SMTP caught at its banner: 220 then EHLO.
        (
            "10.0.0.3:21",
            &[(S, "220 mail.example ESMTP"), (C, "EHLO me"), (S, "250 ok")],
        ),
        // SMTP caught later: three-digit replies, but MAIL is not FTP.
        (
            "10.0.0.3:25",
            &[(S, "250 ok"), (C, "MAIL FROM:<a@b>"), (S, "250 ok")],
        ),
        // SMTP saying only words FTP shares with it: proves nothing.
        (
            "10.0.0.3:21",
            &[(C, "NOOP"), (S, "250 ok"), (C, "QUIT"), (S, "221 bye")],
        ),
        // HTTP, either side first.
        (
            "10.0.0.3:21",
            &[(C, "GET / HTTP/1.1"), (S, "HTTP/1.1 200 OK")],
        ),
        (
            "10.0.0.3:80",
            &[(S, "HTTP/1.1 200 OK"), (C, "GET /next HTTP/1.1")],
        ),
        // POP3: USER and PASS, but its replies are not three digits.
        (
            "10.0.0.3:110",
            &[(C, "USER demo"), (S, "+OK"), (C, "PASS demo"), (S, "+OK")],
        ),
    ];
    for (i, (server, lines)) in cases.into_iter().enumerate() {
        let r = mid_flow(server, lines);
        assert!(r.trace.events.is_empty(), "{lines:?}: {:?}", said(&r));
        // Port 21 with only shared words is not shown, but said.
        let unproven = [
            "10.0.0.2:41000 → 10.0.0.3:21 (port 21) said only \"NOOP\", 250, \"QUIT\", 221: \
             words other protocols share, and nothing else in the capture shows FTP there; \
             not shown",
        ];
        let expected: &[&str] = if i == 2 { &unproven } else { &[] };
        assert_eq!(warned(&r), expected, "{lines:?}");
    }
    // The same shape with an FTP-only command is FTP (the cases above fail
    // for their words, not for the shape).
    let r = mid_flow(
        "10.0.0.3:21",
        &[(C, "NOOP"), (S, "200 ok"), (C, "CWD /pub"), (S, "250 ok")],
    );
    assert_eq!(r.trace.sessions(), vec![1]);
    assert_eq!(warned(&r), [JOINED]);
    assert_eq!(said(&r), ["C NOOP", "S 200 ok", "C CWD /pub", "S 250 ok"]);
}

/// The records of a little-endian legacy pcap that `keep` accepts, given
/// each record's index and frame bytes.
fn filtered(path: &Path, keep: impl Fn(usize, &[u8]) -> bool) -> Vec<u8> {
    let file = std::fs::read(path).expect("sample reads");
    assert_eq!(
        file.get(..4),
        Some(&[0xd4, 0xc3, 0xb2, 0xa1][..]),
        "pcap LE"
    );
    let mut out = file[..24].to_vec();
    let mut at = 24;
    let mut i = 0;
    while at + 16 <= file.len() {
        let len = u32::from_le_bytes(file[at + 8..at + 12].try_into().unwrap()) as usize;
        let end = at + 16 + len;
        if keep(i, &file[at + 16..end]) {
            out.extend_from_slice(&file[at..end]);
        }
        at = end;
        i += 1;
    }
    out
}

/// TCP ports and flags of an Ethernet + IPv4 frame.
fn tcp_of(frame: &[u8]) -> (u16, u16, u8) {
    let ip = &frame[14..];
    let tcp = &ip[usize::from(ip[0] & 0x0f) * 4..];
    let port = |i: usize| u16::from_be_bytes([tcp[i], tcp[i + 1]]);
    (port(0), port(2), tcp[13])
}

#[test]
fn a_real_capture_cut_at_the_front_is_joined_mid_way() {
    let Some(a) = common::capture("a_pasv_curl_vsftpd.pcap") else {
        return;
    };
    // Frames 1-9 are the handshake, banner, USER and PASS: the cut leaves
    // the 230 first (server speaks) or, one more, PWD first (client speaks).
    for (cut, first) in [(9, "S 230 Login successful."), (10, "C PWD")] {
        let r = replay(filtered(&a, |i, _| i >= cut));
        let t = &r.trace;
        assert_eq!(t.sessions(), vec![1]);
        assert_eq!(warned(&r), [JOINED]);
        let said = said(&r);
        assert_eq!(said.first().map(String::as_str), Some(first));
        assert_eq!(said.last().map(String::as_str), Some("S 221 Goodbye."));
        let data: Vec<_> = connects(&t.events)
            .into_iter()
            .map(|(conn, from, _, dst, via)| (conn, from, dst.port(), via))
            .collect();
        assert_eq!(
            data,
            [
                (1, Side::Client, 40037, Some(Via::Pasv)),
                (2, Side::Client, 40049, Some(Via::Pasv))
            ]
        );
        assert_eq!((t.data_bytes(1, 1), t.data_bytes(1, 2)), (538, 78));
    }
}

#[test]
fn a_real_capture_that_lost_its_data_syns_still_links_them() {
    let Some(a) = common::capture("a_pasv_curl_vsftpd.pcap") else {
        return;
    };
    // Drop the SYN and SYN-ACK of both data connections (frames 15-16 and
    // 31-32); the control connection's handshake stays.
    let r = replay(filtered(&a, |_, f| {
        let (src, dst, flags) = tcp_of(f);
        flags & 0x02 == 0 || src == 21 || dst == 21
    }));
    let t = &r.trace;
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let data: Vec<_> = connects(&t.events)
        .into_iter()
        .filter(|c| c.0 > 0)
        .map(|(conn, from, _, dst, via)| (conn, from, dst.port(), via))
        .collect();
    assert_eq!(
        data,
        [
            (1, Side::Client, 40037, Some(Via::Pasv)),
            (2, Side::Client, 40049, Some(Via::Pasv))
        ]
    );
    for conn in [1, 2] {
        let note = connect_note(&t.events, conn);
        assert!(note.starts_with("SYN not captured"), "{note}");
    }
    assert_eq!((t.data_bytes(1, 1), t.data_bytes(1, 2)), (538, 78));
}
