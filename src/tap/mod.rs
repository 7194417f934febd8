//! The tap: where the live sources (the lab and `serve`) turn what their real
//! sockets did into [`Event`]s.
//!
//! A packet capture sees every connection from outside. A program sees it
//! from inside one end, so every event must be recorded by a peer that
//! actually *observed* it, at the moment it observed it:
//!
//! - the **dialler** records `connect` just before it sends the SYN, and
//!   `accept` (or `fail`) when the handshake ends;
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
//! key, exactly as in a capture. Lines and bytes are recorded by their
//! sender as they leave (commands by the client, replies by the server), so
//! a `150` is never shown after the data it announced. A [`Scope::Alone`]
//! recorder is the only one on its connection (`serve`, or our client
//! against an outside server) and records everything it sees, both ways.
//!
//! Time `t` is taken under the same lock that sends the event, so the events
//! come out of the channel in time order even when they come from several
//! tasks. A data connection's bytes are counted by a [`Meter`], which turns
//! them into a few `data` events.

mod meter;
pub mod payload;

pub use meter::Meter;
pub use payload::{Chunk, Payloads};

use crate::ftp::Reply;
use crate::trace::{Blocker, Event, FailReason, Kind, Side, Via};
use std::collections::{HashMap, HashSet};
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

#[derive(Default)]
struct Book {
    next_conn: u32,
    conns: HashMap<Pair, u32>,
    accepted: HashSet<u32>,
    closed: HashSet<u32>,
}

struct Core {
    tx: mpsc::UnboundedSender<Event>,
    start: Option<Instant>,
    /// Session number → its book (index + 1).
    books: Vec<Book>,
    /// Control connection's (client, server) pair → session number.
    sessions: HashMap<Pair, u32>,
    /// Where meters copy the bytes they count, when the run is recorded.
    payload: Option<payload::Outlet>,
}

/// The shared recorder of one live source; clone it freely.
#[derive(Clone)]
pub struct Tap {
    core: Arc<Mutex<Core>>,
}

impl Tap {
    /// A tap and the receiving end of its events.
    pub fn new() -> (Tap, mpsc::UnboundedReceiver<Event>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let core = Core {
            tx,
            start: None,
            books: Vec::new(),
            sessions: HashMap::new(),
            payload: None,
        };
        (
            Tap {
                core: Arc::new(Mutex::new(core)),
            },
            rx,
        )
    }

    fn lock(&self) -> MutexGuard<'_, Core> {
        // A poisoned lock only means another task panicked mid-send; the
        // data inside is still consistent enough to keep recording.
        self.core.lock().unwrap_or_else(|p| p.into_inner())
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
        let session = new_session(&mut core, (src, dst));
        Recorder {
            tap: self.clone(),
            side,
            scope,
            session,
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
        let known = core.sessions.get(&(peer, local)).copied();
        let session = known.unwrap_or_else(|| new_session(&mut core, (peer, local)));
        drop(core);
        let rec = Recorder {
            tap: self.clone(),
            side,
            scope,
            session,
        };
        if known.is_none() {
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
        rec.handshake_done(0, side.peer());
        rec
    }
}

fn new_session(core: &mut Core, pair: Pair) -> u32 {
    // The control connection is conn 0; data connections count from 1.
    let mut book = Book {
        next_conn: 1,
        ..Book::default()
    };
    book.conns.insert(pair, 0);
    core.books.push(book);
    let session = u32::try_from(core.books.len()).unwrap_or(u32::MAX);
    core.sessions.insert(pair, session);
    session
}

/// One peer's pen for one session.
#[derive(Clone)]
pub struct Recorder {
    tap: Tap,
    side: Side,
    scope: Scope,
    session: u32,
}

impl Recorder {
    pub fn side(&self) -> Side {
        self.side
    }

    pub fn session(&self) -> u32 {
        self.session
    }

    fn emit(&self, conn: u32, from: Side, kind: Kind, note: Option<String>) {
        let mut core = self.tap.lock();
        let now = Instant::now();
        let start = *core.start.get_or_insert(now);
        let mut event = Event::new(
            now.duration_since(start).as_secs_f64(),
            self.session,
            conn,
            from,
            kind,
        );
        event.note = note;
        // The receiver may be gone (the viewer quit): nothing left to tell.
        let _ = core.tx.send(event);
    }

    fn book<R>(&self, f: impl FnOnce(&mut Book) -> R) -> Option<R> {
        let mut core = self.tap.lock();
        let index = usize::try_from(self.session).ok()?.checked_sub(1)?;
        core.books.get_mut(index).map(f)
    }

    /// Registers a data dial `src → dst` and gives it the session's next
    /// connection number.
    pub fn register_dial(&self, src: SocketAddr, dst: SocketAddr) -> u32 {
        self.book(|b| {
            let conn = b.next_conn;
            b.next_conn += 1;
            b.conns.insert((src, dst), conn);
            conn
        })
        .unwrap_or(0)
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
        let found = self
            .book(|b| b.conns.get(&(peer, local)).copied())
            .flatten();
        let conn = match found {
            Some(conn) => conn,
            None => {
                let conn = self.register_dial(peer, local);
                let kind = Kind::Connect {
                    src: peer,
                    dst: local,
                    via,
                };
                self.emit(conn, self.side.peer(), kind, note);
                conn
            }
        };
        self.handshake_done(conn, self.side.peer());
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

    /// This side's dial completed its handshake.
    pub fn accept(&self, conn: u32) {
        self.handshake_done(conn, self.side);
    }

    /// The handshake of `dialler`'s connection completed. Both ends see it —
    /// the dialler when `connect()` returns, the acceptor when `accept()`
    /// does — and the scheduler decides who looks first; the first look is
    /// recorded, so `accept` never trails the first bytes sent on it.
    fn handshake_done(&self, conn: u32, dialler: Side) {
        let first = self.book(|b| b.accepted.insert(conn)).unwrap_or(false);
        if first {
            self.emit(conn, dialler, Kind::Accept, None);
        }
    }

    /// This side's dial never became a connection.
    pub fn fail(&self, conn: u32, reason: FailReason, by: Option<Blocker>, note: Option<String>) {
        self.emit(conn, self.side, Kind::Fail { reason, by }, note);
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
                .map(|c| c.verb)
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
        let first = self.book(|b| b.closed.insert(conn)).unwrap_or(false);
        if first {
            self.emit(conn, from, Kind::Close, None);
        }
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
        assert_eq!(drain(&mut rx).len(), 2, "the server adds no second connect");
        // A data dial by the server, accepted by the client.
        let (from, to) = (addr("127.0.0.3:2120"), addr("127.0.0.2:50000"));
        let conn = server.register_dial(from, to);
        assert_eq!(conn, 1);
        assert_eq!(client.data_accepted(to, from, Some(Via::Port), None), 1);
        // The acceptor saw the handshake first: it records it, in the
        // dialler's name, and the dialler's later look adds nothing.
        let seen = drain(&mut rx);
        assert_eq!(seen.len(), 1);
        assert_eq!((&seen[0].kind, seen[0].from), (&Kind::Accept, Side::Server));
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
        assert!(events.windows(2).all(|w| w[0].t <= w[1].t));
    }
}
