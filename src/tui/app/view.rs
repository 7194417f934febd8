//! The view: the whole screen drawn from `&App`.
//!
//! Nothing here changes state or does I/O; drawing the same `App` twice
//! gives the same cells. That is what the snapshot tests rely on: they build
//! an `App`, render it into a `Buffer` of 80×24 or 120×40 and compare.
//!
//! This is where the app's state becomes the plain data the
//! [widgets](crate::tui::widgets) draw: the bars (`bars`), each
//! pane's title, hosts and words ([`super::told`]), the session list, the
//! classroom's cards, the overlays.

use super::bars;
use super::lockstep;
use super::overlay::Overlay;
use super::pane::{Origin, Pane};
use super::told;
use super::{App, Focus, Showing};
use crate::narration::summary;
use crate::tui::widgets::cards::{self, SceneCard};
use crate::tui::widgets::help::Help;
use crate::tui::widgets::hosts::Hosts;
use crate::tui::widgets::layout;
use crate::tui::widgets::legend::Legend;
use crate::tui::widgets::narration_view::Told;
use crate::tui::widgets::pane::{Below, PaneView};
use crate::tui::widgets::presenter::{PresenterView, Slide};
use crate::tui::widgets::reader::Reader;
use crate::tui::widgets::style::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::widgets::{Paragraph, Widget};

/// The message shown when the terminal is smaller than the screens need.
pub const TOO_SMALL: &str = "terminal too small (need 80×24)";

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if !layout::fits(area) {
            too_small(self.quitting, area, buf);
            return;
        }
        let t = self.theme;
        let panes = self.visible_panes();
        let screen = layout::screen(area, panes.len());
        bars::title_bar(self).render(screen.title, buf);
        bars::key_bar(self).render(screen.keys, buf);
        match (&self.picker, self.showing) {
            (Some(picker), Showing::Sessions(_)) => {
                let body = Rect {
                    y: area.y + 1,
                    height: area.height.saturating_sub(2),
                    ..area
                };
                picker.view(t).render(body, buf);
            }
            _ => self.render_panes(&panes, &screen.panes, buf),
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
                told: &self.told_on_screen(),
                scroll,
                theme: t,
            }
            .render(area, buf),
            None => {}
        }
    }
}

/// "terminal too small", and the question `q` asked where it can be read.
fn too_small(quitting: bool, area: Rect, buf: &mut Buffer) {
    let y = area.y + area.height / 2;
    let line = Rect {
        y,
        height: 1.min(area.height),
        ..area
    };
    Paragraph::new(TOO_SMALL)
        .alignment(Alignment::Center)
        .render(line, buf);
    if quitting && y + 1 < area.bottom() {
        let ask = Rect { y: y + 1, ..line };
        Paragraph::new("Quit? y: quit · other key: stay")
            .alignment(Alignment::Center)
            .render(ask, buf);
    }
}

impl App {
    /// The panes on screen, side by side (or one in the presenter view),
    /// with the rule between them.
    fn render_panes(&self, panes: &[&Pane], areas: &[Rect], buf: &mut Buffer) {
        let t = self.theme;
        let focused = matches!(self.focus, Focus::One(_));
        let waits = match self.focus {
            Focus::All => lockstep::waiting(&self.panes),
            Focus::One(_) => vec![false; panes.len()],
        };
        let side_by_side = panes.len() > 1;
        let finale = self.finale();
        let quiz = self.quiz.on && !finale;
        for ((pane, r), waits) in panes.iter().zip(areas).zip(waits) {
            let summary = finale && pane.is_over();
            if self.presenter {
                presenter(pane, summary, t).render(*r, buf);
            } else {
                pane_view(pane, focused, waits, quiz, side_by_side, summary, t).render(*r, buf);
            }
        }
        for r in areas.iter().skip(1) {
            let x = r.x.saturating_sub(1);
            for y in r.y..r.bottom() {
                if let Some(c) = buf.cell_mut((x, y)) {
                    c.set_symbol("┃").set_style(t.dim());
                }
            }
        }
    }

    /// What each pane on screen says, whole, after its title: its summary
    /// once the lesson is over (the reader's text).
    pub(super) fn told_on_screen(&self) -> Vec<(&str, Told)> {
        let panes = self.visible_panes();
        let side_by_side = panes.len() > 1;
        let finale = self.finale();
        panes
            .into_iter()
            .map(|p| {
                let told = if finale && p.is_over() {
                    told::summary(p)
                } else {
                    told::told(p, side_by_side)
                };
                (p.title.as_str(), told)
            })
            .collect()
    }

