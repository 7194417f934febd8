//! How a connection enters the table: the dial, and what it is to FTP.
//!
//! TCP connections begin with a SYN from the side that dials. The dial's
//! destination is the first clue to what the connection is: if a live FTP
//! session announced it (PORT/EPRT: the client listens there; 227/229: the
//! server does), the connection is that session's next *data* connection,
//! and the announcement says how it was agreed (`via`) and who dialled
//! ([`linking`]). Anything else may be a new *control* connection: a
//! candidate [`Session`] listens to it until its content says FTP or not.
//!
//! A connection whose SYN the capture missed starts with its first bytes.
//! If one of its ends was announced, it is a data connection all the same:
//! the announcement says who listened, so the other end dialled, and the
//! `connect` says the dial was inferred. Otherwise it may be a control
//! connection: the side greeting with `220` is the server; without a banner
//! the first words tell (a reply is the server's, an FTP command the
//! client's) and the session is judged as one joined mid-way.

use super::connection::{Conn, DataConn, Role};
use super::Tracker;
use crate::replay::endpoints::Key;
use crate::replay::linking::{self, Dial};
use crate::replay::segment::{Segment, ACK, SYN};
use crate::replay::session::{self, Session};
use crate::replay::tcp::Stream;
use crate::trace::{Event, Kind, Side};
use std::net::SocketAddr;

impl Tracker {
    /// A new entry for a connection first seen in `seg`.
    pub(super) fn open(&mut self, key: Key, ns: u64, seg: &Segment<'_>) {
        self.make_room(ns);
        let syn = seg.has(SYN) && !seg.has(ACK);
        let t = self.t(ns);
        let (dial, initiator, responder, midway) = if syn {
            let dial = linking::link(
                &mut self.announced,
                &self.sessions,
                &self.ftp,
                seg.src,
                seg.dst,
            );
            (dial, seg.src, seg.dst, false)
        } else if let Some((dial, src, dst)) =
            linking::link_unseen(&mut self.announced, &self.sessions, seg.src, seg.dst)
        {
            (Some(dial), src, dst, false)
        } else if seg.payload.starts_with(b"220") {
            // Mid-stream control: the side greeting with 220 is the server.
            (None, seg.dst, seg.src, false)
        } else {
            // No banner: the first words may still be FTP's, from mid-way.
            match session::speaker(seg.payload) {
                Some(Side::Server) => (None, seg.dst, seg.src, true),
                Some(Side::Client) => (None, seg.src, seg.dst, true),
                None => (None, seg.src, seg.dst, false),
            }
        };
        let role = match dial {
            Some(dial) => self.data_conn(dial, initiator, responder, t),
            None => {
                self.next_id += 1;
                let id = self.next_id;
                let mut s = if midway {
                    Session::joined(id, initiator, responder)
                } else {
                    Session::new(id, initiator, responder)
                };
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

    /// A dial that serves a session: its `connect` event and its role.
    fn data_conn(&mut self, dial: Dial, src: SocketAddr, dst: SocketAddr, t: f64) -> Role {
        let Dial {
            session,
            dialler,
            via,
            note,
        } = dial;
        let Some(s) = self.sessions.get_mut(&session) else {
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
}
