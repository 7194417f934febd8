//! The help overlay (`?`): every key, and where to read the marks (the
//! legend, `l`).

use super::layout;
use super::style::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

/// The keys, as (key, what it does).
pub const KEYS: [(&str, &str); 19] = [
    (
        "space",
        "play / pause; pauses by itself at teaching moments",
    ),
    (
        "→  ←",
        "step (a dial shows alone); at the live edge the lab acts",
    ),
    ("a", "auto-pause at teaching moments: on / off"),
    ("m", "the whole narration (when cut: \"… m: more\")"),
    ("+  −", "faster / slower (steps per second)"),
    (
        "Home End",
        "the start / the end and its summary (a lab runs on)",
    ),
    ("Tab", "both panes, or one full width (→ steps that one)"),
    ("s", "pick another session (captures with several)"),
    (
        "f  n  x",
        "lab: firewall / NAT / EPRT-EPSV (asks before restarting)",
    ),
    ("c", "lab: the guided lesson, scene by scene"),
    ("n  p", "lesson: next / previous run (PgDn / PgUp too)"),
    ("g", "quiz: predict who dials, from where, to where"),
    (
        "c s 0 1–4",
        "quiz answers (client/server/nobody, a port); Esc skips",
    ),
    ("v", "presenter view: one step, big, for a projector"),
    (
        "w",
        "save what ran as a pcapng capture for Wireshark, in ./",
    ),
    ("l", "legend: what each mark on screen means"),
    ("?", "these keys (any other key closes)"),
    ("Esc", "close what is open: keys, question, reveal, card"),
    ("q", "quit (in a lesson or a quiz it asks first: y)"),
];

/// The help box, drawn over whatever is below.
pub struct Help {
    pub theme: Theme,
}

impl Widget for Help {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let r = layout::centered(area, 72, KEYS.len() as u16 + 2);
        Clear.render(r, buf);
        let lines: Vec<Line> = KEYS
            .iter()
            .map(|(k, v)| {
                Line::from(vec![
                    Span::styled(format!("{k:>9}  "), t.title()),
                    Span::raw(*v),
                ])
            })
            .collect();
        let block = Block::bordered()
            .title(" ftpviz: keys ")
            .title_bottom(" l legend · any other key closes ")
            .border_style(t.title());
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block)
            .render(r, buf);
    }
}
