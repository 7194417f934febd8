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
//!   who dials. A SYN between the two hosts of a session that is waiting
//!   for data, to an endpoint nobody announced, is still shown, marked
//!   unlinked. Any other SYN may be a new FTP control connection: a
//!   candidate [`Session`] listens to it until it knows.
//! - The **SYN-ACK** completes the dial (`accept`). A SYN answered by RST is
//!   `fail refused`; SYNs never answered become `fail timeout` when the
//!   server gives up (425) or the capture ends.
//! - **Payload** is put in order per direction ([`Stream`]): control bytes
//!   go to their session; data bytes are only counted and reported as a few
//!   coalesced `data` events (the first at once, then one per half second of
//!   capture time, and the rest before the close), with exact sums.
//! - The first **FIN** or **RST** is the `close`, from whoever sent it.
//!
//! Connections that turn out not to be FTP stay in the table as "ignored"
//! until they end, which makes their packets cheap: one lookup.

use super::segment::{Segment, ACK, FIN, RST, SYN};
use super::session::{Announcement, Judgement, Session};
use super::tcp::{Delivery, Stream};
use crate::trace::{Event, FailReason, Kind, Side, Via};
use std::collections::HashMap;
use std::net::SocketAddr;

/// Data events of one connection are at most this far apart (capture time).
const SLICE_NS: u64 = 500_000_000;
/// Announcements remembered per session before the oldest are dropped.
const MAX_ANNOUNCED: usize = 16;
/// Past this many entries, ignored connections idle for a minute are swept.
const SWEEP_AT: usize = 1 << 16;

/// A connection, named by its two endpoints in a fixed order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key(SocketAddr, SocketAddr);

impl Key {
    fn of(a: SocketAddr, b: SocketAddr) -> Key {
        if a <= b {
            Key(a, b)
        } else {
            Key(b, a)
        }
    }
}

#[derive(Debug)]
struct DataConn {
    session: u32,
    conn: u32,
    /// The FTP side that dialled.
    dialler: Side,
    /// Bytes counted but not yet reported, per TCP direction.
    pending: [u64; 2],
    last_report: Option<u64>,
}

#[derive(Debug)]
enum Role {
    /// A control connection or a candidate: its session's id.
    Control(u64),
    Data(DataConn),
    Ignored,
}

#[derive(Debug)]
struct Conn {
    /// The TCP initiator (sender of the SYN).
    initiator: SocketAddr,
    /// SYNs sent and the time of the last; `None` once answered.
    dialling: Option<(u32, u64)>,
    fin: [bool; 2],
    closed: bool,
    failed: bool,
    /// [initiator → responder, responder → initiator].
    streams: [Stream; 2],
    role: Role,
    last_ns: u64,
}

/// All live connections, the sessions they belong to, and the trace so far.
#[derive(Debug, Default)]
pub struct Tracker {
    conns: HashMap<Key, Conn>,
    sessions: HashMap<u64, Session>,
    announced: Vec<Announcement>,
    next_id: u64,
    numbers: u32,
    t0: Option<u64>,
    pub events: Vec<Event>,
}

impl Tracker {
    pub fn new() -> Tracker {
        Tracker::default()
    }

    fn t(&mut self, ns: u64) -> f64 {
        let t0 = *self.t0.get_or_insert(ns);
        ns.saturating_sub(t0) as f64 / 1e9
    }

    /// One TCP segment captured at `ns`.
    pub fn segment(&mut self, ns: u64, seg: &Segment<'_>) {
        let key = Key::of(seg.src, seg.dst);
        let fresh_syn = seg.has(SYN) && !seg.has(ACK);
        match self.conns.get(&key) {
            Some(c) if fresh_syn && c.initiator == seg.src && c.dialling.is_some() => {}
            Some(c) if fresh_syn && (c.closed || c.initiator != seg.src) => {
                // The same endpoints again: a new connection.
                self.remove(key, ns);
                self.open(key, ns, seg);
            }
            Some(_) => {}
            None if fresh_syn || seg.len > 0 => self.open(key, ns, seg),
            None => return,
        }
        self.on_conn(key, ns, seg);
    }

