//! Plain words for what the middlebox did, for the narration pane, the
//! hosts panel and the notes in the trace.
//!
//! Each outcome of the middlebox lessons has a *why* behind it; these texts
//! are where the program says it. The TUI picks them by what happened:
//!
//! | what happened | text |
//! |---|---|
//! | the lab waited out a blocked dial (the `fail`'s note) | [`blocked_wait`] |
//! | a NAT refused a dial to a port it does not forward (RST) | [`not_forwarded`], [`no_mapping`] |
//! | the bounce lesson's `504` | [`bounce`] |
//! | the helper rewrote a line / opened a pinhole | the `note` of [`super::Relayed`] |
//! | the box itself | [`super::Middlebox::rule_text`] |
//!
//! Also the lessons in one paragraph each: [`why_helpers`],
//! [`WHY_FTPS_BLINDS`] (and what the lab simplified of it,
//! [`FTPS_SIMPLIFIED`]), [`WHY_EPSV_DODGES_NAT`]. Each is said after a
//! headline that already says what happened, so each says only *why*.

use super::{firewall, nat, Middlebox};
use crate::trace::{Side, Via};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// How long a client's `connect` to a SYN that gets no answer took on the
/// Linux kernel measured (6.18, `tcp_syn_retries=6`,
/// `tcp_syn_linear_timeouts=4`: SYNs at 0, 1, 2, 3, 4, 5, 7, 11, 19, 35 and
/// 68 s), about 134 s (REAL_BEHAVIOUR.md).
pub const REAL_CONNECT_TIMEOUT: Duration = Duration::from_secs(134);

/// vsftpd's own `connect_timeout`: how long it waits for its active-mode
/// dial before it answers 425 (vsftpd 3.0.3's default, 60 s).
pub const VSFTPD_CONNECT_TIMEOUT: Duration = Duration::from_secs(60);

/// Why stateful FTP helpers exist, after a dial announced by `via` died
/// (said after the headline that says who dropped it: this is the why, not
/// the what).
pub fn why_helpers(via: Option<Via>) -> String {
    let line = match via {
        Some(Via::Port) => "the PORT line",
        Some(Via::Eprt) => "the EPRT line",
        Some(Via::Pasv) => "the 227 reply",
        Some(Via::Epsv) => "the 229 reply",
        _ => "a PORT, EPRT, 227 or 229 line",
    };
    format!(
        "Why: a firewall judges each new connection alone, and only the control channel \
         announced this one, in {line}. A stateful firewall's FTP helper (Linux \
         nf_conntrack_ftp, a router's \"FTP ALG\") reads those lines and opens one pinhole for \
         exactly that dial; behind a NAT it also rewrites the address in the line."
    )
}

/// Why FTPS defeats those helpers.
pub const WHY_FTPS_BLINDS: &str = "A firewall's FTP helper works only because it can read the \
control channel. With FTPS (AUTH TLS, then 234) the PORT and 227 lines are encrypted: the helper \
sees ciphertext, opens no pinhole and rewrites nothing, so behind a firewall or NAT FTPS needs \
passive mode with a fixed passive port range opened by hand, and a server that announces its \
public address.";

/// What the lab simplified about a helper blinded by TLS, and the two
/// fixes (said at a `PORT`/`227` the helper could not read).
pub const FTPS_SIMPLIFIED: &str = "Simplified: the lab tells its simulated middlebox which lines \
crossed inside TLS. A real helper (Linux nf_conntrack_ftp) knows nothing of TLS: it reads a packet \
only where the one before it ended a line, looks for PORT, EPRT, 227 or 229 at its start and, in \
TLS records, finds none (checked against nf_conntrack_ftp by tests/kernel_ftps.rs, with each fix). \
The two fixes: CCC after login (RFC 4217 §5: the control connection goes back to clear text, the \
helper reads again from the second clear line each way, the first following a TLS record, and the \
password already crossed encrypted), or a server that writes its public address itself (vsftpd's \
pasv_address) with a passive port range opened by hand — which keeps everything encrypted.";

/// Why a passive dial dies behind a server-side NAT, and what EPSV does and
/// does not change (said after the `fail` of a dial a 227 announced).
pub const WHY_EPSV_DODGES_NAT: &str = "Why: 227 carries an address, and a server behind NAT \
writes the one it has, a private address. A client that trusts it (ftpviz --trust-pasv) dials \
that address, which no router carries, and waits minutes; curl 7.88 and Python's ftplib ignore \
it and dial the server's public address at the 227's port instead. Either way that port must \
get through the router: forwarded by its administrator, or expected by the FTP helper (Linux \
nf_conntrack_ftp), which also rewrites the 227; a port it does not forward is refused with an \
RST. 229 (EPSV, RFC 2428 §3) carries only a port, so no client reads a private address in it, \
but behind a router that forwards only the control port its port is refused just the same.";

