//! The FTP helper: a firewall that reads the control channel.
//!
//! A plain firewall cannot let FTP's data connections through: it sees a
//! SYN to port 50000 and has no idea that `PORT 127,0,0,2,195,80` asked for
//! it a moment ago on another connection. So firewalls grew *helpers* that
//! parse the control channel — Linux's `nf_conntrack_ftp`, Cisco's "ftp
//! fixup", every home router's "FTP ALG". This one does what
//! `nf_conntrack_ftp` does:
//!
//! 1. It reads `PORT`/`EPRT` from the client and `227`/`229` from the
//!    server, with the same grammar as the peers ([`crate::ftp`]).
//! 2. It checks that the announced address is the announcer's own (a
//!    `PORT` naming a third host gets nothing: that is a bounce).
//! 3. It opens **one pinhole** — the kernel calls it an *expectation*
//!    (`conntrack -L expect`): one dial, from the *other* peer's address
//!    exactly (any source port), to exactly the announced port, within
//!    300 s; the first SYN that matches uses it up. A newer announcement
//!    replaces the older one (`nf_conntrack_ftp` keeps at most one
//!    expectation per control connection). Behind a NAT that forwards only
//!    the control port, the expectation is also what forwards the data port.
//! 4. Behind a NAT it also *rewrites* the line (`nf_nat_ftp`): the private
//!    address in `PORT 192,168,1,2,195,80` becomes the public one (an IPv6
//!    `EPRT` in the full, uncompressed form the kernel writes). The line
//!    changes length, so a real helper must also shift the TCP sequence and
//!    acknowledgement numbers of every later packet on that connection.
//! 5. An announcement naming an address that is not its sender's own (a
//!    bounce, or a server announcing its public address itself, as vsftpd's
//!    `pasv_address` does) gets no expectation at all.
//!
//! Its weakness is the reason it works: it must *read* the control channel.
//! Once the client says `AUTH TLS` and the server answers `234`, the channel
//! is encrypted (FTPS) and the helper is blind: no pinholes, no rewrites.
//!
//! The middlebox reads the control channel even without a helper, but only
//! to *say* what a plain firewall or NAT misses; it then changes nothing.

use super::{firewall, nat, Relayed};
use super::{Firewall, Nat};
use crate::ftp::{hostport, Command, ReplyParser, Verb};
use crate::trace::{Side, Via};
use std::net::{IpAddr, SocketAddr, SocketAddrV4};
use std::time::{Duration, Instant};

/// How long the kernel keeps an expectation unused (`nf_conntrack_ftp`:
/// 300 s), after which the dial it was for meets the plain rules again.
pub const EXPECT_TIMEOUT: Duration = Duration::from_secs(300);

/// The control connection, as the middlebox saw it dialled: the client's
/// real address and the server's real control address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peers {
    pub client: IpAddr,
    pub server: SocketAddr,
}

/// Permission for exactly one dial: by `dialler`, from `from_ip` (any
/// source port), to `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pinhole {
    pub dialler: Side,
    pub from_ip: IpAddr,
    pub to: SocketAddr,
    /// The announcement that opened it.
    pub via: Via,
    /// When it was opened: it lapses [`EXPECT_TIMEOUT`] later.
    pub opened: Instant,
}

impl Pinhole {
    pub(super) fn admits(&self, from: Side, src: IpAddr, dst: SocketAddr) -> bool {
        self.opened.elapsed() <= EXPECT_TIMEOUT
            && self.dialler == from
            && self.from_ip.to_canonical() == src.to_canonical()
            && self.to.ip().to_canonical() == dst.ip().to_canonical()
            && self.to.port() == dst.port()
    }
}

/// What the middlebox is, for the helper's decisions.
#[derive(Debug, Clone, Copy)]
pub struct Setup {
    pub firewall: Firewall,
    pub nat: Nat,
    /// The server's NAT forwards the data ports too.
    pub forward_data: bool,
    pub peers: Option<Peers>,
}

/// The control-channel reader and, on a stateful firewall, the helper.
#[derive(Debug, Clone, Default)]
pub struct Helper {
    replies: ReplyParser,
    auth_asked: bool,
    blind: bool,
    /// After `CCC`, the sides whose first clear line the helper has yet to
    /// see: it reads none of that line, it only learns where lines start.
    resync: Vec<Side>,
    pinhole: Option<Pinhole>,
}

