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
//! Then the trace goes on, and the answer is the account's
//! ([`crate::account::Answer`]): the dial made for that announcement, or
//! the refusal or change of mind that means nobody dialled, or — where a
//! capture missed the connection — what its replies prove (`150 … 226`:
//! the bytes flowed). Only what the account knows is graded; a part it
//! cannot know (the port a dial came from, when the capture has no SYN) is
//! said to be unknown and not scored. The reasons come from the same
//! account: the arithmetic of the announcement, the control − 1 rule (and
//! whether this server kept it), the middlebox that dropped the SYN.
//! Nothing is hard-coded: a replayed capture of a server that dials from
//! port 20, or from an ephemeral port, is graded by what it did.
//!
//! Before a run with a middlebox there is one more question, "will this
//! transfer work?", answered by the first transfer command's final reply.

use crate::account::{failure_words, Account, Answer, End, Evidence, Who};
use crate::ftp::hostport::port_bytes;
use crate::narration::cite::Rule;
use crate::trace::{Blocker, Event, FailReason, Kind, Side, Via};

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
    /// The server's control port L, when the trace has the control dial.
    pub control: Option<u16>,
}

impl Question {
    /// The question that the event at `at` raises, if it is an
    /// announcement (a PORT/EPRT command, a 227/229 reply) whose port can
    /// be read.
    pub fn at(account: &Account, at: usize) -> Option<Question> {
        let (story, a) = account.announcement_at(at)?;
        let ann = &story.announcements[a];
        Some(Question {
            session: story.session,
            at,
            via: ann.via(),
            line: ann.line.clone(),
            announced: ann.port?,
            control: story.control_port(),
        })
    }

    /// What `port` is to this connection, when the trace can tell: without
    /// the control dial, a port that is not the announced one cannot be
    /// told apart.
    pub fn role(&self, port: u16) -> Option<PortRole> {
        if port == self.announced {
            return Some(PortRole::Announced);
        }
        let l = self.control?;
        Some(if port == l {
            PortRole::Control
        } else if Some(port) == l.checked_sub(1) {
            PortRole::ControlMinusOne
        } else {
            PortRole::Ephemeral
        })
    }

