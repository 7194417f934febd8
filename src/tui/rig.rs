//! The rig: which labs the TUI runs, and what stands between their peers.
//!
//! The question the lab exists to answer is "why does active FTP break
//! behind a firewall?" — and the way to see it is to change the firewall
//! and run the same lesson again. The rig holds the lab configurations of
//! the panes (one, or active and passive side by side) and turns the keys
//! into new ones:
//!
//! - `f` cycles the firewall: none → client → server → stateful → none,
//! - `n` cycles the NAT: none → client → server → none,
//! - `x` toggles the extended commands (EPRT/EPSV instead of PORT/PASV).
//!
//! Every change applies to **all** panes, so the compare view always shows
//! both modes under the same middlebox. A change cannot be made to a lab
//! that is running (its middlebox judged dials already), so the rig
//! **restarts** them: [`Rig::restart`] stops the old labs — each waits for its
//! client's current action and both peers' goodbyes, which frees the
//! control port — and starts new ones on the same ports.
//!
//! The middlebox is a *simulation* on loopback; [`Rig::between`] says so in
//! the title bar.

use super::event::{Feed, Route};
use super::pane::Pane;
use super::source::LiveLab;
use crate::lab::{Lab, LabConfig, LabError, Mode};
use crate::middlebox::{Firewall, Nat};

/// What a key changes in the rig.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// `f`: the next firewall.
    Firewall,
    /// `n`: the next NAT.
    Nat,
    /// `x`: PORT/PASV ↔ EPRT/EPSV.
    Extended,
}

impl Change {
    /// Its key.
    pub fn key(self) -> char {
        match self {
            Change::Firewall => 'f',
            Change::Nat => 'n',
            Change::Extended => 'x',
        }
    }
}

/// The labs of the panes, and the middlebox they share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rig {
    /// One configuration per pane, left to right.
    pub configs: Vec<LabConfig>,
}

impl Rig {
    pub fn new(configs: Vec<LabConfig>) -> Rig {
        Rig { configs }
    }

    /// The firewall of every pane.
    pub fn firewall(&self) -> Firewall {
        self.configs.first().map(|c| c.firewall).unwrap_or_default()
    }

    /// The NAT of every pane.
    pub fn nat(&self) -> Nat {
        self.configs.first().map(|c| c.nat).unwrap_or_default()
    }

    /// True when the panes use EPRT/EPSV.
    pub fn extended(&self) -> bool {
        self.configs.first().is_some_and(|c| c.extended)
    }

    /// `f`: the next firewall, for every pane.
    pub fn cycle_firewall(&mut self) {
        let next = match self.firewall() {
            Firewall::None => Firewall::Client,
            Firewall::Client => Firewall::Server,
            Firewall::Server => Firewall::Stateful,
            Firewall::Stateful => Firewall::None,
        };
        self.configs.iter_mut().for_each(|c| c.firewall = next);
    }

    /// `n`: the next NAT, for every pane.
    pub fn cycle_nat(&mut self) {
        let next = match self.nat() {
            Nat::None => Nat::Client,
            Nat::Client => Nat::Server,
            Nat::Server => Nat::None,
        };
        self.configs.iter_mut().for_each(|c| c.nat = next);
    }

    /// `x`: PORT/PASV ↔ EPRT/EPSV, for every pane.
    pub fn toggle_extended(&mut self) {
        let next = !self.extended();
        self.configs.iter_mut().for_each(|c| c.extended = next);
    }

    /// Makes a change.
    pub fn apply(&mut self, change: Change) {
        match change {
            Change::Firewall => self.cycle_firewall(),
            Change::Nat => self.cycle_nat(),
            Change::Extended => self.toggle_extended(),
        }
    }

    /// What a change would make of this rig, in a few words and in fewer:
    /// ("simulated server firewall", "sim: server fw"), ("EPRT/EPSV
    /// instead of PORT/PASV", "EPRT/EPSV").
    pub fn after(&self, change: Change) -> (String, String) {
        let mut next = self.clone();
        next.apply(change);
        match change {
            Change::Extended if next.extended() => (
                "EPRT/EPSV instead of PORT/PASV".to_string(),
                "EPRT/EPSV".to_string(),
            ),
            Change::Extended => (
                "PORT/PASV instead of EPRT/EPSV".to_string(),
                "PORT/PASV".to_string(),
            ),
            _ => next.between(),
        }
    }

    /// What stands between the peers, for the title bar: a long form and a
    /// short one for narrow screens. Both say it is simulated.
    pub fn between(&self) -> (String, String) {
        let fw = match self.firewall() {
            Firewall::None => None,
            Firewall::Client => Some(("client firewall", "client fw")),
            Firewall::Server => Some(("server firewall", "server fw")),
            Firewall::Stateful => Some(("stateful firewall", "stateful fw")),
        };
        let nat = match self.nat() {
            Nat::None => None,
            Nat::Client => Some(("NAT at the client", "client NAT")),
            Nat::Server => Some(("NAT at the server", "server NAT")),
        };
        match (fw, nat) {
            (None, None) => (
                "no middlebox: the peers talk directly".to_string(),
                "no middlebox".to_string(),
            ),
            (Some((l, s)), None) | (None, Some((l, s))) => {
                (format!("simulated {l}"), format!("sim: {s}"))
            }
            (Some((fl, fs)), Some((nl, ns))) => {
                (format!("simulated {fl} + {nl}"), format!("sim: {fs}+{ns}"))
            }
        }
    }

    /// Starts one lab per pane and makes their panes, with the feeds that
    /// carry their events and data bytes (pane `i` is fed by
    /// `Route::Pane(i)`).
    ///
    /// A lab asked for "any free port" (0) keeps the one it got: restarts
    /// reuse it, so the screen's control port (and control − 1) stay put.
    pub async fn start(&mut self) -> Result<(Vec<Pane>, Vec<Feed>), LabError> {
        let mut panes = Vec::new();
        let mut feeds = Vec::new();
        for (i, config) in self.configs.iter_mut().enumerate() {
            // With payloads: `w` saves the run with its real bytes.
            let mut lab = Lab::start_with_payloads(config.clone()).await?;
            let endpoints = lab.endpoints();
            if config.server.is_none() {
                config.control_port = endpoints.server.port();
            }
            let payloads = lab.payloads.take();
            let (source, events) = LiveLab::split(lab);
            panes.push(
                Pane::live(mode_title(config), Box::new(source))
                    .with_middlebox(config)
                    .with_endpoints(endpoints),
            );
            feeds.push(Feed {
                route: Route::Pane(i),
                events,
                payloads,
            });
        }
        Ok((panes, feeds))
    }

    /// Replaces the labs of `old` with new ones from this rig (after `f`,
    /// `n` or `x`): stops the old ones, waiting until their ports are free,
    /// then starts the new ones on the same ports. The old feeds end with
    /// their labs.
    pub async fn restart(&mut self, old: Vec<Pane>) -> Result<(Vec<Pane>, Vec<Feed>), LabError> {
        futures_util::future::join_all(old.into_iter().map(Pane::stop)).await;
        self.start().await
    }
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
