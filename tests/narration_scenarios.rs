//! Every event of every lab scenario, narrated, held to the rules of
//! `narration`: the headline is one sentence that fits one line of a
//! compare pane at 80 columns, no narration says a sentence twice or
//! restates its headline, every RFC it cites is in the citation table, and
//! every sentence it presents as an RFC's own words is in that RFC.
//!
//! The scenarios: mode (active, passive) × firewall (none, client, server,
//! stateful) × NAT (none, client, server) × PORT/PASV or EPRT/EPSV, over
//! IPv4 and IPv6, and the bounce lesson — real labs on loopback, all at
//! once on port 0 (a blocked run mostly waits on its timer). Each event is
//! narrated twice: knowing the middlebox (as the lab's screens and
//! `--explain` do) and not knowing it (as for a capture). The shared
//! captures are narrated too.

use ftpviz::account::Account;
use ftpviz::narration::{narrate, narrate_at, narrate_between, Between, Context, Narration, Ours};
use ftpviz::trace::{Event, Kind};
use std::time::Duration;

mod common;
#[path = "support/prose.rs"]
mod prose;
#[path = "support/scenarios.rs"]
mod scenarios;

/// Far above what a lesson takes: only catches a hung lab.
const GUARD: Duration = Duration::from_secs(120);

/// The problems of every narration of `events`, each named by its event.
fn check_all(name: &str, events: &[Event], between: Option<Between>) -> Vec<String> {
    let mut out = Vec::new();
    // Knowing the whole trace, as a replay or a finished run is told.
    let whole = Account::of(events, true);
    let known = Context {
        events,
        account: &whole,
        between,
        ours: if between.is_some() {
            Ours::LAB
        } else {
            Ours::NONE
        },
    };
    for i in 0..events.len() {
        let shown = &events[..=i];
        let mut ns: Vec<Narration> = vec![narrate(shown), narrate_at(&known, i)];
        if between.is_some() {
            ns.push(narrate_between(shown, between));
        }
        for n in ns {
            for p in prose::problems(&n) {
                out.push(format!("{name}, event {i} ({}): {p}", kind(&events[i])));
            }
        }
    }
    out
}

fn kind(e: &Event) -> String {
    match &e.kind {
        Kind::Command { text, .. } => format!("command {text}"),
        Kind::Reply { code, .. } => format!("reply {code}"),
        k => format!("{} on {}/{}", k.name(), e.session, e.conn),
    }
}

