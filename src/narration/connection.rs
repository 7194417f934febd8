//! Connections: the dial (SYN) and what becomes of it — accepted, failed,
//! carrying bytes, closed. The dial is the lesson: who sent it, from which
//! port, to which port, why that port, and what stands in its way.

use super::cite::Rule;
use super::here::Here;
use super::{columns, Between, Narration, HEADLINE_COLUMNS};
use crate::account::{Claim, Transfer};
use crate::middlebox::firewall::{self, Firewall};
use crate::middlebox::{on_this_machine, Nat};
use crate::trace::{Blocker, Event, FailReason, Side, Via};
use std::net::SocketAddr;

pub(super) fn connect(h: &Here, src: SocketAddr, dst: SocketAddr, via: Option<Via>) -> Narration {
    let e = h.event;
    if e.conn == 0 {
        return control_dial(e, src, dst);
    }
    let conn = e.conn;
    let control = h.story.and_then(|s| s.control_port());
    if h.data(conn).is_some_and(|d| d.stranger) {
        return stranger(h, src, dst);
    }
    let (headline, mut body) = match via {
        Some(v @ (Via::Port | Via::Eprt | Via::Default)) => {
            let body = if v == Via::Default {
                format!(
                    "SYN {src} → {dst} (data #{conn}), to the client's control port: the \
                     default user data port U ({}).",
                    Rule::DefaultDataPorts
                )
            } else {
                format!(
                    "SYN {src} → {dst} (data #{conn}), to the address from {}.",
                    v.as_str()
                )
            };
            ("The server dials the client (active).".to_string(), body)
        }
        Some(v @ (Via::Pasv | Via::Epsv)) => (
            "The client dials the server (passive).".to_string(),
            format!(
                "SYN {src} → {dst} (data #{conn}), to the port from {}; {}",
                if v == Via::Pasv { "227" } else { "229" },
                clients_port(src.port(), "the client's port")
            ),
        ),
        None => (
            format!("The {} dials data #{conn}.", e.from),
            format!(
                "SYN {src} → {dst}. No PORT, EPRT, 227 or 229 in what was captured announced \
                 this address."
            ),
        ),
    };
    // With a middlebox on the path, what it makes of the dial is the point
    // of this step: it comes first, the port arithmetic after (on a small
    // screen the detail is what gets cut).
    let (door, in_the_way) = match h.ctx.between {
        Some(b) => (door(b, e.from, dst, via, control), !b.is_transparent()),
        None => (would_meet(e.from), false),
    };
    let active_source = match (via, control) {
        (Some(Via::Port | Via::Eprt | Via::Default), Some(l)) => Some(source_port(src.port(), l)),
        _ => None,
    };
    let (served, mut claims) = served_by(h, conn);
    let mut rest = vec![active_source, elsewhere(h, dst), Some(served)];
    if in_the_way {
        rest.insert(0, Some(door));
    } else {
        rest.push(Some(door));
    }
    for part in rest.into_iter().flatten().filter(|p| !p.is_empty()) {
        body.push(' ');
        body.push_str(&part);
    }
    claims.push(Claim::Dial {
        session: e.session,
        conn,
        who: e.from,
        from: src.port(),
        to: dst.port(),
    });
    Narration::new(headline, body).claiming(claims)
}

/// A dial from another host than the session's client, to a port that is
/// the client's alone.
fn stranger(h: &Here, src: SocketAddr, dst: SocketAddr) -> Narration {
    let client = h
        .story
        .and_then(|s| s.control)
        .map(|c| c.client.ip().to_string())
        .unwrap_or_default();
    Narration::new(
        "Another host dials this data port.",
        format!(
            "SYN {src} → {dst}: {} is not this session's client ({client}). A passive port \
             waits for one dial, the client's; whoever else reaches it first could take the \
             transfer (a port theft), so a careful server closes it at once and keeps waiting.",
            src.ip()
        ),
    )
    .claiming([Claim::ClientAddress {
        session: h.event.session,
        ip: src.ip(),
        is: false,
    }])
}

