//! The view: the whole screen as a pure function of `&App`.
//!
//! Nothing here changes state or does I/O; drawing the same `App` twice
//! gives the same cells. That is what the snapshot tests rely on: they build
//! an `App`, render it into a `Buffer` of 80×24 or 120×40 and compare.

use super::app::{App, Focus, Pane};
use super::bars;
use super::cards;
use super::finale::FinaleView;
use super::help::Help;
use super::hosts::{Hosts, HostsPanel};
use super::layout::{self, Lifelines};
use super::legend::Legend;
use super::lockstep;
use super::narration_view::{self, NarrationView};
use super::overlay::Overlay;
use super::pane::Origin;
use super::picker::PickerView;
use super::presenter::PresenterView;
use super::reader::Reader;
use super::sequence::Sequence;
use super::style::Theme;
use crate::narration::summary;
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

/// The short mark of a pane that holds still on the next `→` while the
/// other moves (the long one is the word "waits").
pub const WAITS: &str = "⏸";

/// The message shown when the terminal is smaller than the screens need.
pub const TOO_SMALL: &str = "terminal too small (need 80×24)";

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if !layout::fits(area) {
            let y = area.y + area.height / 2;
            let line = Rect {
                y,
                height: 1.min(area.height),
                ..area
            };
            Paragraph::new(TOO_SMALL)
                .alignment(Alignment::Center)
                .render(line, buf);
            if self.quitting && y + 1 < area.bottom() {
                // The question `q` asked, where it can be read.
                let ask = Rect { y: y + 1, ..line };
                Paragraph::new("Quit? y: quit · other key: stay")
                    .alignment(Alignment::Center)
                    .render(ask, buf);
            }
            return;
        }
        let t = self.theme;
        let panes = self.visible_panes();
        let screen = layout::screen(area, panes.len());
        bars::title_bar(self, screen.title, buf);
        bars::key_bar(self, screen.keys, buf);
        match (&self.picker, self.picking) {
            (Some(picker), true) => {
                let body = Rect {
                    y: area.y + 1,
                    height: area.height.saturating_sub(2),
                    ..area
                };
                PickerView { picker, theme: t }.render(body, buf);
            }
            _ => {
                let focused = matches!(self.focus, Focus::One(_));
                let waits = match self.focus {
                    Focus::All => lockstep::waiting(&self.panes),
                    Focus::One(_) => vec![false; panes.len()],
                };
                let side_by_side = panes.len() > 1;
                for ((pane, r), waits) in panes.iter().zip(&screen.panes).zip(waits) {
                    if self.presenter {
                        PresenterView {
                            pane,
                            finale: self.finale && pane.is_over(),
                            theme: t,
                        }
                        .render(*r, buf);
                        continue;
                    }
                    PaneView {
                        pane,
                        theme: t,
                        focused,
                        side_by_side,
                        waits,
                        quiz: self.quiz.on && !self.finale,
                        finale: self.finale && pane.is_over(),
                    }
                    .render(*r, buf);
                }
                for r in screen.panes.iter().skip(1) {
                    let x = r.x.saturating_sub(1);
                    for y in r.y..r.bottom() {
                        if let Some(c) = buf.cell_mut((x, y)) {
                            c.set_symbol("┃").set_style(t.dim());
                        }
                    }
                }
            }
        }
        let body = Rect {
            y: area.y + 1,
            height: area.height.saturating_sub(1),
            ..area
        };
        self.render_classroom(body, buf);
        match self.overlay {
            Some(Overlay::Keys) => Help { theme: t }.render(area, buf),
            Some(Overlay::Legend) => Legend { theme: t }.render(area, buf),
            Some(Overlay::Reader { scroll }) => Reader {
                panes: &panes,
                finale: self.finale,
                scroll,
                theme: t,
            }
            .render(area, buf),
            None => {}
        }
    }
}

