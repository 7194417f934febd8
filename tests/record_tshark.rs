//! tshark, Wireshark's command line, reads what `lab --record` wrote: FTP
//! commands and replies where the run had them, FTP-DATA frames carrying the
//! real bytes, the narration in `frame.comment`, and nothing malformed, no
//! bad checksum, no warning about TCP's bookkeeping (issue 10 §4). Skipped
//! with a reason when tshark is missing (CI installs it).
//!
//! The lab's control port is not 21, so Wireshark must be told where FTP is
//! ("Decode As"); the test uses the exact `-d` arguments the recording
//! prints on stderr, so that hint is held to working too.

mod common;

use ftpviz::trace::{Event, Kind};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Runs the lab with `--record`: its trace and the `-d` arguments it
/// printed.
fn record(args: &[&str], file: &Path) -> (Vec<Event>, Vec<String>) {
    let path = file.to_str().unwrap();
    let mut all = vec!["lab", "--port", "0", "--json", "--record", path];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = common::ftpviz(&all);
    assert_eq!(code, 0, "lab {args:?}: {stderr}");
    let events = ftpviz::trace::read_json_lines(stdout.as_bytes())
        .unwrap()
        .events;
    let hint = stderr
        .lines()
        .find(|l| l.contains("tshark -r"))
        .unwrap_or_else(|| panic!("no tshark hint on stderr: {stderr}"));
    let mut decode = Vec::new();
    let mut words = hint.split_whitespace();
    while let Some(w) = words.next() {
        if w == "-d" {
            decode.push(words.next().expect("a -d value").to_string());
        }
    }
    (events, decode)
}

/// `tshark -r FILE` with the decode-as arguments, checksums checked, a
/// display filter and fields; its stdout lines.
fn tshark(
    tshark: &Path,
    file: &Path,
    decode: &[String],
    filter: &str,
    fields: &[&str],
) -> Vec<String> {
    let checked = [
        "-o",
        "tcp.check_checksum:TRUE",
        "-o",
        "ip.check_checksum:TRUE",
    ];
    common::tshark(tshark, file, decode, &checked, filter, fields)
}

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex"))
        .collect()
}

fn builtin(name: &str) -> Vec<u8> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    std::fs::read(root.join("assets/files").join(name)).expect("a built-in file")
}

/// Everything tshark must see in one recorded run.
fn check(bin: &Path, name: &str, args: &[&str]) {
    let dir = common::temp_dir(&format!("tshark-{name}"));
    let file = dir.join(format!("{name}.pcapng"));
    let (events, decode) = record(args, &file);
    assert!(!decode.is_empty(), "the lab's ports are not 21/20");

    // Nothing malformed, every checksum verified good, no warning or error
    // from the TCP analysis (retransmissions of a blocked SYN are notes).
    let suspicious = "_ws.malformed || _ws.expert.severity >= 0x00600000 \
                      || tcp.checksum.status != 1 || ip.checksum.status != 1";
    let bad = tshark(
        bin,
        &file,
        &decode,
        suspicious,
        &["frame.number", "_ws.expert.message"],
    );
    assert!(
        bad.is_empty(),
        "{name}: tshark complains:\n{}",
        bad.join("\n")
    );

    // The same commands and replies, in order, as FTP.
    let said = common::said_codes(&events);
    let seen: Vec<String> = tshark(bin, &file, &decode, "ftp", &common::FTP_FIELDS)
        .iter()
        .map(|line| {
            common::tshark_said(line)
                .unwrap_or_else(|| panic!("{name}: an FTP frame that is neither: {line:?}"))
        })
        .collect();
    assert_eq!(seen, said, "{name}: tshark's FTP vs the run's");

    // FTP-DATA frames carry the run's bytes: per connection as many as the
    // trace counted, and the real contents (hello.txt, byte for byte).
    let mut flows: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let data = tshark(
        bin,
        &file,
        &decode,
        "ftp-data",
        &["tcp.stream", "tcp.payload"],
    );
    for line in data {
        let (stream, hex) = line.split_once('\t').expect("two fields");
        flows
            .entry(stream.to_string())
            .or_default()
            .extend(unhex(hex));
    }
    let mut want: Vec<u64> = events
        .iter()
        .filter(|e| matches!(e.kind, Kind::Data { .. }))
        .map(|e| (e.session, e.conn))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|(s, c)| ftpviz::trace::data_bytes(&events, s, c))
        .collect();
    let mut got: Vec<u64> = flows.values().map(|b| b.len() as u64).collect();
    want.sort_unstable();
    got.sort_unstable();
    assert_eq!(got, want, "{name}: FTP-DATA bytes per connection");
    if events
        .iter()
        .any(|e| matches!(&e.kind, Kind::Reply { code: 226, .. }))
    {
        let hello = builtin("hello.txt");
        assert!(
            flows.values().any(|b| *b == hello),
            "{name}: no FTP-DATA flow carries hello.txt's bytes"
        );
    }

    // The narration is in frame.comment: on every first SYN, and as many
    // comments as the run had dials at least.
    let dials = events
        .iter()
        .filter(|e| matches!(e.kind, Kind::Connect { .. }))
        .count();
    let comments = tshark(bin, &file, &decode, "frame.comment", &["frame.comment"]);
    assert!(
        comments.len() >= dials,
        "{name}: {} comments, {dials} dials",
        comments.len()
    );
    let bare_syn = "tcp.flags.syn == 1 && tcp.flags.ack == 0 \
                    && !tcp.analysis.retransmission && !frame.comment";
    let bare = tshark(bin, &file, &decode, bare_syn, &["frame.number"]);
    assert!(bare.is_empty(), "{name}: SYNs without a comment: {bare:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn tshark_reads_a_recorded_active_run() {
    let Some(bin) = common::peer("tshark") else {
        return;
    };
    check(&bin, "active", &["--mode", "active"]);
}

#[test]
fn tshark_reads_a_recorded_passive_run() {
    let Some(bin) = common::peer("tshark") else {
        return;
    };
    check(&bin, "passive", &["--mode", "passive"]);
}

#[test]
fn tshark_reads_a_recorded_ipv6_extended_run() {
    let Some(bin) = common::peer("tshark") else {
        return;
    };
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        println!("skipped: no ::1 here");
        return;
    }
    check(
        &bin,
        "ipv6-eprt",
        &["--mode", "active", "--extended", "--ipv6"],
    );
    check(
        &bin,
        "ipv6-epsv",
        &["--mode", "passive", "--extended", "--ipv6"],
    );
}

#[test]
fn tshark_reads_a_recorded_blocked_run() {
    let Some(bin) = common::peer("tshark") else {
        return;
    };
    check(
        &bin,
        "blocked",
        &["--mode", "active", "--firewall", "client"],
    );
}
