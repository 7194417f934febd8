//! What captures of real traffic hold and the lab never makes: lost
//! segments, transfers past 4 GiB taken with a snap length, encrypted
//! control channels, over-long lines, junk, hosts that do not match, bytes
//! that arrive before the reply that ends them. Each capture is built the
//! way the traffic looks on a real link (the shapes come from the public
//! captures and the issue that found them), and replay must show every
//! captured line and say what it could not.

#[path = "support/pcapgen.rs"]
mod pcapgen;

mod common;

use ftpviz::replay::{read, Replay};
use ftpviz::trace::{Event, Kind, Side, Via};
use pcapgen::*;
use std::io::Cursor;

const T0: u64 = 1_700_000_000_000_000_000;
const MS: u64 = 1_000_000;
const PCAP: Format = Format::Pcap {
    nanos: true,
    big_endian: false,
};

fn replay(bytes: Vec<u8>) -> Replay {
    read(Cursor::new(bytes), None, |_| {}).expect("capture reads")
}

fn said(r: &Replay) -> Vec<String> {
    common::said(&r.trace.events)
}

fn warned(r: &Replay) -> Vec<&str> {
    r.warnings.iter().map(|w| w.message.as_str()).collect()
}

fn note(e: &Event) -> &str {
    e.note.as_deref().unwrap_or("")
}

/// The first event whose kind `pred` accepts.
fn find(r: &Replay, pred: impl Fn(&Kind) -> bool) -> &Event {
    r.trace
        .events
        .iter()
        .find(|e| pred(&e.kind))
        .unwrap_or_else(|| panic!("no such event in {:#?}", r.trace.events))
}

/// A capture written segment by segment, 1 ms apart.
struct Script {
    w: CaptureWriter<Vec<u8>>,
    t: u64,
}

impl Script {
    fn new() -> Script {
        Script::on(Link::Ethernet(&[]))
    }

    fn on(link: Link) -> Script {
        Script {
            w: CaptureWriter::new(Vec::new(), PCAP, link).unwrap(),
            t: T0,
        }
    }

    fn step(&mut self) -> u64 {
        self.t += MS;
        self.t
    }

    fn handshake(&mut self, c: &mut Tcp) {
        let t = self.step();
        c.handshake(&mut self.w, t).unwrap();
    }

    fn send(&mut self, c: &mut Tcp, from_a: bool, bytes: &[u8]) {
        let t = self.step();
        c.send(&mut self.w, t, from_a, bytes).unwrap();
    }

    fn lines(&mut self, c: &mut Tcp, lines: &[(bool, &str)]) {
        for (from_a, line) in lines {
            self.send(c, *from_a, format!("{line}\r\n").as_bytes());
        }
    }

    fn close(&mut self, c: &mut Tcp, from_a: bool) {
        let t = self.step();
        c.close(&mut self.w, t, from_a).unwrap();
    }

    fn replay(self) -> Replay {
        replay(self.w.into_inner())
    }
}

const C: bool = true;
const S: bool = false;

fn control() -> Tcp {
    Tcp::new(addr("10.0.0.2:41000"), addr("10.0.0.3:21"), 100, 900)
}

/// A control connection `c` dialled, greeted and logged in, then `lines`.
fn logged_in(mut c: Tcp, lines: &[(bool, &str)]) -> (Script, Tcp) {
    let mut s = Script::new();
    s.handshake(&mut c);
    s.lines(&mut c, &[(S, "220 ready"), (C, "USER demo"), (S, "230 ok")]);
    s.lines(&mut c, lines);
    (s, c)
}

/// The control stream of a passive download, one segment per entry: a
/// two-line banner in one segment, a multi-line FEAT across three, two
/// commands in one, a command split across two.
const SEGMENTS: &[(bool, &str)] = &[
    (S, "220-Welcome\r\n220 ready\r\n"),
    (C, "USER demo\r\n"),
    (S, "331 pw\r\n"),
    (C, "PASS x\r\n"),
    (S, "230 ok\r\n"),
    (C, "FEAT\r\n"),
    (S, "211-Features:\r\n"),
    (S, " EPSV\r\n MDTM\r\n"),
    (S, "211 End\r\n"),
    (C, "TYPE I\r\nEPSV\r\n"),
    (S, "200 binary\r\n"),
    (S, "229 Entering Extended Passive Mode (|||50000|)\r\n"),
    (C, "RETR bi"),
    (C, "g.bin\r\n"),
    (S, "150 here\r\n"),
    (S, "226 done\r\n"),
    (C, "QUIT\r\n"),
    (S, "221 bye\r\n"),
];

