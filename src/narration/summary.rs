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

use crate::trace::{Blocker, Event, FailReason, Kind, Side, Via};
use std::net::SocketAddr;

/// How a data dial ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The handshake completed.
    Connected,
    /// It never became a connection.
    Failed {
        reason: FailReason,
        by: Option<Blocker>,
    },
    /// The trace ends before the dial's answer.
    Unanswered,
}

/// One data connection, from its dial to its last byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dial {
    pub session: u32,
    pub conn: u32,
    /// Who dialled (sent the SYN).
    pub dialler: Side,
    pub from: SocketAddr,
    pub to: SocketAddr,
    /// The command or reply that announced the address.
    pub via: Option<Via>,
    /// The transfer command it served (`LIST`, `RETR hello.txt`), if one
    /// was sent.
    pub transfer: Option<String>,
    /// Payload bytes it carried, in either direction.
    pub bytes: u64,
    pub outcome: Outcome,
}

/// What a session did with its data connections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub dials: Vec<Dial>,
    /// Address announcements the server refused (`PORT` answered 5xx),
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
    /// No data dial at all.
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
}

/// The kind of the session(s) in `events`, from who dialled their data
/// connections.
pub fn kind(events: &[Event]) -> SessionKind {
    let dials = || {
        events
            .iter()
            .filter(|e| e.conn > 0 && matches!(e.kind, Kind::Connect { .. }))
    };
    let server = dials().any(|e| e.from == Side::Server);
    let client = dials().any(|e| e.from == Side::Client);
    match (server, client) {
        (true, false) => SessionKind::Active,
        (false, true) => SessionKind::Passive,
        (true, true) => SessionKind::Mixed,
        (false, false) => SessionKind::None,
    }
}

fn is_transfer(verb: &str) -> bool {
    matches!(
        verb,
        "LIST" | "NLST" | "MLSD" | "RETR" | "STOR" | "STOU" | "APPE"
    )
}

fn is_announcement(verb: &str) -> bool {
    matches!(verb, "PORT" | "EPRT" | "PASV" | "EPSV")
}

/// Reads the data connections off a trace.
pub fn summarise(events: &[Event]) -> Summary {
    let mut s = Summary {
        sessions: {
            let mut n: Vec<u32> = events.iter().map(|e| e.session).collect();
            n.sort_unstable();
            n.dedup();
            n.len()
        },
        ..Summary::default()
    };
    for (i, e) in events.iter().enumerate() {
        match &e.kind {
            Kind::Connect { dst, .. } if e.conn == 0 && s.control_port.is_none() => {
                s.control_port = Some(dst.port());
            }
            Kind::Connect { src, dst, via } => s.dials.push(Dial {
                session: e.session,
                conn: e.conn,
                dialler: e.from,
                from: *src,
                to: *dst,
                via: *via,
                transfer: transfer_of(events, i),
                bytes: crate::trace::data_bytes(events, e.session, e.conn),
                outcome: outcome_of(events, i),
            }),
            Kind::Reply { code: 500.., .. } => {
                if let Some(verb) = last_command(events, i, e.session) {
                    if matches!(verb, "PORT" | "EPRT") {
                        s.refused.push(verb.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    s
}

/// The verb of the last command before `i` in `session`.
fn last_command(events: &[Event], i: usize, session: u32) -> Option<&str> {
    events
        .get(..i)?
        .iter()
        .rev()
        .filter(|e| e.session == session)
        .find_map(|e| match &e.kind {
            Kind::Command { verb, .. } => Some(verb.as_str()),
            _ => None,
        })
}

/// The transfer command a data dial served: after its announcement
/// (PORT/PASV…) and before the next one, whether sent before the dial
/// (active) or after it (passive).
fn transfer_of(events: &[Event], i: usize) -> Option<String> {
    let dial = events.get(i)?;
    let commands = |range: &[Event]| -> Vec<(String, String)> {
        range
            .iter()
            .filter(|e| e.session == dial.session)
            .filter_map(|e| match &e.kind {
                Kind::Command { verb, text } => Some((verb.clone(), text.clone())),
                _ => None,
            })
            .collect()
    };
    // Back to the announcement: a transfer command on the way is the one.
    for (verb, text) in commands(events.get(..i)?).into_iter().rev() {
        if is_transfer(&verb) {
            return Some(super::clean(&text));
        }
        if is_announcement(&verb) {
            break;
        }
    }
    // Forward to the next announcement.
    for (verb, text) in commands(events.get(i + 1..)?) {
        if is_transfer(&verb) {
            return Some(super::clean(&text));
        }
        if is_announcement(&verb) {
            break;
        }
    }
    None
}

/// How the dial `events[i]` ended, as far as `events` tell.
pub fn outcome_of(events: &[Event], i: usize) -> Outcome {
    let Some(dial) = events.get(i) else {
        return Outcome::Unanswered;
    };
    let after = events.get(i + 1..).unwrap_or_default();
    after
        .iter()
        .filter(|e| e.session == dial.session && e.conn == dial.conn)
        .find_map(|e| match e.kind {
            Kind::Accept => Some(Outcome::Connected),
            Kind::Fail { reason, by } => Some(Outcome::Failed { reason, by }),
            _ => None,
        })
        .unwrap_or(Outcome::Unanswered)
}

fn blocker_words(by: Blocker) -> &'static str {
    match by {
        Blocker::ClientFirewall => "client firewall",
        Blocker::ServerFirewall => "server firewall",
        Blocker::Nat => "NAT",
    }
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
        let id = if sessions > 1 {
            format!("s{} #{}", self.session, self.conn)
        } else {
            format!("#{}", self.conn)
        };
        let what = self.transfer.as_deref().unwrap_or("no transfer");
        let via = self
            .via
            .map(|v| format!(" ({})", v.as_str()))
            .unwrap_or_default();
        let end = match self.outcome {
            Outcome::Connected => format!("{} B ✓", self.bytes),
            Outcome::Failed {
                reason: FailReason::Blocked,
                by: Some(by),
            } => format!("✗ blocked by the {}", blocker_words(by)),
            Outcome::Failed { reason, .. } => format!("✗ {}", reason.as_str()),
            Outcome::Unanswered => "no answer yet".to_string(),
        };
        format!("{id} {what} · {} dialled{via} · {end}", self.dialler)
    }

    /// "127.0.0.3:2120 → 127.0.0.2:39965"
    pub fn path(&self) -> String {
        format!("{} → {}", self.from, self.to)
    }

    fn failed(&self) -> bool {
        !matches!(self.outcome, Outcome::Connected)
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
            let from = server.first().map(|d| d.from.port());
            let same = server.iter().all(|d| Some(d.from.port()) == from);
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
                "The {who} lost {count} to the NAT: the address it dialled was a private one \
                 it cannot reach."
            ),
            Outcome::Failed { reason, by } => {
                let by = by
                    .map(|b| format!(" by the {}", blocker_words(b)))
                    .unwrap_or_default();
                format!("The {who} lost {count} ({}{by}).", reason.as_str())
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
