//! The lesson: the script the lab client follows, one step per action.
//!
//! A *step* is one command and everything it entails. Stepping through the
//! transfer lesson in active mode shows the whole story in order:
//!
//! ```text
//! connect            the client dials the control port; 220 banner
//! USER / PASS        log in (anonymous)
//! PWD, TYPE I        where am I, send bytes as they are
//! PORT               "dial me here": the client opens a listener
//! LIST               the server dials it (now, not at PORT), sends, closes
//! PORT + RETR        the same for a file
//! PORT + STOR        the same, but the client sends
//! PORT + RETR        fetch back what was stored
//! QUIT
//! ```
//!
//! In passive mode `PASV` (or `EPSV`) replaces `PORT`: the server opens the
//! listener and the *client* dials it, right after the 227/229 reply.
//!
//! In FTPS (`lab --tls`, [`secured`]) the client asks for TLS right after
//! the banner — `AUTH TLS`, `234`, the handshake, `PBSZ 0`, `PROT P` — and
//! the lesson goes on inside TLS, each data connection with a handshake of
//! its own after the `150`.
//!
//! The bounce lesson shows why servers refuse a `PORT` that names someone
//! else (RFC 2577): the client asks the server to dial a third host, and a
//! privileged port, and the server says no — and dials nothing.

use crate::ftp::{Command, Verb};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The name the transfer lesson uploads under, and its content.
pub const UPLOAD_NAME: &str = "upload.txt";
pub const UPLOAD_TEXT: &[u8] =
    b"Uploaded by the ftpviz lab client.\nIt crossed its own data connection, like every file.\n";

/// A file every server of the lesson offers (ours has it built in).
pub const DOWNLOAD_NAME: &str = "hello.txt";

/// Which transfer command a step sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transfer {
    List,
    Retr,
    Stor,
}

/// One action of the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Dial the control connection and read the banner.
    Connect,
    /// `AUTH TLS`, its `234`, then the TLS handshake on the control
    /// connection (the client the TLS client).
    Secure,
    /// `CCC`, its `200`, then TLS closed both ways (a `close_notify` each):
    /// the control connection goes on in clear text.
    Clear,
    /// A plain command and its reply.
    Say(Command),
    /// Plan the next data connection (PORT/EPRT or PASV/EPSV per mode).
    Open,
    /// A transfer command and its data connection.
    Transfer(Transfer, String),
    /// Ask the server to dial `target` (PORT/EPRT), which it must refuse.
    Bounce(SocketAddr),
    /// QUIT, and wait for the server to close.
    Quit,
}

/// The steps of a lesson in explicit FTPS (RFC 4217): right after the
/// banner, `AUTH TLS` and the handshake, `PBSZ 0` and `PROT P` (every data
/// connection inside TLS too), then the lesson as ever, logging in inside
/// TLS.
///
/// With `ccc`, the client sends `CCC` right after logging in (RFC 4217 §5,
/// the exchange of §12.3): the control connection goes back to clear text,
/// so a middlebox's FTP helper can read `PORT` and `227` again, while the
/// password has crossed encrypted and the data connections stay inside TLS
/// (`PROT P` holds).
pub fn secured(steps: Vec<Step>, ccc: bool) -> Vec<Step> {
    let mut out = Vec::with_capacity(steps.len() + 4);
    for step in steps {
        let connect = step == Step::Connect;
        let login = matches!(&step, Step::Say(c) if c.verb == Verb::Pass);
        out.push(step);
        if connect {
            out.push(Step::Secure);
            out.push(Step::Say(Command::new(Verb::Pbsz, "0")));
            out.push(Step::Say(Command::new(Verb::Prot, "P")));
        }
        if login && ccc {
            out.push(Step::Clear);
        }
    }
    out
}

/// The steps of the transfer lesson.
pub fn transfer() -> Vec<Step> {
    let say = |verb, arg: &str| Step::Say(Command::new(verb, arg));
    let file = |t, name: &str| Step::Transfer(t, name.to_string());
    vec![
        Step::Connect,
        say(Verb::User, "anonymous"),
        say(Verb::Pass, "lab@ftpviz"),
        say(Verb::Pwd, ""),
        say(Verb::Type, "I"),
        Step::Open,
        file(Transfer::List, ""),
        Step::Open,
        file(Transfer::Retr, DOWNLOAD_NAME),
        Step::Open,
        file(Transfer::Stor, UPLOAD_NAME),
        Step::Open,
        file(Transfer::Retr, UPLOAD_NAME),
        Step::Quit,
    ]
}

/// The steps of the bounce lesson, for a client at `client_ip`.
pub fn bounce(client_ip: IpAddr) -> Vec<Step> {
    vec![
        Step::Connect,
        Step::Say(Command::new(Verb::User, "anonymous")),
        Step::Say(Command::new(Verb::Pass, "lab@ftpviz")),
        // A third host's web port: the classic bounce.
        Step::Bounce(SocketAddr::new(
            IpAddr::V4(Ipv4Addr::new(127, 0, 0, 9)),
            8080,
        )),
        // Our own address, but a privileged port (SMTP).
        Step::Bounce(SocketAddr::new(client_ip, 25)),
        // Nothing was accepted, so the server has nothing to dial.
        Step::Transfer(Transfer::List, String::new()),
        Step::Quit,
    ]
}
