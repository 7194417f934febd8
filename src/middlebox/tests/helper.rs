//! The helper and the box up close: rewrites and their length change,
//! pinholes used once, bounces, FTPS blindness, and lines that are not what
//! they seem.

use super::{client_ip, server_ip, CF, CONTROL_PORT, SF};
use crate::middlebox::helper::Rewrite;
use crate::middlebox::{narration, Middlebox, Verdict};
use crate::middlebox::{Firewall, Nat};
use crate::trace::{Blocker, Side};
use proptest::prelude::*;
use std::net::SocketAddr;

/// A box that has seen the IPv4 control dial.
fn connected(fw: Firewall, nat: Nat) -> Middlebox {
    let mut mb = Middlebox::new(fw, nat);
    let v = mb.dial(
        Side::Client,
        SocketAddr::new(client_ip(false), 40000),
        SocketAddr::new(server_ip(false), CONTROL_PORT),
    );
    assert_eq!(v, Verdict::Pass);
    mb
}

fn addr(s: &str) -> SocketAddr {
    s.parse().expect("test address")
}

#[test]
fn helper_rewrites_port_behind_client_nat_and_says_how_long() {
    let mut mb = connected(Firewall::Stateful, Nat::Client);
    let r = mb.relay(Side::Client, "PORT 192,168,1,2,195,80", false);
    assert_eq!(r.line, "PORT 127,0,0,2,195,80");
    let note = r.note.expect("a rewrite is noted");
    assert!(
        note.contains("\"PORT 192,168,1,2,195,80\" → \"PORT 127,0,0,2,195,80\""),
        "{note}"
    );
    assert!(note.contains("-2 bytes"), "{note}");
    assert!(note.contains("sequence numbers"), "{note}");
    // The note reads back: what was sent, and what the server received.
    let read = Rewrite::read(&note).expect("the note names the rewrite");
    assert_eq!(read.sent, "PORT 192,168,1,2,195,80");
    assert_eq!(read.received, r.line);

    let r = mb.relay(Side::Client, "EPRT |1|192.168.1.2|50000|", false);
    assert_eq!(r.line, "EPRT |1|127.0.0.2|50000|");
    assert!(r.note.unwrap_or_default().contains("-2 bytes"));
}

#[test]
fn helper_rewrites_227_behind_server_nat_keeping_the_rest_of_the_text() {
    let mut mb = connected(Firewall::Stateful, Nat::Server);
    let r = mb.relay(
        Side::Server,
        "227 Entering Passive Mode (10,0,0,3,195,81). Go",
        false,
    );
    assert_eq!(r.line, "227 Entering Passive Mode (127,0,0,3,195,81). Go");
    assert!(r.note.unwrap_or_default().contains("+1 bytes"));
    // Written with spaces: rebuilt in the standard form.
    let r = mb.relay(Side::Server, "227 =10, 0, 0, 3, 195, 82", false);
    assert_eq!(r.line, "227 Entering Passive Mode (127,0,0,3,195,82).");
}

#[test]
fn without_a_helper_nat_leaves_the_line_alone_and_says_so() {
    let mut mb = connected(Firewall::None, Nat::Client);
    let r = mb.relay(Side::Client, "PORT 192,168,1,2,195,80", false);
    assert_eq!(r.line, "PORT 192,168,1,2,195,80");
    let note = r.note.unwrap_or_default();
    assert!(note.contains("192.168.1.2"), "{note}");
    // Which server says what: vsftpd 500, ours 504.
    assert!(
        note.contains("vsftpd 3.0.3 answers \"500 Illegal PORT command.\"") && note.contains("504"),
        "{note}"
    );
    let mut mb = connected(Firewall::Client, Nat::Server);
    let r = mb.relay(
        Side::Server,
        "227 Entering Passive Mode (10,0,0,3,195,81).",
        false,
    );
    assert_eq!(r.line, "227 Entering Passive Mode (10,0,0,3,195,81).");
    let note = r.note.unwrap_or_default();
    assert!(
        note.contains("curl 7.88") && note.contains("ftplib") && note.contains("RST"),
        "{note}"
    );
    assert!(!note.contains("would have worked"), "{note}");
}

