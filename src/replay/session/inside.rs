//! Lines read inside TLS, with the keys that came with the capture.
//!
//! When the reading holds the TLS keys of a session (see
//! [`decryption`](crate::replay::decryption)), each side's records after
//! `AUTH TLS` and `234` are decrypted and their plain text read as lines,
//! as clear text would be. Each such line is noted as the lab notes its
//! own ([`Sealed`]): it crossed inside TLS, in these records (their type
//! and length as their headers showed them on the wire: for TLS 1.3
//! always "application data"), and was decrypted with the capture's keys
//! ([`Holder::Capture`]); the first line of each side says how after that
//! (TLS version and cipher suite). The records of a command are those its
//! line was read from; a reply's, those of all its lines (see
//! [`Reader`](super::Reader) for which records go with which line). A line
//! read from no record of its own (the second of two pipelined in one
//! record) is noted inside TLS and decrypted, without records; a line
//! that makes no event (not FTP: noted on the side's next event) hands its
//! records on to that event too. Where decryption stops (a record that
//! does not open, a
//! hole in the capture), a warning names the session, the side and the
//! record, and the rest of that side is counted as encrypted, as it is
//! without keys.

use super::Session;
use crate::replay::sink::Sink;
use crate::tls::{Holder, Records, Sealed};
use crate::trace::Side;
use crate::trace::DECRYPTED;

impl Session {
    /// `from`'s lines are decrypted from here on.
    pub(super) fn opened(&mut self, from: Side, how: &str) {
        self.inside[from as usize] = true;
        self.how[from as usize] = Some(how.to_string());
        self.decrypted = true;
    }

    /// `from`'s TLS could not be decrypted any further.
    pub(super) fn undecrypted(
        &mut self,
        from: Side,
        why: &str,
        record: Option<u64>,
        sink: &mut Sink,
    ) {
        self.inside[from as usize] = false;
        let which = match record {
            Some(n) => format!("TLS record {n} from the {from}"),
            None => format!("TLS from the {from}"),
        };
        let what = format!(
            "control connection: {which} could not be decrypted ({why}); the rest of what the \
             {from} sent on it is shown encrypted"
        );
        self.notes[from as usize].push(format!("not decrypted: {why}"));
        sink.undecrypted.push((self.number, what));
    }

    /// The note a line gets when it was read inside TLS.
    /// The first line of a side says how it was decrypted.
    pub(super) fn inside_note(&mut self, from: Side) -> Option<String> {
        let i = from as usize;
        let records = std::mem::take(&mut self.carried[i]);
        if !self.inside[i] {
            return None;
        }
        let note = if records.is_empty() {
            format!("{}; {DECRYPTED}", crate::tls::INSIDE_TLS)
        } else {
            Sealed {
                records: Records(records),
                by: Holder::Capture,
            }
            .written()
        };
        Some(match self.how[i].take() {
            Some(how) => format!("{note} ({how})"),
            None => note,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{reader::Piece, recognition::Judgement, Session};
    use crate::replay::sink::Sink;
    use crate::tls::{Holder, Record, RecordType, Sealed};
    use crate::trace::{Kind, Side};

    fn line(text: &str, lengths: &[u16]) -> Piece {
        let sealed = lengths
            .iter()
            .map(|&length| Record {
                kind: RecordType::ApplicationData,
                length,
            })
            .collect();
        Piece::Line {
            text: text.into(),
            long: None,
            sealed,
        }
    }

    fn lengths(note: Option<&str>) -> Option<Vec<u16>> {
        let sealed = Sealed::read(note?)?;
        assert_eq!(sealed.by, Holder::Capture);
        Some(sealed.records.0.iter().map(|r| r.length).collect())
    }

    #[test]
    fn a_multi_line_reply_names_the_records_of_all_its_lines() {
        let at = "127.0.0.1:21".parse().expect("an address");
        let mut s = Session::new(1, "127.0.0.1:40000".parse().expect("an address"), at);
        s.judgement = Judgement::Ftp;
        let mut sink = Sink::default();
        s.opened(Side::Client, "TLS 1.3, TLS_AES_128_GCM_SHA256");
        s.opened(Side::Server, "TLS 1.3, TLS_AES_128_GCM_SHA256");
        for (from, p) in [
            (Side::Client, line("FEAT", &[23])),
            (Side::Server, line("211-Features:", &[32])),
            (Side::Server, line(" UTF8", &[24])),
            (Side::Server, line("211 End", &[26])),
            (Side::Client, line("PWD", &[28])),
            (Side::Client, line("SYST", &[])),
        ] {
            s.piece(from, p, 1.0, &mut sink);
        }
        let notes: Vec<(String, Option<Vec<u16>>)> = sink
            .events
            .iter()
            .map(|e| (e.kind.name().to_string(), lengths(e.note.as_deref())))
            .collect();
        assert_eq!(
            notes,
            [
                ("command".to_string(), Some(vec![23])),
                ("reply".to_string(), Some(vec![32, 24, 26])),
                ("command".to_string(), Some(vec![28])),
                ("command".to_string(), None),
            ]
        );
        // The first line of each side says how, after its records.
        let first = sink.events[0].note.as_deref().unwrap_or_default();
        assert!(
            first.ends_with("decrypted with the capture's keys (TLS 1.3, TLS_AES_128_GCM_SHA256)")
        );
        // Without records, still inside TLS and decrypted.
        let last = sink.events[3].note.as_deref();
        assert!(crate::tls::noted_inside(last) && crate::trace::noted_decrypted(last));
        assert!(matches!(
            &sink.events[1].kind,
            Kind::Reply { code: 211, .. }
        ));
    }
}
