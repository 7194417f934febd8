//! `ABOR` during a transfer, on real loopback sockets: the server stops the
//! transfer, closes the data connection, answers `426` then `226`, records
//! exactly the bytes it sent, and goes on serving — this session and the
//! others. A command sent mid-transfer waits for the transfer's end.
//!
//! The file is far bigger than loopback's socket buffers (a sparse 64 MiB
//! file), and the test client stops reading its data connection, so the
//! transfer cannot end by itself before the `ABOR`: no race, no sleep.

mod common;
#[path = "support/our_server.rs"]
mod our_server;
#[path = "support/raw.rs"]
mod raw;

use ftpviz::ftp::hostport;
use ftpviz::server::files::Files;
use ftpviz::trace::{Event, Kind, Side};
use our_server::{drain, start};
use raw::Raw;
use std::io::Read;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};

const BIG: u64 = 64 << 20;
const SMALL: &[u8] = b"a small file, fetched whole after the abort\n";

/// A root with `big.bin` (sparse, `BIG` bytes) and `small.txt`.
fn root(tag: &str) -> Files {
    let dir = common::temp_dir(tag);
    let big = std::fs::File::create(dir.join("big.bin")).unwrap();
    big.set_len(BIG).unwrap();
    std::fs::write(dir.join("small.txt"), SMALL).unwrap();
    Files::dir(&dir).unwrap()
}

/// Our server on a free loopback port, serving [`root`].
async fn serve(
    tag: &str,
) -> (
    SocketAddr,
    mpsc::UnboundedReceiver<Event>,
    watch::Sender<bool>,
) {
    let files = root(tag);
    start(move |c| c.files = files).await
}

/// PASV, then the data connection dialled.
async fn pasv(c: &mut Raw) -> TcpStream {
    let reply = c.command("PASV").await;
    assert_eq!(reply.code, 227, "{reply:?}");
    let addr = hostport::parse_227(reply.message()).unwrap();
    TcpStream::connect(addr).await.unwrap()
}

/// Reads exactly `n` bytes of a transfer.
async fn read_some(data: &mut TcpStream, n: usize) {
    let mut buf = vec![0u8; n];
    data.read_exact(&mut buf).await.unwrap();
}

/// Reads the data connection to its end; the number of bytes.
async fn read_to_end(data: &mut TcpStream) -> u64 {
    let mut sink = tokio::io::sink();
    tokio::io::copy(data, &mut sink).await.unwrap()
}

/// The `data` bytes of connection `conn` of `session`, and who closed it.
fn data_conn(events: &[Event], session: u32, conn: u32) -> (u64, Option<Side>) {
    let mine = || {
        events
            .iter()
            .filter(move |e| e.session == session && e.conn == conn)
    };
    let bytes = mine()
        .filter_map(|e| match e.kind {
            Kind::Data { bytes } => Some(bytes),
            _ => None,
        })
        .sum();
    let closed = mine().find(|e| e.kind == Kind::Close).map(|e| e.from);
    (bytes, closed)
}

/// Every connection in the trace that was dialled was closed, once.
fn assert_every_connection_closed_once(events: &[Event]) {
    let mut dialled: Vec<_> = events
        .iter()
        .filter(|e| matches!(e.kind, Kind::Connect { .. }))
        .map(|e| (e.session, e.conn))
        .collect();
    let mut closed: Vec<_> = events
        .iter()
        .filter(|e| e.kind == Kind::Close)
        .map(|e| (e.session, e.conn))
        .collect();
    dialled.sort();
    closed.sort();
    assert_eq!(dialled, closed);
}

