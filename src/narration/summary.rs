//! The summary: a whole session in one screen, when the lesson is over.
//!
//! Stepping shows one event at a time; at the end a student should be able
//! to say, for every transfer, **who dialled whom, from which port to which,
//! announced by which command, and whether it worked**. That is this
//! module's answer, read off the trace and nothing else:
//!
//! ```text
//! Active mode: the server dialled the client for every transfer, from
//! port 2120 (control port 2121 − 1).
//! 4 data connections, all dialled by the server.
//! #1 LIST · server dialled (PORT) · 220 B ✓
//!    127.0.0.3:2120 → 127.0.0.2:39965
//! …
//! ```
//!
//! The first line is the rule the session shows: active, passive, both, or
//! the dial that broke and what broke it. The same facts give the kind of a
//! session for a title ([`kind`]): active, passive, mixed or none.

use crate::account::{failure_words, Account, End, Evidence, Story, Who};
use crate::trace::{Blocker, Event, FailReason, Side, Via};
use std::net::SocketAddr;

/// How a data connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The handshake completed (or bytes crossed it).
    Connected,
    /// It never became a connection.
    Failed {
        reason: FailReason,
        by: Option<Blocker>,
    },
    /// The trace ends before the dial's answer.
    Unanswered,
    /// The capture has no dial, but `1xx … 2xx` show the bytes flowed.
    Flowed,
    /// The capture has no dial, but a 425 shows the server could not make
    /// it.
    NotMade,
}

/// One data connection, from its dial to its last byte — or, where the
/// capture missed it, what the replies prove of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dial {
    pub session: u32,
    /// Its number, when the trace has its dial.
    pub conn: Option<u32>,
    /// Who dialled (sent the SYN).
    pub dialler: Side,
    /// From → to, when the trace has the dial.
    pub ends: Option<(SocketAddr, SocketAddr)>,
    /// The port the announcement named, when only that tells where.
    pub to_port: Option<u16>,
    /// The command or reply that announced the address.
    pub via: Option<Via>,
    /// The transfer command it served (`LIST`, `RETR hello.txt`), if one
    /// was sent.
    pub transfer: Option<String>,
    /// Payload bytes it carried, in either direction.
    pub bytes: u64,
    pub outcome: Outcome,
    /// `seen` or `inferred` (the account's word).
    pub evidence: &'static str,
    /// Where it starts in the trace (its dial, or the reply that proves it).
    at: usize,
}

/// What a session did with its data connections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub dials: Vec<Dial>,
    /// Address announcements the server refused (`PORT` answered 4xx/5xx),
    /// by verb.
    pub refused: Vec<String>,
    /// The server's control port (the first control dial's destination).
    pub control_port: Option<u16>,
    /// How many sessions the events hold.
    pub sessions: usize,
}

/// Which way a session's data connections went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// Every data dial was the server's (PORT, EPRT).
    Active,
    /// Every data dial was the client's (PASV, EPSV).
    Passive,
    /// Both.
    Mixed,
    /// No data connection at all.
    None,
}

impl SessionKind {
    /// A title's words: "ACTIVE: server dials".
    pub fn title(self) -> &'static str {
        match self {
            SessionKind::Active => "ACTIVE: server dials",
            SessionKind::Passive => "PASSIVE: client dials",
            SessionKind::Mixed => "MIXED: both dial",
            SessionKind::None => "no data connection",
        }
    }

    /// "active ×2", "passive ×1", "active ×1, passive ×2": the picker's
    /// words for a session.
    pub fn count(dials: &[Dial]) -> String {
        let server = dials.iter().filter(|d| d.dialler == Side::Server).count();
        let client = dials.len() - server;
        match (server, client) {
            (0, 0) => "no data connection".to_string(),
            (a, 0) => format!("active ×{a}"),
            (0, p) => format!("passive ×{p}"),
            (a, p) => format!("active ×{a}, passive ×{p}"),
        }
    }
}

/// The kind of the session(s) the account tells of, from who dialled
/// their data connections (those the capture missed but the replies
/// prove, too).
pub fn kind(account: &Account) -> SessionKind {
    let dials = summary_of(account).dials;
    let server = dials.iter().any(|d| d.dialler == Side::Server);
    let client = dials.iter().any(|d| d.dialler == Side::Client);
    match (server, client) {
        (true, false) => SessionKind::Active,
        (false, true) => SessionKind::Passive,
        (true, true) => SessionKind::Mixed,
        (false, false) => SessionKind::None,
    }
}

