//! Building the account: one pass over the events, one builder per session.
//!
//! Three things are paired as the events come:
//!
//! - **a reply with its command.** FTP answers commands in order, each with
//!   at most some preliminary (1xx) replies and then one final reply, so a
//!   queue of the commands not yet finally answered pairs them, pipelined
//!   commands included. A `220` before any command has been answered is the
//!   greeting, even when a hasty client's `USER` came first.
//! - **a dial with its announcement.** The newest announcement of the same
//!   kind not yet dialled, preferring one that names the port dialled (a
//!   NAT may rewrite the address, never the port the lab or a capture
//!   shows).
//! - **a transfer command with its announcement and its dial.** A transfer
//!   uses the announcement still pending; its data connection is the one
//!   dialled for that announcement, before the command (passive, or a
//!   server that dials at once) or after it. A transfer refused before any
//!   dial (`550`) leaves the announcement for the next one.

use super::{Account, Announcement, ControlDial, DataConn, Exchange, Story, Transfer};
use crate::ftp::hostport::{parse_227, parse_229, parse_eprt, parse_port};
use crate::ftp::verb::{Setup, Transfer as TransferVerb, Verb};
use crate::trace::{Event, Kind, Side, Via};
use std::net::{IpAddr, SocketAddr};

impl Account {
    /// An empty account, to which events are added one at a time as they
    /// happen ([`Account::push`]).
    pub fn new(finished: bool) -> Account {
        Account {
            sessions: Vec::new(),
            finished,
            len: 0,
        }
    }

    /// Adds the next event of the trace.
    pub fn push(&mut self, e: &Event) {
        let i = self.len;
        self.len += 1;
        let at = match self
            .sessions
            .binary_search_by_key(&e.session, |s| s.session)
        {
            Ok(at) => at,
            Err(at) => {
                self.sessions.insert(
                    at,
                    Story {
                        session: e.session,
                        ..Story::default()
                    },
                );
                at
            }
        };
        self.sessions[at].events += 1;
        Builder(&mut self.sessions[at]).see(i, e);
    }
}

pub(super) fn account(events: &[Event], finished: bool) -> Account {
    let mut account = Account::new(finished);
    for e in events {
        account.push(e);
    }
    account
}

/// What a session's story needs while it is being told, beyond the story:
/// the exchanges not yet finally answered (oldest first), the announcement
/// the next transfer command will use, and the data connections dialled
/// with no announcement that no transfer has claimed yet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Progress {
    open: Vec<usize>,
    pending: Option<usize>,
    loose: Vec<usize>,
}

/// A story being told.
struct Builder<'a>(&'a mut Story);

