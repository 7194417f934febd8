//! `ftpviz watch IFACE`: FTP as it crosses an interface, captured by
//! ftpviz itself (a packet socket with a kernel filter, Linux only) and
//! shown as a live replay: the same screens and lines as `replay -`.
//!
//! With `--print`/`--json`, Ctrl-C (or SIGTERM, SIGHUP) ends the capture as
//! the end of a file ends a replay: the events still owed are written, and
//! a last line on stderr says how many frames were read and how many the
//! kernel dropped (`ftpviz: watch: N frames read, M dropped by the kernel`).

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
    let (drops, frames) = (wire.drops.clone(), wire.frames.clone());
    if sink.is_some() {
        stop_on_signal(runtime, wire.stopper())?;
        // Said once the socket listens, so a script (or a test) knows
        // that what happens from now on is seen.
        eprintln!("ftpviz: watching TCP on {iface} (Ctrl-C stops)");
    }
    let name = format!("{iface} (live capture)");
    let result = super::replay::run_live(
        runtime,
        &name,
        Box::new(wire),
        session,
        sink,
        screen,
        Some(drops.clone()),
    );
    let read = |n: &std::sync::atomic::AtomicU64| n.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!(
        "ftpviz: watch: {} frames read, {} dropped by the kernel",
        read(&frames),
        read(&drops)
    );
    result
}

/// Sets `stop` on Ctrl-C, SIGTERM or SIGHUP. The handlers are in place
/// when this returns, so a signal sent after "watching" is never lost.
#[cfg(target_os = "linux")]
fn stop_on_signal(
    runtime: &tokio::runtime::Runtime,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let _in = runtime.enter();
    let mut signals = Vec::new();
    for kind in [
        SignalKind::interrupt(),
        SignalKind::terminate(),
        SignalKind::hangup(),
    ] {
        signals.push(signal(kind)?);
    }
    runtime.spawn(async move {
        let any = signals.iter_mut().map(|s| Box::pin(s.recv()));
        futures_util::future::select_all(any).await;
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    Ok(())
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
