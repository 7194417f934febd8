//! Commands: what the client asks, and for `PORT`/`EPRT` the address it
//! announces, decoded with the shared codec and shown with its arithmetic.

use super::cite::{self, Defined, Rule};
use super::here::Here;
use super::{clean, fit, Narration};
use crate::account::{Announcement, Claim, Story};
use crate::ftp::hostport::{parse_eprt, parse_port, port_bytes};
use crate::ftp::{Command, Verb};
use std::net::SocketAddr;

/// The widest argument quoted in a body.
const ARG_COLUMNS: usize = 60;

pub(super) fn command(text: &str, h: &Here) -> Narration {
    let text = clean(text);
    let mut n = match Command::parse(&text) {
        Ok(c) => known(&c, h),
        Err(_) => not_a_command(h),
    };
    if h.commands == 0 {
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

/// A line with no verb: what the server made of it, when the trace says.
fn not_a_command(h: &Here) -> Narration {
    let answered = h
        .story
        .and_then(|s| s.exchange_at(h.at))
        .and_then(|x| x.fin());
    match answered {
        Some((_, code)) => Narration::new(
            "A line that is not a command.",
            format!("No verb of letters starts it; the server answered {code}."),
        )
        .claiming([Claim::Answered {
            command: h.at,
            code,
        }]),
        None if h.ctx.ours.server => Narration::new(
            "A line that is not a command.",
            "No verb of letters starts it: our server answers such a line with 500.",
        ),
        None => Narration::new(
            "A line that is not a command.",
            "No verb of letters starts it; the reply says what the server made of it.",
        ),
    }
}

fn known(c: &Command, h: &Here) -> Narration {
    let arg = fit(c.arg.trim(), ARG_COLUMNS);
    let verb = &c.verb;
    let Some(v) = cite::of(verb) else {
        return Narration::new(
            format!("{verb}: not a command ftpviz knows."),
            "The reply says whether the server knows it.",
        );
    };
    if let Some(n) = a_lesson_of_its_own(c, &arg, h) {
        return n;
    }
    let headline = if v.asks.ends_with('?') {
        format!("{verb}: {}", v.asks)
    } else {
        format!("{verb}: {}.", v.asks)
    };
    let body = transfer_body(verb, &arg, h)
        .or_else(|| control_body(verb, &arg))
        .unwrap_or_else(|| defined_in(v));
    let claims = if verb.transfer().is_some() {
        dial_words(h).1
    } else {
        Vec::new()
    };
    Narration::new(headline, body).claiming(claims)
}

/// The commands whose narration is more than a headline from the table
/// and a body: `PORT`, `EPRT`, `EPSV ALL`, `TYPE`, `AUTH`, `CCC`, a `PASS`
/// inside TLS.
/// What a line inside TLS was on the wire, as exactly as its note tells:
/// its records' types and lengths when its sender listed them.
fn on_the_wire(note: Option<&str>) -> String {
    let Some(sealed) = note.and_then(crate::tls::Sealed::read) else {
        return "a TLS record of some length".to_string();
    };
    let records: Vec<String> = (sealed.records.0.iter())
        .map(|r| format!("{} of {} bytes", r.kind.name(), r.length))
        .collect();
    let n = records.len();
    let what = if n == 1 {
        "one TLS record"
    } else {
        "TLS records"
    };
    format!(
        "{what}, {} — its type and length are all it shows",
        records.join(", ")
    )
}

fn a_lesson_of_its_own(c: &Command, arg: &str, h: &Here) -> Option<Narration> {
    Some(match c.verb {
        Verb::Port => port(&c.arg, h),
        Verb::Eprt => eprt(&c.arg, h),
        Verb::Epsv if c.arg.trim().eq_ignore_ascii_case("ALL") => Narration::new(
            "EPSV ALL: only EPSV from now on.",
            format!(
                "The server must now refuse PORT, EPRT and PASV ({}), so a NAT has no address \
                 to translate in this session ({}).",
                Rule::Epsv,
                Rule::EpsvThroughNat
            ),
        ),
        Verb::Type => type_command(&c.arg),
        Verb::Pass if crate::tls::noted_inside(h.event.note.as_deref()) => Narration::new(
            "PASS: the password, inside TLS.",
            format!(
                "On the wire it is {}: a middlebox on the path cannot read it ({}). {}",
                on_the_wire(h.event.note.as_deref()),
                Rule::Tls,
                if h.ctx.ours.client {
                    "The lab holds the keys: the password shown here is decrypted by the lab."
                } else if crate::trace::noted_decrypted(h.event.note.as_deref()) {
                    "The capture carries the TLS keys: replay decrypted the password with them, \
                     as Wireshark does with the same keys."
                } else {
                    "The server that recorded this trace holds the keys: it read the password \
                     inside TLS, and the trace shows what it read."
                }
            ),
        ),
        Verb::Ccc => Narration::new(
            "CCC: back to clear text.",
            format!(
                "If the server agrees (200), both ends close TLS on the control connection (a \
                 close_notify each way) and go on in clear text on the same TCP connection \
                 ({}): a firewall's or a NAT's FTP helper can read PORT and 227 again. What \
                 crossed before it — the password — stayed encrypted; the data connections stay \
                 as PROT said.",
                Rule::Ccc
            ),
        ),
        Verb::Auth => Narration::new(
            format!("AUTH {}: switch to TLS (FTPS).", fit(arg, 7)),
            format!(
                "If the server agrees (234), the control connection turns into TLS ({}; AUTH \
                 is {}).",
                Rule::Tls,
                Rule::SecurityCommands
            ),
        ),
        _ => return None,
    })
}

/// The body for a transfer command: what moves, then who dials for it.
fn transfer_body(verb: &Verb, arg: &str, h: &Here) -> Option<String> {
    let what = match verb {
        Verb::List => format!(
            "The server lists {}, with details for people; the listing travels over a data \
             connection, not this one ({}).",
            listed(arg),
            Rule::ServiceCommands
        ),
        Verb::Nlst => format!(
            "The server sends the names in {}, one a line, for programs (LIST gives details \
             for people); they travel over a data connection ({}).",
            listed(arg),
            Rule::ServiceCommands
        ),
        Verb::Mlsd => format!(
            "The server lists {} in a format fixed for programs, facts then a name on each \
             line; it travels over a data connection ({}).",
            listed(arg),
            Rule::Mlsx
        ),
        Verb::Retr => format!(
            "The file is \"{arg}\"; its bytes travel over a data connection ({}).",
            Rule::ServiceCommands
        ),
        Verb::Stor | Verb::Stou | Verb::Appe => format!(
            "The client sends the bytes{} over a data connection ({}).",
            if arg.is_empty() {
                String::new()
            } else {
                format!(" of \"{arg}\"")
            },
            Rule::ServiceCommands
        ),
        _ => return None,
    };
    Some(what + &dial_hint(h))
}

/// The body for a command that stays on the control connection, where the
/// narration has more to say than where it is defined.
fn control_body(verb: &Verb, arg: &str) -> Option<String> {
    Some(match verb {
        Verb::User => format!(
            "Login commands are in {}; the name here is \"{arg}\".",
            Rule::AccessControlCommands
        ),
        Verb::Pass => format!(
            "Anyone on the path can read it: plain FTP has no encryption (FTPS adds TLS: AUTH \
             TLS, {}).",
            Rule::Tls
        ),
        Verb::Pasv => format!(
            "Passive mode ({}): the server listens on a fresh data port and answers 227 with \
             its address, and the client dials it.",
            Rule::TransferParameterCommands
        ),
        Verb::Epsv => format!(
            "Extended passive ({}): the server is to answer 229 with a port only. No address \
             in the reply: IPv6 fits, and a server behind NAT cannot announce a private one.",
            Rule::Epsv
        ),
        Verb::Pwd | Verb::Xpwd => format!(
            "The name comes back in the reply ({}).",
            Rule::ServiceCommands
        ),
        Verb::Quit => format!(
            "Once no transfer is in progress, the server closes the control connection ({}).",
            Rule::AccessControlCommands
        ),
        _ => return None,
    })
}

/// Where the table says a command is defined.
fn defined_in(v: &cite::Command) -> String {
    match v.defined {
        Defined::In(rule) => format!("Defined in {rule}."),
        Defined::DeFacto => format!("A de facto extension: no RFC defines {}.", v.verb),
        Defined::OldSpelling(now) => match cite::command(now).map(|v| v.defined) {
            Some(Defined::In(rule)) => format!("An older spelling of {now}, which {rule} defines."),
            _ => format!("An older spelling of {now}."),
        },
    }
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

/// Who dials the data connection for this transfer command, and when, as
/// the account tells it (with a leading space); or that no setup came.
fn dial_hint(h: &Here) -> String {
    let (words, _) = dial_words(h);
    words
}

/// The words of [`dial_hint`] and the claims they make.
fn dial_words(h: &Here) -> (String, Vec<Claim>) {
    let story = h.story;
    let t = story.and_then(|s| s.transfer_at(h.at));
    let Some(ann) = t
        .and_then(|t| t.announcement)
        .and_then(|a| story.and_then(|s| s.announcements.get(a)))
    else {
        return (
            format!(
                " No PORT/EPRT or PASV/EPSV was accepted for it; without one there are default \
                 data ports ({}).",
                Rule::DefaultDataPorts
            ),
            Vec::new(),
        );
    };
    let dial = ann.conn.and_then(|c| story.and_then(|s| s.data_conn(c)));
    let named = ann.name();
    let claim_before = Claim::DialBefore {
        announcement: ann.at,
        event: h.at,
    };
    let claim_after = Claim::DialAfter {
        announcement: ann.at,
        event: h.at,
    };
    match (ann.setup.is_active(), dial) {
        (true, Some(d)) if d.dial < h.at => (
            format!(
                " Active mode, but the server dialled the address from {named} already (data \
                 #{}), before this command; the RFC has it dial once a transfer command comes \
                 ({}).",
                d.conn,
                Rule::DialAfterTransferCommand
            ),
            vec![claim_before],
        ),
        (true, Some(d)) => (
            format!(
                " Active mode: the server dials the address from {named} after this command \
                 (data #{}), as the RFC has it ({}).",
                d.conn,
                Rule::DialAfterTransferCommand
            ),
            vec![claim_after],
        ),
        (false, Some(d)) if d.dial < h.at => (
            format!(
                " Passive mode: the client already dialled the port from {named} (data #{}).",
                d.conn
            ),
            vec![claim_before],
        ),
        (false, Some(d)) => (
            format!(
                " Passive mode: the client dials the port from {named} after sending it (data \
                 #{}).",
                d.conn
            ),
            vec![claim_after],
        ),
        (active, None) => (undialled(h, ann, active), Vec::new()),
    }
}

/// Nothing dialled yet for this transfer's announcement: what the trace
/// shows of why, or what our own peer does next, or the RFC's rule.
fn undialled(h: &Here, ann: &Announcement, active: bool) -> String {
    let named = ann.name();
    if h.account().finished {
        return match h.account().answer(ann.at) {
            Some(a) => format!(" {}", a.words),
            None => String::new(),
        };
    }
    match (active, h.ctx.ours) {
        (true, o) if o.server => format!(
            " Active mode: our server dials the address from {named} after this command, when \
             it can serve it ({}).",
            Rule::DialAfterTransferCommand
        ),
        (false, o) if o.client => {
            format!(" Passive mode: our client dials the port from {named} now.")
        }
        (true, _) => format!(
            " Active mode: the RFC has the server dial the address from {named} once a \
             transfer command comes ({}).",
            Rule::DialAfterTransferCommand
        ),
        (false, _) => format!(" Passive mode: the client is to dial the port from {named}."),
    }
}

/// When the server dialled for the PORT/EPRT at `h`, as the account tells
/// it (with a leading space), with its claims.
fn when_dialled(h: &Here) -> (String, Vec<Claim>) {
    let Some((story, a)) = h.account().announcement_at(h.at) else {
        return (String::new(), Vec::new());
    };
    let ann = &story.announcements[a];
    let rule = Rule::DialAfterTransferCommand;
    let first = ann.transfers.first().map(|&t| &story.transfers[t]);
    match (ann.conn.and_then(|c| story.data_conn(c)), first) {
        (Some(d), Some(t)) if d.dial > t.at => (
            format!(
                " The server dialled it after `{}` (data #{}), as the RFC has it ({rule}).",
                clean(&t.text),
                d.conn
            ),
            vec![Claim::DialAfter {
                announcement: h.at,
                event: t.at,
            }],
        ),
        (Some(d), t) => (
            format!(
                " This server dialled it at once (data #{}), before any transfer command; the RFC \
                 has the dial come after one ({rule}).",
                d.conn
            ),
            t.map(|t| Claim::DialBefore {
                announcement: h.at,
                event: t.at,
            })
            .into_iter()
            .collect(),
        ),
        (None, _) if h.account().finished => match h.account().answer(h.at) {
            Some(a) => (format!(" {}", a.words), Vec::new()),
            None => (String::new(), Vec::new()),
        },
        (None, _) if h.ctx.ours.server => (
            format!(" Our server dials it once a transfer command comes ({rule})."),
            vec![Claim::DialAfterTransfer { announcement: h.at }],
        ),
        (None, _) => (
            format!(" The RFC has the server dial once a transfer command comes ({rule})."),
            Vec::new(),
        ),
    }
}

/// Whose address a PORT/EPRT names: the client's own (its control
/// connection comes from there), or another host's.
fn whose(h: &Here, addr: SocketAddr) -> (String, Vec<Claim>) {
    let p = addr.port();
    let client = h
        .story
        .and_then(|s: &Story| s.control)
        .map(|c| c.client.ip());
    match client {
        Some(c) if c.to_canonical() == addr.ip().to_canonical() => (
            format!("the client listens on port {p} of its own address {} and asks the server to dial it", addr.ip()),
            vec![Claim::ClientAddress {
                session: h.event.session,
                ip: addr.ip(),
                is: true,
            }],
        ),
        Some(c) => (
            format!(
                "it asks the server to dial port {p} of {}, which is not the address the \
                 client's control connection comes from ({c})",
                addr.ip()
            ),
            vec![Claim::ClientAddress {
                session: h.event.session,
                ip: addr.ip(),
                is: false,
            }],
        ),
        None => (
            format!("it asks the server to dial port {p} of {}", addr.ip()),
            Vec::new(),
        ),
    }
}

fn port(arg: &str, h: &Here) -> Narration {
    match parse_port(arg) {
        Ok(addr) => {
            let p = addr.port();
            let (hi, lo) = port_bytes(p);
            let (who, mut claims) = whose(h, SocketAddr::V4(addr));
            let (when, more) = when_dialled(h);
            claims.extend(more);
            Narration::new(
                "PORT: the client asks to be dialled.",
                format!(
                    "{hi} × 256 + {lo} = {p}: {who}. Four numbers for the address, two for the \
                     port's bytes ({}).{when}",
                    Rule::TransferParameterCommands,
                ),
            )
            .claiming(claims)
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

fn eprt(arg: &str, h: &Here) -> Narration {
    match parse_eprt(arg) {
        Ok(addr) => {
            let family = if addr.is_ipv4() {
                "1 = IPv4"
            } else {
                "2 = IPv6"
            };
            let (who, mut claims) = whose(h, addr);
            let (when, more) = when_dialled(h);
            claims.extend(more);
            Narration::new(
                "EPRT: the client asks to be dialled.",
                format!(
                    "Family {family}, address {}, port {p} written plainly (no × 256, and IPv6 \
                     fits): {who} ({}).{when}",
                    addr.ip(),
                    Rule::Eprt,
                    p = addr.port()
                ),
            )
            .claiming(claims)
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
        for v in crate::ftp::verb::Transfer::ALL {
            assert!(cite::command(v.as_str()).is_some(), "{v:?}");
        }
    }
}