/// When a client dialled another address than its 227 named (curl and
/// Python's ftplib skip a private one and dial the server's control
/// address at that port): says so.
fn elsewhere(h: &Here, dst: SocketAddr) -> Option<String> {
    let story = h.story?;
    let d = story.data_conn(h.event.conn)?;
    let ann = story.announcements.get(d.announcement?)?;
    let named = ann.host?;
    (named.to_canonical() != dst.ip().to_canonical()).then(|| {
        format!(
            "The {} named {named}, but the {} dialled {}: a client such as curl or Python's \
             ftplib does not trust a 227 address that differs from the server's, and dials the \
             server's control address at the port named.",
            ann.name(),
            h.event.from,
            dst.ip()
        )
    })
}

/// Which transfer a data connection carried, as far as the account knows
/// it here: words (with a leading space) and their claims.
fn served_by(h: &Here, conn: u32) -> (String, Vec<Claim>) {
    let Some(d) = h.data(conn) else {
        return (String::new(), Vec::new());
    };
    let Some(t) = h.transfer_of(d) else {
        return (String::new(), Vec::new());
    };
    let claim = Claim::Serves {
        session: h.event.session,
        conn,
        transfer: t.at,
    };
    let words = if t.at < h.at {
        format!("It is for `{}`, sent before it.", super::clean(&t.text))
    } else {
        format!(
            "It was dialled before the command it carries: `{}` came after it.",
            super::clean(&t.text)
        )
    };
    (words, vec![claim])
}

fn control_dial(e: &Event, src: SocketAddr, dst: SocketAddr) -> Narration {
    let port = dst.port();
    let l = if port == 21 {
        format!(
            "Port 21 is FTP's control port: L = 21 ({}).",
            Rule::ControlPort
        )
    } else {
        format!(
            "Port {port} is this server's control port L; FTP's assigned L is 21 ({}).",
            Rule::ControlPort
        )
    };
    Narration::new(
        format!("The {} dials control port {port}.", e.from),
        format!(
            "SYN {src} → {dst}. {l} {} This connection carries every command and reply ({}).",
            clients_port(src.port(), "Port"),
            Rule::FtpModel
        ),
    )
}

/// What the client's own port of a dial is: an ephemeral one its OS
/// picked, unless it is below 1024, where operating systems do not pick
/// them (Linux from 32768, Windows from 49152 by default).
fn clients_port(port: u16, name: &str) -> String {
    if port >= 1024 {
        format!("{name} {port} is an ephemeral port the client's OS picked.")
    } else {
        format!(
            "{name} {port} is below 1024, where operating systems pick no ephemeral ports: the \
             client chose it."
        )
    }
}

/// Where an active dial comes from: RFC 959's L−1, or another port.
fn source_port(from: u16, control: u16) -> String {
    let l1 = control.wrapping_sub(1);
    if from == l1 {
        format!(
            "From port {from} = control port {control} − 1: the server dials from its port \
             L−1 ({}; 20 when L is 21).",
            Rule::ServerDialsFromL1
        )
    } else {
        format!(
            "From port {from}, not control − 1 = {l1}: the server shall dial from its port L−1 \
             ({}), but a server may pick another (pyftpdlib, for one, dials from an ephemeral \
             port).",
            Rule::ServerDialsFromL1
        )
    }
}

/// What a dial by `dialler` would meet, when the path is not known.
fn would_meet(dialler: Side) -> String {
    match dialler {
        Side::Server => {
            "A firewall in front of the client would see this SYN as unsolicited inbound.".into()
        }
        Side::Client => "A firewall in front of the client lets it out; one in front of the \
                         server would have to admit a port that is not its control port."
            .into(),
    }
}

