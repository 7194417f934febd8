//! Stepping: what `→`, `←`, `End` and playing do to the app — the panes
//! move by the rules of [`super::lockstep`], every played step passes the
//! [`super::autopause`] hook, and the lesson ends on its summary
//! ([`crate::tui::widgets::finale`]).
//!
//! This is the part of [`App`] that moves through time; the rest (keys,
//! sources, the rig) is in [`super`].

use super::lockstep;
use super::pane::Pane;
use super::{App, Focus, Stage};
use crate::player::Player;
use std::time::Duration;

impl App {
    /// The panes `→` moves: the one shown full width, or all.
    pub(super) fn stepping(&mut self) -> &mut [Pane] {
        match self.focus {
            Focus::One(i) if i < self.panes.len() => std::slice::from_mut(&mut self.panes[i]),
            _ => &mut self.panes,
        }
    }

    pub(super) fn toggle_play(&mut self) {
        let play = !self.is_playing();
        if play && self.finale() {
            // Playing again from the summary starts the lesson over.
            self.showing = self.showing.at(Stage::Stepping);
            self.each(Player::home);
            self.restart_quiz();
        }
        for p in &mut self.panes {
            p.player.set_playing(play);
        }
        self.paused_at = None;
    }

    /// The cursor of every pane.
    pub(super) fn positions(&self) -> Vec<usize> {
        self.panes.iter().map(|p| p.player.shown()).collect()
    }

    /// `→`: the next step (see [`lockstep`]); at the end of the lesson, its
    /// summary.
    pub(super) fn forward(&mut self) {
        if self.finale() || self.classroom_holds() {
            return;
        }
        let before = self.positions();
        let moved = lockstep::forward(self.stepping());
        let over = self.stepping().iter().all(Pane::is_over);
        if !moved && !lockstep::busy(&self.panes) && over && !self.panes.is_empty() {
            self.showing = self.showing.at(Stage::Finale);
            self.each(|p| p.set_playing(false));
        }
        self.after_step(&before);
    }

    /// `←`: back one step; from the summary, back to the last event.
    pub(super) fn back(&mut self) {
        if self.finale() {
            self.showing = self.showing.at(Stage::Stepping);
            return;
        }
        lockstep::back(self.stepping());
    }

    /// `End`: everything. A live lab runs the rest of its lesson (every
    /// event shows as it arrives); the summary follows once it is over.
    pub(super) fn end(&mut self) {
        if self.panes.iter().any(|p| p.player.is_live()) {
            let what = if self.course.is_some() {
                "run"
            } else {
                "lesson"
            };
            self.note = Some(format!("running the {what} to its end…"));
        }
        for p in &mut self.panes {
            p.run_to_end();
            p.player.set_playing(false);
        }
        self.showing = self.showing.at(Stage::Ending);
        self.check_over();
    }

    /// After `End`: the summary, once every source has ended.
    pub(super) fn check_over(&mut self) {
        if self.stage() == Stage::Ending && self.is_over() {
            self.showing = self.showing.at(Stage::Finale);
        }
    }

    /// The hook after every step that revealed events while playing: pause
    /// at a teaching moment.
    pub(super) fn after_step(&mut self, before: &[usize]) {
        self.classroom_after_step(before);
        if !self.is_playing() {
            return;
        }
        let revealed = self
            .panes
            .iter()
            .zip(before)
            .flat_map(|(p, &b)| p.player.visible().get(b..).unwrap_or_default());
        if let Some(pause) = self.auto_pause.stop_at(revealed) {
            self.each(|p| p.set_playing(false));
            self.paused_at = Some(pause);
        }
    }

    /// Time passes (only called while [`App::wants_ticks`]). Playing is
    /// pressing `→` on every beat; while a pane waits for its lab, nothing
    /// moves on. Returns true when the screen changed.
    pub fn on_tick(&mut self, dt: Duration) -> bool {
        if lockstep::busy(&self.panes) {
            return false;
        }
        let before = self.frame_key();
        let due = self
            .panes
            .iter_mut()
            .fold(false, |due, p| p.player.beat(dt) | due);
        if due {
            self.forward();
        }
        self.frame_key() != before
    }

    /// What decides the picture, as far as time goes.
    pub(super) fn frame_key(&self) -> (Vec<(usize, u32, bool)>, bool) {
        let panes = self
            .panes
            .iter()
            .map(|p| {
                let pl = &p.player;
                (pl.shown(), (pl.progress() * 1000.0) as u32, pl.is_playing())
            })
            .collect();
        (panes, self.finale())
    }
}
