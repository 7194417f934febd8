//! What a trace says about the first data connection of an FTP session,
//! in terms that a kernel run (two captures, one each side of a router)
//! and a lab run (one trace, the helper's rewrites in its notes) share:
//! what the announcement said on each side, who dialled from which port to
//! which, how the dial ended, the replies the client got.

#![allow(dead_code)]

use ftpviz::ftp::hostport;
use ftpviz::middlebox::nat::is_private;
use ftpviz::trace::{Event, FailReason, Kind, Side};
use std::net::SocketAddr;

/// What an announcement said: a private or a public address (or none, in
/// a 229), and the port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Said {
    Private(u16),
    Public(u16),
    PortOnly(u16),
}

impl Said {
    pub fn port(self) -> u16 {
        match self {
            Said::Private(p) | Said::Public(p) | Said::PortOnly(p) => p,
        }
    }
    /// The same without the port (ports are chosen afresh by each run).
    pub fn kind(self) -> &'static str {
        match self {
            Said::Private(_) => "private address",
            Said::Public(_) => "public address",
            Said::PortOnly(_) => "port only",
        }
    }
}

/// How a dial ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Worked,
    Refused,
    Dropped,
}

/// The story of one run, comparable between the kernel and the lab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// The first PORT/EPRT/227/229 as the client's side and the server's
    /// side of the router saw it, and whether both carry the same port.
    pub said_client: Option<&'static str>,
    pub said_server: Option<&'static str>,
    pub same_port: bool,
    /// The server's side got an IPv6 EPRT with its address written in
    /// full (eight groups of four digits), as the kernel's rewrite writes.
    pub written_in_full: bool,
    /// The reply to a PORT/EPRT (2xx or 5xx), by class.
    pub announce_reply: Option<u16>,
    /// The first data dial: who, from the control port − 1 or not, to the
    /// announced port or not, to a private address or not, how it ended.
    pub dialler: Option<Side>,
    pub from_control_minus_one: bool,
    pub to_announced_port: bool,
    pub to_private: bool,
    pub end: Option<End>,
    /// The final reply the client got to its first transfer command.
    pub transfer_reply: Option<u16>,
}

/// An `EPRT |2|…|` whose address is written in full, uncompressed.
pub fn in_full(e: &Event) -> bool {
    let Kind::Command { verb, text } = &e.kind else {
        return false;
    };
    let Some(addr) = text.split('|').nth(2) else {
        return false;
    };
    let groups: Vec<&str> = addr.split(':').collect();
    verb == "EPRT"
        && groups.len() == 8
        && groups
            .iter()
            .all(|g| g.len() == 4 && g.chars().all(|c| c.is_ascii_hexdigit()))
}

pub fn said(e: &Event) -> Option<Said> {
    let addr = |a: SocketAddr| {
        if is_private(a.ip()) {
            Said::Private(a.port())
        } else {
            Said::Public(a.port())
        }
    };
    match &e.kind {
        Kind::Command { verb, text } => {
            let arg = text.get(verb.len()..).unwrap_or_default().trim();
            match verb.as_str() {
                "PORT" => hostport::parse_port(arg)
                    .ok()
                    .map(|a| addr(SocketAddr::V4(a))),
                "EPRT" => hostport::parse_eprt(arg).ok().map(addr),
                _ => None,
            }
        }
        Kind::Reply { code: 227, text } => hostport::parse_227(text)
            .ok()
            .map(|a| addr(SocketAddr::V4(a))),
        Kind::Reply { code: 229, text } => hostport::parse_229(text).ok().map(Said::PortOnly),
        _ => None,
    }
}

pub fn first_announcement(events: &[Event]) -> Option<(usize, &Event)> {
    events.iter().enumerate().find(|(_, e)| said(e).is_some())
}

/// The line a helper's rewrite note names as the original: `rewrote "A" → "B"`.
pub fn rewritten_from(note: &str) -> Option<String> {
    ftpviz::middlebox::helper::Rewrite::read(note).map(|r| r.sent)
}

/// The event `e` with its text replaced by `line` (to read the other side of
/// a rewrite).
pub fn with_line(e: &Event, line: &str) -> Event {
    let mut other = e.clone();
    other.kind = match &e.kind {
        Kind::Command { verb, .. } => Kind::Command {
            verb: verb.clone(),
            text: line.to_string(),
        },
        Kind::Reply { code, .. } => Kind::Reply {
            code: *code,
            text: line.to_string(),
        },
        k => k.clone(),
    };
    other
}

