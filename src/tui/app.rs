//! The app: all the state behind the screens, and how keys change it.
//!
//! One owner, no locks: the loop in [`super::terminal`] owns the [`App`],
//! hands it each [`Event`](super::event::Event) — keys, ticks, source
//! events — and draws `&App` after each change. What needs `await` (the
//! labs restarting) the app asks for by sending itself an [`AppEvent`] on
//! the same channel. The screens are pure functions of it (see
//! [`super::view`]).
//!
//! An app has one or more [`Pane`]s side by side — one per trace being
//! shown. In compare mode there are two (active and passive) and every key
//! moves both; → and ← step them by action ([`super::lockstep`]), so the
//! commands line up and the one difference between the modes stands out.

use super::event::{AppEvent, Events, Feed, Route};
use super::lockstep;
pub use super::pane::Pane;
use super::picker::Picker;
use super::rig::Rig;
use super::style::Theme;
use crate::lab::LabError;
use crate::player::Player;
use crate::trace::Event;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::time::Duration;

/// What has the keyboard: all panes side by side, or one full width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    All,
    One(usize),
}

/// Everything the screens show.
pub struct App {
    /// What is being shown: "lab · compare", "replay capture.pcap"…
    pub heading: String,
    pub panes: Vec<Pane>,
    pub focus: Focus,
    pub help: bool,
    /// The session list of a trace with several sessions.
    pub picker: Option<Picker>,
    /// True while the session list is shown instead of the panes.
    pub picking: bool,
    /// A live session list (`serve`): the session followed in the pane, and
    /// when it began (its events are renumbered as session 1 from t = 0).
    following: Option<(u32, f64)>,
    /// The session list is fed live.
    live_sessions: bool,
    pub theme: Theme,
    /// The labs behind the panes, when live; `f`, `n`, `x` change it.
    pub rig: Option<Rig>,
    /// A line for the title bar: the lab restarting, or why it failed.
    pub status: Option<String>,
    /// The one channel the loop reads: the app's own requests go there too.
    pub events: Events,
    quit: bool,
}

impl App {
    pub fn new(heading: impl Into<String>, panes: Vec<Pane>) -> App {
        App {
            heading: heading.into(),
            panes,
            focus: Focus::All,
            help: false,
            picker: None,
            picking: false,
            following: None,
            live_sessions: false,
            theme: Theme::from_env(),
            rig: None,
            status: None,
            events: Events::new(),
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
        app.picking = true;
        app
    }

    /// An app over a live stream of sessions (`serve`): the list fills as
    /// clients connect; Enter follows one live.
    pub fn with_live_sessions(heading: impl Into<String>, picker: Picker) -> App {
        let mut app = App::with_picker(heading, picker);
        app.live_sessions = true;
        app
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// The panes on screen.
    pub fn visible_panes(&self) -> Vec<&Pane> {
        match self.focus {
            Focus::One(i) if i < self.panes.len() => self.panes.iter().skip(i).take(1).collect(),
            _ => self.panes.iter().collect(),
        }
    }

    /// True while the screen moves on its own (ticks are needed).
    pub fn wants_ticks(&self) -> bool {
        self.panes
            .iter()
            .any(|p| p.player.is_playing() || p.player.is_animating())
    }

    /// A key press. Returns true when anything may have changed.
    pub fn on_key(&mut self, key: KeyEvent) -> bool {
        if key.kind == KeyEventKind::Release {
            return false;
        }
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            return true;
        }
        if self.help {
            // Any key closes the help; q still quits.
            self.help = false;
            if key.code == KeyCode::Char('q') {
                self.quit = true;
            }
            return true;
        }
        if let Some(picker) = self.picker.as_mut().filter(|_| self.picking) {
            match key.code {
                KeyCode::Char('q') => self.quit = true,
                KeyCode::Esc if !self.panes.is_empty() => self.picking = false,
                KeyCode::Esc => self.quit = true,
                KeyCode::Char('?') => self.help = true,
                KeyCode::Enter if !picker.summaries.is_empty() => {
                    let (n, trace) = picker.chosen();
                    let title = format!("session {n}");
                    let pane = if self.live_sessions {
                        self.following = Some((n, picker.start_of(n)));
                        Pane::following(title, trace)
                    } else {
                        Pane::fixed(title, trace)
                    };
                    self.panes = vec![pane];
                    self.focus = Focus::All;
                    self.picking = false;
                }
                code => picker.on_key(code),
            }
            return true;
        }
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc => self.quit = true,
            KeyCode::Char('?') => self.help = true,
            KeyCode::Char(' ') => self.toggle_play(),
            // Side by side, both panes step by action (see lockstep).
            KeyCode::Right | KeyCode::Char('l') if self.panes.len() > 1 => {
                lockstep::forward(&mut self.panes)
            }
            KeyCode::Left | KeyCode::Char('h') if self.panes.len() > 1 => {
                lockstep::back(&mut self.panes)
            }
            KeyCode::Right | KeyCode::Char('l') => {
                self.panes.iter_mut().for_each(Pane::step_forward)
            }
            KeyCode::Left | KeyCode::Char('h') => self.each(Player::step_back),
            KeyCode::Char('+') | KeyCode::Char('=') => self.each(Player::faster),
            KeyCode::Char('-') | KeyCode::Char('_') => self.each(Player::slower),
            KeyCode::Home => self.each(Player::home),
            KeyCode::End => self.each(Player::end),
            KeyCode::Tab => self.next_focus(),
            KeyCode::BackTab => self.next_focus(),
            KeyCode::Char('s') => self.reopen_picker(),
            KeyCode::Char('f') => return self.change_rig(Rig::cycle_firewall),
            KeyCode::Char('n') => return self.change_rig(Rig::cycle_nat),
            KeyCode::Char('x') => return self.change_rig(Rig::toggle_extended),
            _ => return false,
        }
        true
    }

