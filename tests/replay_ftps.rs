//! FTPS captures that carry their TLS keys replay decrypted.
//!
//! The captures are real: `captures/make.sh ftps` runs `ftpviz serve --tls`
//! with curl (passive, PASV; TLS 1.3 and 1.2) and Python's ftplib (active, PORT)
//! as clients, each logging its keys (`SSLKEYLOGFILE`), records loopback
//! with dumpcap and puts the keys inside the pcapng with `editcap
//! --inject-secrets`. Replay must show the dialogue inside TLS, link the
//! data connections to their 227/PORT, count the files' true sizes, and
//! agree with tshark (which decrypts with the same keys). The same files
//! with their keys taken out replay as an FTPS capture always did:
//! "encrypted". Keys beside the capture (`--keylog`) work as keys inside;
//! wrong keys, bad key text, a damaged record and a lost packet are said
//! in warnings and never shown as lines.
//!
//! Each decrypted line names the records it came in (`tls::Sealed`, as the
//! lab's own lines do), with the lengths their headers gave on the wire; a
//! `lab --tls --record` run replayed names the same records as the lab's
//! own notes did.

mod common;

use ftpviz::replay::{read, read_keyed, Replay, WarningKind};
use ftpviz::tls::{Holder, Record, RecordType, Sealed};
use ftpviz::trace::{Event, Kind, Side, Via};
use std::io::Cursor;
use std::path::PathBuf;
use std::process::Command;

const PASSIVE: &str = "ftps_pasv_curl_ftpviz.pcapng";
const ACTIVE: &str = "ftps_port_ftplib_ftpviz.pcapng";
const TLS12: &str = "ftps_tls12_curl_ftpviz.pcapng";
/// The pcapng block type of a Decryption Secrets Block, and of an
/// Enhanced Packet Block.
const DSB: u32 = 0x0000_000a;
const EPB: u32 = 6;

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("captures")
        .join(name)
}

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(path(name)).expect("the committed capture")
}

/// The blocks of a little-endian pcapng (as dumpcap writes on x86): each
/// block's type and its whole bytes.
fn blocks(file: &[u8]) -> Vec<(u32, Vec<u8>)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 8 <= file.len() {
        let word = |i: usize| u32::from_le_bytes(file[i..i + 4].try_into().unwrap());
        let (kind, len) = (word(at), word(at + 4) as usize);
        out.push((kind, file[at..at + len].to_vec()));
        at += len;
    }
    assert_eq!(at, file.len(), "whole blocks");
    out
}

/// The capture without its keys, and the keys (key log text).
fn without_keys(file: &[u8]) -> (Vec<u8>, String) {
    let mut keys = String::new();
    let mut out = Vec::new();
    for (kind, block) in blocks(file) {
        if kind == DSB {
            let len = u32::from_le_bytes(block[12..16].try_into().unwrap()) as usize;
            keys.push_str(std::str::from_utf8(&block[16..16 + len]).unwrap());
        } else {
            out.extend(block);
        }
    }
    assert!(!keys.is_empty(), "the capture carries keys");
    (out, keys)
}

fn replay(file: Vec<u8>) -> Replay {
    read(Cursor::new(file), None, |_| {}).expect("a capture")
}

fn replay_with(file: Vec<u8>, keys: &str) -> Replay {
    read_keyed(Cursor::new(file), None, |_| {}, Some(keys.as_bytes())).expect("a capture")
}

/// What the warnings about keys say.
fn key_warnings(r: &Replay) -> Vec<&str> {
    r.warnings
        .iter()
        .filter(|w| w.kind == WarningKind::Keys)
        .map(|w| w.message.as_str())
        .collect()
}

