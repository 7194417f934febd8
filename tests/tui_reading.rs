//! Helping a student read the screen: narration that is never lost (the
//! "more" mark and the reader), multi-line replies as lines, the legend,
//! a footer that names the keys or says where they are, the end-of-lesson
//! summary, and replay/serve screens that speak for themselves.

#[path = "support/fixture.rs"]
mod fixture;
#[path = "support/screen.rs"]
mod screen;
use screen::{lines, render, text};

use crossterm::event::{KeyCode, KeyEvent};
use ftpviz::narration::narrate;
use ftpviz::trace::{Kind, Trace};
use ftpviz::tui::app::overlay::Overlay;
use ftpviz::tui::app::pane::Origin;
use ftpviz::tui::app::{App, Pane};
use ftpviz::tui::widgets::help::KEYS;
use ftpviz::tui::widgets::narration_view::MORE;
use ftpviz::tui::widgets::style::Theme;

fn press(app: &mut App, code: KeyCode, times: usize) {
    for _ in 0..times {
        app.on_key(KeyEvent::from(code));
    }
}

fn compare(active: Trace, passive: Trace) -> App {
    let mut app = App::new(
        "lab · active vs passive",
        vec![
            Pane::fixed("ACTIVE · PORT: server dials", active).with_origin(Origin::Lab),
            Pane::fixed("PASSIVE · PASV: client dials", passive).with_origin(Origin::Lab),
        ],
    );
    app.theme = Theme::mono();
    app
}

/// Text without any whitespace: wrapping moves words between rows, not
/// letters.
fn squeeze(s: &str) -> String {
    s.split_whitespace().collect()
}

/// The text of columns `x0..x1`, row after row.
fn columns(buf: &ratatui::buffer::Buffer, x0: u16, x1: u16) -> String {
    let a = buf.area;
    (a.y..a.bottom())
        .map(|y| (x0..x1).map(|x| buf[(x, y)].symbol()).collect::<String>() + "\n")
        .collect()
}

/// Presses → until pane 0 stands on an event matching `f`.
fn step_to(app: &mut App, f: impl Fn(&Kind) -> bool) {
    for _ in 0..200 {
        if app.panes[0].player.current().is_some_and(|e| f(&e.kind)) {
            return;
        }
        press(app, KeyCode::Right, 1);
    }
    panic!("never reached the event");
}

#[test]
fn a_cut_narration_carries_the_more_mark_and_m_shows_it_whole() {
    let mut app = compare(fixture::active_blocked(), fixture::passive());
    step_to(&mut app, |k| matches!(k, Kind::Fail { .. }));
    let s = text(&render(&app, 80, 24));
    insta::assert_snapshot!("more_mark_80x24", s);
    assert!(s.contains(MORE), "{s}");
    let n = narrate(app.panes[0].player.visible());
    assert!(
        !squeeze(&s).contains(&squeeze(&n.body)),
        "the body does not fit"
    );
    // The headline is whole.
    assert!(squeeze(&s).contains(&squeeze(&n.headline)), "{s}");

    // m: the reader shows all of it (scrolling when it must).
    press(&mut app, KeyCode::Char('m'), 1);
    assert_eq!(app.overlay, Some(Overlay::Reader { scroll: 0 }));
    let mut seen = String::new();
    for _ in 0..40 {
        // Inside the reader's box: columns 3 to 76 at 80 wide.
        seen.push_str(&columns(&render(&app, 80, 24), 3, 77));
        press(&mut app, KeyCode::Down, 1);
    }
    let body = squeeze(&n.body);
    // Every sentence of the body is on one of the reader's pages.
    for sentence in n.body.split(". ") {
        assert!(
            squeeze(&seen).contains(&squeeze(sentence)),
            "missing: {sentence}\n{body}"
        );
    }
    press(&mut app, KeyCode::Char('z'), 1);
    assert_eq!(app.overlay, None, "any other key closes the reader");
}

