//! The live benchmark: does `ftpviz watch` keep up with a 1 Gbit/s
//! transfer, without the kernel dropping frames it could not queue?
//!
//! ```text
//! sudo -E cargo bench --bench watch_rate          # 1 GiB per run
//! FTPVIZ_RATE_MB=4096 cargo bench --bench watch_rate
//! ```
//!
//! It needs root (network namespaces, a packet socket), `ip`, `tc` and
//! curl; without them it says it is skipped and why, and exits 0.
//!
//! Two network namespaces made here (deleted at the end, also on a
//! failure), joined by a veth pair. In the server's: `ftpviz serve --root`
//! on a temp dir holding one sparse file of `FTPVIZ_RATE_MB` MiB (1024 by
//! default; read once first, so each run is served from the page cache;
//! removed after), and `ftpviz watch VETH --json` on the server's
//! end of the cable. In the client's: curl downloads the file to
//! /dev/null, passive then active. The cable is shaped to 1 Gbit/s by
//! `tc qdisc … tbf rate 1gbit burst 64kb latency 50ms` on the sending
//! (server's) side: with a burst under 64 KiB, tbf cuts the kernel's
//! 64 KiB offload frames into wire-size ones (1514 bytes), so `watch` sees
//! what a 1 Gbit/s Ethernet wire carries, about 81 000 data frames a
//! second, plus the client's ACKs. File bytes reach at most 0.956 Gbit/s
//! (1448 of each 1514 frame bytes).
//!
//! Each run waits for events, never for a time: watch's "watching TCP on"
//! before curl starts, the 226 in its JSON before Ctrl-C (SIGINT), which
//! ends `watch` cleanly with its last line `ftpviz: watch: N frames read, M
//! dropped by the kernel` (the kernel's `PACKET_STATISTICS`). Reported per
//! run: bytes, seconds of transfer (curl's, from the transfer's start to
//! its end), Gbit/s of file bytes, the frames watch read and frames/s, the
//! kernel's drops, watch's CPU time (all its threads, as a share of one
//! core over the transfer's seconds), and whether
//! the trace holds the transfer: the 226, and a data connection whose bytes
//! in `--json` equal the file's size.
//!
//! Besides: the shaped link without `watch` (what the machine gives when
//! nothing watches), and two unshaped runs to show the headroom: the
//! veth as fast as it goes (64 KiB offload frames), and with wire-size
//! frames (`ip link set VETH gso_max_size 1514`), the most frames a second
//! this machine moves.
//!
//! Last, a check of the count itself: watch is stopped (SIGSTOP) while curl
//! runs and continued after, so the socket's queue (64 MiB) overflows and
//! the kernel must count drops (from 256 MiB up); a zero there would make
//! every zero above worthless.
//!
//! Goal: 1 Gbit/s without drops: both shaped runs with no frame dropped,
//! the transfer whole in the trace, at least 0.9 Gbit/s reached, and drops
//! counted in the paused run.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/support/netns.rs"]
mod netns;
#[path = "../tests/support/serve_bin.rs"]
mod serve_bin;

use ftpviz::trace::{read_json_lines, Event, Kind};
use netns::Netns;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

const SERVER: &str = "10.99.18.1";
const CLIENT: &str = "10.99.18.2";
/// The longest wait for a line owed (a guard against a hang, not a timing).
const OWED: Duration = Duration::from_secs(600);
/// The shaping: tbf on the server's end of the cable (see the top).
const TBF: [&str; 7] = ["tbf", "rate", "1gbit", "burst", "64kb", "latency", "50ms"];
/// The goal's least rate of file bytes, Gbit/s (the ceiling is 0.956).
const GOAL_GBITS: f64 = 0.9;

/// How the cable carries the transfer.
#[derive(Clone, Copy, PartialEq)]
enum Link {
    /// tbf at 1 Gbit/s, wire-size frames.
    Gbit,
    /// As fast as the veth goes, 64 KiB offload frames.
    Unshaped,
    /// As fast as it goes, wire-size frames (gso_max_size 1514).
    UnshapedWire,
}

/// Whether `watch` runs beside the transfer.
#[derive(Clone, Copy, PartialEq)]
enum Watching {
    No,
    Yes,
    /// Stopped (SIGSTOP) while curl runs, continued after: the socket's
    /// queue overflows, so the drop count must grow (a check of it).
    Paused,
}

