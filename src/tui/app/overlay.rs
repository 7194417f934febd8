//! Overlays: what can be drawn over the panes, and the keys while one is
//! open.
//!
//! - `?` the keys ([`crate::tui::widgets::help`]),
//! - `l` the legend: what each mark on screen means (`widgets::legend`),
//! - `m` the reader: the whole narration of the current step, for when
//!   the narration area had to cut it (`widgets::reader`).
//!
//! Any other key (Esc too) closes an overlay and does nothing else; `q`
//! still quits (asking first in a lesson or a quiz). In the reader ↑/↓
//! (and PgUp/PgDn) scroll.

use crossterm::event::KeyCode;

/// What is drawn over the panes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    Keys,
    Legend,
    /// The whole narration, scrolled down `scroll` lines.
    Reader {
        scroll: u16,
    },
}

/// What a key does while an overlay is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Show this overlay instead (or the same one, scrolled).
    Show(Overlay),
    Close,
    Quit,
}

impl Overlay {
    /// A key pressed over this overlay; `rows`: how far the reader can
    /// scroll at most.
    pub fn on_key(self, code: KeyCode, rows: u16) -> Outcome {
        match (self, code) {
            (_, KeyCode::Char('q')) => Outcome::Quit,
            (Overlay::Keys, KeyCode::Char('l')) => Outcome::Show(Overlay::Legend),
            (Overlay::Legend, KeyCode::Char('?')) => Outcome::Show(Overlay::Keys),
            (Overlay::Reader { scroll }, code) => {
                let to = match code {
                    KeyCode::Down | KeyCode::Char('j') => scroll.saturating_add(1),
                    KeyCode::Up | KeyCode::Char('k') => scroll.saturating_sub(1),
                    KeyCode::PageDown => scroll.saturating_add(10),
                    KeyCode::PageUp => scroll.saturating_sub(10),
                    _ => return Outcome::Close,
                };
                Outcome::Show(Overlay::Reader {
                    scroll: to.min(rows),
                })
            }
            _ => Outcome::Close,
        }
    }
}
