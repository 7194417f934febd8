//! The answer to "who dialled the data connection this announcement asked
//! for, from which port, to which port?" — the quiz's question, and the
//! first thing a student should be able to say about every PORT and 227.
//!
//! Read off the account in this order: a dial linked to the announcement
//! is **seen**; a refusal of the announcement, or the client moving on, is
//! seen too ("nobody"). With no dial in the trace, the replies still say
//! something: a transfer that got `150 … 226` moved its bytes, so somebody
//! dialled — the side the mode names, to the port announced — and the
//! capture missed the connection (**inferred**); a `425` to an active
//! transfer means the server tried to dial and could not (**inferred**).
//! What the trace does not tell is **unknown**, and said to be.

use super::{Account, Announcement, End, Evidence, Story};
use crate::trace::Side;

/// Who dialled, as the worksheet says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Server,
    Client,
    /// Nobody dialled: the announcement was refused, or never used.
    Nobody,
    /// The trace does not tell.
    Unknown,
}

impl Who {
    pub fn as_str(self) -> &'static str {
        match self {
            Who::Server => "server",
            Who::Client => "client",
            Who::Nobody => "nobody",
            Who::Unknown => "unknown",
        }
    }

    /// The side, when somebody dialled.
    pub fn side(self) -> Option<Side> {
        match self {
            Who::Server => Some(Side::Server),
            Who::Client => Some(Side::Client),
            Who::Nobody | Who::Unknown => None,
        }
    }

    fn of(side: Side) -> Who {
        match side {
            Side::Server => Who::Server,
            Side::Client => Who::Client,
        }
    }
}

/// What came of one announcement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub who: Who,
    /// The dialler's port, when known.
    pub from: Option<u16>,
    /// The port dialled, when known.
    pub to: Option<u16>,
    pub evidence: Evidence,
    /// The data connection, when the trace has its dial.
    pub conn: Option<u32>,
    /// How the dial ended, when the trace has it.
    pub end: Option<End>,
    /// The answer in plain words, with the events that tell it.
    pub words: String,
}

impl Account {
    /// What came of the announcement at event `at`; `None` when it is not
    /// an announcement, or (in a live run) when it has not settled yet.
    pub fn answer(&self, at: usize) -> Option<Answer> {
        let (story, a) = self.announcement_at(at)?;
        story.answer(a, self.finished)
    }
}

impl Story {
    /// What came of announcement `a`; `None` while a live run has not
    /// settled it (no dial yet, or a dial with no answer yet while the
    /// session has not moved on).
    pub fn answer(&self, a: usize, finished: bool) -> Option<Answer> {
        let ann = self.announcements.get(a)?;
        if let Some(conn) = ann.conn {
            return self.dialled(ann, conn, finished);
        }
        if let Some(r) = ann.refused {
            return Some(nobody(
                vec![r],
                format!(
                    "the server refused the {} (its reply: {}).",
                    ann.name(),
                    self.code_at(r)
                ),
            ));
        }
        if let Some((answer, proof)) = self.by_replies(ann) {
            // In a live run the dial may still show up late: settled once
            // the session has gone on.
            return (finished || self.went_on_after(proof)).then_some(answer);
        }
        if let Some(t) = ann.transfers.last().map(|&t| &self.transfers[t]) {
            let x = self.exchange_of(t)?;
            return match x.fin() {
                // Refused before any dial: the announcement stays for the
                // next transfer, until the client moves on.
                Some((r, code)) if code >= 400 && (finished || ann.superseded.is_some()) => {
                    Some(nobody(
                        vec![r],
                        format!(
                            "`{}` was refused ({code}) before any data connection, and \
                             nothing used the {} after.",
                            t.text,
                            ann.name()
                        ),
                    ))
                }
                Some((_, code)) if code >= 400 => None,
                _ if finished => Some(unknown(format!(
                    "the trace ends before `{}` was answered.",
                    t.text
                ))),
                _ => None,
            };
        }
        match ann.superseded {
            Some(s) => Some(nobody(
                vec![s],
                "the client moved on before any transfer used it.".to_string(),
            )),
            None if finished => Some(unknown(
                "the trace ends before anything used it.".to_string(),
            )),
            None => None,
        }
    }

    /// A dial is in the trace.
    fn dialled(&self, ann: &Announcement, conn: u32, finished: bool) -> Option<Answer> {
        let d = self.data_conn(conn)?;
        let end = d.end();
        if end == End::Unanswered && !finished && !self.moved_on(d.dial) {
            return None;
        }
        let how = match end {
            End::Connected { seen: true } => "and it connected".to_string(),
            End::Connected { seen: false } => {
                "and bytes crossed it (its handshake is not in the trace)".to_string()
            }
            End::Failed { reason, by } => format!("and it failed ({})", failure_words(reason, by)),
            End::Unanswered => "and the trace has no answer to it".to_string(),
        };
        let evidence = if d.dial_seen {
            Evidence::Seen(vec![d.dial])
        } else {
            Evidence::Inferred {
                from: vec![d.dial],
                because: "the capture caught this connection mid-flow, without its SYN; its \
                          ends match the announcement"
                    .into(),
            }
        };
        Some(Answer {
            who: Who::of(d.dialler),
            from: Some(d.from.port()),
            to: Some(d.to.port()),
            evidence,
            conn: Some(conn),
            end: Some(end),
            words: format!(
                "the {} dialled {} → {} for the {}{}, {how}.",
                d.dialler,
                d.from,
                d.to,
                ann.name(),
                if d.dial_seen {
                    ""
                } else {
                    " (the capture caught it mid-flow, without its SYN)"
                }
            ),
        })
    }

