//! The presenter view: one step, big enough for the back row.
//!
//! On a projector the sequence diagram's small print is lost. This view
//! shows only the current step of one pane (the one that moved last, or
//! the one Tab picked): a title line, the one fact in large glyphs (who
//! dials, from which port to which port; or the port arithmetic of
//! `PORT`/`227`), the same fact in plain text under it, and the narration.
//! Like every widget it draws what it is given.
//!
//! The big glyphs are 8×8-pixel letters drawn with quadrant blocks
//! (`tui-big-text`): 4 columns × 4 rows a character, so a line of 18
//! characters fits 80 columns. The view picks the largest size that fits.

use super::finale::FinaleView;
use super::narration_view::{NarrationView, Told};
use super::style::Theme;
use crate::ftp::hostport::{parse_227, parse_229, parse_eprt, parse_port, port_bytes};
use crate::trace::{Event, Kind, Side, Via};
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
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
}

impl Slide {
    /// The slide while a quiz question is open: the question, not the
    /// step that would answer it.
    pub fn held() -> Slide {
        Slide {
            title: "quiz".into(),
            big: vec!["WHO".into(), "DIALS?".into()],
            caption: "Predict: who dials, from which port, to which port?".into(),
        }
    }

    /// The slide for the last of `shown` (or the start, when it is empty).
    pub fn of(shown: &[Event]) -> Slide {
        let Some(current) = shown.last() else {
            return Slide {
                title: "ready".into(),
                big: vec!["FTP".into()],
                caption: "Nothing has happened yet.".into(),
            };
        };
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
                    Some(Via::Pasv) => format!("{src} → {dst}, as the 227 said"),
                    Some(Via::Epsv) => format!("{src} → {dst}, as the 229 said"),
                    Some(Via::Default) => format!("{src} → {dst}, the default data port"),
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
                crate::account::failure_words(*reason, *by),
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
    use crate::ftp::Verb;
    let arg = text.get(verb.len()..)?.trim();
    match Verb::parse(verb) {
        Verb::Port => {
            let port = parse_port(arg).ok()?.port();
            Some(vec![Verb::Port.to_string(), arithmetic(port)])
        }
        Verb::Eprt => Some(vec![
            Verb::Eprt.to_string(),
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

/// The largest glyphs in which `line` fits `width` × `height`, and the
/// rows it then takes.
fn pixel_size(line: &str, width: u16, height: u16) -> (PixelSize, u16) {
    let chars = line.chars().count() as u16;
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
        .find(|(_, cols, rows)| chars.saturating_mul(*cols) <= width && *rows <= height)
        .map(|&(size, _, rows)| (size, rows))
        .unwrap_or((PixelSize::Octant, 2))
}

/// The presenter view of one pane: its title, the slide of its current
/// step, and its narration below (with the "more" mark when it is cut,
/// `m` shows the rest); its summary once the lesson is over.
pub struct PresenterView<'a> {
    /// The pane's title (or what stands in for it while the quiz asks).
    pub heading: &'a str,
    pub slide: Slide,
    /// The narration at the cursor; the summary when `finale`.
    pub told: Told,
    /// The lesson is over: the summary in place of the slide.
    pub finale: bool,
    pub theme: Theme,
}

impl Widget for PresenterView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let title = Line::styled(format!(" {} ", self.heading), t.title());
        buf.set_line(area.x, area.y, &title, area.width);
        let body = Rect {
            y: area.y + 1,
            height: area.height.saturating_sub(1),
            ..area
        };
        if self.finale {
            FinaleView {
                told: &self.told,
                theme: t,
            }
            .render(body, buf);
            return;
        }
        let slide = self.slide;
        // The big lines may take at most half the height between them: the
        // glyphs shrink rather than push the narration away. Each line
        // gets the largest size that fits it.
        let share = (body.height / 2) / (slide.big.len().max(1) as u16);
        let sized: Vec<(PixelSize, u16)> = slide
            .big
            .iter()
            .map(|l| pixel_size(l, body.width, share))
            .collect();
        let big_height = sized.iter().map(|(_, rows)| rows).sum();
        let [what, big, caption, _, words] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(big_height),
            Constraint::Length(2),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(body);
        Paragraph::new(slide.title.as_str())
            .style(t.dim())
            .alignment(Alignment::Center)
            .render(what, buf);
        let mut y = big.y;
        for (line, (size, rows)) in slide.big.iter().zip(sized) {
            let area = Rect {
                y,
                height: rows,
                ..big
            };
            BigText::builder()
                .pixel_size(size)
                .style(t.title())
                .centered()
                .lines(vec![Line::from(line.clone())])
                .build()
                .render(area, buf);
            y += rows;
        }
        Paragraph::new(slide.caption.as_str())
            .style(t.title())
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true })
            .render(caption, buf);
        NarrationView {
            told: &self.told,
            theme: t,
        }
        .render(words, buf);
    }
}
