//! The sequence diagram: time runs down, one row per event, an arrow from
//! the side that sent (or dialled) to the other.
//!
//! ```text
//!       │ USER anonymous ──────┃─────────▶│
//!       │◀─────── 331 Any password will do │
//! 41234 ●━ SYN ctl ━━━━━━━━━━━━┃━━━━━━━━━▶│ 2121
//!       │─ LIST ───────────────┃─────────▶│
//! 50000 │                      ✗━ SYN data#1 PORT ━● 2120
//!       │                      ┃ blocked (client fw) · data#1 gave up │
//! ```
//!
//! A dial (SYN) is drawn heavy and bold, with the initiator's end marked `●`,
//! the arrowhead at the side being dialled, and the ports at both ends
//! outside the lifelines. The cursor is the last row; the diagram scrolls
//! with it, and only the rows on screen are ever built, so a trace of
//! 10 000 events costs the same to draw as one of ten.
//!
//! **Nothing is drawn that did not happen.** Where a firewall or NAT stands
//! between the peers, its line `┃` runs down the middle (hanging from its
//! box in the hosts panel), and a dial is drawn only as far as the trace
//! says it went:
//!
//! - answered (`accept` follows, even when only received, not yet shown:
//!   a dial the wall lets through never looks stopped by it): all the way,
//!   through the middlebox;
//! - no answer yet: up to the middlebox's line, where it waits;
//! - dropped (`fail` follows): up to the middlebox's line, ending there in
//!   `✗` on the dial's own row; without a middlebox in the picture (a
//!   capture) it stops short of the far side; refused (RST) reaches the far
//!   side and ends in `✗` there.
//!
//! The failure's own row says when the dialler gave up; it draws no second
//! arrow. A line the middlebox's FTP helper rewrote (its note says so:
//! [`crate::middlebox::helper::Rewrite`]) is drawn as sent on the sender's
//! side of the wall and as received on the other, where both fit:
//!
//! ```text
//!       │─ PORT 192,168,1,2,195,80 ─┃── PORT 127,0,0,2,195,80 ─▶│
//! ```
//!
//! Where they do not, their addresses alone (the point of the rewrite:
//! `─192,168,1,2,195,80─┃─127,0,0,2,195,80─▶`); where even those do not
//! (the compare view at 80×24), the row shows the line as received, and the
//! narration's note says what was sent. Labels are shortened only in their words, never inside a number
//! (`label`).
//!
//! A line that crossed inside TLS (its note lists its records:
//! [`crate::tls::Sealed`]) is drawn as the wire carried it — `▒ TLS
//! application data · 28 B`, what a middlebox sees — and, at the receiving
//! end, as the lab decrypted it (`🔓 USER demo`, the `sealed` module).
//!
//! While playing, the current row's arrow is drawn only `progress` of the
//! way: the arrow in flight.

pub use crate::narration::label::{fail_label, reply_label, Label};

mod sealed;
pub use sealed::DECRYPTED;

use super::layout::{Lifelines, MARGIN};
use super::style::{self, Theme};
use crate::middlebox::helper::Rewrite;
use crate::narration::clean;
use crate::text::wrap;
use crate::tls::Sealed;
use crate::trace::{Channel, Event, FailReason, Kind, Side, Via};
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
    /// A firewall or NAT stands between the peers: its line is drawn.
    pub middlebox: bool,
    /// Words for the diagram while nothing has happened yet.
    pub note: Option<&'a str>,
    /// Every event received so far (`shown` is its start): a dial whose
    /// answer has already arrived passes the wall at once, instead of
    /// waiting at it as if blocked until the next step.
    pub received: &'a [Event],
}

/// The column of the middlebox's line: the middle between the lifelines
/// (the hosts panel centres the middlebox's box on it).
pub fn middlebox_column(ll: Lifelines) -> u16 {
    (ll.client + ll.server).div_ceil(2)
}

/// The events that fit in `rows` rows, ending at the cursor.
pub fn window(shown: &[Event], rows: usize) -> &[Event] {
    let start = shown.len().saturating_sub(rows);
    shown.get(start..).unwrap_or(&[])
}

