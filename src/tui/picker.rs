//! The session picker: a capture (or a busy `serve`) may hold several FTP
//! sessions; the diagram shows one at a time, and this list picks which.
//!
//! Each row says enough to choose without opening it: who talked to whom,
//! how many events, and the mode the data connections used.
//!
//! For `serve` the list is live: sessions appear as real clients connect
//! ([`Picker::push`]), and the one picked keeps growing in its pane.

use super::style::Theme;
use crate::trace::{Event, Kind, Side, Trace, Via};
use crossterm::event::KeyCode;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, List, ListItem, ListState, Paragraph, StatefulWidget, Widget, Wrap};

/// One session, summarised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub session: u32,
    pub line: String,
}

/// A list of a trace's sessions with a selection.
#[derive(Debug, Clone)]
pub struct Picker {
    trace: Trace,
    pub summaries: Vec<Summary>,
    pub selected: usize,
    /// Shown while the list is empty (a live list waiting for clients).
    pub hint: String,
}

impl Picker {
    pub fn new(trace: Trace) -> Picker {
        let summaries = trace
            .sessions()
            .into_iter()
            .map(|n| summarise(&trace, n))
            .collect();
        Picker {
            trace,
            summaries,
            selected: 0,
            hint: String::new(),
        }
    }

    /// An empty list that fills as sessions arrive; `hint` says how to
    /// start one.
    pub fn live(hint: impl Into<String>) -> Picker {
        Picker {
            hint: hint.into(),
            ..Picker::new(Trace::new())
        }
    }

    /// One more event of a live trace; its session's row is updated.
    pub fn push(&mut self, event: Event) {
        let n = event.session;
        self.trace.push(event);
        let summary = summarise(&self.trace, n);
        match self.summaries.iter_mut().find(|s| s.session == n) {
            Some(s) => *s = summary,
            None => self.summaries.push(summary),
        }
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

fn summarise(trace: &Trace, n: u32) -> Summary {
    let mut events = 0;
    let mut control = None;
    let mut active = 0;
    let mut passive = 0;
    for e in trace.events.iter().filter(|e| e.session == n) {
        events += 1;
        if let Kind::Connect { src, dst, via } = &e.kind {
            if e.conn == 0 && control.is_none() {
                let (c, s) = if e.from == Side::Client {
                    (src, dst)
                } else {
                    (dst, src)
                };
                control = Some(format!("{c} → {s}"));
            }
            match via {
                Some(v) if v.is_active() => active += 1,
                Some(Via::Pasv | Via::Epsv) => passive += 1,
                _ => {}
            }
        }
    }
    let mode = match (active, passive) {
        (0, 0) => "no data connection".to_string(),
        (a, 0) => format!("active ×{a}"),
        (0, p) => format!("passive ×{p}"),
        (a, p) => format!("active ×{a}, passive ×{p}"),
    };
    let who = control.unwrap_or_else(|| "(control dial not captured)".to_string());
    Summary {
        session: n,
        line: format!("session {n}: {who}  {events} events, {mode}"),
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
        let items: Vec<ListItem> = self
            .picker
            .summaries
            .iter()
            .map(|s| ListItem::new(Line::raw(s.line.clone())))
            .collect();
        let block = Block::bordered()
            .title(" sessions — ↑/↓ choose, Enter show (s: this list again), q quit ")
            .border_style(self.theme.dim());
        let list = List::new(items)
            .block(block)
            .highlight_style(self.theme.cursor())
            .highlight_symbol("▸ ");
        let mut state = ListState::default().with_selected(Some(self.picker.selected));
        StatefulWidget::render(list, area, buf, &mut state);
    }
}
