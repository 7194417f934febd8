//! A bare-hands FTP client for tests: bytes out, whole replies in.
//!
//! Real clients (curl, lftp, suppaftp) never send a broken line, a 5000-byte
//! one or a bounce PORT; this one sends exactly the bytes it is given and
//! reads the answer with the crate's own grammar ([`LineBuffer`] to cut
//! lines, [`ReplyParser`] to join multi-line replies), so a test sees the
//! reply as any client would.

#![allow(dead_code)]

use ftpviz::ftp::{LineBuffer, Reply, ReplyParser};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub struct Raw {
    /// The control connection itself.
    pub s: TcpStream,
    lines: LineBuffer,
    parser: ReplyParser,
}

impl Raw {
    /// Dials the server and reads its 220 greeting.
    pub async fn connect(addr: SocketAddr) -> Raw {
        Raw::from_stream(TcpStream::connect(addr).await.unwrap()).await
    }

    /// A control connection already made: reads its 220 greeting.
    pub async fn from_stream(s: TcpStream) -> Raw {
        let mut raw = Raw::quiet(s);
        assert_eq!(raw.reply().await.code, 220);
        raw
    }

    /// A control connection, its greeting not read yet.
    pub fn quiet(s: TcpStream) -> Raw {
        Raw {
            s,
            lines: LineBuffer::new(),
            parser: ReplyParser::new(),
        }
    }

    /// Logs in as `anonymous`.
    pub async fn login(&mut self) {
        self.login_as("anonymous", "x").await;
    }

    /// Logs in as `user`.
    pub async fn login_as(&mut self, user: &str, password: &str) {
        assert_eq!(self.command(&format!("USER {user}")).await.code, 331);
        assert_eq!(self.command(&format!("PASS {password}")).await.code, 230);
    }

    /// The next whole reply; panics if the server hangs up first.
    pub async fn reply(&mut self) -> Reply {
        let mut buf = [0u8; 4096];
        loop {
            while let Some(line) = self.lines.next_line() {
                if let Some(r) = self.parser.push_line(&line.unwrap()).unwrap() {
                    return r;
                }
            }
            let n = self.s.read(&mut buf).await.unwrap();
            assert!(n > 0, "server closed the connection");
            self.lines.push(&buf[..n]);
        }
    }

    /// Sends `bytes` as they are (CRLF included, or not) and reads a reply.
    pub async fn send(&mut self, bytes: &[u8]) -> Reply {
        self.s.write_all(bytes).await.unwrap();
        self.reply().await
    }

    /// Sends one command line (CRLF added) and reads its reply.
    pub async fn command(&mut self, line: &str) -> Reply {
        self.send(format!("{line}\r\n").as_bytes()).await
    }

    /// EPSV, and the data connection dialled to the port it names (the
    /// server's address, which is the control connection's peer).
    pub async fn epsv(&mut self) -> TcpStream {
        let reply = self.command("EPSV").await;
        let port = ftpviz::ftp::hostport::parse_229(&reply.text()).unwrap();
        let server = self.s.peer_addr().unwrap();
        TcpStream::connect(SocketAddr::new(server.ip(), port))
            .await
            .unwrap()
    }
}
