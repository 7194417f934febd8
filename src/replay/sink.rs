//! The sink: where a reading's findings go as they are found — the
//! trace's events, the session numbers given out, and the endpoints
//! announced for the next data connections.
//!
//! The connection tracker owns one; each session's dialogue writes into it
//! (an event, a number when it is confirmed as FTP, an announcement) and
//! the tracker reads and rearranges it (a failed dial put before the reply
//! that reports it, the final events let go of in a live reading).

use super::announcement::Announcement;
use super::decryption::KeyLog;
use crate::trace::Event;

/// What has been found so far.
#[derive(Debug, Default)]
pub struct Sink {
    /// The events, in the order found (a whole reading sorts them by time
    /// at the end).
    pub events: Vec<Event>,
    /// Session numbers given so far: the next is one more.
    numbers: u32,
    /// Endpoints announced for data connections, not dialled yet.
    pub announced: Vec<Announcement>,
    /// TLS keys read so far (a capture's Decryption Secrets Blocks,
    /// `--keylog`): empty, TLS is only counted.
    pub keys: KeyLog,
    /// TLS that could not be decrypted: (session, what and why).
    pub undecrypted: Vec<(u32, String)>,
    /// TLS records were counted without keys (keys that come later are
    /// too late for them).
    pub tls_without_keys: bool,
}

impl Sink {
    pub fn push(&mut self, event: Event) {
        self.events.push(event);
    }

    /// The number of a session just confirmed as FTP.
    pub fn next_number(&mut self) -> u32 {
        self.numbers += 1;
        self.numbers
    }

    pub fn announce(&mut self, announcement: Announcement) {
        self.announced.push(announcement);
    }
}
