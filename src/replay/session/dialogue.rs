//! What the lines of a control connection say: commands, replies, and
//! everything else, each shown or noted, never dropped in silence.
//!
//! - A client line whose first word is letters is a **command**, even a
//!   verb FTP does not know (`TYPEEEE…`, 132 letters): the server answers
//!   it, and a reply that answers nothing would mislead. The note says the
//!   verb is not FTP's.
//! - Server lines go through the shared [`ReplyParser`] into whole
//!   **replies**. A line that is not a reply but has one inside it (an SSH
//!   banner and binary bytes, then `530 …` with no line break before it)
//!   keeps the reply; what came before it is **junk**, noted on the event
//!   that follows it.
//! - A line longer than the reader keeps is shown by its head, its note
//!   saying how long it really was.
//! - Holes, the cut lines around them, and TLS bytes come from the
//!   [`Reader`](super::reader::Reader) and end up as notes or as one event.
//!
//! `PORT`/`EPRT` commands and `227`/`229` replies become announcements; a
//! transfer command is remembered until a data connection serves it (even
//! one whose SYN the capture holds after the `226`, as busy links reorder);
//! `425`/`426` mark where waiting dials are given up; `234` (RFC 4217 §4:
//! "AUTH TLS" accepted) means TLS may follow on both sides.

use super::{bounce, Session};
use crate::ftp::{code_of, hostport, Command, Reply, ReplyError, Verb};
use crate::replay::announcement::Announcement;
use crate::replay::sink::Sink;
use crate::trace::{Event, Kind, Side, Via};
use std::net::SocketAddr;

/// A verb longer than this is not one FTP defines.
const LONGEST_VERB: usize = 8;
/// Characters of odd text quoted in a note.
const QUOTE: usize = 60;

/// Text on one side that is not FTP lines, waiting to be noted. It is
/// counted in characters: bytes that are not UTF-8 were already read as
/// U+FFFD, so the wire's byte count is no longer known.
#[derive(Debug, Clone, Default)]
pub struct Junk {
    chars: usize,
    pieces: u32,
    sample: String,
}

impl Junk {
    /// A line (or the start of one) that is not FTP; `long` is its real
    /// length when `text` is only its head.
    pub fn add(&mut self, text: &str, long: Option<usize>) {
        let cut = long.map_or(0, |len| len.saturating_sub(text.len()));
        self.chars += text.chars().count() + cut;
        self.pieces += 1;
        if self.sample.chars().count() < QUOTE {
            if !self.sample.is_empty() {
                self.sample.push('⏎');
            }
            self.sample.push_str(&quote(text));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pieces == 0
    }

    fn take(&mut self) -> Option<String> {
        if self.pieces == 0 {
            return None;
        }
        let j = std::mem::take(self);
        Some(format!(
            "before this, not FTP: \"{}\" ({} characters in {} piece(s))",
            quote(&j.sample),
            j.chars,
            j.pieces
        ))
    }
}

/// Text made safe to quote: control and replacement characters as `·`, at
/// most [`QUOTE`] characters.
fn quote(s: &str) -> String {
    let mut q: String = s
        .chars()
        .take(QUOTE)
        .map(|c| {
            if c.is_control() || c == '\u{fffd}' {
                '·'
            } else {
                c
            }
        })
        .collect();
    if s.chars().count() > QUOTE {
        q.push('…');
    }
    q
}

fn long_note(len: usize, shown: usize) -> String {
    format!("a line of {len} bytes, shown cut to its first {shown}")
}

/// Telnet bytes before an urgent `ABOR` (IAC IP IAC DM, read as U+FFFD)
/// and stray control bytes are not part of a command.
fn strip_telnet(line: &str) -> &str {
    line.trim_start_matches(|c: char| c == '\u{fffd}' || c.is_ascii_control())
}

/// The verb of a command line, when its first word is letters.
pub fn verb_of(line: &str) -> Option<&str> {
    let line = strip_telnet(line);
    let word = line.split(' ').next().unwrap_or_default();
    (!word.is_empty() && word.bytes().all(|b| b.is_ascii_alphabetic())).then_some(word)
}

/// Where a reply starts inside a line that is not one: three digits and a
/// space, hyphen or end, not glued to a letter or digit before them.
fn reply_inside(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    (1..b.len().saturating_sub(2)).find(|&p| {
        !b[p - 1].is_ascii_alphanumeric()
            && line.is_char_boundary(p)
            && code_of(&line[p..]).is_some()
    })
}

/// Notes on a data connection's `connect` event which command it served.
pub fn serve(trace: &mut [Event], at: usize, cmd: &str) {
    if let Some(e) = trace.get_mut(at) {
        // Said at the dial, before anyone knows whether it will connect.
        let served = format!("for the data of {cmd}");
        e.note = Some(match e.note.take() {
            Some(n) => format!("{n}; {served}"),
            None => served,
        });
    }
}

impl Session {
    /// The notes waiting for `from`'s next event, plus `more`.
    fn take_notes(&mut self, from: Side, more: Vec<String>) -> Option<String> {
        let i = from as usize;
        let mut notes = std::mem::take(&mut self.notes[i]);
        notes.extend(self.junk[i].take());
        notes.extend(more);
        (!notes.is_empty()).then(|| notes.join("; "))
    }

