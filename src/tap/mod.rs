//! The tap: where the live sources (the lab and `serve`) turn what their real
//! sockets did into [`Event`]s.
//!
//! A packet capture sees every connection from outside. A program sees it
//! from inside one end, so every event must be recorded by a peer that
//! actually *observed* it, at the moment it observed it:
//!
//! - the **dialler** records `connect` just before it sends the SYN, and
//!   `fail` when the handshake never ends;
//! - `accept` is recorded in the name of the **listener** (the side that
//!   accepted: the server for control and passive data, the client for
//!   active data), by whichever peer sees the handshake end first;
//! - the **sender** records `data` as bytes leave, and `close` just before it
//!   shuts its side down;
//! - the **acceptor** records `connect` + `accept` only for a dial nobody
//!   recorded (an outside client dialled it).
//!
//! In the lab both peers are ours and share one [`Tap`]; each event must
//! appear once. So every dial is *registered* by its address pair (`src`,
//! `dst`) before the SYN leaves: the acceptor later looks the pair up and
//! stays silent when it is known. That is how the server learns which session
//! a control connection belongs to, and which number (`conn`) a data
//! connection has, without any side channel: the socket addresses are the
//! key, exactly as in a capture. A pair is looked up once and then
//! forgotten: the kernel hands the same source port to a new connection
//! seconds later, and that is a new connection — a new session.
//!
//! Lines and bytes are recorded by their sender as they leave (commands by
//! the client, replies by the server), so a `150` is never shown after the
//! data it announced. A [`Scope::Alone`] recorder is the only one on its
//! connection (`serve`, or our client against an outside server) and
//! records everything it sees, both ways.
//!
//! A session's book (its connection numbers, which are accepted and
//! closed) lives as long as some [`Recorder`] of it does, and no longer:
//! a server that has seen a million sessions remembers none of the closed
//! ones.
//!
//! Time `t` is taken under the same lock that sends the event, so the events
//! come out of the channel in time order even when they come from several
//! tasks. A data connection's bytes are counted by a [`Meter`] (`meter`),
//! which turns them into a few `data` events; their bytes themselves, when
//! a source asks to keep them, travel beside the events (`payload`). The
//! `gate` orders a dial's `connect` before the events of its peer. A
//! recorded run inside TLS also logs the TLS bytes that crossed, and the
//! keys, for the capture (`wire_log`). A reader that falls behind can make the
//! writers wait ([`Tap::with_queue`], [`Tap::room`]): the queue of events
//! not yet read stays bounded.

mod gate;
mod meter;
pub mod payload;
pub mod wire_log;

pub use gate::Gate;
pub use meter::{Meter, Progress};
pub use payload::{Chunk, Payloads};
pub use wire_log::{Drained, LogEnd, WireBytes, WireLog};

use crate::ftp::Reply;
use crate::trace::{Blocker, Event, FailReason, Kind, Side, Via};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;
use tokio::sync::mpsc;

/// Whether another recorder shares the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The other peer is ours too and records its half (the lab).
    Shared,
    /// The other peer is foreign: record everything seen (`serve`, or the
    /// lab client against an outside server).
    Alone,
}

type Pair = (SocketAddr, SocketAddr);

/// A connection's handshake was recorded.
const ACCEPTED: u8 = 1;
/// A connection's close was recorded.
const CLOSED: u8 = 2;

/// What one session knows about its connections.
#[derive(Default)]
struct Book {
    next_conn: u32,
    /// Dials registered by a dialler that a peer of ours will accept (the
    /// lab): looked up once by the acceptor, then forgotten.
    dials: HashMap<Pair, u32>,
    /// ACCEPTED / CLOSED per connection number.
    flags: Vec<u8>,
}

impl Book {
    /// Sets `flag` on `conn`; true if it was not set before.
    fn first(&mut self, conn: u32, flag: u8) -> bool {
        let Ok(i) = usize::try_from(conn) else {
            return false;
        };
        if self.flags.len() <= i {
            self.flags.resize(i + 1, 0);
        }
        let Some(f) = self.flags.get_mut(i) else {
            return false;
        };
        let first = *f & flag == 0;
        *f |= flag;
        first
    }
}

