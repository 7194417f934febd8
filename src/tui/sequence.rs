//! The sequence diagram: time runs down, one row per event, an arrow from
//! the side that sent (or dialled) to the other.
//!
//! ```text
//!       │ USER anonymous ────────────────▶│
//!       │◀──────────────── 331 Any passwo │
//! 41234 ●━ SYN ctl ━━━━━━━━━━━━━━━━━━━━━━▶│ 2121
//! 50000 │◀━━━━━━━━━━━━ SYN data#1 PORT ━━━● 2120
//!       │ ═══ 78 B data#1 ═══════════════▶│
//! ```
//!
//! A dial (SYN) is drawn heavy and bold, with the initiator's end marked `●`,
//! the arrowhead at the side being dialled, and the ports at both ends
//! outside the lifelines. The cursor is the last row; the diagram scrolls
//! with it, and only the rows on screen are ever built, so a trace of
//! 10 000 events costs the same to draw as one of ten.
//!
//! While playing, the current row's arrow is drawn only `progress` of the
//! way: the arrow in flight.

use super::layout::{Lifelines, MARGIN};
use super::style::{self, Theme};
use crate::narration::clean;
use crate::trace::{Blocker, Channel, Event, FailReason, Kind, Side, Via};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Widget;

/// The diagram of one pane.
pub struct Sequence<'a> {
    /// The events that happened (the last is the current one).
    pub shown: &'a [Event],
    /// How far the current arrow has flown (1.0 = whole).
    pub progress: f32,
    pub lifelines: Lifelines,
    pub theme: Theme,
}

/// The events that fit in `rows` rows, ending at the cursor.
pub fn window(shown: &[Event], rows: usize) -> &[Event] {
    let start = shown.len().saturating_sub(rows);
    shown.get(start..).unwrap_or(&[])
}

impl Widget for Sequence<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let rows = window(self.shown, area.height as usize);
        let ll = self.lifelines;
        for dy in 0..area.height {
            let y = area.y + dy;
            for x in [ll.client, ll.server] {
                put(buf, area, x, y, style::LIFELINE, self.theme.dim());
            }
        }
        let last = rows.len().saturating_sub(1);
        for (i, e) in rows.iter().enumerate() {
            let y = area.y + i as u16;
            let current = i == last;
            let progress = if current { self.progress } else { 1.0 };
            Row {
                e,
                y,
                area,
                ll,
                theme: self.theme,
                current,
                progress,
            }
            .draw(buf);
        }
    }
}

/// Writes one glyph if the cell is inside `area`.
fn put(buf: &mut Buffer, area: Rect, x: u16, y: u16, s: &str, style: Style) {
    if x >= area.x && x < area.right() && y >= area.y && y < area.bottom() {
        if let Some(c) = buf.cell_mut((x, y)) {
            c.set_symbol(s).set_style(style);
        }
    }
}

/// Writes text clipped to `x .. limit` and to `area`.
fn text(buf: &mut Buffer, area: Rect, x: u16, y: u16, s: &str, limit: u16, style: Style) {
    let limit = limit.min(area.right());
    if x >= limit || y < area.y || y >= area.bottom() || x < area.x {
        return;
    }
    buf.set_stringn(x, y, s, (limit - x) as usize, style);
}

struct Row<'a> {
    e: &'a Event,
    y: u16,
    area: Rect,
    ll: Lifelines,
    theme: Theme,
    current: bool,
    progress: f32,
}

/// How one arrow looks.
struct Arrow {
    from: Side,
    glyph: &'static str,
    style: Style,
    label: String,
    /// Draw an arrowhead at the receiving end.
    head: bool,
    /// A dial: mark the initiator and write the ports outside.
    ports: Option<(u16, u16)>,
    /// A dial that died: stops short of the other side, with a ✗.
    dies: bool,
}

