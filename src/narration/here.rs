//! What the narration of one event may read: the account (who dialled,
//! what each announcement and transfer led to, how each connection ended)
//! and the small facts of the lines before it — the TYPE in force, the last
//! command, a SIZE answer. The narration derives no dial, outcome or order
//! of its own: those it reads from [`crate::account`].

use super::Context;
use crate::account::{Account, DataConn, Story, Transfer};
use crate::ftp::Verb;
use crate::trace::{Event, Kind};

/// One event, in its context.
pub(super) struct Here<'a> {
    /// The event's index.
    pub at: usize,
    pub event: &'a Event,
    pub ctx: &'a Context<'a>,
    /// Its session's story, as far as the account knows it.
    pub story: Option<&'a Story>,
    /// Commands the session sent before this event.
    pub commands: usize,
    /// The last command before this event: its verb and argument.
    pub last_verb: Option<Verb>,
    pub last_arg: String,
    /// The last reply's code before this event.
    pub last_reply: Option<u16>,
    /// The transfer type in force (`A`, `I`, …).
    pub type_code: Option<char>,
    /// EPSV ALL was sent: only EPSV from now on.
    pub epsv_all: bool,
    /// The last SIZE answer: the file and its size.
    size_of: Option<(String, u64)>,
}

impl<'a> Here<'a> {
    pub fn new(ctx: &'a Context<'a>, at: usize) -> Option<Here<'a>> {
        let event = ctx.events.get(at)?;
        let session = event.session;
        let mut here = Here {
            at,
            event,
            ctx,
            story: ctx.account.session(session),
            commands: 0,
            last_verb: None,
            last_arg: String::new(),
            last_reply: None,
            type_code: None,
            epsv_all: false,
            size_of: None,
        };
        let start = here.story.and_then(|s| s.control).map_or(0, |c| c.at);
        for e in ctx.events[start.min(at)..at]
            .iter()
            .filter(|e| e.session == session && e.conn == 0)
        {
            here.see(e);
        }
        Some(here)
    }

    fn see(&mut self, e: &Event) {
        match &e.kind {
            Kind::Command { text, verb } => {
                let arg = text
                    .get(verb.len()..)
                    .map(|a| a.trim().to_string())
                    .unwrap_or_default();
                self.commands += 1;
                let verb = Verb::parse(verb);
                match verb {
                    Verb::Type => {
                        self.type_code = arg.chars().next().map(|c| c.to_ascii_uppercase())
                    }
                    Verb::Epsv if arg.eq_ignore_ascii_case("ALL") => self.epsv_all = true,
                    _ => {}
                }
                self.last_verb = Some(verb);
                self.last_arg = arg;
            }
            Kind::Reply { code, text } => {
                if let (213, Some(Verb::Size)) = (*code, &self.last_verb) {
                    if let Some(n) = text.get(4..).and_then(|t| t.trim().parse().ok()) {
                        self.size_of = Some((self.last_arg.clone(), n));
                    }
                }
                self.last_reply = Some(*code);
            }
            _ => {}
        }
    }

    pub fn account(&self) -> &'a Account {
        self.ctx.account
    }

    /// Data connection `conn` of this session.
    pub fn data(&self, conn: u32) -> Option<&'a DataConn> {
        self.story?.data_conn(conn)
    }

    /// The transfer a data connection carried, if the account knows it.
    pub fn transfer_of(&self, d: &DataConn) -> Option<&'a Transfer> {
        self.story?.transfers.get(d.transfer?)
    }

    /// The size a transfer was announced to have: the `(N bytes)` of its
    /// 150, or the 213 answer to a SIZE of the same file.
    pub fn announced_size(&self, t: &Transfer) -> Option<(u64, &'static str)> {
        let story = self.story?;
        let from_150 = story.exchange_of(t).and_then(|x| {
            let (p, _) = x.preliminary()?;
            match &self.ctx.events.get(p)?.kind {
                Kind::Reply { text, .. } if p < self.at => announced_bytes(text),
                _ => None,
            }
        });
        if let Some(n) = from_150 {
            return Some((n, "the 150 announced"));
        }
        let arg = t.text.get(t.verb.as_str().len()..).unwrap_or("").trim();
        self.size_of
            .as_ref()
            .filter(|(file, _)| file == arg)
            .map(|(_, n)| (*n, "SIZE reported"))
    }

    /// Bytes data connection `conn` carried before this event, and in how
    /// many data events.
    pub fn bytes_before(&self, conn: u32) -> (u64, u32) {
        let session = self.event.session;
        self.ctx.events[..self.at]
            .iter()
            .filter(|e| e.session == session && e.conn == conn)
            .fold((0u64, 0u32), |(b, n), e| match e.kind {
                Kind::Data { bytes } => (b.saturating_add(bytes), n + 1),
                _ => (b, n),
            })
    }
}

/// The `N` of a `(N bytes)` in a reply, as vsftpd, ProFTPD and ours write
/// in 150.
pub(super) fn announced_bytes(text: &str) -> Option<u64> {
    let (before, _) = text.split_once(" bytes)")?;
    let (_, n) = before.rsplit_once('(')?;
    n.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_size_in_a_150_is_read_only_when_written_as_n_bytes() {
        assert_eq!(
            announced_bytes("150 Opening BINARY mode data connection for a (80 bytes)."),
            Some(80)
        );
        assert_eq!(
            announced_bytes("150 Here comes the directory listing."),
            None
        );
        assert_eq!(announced_bytes("150 (x bytes)"), None);
    }
}