/// One session of the trace: its number and its book.
struct SessionBook {
    number: u32,
    book: Mutex<Book>,
}

struct Core {
    tx: mpsc::UnboundedSender<Event>,
    start: Option<Instant>,
    /// The last session number handed out.
    sessions: u32,
    /// Control dials registered by our own client (the lab), waiting for
    /// our server to accept them: (client, server) → their session.
    dialled: HashMap<Pair, Arc<SessionBook>>,
    /// Where meters copy the bytes they count, when the run is recorded.
    payload: Option<payload::Outlet>,
    /// Where TLS connections log their bytes, when the run is recorded.
    wire_log: Option<WireLog>,
}

/// The shared recorder of one live source; clone it freely.
#[derive(Clone)]
pub struct Tap {
    core: Arc<Mutex<Core>>,
    gate: Option<Arc<Gate>>,
}

impl Tap {
    /// A tap and the receiving end of its events; the queue between them
    /// is not bounded (the lab: a lesson makes a few dozen events).
    pub fn new() -> (Tap, mpsc::UnboundedReceiver<Event>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let core = Core {
            tx,
            start: None,
            sessions: 0,
            dialled: HashMap::new(),
            payload: None,
            wire_log: None,
        };
        let tap = Tap {
            core: Arc::new(Mutex::new(core)),
            gate: None,
        };
        (tap, rx)
    }

    /// A tap whose writers wait ([`Tap::room`]) while `capacity` events
    /// are still unread; the reader reports each event it takes to the
    /// returned [`Gate`].
    pub fn with_queue(capacity: usize) -> (Tap, mpsc::UnboundedReceiver<Event>, Arc<Gate>) {
        let (mut tap, rx) = Tap::new();
        let gate = Arc::new(Gate::new(capacity));
        tap.gate = Some(gate.clone());
        (tap, rx, gate)
    }

    /// Waits while the reader is `capacity` events behind (at once when
    /// the queue is not bounded). Writers call it before taking on more
    /// work: a session before it reads the next command.
    pub async fn room(&self) {
        if let Some(gate) = &self.gate {
            gate.room().await;
        }
    }

    fn lock(&self) -> MutexGuard<'_, Core> {
        // A poisoned lock only means another task panicked mid-send; the
        // data inside is still consistent enough to keep recording.
        self.core.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn new_session(&self, core: &mut Core) -> Arc<SessionBook> {
        core.sessions = core.sessions.saturating_add(1);
        Arc::new(SessionBook {
            number: core.sessions,
            // The control connection is conn 0; data connections count from 1.
            book: Mutex::new(Book {
                next_conn: 1,
                ..Book::default()
            }),
        })
    }

    /// The dialler of a control connection: opens a new session for the
    /// pair `src → dst` before the SYN leaves.
    pub fn dial_control(
        &self,
        side: Side,
        scope: Scope,
        src: SocketAddr,
        dst: SocketAddr,
    ) -> Recorder {
        let mut core = self.lock();
        let session = self.new_session(&mut core);
        if scope == Scope::Shared {
            core.dialled.insert((src, dst), session.clone());
        }
        drop(core);
        Recorder {
            tap: self.clone(),
            side,
            scope,
            session,
            progress: None,
        }
    }

    /// The acceptor of a control connection from `peer` on `local`: joins the
    /// session its dialler registered, or opens one and records the dial it
    /// did not see.
    pub fn accept_control(
        &self,
        side: Side,
        scope: Scope,
        local: SocketAddr,
        peer: SocketAddr,
    ) -> Recorder {
        let mut core = self.lock();
        let known = core.dialled.remove(&(peer, local));
        let joined = known.is_some();
        let session = known.unwrap_or_else(|| self.new_session(&mut core));
        drop(core);
        let rec = Recorder {
            tap: self.clone(),
            side,
            scope,
            session,
            progress: None,
        };
        if !joined {
            rec.emit(
                0,
                side.peer(),
                Kind::Connect {
                    src: peer,
                    dst: local,
                    via: None,
                },
                None,
            );
        }
        rec.handshake_done(0, side);
        rec
    }
}

