//! The middlebox: a *simulated* firewall or NAT between the lab's peers.
//!
//! Why does active FTP break behind a firewall? Because FTP opens a second
//! TCP connection for every transfer, and who dials it depends on the mode:
//! in **active** mode (`PORT`/`EPRT`) the *server* dials into the client; in
//! **passive** mode (`PASV`/`EPSV`) the *client* dials into the server. A
//! firewall judges each new connection by the host it goes *into*, and a NAT
//! hides a host behind an address that FTP's own lines do not know about.
//! This module is that box, applied to the lab's real loopback sockets:
//!
//! - [`firewall`]: which host refuses unsolicited inbound dials.
//! - [`nat`]: the private address a NATed peer believes it has, why a dial
//!   to it goes nowhere, and which ports the router forwards (a port it
//!   does not forward is refused with an RST, at once).
//! - [`helper`]: the FTP-aware helper of a stateful firewall
//!   (`nf_conntrack_ftp`): it reads `PORT`/`EPRT`/`227`/`229`, expects one
//!   data connection (which also forwards that port through a NAT), and
//!   rewrites the line behind a NAT.
//! - [`narration`]: plain words for what happened, for the screens.
//!
//! # How the lab uses it
//!
//! The lab consults the middlebox at exactly two places:
//!
//! 1. [`Middlebox::dial`] before **every** dial, control and data, by either
//!    side, before any SYN is sent. On [`Verdict::Drop`] the dialler does not
//!    connect at all (the simulated SYN "dies" in the middlebox): the lab
//!    records `connect` then, after a shortened timeout, `fail` with
//!    `reason: blocked` and `by`, and the lesson goes on (425 / client gives
//!    up). On [`Verdict::Refuse`] the router answered the SYN with an RST:
//!    `fail` with `reason: refused` follows at once, as it does on Linux
//!    (well under a millisecond). The **first dial by the client is taken to
//!    be the control connection**: it always passes and tells the middlebox
//!    both peers' real addresses and the control port.
//! 2. [`Middlebox::relay`] on **every** control line as it crosses: each
//!    command line from the client (`from = Client`) and each reply line from
//!    the server (`from = Server`). What it returns is what the other side
//!    receives (the helper may rewrite a `PORT` or `227` line). The caller
//!    says whether the line travelled inside TLS: then the box saw only
//!    records, and reads, opens and rewrites nothing.
//!
//! And a NATed peer writes in its `PORT`/`EPRT`/`227` the address it
//! *believes* it has: the lab client and server get it from
//! [`Middlebox::announce`] (the private address behind a NAT, the real one
//! otherwise). `229` carries no address, so a client never reads a private
//! one in it; whether its port gets through a server's NAT is the router's
//! business (forwarded, or expected by the helper), exactly as for `227`.
//!
//! One `Middlebox` watches **one** control connection, as one conntrack
//! entry does: its reading state and its pinhole belong to that session, so
//! each lab run (each pane of the compare view) gets its own.
//!
//! The lab never sends a packet to a non-loopback address: a simulated
//! private address only ever reaches [`Middlebox::dial`], which drops it
//! (`by: nat`), and so is any other destination off loopback.

pub mod firewall;
pub mod helper;
pub mod narration;
pub mod nat;

#[cfg(test)]
mod tests;

pub use firewall::Firewall;
pub use nat::Nat;

/// What stands between two peers, in words a reader of the trace can use:
/// the lab knows it (its screens and comments speak of the middlebox that
/// is really there); of a capture it is unknown, and the narration says
/// what *would* happen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Between {
    pub firewall: Firewall,
    pub nat: Nat,
    /// A server NAT forwards the data ports too (1:1), not only the
    /// control port.
    pub forward_data: bool,
    /// The client dials a 227's address even when it differs from the
    /// server's (a naive client); else it dials the control address.
    pub trust_pasv: bool,
    /// The server announces its public address itself (vsftpd's
    /// `pasv_address`).
    pub pasv_address: bool,
}

use crate::trace::{Blocker, Side};
use helper::{Helper, Peers, Pinhole, Setup};
use std::net::{IpAddr, SocketAddr};

/// What the middlebox does with a dial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The SYN goes through to `dst`.
    Pass,
    /// The SYN dies in the middlebox, unanswered; `note` says why in plain
    /// words. The dialler waits (and the lab says for how long really).
    Drop { by: Blocker, note: String },
    /// The router answers the SYN with an RST ("connection refused"): a
    /// port it does not forward. The dialler knows at once.
    Refuse { by: Blocker, note: String },
}

/// A control line after crossing the middlebox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relayed {
    /// The line as the other side receives it.
    pub line: String,
    /// Set when the middlebox changed or noticed something (e.g. "helper
    /// rewrote "PORT 192,168,1,2,195,80" → "PORT 127,0,0,2,195,80" (-2
    /// bytes …)").
    pub note: Option<String>,
}

/// The simulated box between client and server.
#[derive(Debug, Clone)]
pub struct Middlebox {
    pub firewall: Firewall,
    pub nat: Nat,
    /// Behind `Nat::Server`: the router forwards every port to the server
    /// (the data ports too, a 1:1 NAT), not only the control port.
    pub forward_data: bool,
    /// Behind `Nat::Server`: the server writes its public address in 227
    /// itself (vsftpd's `pasv_address`), not the private one it has.
    pub pasv_address: bool,
    peers: Option<Peers>,
    helper: Helper,
}

impl Between {
    /// True when nothing stands between the peers.
    pub fn is_transparent(&self) -> bool {
        self.firewall == Firewall::None && self.nat == Nat::None
    }
}

