//! Replies: what the code means (its first digit says how things went,
//! RFC 959 §4.2), and for `227`/`229` the address the server announces.
//! The headline speaks about the reply; its own words, line by line, are in
//! [`Narration::wire`].

use super::cite::{self, Rule};
use super::session::Session;
use super::{clean_lines, Narration};
use crate::ftp::hostport::{parse_227, parse_229, parse_eprt, parse_port, port_bytes};
use std::net::SocketAddr;

pub(super) fn reply(code: u16, text: &str, s: &Session) -> Narration {
    let wire = clean_lines(text);
    let mut n = match code {
        227 => pasv_reply(&wire),
        229 => epsv_reply(&wire),
        _ => meaning(code, &wire, s),
    };
    let lines = wire.lines().count();
    if lines > 1 && wire.starts_with(&format!("{code}-")) {
        n.then(&format!(
            "A reply of {lines} lines: \"{code}-\" opens it and \"{code} \" closes it ({}).",
            Rule::MultiLineReplies
        ));
    }
    n.wire = Some(wire);
    n
}

/// What the first digit says (RFC 959 §4.2).
fn digit(code: u16) -> String {
    let cite = Rule::ReplyDigits;
    match code / 100 {
        1 => format!("1xx is preliminary: another reply follows before the next command ({cite})."),
        2 => format!("2xx: done; a new command may follow ({cite})."),
        3 => format!("3xx: accepted so far; another command must bring more ({cite})."),
        4 => format!("4xx: not done this time; the same command may work later ({cite})."),
        5 => format!("5xx: refused; repeating the exact same request is discouraged ({cite})."),
        6 => format!(
            "6xx: a protected reply, its text encoded ({}).",
            Rule::ProtectedReplies
        ),
        d => format!("A first digit of {d} is not one that {cite} defines."),
    }
}

/// The headline from the table of codes, or the bare code.
fn table_headline(code: u16) -> String {
    match cite::reply_code(code) {
        Some(c) => format!("{code}: {}.", c.means),
        None => format!("{code}: a reply code."),
    }
}

fn meaning(code: u16, text: &str, s: &Session) -> Narration {
    let last = s.last_verb.as_deref().unwrap_or_default();
    let class = digit(code);
    let (headline, body): (String, String) = match (code, last) {
        (150, _) => (
            "150: file okay, transfer starting.".into(),
            format!(
                "{}{} {class}",
                if s.open_data().is_some() {
                    "The data connection is already open."
                } else {
                    "The data connection is not open yet."
                },
                match super::session::announced_bytes(text) {
                    Some(b) => format!(" The server announces {b} bytes."),
                    None => String::new(),
                }
            ),
        ),
        (125, _) => (
            "125: data connection already open.".into(),
            format!("The transfer starts on it. {class}"),
        ),
        (200, v @ ("PORT" | "EPRT")) => (
            format!("200: {v} okay, the dial comes later."),
            match announced(v, &s.last_arg) {
                Some(addr) => format!(
                    "The server noted {addr}; it dials there once a transfer command comes ({}).",
                    Rule::DialAfterTransferCommand
                ),
                None => format!(
                    "The server dials once a transfer command comes ({}).",
                    Rule::DialAfterTransferCommand
                ),
            },
        ),
        (200, "TYPE") => ("200: the transfer type is set.".into(), class),
        (200, "EPSV") => ("200: only EPSV from now on.".into(), class),
        (213, "SIZE") => {
            let size = text.get(4..).map(str::trim).unwrap_or_default();
            (
                format!("213: {} bytes.", super::fit(size, 24)),
                format!(
                    "SIZE's answer: the exact number of bytes that would cross the data \
                     connection in the current TYPE ({}).",
                    Rule::Size
                ),
            )
        }
        (213, "MDTM") => (
            "213: the file's modification time.".into(),
            format!(
                "MDTM's answer ({}): YYYYMMDDHHMMSS, a time in UTC ({}).",
                Rule::Mdtm,
                Rule::Times
            ),
        ),
        (211, "FEAT") => (
            "211: the server's extensions.".into(),
            format!(
                "FEAT's answer ({}): the extensions this server supports, one a line.",
                Rule::Feat
            ),
        ),
        (215, "SYST") => (
            "215: the system type.".into(),
            format!(
                "SYST's answer: its first word names the operating system ({}).",
                Rule::ServiceCommands
            ),
        ),
        (220, _) => (
            table_headline(220),
            "The server's greeting: now the client can log in.".into(),
        ),
        (221, _) => (
            table_headline(221),
            format!(
                "\"Service closing control connection\" ({}). The close that follows shows \
                 which side really sends the first FIN.",
                Rule::ReplyCodes
            ),
        ),
        (226, _) => (
            table_headline(226),
            format!(
                "The server sends 226 after closing the data connection ({}), so the client \
                 knows the transfer is over.",
                Rule::ReplyAfterClose
            ),
        ),
        (250, "CWD" | "CDUP" | "XCWD" | "XCUP") => ("250: directory changed.".into(), class),
        (257, "MKD" | "XMKD") => (
            "257: directory created.".into(),
            "Its path is the text in quotes.".into(),
        ),
        (257, _) => (
            "257: the current directory.".into(),
            "Its path is the text in quotes.".into(),
        ),
        (331, _) => (
            table_headline(331),
            format!("{class} Here: PASS, with the password."),
        ),
        (350, "REST") => (
            "350: restart offset noted.".into(),
            format!(
                "The next RETR or STOR starts at that byte ({}).",
                Rule::Rest
            ),
        ),
        (425, _) => (
            table_headline(425),
            "The control connection is fine; only the data connection failed. From the \
             client's side, a firewall or NAT in the way looks just like this."
                .into(),
        ),
        (426, _) => (
            table_headline(426),
            format!("The data connection closed before the transfer ended. {class}"),
        ),
        (503, v) if super::session::is_transfer(v) && no_setup(s) => (
            "503: no PORT or PASV was accepted.".into(),
            format!(
                "Bad sequence of commands. For this case there are default data ports ({}): the \
                 server would dial from its port L−1 to the client's control port \
                 U. But this server wants PORT/EPRT or PASV/EPSV first.",
                Rule::DefaultDataPorts
            ),
        ),
        (503, "PORT" | "EPRT" | "PASV") if s.epsv_all => (
            "503: only EPSV after EPSV ALL.".into(),
            format!(
                "After EPSV ALL the server must refuse every other data setup ({}).",
                Rule::Epsv
            ),
        ),
        (503, "PASS") => (
            "503: USER must come first.".into(),
            format!(
                "PASS must come right after USER ({}).",
                Rule::AccessControlCommands
            ),
        ),
        (504, v @ ("PORT" | "EPRT")) => (
            "504: the server refuses to dial there.".into(),
            refused_dial(v, s),
        ),
        (522, _) => (
            table_headline(522),
            format!(
                "The server cannot use that address family; its reply lists those it can, \
                 such as (1,2) ({}).",
                Rule::Eprt
            ),
        ),
        (530, "PASS") => (
            table_headline(530),
            format!("After PASS this means the login failed. {class}"),
        ),
        (234, "AUTH") => (
            "234: TLS starts now.".into(),
            format!(
                "Security data exchange complete ({}): the TLS handshake follows, and the rest \
                 of the control connection is encrypted ({}).",
                Rule::SecurityReplies,
                Rule::Tls
            ),
        ),
        _ => (table_headline(code), class),
    };
    Narration::new(headline, body)
}

