//! An FTP session seen from the wire: one control connection and what its
//! two sides say.
//!
//! **Finding FTP by what it says** ([`recognition`]): a `220` banner from
//! the dialled side, then an FTP command from the dialler; or, for a
//! session the capture joined after its banner, FTP-only commands from one
//! side and replies from the other. Until then the session is a
//! *candidate* and its events wait in a queue; once it is confirmed they
//! join the trace.
//!
//! **Reading the dialogue.** Bytes (already in order: see [`super::tcp`])
//! are cut into lines by the shared [`LineBuffer`]; client lines become
//! [`Command`]s, server lines go through the shared [`ReplyParser`] into
//! whole (multi-line) replies. `ABOR` may arrive as Telnet "urgent" data
//! with `IAC IP IAC DM` bytes in front of it; they are not part of the verb.
//!
//! **What the dialogue announces.** Four messages name the endpoint of the
//! next data connection, which is how active and passive mode differ:
//! `PORT`/`EPRT` (the client listens there, the server will dial) and the
//! replies `227`/`229` to `PASV`/`EPSV` (the server listens, the client will
//! dial). They become [`Announcement`]s that the connection tracker matches
//! against the next SYNs. The transfer command (`RETR`, `STOR`, `LIST`...)
//! that a data connection serves is remembered too, for its narration.

mod recognition;

pub use recognition::{speaker, Judgement};

use super::linking::Announcement;
use super::tcp::Delivery;
use crate::ftp::{hostport, Command, LineBuffer, ReplyParser};
use crate::trace::{Event, Kind, Side, Via};
use recognition::Verb;
use std::net::{IpAddr, SocketAddr};

/// Commands that make the server move a file or a listing over a data
/// connection.
const TRANSFER_VERBS: &[&str] = &["RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD"];

/// Events a candidate may queue before it is judged.
const MAX_QUEUED: usize = 64;

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
    lines: [LineBuffer; 2],
    replies: ReplyParser,
    queue: Vec<Event>,
    /// Data connections dialled so far.
    pub conns: u32,
    /// A transfer command not yet matched with a data connection.
    transfer: Option<String>,
    /// Data connections (their `connect` event index) not yet matched with
    /// a transfer command.
    unserved: Vec<usize>,
    /// A transfer was asked for and has not finished.
    pub expecting_data: bool,
    /// Endpoints announced by this session, for the tracker to collect.
    pub announced: Vec<Announcement>,
    /// Set when a reply says a data connection could not be opened (425).
    pub data_failed: bool,
    /// Control bytes the capture missed, and whether the next line of each
    /// side spans such a hole.
    pub missing: u64,
    skip_line: [bool; 2],
    /// Joined mid-way (no banner captured): an FTP-only command and a whole
    /// reply heard so far.
    pub midway: bool,
    heard: [bool; 2],
}

