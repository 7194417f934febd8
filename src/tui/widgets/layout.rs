//! Layout: where each panel goes, for any terminal size from 80×24 up.
//!
//! ```text
//! ┌ title bar ─────────────────────────────────────────────┐
//! │ pane (active)               │ pane (passive)           │   one pane, or two side by side
//! │  hosts: client box   server │  …                       │   the boxes head the lifelines
//! │  sequence diagram    │      │                          │
//! │  narration                  │                          │
//! └ key bar ───────────────────────────────────────────────┘
//! ```
//!
//! The hosts boxes sit right above the sequence diagram and the lifelines
//! hang from them, so one [`Lifelines`] value places both.

use ratatui::layout::Rect;

/// The smallest terminal the screens are designed for.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// True when the screens fit.
pub fn fits(area: Rect) -> bool {
    area.width >= MIN_WIDTH && area.height >= MIN_HEIGHT
}

/// The whole screen: a title row, the panes, a key row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screen {
    pub title: Rect,
    pub panes: Vec<Rect>,
    pub keys: Rect,
}

/// Splits the screen for `n` side-by-side panes (at least one).
pub fn screen(area: Rect, n: usize) -> Screen {
    let title = Rect {
        height: 1.min(area.height),
        ..area
    };
    let body_h = area.height.saturating_sub(2);
    let keys = Rect {
        y: area.y + area.height.saturating_sub(1),
        height: 1.min(area.height),
        ..area
    };
    let n = n.max(1) as u16;
    // One column between panes for the separator.
    let gaps = n - 1;
    let w = area.width.saturating_sub(gaps) / n;
    let panes = (0..n)
        .map(|i| Rect {
            x: area.x + i * (w + 1),
            y: area.y + 1,
            width: if i == n - 1 {
                area.width.saturating_sub(i * (w + 1))
            } else {
                w
            },
            height: body_h,
        })
        .collect();
    Screen { title, panes, keys }
}

/// A box in the middle of `area`, at most `width`×`height` and two cells
/// in from each side (or one above and below): where the overlays go.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = area.width.saturating_sub(4).min(width);
    let h = area.height.saturating_sub(2).min(height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// The panels of one pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaneAreas {
    pub title: Rect,
    pub hosts: Rect,
    pub sequence: Rect,
    pub narration: Rect,
}

/// Rows of the hosts panel: borders, the address, control, and data rows.
pub fn hosts_height(pane_height: u16) -> u16 {
    if pane_height >= 34 {
        7
    } else {
        5
    }
}

fn narration_height(pane_height: u16) -> u16 {
    if pane_height >= 34 {
        10
    } else {
        8
    }
}

/// Splits a pane top to bottom.
pub fn pane(area: Rect) -> PaneAreas {
    let h = area.height;
    let title_h = 1.min(h);
    let hosts_h = hosts_height(h).min(h - title_h);
    let narr_h = narration_height(h).min(h - title_h - hosts_h);
    let seq_h = h - title_h - hosts_h - narr_h;
    let row = |y: u16, height: u16| Rect {
        x: area.x,
        y,
        width: area.width,
        height,
    };
    PaneAreas {
        title: row(area.y, title_h),
        hosts: row(area.y + title_h, hosts_h),
        sequence: row(area.y + title_h + hosts_h, seq_h),
        narration: row(area.y + title_h + hosts_h + seq_h, narr_h),
    }
}

/// Where the two lifelines run, and the host boxes they hang from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifelines {
    /// Column of the client's lifeline.
    pub client: u16,
    /// Column of the server's lifeline.
    pub server: u16,
    /// Width of each host box.
    pub box_width: u16,
}

/// Room left of the client lifeline (and right of the server's) for a
/// port number and a cursor mark.
pub const MARGIN: u16 = 6;

impl Lifelines {
    /// The lifelines of a pane `x .. x + width`.
    pub fn new(x: u16, width: u16) -> Lifelines {
        let box_width = (width / 3).clamp(MARGIN * 2, 24);
        Lifelines {
            client: x + MARGIN,
            server: (x + width).saturating_sub(MARGIN + 1),
            box_width,
        }
    }

    /// Cells strictly between the lifelines.
    pub fn span(&self) -> u16 {
        self.server.saturating_sub(self.client + 1)
    }
}