/// Every `"…" (RFC N §S)` of every narration, against the RFC's text.
fn check_quotes(events: &[Event], between: Option<Between>, seen: &mut Vec<(String, String)>) {
    for i in 0..events.len() {
        let n = narrate_between(&events[..=i], between);
        for q in prose::quotes(&format!("{} {}", n.headline, n.body)) {
            if !seen.contains(&q) {
                seen.push(q);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_of_every_lab_scenario_is_narrated_by_the_rules() {
    let mut failures = Vec::new();
    let mut quoted = Vec::new();
    let mut scenarios = 0;
    for (cfg, result) in scenarios::run_all(scenarios::every_lab_and_bounce(), GUARD).await {
        let name = scenarios::name(&cfg);
        let events = match result {
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
            Ok(events) => events,
        };
        assert!(events.len() > 10, "{name}: only {} events", events.len());
        scenarios += 1;
        let between = Some(cfg.between());
        failures.extend(check_all(&name, &events, between));
        check_quotes(&events, between, &mut quoted);
    }
    println!("{scenarios} scenarios narrated");
    failures.extend(quotes_in_rfcs(&quoted));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What is wrong with words presented as an RFC's own.
fn quotes_in_rfcs(quoted: &[(String, String)]) -> Vec<String> {
    let Some(dir) = common::rfc_dir() else {
        return Vec::new();
    };
    let table = ftpviz::narration::cite::TABLE;
    quoted
        .iter()
        .filter_map(|(words, cite)| {
            let Some((_, c)) = table.iter().find(|(_, c)| c.to_string() == *cite) else {
                return Some(format!("{cite} is not in the table"));
            };
            let text = prose::rfc_text(&dir, c.rfc)?;
            match prose::section(&text, c) {
                Ok(s) if s.contains(&prose::squash(words)) => None,
                Ok(_) => Some(format!("{cite} does not say {words:?}")),
                Err(e) => Some(e),
            }
        })
        .collect()
}

#[test]
fn every_event_of_every_shared_capture_is_narrated_by_the_rules() {
    let Some(dir) = common::captures_dir() else {
        return;
    };
    let mut files = Vec::new();
    for sub in [dir.clone(), dir.join("public"), dir.join("public2")] {
        let Ok(entries) = std::fs::read_dir(&sub) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = p.to_string_lossy().to_string();
            if name.ends_with(".pcap") || name.ends_with(".pcapng") {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 10, "the shared captures: {files:?}");
    let mut failures = Vec::new();
    let mut quoted = Vec::new();
    let mut narrated = 0;
    for path in &files {
        let Ok(replay) = ftpviz::replay::read_file(path) else {
            continue;
        };
        let events = replay.trace.events;
        narrated += events.len();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        failures.extend(check_all(&name, &events, None));
        check_quotes(&events, None, &mut quoted);
    }
    assert!(narrated > 500, "{narrated} events narrated");
    failures.extend(quotes_in_rfcs(&quoted));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

mod any_trace {
    //! Whatever a capture holds — any verb, any text, any numbers — the
    //! narration never panics, and its headline is one line that fits.

    use ftpviz::narration::{columns, narrate, HEADLINE_COLUMNS};
    use ftpviz::trace::{Blocker, Event, FailReason, Kind, Side, Via};
    use proptest::prelude::*;
    use std::net::SocketAddr;

    fn addr() -> impl Strategy<Value = SocketAddr> {
        prop_oneof![
            (any::<[u8; 4]>(), any::<u16>()).prop_map(|(ip, p)| SocketAddr::from((ip, p))),
            (any::<[u16; 8]>(), any::<u16>()).prop_map(|(ip, p)| SocketAddr::from((ip, p))),
        ]
    }

    fn kind() -> impl Strategy<Value = Kind> {
        let via = prop_oneof![
            Just(None),
            Just(Some(Via::Port)),
            Just(Some(Via::Eprt)),
            Just(Some(Via::Pasv)),
            Just(Some(Via::Epsv)),
            Just(Some(Via::Default)),
        ];
        let reason = prop_oneof![
            Just(FailReason::Refused),
            Just(FailReason::Blocked),
            Just(FailReason::Timeout),
            Just(FailReason::Reset),
        ];
        let by = prop_oneof![
            Just(None),
            Just(Some(Blocker::ClientFirewall)),
            Just(Some(Blocker::ServerFirewall)),
            Just(Some(Blocker::Nat)),
        ];
        let verb = prop_oneof![
            Just("PORT".to_string()),
            Just("EPRT".to_string()),
            Just("PASV".to_string()),
            Just("EPSV".to_string()),
            Just("LIST".to_string()),
            Just("RETR".to_string()),
            Just("STOR".to_string()),
            Just("SIZE".to_string()),
            Just("AUTH".to_string()),
            Just("TYPE".to_string()),
            "[A-Za-z]{1,8}",
        ];
        prop_oneof![
            (addr(), addr(), via).prop_map(|(src, dst, via)| Kind::Connect { src, dst, via }),
            Just(Kind::Accept),
            (reason, by).prop_map(|(reason, by)| Kind::Fail { reason, by }),
            (verb, "(\\PC|\u{1b}|\u{7}){0,60}").prop_map(|(v, arg)| Kind::Command {
                text: format!("{v} {arg}"),
                verb: v.to_uppercase(),
            }),
            (0u16..1000, "(\\PC|\u{1b}){0,60}(\n\\PC{0,40}){0,3}").prop_map(|(code, text)| {
                Kind::Reply {
                    code,
                    text: format!("{code} {text}"),
                }
            }),
            any::<u64>().prop_map(|bytes| Kind::Data { bytes }),
            Just(Kind::Close),
        ]
    }

    fn event() -> impl Strategy<Value = Event> {
        (
            1u32..3,
            prop_oneof![0u32..4, Just(u32::MAX)],
            any::<bool>(),
            kind(),
            proptest::option::of("(\\PC|\u{1b}){0,40}"),
        )
            .prop_map(|(session, conn, server, kind, note)| {
                let from = if server { Side::Server } else { Side::Client };
                let mut e = Event::new(0.0, session, conn, from, kind);
                e.note = note;
                e
            })
    }

    proptest! {
        #[test]
        fn any_events_get_a_headline_that_fits(events in proptest::collection::vec(event(), 1..40)) {
            for i in 0..events.len() {
                let n = narrate(&events[..=i]);
                prop_assert!(columns(&n.headline) <= HEADLINE_COLUMNS, "{:?}", n.headline);
                prop_assert!(!n.headline.contains('\n') && !n.headline.is_empty());
                prop_assert!(!n.body.trim().is_empty(), "{:?}", events[i]);
                let escape = '\u{1b}';
                prop_assert!(!n.body.contains(escape) && !n.headline.contains(escape), "{:?}", n);
            }
        }
    }
}
