//! The labs on screen: each lab of the [`Rig`] becomes a pane, its events
//! and data bytes a feed into the app's channel.
//!
//! Starting the labs is the lab side's ([`Rig::start`]); this only puts
//! them on screen, and stops the old panes' labs before new ones start on
//! the same ports (after a change to the rig).

use super::event::{Feed, Route};
use super::kept::Kept;
use super::pane::Pane;
use super::source::LiveLab;
use crate::lab::rig::Rig;
use crate::lab::{Lab, LabConfig, LabError, Mode};

/// Starts the rig's labs and makes their panes, with the feeds that carry
/// their events and data bytes (pane `i` is fed by `Route::Pane(i)`).
pub async fn start(rig: &mut Rig) -> Result<(Vec<Pane>, Vec<Feed>), LabError> {
    let labs = rig.start().await?;
    Ok(on_screen(labs, &rig.configs))
}

/// Replaces the labs of `old` with new ones from the rig (after `f`, `n`
/// or `x`): stops the old ones, waiting until their ports are free, then
/// starts the new ones on the same ports. The old feeds end with their
/// labs.
pub async fn restart(rig: &mut Rig, old: Vec<Pane>) -> Result<(Vec<Pane>, Vec<Feed>), LabError> {
    futures_util::future::join_all(old.into_iter().map(Pane::stop)).await;
    start(rig).await
}

/// A pane and a feed for each lab.
fn on_screen(labs: Vec<Lab>, configs: &[LabConfig]) -> (Vec<Pane>, Vec<Feed>) {
    let mut panes = Vec::new();
    let mut feeds = Vec::new();
    for (i, (mut lab, config)) in labs.into_iter().zip(configs).enumerate() {
        let endpoints = lab.endpoints();
        // With payloads: `w` saves the run with its real bytes.
        let payloads = lab.payloads.take();
        let (source, events) = LiveLab::split(lab);
        let mut pane = Pane::live(mode_title(config), Box::new(source))
            .with_middlebox(config)
            .with_endpoints(endpoints);
        pane.kept = Kept::with_log(payloads.as_ref().map(|p| p.wire_log().clone()));
        panes.push(pane);
        feeds.push(Feed {
            route: Route::Pane(i),
            events,
            payloads,
        });
    }
    (panes, feeds)
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
