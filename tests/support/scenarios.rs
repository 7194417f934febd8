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

/// FTPS labs (`lab --tls`): each mode, in clear air and through each box
/// whose FTP helper or NAT would read the announcements (through a helper
/// also with `CCC` after login), on any free port.
pub fn ftps_labs() -> Vec<LabConfig> {
    let boxes = [
        (Firewall::None, Nat::None),
        (Firewall::Stateful, Nat::None),
        (Firewall::Stateful, Nat::Server),
        (Firewall::Stateful, Nat::Client),
        (Firewall::None, Nat::Server),
    ];
    let mut all = Vec::new();
    for (firewall, nat) in boxes {
        for mode in [Mode::Active, Mode::Passive] {
            all.push(LabConfig {
                tls: true,
                ..lab(mode, false, false, firewall, nat)
            });
            if firewall == Firewall::Stateful {
                // CCC after login: the helper reads again.
                all.push(LabConfig {
                    tls: true,
                    ccc: true,
                    ..lab(mode, false, false, firewall, nat)
                });
            }
        }
    }
    all
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

/// Every lab scenario of the table and the bounce lesson in each family.
pub fn every_lab_and_bounce() -> Vec<LabConfig> {
    let mut all = every_lab();
    for ipv6 in families() {
        all.push(LabConfig {
            lesson: ftpviz::lab::Lesson::Bounce,
            ipv6,
            control_port: 0,
            ..LabConfig::default()
        });
    }
    all
}

/// A scenario's name in a failure message.
pub fn name(cfg: &LabConfig) -> String {
    format!(
        "{:?} {:?} ext={} v6={} fw={:?} nat={:?} tls={} ccc={}",
        cfg.lesson, cfg.mode, cfg.extended, cfg.ipv6, cfg.firewall, cfg.nat, cfg.tls, cfg.ccc
    )
}

/// Runs one lab to its end and returns its events.
pub async fn run(config: LabConfig) -> Result<Vec<ftpviz::trace::Event>, String> {
    let mut lab = ftpviz::lab::Lab::start(config)
        .await
        .map_err(|e| e.to_string())?;
    lab.run_free();
    let mut events = Vec::new();
    while let Some(e) = lab.events.recv().await {
        events.push(e);
    }
    lab.finish().await.map_err(|e| e.to_string())?;
    Ok(events)
}

/// Runs every lab of `configs`, many at once on port 0 (a blocked run
/// mostly waits on its timer), each within `guard`; each result as it
/// ends: its events, or what went wrong, in words.
pub async fn run_all(
    configs: Vec<LabConfig>,
    guard: std::time::Duration,
) -> Vec<(LabConfig, Result<Vec<ftpviz::trace::Event>, String>)> {
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(32));
    let mut runs = tokio::task::JoinSet::new();
    for cfg in configs {
        let gate = gate.clone();
        runs.spawn(async move {
            let _slot = gate.acquire_owned().await;
            let result = match tokio::time::timeout(guard, run(cfg.clone())).await {
                Ok(r) => r,
                Err(_) => Err(format!("no end within {guard:?}")),
            };
            (cfg, result)
        });
    }
    let mut out = Vec::new();
    while let Some(joined) = runs.join_next().await {
        out.push(joined.expect("a run panicked"));
    }
    out
}
