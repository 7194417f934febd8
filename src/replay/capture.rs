//! Capture files: pcap and pcapng, read as a stream of frames.
//!
//! A capture file is a header followed by one record per packet the
//! capturing tool saw. Two formats are in use:
//!
//! - **pcap** (libpcap's original format): a 24-byte file header whose magic
//!   number tells the byte order (`a1b2c3d4` written natively, or swapped)
//!   and the timestamp unit (`a1b23c4d` means nanoseconds instead of
//!   microseconds), then records of `ts_sec, ts_frac, caplen, origlen, bytes`.
//!   One link type for the whole file.
//! - **pcapng**: a sequence of typed blocks. A *section header* starts a
//!   section (and fixes its byte order); *interface description* blocks
//!   declare the capturing interfaces of that section, each with its own
//!   link type and timestamp resolution (`if_tsresol`: 10^-n seconds, or
//!   2^-n when its high bit is set); *enhanced packet* blocks carry a packet
//!   and the index of the interface it came from.
//!
//! Records are parsed with pcap-parser's parsers out of buffers that a
//! reader thread fills from the file (`pipeline`), a few at a time, so
//! memory stays at a few buffers however large the file is. This module turns their blocks into [`Frame`]s with a
//! timestamp in nanoseconds and the link type that says how to read the
//! bytes. A pcapng may also carry the TLS keys of the sessions it holds
//! (*decryption secrets* blocks of type `TLSK`: NSS key log text, as
//! `editcap --inject-secrets` writes them); they are given out as
//! [`Found::Secrets`] where they stand among the packets. A file that ends in the middle of a record, or a record that makes
//! no sense, stops the reading with a [`Warning`] that names the byte offset:
//! everything before it is still used.

use super::frame::{CaptureError, Frame};
use super::pipeline::{Format, Pipelined};
use super::variant::{self, Variant, VariantReader};
use super::warning::{Warning, WarningKind};
use pcap_parser::pcap::parse_pcap_header;
use pcap_parser::pcapng::parse_sectionheaderblock;
use pcap_parser::pcapng::Block;
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::OptionCode;
use pcap_parser::{PcapBlockOwned, PcapError};
use std::io::Read;

/// A record this large (with the bytes buffered) is "too large for the
/// buffer": the limit then doubles, up to [`MAX_RECORD`].
const BUFFER: usize = 1 << 20;
/// Bytes read before probing the format: more than any real file header.
const HEAD: usize = 64 * 1024;
/// No honest record is larger than this; a bigger claimed length is damage.
const MAX_RECORD: usize = 16 << 20;

/// The first four bytes of a pcapng file (a section header block) and of
/// pcap files in either byte order, in µs or ns.
const MAGICS: [[u8; 4]; 5] = [
    [0x0a, 0x0d, 0x0d, 0x0a],
    [0xd4, 0xc3, 0xb2, 0xa1],
    [0xa1, 0xb2, 0xc3, 0xd4],
    [0x4d, 0x3c, 0xb2, 0xa1],
    [0xa1, 0xb2, 0x3c, 0x4d],
];

/// The "modified" pcap magic of the 1999 patched libpcaps, either order.
const MODIFIED_MAGICS: [[u8; 4]; 2] = [[0xa1, 0xb2, 0xcd, 0x34], [0x34, 0xcd, 0xb2, 0xa1]];