    /// Changes the rig (if there is one) and asks for a restart.
    fn change_rig(&mut self, change: fn(&mut Rig)) -> bool {
        let Some(rig) = self.rig.as_mut() else {
            return false;
        };
        change(rig);
        self.events.send(AppEvent::Restart);
        self.status = Some("restarting the lab…".to_string());
        true
    }

    fn each(&mut self, f: fn(&mut Player)) {
        for p in &mut self.panes {
            f(&mut p.player);
        }
    }

    fn toggle_play(&mut self) {
        let play = !self.panes.iter().any(|p| p.player.is_playing());
        for p in &mut self.panes {
            p.player.set_playing(play);
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

    fn reopen_picker(&mut self) {
        self.picking = self.picker.is_some();
    }

    /// Time passes (only called while [`App::wants_ticks`]). Panes play in
    /// lock step: while one waits for its live source, none moves on.
    /// Returns true when the screen changed.
    pub fn on_tick(&mut self, dt: Duration) -> bool {
        if self.panes.iter().any(|p| p.player.is_awaiting()) {
            return false;
        }
        let before = self.frame_key();
        if self.panes.len() > 1 {
            // Side by side, playing is pressing → on every beat: the panes
            // move from action to action together (see lockstep).
            let due = self
                .panes
                .iter_mut()
                .fold(false, |due, p| p.player.beat(dt) | due);
            if due {
                lockstep::forward(&mut self.panes);
            }
            let over = |p: &Pane| p.player.at_end() && !p.player.is_live();
            if self.panes.iter().all(over) {
                self.each(|p| p.set_playing(false));
            }
        } else {
            for p in &mut self.panes {
                let r = p.player.tick(dt);
                p.act(r);
            }
        }
        self.frame_key() != before
    }

    /// What decides the picture, as far as time goes.
    fn frame_key(&self) -> Vec<(usize, u32, bool)> {
        self.panes
            .iter()
            .map(|p| {
                let pl = &p.player;
                (pl.shown(), (pl.progress() * 1000.0) as u32, pl.is_playing())
            })
            .collect()
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
        let started = rig.restart(old).await;
        self.rig = Some(rig);
        match started {
            Ok((panes, feeds)) => {
                if matches!(self.focus, Focus::One(i) if i >= panes.len()) {
                    self.focus = Focus::All;
                }
                self.panes = panes;
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
            self.live_sessions = false;
            for p in &mut self.panes {
                p.player.source_ended();
            }
            return;
        };
        if let Some((n, t0)) = self.following {
            if e.session == n {
                let mut mine = e.clone();
                mine.session = 1;
                mine.t -= t0;
                self.on_source_event(0, Some(mine));
            }
        }
        if let Some(p) = self.picker.as_mut() {
            p.push(e);
        }
    }

    /// An event from pane `pane`'s live source; `None` when the source ended.
    pub fn on_source_event(&mut self, pane: usize, event: Option<Event>) {
        if let Some(p) = self.panes.get_mut(pane) {
            match event {
                Some(e) => p.player.push(e),
                None => p.player.source_ended(),
            }
        }
    }
}
