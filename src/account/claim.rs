//! Claims: what a sentence asserts about this very trace, in a form a test
//! can check.
//!
//! A sentence such as "the server dialled from port 2120, after the RETR"
//! makes three claims: a dial by the server, from port 2120, after event n.
//! Each sentence the narration, the quiz or the summary says about the
//! trace is built from the claims it lists beside it, and
//! [`Claim::check`] holds each claim against the account of the *whole*
//! trace — so a sentence that predicted something (in a live run, or from
//! the events shown so far) and was proved wrong by what came later fails
//! the corpus test (`tests/account_corpus.rs`).

use super::{Account, Story};
use crate::trace::{Event, Kind, Side};
use std::net::IpAddr;

/// One checkable assertion about a trace. Events are named by their index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Data connection `conn` of `session` was dialled by `who`, from port
    /// `from` to port `to`.
    Dial {
        session: u32,
        conn: u32,
        who: Side,
        from: u16,
        to: u16,
    },
    /// The data connection for the announcement at event `announcement`
    /// was dialled before event `event`.
    DialBefore { announcement: usize, event: usize },
    /// … was dialled after event `event`.
    DialAfter { announcement: usize, event: usize },
    /// If anything was dialled for the announcement at event
    /// `announcement`, it was after a transfer command that used it.
    DialAfterTransfer { announcement: usize },
    /// Data connection `conn` carried the transfer command at event
    /// `transfer`.
    Serves {
        session: u32,
        conn: u32,
        transfer: usize,
    },
    /// Just before event `at`, a data connection of `session` was open
    /// (`open`), or none was.
    Open { session: u32, at: usize, open: bool },
    /// Data connection `conn` was first closed by `who`, before event
    /// `before`.
    ClosedBy {
        session: u32,
        conn: u32,
        who: Side,
        before: usize,
    },
    /// The command at event `command` was finally answered with `code`.
    Answered { command: usize, code: u16 },
    /// `ip` is (or is not) the address the session's control connection
    /// comes from.
    ClientAddress { session: u32, ip: IpAddr, is: bool },
    /// After event `at`, the control connection still carried readable
    /// lines (`clear`), or none.
    ClearAfter {
        session: u32,
        at: usize,
        clear: bool,
    },
}

impl Claim {
    /// Holds the claim against the account of the whole trace (`events`
    /// are its events): `Err` says what the trace shows instead.
    pub fn check(&self, account: &Account, events: &[Event]) -> Result<(), String> {
        match self {
            Claim::Dial {
                session,
                conn,
                who,
                from,
                to,
            } => {
                let d = story(account, *session)?
                    .data_conn(*conn)
                    .ok_or(format!("no data connection #{conn}"))?;
                let seen = (d.dialler, d.from.port(), d.to.port());
                expect(seen == (*who, *from, *to), || {
                    format!("#{conn} was {} {} → {}", seen.0, seen.1, seen.2)
                })
            }
            Claim::DialBefore {
                announcement,
                event,
            } => {
                let dial = dial_of(account, *announcement)?
                    .ok_or("nothing was dialled for it".to_string())?;
                expect(dial < *event, || format!("the dial is event {dial}"))
            }
            Claim::DialAfter {
                announcement,
                event,
            } => {
                let dial = dial_of(account, *announcement)?
                    .ok_or("nothing was dialled for it".to_string())?;
                expect(dial > *event, || format!("the dial is event {dial}"))
            }
            Claim::DialAfterTransfer { announcement } => {
                dial_after_transfer(account, *announcement)
            }
            Claim::Serves {
                session,
                conn,
                transfer,
            } => {
                let s = story(account, *session)?;
                let served = s.transfer_at(*transfer).and_then(|t| t.conn);
                expect(served == Some(*conn), || {
                    format!("it was served by {served:?}")
                })
            }
            Claim::Open { session, at, open } => {
                let s = story(account, *session)?;
                let any = s.data.iter().any(|d| d.open_before(*at));
                expect(any == *open, || format!("open before {at}: {any}"))
            }
            Claim::ClosedBy {
                session,
                conn,
                who,
                before,
            } => {
                let d = story(account, *session)?
                    .data_conn(*conn)
                    .ok_or(format!("no data connection #{conn}"))?;
                match d.closed {
                    Some((at, side)) if at < *before && side == *who => Ok(()),
                    other => Err(format!("its first close: {other:?}")),
                }
            }
            Claim::Answered { command, code } => answered(account, *command, *code),
            Claim::ClientAddress { session, ip, is } => {
                let s = story(account, *session)?;
                let client = s
                    .control
                    .map(|c| c.client.ip().to_canonical())
                    .ok_or("the control dial is not in the trace".to_string())?;
                let same = client == ip.to_canonical();
                expect(same == *is, || format!("the client is at {client}"))
            }
            Claim::ClearAfter { session, at, clear } => {
                let readable = events.iter().skip(at + 1).any(|e| {
                    e.session == *session
                        && matches!(e.kind, Kind::Command { .. } | Kind::Reply { .. })
                });
                expect(readable == *clear, || {
                    format!("readable lines after: {readable}")
                })
            }
        }
    }
}

/// [`Claim::DialAfterTransfer`]: nothing dialled for the announcement at
/// `announcement`, or dialled after its first transfer command.
fn dial_after_transfer(account: &Account, announcement: usize) -> Result<(), String> {
    let (s, a) = account
        .announcement_at(announcement)
        .ok_or(format!("event {announcement} is no announcement"))?;
    let ann = &s.announcements[a];
    let first = ann.transfers.first().map(|&t| s.transfers[t].at);
    match (dial_of(account, announcement)?, first) {
        (None, _) => Ok(()),
        (Some(d), Some(t)) if d > t => Ok(()),
        (Some(d), t) => Err(format!("dialled at {d}, its first transfer at {t:?}")),
    }
}

/// [`Claim::Answered`]: the command at event `command` was finally
/// answered with `code`.
fn answered(account: &Account, command: usize, code: u16) -> Result<(), String> {
    let s = account
        .sessions
        .iter()
        .find_map(|s| s.exchange_at(command))
        .ok_or(format!("event {command} is no command"))?;
    let got = s.fin().map(|(_, c)| c);
    expect(got == Some(code), || format!("it was answered {got:?}"))
}

fn story(account: &Account, session: u32) -> Result<&Story, String> {
    account
        .session(session)
        .ok_or(format!("no session {session}"))
}

/// The dial event for the announcement at event `at`, if there was one.
fn dial_of(account: &Account, at: usize) -> Result<Option<usize>, String> {
    let (s, a) = account
        .announcement_at(at)
        .ok_or(format!("event {at} is no announcement"))?;
    Ok(s.announcements[a]
        .conn
        .and_then(|c| s.data_conn(c))
        .map(|d| d.dial))
}

fn expect(ok: bool, otherwise: impl FnOnce() -> String) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(otherwise())
    }
}
