//! The Trace: what happened on the wire, as a student should see it.
//!
//! Every source in ftpviz — the live lab pair, `serve`, a replayed capture —
//! produces the same thing: a list of [`Event`]s. Every output — the screens,
//! `--print`, `--json` — consumes it. An event is deliberately small: *who*
//! (`from`) did *what* (`kind`) on *which connection* (`session`, `conn`) and
//! *when* (`t`). The one fact ftpviz exists to teach is visible in a single
//! kind of event: [`Kind::Connect`], the dial (the TCP SYN), whose `from`
//! says which side opened the connection.
//!
//! This module knows nothing of sockets, terminals or pcap files; that is
//! what lets the three sources share one timeline.
//!
//! The JSON shape of an event is a contract (DESIGN.md, "Trace: the
//! contract"): one flat object per line, e.g.
//!
//! ```json
//! {"t":0.0104,"session":1,"conn":1,"channel":"data","from":"server","kind":"connect","src":"127.0.0.3:2120","dst":"127.0.0.2:50000","via":"PORT"}
//! ```

mod json;
mod print;

pub use json::{read_json_lines, write_json_line, JsonError};
pub use print::{format_event, format_what, write_print_line};

use crate::ftp::verb::{Setup, Verb};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::SocketAddr;

/// The two ends of an FTP conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Client,
    Server,
}

impl Side {
    /// The other end.
    pub fn peer(self) -> Side {
        match self {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Side::Client => "client",
            Side::Server => "server",
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// FTP's two kinds of TCP connection (RFC 959 §2.3): one long-lived control
/// connection that carries commands and replies, and a fresh data
/// connection for every transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Control,
    Data,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Control => "control",
            Channel::Data => "data",
        }
    }
}

/// How a data connection's address was agreed on the control channel.
///
/// `PORT`/`EPRT` (RFC 959, RFC 2428) mean *active* mode: the client listens
/// and the server dials. `PASV`/`EPSV` mean *passive* mode: the server
/// listens and the client dials. `Default` is RFC 959's fallback when
/// neither was sent: the server dials the client's control address. In the
/// JSON it is the setup's verb (`"via":"PORT"`) or `"default"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum Via {
    Port,
    Eprt,
    Pasv,
    Epsv,
    Default,
}

impl Via {
    /// Every via, in the order the JSON contract lists them.
    pub const ALL: [Via; 5] = [Via::Port, Via::Eprt, Via::Pasv, Via::Epsv, Via::Default];

    /// The setup command that agreed it; `None` for the default ports.
    pub fn setup(self) -> Option<Setup> {
        match self {
            Via::Port => Some(Setup::Port),
            Via::Eprt => Some(Setup::Eprt),
            Via::Pasv => Some(Setup::Pasv),
            Via::Epsv => Some(Setup::Epsv),
            Via::Default => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        self.setup().map_or("default", Setup::as_str)
    }

    /// Active modes have the server dial; passive ones the client.
    pub fn dialler(self) -> Side {
        match self {
            Via::Port | Via::Eprt | Via::Default => Side::Server,
            Via::Pasv | Via::Epsv => Side::Client,
        }
    }

    pub fn is_active(self) -> bool {
        self.dialler() == Side::Server
    }
}

impl From<Setup> for Via {
    fn from(setup: Setup) -> Via {
        match setup {
            Setup::Port => Via::Port,
            Setup::Eprt => Via::Eprt,
            Setup::Pasv => Via::Pasv,
            Setup::Epsv => Via::Epsv,
        }
    }
}

impl From<Via> for &'static str {
    fn from(via: Via) -> &'static str {
        via.as_str()
    }
}

impl TryFrom<String> for Via {
    type Error = String;

    /// Exactly as written (`"PORT"`, `"default"`): the contract's spelling.
    fn try_from(text: String) -> Result<Via, String> {
        Via::ALL
            .into_iter()
            .find(|v| v.as_str() == text)
            .ok_or_else(|| {
                let all: Vec<&str> = Via::ALL.iter().map(|v| v.as_str()).collect();
                format!("unknown via `{text}`, expected one of {}", all.join(", "))
            })
    }
}

/// Why a dial never became a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailReason {
    /// The peer answered the SYN with RST: nobody listens there.
    Refused,
    /// Something in between dropped the SYN.
    Blocked,
    /// No answer at all before the dialler gave up.
    Timeout,
    /// An established connection was torn down by RST.
    Reset,
}

