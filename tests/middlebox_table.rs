//! The middlebox on the real lab: every mode × firewall × NAT × extended,
//! real client and server on loopback, judged by what the trace says.
//!
//! The expected table is written by hand from how real networks behave
//! (issue 5, DESIGN "The lab"):
//!
//! - a client firewall breaks active (the server's dial into the client
//!   dies), a server firewall breaks passive (only the control port is
//!   open), a stateful firewall with its FTP helper breaks nothing;
//! - behind a client NAT the client's PORT/EPRT name its private address,
//!   which a server with RFC 2577 bounce protection refuses (504) unless the
//!   helper rewrote the line; passive dials out and works;
//! - behind a server NAT that forwards only the control port, the 227 names
//!   the server's private address; the client (as curl and ftplib) dials the
//!   server's public address at that port, and the router refuses it with an
//!   RST (`refused`, `by: nat`) — EPSV's port just the same; with
//!   `--forward-data` both get through; a client that trusts the 227 dials
//!   nowhere (`blocked`, `by: nat`); the helper rewrites the 227 and its
//!   expectation forwards the port (issue 20, measured on Linux).
//!
//! A blocked active transfer ends in 425 from the server; every lesson ends
//! with QUIT's 221. The time each run takes is measured and printed (the
//! issue wants each under 20 s); only a generous guard is enforced here.

use ftpviz::lab::{Lab, LabConfig, Lesson, Mode};
use ftpviz::middlebox::{Firewall, Nat};
use ftpviz::trace::{Blocker, Channel, Event, FailReason, Kind, Side};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Far above the 20 s a lesson may take: only catches a hung lab.
const GUARD: Duration = Duration::from_secs(90);

mod common;
#[path = "support/scenarios.rs"]
mod scenarios;
use scenarios::table::{self, Outcome};
use scenarios::{ipv6_available, lab_with as config};

/// Runs one lesson to its end and returns its events.
async fn run(config: LabConfig) -> Result<Vec<Event>, String> {
    let mut lab = Lab::start(config).await.map_err(|e| e.to_string())?;
    lab.run_free();
    let mut events = Vec::new();
    let mut said_goodbye = false;
    while let Some(e) = lab.events.recv().await {
        let end = said_goodbye && e.conn == 0 && e.kind == Kind::Close;
        if matches!(e.kind, Kind::Reply { code: 221, .. }) {
            said_goodbye = true;
        }
        events.push(e);
        if end {
            break;
        }
    }
    Ok(events)
}

/// Checks one run's trace against the expected outcome; `Err` says what is
/// wrong, in words.
fn check(events: &[Event], mode: Mode, want: Outcome) -> Result<(), String> {
    let codes = common::reply_codes(events);
    let data = |kind: fn(&Kind) -> bool| {
        events
            .iter()
            .filter(move |e| e.channel == Channel::Data && kind(&e.kind))
    };
    let dials: Vec<&Event> = data(|k| matches!(k, Kind::Connect { .. })).collect();
    let accepts = data(|k| matches!(k, Kind::Accept)).count();
    let fails: Vec<(FailReason, Option<Blocker>)> = data(|k| matches!(k, Kind::Fail { .. }))
        .filter_map(|e| match e.kind {
            Kind::Fail { reason, by } => Some((reason, by)),
            _ => None,
        })
        .collect();
    let dialler = if mode == Mode::Active {
        Side::Server
    } else {
        Side::Client
    };

    let control_dial = events
        .iter()
        .find(|e| matches!(e.kind, Kind::Connect { .. }));
    if control_dial.map(|e| (e.conn, e.from)) != Some((0, Side::Client)) {
        return Err("the first dial is not the client's control dial".into());
    }
    if codes.last() != Some(&221) {
        return Err(format!("the lesson did not end with 221: {codes:?}"));
    }
    if let Some(e) = dials.iter().find(|e| e.from != dialler) {
        return Err(format!("a data dial by the wrong side: {e:?}"));
    }
    match want {
        Outcome::Pass => {
            if dials.is_empty() || accepts != dials.len() || !fails.is_empty() {
                return Err(format!(
                    "want every data dial accepted: {} dials, {accepts} accepted, fails {fails:?}",
                    dials.len()
                ));
            }
            if !codes.contains(&226) || codes.contains(&425) {
                return Err(format!("want 226 and no 425: {codes:?}"));
            }
        }
        Outcome::Drop(by) | Outcome::Reset(by) => {
            let (reason, how) = match want {
                Outcome::Drop(_) => (FailReason::Blocked, "blocked"),
                _ => (FailReason::Refused, "refused (RST)"),
            };
            let all_by = fails.iter().all(|f| *f == (reason, Some(by)));
            if dials.is_empty() || accepts != 0 || fails.len() != dials.len() || !all_by {
                return Err(format!(
                    "want every data dial {how} by {}: {} dials, {accepts} accepted, fails {fails:?}",
                    by.as_str(),
                    dials.len()
                ));
            }
            if codes.contains(&226) {
                return Err(format!(
                    "a transfer completed through a failed dial: {codes:?}"
                ));
            }
            // An active dial that got no answer ends with the server's 425.
            if reason == FailReason::Blocked && mode == Mode::Active && !codes.contains(&425) {
                return Err(format!(
                    "want the server's 425 after its blocked dial: {codes:?}"
                ));
            }
        }
        Outcome::Refused => {
            if !dials.is_empty() {
                return Err(format!("want no data dial after 504, got {}", dials.len()));
            }
            if !codes.contains(&504) || codes.contains(&226) {
                return Err(format!("want 504 to PORT/EPRT and no 226: {codes:?}"));
            }
        }
    }
    Ok(())
}