impl Helper {
    /// The pinhole currently open, if any.
    pub fn pinhole(&self) -> Option<&Pinhole> {
        self.pinhole.as_ref()
    }

    /// True once TLS has started on the control channel.
    pub fn is_blind(&self) -> bool {
        self.blind
    }

    /// Uses up the pinhole if it admits this dial.
    pub fn take_pinhole(&mut self, from: Side, src: IpAddr, dst: SocketAddr) -> bool {
        match &self.pinhole {
            Some(p) if p.admits(from, src, dst) => {
                self.pinhole = None;
                true
            }
            _ => false,
        }
    }

    /// Reads one control line crossing from `from`; returns what the other
    /// side receives. A line that travelled inside TLS (`inside_tls`) is
    /// only records to the box: it is passed on as it is, and the note
    /// says what the helper missed (the lab, holding the keys, knows).
    pub fn relay(&mut self, setup: &Setup, from: Side, line: &str, inside_tls: bool) -> Relayed {
        if inside_tls {
            return self.sealed(setup, from, line);
        }
        if std::mem::take(&mut self.blind) {
            // Clear text again on the same connection (after CCC).
            self.replies = ReplyParser::new();
            if firewall::has_helper(setup.firewall) {
                self.resync = vec![Side::Client, Side::Server];
            }
        }
        if let Some(i) = self.resync.iter().position(|&s| s == from) {
            self.resync.swap_remove(i);
            return self.first_clear(setup, from, line);
        }
        self.read(setup, from, line)
    }

    /// The first clear line from `from` after `CCC`. Linux's
    /// `nf_conntrack_ftp` reads a packet only if it starts where an earlier
    /// one of that direction ended a line (`find_nl_seq`); the one before
    /// this was a TLS record, so it reads nothing here, and learns only
    /// where the next line starts (measured: `tests/kernel_ftps.rs`).
    fn first_clear(&mut self, setup: &Setup, from: Side, line: &str) -> Relayed {
        let missed = match from {
            Side::Client => Command::parse(line).ok().and_then(|c| match c.verb {
                Verb::Port | Verb::Eprt => Some(c.verb.to_string()),
                _ => None,
            }),
            Side::Server => match self.replies.push_line(line) {
                Ok(Some(reply)) if matches!(reply.code, 227 | 229) => Some(reply.code.to_string()),
                _ => None,
            },
        };
        let mut note = format!(
            "the control channel is in clear text again (after CCC), and the password went by \
             while it was still encrypted; the helper reads PORT, EPRT, 227 and 229 again, but \
             not in this first clear line from the {from}"
        );
        if let Some(what) = missed {
            let rewrite = if setup.nat == Nat::None {
                ""
            } else {
                " and no rewrite"
            };
            note.push_str(&format!(": this {what} is missed, no pinhole{rewrite}"));
        }
        push_sentence(&mut note, FIRST_CLEAR);
        unchanged(line, Some(note))
    }

    /// A line inside TLS: the helper cannot read it. What it would have
    /// done with an announcement is left undone, and the note says so.
    fn sealed(&mut self, setup: &Setup, from: Side, line: &str) -> Relayed {
        self.blind = true;
        let missed = match from {
            Side::Client => Command::parse(line).ok().and_then(|c| match c.verb {
                Verb::Port | Verb::Eprt => Some(c.verb.to_string()),
                _ => None,
            }),
            Side::Server => match self.replies.push_line(line) {
                Ok(Some(reply)) if reply.code == 227 && names_public(setup, &reply.text()) => {
                    return unchanged(line, Some(public_inside_tls(setup)));
                }
                Ok(Some(reply)) if matches!(reply.code, 227 | 229) => Some(reply.code.to_string()),
                _ => None,
            },
        };
        let note = missed
            .filter(|_| firewall::has_helper(setup.firewall) || setup.nat != Nat::None)
            .map(|what| blinded(setup, &what));
        unchanged(line, note)
    }

    fn read(&mut self, setup: &Setup, from: Side, line: &str) -> Relayed {
        match from {
            Side::Client => self.command(setup, line),
            Side::Server => self.reply(setup, line),
        }
    }

