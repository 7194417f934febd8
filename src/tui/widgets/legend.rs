//! The legend (`l`): what each mark on the screen means.
//!
//! The screen speaks in glyphs so it can be read on a monochrome projector:
//! a heavy line is a dial, a thin one control, a double one data. This is
//! the one place that says so, together with the small words (`ctl`,
//! `lsn`, `data#2`) and the numbers in the titles.

use super::layout;
use super::style::{self, Theme};
use crate::trace::Channel;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

/// The legend box, drawn over whatever is below.
pub struct Legend {
    pub theme: Theme,
}

/// (mark, its style, what it means).
fn entries(t: Theme) -> Vec<(String, Style, &'static str)> {
    let ctl = Channel::Control;
    let data = Channel::Data;
    vec![
        (
            format!(
                "{}{}{}",
                style::INITIATOR,
                style::SYN_LINE.repeat(4),
                style::HEAD_RIGHT
            ),
            t.syn(ctl),
            "a dial (SYN): ● the side that dials, ▶ the side dialled, a port at each end",
        ),
        (
            format!("{}{}", style::CONTROL_LINE.repeat(5), style::HEAD_RIGHT),
            t.channel(ctl),
            "control: a command (client → server) or a reply (←)",
        ),
        (
            format!("{}{}", style::DATA_LINE.repeat(5), style::HEAD_RIGHT),
            t.channel(data),
            "data: the bytes of a listing or a file",
        ),
        (
            format!("{} ✓", style::ACCEPT_LINE.repeat(4)),
            t.channel(ctl),
            "✓ connected: the handshake completed (SYN, SYN-ACK, ACK)",
        ),
        (
            format!("{}{}", style::SYN_LINE.repeat(4), style::FAILED),
            t.fail(),
            "✗ a dial that failed: blocked, refused or timed out",
        ),
        (
            format!("▒ {}", super::sequence::DECRYPTED),
            t.channel(ctl),
            "inside TLS: ▒ what a middlebox sees (records: type, length); 🔓 the line in \
             them, decrypted with the keys: the lab's, or a capture's",
        ),
        (
            "▸    ◂".to_string(),
            t.title(),
            "the current step: the last event shown",
        ),
        (
            "ctl".to_string(),
            t.channel(ctl),
            "the control connection (commands and replies)",
        ),
        (
            "data#2".to_string(),
            t.channel(data),
            "the session's 2nd data connection (one per transfer)",
        ),
        (
            "lsn".to_string(),
            t.channel(data),
            "a port listening for a data connection, not yet dialled",
        ),
        (
            "187 B".to_string(),
            Style::default(),
            "bytes (B) the data connection carried",
        ),
        (
            "12/13".to_string(),
            t.dim(),
            "12 events shown of 13 that happened so far; while the lab runs \
             the second number grows as its events arrive",
        ),
        (
            "2/s".to_string(),
            Style::default(),
            "playing speed: steps per second (+ and − change it)",
        ),
        (
            "waits ⏸".to_string(),
            t.dim(),
            "after a pane's counter: it holds still on the next → while the other \
             shows its step",
        ),
    ]
}

impl Widget for Legend {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let r = layout::centered(area, 76, 22);
        Clear.render(r, buf);
        let lines: Vec<Line> = entries(t)
            .into_iter()
            .map(|(mark, style, what)| {
                Line::from(vec![
                    Span::styled(format!("{mark:>7}  "), style),
                    Span::raw(what),
                ])
            })
            .collect();
        let block = Block::bordered()
            .title(" ftpviz: legend — what the marks mean ")
            .title_bottom(" ? keys · any other key closes ")
            .border_style(t.title());
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block)
            .render(r, buf);
    }
}
