//! An FTP session seen from the wire: one control connection and what its
//! two sides say.
//!
//! **Finding FTP by what it says** ([`recognition`]): a `220` banner from
//! the dialled side, then an FTP command from the dialler; or, for a
//! session the capture joined after its banner, FTP-only commands from one
//! side and replies from the other. Until then the session is a
//! *candidate* and its events wait in a queue; once it is confirmed they
//! join the trace. A capture may even begin inside a multi-line reply: its
//! last lines, then the line with the code, make one reply shown as cut.
//!
//! **Reading the dialogue.** Bytes (already in order: see [`super::tcp`])
//! are read per side by a [`Reader`] into lines, holes, and TLS
//! ([`reader`], [`records`](super::records)); what the lines say becomes commands and replies
//! ([`dialogue`]). Nothing captured is dropped without a word: lines that
//! are not FTP, lines cut by holes, over-long lines, encrypted bytes all
//! end up in an event or in the note of the next one.
//!
//! **What the dialogue announces.** Four messages name the endpoint of the
//! next data connection, which is how active and passive mode differ:
//! `PORT`/`EPRT` (the client listens there, the server will dial) and the
//! replies `227`/`229` to `PASV`/`EPSV` (the server listens, the client will
//! dial). They become announcements (`announcement`), given to the
//! reading's [`Sink`] as the events and session numbers are, and the
//! connection tracker matches them against the next SYNs. The transfer
//! command (`RETR`, `STOR`, `LIST`...) that a data connection serves is
//! remembered too, for its narration. An announcement aimed at a third
//! host or a low port is named for what it is, a bounce, in [`bounce`].

mod bounce;
mod dialogue;
mod inside;
mod reader;
mod recognition;

pub use recognition::{continuation, speaker, Judgement};

use super::announcement::Hosts;
use super::sink::Sink;
use super::tcp::Delivery;
use crate::ftp::ReplyParser;
use crate::trace::{Event, Side};
use dialogue::Junk;
use reader::{Keyed, Piece, Reader};
use recognition::Verb;
use std::net::SocketAddr;

/// Events a candidate may queue before it is judged.
const MAX_QUEUED: usize = 64;
/// Lines a session joined inside a reply may hold before the reply's code.
const MAX_CUT_LINES: usize = 64;

/// One FTP control conversation.
#[derive(Debug)]
pub struct Session {
    /// Internal id (stable while the session lives).
    pub id: u64,
    /// Trace session number, given when confirmed (0 before).
    pub number: u32,
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub judgement: Judgement,
    /// [client, server].
    readers: [Reader; 2],
    replies: ReplyParser,
    queue: Vec<Event>,
    /// Data connections dialled so far.
    pub conns: u32,
    /// The last transfer command not yet matched with a data connection,
    /// and whether its final reply has come.
    transfer: Option<String>,
    transfer_done: bool,
    /// A PORT/EPRT naming a third host (or a privileged port) waits for
    /// the server's answer.
    bounce_asked: bool,
    /// Data connections (their `connect` event index) not yet matched with
    /// a transfer command.
    unserved: Vec<usize>,
    /// Data connections (their `connect` event index) nothing announced.
    pub unlinked: Vec<usize>,
    /// A transfer was asked for and has not finished.
    pub expecting_data: bool,
    /// PASV or EPSV was sent and its answer not read yet: the client may
    /// dial before the transfer command.
    pub asked_passive: bool,
    /// Where in the trace a reply said a data connection could not be
    /// opened (425, 426): dials still waiting are given up just before it.
    pub data_failed: Option<usize>,
    /// Control bytes the capture missed.
    pub missing: u64,
    /// Joined mid-way (no banner captured): an FTP-only command and a whole
    /// reply heard so far.
    pub midway: bool,
    heard: [bool; 2],
    /// The code of the first whole reply, and whether the client had
    /// already sent a command by then.
    first_reply: Option<u16>,
    commands: u32,
    /// Joined inside the banner: how many of its lines were captured.
    banner_cut: Option<usize>,
    /// The time of the last event given to the trace.
    last_t: f64,
    /// When the control connection last carried bytes, and from whom.
    pub last_spoke: Option<(f64, Side)>,
    /// Each side's bytes after an RST have been noted.
    late: [bool; 2],
    /// Joined inside a reply: the server's lines before its first code.
    cut_start: Option<Vec<String>>,
    /// Notes for the next event of each side (holes, junk...).
    notes: [Vec<String>; 2],
    /// Bytes of each side that are not FTP lines, not yet noted.
    junk: [Junk; 2],
    /// The code of the multi-line reply being read, and whether a hole fell
    /// inside it.
    open_code: Option<u16>,
    reply_holed: bool,
    /// Notes for the reply being read (its over-long lines).
    reply_notes: Vec<String>,
    scratch: Vec<Piece>,
    /// The control connection's TLS, read with the reading's keys (made at
    /// the first TLS byte, when there are keys).
    secure: Option<Box<crate::replay::decryption::Connection>>,
    /// Each side's lines are being decrypted ([client, server]).
    inside: [bool; 2],
    /// How each side's TLS is decrypted, until its first line says so.
    how: [Option<String>; 2],
    /// The records each side's decrypted lines came in, since its last
    /// event ([`inside`]).
    carried: [Vec<crate::tls::Record>; 2],
    /// Lines of this session were decrypted: its protected data
    /// connections are decrypted too.
    pub decrypted: bool,
}

