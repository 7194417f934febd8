//! What every firewall × NAT does to each way of opening a data connection:
//! the one expected table, written by hand from how real networks behave.
//!
//! Two tests hold the middlebox to it: its unit test (`super`), which feeds
//! the middlebox alone the lines of a lesson, and `tests/middlebox_table.rs`,
//! which runs the real lab and reads the trace. The includer brings
//! `Blocker`, `Firewall`, `Mode` and `Nat` into scope.

use super::{Blocker, Firewall, Mode, Nat};

/// What became of the data connections of one lesson.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every data dial passed (and, in the lab, the transfers completed: 226).
    Pass,
    /// Every data dial died in the middlebox, by this.
    Drop(Blocker),
    /// The server refused the PORT/EPRT (RFC 2577: not the control peer's
    /// address, answered 504) and never dialled.
    Refused,
}
pub use Outcome::{Drop as D, Pass as P, Refused as R};

pub const CF: Blocker = Blocker::ClientFirewall;
pub const SF: Blocker = Blocker::ServerFirewall;
pub const NAT: Blocker = Blocker::Nat;

/// (firewall, nat, active PORT, active EPRT, passive PASV, passive EPSV)
const TABLE: [(Firewall, Nat, Outcome, Outcome, Outcome, Outcome); 12] = [
    // Nothing in between: everything works.
    (Firewall::None, Nat::None, P, P, P, P),
    // Client NAT: PORT/EPRT name 192.168.1.2, the server refuses a data
    // address that is not its control peer's; passive dials out: fine.
    (Firewall::None, Nat::Client, R, R, P, P),
    // Server NAT (1:1): active dials out through it; 227 names 10.0.0.3 and
    // the client dials nowhere; 229 has no address: fine.
    (Firewall::None, Nat::Server, P, P, D(NAT), P),
    // Client firewall: the server's dial into the client dies.
    (Firewall::Client, Nat::None, D(CF), D(CF), P, P),
    (Firewall::Client, Nat::Client, R, R, P, P),
    (Firewall::Client, Nat::Server, D(CF), D(CF), D(NAT), P),
    // Server firewall: only the control port is open, passive dies.
    (Firewall::Server, Nat::None, P, P, D(SF), D(SF)),
    (Firewall::Server, Nat::Client, R, R, D(SF), D(SF)),
    // 227's private address goes nowhere before it meets the firewall.
    (Firewall::Server, Nat::Server, P, P, D(NAT), D(SF)),
    // Stateful with the FTP helper: pinholes, and rewrites behind NAT.
    (Firewall::Stateful, Nat::None, P, P, P, P),
    (Firewall::Stateful, Nat::Client, P, P, P, P),
    (Firewall::Stateful, Nat::Server, P, P, P, P),
];

/// The table one case a line: (firewall, nat, mode, extended, outcome).
pub fn cases() -> impl Iterator<Item = (Firewall, Nat, Mode, bool, Outcome)> {
    TABLE
        .into_iter()
        .flat_map(|(fw, nat, port, eprt, pasv, epsv)| {
            [
                (fw, nat, Mode::Active, false, port),
                (fw, nat, Mode::Active, true, eprt),
                (fw, nat, Mode::Passive, false, pasv),
                (fw, nat, Mode::Passive, true, epsv),
            ]
        })
}