#[test]
fn helper_rewrites_an_ipv6_eprt_in_full_as_the_kernel_does() {
    let mut mb = Middlebox::new(Firewall::Stateful, Nat::Client);
    let v = mb.dial(
        Side::Client,
        SocketAddr::new(client_ip(true), 40000),
        SocketAddr::new(server_ip(true), CONTROL_PORT),
    );
    assert_eq!(v, Verdict::Pass);
    let r = mb.relay(Side::Client, "EPRT |2|fd00:1::2|50000|", false);
    assert_eq!(
        r.line,
        "EPRT |2|0000:0000:0000:0000:0000:0000:0000:0001|50000|"
    );
    // 9 characters of address became 39: +30, not the -6 of "::1".
    let note = r.note.unwrap_or_default();
    assert!(note.contains("+30 bytes"), "{note}");
    assert_eq!(mb.pinhole().map(|p| p.to), Some(addr("[::1]:50000")));
}

#[test]
fn behind_the_servers_nat_the_helper_rewrites_a_clients_ipv6_eprt_to_the_same_address_in_full() {
    let mut mb = Middlebox::new(Firewall::Stateful, Nat::Server);
    let v = mb.dial(
        Side::Client,
        SocketAddr::new(client_ip(true), 40000),
        SocketAddr::new(server_ip(true), CONTROL_PORT),
    );
    assert_eq!(v, Verdict::Pass);
    let r = mb.relay(Side::Client, "EPRT |2|::1|50000|", false);
    assert_eq!(
        r.line,
        "EPRT |2|0000:0000:0000:0000:0000:0000:0000:0001|50000|"
    );
    let note = r.note.unwrap_or_default();
    assert!(
        note.contains("+36 bytes") && note.contains("same address"),
        "{note}"
    );
    // IPv4 comes out the same: nothing to say about a rewrite.
    let mut mb = connected(Firewall::Stateful, Nat::Server);
    let r = mb.relay(Side::Client, "PORT 127,0,0,2,195,80", false);
    assert_eq!(r.line, "PORT 127,0,0,2,195,80");
    assert!(!r.note.unwrap_or_default().contains("rewrote"));
}

#[test]
fn a_port_forward_refuses_data_ports_with_an_rst_and_forward_data_admits_them() {
    let data = addr("127.0.0.3:50001");
    let from = addr("127.0.0.2:40002");
    for fw in [Firewall::None, Firewall::Client, Firewall::Server] {
        let mut mb = connected(fw, Nat::Server);
        let v = mb.dial(Side::Client, from, data);
        assert!(
            matches!(&v, Verdict::Refuse { by: Blocker::Nat, note } if note.contains("RST") && note.contains("2121")),
            "{fw:?}: {v:?}"
        );
    }
    let mut mb = connected(Firewall::None, Nat::Server).forwarding_data(true);
    assert_eq!(mb.dial(Side::Client, from, data), Verdict::Pass);
    // Forwarded, the dial meets the server's firewall next.
    let mut mb = connected(Firewall::Server, Nat::Server).forwarding_data(true);
    assert!(matches!(
        mb.dial(Side::Client, from, data),
        Verdict::Drop {
            by: Blocker::ServerFirewall,
            ..
        }
    ));
    // Behind a client NAT, an inbound SYN nobody inside asked for: RST too.
    let mut mb = connected(Firewall::None, Nat::Client);
    assert!(matches!(
        mb.dial(
            Side::Server,
            addr("127.0.0.3:2120"),
            addr("127.0.0.2:50000")
        ),
        Verdict::Refuse {
            by: Blocker::Nat,
            ..
        }
    ));
}

#[test]
fn the_helpers_expectation_forwards_exactly_the_announced_port_once() {
    let mut mb = connected(Firewall::Stateful, Nat::Server);
    let r = mb.relay(
        Side::Server,
        "227 Entering Passive Mode (10,0,0,3,195,81).",
        false,
    );
    let note = r.note.unwrap_or_default();
    assert!(
        note.contains("300 s") && note.contains("any source port"),
        "{note}"
    );
    let to = addr("127.0.0.3:50001");
    let other = mb.dial(Side::Client, addr("127.0.0.2:1"), addr("127.0.0.3:50002"));
    assert!(
        matches!(
            other,
            Verdict::Refuse {
                by: Blocker::Nat,
                ..
            }
        ),
        "{other:?}"
    );
    assert_eq!(
        mb.dial(Side::Client, addr("127.0.0.2:41234"), to),
        Verdict::Pass
    );
    assert!(matches!(
        mb.dial(Side::Client, addr("127.0.0.2:41235"), to),
        Verdict::Refuse { .. }
    ));
}

