//! Commands: what the client asks, and for `PORT`/`EPRT` the address it
//! announces, decoded with the shared codec and shown with its arithmetic.

use super::cite::{self, Defined, Rule};
use super::session::Session;
use super::{clean, fit, Narration};
use crate::ftp::hostport::{parse_eprt, parse_port, port_bytes};
use crate::ftp::Command;

/// The widest argument quoted in a body.
const ARG_COLUMNS: usize = 60;

pub(super) fn command(text: &str, s: &Session) -> Narration {
    let text = clean(text);
    let mut n = match Command::parse(&text) {
        Ok(c) => known(&c, s),
        Err(_) => Narration::new(
            "A line that is not a command.",
            "No verb of letters starts it: the server will answer 500.",
        ),
    };
    if s.commands == 0 {
        // The first command of the session is the moment for the grammar.
        let syntax = format!(
            "Each command is one line: a verb of four letters or fewer, maybe an argument, then \
             CRLF ({}); the server answers each with a numbered reply.",
            Rule::CommandSyntax
        );
        n.body = if n.body.is_empty() {
            syntax
        } else {
            format!("{syntax} {}", n.body)
        };
    }
    n.wire = Some(text);
    n
}

fn known(c: &Command, s: &Session) -> Narration {
    let arg = fit(c.arg.trim(), ARG_COLUMNS);
    let verb = c.verb.as_str();
    let Some(v) = cite::command(verb) else {
        return Narration::new(
            format!("{verb}: not a command ftpviz knows."),
            "The reply says whether the server knows it.",
        );
    };
    let headline = if v.asks.ends_with('?') {
        format!("{verb}: {}", v.asks)
    } else {
        format!("{verb}: {}.", v.asks)
    };
    let body = match verb {
        "USER" => format!(
            "Login commands are in {}; the name here is \"{arg}\".",
            Rule::AccessControlCommands
        ),
        "PASS" => format!(
            "Anyone on the path can read it: plain FTP has no encryption (FTPS adds TLS: AUTH \
             TLS, {}).",
            Rule::Tls
        ),
        "PORT" => return port(&c.arg),
        "EPRT" => return eprt(&c.arg),
        "PASV" => format!(
            "Passive mode ({}): the server listens on a fresh data port and answers 227 with \
             its address, and the client dials it.",
            Rule::TransferParameterCommands
        ),
        "EPSV" if c.arg.trim().eq_ignore_ascii_case("ALL") => {
            return Narration::new(
                "EPSV ALL: only EPSV from now on.",
                format!(
                    "The server must now refuse PORT, EPRT and PASV ({}), so a NAT has no \
                     address to translate in this session ({}).",
                    Rule::Epsv,
                    Rule::EpsvThroughNat
                ),
            )
        }
        "EPSV" => format!(
            "Extended passive ({}): the server will answer 229 with a port only. No address \
             in the reply: IPv6 fits, and a server behind NAT cannot announce a private one.",
            Rule::Epsv
        ),
        "TYPE" => return type_command(&c.arg),
        "LIST" => {
            format!(
                "The server lists {}, with details for people; the listing travels over a data \
             connection, not this one ({}).",
                listed(&arg),
                Rule::ServiceCommands
            ) + &dial_hint(s)
        }
        "NLST" => {
            format!(
                "The server sends the names in {}, one a line, for programs (LIST gives details \
             for people); they travel over a data connection ({}).",
                listed(&arg),
                Rule::ServiceCommands
            ) + &dial_hint(s)
        }
        "MLSD" => {
            format!(
                "The server lists {} in a format fixed for programs, facts then a name on each \
             line; it travels over a data connection ({}).",
                listed(&arg),
                Rule::Mlsx
            ) + &dial_hint(s)
        }
        "PWD" | "XPWD" => format!(
            "The name comes back in the reply ({}).",
            Rule::ServiceCommands
        ),
        "RETR" => {
            format!(
                "The file is \"{arg}\"; its bytes travel over a data connection ({}).",
                Rule::ServiceCommands
            ) + &dial_hint(s)
        }
        "STOR" | "STOU" | "APPE" => {
            format!(
                "The client sends the bytes{} over a data connection ({}).",
                if arg.is_empty() {
                    String::new()
                } else {
                    format!(" of \"{arg}\"")
                },
                Rule::ServiceCommands
            ) + &dial_hint(s)
        }
        "QUIT" => format!(
            "Once no transfer is in progress, the server closes the control connection ({}).",
            Rule::AccessControlCommands
        ),
        "AUTH" => {
            return Narration::new(
                format!("AUTH {}: switch to TLS (FTPS).", fit(&arg, 7)),
                format!(
                    "If the server agrees (234), the control connection turns into TLS ({}; \
                     AUTH is {}).",
                    Rule::Tls,
                    Rule::SecurityCommands
                ),
            )
        }
        _ => match v.defined {
            Defined::In(rule) => format!("Defined in {rule}."),
            Defined::DeFacto => {
                format!("A de facto extension: no RFC defines {verb}.")
            }
            Defined::OldSpelling(now) => match cite::command(now).map(|v| v.defined) {
                Some(Defined::In(rule)) => {
                    format!("An older spelling of {now}, which {rule} defines.")
                }
                _ => format!("An older spelling of {now}."),
            },
        },
    };
    Narration::new(headline, body)
}

