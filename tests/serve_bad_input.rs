//! Bad input against our server: every case gets a clear reply, nothing is
//! dialled that should not be, and the server keeps serving others.

mod common;
#[path = "support/our_server.rs"]
mod our_server;
#[path = "support/raw.rs"]
mod raw;

use ftpviz::serve::{self, ServeConfig, Serving};
use ftpviz::trace::{Channel, Kind};
use raw::Raw;
use std::path::PathBuf;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn start(root: Option<PathBuf>) -> Serving {
    let listen = "127.0.0.1:0".parse().unwrap();
    serve::start(ServeConfig {
        root,
        ..ServeConfig::new(listen)
    })
    .await
    .expect("serve starts")
}

#[tokio::test]
async fn bounce_port_is_refused_and_never_dialled() {
    let serving = start(None).await;
    // A "third host" really listening, to prove nobody dials it.
    let victim = TcpListener::bind("127.0.0.4:0").await.unwrap();
    let v = victim.local_addr().unwrap();
    let mut c = Raw::connect(serving.local).await;
    c.login().await;
    let port = format!("PORT 127,0,0,4,{},{}\r\n", v.port() >> 8, v.port() & 0xff);
    assert_eq!(c.send(port.as_bytes()).await.code, 504);
    let eprt = format!("EPRT |1|127.0.0.4|{}|\r\n", v.port());
    assert_eq!(c.send(eprt.as_bytes()).await.code, 504);
    // Our own address but a privileged port.
    assert_eq!(c.send(b"PORT 127,0,0,1,0,25\r\n").await.code, 504);
    // The transfer finds no plan: 503, and no dial happened before it.
    assert_eq!(c.send(b"RETR hello.txt\r\n").await.code, 503);
    let poll = futures_util::FutureExt::now_or_never(victim.accept());
    assert!(poll.is_none(), "the victim was dialled");
    let events = serving.finish().await;
    assert!(
        events.iter().all(|e| e.channel == Channel::Control),
        "no data connection in the trace"
    );
}

#[tokio::test]
async fn long_lines_and_garbage_get_500_and_the_session_goes_on() {
    let serving = start(None).await;
    let mut c = Raw::connect(serving.local).await;
    let mut long = vec![b'A'; 100 * 1024];
    long.extend_from_slice(b"\r\n");
    assert_eq!(c.send(&long).await.code, 500);
    assert_eq!(c.send(b"\xff\xfe\x00\x80garbage\r\n").await.code, 500);
    assert_eq!(c.send(b"XYZZY\r\n").await.code, 502);
    assert_eq!(c.send(b"PWD\r\n").await.code, 530, "not logged in");
    assert_eq!(
        c.send(b"PASS early\r\n").await.code,
        503,
        "PASS before USER"
    );
    c.login().await;
    assert_eq!(c.send(b"TYPE X\r\n").await.code, 504);
    assert_eq!(c.send(b"PORT 1,2,3\r\n").await.code, 501);
    assert_eq!(c.send(b"NOOP\r\n").await.code, 200);
    let events = serving.finish().await;
    // The long line is not in the trace; its 500 is.
    assert!(events.iter().all(|e| match &e.kind {
        Kind::Command { text, .. } => text.len() < 4096,
        _ => true,
    }));
}

#[tokio::test]
async fn wrong_password_then_right_one() {
    let serving = start(None).await;
    let mut c = Raw::connect(serving.local).await;
    assert_eq!(c.send(b"USER demo\r\n").await.code, 331);
    assert_eq!(c.send(b"PASS wrong\r\n").await.code, 530);
    assert_eq!(c.send(b"RETR hello.txt\r\n").await.code, 530);
    assert_eq!(c.send(b"USER demo\r\n").await.code, 331);
    assert_eq!(c.send(b"PASS demo\r\n").await.code, 230);
    serving.finish().await;
}

#[tokio::test]
async fn pass_after_login_keeps_the_login() {
    let serving = start(None).await;
    let mut c = Raw::connect(serving.local).await;
    c.login().await;
    assert_eq!(c.command("PASS again").await.code, 230, "already logged in");
    assert_eq!(
        c.command("SIZE hello.txt").await.code,
        213,
        "still logged in"
    );
    serving.finish().await;
}

