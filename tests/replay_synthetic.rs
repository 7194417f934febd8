//! Replay of captures built in memory: the link types, file variants and
//! TCP oddities that the sample captures do not contain.

#[path = "support/pcapgen.rs"]
mod pcapgen;

mod common;

use ftpviz::replay::{read, Replay, ReplayError};
use ftpviz::trace::{FailReason, Kind, Side, Via};
use pcapgen::*;
use std::io::Cursor;
use std::net::SocketAddr;

const T0: u64 = 1_700_000_000_000_000_000;
const MS: u64 = 1_000_000;

fn replay(bytes: Vec<u8>) -> Replay {
    read(Cursor::new(bytes), None, |_| {}).expect("capture reads")
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Pasv,
    Port,
    Epsv,
    Eprt,
}

/// A whole FTP session: login, one data connection announced by `mode`
/// carrying `data` bytes of RETR, QUIT. The control connection starts at
/// `t0` with initial sequence numbers `isn` (client) and `isn ^ 0x5555_5555`.
fn session<W: std::io::Write>(
    w: &mut CaptureWriter<W>,
    t0: u64,
    client: SocketAddr,
    server: SocketAddr,
    mode: Mode,
    data: usize,
    isn: u32,
) {
    let mut c = Tcp::new(client, server, isn, isn ^ 0x5555_5555);
    let mut t = t0;
    let mut step = || {
        t += MS;
        t
    };
    c.handshake(w, step()).unwrap();
    let say = |c: &mut Tcp, w: &mut CaptureWriter<W>, t: u64, from_client: bool, s: &str| {
        c.send(w, t, from_client, s.as_bytes()).unwrap();
    };
    say(&mut c, w, step(), false, "220 ready\r\n");
    say(&mut c, w, step(), true, "USER demo\r\n");
    say(&mut c, w, step(), false, "331 password please\r\n");
    say(&mut c, w, step(), true, "PASS demo\r\n");
    say(&mut c, w, step(), false, "230 logged in\r\n");
    let (cip, sip) = (client.ip(), server.ip());
    let (dialler, listener) = match mode {
        Mode::Pasv => {
            say(&mut c, w, step(), true, "PASV\r\n");
            let IpAddr4(o) = ip4(sip);
            let msg = format!(
                "227 Entering Passive Mode ({},{},{},{},195,80).\r\n",
                o[0], o[1], o[2], o[3]
            );
            say(&mut c, w, step(), false, &msg);
            (SocketAddr::new(cip, 40000), SocketAddr::new(sip, 50000))
        }
        Mode::Epsv => {
            say(&mut c, w, step(), true, "EPSV\r\n");
            say(
                &mut c,
                w,
                step(),
                false,
                "229 Entering Extended Passive Mode (|||50002|)\r\n",
            );
            (SocketAddr::new(cip, 40002), SocketAddr::new(sip, 50002))
        }
        Mode::Port => {
            let IpAddr4(o) = ip4(cip);
            let msg = format!("PORT {},{},{},{},195,81\r\n", o[0], o[1], o[2], o[3]);
            say(&mut c, w, step(), true, &msg);
            say(&mut c, w, step(), false, "200 PORT ok\r\n");
            (
                SocketAddr::new(sip, server.port() - 1),
                SocketAddr::new(cip, 50001),
            )
        }
        Mode::Eprt => {
            let af = if cip.is_ipv6() { 2 } else { 1 };
            say(
                &mut c,
                w,
                step(),
                true,
                &format!("EPRT |{af}|{cip}|50003|\r\n"),
            );
            say(&mut c, w, step(), false, "200 EPRT ok\r\n");
            (SocketAddr::new(sip, 33333), SocketAddr::new(cip, 50003))
        }
    };
    say(&mut c, w, step(), true, "RETR big.bin\r\n");
    let mut d = Tcp::new(dialler, listener, 1000, 2000);
    d.handshake(w, step()).unwrap();
    say(&mut c, w, step(), false, "150 here it comes\r\n");
    let server_is_a = matches!(mode, Mode::Port | Mode::Eprt);
    let chunk = vec![0x5a; 1448];
    let mut left = data;
    while left > 0 {
        let n = left.min(chunk.len());
        d.send(w, step(), server_is_a, &chunk[..n]).unwrap();
        left -= n;
    }
    d.close(w, step(), server_is_a).unwrap();
    say(&mut c, w, step(), false, "226 done\r\n");
    say(&mut c, w, step(), true, "QUIT\r\n");
    say(&mut c, w, step(), false, "221 bye\r\n");
    c.close(w, step(), true).unwrap();
}

