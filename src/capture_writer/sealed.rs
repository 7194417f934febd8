//! Connections inside TLS, written as the bytes that crossed them.
//!
//! A line inside TLS was never on the wire as a line: it crossed as
//! records. So for a recorded run the writer is handed the run's wire log
//! ([`crate::tap::wire_log`]) — the real bytes of every TLS connection,
//! each direction in its order, stamped on the trace's clock — and:
//!
//! - writes the TLS keys first, in a Decryption Secrets Block, so that
//!   Wireshark decrypts the records that follow with no setup;
//! - puts the logged bytes among the events by their time: before an event
//!   goes out, every byte logged before it does (so the `234` goes out in
//!   clear before the ClientHello, and after `CCC` the two `close_notify`s
//!   before the next line in clear);
//! - rebuilds no line noted as sent inside TLS and no `data` event's
//!   payload on a TLS connection (their bytes are in the log, encrypted);
//!   the narration a rebuilt packet would have carried goes on the next
//!   segment of that connection;
//! - writes a TLS connection's `FIN` only at the next event of another
//!   connection of its session (the `226` after a data connection's close:
//!   the peer answered the close, so its `close_notify` is in the log), at
//!   an event of another session half a second later, or at the end: its
//!   closer logs its `close_notify` just after it records the close, and
//!   the bytes must go before the `FIN`.

use super::{CaptureError, CaptureWriter};
use crate::tap::{Drained, WireBytes};
use crate::trace::{Event, Kind, Side};
use std::collections::{HashMap, HashSet, VecDeque};
use std::io::Write;

/// How long after its close a TLS connection's `FIN` waits for its
/// `close_notify` at most, on events of other sessions (those of its own
/// come after it: the peer answers the close).
const GRACE: f64 = 0.5;

/// What the writer holds of the wire log between events.
#[derive(Default)]
pub(super) struct Sealed {
    /// Logged bytes not yet written, in the order they were logged.
    pending: VecDeque<WireBytes>,
    /// Connections that carried TLS bytes.
    tls: HashSet<(u32, u32)>,
    /// Narration for the next segment of a connection.
    comments: HashMap<(u32, u32), String>,
    /// TLS connections whose close waits: (connection, closer, time).
    closing: Vec<((u32, u32), Side, f64)>,
}

impl<W: Write> CaptureWriter<W> {
    /// Takes what the wire log holds ([`crate::tap::WireLog::drain`]): its
    /// keys are written at once, its bytes as their time comes.
    pub fn wire(&mut self, drained: Drained) -> Result<(), CaptureError> {
        if !drained.keys.is_empty() {
            self.file.secrets(drained.keys.as_bytes())?;
            self.file.flush()?;
        }
        self.sealed.pending.extend(drained.bytes);
        Ok(())
    }

    /// Before `event`: the logged bytes up to its time, and the closes
    /// that waited for them. True when `event` itself is told by the log,
    /// not rebuilt (its `comment` then waits for the next segment).
    pub(super) fn sealed_before(
        &mut self,
        event: &Event,
        comment: &mut Option<String>,
    ) -> Result<bool, CaptureError> {
        let key = (event.session, event.conn);
        self.flush_logged(event.t)?;
        let waiting = std::mem::take(&mut self.sealed.closing);
        let due = |&((s, c), _, t): &((u32, u32), Side, f64)| {
            (s == event.session && c != event.conn) || (s != event.session && event.t >= t + GRACE)
        };
        let (now, later): (Vec<_>, Vec<_>) = waiting.into_iter().partition(due);
        self.sealed.closing = later;
        for (k, from, t) in now {
            self.close_now(k, from, t)?;
        }
        let tls = self.sealed.tls.contains(&key);
        let told = match &event.kind {
            Kind::Command { .. } | Kind::Reply { .. } => {
                crate::tls::noted_inside(event.note.as_deref())
            }
            Kind::Data { .. } => tls,
            Kind::Close if tls => {
                self.sealed.closing.push((key, event.from, event.t));
                true
            }
            _ => false,
        };
        if told {
            if let Some(c) = comment.take() {
                self.sealed.comments.insert(key, c);
            }
        }
        Ok(told)
    }