impl Session {
    pub fn new(id: u64, client: SocketAddr, server: SocketAddr) -> Session {
        Session {
            id,
            number: 0,
            client,
            server,
            judgement: Judgement::AwaitBanner,
            readers: [Reader::new(Side::Client), Reader::new(Side::Server)],
            replies: ReplyParser::new(),
            queue: Vec::new(),
            conns: 0,
            transfer: None,
            transfer_done: false,
            bounce_asked: false,
            unserved: Vec::new(),
            unlinked: Vec::new(),
            expecting_data: false,
            asked_passive: false,
            data_failed: None,
            missing: 0,
            midway: false,
            heard: [false; 2],
            first_reply: None,
            commands: 0,
            banner_cut: None,
            late: [false; 2],
            last_spoke: None,
            last_t: 0.0,
            cut_start: None,
            notes: [Vec::new(), Vec::new()],
            junk: [Junk::default(), Junk::default()],
            open_code: None,
            reply_holed: false,
            reply_notes: Vec::new(),
            scratch: Vec::new(),
            secure: None,
            inside: [false; 2],
            how: [None, None],
            carried: [Vec::new(), Vec::new()],
            decrypted: false,
        }
    }

    /// A session the capture joined after its banner: `client` is the side
    /// that sends commands.
    pub fn joined(id: u64, client: SocketAddr, server: SocketAddr) -> Session {
        Session {
            judgement: Judgement::MidWay,
            midway: true,
            ..Session::new(id, client, server)
        }
    }

    /// A session the capture joined inside a (multi-line) reply of the
    /// server's: its lines before the code are the reply's cut start.
    pub fn joined_inside_reply(id: u64, client: SocketAddr, server: SocketAddr) -> Session {
        Session {
            cut_start: Some(Vec::new()),
            ..Session::joined(id, client, server)
        }
    }

    pub fn is_ftp(&self) -> bool {
        self.judgement == Judgement::Ftp
    }

    /// Whether a side of the control channel is encrypted (TLS) right now:
    /// its PORT and PASV cannot be read.
    pub fn encrypted(&self) -> bool {
        self.readers.iter().any(Reader::in_tls)
    }

    /// Whether a data connection between this session's hosts may come
    /// now: a transfer is under way, a passive answer is awaited, or the
    /// channel is encrypted and nobody can tell.
    pub fn may_get_data(&self) -> bool {
        self.expecting_data || self.asked_passive || self.encrypted()
    }

    /// An event on the control connection: into the trace once confirmed,
    /// into the queue before.
    pub fn emit(&mut self, event: Event, sink: &mut Sink) {
        match self.judgement {
            Judgement::Ftp => {
                self.last_t = event.t;
                sink.push(event)
            }
            Judgement::NotFtp => {}
            _ if self.queue.len() >= MAX_QUEUED => self.judge(Judgement::NotFtp, sink),
            _ => self.queue.push(event),
        }
    }

    fn judge(&mut self, j: Judgement, sink: &mut Sink) {
        self.judgement = j;
        if j == Judgement::Ftp {
            self.number = sink.next_number();
            for mut e in self.queue.drain(..) {
                e.session = self.number;
                self.last_t = e.t;
                sink.push(e);
            }
        } else if j == Judgement::NotFtp {
            self.queue = Vec::new();
            self.readers = [Reader::new(Side::Client), Reader::new(Side::Server)];
            self.cut_start = None;
        }
    }

