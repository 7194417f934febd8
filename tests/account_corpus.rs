//! The corpus: every claim the teaching layer makes about a trace, held to
//! the account of the whole trace.
//!
//! For every capture (the repo's `captures/` and `../shared/captures` with
//! its `public/` and `public2/`), every lab scenario (mode × PORT/EPSV
//! family × IPv4/IPv6 × firewall × NAT, and the bounce lesson) and every
//! run of the default lesson:
//!
//! - every event is narrated twice — knowing the whole trace (a capture, a
//!   finished run) and knowing only what came before it (a live run) — and
//!   every claim each narration lists is checked against the account of the
//!   *whole* trace, so a sentence that predicted wrongly fails here;
//! - every announcement raises a quiz question, or the worksheet says why
//!   not; the answer the quiz reveals while the trace is still growing is
//!   the answer of the whole trace (nothing graded too early);
//! - every row of the summary agrees with the trace's own events: a row for
//!   every dial in it, with its dialler, ends and bytes; a row for a dial
//!   the capture missed only where the replies prove one;
//! - the worksheet's answer key (`--answers`) says what the account says.

use ftpviz::account::{Account, Evidence, Who};
use ftpviz::classroom::quiz::{no_question, Question};
use ftpviz::classroom::worksheet::Worksheet;
use ftpviz::classroom::{self, Labs, Lesson as Course, Step};
use ftpviz::narration::summary::summary_of;
use ftpviz::narration::{narrate_at, Between, Context, Ours};
use ftpviz::trace::{Event, Kind};
use std::path::{Path, PathBuf};
use std::time::Duration;

mod common;
#[path = "support/scenarios.rs"]
mod scenarios;

/// Far above what a lesson takes: only catches a hung lab.
const GUARD: Duration = Duration::from_secs(180);

/// Everything wrong with what is said about `events`.
fn problems(name: &str, events: &[Event], between: Option<Between>, ours: Ours) -> Vec<String> {
    let whole = Account::of(events, true);
    let mut out = Vec::new();
    let mut say = |what: String| out.push(format!("{name}: {what}"));
    let mut live = Account::new(false);
    // Announcements whose live answer is not settled yet.
    let mut open: Vec<usize> = Vec::new();
    for (i, e) in events.iter().enumerate() {
        live.push(e);
        let known = Context {
            events,
            account: &whole,
            between,
            ours,
        };
        let so_far = Context {
            events: &events[..=i],
            account: &live,
            between,
            ours,
        };
        for (when, ctx) in [("known", &known), ("live", &so_far)] {
            let n = narrate_at(ctx, i);
            for claim in &n.claims {
                if let Err(truth) = claim.check(&whole, events) {
                    say(format!(
                        "event {i} ({}), {when}: \"{}\" claims {claim:?}, but {truth}",
                        describe(e),
                        n.headline
                    ));
                }
            }
        }
        if whole.announcement_at(i).is_some() {
            if Question::at(&whole, i).is_none() && no_question(&whole, i).is_none() {
                say(format!(
                    "event {i}: an announcement with no question and no reason"
                ));
            }
            open.push(i);
        }
        open.retain(|&at| match live.answer(at) {
            None => true,
            Some(early) => {
                let end = whole.answer(at).expect("a finished trace answers");
                if (early.who, early.from, early.to) != (end.who, end.from, end.to) {
                    say(format!(
                        "announcement {at}: the quiz would reveal {} at event {i}, the whole \
                         trace says {}",
                        early.words, end.words
                    ));
                }
                false
            }
        });
    }
    out.extend(summary_problems(name, events, &whole));
    out.extend(worksheet_problems(name, events, &whole));
    out
}

/// The summary against the trace's own events.
fn summary_problems(name: &str, events: &[Event], whole: &Account) -> Vec<String> {
    let mut out = Vec::new();
    let summary = summary_of(whole);
    for e in events {
        let Kind::Connect { src, dst, .. } = e.kind else {
            continue;
        };
        if e.conn == 0 {
            continue;
        }
        let rows: Vec<_> = summary
            .dials
            .iter()
            .filter(|d| d.session == e.session && d.conn == Some(e.conn))
            .collect();
        match rows.as_slice() {
            [d] => {
                let bytes = ftpviz::trace::data_bytes(events, e.session, e.conn);
                if d.dialler != e.from || d.ends != Some((src, dst)) || d.bytes != bytes {
                    out.push(format!("{name}: summary row {d:?} against its dial {e:?}"));
                }
            }
            rows => out.push(format!(
                "{name}: {} summary rows for data #{} of session {}",
                rows.len(),
                e.conn,
                e.session
            )),
        }
    }
    for d in summary.dials.iter().filter(|d| d.conn.is_none()) {
        if d.evidence != "inferred" {
            out.push(format!(
                "{name}: a row with no dial that is not inferred: {d:?}"
            ));
        }
    }
    out
}

