//! A capture read as bare TCP with tcpdump, beside ftpviz's replay: for
//! what the replay rightly cannot tell without the keys (which session an
//! unannounced dial belongs to) and for bytes below the FTP lines (where a
//! segment ends, as the kernel's FTP helper sees it).

#![allow(dead_code)]

use ftpviz::lab::Mode;
use ftpviz::trace::{Event, FailReason, Kind, Side};
use std::path::Path;

/// The first data dial in a capture read as bare TCP: for the dial the
/// replay could not give to the session — inside TLS nothing said that a
/// SYN to a private address was this session's — its `connect`, and its
/// `accept` (a SYN-ACK came back), `fail` refused (an RST) or dropped
/// (nothing).
pub fn unlinked_dial(file: &Path, mode: Mode) -> Vec<Event> {
    let out = std::process::Command::new("tcpdump")
        .args(["-n", "-r"])
        .arg(file)
        .args(["tcp and not port 21"])
        .stderr(std::process::Stdio::null())
        .output()
        .expect("tcpdump reads");
    let text = String::from_utf8_lossy(&out.stdout);
    // `… IP 198.19.1.2.45072 > 10.1.0.2.47781: Flags [S], …`
    let segment = |line: &str| {
        let (_, rest) = line.split_once(" IP ")?;
        let (src, rest) = rest.split_once(" > ")?;
        let (dst, rest) = rest.split_once(": Flags [")?;
        let flags = rest.split(']').next()?;
        let addr = |a: &str| {
            let (ip, port) = a.rsplit_once('.')?;
            format!("{ip}:{port}").parse::<std::net::SocketAddr>().ok()
        };
        Some((addr(src)?, addr(dst)?, flags.to_string()))
    };
    let segments: Vec<_> = text.lines().filter_map(segment).collect();
    let Some(&(src, dst, _)) = segments.iter().find(|(_, _, f)| f == "S") else {
        return Vec::new();
    };
    let answer = segments
        .iter()
        .find(|(s, d, _)| (*s, *d) == (dst, src))
        .map(|(_, _, f)| f.as_str());
    let dialler = if mode == Mode::Active {
        Side::Server
    } else {
        Side::Client
    };
    let end = match answer {
        Some("S.") => Kind::Accept,
        Some(f) if f.starts_with('R') => Kind::Fail {
            reason: FailReason::Refused,
            by: None,
        },
        _ => Kind::Fail {
            reason: FailReason::Timeout,
            by: None,
        },
    };
    vec![
        Event::new(
            0.0,
            1,
            1,
            dialler,
            Kind::Connect {
                src,
                dst,
                via: None,
            },
        ),
        Event::new(0.0, 1, 1, dialler.peer(), end),
    ]
}

/// Whether the control segment before the first one whose payload starts
/// with `first`, in the same direction, ended with `\n`: nf_conntrack_ftp
/// reads a segment only if it starts where such a one ended
/// (`find_nl_seq`). Read from `tcpdump -x`'s hex, by the IP total length
/// (no link-layer padding counted).
pub fn ended_a_line_before(file: &Path, first: &[u8]) -> Option<bool> {
    let out = std::process::Command::new("tcpdump")
        .args(["-n", "-x", "-r"])
        .arg(file)
        .arg("tcp port 21")
        .stderr(std::process::Stdio::null())
        .output()
        .expect("tcpdump reads");
    // A summary line per packet, then `\t0x0000:  4500 0034 …` lines.
    let mut packets: Vec<Vec<u8>> = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some((_, hex)) = line
            .trim_start()
            .strip_prefix("0x")
            .and_then(|l| l.split_once(':'))
        else {
            packets.push(Vec::new());
            continue;
        };
        let bytes = packets.last_mut()?;
        for group in hex.split_whitespace() {
            for i in (0..group.len()).step_by(2) {
                bytes.push(u8::from_str_radix(group.get(i..i + 2)?, 16).ok()?);
            }
        }
    }
    // Each segment with a payload: its source port and the payload.
    let segments: Vec<(u16, &[u8])> = packets
        .iter()
        .filter_map(|b| {
            let ihl = usize::from(b.first()? & 0x0f) * 4;
            let total = usize::from(u16::from_be_bytes([*b.get(2)?, *b.get(3)?]));
            let tcp = b.get(ihl..total)?;
            let payload = tcp.get(usize::from(tcp.get(12)? >> 4) * 4..)?;
            let port = u16::from_be_bytes([*tcp.first()?, *tcp.get(1)?]);
            (!payload.is_empty()).then_some((port, payload))
        })
        .collect();
    let at = segments.iter().position(|(_, p)| p.starts_with(first))?;
    let from = segments[at].0;
    let before = segments[..at].iter().rev().find(|(p, _)| *p == from)?;
    Some(before.1.last() == Some(&b'\n'))
}
