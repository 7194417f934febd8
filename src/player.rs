//! The player: a cursor over a [`Trace`], like the transport controls of a
//! video player, but for packets.
//!
//! A trace is a list of events; the player decides how many of them the
//! screen shows (`shown`: events `0..shown` have "happened", the last of them
//! is the *current* one). Stepping forward reveals one more event, stepping
//! back hides one. Playing steps forward on its own, `speed` steps a second.
//!
//! Two things make it more than an index:
//!
//! - **The live edge.** A live source (the lab) has not happened yet. When
//!   the cursor stands on the last event received and the source can still
//!   produce more, stepping forward cannot reveal anything: instead the player
//!   answers [`Request::SourceStep`], "ask the source for its next action" —
//!   in the lab, the client really sends its next command. The player then
//!   waits (`awaiting`) and reveals the first event that arrives. It never
//!   asks twice for one step, and stepping back never asks at all: going back
//!   only moves the cursor over what already happened.
//! - **Following.** `End` on a live source lets it run to its end: the
//!   player then reveals every event as it arrives ([`Player::follow`]).
//! - **No clock of its own.** Time comes in through [`Player::tick`] with the
//!   time elapsed since the last tick. The app loop feeds it from a real
//!   interval; tests feed it whatever they like. That is what makes the
//!   player pure state, tested without a terminal or a runtime.
//!
//! While playing, [`Player::progress`] says how far the current step's
//! animation has gone (0.0 to 1.0): the screen uses it to draw the arrow in
//! flight.

use crate::trace::{Event, Trace};
use std::time::Duration;

/// Playing speeds, in steps per second; `+` and `-` move along this list.
pub const SPEEDS: [f64; 7] = [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0];

/// The speed a new player starts at (an index into [`SPEEDS`]).
const DEFAULT_SPEED: usize = 2;

/// The longest an arrow takes to cross the screen while playing.
const MAX_FLIGHT: Duration = Duration::from_millis(600);

/// What the player needs from the outside after an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// Nothing: the player handled it alone.
    None,
    /// The cursor is at the live edge: let the source take one more action.
    SourceStep,
}

/// The cursor and transport state over one trace.
#[derive(Debug, Clone)]
pub struct Player {
    trace: Trace,
    shown: usize,
    playing: bool,
    speed: usize,
    /// Time since the last step (drives both pacing and the animation).
    since_step: Duration,
    /// The source may still produce events.
    live: bool,
    /// The player reveals the next event that arrives.
    awaiting: bool,
    /// The source was asked for an action and nothing has arrived since:
    /// asking again would make it act twice.
    asked: bool,
    /// Reveal every event as it arrives (the source runs to its end).
    following: bool,
}

/// What one step forward did.
enum Forward {
    Revealed,
    Asked,
    Stuck,
}

impl Player {
    /// A player over a finished trace (a replay, a test fixture), with
    /// nothing shown yet.
    pub fn new(trace: Trace) -> Player {
        Player {
            trace,
            shown: 0,
            playing: false,
            speed: DEFAULT_SPEED,
            since_step: Duration::ZERO,
            live: false,
            awaiting: false,
            asked: false,
            following: false,
        }
    }

    /// A player over a live source whose events will arrive through
    /// [`Player::push`].
    pub fn live() -> Player {
        Player {
            live: true,
            ..Player::new(Trace::new())
        }
    }

    /// A player over a live source that already produced `trace` (a
    /// `serve` session picked while it runs).
    pub fn live_from(trace: Trace) -> Player {
        Player {
            live: true,
            ..Player::new(trace)
        }
    }

    /// The whole trace received so far, shown or not.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// The events that have "happened" at the cursor.
    pub fn visible(&self) -> &[Event] {
        self.trace.events.get(..self.shown).unwrap_or(&[])
    }

    /// How many events are shown (the cursor).
    pub fn shown(&self) -> usize {
        self.shown
    }

    /// The current event: the last one shown.
    pub fn current(&self) -> Option<&Event> {
        self.shown
            .checked_sub(1)
            .and_then(|i| self.trace.events.get(i))
    }

    pub fn is_playing(&self) -> bool {
        self.playing
    }

    pub fn is_live(&self) -> bool {
        self.live
    }

    /// True while waiting for the next event to arrive.
    pub fn is_awaiting(&self) -> bool {
        self.awaiting
    }

    /// True when the source was asked to act and nothing has arrived since.
    pub fn has_asked(&self) -> bool {
        self.asked
    }

    /// True when the cursor is on the last event received.
    pub fn at_end(&self) -> bool {
        self.shown >= self.trace.len()
    }

    /// Steps per second while playing.
    pub fn speed(&self) -> f64 {
        SPEEDS.get(self.speed).copied().unwrap_or(1.0)
    }

    fn interval(&self) -> Duration {
        Duration::from_secs_f64(1.0 / self.speed())
    }

