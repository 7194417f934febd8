//! The addresses that FTP sends *inside* its commands and replies.
//!
//! This is the part of FTP that makes it unlike every other protocol: the
//! control channel carries the address for the next data connection.
//!
//! | who says it | text | meaning |
//! |---|---|---|
//! | client | `PORT 127,0,0,2,195,80` | "I listen on 127.0.0.2 port 195×256+80 = 50000: dial me" (active, RFC 959) |
//! | client | `EPRT \|1\|127.0.0.2\|50000\|` | the same, any address family (active, RFC 2428) |
//! | server | `227 Entering Passive Mode (127,0,0,3,195,80)` | "I listen there: dial me" (passive, RFC 959) |
//! | server | `229 Entering Extended Passive Mode (\|\|\|50000\|)` | "I listen on that port of the address you already reach me on" (passive, RFC 2428) |
//!
//! A port is 16 bits; `PORT` and `227` write it as two bytes, high then low,
//! which is where the "× 256" that students meet comes from.
//!
//! Parsing is lenient where real software differs (`227` with or without
//! parentheses, with spaces, with trailing text; `EPRT` with any delimiter)
//! and strict where it matters (every number in range, the address family
//! matching the address).

use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};

/// An address argument that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostPortError {
    #[error("expected six numbers h1,h2,h3,h4,p1,p2")]
    NotSixNumbers,
    #[error("number out of range 0-255: {0}")]
    OutOfRange(String),
    #[error("malformed EPRT argument (want |af|address|port|)")]
    BadEprt,
    #[error("unknown address family {0} (1 = IPv4, 2 = IPv6)")]
    UnknownFamily(String),
    #[error("address {0} does not match address family {1}")]
    FamilyMismatch(String, u8),
    #[error("bad port: {0}")]
    BadPort(String),
    #[error("no (|||port|) in the 229 reply")]
    No229Port,
}

/// A port as the two bytes PORT and 227 carry: `50000` → `(195, 80)`.
pub fn port_bytes(port: u16) -> (u8, u8) {
    let [hi, lo] = port.to_be_bytes();
    (hi, lo)
}

fn byte(s: &str) -> Result<u8, HostPortError> {
    let s = s.trim();
    if s.is_empty() || s.len() > 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(HostPortError::NotSixNumbers);
    }
    s.parse::<u8>()
        .map_err(|_| HostPortError::OutOfRange(s.to_string()))
}

/// Parses the argument of `PORT`: `h1,h2,h3,h4,p1,p2`.
pub fn parse_port(arg: &str) -> Result<SocketAddrV4, HostPortError> {
    let parts: Vec<&str> = arg.trim().split(',').collect();
    if parts.len() != 6 {
        return Err(HostPortError::NotSixNumbers);
    }
    let mut n = [0u8; 6];
    for (slot, part) in n.iter_mut().zip(&parts) {
        *slot = byte(part)?;
    }
    Ok(SocketAddrV4::new(
        Ipv4Addr::new(n[0], n[1], n[2], n[3]),
        u16::from_be_bytes([n[4], n[5]]),
    ))
}

/// Writes the argument of `PORT` (and the numbers of `227`).
pub fn format_port(addr: SocketAddrV4) -> String {
    let [a, b, c, d] = addr.ip().octets();
    let (hi, lo) = port_bytes(addr.port());
    format!("{a},{b},{c},{d},{hi},{lo}")
}

/// Parses the argument of `EPRT`: `<d><af><d><address><d><port><d>`, where
/// `<d>` is any printable character (RFC 2428 suggests `|`).
pub fn parse_eprt(arg: &str) -> Result<SocketAddr, HostPortError> {
    let arg = arg.trim();
    let delim = arg.chars().next().ok_or(HostPortError::BadEprt)?;
    if !delim.is_ascii_graphic() || delim.is_ascii_alphanumeric() {
        return Err(HostPortError::BadEprt);
    }
    let fields: Vec<&str> = arg.split(delim).collect();
    // "", af, addr, port, ""
    if fields.len() != 5 || !fields[0].is_empty() || !fields[4].is_empty() {
        return Err(HostPortError::BadEprt);
    }
    let port = parse_port_number(fields[3])?;
    let ip: IpAddr = fields[2].parse().map_err(|_| HostPortError::BadEprt)?;
    let family = match fields[1] {
        "1" => 1,
        "2" => 2,
        other => {
            return Err(HostPortError::UnknownFamily(
                other.chars().take(8).collect(),
            ))
        }
    };
    match (family, ip) {
        (1, IpAddr::V4(_)) | (2, IpAddr::V6(_)) => Ok(SocketAddr::new(ip, port)),
        _ => Err(HostPortError::FamilyMismatch(fields[2].to_string(), family)),
    }
}

