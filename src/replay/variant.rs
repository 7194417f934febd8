//! The older pcap variants: files written by patched libpcaps of 1999 and
//! by AIX and Nokia systems, which tcpdump cannot read but tshark can.
//!
//! A pcap file is a 24-byte header, then records of a 16-byte header
//! (`ts_sec, ts_usec, incl_len, orig_len`) and the packet. Some patched
//! libpcaps wrote longer record headers, some with the standard magic
//! number (so nothing in the file header tells them apart):
//!
//! | variant | magic | record header |
//! |---|---|---|
//! | SS990417 ("modified", Alexey Kuznetsov's patch; Red Hat 6.1) | standard | 24 bytes: + interface index, protocol, packet type, pad |
//! | SS991029 | `a1b2cd34` ("modified") | 24 bytes, as SS990417 |
//! | SS990915 (SuSE 6.3) | `a1b2cd34` | 28 bytes: + two CPU bytes and 3 of padding |
//! | Nokia IPSO | standard | 20 bytes: + 4 bytes of Nokia's own |
//! | AIX | standard, version 2.2 | 16 bytes, but nanoseconds in `ts_usec`, lengths in the pre-2.3 order, and an SNMP `ifType` (6 = Ethernet) for the link type |
//!
//! Where the magic number cannot tell, the variant is found as Wireshark's
//! `libpcap.c` finds it: read the first three records as each candidate,
//! count what makes no sense (a fraction of a second of a million
//! microseconds or more, a captured length above 256 KiB or the snap
//! length or the original length, an interface index above 10 000, a
//! protocol or packet type no Linux of 1999 wrote, Nokia's bytes out of
//! their pattern, a record cut short), and take the first candidate with
//! nothing wrong, else the one with least. Standard pcap is tried first, so
//! an ordinary file is never taken for a variant.

use super::frame::{CaptureError, Frame};
use super::warning::{Warning, WarningKind};

use std::io::{BufReader, ErrorKind, Read};

const MAGIC: u32 = 0xa1b2_c3d4;
const MODIFIED: u32 = 0xa1b2_cd34;
/// The captured length beyond which a record header is not believed.
const MAX_CAPLEN: u32 = 256 * 1024;

/// A pcap format whose records pcap-parser cannot read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Ss990417,
    Ss990915,
    Ss991029,
    Nokia,
    Aix,
}

impl Variant {
    /// Its name, as Wireshark names it.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Ss990417 => "a modified pcap (SS990417 patch, Red Hat 6.1)",
            Variant::Ss990915 => "a modified pcap (SS990915 patch, SuSE 6.3)",
            Variant::Ss991029 => "a modified pcap (SS991029 patch)",
            Variant::Nokia => "a Nokia IPSO pcap",
            Variant::Aix => "an AIX pcap",
        }
    }

    /// Bytes of each record header.
    fn header_len(self) -> usize {
        match self {
            Variant::Ss990417 | Variant::Ss991029 => 24,
            Variant::Ss990915 => 28,
            Variant::Nokia => 20,
            Variant::Aix => 16,
        }
    }
}

/// The file header's facts, read from its first 24 bytes.
#[derive(Debug, Clone, Copy)]
struct Header {
    big_endian: bool,
    magic: u32,
    minor: u16,
    major: u16,
    snaplen: u32,
    network: u32,
}

fn word(b: &[u8], at: usize, be: bool) -> Option<u32> {
    let w: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    Some(if be {
        u32::from_be_bytes(w)
    } else {
        u32::from_le_bytes(w)
    })
}

fn half(b: &[u8], at: usize, be: bool) -> Option<u16> {
    let h: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
    Some(if be {
        u16::from_be_bytes(h)
    } else {
        u16::from_le_bytes(h)
    })
}

fn header(head: &[u8]) -> Option<Header> {
    let le = word(head, 0, false)?;
    let be = word(head, 0, true)?;
    let (big_endian, magic) = [MAGIC, MODIFIED].into_iter().find_map(|m| {
        (le == m)
            .then_some((false, m))
            .or((be == m).then_some((true, m)))
    })?;
    Some(Header {
        big_endian,
        magic,
        major: half(head, 4, big_endian)?,
        minor: half(head, 6, big_endian)?,
        snaplen: word(head, 16, big_endian)?,
        network: word(head, 20, big_endian)?,
    })
}

