//! Issue 19, point 4: a `REST` that cannot corrupt. A restart past the end
//! of a file is refused (554) before any data connection — for `STOR` as
//! for `RETR`, however large the number — and a restart in `TYPE A` is
//! refused as vsftpd refuses it (`550 No support for resume of ASCII
//! transfer.`). A restart that can be done writes exactly where asked.
//! With suppaftp (a real client) and a raw socket.

#[path = "support/our_server.rs"]
mod our_server;
#[path = "support/raw.rs"]
mod raw;

use ftpviz::trace::Kind;
use our_server::{drain, start};
use raw::Raw;
use std::io::Cursor;
use suppaftp::types::{FileType, FormatControl};
use suppaftp::{FtpError, FtpStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// REST `offset` (if any), STOR `name` with `bytes`: the final reply.
async fn stor(c: &mut Raw, name: &str, offset: Option<u64>, bytes: &[u8]) -> u16 {
    let mut data = c.epsv().await;
    if let Some(offset) = offset {
        assert_eq!(c.command(&format!("REST {offset}")).await.code, 350);
    }
    let first = c.command(&format!("STOR {name}")).await.code;
    if first != 150 {
        return first;
    }
    data.write_all(bytes).await.unwrap();
    drop(data);
    c.reply().await.code
}

/// RETR `name`: its bytes.
async fn retr(c: &mut Raw, name: &str) -> Vec<u8> {
    let mut data = c.epsv().await;
    assert_eq!(c.command(&format!("RETR {name}")).await.code, 150);
    let mut got = Vec::new();
    data.read_to_end(&mut got).await.unwrap();
    assert_eq!(c.reply().await.code, 226);
    got
}

#[tokio::test]
async fn a_stor_restart_writes_where_asked_or_is_refused() {
    let (addr, events, stop) = start(|_| {}).await;
    let mut c = Raw::connect(addr).await;
    c.login_as("demo", "demo").await;
    assert_eq!(stor(&mut c, "up.txt", None, b"0123xy").await, 226);
    // Past the end: refused before the 150, the file as it was.
    assert_eq!(stor(&mut c, "up.txt", Some(50), b"Z").await, 554);
    assert_eq!(retr(&mut c, "up.txt").await, b"0123xy");
    // A new name has no bytes to restart after.
    assert_eq!(stor(&mut c, "new.txt", Some(1), b"Z").await, 554);
    assert_eq!(c.command("SIZE new.txt").await.code, 550);
    // At the end: appended. Inside: cut there, then written.
    assert_eq!(stor(&mut c, "up.txt", Some(6), b"Z").await, 226);
    assert_eq!(retr(&mut c, "up.txt").await, b"0123xyZ");
    assert_eq!(stor(&mut c, "up.txt", Some(2), b"ab").await, 226);
    assert_eq!(retr(&mut c, "up.txt").await, b"01ab");
    assert_eq!(c.command("QUIT").await.code, 221);
    let events = drain(events, stop).await;
    // The refused ones made no data transfer: every 554 follows its STOR.
    let replies: Vec<u16> = events
        .iter()
        .filter_map(|e| match e.kind {
            Kind::Reply { code, .. } if code >= 500 => Some(code),
            _ => None,
        })
        .collect();
    assert_eq!(replies, [554, 554, 550]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suppaftp_restarts_past_the_end_and_in_ascii_are_refused_before_150() {
    let (addr, events, stop) = start(|_| {}).await;
    tokio::task::spawn_blocking(move || {
        // The reply's own code (suppaftp names only the codes it knows).
        let refused = |r: Result<Vec<u8>, FtpError>, code: &str| match r {
            Err(FtpError::UnexpectedResponse(resp)) if resp.body.starts_with(code.as_bytes()) => {
                String::from_utf8_lossy(&resp.body).into_owned()
            }
            other => panic!("expected {code}, got {other:?}"),
        };
        let mut ftp = FtpStream::connect(addr).unwrap();
        ftp.login("anonymous", "x").unwrap();
        ftp.transfer_type(FileType::Binary).unwrap();
        let size = ftp.size("hello.txt").unwrap();
        ftp.resume_transfer(usize::MAX).unwrap();
        let said = refused(
            ftp.retr_as_buffer("hello.txt").map(|c| c.into_inner()),
            "554",
        );
        assert!(said.contains("invalid REST parameter"), "{said}");
        // At the very end: nothing to send, and that is fine.
        ftp.resume_transfer(size).unwrap();
        assert!(ftp
            .retr_as_buffer("hello.txt")
            .unwrap()
            .into_inner()
            .is_empty());
        // TYPE A: the offset would count CRs the file does not have.
        ftp.transfer_type(FileType::Ascii(FormatControl::Default))
            .unwrap();
        ftp.resume_transfer(5).unwrap();
        let said = refused(
            ftp.retr_as_buffer("notes.txt").map(|c| c.into_inner()),
            "550",
        );
        assert!(
            said.contains("No support for resume of ASCII transfer."),
            "{said}"
        );
        ftp.quit().unwrap();
        let mut ftp = FtpStream::connect(addr).unwrap();
        ftp.login("demo", "demo").unwrap();
        ftp.transfer_type(FileType::Ascii(FormatControl::Default))
            .unwrap();
        ftp.put_file("a.txt", &mut Cursor::new(b"one\r\ntwo\r\n".to_vec()))
            .unwrap();
        ftp.resume_transfer(4).unwrap();
        let put = ftp.put_file("a.txt", &mut Cursor::new(b"three\r\n".to_vec()));
        assert!(
            matches!(&put, Err(FtpError::UnexpectedResponse(r)) if r.status as u32 == 550),
            "{put:?}"
        );
        ftp.transfer_type(FileType::Binary).unwrap();
        assert_eq!(
            ftp.retr_as_buffer("a.txt").unwrap().into_inner(),
            b"one\ntwo\n"
        );
        ftp.quit().unwrap();
    })
    .await
    .unwrap();
    let events = drain(events, stop).await;
    let preliminary_before_refusal = events.windows(2).any(|w| {
        matches!(w[0].kind, Kind::Reply { code: 150, .. })
            && matches!(
                w[1].kind,
                Kind::Reply {
                    code: 554 | 550,
                    ..
                }
            )
    });
    assert!(!preliminary_before_refusal, "refused before any 150");
}