struct IpAddr4([u8; 4]);

/// The four octets of an IPv4 address (IPv6 tests never call this).
fn ip4(ip: std::net::IpAddr) -> IpAddr4 {
    match ip {
        std::net::IpAddr::V4(v) => IpAddr4(v.octets()),
        std::net::IpAddr::V6(_) => IpAddr4([0; 4]),
    }
}

fn build(
    format: Format,
    link: Link,
    client: &str,
    server: &str,
    mode: Mode,
    data: usize,
) -> Vec<u8> {
    let mut w = CaptureWriter::new(Vec::new(), format, link).unwrap();
    session(&mut w, T0, addr(client), addr(server), mode, data, 7);
    w.into_inner()
}

/// Checks a replay of [`session`]: one session, control + one data
/// connection dialled by the right side with the right `via`, exact bytes.
fn check_session(r: &Replay, mode: Mode, data: u64) {
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let t = &r.trace;
    assert_eq!(t.sessions(), vec![1]);
    let connects: Vec<_> = t
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            Kind::Connect { via, .. } => Some((e.conn, e.from, *via)),
            _ => None,
        })
        .collect();
    let (via, dialler) = match mode {
        Mode::Pasv => (Via::Pasv, Side::Client),
        Mode::Epsv => (Via::Epsv, Side::Client),
        Mode::Port => (Via::Port, Side::Server),
        Mode::Eprt => (Via::Eprt, Side::Server),
    };
    assert_eq!(
        connects,
        vec![(0, Side::Client, None), (1, dialler, Some(via))]
    );
    assert_eq!(t.data_bytes(1, 1), data);
    let codes: Vec<u16> = common::reply_codes(&t.events);
    assert_eq!(codes.len(), 7, "{codes:?}");
    assert_eq!(codes.first(), Some(&220));
    assert_eq!(codes.last(), Some(&221));
    // Each step of the script is 1 ms: the last event is the final close.
    let last = t.events.last().unwrap();
    assert_eq!(last.kind, Kind::Close);
    let steps = t.events.iter().filter(|e| e.conn == 0).count();
    assert!(
        last.t > 0.001 * steps as f64 * 0.5,
        "times scaled right: {}",
        last.t
    );
}

const PCAP: Format = Format::Pcap {
    nanos: false,
    big_endian: false,
};

#[test]
fn every_link_type_gives_the_same_session() {
    let v4 = ("10.0.0.2:41000", "10.0.0.3:21");
    let v6 = ("[2001:db8::2]:41000", "[2001:db8::3]:21");
    let cases: &[(Link, (&str, &str))] = &[
        (Link::Ethernet(&[]), v4),
        (Link::Ethernet(&[0x8100]), v4),
        (Link::Ethernet(&[0x88a8, 0x8100]), v6),
        (Link::Null, v4),
        (Link::Null, v6),
        (Link::Loop, v4),
        (Link::Loop, v6),
        (Link::Raw, v4),
        (Link::Raw, v6),
        (Link::Ipv4, v4),
        (Link::Ipv6, v6),
        (Link::Sll, v4),
        (Link::Sll2, v4),
        (Link::Sll2, v6),
    ];
    for &(link, (c, s)) in cases {
        for mode in [Mode::Pasv, Mode::Port, Mode::Epsv, Mode::Eprt] {
            if s.starts_with('[') && matches!(mode, Mode::Pasv | Mode::Port) {
                continue; // PORT and 227 are IPv4-only
            }
            let r = replay(build(PCAP, link, c, s, mode, 5000));
            check_session(&r, mode, 5000);
        }
    }
}

