//! The sequence diagram on paper: one small SVG per event row, with the
//! screen's marks (the sequence diagram of `tui`), with the same words
//! ([`crate::narration::label`]).
//!
//! ```text
//!   client                  firewall                  server
//!     │── USER anonymous ──────┃─────────────────────────▶│
//! 41234 ●━━ SYN ctl ━━━━━━━━━━━━┃━━━━━━━━━━━━━━━━━━━━━━━━━▶│ 2121
//! 50000 │                      ✗━━ SYN data#1 PORT ━━━━━━━━● 2120
//! ```
//!
//! Each row is its own SVG in a row of the page's table, so that the
//! narration beside it can be as long as it needs and a printed page breaks
//! only between rows; the lifelines and the middlebox's wall run the full
//! height of every row (`y2="100%"`: the SVG has no viewBox and fills its
//! cell), and so join up from row to row into one diagram.
//!
//! A dial is drawn as far as the account says it went: across when it was
//! answered, to the wall and `✗` there when the middlebox dropped it, to the
//! far side and `✗` when it was refused, short of the far side and `✗`
//! with no middlebox in the picture, to the wall when the trace has no
//! answer.

use super::escape::esc;
use crate::account::End;
use crate::narration::label::{fail_label, reply_label, Label};
use crate::trace::{Channel, Event, FailReason, Kind, Side, Via};
use std::fmt::Write as _;

/// The width of a row's SVG, in CSS pixels.
pub const WIDTH: u32 = 340;
/// The client's lifeline.
const CL: f32 = 58.0;
/// The server's lifeline.
const SL: f32 = 282.0;
/// The middlebox's wall, half-way.
const WALL: f32 = 170.0;
/// The arrow's line, from the row's top.
const Y: f32 = 23.0;
/// The label's baseline, above the arrow.
const LABEL_Y: f32 = 16.0;
/// Letters a label may have between the lifelines.
const LABEL_ROOM: usize = 34;

/// How far a dial's arrow goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    Across,
    /// No answer in the trace, a middlebox in the picture: to its wall.
    ToWall,
    /// Dropped by the middlebox: `✗` on its wall.
    DiesAtWall,
    /// Dropped, with no middlebox drawn: `✗` short of the far side.
    DiesShort,
    /// Refused (RST): `✗` at the far side.
    Refused,
}

impl Reach {
    /// A data dial's reach, from the account's end of its connection.
    pub fn of(end: Option<End>, wall: bool) -> Reach {
        match (end, wall) {
            (Some(End::Connected { .. }), _) | (None, _) => Reach::Across,
            (
                Some(End::Failed {
                    reason: FailReason::Refused | FailReason::Reset,
                    ..
                }),
                _,
            ) => Reach::Refused,
            (Some(End::Failed { by: Some(_), .. }), true) => Reach::DiesAtWall,
            (Some(End::Failed { .. }), _) => Reach::DiesShort,
            (Some(End::Unanswered), true) => Reach::ToWall,
            (Some(End::Unanswered), false) => Reach::Across,
        }
    }

    fn dies(self) -> bool {
        matches!(self, Reach::DiesAtWall | Reach::DiesShort | Reach::Refused)
    }
}

/// `ctl`, or `data#1`: the connection, as the screen names it.
fn conn_name(e: &Event) -> String {
    if e.channel == Channel::Control {
        "ctl".to_string()
    } else {
        format!("data#{}", e.conn)
    }
}

/// The CSS class of a channel's lines.
fn class(ch: Channel) -> &'static str {
    match ch {
        Channel::Control => "ctl",
        Channel::Data => "dat",
    }
}

/// The lifeline of a side.
fn x_of(side: Side) -> f32 {
    match side {
        Side::Client => CL,
        Side::Server => SL,
    }
}

/// One event's row: an SVG with a label for a screen reader (`words`).
pub fn row(e: &Event, reach: Reach, wall: bool, words: &str) -> String {
    let mut s = format!(
        r#"<svg class="row" width="{WIDTH}" role="img" aria-label="{w}"><title>{w}</title>"#,
        w = esc(words)
    );
    lines(&mut s, wall);
    match &e.kind {
        Kind::Connect { src, dst, via } => dial(&mut s, e, (src.port(), dst.port()), *via, reach),
        Kind::Accept => arrow(
            &mut s,
            e.from,
            "acc",
            &Label::plain(format!("✓ {} connected", conn_name(e))),
            false,
        ),
        Kind::Fail { reason, by } => {
            let text = fail_label(&conn_name(e), *reason, *by);
            beside(&mut s, e.from, &text, "fail");
        }
        Kind::Command { text, verb } => {
            let text = crate::narration::clean(text);
            let label = if crate::ftp::Verb::parse(verb).carries_address() {
                Label::keeping_address(text)
            } else {
                Label::plain(text)
            };
            arrow(&mut s, Side::Client, class(e.channel), &label, true);
        }
        Kind::Reply { code, text } => arrow(
            &mut s,
            Side::Server,
            class(e.channel),
            &reply_label(*code, text),
            true,
        ),
        Kind::Data { bytes } => {
            let text = if e.channel == Channel::Control {
                format!("{bytes} B encrypted")
            } else {
                format!("{bytes} B {}", conn_name(e))
            };
            arrow(&mut s, e.from, class(e.channel), &Label::plain(text), true);
        }
        Kind::Close => arrow(
            &mut s,
            e.from,
            class(e.channel),
            &Label::plain(format!("FIN {}", conn_name(e))),
            true,
        ),
    }
    s.push_str("</svg>");
    s
}