/// Writes the argument of `EPRT`: `|1|127.0.0.2|50000|` or `|2|::1|50000|`.
pub fn format_eprt(addr: SocketAddr) -> String {
    let family = if addr.is_ipv4() { 1 } else { 2 };
    format!("|{family}|{}|{}|", addr.ip(), addr.port())
}

fn parse_port_number(s: &str) -> Result<u16, HostPortError> {
    let s = s.trim();
    if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(HostPortError::BadPort(s.chars().take(8).collect()));
    }
    s.parse::<u16>()
        .map_err(|_| HostPortError::BadPort(s.to_string()))
}

/// Finds the address in a `227` reply's text. Servers write it in many ways
/// — `(127,0,0,1,156,101).`, `=127,0,0,1,156,101`, `127, 0, 0, 1, 156, 101`
/// — so the first run of six comma-separated numbers wins.
pub fn parse_227(text: &str) -> Result<SocketAddrV4, HostPortError> {
    let bytes = text.as_bytes();
    let mut last_err = HostPortError::NotSixNumbers;
    for (i, &b) in bytes.iter().enumerate() {
        let starts_number = b.is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_digit());
        if !starts_number {
            continue;
        }
        // Take the longest stretch of digits, commas and spaces from here.
        let end = bytes[i..]
            .iter()
            .position(|c| !(c.is_ascii_digit() || *c == b',' || *c == b' '))
            .map_or(bytes.len(), |p| i + p);
        let run = text[i..end].trim_end_matches([' ', ',']);
        let numbers: Vec<&str> = run.split(',').collect();
        if numbers.len() < 6 {
            continue;
        }
        match parse_port(&numbers[..6].join(",")) {
            Ok(addr) => return Ok(addr),
            Err(e) => last_err = e,
        }
    }
    Err(last_err)
}

/// The message of a `227` reply for an address.
pub fn format_227(addr: SocketAddrV4) -> String {
    format!("Entering Passive Mode ({}).", format_port(addr))
}

/// Finds the port in a `229` reply's text: `(|||50000|)`, with any
/// delimiter in place of `|`.
pub fn parse_229(text: &str) -> Result<u16, HostPortError> {
    let mut rest = text;
    while let Some(open) = rest.find('(') {
        let inner = &rest[open + 1..];
        if let Some(port) = epsv_port(inner) {
            return Ok(port);
        }
        rest = inner;
    }
    Err(HostPortError::No229Port)
}

/// `|||50000|)` → 50000.
fn epsv_port(s: &str) -> Option<u16> {
    let mut chars = s.chars();
    let d = chars.next()?;
    if !d.is_ascii_graphic() || d.is_ascii_alphanumeric() {
        return None;
    }
    let after = s.get(d.len_utf8() * 3..)?;
    if s.get(..d.len_utf8() * 3)? != d.to_string().repeat(3) {
        return None;
    }
    let (digits, tail) = after.split_once(d)?;
    if !tail.starts_with(')') {
        return None;
    }
    parse_port_number(digits).ok()
}