/// `None` for standard pcap; for a candidate variant, how many things are
/// wrong with the first three records read as it (see the module's notes).
fn merit(h: &Header, variant: Option<Variant>, records: &[u8]) -> u32 {
    let be = h.big_endian;
    let hlen = variant.map_or(16, Variant::header_len);
    let (mut bad, mut at) = (0, 0);
    for _ in 0..3 {
        let Some(r) = records.get(at..at + hlen) else {
            bad += u32::from(at < records.len()); // a header cut short
            break;
        };
        let field = |i: usize| word(r, i, be).unwrap_or(0);
        let (usec, incl, orig) = (field(4), field(8), field(12));
        let caplen_ok = incl <= MAX_CAPLEN;
        bad += u32::from(usec >= 1_000_000)
            + u32::from(!caplen_ok)
            + u32::from(incl > h.snaplen)
            + u32::from(orig > 128 << 20)
            + u32::from(incl > orig);
        match variant {
            Some(Variant::Ss990417 | Variant::Ss991029 | Variant::Ss990915) => {
                let protocol = half(r, 20, be).unwrap_or(0);
                let known = protocol >= 0x0600
                    || matches!(protocol, 0x0060 | 0x0200 | 0x0400 | 0x0000..=0x0017);
                bad += u32::from(field(16) > 10_000)
                    + u32::from(!known)
                    + u32::from(r.get(22).is_some_and(|&t| t > 4));
            }
            Some(Variant::Nokia) => {
                let s = field(16);
                let ok = s & 0x0fff_00f0 == 0x0fbf_0000
                    && matches!(s & 0xf000_0000, 0x9000_0000 | 0xb000_0000)
                    && matches!(s & 0xf000, 0xb000 | 0xd000)
                    && matches!(s & 0xf00, 0x600 | 0x900)
                    && matches!(s & 0xf, 1 | 2);
                bad += u32::from(!ok);
            }
            _ => {}
        }
        if !caplen_ok {
            break;
        }
        at += hlen + incl as usize;
        if at > records.len() {
            bad += 1; // the packet is cut short
            break;
        }
    }
    bad
}

/// Which variant the start of a file is, if it is one. `head` holds the
/// file header and as many records as were read.
pub fn probe(head: &[u8]) -> Option<Variant> {
    let h = header(head)?;
    let records = head.get(24..)?;
    if h.major != 2 {
        return None;
    }
    if h.magic == MAGIC && h.minor == 2 && matches!(h.network, 6 | 24) {
        return Some(Variant::Aix);
    }
    let candidates: &[Option<Variant>] = match (h.magic, h.minor) {
        (MODIFIED, _) => &[Some(Variant::Ss991029), Some(Variant::Ss990915)],
        (MAGIC, m) if m >= 4 => &[None, Some(Variant::Ss990417), Some(Variant::Nokia)],
        _ => return None,
    };
    let mut best: Option<(u32, Option<Variant>)> = None;
    for &c in candidates {
        let m = merit(&h, c, records);
        if m == 0 {
            return c;
        }
        if best.is_none_or(|(b, _)| m < b) {
            best = Some((m, c));
        }
    }
    best.and_then(|(_, c)| c)
}

/// Reads the records of a variant file, one frame at a time.
pub struct VariantReader {
    src: BufReader<Box<dyn Read + Send>>,
    variant: Variant,
    big_endian: bool,
    /// Lengths stored as (orig, incl), the order before pcap 2.3.
    lengths_swapped: bool,
    linktype: i32,
    buf: Vec<u8>,
    offset: u64,
}

/// What filling a buffer from the source gave.
enum Fill {
    Whole,
    /// The source ended after this many bytes (0: cleanly, between records).
    Short(usize),
    Failed,
}

fn fill(src: &mut impl Read, buf: &mut [u8]) -> Fill {
    let mut got = 0;
    while got < buf.len() {
        match src.read(&mut buf[got..]) {
            Ok(0) => return Fill::Short(got),
            Ok(n) => got += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return Fill::Failed,
        }
    }
    Fill::Whole
}

impl VariantReader {
    /// `src` starts at the file header, which is read here.
    pub fn new(
        variant: Variant,
        mut src: Box<dyn Read + Send>,
    ) -> Result<VariantReader, CaptureError> {
        let mut head = [0u8; 24];
        if !matches!(fill(&mut src, &mut head), Fill::Whole) {
            return Err(CaptureError::ShortHeader);
        }
        let h = header(&head).ok_or(CaptureError::NotACapture)?;
        let linktype = match (variant, h.network) {
            (Variant::Aix, 6) => 1,  // ifType ethernetCsmacd: Ethernet
            (Variant::Aix, 24) => 0, // ifType softwareLoopback: NULL
            (_, n) => (n & 0xffff) as i32,
        };
        Ok(VariantReader {
            src: BufReader::with_capacity(1 << 20, src),
            variant,
            big_endian: h.big_endian,
            lengths_swapped: h.minor < 3,
            linktype,
            buf: Vec::new(),
            offset: 24,
        })
    }

