//! Lockstep: how `→` moves the panes so that every event is shown, and the
//! two modes stay side by side.
//!
//! Active and passive run the same lesson, but not with the same events:
//! the data connection is dialled at a different moment (after `LIST` in
//! active mode, right after `227` in passive), a blocked dial adds a
//! `fail`. Each `→` shows the **next event of each pane**, with two rules
//! that keep the picture readable:
//!
//! - **Commands line up.** A pane whose next event is a client command (or
//!   the control dial) waits until the other pane's next event is a command
//!   too; then both show theirs. So `PORT` stands beside `PASV`, `LIST`
//!   beside `LIST`.
//! - **A dial is shown alone.** A data dial (SYN) and a dial that failed
//!   (✗) get a step of their own while the other pane waits: the one
//!   difference between the modes is never hidden by something else moving.
//!
//! Everything else (replies, handshakes, bytes, FINs) moves in both panes
//! at once, one event each:
//!
//! ```text
//!   active          passive
//!   PORT            PASV         →  both on their command
//!   200             227          →  one event each
//!   (waits)         SYN data#1   →  passive dials: alone
//!   (waits)         ✓ connected  →  the rest of its action
//!   LIST            LIST         →  the same command again
//!   SYN data#1      (waits)      →  active dials after LIST: alone
//! ```
//!
//! With one pane, `→` is simply its next event.
//!
//! **Live panes.** At the live edge the next event has not happened yet. If
//! something is under way (a dial's answer, the reply to a command, the
//! dial a `227` or an accepted `PORT` announced), the pane waits for it
//! without asking — alone, when what comes is a dial or its answer;
//! otherwise the lab's client is asked to take its next action, which opens
//! with a command. While any pane waits for its lab, `→` does nothing more
//! — except that a pane waiting on a guess (no dial under way) is then
//! asked after all, so a lab can never be left waiting for a permission.
//!
//! **Back.** `←` goes back to where the previous `→` started: since `→` is a
//! function of the positions and the events, the path from the start is
//! walked again and the cursor set one step back on it.

use super::pane::Pane;
use crate::ftp::hostport::{parse_227, parse_229};
use crate::player::Player;
use crate::trace::{Channel, Event, Kind};

/// What a pane's next step is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// A client command or the control dial: the panes line up on these.
    Command,
    /// A data dial or a dial that failed: shown while the other pane waits.
    Alone,
    /// Anything else: shown together with the other pane's next event.
    Along,
    /// Live: something under way will bring the next event (a dial's
    /// answer, the rest of an action); waited for without asking. `alone`
    /// when it is a data dial's answer.
    Coming { alone: bool },
    /// Live: everything so far is shown and the action is complete: the
    /// source must act, and its next action opens with a command.
    Ask,
    /// Nothing more will come.
    Done,
}

/// The kind of step an event is.
pub fn class(e: &Event) -> Next {
    match (&e.kind, e.channel) {
        (Kind::Command { .. }, _) | (Kind::Connect { .. }, Channel::Control) => Next::Command,
        (Kind::Connect { .. }, Channel::Data) | (Kind::Fail { .. }, _) => Next::Alone,
        _ => Next::Along,
    }
}

/// What `player`'s next step is (if it were at `shown`).
pub fn next(player: &Player, shown: usize) -> Next {
    let events = &player.trace().events;
    if let Some(e) = events.get(shown) {
        return class(e);
    }
    if !player.is_live() {
        return Next::Done;
    }
    match under_way(events) {
        Some(alone) => Next::Coming { alone },
        None => Next::Ask,
    }
}

/// Something still to come without the source acting: `Some(true)` for a
/// dial or a dial's answer (shown alone), `Some(false)` for the rest of a
/// client action (a command, or the control dial that the banner answers,
/// without its final reply).
fn under_way(events: &[Event]) -> Option<bool> {
    if let Some(data) = dial_pending(events) {
        return Some(data);
    }
    let dial = dial_expected(events);
    let action = events.iter().rposition(|e| class(e) == Next::Command);
    let ended = action.is_none_or(|at| {
        events[at + 1..].iter().any(|e| match e.kind {
            Kind::Reply { code, .. } => code >= 200,
            // The control connection closed or never opened: nothing follows.
            Kind::Close | Kind::Fail { .. } => e.conn == 0,
            _ => false,
        })
    });
    match (ended, dial) {
        (false, dial) => Some(dial),
        (true, true) => Some(true),
        (true, false) => None,
    }
}

/// The last dial, if it has neither connected nor failed: `Some(true)` for
/// a data connection's.
fn dial_pending(events: &[Event]) -> Option<bool> {
    let at = events
        .iter()
        .rposition(|e| matches!(e.kind, Kind::Connect { .. }))?;
    let dial = &events[at];
    let answered = events[at + 1..].iter().any(|e| {
        e.session == dial.session
            && e.conn == dial.conn
            && matches!(e.kind, Kind::Accept | Kind::Fail { .. })
    });
    (!answered).then_some(dial.channel == Channel::Data)
}