/// Where the helper must rewrite an address (behind a NAT, with
/// `--firewall stateful`), the trace shows the line before and after and
/// the length change.
fn check_rewrite(events: &[Event], cfg: &LabConfig) -> Result<(), String> {
    let announces = matches!(
        (cfg.nat, cfg.mode, cfg.extended),
        (Nat::Client, Mode::Active, _) | (Nat::Server, Mode::Passive, false)
    );
    if cfg.firewall != Firewall::Stateful || !announces || cfg.pasv_address {
        return Ok(());
    }
    let noted = events.iter().any(|e| {
        let note = e.note.as_deref().unwrap_or_default();
        matches!(e.kind, Kind::Command { .. } | Kind::Reply { .. })
            && note.contains("rewrote")
            && note.contains(" bytes")
    });
    if noted {
        Ok(())
    } else {
        Err("no note shows the helper's rewrite and its length change".into())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mode_firewall_nat_and_extended_combination() {
    let v6 = ipv6_available();
    if !v6 {
        println!("skipped: the IPv6 rows (no ::1 here); the IPv4 rows run");
    }
    let mut cases = Vec::new();
    for (fw, nat, knobs, mode, ext, want) in table::all_cases() {
        cases.push((config(mode, ext, false, fw, nat, knobs), want));
        // EPRT/EPSV over IPv6 must tell the same story.
        if ext && v6 {
            cases.push((config(mode, ext, true, fw, nat, knobs), want));
        }
    }

    // Blocked runs mostly wait on timers; a few at a time keeps the shared
    // machine calm and the whole table short.
    let gate = Arc::new(Semaphore::new(8));
    let mut runs = tokio::task::JoinSet::new();
    for (cfg, want) in cases {
        let gate = gate.clone();
        runs.spawn(async move {
            let _slot = gate.acquire_owned().await;
            let started = Instant::now();
            let result = tokio::time::timeout(GUARD, run(cfg.clone())).await;
            (cfg, want, result, started.elapsed())
        });
    }

    let mut failures = Vec::new();
    let mut times = Vec::new();
    while let Some(joined) = runs.join_next().await {
        let (cfg, want, result, took) = match joined {
            Ok(done) => done,
            Err(e) => {
                failures.push(format!("a run panicked: {e}"));
                continue;
            }
        };
        let name = format!(
            "{:?} ext={} v6={} fw={:?} nat={:?} fwd={} trust={} public={}",
            cfg.mode,
            cfg.extended,
            cfg.ipv6,
            cfg.firewall,
            cfg.nat,
            cfg.forward_data,
            cfg.trust_pasv,
            cfg.pasv_address
        );
        times.push((took, name.clone()));
        let verdict = match result {
            Err(_) => Err(format!("no end within {GUARD:?}")),
            Ok(Err(e)) => Err(format!("lab failed to start: {e}")),
            Ok(Ok(events)) => {
                check(&events, cfg.mode, want).and_then(|()| check_rewrite(&events, &cfg))
            }
        };
        if let Err(why) = verdict {
            failures.push(format!("{name} (want {want:?}): {why}"));
        }
    }

    times.sort();
    for (took, name) in times.iter().rev().take(5) {
        println!("slowest: {:>6.2} s  {name}", took.as_secs_f64());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn bounce_lesson_is_refused_and_never_dialled() {
    let cfg = LabConfig {
        lesson: Lesson::Bounce,
        control_port: 0,
        ..LabConfig::default()
    };
    let events = tokio::time::timeout(GUARD, run(cfg))
        .await
        .expect("the bounce lesson ends")
        .expect("the lab starts");
    let codes = common::reply_codes(&events);
    assert!(codes.contains(&504), "RFC 2577 refusal: {codes:?}");
    assert_eq!(codes.last(), Some(&221), "{codes:?}");
    let data_dials = events
        .iter()
        .filter(|e| e.channel == Channel::Data && matches!(e.kind, Kind::Connect { .. }))
        .count();
    assert_eq!(data_dials, 0, "the server never dials the third host");
}
