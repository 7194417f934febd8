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
//!   last row, and `m` shows the whole text ([`super::reader`]).

use super::pane::{Origin, Pane};
use super::prompt;
use super::style::Theme;
use super::text::{clip_words, width, wrap};

use crate::narration::{self, Between};
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

/// The whole text as rows of `width` columns.
pub fn layout(t: &Told, width: usize) -> Vec<(String, Role)> {
    let mut rows: Vec<(String, Role)> = wrap(&t.headline, width)
        .into_iter()
        .map(|r| (r, Role::Headline))
        .collect();
    for para in &t.body {
        rows.extend(wrap(para, width).into_iter().map(|r| (r, Role::Body)));
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
