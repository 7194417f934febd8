//! The account: what happened, worked out once.
//!
//! A trace is a list of moments: a SYN here, a reply there. A student asks
//! questions that span moments — *who dialled the data connection that PORT
//! asked for? did the RETR's bytes ever flow? who closed the connection
//! before the 226?* Every part of ftpviz that speaks to the student (the
//! narration, the quiz, the summary, the titles, the presenter, the comments
//! of a recorded capture) needs those answers, and if each worked them out
//! for itself, each would get them a little wrong in its own way. So they
//! are worked out here, once, and everyone reads them.
//!
//! For each session the account holds:
//!
//! - every **exchange**: a command and the replies that answer it (a
//!   preliminary `150`, then the final `226`), paired in order, as FTP's
//!   control connection delivers them (RFC 959 §4.2: one final reply per
//!   command);
//! - every **announcement** — `PORT`/`EPRT` from the client, `227`/`229`
//!   from the server — and what it led to: the data connection dialled for
//!   it, a refusal, or nothing because the client moved on;
//! - every **transfer command** (`LIST`, `RETR`, `STOR`…) and the data
//!   connection that carried its bytes;
//! - every **data connection**: who dialled, from which port to which, and
//!   how it ended.
//!
//! Each answer carries its [`Evidence`]: **seen** (these events show it),
//! **inferred** from named events (`150 … 226` with no SYN in the capture:
//! data flowed, the capture simply missed its connection), or **unknown**
//! (the trace ends first). A sentence may state as a fact only what is
//! seen or inferred, and must say which.
//!
//! The account is a pure function of the events (no I/O, no clock), built
//! in one pass as they come (`build`), and it does not predict: of a live
//! run it knows what has happened so far, and says so
//! ([`Account::finished`]). What a sentence asserts about a trace is a
//! [`claim`], which the account can check.

mod answer;
mod build;
pub mod claim;

pub use answer::{blocker_words, failure_words, Answer, Who};
pub use claim::Claim;

use crate::ftp::verb::{Setup, Transfer as TransferVerb, Verb};
use crate::trace::{Blocker, Event, FailReason, Side, Via};
use std::net::{IpAddr, SocketAddr};

/// How a fact is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// These events (indices into the trace) show it.
    Seen(Vec<usize>),
    /// Worked out from these events, for the reason given.
    Inferred { from: Vec<usize>, because: String },
    /// The trace does not tell, for the reason given.
    Unknown(String),
}

impl Evidence {
    /// `seen`, `inferred` or `unknown`: the worksheet's word.
    pub fn name(&self) -> &'static str {
        match self {
            Evidence::Seen(_) => "seen",
            Evidence::Inferred { .. } => "inferred",
            Evidence::Unknown(_) => "unknown",
        }
    }
}

/// Everything that happened in a trace, session by session.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Account {
    pub sessions: Vec<Story>,
    /// The events are the whole story (a capture, a finished run). When
    /// false (a live run) what has not happened yet may still happen.
    pub finished: bool,
    /// How many events the account was built from.
    pub len: usize,
}

/// One session's story.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Story {
    pub session: u32,
    /// How many events the session has.
    pub events: usize,
    /// The control connection's dial, when the trace has it.
    pub control: Option<ControlDial>,
    /// The server's greeting (a 220 or 120 that answers no command).
    pub greeting: Option<usize>,
    pub exchanges: Vec<Exchange>,
    pub announcements: Vec<Announcement>,
    pub transfers: Vec<Transfer>,
    pub data: Vec<DataConn>,
    /// `234` to `AUTH`: the control connection turned to TLS after it.
    pub tls_from: Option<usize>,
    /// The first FIN, RST or failure of the control connection.
    pub control_end: Option<usize>,
    /// What the telling needs beyond the story.
    progress: build::Progress,
}

/// The control connection's dial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlDial {
    pub at: usize,
    pub client: SocketAddr,
    pub server: SocketAddr,
    /// The handshake completed here.
    pub accepted: Option<usize>,
}

