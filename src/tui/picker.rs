//! The session picker: a capture (or a busy `serve`) may hold several FTP
//! sessions; the diagram shows one at a time, and this list picks which.
//!
//! Each row says enough to choose without opening it: who talked to whom,
//! how many events, and the mode the data connections used.

use super::style::Theme;
use crate::trace::{Kind, Side, Trace, Via};
use crossterm::event::KeyCode;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, List, ListItem, ListState, StatefulWidget, Widget};

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
        }
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
        let items: Vec<ListItem> = self
            .picker
            .summaries
            .iter()
            .map(|s| ListItem::new(Line::raw(s.line.clone())))
            .collect();
        let block = Block::bordered()
            .title(" sessions in this trace — ↑/↓ choose, Enter show, q quit ")
            .border_style(self.theme.dim());
        let list = List::new(items)
            .block(block)
            .highlight_style(self.theme.cursor())
            .highlight_symbol("▸ ");
        let mut state = ListState::default().with_selected(Some(self.picker.selected));
        StatefulWidget::render(list, area, buf, &mut state);
    }
}
