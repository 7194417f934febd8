//! The session picker: a capture (or a busy `serve`) may hold several FTP
//! sessions; the diagram shows one at a time, and this list picks which.
//!
//! Each row says enough to choose without opening it: the client's address
//! and port (and the server's, where there is room), how many events, the
//! mode the data connections used, and for `serve` whether the session is
//! still going. A row is shortened to fit, the client's address last.
//!
//! For `serve` the list is live: sessions appear as real clients connect
//! ([`Picker::push`]), and the one picked keeps growing in its pane.

use super::kept::Kept;
use super::style::Theme;
use super::text::shorten_middle;
use crate::account::Account;
use crate::narration::summary::{dials_of, SessionKind};
use crate::trace::{Event, Trace};
use crossterm::event::KeyCode;
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
        let state = match (live, self.ended) {
            (false, _) => "",
            (true, true) => " · ended",
            (true, false) => " · live",
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

/// A list of a trace's sessions with a selection.
#[derive(Debug, Clone)]
pub struct Picker {
    trace: Trace,
    /// The account of the trace, told as its events arrive.
    account: Account,
    pub summaries: Vec<Summary>,
    pub selected: usize,
    /// Shown while the list is empty (a live list waiting for clients).
    pub hint: String,
    /// Sessions arrive while it is shown (`serve`).
    pub live: bool,
    /// The data bytes of a live list's sessions, kept for `w`.
    pub kept: Kept,
}

impl Picker {
    pub fn new(trace: Trace) -> Picker {
        let account = Account::of(&trace.events, true);
        let summaries = trace
            .sessions()
            .into_iter()
            .map(|n| summarise(&account, n))
            .collect();
        Picker {
            trace,
            account,
            summaries,
            selected: 0,
            hint: String::new(),
            live: false,
            kept: Kept::default(),
        }
    }

    /// An empty list that fills as sessions arrive; `hint` says how to
    /// start one.
    pub fn live(hint: impl Into<String>) -> Picker {
        Picker {
            hint: hint.into(),
            live: true,
            account: Account::new(false),
            ..Picker::new(Trace::new())
        }
    }

    /// One more event of a live trace; its session's row is updated.
    pub fn push(&mut self, event: Event) {
        let n = event.session;
        self.account.push(&event);
        self.trace.push(event);
        let summary = summarise(&self.account, n);
        match self.summaries.iter_mut().find(|s| s.session == n) {
            Some(s) => *s = summary,
            None => self.summaries.push(summary),
        }
    }

    /// Every session's events so far.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// When session `n` began, in the trace's clock.
    pub fn start_of(&self, n: u32) -> f64 {
        self.trace
            .events
            .iter()
            .find(|e| e.session == n)
            .map(|e| e.t)
            .unwrap_or(0.0)
    }

    pub fn on_key(&mut self, code: KeyCode) {
        let last = self.summaries.len().saturating_sub(1);
        self.selected = match code {
            KeyCode::Up | KeyCode::Char('k') => self.selected.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => (self.selected + 1).min(last),
            KeyCode::Home => 0,
            KeyCode::End => last,
            _ => self.selected,
        };
    }

    /// The selected session's number and its events (as session 1).
    pub fn chosen(&self) -> (u32, Trace) {
        let n = self
            .summaries
            .get(self.selected)
            .map(|s| s.session)
            .unwrap_or(1);
        (n, self.trace.session(n))
    }
}

/// Session `n`'s row, from the account.
fn summarise(account: &Account, n: u32) -> Summary {
    let story = account.session(n);
    let control = story.and_then(|s| s.control);
    Summary {
        session: n,
        client: control.map(|c| c.client.to_string()),
        server: control.map(|c| c.server.to_string()),
        events: story.map_or(0, |s| s.events),
        mode: story.map_or_else(
            || SessionKind::count(&[]),
            |s| SessionKind::count(&dials_of(account, s)),
        ),
        ended: story.is_some_and(|s| s.control_end.is_some()),
    }
}

/// The picker widget.
pub struct PickerView<'a> {
    pub picker: &'a Picker,
    pub theme: Theme,
}

impl Widget for PickerView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if self.picker.summaries.is_empty() {
            let block = Block::bordered()
                .title(" sessions — none yet ")
                .border_style(self.theme.dim());
            Paragraph::new(self.picker.hint.as_str())
                .wrap(Wrap { trim: true })
                .block(block)
                .render(area, buf);
            return;
        }
        // Inside the borders, after the selection mark.
        let width = (area.width as usize).saturating_sub(4);
        let live = self.picker.live;
        let items: Vec<ListItem> = self
            .picker
            .summaries
            .iter()
            .map(|s| ListItem::new(Line::raw(s.line(width, live))))
            .collect();
        let block = Block::bordered()
            .title(" sessions — ↑/↓ choose, Enter show (s: this list again), q quit ")
            .title_bottom(" #n: session, client address:port, data connections ")
            .border_style(self.theme.dim());
        let list = List::new(items)
            .block(block)
            .highlight_style(self.theme.cursor())
            .highlight_symbol("▸ ");
        let mut state = ListState::default().with_selected(Some(self.picker.selected));
        StatefulWidget::render(list, area, buf, &mut state);
    }
}