/// True when no PORT/EPRT/PASV/EPSV came before the current transfer.
fn no_setup(s: &Session) -> bool {
    s.transfer.as_ref().is_some_and(|t| t.setup.is_none())
}

/// The address a PORT/EPRT argument names.
fn announced(verb: &str, arg: &str) -> Option<SocketAddr> {
    if verb == "PORT" {
        parse_port(arg).ok().map(SocketAddr::V4)
    } else {
        parse_eprt(arg).ok()
    }
}

/// Why a server refuses the address of a PORT/EPRT: which rule is whose.
fn refused_dial(verb: &str, s: &Session) -> String {
    let Some(target) = announced(verb, &s.last_arg) else {
        return "Command not implemented for that parameter.".into();
    };
    let client = s.client_control.map(|c| c.ip().to_canonical());
    if target.port() < 1024 {
        format!(
            "Port {} is below 1024, where system services listen. Against the FTP bounce, {} \
             suggests that servers open no data connection to such a port, and answer 504.",
            target.port(),
            Rule::Bounce
        )
    } else if client.is_some_and(|c| c != target.ip().to_canonical()) {
        format!(
            "{} is not where the control connection comes from ({}). Against the FTP bounce, \
             servers such as vsftpd and ProFTPD (and ftpviz's) dial only the control \
             connection's peer: their own rule, which no RFC requires.",
            target.ip(),
            client.map(|c| c.to_string()).unwrap_or_default()
        )
    } else {
        "Command not implemented for that parameter.".into()
    }
}

fn pasv_reply(text: &str) -> Narration {
    match parse_227(text) {
        Ok(addr) => {
            let p = addr.port();
            let (hi, lo) = port_bytes(p);
            let o = addr.ip().octets();
            Narration::new(
                format!("227: the server listens on port {p}."),
                format!(
                    "{hi} × 256 + {lo} = {p}: the last two of the six numbers are the port, the \
                     first four the address {},{},{},{} = {}. The client will dial it (passive \
                     mode, {}).",
                    o[0],
                    o[1],
                    o[2],
                    o[3],
                    addr.ip(),
                    Rule::TransferParameterCommands
                ),
            )
        }
        Err(e) => Narration::new(
            "227 without a usable address.",
            format!(
                "{}: the client cannot know where to dial.",
                super::upper_first(&e.to_string())
            ),
        ),
    }
}

fn epsv_reply(text: &str) -> Narration {
    match parse_229(text) {
        Ok(p) => Narration::new(
            format!("229: the server listens on port {p}."),
            format!(
                "(|||{p}|): only a port, written plainly; the client dials it at the address it \
                 already reaches the server at ({}).",
                Rule::Epsv
            ),
        ),
        Err(e) => Narration::new(
            "229 without a usable port.",
            format!(
                "{}: the client cannot know where to dial.",
                super::upper_first(&e.to_string())
            ),
        ),
    }
}
