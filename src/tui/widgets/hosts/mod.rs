//! The hosts panel: the client and the server as boxes, with the ports each
//! one has open at the cursor, and a line for every live connection.
//!
//! ```text
//! ┌ client ──┬─┐                 ┌─┬─ server ┐
//! │127.0.0.2   │                 │127.0.0.3   │
//! │ctl   41234 ●────────────────▶ 2121   ctl │
//! │data  50000 ◀════════════════● 2120  data │
//! └─────┬──────┘                 └──────┬─────┘
//! ```
//!
//! Reading it answers the lesson's question at a glance: *which side
//! listens on which port, and who dialled* (`●` marks the initiator). It
//! shows what is true **at the cursor**, nothing older and nothing that did
//! not happen:
//!
//! - a port announced by `PORT`/`EPRT` (the client's) or `227`/`229` (the
//!   server's) shows as `lsn` (listening) until a connection arrives on it,
//!   the transfer it was for ends, or a new announcement replaces it;
//! - a dial in progress (SYN sent, not yet answered at the cursor) is a
//!   heavy line from the dialler; with a middlebox in between it reaches
//!   only the middlebox's wall while nothing in the trace says the
//!   middlebox let it through — and passes through the wall to the dialled
//!   host when the trace received so far already holds its answer (an
//!   accept, or bytes on it: [`Hosts::let_through`]), so a dial the wall
//!   lets through never looks blocked at its SYN;
//! - a connection is drawn open (both ports `data`) only once its handshake
//!   completed, and goes away with its first FIN;
//! - a dial that failed opens nothing: only while the cursor is on that
//!   failure does a `✗` show where it died, and the port it aimed at shows
//!   only if something still listens there.
//!
//! The newest rows come first, so a port that has just opened is never the
//! one hidden behind the `+N` of a small screen. With a firewall or NAT
//! configured, a middlebox box stands between the two hosts. Behind a NAT
//! each host shows the address it has — the private one for the host
//! inside (`192.168.1.2`, the one its `PORT` or `227` names) — and the
//! NAT's box shows its translation, reading from the client's side
//! (`192.168.1.2 ⇄ 127.0.0.2`; where narrow, the public address alone on
//! the world's side: `⇄ 127.0.0.2`, `127.0.0.3 ⇄`).
//!
//! The state is computed from the current session's events up to the
//! cursor — walking back only to that session's control dial. The `panel`
//! draws it; `label` words the middlebox's rule for its box.

mod label;
mod panel;

pub use label::MiddleboxLabel;
pub use panel::HostsPanel;

use crate::ftp::hostport::{parse_227, parse_229, parse_eprt, parse_port};
use crate::trace::{Event, Kind, Side};
use std::net::IpAddr;

/// A data connection as the hosts panel sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataConn {
    pub conn: u32,
    pub client_port: u16,
    pub server_port: u16,
    pub initiator: Side,
    pub state: ConnState,
    /// The index of its dial in the events (newer rows are listed first).
    pub since: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnState {
    /// SYN sent, no answer yet.
    Dialling,
    /// SYN sent, and the trace already knows it got through (its answer
    /// is on the way): drawn through the middlebox's wall.
    Through,
    Open,
    /// The dial failed: shown only while the cursor is on the failure.
    Failed,
}

/// A port a host listens on for the next data connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listen {
    pub port: u16,
    /// The index of the command or reply that announced it.
    pub since: usize,
}

/// What is open on each host at the cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hosts {
    /// The session shown (the cursor's).
    pub session: Option<u32>,
    pub client_ip: Option<IpAddr>,
    pub server_ip: Option<IpAddr>,
    /// The client's end of the control connection (while it is up).
    pub client_control: Option<u16>,
    /// The server's control port (it listens there before and after).
    pub server_control: Option<u16>,
    /// The control connection's state (None before the dial or after close).
    pub control: Option<ConnState>,
    /// A port the client listens on (announced by PORT/EPRT).
    pub client_listen: Option<Listen>,
    /// A port the server listens on (announced by 227/229).
    pub server_listen: Option<Listen>,
    /// Data connections dialling or open, and a dial that failed at the
    /// cursor.
    pub data: Vec<DataConn>,
    /// A transfer command is waiting for its final reply.
    transfer: bool,
    /// The verb of the last command (a refused PORT closes its listener).
    last_verb: Option<crate::ftp::Verb>,
}

impl Hosts {
    /// The state after the last of `shown`, for that event's session.
    pub fn at(shown: &[Event]) -> Hosts {
        let mut h = Hosts::default();
        let Some(last) = shown.last() else {
            return h;
        };
        let session = last.session;
        h.session = Some(session);
        // Walk back to the session's control dial, then replay forward.
        let start = shown
            .iter()
            .rposition(|e| {
                e.session == session && e.conn == 0 && matches!(e.kind, Kind::Connect { .. })
            })
            .unwrap_or(0);
        for (i, e) in shown.iter().enumerate().skip(start) {
            if e.session == session {
                // A failure stays in view only while it is the cursor.
                h.data.retain(|d| d.state != ConnState::Failed);
                h.apply(i, e);
            }
        }
        h
    }

