//! The app: all the state behind the screens, and how keys, ticks and
//! sources change it — the room of the TUI that *does* things (the other,
//! [`crate::tui::widgets`], only draws).
//!
//! One owner, no locks: the loop in `terminal` owns the [`App`], hands it
//! each event — keys, ticks, source events — and draws `&App` after each
//! change. What needs `await` (the labs restarting) the app asks for by
//! sending itself an [`AppEvent`] on the same channel. The screen is drawn
//! from it (`view`), never changing it.
//!
//! An app has one or more [`Pane`]s side by side — one per trace being
//! shown. In compare mode there are two (active and passive); `→` and `←`
//! move them by the rules of `lockstep`, and playing is pressing `→` on
//! every beat, pausing at the teaching moments (`autopause`). When the
//! lesson is over, one more `→` (or `End`) shows its summary: which screen
//! is up is one value, [`Showing`].
//!
//! The rooms of the app, each knowing only those above it in this list:
//!
//! - `kept` (the data bytes kept for `w`), `source` (what a live pane can
//!   ask of its lab), `overlay`, `autopause`, `course` (a lesson's scenes
//!   and runs), `quiz` (the questions on screen);
//! - `pane` (one trace on screen: a player and, when live, a source);
//!   `picker` (the session list's state); `event` (the one channel and
//!   its feeds);
//! - `lockstep` (how `→` and `←` move the panes), `prompt` (the words about
//!   the keys), `told` (what a pane says), `labs` (the lab side's labs as
//!   panes and feeds), `save` (`w`: the panes as a pcapng capture);
//! - this module: [`App`], its keys and its sources; `stepping` (→, ←,
//!   End, playing) and `classroom` (the course's and the quiz's keys) are
//!   the rest of its `impl`;
//! - `bars` (what the title and key bars say) and `view` (the screen drawn
//!   from `&App`), then `terminal` (the loop, and the terminal's setup and
//!   restore).

mod autopause;
mod bars;
mod classroom;
pub mod course;
pub mod event;
mod kept;
pub mod labs;
pub mod lockstep;
pub mod overlay;
pub mod pane;
pub mod picker;
mod prompt;
mod quiz;
pub mod save;
pub mod source;
mod stepping;
pub mod terminal;
pub mod told;
pub mod view;

use self::autopause::{AutoPause, Pause};
use self::course::Course;
use self::event::{AppEvent, Events, Feed, Route};
use self::overlay::Overlay;
use self::pane::ends_session;
pub use self::pane::Pane;
use self::picker::Picker;
use self::quiz::Quiz;
use self::save::Saves;
use crate::lab::rig::{Change, Rig};
use crate::lab::LabError;
use crate::player::Player;
use crate::trace::Event;
use crate::tui::widgets::style::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// What has the keyboard: all panes side by side, or one full width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    All,
    One(usize),
}

/// Which screen is up: the session list, or the panes; either way where
/// the panes are (under the list they wait where they were).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Showing {
    /// The session list, in place of the panes.
    Sessions(Stage),
    /// The panes side by side (or one, full width or in the presenter's
    /// view).
    Panes(Stage),
}

/// Where the panes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Stepping through the trace.
    Stepping,
    /// `End` was pressed: the summary comes once every source has ended.
    Ending,
    /// The lesson is over: each pane shows its summary.
    Finale,
}

impl Showing {
    /// The same screen, its panes at `stage`.
    pub fn at(self, stage: Stage) -> Showing {
        match self {
            Showing::Sessions(_) => Showing::Sessions(stage),
            Showing::Panes(_) => Showing::Panes(stage),
        }
    }
}

impl Stage {
    /// Out of the summary (back to stepping); an `End` still waiting keeps
    /// waiting.
    pub fn left_finale(self) -> Stage {
        match self {
            Stage::Finale => Stage::Stepping,
            s => s,
        }
    }
}

