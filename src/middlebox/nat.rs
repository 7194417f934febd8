//! NAT: one host on a private address, a router showing another address to
//! the world.
//!
//! Network address translation rewrites the *IP header* of every packet
//! that crosses the router: a packet leaving `192.168.1.2` leaves the
//! router as `127.0.0.2` (in the lab, the real loopback address plays the
//! router's public address). It does **not** read the payload. Most
//! protocols never notice, because their payload carries no addresses. FTP
//! does: `PORT 192,168,1,2,195,80` is payload, so the server reads a
//! private address that means nothing outside the client's home network.
//! Addresses from RFC 1918 (`10/8`, `172.16/12`, `192.168/16`) and IPv6
//! unique-local ones (`fc00::/7`) are not routed on the internet: a SYN
//! sent to one "goes nowhere".
//!
//! The lab's two NATs, and what a peer behind one believes about itself:
//!
//! | `--nat` | who is inside | believes it is | the world sees | inbound |
//! |---|---|---|---|---|
//! | `client` | the client | `192.168.1.2` (`fd00:1::2`) | its real loopback address | nothing gets in unless the client started it (or a helper expects it) |
//! | `server` | the server | `10.0.0.3` (`fd00:2::3`) | its real loopback address | only the control port forwarded (a home router's port-forward); with `--forward-data` every port (a 1:1 NAT, as an admin sets up for a server) |
//!
//! A port the router does not forward is not silently lost: the router
//! itself answers the SYN with an RST, so the dialler learns "connection
//! refused" at once (measured on Linux: well under a millisecond). Only a
//! dial to a *private* address dies unanswered. The helper's expectation
//! (see `helper`) forwards exactly the one port it expects.
//!
//! The private addresses are *simulated*: they exist only in the lines the
//! peers write and in [`super::Middlebox::dial`], which drops every dial to
//! them. No socket ever sees one.

use crate::trace::Side;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// A simulated NAT in front of one of the peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Nat {
    #[default]
    None,
    /// The client sits behind a home router.
    Client,
    /// The server sits behind a NAT that forwards its control port (and,
    /// with [`super::Middlebox::forwarding_data`], every port).
    Server,
}

/// The client's private address behind `--nat client` (a home network).
pub const CLIENT_PRIVATE_V4: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 2);
/// The server's private address behind `--nat server` (a data centre).
pub const SERVER_PRIVATE_V4: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 3);
/// The client's private address over IPv6 (unique local, `fd00::/8`).
pub const CLIENT_PRIVATE_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 1, 0, 0, 0, 0, 0, 2);
/// The server's private address over IPv6 (unique local, `fd00::/8`).
pub const SERVER_PRIVATE_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 2, 0, 0, 0, 0, 0, 3);

/// Which side sits behind this NAT, if any.
pub fn inside(nat: Nat) -> Option<Side> {
    match nat {
        Nat::None => None,
        Nat::Client => Some(Side::Client),
        Nat::Server => Some(Side::Server),
    }
}

/// The private address `side` believes it has, when it is behind `nat`;
/// the same address family as its real one.
pub fn private_ip(nat: Nat, side: Side, real: IpAddr) -> Option<IpAddr> {
    if inside(nat) != Some(side) {
        return None;
    }
    Some(match (side, real) {
        (Side::Client, IpAddr::V4(_)) => IpAddr::V4(CLIENT_PRIVATE_V4),
        (Side::Client, IpAddr::V6(_)) => IpAddr::V6(CLIENT_PRIVATE_V6),
        (Side::Server, IpAddr::V4(_)) => IpAddr::V4(SERVER_PRIVATE_V4),
        (Side::Server, IpAddr::V6(_)) => IpAddr::V6(SERVER_PRIVATE_V6),
    })
}

/// The address `side` believes it has: its private one behind a NAT, else
/// its real one.
pub fn believed_ip(nat: Nat, side: Side, real: IpAddr) -> IpAddr {
    private_ip(nat, side, real).unwrap_or(real)
}

/// What a NAT does to the addresses of the host inside: the private
/// address it has, the public one the world sees it as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Translation {
    /// Who is inside.
    pub inside: Side,
    pub private: IpAddr,
    pub public: IpAddr,
}

impl Translation {
    /// The translation of `nat`, whose inside host really is at `real`
    /// (the address the world sees); `None` without a NAT.
    pub fn of(nat: Nat, real: IpAddr) -> Option<Translation> {
        let inside = self::inside(nat)?;
        Some(Translation {
            inside,
            private: private_ip(nat, inside, real)?,
            public: real,
        })
    }