/// What reading a capture finds, in file order.
#[derive(Debug)]
pub enum Found<'a> {
    /// A packet.
    Frame(Frame<'a>),
    /// Every whole record so far was given out; more bytes must be read.
    Waiting,
    /// TLS keys (a decryption secrets block of type `TLSK`): key log text.
    Secrets(&'a [u8]),
}

/// The secrets type of TLS key log text in a decryption secrets block.
const TLS_KEY_LOG: u32 = 0x544c_534b;

/// A pcapng interface: its link type and clock.
#[derive(Debug, Clone, Copy)]
struct Interface {
    linktype: i32,
    /// Timestamp units per second (0: the interface declared nonsense).
    units: u64,
    /// Seconds to add to every timestamp (`if_tsoffset`).
    offset_s: i64,
}

/// Timestamp units per second for a raw `if_tsresol` byte: 10^n, or 2^n
/// when the high bit is set (pcap-parser leaves the base-2 case to us).
pub fn tsresol_units(raw: u8) -> u64 {
    let n = u32::from(raw & 0x7f);
    if raw & 0x80 == 0 {
        10u64.checked_pow(n).unwrap_or(0)
    } else {
        1u64.checked_shl(n).filter(|_| n < 64).unwrap_or(0)
    }
}

/// Nanoseconds for a timestamp of `ts` units at `units` per second.
fn to_ns(ts: u64, units: u64, offset_s: i64) -> u64 {
    if units == 0 {
        return 0;
    }
    let whole = (ts / units) as i128 + i128::from(offset_s);
    let frac = u128::from(ts % units) * 1_000_000_000 / u128::from(units);
    let ns = whole * 1_000_000_000 + frac as i128;
    ns.clamp(0, i128::from(u64::MAX)) as u64
}

/// What a capture's blocks say about the blocks after them: the pcap
/// header's link type and clock, a pcapng section's interfaces.
#[derive(Debug, Default)]
struct Blocks {
    /// pcap: the file's link type and whether fractions are nanoseconds.
    legacy: Option<(i32, bool)>,
    /// pcapng: the interfaces of the current section.
    interfaces: Vec<Interface>,
    /// The last packet's time (a simple packet block carries none).
    last_ts: u64,
    warned_interfaces: bool,
}

/// A capture being read, frame by frame.
pub struct CaptureReader {
    /// The records, read on two threads (none when a variant reader reads
    /// instead).
    reader: Option<Pipelined>,
    /// An older pcap variant, read by its own reader instead.
    variant: Option<VariantReader>,
    /// What the blocks read so far say about the ones to come.
    blocks: Blocks,
    /// The source failed after this many bytes (while the start was read).
    failed_at: Option<u64>,
}

impl CaptureReader {
    /// Opens a capture from any byte source; the format is probed. `live`:
    /// the bytes arrive as they are captured (a pipe), so only the file
    /// header is waited for, not the first 64 KiB.
    pub fn new(
        mut source: impl Read + Send + 'static,
        live: bool,
    ) -> Result<CaptureReader, CaptureError> {
        // The start of the file first: its magic number tells "not a
        // capture" from "a capture cut off inside its header", and the
        // probing below needs the whole header in its first read.
        let mut head = vec![0u8; HEAD];
        let mut got = 0;
        let mut failed = false;
        while got < head.len() && !(live && header_len(&head[..got]).is_some_and(|n| got >= n)) {
            match source.read(&mut head[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                // A source that fails after some bytes (a cut gzip stream):
                // read what came; the reading stops there with a warning.
                Err(_) if got > 0 => {
                    failed = true;
                    break;
                }
                Err(_) => return Err(CaptureError::Read),
            }
        }
        head.truncate(got);
        if got == 0 {
            return Err(CaptureError::Empty);
        }
        let start = &head[..got.min(4)];
        let known = MAGICS.iter().any(|m| m.starts_with(start));
        let variant = variant::probe(&head);
        if live && MODIFIED_MAGICS.iter().any(|m| head.starts_with(m)) {
            return Err(CaptureError::PipedVariant);
        }
        let rest: Box<dyn Read + Send> = if failed {
            Box::new(std::io::empty())
        } else {
            Box::new(source)
        };
        if let Some(v) = variant {
            let head = std::io::Cursor::new(head);
            return Ok(CaptureReader {
                reader: None,
                variant: Some(VariantReader::new(v, Box::new(head.chain(rest)))?),
                blocks: Blocks::default(),
                failed_at: failed.then_some(got as u64),
            });
        }
        // The format is told as pcap-parser's `create_reader` tells it; the
        // records are then read on two threads (see `pipeline`).
        let format = if parse_sectionheaderblock(&head).is_ok() {
            Format::Ng { big_endian: false }
        } else {
            match parse_pcap_header(&head) {
                Ok((_, header)) => Format::legacy(header),
                Err(_) if known => return Err(CaptureError::ShortHeader),
                Err(_) => return Err(CaptureError::NotACapture),
            }
        };
        let reader = Pipelined::start(format, head, rest, BUFFER).map_err(CaptureError::Thread)?;
        Ok(CaptureReader {
            reader: Some(reader),
            variant: None,
            blocks: Blocks::default(),
            failed_at: failed.then_some(got as u64),
        })
    }

    /// The older pcap variant the file turned out to be, if any.
    pub fn variant(&self) -> Option<Variant> {
        self.variant.as_ref().map(VariantReader::variant)
    }

    /// Calls `on_frame` for every packet and every block of TLS keys, in
    /// file order, until it returns `false`, and with [`Found::Waiting`]
    /// whenever every whole record read so far was given out and more bytes
    /// must be read. Damage stops the reading and is returned as warnings
    /// (with the byte offset).
    pub fn for_each(
        &mut self,
        mut on_frame: impl FnMut(Found<'_>) -> bool,
        warnings: &mut Vec<Warning>,
    ) {
        if let Some(v) = &mut self.variant {
            return v.for_each(|f| on_frame(Found::Frame(f)), warnings);
        }
        let Some(reader) = self.reader.as_mut() else {
            return;
        };
        loop {
            let offset = reader.consumed() as u64;
            // A pcap record whole in the buffer: the common case, read directly.
            if let Some(record) = reader.record() {
                let frame = self
                    .blocks
                    .legacy(record.ts_sec, record.ts_frac, record.data, offset);
                let len = record.len;
                let go_on = on_frame(Found::Frame(frame));
                reader.consume_noshift(len);
                if !go_on {
                    return;
                }
                continue;
            }
            let go_on = match reader.next() {
                Ok((len, block)) => {
                    let go_on = match self.blocks.frame(block, offset, warnings) {
                        Some(found) => on_frame(found),
                        None => true,
                    };
                    reader.consume_noshift(len);
                    go_on
                }
                // Every whole record so far was given out; more bytes may
                // take a while to come (a live pipe).
                Err(PcapError::Incomplete(_)) => {
                    on_frame(Found::Waiting);
                    refilled(reader.refill(), offset, warnings)
                }
                Err(e) => {
                    let stop = Stop {
                        offset,
                        failed_at: self.failed_at,
                        legacy: self.blocks.legacy.is_some(),
                        why: Why::of(&e),
                    };
                    stop.after(reader, warnings)
                }
            };
            if !go_on {
                return;
            }
        }
    }
}

impl Blocks {
    /// The packet in a pcap record: its time (seconds, and micro- or
    /// nanoseconds as the file header says) and bytes.
    #[inline]
    fn legacy<'a>(&mut self, ts_sec: u32, ts_frac: u32, data: &'a [u8], offset: u64) -> Frame<'a> {
        let (linktype, nanos) = self.legacy.unwrap_or((1, false));
        let frac = u64::from(ts_frac) * if nanos { 1 } else { 1000 };
        let ts_ns = u64::from(ts_sec) * 1_000_000_000 + frac;
        self.last_ts = ts_ns;
        Frame {
            ts_ns,
            linktype,
            data,
            offset,
            whole_file: true,
            comment: None,
        }
    }

    /// The packet a block holds, if it holds one; the blocks that declare
    /// how to read the packets after them are remembered.
    fn frame<'a>(
        &mut self,
        block: PcapBlockOwned<'a>,
        offset: u64,
        warnings: &mut Vec<Warning>,
    ) -> Option<Found<'a>> {
        let frame = match block {
            PcapBlockOwned::NG(Block::DecryptionSecrets(dsb)) => {
                return secrets(&dsb, offset, warnings);
            }
            PcapBlockOwned::LegacyHeader(h) => {
                self.legacy = Some((h.network.0, h.is_nanosecond_precision()));
                None
            }
            PcapBlockOwned::Legacy(b) => Some(self.legacy(b.ts_sec, b.ts_usec, b.data, offset)),
            PcapBlockOwned::NG(Block::SectionHeader(_)) => {
                self.interfaces.clear();
                None
            }
            PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
                let raw = idb
                    .if_tsresol()
                    .and_then(Result::ok)
                    .unwrap_or(idb.if_tsresol);
                self.interfaces.push(Interface {
                    linktype: idb.linktype.0,
                    units: tsresol_units(raw),
                    offset_s: idb.if_tsoffset,
                });
                None
            }
            PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
                let Some(ifc) = self.interfaces.get(epb.if_id as usize) else {
                    if !std::mem::replace(&mut self.warned_interfaces, true) {
                        warnings.push(Warning::at(
                            offset,
                            WarningKind::Skipped,
                            format!(
                                "packet names interface {} that no interface block declared; skipped",
                                epb.if_id
                            ),
                        ));
                    }
                    return None;
                };
                let ts = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                let caplen = (epb.caplen as usize).min(epb.data.len());
                Some(Frame {
                    ts_ns: to_ns(ts, ifc.units, ifc.offset_s),
                    linktype: ifc.linktype,
                    data: epb.data.get(..caplen).unwrap_or(epb.data),
                    offset,
                    whole_file: false,
                    comment: comment_of(&epb.options),
                })
            }
            PcapBlockOwned::NG(Block::SimplePacket(spb)) => {
                // No timestamp, and always interface 0.
                self.interfaces.first().map(|ifc| {
                    let caplen = (spb.origlen as usize).min(spb.data.len());
                    Frame {
                        ts_ns: self.last_ts,
                        linktype: ifc.linktype,
                        data: spb.data.get(..caplen).unwrap_or(spb.data),
                        offset,
                        whole_file: false,
                        comment: None,
                    }
                })
            }
            PcapBlockOwned::NG(_) => None,
        };
        if let Some(f) = &frame {
            self.last_ts = f.ts_ns;
        }
        frame.map(Found::Frame)
    }
}

