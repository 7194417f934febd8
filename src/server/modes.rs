//! Modes: the commands that plan the next data connection — who will dial
//! whom. (How the plan is carried out is [`super::data`].)
//!
//! - `PORT h1,h2,h3,h4,p1,p2` / `EPRT |1|host|port|`: **active** mode. The
//!   client listens and names its address; the server will dial it when
//!   the transfer command comes. A server must not dial just anywhere:
//!   an address other than the client's own, or a port below 1024, is
//!   refused with `504` — otherwise a client could make the server attack
//!   a third host (the "FTP bounce", RFC 2577).
//! - `PASV` / `EPSV`: **passive** mode. The server opens a fresh listener
//!   and answers its address (`227 ... (h1,h2,h3,h4,p1,p2)`) or just its
//!   port (`229 ... (|||port|)`, which also works over IPv6 and through
//!   address-rewriting NAT); the client dials it.
//! - `EPSV ALL` (RFC 2428): from now on only `EPSV`; `PORT`, `EPRT` and
//!   `PASV` get `503`, so a NAT helper need not read this session.

use super::data::Plan;
use super::session::Session;
use crate::ftp::hostport::{self, HostPortError};
use crate::ftp::Verb;
use crate::trace::{Side, Via};
use std::io;
use std::net::{IpAddr, SocketAddr};

impl Session {
    /// PORT / EPRT: remember where to dial, after checking it is the
    /// client's own address and an unprivileged port.
    pub(super) async fn port(&mut self, verb: &Verb, arg: &str) -> io::Result<()> {
        if self.epsv_all {
            return self
                .reply(503, "EPSV ALL was sent: only EPSV is allowed now.")
                .await;
        }
        let (parsed, via) = if *verb == Verb::Port {
            (hostport::parse_port(arg).map(SocketAddr::V4), Via::Port)
        } else {
            (hostport::parse_eprt(arg), Via::Eprt)
        };
        let target = match parsed {
            Ok(t) => t,
            Err(HostPortError::UnknownFamily(_)) => {
                return self
                    .reply(522, "Network protocol not supported, use (1,2).")
                    .await
            }
            Err(e) => {
                return self
                    .reply(501, &format!("Syntax error in {verb}: {e}."))
                    .await
            }
        };
        let peer_ip = self.peer.ip().to_canonical();
        if target.ip().to_canonical() != peer_ip || target.port() < 1024 {
            let msg = format!(
                "{verb} refused: this server dials only your own address ({peer_ip}) at a port >= 1024, not {target} (FTP bounce protection)."
            );
            return self.reply(504, &msg).await;
        }
        if !self.ctx.network.may_reach(target, self.peer.ip()) {
            // A client off loopback, and no --classroom: say so now rather
            // than promise a dial that will not come.
            let msg = format!(
                "{verb} refused: this server dials back only clients that reach it over loopback (serve --classroom lets it dial yours). Use passive mode."
            );
            return self.reply(504, &msg).await;
        }
        self.plan = Plan::Active { target, via };
        self.reply(
            200,
            &format!("{verb} command successful. I will dial {target} after the transfer command."),
        )
        .await
    }

    /// PASV / EPSV: a fresh listener for the client to dial.
    pub(super) async fn pasv(&mut self, verb: &Verb, arg: &str) -> io::Result<()> {
        let extended = *verb == Verb::Epsv;
        if extended && arg.eq_ignore_ascii_case("ALL") {
            self.epsv_all = true;
            return self.reply(200, "EPSV ALL ok: only EPSV from now on.").await;
        }
        if !extended && self.epsv_all {
            return self
                .reply(503, "EPSV ALL was sent: only EPSV is allowed now.")
                .await;
        }
        let local_ip = self.local.ip().to_canonical();
        if extended && !arg.is_empty() {
            let family_ok = match arg.trim() {
                "1" => local_ip.is_ipv4(),
                "2" => local_ip.is_ipv6(),
                _ => false,
            };
            if !family_ok {
                return self
                    .reply(522, "Network protocol not supported, use (1,2).")
                    .await;
            }
        }
        if !extended && local_ip.is_ipv6() {
            return self
                .reply(522, "PASV cannot carry an IPv6 address: use EPSV.")
                .await;
        }
        let via = if extended { Via::Epsv } else { Via::Pasv };
        self.open_passive(local_ip, via).await
    }

    async fn open_passive(&mut self, ip: IpAddr, via: Via) -> io::Result<()> {
        // One listener per session: the previous one closes before the
        // next opens (its accepted dial, if any, is closed and recorded).
        self.plan = Plan::None;
        let allowed = self.peer.ip().to_canonical();
        match Plan::passive(ip, allowed, via, self.ctx.passive_wait) {
            Ok((plan, addr)) => {
                self.plan = plan;
                // Behind a simulated NAT the server announces the private
                // address it believes it has (229 carries only the port).
                let addr = self.ctx.network.announce(Side::Server, addr);
                let msg = match (via, addr) {
                    (Via::Pasv, SocketAddr::V4(v4)) => hostport::format_227(v4),
                    _ => hostport::format_229(addr.port()),
                };
                self.reply(if via == Via::Pasv { 227 } else { 229 }, &msg)
                    .await
            }
            Err(e) => {
                self.reply(425, &format!("Cannot open a passive listener: {e}."))
                    .await
            }
        }
    }
}
