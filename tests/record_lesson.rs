//! `lesson --record`: a whole lesson — every run of every scene — saved as
//! one capture, and `replay` of it telling the same story as the lesson's
//! own `--json`: the same sessions, dials, failed dials, commands, reply
//! codes and byte counts; the files' real bytes in the data connections;
//! each dial's SYN narrated for its own run's middlebox (issue 10 §4).
//!
//! A short lesson of three scenes keeps it quick: a plain active run, a
//! client firewall side by side (active's dials blocked, passive's through),
//! and EPSV through a server NAT that forwards its data ports.

mod common;
mod record_facts;

use ftpviz::classroom::Lesson;
use ftpviz::narration::{narrate_between, Between};
use ftpviz::trace::{Event, Kind};
use record_facts::{read_capture, record_lesson, replay, Story};

const LESSON: &str = r#"
title = "A short lesson to record"

[[scene]]
title = "Active"
mode = "active"

[[scene]]
title = "Client firewall"
mode = "compare"
firewall = "client"

[[scene]]
title = "EPSV through a server NAT"
mode = "passive"
nat = "server"
forward_data = true
extended = true
"#;

/// The middlebox of each session of the lesson, in order: one per pane of
/// each run, as `lesson --json` numbers them.
fn middleboxes(lesson: &Lesson) -> Vec<Between> {
    let runs = lesson.scenes.iter().flat_map(|s| &s.runs);
    let configs = runs.flat_map(|r| r.configs(Some(0)));
    configs.map(|c| c.between()).collect()
}

fn built_in(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/files");
    std::fs::read(path.join(name)).expect("a built-in file")
}

#[test]
fn a_recorded_lesson_replays_as_the_lesson_ran() {
    let lesson = Lesson::parse(LESSON, "the test's lesson").expect("the lesson parses");
    let dir = common::temp_dir("record-lesson");
    let lesson_file = dir.join("short.toml");
    std::fs::write(&lesson_file, LESSON).unwrap();
    let file = dir.join("lesson.pcapng");

    let run = record_lesson(&lesson_file, &file).expect("the lesson runs and records");
    let back = replay(&file).expect("replay reads the capture");
    let (want, got) = (Story::of(&run), Story::of(&back));
    assert_eq!(got, want, "the replay tells the lesson's story");
    let boxes = middleboxes(&lesson);
    assert_eq!(
        want.sessions.len(),
        boxes.len(),
        "one session per pane of each run"
    );
    assert!(
        !want.failed.is_empty(),
        "the client firewall blocked active's dials"
    );

    let capture = read_capture(&file);
    // The data connections carry the file's real bytes, never stand-ins:
    // hello.txt, fetched in every run whose data connections open (three).
    let hello = built_in(ftpviz::lab::lesson::DOWNLOAD_NAME);
    let carried = capture.flows.values().filter(|f| **f == hello).count();
    assert_eq!(carried, 3, "hello.txt's bytes, once per working run");
    assert!(
        !capture
            .comments
            .iter()
            .any(|c| c.2.contains("did not keep")),
        "every byte was kept"
    );

    // Every dial's first SYN carries the narration the screen shows for
    // it, knowing that run's middlebox.
    let comment = |n: usize| capture.comments.iter().find(|c| c.0 == n).map(|c| &c.2);
    for (i, e) in run.iter().enumerate() {
        let Kind::Connect { src, dst, .. } = e.kind else {
            continue;
        };
        let between = boxes[e.session as usize - 1];
        let said = narrate_between(&run[..=i], Some(between));
        let want_text = format!("{} {}", said.headline, said.body);
        let syn = capture.syns.iter().find(|(_, s, d)| (*s, *d) == (src, dst));
        let (n, _, _) = syn.unwrap_or_else(|| panic!("no SYN {src} → {dst}"));
        let got = comment(*n).unwrap_or_else(|| panic!("SYN {src} → {dst}: no comment"));
        assert!(got.starts_with(&want_text), "{got:?}\nwant {want_text:?}");
    }
    // The firewall run's words name the firewall that is really there.
    let blocked = run.iter().find(|e| matches!(e.kind, Kind::Fail { .. }));
    let blocked: &Event = blocked.expect("a blocked dial");
    assert_eq!(
        boxes[blocked.session as usize - 1].firewall,
        ftpviz::middlebox::Firewall::Client
    );
    let _ = std::fs::remove_dir_all(&dir);
}