#[test]
fn an_expectation_lapses_after_300_s() {
    let mut mb = connected(Firewall::Stateful, Nat::None);
    mb.relay(Side::Client, "PORT 127,0,0,2,195,80", false);
    let mut pin = mb.pinhole().cloned().expect("an expectation");
    let (server, to) = (pin.from_ip, pin.to);
    assert!(pin.admits(Side::Server, server, to));
    let Some(old) = std::time::Instant::now().checked_sub(std::time::Duration::from_secs(301))
    else {
        return; // a machine up for less than 301 s cannot date an Instant that far back
    };
    pin.opened = old;
    assert!(!pin.admits(Side::Server, server, to));
}

#[test]
fn a_server_announcing_its_public_address_gets_no_expectation() {
    let mb = Middlebox::new(Firewall::Stateful, Nat::Server).announcing_public(true);
    assert_eq!(
        mb.announce(Side::Server, addr("127.0.0.3:50001")),
        addr("127.0.0.3:50001")
    );
    let mut mb = connected(Firewall::Stateful, Nat::Server).announcing_public(true);
    let r = mb.relay(
        Side::Server,
        "227 Entering Passive Mode (127,0,0,3,195,81).",
        false,
    );
    assert_eq!(r.line, "227 Entering Passive Mode (127,0,0,3,195,81).");
    let note = r.note.unwrap_or_default();
    assert!(
        note.contains("pasv_address") && note.contains("RST"),
        "{note}"
    );
    assert!(mb.pinhole().is_none());
}

#[test]
fn a_pinhole_admits_one_dial_from_that_peer_to_that_port() {
    let mut mb = connected(Firewall::Stateful, Nat::None);
    mb.relay(Side::Client, "PORT 127,0,0,2,195,80", false);
    let pin = mb.pinhole().cloned().expect("a pinhole");
    assert_eq!(pin.dialler, Side::Server);
    assert_eq!(pin.to, addr("127.0.0.2:50000"));
    assert!(mb.rule_text().iter().any(|l| l.contains("127.0.0.2:50000")));

    let from = addr("127.0.0.3:2120");
    // Wrong port, wrong source host, wrong dialler: still closed.
    let closed = [
        (Side::Server, from, addr("127.0.0.2:50001"), CF),
        (
            Side::Server,
            addr("127.0.0.9:2120"),
            addr("127.0.0.2:50000"),
            CF,
        ),
        (
            Side::Client,
            addr("127.0.0.3:0"),
            addr("127.0.0.2:50000"),
            SF,
        ),
    ];
    for (side, src, dst, by) in closed {
        assert!(matches!(mb.dial(side, src, dst), Verdict::Drop { by: b, .. } if b == by));
    }
    // Any source port of the right host; then it is used up.
    assert_eq!(
        mb.dial(Side::Server, addr("127.0.0.3:33333"), pin.to),
        Verdict::Pass
    );
    assert!(mb.pinhole().is_none());
    assert!(matches!(
        mb.dial(Side::Server, from, pin.to),
        Verdict::Drop {
            by: Blocker::ClientFirewall,
            ..
        }
    ));
}

#[test]
fn a_newer_announcement_replaces_the_pinhole() {
    let mut mb = connected(Firewall::Stateful, Nat::None);
    mb.relay(Side::Client, "PORT 127,0,0,2,195,80", false);
    mb.relay(Side::Client, "PORT 127,0,0,2,195,90", false);
    let from = addr("127.0.0.3:2120");
    assert!(matches!(
        mb.dial(Side::Server, from, addr("127.0.0.2:50000")),
        Verdict::Drop { .. }
    ));
    assert_eq!(
        mb.dial(Side::Server, from, addr("127.0.0.2:50010")),
        Verdict::Pass
    );
}

