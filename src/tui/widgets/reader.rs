//! The reader (`m`): the whole narration of the current step, for each pane
//! on screen, in a box over the panes — what the narration area had to cut
//! (it marks that with "… m: more"). Long texts scroll with ↑/↓.
//!
//! The box is at most 76 columns wide, so on any terminal from 80 columns
//! up its text wraps the same way; only its height follows the terminal.

use super::layout;
use super::narration_view::{layout, Role, Told};
use super::style::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

/// The widest the box gets.
const MAX_WIDTH: u16 = 76;

/// The box in the middle of `area`, as tall as it may be.
fn frame(area: Rect) -> Rect {
    layout::centered(area, MAX_WIDTH, u16::MAX)
}

/// What each pane on screen says, whole: its title (side by side), then
/// its text.
fn content(told: &[(&str, Told)], width: usize) -> Vec<(String, Role)> {
    let side_by_side = told.len() > 1;
    let mut rows = Vec::new();
    for (i, (title, told)) in told.iter().enumerate() {
        if i > 0 {
            rows.push((String::new(), Role::Body));
        }
        if side_by_side {
            rows.push((format!("── {title} ──"), Role::Wire));
        }
        rows.extend(layout(told, width));
    }
    rows
}

/// How far the reader can scroll on a terminal of `size` (columns, rows).
pub fn max_scroll(told: &[(&str, Told)], size: (u16, u16)) -> u16 {
    let r = frame(Rect::new(0, 0, size.0, size.1));
    let inner_h = r.height.saturating_sub(2) as usize;
    let rows = content(told, r.width.saturating_sub(2) as usize).len();
    rows.saturating_sub(inner_h) as u16
}

/// The reader box.
pub struct Reader<'a> {
    /// What each pane on screen says (its summary when the lesson is
    /// over), after its title.
    pub told: &'a [(&'a str, Told)],
    pub scroll: u16,
    pub theme: Theme,
}

impl Widget for Reader<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let r = frame(area);
        Clear.render(r, buf);
        let rows = content(self.told, r.width.saturating_sub(2) as usize);
        let inner_h = r.height.saturating_sub(2) as usize;
        let max = rows.len().saturating_sub(inner_h) as u16;
        let scroll = self.scroll.min(max);
        let lines: Vec<Line> = rows
            .iter()
            .map(|(text, role)| {
                let style = match role {
                    Role::Headline => t.headline(),
                    Role::Body => Style::default(),
                    Role::Wire => t.dim(),
                };
                Line::styled(text.clone(), style)
            })
            .collect();
        let hint = if max > 0 {
            " ↑/↓ scroll · any other key closes "
        } else {
            " any key closes "
        };
        let block = Block::bordered()
            .title(" the whole narration ")
            .title_bottom(hint)
            .border_style(t.title());
        Paragraph::new(lines)
            .scroll((scroll, 0))
            .block(block)
            .render(r, buf);
    }
}
