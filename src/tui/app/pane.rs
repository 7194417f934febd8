//! A pane: one trace on screen, with its player and, when live, its source.
//!
//! The compare view has two panes side by side (active and passive); a
//! replay or a single lab has one. A pane knows nothing of the others or of
//! the app: how several panes step together is `lockstep`'s business.

use super::kept::Kept;
use super::source::Source;
use crate::account::Account;
use crate::lab::{Endpoints, LabConfig};
use crate::narration::Ours;
use crate::player::{Player, Request};
use crate::trace::Trace;
use crate::tui::widgets::hosts::MiddleboxLabel;
use std::cell::RefCell;
use std::rc::Rc;

/// Where a pane's events come from: it decides what `→` does there, and
/// so what the screen says it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The lab: `→` at the live edge makes its client act for real.
    Lab,
    /// A saved capture (or a hand-made trace): everything already happened.
    Capture,
    /// A session of `serve`: a real client acts when it likes.
    Serve,
}

/// One trace on screen, with its player and (when live) its source.
pub struct Pane {
    /// What the pane shows, e.g. "ACTIVE · PORT: the server dials".
    pub title: String,
    pub player: Player,
    pub origin: Origin,
    /// The middlebox between the peers: its rule in words.
    pub middlebox: Option<MiddleboxLabel>,
    /// The lab's peers, shown in the host boxes before the first event.
    pub endpoints: Option<Endpoints>,
    /// Words for the empty diagram (e.g. why this server has its port).
    pub note: Option<String>,
    /// One run of a guided lesson: it ends, and the lesson goes on.
    pub run: bool,
    /// The data bytes its live source sent, kept for `w` (none for a
    /// capture: a trace holds counts, not bytes).
    pub kept: Kept,
    /// With the quiz on: the announcement (event index) whose question is
    /// still open. Until its reveal, the pane's title, hosts, narration and
    /// presenter hold back whatever would answer it.
    pub held: Option<usize>,
    source: Option<Box<dyn Source>>,
    /// The account of the trace received so far, kept until more arrives.
    account: RefCell<Option<(usize, bool, Rc<Account>)>>,
}

impl Pane {
    /// A pane over a finished trace.
    pub fn fixed(title: impl Into<String>, trace: Trace) -> Pane {
        Pane {
            title: title.into(),
            player: Player::new(trace),
            origin: Origin::Capture,
            middlebox: None,
            endpoints: None,
            note: None,
            run: false,
            kept: Kept::default(),
            held: None,
            source: None,
            account: RefCell::new(None),
        }
    }

    /// A pane over a live source; its events are pushed into its player.
    pub fn live(title: impl Into<String>, source: Box<dyn Source>) -> Pane {
        Pane {
            player: Player::live(),
            origin: Origin::Lab,
            source: Some(source),
            ..Pane::fixed(title, Trace::new())
        }
    }

    /// A `serve` session: `trace` is what its client did so far. Live
    /// until the session's control connection closes; the pane cannot ask
    /// the client for more, only wait for it.
    pub fn following(title: impl Into<String>, trace: Trace) -> Pane {
        let ended = trace.events.iter().any(ends_session);
        let mut player = Player::live_from(trace);
        if ended {
            player.source_ended();
        }
        Pane {
            player,
            origin: Origin::Serve,
            ..Pane::fixed(title, Trace::new())
        }
    }

    /// The pane's origin, said otherwise (a test's hand-made trace shown as
    /// if the lab had made it).
    pub fn with_origin(mut self, origin: Origin) -> Pane {
        self.origin = origin;
        self
    }

    /// Shows the middlebox a lab configuration puts between the peers.
    pub fn with_middlebox(mut self, config: &LabConfig) -> Pane {
        self.middlebox = MiddleboxLabel::new(config, self.endpoints);
        self
    }

    /// Shows the lab's peers from the start; the middlebox's rule then
    /// names their real and private addresses.
    pub fn with_endpoints(mut self, endpoints: Endpoints) -> Pane {
        self.endpoints = Some(endpoints);
        if let Some(label) = self.middlebox.take() {
            self.middlebox = MiddleboxLabel::new(&label.config, Some(endpoints));
        }
        self
    }

    /// Stops the pane's source (if live), waiting until it has let go.
    pub async fn stop(self) {
        if let Some(s) = self.source {
            s.stop().await;
        }
    }

    /// Does what the player asked for: at the live edge, the source acts.
    pub fn act(&mut self, request: Request) {
        if request == Request::SourceStep {
            if let Some(s) = self.source.as_mut() {
                s.step();
            }
        }
    }

    /// One event forward; at the live edge, the source takes one action.
    pub fn step_forward(&mut self) {
        let r = self.player.step_forward();
        self.act(r);
    }

    /// Shows everything: a live source runs the rest of its lesson and
    /// every event shows as it arrives (`End`).
    pub fn run_to_end(&mut self) {
        if self.player.is_live() {
            if let Some(s) = self.source.as_mut() {
                s.run_free();
            }
        }
        self.player.follow();
    }

    /// The account of everything the pane has received (the whole trace
    /// of a capture; a live run's so far), made once per arrival.
    pub fn account(&self) -> Rc<Account> {
        let len = self.player.trace().len();
        let finished = !self.player.is_live();
        let events = &self.player.trace().events;
        let mut cache = self.account.borrow_mut();
        match cache.as_mut() {
            Some((n, f, a)) if *n == len && *f == finished => Rc::clone(a),
            // More arrived: the account goes on from where it was.
            Some((n, f, a)) if *n < len && !*f && !finished => {
                let account = Rc::make_mut(a);
                for e in &events[*n..] {
                    account.push(e);
                }
                *n = len;
                Rc::clone(a)
            }
            _ => {
                let a = Rc::new(Account::of(events, finished));
                *cache = Some((len, finished, Rc::clone(&a)));
                a
            }
        }
    }

    /// Whose peers the pane shows: what the narration may say of what they
    /// will do next.
    pub fn ours(&self) -> Ours {
        match self.origin {
            Origin::Lab => Ours::LAB,
            Origin::Serve => Ours::SERVE,
            Origin::Capture => Ours::NONE,
        }
    }

    /// True when the pane has shown everything its source will ever give.
    pub fn is_over(&self) -> bool {
        !self.player.is_live() && self.player.at_end()
    }
}

/// True for the event that ends a session: its control connection closing.
pub fn ends_session(e: &crate::trace::Event) -> bool {
    e.conn == 0 && matches!(e.kind, crate::trace::Kind::Close)
}
