//! Colours on any terminal: the two palettes (`--theme dark|light`) use
//! only the terminal's named ANSI colours (which follow its profile), the
//! light one none of the bright or pale colours that vanish on white, and
//! each keeps control, data and failure apart. One screen per theme is
//! snapshotted *with its colours* (see `support/styled.rs`).

#[path = "support/fixture.rs"]
mod fixture;
#[path = "support/screen.rs"]
mod screen;
#[path = "support/styled.rs"]
mod styled;

use crossterm::event::{KeyCode, KeyEvent};
use ftpviz::lab::LabConfig;
use ftpviz::middlebox::Firewall;
use ftpviz::trace::Kind;
use ftpviz::tui::app::{App, Pane};
use ftpviz::tui::widgets::style::Theme;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use screen::render;
use styled::{colours, styled};

/// The comparison behind a client firewall, stepped to the active pane's
/// dropped SYN: control, data, a dial, a failure and the middlebox on one
/// screen.
fn blocked_compare(theme: Theme) -> App {
    let config = LabConfig {
        firewall: Firewall::Client,
        ..LabConfig::default()
    };
    let mut app = App::new(
        "lab · active vs passive",
        vec![
            Pane::fixed("ACTIVE · PORT: server dials", fixture::active_blocked())
                .with_middlebox(&config),
            Pane::fixed("PASSIVE · PASV: client dials", fixture::passive()).with_middlebox(&config),
        ],
    );
    app.theme = theme;
    while !app.panes[0]
        .player
        .current()
        .is_some_and(|e| matches!(e.kind, Kind::Fail { .. }))
    {
        assert!(!app.panes[0].player.at_end(), "the fixture has a failure");
        app.on_key(KeyEvent::from(KeyCode::Right));
    }
    app
}

/// The 16 colours every terminal names (and maps to its own palette).
const NAMED: [Color; 17] = [
    Color::Reset,
    Color::Black,
    Color::Red,
    Color::Green,
    Color::Yellow,
    Color::Blue,
    Color::Magenta,
    Color::Cyan,
    Color::Gray,
    Color::DarkGray,
    Color::LightRed,
    Color::LightGreen,
    Color::LightYellow,
    Color::LightBlue,
    Color::LightMagenta,
    Color::LightCyan,
    Color::White,
];

/// The colour of the cell holding `glyph` on the row that holds `needle`.
fn colour_at(buf: &Buffer, needle: &str, glyph: &str) -> Color {
    let a = buf.area;
    let y = (a.y..a.bottom())
        .find(|&y| {
            let line: String = (a.x..a.right()).map(|x| buf[(x, y)].symbol()).collect();
            line.contains(needle)
        })
        .unwrap_or_else(|| panic!("no row with {needle}"));
    let x = (a.x..a.right())
        .find(|&x| buf[(x, y)].symbol() == glyph)
        .unwrap_or_else(|| panic!("no {glyph} on the row of {needle}"));
    buf[(x, y)].fg
}

#[test]
fn one_screen_per_theme_with_its_colours() {
    for (name, theme) in [("dark", Theme::dark()), ("light", Theme::light())] {
        let buf = render(&blocked_compare(theme), 80, 24);
        insta::assert_snapshot!(format!("blocked_compare_{name}_80x24"), styled(&buf));
    }
}

#[test]
fn only_named_colours_and_none_that_fade_on_white() {
    for theme in [Theme::dark(), Theme::light()] {
        for (w, h) in [(80, 24), (120, 40)] {
            let buf = render(&blocked_compare(theme), w, h);
            for c in colours(&buf) {
                assert!(NAMED.contains(&c), "{c:?} is not a named ANSI colour");
            }
        }
    }
    let light = colours(&render(&blocked_compare(Theme::light()), 120, 40));
    for c in &light {
        assert!(
            [Color::Reset, Color::Blue, Color::Magenta, Color::Red].contains(c),
            "{c:?} is pale on a light background"
        );
    }
    let dark = colours(&render(&blocked_compare(Theme::dark()), 120, 40));
    for c in &dark {
        assert!(
            ![Color::Black, Color::Blue, Color::DarkGray].contains(c),
            "{c:?} is dim on a dark background"
        );
    }
    // Borders and lifelines in the terminal's own text colour, not a grey.
    assert!(!light.contains(&Color::Gray) && !dark.contains(&Color::Gray));
}

#[test]
fn each_theme_keeps_control_data_and_failure_apart() {
    for theme in [Theme::dark(), Theme::light()] {
        let app = blocked_compare(theme);
        let buf = render(&app, 120, 40);
        let control = colour_at(&buf, "PORT command successful", "─");
        let dial = colour_at(&buf, "SYN data#1 PASV", "━");
        let accepted = colour_at(&buf, "data#1 connected", "┄");
        let failed = colour_at(&buf, "SYN data#1 PORT", "✗");
        assert_ne!(control, Color::Reset, "{theme:?}");
        assert_ne!(control, accepted, "{theme:?}: control and data look alike");
        assert_ne!(failed, control, "{theme:?}");
        assert_ne!(failed, accepted, "{theme:?}");
        // The dial is bold in every theme, colour or not.
        let a = buf.area;
        let bold = (a.y..a.bottom()).any(|y| {
            (a.x..a.right()).any(|x| buf[(x, y)].symbol() == "━" && buf[(x, y)].fg == dial)
                && (a.x..a.right()).any(|x| buf[(x, y)].modifier.contains(Modifier::BOLD))
        });
        assert!(bold, "{theme:?}");
    }
}

#[test]
fn the_theme_flag_is_checked() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ftpviz"))
        .args(["--theme", "purple", "--print"])
        .output()
        .expect("ftpviz runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("dark") && err.contains("light"), "{err}");
}
