//! The lab: a real FTP client and a real FTP server, talking over loopback.
//!
//! (Skeleton: the lab issue fills this in. The types below are the interface
//! the command line and the TUI are written against.)

use crate::trace::Event;
use std::net::SocketAddr;
use tokio::sync::mpsc;

/// Who dials the data connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// PORT/EPRT: the client listens, the server dials.
    #[default]
    Active,
    /// PASV/EPSV: the server listens, the client dials.
    Passive,
}

/// A simulated firewall between the peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Firewall {
    #[default]
    None,
    Client,
    Server,
    Stateful,
}

/// A simulated NAT in front of one of the peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Nat {
    #[default]
    None,
    Client,
    Server,
}

/// Which script the lab client follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lesson {
    #[default]
    Transfer,
    Bounce,
}

/// Everything that decides what a lab run does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabConfig {
    pub mode: Mode,
    /// EPRT/EPSV instead of PORT/PASV.
    pub extended: bool,
    pub ipv6: bool,
    pub firewall: Firewall,
    pub nat: Nat,
    pub lesson: Lesson,
    /// Run the lesson against this external server instead of ours.
    pub server: Option<SocketAddr>,
    /// Our server's control port (0 = any free port).
    pub control_port: u16,
}

impl Default for LabConfig {
    fn default() -> LabConfig {
        LabConfig {
            mode: Mode::Active,
            extended: false,
            ipv6: false,
            firewall: Firewall::None,
            nat: Nat::None,
            lesson: Lesson::Transfer,
            server: None,
            control_port: 2121,
        }
    }
}

/// A lab failure that stops the run.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    #[error("the lab is not built yet")]
    NotBuilt,
}

/// A running lab: events come out, permission to act goes in.
pub struct Lab {
    pub events: mpsc::UnboundedReceiver<Event>,
}

impl Lab {
    /// Starts the server (unless `config.server` names an external one) and
    /// the client. The client waits for [`Lab::step`] or [`Lab::run_free`].
    pub async fn start(_config: LabConfig) -> Result<Lab, LabError> {
        Err(LabError::NotBuilt)
    }

    /// Lets the client take its next action (one command and what it
    /// entails: the data connection, the replies).
    pub fn step(&self) {}

    /// Lets the client run the rest of its lesson without waiting.
    pub fn run_free(&self) {}
}