/// Everything the screens show. Its fields are the app room's; those
/// `pub` are read and set by the entry points (and the tests) outside it.
pub struct App {
    /// What is being shown: "lab · compare", "replay capture.pcap"…
    heading: String,
    pub panes: Vec<Pane>,
    pub focus: Focus,
    /// What is drawn over the panes: the keys, the legend, the reader.
    pub overlay: Option<Overlay>,
    /// The session list of a trace with several sessions.
    pub picker: Option<Picker>,
    /// Which screen is up.
    showing: Showing,
    /// A live session list (`serve`): the session followed in the pane, and
    /// when it began (its events are renumbered as session 1 from t = 0).
    following: Option<(u32, f64)>,
    pub theme: Theme,
    /// The labs behind the panes, when live; `f`, `n`, `x` change it.
    pub rig: Option<Rig>,
    /// A line for the title bar: the lab restarting, or why it failed.
    pub status: Option<String>,
    /// A word about the last key's effect, until the next key.
    pub note: Option<String>,
    /// A change to the rig waiting for its key again (it throws the run
    /// away).
    confirm: Option<Change>,
    /// Playing pauses at teaching moments.
    auto_pause: AutoPause,
    /// Why playing paused by itself, until it plays again.
    pub paused_at: Option<Pause>,
    /// The terminal's size (columns, rows), for scrolling the reader.
    size: (u16, u16),
    /// The one channel the loop reads: the app's own requests go there too.
    pub events: Events,
    /// A guided lesson, scene by scene (`ftpviz lesson`, or `c`).
    pub course: Option<Course>,
    /// Predict, then reveal (`--quiz`, or `g`).
    pub quiz: Quiz,
    /// The projector's view: one step, big (`--presenter`, or `v`).
    pub presenter: bool,
    /// The pane that moved last: the one the presenter view shows.
    spotlight: usize,
    /// Where `w` saves what ran (see [`self::save`]).
    pub saves: Saves,
    /// `q` in a lesson or with the quiz on asks first: `y` (or `q` again)
    /// quits, any other key stays.
    quitting: bool,
    quit: bool,
}

impl App {
    pub fn new(heading: impl Into<String>, panes: Vec<Pane>) -> App {
        App {
            heading: heading.into(),
            panes,
            focus: Focus::All,
            overlay: None,
            picker: None,
            showing: Showing::Panes(Stage::Stepping),
            following: None,
            theme: Theme::from_env(),
            rig: None,
            status: None,
            note: None,
            confirm: None,
            auto_pause: AutoPause::default(),
            paused_at: None,
            size: (80, 24),
            events: Events::new(),
            course: None,
            quiz: Quiz::default(),
            presenter: false,
            spotlight: 0,
            saves: Saves::default(),
            quitting: false,
            quit: false,
        }
    }

    /// An app over live labs whose middlebox the keys can change.
    pub fn with_rig(mut self, rig: Rig) -> App {
        self.rig = Some(rig);
        self
    }

    /// An app that opens on a session list (a capture with several).
    pub fn with_picker(heading: impl Into<String>, picker: Picker) -> App {
        let mut app = App::new(heading, Vec::new());
        app.picker = Some(picker);
        app.showing = Showing::Sessions(Stage::Stepping);
        app
    }