/// What the dial meets in the lab's middlebox `b`, in the order the
/// middlebox judges: an address off the lab, a helper's pinhole, the
/// client's NAT, a firewall on the side being dialled.
fn door(b: Between, dialler: Side, dst: SocketAddr, via: Option<Via>, l: Option<u16>) -> String {
    let into = dialler.peer();
    let guarded = firewall::guard(b.firewall, into).is_some();
    let client_nat = b.nat == Nat::Client && into == Side::Client;
    if !on_this_machine(dst.ip()) {
        return format!("No route leads to {}: it is a private address.", dst.ip());
    }
    if b.firewall == Firewall::Stateful && (guarded || client_nat) {
        let read = match via {
            Some(v @ (Via::Pasv | Via::Epsv)) => {
                if v == Via::Pasv { "227" } else { "229" }.to_string()
            }
            Some(v) => v.as_str().to_string(),
            None => "announcement".to_string(),
        };
        return format!(
            "A stateful firewall guards the {into}: it lets this SYN in only through a pinhole \
             its FTP helper opened after reading the {read}."
        );
    }
    if client_nat {
        return "The client is behind a NAT: a SYN from outside finds no mapping, since the \
                client did not start this connection, and the router refuses it."
            .into();
    }
    if guarded {
        return match into {
            Side::Client => "The client's firewall lets in no connection the client did not \
                             start, and the server starts this one."
                .into(),
            Side::Server => format!(
                "The server's firewall lets in only its control port{}; this SYN is for port {}.",
                l.map(|c| format!(" {c}")).unwrap_or_default(),
                dst.port()
            ),
        };
    }
    if firewall::guard(b.firewall, dialler).is_some() {
        return format!("The {dialler}'s firewall lets it out: the {dialler} starts it.");
    }
    match (b.nat, into) {
        (Nat::Server, Side::Server) if b.forward_data => {
            "The server's NAT forwards every port to the server (1:1).".into()
        }
        (Nat::Server, Side::Server) if Some(dst.port()) == l => {
            "The server's NAT forwards its control port to the server.".into()
        }
        (Nat::Server, Side::Server) => format!(
            "The server's NAT forwards only the control port{}: a SYN for port {} gets through \
             only if an FTP helper expects it.",
            l.map(|c| format!(" {c}")).unwrap_or_default(),
            dst.port()
        ),
        (Nat::Server, Side::Client) | (Nat::Client, Side::Server) => {
            format!("The {dialler}'s NAT lets it out: the {dialler} starts it.")
        }
        // Said above: the client's NAT refuses what it did not start.
        (Nat::Client, Side::Client) => String::new(),
        (Nat::None, _) if b.firewall == Firewall::None => {
            format!(
                "Nothing stands between the hosts here. {}",
                would_meet(dialler)
            )
        }
        (Nat::None, _) => String::new(),
    }
}

pub(super) fn accept(h: &Here) -> Narration {
    let e = h.event;
    if e.conn == 0 {
        return Narration::new(
            "The control connection is up.",
            "The three-way handshake completed. In FTP the server speaks first: a greeting, \
             220 when it is ready.",
        );
    }
    let transfer = h.data(e.conn).and_then(|d| h.transfer_of(d));
    let serves = match transfer {
        Some(t) => format!("the bytes of `{}` travel on it", super::clean(&t.text)),
        None if h.ctx.ours.client => {
            "the bytes of the transfer command our client sends next travel on it".to_string()
        }
        None => "a transfer's bytes travel on it".to_string(),
    };
    let claims = transfer.map(|t| Claim::Serves {
        session: e.session,
        conn: e.conn,
        transfer: t.at,
    });
    Narration::new(
        format!("Data connection #{} is up.", e.conn),
        format!(
            "The three-way handshake completed: {serves}, apart from the commands and replies."
        ),
    )
    .claiming(claims)
}