impl Middlebox {
    /// A box that lets everything through unchanged.
    pub fn transparent() -> Middlebox {
        Middlebox::new(Firewall::None, Nat::None)
    }

    pub fn new(firewall: Firewall, nat: Nat) -> Middlebox {
        Middlebox {
            firewall,
            nat,
            forward_data: false,
            pasv_address: false,
            peers: None,
            helper: Helper::default(),
        }
    }

    /// The same box, its server-side NAT forwarding the data ports too
    /// (`--forward-data`) or, by default, only the control port.
    pub fn forwarding_data(mut self, forward_data: bool) -> Middlebox {
        self.forward_data = forward_data;
        self
    }

    /// True when there is nothing in between.
    pub fn is_transparent(&self) -> bool {
        self.firewall == Firewall::None && self.nat == Nat::None
    }

    /// Judges one dial by `from`, from `src` to `dst`, before it happens.
    ///
    /// In order, as a Linux router decides: a destination off loopback (a
    /// simulated private address) goes nowhere; the control connection
    /// always passes; the helper's expectation admits exactly one matching
    /// dial (through NAT and firewall alike); a NAT refuses (RST) a dial to a
    /// port it does not forward — in front of the client every port nobody
    /// inside asked for, in front of the server every port but the control
    /// port unless it forwards the data ports; a firewall guarding the host
    /// being dialled drops it; anything else passes.
    pub fn dial(&mut self, from: Side, src: SocketAddr, dst: SocketAddr) -> Verdict {
        let into = from.peer();
        if !on_this_machine(dst.ip()) {
            return Verdict::Drop {
                by: Blocker::Nat,
                note: narration::nowhere(from, dst),
            };
        }
        match self.peers {
            None if from == Side::Client => {
                self.peers = Some(Peers {
                    client: src.ip(),
                    server: dst,
                });
                return Verdict::Pass;
            }
            Some(p) if from == Side::Client && same(p.server, dst) => return Verdict::Pass,
            _ => {}
        }
        if self.helper.take_pinhole(from, src.ip(), dst) {
            return Verdict::Pass;
        }
        if into == Side::Client && self.nat == Nat::Client {
            return Verdict::Refuse {
                by: Blocker::Nat,
                note: narration::no_mapping(dst),
            };
        }
        let forwarded = self.forward_data || Some(dst.port()) == self.control_port();
        if into == Side::Server && self.nat == Nat::Server && !forwarded {
            return Verdict::Refuse {
                by: Blocker::Nat,
                note: narration::not_forwarded(dst, self.control_port()),
            };
        }
        if let Some(by) = firewall::guard(self.firewall, into) {
            return Verdict::Drop {
                by,
                note: narration::unsolicited(into, dst, self.control_port()),
            };
        }
        Verdict::Pass
    }

    /// Passes one control line from `from` to the other side; a line that
    /// travelled inside TLS (`inside_tls`) the box cannot read.
    pub fn relay(&mut self, from: Side, line: &str, inside_tls: bool) -> Relayed {
        if self.is_transparent() {
            return Relayed {
                line: line.to_string(),
                note: None,
            };
        }
        let setup = Setup {
            firewall: self.firewall,
            nat: self.nat,
            forward_data: self.forward_data,
            peers: self.peers,
        };
        self.helper.relay(&setup, from, line, inside_tls)
    }

    /// The same box, its NATed server told its public address
    /// (`--pasv-address`, vsftpd's `pasv_address`): its 227 names that.
    pub fn announcing_public(mut self, pasv_address: bool) -> Middlebox {
        self.pasv_address = pasv_address;
        self
    }

    /// The address `side` writes into `PORT`/`EPRT` (client) or `227`
    /// (server) for a listener it really has at `listening`: behind a NAT,
    /// the private address it believes it has, with the same port (unless
    /// the server was told its public address); else `listening` itself.
    /// The result may be a simulated private address: write it in a line,
    /// never hand it to a socket.
    pub fn announce(&self, side: Side, listening: SocketAddr) -> SocketAddr {
        if side == Side::Server && self.pasv_address {
            return listening;
        }
        nat::with_ip(listening, nat::believed_ip(self.nat, side, listening.ip()))
    }

    /// The private address `side` believes it has (same family as `real`),
    /// when it sits behind this box's NAT.
    pub fn private_ip(&self, side: Side, real: IpAddr) -> Option<IpAddr> {
        nat::private_ip(self.nat, side, real)
    }

    /// The pinhole the helper holds open right now, if any.
    pub fn pinhole(&self) -> Option<&Pinhole> {
        self.helper.pinhole()
    }

    /// The server's control port, once the control dial has been seen.
    pub fn control_port(&self) -> Option<u16> {
        self.peers.map(|p| p.server.port())
    }

    /// The box's rule in words, one short line each, for the hosts panel:
    /// what it is (labelled as a simulation), the firewall rule, the NAT
    /// with both addresses, and the pinhole open now. Empty when the box is
    /// transparent (draw no box).
    pub fn rule_text(&self) -> Vec<String> {
        narration::rules(self)
    }
}

/// Socket addresses equal, IPv4-mapped IPv6 included.
fn same(a: SocketAddr, b: SocketAddr) -> bool {
    a.port() == b.port() && a.ip().to_canonical() == b.ip().to_canonical()
}

/// True for addresses on this machine (127.0.0.0/8, ::1, ::ffff:127.x.y.z):
/// the only ones the lab's sockets may reach. Any other address is a
/// simulated private one, and a dial to it goes nowhere.
pub fn on_this_machine(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}