    /// Both addresses, as drawn between the hosts, the client's side on the
    /// left: `192.168.1.2 ⇄ 127.0.0.2` (the client inside),
    /// `127.0.0.3 ⇄ 10.0.0.3` (the server inside).
    pub fn words(&self) -> String {
        match self.inside {
            Side::Client => format!("{} ⇄ {}", self.private, self.public),
            Side::Server => format!("{} ⇄ {}", self.public, self.private),
        }
    }

    /// The public address alone, on the world's side of the arrow, for
    /// where the host's box beside it shows the private one:
    /// `⇄ 127.0.0.2`, `127.0.0.3 ⇄`.
    pub fn outside_words(&self) -> String {
        match self.inside {
            Side::Client => format!("⇄ {}", self.public),
            Side::Server => format!("{} ⇄", self.public),
        }
    }

    /// The fewest words: the NAT and the address it shows the world, on
    /// the world's side: `NAT ⇄ 127.0.0.2`, `127.0.0.3 ⇄ NAT`.
    pub fn tiny_words(&self) -> String {
        match self.inside {
            Side::Client => format!("NAT ⇄ {}", self.public),
            Side::Server => format!("{} ⇄ NAT", self.public),
        }
    }
}

/// True for addresses that are not routed on the internet: RFC 1918,
/// IPv4 link-local, IPv6 unique-local (`fc00::/7`) and link-local.
pub fn is_private(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.is_private() || v4.is_link_local(),
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
    }
}

/// `addr` with its IP replaced, port kept. The lab's NAT preserves ports,
/// as most home routers do when the port is free.
pub fn with_ip(addr: SocketAddr, ip: IpAddr) -> SocketAddr {
    SocketAddr::new(ip, addr.port())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middlebox::on_this_machine as is_loopback;

    #[test]
    fn only_the_side_inside_gets_a_private_address() {
        let v4: IpAddr = "127.0.0.2".parse().unwrap();
        let v6: IpAddr = "::1".parse().unwrap();
        assert_eq!(private_ip(Nat::None, Side::Client, v4), None);
        assert_eq!(private_ip(Nat::Server, Side::Client, v4), None);
        assert_eq!(
            private_ip(Nat::Client, Side::Client, v4),
            Some(IpAddr::V4(CLIENT_PRIVATE_V4))
        );
        assert_eq!(
            private_ip(Nat::Server, Side::Server, v6),
            Some(IpAddr::V6(SERVER_PRIVATE_V6))
        );
        assert_eq!(believed_ip(Nat::Client, Side::Server, v4), v4);
    }

    #[test]
    fn a_translation_reads_from_the_clients_side() {
        let v4: IpAddr = "127.0.0.2".parse().unwrap();
        assert_eq!(Translation::of(Nat::None, v4), None);
        let c = Translation::of(Nat::Client, v4).expect("client inside");
        assert_eq!(c.words(), format!("{CLIENT_PRIVATE_V4} ⇄ 127.0.0.2"));
        assert_eq!(c.outside_words(), "⇄ 127.0.0.2");
        assert_eq!(c.tiny_words(), "NAT ⇄ 127.0.0.2");
        let s = Translation::of(Nat::Server, "127.0.0.3".parse().unwrap()).expect("server");
        assert_eq!(s.words(), format!("127.0.0.3 ⇄ {SERVER_PRIVATE_V4}"));
        assert_eq!(s.outside_words(), "127.0.0.3 ⇄");
        assert_eq!(s.tiny_words(), "127.0.0.3 ⇄ NAT");
        let v6 = Translation::of(Nat::Server, "::1".parse().unwrap()).expect("v6");
        assert_eq!(v6.words(), format!("::1 ⇄ {SERVER_PRIVATE_V6}"));
    }

    #[test]
    fn private_and_loopback_ranges() {
        for p in [
            "10.0.0.3",
            "192.168.1.2",
            "172.16.9.9",
            "fd00:1::2",
            "fe80::1",
        ] {
            assert!(is_private(p.parse().unwrap()), "{p}");
            assert!(!is_loopback(p.parse().unwrap()), "{p}");
        }
        for l in ["127.0.0.1", "127.0.0.3", "::1", "::ffff:127.0.0.2"] {
            assert!(is_loopback(l.parse().unwrap()), "{l}");
            assert!(!is_private(l.parse().unwrap()), "{l}");
        }
        assert!(!is_private("192.0.2.25".parse().unwrap()));
        assert!(!is_loopback("192.0.2.25".parse().unwrap()));
    }
}
