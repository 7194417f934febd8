//! The narration area: the current step in words, laid out so that nothing
//! is lost.
//!
//! The area is small (8 rows of 39 columns in the compare view at 80×24)
//! and some steps need more: a blocked dial and why helpers exist, a FEAT
//! list of twenty lines. The rules:
//!
//! - the **headline** comes first and is never cut (it wraps if it must);
//! - then the **explanation**;
//! - then a multi-line reply's own lines, one per row as the server sent
//!   them (a FEAT list, a long `230` banner) — after the explanation, so
//!   they never push it off screen;
//! - whatever does not fit is replaced by a visible mark, [`MORE`], on the
//!   last row, and `m` shows the whole text (the reader).
//!
//! What a pane says ([`Told`]) is worked out by the app from the pane;
//! this lays it out and draws it.

use super::style::Theme;
use crate::text::{clip_words, width, wrap};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

/// The mark on the last row when the text goes on: `m` shows it all.
pub const MORE: &str = "… m: more";

/// What the narration area says for one pane, before layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Told {
    pub headline: String,
    /// Paragraphs of explanation; leading spaces indent every row of one.
    pub body: Vec<String>,
    /// A multi-line reply's lines, as sent.
    pub wire: Vec<String>,
}

/// One laid-out row and what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Headline,
    Body,
    Wire,
}

/// The whole text as rows of `width` columns.
pub fn layout(t: &Told, width: usize) -> Vec<(String, Role)> {
    // A paragraph's rows; an empty one keeps its row (a blank line).
    let paragraph = |text: &str, role: Role| {
        let rows = wrap(text, width);
        let rows = if rows.is_empty() {
            vec![String::new()]
        } else {
            rows
        };
        rows.into_iter().map(move |r| (r, role))
    };
    let mut rows: Vec<(String, Role)> = paragraph(&t.headline, Role::Headline).collect();
    for para in &t.body {
        rows.extend(paragraph(para, Role::Body));
    }
    for line in &t.wire {
        let quoted = format!("│ {line}");
        let mut first = true;
        for r in wrap(&quoted, width) {
            let r = if first {
                r
            } else {
                format!("│ {}", r.trim_start())
            };
            first = false;
            rows.push((r, Role::Wire));
        }
    }
    rows
}

/// Draws rows into `area`; when they do not all fit, the last row shows
/// [`MORE`]. Returns true when it had to cut.
pub fn draw_rows(rows: &[(String, Role)], area: Rect, buf: &mut Buffer, theme: Theme) -> bool {
    let height = area.height as usize;
    let cut = rows.len() > height;
    for (i, (text, role)) in rows.iter().take(height).enumerate() {
        let y = area.y + i as u16;
        let style = match role {
            Role::Headline => theme.headline(),
            Role::Body => Style::default(),
            Role::Wire => theme.dim(),
        };
        let last = i + 1 == height;
        if cut && last {
            let room = (area.width as usize).saturating_sub(width(MORE) + 1);
            let kept: String = clip_words(text, room);
            let line = Line::from(vec![
                Span::styled(kept, style),
                Span::raw(" "),
                Span::styled(MORE, theme.cursor()),
            ]);
            buf.set_line(area.x, y, &line, area.width);
        } else {
            buf.set_line(area.x, y, &Line::styled(text.as_str(), style), area.width);
        }
    }
    cut
}

/// The narration area of one pane.
pub struct NarrationView<'a> {
    pub told: &'a Told,
    pub theme: Theme,
}

impl Widget for NarrationView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let rows = layout(self.told, area.width as usize);
        draw_rows(&rows, area, buf, self.theme);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_text_carries_the_mark() {
        let t = Told {
            headline: "Head".into(),
            body: vec!["one two three four five six".into()],
            wire: vec!["211-Features:".into(), " MDTM".into()],
        };
        let rows = layout(&t, 10);
        assert_eq!(rows[0], ("Head".to_string(), Role::Headline));
        assert_eq!(rows.last().map(|r| r.1), Some(Role::Wire));
        let area = Rect::new(0, 0, 20, 3);
        let mut buf = Buffer::empty(area);
        assert!(draw_rows(&rows, area, &mut buf, Theme::mono()));
        let last: String = (0..20).map(|x| buf[(x, 2)].symbol()).collect();
        assert!(last.contains(MORE), "{last}");
    }
}
