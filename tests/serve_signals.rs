//! Issue 19, point 2: signals and the terminal. Headless `serve` stops on
//! SIGHUP (a terminal or an ssh session closed) as cleanly as on SIGTERM;
//! a trace reader that goes away (`--json | head -c 100`) or an output
//! that fails (`--json > /dev/full`) stops the server with every client
//! told `421`, and a line on stderr; a `--record` that cannot be written
//! is an error before anything is served. The real binary, real sockets.

mod common;
#[path = "support/honest.rs"]
mod honest;
#[path = "support/raw.rs"]
mod raw;
#[path = "support/serve_bin.rs"]
mod serve_bin;

use raw::Raw;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

const DEADLINE: Duration = Duration::from_secs(30);

/// `ftpviz serve --json` on a free port with `stdout` as given; its
/// address, read from stderr.
fn spawn(stdout: Stdio) -> (Child, SocketAddr, BufReader<ChildStderr>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ftpviz"))
        .args(["serve", "--json", "--listen", "127.0.0.1:0"])
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("serving on") {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "serve ended");
    }
    let addr = line
        .split_whitespace()
        .find_map(|w| w.parse().ok())
        .unwrap();
    (child, addr, stderr)
}

/// NOOP until the server says 421: the replies before it are 200s.
async fn noop_until_421(c: &mut Raw) -> String {
    let until = async {
        loop {
            let reply = c.command("NOOP").await;
            if reply.code != 200 {
                return reply;
            }
        }
    };
    let reply = tokio::time::timeout(DEADLINE, until).await.unwrap();
    assert_eq!(reply.code, 421, "{reply:?}");
    reply.text()
}

fn rest_of(mut stderr: BufReader<ChildStderr>) -> String {
    let mut said = String::new();
    stderr.read_to_string(&mut said).unwrap();
    said
}

#[test]
fn sighup_stops_headless_serve_as_cleanly_as_sigterm() {
    let served = serve_bin::serve(None, &[]);
    let upload_dir = served.upload_dir.clone().expect("an upload folder");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut c = runtime.block_on(async {
        let mut c = Raw::connect(served.addr).await;
        c.login_as("demo", "demo").await;
        let port = ftpviz::ftp::hostport::parse_229(&c.command("EPSV").await.text()).unwrap();
        let mut data = tokio::net::TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port)))
            .await
            .unwrap();
        assert_eq!(c.command("STOR kept.txt").await.code, 150);
        data.write_all(b"demo's file").await.unwrap();
        drop(data);
        assert_eq!(c.reply().await.code, 226);
        c
    });
    assert_eq!(std::fs::read_dir(&upload_dir).unwrap().count(), 1);
    let status = Command::new("kill")
        .args(["-HUP", &served.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let said = runtime.block_on(async {
        let reply = tokio::time::timeout(DEADLINE, c.reply()).await.unwrap();
        reply.text()
    });
    assert!(said.starts_with("421"), "{said}");
    // SIGTERM now finds it gone or going: `stop` waits for exit 0.
    let trace = served.stop();
    assert!(!upload_dir.exists(), "the upload folder is removed");
    honest::assert_honest(&trace.events);
}

#[test]
fn a_reader_that_goes_away_ends_serve_with_clients_told() {
    let (mut child, addr, stderr) = spawn(Stdio::piped());
    let mut stdout = child.stdout.take().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut c = runtime.block_on(Raw::connect(addr));
    // `head -c 100`: a hundred bytes, then the pipe is closed.
    let mut first = [0u8; 100];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    // NOOP needs no login: each makes events, and one of them meets the
    // closed pipe.
    let said = runtime.block_on(noop_until_421(&mut c));
    assert!(said.contains("shutting down"), "{said}");
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let said = rest_of(stderr);
    assert!(said.contains("reader went away"), "{said}");
}

#[test]
fn a_full_output_ends_serve_with_exit_1_and_clients_told() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        common::skip("no /dev/full");
        return;
    };
    let (mut child, addr, stderr) = spawn(Stdio::from(full));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut c = Raw::connect(addr).await;
        noop_until_421(&mut c).await
    });
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1));
    let said = rest_of(stderr);
    let cause = "No space left on device";
    assert_eq!(said.matches(cause).count(), 1, "said once: {said}");
    assert!(said.contains("writing the trace"), "{said}");
}

#[test]
fn a_record_that_cannot_be_written_is_an_error_at_start() {
    let dir = common::temp_dir("serve-record-unwritable");
    let path = dir.join("no-such-folder").join("run.pcapng");
    let (code, out, err) = common::ftpviz(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--record",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty());
    assert!(!err.contains("serving on"), "nothing served: {err}");
    assert!(
        err.contains("--record") && err.contains(path.to_str().unwrap()),
        "{err}"
    );
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
}
