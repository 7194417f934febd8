//! Real FTP clients (curl, lftp, tnftp) against `ftpviz serve`, the binary,
//! in active and passive mode: fetch, upload, fetch back; the trace on
//! stdout shows who dialled. Then the ways real clients stop a transfer
//! midway (`ABOR`): curl after a byte range, tnftp on Ctrl-C. A missing
//! client is skipped with a printed reason.

mod common;
#[path = "support/honest.rs"]
mod honest;
#[path = "support/serve_bin.rs"]
mod serve_bin;

use ftpviz::trace::{Kind, Side, Trace};
use serve_bin::Served;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};

fn have(tool: &str) -> bool {
    common::peer(tool).is_some()
}

/// `ftpviz serve --json` on a free port.
fn serve(root: Option<&Path>) -> (Served, SocketAddr) {
    let served = serve_bin::serve(root, &[]);
    let addr = served.addr;
    (served, addr)
}

/// SIGTERM, then the whole trace it wrote.
fn stop(served: Served) -> Trace {
    served.stop()
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every data connection of the trace was dialled by the server (`active`,
/// from control port - 1) or by the client (passive).
fn assert_dials(trace: &Trace, active: bool, control: SocketAddr, at_least: usize) {
    let dialler = if active { Side::Server } else { Side::Client };
    let dials: Vec<_> = trace
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            Kind::Connect { src, .. } if e.conn > 0 => Some((e.from, *src, e.note.clone())),
            _ => None,
        })
        .collect();
    assert!(dials.len() >= at_least, "{dials:?}");
    for (from, src, note) in dials {
        assert_eq!(from, dialler);
        // From control port - 1, unless another socket held that port on
        // this busy machine (the note then says so).
        let fell_back = note.is_some_and(|n| n.contains("could not bind source port"));
        if dialler == Side::Server && !fell_back {
            assert_eq!(src.port(), control.port() - 1);
        }
    }
    // Every connection: dialled, accepted by its listener, closed once.
    honest::assert_honest(&trace.events);
}

