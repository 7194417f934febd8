//! Cards: the boxes the classroom puts on screen — a scene's card before
//! its run, a quiz question before a dial, the reveal after it, the
//! closing words under a run's summaries.
//!
//! A question or a reveal sits over the bottom of the screen, where the
//! narration is, so the diagram above stays in sight: the class answers
//! looking at the PORT line, and sees its answer checked against the SYN.
//! A scene's card takes the middle of the screen: nothing has happened yet.

use super::style::Theme;
use crate::classroom::quiz::{Guess, PortRole, Question, Reveal};
use crate::text::{clip_words, shorten_words, width as text_width, wrap};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Borders, Clear, Widget};

/// Which part of a question is being answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Who,
    From,
    To,
}

/// A scene's card, as it may be shown now.
pub struct SceneCard<'a> {
    /// "scene 3/8 · run 2/4".
    pub counter: String,
    pub title: &'a str,
    /// The run's caption.
    pub caption: Option<&'a str>,
    /// The notes the teacher reads out, paragraphs apart by a blank line.
    pub notes: &'a str,
    /// The pane whose prediction the card asks for ("ACTIVE"), if any.
    pub predict: Option<&'a str>,
}

/// A card's lines, each with its style.
type Lines = Vec<(String, Style)>;

/// Draws `lines` in a box titled `title` over `area`, wrapped to its width;
/// when they do not fit, the last row says so.
fn draw(title: &str, footer: &str, lines: &Lines, area: Rect, buf: &mut Buffer, t: Theme) {
    Clear.render(area, buf);
    // Titles lose whole words, never run into the corner.
    let room = area.width.saturating_sub(4) as usize;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Thick)
        .border_style(t.title())
        .title(Line::styled(
            format!(" {} ", shorten_words(title, room)),
            t.focused(),
        ))
        .title_bottom(Line::styled(
            format!(" {} ", shorten_words(footer, room)),
            t.dim(),
        ));
    let inner = block.inner(area);
    block.render(area, buf);
    let width = inner.width.saturating_sub(2) as usize;
    let mut rows: Vec<(String, Style)> = Vec::new();
    for (text, style) in lines {
        if text.is_empty() {
            rows.push((String::new(), *style));
            continue;
        }
        for r in wrap(text, width) {
            rows.push((r, *style));
        }
    }
    let room = inner.height as usize;
    if rows.len() > room && room > 0 {
        rows.truncate(room);
        if let Some(last) = rows.last_mut() {
            let kept = clip_words(&last.0, width.saturating_sub(2));
            last.0 = format!("{kept} …");
        }
    }
    for (i, (text, style)) in rows.iter().enumerate() {
        buf.set_line(
            inner.x + 1,
            inner.y + i as u16,
            &Line::styled(text.clone(), *style),
            inner.width.saturating_sub(1),
        );
    }
}

/// The rows a card of `lines` needs at `width` (inside its border).
fn height(lines: &Lines, width: u16) -> u16 {
    let w = width.saturating_sub(4) as usize;
    let rows: usize = lines
        .iter()
        .map(|(l, _)| if l.is_empty() { 1 } else { wrap(l, w).len() })
        .sum();
    rows as u16 + 2
}

/// The bottom of `screen` (above the key bar), as tall as `lines` need and
/// at most half the screen.
fn bottom(screen: Rect, lines: &Lines) -> Rect {
    let h = height(lines, screen.width).min(screen.height / 2).max(3);
    Rect {
        x: screen.x,
        y: screen.bottom().saturating_sub(h + 1),
        width: screen.width,
        height: h,
    }
}

