//! Issue 11, point 1: the trace never merges sessions and never loses a
//! `close`. One control connection is one session, even when the client's
//! source port comes back; every connection ends with its `close`, after a
//! write error and after a passive connection thrown away by a `550`.

#[path = "support/honest.rs"]
mod honest;
#[path = "support/our_server.rs"]
mod our_server;
#[path = "support/raw.rs"]
mod raw;

use ftpviz::ftp::hostport;
use ftpviz::trace::{Kind, Side};
use our_server::{drain, start};
use raw::Raw;
use std::net::SocketAddr;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpSocket, TcpStream};

/// A control connection from exactly `src` (SO_REUSEADDR, so the port can
/// be used again at once, as the kernel does under load).
async fn dial_from(src: SocketAddr, server: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_reuseaddr(true).unwrap();
    socket.bind(src).unwrap();
    socket.connect(server).await.unwrap()
}

#[tokio::test]
async fn a_source_port_that_comes_back_is_a_new_session() {
    let (addr, events, stop) = start(|_| {}).await;
    // A free port to dial from, three times over.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let src = SocketAddr::from(([127, 0, 0, 1], port));
    for _ in 0..3 {
        let mut c = Raw::from_stream(dial_from(src, addr).await).await;
        assert_eq!(c.command("QUIT").await.code, 221);
        let mut rest = Vec::new();
        c.s.read_to_end(&mut rest).await.unwrap();
    }
    let events = drain(events, stop).await;
    assert_eq!(
        honest::session_count(&events),
        3,
        "one session per connection"
    );
    for session in 1..=3 {
        let dials = events
            .iter()
            .filter(|e| {
                e.session == session && matches!(e.kind, Kind::Connect { src: s, .. } if s == src)
            })
            .count();
        assert_eq!(dials, 1, "session {session} has its own connect");
    }
    honest::assert_honest(&events);
}

#[tokio::test]
async fn a_client_that_resets_gets_its_close_recorded() {
    let (addr, events, stop) = start(|_| {}).await;
    for _ in 0..20 {
        let mut c = Raw::connect(addr).await;
        c.login().await;
        // A command, then a reset before its reply can be read: the
        // server's write (or read) fails.
        c.s.try_write(b"HELP\r\nHELP\r\nHELP\r\n").unwrap();
        socket2::SockRef::from(&c.s)
            .set_linger(Some(std::time::Duration::ZERO))
            .unwrap();
        drop(c);
    }
    // A last, well-behaved session: when it is served, the others are over.
    let mut last = Raw::connect(addr).await;
    last.login().await;
    assert_eq!(last.command("QUIT").await.code, 221);
    let events = drain(events, stop).await;
    assert_eq!(honest::session_count(&events), 21);
    honest::assert_honest(&events);
}

#[tokio::test]
async fn a_passive_connection_thrown_away_after_550_is_closed_in_the_trace() {
    let (addr, events, stop) = start(|_| {}).await;
    let mut c = Raw::connect(addr).await;
    c.login().await;
    let reply = c.command("PASV").await;
    let data_addr = hostport::parse_227(reply.message()).unwrap();
    let mut data = TcpStream::connect(data_addr).await.unwrap();
    assert_eq!(c.command("RETR no-such-file").await.code, 550);
    // The server hangs up the data connection it will not use.
    let mut got = Vec::new();
    data.read_to_end(&mut got).await.unwrap();
    assert!(got.is_empty());
    // The same with a PASV replaced by another before any transfer.
    let reply = c.command("EPSV").await;
    let port = hostport::parse_229(&reply.text()).unwrap();
    let mut data = TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .unwrap();
    assert_eq!(c.command("EPSV").await.code, 229);
    data.read_to_end(&mut got).await.unwrap();
    assert_eq!(c.command("QUIT").await.code, 221);
    let events = drain(events, stop).await;
    honest::assert_honest(&events);
    for conn in [1, 2] {
        let closed_by = events
            .iter()
            .find(|e| e.conn == conn && e.kind == Kind::Close)
            .map(|e| e.from);
        assert_eq!(closed_by, Some(Side::Server), "conn {conn}");
    }
}
