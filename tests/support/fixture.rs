//! Hand-made traces: what the lab's lesson looks like on the wire, written
//! out event by event.
//!
//! The screens, their snapshots, the player tests and the render benchmark
//! all need a realistic trace that does not depend on sockets. These are
//! shaped like a real run of the lab: the client at `127.0.0.2` dials the
//! server's control port `127.0.0.3:2121` from an ephemeral port; in active
//! mode it announces `PORT 127,0,0,2,195,80` (port 50000) and the server
//! dials back *after* the transfer command, from port 2120 (= 2121 − 1); in
//! passive mode the server answers `227 … (127,0,0,3,195,81)` and the
//! client dials port 50001.
//!
//! Reading [`active`] top to bottom is a fair summary of an FTP session.
//!
//! Test support, never shipped: the integration tests and benches include
//! it with `#[path]`, the library's unit tests through `lib.rs`'s
//! `#[cfg(test)] mod fixture` (where `ftpviz` names the crate itself).

#![allow(dead_code)]

use ftpviz::ftp::hostport::{format_227, format_port};
use ftpviz::trace::{Blocker, Event, FailReason, Kind, Side, Trace, Via};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

/// The lab client's address.
pub const CLIENT_IP: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
/// The lab server's address.
pub const SERVER_IP: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);
/// The server's control port.
pub const CONTROL_PORT: u16 = 2121;
/// The client's ephemeral port for the control connection.
pub const CLIENT_CONTROL_PORT: u16 = 41234;

/// Builds a trace of one or more sessions with a running clock.
struct Script {
    events: Vec<Event>,
    t: f64,
    session: u32,
    /// The next data connection number in this session.
    next_conn: u32,
    /// The next ephemeral port the client or the server listens on.
    next_port: u16,
    /// The next ephemeral port the client dials from.
    next_client_port: u16,
}

fn addr(ip: Ipv4Addr, port: u16) -> SocketAddr {
    SocketAddr::V4(SocketAddrV4::new(ip, port))
}

impl Script {
    /// `first_port`: the first data port anyone listens on.
    fn new(first_port: u16) -> Script {
        Script {
            events: Vec::new(),
            t: 0.0,
            session: 0,
            next_conn: 1,
            next_port: first_port,
            next_client_port: CLIENT_CONTROL_PORT,
        }
    }

    fn ev(&mut self, conn: u32, from: Side, kind: Kind, dt: f64) {
        self.events
            .push(Event::new(self.t, self.session, conn, from, kind));
        self.t += dt;
    }

    fn cmd(&mut self, text: &str) {
        let verb = text.split(' ').next().unwrap_or_default().to_uppercase();
        let kind = Kind::Command {
            text: text.to_string(),
            verb,
        };
        self.ev(0, Side::Client, kind, 0.0004);
    }

    fn reply(&mut self, code: u16, text: &str) {
        let kind = Kind::Reply {
            code,
            text: format!("{code} {text}"),
        };
        self.ev(0, Side::Server, kind, 0.0021);
    }

    /// A whole reply as the server wrote it (lines joined with `\n`).
    fn raw_reply(&mut self, code: u16, text: &str) {
        let kind = Kind::Reply {
            code,
            text: text.to_string(),
        };
        self.ev(0, Side::Server, kind, 0.0021);
    }

    /// A new session: dial, accept, banner, login.
    fn login(&mut self) {
        self.session += 1;
        self.next_conn = 1;
        let src = addr(CLIENT_IP, self.next_client_port);
        self.next_client_port = self.next_client_port.wrapping_add(1);
        let dst = addr(SERVER_IP, CONTROL_PORT);
        self.ev(
            0,
            Side::Client,
            Kind::Connect {
                src,
                dst,
                via: None,
            },
            0.0001,
        );
        self.ev(0, Side::Server, Kind::Accept, 0.0003);
        self.reply(220, "ftpviz lab server ready");
        self.cmd("USER anonymous");
        self.reply(331, "Any password will do for anonymous.");
        self.cmd("PASS student@");
        self.reply(230, "Login successful.");
        self.cmd(ftpviz::ftp::Verb::Pwd.as_str());
        self.reply(257, "\"/\" is the current directory");
    }

