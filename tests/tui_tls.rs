//! The wire under TLS on screen (issue 18 §1): a real `lab --tls` run,
//! drawn with ratatui's TestBackend at 80×24 and 120×40 at the step of the
//! `PASS` — the line a middlebox would most like to read — with committed
//! snapshots.
//!
//! On each screen the row of the `PASS` shows what crossed the wire (`▒
//! TLS …`, the record's type and length, read from the run's own note:
//! `tls::Sealed`) and the password as the lab decrypted it (`🔓`), and the
//! narration's detail says both. The lab's ports are ephemeral and
//! renumbered for the snapshots (`support/ports.rs`).
//!
//! A replayed FTPS capture that carries its keys is drawn the same way:
//! its notes name the records too, read from the capture's bytes.

#[path = "support/screen.rs"]
mod screen;
use screen::{lines, render, text};

mod lab_facts;
#[path = "support/ports.rs"]
mod ports;
use ports::Ports;

use ftpviz::lab::{LabConfig, Mode};
use ftpviz::tls::{Holder, RecordType, Sealed};
use ftpviz::trace::{Kind, Trace};
use ftpviz::tui::app::labs::mode_title;
use ftpviz::tui::app::pane::Origin;
use ftpviz::tui::app::{App, Pane};
use ftpviz::tui::widgets::sequence::DECRYPTED;
use ftpviz::tui::widgets::style::Theme;

/// A real `lab --tls` run to its end, renumbered.
async fn run(mode: Mode) -> (LabConfig, Trace) {
    let config = LabConfig {
        mode,
        tls: true,
        control_port: 0,
        ..LabConfig::default()
    };
    let events = lab_facts::run_lab(config.clone()).await;
    let trace = Ports::of(&events).trace(&events);
    (config, trace)
}

/// The index of the first command with `verb`.
fn command(trace: &Trace, verb: &str) -> usize {
    trace
        .events
        .iter()
        .position(|e| matches!(&e.kind, Kind::Command { verb: v, .. } if v == verb))
        .expect("the command")
}

