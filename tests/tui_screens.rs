//! Whole screens rendered into a `Buffer`: committed insta snapshots at
//! 80×24 and 120×40, and direct checks on cells (glyphs, styles, ports) that
//! say what a snapshot cannot — colour, boldness, the arrow in flight.

#[path = "support/fixture.rs"]
mod fixture;
#[path = "support/screen.rs"]
mod screen;
use screen::{render, text};

use crossterm::event::{KeyCode, KeyEvent};
use ftpviz::lab::LabConfig;
use ftpviz::middlebox::Firewall;
use ftpviz::trace::{Kind, Via};
use ftpviz::tui::app::pane::Origin;
use ftpviz::tui::app::source::Source;
use ftpviz::tui::app::view::TOO_SMALL;
use ftpviz::tui::app::{App, Pane};
use ftpviz::tui::widgets::layout::Lifelines;
use ftpviz::tui::widgets::sequence::{window, Sequence};
use ftpviz::tui::widgets::style::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use ratatui::widgets::Widget;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn compare_app() -> App {
    let mut app = App::new(
        "lab · active vs passive",
        vec![
            Pane::fixed("ACTIVE · PORT: server dials", fixture::active()).with_origin(Origin::Lab),
            Pane::fixed("PASSIVE · PASV: client dials", fixture::passive())
                .with_origin(Origin::Lab),
        ],
    );
    app.theme = Theme::mono();
    app
}

fn press(app: &mut App, code: KeyCode, times: usize) {
    for _ in 0..times {
        app.on_key(KeyEvent::from(code));
    }
}

fn snapshot_both(name: &str, app: &App) {
    for (w, h) in SIZES {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text(&render(app, w, h)));
    }
}

/// The number of events before the first PORT (and PASV) in the fixtures:
/// connect, accept, 220, USER, 331, PASS, 230, PWD, 257, TYPE A, 200.
const BEFORE_PORT: usize = 11;

/// A lab that has not been asked for anything yet.
struct Idle;

impl Source for Idle {
    fn step(&mut self) {}
}

#[test]
fn compare_at_the_start() {
    let mut app = App::new(
        "lab · active vs passive",
        vec![
            Pane::live("ACTIVE · PORT: server dials", Box::new(Idle)),
            Pane::live("PASSIVE · PASV: client dials", Box::new(Idle)),
        ],
    );
    app.theme = Theme::mono();
    snapshot_both("compare_start", &app);
    let s = text(&render(&app, 80, 24));
    assert!(s.contains("ACTIVE") && s.contains("PASSIVE"));
    assert!(s.contains("Nothing has happened yet."));
    // What → does here, in words, and the state: live.
    assert!(s.contains("→ shows the next event of both panes"), "{s}");
    assert!(s.contains("lab client takes its next"), "{s}");
    assert!(s.lines().next().is_some_and(|l| l.contains("live")), "{s}");
    // After Home on a fixed compare, the words are the same kind.
    let mut app = compare_app();
    press(&mut app, KeyCode::Right, 3);
    press(&mut app, KeyCode::Home, 1);
    let s = text(&render(&app, 80, 24));
    assert!(s.contains("Back at the start."), "{s}");
    assert!(s.contains("→ shows the next event of both panes"), "{s}");
}

#[test]
fn compare_after_the_first_port_and_pasv() {
    let mut app = compare_app();
    // Side by side → shows one event of each pane: the eleven before them,
    // then PORT against PASV.
    press(&mut app, KeyCode::Right, BEFORE_PORT + 1);
    assert_eq!(
        app.panes
            .iter()
            .map(|p| p.player.shown())
            .collect::<Vec<_>>(),
        [BEFORE_PORT + 1, BEFORE_PORT + 1]
    );
    snapshot_both("compare_port_pasv", &app);
    let s = text(&render(&app, 80, 24));
    assert!(s.contains("PORT 127,0,0,2,195,80"));
    assert!(s.contains("PASV"));
    assert!(s.contains("195 × 256 + 80 = 50000"), "{s}");
    // One more step: the 227 reply and its arithmetic (beside the active
    // pane's 200).
    press(&mut app, KeyCode::Right, 1);
    snapshot_both("compare_227", &app);
    let s = text(&render(&app, 80, 24));
    assert!(
        s.contains("227…(127,0,0,3,195,81)."),
        "the reply as sent, its middle out: {s}"
    );
    assert!(s.contains("195 × 256 + 81 = 50001"), "{s}");
}

