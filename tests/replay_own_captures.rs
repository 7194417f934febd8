//! The captures this repository records itself (`captures/make.sh`) replay
//! with exactly what tshark read in them (`captures/MANIFEST.txt`, written
//! by the same script from tshark's output): every TCP conversation appears
//! as a dial from its initiator, and the FTP dialogue has the same commands
//! and reply codes in the same order. Nothing here is typed in by hand, so
//! the test still holds when the captures are recorded afresh.

mod common;

use ftpviz::replay::read_file;
use ftpviz::trace::Kind;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;

/// What tshark says about one capture.
#[derive(Default, Debug)]
struct Facts {
    /// (initiator, responder) of every TCP conversation.
    conversations: Vec<(SocketAddr, SocketAddr)>,
    commands: Vec<String>,
    codes: Vec<u16>,
}

fn manifest() -> BTreeMap<String, Facts> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures");
    let text = std::fs::read_to_string(dir.join("MANIFEST.txt")).expect("captures/MANIFEST.txt");
    let mut all = BTreeMap::new();
    let mut current: Option<(String, Facts)> = None;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("== ") {
            all.extend(current.take());
            current = Some((name.to_string(), Facts::default()));
            continue;
        }
        let Some((_, facts)) = current.as_mut() else {
            continue;
        };
        if line.contains("<->") {
            let words: Vec<&str> = line.split_whitespace().collect();
            facts
                .conversations
                .push((words[0].parse().unwrap(), words[2].parse().unwrap()));
        } else if line.len() >= 3 && line.as_bytes()[..3].iter().all(u8::is_ascii_digit) {
            facts.codes.push(line[..3].parse().unwrap());
        } else if !line.trim().is_empty() {
            facts.commands.push(line.trim().to_string());
        }
    }
    all.extend(current);
    all
}

#[test]
fn every_own_capture_replays_as_tshark_reads_it() {
    let facts = manifest();
    assert!(
        facts.len() >= 4,
        "MANIFEST.txt lists {} captures",
        facts.len()
    );
    for (name, want) in facts {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("captures")
            .join(&name);
        let replay = read_file(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let trace = replay.trace;
        let dials: Vec<(SocketAddr, SocketAddr)> = trace
            .events
            .iter()
            .filter_map(|e| match e.kind {
                Kind::Connect { src, dst, .. } => Some((src, dst)),
                _ => None,
            })
            .collect();
        let mut want_dials = want.conversations.clone();
        let mut got_dials = dials.clone();
        want_dials.sort();
        got_dials.sort();
        assert_eq!(got_dials, want_dials, "{name}: dials");
        let commands: Vec<String> = trace
            .events
            .iter()
            .filter_map(|e| match &e.kind {
                Kind::Command { text, .. } => Some(text.trim().to_string()),
                _ => None,
            })
            .collect();
        let codes: Vec<u16> = common::reply_codes(&trace.events);
        // tshark 4.0 follows TLS after AUTH TLS only: after curl's AUTH SSL
        // and its 234 it reads no more lines, where replay, with the keys
        // the capture carries, reads on (tests/replay_ftps.rs).
        if want.commands.last().is_some_and(|c| c == "AUTH SSL") && want.codes.last() == Some(&234)
        {
            assert!(commands.starts_with(&want.commands), "{name}: {commands:?}");
            assert!(codes.starts_with(&want.codes), "{name}: {codes:?}");
            continue;
        }
        assert_eq!(commands, want.commands, "{name}: commands");
        assert_eq!(codes, want.codes, "{name}: reply codes");
    }
}