pub(super) fn fail(h: &Here, reason: FailReason, by: Option<Blocker>) -> Narration {
    let e = h.event;
    let dialler = e.from;
    // The lab knows both ends and what stands between them; a capture (or
    // `serve`, for its own dials) sees only the answer.
    let lab = h.ctx.ours.client && h.ctx.ours.server;
    let whose = match dialler {
        Side::Client => "client's",
        Side::Server => "server's",
    };
    let headline = match (by, reason) {
        (Some(Blocker::ClientFirewall), _) => format!("✗ Client firewall drops {whose} SYN."),
        (Some(Blocker::ServerFirewall), _) => format!("✗ Server firewall drops {whose} SYN."),
        (Some(Blocker::Nat), FailReason::Refused) => format!("✗ The NAT refuses the {whose} SYN."),
        (Some(Blocker::Nat), _) => format!("✗ No route: the {whose} SYN is lost."),
        (None, FailReason::Refused) => format!("✗ The {} refuses the SYN (RST).", dialler.peer()),
        (None, FailReason::Reset) => format!("✗ The {whose} dial ends in RST."),
        (None, FailReason::Blocked) => format!("✗ The {whose} SYN is blocked."),
        (None, FailReason::Timeout) => format!("✗ The {whose} dial times out."),
    };
    let what = if e.conn == 0 {
        "the control connection".to_string()
    } else {
        format!("data connection #{}", e.conn)
    };
    let body = match reason {
        FailReason::Blocked => {
            format!("No answer ever came, and the {dialler} gave up: {what} never opened.")
        }
        FailReason::Refused if by == Some(Blocker::Nat) => format!(
            "The router answered the SYN with an RST at once: it forwards nothing to that \
             port, so {what} never opened."
        ),
        FailReason::Refused if lab => {
            format!("Nothing listens on that port, so {what} never opened.")
        }
        FailReason::Refused => format!(
            "The SYN was answered with an RST: nothing listened on that port, or something on \
             the path refused the dial for the {}; {what} never opened.",
            dialler.peer()
        ),
        FailReason::Timeout => format!(
            "The {dialler} waited and gave up: something on the path dropped the SYN or its \
             answer, and {what} never opened."
        ),
        FailReason::Reset => format!("The connection was torn down: {what} carried nothing."),
    };
    Narration::new(headline, body)
}

pub(super) fn data(h: &Here, bytes: u64) -> Narration {
    let e = h.event;
    if e.conn == 0 {
        return encrypted_control(e, bytes);
    }
    let (before, chunks) = h.bytes_before(e.conn);
    let total = before.saturating_add(bytes);
    let mut headline = if chunks == 0 {
        format!("{bytes} bytes on data #{}.", e.conn)
    } else {
        format!("{bytes} more bytes on data #{}.", e.conn)
    };
    let mut lead = String::new();
    if columns(&headline) > HEADLINE_COLUMNS {
        // Numbers are never cut: too long for the headline, they go below.
        lead = format!("{bytes} bytes on data connection #{}. ", e.conn);
        headline = "Bytes on a data connection.".to_string();
    }
    let transfer = h.data(e.conn).and_then(|d| h.transfer_of(d));
    let what = match transfer {
        Some(t) if t.verb.is_listing() => format!("The listing of `{}`", super::clean(&t.text)),
        Some(t) if t.verb.is_upload() => format!("The upload of `{}`", super::clean(&t.text)),
        Some(t) => format!("The file of `{}`", super::clean(&t.text)),
        None => "Bytes".to_string(),
    };
    let claims = transfer.map(|t| Claim::Serves {
        session: e.session,
        conn: e.conn,
        transfer: t.at,
    });
    let so_far = match transfer.and_then(|t| h.announced_size(t)) {
        Some((n, _)) if n == total => format!("all {n} bytes"),
        Some((n, said)) => format!("so far {total} of the {n} bytes {said}"),
        None if chunks == 0 => format!("{total} bytes so far"),
        None => format!("{total} bytes on this connection so far"),
    };
    let mut body = format!("{lead}{what}, {} → {}: {so_far}.", e.from, e.from.peer());
    body.push(' ');
    body.push_str(&representation(transfer, h.type_code));
    Narration::new(headline, body.trim_end().to_string()).claiming(claims)
}