/// The TLS keys a decryption secrets block holds; other secrets (say,
/// WireGuard's) are not used, and said so.
fn secrets<'a>(
    dsb: &pcap_parser::pcapng::DecryptionSecretsBlock<'a>,
    offset: u64,
    warnings: &mut Vec<Warning>,
) -> Option<Found<'a>> {
    let data = dsb.data.get(..dsb.secrets_len as usize).unwrap_or(dsb.data);
    if dsb.secrets_type.0 == TLS_KEY_LOG {
        return Some(Found::Secrets(data));
    }
    warnings.push(Warning::at(
        offset,
        WarningKind::Skipped,
        format!(
            "decryption secrets of type {:#010x}, not TLS keys: not used",
            dsb.secrets_type.0
        ),
    ));
    None
}

/// Whether reading goes on after the reader asked for more bytes: a source
/// that fails then stops it, with a warning.
fn refilled<T>(refill: Result<(), T>, offset: u64, warnings: &mut Vec<Warning>) -> bool {
    if refill.is_err() {
        warnings.push(Warning::read_failed(offset));
    }
    refill.is_ok()
}

/// Where the reader stood when the parser could not give the next record.
struct Stop {
    offset: u64,
    /// The source failed after this many bytes (while the start was read).
    failed_at: Option<u64>,
    /// A pcap file (rather than pcapng).
    legacy: bool,
    why: Why,
}

