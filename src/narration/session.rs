//! What the earlier events of one FTP session tell about the current one:
//! the server's control port, the last command, the TYPE, the transfer
//! under way and the data connections so far. Read forward from the
//! session's control dial, so each fact is what the trace showed, in order.

use crate::trace::{Event, Kind, Side, Via};
use std::net::SocketAddr;

/// `PORT`/`EPRT`/`PASV`/`EPSV`: how the next data connection was planned.
#[derive(Debug, Clone, Default)]
pub(super) struct Setup {
    /// Upper-case verb.
    pub verb: String,
    /// A data connection was dialled after it (passive: before the
    /// transfer command).
    pub dialled: bool,
}

/// A transfer command (LIST, RETR, STOR…) and what is known of it.
#[derive(Debug, Clone, Default)]
pub(super) struct Transfer {
    /// Its number in the session, from 1.
    pub no: u32,
    /// Upper-case verb.
    pub verb: String,
    /// The whole command line, cleaned.
    pub text: String,
    /// The setup it used, if one came before it.
    pub setup: Option<Setup>,
    /// Its size as announced by the server: the `(N bytes)` of its 150, or
    /// the 213 answer to a SIZE of the same file.
    pub announced: Option<(u64, &'static str)>,
}

impl Transfer {
    /// LIST, NLST, MLSD: a listing the server writes, not a file.
    pub fn is_listing(&self) -> bool {
        matches!(self.verb.as_str(), "LIST" | "NLST" | "MLSD")
    }

    /// Who sends the bytes: the client for uploads, else the server.
    pub fn sender(&self) -> Side {
        if matches!(self.verb.as_str(), "STOR" | "STOU" | "APPE") {
            Side::Client
        } else {
            Side::Server
        }
    }
}

/// One data connection of the session.
#[derive(Debug, Clone)]
pub(super) struct Conn {
    pub n: u32,
    pub via: Option<Via>,
    pub accepted: bool,
    pub closed: bool,
    /// Bytes so far, and in how many data events.
    pub bytes: u64,
    pub chunks: u32,
    /// Who sent the bytes, once some came.
    pub sender: Option<Side>,
    /// The transfer it serves (its number): the one before it, or in
    /// passive mode the next one.
    pub serves: Option<u32>,
}

/// The session so far.
#[derive(Debug, Clone, Default)]
pub(super) struct Session {
    /// The server's control address (the control dial's destination).
    pub server_control: Option<SocketAddr>,
    /// The client's control address (the control dial's source).
    pub client_control: Option<SocketAddr>,
    /// Commands sent so far.
    pub commands: usize,
    /// The last command: upper-case verb and argument.
    pub last_verb: Option<String>,
    pub last_arg: String,
    /// The last reply's code.
    pub last_reply: Option<u16>,
    /// The last transfer type asked for (`A`, `I`, …).
    pub type_code: Option<char>,
    /// A setup not yet used by a transfer command.
    pub pending: Option<Setup>,
    /// The latest transfer command.
    pub transfer: Option<Transfer>,
    /// EPSV ALL was sent: only EPSV from now on.
    pub epsv_all: bool,
    /// The last SIZE answer: the file and its size.
    size_of: Option<(String, u64)>,
    conns: Vec<Conn>,
}

impl Session {
    /// What the events of `session` in `before` tell, read from its control
    /// dial on.
    pub fn of(session: u32, before: &[Event]) -> Session {
        let start = before
            .iter()
            .rposition(|e| {
                e.session == session && e.conn == 0 && matches!(e.kind, Kind::Connect { .. })
            })
            .unwrap_or(0);
        let mut s = Session::default();
        for e in before[start..].iter().filter(|e| e.session == session) {
            s.see(e);
        }
        s
    }

    /// Data connection `n`, if it was dialled.
    pub fn conn(&self, n: u32) -> Option<&Conn> {
        self.conns.iter().rev().find(|c| c.n == n)
    }

    fn conn_mut(&mut self, n: u32) -> Option<&mut Conn> {
        self.conns.iter_mut().rev().find(|c| c.n == n)
    }

    /// The transfer that data connection `c` serves, if it is the latest.
    pub fn transfer_of(&self, c: &Conn) -> Option<&Transfer> {
        self.transfer.as_ref().filter(|t| c.serves == Some(t.no))
    }

    /// A data connection that is up and not yet closed.
    pub fn open_data(&self) -> Option<&Conn> {
        self.conns.iter().rev().find(|c| c.accepted && !c.closed)
    }