/// The lifelines, and the middlebox's wall, the full height of the row.
fn lines(s: &mut String, wall: bool) {
    for x in [CL, SL] {
        let _ = write!(
            s,
            r#"<line class="life" x1="{x}" x2="{x}" y1="0" y2="100%"/>"#
        );
    }
    if wall {
        let _ = write!(
            s,
            r#"<line class="wall" x1="{WALL}" x2="{WALL}" y1="0" y2="100%"/>"#
        );
    }
}

/// The label's text in the room there is, never cut inside a number.
fn fitted(label: &Label) -> String {
    label
        .fit(LABEL_ROOM)
        .unwrap_or_else(|| label.cut(LABEL_ROOM))
}

/// The label, centred above the arrow.
fn label(s: &mut String, text: &str, class: &str) {
    let _ = write!(
        s,
        r#"<text class="lbl {class}" x="{x}" y="{LABEL_Y}" text-anchor="middle">{t}</text>"#,
        x = (CL + SL) / 2.0,
        t = esc(text)
    );
}

/// The arrowhead at `x`, pointing right or left.
fn head(s: &mut String, x: f32, rightwards: bool, class: &str) {
    let back = if rightwards { x - 8.0 } else { x + 8.0 };
    let _ = write!(
        s,
        r#"<polygon class="head {class}" points="{x},{Y} {back},{a} {back},{b}"/>"#,
        a = Y - 4.5,
        b = Y + 4.5
    );
}

/// A line from one lifeline to the other (a command, a reply, bytes).
fn arrow(s: &mut String, from: Side, class: &str, text: &Label, with_head: bool) {
    let rightwards = from == Side::Client;
    let (x1, x2) = (x_of(from), x_of(from.peer()));
    let end = if !with_head {
        x2
    } else if rightwards {
        x2 - 7.0
    } else {
        x2 + 7.0
    };
    if class == "dat" {
        // `══`: a double line.
        for dy in [-1.6, 1.6] {
            let _ = write!(
                s,
                r#"<line class="{class}" x1="{x1}" x2="{end}" y1="{y}" y2="{y}"/>"#,
                y = Y + dy
            );
        }
    } else {
        let _ = write!(
            s,
            r#"<line class="{class}" x1="{x1}" x2="{end}" y1="{Y}" y2="{Y}"/>"#
        );
    }
    if with_head {
        head(s, x2, rightwards, class);
    }
    label(s, &fitted(text), class);
}

