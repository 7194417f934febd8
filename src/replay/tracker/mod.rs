//! The connection tracker: which TCP connection is what, and what happened
//! to it.
//!
//! Every TCP segment of the capture comes through here. Its two endpoints
//! name a connection; the tracker keeps one entry per *live* connection
//! (removed at its end), so memory follows what is open, not the file.
//!
//! - A **SYN** is a dial. If its destination is an endpoint some FTP session
//!   announced (PORT/EPRT: the client's; 227/229: the server's), it is that
//!   session's next data connection, and the announcement gives `via` and
//!   who dials. A SYN to an endpoint known to serve FTP control is a new
//!   control connection, whatever else matches. A SYN between the two hosts
//!   of a session that waits for data, to an endpoint nobody announced, is
//!   held open until its first bytes say: a `220` from the dialled side makes
//!   it a control connection (a busy server, a second client), anything else
//!   an unlinked data connection. Any other SYN may be a new FTP control
//!   connection: a candidate [`Session`] listens to it until it knows.
//! - The **SYN-ACK** completes the dial (`accept`); one that answers a SYN
//!   seen under other addresses is the same connection across a NAT
//!   ([`nat`]). A SYN answered by RST is `fail refused`; SYNs never answered
//!   become `fail timeout` just before the server says it gave up (425/426),
//!   or when the capture ends.
//! - **Payload** is put in order per direction ([`Stream`]): control bytes
//!   go to their session; data bytes are only counted and reported as a few
//!   coalesced `data` events ([`connection`]), with exact sums.
//! - The first **FIN** or **RST** is the `close`, from whoever sent it.
//!
//! Connections that turn out not to be FTP stay in the table as "ignored"
//! until they end, which makes their packets cheap: one lookup.
//!
//! The table's entries are [`Conn`]s ([`connection`]); how a first segment
//! becomes an entry, and whether it serves an FTP session, is [`dial`]; how
//! entries end (close, fail, holes, forgetting) is [`teardown`]; one
//! connection under two names is [`nat`]; how far the trace so far is final
//! (for a live reading) is [`horizon`].

mod connection;
mod dial;
mod horizon;
mod nat;
mod teardown;

pub use teardown::Ending;

use super::announcement;
use super::endpoints::{Key, KeyHashing};
use super::segment::{Segment, ACK, FIN, RST, SYN};
use super::session::{Judgement, Session};
use super::sink::Sink;
use super::tcp::Stream;
use crate::trace::{Event, FailMark, FailReason, Kind, Side};
use connection::{Conn, Counted, End, Role};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;

/// Server endpoints remembered as FTP control ports, at most.
const CONTROL_PORTS: usize = 4096;

/// All live connections, the sessions they belong to, and the trace so far.
#[derive(Debug, Default)]
pub struct Tracker {
    conns: HashMap<Key, Conn, KeyHashing>,
    /// Sessions by internal id: candidates and confirmed FTP ones.
    sessions: HashMap<u64, Session>,
    /// The ids of the confirmed ones (few, even when candidates are many).
    ftp: Vec<u64>,
    /// Server endpoints that served FTP control in this capture.
    control_ports: HashSet<SocketAddr>,
    /// Live connections opened by a SYN, by the number that acks it.
    dials: HashMap<u32, Key>,
    /// Connections also seen under other addresses (NAT).
    aliases: HashMap<Key, nat::Alias, KeyHashing>,
    /// Data connections with counted bytes not yet reported.
    unreported: Vec<Key>,
    /// Unconfirmed sessions that may be the tail of one begun before the
    /// capture, judged at the end.
    tails: Vec<Session>,
    next_id: u64,
    t0: Option<u64>,
    /// The events found so far, session numbers, announcements.
    sink: Sink,
    /// Holes in the capture: (session, conn, bytes never seen).
    holes: Vec<(u32, u32, u64)>,
    /// Sessions recognised without (all of) their banner: what is missing.
    joined: Vec<(u32, String)>,
    /// TCP connections seen (a SYN or payload opened an entry).
    pub connections: u64,
    /// Table size that triggers the next sweep.
    sweep_at: usize,
    /// Connections ended by an RST, kept a moment for bytes still in
    /// flight: (key, when the RST was captured), oldest first.
    resets: std::collections::VecDeque<(Key, u64)>,
    /// Connections to port 21 too short to prove FTP, in words.
    unproven: Vec<String>,
    /// What the comment of the packet being read says of its dial's
    /// failure (a capture ftpviz wrote).
    mark: Option<FailMark>,
}