    /// The classroom's cards over the screen: a scene's card, the quiz's
    /// question or reveal, a run's closing words under its summaries.
    fn render_classroom(&self, body: Rect, buf: &mut Buffer) {
        if self.picking() {
            return;
        }
        let t = self.theme;
        let finale = self.finale();
        let title = |i: usize| self.panes.get(i).map(|p| p.title.as_str()).unwrap_or("");
        if let Some(c) = self.course.as_ref().filter(|c| c.card) {
            let Some((scene, _)) = c.current() else {
                return;
            };
            let predict = c.next_prediction(self.quiz.on).map(|i| {
                let pane = self.panes.get(i).map(|p| p.title.as_str());
                pane.and_then(|p| p.split_whitespace().next())
                    .unwrap_or("this run")
            });
            let card = SceneCard {
                counter: c.counter(),
                title: c.title(self.quiz.on),
                caption: c.caption(self.quiz.on),
                notes: &scene.notes,
                predict,
            };
            cards::scene(&card, body, buf, t);
        } else if let Some(a) = &self.quiz.asking {
            let asked = (&a.question, &a.guess, a.part);
            cards::question(asked, title(a.pane), body, buf, t);
        } else if let Some(r) = &self.quiz.revealed {
            cards::reveal(&r.question, &r.reveal, title(r.pane), body, buf, t);
        } else if let (Some(c), true) = (&self.course, finale) {
            let panes: Vec<(&str, &[crate::trace::Event])> = self
                .panes
                .iter()
                .map(|p| (p.title.as_str(), p.player.trace().events.as_slice()))
                .collect();
            let (lines, keys) = c.closing(&panes, self.quiz.on);
            cards::closing(&lines, keys, body, buf, t);
        } else if let (true, true, (right, asked)) = (finale, self.quiz.on, self.quiz.total) {
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

/// The presenter view of `pane`; `summary`: its summary in place of the
/// slide.
fn presenter(pane: &Pane, summary: bool, theme: Theme) -> PresenterView<'_> {
    let held = pane.held.is_some();
    PresenterView {
        heading: if held { QUIZ_TITLE } else { &pane.title },
        slide: if held {
            Slide::held()
        } else {
            Slide::of(pane.player.visible())
        },
        told: if summary {
            told::summary(pane)
        } else {
            told::told(pane, false)
        },
        finale: summary,
        theme,
    }
}

/// A pane's title while the quiz asks about it: the mode in the title would
/// answer the open question.
const QUIZ_TITLE: &str = "QUIZ · who dials?";

/// One pane as drawn: `quiz`, the quiz is on (a capture's title does not
/// give its dials away); `summary`, its summary in place of the diagram
/// and the narration.
fn pane_view(
    pane: &Pane,
    focused: bool,
    waits: bool,
    quiz: bool,
    side_by_side: bool,
    summary: bool,
    theme: Theme,
) -> PaneView<'_> {
    let p = &pane.player;
    let mut title = pane.title.clone();
    if pane.held.is_some() {
        title = QUIZ_TITLE.to_string();
    } else if pane.origin != Origin::Lab && !quiz {
        // A capture's or a client's session: say what it is from its dials.
        let kind = summary::kind(&pane.account());
        title = format!("{title} · {}", kind.title());
    }
    let shown = p.visible();
    // While a question is open, the hosts show nothing the announcement
    // opened (its listening port would answer "to which port?").
    let before = pane.held.map_or(shown, |at| &shown[..at.min(shown.len())]);
    let mut hosts = Hosts::at(before);
    // A dial whose answer has already been received passes the wall.
    let account = pane.account();
    if let Some(story) = hosts.session.and_then(|n| account.session(n)) {
        hosts.let_through(|conn| story.got_through(conn));
    }
    if let (None, Some(ep)) = (hosts.client_ip, pane.endpoints) {
        // Before the first event: who is where, from the lab itself.
        hosts.client_ip = Some(ep.client);
        hosts.server_ip = Some(ep.server.ip());
        hosts.server_control = Some(ep.server.port());
    }
    let below = if summary {
        Below::Finale(told::summary(pane))
    } else {
        Below::Steps {
            shown,
            received: &p.trace().events,
            progress: p.progress(),
            note: pane.note.as_deref(),
            told: told::told(pane, side_by_side),
        }
    };
    PaneView {
        title,
        counter: (p.shown(), p.trace().len()),
        focused,
        waits,
        hosts,
        middlebox: pane.middlebox.as_ref(),
        below,
        theme,
    }
}
