//! TLS on the control connection, seen from outside: records, not words.
//!
//! `AUTH TLS` (RFC 4217 §4) asks the server to protect the control
//! connection; a `234` reply says yes, and from the next byte on both sides
//! speak TLS instead of lines. Nobody between them can read the commands any
//! more, which is the point, and also why a firewall's FTP helper (which
//! reads `PORT` and `227` to open the data port) goes blind.
//!
//! TLS travels in *records*, each with a 5-byte header: a content type
//! (20 change-cipher-spec, 21 alert, 22 handshake, 23 application data, 24
//! heartbeat), a version whose first byte is 3, and a 16-bit length of at
//! most 2^14 + 2048 bytes. Counting records by their headers is enough to
//! know where the TLS part ends: when a handshake fails, the peers send an
//! alert and, as some servers allow, go on in clear text, so the next bytes
//! after the last record are not a record header but `PASV\r\n`.
//!
//! A [`Framing`] follows one direction's records (not [`crate::tls::Records`], the
//! headers a sender read off its own bytes): it counts the bytes that belong to
//! TLS records and says where the first byte after them is.

/// The largest record body TLS allows (RFC 8446 §5.2: 2^14 + 256; TLS 1.2
/// compressed or encrypted records may reach 2^14 + 2048).
const MAX_RECORD: usize = (1 << 14) + 2048;

/// Whether `b` may start a TLS record header, as far as it goes.
pub fn is_record_start(b: &[u8]) -> bool {
    let ok_type = |t: u8| (20..=24).contains(&t);
    match b {
        [] => false,
        [t] => ok_type(*t),
        [t, major, ..] if !ok_type(*t) || *major != 3 => false,
        [_, _, minor, ..] if *minor > 4 => false,
        [_, _, _, hi, lo, ..] => usize::from(u16::from_be_bytes([*hi, *lo])) <= MAX_RECORD,
        _ => true,
    }
}

/// Whether `b` starts a TLS handshake (the first record after `234`).
pub fn is_handshake_start(b: &[u8]) -> bool {
    b.first() == Some(&22) && is_record_start(b)
}

/// One direction's TLS records.
#[derive(Debug, Clone, Default)]
pub struct Framing {
    /// Bytes counted as TLS so far.
    pub bytes: u64,
    /// Body bytes left in the current record.
    need: usize,
    /// A record header read in pieces.
    header: Vec<u8>,
    /// False after a hole: record boundaries are lost, every byte counts.
    pub framed: bool,
}

impl Framing {
    pub fn new() -> Framing {
        Framing {
            framed: true,
            ..Framing::default()
        }
    }

    /// Counts what belongs to TLS in `b`; returns how many bytes did, so
    /// that `b[n..]` (when `n < b.len()`) is the first byte after TLS.
    pub fn take(&mut self, b: &[u8]) -> usize {
        if !self.framed {
            self.bytes += b.len() as u64;
            return b.len();
        }
        let mut at = 0;
        while at < b.len() {
            if self.need > 0 {
                let k = self.need.min(b.len() - at);
                self.need -= k;
                at += k;
                continue;
            }
            let want = 5 - self.header.len();
            let k = want.min(b.len() - at);
            let mut header = self.header.clone();
            header.extend_from_slice(&b[at..at + k]);
            if !is_record_start(&header) {
                // Bytes of a header read earlier were TLS's (they said so
                // then); the rest is not.
                self.header.clear();
                break;
            }
            at += k;
            if header.len() == 5 {
                self.need = usize::from(u16::from_be_bytes([header[3], header[4]]));
                self.header.clear();
            } else {
                self.header = header;
            }
        }
        self.bytes += at as u64;
        at
    }

    /// A hole of `n` bytes: counted as TLS; if the bytes after it start a
    /// record header, framing goes on from there.
    pub fn hole(&mut self, n: u64) {
        self.bytes += n;
        self.need = 0;
        self.header.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(t: u8, len: usize) -> Vec<u8> {
        let mut r = vec![t, 3, 3];
        r.extend((len as u16).to_be_bytes());
        r.extend(std::iter::repeat_n(0xaa, len));
        r
    }

    #[test]
    fn records_then_clear_text() {
        let mut bytes = record(22, 100);
        bytes.extend(record(21, 2));
        let tls = bytes.len();
        bytes.extend(b"PASV\r\n");
        let mut r = Framing::new();
        assert_eq!(r.take(&bytes), tls);
        assert_eq!(r.bytes, tls as u64);
    }

    #[test]
    fn records_split_anywhere_are_counted_the_same() {
        let mut bytes = record(22, 300);
        bytes.extend(record(23, 40));
        bytes.extend(b"227 Entering Passive Mode (1,2,3,4,5,6).\r\n");
        for cut in 0..bytes.len() {
            let mut r = Framing::new();
            let a = r.take(&bytes[..cut]);
            let n = if a == cut {
                a + r.take(&bytes[cut..])
            } else {
                a
            };
            assert_eq!(n, 5 + 300 + 5 + 40, "cut at {cut}");
        }
    }

    #[test]
    fn what_starts_a_record() {
        assert!(is_handshake_start(&[22, 3, 1, 0, 200]));
        assert!(!is_handshake_start(b"PASV"));
        assert!(!is_record_start(&[22, 4]));
        assert!(!is_record_start(&[23, 3, 3, 0xff, 0xff]));
        assert!(is_record_start(&[21]));
    }
}
