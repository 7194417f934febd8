//! The finale: when the lesson is over, each pane shows its summary in
//! place of the diagram and the narration — first the one rule the run
//! shows, then every data connection: who dialled it from where to where,
//! via which command, how many bytes, and whether it worked. The words are
//! [`crate::narration::summary`]'s; this module only lays them out, and
//! where they do not fit, leaves out detail before a connection's line.

use super::narration_view::{draw_rows, layout, Role, Told};
use super::pane::{Origin, Pane};
use super::style::Theme;
use crate::narration::summary;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

/// The summary of a pane, as narration text.
pub fn told(pane: &Pane) -> Told {
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

/// The summary drawn over a pane's diagram and narration.
pub struct FinaleView<'a> {
    pub pane: &'a Pane,
    pub theme: Theme,
}

impl Widget for FinaleView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        ratatui::widgets::Clear.render(area, buf);
        let rows = fitted(&told(self.pane), area.width as usize, area.height as usize);
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
