//! The lab's command line: its flags work with or without the word `lab`,
//! the comparison's timeline says which session is which, a combination
//! that cannot run is a usage error, and a failure says its OS error once.
//! Every run is the real binary on loopback (port 0, or a port held here).

mod common;

use common::ftpviz;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn the_labs_flags_work_without_the_word_lab() {
    // --nat client: the PORT names a private address and is refused.
    let (code, out, err) = ftpviz(&[
        "--mode", "active", "--nat", "client", "--port", "0", "--print",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("command PORT 192,168,"), "{out}");
    assert!(out.contains("reply 504"), "{out}");
    assert!(!out.contains("via PASV"), "active only: {out}");
    // The same with `lab`.
    let (code, with_lab, _) = ftpviz(&[
        "lab", "--mode", "active", "--nat", "client", "--port", "0", "--print",
    ]);
    assert_eq!(code, 0);
    let verbs = |s: &str| -> Vec<String> {
        s.lines()
            .filter_map(|l| l.split(" command ").nth(1))
            .map(|c| c.split_whitespace().next().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(verbs(&out), verbs(&with_lab));
}

#[test]
fn the_firewall_flag_works_without_the_word_lab() {
    // The client firewall's note shows on the first PORT; the run goes on
    // (each blocked dial waits for its timeout), so stop it there.
    let mut child = Command::new(env!("CARGO_BIN_EXE_ftpviz"))
        .args([
            "--firewall",
            "client",
            "--mode",
            "active",
            "--port",
            "0",
            "--print",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("ftpviz runs");
    let stdout = child.stdout.take().expect("stdout");
    let line = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find(|l| l.contains("command PORT"));
    let _ = child.kill();
    let _ = child.wait();
    let line = line.expect("a PORT line");
    assert!(line.contains("the client firewall"), "{line}");
}

#[test]
fn mixing_the_default_commands_flags_with_a_command_is_a_usage_error() {
    let (code, _, err) = ftpviz(&["--port", "0", "lab", "--print"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--port"), "{err}");
}

#[test]
fn the_comparisons_timeline_has_a_header_per_session() {
    let (code, out, err) = ftpviz(&["lab", "--mode", "compare", "--port", "0", "--print"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    let headers: Vec<(usize, &str)> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with('#'))
        .map(|(i, l)| (i, *l))
        .collect();
    assert_eq!(headers.len(), 2, "{out}");
    assert_eq!(headers[0].0, 0, "the first line");
    assert!(headers[0].1.contains("session 1: active"), "{out}");
    assert!(headers[1].1.contains("session 2: passive"), "{out}");
    // Each header comes right before its session's first event.
    let session = |l: &str| {
        l.split_whitespace()
            .nth(1)
            .and_then(|s| s.split('/').next())
            .map(str::to_string)
    };
    let next = lines[headers[1].0 + 1];
    assert_eq!(session(next).as_deref(), Some("2"), "{next}");
    assert_eq!(session(lines[headers[1].0 - 1]).as_deref(), Some("1"));
    // JSON stays one event a line.
    let (_, json, _) = ftpviz(&["lab", "--mode", "compare", "--port", "0", "--json"]);
    assert!(json.lines().all(|l| l.starts_with('{')), "{json}");
}

#[test]
fn the_bounce_lesson_needs_active_mode() {
    for mode in ["passive", "compare"] {
        let (code, out, err) = ftpviz(&[
            "lab", "--lesson", "bounce", "--mode", mode, "--port", "0", "--print",
        ]);
        assert_eq!(code, 2, "{mode}: {err}");
        assert!(err.contains("--lesson bounce needs --mode active"), "{err}");
        assert!(out.is_empty(), "nothing ran: {out}");
    }
    // Without --mode it is active, and the server refuses the bounce.
    let (code, out, err) = ftpviz(&["--lesson", "bounce", "--port", "0", "--print"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("command PORT") && out.contains("reply 504"),
        "{out}"
    );
    assert!(!out.contains("command PASV"), "{out}");
}

#[test]
fn a_port_named_and_taken_fails_with_its_os_error_once() {
    let (_, server_ip) = ftpviz::lab::peer_ips(false);
    let held = std::net::TcpListener::bind((server_ip, 0)).expect("a port");
    let port = held.local_addr().expect("its address").port().to_string();
    let (code, out, err) = ftpviz(&["--mode", "active", "--port", &port, "--print"]);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty(), "{out}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(
        err.contains(&format!("cannot listen on {server_ip}:{port}")),
        "{err}"
    );
    assert_eq!(
        err.matches("os error").count(),
        1,
        "the OS error once: {err}"
    );
}

#[test]
fn the_default_port_gives_way_when_taken() {
    let (_, server_ip) = ftpviz::lab::peer_ips(false);
    // Held here, or already by someone else (then it may come free).
    let holder = match std::net::TcpListener::bind((server_ip, 2121)) {
        Ok(l) => Some(l),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => None,
        Err(e) => panic!("cannot bind {server_ip}:2121: {e}"),
    };
    let (code, out, err) = ftpviz(&["--mode", "passive", "--print"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("reply 226"), "{out}");
    if holder.is_some() {
        assert!(err.contains(&format!("{server_ip}:2121 is taken")), "{err}");
        assert!(!out.contains(&format!("{server_ip}:2121 ")), "{out}");
    }
}

/// Started with no terminal at all (a new session with no controlling
/// terminal, stdin from /dev/null: a cron job, a script under `nohup`), each
/// TUI says so in one line and exits 1 — never a panic from the key reader.
#[test]
fn every_tui_without_a_terminal_says_so_and_does_not_panic() {
    use std::os::unix::process::CommandExt;
    for args in [
        &["lab", "--port", "0"][..],
        &["lesson"][..],
        &["serve", "--listen", "127.0.0.1:0"][..],
        &["replay", "../shared/captures/a_pasv_curl_vsftpd.pcap"][..],
    ] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ftpviz"));
        cmd.args(args).stdin(Stdio::null());
        // SAFETY: setsid(2) is async-signal-safe; it only leaves the
        // controlling terminal behind, in the child, before exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        let out = cmd.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(err.contains("no terminal to draw on"), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    }
}
