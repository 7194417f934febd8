//! `ftpviz watch IFACE`: FTP as it crosses an interface, captured by
//! ftpviz itself (a packet socket with a kernel filter, Linux only) and
//! shown as a live replay: the same screens and lines as `replay -`.

use super::output::Sink;
use anyhow::Result;
use ftpviz::tui::Screen;
use std::path::PathBuf;

/// What `watch` was asked besides the interface.
pub(crate) struct Options {
    /// Only this session.
    pub session: Option<u32>,
    /// Save every frame seen as pcapng.
    pub record: Option<PathBuf>,
}

#[cfg(target_os = "linux")]
pub(crate) fn watch(
    runtime: &tokio::runtime::Runtime,
    iface: &str,
    options: Options,
    sink: Option<Sink>,
    screen: Screen,
) -> Result<()> {
    let Options { session, record } = options;
    let mut wire = ftpviz::replay::wire::Wire::open(iface)?;
    if let Some(path) = &record {
        wire.record(path, iface)
            .map_err(|e| anyhow::anyhow!("cannot record into {}: {e}", path.display()))?;
    }
    let drops = wire.drops.clone();
    if sink.is_some() {
        // Said once the socket listens, so a script (or a test) knows
        // that what happens from now on is seen.
        eprintln!("ftpviz: watching TCP on {iface} (Ctrl-C stops)");
    }
    let name = format!("{iface} (live capture)");
    super::replay::run_live(
        runtime,
        &name,
        Box::new(wire),
        session,
        sink,
        screen,
        Some(drops),
    )
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn watch(
    _runtime: &tokio::runtime::Runtime,
    iface: &str,
    _options: Options,
    _sink: Option<Sink>,
    _screen: Screen,
) -> Result<()> {
    anyhow::bail!(
        "live capture (watch) is Linux-only; here, pipe a capture in: \
         sudo tcpdump -i {iface} -U -w - tcp | ftpviz replay -"
    )
}