#[test]
fn compare_after_the_first_data_dial() {
    let mut app = compare_app();
    // To PORT/PASV, then 200/227, the passive dial and its accept (alone),
    // LIST on both, and the server's dial (the passive pane waits on its
    // LIST).
    press(&mut app, KeyCode::Right, BEFORE_PORT + 6);
    assert_eq!(app.panes[0].player.shown(), BEFORE_PORT + 4);
    let passive = app.panes[1].player.current().map(|e| e.kind.clone());
    assert!(
        matches!(&passive, Some(Kind::Command { verb, .. }) if verb == "LIST"),
        "{passive:?}"
    );
    let active = app.panes[0].player.current().map(|e| e.kind.clone());
    assert!(matches!(
        active,
        Some(Kind::Connect {
            via: Some(Via::Port),
            ..
        })
    ));
    snapshot_both("compare_data_dial", &app);
}

#[test]
fn active_data_dial_alone() {
    let mut app = App::new(
        "lab · active",
        vec![
            Pane::fixed("ACTIVE · PORT: server dials", fixture::active()).with_origin(Origin::Lab),
        ],
    );
    app.theme = Theme::mono();
    press(&mut app, KeyCode::Right, BEFORE_PORT + 4);
    snapshot_both("active_dial", &app);
    let s = text(&render(&app, 80, 24));
    assert!(s.contains("2120 = control port 2121 − 1"), "{s}");
}

#[test]
fn help_overlay() {
    let mut app = compare_app();
    press(&mut app, KeyCode::Right, 3);
    press(&mut app, KeyCode::Char('?'), 1);
    snapshot_both("help", &app);
    let s = text(&render(&app, 80, 24));
    assert!(s.contains("play / pause") && s.contains("l legend"), "{s}");
}

#[test]
fn too_small_then_recovers_on_resize() {
    let app = compare_app();
    for (w, h) in [(79, 24), (80, 23), (40, 10)] {
        let s = text(&render(&app, w, h));
        assert!(s.contains(TOO_SMALL), "{w}×{h}: {s}");
        assert!(!s.contains("ACTIVE"));
    }
    insta::assert_snapshot!("too_small_60x20", text(&render(&app, 60, 20)));
    // The same app at a size that fits draws the screens again.
    assert!(text(&render(&app, 80, 24)).contains("ACTIVE"));
    // Degenerate sizes do not panic.
    for (w, h) in [(0, 0), (1, 1), (80, 1), (1, 24)] {
        render(&app, w, h);
    }
}

/// The row of the buffer that holds `needle`.
fn row_of(buf: &Buffer, needle: &str) -> Option<u16> {
    let a = buf.area;
    (a.y..a.bottom()).find(|&y| {
        let line: String = (a.x..a.right()).map(|x| buf[(x, y)].symbol()).collect();
        line.contains(needle)
    })
}

fn dial_app(theme: Theme) -> App {
    let mut app = App::new(
        "lab · active",
        vec![Pane::fixed("ACTIVE", fixture::active())],
    );
    app.theme = theme;
    press(&mut app, KeyCode::Right, BEFORE_PORT + 4);
    app
}

#[test]
fn the_dial_is_bold_with_ports_at_both_ends_and_the_head_at_the_dialled_side() {
    let app = dial_app(Theme::color());
    let buf = render(&app, 80, 24);
    let y = row_of(&buf, "SYN data#1 PORT").expect("the dial row");
    let ll = Lifelines::new(0, 80);
    // Server dialled: ● on the server's lifeline, ◀ just right of the client's.
    assert_eq!(buf[(ll.server, y)].symbol(), "●");
    assert_eq!(buf[(ll.client + 1, y)].symbol(), "◀");
    let line: String = (0..80).map(|x| buf[(x, y)].symbol()).collect();
    let left: String = line.chars().take(ll.client as usize).collect();
    let right: String = line.chars().skip(ll.server as usize + 1).collect();
    assert!(left.contains("50000"), "{line}");
    assert!(right.contains("2120"), "{line}");
    for x in ll.client + 2..ll.server {
        let c = &buf[(x, y)];
        assert!(c.modifier.contains(Modifier::BOLD), "cell {x} not bold");
    }
}

#[test]
fn control_and_data_differ_in_colour_and_in_glyph() {
    let mut app = dial_app(Theme::color());
    press(&mut app, KeyCode::Right, 3); // accept, 150, data
    let buf = render(&app, 120, 40);
    let ll = Lifelines::new(0, 120);
    let ctl = row_of(&buf, "PORT command successful").expect("a control row");
    let data = row_of(&buf, "187 B data#1").expect("a data row");
    let mid = (ll.client + ll.server) / 2;
    let (c, d) = (&buf[(mid, ctl)], &buf[(mid, data)]);
    assert_ne!(c.symbol(), d.symbol());
    assert_ne!(c.fg, d.fg);
    assert_ne!(c.fg, Color::Reset);
}