/// An answered dial: the `accept` of the dial at `events[at]`, if it has
/// been received (shown or not yet).
fn answered(events: &[Event], at: usize) -> Option<&Kind> {
    outcome(events, at).filter(|k| matches!(k, Kind::Accept))
}

/// What became of the dial at `shown[at]`, as far as `shown` tells.
fn outcome(shown: &[Event], at: usize) -> Option<&Kind> {
    let dial = shown.get(at)?;
    shown
        .iter()
        .skip(at + 1)
        .find(|e| {
            e.session == dial.session
                && e.conn == dial.conn
                && matches!(e.kind, Kind::Accept | Kind::Fail { .. })
        })
        .map(|e| &e.kind)
}

impl Widget for Sequence<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let rows = window(self.shown, area.height as usize);
        let first = self.shown.len() - rows.len();
        let ll = self.lifelines;
        let wall = self.middlebox.then(|| middlebox_column(ll));
        for dy in 0..area.height {
            let y = area.y + dy;
            for x in [ll.client, ll.server] {
                put(buf, area, x, y, style::LIFELINE, self.theme.dim());
            }
            if let Some(x) = wall {
                put(buf, area, x, y, style::WALL, self.theme.middlebox());
            }
        }
        if let (true, Some(note)) = (rows.is_empty(), self.note) {
            let width = ll.span().saturating_sub(2);
            for (i, line) in wrap(note, width as usize).iter().enumerate() {
                let y = area.y + i as u16;
                // The note's rows are its own: no wall through its words.
                for x in ll.client + 1..ll.server {
                    put(buf, area, x, y, " ", self.theme.dim());
                }
                text(
                    buf,
                    area,
                    ll.client + 2,
                    y,
                    line,
                    ll.server,
                    self.theme.dim(),
                );
            }
        }
        let last = rows.len().saturating_sub(1);
        for (i, e) in rows.iter().enumerate() {
            let y = area.y + i as u16;
            let current = i == last;
            let progress = if current { self.progress } else { 1.0 };
            let outcome = match e.kind {
                Kind::Connect { .. } => {
                    outcome(self.shown, first + i).or_else(|| answered(self.received, first + i))
                }
                _ => None,
            };
            Row {
                e,
                outcome,
                y,
                area,
                ll,
                wall,
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
    // Text replaces what was under it, style and all (a letter over the
    // middlebox's line must not stay bold).
    let end = limit.min(x.saturating_add(s.chars().count() as u16));
    for cx in x..end {
        if let Some(c) = buf.cell_mut((cx, y)) {
            c.reset();
        }
    }
    buf.set_stringn(x, y, s, (limit - x) as usize, style);
}

struct Row<'a> {
    e: &'a Event,
    /// For a dial: its `accept` or `fail`, when the trace has reached it.
    outcome: Option<&'a Kind>,
    y: u16,
    area: Rect,
    ll: Lifelines,
    /// The middlebox's column, when there is one.
    wall: Option<u16>,
    theme: Theme,
    current: bool,
    progress: f32,
}

/// How far an arrow goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// To the other side, arrowhead there.
    Across,
    /// A dial not answered yet: up to the middlebox's line.
    ToWall,
    /// A dial dropped by the middlebox: `✗` on its line.
    DiesAtWall,
    /// A dial that got no answer, with no middlebox drawn: `✗` short of
    /// the far side.
    DiesShort,
    /// A dial answered with RST: `✗` at the far side.
    Refused,
    /// No arrow: a label beside the side it happened to.
    Beside,
}

/// How one arrow looks.
struct Arrow {
    from: Side,
    glyph: &'static str,
    style: Style,
    label: Label,
    /// Draw an arrowhead at the receiving end.
    head: bool,
    /// A dial: mark the initiator and write the ports outside.
    ports: Option<(u16, u16)>,
    reach: Reach,
    /// A line the middlebox's helper rewrote: as it was sent (the label is
    /// as it was received).
    sent: Option<Label>,
    /// A line that crossed inside TLS: the records it went in (the label
    /// is the line as the lab decrypted it).
    sealed: Option<Sealed>,
}

