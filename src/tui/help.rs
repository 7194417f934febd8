//! The help overlay (`?`): every key, and where to read the marks (the
//! legend, `l`).

use super::layout;
use super::style::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

/// The keys, as (key, what it does).
pub const KEYS: [(&str, &str); 14] = [
    (
        "space",
        "play / pause; pauses by itself at teaching moments",
    ),
    ("→  ←", "step: each pane's next event; a dial shows alone"),
    ("", "at the live edge, → makes the lab client act for real"),
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
        "f  n",
        "lab: next firewall / next NAT (asks before restarting)",
    ),
    ("x", "lab: PORT/PASV ↔ EPRT/EPSV (asks before restarting)"),
    ("l", "legend: what each mark on screen means"),
    ("?", "these keys (any other key closes)"),
    ("q", "quit"),
];

/// The help box, drawn over whatever is below.
pub struct Help {
    pub theme: Theme,
}

impl Widget for Help {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let r = layout::centered(area, 72, 18);
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