    pub(super) fn command_line(
        &mut self,
        line: &str,
        long: Option<usize>,
        t: f64,
        sink: &mut Sink,
    ) {
        let line = strip_telnet(line);
        let mut more: Vec<String> = self.inside_note(Side::Client).into_iter().collect();
        let cmd = match Command::parse(line) {
            Ok(cmd) => cmd,
            Err(_) => match verb_of(line) {
                Some(verb) => {
                    if verb.len() > LONGEST_VERB {
                        more.push(format!(
                            "not an FTP verb: {} letters, where FTP's have four or fewer",
                            verb.len()
                        ));
                    }
                    let arg = line.get(verb.len() + 1..).unwrap_or_default();
                    Command::new(verb, arg)
                }
                None => {
                    self.junk[0].add(line, long);
                    return;
                }
            },
        };
        if let Some(len) = long {
            more.push(long_note(len, line.len()));
        }
        let verb = &cmd.verb;
        if verb.setup().is_some() {
            // A new announcement starts a new turn: what an earlier
            // transfer command waited for, it no longer does.
            self.transfer = None;
            self.unserved.clear();
        }
        let announced = match verb {
            Verb::Port => hostport::parse_port(&cmd.arg)
                .ok()
                .map(|a| (SocketAddr::V4(a), Via::Port)),
            Verb::Eprt => hostport::parse_eprt(&cmd.arg).ok().map(|a| (a, Via::Eprt)),
            _ => None,
        };
        if let Some((addr, via)) = announced {
            if let Some(note) = bounce::note(verb.as_str(), addr, self.client) {
                more.push(note);
                self.bounce_asked = true;
            }
            self.announce(addr, via, sink);
        }
        match verb {
            Verb::Pasv | Verb::Epsv => self.asked_passive = true,
            v if v.transfer().is_some() => {
                self.expecting_data = true;
                match self.unserved.pop() {
                    Some(at) => serve(&mut sink.events, at, line),
                    None => {
                        self.transfer = Some(line.to_string());
                        self.transfer_done = false;
                    }
                }
                self.unserved.clear();
            }
            _ => {}
        }
        self.commands += 1;
        let kind = Kind::Command {
            text: line.to_string(),
            verb: cmd.verb.to_string(),
        };
        let mut e = Event::new(t, self.number, 0, Side::Client, kind);
        e.note = self.take_notes(Side::Client, more);
        self.emit(e, sink);
    }