/// One peer's pen for one session.
#[derive(Clone)]
pub struct Recorder {
    tap: Tap,
    side: Side,
    scope: Scope,
    session: Arc<SessionBook>,
    /// Told whenever a meter of this recorder counts bytes.
    progress: Option<Progress>,
}

impl Recorder {
    pub fn side(&self) -> Side {
        self.side
    }

    pub fn session(&self) -> u32 {
        self.session.number
    }

    /// The same pen, whose meters also tell `progress` when bytes move.
    pub fn watched(&self, progress: &Progress) -> Recorder {
        Recorder {
            progress: Some(progress.clone()),
            ..self.clone()
        }
    }

    /// Waits while the tap's reader is too far behind ([`Tap::room`]).
    pub async fn room(&self) {
        self.tap.room().await;
    }

    fn emit(&self, conn: u32, from: Side, kind: Kind, note: Option<String>) {
        let mut core = self.tap.lock();
        let now = Instant::now();
        let start = *core.start.get_or_insert(now);
        let mut event = Event::new(
            now.duration_since(start).as_secs_f64(),
            self.session.number,
            conn,
            from,
            kind,
        );
        event.note = note;
        // The receiver may be gone (the viewer quit): nothing left to tell.
        if core.tx.send(event).is_ok() {
            if let Some(gate) = &self.tap.gate {
                gate.sent();
            }
        }
    }