fn commands(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            Kind::Command { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

fn verbs(events: &[Event]) -> Vec<String> {
    commands(events)
        .iter()
        .map(|c| c.split(' ').next().unwrap_or_default().to_string())
        .collect()
}

/// The bytes each data connection carried, by connection number.
fn data_bytes(events: &[Event], conn: u32) -> u64 {
    events
        .iter()
        .filter(|e| e.conn == conn)
        .map(|e| match e.kind {
            Kind::Data { bytes } => bytes,
            _ => 0,
        })
        .sum()
}

/// The number in a reply's text, after `before` ("(202020 bytes)").
fn number_after(events: &[Event], code: u16, before: &str) -> Option<u64> {
    events.iter().find_map(|e| match &e.kind {
        Kind::Reply { code: c, text } if *c == code => {
            let rest = text.split(before).nth(1)?;
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        }
        _ => None,
    })
}

/// The events after the `234`.
fn after_234(events: &[Event]) -> &[Event] {
    let at = events
        .iter()
        .position(|e| matches!(e.kind, Kind::Reply { code: 234, .. }))
        .expect("AUTH TLS was accepted");
    &events[at + 1..]
}

/// Every line after the 234 crossed inside TLS and says it was decrypted;
/// the first of each side says how.
fn assert_read_inside(events: &[Event], version: &str) {
    let lines: Vec<&Event> = after_234(events)
        .iter()
        .filter(|e| matches!(e.kind, Kind::Command { .. } | Kind::Reply { .. }))
        .collect();
    assert!(lines.len() > 10, "{lines:?}");
    for e in &lines {
        let note = e.note.as_deref();
        assert!(ftpviz::tls::noted_inside(note), "{e:?}");
        assert!(
            note.unwrap().contains("decrypted with the capture's keys"),
            "{e:?}"
        );
    }
    for side in [Side::Client, Side::Server] {
        let first = lines.iter().find(|e| e.from == side).unwrap();
        assert!(
            first
                .note
                .as_deref()
                .unwrap()
                .contains(&format!("({version}, TLS_")),
            "{first:?}"
        );
    }
}

/// A data connection's dial goes where the announcement before it said.
fn assert_linked(events: &[Event], via: Via, count: usize) {
    let mut announced = None;
    let mut dials = 0;
    for e in events {
        match &e.kind {
            Kind::Reply { code: 227, text } => {
                announced = Some(ftpviz::ftp::hostport::parse_227(text).unwrap().into())
            }
            Kind::Command { text, .. } if text.starts_with("PORT ") => {
                announced = Some(
                    ftpviz::ftp::hostport::parse_port(&text[5..])
                        .unwrap()
                        .into(),
                )
            }
            Kind::Connect { dst, via: v, .. } if e.conn > 0 => {
                assert_eq!(*v, Some(via), "{e:?}");
                assert_eq!(Some(*dst), announced.take(), "{e:?}");
                dials += 1;
            }
            _ => {}
        }
    }
    assert_eq!(dials, count, "{events:?}");
}

#[test]
fn a_passive_ftps_capture_with_its_keys_is_read_inside_tls() {
    let r = ftpviz::replay::read_file(&path(PASSIVE)).unwrap();
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let events = &r.trace.events;
    let verbs = verbs(events);
    for v in [
        "AUTH", "USER", "PASS", "PBSZ", "PROT", "PASV", "LIST", "RETR", "QUIT",
    ] {
        assert!(verbs.iter().any(|x| x == v), "{v} in {verbs:?}");
    }
    assert_read_inside(events, "TLS 1.3");
    assert_linked(events, Via::Pasv, 2);
    // The file's size, as SIZE and the 150 told it, is what the protected
    // data connection carried, in plain text.
    let size = number_after(events, 213, "213 ").unwrap();
    assert_eq!(number_after(events, 150, "(").unwrap(), size);
    assert_eq!(data_bytes(events, 2), size);
    assert!(data_bytes(events, 1) > 0, "the listing");
    for e in events
        .iter()
        .filter(|e| matches!(e.kind, Kind::Data { .. }))
    {
        let note = e.note.as_deref().unwrap_or_default();
        assert!(note.contains("decrypted with the capture's keys"), "{e:?}");
    }
}

#[test]
fn an_active_ftps_capture_with_its_keys_links_its_dials_to_port() {
    let r = ftpviz::replay::read_file(&path(ACTIVE)).unwrap();
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let events = &r.trace.events;
    let verbs = verbs(events);
    for v in ["USER", "PASS", "PBSZ", "PROT", "PORT", "LIST", "RETR"] {
        assert!(verbs.iter().any(|x| x == v), "{v} in {verbs:?}");
    }
    assert_read_inside(events, "TLS 1.3");
    assert_linked(events, Via::Port, 2);
    let size = number_after(events, 150, "hello.txt (").unwrap();
    assert_eq!(data_bytes(events, 2), size);
}

#[test]
fn tshark_reads_the_same_dialogue_with_the_same_keys() {
    if common::peer("tshark").is_none() {
        return;
    }
    // curl's first word is AUTH SSL, after which tshark 4.0 does not look
    // for TLS; Python's ftplib says AUTH TLS.
    let out = Command::new("tshark")
        .args([
            "-r",
            path(ACTIVE).to_str().unwrap(),
            "-d",
            "tcp.port==2161,ftp",
        ])
        .args(["-Y", "ftp", "-T", "fields"])
        .args(common::FTP_FIELDS.iter().flat_map(|f| ["-e", f]))
        .output()
        .expect("tshark runs");
    let theirs: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| common::tshark_said(l).unwrap_or_else(|| panic!("tshark line {l:?}")))
        .collect();
    let r = ftpviz::replay::read_file(&path(ACTIVE)).unwrap();
    let ours = common::said_codes(&r.trace.events);
    assert!(
        theirs.iter().any(|l| l == "C PROT P"),
        "tshark decrypted: {theirs:?}"
    );
    assert_eq!(ours, theirs);
}

/// Without its keys: the control connection is TLS records after the 234,
/// counted, noted "encrypted", no line read; data connections unlinked.
fn assert_encrypted(r: &Replay) {
    let after = after_234(&r.trace.events);
    assert!(commands(after).is_empty(), "{after:?}");
    assert!(after
        .iter()
        .all(|e| !ftpviz::tls::noted_inside(e.note.as_deref())));
    for side in [Side::Client, Side::Server] {
        let tls = after
            .iter()
            .find(|e| e.conn == 0 && e.from == side && matches!(e.kind, Kind::Data { .. }))
            .unwrap_or_else(|| panic!("the {side}'s TLS bytes: {after:?}"));
        assert!(
            tls.note.as_deref().unwrap().contains("encrypted: "),
            "{tls:?}"
        );
    }
}

#[test]
fn the_same_captures_without_their_keys_stay_encrypted() {
    for name in [PASSIVE, ACTIVE] {
        let (stripped, _) = without_keys(&bytes(name));
        let r = replay(stripped);
        assert!(r.warnings.is_empty(), "{name}: {:?}", r.warnings);
        assert_encrypted(&r);
    }
}

#[test]
fn keys_beside_the_capture_read_it_as_keys_inside_do() {
    for name in [PASSIVE, ACTIVE] {
        let inside = replay(bytes(name));
        let (stripped, keys) = without_keys(&bytes(name));
        let beside = replay_with(stripped.clone(), &keys);
        assert_eq!(beside.trace.events, inside.trace.events, "{name}");
        // And on the command line.
        let dir = common::temp_dir("replay-keylog");
        let (cap, log) = (dir.join("stripped.pcapng"), dir.join("keys.txt"));
        std::fs::write(&cap, stripped).unwrap();
        std::fs::write(&log, keys).unwrap();
        let with = common::ftpviz(&["replay", cap.to_str().unwrap(), "--print"]);
        let keyed = common::ftpviz(&[
            "replay",
            cap.to_str().unwrap(),
            "--keylog",
            log.to_str().unwrap(),
            "--print",
        ]);
        let original = common::ftpviz(&["replay", path(name).to_str().unwrap(), "--print"]);
        assert_eq!(keyed, original, "{name}");
        assert_ne!(with.1, original.1);
        let missing =
            common::ftpviz(&["replay", cap.to_str().unwrap(), "--keylog", "/nonexistent"]);
        assert_ne!(missing.0, 0);
        assert!(missing.2.contains("/nonexistent"), "{missing:?}");
    }
}

#[test]
fn wrong_keys_are_warned_of_per_session_side_and_record_and_show_nothing() {
    let (stripped, keys) = without_keys(&bytes(PASSIVE));
    let wrong: String = keys
        .lines()
        .map(|l| match l.rsplit_once(' ') {
            Some((head, secret)) => format!("{head} {}\n", "5a".repeat(secret.len() / 2)),
            None => format!("{l}\n"),
        })
        .collect();
    let r = replay_with(stripped, &wrong);
    assert_encrypted(&r);
    let said = key_warnings(&r);
    assert_eq!(said.len(), 2, "{said:?}");
    for side in ["client", "server"] {
        assert!(
            said.iter().any(
                |m| m.starts_with("session 1, control connection: TLS record ")
                    && m.contains(&format!("from the {side} could not be decrypted"))
                    && m.contains("does not decrypt")
            ),
            "{side}: {said:?}"
        );
    }
}

#[test]
fn bad_key_text_is_said_and_the_capture_read_as_without_keys() {
    let (stripped, _) = without_keys(&bytes(ACTIVE));
    let text = "CLIENT_RANDOM not-hex 00\n\u{0}\u{1}binary\nSERVER_TRAFFIC_SECRET_0 ab\n";
    let r = replay_with(stripped.clone(), text);
    assert_encrypted(&r);
    let keys = key_warnings(&r);
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(
        keys[0].starts_with("TLS keys: key log line 1: the client random"),
        "{keys:?}"
    );
    assert!(keys[0].contains("key log line 3: not"), "{keys:?}");
    assert_eq!(r.trace.events, replay(stripped).trace.events);
}

#[test]
fn a_tls_1_2_capture_is_read_with_its_master_secrets() {
    let r = ftpviz::replay::read_file(&path(TLS12)).unwrap();
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let events = &r.trace.events;
    assert_read_inside(events, "TLS 1.2");
    assert_linked(events, Via::Pasv, 1);
    let size = number_after(events, 213, "213 ").unwrap();
    assert_eq!(data_bytes(events, 1), size);
    // Without its keys, as before.
    let (stripped, keys) = without_keys(&bytes(TLS12));
    assert!(keys.starts_with("CLIENT_RANDOM "), "{keys}");
    assert_encrypted(&replay(stripped));
}

/// The capture with one change to the `n`th packet from the client to the
/// server's control port that holds a TLS application data record:
/// `None` drops it, `Some(f)` changes its TCP payload.
fn with_client_record(file: &[u8], n: usize, change: Option<fn(&mut [u8])>) -> Vec<u8> {
    let mut seen = 0;
    let mut out = Vec::new();
    for (kind, mut block) in blocks(file) {
        if kind == EPB {
            // Ethernet (14) + IPv4 (IHL) + TCP (data offset) in the packet
            // data, which starts 28 bytes into the block.
            let ip = 28 + 14;
            let tcp = ip + usize::from(block[ip] & 0x0f) * 4;
            let payload = tcp + usize::from(block[tcp + 12] >> 4) * 4;
            let caplen = u32::from_le_bytes(block[20..24].try_into().unwrap()) as usize;
            let end = 28 + caplen;
            let dst = u16::from_be_bytes([block[tcp + 2], block[tcp + 3]]);
            if dst == 2161 && end > payload && block[payload] == 23 {
                seen += 1;
                if seen == n {
                    match change {
                        None => continue,
                        Some(f) => f(&mut block[payload..end]),
                    }
                }
            }
        }
        out.extend(block);
    }
    assert!(seen >= n, "only {seen} records");
    out
}

#[test]
fn a_damaged_record_leaves_its_side_encrypted_from_there_and_the_other_side_read() {
    let file = bytes(PASSIVE);
    let whole = replay(file.clone());
    let flip: fn(&mut [u8]) = |p| {
        let last = p.len() - 1;
        p[last] ^= 0x01;
    };
    let r = replay(with_client_record(&file, 4, Some(flip)));
    let keys = key_warnings(&r);
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(keys[0].contains("from the client could not be decrypted (the record does not decrypt"));
    let (got, all) = (commands(&r.trace.events), commands(&whole.trace.events));
    assert!(got.len() < all.len() && all.starts_with(&got), "{got:?}");
    assert!(r
        .trace
        .events
        .iter()
        .any(|e| e.from == Side::Client
            && e.note.as_deref().is_some_and(|n| n.contains("encrypted: "))));
}

#[test]
fn a_lost_packet_inside_tls_stops_decryption_there_with_a_warning() {
    let file = bytes(PASSIVE);
    let whole = replay(file.clone());
    let r = replay(with_client_record(&file, 4, None));
    assert!(
        r.warnings.iter().any(|w| w.kind == WarningKind::Keys
            && w.message
                .contains("from the client could not be decrypted (a hole in the capture")),
        "{:?}",
        r.warnings
    );
    let (got, all) = (commands(&r.trace.events), commands(&whole.trace.events));
    assert!(got.len() < all.len() && all.starts_with(&got), "{got:?}");
}

#[test]
fn the_narration_says_replay_decrypted_with_the_keys_the_capture_carries() {
    let file = path(ACTIVE);
    let (code, out, _) =
        common::ftpviz(&["replay", file.to_str().unwrap(), "--print", "--explain"]);
    assert_eq!(code, 0);
    // The explanations are wrapped: read as words.
    let words = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("replay decrypted the lines with them"),
        "{out}"
    );
    assert!(
        words.contains("replay decrypted the password with them"),
        "{out}"
    );
    assert!(
        !out.contains("the server that recorded this trace holds the keys"),
        "{out}"
    );
}

