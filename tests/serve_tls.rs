//! Explicit FTPS (RFC 4217) in our server, with a client by hand
//! (tokio-rustls, trusting exactly the certificate the server made): the
//! control connection inside TLS after `AUTH TLS`, data connections inside
//! TLS after `PROT P` — passive and active, listing, download, upload and
//! download back, byte for byte — `CCC` back to clear text, and the
//! refusals RFC 2228 and 4217 prescribe. Runs with no peer installed; the
//! real clients (curl, lftp, Python) are in `serve_tls_clients.rs`.

#[path = "support/ftps_client.rs"]
mod ftps_client;
#[path = "support/our_server.rs"]
mod our_server;

use ftps_client::{connector, Ftps};
use ftpviz::tls::{Tls, INSIDE_TLS};
use ftpviz::trace::{Event, Kind};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};

const HELLO: &[u8] = include_bytes!("../assets/files/hello.txt");
const RANDOM: &[u8] = include_bytes!("../assets/files/random.bin");

type Started = (
    SocketAddr,
    mpsc::UnboundedReceiver<Event>,
    watch::Sender<bool>,
    Arc<Tls>,
);

async fn with_tls() -> Started {
    let tls = Arc::new(Tls::self_signed().expect("a certificate"));
    let given = tls.clone();
    let (addr, events, stop) = our_server::start(move |c| c.tls = Some(given)).await;
    (addr, events, stop, tls)
}

/// A raw connection that has sent `AUTH TLS` (and `behind` it, in the same
/// write) and read the `234` — and nothing else.
async fn auth_in_clear(addr: SocketAddr, behind: &[u8]) -> TcpStream {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let mut buf = [0u8; 512];
    let n = tcp.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"220"));
    let sent = [&b"AUTH TLS\r\n"[..], behind].concat();
    tcp.write_all(&sent).await.unwrap();
    let n = tcp.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"234 "), "{:?}", &buf[..n]);
    assert!(buf[..n].ends_with(b"\r\n") && buf[..n].iter().filter(|&&b| b == b'\n').count() == 1);
    tcp
}

/// The `data` bytes of connection `conn` of session 1, as the trace has them.
fn data_bytes(events: &[Event], conn: u32) -> u64 {
    events
        .iter()
        .filter(|e| e.session == 1 && e.conn == conn)
        .filter_map(|e| match e.kind {
            Kind::Data { bytes } => Some(bytes),
            _ => None,
        })
        .sum()
}