/// The server's first reply: the 220 banner.
fn first_reply(r: &Replay) -> &ftpviz::trace::Event {
    r.trace
        .events
        .iter()
        .find(|e| matches!(e.kind, Kind::Reply { .. }))
        .expect("a reply")
}

#[test]
fn pcap_nanoseconds_and_big_endian() {
    for (nanos, big_endian) in [(true, false), (false, true), (true, true)] {
        let f = Format::Pcap { nanos, big_endian };
        let bytes = build(
            f,
            Link::Ethernet(&[]),
            "10.0.0.2:41000",
            "10.0.0.3:21",
            Mode::Pasv,
            3000,
        );
        let r = replay(bytes);
        check_session(&r, Mode::Pasv, 3000);
        // The 220 is sent 2 ms after the SYN (1 ms steps from T0).
        let banner = first_reply(&r);
        assert!(
            (banner.t - 0.001).abs() < 1e-6,
            "{nanos} {big_endian}: {}",
            banner.t
        );
    }
}

#[test]
fn pcapng_decimal_and_base_2_timestamps() {
    for tsresol in [6, 9, 0x80 | 10, 0x80 | 20] {
        let f = Format::PcapNg { tsresol };
        let bytes = build(
            f,
            Link::Ethernet(&[]),
            "10.0.0.2:41000",
            "10.0.0.3:2121",
            Mode::Epsv,
            2000,
        );
        let r = replay(bytes);
        check_session(&r, Mode::Epsv, 2000);
        let banner = first_reply(&r);
        // 2^-10 s resolution is about 1 ms: allow one unit.
        let unit = 1.0 / units(tsresol) as f64;
        assert!(
            (banner.t - 0.001).abs() <= unit + 1e-9,
            "tsresol {tsresol:#x}: {}",
            banner.t
        );
    }
}

#[test]
fn an_unsupported_link_type_is_one_clear_error() {
    let mut w = CaptureWriter::new(Vec::new(), PCAP, Link::Raw).unwrap();
    w.record(T0, &[0x45, 0, 0, 20]).unwrap();
    let mut bytes = w.into_inner();
    bytes[20..24].copy_from_slice(&127u32.to_le_bytes()); // radiotap
    let err = read(Cursor::new(bytes), None, |_| {}).unwrap_err();
    assert!(matches!(err, ReplayError::UnsupportedLinkType(_)));
    let msg = err.to_string();
    assert!(msg.contains("IEEE802_11_RADIOTAP (127)"), "{msg}");
    assert!(!msg.contains('\n'));
}

/// A control connection written segment by segment, in any order.
struct Lines {
    w: CaptureWriter<Vec<u8>>,
    client: SocketAddr,
    server: SocketAddr,
    t: u64,
}

impl Lines {
    fn new(isn_c: u32, isn_s: u32) -> Lines {
        let client = addr("10.0.0.2:41000");
        let server = addr("10.0.0.3:8021");
        let mut w = CaptureWriter::new(Vec::new(), PCAP, Link::Ethernet(&[])).unwrap();
        let mut c = Tcp::new(client, server, isn_c, isn_s);
        c.handshake(&mut w, T0).unwrap();
        Lines {
            w,
            client,
            server,
            t: T0 + MS,
        }
    }
    fn seg(&mut self, from_client: bool, seq: u32, bytes: &str) {
        self.t += MS;
        let (s, d) = if from_client {
            (self.client, self.server)
        } else {
            (self.server, self.client)
        };
        self.w
            .tcp(self.t, s, d, seq, 0, ACK, bytes.as_bytes())
            .unwrap();
    }
    fn replay(self) -> Replay {
        replay(self.w.into_inner())
    }
}

/// What was said on the control connections, in order: `C text`/`S text`.
fn said(r: &Replay) -> Vec<String> {
    common::said(&r.trace.events)
}

