//! `serve`: our server, for any real FTP client, with every session traced.
//!
//! Point curl, lftp, `ftp` or FileZilla at it and watch what they really do:
//! which mode they pick, who dials, from which port. There is no client of
//! ours here, so the server records everything it sees ([`Scope::Alone`]),
//! and each control connection is a new session in the trace.
//!
//! It binds loopback by default. A teacher may bind a classroom address;
//! that works, with a warning, and the server still never *dials* outside
//! loopback: active mode is refused for remote clients (use passive).

use crate::network::{control_listener, is_loopback, Network};
use crate::server::files::{FileError, Files, Root};
use crate::server::{self, ServerConfig};
use crate::tap::{Payloads, Scope, Tap};
use crate::trace::Event;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::sync::{mpsc, watch};

/// Uploads `serve` keeps in memory, at most.
pub const UPLOAD_CAP: usize = 64 << 20;

/// What to serve, where.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub listen: SocketAddr,
    /// A real directory, read-only; `None` for the built-in files.
    pub root: Option<PathBuf>,
}

/// Why `serve` cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
    #[error("--root {path}: {source}")]
    Root { path: PathBuf, source: FileError },
}

/// A running server.
pub struct Serving {
    /// Every session's events, live.
    pub events: mpsc::UnboundedReceiver<Event>,
    /// The bytes of each `data` event, when started with payloads.
    pub payloads: Option<Payloads>,
    /// The address it really listens on (port 0 resolved).
    pub local: SocketAddr,
    /// Set when the address is not loopback: a sentence for stderr.
    pub warning: Option<String>,
    shutdown: watch::Sender<bool>,
}

/// Binds and starts serving.
pub async fn start(config: ServeConfig) -> Result<Serving, ServeError> {
    launch(config, false).await
}

/// Like [`start`], and the bytes of every data connection come out of
/// [`Serving::payloads`] too, for a recording (`--record`).
pub async fn start_with_payloads(config: ServeConfig) -> Result<Serving, ServeError> {
    launch(config, true).await
}

async fn launch(config: ServeConfig, payload: bool) -> Result<Serving, ServeError> {
    let files = match &config.root {
        None => Files::new(Root::Builtin, UPLOAD_CAP),
        Some(path) => Files::dir(path, UPLOAD_CAP).map_err(|source| ServeError::Root {
            path: path.clone(),
            source,
        })?,
    };
    let addr = config.listen;
    let listener =
        control_listener(addr, 64).map_err(|source| ServeError::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| ServeError::Bind { addr, source })?;
    let warning = (!is_loopback(addr.ip())).then(|| {
        format!("listening on {local}, which is not loopback: anyone who can reach it can read the served files; active mode is refused for remote clients")
    });
    let (tap, events) = Tap::new();
    let payloads = payload.then(|| tap.carry_payload());
    let (shutdown, stop) = watch::channel(false);
    let cfg = ServerConfig::new(files, Scope::Alone);
    tokio::spawn(server::run(listener, cfg, Network::direct(), tap, stop));
    Ok(Serving {
        events,
        payloads,
        local,
        warning,
        shutdown,
    })
}

impl Serving {
    /// Says goodbye (421) to every open session and stops; the event
    /// channel closes once the last session has hung up.
    pub fn stop(&self) {
        let _ = self.shutdown.send(true);
    }

    /// A handle that stops the server from elsewhere (a signal handler).
    pub fn stopper(&self) -> watch::Sender<bool> {
        self.shutdown.clone()
    }
}