#[tokio::test]
async fn abor_stops_a_retr_with_426_then_226_and_the_session_goes_on() {
    let (addr, events, stop) = serve("abor-retr").await;
    let mut c = Raw::connect(addr).await;
    c.login().await;
    assert_eq!(c.command("ABOR").await.code, 226, "nothing to abort");
    assert_eq!(c.command("TYPE I").await.code, 200);

    let mut received = Vec::new();
    // A plain ABOR, and one behind Telnet IAC IP, IAC DM (255 244, 255 242);
    // each after the client has read `head` bytes. The server writes 1 MiB
    // chunks: these catch it at different points in one, where a count
    // made per chunk instead of per write would miss what already left.
    let plain: &[u8] = b"ABOR\r\n";
    let urgent: &[u8] = b"\xff\xf4\xff\xf2ABOR\r\n";
    let aborts = [
        (plain, 64 * 1024),
        (urgent, 2_600_000),
        (plain, 5_300_000),
        (urgent, 900_000),
    ];
    for (abor, head) in aborts {
        let mut data = pasv(&mut c).await;
        assert_eq!(c.command("RETR big.bin").await.code, 150);
        read_some(&mut data, head).await;
        // The client stops reading; the server is stuck on a full socket.
        let first = c.send(abor).await;
        assert_eq!(first.code, 426, "{first:?}");
        let second = c.reply().await;
        assert_eq!(second.code, 226, "{second:?}");
        // The server closed the data connection: what it had sent, then EOF.
        let rest = read_to_end(&mut data).await;
        let got = head as u64 + rest;
        assert!(got < BIG, "the transfer was cut short ({got} bytes)");
        received.push(got);
    }

    // The same session still transfers, whole.
    let mut data = pasv(&mut c).await;
    assert_eq!(c.command("RETR small.txt").await.code, 150);
    let mut small = Vec::new();
    data.read_to_end(&mut small).await.unwrap();
    assert_eq!(c.reply().await.code, 226);
    assert_eq!(small, SMALL);
    assert_eq!(c.command("QUIT").await.code, 221);

    let events = drain(events, stop).await;
    for (i, got) in received.iter().enumerate() {
        let conn = i as u32 + 1;
        let (bytes, closed) = data_conn(&events, 1, conn);
        assert_eq!(bytes, *got, "conn {conn}: the trace counts what was sent");
        assert_eq!(closed, Some(Side::Server), "conn {conn}: the server closed");
    }
    let codes = common::reply_codes(&events);
    assert!(
        codes.ends_with(&[
            227, 150, 426, 226, 227, 150, 426, 226, 227, 150, 426, 226, 227, 150, 426, 226, 227,
            150, 226, 221
        ]),
        "{codes:?}"
    );
    // Both ABORs are in the trace as plain commands, Telnet bytes skipped.
    let abors = events
        .iter()
        .filter(|e| matches!(&e.kind, Kind::Command { text, .. } if text == "ABOR"))
        .count();
    assert_eq!(abors, 5);
    assert_every_connection_closed_once(&events);
}

#[tokio::test]
async fn abor_stops_a_stor_and_the_upload_is_not_kept() {
    let (addr, events, stop) = start(|_| {}).await;
    let mut c = Raw::connect(addr).await;
    c.login_as("demo", "demo").await;
    let mut data = pasv(&mut c).await;
    assert_eq!(c.command("STOR up.bin").await.code, 150);
    // The client writes until the server hangs up on it.
    let writer = tokio::spawn(async move {
        let chunk = vec![7u8; 64 * 1024];
        let mut sent = 0u64;
        while data.write_all(&chunk).await.is_ok() {
            sent += chunk.len() as u64;
        }
        sent
    });
    assert_eq!(c.send(b"ABOR\r\n").await.code, 426);
    assert_eq!(c.reply().await.code, 226);
    // The data connection is closed under the writer: it stops.
    let sent = writer.await.unwrap();
    assert_eq!(c.command("SIZE up.bin").await.code, 550, "not kept");
    // The session goes on.
    assert_eq!(c.command("NOOP").await.code, 200);
    assert_eq!(c.command("QUIT").await.code, 221);

    let events = drain(events, stop).await;
    let (bytes, closed) = data_conn(&events, 1, 1);
    assert_eq!(closed, Some(Side::Server));
    assert!(bytes <= sent + 64 * 1024, "read {bytes}, sent {sent}");
    let from_client = events
        .iter()
        .filter(|e| e.conn == 1 && matches!(e.kind, Kind::Data { .. }))
        .all(|e| e.from == Side::Client);
    assert!(from_client, "upload bytes are the client's");
}

#[tokio::test]
async fn commands_sent_mid_transfer_wait_for_its_end() {
    let (addr, events, stop) = serve("abor-queue").await;
    let mut c = Raw::connect(addr).await;
    c.login().await;

    // A NOOP during a transfer is answered after its 226.
    let mut data = pasv(&mut c).await;
    assert_eq!(c.command("RETR big.bin").await.code, 150);
    read_some(&mut data, 1024).await;
    c.s.write_all(b"NOOP\r\n").await.unwrap();
    assert_eq!(read_to_end(&mut data).await + 1024, BIG, "the whole file");
    assert_eq!(c.reply().await.code, 226, "the transfer's reply first");
    assert_eq!(c.reply().await.code, 200, "then the NOOP's");

    // NOOP then ABOR mid-transfer: ABOR is heard at once, NOOP after.
    let mut data = pasv(&mut c).await;
    assert_eq!(c.command("RETR big.bin").await.code, 150);
    read_some(&mut data, 1024).await;
    assert_eq!(c.send(b"NOOP\r\nABOR\r\n").await.code, 426);
    assert_eq!(c.reply().await.code, 226);
    assert_eq!(c.reply().await.code, 200);
    read_to_end(&mut data).await;

    // RETR and ABOR in one packet: the transfer stops before it starts
    // (426, 226), or just after its 150 if the two lines were read apart.
    let mut data = pasv(&mut c).await;
    let mut codes = vec![c.send(b"RETR big.bin\r\nABOR\r\n").await.code];
    while codes.last() != Some(&226) {
        codes.push(c.reply().await.code);
    }
    assert!(codes == [426, 226] || codes == [150, 426, 226], "{codes:?}");
    assert!(read_to_end(&mut data).await < BIG);

    // QUIT mid-transfer ends the session once the file is through.
    let mut data = pasv(&mut c).await;
    assert_eq!(c.command("RETR small.txt").await.code, 150);
    c.s.write_all(b"QUIT\r\n").await.unwrap();
    assert_eq!(read_to_end(&mut data).await, SMALL.len() as u64);
    assert_eq!(c.reply().await.code, 226);
    assert_eq!(c.reply().await.code, 221);
    let events = drain(events, stop).await;
    assert_every_connection_closed_once(&events);
}

