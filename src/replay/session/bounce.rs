//! The FTP bounce, seen in a capture.
//!
//! `PORT` and `EPRT` name the endpoint the *server* will dial for the next
//! transfer. Nothing in the command ties that endpoint to the client: a
//! client may name a third host, and a server that obeys dials it. That is
//! the FTP bounce (RFC 2577 names it): the server, trusted by the third
//! host, connects to it on the client's behalf (a port scan "from" the
//! server, a mail relayed through it). Servers therefore refuse a `PORT`
//! that names another host than the control connection's peer, or a port
//! below 1024 where system services listen, as the lab's bounce lesson
//! shows.
//!
//! A capture holds both halves: the `PORT` and the server's answer. Each is
//! noted. An address that differs from the client's may also be the
//! client's own address behind a NAT (a private address the server never
//! sees as the source), so a private address is said to be either.

use std::net::{IpAddr, SocketAddr};

/// Whether an address is private (RFC 1918, or IPv6 unique-local): one a
/// NAT hides behind a public one.
fn private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => v.is_private() || v.is_link_local(),
        IpAddr::V6(v) => (v.segments()[0] & 0xfe00) == 0xfc00,
    }
}

/// The note on a `PORT`/`EPRT` naming `named` from a session whose client
/// is `client`, when it is a bounce (or may be).
pub fn note(verb: &str, named: SocketAddr, client: SocketAddr) -> Option<String> {
    let (ip, own) = (named.ip().to_canonical(), client.ip().to_canonical());
    if ip.is_unspecified() {
        return None;
    }
    if ip != own {
        let who = if private(ip) {
            "either the client's own address behind a NAT, or a third host"
        } else {
            "a third host"
        };
        return Some(format!(
            "a bounce: {verb} asks the server to dial {named}, {who}, not the client \
             ({own}) it is talking to: the FTP bounce, which servers refuse (RFC 2577)"
        ));
    }
    (1..1024).contains(&named.port()).then(|| {
        format!(
            "a bounce: {verb} names port {}, below 1024 where system services listen: \
             the FTP bounce aims there, and servers refuse it (RFC 2577)",
            named.port()
        )
    })
}

/// The note on the server's answer to a bounce.
pub fn answer(code: u16) -> String {
    if code >= 400 {
        format!("the server refused the bounce ({code}): it dials nobody for it")
    } else {
        format!("the server accepted the bounce ({code}): it will dial where it was told")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_third_host_a_private_one_and_a_low_port() {
        let client = a("198.51.100.7:40000");
        let n = note("PORT", a("203.0.113.9:80"), client).unwrap();
        assert!(n.contains("203.0.113.9:80, a third host"), "{n}");
        let n = note("PORT", a("10.0.0.9:5000"), client).unwrap();
        assert!(n.contains("behind a NAT"), "{n}");
        let n = note("EPRT", a("198.51.100.7:25"), client).unwrap();
        assert!(n.contains("port 25, below 1024"), "{n}");
        assert_eq!(note("PORT", a("198.51.100.7:50000"), client), None);
        assert_eq!(
            note("PORT", a("198.51.100.7:0"), client),
            None,
            "no port at all"
        );
        assert!(answer(504).contains("refused"));
        assert!(answer(200).contains("accepted"));
    }
}
