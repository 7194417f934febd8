//! What a pane says: its narration at the cursor, or its summary once the
//! lesson is over, as the text the narration area, the reader, the
//! presenter and the finale lay out ([`Told`]).
//!
//! The words are [`crate::narration`]'s; this picks which, for a pane:
//! before the first event, what `→` does here (`prompt`); while the
//! quiz holds a pane back, nothing that would answer it; while a pane waits
//! for its source, what it waits for.

use super::pane::{Origin, Pane};
use super::prompt;
use crate::narration::{self, summary, Between};
use crate::tui::widgets::narration_view::Told;

/// The middlebox a pane's narration may speak of: known in the lab (none
/// is a fact too), unknown in a capture or a `serve` session.
fn between(pane: &Pane) -> Option<Between> {
    match pane.origin {
        Origin::Lab => Some(match &pane.middlebox {
            Some(label) => label.config.between(),
            None => Between::default(),
        }),
        Origin::Capture | Origin::Serve => None,
    }
}

/// The narration's headline while the quiz holds it back.
pub const HELD: &str = "Who dials? Answer first.";

/// What the narration says for `pane` at its cursor.
pub fn told(pane: &Pane, side_by_side: bool) -> Told {
    let p = &pane.player;
    let shown = p.visible();
    if pane.held.is_some() {
        // The narration would answer the open question: it waits for the
        // reveal.
        return Told {
            headline: HELD.to_string(),
            body: vec![
                "This step's words come back with the reveal: they would give the answer away."
                    .to_string(),
            ],
            wire: Vec::new(),
        };
    }
    let mut t = if shown.is_empty() {
        let w = prompt::start(pane, side_by_side);
        Told {
            headline: w.headline,
            body: vec![w.body],
            wire: Vec::new(),
        }
    } else {
        let account = pane.account();
        let ctx = narration::Context {
            events: &p.trace().events,
            account: &account,
            between: between(pane),
            ours: pane.ours(),
        };
        let n = narration::narrate_at(&ctx, shown.len() - 1);
        // A multi-line reply shows below as its lines.
        let wire: Vec<String> = match &n.wire {
            Some(text) if text.lines().nth(1).is_some() => text.lines().map(String::from).collect(),
            _ => Vec::new(),
        };
        let headline = n.headline;
        Told {
            headline,
            body: vec![n.body],
            wire,
        }
    };
    if p.is_awaiting() {
        // Say what the pane waits for; what it shows stays readable below.
        let shown_headline = std::mem::replace(&mut t.headline, prompt::waiting(pane).into());
        if !shown.is_empty() {
            t.body.insert(0, shown_headline);
        }
    }
    t
}

/// The summary of a pane, as narration text.
pub fn summary(pane: &Pane) -> Told {
    let headline = match pane.origin {
        Origin::Lab if pane.run => "This run is over. In short:",
        Origin::Lab => "The lesson is over. In short:",
        Origin::Capture => "The end of the trace. In short:",
        Origin::Serve => "The session has ended. In short:",
    };
    let s = summary::summary_of(&pane.account());
    let mut body = s.lines();
    body.push("← the last event · Home the start · space plays it again".to_string());
    Told {
        headline: headline.to_string(),
        body,
        wire: Vec::new(),
    }
}