/// The parser's error, without the bytes it borrows.
enum Why {
    /// The source has no more bytes.
    Eof,
    /// A record larger than the buffer.
    BufferTooSmall,
    /// The source ended inside a record.
    UnexpectedEof,
    /// A record that makes no sense, with the parser's verdict if it gave one.
    Damaged(Option<pcap_parser::nom::error::ErrorKind>),
}

impl Why {
    fn of(e: &PcapError<&[u8]>) -> Why {
        match e {
            PcapError::Eof => Why::Eof,
            PcapError::BufferTooSmall => Why::BufferTooSmall,
            PcapError::UnexpectedEof => Why::UnexpectedEof,
            e => Why::Damaged(nom_kind(e)),
        }
    }
}

impl Stop {
    /// What follows from the parser's error: the end of the file (maybe a
    /// cut or damaged one, said in a warning), or a record too large for
    /// the buffer, which grows (up to [`MAX_RECORD`]). True when reading
    /// goes on.
    fn after(
        &self,
        reader: &mut (dyn PcapReaderIterator + Send),
        warnings: &mut Vec<Warning>,
    ) -> bool {
        let (kind, message) = match self.why {
            Why::Eof => {
                if let Some(at) = self.failed_at {
                    warnings.push(Warning::read_failed(at));
                }
                return false;
            }
            Why::BufferTooSmall => {
                let size = reader.data().len().saturating_mul(2).max(BUFFER * 2);
                if size <= MAX_RECORD && reader.grow(size) {
                    return reader.refill().is_ok();
                }
                let message = format!(
                    "record claims more than {} MiB; the file is damaged here, stopped",
                    MAX_RECORD >> 20
                );
                (WarningKind::Damaged, message)
            }
            Why::UnexpectedEof => {
                let left = reader.data().len();
                let message = format!(
                    "capture is truncated: the last record is cut off ({left} bytes left over)"
                );
                (WarningKind::Truncated, message)
            }
            Why::Damaged(kind) => {
                let what = explain(kind, reader.data(), self.legacy);
                (
                    WarningKind::Damaged,
                    format!("damaged record: {what}; stopped reading"),
                )
            }
        };
        warnings.push(Warning::at(self.offset, kind, message));
        false
    }
}

