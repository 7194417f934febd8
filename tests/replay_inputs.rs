//! What `ftpviz replay` opens, and what it says when there is nothing to
//! show: gzipped captures (told by their bytes, not their names), saved
//! `--json` traces (as they were saved, numbers and times), a capture with
//! no FTP in it, a damaged pcapng block, a firewall's NFLOG capture.

#[path = "support/pcapgen.rs"]
mod pcapgen;

mod common;

use flate2::write::GzEncoder;
use flate2::Compression;
use ftpviz::replay::{read, read_file};
use ftpviz::trace::{read_json_lines, Kind};
use pcapgen::*;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut z = GzEncoder::new(Vec::new(), Compression::default());
    z.write_all(bytes).unwrap();
    z.finish().unwrap()
}

/// A scratch directory for this test binary, made fresh.
fn scratch(tag: &str) -> PathBuf {
    common::temp_dir(&format!("replay-inputs-{tag}"))
}

fn run(args: &[&Path], flags: &[&str]) -> (i32, String, String) {
    let mut all: Vec<&str> = vec!["replay"];
    all.extend(args.iter().map(|p| p.to_str().unwrap()));
    all.extend(flags);
    common::ftpviz(&all)
}

#[test]
fn a_gzipped_capture_is_read_as_the_capture_whatever_its_name() {
    let Some(path) = common::capture("h1_pcapng_dumpcap_lftp_pyftpdlib.pcapng") else {
        return;
    };
    let plain = std::fs::read(&path).unwrap();
    let want = read_file(&path).unwrap().trace;
    let got = read(Cursor::new(gzip(&plain)), None, |_| {}).unwrap();
    assert_eq!(got.trace, want);
    assert!(got.warnings.is_empty(), "{:?}", got.warnings);

    // On the command line: `.pcapng.gz`, and a gzipped file called `.pcap`.
    let dir = scratch("gz");
    let (gz, misnamed) = (dir.join("h1.pcapng.gz"), dir.join("h1.pcap"));
    std::fs::write(&gz, gzip(&plain)).unwrap();
    std::fs::write(&misnamed, gzip(&plain)).unwrap();
    let (_, want_json, _) = run(&[&path], &["--json"]);
    for p in [&gz, &misnamed] {
        let (code, out, err) = run(&[p], &["--json"]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, want_json, "{}", p.display());
    }

    // A gzip stream cut short: what was read, and a warning that says so.
    let cut = gzip(&plain);
    let r = read(Cursor::new(cut[..cut.len() / 2].to_vec()), None, |_| {}).unwrap();
    assert!(r.trace.len() < want.len());
    assert!(
        r.warnings.iter().any(|w| w.message.contains("gzip")
            || w.message.contains("offsets count uncompressed bytes")),
        "{:?}",
        r.warnings
    );
}

#[test]
fn a_saved_trace_replays_as_it_was_saved() {
    let Some(path) = common::capture("b_active_port_lftp_vsftpd.pcap") else {
        return;
    };
    let (code, saved, err) = run(&[&path], &["--json"]);
    assert_eq!(code, 0, "{err}");
    let dir = scratch("json");
    let jsonl = dir.join("trace.jsonl");
    std::fs::write(&jsonl, &saved).unwrap();
    let (code, again, err) = run(&[&jsonl], &["--json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(again, saved, "the same events, numbers and times");
    // Gzipped, under a capture's name: the content decides.
    let disguised = dir.join("trace.pcap.gz");
    std::fs::write(&disguised, gzip(saved.as_bytes())).unwrap();
    let (code, again, err) = run(&[&disguised], &["--json"]);
    assert_eq!((code, again.as_str()), (0, saved.as_str()), "{err}");
    let (code, printed, _) = run(&[&jsonl], &["--print"]);
    let (_, want, _) = run(&[&path], &["--print"]);
    assert_eq!((code, printed), (0, want));
}

#[test]
fn a_bad_line_in_a_saved_trace_is_named_by_its_number() {
    let dir = scratch("badjson");
    let bad = dir.join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"t\":0.0,\"session\":1,\"conn\":0,\"channel\":\"control\",\"from\":\"client\",\"kind\":\"command\",\"text\":\"NOOP\",\"verb\":\"NOOP\"}\n\n{\"t\":1}\n",
    )
    .unwrap();
    let (code, out, err) = run(&[&bad], &["--json"]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("not a valid saved trace: line 3:"), "{err}");
}

#[test]
fn one_session_keeps_its_number_and_its_times() {
    let Some(path) = common::capture("public2/zeek_bruteforce.pcap") else {
        return;
    };
    let all = read_file(&path).unwrap().trace;
    let (code, out, err) = run(&[&path], &["--session", "7", "--json"]);
    assert_eq!(code, 0, "{err}");
    let got = read_json_lines(out.as_bytes()).unwrap();
    let want: Vec<_> = all
        .events
        .iter()
        .filter(|e| e.session == 7)
        .cloned()
        .collect();
    assert!(!want.is_empty());
    assert_eq!(got.events.len(), want.len());
    for (g, w) in got.events.iter().zip(&want) {
        assert_eq!((g.session, g.conn, &g.kind), (7, w.conn, &w.kind));
        assert!((g.t - w.t).abs() < 1e-6, "{} vs {}", g.t, w.t);
    }
    assert!(
        got.events[0].t > 10.0,
        "the capture's clock, not the session's"
    );
}

#[test]
fn a_capture_with_no_ftp_says_so_and_fails() {
    // Web traffic only: two HTTP downloads and a DNS-like datagram.
    let fmt = Format::Pcap {
        nanos: false,
        big_endian: false,
    };
    let mut w = CaptureWriter::new(Vec::new(), fmt, Link::Ethernet(&[])).unwrap();
    let t0 = 1_700_000_000_000_000_000;
    for (i, port) in [(0u64, 50000), (1, 50001)] {
        let mut c = Tcp::new(addr(&format!("10.0.0.2:{port}")), addr("10.0.0.9:80"), 1, 1);
        let t = t0 + i * 1_000_000;
        c.handshake(&mut w, t).unwrap();
        c.send(
            &mut w,
            t + 100_000,
            true,
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        )
        .unwrap();
        c.send(
            &mut w,
            t + 200_000,
            false,
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
        )
        .unwrap();
        c.close(&mut w, t + 300_000, false).unwrap();
    }
    let bytes = w.into_inner();
    let r = read(Cursor::new(bytes.clone()), None, |_| {}).unwrap();
    assert!(r.trace.is_empty());
    assert_eq!(
        r.nothing_found().as_deref(),
        Some("no FTP found in 14 packets (2 TCP connections)")
    );
    let dir = scratch("noftp");
    let p = dir.join("web.pcap");
    std::fs::write(&p, bytes).unwrap();
    for flag in ["--json", "--print"] {
        let (code, out, err) = run(&[&p], &[flag]);
        assert_eq!(code, 1, "{err}");
        assert!(out.is_empty());
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("no FTP found in 14 packets (2 TCP connections)"),
            "{err}"
        );
    }
}

