//! One pane drawn: its title line, the hosts, the sequence diagram and the
//! narration — or, when the lesson is over, its summary in place of the
//! diagram and the narration.
//!
//! ```text
//!  ACTIVE · PORT: server dials  7/21  waits
//! ┌ client ──┬─┐          ┌─┬─ server ┐      hosts
//! │ …                                  │
//!       │ USER anonymous ───────▶│          sequence
//!  PORT: the client asks to be dialled.     narration
//! ```
//!
//! Everything comes in as plain data, worked out by the app: the title as
//! it may be shown now, the host state at the cursor, the events shown and
//! received, and what the narration says.

use super::finale::FinaleView;
use super::hosts::{Hosts, HostsPanel, MiddleboxLabel};
use super::layout::{self, Lifelines};
use super::narration_view::{NarrationView, Told};
use super::sequence::Sequence;
use super::style::Theme;
use crate::trace::Event;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

/// The short mark of a pane that holds still on the next `→` while the
/// other moves (the long one is the word "waits").
pub const WAITS: &str = "⏸";

/// What is drawn below the hosts.
pub enum Below<'a> {
    /// The diagram and the narration.
    Steps {
        /// The events shown (the last is the current one).
        shown: &'a [Event],
        /// Every event received so far, shown or not.
        received: &'a [Event],
        /// How far the current arrow has flown (1.0 = whole).
        progress: f32,
        /// Words for the empty diagram.
        note: Option<&'a str>,
        /// What the narration says.
        told: Told,
    },
    /// The summary, once the lesson is over.
    Finale(Told),
}

/// One pane.
pub struct PaneView<'a> {
    /// The title as it may be shown now.
    pub title: String,
    /// Events shown, and received so far.
    pub counter: (usize, usize),
    pub focused: bool,
    /// The pane holds still on the next `→` while the other moves.
    pub waits: bool,
    /// Who listens where, and what is connected, at the cursor.
    pub hosts: Hosts,
    /// The middlebox between the peers, when there is one.
    pub middlebox: Option<&'a MiddleboxLabel>,
    pub below: Below<'a>,
    pub theme: Theme,
}

impl Widget for PaneView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let areas = layout::pane(area);
        let ll = Lifelines::new(area.x, area.width);

        let title_style = if self.focused { t.focused() } else { t.title() };
        let counter = format!(" {}/{} ", self.counter.0, self.counter.1);
        let mut spans = vec![
            Span::styled(format!(" {} ", self.title), title_style),
            Span::styled(counter, t.dim()),
        ];
        if self.waits {
            // "waits" where it fits, else its short mark (see the legend).
            let room = areas.title.width as usize;
            let mark = if Line::from(spans.clone()).width() + 5 <= room {
                "waits"
            } else {
                WAITS
            };
            spans.push(Span::styled(mark, t.dim()));
        }
        buf.set_line(
            areas.title.x,
            areas.title.y,
            &Line::from(spans),
            areas.title.width,
        );

        HostsPanel {
            hosts: &self.hosts,
            lifelines: ll,
            middlebox: self.middlebox,
            theme: t,
        }
        .render(areas.hosts, buf);

        match self.below {
            Below::Finale(told) => {
                let body = Rect {
                    height: areas.sequence.height + areas.narration.height,
                    ..areas.sequence
                };
                FinaleView {
                    told: &told,
                    theme: t,
                }
                .render(body, buf);
            }
            Below::Steps {
                shown,
                received,
                progress,
                note,
                told,
            } => {
                Sequence {
                    shown,
                    progress,
                    lifelines: ll,
                    theme: t,
                    middlebox: self.middlebox.is_some(),
                    note,
                    received,
                }
                .render(areas.sequence, buf);
                NarrationView {
                    told: &told,
                    theme: t,
                }
                .render(areas.narration, buf);
            }
        }
    }
}
