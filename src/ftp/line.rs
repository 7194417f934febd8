//! Cutting the control channel's bytes into lines.
//!
//! RFC 959 ends every line with CRLF; real clients and servers sometimes send
//! a bare LF, so a line ends at LF and one CR before it is dropped. TCP
//! delivers bytes, not lines: a line may arrive in pieces, or many lines in
//! one segment, so bytes are pushed in as they come and lines taken out when
//! whole.
//!
//! A peer that never sends LF must not make us buffer forever: a line longer
//! than [`MAX_LINE`] is reported once as [`LineError::TooLong`], with its
//! first `limit` bytes (enough to show what it was), and the rest of its
//! bytes are thrown away up to the next LF. Bytes that are not UTF-8 are kept as
//! text with U+FFFD in their place: FTP text is meant to be ASCII, and a
//! replacement character is the honest way to show anything else.

/// The longest control line we accept, in bytes, without its line end.
pub const MAX_LINE: usize = 4096;

/// A line that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// The line was longer than the limit; `head` is its first `limit`
    /// bytes (as text), the rest was discarded.
    #[error("line longer than {limit} bytes ({seen} bytes discarded)")]
    TooLong {
        limit: usize,
        seen: usize,
        head: String,
    },
}

/// Accumulates bytes and hands out whole lines.
#[derive(Debug, Default, Clone)]
pub struct LineBuffer {
    buf: Vec<u8>,
    /// Bytes of an over-long line seen so far, and its first `limit` bytes,
    /// while we wait for its end.
    discarding: Option<(usize, Vec<u8>)>,
    limit: usize,
}

impl LineBuffer {
    pub fn new() -> LineBuffer {
        LineBuffer::with_limit(MAX_LINE)
    }

    pub fn with_limit(limit: usize) -> LineBuffer {
        LineBuffer {
            buf: Vec::new(),
            discarding: None,
            limit,
        }
    }

    /// Appends bytes as they came off the wire.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes held that do not yet make a line.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// The next whole line, if one is there. Call until `None`.
    pub fn next_line(&mut self) -> Option<Result<String, LineError>> {
        self.next_raw()
            .map(|line| line.map(|l| String::from_utf8_lossy(&l).into_owned()))
    }

    /// The next whole line as its bytes (a file name need not be UTF-8).
    pub fn next_raw(&mut self) -> Option<Result<Vec<u8>, LineError>> {
        loop {
            match self.buf.iter().position(|&b| b == b'\n') {
                Some(end) => {
                    let mut line: Vec<u8> = self.buf.drain(..=end).collect();
                    line.pop(); // LF
                    if line.last() == Some(&b'\r') {
                        line.pop();
                    }
                    if let Some((seen, head)) = self.discarding.take() {
                        return Some(Err(self.too_long(seen + line.len(), &head)));
                    }
                    if line.len() > self.limit {
                        return Some(Err(self.too_long(line.len(), &line)));
                    }
                    return Some(Ok(line));
                }
                None if self.buf.len() > self.limit + 1 => {
                    // No end in sight: keep the head, drop the rest, count.
                    let (seen, _) = self.discarding.get_or_insert_with(|| {
                        (0, self.buf.get(..self.limit).unwrap_or_default().to_vec())
                    });
                    *seen += self.buf.len();
                    self.buf.clear();
                    continue;
                }
                None => return None,
            }
        }
    }

    fn too_long(&self, seen: usize, line: &[u8]) -> LineError {
        let head = line.get(..self.limit).unwrap_or(line);
        LineError::TooLong {
            limit: self.limit,
            seen,
            head: String::from_utf8_lossy(head).into_owned(),
        }
    }

    /// What is left when the stream ends: a last line without its LF.
    pub fn finish(&mut self) -> Option<Result<String, LineError>> {
        if let Some(line) = self.next_line() {
            return Some(line);
        }
        if let Some((seen, head)) = self.discarding.take() {
            self.buf.clear();
            return Some(Err(self.too_long(seen, &head)));
        }
        if self.buf.is_empty() {
            return None;
        }
        let mut line = std::mem::take(&mut self.buf);
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Some(Ok(String::from_utf8_lossy(&line).into_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn lines(buf: &mut LineBuffer) -> Vec<Result<String, LineError>> {
        std::iter::from_fn(|| buf.next_line()).collect()
    }

    #[test]
    fn crlf_and_bare_lf_both_end_a_line() {
        let mut b = LineBuffer::new();
        b.push(b"USER anonymous\r\nPASS x\nQU");
        assert_eq!(
            lines(&mut b),
            vec![Ok("USER anonymous".into()), Ok("PASS x".into())]
        );
        b.push(b"IT\r\n");
        assert_eq!(lines(&mut b), vec![Ok("QUIT".into())]);
    }

    #[test]
    fn a_line_split_byte_by_byte_is_one_line() {
        let mut b = LineBuffer::new();
        for byte in b"227 Entering Passive Mode (127,0,0,1,4,1)\r\n" {
            assert!(b.pending() < 60);
            b.push(&[*byte]);
        }
        assert_eq!(
            lines(&mut b),
            vec![Ok("227 Entering Passive Mode (127,0,0,1,4,1)".into())]
        );
    }

    #[test]
    fn an_over_long_line_is_reported_once_and_the_next_line_survives() {
        let mut b = LineBuffer::with_limit(16);
        b.push(&[b'A'; 100]);
        assert_eq!(lines(&mut b), vec![]);
        assert!(b.pending() <= 17, "buffer must stay bounded");
        b.push(b"AAAA\r\nNOOP\r\n");
        assert_eq!(
            lines(&mut b),
            vec![
                Err(LineError::TooLong {
                    limit: 16,
                    seen: 104,
                    head: "A".repeat(16),
                }),
                Ok("NOOP".into())
            ]
        );
    }

    #[test]
    fn garbage_bytes_become_replacement_characters() {
        let mut b = LineBuffer::new();
        b.push(b"US\xff\xfeER\r\n");
        assert_eq!(lines(&mut b), vec![Ok("US\u{fffd}\u{fffd}ER".into())]);
    }

    #[test]
    fn finish_returns_an_unterminated_last_line() {
        let mut b = LineBuffer::new();
        b.push(b"221 Bye");
        assert_eq!(lines(&mut b), vec![]);
        assert_eq!(b.finish(), Some(Ok("221 Bye".into())));
        assert_eq!(b.finish(), None);
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_and_memory_stays_bounded(
            chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..20)
        ) {
            let mut b = LineBuffer::with_limit(64);
            for c in &chunks {
                b.push(c);
                while let Some(line) = b.next_line() {
                    if let Ok(l) = line { prop_assert!(l.len() <= 64 * 3); }
                }
                prop_assert!(b.pending() <= 64 + 1 + 300);
            }
            let _ = b.finish();
        }

        #[test]
        fn any_split_of_a_stream_gives_the_same_lines(text in "[ -~]{0,40}(\r\n[ -~]{0,40}){0,5}\r\n", cut in 0usize..400) {
            let bytes = text.as_bytes();
            let cut = cut.min(bytes.len());
            let mut whole = LineBuffer::new();
            whole.push(bytes);
            let mut split = LineBuffer::new();
            split.push(&bytes[..cut]);
            let mut got = lines(&mut split);
            split.push(&bytes[cut..]);
            got.extend(lines(&mut split));
            prop_assert_eq!(got, lines(&mut whole));
        }
    }
}
