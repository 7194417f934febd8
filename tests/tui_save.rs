//! `w` in the TUI saves what ran so far as a pcapng capture (issue 10 §4):
//! the app driven by real labs (and a real `serve` with a real client),
//! the key pressed, the screen read through ratatui's `TestBackend`, and
//! the file read back twice — by ftpviz's replay (the same story as the
//! panes' own traces) and byte by byte (the files' real bytes in the data
//! connections, the narration in the comments). A replayed trace, which
//! holds byte counts and not bytes, is saved with zeros that say so.

mod common;
#[path = "support/fixture.rs"]
mod fixture;
mod record_facts;

use crossterm::event::{KeyCode, KeyEvent};
use ftpviz::lab::lesson::DOWNLOAD_NAME;
use ftpviz::lab::rig::Rig;
use ftpviz::lab::{LabConfig, Mode};
use ftpviz::middlebox::Firewall;
use ftpviz::narration::narrate_between;
use ftpviz::trace::{Event as TraceEvent, Kind, Trace};
use ftpviz::tui::app::event::{Event, Feed, Route};
use ftpviz::tui::app::picker::Picker;
use ftpviz::tui::app::App;
use ftpviz::tui::widgets::style::Theme;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use record_facts::{read_capture, Story};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn press(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::from(code));
}

/// The app drawn through a `TestBackend` of `w`×`h`: its rows.
fn rows(app: &App, w: u16, h: u16) -> Vec<String> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("a test terminal");
    terminal
        .draw(|f| f.render_widget(app, f.area()))
        .expect("draws");
    let buf = terminal.backend().buffer();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect()
}

/// The lab app the TUI runs: one pane per configuration, live, with its
/// data bytes; its captures saved under `dir`.
async fn lab_app(configs: Vec<LabConfig>, dir: &Path) -> App {
    let mut rig = Rig::new(configs);
    let (panes, feeds) = ftpviz::tui::app::labs::start(&mut rig)
        .await
        .expect("the labs start");
    let mut app = App::new("lab", panes).with_rig(rig);
    app.theme = Theme::mono();
    app.saves.dir = dir.to_path_buf();
    app.events.attach(feeds);
    app
}

/// Hands the app its sources' events, as the terminal loop does, until
/// `done` (a generous deadline for each).
async fn pump(app: &mut App, done: impl Fn(&App) -> bool) {
    while !done(app) {
        let next = tokio::time::timeout(Duration::from_secs(30), app.events.next()).await;
        match next.expect("the sources go on within 30 s") {
            Event::Source {
                route,
                event,
                payload,
                ..
            } => app.on_feed(route, event, payload),
            other => panic!("unexpected {other:?}"),
        }
    }
}

fn config(mode: Mode) -> LabConfig {
    LabConfig {
        mode,
        control_port: 0,
        ..LabConfig::default()
    }
}

/// The capture `w` just saved, from the title bar's words.
fn saved(app: &App) -> PathBuf {
    let note = app.note.clone().unwrap_or_default();
    let path = app.saves.last.clone().expect("a capture was saved");
    assert!(
        note.starts_with(&format!("saved {}", path.display())),
        "{note}"
    );
    path
}

fn replayed(path: &Path) -> Trace {
    let replay = ftpviz::replay::read_file(path).expect("replay reads the saved capture");
    assert!(replay.warnings.is_empty(), "{:?}", replay.warnings);
    replay.trace
}

fn built_in(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/files");
    std::fs::read(path.join(name)).expect("a built-in file")
}

