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
//!   the client's dial — accepting it at once, in a task, so the trace shows
//!   the SYN when it happens, before the transfer command that usually
//!   follows it.
//!
//! A plan is used once: every transfer needs a new `PORT` or `PASV`.

use crate::network::{self, AcceptError, DialFailed, Network};
use crate::tap::Recorder;
use crate::trace::Via;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

/// How the next data connection will be made.
#[derive(Default)]
pub enum Plan {
    /// Neither PORT/EPRT nor PASV/EPSV was sent.
    #[default]
    None,
    /// Dial `target` when the transfer command comes.
    Active { target: SocketAddr, via: Via },
    /// A listener is waiting for the client's dial.
    Passive(Waiting),
}

type Accepting = JoinHandle<Result<(TcpStream, u32), AcceptError>>;

/// The task accepting a passive dial; dropping the plan stops it (and closes
/// its listener), so an unused PASV leaves no open port behind.
pub struct Waiting(Accepting);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Waiting {
    /// The client's dial, once accepted (or why none came).
    pub async fn accepted(&mut self) -> Result<(TcpStream, u32), DataError> {
        match (&mut self.0).await {
            Ok(accepted) => Ok(accepted?),
            Err(_) => Err(DataError::Lost),
        }
    }

    /// Stops waiting (after an `ABOR`). A connection the task accepted
    /// just before is handed back, so that its close can be recorded.
    pub async fn cancel(mut self) -> Option<(TcpStream, u32)> {
        self.0.abort();
        (&mut self.0).await.ok().and_then(Result::ok)
    }
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
    #[error("passive listener lost")]
    Lost,
}

impl Plan {
    /// Opens a passive listener on `ip` that admits only `allowed`. Returns
    /// the plan and the address to announce.
    pub fn passive(
        ip: IpAddr,
        allowed: IpAddr,
        rec: Recorder,
        via: Via,
        wait: Duration,
    ) -> io::Result<(Plan, SocketAddr)> {
        let listener = network::listen(ip)?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(network::accept_from(
            listener,
            allowed,
            rec,
            Some(via),
            wait,
        ));
        Ok((Plan::Passive(Waiting(task)), addr))
    }

    /// Makes the planned connection: dials (active) or takes the accepted
    /// one (passive). `control_local` is the server's end of the control
    /// connection, whose port − 1 is the active source port.
    pub async fn open(
        self,
        network: &Network,
        rec: &Recorder,
        control_local: SocketAddr,
    ) -> Result<(TcpStream, u32), DataError> {
        match self {
            Plan::None => Err(DataError::NoPlan),
            Plan::Active { target, via } => {
                let port = control_local.port().saturating_sub(1);
                let bound = network
                    .bind(SocketAddr::new(control_local.ip(), port), true)
                    .map_err(|e| DialFailed {
                        reason: crate::trace::FailReason::Refused,
                        note: e.to_string(),
                    })?;
                let conn = rec.register_dial(bound.src, target);
                let stream = network.dial(bound, target, rec, conn, Some(via)).await?;
                Ok((stream, conn))
            }
            Plan::Passive(mut waiting) => waiting.accepted().await,
        }
    }
}
