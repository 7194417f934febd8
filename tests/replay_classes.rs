//! The classes of capture that issue 17 found wrong, each built here as a
//! realistic capture of its own (no shared capture has the trait): a
//! transfer command that outlived its turn, encrypted sessions side by
//! side, the server's last words after a reset, a reply repaired late, a
//! banner after the first command or cut at its start, a session that is
//! only a QUIT and a reset, a bounce PORT.

#[path = "support/pcapgen.rs"]
mod pcapgen;
#[path = "support/script.rs"]
mod script;

mod common;

use ftpviz::replay::{read, Replay};
use ftpviz::trace::{Event, Kind};
use pcapgen::*;
use script::*;
use std::io::Cursor;

fn replay(s: Script) -> Replay {
    read(Cursor::new(s.into_bytes()), None, |_| {}).expect("capture reads")
}

fn warned(r: &Replay) -> Vec<&str> {
    r.warnings.iter().map(|w| w.message.as_str()).collect()
}

fn note(e: &Event) -> &str {
    e.note.as_deref().unwrap_or("")
}

/// The `connect` of data connection `conn` of `session`.
fn dial(r: &Replay, session: u32, conn: u32) -> &Event {
    r.trace
        .connection(session, conn)
        .find(|e| matches!(e.kind, Kind::Connect { .. }))
        .unwrap_or_else(|| panic!("no dial {session}/{conn}: {:#?}", r.trace.events))
}

/// The reply event whose text starts with `text`.
fn reply<'a>(r: &'a Replay, text: &str) -> &'a Event {
    r.trace
        .events
        .iter()
        .find(|e| matches!(&e.kind, Kind::Reply { text: t, .. } if t.starts_with(text)))
        .unwrap_or_else(|| panic!("no reply {text}: {:?}", common::said(&r.trace.events)))
}

/// A capture whose client 10.0.0.2 has logged in to 10.0.0.3:21.
fn logged_in() -> (Script, Tcp) {
    let mut s = Script::new();
    let mut c = Tcp::new(addr("10.0.0.2:41000"), addr("10.0.0.3:21"), 100, 900);
    login(&mut s, &mut c);
    (s, c)
}

fn login(s: &mut Script, c: &mut Tcp) {
    s.handshake(c);
    s.say(
        c,
        &[
            (S, "220 ready"),
            (C, "USER demo"),
            (S, "331 password please"),
            (C, "PASS demo"),
            (S, "230 logged in"),
        ],
    );
}

#[test]
fn a_transfer_command_ends_with_its_turn() {
    // LIST gets 150 and 226 but its data connection is not in the capture;
    // then a new PASV, the client's dial, and STOR: the dial is STOR's.
    let (mut s, mut c) = logged_in();
    s.say(
        &mut c,
        &[
            (C, "PASV"),
            (S, "227 Entering Passive Mode (10,0,0,3,195,80)."),
            (C, "LIST"),
            (S, "150 Here comes the directory listing."),
            (S, "226 Directory send OK."),
            (C, "PASV"),
            (S, "227 Entering Passive Mode (10,0,0,3,195,81)."),
        ],
    );
    let mut d = Tcp::new(addr("10.0.0.2:40001"), addr("10.0.0.3:50001"), 5000, 7000);
    s.handshake(&mut d);
    s.say(&mut c, &[(C, "STOR up.bin"), (S, "150 Ok to send data.")]);
    s.transfer(&mut d, C, 2);
    s.say(&mut c, &[(S, "226 Transfer complete."), (C, "QUIT")]);
    s.close(&mut c);
    let r = replay(s);
    let n = note(dial(&r, 1, 1));
    assert!(n.ends_with("for the data of STOR up.bin"), "{n}");
    assert!(!n.contains("LIST"), "{n}");
}

/// A TLS record of `len` body bytes.
fn record(kind: u8, len: usize) -> Vec<u8> {
    let mut r = vec![kind, 3, 3];
    r.extend((len as u16).to_be_bytes());
    r.extend(std::iter::repeat_n(0xa5, len));
    r
}

