//! The help overlay (`?`): the keys, and how to read the diagram.
//!
//! The legend matters as much as the keys: it is the one place that says
//! that a heavy line is a dial, a thin one control and a double one data, so
//! the screen can be read on a monochrome projector.

use super::style::{self, Theme};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

/// The keys, as (key, what it does).
pub const KEYS: [(&str, &str); 11] = [
    ("space", "play / pause"),
    (
        "→  ←",
        "step; side by side, by action; live edge: the client acts",
    ),
    ("+  −", "faster / slower"),
    ("Home End", "first / last event"),
    ("Tab", "focus: both panes, or one pane full width"),
    ("s", "pick another session (captures with several)"),
    ("f", "lab: firewall none → client → server → stateful"),
    ("n", "lab: NAT none → client → server"),
    ("x", "lab: PORT/PASV ↔ EPRT/EPSV (extended)"),
    ("?", "this help (any key closes it)"),
    ("q", "quit"),
];

/// The help box, drawn over whatever is below.
pub struct Help {
    pub theme: Theme,
}

impl Widget for Help {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let w = area.width.saturating_sub(4).min(72);
        let h = area.height.saturating_sub(2).min(20);
        let r = Rect {
            x: area.x + (area.width - w) / 2,
            y: area.y + (area.height - h) / 2,
            width: w,
            height: h,
        };
        Clear.render(r, buf);
        let mut lines: Vec<Line> = KEYS
            .iter()
            .map(|(k, v)| {
                Line::from(vec![
                    Span::styled(format!("{k:>9}  "), t.title()),
                    Span::raw(*v),
                ])
            })
            .collect();
        lines.push(Line::raw(""));
        let legend = |glyph: String, style, what: &'static str| {
            Line::from(vec![
                Span::styled(format!("{glyph:>9}  "), style),
                Span::raw(what),
            ])
        };
        let ctl = crate::trace::Channel::Control;
        let data = crate::trace::Channel::Data;
        lines.push(legend(
            format!("●{}{}", style::SYN_LINE.repeat(5), style::HEAD_RIGHT),
            t.syn(ctl),
            "a dial (SYN): ● dialler, ▶ dialled, a port at each end",
        ));
        lines.push(legend(
            format!("{}{}", style::CONTROL_LINE.repeat(6), style::HEAD_RIGHT),
            t.channel(ctl),
            "control channel: a command or a reply",
        ));
        lines.push(legend(
            format!("{}{}", style::DATA_LINE.repeat(6), style::HEAD_RIGHT),
            t.channel(data),
            "data channel: bytes of a listing or a file",
        ));
        lines.push(legend(
            format!("{}{}", style::SYN_LINE.repeat(4), style::FAILED),
            t.fail(),
            "a dial that failed (blocked, refused, timed out)",
        ));
        lines.push(legend(
            "lsn".to_string(),
            t.channel(data),
            "a port listening for a data connection",
        ));
        let block = Block::bordered()
            .title(" ftpviz: keys and legend ")
            .border_style(t.title());
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block)
            .render(r, buf);
    }
}
