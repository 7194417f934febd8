//! `--html FILE` (issue 18 §2): the handout is valid HTML (read by a real
//! HTML5 parser, html5ever through scraper, that reports every parse
//! error), stands alone (no script, nothing fetched), shows every dial of
//! the run with both its ports as text in its row of the diagram, escapes
//! whatever a hostile peer sent, and for a lesson holds every scene, its
//! notes and takeaway, the worksheet and the answers on their own page.

mod common;
#[path = "support/demo_client.rs"]
mod demo_client;
#[path = "support/handout.rs"]
mod handout;
#[path = "support/serve_bin.rs"]
mod serve_bin;

use ftpviz::account::Account;
use ftpviz::trace::{read_json_lines, Event, Kind};
use scraper::{ElementRef, Html, Selector};
use std::path::Path;

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("a selector")
}

/// The page at `path`, parsed; a parse error fails the test.
fn parse(path: &Path) -> (String, Html) {
    let text = std::fs::read_to_string(path).expect("the page is written, in UTF-8");
    let html = Html::parse_document(&text);
    assert!(
        html.errors.is_empty(),
        "the page is not valid HTML: {:?}",
        html.errors
    );
    (text, html)
}

fn text_of(e: ElementRef) -> String {
    e.text().collect::<Vec<_>>().join(" ")
}

/// Nothing in the page runs or is fetched: no script, no external
/// reference of any kind.
fn assert_self_contained(text: &str, html: &Html) {
    for tag in [
        "script", "link", "img", "iframe", "object", "embed", "image", "use",
    ] {
        assert_eq!(html.select(&sel(tag)).count(), 0, "a <{tag}> in the page");
    }
    for e in html.select(&sel("[href], [src]")) {
        for (name, value) in e.value().attrs() {
            if name == "href" || name == "src" || name.ends_with("href") {
                assert!(
                    value.starts_with('#'),
                    "{name}={value} points outside the page"
                );
            }
        }
    }
    for e in html
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
    {
        for (name, _) in e.value().attrs() {
            assert!(!name.starts_with("on"), "an event handler {name}");
        }
    }
    let style: String = html.select(&sel("style")).map(text_of).collect();
    assert!(
        !style.contains("url(") && !style.contains("@import"),
        "the style fetches"
    );
    assert!(text.contains("Content-Security-Policy"));
}

/// Every dial of `events` is a row of the diagram with its two ports as
/// text, the dialler's first; a dial that failed has its `✗`.
fn assert_every_dial(html: &Html, events: &[Event]) {
    let account = Account::of(events, true);
    let rows: Vec<ElementRef> = html.select(&sel("table.ladder tbody tr")).collect();
    assert_eq!(rows.len(), events.len(), "one row an event");
    let port = sel("svg text.port");
    let cross = sel("svg text.x");
    for (e, row) in events.iter().zip(&rows) {
        let Kind::Connect { src, dst, .. } = e.kind else {
            continue;
        };
        let ports: Vec<String> = row.select(&port).map(text_of).collect();
        let want = [src.port().to_string(), dst.port().to_string()];
        let mut sorted = ports.clone();
        sorted.sort();
        let mut want_sorted = want.to_vec();
        want_sorted.sort();
        assert_eq!(sorted, want_sorted, "the ports of {e:?}");
        let label = row
            .select(&sel("svg"))
            .next()
            .and_then(|s| s.value().attr("aria-label"))
            .unwrap_or_default()
            .to_string();
        assert!(
            label.contains(&format!("from port {} to port {}", want[0], want[1])),
            "{label}"
        );
        let failed = e.conn > 0
            && account
                .session(e.session)
                .and_then(|s| s.data_conn(e.conn))
                .is_some_and(|d| d.failed.is_some());
        assert_eq!(
            row.select(&cross).count(),
            usize::from(failed),
            "✗ of {e:?}"
        );
    }
}