/// The quiz's question `q` for the pane titled `pane`, at its `part`,
/// with what was guessed so far.
pub fn question(
    (q, guess, part): (&Question, &Guess, Part),
    pane: &str,
    screen: Rect,
    buf: &mut Buffer,
    t: Theme,
) {
    let mut lines: Lines = vec![(format!("After `{}`:", q.line), t.headline())];
    let said = |role: Option<PortRole>| role.map(|r| q.choice(r)).unwrap_or_default();
    match part {
        Part::Who => {
            lines.push(("Who dials the data connection?".into(), t.title()));
            for choice in ["c · the client", "s · the server", "0 · nobody will"] {
                lines.push((choice.into(), Style::default()));
            }
        }
        Part::From | Part::To => {
            let who = guess.who.map(|s| s.as_str()).unwrap_or("nobody");
            let mut said_so_far = format!("You said: the {who} dials");
            if part == Part::To {
                said_so_far.push_str(&format!(", from {}", said(guess.from)));
            }
            lines.push((said_so_far, t.dim()));
            let ask = if part == Part::From {
                "From which port?"
            } else {
                "To which port?"
            };
            lines.push((ask.into(), t.title()));
            for (i, role) in PortRole::ALL.iter().enumerate() {
                lines.push((format!("{} · {}", i + 1, q.choice(*role)), Style::default()));
            }
        }
    }
    let area = bottom(screen, &lines);
    let title = format!("Predict · {pane}");
    draw(&title, "Esc skip · Backspace back", &lines, area, buf, t);
}

/// The quiz's reveal of question `q`, for the pane titled `pane`.
pub fn reveal(q: &Question, r: &Reveal, pane: &str, screen: Rect, buf: &mut Buffer, t: Theme) {
    let lines: Lines = r
        .lines
        .iter()
        .map(|l| {
            let style = if l.starts_with('✗') {
                t.fail()
            } else {
                Style::default()
            };
            (l.clone(), style)
        })
        .collect();
    let score = if r.asked == 0 {
        format!("not scored · {pane}")
    } else {
        format!("{} of {} right · {pane}", r.right, r.asked)
    };
    let whole = format!("{score} · {}", q.line);
    // The announcement in the title where it fits whole, else as the
    // first line (its numbers are the point).
    let mut lines = lines;
    let title = if text_width(&whole) + 4 <= screen.width as usize {
        whole
    } else {
        lines.insert(0, (q.line.clone(), t.title()));
        score
    };
    let area = bottom(screen, &lines);
    draw(&title, "any key", &lines, area, buf, t);
}

/// A scene's card: its title, the notes to read out, and (with the quiz)
/// the prediction being asked.
pub fn scene(c: &SceneCard, screen: Rect, buf: &mut Buffer, t: Theme) {
    let mut lines: Lines = vec![(c.title.to_string(), t.headline())];
    if let Some(caption) = c.caption {
        lines.push((format!("This run: {caption}"), t.title()));
    }
    for para in c.notes.split("\n\n") {
        lines.push((String::new(), Style::default()));
        lines.push((para.to_string(), Style::default()));
    }
    let footer = match c.predict {
        Some(pane) => {
            lines.push((String::new(), Style::default()));
            lines.push((
                format!("Predict: in the {pane} pane, will the transfers work? y · yes, n · no"),
                t.cursor(),
            ));
            "y / n: the class's prediction"
        }
        None => "→ or space: run it · n next · p back",
    };
    let width = screen.width.saturating_sub(4).min(76);
    let h = height(&lines, width).min(screen.height.saturating_sub(2));
    let area = Rect {
        x: screen.x + (screen.width - width) / 2,
        y: screen.y + (screen.height.saturating_sub(h)) / 2,
        width,
        height: h,
    };
    // Nothing of the screen below shows beside the card, or under it (the
    // empty run's words would hang there, cut off from their start).
    Clear.render(
        Rect {
            x: screen.x,
            width: screen.width,
            height: screen.bottom().saturating_sub(1).saturating_sub(area.y),
            ..area
        },
        buf,
    );
    draw(&c.counter, footer, &lines, area, buf, t);
}

/// The closing words of a run, over the bottom of its summaries, with the
/// keys that go on in its bottom border.
pub fn closing(lines: &[String], keys: &str, screen: Rect, buf: &mut Buffer, t: Theme) {
    let lines: Lines = lines
        .iter()
        .map(|l| {
            let style = match l.chars().next() {
                Some('✗') => t.fail(),
                Some('R') => t.headline(),
                _ => Style::default(),
            };
            (l.clone(), style)
        })
        .collect();
    let area = bottom(screen, &lines);
    draw("this run", keys, &lines, area, buf, t);
}
