//! The middlebox: a *simulated* firewall or NAT between the lab's peers.
//!
//! (Skeleton: the middlebox issue fills in the policy. The interface below is
//! what the lab calls; with [`Middlebox::transparent`] every call passes
//! everything through unchanged.)
//!
//! The lab consults the middlebox at exactly two places:
//!
//! 1. [`Middlebox::dial`] before **every** dial, control and data, by either
//!    side, before any SYN is sent. On [`Verdict::Drop`] the dialler does not
//!    connect at all (the simulated SYN "dies" in the middlebox): the lab
//!    records `connect` then, after a shortened timeout, `fail` with
//!    `reason: blocked` and `by`, and the lesson goes on (425 / client gives
//!    up).
//! 2. [`Middlebox::relay`] on **every** control line as it crosses: each
//!    command line from the client (`from = Client`) and each reply line from
//!    the server (`from = Server`). What it returns is what the other side
//!    receives (a NAT helper may rewrite a `PORT` line).
//!
//! The lab never sends a packet to a non-loopback address: a simulated
//! private address only ever reaches [`Middlebox::dial`], which drops it.

use crate::lab::{Firewall, Nat};
use crate::trace::{Blocker, Side};
use std::net::SocketAddr;

/// What the middlebox does with a dial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The SYN goes through to `dst`.
    Pass,
    /// The SYN dies in the middlebox; `note` says why in plain words.
    Drop { by: Blocker, note: String },
}

/// A control line after crossing the middlebox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relayed {
    /// The line as the other side receives it.
    pub line: String,
    /// Set when the middlebox changed or noticed something (e.g. "helper
    /// rewrote PORT 10,0,0,2,195,80 → PORT 127,0,0,2,195,80 (+4 bytes)").
    pub note: Option<String>,
}

/// The simulated box between client and server.
#[derive(Debug, Clone)]
pub struct Middlebox {
    pub firewall: Firewall,
    pub nat: Nat,
}

impl Middlebox {
    /// A box that lets everything through unchanged.
    pub fn transparent() -> Middlebox {
        Middlebox::new(Firewall::None, Nat::None)
    }

    pub fn new(firewall: Firewall, nat: Nat) -> Middlebox {
        Middlebox { firewall, nat }
    }

    /// True when there is nothing in between.
    pub fn is_transparent(&self) -> bool {
        self.firewall == Firewall::None && self.nat == Nat::None
    }

    /// Judges one dial by `from`, from `src` to `dst`, before it happens.
    pub fn dial(&mut self, _from: Side, _src: SocketAddr, _dst: SocketAddr) -> Verdict {
        Verdict::Pass
    }

    /// Passes one control line from `from` to the other side.
    pub fn relay(&mut self, _from: Side, line: &str) -> Relayed {
        Relayed {
            line: line.to_string(),
            note: None,
        }
    }
}