#[test]
fn control_lines_survive_reordering_overlap_and_retransmission() {
    // Server ISN 99: its first byte is 100. Client ISN 499: first byte 500.
    let mut l = Lines::new(499, 99);
    l.seg(false, 100, "220 hel");
    l.seg(false, 107, "lo\r\n");
    l.seg(false, 100, "220 hel"); // retransmission
    l.seg(true, 505, "demo\r\n"); // before its first half
    l.seg(true, 500, "USER "); // out of order: fills the hole
    l.seg(false, 111, "331 pw\r\n");
    l.seg(true, 507, "mo\r\nPASS x\r\n"); // overlaps 2 delivered bytes
    l.seg(false, 119, "230 ok\r\n");
    let r = l.replay();
    assert_eq!(
        said(&r),
        [
            "S 220 hello",
            "C USER demo",
            "S 331 pw",
            "C PASS x",
            "S 230 ok"
        ]
    );
}

#[test]
fn sequence_numbers_wrap_around_in_control_and_data() {
    // Control: the client's bytes run across 2^32.
    let mut l = Lines::new(u32::MAX - 6, 10);
    l.seg(false, 11, "220 hi\r\n");
    l.seg(true, u32::MAX - 5, "USER a"); // 6 bytes up to 2^32 - 1
    l.seg(true, 0, "b\r\n");
    l.seg(false, 19, "331 ok\r\n");
    let r = l.replay();
    assert_eq!(said(&r), ["S 220 hi", "C USER ab", "S 331 ok"]);

    // Data: a transfer whose sequence numbers wrap, with a retransmission.
    let mut w = CaptureWriter::new(Vec::new(), PCAP, Link::Raw).unwrap();
    let (cl, sv) = (addr("10.0.0.2:41000"), addr("10.0.0.3:21"));
    let mut c = Tcp::new(cl, sv, 1, 1);
    c.handshake(&mut w, T0).unwrap();
    c.send(&mut w, T0 + MS, false, b"220 hi\r\n").unwrap();
    c.send(&mut w, T0 + 2 * MS, true, b"USER a\r\n").unwrap();
    c.send(&mut w, T0 + 3 * MS, true, b"PASV\r\n").unwrap();
    c.send(
        &mut w,
        T0 + 4 * MS,
        false,
        b"227 Entering Passive Mode (10,0,0,3,200,0)\r\n",
    )
    .unwrap();
    let data_srv = addr("10.0.0.3:51200");
    let mut d = Tcp::new(addr("10.0.0.2:42000"), data_srv, 5, u32::MAX - 3000);
    d.handshake(&mut w, T0 + 5 * MS).unwrap();
    let chunk = [1u8; 1000];
    for i in 0..6u64 {
        let seq = d.seq_b;
        d.send(&mut w, T0 + (6 + i) * MS, false, &chunk).unwrap();
        if i == 2 {
            w.tcp(T0 + (6 + i) * MS, data_srv, d.a, seq, 0, ACK, &chunk)
                .unwrap();
        }
    }
    d.close(&mut w, T0 + 20 * MS, false).unwrap();
    let r = replay(w.into_inner());
    assert_eq!(r.trace.data_bytes(1, 1), 6000);
}

#[test]
fn a_lost_segment_is_a_hole_not_invented_bytes() {
    let mut w = CaptureWriter::new(Vec::new(), PCAP, Link::Raw).unwrap();
    let (cl, sv) = (addr("10.0.0.2:41000"), addr("10.0.0.3:21"));
    let mut c = Tcp::new(cl, sv, 1, 1);
    c.handshake(&mut w, T0).unwrap();
    c.send(&mut w, T0 + MS, false, b"220 hi\r\n").unwrap();
    c.send(&mut w, T0 + 2 * MS, true, b"USER a\r\n").unwrap();
    c.send(&mut w, T0 + 3 * MS, true, b"EPSV\r\n").unwrap();
    c.send(&mut w, T0 + 4 * MS, false, b"229 ok (|||50000|)\r\n")
        .unwrap();
    let mut d = Tcp::new(addr("10.0.0.2:42000"), addr("10.0.0.3:50000"), 5, 9);
    d.handshake(&mut w, T0 + 5 * MS).unwrap();
    for i in 0..4u64 {
        if i == 1 {
            d.seq_b = d.seq_b.wrapping_add(700); // never captured
            continue;
        }
        d.send(&mut w, T0 + (6 + i) * MS, false, &[0u8; 700])
            .unwrap();
    }
    d.close(&mut w, T0 + 20 * MS, false).unwrap();
    let r = replay(w.into_inner());
    assert_eq!(
        r.trace.data_bytes(1, 1),
        2100,
        "three captured segments, no more"
    );
    let holes: Vec<_> = r.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(
        holes,
        ["session 1, data connection 1: 700 bytes were never captured (a hole, left empty)"]
    );
}