    fn command(&mut self, setup: &Setup, line: &str) -> Relayed {
        let Ok(cmd) = Command::parse(line) else {
            return unchanged(line, None);
        };
        match cmd.verb {
            Verb::Auth => {
                self.auth_asked = true;
                let note = firewall::has_helper(setup.firewall).then(|| {
                    "AUTH: if the server agrees, the control channel turns to TLS and the \
                     helper can read no more PORT or 227 lines (FTPS blinds it)"
                        .to_string()
                });
                unchanged(line, note)
            }
            Verb::Port => match hostport::parse_port(&cmd.arg) {
                Ok(addr) => self.active(setup, line, Via::Port, SocketAddr::V4(addr)),
                Err(_) => unchanged(line, None),
            },
            Verb::Eprt => match hostport::parse_eprt(&cmd.arg) {
                Ok(addr) => self.active(setup, line, Via::Eprt, addr),
                Err(_) => unchanged(line, None),
            },
            _ => unchanged(line, None),
        }
    }

    fn reply(&mut self, setup: &Setup, line: &str) -> Relayed {
        // Only a reply completed by this very line can be acted on: the
        // earlier lines of a multi-line reply have already crossed.
        let Ok(Some(reply)) = self.replies.push_line(line) else {
            return unchanged(line, None);
        };
        let asked = std::mem::take(&mut self.auth_asked);
        match reply.code {
            234 if asked => {
                self.blind = true;
                self.pinhole = None;
                let note = "234: TLS starts now; from here on (until a CCC) the middlebox \
                            sees only ciphertext, so no helper can open a pinhole (FTPS blinds it)";
                unchanged(line, Some(note.to_string()))
            }
            227 => match hostport::parse_227(&reply.text()) {
                Ok(addr) => self.passive(setup, line, addr),
                Err(_) => unchanged(line, None),
            },
            229 => match hostport::parse_229(&reply.text()) {
                Ok(port) => self.extended_passive(setup, line, port),
                Err(_) => unchanged(line, None),
            },
            _ => unchanged(line, None),
        }
    }

    /// `PORT`/`EPRT`: the client announces where the server should dial.
    fn active(&mut self, setup: &Setup, line: &str, via: Via, addr: SocketAddr) -> Relayed {
        let Some(peers) = setup.peers else {
            return unchanged(line, Some(unseen(via)));
        };
        let helper = firewall::has_helper(setup.firewall);
        let own = nat::believed_ip(setup.nat, Side::Client, peers.client);
        if addr.ip().to_canonical() != own.to_canonical() {
            return unchanged(line, Some(third_host(via, addr, own, helper)));
        }
        let public = nat::with_ip(addr, peers.client);
        let natted = nat::private_ip(setup.nat, Side::Client, peers.client).is_some();
        let (out, note) = match (natted, helper) {
            (true, true) => {
                let after = rewrite_command(line, via, public);
                let note = rewrote(line, &after);
                (after, note)
            }
            (true, false) => (
                line.to_string(),
                format!(
                    "the NAT rewrites the IP header of this packet, not its payload: the \
                     server reads {ip}, a private address it cannot reach. A server that checks \
                     {v} against its control peer (against the FTP bounce) refuses it: vsftpd \
                     3.0.3 answers \"500 Illegal {v} command.\", ftpviz's server 504; one that \
                     did not check would dial {ip} and the SYN would go nowhere",
                    ip = addr.ip(),
                    v = via.as_str()
                ),
            ),
            (false, true) => same_address(setup, line, via, public),
            (false, false) => (line.to_string(), plain_firewall_misses(setup, Side::Client)),
        };
        let pin = Pinhole {
            dialler: Side::Server,
            from_ip: peers.server.ip(),
            to: public,
            via,
            opened: Instant::now(),
        };
        self.pass_on(helper, pin, out, note)
    }

