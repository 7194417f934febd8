//! Replies: what the code means (its first digit says how things went,
//! RFC 959 §4.2), and for `227`/`229` the address the server announces.

use super::{clean, Narration, Session};
use crate::ftp::hostport::{parse_227, parse_229, port_bytes};

pub(super) fn reply(code: u16, text: &str, s: &Session) -> Narration {
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
