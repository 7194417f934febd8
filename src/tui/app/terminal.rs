//! The terminal: taking it over, the one event loop, and giving it back.
//!
//! The loop follows ratatui's event-driven async template: it draws the one
//! [`App`], waits for the next [`Event`] on the app's channel (ticks, keys,
//! signals and live sources all arrive there, see [`super::event`]), hands
//! it to the app, and redraws only if something changed. Only what needs
//! `await` happens here: the labs restarting when the app asks.
//!
//! The terminal is always given back: on `q`, on an error (the guard's
//! `Drop`), on a signal, and on a panic (ratatui's panic hook restores it
//! before the message prints).

use super::event::{AppEvent, Event};
use super::App;
use ratatui::DefaultTerminal;
use std::io;

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

    fn draw(&mut self, app: &App) -> io::Result<()> {
        self.terminal
            .draw(|f| f.render_widget(app, f.area()))
            .map(drop)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// Source events taken at most between two draws.
const SOURCE_BATCH: usize = 10_000;

/// Runs the app in the terminal until the user quits (its live sources
/// already attached to its channel).
pub async fn run(mut app: App) -> io::Result<()> {
    // The terminal first: without one (stdin not a terminal, no
    // controlling tty) this fails with a clear error, before the key
    // reader starts (which would panic in crossterm instead).
    let mut guard = Guard::new().map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("no terminal to draw on ({e}); --print or --json run without one"),
        )
    })?;
    app.events.start_terminal()?;
    if let Ok(size) = guard.terminal.size() {
        app.on_resize(size.width, size.height);
    }
    let mut dirty = true;
    tracing::info!("tui started");
    loop {
        if dirty {
            guard.draw(&app)?;
        }
        if app.should_quit() {
            break;
        }
        app.events.set_ticking(app.wants_ticks());
        dirty = match app.events.next().await {
            Event::Tick(dt) => app.on_tick(dt),
            Event::Key(k) => app.on_key(k),
            Event::Resize(w, h) => {
                app.on_resize(w, h);
                true
            }
            Event::Source {
                route,
                event,
                payload,
                ..
            } => {
                app.on_feed(route, event, payload);
                // What a busy source (a live capture) sent meanwhile, before
                // one draw; a key stops the batch.
                for _ in 0..SOURCE_BATCH {
                    let Some(Event::Source {
                        route,
                        event,
                        payload,
                        ..
                    }) = app.events.waiting_source()
                    else {
                        break;
                    };
                    app.on_feed(route, event, payload);
                }
                true
            }
            Event::App(AppEvent::Restart) => {
                // Say so, then swap the labs: the old feeds end with their
                // labs and the new ones take over.
                guard.draw(&app)?;
                if let Ok(feeds) = app.restart().await {
                    app.events.attach(feeds);
                }
                true
            }
            Event::Quit => break,
            Event::Error(e) => return Err(e),
        };
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