#[test]
fn private_and_foreign_addresses_never_pass_whatever_the_box() {
    for fw in [
        Firewall::None,
        Firewall::Client,
        Firewall::Server,
        Firewall::Stateful,
    ] {
        for nat in [Nat::None, Nat::Client, Nat::Server] {
            let mut mb = connected(fw, nat);
            for dst in [
                "10.0.0.3:50001",
                "192.168.1.2:50000",
                "[fd00:1::2]:5",
                "192.0.2.25:25",
            ] {
                for side in [Side::Client, Side::Server] {
                    let v = mb.dial(side, addr("127.0.0.2:1"), addr(dst));
                    assert!(
                        matches!(
                            v,
                            Verdict::Drop {
                                by: Blocker::Nat,
                                ..
                            }
                        ),
                        "{fw:?} {nat:?} {side} → {dst}: {v:?}"
                    );
                }
            }
        }
    }
    // Even before any control dial, and on a transparent box.
    let mut mb = Middlebox::transparent();
    assert!(matches!(
        mb.dial(Side::Client, addr("127.0.0.2:1"), addr("10.0.0.3:21")),
        Verdict::Drop {
            by: Blocker::Nat,
            ..
        }
    ));
}

#[test]
fn the_control_port_is_always_open_even_to_a_second_dial() {
    for fw in [Firewall::Server, Firewall::Stateful] {
        let mut mb = connected(fw, Nat::Server);
        let control = addr("127.0.0.3:2121");
        assert_eq!(
            mb.dial(Side::Client, addr("127.0.0.2:40001"), control),
            Verdict::Pass
        );
        assert_eq!(mb.control_port(), Some(CONTROL_PORT));
    }
}

#[test]
fn bounce_port_to_a_third_host_gets_no_pinhole() {
    let mut mb = connected(Firewall::Stateful, Nat::None);
    let r = mb.relay(Side::Client, "PORT 127,0,0,4,0,25", false);
    assert_eq!(r.line, "PORT 127,0,0,4,0,25");
    let note = r.note.unwrap_or_default();
    assert!(
        note.contains("third host") && note.contains("127.0.0.4:25"),
        "{note}"
    );
    assert!(mb.pinhole().is_none());
    let client = client_ip(false);
    // Which rule is whose: the same-address check is the servers' own,
    // RFC 2577's advice is about ports below 1024.
    let text = narration::bounce(addr("127.0.0.4:25"), client);
    assert!(
        text.contains("not the client") && text.contains("504"),
        "{text}"
    );
    assert!(
        text.contains("vsftpd") && !text.contains("RFC 2577"),
        "{text}"
    );
    let text = narration::bounce(SocketAddr::new(client, 25), client);
    assert!(
        text.contains("below 1024") && text.contains("504"),
        "{text}"
    );
    assert!(text.contains("RFC 2577 suggests"), "{text}");
}

#[test]
fn ftps_blinds_the_helper() {
    let mut mb = connected(Firewall::Stateful, Nat::Client);
    assert!(mb.relay(Side::Client, "AUTH TLS", false).note.is_some());
    let r = mb.relay(Side::Server, "234 AUTH TLS successful", false);
    assert!(r.note.unwrap_or_default().contains("FTPS"));
    // From now on lines are ciphertext to the box: nothing read, nothing
    // opened, nothing rewritten; the note says what the helper missed.
    let r = mb.relay(Side::Client, "PORT 192,168,1,2,195,80", true);
    assert_eq!(r.line, "PORT 192,168,1,2,195,80");
    let note = r.note.unwrap_or_default();
    assert!(
        note.contains("sees only TLS records") && note.contains("opens no pinhole"),
        "{note}"
    );
    assert!(mb.pinhole().is_none());
    assert!(mb.rule_text().iter().any(|l| l.contains("blind")));
}

#[test]
fn a_227_inside_tls_is_neither_rewritten_nor_expected() {
    let mut mb = connected(Firewall::Stateful, Nat::Server);
    let line = "227 Entering Passive Mode (10,0,0,3,195,82).";
    let r = mb.relay(Side::Server, line, true);
    assert_eq!(r.line, line, "the private address stays");
    assert!(r.note.unwrap_or_default().contains("rewrites no address"));
    assert!(mb.pinhole().is_none());
    // Lines that announce nothing get no note.
    assert_eq!(mb.relay(Side::Client, "PWD", true).note, None);
}

fn cleared(fw: Firewall, nat: Nat) -> Middlebox {
    let mut mb = connected(fw, nat);
    mb.relay(Side::Client, "AUTH TLS", false);
    mb.relay(Side::Server, "234 Proceed with negotiation.", false);
    mb.relay(Side::Client, "CCC", true);
    mb.relay(Side::Server, "200 CCC OK", true);
    mb
}

