//! `ABOR`: stopping a transfer midway, and why the server must keep
//! listening to the control connection while data flows.
//!
//! A transfer is two connections at once: the file's bytes on the data
//! connection, and the control connection, quiet until the final `226`. A
//! client that wants to stop (the user pressed Ctrl-C in `ftp`) sends
//! `ABOR` on the control connection *during* the transfer — so a server
//! that reads commands only between transfers would hear it only when the
//! file is done, which is too late. Ours runs every transfer beside a
//! reader of the control connection (`Session::listening`): whichever
//! finishes first wins.
//!
//! RFC 959 §4.1.3 gives the abort its own two replies:
//!
//! ```text
//! RETR big.iso
//! 150 Opening BINARY mode data connection for big.iso (...).
//!                  (bytes flow ...)
//! ABOR                         (often behind Telnet IAC IP, IAC DM)
//!                  (the server closes the data connection)
//! 426 Transfer aborted: ...    ← the answer to RETR: it ended badly
//! 226 ABOR successful.         ← the answer to ABOR: the abort worked
//! ```
//!
//! The same holds while a passive transfer still waits for the client's
//! dial: an `ABOR` then stops the wait (no data connection is made) with
//! the same two replies.
//!
//! Two replies because two commands are open: `RETR` is owed its final
//! reply (`426`, "connection closed; transfer aborted"), and `ABOR` its own
//! (`226`). vsftpd words them "426 Failure writing network stream." and
//! "226 ABOR successful.".
//!
//! With no transfer running there is nothing to stop, and `ABOR` gets one
//! reply: `226`, as RFC 959 says for a command "already completed"
//! (vsftpd answers `225` instead). The difference matters because a client
//! cannot know which case it is in: many (suppaftp among them) close their
//! end of the data connection and *then* send `ABOR`, so the transfer may
//! fail on the closed connection (`426`) before the server reads the
//! `ABOR`. The client still sees `426` then `226`, as it expects.
//!
//! Old clients send `ABOR` as *urgent* data: Telnet "Interrupt Process"
//! (`IAC IP`, bytes 255 244) and the "Synch" (`IAC DM`, 255 242, sent with
//! TCP's urgent pointer), so that a server busy with the data connection
//! notices. Those bytes arrive before the letters `ABOR` and are skipped
//! (see `urgent`, which reads the control connection for the session and
//! for this). TCP takes the last byte of an urgent send out of the
//! stream unless the receiver asks to read it in line (SO_OOBINLINE, RFC
//! 6093), so the server sets that on every control connection, as vsftpd
//! does: Python's `ftplib` sends the whole `ABOR\r\n` as urgent data, and
//! without the option its final LF would never arrive — a line with no end.
//!
//! Inside TLS (`AUTH TLS`, [`super::security`]) there is no urgent data:
//! RFC 4217 §14 has the client send everything, Telnet bytes included,
//! across the TLS session, and a byte sent urgent would land in the middle
//! of a record and break it. So `ABOR` comes as an ordinary line, read
//! beside the transfer the same way, with the same two replies; after
//! `CCC` the control connection is clear again and urgent bytes work as
//! above.
//!
//! Any other command that arrives during a transfer waits its turn: it is
//! queued and answered after the transfer's final reply, in the order it
//! came — as vsftpd and most servers do, which simply read the next
//! command after the `226`. (A `QUIT` sent mid-transfer thus ends the
//! session once the file is through, as RFC 959 asks.) The queue holds
//! [`MAX_QUEUED`] lines; past that the session stops reading until the
//! transfer ends, and TCP's flow control keeps the rest waiting on the
//! client's side — a flood of commands costs the server no memory.
//!
//! Three more things stop a transfer midway, each freeing the session's
//! slot at once:
//!
//! - the client hangs up its control connection (a laptop closed, a
//!   client killed): nobody is left to hear the final reply, so the data
//!   connection is closed too and an upload is not kept — a partial file
//!   must never pass for a whole one;
//! - the data connection makes no progress for [`Ctx::data_timeout`]
//!   (a peer asleep, a Wi-Fi gone): `421 Data timeout`, as vsftpd says
//!   after its `data_connection_timeout`, and the session is closed. A
//!   slow transfer is not a stalled one: every byte that moves restarts
//!   the clock;
//! - the server is told to stop: `426` for the transfer, then `421` and
//!   the session is closed.
//!
//! [`Ctx::data_timeout`]: super::Ctx::data_timeout

use super::data::DataConn;
use super::session::Session;
use super::urgent::{abor_text, read_control};
use crate::tap::Progress;
use crate::trace::Side;
use std::future::Future;
use std::io;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::time::Instant;

/// Lines held for after a transfer, at most (then the session stops
/// reading the control connection until the transfer is over).
pub const MAX_QUEUED: usize = 64;

