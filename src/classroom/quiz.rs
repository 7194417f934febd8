//! The quiz: predict, then reveal.
//!
//! A student who is told "in active mode the server dials" nods; a student
//! who has to *say* who dials, from which port to which port, and then sees
//! the real SYN, remembers. So before every data dial is shown — right after
//! the line that announced it (`PORT`/`EPRT` from the client, `227`/`229`
//! from the server) — the quiz asks three things:
//!
//! 1. **who dials?** the client or the server;
//! 2. **from which port?** and 3. **to which port?** — each one of four
//!    ports this very trace offers: the port the announcement names, the
//!    server's control port L, the port next to it (L − 1, RFC 959's
//!    default for the server's side of a data connection), or an ephemeral
//!    port the dialler's operating system picks.
//!
//! Then the trace goes on, and the answer is read off it: the next data
//! `connect` of the session says who dialled and from where to where. The
//! reasons come from the same events: the arithmetic of the announcement,
//! the control − 1 rule (and whether this server kept it), the middlebox
//! that dropped the SYN. Nothing is hard-coded: a replayed capture of a
//! server that dials from port 20, or from an ephemeral port, is graded by
//! what it did.
//!
//! Before a run with a middlebox there is one more question, "will this
//! transfer work?", answered by the first transfer command's final reply.

use crate::ftp::hostport::{parse_227, parse_229, parse_eprt, parse_port, port_bytes};
use crate::narration::cite::Rule;
use crate::narration::summary::{outcome_of, Outcome};
use crate::trace::{Blocker, Event, Kind, Side, Via};
use std::net::SocketAddr;

/// What a port is to this data connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortRole {
    /// The port the announcement (PORT/EPRT/227/229) names.
    Announced,
    /// The server's control port minus one (RFC 959's L − 1).
    ControlMinusOne,
    /// The server's control port (L).
    Control,
    /// Any port the dialler's operating system picks.
    Ephemeral,
}

impl PortRole {
    /// The four choices, in the order the keys 1–4 pick them.
    pub const ALL: [PortRole; 4] = [
        PortRole::Announced,
        PortRole::ControlMinusOne,
        PortRole::Control,
        PortRole::Ephemeral,
    ];
}

/// A question, asked right after an announcement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub session: u32,
    /// Where the announcement is in the events.
    pub at: usize,
    pub via: Via,
    /// The announcement as it crossed the wire.
    pub line: String,
    /// The port it names.
    pub announced: u16,
    /// The server's control port L (from the session's control dial).
    pub control: u16,
}

impl Question {
    /// The question that `events[at]` raises, if it announces a data
    /// connection (a PORT/EPRT command, a 227/229 reply) that parses.
    pub fn at(events: &[Event], at: usize) -> Option<Question> {
        let e = events.get(at)?;
        let (via, line, announced) = match &e.kind {
            Kind::Command { verb, text } => {
                let arg = text.get(verb.len()..).unwrap_or("").trim();
                match verb.as_str() {
                    "PORT" => (Via::Port, text, parse_port(arg).ok()?.port()),
                    "EPRT" => (Via::Eprt, text, parse_eprt(arg).ok()?.port()),
                    _ => return None,
                }
            }
            Kind::Reply { code: 227, text } => (Via::Pasv, text, parse_227(text).ok()?.port()),
            Kind::Reply { code: 229, text } => (Via::Epsv, text, parse_229(text).ok()?),
            _ => return None,
        };
        let control = control_port(&events[..at], e.session)?;
        Some(Question {
            session: e.session,
            at,
            via,
            line: line.clone(),
            announced,
            control,
        })
    }

    /// What `port` is to this connection.
    pub fn role(&self, port: u16) -> PortRole {
        if port == self.announced {
            PortRole::Announced
        } else if port == self.control {
            PortRole::Control
        } else if Some(port) == self.control.checked_sub(1) {
            PortRole::ControlMinusOne
        } else {
            PortRole::Ephemeral
        }
    }

    /// A choice as the student sees it, with this trace's numbers.
    pub fn choice(&self, role: PortRole) -> String {
        match role {
            PortRole::Announced => format!("{} (named by {})", self.announced, self.named_by()),
            PortRole::ControlMinusOne => match self.control.checked_sub(1) {
                Some(p) => format!("{p} (control port − 1)"),
                None => "control port − 1 (none: L is 0)".to_string(),
            },
            PortRole::Control => format!("{} (the control port)", self.control),
            PortRole::Ephemeral => "an ephemeral port the OS picks".to_string(),
        }
    }

    fn named_by(&self) -> &'static str {
        match self.via {
            Via::Pasv => "227",
            Via::Epsv => "229",
            other => other.as_str(),
        }
    }
}