    fn listen_port(&mut self) -> u16 {
        let p = self.next_port;
        self.next_port = self.next_port.wrapping_add(1);
        p
    }

    /// The data connection of one transfer: dial, accept, bytes, close.
    fn data(&mut self, from: Side, src: SocketAddr, dst: SocketAddr, via: Via, flow: Flow) {
        let conn = self.next_conn;
        self.next_conn += 1;
        self.ev(
            conn,
            from,
            Kind::Connect {
                src,
                dst,
                via: Some(via),
            },
            0.0002,
        );
        if let Flow::Blocked(by) = flow {
            // The SYN dies in the middlebox; the dialler gives up after a
            // (shortened) timeout.
            let reason = FailReason::Blocked;
            self.ev(
                conn,
                from,
                Kind::Fail {
                    reason,
                    by: Some(by),
                },
                0.0,
            );
            return;
        }
        self.ev(conn, from.peer(), Kind::Accept, 0.0003);
        let (sender, bytes) = match flow {
            Flow::Download(b) => (Side::Server, b),
            Flow::Upload(b) => (Side::Client, b),
            Flow::Blocked(_) => return,
        };
        if sender == Side::Server {
            self.reply(150, "Opening data connection.");
        } else {
            self.reply(150, "Ok to send data.");
        }
        self.ev(conn, sender, Kind::Data { bytes }, 0.0002);
        self.ev(conn, sender, Kind::Close, 0.0004);
        self.reply(226, "Transfer complete.");
    }

    /// `PORT`, the transfer command, and the server's dial back.
    fn active(&mut self, command: &str, flow: Flow) {
        let listen = SocketAddrV4::new(CLIENT_IP, self.listen_port());
        self.cmd(&format!("PORT {}", format_port(listen)));
        self.reply(200, "PORT command successful.");
        self.cmd(command);
        let src = addr(SERVER_IP, CONTROL_PORT - 1);
        self.data(Side::Server, src, SocketAddr::V4(listen), Via::Port, flow);
        if let Flow::Blocked(_) = flow {
            self.reply(425, "Can't open data connection.");
        }
    }

    /// `PASV`, the client's dial, and the transfer command.
    fn passive(&mut self, command: &str, flow: Flow) {
        let listen = SocketAddrV4::new(SERVER_IP, self.listen_port());
        self.cmd(ftpviz::ftp::Verb::Pasv.as_str());
        self.reply(227, &format_227(listen));
        let src = addr(CLIENT_IP, self.next_client_port);
        self.next_client_port = self.next_client_port.wrapping_add(1);
        let conn = self.next_conn;
        self.next_conn += 1;
        let dst = SocketAddr::V4(listen);
        let via = Some(Via::Pasv);
        self.ev(conn, Side::Client, Kind::Connect { src, dst, via }, 0.0002);
        if let Flow::Blocked(by) = flow {
            // The client gives up on the dial and never sends the command.
            let (reason, by) = (FailReason::Blocked, Some(by));
            self.ev(conn, Side::Client, Kind::Fail { reason, by }, 0.0);
            return;
        }
        self.ev(conn, Side::Server, Kind::Accept, 0.0003);
        self.cmd(command);
        let (sender, bytes) = match flow {
            Flow::Download(b) => (Side::Server, b),
            Flow::Upload(b) => (Side::Client, b),
            Flow::Blocked(_) => (Side::Server, 0),
        };
        self.reply(150, "Opening data connection.");
        self.ev(conn, sender, Kind::Data { bytes }, 0.0002);
        self.ev(conn, sender, Kind::Close, 0.0004);
        self.reply(226, "Transfer complete.");
    }

    fn quit(&mut self) {
        self.cmd(ftpviz::ftp::Verb::Quit.as_str());
        self.reply(221, "Goodbye.");
        self.ev(0, Side::Server, Kind::Close, 0.0);
    }