    /// An app over a live stream of sessions (`serve`): the list fills as
    /// clients connect; Enter follows one live.
    pub fn with_live_sessions(heading: impl Into<String>, picker: Picker) -> App {
        App::with_picker(heading, picker)
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// Which screen is up.
    pub fn showing(&self) -> Showing {
        self.showing
    }

    /// Where the panes are: stepping, ending, or over.
    pub fn stage(&self) -> Stage {
        match self.showing {
            Showing::Sessions(s) | Showing::Panes(s) => s,
        }
    }

    /// True while the lesson's summary is up (under the session list too).
    pub fn finale(&self) -> bool {
        self.stage() == Stage::Finale
    }

    /// True while the session list is shown instead of the panes.
    pub fn picking(&self) -> bool {
        matches!(self.showing, Showing::Sessions(_))
    }

    /// The panes on screen: the one Tab picked, or all; in the presenter
    /// view one only (picked, else the one that moved last).
    pub fn visible_panes(&self) -> Vec<&Pane> {
        let one = match self.focus {
            Focus::One(i) if i < self.panes.len() => Some(i),
            _ if self.presenter => Some(self.spotlight.min(self.panes.len().saturating_sub(1))),
            _ => None,
        };
        match one {
            Some(i) => self.panes.iter().skip(i).take(1).collect(),
            None => self.panes.iter().collect(),
        }
    }

    /// True while the screen moves on its own (ticks are needed).
    pub fn wants_ticks(&self) -> bool {
        self.panes
            .iter()
            .any(|p| p.player.is_playing() || p.player.is_animating())
    }

    /// True while playing.
    pub fn is_playing(&self) -> bool {
        self.panes.iter().any(|p| p.player.is_playing())
    }

    /// True when every pane has shown all its source will ever give.
    pub fn is_over(&self) -> bool {
        !self.panes.is_empty() && self.panes.iter().all(Pane::is_over)
    }

    /// The terminal changed size.
    pub fn on_resize(&mut self, columns: u16, rows: u16) {
        self.size = (columns, rows);
    }

    /// A key press. Returns true when anything may have changed.
    pub fn on_key(&mut self, key: KeyEvent) -> bool {
        let changed = self.key(key);
        self.hold_for_quiz();
        changed
    }

    fn key(&mut self, key: KeyEvent) -> bool {
        if key.kind == KeyEventKind::Release {
            return false;
        }
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            return true;
        }
        self.note = None;
        if std::mem::take(&mut self.quitting) {
            self.quit = matches!(key.code, KeyCode::Char('y' | 'Y' | 'q'));
            return true;
        }
        if !self.fits() {
            // Nothing of the run can be seen: keys that would change it do
            // nothing (quitting still works, asking as usual).
            if key.code == KeyCode::Char('q') {
                self.ask_quit();
                return true;
            }
            return false;
        }
        if let Some(o) = self.overlay {
            let rows = crate::tui::widgets::reader::max_scroll(&self.told_on_screen(), self.size);
            match o.on_key(key.code, rows) {
                overlay::Outcome::Show(next) => self.overlay = Some(next),
                overlay::Outcome::Close => self.overlay = None,
                overlay::Outcome::Quit => {
                    self.overlay = None;
                    self.ask_quit();
                }
            }
            return true;
        }
        if let Some(change) = self.confirm.take() {
            // The second press does it; any other key keeps the run.
            if key.code == KeyCode::Char(prompt::key(change)) {
                self.change_rig(change);
            }
            return true;
        }
        if self.picking() && self.picker.is_some() {
            self.on_picker_key(key.code);
            return true;
        }
        if let Some(changed) = self.on_classroom_key(key.code) {
            return changed;
        }
        match key.code {
            KeyCode::Char('q') => self.ask_quit(),
            // Esc closes what is open (see above); with nothing open it
            // only says how to leave.
            KeyCode::Esc => self.note = Some("nothing to close: q quits".to_string()),
            KeyCode::Char('?') => self.overlay = Some(Overlay::Keys),
            KeyCode::Char('l') => self.overlay = Some(Overlay::Legend),
            KeyCode::Char('m') => self.overlay = Some(Overlay::Reader { scroll: 0 }),
            KeyCode::Char(' ') => self.toggle_play(),
            KeyCode::Char('a') => {
                self.auto_pause.on = !self.auto_pause.on;
                self.note = Some(
                    if self.auto_pause.on {
                        "auto-pause on: playing stops at each teaching moment"
                    } else {
                        "auto-pause off: playing runs through"
                    }
                    .to_string(),
                );
            }
            KeyCode::Right => self.forward(),
            KeyCode::Left => self.back(),
            KeyCode::Char('+') | KeyCode::Char('=') => self.each(Player::faster),
            KeyCode::Char('-') | KeyCode::Char('_') => self.each(Player::slower),
            KeyCode::Home => {
                self.showing = self.showing.at(Stage::Stepping);
                self.each(Player::home);
                self.restart_quiz();
            }
            KeyCode::End => self.end(),
            KeyCode::Tab | KeyCode::BackTab => self.next_focus(),
            KeyCode::Char('s') => {
                if self.picker.is_some() {
                    self.showing = Showing::Sessions(self.stage());
                }
            }
            KeyCode::Char('f') => return self.ask_rig(Change::Firewall),
            KeyCode::Char('n') => return self.ask_rig(Change::Nat),
            KeyCode::Char('x') => return self.ask_rig(Change::Extended),
            KeyCode::Char('w') => self.save_capture(),
            _ => return false,
        }
        true
    }

