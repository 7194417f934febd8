//! Auto-pause: playing stops by itself at each teaching moment.
//!
//! A class watching the lesson play needs the teacher to stop where it
//! matters — a `PORT`, a `227`, a SYN, a ✗ — and talk. With auto-pause on
//! (the default; `a` toggles it), playing does exactly that: after each
//! step it looks at the events the step revealed and pauses on the first
//! [teaching moment](crate::narration::moment). Space plays on.
//!
//! This is the one hook playing passes through after each step, so other
//! stops (a quiz's question before a dial) can join it here.

use crate::narration::moment::{teaching_moment, Moment};
use crate::trace::Event;

/// Whether playing pauses at teaching moments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoPause {
    pub on: bool,
}

impl Default for AutoPause {
    fn default() -> AutoPause {
        AutoPause { on: true }
    }
}

impl AutoPause {
    /// The moment to pause at among the events one step revealed, if any.
    pub fn stop_at<'a>(&self, revealed: impl IntoIterator<Item = &'a Event>) -> Option<Moment> {
        if !self.on {
            return None;
        }
        revealed.into_iter().find_map(teaching_moment)
    }
}

/// A moment in a few words, for the title bar: "paused at a dial".
pub fn words(m: Moment) -> &'static str {
    match m {
        Moment::Announce => "a PORT: the client names its address",
        Moment::Address => "a 227/229: the server names its address",
        Moment::Dial => "a dial (SYN)",
        Moment::Blocked => "a dial that failed",
    }
}