struct Case {
    label: &'static str,
    link: Link,
    active: bool,
    watching: Watching,
}

const CASES: [Case; 6] = [
    Case {
        label: "1 Gbit/s, passive",
        link: Link::Gbit,
        active: false,
        watching: Watching::Yes,
    },
    Case {
        label: "1 Gbit/s, active",
        link: Link::Gbit,
        active: true,
        watching: Watching::Yes,
    },
    Case {
        label: "1 Gbit/s, passive, no watch",
        link: Link::Gbit,
        active: false,
        watching: Watching::No,
    },
    Case {
        label: "unshaped, passive",
        link: Link::Unshaped,
        active: false,
        watching: Watching::Yes,
    },
    Case {
        label: "unshaped 1514 B frames, passive",
        link: Link::UnshapedWire,
        active: false,
        watching: Watching::Yes,
    },
    Case {
        label: "1 Gbit/s, watch paused (check)",
        link: Link::Gbit,
        active: false,
        watching: Watching::Paused,
    },
];

/// What `watch` told of one run.
struct Watched {
    frames: u64,
    drops: u64,
    cpu_secs: f64,
    /// The transfer whole in its trace, or what is wrong.
    trace: Result<(), String>,
}

/// One run's figures.
struct Measured {
    bytes: u64,
    secs: f64,
    watched: Option<Watched>,
}

/// The temp dir with the served file; removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `ftpviz watch --json` running in the server's namespace; killed if
/// still running when dropped (a failed run).
struct Watch {
    child: Child,
    lines: mpsc::Receiver<String>,
    stderr: Option<JoinHandle<String>>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Watch {
    /// Starts watching `cable`; returns once watch says it sees.
    fn start(ns: &Netns, cable: &str) -> Watch {
        let mut child = ns
            .command(env!("CARGO_BIN_EXE_ftpviz"))
            .args(["watch", cable, "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ftpviz watch runs");
        let mut err = BufReader::new(child.stderr.take().expect("piped"));
        let mut line = String::new();
        while !line.contains("watching TCP on") {
            line.clear();
            let n = err.read_line(&mut line).expect("watch's stderr");
            assert!(n > 0, "watch ended before watching");
        }
        let stderr = std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = err.read_to_string(&mut rest);
            rest
        });
        let (tx, lines) = mpsc::channel();
        let out = BufReader::new(child.stdout.take().expect("piped"));
        std::thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Watch {
            child,
            lines,
            stderr: Some(stderr),
        }
    }

    /// Sends `signal` (`-STOP`, `-INT`…) to watch.
    fn signal(&self, signal: &str) {
        let sent = std::process::Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status();
        assert!(sent.is_ok_and(|s| s.success()), "kill {signal} watch");
    }

    /// Waits for the 226 (unless `hurry`: a paused watch may have lost it),
    /// stops watch with Ctrl-C, and checks its trace against a download of
    /// `size` bytes.
    fn finish(mut self, size: u64, hurry: bool) -> Watched {
        let mut events = Vec::new();
        let is_226 = |e: &Event| matches!(e.kind, Kind::Reply { code: 226, .. });
        while !hurry && !events.iter().any(is_226) {
            match self.lines.recv_timeout(OWED) {
                Ok(line) => events.extend(event(&line)),
                Err(_) => break,
            }
        }
        let cpu_secs = cpu_secs(self.child.id());
        self.signal("-INT");
        while let Ok(line) = self.lines.recv_timeout(OWED) {
            events.extend(event(&line));
        }
        let status = self.child.wait().expect("watch ends");
        let said = self.stderr.take().map(|t| t.join().unwrap_or_default());
        let said = said.unwrap_or_default();
        let (frames, drops) = frames_and_drops(&said)
            .unwrap_or_else(|| panic!("watch ({status}) gave no count of frames: {said}"));
        Watched {
            frames,
            drops,
            cpu_secs,
            trace: whole(&events, size),
        }
    }
}

/// The event on one line of `--json`.
fn event(line: &str) -> Option<Event> {
    read_json_lines(line.as_bytes())
        .ok()?
        .events
        .into_iter()
        .next()
}

