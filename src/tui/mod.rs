//! The terminal user interface: the screens that make "who dials whom"
//! visible, and the keys that walk through a trace.
//!
//! ```text
//!  ticks, keys, signals ─┐
//!  live sources ─────────┼─► one channel ─► App ──&App──► view (sequence, hosts, narration…)
//!  the app's own asks ───┘    (event)        │
//!                                            └─ Pane::step_forward at the live edge ─► Source::step
//! ```
//!
//! The layers, each knowing only those below it:
//!
//! ```text
//!  mod (entry points) ─► terminal (the loop) ─► app ─► lockstep, labs ─► pane ─► source, player
//!                                                 └──► event (the channel, feeds)
//! ```
//!
//! - [`app`]: the one owner of state: panes, focus, overlays, the session
//!   picker; keys, ticks and source events change it.
//! - [`event`]: the one channel the loop reads, and the one `select!` that
//!   feeds it (ticks, terminal, signals); live sources forward into it.
//! - [`pane`]: one trace on screen: a [`Player`](crate::player::Player) and,
//!   when live, a [`source::Source`]; its origin (lab, capture, serve).
//! - [`lockstep`]: how → and ← move the panes: every event shown, commands
//!   lined up, a dial alone.
//! - `stepping`: the part of the app that moves through time (→, ←, End,
//!   playing), on top of [`lockstep`].
//! - [`autopause`]: the hook after each played step; pauses at the
//!   [teaching moments](crate::narration::moment).
//! - [`view`]: the whole screen as a pure function of `&App`, built from
//!   [`bars`] (title and keys), [`sequence`] (the diagram), [`hosts`] (the
//!   boxes and their ports), [`narration_view`] (the words, never lost),
//!   [`finale`] (the summary at the end), and the overlays ([`overlay`]):
//!   [`help`], [`legend`], [`reader`]; [`picker`] lists sessions; [`prompt`]
//!   says what the keys do here; [`layout`] places it all, [`style`] draws
//!   it in colour or without.
//! - [`labs`]: the live labs behind the panes (the lab side's
//!   [`Rig`](crate::lab::rig::Rig), whose middlebox the keys `f`, `n`, `x`
//!   change), each a pane and a feed; restarting them.
//! - [`save`]: `w` writes what ran so far as a pcapng capture for
//!   Wireshark, with the data bytes [`kept`] beside each live trace.
//! - [`terminal`]: the loop, and the terminal's setup and restore.
//! - [`text`]: fitting words into cells (wrap, measure, shorten a path).
//! - The classroom on screen: [`course`] (a lesson's scenes and runs),
//!   `classroom` (its keys and the quiz after each step), [`quiz`] (the
//!   questions on screen), [`cards`] (scene cards, questions, reveals),
//!   [`presenter`] (the projector's view).
//!
//! The entry points below are what `main.rs` calls.

pub mod app;
pub mod autopause;
pub mod bars;
pub mod cards;
mod classroom;
pub mod course;
pub mod event;
pub mod finale;
pub mod help;
pub mod hosts;
pub mod kept;
pub mod labs;
pub mod layout;
pub mod legend;
pub mod lockstep;
pub mod narration_view;
pub mod overlay;
pub mod pane;
pub mod picker;
pub mod presenter;
pub mod prompt;
pub mod quiz;
pub mod reader;
pub mod save;
pub mod sequence;
pub mod source;
mod stepping;
pub mod style;
pub mod terminal;
pub mod text;
pub mod view;

use crate::lab::rig::Rig;
use crate::lab::{ports, LabConfig, LabError};
use crate::trace::Trace;
use app::App;
use event::{Feed, Route};
use pane::Pane;
use picker::Picker;
use style::Theme;

/// How the screens start: the colours, the quiz, the presenter view.
#[derive(Debug, Clone, Copy)]
pub struct Screen {
    pub theme: Theme,
    /// Predict, then reveal (`--quiz`).
    pub quiz: bool,
    /// The projector's view (`--presenter`).
    pub presenter: bool,
}