fn curl(active: bool) {
    if !have("curl") {
        return;
    }
    let dir = common::temp_dir(&format!(
        "curl-{}",
        if active { "active" } else { "passive" }
    ));
    let upload: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
    std::fs::write(dir.join("up.bin"), &upload).unwrap();
    let (child, addr) = serve(None);
    // `demo` may upload; anonymous only reads.
    let base = format!("ftp://demo:demo@{addr}");
    let curl = |args: &[&str]| {
        let mut c = Command::new("curl");
        c.args(["-sS", "--max-time", "30"]);
        if active {
            c.args(["--ftp-port", "127.0.0.1"]);
        }
        c.args(args);
        run(&mut c);
    };
    curl(&[
        &format!("{base}/hello.txt"),
        "-o",
        dir.join("hello.txt").to_str().unwrap(),
    ]);
    curl(&[
        "-T",
        dir.join("up.bin").to_str().unwrap(),
        &format!("{base}/up.bin"),
    ]);
    curl(&[
        &format!("{base}/up.bin"),
        "-o",
        dir.join("back.bin").to_str().unwrap(),
    ]);
    let trace = stop(child);
    assert!(std::fs::read(dir.join("hello.txt"))
        .unwrap()
        .starts_with(b"Hello from the ftpviz"));
    assert_eq!(
        std::fs::read(dir.join("back.bin")).unwrap(),
        upload,
        "uploaded and fetched back"
    );
    assert_eq!(trace.sessions().len(), 3, "one session per curl");
    assert_dials(&trace, active, addr, 3);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn curl_active() {
    curl(true);
}

#[test]
fn curl_passive() {
    curl(false);
}

fn lftp(active: bool) {
    if !have("lftp") {
        return;
    }
    let dir = common::temp_dir(&format!(
        "lftp-{}",
        if active { "active" } else { "passive" }
    ));
    let file: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(dir.join("up.bin"), &file).unwrap();
    let (child, addr) = serve(None);
    let uploads = child
        .upload_dir
        .clone()
        .expect("serve names its upload folder");
    let d = dir.display();
    let script = format!(
        "set ftp:passive-mode {}; set net:max-retries 1; set net:timeout 10; set ftp:ssl-allow no; \
         open -u demo,demo ftp://{addr}; get random.bin -o {d}/got.bin; put {d}/up.bin -o up.bin; \
         get up.bin -o {d}/back.bin; bye",
        if active { "off" } else { "on" }
    );
    run(Command::new("lftp").args(["-c", &script]));
    assert!(uploads.is_dir(), "uploads go to a private folder on disk");
    let trace = stop(child);
    assert_eq!(std::fs::read(dir.join("got.bin")).unwrap().len(), 4096);
    assert_eq!(std::fs::read(dir.join("back.bin")).unwrap(), file);
    assert!(!uploads.exists(), "the upload folder is gone at exit");
    assert_dials(&trace, active, addr, 3);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn lftp_active() {
    lftp(true);
}

#[test]
fn lftp_passive() {
    lftp(false);
}

/// curl fetching only a byte range (`-r`) stops the transfer with `ABOR`
/// once it has its bytes: the server answers `426` and `226` (whether it
/// heard the `ABOR` mid-transfer or curl's closed data connection first)
/// and the session goes on to `QUIT`.
#[test]
fn curl_range_aborts_the_rest() {
    if !have("curl") {
        return;
    }
    let dir = common::temp_dir("curl-range");
    let root = dir.join("root");
    std::fs::create_dir_all(&root).unwrap();
    let big = std::fs::File::create(root.join("big.bin")).unwrap();
    big.set_len(64 << 20).unwrap();
    let (child, addr) = serve(Some(&root));
    let got = dir.join("head.bin");
    run(Command::new("curl")
        .args(["-sS", "--max-time", "30", "-r", "0-65535"])
        .arg(format!("ftp://{addr}/big.bin"))
        .arg("-o")
        .arg(&got));
    let trace = stop(child);
    assert_eq!(std::fs::metadata(&got).unwrap().len(), 65536);
    let abor = trace
        .events
        .iter()
        .any(|e| matches!(&e.kind, Kind::Command { verb, .. } if verb == "ABOR"));
    assert!(abor, "curl sent ABOR");
    let codes = common::reply_codes(&trace.events);
    assert!(codes.ends_with(&[150, 426, 226, 221]), "{codes:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// tnftp (the BSD `ftp`) interrupted mid-`get` (SIGINT, as Ctrl-C does)
/// sends the classic urgent abort: Telnet `IAC IP`, `IAC DM` with TCP's
/// urgent pointer, then `ABOR`. It is slowed down (`rate get`) so the
/// 64 MiB transfer is still running when the signal comes; the test waits
/// for tnftp to print the `150`, not for a time.
#[test]
fn tnftp_ctrl_c_sends_an_urgent_abor() {
    use std::io::Write;
    let Some(tnftp) = common::peer("tnftp") else {
        return;
    };
    let dir = common::temp_dir("tnftp-abort");
    let root = dir.join("root");
    let local = dir.join("local");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::create_dir_all(&local).unwrap();
    let big = std::fs::File::create(root.join("big.bin")).unwrap();
    big.set_len(64 << 20).unwrap();
    let (child, addr) = serve(Some(&root));
    let mut client = Command::new(tnftp)
        .args(["-n", "-v", "-p", "127.0.0.1", &addr.port().to_string()])
        .current_dir(&local)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut to = client.stdin.take().unwrap();
    let mut from = BufReader::new(client.stdout.take().unwrap());
    to.write_all(b"user anonymous x\nbinary\nrate get 100000\nget big.bin\n")
        .unwrap();
    let mut seen = Vec::new();
    let mut wait_for = |code: &str, seen: &mut Vec<String>| loop {
        let mut line = String::new();
        let n = from.read_line(&mut line).unwrap();
        assert!(n > 0, "tnftp ended early: {seen:?}");
        seen.push(line.clone());
        if line.starts_with(code) {
            return;
        }
    };
    wait_for("150 ", &mut seen);
    let status = Command::new("kill")
        .args(["-INT", &client.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    wait_for("426 ", &mut seen);
    wait_for("226 ", &mut seen);
    to.write_all(b"quit\n").unwrap();
    drop(to);
    assert!(client.wait().unwrap().success());
    let trace = stop(child);
    let codes = common::reply_codes(&trace.events);
    assert!(codes.ends_with(&[150, 426, 226, 221]), "{codes:?}");
    let abor = trace
        .events
        .iter()
        .any(|e| matches!(&e.kind, Kind::Command { text, .. } if text == "ABOR"));
    assert!(abor, "the ABOR, Telnet bytes skipped");
    // tnftp opens its local file only after the 150: the signal may come
    // before that, and then there is no file at all.
    let got = std::fs::metadata(local.join("big.bin")).map_or(0, |m| m.len());
    assert!(got < 64 << 20, "cut short at {got} bytes");
    let _ = std::fs::remove_dir_all(&dir);
}
