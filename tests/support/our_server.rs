//! Our server on its own, for tests that tune what `serve` fixes: the
//! session cap, the idle timeout, the passive wait, the upload cap.
//!
//! [`start`] runs [`server::run`] on a free loopback port with the built-in
//! files; the test keeps the stop handle alive for as long as the server
//! should live, and [`drain`] stops it and collects every event once the
//! last session has hung up.

#![allow(dead_code)]

use ftpviz::network::{control_listener, Network};
use ftpviz::server::files::Files;
use ftpviz::server::uploads::{Limits, Uploads, Writers};
use ftpviz::server::{self, ServerConfig};
use ftpviz::tap::{Scope, Tap};
use ftpviz::trace::Event;
use std::net::SocketAddr;
use tokio::sync::{mpsc, watch};

/// The built-in files, with uploads for `demo` in memory, up to `cap` bytes.
pub fn builtin(cap: u64) -> Files {
    Files::builtin().with_uploads(Uploads::in_memory(Limits::total(cap), Writers::Demo))
}

/// Our server on a free loopback port, built-in files (and `demo`'s
/// uploads), with `tune` applied.
pub async fn start(
    tune: impl FnOnce(&mut ServerConfig),
) -> (
    SocketAddr,
    mpsc::UnboundedReceiver<Event>,
    watch::Sender<bool>,
) {
    start_at([127, 0, 0, 1], tune).await
}

/// [`start`] on another loopback address (its passive listeners are there
/// too), apart from the other tests' servers on 127.0.0.1.
pub async fn start_at(
    ip: [u8; 4],
    tune: impl FnOnce(&mut ServerConfig),
) -> (
    SocketAddr,
    mpsc::UnboundedReceiver<Event>,
    watch::Sender<bool>,
) {
    let mut config = ServerConfig::new(builtin(1 << 20), Scope::Alone);
    tune(&mut config);
    // serve's own backlog: std's 128 drops dials when a classroom
    // connects at once on a busy machine, and a dropped one hangs.
    let listener = control_listener((ip, 0).into(), ftpviz::serve::BACKLOG).unwrap();
    let addr = listener.local_addr().unwrap();
    let (tap, events) = Tap::new();
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(server::run(
        listener,
        config,
        Network::direct(),
        tap,
        stopped,
    ));
    (addr, events, stop)
}

/// Stops the server and returns every event it recorded.
pub async fn drain(
    mut events: mpsc::UnboundedReceiver<Event>,
    stop: watch::Sender<bool>,
) -> Vec<Event> {
    let _ = stop.send(true);
    let mut all = Vec::new();
    while let Some(e) = events.recv().await {
        all.push(e);
    }
    all
}
