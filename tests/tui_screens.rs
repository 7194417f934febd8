//! Whole screens rendered into a `Buffer` and compared with committed
//! snapshots (insta), plus direct checks on cells: glyphs, styles, ports.

use ftpviz::tui::app::{App, Pane};
use ftpviz::tui::fixture;
use ftpviz::tui::style::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

fn compare_app() -> App {
    let mut app = App::new(
        "lab · compare",
        vec![
            Pane::fixed("ACTIVE · PORT: server dials", fixture::active()),
            Pane::fixed("PASSIVE · PASV: client dials", fixture::passive()),
        ],
    );
    app.theme = Theme::mono();
    app
}

fn render(app: &App, w: u16, h: u16) -> Buffer {
    let area = Rect::new(0, 0, w, h);
    let mut buf = Buffer::empty(area);
    app.render(area, &mut buf);
    buf
}

fn text(buf: &Buffer) -> String {
    let a = buf.area;
    let mut s = String::new();
    for y in a.y..a.bottom() {
        let mut line = String::new();
        for x in a.x..a.right() {
            line.push_str(buf[(x, y)].symbol());
        }
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}

#[test]
fn peek() {
    let mut app = compare_app();
    for _ in 0..26 {
        app.on_key(crossterm::event::KeyEvent::from(
            crossterm::event::KeyCode::Right,
        ));
    }
    println!("{}", text(&render(&app, 80, 24)));
    println!("{}", text(&render(&app, 120, 40)));
}
