//! The pipeline: a capture read on two cores, one reading, one looking.
//!
//! Reading a capture file is two kinds of work. The kernel copies the
//! file's bytes into the program's memory (a `read` call: about a third of
//! replay's time on a large file, and all of `cat`'s), and then the program
//! looks at every packet (framing records, IP and TCP headers, the
//! connection it belongs to). Done one after the other on one core, replay
//! costs the sum of both; done by two threads at once, only the larger.
//!
//! So a reader thread does nothing but `read`, into buffers of [`CHUNK`]
//! bytes, and hands each filled buffer over to the thread that parses the
//! records in it. The buffer is *moved*, not copied: a channel carries the
//! `Vec` itself, and its bytes are parsed where the kernel put them. Only
//! the end of a record cut by a buffer's end (less than a packet) is copied,
//! into the room kept free before the next buffer's bytes ([`HEADROOM`]).
//! Used buffers go back to the reader thread to be filled again. At most
//! [`IN_FLIGHT`] filled buffers wait, so memory stays a few megabytes
//! however large the file is, and a slow parser makes the reader wait
//! (back-pressure) instead of reading the whole file ahead.
//!
//! A live source (a pipe) works the same way: the reader thread hands over
//! whatever one `read` gave, at once, so a packet is looked at as soon as
//! it arrives.
//!
//! [`Pipelined`] is pcap-parser's streaming reader interface
//! ([`PcapReaderIterator`]) over those buffers, parsing with pcap-parser's
//! own record parsers and deciding "incomplete", "too large" and "end of
//! file" as its readers do, so the capture module above reads it the same
//! way (and says the same things about a damaged file, at the same offsets).
//!
//! One shortcut: a classic pcap record is a fixed header (time, captured
//! length, length on the wire) and its bytes, and nearly every one lies
//! whole in the buffer. [`Pipelined::record`] reads such a record straight
//! from its header, as `parse_pcap_frame` would, without making the block
//! types every format shares; anything else (the file header, pcapng, a
//! record cut by the buffer's end) goes through `next`, which says what it
//! is.

use pcap_parser::nom::{self, Needed};
use pcap_parser::pcap::{
    parse_pcap_frame, parse_pcap_frame_be, parse_pcap_frame_modified, LegacyPcapBlock, PcapHeader,
};
use pcap_parser::pcapng::{parse_block_be, parse_block_le, Block};
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{PcapBlockOwned, PcapError};
use std::io::{self, Read};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

/// Bytes one `read` asks for: 1 MiB, as much as a pipe holds (Linux lets
/// a program grow its pipe to that), so one read can empty it. Each
/// buffer handed over wakes the parsing thread; at 512 KiB those wake-ups
/// cost the reading thread about a tenth more than `cat` on a large file
/// (and memory stays under 15 MiB with 1 MiB buffers).
pub const CHUNK: usize = 1 << 20;
/// Room before a buffer's bytes for the cut record the previous buffer
/// ended with (a packet is far smaller; a larger remainder is joined by
/// copying instead).
pub const HEADROOM: usize = 64 << 10;
/// Filled buffers waiting for the parser, at most.
pub const IN_FLIGHT: usize = 2;

/// A buffer the reader thread filled: the bytes are at
/// `HEADROOM..HEADROOM + n`; `n == 0` is the end of the source.
type Filled = io::Result<(Vec<u8>, usize)>;

type LegacyParse = fn(&[u8]) -> nom::IResult<&[u8], LegacyPcapBlock<'_>, PcapError<&[u8]>>;

/// How records are framed.
pub enum Format {
    /// pcap: the file header (given out first), then records parsed by
    /// `parse` (byte order, or the "modified" record header).
    Legacy {
        header: PcapHeader,
        parse: LegacyParse,
        /// Whether record headers are big-endian, when [`Pipelined::record`]
        /// reads them (`None`: the "modified" format, left to its parser).
        big_endian: Option<bool>,
    },
    /// pcapng: blocks in the byte order of the current section.
    Ng { big_endian: bool },
}