#[test]
fn encrypted_sessions_side_by_side_attribute_dials_by_who_spoke_last() {
    // Two FTPS sessions from one client host to one server: after AUTH TLS
    // nothing can be read. Each data dial follows, by a millisecond, a TLS
    // record on one control connection, the other being silent.
    let mut s = Script::new();
    let server = addr("10.0.0.3:21");
    let mut one = Tcp::new(addr("10.0.0.2:41000"), server, 100, 900);
    let mut two = Tcp::new(addr("10.0.0.2:41001"), server, 3100, 3900);
    for c in [&mut one, &mut two] {
        s.handshake(c);
        s.say(c, &[(S, "220 ready"), (C, "AUTH TLS"), (S, "234 Proceed.")]);
        s.bytes(c, C, &record(22, 200));
        s.bytes(c, S, &record(22, 900));
    }
    // Session 2 asks (a record), then dials; then session 1; then 2 twice.
    let order = [2, 1, 2, 2];
    for (i, who) in order.iter().enumerate() {
        let c = if *who == 1 { &mut one } else { &mut two };
        s.bytes(c, C, &record(23, 40));
        s.bytes(c, S, &record(23, 60));
        let port = 50000 + i as u16;
        let src = addr(&format!("10.0.0.2:{}", 42000 + i));
        let mut d = Tcp::new(
            src,
            std::net::SocketAddr::new(server.ip(), port),
            9000,
            9900,
        );
        s.handshake(&mut d);
        s.bytes(&mut d, S, &record(23, 1000));
        let t = s.step();
        d.close(&mut s.w, t, false).unwrap();
    }
    s.close(&mut one);
    s.close(&mut two);
    let r = replay(s);
    assert_eq!(r.trace.sessions(), vec![1, 2]);
    // Data connections per session: 1 for session 1, 3 for session 2.
    let dials = |n: u32| {
        r.trace
            .events
            .iter()
            .filter(|e| e.session == n && e.conn > 0 && matches!(e.kind, Kind::Connect { .. }))
            .count()
    };
    assert_eq!((dials(1), dials(2)), (1, 3), "{:#?}", r.trace.events);
    let n = note(dial(&r, 2, 1));
    assert!(n.contains("inferred from what was seen"), "{n}");
    assert!(n.contains("10.0.0.2:41001 → 10.0.0.3:21 spoke last"), "{n}");
    assert!(n.contains("TLS bytes from the server"), "{n}");
}

#[test]
fn the_servers_last_words_after_a_reset_stay_in_their_session() {
    // Four clients each send USER and reset at once; the server's "500
    // OOPS" was already on its way and is captured after the RST.
    let mut s = Script::new();
    for i in 0..4u16 {
        let mut c = Tcp::new(
            addr(&format!("10.0.0.2:{}", 41000 + i)),
            addr("10.0.0.3:21"),
            100,
            900,
        );
        s.handshake(&mut c);
        s.say(&mut c, &[(S, "220 ready"), (C, "USER ftp")]);
        s.rst(&c, C);
        s.say(
            &mut c,
            &[(S, "500 OOPS: vsftpd: refusing to run with writable root")],
        );
    }
    let r = replay(s);
    assert_eq!(r.trace.sessions(), vec![1, 2, 3, 4], "no phantom session");
    assert!(r.warnings.is_empty(), "{:?}", warned(&r));
    for n in 1..=4 {
        let last = r.trace.connection(n, 0).last().unwrap();
        assert!(
            matches!(last.kind, Kind::Reply { code: 500, .. }),
            "{last:?}"
        );
        assert!(
            note(last).contains("captured after the connection's reset (RST)"),
            "{last:?}"
        );
    }
}

#[test]
fn a_reply_sent_again_is_shown_in_tcp_order_and_the_repair_said() {
    let (mut s, mut c) = logged_in();
    s.say(
        &mut c,
        &[
            (C, "PASV"),
            (S, "227 Entering Passive Mode (10,0,0,3,195,80)."),
            (C, "RETR a.bin"),
        ],
    );
    let mut d = Tcp::new(addr("10.0.0.2:40000"), addr("10.0.0.3:50000"), 5000, 7000);
    s.handshake(&mut d);
    let lost = "150 Opening BINARY mode data connection.";
    let seq = s.lose(&mut c, S, lost);
    s.transfer(&mut d, S, 2);
    s.say(&mut c, &[(S, "226 Transfer complete.")]);
    s.resend(&c, S, seq, lost);
    s.say(&mut c, &[(C, "QUIT"), (S, "221 bye")]);
    s.close(&mut c);
    let r = replay(s);
    let said = common::said(&r.trace.events);
    let at = |l: &str| said.iter().position(|x| x == l).unwrap_or(usize::MAX);
    assert!(
        at(&format!("S {lost}")) < at("S 226 Transfer complete."),
        "{said:?}"
    );
    let first = reply(&r, "150");
    assert!(note(first).starts_with("out of order"), "{first:?}");
    assert!(first.t <= reply(&r, "226").t);
}