    /// `227`: the server announces where the client should dial.
    fn passive(&mut self, setup: &Setup, line: &str, addr: SocketAddrV4) -> Relayed {
        let Some(peers) = setup.peers else {
            return unchanged(line, Some(unseen(Via::Pasv)));
        };
        let helper = firewall::has_helper(setup.firewall);
        let own = nat::believed_ip(setup.nat, Side::Server, peers.server.ip());
        let addr = SocketAddr::V4(addr);
        let public = peers.server.ip().to_canonical();
        if own.to_canonical() != public && addr.ip().to_canonical() == public {
            let note = format!(
                "227 names {}, the server's public address, as vsftpd writes it when told its \
                 pasv_address: nothing to rewrite, and {}",
                addr.ip(),
                public_announced(setup, helper)
            );
            return unchanged(line, Some(note));
        }
        if addr.ip().to_canonical() != own.to_canonical() {
            let note = format!(
                "227 names {}, not the server's own address {own}{}",
                addr.ip(),
                if helper {
                    "; the helper opens no pinhole for it"
                } else {
                    ""
                }
            );
            return unchanged(line, Some(note));
        }
        let public = nat::with_ip(addr, peers.server.ip());
        let natted = nat::private_ip(setup.nat, Side::Server, peers.server.ip()).is_some();
        let (out, note) = match (natted, helper) {
            (true, true) => {
                let after = rewrite_227(line, addr, public);
                let mut note = rewrote(line, &after);
                if !setup.forward_data {
                    push_sentence(
                        &mut note,
                        "this router forwards only the control port: the helper's expectation \
                         is what lets the data dial through its NAT",
                    );
                }
                (after, note)
            }
            (true, false) => (
                line.to_string(),
                format!(
                    "the NAT rewrites IP headers, not this reply: the client reads {}, the \
                     server's private address. Only a client that trusts it dials nowhere: \
                     curl 7.88 and Python's ftplib ignore it and dial the address they reach \
                     the server at, port {}, and so does lftp (ftp:fix-pasv-address, on by \
                     default per its manual) — {}",
                    addr.ip(),
                    addr.port(),
                    port_fate(setup)
                ),
            ),
            (false, true) => (line.to_string(), String::new()),
            (false, false) => (line.to_string(), plain_firewall_misses(setup, Side::Server)),
        };
        let pin = Pinhole {
            dialler: Side::Client,
            from_ip: peers.client,
            to: public,
            via: Via::Pasv,
            opened: Instant::now(),
        };
        self.pass_on(helper, pin, out, note)
    }

    /// `229`: only a port; the client dials the address it already uses.
    fn extended_passive(&mut self, setup: &Setup, line: &str, port: u16) -> Relayed {
        let Some(peers) = setup.peers else {
            return unchanged(line, Some(unseen(Via::Epsv)));
        };
        let helper = firewall::has_helper(setup.firewall);
        let to = SocketAddr::new(peers.server.ip(), port);
        let note = if setup.nat == Nat::Server {
            let fate = if helper {
                "the helper's expectation forwards it".to_string()
            } else {
                port_fate(setup)
            };
            format!(
                "229 carries only a port, no address: the client dials the address it already \
                 reaches the server at, so it reads no private address; port {port} must still \
                 get through the server's NAT — {fate}"
            )
        } else if helper {
            String::new()
        } else {
            plain_firewall_misses(setup, Side::Server)
        };
        let pin = Pinhole {
            dialler: Side::Client,
            from_ip: peers.client,
            to,
            via: Via::Epsv,
            opened: Instant::now(),
        };
        self.pass_on(helper, pin, line.to_string(), note)
    }

    /// The line goes on, with its note. Behind a stateful firewall the
    /// helper also opens the one pinhole the line called for, and says so.
    fn pass_on(&mut self, helper: bool, pin: Pinhole, line: String, mut note: String) -> Relayed {
        if helper {
            push_sentence(&mut note, &opened(&pin));
            self.pinhole = Some(pin);
        }
        Relayed {
            line,
            note: (!note.is_empty()).then_some(note),
        }
    }
}

/// Why the helper reads nothing in each side's first clear line after
/// `CCC`.
const FIRST_CLEAR: &str = "Linux nf_conntrack_ftp reads a packet only where the one before it \
ended a line, and the one before was a TLS record, so it reads from the next line on (checked \
against nf_conntrack_ftp by tests/kernel_ftps.rs)";