impl Tracker {
    pub fn new() -> Tracker {
        Tracker::default()
    }

    /// The events found so far, in the order found.
    /// The TLS keys the reading holds (see [`crate::replay::decryption`]).
    pub fn keys(&mut self) -> &mut crate::replay::decryption::KeyLog {
        &mut self.sink.keys
    }

    /// Whether TLS records were counted so far for want of keys.
    pub fn tls_without_keys(&self) -> bool {
        self.sink.tls_without_keys
    }

    pub fn events(&self) -> &[Event] {
        &self.sink.events
    }

    fn t(&mut self, ns: u64) -> f64 {
        self.clock(ns)(ns)
    }

    /// The trace's clock (seconds since the first segment), started at
    /// `ns` if it has not started yet; it borrows nothing, so bytes
    /// delivered from inside a stream can be timed by when they came.
    fn clock(&mut self, ns: u64) -> impl Fn(u64) -> f64 {
        let t0 = *self.t0.get_or_insert(ns);
        move |at: u64| at.saturating_sub(t0) as f64 / 1e9
    }

    /// One TCP segment captured at `ns`, whose packet's comment says why
    /// its dial failed (`mark`: a capture ftpviz wrote, see
    /// [`crate::trace::FAIL_MARK`]).
    pub fn segment_marked(&mut self, ns: u64, seg: &Segment<'_>, mark: Option<FailMark>) {
        self.mark = mark;
        self.segment(ns, seg);
        self.mark = None;
    }

    /// One TCP segment captured at `ns`.
    pub fn segment(&mut self, ns: u64, seg: &Segment<'_>) {
        if !self.aliases.is_empty() {
            if let Some(seg) = self.translate(seg) {
                return self.segment_as(ns, &seg);
            }
        }
        self.segment_as(ns, seg)
    }

    fn segment_as(&mut self, ns: u64, seg: &Segment<'_>) {
        if !self.resets.is_empty() {
            self.expire_resets(ns);
        }
        let key = Key::of(&seg.src, &seg.dst);
        if seg.flags & (SYN | FIN | RST) == 0 && self.fast_path(&key, ns, seg) {
            return;
        }
        let fresh_syn = seg.has(SYN) && !seg.has(ACK);
        match self.conns.get(&key) {
            Some(c) if fresh_syn && seg.src.is(&c.initiator) && c.dialling.is_some() => {}
            Some(c) if fresh_syn && (c.closed || !seg.src.is(&c.initiator)) => {
                // The same endpoints again: a new connection.
                self.remove(key, ns);
                self.open(key, ns, seg);
            }
            Some(_) => {}
            None if fresh_syn => {
                if self.echoed_syn(ns, seg) {
                    return;
                }
                if !self.ftp.is_empty() {
                    self.catch_up(seg.src.addr(), seg.dst.addr(), ns);
                }
                self.open(key, ns, seg);
            }
            None if seg.has(SYN) => {
                if let Some(seg) = self.far_answer(ns, seg) {
                    self.segment_as(ns, &seg);
                }
                return;
            }
            None if seg.len > 0 => self.open(key, ns, seg),
            None => return,
        }
        self.on_conn(key, ns, seg);
    }

    /// The common case, with one lookup: a segment without SYN, FIN or RST
    /// that is a bare ACK, belongs to an ignored connection, or carries data
    /// to be counted. Returns false when the full path must run.
    fn fast_path(&mut self, key: &Key, ns: u64, seg: &Segment<'_>) -> bool {
        let Some(c) = self.conns.get_mut(key) else {
            return seg.len == 0; // nothing to open a connection for
        };
        c.last_ns = ns;
        if seg.len == 0 {
            return true;
        }
        match c.role {
            Role::Data(_) => {
                let end = End::of(&c.initiator, seg.src);
                let counted = c.count(end, seg, ns, &mut self.sink);
                self.counted(*key, end, counted);
                true
            }
            Role::Ignored => true,
            Role::Control(_) | Role::Undecided(_) => false,
        }
    }