impl Format {
    /// pcap records as the header says to read them.
    pub fn legacy(header: PcapHeader) -> Format {
        let parse: LegacyParse = if header.is_modified_format() {
            parse_pcap_frame_modified
        } else if header.is_bigendian() {
            parse_pcap_frame_be
        } else {
            parse_pcap_frame
        };
        Format::Legacy {
            big_endian: (!header.is_modified_format()).then_some(header.is_bigendian()),
            header,
            parse,
        }
    }
}

/// Asks the processor to bring the first bytes of `b` (the next record's
/// headers) into its cache while this record is looked at: they were just
/// written by the kernel, on the other core.
#[inline(always)]
fn prefetch(b: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch is only a hint: it reads nothing into the
        // program, cannot fault whatever the address, and `sse` (which
        // provides it) is part of every x86_64 processor.
        unsafe {
            _mm_prefetch::<_MM_HINT_T0>(b.as_ptr().cast());
            _mm_prefetch::<_MM_HINT_T0>(b.as_ptr().wrapping_add(64).cast());
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = b;
}

/// A pcap record header's length: time (seconds, fraction), captured
/// length, length on the wire.
const RECORD_HEADER: usize = 16;

/// A classic pcap record, read in place by [`Pipelined::record`].
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    pub ts_sec: u32,
    /// Microseconds, or nanoseconds (as the file header says).
    pub ts_frac: u32,
    /// The captured bytes.
    pub data: &'a [u8],
    /// The record's length in the file, header included.
    pub len: usize,
}

/// A capture's records, parsed from buffers a reader thread fills.
pub struct Pipelined {
    format: Format,
    /// The current buffer; its unparsed bytes are `start..end`.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Bytes of the source consumed (given out as records) so far.
    consumed: usize,
    /// The largest record (with what is buffered) before "too small".
    capacity: usize,
    /// The source has no more bytes.
    exhausted: bool,
    filled: Receiver<Filled>,
    empty: SyncSender<Vec<u8>>,
}

impl Pipelined {
    /// Starts the reader thread on `source`; `head` is what was read of it
    /// already (the file header and maybe more), parsed first. `capacity`
    /// is the record size at which the parser says its buffer is too small.
    pub fn start(
        format: Format,
        head: Vec<u8>,
        source: impl Read + Send + 'static,
        capacity: usize,
    ) -> io::Result<Pipelined> {
        let (filled_tx, filled) = sync_channel(IN_FLIGHT);
        let (empty, empty_rx) = sync_channel(IN_FLIGHT);
        std::thread::Builder::new()
            .name("capture reader".into())
            .spawn(move || fill(source, filled_tx, empty_rx))?;
        Ok(Pipelined {
            format,
            end: head.len(),
            buf: head,
            start: 0,
            consumed: 0,
            capacity,
            exhausted: false,
            filled,
            empty,
        })
    }

    /// The next record of a pcap file, if the buffer holds all of it and
    /// the file header was given out: read as pcap-parser reads it (the
    /// same words, the same bytes). `None` when [`next`](Self::next) must
    /// say what comes instead.
    #[inline]
    pub fn record(&self) -> Option<Record<'_>> {
        let Format::Legacy {
            big_endian: Some(big_endian),
            ..
        } = self.format
        else {
            return None;
        };
        if self.consumed == 0 {
            return None;
        }
        let data = &self.buf[self.start..self.end];
        let head: &[u8; 16] = data.first_chunk()?;
        let word = |at: usize| {
            let w = [head[at], head[at + 1], head[at + 2], head[at + 3]];
            if big_endian {
                u32::from_be_bytes(w)
            } else {
                u32::from_le_bytes(w)
            }
        };
        let len = RECORD_HEADER.checked_add(word(8) as usize)?;
        if let Some(next) = data.get(len..) {
            prefetch(next);
        }
        Some(Record {
            ts_sec: word(0),
            ts_frac: word(4),
            data: data.get(RECORD_HEADER..len)?,
            len,
        })
    }

    /// Gives a used buffer back to the reader thread (if it is one of
    /// its size and the thread wants it).
    fn recycle(&self, buf: Vec<u8>) {
        if buf.len() == HEADROOM + CHUNK {
            let _ = self.empty.try_send(buf);
        }
    }

    /// The next buffer's `n` bytes after the unparsed rest of this one.
    fn append(&mut self, mut next: Vec<u8>, n: usize) {
        let left = self.end - self.start;
        if left <= HEADROOM {
            next[HEADROOM - left..HEADROOM].copy_from_slice(&self.buf[self.start..self.end]);
            let used = std::mem::replace(&mut self.buf, next);
            self.recycle(used);
            self.start = HEADROOM - left;
            self.end = HEADROOM + n;
        } else {
            // A record larger than the headroom: joined in a buffer of its
            // own, which grows (amortised) until the record is whole.
            self.buf.truncate(self.end);
            self.buf.drain(..self.start);
            self.buf.extend_from_slice(&next[HEADROOM..HEADROOM + n]);
            self.recycle(next);
            self.start = 0;
            self.end = self.buf.len();
        }
    }
}