/// The worksheet's answer key against the account.
fn worksheet_problems(name: &str, events: &[Event], whole: &Account) -> Vec<String> {
    let mut sheet = Worksheet::new(true);
    let mut asked = Vec::new();
    for (i, e) in events.iter().enumerate() {
        if sheet
            .event(e)
            .iter()
            .any(|l| l.starts_with('Q') && !l.starts_with("Q-"))
        {
            asked.push(i);
        }
    }
    let key = sheet.end();
    let mut out = Vec::new();
    if key.len() != asked.len() {
        out.push(format!(
            "{name}: {} questions, {} answers",
            asked.len(),
            key.len()
        ));
    }
    for (line, at) in key.iter().zip(asked) {
        let a = whole.answer(at).expect("answered");
        let port = |p: Option<u16>| p.map_or("?".to_string(), |p| p.to_string());
        let (from, to) = match a.who {
            Who::Nobody | Who::Unknown => ("?".to_string(), "?".to_string()),
            _ => (port(a.from), port(a.to)),
        };
        let head = format!(
            "dialler={} from={from} to={to} evidence={} — ",
            a.who.as_str(),
            a.evidence.name()
        );
        if !line.contains(&head) {
            out.push(format!("{name}: answer `{line}`, the account: `{head}`"));
        }
        if let (Evidence::Inferred { from, .. }, true) = (&a.evidence, a.who == Who::Unknown) {
            out.push(format!("{name}: inferred from {from:?} but unknown who"));
        }
    }
    out
}

fn describe(e: &Event) -> String {
    match &e.kind {
        Kind::Command { text, .. } => format!("command {text}"),
        Kind::Reply { code, .. } => format!("reply {code}"),
        k => format!("{} on {}/{}", k.name(), e.session, e.conn),
    }
}

/// Every capture: the repo's own and the shared ones.
fn captures() -> Vec<PathBuf> {
    let mut dirs = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("captures")];
    if let Some(shared) = common::captures_dir() {
        dirs.push(shared.join("public"));
        dirs.push(shared.join("public2"));
        dirs.push(shared);
    }
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| is_capture(p))
        .collect();
    files.sort();
    files
}

fn is_capture(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    [".pcap", ".pcapng", ".pcap.gz", ".pcapng.gz"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

#[test]
fn every_claim_about_every_capture_holds() {
    let files = captures();
    assert!(files.len() >= 5, "only {} captures found", files.len());
    let mut failures = Vec::new();
    let mut events = 0;
    for file in &files {
        let replay = match ftpviz::replay::read_file(file) {
            Ok(r) => r,
            Err(e) => panic!("{}: {e}", file.display()),
        };
        let name = file.display().to_string();
        events += replay.trace.events.len();
        failures.extend(problems(&name, &replay.trace.events, None, Ours::NONE));
    }
    println!("{} captures checked, {events} events", files.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_claim_about_every_lab_scenario_holds() {
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut labs = scenarios::every_lab_and_bounce();
    labs.extend(scenarios::ftps_labs());
    for (cfg, result) in scenarios::run_all(labs, GUARD).await {
        let name = scenarios::name(&cfg);
        match result {
            Ok(events) => {
                checked += 1;
                failures.extend(problems(&name, &events, Some(cfg.between()), Ours::LAB));
            }
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    println!("{checked} lab scenarios checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_claim_about_every_run_of_the_lesson_holds() {
    let lesson = Course::builtin();
    let mut runs: Vec<(String, Option<Between>, Vec<Event>)> = Vec::new();
    let mut between = None;
    let mut title = String::new();
    let labs = Labs {
        port: Some(0),
        payloads: false,
    };
    tokio::time::timeout(
        GUARD * 4,
        classroom::play(&lesson, labs, |step| -> Result<(), ftpviz::lab::LabError> {
            match step {
                Step::Scene(n, scene) => title = format!("scene {n} ({})", scene.title),
                Step::Run(r, run) => {
                    between = run
                        .configs(Some(0))
                        .first()
                        .map(ftpviz::lab::LabConfig::between);
                    title = format!("{title}, run {r}");
                }
                Step::RunEnd(_, events) => runs.push((title.clone(), between, events)),
                Step::Event(..) | Step::Wire(_) => {}
            }
            Ok(())
        }),
    )
    .await
    .expect("the lesson ends")
    .expect("the lesson runs");
    assert!(runs.len() >= 8, "only {} runs", runs.len());
    let mut failures = Vec::new();
    for (name, between, events) in &runs {
        failures.extend(problems(name, events, *between, Ours::LAB));
    }
    println!("{} lesson runs checked", runs.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
