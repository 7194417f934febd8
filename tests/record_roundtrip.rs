//! `lab --record`, then `replay` of what it wrote: the capture must tell
//! the same story as the run's own `--json` — the same sessions, the same
//! dials (who, from → to, via), the same failed dials, the same commands
//! and reply codes, the same byte counts — for every way of opening a data
//! connection and for each middlebox (issue 10 §4).
//!
//! Each case runs the real binary twice, as a user would. Blocked dials
//! wait the lab's shortened timeout, so the cases run a few at a time.

mod common;
mod record_facts;

use ftpviz::middlebox::{Firewall, Nat};
use ftpviz::narration::{narrate_between, Between};
use ftpviz::trace::{FailReason, Kind};
use record_facts::{read_capture, record_lab, replay, Story};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// (name, lab arguments)
const CASES: &[(&str, &[&str])] = &[
    ("active", &["--mode", "active"]),
    ("passive", &["--mode", "passive"]),
    ("eprt", &["--mode", "active", "--extended"]),
    ("epsv", &["--mode", "passive", "--extended"]),
    ("ipv6-eprt", &["--mode", "active", "--extended", "--ipv6"]),
    ("ipv6-epsv", &["--mode", "passive", "--extended", "--ipv6"]),
    ("compare", &["--mode", "compare"]),
    (
        "fw-client-active",
        &["--mode", "active", "--firewall", "client"],
    ),
    (
        "fw-client-passive",
        &["--mode", "passive", "--firewall", "client"],
    ),
    (
        "fw-server-passive",
        &["--mode", "passive", "--firewall", "server"],
    ),
    (
        "fw-server-active",
        &["--mode", "active", "--firewall", "server"],
    ),
    (
        "fw-stateful-active",
        &["--mode", "active", "--firewall", "stateful"],
    ),
    (
        "fw-stateful-passive",
        &["--mode", "passive", "--firewall", "stateful"],
    ),
    (
        "nat-client-active",
        &["--mode", "active", "--nat", "client"],
    ),
    (
        "nat-client-passive",
        &["--mode", "passive", "--nat", "client"],
    ),
    (
        "nat-client-helper",
        &[
            "--mode",
            "active",
            "--nat",
            "client",
            "--firewall",
            "stateful",
        ],
    ),
    ("nat-server-pasv", &["--mode", "passive", "--nat", "server"]),
    (
        "nat-server-epsv",
        &["--mode", "passive", "--nat", "server", "--extended"],
    ),
    (
        "nat-server-helper",
        &[
            "--mode",
            "passive",
            "--nat",
            "server",
            "--firewall",
            "stateful",
        ],
    ),
    (
        "nat-server-active",
        &["--mode", "active", "--nat", "server"],
    ),
];

/// The middlebox a case's arguments put between the peers.
fn between(args: &[&str]) -> Between {
    let value = |flag: &str| {
        let at = args.iter().position(|a| *a == flag)?;
        args.get(at + 1).copied()
    };
    let firewall = match value("--firewall") {
        Some("client") => Firewall::Client,
        Some("server") => Firewall::Server,
        Some("stateful") => Firewall::Stateful,
        _ => Firewall::None,
    };
    let nat = match value("--nat") {
        Some("client") => Nat::Client,
        Some("server") => Nat::Server,
        _ => Nat::None,
    };
    Between {
        firewall,
        nat,
        forward_data: args.contains(&"--forward-data"),
        trust_pasv: args.contains(&"--trust-pasv"),
        pasv_address: args.contains(&"--pasv-address"),
    }
}

/// The RST bit of a TCP header's flags.
const RST: u8 = 0x04;

/// Runs one case; `Err` says what differs.
fn round_trip(name: &str, args: &[&str], dir: &std::path::Path) -> Result<(), String> {
    let file = dir.join(format!("{name}.pcapng"));
    let run = record_lab(args, &file)?;
    let back = replay(&file)?;
    let (want, got) = (Story::of(&run), Story::of(&back));
    if want != got {
        return Err(format!(
            "the replay differs:\n run:    {want:?}\n replay: {got:?}"
        ));
    }
    if want.dials.is_empty() || want.replies.is_empty() {
        return Err(format!("the run itself shows nothing: {want:?}"));
    }
    // Every dial's SYN carries its narration, and a failed dial's last SYN
    // the narration of its failure: the words the screen says for that
    // event, knowing the lab's middlebox.
    let capture = read_capture(&file);
    let comment = |n: usize| {
        capture
            .comments
            .iter()
            .find(|c| c.0 == n)
            .map(|c| c.2.as_str())
    };
    for (i, e) in run.iter().enumerate() {
        // A refused dial (a NAT's RST, issue 20) has one SYN, which carries
        // the dial's narration; its failure's is on the RST.
        if let Kind::Fail {
            reason: FailReason::Refused | FailReason::Reset,
            ..
        } = e.kind
        {
            let said = narrate_between(&run[..=i], Some(between(args)));
            let want_text = format!("{} {}", said.headline, said.body);
            let on_rst = capture
                .comments
                .iter()
                .any(|c| c.1 & RST != 0 && c.2.starts_with(&want_text));
            if !on_rst {
                return Err(format!("no RST carries the narration {want_text:?}"));
            }
            continue;
        }
        let (first, dial) = match &e.kind {
            Kind::Connect { src, dst, .. } => (true, (*src, *dst)),
            Kind::Fail { .. } => {
                let Some(d) = want
                    .dials
                    .iter()
                    .find(|d| (d.0, d.1) == (e.session, e.conn))
                else {
                    return Err(format!("a failure without its dial: {e:?}"));
                };
                (false, (d.3, d.4))
            }
            _ => continue,
        };
        let mut syns = capture.syns.iter().filter(|(_, s, d)| (*s, *d) == dial);
        let syn = if first { syns.next() } else { syns.next_back() };
        let Some((n, _, _)) = syn else {
            return Err(format!("no SYN {} → {} in the capture", dial.0, dial.1));
        };
        let said = narrate_between(&run[..=i], Some(between(args)));
        let want_text = format!("{} {}", said.headline, said.body);
        match comment(*n) {
            Some(text) if text.starts_with(&want_text) => {}
            other => {
                return Err(format!(
                    "packet {n} ({} → {}): comment {other:?}, want the narration {want_text:?}",
                    dial.0, dial.1
                ))
            }
        }
    }
    Ok(())
}

#[test]
fn replaying_a_recorded_lab_tells_the_same_story() {
    let dir = common::temp_dir("roundtrip");
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    // Blocked cases mostly wait on timers: six at a time.
    std::thread::scope(|scope| {
        for _ in 0..6 {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some((name, args)) = CASES.get(i) else {
                    break;
                };
                if args.contains(&"--ipv6") && std::net::TcpListener::bind("[::1]:0").is_err() {
                    println!("skipped {name}: no ::1 here");
                    continue;
                }
                if let Err(why) = round_trip(name, args, &dir) {
                    failures.lock().unwrap().push(format!("{name}: {why}"));
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    let _ = std::fs::remove_dir_all(&dir);
}
