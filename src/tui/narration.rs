//! Narration: the current event in plain words, with its arithmetic.
//!
//! The sequence diagram shows *what* crossed the wire; the narration says
//! *why it matters*. Its rules are the ones a teacher says aloud:
//!
//! - the address inside `PORT` and `227` is six numbers, and the port is the
//!   last two as bytes: `195 × 256 + 80 = 50000` (decoded with
//!   [`crate::ftp::hostport`], never a second parser);
//! - in active mode the server dials *from* its control port − 1 (RFC 959
//!   §3.2: port 20 for 21), and only after the transfer command;
//! - the first digit of a reply code says how things went: 1 "wait, more
//!   is coming", 2 done, 3 send more, 4 try again, 5 no (RFC 959 §4.2);
//! - `TYPE A` rewrites line ends on the wire, `TYPE I` sends the bytes as
//!   they are.
//!
//! Everything here is a pure function of the events shown so far.

use crate::ftp::hostport::{parse_227, parse_229, parse_eprt, parse_port, port_bytes};
use crate::ftp::Command;
use crate::trace::{Blocker, Event, FailReason, Kind, Side, Via};
use std::net::SocketAddr;

/// What to say about one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Narration {
    /// One line: what happened.
    pub headline: String,
    /// A few sentences: why, with the arithmetic and where to read more.
    pub body: String,
}

impl Narration {
    fn new(headline: impl Into<String>, body: impl Into<String>) -> Narration {
        Narration {
            headline: headline.into(),
            body: body.into(),
        }
    }
}

/// What to say when nothing has happened yet.
pub fn start(live: bool) -> Narration {
    let body = if live {
        "Press → and the lab client takes its first action for real; space plays the whole lesson."
    } else {
        "Press → to step through the trace one event at a time; space plays it."
    };
    Narration::new("Nothing has happened yet.", body)
}

/// Narrates the last of `shown` (the current event), using the earlier ones
/// for context.
pub fn narrate(shown: &[Event]) -> Narration {
    let Some((current, before)) = shown.split_last() else {
        return start(false);
    };
    let session = Session::of(current.session, before);
    let mut n = match &current.kind {
        Kind::Connect { src, dst, via } => connect(current, *src, *dst, *via, &session),
        Kind::Accept => accept(current),
        Kind::Fail { reason, by } => fail(current, *reason, *by),
        Kind::Command { text, .. } => command(text, &session),
        Kind::Reply { code, text } => reply(*code, text, &session),
        Kind::Data { bytes } => data(current, *bytes, &session),
        Kind::Close => close(current),
    };
    if let Some(note) = &current.note {
        n.body.push_str(&format!(" Note: {}.", clean(note)));
    }
    n
}

/// Wire text made safe to show: control characters become `·`.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '·' } else { c })
        .collect()
}

/// What the earlier events of the same session tell about the current one.
#[derive(Default)]
struct Session {
    /// The server's control address (the first dial's destination).
    server_control: Option<SocketAddr>,
    /// The last command sent, upper-case verb.
    last_verb: Option<String>,
    /// The last transfer type asked for (`A`, `I`, …).
    type_code: Option<char>,
    /// The last transfer command (LIST, RETR, STOR…).
    transfer: Option<String>,
}

impl Session {
    fn of(session: u32, before: &[Event]) -> Session {
        let mut s = Session::default();
        // Walk back to this session's first event; stop at the control dial.
        for e in before.iter().rev().filter(|e| e.session == session) {
            match &e.kind {
                Kind::Connect { dst, .. } if e.conn == 0 => {
                    s.server_control = Some(*dst);
                    break;
                }
                Kind::Command { text, verb } => {
                    if s.last_verb.is_none() {
                        s.last_verb = Some(verb.clone());
                    }
                    if s.type_code.is_none() && verb == "TYPE" {
                        s.type_code = text.split(' ').nth(1).and_then(|a| a.chars().next());
                    }
                    if s.transfer.is_none() && is_transfer(verb) {
                        s.transfer = Some(clean(text));
                    }
                }
                _ => {}
            }
        }
        s
    }
}

