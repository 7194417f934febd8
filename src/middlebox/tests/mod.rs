//! The middlebox's policy, table-driven: every firewall × NAT × mode ×
//! extended, fed the control lines a real lesson sends and then the data
//! dial. The expected table is written by hand from how real networks
//! behave; the server side of the conversation (RFC 2577's check on PORT)
//! is played here the way vsftpd and ProFTPD play it by default.

use super::*;
use crate::ftp::{hostport, Command};
use crate::lab::Mode;
use std::net::{Ipv4Addr, Ipv6Addr};

const CONTROL_PORT: u16 = 2121;
const CLIENT_LISTENS: u16 = 50000;
const SERVER_LISTENS: u16 = 50001;

fn client_ip(v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::LOCALHOST)
    } else {
        IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))
    }
}

fn server_ip(v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::LOCALHOST)
    } else {
        IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3))
    }
}

/// What happened to the data connection of one transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// The data dial passed.
    Pass,
    /// The data dial died in the middlebox, by this.
    Drop(Blocker),
    /// The server refused the PORT/EPRT (RFC 2577: not the control peer's
    /// address) and never dialled.
    Refused,
}
use Outcome::{Drop as D, Pass as P, Refused as R};

/// Plays one lesson up to its first data dial through `mb`.
fn lesson(mb: &mut Middlebox, mode: Mode, extended: bool, v6: bool) -> Outcome {
    let (cip, sip) = (client_ip(v6), server_ip(v6));
    let control = SocketAddr::new(sip, CONTROL_PORT);
    assert_eq!(
        mb.dial(Side::Client, SocketAddr::new(cip, 40000), control),
        Verdict::Pass,
        "the control dial always passes"
    );
    for (from, line) in [
        (Side::Server, "220 ftpviz lab server"),
        (Side::Client, "USER anonymous"),
        (Side::Server, "331 Any password will do"),
        (Side::Client, "PASS guest"),
        (Side::Server, "230-Welcome"),
        (Side::Server, "230 Logged in"),
        (Side::Client, "TYPE I"),
        (Side::Server, "200 Type set to I"),
    ] {
        let r = mb.relay(from, line);
        assert_eq!(r.line, line, "ordinary lines cross unchanged");
    }
    match mode {
        Mode::Active => {
            let listener = SocketAddr::new(cip, CLIENT_LISTENS);
            let announced = mb.announce(Side::Client, listener);
            let line = match (extended, announced) {
                (false, SocketAddr::V4(a)) => format!("PORT {}", hostport::format_port(a)),
                _ => format!("EPRT {}", hostport::format_eprt(announced)),
            };
            let relayed = mb.relay(Side::Client, &line);
            // The server reads what arrived, with the shared grammar.
            let cmd = Command::parse(&relayed.line).expect("a command");
            let target = match cmd.verb.as_str() {
                "PORT" => SocketAddr::V4(hostport::parse_port(&cmd.arg).expect("PORT")),
                _ => hostport::parse_eprt(&cmd.arg).expect("EPRT"),
            };
            if target.ip() != cip {
                mb.relay(
                    Side::Server,
                    "504 Command not implemented for that parameter",
                );
                return R;
            }
            mb.relay(Side::Server, "200 PORT command successful");
            mb.relay(Side::Client, "RETR hello.txt");
            let from = SocketAddr::new(sip, CONTROL_PORT - 1);
            verdict(mb.dial(Side::Server, from, target))
        }
        Mode::Passive => {
            mb.relay(Side::Client, if extended { "EPSV" } else { "PASV" });
            let listener = SocketAddr::new(sip, SERVER_LISTENS);
            let announced = mb.announce(Side::Server, listener);
            let reply = match (extended, announced) {
                (false, SocketAddr::V4(a)) => format!("227 {}", hostport::format_227(a)),
                _ => format!("229 {}", hostport::format_229(announced.port())),
            };
            let relayed = mb.relay(Side::Server, &reply);
            // The client reads what arrived; 229 means "my address, this port".
            let target = if extended {
                let port = hostport::parse_229(&relayed.line).expect("229");
                SocketAddr::new(control.ip(), port)
            } else {
                SocketAddr::V4(hostport::parse_227(&relayed.line).expect("227"))
            };
            mb.relay(Side::Client, "RETR hello.txt");
            verdict(mb.dial(Side::Client, SocketAddr::new(cip, 0), target))
        }
    }
}

fn verdict(v: Verdict) -> Outcome {
    match v {
        Verdict::Pass => P,
        Verdict::Drop { by, note } => {
            assert!(!note.is_empty(), "a drop always says why");
            D(by)
        }
    }
}

const CF: Blocker = Blocker::ClientFirewall;
const SF: Blocker = Blocker::ServerFirewall;
const NAT: Blocker = Blocker::Nat;

/// (firewall, nat, active PORT, active EPRT, passive PASV, passive EPSV)
const TABLE: [(Firewall, Nat, Outcome, Outcome, Outcome, Outcome); 12] = [
    // Nothing in between: everything works.
    (Firewall::None, Nat::None, P, P, P, P),
    // Client NAT: PORT/EPRT name 192.168.1.2, the server refuses a data
    // address that is not its control peer's; passive dials out: fine.
    (Firewall::None, Nat::Client, R, R, P, P),
    // Server NAT (1:1): active dials out through it; 227 names 10.0.0.3 and
    // the client dials nowhere; 229 has no address: fine.
    (Firewall::None, Nat::Server, P, P, D(NAT), P),
    // Client firewall: the server's dial into the client dies.
    (Firewall::Client, Nat::None, D(CF), D(CF), P, P),
    (Firewall::Client, Nat::Client, R, R, P, P),
    (Firewall::Client, Nat::Server, D(CF), D(CF), D(NAT), P),
    // Server firewall: only the control port is open, passive dies.
    (Firewall::Server, Nat::None, P, P, D(SF), D(SF)),
    (Firewall::Server, Nat::Client, R, R, D(SF), D(SF)),
    // 227's private address goes nowhere before it meets the firewall.
    (Firewall::Server, Nat::Server, P, P, D(NAT), D(SF)),
    // Stateful with the FTP helper: pinholes, and rewrites behind NAT.
    (Firewall::Stateful, Nat::None, P, P, P, P),
    (Firewall::Stateful, Nat::Client, P, P, P, P),
    (Firewall::Stateful, Nat::Server, P, P, P, P),
];

#[test]
fn every_firewall_nat_mode_and_extended_combination() {
    for (fw, nat, port, eprt, pasv, epsv) in TABLE {
        for (mode, ext, want) in [
            (Mode::Active, false, port),
            (Mode::Active, true, eprt),
            (Mode::Passive, false, pasv),
            (Mode::Passive, true, epsv),
        ] {
            let mut mb = Middlebox::new(fw, nat);
            let got = lesson(&mut mb, mode, ext, false);
            assert_eq!(got, want, "{fw:?} {nat:?} {mode:?} extended={ext}");
        }
    }
}

#[test]
fn extended_modes_behave_the_same_over_ipv6() {
    for (fw, nat, _, eprt, _, epsv) in TABLE {
        let mut mb = Middlebox::new(fw, nat);
        assert_eq!(
            lesson(&mut mb, Mode::Active, true, true),
            eprt,
            "{fw:?} {nat:?} EPRT v6"
        );
        let mut mb = Middlebox::new(fw, nat);
        assert_eq!(
            lesson(&mut mb, Mode::Passive, true, true),
            epsv,
            "{fw:?} {nat:?} EPSV v6"
        );
    }
}

mod helper;
