//! Records: what a line sent inside TLS looks like on the wire.
//!
//! TLS cuts what it carries into *records*. Each starts with a 5-byte
//! header in clear — its type, a version, its length — and the rest is
//! ciphertext:
//!
//! ```text
//! 17 03 03 00 1c  8f 2a …(28 bytes)…     application data, 28 bytes
//! ```
//!
//! That header is all a middlebox can read of a command or reply inside
//! TLS: "application data, 28 bytes" — not `PORT`, not an address, not a
//! password. (Under TLS 1.3 even the handshake's later messages and the
//! alerts travel as "application data": the true type is inside.)
//!
//! The sender of a line knows exactly which records it put on the wire:
//! [`seal`] encrypts the line first, and [`Records::of`] reads the headers
//! of what is about to be written — observed, never predicted. A line's
//! event carries them in its note, written and read back by [`Sealed`]
//! (the screens draw the wire from it, the lab's decrypted line beside it).

use std::fmt;

/// The note on a command or reply that crossed inside TLS starts so.
pub const INSIDE_TLS: &str = "inside TLS: a middlebox sees only records";

/// A record's type, as its header's first byte says (TLS's record layer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordType {
    ChangeCipherSpec,
    Alert,
    Handshake,
    ApplicationData,
    /// Any other byte.
    Other(u8),
}

impl RecordType {
    /// The type for a header's first byte.
    pub fn of(byte: u8) -> RecordType {
        match byte {
            20 => RecordType::ChangeCipherSpec,
            21 => RecordType::Alert,
            22 => RecordType::Handshake,
            23 => RecordType::ApplicationData,
            b => RecordType::Other(b),
        }
    }

    /// Its name, as Wireshark says it.
    pub fn name(self) -> String {
        match self {
            RecordType::ChangeCipherSpec => "change cipher spec".into(),
            RecordType::Alert => "alert".into(),
            RecordType::Handshake => "handshake".into(),
            RecordType::ApplicationData => "application data".into(),
            RecordType::Other(b) => format!("type {b}"),
        }
    }

    fn named(name: &str) -> Option<RecordType> {
        let known = [
            RecordType::ChangeCipherSpec,
            RecordType::Alert,
            RecordType::Handshake,
            RecordType::ApplicationData,
        ];
        if let Some(t) = known.into_iter().find(|t| t.name() == name) {
            return Some(t);
        }
        let b: u8 = name.strip_prefix("type ")?.parse().ok()?;
        matches!(RecordType::of(b), RecordType::Other(_)).then_some(RecordType::Other(b))
    }
}

/// One record as a middlebox reads it: its type and its length (the
/// header's length field: the bytes after the 5-byte header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    pub kind: RecordType,
    pub length: u16,
}

/// The size of a record's header.
pub const HEADER: usize = 5;

/// The records of a run of TLS bytes, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Records(pub Vec<Record>);

impl Records {
    /// The headers of `wire` (bytes as they go on the socket), record after
    /// record. A record cut short at the end is left out.
    pub fn of(wire: &[u8]) -> Records {
        let mut records = Vec::new();
        let mut rest = wire;
        while let Some(&[kind, _, _, hi, lo]) = rest.get(..HEADER) {
            let length = u16::from_be_bytes([hi, lo]);
            let Some(after) = rest.get(HEADER + usize::from(length)..) else {
                break;
            };
            records.push(Record {
                kind: RecordType::of(kind),
                length,
            });
            rest = after;
        }
        Records(records)
    }

    /// The bytes they took on the wire, headers included.
    pub fn wire_bytes(&self) -> u64 {
        self.0
            .iter()
            .map(|r| HEADER as u64 + u64::from(r.length))
            .sum()
    }
}

/// Who read the line inside TLS (and so could record it in clear).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// The lab: it made both ends of the TLS session.
    Lab,
    /// Our server (`serve`): one end of it.
    Server,
    /// Replay, with the TLS keys a capture carried (or was given).
    Capture,
}

impl Holder {
    fn words(self) -> &'static str {
        match self {
            Holder::Lab => "decrypted by the lab",
            Holder::Server => "decrypted by our server, which holds the keys",
            Holder::Capture => crate::trace::DECRYPTED,
        }
    }
}