impl FailReason {
    pub fn as_str(self) -> &'static str {
        match self {
            FailReason::Refused => "refused",
            FailReason::Blocked => "blocked",
            FailReason::Timeout => "timeout",
            FailReason::Reset => "reset",
        }
    }
}

/// What stood in the way of a failed dial, when it is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Blocker {
    #[serde(rename = "client-firewall")]
    ClientFirewall,
    #[serde(rename = "server-firewall")]
    ServerFirewall,
    #[serde(rename = "nat")]
    Nat,
}

impl Blocker {
    pub fn as_str(self) -> &'static str {
        match self {
            Blocker::ClientFirewall => "client-firewall",
            Blocker::ServerFirewall => "server-firewall",
            Blocker::Nat => "nat",
        }
    }
}

/// What happened. The variant's name is the `kind` field of the JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Kind {
    /// The dial: a SYN from `src` to `dst`. `from` is the initiator.
    Connect {
        src: SocketAddr,
        dst: SocketAddr,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via: Option<Via>,
    },
    /// The three-way handshake completed.
    Accept,
    /// A dial that never became a connection (or a connection reset).
    Fail {
        reason: FailReason,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<Blocker>,
    },
    /// A command line, client to server, without its CRLF.
    Command { text: String, verb: String },
    /// A whole reply, server to client; lines of a multi-line reply are
    /// joined with `\n`.
    Reply { code: u16, text: String },
    /// Payload bytes on a data connection (possibly several segments
    /// coalesced; the sum per connection is exact).
    Data { bytes: u64 },
    /// The first FIN or RST of the connection; `from` closed it.
    Close,
}

impl Kind {
    /// The verb of a command; `None` for any other kind. (The JSON keeps
    /// the verb as text, so a trace may carry any verb.)
    pub fn verb(&self) -> Option<Verb> {
        match self {
            Kind::Command { verb, .. } => Some(Verb::parse(verb)),
            _ => None,
        }
    }

    /// The `kind` field's value.
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Connect { .. } => "connect",
            Kind::Accept => "accept",
            Kind::Fail { .. } => "fail",
            Kind::Command { .. } => "command",
            Kind::Reply { .. } => "reply",
            Kind::Data { .. } => "data",
            Kind::Close => "close",
        }
    }
}

/// How the note of a `connect` starts when the source did not see the SYN
/// but inferred the dial (replay: a connection caught mid-flow whose ends
/// match an announcement). Readers of the trace treat such a dial as
/// inferred, not seen.
pub const UNSEEN_DIAL: &str = "SYN not captured";

/// What the note of a line says when replay read it inside TLS with the
/// keys the capture carried (after "inside TLS: …", see
/// `tls::INSIDE_TLS`): the narration tells such lines as replay's reading,
/// not as read by their recorder.
pub const DECRYPTED: &str = "decrypted with the capture's keys";

/// Whether an event's note says replay decrypted it with the capture's
/// keys ([`DECRYPTED`]).
pub fn noted_decrypted(note: Option<&str>) -> bool {
    note.is_some_and(|n| n.contains(DECRYPTED))
}

/// How a recorded capture says why a dial failed, where the wire cannot
/// (a dropped SYN looks the same whoever dropped it): ftpviz's capture
/// writer ends the comment of the dial's last packet with
/// `ftpviz-fail: blocked by client-firewall` (or `refused by nat` …), and
/// replay reads it back ([`FailMark`]).
pub const FAIL_MARK: &str = "ftpviz-fail:";

/// A failure's reason and blocker as a capture's comment carries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailMark {
    pub reason: FailReason,
    pub by: Option<Blocker>,
}

impl FailMark {
    /// The words written into the comment.
    pub fn written(self) -> String {
        match self.by {
            Some(by) => format!("{FAIL_MARK} {} by {}", self.reason.as_str(), by.as_str()),
            None => format!("{FAIL_MARK} {}", self.reason.as_str()),
        }
    }

    /// The mark in a comment, if it carries one.
    pub fn read(comment: &str) -> Option<FailMark> {
        let (_, after) = comment.rsplit_once(FAIL_MARK)?;
        let mut words = after.split_whitespace();
        let reason = match words.next()? {
            "refused" => FailReason::Refused,
            "blocked" => FailReason::Blocked,
            "timeout" => FailReason::Timeout,
            "reset" => FailReason::Reset,
            _ => return None,
        };
        let by = match (words.next(), words.next()) {
            (Some("by"), Some(b)) => Some(match b {
                "client-firewall" => Blocker::ClientFirewall,
                "server-firewall" => Blocker::ServerFirewall,
                "nat" => Blocker::Nat,
                _ => return None,
            }),
            _ => None,
        };
        Some(FailMark { reason, by })
    }
}

