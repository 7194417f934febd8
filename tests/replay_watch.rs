//! `ftpviz watch IFACE`: capturing from an interface itself. Two network
//! namespaces made by the test, joined by a veth pair: `ftpviz serve` on one
//! side, curl (passive, then active) on the other, `watch` on the server's
//! end of the cable and, beside it, tcpdump recording the same traffic.
//! Every session and dial that the recording shows (replayed), `watch`
//! shows in the same form, and so does its own `--record`ing. Ctrl-C ends
//! it cleanly, with a last line counting the frames read (those it
//! recorded) and the kernel's drops. Without
//! CAP_NET_RAW, one line says how to run it. Needs root and `ip` (skipped otherwise; a failure under CI).

mod common;
#[path = "support/netns.rs"]
mod netns;
#[path = "support/serve_bin.rs"]
mod serve_bin;

use ftpviz::trace::{Event, Kind};
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const SERVER: &str = "10.99.17.1";
const CLIENT: &str = "10.99.17.2";
/// Longest wait for a line owed (a guard against a hang, not a timing).
const OWED: Duration = Duration::from_secs(120);

/// A child's stderr until a line containing `ready`; the rest of it, once
/// the child has closed it.
fn wait_for(child: &mut Child, ready: &str) -> std::thread::JoinHandle<String> {
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        let n = err.read_line(&mut line).unwrap();
        assert!(n > 0, "ended before saying {ready:?}");
        if line.contains(ready) {
            break;
        }
    }
    // Keep draining, so the child never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut rest);
        rest
    })
}

/// `kill -SIGNAL` to a child (ours).
fn signal(child: &Child, signal: &str) {
    let sent = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

/// N and M of watch's last line, `ftpviz: watch: N frames read, M dropped
/// by the kernel`.
fn frames_and_drops(stderr: &str) -> (u64, u64) {
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("ftpviz: watch: "))
        .unwrap_or_else(|| panic!("no count of frames in {stderr:?}"));
    let numbers: Vec<u64> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(
        line.ends_with("dropped by the kernel") && numbers.len() == 2,
        "{line}"
    );
    (numbers[0], numbers[1])
}

/// What a trace shows, without the clock: every event but data (whose
/// coalescing follows timing), and the bytes per data connection.
fn form(events: &[Event]) -> (Vec<String>, Vec<(u32, u32, u64)>) {
    let shown = events
        .iter()
        .filter(|e| !matches!(e.kind, Kind::Data { .. }))
        .map(|e| format!("{} {} {:?} {:?}", e.session, e.conn, e.from, e.kind))
        .collect();
    let mut conns: Vec<(u32, u32)> = events.iter().map(|e| (e.session, e.conn)).collect();
    conns.dedup();
    conns.sort_unstable();
    conns.dedup();
    let bytes = conns
        .into_iter()
        .map(|(s, c)| (s, c, ftpviz::trace::data_bytes(events, s, c)))
        .collect();
    (shown, bytes)
}

