//! Commands: what the client asks, and for `PORT`/`EPRT` the address it
//! announces, decoded with the shared codec and shown with its arithmetic.

use super::{clean, Narration, Session};
use crate::ftp::hostport::{parse_eprt, parse_port, port_bytes};
use crate::ftp::Command;

pub(super) fn command(text: &str, s: &Session) -> Narration {
    let text = clean(text);
    let Ok(c) = Command::parse(&text) else {
        return Narration::new(text, "A line the server will not understand as a command.");
    };
    let arg = c.arg.as_str();
    let (headline, body): (String, String) = match c.verb.as_str() {
        "USER" => (
            format!("USER {arg}: the login name."),
            "Commands are plain text lines ending in CRLF (RFC 959 §4.1.1). The server answers \
             each one with a numbered reply."
                .into(),
        ),
        "PASS" => (
            "PASS: the password.".into(),
            "Sent in clear text: FTP has no encryption, anyone on the path can read it.".into(),
        ),
        "PORT" => return port(arg),
        "EPRT" => return eprt(arg),
        "PASV" => (
            "PASV: \"listen, and tell me where\".".into(),
            "Passive mode (RFC 959 §4.1.2): the server opens a fresh port and answers 227 with \
             its address. This time the client will dial."
                .into(),
        ),
        "EPSV" => (
            "EPSV: extended passive (RFC 2428 §3).".into(),
            "The server will answer 229 with a port only; the client dials that port on the \
             address it already reaches the server at. Works for IPv6 and through NAT."
                .into(),
        ),
        "TYPE" => type_command(arg),
        "LIST" | "NLST" | "MLSD" => (
            format!("{}: send me the directory listing.", c.verb),
            format!("Over a data connection, not this one. {}", dial_hint(s)),
        ),
        "RETR" => (
            format!("RETR {arg}: send me this file (download)."),
            format!("Over a data connection. {}", dial_hint(s)),
        ),
        "STOR" | "STOU" | "APPE" => (
            format!("{} {arg}: take this file (upload).", c.verb),
            format!(
                "The client sends the bytes over a data connection. {}",
                dial_hint(s)
            ),
        ),
        "PWD" => (
            "PWD: which directory am I in?".into(),
            "RFC 959 §4.1.3. The answer comes as a 257 reply.".into(),
        ),
        "CWD" => (
            format!("CWD {arg}: change directory."),
            "RFC 959 §4.1.1.".into(),
        ),
        "QUIT" => (
            "QUIT: goodbye.".into(),
            "The server answers 221 and closes the control connection.".into(),
        ),
        verb => (
            text.clone(),
            format!("The {verb} command (see RFC 959 §4.1)."),
        ),
    };
    Narration::new(headline, body)
}

/// What happens next with the data connection, by the mode announced just
/// before the transfer command.
fn dial_hint(s: &Session) -> &'static str {
    match s.last_verb.as_deref() {
        Some("PORT") | Some("EPRT") => {
            "Active mode: the server dials the address from PORT now — after this command, not \
             before."
        }
        Some("PASV") | Some("EPSV") => {
            "Passive mode: the client has already dialled the port the server announced."
        }
        _ => "",
    }
}

fn port(arg: &str) -> Narration {
    match parse_port(arg) {
        Ok(addr) => {
            let p = addr.port();
            let (hi, lo) = port_bytes(p);
            Narration::new(
                "PORT: the client says where to dial it.".to_string(),
                format!(
                    "{hi} × 256 + {lo} = {p}: the client is listening on port {p} and asks the \
                     server to dial it. {} is its address; a port travels as two bytes. The \
                     server dials after the transfer command (RFC 959 §4.1.2).",
                    addr.ip()
                ),
            )
        }
        Err(e) => Narration::new(
            format!("PORT {arg}: not a valid address."),
            format!("{e}. The server should answer 501."),
        ),
    }
}

fn eprt(arg: &str) -> Narration {
    match parse_eprt(arg) {
        Ok(addr) => {
            let family = if addr.is_ipv4() {
                "1 = IPv4"
            } else {
                "2 = IPv6"
            };
            Narration::new(
                "EPRT: the client says where to dial it.".to_string(),
                format!(
                    "Family {family}, address {}, port {p} written plainly (no × 256, and IPv6 \
                     fits): the client is listening on port {p} and asks the server to dial it \
                     (RFC 2428 §2).",
                    addr.ip(),
                    p = addr.port()
                ),
            )
        }
        Err(e) => Narration::new(
            format!("EPRT {arg}: not a valid address."),
            format!("{e}. The server should answer 501."),
        ),
    }
}

fn type_command(arg: &str) -> (String, String) {
    match arg.trim().chars().next().map(|c| c.to_ascii_uppercase()) {
        Some('A') => (
            "TYPE A: ASCII.".into(),
            "Text mode (RFC 959 §3.1.1.1): line ends travel as CRLF, so a Unix text file of N \
             lines is N bytes longer on the wire than on disk."
                .into(),
        ),
        Some('I') => (
            "TYPE I: image (binary).".into(),
            "Bytes travel exactly as stored (RFC 959 §3.1.1.3): the byte count on the wire is \
             the file's size."
                .into(),
        ),
        _ => (
            format!("TYPE {arg}: the representation type."),
            "RFC 959 §3.1.1.".into(),
        ),
    }
}
