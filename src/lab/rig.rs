//! The rig: which labs run side by side, and what stands between their
//! peers.
//!
//! The question the lab exists to answer is "why does active FTP break
//! behind a firewall?" — and the way to see it is to change the firewall
//! and run the same lesson again. The rig holds the lab configurations (one,
//! or active and passive side by side) and makes the [`Change`]s a student
//! asks for (the screens bind them to keys):
//!
//! - the firewall cycles: none → client → server → stateful → none,
//! - the NAT cycles: none → client → server → none,
//! - the extended commands toggle (EPRT/EPSV instead of PORT/PASV).
//!
//! Every change applies to **all** labs, so a comparison always shows both
//! modes under the same middlebox. A change cannot be made to a lab that
//! is running (its middlebox judged dials already): whoever runs the labs
//! stops them — each waits for its client's current action and both peers'
//! goodbyes, which frees the control port — and [`Rig::start`]s new ones
//! on the same ports.
//!
//! The middlebox is a *simulation* on loopback; [`Rig::between`] says so.

use super::{Lab, LabConfig, LabError};
use crate::middlebox::{Firewall, Nat};

/// A change a student makes to the rig.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// `f`: the next firewall.
    Firewall,
    /// `n`: the next NAT.
    Nat,
    /// `x`: PORT/PASV ↔ EPRT/EPSV.
    Extended,
}

/// The labs side by side, and the middlebox they share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rig {
    /// One configuration per lab, left to right.
    pub configs: Vec<LabConfig>,
}

impl Rig {
    pub fn new(configs: Vec<LabConfig>) -> Rig {
        Rig { configs }
    }

    /// The firewall of every lab.
    pub fn firewall(&self) -> Firewall {
        self.configs.first().map(|c| c.firewall).unwrap_or_default()
    }

    /// The NAT of every lab.
    pub fn nat(&self) -> Nat {
        self.configs.first().map(|c| c.nat).unwrap_or_default()
    }

    /// True when the labs use EPRT/EPSV.
    pub fn extended(&self) -> bool {
        self.configs.first().is_some_and(|c| c.extended)
    }

    /// The next firewall, for every lab.
    pub fn cycle_firewall(&mut self) {
        let next = match self.firewall() {
            Firewall::None => Firewall::Client,
            Firewall::Client => Firewall::Server,
            Firewall::Server => Firewall::Stateful,
            Firewall::Stateful => Firewall::None,
        };
        self.configs.iter_mut().for_each(|c| c.firewall = next);
    }

    /// The next NAT, for every lab.
    pub fn cycle_nat(&mut self) {
        let next = match self.nat() {
            Nat::None => Nat::Client,
            Nat::Client => Nat::Server,
            Nat::Server => Nat::None,
        };
        self.configs.iter_mut().for_each(|c| c.nat = next);
    }

    /// PORT/PASV ↔ EPRT/EPSV, for every lab.
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

    /// What stands between the peers, for a title: a long form and a short
    /// one for narrow screens. Both say it is simulated.
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

    /// Starts one lab per configuration, each with payloads (so that a
    /// run can be saved with its real bytes).
    ///
    /// A lab asked for "any free port" (0) keeps the one it got: restarts
    /// reuse it, so the control port (and control − 1) stay put.
    pub async fn start(&mut self) -> Result<Vec<Lab>, LabError> {
        let mut labs = Vec::new();
        for config in self.configs.iter_mut() {
            let lab = Lab::start_with_payloads(config.clone()).await?;
            if config.server.is_none() {
                config.control_port = lab.endpoints().server.port();
            }
            labs.push(lab);
        }
        Ok(labs)
    }
}
