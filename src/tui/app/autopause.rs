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
use crate::trace::{Event, Kind};

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
    /// Where to pause among the events one step revealed, if anywhere.
    pub fn stop_at<'a>(&self, revealed: impl IntoIterator<Item = &'a Event>) -> Option<Pause> {
        if !self.on {
            return None;
        }
        revealed.into_iter().find_map(|e| {
            teaching_moment(e).map(|moment| Pause {
                moment,
                what: label(e),
            })
        })
    }
}

/// Where playing paused by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pause {
    pub moment: Moment,
    /// The event in a word: "PORT", "EPRT", "227", "SYN", "✗".
    pub what: String,
}

impl Pause {
    /// In a few words, for the title bar: "a dial (SYN)".
    pub fn words(&self) -> String {
        match self.moment {
            Moment::Announce => format!("{}: the client names its address", self.what),
            Moment::Address => format!("{}: the server names its address", self.what),
            Moment::Dial => "a dial (SYN)".to_string(),
            Moment::Blocked => "a dial that failed (✗)".to_string(),
        }
    }
}

/// An event in a word.
fn label(e: &Event) -> String {
    match &e.kind {
        Kind::Command { verb, .. } => verb.clone(),
        Kind::Reply { code, .. } => code.to_string(),
        Kind::Connect { .. } => "SYN".to_string(),
        Kind::Fail { .. } => "✗".to_string(),
        other => other.name().to_string(),
    }
}