    /// How far the current step's arrow has flown, 0.0 to 1.0. Always 1.0
    /// when paused: a paused screen shows everything whole.
    pub fn progress(&self) -> f32 {
        if !self.playing || self.awaiting {
            return 1.0;
        }
        let flight = self.interval().min(MAX_FLIGHT).as_secs_f32();
        (self.since_step.as_secs_f32() / flight).min(1.0)
    }

    /// True while something on screen moves (an arrow in flight).
    pub fn is_animating(&self) -> bool {
        self.progress() < 1.0
    }

    /// A new event from the source. Revealed at once when the player was
    /// waiting for it.
    pub fn push(&mut self, event: Event) {
        self.trace.push(event);
        self.asked = false;
        if self.following {
            self.shown = self.trace.len();
        } else if self.awaiting {
            self.awaiting = false;
            self.reveal();
        }
    }

    /// The source has nothing more to give.
    pub fn source_ended(&mut self) {
        self.live = false;
        self.awaiting = false;
        self.asked = false;
        self.following = false;
    }

    /// True while the player reveals every event as it arrives.
    pub fn is_following(&self) -> bool {
        self.following
    }

    /// Shows everything received, and from now on every event as it
    /// arrives, until the source ends (`End` on a live source, which is
    /// told to run free).
    pub fn follow(&mut self) {
        self.end();
        self.following = self.live;
    }

    /// Moves the cursor to `shown` events (clamped). Never asks the source.
    pub fn seek(&mut self, shown: usize) {
        self.shown = shown.min(self.trace.len());
        self.since_step = Duration::ZERO;
        self.awaiting = false;
        self.following = false;
    }

    fn reveal(&mut self) {
        self.shown = (self.shown + 1).min(self.trace.len());
        self.since_step = Duration::ZERO;
    }

    fn forward(&mut self) -> Forward {
        if !self.at_end() {
            self.reveal();
            Forward::Revealed
        } else if self.live && !self.asked {
            self.awaiting = true;
            self.asked = true;
            Forward::Asked
        } else if self.live {
            // Asked already: wait for what that brings, without asking again.
            self.awaiting = true;
            Forward::Stuck
        } else {
            Forward::Stuck
        }
    }

    /// One event forward (`→`). At the live edge, asks the source instead.
    pub fn step_forward(&mut self) -> Request {
        match self.forward() {
            Forward::Asked => Request::SourceStep,
            Forward::Revealed | Forward::Stuck => Request::None,
        }
    }

    /// At the live edge, waits for the next event without asking the
    /// source to act: something already under way (a dial whose outcome is
    /// still to come) will produce it. Reveals it when it arrives.
    pub fn await_next(&mut self) {
        if self.at_end() && self.live {
            self.awaiting = true;
        }
    }

    /// One event back (`←`). Never asks the source for anything.
    pub fn step_back(&mut self) {
        self.seek(self.shown.saturating_sub(1));
    }

    /// Back to before the first event (`Home`).
    pub fn home(&mut self) {
        self.seek(0);
    }

    /// To the last event received. Does not ask the source.
    pub fn end(&mut self) {
        self.seek(self.trace.len());
    }

    /// Space: play or pause.
    pub fn toggle_play(&mut self) {
        self.playing = !self.playing;
        self.since_step = Duration::ZERO;
    }

    /// Plays (`true`) or pauses (`false`).
    pub fn set_playing(&mut self, playing: bool) {
        if self.playing != playing {
            self.toggle_play();
        }
    }

    pub fn faster(&mut self) {
        self.speed = (self.speed + 1).min(SPEEDS.len() - 1);
    }

    pub fn slower(&mut self) {
        self.speed = self.speed.saturating_sub(1);
    }

    /// Time passes for a player that plays in lock step with others (the
    /// compare view): nothing is revealed here; true when a step is due, and
    /// the caller moves every pane to its next stop together.
    pub fn beat(&mut self, dt: Duration) -> bool {
        if !self.playing || self.awaiting {
            return false;
        }
        self.since_step += dt;
        if self.since_step < self.interval() {
            return false;
        }
        self.since_step = Duration::ZERO;
        true
    }

    /// Time passes. While playing, reveals one event every `1 / speed`
    /// seconds (several if the tick was long), asking the source at the live
    /// edge; stops playing at the end of a finished trace.
    pub fn tick(&mut self, dt: Duration) -> Request {
        if !self.playing || self.awaiting {
            return Request::None;
        }
        self.since_step += dt;
        let interval = self.interval();
        while self.since_step >= interval {
            let left = self.since_step - interval;
            match self.forward() {
                Forward::Revealed => self.since_step = left,
                Forward::Asked => return Request::SourceStep,
                Forward::Stuck => {
                    self.since_step = Duration::ZERO;
                    if !self.live {
                        self.playing = false;
                    }
                    break;
                }
            }
        }
        Request::None
    }
}