/// A line that crossed inside TLS: the records it went in, and who
/// decrypted it. Its note is written by [`Sealed::written`] and read back
/// by [`Sealed::read`]:
///
/// `inside TLS: a middlebox sees only records (1 record: application data,
/// 28 bytes); decrypted by the lab`
///
/// Replay writes the same note for a line it decrypted with a capture's
/// keys ([`Holder::Capture`]); on a side's first line, how follows it:
/// `…; decrypted with the capture's keys (TLS 1.3, TLS_AES_256_GCM_SHA384)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub records: Records,
    pub by: Holder,
}

impl fmt::Display for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {} bytes", self.kind.name(), self.length)
    }
}

impl Sealed {
    /// The note.
    pub fn written(&self) -> String {
        let n = self.records.0.len();
        let list: Vec<String> = self.records.0.iter().map(Record::to_string).collect();
        let plural = if n == 1 { "" } else { "s" };
        format!(
            "{INSIDE_TLS} ({n} record{plural}: {}); {}",
            list.join(" + "),
            self.by.words()
        )
    }

    /// The records a note tells of (anywhere in it: notes are joined with
    /// `; `), if it tells of them.
    pub fn read(note: &str) -> Option<Sealed> {
        let (_, rest) = note.split_once(INSIDE_TLS)?;
        let (list, rest) = rest.strip_prefix(" (")?.split_once("); ")?;
        let (count, list) = list.split_once(": ")?;
        let count: usize = count
            .strip_suffix(" records")
            .or_else(|| count.strip_suffix(" record"))?
            .parse()
            .ok()?;
        let records = list
            .split(" + ")
            .map(|r| {
                let (name, length) = r.rsplit_once(", ")?;
                Some(Record {
                    kind: RecordType::named(name)?,
                    length: length.strip_suffix(" bytes")?.parse().ok()?,
                })
            })
            .collect::<Option<Vec<Record>>>()?;
        let by = [Holder::Lab, Holder::Server, Holder::Capture]
            .into_iter()
            .find(|h| rest.starts_with(h.words()))?;
        (records.len() == count).then_some(Sealed {
            records: Records(records),
            by,
        })
    }

    /// What a middlebox saw, short: `▒ TLS application data · 28 B`
    /// (`long`) or `▒ TLS 28 B`.
    pub fn wire_label(&self, long: bool) -> String {
        let r = &self.records.0;
        let bytes: u64 = r.iter().map(|r| u64::from(r.length)).sum();
        let kind = match r.as_slice() {
            [one] => one.kind.name(),
            _ if r.iter().all(|x| x.kind == RecordType::ApplicationData) => {
                format!("{} records of application data", r.len())
            }
            _ => format!("{} records", r.len()),
        };
        if long {
            format!("{CIPHER} TLS {kind} · {bytes} B")
        } else {
            format!("{CIPHER} TLS {bytes} B")
        }
    }
}

/// The mark of ciphertext on screen: what a middlebox sees.
pub const CIPHER: &str = "▒";