fn is_transfer(verb: &str) -> bool {
    matches!(
        verb,
        "LIST" | "NLST" | "MLSD" | "RETR" | "STOR" | "STOU" | "APPE"
    )
}

fn connect(
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

fn accept(e: &Event) -> Narration {
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

fn fail(e: &Event, reason: FailReason, by: Option<Blocker>) -> Narration {
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

fn command(text: &str, s: &Session) -> Narration {
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

fn reply(code: u16, text: &str, s: &Session) -> Narration {
    let text = clean(text);
    let first = text.lines().next().unwrap_or_default().to_string();
    let body: String = match code {
        220 => "The server's greeting: service ready. Now the client logs in.".into(),
        331 => "User name okay, need a password (3xx = send more).".into(),
        230 => "Logged in (2xx = done).".into(),
        257 => "The current directory, in quotes.".into(),
        200 => match s.last_verb.as_deref() {
            Some("PORT") | Some("EPRT") => {
                "The server noted the address. It will dial it when a transfer starts.".into()
            }
            Some("TYPE") => "The transfer type is set.".into(),
            _ => "Command okay.".into(),
        },
        227 => return pasv_reply(&text),
        229 => return epsv_reply(&text),
        150 => "File status okay, opening the data connection. 1xx is preliminary: a second \
                reply (226) comes when the transfer ends (RFC 959 §4.2)."
            .into(),
        125 => "The data connection is already open; the transfer starts.".into(),
        226 => "Transfer complete, data connection closed (2xx = done).".into(),
        425 => "Can't open data connection: the dial failed. The control connection is fine; \
                only the data channel broke. This is what a firewall or NAT in the way looks \
                like from the client."
            .into(),
        426 => "The data connection broke during the transfer.".into(),
        221 => "Goodbye: the server closes the control connection.".into(),
        530 => "Not logged in: wrong user or password.".into(),
        550 => "Refused: no such file, or no permission.".into(),
        552 => "Storage allocation exceeded: the upload is too big.".into(),
        _ => match code / 100 {
            1 => "1xx: preliminary, another reply follows.".into(),
            2 => "2xx: done.".into(),
            3 => "3xx: okay so far, send more.".into(),
            4 => "4xx: failed, try again later.".into(),
            _ => "5xx: failed, don't try again like that.".into(),
        },
    };
    Narration::new(format!("{code}: {}", strip_code(&first, code)), body)
}

fn strip_code(line: &str, code: u16) -> String {
    let prefix = code.to_string();
    line.strip_prefix(&prefix)
        .map(|r| r.trim_start_matches([' ', '-']).to_string())
        .unwrap_or_else(|| line.to_string())
}

fn pasv_reply(text: &str) -> Narration {
    match parse_227(text) {
        Ok(addr) => {
            let p = addr.port();
            let (hi, lo) = port_bytes(p);
            let o = addr.ip().octets();
            Narration::new(
                "227: the server says where to dial it.".to_string(),
                format!(
                    "{hi} × 256 + {lo} = {p}: the server is listening on port {p} of {} \
                     ({},{},{},{}) and the client will dial it (passive mode, RFC 959 §4.1.2).",
                    addr.ip(),
                    o[0],
                    o[1],
                    o[2],
                    o[3],
                ),
            )
        }
        Err(e) => Narration::new(
            "227 without a usable address.",
            format!("{e}: the client cannot know where to dial."),
        ),
    }
}

fn epsv_reply(text: &str) -> Narration {
    match parse_229(text) {
        Ok(p) => Narration::new(
            "229: the server says where to dial it.".to_string(),
            format!(
                "(|||{p}|): only a port, written plainly; the address is the one the client \
                 already reaches the server at (RFC 2428 §3). The client will dial port {p}."
            ),
        ),
        Err(e) => Narration::new(
            "229 without a usable port.",
            format!("{e}: the client cannot know where to dial."),
        ),
    }
}

fn data(e: &Event, bytes: u64, s: &Session) -> Narration {
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
            "{what}, {} → {}.{ty}",
            side_name(e.from),
            side_name(e.from.peer())
        ),
    )
}

fn close(e: &Event) -> Narration {
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
