//! Keys a teacher can trust (issue 16 §2), tried as the issue found them,
//! in a real terminal: Esc never quits (`ftpviz lesson`, →→→, Esc); `q` in
//! a lesson asks first; at "terminal too small" → does not move the live
//! lab; and `--help` says what every option does.

mod common;
#[path = "support/tmux.rs"]
mod tmux;

use std::path::PathBuf;
use std::process::Command;
use tmux::{start_sized, ONE_AT_A_TIME};

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ftpviz"))
}

#[test]
fn esc_closes_what_is_open_and_q_asks_before_leaving_a_lesson() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if common::peer("tmux").is_none() {
        return;
    }
    let t = start_sized(&bin(), "lesson --port 0", "", (80, 24));
    t.wait("the first card", |s| {
        s.contains("┏ scene 1/9") && !s.contains("starting the run")
    });
    // The keys: →→→ then Esc. The card goes, two steps are shown.
    t.keys(&["Right", "Right", "Right", "Escape"]);
    t.wait("a note that Esc closed nothing", |s| {
        s.contains("nothing to close: q quits")
    });
    assert_eq!(t.exit_status(), None, "Esc quit:\n{}", t.screen());

    // Esc closes the keys overlay (and only that).
    t.keys(&["?"]);
    t.wait("the keys", |s| s.contains("ftpviz: keys"));
    t.keys(&["Escape"]);
    t.wait("the keys closed", |s| !s.contains("ftpviz: keys"));
    assert_eq!(t.exit_status(), None);

    // q asks; any other key stays; q then y quits.
    t.keys(&["q"]);
    t.wait("the question", |s| s.contains("Quit the lesson? y: quit"));
    t.keys(&["Escape"]);
    t.wait("the question gone", |s| !s.contains("Quit the lesson?"));
    assert_eq!(t.exit_status(), None);
    t.keys(&["q"]);
    t.wait("the question again", |s| s.contains("Quit the lesson?"));
    t.keys(&["y"]);
    assert_eq!(t.wait_exit(), "0");
}

#[test]
fn at_terminal_too_small_the_lab_does_not_move() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if common::peer("tmux").is_none() {
        return;
    }
    let t = start_sized(&bin(), "--port 0", "", (60, 15));
    t.wait("too small", |s| s.contains("terminal too small"));
    t.keys(&["Right", "Right", "Right", "Space"]);
    // Esc at "too small" is one more key that must do nothing.
    t.keys(&["Escape"]);
    t.run(&["resize-window", "-t", "e2e", "-x", "80", "-y", "24"]);
    let s = t.wait("the screens at 80×24", |s| {
        s.contains("Nothing has happened yet")
    });
    // Both panes still at 0 events: → did not make the labs act.
    assert_eq!(s.matches(" 0/0").count(), 2, "the labs moved:\n{s}");
    assert!(
        s.lines().next().is_some_and(|l| l.contains("paused")),
        "{s}"
    );
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), "0");
}

/// `ftpviz [CMD] -h`: every option's one-line help has words after it.
#[test]
fn every_option_says_what_it_does() {
    for cmd in [&[][..], &["lab"], &["lesson"], &["replay"], &["serve"]] {
        let out = Command::new(bin())
            .args(cmd)
            .arg("-h")
            .output()
            .expect("ftpviz runs");
        let help = String::from_utf8_lossy(&out.stdout);
        let options: Vec<&str> = help
            .lines()
            .filter(|l| l.trim_start().starts_with('-'))
            .collect();
        assert!(options.len() > 3, "{cmd:?}: {help}");
        for line in options {
            // "  --nat <NAT>   A simulated NAT…": the words after the name.
            let words = line
                .split_whitespace()
                .filter(|w| !w.starts_with(['-', '<']));
            assert!(words.count() >= 2, "{cmd:?}: no description: {line:?}");
        }
    }
    let lab = Command::new(bin())
        .args(["lab", "--help"])
        .output()
        .expect("ftpviz runs");
    let lab = String::from_utf8_lossy(&lab.stdout);
    // The stateful helper is named, and how it goes with --nat.
    assert!(lab.contains("is `stateful`"), "{lab}");
    assert!(lab.contains("--firewall stateful --nat client"), "{lab}");
    for o in ["--forward-data", "--trust-pasv", "--pasv-address"] {
        assert!(lab.contains(o), "{o}: {lab}");
    }
}
