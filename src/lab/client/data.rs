//! The client's side of a data connection, in each mode.
//!
//! Before a transfer command the client arranges its data connection
//! ([`Client::open`]), and the mode decides who will dial:
//!
//! - **active** (`PORT`/`EPRT`): the client opens a listener on an ephemeral
//!   port and announces it — `PORT 127,0,0,2,195,80` is 127.0.0.2 port
//!   195×256+80 = 50000. Nothing connects yet: the *server* dials that port
//!   only after the transfer command, so [`Client::transfer`] starts
//!   accepting the moment the command has left.
//! - **passive** (`PASV`/`EPSV`): the server opens the listener and says
//!   where (`227` with an address, `229` with a port only: "my address, this
//!   port"), and the *client* dials it at once. Which address it dials for a
//!   `227` is the client's choice: today's curl (7.88) and Python's ftplib
//!   ignore the 227's address and dial the one they reach the server at
//!   (a server behind NAT writes a private address there); an old or naive
//!   client trusts it (`trust_pasv`) and dials wherever it points.
//!
//! Either way the transfer then looks the same: a preliminary reply (150),
//! the bytes, the close, the final reply (226). Under `PROT P` (FTPS) a TLS
//! handshake comes between the 150 and the bytes, the client the TLS
//! client in both modes. When the server refuses the
//! command, a connection already made is hung up unused.

use super::{Client, ClientError, KEEP, WAIT};
use crate::ftp::{hostport, Command, Verb};
use crate::lab::lesson::{Transfer, UPLOAD_TEXT};
use crate::lab::Mode;
use crate::network;
use crate::tls::Wire;
use crate::trace::{Side, Via};
use crate::transfer;
use crate::transfer::Source;
use std::net::SocketAddr;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// The data connection being arranged for the next transfer.
pub(super) enum Data {
    None,
    Listening(TcpListener, Via),
    Connected(TcpStream, u32),
    /// The dial failed: skip the transfer that needed it.
    Failed,
}

/// The command that announces a client listener at `addr`: `PORT` can only
/// carry IPv4, `EPRT` carries either.
pub(super) fn announce(addr: SocketAddr, extended: bool) -> Command {
    match addr {
        SocketAddr::V4(v4) if !extended => Command::new(Verb::Port, &hostport::format_port(v4)),
        _ => Command::new(Verb::Eprt, &hostport::format_eprt(addr)),
    }
}

impl Client {
    /// Whether this client uses the extended commands (EPRT/EPSV): asked
    /// to, or forced by IPv6, which PORT and 227 cannot carry.
    pub(super) fn extended(&self) -> bool {
        self.setup.extended || self.setup.client_ip.is_ipv6()
    }

    /// How this client opens data connections: its mode, and
    /// [`Client::extended`].
    pub(super) fn via(&self) -> Via {
        match (self.setup.mode, self.extended()) {
            (Mode::Active, false) => Via::Port,
            (Mode::Active, true) => Via::Eprt,
            (Mode::Passive, false) => Via::Pasv,
            (Mode::Passive, true) => Via::Epsv,
        }
    }

    /// PORT/EPRT (open a listener and announce it) or PASV/EPSV (read the
    /// server's address and dial it now).
    pub(super) async fn open(&mut self) -> Result<(), ClientError> {
        let via = self.via();
        match via {
            Via::Port | Via::Eprt | Via::Default => {
                let listener = network::listen(self.setup.client_ip)?;
                // Behind a simulated NAT the client believes it has a
                // private address, and announces that one.
                let addr = self.network.announce(Side::Client, listener.local_addr()?);
                let command = announce(addr, via == Via::Eprt);
                let reply = self.say(&command).await?;
                self.data = if reply.is_success() {
                    Data::Listening(listener, via)
                } else {
                    Data::Failed
                };
            }
            Via::Pasv | Via::Epsv => {
                let asked = if via == Via::Epsv {
                    Verb::Epsv
                } else {
                    Verb::Pasv
                };
                let reply = self.say(&Command::new(asked, "")).await?;
                let target = match (reply.code, via) {
                    (227, _) => hostport::parse_227(reply.message())
                        .ok()
                        .map(|a| self.pasv_target(SocketAddr::V4(a))),
                    (229, _) => {
                        let ip = self.setup.server.ip();
                        hostport::parse_229(&reply.text())
                            .ok()
                            .map(|port| (SocketAddr::new(ip, port), None))
                    }
                    _ => None,
                };
                self.data = match target {
                    Some((target, note)) => self.dial_data(target, via, note).await,
                    None => Data::Failed,
                };
            }
        }
        Ok(())
    }