/// The server's control port of `session`: where its control dial went.
fn control_port(before: &[Event], session: u32) -> Option<u16> {
    before.iter().find_map(|e| match e.kind {
        Kind::Connect { dst, .. } if e.session == session && e.conn == 0 => Some(dst.port()),
        _ => None,
    })
}

/// What really happened after the announcement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Truth {
    Dial {
        who: Side,
        src: SocketAddr,
        dst: SocketAddr,
        outcome: Outcome,
    },
    /// Nobody dialled: the server refused, or the client moved on.
    NoDial {
        /// The refusal, when there was one (e.g. `504 …`).
        reply: Option<(u16, String)>,
    },
}

impl Truth {
    /// Reads the answer off the events after the question, or `None` when
    /// they do not tell yet (the live lab goes on).
    pub fn of(events: &[Event], q: &Question) -> Option<Truth> {
        for i in q.at + 1..events.len() {
            let e = &events[i];
            if e.session != q.session {
                continue;
            }
            match &e.kind {
                Kind::Connect { src, dst, .. } if e.conn > 0 => {
                    return Some(Truth::Dial {
                        who: e.from,
                        src: *src,
                        dst: *dst,
                        outcome: outcome_of(events, i),
                    });
                }
                Kind::Reply { code, text } if *code >= 400 => {
                    return Some(Truth::NoDial {
                        reply: Some((*code, text.clone())),
                    })
                }
                Kind::Command { verb, .. } if verb == "QUIT" => {
                    return Some(Truth::NoDial { reply: None })
                }
                // Announced again before any dial: this one was never used.
                _ if Question::at(events, i).is_some() => {
                    return Some(Truth::NoDial { reply: None })
                }
                _ => {}
            }
        }
        None
    }
}

/// The truth once it is all there: a dial's outcome (connected, or the ✗)
/// is shown too, or the session has gone on past the dial without one (a
/// capture that never saw its answer). The quiz reveals then, so the
/// reveal can say what stopped a blocked dial.
pub fn settled(events: &[Event], q: &Question) -> Option<Truth> {
    let truth = Truth::of(events, q)?;
    let Truth::Dial {
        outcome: Outcome::Unanswered,
        ..
    } = truth
    else {
        return Some(truth);
    };
    // The dial is the first data connect of the session after the question.
    let dial = (q.at + 1..events.len()).find(|&i| {
        let e = &events[i];
        e.session == q.session && e.conn > 0 && matches!(e.kind, Kind::Connect { .. })
    })?;
    let conn = events[dial].conn;
    let moved_on = events[dial + 1..]
        .iter()
        .any(|e| e.session == q.session && e.conn != conn && e.conn != 0);
    moved_on.then_some(truth)
}

/// A student's answer; a part left out counts as wrong.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Guess {
    pub who: Option<Side>,
    pub from: Option<PortRole>,
    pub to: Option<PortRole>,
}

/// The grade of one answer, with the reasons to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reveal {
    /// Right answers out of `asked`.
    pub right: u32,
    pub asked: u32,
    /// One line per part: ✓ or ✗, the truth, and why.
    pub lines: Vec<String>,
}

/// Grades `guess` against what the trace shows.
pub fn grade(q: &Question, truth: &Truth, guess: &Guess) -> Reveal {
    let mut lines = Vec::new();
    let mut right = 0;
    let mut mark = |ok: bool, line: String| {
        right += u32::from(ok);
        lines.push(format!("{} {line}", if ok { "✓" } else { "✗" }));
    };
    match truth {
        Truth::Dial {
            who,
            src,
            dst,
            outcome,
        } => {
            mark(
                guess.who == Some(*who),
                format!("the {who} dialled. {}", why_who(q.via)),
            );
            let from = q.role(src.port());
            mark(
                guess.from == Some(from),
                format!("from {}: {}", src.port(), why_from(q, *who, src.port())),
            );
            let to = q.role(dst.port());
            mark(
                guess.to == Some(to),
                format!("to {}: {}", dst.port(), why_to(q, dst.port())),
            );
            if let Some(why) = why_outcome(*outcome) {
                lines.push(why);
            }
        }
        Truth::NoDial { reply } => {
            let nobody = guess.who.is_none() && guess.from.is_none() && guess.to.is_none();
            let why = match reply {
                Some((_, text)) => format!(
                    "nobody dialled: the server answered `{}`.",
                    first_line(text)
                ),
                None => "nobody dialled: the client moved on before any transfer.".to_string(),
            };
            mark(nobody, why);
            return Reveal {
                right,
                asked: 1,
                lines,
            };
        }
    }
    Reveal {
        right,
        asked: 3,
        lines,
    }
}