    /// Everything logged and every close waiting, at the end.
    pub(super) fn sealed_end(&mut self) -> Result<(), CaptureError> {
        self.flush_logged(f64::INFINITY)?;
        for (k, from, t) in std::mem::take(&mut self.sealed.closing) {
            self.close_now(k, from, t)?;
        }
        Ok(())
    }

    fn flush_logged(&mut self, until: f64) -> Result<(), CaptureError> {
        while let Some(b) = self.sealed.pending.front() {
            if b.t > until {
                break;
            }
            let Some(b) = self.sealed.pending.pop_front() else {
                break;
            };
            let key = (b.session, b.conn);
            self.sealed.tls.insert(key);
            let comment = self.sealed.comments.remove(&key);
            self.send(key, b.from, &b.bytes, 0, b.t, comment)?;
        }
        Ok(())
    }

    fn close_now(&mut self, key: (u32, u32), from: Side, t: f64) -> Result<(), CaptureError> {
        self.sealed.tls.remove(&key);
        self.sealed.comments.remove(&key);
        self.close(key, from, t)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{dial, ev, packets};
    use super::*;
    use crate::tls::INSIDE_TLS;

    const FIN: u8 = 0x01;

    fn bytes(t: f64, from: Side, b: &[u8]) -> WireBytes {
        WireBytes {
            t,
            session: 1,
            conn: 0,
            from,
            bytes: b.to_vec(),
        }
    }

    /// The 234 in clear before the handshake logged after it; a line
    /// inside TLS not rebuilt; the close_notify logged after the close
    /// before the FIN; the keys first.
    #[test]
    fn logged_bytes_go_among_the_events_by_their_time() {
        let mut file = Vec::new();
        let mut w = CaptureWriter::new(&mut file).unwrap();
        let sealed = |t, text: &str| {
            let kind = Kind::Command {
                text: text.into(),
                verb: "PBSZ".into(),
            };
            let mut e = ev(t, 0, Side::Client, kind);
            e.note = Some(INSIDE_TLS.to_string());
            e
        };
        let reply = |t, code, text: &str| {
            let kind = Kind::Reply {
                code,
                text: text.into(),
            };
            ev(t, 0, Side::Server, kind)
        };
        let (c, s) = ("127.0.0.2:40000", "127.0.0.3:2121");
        w.event(&dial(0.0, 0, Side::Client, c, s, None), None)
            .unwrap();
        w.event(&ev(0.1, 0, Side::Server, Kind::Accept), None)
            .unwrap();
        let log = Drained {
            keys: "CLIENT_RANDOM 01 02\n".into(),
            bytes: vec![
                bytes(0.35, Side::Client, b"hello"),
                bytes(0.36, Side::Server, b"server hello"),
                bytes(0.45, Side::Client, b"sealed PBSZ"),
                bytes(0.55, Side::Client, b"close_notify"),
            ],
        };
        w.wire(log).unwrap();
        w.event(&reply(0.3, 234, "234 Go"), None).unwrap();
        w.event(&sealed(0.4, "PBSZ 0"), None).unwrap();
        w.event(&ev(0.5, 0, Side::Client, Kind::Close), None)
            .unwrap();
        w.finish().unwrap();
        let said: Vec<(u8, Vec<u8>)> = packets(&file)
            .into_iter()
            .filter(|(flags, payload, _)| !payload.is_empty() || flags & FIN != 0)
            .map(|(flags, payload, _)| (flags & FIN, payload))
            .collect();
        let want: Vec<(u8, &[u8])> = vec![
            (0, b"234 Go\r\n"),
            (0, b"hello"),
            (0, b"server hello"),
            (0, b"sealed PBSZ"),
            (0, b"close_notify"),
            (FIN, b""),
            (FIN, b""),
        ];
        let said: Vec<(u8, &[u8])> = said.iter().map(|(f, p)| (*f, p.as_slice())).collect();
        assert_eq!(said, want);
        let dsb = file
            .windows(4)
            .position(|w| w == b"KSLT")
            .expect("the keys");
        let hello = file.windows(5).position(|w| w == b"hello");
        assert!(
            hello.is_some_and(|h| dsb < h),
            "the keys before the records"
        );
    }
}
