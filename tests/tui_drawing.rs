//! The drawing never shows what did not happen: a dropped SYN ends in `✗`
//! on the middlebox's line on its own row (no arrow reaches the port it
//! aimed at), a dial still waiting reaches only the middlebox, a failed or
//! finished connection leaves no open port in the host boxes, a new
//! listening port is never the one hidden behind `+N`, and no label shows
//! part of a number.

#[path = "support/fixture.rs"]
mod fixture;
#[path = "support/screen.rs"]
mod screen;
use screen::{lines, render, text};

use crossterm::event::{KeyCode, KeyEvent};
use ftpviz::lab::LabConfig;
use ftpviz::middlebox::Firewall;
use ftpviz::trace::{Event, FailReason, Kind, Side, Trace};
use ftpviz::tui::app::{App, Pane};
use ftpviz::tui::widgets::layout::{self, Lifelines};
use ftpviz::tui::widgets::sequence::middlebox_column;
use ftpviz::tui::widgets::style::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

fn firewall(firewall: Firewall) -> LabConfig {
    LabConfig {
        firewall,
        ..LabConfig::default()
    }
}

/// One pane over `trace`, behind `middlebox` (if any), in monochrome.
fn single(trace: Trace, middlebox: Option<Firewall>) -> App {
    let mut pane = Pane::fixed("pane", trace);
    if let Some(fw) = middlebox {
        pane = pane.with_middlebox(&firewall(fw));
    }
    let mut app = App::new("t", vec![pane]);
    app.theme = Theme::mono();
    app
}

/// Steps pane 0 until its current event matches `what`.
fn step_to(app: &mut App, what: impl Fn(&Event) -> bool) {
    while !app.panes[0].player.current().is_some_and(&what) {
        assert!(!app.panes[0].player.at_end(), "never reached");
        app.on_key(KeyEvent::from(KeyCode::Right));
    }
}

fn is_fail(e: &Event) -> bool {
    matches!(e.kind, Kind::Fail { .. })
}

fn is_data_dial(e: &Event) -> bool {
    e.conn > 0 && matches!(e.kind, Kind::Connect { .. })
}

/// The areas of pane `i` of `n` on a `w`×`h` screen.
fn pane_areas(w: u16, h: u16, n: usize, i: usize) -> (layout::PaneAreas, Lifelines) {
    let screen = layout::screen(Rect::new(0, 0, w, h), n);
    let r = screen.panes[i];
    (layout::pane(r), Lifelines::new(r.x, r.width))
}

/// The row of `area` whose text contains `needle`.
fn row_in(buf: &Buffer, area: Rect, needle: &str) -> Option<u16> {
    (area.y..area.bottom()).find(|&y| {
        let line: String = (area.x..area.right())
            .map(|x| buf[(x, y)].symbol())
            .collect();
        line.contains(needle)
    })
}

fn symbols(buf: &Buffer, y: u16, xs: std::ops::Range<u16>) -> String {
    xs.map(|x| buf[(x, y)].symbol()).collect()
}

/// The dropped SYN's row: `●` at the dialler, `✗` on the middlebox's line,
/// nothing between the line and the side it aimed at; the failure's own
/// row draws no second arrow.
fn assert_dies_at_the_wall(buf: &Buffer, seq: Rect, ll: Lifelines, dialler: Side) {
    let wall = middlebox_column(ll);
    let y = row_in(buf, seq, "SYN data#1").expect("the dial's row");
    assert_eq!(buf[(wall, y)].symbol(), "✗", "{}", text(buf));
    let (dialler_x, beyond) = match dialler {
        Side::Server => (ll.server, ll.client + 1..wall),
        Side::Client => (ll.client, wall + 1..ll.server),
    };
    assert_eq!(buf[(dialler_x, y)].symbol(), "●");
    let rest = symbols(buf, y, beyond);
    assert!(
        rest.trim().is_empty(),
        "the SYN went past the wall: {rest:?}"
    );
    let row = symbols(buf, y, seq.x..seq.right());
    assert!(!row.contains('◀') && !row.contains('▶'), "{row}");
    let fail = row_in(buf, seq, "blocked (").expect("the failure's row");
    assert_eq!(fail, y + 1);
    let fail_row = symbols(buf, fail, seq.x..seq.right());
    for glyph in ['✗', '◀', '▶', '━', '●'] {
        assert!(!fail_row.contains(glyph), "{glyph} on {fail_row}");
    }
}