/// How many bytes the file header takes, once `head` holds enough of it
/// to tell: 24 for pcap, the section header block's length for pcapng.
fn header_len(head: &[u8]) -> Option<usize> {
    let magic = head.get(..4)?;
    if MAGICS[1..]
        .iter()
        .chain(&MODIFIED_MAGICS)
        .any(|m| m == magic)
    {
        return Some(24);
    }
    if magic != MAGICS[0] {
        return Some(HEAD);
    }
    let len: [u8; 4] = head.get(4..8)?.try_into().ok()?;
    let big = head.get(8..12)? == [0x1a, 0x2b, 0x3c, 0x4d];
    let n = if big {
        u32::from_be_bytes(len)
    } else {
        u32::from_le_bytes(len)
    };
    Some((n as usize).clamp(12, HEAD))
}

/// The parser's verdict on a record it could not read, if it gave one.
fn nom_kind(e: &PcapError<&[u8]>) -> Option<pcap_parser::nom::error::ErrorKind> {
    match e {
        PcapError::NomError(_, kind) | PcapError::OwnedNomError(_, kind) => Some(*kind),
        _ => None,
    }
}

/// A pcapng block type's name.
fn block_name(t: u32) -> String {
    let name = match t {
        0x0a0d_0d0a => "section header",
        1 => "interface description",
        2 => "packet (obsolete)",
        3 => "simple packet",
        4 => "name resolution",
        5 => "interface statistics",
        6 => "enhanced packet",
        10 => "decryption secrets",
        0xbad | 0x4000_0bad => "custom",
        _ => "",
    };
    if name.is_empty() {
        format!("block of type {t:#x}")
    } else {
        format!("{name} block")
    }
}

