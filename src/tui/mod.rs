//! The terminal user interface: the screens that make "who dials whom"
//! visible, and the keys that walk through a trace.
//!
//! ```text
//!  ticks, keys, signals ─┐
//!  live sources ─────────┼─► one channel ─► App ──&App──► view ──plain data──► widgets
//!  the app's own asks ───┘    (event)        │
//!                                            └─ Pane::step_forward at the live edge ─► Source::step
//! ```
//!
//! Two rooms, and one rule a reviewer can check:
//!
//! - [`widgets`]: pure drawing. Each widget draws plain data (events,
//!   words, host states, the theme) — no keys, no sources, no stepping, no
//!   labs, no app. The theme (`style`) and the layout maths (`layout`),
//!   which both rooms use, live here.
//! - [`app`]: state, keys, sources, stepping, saving: the [`App`], its
//!   panes and their sources, the loop (`terminal`), and the view that
//!   turns `&App` into widgets.
//!
//! **The app may use the widgets; the widgets never use the app.** Both
//! fit words into cells with the crate's one [`text`](crate::text) module
//! (measure, wrap, clip, shorten), which the narration uses too. No file
//! imports back up: there is no circle between the files of `tui`.
//!
//! The labs behind a live screen are the lab side's
//! ([`crate::lab::rig`]): the app asks it to start them and shows them.
//!
//! The entry points below are what `main.rs` calls.

pub mod app;
pub mod widgets;

use crate::lab::rig::Rig;
use crate::lab::{ports, LabConfig, LabError};
use crate::trace::Trace;
use app::event::{Feed, Route};
use app::picker::Picker;
use app::{labs, terminal, App, Pane};
use widgets::style::Theme;

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
pub async fn lesson(course: app::course::Course, screen: Screen) -> Result<(), TuiError> {
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
    #[error("screen")]
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
    if let Some(picker) = app.picker.as_mut() {
        picker.log_wire(payloads.as_ref().map(|p| p.wire_log().clone()));
    }
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
