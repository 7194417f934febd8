//! Linking a data connection to what announced it.
//!
//! FTP never lets a data connection happen by surprise: just before it,
//! the control channel names its endpoint. In *active* mode the client says
//! where it listens (`PORT 10,0,0,2,195,80`, or `EPRT |2|::1|50000|`) and the
//! server dials there; in *passive* mode the server says where it listens
//! (`227 Entering Passive Mode (10,0,0,3,195,80)`, or `229 ... (|||50000|)`)
//! and the client dials. So a SYN is matched, by its destination, against
//! the endpoints announced so far: the match says which session the
//! connection belongs to, how it was agreed (`via`) and who dials.
//!
//! Nothing about the port numbers is assumed (servers dial from 20, from
//! control port − 1, or from anywhere). Behind NAT a 227 may name a private
//! address that never appears on the wire, so a port match between the
//! session's two hosts also counts, and the note says the announced and
//! dialled hosts differ. A dial between those hosts that nobody announced,
//! while the session waits for a transfer (or for the answer to its PASV),
//! is probably a data connection:
//! marked unlinked (or RFC 959's default data port, when the server dials
//! the client's control address), and *unsure*, since a busy client may be
//! opening another control connection to the same server at that moment;
//! the tracker lets the first bytes decide. A dial to an endpoint that
//! serves FTP control is never a data connection.
//!
//! A capture can also miss the SYN (it started mid-transfer, or the SYN
//! was dropped). The first bytes seen then say nothing about who dialled,
//! but an announcement still does: whichever end of the connection was
//! announced is the listener, and the other end dialled it.

use super::announcement::{Announcement, Hosts};
use crate::trace::{Side, Via, UNSEEN_DIAL};
use std::collections::HashSet;
use std::net::SocketAddr;

/// A confirmed session that may get a data connection now (a transfer is
/// under way, a passive answer is awaited, or its control connection is
/// encrypted and nobody can tell), as linking needs to see it.
#[derive(Debug, Clone)]
pub struct Waiting {
    /// The session's internal id.
    pub session: u64,
    pub hosts: Hosts,
    /// Its control connection is encrypted (TLS) right now.
    pub encrypted: bool,
    /// When its control connection last carried bytes, and from whom.
    pub last_spoke: Option<(f64, Side)>,
}

/// What a dial turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dial {
    /// The session's internal id.
    pub session: u64,
    pub dialler: Side,
    pub via: Option<Via>,
    pub note: Option<String>,
    /// Not announced: only a guess until the connection's first bytes.
    pub unsure: bool,
}

/// Which live session, if any, a dial from `src` to `dst` serves. A
/// matched announcement is used up. `waiting` gives the confirmed sessions
/// that may get data now, in the order they were confirmed (asked only when
/// no announcement matches); `control` the endpoints known to serve FTP
/// control; `t` is the dial's time.
pub fn link(
    announced: &mut Vec<Announcement>,
    waiting: impl FnOnce() -> Vec<Waiting>,
    control: &HashSet<SocketAddr>,
    src: SocketAddr,
    dst: SocketAddr,
    t: f64,
) -> Option<Dial> {
    if control.contains(&dst) {
        return None;
    }
    if let Some(dial) = announced_dial(announced, src, dst) {
        return Some(dial);
    }
    let candidates: Vec<Waiting> = waiting()
        .into_iter()
        .filter(|s| dst != s.hosts.server && s.hosts.between(src, dst))
        .collect();
    // Several sessions between the same hosts, none announcing (their
    // control connections are encrypted): the one that spoke last, just
    // before the dial, is the likeliest to have asked for it.
    let s = candidates
        .iter()
        .rev()
        .max_by(|a, b| spoke(a).total_cmp(&spoke(b)))?;
    // On one host (loopback) addresses cannot tell the sides apart; a
    // privileged source port is the server's habit.
    let dialler = s.hosts.side_of(src.ip()).unwrap_or(if src.port() < 1024 {
        Side::Server
    } else {
        Side::Client
    });
    let default = dialler == Side::Server && dst == s.hosts.client;
    let note = if default {
        "no PORT or PASV: RFC 959's default data port (the client's control port)".to_string()
    } else if s.encrypted {
        let mut n = "unlinked: the control connection is encrypted (TLS), so the PORT or PASV \
             that announced this endpoint could not be read"
            .to_string();
        if candidates.len() > 1 {
            n.push_str(&inferred(s, candidates.len(), t));
        }
        n
    } else {
        "unlinked: no PORT, EPRT, 227 or 229 announced this endpoint".to_string()
    };
    Some(Dial {
        session: s.session,
        dialler,
        via: default.then_some(Via::Default),
        note: Some(note),
        unsure: true,
    })
}

/// When a session's control connection last carried bytes (−∞: never).
fn spoke(s: &Waiting) -> f64 {
    s.last_spoke.map_or(f64::NEG_INFINITY, |(t, _)| t)
}

/// Why a dial at `t` was given to `s` among `n` sessions that could have
/// made it: what was seen just before it.
fn inferred(s: &Waiting, n: usize, t: f64) -> String {
    let Some((at, from)) = s.last_spoke else {
        return String::new();
    };
    format!(
        "; inferred from what was seen: of {n} sessions between these hosts, the control \
         connection {} → {} spoke last before this dial ({} bytes from the {from}, {:.1} ms \
         earlier), so the dial is taken for its",
        s.hosts.client,
        s.hosts.server,
        if s.encrypted { "TLS" } else { "clear-text" },
        (t - at).max(0.0) * 1e3
    )
}

/// The dial from `src` to `dst`, if an announcement names `dst` (exactly,
/// or by port between a session's hosts, for NAT). It is used up.
fn announced_dial(
    announced: &mut Vec<Announcement>,
    src: SocketAddr,
    dst: SocketAddr,
) -> Option<Dial> {
    let exact = announced.iter().rposition(|a| a.addr == dst);
    let nat = || {
        announced
            .iter()
            .rposition(|a| a.addr.port() == dst.port() && a.hosts.between(src, dst))
    };
    let (a, exact) = match exact {
        Some(i) => (announced.remove(i), true),
        None => (announced.remove(nat()?), false),
    };
    let dialler = a.via.dialler();
    // The listener's end of the dial, against what was announced for it.
    let listener = if a.addr.port() == dst.port() {
        dst
    } else {
        src
    };
    let note = (!exact && listener.ip() != a.addr.ip()).then(|| {
        format!(
            "{} announced {}, the dial went to {}: the announced and dialled hosts differ \
             (a NAT rewrote one of them, or the {} ignored the address)",
            a.via.as_str(),
            a.addr,
            listener,
            dialler
        )
    });
    Some(Dial {
        session: a.session,
        dialler,
        via: Some(a.via),
        note,
        unsure: false,
    })
}

/// A connection first seen in mid-flow, between `a` and `b`, whose SYN the
/// capture lacks: if one end was announced, the other end dialled it.
/// Returns the dial and the (dialler, listener) endpoints.
pub fn link_unseen(
    announced: &mut Vec<Announcement>,
    a: SocketAddr,
    b: SocketAddr,
) -> Option<(Dial, SocketAddr, SocketAddr)> {
    let (mut dial, src, dst) = announced_dial(announced, a, b)
        .map(|d| (d, a, b))
        .or_else(|| announced_dial(announced, b, a).map(|d| (d, b, a)))?;
    let inferred = format!("{UNSEEN_DIAL}: dial inferred from the announcement");
    dial.note = Some(match dial.note.take() {
        Some(n) => format!("{inferred}; {n}"),
        None => inferred,
    });
    Some((dial, src, dst))
}