    /// Whether this unconfirmed session could be FTP that said too little
    /// to prove it: the tail of one that began before the capture (a `QUIT`
    /// and its `221`: commands other protocols share and whole replies,
    /// nothing foreign), or a dial that failed before any word (the server
    /// was not up yet). Only where FTP is known to be served is it taken
    /// for FTP ([`Session::confirm`]).
    pub fn could_be_tail(&self) -> bool {
        let failed_dial = || {
            self.queue
                .iter()
                .any(|e| matches!(e.kind, crate::trace::Kind::Fail { .. }))
        };
        match self.judgement {
            Judgement::MidWay => self.said_something(),
            Judgement::AwaitBanner => failed_dial(),
            _ => false,
        }
    }

    /// The earliest time of an event this session may still add to the
    /// trace before later ones, or change: queued events of a candidate,
    /// dials waiting for the command they serve or for an end-of-session
    /// note, the last event while notes wait to be said. `None`: nothing.
    pub fn unsettled_since(&self, trace: &[Event]) -> Option<f64> {
        let at = |i: &usize| trace.get(*i).map(|e| e.t);
        let tls = self.readers.iter().filter_map(Reader::tls_since);
        match self.judgement {
            Judgement::NotFtp => None,
            Judgement::Ftp => {
                let waiting = self.notes.iter().any(|n| !n.is_empty())
                    || self.junk.iter().any(|j| !j.is_empty());
                self.unserved
                    .iter()
                    .chain(&self.unlinked)
                    .filter_map(at)
                    .chain(waiting.then_some(self.last_t))
                    .chain(tls)
                    .min_by(f64::total_cmp)
            }
            _ => self
                .queue
                .first()
                .map(|e| e.t)
                .into_iter()
                .chain(tls)
                .min_by(f64::total_cmp),
        }
    }

    /// The first index into the trace this session holds (dials waiting
    /// for their command or their note, where a 425/426 came).
    pub fn first_held(&self) -> Option<usize> {
        self.unserved
            .iter()
            .chain(&self.unlinked)
            .chain(&self.data_failed)
            .copied()
            .min()
    }

    /// The trace's first `k` events were let go (none of them held here).
    pub fn held_moved_down(&mut self, k: usize) {
        let down = |i: &mut usize| *i = i.saturating_sub(k);
        self.unserved.iter_mut().for_each(down);
        self.unlinked.iter_mut().for_each(down);
        self.data_failed.iter_mut().for_each(down);
    }

    /// Bytes from `from` captured after the connection's RST: they were
    /// sent before the reset reached that side. Said once per side.
    pub fn after_reset(&mut self, from: Side) {
        let i = from as usize;
        if !std::mem::replace(&mut self.late[i], true) {
            self.notes[i].push(format!(
                "captured after the connection's reset (RST): the {from} sent this before \
                    the reset reached it"
            ));
        }
    }

    /// Whether a command or a reply waits among the queued events.
    pub fn said_something(&self) -> bool {
        self.queue.iter().any(|e| {
            matches!(
                e.kind,
                crate::trace::Kind::Command { .. } | crate::trace::Kind::Reply { .. }
            )
        })
    }

    /// The lines queued, quoted and joined (for a warning).
    pub fn words(&self) -> String {
        let words: Vec<String> = self
            .queue
            .iter()
            .filter_map(|e| match &e.kind {
                crate::trace::Kind::Command { text, .. } => Some(format!("\"{text}\"")),
                crate::trace::Kind::Reply { code, .. } => Some(code.to_string()),
                _ => None,
            })
            .take(4)
            .collect();
        let reset = self.queue.iter().any(|e| {
            e.kind == crate::trace::Kind::Close && e.note.as_deref() == Some("reset (RST)")
        });
        format!(
            "{}{}",
            words.join(", "),
            if reset { " and a reset" } else { "" }
        )
    }

    /// Takes a tail ([`Session::could_be_tail`]) for FTP.
    pub fn confirm(&mut self, sink: &mut Sink) {
        self.judge(Judgement::Ftp, sink);
    }

