//! The session list: a capture (or a busy `serve`) may hold several FTP
//! sessions; the diagram shows one at a time, and this list picks which.
//!
//! Each row says enough to choose without opening it: the client's address
//! and port (and the server's, where there is room), how many events, the
//! mode the data connections used, and for `serve` whether the session is
//! still going. A row is shortened to fit, the client's address last. Only
//! the rows on screen are made: a live list may hold thousands.

use super::style::Theme;
use crate::text::shorten_middle;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, List, ListItem, ListState, Paragraph, StatefulWidget, Widget, Wrap};

/// One session, summarised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub session: u32,
    /// The client's address:port and the server's, from the control dial.
    pub client: Option<String>,
    pub server: Option<String>,
    pub events: usize,
    /// "active ×2", "passive ×1", "no data connection".
    pub mode: String,
    /// Its control connection has closed.
    pub ended: bool,
    /// Its events were let go (a capped live list): the row is all that is
    /// left of it.
    pub dropped: bool,
}

impl Summary {
    /// The row, in at most `width` columns; `live`: say whether the
    /// session still runs.
    pub fn line(&self, width: usize, live: bool) -> String {
        let n = self.session;
        let client = self
            .client
            .clone()
            .unwrap_or_else(|| "(control dial not captured)".to_string());
        let state = match (live, self.ended, self.dropped) {
            (false, _, _) => "",
            (true, _, true) => " · ended, events dropped",
            (true, true, false) => " · ended",
            (true, false, false) => " · live",
        };
        let (events, mode) = (self.events, &self.mode);
        let mut forms = Vec::new();
        if let Some(server) = &self.server {
            forms.push(format!(
                "#{n}  client {client} → server {server} · {events} events · {mode}{state}"
            ));
        }
        forms.push(format!(
            "#{n}  client {client} · {events} events · {mode}{state}"
        ));
        forms.push(format!("#{n}  client {client} · {mode}{state}"));
        forms.push(format!("#{n}  {client}{state}"));
        let fits = |f: &&String| f.chars().count() <= width;
        match forms.iter().find(fits) {
            Some(f) => f.clone(),
            None => shorten_middle(forms.last().map_or("", |f| f.as_str()), width),
        }
    }
}

/// The session list.
pub struct SessionsView<'a> {
    pub summaries: &'a [Summary],
    pub selected: usize,
    /// Shown while the list is empty.
    pub hint: &'a str,
    /// Sessions arrive while it is shown (`serve`): each row says whether
    /// its session still runs.
    pub live: bool,
    /// What the list's title says besides its keys (events let go, frames
    /// dropped).
    pub state: Option<String>,
    pub theme: Theme,
}

impl Widget for SessionsView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if self.summaries.is_empty() {
            let block = Block::bordered()
                .title(" sessions — none yet ")
                .border_style(self.theme.dim());
            Paragraph::new(self.hint)
                .wrap(Wrap { trim: true })
                .block(block)
                .render(area, buf);
            return;
        }
        // Inside the borders, after the selection mark.
        let width = (area.width as usize).saturating_sub(4);
        let live = self.live;
        // Only the rows on screen are made (a live list may hold thousands):
        // the selected one last when it is below the first screenful, as a
        // list scrolled from its top shows it.
        let height = (area.height as usize).saturating_sub(2).max(1);
        let selected = self.selected;
        let first = (selected + 1).saturating_sub(height);
        let items: Vec<ListItem> = self
            .summaries
            .iter()
            .skip(first)
            .take(height)
            .map(|s| ListItem::new(Line::raw(s.line(width, live))))
            .collect();
        // What was dropped matters more than the legend of the rows.
        let bottom = match self.state {
            Some(state) => format!(" {state} "),
            None => " #n: session, client address:port, data connections ".to_string(),
        };
        let block = Block::bordered()
            .title(" sessions — ↑/↓ choose, Enter show (s: this list again), q quit ")
            .title_bottom(bottom)
            .border_style(self.theme.dim());
        let list = List::new(items)
            .block(block)
            .highlight_style(self.theme.cursor())
            .highlight_symbol("▸ ");
        let mut state = ListState::default().with_selected(Some(selected - first));
        StatefulWidget::render(list, area, buf, &mut state);
    }
}
