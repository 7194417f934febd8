//! TCP segments: the part of an IP packet that replay cares about.
//!
//! An IPv4 header is at least 20 bytes (`IHL` × 4 says how many); an IPv6
//! header is exactly 40, possibly followed by *extension headers* chained by
//! their `next header` field. Both end at the transport header; protocol 6
//! is TCP. A TCP header gives the two ports, the sequence number of the
//! first payload byte, the acknowledgement number (the next byte it expects
//! from its peer), the flags (SYN, ACK, FIN, RST) and, in `data offset`, its
//! own length. What is left is payload.
//!
//! Two lengths matter. The IP header says how long the packet *was*; the
//! capture may hold fewer bytes (a snap length, or a damaged file). The
//! payload length on the wire (`len`) is what TCP counted and what byte
//! totals report; the captured bytes (`payload`) are all we can read.
//!
//! Fragmented IP packets are skipped: FTP's sender never needs them, and a
//! first fragment alone would give a wrong payload length.
//!
//! Every accessor here checks lengths first and returns `None` for a packet
//! that does not hold what its headers promise: input from a file is never
//! trusted.
//!
//! A segment is made for every packet, so its ends are [`Endpoint`]s, plain
//! numbers, rather than `SocketAddr`s (see [`super::endpoints`]).

use super::endpoints::Endpoint;

pub const FIN: u8 = 0x01;
pub const SYN: u8 = 0x02;
pub const RST: u8 = 0x04;
pub const ACK: u8 = 0x10;

/// One TCP segment, as read from a captured IP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment<'a> {
    pub src: Endpoint,
    pub dst: Endpoint,
    pub seq: u32,
    /// The next sequence number the sender expects from its peer (with ACK).
    pub ack: u32,
    pub flags: u8,
    /// Payload length on the wire.
    pub len: u32,
    /// The payload bytes that were captured (at most `len`).
    pub payload: &'a [u8],
}

impl Segment<'_> {
    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

#[inline]
fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(*b.get(at..)?.first_chunk()?))
}

#[inline]
fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(*b.get(at..)?.first_chunk()?))
}

/// The TCP segment in an IPv4 packet, if it is one.
#[inline]
pub fn ipv4(p: &[u8]) -> Option<Segment<'_>> {
    let first = *p.first()?;
    let ihl = usize::from(first & 0x0f) * 4;
    if first >> 4 != 4 || ihl < 20 || p.len() < ihl || *p.get(9)? != 6 {
        return None;
    }
    let frag = be16(p, 6)?;
    if frag & 0x3fff != 0 {
        return None; // a fragment: MF set or a non-zero offset
    }
    let total = usize::from(be16(p, 2)?);
    // A total length of 0 appears with TCP segmentation offload: trust the capture.
    let wire = if total == 0 { p.len() } else { total };
    let (src, dst) = (be32(p, 12)?, be32(p, 16)?);
    let ends = |sport, dport| (Endpoint::v4(src, sport), Endpoint::v4(dst, dport));
    tcp(ends, p.get(ihl..)?, wire.checked_sub(ihl)?)
}

fn addr6(p: &[u8], at: usize) -> Option<u128> {
    let b: [u8; 16] = p.get(at..at + 16)?.try_into().ok()?;
    Some(u128::from_be_bytes(b))
}

/// The TCP segment in an IPv6 packet, if it is one.
pub fn ipv6(p: &[u8]) -> Option<Segment<'_>> {
    if p.first()? >> 4 != 6 {
        return None;
    }
    let payload_len = usize::from(be16(p, 4)?);
    let mut next = *p.get(6)?;
    let src = addr6(p, 8)?;
    let dst = addr6(p, 24)?;
    let mut at = 40;
    let end = if payload_len == 0 {
        p.len()
    } else {
        40 + payload_len
    };
    loop {
        match next {
            6 => break,
            0 | 43 | 60 => {
                next = *p.get(at)?;
                at += (usize::from(*p.get(at + 1)?) + 1) * 8;
            }
            51 => {
                next = *p.get(at)?;
                at += (usize::from(*p.get(at + 1)?) + 2) * 4;
            }
            44 => {
                let off_m = be16(p, at + 2)?;
                if off_m & 0xfff9 != 0 {
                    return None; // a fragment
                }
                next = *p.get(at)?;
                at += 8;
            }
            _ => return None,
        }
    }
    let ends = |sport, dport| (Endpoint::v6(src, sport), Endpoint::v6(dst, dport));
    tcp(ends, p.get(at..)?, end.checked_sub(at)?)
}