/// A Decryption Secrets Block holding `text` as TLS keys.
fn dsb(text: &str) -> Vec<u8> {
    let mut data = text.as_bytes().to_vec();
    let len = data.len() as u32;
    data.resize(data.len().div_ceil(4) * 4, 0);
    let total = (20 + data.len()) as u32;
    let mut b = Vec::new();
    for word in [DSB, total, 0x544c_534b, len] {
        b.extend(word.to_le_bytes());
    }
    b.extend(data);
    b.extend(total.to_le_bytes());
    b
}

/// The capture with each key text of `parts` in a block of its own, put
/// before the block numbered as it says (`None`: at the end).
fn keys_placed(file: &[u8], parts: &[(&str, Option<usize>)]) -> Vec<u8> {
    let all = blocks(file);
    let mut out = Vec::new();
    for (i, (_, block)) in all.iter().enumerate() {
        for (text, _) in parts.iter().filter(|(_, at)| *at == Some(i)) {
            out.extend(dsb(text));
        }
        out.extend(block);
    }
    for (text, _) in parts.iter().filter(|(_, at)| at.is_none()) {
        out.extend(dsb(text));
    }
    out
}

#[test]
fn keys_in_several_blocks_add_up_and_keys_after_their_tls_come_too_late() {
    let (stripped, keys) = without_keys(&bytes(PASSIVE));
    let inside = replay(bytes(PASSIVE));
    // One block a key log line, each before the packets (after the section
    // and interface blocks).
    let lines: Vec<String> = keys.lines().map(|l| format!("{l}\n")).collect();
    let parts: Vec<(&str, Option<usize>)> = lines.iter().map(|l| (l.as_str(), Some(2))).collect();
    let several = replay(keys_placed(&stripped, &parts));
    assert!(several.warnings.is_empty(), "{:?}", several.warnings);
    assert_eq!(several.trace.events, inside.trace.events);
    // All of them after the last packet: read as they come, too late.
    let late = replay(keys_placed(&stripped, &[(&keys, None)]));
    assert_encrypted(&late);
    let said = key_warnings(&late);
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains("after TLS they may be for"), "{said:?}");
}