impl Row<'_> {
    /// Cells the arrow covers from the tail's side, for `reach`.
    fn length(&self, reach: Reach, rightwards: bool) -> u16 {
        let (cl, sl) = (self.ll.client, self.ll.server);
        let span = self.ll.span();
        let to_wall = |w: u16| if rightwards { w - cl } else { sl - w };
        match (reach, self.wall) {
            (Reach::ToWall, Some(w)) => to_wall(w).saturating_sub(1),
            (Reach::DiesAtWall, Some(w)) => to_wall(w),
            (Reach::DiesShort | Reach::DiesAtWall, _) => span.saturating_sub(4),
            _ => span,
        }
        .clamp(1, span)
    }

    fn draw(&self, buf: &mut Buffer) {
        let a = self.arrow();
        let (cl, sl) = (self.ll.client, self.ll.server);
        if self.ll.span() < 3 {
            return;
        }
        if a.reach == Reach::Beside {
            self.draw_beside(buf, &a);
            self.cursor_marks(buf);
            return;
        }
        let rightwards = a.from == Side::Client;
        let full = self.length(a.reach, rightwards);
        let len = ((full as f32) * self.progress.clamp(0.0, 1.0)).ceil() as u16;
        let len = len.clamp(1, full);
        let landed = len == full;
        let cell = |i: u16| if rightwards { cl + 1 + i } else { sl - 1 - i };
        for i in 0..len {
            let x = cell(i);
            if Some(x) == self.wall {
                // The line passes through the middlebox (a label or a ✗
                // drawn later goes on top).
                let wall = self.theme.middlebox();
                put(buf, self.area, x, self.y, style::WALL, wall);
            } else {
                put(buf, self.area, x, self.y, a.glyph, a.style);
            }
        }
        let front = cell(len - 1);
        let dies = matches!(
            a.reach,
            Reach::DiesAtWall | Reach::DiesShort | Reach::Refused
        );
        if dies && landed {
            let fail = self.theme.fail();
            put(buf, self.area, front, self.y, style::FAILED, fail);
        } else if a.head {
            let head = if rightwards {
                style::HEAD_RIGHT
            } else {
                style::HEAD_LEFT
            };
            put(buf, self.area, front, self.y, head, a.style);
        }
        if !self.draw_rewrite(buf, &a, landed) && !self.draw_sealed(buf, &a, len, landed) {
            self.draw_label(buf, &a, len, landed);
        }
        if let Some((src, dst)) = a.ports {
            // The initiator's end, on its lifeline; ports outside both. The
            // dialled port is written plain when the dial never reached it.
            put(
                buf,
                self.area,
                if rightwards { cl } else { sl },
                self.y,
                style::INITIATOR,
                a.style,
            );
            let reached = matches!(a.reach, Reach::Across | Reach::Refused);
            let far = if reached { a.style } else { self.theme.dim() };
            let ((left, ls), (right, rs)) = if rightwards {
                ((src, a.style), (dst, far))
            } else {
                ((dst, far), (src, a.style))
            };
            let x0 = cl.saturating_sub(MARGIN - 1);
            text(buf, self.area, x0, self.y, &format!("{left:>5}"), cl, ls);
            text(
                buf,
                self.area,
                sl + 1,
                self.y,
                &right.to_string(),
                sl + 6,
                rs,
            );
        }
        self.cursor_marks(buf);
    }

    fn cursor_marks(&self, buf: &mut Buffer) {
        if self.current {
            let mark = self.theme.title();
            put(buf, self.area, self.area.x, self.y, "▸", mark);
            put(buf, self.area, self.area.right() - 1, self.y, "◂", mark);
        }
    }

    fn label_style(&self, a: &Arrow) -> Style {
        if self.current {
            a.style.patch(self.theme.cursor())
        } else {
            a.style
        }
    }

    /// The label near the arrow's tail, padded with spaces when they fit.
    /// When the words do not fit inside the arrow, it may cover the tail's
    /// end; a label of a command or reply (whose margins hold no ports) may
    /// then run over the tail's lifeline into its margin, rather than lose
    /// a digit.
    fn draw_label(&self, buf: &mut Buffer, a: &Arrow, len: u16, landed: bool) {
        let (cl, sl) = (self.ll.client, self.ll.server);
        let rightwards = a.from == Side::Client;
        let inside = len.saturating_sub(2) as usize;
        let n = a.label.text().chars().count();
        // (text, cells it reaches beyond the inside of the arrow)
        // Whole where it fits: padded inside the arrow, bare, or over the
        // tail's end of the line. Then shortened (never inside a number)
        // inside the arrow, over the tail's end, and, with no ports in the
        // way, over the tail's lifeline into its margin.
        let whole = |room: usize| (n <= room).then(|| a.label.text().to_string());
        let mut outs = vec![0];
        if landed {
            outs.push(1);
        }
        let mut fitted = (n + 2 <= inside)
            .then(|| (format!(" {} ", a.label.text()), 0))
            .or_else(|| outs.iter().find_map(|&o| whole(inside + o).map(|s| (s, o))));
        if landed && a.ports.is_none() {
            outs.push(1 + MARGIN as usize);
        }
        for &out in &outs {
            fitted = fitted.or_else(|| a.label.fit(inside + out).map(|s| (s, out)));
        }
        if landed {
            fitted = fitted.or_else(|| {
                let out = outs.last().copied().unwrap_or(0);
                Some((a.label.cut(inside + out), out))
            });
        }
        let Some((shown, out)) = fitted else {
            return;
        };
        let width = shown.chars().count() as u16;
        if width == 0 {
            return;
        }
        let out = out as u16;
        let x = if rightwards {
            (cl + 2).saturating_sub(out)
        } else {
            (sl + out).saturating_sub(1 + width)
        };
        let x = x.max(self.area.x + 1);
        let limit = (x + width).min(self.area.right().saturating_sub(1));
        text(
            buf,
            self.area,
            x,
            self.y,
            &shown,
            limit,
            self.label_style(a),
        );
    }

    /// A rewritten line: as sent on the sender's side of the wall, as
    /// received (once the arrow has landed) on the other side. False when
    /// there is no rewrite, or the two do not both fit (the row then shows
    /// the line as received, as any other).
    fn draw_rewrite(&self, buf: &mut Buffer, a: &Arrow, landed: bool) -> bool {
        let (Some(sent), Some(w)) = (&a.sent, self.wall) else {
            return false;
        };
        let (cl, sl) = (self.ll.client, self.ll.server);
        // The cells between a lifeline and the wall, less an arrowhead's
        // or a line's cell at each end.
        let rightwards = a.from == Side::Client;
        // Rightwards, a line's cell before the arrowhead too.
        let head_gap = u16::from(rightwards);
        let (left_room, right_room) = (
            w.saturating_sub(cl + 3) as usize,
            sl.saturating_sub(w + 3 + head_gap) as usize,
        );
        let (left, right) = if rightwards {
            (sent, &a.label)
        } else {
            (&a.label, sent)
        };
        let padded = |l: &Label, room: usize| {
            let s = l.fit(room)?;
            Some(if s.chars().count() + 2 <= room {
                format!(" {s} ")
            } else {
                s
            })
        };
        // Both lines whole (shortened in their words); else their
        // addresses alone, the point of the rewrite.
        let both = |l: &Label, r: &Label| padded(l, left_room).zip(padded(r, right_room));
        let points = || both(&left.point()?, &right.point()?);
        let Some((left, right)) = both(left, right).or_else(points) else {
            return false;
        };
        let style = self.label_style(a);
        // The sender's side always; the receiver's once the line got there.
        if rightwards || landed {
            let x = cl + 2;
            let end = x + left.chars().count() as u16;
            text(buf, self.area, x, self.y, &left, end, style);
        }
        if !rightwards || landed {
            let end = sl - 1 - head_gap;
            let x = end.saturating_sub(right.chars().count() as u16);
            text(buf, self.area, x, self.y, &right, end, style);
        }
        true
    }

    /// A row with no arrow: its label beside the side it happened to.
    fn draw_beside(&self, buf: &mut Buffer, a: &Arrow) {
        let (cl, sl) = (self.ll.client, self.ll.server);
        let room = self.ll.span().saturating_sub(1) as usize;
        let shown = a.label.fit(room).unwrap_or_else(|| a.label.cut(room));
        let width = shown.chars().count() as u16;
        let x = match a.from {
            Side::Client => cl + 1,
            Side::Server => sl.saturating_sub(width),
        };
        text(
            buf,
            self.area,
            x,
            self.y,
            &shown,
            x + width,
            self.label_style(a),
        );
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
        let plain = |label: Label, from: Side| Arrow {
            from,
            glyph: style::line(ch),
            style: t.channel(ch),
            label,
            head: true,
            ports: None,
            reach: Reach::Across,
            sent: None,
            sealed: None,
        };
        match &e.kind {
            Kind::Connect { src, dst, via } => Arrow {
                from: e.from,
                glyph: style::SYN_LINE,
                style: t.syn(ch),
                label: Label::plain(match via {
                    Some(v) if *v != Via::Default => format!("SYN {conn} {}", v.as_str()),
                    _ => format!("SYN {conn}"),
                }),
                head: true,
                ports: Some((src.port(), dst.port())),
                reach: self.dial_reach(),
                sent: None,
                sealed: None,
            },
            Kind::Accept => Arrow {
                glyph: style::ACCEPT_LINE,
                head: false,
                ..plain(Label::plain(format!("✓ {conn} connected")), e.from)
            },
            Kind::Fail { reason, by } => Arrow {
                from: e.from,
                glyph: style::SYN_LINE,
                style: t.fail(),
                label: Label::plain(fail_label(&conn, *reason, *by)),
                head: false,
                ports: None,
                reach: Reach::Beside,
                sent: None,
                sealed: None,
            },
            Kind::Command { text, verb } => {
                let label = |text: &str| {
                    let text = clean(text);
                    if crate::ftp::Verb::parse(verb).carries_address() {
                        Label::keeping_address(text)
                    } else {
                        Label::plain(text)
                    }
                };
                let sent = self.rewrite(text).map(|r| label(&r.sent));
                Arrow {
                    sent,
                    sealed: self.sealed(),
                    ..plain(label(text), Side::Client)
                }
            }
            Kind::Reply { code, text } => {
                let first = text.lines().next().unwrap_or_default();
                let sent = self.rewrite(first).map(|r| reply_label(*code, &r.sent));
                Arrow {
                    sent,
                    sealed: self.sealed(),
                    ..plain(reply_label(*code, text), Side::Server)
                }
            }
            // Bytes on the control line that are not lines: TLS after AUTH.
            Kind::Data { bytes } if ch == Channel::Control => {
                plain(Label::plain(format!("{bytes} B encrypted")), e.from)
            }
            Kind::Data { bytes } => plain(Label::plain(format!("{bytes} B {conn}")), e.from),
            Kind::Close => plain(Label::plain(format!("FIN {conn}")), e.from),
        }
    }

    /// The helper's rewrite of this row's line (`received`, as the trace
    /// holds it), when its note tells of one and a middlebox is drawn.
    fn rewrite(&self, received: &str) -> Option<Rewrite> {
        self.wall?;
        let r = Rewrite::read(self.e.note.as_deref()?)?;
        (r.received == received).then_some(r)
    }

    /// The records this row's line went in, when its note tells of them.
    fn sealed(&self) -> Option<Sealed> {
        Sealed::read(self.e.note.as_deref()?)
    }

    /// How far a dial went, by what the trace says became of it.
    fn dial_reach(&self) -> Reach {
        match (self.outcome, self.wall) {
            (Some(Kind::Accept), _) => Reach::Across,
            (
                Some(Kind::Fail {
                    reason: FailReason::Refused | FailReason::Reset,
                    ..
                }),
                _,
            ) => Reach::Refused,
            (Some(Kind::Fail { by: Some(_), .. }), Some(_)) => Reach::DiesAtWall,
            (Some(Kind::Fail { .. }), _) => Reach::DiesShort,
            (None, Some(_)) => Reach::ToWall,
            _ => Reach::Across,
        }
    }
}
