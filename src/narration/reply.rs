//! Replies: what the code means (its first digit says how things went,
//! RFC 959 §4.2), and for `227`/`229` the address the server announces.
//! The headline speaks about the reply; its own words, line by line, are in
//! [`Narration::wire`].

use super::cite::{self, Rule};
use super::here::Here;
use super::{clean, clean_lines, Narration};
use crate::account::{Claim, End, Transfer};
use crate::ftp::hostport::{parse_227, parse_229, parse_eprt, parse_port, port_bytes};
use crate::ftp::Verb;
use std::net::SocketAddr;

pub(super) fn reply(code: u16, text: &str, h: &Here) -> Narration {
    let wire = clean_lines(text);
    let mut n = match code {
        227 => pasv_reply(&wire, h),
        229 => epsv_reply(&wire, h),
        150 => preliminary(&wire, h),
        200 if h.last_verb.as_ref().is_some_and(Verb::is_active_setup) => port_okay(h),
        226 => transfer_over(h),
        504 if h.last_verb.as_ref().is_some_and(Verb::is_active_setup) => refused_dial(h),
        234 if h.last_verb == Some(Verb::Auth) => tls_begins(h),
        221 => goodbye(h),
        _ => meaning(code, &wire, h),
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

fn meaning(code: u16, text: &str, h: &Here) -> Narration {
    let (headline, body) = to_the_command(code, text, h)
        .or_else(|| by_code(code))
        .unwrap_or_else(|| (table_headline(code), digit(code)));
    Narration::new(headline, body)
}

/// A headline and body for a reply that means something of its own to the
/// command it answers (`213` to `SIZE`, `503` to `PASS`…).
fn to_the_command(code: u16, text: &str, h: &Here) -> Option<(String, String)> {
    let class = digit(code);
    Some(match (code, h.last_verb.as_ref()?) {
        (200, Verb::Type) => ("200: the transfer type is set.".into(), class),
        (200, Verb::Epsv) => ("200: only EPSV from now on.".into(), class),
        (213, Verb::Size) => {
            // The number is on the reply's (last) line; a multi-line 213
            // keeps its other lines out of the headline.
            let last = text.lines().last().unwrap_or_default();
            let size = last.get(4..).map(str::trim).unwrap_or_default();
            (
                format!("213: {} bytes.", super::fit(size, 24)),
                format!(
                    "SIZE's answer: the exact number of bytes that would cross the data \
                     connection in the current TYPE ({}).",
                    Rule::Size
                ),
            )
        }
        (213, Verb::Mdtm) => (
            "213: the file's modification time.".into(),
            format!(
                "MDTM's answer ({}): YYYYMMDDHHMMSS, a time in UTC ({}).",
                Rule::Mdtm,
                Rule::Times
            ),
        ),
        (211, Verb::Feat) => (
            "211: the server's extensions.".into(),
            format!(
                "FEAT's answer ({}): the extensions this server supports, one a line.",
                Rule::Feat
            ),
        ),
        (215, Verb::Syst) => (
            "215: the system type.".into(),
            format!(
                "SYST's answer: its first word names the operating system ({}).",
                Rule::ServiceCommands
            ),
        ),
        (250, Verb::Cwd | Verb::Cdup | Verb::Xcwd | Verb::Xcup) => {
            ("250: directory changed.".into(), class)
        }
        (257, Verb::Mkd | Verb::Xmkd) => (
            "257: directory created.".into(),
            "Its path is the text in quotes.".into(),
        ),
        (350, Verb::Rest) => (
            "350: restart offset noted.".into(),
            format!(
                "The server saved the offset: the transfer that immediately follows is to skip \
                 that many bytes, and RETR or STOR should be the next command ({}).",
                Rule::Rest
            ),
        ),
        (503, v) if v.transfer().is_some() && no_setup(h) => (
            "503: no PORT or PASV was accepted.".into(),
            format!(
                "Bad sequence of commands. For this case there are default data ports ({}): the \
                 server would dial from its port L−1 to the client's control port \
                 U. But this server wants PORT/EPRT or PASV/EPSV first.",
                Rule::DefaultDataPorts
            ),
        ),
        (503, Verb::Port | Verb::Eprt | Verb::Pasv) if h.epsv_all => (
            "503: only EPSV after EPSV ALL.".into(),
            format!(
                "After EPSV ALL the server must refuse every other data setup ({}).",
                Rule::Epsv
            ),
        ),
        (503, Verb::Pass) => (
            "503: USER must come first.".into(),
            format!(
                "PASS must come right after USER ({}).",
                Rule::AccessControlCommands
            ),
        ),
        (530, Verb::Pass) => (
            table_headline(530),
            format!("After PASS this means the login failed. {class}"),
        ),
        _ => return None,
    })
}

/// `221`: the server closes the control connection; what the trace shows
/// of that close, as the account tells.
fn goodbye(h: &Here) -> Narration {
    let end = h.story.and_then(|s| s.control_end);
    let then = match end {
        Some(c) if c > h.at => {
            "The close that follows shows which side really sends the first FIN."
        }
        Some(_) => {
            "The control connection had begun to close before it: its first FIN or RST \
                    is earlier in the trace."
        }
        None if h.account().finished => "The trace ends before the control connection closes.",
        None => "Watch its close: it shows which side really sends the first FIN.",
    };
    Narration::new(
        table_headline(221),
        format!(
            "\"Service closing control connection\" ({}). {then}",
            Rule::ReplyCodes
        ),
    )
}

/// A headline and body for a reply whose code says it all, whatever it
/// answers.
fn by_code(code: u16) -> Option<(String, String)> {
    let class = digit(code);
    Some(match code {
        220 => (
            table_headline(220),
            "The server's greeting: now the client can log in.".into(),
        ),
        257 => (
            "257: the current directory.".into(),
            "Its path is the text in quotes.".into(),
        ),
        331 => (
            table_headline(331),
            format!("{class} Here: PASS, with the password."),
        ),
        425 => (
            table_headline(425),
            "The control connection is fine; only the data connection failed. From the \
             client's side, a firewall or NAT in the way looks just like this."
                .into(),
        ),
        426 => (
            table_headline(426),
            format!("The data connection closed before the transfer ended. {class}"),
        ),
        522 => (
            table_headline(522),
            format!(
                "The server cannot use that address family; its reply lists those it can, \
                 such as (1,2) ({}).",
                Rule::Eprt
            ),
        ),
        _ => return None,
    })
}

/// True when the transfer this reply answers had no PORT/EPRT/PASV/EPSV
/// before it.
fn no_setup(h: &Here) -> bool {
    h.story
        .and_then(|s| s.transfer_answered_by(h.at))
        .is_some_and(|t| t.announcement.is_none())
}

/// The address a PORT/EPRT argument names.
fn announced(verb: &Verb, arg: &str) -> Option<SocketAddr> {
    if *verb == Verb::Port {
        parse_port(arg).ok().map(SocketAddr::V4)
    } else {
        parse_eprt(arg).ok()
    }
}

/// Why a server refuses the address of a PORT/EPRT: which rule is whose.
fn refused_dial(h: &Here) -> Narration {
    let verb = h.last_verb.clone().unwrap_or(Verb::Other(String::new()));
    let headline = "504: the server refuses to dial there.";
    let Some(target) = announced(&verb, &h.last_arg) else {
        return Narration::new(headline, "Command not implemented for that parameter.");
    };
    let client = h
        .story
        .and_then(|s| s.control)
        .map(|c| c.client.ip().to_canonical());
    let claim = |is: bool| Claim::ClientAddress {
        session: h.event.session,
        ip: target.ip(),
        is,
    };
    let ours = h.ctx.ours.server;
    let (body, claims) = match client {
        _ if target.port() < 1024 => (
            format!(
                "Port {} is below 1024, where system services listen. Against the FTP bounce, \
                 {} suggests that servers open no data connection to such a port, and answer \
                 504.",
                target.port(),
                Rule::Bounce
            ),
            Vec::new(),
        ),
        Some(c) if c != target.ip().to_canonical() => (
            format!(
                "{} is not where the control connection comes from ({c}). Against the FTP \
                 bounce, {}",
                target.ip(),
                if ours {
                    format!(
                        "our server dials only the control connection's peer (vsftpd 3.0.3 \
                         refuses this too, with `500 Illegal {verb} command.`): their own rule, \
                         which no RFC requires."
                    )
                } else {
                    "this server dials only the control connection's peer: its own rule, which \
                     no RFC requires."
                        .to_string()
                },
            ),
            vec![claim(false)],
        ),
        Some(_) if ours && !crate::middlebox::on_this_machine(target.ip()) => (
            format!(
                "{} is the client's own address, but not a loopback one: `ftpviz serve` dials \
                 back only clients that reach it over loopback, unless it runs with \
                 --classroom.",
                target.ip()
            ),
            vec![claim(true)],
        ),
        _ => (
            "Command not implemented for that parameter.".into(),
            Vec::new(),
        ),
    };
    Narration::new(headline, body).claiming(claims)
}

fn pasv_reply(text: &str, h: &Here) -> Narration {
    match parse_227(text) {
        Ok(addr) => {
            let p = addr.port();
            let (hi, lo) = port_bytes(p);
            let o = addr.ip().octets();
            let (next, claims) = who_dials_it(h);
            Narration::new(
                format!("227: the server listens on port {p}."),
                format!(
                    "{hi} × 256 + {lo} = {p}: the last two of the six numbers are the port, the \
                     first four the address {},{},{},{} = {} (passive mode, {}).{next}",
                    o[0],
                    o[1],
                    o[2],
                    o[3],
                    addr.ip(),
                    Rule::TransferParameterCommands
                ),
            )
            .claiming(claims)
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

fn epsv_reply(text: &str, h: &Here) -> Narration {
    match parse_229(text) {
        Ok(p) => {
            let (next, claims) = who_dials_it(h);
            Narration::new(
                format!("229: the server listens on port {p}."),
                format!(
                    "(|||{p}|): only a port, written plainly, to be dialled at the address the \
                     client already reaches the server at ({}).{next}",
                    Rule::Epsv
                ),
            )
            .claiming(claims)
        }
        Err(e) => Narration::new(
            "229 without a usable port.",
            format!(
                "{}: the client cannot know where to dial.",
                super::upper_first(&e.to_string())
            ),
        ),
    }
}

/// What came of the 227/229 at `h`, as the account tells it (with a leading
/// space), or what our own client does next, or the rule.
fn who_dials_it(h: &Here) -> (String, Vec<Claim>) {
    let Some((story, a)) = h.account().announcement_at(h.at) else {
        return (String::new(), Vec::new());
    };
    let ann = &story.announcements[a];
    if let Some(d) = ann.conn.and_then(|c| story.data_conn(c)) {
        return (
            format!(
                " The {} dialled it: {} → {} (data #{}).",
                d.dialler, d.from, d.to, d.conn
            ),
            vec![Claim::Dial {
                session: story.session,
                conn: d.conn,
                who: d.dialler,
                from: d.from.port(),
                to: d.to.port(),
            }],
        );
    }
    if h.account().finished {
        return match h.account().answer(h.at) {
            Some(a) => (format!(" {}", a.words), Vec::new()),
            None => (String::new(), Vec::new()),
        };
    }
    if h.ctx.ours.client {
        (" Our client dials it next.".to_string(), Vec::new())
    } else {
        (
            " In passive mode the client is to dial it.".to_string(),
            Vec::new(),
        )
    }
}

/// Whether the account says `t`'s bytes flowed over a data connection the
/// capture missed (its replies tell; the trace has no dial for it).
fn missed(t: &Transfer, h: &Here) -> bool {
    let answer = h
        .story
        .zip(t.announcement)
        .and_then(|(s, a)| s.answer(a, h.account().finished));
    answer.is_some_and(|a| a.conn.is_none() && a.end == Some(End::Connected { seen: false }))
}

/// `150`: the transfer is about to start; whether its data connection is
/// open already, as the account tells.
fn preliminary(text: &str, h: &Here) -> Narration {
    let class = digit(150);
    let story = h.story;
    let open = story.is_some_and(|s| s.data.iter().any(|d| d.open_before(h.at)));
    let t = story.and_then(|s| s.transfer_answered_by(h.at));
    let d = t
        .and_then(|t| t.conn)
        .and_then(|c| story.and_then(|s| s.data_conn(c)));
    // Its data connection closed before this reply: the reply comes late.
    let closed_before = d.and_then(|d| d.closed).filter(|&(c, _)| !open && c < h.at);
    let state = match (open, d) {
        (true, _) => "A data connection is already open.".to_string(),
        (false, Some(d)) if d.dial > h.at => format!(
            "No data connection is open yet: the {} dials data #{} next.",
            d.dialler, d.conn
        ),
        // The capture has the reply after the data it announces (they
        // travel on two connections, and can arrive in either order).
        (false, Some(d)) if closed_before.is_some() => format!(
            "In this capture it comes late: data #{} has already {} and closed. The reply \
             and the data travel on two connections, and can arrive in either order.",
            d.conn,
            match d.bytes {
                0 => "opened".to_string(),
                n => format!("carried its {n} bytes"),
            }
        ),
        (false, None) if t.is_some_and(|t| missed(t, h)) => "The trace has no data connection \
            for it: the capture missed the one its bytes crossed (its final reply says they \
            flowed), so whether it is open yet cannot be shown."
            .to_string(),
        (false, _) => "No data connection is open yet.".to_string(),
    };
    let mut claims = vec![Claim::Open {
        session: h.event.session,
        at: h.at,
        open,
    }];
    if let (Some(t), Some(d)) = (t, d) {
        claims.push(Claim::Serves {
            session: h.event.session,
            conn: d.conn,
            transfer: t.at,
        });
        if let Some((_, who)) = closed_before {
            claims.push(Claim::ClosedBy {
                session: h.event.session,
                conn: d.conn,
                who,
                before: h.at,
            });
        }
    }
    let size = match super::here::announced_bytes(text) {
        Some(b) => format!(" The server announces {b} bytes."),
        None => String::new(),
    };
    // The point first: a reply that comes after its data says so at once.
    let headline = match (closed_before, d) {
        (Some(_), Some(d)) => format!("150, late: data #{} is already done.", d.conn),
        _ => table_headline(150),
    };
    Narration::new(
        headline,
        format!(
            "\"File status okay; about to open data connection\" ({}). {state}{size} {class}",
            Rule::ReplyCodes
        ),
    )
    .claiming(claims)
}

/// `200` to PORT/EPRT: the address is accepted; when the server dialled it,
/// as the account tells.
fn port_okay(h: &Here) -> Narration {
    let v = h.last_verb.clone().unwrap_or(Verb::Other(String::new()));
    let rule = Rule::DialAfterTransferCommand;
    let story = h.story;
    let ann = story.and_then(|s| {
        let x = s.answered_by(h.at)?;
        s.announcements.iter().find(|a| a.at == x.at)
    });
    let headline = format!("200: {v} okay.");
    let Some(ann) = ann else {
        return Narration::new(headline, digit(200));
    };
    let noted = match announced(&v, &h.last_arg) {
        Some(addr) => format!("The server noted {addr}."),
        None => "The server accepted the address.".to_string(),
    };
    let dial = ann.conn.and_then(|c| story.and_then(|s| s.data_conn(c)));
    let (body, claims) = match dial {
        Some(d) if d.dial < h.at => (
            format!(
                "{noted} It had dialled it already (data #{}), before this reply and before any \
                 transfer command; the RFC has the dial come after one ({rule}).",
                d.conn
            ),
            vec![Claim::DialBefore {
                announcement: ann.at,
                event: h.at,
            }],
        ),
        Some(d) => (
            format!("{noted} It dialled there later (data #{}).", d.conn),
            vec![Claim::DialAfter {
                announcement: ann.at,
                event: h.at,
            }],
        ),
        None if h.account().finished => (
            match h.account().answer(ann.at) {
                Some(a) => format!("{noted} {}", a.words),
                None => noted,
            },
            Vec::new(),
        ),
        None if h.ctx.ours.server => (
            format!("{noted} Our server dials there once a transfer command comes ({rule})."),
            vec![Claim::DialAfterTransfer {
                announcement: ann.at,
            }],
        ),
        None => (
            format!("{noted} The RFC has the server dial once a transfer command comes ({rule})."),
            Vec::new(),
        ),
    };
    Narration::new(headline, body).claiming(claims)
}

/// `226`: the transfer is over; who closed its data connection, as the
/// account tells.
fn transfer_over(h: &Here) -> Narration {
    let headline = table_headline(226);
    let story = h.story;
    let t = story.and_then(|s| s.transfer_answered_by(h.at));
    let Some(t) = t else {
        return Narration::new(
            headline,
            format!(
                "Closing data connection; requested file action successful ({}).",
                Rule::ReplyCodes
            ),
        );
    };
    let what = format!("`{}`", clean(&t.text));
    let d = t.conn.and_then(|c| story.and_then(|s| s.data_conn(c)));
    let (body, claims) = match d {
        Some(d) => match d.closed {
            Some((c, who)) if c < h.at => (
                match who {
                    crate::trace::Side::Server => format!(
                        "The server closed data #{}, then said {what} is done: it sends 226 \
                         after closing the data connection ({}).",
                        d.conn,
                        Rule::ReplyAfterClose
                    ),
                    crate::trace::Side::Client => format!(
                        "The client closed data #{} (its close ends what it sent), then the \
                         server said {what} is done.",
                        d.conn
                    ),
                },
                vec![Claim::ClosedBy {
                    session: h.event.session,
                    conn: d.conn,
                    who,
                    before: h.at,
                }],
            ),
            _ => (
                format!(
                    "Data #{} is not closed yet in the trace: this 226 came before its close, \
                     though the RFC has the server send it after closing ({}).",
                    d.conn,
                    Rule::ReplyAfterClose
                ),
                vec![Claim::Open {
                    session: h.event.session,
                    at: h.at,
                    open: true,
                }],
            ),
        },
        None => (
            format!(
                "{what} is done. The trace has no data connection for it: the capture missed it, \
                 though the replies show its bytes got through."
            ),
            Vec::new(),
        ),
    };
    Narration::new(headline, body).claiming(claims)
}

/// `234` to AUTH: TLS begins; whether the trace still shows readable lines
/// after it.
fn tls_begins(h: &Here) -> Narration {
    let session = h.event.session;
    let known = &h.ctx.events[..h.account().len.min(h.ctx.events.len())];
    let next_line = known.iter().skip(h.at + 1).find(|e| {
        e.session == session
            && matches!(
                e.kind,
                crate::trace::Kind::Command { .. } | crate::trace::Kind::Reply { .. }
            )
    });
    let readable = next_line.is_some();
    // Lines its recorder read inside TLS (our server holds the keys) are
    // noted so: readable here, records on the wire.
    let decrypted = next_line.is_some_and(|e| crate::tls::noted_inside(e.note.as_deref()));
    // The lab's own client starts the handshake at once, and the lab
    // records what it says inside TLS: that may be said before it happens.
    let ours_next = next_line.is_none() && !h.account().finished && h.ctx.ours.client;
    let decrypted = decrypted || ours_next;
    let base = format!(
        "Security data exchange complete ({}): the TLS handshake follows, and the control \
         connection is to be encrypted from here ({}).",
        Rule::SecurityReplies,
        Rule::Tls
    );
    let (more, claims) = if decrypted {
        let who = if h.ctx.ours.client {
            "the lab holds the keys (its own client and server made the TLS session): the \
             lines are decrypted by the lab, which read them inside TLS and noted so"
        } else if next_line.is_some_and(|e| crate::trace::noted_decrypted(e.note.as_deref())) {
            "the capture carries the TLS keys (a client or server logged them, and they were \
             put in the file or given beside it): replay decrypted the lines with them, as \
             Wireshark does"
        } else {
            "the server that recorded this trace holds the keys: it read them inside TLS and \
             noted so"
        };
        (
            format!(
                " The lines after it are readable here only because {who}. On the wire they \
                 cross as TLS records, a type and a length, no words: the password, and while TLS \
                 lasts every PORT, EPRT, 227 and 229, are hidden from anyone on the path — a firewall's or \
                 a NAT's FTP helper too; only the two ends read them."
            ),
            vec![Claim::ClearAfter {
                session,
                at: h.at,
                clear: true,
            }],
        )
    } else if readable {
        (
            " Yet the trace shows readable lines after it: this TLS session did not hold, and \
             the conversation went on in clear text."
                .to_string(),
            vec![Claim::ClearAfter {
                session,
                at: h.at,
                clear: true,
            }],
        )
    } else if h.account().finished {
        (
            " Indeed no line after it can be read.".to_string(),
            vec![Claim::ClearAfter {
                session,
                at: h.at,
                clear: false,
            }],
        )
    } else {
        (String::new(), Vec::new())
    };
    let headline = if readable && !decrypted {
        "234: TLS was to start here."
    } else {
        "234: TLS starts now."
    };
    Narration::new(headline, format!("{base}{more}")).claiming(claims)
}