    fn on_picker_key(&mut self, code: KeyCode) {
        let Some(picker) = self.picker.as_mut() else {
            return;
        };
        match code {
            KeyCode::Char('q') => self.ask_quit(),
            KeyCode::Esc if !self.panes.is_empty() => {
                self.showing = Showing::Panes(self.stage());
            }
            KeyCode::Esc => self.note = Some("nothing to close: q quits".to_string()),
            KeyCode::Char('?') => self.overlay = Some(Overlay::Keys),
            KeyCode::Char('l') => self.overlay = Some(Overlay::Legend),
            KeyCode::Char('w') => self.save_capture(),
            KeyCode::Enter if !picker.summaries.is_empty() => {
                let (n, trace) = picker.chosen();
                let title = format!("session {n}");
                let pane = if picker.feeding {
                    self.following = Some((n, picker.start_of(n)));
                    Pane::following(title, trace)
                } else {
                    Pane::fixed(title, trace)
                };
                self.panes = vec![pane];
                self.focus = Focus::All;
                self.showing = Showing::Panes(self.stage().left_finale());
            }
            code => picker.on_key(code),
        }
    }

    /// True when the terminal is large enough for the screens (else only
    /// "terminal too small" is drawn).
    pub fn fits(&self) -> bool {
        let (w, h) = self.size;
        crate::tui::widgets::layout::fits(ratatui::layout::Rect::new(0, 0, w, h))
    }

    /// `q`: quits at once, except in a lesson or with the quiz on, where a
    /// stray key would lose the class's place: then the key bar asks.
    fn ask_quit(&mut self) {
        if self.course.is_some() || self.quiz.on {
            self.quitting = true;
        } else {
            self.quit = true;
        }
    }

    /// `f`, `n`, `x`: a change to the rig. Once the run has begun it would
    /// be thrown away, so the key bar asks first (see
    /// [`self::prompt::confirm`]); before that it happens at once.
    fn ask_rig(&mut self, change: Change) -> bool {
        if self.rig.is_none() {
            return false;
        }
        let begun = self.panes.iter().any(|p| !p.player.trace().is_empty());
        if begun {
            self.confirm = Some(change);
        } else {
            self.change_rig(change);
        }
        true
    }

    /// Changes the rig and asks the loop for a restart.
    fn change_rig(&mut self, change: Change) {
        let Some(rig) = self.rig.as_mut() else {
            return;
        };
        rig.apply(change);
        self.events.send(AppEvent::Restart);
        self.status = Some("restarting the lab…".to_string());
        self.showing = self.showing.at(Stage::Stepping);
        self.paused_at = None;
    }

    pub(super) fn each(&mut self, f: fn(&mut Player)) {
        for p in &mut self.panes {
            f(&mut p.player);
        }
    }

    fn next_focus(&mut self) {
        let n = self.panes.len();
        self.focus = match self.focus {
            _ if n < 2 => Focus::All,
            Focus::All => Focus::One(0),
            Focus::One(i) if i + 1 < n => Focus::One(i + 1),
            Focus::One(_) => Focus::All,
        };
    }

