//! The finale: when the lesson is over, each pane shows its summary in
//! place of the diagram and the narration — first the one rule the run
//! shows, then every data connection: who dialled it from where to where,
//! via which command, how many bytes, and whether it worked. The words are
//! [`crate::narration::summary`]'s; this module only lays them out, and
//! where they do not fit, leaves out detail before a connection's line.

use super::narration_view::{draw_rows, layout, Role, Told};
use super::style::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

/// The summary drawn over a pane's diagram and narration.
pub struct FinaleView<'a> {
    /// The pane's summary, as narration text.
    pub told: &'a Told,
    pub theme: Theme,
}

impl Widget for FinaleView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        ratatui::widgets::Clear.render(area, buf);
        let rows = fitted(self.told, area.width as usize, area.height as usize);
        draw_rows(&rows, area, buf, self.theme);
    }
}

/// The summary laid out to fit `height` rows where it can: what goes
/// first is detail — the keys' reminder, then each connection's
/// addresses — so that the rule and every connection's line (who dialled,
/// how it ended) stay whole at 80×24. `m` shows it all.
fn fitted(t: &Told, width: usize, height: usize) -> Vec<(String, Role)> {
    let full = layout(t, width);
    if full.len() <= height {
        return full;
    }
    let mut brief = t.clone();
    brief.body.pop();
    let rows = layout(&brief, width);
    if rows.len() <= height {
        return rows;
    }
    brief.body.retain(|l| !l.starts_with("   "));
    layout(&brief, width)
}
