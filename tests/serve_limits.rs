//! Issue 11, points 2, 4, 5 and 7: the limits that keep one client from
//! hurting the others, each tried by a client doing the bad thing on real
//! loopback sockets — a classroom connecting at once, one host taking every
//! slot, a client that never logs in or drips a byte at a time, one that
//! never reads its replies, a `PASV` flood, an endless upload, a trace
//! reader that stalls.

#[path = "support/honest.rs"]
mod honest;
#[path = "support/our_server.rs"]
mod our_server;
#[path = "support/raw.rs"]
mod raw;

use ftpviz::ftp::hostport;
use ftpviz::server::uploads::{Limits, Uploads, Writers};
use ftpviz::trace::{Kind, Side};
use our_server::{drain, start, start_at};
use raw::Raw;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// A generous deadline for things that must happen on their own.
const DEADLINE: Duration = Duration::from_secs(30);

/// A control connection from address `ip`.
async fn dial_from(ip: [u8; 4], server: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((ip, 0))).unwrap();
    socket.connect(server).await.unwrap()
}

/// What the server says first: its greeting or a refusal.
async fn first_reply(s: TcpStream) -> (u16, Raw) {
    let mut raw = Raw::quiet(s);
    let reply = raw.reply().await;
    (reply.code, raw)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_classroom_connects_at_once_and_nobody_gets_421() {
    let (addr, events, stop) = start(|_| {}).await;
    // 200 clients on 20 hosts, and 60 more from one host (a lab machine
    // shared by a few students), all at once.
    let mut clients = tokio::task::JoinSet::new();
    for i in 0..260u32 {
        let ip = if i < 200 {
            [127, 0, 1, (i % 20) as u8 + 1]
        } else {
            [127, 0, 2, 1]
        };
        clients.spawn(async move {
            let (code, mut c) = first_reply(dial_from(ip, addr).await).await;
            assert_eq!(code, 220, "client {i} refused");
            c.login().await;
            assert_eq!(c.command("NOOP").await.code, 200);
            assert_eq!(c.command("QUIT").await.code, 221);
        });
    }
    while let Some(done) = clients.join_next().await {
        done.unwrap();
    }
    let events = drain(events, stop).await;
    assert_eq!(honest::session_count(&events), 260);
    honest::assert_honest(&events);
}

#[tokio::test]
async fn one_host_gets_its_share_and_others_still_get_in() {
    let (addr, _events, _stop) = start(|c| {
        c.caps.total = 100;
        c.caps.per_address = 4;
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..4 {
        let (code, c) = first_reply(dial_from([127, 0, 0, 1], addr).await).await;
        assert_eq!(code, 220);
        held.push(c);
    }
    let (code, mut refused) = first_reply(dial_from([127, 0, 0, 1], addr).await).await;
    assert_eq!(code, 421, "the fifth from one address");
    let mut rest = Vec::new();
    refused.s.read_to_end(&mut rest).await.unwrap();
    let (code, _) = first_reply(dial_from([127, 0, 0, 2], addr).await).await;
    assert_eq!(code, 220, "another host is not locked out");
    // One of the four leaves: its slot is free at once.
    let mut one = held.pop().unwrap();
    one.login().await;
    assert_eq!(one.command("QUIT").await.code, 221);
    let (code, _) = first_reply(dial_from([127, 0, 0, 1], addr).await).await;
    assert_eq!(code, 220);
}

#[tokio::test]
async fn a_slot_is_free_the_moment_quit_is_answered() {
    let (addr, _events, _stop) = start(|c| c.caps.total = 1).await;
    let mut c = Raw::connect(addr).await;
    for round in 0..50 {
        c.login().await;
        assert_eq!(c.command("QUIT").await.code, 221);
        let (code, next) = first_reply(TcpStream::connect(addr).await.unwrap()).await;
        assert_eq!(code, 220, "round {round}: a reconnect right after QUIT");
        c = next;
    }
}

#[tokio::test]
async fn a_client_that_never_logs_in_is_closed() {
    let (addr, events, stop) = start(|c| c.login_timeout = Duration::from_millis(300)).await;
    let mut c = Raw::connect(addr).await;
    // Commands that are not a login do not buy time.
    assert_eq!(c.command("NOOP").await.code, 200);
    assert_eq!(c.command("USER nobody").await.code, 331);
    let reply = tokio::time::timeout(DEADLINE, c.reply()).await.unwrap();
    assert_eq!(reply.code, 421, "{reply:?}");
    let mut rest = Vec::new();
    c.s.read_to_end(&mut rest).await.unwrap();
    let events = drain(events, stop).await;
    let close = events.iter().find(|e| e.kind == Kind::Close).unwrap();
    assert_eq!(close.from, Side::Server);
}

#[tokio::test]
async fn bytes_without_a_line_end_do_not_keep_a_session_alive() {
    let (addr, _events, _stop) = start(|c| c.idle = Duration::from_millis(500)).await;
    let mut c = Raw::connect(addr).await;
    c.login().await;
    // A byte every 100 ms, never a line end: five times faster than the
    // idle timeout, and still the session is closed.
    let drip = async {
        loop {
            if c.s.write_all(b"N").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            let mut peek = [0u8; 4];
            if let Ok(Ok(n)) = tokio::time::timeout(Duration::ZERO, c.s.peek(&mut peek)).await {
                if n > 0 {
                    break;
                }
            }
        }
    };
    tokio::time::timeout(DEADLINE, drip)
        .await
        .expect("closed in time");
    assert_eq!(c.reply().await.code, 421);
}

#[tokio::test]
async fn a_client_that_never_reads_its_replies_loses_its_slot() {
    let (addr, events, stop) = start(|c| {
        c.caps.total = 1;
        c.write_timeout = Duration::from_millis(300);
    })
    .await;
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut deaf = socket.connect(addr).await.unwrap();
    // Help, again and again, and never a byte read: the replies fill the
    // client's buffer and the server's, and the server's write stalls.
    let flood = tokio::spawn(async move {
        let lines = b"HELP\r\n".repeat(100_000);
        let _ = deaf.write_all(&lines).await;
        deaf
    });
    // The server gives up on it; its slot goes to the next client.
    let got_in = async {
        loop {
            let (code, c) = first_reply(TcpStream::connect(addr).await.unwrap()).await;
            if code == 220 {
                return c;
            }
        }
    };
    let mut next = tokio::time::timeout(DEADLINE, got_in).await.unwrap();
    next.login().await;
    assert_eq!(next.command("QUIT").await.code, 221);
    flood.abort();
    let events = drain(events, stop).await;
    let first_close = events
        .iter()
        .find(|e| e.session == 1 && e.kind == Kind::Close)
        .expect("the deaf client's session is closed");
    assert_eq!(first_close.from, Side::Server);
}

#[tokio::test]
async fn a_new_pasv_closes_the_previous_listener_first() {
    // Its own loopback address: on 127.0.0.1 a closed port may meanwhile be
    // another test's listener, or a dial from 127.0.0.1 may draw the very
    // port it dials as its source and connect to itself (TCP's
    // simultaneous open) — a dial that succeeds though the listener is gone.
    let (addr, events, stop) = start_at([127, 0, 0, 41], |_| {}).await;
    let mut c = Raw::connect(addr).await;
    c.login().await;
    let mut previous: Option<SocketAddr> = None;
    for _ in 0..300 {
        let reply = c.command("PASV").await;
        let now = SocketAddr::V4(hostport::parse_227(reply.message()).unwrap());
        if let Some(old) = previous.filter(|old| *old != now) {
            let dial = TcpStream::connect(old).await;
            assert!(dial.is_err(), "the listener on {old} is still open");
        }
        previous = Some(now);
    }
    assert_eq!(c.command("QUIT").await.code, 221);
    let events = drain(events, stop).await;
    assert!(
        events.iter().all(|e| e.conn == 0),
        "no data connection made"
    );
}

#[tokio::test]
async fn an_upload_past_its_cap_is_refused_the_moment_it_passes() {
    const CAP: u64 = 1 << 20;
    let files = ftpviz::server::files::Files::builtin().with_uploads(Uploads::in_memory(
        Limits {
            per_file: CAP,
            total: 16 * CAP,
            files: 100,
        },
        Writers::Demo,
    ));
    let (addr, events, stop) = start(move |c| c.files = files).await;
    let mut c = Raw::connect(addr).await;
    c.login_as("demo", "demo").await;
    let port = hostport::parse_229(&c.command("EPSV").await.text()).unwrap();
    let mut data = TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .unwrap();
    assert_eq!(c.command("STOR endless.bin").await.code, 150);
    // Up to 64 times the cap, if the server would take it.
    let writer = tokio::spawn(async move {
        let chunk = vec![1u8; 64 * 1024];
        let mut sent = 0u64;
        while sent < 64 * CAP && data.write_all(&chunk).await.is_ok() {
            sent += chunk.len() as u64;
        }
        sent
    });
    assert_eq!(c.reply().await.code, 552);
    let sent = writer.await.unwrap();
    assert!(sent < 64 * CAP, "the server hung up: {sent} bytes sent");
    assert_eq!(c.command("SIZE endless.bin").await.code, 550, "not kept");
    assert_eq!(c.command("QUIT").await.code, 221);
    let events = drain(events, stop).await;
    let read: u64 = events
        .iter()
        .filter(|e| e.conn == 1)
        .map(|e| match e.kind {
            Kind::Data { bytes } => bytes,
            _ => 0,
        })
        .sum();
    assert!(
        read <= CAP + 256 * 1024,
        "read {read} bytes past a {CAP}-byte cap"
    );
    honest::assert_honest(&events);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_counted_and_their_names_bounded() {
    let files = ftpviz::server::files::Files::builtin().with_uploads(Uploads::in_memory(
        Limits {
            per_file: 1000,
            total: 1000,
            files: 5,
        },
        Writers::Demo,
    ));
    let (addr, events, stop) = start(move |c| c.files = files).await;
    tokio::task::spawn_blocking(move || {
        use std::io::Cursor;
        let mut ftp = suppaftp::FtpStream::connect(addr).unwrap();
        ftp.login("demo", "demo").unwrap();
        for i in 0..8 {
            ftp.put_file(format!("up-{i}.txt"), &mut Cursor::new(b"x".to_vec()))
                .unwrap();
        }
        let mut names = ftp.nlst(None).unwrap();
        names.retain(|n| n.starts_with("up-"));
        assert_eq!(names, ["up-3.txt", "up-4.txt", "up-5.txt", "up-6.txt", "up-7.txt"]);
        let long = "n".repeat(300);
        let refused = ftp.put_file(&long, &mut Cursor::new(b"x".to_vec()));
        assert!(
            matches!(refused, Err(suppaftp::FtpError::UnexpectedResponse(ref r)) if r.status as u32 == 553),
            "{refused:?}"
        );
        ftp.quit().unwrap();
    })
    .await
    .unwrap();
    drain(events, stop).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_trace_reader_stops_the_sessions_not_the_memory() {
    use ftpviz::serve::{start_with, ServeConfig, ServeOptions};
    const QUEUE: usize = 256;
    const NOOPS: usize = 20_000;
    let options = ServeOptions {
        trace_queue: Some(QUEUE),
        ..ServeOptions::default()
    };
    let mut serving = start_with(ServeConfig::new("127.0.0.1:0".parse().unwrap()), options)
        .await
        .unwrap();
    let addr = serving.local;
    let (answered_tx, answered) = tokio::sync::watch::channel(0usize);
    let client = tokio::spawn(async move {
        let mut c = Raw::connect(addr).await;
        c.login().await;
        let (mut reader, mut writer) = c.s.into_split();
        tokio::spawn(async move {
            let _ = writer.write_all(&b"NOOP\r\n".repeat(NOOPS)).await;
            let _ = writer.write_all(b"QUIT\r\n").await;
        });
        let mut seen = 0usize;
        let mut buf = vec![0u8; 64 * 1024];
        while seen < NOOPS {
            let n = reader.read(&mut buf).await.unwrap();
            assert!(n > 0);
            seen += buf[..n].iter().filter(|&&b| b == b'\n').count();
            let _ = answered_tx.send(seen);
        }
    });
    // Nobody reads the trace: the queue fills up to its bound...
    let filled = async {
        while serving.events.len() < QUEUE {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(DEADLINE, filled).await.unwrap();
    // ... and stays there: a while later the sessions are still waiting.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let queued = serving.events.len();
    assert!(
        queued <= QUEUE + 8,
        "{queued} events queued past a bound of {QUEUE}"
    );
    let answered_now = *answered.borrow();
    assert!(
        answered_now < NOOPS / 10,
        "{answered_now} NOOPs answered meanwhile"
    );
    // The reader comes back: everything goes through, in order.
    let mut noop_replies = 0;
    while noop_replies < NOOPS {
        let e = serving.recv().await.unwrap();
        if matches!(&e.kind, Kind::Reply { code: 200, .. }) {
            noop_replies += 1;
        }
    }
    client.await.unwrap();
    serving.stop();
    while serving.recv().await.is_some() {}
}