fn control_text(e: &Event) -> Option<&str> {
    match &e.kind {
        Kind::Command { text, .. } => Some(text),
        Kind::Reply { text, .. } => Some(text),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passive_and_active_transfers_inside_tls_carry_the_files_byte_for_byte() {
    let (addr, events, stop, tls) = with_tls().await;
    let mut ftps = Ftps::connect(addr, connector(tls.certificate())).await;
    let feat = ftps.cmd("FEAT").await.text;
    for line in ["\n AUTH TLS\n", "\n PBSZ\n", "\n PROT\n"] {
        assert!(feat.contains(line), "{feat}");
    }
    ftps.secure_login("demo", "demo").await;
    assert_eq!(ftps.cmd("TYPE I").await.code, 200);

    // Passive: a listing and a download, each on a TLS data connection.
    let (_, mut data) = ftps.passive("LIST", true).await;
    let listing = String::from_utf8(data.read_all().await.unwrap()).unwrap();
    assert!(listing.contains(" hello.txt\r\n"), "{listing}");
    assert_eq!(ftps.reply().await.code, 226);
    let (_, mut data) = ftps.passive("RETR random.bin", true).await;
    assert_eq!(data.read_all().await.unwrap(), RANDOM);
    assert_eq!(ftps.reply().await.code, 226);

    // Active: the server dials, and is the TLS server all the same.
    let (_, mut data) = ftps.active("RETR hello.txt", true).await;
    assert_eq!(data.read_all().await.unwrap(), HELLO);
    assert_eq!(ftps.reply().await.code, 226);

    // Upload (every byte value), then download it back.
    let upload: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let (_, mut data) = ftps.active("STOR up.bin", true).await;
    data.write(&upload).await.unwrap();
    data.close().await.unwrap();
    // The server's close_notify comes back: the upload ended cleanly.
    assert!(data.read_all().await.unwrap().is_empty());
    assert_eq!(ftps.reply().await.code, 226);
    let (_, mut data) = ftps.passive("RETR up.bin", true).await;
    assert_eq!(data.read_all().await.unwrap(), upload);
    assert_eq!(ftps.reply().await.code, 226);

    // PROT C: the next data connection is in clear again.
    assert_eq!(ftps.cmd("PROT C").await.code, 200);
    let (_, mut data) = ftps.passive("RETR hello.txt", false).await;
    assert_eq!(data.read_all().await.unwrap(), HELLO);
    assert_eq!(ftps.reply().await.code, 226);
    assert_eq!(ftps.cmd("QUIT").await.code, 221);

    let events = our_server::drain(events, stop).await;
    // The trace counts the files' bytes, not the TLS records.
    assert_eq!(data_bytes(&events, 2), RANDOM.len() as u64);
    assert_eq!(data_bytes(&events, 3), HELLO.len() as u64);
    assert_eq!(data_bytes(&events, 4), upload.len() as u64);
    assert_eq!(data_bytes(&events, 5), upload.len() as u64);
    // Every command and reply after the 234 is noted as inside TLS, none
    // before; the password is in the trace (the server read it) but noted.
    let at_234 = events
        .iter()
        .position(|e| matches!(e.kind, Kind::Reply { code: 234, .. }))
        .expect("234");
    for (i, e) in events.iter().enumerate().filter(|(_, e)| e.conn == 0) {
        if control_text(e).is_none() {
            continue;
        }
        let inside = e.note.as_deref().is_some_and(|n| n.contains(INSIDE_TLS));
        assert_eq!(inside, i > at_234, "{e:?}");
    }
    let protected_150 = events.iter().filter(|e| {
        matches!(e.kind, Kind::Reply { code: 150, .. })
            && e.note.as_deref().is_some_and(|n| n.contains("PROT P"))
    });
    assert_eq!(protected_150.count(), 5);
    told_as_decrypted_by_the_server(&events, at_234);
}

/// The narration of a trace our server recorded inside TLS: the lines
/// after the `234` are readable because the server holds the keys (not "TLS
/// did not hold"), the password went inside TLS, and every claim it makes
/// holds against the account of the whole trace.
fn told_as_decrypted_by_the_server(events: &[Event], at_234: usize) {
    use ftpviz::account::Account;
    use ftpviz::narration::{narrate_at, Context, Ours};
    let whole = Account::of(events, true);
    let ctx = Context {
        events,
        account: &whole,
        between: None,
        ours: Ours::SERVE,
    };
    let told = narrate_at(&ctx, at_234);
    assert!(told.body.contains("holds the keys"), "{}", told.body);
    assert!(!told.body.contains("did not hold"), "{}", told.body);
    let pass = events
        .iter()
        .position(|e| control_text(e).is_some_and(|t| t.starts_with("PASS")))
        .expect("PASS");
    assert_eq!(
        narrate_at(&ctx, pass).headline,
        "PASS: the password, inside TLS."
    );
    for i in 0..events.len() {
        for claim in &narrate_at(&ctx, i).claims {
            assert_eq!(claim.check(&whole, events), Ok(()), "event {i}: {claim:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ccc_clears_the_control_connection_and_the_data_stays_protected() {
    let (addr, events, stop, tls) = with_tls().await;
    let mut ftps = Ftps::connect(addr, connector(tls.certificate())).await;
    ftps.secure_login("anonymous", "x").await;
    ftps.ccc().await;
    // Clear text now, on the same TCP connection.
    assert_eq!(ftps.cmd("NOOP").await.code, 200);
    // RFC 4217 §5: no more PBSZ or PROT; the data keeps PROT P.
    assert_eq!(ftps.cmd("PROT C").await.code, 503);
    assert_eq!(ftps.cmd("PBSZ 0").await.code, 503);
    let (_, mut data) = ftps.passive("RETR hello.txt", true).await;
    assert_eq!(data.read_all().await.unwrap(), HELLO);
    assert_eq!(ftps.reply().await.code, 226);
    assert_eq!(ftps.cmd("CCC").await.code, 533);
    assert_eq!(ftps.cmd("QUIT").await.code, 221);
    let events = our_server::drain(events, stop).await;
    let noop = events
        .iter()
        .find(|e| control_text(e) == Some("NOOP"))
        .expect("NOOP");
    assert_eq!(noop.note, None, "after CCC, in clear");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abor_inside_tls_stops_an_upload_midway() {
    let (addr, events, stop, tls) = with_tls().await;
    let mut ftps = Ftps::connect(addr, connector(tls.certificate())).await;
    ftps.secure_login("demo", "demo").await;
    let (_, mut data) = ftps.passive("STOR half.bin", true).await;
    data.write(&[7u8; 10_000]).await.unwrap();
    // No urgent data inside TLS (RFC 4217 §14): ABOR is an ordinary line.
    ftps.send("ABOR").await;
    assert_eq!(ftps.reply().await.code, 426);
    assert_eq!(ftps.reply().await.code, 226);
    // The aborted upload is not kept.
    assert_eq!(ftps.cmd("SIZE half.bin").await.code, 550);
    assert_eq!(ftps.cmd("QUIT").await.code, 221);
    our_server::drain(events, stop).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lines_sent_in_clear_behind_auth_are_not_taken_as_protected() {
    let (addr, events, stop, tls) = with_tls().await;
    // The "STARTTLS injection": commands behind AUTH, in the same packet.
    let tcp = auth_in_clear(addr, b"USER demo\r\nPASS demo\r\n").await;
    let mut ftps = Ftps::over(
        ftps_client::handshake(&connector(tls.certificate()), tcp)
            .await
            .unwrap(),
        connector(tls.certificate()),
    );
    // Not logged in: the clear USER/PASS were thrown away, unanswered.
    assert_eq!(ftps.cmd("PWD").await.code, 530);
    assert_eq!(ftps.cmd("QUIT").await.code, 221);
    our_server::drain(events, stop).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_commands_out_of_order_are_refused_as_the_rfcs_say() {
    let (addr, events, stop, tls) = with_tls().await;
    let mut ftps = Ftps::connect(addr, connector(tls.certificate())).await;
    // Before AUTH: PBSZ and PROT are out of sequence; CCC has nothing to
    // clear; an unknown mechanism is 504.
    assert_eq!(ftps.cmd("PBSZ 0").await.code, 503);
    assert_eq!(ftps.cmd("PROT P").await.code, 503);
    assert_eq!(ftps.cmd("CCC").await.code, 533);
    assert_eq!(ftps.cmd("AUTH KERBEROS_V4").await.code, 504);
    ftps.auth().await;
    // PROT before PBSZ: 503 (RFC 2228 §3).
    assert_eq!(ftps.cmd("PROT P").await.code, 503);
    assert_eq!(ftps.cmd("PBSZ x").await.code, 501);
    assert_eq!(ftps.cmd("PBSZ 0").await.code, 200);
    assert_eq!(ftps.cmd("PROT S").await.code, 536);
    assert_eq!(ftps.cmd("PROT E").await.code, 536);
    assert_eq!(ftps.cmd("PROT Q").await.code, 504);
    // AUTH a second time: refused inside the TLS session, which goes on.
    assert_eq!(ftps.cmd("AUTH TLS").await.code, 534);
    // AUTH reset the login (RFC 4217 §4): log in again, inside TLS.
    assert_eq!(ftps.cmd("PWD").await.code, 530);
    assert_eq!(ftps.cmd("USER anonymous").await.code, 331);
    assert_eq!(ftps.cmd("PASS x").await.code, 230);
    assert_eq!(ftps.cmd("QUIT").await.code, 221);
    our_server::drain(events, stop).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_instead_of_a_client_hello_ends_the_session_cleanly() {
    let (addr, events, stop, tls) = with_tls().await;
    for garbage in [
        &b"USER demo\r\nPASS demo\r\n"[..],
        &[0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5][..],
        &[0xff; 64][..],
    ] {
        let mut tcp = auth_in_clear(addr, b"").await;
        tcp.write_all(garbage).await.unwrap();
        // The server drops the connection (a TLS alert at most first):
        // the read ends, it does not hang.
        let mut rest = Vec::new();
        let _ = tcp.read_to_end(&mut rest).await;
        assert!(
            rest.is_empty() || rest[0] == 21,
            "only a TLS alert may come back: {rest:?}"
        );
    }
    // The server still serves.
    let mut ftps = Ftps::connect(addr, connector(tls.certificate())).await;
    ftps.secure_login("anonymous", "x").await;
    assert_eq!(ftps.cmd("QUIT").await.code, 221);
    let events = our_server::drain(events, stop).await;
    for session in 1..=3 {
        let closed_by_server = events.iter().any(|e| {
            e.session == session
                && e.conn == 0
                && matches!(e.kind, Kind::Close)
                && e.from == ftpviz::trace::Side::Server
        });
        assert!(closed_by_server, "session {session} closed by the server");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_tls_auth_is_not_implemented_and_feat_does_not_offer_it() {
    let (addr, events, stop) = our_server::start(|_| {}).await;
    let tls = Tls::self_signed().unwrap();
    let mut ftp = Ftps::connect(addr, connector(tls.certificate())).await;
    for verb in ["AUTH TLS", "PBSZ 0", "PROT P", "CCC"] {
        assert_eq!(ftp.cmd(verb).await.code, 502, "{verb}");
    }
    let feat = ftp.cmd("FEAT").await.text;
    assert!(!feat.contains("AUTH") && !feat.contains("PROT"), "{feat}");
    assert_eq!(ftp.cmd("QUIT").await.code, 221);
    our_server::drain(events, stop).await;
}