/// What a listing command lists: "the current directory" or `"docs"`
/// (options such as `-la` left out).
fn listed(arg: &str) -> String {
    let path = arg
        .split(' ')
        .filter(|w| !w.is_empty() && !w.starts_with('-'))
        .collect::<Vec<_>>()
        .join(" ");
    if path.is_empty() {
        "the current directory".to_string()
    } else {
        format!("\"{path}\"")
    }
}

/// Who dials the data connection for this transfer command, by the setup
/// that came before it (with a leading space), or that none did.
fn dial_hint(s: &Session) -> String {
    let Some(setup) = &s.pending else {
        return format!(
            " No PORT/EPRT or PASV/EPSV was accepted for it; without one there are default \
             data ports ({}).",
            Rule::DefaultDataPorts
        );
    };
    match setup.verb.as_str() {
        v @ ("PORT" | "EPRT") => format!(
            " Active mode: now the server dials the address from {v} — after this command, not \
             before ({}).",
            Rule::DialAfterTransferCommand
        ),
        v => {
            let reply = if v == "EPSV" { "229" } else { "227" };
            if setup.dialled {
                format!(" Passive mode: the client already dialled the port from {reply}.")
            } else {
                format!(" Passive mode: the client is to dial the port from {reply}.")
            }
        }
    }
}

fn port(arg: &str) -> Narration {
    match parse_port(arg) {
        Ok(addr) => {
            let p = addr.port();
            let (hi, lo) = port_bytes(p);
            Narration::new(
                "PORT: the client asks to be dialled.",
                format!(
                    "{hi} × 256 + {lo} = {p}: the client listens on port {p} of {} and asks the \
                     server to dial it. Four numbers for the address, two for the port's bytes \
                     ({}); the dial comes after the transfer command ({}).",
                    addr.ip(),
                    Rule::TransferParameterCommands,
                    Rule::DialAfterTransferCommand
                ),
            )
        }
        Err(e) => Narration::new(
            "PORT: not a valid address.",
            format!(
                "{}. The server should answer 501.",
                super::upper_first(&e.to_string())
            ),
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
                "EPRT: the client asks to be dialled.",
                format!(
                    "Family {family}, address {}, port {p} written plainly (no × 256, and IPv6 \
                     fits): the client listens on port {p} and asks the server to dial it ({}); \
                     the dial comes after the transfer command ({}).",
                    addr.ip(),
                    Rule::Eprt,
                    Rule::DialAfterTransferCommand,
                    p = addr.port()
                ),
            )
        }
        Err(e) => Narration::new(
            "EPRT: not a valid address.",
            format!(
                "{}. The server should answer 501 (or 522 for an unknown family).",
                super::upper_first(&e.to_string())
            ),
        ),
    }
}

fn type_command(arg: &str) -> Narration {
    match arg.trim().chars().next().map(|c| c.to_ascii_uppercase()) {
        Some('A') => Narration::new(
            "TYPE A: text, line ends as CRLF.",
            format!(
                "ASCII type ({}): the sender turns its line ends into CRLF on the wire, so a \
                 Unix text file with N line ends travels N bytes longer than on disk.",
                Rule::AsciiType
            ),
        ),
        Some('I') => Narration::new(
            "TYPE I: the bytes as they are.",
            format!(
                "Image type ({}): a file's bytes travel exactly as stored, so the count on the \
                 wire is the file's size.",
                Rule::ImageType
            ),
        ),
        _ => Narration::new(
            "TYPE: the representation type.",
            format!(
                "TYPE {} ({}).",
                fit(arg.trim(), 12),
                Rule::TransferParameterCommands
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_transfer_verb_has_words() {
        for v in ["LIST", "NLST", "MLSD", "RETR", "STOR", "STOU", "APPE"] {
            assert!(super::super::session::is_transfer(v));
            assert!(cite::command(v).is_some(), "{v}");
        }
    }
}
