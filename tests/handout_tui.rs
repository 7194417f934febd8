//! `w` in the TUI saves the handout beside the pcapng (issue 18 §2): the
//! same name, `.html`, a valid page (html5ever reports no parse error)
//! with every dial of the pane's trace and its ports; the title bar says
//! so.

mod common;

use crossterm::event::{KeyCode, KeyEvent};
use ftpviz::trace::Kind;
use ftpviz::tui::app::pane::Pane;
use ftpviz::tui::app::App;
use scraper::{Html, Selector};

#[test]
fn w_writes_the_handout_beside_the_capture() {
    let Some(capture) = common::capture("b_active_port_lftp_vsftpd.pcap") else {
        return;
    };
    let trace = ftpviz::replay::read_file(&capture)
        .expect("the capture reads")
        .trace;
    let dir = common::temp_dir("handout-tui");
    let mut app = App::new("replay", vec![Pane::fixed("replay", trace.clone())]);
    app.saves.dir = dir.clone();
    app.on_key(KeyEvent::from(KeyCode::Char('w')));
    let note = app.note.clone().unwrap_or_default();
    let pcapng = app.saves.last.clone().expect("a capture was saved");
    assert!(note.contains("+ .html handout"), "{note}");
    let page = pcapng.with_extension("html");
    let text = std::fs::read_to_string(&page).expect("the handout is beside the capture");
    let html = Html::parse_document(&text);
    assert!(html.errors.is_empty(), "{:?}", html.errors);
    let rows = Selector::parse("table.ladder tbody tr").unwrap();
    let port = Selector::parse("svg text.port").unwrap();
    let rows: Vec<_> = html.select(&rows).collect();
    assert_eq!(rows.len(), trace.events.len());
    let mut dials = 0;
    for (e, row) in trace.events.iter().zip(&rows) {
        if let Kind::Connect { src, dst, .. } = e.kind {
            let ports: Vec<String> = row.select(&port).map(|t| t.text().collect()).collect();
            assert!(ports.contains(&src.port().to_string()), "{ports:?}");
            assert!(ports.contains(&dst.port().to_string()), "{ports:?}");
            dials += 1;
        }
    }
    assert!(dials >= 2, "{dials}");
    // A second save writes a second pair; none is overwritten.
    app.on_key(KeyEvent::from(KeyCode::Char('w')));
    let second = app.saves.last.clone().expect("saved again");
    assert_ne!(second, pcapng);
    assert!(second.with_extension("html").is_file());
}
