//! The meter: how a data connection's bytes become a few `data` events.
//!
//! A socket moves a file in thousands of writes; a trace with one event per
//! write would bury the story. So the sender's bytes are counted, and the
//! count leaves as one `data` event at most every [`Meter::EVERY`], the rest
//! when the meter is flushed or dropped (at the close). The trace stays
//! readable — however big the transfer, at most twenty events a second —
//! and the sum per connection stays exact, as the Trace contract demands.
//!
//! When the run is recorded, the meter also carries a copy of the bytes
//! it counts to the recording ([`super::payload`]): [`Meter::room`] before
//! each read or write says how much may move, [`Meter::add_bytes`] after it.
//!
//! Every count is also a sign of life: a recorder made with
//! [`Recorder::watched`] hands its meters a [`Progress`], which keeps the
//! moment bytes last moved, so the server can tell a slow transfer (it
//! moves) from a stalled one (it does not).

use super::payload::{Credit, Outlet};
use super::Recorder;
use crate::trace::Side;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// When bytes last moved on a transfer: shared between the meter that
/// counts them and whoever watches for a stall.
#[derive(Debug, Clone)]
pub struct Progress {
    since: Instant,
    /// Milliseconds from `since` to the last movement.
    last: Arc<AtomicU64>,
}

impl Progress {
    /// A transfer starting now (which counts as movement).
    pub fn new() -> Progress {
        Progress {
            since: Instant::now(),
            last: Arc::default(),
        }
    }

    /// Bytes moved just now.
    pub fn moved(&self) {
        let ms = u64::try_from(self.since.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.fetch_max(ms, Ordering::Relaxed);
    }

    /// When bytes last moved (or the transfer started).
    pub fn last(&self) -> Instant {
        self.since + Duration::from_millis(self.last.load(Ordering::Relaxed))
    }
}

impl Default for Progress {
    fn default() -> Progress {
        Progress::new()
    }
}

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
    /// Set when the run is recorded and these bytes are this meter's to
    /// record.
    carry: Option<Carry>,
}

/// The bytes counted since the last `data` event, for the recording, and
/// the budget permits they (and the room granted for more) hold.
struct Carry {
    outlet: Outlet,
    held: Vec<u8>,
    credit: Credit,
}

/// The most room granted at once, so several transfers share the budget.
pub(super) const STEP: usize = super::payload::BUDGET / 4;

impl Meter {
    pub const EVERY: Duration = Duration::from_millis(50);

    pub fn new(rec: Recorder, conn: u32, from: Side) -> Meter {
        let outlet = match rec.mine(from) {
            true => rec.tap.lock().payload.clone(),
            false => None,
        };
        let carry = outlet.map(|outlet| Carry {
            outlet,
            held: Vec::new(),
            credit: Credit::default(),
        });
        Meter {
            rec,
            conn,
            from,
            pending: 0,
            total: 0,
            last: Instant::now(),
            carry,
        }
    }

    /// How many of the next `want` bytes may move now: all of them, unless
    /// the run is recorded; then as many as the recording's byte budget
    /// grants, waiting (after handing over what is held) while it is spent.
    pub async fn room(&mut self, want: usize) -> usize {
        let Some(carry) = &mut self.carry else {
            return want;
        };
        let wanted = want.min(STEP);
        let granted = carry.credit.permits().saturating_sub(carry.held.len());
        if granted >= wanted {
            return wanted;
        }
        let more = u32::try_from(wanted - granted).unwrap_or(u32::MAX);
        let budget = carry.outlet.budget.clone();
        if let Ok(permit) = budget.clone().try_acquire_many_owned(more) {
            permit.forget();
            carry.credit.merge(Credit::new(&budget, more));
            return wanted;
        }
        // Hold nothing while waiting: hand over the held bytes (and their
        // permits), so no two meters wait on each other.
        self.flush();
        if let Some(carry) = &mut self.carry {
            carry.credit = Credit::default();
        }
        let need = u32::try_from(wanted).unwrap_or(u32::MAX);
        match budget.clone().acquire_many_owned(need).await {
            Ok(permit) => {
                permit.forget();
                if let Some(carry) = &mut self.carry {
                    carry.credit.merge(Credit::new(&budget, need));
                }
                wanted
            }
            // The budget is never closed; were it, stop copying.
            Err(_) => {
                self.carry = None;
                want
            }
        }
    }

    /// True when the run is recorded and this meter copies the bytes it
    /// counts: they must then pass through [`Meter::add_bytes`], so a path
    /// that never sees them (`sendfile`) is not for this meter.
    pub fn carries_payload(&self) -> bool {
        self.carry.is_some()
    }

    /// `bytes` went by (after [`Meter::room`] allowed them).
    pub fn add_bytes(&mut self, bytes: &[u8]) {
        if let Some(carry) = &mut self.carry {
            carry.held.extend_from_slice(bytes);
        }
        self.add(bytes.len());
    }

    /// `n` more bytes went by.
    pub fn add(&mut self, n: usize) {
        if let Some(progress) = &self.rec.progress {
            progress.moved();
        }
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
            if let Some(carry) = &mut self.carry {
                // The chunk leaves just before its event: the recording
                // that reads the event finds its bytes.
                let chunk = super::payload::Chunk {
                    session: self.rec.session(),
                    conn: self.conn,
                    from: self.from,
                    bytes: std::mem::take(&mut carry.held),
                    _credit: std::mem::take(&mut carry.credit),
                };
                let _ = carry.outlet.tx.send(chunk);
            }
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
