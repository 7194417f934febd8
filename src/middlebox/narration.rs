//! Plain words for what the middlebox did, for the narration pane, the
//! hosts panel and the notes in the trace.
//!
//! Each outcome of the middlebox lessons has a *why* behind it; these texts
//! are where the program says it. The TUI picks them by what happened:
//!
//! | what happened | text |
//! |---|---|
//! | the lab waited out a blocked dial (the `fail`'s note) | [`blocked_wait`] |
//! | the bounce lesson's `504` | [`bounce`] |
//! | the helper rewrote a line / opened a pinhole | the `note` of [`super::Relayed`] |
//! | the box itself | [`super::Middlebox::rule_text`] |
//!
//! Also the three lessons in one paragraph each: [`WHY_HELPERS`],
//! [`WHY_FTPS_BLINDS`], [`WHY_EPSV_DODGES_NAT`].

use super::{firewall, nat, Middlebox};
use crate::trace::Side;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// How long a real Linux stack tries a SYN that gets no answer: the first
/// try and 6 retries (`net.ipv4.tcp_syn_retries = 6`), doubling from 1 s:
/// 1+2+4+8+16+32+64 = 127 s.
pub const REAL_SYN_TIMEOUT: Duration = Duration::from_secs(127);

/// Why stateful FTP helpers exist.
pub const WHY_HELPERS: &str = "A firewall judges each new connection on its own, and FTP's data \
connection looks like a stranger: a SYN to some high port that nobody asked for — unless you read \
the control channel, where PORT or 227 announced it a moment earlier. So stateful firewalls carry \
an FTP helper (Linux nf_conntrack_ftp, router \"FTP ALGs\") that reads those lines and opens one \
pinhole for exactly that peer and port, and behind a NAT also rewrites the private address in \
the line.";

/// Why FTPS defeats those helpers.
pub const WHY_FTPS_BLINDS: &str = "The helper works only because it can read the control channel. \
With FTPS (AUTH TLS, then 234) the PORT and 227 lines are encrypted: the helper sees ciphertext, \
opens no pinhole and rewrites nothing, so behind a firewall or NAT FTPS needs passive mode with \
a fixed passive port range opened by hand, and a server that announces its public address.";

/// Why EPSV gets through a server-side NAT.
pub const WHY_EPSV_DODGES_NAT: &str = "227 carries an address, and a server behind NAT writes the \
one it believes it has: a private address the client cannot reach. 229 (EPSV, RFC 2428) carries \
only a port; the client dials the address it already reaches the server at, the one the NAT \
answers on. Nothing in the line for the NAT to get wrong.";

/// The `note` of a dial dropped because its destination is off loopback:
/// a simulated private address (or anything else outside the lab).
pub fn nowhere(from: Side, dst: SocketAddr) -> String {
    if nat::is_private(dst.ip()) {
        format!(
            "the {from} dials {dst}, a private address: no router on the internet carries \
             packets for it, so the SYN goes nowhere (simulated: it never left this machine)"
        )
    } else {
        format!(
            "the {from} dials {dst}, outside the lab's loopback network: the simulation never \
             sends there, so the SYN is treated as lost"
        )
    }
}

/// The `note` of an inbound dial that a client-side NAT has no mapping for.
pub fn no_mapping(dst: SocketAddr) -> String {
    format!(
        "the server's SYN reaches the client's NAT at {dst}, but no connection from inside \
         created a mapping for that port: the NAT does not know which inside host to give it \
         to, and drops it"
    )
}

/// The `note` of a dial dropped by the firewall guarding `into`.
pub fn unsolicited(into: Side, dst: SocketAddr, control_port: Option<u16>) -> String {
    match into {
        Side::Client => format!(
            "client firewall: a SYN from the server to {dst} is unsolicited inbound — the \
             client never dialled out on that port — so it is dropped (active mode breaks here)"
        ),
        Side::Server => {
            let ctl = control_port.map_or("its control port".to_string(), |p| format!("port {p}"));
            format!(
                "server firewall: the server admits only {ctl}; a SYN to {dst} is dropped \
                 (passive mode breaks here)"
            )
        }
    }
}

/// What the lab says of a blocked dial it waited out for `shortened`
/// instead of a real stack's [`REAL_SYN_TIMEOUT`].
pub fn blocked_wait(shortened: Duration) -> String {
    format!(
        "the SYN got no answer: gave up after {:.0} s here, a real stack after {} s",
        shortened.as_secs_f64(),
        REAL_SYN_TIMEOUT.as_secs()
    )
}

/// What an attacker wanted from a bounce `PORT`/`EPRT` naming `target`,
/// sent by a client at `client` (the bounce lesson's two steps: a third
/// host, then the client's own address at a privileged port).
pub fn bounce(target: SocketAddr, client: IpAddr) -> String {
    if target.ip().to_canonical() != client.to_canonical() {
        format!(
            "The client asks the server to connect to {target}, a host that is not the client. That is \
             the FTP bounce attack (CERT CA-1997-27): the attacker makes the server dial for \
             them — to scan ports from the server's address, to reach machines behind a \
             firewall that trust the server, or to STOR a file of SMTP or other commands and \
             have RETR replay it into {target} with the server as the sender. RFC 2577: refuse \
             a data address that is not the control connection's peer — hence 504, and no dial."
        )
    } else {
        format!(
            "The client names its own address but port {} — below 1024, where system \
             services listen (25 is SMTP). A server that dialled it would deliver whatever a \
             RETR sends into that service, from the server's trusted address. RFC 2577: refuse \
             data ports below 1024 — hence 504, and no dial.",
            target.port()
        )
    }
}

/// The lines of [`Middlebox::rule_text`].
pub(super) fn rules(mb: &Middlebox) -> Vec<String> {
    if mb.is_transparent() {
        return Vec::new();
    }
    let mut lines = vec!["middlebox (simulated on loopback)".to_string()];
    if mb.firewall != super::Firewall::None {
        lines.push(firewall::rule(mb.firewall).to_string());
    }
    let real = |side: Side| match (side, mb.peers) {
        (Side::Client, Some(p)) => Some(p.client),
        (Side::Server, Some(p)) => Some(p.server.ip()),
        _ => None,
    };
    if let Some(side) = nat::inside(mb.nat) {
        let outside = real(side);
        let inside = outside.and_then(|ip| nat::private_ip(mb.nat, side, ip));
        let (inside, outside) = match (inside, outside) {
            (Some(i), Some(o)) => (i.to_string(), o.to_string()),
            _ => ("a private address".to_string(), "its real one".to_string()),
        };
        let how = match side {
            Side::Client => "nothing gets in that the client did not start",
            Side::Server => "every port forwarded to the server",
        };
        lines.push(format!(
            "NAT: the {side} is {inside} inside, {outside} outside; {how}"
        ));
    }
    if let Some(p) = mb.pinhole() {
        lines.push(format!(
            "pinhole ({}): {} {} → {}, once",
            p.via.as_str(),
            p.dialler,
            p.from_ip,
            p.to
        ));
    }
    if mb.helper.is_blind() {
        lines.push("helper blind: the control channel is encrypted".to_string());
    }
    lines
}
