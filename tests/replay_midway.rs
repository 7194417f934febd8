//! Replay of captures that begin (or lose packets) in the middle of things:
//! a data connection whose SYN is missing, a control connection whose
//! banner is missing. Built in memory with the capture writer.

#[path = "support/pcapgen.rs"]
mod pcapgen;

use ftpviz::replay::{read, Replay};
use ftpviz::trace::{Event, Kind, Side, Via};
use pcapgen::*;
use std::io::Cursor;
use std::net::SocketAddr;

const T0: u64 = 1_700_000_000_000_000_000;
const MS: u64 = 1_000_000;
const PCAP: Format = Format::Pcap {
    nanos: false,
    big_endian: false,
};

fn replay(bytes: Vec<u8>) -> Replay {
    read(Cursor::new(bytes), None, |_| {}).expect("capture reads")
}

/// A capture being written, with a clock that moves 1 ms per step.
struct Script {
    w: CaptureWriter<Vec<u8>>,
    t: u64,
}

impl Script {
    fn new() -> Script {
        Script {
            w: CaptureWriter::new(Vec::new(), PCAP, Link::Raw).unwrap(),
            t: T0,
        }
    }

    fn step(&mut self) -> u64 {
        self.t += MS;
        self.t
    }

    /// Lines from either side of `c` (its `a` side is `from_a`), one
    /// segment each.
    fn say(&mut self, c: &mut Tcp, lines: &[(bool, &str)]) {
        for (from_a, line) in lines {
            let t = self.step();
            c.send(&mut self.w, t, *from_a, format!("{line}\r\n").as_bytes())
                .unwrap();
        }
    }

    fn handshake(&mut self, c: &mut Tcp) {
        let t = self.step();
        c.handshake(&mut self.w, t).unwrap();
    }

    /// `n` full segments of data from one side, then FIN from both.
    fn transfer(&mut self, d: &mut Tcp, from_a: bool, n: usize) {
        for _ in 0..n {
            let t = self.step();
            d.send(&mut self.w, t, from_a, &[0x5a; 1448]).unwrap();
        }
        let t = self.step();
        d.close(&mut self.w, t, from_a).unwrap();
    }

    fn close(&mut self, c: &mut Tcp) {
        let t = self.step();
        c.close(&mut self.w, t, true).unwrap();
    }

    fn replay(self) -> Replay {
        replay(self.w.into_inner())
    }
}

const C: bool = true;
const S: bool = false;

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