/// How a transfer run by [`Session::listening`] ended.
pub(super) enum Outcome<T> {
    /// It ran to its end (well or badly): its own result.
    Done(T),
    /// It was dropped midway, for this reason.
    Halted(Halt),
}

/// What stops a transfer before its end.
pub(super) enum Halt {
    /// The client's `ABOR`: the line as received, Telnet bytes skipped.
    Abor(String),
    /// The server is stopping.
    Stop,
    /// The client hung up its control connection.
    Gone,
    /// No byte moved on the data connection for this long.
    Stalled(Duration),
}

impl Session {
    /// Runs `transfer` while reading the control connection: an `ABOR`
    /// stops it (the future is dropped, so it stops at its next await and
    /// its byte meter flushes what was really sent), any other line is
    /// queued for after the transfer. So does the control connection's
    /// end, and — when `progress` is given — a data connection on which
    /// nothing moved for the data timeout.
    ///
    /// `transfer` must not borrow the session (clone what it needs), so
    /// that the control connection can be read beside it.
    pub(super) async fn listening<T>(
        &mut self,
        transfer: impl Future<Output = T>,
        progress: Option<&Progress>,
    ) -> Outcome<T> {
        tokio::pin!(transfer);
        let mut buf = [0u8; 4096];
        let limit = self.ctx.data_timeout;
        let outcome = loop {
            // Lines already here first: a client may send `RETR` and `ABOR`
            // in one packet.
            while let Some(line) = self.lines.next_raw() {
                if let Ok(raw) = &line {
                    if let Some(abor) = abor_text(&String::from_utf8_lossy(raw)) {
                        return Outcome::Halted(Halt::Abor(abor.to_string()));
                    }
                }
                self.queued.push_back(line);
            }
            // Never, without a progress to watch.
            let stall = async {
                match progress {
                    Some(p) => stalled(p, limit).await,
                    None => std::future::pending().await,
                }
            };
            let full = self.queued.len() >= MAX_QUEUED;
            tokio::select! {
                done = &mut transfer => break Outcome::Done(done),
                _ = self.shutdown.changed() => break Outcome::Halted(Halt::Stop),
                _ = stall => break Outcome::Halted(Halt::Stalled(limit)),
                // Past the queue's bound, the client waits (TCP's flow
                // control) until the transfer ends.
                read = read_control(&mut self.ctl, &mut buf), if !full => match read {
                    Ok(0) | Err(_) => {
                        self.control_gone = true;
                        break Outcome::Halted(Halt::Gone);
                    }
                    Ok(n) => self.lines.push(buf.get(..n).unwrap_or_default()),
                },
            }
        };
        // A transfer is activity: the idle clock starts again at its end.
        self.last_busy = Instant::now();
        outcome
    }

    /// Whether the client has hung up its control connection with nothing
    /// left to answer (a look, without waiting or reading).
    pub(super) fn abandoned(&self) -> bool {
        let mut byte = [std::mem::MaybeUninit::<u8>::uninit(); 1];
        let closed = self
            .ctl
            .tcp()
            .is_none_or(|tcp| matches!(socket2::SockRef::from(tcp).peek(&mut byte), Ok(0)));
        closed && self.queued.is_empty() && self.lines.pending() == 0
    }

    /// After a transfer was halted: the server closes the data connection
    /// (if it was made), answers the transfer command with `426`, then
    /// the `ABOR` with `226`. A server stop gets the `426` too; the
    /// session then says `421` and hangs up.
    pub(super) async fn halted(&mut self, halt: Halt, data: Option<DataConn>) -> io::Result<()> {
        if let Halt::Abor(abor) = &halt {
            self.rec.command(abor, None);
        }
        if let Some(mut data) = data {
            self.rec.close(data.conn, Side::Server);
            let _ = data.stream.shutdown().await;
        }
        match halt {
            Halt::Abor(_) => {
                self.reply(
                    426,
                    "Transfer aborted: ABOR received, data connection closed.",
                )
                .await?;
                self.reply(226, "ABOR successful.").await
            }
            Halt::Stop => {
                self.stopping = true;
                self.reply(426, "Transfer aborted: the server is shutting down.")
                    .await
            }
            // Nobody is left to tell.
            Halt::Gone => Ok(()),
            Halt::Stalled(limit) => {
                self.hanging_up = true;
                let secs = limit.as_secs_f64();
                self.reply(
                    421,
                    &format!("Data timeout: nothing moved on the data connection for {secs} s, closing control connection."),
                )
                .await
            }
        }
    }
}

/// Returns once nothing has moved for `limit` (cancel-safe).
async fn stalled(progress: &Progress, limit: Duration) {
    loop {
        let due = Instant::from_std(progress.last()) + limit;
        if due <= Instant::now() {
            return;
        }
        tokio::time::sleep_until(due).await;
    }
}