/// The reader thread: fills buffers from `source` until it ends, fails, or
/// the parser is gone.
fn fill(mut source: impl Read, filled: SyncSender<Filled>, empty: Receiver<Vec<u8>>) {
    loop {
        let mut buf = empty
            .try_recv()
            .unwrap_or_else(|_| vec![0; HEADROOM + CHUNK]);
        let got = loop {
            match source.read(&mut buf[HEADROOM..]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                got => break got,
            }
        };
        let last = !matches!(got, Ok(n) if n > 0);
        if filled.send(got.map(|n| (buf, n))).is_err() || last {
            return;
        }
    }
}

impl PcapReaderIterator for Pipelined {
    fn next(&mut self) -> Result<(usize, PcapBlockOwned<'_>), PcapError<&[u8]>> {
        if let Format::Legacy { header, .. } = &self.format {
            if self.consumed == 0 {
                return Ok((header.size(), PcapBlockOwned::from(header.clone())));
            }
        }
        let available = self.end - self.start;
        if available == 0 && self.exhausted {
            return Err(PcapError::Eof);
        }
        let data = &self.buf[self.start..self.end];
        let parsed = match &mut self.format {
            Format::Legacy { parse, .. } => {
                parse(data).map(|(rem, b)| (data.len() - rem.len(), PcapBlockOwned::from(b)))
            }
            Format::Ng { big_endian } => {
                let parse = if *big_endian {
                    parse_block_be
                } else {
                    parse_block_le
                };
                parse(data).map(|(rem, b)| {
                    if let Block::SectionHeader(shb) = &b {
                        *big_endian = shb.big_endian();
                    }
                    (data.len() - rem.len(), PcapBlockOwned::from(b))
                })
            }
        };
        match parsed {
            Ok(found) => Ok(found),
            Err(nom::Err::Error(e)) | Err(nom::Err::Failure(e)) => Err(e),
            Err(nom::Err::Incomplete(_)) if self.exhausted => Err(PcapError::UnexpectedEof),
            Err(nom::Err::Incomplete(Needed::Size(n))) => {
                if available + usize::from(n) >= self.capacity {
                    Err(PcapError::BufferTooSmall)
                } else {
                    Err(PcapError::Incomplete(n.into()))
                }
            }
            Err(nom::Err::Incomplete(Needed::Unknown)) => Err(PcapError::Incomplete(0)),
        }
    }

    fn consume(&mut self, offset: usize) {
        self.consume_noshift(offset);
    }

    fn consume_noshift(&mut self, offset: usize) {
        let offset = offset.min(self.end - self.start);
        self.consumed += offset;
        self.start += offset;
    }

    fn consumed(&self) -> usize {
        self.consumed
    }

