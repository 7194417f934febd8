//! Drawing the TUI into a ratatui `Buffer`, as a terminal would, and
//! reading the buffer back as text: what the screen tests assert on.

#![allow(dead_code)]

use ftpviz::tui::app::App;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

/// The app drawn on a `w`×`h` screen.
pub fn render(app: &App, w: u16, h: u16) -> Buffer {
    let area = Rect::new(0, 0, w, h);
    let mut buf = Buffer::empty(area);
    app.render(area, &mut buf);
    buf
}

/// The screen's rows, trailing blanks trimmed.
pub fn lines(buf: &Buffer) -> Vec<String> {
    let a = buf.area;
    (a.y..a.bottom())
        .map(|y| {
            let line: String = (a.x..a.right()).map(|x| buf[(x, y)].symbol()).collect();
            line.trim_end().to_string()
        })
        .collect()
}

/// The screen as one string, a row a line.
pub fn text(buf: &Buffer) -> String {
    lines(buf).join("\n") + "\n"
}

/// The app drawn on a `w`×`h` screen, as text.
pub fn screen(app: &App, w: u16, h: u16) -> String {
    text(&render(app, w, h))
}