    /// A new entry for a connection first seen in `seg`.
    fn open(&mut self, key: Key, ns: u64, seg: &Segment<'_>) {
        if self.conns.len() >= SWEEP_AT {
            self.sweep(ns);
        }
        let syn = seg.has(SYN) && !seg.has(ACK);
        // Mid-stream (no SYN seen): the side greeting with 220 is the server.
        let (initiator, responder) = if !syn && seg.payload.starts_with(b"220") {
            (seg.dst, seg.src)
        } else {
            (seg.src, seg.dst)
        };
        let t = self.t(ns);
        let role = match syn.then(|| self.link(initiator, responder)).flatten() {
            Some((session_id, dialler, via, note)) => {
                self.data_conn(session_id, dialler, via, note, initiator, responder, t)
            }
            None => {
                self.next_id += 1;
                let id = self.next_id;
                let mut s = Session::new(id, initiator, responder);
                if syn {
                    let e = Event::new(
                        t,
                        0,
                        0,
                        Side::Client,
                        Kind::Connect {
                            src: initiator,
                            dst: responder,
                            via: None,
                        },
                    );
                    s.emit(e, &mut self.events);
                }
                self.sessions.insert(id, s);
                Role::Control(id)
            }
        };
        let keep = matches!(role, Role::Control(_));
        let stream = || {
            if keep {
                Stream::keeping()
            } else {
                Stream::counting()
            }
        };
        self.conns.insert(
            key,
            Conn {
                initiator,
                dialling: syn.then_some((0, ns)),
                fin: [false; 2],
                closed: false,
                failed: false,
                streams: [stream(), stream()],
                role,
                last_ns: ns,
            },
        );
    }

    /// Which live session, if any, a dial from `src` to `dst` serves.
    fn link(
        &mut self,
        src: SocketAddr,
        dst: SocketAddr,
    ) -> Option<(u64, Side, Option<Via>, Option<String>)> {
        let exact = self.announced.iter().rposition(|a| a.addr == dst);
        // Behind NAT the announced address may be a private one: match the
        // port between the session's two hosts.
        let nat = || {
            self.announced.iter().rposition(|a| {
                a.addr.port() == dst.port()
                    && self.sessions.get(&a.session).is_some_and(|s| {
                        let hosts = [s.client.ip(), s.server.ip()];
                        hosts.contains(&src.ip()) && hosts.contains(&dst.ip())
                    })
            })
        };
        if let Some(i) = exact.or_else(nat) {
            let a = self.announced.remove(i);
            return Some((a.session, a.via.dialler(), Some(a.via), None));
        }
        // Unannounced: a dial between the hosts of a session waiting for data.
        let s = self.sessions.values().find(|s| {
            s.is_ftp()
                && s.expecting_data
                && dst != s.server
                && [s.client.ip(), s.server.ip()].contains(&src.ip())
                && [s.client.ip(), s.server.ip()].contains(&dst.ip())
        })?;
        let dialler = s.side_of(src.ip()).unwrap_or(if src.port() < 1024 {
            Side::Server
        } else {
            Side::Client
        });
        let default = dialler == Side::Server && dst == s.client;
        let note = if default {
            "no PORT or PASV: RFC 959's default data port (the client's control port)"
        } else {
            "unlinked: no PORT, EPRT, 227 or 229 announced this endpoint"
        };
        Some((
            s.id,
            dialler,
            default.then_some(Via::Default),
            Some(note.into()),
        ))
    }

    #[allow(clippy::too_many_arguments)]
    fn data_conn(
        &mut self,
        session_id: u64,
        dialler: Side,
        via: Option<Via>,
        note: Option<String>,
        src: SocketAddr,
        dst: SocketAddr,
        t: f64,
    ) -> Role {
        let Some(s) = self.sessions.get_mut(&session_id) else {
            return Role::Ignored;
        };
        let at = self.events.len();
        let mut e = Event::new(t, s.number, 0, dialler, Kind::Connect { src, dst, via });
        e.note = note;
        self.events.push(e);
        let conn = s.data_connect(&mut self.events, at);
        if let Some(e) = self.events.get_mut(at) {
            e.conn = conn;
            e.channel = crate::trace::Channel::Data;
        }
        Role::Data(DataConn {
            session: s.number,
            conn,
            dialler,
            pending: [0; 2],
            last_report: None,
        })
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
        let dir = usize::from(seg.src != c.initiator);
        if seg.has(SYN) {
            if dir == 0 {
                c.streams[0].syn(seg.seq);
                if let Some((n, _)) = c.dialling {
                    c.dialling = Some((n + 1, ns));
                }
            } else if seg.has(ACK) {
                c.streams[1].syn(seg.seq);
                if c.dialling.take().is_some() {
                    self.conn_event(key, ns, 1, Kind::Accept, None);
                }
            }
        }
        self.payload(key, ns, dir, seg);
        let Some(c) = self.conns.get_mut(&key) else {
            return;
        };
        if seg.has(RST) {
            if c.dialling.is_some() && dir == 1 {
                c.dialling = None;
                c.failed = true;
                let kind = Kind::Fail {
                    reason: FailReason::Refused,
                    by: None,
                };
                self.conn_event(
                    key,
                    ns,
                    0,
                    kind,
                    Some("answered by RST: nobody listens there"),
                );
            } else {
                self.close(key, ns, dir, Some("reset (RST)"));
            }
            self.remove(key, ns);
        } else if seg.has(FIN) {
            self.close(key, ns, dir, None);
            if let Some(c) = self.conns.get_mut(&key) {
                c.fin[dir] = true;
                if c.fin == [true, true] {
                    self.remove(key, ns);
                }
            }
        }
    }