impl Builder<'_> {
    fn see(&mut self, i: usize, e: &Event) {
        match &e.kind {
            Kind::Connect { src, dst, .. } if e.conn == 0 => {
                self.0.control.get_or_insert(ControlDial {
                    at: i,
                    client: *src,
                    server: *dst,
                    accepted: None,
                });
            }
            Kind::Accept if e.conn == 0 => {
                if let Some(c) = self.0.control.as_mut() {
                    c.accepted.get_or_insert(i);
                }
            }
            Kind::Connect { src, dst, via } => self.dial(i, e, *src, *dst, *via),
            Kind::Command { text, verb } => self.command(i, text, verb),
            Kind::Reply { code, text } => self.reply(i, *code, text),
            Kind::Close | Kind::Fail { .. } if e.conn == 0 && self.0.control_end.is_none() => {
                self.0.control_end = Some(i);
                self.supersede(i);
            }
            _ if e.conn > 0 => self.data_event(i, e),
            _ => {}
        }
    }

    fn command(&mut self, i: usize, text: &str, verb: &str) {
        let arg = text
            .get(verb.len()..)
            .map(|a| a.trim().to_string())
            .unwrap_or_default();
        let verb = Verb::parse(verb);
        let x = self.0.exchanges.len();
        self.0.exchanges.push(Exchange {
            at: i,
            verb: verb.clone(),
            arg: arg.clone(),
            replies: Vec::new(),
        });
        self.0.progress.open.push(x);
        if let Some(setup @ (Setup::Port | Setup::Eprt)) = verb.setup() {
            let addr = match setup {
                Setup::Port => parse_port(&arg).ok().map(SocketAddr::V4),
                _ => parse_eprt(&arg).ok(),
            };
            self.announce(Announcement {
                at: i,
                setup,
                line: text.to_string(),
                port: addr.map(|a| a.port()),
                host: addr.map(|a| a.ip()),
                exchange: Some(x),
                refused: None,
                conn: None,
                transfers: Vec::new(),
                superseded: None,
            });
        } else if let Some(verb) = verb.transfer() {
            self.transfer(i, verb, text, x);
        } else if verb == Verb::Quit {
            self.supersede(i);
        }
    }

    fn transfer(&mut self, i: usize, verb: TransferVerb, text: &str, x: usize) {
        let t = self.0.transfers.len();
        let announcement = self.0.progress.pending.take();
        let mut conn = None;
        if let Some(a) = announcement {
            let ann = &mut self.0.announcements[a];
            ann.transfers.push(t);
            // Dialled already (passive, or a server that dials at PORT) and
            // not yet used by an earlier transfer.
            if let Some(c) = ann.conn {
                if let Some(d) = self.0.data.iter_mut().find(|d| d.conn == c) {
                    if d.transfer.is_none() {
                        d.transfer = Some(t);
                        conn = Some(c);
                    }
                }
            }
        } else if let Some(d) = self.0.progress.loose.first().copied() {
            self.0.progress.loose.remove(0);
            self.0.data[d].transfer = Some(t);
            conn = Some(self.0.data[d].conn);
        }
        self.0.transfers.push(Transfer {
            at: i,
            verb,
            text: text.to_string(),
            exchange: x,
            announcement,
            conn,
        });
    }

    fn reply(&mut self, i: usize, code: u16, text: &str) {
        let greeting = code == 220
            && self.0.greeting.is_none()
            && self.0.exchanges.iter().all(|x| x.replies.is_empty());
        let mut paired = None;
        if greeting {
            self.0.greeting = Some(i);
        } else if let Some(&x) = self.0.progress.open.first() {
            paired = Some(x);
            self.0.exchanges[x].replies.push((i, code));
            if code >= 200 {
                self.0.progress.open.remove(0);
                self.answered(x, i, code);
            }
        }
        if code != 227 && code != 229 {
            return;
        }
        // A 227/229 names a port the client may dial, whatever the capture
        // kept of the PASV/EPSV it answers.
        let setup = match paired.and_then(|x| self.0.exchanges[x].verb.setup()) {
            Some(passive @ (Setup::Epsv | Setup::Pasv)) => passive,
            _ if code == 229 => Setup::Epsv,
            _ => Setup::Pasv,
        };
        let (port, host) = if code == 227 {
            match parse_227(text) {
                Ok(a) => (Some(a.port()), Some(IpAddr::V4(*a.ip()))),
                Err(_) => (None, None),
            }
        } else {
            (parse_229(text).ok(), None)
        };
        self.announce(Announcement {
            at: i,
            setup,
            line: text.to_string(),
            port,
            host,
            exchange: paired,
            refused: None,
            conn: None,
            transfers: Vec::new(),
            superseded: None,
        });
    }

    /// The final reply `i` (code) came to exchange `x`.
    fn answered(&mut self, x: usize, i: usize, code: u16) {
        let verb = self.0.exchanges[x].verb.clone();
        let refused = self
            .0
            .announcements
            .iter()
            .position(|a| a.exchange == Some(x) && a.setup.is_active());
        if let (400.., Some(a)) = (code, refused) {
            self.0.announcements[a].refused = Some(i);
            if self.0.progress.pending == Some(a) {
                self.0.progress.pending = None;
            }
        }
        if code == 234 && verb == Verb::Auth {
            self.0.tls_from.get_or_insert(i);
        }
        // A transfer refused before any data connection (550: no such file)
        // leaves its announcement for the next transfer.
        if code >= 400 && verb.transfer().is_some() {
            let x_at = self.0.exchanges[x].at;
            let preliminary = self.0.exchanges[x].preliminary().is_some();
            if let Some(t) = self.0.transfers.iter().find(|t| t.at == x_at) {
                if t.conn.is_none() && !preliminary && self.0.progress.pending.is_none() {
                    if let Some(a) = t.announcement {
                        let ann = &self.0.announcements[a];
                        if ann.conn.is_none() && ann.superseded.is_none() {
                            self.0.progress.pending = Some(a);
                        }
                    }
                }
            }
        }
    }

    fn announce(&mut self, a: Announcement) {
        let at = a.at;
        self.supersede(at);
        self.0.announcements.push(a);
        self.0.progress.pending = Some(self.0.announcements.len() - 1);
    }

    /// Nothing can use the pending announcement after event `at`.
    fn supersede(&mut self, at: usize) {
        if let Some(p) = self.0.progress.pending.take() {
            let a = &mut self.0.announcements[p];
            if a.conn.is_none() {
                a.superseded.get_or_insert(at);
            }
        }
    }

    fn dial(&mut self, i: usize, e: &Event, src: SocketAddr, dst: SocketAddr, via: Option<Via>) {
        // A client-side dial from another host than the control
        // connection's client is a stranger's, not this session's.
        let stranger = e.from == Side::Client
            && self
                .0
                .control
                .is_some_and(|c| c.client.ip().to_canonical() != src.ip().to_canonical());
        let announcement = via
            .filter(|_| !stranger)
            .and_then(|v| self.announcement_for(v, dst.port()));
        let d = self.0.data.len();
        let transfer = match announcement {
            _ if stranger => None,
            Some(a) => {
                let ann = &mut self.0.announcements[a];
                ann.conn = Some(e.conn);
                ann.superseded = None;
                // Its transfer came first (active: the server dials after
                // RETR).
                ann.transfers
                    .iter()
                    .rev()
                    .copied()
                    .find(|&t| self.0.transfers[t].conn.is_none())
            }
            // No announcement: the transfer under way, if one waits.
            None => self.0.transfers.iter().rposition(|t| {
                t.conn.is_none()
                    && self
                        .0
                        .exchanges
                        .get(t.exchange)
                        .is_some_and(|x| x.fin().is_none())
            }),
        };
        if let Some(t) = transfer {
            self.0.transfers[t].conn = Some(e.conn);
        } else if announcement.is_none() && !stranger {
            self.0.progress.loose.push(d);
        }
        self.0.data.push(DataConn {
            conn: e.conn,
            dial: i,
            dial_seen: !e.dial_unseen(),
            stranger,
            dialler: e.from,
            from: src,
            to: dst,
            via,
            announcement,
            transfer,
            accepted: None,
            failed: None,
            first_data: None,
            bytes: 0,
            sender: None,
            closed: None,
        });
    }

    /// The newest announcement of kind `via` not yet dialled, preferring
    /// one that names `port`.
    fn announcement_for(&self, via: Via, port: u16) -> Option<usize> {
        let candidates = || {
            self.0
                .announcements
                .iter()
                .enumerate()
                .rev()
                .filter(move |(_, a)| a.via() == via && a.conn.is_none() && a.refused.is_none())
        };
        candidates()
            .find(|(_, a)| a.port == Some(port))
            .or_else(|| candidates().next())
            .map(|(i, _)| i)
    }

    fn data_event(&mut self, i: usize, e: &Event) {
        let Some(d) = self.0.data.iter_mut().rev().find(|d| d.conn == e.conn) else {
            return;
        };
        match &e.kind {
            Kind::Accept => {
                d.accepted.get_or_insert(i);
            }
            Kind::Fail { reason, by } => {
                if d.failed.is_none() {
                    d.failed = Some((i, *reason, *by));
                }
                if d.closed.is_none() && d.accepted.or(d.first_data).is_some() {
                    d.closed = Some((i, e.from));
                }
            }
            Kind::Data { bytes } => {
                d.first_data.get_or_insert(i);
                d.bytes = d.bytes.saturating_add(*bytes);
                d.sender = Some(e.from);
            }
            Kind::Close => {
                d.closed.get_or_insert((i, e.from));
            }
            _ => {}
        }
    }
}
