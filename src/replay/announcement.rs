//! An announcement: the endpoint a control connection named for the next
//! data connection, and the two hosts of the session that named it.
//!
//! Four messages announce: `PORT`/`EPRT` (the client listens there, the
//! server will dial) and the replies `227`/`229` (the server listens, the
//! client will dial). A session's dialogue makes them (`session`), the
//! tracker keeps them, and `linking` matches the next SYNs against them.
//! Each carries the session's [`Hosts`], so that matching a dial needs
//! nothing else of the session.

use crate::trace::{Side, Via};
use std::net::{IpAddr, SocketAddr};

/// Announcements remembered per live session before the oldest are dropped.
const PER_SESSION: usize = 16;

/// The two ends of a session's control connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hosts {
    pub client: SocketAddr,
    pub server: SocketAddr,
}

impl Hosts {
    /// Whether a connection from `src` to `dst` runs between these hosts.
    pub fn between(&self, src: SocketAddr, dst: SocketAddr) -> bool {
        let hosts = [self.client.ip(), self.server.ip()];
        hosts.contains(&src.ip()) && hosts.contains(&dst.ip())
    }

    /// Which side a host address belongs to, when the two hosts differ.
    pub fn side_of(&self, ip: IpAddr) -> Option<Side> {
        if self.client.ip() == self.server.ip() {
            None
        } else if ip == self.client.ip() {
            Some(Side::Client)
        } else if ip == self.server.ip() {
            Some(Side::Server)
        } else {
            None
        }
    }
}

/// An endpoint the control channel said a data connection will go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    pub addr: SocketAddr,
    pub via: Via,
    /// The announcing session's internal id.
    pub session: u64,
    /// The announcing session's hosts.
    pub hosts: Hosts,
}

/// Keeps the list of announcements bounded by the number of live sessions.
pub fn bound(announced: &mut Vec<Announcement>, sessions: usize) {
    let keep = PER_SESSION * sessions.max(1);
    if announced.len() > keep {
        announced.drain(..announced.len() - keep);
    }
}