    fn see(&mut self, e: &Event) {
        match &e.kind {
            Kind::Connect { src, dst, .. } if e.conn == 0 => {
                self.client_control = Some(*src);
                self.server_control = Some(*dst);
            }
            Kind::Connect { via, .. } => {
                if let Some(p) = &mut self.pending {
                    p.dialled = true;
                }
                let serves = match (&self.pending, &self.transfer) {
                    (None, Some(t)) => Some(t.no),
                    _ => None,
                };
                self.conns.push(Conn {
                    n: e.conn,
                    via: *via,
                    accepted: false,
                    closed: false,
                    bytes: 0,
                    chunks: 0,
                    sender: None,
                    serves,
                });
            }
            Kind::Accept if e.conn > 0 => {
                if let Some(c) = self.conn_mut(e.conn) {
                    c.accepted = true;
                }
            }
            Kind::Data { bytes } => {
                if let Some(c) = self.conn_mut(e.conn) {
                    c.bytes = c.bytes.saturating_add(*bytes);
                    c.chunks = c.chunks.saturating_add(1);
                    c.sender = Some(e.from);
                }
            }
            Kind::Close | Kind::Fail { .. } if e.conn > 0 => {
                if let Some(c) = self.conn_mut(e.conn) {
                    c.closed = true;
                }
            }
            Kind::Command { text, verb } => self.command(text, verb),
            Kind::Reply { code, text } => self.reply(*code, text),
            _ => {}
        }
    }

    fn command(&mut self, text: &str, verb: &str) {
        let arg = text
            .split_once(' ')
            .map(|(_, a)| a.trim().to_string())
            .unwrap_or_default();
        self.commands += 1;
        match verb {
            "TYPE" => self.type_code = arg.chars().next().map(|c| c.to_ascii_uppercase()),
            "EPSV" if arg.eq_ignore_ascii_case("ALL") => self.epsv_all = true,
            "PORT" | "EPRT" | "PASV" | "EPSV" => {
                self.pending = Some(Setup {
                    verb: verb.to_string(),
                    dialled: false,
                })
            }
            v if is_transfer(v) => {
                let no = self.transfer.as_ref().map_or(1, |t| t.no + 1);
                if self.pending.as_ref().is_some_and(|p| p.dialled) {
                    // Passive: dialled before the command it serves.
                    if let Some(c) = self
                        .conns
                        .iter_mut()
                        .rev()
                        .find(|c| c.serves.is_none() && !c.closed)
                    {
                        c.serves = Some(no);
                    }
                }
                self.transfer = Some(Transfer {
                    no,
                    verb: v.to_string(),
                    text: super::clean(text),
                    setup: self.pending.take(),
                    announced: self
                        .size_of
                        .as_ref()
                        .filter(|(file, _)| *file == arg)
                        .map(|(_, n)| (*n, "SIZE reported")),
                })
            }
            _ => {}
        }
        self.last_verb = Some(verb.to_string());
        self.last_arg = arg;
    }

    fn reply(&mut self, code: u16, text: &str) {
        match (code, self.last_verb.as_deref()) {
            (213, Some("SIZE")) => {
                if let Some(n) = text.get(4..).and_then(|t| t.trim().parse().ok()) {
                    self.size_of = Some((self.last_arg.clone(), n));
                }
            }
            (150, _) => {
                if let (Some(t), Some(n)) = (&mut self.transfer, announced_bytes(text)) {
                    t.announced = Some((n, "the 150 announced"));
                }
            }
            // A refused PORT/EPRT/PASV/EPSV plans nothing.
            (400.., Some("PORT" | "EPRT" | "PASV" | "EPSV")) => self.pending = None,
            // A transfer command refused before any dial (550: no such
            // file) leaves its plan for the next one.
            (400.., Some(v)) if is_transfer(v) => {
                if let Some(t) = &self.transfer {
                    if !self.conns.iter().any(|c| c.serves == Some(t.no)) {
                        self.pending = t.setup.clone();
                    }
                }
            }
            _ => {}
        }
        self.last_reply = Some(code);
    }
}

/// Commands that move bytes over a data connection.
pub(super) fn is_transfer(verb: &str) -> bool {
    matches!(
        verb,
        "LIST" | "NLST" | "MLSD" | "RETR" | "STOR" | "STOU" | "APPE"
    )
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
