//! Issue 11, points 3, 8, 9 and 10: what the server's files let a client
//! do. Special files are listed as what they are and never sent; anonymous
//! users only read and `demo` uploads into its own space; a symlink swapped
//! in midway never leads outside `--root`; a name with a line break cannot
//! forge a listing line, and a name that is not UTF-8 is listed and served
//! by its bytes.

mod common;
#[path = "support/honest.rs"]
mod honest;
#[path = "support/our_server.rs"]
mod our_server;
#[path = "support/raw.rs"]
mod raw;

use ftpviz::ftp::hostport;
use ftpviz::serve::{self, ServeConfig, ServeOptions, Serving};
use ftpviz::server::files::Files;
use our_server::{drain, start};
use raw::Raw;
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// Sends `command` (bytes, CRLF added) after an EPSV and returns its first
/// reply code, the data connection's bytes (if it opened) and the final
/// reply code.
async fn transfer(c: &mut Raw, command: &[u8]) -> (u16, Vec<u8>, Option<u16>) {
    let reply = c.command("EPSV").await;
    let port = hostport::parse_229(&reply.text()).unwrap();
    let mut data = TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .unwrap();
    let mut line = command.to_vec();
    line.extend_from_slice(b"\r\n");
    let first = c.send(&line).await.code;
    let mut got = Vec::new();
    if first != 150 {
        return (first, got, None);
    }
    data.read_to_end(&mut got).await.unwrap();
    (first, got, Some(c.reply().await.code))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn special_files_are_listed_as_what_they_are_and_never_sent() {
    let root = common::temp_dir("special");
    std::fs::write(root.join("file.txt"), b"a plain file\n").unwrap();
    common::mkfifo(&root.join("fifo"));
    let _socket = std::os::unix::net::UnixListener::bind(root.join("sock")).unwrap();
    // /dev/zero's twin, where this user may make one (root may).
    let zero = rustix::fs::mknodat(
        rustix::fs::CWD,
        root.join("zero"),
        rustix::fs::FileType::CharacterDevice,
        rustix::fs::Mode::from_raw_mode(0o666),
        rustix::fs::makedev(1, 5),
    )
    .is_ok();
    let files = Files::dir(&root).unwrap();
    let (addr, events, stop) = start(move |c| c.files = files).await;

    let mut c = Raw::connect(addr).await;
    c.login().await;
    let (_, list, done) = transfer(&mut c, b"LIST").await;
    assert_eq!(done, Some(226));
    let list = String::from_utf8(list).unwrap();
    let kind_of = |name: &str| {
        list.lines()
            .find(|l| l.ends_with(&format!(" {name}")))
            .and_then(|l| l.chars().next())
    };
    assert_eq!(kind_of("file.txt"), Some('-'), "{list}");
    assert_eq!(kind_of("fifo"), Some('p'), "{list}");
    assert_eq!(kind_of("sock"), Some('s'), "{list}");
    if zero {
        assert_eq!(kind_of("zero"), Some('c'), "{list}");
    }
    let (_, mlsd, _) = transfer(&mut c, b"MLSD").await;
    let mlsd = String::from_utf8(mlsd).unwrap();
    assert!(mlsd.contains("type=OS.unix=fifo;"), "{mlsd}");
    assert_eq!(c.command("SIZE fifo").await.code, 550);

    // Many sessions fetching the FIFO (and the device) at once: each is
    // refused at once, none blocks, and the server goes on serving.
    let mut grabbers = tokio::task::JoinSet::new();
    for i in 0..20 {
        let name: &[u8] = if zero && i % 2 == 1 {
            b"RETR zero"
        } else {
            b"RETR fifo"
        };
        grabbers.spawn(async move {
            let mut g = Raw::connect(addr).await;
            g.login().await;
            let (code, got, _) = transfer(&mut g, name).await;
            assert_eq!((code, got.len()), (550, 0));
            assert_eq!(transfer(&mut g, b"RETR sock").await.0, 550);
        });
    }
    while let Some(done) = grabbers.join_next().await {
        done.unwrap();
    }
    let (code, got, done) = transfer(&mut c, b"RETR file.txt").await;
    assert_eq!(
        (code, got.as_slice(), done),
        (150, &b"a plain file\n"[..], Some(226))
    );
    assert_eq!(c.command("QUIT").await.code, 221);
    honest::assert_honest(&drain(events, stop).await);
    let _ = std::fs::remove_dir_all(&root);
}

async fn serve_builtin(options: ServeOptions) -> Serving {
    serve::start_with(ServeConfig::new("127.0.0.1:0".parse().unwrap()), options)
        .await
        .unwrap()
}

#[tokio::test]
async fn anonymous_reads_and_demo_uploads_into_its_own_space() {
    let serving = serve_builtin(ServeOptions::default()).await;
    let dir = serving.upload_dir.clone().expect("uploads on disk");
    assert!(dir.is_dir());
    let mut anon = Raw::connect(serving.local).await;
    anon.login().await;
    let (code, _, _) = transfer(&mut anon, b"STOR hello.txt").await;
    assert_eq!(code, 550, "anonymous may not replace a served file");
    let reply = anon.send(b"STOR new.txt\r\n").await;
    assert_eq!(
        reply.text(),
        "550 Permission denied: anonymous users may only read."
    );
    for cmd in [
        "DELE hello.txt",
        "MKD x",
        "APPE hello.txt",
        "RNFR hello.txt",
    ] {
        assert_eq!(anon.command(cmd).await.code, 550, "{cmd}");
    }

    let mut demo = Raw::connect(serving.local).await;
    demo.login_as("demo", "demo").await;
    let (code, _, _) = transfer(&mut demo, b"STOR hello.txt").await;
    assert_eq!(code, 550, "never over a served file");
    let body: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
    let port = hostport::parse_229(&demo.command("EPSV").await.text()).unwrap();
    let mut data = TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .unwrap();
    assert_eq!(demo.command("STOR mine.bin").await.code, 150);
    tokio::io::AsyncWriteExt::write_all(&mut data, &body)
        .await
        .unwrap();
    drop(data);
    assert_eq!(demo.reply().await.code, 226);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "kept on disk");
    let (_, back, _) = transfer(&mut demo, b"RETR mine.bin").await;
    assert_eq!(back, body, "fetched back byte for byte");
    let (_, names, _) = transfer(&mut demo, b"NLST").await;
    assert!(String::from_utf8(names).unwrap().contains("mine.bin\r\n"));
    // Only demo sees it.
    let (_, names, _) = transfer(&mut anon, b"NLST").await;
    assert!(!String::from_utf8(names).unwrap().contains("mine.bin"));
    assert_eq!(anon.command("SIZE mine.bin").await.code, 550);
    // Deleted: gone, from the disk too; served files stay.
    assert_eq!(demo.command("DELE mine.bin").await.code, 250);
    assert_eq!(demo.command("SIZE mine.bin").await.code, 550);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    assert_eq!(demo.command("DELE hello.txt").await.code, 550);
    assert_eq!(demo.command("SIZE hello.txt").await.code, 213);
    honest::assert_honest(&serving.finish().await);
    assert!(!dir.exists(), "the upload folder is removed at exit");
}

