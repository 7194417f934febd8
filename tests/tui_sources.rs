//! The same screens over the other sources: real captures (replay) and
//! `serve` with a real client, its sessions listed live.

#[path = "support/fixture.rs"]
mod fixture;
#[path = "support/screen.rs"]
mod screen;
use screen::screen;

mod common;

use crossterm::event::{KeyCode, KeyEvent};
use ftpviz::serve::{start, ServeConfig};
use ftpviz::trace::{Event, Kind, Via};
use ftpviz::tui::app::picker::Picker;
use ftpviz::tui::app::App;
use ftpviz::tui::widgets::style::Theme;
use std::time::Duration;

fn press(app: &mut App, code: KeyCode, times: usize) {
    for _ in 0..times {
        app.on_key(KeyEvent::from(code));
    }
}

/// Steps the only pane until its current event matches `f`.
fn step_to(app: &mut App, f: impl Fn(&Event) -> bool) {
    for _ in 0..10_000 {
        if app.panes[0].player.current().is_some_and(&f) {
            return;
        }
        press(app, KeyCode::Right, 1);
    }
    panic!("never reached the event");
}

#[test]
fn a_real_active_capture_shows_the_dial_from_port_20() {
    let Some(path) = common::capture("b_active_port_lftp_vsftpd.pcap") else {
        return;
    };
    let replay = ftpviz::replay::read_file(&path).expect("the capture reads");
    let mut app = ftpviz::tui::app_for_trace("replay b", replay.trace);
    app.theme = Theme::mono();
    assert!(!app.picking(), "one session: straight to the diagram");
    step_to(&mut app, |e| {
        matches!(
            e.kind,
            Kind::Connect {
                via: Some(Via::Port),
                ..
            }
        )
    });
    let s = screen(&app, 80, 24);
    assert!(s.contains("SYN data#1 PORT"), "{s}");
    // The narration wraps where the screen ends: read it as words.
    let words = s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("From port 20 = control port 21 − 1"), "{s}");
    // The PORT before it, with its arithmetic from the capture's own bytes.
    press(&mut app, KeyCode::Left, 3);
    let s = screen(&app, 120, 40);
    assert!(s.contains("195 × 256 + 41 = 49961"), "{s}");
}

#[test]
fn a_real_blocked_dial_ends_in_a_cross() {
    let Some(path) = common::capture("g_active_fw_drop_ftplib_vsftpd.pcap") else {
        return;
    };
    let replay = ftpviz::replay::read_file(&path).expect("the capture reads");
    let mut app = ftpviz::tui::app_for_trace("replay g", replay.trace);
    app.theme = Theme::mono();
    step_to(&mut app, |e| matches!(e.kind, Kind::Fail { .. }));
    let s = screen(&app, 80, 24);
    assert!(s.contains("✗"), "{s}");
    assert!(s.contains("dial times out"), "{s}");
}

#[test]
fn a_live_session_list_fills_and_follows_one_session() {
    let mut app = App::with_live_sessions("serve", Picker::live("waiting for a client"));
    app.theme = Theme::mono();
    assert!(screen(&app, 80, 24).contains("waiting for a client"));
    press(&mut app, KeyCode::Enter, 1);
    assert!(app.picking(), "nothing to pick yet");
    // Session 1 is half-way through when it is picked.
    let mut first = fixture::sessions(2).events;
    let rest = first.split_off(20);
    for e in first {
        app.on_session_event(Some(e));
    }
    let s = screen(&app, 80, 24);
    assert!(s.contains("#1  client 127.0.0.2:41234"), "{s}");
    assert!(s.contains("· live"), "the session still runs: {s}");
    press(&mut app, KeyCode::Enter, 1);
    assert!(!app.picking());
    let before = app.panes[0].player.trace().len();
    let later_of_1 = rest.iter().filter(|e| e.session == 1).count();
    assert!(later_of_1 > 0, "the split leaves session 1 running");
    for e in rest {
        app.on_session_event(Some(e));
    }
    let pane = &app.panes[0].player;
    assert_eq!(
        pane.trace().len(),
        before + later_of_1,
        "only session 1 follows"
    );
    assert!(pane.trace().events.iter().all(|e| e.session == 1));
    assert!(
        !pane.is_live(),
        "its control connection closed: the session is over"
    );
    assert!(screen(&app, 80, 24)
        .lines()
        .next()
        .is_some_and(|l| l.contains("session ended")));
    press(&mut app, KeyCode::Char('s'), 1);
    let s = screen(&app, 80, 24);
    assert!(s.contains("#2  client"), "{s}");
    assert!(
        s.contains("#1  client 127.0.0.2:41234") && s.contains("· ended"),
        "{s}"
    );
    app.on_session_event(None);
    assert!(!app.panes[0].player.is_live());
}

#[tokio::test]
async fn serve_sessions_of_a_real_client_appear_in_the_list() {
    let serving = start(ServeConfig {
        listen: "127.0.0.1:0".parse().expect("an address"),
        root: None,
    })
    .await
    .expect("serve starts");
    let addr = serving.local;
    let mut events = serving.events;
    let client = tokio::task::spawn_blocking(move || {
        let mut ftp = suppaftp::FtpStream::connect(addr)?;
        ftp.login("anonymous", "e2e@")?;
        ftp.list(None)?;
        ftp.quit()
    });
    let mut app = App::with_live_sessions("serve", Picker::live("waiting"));
    app.theme = Theme::mono();
    // Until the client has quit and the server has closed the session.
    loop {
        let e = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .expect("events within 10 s")
            .expect("serve still running");
        let closed = e.conn == 0 && matches!(e.kind, Kind::Close);
        app.on_session_event(Some(e));
        if closed {
            break;
        }
    }
    client.await.expect("client task").expect("client ran");
    let s = screen(&app, 100, 30);
    assert!(s.contains(&format!("→ server {addr}")), "{s}");
    assert!(s.contains("passive ×1"), "{s}");
    // At 80 columns the row still names the client's address and port.
    let client = app
        .picker
        .as_ref()
        .and_then(|p| p.summaries[0].client.clone());
    let client = client.expect("the control dial names the client");
    let s = screen(&app, 80, 24);
    let row = s.lines().find(|l| l.contains("#1")).unwrap_or_default();
    assert!(row.contains(&client) && row.contains("ended"), "{s}");

    // The finished session speaks for itself: no lab words, no "live".
    press(&mut app, KeyCode::Enter, 1);
    let s = screen(&app, 80, 24);
    assert!(s.contains("This session has ended"), "{s}");
    assert!(!s.contains("lab"), "{s}");
    let title = s.lines().next().unwrap_or_default();
    assert!(
        title.contains("session ended") && !title.contains("live"),
        "{s}"
    );
    // Its title says what it is, from its dials.
    assert!(s.contains("session 1 · PASSIVE: client dials"), "{s}");
    // End: the summary of the session; ← the last event again.
    press(&mut app, KeyCode::End, 1);
    let s = screen(&app, 100, 30);
    assert!(s.contains("The session has ended. In short:"), "{s}");
    assert!(s.contains("#1 LIST · client dialled (PASV)"), "{s}");
    press(&mut app, KeyCode::Left, 1);
    let s = screen(&app, 100, 30);
    assert!(s.contains("221"), "{s}");
}
