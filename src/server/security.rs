//! Security: FTP's security extensions (RFC 2228) as our server answers
//! them with TLS (RFC 4217) — `AUTH TLS`, `PBSZ`, `PROT`, `CCC` — and the
//! TLS handshake each data connection then needs. What explicit FTPS is,
//! and the certificate, are in [`crate::tls`].
//!
//! Only a server with TLS (`serve --tls`) knows these verbs; without it
//! they are `502`, as from any server that does not implement them. With
//! it:
//!
//! | command | answer |
//! |---|---|
//! | `AUTH TLS` (or `TLS-C`, `SSL`) | `234`, then the handshake on the control connection |
//! | `AUTH` of anything else | `504` (RFC 2228 §3: a mechanism not understood) |
//! | `AUTH` a second time | `534` (policy: one handshake a session) |
//! | `PBSZ 0` before the handshake | `503` (RFC 4217 §9: PBSZ follows the TLS negotiation) |
//! | `PBSZ n` | `200 PBSZ=0`: TLS is a stream, no buffer (§9) |
//! | `PROT` before `PBSZ` | `503` (RFC 2228 §3) |
//! | `PROT P` / `PROT C` | `200`: data connections inside TLS / in clear |
//! | `PROT S` / `PROT E` | `536`: not offered by TLS (RFC 4217 §9) |
//! | `PROT` of anything else | `504` |
//! | `CCC` in clear | `533` (RFC 4217 §5) |
//! | `CCC` inside TLS | `200`, our `close_notify` (and the client's, if it sends one), then clear text (§5) |
//! | `PBSZ`/`PROT` after `CCC` | `503` (§5: no more of them) |
//!
//! RFC 4217 §4 has `AUTH` reset the session "almost as if a REIN command
//! was issued": the user logs in again (inside TLS now), and the folder,
//! `TYPE` and any planned data connection start afresh. A client that
//! sends bytes behind `AUTH TLS` before reading the `234` gets them thrown
//! away: they were sent in clear, and must not be taken as if they had
//! come inside TLS (the "STARTTLS command injection").
//!
//! A handshake that fails — garbage instead of a ClientHello, a client
//! that rejects our certificate — leaves the control connection "in an
//! unknown state", and RFC 4217 §10.1 says the server "SHOULD simply drop"
//! it: the session ends, and the trace shows the server closing.
//!
//! After `PROT P`, each data connection is made as ever (the server dials,
//! or accepts the client's dial), the `150` goes out, and then the client
//! starts a TLS handshake on it — the server is the TLS server whoever
//! dialled (RFC 4217 §7). If that handshake fails the server closes the
//! data connection and answers `522` (§10.2).
//!
//! The trace: the server reads and writes the plain text inside TLS, so
//! the commands and replies are recorded as they were said, each with a
//! note that it travelled inside TLS (a middlebox saw only records); a
//! data connection's `data` events count the file's bytes, not the TLS
//! records that carried them, and the `150` of a protected transfer says
//! so.

use super::abort::Outcome;
use super::data::{DataConn, Plan};
use super::session::{Login, Session};
use crate::ftp::{LineBuffer, Verb};
use crate::tap::Scope;
use crate::tls::{Holder, Wire, INSIDE_TLS};
use std::io;
use tokio::io::AsyncReadExt;

impl Session {
    /// The note for a command received on the control connection now: that
    /// it came inside TLS (which records carried it, a reader of the
    /// plain text cannot tell).
    pub(super) fn inside_tls(&self) -> Option<String> {
        self.ctl.is_tls().then(|| INSIDE_TLS.to_string())
    }