    fn lesson(&mut self, passive: bool) {
        self.login();
        let transfer = |s: &mut Script, command: &str, flow: Flow| {
            if passive {
                s.passive(command, flow)
            } else {
                s.active(command, flow)
            }
        };
        self.cmd("TYPE A");
        self.reply(200, "Switching to ASCII mode.");
        transfer(self, ftpviz::ftp::Verb::List.as_str(), Flow::Download(187));
        self.cmd("TYPE I");
        self.reply(200, "Switching to Binary mode.");
        transfer(self, "RETR hello.txt", Flow::Download(78));
        transfer(self, "STOR notes.txt", Flow::Upload(78));
        self.quit();
    }
}

/// Which way the bytes of a transfer go.
#[derive(Clone, Copy)]
enum Flow {
    Download(u64),
    Upload(u64),
    Blocked(Blocker),
}

/// The lab's lesson in active mode (`PORT`): the server dials back.
pub fn active() -> Trace {
    let mut s = Script::new(50000);
    s.lesson(false);
    Trace { events: s.events }
}

/// The lab's lesson in passive mode (`PASV`): the client dials.
pub fn passive() -> Trace {
    let mut s = Script::new(50001);
    s.lesson(true);
    Trace { events: s.events }
}

/// Active mode behind a client firewall: the server's dial is dropped and
/// the server answers 425.
pub fn active_blocked() -> Trace {
    let mut s = Script::new(50000);
    s.login();
    s.cmd("TYPE I");
    s.reply(200, "Switching to Binary mode.");
    s.active(
        ftpviz::ftp::Verb::List.as_str(),
        Flow::Blocked(Blocker::ClientFirewall),
    );
    s.quit();
    Trace { events: s.events }
}

/// Passive mode behind a server firewall: the client's dial is dropped and
/// the client gives up before sending its transfer command.
pub fn passive_blocked() -> Trace {
    let mut s = Script::new(50001);
    s.login();
    s.cmd("TYPE I");
    s.reply(200, "Switching to Binary mode.");
    s.passive(
        ftpviz::ftp::Verb::List.as_str(),
        Flow::Blocked(Blocker::ServerFirewall),
    );
    s.quit();
    Trace { events: s.events }
}

/// A login whose server talks in multi-line replies: a long `230`
/// banner (as NetBSD's ftpd sends) and a `FEAT` list (RFC 2389).
pub fn multiline() -> Trace {
    let mut s = Script::new(50000);
    s.session = 1;
    let src = addr(CLIENT_IP, CLIENT_CONTROL_PORT);
    let dst = addr(SERVER_IP, CONTROL_PORT);
    let via = None;
    s.ev(0, Side::Client, Kind::Connect { src, dst, via }, 0.0001);
    s.ev(0, Side::Server, Kind::Accept, 0.0003);
    s.reply(220, "ftp.example.org FTP server ready.");
    s.cmd("USER anonymous");
    s.reply(331, "Guest login ok, type your name as password.");
    s.cmd("PASS student@");
    s.raw_reply(
        230,
        "230-\n    The NetBSD Project FTP server\n    Mirrors of this archive: see /pub/NetBSD/README.mirrors\n    Please use a mirror near you.\n230 Guest login ok, access restrictions apply.",
    );
    s.cmd(ftpviz::ftp::Verb::Feat.as_str());
    s.raw_reply(
        211,
        "211-Features:\n MDTM\n MLST type*;size*;modify*;\n REST STREAM\n SIZE\n TVFS\n UTF8\n EPRT\n EPSV\n211 End",
    );
    s.quit();
    Trace { events: s.events }
}

/// Several sessions one after another, as a capture of a busy server holds
/// them (alternating active and passive).
pub fn sessions(n: u32) -> Trace {
    let mut s = Script::new(50000);
    for i in 0..n {
        s.lesson(i % 2 == 1);
    }
    Trace { events: s.events }
}

/// A trace of at least `n` events (whole sessions), for benchmarks.
pub fn long(n: usize) -> Trace {
    let mut s = Script::new(50000);
    let mut i = 0;
    while s.events.len() < n {
        s.lesson(i % 2 == 1);
        i += 1;
    }
    Trace { events: s.events }
}