#[test]
fn a_blocked_active_dial_ends_at_the_middlebox_line() {
    let mut app = single(fixture::active_blocked(), Some(Firewall::Client));
    step_to(&mut app, is_fail);
    for (w, h) in [(80, 24), (120, 40)] {
        let buf = render(&app, w, h);
        let (areas, ll) = pane_areas(w, h, 1, 0);
        assert_dies_at_the_wall(&buf, areas.sequence, ll, Side::Server);
    }
}

#[test]
fn a_blocked_passive_dial_ends_at_the_middlebox_line_side_by_side() {
    let config = firewall(Firewall::Server);
    let mut app = App::new(
        "lab · active vs passive",
        vec![
            Pane::fixed("ACTIVE · PORT: server dials", fixture::active()).with_middlebox(&config),
            Pane::fixed("PASSIVE · PASV: client dials", fixture::passive_blocked())
                .with_middlebox(&config),
        ],
    );
    app.theme = Theme::mono();
    while !app.panes[1].player.current().is_some_and(is_fail) {
        assert!(!app.panes[1].player.at_end());
        app.on_key(KeyEvent::from(KeyCode::Right));
    }
    let buf = render(&app, 80, 24);
    insta::assert_snapshot!("blocked_passive_dial_compare_80x24", text(&buf));
    let (areas, ll) = pane_areas(80, 24, 2, 1);
    assert_dies_at_the_wall(&buf, areas.sequence, ll, Side::Client);
    let buf = render(&app, 120, 40);
    let (areas, ll) = pane_areas(120, 40, 2, 1);
    assert_dies_at_the_wall(&buf, areas.sequence, ll, Side::Client);
}

#[test]
fn a_dial_still_waiting_reaches_only_the_middlebox() {
    let mut app = single(fixture::active_blocked(), Some(Firewall::Client));
    step_to(&mut app, is_data_dial);
    let buf = render(&app, 80, 24);
    let (areas, ll) = pane_areas(80, 24, 1, 0);
    let wall = middlebox_column(ll);
    let y = row_in(&buf, areas.sequence, "SYN data#1").expect("the dial's row");
    assert_eq!(buf[(wall + 1, y)].symbol(), "◀", "{}", text(&buf));
    assert_eq!(buf[(wall, y)].symbol(), "┃");
    assert!(symbols(&buf, y, ll.client + 1..wall).trim().is_empty());
    // The hosts: the client listens; the SYN's line stops at the wall.
    let hosts = &lines(&buf)[areas.hosts.y as usize..areas.hosts.bottom() as usize];
    let row = hosts
        .iter()
        .find(|l| l.contains("2120"))
        .expect("the dialler's port");
    assert!(row.contains("lsn") && row.contains("50000"), "{row}");
    assert!(row.contains("┃◀━"), "stops at the wall: {row}");
    assert!(!row.contains("data             50000"), "{row}");
}

#[test]
fn a_dial_let_through_crosses_the_middlebox() {
    // Passive behind a client firewall: the client dials out, allowed.
    let mut app = single(fixture::passive(), Some(Firewall::Client));
    step_to(&mut app, |e| e.conn == 1 && e.kind == Kind::Accept);
    let buf = render(&app, 80, 24);
    let (areas, ll) = pane_areas(80, 24, 1, 0);
    let y = row_in(&buf, areas.sequence, "SYN data#1").expect("the dial's row");
    assert_eq!(buf[(ll.server - 1, y)].symbol(), "▶", "{}", text(&buf));
    assert_eq!(buf[(middlebox_column(ll), y)].symbol(), "┃");
}

