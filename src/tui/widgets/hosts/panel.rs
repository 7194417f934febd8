//! The hosts panel drawn: two boxes, their port rows, a line per live
//! connection (`●` at the initiator, the arrowhead at the dialled side),
//! and the middlebox between them when there is one.

use super::{ConnState, Hosts, MiddleboxLabel};
use crate::middlebox::nat::{self, Translation};
use crate::middlebox::Nat;
use crate::trace::{Channel, Side};
use crate::tui::widgets::layout::Lifelines;
use crate::tui::widgets::sequence::middlebox_column;
use crate::tui::widgets::style::{self, Theme};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Widget;
use std::net::IpAddr;

/// The panel widget.
pub struct HostsPanel<'a> {
    pub hosts: &'a Hosts,
    pub lifelines: Lifelines,
    /// The middlebox, when there is one.
    pub middlebox: Option<&'a MiddleboxLabel>,
    pub theme: Theme,
}

/// One row of the boxes: what each side shows and the line between.
struct PortRow {
    client: Option<(&'static str, u16)>,
    server: Option<(&'static str, u16)>,
    link: Option<(Channel, Side, ConnState)>,
}

impl HostsPanel<'_> {
    /// Where the middlebox's box goes, and the column its line hangs from:
    /// the middle of the gap between the hosts (the lines between them
    /// pass under it), leaving a few cells of each line in view, centred
    /// on the column of its line in the diagram.
    fn middlebox_area(&self, area: Rect, left: Rect, right: Rect) -> Option<(Rect, u16)> {
        let gap_from = left.right();
        let gap = right.x.saturating_sub(gap_from);
        let w = gap.saturating_sub(2).min(gap.saturating_sub(12).max(14));
        let col = middlebox_column(self.lifelines);
        let x = col.saturating_sub(w / 2).clamp(
            gap_from + 1,
            (right.x + 1).saturating_sub(w + 2).max(gap_from + 1),
        );
        let r = Rect {
            x,
            y: area.y,
            width: w,
            height: area.height,
        };
        (w >= 5).then_some((r, col))
    }

    /// The real address of `side`'s host, as far as the trace (or the lab)
    /// tells.
    fn real(&self, side: Side) -> Option<IpAddr> {
        match side {
            Side::Client => self.hosts.client_ip,
            Side::Server => self.hosts.server_ip,
        }
    }

    /// What the NAT between the hosts does to the address of the one
    /// inside, once that address is known.
    fn translation(&self) -> Option<Translation> {
        let nat = self.middlebox.map_or(Nat::None, |m| m.config.nat);
        let real = self.real(nat::inside(nat)?)?;
        Translation::of(nat, real)
    }

    /// Each host's address at the top of its box: behind a NAT the private
    /// address it believes it has (the one its PORT or 227 names) — the
    /// NAT's box shows the public one, on the world's side. With
    /// `public_below` (no room for it in the NAT's box) the public one goes
    /// under the private one.
    fn draw_addresses(&self, buf: &mut Buffer, y: u16, boxes: [Rect; 2], public_below: bool) {
        let t = self.theme;
        let nat = self.middlebox.map_or(Nat::None, |m| m.config.nat);
        let inner = self.lifelines.box_width.saturating_sub(2) as usize;
        for (side, r) in [Side::Client, Side::Server].into_iter().zip(boxes) {
            let real = self.real(side);
            let private = real.and_then(|ip| nat::private_ip(nat, side, ip));
            let first = private.or(real).map(|i| i.to_string());
            let first = first.unwrap_or_default();
            buf.set_stringn(r.x + 1, y + 1, first, inner, t.title());
            if let Some(ip) = real.filter(|_| private.is_some() && public_below) {
                let second = format!("⇄ {ip}");
                buf.set_stringn(r.x + 1, y + 2, second, inner, t.middlebox());
            }
        }
    }

    /// The control row, then the newest first: a port that has just opened
    /// is never the one hidden behind `+N`.
    fn rows(&self) -> Vec<PortRow> {
        let h = self.hosts;
        let mut rows = vec![PortRow {
            client: h.client_control.map(|p| ("ctl", p)),
            server: h.server_control.map(|p| ("ctl", p)),
            link: h.control.map(|s| (Channel::Control, Side::Client, s)),
        }];
        // A listening port that a dial aims at shares that dial's row.
        let listening = |side: Side, port: u16| {
            let l = match side {
                Side::Client => h.client_listen,
                Side::Server => h.server_listen,
            };
            l.is_some_and(|l| l.port == port)
        };
        let mut merged = (false, false);
        let mut newest: Vec<(usize, PortRow)> = Vec::new();
        for d in &h.data {
            let (dialler_port, dialled_port) = match d.initiator {
                Side::Client => (d.client_port, d.server_port),
                Side::Server => (d.server_port, d.client_port),
            };
            let dialled = d.initiator.peer();
            let (mine, theirs) = match d.state {
                ConnState::Open => (Some(("data", dialler_port)), Some(("data", dialled_port))),
                // SYN sent: the dialler's socket exists; the far side only
                // listens (if anything does).
                ConnState::Dialling | ConnState::Through => (
                    Some(("data", dialler_port)),
                    listening(dialled, dialled_port).then_some(("lsn", dialled_port)),
                ),
                // The dialler gave up: its socket is gone.
                ConnState::Failed => (
                    None,
                    listening(dialled, dialled_port).then_some(("lsn", dialled_port)),
                ),
            };
            if theirs.is_some_and(|(label, _)| label == "lsn") {
                match dialled {
                    Side::Client => merged.0 = true,
                    Side::Server => merged.1 = true,
                }
            }
            let (client, server) = match d.initiator {
                Side::Client => (mine, theirs),
                Side::Server => (theirs, mine),
            };
            let link = Some((Channel::Data, d.initiator, d.state));
            newest.push((
                d.since,
                PortRow {
                    client,
                    server,
                    link,
                },
            ));
        }
        if let Some(l) = h.client_listen.filter(|_| !merged.0) {
            let row = PortRow {
                client: Some(("lsn", l.port)),
                server: None,
                link: None,
            };
            newest.push((l.since, row));
        }
        if let Some(l) = h.server_listen.filter(|_| !merged.1) {
            let row = PortRow {
                client: None,
                server: Some(("lsn", l.port)),
                link: None,
            };
            newest.push((l.since, row));
        }
        newest.sort_by_key(|row| std::cmp::Reverse(row.0));
        rows.extend(newest.into_iter().map(|(_, row)| row));
        rows
    }
}

impl Widget for HostsPanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.height < 3 || area.width < 20 {
            return;
        }
        let t = self.theme;
        let bw = self.lifelines.box_width;
        let left = Rect { width: bw, ..area };
        let right = Rect {
            x: area.right().saturating_sub(bw),
            width: bw,
            ..area
        };
        draw_box(buf, left, " client ", self.lifelines.client, t);
        draw_box(buf, right, " server ", self.lifelines.server, t);
        let inner = bw.saturating_sub(2) as usize;

