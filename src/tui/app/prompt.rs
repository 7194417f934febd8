//! Prompts: the screen's words about the keys themselves — what `→` does
//! here, what the pane waits for, what `f` will throw away.
//!
//! `→` does different things in different places: in the lab, at the live
//! edge, it makes the client act for real; in a capture it only moves the
//! cursor; in a `serve` session it waits for a real client. Side by side it
//! moves two panes by the rules of [`super::lockstep`]. The words on screen
//! must say which, before the first step and after `Home` alike.

use super::pane::{Origin, Pane};
use crate::lab::rig::{Change, Rig};

/// What the narration area says before the first event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Words {
    pub headline: String,
    pub body: String,
}

/// The narration before the first event: what `→` does for this pane.
pub fn start(pane: &Pane, side_by_side: bool) -> Words {
    let p = &pane.player;
    let headline = if p.trace().is_empty() {
        "Nothing has happened yet."
    } else {
        "Back at the start."
    };
    let both = "→ shows the next event of both panes; a dial is shown alone while the other \
                pane waits.";
    let body = match (pane.origin, side_by_side) {
        (Origin::Lab, true) => format!(
            "{both} When a pane has shown all that happened, its lab client takes its next \
             action for real. Space plays, pausing at each teaching moment."
        ),
        (Origin::Lab, false) => "→ shows the next event; when all that happened is shown, the \
                                 lab client takes its next action for real. Space plays, \
                                 pausing at each teaching moment."
            .to_string(),
        (Origin::Capture, true) => format!("{both} ← goes back. Space plays."),
        (Origin::Capture, false) => "→ shows the capture's next event, ← goes back. Space \
                                     plays, pausing at each teaching moment."
            .to_string(),
        (Origin::Serve, _) if p.is_live() => "→ shows the next event of this client's session; \
                                              when all is shown, → waits for the client to act."
            .to_string(),
        (Origin::Serve, _) => {
            "This session has ended. → steps through what the client did, ← goes back.".to_string()
        }
    };
    Words {
        headline: headline.to_string(),
        body,
    }
}

/// The headline while a pane waits for its source.
pub fn waiting(pane: &Pane) -> &'static str {
    match pane.origin {
        Origin::Serve => "waiting for the client to act…",
        _ => "waiting for the lab…",
    }
}

/// The key that makes `change`.
pub fn key(change: Change) -> char {
    match change {
        Change::Firewall => 'f',
        Change::Nat => 'n',
        Change::Extended => 'x',
    }
}

/// The question before `f`, `n` or `x` throws a run away, longest first
/// (the key bar shows the longest that fits).
pub fn confirm(change: Change, rig: &Rig) -> [String; 4] {
    let k = key(change);
    let labs = if rig.configs.len() > 1 {
        "both labs"
    } else {
        "the lab"
    };
    let (after, brief) = rig.after(change);
    [
        format!(" {k} again: restart {labs} with {after} (this run is thrown away) · any other key keeps it"),
        format!(" {k} again: restart with {after} · other key: keep this run"),
        format!(" {k} again: restart ({after}) · other key: keep"),
        format!(" {k} again: restart ({brief}) · other key: keep"),
    ]
}

/// The question after `q` in a lesson or a quiz, longest first.
pub fn quit(lesson: bool) -> [String; 3] {
    let what = if lesson { "the lesson" } else { "the quiz" };
    [
        format!(" Quit {what}? y: quit ftpviz · any other key: stay"),
        format!(" Quit {what}? y: quit · other key: stay"),
        " Quit? y: quit · other key: stay".to_string(),
    ]
}
