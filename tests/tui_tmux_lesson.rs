//! The guided lesson end to end, as a teacher would run it: `ftpviz
//! lesson` in an 80×24 terminal, every scene's card read, every run played
//! to its first teaching moment (where it pauses by itself), then to its
//! end, its closing card (the rule) read, `n` to the next — all eight
//! scenes, every run — and `q`, `y`.
//!
//! And the lesson file refused with its line and field before anything
//! starts.

mod common;
#[path = "support/tmux.rs"]
mod tmux;

use ftpviz::classroom::Lesson;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;
use tmux::{start_sized, ONE_AT_A_TIME};

/// A run played to its end: its blocked dials each wait out their
/// (shortened) SYN timeout; generous for a busy machine.
const RUN: Duration = Duration::from_secs(90);

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ftpviz"))
}

/// Text without white space or box borders: a wrapped sentence matches.
fn squeezed(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !"┃│".contains(*c))
        .collect()
}

#[test]
fn a_teacher_runs_the_whole_lesson_at_80x24() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if common::peer("tmux").is_none() {
        return;
    }
    let lesson = Lesson::builtin();
    let t = start_sized(&bin(), "lesson --port 0", "", (80, 24));
    let scenes = lesson.scenes.len();
    for (n, scene) in (1..).zip(&lesson.scenes) {
        for (r, run) in (1..).zip(&scene.runs) {
            let card = format!("scene {n}/{scenes}");
            let s = t.wait(&format!("the card of {card}"), |s| {
                s.contains(&format!("┏ {card}")) && !s.contains("starting the run")
            });
            let all = squeezed(&s);
            assert!(all.contains(&squeezed(&scene.title)), "{s}");
            let first = scene.notes.split("\n\n").next().unwrap_or("");
            assert!(all.contains(&squeezed(first)), "the notes: {s}");
            if let Some(caption) = &run.caption {
                assert!(all.contains(&squeezed(caption)), "run {r}: {s}");
            }
            // The title bar always says where the lesson is.
            assert!(s.lines().next().is_some_and(|l| l.contains(&card)), "{s}");

            // Put the card away and play: it pauses by itself at the first
            // teaching moment (the control connection's SYN).
            t.keys(&["Right"]);
            t.wait("the card put away", |s| !s.contains(&format!("┏ {card}")));
            t.keys(&["Space"]);
            t.wait("an auto-pause at the first SYN", |s| {
                s.lines().next().is_some_and(|l| l.contains("at SYN"))
            });

            // End runs the rest; the run closes on its summaries and card.
            t.keys(&["End"]);
            let s = t.wait_up_to(RUN, "the run's closing card", |s| s.contains("┏ this run"));
            assert!(s.contains("In short:"), "the summaries: {s}");
            if let Some(rule) = &scene.takeaway {
                let start: String = rule.chars().take(24).collect();
                assert!(squeezed(&s).contains(&squeezed(&start)), "the rule: {s}");
            }
            let last = n == scenes && r == scene.runs.len();
            if !last {
                t.keys(&["n"]);
            }
        }
    }
    let s = t.wait("the end", |s| s.contains("the end of the lesson"));
    assert!(s.contains(&format!("scene {scenes}/{scenes}")), "{s}");
    // In a lesson q asks first (issue 16 §2); y leaves.
    t.keys(&["q"]);
    t.wait("the question", |s| s.contains("Quit the lesson?"));
    t.keys(&["y"]);
    assert_eq!(t.wait_exit(), "0");
}

/// `ftpviz lesson --print --file NAME` on a lesson file holding `text`.
fn lesson_print(name: &str, text: &str) -> std::process::Output {
    let dir = common::temp_dir(&format!("lesson-{name}"));
    let file = dir.join(name);
    std::fs::write(&file, text).expect("written");
    let out = Command::new(bin())
        .args(["lesson", "--print", "--port", "0", "--file"])
        .arg(&file)
        .output()
        .expect("ftpviz runs");
    let _ = std::fs::remove_dir_all(&dir);
    out
}

#[test]
fn a_broken_lesson_file_is_refused_with_its_line_and_nothing_starts() {
    let out = lesson_print(
        "my.toml",
        "title = \"mine\"\n\n[[scene]]\ntitle = \"one\"\nfirewall = \"clint\"\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing started");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains("my.toml:5: `firewall`: "), "{err}");
    assert!(err.contains("clint"), "{err}");
}

#[test]
fn a_lesson_file_of_ones_own_runs_headless() {
    let out = lesson_print(
        "bounce.toml",
        "title = \"t\"\n[[scene]]\ntitle = \"Only the bounce\"\nmode = \"active\"\n\
         script = \"bounce\"\nnotes = \"Watch for 504.\"\n",
    );
    assert!(out.status.success(), "{out:?}");
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("== Scene 1/1: Only the bounce"), "{s}");
    assert!(s.contains("Watch for 504."), "{s}");
    assert_eq!(s.matches("reply 504").count(), 2, "{s}");
    assert!(!s.contains("1/1 data"), "no data connection: {s}");
}
