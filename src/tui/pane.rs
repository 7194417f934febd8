//! A pane: one trace on screen, with its player and, when live, its source.
//!
//! The compare view has two panes side by side (active and passive); a
//! replay or a single lab has one. A pane knows nothing of the others or of
//! the app: how several panes step together is [`super::lockstep`]'s
//! business.

use super::hosts::MiddleboxLabel;
use super::source::Source;
use crate::lab::{Endpoints, LabConfig};
use crate::player::{Player, Request};
use crate::trace::Trace;

/// One trace on screen, with its player and (when live) its source.
pub struct Pane {
    /// What the pane shows, e.g. "ACTIVE · PORT: the server dials".
    pub title: String,
    pub player: Player,
    /// The middlebox between the peers: its rule in words.
    pub middlebox: Option<MiddleboxLabel>,
    /// The lab's peers, shown in the host boxes before the first event.
    pub endpoints: Option<Endpoints>,
    source: Option<Box<dyn Source>>,
}

impl Pane {
    /// A pane over a finished trace.
    pub fn fixed(title: impl Into<String>, trace: Trace) -> Pane {
        Pane {
            title: title.into(),
            player: Player::new(trace),
            middlebox: None,
            endpoints: None,
            source: None,
        }
    }

    /// A pane over a live source; its events are pushed into its player.
    pub fn live(title: impl Into<String>, source: Box<dyn Source>) -> Pane {
        Pane {
            title: title.into(),
            player: Player::live(),
            middlebox: None,
            endpoints: None,
            source: Some(source),
        }
    }

    /// A pane over a live stream that already produced `trace` and that
    /// the pane cannot ask for more (a `serve` session picked while it runs).
    pub fn following(title: impl Into<String>, trace: Trace) -> Pane {
        Pane {
            player: Player::live_from(trace),
            ..Pane::fixed(title, Trace::new())
        }
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
}