#[test]
fn without_a_middlebox_an_unanswered_dial_stops_short_and_a_refused_one_arrives() {
    // A capture: nothing says where the SYN died, only that it did.
    let mut app = single(fixture::active_blocked(), None);
    step_to(&mut app, is_fail);
    let buf = render(&app, 80, 24);
    let (areas, ll) = pane_areas(80, 24, 1, 0);
    let y = row_in(&buf, areas.sequence, "SYN data#1").expect("the dial's row");
    let row = symbols(&buf, y, ll.client..ll.server + 1);
    assert!(row.contains('✗') && !row.contains('◀'), "{row}");
    assert_ne!(buf[(ll.client + 1, y)].symbol(), "✗", "short of the client");
    // Answered with RST: the SYN got there.
    let mut trace = fixture::active_blocked();
    for e in &mut trace.events {
        if let Kind::Fail { reason, by } = &mut e.kind {
            *reason = FailReason::Refused;
            *by = None;
        }
    }
    let mut app = single(trace, None);
    step_to(&mut app, is_fail);
    let buf = render(&app, 80, 24);
    let y = row_in(&buf, areas.sequence, "SYN data#1").expect("the dial's row");
    assert_eq!(buf[(ll.client + 1, y)].symbol(), "✗", "{}", text(&buf));
    assert!(text(&buf).contains("refused (RST)"));
}

/// The host boxes' rows (between their borders).
fn host_rows(app: &App, w: u16, h: u16) -> Vec<String> {
    let buf = render(app, w, h);
    let (areas, _) = pane_areas(w, h, app.panes.len(), 0);
    lines(&buf)[areas.hosts.y as usize + 2..areas.hosts.bottom() as usize - 1].to_vec()
}

#[test]
fn a_failed_dial_leaves_no_open_port() {
    let mut app = single(fixture::active_blocked(), Some(Firewall::Client));
    step_to(&mut app, is_fail);
    let rows = host_rows(&app, 80, 24).join("\n");
    // The client still listens (the SYN never reached it); nothing is
    // connected, and the server's dialling socket is gone.
    assert!(rows.contains("lsn              50000"), "{rows}");
    assert!(!rows.contains("data"), "{rows}");
    assert!(!rows.contains("2120"), "{rows}");
    assert!(rows.contains("┃✗"), "where it died, while on it: {rows}");
    // The 425 ends the transfer: the listener closes too.
    app.on_key(KeyEvent::from(KeyCode::Right));
    let rows = host_rows(&app, 80, 24).join("\n");
    assert!(!rows.contains("50000") && !rows.contains('✗'), "{rows}");
}

#[test]
fn finished_connections_leave_no_ports() {
    let mut app = single(fixture::active(), None);
    // After the first transfer's 226: the data connection is closed.
    step_to(&mut app, |e| {
        matches!(e.kind, Kind::Reply { code: 226, .. })
    });
    let rows = host_rows(&app, 120, 40).join("\n");
    assert!(!rows.contains("data") && !rows.contains("lsn"), "{rows}");
    assert!(
        rows.contains("41234"),
        "the control connection is up: {rows}"
    );
    // After the session: the client's control port is gone; the server
    // still listens on its own.
    app.on_key(KeyEvent::from(KeyCode::End));
    let rows = host_rows(&app, 120, 40).join("\n");
    assert!(!rows.contains("41234"), "{rows}");
    assert!(rows.contains("2121"), "{rows}");
}

