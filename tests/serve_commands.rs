//! The server's command set, seen from real clients: listings in three
//! shapes, file facts, TYPE A on the wire, restarts, the upload cap, and
//! the passive listener's manners (strangers dropped, a timeout gives 425).

#[path = "support/our_server.rs"]
mod our_server;
#[path = "support/raw.rs"]
mod raw;

use our_server::{builtin, drain, start};
use raw::Raw;
use std::io::Cursor;
use std::net::SocketAddr;
use std::time::Duration;
use suppaftp::types::FileType;
use suppaftp::{FtpError, FtpStream};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpSocket, TcpStream};

fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> tokio::task::JoinHandle<T> {
    tokio::task::spawn_blocking(f)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_facts_and_restart() {
    let (addr, events, stop) = start(|_| {}).await;
    blocking(move || {
        let mut ftp = FtpStream::connect(addr).unwrap();
        ftp.login("anonymous", "x").unwrap();
        let feat = ftp.feat().unwrap();
        assert!(feat.contains_key("EPSV"), "{feat:?}");
        // RFC 3659 §7.8: one MLST line stands for MLSD too.
        assert_eq!(feat.get("MLST"), Some(&Some("type*;size*;modify*;".to_string())), "{feat:?}");
        assert!(!feat.contains_key("MLSD"), "{feat:?}");
        assert_eq!(ftp.nlst(None).unwrap(), vec!["docs", "hello.txt", "notes.txt", "random.bin"]);
        let mlsd = ftp.mlsd(Some("docs")).unwrap();
        let size = include_bytes!("../assets/files/docs/rfc959-modes.txt").len();
        assert!(mlsd[0].starts_with(&format!("type=file;size={size};modify=")) && mlsd[0].ends_with("; rfc959-modes.txt"), "{mlsd:?}");
        assert_eq!(ftp.size("random.bin").unwrap(), 4096);
        assert!(ftp.mdtm("hello.txt").is_ok());
        ftp.cwd("docs").unwrap();
        assert_eq!(ftp.pwd().unwrap(), "/docs");
        ftp.cdup().unwrap();
        assert_eq!(ftp.pwd().unwrap(), "/");
        assert!(matches!(ftp.cwd("nowhere"), Err(FtpError::UnexpectedResponse(r)) if r.status as u32 == 550));
        // REST: the rest of the file from byte 6.
        ftp.transfer_type(FileType::Binary).unwrap();
        ftp.resume_transfer(6).unwrap();
        let tail = ftp.retr_as_buffer("hello.txt").unwrap().into_inner();
        assert!(tail.starts_with(b"from the ftpviz lab server!"), "{:?}", String::from_utf8_lossy(&tail));
        ftp.quit().unwrap();
    })
    .await
    .unwrap();
    drain(events, stop).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn type_a_adds_a_cr_per_line_on_the_wire() {
    let (addr, events, stop) = start(|_| {}).await;
    let file = include_bytes!("../assets/files/notes.txt");
    let lines = file.iter().filter(|b| **b == b'\n').count() as u64;
    blocking(move || {
        let mut ftp = FtpStream::connect(addr).unwrap();
        ftp.login("demo", "demo").unwrap();
        ftp.transfer_type(FileType::Ascii(suppaftp::types::FormatControl::Default))
            .unwrap();
        let ascii = ftp.retr_as_buffer("notes.txt").unwrap().into_inner();
        assert_eq!(
            ascii.len() as u64,
            file.len() as u64 + lines,
            "one CR more per line"
        );
        ftp.transfer_type(FileType::Binary).unwrap();
        let image = ftp.retr_as_buffer("notes.txt").unwrap().into_inner();
        assert_eq!(image, file);
        // An ASCII upload loses its CRs again.
        ftp.transfer_type(FileType::Ascii(suppaftp::types::FormatControl::Default))
            .unwrap();
        ftp.put_file("crlf.txt", &mut Cursor::new(b"a\r\nb\r\n".to_vec()))
            .unwrap();
        ftp.transfer_type(FileType::Binary).unwrap();
        assert_eq!(
            ftp.retr_as_buffer("crlf.txt").unwrap().into_inner(),
            b"a\nb\n"
        );
        ftp.quit().unwrap();
    })
    .await
    .unwrap();
    let trace: ftpviz::trace::Trace = drain(events, stop).await.into_iter().collect();
    assert_eq!(trace.data_bytes(1, 1), file.len() as u64 + lines);
    assert_eq!(trace.data_bytes(1, 2), file.len() as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_past_the_cap_get_552() {
    let (addr, events, stop) = start(|c| c.files = builtin(1000)).await;
    blocking(move || {
        let mut ftp = FtpStream::connect(addr).unwrap();
        ftp.login("demo", "demo").unwrap();
        ftp.transfer_type(FileType::Binary).unwrap();
        let err = ftp
            .put_file("big.bin", &mut Cursor::new(vec![7u8; 5000]))
            .unwrap_err();
        assert!(
            matches!(err, FtpError::UnexpectedResponse(r) if r.status as u32 == 552),
            "552"
        );
        ftp.put_file("small.bin", &mut Cursor::new(vec![7u8; 900]))
            .unwrap();
        assert_eq!(ftp.size("small.bin").unwrap(), 900);
        assert!(
            ftp.size("big.bin").is_err(),
            "nothing kept of the refused upload"
        );
        ftp.quit().unwrap();
    })
    .await
    .unwrap();
    drain(events, stop).await;
}

#[tokio::test]
async fn the_small_commands() {
    let (addr, events, stop) = start(|_| {}).await;
    let mut c = Raw::connect(addr).await;
    c.login().await;
    assert_eq!(c.command("SYST").await.text(), "215 UNIX Type: L8");
    let help = c.command("HELP").await;
    assert_eq!(help.code, 214);
    assert!(help.lines.len() > 2 && help.text().contains("MLSD"));
    assert_eq!(c.command("NOOP").await.code, 200);
    assert_eq!(c.command("MODE S").await.code, 200);
    assert_eq!(c.command("MODE B").await.code, 504);
    assert_eq!(c.command("STRU F").await.code, 200);
    assert_eq!(c.command("STRU R").await.code, 504);
    assert_eq!(c.command("OPTS UTF8 ON").await.code, 200);
    assert_eq!(c.command("ABOR").await.code, 226, "nothing to abort");
    assert_eq!(c.command("REST x").await.code, 501);
    assert_eq!(
        c.command("EPSV 2").await.code,
        522,
        "IPv6 asked on an IPv4 connection"
    );
    assert_eq!(c.command("EPRT |3|127.0.0.1|2000|").await.code, 522);
    assert_eq!(c.command("EPSV ALL").await.code, 200);
    assert_eq!(
        c.command("PASV").await.code,
        503,
        "only EPSV after EPSV ALL"
    );
    assert_eq!(c.command("PORT 127,0,0,1,200,0").await.code, 503);
    assert_eq!(c.command("EPSV").await.code, 229);
    assert_eq!(c.command("RETR nothing-here").await.code, 550);
    assert_eq!(c.command("QUIT").await.code, 221);
    drain(events, stop).await;
}

#[tokio::test]
async fn passive_admits_only_the_control_peer_and_times_out_with_425() {
    let (addr, events, stop) = start(|c| c.passive_wait = Duration::from_millis(500)).await;
    let mut c = Raw::connect(addr).await;
    c.login().await;
    let reply = c.command("EPSV").await;
    let port = ftpviz::ftp::hostport::parse_229(&reply.text()).unwrap();
    // A stranger (another loopback address) dials first: dropped.
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.5:0".parse().unwrap()).unwrap();
    let mut stranger = socket
        .connect(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .unwrap();
    let mut buf = [0u8; 1];
    let got = stranger.read(&mut buf).await;
    assert!(matches!(got, Ok(0) | Err(_)), "the stranger is hung up on");
    // The real client never comes: 425 after the wait, naming the stranger.
    let refused = c.command("LIST").await;
    assert_eq!(refused.code, 425);
    assert!(refused.text().contains("127.0.0.5"), "{refused:?}");
    // A fresh PASV works as usual.
    let reply = c.command("PASV").await;
    let data_addr = ftpviz::ftp::hostport::parse_227(reply.message()).unwrap();
    let mut data = TcpStream::connect(data_addr).await.unwrap();
    assert_eq!(c.command("NLST").await.code, 150);
    let mut names = String::new();
    data.read_to_string(&mut names).await.unwrap();
    assert!(names.contains("hello.txt\r\n"));
    assert_eq!(c.reply().await.code, 226);
    // What the sockets saw is in the trace: the stranger's connection,
    // accepted by the kernel and closed by the server at once (issue 14
    // §3.8) — and the account keeps it out of the session's answers.
    let trace = drain(events, stop).await;
    let stranger: Vec<&ftpviz::trace::Event> = trace
        .iter()
        .filter(|e| {
            matches!(&e.kind, ftpviz::trace::Kind::Connect { src, .. }
                if src.ip() == std::net::IpAddr::from([127, 0, 0, 5]))
        })
        .collect();
    assert_eq!(stranger.len(), 1, "{trace:#?}");
    let dial = stranger[0];
    assert!(
        dial.note
            .as_deref()
            .is_some_and(|n| n.contains("not this session's client")),
        "{dial:?}"
    );
    let closed = trace.iter().any(|e| {
        e.conn == dial.conn
            && e.from == ftpviz::trace::Side::Server
            && matches!(e.kind, ftpviz::trace::Kind::Close)
    });
    assert!(closed, "{trace:#?}");
    let account = ftpviz::account::Account::of(&trace, true);
    let story = account.session(dial.session).expect("its session");
    assert!(story.data_conn(dial.conn).is_some_and(|d| d.stranger));
    let epsv = story.announcements.first().expect("the 229");
    let answer = story.answer(0, true).expect("answered");
    assert_eq!(answer.who, ftpviz::account::Who::Nobody, "{}", answer.words);
    assert_eq!(epsv.conn, None);
}