#[test]
fn multi_line_replies_are_lines_below_their_explanation() {
    let trace = fixture::multiline();
    for side_by_side in [false, true] {
        let panes = if side_by_side {
            vec![
                Pane::fixed("A", trace.clone()),
                Pane::fixed("B", trace.clone()),
            ]
        } else {
            vec![Pane::fixed("A", trace.clone())]
        };
        let mut app = App::new("replay", panes);
        app.theme = Theme::mono();
        for code in [230, 211] {
            step_to(
                &mut app,
                |k| matches!(k, Kind::Reply { code: c, .. } if *c == code),
            );
            let buf = render(&app, 80, 24);
            let rows = lines(&buf);
            let n = narrate(app.panes[0].player.visible());
            let s = text(&buf);
            // The explanation's first words show (it is not pushed off).
            let first: String = n.body.split_whitespace().take(3).collect();
            assert!(squeeze(&s).contains(&first), "{s}");
            // The reply's lines, each on a row of its own, as sent.
            let Some(Kind::Reply { text: reply, .. }) =
                app.panes[0].player.current().map(|e| e.kind.clone())
            else {
                unreachable!("standing on a reply");
            };
            let second = reply.lines().nth(1).map(str::trim).unwrap_or_default();
            let third = reply.lines().nth(2).map(str::trim).unwrap_or_default();
            let quoted = |l: &str| rows.iter().any(|r| r.contains(&format!("│ {l}")));
            if side_by_side && code == 211 {
                // Nine lines do not fit beside the other pane: some show,
                // then the mark.
                assert!(quoted(second) && s.contains(MORE), "{s}");
            } else {
                assert!(quoted(second), "{second:?} {s}");
                assert!(s.contains(MORE) || quoted(third), "{third:?} {s}");
            }
            // Never flattened with "·" into one line.
            let second_raw = reply.lines().nth(1).unwrap_or_default();
            assert!(!s.contains(&format!("·{second_raw}")), "{s}");
        }
    }
}

#[test]
fn multi_line_reply_snapshot() {
    let mut app = App::new("replay", vec![Pane::fixed("A", fixture::multiline())]);
    app.theme = Theme::mono();
    step_to(&mut app, |k| matches!(k, Kind::Reply { code: 211, .. }));
    insta::assert_snapshot!("feat_lines_80x24", text(&render(&app, 80, 24)));
}

#[test]
fn the_legend_explains_every_mark() {
    let mut app = compare(fixture::active(), fixture::passive());
    press(&mut app, KeyCode::Right, 3);
    press(&mut app, KeyCode::Char('l'), 1);
    let s = text(&render(&app, 80, 24));
    insta::assert_snapshot!("legend_80x24", s);
    for mark in [
        "●", "━", "═", "─", "✓", "✗", "▸", "◂", "ctl", "lsn", "data#", " B", "12/13", "/s", "waits",
    ] {
        assert!(s.contains(mark), "{mark} not explained:\n{s}");
    }
    assert!(s.contains("grows as its events arrive"), "{s}");
    assert!(s.contains("steps per second"), "{s}");
    press(&mut app, KeyCode::Char('?'), 1);
    assert_eq!(
        app.overlay,
        Some(Overlay::Keys),
        "? from the legend: the keys"
    );
}

/// The keys the help lists, one token each ("space", "→", "a", "Home"…).
fn help_keys() -> Vec<String> {
    KEYS.iter()
        .flat_map(|(k, _)| k.split_whitespace())
        .map(str::to_string)
        .collect()
}

