//! The server: our FTP server, shared by the lab and `serve`.
//!
//! It listens on a control port, and for every client that dials it runs a
//! [`session`] — a state machine over command lines — until `QUIT`;
//! the commands that move files are in [`transfers`], and how one is
//! stopped midway by `ABOR` in [`abort`] (the urgent bytes it may come
//! behind, and how the control connection is read for them, in
//! [`urgent`]). The
//! files it offers ([`files`]) are the built-in ones or a real directory,
//! read-only, plus what a logged-in user uploads ([`uploads`]), both named
//! by the virtual paths and entries of [`entry`]. The
//! commands answered on the control connection alone are [`queries`], and
//! the one table of the verbs it implements (read by `HELP`, `FEAT` and the
//! `502`) is [`verbs`]; explicit FTPS (`AUTH TLS`, `PBSZ`, `PROT`, `CCC`:
//! the control and data connections inside TLS, when the server has it)
//! is [`security`]; the
//! commands that choose active or passive mode are [`modes`]; how a
//! transfer then gets its data connection (the server dials, or waits for
//! a dial) is [`data`]; how directory listings look is [`listing`], and
//! which names a wildcard (`NLST *.txt`) lists, [`glob`].
//!
//! A server open to a classroom meets clients that misbehave, by accident
//! or on purpose. Limits keep one of them from hurting the others, and
//! each is a thing a student can observe:
//!
//! - [`slots`]: sessions at once, in all and per client address (the next
//!   one gets `421`);
//! - time: a client must log in soon after it connects
//!   ([`ServerConfig::login_timeout`]), and a session that sends no whole
//!   command line and runs no transfer for [`ServerConfig::idle`] is
//!   closed — bytes that never end a line do not keep it alive; a
//!   transfer on which nothing moves for [`ServerConfig::data_timeout`]
//!   is stopped; a reply the client does not read within
//!   [`ServerConfig::write_timeout`] ends the session too; TCP keepalive
//!   ([`KEEPALIVE`]) on every connection finds a peer that vanished
//!   without a word (a laptop asleep, a NAT that forgot it);
//! - size: the 4096-byte line limit, one passive listener per session, the
//!   upload caps ([`uploads`]);
//! - the trace: a reader that falls behind slows the sessions down instead
//!   of filling memory ([`crate::tap::Gate`]).
//!
//! Stopping never waits on a client: sessions get [`STOP_GRACE`] to say
//! `421`, then whatever is left is dropped (every connection's `close` is
//! still recorded).

pub mod abort;
pub mod data;
pub mod entry;
pub mod files;
pub mod glob;
pub mod listing;
pub mod modes;
pub mod queries;
pub mod security;
pub mod session;
pub mod slots;
pub mod transfers;
pub mod uploads;
pub mod urgent;
pub mod verbs;

use crate::ftp::Reply;
use crate::network::Network;
use crate::tap::{Scope, Tap};
use crate::tls::Tls;
use crate::trace::Side;
use files::Files;
use slots::{Caps, Slots};
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// How long sessions have to say goodbye when the server stops.
pub const STOP_GRACE: Duration = Duration::from_millis(400);

/// TCP keepalive on control and data connections: after this long with
/// nothing received the kernel starts probing, every [`KEEPALIVE`] / 4,
/// and resets a connection whose peer answers none of four probes.
pub const KEEPALIVE: Duration = Duration::from_secs(60);

/// Turns TCP keepalive on for `stream` ([`KEEPALIVE`]).
pub fn keep_alive(stream: &tokio::net::TcpStream) {
    let params = socket2::TcpKeepalive::new()
        .with_time(KEEPALIVE)
        .with_interval(KEEPALIVE / 4);
    #[cfg(any(target_os = "linux", target_os = "macos", target_os = "freebsd"))]
    let params = params.with_retries(4);
    let _ = socket2::SockRef::from(stream).set_tcp_keepalive(&params);
}