/// The row of the current step (marked `▸`).
fn current_row(rows: &[String]) -> &str {
    rows.iter()
        .find(|r| r.starts_with('▸'))
        .expect("the current row")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_password_is_drawn_as_the_wire_saw_it_and_as_the_lab_read_it() {
    let (config, trace) = run(Mode::Passive).await;
    let at = command(&trace, "PASS");
    let pass = &trace.events[at];
    let sealed = Sealed::read(pass.note.as_deref().unwrap_or_default()).expect("its records");
    assert_eq!(sealed.by, Holder::Lab);
    let [record] = sealed.records.0.as_slice() else {
        panic!("one record: {sealed:?}")
    };
    assert_eq!(record.kind, RecordType::ApplicationData);
    let Kind::Command { text: said, .. } = &pass.kind else {
        unreachable!()
    };
    let pane = Pane::fixed(mode_title(&config), trace.clone()).with_origin(Origin::Lab);
    let mut app = App::new("lab", vec![pane]);
    app.theme = Theme::mono();
    app.panes[0].player.seek(at + 1);
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let buf = render(&app, w, h);
        let rows = lines(&buf);
        let row = current_row(&rows);
        let wire = format!("▒ TLS application data · {} B", record.length);
        assert!(row.contains(&wire), "{w}×{h}: the wire: {row}");
        // (The lock is two cells wide: the buffer holds a blank behind it.)
        let (wire_at, lab_at) = (row.find('▒'), row.find(DECRYPTED));
        let (Some(wire_at), Some(lab_at)) = (wire_at, lab_at) else {
            panic!("{w}×{h}: the wire and the lab's reading: {row}")
        };
        assert!(
            row[lab_at..].contains(said.as_str()),
            "{w}×{h}: the line as the lab read it: {row}"
        );
        assert!(
            wire_at < lab_at,
            "sent at the client's end, read at the server's"
        );
        let screen = text(&buf);
        assert!(
            screen.contains("decrypted by the lab"),
            "{w}×{h}: the narration says who read it:\n{screen}"
        );
        insta::assert_snapshot!(format!("tls_pass_{w}x{h}"), screen);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_is_read_at_the_clients_end_and_the_clear_lines_stay_as_they_were() {
    let (config, trace) = run(Mode::Active).await;
    let pane = Pane::fixed(mode_title(&config), trace.clone()).with_origin(Origin::Lab);
    let mut app = App::new("lab", vec![pane]);
    app.theme = Theme::mono();
    // The 331 after USER: sealed, sent by the server (right to left).
    let at = command(&trace, "USER") + 1;
    app.panes[0].player.seek(at + 1);
    let rows = lines(&render(&app, 80, 24));
    let row = current_row(&rows);
    let (wire_at, lab_at) = (row.find('▒'), row.find(DECRYPTED));
    assert!(
        matches!((wire_at, lab_at), (Some(w), Some(l)) if l < w),
        "the reply read at the client's end (left), the wire at the server's: {row}"
    );
    // The 234 went out in clear: no records, no lock.
    let clear = command(&trace, "AUTH") + 1;
    app.panes[0].player.seek(clear + 1);
    let rows = lines(&render(&app, 80, 24));
    let row = current_row(&rows);
    assert!(row.contains("234 Proceed"), "{row}");
    assert!(!row.contains('▒') && !row.contains(DECRYPTED), "{row}");
}

/// The compare view at 80×24, its narrowest: every line inside TLS still
/// shows both the wire and the first word of what the lab read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_compare_view_at_80x24_keeps_both_the_wire_and_the_words() {
    let (active, a) = run(Mode::Active).await;
    let (passive, p) = run(Mode::Passive).await;
    let at = command(&a, "PASS");
    assert_eq!(at, command(&p, "PASS"), "the same lesson up to PASS");
    let panes = vec![
        Pane::fixed(mode_title(&active), a.clone()).with_origin(Origin::Lab),
        Pane::fixed(mode_title(&passive), p).with_origin(Origin::Lab),
    ];
    let mut app = App::new("lab", panes);
    app.theme = Theme::mono();
    for pane in &mut app.panes {
        pane.player.seek(at + 1);
    }
    let rows = lines(&render(&app, 80, 24));
    let firsts: Vec<String> = (a.events[..=at].iter())
        .filter(|e| ftpviz::tls::Sealed::read(e.note.as_deref().unwrap_or_default()).is_some())
        .filter_map(|e| match &e.kind {
            Kind::Command { verb, .. } => Some(verb.clone()),
            Kind::Reply { code, .. } => Some(code.to_string()),
            _ => None,
        })
        .collect();
    let sealed: Vec<&String> = rows.iter().filter(|r| r.contains('▒')).collect();
    assert_eq!(sealed.len(), firsts.len(), "{rows:#?}");
    for (row, first) in sealed.iter().zip(&firsts) {
        for half in row.split('┃') {
            let lab = half.find(DECRYPTED).map(|i| &half[i..]);
            assert!(
                lab.is_some_and(|l| l.contains(first.as_str())),
                "{first} read by the lab in {half}"
            );
        }
    }
}

/// A replayed FTPS capture with its keys (the committed curl one, passive)
/// at its `PASS`, 80×24: the wire as the capture's record header gave it,
/// the password as replay decrypted it.
#[test]
fn a_replayed_ftps_capture_is_drawn_with_its_wire_too() {
    let name = "ftps_pasv_curl_ftpviz.pcapng";
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("captures")
        .join(name);
    let replay = ftpviz::replay::read_file(&file).expect("the committed capture");
    assert!(replay.warnings.is_empty(), "{:?}", replay.warnings);
    let trace = replay.trace;
    let at = command(&trace, "PASS");
    let note = trace.events[at].note.as_deref().unwrap_or_default();
    let sealed = Sealed::read(note).expect("its records");
    assert_eq!(sealed.by, Holder::Capture);
    let [record] = sealed.records.0.as_slice() else {
        panic!("one record: {sealed:?}")
    };
    let mut app = App::new(
        format!("replay {name}"),
        vec![Pane::fixed("session 1", trace)],
    );
    app.theme = Theme::mono();
    app.panes[0].player.seek(at + 1);
    let buf = render(&app, 80, 24);
    let rows = lines(&buf);
    let row = current_row(&rows);
    let wire = format!("▒ TLS application data · {} B", record.length);
    assert!(row.contains(&wire), "the wire: {row}");
    let (Some(wire_at), Some(read_at)) = (row.find('▒'), row.find(DECRYPTED)) else {
        panic!("the wire and the decrypted line: {row}")
    };
    assert!(
        wire_at < read_at && row[read_at..].contains("PASS x"),
        "{row}"
    );
    let screen = text(&buf);
    assert!(!screen.contains("decrypted by the lab"), "{screen}");
    insta::assert_snapshot!("tls_replayed_pass_80x24", screen);
}
