//! Teaching moments: the events a teacher stops at.
//!
//! Most of an FTP session is routine (log in, a reply, bytes flowing). The
//! lesson lives in a few events, and playing a trace pauses on each of them
//! so the class can look:
//!
//! | moment | event | why stop |
//! |---|---|---|
//! | [`Moment::Announce`] | `PORT` / `EPRT` | the client names an address for the server to dial |
//! | [`Moment::Address`] | `227` / `229` | the server names an address for the client to dial |
//! | [`Moment::Dial`] | any SYN (`connect`) | who dials whom, from which port to which |
//! | [`Moment::Blocked`] | a `fail` | a dial that died, and why |
//!
//! It is a pure function of one event, so anything can ask it: the TUI's
//! auto-pause, a quiz that asks before each dial, a recording that marks
//! these packets.

use crate::trace::{Event, Kind};

/// Why an event is worth stopping at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    /// `PORT` or `EPRT`: "dial me here".
    Announce,
    /// `227` or `229`: "dial me here", from the server.
    Address,
    /// A SYN: a connection is dialled.
    Dial,
    /// A dial that never became a connection.
    Blocked,
}

/// The teaching moment `e` is, if any.
pub fn teaching_moment(e: &Event) -> Option<Moment> {
    match &e.kind {
        Kind::Command { .. } if e.verb().is_some_and(|v| v.is_active_setup()) => {
            Some(Moment::Announce)
        }
        Kind::Reply {
            code: 227 | 229, ..
        } => Some(Moment::Address),
        Kind::Connect { .. } => Some(Moment::Dial),
        Kind::Fail { .. } => Some(Moment::Blocked),
        _ => None,
    }
}
