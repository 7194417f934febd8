//! One word for one outcome (issue 16 §4): a dial that failed is named the
//! same way by every reader of the run — the summary row, the timeline's
//! failure label, the fail step's headline and the account's answer. A SYN
//! to a private address behind a NAT is "no route" everywhere (the SYN
//! step already says "No route leads to 10.0.0.3"), never "blocked" in one
//! place and "unroutable" in another.

#[path = "support/scenarios.rs"]
mod scenarios;

use ftpviz::account::{failure_words, Account};
use ftpviz::lab::{LabConfig, Mode};
use ftpviz::middlebox::firewall::Firewall;
use ftpviz::middlebox::Nat;
use ftpviz::narration::label::fail_label;
use ftpviz::narration::narrate_between;
use ftpviz::narration::summary::summary_of;
use ftpviz::trace::{Blocker, FailReason, Kind};
use std::time::Duration;

/// The outcome's key word, as every reader must say it.
fn key(reason: FailReason, by: Option<Blocker>) -> &'static str {
    match (reason, by) {
        (FailReason::Blocked | FailReason::Timeout, Some(Blocker::Nat)) => "no route",
        (FailReason::Blocked, Some(_)) => "block",
        (FailReason::Refused, _) => "refuse",
        (FailReason::Timeout, _) => "time",
        (FailReason::Reset, _) => "reset",
        (FailReason::Blocked, None) => "block",
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reader_names_a_failed_dial_with_the_same_word() {
    // The table, and a naive client (`--trust-pasv`) facing a server's
    // NAT: it dials the private address a 227 names.
    let mut labs = scenarios::every_lab();
    for firewall in [Firewall::None, Firewall::Stateful] {
        labs.push(LabConfig {
            trust_pasv: true,
            ..scenarios::lab(Mode::Passive, false, false, firewall, Nat::Server)
        });
    }
    let runs = scenarios::run_all(labs, Duration::from_secs(120)).await;
    let mut checked = 0;
    let mut no_route = 0;
    for (cfg, events) in runs {
        let name = scenarios::name(&cfg);
        let events = events.unwrap_or_else(|e| panic!("{name}: {e}"));
        let account = Account::of(&events, true);
        let summary = summary_of(&account);
        for (i, e) in events.iter().enumerate() {
            let Kind::Fail { reason, by } = e.kind else {
                continue;
            };
            if e.conn == 0 {
                continue;
            }
            let words = failure_words(reason, by);
            let k = key(reason, by);
            assert!(words.contains(k), "{name}: \"{words}\" lacks \"{k}\"");
            // The summary row of that connection.
            let row = summary
                .dials
                .iter()
                .find(|d| d.session == e.session && d.conn == Some(e.conn))
                .map(|d| d.headline(summary.sessions))
                .unwrap_or_else(|| panic!("{name}: no summary row for data #{}", e.conn));
            assert!(row.ends_with(&format!("✗ {words}")), "{name}: {row}");
            // The timeline's label for the failure.
            let label = fail_label(&format!("data#{}", e.conn), reason, by);
            assert!(
                label.to_lowercase().contains(k),
                "{name}: label \"{label}\""
            );
            // The fail step's own headline.
            let said = narrate_between(&events[..=i], Some(cfg.between()));
            let headline = said.headline.to_lowercase();
            let same = headline.contains(k) || (k == "block" && headline.contains("drops"));
            assert!(same, "{name}: headline \"{}\" for {words}", said.headline);
            if k == "no route" {
                no_route += 1;
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 10,
        "only {checked} failed dials in the lab matrix"
    );
    assert!(no_route >= 1, "no NAT 'no route' dial in the lab matrix");
    println!("{checked} failed dials ({no_route} with no route): one word each, everywhere");
}