#[test]
fn a_lab_page_is_valid_self_contained_and_has_every_dial_with_its_ports() {
    let dir = common::temp_dir("handout-lab");
    let (page, events) = handout::lab_page(&dir);
    let (text, html) = parse(&page);
    assert_self_contained(&text, &html);
    assert_every_dial(&html, &events.events);
    // The client firewall: active's dials die at the wall, which is drawn.
    assert!(html.select(&sel("svg text.x")).count() >= 1);
    assert!(html.select(&sel("svg line.wall")).count() > events.events.len());
    // Every row's SVG is an image with words; the summary and rule follow.
    for svg in html.select(&sel("table.ladder svg")) {
        assert_eq!(svg.value().attr("role"), Some("img"));
        assert!(!svg
            .value()
            .attr("aria-label")
            .unwrap_or_default()
            .is_empty());
    }
    let rules: Vec<String> = html.select(&sel(".summary .rule")).map(text_of).collect();
    assert_eq!(rules.len(), 1, "one run, one summary");
    assert!(rules[0].contains("client firewall"), "{rules:?}");
    assert!(html.select(&sel("#answers table.key tbody tr")).count() >= 2);
}

#[test]
fn a_hostile_trace_is_escaped_not_run() {
    let dir = common::temp_dir("handout-hostile");
    let trace = dir.join("hostile.json");
    let hostile = "<script>alert('x')</script> & \"q\" \u{0}\u{1b}[31m </td></table><img src=x onerror=alert(1)>";
    let lines = [
        r#"{"t":0.0,"session":1,"conn":0,"channel":"control","from":"client","kind":"connect","src":"127.0.0.2:40000","dst":"127.0.0.3:21"}"#.to_string(),
        r#"{"t":0.001,"session":1,"conn":0,"channel":"control","from":"server","kind":"accept"}"#.to_string(),
        serde_json::json!({"t":0.002,"session":1,"conn":0,"channel":"control","from":"server","kind":"reply","code":220,"text":format!("220 {hostile}\n220 more {hostile}")}).to_string(),
        serde_json::json!({"t":0.003,"session":1,"conn":0,"channel":"control","from":"client","kind":"command","text":format!("USER {hostile}"),"verb":"USER"}).to_string(),
        serde_json::json!({"t":0.004,"session":1,"conn":0,"channel":"control","from":"server","kind":"reply","code":530,"text":format!("530 {hostile}"),"note":hostile}).to_string(),
    ];
    std::fs::write(&trace, lines.join("\n") + "\n").unwrap();
    let page = dir.join("hostile.html");
    let (code, _, stderr) = common::ftpviz(&[
        "replay",
        trace.to_str().unwrap(),
        "--html",
        page.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let (text, html) = parse(&page);
    assert_self_contained(&text, &html);
    assert!(
        !text.contains('\0') && !text.contains('\u{1b}'),
        "a control character got in"
    );
    // The hostile words are there, as text.
    let all = text_of(html.root_element());
    assert!(all.contains("<script>alert('x')</script> & \"q\""), "{all}");
    assert!(all.contains("<img src=x onerror=alert(1)>"));
    // The table is still the table: five events, five rows.
    assert_eq!(html.select(&sel("table.ladder tbody tr")).count(), 5);
}

const LESSON: &str = r#"
title = "A short lesson <for the handout> & its test"

[[scene]]
title = "Active, plainly"
mode = "active"
notes = "First paragraph of the notes.\n\nSecond paragraph."
takeaway = "The server dials in active mode."

[[scene]]
title = "Client firewall"
firewall = "client"
takeaway = "A client firewall drops the server's dial."
[[scene.run]]
caption = "passive gets through"
mode = "passive"
[[scene.run]]
caption = "with the helper"
mode = "active"
firewall = "stateful"
"#;

#[test]
fn a_lesson_page_has_every_scene_its_runs_and_the_answers_last() {
    let dir = common::temp_dir("handout-lesson");
    let file = dir.join("short.toml");
    std::fs::write(&file, LESSON).unwrap();
    let page = dir.join("lesson.html");
    let (code, _, stderr) = common::ftpviz(&[
        "lesson",
        "--file",
        file.to_str().unwrap(),
        "--port",
        "0",
        "--html",
        page.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let (text, html) = parse(&page);
    assert_self_contained(&text, &html);
    let title: String = html.select(&sel("h1")).map(text_of).collect();
    assert_eq!(title, "A short lesson <for the handout> & its test");
    let scenes: Vec<String> = html.select(&sel("section.part h2")).map(text_of).collect();
    assert_eq!(scenes.len(), 2, "{scenes:?}");
    assert!(scenes[0].contains("Scene 1/2") && scenes[0].contains("Active, plainly"));
    assert!(scenes[1].contains("Scene 2/2") && scenes[1].contains("Client firewall"));
    let notes: Vec<String> = html.select(&sel("p.notes")).map(text_of).collect();
    assert_eq!(
        notes,
        ["First paragraph of the notes.", "Second paragraph."]
    );
    let takeaways: Vec<String> = html.select(&sel(".takeaway")).map(text_of).collect();
    assert_eq!(takeaways.len(), 2);
    assert!(takeaways[1].contains("A client firewall drops the server's dial."));
    let runs: Vec<String> = html.select(&sel("section.run h3")).map(text_of).collect();
    assert_eq!(
        runs,
        ["Run 1: passive gets through", "Run 2: with the helper"]
    );
    assert_eq!(html.select(&sel(".summary")).count(), 3, "a summary a run");
    // The worksheet's questions, and as many answers, on the last page.
    let questions = html.select(&sel("#worksheet li.q")).count();
    let answers = html.select(&sel("#answers table.key tbody tr")).count();
    assert!(questions >= 3, "{questions}");
    assert_eq!(questions, answers);
    let last = html
        .select(&sel("main > section"))
        .next_back()
        .expect("sections");
    assert_eq!(last.value().attr("id"), Some("answers"));
    assert!(text.contains(".answers { break-before: page; }"));
}

#[test]
fn a_handout_that_cannot_be_written_is_one_line_and_exit_1() {
    let (code, stdout, stderr) = common::ftpviz(&[
        "replay",
        "no-such-file.json",
        "--html",
        "/nonexistent-dir/page.html",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("/nonexistent-dir/page.html"), "{stderr}");
    // A run that fails leaves no empty page behind.
    let dir = common::temp_dir("handout-failed-run");
    let page = dir.join("page.html");
    let (code, _, stderr) = common::ftpviz(&[
        "replay",
        dir.join("no-such-capture.pcap").to_str().unwrap(),
        "--html",
        page.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(!page.exists(), "an empty page was left behind");
    // A page that fails at its end (a full disk) says so too.
    if Path::new("/dev/full").exists() {
        let dir = common::temp_dir("handout-full");
        let trace = dir.join("t.json");
        std::fs::write(
            &trace,
            r#"{"t":0.0,"session":1,"conn":0,"channel":"control","from":"client","kind":"connect","src":"127.0.0.2:40000","dst":"127.0.0.3:21"}
"#,
        )
        .unwrap();
        let (code, _, stderr) =
            common::ftpviz(&["replay", trace.to_str().unwrap(), "--html", "/dev/full"]);
        assert_eq!(code, 1, "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("/dev/full"), "{stderr}");
    }
}

#[test]
fn every_shared_capture_makes_a_valid_page_with_every_dial() {
    let Some(dir) = common::captures_dir() else {
        return;
    };
    let out = common::temp_dir("handout-captures");
    let mut files = Vec::new();
    for sub in [dir.clone(), dir.join("public"), dir.join("public2")] {
        let Ok(entries) = std::fs::read_dir(&sub) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = path.to_string_lossy();
            if name.ends_with(".pcap") || name.ends_with(".pcapng") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    for file in &files {
        let page = out.join("page.html");
        let (code, stdout, stderr) = common::ftpviz(&[
            "replay",
            file.to_str().unwrap(),
            "--json",
            "--html",
            page.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{}: {stderr}", file.display());
        let events = read_json_lines(stdout.as_bytes()).expect("the --json trace");
        let (text, html) = parse(&page);
        assert_self_contained(&text, &html);
        // Rows come session by session; so do these events.
        let mut events = events.events;
        events.sort_by_key(|e| e.session);
        assert_every_dial(&html, &events);
    }
}

#[test]
fn serve_writes_its_page_when_it_stops() {
    let dir = common::temp_dir("handout-serve");
    let page = dir.join("serve.html");
    let served = serve_bin::serve(None, &["--html", page.to_str().unwrap()]);
    for mode in [suppaftp::Mode::Passive, suppaftp::Mode::Active] {
        let mut ftp = demo_client::demo(served.addr, mode);
        ftp.retr_as_buffer("hello.txt").expect("RETR hello.txt");
        ftp.quit().expect("QUIT");
    }
    // The sessions are over when the trace says so; then SIGTERM.
    let mut events = served.stop().events;
    let (text, html) = parse(&page);
    assert_self_contained(&text, &html);
    // Rows come session by session (a session's last FIN may come after
    // the next one's first SYN).
    events.sort_by_key(|e| e.session);
    assert_every_dial(&html, &events);
    assert_eq!(
        html.select(&sel("table.ladder")).count(),
        2,
        "a ladder a session"
    );
}