#[tokio::test]
async fn a_stalled_transfer_does_not_stall_other_sessions() {
    let (addr, events, stop) = serve("abor-others").await;
    let mut a = Raw::connect(addr).await;
    a.login().await;
    let mut data = pasv(&mut a).await;
    assert_eq!(a.command("RETR big.bin").await.code, 150);
    read_some(&mut data, 1024).await;
    // Session A's client reads no more; session B is served meanwhile.
    let mut b = Raw::connect(addr).await;
    b.login().await;
    let mut listing = pasv(&mut b).await;
    assert_eq!(b.command("NLST").await.code, 150);
    let mut names = String::new();
    listing.read_to_string(&mut names).await.unwrap();
    assert_eq!(b.reply().await.code, 226);
    assert!(names.contains("big.bin\r\n") && names.contains("small.txt\r\n"));
    assert_eq!(b.command("QUIT").await.code, 221);
    // Then A aborts.
    assert_eq!(a.send(b"ABOR\r\n").await.code, 426);
    assert_eq!(a.reply().await.code, 226);
    assert_eq!(a.command("QUIT").await.code, 221);
    drain(events, stop).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suppaftp_abort_works_against_us() {
    let (addr, events, stop) = serve("abor-suppaftp").await;
    tokio::task::spawn_blocking(move || {
        let mut ftp = suppaftp::FtpStream::connect(addr).unwrap();
        ftp.login("anonymous", "x").unwrap();
        ftp.transfer_type(suppaftp::types::FileType::Binary)
            .unwrap();
        let mut stream = ftp.retr_as_stream("big.bin").unwrap();
        let mut buf = vec![0u8; 64 * 1024];
        stream.read_exact(&mut buf).unwrap();
        // ABOR, then reads 426 and 226 (or fails).
        ftp.abort(stream).unwrap();
        let small = ftp.retr_as_buffer("small.txt").unwrap().into_inner();
        assert_eq!(small, SMALL);
        ftp.quit().unwrap();
    })
    .await
    .unwrap();
    let events = drain(events, stop).await;
    let codes = common::reply_codes(&events);
    assert!(codes.windows(2).any(|w| w == [426, 226]), "{codes:?}");
}

/// Python's ftplib as the client: its `abort()` sends `ABOR\r\n` as real
/// TCP urgent data (`MSG_OOB`), which takes the last byte, the LF, out of
/// the stream unless the server reads urgent bytes in line (SO_OOBINLINE,
/// as vsftpd does). Without it the line never ends and the client hangs.
const FTPLIB_ABORT: &str = r#"
import ftplib, sys
f = ftplib.FTP()
f.connect("127.0.0.1", int(sys.argv[1]), timeout=10)
f.login()
f.voidcmd("TYPE I")
data = f.transfercmd("RETR big.bin")
got = 0
while got < 1000000:
    got += len(data.recv(65536))
print(f.abort()[:3])
print(f.getmultiline()[:3])
data.close()
small = []
f.retrbinary("RETR small.txt", small.append)
print(len(b"".join(small)))
f.quit()
"#;

#[tokio::test]
async fn python_ftplib_abort_sends_urgent_data_and_works() {
    let Some(python) = common::peer("python3") else {
        return;
    };
    let (addr, events, stop) = serve("abor-ftplib").await;
    let out = tokio::process::Command::new(python)
        .args(["-c", FTPLIB_ABORT, &addr.port().to_string()])
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert_eq!(stdout, format!("426\n226\n{}\n", SMALL.len()));
    let events = drain(events, stop).await;
    let (bytes, closed) = data_conn(&events, 1, 1);
    assert!((1_000_000..BIG).contains(&bytes), "{bytes}");
    assert_eq!(closed, Some(Side::Server));
}

#[tokio::test]
async fn a_server_stop_cuts_a_transfer_with_426_then_421() {
    let (addr, events, stop) = serve("abor-stop").await;
    let mut c = Raw::connect(addr).await;
    c.login().await;
    let mut data = pasv(&mut c).await;
    assert_eq!(c.command("RETR big.bin").await.code, 150);
    read_some(&mut data, 1024).await;
    // The client reads no more: only the stop can end this transfer.
    stop.send(true).unwrap();
    assert_eq!(c.reply().await.code, 426);
    assert_eq!(c.reply().await.code, 421);
    let got = read_to_end(&mut data).await + 1024;
    assert!(got < BIG);
    let mut rest = Vec::new();
    c.s.read_to_end(&mut rest).await.unwrap();
    assert!(
        rest.is_empty(),
        "the control connection is closed after 421"
    );
    // `drain` ends only when the server has finished: it did not wait for
    // the file.
    let events = drain(events, stop).await;
    assert_eq!(data_conn(&events, 1, 1), (got, Some(Side::Server)));
}

#[tokio::test]
async fn abor_while_the_server_waits_for_the_passive_dial() {
    let (addr, events, stop) = serve("abor-wait").await;
    let mut c = Raw::connect(addr).await;
    c.login().await;
    let reply = c.command("PASV").await;
    let data_addr = hostport::parse_227(reply.message()).unwrap();
    // RETR, but the client never dials: the server waits for it ...
    c.s.write_all(b"RETR small.txt\r\n").await.unwrap();
    // ... and hears the ABOR meanwhile, not after its passive timeout.
    assert_eq!(c.send(b"ABOR\r\n").await.code, 426);
    assert_eq!(c.reply().await.code, 226);
    // The passive listener is gone.
    assert!(TcpStream::connect(data_addr).await.is_err());
    // And the session goes on.
    let mut data = pasv(&mut c).await;
    assert_eq!(c.command("RETR small.txt").await.code, 150);
    let mut small = Vec::new();
    data.read_to_end(&mut small).await.unwrap();
    assert_eq!(small, SMALL);
    assert_eq!(c.reply().await.code, 226);
    assert_eq!(c.command("QUIT").await.code, 221);
    let events = drain(events, stop).await;
    let codes = common::reply_codes(&events);
    assert!(
        codes.ends_with(&[227, 426, 226, 227, 150, 226, 221]),
        "{codes:?}"
    );
    // No data connection was made for the aborted RETR: the one data
    // connection is the second RETR's, whole.
    assert_eq!(
        data_conn(&events, 1, 1),
        (SMALL.len() as u64, Some(Side::Server))
    );
    assert_eq!(data_conn(&events, 1, 2), (0, None));
}

#[tokio::test]
async fn a_flood_of_commands_mid_transfer_is_answered_in_order_after_it() {
    let (addr, events, stop) = serve("abor-flood").await;
    let mut c = Raw::connect(addr).await;
    c.login().await;
    let mut data = pasv(&mut c).await;
    assert_eq!(c.command("RETR big.bin").await.code, 150);
    read_some(&mut data, 1024).await;
    // Far more lines than the server holds for later: it stops reading
    // them (they wait in TCP's buffers) and answers all after the 226.
    // (About 20 kB: less than a loopback socket's default receive buffer,
    // so this write cannot block on a server that stopped reading.)
    let lines = 10 * ftpviz::server::abort::MAX_QUEUED;
    let flood: String = (0..lines)
        .map(|i| format!("MDTM small.txt\r\nNOOP {i}\r\n"))
        .collect();
    c.s.write_all(flood.as_bytes()).await.unwrap();
    assert_eq!(read_to_end(&mut data).await + 1024, BIG, "the whole file");
    assert_eq!(c.reply().await.code, 226);
    for _ in 0..lines {
        assert_eq!(c.reply().await.code, 213);
        assert_eq!(c.reply().await.code, 200);
    }
    assert_eq!(c.command("QUIT").await.code, 221);
    drain(events, stop).await;
}

#[tokio::test]
async fn abor_in_active_mode_too() {
    let (addr, events, stop) = serve("abor-active").await;
    let mut c = Raw::connect(addr).await;
    c.login().await;
    // The client listens; the server dials it after RETR.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let eprt = format!("EPRT |1|127.0.0.1|{port}|");
    assert_eq!(c.command(&eprt).await.code, 200);
    assert_eq!(c.command("RETR big.bin").await.code, 150);
    let (mut data, _) = listener.accept().await.unwrap();
    read_some(&mut data, 300_000).await;
    assert_eq!(c.send(b"ABOR\r\n").await.code, 426);
    assert_eq!(c.reply().await.code, 226);
    let got = read_to_end(&mut data).await + 300_000;
    assert_eq!(c.command("QUIT").await.code, 221);
    let events = drain(events, stop).await;
    assert_eq!(data_conn(&events, 1, 1), (got, Some(Side::Server)));
    assert_every_connection_closed_once(&events);
}