/// What is wrong with the record at the start of `data`, in words: the
/// parser only says which check failed, so the record's own length fields
/// are read here to say which one lies.
fn explain(kind: Option<pcap_parser::nom::error::ErrorKind>, data: &[u8], legacy: bool) -> String {
    let word = |at: usize, be: bool| -> Option<u32> {
        let b: [u8; 4] = data.get(at..at + 4)?.try_into().ok()?;
        Some(if be {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    if legacy {
        return match word(8, false) {
            Some(caplen) => {
                format!("a packet record that cannot be read (it claims {caplen} captured bytes)")
            }
            None => "a packet record header cut short".into(),
        };
    }
    // pcapng: type, length, body, the same length again. The byte order is
    // the section's; the one that gives a plausible length is taken.
    let plausible =
        |n: u32| n >= 12 && n.is_multiple_of(4) && (n as usize) <= data.len().max(1 << 24);
    let be = !word(4, false).is_some_and(plausible) && word(4, true).is_some_and(plausible);
    let (Some(t), Some(len1)) = (word(0, be), word(4, be)) else {
        return "the file ends inside a block header".into();
    };
    let name = block_name(t);
    if len1 < 12 || !len1.is_multiple_of(4) {
        return format!(
            "the {name} here claims to be {len1} bytes long, which no block can be (at least 12, a multiple of 4)"
        );
    }
    match word(len1 as usize - 4, be) {
        Some(len2) if len2 != len1 => format!(
            "the {name} here says it is {len1} bytes long at its start but {len2} at its end"
        ),
        None => format!("the {name} here claims {len1} bytes, more than the file holds"),
        Some(_) if t == 6 => match word(20, be) {
            Some(caplen) if caplen as usize + 32 > len1 as usize => format!(
                "the enhanced packet block here claims {caplen} captured bytes, more than its {len1} bytes can hold"
            ),
            _ => format!("the options of the enhanced packet block here do not fit its {len1} bytes"),
        },
        Some(_) => format!(
            "the contents of the {name} here do not fit its {len1} bytes{}",
            match kind {
                Some(pcap_parser::nom::error::ErrorKind::Tag) => " (a section header where none may be)",
                _ => "",
            }
        ),
    }
}

/// The first comment among a packet's options, borrowed from the capture.
fn comment_of<'a>(options: &[pcap_parser::pcapng::PcapNGOption<'a>]) -> Option<&'a [u8]> {
    options
        .iter()
        .filter(|o| o.code == OptionCode::Comment)
        .find_map(|o| match &o.value {
            std::borrow::Cow::Borrowed(bytes) => bytes.get(..usize::from(o.len)),
            std::borrow::Cow::Owned(_) => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsresol_decimal_and_binary() {
        assert_eq!(tsresol_units(6), 1_000_000);
        assert_eq!(tsresol_units(9), 1_000_000_000);
        assert_eq!(tsresol_units(0x80 | 10), 1024);
        assert_eq!(tsresol_units(0x80 | 63), 1 << 63);
        assert_eq!(tsresol_units(20), 0);
    }

    #[test]
    fn damage_is_said_in_words() {
        let mut epb = Vec::new();
        for w in [6u32, 40, 0, 0, 0, 4, 4] {
            epb.extend(w.to_le_bytes());
        }
        epb.extend([1, 2, 3, 4, 0, 0, 0, 0]);
        epb.extend(44u32.to_le_bytes());
        let said = explain(
            Some(pcap_parser::nom::error::ErrorKind::Verify),
            &epb,
            false,
        );
        assert_eq!(
            said,
            "the enhanced packet block here says it is 40 bytes long at its start but 44 at its end"
        );
        epb[4] = 7;
        let said = explain(None, &epb, false);
        assert!(said.contains("claims to be 7 bytes long"), "{said}");
        assert_eq!(
            explain(None, &[6, 0], false),
            "the file ends inside a block header"
        );
    }

    #[test]
    fn timestamps_to_nanoseconds() {
        assert_eq!(to_ns(1_500_000, 1_000_000, 0), 1_500_000_000);
        assert_eq!(to_ns(1024 + 512, 1024, 0), 1_500_000_000);
        assert_eq!(to_ns(7, 0, 0), 0);
        assert_eq!(to_ns(1, 1, -5), 0);
    }
}