#[test]
fn the_footer_names_every_key_or_says_where_they_are() {
    for with_rig in [false, true] {
        let mut app = compare(fixture::active(), fixture::passive());
        if with_rig {
            let config = ftpviz::lab::LabConfig::default();
            app = app.with_rig(ftpviz::lab::rig::Rig::new(vec![config.clone(), config]));
        }
        for w in [80, 120, 200] {
            let buf = render(&app, w, 24);
            let footer = lines(&buf).last().cloned().unwrap_or_default();
            assert!(footer.chars().count() <= w as usize);
            let named = |k: &str| {
                let k = match k {
                    "→" | "←" => "→/←",
                    "+" | "−" => "+/-",
                    "Home" | "End" => "Home/End",
                    k => k,
                };
                footer.contains(&format!(" {k} ")) || footer.ends_with(&format!(" {k}"))
            };
            let missing: Vec<String> = help_keys()
                .into_iter()
                .filter(|k| !named(k))
                .filter(|k| with_rig || !matches!(k.as_str(), "f" | "n" | "x" | "c"))
                // Only in a lesson, or answering a question
                // (tests/tui_classroom.rs).
                .filter(|k| !matches!(k.as_str(), "p" | "0" | "1–4"))
                // Esc closes what is open: the bar of a question or a card
                // names it there.
                .filter(|k| k != "Esc")
                .filter(|k| k != "s")
                .collect();
            if !missing.is_empty() {
                assert!(
                    footer.contains("? all keys"),
                    "{w} columns: {missing:?} not on the bar, and no pointer: {footer}"
                );
            }
        }
    }
}

#[test]
fn every_key_in_the_help_does_something() {
    // `w` saves a capture: here, not in the working directory.
    let saves = std::env::temp_dir().join(format!("ftpviz-every-key-{}", std::process::id()));
    std::fs::create_dir_all(&saves).unwrap();
    let fresh = || {
        let config = ftpviz::lab::LabConfig::default();
        let mut app = compare(fixture::active(), fixture::passive())
            .with_rig(ftpviz::lab::rig::Rig::new(vec![config.clone(), config]));
        app.saves.dir = saves.clone();
        press(&mut app, KeyCode::Right, 3);
        app
    };
    let code = |k: &str| match k {
        "space" => KeyCode::Char(' '),
        "→" => KeyCode::Right,
        "←" => KeyCode::Left,
        "−" => KeyCode::Char('-'),
        "Home" => KeyCode::Home,
        "End" => KeyCode::End,
        "Tab" => KeyCode::Tab,
        "Esc" => KeyCode::Esc,
        k => KeyCode::Char(k.chars().next().unwrap_or(' ')),
    };
    for k in help_keys() {
        if matches!(k.as_str(), "s" | "0" | "1–4") {
            // Only with several sessions (the picker tests), or answering
            // a question (tests/tui_classroom.rs).
            continue;
        }
        let mut app = fresh();
        let before = text(&render(&app, 80, 24));
        let quit_before = app.should_quit();
        press(&mut app, code(&k), 1);
        let after = text(&render(&app, 80, 24));
        assert!(
            after != before || app.should_quit() != quit_before,
            "{k} changed nothing"
        );
    }
    let _ = std::fs::remove_dir_all(&saves);
}

#[test]
fn the_end_of_the_lesson_is_a_summary_of_every_data_connection() {
    let mut app = compare(fixture::active_blocked(), fixture::passive());
    press(&mut app, KeyCode::End, 1);
    assert!(app.finale());
    insta::assert_snapshot!("summary_80x24", text(&render(&app, 80, 24)));
    let buf = render(&app, 120, 40);
    insta::assert_snapshot!("summary_120x40", text(&buf));
    // Each pane's column (59 wide, the separator between).
    let (active, passive) = (columns(&buf, 0, 59), columns(&buf, 60, 120));
    for (pane, want) in [
        (&active, "The lesson is over. In short:"),
        (
            &active,
            "#1 LIST · server dialled (PORT) · ✗ blocked by the client firewall",
        ),
        (&active, "127.0.0.3:2120 → 127.0.0.2:50000"),
        (&active, "active mode breaks behind a client firewall"),
        (&passive, "#1 LIST · client dialled (PASV) · 187 B ✓"),
        (&passive, "127.0.0.2:41235 → 127.0.0.3:50001"),
        (
            &passive,
            "#3 STOR notes.txt · client dialled (PASV) · 78 B ✓",
        ),
        (
            &passive,
            "Passive mode: the client dialled the server for every transfer",
        ),
    ] {
        assert!(squeeze(pane).contains(&squeeze(want)), "{want}:\n{pane}");
    }
    // ← back to the last event; space plays the lesson again from the start.
    press(&mut app, KeyCode::Left, 1);
    assert!(!app.finale());
    press(&mut app, KeyCode::Right, 1);
    assert!(app.finale());
    press(&mut app, KeyCode::Char(' '), 1);
    assert!(!app.finale() && app.is_playing());
    assert_eq!(app.panes[0].player.shown(), 0);
}

