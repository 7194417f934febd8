//! Link layers: what wraps the IP packet in a captured frame.
//!
//! A capture stores whole frames as the interface saw them, and its link
//! type (a LINKTYPE_* number) says what comes before the IP header:
//!
//! | link type | header before IP |
//! |---|---|
//! | 1 Ethernet | 6 + 6 bytes of MAC addresses, a 2-byte EtherType (`0800` IPv4, `86dd` IPv6), and any number of 4-byte VLAN tags (`8100`, `88a8`, `9100`) in between |
//! | 0 NULL (BSD loopback) | a 4-byte address family in the *capturing host's* byte order (2 = IPv4; 10, 24, 28, 30 = IPv6 on Linux and the BSDs) |
//! | 108 LOOP (OpenBSD loopback) | the same family, in network byte order |
//! | 101 RAW, 228 IPv4, 229 IPv6 | nothing: the frame *is* the IP packet |
//! | 113 Linux SLL (`tcpdump -i any`) | 16 bytes: packet type, ARPHRD type, address length, 8 address bytes, then the EtherType |
//! | 276 Linux SLL2 | 20 bytes, starting with the EtherType |
//! | 239 NFLOG (Linux netfilter's log, e.g. `iptables -j NFLOG`, `tcpdump -i nflog`) | a 4-byte header (address family, version, group), then type-length-value records in the capturing host's byte order, padded to 4 bytes; the one of type 9 holds the packet |
//!
//! The SLL headers are read here by hand: they are small, and real loopback
//! captures put values in them (ARPHRD_LOOPBACK, zero-length addresses) that
//! stricter parsers refuse.

/// The IP packet inside a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network<'a> {
    Ipv4(&'a [u8]),
    Ipv6(&'a [u8]),
    /// ARP, IPX, LLDP, a truncated header...: not ours.
    Other,
}

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const VLAN_TAGS: [u16; 3] = [0x8100, 0x88a8, 0x9100];

/// Link types this module can read.
pub fn is_supported(linktype: i32) -> bool {
    matches!(
        linktype,
        0 | 1 | 12 | 101 | 108 | 113 | 228 | 229 | 239 | 276
    )
}

/// A link type's name, for the one-line error about the ones we can't read.
pub fn name(linktype: i32) -> String {
    let known = match linktype {
        0 => "NULL",
        1 => "ETHERNET",
        6 => "IEEE802_5 (Token Ring)",
        9 => "PPP",
        10 => "FDDI",
        50 => "PPP_HDLC",
        101 => "RAW",
        105 => "IEEE802_11 (Wi-Fi)",
        108 => "LOOP",
        113 => "LINUX_SLL",
        119 => "PRISM_HEADER",
        127 => "IEEE802_11_RADIOTAP",
        147..=162 => "USER (private use)",
        187 => "BLUETOOTH_HCI_H4",
        189 => "USB_LINUX",
        192 => "PPI",
        195 => "IEEE802_15_4",
        220 => "USB_LINUX_MMAPPED",
        228 => "IPV4",
        229 => "IPV6",
        239 => "NFLOG",
        249 => "USBPCAP",
        276 => "LINUX_SLL2",
        _ => "",
    };
    if known.is_empty() {
        format!("LINKTYPE {linktype}")
    } else {
        format!("LINKTYPE_{known} ({linktype})")
    }
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn by_ethertype(ethertype: u16, rest: &[u8]) -> Network<'_> {
    match ethertype {
        ETHERTYPE_IPV4 => Network::Ipv4(rest),
        ETHERTYPE_IPV6 => Network::Ipv6(rest),
        _ => Network::Other,
    }
}

/// An IP packet with no header before it: the version nibble says which.
fn by_version(packet: &[u8]) -> Network<'_> {
    match packet.first().map(|b| b >> 4) {
        Some(4) => Network::Ipv4(packet),
        Some(6) => Network::Ipv6(packet),
        _ => Network::Other,
    }
}

fn ethernet(frame: &[u8]) -> Network<'_> {
    let mut at = 12;
    loop {
        let Some(ethertype) = be16(frame, at) else {
            return Network::Other;
        };
        if VLAN_TAGS.contains(&ethertype) {
            at += 4;
            continue;
        }
        return by_ethertype(ethertype, frame.get(at + 2..).unwrap_or_default());
    }
}

/// NULL and LOOP: a 4-byte address family, in either byte order.
fn loopback(frame: &[u8]) -> Network<'_> {
    let Some((head, rest)) = frame.split_first_chunk::<4>() else {
        return Network::Other;
    };
    let family = u32::from_le_bytes(*head).min(u32::from_be_bytes(*head));
    match family {
        2 => Network::Ipv4(rest),
        10 | 24 | 28 | 30 => Network::Ipv6(rest),
        _ => Network::Other,
    }
}