    /// Everything that follows from one segment of a known connection.
    fn on_conn(&mut self, key: Key, ns: u64, seg: &Segment<'_>) {
        let Some(c) = self.conns.get_mut(&key) else {
            return;
        };
        c.last_ns = ns;
        if matches!(c.role, Role::Ignored) {
            if seg.has(RST) || seg.has(FIN) {
                self.conns.remove(&key);
            }
            return;
        }
        let end = End::of(&c.initiator, seg.src);
        if let (Some(_), true, Role::Control(id)) = (c.reset_ns, seg.len > 0, &c.role) {
            if let Some(s) = self.sessions.get_mut(id) {
                s.after_reset(end.side(Side::Client));
            }
        }
        if seg.has(SYN) {
            if end == End::Initiator {
                c.streams[end.index()].syn(seg.seq);
                if let Some((n, _)) = c.dialling {
                    c.dialling = Some((n + 1, ns));
                }
                c.told = self.mark.or(c.told);
            } else if seg.has(ACK) {
                c.streams[end.index()].syn(seg.seq);
                if c.dialling.take().is_some() {
                    let note = c.translated.take();
                    self.conn_event(key, ns, End::Responder, Kind::Accept, note.as_deref());
                }
            }
        }
        if seg.has(RST) || seg.has(FIN) {
            // A dial whose role waited for bytes that never came: data.
            self.decide(key, None);
        }
        self.payload(key, ns, end, seg);
        let Some(c) = self.conns.get_mut(&key) else {
            return;
        };
        if seg.has(RST) {
            if c.dialling.is_some() && end == End::Responder {
                c.dialling = None;
                c.failed = true;
                let by = self.mark.and_then(|m| m.by);
                let kind = Kind::Fail {
                    reason: FailReason::Refused,
                    by,
                };
                let note = match by {
                    Some(by) => format!(
                        "answered by RST; the capture's comment says by the {}",
                        by.as_str()
                    ),
                    None => "answered by RST: nobody listens there".to_string(),
                };
                self.conn_event(key, ns, End::Initiator, kind, Some(&note));
                self.remove(key, ns);
            } else {
                self.close(key, ns, end, Some("reset (RST)"));
                self.reset(key, ns);
            }
        } else if seg.has(FIN) {
            self.close(key, ns, end, None);
            if let Some(c) = self.conns.get_mut(&key) {
                c.fin[end.index()] = true;
                if c.fin == [true, true] {
                    self.remove(key, ns);
                }
            }
        }
    }

    /// Payload of one segment, through reassembly, to its session or count.
    fn payload(&mut self, key: Key, ns: u64, end: End, seg: &Segment<'_>) {
        if seg.len == 0 {
            return;
        }
        self.decide(key, Some((end, seg.payload)));
        let Some(c) = self.conns.get_mut(&key) else {
            return;
        };
        match &mut c.role {
            Role::Data(_) => {
                let counted = c.count(end, seg, ns, &mut self.sink);
                self.counted(key, end, counted);
            }
            Role::Control(id) => {
                let id = *id;
                self.control(key, id, ns, Some((end, seg)));
            }
            Role::Undecided(_) | Role::Ignored => {}
        }
    }

