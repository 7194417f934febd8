//! The gate: a bounded queue between the tap's writers and its reader.
//!
//! Events are recorded where they happen, in plain (not async) code, so a
//! writer cannot wait *while* it records. It waits *before* it takes on
//! more work instead: a session asks for [`Gate::room`] before it reads
//! the next command. A reader that stops reading (a `--json` consumer
//! that stalls) therefore stops the sessions at their next command, and
//! the clients' own TCP buffers fill up — not the server's memory. What is
//! already under way finishes and is recorded: the queue holds at most
//! `capacity` events plus the few each session records per command.

use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Notify;

/// Counts events sent but not yet read.
#[derive(Debug)]
pub struct Gate {
    unread: AtomicUsize,
    capacity: usize,
    opened: Notify,
}

impl Gate {
    pub fn new(capacity: usize) -> Gate {
        Gate {
            unread: AtomicUsize::new(0),
            capacity: capacity.max(1),
            opened: Notify::new(),
        }
    }

    /// One more event is in the queue.
    pub(super) fn sent(&self) {
        self.unread.fetch_add(1, Ordering::AcqRel);
    }

    /// The reader took one event out.
    pub fn read(&self) {
        let before = self
            .unread
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                Some(n.saturating_sub(1))
            })
            .unwrap_or(0);
        if before <= self.capacity {
            self.opened.notify_waiters();
        }
    }

    /// Events in the queue.
    pub fn unread(&self) -> usize {
        self.unread.load(Ordering::Acquire)
    }

    /// Waits until fewer than `capacity` events are unread.
    pub async fn room(&self) {
        loop {
            let opened = self.opened.notified();
            tokio::pin!(opened);
            // Registered before the check, so a `read` in between wakes us.
            opened.as_mut().enable();
            if self.unread() < self.capacity {
                return;
            }
            opened.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;

    #[test]
    fn a_full_gate_opens_when_the_reader_reads() {
        let gate = Gate::new(2);
        gate.sent();
        assert!(gate.room().now_or_never().is_some(), "one unread: room");
        gate.sent();
        assert!(gate.room().now_or_never().is_none(), "two unread: full");
        gate.read();
        assert!(gate.room().now_or_never().is_some());
    }
}
