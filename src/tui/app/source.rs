//! Sources: where a pane's events come from, as the player sees it.
//!
//! The player does not care whether its trace was read from a file or is
//! being made right now by the lab. A pane holds its events (in the
//! [`Player`](crate::player::Player)) and, for a live source, a
//! [`Source`]: the one thing the player can ask of it — "take your next
//! action" — when the cursor stands at the live edge. The events themselves
//! arrive separately, on a channel the app loop listens to.
//!
//! A finished trace (a replay, a test fixture) has no source at all.

use crate::lab::Lab;
use crate::trace::Event;
use std::future::Future;
use std::pin::Pin;
use tokio::sync::mpsc;

/// A source winding down: done when everything it held (sockets, ports) is
/// let go.
pub type Stopping = Pin<Box<dyn Future<Output = ()>>>;

/// Something that produces events one action at a time.
pub trait Source {
    /// Let the source take exactly one next action (in the lab: the client
    /// sends its next command, and what that entails happens).
    fn step(&mut self);

    /// Let the source take all its remaining actions without asking (`End`
    /// at the live edge: the lesson runs to its end).
    fn run_free(&mut self) {}

    /// Stop for good, and wait until the source has let go of its ports
    /// (a lab being replaced by a new one on the same control port).
    fn stop(self: Box<Self>) -> Stopping {
        Box::pin(std::future::ready(()))
    }
}

/// The live lab as a source: stepping it lets its client act once.
pub struct LiveLab {
    lab: Lab,
}

impl LiveLab {
    /// Takes the lab's event channel out (for the app loop) and keeps the
    /// lab itself to step it.
    pub fn split(mut lab: Lab) -> (LiveLab, mpsc::UnboundedReceiver<Event>) {
        let (_, closed) = mpsc::unbounded_channel();
        let events = std::mem::replace(&mut lab.events, closed);
        (LiveLab { lab }, events)
    }
}

impl Source for LiveLab {
    fn step(&mut self) {
        self.lab.step();
    }

    fn run_free(&mut self) {
        self.lab.run_free();
    }

    /// Withdraws the client's permission to act: it ends its lesson after
    /// its current action, and both peers hang up.
    fn stop(self: Box<Self>) -> Stopping {
        Box::pin(async move {
            let _ = self.lab.finish().await;
        })
    }
}