/// What the box could not do with an announcement (`what`: `PORT`,
/// `EPRT`, `227`, `229`) that crossed inside TLS.
fn blinded(setup: &Setup, what: &str) -> String {
    let rewrite = if setup.nat == Nat::None {
        ""
    } else {
        " and rewrites no address in it: the private address crosses the NAT as it was written"
    };
    if firewall::has_helper(setup.firewall) {
        format!(
            "the helper sees only TLS records; it cannot read this {what}, so it opens no \
             pinhole{rewrite} (the lab, holding the keys, shows the line decrypted)"
        )
    } else {
        format!(
            "inside TLS: the NAT sees only records and rewrites nothing in this {what} (the lab, \
             holding the keys, shows the line decrypted)"
        )
    }
}

/// A `227` behind the server's NAT that names the server's public
/// address: the server wrote it itself (`--pasv-address`).
fn names_public(setup: &Setup, text: &str) -> bool {
    let public = setup.peers.map(|p| p.server.ip().to_canonical());
    setup.nat == Nat::Server
        && hostport::parse_227(text)
            .is_ok_and(|a| Some(IpAddr::V4(*a.ip()).to_canonical()) == public)
}

/// The note on a `227` inside TLS that names the server's public address.
fn public_inside_tls(setup: &Setup) -> String {
    format!(
        "inside TLS the box reads nothing, and has nothing to rewrite: the server wrote its \
         public address in this 227 itself (vsftpd's pasv_address), so the client dials where \
         it should and the password stays encrypted; the port must still get through the \
         NAT: {}",
        port_fate(setup)
    )
}

fn unchanged(line: &str, note: Option<String>) -> Relayed {
    Relayed {
        line: line.to_string(),
        note,
    }
}

fn push_sentence(note: &mut String, more: &str) {
    if !note.is_empty() {
        note.push_str("; ");
    }
    note.push_str(more);
}

fn unseen(via: Via) -> String {
    format!(
        "{} crossed before any control connection was dialled: the middlebox cannot tell \
         whose address it is and does nothing",
        via.as_str()
    )
}

fn third_host(via: Via, addr: SocketAddr, own: IpAddr, helper: bool) -> String {
    format!(
        "{} names {addr}, not the client's own address {own}: the server is asked to dial a \
         third host (an FTP bounce){}",
        via.as_str(),
        if helper {
            "; the helper opens no pinhole for it, as nf_conntrack_ftp would not"
        } else {
            ""
        }
    )
}

/// What a firewall without a helper fails to learn from an announcement
/// whose listener sits on `listener`'s host.
fn plain_firewall_misses(setup: &Setup, listener: Side) -> String {
    match firewall::guard(setup.firewall, listener) {
        Some(_) => format!(
            "the {listener} firewall does not read FTP: nothing tells it to let the coming \
             data dial in"
        ),
        None => String::new(),
    }
}

fn opened(pin: &Pinhole) -> String {
    format!(
        "helper expects one connection: the {} from {} (any source port) may dial {} within \
         {} s; the first SYN that matches uses it up",
        pin.dialler,
        pin.from_ip,
        pin.to,
        EXPECT_TIMEOUT.as_secs()
    )
}

/// A `PORT`/`EPRT` whose sender is not behind the NAT, on a control
/// connection that a NAT translates all the same (the server's): the
/// kernel's `nf_nat_ftp` rewrites it anyway, to the same address — which
/// for an IPv6 `EPRT` means the full, uncompressed form, and a length change
/// (measured: `EPRT |2|2001:db8:1::2|…|` arrived as
/// `|2|2001:0db8:0001:0000:0000:0000:0000:0002|…|`).
fn same_address(setup: &Setup, line: &str, via: Via, addr: SocketAddr) -> (String, String) {
    let after = rewrite_command(line, via, addr);
    if setup.nat == Nat::None || after == line {
        return (line.to_string(), String::new());
    }
    let note = format!(
        "{}: the kernel's nf_nat_ftp rewrites every {} on a connection it translates, even to \
         the same address",
        rewrote(line, &after),
        via.as_str()
    );
    (after, note)
}

/// What the server's NAT does with a dial to a data port, no helper.
fn port_fate(setup: &Setup) -> String {
    if setup.forward_data {
        "this router forwards every port to the server (1:1), so it gets through the NAT".into()
    } else {
        "this router forwards only the control port, so it answers that dial with an RST \
         (refused, at once)"
            .into()
    }
}