/// Time the process's threads spent on a CPU so far, seconds (each
/// thread's `/proc/PID/task/TID/schedstat`).
fn cpu_secs(pid: u32) -> f64 {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten();
    let ns: u64 = tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    ns as f64 / 1e9
}

/// N and M of `ftpviz: watch: N frames read, M dropped by the kernel`.
fn frames_and_drops(stderr: &str) -> Option<(u64, u64)> {
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("ftpviz: watch: "))?;
    let mut numbers = line.split_whitespace().filter_map(|w| w.parse().ok());
    Some((numbers.next()?, numbers.next()?))
}

/// The transfer is in the trace: its 226, and a data connection that
/// carried `size` bytes.
fn whole(events: &[Event], size: u64) -> Result<(), String> {
    if !events
        .iter()
        .any(|e| matches!(e.kind, Kind::Reply { code: 226, .. }))
    {
        return Err("no 226".into());
    }
    let mut conns: Vec<(u32, u32)> = events
        .iter()
        .filter(|e| e.conn > 0)
        .map(|e| (e.session, e.conn))
        .collect();
    conns.sort_unstable();
    conns.dedup();
    let bytes: Vec<u64> = conns
        .iter()
        .map(|&(s, c)| ftpviz::trace::data_bytes(events, s, c))
        .collect();
    if bytes.contains(&size) {
        Ok(())
    } else {
        Err(format!("data connections carried {bytes:?} bytes"))
    }
}

/// Shapes the server's end of the cable for `link`.
fn shape(ns: &Netns, cable: &str, link: Link) {
    let gso = if link == Link::UnshapedWire {
        "1514"
    } else {
        "65536"
    };
    ns.run(&["ip", "link", "set", "dev", cable, "gso_max_size", gso]);
    if link == Link::Gbit {
        let mut argv = vec!["tc", "qdisc", "replace", "dev", cable, "root"];
        argv.extend(TBF);
        ns.run(&argv);
    } else {
        // None there is no failure.
        let _ = ns
            .command("tc")
            .args(["qdisc", "del", "dev", cable, "root"])
            .output();
    }
}

/// curl in the client's namespace downloads `url` to /dev/null: bytes and
/// seconds of transfer.
fn download(ns: &Netns, url: &str, active: bool) -> (u64, f64) {
    let mut curl = ns.command("curl");
    curl.args(["-sS", "--max-time", "600", "-o", "/dev/null"])
        .args(["-w", "%{size_download} %{time_pretransfer} %{time_total}"]);
    if active {
        curl.args(["-P", "-"]);
    }
    let out = curl.arg(url).output().expect("curl runs");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "curl: {said} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let f: Vec<f64> = said
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    let [bytes, pre, total] = f[..] else {
        panic!("curl said {said:?}");
    };
    (bytes as u64, total - pre)
}

/// One run of `case` against the server at `url`.
fn run(case: &Case, server: &Netns, client: &Netns, cable: &str, url: &str) -> Measured {
    shape(server, cable, case.link);
    let watch = (case.watching != Watching::No).then(|| Watch::start(server, cable));
    let paused = case.watching == Watching::Paused;
    if let (Some(w), true) = (&watch, paused) {
        w.signal("-STOP");
    }
    let (bytes, secs) = download(client, url, case.active);
    if let (Some(w), true) = (&watch, paused) {
        w.signal("-CONT");
    }
    let watched = watch.map(|w| w.finish(bytes, paused));
    Measured {
        bytes,
        secs,
        watched,
    }
}

/// The row of one run.
fn print_row(case: &Case, m: &Measured) {
    let gbits = gbits(m);
    let mib = m.bytes >> 20;
    match &m.watched {
        Some(w) => println!(
            "{:<32} {mib:>6} {:>6.2} {gbits:>7.3} {:>9} {:>9.0} {:>7} {:>5.0}%  {}",
            case.label,
            m.secs,
            w.frames,
            w.frames as f64 / m.secs,
            w.drops,
            100.0 * w.cpu_secs / m.secs,
            match (&w.trace, case.watching) {
                (Ok(()), _) => "226, all bytes".to_string(),
                (Err(e), Watching::Paused) => format!("holes, as it must ({e})"),
                (Err(e), _) => format!("WRONG: {e}"),
            }
        ),
        None => println!(
            "{:<32} {mib:>6} {:>6.2} {gbits:>7.3}  (nothing watching)",
            case.label, m.secs
        ),
    }
}

