//! The hosts panel drawn: two boxes, their port rows, a line per live
//! connection (`●` at the initiator, the arrowhead at the dialled side),
//! and the middlebox between them when there is one.

use super::{ConnState, Hosts, MiddleboxLabel};
use crate::trace::{Channel, Side};
use crate::tui::layout::Lifelines;
use crate::tui::style::{self, Theme};
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
    fn rows(&self) -> Vec<PortRow> {
        let h = self.hosts;
        let mut rows = vec![PortRow {
            client: h.client_control.map(|p| ("ctl", p)),
            server: h.server_control.map(|p| ("ctl", p)),
            link: h.control.map(|s| (Channel::Control, Side::Client, s)),
        }];
        for d in &h.data {
            rows.push(PortRow {
                client: Some(("data", d.client_port)),
                server: Some(("data", d.server_port)),
                link: Some((Channel::Data, d.initiator, d.state)),
            });
        }
        // A listening port already in use by a data connection is that
        // connection's row; list only the ones still waiting.
        let used = |side: Side, p: u16| {
            h.data.iter().any(|d| match side {
                Side::Client => d.client_port == p,
                Side::Server => d.server_port == p,
            })
        };
        if let Some(p) = h.client_listen.filter(|p| !used(Side::Client, *p)) {
            rows.push(PortRow {
                client: Some(("lsn", p)),
                server: None,
                link: None,
            });
        }
        if let Some(p) = h.server_listen.filter(|p| !used(Side::Server, *p)) {
            rows.push(PortRow {
                client: None,
                server: Some(("lsn", p)),
                link: None,
            });
        }
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
        let ip = |ip: Option<IpAddr>| ip.map(|i| i.to_string()).unwrap_or_default();
        buf.set_stringn(
            left.x + 1,
            area.y + 1,
            ip(self.hosts.client_ip),
            inner,
            t.title(),
        );
        buf.set_stringn(
            right.x + 1,
            area.y + 1,
            ip(self.hosts.server_ip),
            inner,
            t.title(),
        );

        let gap_from = left.right();
        let gap = right.x.saturating_sub(gap_from);
        // The middlebox takes the middle of the gap (the lines between the
        // hosts pass under it), leaving a few cells of each line in view.
        let mb = self.middlebox.and_then(|label| {
            let w = gap.saturating_sub(2).min(gap.saturating_sub(12).max(14));
            (w >= 5).then_some((
                label,
                Rect {
                    x: gap_from + (gap - w) / 2,
                    y: area.y,
                    width: w,
                    height: area.height,
                },
            ))
        });
        let wall = mb.map(|(_, r)| (r.x, r.right()));
        let rows = self.rows();
        let capacity = area.height.saturating_sub(3) as usize;
        for (i, row) in rows.iter().take(capacity).enumerate() {
            let y = area.y + 2 + i as u16;
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
        if let Some((label, r)) = mb {
            draw_middlebox(buf, r, label, t);
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

/// A live connection between the boxes: `●` at the initiator's box, the
/// arrowhead at the dialled one; heavy while dialling, ✗ when it failed —
/// at the middlebox's wall when there is one (the SYN died there).
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
        ConnState::Dialling => (style::SYN_LINE, t.syn(ch)),
        ConnState::Open => (style::line(ch), t.channel(ch)),
        ConnState::Failed => (style::SYN_LINE, t.fail()),
    };
    for x in left_edge + 1..right_edge {
        set(buf, x, y, glyph, s);
    }
    let (tail, head, head_glyph) = match initiator {
        Side::Client => (left_edge, right_edge, style::HEAD_RIGHT),
        Side::Server => (right_edge, left_edge, style::HEAD_LEFT),
    };
    set(buf, tail, y, style::INITIATOR, s);
    if state == ConnState::Failed {
        let mid = match (wall, initiator) {
            (Some((x, _)), Side::Client) if x > left_edge + 1 => x - 1,
            (Some((_, right)), Side::Server) if right < right_edge => right,
            _ => left_edge + (right_edge - left_edge) / 2,
        };
        set(buf, mid, y, style::FAILED, s);
        let (a, b) = if initiator == Side::Client {
            (mid + 1, right_edge)
        } else {
            (left_edge + 1, mid)
        };
        for x in a..b {
            set(buf, x, y, " ", Style::new());
        }
    } else {
        set(buf, head, y, head_glyph, s);
    }
}

fn draw_middlebox(buf: &mut Buffer, r: Rect, label: &MiddleboxLabel, t: Theme) {
    let s = t.middlebox();
    let inner = r.width.saturating_sub(2);
    for y in r.y..r.bottom() {
        set(buf, r.x, y, "┃", s);
        set(buf, r.right() - 1, y, "┃", s);
        for x in r.x + 1..r.right() - 1 {
            set(buf, x, y, " ", Style::new());
        }
    }
    let lines = label.fit(inner as usize, r.height as usize);
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