    /// For a `150` of a protected transfer: the note that its data
    /// connection is inside TLS too.
    pub(super) fn protected_150(&self, code: u16) -> Option<&'static str> {
        (code == 150 && self.protection.private).then_some(
            "the data connection is inside TLS too (PROT P): its data events count the file's bytes, not the records",
        )
    }

    /// Who decrypts what this server reads and writes inside TLS: the lab
    /// (its client is ours too) or our server alone.
    pub(super) fn holder(&self) -> Holder {
        if self.rec.scope() == Scope::Shared {
            Holder::Lab
        } else {
            Holder::Server
        }
    }

    /// The security verbs (`AUTH`, `PBSZ`, `PROT`, `CCC`); `None` for any
    /// other. Only reached when the server has TLS.
    pub(super) async fn secure(&mut self, verb: &Verb, arg: &str) -> Option<io::Result<()>> {
        Some(match verb {
            Verb::Auth => self.auth(arg).await,
            Verb::Pbsz => self.pbsz(arg).await,
            Verb::Prot => self.prot(arg).await,
            Verb::Ccc => self.ccc().await,
            _ => return None,
        })
    }

    async fn auth(&mut self, mechanism: &str) -> io::Result<()> {
        let Some(tls) = self.ctx.tls.clone() else {
            return self.reply(502, "Command not implemented.").await;
        };
        if self.protection.negotiated {
            return self
                .reply(
                    534,
                    "AUTH refused: TLS was negotiated once in this session already.",
                )
                .await;
        }
        let known = ["TLS", "TLS-C", "SSL"];
        if !known
            .iter()
            .any(|k| mechanism.trim().eq_ignore_ascii_case(k))
        {
            return self
                .reply(504, "AUTH: unknown mechanism; this server speaks AUTH TLS.")
                .await;
        }
        self.reply(234, "Proceed with negotiation.").await?;
        // RFC 4217 §4: as after REIN, all but the AUTH itself starts
        // afresh; and what came behind the AUTH in clear is not a command.
        self.login = Login::Fresh;
        self.cwd = b"/".to_vec();
        self.ascii = false;
        self.rest = 0;
        self.plan = Plan::None;
        self.lines = LineBuffer::new();
        self.queued.clear();
        self.protection.negotiated = true;
        let clear = self.ctl.detach();
        let Wire::Clear(tcp) = clear else {
            self.ctl = clear;
            return Ok(());
        };
        let log = self.rec.log_end(0);
        match tokio::time::timeout(self.ctx.write_timeout, tls.accept(tcp, log)).await {
            Ok(Ok(wire)) => self.ctl = wire,
            // RFC 4217 §10.1: a handshake that failed midway leaves the
            // connection in an unknown state: drop it.
            _ => self.hanging_up = true,
        }
        Ok(())
    }

    async fn pbsz(&mut self, size: &str) -> io::Result<()> {
        if !self.ctl.is_tls() || self.protection.cleared {
            return self
                .reply(503, "PBSZ comes after AUTH TLS (and not after CCC).")
                .await;
        }
        if size.trim().parse::<u32>().is_err() {
            return self.reply(501, "PBSZ needs a size: PBSZ 0.").await;
        }
        self.protection.pbsz = true;
        // TLS is a stream: no protection buffer (RFC 4217 §9).
        self.reply(200, "PBSZ=0").await
    }

    async fn prot(&mut self, level: &str) -> io::Result<()> {
        if !self.protection.pbsz || self.protection.cleared || !self.ctl.is_tls() {
            return self
                .reply(
                    503,
                    "PROT comes after AUTH TLS and PBSZ (and not after CCC).",
                )
                .await;
        }
        let (private, said) = match level.trim().to_ascii_uppercase().as_str() {
            "P" => (true, "PROT now Private: data connections inside TLS."),
            "C" => (false, "PROT now Clear: data connections in clear text."),
            "S" | "E" => {
                return self
                    .reply(536, "PROT S and E are not offered with TLS: use P or C.")
                    .await
            }
            _ => return self.reply(504, "PROT takes C or P.").await,
        };
        self.protection.private = private;
        self.reply(200, said).await
    }

    /// `CCC`: `200` inside TLS, then TLS is closed (our `close_notify`,
    /// then the client's) and the same TCP connection goes on in clear.
    async fn ccc(&mut self) -> io::Result<()> {
        if !self.ctl.is_tls() {
            return self
                .reply(533, "CCC: the control connection is not protected.")
                .await;
        }
        self.reply(
            200,
            "CCC OK: the control connection goes back to clear text.",
        )
        .await?;
        let Wire::Tls(mut tls) = self.ctl.detach() else {
            return Ok(());
        };
        tls.get_mut().1.send_close_notify();
        let ended = tokio::time::timeout(
            self.ctx.write_timeout,
            closed_by_both(&mut tls, &mut self.lines),
        )
        .await;
        match ended {
            Ok(Ok(())) => {
                self.ctl = Wire::Clear(tls.into_inner().0.into_inner());
                self.protection.cleared = true;
            }
            // The client did not close its side of TLS: the connection is
            // in no known state (as after a failed handshake).
            _ => self.hanging_up = true,
        }
        Ok(())
    }

    /// After the `150` of a transfer under `PROT P`: the TLS handshake on
    /// the data connection, our server the TLS server whoever dialled
    /// (RFC 4217 §7). It is run as a transfer is (`listening`): an `ABOR`,
    /// the client hanging up or the server stopping halts it, and a
    /// client that never starts it is given the data timeout. `None` when
    /// it failed (the data connection closed, `522`, RFC 4217 §10.2) or
    /// was halted (answered as a halted transfer is).
    pub(super) async fn protect(&mut self, mut data: DataConn) -> io::Result<Option<DataConn>> {
        let Some(tls) = self.ctx.tls.clone().filter(|_| self.protection.private) else {
            return Ok(Some(data));
        };
        let Wire::Clear(tcp) = data.stream.detach() else {
            return Ok(Some(data));
        };
        let limit = self.ctx.data_timeout;
        let log = self.rec.log_end(data.conn);
        let handshake = async move {
            match tokio::time::timeout(limit, tls.accept(tcp, log)).await {
                Ok(done) => done,
                Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "no handshake")),
            }
        };
        match self.listening(handshake, None).await {
            Outcome::Done(Ok(wire)) => {
                data.stream = wire;
                Ok(Some(data))
            }
            Outcome::Done(Err(e)) => {
                drop(data);
                let msg = format!("TLS negotiation on the data connection failed ({e}).");
                self.reply(522, &msg).await?;
                Ok(None)
            }
            Outcome::Halted(halt) => {
                self.halted(halt, Some(data)).await?;
                Ok(None)
            }
        }
    }
}

