//! What every firewall × NAT does to each way of opening a data connection:
//! the one expected table, written by hand from how real networks behave
//! and held against the Linux kernel by `tests/kernel_middlebox.rs`.
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
    /// Every data dial died in the middlebox, unanswered, by this.
    Drop(Blocker),
    /// Every data dial was refused by this (the router's RST), at once.
    Reset(Blocker),
    /// The server refused the PORT/EPRT (not the control peer's address:
    /// ftpviz's server answers 504, vsftpd 500) and never dialled.
    Refused,
}
pub use Outcome::{Drop as D, Pass as P, Refused as R, Reset as X};

pub const CF: Blocker = Blocker::ClientFirewall;
pub const SF: Blocker = Blocker::ServerFirewall;
pub const NAT: Blocker = Blocker::Nat;

/// The settings beside firewall and NAT that change an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Knobs {
    /// The server's NAT forwards the data ports too (`--forward-data`).
    pub forward_data: bool,
    /// The client dials the 227's address as written (`--trust-pasv`).
    pub trust_pasv: bool,
    /// The NATed server announces its public address (`--pasv-address`).
    pub pasv_address: bool,
}

const PLAIN: Knobs = Knobs {
    forward_data: false,
    trust_pasv: false,
    pasv_address: false,
};
const FORWARD: Knobs = Knobs {
    forward_data: true,
    ..PLAIN
};
const TRUST: Knobs = Knobs {
    trust_pasv: true,
    ..PLAIN
};
const PUBLIC: Knobs = Knobs {
    pasv_address: true,
    ..PLAIN
};
const PUBLIC_FORWARD: Knobs = Knobs {
    pasv_address: true,
    forward_data: true,
    ..PLAIN
};

type Row = (Firewall, Nat, Knobs, Outcome, Outcome, Outcome, Outcome);

/// (firewall, nat, knobs, active PORT, active EPRT, passive PASV, passive EPSV)
const TABLE: [Row; 26] = [
    // Nothing in between: everything works.
    (Firewall::None, Nat::None, PLAIN, P, P, P, P),
    // Client NAT: PORT/EPRT name 192.168.1.2, the server refuses a data
    // address that is not its control peer's; passive dials out: fine.
    (Firewall::None, Nat::Client, PLAIN, R, R, P, P),
    // Server NAT forwarding port 21 only: active dials out through it; 227
    // names 10.0.0.3, the client (as curl and ftplib) dials the public
    // address at that port, which the router refuses (RST); so does 229's.
    (Firewall::None, Nat::Server, PLAIN, P, P, X(NAT), X(NAT)),
    // Forwarding every port (1:1): both passive dials get through.
    (Firewall::None, Nat::Server, FORWARD, P, P, P, P),
    // A client that trusts 227 dials the private address: nowhere.
    (Firewall::None, Nat::Server, TRUST, P, P, D(NAT), X(NAT)),
    (Firewall::None, Nat::Server, PUBLIC, P, P, X(NAT), X(NAT)),
    (Firewall::None, Nat::Server, PUBLIC_FORWARD, P, P, P, P),
    // Client firewall: the server's dial into the client dies.
    (Firewall::Client, Nat::None, PLAIN, D(CF), D(CF), P, P),
    (Firewall::Client, Nat::Client, PLAIN, R, R, P, P),
    (
        Firewall::Client,
        Nat::Server,
        PLAIN,
        D(CF),
        D(CF),
        X(NAT),
        X(NAT),
    ),
    (Firewall::Client, Nat::Server, FORWARD, D(CF), D(CF), P, P),
    // Server firewall: only the control port is open, passive dies.
    (Firewall::Server, Nat::None, PLAIN, P, P, D(SF), D(SF)),
    (Firewall::Server, Nat::Client, PLAIN, R, R, D(SF), D(SF)),
    // The NAT refuses what it does not forward before the firewall sees it.
    (Firewall::Server, Nat::Server, PLAIN, P, P, X(NAT), X(NAT)),
    (Firewall::Server, Nat::Server, FORWARD, P, P, D(SF), D(SF)),
    (Firewall::Server, Nat::Server, TRUST, P, P, D(NAT), X(NAT)),
    // Stateful with the FTP helper: expectations (which also forward the
    // port through the server's NAT), and rewrites behind NAT.
    (Firewall::Stateful, Nat::None, PLAIN, P, P, P, P),
    (Firewall::Stateful, Nat::Client, PLAIN, P, P, P, P),
    (Firewall::Stateful, Nat::Server, PLAIN, P, P, P, P),
    (Firewall::Stateful, Nat::Server, FORWARD, P, P, P, P),
    // The helper rewrote the 227: nothing private left to trust.
    (Firewall::Stateful, Nat::Server, TRUST, P, P, P, P),
    // The server announces its public address itself: the helper expects
    // nothing for a 227 (not the packet's source), so the port meets the
    // plain rules; 229 still gets its expectation.
    (Firewall::Stateful, Nat::Server, PUBLIC, P, P, X(NAT), P),
    (
        Firewall::Stateful,
        Nat::Server,
        PUBLIC_FORWARD,
        P,
        P,
        D(SF),
        P,
    ),
    (
        Firewall::Client,
        Nat::Server,
        PUBLIC_FORWARD,
        D(CF),
        D(CF),
        P,
        P,
    ),
    (Firewall::Server, Nat::Server, PUBLIC, P, P, X(NAT), X(NAT)),
    (
        Firewall::Server,
        Nat::Server,
        PUBLIC_FORWARD,
        P,
        P,
        D(SF),
        D(SF),
    ),
];

/// One case: (firewall, nat, knobs, mode, extended, outcome).
pub type Case = (Firewall, Nat, Knobs, Mode, bool, Outcome);

/// The table one case a line, every knob setting.
pub fn all_cases() -> impl Iterator<Item = Case> {
    TABLE
        .into_iter()
        .flat_map(|(fw, nat, knobs, port, eprt, pasv, epsv)| {
            [
                (fw, nat, knobs, Mode::Active, false, port),
                (fw, nat, knobs, Mode::Active, true, eprt),
                (fw, nat, knobs, Mode::Passive, false, pasv),
                (fw, nat, knobs, Mode::Passive, true, epsv),
            ]
        })
}

/// The cases with the default knobs: (firewall, nat, mode, extended,
/// outcome).
#[allow(dead_code)] // the includers outside the unit tests use it
pub fn cases() -> impl Iterator<Item = (Firewall, Nat, Mode, bool, Outcome)> {
    all_cases()
        .filter(|case| case.2 == PLAIN)
        .map(|(fw, nat, _, mode, ext, want)| (fw, nat, mode, ext, want))
}