    /// Marks each dial still in progress at the cursor whose answer the
    /// trace already holds (`got_through(conn)`, 0 for the control
    /// connection): the SYN passed the middlebox, so it is drawn through
    /// it, not stopped at its wall as if blocked.
    pub fn let_through(&mut self, got_through: impl Fn(u32) -> bool) {
        if self.control == Some(ConnState::Dialling) && got_through(0) {
            self.control = Some(ConnState::Through);
        }
        for d in &mut self.data {
            if d.state == ConnState::Dialling && got_through(d.conn) {
                d.state = ConnState::Through;
            }
        }
    }

    fn apply(&mut self, i: usize, e: &Event) {
        match &e.kind {
            Kind::Connect { src, dst, .. } => {
                let (c, s) = if e.from == Side::Client {
                    (src, dst)
                } else {
                    (dst, src)
                };
                if e.conn == 0 {
                    self.client_ip = Some(c.ip());
                    self.server_ip = Some(s.ip());
                    self.client_control = Some(c.port());
                    self.server_control = Some(s.port());
                    self.control = Some(ConnState::Dialling);
                } else {
                    self.data.push(DataConn {
                        conn: e.conn,
                        client_port: c.port(),
                        server_port: s.port(),
                        initiator: e.from,
                        state: ConnState::Dialling,
                        since: i,
                    });
                }
            }
            Kind::Accept => self.set_state(e.conn, ConnState::Open),
            Kind::Fail { .. } => self.set_state(e.conn, ConnState::Failed),
            Kind::Close if e.conn == 0 => {
                // The session is over: the client's ports are gone; the
                // server still listens on its control port.
                self.control = None;
                self.client_control = None;
                self.client_listen = None;
                self.server_listen = None;
                self.data.clear();
            }
            Kind::Close => self.data.retain(|d| d.conn != e.conn),
            Kind::Command { verb, text } => {
                let arg = text.split_once(' ').map(|(_, a)| a).unwrap_or_default();
                let listen = |port: Option<u16>| port.map(|port| Listen { port, since: i });
                use crate::ftp::Verb;
                let verb = Verb::parse(verb);
                match verb {
                    Verb::Port => {
                        self.client_listen = listen(parse_port(arg).ok().map(|a| a.port()))
                    }
                    Verb::Eprt => {
                        self.client_listen = listen(parse_eprt(arg).ok().map(|a| a.port()))
                    }
                    ref v if v.transfer().is_some() => self.transfer = true,
                    _ => {}
                }
                self.last_verb = Some(verb);
            }
            Kind::Reply { code, text } => self.reply(i, *code, text),
            Kind::Data { .. } => {}
        }
    }

    fn reply(&mut self, i: usize, code: u16, text: &str) {
        let listen = |port: Option<u16>| port.map(|port| Listen { port, since: i });
        match code {
            227 => self.server_listen = listen(parse_227(text).ok().map(|a| a.port())),
            229 => self.server_listen = listen(parse_229(text).ok()),
            // A refused PORT/EPRT: the client closes the listener it opened.
            400..
                if self
                    .last_verb
                    .as_ref()
                    .is_some_and(crate::ftp::Verb::is_active_setup) =>
            {
                self.client_listen = None
            }
            _ => {}
        }
        // The final reply to a transfer (226, 425, 550…): its listeners close.
        if self.transfer && code >= 200 {
            self.transfer = false;
            self.client_listen = None;
            self.server_listen = None;
        }
    }

    fn set_state(&mut self, conn: u32, state: ConnState) {
        if conn == 0 {
            if state == ConnState::Failed {
                self.control = Some(ConnState::Failed);
                self.client_control = None;
            } else if self.control.is_some() {
                self.control = Some(state);
            }
            return;
        }
        let Some(d) = self.data.iter_mut().find(|d| d.conn == conn) else {
            return;
        };
        let was = d.state;
        d.state = state;
        let (initiator, client_port, server_port) = (d.initiator, d.client_port, d.server_port);
        if state == ConnState::Failed && was == ConnState::Open {
            // An open connection reset: it is simply gone.
            self.data.retain(|d| d.conn != conn);
            return;
        }
        if state == ConnState::Open {
            // The listener has handed over its one connection. (A failed
            // dial leaves it listening: the SYN never reached it.)
            match initiator {
                Side::Server if self.client_listen.is_some_and(|l| l.port == client_port) => {
                    self.client_listen = None
                }
                Side::Client if self.server_listen.is_some_and(|l| l.port == server_port) => {
                    self.server_listen = None
                }
                _ => {}
            }
        }
    }
}