    /// Judges from the first bytes of a line, so a connection that is not
    /// FTP stops costing anything at once. False when it is not FTP.
    fn first_look(&mut self, from: Side, bytes: &[u8], sink: &mut Sink) -> bool {
        let i = from as usize;
        let fresh = self.readers[i].pending() == 0;
        if self.judgement == Judgement::AwaitBanner {
            let banner = from == Side::Server
                && (!fresh || b"220".starts_with(bytes.get(..3).unwrap_or(bytes)));
            if !banner {
                // Its first words are not a banner: the capture lost it (a
                // hole), or this is not FTP. Judged as a session joined
                // mid-way: FTP only if both sides prove it.
                self.judgement = Judgement::MidWay;
                self.midway = true;
            }
        }
        let not_ftp = match (self.judgement, from) {
            (Judgement::NotFtp, _) => true,
            (Judgement::AwaitCommand | Judgement::MidWay, _) if self.readers[i].pending() > 512 => {
                true
            }
            (Judgement::MidWay, Side::Client) => {
                fresh
                    && !bytes
                        .first()
                        .is_some_and(|b| b.is_ascii_alphabetic() || *b == 0xff)
            }
            (Judgement::MidWay, Side::Server) => {
                fresh
                    && self.cut_start.is_none()
                    && !self.replies.in_reply()
                    && !bytes.first().is_some_and(u8::is_ascii_digit)
            }
            _ => false,
        };
        if not_ftp && self.judgement != Judgement::NotFtp {
            self.judge(Judgement::NotFtp, sink);
        }
        !not_ftp
    }

    /// One delivery of `from`'s control stream, in order: bytes to read
    /// as lines, or a hole the capture left.
    pub fn deliver(&mut self, from: Side, delivery: Delivery<'_>, t: f64, sink: &mut Sink) {
        let mut pieces = std::mem::take(&mut self.scratch);
        let reader = &mut self.readers[from as usize];
        match delivery {
            Delivery::Bytes(b) => {
                self.last_spoke = Some((t, from));
                if !self.first_look(from, b, sink) {
                    return;
                }
                let reader = &mut self.readers[from as usize];
                let keyed = (reader.wants_keys() && !sink.keys.is_empty()).then(|| Keyed {
                    conn: self.secure.get_or_insert_with(Default::default),
                    keys: &sink.keys,
                });
                reader.push(b, t, &mut pieces, keyed);
                sink.tls_without_keys |= reader.in_tls();
            }
            Delivery::Gap(n) => {
                self.missing += n;
                reader.hole(n, &mut pieces);
            }
            Delivery::Late(ahead_ns) => {
                self.notes[from as usize].push(format!(
                    "out of order: the bytes after this were captured {:.1} ms before it (sent \
                     again after a loss, or reordered on the way); shown in TCP's order",
                    ahead_ns as f64 / 1e6
                ));
            }
            Delivery::Count(_) => {}
        }
        for p in pieces.drain(..) {
            if self.judgement == Judgement::NotFtp {
                break;
            }
            self.piece(from, p, t, sink);
        }
        pieces.clear();
        self.scratch = pieces;
    }

    fn piece(&mut self, from: Side, p: Piece, t: f64, sink: &mut Sink) {
        match p {
            Piece::Line { text, long, sealed } => {
                self.carried[from as usize].extend(sealed);
                self.line(from, &text, long, t, sink)
            }
            Piece::Head { text } => self.head(from, &text, t, sink),
            Piece::Hole { bytes } => self.hole(from, bytes),
            Piece::Tail { text } => self.tail(from, &text),
            Piece::Tls {
                bytes,
                t,
                clear_after,
            } => self.tls(from, bytes, t, clear_after, sink),
            Piece::Opened { how } => self.opened(from, &how),
            Piece::Undecrypted { why, record } => self.undecrypted(from, &why, record, sink),
            Piece::Cleared => self.inside[from as usize] = false,
        }
    }

    /// The connection ended: what the readers still hold, a reply still
    /// open, notes with no event after them.
    pub fn finish(&mut self, t: f64, sink: &mut Sink) {
        for from in [Side::Client, Side::Server] {
            let mut pieces = Vec::new();
            self.readers[from as usize].finish(&mut pieces);
            for p in pieces {
                if self.judgement == Judgement::NotFtp {
                    return;
                }
                self.piece(from, p, t, sink);
            }
        }
        if self.judgement == Judgement::NotFtp {
            return;
        }
        self.close_cut_reply(
            t,
            sink,
            "cut: its last line (the code and a space) is not in the capture",
        );
        self.trailing_notes(&mut sink.events);
    }