/// Bytes on the control connection that are not lines: a capture shows
/// them so after `AUTH TLS`, when the rest of the conversation is
/// encrypted (replay counts them as one event, its note says more).
fn encrypted_control(e: &Event, bytes: u64) -> Narration {
    Narration::new(
        "Encrypted bytes on the control line.",
        format!(
            "{bytes} bytes from the {}, not readable as FTP lines: after AUTH TLS the \
             control connection is encrypted ({}). Whatever PORT or PASV they carry, this \
             view cannot read them, and neither can a firewall's FTP helper.",
            e.from,
            Rule::Tls
        ),
    )
}

/// What the bytes on the wire are, by what is moving and the TYPE.
fn representation(transfer: Option<&Transfer>, type_code: Option<char>) -> String {
    match (transfer, type_code) {
        (Some(t), _) if t.verb == crate::ftp::verb::Transfer::Mlsd => format!(
            "A listing is not a file on disk: the server writes it, one entry a line ({}).",
            Rule::Mlsx
        ),
        (Some(t), Some('A')) if t.verb.is_listing() => format!(
            "A listing is not a file on disk: the server writes it as lines of text, sent in \
             ASCII type, as LIST expects ({}).",
            Rule::ServiceCommands
        ),
        (Some(t), Some(other)) if t.verb.is_listing() => format!(
            "A listing is not a file on disk: the server writes it as lines of text. LIST \
             expects ASCII type ({}); TYPE {other} is set here, and how a server ends the \
             lines then is its own choice.",
            Rule::ServiceCommands
        ),
        (Some(t), None) if t.verb.is_listing() => format!(
            "A listing is not a file on disk: the server writes it as lines of text. LIST \
             expects ASCII type ({}).",
            Rule::ServiceCommands
        ),
        (_, Some('A')) => format!(
            "TYPE A: line ends travel as CRLF, so the count can differ from the size on disk \
             ({}).",
            Rule::AsciiType
        ),
        (_, Some('I')) => format!(
            "TYPE I: the bytes travel exactly as stored ({}).",
            Rule::ImageType
        ),
        _ => String::new(),
    }
}

pub(super) fn close(h: &Here) -> Narration {
    let e = h.event;
    if e.conn == 0 {
        return control_close(e, h.last_reply);
    }
    let headline = format!("The {} closes data #{}.", e.from, e.conn);
    let Some(c) = h.data(e.conn) else {
        return Narration::new(headline, "First FIN (or RST) of this data connection.");
    };
    let transfer = h.transfer_of(c);
    let (bytes, _) = h.bytes_before(e.conn);
    // Who sent its bytes, as far as they came before this close.
    let sender = c
        .first_data
        .filter(|&d| d < h.at)
        .and(c.sender)
        .or(transfer.map(|t| {
            if t.verb.is_upload() {
                Side::Client
            } else {
                Side::Server
            }
        }));
    let end = if transfer.is_some_and(|t| t.verb.is_listing()) {
        "the listing"
    } else {
        "the file"
    };
    let body = if sender == Some(e.from) {
        format!(
            "In stream mode the sender's close marks the end of {end} ({}): {} bytes in all. \
             So every transfer needs a new data connection ({}).",
            Rule::StreamMode,
            bytes,
            Rule::DataConnectionReuse
        )
    } else {
        format!(
            "In stream mode it is the sender's close that marks the end of {end} ({}); here the \
             {} closed first, after {} bytes.",
            Rule::StreamMode,
            e.from,
            bytes
        )
    };
    Narration::new(headline, body)
}

fn control_close(e: &Event, last_reply: Option<u16>) -> Narration {
    let said_goodbye = last_reply == Some(221);
    let body = match (e.from, said_goodbye) {
        (Side::Server, true) => format!(
            "First FIN on the control connection, after 221: the server closes it at the \
             user's request ({}).",
            Rule::AccessControlCommands
        ),
        (Side::Client, true) => format!(
            "First FIN on the control connection. The server is to close it after QUIT ({}), \
             but here the client closed first, as soon as 221 came.",
            Rule::AccessControlCommands
        ),
        (_, false) => "First FIN (or RST) on the control connection, with no 221 goodbye \
                       before it."
            .into(),
    };
    Narration::new(format!("The {} ends the session.", e.from), body)
}
