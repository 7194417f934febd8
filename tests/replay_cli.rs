//! `ftpviz replay` on the command line: `--json` and `--print` write the
//! same trace that the library reads, and `--session` picks one.

mod common;
#[path = "support/honest.rs"]
mod honest;

use ftpviz::replay::read_file;
use ftpviz::trace::{format_event, read_json_lines};
use std::path::PathBuf;

fn sample(name: &str) -> Option<PathBuf> {
    common::capture(name)
}

#[test]
fn json_and_print_carry_the_replayed_trace() {
    let Some(path) = sample("b_active_port_lftp_vsftpd.pcap") else {
        return;
    };
    let p = path.to_str().unwrap();
    let want = read_file(&path).unwrap().trace;

    let (code, out, err) = common::ftpviz(&["replay", p, "--json"]);
    assert_eq!(code, 0, "{err}");
    let got = read_json_lines(out.as_bytes()).unwrap();
    assert_eq!(got.events.len(), want.events.len());
    for (g, w) in got.events.iter().zip(&want.events) {
        assert_eq!(
            (g.session, g.conn, g.from, &g.kind),
            (w.session, w.conn, w.from, &w.kind)
        );
        assert!((g.t - w.t).abs() < 1e-6);
    }
    // `accept` is the listener's (the client's, for this active transfer).
    honest::assert_accepts_from_the_listener(&got.events);

    let (code, out, _) = common::ftpviz(&["replay", p, "--print"]);
    assert_eq!(code, 0);
    let lines: Vec<String> = want.events.iter().map(format_event).collect();
    assert_eq!(out.lines().collect::<Vec<_>>(), lines);
    assert!(out.contains("connect 127.0.0.1:20 -> 127.0.0.1:49961 via PORT"));
}

#[test]
fn session_picks_one_and_a_missing_one_is_an_error() {
    let Some(path) = sample("a_pasv_curl_vsftpd.pcap") else {
        return;
    };
    let p = path.to_str().unwrap();
    let (code, out, _) = common::ftpviz(&["replay", p, "--session", "1", "--json"]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), read_file(&path).unwrap().trace.len());

    let (code, out, err) = common::ftpviz(&["replay", p, "--session", "2", "--json"]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.contains("no FTP session 2 (it holds 1)"), "{err}");
    assert_eq!(err.lines().count(), 1);
}