impl Row<'_> {
    fn draw(&self, buf: &mut Buffer) {
        let a = self.arrow();
        let (cl, sl) = (self.ll.client, self.ll.server);
        let span = self.ll.span();
        if span < 3 {
            return;
        }
        let rightwards = a.from == Side::Client;
        // The part of the span the arrow covers: all of it, or up to the
        // middle for a dial that died, times the flight progress.
        let full = if a.dies {
            span.saturating_sub(4).max(1)
        } else {
            span
        };
        let len = ((full as f32) * self.progress.clamp(0.0, 1.0)).ceil() as u16;
        let len = len.clamp(1, full);
        let cell = |i: u16| if rightwards { cl + 1 + i } else { sl - 1 - i };
        for i in 0..len {
            put(buf, self.area, cell(i), self.y, a.glyph, a.style);
        }
        let front = cell(len - 1);
        if a.dies {
            put(
                buf,
                self.area,
                front,
                self.y,
                style::FAILED,
                self.theme.fail(),
            );
        } else if a.head {
            let head = if rightwards {
                style::HEAD_RIGHT
            } else {
                style::HEAD_LEFT
            };
            put(buf, self.area, front, self.y, head, a.style);
        }
        // The label rides near the tail, inside the drawn part.
        // Padded with spaces, unless dropping them makes the whole label fit.
        let room_for = |s: &str| s.chars().count() as u16 <= len.saturating_sub(2);
        let spaced = format!(" {} ", a.label);
        let label = if !room_for(&spaced) && room_for(&a.label) {
            a.label.clone()
        } else {
            spaced
        };
        // Room between one glyph at the tail and the arrowhead.
        let room = len.saturating_sub(2);
        let width = (label.chars().count() as u16).min(room);
        let label_style = if self.current {
            a.style.patch(self.theme.cursor())
        } else {
            a.style
        };
        if width > 0 {
            let x = if rightwards {
                cl + 2
            } else {
                sl.saturating_sub(1 + width)
            };
            let shown: String = label.chars().take(width as usize).collect();
            text(buf, self.area, x, self.y, &shown, x + width, label_style);
        }
        if let Some((src, dst)) = a.ports {
            // The initiator's end, on its lifeline; ports outside both.
            let (tail, tail_port, head_port) = if rightwards {
                (cl, src, dst)
            } else {
                (sl, src, dst)
            };
            put(buf, self.area, tail, self.y, style::INITIATOR, a.style);
            let (left, right) = if rightwards {
                (tail_port, head_port)
            } else {
                (head_port, tail_port)
            };
            let l = format!("{left:>5}");
            let x0 = cl.saturating_sub(MARGIN - 1);
            text(buf, self.area, x0, self.y, &l, cl, a.style);
            text(
                buf,
                self.area,
                sl + 1,
                self.y,
                &right.to_string(),
                sl + 6,
                a.style,
            );
        }
        if self.current {
            let mark = self.theme.title();
            put(buf, self.area, self.area.x, self.y, "▸", mark);
            put(buf, self.area, self.area.right() - 1, self.y, "◂", mark);
        }
    }

    fn arrow(&self) -> Arrow {
        let e = self.e;
        let ch = e.channel;
        let t = self.theme;
        let conn = if ch == Channel::Control {
            "ctl".to_string()
        } else {
            format!("data#{}", e.conn)
        };
        let plain = |label: String, from: Side| Arrow {
            from,
            glyph: style::line(ch),
            style: t.channel(ch),
            label,
            head: true,
            ports: None,
            dies: false,
        };
        match &e.kind {
            Kind::Connect { src, dst, via } => Arrow {
                from: e.from,
                glyph: style::SYN_LINE,
                style: t.syn(ch),
                label: match via {
                    Some(v) if *v != Via::Default => format!("SYN {conn} {}", v.as_str()),
                    _ => format!("SYN {conn}"),
                },
                head: true,
                ports: Some((src.port(), dst.port())),
                dies: false,
            },
            Kind::Accept => Arrow {
                glyph: style::ACCEPT_LINE,
                head: false,
                ..plain(format!("✓ {conn} connected"), e.from)
            },
            Kind::Fail { reason, by } => Arrow {
                from: e.from,
                glyph: style::SYN_LINE,
                style: t.fail(),
                label: fail_label(*reason, *by),
                head: false,
                ports: None,
                dies: true,
            },
            Kind::Command { text, .. } => plain(clean(text), Side::Client),
            Kind::Reply { code, text } => plain(reply_label(*code, text), Side::Server),
            Kind::Data { bytes } => plain(format!("{bytes} B {conn}"), e.from),
            Kind::Close => plain(format!("FIN {conn}"), e.from),
        }
    }
}

fn fail_label(reason: FailReason, by: Option<Blocker>) -> String {
    let by = match by {
        Some(Blocker::ClientFirewall) => " (client fw)",
        Some(Blocker::ServerFirewall) => " (server fw)",
        Some(Blocker::Nat) => " (NAT)",
        None => "",
    };
    format!("{}{by}", reason.as_str())
}

/// A reply as a label: its first line, except that for 227 and 229 the
/// address in parentheses is what matters and must not be cut off: it
/// alone is shown, `227 127,0,0,3,195,81`.
fn reply_label(code: u16, text: &str) -> String {
    let first = text.lines().next().unwrap_or_default();
    if matches!(code, 227 | 229) {
        if let (Some(a), Some(b)) = (first.find('('), first.rfind(')')) {
            if let Some(inner) = first.get(a + 1..b) {
                return clean(&format!("{code} {inner}"));
            }
        }
    }
    clean(first)
}
