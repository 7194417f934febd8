//! Every lab scenario a test may want to run: the middlebox table's
//! firewall × NAT × mode × extended, over IPv4 and, where this machine has
//! `::1`, IPv6. Shared by the narration and screen-fit tests.

#![allow(dead_code)]

use ftpviz::lab::{LabConfig, Mode};
use ftpviz::middlebox::{Firewall, Nat};
use ftpviz::trace::Blocker;

#[path = "../../src/middlebox/tests/table.rs"]
pub mod table;

/// True where `::1` can be bound.
pub fn ipv6_available() -> bool {
    std::net::TcpListener::bind("[::1]:0").is_ok()
}

/// Every scenario of the table, on any free port; the IPv6 ones only where
/// `::1` exists (said on stdout when they are left out).
pub fn every_lab() -> Vec<LabConfig> {
    let v6 = ipv6_available();
    if !v6 {
        println!("skipped: the IPv6 scenarios (no ::1 here); the IPv4 ones run");
    }
    let families: &[bool] = if v6 { &[false, true] } else { &[false] };
    table::cases()
        .flat_map(|(firewall, nat, mode, extended, _)| {
            families
                .iter()
                .map(move |&ipv6| lab(mode, extended, ipv6, firewall, nat))
        })
        .collect()
}

/// One lab of the table, on any free port.
pub fn lab(mode: Mode, extended: bool, ipv6: bool, firewall: Firewall, nat: Nat) -> LabConfig {
    LabConfig {
        mode,
        extended,
        ipv6,
        firewall,
        nat,
        control_port: 0,
        ..LabConfig::default()
    }
}

/// One lab of the table with its knobs (`--forward-data`, `--trust-pasv`,
/// `--pasv-address`), on any free port.
pub fn lab_with(
    mode: Mode,
    extended: bool,
    ipv6: bool,
    firewall: Firewall,
    nat: Nat,
    knobs: table::Knobs,
) -> LabConfig {
    LabConfig {
        forward_data: knobs.forward_data,
        trust_pasv: knobs.trust_pasv,
        pasv_address: knobs.pasv_address,
        ..lab(mode, extended, ipv6, firewall, nat)
    }
}

/// The address families [`every_lab`] runs: IPv4, and IPv6 where it can.
pub fn families() -> Vec<bool> {
    if ipv6_available() {
        vec![false, true]
    } else {
        vec![false]
    }
}