    /// A choice as the student sees it, with this trace's numbers.
    pub fn choice(&self, role: PortRole) -> String {
        match (role, self.control) {
            (PortRole::Announced, _) => {
                format!("{} (named by {})", self.announced, self.named_by())
            }
            (PortRole::ControlMinusOne, Some(l)) => match l.checked_sub(1) {
                Some(p) => format!("{p} (control port − 1)"),
                None => "control port − 1 (none: L is 0)".to_string(),
            },
            (PortRole::Control, Some(l)) => format!("{l} (the control port)"),
            (PortRole::ControlMinusOne, None) => "control port − 1".to_string(),
            (PortRole::Control, None) => "the control port".to_string(),
            (PortRole::Ephemeral, _) => "an ephemeral port the OS picks".to_string(),
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

/// Why an announcement at `at` raises no question, when it is one.
pub fn no_question(account: &Account, at: usize) -> Option<String> {
    let (story, a) = account.announcement_at(at)?;
    let ann = &story.announcements[a];
    ann.port
        .is_none()
        .then(|| format!("the {} names no port that can be read", ann.name()))
}

/// The answer once it is all there: the account's, which (in a live run)
/// waits for the dial's outcome, or for the session to go on without one.
pub fn settled(account: &Account, q: &Question) -> Option<Answer> {
    account.answer(q.at)
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
    /// One line per part: ✓ or ✗ (or ? where the trace cannot tell), the
    /// truth, and why.
    pub lines: Vec<String>,
}

/// Grades `guess` against the account's answer. Parts the account does
/// not know are shown as such and not scored.
pub fn grade(q: &Question, answer: &Answer, guess: &Guess) -> Reveal {
    let mut r = Reveal {
        right: 0,
        asked: 0,
        lines: Vec::new(),
    };
    let inferred = match &answer.evidence {
        Evidence::Inferred { because, .. } => format!(" (inferred: {because})"),
        _ => String::new(),
    };
    match answer.who {
        Who::Server | Who::Client => {
            let who = answer.who.side().unwrap_or(Side::Server);
            r.mark(
                guess.who == Some(who),
                format!("the {who} dialled{inferred}. {}", why_who(q.via)),
            );
            match answer.from.map(|p| (p, q.role(p))) {
                Some((p, Some(role))) => r.mark(
                    guess.from == Some(role),
                    format!("from {p}: {}", why_from(q, who, p)),
                ),
                Some((p, None)) => r.lines.push(format!(
                    "? from {p}: the capture has no control dial, so L (and L − 1) are not known."
                )),
                None => r.lines.push(
                    "? from: the capture has no SYN for this connection, so its source port is \
                     not known."
                        .to_string(),
                ),
            }
            match answer.to {
                Some(p) => r.mark(guess.to == q.role(p), format!("to {p}: {}", why_to(q, p))),
                None => r.lines.push("? to: not known.".to_string()),
            }
            if let Some(why) = answer.end.and_then(why_outcome) {
                r.lines.push(why);
            }
        }
        Who::Nobody => {
            let nobody = guess.who.is_none() && guess.from.is_none() && guess.to.is_none();
            r.mark(nobody, lower_first(&answer.words));
        }
        Who::Unknown => r.lines.push(format!("? {}", answer.words)),
    }
    r
}

impl Reveal {
    /// One graded part: ✓ or ✗ and the line.
    fn mark(&mut self, ok: bool, line: String) {
        self.right += u32::from(ok);
        self.asked += 1;
        self.lines
            .push(format!("{} {line}", if ok { "✓" } else { "✗" }));
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
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
    let Some(l) = q.control else {
        return "the port the dial came from.".to_string();
    };
    let rule = Rule::ServerDialsFromL1.cite();
    match (who, q.role(port)) {
        (Side::Server, Some(PortRole::ControlMinusOne)) => format!(
            "the server's control port − 1 ({l} − 1 = {port}): the server dials from L−1 ({rule})."
        ),
        (Side::Server, Some(PortRole::Control)) => format!(
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
    if q.role(dst) == Some(PortRole::Announced) {
        format!("the port `{}` names — {arith}.", q.line)
    } else {
        format!(
            "not the port `{}` names ({arith}): the dial went elsewhere.",
            q.line
        )
    }
}

fn why_outcome(end: End) -> Option<String> {
    match end {
        End::Connected { .. } | End::Unanswered => None,
        End::Failed {
            reason: FailReason::Refused,
            by: Some(Blocker::Nat),
        } => Some(
            "  …and the NAT refused the SYN with an RST: it forwards nothing to that port."
                .to_string(),
        ),
        End::Failed { by: Some(by), .. } => Some(format!(
            "  …and the SYN never arrived: {}.",
            match by {
                Blocker::ClientFirewall => "the client's firewall dropped it",
                Blocker::ServerFirewall => "the server's firewall dropped it",
                Blocker::Nat => "no route leads to the private address it was sent to",
            }
        )),
        End::Failed { reason, by: None } => {
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
pub fn transfer_worked(
    account: &Account,
    events: &[Event],
    session: u32,
) -> Option<(bool, String)> {
    let story = account.session(session)?;
    let reply = |at: usize| match events.get(at).map(|e| &e.kind) {
        Some(Kind::Reply { text, .. }) => first_line(text).to_string(),
        _ => String::new(),
    };
    let first = story.transfers.first();
    let before_it = |at: usize| first.is_none_or(|t| at < t.at);
    // What stopped it before its transfer command, whichever came first: a
    // refused setup, or a data dial that failed.
    let refused = story
        .exchanges
        .iter()
        .filter(|x| x.verb.setup().is_some() && before_it(x.at))
        .find_map(|x| {
            let (r, _) = x.fin().filter(|&(_, c)| c >= 400)?;
            let command = match events.get(x.at).map(|e| &e.kind) {
                Some(Kind::Command { text, .. }) => text.clone(),
                _ => x.verb.to_string(),
            };
            Some((r, format!("{command}: {}", reply(r))))
        });
    let failed = story
        .data
        .iter()
        .filter(|d| before_it(d.dial))
        .find_map(|d| {
            let (f, reason, by) = d.failed?;
            let why = failure_words(reason, by);
            Some((f, format!("data #{}: the dial failed ({why})", d.conn)))
        });
    if let Some((_, said)) = [refused, failed]
        .into_iter()
        .flatten()
        .min_by_key(|(at, _)| *at)
    {
        return Some((false, said));
    }
    let t = first?;
    let (r, code) = story.exchange_of(t)?.fin()?;
    Some((code < 300, format!("{}: {}", t.text, reply(r))))
}
