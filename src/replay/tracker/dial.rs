//! How a connection enters the table: the dial, and what it is to FTP.
//!
//! TCP connections begin with a SYN from the side that dials. The dial's
//! destination is the first clue to what the connection is: if a live FTP
//! session announced it (PORT/EPRT: the client listens there; 227/229: the
//! server does), the connection is that session's next *data* connection,
//! and the announcement says how it was agreed (`via`) and who dialled
//! ([`linking`]). A dial between a waiting session's hosts that nobody
//! announced is *undecided* until its first bytes: a busy client may be
//! opening a second control connection to the same server, and only the
//! `220` its server greets with tells. Anything else may be a new
//! *control* connection: a candidate [`Session`] listens to it until its
//! content says FTP or not.
//!
//! A connection whose SYN the capture missed starts with its first bytes.
//! If one of its ends was announced, it is a data connection all the same:
//! the announcement says who listened, so the other end dialled, and the
//! `connect` says the dial was inferred. Otherwise it may be a control
//! connection: the side greeting with `220` is the server; without a banner
//! the first words tell (a reply is the server's, an FTP command the
//! client's, plain lines of text the middle of a server's multi-line reply)
//! and the session is judged as one joined mid-way.

use super::connection::{Conn, DataConn, End, Role, Undecided};
use super::Tracker;
use crate::replay::endpoints::Key;
use crate::replay::linking::{self, Dial, Waiting};
use crate::replay::segment::{Segment, ACK, SYN};
use crate::replay::session::{self, Session};
use crate::replay::tcp::Stream;
use crate::trace::{Event, Kind, Side};
use std::collections::HashMap;
use std::net::SocketAddr;

/// The confirmed sessions (`ftp`, in the order they were confirmed) that
/// may get a data connection now, as linking sees them.
fn waiting(sessions: &HashMap<u64, Session>, ftp: &[u64]) -> Vec<Waiting> {
    ftp.iter()
        .filter_map(|id| sessions.get(id))
        .filter(|s| s.may_get_data())
        .map(|s| Waiting {
            session: s.id,
            hosts: s.hosts(),
            encrypted: s.encrypted(),
            last_spoke: s.last_spoke,
        })
        .collect()
}

/// How a control candidate's dialogue is expected to begin.
enum Start {
    /// With the server's `220` banner.
    Banner,
    /// Somewhere after it.
    MidWay,
    /// Inside one of the server's multi-line replies.
    InsideReply,
}

impl Tracker {
    /// A new entry for a connection first seen in `seg`.
    pub(super) fn open(&mut self, key: Key, ns: u64, seg: &Segment<'_>) {
        self.make_room(ns);
        self.connections += 1;
        let syn = seg.has(SYN) && !seg.has(ACK);
        let t = self.t(ns);
        let (src, dst) = (seg.src.addr(), seg.dst.addr());
        let (dial, initiator, responder, start) = if syn {
            let (sessions, ftp) = (&self.sessions, &self.ftp);
            let dial = linking::link(
                &mut self.sink.announced,
                || waiting(sessions, ftp),
                &self.control_ports,
                src,
                dst,
                t,
            );
            (dial, src, dst, Start::Banner)
        } else if let Some((dial, src, dst)) =
            linking::link_unseen(&mut self.sink.announced, src, dst)
        {
            (Some(dial), src, dst, Start::Banner)
        } else if seg.payload.starts_with(b"220") {
            // Mid-stream control: the side greeting with 220 is the server.
            (None, dst, src, Start::Banner)
        } else {
            // No banner: the first words may still be FTP's, from mid-way.
            match session::speaker(seg.payload) {
                Some(Side::Server) => (None, dst, src, Start::MidWay),
                Some(Side::Client) => (None, src, dst, Start::MidWay),
                None if session::continuation(seg.payload) => (None, dst, src, Start::InsideReply),
                None => (None, src, dst, Start::Banner),
            }
        };
        let role = match dial {
            Some(dial) if dial.unsure && syn => Role::Undecided(Undecided {
                dial,
                syn_ns: ns,
                held: Vec::new(),
            }),
            Some(dial) => self.data_conn(dial, initiator, responder, t),
            None => {
                self.next_id += 1;
                let id = self.next_id;
                let mut s = match start {
                    Start::Banner => Session::new(id, initiator, responder),
                    Start::MidWay => Session::joined(id, initiator, responder),
                    Start::InsideReply => Session::joined_inside_reply(id, initiator, responder),
                };
                if syn {
                    s.emit(control_connect(t, initiator, responder), &mut self.sink);
                }
                self.sessions.insert(id, s);
                Role::Control(id)
            }
        };
        let keep = match &role {
            Role::Control(_) => true,
            Role::Data(d) => d.tls.is_some(),
            _ => false,
        };
        let stream = || {
            if keep {
                Stream::keeping()
            } else {
                Stream::counting()
            }
        };
        let isn1 = syn.then(|| seg.seq.wrapping_add(1));
        if let Some(isn1) = isn1 {
            self.dials.insert(isn1, key);
        }
        self.conns.insert(
            key,
            Conn {
                initiator,
                responder,
                dialling: syn.then_some((0, ns)),
                isn1,
                syn_ns: ns,
                fin: [false; 2],
                closed: false,
                failed: false,
                streams: [stream(), stream()],
                role,
                last_ns: ns,
                translated: None,
                reset_ns: None,
                alias: None,
                told: None,
            },
        );
    }