#[tokio::test]
async fn the_server_keeps_serving_others_during_abuse() {
    let serving = start(None).await;
    let mut bad = Raw::connect(serving.local).await;
    // Half a line, never finished: the bad client just sits there.
    bad.s.write_all(&vec![b'B'; 50_000]).await.unwrap();
    let mut good = Raw::connect(serving.local).await;
    good.login().await;
    assert_eq!(good.send(b"SIZE hello.txt\r\n").await.code, 213);
    assert_eq!(good.send(b"EPSV\r\n").await.code, 229);
    // The bad one is still answered once its line ends.
    assert_eq!(bad.send(b"\r\nNOOP\r\n").await.code, 500);
    assert_eq!(bad.reply().await.code, 200);
    serving.finish().await;
}

#[tokio::test]
async fn paths_never_leave_the_root() {
    let base = common::temp_dir("escape");
    let root = base.join("root");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(root.join("inside.txt"), b"inside").unwrap();
    std::fs::write(base.join("secret.txt"), b"secret").unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(base.join("secret.txt"), root.join("link.txt")).unwrap();
        std::os::unix::fs::symlink(&base, root.join("up")).unwrap();
        std::os::unix::fs::symlink("inside.txt", root.join("ok.txt")).unwrap();
        // Absolute, even though it points inside: resolved beneath the
        // root in one step, an absolute link is refused (as in a chroot).
        std::os::unix::fs::symlink(root.join("inside.txt"), root.join("abs.txt")).unwrap();
    }
    let serving = start(Some(root.clone())).await;
    let mut c = Raw::connect(serving.local).await;
    c.login().await;
    for path in [
        "../secret.txt",
        "../../secret.txt",
        "/../secret.txt",
        "sub/../../secret.txt",
        "link.txt",
        "up/secret.txt",
        "abs.txt",
    ] {
        let cmd = format!("SIZE {path}\r\n");
        assert_eq!(c.send(cmd.as_bytes()).await.code, 550, "{path}");
    }
    assert_eq!(
        c.send(b"CWD ..\r\n").await.code,
        250,
        "CWD .. at the root stays at the root"
    );
    let pwd = c.send(b"PWD\r\n").await;
    assert!(pwd.text().contains("\"/\""), "{pwd:?}");
    assert_eq!(
        c.send(b"CWD up\r\n").await.code,
        550,
        "a symlinked folder outside"
    );
    assert_eq!(c.send(b"SIZE inside.txt\r\n").await.code, 213);
    #[cfg(unix)]
    assert_eq!(
        c.send(b"SIZE ok.txt\r\n").await.text(),
        "213 6",
        "a relative symlink inside the root is fine"
    );
    // Listing the root does not show what the escaping links point to.
    assert_eq!(c.send(b"EPSV\r\n").await.code, 229);
    serving.finish().await;
    let _ = std::fs::remove_dir_all(&base);
}

#[tokio::test]
async fn a_missing_root_is_a_clear_error() {
    let listen = "127.0.0.1:0".parse().unwrap();
    let err = serve::start(ServeConfig {
        root: Some(PathBuf::from("/nonexistent/ftpviz")),
        ..ServeConfig::new(listen)
    })
    .await
    .err()
    .expect("refused");
    assert!(err.to_string().contains("/nonexistent/ftpviz"), "{err}");
}

#[tokio::test]
async fn a_session_cap_and_an_idle_timeout() {
    let (addr, _events, _stop) = our_server::start(|config| {
        config.caps.total = 1;
        config.idle = std::time::Duration::from_millis(300);
    })
    .await;
    let mut first = Raw::connect(addr).await;
    let mut second = TcpStream::connect(addr).await.unwrap();
    let mut got = String::new();
    second.read_to_string(&mut got).await.unwrap();
    assert!(got.starts_with("421 "), "{got:?}");
    // The first one says nothing: the server hangs up on it with 421.
    assert_eq!(first.reply().await.code, 421);
    // ... and closes it.
    let mut rest = Vec::new();
    first.s.read_to_end(&mut rest).await.unwrap();
    assert!(rest.is_empty());
}