        let mb = self.middlebox.zip(self.middlebox_area(area, left, right));
        let translation = self.translation();
        let label_lines = mb.map(|(label, (r, _))| {
            let rows = r.height.saturating_sub(1) as usize;
            label.fit(
                r.width.saturating_sub(2) as usize,
                rows,
                translation.as_ref(),
            )
        });
        let public_in_box = translation.is_some_and(|t| {
            let public = t.public.to_string();
            label_lines
                .iter()
                .flatten()
                .any(|l| l.split_whitespace().any(|w| w == public))
        });
        let two_rows = area.height >= 7 && translation.is_some() && !public_in_box;
        self.draw_addresses(buf, area.y, [left, right], two_rows);
        let top = if two_rows { 3 } else { 2 };

        let wall = mb.map(|(_, (r, _))| (r.x, r.right()));
        let rows = self.rows();
        let capacity = area.height.saturating_sub(top + 1) as usize;
        for (i, row) in rows.iter().take(capacity).enumerate() {
            let y = area.y + top + i as u16;
            // The control port in the control colour, data ports in the data one.
            let style = |label: &str| {
                t.channel(if label == "ctl" {
                    Channel::Control
                } else {
                    Channel::Data
                })
            };
            if let Some((label, port)) = row.client {
                let s = format!("{label:<5}{port:>w$}", w = inner.saturating_sub(5));
                buf.set_stringn(left.x + 1, y, s, inner, style(label));
            }
            if let Some((label, port)) = row.server {
                let s = format!("{port:<w$}{label:>5}", w = inner.saturating_sub(5));
                buf.set_stringn(right.x + 1, y, s, inner, style(label));
            }
            if let Some((ch, initiator, state)) = row.link {
                let link = Link {
                    y,
                    left_edge: left.right() - 1,
                    right_edge: right.x,
                    wall,
                };
                draw_link(buf, link, ch, initiator, state, t);
            }
        }
        if rows.len() > capacity {
            let more = format!(" +{} ", rows.len() - capacity);
            buf.set_stringn(left.x + 1, area.bottom() - 1, more, inner, t.dim());
        }
        if let (Some((_, (r, col))), Some(lines)) = (mb, label_lines) {
            draw_middlebox(buf, r, col, &lines, t);
        }
    }
}

