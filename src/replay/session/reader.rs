//! One side of a control connection, read as lines, with nothing left out.
//!
//! The control channel is meant to be lines of text (RFC 959 §4.1.1), but a
//! capture of real traffic holds more than that, and each part is accounted
//! for rather than dropped:
//!
//! - **whole lines**, the normal case; a line longer than [`MAX_LINE`] is
//!   kept by its head, with its real length, so it can be shown cut;
//! - **holes**: bytes the capture never saw. The start of a line before a
//!   hole is a [`Piece::Head`], the hole itself a [`Piece::Hole`]. The
//!   segment after a hole starts somewhere in the stream: if its first bytes
//!   begin a line (a command verb from the client, a reply code from the
//!   server), reading goes on from there at once; otherwise they are the
//!   [`Piece::Tail`] of a line whose start was lost, up to its line end;
//! - **TLS**: after a `234` reply to `AUTH TLS`, the next bytes may be TLS
//!   records ([`records`](crate::replay::records)); they are counted, not read, until the
//!   records stop (a failed handshake that falls back to clear text) or the
//!   connection ends ([`Piece::Tls`]). When the reading holds TLS keys
//!   ([`Keyed`]), the records go to the session's
//!   [`decryption::Connection`] instead, and their plain text is read as
//!   lines like clear text, after a [`Piece::Opened`]; a record that does
//!   not decrypt ([`Piece::Undecrypted`]) leaves the rest counted as above.
//!
//! **Which records carried a decrypted line.** Each record's plain text is
//! appended to the line buffer; the records appended since the last line
//! came out go with the next line that comes out (its `sealed`). So a line
//! split over records lists them all (the one that held its start too,
//! unless that record also ended an earlier line: a record goes with the
//! first line it ends), and a record holding two lines (pipelined
//! commands) goes with the first: the second has none, and is shown
//! without its wire. A hole, or TLS that fails or ends, drops the records
//! waiting (their line is no longer all TLS).
//!
//! What the lines *mean* (commands, replies, junk) is the session's business.

use super::recognition;
use crate::ftp::{LineBuffer, LineError, MAX_LINE};
use crate::replay::decryption::{self, KeyLog, Output};
use crate::replay::records::{self as tls, Framing};
use crate::tls::Record;
use crate::trace::Side;

/// A part of one side's control stream, in stream order.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// A whole line without its CR LF; `long` is its real length when the
    /// text holds only its first [`MAX_LINE`] bytes; `sealed`: the TLS
    /// records it was decrypted from (see [`Reader`]), none in clear text.
    Line {
        text: String,
        long: Option<usize>,
        sealed: Vec<Record>,
    },
    /// The start of a line whose end a hole swallowed.
    Head { text: String },
    /// Bytes the capture never saw.
    Hole { bytes: u64 },
    /// The end of a line whose start a hole swallowed.
    Tail { text: String },
    /// TLS records: `bytes` counted from time `t`; `clear_after` when clear
    /// text follows them.
    Tls {
        bytes: u64,
        t: f64,
        clear_after: bool,
    },
    /// Decrypted text follows, read with the keys as `how` says
    /// ("TLS 1.3, TLS_AES_128_GCM_SHA256").
    Opened { how: String },
    /// TLS could not be read any further (`record`: counted from 1 in this
    /// direction, when one is to blame); what follows is counted.
    Undecrypted { why: String, record: Option<u64> },
    /// Decrypted TLS ended (a close_notify, as `CCC` asks): clear text
    /// follows.
    Cleared,
}

/// The keys a reading holds, and the TLS connection they are used on.
pub struct Keyed<'a> {
    pub conn: &'a mut decryption::Connection,
    pub keys: &'a KeyLog,
}

/// TLS being decrypted on one side: its records, counted as they would be
/// without keys (in case they do not decrypt), since when, whether plain
/// text came out, and when the last bytes came.
#[derive(Debug, Clone)]
struct Inside {
    records: Framing,
    since: f64,
    plain: bool,
    last_t: f64,
}