impl Screen {
    /// Plain screens in `theme`.
    pub fn new(theme: Theme) -> Screen {
        Screen {
            theme,
            quiz: false,
            presenter: false,
        }
    }

    /// `app` as these settings start it.
    pub fn dress(self, mut app: App) -> App {
        app.theme = self.theme;
        app.quiz.on = self.quiz;
        app.presenter = self.presenter;
        app
    }
}

/// Starts the guided lesson: the labs of its first run, its first card.
/// `n`/`p` move between runs (each restarts the labs).
pub async fn lesson(course: course::Course, screen: Screen) -> Result<(), TuiError> {
    let mut rig = Rig::new(course.configs());
    let (panes, feeds) = labs::start(&mut rig).await?;
    let log = terminal::log_to_file();
    tracing::info!(?log, "lesson tui");
    let mut app = screen.dress(App::new("lesson", panes).with_rig(rig).with_course(course));
    app.saves.what = Some("lesson");
    app.events.attach(feeds);
    terminal::run(app).await?;
    Ok(())
}

/// Why the TUI could not run.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error("terminal")]
    Terminal(#[from] std::io::Error),
    #[error("the lab did not start")]
    Lab(#[from] LabError),
}

/// Starts one live lab per configuration (side by side, stepping together)
/// and shows them until the user quits. A pane whose server is not on the
/// port asked for (taken), or on a port a student may not expect (the
/// second server's), says why before the first step.
pub async fn lab(heading: &str, configs: Vec<LabConfig>, screen: Screen) -> Result<(), TuiError> {
    let wanted = configs.clone();
    let mut rig = Rig::new(configs);
    let (mut panes, feeds) = labs::start(&mut rig).await?;
    for (i, pane) in panes.iter_mut().enumerate() {
        pane.note = ports::note(&wanted, &rig.configs, i);
    }
    let log = terminal::log_to_file();
    tracing::info!(?log, "lab tui: {heading}");
    let mut app = screen.dress(App::new(heading, panes).with_rig(rig));
    app.events.attach(feeds);
    terminal::run(app).await?;
    Ok(())
}

/// Shows `serve`'s sessions live: a list that fills as clients connect,
/// and the one picked followed as it happens. Stops the server on quit.
/// Started with payloads ([`crate::serve::ServeOptions::payloads`]), `w`
/// saves the sessions with their real bytes.
pub async fn serve(serving: crate::serve::Serving, screen: Screen) -> Result<(), TuiError> {
    terminal::log_to_file();
    let addr = serving.local;
    let hint = format!(
        "Waiting for a client. Point any FTP client at ftp://{addr}/ — for example \
         `curl ftp://{addr}/` (passive) or `curl -P - ftp://{addr}/` (active), `lftp {addr}`, \
         or `tnftp` — and its session appears here. Enter follows it live."
    );
    let mut app = screen.dress(App::with_live_sessions(
        format!("serve {addr}"),
        Picker::live(hint),
    ));
    let (stop, events, payloads) = split_serving(serving);
    app.events.attach(vec![Feed {
        route: Route::Sessions,
        events,
        payloads,
    }]);
    let result = terminal::run(app).await;
    stop.stop();
    result?;
    Ok(())
}

/// Takes `serve`'s event channel (and its data bytes, when started with
/// payloads) out, keeping the handle that stops it.
fn split_serving(
    mut serving: crate::serve::Serving,
) -> (
    crate::serve::Serving,
    tokio::sync::mpsc::UnboundedReceiver<crate::trace::Event>,
    Option<crate::tap::Payloads>,
) {
    let (_, closed) = tokio::sync::mpsc::unbounded_channel();
    let events = std::mem::replace(&mut serving.events, closed);
    let payloads = serving.payloads.take();
    (serving, events, payloads)
}

/// Shows a finished trace; a session picker first when it holds several.
pub async fn trace(heading: &str, trace: Trace, screen: Screen) -> Result<(), TuiError> {
    terminal::log_to_file();
    terminal::run(screen.dress(app_for_trace(heading, trace))).await?;
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