#[test]
fn monochrome_keeps_the_glyphs_and_drops_every_colour() {
    let mut app = dial_app(Theme::mono());
    press(&mut app, KeyCode::Right, 3);
    let buf = render(&app, 120, 40);
    assert!(buf
        .content
        .iter()
        .all(|c| c.fg == Color::Reset && c.bg == Color::Reset));
    let s = text(&buf);
    for glyph in ["━", "─", "═", "●", "◀", "▶"] {
        assert!(s.contains(glyph), "{glyph} missing");
    }
}

#[test]
fn a_failed_dial_ends_in_a_cross_on_its_own_row() {
    let mut app = App::new("t", vec![Pane::fixed("ACTIVE", fixture::active_blocked())]);
    app.theme = Theme::mono();
    let fail_at = fixture::active_blocked()
        .events
        .iter()
        .position(|e| matches!(e.kind, Kind::Fail { .. }))
        .expect("a fail event");
    press(&mut app, KeyCode::Right, fail_at + 1);
    let buf = render(&app, 80, 24);
    let y = row_of(&buf, "blocked (client fw)").expect("the fail row");
    let syn = row_of(&buf, "SYN data#1 PORT").expect("the dial row");
    assert_eq!(syn + 1, y);
    let line = |y: u16| -> String { (0..80).map(|x| buf[(x, y)].symbol()).collect() };
    assert!(
        line(syn).contains('✗') && !line(syn).contains('◀'),
        "{}",
        line(syn)
    );
    assert!(!line(y).contains('✗'), "{}", line(y));
    assert!(text(&buf).contains("Client firewall drops server's SYN."));
}

#[test]
fn the_arrow_in_flight_grows_while_playing() {
    let trace = fixture::active();
    let shown = &trace.events[..BEFORE_PORT + 4];
    let area = Rect::new(0, 0, 80, 10);
    let ll = Lifelines::new(0, 80);
    let drawn = |progress: f32| {
        let mut buf = Buffer::empty(area);
        Sequence {
            shown,
            progress,
            lifelines: ll,
            theme: Theme::mono(),
            middlebox: false,
            note: None,
            received: shown,
        }
        .render(area, &mut buf);
        let y = area.bottom() - 1;
        (ll.client + 1..ll.server)
            .filter(|&x| buf[(x, y)].symbol() != " ")
            .count()
    };
    let (quarter, half, whole) = (drawn(0.25), drawn(0.5), drawn(1.0));
    assert!(quarter < half && half < whole, "{quarter} {half} {whole}");
    assert!(whole as u16 > ll.span() * 3 / 4, "{whole}");
}

#[test]
fn only_the_visible_rows_are_built() {
    let trace = fixture::long(10_000);
    assert_eq!(window(&trace.events, 12).len(), 12);
    assert_eq!(window(&trace.events[..5], 12).len(), 5);
    let last = trace.events.last();
    assert_eq!(window(&trace.events, 12).last(), last);
}

#[test]
fn a_middlebox_stands_between_the_hosts() {
    let config = LabConfig {
        firewall: Firewall::Client,
        ..LabConfig::default()
    };
    let mut app = App::new(
        "lab · active",
        vec![Pane::fixed("ACTIVE", fixture::active_blocked()).with_middlebox(&config)],
    );
    app.theme = Theme::mono();
    press(&mut app, KeyCode::Right, 3);
    let s = text(&render(&app, 80, 24));
    assert!(s.contains("firewall"), "{s}");
    assert!(s.contains("drops"), "{s}");
}

#[test]
fn several_sessions_open_on_a_picker() {
    let mut app = ftpviz::tui::app_for_trace("replay x.pcap", fixture::sessions(3));
    app.theme = Theme::mono();
    let s = text(&render(&app, 80, 24));
    assert!(
        s.contains("#1  client 127.0.0.2:41234 → server 127.0.0.3:2121 · 43 events · active ×3"),
        "{s}"
    );
    assert!(s.contains("#3  client"), "{s}");
    assert!(s.lines().all(|l| l.chars().count() <= 80));
    press(&mut app, KeyCode::Down, 1);
    press(&mut app, KeyCode::Enter, 1);
    assert!(!app.picking());
    press(&mut app, KeyCode::End, 1);
    let s = text(&render(&app, 80, 24));
    assert!(s.contains("session 2 · PASSIVE: client dials"), "{s}");
    // Session 2 is passive: its only data dials are the client's.
    let pane = &app.panes[0];
    assert!(pane.player.trace().events.iter().all(|e| e.session == 1));
    assert!(s.contains("PASV") || s.contains("QUIT"));
    press(&mut app, KeyCode::Char('s'), 1);
    assert!(app.picking());
}
