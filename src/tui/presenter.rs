//! The presenter view: one step, big enough for the back row.
//!
//! On a projector the sequence diagram's small print is lost. This view
//! shows only the current step of one pane: a title line, the one fact in
//! large glyphs (who dials, from which port to which port; or the port
//! arithmetic of `PORT`/`227`), the same fact in plain text under it (for
//! a screen reader and for the teacher's notes), and the narration. It is a
//! pure function of the events shown so far, like every screen.
//!
//! The big glyphs are 8×8-pixel letters drawn with quadrant blocks
//! (`tui-big-text`): 4 columns × 4 rows a character, so a line of 18
//! characters fits 80 columns. The view picks the largest size that fits.

use crate::ftp::hostport::{parse_227, parse_229, parse_eprt, parse_port, port_bytes};
use crate::narration::{self, Narration};
use crate::trace::{Event, Kind, Side};
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget, Wrap};
use tui_big_text::{BigText, PixelSize};

/// What the presenter view shows for one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slide {
    /// What this step is, small: "data #1 · the dial".
    pub title: String,
    /// The fact, in large glyphs: at most two short lines of ASCII.
    pub big: Vec<String>,
    /// The same fact in full, in plain text.
    pub caption: String,
    pub narration: Narration,
}

impl Slide {
    /// The slide for the last of `shown` (or the start, when it is empty).
    pub fn of(shown: &[Event], live: bool) -> Slide {
        let Some(current) = shown.last() else {
            return Slide {
                title: "ready".into(),
                big: vec!["FTP".into()],
                caption: "Nothing has happened yet.".into(),
                narration: narration::start(live),
            };
        };
        let narration = narration::narrate(shown);
        let conn = if current.conn == 0 {
            "control".to_string()
        } else {
            format!("data #{}", current.conn)
        };
        let (what, big, caption) = match &current.kind {
            Kind::Connect { src, dst, via } => (
                "the dial (SYN)".to_string(),
                vec![
                    format!("{} DIALS", upper(current.from)),
                    format!("{} -> {}", src.port(), dst.port()),
                ],
                match via {
                    Some(via) => format!("{src} → {dst}, as {} said", via.as_str()),
                    None => format!("{src} → {dst}"),
                },
            ),
            Kind::Accept => (
                "connected".to_string(),
                vec!["CONNECTED".into()],
                format!("the {} accepted", current.from),
            ),
            Kind::Fail { reason, by } => (
                "the dial failed".to_string(),
                vec![reason.as_str().to_uppercase()],
                match by {
                    Some(by) => format!("{} · by {}", reason.as_str(), by.as_str()),
                    None => reason.as_str().to_string(),
                },
            ),
            Kind::Command { verb, text } => {
                let big = announcement(verb, text).unwrap_or_else(|| vec![verb.clone()]);
                ("the client says".to_string(), big, text.clone())
            }
            Kind::Reply { code, text } => {
                let big = reply_port(*code, text).unwrap_or_else(|| vec![code.to_string()]);
                let first = text.lines().next().unwrap_or("").to_string();
                ("the server answers".to_string(), big, first)
            }
            Kind::Data { bytes } => (
                "data".to_string(),
                vec![format!("{bytes} B")],
                format!("{bytes} bytes from the {}", current.from),
            ),
            Kind::Close => (
                "close (FIN)".to_string(),
                vec!["FIN".into()],
                format!("the {} closed {conn}", current.from),
            ),
        };
        Slide {
            title: format!("{conn} · {what}"),
            big,
            caption,
            narration,
        }
    }
}

fn upper(side: Side) -> &'static str {
    match side {
        Side::Client => "CLIENT",
        Side::Server => "SERVER",
    }
}

/// `PORT`/`EPRT`'s port, big: the arithmetic for PORT, the number for EPRT.
fn announcement(verb: &str, text: &str) -> Option<Vec<String>> {
    let arg = text.get(verb.len()..)?.trim();
    match verb {
        "PORT" => {
            let port = parse_port(arg).ok()?.port();
            Some(vec!["PORT".into(), arithmetic(port)])
        }
        "EPRT" => Some(vec![
            "EPRT".into(),
            format!("port {}", parse_eprt(arg).ok()?.port()),
        ]),
        _ => None,
    }
}

/// `227`/`229`'s port, big.
fn reply_port(code: u16, text: &str) -> Option<Vec<String>> {
    match code {
        227 => Some(vec!["227".into(), arithmetic(parse_227(text).ok()?.port())]),
        229 => Some(vec![
            "229".into(),
            format!("port {}", parse_229(text).ok()?),
        ]),
        _ => None,
    }
}

/// `195x256+80=50000`: the last two numbers of PORT/227 are the port's bytes.
fn arithmetic(port: u16) -> String {
    let (hi, lo) = port_bytes(port);
    format!("{hi}x256+{lo}={port}")
}

/// The largest glyphs in which all of `lines` fit `width` × `height`, and
/// the rows each line then takes.
fn pixel_size(lines: &[String], width: u16, height: u16) -> (PixelSize, u16) {
    let longest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0) as u16;
    let count = lines.len() as u16;
    // (size, columns a character, rows a line), largest first.
    let sizes = [
        (PixelSize::Full, 8, 8),
        (PixelSize::HalfHeight, 8, 4),
        (PixelSize::Quadrant, 4, 4),
        (PixelSize::Sextant, 4, 3),
        (PixelSize::Octant, 4, 2),
    ];
    sizes
        .iter()
        .find(|(_, cols, rows)| {
            longest.saturating_mul(*cols) <= width && count.saturating_mul(*rows) <= height
        })
        .map(|&(size, _, rows)| (size, rows))
        .unwrap_or((PixelSize::Octant, 2))
}

impl Widget for &Slide {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let bold = Style::default().add_modifier(Modifier::BOLD);
        // The big lines may take at most half the height: the glyphs shrink
        // rather than push the narration away.
        let (size, rows) = pixel_size(&self.big, area.width, area.height / 2);
        let big_height = (rows * self.big.len() as u16).min(area.height / 2);
        let [title, big, caption, _, words] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(big_height),
            Constraint::Length(2),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(area);
        Paragraph::new(self.title.as_str())
            .alignment(Alignment::Center)
            .render(title, buf);
        BigText::builder()
            .pixel_size(size)
            .style(bold)
            .centered()
            .lines(
                self.big
                    .iter()
                    .map(|l| Line::from(l.clone()))
                    .collect::<Vec<_>>(),
            )
            .build()
            .render(big, buf);
        Paragraph::new(self.caption.as_str())
            .style(bold)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true })
            .render(caption, buf);
        let text = vec![
            Line::styled(self.narration.headline.as_str(), bold),
            Line::from(self.narration.body.as_str()),
        ];
        Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .render(words, buf);
    }
}