    /// A live source's event with its data bytes (as far as its feed kept
    /// them): the bytes are kept beside the trace for `w`, and the event is
    /// shown as [`App::on_source`] shows it.
    pub fn on_feed(&mut self, route: Route, event: Option<Event>, payload: Option<Vec<u8>>) {
        if let Some(e) = &event {
            let trace_and_kept = match route {
                Route::Pane(i) => self
                    .panes
                    .get_mut(i)
                    .map(|p| (p.player.trace().len(), &mut p.kept)),
                Route::Sessions => self.picker.as_mut().map(|p| (p.trace().len(), &mut p.kept)),
            };
            if let Some((at, kept)) = trace_and_kept {
                kept.keep(at, e, payload);
            }
        }
        self.on_source(route, event);
    }

    /// `w`: saves what ran so far as a capture in [`App::saves`]' folder,
    /// and says in the title bar where it went, or why it could not.
    pub fn save_capture(&mut self) {
        let configs = self.rig.as_ref().map(|r| r.configs.as_slice());
        let run = save::gather(&self.panes, self.picker.as_ref(), configs);
        self.note = Some(save::save(run, &mut self.saves));
    }

    /// An event of a live source, routed to a pane or to the session list.
    pub fn on_source(&mut self, route: Route, event: Option<Event>) {
        match route {
            Route::Pane(i) => self.on_source_event(i, event),
            Route::Sessions => self.on_session_event(event),
        }
    }

    /// Replaces the labs with new ones from the rig (after `f`, `n` or `x`
    /// sent [`AppEvent::Restart`]); returns their feeds for the loop to
    /// listen to. On failure the app has no panes and says why in its
    /// status line; the next key that changes the rig tries again.
    pub async fn restart(&mut self) -> Result<Vec<Feed>, LabError> {
        let Some(mut rig) = self.rig.take() else {
            return Ok(Vec::new());
        };
        let old = std::mem::take(&mut self.panes);
        self.quiz.forget_panes();
        self.spotlight = 0;
        let started = self::labs::restart(&mut rig, old).await;
        self.rig = Some(rig);
        match started {
            Ok((panes, feeds)) => {
                if matches!(self.focus, Focus::One(i) if i >= panes.len()) {
                    self.focus = Focus::All;
                }
                self.panes = panes;
                self.mark_runs();
                self.status = None;
                Ok(feeds)
            }
            Err(e) => {
                self.status = Some(format!("the lab did not start: {e}"));
                Err(e)
            }
        }
    }

    /// An event of a live session stream (`serve`); `None` when it ended.
    pub fn on_session_event(&mut self, event: Option<Event>) {
        let Some(e) = event else {
            if let Some(p) = self.picker.as_mut() {
                p.feeding = false;
            }
            for p in &mut self.panes {
                p.player.source_ended();
            }
            self.check_over();
            return;
        };
        if let Some((n, t0)) = self.following {
            if e.session == n {
                let mut mine = e.clone();
                mine.session = 1;
                mine.t -= t0;
                let last = ends_session(&mine);
                self.on_source_event(0, Some(mine));
                if last {
                    // The client's session is over: nothing more will come.
                    self.on_source_event(0, None);
                }
            }
        }
        if let Some(p) = self.picker.as_mut() {
            p.push(e);
        }
    }

    /// An event from pane `pane`'s live source; `None` when the source ended.
    pub fn on_source_event(&mut self, pane: usize, event: Option<Event>) {
        let before = self.positions();
        if let Some(p) = self.panes.get_mut(pane) {
            match event {
                Some(e) => p.player.push(e),
                None => p.player.source_ended(),
            }
        }
        // An awaited event was revealed: the same hook as a step.
        self.after_step(&before);
        self.check_over();
        if self.finale() {
            self.note = None;
        }
    }
}