#[test]
fn a_banner_after_the_first_command_is_no_missing_banner() {
    let mut s = Script::new();
    let mut c = Tcp::new(addr("10.0.0.2:41000"), addr("10.0.0.3:21"), 100, 900);
    s.handshake(&mut c);
    s.say(
        &mut c,
        &[
            (C, "USER demo"),
            (S, "220 Microsoft FTP Service"),
            (S, "331 Password required"),
            (C, "PASS demo"),
            (S, "230 logged in"),
            (C, "QUIT"),
            (S, "221 bye"),
        ],
    );
    s.close(&mut c);
    let r = replay(s);
    assert_eq!(r.trace.sessions(), vec![1]);
    assert!(r.warnings.is_empty(), "{:?}", warned(&r));
    let banner = reply(&r, "220 Microsoft");
    assert!(
        note(banner).contains("after the client's first 1 command(s)"),
        "{banner:?}"
    );
}

#[test]
fn a_banner_whose_first_lines_were_lost_says_so() {
    // The capture starts inside a three-line banner: its last two lines.
    let mut s = Script::new();
    let mut c = Tcp::new(addr("10.0.0.2:41000"), addr("10.0.0.3:21"), 100, 900);
    s.say(
        &mut c,
        &[
            (S, " Local time is 10:00."),
            (S, "220 ready"),
            (C, "USER demo"),
            (S, "331 password please"),
            (C, "PASS demo"),
            (S, "230 logged in"),
        ],
    );
    s.close(&mut c);
    let r = replay(s);
    assert_eq!(
        warned(&r),
        [
            "session 1 joined mid-way, inside its banner: the 220's last 2 line(s) were \
          captured, its first line was not"
        ]
    );
}

fn quit_and_reset(s: &mut Script, client: &str) {
    let mut c = Tcp::new(addr(client), addr("10.0.0.3:21"), 100, 900);
    s.say(&mut c, &[(C, "QUIT")]);
    s.rst(&c, S);
}

#[test]
fn a_session_that_is_only_a_quit_and_a_reset_is_shown_or_said() {
    // Alone: too little to prove FTP, and said so.
    let mut s = Script::new();
    quit_and_reset(&mut s, "10.0.0.2:41000");
    let r = replay(s);
    assert!(r.trace.is_empty());
    assert_eq!(
        warned(&r),
        [
            "10.0.0.2:41000 → 10.0.0.3:21 (port 21) said only \"QUIT\" and a reset: words \
          other protocols share, and nothing else in the capture shows FTP there; not shown"
        ]
    );
    // Where the server speaks FTP in another session, it is shown.
    let mut s = Script::new();
    quit_and_reset(&mut s, "10.0.0.2:41000");
    let mut c = Tcp::new(addr("10.0.0.2:41001"), addr("10.0.0.3:21"), 100, 900);
    login(&mut s, &mut c);
    s.close(&mut c);
    let r = replay(s);
    assert_eq!(r.trace.sessions(), vec![1, 2]);
    let first = r.trace.connection(1, 0).next().unwrap();
    assert!(
        matches!(&first.kind, Kind::Command { verb, .. } if verb == "QUIT"),
        "{first:?}"
    );
    assert!(note(first).contains("too little was said here to prove FTP"));
    let last = r.trace.connection(1, 0).last().unwrap();
    assert_eq!(last.kind, Kind::Close);
}

#[test]
fn a_bounce_port_is_named_and_so_is_the_answer() {
    let mut s = Script::new();
    let mut c = Tcp::new(addr("198.51.100.2:41000"), addr("203.0.113.3:21"), 100, 900);
    login(&mut s, &mut c);
    s.say(
        &mut c,
        &[
            (C, "PORT 192,0,2,25,0,25"),
            (S, "500 Illegal PORT command."),
            (C, "PORT 198,51,100,2,195,80"),
            (S, "200 PORT command successful."),
            (C, "QUIT"),
        ],
    );
    s.close(&mut c);
    let r = replay(s);
    let cmd = |text: &str| {
        r.trace
            .events
            .iter()
            .find(|e| matches!(&e.kind, Kind::Command { text: t, .. } if t == text))
            .unwrap()
    };
    let bounce = note(cmd("PORT 192,0,2,25,0,25"));
    assert!(
        bounce.contains("192.0.2.25:25, a third host") && bounce.contains("FTP bounce"),
        "{bounce}"
    );
    assert!(note(reply(&r, "500")).contains("refused the bounce (500)"));
    assert_eq!(note(cmd("PORT 198,51,100,2,195,80")), "");
    assert!(!note(reply(&r, "200 PORT")).contains("bounce"));
}