/// A command and the replies that answer it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The command's event.
    pub at: usize,
    pub verb: Verb,
    /// The argument, trimmed.
    pub arg: String,
    /// The replies that answer it, in order: `(event, code)`. Preliminary
    /// (1xx) ones first; the last is final when its code is 200 or more.
    pub replies: Vec<(usize, u16)>,
}

impl Exchange {
    /// The final reply (code 200 or more), once it came.
    pub fn fin(&self) -> Option<(usize, u16)> {
        self.replies.iter().copied().find(|&(_, c)| c >= 200)
    }

    /// The first preliminary reply (1xx), if any.
    pub fn preliminary(&self) -> Option<(usize, u16)> {
        self.replies.iter().copied().find(|&(_, c)| c < 200)
    }
}

/// `PORT`/`EPRT` (the client's address) or `227`/`229` (the server's port).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    /// The event that names the address: the PORT/EPRT command, or the
    /// 227/229 reply.
    pub at: usize,
    pub setup: Setup,
    /// The line as it crossed the wire.
    pub line: String,
    /// The port it names, when it parses.
    pub port: Option<u16>,
    /// The address it names (none in a 229).
    pub host: Option<IpAddr>,
    /// Its exchange: the PORT/EPRT's own, or the PASV/EPSV's.
    pub exchange: Option<usize>,
    /// The reply that refused it (PORT/EPRT answered 4xx/5xx).
    pub refused: Option<usize>,
    /// The data connection dialled for it.
    pub conn: Option<u32>,
    /// The transfer commands that used it (indices into the transfers).
    pub transfers: Vec<usize>,
    /// The event after which nothing could use it any more: a newer
    /// announcement, QUIT, the end of the control connection.
    pub superseded: Option<usize>,
}

impl Announcement {
    /// The via a dial for it carries.
    pub fn via(&self) -> Via {
        Via::from(self.setup)
    }

    /// Who is to dial, by the mode it sets up.
    pub fn dialler(&self) -> Side {
        self.via().dialler()
    }

    /// What the student calls it: `PORT`, `EPRT`, `227`, `229`.
    pub fn name(&self) -> &'static str {
        match self.setup {
            Setup::Port | Setup::Eprt => self.setup.as_str(),
            Setup::Pasv => "227",
            Setup::Epsv => "229",
        }
    }
}

/// A transfer command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub at: usize,
    pub verb: TransferVerb,
    /// The line as sent.
    pub text: String,
    /// Its exchange (index into the exchanges).
    pub exchange: usize,
    /// The announcement it used, if one was pending.
    pub announcement: Option<usize>,
    /// The data connection that carried its bytes.
    pub conn: Option<u32>,
}

/// A data connection, from its dial to its close.
#[derive(Debug, Clone, PartialEq)]
pub struct DataConn {
    pub conn: u32,
    /// The `connect` event.
    pub dial: usize,
    /// The SYN is in the trace (not inferred by its source, see
    /// [`crate::trace::UNSEEN_DIAL`]).
    pub dial_seen: bool,
    /// Dialled from another host than the session's client (a passive
    /// port taken by a stranger): not the session's own data connection,
    /// so linked to no announcement and no transfer.
    pub stranger: bool,
    pub dialler: Side,
    pub from: SocketAddr,
    pub to: SocketAddr,
    pub via: Option<Via>,
    /// The announcement it was dialled for (index into announcements).
    pub announcement: Option<usize>,
    /// The transfer it carried (index into transfers).
    pub transfer: Option<usize>,
    /// The handshake completed here.
    pub accepted: Option<usize>,
    /// It failed here, and why.
    pub failed: Option<(usize, FailReason, Option<Blocker>)>,
    /// The first payload.
    pub first_data: Option<usize>,
    pub bytes: u64,
    /// Who sent the payload.
    pub sender: Option<Side>,
    /// The first FIN or RST: where, and who sent it.
    pub closed: Option<(usize, Side)>,
}