#[test]
fn a_control_line_across_a_hole_is_left_out() {
    let mut l = Lines::new(0, 0);
    l.seg(false, 1, "220 hi\r\n");
    l.seg(true, 1, "USER a\r\n");
    // "PA" (2 bytes at 9) is never captured.
    l.seg(true, 11, "SS secret\r\nPWD\r\n");
    l.seg(false, 9, "257 \"/\"\r\n");
    let r = l.replay();
    assert_eq!(said(&r), ["S 220 hi", "C USER a", "C PWD", "S 257 \"/\""]);
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert!(r.warnings[0]
        .message
        .contains("control connection: 2 bytes"));
}

#[test]
fn pcapng_sections_each_declare_their_own_interfaces() {
    // Two sections back to back: Ethernet in µs, then SLL2 in 2^-20 s.
    let mut a = CaptureWriter::new(
        Vec::new(),
        Format::PcapNg { tsresol: 6 },
        Link::Ethernet(&[]),
    )
    .unwrap();
    session(
        &mut a,
        T0,
        addr("10.0.0.2:41000"),
        addr("10.0.0.3:21"),
        Mode::Pasv,
        1000,
        1,
    );
    let mut b = CaptureWriter::new(
        Vec::new(),
        Format::PcapNg { tsresol: 0x80 | 20 },
        Link::Sll2,
    )
    .unwrap();
    session(
        &mut b,
        T0 + 2_000 * MS,
        addr("10.0.0.4:41000"),
        addr("10.0.0.3:21"),
        Mode::Port,
        2000,
        1,
    );
    let mut bytes = a.into_inner();
    bytes.extend(b.into_inner());
    let r = replay(bytes);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(r.trace.sessions(), vec![1, 2]);
    assert_eq!(
        (r.trace.data_bytes(1, 1), r.trace.data_bytes(2, 1)),
        (1000, 2000)
    );
    let second = r.trace.events.iter().find(|e| e.session == 2).unwrap();
    assert!((second.t - 2.0).abs() < 1e-5, "{}", second.t);
}

#[test]
fn syn_answered_by_rst_is_refused_and_unannounced_dials_are_marked() {
    let mut w = CaptureWriter::new(Vec::new(), PCAP, Link::Raw).unwrap();
    let (cl, sv) = (addr("10.0.0.2:41000"), addr("10.0.0.3:21"));
    let mut c = Tcp::new(cl, sv, 1, 1);
    c.handshake(&mut w, T0).unwrap();
    c.send(&mut w, T0 + MS, false, b"220 hi\r\n").unwrap();
    c.send(&mut w, T0 + 2 * MS, true, b"USER a\r\n").unwrap();
    c.send(&mut w, T0 + 3 * MS, true, b"PORT 10,0,0,2,195,80\r\n")
        .unwrap();
    c.send(&mut w, T0 + 4 * MS, false, b"200 ok\r\n").unwrap();
    c.send(&mut w, T0 + 5 * MS, true, b"RETR x\r\n").unwrap();
    // The server dials the announced port: refused.
    let (from, to) = (addr("10.0.0.3:20"), addr("10.0.0.2:50000"));
    w.tcp(T0 + 6 * MS, from, to, 77, 0, SYN, &[]).unwrap();
    w.tcp(T0 + 7 * MS, to, from, 0, 78, RST | ACK, &[]).unwrap();
    // Then it tries a port nobody announced.
    let odd = addr("10.0.0.2:50999");
    let mut d = Tcp::new(from, odd, 100, 200);
    d.handshake(&mut w, T0 + 8 * MS).unwrap();
    d.send(&mut w, T0 + 9 * MS, true, b"abc").unwrap();
    d.close(&mut w, T0 + 10 * MS, true).unwrap();
    let r = replay(w.into_inner());
    let t = &r.trace;
    let fail = t.connection(1, 1).find_map(|e| match e.kind {
        Kind::Fail { reason, .. } => Some(reason),
        _ => None,
    });
    assert_eq!(fail, Some(FailReason::Refused));
    let second = t.connection(1, 2).next().unwrap();
    assert!(matches!(second.kind, Kind::Connect { via: None, .. }));
    assert!(
        second.note.as_deref().unwrap_or("").contains("unlinked"),
        "{second:?}"
    );
    assert_eq!(t.data_bytes(1, 2), 3);
}