    /// Where to dial for a 227 that named `named`, and why when it is not
    /// there: unless told to trust it, the client keeps the address it
    /// reaches the server at and takes only the port.
    fn pasv_target(&self, named: SocketAddr) -> (SocketAddr, Option<String>) {
        let server = self.setup.server.ip();
        if self.setup.trust_pasv || named.ip().to_canonical() == server.to_canonical() {
            return (named, None);
        }
        let instead = SocketAddr::new(server, named.port());
        let note = format!(
            "the 227 named {}, not the server's address: the client skips it and dials {instead}, \
             the address it reaches the server at, as curl 7.88 (\"Skip {} for data connection, \
             re-use {server} instead\") and Python's ftplib do",
            named.ip(),
            named.ip()
        );
        (instead, Some(note))
    }

    async fn dial_data(&mut self, target: SocketAddr, via: Via, why: Option<String>) -> Data {
        let Ok(rec) = self.ctl().map(|c| c.rec.clone()) else {
            return Data::Failed;
        };
        let Ok(mut bound) = self
            .network
            .bind(SocketAddr::new(self.setup.client_ip, 0), false)
        else {
            return Data::Failed;
        };
        bound.note = match (why, bound.note.take()) {
            (Some(a), Some(b)) => Some(format!("{a}; {b}")),
            (a, b) => a.or(b),
        };
        let conn = rec.register_dial(bound.src, target);
        match self
            .network
            .dial(bound, target, &rec, conn, Some(via))
            .await
        {
            Ok(stream) => Data::Connected(stream, conn),
            Err(_) => Data::Failed,
        }
    }

    /// After the `150` under `PROT P`: the TLS handshake on the data
    /// connection, this client the TLS client whoever dialled (RFC 4217
    /// §7). `None` when it failed: the client hangs up, and the server
    /// answers `522` (§10.2).
    async fn protect(&self, tcp: TcpStream, conn: u32) -> Option<Wire> {
        let Some(connector) = self.setup.tls.as_ref().filter(|_| self.private) else {
            return Some(Wire::Clear(tcp));
        };
        let log = self.ctl.as_ref().and_then(|c| c.rec.log_end(conn));
        match tokio::time::timeout(WAIT, connector.connect(tcp, log)).await {
            Ok(Ok(wire)) => Some(wire),
            _ => {
                if let Some(ctl) = self.ctl.as_ref() {
                    ctl.rec.close(conn, Side::Client);
                }
                None
            }
        }
    }

    /// A transfer command, its data connection and its replies.
    pub(super) async fn transfer(&mut self, t: Transfer, arg: &str) -> Result<(), ClientError> {
        let verb = match t {
            Transfer::List => Verb::List,
            Transfer::Retr => Verb::Retr,
            Transfer::Stor => Verb::Stor,
        };
        let command = Command::new(verb, arg);
        let rec = self.ctl()?.rec.clone();
        let server_ip = self.setup.server.ip();
        let data = std::mem::replace(&mut self.data, Data::None);
        self.send(&command).await?;
        // In active mode the server may dial before or after its 150: be
        // ready to accept from the moment the command has left.
        let (pending, mut stream) = match data {
            Data::Listening(listener, via) => {
                let task = network::accept_from(listener, server_ip, rec.clone(), Some(via), WAIT);
                (Some(tokio::spawn(task)), None)
            }
            Data::Connected(stream, conn) => (None, Some((stream, conn))),
            Data::None | Data::Failed => (None, None),
        };
        let first = self.reply().await?;
        if !first.is_preliminary() {
            // Refused: no transfer. A passive connection already made is
            // not needed any more; the client hangs it up.
            if let Some(task) = pending {
                task.abort();
            }
            if let Some((mut s, conn)) = stream {
                rec.close(conn, Side::Client);
                let _ = s.shutdown().await;
            }
            return Ok(());
        }
        if let Some(task) = pending {
            stream = task.await.ok().and_then(Result::ok);
        }
        let stream = match stream {
            Some((s, conn)) => self.protect(s, conn).await.map(|w| (w, conn)),
            None => None,
        };
        if let Some((mut s, conn)) = stream {
            if t == Transfer::Stor {
                let upload = Source::Static(UPLOAD_TEXT);
                let _ = transfer::send_and_close(&mut s, &upload, 0, false, &rec, conn).await;
            } else {
                let _ = transfer::receive_and_close(&mut s, KEEP, false, &rec, conn).await;
            }
        }
        self.reply().await.map(drop)
    }
}