/// Sends our `close_notify` (already queued) and reads until the client's,
/// or until the client's next bytes are clear text: then TLS is over on
/// this connection and the next byte is clear text. Plain text that came inside TLS before it is kept as lines.
///
/// The socket is read one TLS record at a time (its 5-byte header says how
/// long it is), never further: a client sends its next command in clear
/// right behind its `close_notify`, often in the same segment, and a read
/// that took those bytes into TLS's buffer would lose that command.
async fn closed_by_both(
    tls: &mut tokio_rustls::server::TlsStream<crate::tls::Logged>,
    lines: &mut LineBuffer,
) -> io::Result<()> {
    use tokio::io::AsyncWriteExt;
    tls.flush().await?;
    let (tcp, conn) = tls.get_mut();
    loop {
        if drained(conn, lines)? {
            return Ok(());
        }
        // A client may also go on in clear without a `close_notify` of its
        // own: curl's default (`--ftp-ssl-ccc-mode passive`) does, and RFC
        // 4217 §5 has the server expect "the next command from the client
        // to be in plaintext". A record starts with its type (20–24), a
        // command with a letter, so one byte tells which came.
        let mut first = [0u8; 1];
        if tcp.tcp().peek(&mut first).await? == 0 || !(20..=24).contains(&first[0]) {
            return Ok(());
        }
        let mut header = [0u8; 5];
        tcp.read_exact(&mut header).await?;
        let [_, _, _, hi, lo] = header;
        let mut record = vec![0u8; 5 + usize::from(u16::from_be_bytes([hi, lo]))];
        record
            .get_mut(..5)
            .unwrap_or_default()
            .copy_from_slice(&header);
        tcp.read_exact(record.get_mut(5..).unwrap_or_default())
            .await?;
        conn.read_tls(&mut record.as_slice())?;
        conn.process_new_packets()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    }
}

/// Moves the plain text TLS has decrypted into `lines`; `true` once the
/// client's `close_notify` has come.
fn drained(conn: &mut rustls::ServerConnection, lines: &mut LineBuffer) -> io::Result<bool> {
    use std::io::Read;
    let mut buf = [0u8; 1024];
    loop {
        match conn.reader().read(&mut buf) {
            Ok(0) => return Ok(true),
            Ok(n) => lines.push(buf.get(..n).unwrap_or_default()),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
            Err(e) => return Err(e),
        }
    }
}