#[tokio::test]
async fn when_space_runs_out_the_oldest_uploads_go() {
    let serving = serve_builtin(ServeOptions {
        upload_cap: 3000,
        upload_file_cap: 2000,
        ..ServeOptions::default()
    })
    .await;
    let mut demo = Raw::connect(serving.local).await;
    demo.login_as("demo", "demo").await;
    for (name, size) in [("a", 1500), ("b", 1500), ("c", 1500)] {
        let port = hostport::parse_229(&demo.command("EPSV").await.text()).unwrap();
        let mut data = TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port)))
            .await
            .unwrap();
        assert_eq!(demo.command(&format!("STOR {name}")).await.code, 150);
        tokio::io::AsyncWriteExt::write_all(&mut data, &vec![b'x'; size])
            .await
            .unwrap();
        drop(data);
        assert_eq!(demo.reply().await.code, 226, "{name}: the service goes on");
    }
    assert_eq!(demo.command("SIZE a").await.code, 550, "the oldest went");
    assert_eq!(demo.command("SIZE b").await.text(), "213 1500");
    assert_eq!(demo.command("SIZE c").await.text(), "213 1500");
    // One file past its own cap is refused.
    let port = hostport::parse_229(&demo.command("EPSV").await.text()).unwrap();
    let mut data = TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .unwrap();
    assert_eq!(demo.command("STOR big").await.code, 150);
    let _ = tokio::io::AsyncWriteExt::write_all(&mut data, &[b'x'; 2500]).await;
    drop(data);
    assert_eq!(demo.reply().await.code, 552);
    assert_eq!(
        demo.command("SIZE b").await.code,
        213,
        "nothing evicted for it"
    );
    serving.finish().await;
}

#[tokio::test]
async fn serve_root_is_read_only() {
    let root = common::temp_dir("read-only");
    std::fs::write(root.join("x.txt"), b"x").unwrap();
    let serving = serve::start(ServeConfig {
        root: Some(root.clone()),
        ..ServeConfig::new("127.0.0.1:0".parse().unwrap())
    })
    .await
    .unwrap();
    assert!(serving.upload_dir.is_none());
    let mut demo = Raw::connect(serving.local).await;
    demo.login_as("demo", "demo").await;
    let reply = demo.command("STOR y.txt").await;
    assert_eq!(
        reply.text(),
        "550 Permission denied: this server is read-only."
    );
    assert_eq!(demo.command("DELE x.txt").await.code, 550);
    assert!(!root.join("y.txt").exists());
    assert!(root.join("x.txt").exists());
    serving.finish().await;
    let _ = std::fs::remove_dir_all(&root);
}

