//! The middlebox's policy, table-driven: every firewall × NAT × mode ×
//! extended, fed the control lines a real lesson sends and then the data
//! dial, against the expected table in [`table`] (the lab test reads the
//! same one); the server side of the conversation (RFC 2577's check on PORT)
//! is played here the way ftpviz's server plays it (vsftpd 3.0.3 refuses the
//! same PORTs, with 500). The FTP helper's own cases are in `helper`.

use super::*;
use crate::ftp::{hostport, Command};
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

/// Who dials the data connection (the lab's `Mode`, restated so that the
/// middlebox, a lower layer, does not import the lab even in its tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Active,
    Passive,
}

mod table;
use table::{Knobs, Outcome, CF, D, P, R, SF};

/// The box a table row describes.
fn middlebox(fw: Firewall, nat: Nat, knobs: Knobs) -> Middlebox {
    Middlebox::new(fw, nat)
        .forwarding_data(knobs.forward_data)
        .announcing_public(knobs.pasv_address)
}

/// Plays one lesson up to its first data dial through `mb`; the client
/// trusts a 227's address only with `trust_pasv`.
fn lesson(mb: &mut Middlebox, mode: Mode, extended: bool, v6: bool, trust_pasv: bool) -> Outcome {
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
        let r = mb.relay(from, line, false);
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
            let relayed = mb.relay(Side::Client, &line, false);
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
                    false,
                );
                return R;
            }
            mb.relay(Side::Server, "200 PORT command successful", false);
            mb.relay(Side::Client, "RETR hello.txt", false);
            let from = SocketAddr::new(sip, CONTROL_PORT - 1);
            verdict(mb.dial(Side::Server, from, target))
        }
        Mode::Passive => {
            mb.relay(Side::Client, if extended { "EPSV" } else { "PASV" }, false);
            let listener = SocketAddr::new(sip, SERVER_LISTENS);
            let announced = mb.announce(Side::Server, listener);
            let reply = match (extended, announced) {
                (false, SocketAddr::V4(a)) => format!("227 {}", hostport::format_227(a)),
                _ => format!("229 {}", hostport::format_229(announced.port())),
            };
            let relayed = mb.relay(Side::Server, &reply, false);
            // The client reads what arrived; 229 means "my address, this port".
            let target = if extended {
                let port = hostport::parse_229(&relayed.line).expect("229");
                SocketAddr::new(control.ip(), port)
            } else {
                let named = SocketAddr::V4(hostport::parse_227(&relayed.line).expect("227"));
                if trust_pasv {
                    named
                } else {
                    // As curl and ftplib: the address the server is reached at.
                    SocketAddr::new(control.ip(), named.port())
                }
            };
            mb.relay(Side::Client, "RETR hello.txt", false);
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
        Verdict::Refuse { by, note } => {
            assert!(note.contains("RST"), "a refusal says it is an RST: {note}");
            Outcome::Reset(by)
        }
    }
}

#[test]
fn every_firewall_nat_mode_and_extended_combination() {
    for (fw, nat, knobs, mode, ext, want) in table::all_cases() {
        let mut mb = middlebox(fw, nat, knobs);
        let got = lesson(&mut mb, mode, ext, false, knobs.trust_pasv);
        assert_eq!(
            got, want,
            "{fw:?} {nat:?} {knobs:?} {mode:?} extended={ext}"
        );
    }
}

#[test]
fn extended_modes_behave_the_same_over_ipv6() {
    for (fw, nat, knobs, mode, _, want) in table::all_cases().filter(|case| case.4) {
        let mut mb = middlebox(fw, nat, knobs);
        let got = lesson(&mut mb, mode, true, true, knobs.trust_pasv);
        assert_eq!(
            got, want,
            "{fw:?} {nat:?} {knobs:?} {mode:?} extended over IPv6"
        );
    }
}

mod helper;