/// One thing that happened on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Seconds since the first event of the trace.
    pub t: f64,
    /// FTP session number in this trace, from 1.
    pub session: u32,
    /// 0 is the control connection; 1.. the session's data connections in
    /// the order they were dialled.
    pub conn: u32,
    pub channel: Channel,
    /// Who sent it, or who dialled.
    pub from: Side,
    #[serde(flatten)]
    pub kind: Kind,
    /// A plain-words remark from the source for the narration (e.g. "bind
    /// to port 2120 failed, dialled from an ephemeral port"). Optional and
    /// not part of the event's identity; absent from JSON when empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Event {
    /// An event with no note.
    pub fn new(t: f64, session: u32, conn: u32, from: Side, kind: Kind) -> Event {
        let channel = if conn == 0 {
            Channel::Control
        } else {
            Channel::Data
        };
        Event {
            t,
            session,
            conn,
            channel,
            from,
            kind,
            note: None,
        }
    }

    /// The verb of a `command` event ([`Kind::verb`]).
    pub fn verb(&self) -> Option<Verb> {
        self.kind.verb()
    }

    /// True for a `connect` whose SYN the source did not see (its note
    /// starts with [`UNSEEN_DIAL`]).
    pub fn dial_unseen(&self) -> bool {
        matches!(self.kind, Kind::Connect { .. })
            && self
                .note
                .as_deref()
                .is_some_and(|n| n.starts_with(UNSEEN_DIAL))
    }

    /// The same event with a note attached.
    pub fn with_note(mut self, note: impl Into<String>) -> Event {
        self.note = Some(note.into());
        self
    }
}

/// A whole recorded conversation: events in time order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trace {
    pub events: Vec<Event>,
}

impl Trace {
    pub fn new() -> Trace {
        Trace::default()
    }

    pub fn push(&mut self, event: Event) {
        self.events.push(event);
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The session numbers present, ascending.
    pub fn sessions(&self) -> Vec<u32> {
        let mut s: Vec<u32> = self.events.iter().map(|e| e.session).collect();
        s.sort_unstable();
        s.dedup();
        s
    }

    /// Only the events of one session, renumbered as session 1 with `t`
    /// measured from that session's first event.
    pub fn session(&self, n: u32) -> Trace {
        let mut events: Vec<Event> = self
            .events
            .iter()
            .filter(|e| e.session == n)
            .cloned()
            .collect();
        let t0 = events.first().map(|e| e.t).unwrap_or(0.0);
        for e in &mut events {
            e.t -= t0;
            e.session = 1;
        }
        Trace { events }
    }

    /// The events of one connection, in order.
    pub fn connection(&self, session: u32, conn: u32) -> impl Iterator<Item = &Event> {
        self.events
            .iter()
            .filter(move |e| e.session == session && e.conn == conn)
    }

    /// Total payload bytes carried by one data connection.
    pub fn data_bytes(&self, session: u32, conn: u32) -> u64 {
        data_bytes(&self.events, session, conn)
    }
}

/// Total payload bytes carried by one connection among `events`.
pub fn data_bytes(events: &[Event], session: u32, conn: u32) -> u64 {
    events
        .iter()
        .filter(|e| e.session == session && e.conn == conn)
        .map(|e| match e.kind {
            Kind::Data { bytes } => bytes,
            _ => 0,
        })
        .sum()
}

impl FromIterator<Event> for Trace {
    fn from_iter<I: IntoIterator<Item = Event>>(iter: I) -> Trace {
        Trace {
            events: iter.into_iter().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fail_mark_reads_back_what_was_written_and_nothing_else() {
        for by in [None, Some(Blocker::ClientFirewall), Some(Blocker::Nat)] {
            for reason in [
                FailReason::Blocked,
                FailReason::Refused,
                FailReason::Timeout,
            ] {
                let mark = FailMark { reason, by };
                let comment = format!("The server dials the client.\n{}", mark.written());
                assert_eq!(FailMark::read(&comment), Some(mark));
            }
        }
        assert_eq!(FailMark::read("ftpviz-fail: melted"), None);
        assert_eq!(FailMark::read("ftpviz-fail: blocked by a-goat"), None);
        assert_eq!(FailMark::read("no mark here"), None);
    }
}