/// Reads one side of a control connection.
#[derive(Debug, Clone)]
pub struct Reader {
    side: Side,
    lines: LineBuffer,
    /// TLS in progress: its records and the time of its first byte.
    tls: Option<(Framing, f64)>,
    /// TLS in progress, being decrypted.
    inside: Option<Inside>,
    /// Set after a `234`: the next bytes may start TLS.
    pub tls_expected: bool,
    /// The next bytes start a segment that follows a hole.
    after_hole: bool,
    /// The next line out of the buffer is the tail of a cut line.
    in_tail: bool,
    /// Decrypted records whose plain text went into the buffer since the
    /// last line came out of it.
    carrying: Vec<Record>,
}

/// Whether bytes that follow a hole begin a line of `side`'s: a command
/// verb FTP knows from the client, a reply code from the server.
fn starts_line(side: Side, b: &[u8]) -> bool {
    match side {
        Side::Server => {
            b.len() >= 3
                && b[..3].iter().all(u8::is_ascii_digit)
                && matches!(b.get(3), None | Some(b' ' | b'-' | b'\r' | b'\n'))
        }
        Side::Client => {
            let end = b
                .iter()
                .position(|c| matches!(c, b' ' | b'\r' | b'\n'))
                .unwrap_or(b.len());
            std::str::from_utf8(&b[..end])
                .is_ok_and(|w| recognition::verb(w) != recognition::Verb::Foreign)
        }
    }
}

impl Reader {
    pub fn new(side: Side) -> Reader {
        Reader {
            side,
            lines: LineBuffer::with_limit(MAX_LINE),
            tls: None,
            inside: None,
            tls_expected: false,
            after_hole: false,
            in_tail: false,
            carrying: Vec::new(),
        }
    }

    /// Bytes held that do not yet make a line.
    pub fn pending(&self) -> usize {
        self.lines.pending()
    }

    /// When the TLS being counted began (its event, given when it ends,
    /// carries that time).
    pub fn tls_since(&self) -> Option<f64> {
        let decrypting = self.inside.as_ref().filter(|i| !i.plain);
        self.tls
            .as_ref()
            .map(|(_, t)| *t)
            .or(decrypting.map(|i| i.since))
    }

    /// Whether TLS records are being counted.
    pub fn in_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Whether the next bytes may be TLS to decrypt (keys are wanted).
    pub fn wants_keys(&self) -> bool {
        self.inside.is_some() || (self.tls_expected && self.tls.is_none())
    }

    /// In-order bytes, captured at time `t`; `keyed`: the keys to read TLS
    /// with, when the reading has any.
    pub fn push(&mut self, mut b: &[u8], t: f64, out: &mut Vec<Piece>, keyed: Option<Keyed>) {
        if b.is_empty() {
            return;
        }
        let after_hole = std::mem::take(&mut self.after_hole);
        if self.inside.is_some() && keyed.is_some() {
            return self.decrypt(b, t, out, keyed);
        }
        if let Some((records, _)) = &mut self.tls {
            // After a hole inside TLS, the next record header (if any) is
            // where framing resumes; clear text is where TLS ended.
            if after_hole && !records.framed {
                records.framed = tls::is_record_start(b) || starts_line(self.side, b);
            }
            let n = records.take(b);
            if n == b.len() {
                return;
            }
            b = &b[n..];
            self.end_tls(true, out);
        } else if std::mem::take(&mut self.tls_expected)
            && self.lines.pending() == 0
            && tls::is_handshake_start(b)
        {
            if keyed.is_some() {
                self.inside = Some(Inside {
                    records: Framing::new(),
                    since: t,
                    plain: false,
                    last_t: t,
                });
                return self.decrypt(b, t, out, keyed);
            }
            let mut records = Framing::new();
            let n = records.take(b);
            self.tls = Some((records, t));
            if n == b.len() {
                return;
            }
            b = &b[n..];
            self.end_tls(true, out);
        } else if after_hole && !starts_line(self.side, b) {
            self.in_tail = true;
        }
        self.lines.push(b);
        self.drain(out);
    }