fn why_who(via: Via) -> &'static str {
    match via {
        Via::Port | Via::Eprt | Via::Default => {
            "PORT/EPRT is active mode: the client listens, the server dials it."
        }
        Via::Pasv | Via::Epsv => {
            "PASV/EPSV is passive mode: the server listens, the client dials it."
        }
    }
}

fn why_from(q: &Question, who: Side, port: u16) -> String {
    let l = q.control;
    let rule = Rule::ServerDialsFromL1.cite();
    match (who, q.role(port)) {
        (Side::Server, PortRole::ControlMinusOne) => format!(
            "the server's control port − 1 ({l} − 1 = {port}): the server dials from L−1 ({rule})."
        ),
        (Side::Server, PortRole::Control) => format!(
            "the control port itself, not L−1 = {}, which {rule} names.",
            l.saturating_sub(1)
        ),
        (Side::Server, _) if port == 20 => format!(
            "port 20, FTP's registered data port (L−1 when L is 21); this server's L is {l}, so {rule}'s L−1 is {}.",
            l.saturating_sub(1)
        ),
        (Side::Server, _) => format!(
            "port {port}, not L−1 = {}: {rule} says the server dials from L−1, but this server did not.",
            l.saturating_sub(1)
        ),
        (Side::Client, _) => {
            "an ephemeral port: the client's operating system picks its source port for every dial.".to_string()
        }
    }
}

fn why_to(q: &Question, dst: u16) -> String {
    let arith = match q.via {
        Via::Port | Via::Pasv => {
            let (hi, lo) = port_bytes(q.announced);
            format!("{hi} × 256 + {lo} = {}", q.announced)
        }
        Via::Eprt | Via::Epsv | Via::Default => format!("it is written out: {}", q.announced),
    };
    if q.role(dst) == PortRole::Announced {
        format!("the port `{}` names — {arith}.", q.line)
    } else {
        format!(
            "not the port `{}` names ({arith}): the dial went elsewhere.",
            q.line
        )
    }
}

fn why_outcome(outcome: Outcome) -> Option<String> {
    match outcome {
        Outcome::Connected | Outcome::Unanswered => None,
        Outcome::Failed { by: Some(by), .. } => Some(format!(
            "  …and the SYN never arrived: {}.",
            match by {
                Blocker::ClientFirewall => "the client's firewall dropped it",
                Blocker::ServerFirewall => "the server's firewall dropped it",
                Blocker::Nat => "it was sent to an address behind NAT that nobody can reach",
            }
        )),
        Outcome::Failed { reason, by: None } => {
            Some(format!("  …and the dial failed ({}).", reason.as_str()))
        }
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

/// "Will this transfer work?", answered by the session's first attempt at
/// one: the final reply to its first transfer command (2xx: it worked) —
/// or, when the client never got that far, what stopped it first: a data
/// dial that failed, or a refusal of its PORT/EPRT/PASV/EPSV. `None` while
/// the trace does not tell yet.
pub fn transfer_worked(events: &[Event], session: u32) -> Option<(bool, String)> {
    let mut transfer = None;
    let mut asked = None;
    for e in events.iter().filter(|e| e.session == session) {
        match &e.kind {
            Kind::Command { verb, text } if is_transfer(verb) && transfer.is_none() => {
                transfer = Some(text.clone())
            }
            Kind::Command { verb, text } if is_announcement(verb) => asked = Some(text.clone()),
            Kind::Reply { code, text } if *code >= 200 => {
                // A reply's text is its whole line, code first.
                let said = |command: &str| format!("{command}: {}", first_line(text));
                match (&transfer, &asked) {
                    (Some(command), _) => return Some((*code < 300, said(command))),
                    (None, Some(command)) if *code >= 400 => return Some((false, said(command))),
                    _ => {}
                }
            }
            Kind::Fail { reason, by } if e.conn > 0 && transfer.is_none() => {
                let why = match by {
                    Some(by) => format!("blocked by the {}", by.as_str().replace('-', " ")),
                    None => reason.as_str().to_string(),
                };
                return Some((false, format!("data #{}: the dial failed ({why})", e.conn)));
            }
            _ => {}
        }
    }
    None
}

fn is_announcement(verb: &str) -> bool {
    matches!(verb, "PORT" | "EPRT" | "PASV" | "EPSV")
}

fn is_transfer(verb: &str) -> bool {
    matches!(
        verb,
        "LIST" | "NLST" | "MLSD" | "RETR" | "STOR" | "STOU" | "APPE"
    )
}