/// After CCC the helper reads again — from each side's second clear line
/// on, as Linux's nf_conntrack_ftp does (tests/kernel_ftps.rs): the first
/// follows a TLS record, which did not end a line.
#[test]
fn after_ccc_the_helper_reads_again() {
    let mut mb = cleared(Firewall::Stateful, Nat::None);
    let r = mb.relay(Side::Client, "PWD", false);
    let note = r.note.unwrap_or_default();
    assert!(
        note.contains("after CCC") && note.contains("not in this first"),
        "{note}"
    );
    assert!(!note.contains("missed"), "{note}");
    assert!(!mb.rule_text().iter().any(|l| l.contains("blind")));
    let r = mb.relay(Side::Server, "257 \"/\" is the current directory", false);
    assert!(r
        .note
        .unwrap_or_default()
        .contains("first clear line from the server"));
    let r = mb.relay(Side::Client, "PORT 127,0,0,2,195,80", false);
    assert!(!r.note.unwrap_or_default().contains("after CCC"));
    assert!(mb.pinhole().is_some());
}

#[test]
fn an_announcement_first_after_ccc_is_missed() {
    let mut mb = cleared(Firewall::Stateful, Nat::None);
    let r = mb.relay(Side::Client, "PORT 127,0,0,2,195,80", false);
    assert!(r.note.unwrap_or_default().contains("this PORT is missed"));
    assert!(mb.pinhole().is_none());
    mb.relay(Side::Server, "200 PORT command successful.", false);
    mb.relay(Side::Client, "PORT 127,0,0,2,195,81", false);
    assert!(mb.pinhole().is_some(), "the second is read");

    let mut mb = cleared(Firewall::Stateful, Nat::Server);
    mb.relay(Side::Client, "PASV", false);
    let line = "227 Entering Passive Mode (10,0,0,3,195,80).";
    let r = mb.relay(Side::Server, line, false);
    assert_eq!(r.line, line, "not rewritten");
    assert!(r.note.unwrap_or_default().contains("this 227 is missed"));
    assert!(mb.pinhole().is_none());
}

#[test]
fn an_auth_refused_keeps_the_helper_reading() {
    let mut mb = connected(Firewall::Stateful, Nat::None);
    mb.relay(Side::Client, "AUTH TLS", false);
    mb.relay(Side::Server, "502 Command not implemented", false);
    mb.relay(Side::Client, "PORT 127,0,0,2,195,80", false);
    assert!(mb.pinhole().is_some());
}

#[test]
fn only_a_reply_completed_on_this_line_is_read() {
    let mut mb = connected(Firewall::Stateful, Nat::Server);
    // A 211 feature list that happens to contain 227-looking text.
    for line in [
        "211-Features:",
        "227 (10,0,0,3,1,1) not a reply here",
        "211 End",
    ] {
        assert_eq!(mb.relay(Side::Server, line, false).line, line);
    }
    assert!(mb.pinhole().is_none());
}

#[test]
fn malformed_announcements_pass_unchanged_and_open_nothing() {
    let mut mb = connected(Firewall::Stateful, Nat::Client);
    for (side, line) in [
        (Side::Client, "PORT 192,168,1,2,195"),
        (Side::Client, "PORT 300,1,1,1,1,1"),
        (Side::Client, "EPRT |3|x|1|"),
        (Side::Client, "PORT"),
        (Side::Server, "227 Entering Passive Mode"),
        (
            Side::Server,
            "229 Entering Extended Passive Mode (|||99999|)",
        ),
        (Side::Server, "not a reply at all"),
        (Side::Client, ""),
    ] {
        assert_eq!(mb.relay(side, line, false).line, line);
    }
    assert!(mb.pinhole().is_none());
}

#[test]
fn announcements_before_the_control_dial_are_left_alone() {
    let mut mb = Middlebox::new(Firewall::Stateful, Nat::Client);
    let r = mb.relay(Side::Client, "PORT 192,168,1,2,195,80", false);
    assert_eq!(r.line, "PORT 192,168,1,2,195,80");
    assert!(r.note.is_some());
    assert!(mb.pinhole().is_none());
}