/// When a server behind NAT announces its public address itself: the
/// helper expects nothing, so only a forwarded port lets the dial in.
fn public_announced(setup: &Setup, helper: bool) -> String {
    let expect = if helper {
        "the helper expects no connection for an address that is not the packet's source \
         (nf_conntrack_ftp makes none); "
    } else {
        ""
    };
    format!("{expect}{}", port_fate(setup))
}

/// `PORT`/`EPRT` with a new address, the verb as the client spelt it.
fn rewrite_command(line: &str, via: Via, addr: SocketAddr) -> String {
    let verb = line.split(' ').next().unwrap_or(via.as_str());
    match (via, addr) {
        (Via::Port, SocketAddr::V4(v4)) => format!("{verb} {}", hostport::format_port(v4)),
        // nf_nat_ftp prints an IPv6 address in full (`%pI6`), not compressed.
        (_, SocketAddr::V6(v6)) => {
            let full: Vec<String> = v6
                .ip()
                .segments()
                .iter()
                .map(|s| format!("{s:04x}"))
                .collect();
            format!("{verb} |2|{}|{}|", full.join(":"), v6.port())
        }
        _ => format!("{verb} {}", hostport::format_eprt(addr)),
    }
}

/// A `227` line with the address swapped, the rest as the server wrote it.
fn rewrite_227(line: &str, old: SocketAddr, new: SocketAddr) -> String {
    match (old, new) {
        (SocketAddr::V4(old), SocketAddr::V4(new)) => {
            let (was, now) = (hostport::format_port(old), hostport::format_port(new));
            if line.contains(&was) {
                line.replacen(&was, &now, 1)
            } else {
                format!("227 {}", hostport::format_227(new))
            }
        }
        _ => line.to_string(),
    }
}

/// How the note of a rewritten line starts: `helper rewrote "PORT
/// 192,168,1,2,195,80" → "PORT 127,0,0,2,195,80" (-2 bytes …)`.
pub const REWROTE: &str = "helper rewrote ";

/// A control line the helper rewrote: as its sender wrote it, and as the
/// other side received it. The trace's event holds the line received; its
/// note says what was sent, in the one format written by
/// [`Rewrite::written`] and read back by [`Rewrite::read`] (the screens draw
/// both, on either side of the middlebox's wall).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    /// The line as its sender wrote it.
    pub sent: String,
    /// The line as the other side received it.
    pub received: String,
}

impl Rewrite {
    /// The note: before, after, and the length change. Each line is quoted
    /// as Rust quotes a string (`\"` and `\\` escaped, controls as `\n`,
    /// `\u{…}`), so that any line reads back whole.
    pub fn written(&self) -> String {
        let delta = self.received.len() as i64 - self.sent.len() as i64;
        let size = match delta {
            0 => "same length".to_string(),
            d => format!(
                "{d:+} bytes: a real helper must also shift the TCP sequence numbers of \
                 everything after it"
            ),
        };
        format!("{REWROTE}{:?} → {:?} ({size})", self.sent, self.received)
    }

    /// The rewrite a note tells of (anywhere in it: notes are joined with
    /// `; `), if it tells of one.
    pub fn read(note: &str) -> Option<Rewrite> {
        let (_, rest) = note.split_once(REWROTE)?;
        let (sent, rest) = unquote(rest)?;
        let rest = rest.strip_prefix(" → ")?;
        let (received, _) = unquote(rest)?;
        Some(Rewrite { sent, received })
    }
}

/// A string quoted as `{:?}` writes it, at the start of `s`, and what
/// follows it.
fn unquote(s: &str) -> Option<(String, &str)> {
    let body = s.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, body.get(i + 1..)?)),
            '\\' => {
                let (_, e) = chars.next()?;
                out.push(match e {
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    '0' => '\0',
                    '\\' | '"' | '\'' => e,
                    'u' => {
                        let (_, '{') = chars.next()? else {
                            return None;
                        };
                        let mut hex = String::new();
                        loop {
                            match chars.next()? {
                                (_, '}') => break,
                                (_, h) => hex.push(h),
                            }
                        }
                        char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?
                    }
                    _ => return None,
                });
            }
            c => out.push(c),
        }
    }
    None
}

/// The note for a rewritten line.
fn rewrote(before: &str, after: &str) -> String {
    Rewrite {
        sent: before.to_string(),
        received: after.to_string(),
    }
    .written()
}
