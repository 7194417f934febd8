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
//! listens on which port, and who dialled* (`●` marks the initiator). A
//! port announced by `PORT` or `227` shows as `lsn` (listening) until its
//! connection arrives. With a firewall or NAT configured, a middlebox box
//! stands between the two.
//!
//! The state is computed from the current session's events up to the
//! cursor — walking back only to that session's control dial.

mod label;
mod panel;

pub use label::{wrap, MiddleboxLabel};
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnState {
    /// SYN sent, no answer yet.
    Dialling,
    Open,
    Failed,
}

/// What is open on each host at the cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hosts {
    pub client_ip: Option<IpAddr>,
    pub server_ip: Option<IpAddr>,
    pub client_control: Option<u16>,
    pub server_control: Option<u16>,
    /// The control connection's state (None before the dial or after close).
    pub control: Option<ConnState>,
    /// A port the client listens on (announced by PORT/EPRT).
    pub client_listen: Option<u16>,
    /// A port the server listens on (announced by 227/229).
    pub server_listen: Option<u16>,
    /// Data connections not yet closed.
    pub data: Vec<DataConn>,
}

impl Hosts {
    /// The state after the last of `shown`, for that event's session.
    pub fn at(shown: &[Event]) -> Hosts {
        let mut h = Hosts::default();
        let Some(last) = shown.last() else {
            return h;
        };
        let session = last.session;
        // Walk back to the session's control dial, then replay forward.
        let start = shown
            .iter()
            .rposition(|e| {
                e.session == session && e.conn == 0 && matches!(e.kind, Kind::Connect { .. })
            })
            .unwrap_or(0);
        for e in shown.iter().skip(start).filter(|e| e.session == session) {
            h.apply(e);
        }
        h
    }

    fn apply(&mut self, e: &Event) {
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
                    self.data.retain(|d| d.state != ConnState::Failed);
                    self.data.push(DataConn {
                        conn: e.conn,
                        client_port: c.port(),
                        server_port: s.port(),
                        initiator: e.from,
                        state: ConnState::Dialling,
                    });
                }
            }
            Kind::Accept => self.set_state(e.conn, ConnState::Open, true),
            Kind::Fail { .. } => self.set_state(e.conn, ConnState::Failed, true),
            Kind::Close => {
                if e.conn == 0 {
                    self.control = None;
                } else {
                    self.data.retain(|d| d.conn != e.conn);
                }
            }
            Kind::Command { verb, text } => {
                let arg = text.split_once(' ').map(|(_, a)| a).unwrap_or_default();
                match verb.as_str() {
                    "PORT" => self.client_listen = parse_port(arg).ok().map(|a| a.port()),
                    "EPRT" => self.client_listen = parse_eprt(arg).ok().map(|a| a.port()),
                    _ => {}
                }
            }
            Kind::Reply { code: 227, text } => {
                self.server_listen = parse_227(text).ok().map(|a| a.port())
            }
            Kind::Reply { code: 229, text } => self.server_listen = parse_229(text).ok(),
            Kind::Reply { .. } | Kind::Data { .. } => {}
        }
    }

    fn set_state(&mut self, conn: u32, state: ConnState, clear_listen: bool) {
        if conn == 0 {
            if state == ConnState::Failed {
                self.control = Some(ConnState::Failed);
            } else if self.control.is_some() {
                self.control = Some(state);
            }
            return;
        }
        if let Some(d) = self.data.iter_mut().find(|d| d.conn == conn) {
            d.state = state;
            if clear_listen {
                // The listener has had its one connection (or its chance).
                match d.initiator {
                    Side::Server => self.client_listen = None,
                    Side::Client => self.server_listen = None,
                }
            }
        }
    }
}
