//! Issue 19, point 1: time limits that measure the right thing. A transfer
//! longer than the idle timeout is not idle; a data connection that stops
//! moving gets `421 Data timeout` and its session is closed; a client that
//! hangs up its control connection mid-upload frees its slot at once and
//! leaves no file; every connection has TCP keepalive; the limits are
//! `serve` options. Each with a real client (Python's ftplib) or a raw
//! socket doing exactly that, with limits of a second or two.

mod common;
#[path = "support/our_server.rs"]
mod our_server;
#[path = "support/raw.rs"]
mod raw;
#[path = "support/serve_bin.rs"]
mod serve_bin;

use ftpviz::trace::{Kind, Side};
use our_server::{drain, start};
use raw::Raw;
use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A generous deadline for things that must happen on their own.
const DEADLINE: Duration = Duration::from_secs(30);

/// Waits until the server closes `data` (or resets it).
async fn closed_by_server(data: &mut TcpStream) {
    let mut buf = [0u8; 1024];
    let closing = async {
        loop {
            match data.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(DEADLINE, closing)
        .await
        .expect("the server closes the data connection");
}

/// Until the server answers a new client with 220 (its slot is free).
async fn next_client_gets_in(addr: SocketAddr) -> Raw {
    let got_in = async {
        loop {
            let mut c = Raw::quiet(TcpStream::connect(addr).await.unwrap());
            if c.reply().await.code == 220 {
                return c;
            }
        }
    };
    tokio::time::timeout(DEADLINE, got_in)
        .await
        .expect("a slot comes free")
}

/// `demo` starts uploading `name`: 10 000 bytes sent, the data
/// connection left open.
async fn upload_started(addr: SocketAddr, name: &str) -> (Raw, TcpStream) {
    let mut c = Raw::connect(addr).await;
    c.login_as("demo", "demo").await;
    let mut data = c.epsv().await;
    assert_eq!(c.command(&format!("STOR {name}")).await.code, 150);
    data.write_all(&[7u8; 10_000]).await.unwrap();
    (c, data)
}

/// The next client gets a slot, and finds no upload `name`.
async fn not_kept(addr: SocketAddr, name: &str) {
    let mut next = next_client_gets_in(addr).await;
    next.login_as("demo", "demo").await;
    let size = next.command(&format!("SIZE {name}")).await;
    assert_eq!(size.code, 550, "kept: {size:?}");
    assert_eq!(next.command("QUIT").await.code, 221);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_longer_than_the_idle_timeout_is_not_idle() {
    // A byte every 100 ms for 3 s: three idle timeouts long, never a data
    // timeout without progress.
    let (addr, events, stop) = start(|c| {
        c.idle = Duration::from_secs(1);
        c.data_timeout = Duration::from_secs(1);
    })
    .await;
    let mut c = Raw::connect(addr).await;
    c.login_as("demo", "demo").await;
    let mut data = c.epsv().await;
    assert_eq!(c.command("STOR slow.bin").await.code, 150);
    for _ in 0..30 {
        data.write_all(b"x").await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(data);
    let done = c.reply().await;
    assert_eq!(done.code, 226, "{done:?}");
    // The idle clock starts again when the transfer ends.
    assert_eq!(c.command("NOOP").await.code, 200);
    assert_eq!(c.command("SIZE slow.bin").await.message(), "30");
    assert_eq!(c.command("QUIT").await.code, 221);
    drain(events, stop).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_upload_gets_421_data_timeout_and_is_not_kept() {
    let (addr, events, stop) = start(|c| {
        c.caps.total = 1;
        c.data_timeout = Duration::from_secs(1);
    })
    .await;
    let (mut c, mut data) = upload_started(addr, "asleep.bin").await;
    // The laptop sleeps: the data connection stays open, silent.
    let reply = tokio::time::timeout(DEADLINE, c.reply()).await.unwrap();
    assert_eq!(reply.code, 421, "{reply:?}");
    assert!(reply.message().starts_with("Data timeout"), "{reply:?}");
    let mut rest = Vec::new();
    c.s.read_to_end(&mut rest).await.unwrap();
    assert!(
        rest.is_empty(),
        "the control connection is closed after 421"
    );
    closed_by_server(&mut data).await;
    // Its slot is free, and nothing of the upload was kept.
    not_kept(addr, "asleep.bin").await;
    let events = drain(events, stop).await;
    let data_close = events
        .iter()
        .find(|e| e.session == 1 && e.conn == 1 && e.kind == Kind::Close)
        .expect("the data connection's close");
    assert_eq!(data_close.from, Side::Server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_download_gets_421_data_timeout() {
    // The client stops reading: the server's writes stall once the socket
    // buffers are full.
    let dir = common::temp_dir("serve-time-download");
    std::fs::write(dir.join("big.bin"), vec![1u8; 32 << 20]).unwrap();
    let files = ftpviz::server::files::Files::dir(&dir).unwrap();
    let (addr, events, stop) = start(move |c| {
        c.files = files;
        c.data_timeout = Duration::from_secs(1);
    })
    .await;
    let mut c = Raw::connect(addr).await;
    c.login().await;
    let mut data = c.epsv().await;
    assert_eq!(c.command("RETR big.bin").await.code, 150);
    let mut first = [0u8; 1024];
    data.read_exact(&mut first).await.unwrap();
    let reply = tokio::time::timeout(DEADLINE, c.reply()).await.unwrap();
    assert_eq!(reply.code, 421, "{reply:?}");
    closed_by_server(&mut data).await;
    drain(events, stop).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_gone_mid_upload_frees_its_slot_and_leaves_no_file() {
    // The default data timeout (300 s): it is the hang-up that counts.
    let (addr, events, stop) = start(|c| c.caps.total = 1).await;
    let (c, mut data) = upload_started(addr, "half.bin").await;
    // The terminal is closed: the control connection goes, the data
    // connection stays open and silent.
    drop(c);
    closed_by_server(&mut data).await;
    not_kept(addr, "half.bin").await;
    let events = drain(events, stop).await;
    let control_close = events
        .iter()
        .find(|e| e.session == 1 && e.conn == 0 && e.kind == Kind::Close)
        .unwrap();
    assert_eq!(control_close.from, Side::Client);
    assert!(
        !events
            .iter()
            .any(|e| e.session == 1 && matches!(e.kind, Kind::Reply { code: 226, .. })),
        "no 226 for a half upload"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_killed_mid_upload_leaves_no_file() {
    let (addr, events, stop) = start(|c| c.caps.total = 1).await;
    for _ in 0..20 {
        let (c, data) = upload_started(addr, "killed.bin").await;
        // The process dies: the kernel closes both of its connections,
        // and either end may reach the server first.
        drop(c);
        drop(data);
        not_kept(addr, "killed.bin").await;
    }
    drain(events, stop).await;
}

/// The `tr` (timer) column of the server's end of the TCP connection from
/// local port `local` to remote port `remote`, in /proc/net/tcp: 2 while
/// the keepalive timer runs, 0 for no timer.
fn timer_now(local: u16, remote: u16) -> Option<u8> {
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    table.lines().skip(1).find_map(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let port = |c: &str| u16::from_str_radix(c.rsplit(':').next()?, 16).ok();
        let (l, r) = (port(cols.get(1)?)?, port(cols.get(2)?)?);
        (l == local && r == remote)
            .then(|| u8::from_str_radix(cols.get(5)?.split(':').next()?, 16).ok())
            .flatten()
    })
}

/// The connection's timer once it has settled: 1 (retransmission) runs
/// while a segment just sent waits for its ACK.
async fn timer_of(local: u16, remote: u16) -> Option<u8> {
    let settled = async {
        loop {
            match timer_now(local, remote) {
                Some(1) => tokio::time::sleep(Duration::from_millis(10)).await,
                other => return other,
            }
        }
    };
    tokio::time::timeout(DEADLINE, settled).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_and_data_connections_have_tcp_keepalive() {
    if !std::path::Path::new("/proc/net/tcp").exists() {
        common::skip("no /proc/net/tcp to read TCP timers from");
        return;
    }
    let (addr, events, stop) = start(|_| {}).await;
    let mut c = Raw::connect(addr).await;
    c.login_as("demo", "demo").await;
    let control_port = c.s.local_addr().unwrap().port();
    assert_eq!(
        timer_of(addr.port(), control_port).await,
        Some(2),
        "control"
    );
    let data = c.epsv().await;
    let data_server_port = data.peer_addr().unwrap().port();
    assert_eq!(c.command("STOR kept.bin").await.code, 150);
    let data_port = data.local_addr().unwrap().port();
    // The server has taken the connection (150 came); it sits idle.
    assert_eq!(timer_of(data_server_port, data_port).await, Some(2), "data");
    drop(data);
    assert_eq!(c.reply().await.code, 226);
    assert_eq!(c.command("QUIT").await.code, 221);
    drain(events, stop).await;
}

#[test]
fn python_ftplib_uploads_for_longer_than_the_idle_timeout() {
    if common::peer("python3").is_none() {
        return;
    }
    let served = serve_bin::serve(None, &["--idle-timeout", "1", "--data-timeout", "1"]);
    // 100 bytes every 100 ms for 3 s: ftplib reads its file as the Wi-Fi
    // would let it.
    let script = r#"
import ftplib, sys, time
class Slow:
    sent = 0
    def read(self, size):
        if self.sent == 30:
            return b""
        if self.sent:
            time.sleep(0.1)
        self.sent += 1
        return b"x" * 100
ftp = ftplib.FTP()
ftp.connect("127.0.0.1", int(sys.argv[1]))
ftp.login("demo", "demo")
print(ftp.storbinary("STOR slow.bin", Slow(), blocksize=100))
print(ftp.voidcmd("NOOP"))
print(ftp.size("slow.bin"))
print(ftp.quit())
"#;
    let out = Command::new("python3")
        .args(["-c", script, &served.addr.port().to_string()])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = said.lines().collect();
    assert!(lines[0].starts_with("226"), "{said}");
    assert!(lines[1].starts_with("200"), "{said}");
    assert_eq!(lines[2], "3000");
    served.stop();
}

#[test]
fn the_time_limits_are_serve_options() {
    let served = serve_bin::serve(None, &["--idle-timeout", "1", "--login-timeout", "2"]);
    let addr = served.addr;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut lazy = Raw::connect(addr).await;
        let mut idle = Raw::connect(addr).await;
        idle.login().await;
        let reply = tokio::time::timeout(DEADLINE, idle.reply()).await.unwrap();
        assert_eq!(reply.code, 421);
        assert!(reply.message().contains("no command"), "{reply:?}");
        let reply = tokio::time::timeout(DEADLINE, lazy.reply()).await.unwrap();
        assert_eq!(reply.code, 421);
        assert!(reply.message().contains("not logged in"), "{reply:?}");
    });
    let (code, _, err) = common::ftpviz(&["serve", "--data-timeout", "0"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("more than 0 seconds"), "{err}");
    served.stop();
}