/// What the trace shows for each whole unit of SEGMENTS (a line, or a
/// reply or command spread over several segments), and the segments it
/// is made of.
const UNITS: &[(&[usize], &[&str])] = &[
    (&[0], &["S 220-Welcome\n220 ready"]),
    (&[1], &["C USER demo"]),
    (&[2], &["S 331 pw"]),
    (&[3], &["C PASS x"]),
    (&[4], &["S 230 ok"]),
    (&[5], &["C FEAT"]),
    (&[6, 7, 8], &["S 211-Features:\n EPSV\n MDTM\n211 End"]),
    (&[9], &["C TYPE I", "C EPSV"]),
    (&[10], &["S 200 binary"]),
    (&[11], &["S 229 Entering Extended Passive Mode (|||50000|)"]),
    (&[12, 13], &["C RETR big.bin"]),
    (&[14], &["S 150 here"]),
    (&[15], &["S 226 done"]),
    (&[16], &["C QUIT"]),
    (&[17], &["S 221 bye"]),
];

/// The session of SEGMENTS with segment `lost` missing from the capture
/// (`None`: all there), the data connection after the 229.
fn lossy(lost: Option<usize>) -> Replay {
    let mut s = Script::new();
    let mut c = control();
    s.handshake(&mut c);
    for (i, (from_client, bytes)) in SEGMENTS.iter().enumerate() {
        if Some(i) == lost {
            // Sent, never captured.
            let n = bytes.len() as u32;
            if *from_client {
                c.seq_a = c.seq_a.wrapping_add(n);
            } else {
                c.seq_b = c.seq_b.wrapping_add(n);
            }
            s.step();
        } else {
            s.send(&mut c, *from_client, bytes.as_bytes());
        }
        if i == 11 {
            let mut d = Tcp::new(addr("10.0.0.2:42000"), addr("10.0.0.3:50000"), 7, 70);
            s.handshake(&mut d);
            s.send(&mut d, false, &[1; 1000]);
            s.close(&mut d, false);
        }
    }
    s.close(&mut c, true);
    s.replay()
}

/// Whether `want` appears in `got` in order (other lines may be between).
fn in_order(got: &[String], want: &[&str]) -> bool {
    let mut it = got.iter();
    want.iter().all(|w| it.any(|g| g == w))
}

#[test]
fn a_lost_segment_at_every_position_of_a_control_stream() {
    let whole = lossy(None);
    let all: Vec<&str> = UNITS.iter().flat_map(|(_, l)| l.iter().copied()).collect();
    assert_eq!(said(&whole), all, "nothing lost, everything said");
    assert!(whole.warnings.is_empty(), "{:?}", warned(&whole));

    for lost in 0..SEGMENTS.len() {
        let r = lossy(Some(lost));
        let got = said(&r);
        let what = format!("segment {lost} ({:?}) lost", SEGMENTS[lost].1);
        assert_eq!(r.trace.sessions(), vec![1], "{what}: the session is found");
        // Every unit the lost segment is not part of is shown whole, in
        // order: the line after the hole survives.
        let kept: Vec<&str> = UNITS
            .iter()
            .filter(|(segs, _)| !segs.contains(&lost))
            .flat_map(|(_, l)| l.iter().copied())
            .collect();
        assert!(
            in_order(&got, &kept),
            "{what}:\n got {got:#?}\nwant {kept:#?}"
        );
        // The hole is said: in the warnings, and on the next event of the
        // side that lost it (when that side speaks again).
        let side = if SEGMENTS[lost].0 {
            Side::Client
        } else {
            Side::Server
        };
        let bytes = SEGMENTS[lost].1.len();
        let later = SEGMENTS[lost + 1..]
            .iter()
            .any(|(c, _)| *c == SEGMENTS[lost].0);
        if later {
            let hole = format!("{bytes} byte(s) from the {side} were never captured");
            assert!(
                r.trace.connection(1, 0).any(|e| note(e).contains(&hole)),
                "{what}: no note says {hole:?}: {:#?}",
                r.trace.events
            );
            assert!(
                warned(&r)
                    .iter()
                    .any(|w| w.contains(&format!("{bytes} bytes were never captured"))),
                "{what}: {:?}",
                warned(&r)
            );
        }
        // The data connection is linked, unless its 229 was lost: then it
        // is shown unlinked, and the note says why that may be.
        let Some(dial) = r
            .trace
            .events
            .iter()
            .find(|e| matches!(e.kind, Kind::Connect { dst, .. } if dst.port() == 50000))
        else {
            panic!("{what}: no data dial: {:#?}", r.trace.events);
        };
        if lost == 11 {
            assert!(note(dial).starts_with("unlinked:"), "{}", note(dial));
            assert!(
                note(dial).contains("the announcement may have been among the bytes it lost"),
                "{}",
                note(dial)
            );
        } else {
            let Kind::Connect { via, .. } = dial.kind else {
                unreachable!()
            };
            assert_eq!(via, Some(Via::Epsv), "{what}");
        }
        assert_eq!(r.trace.data_bytes(1, 1), 1000, "{what}");
    }
}