#[test]
fn a_new_listening_port_is_never_hidden() {
    // An open data connection, and then a new PASV while it is still open.
    let mut events: Vec<Event> = fixture::passive().events;
    let open = events
        .iter()
        .position(|e| e.conn == 1 && e.kind == Kind::Accept)
        .expect("an accept");
    let at = |e: &Event, kind: Kind| Event::new(e.t, e.session, 0, Side::Client, kind);
    let base = events[open].clone();
    let pasv = at(
        &base,
        Kind::Command {
            text: "PASV".into(),
            verb: "PASV".into(),
        },
    );
    let mut reply = at(
        &base,
        Kind::Reply {
            code: 227,
            text: "227 Entering Passive Mode (127,0,0,3,195,90).".into(),
        },
    );
    reply.from = Side::Server;
    events.splice(open + 1..open + 1, [pasv, reply]);
    let mut app = single(Trace { events }, None);
    step_to(
        &mut app,
        |e| matches!(&e.kind, Kind::Reply { text, .. } if text.contains(",90)")),
    );
    // At 80×24 the boxes hold two port rows: control and the newest, the
    // port just announced (195 × 256 + 90 = 50010).
    let rows = host_rows(&app, 80, 24).join("\n");
    assert!(rows.contains("50010") && rows.contains("lsn"), "{rows}");
    assert!(!rows.contains("50001"), "{rows}");
    let s = text(&render(&app, 80, 24));
    assert!(
        s.contains("+1"),
        "the older connection is the one counted: {s}"
    );
    // With room, both show.
    let rows = host_rows(&app, 120, 40).join("\n");
    assert!(rows.contains("50010") && rows.contains("50001"), "{rows}");
}

/// Every run of digits in the sequence rows must be a whole number of the
/// trace (a port, an address byte, a code, a count), never part of one.
fn assert_no_cut_numbers(app: &App, trace: &Trace, w: u16, h: u16) {
    let mut whole: Vec<String> = Vec::new();
    for e in &trace.events {
        let s = format!("{e:?}");
        whole.extend(
            s.split(|c: char| !c.is_ascii_digit())
                .filter(|d| !d.is_empty())
                .map(str::to_string),
        );
    }
    let buf = render(app, w, h);
    for i in 0..app.panes.len() {
        let (areas, _) = pane_areas(w, h, app.panes.len(), i);
        let seq = areas.sequence;
        for y in seq.y..seq.bottom() {
            let row = symbols(&buf, y, seq.x..seq.right());
            for d in row
                .split(|c: char| !c.is_ascii_digit())
                .filter(|d| !d.is_empty())
            {
                assert!(
                    whole.iter().any(|n| n == d),
                    "{d} is part of a number: {row}\n{}",
                    text(&buf)
                );
            }
        }
    }
}

/// The active fixture with `EPRT |1|127.0.0.2|53985|` for each PORT, and
/// the passive one with `229 … (|||53986|)` for each 227.
fn extended() -> (Trace, Trace) {
    let mut active = fixture::active();
    for e in &mut active.events {
        match &mut e.kind {
            Kind::Command { text, verb } if verb == "PORT" => {
                *text = "EPRT |1|127.0.0.2|53985|".into();
                *verb = "EPRT".into();
            }
            Kind::Connect { dst, .. } if e.conn > 0 => dst.set_port(53985),
            _ => {}
        }
    }
    let mut passive = fixture::passive();
    for e in &mut passive.events {
        match &mut e.kind {
            Kind::Command { text, verb } if verb == "PASV" => {
                *text = "EPSV".into();
                *verb = "EPSV".into();
            }
            Kind::Reply { code, text } if *code == 227 => {
                *code = 229;
                *text = "229 Entering Extended Passive Mode (|||53986|)".into();
            }
            Kind::Connect { dst, .. } if e.conn > 0 => dst.set_port(53986),
            _ => {}
        }
    }
    (active, passive)
}

#[test]
fn labels_never_lose_digits() {
    let (active, passive) = extended();
    let mut app = App::new(
        "compare",
        vec![
            Pane::fixed("ACTIVE", active.clone()),
            Pane::fixed("PASSIVE", passive.clone()),
        ],
    );
    app.theme = Theme::mono();
    let both = Trace {
        events: [active.events.clone(), passive.events.clone()].concat(),
    };
    let mut seen_eprt = false;
    while !(app.panes[0].player.at_end() && app.panes[1].player.at_end()) {
        app.on_key(KeyEvent::from(KeyCode::Right));
        for (w, h) in [(80, 24), (120, 40)] {
            assert_no_cut_numbers(&app, &both, w, h);
        }
        let s = text(&render(&app, 80, 24));
        seen_eprt |= s.contains("EPRT |1|127.0.0.2|53985|");
    }
    assert!(seen_eprt, "the EPRT shows whole at 80×24 side by side");
    for trace in [
        fixture::active(),
        fixture::passive(),
        fixture::active_blocked(),
    ] {
        let mut app = single(trace.clone(), Some(Firewall::Client));
        while !app.panes[0].player.at_end() {
            app.on_key(KeyEvent::from(KeyCode::Right));
            assert_no_cut_numbers(&app, &trace, 80, 24);
        }
    }
}