    /// TLS bytes through the keys: plain text read as lines; a failure
    /// leaves the rest counted, as without keys.
    fn decrypt(&mut self, b: &[u8], t: f64, out: &mut Vec<Piece>, keyed: Option<Keyed>) {
        let (Some(inside), Some(k)) = (&mut self.inside, keyed) else {
            return;
        };
        inside.records.take(b);
        inside.last_t = t;
        let mut outputs = Vec::new();
        k.conn.feed(self.side as usize, b, k.keys, &mut outputs);
        for o in outputs {
            match o {
                Output::Opened(how) => {
                    if let Some(i) = &mut self.inside {
                        i.plain = true;
                    }
                    out.push(Piece::Opened { how });
                }
                Output::Plain { text, record } => self.plain(&text, record, out),
                Output::Failed { why, record, rest } => {
                    self.carrying.clear();
                    out.push(Piece::Undecrypted {
                        why,
                        record: Some(record),
                    });
                    self.tls = self.inside.take().map(|i| {
                        if i.plain {
                            let mut r = Framing::new();
                            r.take(&rest);
                            (r, t)
                        } else {
                            (i.records, i.since)
                        }
                    });
                }
                Output::Ended { rest } => {
                    self.carrying.clear();
                    if let Some(i) = self.inside.take() {
                        out.push(if i.plain {
                            Piece::Cleared
                        } else {
                            Piece::Tls {
                                bytes: i.records.bytes,
                                t: i.since,
                                clear_after: true,
                            }
                        });
                    }
                    self.lines.push(&rest);
                    self.drain(out);
                }
            }
        }
    }

    /// A decrypted record's plain text: read as lines, the record going
    /// with the next line it ends.
    fn plain(&mut self, text: &[u8], record: Record, out: &mut Vec<Piece>) {
        self.carrying.push(record);
        self.lines.push(text);
        self.drain(out);
    }

    fn end_tls(&mut self, clear_after: bool, out: &mut Vec<Piece>) {
        if let Some((records, t)) = self.tls.take() {
            out.push(Piece::Tls {
                bytes: records.bytes,
                t,
                clear_after,
            });
        }
    }

    fn drain(&mut self, out: &mut Vec<Piece>) {
        while let Some(line) = self.lines.next_line() {
            out.push(self.piece(line));
        }
    }

    fn piece(&mut self, line: Result<String, LineError>) -> Piece {
        let (text, long) = match line {
            Ok(text) => (text, None),
            Err(LineError::TooLong { seen, head, .. }) => (head, Some(seen)),
        };
        if std::mem::take(&mut self.in_tail) {
            Piece::Tail { text }
        } else {
            let sealed = std::mem::take(&mut self.carrying);
            Piece::Line { text, long, sealed }
        }
    }

    /// `n` bytes the capture never saw.
    pub fn hole(&mut self, n: u64, out: &mut Vec<Piece>) {
        self.carrying.clear();
        if let Some(i) = self.inside.take() {
            // Decryption needs every record, in order: counted from here.
            out.push(Piece::Undecrypted {
                why: format!("a hole in the capture ({n} bytes never captured)"),
                record: None,
            });
            let (mut records, since) = if i.plain {
                (Framing::new(), i.last_t)
            } else {
                (i.records, i.since)
            };
            records.hole(n);
            records.framed = false;
            self.tls = Some((records, since));
            self.after_hole = true;
            return;
        }
        if let Some((records, _)) = &mut self.tls {
            records.hole(n);
            records.framed = false;
            self.after_hole = true;
            return;
        }
        if let Some(line) = self.lines.finish() {
            let piece = self.piece(line);
            out.push(match piece {
                Piece::Line { text, .. } => Piece::Head { text },
                other => other,
            });
        }
        out.push(Piece::Hole { bytes: n });
        self.after_hole = true;
        self.in_tail = false;
    }