/// A dial: heavy, bold, `●` at the dialler, the ports outside both
/// lifelines, drawn as far as it went.
fn dial(s: &mut String, e: &Event, (src, dst): (u16, u16), via: Option<Via>, reach: Reach) {
    let class = format!("syn {}", class(e.channel));
    let rightwards = e.from == Side::Client;
    let (x1, x2) = (x_of(e.from), x_of(e.from.peer()));
    let dir = if rightwards { 1.0 } else { -1.0 };
    let front = match reach {
        Reach::Across | Reach::Refused => x2,
        Reach::ToWall => WALL - dir * 6.0,
        Reach::DiesAtWall => WALL,
        Reach::DiesShort => x2 - dir * 30.0,
    };
    let line_end = match reach {
        Reach::Across => front - dir * 7.0,
        _ => front,
    };
    let _ = write!(
        s,
        r#"<line class="{class}" x1="{x1}" x2="{line_end}" y1="{Y}" y2="{Y}"/>"#
    );
    let _ = write!(s, r#"<circle class="{class}" cx="{x1}" cy="{Y}" r="4.5"/>"#);
    if reach.dies() {
        let _ = write!(
            s,
            r#"<text class="x" x="{front}" y="{y}" text-anchor="middle">✗</text>"#,
            y = Y + 5.5
        );
    } else if reach == Reach::Across {
        head(s, x2, rightwards, &class);
    }
    let name = match via {
        Some(v) if v != Via::Default => format!("SYN {} {}", conn_name(e), v.as_str()),
        _ => format!("SYN {}", conn_name(e)),
    };
    label(s, &name, &class);
    // The ports outside the lifelines: the dialler's own, and the one it
    // dialled (faint when the dial never reached it).
    let reached = matches!(reach, Reach::Across | Reach::Refused);
    let (left, right) = if rightwards { (src, dst) } else { (dst, src) };
    let (lc, rc) = match (rightwards, reached) {
        (_, true) => ("port", "port"),
        (true, false) => ("port", "port far"),
        (false, false) => ("port far", "port"),
    };
    let _ = write!(
        s,
        r#"<text class="{lc}" x="{x}" y="{y}" text-anchor="end">{left}</text>"#,
        x = CL - 8.0,
        y = Y + 4.0
    );
    let _ = write!(
        s,
        r#"<text class="{rc}" x="{x}" y="{y}">{right}</text>"#,
        x = SL + 8.0,
        y = Y + 4.0
    );
}

/// A row with no arrow: its words beside the side it happened to.
fn beside(s: &mut String, side: Side, text: &str, class: &str) {
    let (x, anchor) = match side {
        Side::Client => (CL + 8.0, "start"),
        Side::Server => (SL - 8.0, "end"),
    };
    let text = Label::plain(text)
        .fit(LABEL_ROOM + 2)
        .unwrap_or_else(|| Label::plain(text).cut(LABEL_ROOM + 2));
    let _ = write!(
        s,
        r#"<text class="lbl {class}" x="{x}" y="{y}" text-anchor="{anchor}">{t}</text>"#,
        y = Y + 4.0,
        t = esc(&text)
    );
}

/// The top of the diagram: the two hosts with their addresses, and the
/// middlebox between them when there is one.
pub fn header(client: &str, server: &str, middlebox: Option<&str>) -> String {
    let words = match middlebox {
        Some(m) => format!("client {client}, {m} between, server {server}"),
        None => format!("client {client}, server {server}"),
    };
    let mut s = format!(
        r#"<svg class="hosts" width="{WIDTH}" height="52" role="img" aria-label="{w}"><title>{w}</title>"#,
        w = esc(&words)
    );
    for (x, name, addr) in [(CL, "client", client), (SL, "server", server)] {
        let _ = write!(
            s,
            r#"<rect class="host" x="{rx}" y="2" width="108" height="38" rx="5"/><text class="hname" x="{x}" y="18" text-anchor="middle">{name}</text><text class="addr" x="{x}" y="33" text-anchor="middle">{a}</text><line class="life" x1="{x}" x2="{x}" y1="40" y2="100%"/>"#,
            rx = x - 54.0,
            a = esc(addr)
        );
    }
    if let Some(m) = middlebox {
        let _ = write!(
            s,
            r#"<rect class="mbox" x="{rx}" y="8" width="104" height="26" rx="3"/><text class="mname" x="{WALL}" y="25" text-anchor="middle">{t}</text><line class="wall" x1="{WALL}" x2="{WALL}" y1="34" y2="100%"/>"#,
            rx = WALL - 52.0,
            t = esc(m)
        );
    }
    s.push_str("</svg>");
    s
}

/// A row in words, for a screen reader (the SVG's label and title).
pub fn describe(e: &Event, reach: Reach) -> String {
    let conn = conn_name(e);
    let (from, to) = (e.from, e.from.peer());
    match &e.kind {
        Kind::Connect { src, dst, via } => {
            let via = via
                .filter(|v| *v != Via::Default)
                .map(|v| format!(", for {}", v.as_str()))
                .unwrap_or_default();
            let went = match reach {
                Reach::Across => "",
                Reach::ToWall => "; no answer in the trace",
                Reach::DiesAtWall => "; ✗ it dies at the middlebox",
                Reach::DiesShort => "; ✗ it never arrives",
                Reach::Refused => "; ✗ refused",
            };
            format!(
                "{from} dials {to} ({conn}{via}): SYN from port {} to port {}{went}",
                src.port(),
                dst.port()
            )
        }
        Kind::Accept => format!("{from} accepts {conn}: connected"),
        Kind::Fail { reason, by } => format!("✗ {}", fail_label(&conn, *reason, *by)),
        Kind::Command { text, .. } => {
            format!("client → server: {}", crate::narration::clean(text))
        }
        Kind::Reply { text, .. } => {
            format!("server → client: {}", crate::narration::clean(text))
        }
        Kind::Data { bytes } => format!("{from} → {to}: {bytes} bytes on {conn}"),
        Kind::Close => format!("{from} closes {conn} (FIN)"),
    }
}