/// Each session's story, as a session of its own (numbered 1).
fn stories(trace: &Trace) -> Vec<String> {
    let mut all: Vec<String> = trace
        .sessions()
        .into_iter()
        .map(|n| format!("{:?}", Story::of(&trace.session(n).events)))
        .collect();
    all.sort();
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn w_saves_the_lab_as_it_ran_with_its_real_bytes() {
    let dir = common::temp_dir("tui-save-lab");
    let mut app = lab_app(vec![config(Mode::Active)], &dir).await;
    press(&mut app, KeyCode::Char('w'));
    assert_eq!(
        app.note.as_deref(),
        Some("nothing has run yet: nothing to save")
    );
    assert!(app.saves.last.is_none());

    // Half-way: stepped until logged in. What ran so far is saved, and
    // replays as it.
    let logged_in = |a: &App| {
        let events = &a.panes[0].player.trace().events;
        events
            .iter()
            .any(|e| matches!(e.kind, Kind::Reply { code: 230, .. }))
    };
    for _ in 0..50 {
        if logged_in(&app) {
            break;
        }
        press(&mut app, KeyCode::Right);
        let p = |a: &App| !a.panes[0].player.is_awaiting() && !a.panes[0].player.has_asked();
        pump(&mut app, p).await;
    }
    assert!(logged_in(&app), "stepped as far as 230");
    let so_far = app.panes[0].player.trace().clone();
    press(&mut app, KeyCode::Char('w'));
    let first = saved(&app);
    assert_eq!(
        Story::of(&replayed(&first).events),
        Story::of(&so_far.events)
    );

    // To the end of the lesson, then save again: a second file.
    press(&mut app, KeyCode::End);
    pump(&mut app, App::is_over).await;
    press(&mut app, KeyCode::Char('w'));
    let path = saved(&app);
    assert_ne!(path, first, "a save never overwrites another");
    assert!(first.is_file());
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    assert!(
        name.starts_with("ftpviz-lab-") && name.ends_with(".pcapng"),
        "{name}"
    );

    // The title bar says where it went, whole.
    let title = rows(&app, 160, 40).remove(0);
    assert!(
        title.contains(&format!("saved {}", path.display())),
        "{title}"
    );

    // The replay tells the pane's story: sessions, dials, replies, bytes.
    let trace = app.panes[0].player.trace().clone();
    let back = replayed(&path);
    assert_eq!(Story::of(&back.events), Story::of(&trace.events));

    // The data connections carry the real file, never stand-ins; every
    // dial's SYN carries the words the screen said for it.
    let capture = read_capture(&path);
    let hello = built_in(DOWNLOAD_NAME);
    assert!(
        capture.flows.values().any(|f| *f == hello),
        "hello.txt's bytes"
    );
    assert!(!capture
        .comments
        .iter()
        .any(|c| c.2.contains("did not keep")));
    let between = app.rig.as_ref().expect("a rig").configs[0].between();
    for (i, e) in trace.events.iter().enumerate() {
        let Kind::Connect { src, dst, .. } = e.kind else {
            continue;
        };
        let said = narrate_between(&trace.events[..=i], Some(between));
        let want = format!("{} {}", said.headline, said.body);
        let syn = capture.syns.iter().find(|(_, s, d)| (*s, *d) == (src, dst));
        let (n, _, _) = syn.unwrap_or_else(|| panic!("no SYN {src} → {dst}"));
        let comment = capture.comments.iter().find(|c| c.0 == *n);
        let comment = comment.map(|c| c.2.as_str()).unwrap_or_default();
        assert!(comment.starts_with(&want), "{comment:?}\nwant {want:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn w_saves_both_panes_of_the_comparison_as_two_sessions() {
    let dir = common::temp_dir("tui-save-compare");
    let fw = |mode| LabConfig {
        firewall: Firewall::Client,
        ..config(mode)
    };
    let mut app = lab_app(vec![fw(Mode::Active), fw(Mode::Passive)], &dir).await;
    press(&mut app, KeyCode::End);
    pump(&mut app, App::is_over).await;
    press(&mut app, KeyCode::Char('w'));
    let path = saved(&app);

    let mut panes = Trace::new();
    for p in &app.panes {
        let mut trace = p.player.trace().clone();
        let session = panes.sessions().len() as u32 + 1;
        trace.events.iter_mut().for_each(|e| e.session = session);
        panes.events.extend(trace.events);
    }
    let back = replayed(&path);
    assert_eq!(back.sessions(), [1, 2], "one session per pane");
    assert_eq!(stories(&back), stories(&panes));
    let blocked = Story::of(&back.events).failed;
    assert!(!blocked.is_empty(), "the active pane's dials were blocked");
    // The passive session follows the active one, and the file says so.
    let control = |n| back.events.iter().find(|e| e.session == n && e.conn == 0);
    let (one, two) = (
        control(1).expect("session 1"),
        control(2).expect("session 2"),
    );
    assert_eq!(
        (one.kind.clone(), two.kind.clone()),
        (
            panes.events[0].kind.clone(),
            app.panes[1].player.trace().events[0].kind.clone()
        ),
        "the left pane's session first"
    );
    let last_of_one = back.events.iter().filter(|e| e.session == 1).map(|e| e.t);
    assert!(last_of_one.fold(0.0, f64::max) < two.t);
    let file = std::fs::read(&path).unwrap();
    let said = b"each pane's session follows the one before";
    assert!(file.windows(said.len()).any(|w| w == said));
    // Wireshark's own reading: nothing malformed, no warning from its TCP
    // analysis (the moved session's clock included).
    if let Some(tshark) = common::peer("tshark") {
        let out = std::process::Command::new(tshark)
            .arg("-r")
            .arg(&path)
            .args(["-Y", "_ws.malformed || _ws.expert.severity >= 0x00600000"])
            .args([
                "-T",
                "fields",
                "-e",
                "frame.number",
                "-e",
                "_ws.expert.message",
            ])
            .output()
            .expect("tshark runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let complaints = String::from_utf8_lossy(&out.stdout);
        assert!(
            complaints.trim().is_empty(),
            "tshark complains:\n{complaints}"
        );
    }
    // hello.txt crossed once: in the passive pane; the active pane's dials
    // died at the client's firewall.
    let capture = read_capture(&path);
    let hello = built_in(DOWNLOAD_NAME);
    assert_eq!(capture.flows.values().filter(|f| **f == hello).count(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_replayed_trace_is_saved_with_zeros_that_say_so() {
    let dir = common::temp_dir("tui-save-replay");
    let trace = fixture::active();
    let mut app = ftpviz::tui::app_for_trace("replay active.pcap", trace.clone());
    app.saves.dir = dir.clone();
    press(&mut app, KeyCode::Char('w'));
    let path = saved(&app);
    let note = app.note.clone().unwrap_or_default();
    assert!(note.contains("data bytes as zeros"), "{note}");
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    assert!(name.starts_with("ftpviz-replay-"), "{name}");

    // The same story, byte counts included.
    assert_eq!(Story::of(&replayed(&path).events), Story::of(&trace.events));
    // The counted bytes are zeros, and every data packet's first segment
    // says that they stand in; the file's header says where it came from.
    let capture = read_capture(&path);
    let data: u64 = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            Kind::Data { bytes } => Some(bytes),
            _ => None,
        })
        .sum();
    assert!(data > 0, "the fixture moves bytes");
    let flows = capture.flows.values();
    let zeros: Vec<&Vec<u8>> = flows
        .filter(|f| !f.is_empty() && f.iter().all(|b| *b == 0))
        .collect();
    assert_eq!(zeros.iter().map(|f| f.len() as u64).sum::<u64>(), data);
    let standing_in = capture
        .comments
        .iter()
        .filter(|c| c.2.contains("zero bytes stand in"));
    let data_events = trace
        .events
        .iter()
        .filter(|e| matches!(e.kind, Kind::Data { .. }));
    assert_eq!(standing_in.count(), data_events.count());
    let file = std::fs::read(&path).unwrap();
    let header = ftpviz::tui::app::save::FROM_A_TRACE.as_bytes();
    assert!(
        file.windows(header.len()).any(|w| w == header),
        "the header says it"
    );
    // A view that knows better names what ran (a lesson's run).
    app.saves.what = Some("lesson");
    press(&mut app, KeyCode::Char('w'));
    let name = saved(&app)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    assert!(name.unwrap_or_default().starts_with("ftpviz-lesson-"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_save_that_cannot_be_written_says_why_and_the_run_goes_on() {
    let dir = common::temp_dir("tui-save-nowhere");
    let mut app = ftpviz::tui::app_for_trace("replay", fixture::active());
    app.saves.dir = dir.join("no such folder");
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Char('w'));
    let note = app.note.clone().unwrap_or_default();
    assert!(note.starts_with("not saved: cannot create"), "{note}");
    assert!(note.contains("No such file or directory"), "{note}");
    assert!(app.saves.last.is_none());
    let title = rows(&app, 200, 24).remove(0);
    assert!(title.contains("not saved: cannot create"), "{title}");
    // The next key carries on.
    press(&mut app, KeyCode::Right);
    assert_eq!(app.panes[0].player.shown(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A real client's session: fetch hello.txt in passive mode, then quit.
fn client(addr: std::net::SocketAddr) -> Result<Vec<u8>, suppaftp::FtpError> {
    let mut ftp = suppaftp::FtpStream::connect(addr)?;
    ftp.login("anonymous", "tui@")?;
    ftp.transfer_type(suppaftp::types::FileType::Binary)?;
    let bytes = ftp.retr_as_buffer(DOWNLOAD_NAME)?.into_inner();
    ftp.quit()?;
    Ok(bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn w_saves_serves_sessions_with_their_real_bytes() {
    let dir = common::temp_dir("tui-save-serve");
    let config = ftpviz::serve::ServeConfig {
        listen: "127.0.0.1:0".parse().expect("an address"),
        root: None,
    };
    let options = ftpviz::serve::ServeOptions {
        payloads: true,
        ..Default::default()
    };
    let mut serving = ftpviz::serve::start_with(config, options)
        .await
        .expect("serve starts");
    let addr = serving.local;
    let (_, closed) = tokio::sync::mpsc::unbounded_channel::<TraceEvent>();
    let events = std::mem::replace(&mut serving.events, closed);
    let payloads = serving.payloads.take();
    let mut app = App::with_live_sessions("serve", Picker::live("waiting"));
    app.saves.dir = dir.clone();
    app.events.attach(vec![Feed {
        route: Route::Sessions,
        events,
        payloads,
    }]);
    let fetched = tokio::task::spawn_blocking(move || client(addr));
    // Until the session's control connection has closed.
    let over = |a: &App| {
        let trace = a.picker.as_ref().map(|p| p.trace());
        trace.is_some_and(|t| {
            t.events
                .iter()
                .any(|e| e.conn == 0 && e.kind == Kind::Close)
        })
    };
    pump(&mut app, over).await;
    let fetched = fetched
        .await
        .expect("the client task")
        .expect("the client ran");
    assert_eq!(fetched, built_in(DOWNLOAD_NAME));

    // On the session list itself, `w` saves every session so far.
    assert!(app.picking());
    press(&mut app, KeyCode::Char('w'));
    let path = saved(&app);
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    assert!(name.starts_with("ftpviz-serve-"), "{name}");
    let title = rows(&app, 200, 30).remove(0);
    assert!(
        title.contains(&format!("saved {}", path.display())),
        "{title}"
    );
    let listed = app
        .picker
        .as_ref()
        .map(|p| p.trace().clone())
        .unwrap_or_default();
    assert_eq!(
        Story::of(&replayed(&path).events),
        Story::of(&listed.events)
    );
    let capture = read_capture(&path);
    assert!(
        capture.flows.values().any(|f| *f == fetched),
        "the real bytes"
    );
    serving.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

/// `w` of a lab inside TLS writes what crossed: the TLS bytes (no line
/// after the 234, no file's bytes in clear) and the keys, so that tshark
/// decrypts it as it does a `--record`ed run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn w_saves_a_lab_inside_tls_as_its_tls_bytes_with_the_keys() {
    let dir = common::temp_dir("tui-save-tls");
    let tls = LabConfig {
        tls: true,
        ..config(Mode::Passive)
    };
    let mut app = lab_app(vec![tls], &dir).await;
    press(&mut app, KeyCode::End);
    pump(&mut app, App::is_over).await;
    press(&mut app, KeyCode::Char('w'));
    let path = saved(&app);
    let bytes = std::fs::read(&path).expect("the capture");
    let count = |needle: &[u8]| bytes.windows(needle.len()).filter(|w| *w == needle).count();
    assert_eq!(count(b"AUTH TLS"), 1, "said in clear");
    assert_eq!(count(b"USER anonymous"), 0, "said inside TLS");
    assert_eq!(count(&built_in(DOWNLOAD_NAME)), 0, "sent inside TLS");
    assert!(count(b"KSLT") >= 1 && count(b"SERVER_TRAFFIC_SECRET_0") >= 1);
    let Some(tshark) = common::peer("tshark") else {
        return;
    };
    let port = app.panes[0]
        .player
        .trace()
        .events
        .iter()
        .find_map(|e| match e.kind {
            Kind::Connect { dst, .. } if e.conn == 0 => Some(dst.port()),
            _ => None,
        })
        .expect("a control dial");
    let out = std::process::Command::new(tshark)
        .arg("-r")
        .arg(&path)
        .args(["-d", &format!("tcp.port=={port},ftp"), "-Y", "ftp.request"])
        .args(["-T", "fields", "-e", "ftp.request.command"])
        .output()
        .expect("tshark runs");
    let said = String::from_utf8_lossy(&out.stdout);
    let verbs: Vec<&str> = said.lines().collect();
    for verb in [
        "AUTH", "PBSZ", "PROT", "USER", "PASS", "LIST", "RETR", "QUIT",
    ] {
        assert!(verbs.contains(&verb), "{verb} decrypted: {verbs:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