/// A standard little-endian pcap rewritten as an older variant: `magic`,
/// version 2.`minor`, link type `network`, `extra` bytes after each
/// 16-byte record header, and timestamps in ns when `nanos` (AIX).
fn as_variant(
    pcap: &[u8],
    magic: u32,
    minor: u16,
    network: u32,
    extra: &[u8],
    nanos: bool,
) -> Vec<u8> {
    let mut out = magic.to_le_bytes().to_vec();
    out.extend(2u16.to_le_bytes());
    out.extend(minor.to_le_bytes());
    out.extend(&pcap[8..20]);
    out.extend(network.to_le_bytes());
    let mut at = 24;
    while at + 16 <= pcap.len() {
        let w = |i: usize| u32::from_le_bytes(pcap[at + i..at + i + 4].try_into().unwrap());
        let (sec, usec, incl, orig) = (w(0), w(4), w(8), w(12));
        for x in [sec, if nanos { usec * 1000 } else { usec }, incl, orig] {
            out.extend(x.to_le_bytes());
        }
        out.extend(extra);
        out.extend(&pcap[at + 16..at + 16 + incl as usize]);
        at += 16 + incl as usize;
    }
    out
}

#[test]
fn the_older_pcap_variants_read_as_tshark_reads_them() {
    let mut s = Script {
        w: CaptureWriter::new(Vec::new(), PCAP, Link::Ethernet(&[])).unwrap(),
        t: T0,
    };
    let mut c = Tcp::new(addr("10.0.0.2:41000"), addr("10.0.0.3:21"), 100, 900);
    login(&mut s, &mut c);
    s.say(&mut c, &[(C, "QUIT"), (S, "221 bye")]);
    s.close(&mut c);
    let plain = s.into_bytes();
    let want = read(Cursor::new(plain.clone()), None, |_| {}).unwrap();
    assert_eq!(want.trace.sessions(), vec![1]);
    let ss = [2, 0, 0, 0, 0x00, 0x08, 0, 0];
    let ss990915 = [2, 0, 0, 0, 0x00, 0x08, 0, 0, 0, 0, 0, 0];
    let nokia = 0x9fbf_b601u32.to_le_bytes();
    let cases: [(&str, Vec<u8>); 5] = [
        (
            "SS990417",
            as_variant(&plain, 0xa1b2_c3d4, 4, 1, &ss, false),
        ),
        (
            "SS991029",
            as_variant(&plain, 0xa1b2_cd34, 4, 1, &ss, false),
        ),
        (
            "SS990915",
            as_variant(&plain, 0xa1b2_cd34, 4, 1, &ss990915, false),
        ),
        (
            "Nokia",
            as_variant(&plain, 0xa1b2_c3d4, 4, 1, &nokia, false),
        ),
        ("AIX", as_variant(&plain, 0xa1b2_c3d4, 2, 6, &[], true)),
    ];
    let tshark = common::peer("tshark");
    let dir = common::temp_dir("variants");
    for (name, bytes) in cases {
        let r = read(Cursor::new(bytes.clone()), None, |_| {}).unwrap();
        assert_eq!(r.trace.events, want.trace.events, "{name}");
        assert_eq!(r.packets, want.packets, "{name}");
        assert_eq!(r.warnings.len(), 1, "{name}: {:?}", warned(&r));
        assert!(r.warnings[0].message.contains(name), "{:?}", warned(&r));
        if let Some(tshark) = &tshark {
            let path = dir.join(format!("{name}.pcap"));
            std::fs::write(&path, &bytes).unwrap();
            let out = std::process::Command::new(tshark)
                .args([
                    "-r",
                    path.to_str().unwrap(),
                    "-Y",
                    "ftp",
                    "-T",
                    "fields",
                    "-e",
                    "frame.number",
                ])
                .output()
                .unwrap();
            let lines = String::from_utf8_lossy(&out.stdout).lines().count();
            let ours = common::said(&r.trace.events).len();
            assert_eq!(lines, ours, "{name}: tshark reads the same FTP lines");
        }
    }
}
