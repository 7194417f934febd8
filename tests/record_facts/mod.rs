//! What the `--record` tests compare: the story a trace tells (sessions,
//! dials, replies, byte counts), and what a written capture holds (each TCP
//! flow's payload, the packet comments), read back with pcap-parser and
//! etherparse rather than with ftpviz's own replay. The including test
//! also includes `common`.

#![allow(dead_code)]

use ftpviz::trace::{read_json_lines, Event, Kind, Side, Via};
use pcap_parser::pcapng::Block;
use pcap_parser::traits::PcapNGPacketBlock;
use pcap_parser::{OptionCode, PcapBlockOwned, PcapNGSlice};
use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;

/// One dial: session, connection, who dialled, from → to, how agreed.
pub type Dial = (u32, u32, Side, SocketAddr, SocketAddr, Option<Via>);

/// The facts a round trip must keep.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Story {
    pub sessions: Vec<u32>,
    pub dials: Vec<Dial>,
    /// Dials that never became connections: why, and what stopped them
    /// (a capture that replay reads back must keep both).
    pub failed: BTreeMap<(u32, u32), (&'static str, Option<&'static str>)>,
    /// Reply codes and command lines, per session, in order.
    pub replies: BTreeMap<u32, Vec<u16>>,
    pub commands: BTreeMap<u32, Vec<String>>,
    /// Payload bytes per (session, conn), by sender.
    pub bytes: BTreeMap<(u32, u32, &'static str), u64>,
}

impl Story {
    pub fn of(events: &[Event]) -> Story {
        let mut s = Story::default();
        for e in events {
            if !s.sessions.contains(&e.session) {
                s.sessions.push(e.session);
            }
            match &e.kind {
                Kind::Connect { src, dst, via } => {
                    s.dials.push((e.session, e.conn, e.from, *src, *dst, *via))
                }
                Kind::Fail { reason, by } => {
                    s.failed.insert(
                        (e.session, e.conn),
                        (reason.as_str(), by.map(|b| b.as_str())),
                    );
                }
                Kind::Reply { code, .. } => s.replies.entry(e.session).or_default().push(*code),
                Kind::Command { text, .. } => {
                    s.commands.entry(e.session).or_default().push(text.clone())
                }
                Kind::Data { bytes } => {
                    *s.bytes
                        .entry((e.session, e.conn, e.from.as_str()))
                        .or_default() += bytes
                }
                Kind::Accept | Kind::Close => {}
            }
        }
        s.sessions.sort_unstable();
        s
    }
}

/// `ftpviz lab ARGS --port 0 --json --record FILE`: the run's own trace.
pub fn record_lab(args: &[&str], file: &Path) -> Result<Vec<Event>, String> {
    let file = file.to_str().ok_or("path is not UTF-8")?;
    let mut all = vec!["lab", "--port", "0", "--json", "--record", file];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = crate::common::ftpviz(&all);
    if code != 0 {
        return Err(format!("lab {args:?} exited {code}: {stderr}"));
    }
    read_json_lines(stdout.as_bytes())
        .map(|t| t.events)
        .map_err(|e| e.to_string())
}

/// `ftpviz lesson --file LESSON --port 0 --json --record FILE`: the
/// lesson's own trace, every run of every scene.
pub fn record_lesson(lesson: &Path, file: &Path) -> Result<Vec<Event>, String> {
    let lesson = lesson.to_str().ok_or("path is not UTF-8")?;
    let file = file.to_str().ok_or("path is not UTF-8")?;
    let args = [
        "lesson", "--file", lesson, "--port", "0", "--json", "--record", file,
    ];
    let (code, stdout, stderr) = crate::common::ftpviz(&args);
    if code != 0 {
        return Err(format!("lesson exited {code}: {stderr}"));
    }
    read_json_lines(stdout.as_bytes())
        .map(|t| t.events)
        .map_err(|e| e.to_string())
}

/// `ftpviz replay FILE --json`: the capture's trace.
pub fn replay(file: &Path) -> Result<Vec<Event>, String> {
    let file = file.to_str().ok_or("path is not UTF-8")?;
    let (code, stdout, stderr) = crate::common::ftpviz(&["replay", file, "--json"]);
    if code != 0 || !stderr.is_empty() {
        return Err(format!("replay exited {code}: {stderr}"));
    }
    read_json_lines(stdout.as_bytes())
        .map(|t| t.events)
        .map_err(|e| e.to_string())
}

/// What a capture file holds, read without ftpviz.
#[derive(Debug, Default)]
pub struct Capture {
    pub packets: usize,
    /// Each flow's payload bytes in file order, by (source, destination).
    pub flows: HashMap<(SocketAddr, SocketAddr), Vec<u8>>,
    /// Packet number (from 1), its TCP flags byte, and its comment.
    pub comments: Vec<(usize, u8, String)>,
    /// Packet number and endpoints of every SYN without ACK.
    pub syns: Vec<(usize, SocketAddr, SocketAddr)>,
}

const SYN: u8 = 0x02;
const ACK: u8 = 0x10;

pub fn read_capture(path: &Path) -> Capture {
    let bytes = std::fs::read(path).expect("the capture file is there");
    let mut capture = Capture::default();
    let blocks = PcapNGSlice::from_slice(&bytes).expect("a pcapng file");
    for block in blocks {
        let block = block.expect("every block parses");
        let PcapBlockOwned::NG(Block::EnhancedPacket(epb)) = block else {
            continue;
        };
        capture.packets += 1;
        let n = capture.packets;
        let packet = etherparse::SlicedPacket::from_ethernet(epb.packet_data())
            .expect("an Ethernet / IP / TCP frame");
        let (src_ip, dst_ip): (IpAddr, IpAddr) = match &packet.net {
            Some(etherparse::NetSlice::Ipv4(ip)) => (
                ip.header().source_addr().into(),
                ip.header().destination_addr().into(),
            ),
            Some(etherparse::NetSlice::Ipv6(ip)) => (
                ip.header().source_addr().into(),
                ip.header().destination_addr().into(),
            ),
            other => panic!("packet {n}: not IP: {other:?}"),
        };
        let Some(etherparse::TransportSlice::Tcp(tcp)) = &packet.transport else {
            panic!("packet {n}: not TCP");
        };
        let src = SocketAddr::new(src_ip, tcp.source_port());
        let dst = SocketAddr::new(dst_ip, tcp.destination_port());
        let flags = tcp.slice().get(13).copied().unwrap_or(0);
        if flags & (SYN | ACK) == SYN {
            capture.syns.push((n, src, dst));
        }
        capture
            .flows
            .entry((src, dst))
            .or_default()
            .extend_from_slice(tcp.payload());
        for opt in &epb.options {
            if opt.code == OptionCode::Comment {
                let value = opt.as_bytes().expect("the comment's length is right");
                let text = String::from_utf8(value.to_vec()).expect("a UTF-8 comment");
                capture.comments.push((n, flags, text));
            }
        }
    }
    capture
}