impl App {
    /// The classroom's cards over the screen: a scene's card, the quiz's
    /// question or reveal, a run's closing words under its summaries.
    fn render_classroom(&self, body: Rect, buf: &mut Buffer) {
        if self.picking {
            return;
        }
        let t = self.theme;
        let title = |i: usize| self.panes.get(i).map(|p| p.title.as_str()).unwrap_or("");
        if let Some(c) = self.course.as_ref().filter(|c| c.card) {
            let titles: Vec<String> = self.panes.iter().map(|p| p.title.clone()).collect();
            cards::scene(c, self.quiz.on, &titles, body, buf, t);
        } else if let Some(a) = &self.quiz.asking {
            cards::question(a, title(a.pane), body, buf, t);
        } else if let Some(r) = &self.quiz.revealed {
            cards::reveal(r, title(r.pane), body, buf, t);
        } else if let (Some(c), true) = (&self.course, self.finale) {
            let panes: Vec<(&str, &[crate::trace::Event])> = self
                .panes
                .iter()
                .map(|p| (p.title.as_str(), p.player.trace().events.as_slice()))
                .collect();
            let (lines, keys) = c.closing(&panes, self.quiz.on);
            cards::closing(&lines, keys, body, buf, t);
        } else if let (true, true, (right, asked)) = (self.finale, self.quiz.on, self.quiz.total) {
            let open = self.quiz.unanswerable;
            let mut score = format!("Quiz: {right} of {asked} right.");
            if open > 0 {
                score.push_str(&format!(
                    " {open} question{} the trace could not answer: it ends first.",
                    if open == 1 { "" } else { "s" }
                ));
            }
            if asked > 0 || open > 0 {
                cards::closing(&[score], "Home: again", body, buf, t);
            }
        }
    }
}

/// One pane: its title, hosts, diagram and narration (or, when the lesson
/// is over, its summary).
struct PaneView<'a> {
    pane: &'a Pane,
    theme: Theme,
    focused: bool,
    side_by_side: bool,
    /// The pane holds still on the next `→` while the other moves.
    waits: bool,
    /// The quiz is on: a capture's title does not give its dials away.
    quiz: bool,
    finale: bool,
}

impl Widget for PaneView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let p = &self.pane.player;
        let areas = layout::pane(area);
        let ll = Lifelines::new(area.x, area.width);

        let title_style = if self.focused { t.focused() } else { t.title() };
        let mut title = self.pane.title.clone();
        if self.pane.held.is_some() {
            // The mode in the title would answer the open question.
            title = "QUIZ · who dials?".to_string();
        } else if self.pane.origin != Origin::Lab && !self.quiz {
            // A capture's or a client's session: say what it is from its dials.
            let kind = summary::kind(&self.pane.account());
            title = format!("{title} · {}", kind.title());
        }
        let counter = format!(" {}/{} ", p.shown(), p.trace().len());
        let mut spans = vec![
            Span::styled(format!(" {title} "), title_style),
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

        let shown = p.visible();
        // While a question is open, the hosts show nothing the announcement
        // opened (its listening port would answer "to which port?").
        let before = self
            .pane
            .held
            .map_or(shown, |at| &shown[..at.min(shown.len())]);
        let mut hosts = Hosts::at(before);
        if let (None, Some(ep)) = (hosts.client_ip, self.pane.endpoints) {
            // Before the first event: who is where, from the lab itself.
            hosts.client_ip = Some(ep.client);
            hosts.server_ip = Some(ep.server.ip());
            hosts.server_control = Some(ep.server.port());
        }
        HostsPanel {
            hosts: &hosts,
            lifelines: ll,
            middlebox: self.pane.middlebox.as_ref(),
            theme: t,
        }
        .render(areas.hosts, buf);

        if self.finale {
            let body = Rect {
                height: areas.sequence.height + areas.narration.height,
                ..areas.sequence
            };
            FinaleView {
                pane: self.pane,
                theme: t,
            }
            .render(body, buf);
            return;
        }

        Sequence {
            shown,
            progress: p.progress(),
            lifelines: ll,
            theme: t,
            middlebox: self.pane.middlebox.is_some(),
            note: self.pane.note.as_deref(),
            received: &p.trace().events,
        }
        .render(areas.sequence, buf);

        let told = narration_view::told(self.pane, self.side_by_side);
        NarrationView {
            told: &told,
            theme: t,
        }
        .render(areas.narration, buf);
    }
}