    /// One server line. Returns whether it completed a reply, or `None`
    /// when it is not a reply line at all. Once the server is known to
    /// speak FTP, a reply inside a line of junk is kept and the junk noted.
    pub(super) fn reply_line(
        &mut self,
        line: &str,
        long: Option<usize>,
        t: f64,
        sink: &mut Sink,
    ) -> Option<bool> {
        use super::Judgement;
        let lenient = matches!(self.judgement, Judgement::Ftp | Judgement::AwaitCommand);
        // A hole fell inside the open reply: a line with another code is
        // the start of the next reply, not more of this one.
        if let (Some(open), Some((code, sep))) = (self.open_code, code_of(line)) {
            if self.reply_holed && (code != open || sep == b'-') {
                self.close_cut_reply(t, sink, "cut: the rest of this reply fell in the hole");
            }
        }
        let was_open = self.replies.in_reply();
        match self.replies.push_line(line) {
            Ok(None) => {
                if !was_open {
                    self.open_code = code_of(line).map(|(c, _)| c);
                }
                if let Some(len) = long {
                    self.reply_notes.push(long_note(len, line.len()));
                }
                Some(false)
            }
            Ok(Some(reply)) => {
                let more = long.map(|len| long_note(len, line.len()));
                self.reply(reply, t, sink, more);
                Some(true)
            }
            Err(ReplyError::NotAReply(_)) if lenient => match reply_inside(line) {
                Some(p) => {
                    self.junk[1].add(&line[..p], None);
                    let rest = long.map(|len| len.saturating_sub(p));
                    self.reply_line(&line[p..], rest, t, sink)
                }
                None => {
                    self.junk[1].add(line, long);
                    None
                }
            },
            Err(ReplyError::TooManyLines { code, limit }) if lenient => {
                self.notes[1].push(format!(
                    "a {code} reply of more than {limit} lines was cut off before this"
                ));
                self.open_code = None;
                None
            }
            Err(_) => None,
        }
    }

    /// A whole reply: what it announces, what it ends, then its event.
    pub(super) fn reply(&mut self, reply: Reply, t: f64, sink: &mut Sink, more: Option<String>) {
        let text = reply.text();
        match reply.code {
            227 => {
                if let Ok(addr) = hostport::parse_227(&text) {
                    self.announce(SocketAddr::V4(addr), Via::Pasv, sink);
                }
            }
            229 => {
                if let Ok(port) = hostport::parse_229(&text) {
                    self.announce(SocketAddr::new(self.server.ip(), port), Via::Epsv, sink);
                }
            }
            234 => {
                for r in &mut self.readers {
                    r.tls_expected = true;
                }
            }
            425 | 426 if self.is_ftp() => self.data_failed = Some(sink.events.len()),
            _ => {}
        }
        if reply.code >= 200 {
            self.expecting_data = false;
            // The transfer command's final reply: only a dial to what was
            // announced before it may still carry its data (busy links
            // reorder a SYN after the 226), no unannounced one.
            self.transfer_done = self.transfer.is_some();
        }
        let mut notes = std::mem::take(&mut self.reply_notes);
        if self.first_reply.is_none() {
            self.first_reply = Some(reply.code);
            if reply.code == 220 && self.commands > 0 {
                notes.push(format!(
                    "the banner, after the client's first {} command(s): the client did not \
                    wait for it, or the server was slow to greet",
                    self.commands
                ));
            }
        }
        if std::mem::take(&mut self.bounce_asked) {
            notes.push(bounce::answer(reply.code));
        }
        if matches!(reply.code, 227 | 229) || reply.code >= 400 {
            self.asked_passive = false;
        }
        if reply.code >= 400 {
            // The transfer was refused: no data connection will serve it.
            self.transfer = None;
        }
        self.open_code = None;
        self.reply_holed = false;
        notes.extend(self.inside_note(Side::Server));
        notes.extend(more);
        let mut e = Event::new(
            t,
            self.number,
            0,
            Side::Server,
            Kind::Reply {
                code: reply.code,
                text,
            },
        );
        e.note = self.take_notes(Side::Server, notes);
        self.emit(e, sink);
    }

    /// Gives up the reply being read, shown as cut.
    pub(super) fn close_cut_reply(&mut self, t: f64, sink: &mut Sink, why: &str) {
        if let Some(r) = self.replies.take_open() {
            self.reply(r, t, sink, Some(why.to_string()));
        }
    }

    /// The start of a line whose end fell in a hole: shown if it can be,
    /// marked cut.
    pub(super) fn head(&mut self, from: Side, text: &str, t: f64, sink: &mut Sink) {
        const CUT: &str = "cut: the rest of this line fell in a hole of the capture";
        if !self.is_ftp() {
            self.junk[from as usize].add(text, None);
            return;
        }
        match from {
            Side::Client if verb_of(text).is_some() => {
                self.notes[0].push(CUT.into());
                self.command_line(text, None, t, sink);
            }
            Side::Server if self.replies.in_reply() || code_of(text).is_some() => {
                if self.reply_line(text, None, t, sink) == Some(false) {
                    self.close_cut_reply(t, sink, CUT);
                }
            }
            _ => self.junk[from as usize].add(text, None),
        }
    }

