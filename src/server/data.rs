//! The server's side of a data connection: who dials, and when.
//!
//! A data connection is *planned* on the control channel and *opened* by the
//! next transfer command (`LIST`, `NLST`, `MLSD`, `RETR`, `STOR`):
//!
//! - **Active** (`PORT`/`EPRT`): the client names an address where it
//!   listens. The server remembers it and dials only when the transfer
//!   command comes — from its control port − 1 (RFC 959's "L−1": port 20
//!   for a server on 21), bound with SO_REUSEADDR because the previous
//!   data connection from that same port may still sit in TIME_WAIT.
//! - **Passive** (`PASV`/`EPSV`): the server opens a fresh listener on an
//!   ephemeral port, tells the client the port (`227`/`229`), and waits for
//!   the client's dial. The session watches the listener while it waits
//!   for the next command, so the trace shows the SYN when it happens,
//!   before the transfer command that usually follows it.
//!
//! A plan is used once: every transfer needs a new `PORT` or `PASV`. A
//! session has one plan at a time, so a new `PASV` closes the previous
//! listener before it opens the next (a client sending `PASV` in a loop
//! holds one port, not thousands). A data connection is a [`DataConn`]:
//! however it ends — sent, refused, aborted, the session dropped — its
//! `close` is in the trace.

use crate::network::{self, AcceptError, DialFailed, Network};
use crate::tap::Recorder;
use crate::tls::Wire;
use crate::trace::{Side, Via};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// One data connection, open. Dropping it closes it, and records that the
/// server closed it unless its close is already recorded.
pub struct DataConn {
    /// In clear, or inside TLS once `PROT P` has it protected
    /// ([`super::security`]).
    pub stream: Wire,
    pub conn: u32,
    rec: Recorder,
}

impl DataConn {
    pub fn new(stream: TcpStream, conn: u32, rec: Recorder) -> DataConn {
        super::keep_alive(&stream);
        DataConn {
            stream: Wire::Clear(stream),
            conn,
            rec,
        }
    }
}

impl Drop for DataConn {
    fn drop(&mut self) {
        self.rec.close(self.conn, Side::Server);
    }
}

/// How the next data connection will be made.
#[derive(Default)]
pub enum Plan {
    /// Neither PORT/EPRT nor PASV/EPSV was sent.
    #[default]
    None,
    /// Dial `target` when the transfer command comes.
    Active { target: SocketAddr, via: Via },
    /// A listener is waiting for the client's dial.
    Passive(Listening),
}

/// A passive listener and what came of it.
pub struct Listening {
    /// Open until the client's dial is in, or the wait is over.
    listener: Option<TcpListener>,
    allowed: IpAddr,
    via: Via,
    wait: Duration,
    deadline: Instant,
    stranger: Option<String>,
    outcome: Option<Result<DataConn, AcceptError>>,
}

/// Why a transfer got no data connection (425 on the wire).
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("no PORT/EPRT or PASV/EPSV before the transfer")]
    NoPlan,
    #[error("dial failed: {0}")]
    Dial(#[from] DialFailed),
    #[error("{0}")]
    Accept(#[from] AcceptError),
}

impl Listening {
    /// Waits for the client's dial until the deadline, then keeps what
    /// came of it (and closes the listener). Returns at once if that is
    /// already known; otherwise cancel-safe.
    pub async fn watch(&mut self, rec: &Recorder) {
        if self.outcome.is_some() {
            return;
        }
        let Some(listener) = &self.listener else {
            return;
        };
        let accepting = network::accept_allowed(
            listener,
            self.allowed,
            rec,
            Some(self.via),
            &mut self.stranger,
        );
        let outcome = match tokio::time::timeout_at(self.deadline, accepting).await {
            Ok(Ok((stream, conn))) => Ok(DataConn::new(stream, conn, rec.clone())),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(AcceptError::Timeout {
                secs: self.wait.as_secs(),
                stranger: self.stranger.take(),
            }),
        };
        self.listener = None;
        self.outcome = Some(outcome);
    }

    /// Whether [`Listening::watch`] has nothing left to wait for.
    pub fn settled(&self) -> bool {
        self.outcome.is_some()
    }

    /// The client's dial, once accepted (or why none came).
    pub async fn accepted(mut self, rec: &Recorder) -> Result<DataConn, DataError> {
        self.watch(rec).await;
        match self.outcome.take() {
            Some(outcome) => Ok(outcome?),
            None => Err(AcceptError::Io("passive listener lost".into()).into()),
        }
    }
}

impl Plan {
    /// Opens a passive listener on `ip` that admits only `allowed`. Returns
    /// the plan and the address to announce.
    pub fn passive(
        ip: IpAddr,
        allowed: IpAddr,
        via: Via,
        wait: Duration,
    ) -> io::Result<(Plan, SocketAddr)> {
        let listener = network::listen(ip)?;
        let addr = listener.local_addr()?;
        let listening = Listening {
            listener: Some(listener),
            allowed,
            via,
            wait,
            deadline: Instant::now() + wait,
            stranger: None,
            outcome: None,
        };
        Ok((Plan::Passive(listening), addr))
    }

    /// While the session waits for a command: the passive listener's
    /// dial, if there is one to wait for (otherwise never ready).
    pub async fn watch(&mut self, rec: &Recorder) {
        match self {
            Plan::Passive(listening) if !listening.settled() => listening.watch(rec).await,
            _ => std::future::pending().await,
        }
    }

    /// Makes the planned connection: dials (active) or takes the accepted
    /// one (passive). `control_local` is the server's end of the control
    /// connection, whose port − 1 is the active source port.
    /// `control_local` and `control_peer`: the control connection's ends
    /// (the dial back comes from the one to the other's address).
    pub async fn open(
        self,
        network: &Network,
        rec: &Recorder,
        control_local: SocketAddr,
        control_peer: IpAddr,
    ) -> Result<DataConn, DataError> {
        match self {
            Plan::None => Err(DataError::NoPlan),
            Plan::Active { target, via } => {
                // A dual-stack listener (`[::]`) sees an IPv4 client as
                // `::ffff:a.b.c.d`; the dial back is plain IPv4, from the
                // same address in its IPv4 form.
                let ip = control_local.ip().to_canonical();
                let target = SocketAddr::new(target.ip().to_canonical(), target.port());
                let port = control_local.port().saturating_sub(1);
                let bound =
                    network
                        .bind(SocketAddr::new(ip, port), true)
                        .map_err(|e| DialFailed {
                            reason: crate::trace::FailReason::Refused,
                            note: e.to_string(),
                        })?;
                let conn = rec.register_dial(bound.src, target);
                let stream = network
                    .dial_back(bound, target, control_peer, rec, conn, Some(via))
                    .await?;
                Ok(DataConn::new(stream, conn, rec.clone()))
            }
            Plan::Passive(listening) => listening.accepted(rec).await,
        }
    }
}
