//! Narration: the current event in plain words, with its arithmetic.
//!
//! The sequence diagram shows *what* crossed the wire; the narration says
//! *why it matters*. Its rules are the ones a teacher says aloud:
//!
//! - the address inside `PORT` and `227` is six numbers, and the port is the
//!   last two as bytes: `195 × 256 + 80 = 50000` (decoded with
//!   [`crate::ftp::hostport`], never a second parser);
//! - in active mode the server dials *from* its control port − 1 (RFC 959
//!   §3.2: port 20 for 21), and only after the transfer command;
//! - the first digit of a reply code says how things went: 1 "wait, more
//!   is coming", 2 done, 3 send more, 4 try again, 5 no (RFC 959 §4.2);
//! - `TYPE A` rewrites line ends on the wire, `TYPE I` sends the bytes as
//!   they are;
//! - a dial that a firewall or NAT killed is the moment to say why stateful
//!   FTP helpers exist, why EPSV gets through a server's NAT, and (at
//!   `AUTH TLS`) why encryption blinds those helpers.
//!
//! Everything here is a pure function of the events shown so far.

mod command;
mod connection;
pub mod moment;
mod reply;
pub mod summary;

use crate::middlebox::narration::{WHY_EPSV_DODGES_NAT, WHY_FTPS_BLINDS, WHY_HELPERS};
use crate::trace::{Blocker, Event, Kind, Via};
use std::net::SocketAddr;

/// What to say about one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Narration {
    /// One line: what happened.
    pub headline: String,
    /// A few sentences: why, with the arithmetic and where to read more.
    pub body: String,
}

impl Narration {
    fn new(headline: impl Into<String>, body: impl Into<String>) -> Narration {
        Narration {
            headline: headline.into(),
            body: body.into(),
        }
    }
}

/// What to say when nothing has happened yet.
pub fn start(live: bool) -> Narration {
    let body = if live {
        "Press → and the lab client takes its first action for real; space plays the whole lesson."
    } else {
        "Press → to step through the trace one event at a time; space plays it."
    };
    Narration::new("Nothing has happened yet.", body)
}

/// Narrates the last of `shown` (the current event), using the earlier ones
/// for context.
pub fn narrate(shown: &[Event]) -> Narration {
    let Some((current, before)) = shown.split_last() else {
        return start(false);
    };
    let session = Session::of(current.session, before);
    let mut n = match &current.kind {
        Kind::Connect { src, dst, via } => connection::connect(current, *src, *dst, *via, &session),
        Kind::Accept => connection::accept(current),
        Kind::Fail { reason, by } => connection::fail(current, *reason, *by),
        Kind::Command { text, .. } => command::command(text, &session),
        Kind::Reply { code, text } => reply::reply(*code, text, &session),
        Kind::Data { bytes } => connection::data(current, *bytes, &session),
        Kind::Close => connection::close(current),
    };
    if let Some(note) = &current.note {
        let note = clean(note);
        n.body = if matches!(current.kind, Kind::Fail { .. }) {
            // The source knows exactly why this dial died: say that first.
            format!("{}{} {}", upper_first(&note), full_stop(&note), n.body)
        } else {
            format!("{} Note: {note}{}", n.body, full_stop(&note))
        };
    }
    if let Some(lesson) = middlebox_lesson(current, before) {
        n.body = format!("{} {lesson}", n.body);
    }
    n
}

/// The lesson about middleboxes that this step is the moment for, if any.
fn middlebox_lesson(current: &Event, before: &[Event]) -> Option<&'static str> {
    match &current.kind {
        Kind::Fail { by: Some(by), .. } => {
            // How was the dead connection announced? A 227 behind a NAT
            // named an address nobody can reach; EPSV would not have.
            let via = before.iter().rev().find_map(|e| match e.kind {
                Kind::Connect { via, .. }
                    if e.session == current.session && e.conn == current.conn =>
                {
                    via
                }
                _ => None,
            });
            Some(match (by, via) {
                (Blocker::Nat, Some(Via::Pasv)) => WHY_EPSV_DODGES_NAT,
                _ => WHY_HELPERS,
            })
        }
        Kind::Command { verb, .. } if verb == "AUTH" => Some(WHY_FTPS_BLINDS),
        _ => None,
    }
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn full_stop(s: &str) -> &'static str {
    if s.ends_with(['.', '!', '?']) {
        ""
    } else {
        "."
    }
}

/// Wire text made safe to show: control characters become `·`.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '·' } else { c })
        .collect()
}

/// What the earlier events of the same session tell about the current one.
#[derive(Default)]
struct Session {
    /// The server's control address (the first dial's destination).
    server_control: Option<SocketAddr>,
    /// The last command sent, upper-case verb.
    last_verb: Option<String>,
    /// The last transfer type asked for (`A`, `I`, …).
    type_code: Option<char>,
    /// The last transfer command (LIST, RETR, STOR…).
    transfer: Option<String>,
}

impl Session {
    fn of(session: u32, before: &[Event]) -> Session {
        let mut s = Session::default();
        // Walk back to this session's first event; stop at the control dial.
        for e in before.iter().rev().filter(|e| e.session == session) {
            match &e.kind {
                Kind::Connect { dst, .. } if e.conn == 0 => {
                    s.server_control = Some(*dst);
                    break;
                }
                Kind::Command { text, verb } => {
                    if s.last_verb.is_none() {
                        s.last_verb = Some(verb.clone());
                    }
                    if s.type_code.is_none() && verb == "TYPE" {
                        s.type_code = text.split(' ').nth(1).and_then(|a| a.chars().next());
                    }
                    if s.transfer.is_none() && is_transfer(verb) {
                        s.transfer = Some(clean(text));
                    }
                }
                _ => {}
            }
        }
        s
    }
}

fn is_transfer(verb: &str) -> bool {
    matches!(
        verb,
        "LIST" | "NLST" | "MLSD" | "RETR" | "STOR" | "STOU" | "APPE"
    )
}