/// How long the accept loop rests when the process is out of file
/// descriptors (or memory) before it tries again.
pub const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// How the server behaves.
#[derive(Clone)]
pub struct ServerConfig {
    pub files: Files,
    /// Sessions at once, in all and per client address; the next gets 421.
    pub caps: Caps,
    /// A client that has not logged in this long after connecting is
    /// closed (421).
    pub login_timeout: Duration,
    /// A control connection with no whole command line for this long is
    /// closed (421).
    pub idle: Duration,
    /// A reply the client does not take within this long ends the session.
    pub write_timeout: Duration,
    /// A transfer on whose data connection nothing moves for this long is
    /// stopped, and the session closed (421).
    pub data_timeout: Duration,
    /// How long a passive listener waits for the client's dial (then 425).
    pub passive_wait: Duration,
    /// Whether the other end records too (the lab) or not (`serve`).
    pub scope: Scope,
    /// TLS, when the server offers it (`AUTH TLS`, [`security`]); `None`:
    /// the security verbs are `502`, as for a server that never heard of
    /// them.
    pub tls: Option<Arc<Tls>>,
}

impl ServerConfig {
    /// The lab's and `serve`'s defaults around a file tree: a classroom's
    /// worth of sessions (vsftpd allows 2000 by default, with no cap per
    /// address), vsftpd's 300 s idle and data timeouts.
    pub fn new(files: Files, scope: Scope) -> ServerConfig {
        ServerConfig {
            files,
            caps: Caps {
                total: 512,
                per_address: 64,
            },
            login_timeout: Duration::from_secs(30),
            idle: Duration::from_secs(300),
            write_timeout: Duration::from_secs(30),
            data_timeout: Duration::from_secs(300),
            passive_wait: Duration::from_secs(10),
            scope,
            tls: None,
        }
    }
}

/// What every session of one server shares.
pub struct Ctx {
    pub files: Files,
    pub network: Network,
    pub login_timeout: Duration,
    pub idle: Duration,
    pub write_timeout: Duration,
    pub data_timeout: Duration,
    pub passive_wait: Duration,
    pub tls: Option<Arc<Tls>>,
}

/// True for the accept errors that mean "out of resources": retrying at
/// once would fail again, and spin.
fn exhausted(e: &io::Error) -> bool {
    use rustix::io::Errno;
    Errno::from_io_error(e)
        .is_some_and(|n| [Errno::MFILE, Errno::NFILE, Errno::NOBUFS, Errno::NOMEM].contains(&n))
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
        login_timeout: config.login_timeout,
        idle: config.idle,
        write_timeout: config.write_timeout,
        data_timeout: config.data_timeout,
        passive_wait: config.passive_wait,
        tls: config.tls,
    });
    let slots = Slots::new(config.caps);
    let mut sessions = tokio::task::JoinSet::new();
    loop {
        // A reader far behind: take no new client until it catches up.
        tokio::select! {
            _ = tap.room() => {}
            _ = shutdown.changed() => break,
        }
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => break,
        };
        // Reap finished sessions so the set does not grow forever.
        while sessions.try_join_next().is_some() {}
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) if exhausted(&e) => {
                // Out of file descriptors: the pending dial stays in the
                // backlog, so accepting again at once fails again — a
                // loop that spins at 100% CPU. Rest, then retry.
                tracing::warn!("accept: {e}; retrying in {ACCEPT_BACKOFF:?}");
                tokio::select! {
                    _ = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                    _ = shutdown.changed() => break,
                }
            }
            Err(_) => continue,
        };
        let Ok(local) = stream.local_addr() else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        keep_alive(&stream);
        // Urgent data (a client's `ABOR` sent with MSG_OOB) stays in the
        // byte stream; see `abort`.
        let _ = socket2::SockRef::from(&stream).set_out_of_band_inline(true);
        let rec = tap.accept_control(Side::Server, config.scope, local, peer);
        let slot = match slots.take(peer.ip()) {
            Ok(slot) => slot,
            Err(full) => {
                let reply = Reply::new(421, &format!("{full}."));
                rec.reply(&reply, None);
                // Never wait on this client: what fits in the socket's
                // buffer (all of it, on a fresh connection) goes now.
                let _ = stream.try_write(reply.to_wire().as_bytes());
                rec.close(0, Side::Server);
                drop(stream);
                continue;
            }
        };
        let session = session::Session::new(
            stream,
            rec,
            ctx.clone(),
            (local, peer),
            slot,
            shutdown.clone(),
        );
        sessions.spawn(session.run());
    }
    drop(listener);
    // Sessions saw the same shutdown: they say 421 and hang up, unless a
    // client keeps them waiting. Then they are dropped (their connections'
    // closes are recorded as they go).
    let goodbyes = async { while sessions.join_next().await.is_some() {} };
    if tokio::time::timeout(STOP_GRACE, goodbyes).await.is_err() {
        sessions.abort_all();
        while sessions.join_next().await.is_some() {}
    }
}
