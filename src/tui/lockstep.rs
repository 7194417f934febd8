//! Lockstep: how the compare view steps two panes so they line up.
//!
//! Active and passive run the same lesson, but not with the same number of
//! events: the data connection is dialled at a different moment (after
//! `LIST` in active mode, right after `227` in passive), transfers differ
//! in segments, a blocked dial adds a `fail`. Stepping both panes one
//! *event* at a time lets them drift apart. So in the compare view `→`
//! steps by **action**. The stops are
//!
//! - the client's **commands** (and its control dial, the lesson's first
//!   action): the same list in both modes, `PORT` against `PASV`;
//! - the steps of the **data connection**: its address announced by the
//!   server (`227`/`229`), its dial, its failure, a reply that says it
//!   failed (4xx/5xx): where the modes differ.
//!
//! `→` moves every pane to its next stop, revealing what lies before it —
//! except that a pane whose next stop is a command **waits** while another
//! pane still has a data step to show. So commands always line up row for row,
//! and each data step shows up where it happens, the other pane holding
//! still:
//!
//! ```text
//!   active        passive
//!   PORT          PASV          →  both on their request
//!   PORT          227 …         →  passive: the server's address; active waits
//!   PORT          SYN data#1    →  passive dials at once; active waits
//!   LIST          LIST          →  the same command again
//!   SYN data#1    LIST          →  the server dials after LIST; passive waits
//! ```
//!
//! `←` retraces the same moves: panes standing on a data step go back alone;
//! when all stand on commands, all step back to their previous stop.

use super::pane::Pane;
use crate::trace::{Channel, Event, Kind};

/// What kind of stop an event is, if it is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// A client action: a command, or the control dial.
    Command,
    /// A step of the data connection: announced by the server, dialled,
    /// failed, or a reply saying something failed.
    Data,
}

/// The stop `e` is, if any.
pub fn stop(e: &Event) -> Option<Stop> {
    match (&e.kind, e.channel) {
        (Kind::Command { .. }, _) | (Kind::Connect { .. }, Channel::Control) => Some(Stop::Command),
        (Kind::Connect { .. } | Kind::Fail { .. }, Channel::Data) => Some(Stop::Data),
        (
            Kind::Reply {
                code: 227 | 229 | 400..,
                ..
            },
            _,
        ) => Some(Stop::Data),
        _ => None,
    }
}

/// The next stop ahead of the pane's cursor: a stop already received;
/// else, live, the outcome of a dial still under way (a blocked SYN takes
/// seconds to fail) or the source's next action, which opens with a
/// command; `None` at the end of a finished trace.
fn next_stop(pane: &Pane) -> Option<Stop> {
    let p = &pane.player;
    let events = &p.trace().events;
    let ahead = events.get(p.shown()..).unwrap_or_default();
    if let Some(s) = ahead.iter().find_map(stop) {
        return Some(s);
    }
    if !p.is_live() || p.is_awaiting() {
        return None;
    }
    Some(if dial_pending(events) {
        Stop::Data
    } else {
        Stop::Command
    })
}

/// True when the last data dial has neither connected nor failed yet.
fn dial_pending(events: &[Event]) -> bool {
    let is_dial = |e: &Event| e.channel == Channel::Data && matches!(e.kind, Kind::Connect { .. });
    let Some(at) = events.iter().rposition(is_dial) else {
        return false;
    };
    let (dial, after) = match (events.get(at), events.get(at + 1..)) {
        (Some(d), Some(a)) => (d, a),
        _ => return false,
    };
    !after.iter().any(|e| {
        e.session == dial.session
            && e.conn == dial.conn
            && matches!(e.kind, Kind::Accept | Kind::Fail { .. })
    })
}

/// `→` in the compare view.
pub fn forward(panes: &mut [Pane]) {
    let dials_ahead = panes.iter().any(|p| next_stop(p) == Some(Stop::Data));
    for pane in panes {
        if dials_ahead && next_stop(pane) != Some(Stop::Data) {
            continue;
        }
        forward_one(pane);
    }
}

/// Reveals events until the pane stands on a stop (or must wait for its
/// live source: for a dial under way, without asking; else it is asked for
/// its next action).
fn forward_one(pane: &mut Pane) {
    loop {
        let p = &pane.player;
        if p.at_end() && p.is_live() && dial_pending(&p.trace().events) {
            pane.player.await_next();
            return;
        }
        let before = pane.player.shown();
        pane.step_forward();
        let p = &pane.player;
        if p.is_awaiting() || p.shown() == before || p.current().and_then(stop).is_some() {
            return;
        }
    }
}

/// `←` in the compare view.
pub fn back(panes: &mut [Pane]) {
    let on_dial = |p: &Pane| p.player.current().and_then(stop) == Some(Stop::Data);
    let dials = panes.iter().any(on_dial);
    for pane in panes {
        if dials && !on_dial(pane) {
            continue;
        }
        loop {
            pane.player.step_back();
            let p = &pane.player;
            if p.shown() == 0 || p.current().and_then(stop).is_some() {
                break;
            }
        }
    }
}