#[test]
fn a_line_cut_by_a_hole_is_shown_cut_and_its_tail_noted() {
    // The end of `RETR bi|g.bin` lost: the start is shown, marked cut.
    let r = lossy(Some(13));
    let cut = find(
        &r,
        |k| matches!(k, Kind::Command { text, .. } if text == "RETR bi"),
    );
    assert!(
        note(cut).contains("cut: the rest of this line fell in a hole"),
        "{}",
        note(cut)
    );
    // Its start lost: the end is quoted on the next command.
    let r = lossy(Some(12));
    let quit = find(
        &r,
        |k| matches!(k, Kind::Command { verb, .. } if verb == "QUIT"),
    );
    assert!(
        note(quit).contains("its captured end: \"…g.bin\""),
        "{}",
        note(quit)
    );
    // The middle of a multi-line reply lost: its end still closes it.
    let r = lossy(Some(7));
    let feat = find(&r, |k| matches!(k, Kind::Reply { code: 211, .. }));
    assert_eq!(
        feat.kind,
        Kind::Reply {
            code: 211,
            text: "211-Features:\n211 End".into()
        }
    );
    assert!(note(feat).contains("after a hole"), "{}", note(feat));
    // Its end lost: the next reply is not swallowed by it.
    let r = lossy(Some(8));
    let feat = find(&r, |k| matches!(k, Kind::Reply { code: 211, .. }));
    assert!(
        note(feat).contains("cut: the rest of this reply fell in the hole"),
        "{}",
        note(feat)
    );
}

/// A passive download of `size` bytes in 64 KiB segments at 1 GB/s, taken
/// with a snap length that keeps only headers (as on a busy link); the
/// capture misses the segments whose index is in `dropped`.
fn big_retr(size: u64, dropped: std::ops::Range<u64>) -> Replay {
    const SEG: u64 = 65_495;
    let mut s = Script::on(Link::Raw);
    let mut c = control();
    s.handshake(&mut c);
    s.lines(
        &mut c,
        &[
            (S, "220 ready"),
            (C, "USER demo"),
            (S, "230 ok"),
            (C, "PASV"),
            (S, "227 Entering Passive Mode (10,0,0,3,195,80)."),
            (C, "RETR huge.iso"),
            (
                S,
                "150 Opening BINARY mode data connection for huge.iso (5400000000 bytes).",
            ),
        ],
    );
    let (cl, sv) = (addr("10.0.0.2:42000"), addr("10.0.0.3:50000"));
    let mut d = Tcp::new(cl, sv, 7, 4_000_000_000);
    s.handshake(&mut d);
    let t0 = s.t;
    let segments = size.div_ceil(SEG);
    for i in 0..segments {
        let len = SEG.min(size - i * SEG) as u16;
        let ns = t0 + i * SEG; // 1 byte per ns
        if !dropped.contains(&i) {
            s.w.tcp_snapped(ns, sv, cl, d.seq_b, d.seq_a, len).unwrap();
        }
        d.seq_b = d.seq_b.wrapping_add(u32::from(len));
    }
    s.t = t0 + size;
    s.close(&mut d, false);
    s.lines(
        &mut c,
        &[(S, "226 Transfer complete."), (C, "QUIT"), (S, "221 bye")],
    );
    s.close(&mut c, true);
    s.replay()
}

