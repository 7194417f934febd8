//! The server: our FTP server, shared by the lab and `serve`.
//!
//! It listens on a control port, and for every client that dials it runs a
//! [`session`] — a state machine over command lines — until `QUIT`;
//! the commands that move files are in [`transfers`], and how one is
//! stopped midway by `ABOR` in [`abort`]. The
//! files it offers ([`files`]) are the built-in ones or a real directory,
//! read-only, plus uploads kept in memory. The commands that choose active
//! or passive mode are [`modes`]; how a transfer then gets its data
//! connection (the server dials, or waits for a dial) is [`data`]; how
//! directory listings look is [`listing`].
//!
//! Limits keep one bad client from hurting the others: a cap on sessions
//! (the next one gets `421` and is closed), an idle timeout, the 4096-byte
//! line limit, and the upload cap.

pub mod abort;
pub mod data;
pub mod files;
pub mod listing;
pub mod modes;
pub mod session;
pub mod transfers;

use crate::ftp::Reply;
use crate::network::Network;
use crate::tap::{Scope, Tap};
use crate::trace::Side;
use files::Files;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};

/// How the server behaves.
#[derive(Clone)]
pub struct ServerConfig {
    pub files: Files,
    /// Sessions served at once; the next gets 421.
    pub max_sessions: usize,
    /// A control connection silent this long is closed (421).
    pub idle: Duration,
    /// How long a passive listener waits for the client's dial (then 425).
    pub passive_wait: Duration,
    /// Whether the other end records too (the lab) or not (`serve`).
    pub scope: Scope,
}

impl ServerConfig {
    /// The lab's and `serve`'s defaults around a file tree.
    pub fn new(files: Files, scope: Scope) -> ServerConfig {
        ServerConfig {
            files,
            max_sessions: 16,
            idle: Duration::from_secs(300),
            passive_wait: Duration::from_secs(10),
            scope,
        }
    }
}

/// What every session of one server shares.
pub struct Ctx {
    pub files: Files,
    pub network: Network,
    pub idle: Duration,
    pub passive_wait: Duration,
}

/// Accepts control connections on `listener` until `shutdown` turns true
/// (or its sender is dropped); each runs as its own task and is told to
/// stop too.
pub async fn run(
    listener: TcpListener,
    config: ServerConfig,
    network: Network,
    tap: Tap,
    mut shutdown: watch::Receiver<bool>,
) {
    let ctx = Arc::new(Ctx {
        files: config.files,
        network,
        idle: config.idle,
        passive_wait: config.passive_wait,
    });
    let slots = Arc::new(Semaphore::new(config.max_sessions));
    let mut sessions = tokio::task::JoinSet::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => break,
        };
        let Ok((mut stream, peer)) = accepted else {
            continue;
        };
        let Ok(local) = stream.local_addr() else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        // Urgent data (a client's `ABOR` sent with MSG_OOB) stays in the
        // byte stream; see `abort`.
        let _ = socket2::SockRef::from(&stream).set_out_of_band_inline(true);
        let rec = tap.accept_control(Side::Server, config.scope, local, peer);
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            let reply = Reply::new(421, "Too many sessions: try again later.");
            rec.reply(&reply, None);
            let _ = stream.write_all(reply.to_wire().as_bytes()).await;
            rec.close(0, Side::Server);
            let _ = stream.shutdown().await;
            continue;
        };
        let session =
            session::Session::new(stream, rec, ctx.clone(), local, peer, shutdown.clone());
        sessions.spawn(async move {
            let _ = session.run().await;
            drop(slot);
        });
        // Reap finished sessions so the set does not grow forever.
        while sessions.try_join_next().is_some() {}
    }
    // Sessions saw the same shutdown; wait for their goodbyes.
    while sessions.join_next().await.is_some() {}
}