impl Session {
    pub fn new(id: u64, client: SocketAddr, server: SocketAddr) -> Session {
        Session {
            id,
            number: 0,
            client,
            server,
            judgement: Judgement::AwaitBanner,
            lines: [LineBuffer::new(), LineBuffer::new()],
            replies: ReplyParser::new(),
            queue: Vec::new(),
            conns: 0,
            transfer: None,
            unserved: Vec::new(),
            expecting_data: false,
            announced: Vec::new(),
            data_failed: false,
            missing: 0,
            skip_line: [false; 2],
            midway: false,
            heard: [false; 2],
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

    pub fn is_ftp(&self) -> bool {
        self.judgement == Judgement::Ftp
    }

    /// An event on the control connection: into the trace once confirmed,
    /// into the queue before.
    pub fn emit(&mut self, event: Event, trace: &mut Vec<Event>) {
        match self.judgement {
            Judgement::Ftp => trace.push(event),
            Judgement::NotFtp => {}
            _ if self.queue.len() >= MAX_QUEUED => self.judge(Judgement::NotFtp, trace, None),
            _ => self.queue.push(event),
        }
    }

    fn judge(&mut self, j: Judgement, trace: &mut Vec<Event>, next_number: Option<&mut u32>) {
        self.judgement = j;
        if j == Judgement::Ftp {
            if let Some(n) = next_number {
                *n += 1;
                self.number = *n;
            }
            for mut e in self.queue.drain(..) {
                e.session = self.number;
                trace.push(e);
            }
        } else if j == Judgement::NotFtp {
            self.queue = Vec::new();
            self.lines = [LineBuffer::new(), LineBuffer::new()];
        }
    }

    /// In-order bytes from one side of the control connection.
    pub fn bytes(
        &mut self,
        from: Side,
        bytes: &[u8],
        t: f64,
        trace: &mut Vec<Event>,
        numbers: &mut u32,
    ) {
        let i = from as usize;
        // Judge early from the first bytes, so a connection that is not FTP
        // stops costing anything at once.
        let fresh = self.lines[i].pending() == 0;
        match (self.judgement, from) {
            (Judgement::AwaitBanner, Side::Client) => {
                return self.judge(Judgement::NotFtp, trace, None);
            }
            (Judgement::AwaitBanner, Side::Server)
                if fresh && !b"220".starts_with(bytes.get(..3).unwrap_or(bytes)) =>
            {
                return self.judge(Judgement::NotFtp, trace, None);
            }
            (Judgement::AwaitCommand | Judgement::MidWay, _) if self.lines[i].pending() > 512 => {
                return self.judge(Judgement::NotFtp, trace, None);
            }
            (Judgement::MidWay, Side::Client)
                if fresh
                    && !bytes
                        .first()
                        .is_some_and(|b| b.is_ascii_alphabetic() || *b == 0xff) =>
            {
                return self.judge(Judgement::NotFtp, trace, None);
            }
            (Judgement::MidWay, Side::Server)
                if fresh
                    && !self.replies.in_reply()
                    && !bytes.first().is_some_and(u8::is_ascii_digit) =>
            {
                return self.judge(Judgement::NotFtp, trace, None);
            }
            (Judgement::NotFtp, _) => return,
            _ => {}
        }
        self.lines[i].push(bytes);
        while let Some(line) = self.lines[i].next_line() {
            if std::mem::take(&mut self.skip_line[i]) {
                continue; // this line spans a hole in the capture
            }
            if let Ok(line) = line {
                self.line(from, &line, t, trace, numbers);
            }
            if self.judgement == Judgement::NotFtp {
                return;
            }
        }
    }

    /// One delivery of `from`'s control stream, in order: bytes to read
    /// as lines, or a hole the capture left (the line it cuts is skipped).
    pub fn deliver(
        &mut self,
        from: Side,
        delivery: Delivery<'_>,
        t: f64,
        trace: &mut Vec<Event>,
        numbers: &mut u32,
    ) {
        match delivery {
            Delivery::Bytes(b) => self.bytes(from, b, t, trace, numbers),
            Delivery::Gap(n) => self.gap(from, n),
            Delivery::Count(_) => {}
        }
    }

    /// `n` bytes from one side were never captured. The line they fall in
    /// would be a guess, so it is left out.
    pub fn gap(&mut self, from: Side, n: u64) {
        self.missing += n;
        self.skip_line[from as usize] = true;
    }

    /// The connection ended: an unterminated last line still counts.
    pub fn finish(&mut self, t: f64, trace: &mut Vec<Event>, numbers: &mut u32) {
        for from in [Side::Client, Side::Server] {
            if let Some(Ok(line)) = self.lines[from as usize].finish() {
                self.line(from, &line, t, trace, numbers);
            }
        }
    }

    fn line(&mut self, from: Side, line: &str, t: f64, trace: &mut Vec<Event>, n: &mut u32) {
        match (self.judgement, from) {
            (Judgement::NotFtp, _) => {}
            (Judgement::AwaitBanner, Side::Server) if line.starts_with("220") => {
                self.judgement = Judgement::AwaitCommand;
                self.reply_line(line, t, trace);
            }
            (Judgement::AwaitBanner, _) => self.judge(Judgement::NotFtp, trace, None),
            (Judgement::AwaitCommand, Side::Client) => {
                if recognition::opening(line) {
                    self.judge(Judgement::Ftp, trace, Some(n));
                    self.command_line(line, t, trace);
                } else {
                    self.judge(Judgement::NotFtp, trace, None);
                }
            }
            (Judgement::MidWay, Side::Client) => match recognition::verb(line) {
                Verb::Foreign => self.judge(Judgement::NotFtp, trace, None),
                v => {
                    self.heard[0] |= v == Verb::Proof;
                    self.command_line(line, t, trace);
                    self.confirm_midway(trace, n);
                }
            },
            (Judgement::MidWay, Side::Server) => match self.reply_line(line, t, trace) {
                None => self.judge(Judgement::NotFtp, trace, None),
                Some(whole) => {
                    self.heard[1] |= whole;
                    self.confirm_midway(trace, n);
                }
            },
            (_, Side::Server) => {
                self.reply_line(line, t, trace);
            }
            (Judgement::Ftp, Side::Client) => self.command_line(line, t, trace),
        }
    }

    /// A session joined mid-way is FTP once both sides have proved it.
    fn confirm_midway(&mut self, trace: &mut Vec<Event>, n: &mut u32) {
        if self.heard == [true, true] {
            self.judge(Judgement::Ftp, trace, Some(n));
        }
    }

    fn event(&self, t: f64, from: Side, kind: Kind) -> Event {
        Event::new(t, self.number, 0, from, kind)
    }

    fn command_line(&mut self, line: &str, t: f64, trace: &mut Vec<Event>) {
        // Telnet IAC IP / IAC DM before an urgent ABOR are not the verb.
        let line = line.trim_start_matches(|c: char| !c.is_ascii_alphabetic());
        let Ok(cmd) = Command::parse(line) else {
            return;
        };
        match cmd.verb.as_str() {
            "PORT" => {
                if let Ok(addr) = hostport::parse_port(&cmd.arg) {
                    self.announce(SocketAddr::V4(addr), Via::Port);
                }
            }
            "EPRT" => {
                if let Ok(addr) = hostport::parse_eprt(&cmd.arg) {
                    self.announce(addr, Via::Eprt);
                }
            }
            v if TRANSFER_VERBS.contains(&v) => {
                self.expecting_data = true;
                match self.unserved.pop() {
                    Some(at) => serve(trace, at, line),
                    None => self.transfer = Some(line.to_string()),
                }
                self.unserved.clear();
            }
            _ => {}
        }
        let kind = Kind::Command {
            text: line.to_string(),
            verb: cmd.verb,
        };
        let e = self.event(t, Side::Client, kind);
        self.emit(e, trace);
    }

    /// One server line. Returns whether it completed a reply, or `None`
    /// when it is not a reply line at all.
    fn reply_line(&mut self, line: &str, t: f64, trace: &mut Vec<Event>) -> Option<bool> {
        let Some(reply) = self.replies.push_line(line).ok()? else {
            return Some(false);
        };
        let text = reply.text();
        match reply.code {
            227 => {
                if let Ok(addr) = hostport::parse_227(&text) {
                    self.announce(SocketAddr::V4(addr), Via::Pasv);
                }
            }
            229 => {
                if let Ok(port) = hostport::parse_229(&text) {
                    self.announce(SocketAddr::new(self.server.ip(), port), Via::Epsv);
                }
            }
            425 => self.data_failed = true,
            _ => {}
        }
        if reply.code >= 200 && self.expecting_data {
            self.expecting_data = false;
            self.transfer = None;
        }
        let e = self.event(
            t,
            Side::Server,
            Kind::Reply {
                code: reply.code,
                text,
            },
        );
        self.emit(e, trace);
        Some(true)
    }

    fn announce(&mut self, addr: SocketAddr, via: Via) {
        self.announced.push(Announcement {
            addr,
            via,
            session: self.id,
        });
    }

    /// A data connection of this session was dialled; its `connect` event
    /// is `trace[at]`. Returns its connection number.
    pub fn data_connect(&mut self, trace: &mut [Event], at: usize) -> u32 {
        self.conns += 1;
        match self.transfer.take() {
            Some(cmd) => serve(trace, at, &cmd),
            None => self.unserved.push(at),
        }
        self.conns
    }

    /// Which side a host address belongs to, when the two hosts differ.
    pub fn side_of(&self, ip: IpAddr) -> Option<Side> {
        if self.client.ip() == self.server.ip() {
            None
        } else if ip == self.client.ip() {
            Some(Side::Client)
        } else if ip == self.server.ip() {
            Some(Side::Server)
        } else {
            None
        }
    }
}

/// Notes on a data connection's `connect` event which command it served.
fn serve(trace: &mut [Event], at: usize, cmd: &str) {
    if let Some(e) = trace.get_mut(at) {
        // Said at the dial, before anyone knows whether it will connect.
        let served = format!("for the data of {cmd}");
        e.note = Some(match e.note.take() {
            Some(n) => format!("{n}; {served}"),
            None => served,
        });
    }
}
