//! Giving out a trace while it is still being read.
//!
//! A live reading (a pipe, a growing file) cannot wait for the end to sort
//! its events. The tracker says up to when its events are final (its
//! [horizon](super::tracker::Tracker::horizon)); a [`Release`] gives out
//! those not given yet, in time order, numbered and timed exactly as the
//! whole trace would number and time them (sessions from 1 in order of
//! their first event, times from the first event). So a capture read live
//! gives the same trace as the same file read at once, as long as its
//! packets' timestamps never go back and nothing stays pending longer than
//! the horizon's lag.
//!
//! What was given out is not kept here: whoever takes the events keeps
//! what it needs (`--print` nothing, the TUI's list within a cap), so a
//! long live reading does not grow by its trace.
//!
//! Events are never taken back: the tracker only adds events after those
//! that a release has seen (or inserts them among the newer ones), so the
//! indices of the events seen stay valid; when the tracker lets go of the
//! events given out ([`Release::given_below`]), they all move down by as
//! many ([`Release::moved_down`]).

use crate::trace::Event;
use std::collections::HashMap;

#[derive(Debug, Default)]
pub struct Release {
    /// Indices of events seen but not given out yet.
    pending: Vec<usize>,
    /// Events seen so far (the tracker's list length at the last step).
    seen: usize,
    /// Internal session numbers → numbers in the trace.
    numbers: HashMap<u32, u32>,
    t0: Option<f64>,
    /// How many events were given out.
    given: u64,
}

impl Release {
    /// Gives out the events before `horizon` (all of them when
    /// `unbounded`), in time order.
    pub fn step(
        &mut self,
        events: &[Event],
        horizon: Option<f64>,
        unbounded: bool,
        sink: &mut dyn FnMut(&Event),
    ) {
        self.pending.extend(self.seen..events.len());
        self.seen = events.len();
        let limit = if unbounded {
            f64::INFINITY
        } else {
            horizon.unwrap_or(f64::NEG_INFINITY)
        };
        let mut ready: Vec<usize> = Vec::new();
        self.pending.retain(|&i| match events.get(i) {
            Some(e) if e.t < limit => {
                ready.push(i);
                false
            }
            Some(_) => true,
            None => false,
        });
        ready.sort_by(|&a, &b| events[a].t.total_cmp(&events[b].t).then(a.cmp(&b)));
        for i in ready {
            let mut e = events[i].clone();
            let t0 = *self.t0.get_or_insert(e.t);
            let next = self.numbers.len() as u32 + 1;
            e.session = *self.numbers.entry(e.session).or_insert(next);
            e.t -= t0;
            sink(&e);
            self.given += 1;
        }
    }

    /// The list's events before this index were all given out: the
    /// tracker may let them go.
    pub fn given_below(&self) -> usize {
        self.pending
            .iter()
            .copied()
            .min()
            .unwrap_or(self.seen)
            .min(self.seen)
    }

    /// The tracker let go of its first `k` events: indices move down.
    pub fn moved_down(&mut self, k: usize) {
        self.seen -= k;
        self.pending.iter_mut().for_each(|i| *i -= k);
    }

    /// How many events were given out, and the session numbering.
    pub fn into_count(self) -> (u64, HashMap<u32, u32>) {
        (self.given, self.numbers)
    }
}