    fn line(&mut self, from: Side, line: &str, long: Option<usize>, t: f64, sink: &mut Sink) {
        match (self.judgement, from) {
            (Judgement::NotFtp, _) => {}
            (Judgement::AwaitBanner, Side::Server) if line.starts_with("220") => {
                self.judgement = Judgement::AwaitCommand;
                self.reply_line(line, long, t, sink);
            }
            (Judgement::AwaitBanner, _) => self.judge(Judgement::NotFtp, sink),
            (Judgement::AwaitCommand, Side::Client) => {
                if recognition::opening(line) {
                    self.judge(Judgement::Ftp, sink);
                    self.command_line(line, long, t, sink);
                } else if dialogue::verb_of(line).is_none() {
                    // Not a command at all (binary, a stray banner): noted,
                    // and the client may still speak FTP.
                    self.junk[0].add(line, long);
                } else {
                    self.judge(Judgement::NotFtp, sink);
                }
            }
            (Judgement::MidWay, Side::Client) => match recognition::verb(line) {
                Verb::Foreign => self.judge(Judgement::NotFtp, sink),
                v => {
                    self.heard[0] |= v == Verb::Proof;
                    self.command_line(line, long, t, sink);
                    self.confirm_midway(sink);
                }
            },
            (Judgement::MidWay, Side::Server) => {
                if self.cut_start_line(line, t, sink) {
                    self.confirm_midway(sink);
                    return;
                }
                match self.reply_line(line, long, t, sink) {
                    None => self.judge(Judgement::NotFtp, sink),
                    Some(whole) => {
                        self.heard[1] |= whole;
                        self.confirm_midway(sink);
                    }
                }
            }
            (_, Side::Server) => {
                self.reply_line(line, long, t, sink);
            }
            (Judgement::Ftp, Side::Client) => self.command_line(line, long, t, sink),
        }
    }

    /// A session joined inside a reply: lines before the first code are
    /// held; the line with the code ends that reply, shown cut. True when
    /// the line was taken here.
    fn cut_start_line(&mut self, line: &str, t: f64, sink: &mut Sink) -> bool {
        let Some(cut) = &mut self.cut_start else {
            return false;
        };
        match crate::ftp::code_of(line) {
            None if cut.len() < MAX_CUT_LINES => {
                cut.push(line.to_string());
                true
            }
            None => {
                self.judge(Judgement::NotFtp, sink);
                true
            }
            Some((code, sep)) => {
                let mut lines = self.cut_start.take().unwrap_or_default();
                if lines.is_empty() || sep == b'-' {
                    for l in &lines {
                        self.junk[1].add(l, None);
                    }
                    return false;
                }
                let count = lines.len();
                lines.push(line.to_string());
                self.heard[1] = true;
                let note = format!(
                    "cut: the capture begins inside this reply; the {count} line(s) before its \
                     last were captured, its first line was not"
                );
                if code == 220 && self.first_reply.is_none() {
                    self.banner_cut = Some(count + 1);
                }
                let reply = crate::ftp::Reply { code, lines };
                self.reply(reply, t, sink, Some(note));
                true
            }
        }
    }

    /// A session joined mid-way is FTP once both sides have proved it.
    fn confirm_midway(&mut self, sink: &mut Sink) {
        if self.heard == [true, true] {
            self.judge(Judgement::Ftp, sink);
        }
    }

    /// A data connection of this session was dialled; its `connect` event
    /// is `trace[at]`. Returns its connection number.
    /// `announced`: an announcement led to the dial (not a guess).
    pub fn data_connect(&mut self, trace: &mut [Event], at: usize, announced: bool) -> u32 {
        self.conns += 1;
        let done = std::mem::take(&mut self.transfer_done);
        match self.transfer.take().filter(|_| announced || !done) {
            Some(cmd) => dialogue::serve(trace, at, &cmd),
            None => self.unserved.push(at),
        }
        self.conns
    }

    /// What the capture lacks of this session's start, in words, when it
    /// lacks something: the session was taken up without its banner, or
    /// inside it. A banner that came after the client's first command is
    /// not missing.
    pub fn missing_start(&self) -> Option<String> {
        if !self.midway {
            return None;
        }
        if let Some(lines) = self.banner_cut {
            return Some(format!(
                "joined mid-way, inside its banner: the 220's last {lines} line(s) were \
                    captured, its first line was not"
            ));
        }
        (self.first_reply != Some(220)).then(|| "joined mid-way: no banner captured".into())
    }

    /// The two ends of the control connection.
    pub fn hosts(&self) -> Hosts {
        Hosts {
            client: self.client,
            server: self.server,
        }
    }
}