/// Encrypts `bytes` into `conn`'s records and takes them out, ready to be
/// written to the socket (with what was waiting to leave before them).
pub fn seal<D>(conn: &mut rustls::ConnectionCommon<D>, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    conn.writer().write_all(bytes)?;
    let mut wire = Vec::new();
    while conn.wants_write() {
        conn.write_tls(&mut wire)?;
    }
    Ok(wire)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn headers_are_read_record_by_record() {
        let mut wire = vec![23, 3, 3, 0, 3, 1, 2, 3];
        wire.extend([21, 3, 3, 0, 2, 9, 9]);
        wire.extend([22, 3, 3, 0, 9, 1]); // cut short: left out
        let r = Records::of(&wire);
        assert_eq!(
            r.0,
            [
                Record {
                    kind: RecordType::ApplicationData,
                    length: 3
                },
                Record {
                    kind: RecordType::Alert,
                    length: 2
                }
            ]
        );
        assert_eq!(r.wire_bytes(), 15);
        assert_eq!(Records::of(&[]).0, []);
    }

    #[test]
    fn the_note_reads_as_the_brief_says() {
        let s = Sealed {
            records: Records(vec![Record {
                kind: RecordType::ApplicationData,
                length: 45,
            }]),
            by: Holder::Lab,
        };
        assert_eq!(
            s.written(),
            "inside TLS: a middlebox sees only records (1 record: application data, 45 bytes); \
             decrypted by the lab"
        );
        let joined = format!("the lesson says so; {}; helper expects", s.written());
        assert_eq!(Sealed::read(&joined), Some(s.clone()));
        let replayed = Sealed {
            by: Holder::Capture,
            ..s
        };
        let first = format!("{} (TLS 1.3, TLS_AES_256_GCM_SHA384)", replayed.written());
        assert_eq!(
            first,
            "inside TLS: a middlebox sees only records (1 record: application data, 45 bytes); \
             decrypted with the capture's keys (TLS 1.3, TLS_AES_256_GCM_SHA384)"
        );
        assert!(crate::trace::noted_decrypted(Some(&first)));
        assert_eq!(Sealed::read(&first), Some(replayed));
        for note in [
            INSIDE_TLS,
            "inside TLS: a middlebox sees only records (2 records: alert, 2 bytes); decrypted by the lab",
            "inside TLS: a middlebox sees only records (1 record: alert, x bytes); decrypted by the lab",
            "inside TLS: a middlebox sees only records (1 record: type 23, 2 bytes); decrypted by the lab",
            "inside TLS: a middlebox sees only records (1 record: alert, 2 bytes); by someone",
        ] {
            assert_eq!(Sealed::read(note), None, "{note}");
        }
    }

    fn any_type() -> impl Strategy<Value = RecordType> {
        any::<u8>().prop_map(RecordType::of)
    }

    proptest! {
        /// Any records, by either holder, survive the note's round trip.
        #[test]
        fn any_sealed_line_reads_back(
            records in prop::collection::vec((any_type(), any::<u16>()), 1..6),
            holder in 0..3usize,
            before in "\\PC{0,20}",
            after in "( \\(TLS 1\\.[23], [A-Z0-9_]{1,30}\\))?(; \\PC{0,20})?",
        ) {
            let s = Sealed {
                records: Records(records.into_iter().map(|(kind, length)| Record { kind, length }).collect()),
                by: [Holder::Lab, Holder::Server, Holder::Capture][holder],
            };
            let note = format!("{before}; {}{after}", s.written());
            prop_assert!(super::super::noted_inside(Some(&note)));
            prop_assert_eq!(Sealed::read(&note), Some(s));
        }

        /// Whatever the bytes, reading their headers never panics, and the
        /// records found never reach past them.
        #[test]
        fn any_bytes_read_without_panic(wire in prop::collection::vec(any::<u8>(), 0..200)) {
            let r = Records::of(&wire);
            prop_assert!(r.wire_bytes() <= wire.len() as u64);
        }
    }

    #[test]
    fn a_line_sealed_by_rustls_is_one_application_data_record() {
        let server = crate::tls::Tls::self_signed().expect("a certificate");
        let (mut client, mut srv) = crate::tls::pair(&server).expect("a session");
        let wire = seal(&mut client, b"USER demo\r\n").expect("sealed");
        let records = Records::of(&wire);
        assert_eq!(records.wire_bytes(), wire.len() as u64);
        let [one] = records.0.as_slice() else {
            panic!("{records:?}")
        };
        assert_eq!(one.kind, RecordType::ApplicationData);
        // TLS 1.3: the line, its true type (1 byte), the AEAD tag (16).
        assert_eq!(usize::from(one.length), 11 + 1 + 16);
        srv.read_tls(&mut wire.as_slice()).expect("read");
        srv.process_new_packets().expect("decrypted");
        let mut plain = [0u8; 64];
        let n = std::io::Read::read(&mut srv.reader(), &mut plain).expect("plain text");
        assert_eq!(plain.get(..n), Some(&b"USER demo\r\n"[..]));
    }
}