#[test]
fn a_227_label_is_the_reply_as_sent_shortened_in_the_middle() {
    let mut app = single(fixture::passive(), None);
    step_to(&mut app, |e| {
        matches!(e.kind, Kind::Reply { code: 227, .. })
    });
    let wide = text(&render(&app, 120, 40));
    assert!(
        wide.contains("227 Entering Passive Mode (127,0,0,3,195,81)."),
        "{wide}"
    );
    let mut app = App::new(
        "compare",
        vec![
            Pane::fixed("ACTIVE", fixture::active()),
            Pane::fixed("PASSIVE", fixture::passive()),
        ],
    );
    app.theme = Theme::mono();
    while !app.panes[1]
        .player
        .current()
        .is_some_and(|e| matches!(e.kind, Kind::Reply { code: 227, .. }))
    {
        app.on_key(KeyEvent::from(KeyCode::Right));
    }
    let narrow = text(&render(&app, 80, 24));
    assert!(narrow.contains("227…(127,0,0,3,195,81)."), "{narrow}");
}

#[test]
fn the_empty_diagram_carries_the_panes_note() {
    let mut pane = Pane::fixed("PASSIVE", fixture::passive());
    pane.note = Some("Why port 2123? Each pane has its own server.".into());
    let mut app = App::new("t", vec![Pane::fixed("ACTIVE", fixture::active()), pane]);
    app.theme = Theme::mono();
    let s = text(&render(&app, 80, 24));
    assert!(s.contains("Why port 2123?"), "{s}");
    app.on_key(KeyEvent::from(KeyCode::Right));
    let s = text(&render(&app, 80, 24));
    assert!(!s.contains("Why port"), "gone once something happened: {s}");
}

/// The lab's port notes (why 2123; a port taken) fit the empty diagram of
/// a pane side by side at 80×24.
#[test]
fn the_port_notes_fit_a_pane_at_80x24() {
    use ftpviz::lab::ports::note;
    use ftpviz::lab::{IfTaken, Mode};
    let lab = |mode, port| LabConfig {
        mode,
        control_port: port,
        if_taken: IfTaken::AnyFree,
        ..LabConfig::default()
    };
    let wanted = [lab(Mode::Active, 2121), lab(Mode::Passive, 2123)];
    let got = [lab(Mode::Active, 40111), lab(Mode::Passive, 2123)];
    for (w, g, pane) in [
        (&wanted, &wanted, 1),
        (&wanted, &got, 0),
        (&wanted, &got, 1),
    ] {
        let n = note(w, g, pane).expect("a note");
        assert!(ftpviz::text::wrap(&n, 23).len() <= 8, "{n}");
    }
}

/// Issue 16 §3: at 120×40 the NAT's wall ran through the "Why port 2123?"
/// note of the passive pane; the note's rows are its own.
#[test]
fn the_middlebox_wall_does_not_run_through_the_empty_diagrams_note() {
    let config = LabConfig {
        nat: ftpviz::middlebox::Nat::Client,
        ..LabConfig::default()
    };
    let note = "Why port 2123? Each pane has its own server; two cannot share a port. The \
                active one has 2121, and dials from 2120 (control − 1): this one has 2123.";
    let mut pane = Pane::fixed("PASSIVE", Trace::new()).with_middlebox(&config);
    pane.note = Some(note.to_string());
    let mut app = App::new("t", vec![pane]);
    app.theme = Theme::mono();
    for (w, h) in [(80, 24), (120, 40)] {
        let buf = render(&app, w, h);
        let screen = lines(&buf);
        let rows: Vec<&String> = screen
            .iter()
            .filter(|r| r.contains("Why port") || r.contains("this one has"))
            .collect();
        assert!(rows.len() >= 2, "{w}×{h}: the note:\n{}", text(&buf));
        let wall = middlebox_column(Lifelines::new(0, w));
        let note_rows = screen
            .iter()
            .enumerate()
            .skip_while(|(_, r)| !r.contains("Why port"))
            .take_while(|(_, r)| !r.trim_matches(['│', '┃', ' ']).is_empty());
        for (y, _) in note_rows {
            let cell = buf[(wall, y as u16)].symbol();
            assert_ne!(cell, "┃", "{w}×{h}, row {y}: the wall:\n{}", text(&buf));
        }
    }
}