    /// Control bytes to their session, and what follows from what it said.
    /// `seg` (and the end that sent it) is `None` to only give up the holes
    /// both sides wait behind.
    fn control(&mut self, key: Key, id: u64, ns: u64, seg: Option<(End, &Segment<'_>)>) {
        let clock = self.clock(ns);
        let Some(c) = self.conns.get_mut(&key) else {
            return;
        };
        let Some(s) = self.sessions.get_mut(&id) else {
            return;
        };
        let was_ftp = s.is_ftp();
        let (before, announced) = (self.sink.events.len(), self.sink.announced.len());
        let sink = &mut self.sink;
        // FTP speaks in turns: when one side talks while the other's bytes
        // wait behind a hole, the hole was lost by the capture, not delayed.
        // Give it up so lines keep their order. A new connection between
        // the hosts is a turn of both sides (it follows what they said).
        let other;
        let turns: &[End] = match seg {
            Some((end, _)) => {
                other = [end.other()];
                &other
            }
            None => &End::BOTH,
        };
        for &end in turns {
            // A control connection's initiator is its client.
            let from = end.side(Side::Client);
            let stream = &mut c.streams[end.index()];
            if stream.is_waiting() {
                stream.finish(&mut |x, at| s.deliver(from, x, clock(at), sink));
            }
        }
        if let Some((end, seg)) = seg {
            let from = end.side(Side::Client);
            c.streams[end.index()].segment(seg.seq, seg.len, seg.payload, ns, &mut |x, at| {
                s.deliver(from, x, clock(at), sink)
            });
        }
        if s.judgement == Judgement::NotFtp {
            self.sessions.remove(&id);
            self.sink.announced.retain(|a| a.session != id);
            c.role = Role::Ignored;
            c.streams = [Stream::counting(), Stream::counting()];
            return;
        }
        let proved = (s.is_ftp() && !was_ftp).then_some(s.server);
        if let Some(server) = proved {
            self.ftp.push(id);
            if self.control_ports.len() >= CONTROL_PORTS {
                self.control_ports.clear();
            }
            self.control_ports.insert(server);
        }
        let failed = s.data_failed.take();
        if self.sink.announced.len() > announced {
            announcement::bound(&mut self.sink.announced, self.ftp.len());
        }
        let (number, spoke) = (s.number, s.is_ftp() && self.sink.events.len() > before);
        if let Some(at) = failed {
            self.give_up_dials(id, ns, "no answer to the SYN; the server gave up", at);
        }
        if spoke {
            self.settle_data(number);
        }
        if let Some(server) = proved {
            self.confirm_tails(server);
        }
    }

    /// A dial between `src` and `dst`: the sessions between those hosts
    /// whose control bytes wait behind a hole give it up first, so that an
    /// announcement just after the hole is known before the dial is linked.
    fn catch_up(&mut self, src: SocketAddr, dst: SocketAddr, ns: u64) {
        let hosts = [src.ip(), dst.ip()];
        let waiting: Vec<(Key, u64)> = self
            .ftp
            .iter()
            .filter_map(|id| {
                let s = self.sessions.get(id)?;
                let between = hosts.contains(&s.client.ip()) && hosts.contains(&s.server.ip());
                let key = Key::of(&s.client.into(), &s.server.into());
                let c = self.conns.get(&key)?;
                (between && c.streams.iter().any(Stream::is_waiting)).then_some((key, *id))
            })
            .collect();
        for (key, id) in waiting {
            self.control(key, id, ns, None);
        }
    }

    /// What counting a data segment asked for: a listing, a report.
    fn counted(&mut self, key: Key, end: End, counted: Counted) {
        if counted.list {
            self.unreported.push(key);
        }
        if counted.due {
            self.report(key, end);
        }
    }

    /// Reports the counted bytes one end of a data connection sent, at the
    /// time they were captured.
    fn report(&mut self, key: Key, end: End) {
        let Some(Role::Data(d)) = self.conns.get(&key).map(|c| &c.role) else {
            return;
        };
        let t = self.t(d.last_ns);
        if let Some(e) = self.conns.get_mut(&key).and_then(|c| c.report(end, t)) {
            self.sink.events.push(e);
        }
    }

    /// The session's control connection said something: data counted
    /// before it is reported first, so it shows before what it said.
    fn settle_data(&mut self, session: u32) {
        if self.unreported.is_empty() {
            return;
        }
        for key in std::mem::take(&mut self.unreported) {
            let mine = matches!(
                self.conns.get(&key).map(|c| &c.role),
                Some(Role::Data(d)) if d.session == session
            );
            if !mine {
                self.unreported.push(key);
                continue;
            }
            for end in End::BOTH {
                self.report(key, end);
            }
            if let Some(Role::Data(d)) = self.conns.get_mut(&key).map(|c| &mut c.role) {
                d.listed = false;
            }
        }
    }

    /// An event about the connection itself (accept, fail, close), from
    /// `end`.
    fn conn_event(&mut self, key: Key, ns: u64, end: End, kind: Kind, note: Option<&str>) {
        let t = self.t(ns);
        let Some(c) = self.conns.get_mut(&key) else {
            return;
        };
        let (session, conn, side) = match &mut c.role {
            Role::Data(d) => (d.session, d.conn, end.side(d.dialler)),
            Role::Control(id) => {
                let Some(s) = self.sessions.get_mut(id) else {
                    return;
                };
                let mut e = Event::new(t, s.number, 0, end.side(Side::Client), kind);
                e.note = note.map(str::to_string);
                s.emit(e, &mut self.sink);
                return;
            }
            Role::Undecided(u) => {
                u.held.push((ns, end, kind, note.map(str::to_string)));
                return;
            }
            Role::Ignored => return,
        };
        let mut e = Event::new(t, session, conn, side, kind);
        e.note = note.map(str::to_string);
        self.sink.events.push(e);
    }
}
