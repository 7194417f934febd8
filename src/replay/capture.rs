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
//! pcap-parser's streaming readers parse records out of a fixed buffer that
//! is refilled from the file, so memory stays at the buffer's size however
//! large the file is. This module turns their blocks into [`Frame`]s with a
//! timestamp in nanoseconds and the link type that says how to read the
//! bytes. A file that ends in the middle of a record, or a record that makes
//! no sense, stops the reading with a [`Warning`] that names the byte offset:
//! everything before it is still used.

use super::Warning;
use pcap_parser::pcapng::Block;
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{create_reader, PcapBlockOwned, PcapError};
use std::io::Read;

/// The reader's buffer. Big enough that refills (one `read` each) are rare.
const BUFFER: usize = 1 << 20;
/// No honest record is larger than this; a bigger claimed length is damage.
const MAX_RECORD: usize = 16 << 20;

/// One captured packet, as the capture stored it.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// Nanoseconds since the Unix epoch.
    pub ts_ns: u64,
    /// How to read `data` (LINKTYPE_* number).
    pub linktype: i32,
    /// The bytes that were captured (maybe fewer than were on the wire).
    pub data: &'a [u8],
    /// Where the record starts in the file.
    pub offset: u64,
    /// One link type for the whole file (pcap), rather than per interface.
    pub whole_file: bool,
}

/// Why a file cannot be read as a capture at all.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("the file is empty")]
    Empty,
    #[error("not a pcap or pcapng capture")]
    NotACapture,
    #[error("the file ends inside the capture header")]
    ShortHeader,
    #[error("cannot read the file")]
    Read,
}

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

/// A capture being read, frame by frame.
pub struct CaptureReader {
    reader: Box<dyn PcapReaderIterator + Send>,
    /// pcap: the file's link type and whether fractions are nanoseconds.
    legacy: Option<(i32, bool)>,
    /// pcapng: the interfaces of the current section.
    interfaces: Vec<Interface>,
    last_ts: u64,
    warned_interfaces: bool,
}

impl CaptureReader {
    /// Opens a capture from any byte source; the format is probed.
    pub fn new(source: impl Read + Send + 'static) -> Result<CaptureReader, CaptureError> {
        let reader = create_reader(BUFFER, source).map_err(|e| match e {
            PcapError::Eof => CaptureError::Empty,
            PcapError::Incomplete(_) | PcapError::UnexpectedEof => CaptureError::ShortHeader,
            PcapError::ReadError => CaptureError::Read,
            _ => CaptureError::NotACapture,
        })?;
        Ok(CaptureReader {
            reader,
            legacy: None,
            interfaces: Vec::new(),
            last_ts: 0,
            warned_interfaces: false,
        })
    }

    /// Calls `on_frame` for every packet, in file order, until it returns
    /// `false`. Damage stops the reading and is returned as warnings (with
    /// the byte offset).
    pub fn for_each(
        &mut self,
        mut on_frame: impl FnMut(Frame<'_>) -> bool,
        warnings: &mut Vec<Warning>,
    ) {
        loop {
            let offset = self.reader.consumed() as u64;
            match self.reader.next() {
                Ok((len, block)) => {
                    let frame = match block {
                        PcapBlockOwned::LegacyHeader(h) => {
                            self.legacy = Some((h.network.0, h.is_nanosecond_precision()));
                            None
                        }
                        PcapBlockOwned::Legacy(b) => {
                            let (linktype, nanos) = self.legacy.unwrap_or((1, false));
                            let frac = u64::from(b.ts_usec) * if nanos { 1 } else { 1000 };
                            let ts_ns = u64::from(b.ts_sec) * 1_000_000_000 + frac;
                            Some(Frame {
                                ts_ns,
                                linktype,
                                data: b.data,
                                offset,
                                whole_file: true,
                            })
                        }
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
                            match self.interfaces.get(epb.if_id as usize) {
                                Some(ifc) => {
                                    let ts = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                                    let caplen = (epb.caplen as usize).min(epb.data.len());
                                    Some(Frame {
                                        ts_ns: to_ns(ts, ifc.units, ifc.offset_s),
                                        linktype: ifc.linktype,
                                        data: epb.data.get(..caplen).unwrap_or(epb.data),
                                        offset,
                                        whole_file: false,
                                    })
                                }
                                None => {
                                    if !self.warned_interfaces {
                                        self.warned_interfaces = true;
                                        warnings.push(Warning {
                                            offset: Some(offset),
                                            message: format!(
                                                "packet names interface {} that no interface block declared; skipped",
                                                epb.if_id
                                            ),
                                        });
                                    }
                                    None
                                }
                            }
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
                                }
                            })
                        }
                        PcapBlockOwned::NG(_) => None,
                    };
                    let go_on = match frame {
                        Some(frame) => {
                            self.last_ts = frame.ts_ns;
                            on_frame(frame)
                        }
                        None => true,
                    };
                    self.reader.consume(len);
                    if !go_on {
                        return;
                    }
                }
                Err(PcapError::Eof) => return,
                Err(PcapError::Incomplete(_)) => {
                    if self.reader.refill().is_err() {
                        warnings.push(Warning {
                            offset: Some(offset),
                            message: "read error; stopped here".into(),
                        });
                        return;
                    }
                }
                Err(PcapError::BufferTooSmall) => {
                    let size = self.reader.data().len().saturating_mul(2).max(BUFFER * 2);
                    if size > MAX_RECORD || !self.reader.grow(size) {
                        warnings.push(Warning {
                            offset: Some(offset),
                            message: format!(
                                "record claims more than {} MiB; the file is damaged here, stopped",
                                MAX_RECORD >> 20
                            ),
                        });
                        return;
                    }
                    if self.reader.refill().is_err() {
                        return;
                    }
                }
                Err(PcapError::UnexpectedEof) => {
                    let left = self.reader.data().len();
                    warnings.push(Warning {
                        offset: Some(offset),
                        message: format!(
                            "capture is truncated: the last record is cut off ({left} bytes left over)"
                        ),
                    });
                    return;
                }
                Err(e) => {
                    warnings.push(Warning {
                        offset: Some(offset),
                        message: format!("damaged record ({}); stopped reading", describe(&e)),
                    });
                    return;
                }
            }
        }
    }
}

fn describe(e: &PcapError<&[u8]>) -> String {
    match e {
        PcapError::NomError(_, kind) | PcapError::OwnedNomError(_, kind) => {
            format!("unparsable: {}", kind.description())
        }
        PcapError::HeaderNotRecognized => "unknown block".into(),
        PcapError::ReadError => "read error".into(),
        _ => "unexpected end".into(),
    }
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
    fn timestamps_to_nanoseconds() {
        assert_eq!(to_ns(1_500_000, 1_000_000, 0), 1_500_000_000);
        assert_eq!(to_ns(1024 + 512, 1024, 0), 1_500_000_000);
        assert_eq!(to_ns(7, 0, 0), 0);
        assert_eq!(to_ns(1, 1, -5), 0);
    }
}