#[test]
fn watch_on_a_veth_shows_what_tcpdump_recorded() {
    if common::peer("curl").is_none() || common::peer("tcpdump").is_none() {
        return;
    }
    let Some((server_ns, client_ns, cable)) = netns::veth_pair("watch", SERVER, CLIENT) else {
        return;
    };
    let dir = common::temp_dir("watch");
    let recording = dir.join("tcpdump.pcap");
    let ours = dir.join("watch.pcapng");
    let mut tcpdump = server_ns
        .command("tcpdump")
        .args([
            "-i",
            &cable,
            "-U",
            "--immediate-mode",
            "-n",
            "-Z",
            "root",
            "-w",
        ])
        .arg(&recording)
        .arg("tcp")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(&mut tcpdump, "listening on");
    let mut watch = server_ns
        .command(env!("CARGO_BIN_EXE_ftpviz"))
        .args(["watch", &cable, "--json", "--record"])
        .arg(&ours)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let watch_said = wait_for(&mut watch, "watching TCP on");
    let served = serve_bin::serve_with(
        server_ns.command(env!("CARGO_BIN_EXE_ftpviz")),
        None,
        &["--classroom"],
        &format!("{SERVER}:0"),
    );
    let url = format!("ftp://{SERVER}:{}/hello.txt", served.addr.port());
    for mode in [&[][..], &["-P", "-"][..]] {
        let out = client_ns
            .command("curl")
            .args(["-sS", "--max-time", "30"])
            .args(mode)
            .arg(&url)
            .output()
            .unwrap();
        assert!(out.stdout.starts_with(b"Hello from the ftpviz"), "{out:?}");
    }
    served.stop();
    // watch gives each event once it is final: both sessions, to their
    // 221 and the control connection's close.
    let (tx, rx) = mpsc::channel();
    let out = watch.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut seen: Vec<Event> = Vec::new();
    let closed = |seen: &[Event]| {
        (1..=2).all(|s| {
            seen.iter()
                .any(|e| e.session == s && e.conn == 0 && e.kind == Kind::Close)
                && seen
                    .iter()
                    .any(|e| e.session == s && matches!(e.kind, Kind::Reply { code: 221, .. }))
        })
    };
    while !closed(&seen) {
        let line = rx.recv_timeout(OWED).expect("watch shows both sessions");
        seen.push(
            ftpviz::trace::read_json_lines(line.as_bytes())
                .unwrap()
                .events[0]
                .clone(),
        );
    }
    // Ctrl-C: a clean end, the events still owed written out.
    signal(&watch, "-INT");
    assert!(watch.wait().unwrap().success(), "watch exits 0 on Ctrl-C");
    while let Ok(line) = rx.recv_timeout(OWED) {
        seen.push(
            ftpviz::trace::read_json_lines(line.as_bytes())
                .unwrap()
                .events[0]
                .clone(),
        );
    }
    // tcpdump writes each packet as it reads it: wait for its recording
    // to hold what watch showed (or the guard), then stop it.
    let (got, got_bytes) = form(&seen);
    let started = std::time::Instant::now();
    let recorded = loop {
        let r = ftpviz::replay::read_file(&recording).unwrap();
        if form(&r.trace.events) == (got.clone(), got_bytes.clone()) || started.elapsed() > OWED {
            break r;
        }
        std::thread::sleep(Duration::from_millis(50)); // polling a file for content
    };
    signal(&tcpdump, "-TERM");
    tcpdump.wait().unwrap();
    assert!(
        recorded.packets > 0,
        "tcpdump recorded nothing: {:?}",
        recorded.warnings
    );
    let (want, want_bytes) = form(&recorded.trace.events);
    assert_eq!(got, want);
    assert_eq!(got_bytes, want_bytes);
    // watch --record saved what it saw: replayed, the same again.
    let saved = ftpviz::replay::read_file(&ours).unwrap();
    assert_eq!(form(&saved.trace.events), (got.clone(), got_bytes.clone()));
    // Its last line counts the frames it read: those it recorded; a few
    // small transfers on an idle cable lose none.
    let (frames, dropped) = frames_and_drops(&watch_said.join().unwrap());
    assert_eq!(frames, saved.packets);
    assert_eq!(dropped, 0);
    // Passive, then active: a client's dial, then the server's.
    let dials: Vec<_> = seen
        .iter()
        .filter_map(|e| match e.kind {
            Kind::Connect { via, .. } if e.conn > 0 => Some((e.session, e.from, via)),
            _ => None,
        })
        .collect();
    assert_eq!(dials.len(), 2, "{dials:?}");
}

#[test]
fn without_cap_net_raw_one_line_says_how_to_run_it() {
    if !rustix::process::geteuid().is_root() {
        // Not root: the real thing, as an ordinary user meets it.
        let (code, _, err) = common::ftpviz(&["watch", "lo"]);
        assert_eq!(code, 1);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("needs CAP_NET_RAW"), "{err}");
        return;
    }
    let Some(setpriv) = common::peer("setpriv") else {
        return;
    };
    let out = std::process::Command::new(setpriv)
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all",
        ])
        .arg(env!("CARGO_BIN_EXE_ftpviz"))
        .args(["watch", "lo", "--print"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("needs CAP_NET_RAW"), "{err}");
    assert!(err.contains("sudo") && err.contains("setcap") && err.contains("replay -"));
}

#[test]
fn an_interface_that_does_not_exist_is_named() {
    let (code, _, err) = common::ftpviz(&["watch", "no-such-if0", "--print"]);
    assert_eq!(code, 1);
    assert!(err.contains("no interface called no-such-if0"), "{err}");
}