#[test]
fn announce_gives_the_address_a_peer_believes_it_has() {
    let mb = Middlebox::new(Firewall::None, Nat::Client);
    let l = addr("127.0.0.2:50000");
    assert_eq!(mb.announce(Side::Client, l), addr("192.168.1.2:50000"));
    assert_eq!(
        mb.announce(Side::Server, addr("127.0.0.3:5")),
        addr("127.0.0.3:5")
    );
    let mb = Middlebox::new(Firewall::None, Nat::Server);
    assert_eq!(
        mb.announce(Side::Server, addr("[::1]:5")),
        addr("[fd00:2::3]:5")
    );
    assert_eq!(mb.private_ip(Side::Client, l.ip()), None);
}

#[test]
fn rule_text_names_the_box_its_rule_and_both_addresses() {
    assert!(Middlebox::transparent().rule_text().is_empty());
    let mb = connected(Firewall::Client, Nat::Client);
    let text = mb.rule_text().join("\n");
    assert!(text.contains("simulated"), "{text}");
    assert!(text.contains("client firewall"), "{text}");
    assert!(
        text.contains("192.168.1.2") && text.contains("127.0.0.2"),
        "{text}"
    );
    let text = connected(Firewall::Server, Nat::None)
        .rule_text()
        .join("\n");
    assert!(text.contains("control port"), "{text}");
}

#[test]
fn narration_of_the_wait_says_where_the_real_wait_comes_from() {
    let three = std::time::Duration::from_secs(3);
    let active = narration::blocked_wait(three, Side::Server);
    assert!(
        active.contains("3 s") && active.contains("vsftpd 3.0.3 answers 425"),
        "{active}"
    );
    assert!(
        active.contains("60 s") && !active.contains("127"),
        "{active}"
    );
    let passive = narration::blocked_wait(three, Side::Client);
    assert!(
        passive.contains("134 s") && passive.contains("no 425"),
        "{passive}"
    );
    assert!(
        passive.contains("0, 1, 2, 3, 4, 5, 7, 11, 19, 35 and 68 s"),
        "{passive}"
    );
}

/// A rewrite's note reads back whole whatever the lines hold (quotes, the
/// arrow, backslashes, controls, other notes around it); a note that tells
/// of no rewrite, or a broken one, reads as none.
#[test]
fn a_rewrite_note_reads_back_whatever_the_lines_hold() {
    let lines = [
        (
            "227 Entering Passive Mode (10,0,0,3,1,2) \"ok\" → \"x\"",
            "227 (127,0,0,3,1,2)",
        ),
        ("PORT a\\b\tc\r\n\0", "PORT \u{200b}é\u{7f}"),
        ("", "PORT 127,0,0,2,1,2"),
    ];
    for (sent, received) in lines {
        let r = Rewrite {
            sent: sent.to_string(),
            received: received.to_string(),
        };
        let note = format!("the lesson's own remark; {}; helper expects …", r.written());
        assert_eq!(Rewrite::read(&note), Some(r), "{note}");
    }
    for note in [
        "helper expects one connection",
        "helper rewrote \"PORT 1",
        "helper rewrote \"a\" -> \"b\"",
        "helper rewrote \"a\\q\" → \"b\"",
        "helper rewrote \"a\\u{zz}\" → \"b\"",
    ] {
        assert_eq!(Rewrite::read(note), None, "{note}");
    }
}

proptest! {
    /// Any pair of lines survives the note's round trip.
    #[test]
    fn any_rewrite_reads_back(sent in "\\PC{0,40}|.{0,20}", received in "\\PC{0,40}") {
        let r = Rewrite { sent, received };
        prop_assert_eq!(Rewrite::read(&r.written()), Some(r));
    }

    /// Whatever crosses, nothing panics, and only an announcement can change.
    #[test]
    fn any_line_crosses_without_panic(line in "\\PC{0,80}", server in any::<bool>()) {
        let mut mb = connected(Firewall::Stateful, Nat::Client);
        let side = if server { Side::Server } else { Side::Client };
        let r = mb.relay(side, &line, false);
        let upper = line.to_ascii_uppercase();
        if !(upper.starts_with("PORT ") || upper.starts_with("EPRT ") || line.starts_with("227")) {
            prop_assert_eq!(r.line, line);
        }
    }
}