/// NFLOG: the packet is the value of the TLV of type 9 (NFULA_PAYLOAD).
fn nflog(frame: &[u8]) -> Network<'_> {
    const PAYLOAD: u16 = 9;
    let v6 = match frame.first() {
        Some(2) => false,
        Some(10) => true,
        _ => return Network::Other,
    };
    // Lengths and types are in the capturing host's byte order: try both.
    for be in [false, true] {
        let word = |at: usize| {
            let b = [*frame.get(at)?, *frame.get(at + 1)?];
            Some(if be {
                u16::from_be_bytes(b)
            } else {
                u16::from_le_bytes(b)
            })
        };
        let mut at = 4;
        while let (Some(len), Some(kind)) = (word(at), word(at + 2)) {
            let len = usize::from(len);
            // A snap length may cut the last TLV short: keep what is there.
            let end = (at + len).min(frame.len());
            let Some(value) = frame.get(at + 4..end).filter(|_| len >= 4) else {
                break;
            };
            if kind == PAYLOAD {
                return if v6 {
                    Network::Ipv6(value)
                } else {
                    Network::Ipv4(value)
                };
            }
            at += len.div_ceil(4) * 4;
        }
    }
    Network::Other
}

/// The IP packet inside a frame of the given link type.
pub fn network(linktype: i32, frame: &[u8]) -> Network<'_> {
    match linktype {
        1 => ethernet(frame),
        0 | 108 => loopback(frame),
        12 | 101 => by_version(frame),
        228 => Network::Ipv4(frame),
        229 => Network::Ipv6(frame),
        239 => nflog(frame),
        113 => match be16(frame, 14) {
            Some(t) => by_ethertype(t, frame.get(16..).unwrap_or_default()),
            None => Network::Other,
        },
        276 => match be16(frame, 0) {
            Some(t) => by_ethertype(t, frame.get(20..).unwrap_or_default()),
            None => Network::Other,
        },
        _ => Network::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP4: [u8; 2] = [0x45, 0];

    #[test]
    fn ethernet_with_two_vlan_tags() {
        let mut f = vec![0u8; 12];
        f.extend([0x88, 0xa8, 0, 1, 0x81, 0x00, 0, 2, 0x08, 0x00]);
        f.extend(IP4);
        assert_eq!(network(1, &f), Network::Ipv4(&IP4));
        assert_eq!(network(1, &f[..13]), Network::Other);
    }

    #[test]
    fn null_in_both_byte_orders_and_loop() {
        assert_eq!(network(0, &[2, 0, 0, 0, 0x45]), Network::Ipv4(&[0x45]));
        assert_eq!(network(0, &[0, 0, 0, 30, 0x60]), Network::Ipv6(&[0x60]));
        assert_eq!(network(108, &[0, 0, 0, 2, 0x45]), Network::Ipv4(&[0x45]));
        assert_eq!(network(0, &[7, 0, 0, 0, 0x45]), Network::Other);
        assert_eq!(network(0, &[2, 0]), Network::Other);
    }

    #[test]
    fn raw_ip_and_sll_headers() {
        assert_eq!(network(101, &[0x60, 1]), Network::Ipv6(&[0x60, 1]));
        assert_eq!(network(228, &[9]), Network::Ipv4(&[9]));
        let mut sll = vec![0u8; 14];
        sll.extend([0x86, 0xdd, 0x60]);
        assert_eq!(network(113, &sll), Network::Ipv6(&[0x60]));
        let mut sll2 = vec![0x08, 0x00];
        sll2.extend([0u8; 18]);
        sll2.push(0x45);
        assert_eq!(network(276, &sll2), Network::Ipv4(&[0x45]));
        assert_eq!(network(276, &[0x08]), Network::Other);
    }

    #[test]
    fn nflog_finds_the_packet_among_its_tlvs() {
        // family IPv4, version 0, group 5; a prefix TLV (type 10, 7 bytes
        // padded to 8), then the payload TLV (type 9).
        let mut f = vec![2, 0, 0, 5];
        f.extend([7, 0, 10, 0, b'f', b'w', 0, 0]);
        f.extend([6, 0, 9, 0, 0x45, 0, 0, 0]);
        assert_eq!(network(239, &f), Network::Ipv4(&[0x45, 0]));
        // The same in big-endian.
        let mut g = vec![10, 0, 0, 5];
        g.extend([0, 6, 0, 9, 0x60, 1, 0, 0]);
        assert_eq!(network(239, &g), Network::Ipv6(&[0x60, 1]));
        assert_eq!(network(239, &[2, 0, 0, 5, 3, 0]), Network::Other);
        assert_eq!(name(239), "LINKTYPE_NFLOG (239)");
    }

    #[test]
    fn unknown_link_types_are_named() {
        assert!(!is_supported(127));
        assert_eq!(name(127), "LINKTYPE_IEEE802_11_RADIOTAP (127)");
        assert_eq!(name(4242), "LINKTYPE 4242");
    }
}
