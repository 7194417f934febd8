//! Our lab client (`lab --server`) against real, independent FTP servers on
//! loopback: pyftpdlib and vsftpd, in active and passive mode. The trace
//! must tell the same truth about who dials whom as with our own server.
//! A server that cannot run here is skipped with a printed reason.

mod common;
mod lab_facts;

use ftpviz::lab::{LabConfig, Mode};
use ftpviz::trace::Kind;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the server when the test ends, however it ends.
struct Peer(Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ftpviz-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn lesson(server: SocketAddr, mode: Mode) {
    let config = LabConfig {
        mode,
        server: Some(server),
        ..LabConfig::default()
    };
    let events = lab_facts::run_lab(config).await;
    let summary = lab_facts::check_with(&events, mode == Mode::Active, false, true);
    assert_eq!(summary.data.len(), 4, "{summary:?}");
    assert_eq!(
        summary.data.get(&2),
        Some(&(HELLO.len() as u64)),
        "RETR hello.txt"
    );
    let stored = ftpviz::lab::lesson::UPLOAD_TEXT.len() as u64;
    assert_eq!(summary.data.get(&3), Some(&stored), "STOR");
    assert_eq!(summary.data.get(&4), Some(&stored), "RETR back");
    assert!(events
        .iter()
        .any(|e| matches!(e.kind, Kind::Reply { code: 221, .. })));
}

const HELLO: &[u8] = b"hello from an independent server\n";

fn pyftpdlib(dir: &std::path::Path) -> Option<(Peer, SocketAddr)> {
    if !common::pyftpdlib() {
        return None;
    }
    let port = free_port();
    let mut child = Command::new("python3")
        .args([
            "-m",
            "pyftpdlib",
            "-i",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-w",
            "-d",
        ])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    // It says when it is ready.
    let stderr = child.stderr.take()?;
    let peer = Peer(child);
    let mut lines = BufReader::new(stderr).lines();
    lines
        .by_ref()
        .map_while(Result::ok)
        .find(|l| l.contains("starting FTP server"))?;
    std::thread::spawn(move || lines.for_each(drop));
    Some((peer, SocketAddr::from(([127, 0, 0, 1], port))))
}

async fn against_pyftpdlib(mode: Mode) {
    let dir = temp_dir(&format!("pyftpdlib-{mode:?}"));
    std::fs::write(dir.join("hello.txt"), HELLO).unwrap();
    let Some((_peer, addr)) = pyftpdlib(&dir) else {
        return;
    };
    lesson(addr, mode).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn pyftpdlib_active() {
    against_pyftpdlib(Mode::Active).await;
}

#[tokio::test]
async fn pyftpdlib_passive() {
    against_pyftpdlib(Mode::Passive).await;
}

fn vsftpd(dir: &std::path::Path) -> Option<(Peer, SocketAddr)> {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false);
    if !root {
        common::skip("vsftpd needs root here");
        return None;
    }
    let vsftpd = common::peer("vsftpd")?;
    let port = free_port();
    let anon = dir.join("root");
    std::fs::create_dir_all(&anon).unwrap();
    std::fs::write(anon.join("hello.txt"), HELLO).unwrap();
    // vsftpd refuses a writable chroot, so anonymous may only overwrite a
    // file that exists and is writable.
    std::fs::write(anon.join("upload.txt"), b"").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&anon, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(
        anon.join("upload.txt"),
        std::fs::Permissions::from_mode(0o666),
    )
    .unwrap();
    let empty = PathBuf::from("/var/run/vsftpd/empty");
    if std::fs::create_dir_all(&empty).is_err() {
        common::skip(&format!("cannot create vsftpd's {}", empty.display()));
        return None;
    }
    let conf = format!(
        "listen=YES\nlisten_ipv6=NO\nlisten_address=127.0.0.1\nlisten_port={port}\nbackground=NO\n\
         anonymous_enable=YES\nlocal_enable=NO\nno_anon_password=YES\nanon_root={}\n\
         write_enable=YES\nanon_upload_enable=YES\nanon_other_write_enable=YES\nanon_umask=022\n\
         secure_chroot_dir={}\nseccomp_sandbox=NO\npasv_enable=YES\nport_enable=YES\n\
         connect_from_port_20=NO\nxferlog_enable=NO\n",
        anon.display(),
        empty.display()
    );
    let conf_path = dir.join("vsftpd.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let child = match Command::new(&vsftpd)
        .arg(&conf_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            common::skip(&format!("vsftpd cannot run: {e}"));
            return None;
        }
    };
    let mut peer = Peer(child);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    // vsftpd says nothing when it is ready: try its port until it answers.
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(addr).is_err() {
        if Instant::now() > deadline || matches!(peer.0.try_wait(), Ok(Some(_))) {
            common::skip("vsftpd did not start");
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Some((peer, addr))
}

async fn against_vsftpd(mode: Mode) {
    let dir = temp_dir(&format!("vsftpd-{mode:?}"));
    let Some((_peer, addr)) = vsftpd(&dir) else {
        return;
    };
    lesson(addr, mode).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn vsftpd_active() {
    against_vsftpd(Mode::Active).await;
}

#[tokio::test]
async fn vsftpd_passive() {
    against_vsftpd(Mode::Passive).await;
}