    /// A dial that serves a session: its `connect` event and its role.
    fn data_conn(&mut self, dial: Dial, src: SocketAddr, dst: SocketAddr, t: f64) -> Role {
        let Dial {
            session,
            dialler,
            via,
            note,
            unsure,
        } = dial;
        let Some(s) = self.sessions.get_mut(&session) else {
            return Role::Ignored;
        };
        let at = self.sink.events.len();
        let mut e = Event::new(t, s.number, 0, dialler, Kind::Connect { src, dst, via });
        e.note = note;
        self.sink.events.push(e);
        let conn = s.data_connect(&mut self.sink.events, at, !unsure);
        if unsure {
            s.unlinked.push(at);
        }
        if let Some(e) = self.sink.events.get_mut(at) {
            e.conn = conn;
            e.channel = crate::trace::Channel::Data;
        }
        // Only a session whose lines were decrypted pays for reading its
        // data connections' bytes.
        let tls = (s.decrypted && !self.sink.keys.is_empty()).then(Box::default);
        Role::Data(DataConn {
            session: s.number,
            conn,
            dialler,
            pending: [0; 2],
            last_report: None,
            last_ns: 0,
            listed: false,
            tls,
        })
    }

    /// An undecided dial learns what it is from its first bytes and the
    /// end that sent them (`None`: it ended before any): a `220` from the
    /// dialled side makes it a control connection, anything else data.
    pub(super) fn decide(&mut self, key: Key, first: Option<(End, &[u8])>) {
        let Some(c) = self.conns.get_mut(&key) else {
            return;
        };
        if !matches!(c.role, Role::Undecided(_)) {
            return;
        }
        let Role::Undecided(u) = std::mem::replace(&mut c.role, Role::Ignored) else {
            return;
        };
        let (initiator, responder) = (c.initiator, c.responder);
        let control = matches!(first, Some((End::Responder, b)) if b.starts_with(b"220"));
        let t = self.t(u.syn_ns);
        let role = if control {
            self.next_id += 1;
            let id = self.next_id;
            let mut s = Session::new(id, initiator, responder);
            s.emit(control_connect(t, initiator, responder), &mut self.sink);
            self.sessions.insert(id, s);
            Role::Control(id)
        } else {
            self.data_conn(u.dial, initiator, responder, t)
        };
        let Some(c) = self.conns.get_mut(&key) else {
            return;
        };
        let keep = control || matches!(&role, Role::Data(d) if d.tls.is_some());
        c.role = role;
        for s in &mut c.streams {
            s.set_keeping(keep);
        }
        for (ns, end, kind, note) in u.held {
            self.conn_event(key, ns, end, kind, note.as_deref());
        }
    }
}

/// The `connect` of a control connection.
fn control_connect(t: f64, src: SocketAddr, dst: SocketAddr) -> Event {
    Event::new(
        t,
        0,
        0,
        Side::Client,
        Kind::Connect {
            src,
            dst,
            via: None,
        },
    )
}