#[test]
fn a_5_4_gb_transfer_runs_past_the_sequence_wrap() {
    const SIZE: u64 = 5_400_000_000;
    let r = big_retr(SIZE, 0..0);
    assert!(r.warnings.is_empty(), "{:?}", warned(&r));
    assert_eq!(r.trace.data_bytes(1, 1), SIZE);

    // The capture drops 4.5 GB of it (over 2^32 bytes, 4.5 s): the hole
    // is measured by the time it took, not modulo 2^32.
    let (first, n) = (10_000, 68_700); // segments
    let r = big_retr(SIZE, first..first + n);
    let hole = n * 65_495;
    assert!(hole > 1 << 32);
    assert_eq!(r.trace.data_bytes(1, 1), SIZE - hole);
    assert_eq!(
        warned(&r),
        [format!(
            "session 1, data connection 1: {hole} bytes were never captured (a hole, left empty)"
        )]
    );
    // Just short of a lap: the segments after it are not old ones again.
    let n = (1u64 << 32) / 65_495 - 1;
    let r = big_retr(SIZE, first..first + n);
    assert_eq!(r.trace.data_bytes(1, 1), SIZE - n * 65_495);
}

#[test]
fn auth_tls_that_holds_hides_the_rest_and_says_so() {
    let mut s = Script::new();
    let mut c = control();
    s.handshake(&mut c);
    s.lines(
        &mut c,
        &[
            (S, "220 ready"),
            (C, "AUTH TLS"),
            (S, "234 Proceed with negotiation."),
        ],
    );
    let record = |t: u8, n: usize| {
        let mut r = vec![t, 3, 3];
        r.extend((n as u16).to_be_bytes());
        r.extend(std::iter::repeat_n(0x42, n));
        r
    };
    s.send(&mut c, C, &record(22, 300)); // ClientHello
    s.send(
        &mut c,
        S,
        &[record(22, 1200), record(20, 1), record(22, 40)].concat(),
    );
    s.send(&mut c, C, &[record(20, 1), record(22, 40)].concat());
    for _ in 0..3 {
        s.send(&mut c, C, &record(23, 30)); // PASV, RETR... unreadable
        s.send(&mut c, S, &record(23, 60));
    }
    // A data connection nobody could see announced.
    let mut d = Tcp::new(addr("10.0.0.2:42000"), addr("10.0.0.3:50001"), 7, 70);
    s.handshake(&mut d);
    s.send(
        &mut d,
        false,
        &[23, 3, 3, 0, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    s.close(&mut d, false);
    s.send(&mut c, S, &record(23, 60));
    s.close(&mut c, true);
    let r = s.replay();
    assert_eq!(
        said(&r),
        [
            "S 220 ready",
            "C AUTH TLS",
            "S 234 Proceed with negotiation."
        ]
    );
    let tls: Vec<(Side, u64, &str)> = r
        .trace
        .connection(1, 0)
        .filter_map(|e| match e.kind {
            Kind::Data { bytes } => Some((e.from, bytes, note(e))),
            _ => None,
        })
        .collect();
    assert_eq!(tls.len(), 2, "{tls:?}");
    assert_eq!((tls[0].0, tls[0].1), (Side::Client, 305 + 6 + 45 + 3 * 35));
    assert_eq!((tls[1].0, tls[1].1), (Side::Server, 1205 + 6 + 45 + 4 * 65));
    for (_, _, n) in &tls {
        assert!(
            n.contains("cannot be read") && n.contains("FTP helper"),
            "{n}"
        );
    }
    let dial = find(
        &r,
        |k| matches!(k, Kind::Connect { dst, .. } if dst.port() == 50001),
    );
    assert!(note(dial).contains("encrypted (TLS)"), "{}", note(dial));
}

#[test]
fn over_long_lines_are_shown_cut_with_their_length() {
    // A 227 whose text runs to 112 721 characters (a fuzzing server), then
    // a normal reply: both shown, the long one cut for display.
    let (mut s, mut c) = logged_in(control(), &[(C, "PASV")]);
    let mut long = b"227 ".to_vec();
    long.extend(std::iter::repeat_n(b'A', 112_717));
    long.extend(b"\r\n");
    for chunk in long.chunks(1448) {
        s.send(&mut c, S, chunk);
    }
    s.lines(&mut c, &[(C, "NOOP"), (S, "200 ok")]);
    s.close(&mut c, true);
    let r = s.replay();
    let reply = find(&r, |k| matches!(k, Kind::Reply { code: 227, .. }));
    let Kind::Reply { text, .. } = &reply.kind else {
        unreachable!()
    };
    assert_eq!(text.len(), ftpviz::ftp::MAX_LINE);
    assert!(
        note(reply).contains("a line of 112721 bytes, shown cut to its first 4096"),
        "{}",
        note(reply)
    );
    assert_eq!(said(&r).last().map(String::as_str), Some("S 200 ok"));
}

#[test]
fn junk_before_a_reply_is_noted_and_the_reply_kept() {
    // An SSH banner and binary bytes, then `530` with no line break.
    let mut s = Script::new();
    let mut c = control();
    s.handshake(&mut c);
    let login = [
        (S, "220 ready"),
        (C, "USER root"),
        (S, "331 pw"),
        (C, "PASS toor"),
    ];
    s.lines(&mut c, &login);
    let mut junk = b"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n".to_vec();
    junk.extend([0, 0, 1, 0x14, 8, 0x14, 0xfe, 0x7f]);
    junk.extend(b"530 Login incorrect.\r\n");
    s.send(&mut c, S, &junk);
    s.lines(&mut c, &[(C, "QUIT"), (S, "221 bye")]);
    s.close(&mut c, true);
    let r = s.replay();
    assert_eq!(
        said(&r),
        [
            "S 220 ready",
            "C USER root",
            "S 331 pw",
            "C PASS toor",
            "S 530 Login incorrect.",
            "C QUIT",
            "S 221 bye"
        ]
    );
    let reply = find(&r, |k| matches!(k, Kind::Reply { code: 530, .. }));
    assert!(
        note(reply).starts_with("before this, not FTP: \"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3⏎")
            && note(reply).ends_with("(38 characters in 2 piece(s))"),
        "{}",
        note(reply)
    );
}

#[test]
fn a_data_connection_to_another_host_than_announced_says_so() {
    // The client (192.168.0.14) announces 192.168.0.13; the server dials
    // .14 on the announced port: linked by the port, with a note.
    let client = Tcp::new(addr("192.168.0.14:41000"), addr("192.168.0.75:21"), 1, 1);
    let (mut s, mut c) = logged_in(
        client,
        &[(C, "PORT 192,168,0,13,195,80"), (S, "200 ok"), (C, "LIST")],
    );
    let mut d = Tcp::new(addr("192.168.0.75:20"), addr("192.168.0.14:50000"), 5, 9);
    s.handshake(&mut d);
    s.send(&mut d, true, b"-rw-r--r-- 1 ftp ftp 0 a\r\n");
    s.close(&mut d, true);
    s.lines(&mut c, &[(S, "226 done")]);
    let r = s.replay();
    let dial = find(
        &r,
        |k| matches!(k, Kind::Connect { dst, .. } if dst.port() == 50000),
    );
    assert_eq!(dial.conn, 1);
    let Kind::Connect { via, .. } = dial.kind else {
        unreachable!()
    };
    assert_eq!(via, Some(Via::Port));
    assert!(
        note(dial).starts_with(
            "PORT announced 192.168.0.13:50000, the dial went to 192.168.0.14:50000: the announced and dialled hosts differ"
        ),
        "{}",
        note(dial)
    );
}

#[test]
fn data_captured_before_the_226_is_shown_before_it() {
    // The server sends the data, then 226 on the control connection, and
    // only later closes the data connection: the bytes came first.
    let (mut s, mut c) = logged_in(control(), &[(C, "EPSV"), (S, "229 ok (|||50000|)")]);
    let mut d = Tcp::new(addr("10.0.0.2:42000"), addr("10.0.0.3:50000"), 7, 70);
    s.handshake(&mut d);
    s.lines(&mut c, &[(C, "RETR a"), (S, "150 here")]);
    for _ in 0..5 {
        s.send(&mut d, false, &[9; 1448]);
    }
    s.lines(&mut c, &[(S, "226 done")]);
    s.t += 2_000 * MS; // the FIN comes two seconds later
    s.close(&mut d, false);
    let r = s.replay();
    let t226 = find(&r, |k| matches!(k, Kind::Reply { code: 226, .. })).t;
    let data: Vec<&Event> = r
        .trace
        .connection(1, 1)
        .filter(|e| matches!(e.kind, Kind::Data { .. }))
        .collect();
    assert_eq!(r.trace.data_bytes(1, 1), 5 * 1448);
    assert!(data.iter().all(|e| e.t < t226), "{data:#?} after {t226}");
    let order: Vec<&str> = r.trace.events.iter().map(|e| e.kind.name()).collect();
    let last_data = order.iter().rposition(|k| *k == "data").unwrap();
    let reply = r
        .trace
        .events
        .iter()
        .position(|e| matches!(e.kind, Kind::Reply { code: 226, .. }))
        .unwrap();
    assert!(last_data < reply, "{order:?}");
}

#[test]
fn a_nat_router_capturing_both_sides_shows_one_session() {
    // `tcpdump -i any` on a router that masquerades 192.168.1.10: every
    // packet is captured twice, inside and outside, the same sequence
    // numbers under other addresses.
    let inside = Tcp::new(
        addr("192.168.1.10:50000"),
        addr("203.0.113.5:21"),
        1000,
        9000,
    );
    let outside = Tcp::new(
        addr("198.51.100.7:40000"),
        addr("203.0.113.5:21"),
        1000,
        9000,
    );
    let mut s = Script::on(Link::Sll);
    let mut both = [inside, outside];
    // SYN in, SYN out, SYN-ACK out, SYN-ACK in, ACK in, ACK out.
    let t = s.step();
    let steps = [
        (0, true, SYN),
        (1, true, SYN),
        (1, false, SYN | ACK),
        (0, false, SYN | ACK),
    ];
    for (k, (i, from_client, flags)) in steps.into_iter().enumerate() {
        let c: &Tcp = &both[i];
        let (src, dst, seq, ack) = if from_client {
            (c.a, c.b, c.seq_a, 0)
        } else {
            (c.b, c.a, c.seq_b, c.seq_a + 1)
        };
        s.w.tcp(t + k as u64 * 50_000, src, dst, seq, ack, flags, &[])
            .unwrap();
    }
    for (i, c) in both.iter_mut().enumerate() {
        c.seq_a += 1;
        c.seq_b += 1;
        let (a, b, sa, sb) = (c.a, c.b, c.seq_a, c.seq_b);
        s.w.tcp(t + (4 + i as u64) * 50_000, a, b, sa, sb, ACK, &[])
            .unwrap();
    }
    let lines = [
        (S, "220 ready"),
        (C, "USER demo"),
        (S, "230 ok"),
        (C, "PWD"),
        (S, "257 \"/\""),
        (C, "QUIT"),
        (S, "221 bye"),
    ];
    for (from_client, line) in lines {
        let t = s.step();
        // The client's packets cross inside first, the server's outside.
        let order: [usize; 2] = if from_client { [0, 1] } else { [1, 0] };
        for (k, i) in order.into_iter().enumerate() {
            let bytes = format!("{line}\r\n");
            both[i]
                .send(
                    &mut s.w,
                    t + k as u64 * 50_000,
                    from_client,
                    bytes.as_bytes(),
                )
                .unwrap();
        }
    }
    let t = s.step();
    for (i, c) in both.iter_mut().enumerate() {
        c.close(&mut s.w, t + i as u64 * 50_000, true).unwrap();
    }
    let r = s.replay();
    assert_eq!(r.trace.sessions(), vec![1]);
    assert_eq!(
        said(&r),
        [
            "S 220 ready",
            "C USER demo",
            "S 230 ok",
            "C PWD",
            "S 257 \"/\"",
            "C QUIT",
            "S 221 bye"
        ]
    );
    let dials: Vec<&Event> = r
        .trace
        .events
        .iter()
        .filter(|e| matches!(e.kind, Kind::Connect { .. }))
        .collect();
    assert_eq!(dials.len(), 1, "one connection");
    let accept = find(&r, |k| *k == Kind::Accept);
    assert!(
        note(accept).contains("seen on both sides of a NAT")
            && note(accept).contains("198.51.100.7:40000"),
        "{}",
        note(accept)
    );
    assert!(r.warnings.is_empty(), "{:?}", warned(&r));
}