/// Issue 16 §6: at the pause on the control SYN under a client firewall,
/// the SYN (outbound: the wall lets it through) is drawn through the wall
/// at once, not stopped at it as if blocked until the next step.
#[test]
fn a_dial_that_passes_the_wall_is_drawn_through_it_at_once() {
    let mut app = single(fixture::active_blocked(), Some(Firewall::Client));
    let trace = app.panes[0].player.trace().clone();
    let syn = trace
        .events
        .iter()
        .position(|e| matches!(e.kind, Kind::Connect { .. }))
        .expect("a control dial");
    assert!(
        matches!(trace.events[syn + 1].kind, Kind::Accept),
        "answered next"
    );
    app.panes[0].player.seek(syn + 1);
    let buf = render(&app, 80, 24);
    let screen = lines(&buf);
    let (y, row) = screen
        .iter()
        .enumerate()
        .find(|(_, r)| r.contains("SYN ctl"))
        .expect("the SYN's row");
    let ll = Lifelines::new(0, 80);
    let wall = middlebox_column(ll);
    let past: String = (wall + 1..ll.server)
        .map(|x| buf[(x, y as u16)].symbol().to_string())
        .collect();
    assert!(
        past.contains('━') && past.contains('▶'),
        "the SYN stops at the wall: {row}\n{}",
        text(&buf)
    );
    assert!(!row.contains('✗'), "{row}");
}

/// Issue 16 §4: behind a NAT the host's box shows the private address it
/// believes it has (the one its PORT or 227 names), and the NAT's box the
/// translation, reading from the client's side: at 120×40 both addresses
/// on one line, the public one on the world's side of the arrow.
#[test]
fn a_host_behind_nat_shows_both_its_addresses() {
    use ftpviz::middlebox::nat::Translation;
    use ftpviz::middlebox::Nat;
    let real = |side: Side| -> std::net::IpAddr {
        match side {
            Side::Client => fixture::CLIENT_IP.into(),
            Side::Server => fixture::SERVER_IP.into(),
        }
    };
    for (nat, inside) in [(Nat::Client, Side::Client), (Nat::Server, Side::Server)] {
        let t = Translation::of(nat, real(inside)).expect("a NAT");
        let (private, right) = (t.private.to_string(), inside == Side::Server);
        let config = LabConfig {
            nat,
            ..LabConfig::default()
        };
        let pane = Pane::fixed("pane", fixture::active()).with_middlebox(&config);
        let mut app = App::new("t", vec![pane]);
        app.theme = Theme::mono();
        app.panes[0].player.seek(3);
        let screen = lines(&render(&app, 120, 40));
        let side = |row: &String| -> String {
            let cells: Vec<char> = row.chars().collect();
            let half = cells.len().min(60);
            if right {
                cells[half..].iter().collect()
            } else {
                cells[..half].iter().collect()
            }
        };
        let hosts: Vec<String> = screen.iter().skip(2).take(7).map(side).collect();
        assert!(
            hosts[1].contains(&private),
            "{nat:?}:\n{}",
            screen.join("\n")
        );
        let all = screen[2..9].join("\n");
        assert!(all.contains(&t.words()), "{nat:?}:\n{}", screen.join("\n"));
        assert!(
            !hosts[2].contains('⇄'),
            "the public address is the NAT's, not in the host's box: {}",
            screen.join("\n")
        );
        // The control port keeps its row below the address.
        assert!(hosts[2].contains("ctl"), "{}", screen.join("\n"));
    }
}
