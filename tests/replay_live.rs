//! Captures as they arrive: `replay -` from a pipe (one byte at a time, and
//! with the pipe left open: each event is written when it is known),
//! `replay --follow` on a file still being written, and a rotated capture
//! given as several files. Each must give the trace the whole file gives,
//! also after thousands of sessions (a live reading lets go of what it gave
//! out, and must lose nothing doing so).

mod common;
#[path = "support/many_sessions.rs"]
mod many_sessions;
#[path = "support/pcapgen.rs"]
mod pcapgen;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Longest wait for a line the program owes (a guard against a hang, not a
/// timing: every wait ends as soon as the line comes).
const OWED: Duration = Duration::from_secs(120);

fn ftpviz(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_ftpviz"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ftpviz")
}

/// `ftpviz replay FILE --json`: stdout and stderr.
fn whole(path: &Path) -> (String, String) {
    let (code, out, err) = common::ftpviz(&["replay", path.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{err}");
    (out, err)
}

/// The child's stdout, line by line, through a channel.
fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

#[test]
fn a_capture_fed_one_byte_at_a_time_through_a_pipe_is_the_file() {
    let names = [
        "a_pasv_curl_vsftpd.pcap",
        "h1_pcapng_dumpcap_lftp_pyftpdlib.pcapng",
        "public2/yuga_FTP.pcap",
        "public2/liyihao_ftp1.pcap",
        "public2/ndpi_ftp-start-tls.pcap",
    ];
    for name in names {
        let Some(path) = common::capture(name) else {
            return;
        };
        let (want_out, want_err) = whole(&path);
        let bytes = std::fs::read(&path).unwrap();
        let mut child = ftpviz(&["replay", "-", "--json"]);
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            for b in bytes {
                stdin.write_all(&[b]).unwrap();
                stdin.flush().unwrap();
            }
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        assert!(out.status.success(), "{name}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), want_out, "{name}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), want_err, "{name}");
    }
}

#[test]
fn thousands_of_sessions_through_a_pipe_are_the_file() {
    let sessions = 3000;
    let dir = common::temp_dir("long");
    let path = dir.join("long.pcap");
    many_sessions::generate(&path, sessions).unwrap();
    let (want_out, want_err) = whole(&path);
    let bytes = std::fs::read(&path).unwrap();
    let mut child = ftpviz(&["replay", "-", "--json"]);
    let mut stdin = child.stdin.take().unwrap();
    // In small pieces: the reading waits, gives out and lets go many times.
    let writer = std::thread::spawn(move || {
        for piece in bytes.chunks(4096) {
            stdin.write_all(piece).unwrap();
            stdin.flush().unwrap();
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success());
    let got = String::from_utf8_lossy(&out.stdout);
    assert_eq!(got.lines().count(), want_out.lines().count());
    assert!(got == want_out, "the pipe's trace differs from the file's");
    assert_eq!(String::from_utf8_lossy(&out.stderr), want_err);
    let last = want_out.lines().last().unwrap_or_default();
    let last: serde_json::Value = serde_json::from_str(last).unwrap();
    assert_eq!(last["session"], sessions, "every session found");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn events_are_written_as_soon_as_they_are_known() {
    // The whole capture goes in but the pipe stays open: every event of
    // this capture (all its connections closed) is final, so every line
    // must come out before the end of the input.
    let Some(path) = common::capture("b_active_port_lftp_vsftpd.pcap") else {
        return;
    };
    let (want, _) = whole(&path);
    let mut child = ftpviz(&["replay", "-", "--json"]);
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&std::fs::read(&path).unwrap()).unwrap();
    stdin.flush().unwrap();
    let lines = lines_of(&mut child);
    for (i, want) in want.lines().enumerate() {
        let got = lines
            .recv_timeout(OWED)
            .unwrap_or_else(|_| panic!("line {i} not written while the pipe is open"));
        assert_eq!(got, want);
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
    assert!(lines.recv().is_err(), "nothing more after the end");
}

/// The records of a little-endian pcap file: (header, records).
fn records(pcap: &[u8]) -> (&[u8], Vec<&[u8]>) {
    let mut at = 24;
    let mut out = Vec::new();
    while at + 16 <= pcap.len() {
        let caplen = u32::from_le_bytes(pcap[at + 8..at + 12].try_into().unwrap()) as usize;
        out.push(&pcap[at..at + 16 + caplen]);
        at += 16 + caplen;
    }
    (&pcap[..24], out)
}

/// A capture cut in two after `first` packets, as a ring buffer rotates.
fn rotated(path: &Path, first: usize, dir: &Path) -> (PathBuf, PathBuf) {
    let bytes = std::fs::read(path).unwrap();
    let (header, recs) = records(&bytes);
    let (a, b) = (dir.join("ring_00001.pcap"), dir.join("ring_00002.pcap"));
    for (file, part) in [(&a, &recs[..first]), (&b, &recs[first..])] {
        let mut f = header.to_vec();
        part.iter().for_each(|r| f.extend_from_slice(r));
        std::fs::write(file, f).unwrap();
    }
    (a, b)
}

#[test]
fn a_rotated_capture_is_one_trace_whatever_the_order_given() {
    let Some(path) = common::capture("a_pasv_curl_vsftpd.pcap") else {
        return;
    };
    let (want, _) = whole(&path);
    let dir = common::temp_dir("rotated");
    // Packet 20 is the LIST: the session spans both files.
    let (a, b) = rotated(&path, 20, &dir);
    let (code, out, err) =
        common::ftpviz(&["replay", b.to_str().unwrap(), a.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, want);
    assert_eq!(err, "");
    let replay = ftpviz::replay::read_files(&[b, a], |_| {}).unwrap();
    assert_eq!(
        replay.trace.sessions(),
        vec![1],
        "one session across two files"
    );
}

/// `replay --follow WHAT --json`: its first line must come from what is
/// there; then `more` writes the rest, and every line of `want` must come.
fn follow(what: &Path, want: &str, more: impl FnOnce()) {
    let mut child = ftpviz(&["replay", "--follow", what.to_str().unwrap(), "--json"]);
    let lines = lines_of(&mut child);
    let first = lines.recv_timeout(OWED).expect("the first event");
    assert_eq!(Some(first.as_str()), want.lines().next());
    more();
    for (i, want) in want.lines().enumerate().skip(1) {
        let got = lines
            .recv_timeout(OWED)
            .unwrap_or_else(|_| panic!("line {i}"));
        assert_eq!(got, want);
    }
    // Following never ends by itself.
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_growing_file_is_followed() {
    let Some(path) = common::capture("a_pasv_curl_vsftpd.pcap") else {
        return;
    };
    let (want, _) = whole(&path);
    let dir = common::temp_dir("follow");
    let (a, b) = rotated(&path, 20, &dir);
    let growing = dir.join("growing.pcap");
    std::fs::copy(&a, &growing).unwrap();
    follow(&growing, &want, || {
        // The capture tool writes the rest.
        let rest = records(&std::fs::read(&b).unwrap()).1.concat();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&growing)
            .unwrap()
            .write_all(&rest)
            .unwrap();
    });
}

#[test]
fn a_ring_buffer_is_followed_from_file_to_file() {
    let Some(path) = common::capture("a_pasv_curl_vsftpd.pcap") else {
        return;
    };
    let (want, _) = whole(&path);
    let dir = common::temp_dir("ring");
    let (_, b) = rotated(&path, 20, &dir);
    // The tool has written its first file; the second comes later.
    let later = dir.join("later.pcap");
    std::fs::rename(&b, &later).unwrap();
    follow(&dir.join("ring_*.pcap"), &want, || {
        std::fs::rename(&later, &b).unwrap()
    });
}
