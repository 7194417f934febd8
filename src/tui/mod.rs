//! The terminal user interface: the screens that make "who dials whom"
//! visible, and the keys that walk through a trace.
//!
//! ```text
//!  source ──events──► App ──&App──► view (sequence, hosts, narration, help)
//!  (lab / trace)       ▲  │
//!                keys, ticks  └─ Player::step_forward at the live edge ─► Source::step
//! ```
//!
//! - [`app`]: the one owner of state: panes (a [`Player`](crate::player::Player)
//!   each, and a [`source::Source`] when live), focus, help, the session picker.
//! - [`lockstep`]: how → and ← move two panes side by side so that their
//!   commands line up.
//! - [`view`]: the whole screen as a pure function of `&App`, built from
//!   [`sequence`] (the diagram), [`hosts`] (the boxes and their ports),
//!   [`crate::narration`] (plain words and arithmetic), [`help`], [`picker`];
//!   [`layout`] places them, [`style`] draws them in colour or without.
//! - [`rig`]: the live labs behind the panes, and the middlebox the keys
//!   `f`, `n`, `x` change (restarting the labs).
//! - [`terminal`]: the event loop and the terminal's setup and restore.
//! - [`fixture`]: hand-made traces for tests, snapshots and the benchmark.
//!
//! The entry points below are what `main.rs` calls.

pub mod app;
pub mod fixture;
pub mod help;
pub mod hosts;
pub mod layout;
pub mod lockstep;
pub mod picker;
pub mod presenter;
pub mod rig;
pub mod sequence;
pub mod source;
pub mod style;
pub mod terminal;
pub mod view;

use crate::lab::{ports, LabConfig, LabError, Mode};
use crate::trace::Trace;
use app::{App, Pane};
use picker::Picker;
use rig::Rig;
use style::Theme;
use terminal::{Feed, Route};

/// Why the TUI could not run.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error("terminal")]
    Terminal(#[from] std::io::Error),
    #[error("the lab did not start")]
    Lab(#[from] LabError),
}

/// A pane's title for a lab mode: the mode and who dials.
pub fn mode_title(config: &LabConfig) -> String {
    match (config.mode, config.extended) {
        (Mode::Active, false) => "ACTIVE · PORT: server dials".to_string(),
        (Mode::Active, true) => "ACTIVE · EPRT: server dials".to_string(),
        (Mode::Passive, false) => "PASSIVE · PASV: client dials".to_string(),
        (Mode::Passive, true) => "PASSIVE · EPSV: client dials".to_string(),
    }
}

/// Starts one live lab per configuration (side by side, stepping together)
/// and shows them until the user quits. A pane whose server is not on the
/// port asked for (taken), or on a port a student may not expect (the
/// second server's), says why before the first step.
pub async fn lab(heading: &str, configs: Vec<LabConfig>, theme: Theme) -> Result<(), TuiError> {
    let wanted = configs.clone();
    let mut rig = Rig::new(configs);
    let (mut panes, feeds) = rig.start().await?;
    for (i, pane) in panes.iter_mut().enumerate() {
        pane.note = ports::note(&wanted, &rig.configs, i);
    }
    let log = terminal::log_to_file();
    tracing::info!(?log, "lab tui: {heading}");
    let mut app = App::new(heading, panes).with_rig(rig);
    app.theme = theme;
    terminal::run(app, feeds).await?;
    Ok(())
}

/// Shows `serve`'s sessions live: a list that fills as clients connect,
/// and the one picked followed as it happens. Stops the server on quit.
pub async fn serve(serving: crate::serve::Serving, theme: Theme) -> Result<(), TuiError> {
    terminal::log_to_file();
    let addr = serving.local;
    let hint = format!(
        "Waiting for a client. Point any FTP client at ftp://{addr}/ — for example \
         `curl ftp://{addr}/` (passive) or `curl -P - ftp://{addr}/` (active), `lftp {addr}`, \
         or `tnftp` — and its session appears here. Enter follows it live."
    );
    let mut app = App::with_live_sessions(format!("serve {addr}"), Picker::live(hint));
    app.theme = theme;
    let (stop, events) = split_serving(serving);
    let feeds = vec![Feed {
        route: Route::Sessions,
        events,
    }];
    let result = terminal::run(app, feeds).await;
    stop.stop();
    result?;
    Ok(())
}

/// Takes `serve`'s event channel out, keeping the handle that stops it.
fn split_serving(
    mut serving: crate::serve::Serving,
) -> (
    crate::serve::Serving,
    tokio::sync::mpsc::UnboundedReceiver<crate::trace::Event>,
) {
    let (_, closed) = tokio::sync::mpsc::unbounded_channel();
    let events = std::mem::replace(&mut serving.events, closed);
    (serving, events)
}

/// Shows a finished trace; a session picker first when it holds several.
pub async fn trace(heading: &str, trace: Trace, theme: Theme) -> Result<(), TuiError> {
    terminal::log_to_file();
    let mut app = app_for_trace(heading, trace);
    app.theme = theme;
    terminal::run(app, Vec::new()).await?;
    Ok(())
}

/// The app for a finished trace: one pane, or the picker over several
/// sessions.
pub fn app_for_trace(heading: &str, trace: Trace) -> App {
    if trace.sessions().len() > 1 {
        App::with_picker(heading, Picker::new(trace))
    } else {
        App::new(heading, vec![Pane::fixed("trace", trace)])
    }
}