    fn book<R>(&self, f: impl FnOnce(&mut Book) -> R) -> R {
        let mut book = self.session.book.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut book)
    }

    /// Registers a data dial `src → dst` and gives it the session's next
    /// connection number.
    pub fn register_dial(&self, src: SocketAddr, dst: SocketAddr) -> u32 {
        let shared = self.scope == Scope::Shared;
        self.book(|b| {
            let conn = b.next_conn;
            b.next_conn = b.next_conn.saturating_add(1);
            if shared {
                b.dials.insert((src, dst), conn);
            }
            conn
        })
    }

    /// A data connection from `peer` arrived on `local`: its number, with
    /// the dial recorded here if its dialler did not record it.
    pub fn data_accepted(
        &self,
        local: SocketAddr,
        peer: SocketAddr,
        via: Option<Via>,
        note: Option<String>,
    ) -> u32 {
        let found = self.book(|b| b.dials.remove(&(peer, local)));
        let conn = match found {
            Some(conn) => conn,
            None => {
                let conn = self.book(|b| {
                    let conn = b.next_conn;
                    b.next_conn = b.next_conn.saturating_add(1);
                    conn
                });
                let kind = Kind::Connect {
                    src: peer,
                    dst: local,
                    via,
                };
                self.emit(conn, self.side.peer(), kind, note);
                conn
            }
        };
        self.handshake_done(conn, self.side);
        conn
    }

    /// This side sends a SYN.
    pub fn connect(
        &self,
        conn: u32,
        src: SocketAddr,
        dst: SocketAddr,
        via: Option<Via>,
        note: Option<String>,
    ) {
        self.emit(conn, self.side, Kind::Connect { src, dst, via }, note);
    }

    /// This side's dial completed its handshake: the other side accepted.
    pub fn accept(&self, conn: u32) {
        self.handshake_done(conn, self.side.peer());
    }

    /// The handshake of a connection that `listener` accepted completed.
    /// Both ends see it — the dialler when `connect()` returns, the
    /// listener when `accept()` does — and the scheduler decides who looks
    /// first; the first look is recorded, so `accept` never trails the
    /// first bytes sent on it.
    fn handshake_done(&self, conn: u32, listener: Side) {
        if self.book(|b| b.first(conn, ACCEPTED)) {
            self.emit(conn, listener, Kind::Accept, None);
        }
    }

    /// This side's dial never became a connection.
    pub fn fail(&self, conn: u32, reason: FailReason, by: Option<Blocker>, note: Option<String>) {
        if conn == 0 {
            // Our server will never accept it: forget the registration.
            let mut core = self.tap.lock();
            core.dialled.retain(|_, s| !Arc::ptr_eq(s, &self.session));
        }
        self.emit(conn, self.side, Kind::Fail { reason, by }, note);
    }

    /// Where this end of connection `conn` logs the bytes it puts on the
    /// wire inside TLS, when the run is recorded ([`wire_log`]); alone on
    /// the connection, it logs what it reads too.
    pub fn log_end(&self, conn: u32) -> Option<LogEnd> {
        let mut core = self.tap.lock();
        let log = core.wire_log.clone()?;
        let start = *core.start.get_or_insert_with(Instant::now);
        let reads = self.scope == Scope::Alone;
        Some(log.end(start, self.session.number, conn, self.side, reads))
    }

    /// Whether this recorder shares its connections with our other peer
    /// (the lab) or is alone on them.
    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// Records what `from` sent: in the lab each event is recorded by its
    /// sender, at the moment it leaves; a lone recorder records both ways.
    fn mine(&self, from: Side) -> bool {
        from == self.side || self.scope == Scope::Alone
    }

    /// A command line crossed, client to server.
    pub fn command(&self, text: &str, note: Option<String>) {
        if self.mine(Side::Client) {
            let verb = crate::ftp::Command::parse(text)
                .map(|c| c.verb.to_string())
                .unwrap_or_default();
            let kind = Kind::Command {
                text: text.to_string(),
                verb,
            };
            self.emit(0, Side::Client, kind, note);
        }
    }

    /// A whole reply crossed.
    pub fn reply(&self, reply: &Reply, note: Option<String>) {
        if self.mine(Side::Server) {
            let kind = Kind::Reply {
                code: reply.code,
                text: reply.text(),
            };
            self.emit(0, Side::Server, kind, note);
        }
    }

    /// Payload seen on a data connection.
    pub fn data(&self, conn: u32, from: Side, bytes: u64) {
        if bytes > 0 && self.mine(from) {
            self.emit(conn, from, Kind::Data { bytes }, None);
        }
    }

    /// `from` closed (FIN) or reset the connection. Recorded once per
    /// connection: whoever notices first.
    pub fn close(&self, conn: u32, from: Side) {
        if from != self.side && self.scope == Scope::Shared {
            // The closer is our other peer: it recorded (or will record) it.
            return;
        }
        if self.book(|b| b.first(conn, CLOSED)) {
            self.emit(conn, from, Kind::Close, None);
        }
    }

    /// Whether the close of `conn` is already recorded.
    pub fn is_closed(&self, conn: u32) -> bool {
        self.book(|b| {
            usize::try_from(conn)
                .ok()
                .and_then(|i| b.flags.get(i))
                .is_some_and(|f| f & CLOSED != 0)
        })
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    fn drain(rx: &mut mpsc::UnboundedReceiver<Event>) -> Vec<Event> {
        std::iter::from_fn(|| rx.try_recv().ok()).collect()
    }

    #[test]
    fn a_dial_registered_by_its_dialler_is_recorded_once() {
        let (tap, mut rx) = Tap::new();
        let (c, s) = (addr("127.0.0.2:40000"), addr("127.0.0.3:2121"));
        let client = tap.dial_control(Side::Client, Scope::Shared, c, s);
        client.connect(0, c, s, None, None);
        client.accept(0);
        let server = tap.accept_control(Side::Server, Scope::Shared, s, c);
        assert_eq!(server.session(), client.session());
        let control = drain(&mut rx);
        assert_eq!(control.len(), 2, "the server adds no second connect");
        assert_eq!(
            (&control[1].kind, control[1].from),
            (&Kind::Accept, Side::Server),
            "the server accepted the control connection"
        );
        // A data dial by the server, accepted by the client.
        let (from, to) = (addr("127.0.0.3:2120"), addr("127.0.0.2:50000"));
        let conn = server.register_dial(from, to);
        assert_eq!(conn, 1);
        assert_eq!(client.data_accepted(to, from, Some(Via::Port), None), 1);
        // The acceptor saw the handshake first: it records it, in the
        // listener's name (the client, in active mode), and the dialler's
        // later look adds nothing.
        let seen = drain(&mut rx);
        assert_eq!(seen.len(), 1);
        assert_eq!((&seen[0].kind, seen[0].from), (&Kind::Accept, Side::Client));
        server.accept(conn);
        assert!(drain(&mut rx).is_empty());
        // Bytes by their sender only; the close once.
        client.data(conn, Side::Server, 80);
        server.data(conn, Side::Server, 80);
        server.close(conn, Side::Server);
        client.close(conn, Side::Server);
        let kinds: Vec<Kind> = drain(&mut rx).into_iter().map(|e| e.kind).collect();
        assert_eq!(kinds, vec![Kind::Data { bytes: 80 }, Kind::Close]);
    }

    #[test]
    fn an_unknown_dial_is_recorded_by_its_acceptor_as_a_new_session() {
        let (tap, mut rx) = Tap::new();
        let one = tap.accept_control(
            Side::Server,
            Scope::Alone,
            addr("127.0.0.1:21"),
            addr("127.0.0.1:40000"),
        );
        let two = tap.accept_control(
            Side::Server,
            Scope::Alone,
            addr("127.0.0.1:21"),
            addr("127.0.0.1:40001"),
        );
        assert_eq!((one.session(), two.session()), (1, 2));
        let events = drain(&mut rx);
        assert_eq!(events.len(), 4);
        assert!(events.iter().all(|e| e.conn == 0));
        assert_eq!(events[0].from, Side::Client, "the dial is the client's");
        assert_eq!(events[1].from, Side::Server, "the accept is the server's");
        assert!(events.windows(2).all(|w| w[0].t <= w[1].t));
    }

    #[test]
    fn a_source_port_used_again_is_a_new_session() {
        let (tap, mut rx) = Tap::new();
        let (c, s) = (addr("127.0.0.1:40000"), addr("127.0.0.1:21"));
        let first = tap.accept_control(Side::Server, Scope::Alone, s, c);
        first.close(0, Side::Client);
        drop(first);
        let again = tap.accept_control(Side::Server, Scope::Alone, s, c);
        assert_eq!(again.session(), 2);
        let kinds: Vec<(u32, Kind)> = drain(&mut rx)
            .into_iter()
            .map(|e| (e.session, e.kind))
            .collect();
        assert!(matches!(kinds[3], (2, Kind::Connect { .. })), "{kinds:?}");
        assert_eq!(kinds[4], (2, Kind::Accept));
        // The lab's own dial is joined once; the pair is then forgotten.
        let client = tap.dial_control(Side::Client, Scope::Shared, c, s);
        let server = tap.accept_control(Side::Server, Scope::Shared, s, c);
        assert_eq!(server.session(), client.session());
        let stranger = tap.accept_control(Side::Server, Scope::Shared, s, c);
        assert_ne!(stranger.session(), client.session());
    }

    #[test]
    fn a_close_is_recorded_once_whoever_notices() {
        let (tap, mut rx) = Tap::new();
        let rec = tap.accept_control(
            Side::Server,
            Scope::Alone,
            addr("127.0.0.1:21"),
            addr("127.0.0.1:40000"),
        );
        let conn = rec.data_accepted(addr("127.0.0.1:5000"), addr("127.0.0.1:40001"), None, None);
        rec.close(conn, Side::Server);
        rec.close(conn, Side::Client);
        assert!(rec.is_closed(conn));
        assert!(!rec.is_closed(0));
        let closes = drain(&mut rx)
            .iter()
            .filter(|e| e.kind == Kind::Close)
            .count();
        assert_eq!(closes, 1);
    }
}