fn draw_box(buf: &mut Buffer, r: Rect, title: &str, lifeline: u16, t: Theme) {
    let b = t.dim();
    let (x0, x1, y0, y1) = (r.x, r.right() - 1, r.y, r.bottom() - 1);
    for x in x0..=x1 {
        set(buf, x, y0, "─", b);
        set(buf, x, y1, "─", b);
    }
    for y in y0..=y1 {
        set(buf, x0, y, "│", b);
        set(buf, x1, y, "│", b);
    }
    set(buf, x0, y0, "┌", b);
    set(buf, x1, y0, "┐", b);
    set(buf, x0, y1, "└", b);
    set(buf, x1, y1, "┘", b);
    if lifeline > x0 && lifeline < x1 {
        set(buf, lifeline, y1, "┬", b);
    }
    buf.set_stringn(
        x0 + 1,
        y0,
        title,
        r.width.saturating_sub(2) as usize,
        t.title(),
    );
}

/// Where a line between the hosts runs.
struct Link {
    y: u16,
    /// The client box's right border and the server box's left one.
    left_edge: u16,
    right_edge: u16,
    /// The middlebox's columns (`x .. right`), when there is one.
    wall: Option<(u16, u16)>,
}

/// A connection between the boxes: `●` at the initiator's box, the
/// arrowhead at the dialled one. Heavy while dialling — and, with a
/// middlebox in between, only as far as its wall while nothing in the
/// trace says the SYN got through; through it when something does. A failed dial ends in ✗ at the wall (the SYN died there),
/// or half-way when there is no middlebox to blame.
fn draw_link(
    buf: &mut Buffer,
    link: Link,
    ch: Channel,
    initiator: Side,
    state: ConnState,
    t: Theme,
) {
    let Link {
        y,
        left_edge,
        right_edge,
        wall,
    } = link;
    if right_edge <= left_edge + 2 {
        return;
    }
    let (glyph, s) = match state {
        ConnState::Dialling | ConnState::Through => (style::SYN_LINE, t.syn(ch)),
        ConnState::Open => (style::line(ch), t.channel(ch)),
        ConnState::Failed => (style::SYN_LINE, t.fail()),
    };
    let (tail, head_glyph) = match initiator {
        Side::Client => (left_edge, style::HEAD_RIGHT),
        Side::Server => (right_edge, style::HEAD_LEFT),
    };
    // The last cell the line reaches.
    let at_wall = match (wall, initiator) {
        (Some((x, _)), Side::Client) if x > left_edge + 1 => Some(x - 1),
        (Some((_, right)), Side::Server) if right < right_edge => Some(right),
        _ => None,
    };
    let middle = left_edge + (right_edge - left_edge) / 2;
    let end = match state {
        ConnState::Open | ConnState::Through => None,
        ConnState::Dialling => at_wall,
        ConnState::Failed => Some(at_wall.unwrap_or(middle)),
    };
    let (from, to) = match (initiator, end) {
        (Side::Client, Some(e)) => (left_edge + 1, e + 1),
        (Side::Server, Some(e)) => (e, right_edge),
        (_, None) => (left_edge + 1, right_edge),
    };
    for x in from..to {
        set(buf, x, y, glyph, s);
    }
    set(buf, tail, y, style::INITIATOR, s);
    match (state, end) {
        (ConnState::Failed, Some(e)) => set(buf, e, y, style::FAILED, s),
        (_, Some(e)) => set(buf, e, y, head_glyph, s),
        (_, None) => {
            let head = if initiator == Side::Client {
                right_edge
            } else {
                left_edge
            };
            set(buf, head, y, head_glyph, s);
        }
    }
}

/// The middlebox: a box between the hosts, its rule inside, and at its
/// foot the `┳` its line in the sequence diagram hangs from.
fn draw_middlebox(buf: &mut Buffer, r: Rect, col: u16, lines: &[String], t: Theme) {
    let s = t.middlebox();
    let inner = r.width.saturating_sub(2);
    let bottom = r.bottom() - 1;
    for y in r.y..bottom {
        set(buf, r.x, y, "┃", s);
        set(buf, r.right() - 1, y, "┃", s);
        for x in r.x + 1..r.right() - 1 {
            set(buf, x, y, " ", Style::new());
        }
    }
    for x in r.x..r.right() {
        set(buf, x, bottom, "━", s);
    }
    set(buf, r.x, bottom, "┗", s);
    set(buf, r.right() - 1, bottom, "┛", s);
    if col > r.x && col < r.right() - 1 {
        set(buf, col, bottom, "┳", s);
    }
    for (i, line) in lines.iter().enumerate() {
        let style = if i == 0 { s } else { t.dim() };
        buf.set_stringn(r.x + 1, r.y + i as u16, line, inner as usize, style);
    }
}

fn set(buf: &mut Buffer, x: u16, y: u16, s: &str, style: Style) {
    if let Some(c) = buf.cell_mut((x, y)) {
        c.set_symbol(s).set_style(style);
    }
}
