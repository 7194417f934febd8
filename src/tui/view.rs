//! The view: the whole screen as a pure function of `&App`.
//!
//! Nothing here changes state or does I/O; drawing the same `App` twice
//! gives the same cells. That is what the snapshot tests rely on: they build
//! an `App`, render it into a `Buffer` of 80×24 or 120×40 and compare.

use super::app::{App, Focus, Pane};
use super::help::Help;
use super::hosts::{Hosts, HostsPanel};
use super::layout::{self, Lifelines};
use super::picker::PickerView;
use super::sequence::Sequence;
use super::style::Theme;
use crate::narration::{self, Narration};
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

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
            return;
        }
        let t = self.theme;
        let panes = self.visible_panes();
        let screen = layout::screen(area, panes.len());
        title_bar(self, screen.title, buf);
        key_bar(self, screen.keys, buf);
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
                for (pane, r) in panes.iter().zip(&screen.panes) {
                    PaneView {
                        pane,
                        theme: t,
                        focused,
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
        if self.help {
            Help { theme: t }.render(area, buf);
        }
    }
}

fn title_bar(app: &App, area: Rect, buf: &mut Buffer) {
    let t = app.theme;
    let player = app.panes.first().map(|p| &p.player);
    let live = app.panes.iter().any(|p| p.player.is_live());
    // The state, long and short: "⏸ paused (2/s) · live", "⏸ 2/s live".
    let (state, brief) = match (&app.status, player) {
        (Some(s), _) => (s.clone(), s.clone()),
        (None, Some(p)) => {
            let (icon, word) = if p.is_playing() {
                ("▶", "playing")
            } else {
                ("⏸", "paused")
            };
            let live = if live { " · live" } else { "" };
            (
                format!("{icon} {word} ({}/s){live}", p.speed()),
                format!("{icon} {}/s{live}", p.speed()),
            )
        }
        (None, None) => (String::new(), String::new()),
    };
    let between = app.rig.as_ref().map(|r| r.between());
    let head = |state: &str, between: Option<&str>| {
        let mut spans = vec![
            Span::styled(" ftpviz ", t.focused()),
            Span::styled(format!(" {} ", app.heading), t.title()),
            Span::raw(format!(" {state}")),
        ];
        if let Some(b) = between {
            spans.push(Span::styled(format!("  {b}"), t.middlebox()));
        }
        Line::from(spans)
    };
    // The longest form that fits: what is between the peers matters more
    // than the word "paused".
    let forms = match &between {
        Some((long, short)) => vec![
            head(&state, Some(long)),
            head(&state, Some(short)),
            head(&brief, Some(short)),
        ],
        None => vec![head(&state, None)],
    };
    let fits = |l: &Line| l.width() <= area.width as usize;
    let line = forms
        .iter()
        .find(|l| fits(l))
        .or(forms.last())
        .cloned()
        .unwrap_or_default();
    buf.set_line(area.x, area.y, &line, area.width);
}

fn key_bar(app: &App, area: Rect, buf: &mut Buffer) {
    let t = app.theme;
    // (key, what, priority): the lowest priority goes first when the bar
    // is too narrow (the help lists them all).
    let mut keys = vec![
        ("space", "play", 9),
        ("→/←", "step", 9),
        ("+/-", "speed", 3),
        ("Home/End", "", 1),
        ("Tab", "focus", 2),
    ];
    if app.rig.is_some() {
        keys.extend([("f", "firewall", 8), ("n", "NAT", 8), ("x", "ext", 4)]);
    }
    keys.extend([("?", "help", 9), ("q", "quit", 9)]);
    let line = |keys: &[(&str, &str, u8)]| {
        let mut spans = Vec::new();
        for (k, v, _) in keys {
            spans.push(Span::styled(format!(" {k}"), t.title()));
            if !v.is_empty() {
                spans.push(Span::styled(format!(" {v}"), t.dim()));
            }
            spans.push(Span::raw(" "));
        }
        Line::from(spans)
    };
    let mut bar = line(&keys);
    while bar.width() > area.width as usize {
        let Some(lowest) = (0..keys.len()).min_by_key(|&i| keys[i].2) else {
            break;
        };
        keys.remove(lowest);
        bar = line(&keys);
    }
    buf.set_line(area.x, area.y, &bar, area.width);
}

/// One pane: its title, hosts, diagram and narration.
struct PaneView<'a> {
    pane: &'a Pane,
    theme: Theme,
    focused: bool,
}

impl Widget for PaneView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let p = &self.pane.player;
        let areas = layout::pane(area);
        let ll = Lifelines::new(area.x, area.width);

        let step = format!(" {}/{} ", p.shown(), p.trace().len());
        let title_style = if self.focused { t.focused() } else { t.title() };
        let title = Line::from(vec![
            Span::styled(format!(" {} ", self.pane.title), title_style),
            Span::styled(step, t.dim()),
        ]);
        buf.set_line(areas.title.x, areas.title.y, &title, areas.title.width);

        let shown = p.visible();
        let mut hosts = Hosts::at(shown);
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

        Sequence {
            shown,
            progress: p.progress(),
            lifelines: ll,
            theme: t,
            middlebox: self.pane.middlebox.is_some(),
            note: self.pane.note.as_deref(),
        }
        .render(areas.sequence, buf);

        let n = if shown.is_empty() {
            narration::start(p.is_live())
        } else {
            narration::narrate(shown)
        };
        NarrationView {
            n: &n,
            theme: t,
            waiting: p.is_awaiting(),
        }
        .render(areas.narration, buf);
    }
}

struct NarrationView<'a> {
    n: &'a Narration,
    theme: Theme,
    waiting: bool,
}

impl Widget for NarrationView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let headline = if self.waiting {
            "waiting for the lab…"
        } else {
            self.n.headline.as_str()
        };
        let lines = vec![
            Line::styled(headline, t.headline()),
            Line::raw(self.n.body.as_str()),
        ];
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .render(area, buf);
    }
}
