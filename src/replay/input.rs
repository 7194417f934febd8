//! What a file holds, told by its first bytes rather than its name.
//!
//! `replay` reads three kinds of file, and any of them gzipped:
//!
//! | first bytes | what it is |
//! |---|---|
//! | `1f 8b` | gzip (RFC 1952): decompressed as it is read, then looked at again |
//! | `0a 0d 0d 0a` | a pcapng section header block |
//! | `a1 b2 c3 d4`, `a1 b2 3c 4d` (either byte order) | a pcap file header |
//! | `{` (after blank space) | a saved trace: JSON Lines, one event per line, as `--json` writes it |
//!
//! A file called `x.pcap` that really holds JSON, or a `.pcap.gz` that was
//! never compressed, is read for what it is. Decompression streams through
//! a small window (flate2's `MultiGzDecoder`, which also reads files that
//! are several gzip members one after another, as `cat a.gz b.gz` makes), so
//! a gzipped capture costs no more memory than a plain one.

use flate2::read::MultiGzDecoder;
use std::io::{self, Cursor, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Bytes looked at to tell the kinds apart.
const SNIFF: usize = 64;

/// The two things a file can hold once any gzip layer is removed.
pub enum Content {
    /// A pcap or pcapng capture.
    Capture(Box<dyn Read + Send>),
    /// A trace saved with `--json`.
    JsonLines(Box<dyn Read + Send>),
}

/// A file opened for reading, with what it turned out to be.
pub struct Input {
    pub content: Content,
    /// The bytes were gzip-compressed (offsets then count uncompressed bytes).
    pub gzipped: bool,
}

/// Counts the bytes read from the file itself (before decompression), for
/// a progress line that ends at 100 % either way.
pub struct Counted<R> {
    inner: R,
    pub read: Arc<AtomicU64>,
}

impl<R> Counted<R> {
    pub fn new(inner: R) -> Counted<R> {
        Counted {
            inner,
            read: Arc::new(AtomicU64::new(0)),
        }
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Reads up to `SNIFF` bytes from the start, and a reader that still
/// gives every byte (the ones looked at first).
fn sniff(mut source: Box<dyn Read + Send>) -> io::Result<(Vec<u8>, Box<dyn Read + Send>)> {
    let mut head = vec![0u8; SNIFF];
    let mut got = 0;
    while got < head.len() {
        match source.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    head.truncate(got);
    let again = Box::new(Cursor::new(head.clone()).chain(source));
    Ok((head, again))
}

/// Whether the first bytes are a saved trace: a JSON object first.
fn is_json_lines(head: &[u8]) -> bool {
    head.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{')
}

/// Looks at the first bytes and says what the source holds. A read error
/// here is returned as is; an empty source is a capture (the capture
/// reader says "empty").
pub fn open(source: impl Read + Send + 'static) -> io::Result<Input> {
    let (head, source) = sniff(Box::new(source))?;
    let (head, source, gzipped) = if head.starts_with(&[0x1f, 0x8b]) {
        let (head, source) = sniff(Box::new(MultiGzDecoder::new(source)))?;
        (head, source, true)
    } else {
        (head, source, false)
    };
    let content = if is_json_lines(&head) {
        Content::JsonLines(source)
    } else {
        Content::Capture(source)
    };
    Ok(Input { content, gzipped })
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut z = GzEncoder::new(Vec::new(), Compression::fast());
        z.write_all(bytes).unwrap();
        z.finish().unwrap()
    }

    fn all(c: Content) -> (bool, Vec<u8>) {
        let (json, mut r) = match c {
            Content::Capture(r) => (false, r),
            Content::JsonLines(r) => (true, r),
        };
        let mut v = Vec::new();
        r.read_to_end(&mut v).unwrap();
        (json, v)
    }

    #[test]
    fn content_not_names_decides() {
        let json = b"\n  {\"t\":0}\n".to_vec();
        let i = open(Cursor::new(json.clone())).unwrap();
        assert!(!i.gzipped);
        assert_eq!(all(i.content), (true, json.clone()));

        let i = open(Cursor::new(gzip(&json))).unwrap();
        assert!(i.gzipped);
        assert_eq!(all(i.content), (true, json));

        let pcap = [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
        let i = open(Cursor::new(gzip(&pcap))).unwrap();
        assert_eq!(all(i.content), (false, pcap.to_vec()));
    }

    #[test]
    fn two_gzip_members_are_one_stream_and_bytes_are_counted() {
        let mut two = gzip(b"{\"a\":1}\n");
        two.extend(gzip(b"{\"b\":2}\n"));
        let len = two.len() as u64;
        let counted = Counted::new(Cursor::new(two));
        let read = counted.read.clone();
        let i = open(counted).unwrap();
        assert_eq!(all(i.content).1, b"{\"a\":1}\n{\"b\":2}\n".to_vec());
        assert_eq!(read.load(Ordering::Relaxed), len);
    }

    #[test]
    fn short_and_empty_sources_are_captures_for_the_capture_reader_to_judge() {
        assert!(matches!(
            open(Cursor::new(Vec::new())).unwrap().content,
            Content::Capture(_)
        ));
        assert!(matches!(
            open(Cursor::new(vec![0x1f])).unwrap().content,
            Content::Capture(_)
        ));
    }
}