/// The TCP segment in `t`, `wire` bytes long on the wire; `ends` names its
/// ends by their ports.
#[inline]
fn tcp(
    ends: impl Fn(u16, u16) -> (Endpoint, Endpoint),
    t: &[u8],
    wire: usize,
) -> Option<Segment<'_>> {
    let doff = usize::from(*t.get(12)? >> 4) * 4;
    if doff < 20 || t.len() < doff {
        return None; // not a whole TCP header
    }
    let flags = *t.get(13)?;
    let len = wire.saturating_sub(doff);
    let captured = t.get(doff..).unwrap_or_default();
    let payload = captured.get(..len.min(captured.len())).unwrap_or_default();
    let (src, dst) = ends(be16(t, 0)?, be16(t, 2)?);
    Some(Segment {
        src,
        dst,
        seq: be32(t, 4)?,
        ack: be32(t, 8)?,
        flags,
        len: u32::try_from(len).ok()?,
        payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4_packet(payload: &[u8], frag: u16) -> Vec<u8> {
        let total = (40 + payload.len()) as u16;
        let mut p = vec![0x45, 0];
        p.extend(total.to_be_bytes());
        p.extend([0, 0]);
        p.extend(frag.to_be_bytes());
        p.extend([64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
        p.extend([0x04, 0x00, 0x00, 0x15]); // 1024 -> 21
        p.extend(7u32.to_be_bytes());
        p.extend([0, 0, 0, 0, 0x50, SYN | ACK, 0, 0, 0, 0, 0, 0]);
        p.extend(payload);
        p
    }

    #[test]
    fn ipv4_tcp_fields() {
        let p = v4_packet(b"220 hi\r\n", 0x4000);
        let s = ipv4(&p).unwrap();
        assert_eq!(s.src.addr(), "10.0.0.1:1024".parse().unwrap());
        assert_eq!(s.dst.addr(), "10.0.0.2:21".parse().unwrap());
        assert_eq!((s.seq, s.len, s.payload), (7, 8, &b"220 hi\r\n"[..]));
        assert!(s.has(SYN) && s.has(ACK) && !s.has(FIN));
    }

    #[test]
    fn snapped_payload_keeps_its_wire_length() {
        let p = v4_packet(b"0123456789", 0);
        let s = ipv4(&p[..45]).unwrap();
        assert_eq!((s.len, s.payload.len()), (10, 5));
    }

    #[test]
    fn fragments_and_short_packets_are_skipped() {
        assert!(ipv4(&v4_packet(b"x", 0x2000)).is_none());
        assert!(ipv4(&v4_packet(b"x", 0x0010)).is_none());
        let p = v4_packet(b"", 0);
        for cut in 0..40 {
            assert!(ipv4(&p[..cut]).is_none(), "cut at {cut}");
        }
    }

    #[test]
    fn ipv6_with_a_hop_by_hop_header() {
        let mut p = vec![0x60, 0, 0, 0, 0, 28, 0, 64];
        p.extend(std::net::Ipv6Addr::LOCALHOST.octets());
        p.extend(std::net::Ipv6Addr::LOCALHOST.octets());
        p.extend([6, 0, 0, 0, 0, 0, 0, 0]); // hop-by-hop, next = TCP
        p.extend([
            0x9c, 0x40, 0x00, 0x15, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, ACK, 0, 0, 0, 0, 0, 0,
        ]);
        let s = ipv6(&p).unwrap();
        assert_eq!(s.src.addr(), "[::1]:40000".parse().unwrap());
        assert_eq!(s.len, 0);
    }
}