#[test]
fn ftp_is_found_by_content_not_port() {
    // A 220 banner answered by EHLO is SMTP, not FTP, even on port 21.
    let mut w = CaptureWriter::new(Vec::new(), PCAP, Link::Raw).unwrap();
    let mut smtp = Tcp::new(addr("10.0.0.2:41000"), addr("10.0.0.3:21"), 1, 1);
    smtp.handshake(&mut w, T0).unwrap();
    smtp.send(&mut w, T0 + MS, false, b"220 mail.example ESMTP\r\n")
        .unwrap();
    smtp.send(&mut w, T0 + 2 * MS, true, b"EHLO me\r\n")
        .unwrap();
    // An HTTP connection: the client speaks first.
    let mut http = Tcp::new(addr("10.0.0.2:41001"), addr("10.0.0.3:80"), 1, 1);
    http.handshake(&mut w, T0 + 3 * MS).unwrap();
    http.send(&mut w, T0 + 4 * MS, true, b"GET / HTTP/1.1\r\n\r\n")
        .unwrap();
    http.send(&mut w, T0 + 5 * MS, false, b"220 not really\r\n")
        .unwrap();
    // FTP on port 8021, with an ABOR sent as urgent data (IAC IP IAC DM).
    let mut ftp = Tcp::new(addr("10.0.0.2:41002"), addr("10.0.0.3:8021"), 1, 1);
    ftp.handshake(&mut w, T0 + 6 * MS).unwrap();
    ftp.send(&mut w, T0 + 7 * MS, false, b"220-Welcome\r\n220 ready\r\n")
        .unwrap();
    ftp.send(&mut w, T0 + 8 * MS, true, b"AUTH TLS\r\n")
        .unwrap();
    ftp.send(&mut w, T0 + 9 * MS, false, b"530 no TLS here\r\n")
        .unwrap();
    ftp.send(&mut w, T0 + 10 * MS, true, b"\xff\xf4\xff\xf2ABOR\r\n")
        .unwrap();
    ftp.send(
        &mut w,
        T0 + 11 * MS,
        false,
        b"426 aborted\r\n225 ABOR ok\r\n",
    )
    .unwrap();
    let r = replay(w.into_inner());
    assert_eq!(r.trace.sessions(), vec![1]);
    assert_eq!(
        said(&r),
        [
            "S 220-Welcome\n220 ready",
            "C AUTH TLS",
            "S 530 no TLS here",
            "C ABOR",
            "S 426 aborted",
            "S 225 ABOR ok"
        ]
    );
    let Some(Kind::Connect { dst, .. }) = r.trace.events.first().map(|e| &e.kind) else {
        panic!("first event is the control dial");
    };
    assert_eq!(dst.port(), 8021);
}

#[test]
fn many_sessions_are_numbered_in_order_of_appearance() {
    let mut w = CaptureWriter::new(Vec::new(), PCAP, Link::Ethernet(&[])).unwrap();
    for i in 0..5u64 {
        let c = addr(&format!("10.0.1.{}:4100{i}", i + 1));
        session(
            &mut w,
            T0 + i * 1000 * MS,
            c,
            addr("10.0.0.3:21"),
            Mode::Pasv,
            100 * (i as usize + 1),
            3,
        );
    }
    let r = replay(w.into_inner());
    assert_eq!(r.trace.sessions(), vec![1, 2, 3, 4, 5]);
    for s in 1..=5u32 {
        assert_eq!(r.trace.data_bytes(s, 1), 100 * u64::from(s));
    }
}