    pub fn variant(&self) -> Variant {
        self.variant
    }

    /// Calls `on_frame` for every packet until it returns `false`; a cut
    /// or damaged record stops the reading with a warning.
    pub fn for_each(
        &mut self,
        mut on_frame: impl FnMut(Frame<'_>) -> bool,
        warnings: &mut Vec<Warning>,
    ) {
        let hlen = self.variant.header_len();
        let mut h = [0u8; 28];
        loop {
            let offset = self.offset;
            let mut warn =
                |kind, message: String| warnings.push(Warning::at(offset, kind, message));
            match fill(&mut self.src, &mut h[..hlen]) {
                Fill::Whole => {}
                Fill::Short(0) => return,
                Fill::Short(n) => {
                    let cut = format!(
                        "capture is truncated: the last record header is cut off ({n} bytes \
                         left over)"
                    );
                    return warn(WarningKind::Truncated, cut);
                }
                Fill::Failed => return warnings.push(Warning::read_failed(offset)),
            }
            let field = |i: usize| word(&h, i, self.big_endian).unwrap_or(0);
            let (sec, frac) = (u64::from(field(0)), u64::from(field(4)));
            let (mut incl, mut orig) = (field(8), field(12));
            if self.lengths_swapped && incl > orig {
                std::mem::swap(&mut incl, &mut orig);
            }
            if incl > MAX_CAPLEN {
                let damaged = format!(
                    "damaged record: a packet record that cannot be read (it claims {incl} \
                     captured bytes); stopped reading"
                );
                return warn(WarningKind::Damaged, damaged);
            }
            self.buf.resize(incl as usize, 0);
            match fill(&mut self.src, &mut self.buf) {
                Fill::Whole => {}
                Fill::Short(n) => {
                    let left = hlen + n;
                    let cut = format!(
                        "capture is truncated: the last record is cut off ({left} bytes left over)"
                    );
                    return warn(WarningKind::Truncated, cut);
                }
                Fill::Failed => return warnings.push(Warning::read_failed(offset)),
            }
            let ns = if self.variant == Variant::Aix {
                1
            } else {
                1000
            };
            let frame = Frame {
                ts_ns: sec * 1_000_000_000 + frac * ns,
                linktype: self.linktype,
                data: &self.buf,
                offset,
                whole_file: true,
                comment: None,
            };
            self.offset += (hlen + self.buf.len()) as u64;
            if !on_frame(frame) {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(magic: u32, minor: u16, network: u32, extra: &[u8], n: usize) -> Vec<u8> {
        let mut f = magic.to_le_bytes().to_vec();
        f.extend(2u16.to_le_bytes());
        f.extend(minor.to_le_bytes());
        f.extend([0; 8]);
        f.extend(65_535u32.to_le_bytes());
        f.extend(network.to_le_bytes());
        for i in 0..n as u32 {
            let len = 60 + i;
            for w in [1_000_000 + i, 500_000, len, len] {
                f.extend(w.to_le_bytes());
            }
            f.extend(extra);
            f.extend(std::iter::repeat_n(0u8, len as usize));
        }
        f
    }

    #[test]
    fn each_variant_is_told_by_its_records() {
        let ss = [2, 0, 0, 0, 0x00, 0x08, 0, 0];
        let ss990915 = [2, 0, 0, 0, 0x00, 0x08, 0, 0, 0, 0, 0, 0];
        let nokia = 0x9fbf_b601u32.to_le_bytes();
        assert_eq!(probe(&file(MAGIC, 4, 1, &[], 5)), None, "plain pcap");
        assert_eq!(probe(&file(MAGIC, 4, 1, &ss, 5)), Some(Variant::Ss990417));
        assert_eq!(probe(&file(MAGIC, 4, 1, &nokia, 5)), Some(Variant::Nokia));
        assert_eq!(
            probe(&file(MODIFIED, 4, 1, &ss, 5)),
            Some(Variant::Ss991029)
        );
        assert_eq!(
            probe(&file(MODIFIED, 4, 1, &ss990915, 5)),
            Some(Variant::Ss990915)
        );
        assert_eq!(probe(&file(MAGIC, 2, 6, &[], 5)), Some(Variant::Aix));
        // A single record of a plain file is still plain.
        assert_eq!(probe(&file(MAGIC, 4, 1, &[], 1)), None);
    }
}
