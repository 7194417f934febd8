//! `--record` of a run inside TLS (issue 18 §1): the capture holds the
//! real TLS bytes that crossed, and the keys go with them in a Decryption
//! Secrets Block, so tshark decrypts it with no setup and dissects the FTP
//! lines inside — and without the block (`editcap
//! --discard-all-secrets`) it cannot. Skipped with a reason when tshark or
//! editcap (or curl) is missing; CI installs them.
//!
//! The real bytes: every record a line went in, as its sender listed it in
//! the line's note (read from the bytes it was about to write), is in the
//! capture in order — the capture's bytes come from a log under TLS that
//! the note's count never saw.

mod common;
#[path = "support/serve_bin.rs"]
mod serve_bin;

use ftpviz::tls::Sealed;
use ftpviz::trace::{Event, Kind, Side};
use std::path::Path;
use std::process::Command;

/// `tshark -r FILE -d … -Y FILTER -T fields -e …`: its stdout lines.
fn tshark(file: &Path, decode: &[String], filter: &str, fields: &[&str]) -> Vec<String> {
    common::tshark(Path::new("tshark"), file, decode, &[], filter, fields)
}

/// `tshark -r FILE -d … -x`: the dump, decrypted parts included.
fn dump(file: &Path, decode: &[String]) -> String {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(file);
    for d in decode {
        cmd.args(["-d", d]);
    }
    let out = cmd.arg("-x").output().expect("tshark runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The same capture without its keys.
fn without_keys(file: &Path) -> std::path::PathBuf {
    let bare = file.with_extension("nokeys.pcapng");
    let status = Command::new("editcap")
        .arg("--discard-all-secrets")
        .arg(file)
        .arg(&bare)
        .status()
        .expect("editcap runs");
    assert!(status.success());
    bare
}

fn peers(names: &[&str]) -> bool {
    names.iter().all(|n| common::peer(n).is_some())
}

/// The run's lines as tshark's FTP fields show them: `C VERB`, `S CODE`.
fn said(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            Kind::Command { verb, .. } => Some(format!("C {verb}")),
            Kind::Reply { code, .. } => Some(format!("S {code}")),
            _ => None,
        })
        .collect()
}

fn seen(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|l| match l.split('\t').collect::<Vec<_>>()[..] {
            [verb, ""] => format!("C {verb}"),
            ["", code] => format!("S {code}"),
            _ => panic!("an FTP frame that is neither: {l:?}"),
        })
        .collect()
}

/// `lab --tls --record`: its trace and the `-d` arguments it printed.
fn record_lab(file: &Path) -> (Vec<Event>, Vec<String>) {
    let path = file.to_str().expect("a path");
    let args = [
        "lab", "--port", "0", "--json", "--tls", "--mode", "compare", "--record", path,
    ];
    let (code, stdout, stderr) = common::ftpviz(&args);
    assert_eq!(code, 0, "{stderr}");
    let events = ftpviz::trace::read_json_lines(stdout.as_bytes())
        .expect("JSON Lines")
        .events;
    let hint = stderr
        .lines()
        .find(|l| l.contains("tshark -r"))
        .expect("the hint");
    let words: Vec<&str> = hint.split_whitespace().collect();
    let decode = words
        .windows(2)
        .filter(|w| w[0] == "-d")
        .map(|w| w[1].to_string())
        .collect();
    (events, decode)
}

#[test]
fn a_recorded_lab_in_tls_is_decrypted_by_tshark_with_its_keys_only() {
    if !peers(&["tshark", "editcap"]) {
        return;
    }
    let dir = common::temp_dir("record-tls");
    let file = dir.join("lab-tls.pcapng");
    let (events, decode) = record_lab(&file);
    let fields = ["ftp.request.command", "ftp.response.code"];

    // With the keys in the file: every line, in order, the ones inside TLS
    // decrypted (PBSZ, PROT, USER, PASS, LIST, RETR, STOR …).
    let with_keys = seen(&tshark(&file, &decode, "ftp", &fields));
    assert_eq!(with_keys, said(&events));
    for verb in [
        "PBSZ", "PROT", "USER", "PASS", "LIST", "RETR", "STOR", "QUIT",
    ] {
        assert!(with_keys.contains(&format!("C {verb}")), "{verb}");
    }
    let inside = tshark(&file, &decode, "ftp && tls", &["ftp.request.command"]);
    assert!(
        inside.iter().any(|c| c == "PASS"),
        "PASS crossed inside TLS"
    );
    let bad = "_ws.malformed || _ws.expert.severity >= 0x00600000";
    assert_eq!(
        tshark(&file, &decode, bad, &["frame.number"]),
        Vec::<String>::new()
    );

    // Without them: only what went in clear (220, AUTH TLS, 234).
    let bare = without_keys(&file);
    let clear = seen(&tshark(&bare, &decode, "ftp", &fields));
    let sessions = events
        .iter()
        .filter(|e| e.conn == 0 && e.kind.name() == "connect");
    let first_three: Vec<&str> = ["S 220", "C AUTH", "S 234"].repeat(sessions.count());
    assert_eq!(clear, first_three);

    // The real bytes: the records each command's note lists are the
    // client's records on its control connection, in order.
    for session in 1..=2 {
        let ctl = events
            .iter()
            .find_map(|e| match e.kind {
                Kind::Connect { src, .. } if e.session == session && e.conn == 0 => Some(src),
                _ => None,
            })
            .expect("a control dial");
        let listed: Vec<String> = events
            .iter()
            .filter(|e| e.session == session && e.from == Side::Client)
            .filter_map(|e| Sealed::read(e.note.as_deref()?))
            .flat_map(|s| s.records.0.into_iter().map(|r| r.length.to_string()))
            .collect();
        let filter = format!("tls.record && tcp.srcport == {}", ctl.port());
        let on_wire: Vec<String> = tshark(&file, &decode, &filter, &["tls.record.length"])
            .iter()
            .flat_map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>())
            .collect();
        let mut rest = on_wire.iter();
        for length in &listed {
            assert!(
                rest.any(|w| w == length),
                "session {session}: a record of {length} bytes, in order, in {on_wire:?}"
            );
        }
        assert!(listed.len() >= 10, "{listed:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_records_curl_inside_tls_with_the_keys() {
    if !peers(&["tshark", "editcap", "curl"]) {
        return;
    }
    let dir = common::temp_dir("record-tls-serve");
    let file = dir.join("serve-tls.pcapng");
    let path = file.to_str().expect("a path");
    let served = serve_bin::serve(None, &["--tls", "--record", path]);
    let url = format!("ftp://{}/hello.txt", served.addr);
    let out = Command::new("curl")
        .args(["-s", "--ssl-reqd", "-k", &url])
        .output()
        .expect("curl runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let port = served.addr.port();
    let trace = served.stop();
    assert!(trace.events.iter().any(|e| e.kind.name() == "reply"));
    // curl says AUTH SSL, which tshark 4.0 does not take as the start of
    // TLS: it is told to read the control connection as TLS.
    let decode = vec![format!("tcp.port=={port},tls")];
    let with_keys = dump(&file, &decode);
    for line in ["USER anonymous", "PASS ", "RETR hello.txt", "QUIT"] {
        assert!(with_keys.contains(line), "{line} decrypted:\n{with_keys}");
    }
    let bare = dump(&without_keys(&file), &decode);
    assert!(!bare.contains("USER anonymous"), "not without the keys");
    assert!(!bare.contains("Decrypted TLS"));
    let _ = std::fs::remove_dir_all(&dir);
}