/// True when a data dial has been announced and is due, but not yet made:
/// the client dials right after a usable `227`/`229`; the server after a
/// transfer command that follows an accepted `PORT`/`EPRT`.
fn dial_expected(events: &[Event]) -> bool {
    let is_announcement = |e: &Event| match &e.kind {
        Kind::Command { .. } => e.verb().is_some_and(|v| v.is_active_setup()),
        Kind::Reply { code, .. } => matches!(code, 227 | 229),
        _ => false,
    };
    let Some(at) = events.iter().rposition(is_announcement) else {
        return false;
    };
    let after = &events[at + 1..];
    let dialled = after
        .iter()
        .any(|e| e.channel == Channel::Data && matches!(e.kind, Kind::Connect { .. }));
    if dialled {
        return false;
    }
    match &events[at].kind {
        Kind::Reply { code: 227, text } => parse_227(text).is_ok(),
        Kind::Reply { code: 229, text } => parse_229(text).is_ok(),
        _ => {
            let accepted = after.iter().any(|e| {
                matches!(
                    e.kind,
                    Kind::Reply {
                        code: 200..=299,
                        ..
                    }
                )
            });
            let transfer = after
                .iter()
                .any(|e| e.verb().is_some_and(|v| v.transfer().is_some()));
            accepted && transfer
        }
    }
}

/// Which panes move on `→`, given each one's next step.
pub fn plan(next: &[Next]) -> Vec<bool> {
    let alone = |n: &Next| matches!(n, Next::Alone | Next::Coming { alone: true });
    let along = |n: &Next| matches!(n, Next::Along | Next::Coming { alone: false });
    let command = |n: &Next| matches!(n, Next::Command | Next::Ask);
    if let Some(first) = next.iter().position(alone) {
        return (0..next.len()).map(|i| i == first).collect();
    }
    if next.iter().any(along) {
        return next.iter().map(along).collect();
    }
    next.iter().map(command).collect()
}

/// The next step of each pane as it stands.
fn nexts(panes: &[Pane]) -> Vec<Next> {
    panes
        .iter()
        .map(|p| next(&p.player, p.player.shown()))
        .collect()
}

/// True while a pane waits for its lab: `→` does nothing more until the
/// event arrives.
pub fn busy(panes: &[Pane]) -> bool {
    panes.iter().any(|p| p.player.is_awaiting())
}

/// The panes that would hold still on the next `→` while another moves
/// (to say "waits" over them).
pub fn waiting(panes: &[Pane]) -> Vec<bool> {
    if panes.len() < 2 || busy(panes) {
        return vec![false; panes.len()];
    }
    let next = nexts(panes);
    let moves = plan(&next);
    if !moves.iter().any(|&m| m) {
        return vec![false; panes.len()];
    }
    next.iter()
        .zip(moves)
        .map(|(n, m)| !m && *n != Next::Done)
        .collect()
}

/// `→`: moves the panes one step. Returns false when nothing could move
/// (every pane is done, or one waits for its lab).
pub fn forward(panes: &mut [Pane]) -> bool {
    if busy(panes) {
        // A pane waiting on a guess (the rest of an action, an announced
        // dial) is asked after all: its lab may be waiting for permission.
        for pane in panes.iter_mut() {
            let p = &pane.player;
            let guess = p.is_awaiting() && !p.has_asked();
            if guess && dial_pending(&p.trace().events).is_none() {
                pane.step_forward();
            }
        }
        return false;
    }
    let next = nexts(panes);
    let moves = plan(&next);
    let mut moved = false;
    for ((pane, n), m) in panes.iter_mut().zip(next).zip(moves) {
        if !m {
            continue;
        }
        moved = true;
        match n {
            Next::Coming { .. } => pane.player.await_next(),
            _ => pane.step_forward(),
        }
    }
    moved
}

/// `←`: back to where the last `→` started (see the module's text).
pub fn back(panes: &mut [Pane]) {
    let target: Vec<usize> = panes.iter().map(|p| p.player.shown()).collect();
    let path = path_to(panes, &target);
    let before = path
        .iter()
        .rev()
        .find(|s| **s != target)
        .cloned()
        .unwrap_or_else(|| vec![0; panes.len()]);
    for (pane, n) in panes.iter_mut().zip(before) {
        pane.player.seek(n);
    }
}

/// The positions `→` goes through from the start, as far as they stay at
/// or before `target` (over the events received; a pane at its last
/// received event holds still).
fn path_to(panes: &[Pane], target: &[usize]) -> Vec<Vec<usize>> {
    let mut state = vec![0; panes.len()];
    let mut path = vec![state.clone()];
    let limit: usize = panes.iter().map(|p| p.player.trace().len() + 1).sum();
    for _ in 0..limit {
        let next: Vec<Next> = panes
            .iter()
            .zip(&state)
            .map(|(p, &s)| match next(&p.player, s) {
                Next::Coming { .. } | Next::Ask => Next::Done,
                n => n,
            })
            .collect();
        let moves = plan(&next);
        if !moves.iter().any(|&m| m) {
            break;
        }
        let after: Vec<usize> = state
            .iter()
            .zip(&moves)
            .map(|(s, &m)| s + m as usize)
            .collect();
        if after.iter().zip(target).any(|(a, t)| a > t) {
            break;
        }
        state = after;
        path.push(state.clone());
    }
    path
}