#[test]
fn a_pcap_file_which_cannot_carry_keys_is_read_with_keylog() {
    if common::peer("editcap").is_none() {
        return;
    }
    let dir = common::temp_dir("replay-keylog-pcap");
    let (stripped, keys) = without_keys(&bytes(ACTIVE));
    let (ng, pcap, log) = (
        dir.join("stripped.pcapng"),
        dir.join("plain.pcap"),
        dir.join("keys.txt"),
    );
    std::fs::write(&ng, stripped).unwrap();
    std::fs::write(&log, keys).unwrap();
    let converted = Command::new("editcap")
        .args(["-F", "pcap", ng.to_str().unwrap(), pcap.to_str().unwrap()])
        .status()
        .expect("editcap runs");
    assert!(converted.success());
    let pcap = pcap.to_str().unwrap();
    let (code, keyed, _) =
        common::ftpviz(&["replay", pcap, "--keylog", log.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0);
    let (_, original, _) = common::ftpviz(&["replay", path(ACTIVE).to_str().unwrap(), "--json"]);
    // A pcap keeps microseconds: the same events, times aside.
    let untimed = |json: &str| -> Vec<String> {
        json.lines()
            .map(|l| l.split_once(',').map_or(l, |(_, rest)| rest).to_string())
            .collect()
    };
    assert!(original.lines().count() > 20);
    assert_eq!(untimed(&keyed), untimed(&original));
    let (_, without, _) = common::ftpviz(&["replay", pcap, "--json"]);
    assert!(without.contains("encrypted: ") && !without.contains("PROT P"));
}

/// The plain bytes a command or reply was on the wire: each line and its
/// CR LF.
fn plain_bytes(e: &Event) -> usize {
    match &e.kind {
        Kind::Command { text, .. } => text.len() + 2,
        Kind::Reply { text, .. } => text.lines().map(|l| l.len() + 2).sum(),
        _ => 0,
    }
}

/// Every decrypted command and reply names the records that carried it:
/// application data, each as long as its line, CR LF and what the cipher
/// adds (TLS 1.3: the hidden type, 1 byte, and the tag, 16; TLS 1.2's
/// AES-GCM: the explicit nonce, 8 bytes, and the tag, 16).
#[test]
fn each_decrypted_line_names_the_records_that_carried_it() {
    for (name, added) in [(PASSIVE, 17), (ACTIVE, 17), (TLS12, 24)] {
        let r = ftpviz::replay::read_file(&path(name)).unwrap();
        let lines: Vec<&Event> = after_234(&r.trace.events)
            .iter()
            .filter(|e| matches!(e.kind, Kind::Command { .. } | Kind::Reply { .. }))
            .collect();
        assert!(lines.len() > 15, "{name}: {lines:?}");
        for e in lines {
            let note = e.note.as_deref().unwrap_or_default();
            let sealed = Sealed::read(note).unwrap_or_else(|| panic!("{name}: records in {note}"));
            assert_eq!(sealed.by, Holder::Capture, "{name}: {note}");
            assert!(ftpviz::trace::noted_decrypted(Some(note)), "{note}");
            let one = Record {
                kind: RecordType::ApplicationData,
                length: u16::try_from(plain_bytes(e) + added).expect("a short line"),
            };
            assert_eq!(sealed.records.0, [one], "{name}: {e:?}");
        }
    }
}

/// Each session's lines that name records: (who, what was said, the
/// records' lengths).
fn records_by_line(events: &[Event], session: u32) -> Vec<(Side, String, Vec<u16>)> {
    events
        .iter()
        .filter(|e| e.session == session && e.conn == 0)
        .filter_map(|e| {
            let sealed = Sealed::read(e.note.as_deref()?)?;
            let said = match &e.kind {
                Kind::Command { text, .. } | Kind::Reply { text, .. } => text.clone(),
                _ => return None,
            };
            let lengths = sealed.records.0.iter().map(|r| r.length).collect();
            Some((e.from, said, lengths))
        })
        .collect()
}

/// A lab run inside TLS, recorded with its keys and replayed: each line
/// names the same records in the replay (read from the capture's bytes)
/// as in the lab's own note (the sender's records, read as it wrote them).
#[test]
fn a_recorded_lab_in_tls_replays_with_the_records_the_lab_sent() {
    let dir = common::temp_dir("replay-seal");
    let file = dir.join("lab-tls.pcapng");
    let args = [
        "lab",
        "--port",
        "0",
        "--json",
        "--tls",
        "--mode",
        "compare",
        "--record",
        file.to_str().expect("a path"),
    ];
    let (code, stdout, stderr) = common::ftpviz(&args);
    assert_eq!(code, 0, "{stderr}");
    let lab = ftpviz::trace::read_json_lines(stdout.as_bytes())
        .expect("JSON Lines")
        .events;
    let replayed = ftpviz::replay::read_file(&file).expect("the recording");
    assert!(replayed.warnings.is_empty(), "{:?}", replayed.warnings);
    for session in 1..=2 {
        let theirs = records_by_line(&lab, session);
        let ours = records_by_line(&replayed.trace.events, session);
        assert!(theirs.len() >= 10, "session {session}: {theirs:?}");
        assert_eq!(ours, theirs, "session {session}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