    /// Payload of one segment, through reassembly, to its session or count.
    fn payload(&mut self, key: Key, ns: u64, dir: usize, seg: &Segment<'_>) {
        if seg.len == 0 {
            return;
        }
        let t = self.t(ns);
        let Some(c) = self.conns.get_mut(&key) else {
            return;
        };
        match &mut c.role {
            Role::Data(d) => {
                let mut n = 0;
                c.streams[dir].segment(seg.seq, seg.len, &[], &mut |x| {
                    if let Delivery::Count(k) = x {
                        n += k;
                    }
                });
                d.pending[dir] += n;
                let due = d
                    .last_report
                    .is_none_or(|last| ns.saturating_sub(last) >= SLICE_NS);
                if n > 0 && due {
                    self.report(key, ns, dir);
                }
            }
            Role::Control(id) => {
                let Some(s) = self.sessions.get_mut(id) else {
                    return;
                };
                let from = if dir == 0 { Side::Client } else { Side::Server };
                let (events, numbers) = (&mut self.events, &mut self.numbers);
                c.streams[dir].segment(seg.seq, seg.len, seg.payload, &mut |x| {
                    if let Delivery::Bytes(b) = x {
                        s.bytes(from, b, t, events, numbers);
                    }
                });
                if s.judgement == Judgement::NotFtp {
                    self.sessions.remove(id);
                    c.role = Role::Ignored;
                    c.streams = [Stream::counting(), Stream::counting()];
                    return;
                }
                let failed = std::mem::take(&mut s.data_failed);
                if !s.announced.is_empty() {
                    self.announced.append(&mut s.announced);
                    let keep = MAX_ANNOUNCED * self.sessions.len().max(1);
                    if self.announced.len() > keep {
                        self.announced.drain(..self.announced.len() - keep);
                    }
                }
                if failed {
                    let id = *id;
                    self.give_up_dials(id, ns, "no answer to the SYN; the server gave up (425)");
                }
            }
            Role::Ignored => {}
        }
    }

    /// Reports the counted bytes of one direction of a data connection.
    fn report(&mut self, key: Key, ns: u64, dir: usize) {
        let t = self.t(ns);
        let Some(Conn {
            role: Role::Data(d),
            ..
        }) = self.conns.get_mut(&key)
        else {
            return;
        };
        let bytes = std::mem::take(&mut d.pending[dir]);
        if bytes == 0 {
            return;
        }
        d.last_report = Some(ns);
        let from = if dir == 0 {
            d.dialler
        } else {
            d.dialler.peer()
        };
        self.events
            .push(Event::new(t, d.session, d.conn, from, Kind::Data { bytes }));
    }

    /// An event about the connection itself (accept, fail, close), `from`
    /// the TCP direction `dir` (0: the initiator).
    fn conn_event(&mut self, key: Key, ns: u64, dir: usize, kind: Kind, note: Option<&str>) {
        let t = self.t(ns);
        let Some(c) = self.conns.get(&key) else {
            return;
        };
        let (session, conn, side) = match &c.role {
            Role::Data(d) => (
                d.session,
                d.conn,
                if dir == 0 {
                    d.dialler
                } else {
                    d.dialler.peer()
                },
            ),
            Role::Control(id) => {
                let side = if dir == 0 { Side::Client } else { Side::Server };
                let Some(s) = self.sessions.get_mut(id) else {
                    return;
                };
                let mut e = Event::new(t, s.number, 0, side, kind);
                e.note = note.map(str::to_string);
                s.emit(e, &mut self.events);
                return;
            }
            Role::Ignored => return,
        };
        let mut e = Event::new(t, session, conn, side, kind);
        e.note = note.map(str::to_string);
        self.events.push(e);
    }

