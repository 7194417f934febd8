//! The terminal: taking it over, the one event loop, and giving it back.
//!
//! The loop follows ratatui's event-driven async template: a single
//! `tokio::select!` waits on whichever comes first of
//!
//! - a **tick** (only while something moves: playing, or an arrow in flight),
//! - a **terminal event** (a key, a resize) from crossterm's `EventStream`,
//! - a **source event** from a live lab (all panes' channels merged into one;
//!   when a key changes the middlebox the labs restart and a new merge
//!   replaces the old),
//! - **SIGTERM** / **SIGHUP**,
//!
//! hands it to the one [`App`], and redraws only if something changed. A
//! paused screen therefore sleeps in `select!` and costs no CPU; a playing
//! one ticks every [`FRAME`] (over 30 frames a second).
//!
//! The terminal is always given back: on `q`, on an error (the guard's
//! `Drop`), on a signal, and on a panic (ratatui's panic hook restores it
//! before the message prints).

use super::app::App;
use crate::trace::Event;
use crossterm::event::{Event as TermEvent, EventStream};
use futures_util::StreamExt;
use ratatui::DefaultTerminal;
use std::io;
use std::time::Duration;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;
use tokio::time::{interval, Instant, MissedTickBehavior};

/// Time between frames while something moves: 30 ms, a little over 33
/// frames a second.
pub const FRAME: Duration = Duration::from_millis(30);

/// Raw mode and the alternate screen, undone when dropped.
struct Guard {
    terminal: DefaultTerminal,
}

impl Guard {
    fn new() -> io::Result<Guard> {
        // try_init also installs a panic hook that restores the terminal.
        Ok(Guard {
            terminal: ratatui::try_init()?,
        })
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// Where a live source's events go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// To one pane (a lab).
    Pane(usize),
    /// To the live session list (`serve`).
    Sessions,
}

/// The events of one live source.
pub struct Feed {
    pub route: Route,
    pub events: mpsc::UnboundedReceiver<Event>,
}

/// Merges the feeds into one channel: `(route, Some(event))`, and
/// `(route, None)` once when that source ends.
fn merge(feeds: Vec<Feed>) -> mpsc::UnboundedReceiver<(Route, Option<Event>)> {
    let (tx, rx) = mpsc::unbounded_channel();
    for mut feed in feeds {
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Some(e) = feed.events.recv().await {
                if tx.send((feed.route, Some(e))).is_err() {
                    return;
                }
            }
            let _ = tx.send((feed.route, None));
        });
    }
    rx
}

/// Runs the app in the terminal until the user quits.
pub async fn run(mut app: App, feeds: Vec<Feed>) -> io::Result<()> {
    let mut sources = merge(feeds);
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut keys = EventStream::new();
    let mut tick = interval(FRAME);
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut guard = Guard::new()?;
    let mut dirty = true;
    let mut last_tick: Option<Instant> = None;
    tracing::info!("tui started");
    loop {
        if dirty {
            guard.terminal.draw(|f| f.render_widget(&app, f.area()))?;
            dirty = false;
        }
        if app.should_quit() {
            break;
        }
        let ticking = app.wants_ticks();
        if !ticking {
            last_tick = None;
        } else if last_tick.is_none() {
            last_tick = Some(Instant::now());
            tick.reset();
        }
        tokio::select! {
            _ = tick.tick(), if ticking => {
                let now = Instant::now();
                let dt = last_tick.map(|t| now - t).unwrap_or_default();
                last_tick = Some(now);
                dirty = app.on_tick(dt);
            }
            key = keys.next() => match key {
                Some(Ok(TermEvent::Key(k))) => {
                    dirty = app.on_key(k);
                    if app.take_restart() {
                        // Say so, then swap the labs: the old feeds end
                        // with their labs and the new ones take over.
                        guard.terminal.draw(|f| f.render_widget(&app, f.area()))?;
                        let feeds = super::rig::restart(&mut app).await.unwrap_or_default();
                        sources = merge(feeds);
                    }
                }
                Some(Ok(TermEvent::Resize(..))) => dirty = true,
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e),
                None => break,
            },
            Some((route, event)) = sources.recv() => {
                match route {
                    Route::Pane(i) => app.on_source_event(i, event),
                    Route::Sessions => app.on_session_event(event),
                }
                dirty = true;
            }
            _ = sigterm.recv() => break,
            _ = sighup.recv() => break,
        }
    }
    tracing::info!("tui quit");
    drop(guard);
    Ok(())
}

/// Sends the program's log to a file in the temp directory (never to the
/// screen, which the TUI owns). Returns the file's path.
///
/// The temp directory is shared with every user of the machine, so the
/// file is opened the careful way: a symlink planted under its name is
/// refused (`O_NOFOLLOW`), a new file is readable by us alone, and an
/// existing one is used only if it is a plain file of ours with no other
/// name (a planted hard link would send our log into someone else's file).
pub fn log_to_file() -> Option<std::path::PathBuf> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let path = std::env::temp_dir().join("ftpviz.log");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(&path)
        .ok()?;
    let meta = file.metadata().ok()?;
    let ours = meta.uid() == rustix::process::getuid().as_raw();
    if !meta.is_file() || !ours || meta.nlink() != 1 {
        return None;
    }
    tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .try_init()
        .ok()?;
    Some(path)
}