/// The first data dial in `events`: its connect, and how it ended.
pub fn first_dial(events: &[Event]) -> Option<(Side, SocketAddr, SocketAddr, End)> {
    let dial = events
        .iter()
        .find(|e| e.conn > 0 && matches!(e.kind, Kind::Connect { .. }))?;
    let Kind::Connect { src, dst, .. } = dial.kind else {
        return None;
    };
    let end = events
        .iter()
        .filter(|e| e.session == dial.session && e.conn == dial.conn)
        .find_map(|e| match e.kind {
            Kind::Accept => Some(End::Worked),
            Kind::Fail {
                reason: FailReason::Refused | FailReason::Reset,
                ..
            } => Some(End::Refused),
            Kind::Fail { .. } => Some(End::Dropped),
            _ => None,
        })
        .unwrap_or(End::Dropped);
    Some((dial.from, src, dst, end))
}

pub fn control_port(events: &[Event]) -> Option<u16> {
    events.iter().find_map(|e| match e.kind {
        Kind::Connect { dst, .. } if e.conn == 0 => Some(dst.port()),
        _ => None,
    })
}

/// The first reply after event `at` that is not preliminary (1xx).
pub fn reply_after(events: &[Event], at: usize) -> Option<u16> {
    events.iter().skip(at + 1).find_map(|e| match e.kind {
        Kind::Reply { code, .. } if e.conn == 0 && code >= 200 => Some(code),
        _ => None,
    })
}

/// The facts, from the client's side of the router (`client`), the
/// server's side (`server`), and the side the dial starts on.
pub fn facts(client: &[Event], server: &[Event], dials: &[Event]) -> Facts {
    let said_c = first_announcement(client).and_then(|(_, e)| said(e));
    let said_s = first_announcement(server).and_then(|(_, e)| said(e));
    let announce_reply = first_announcement(client).and_then(|(i, e)| match e.kind {
        Kind::Command { .. } => reply_after(client, i),
        _ => None,
    });
    let transfer = client.iter().position(|e| {
        matches!(&e.kind, Kind::Command { verb, .. } if matches!(verb.as_str(), "LIST" | "NLST" | "RETR" | "STOR"))
    });
    let dial = first_dial(dials);
    let ctl = control_port(dials).unwrap_or(0);
    let announced = match dial.map(|d| d.0) {
        Some(Side::Server) => said_s,
        _ => said_c,
    };
    Facts {
        said_client: said_c.map(Said::kind),
        said_server: said_s.map(Said::kind),
        same_port: said_c.map(Said::port) == said_s.map(Said::port),
        written_in_full: first_announcement(server).is_some_and(|(_, e)| in_full(e)),
        announce_reply,
        dialler: dial.map(|d| d.0),
        from_control_minus_one: dial.is_some_and(|d| d.1.port() == ctl.wrapping_sub(1)),
        to_announced_port: dial.is_some_and(|d| Some(d.2.port()) == announced.map(Said::port)),
        to_private: dial.is_some_and(|d| is_private(d.2.ip())),
        end: dial.map(|d| d.3),
        transfer_reply: transfer.and_then(|i| reply_after(client, i)),
    }
}

/// The lab's facts: one trace, recorded where each line was received; a
/// helper's note gives the line as it was sent.
pub fn lab_facts(events: &[Event]) -> Facts {
    let mut client = events.to_vec();
    let mut server = events.to_vec();
    for (i, e) in events.iter().enumerate() {
        let Some(before) = e.note.as_deref().and_then(rewritten_from) else {
            continue;
        };
        match e.kind {
            // A command is recorded as the server received it.
            Kind::Command { .. } => client[i] = with_line(e, &before),
            // A reply is recorded as the client received it.
            Kind::Reply { .. } => server[i] = with_line(e, &before),
            _ => {}
        }
    }
    facts(&client, &server, events)
}

/// What a PORT/EPRT naming a private address gets: vsftpd 500, ftpviz 504.
pub fn allowed_difference(kernel: &Facts, lab: &Facts) -> bool {
    kernel.announce_reply == Some(500)
        && lab.announce_reply == Some(504)
        && Facts {
            announce_reply: None,
            ..kernel.clone()
        } == Facts {
            announce_reply: None,
            ..lab.clone()
        }
}