/// Keeps swapping `a` and `b` (a folder and a symlink) until told to stop.
fn swapper(a: PathBuf, b: PathBuf, stop: std::sync::Arc<std::sync::atomic::AtomicBool>) -> u64 {
    let mut swaps = 0;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        rustix::fs::renameat_with(
            rustix::fs::CWD,
            &a,
            rustix::fs::CWD,
            &b,
            rustix::fs::RenameFlags::EXCHANGE,
        )
        .unwrap();
        swaps += 1;
    }
    swaps
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_symlink_swapped_in_midway_never_leads_outside_the_root() {
    let base = common::temp_dir("symlink-race");
    let root = base.join("root");
    let outside = base.join("outside");
    std::fs::create_dir_all(root.join("d")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(root.join("d/secret.txt"), b"inside").unwrap();
    std::fs::write(outside.join("secret.txt"), b"SECRET, outside").unwrap();
    // `e` leads outside; a local user keeps swapping it with `d`.
    std::os::unix::fs::symlink("../outside", root.join("e")).unwrap();
    let files = Files::dir(&root).unwrap();
    let (addr, events, stop) = start(move |c| c.files = files).await;
    let stopping = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let swaps = {
        let (a, b, s) = (root.join("d"), root.join("e"), stopping.clone());
        std::thread::spawn(move || swapper(a, b, s))
    };
    let mut c = Raw::connect(addr).await;
    c.login().await;
    let (mut served, mut refused) = (0, 0);
    for _ in 0..600 {
        let size = c.command("SIZE d/secret.txt").await.text();
        assert_ne!(size, "213 15", "the size of a file outside the root");
        match transfer(&mut c, b"RETR d/secret.txt").await {
            (150, got, Some(226)) => {
                assert_eq!(got, b"inside", "served from outside the root");
                served += 1;
            }
            (550, _, _) => refused += 1,
            other => panic!("{other:?}"),
        }
    }
    stopping.store(true, std::sync::atomic::Ordering::Relaxed);
    let swaps = swaps.join().unwrap();
    eprintln!("{served} served, {refused} refused, {swaps} swaps");
    assert!(
        swaps > 0 && served > 0,
        "{served} served, {refused} refused, {swaps} swaps"
    );
    assert_eq!(c.command("QUIT").await.code, 221);
    drain(events, stop).await;
    let _ = std::fs::remove_dir_all(&base);
}

#[tokio::test]
async fn odd_names_are_listed_safely_and_served_by_their_bytes() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let root = common::temp_dir("odd-names");
    let forged = b"a\r\n-rw-r--r-- 1 ftp ftp 99 Jan  1 00:00 evil".as_slice();
    std::fs::write(root.join(OsStr::from_bytes(forged)), b"forged").unwrap();
    std::fs::write(root.join(OsStr::from_bytes(b"caf\xe9.txt")), b"latin-1").unwrap();
    std::fs::write(root.join("plain.txt"), b"plain").unwrap();
    let files = Files::dir(&root).unwrap();
    let (addr, events, stop) = start(move |c| c.files = files).await;
    let mut c = Raw::connect(addr).await;
    c.login().await;
    let (_, list, _) = transfer(&mut c, b"LIST").await;
    let lines: Vec<&[u8]> = list
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(lines.len(), 3, "{}", String::from_utf8_lossy(&list));
    assert!(
        lines
            .iter()
            .any(|l| l.ends_with(b" a\\015\\012-rw-r--r-- 1 ftp ftp 99 Jan  1 00:00 evil\r")),
        "{}",
        String::from_utf8_lossy(&list)
    );
    assert!(
        lines.iter().any(|l| l.ends_with(b" caf\xe9.txt\r")),
        "raw bytes"
    );
    let (_, nlst, _) = transfer(&mut c, b"NLST").await;
    assert!(nlst.windows(10).any(|w| w == b"caf\xe9.txt\r\n"));
    let (_, mlsd, _) = transfer(&mut c, b"MLSD").await;
    assert_eq!(
        mlsd.split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .count(),
        3
    );
    // Fetched by their bytes, and by the escaped form the listing shows.
    let (_, got, done) = transfer(&mut c, b"RETR caf\xe9.txt").await;
    assert_eq!((got.as_slice(), done), (&b"latin-1"[..], Some(226)));
    let mut escaped = b"RETR ".to_vec();
    escaped.extend_from_slice(b"a\\015\\012-rw-r--r-- 1 ftp ftp 99 Jan  1 00:00 evil");
    let (_, got, _) = transfer(&mut c, &escaped).await;
    assert_eq!(got, b"forged");
    assert_eq!(c.send(b"SIZE caf\xe9.txt\r\n").await.text(), "213 7");
    assert_eq!(c.command("QUIT").await.code, 221);
    drain(events, stop).await;

    // curl, a real client, fetches the Latin-1 name by its bytes too.
    if common::peer("curl").is_some() {
        let files = Files::dir(&root).unwrap();
        let (addr, events, stop) = start(move |c| c.files = files).await;
        let out = tokio::process::Command::new("curl")
            .args(["-sS", "--max-time", "30"])
            .arg(format!("ftp://{addr}/caf%E9.txt"))
            .output()
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout, b"latin-1");
        drain(events, stop).await;
    }
    let _ = std::fs::remove_dir_all(&root);
}
