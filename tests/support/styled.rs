//! The screen as text *with its colours*: insta snapshots of a `Buffer`'s
//! symbols do not record styles, so a theme's screen is written out with a
//! mark `«fg bg +modifiers»` wherever the style changes along a row
//! (`«»` back to plain). A snapshot of this text changes when a colour does.

#![allow(dead_code)]

use ratatui::buffer::{Buffer, Cell};
use ratatui::style::{Color, Modifier};

fn mark(c: &Cell) -> String {
    let mut parts = Vec::new();
    if c.fg != Color::Reset {
        parts.push(format!("{:?}", c.fg));
    }
    if c.bg != Color::Reset {
        parts.push(format!("on {:?}", c.bg));
    }
    for (m, name) in [
        (Modifier::BOLD, "+bold"),
        (Modifier::REVERSED, "+rev"),
        (Modifier::UNDERLINED, "+ul"),
        (Modifier::DIM, "+dim"),
        (Modifier::ITALIC, "+it"),
    ] {
        if c.modifier.contains(m) {
            parts.push(name.to_string());
        }
    }
    format!("«{}»", parts.join(" "))
}

/// Every row, with a style mark where the style changes.
pub fn styled(buf: &Buffer) -> String {
    let a = buf.area;
    let plain = mark(&Cell::default());
    let mut out = String::new();
    for y in a.y..a.bottom() {
        let mut line = String::new();
        let mut current = plain.clone();
        let mut trimmed_at = 0;
        for x in a.x..a.right() {
            let c = &buf[(x, y)];
            let m = mark(c);
            if m != current {
                line.push_str(&m);
                current = m;
            }
            line.push_str(c.symbol());
            if c.symbol() != " " || current != plain {
                trimmed_at = line.len();
            }
        }
        line.truncate(trimmed_at);
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Every colour (foreground or background) the screen uses.
pub fn colours(buf: &Buffer) -> Vec<Color> {
    let mut seen: Vec<Color> = Vec::new();
    for c in &buf.content {
        for colour in [c.fg, c.bg] {
            if !seen.contains(&colour) {
                seen.push(colour);
            }
        }
    }
    seen
}
