//! Capture files built by hand, for tests and the replay benchmark.
//!
//! Real captures cover what real software did; these helpers cover what it
//! rarely does on a test machine: other link types (NULL, LOOP, RAW, SLL2,
//! VLAN tags), pcap in nanoseconds or big-endian, pcapng with base-2
//! timestamps, segments out of order or across the 2^32 wrap. Each layer is
//! a small function that wraps the layer inside it, the way a stack builds
//! a frame: payload → TCP → IP → link → capture record.
//!
//! Checksums are left at zero: replay (like tshark by default) does not
//! check them.

#![allow(dead_code)]

use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};

pub const FIN: u8 = 0x01;
pub const SYN: u8 = 0x02;
pub const RST: u8 = 0x04;
pub const PSH: u8 = 0x08;
pub const ACK: u8 = 0x10;

/// Writes a TCP segment inside an IPv4 or IPv6 header into `out`.
pub fn ip_tcp(
    out: &mut Vec<u8>,
    src: SocketAddr,
    dst: SocketAddr,
    seq: u32,
    ack: u32,
    flags: u8,
    payload: &[u8],
) {
    let tcp_len = 20 + payload.len();
    match (src.ip(), dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            out.extend([0x45, 0]);
            out.extend(((20 + tcp_len) as u16).to_be_bytes());
            out.extend([0, 0, 0x40, 0, 64, 6, 0, 0]);
            out.extend(s.octets());
            out.extend(d.octets());
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            out.extend([0x60, 0, 0, 0]);
            out.extend((tcp_len as u16).to_be_bytes());
            out.extend([6, 64]);
            out.extend(s.octets());
            out.extend(d.octets());
        }
        _ => panic!("mixed address families"),
    }
    out.extend(src.port().to_be_bytes());
    out.extend(dst.port().to_be_bytes());
    out.extend(seq.to_be_bytes());
    out.extend(ack.to_be_bytes());
    out.extend([0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    out.extend(payload);
}

/// How a frame wraps its IP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Ethernet with these VLAN tags (outermost first).
    Ethernet(&'static [u16]),
    /// BSD NULL: the address family in little-endian (the capturing host's
    /// order on x86).
    Null,
    /// OpenBSD LOOP: the family in network byte order.
    Loop,
    Raw,
    Ipv4,
    Ipv6,
    Sll,
    Sll2,
    /// Linux NFLOG (a firewall's log): a 4-byte header, a prefix TLV, then
    /// the packet in a payload TLV (little-endian, as on x86).
    Nflog,
}

impl Link {
    pub fn linktype(self) -> u32 {
        match self {
            Link::Ethernet(_) => 1,
            Link::Null => 0,
            Link::Loop => 108,
            Link::Raw => 101,
            Link::Ipv4 => 228,
            Link::Ipv6 => 229,
            Link::Sll => 113,
            Link::Sll2 => 276,
            Link::Nflog => 239,
        }
    }

    /// Writes the link header for an IP packet of version `v` into `out`.
    pub fn header(self, out: &mut Vec<u8>, v6: bool) {
        let ethertype: u16 = if v6 { 0x86dd } else { 0x0800 };
        let family: u32 = if v6 { 30 } else { 2 };
        match self {
            Link::Ethernet(tags) => {
                out.extend([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1]);
                for t in tags {
                    out.extend(t.to_be_bytes());
                    out.extend([0, 7]);
                }
                out.extend(ethertype.to_be_bytes());
            }
            Link::Null => out.extend(family.to_le_bytes()),
            Link::Loop => out.extend(family.to_be_bytes()),
            Link::Raw | Link::Ipv4 | Link::Ipv6 => {}
            Link::Sll => {
                out.extend([0, 0, 3, 4, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0]);
                out.extend(ethertype.to_be_bytes());
            }
            Link::Sll2 => {
                out.extend(ethertype.to_be_bytes());
                out.extend([0, 0, 0, 0, 0, 1, 3, 4, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0]);
            }
            Link::Nflog => {
                // family, version, group 7; a prefix TLV ("ftp\0": 8 bytes);
                // the payload TLV's length is patched in by `finish`.
                out.extend([if v6 { 10 } else { 2 }, 0, 0, 7]);
                out.extend([8, 0, 10, 0, b'f', b't', b'p', 0]);
                out.extend([0, 0, 9, 0]);
            }
        }
    }

    /// Completes a frame once the IP packet is in it (NFLOG: the payload
    /// TLV's length and padding).
    pub fn finish(self, frame: &mut Vec<u8>) {
        if self == Link::Nflog {
            let len = (frame.len() - 12) as u16;
            frame[12..14].copy_from_slice(&len.to_le_bytes());
            while !frame.len().is_multiple_of(4) {
                frame.push(0);
            }
        }
    }
}

/// The capture format and its options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Legacy pcap; `nanos` picks the a1b23c4d magic, `big_endian` the byte order.
    Pcap { nanos: bool, big_endian: bool },
    /// pcapng with one interface whose raw `if_tsresol` is given.
    PcapNg { tsresol: u8 },
}