/// How a data dial ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The handshake completed (`seen`), or bytes crossed it though the
    /// handshake is not in the trace (`seen == false`).
    Connected { seen: bool },
    /// It never became a connection.
    Failed {
        reason: FailReason,
        by: Option<Blocker>,
    },
    /// The trace has no answer to the SYN.
    Unanswered,
}

impl DataConn {
    /// How the dial ended, as far as the account knows.
    pub fn end(&self) -> End {
        match (self.accepted, self.failed, self.first_data) {
            (Some(a), Some((f, reason, by)), _) if f < a => End::Failed { reason, by },
            (Some(_), _, _) => End::Connected { seen: true },
            (None, Some((_, reason, by)), None) => End::Failed { reason, by },
            (None, _, Some(_)) => End::Connected { seen: false },
            (None, None, None) => End::Unanswered,
        }
    }

    /// Whether it was up (accepted, or carrying bytes) and not yet closed
    /// just before event `at`.
    pub fn open_before(&self, at: usize) -> bool {
        let up = self.accepted.or(self.first_data).is_some_and(|u| u < at);
        let down =
            self.closed.is_some_and(|(c, _)| c < at) || self.failed.is_some_and(|(f, _, _)| f < at);
        up && !down
    }
}

impl Account {
    /// The account of `events`. `finished`: they are the whole story.
    pub fn of(events: &[Event], finished: bool) -> Account {
        build::account(events, finished)
    }

    /// One session's story.
    pub fn session(&self, n: u32) -> Option<&Story> {
        self.sessions.iter().find(|s| s.session == n)
    }

    /// The announcement made at event `at`, with its session's story.
    pub fn announcement_at(&self, at: usize) -> Option<(&Story, usize)> {
        self.sessions.iter().find_map(|s| {
            s.announcements
                .iter()
                .position(|a| a.at == at)
                .map(|i| (s, i))
        })
    }
}

impl Story {
    /// Data connection `conn`.
    pub fn data_conn(&self, conn: u32) -> Option<&DataConn> {
        self.data.iter().find(|d| d.conn == conn)
    }

    /// The exchange whose command is event `at`.
    pub fn exchange_at(&self, at: usize) -> Option<&Exchange> {
        self.exchanges.iter().find(|x| x.at == at)
    }

    /// The exchange that reply event `at` answers.
    pub fn answered_by(&self, at: usize) -> Option<&Exchange> {
        self.exchanges
            .iter()
            .find(|x| x.replies.iter().any(|&(r, _)| r == at))
    }

    /// The transfer whose command is event `at`.
    pub fn transfer_at(&self, at: usize) -> Option<&Transfer> {
        self.transfers.iter().find(|t| t.at == at)
    }

    /// Whether the dial of connection `conn` (0: the control connection)
    /// got through, as far as the account knows: its handshake completed,
    /// or something crossed it (bytes; on the control connection, the
    /// greeting or an exchange). A dial not answered yet, or failed, did
    /// not.
    pub fn got_through(&self, conn: u32) -> bool {
        if conn == 0 {
            return self.control.is_some_and(|c| c.accepted.is_some())
                || self.greeting.is_some()
                || !self.exchanges.is_empty();
        }
        self.data
            .iter()
            .rev()
            .find(|d| d.conn == conn)
            .is_some_and(|d| matches!(d.end(), End::Connected { .. }))
    }

    /// The server's control port L, when the control dial is in the trace.
    pub fn control_port(&self) -> Option<u16> {
        self.control.map(|c| c.server.port())
    }

    /// The transfer command a reply event answers, if it is one.
    pub fn transfer_answered_by(&self, at: usize) -> Option<&Transfer> {
        let x = self.answered_by(at)?;
        self.transfers.iter().find(|t| t.at == x.at)
    }

    /// The exchange of a transfer.
    pub fn exchange_of(&self, t: &Transfer) -> Option<&Exchange> {
        self.exchanges.get(t.exchange)
    }
}

#[cfg(test)]
mod tests;