    fn refill(&mut self) -> Result<(), PcapError<&[u8]>> {
        if self.exhausted {
            return Ok(());
        }
        match self.filled.recv() {
            Ok(Ok((next, 0))) => {
                self.exhausted = true;
                self.recycle(next);
                Ok(())
            }
            Ok(Ok((next, n))) => {
                self.append(next, n);
                Ok(())
            }
            // The source failed, or the reader thread is gone.
            Ok(Err(_)) | Err(_) => Err(PcapError::ReadError),
        }
    }

    fn position(&self) -> usize {
        self.start
    }

    fn grow(&mut self, new_size: usize) -> bool {
        self.capacity = self.capacity.max(new_size);
        true
    }

    fn data(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    fn reader_exhausted(&self) -> bool {
        self.exhausted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pcap_parser::pcap::parse_pcap_header;

    /// A source that gives at most `step` bytes per read, as a pipe may.
    struct Trickle(io::Cursor<Vec<u8>>, usize);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.1);
            self.0.read(&mut buf[..n])
        }
    }

    /// A pcap file whose records hold `sizes` bytes each (byte `i` of
    /// record `k` is `k + i`, so a misplaced byte shows).
    fn pcap(sizes: &[usize]) -> Vec<u8> {
        let mut f = Vec::new();
        for w in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, 0x0004_0000, 1] {
            f.extend(w.to_le_bytes());
        }
        for (k, &n) in sizes.iter().enumerate() {
            for w in [k as u32, 0, n as u32, n as u32] {
                f.extend(w.to_le_bytes());
            }
            f.extend((0..n).map(|i| (k + i) as u8));
        }
        f
    }

    /// Every record's bytes and offset, read through the pipeline; `direct`:
    /// records whole in the buffer are read by `record`, as the capture
    /// reader does.
    fn records(file: Vec<u8>, head: usize, step: usize, direct: bool) -> Vec<(usize, Vec<u8>)> {
        let header = parse_pcap_header(&file).unwrap().1;
        let rest = Trickle(io::Cursor::new(file[head..].to_vec()), step);
        let mut r =
            Pipelined::start(Format::legacy(header), file[..head].to_vec(), rest, 1 << 20).unwrap();
        let mut out = Vec::new();
        loop {
            let at = r.consumed();
            if let Some(record) = r.record().filter(|_| direct) {
                out.push((at, record.data.to_vec()));
                let len = record.len;
                r.consume_noshift(len);
                continue;
            }
            match r.next() {
                Ok((len, block)) => {
                    if let PcapBlockOwned::Legacy(b) = block {
                        out.push((at, b.data.to_vec()));
                    }
                    r.consume_noshift(len);
                }
                Err(PcapError::Incomplete(_)) => r.refill().unwrap(),
                // As the capture reader does: a larger buffer, then more.
                Err(PcapError::BufferTooSmall) => {
                    assert!(r.grow(2 * r.data().len() + (1 << 20)));
                    r.refill().unwrap()
                }
                Err(PcapError::Eof) => return out,
                Err(e) => panic!("{e:?}"),
            }
        }
    }

    #[test]
    fn records_cut_by_buffers_and_larger_than_the_headroom_come_out_whole() {
        let small = [60, 1514, 0, 40, 1];
        let sizes = [60, 1514, 0, HEADROOM + 5000, 3 * CHUNK, 1, 9000, 40];
        let big = pcap(&sizes).len();
        for (sizes, head, step) in [
            (&small[..], 24, 1),
            (&sizes, 24, 4093),
            (&sizes, 100, CHUNK),
            (&sizes, 24, usize::MAX),
            (&sizes, big, 1),
        ] {
            let got = records(pcap(sizes), head, step, true);
            assert_eq!(got, records(pcap(sizes), head, step, false));
            assert_eq!(got.len(), sizes.len(), "head {head}, step {step}");
            let mut at = 24;
            for (k, (offset, data)) in got.iter().enumerate() {
                assert_eq!(*offset, at);
                assert_eq!(data.len(), sizes[k]);
                assert!(data.iter().enumerate().all(|(i, &b)| b == (k + i) as u8));
                at += 16 + sizes[k];
            }
        }
    }
}
