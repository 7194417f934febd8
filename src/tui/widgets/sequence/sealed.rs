//! A line that crossed inside TLS, drawn twice on its arrow: as the wire
//! carried it, at the sender's end, and as the lab read it, at the
//! receiver's end — decrypted there, with the keys the lab holds (or, for
//! a replayed capture that carries its keys, as replay decrypted it).
//!
//! ```text
//!       │─ ▒ TLS application data · 28 B ──────── 🔓 USER demo ─▶│
//!       │◀─ 🔓 331 Please specify the password. ──── ▒ TLS 48 B ─│
//! ```
//!
//! `▒` is what a middlebox sees: records, their type and length, no words
//! ([`crate::tls::records`]). `🔓` marks the words beneath, decrypted by the
//! lab (in italics, the legend says so); it shows only once the arrow has
//! landed. Where both do not fit, the wire's words shrink first (`▒ TLS
//! 28 B`, `▒ 28 B`), then the line's, in its words;
//! where even that does not fit, the row shows the wire alone. Who
//! decrypted it is said once, by the legend and the narration, not on
//! every row.

use super::{text, Arrow, Row};
use crate::tls::Sealed;
use crate::trace::Side;
use ratatui::buffer::Buffer;
use ratatui::style::Modifier;
use unicode_width::UnicodeWidthStr;

/// The mark of a decrypted line (by the lab, or replay with the keys).
pub const DECRYPTED: &str = "🔓";

/// The wire's words, longest first.
fn wire_words(s: &Sealed) -> [String; 3] {
    let bytes: u64 = s.records.0.iter().map(|r| u64::from(r.length)).sum();
    [
        s.wire_label(true),
        s.wire_label(false),
        format!("{} {bytes} B", crate::tls::records::CIPHER),
    ]
}

/// `s` with a space each side, if that fits in `room`.
fn spaced(s: &str, room: usize) -> Option<String> {
    (s.width() + 2 <= room).then(|| format!(" {s} "))
}

/// `s` with a space each side when they fit in `room`.
fn padded(s: &str, room: usize) -> Option<String> {
    let w = s.width();
    if w + 2 <= room {
        Some(format!(" {s} "))
    } else {
        (w <= room).then(|| s.to_string())
    }
}

impl Row<'_> {
    /// The wire at the tail, the decrypted line at the head. False when
    /// the row is not sealed or even the wire's shortest words do not fit
    /// (the row's label is then the wire's, drawn as any other).
    pub(super) fn draw_sealed(&self, buf: &mut Buffer, a: &Arrow, len: u16, landed: bool) -> bool {
        let Some(sealed) = &a.sealed else {
            return false;
        };
        let inside = len.saturating_sub(2) as usize;
        let [long, short, tiny] = wire_words(sealed);
        // Choices, best first: (wire, decrypted); a line of arrow between.
        // The line as read shows once the arrow has landed.
        let whole = format!("{DECRYPTED} {}", a.label.text());
        let fit = |wire: &str| {
            let room = inside.saturating_sub(wire.width() + 3 + DECRYPTED.width() + 3);
            Some(format!("{DECRYPTED} {}", a.label.fit(room)?))
        };
        let choices: Vec<(&String, Option<String>)> = if landed {
            vec![
                (&long, Some(whole.clone())),
                (&short, Some(whole.clone())),
                (&tiny, Some(whole)),
                (&tiny, fit(&tiny)),
                (&short, None),
                (&tiny, None),
            ]
        } else {
            vec![(&long, None), (&short, None), (&tiny, None)]
        };
        let fitted = choices.into_iter().find_map(|(w, d)| match d {
            Some(d) => {
                let wire = spaced(w, inside)?;
                let dec = spaced(&d, inside.saturating_sub(wire.width() + 1))?;
                Some((wire, Some(dec)))
            }
            None => Some((padded(w, inside)?, None)),
        });
        let Some((wire, dec)) = fitted else {
            return false;
        };
        let style = self.label_style(a);
        let lab = self.theme.dim().add_modifier(Modifier::ITALIC).patch(style);
        let (cl, sl) = (self.ll.client, self.ll.server);
        let rightwards = a.from == Side::Client;
        // The inside of the arrow: cells `lo .. hi`.
        let (lo, hi) = if rightwards {
            (cl + 2, cl + len)
        } else {
            ((sl + 1).saturating_sub(len), sl - 1)
        };
        let (ww, dw) = (
            wire.width() as u16,
            dec.as_ref().map_or(0, |d| d.width() as u16),
        );
        let (wx, dx) = if rightwards {
            (lo, hi.saturating_sub(dw))
        } else {
            (hi.saturating_sub(ww), lo)
        };
        text(buf, self.area, wx, self.y, &wire, wx + ww, style);
        if let Some(dec) = dec {
            text(buf, self.area, dx, self.y, &dec, dx + dw, lab);
        }
        true
    }
}
