//! A lab's trace with its ephemeral ports renumbered in order of
//! appearance, for snapshots: the control port becomes 2121 (its port − 1,
//! the active dial's source, 2120), the client's dialling ports count from
//! 41234, listening ports from 50000 — everywhere they are written
//! (sockets, `PORT`, `227`, notes), which changes no width on screen that
//! matters.

#![allow(dead_code)]

use ftpviz::ftp::hostport;
use ftpviz::trace::{Event, Kind, Trace};
use std::collections::BTreeMap;
use std::net::SocketAddr;

/// The ports of a trace renumbered in order of appearance: the control
/// port 2121 (its port − 1, the active dial's source, 2120), the client's
/// dialling ports from 41234, listening ports from 50000.
pub struct Ports(BTreeMap<u16, u16>);

impl Ports {
    pub fn of(events: &[Event]) -> Ports {
        let mut map = BTreeMap::new();
        let (mut client, mut listen) = (41234u16, 50000u16);
        let next = |port: u16, from: &mut u16, map: &mut BTreeMap<u16, u16>| {
            map.entry(port).or_insert_with(|| {
                *from += 1;
                *from - 1
            });
        };
        let control = events.iter().find_map(|e| match e.kind {
            Kind::Connect { dst, .. } if e.conn == 0 => Some(dst.port()),
            _ => None,
        });
        if let Some(c) = control {
            map.insert(c, 2121);
            map.insert(c - 1, 2120);
        }
        for e in events {
            match &e.kind {
                Kind::Connect { src, dst, .. } => {
                    next(dst.port(), &mut listen, &mut map);
                    next(src.port(), &mut client, &mut map);
                }
                Kind::Command { text, .. } => {
                    let arg = text.split_once(' ').map_or("", |(_, a)| a);
                    if let Ok(a) = hostport::parse_port(arg) {
                        next(a.port(), &mut listen, &mut map);
                    }
                }
                Kind::Reply { code: 227, text } => {
                    if let Ok(a) = hostport::parse_227(text) {
                        next(a.port(), &mut listen, &mut map);
                    }
                }
                _ => {}
            }
        }
        Ports(map)
    }

    pub fn port(&self, p: u16) -> u16 {
        self.0.get(&p).copied().unwrap_or(p)
    }

    pub fn addr(&self, a: SocketAddr) -> SocketAddr {
        SocketAddr::new(a.ip(), self.port(a.port()))
    }

    /// `s` with every port renumbered: a number alone (`:50000`, `port
    /// 50000`) and the last two of six (`127,0,0,2,195,80`).
    pub fn text(&self, s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
            out.push_str(&rest[..start]);
            // A run of digits and commas: six numbers are host and port.
            let run_len = rest[start..]
                .find(|c: char| !(c.is_ascii_digit() || c == ','))
                .unwrap_or(rest.len() - start);
            let run = rest[start..start + run_len].trim_end_matches(',');
            let nums: Vec<&str> = run.split(',').collect();
            let parsed: Vec<Option<u16>> = nums.iter().map(|n| n.parse().ok()).collect();
            match parsed.as_slice() {
                [Some(_), Some(_), Some(_), Some(_), Some(hi), Some(lo)]
                    if *hi < 256 && *lo < 256 =>
                {
                    let p = self.port(hi * 256 + lo);
                    let host = nums[..4].join(",");
                    out.push_str(&format!("{host},{},{}", p / 256, p % 256));
                }
                _ => {
                    for (i, n) in nums.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        match n.parse::<u16>() {
                            Ok(p) if p >= 1024 => out.push_str(&self.port(p).to_string()),
                            _ => out.push_str(n),
                        }
                    }
                }
            }
            rest = &rest[start + run.len()..];
        }
        out.push_str(rest);
        out
    }

    /// The trace renumbered, its clock one step a millisecond.
    pub fn trace(&self, events: &[Event]) -> Trace {
        let events = events
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let mut e = e.clone();
                e.t = i as f64 / 1000.0;
                e.note = e.note.as_deref().map(|n| self.text(n));
                e.kind = match e.kind {
                    Kind::Connect { src, dst, via } => Kind::Connect {
                        src: self.addr(src),
                        dst: self.addr(dst),
                        via,
                    },
                    Kind::Command { text, verb } => Kind::Command {
                        text: self.text(&text),
                        verb,
                    },
                    Kind::Reply { code, text } => Kind::Reply {
                        code,
                        text: self.text(&text),
                    },
                    k => k,
                };
                e
            })
            .collect();
        Trace { events }
    }
}
