//! The handout in a real browser (issue 18 §2): Debian's Chromium, headless,
//! opens a lab run's page. It renders with no console message at all (the
//! page has no script; a message would be an error or a blocked fetch),
//! its DOM holds every dial's ports as text, and a screenshot is kept as a
//! test artefact: `target/handout-artifacts/lab.png` (look at it).
//!
//! The check for console messages is first shown to catch one, on a page
//! made to fail.

mod common;
#[path = "support/handout.rs"]
mod handout;

use ftpviz::trace::Kind;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Chromium headless, with a fresh profile and nothing fetched in the
/// background; its stdout, and its stderr with logging on.
fn chromium(browser: &Path, profile: &Path, args: &[&str], page: &Path) -> (bool, String, String) {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The console's messages in Chromium's log (`…:CONSOLE:…] "message"`), and
/// uncaught errors.
fn console_messages(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .collect()
}

fn browser() -> Option<PathBuf> {
    ["chromium", "chromium-browser"]
        .iter()
        .find_map(|name| {
            let paths = std::env::var_os("PATH")?;
            std::env::split_paths(&paths)
                .map(|d| d.join(name))
                .find(|p| p.is_file())
        })
        .or_else(|| {
            common::skip("chromium is not installed (apt-get install chromium)");
            None
        })
}

fn artefacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/handout-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn chromium_renders_the_lab_handout_with_every_dial_and_no_console_message() {
    let Some(browser) = browser() else {
        return;
    };
    let dir = common::temp_dir("handout-browser");

    // The check can fail: a page with a script error is caught.
    let bad = dir.join("bad.html");
    std::fs::write(
        &bad,
        "<!DOCTYPE html><html lang=\"en\"><head><title>bad</title></head><body>\
         <script>no_such_function();</script></body></html>",
    )
    .unwrap();
    let (_, _, stderr) = chromium(&browser, &dir.join("profile-bad"), &["--dump-dom"], &bad);
    assert!(
        !console_messages(&stderr).is_empty(),
        "the console check misses a script error: {stderr}"
    );

    let (page, trace) = handout::lab_page(&dir);

    let (ok, dom, stderr) = chromium(&browser, &dir.join("profile-dom"), &["--dump-dom"], &page);
    assert!(ok, "chromium failed: {stderr}");
    assert_eq!(console_messages(&stderr), Vec::<&str>::new(), "{stderr}");
    let parsed = scraper::Html::parse_document(&dom);
    let ports = scraper::Selector::parse("table.ladder tbody tr svg text.port").unwrap();
    let shown: Vec<String> = parsed
        .select(&ports)
        .map(|t| t.text().collect::<String>())
        .collect();
    let dials: Vec<(u16, u16)> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            Kind::Connect { src, dst, .. } => Some((src.port(), dst.port())),
            _ => None,
        })
        .collect();
    assert!(dials.len() >= 4, "{dials:?}");
    assert_eq!(shown.len(), 2 * dials.len(), "two ports a dial: {shown:?}");
    for (src, dst) in &dials {
        assert!(shown.contains(&src.to_string()) && shown.contains(&dst.to_string()));
    }
    assert!(dom.contains("SYN data#1 PORT"), "the dial's label is text");

    let png = artefacts().join("lab.png");
    let _ = std::fs::remove_file(&png);
    let shot = format!("--screenshot={}", png.display());
    let (ok, _, stderr) = chromium(
        &browser,
        &dir.join("profile-shot"),
        &[&shot, "--window-size=1000,2400", "--hide-scrollbars"],
        &page,
    );
    assert!(ok, "chromium failed: {stderr}");
    assert_eq!(console_messages(&stderr), Vec::<&str>::new(), "{stderr}");
    let bytes = std::fs::read(&png).expect("the screenshot is written");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    // A blank page compresses to a few kilobytes; a drawn one does not.
    assert!(
        bytes.len() > 50_000,
        "{} bytes: nothing drawn?",
        bytes.len()
    );
    std::fs::copy(&page, artefacts().join("lab.html")).unwrap();
}
