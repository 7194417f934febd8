//! The meter: how a data connection's bytes become a few `data` events.
//!
//! A socket moves a file in thousands of writes; a trace with one event per
//! write would bury the story. So the sender's bytes are counted, and the
//! count leaves as one `data` event at most every [`Meter::EVERY`], the rest
//! when the meter is flushed or dropped (at the close). The trace stays
//! readable — however big the transfer, at most twenty events a second —
//! and the sum per connection stays exact, as the Trace contract demands.

use super::Recorder;
use crate::trace::Side;
use std::time::{Duration, Instant};

/// Counts the payload of one direction of one data connection and turns it
/// into few `data` events: one per [`Meter::EVERY`] at most, the rest at the
/// end, so a 400 MiB transfer makes a readable trace and the sum stays
/// exact.
pub struct Meter {
    rec: Recorder,
    conn: u32,
    from: Side,
    pending: u64,
    total: u64,
    last: Instant,
}

impl Meter {
    pub const EVERY: Duration = Duration::from_millis(50);

    pub fn new(rec: Recorder, conn: u32, from: Side) -> Meter {
        Meter {
            rec,
            conn,
            from,
            pending: 0,
            total: 0,
            last: Instant::now(),
        }
    }

    /// `n` more bytes went by.
    pub fn add(&mut self, n: usize) {
        let n = n as u64;
        self.pending += n;
        self.total += n;
        if self.last.elapsed() >= Meter::EVERY {
            self.flush();
        }
    }

    /// Records what is pending now.
    pub fn flush(&mut self) {
        if self.pending > 0 {
            self.rec.data(self.conn, self.from, self.pending);
            self.pending = 0;
        }
        self.last = Instant::now();
    }

    /// All bytes counted so far.
    pub fn total(&self) -> u64 {
        self.total
    }
}

impl Drop for Meter {
    fn drop(&mut self) {
        self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tap::{Scope, Tap};
    use crate::trace::Kind;

    #[test]
    fn the_meter_keeps_the_sum_exact() {
        let (tap, mut rx) = Tap::new();
        let rec = tap.dial_control(
            Side::Server,
            Scope::Alone,
            "127.0.0.1:1".parse().unwrap(),
            "127.0.0.1:2".parse().unwrap(),
        );
        let mut meter = Meter::new(rec, 1, Side::Server);
        for _ in 0..1000 {
            meter.add(4096);
        }
        drop(meter);
        let total: u64 = std::iter::from_fn(|| rx.try_recv().ok())
            .map(|e| {
                if let Kind::Data { bytes } = e.kind {
                    bytes
                } else {
                    0
                }
            })
            .sum();
        assert_eq!(total, 4_096_000);
    }
}