/// A capture being written.
pub struct CaptureWriter<W: Write> {
    out: W,
    format: Format,
    link: Link,
    frame: Vec<u8>,
    /// pcapng: interfaces declared (link, if_tsresol) and the one in use.
    interfaces: Vec<(Link, u8)>,
    iface: u32,
}

/// A pcapng interface description block.
fn idb(link: Link, tsresol: u8) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend(1u32.to_le_bytes());
    h.extend(32u32.to_le_bytes());
    h.extend((link.linktype() as u16).to_le_bytes());
    h.extend([0, 0]);
    h.extend(262_144u32.to_le_bytes());
    h.extend([9, 0, 1, 0, tsresol, 0, 0, 0]); // if_tsresol, padded
    h.extend([0, 0, 0, 0]); // end of options
    h.extend(32u32.to_le_bytes());
    h
}

fn put16(v: &mut Vec<u8>, x: u16, be: bool) {
    v.extend(if be { x.to_be_bytes() } else { x.to_le_bytes() });
}

fn put32(v: &mut Vec<u8>, x: u32, be: bool) {
    v.extend(if be { x.to_be_bytes() } else { x.to_le_bytes() });
}

/// Timestamp units per second for a raw if_tsresol (same rule as replay).
pub fn units(tsresol: u8) -> u64 {
    let n = u32::from(tsresol & 0x7f);
    if tsresol & 0x80 == 0 {
        10u64.pow(n)
    } else {
        1u64 << n
    }
}

impl<W: Write> CaptureWriter<W> {
    pub fn new(mut out: W, format: Format, link: Link) -> io::Result<Self> {
        let mut h = Vec::new();
        match format {
            Format::Pcap { nanos, big_endian } => {
                let magic: u32 = if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
                put32(&mut h, magic, big_endian);
                put16(&mut h, 2, big_endian);
                put16(&mut h, 4, big_endian);
                put32(&mut h, 0, big_endian);
                put32(&mut h, 0, big_endian);
                put32(&mut h, 262_144, big_endian);
                put32(&mut h, link.linktype(), big_endian);
            }
            Format::PcapNg { tsresol } => {
                // Section header block.
                h.extend(0x0a0d_0d0au32.to_le_bytes());
                h.extend(28u32.to_le_bytes());
                h.extend(0x1a2b_3c4du32.to_le_bytes());
                h.extend([1, 0, 0, 0]);
                h.extend(u64::MAX.to_le_bytes());
                h.extend(28u32.to_le_bytes());
                h.extend(idb(link, tsresol));
            }
        }
        out.write_all(&h)?;
        let tsresol = match format {
            Format::PcapNg { tsresol } => tsresol,
            Format::Pcap { .. } => 6,
        };
        Ok(CaptureWriter {
            out,
            format,
            link,
            frame: Vec::with_capacity(2048),
            interfaces: vec![(link, tsresol)],
            iface: 0,
        })
    }

    /// A writer of records only (no file header), to be merged into a
    /// capture by the caller. pcap only.
    pub fn records_only(out: W, nanos: bool, link: Link) -> Self {
        CaptureWriter {
            out,
            format: Format::Pcap {
                nanos,
                big_endian: false,
            },
            link,
            frame: Vec::with_capacity(2048),
            interfaces: vec![(link, 6)],
            iface: 0,
        }
    }

    /// pcapng: declares one more interface; returns its index.
    pub fn add_interface(&mut self, link: Link, tsresol: u8) -> io::Result<u32> {
        self.out.write_all(&idb(link, tsresol))?;
        self.interfaces.push((link, tsresol));
        Ok(self.interfaces.len() as u32 - 1)
    }

    /// pcapng: the following records come from interface `i`.
    pub fn use_interface(&mut self, i: u32) {
        if let Some(&(link, _)) = self.interfaces.get(i as usize) {
            self.link = link;
            self.iface = i;
        }
    }

    /// One TCP segment at `ns` nanoseconds since the epoch.
    #[allow(clippy::too_many_arguments)]
    pub fn tcp(
        &mut self,
        ns: u64,
        src: SocketAddr,
        dst: SocketAddr,
        seq: u32,
        ack: u32,
        flags: u8,
        payload: &[u8],
    ) -> io::Result<()> {
        self.framed(ns, src.is_ipv6(), |frame| {
            ip_tcp(frame, src, dst, seq, ack, flags, payload)
        })
    }

    /// One IPv4 TCP segment of `len` payload bytes of which the capture
    /// kept none (a snap length that stops at the headers, as `tcpdump -s
    /// 96` does): the IP header says how long the packet was.
    pub fn tcp_snapped(
        &mut self,
        ns: u64,
        src: SocketAddr,
        dst: SocketAddr,
        seq: u32,
        ack: u32,
        len: u16,
    ) -> io::Result<()> {
        self.framed(ns, false, |frame| {
            let at = frame.len();
            ip_tcp(frame, src, dst, seq, ack, ACK, &[]);
            frame[at + 2..at + 4].copy_from_slice(&(40 + len).to_be_bytes());
        })
    }

