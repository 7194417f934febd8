//! The live edge: how far the trace so far is final.
//!
//! A trace is read in capture order but shown in time order, and the
//! tracker sometimes learns late what an earlier moment was: a candidate
//! session's queued events join the trace once it proves to be FTP, a
//! dial waits for the command it serves (its note), data bytes are counted
//! before they are reported, control bytes wait behind a hole. Reading a
//! whole file, the trace is sorted at the end. Reading a capture as it
//! arrives (a pipe, a growing file), events are given out as soon as
//! nothing earlier can still appear or change: the **horizon** is the
//! earliest time something pending may still add or change, and every
//! event before it is final.
//!
//! Something that stays pending for long (a connection that never says a
//! word, so never proves to be FTP or not) must not hold the screen back:
//! the horizon never lags the capture by more than [`MAX_LAG_NS`]. What
//! turns up later than that is given out late, after events that follow
//! it; a whole file read at once never has that.
//!
//! Events given out are let go ([`Tracker::forget`]): a live reading that
//! runs for hours keeps only the events not given out yet and those a
//! session still points at (a dial waiting for its command), so its memory
//! follows what is open, not how long it ran.

use super::connection::Role;
use super::Tracker;

/// The horizon lags the newest packet by at most this (capture time).
pub const MAX_LAG_NS: u64 = 5_000_000_000;

impl Tracker {
    /// Trace time (seconds) before which every event is final, given the
    /// capture time of the newest packet. `None` when nothing is pending:
    /// every event so far is final.
    pub fn horizon(&self, now_ns: u64) -> Option<f64> {
        let t0 = self.t0?;
        let t = |ns: u64| ns.saturating_sub(t0) as f64 / 1e9;
        let mut ns_bounds = Vec::new();
        for c in self.conns.values() {
            match &c.role {
                Role::Undecided(u) => ns_bounds.push(u.syn_ns),
                Role::Data(d) if d.pending != [0, 0] => ns_bounds.push(d.last_ns),
                Role::Control(_) => {
                    ns_bounds.extend(c.streams.iter().filter_map(|s| s.waiting_since()))
                }
                _ => {}
            }
        }
        // Tails kept aside are given to the trace once their server proves
        // to speak FTP.
        let sessions = self
            .sessions
            .values()
            .chain(&self.tails)
            .filter_map(|s| s.unsettled_since(&self.sink.events));
        let earliest = ns_bounds
            .into_iter()
            .map(t)
            .chain(sessions)
            .min_by(f64::total_cmp)?;
        Some(earliest.max(t(now_ns.saturating_sub(MAX_LAG_NS))))
    }
}

impl Tracker {
    /// Lets go of the events before `upto` (given out already), except from
    /// the first one a session still points at; every index held into the
    /// list moves down. Returns how many events were let go.
    pub fn forget(&mut self, upto: usize) -> usize {
        let held = self
            .sessions
            .values()
            .chain(&self.tails)
            .filter_map(|s| s.first_held())
            .min();
        let k = held
            .map_or(upto, |h| h.min(upto))
            .min(self.sink.events.len());
        if k > 0 {
            self.sink.events.drain(..k);
            for s in self.sessions.values_mut().chain(self.tails.iter_mut()) {
                s.held_moved_down(k);
            }
        }
        k
    }
}