#[test]
fn a_long_replay_path_gives_way_to_the_play_state() {
    let path = "/home/student/captures/2024/networks-course/week-07/lab-b/active_port_lftp_vsftpd_behind_firewall.pcapng";
    let mut app = App::new(
        format!("replay {path}"),
        vec![Pane::fixed("session 1", fixture::active())],
    );
    app.theme = Theme::mono();
    let buf = render(&app, 80, 24);
    let title = lines(&buf).first().cloned().unwrap_or_default();
    assert!(title.contains("⏸ paused · 2 steps/s"), "{title}");
    assert!(title.contains('…'), "the path lost its middle: {title}");
    assert!(
        title.contains("firewall.pcapng"),
        "the file name stays: {title}"
    );
    assert!(title.chars().count() <= 80);
}

#[test]
fn a_captured_sessions_title_says_what_it_is_from_its_dials() {
    // Logged in, and gone before any announcement or transfer.
    let none = {
        let mut t = fixture::active();
        let port = t
            .events
            .iter()
            .position(|e| matches!(&e.kind, Kind::Command { verb, .. } if verb == "PORT"))
            .expect("a PORT");
        t.events.truncate(port);
        t
    };
    for (trace, kind) in [
        (fixture::active(), "ACTIVE: server dials"),
        (fixture::passive(), "PASSIVE: client dials"),
        (fixture::sessions(2), "MIXED: both dial"),
        (none, "no data connection"),
    ] {
        let app = App::new("replay x", vec![Pane::fixed("session 1", trace)]);
        let s = text(&render(&app, 80, 24));
        assert!(s.contains(&format!("session 1 · {kind}")), "{s}");
        // And → is described for a capture, not a lab.
        assert!(s.contains("→ shows the capture's next event"), "{s}");
        assert!(!s.contains("lab client"), "{s}");
    }
}

#[test]
fn the_session_list_names_each_client_and_fits_80_columns_even_in_ipv6() {
    use std::net::{IpAddr, SocketAddr};
    let v6 = |a: SocketAddr, host: u16| {
        let ip: IpAddr = format!("2001:db8:ffff:1234:5678:9abc:def0:{host:x}")
            .parse()
            .expect("an IPv6 address");
        SocketAddr::new(ip, a.port())
    };
    let mut trace = fixture::sessions(3);
    for e in &mut trace.events {
        if let Kind::Connect { src, dst, .. } = &mut e.kind {
            *src = v6(*src, 2);
            *dst = v6(*dst, 3);
        }
    }
    let mut app = ftpviz::tui::app_for_trace("replay v6.pcapng", trace);
    app.theme = Theme::mono();
    let s = text(&render(&app, 80, 24));
    for row in s.lines() {
        assert!(row.chars().count() <= 80, "{row}");
    }
    let client = "[2001:db8:ffff:1234:5678:9abc:def0:2]:41234";
    assert!(s.contains(&format!("#1  client {client}")), "{s}");
    assert!(s.contains("#3  client"), "{s}");
}