    /// One record: the link header, what `ip` writes after it, the link's
    /// trailer.
    fn framed(&mut self, ns: u64, v6: bool, ip: impl FnOnce(&mut Vec<u8>)) -> io::Result<()> {
        let mut frame = std::mem::take(&mut self.frame);
        frame.clear();
        self.link.header(&mut frame, v6);
        ip(&mut frame);
        self.link.finish(&mut frame);
        let r = self.record(ns, &frame);
        self.frame = frame;
        r
    }

    /// One record holding `frame`.
    pub fn record(&mut self, ns: u64, frame: &[u8]) -> io::Result<()> {
        let mut h = [0u8; 28];
        let len = frame.len() as u32;
        match self.format {
            Format::Pcap { nanos, big_endian } => {
                let frac = if nanos {
                    ns % 1_000_000_000
                } else {
                    ns % 1_000_000_000 / 1000
                };
                let mut v = Vec::with_capacity(16);
                put32(&mut v, (ns / 1_000_000_000) as u32, big_endian);
                put32(&mut v, frac as u32, big_endian);
                put32(&mut v, len, big_endian);
                put32(&mut v, len, big_endian);
                self.out.write_all(&v)?;
                self.out.write_all(frame)
            }
            Format::PcapNg { .. } => {
                let tsresol = self.interfaces[self.iface as usize].1;
                let u = units(tsresol);
                let ts = (u128::from(ns) * u128::from(u) / 1_000_000_000) as u64;
                let pad = (4 - frame.len() % 4) % 4;
                let total = 32 + frame.len() + pad;
                h[0..4].copy_from_slice(&6u32.to_le_bytes());
                h[4..8].copy_from_slice(&(total as u32).to_le_bytes());
                h[8..12].copy_from_slice(&self.iface.to_le_bytes());
                h[12..16].copy_from_slice(&((ts >> 32) as u32).to_le_bytes());
                h[16..20].copy_from_slice(&(ts as u32).to_le_bytes());
                h[20..24].copy_from_slice(&len.to_le_bytes());
                h[24..28].copy_from_slice(&len.to_le_bytes());
                self.out.write_all(&h)?;
                self.out.write_all(frame)?;
                self.out.write_all(&[0u8; 3][..pad])?;
                self.out.write_all(&(total as u32).to_le_bytes())
            }
        }
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

/// One TCP connection being written: it keeps both sides' sequence numbers.
pub struct Tcp {
    pub a: SocketAddr,
    pub b: SocketAddr,
    pub seq_a: u32,
    pub seq_b: u32,
}

impl Tcp {
    pub fn new(a: SocketAddr, b: SocketAddr, isn_a: u32, isn_b: u32) -> Tcp {
        Tcp {
            a,
            b,
            seq_a: isn_a,
            seq_b: isn_b,
        }
    }

    fn ends(&self, from_a: bool) -> (SocketAddr, SocketAddr, u32, u32) {
        if from_a {
            (self.a, self.b, self.seq_a, self.seq_b)
        } else {
            (self.b, self.a, self.seq_b, self.seq_a)
        }
    }

    fn advance(&mut self, from_a: bool, n: u32) {
        if from_a {
            self.seq_a = self.seq_a.wrapping_add(n);
        } else {
            self.seq_b = self.seq_b.wrapping_add(n);
        }
    }

    /// SYN, SYN-ACK, ACK.
    pub fn handshake<W: Write>(&mut self, w: &mut CaptureWriter<W>, ns: u64) -> io::Result<()> {
        w.tcp(ns, self.a, self.b, self.seq_a, 0, SYN, &[])?;
        self.advance(true, 1);
        w.tcp(
            ns + 10_000,
            self.b,
            self.a,
            self.seq_b,
            self.seq_a,
            SYN | ACK,
            &[],
        )?;
        self.advance(false, 1);
        w.tcp(
            ns + 20_000,
            self.a,
            self.b,
            self.seq_a,
            self.seq_b,
            ACK,
            &[],
        )
    }

    /// Payload from one side (one segment).
    pub fn send<W: Write>(
        &mut self,
        w: &mut CaptureWriter<W>,
        ns: u64,
        from_a: bool,
        payload: &[u8],
    ) -> io::Result<()> {
        let (s, d, seq, ack) = self.ends(from_a);
        w.tcp(ns, s, d, seq, ack, ACK | PSH, payload)?;
        self.advance(from_a, payload.len() as u32);
        Ok(())
    }

    /// FIN from one side.
    pub fn fin<W: Write>(
        &mut self,
        w: &mut CaptureWriter<W>,
        ns: u64,
        from_a: bool,
    ) -> io::Result<()> {
        let (s, d, seq, ack) = self.ends(from_a);
        w.tcp(ns, s, d, seq, ack, FIN | ACK, &[])?;
        self.advance(from_a, 1);
        Ok(())
    }

    /// FIN from both sides.
    pub fn close<W: Write>(
        &mut self,
        w: &mut CaptureWriter<W>,
        ns: u64,
        from_a: bool,
    ) -> io::Result<()> {
        self.fin(w, ns, from_a)?;
        self.fin(w, ns + 10_000, !from_a)
    }
}

pub fn addr(s: &str) -> SocketAddr {
    s.parse().expect("test address")
}