    /// The stream ended: TLS still running, or a last line without its end.
    pub fn finish(&mut self, out: &mut Vec<Piece>) {
        if let Some(i) = self.inside.take().filter(|i| !i.plain) {
            self.tls = Some((i.records, i.since));
        }
        self.end_tls(false, out);
        if let Some(line) = self.lines.finish() {
            let piece = self.piece(line);
            out.push(piece);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(side: Side, parts: &[Result<&[u8], u64>]) -> Vec<Piece> {
        let mut r = Reader::new(side);
        let mut out = Vec::new();
        for p in parts {
            match p {
                Ok(b) => r.push(b, 1.0, &mut out, None),
                Err(n) => r.hole(*n, &mut out),
            }
        }
        r.finish(&mut out);
        out
    }

    fn line(s: &str) -> Piece {
        Piece::Line {
            text: s.into(),
            long: None,
            sealed: Vec::new(),
        }
    }

    #[test]
    fn a_line_after_a_hole_is_kept_and_a_tail_is_told_apart() {
        let got = read(
            Side::Client,
            &[Ok(b"USER a\r\nRETR bi"), Err(20), Ok(b"CWD ../\r\nPWD\r\n")],
        );
        assert_eq!(
            got,
            vec![
                line("USER a"),
                Piece::Head {
                    text: "RETR bi".into()
                },
                Piece::Hole { bytes: 20 },
                line("CWD ../"),
                line("PWD"),
            ]
        );
        let got = read(
            Side::Server,
            &[Err(9), Ok(b"ive Mode (1,2,3,4,5,6)\r\n200 ok\r\n")],
        );
        assert_eq!(
            got,
            vec![
                Piece::Hole { bytes: 9 },
                Piece::Tail {
                    text: "ive Mode (1,2,3,4,5,6)".into()
                },
                line("200 ok"),
            ]
        );
    }

    #[test]
    fn an_over_long_line_keeps_its_head_and_length() {
        let mut b = b"227 ".to_vec();
        b.extend(std::iter::repeat_n(b'A', 112_717));
        b.extend(b"\r\n200 next\r\n");
        let got = read(Side::Server, &[Ok(&b)]);
        match &got[0] {
            Piece::Line { text, long, .. } => {
                assert_eq!(text.len(), MAX_LINE);
                assert!(text.starts_with("227 AAA"));
                assert_eq!(*long, Some(112_721));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(got[1], line("200 next"));
    }

    #[test]
    fn tls_after_234_is_counted_until_clear_text_comes_back() {
        let mut r = Reader::new(Side::Client);
        let mut out = Vec::new();
        r.tls_expected = true;
        let mut b = vec![22, 3, 1, 0, 4, 1, 2, 3, 4, 21, 3, 3, 0, 2, 9, 9];
        r.push(&b[..7], 2.0, &mut out, None);
        assert!(r.in_tls() && out.is_empty());
        b.extend(b"PASV\r\n");
        r.push(&b[7..], 3.0, &mut out, None);
        assert_eq!(
            out,
            vec![
                Piece::Tls {
                    bytes: 16,
                    t: 2.0,
                    clear_after: true
                },
                line("PASV")
            ]
        );
    }

    fn record(length: u16) -> Record {
        Record {
            kind: crate::tls::RecordType::ApplicationData,
            length,
        }
    }

    fn sealed(s: &str, lengths: &[u16]) -> Piece {
        Piece::Line {
            text: s.into(),
            long: None,
            sealed: lengths.iter().copied().map(record).collect(),
        }
    }

    #[test]
    fn a_decrypted_line_goes_with_the_records_since_the_last_line() {
        let mut r = Reader::new(Side::Client);
        let mut out = Vec::new();
        // One line, one record.
        r.plain(b"USER a\r\n", record(25), &mut out);
        // One line over two records: both.
        r.plain(b"PA", record(19), &mut out);
        r.plain(b"SS x\r\n", record(23), &mut out);
        // Two lines in one record (pipelined): the first has it.
        r.plain(b"PWD\r\nSYST\r\n", record(28), &mut out);
        // A record that ends a line and starts the next goes with the
        // first; the next has the record that ends it.
        r.plain(b"NOOP\r\nQU", record(25), &mut out);
        r.plain(b"IT\r\n", record(21), &mut out);
        assert_eq!(
            out,
            vec![
                sealed("USER a", &[25]),
                sealed("PASS x", &[19, 23]),
                sealed("PWD", &[28]),
                sealed("SYST", &[]),
                sealed("NOOP", &[25]),
                sealed("QUIT", &[21]),
            ]
        );
        // A hole drops the records waiting: their line is cut.
        r.plain(b"RETR a", record(23), &mut out);
        r.hole(5, &mut out);
        assert_eq!(r.carrying, []);
    }

    #[test]
    fn clear_text_after_234_is_read_as_lines() {
        let mut r = Reader::new(Side::Client);
        let mut out = Vec::new();
        r.tls_expected = true;
        r.push(b"PBSZ 0\r\n", 1.0, &mut out, None);
        assert_eq!(out, vec![line("PBSZ 0")]);
    }
}