/// The message of a `229` reply for a port.
pub fn format_229(port: u16) -> String {
    format!("Entering Extended Passive Mode (|||{port}|)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn v4(s: &str) -> SocketAddrV4 {
        s.parse().unwrap()
    }

    #[test]
    fn port_arithmetic() {
        assert_eq!(port_bytes(50000), (195, 80));
        assert_eq!(parse_port("127,0,0,2,195,80"), Ok(v4("127.0.0.2:50000")));
        assert_eq!(format_port(v4("127.0.0.1:20")), "127,0,0,1,0,20");
        assert_eq!(parse_port(" 10, 0,0,1 ,4,1 "), Ok(v4("10.0.0.1:1025")));
    }

    #[test]
    fn bad_port_arguments() {
        assert_eq!(parse_port("127,0,0,1,4"), Err(HostPortError::NotSixNumbers));
        assert_eq!(
            parse_port("127,0,0,1,4,256"),
            Err(HostPortError::OutOfRange("256".into()))
        );
        assert_eq!(
            parse_port("127,0,0,1,4,-1"),
            Err(HostPortError::NotSixNumbers)
        );
        assert_eq!(parse_port("a,b,c,d,e,f"), Err(HostPortError::NotSixNumbers));
        assert_eq!(parse_port(""), Err(HostPortError::NotSixNumbers));
    }

    #[test]
    fn eprt_in_both_families_and_any_delimiter() {
        assert_eq!(
            parse_eprt("|1|132.235.1.2|6275|"),
            Ok("132.235.1.2:6275".parse().unwrap())
        );
        assert_eq!(
            parse_eprt("|2|1080::8:800:200C:417A|5282|"),
            Ok("[1080::8:800:200c:417a]:5282".parse().unwrap())
        );
        assert_eq!(
            parse_eprt("!2!::1!50000!"),
            Ok("[::1]:50000".parse().unwrap())
        );
        assert_eq!(format_eprt("[::1]:50000".parse().unwrap()), "|2|::1|50000|");
        assert_eq!(
            format_eprt("127.0.0.2:1".parse().unwrap()),
            "|1|127.0.0.2|1|"
        );
    }

    #[test]
    fn bad_eprt_arguments() {
        assert_eq!(parse_eprt(""), Err(HostPortError::BadEprt));
        assert_eq!(
            parse_eprt("|1|::1|5|"),
            Err(HostPortError::FamilyMismatch("::1".into(), 1))
        );
        assert_eq!(
            parse_eprt("|3|1.2.3.4|5|"),
            Err(HostPortError::UnknownFamily("3".into()))
        );
        assert_eq!(
            parse_eprt("|1|1.2.3.4|70000|"),
            Err(HostPortError::BadPort("70000".into()))
        );
        assert_eq!(parse_eprt("|1|1.2.3.4|5"), Err(HostPortError::BadEprt));
        assert_eq!(parse_eprt("1|1|1.2.3.4|5|"), Err(HostPortError::BadEprt));
    }

    #[test]
    fn real_227_replies() {
        // vsftpd, pure-ftpd, pyftpdlib, NetBSD ftpd, a bare form and a spaced one.
        for (text, want) in [
            (
                "Entering Passive Mode (127,0,0,1,156,101).",
                "127.0.0.1:40037",
            ),
            (
                "Entering Passive Mode (192,168,0,193,28,86)",
                "192.168.0.193:7254",
            ),
            (
                "Entering passive mode (127,0,0,1,195,81)",
                "127.0.0.1:50001",
            ),
            ("=127,0,0,1,4,1", "127.0.0.1:1025"),
            ("Entering Passive Mode 10,0,0,7,4,1 ok", "10.0.0.7:1025"),
            (
                "227 Entering Passive Mode (127, 0, 0, 1, 4, 1)",
                "127.0.0.1:1025",
            ),
        ] {
            assert_eq!(parse_227(text), Ok(v4(want)), "{text}");
        }
        assert!(parse_227("Entering Passive Mode").is_err());
        assert!(parse_227("(1,2,3)").is_err());
        assert_eq!(
            parse_227(&format_227(v4("127.0.0.3:50000"))),
            Ok(v4("127.0.0.3:50000"))
        );
    }

    #[test]
    fn real_229_replies() {
        assert_eq!(
            parse_229("229 Entering extended passive mode (|||50043|)."),
            Ok(50043)
        );
        assert_eq!(
            parse_229("Entering Extended Passive Mode (|||57086|)"),
            Ok(57086)
        );
        assert_eq!(parse_229("EPSV ok (!!!1234!)"), Ok(1234));
        assert_eq!(parse_229("(no) (|||80|)"), Ok(80));
        assert_eq!(
            parse_229("Entering Extended Passive Mode"),
            Err(HostPortError::No229Port)
        );
        assert_eq!(parse_229("(|||99999|)"), Err(HostPortError::No229Port));
        assert_eq!(parse_229(&format_229(2121)), Ok(2121));
    }

    proptest! {
        #[test]
        fn port_round_trips(a: [u8; 4], port: u16) {
            let addr = SocketAddrV4::new(Ipv4Addr::from(a), port);
            prop_assert_eq!(parse_port(&format_port(addr)), Ok(addr));
            prop_assert_eq!(parse_227(&format_227(addr)), Ok(addr));
        }

        #[test]
        fn eprt_round_trips(a: [u8; 16], b: [u8; 4], port: u16) {
            let six = SocketAddr::new(IpAddr::from(a), port);
            prop_assert_eq!(parse_eprt(&format_eprt(six)), Ok(six));
            let four = SocketAddr::new(IpAddr::from(b), port);
            prop_assert_eq!(parse_eprt(&format_eprt(four)), Ok(four));
        }

        #[test]
        fn epsv_round_trips(port: u16) {
            prop_assert_eq!(parse_229(&format_229(port)), Ok(port));
        }

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,48}") {
            let _ = parse_port(&s);
            let _ = parse_eprt(&s);
            let _ = parse_227(&s);
            let _ = parse_229(&s);
        }
    }
}