/// Gbit/s of file bytes in a run.
fn gbits(m: &Measured) -> f64 {
    m.bytes as f64 * 8.0 / m.secs / 1e9
}

/// The goal over the shaped, watched runs; when the rate falls short, the
/// shaped link's rate with nothing watching says whether watch is why. The
/// paused run must have drops counted, or no count can be trusted.
fn print_goal(runs: &[(&Case, Measured)]) {
    let unwatched = runs
        .iter()
        .find(|(c, m)| c.link == Link::Gbit && m.watched.is_none())
        .map(|(_, m)| gbits(m));
    let mut why = Vec::new();
    for (case, m) in runs {
        let (Link::Gbit, Some(w)) = (case.link, &m.watched) else {
            continue;
        };
        if case.watching == Watching::Paused {
            // Less than this may fit in the socket's queue.
            if w.drops == 0 && m.bytes >= 256 << 20 {
                why.push("no drop counted while watch was paused: the count is broken".into());
            }
            continue;
        }
        if w.drops > 0 {
            why.push(format!("{}: {} frames dropped", case.label, w.drops));
        }
        if let Err(e) = &w.trace {
            why.push(format!("{}: trace {e}", case.label));
        }
        if gbits(m) < GOAL_GBITS {
            let mut short = format!("{}: {:.3} Gbit/s, under {GOAL_GBITS}", case.label, gbits(m));
            if let Some(g) = unwatched {
                short.push_str(&format!(" (with nothing watching: {g:.3})"));
            }
            why.push(short);
        }
    }
    match why.as_slice() {
        [] => println!("goal 1 Gbit/s without drops: met"),
        _ => println!("goal 1 Gbit/s without drops: NOT met ({})", why.join("; ")),
    }
}

/// A sparse file of `mib` MiB in a fresh temp dir, read once so that every
/// run is served from the page cache (the first would be slower).
fn served_file(mib: u64) -> (TempDir, String) {
    let dir = TempDir(common::temp_dir("rate"));
    let name = format!("big-{mib}mib.bin");
    let path = dir.0.join(&name);
    let file = std::fs::File::create(&path).expect("the served file");
    file.set_len(mib << 20).expect("its size");
    let mut file = std::fs::File::open(&path).expect("the served file");
    std::io::copy(&mut file, &mut std::io::sink()).expect("read once");
    (dir, name)
}

/// Root, `ip`, `tc` and curl, or why not (said once).
fn can_run() -> bool {
    if !cfg!(target_os = "linux") {
        common::skip("watch is Linux-only");
        return false;
    }
    if !rustix::process::geteuid().is_root() {
        common::skip("needs root (network namespaces, a packet socket): sudo -E cargo bench --bench watch_rate");
        return false;
    }
    ["ip", "tc", "curl"]
        .iter()
        .all(|tool| common::peer(tool).is_some())
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then
    // only a quick check on a small file.
    let benching = std::env::args().any(|a| a == "--bench");
    if !can_run() {
        return;
    }
    let mib: u64 = std::env::var("FTPVIZ_RATE_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if benching { 1024 } else { 16 });
    let (dir, name) = served_file(mib);
    let Some((server, client, cable)) = netns::veth_pair("rate", SERVER, CLIENT) else {
        return;
    };
    let served = serve_bin::serve_with(
        server.command(env!("CARGO_BIN_EXE_ftpviz")),
        Some(Path::new(&dir.0)),
        &["--classroom"],
        &format!("{SERVER}:0"),
    );
    let url = format!("ftp://{SERVER}:{}/{name}", served.addr.port());
    println!("{mib} MiB from `ftpviz serve` to curl on a veth; watch on the server's end");
    println!(
        "{:<32} {:>6} {:>6} {:>7} {:>9} {:>9} {:>7} {:>6}  trace",
        "run", "MiB", "s", "Gbit/s", "frames", "frames/s", "dropped", "CPU"
    );
    let mut runs = Vec::new();
    for case in &CASES {
        let m = run(case, &server, &client, &cable, &url);
        print_row(case, &m);
        runs.push((case, m));
    }
    served.stop();
    if !benching {
        println!("(a quick check, not a benchmark: run `cargo bench --bench watch_rate`)");
    }
    print_goal(&runs);
}