/// The `note` of a dial dropped because its destination is off loopback:
/// a simulated private address (or anything else outside the lab).
pub fn nowhere(from: Side, dst: SocketAddr) -> String {
    if nat::is_private(dst.ip()) {
        format!(
            "{} is a private address: no router on the internet carries packets for it \
             (simulated: the {from}'s SYN to {dst} never left this machine)",
            dst.ip()
        )
    } else {
        format!(
            "{dst} is outside the lab's loopback network: the simulation never sends there, so \
             the {from}'s SYN counts as lost"
        )
    }
}

/// The `note` of an inbound dial that a client-side NAT has no mapping for.
pub fn no_mapping(dst: SocketAddr) -> String {
    format!(
        "no connection from inside created a mapping for {dst}, so the client's router cannot \
         tell which inside host the server's SYN is for, and answers it itself with an RST \
         (refused at once, not a timeout)"
    )
}

/// The `note` of a dial to a port that a server-side NAT does not forward
/// (only the control port, as a home router's port-forward).
pub fn not_forwarded(dst: SocketAddr, control_port: Option<u16>) -> String {
    let ctl = control_port.map_or("the control port".to_string(), |p| format!("port {p}"));
    format!(
        "the server's router forwards only {ctl} (a port-forward); port {} is not forwarded and \
         no helper expects it, so the router itself answers the SYN to {dst} with an RST: \
         refused at once (Linux: well under a millisecond), not a timeout",
        dst.port()
    )
}

/// The `note` of a dial dropped by the firewall guarding `into`.
pub fn unsolicited(into: Side, dst: SocketAddr, control_port: Option<u16>) -> String {
    match into {
        Side::Client => format!(
            "the server's SYN to {dst} is unsolicited inbound: the client never dialled out on \
             that port, so nothing invited it in (active mode breaks here)"
        ),
        Side::Server => {
            let ctl = control_port.map_or("its control port".to_string(), |p| format!("port {p}"));
            format!(
                "port {} is not {ctl}, the only one the server's firewall admits (passive mode \
                 breaks here)",
                dst.port()
            )
        }
    }
}

/// What the lab says of a blocked dial by `dialler` that it waited out for
/// `shortened`, and where the real wait comes from: in active mode (the
/// server dials) the server's own timer, in passive mode (the client dials)
/// the client's kernel giving up the SYN.
pub fn blocked_wait(shortened: Duration, dialler: Side) -> String {
    let lab = format!(
        "no answer came: the lab gives up after {:.0} s to keep the lesson moving",
        shortened.as_secs_f64()
    );
    match dialler {
        Side::Server => format!(
            "{lab}; on a real network the server's own timer decides: vsftpd 3.0.3 answers 425 \
             after its connect_timeout ({} s), while the kernel is still retrying the SYN",
            VSFTPD_CONNECT_TIMEOUT.as_secs()
        ),
        Side::Client => format!(
            "{lab}; a real client's connect fails after about {} s on Linux (SYNs at 0, 1, 2, 3, \
             4, 5, 7, 11, 19, 35 and 68 s) and no 425 comes at all, since the transfer command \
             is never sent; curl, trying EPSV and then PASV, waits about twice that",
            REAL_CONNECT_TIMEOUT.as_secs()
        ),
    }
}

/// What an attacker wanted from a bounce `PORT`/`EPRT` naming `target`,
/// sent by a client at `client` (the bounce lesson's two steps: a third
/// host, then the client's own address at a privileged port). Which rule is
/// whose: RFC 2577 suggests refusing data ports below 1024 with 504; the
/// same-address check is what vsftpd 3.0.3 (measured) and ftpviz's server
/// do.
pub fn bounce(target: SocketAddr, client: IpAddr) -> String {
    if target.ip().to_canonical() != client.to_canonical() {
        format!(
            "The client asks the server to connect to {target}, a host that is not the client. \
             That is the FTP bounce attack (CERT CA-1997-27): the attacker makes the server dial \
             for them — to scan ports from the server's address, to reach machines behind a \
             firewall that trust the server, or to STOR a file of SMTP or other commands and \
             have RETR replay it into {target} with the server as the sender. vsftpd 3.0.3 and \
             ftpviz's server dial only the control connection's peer — their own rule, not RFC \
             text: ftpviz's answers 504 and dials nothing, vsftpd 3.0.3 answers 500 \
             (\"Illegal PORT command.\", \"Illegal EPRT command.\")."
        )
    } else {
        format!(
            "The client names its own address but port {} — below 1024, where system \
             services listen (25 is SMTP). A server that dialled it would deliver whatever a \
             RETR sends into that service, from the server's trusted address. RFC 2577 \
             suggests that servers open no data connection to a port below 1024 and answer \
             504 — hence 504, and no dial.",
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
        let how = match (side, mb.forward_data) {
            (Side::Client, _) => "nothing gets in that the client did not start (RST)",
            (Side::Server, true) => "every port forwarded to the server (1:1)",
            (Side::Server, false) => {
                "only the control port forwarded; other ports refused (RST) unless the helper \
                 expects them"
            }
        };
        lines.push(format!(
            "NAT: the {side} is {inside} inside, {outside} outside; {how}"
        ));
    }
    if let Some(p) = mb.pinhole() {
        lines.push(format!(
            "expected ({}): {} {} (any port) → {}, once, within 300 s",
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