    /// No dial in the trace, but the transfer's replies tell: the answer,
    /// and the last event it rests on.
    fn by_replies(&self, ann: &Announcement) -> Option<(Answer, usize)> {
        let t = ann.transfers.last().map(|&t| &self.transfers[t])?;
        let x = self.exchange_of(t)?;
        let (fin, code) = x.fin()?;
        let prelim = x.preliminary();
        let to = ann.port;
        let side = ann.dialler();
        if code < 300 && prelim.is_some() {
            let mut from: Vec<usize> = prelim.map(|(p, _)| p).into_iter().collect();
            from.push(fin);
            let pre = prelim.map(|(_, c)| c).unwrap_or(150);
            let answer = Answer {
                who: Who::of(side),
                from: None,
                to,
                evidence: Evidence::Inferred {
                    from,
                    because: format!(
                        "{pre} … {code}: data flowed, but the capture has no SYN for it"
                    ),
                },
                conn: None,
                end: Some(End::Connected { seen: false }),
                words: format!(
                    "`{}` got {pre} then {code}, so its bytes flowed: the {side} dialled as the \
                     {} asked, though the capture missed that connection.",
                    t.text,
                    ann.name()
                ),
            };
            return Some((answer, fin));
        }
        if code == 425 && side == Side::Server {
            let answer = Answer {
                who: Who::Server,
                from: None,
                to,
                evidence: Evidence::Inferred {
                    from: vec![fin],
                    because: "425: the server could not open the data connection".into(),
                },
                conn: None,
                end: None,
                words: format!(
                    "the server answered 425 to `{}`: it tried to dial the {} address and \
                     could not; the capture has no SYN for it.",
                    t.text,
                    ann.name()
                ),
            };
            return Some((answer, fin));
        }
        None
    }

    /// Whether the session went on after event `at`: a later command, a
    /// later dial, or the end of the control connection.
    fn went_on_after(&self, at: usize) -> bool {
        self.exchanges.iter().any(|x| x.at > at) || self.moved_on(at)
    }

    /// Whether the session went on past the dial at event `dial`: a later
    /// data connection, or the end of the control connection.
    fn moved_on(&self, dial: usize) -> bool {
        self.data.iter().any(|d| d.dial > dial) || self.control_end.is_some_and(|c| c > dial)
    }

    /// The code of reply event `at`.
    fn code_at(&self, at: usize) -> u16 {
        self.exchanges
            .iter()
            .flat_map(|x| x.replies.iter())
            .find(|&&(r, _)| r == at)
            .map_or(0, |&(_, c)| c)
    }
}

fn nobody(seen: Vec<usize>, words: String) -> Answer {
    Answer {
        who: Who::Nobody,
        from: None,
        to: None,
        evidence: Evidence::Seen(seen),
        conn: None,
        end: None,
        words: format!("Nobody dialled: {words}"),
    }
}

fn unknown(words: String) -> Answer {
    Answer {
        who: Who::Unknown,
        from: None,
        to: None,
        evidence: Evidence::Unknown(words.clone()),
        conn: None,
        end: None,
        words: format!("Not known: {words}"),
    }
}

/// How a failed dial ended, in the one set of words every reader uses (the
/// summary, the quiz, the presenter): "blocked by the client firewall",
/// "refused by the NAT", and for a SYN sent to a private address behind a
/// NAT, which no route leads to, "no route (NAT)".
pub fn failure_words(
    reason: crate::trace::FailReason,
    by: Option<crate::trace::Blocker>,
) -> String {
    use crate::trace::{Blocker, FailReason};
    match (reason, by) {
        (FailReason::Blocked | FailReason::Timeout, Some(Blocker::Nat)) => "no route (NAT)".into(),
        (FailReason::Blocked, Some(b)) => format!("blocked by the {}", blocker_words(b)),
        (FailReason::Refused, Some(b)) => format!("refused by the {}", blocker_words(b)),
        (r, _) => r.as_str().into(),
    }
}

/// A blocker in words: "client firewall", "NAT".
pub fn blocker_words(by: crate::trace::Blocker) -> &'static str {
    match by {
        crate::trace::Blocker::ClientFirewall => "client firewall",
        crate::trace::Blocker::ServerFirewall => "server firewall",
        crate::trace::Blocker::Nat => "NAT",
    }
}