    /// A hole: noted on the side's next event.
    pub(super) fn hole(&mut self, from: Side, bytes: u64) {
        self.notes[from as usize].push(format!(
            "after a hole in the capture: {bytes} byte(s) from the {from} were never captured"
        ));
        if from == Side::Server && self.replies.in_reply() {
            self.reply_holed = true;
        }
    }

    /// The end of a line whose start fell in a hole.
    pub(super) fn tail(&mut self, from: Side, text: &str) {
        self.notes[from as usize].push(format!(
            "the hole cut a line; its captured end: \"…{}\"",
            quote(text)
        ));
    }

    /// TLS bytes on the control connection.
    ///
    /// The Trace has no kind for encrypted bytes, and gets none: they are
    /// payload the control connection carried that nobody on the path can
    /// read, so they are one `data` event on the control channel (conn 0),
    /// from the side that sent them, at the time TLS began, with the exact
    /// byte count; the note says what they are and what follows from them.
    pub(super) fn tls(
        &mut self,
        from: Side,
        bytes: u64,
        t: f64,
        clear_after: bool,
        sink: &mut Sink,
    ) {
        let what = format!("encrypted: {bytes} bytes of TLS from the {from} after AUTH TLS (234)");
        let more = if clear_after {
            format!("{what}; then clear text again (the TLS session did not hold)")
        } else {
            format!(
                "{what}; the rest of the control connection cannot be read: PORT, PASV and \
                 their replies are hidden from this replay, as from a firewall's FTP helper"
            )
        };
        let mut e = Event::new(t, self.number, 0, from, Kind::Data { bytes });
        e.note = self.take_notes(from, vec![more]);
        self.emit(e, sink);
    }

    /// Notes and junk with no event after them are added to the session's
    /// last control event, so that nothing captured goes unsaid.
    pub(super) fn trailing_notes(&mut self, trace: &mut [Event]) {
        let mut left = Vec::new();
        for from in [Side::Client, Side::Server] {
            if let Some(n) = self.take_notes(from, Vec::new()) {
                left.push(format!(
                    "{from}: {}",
                    n.replacen("before this", "after this", 1)
                ));
            }
        }
        if left.is_empty() || !self.is_ftp() {
            return;
        }
        let last = trace
            .iter_mut()
            .rev()
            .find(|e| e.session == self.number && e.conn == 0);
        if let Some(e) = last {
            let left = left.join("; ");
            e.note = Some(match e.note.take() {
                Some(n) => format!("{n}; {left}"),
                None => left,
            });
        }
    }

    fn announce(&self, addr: SocketAddr, via: Via, sink: &mut Sink) {
        sink.announce(Announcement {
            addr,
            via,
            session: self.id,
            hosts: self.hosts(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_inside_junk_is_found() {
        assert_eq!(
            reply_inside("\u{fffd}\u{fffd}530 Login incorrect."),
            Some(6)
        );
        assert_eq!(reply_inside("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3"), None);
        assert_eq!(reply_inside("x1530 no"), None);
        assert_eq!(reply_inside("530 at the start is not inside"), None);
    }

    #[test]
    fn verbs_are_letters_and_telnet_bytes_are_not() {
        assert_eq!(verb_of("\u{fffd}\u{fffd}ABOR"), Some("ABOR"));
        assert_eq!(verb_of("TYPEEEEEEEEEEEE I"), Some("TYPEEEEEEEEEEEE"));
        assert_eq!(verb_of("SSH-2.0-OpenSSH"), None);
        assert_eq!(verb_of(""), None);
    }

    #[test]
    fn quotes_are_short_and_printable() {
        assert_eq!(quote("a\u{0}b\u{fffd}"), "a·b·");
        assert_eq!(quote(&"x".repeat(100)).chars().count(), QUOTE + 1);
    }
}
