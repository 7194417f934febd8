//! Connections: the dial (SYN) and what becomes of it — accepted, failed,
//! carrying bytes, closed. The dial is the lesson: who sent it, from which
//! port, to which port, and why that port.

use super::{upper_first, Narration, Session};
use crate::trace::{Blocker, Event, FailReason, Side, Via};
use std::net::SocketAddr;

pub(super) fn connect(
    e: &Event,
    src: SocketAddr,
    dst: SocketAddr,
    via: Option<Via>,
    s: &Session,
) -> Narration {
    if e.conn == 0 {
        return Narration::new(
            "The client dials the control port.",
            format!(
                "SYN {src} → {dst}. {}: where the server waits for commands (21 in the RFC). \
                 {}: an ephemeral port the client's OS picked. This connection carries every \
                 command and reply (RFC 959 §2.3).",
                dst.port(),
                src.port()
            ),
        );
    }
    let conn = e.conn;
    match via {
        Some(v @ (Via::Port | Via::Eprt | Via::Default)) => {
            let mut body = format!(
                "SYN {src} → {dst} (data #{conn}), the address from {}. ",
                if v == Via::Default {
                    "the control connection"
                } else {
                    v.as_str()
                }
            );
            if let Some(ctl) = s.server_control {
                let l1 = ctl.port().wrapping_sub(1);
                if src.port() == l1 {
                    body.push_str(&format!(
                        "From port {} = control port {} − 1 (RFC 959 §3.2: port 20 when control \
                         is 21). ",
                        src.port(),
                        ctl.port()
                    ));
                } else {
                    body.push_str(&format!(
                        "From port {}, not control − 1 = {l1}: RFC 959 §3.2's L−1 is only a \
                         default. ",
                        src.port()
                    ));
                }
            }
            body.push_str(
                "The server initiates: a firewall in front of the client sees an unsolicited \
                 inbound SYN.",
            );
            Narration::new("The server dials the client (active).", body)
        }
        Some(v @ (Via::Pasv | Via::Epsv)) => Narration::new(
            "The client dials the server (passive).",
            format!(
                "SYN {src} → {dst} (data #{conn}), the port from {}. The client's port {} is \
                 ephemeral. The client initiates both connections, so client firewalls and NAT \
                 let it through.",
                if v == Via::Pasv { "227" } else { "229" },
                src.port()
            ),
        ),
        None => Narration::new(
            format!("The {} dials data connection #{conn}.", e.from),
            format!(
                "SYN from {src} to {dst}. No PORT or PASV announced this address in what was \
                 captured."
            ),
        ),
    }
}

pub(super) fn accept(e: &Event) -> Narration {
    if e.conn == 0 {
        return Narration::new(
            "Connected: the control connection is up.",
            "The three-way handshake completed. In FTP the server speaks first: a 220 greeting \
             comes next.",
        );
    }
    Narration::new(
        format!("Connected: data connection #{} is up.", e.conn),
        "The handshake completed. The bytes of the transfer travel on this connection, apart \
         from the commands and replies.",
    )
}

pub(super) fn fail(e: &Event, reason: FailReason, by: Option<Blocker>) -> Narration {
    let who = match by {
        Some(Blocker::ClientFirewall) => "the client's firewall",
        Some(Blocker::ServerFirewall) => "the server's firewall",
        Some(Blocker::Nat) => "the NAT",
        None => "something on the path",
    };
    let why = match reason {
        FailReason::Blocked => format!(
            "The SYN was dropped by {who}: no answer ever came, and after a (shortened) timeout \
             the {} gave up.",
            e.from
        ),
        FailReason::Refused => {
            "The other side answered the SYN with RST: nobody listens on that port.".to_string()
        }
        FailReason::Timeout => format!(
            "No answer at all: the {} waited and gave up. Something on the path drops packets.",
            e.from
        ),
        FailReason::Reset => "The connection was torn down with RST.".to_string(),
    };
    let headline = if e.conn == 0 {
        "✗ The control connection failed.".to_string()
    } else {
        format!("✗ Data connection #{} never happened.", e.conn)
    };
    Narration::new(headline, why)
}

pub(super) fn data(e: &Event, bytes: u64, s: &Session) -> Narration {
    let what = match s.transfer.as_deref() {
        Some(t) if t.starts_with("LIST") || t.starts_with("NLST") || t.starts_with("MLSD") => {
            "the directory listing".to_string()
        }
        Some(t) => format!("the file of `{t}`"),
        None => "the transfer".to_string(),
    };
    let ty = match s.type_code.map(|c| c.to_ascii_uppercase()) {
        Some('A') => " TYPE A: line ends travel as CRLF, so this can differ from the size on disk.",
        Some('I') => " TYPE I: exactly the bytes on disk.",
        _ => "",
    };
    Narration::new(
        format!("{bytes} bytes on data connection #{}.", e.conn),
        format!(
            "{}, {} → {}.{ty}",
            upper_first(&what),
            side_name(e.from),
            side_name(e.from.peer())
        ),
    )
}

pub(super) fn close(e: &Event) -> Narration {
    if e.conn == 0 {
        return Narration::new(
            format!("The {} closes the control connection.", e.from),
            "FIN: the session is over.",
        );
    }
    Narration::new(
        format!("The {} closes data connection #{} (FIN).", e.from, e.conn),
        "In stream mode, closing the connection is how the receiver knows the file has ended \
         (RFC 959 §3.4.1). Every transfer needs a new data connection.",
    )
}

fn side_name(s: Side) -> &'static str {
    s.as_str()
}
