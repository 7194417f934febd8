//! A socket under TLS that logs the bytes crossing it, for a recording.
//!
//! TLS reads and writes through this wrapper around the TCP socket: every
//! byte TLS sends (a handshake message, a record, an alert) passes here on
//! its way out, and is appended to the run's wire log
//! ([`crate::tap::wire_log`]) *before* it is handed to the socket — so the
//! peer cannot answer it before it is in the log. Not recording, there is
//! no log and it is the socket alone.
//!
//! A write the socket takes only in part, or not yet, is offered again from
//! the same first byte (tokio-rustls keeps what did not leave at the front
//! of its buffer): the bytes already logged are counted, never logged
//! twice.

use crate::tap::LogEnd;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// The TCP socket under TLS, and where its bytes are logged.
pub struct Logged {
    tcp: TcpStream,
    log: Option<LogEnd>,
    /// Bytes at the front of the next write already logged.
    logged_ahead: usize,
}

impl Logged {
    pub fn new(tcp: TcpStream, log: Option<LogEnd>) -> Logged {
        Logged {
            tcp,
            log,
            logged_ahead: 0,
        }
    }

    pub fn tcp(&self) -> &TcpStream {
        &self.tcp
    }

    /// The socket, for clear text again (after `CCC`): nothing more is
    /// logged.
    pub fn into_inner(self) -> TcpStream {
        self.tcp
    }
}

impl AsyncRead for Logged {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        let before = buf.filled().len();
        let read = Pin::new(&mut me.tcp).poll_read(cx, buf);
        if let (Poll::Ready(Ok(())), Some(log)) = (&read, &me.log) {
            log.read(buf.filled().get(before..).unwrap_or_default());
        }
        read
    }
}

impl AsyncWrite for Logged {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        if let Some(log) = &me.log {
            if me.logged_ahead < buf.len() {
                log.wrote(buf.get(me.logged_ahead..).unwrap_or_default());
                me.logged_ahead = buf.len();
            }
        }
        let wrote = Pin::new(&mut me.tcp).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = wrote {
            me.logged_ahead = me.logged_ahead.saturating_sub(n);
        }
        wrote
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_shutdown(cx)
    }
}