    /// The first FIN or RST: flush what the sender still has, then `close`.
    fn close(&mut self, key: Key, ns: u64, dir: usize, note: Option<&str>) {
        self.flush(key, ns);
        let Some(c) = self.conns.get_mut(&key) else {
            return;
        };
        if c.closed || c.failed {
            return;
        }
        c.closed = true;
        self.conn_event(key, ns, dir, Kind::Close, note);
    }

    /// Reports everything still counted or buffered for a connection.
    fn flush(&mut self, key: Key, ns: u64) {
        let t = self.t(ns);
        let Some(c) = self.conns.get_mut(&key) else {
            return;
        };
        match &c.role {
            Role::Data(_) => {
                for dir in 0..2 {
                    let mut n = 0;
                    c.streams[dir].finish(&mut |x| {
                        if let Delivery::Count(k) = x {
                            n += k;
                        }
                    });
                    if let Role::Data(d) = &mut c.role {
                        d.pending[dir] += n;
                    }
                }
                self.report(key, ns, 0);
                self.report(key, ns, 1);
            }
            Role::Control(id) => {
                if let Some(s) = self.sessions.get_mut(id) {
                    let (events, numbers) = (&mut self.events, &mut self.numbers);
                    for dir in 0..2 {
                        let from = if dir == 0 { Side::Client } else { Side::Server };
                        c.streams[dir].finish(&mut |x| {
                            if let Delivery::Bytes(b) = x {
                                s.bytes(from, b, t, events, numbers);
                            }
                        });
                    }
                }
            }
            Role::Ignored => {}
        }
    }

    /// Dials of one session still waiting for an answer become `fail`.
    fn give_up_dials(&mut self, session: u64, ns: u64, why: &str) {
        let Some(number) = self.sessions.get(&session).map(|s| s.number) else {
            return;
        };
        let keys: Vec<Key> = self
            .conns
            .iter()
            .filter(|(_, c)| {
                c.dialling.is_some()
                    && !c.failed
                    && matches!(&c.role, Role::Data(d) if d.session == number)
            })
            .map(|(k, _)| *k)
            .collect();
        for key in keys {
            self.fail_timeout(key, ns, why);
        }
    }

    fn fail_timeout(&mut self, key: Key, ns: u64, why: &str) {
        let Some(c) = self.conns.get_mut(&key) else {
            return;
        };
        let syns = c.dialling.map_or(1, |(n, _)| n);
        c.failed = true;
        let note = format!("{why}; {syns} SYN(s) sent");
        let kind = Kind::Fail {
            reason: FailReason::Timeout,
            by: None,
        };
        self.conn_event(key, ns, 0, kind, Some(&note));
    }

    /// A connection is over: flush it and forget it.
    fn remove(&mut self, key: Key, ns: u64) {
        self.flush(key, ns);
        let Some(c) = self.conns.remove(&key) else {
            return;
        };
        if let Role::Control(id) = c.role {
            let t = self.t(ns);
            if let Some(mut s) = self.sessions.remove(&id) {
                s.finish(t, &mut self.events, &mut self.numbers);
            }
            self.announced.retain(|a| a.session != id);
        }
    }

    /// Forgets ignored connections idle for a minute.
    fn sweep(&mut self, ns: u64) {
        self.conns.retain(|_, c| {
            !(matches!(c.role, Role::Ignored) && ns.saturating_sub(c.last_ns) > 60_000_000_000)
        });
    }

    /// End of the capture: unanswered dials fail, counts are reported,
    /// and the events are put in time order.
    pub fn finish(mut self) -> Vec<Event> {
        let keys: Vec<Key> = self.conns.keys().copied().collect();
        for key in &keys {
            let Some(c) = self.conns.get(key) else {
                continue;
            };
            if let (Some((_, last)), false, Role::Data(_)) = (c.dialling, c.failed, &c.role) {
                self.fail_timeout(*key, last, "no answer to the SYN before the capture ended");
            }
        }
        for key in keys {
            let ns = self.conns.get(&key).map_or(0, |c| c.last_ns);
            self.remove(key, ns);
        }
        let mut events = self.events;
        events.sort_by(|a, b| a.t.total_cmp(&b.t));
        renumber(&mut events);
        events
    }
}

/// Sessions numbered from 1 in order of their first event, times from the
/// first event.
fn renumber(events: &mut [Event]) {
    let t0 = events.first().map_or(0.0, |e| e.t);
    let mut order: HashMap<u32, u32> = HashMap::new();
    for e in events.iter_mut() {
        let next = order.len() as u32 + 1;
        e.session = *order.entry(e.session).or_insert(next);
        e.t -= t0;
    }
}