#[test]
fn pcapng_interfaces_each_have_their_link_type_and_clock() {
    // Interface 0: Ethernet in µs; 1: Linux SLL in ns; 2: radiotap (not
    // readable here). The control connection is seen on 0, its data
    // connection on 1, and a stray frame on 2.
    let f = Format::PcapNg { tsresol: 6 };
    let mut w = CaptureWriter::new(Vec::new(), f, Link::Ethernet(&[])).unwrap();
    let sll = w.add_interface(Link::Sll, 9).unwrap();
    let radiotap = w.add_interface(Link::Raw, 6).unwrap();
    let (cl, sv) = (addr("10.0.0.2:41000"), addr("10.0.0.3:21"));
    let mut c = Tcp::new(cl, sv, 1, 1);
    c.handshake(&mut w, T0).unwrap();
    c.send(&mut w, T0 + MS, false, b"220 hi\r\n").unwrap();
    c.send(&mut w, T0 + 2 * MS, true, b"USER a\r\n").unwrap();
    c.send(&mut w, T0 + 3 * MS, true, b"PASV\r\n").unwrap();
    c.send(&mut w, T0 + 4 * MS, false, b"227 ok (10,0,0,3,200,0)\r\n")
        .unwrap();
    w.use_interface(sll);
    let mut d = Tcp::new(addr("10.0.0.2:42000"), addr("10.0.0.3:51200"), 5, 9);
    d.handshake(&mut w, T0 + 5 * MS + 1).unwrap();
    d.send(&mut w, T0 + 6 * MS, false, &[0u8; 999]).unwrap();
    d.close(&mut w, T0 + 7 * MS, false).unwrap();
    w.use_interface(radiotap);
    w.record(T0 + 8 * MS, &[0u8; 30]).unwrap();
    w.use_interface(0);
    c.close(&mut w, T0 + 9 * MS, true).unwrap();
    let mut bytes = w.into_inner();
    // Make interface 2 a radiotap one: patch its link type in the IDB.
    let idb2 = 28 + 32 + 32;
    bytes[idb2 + 8..idb2 + 10].copy_from_slice(&127u16.to_le_bytes());
    let r = replay(bytes);
    assert_eq!(r.trace.data_bytes(1, 1), 999);
    let connect = r.trace.connection(1, 1).next().unwrap();
    // The SYN on the nanosecond interface keeps its nanosecond.
    assert!((connect.t - 0.005_000_001).abs() < 1e-10, "{}", connect.t);
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert!(r.warnings[0]
        .message
        .contains("LINKTYPE_IEEE802_11_RADIOTAP (127)"));
}

#[test]
fn without_port_or_pasv_the_server_dials_the_default_data_port() {
    // RFC 959 §3.2: with no PORT, the server connects from its port 20 to
    // the client's control address itself.
    let mut w = CaptureWriter::new(Vec::new(), PCAP, Link::Raw).unwrap();
    let (cl, sv) = (addr("10.0.0.2:41000"), addr("10.0.0.3:21"));
    let mut c = Tcp::new(cl, sv, 1, 1);
    c.handshake(&mut w, T0).unwrap();
    c.send(&mut w, T0 + MS, false, b"220 hi\r\n").unwrap();
    c.send(&mut w, T0 + 2 * MS, true, b"USER a\r\n").unwrap();
    c.send(&mut w, T0 + 3 * MS, true, b"RETR x\r\n").unwrap();
    let mut d = Tcp::new(addr("10.0.0.3:20"), cl, 50, 60);
    d.handshake(&mut w, T0 + 4 * MS).unwrap();
    d.send(&mut w, T0 + 5 * MS, true, b"12345").unwrap();
    d.close(&mut w, T0 + 6 * MS, true).unwrap();
    let r = replay(w.into_inner());
    let connect = r.trace.connection(1, 1).next().unwrap();
    assert_eq!(connect.from, Side::Server);
    assert!(matches!(
        connect.kind,
        Kind::Connect {
            via: Some(Via::Default),
            ..
        }
    ));
    assert!(connect
        .note
        .as_deref()
        .unwrap_or("")
        .contains("for the data of RETR x"));
    assert_eq!(r.trace.data_bytes(1, 1), 5);
}
