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

/// `ftpviz lesson --print --file PATH`.
fn lesson_print_path(path: &std::path::Path) -> std::process::Output {
    Command::new(bin())
        .args(["lesson", "--print", "--port", "0", "--file"])
        .arg(path)
        .output()
        .expect("ftpviz runs")
}

/// Issue 16 §7: lesson files that cannot be read, each said once, with
/// where and what to do; nothing starts.
#[test]
fn a_lesson_file_that_cannot_be_read_is_said_once_with_where() {
    let dir = common::temp_dir("lesson-unreadable");
    let refused = |out: std::process::Output| -> String {
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        assert!(out.stdout.is_empty(), "nothing started");
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        err
    };
    // A directory: the OS's words once, not twice.
    let err = refused(lesson_print_path(&dir));
    assert_eq!(err.matches("Is a directory").count(), 1, "{err}");
    // A byte that is not UTF-8, on line 3.
    let latin1 = dir.join("latin1.toml");
    std::fs::write(&latin1, b"title = \"t\"\n[[scene]]\ntitle = \"caf\xe9\"\n").expect("written");
    let err = refused(lesson_print_path(&latin1));
    assert!(
        err.contains("latin1.toml:3: byte 0xE9 is not UTF-8"),
        "{err}"
    );
    // 10 MB: refused with the limit named.
    let big = dir.join("big.toml");
    std::fs::write(&big, "# padding\n".repeat(1_000_000)).expect("written");
    let err = refused(lesson_print_path(&big));
    assert!(err.contains("1048576 bytes"), "{err}");
    // `[scene]` for `[[scene]]`: the field and the fix.
    let one = dir.join("one.toml");
    std::fs::write(&one, "title = \"t\"\n[scene]\ntitle = \"a\"\n").expect("written");
    let err = refused(lesson_print_path(&one));
    assert!(
        err.contains("one.toml:2: `scene`: ") && err.contains("write [[scene]]"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 16 §7: the printed lesson has what the screen has — a compare
/// run's sessions named active and passive, and each scene's rule.
#[test]
fn the_printed_lesson_names_its_sessions_and_each_scenes_rule() {
    for explain in [false, true] {
        let dir = common::temp_dir(&format!("lesson-rule-{explain}"));
        let file = dir.join("fw.toml");
        std::fs::write(
            &file,
            "title = \"t\"\n[[scene]]\ntitle = \"Client firewall\"\nfirewall = \"client\"\n\
             takeaway = \"Active breaks behind a client firewall.\"\n",
        )
        .expect("written");
        let mut cmd = Command::new(bin());
        cmd.args(["lesson", "--print", "--port", "0", "--file"])
            .arg(&file);
        if explain {
            cmd.arg("--explain");
        }
        let out = cmd.output().expect("ftpviz runs");
        let _ = std::fs::remove_dir_all(&dir);
        assert!(out.status.success(), "{out:?}");
        let s = String::from_utf8_lossy(&out.stdout);
        let active = s.find("# session 1: active").expect("session 1 named");
        let passive = s.find("# session 2: passive").expect("session 2 named");
        let rule = s
            .find("Rule: Active breaks behind a client firewall.")
            .expect("the rule");
        assert!(active < passive && passive < rule, "{s}");
    }
}

/// `lesson --json` carries each scene's rule too: the event format has one
/// place for words, the note, so the scene's last event holds it — after
/// every event a question could be about — and a replay of the saved trace
/// says it.
#[test]
fn the_lesson_as_json_carries_each_scenes_rule_on_its_last_event() {
    let dir = common::temp_dir("lesson-rule-json");
    let file = dir.join("two.toml");
    std::fs::write(
        &file,
        "title = \"t\"\n[[scene]]\ntitle = \"Client firewall\"\nfirewall = \"client\"\n\
         takeaway = \"Active breaks behind a client firewall.\"\n\
         [[scene]]\ntitle = \"Plain\"\nmode = \"passive\"\n\
         takeaway = \"Passive: the client dials.\"\n",
    )
    .expect("written");
    let out = Command::new(bin())
        .args(["lesson", "--json", "--port", "0", "--file"])
        .arg(&file)
        .output()
        .expect("ftpviz runs");
    assert!(out.status.success(), "{out:?}");
    let events: Vec<ftpviz::trace::Event> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one event a line"))
        .collect();
    let ruled: Vec<(usize, &str)> = events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| Some((i, e.note.as_deref()?)))
        .filter(|(_, n)| n.contains("Rule: "))
        .collect();
    assert_eq!(ruled.len(), 2, "{ruled:?}");
    // Scene 1 (sessions 1 and 2, compare) ends with its rule; scene 2's
    // rule is on the very last event.
    let (first, said) = ruled[0];
    assert!(said.ends_with("Rule: Active breaks behind a client firewall."));
    assert!(events[..=first].iter().all(|e| e.session <= 2));
    assert!(events[first + 1..].iter().all(|e| e.session == 3));
    assert_eq!(ruled[1].0, events.len() - 1);
    assert!(ruled[1].1.ends_with("Rule: Passive: the client dials."));
    // Saved and replayed, the rule is said.
    let saved = dir.join("lesson.jsonl");
    std::fs::write(&saved, &out.stdout).expect("saved");
    let replay = Command::new(bin())
        .args(["replay", "--print"])
        .arg(&saved)
        .output()
        .expect("ftpviz runs");
    let _ = std::fs::remove_dir_all(&dir);
    let printed = String::from_utf8_lossy(&replay.stdout);
    assert!(
        printed.contains("Rule: Passive: the client dials."),
        "{printed}"
    );
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