/// Reads the data connections off a trace.
pub fn summarise(events: &[Event]) -> Summary {
    summary_of(&Account::of(events, true))
}

/// Reads the data connections off an account.
pub fn summary_of(account: &Account) -> Summary {
    let mut s = Summary {
        sessions: account.sessions.len(),
        control_port: account
            .sessions
            .iter()
            .filter_map(|s| s.control)
            .min_by_key(|c| c.at)
            .map(|c| c.server.port()),
        ..Summary::default()
    };
    for story in &account.sessions {
        s.dials.extend(dials_of(account, story));
        s.refused.extend(
            story
                .announcements
                .iter()
                .filter(|a| a.refused.is_some())
                .map(|a| a.name().to_string()),
        );
    }
    s
}

/// A session's data connections: those dialled in the trace, and those the
/// replies prove the capture missed, in the order they happened.
pub fn dials_of(account: &Account, story: &Story) -> Vec<Dial> {
    let transfer_text = |t: Option<usize>| {
        t.and_then(|t| story.transfers.get(t))
            .map(|t| super::clean(&t.text))
    };
    let mut out: Vec<Dial> = story
        .data
        .iter()
        // Another host's dial is not one of the session's connections.
        .filter(|d| !d.stranger)
        .map(|d| Dial {
            session: story.session,
            conn: Some(d.conn),
            dialler: d.dialler,
            ends: Some((d.from, d.to)),
            to_port: None,
            via: d.via,
            transfer: transfer_text(d.transfer),
            bytes: d.bytes,
            outcome: match d.end() {
                End::Connected { .. } => Outcome::Connected,
                End::Failed { reason, by } => Outcome::Failed { reason, by },
                End::Unanswered => Outcome::Unanswered,
            },
            evidence: if d.dial_seen { "seen" } else { "inferred" },
            at: d.dial,
        })
        .collect();
    for (i, ann) in story.announcements.iter().enumerate() {
        if ann.conn.is_some() {
            continue;
        }
        let Some(a) = story.answer(i, account.finished) else {
            continue;
        };
        let (Evidence::Inferred { from, .. }, Some(side)) = (&a.evidence, a.who.side()) else {
            continue;
        };
        let outcome = match a.end {
            Some(End::Connected { .. }) => Outcome::Flowed,
            _ => Outcome::NotMade,
        };
        out.push(Dial {
            session: story.session,
            conn: None,
            dialler: side,
            ends: None,
            to_port: a.to,
            via: Some(ann.via()),
            transfer: transfer_text(ann.transfers.last().copied()),
            bytes: 0,
            outcome,
            evidence: "inferred",
            at: from.first().copied().unwrap_or(ann.at),
        });
        debug_assert!(a.who != Who::Nobody);
    }
    out.sort_by_key(|d| d.at);
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

impl Dial {
    /// "#1 LIST · server dialled (PORT) · 220 B ✓"
    pub fn headline(&self, sessions: usize) -> String {
        let n = self.conn.map_or("?".to_string(), |c| c.to_string());
        let id = if sessions > 1 {
            format!("s{} #{n}", self.session)
        } else {
            format!("#{n}")
        };
        let what = self.transfer.as_deref().unwrap_or("no transfer");
        let via = self
            .via
            .map(|v| format!(" ({})", v.as_str()))
            .unwrap_or_default();
        let end = match self.outcome {
            Outcome::Connected => format!("{} B ✓", self.bytes),
            Outcome::Failed { reason, by } => format!("✗ {}", failure_words(reason, by)),
            Outcome::Unanswered => "no answer yet".to_string(),
            Outcome::Flowed => "not in the capture; 1xx…2xx ✓".to_string(),
            Outcome::NotMade => "not in the capture; 425 ✗".to_string(),
        };
        format!("{id} {what} · {} dialled{via} · {end}", self.dialler)
    }

    /// "127.0.0.3:2120 → 127.0.0.2:39965", or what the announcement named
    /// when the capture missed the dial.
    pub fn path(&self) -> String {
        match (self.ends, self.to_port) {
            (Some((from, to)), _) => format!("{from} → {to}"),
            (None, Some(p)) => format!("(inferred) → port {p}, as announced"),
            (None, None) => "(inferred)".to_string(),
        }
    }

    fn failed(&self) -> bool {
        !matches!(self.outcome, Outcome::Connected | Outcome::Flowed)
    }
}

impl Summary {
    /// The first line: how many data connections, and who dialled them.
    pub fn headline(&self) -> String {
        let n = self.dials.len();
        let server = self
            .dials
            .iter()
            .filter(|d| d.dialler == Side::Server)
            .count();
        match (n, server) {
            (0, _) => "No data connection.".to_string(),
            (n, s) if s == n => format!(
                "{}, {} by the server.",
                plural(n, "data connection", "data connections"),
                if n == 1 { "dialled" } else { "all dialled" }
            ),
            (n, 0) => format!(
                "{}, {} by the client.",
                plural(n, "data connection", "data connections"),
                if n == 1 { "dialled" } else { "all dialled" }
            ),
            (n, s) => format!(
                "{}: {s} dialled by the server, {} by the client.",
                plural(n, "data connection", "data connections"),
                n - s
            ),
        }
    }

    /// The rule the session shows, in one sentence.
    pub fn rule(&self) -> String {
        let failed: Vec<&Dial> = self.dials.iter().filter(|d| d.failed()).collect();
        if self.dials.is_empty() {
            return match self.refused.first() {
                Some(verb) => format!(
                    "Nothing crossed a data connection: the server refused {} (5xx) and \
                     dialled nothing.",
                    if self.refused.len() == 1 {
                        format!("the {verb}")
                    } else {
                        format!("every {verb}")
                    }
                ),
                None => "Only the control connection was used.".to_string(),
            };
        }
        if let Some(first) = failed.first() {
            return self.broken(first, failed.len());
        }
        let server: Vec<&Dial> = self
            .dials
            .iter()
            .filter(|d| d.dialler == Side::Server)
            .collect();
        let client = self.dials.len() - server.len();
        if client == 0 {
            let port = |d: &&Dial| d.ends.map(|(from, _)| from.port());
            let from = server.first().and_then(port);
            let same = server.iter().all(|d| port(d) == from);
            let minus_one = match (from, self.control_port) {
                (Some(p), Some(c)) if same && c.checked_sub(1) == Some(p) => {
                    format!(", from port {p} (control port {c} − 1)")
                }
                _ => String::new(),
            };
            format!("Active mode: the server dialled the client for every transfer{minus_one}.")
        } else if server.is_empty() {
            "Passive mode: the client dialled the server for every transfer, to the port the \
             server named."
                .to_string()
        } else {
            format!(
                "Both modes: the server dialled {} (active), the client {} (passive).",
                plural(server.len(), "time", "times"),
                plural(client, "time", "times")
            )
        }
    }

    /// The rule when dials failed: what broke which mode.
    fn broken(&self, first: &Dial, n: usize) -> String {
        let all = n == self.dials.len();
        let count = if all {
            if n == 1 {
                "its data dial".to_string()
            } else {
                format!("all {n} of its data dials")
            }
        } else {
            format!("{n} of its {} data dials", self.dials.len())
        };
        let who = first.dialler;
        let mode = if who == Side::Server {
            "active"
        } else {
            "passive"
        };
        match first.outcome {
            Outcome::Failed {
                reason: FailReason::Blocked,
                by: Some(Blocker::ClientFirewall),
            } if who == Side::Server => format!(
                "The client firewall dropped {count} (the server's, inbound): {mode} mode \
                 breaks behind a client firewall."
            ),
            Outcome::Failed {
                reason: FailReason::Blocked,
                by: Some(Blocker::ServerFirewall),
            } if who == Side::Client => format!(
                "The server firewall dropped {count} (the client's, to data ports): {mode} \
                 mode breaks behind a server firewall."
            ),
            Outcome::Failed {
                reason: FailReason::Blocked,
                by: Some(Blocker::Nat),
            } => format!(
                "The {who} lost {count} to the NAT: no route leads to the private address it \
                 dialled."
            ),
            Outcome::Failed {
                reason: FailReason::Refused,
                by: Some(Blocker::Nat),
            } => format!(
                "The NAT refused {count} (the {who}'s) with an RST: it forwards nothing to \
                 those ports."
            ),
            Outcome::Failed { reason, by } => {
                format!("The {who} lost {count} ({}).", failure_words(reason, by))
            }
            Outcome::NotMade => {
                format!("The {who} could not open {count}: 425, and the capture has no SYN.")
            }
            _ => format!("The {who} dialled, and the trace ends before {count} got an answer."),
        }
    }

    /// Everything, a line each: the rule first (on a small screen it is
    /// the line that must not be cut), the count, two lines a connection.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![self.rule(), self.headline()];
        for d in &self.dials {
            out.push(d.headline(self.sessions));
            out.push(format!("   {}", d.path()));
        }
        out
    }
}