#[test]
fn a_damaged_pcapng_block_is_said_in_words_with_its_offset() {
    let Some(path) = common::capture("h1_pcapng_dumpcap_lftp_pyftpdlib.pcapng") else {
        return;
    };
    let mut bytes = std::fs::read(&path).unwrap();
    // Walk the blocks (little-endian) to the tenth, and make its trailing
    // length disagree with its leading one.
    let mut at = 0usize;
    for _ in 0..10 {
        at += u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
    }
    let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
    bytes[at + len - 4] ^= 0x40;
    let r = read(Cursor::new(bytes), None, |_| {}).unwrap();
    let w = r.warnings.first().expect("a warning");
    assert_eq!(w.offset, Some(at as u64));
    assert!(
        w.message
            .contains(&format!("says it is {len} bytes long at its start but")),
        "{}",
        w.message
    );
    assert!(!w.message.contains("predicate") && !w.message.contains("unparsable"));
    assert!(!r.trace.is_empty(), "what came before is kept");
}

#[test]
fn a_firewall_nflog_capture_is_read_like_any_other() {
    let build = |link: Link| {
        let fmt = Format::PcapNg { tsresol: 9 };
        let mut w = CaptureWriter::new(Vec::new(), fmt, link).unwrap();
        let t0 = 1_700_000_000_000_000_000;
        let mut c = Tcp::new(addr("10.0.0.2:41000"), addr("10.0.0.3:21"), 1, 1);
        c.handshake(&mut w, t0).unwrap();
        let lines = [
            (false, "220 ready\r\n"),
            (true, "USER a\r\n"),
            (false, "230 ok\r\n"),
            (true, "PASV\r\n"),
            (false, "227 Entering Passive Mode (10,0,0,3,195,80).\r\n"),
            (true, "LIST\r\n"),
        ];
        for (i, (from_client, line)) in lines.iter().enumerate() {
            let t = t0 + (i as u64 + 1) * 1_000_000;
            c.send(&mut w, t, *from_client, line.as_bytes()).unwrap();
        }
        let mut d = Tcp::new(addr("10.0.0.2:42000"), addr("10.0.0.3:50000"), 5, 9);
        d.handshake(&mut w, t0 + 10_000_000).unwrap();
        d.send(&mut w, t0 + 11_000_000, false, b"a\r\nb\r\n")
            .unwrap();
        d.close(&mut w, t0 + 12_000_000, false).unwrap();
        w.into_inner()
    };
    let nflog = read(Cursor::new(build(Link::Nflog)), None, |_| {}).unwrap();
    let raw = read(Cursor::new(build(Link::Raw)), None, |_| {}).unwrap();
    assert!(nflog.warnings.is_empty(), "{:?}", nflog.warnings);
    assert_eq!(nflog.trace, raw.trace);
    assert!(nflog
        .trace
        .events
        .iter()
        .any(|e| matches!(e.kind, Kind::Connect { via: Some(_), .. })));
}
