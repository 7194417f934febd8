//! `--explain`: the `--print` timeline with the lesson in it. Under each
//! event's line comes its narration as plain text — the headline, then the
//! body — wrapped to 80 columns and indented, then a blank line:
//!
//! ```text
//!   0.000518  1/0 control client  command PORT 127,0,0,2,209,17
//!     PORT: the client asks to be dialled.
//!     209 × 256 + 17 = 53521: the client is listening on port 53521 of
//!     127.0.0.2 and asks the server to dial it. …
//! ```
//!
//! For handouts, screen readers and tests: the same words the screens show,
//! without a screen. Every line is at most 80 columns: an event's line too
//! long for that goes on on rows that start with `  … `; its note (if the
//! source gave one) is said once, in the narration.

use super::{columns, narrate_at, Between, Context, Narration, Ours};
use crate::account::Account;
use crate::text::wrap;
use crate::trace::{format_what, Event};
use std::io::{self, Write};
use unicode_width::UnicodeWidthChar;

/// The widest line `--explain` writes.
pub const WIDTH: usize = 80;

/// The narration's indent under its event's line.
const INDENT: &str = "    ";

/// How a long event line goes on, on its next rows (the narration's rows
/// start with [`INDENT`] alone).
pub const GOES_ON: &str = "  … ";

/// Writes events with their narration, one at a time, remembering what
/// came before (the narration of an event depends on the earlier ones) —
/// or, for a trace known whole (a capture), knowing what comes after too.
#[derive(Debug)]
pub struct Explainer {
    events: Vec<Event>,
    account: Account,
    /// The events are the whole trace, given up front: `next` is the one
    /// to write.
    whole: bool,
    next: usize,
    between: Option<Between>,
    ours: Ours,
}

impl Explainer {
    /// An explainer for a trace that happens as it is written, whose
    /// middlebox is `between` (`None`: not known) and whose peers are
    /// `ours`.
    pub fn new(between: Option<Between>, ours: Ours) -> Explainer {
        Explainer {
            events: Vec::new(),
            account: Account::new(false),
            whole: false,
            next: 0,
            between,
            ours,
        }
    }

    /// An explainer for a trace known whole before the first line (a
    /// capture): the narration may say what happened later.
    pub fn knowing(events: &[Event], between: Option<Between>, ours: Ours) -> Explainer {
        Explainer {
            events: events.to_vec(),
            account: Account::of(events, true),
            whole: true,
            next: 0,
            between,
            ours,
        }
    }

    /// Writes `event`'s `--print` line, its narration and a blank line.
    pub fn write(&mut self, mut w: impl Write, event: &Event) -> io::Result<()> {
        let at = if self.whole && self.events.get(self.next) == Some(event) {
            self.next += 1;
            self.next - 1
        } else {
            self.events.push(event.clone());
            self.account.push(event);
            self.events.len() - 1
        };
        let ctx = Context {
            events: &self.events,
            account: &self.account,
            between: self.between,
            ours: self.ours,
        };
        let n = narrate_at(&ctx, at);
        // The event's line, wrapped like its narration (a long reply or
        // command keeps every word); its note is said once, in the
        // narration.
        let line = format_what(event);
        // The first row keeps the timeline's columns; the rest goes on.
        let (first, rest) = first_row(&line, WIDTH);
        writeln!(w, "{first}")?;
        for row in wrap(rest, WIDTH - GOES_ON.len()) {
            writeln!(w, "{GOES_ON}{row}")?;
        }
        for line in lines(&n) {
            writeln!(w, "{line}")?;
        }
        writeln!(w)
    }
}

/// `line` cut at its last space that leaves at most `width` columns (or,
/// with no such space, at `width`): the first row as it is, and the rest.
fn first_row(line: &str, width: usize) -> (&str, &str) {
    if columns(line) <= width {
        return (line, "");
    }
    let mut used = 0;
    let mut cut = 0;
    let mut space = None;
    for (i, c) in line.char_indices() {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            break;
        }
        used += w;
        cut = i + c.len_utf8();
        if c == ' ' && i > 0 {
            space = Some(i);
        }
    }
    let at = space.unwrap_or(cut);
    (line[..at].trim_end(), line[at..].trim_start())
}

/// A narration as plain text lines, indented, none wider than [`WIDTH`].
pub fn lines(n: &Narration) -> Vec<String> {
    let room = WIDTH - INDENT.len();
    wrap(&n.headline, room)
        .into_iter()
        .chain(wrap(&n.body, room))
        .map(|l| format!("{INDENT}{l}"))
        .collect()
}
