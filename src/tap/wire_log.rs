//! The wire log: the real bytes of connections inside TLS, and the keys
//! that open them, for a recording (`--record`).
//!
//! A run in clear is rebuilt into packets from its events (a command is its
//! line, a `data` event its payload). Inside TLS that would be a lie: what
//! crossed were records, not lines. So when a run is recorded, every TLS
//! connection runs over a `Logged` socket (the TLS module's) that appends the
//! bytes it writes — handshakes, records, alerts — to this log, tagged with
//! the connection and the side that sent them, *before* they leave. Both
//! ends of a lab connection log into the same log, so the log holds each
//! connection's bytes in each direction's order, and in causal order
//! between directions (a ServerHello is logged after the ClientHello it
//! answers was). `serve`, alone on its connections, logs what it reads
//! too, as it reads it.
//!
//! The TLS keys are logged here as well: our server's TLS config logs its
//! secrets (rustls' `KeyLog`, in the NSS key log format Wireshark reads)
//! as the handshake derives them — before the first record they protect is
//! written. The capture writer takes the log whole at each event
//! ([`WireLog::drain`]): the keys first in the file (a Decryption Secrets
//! Block), then the bytes.

use crate::trace::Side;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Bytes one side of a connection put on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct WireBytes {
    /// When the first of them was logged, on the trace's clock (the
    /// events' `t`): the writer puts them among the events by it.
    pub t: f64,
    pub session: u32,
    pub conn: u32,
    pub from: Side,
    pub bytes: Vec<u8>,
}

/// What was logged since the last drain.
#[derive(Debug, Default, Clone)]
pub struct Drained {
    /// NSS key log lines, each ending in `\n`.
    pub keys: String,
    /// The bytes, in the order they were sent.
    pub bytes: Vec<WireBytes>,
}

/// The log of one run; clone it freely.
#[derive(Clone, Default)]
pub struct WireLog(Arc<Mutex<Drained>>);

impl std::fmt::Debug for WireLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WireLog")
    }
}

impl WireLog {
    fn lock(&self) -> std::sync::MutexGuard<'_, Drained> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Everything logged so far, taken out at once: every key a byte in it
    /// needs is in it too (a key is logged before its first record).
    pub fn drain(&self) -> Drained {
        std::mem::take(&mut *self.lock())
    }

    /// The pen for one end of one connection; `start` is the trace's
    /// `t = 0`.
    pub fn end(&self, start: Instant, session: u32, conn: u32, side: Side, reads: bool) -> LogEnd {
        LogEnd {
            log: self.clone(),
            start,
            session,
            conn,
            side,
            reads,
        }
    }

    fn push(&self, start: Instant, session: u32, conn: u32, from: Side, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let mut log = self.lock();
        let t = Instant::now().duration_since(start).as_secs_f64();
        // Runs of one side's bytes stay one piece.
        if let Some(last) = log.bytes.last_mut() {
            if (last.session, last.conn, last.from) == (session, conn, from) {
                last.bytes.extend_from_slice(bytes);
                return;
            }
        }
        log.bytes.push(WireBytes {
            t,
            session,
            conn,
            from,
            bytes: bytes.to_vec(),
        });
    }
}

impl rustls::KeyLog for WireLog {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        let line = format!("{label} {} {}\n", hex(client_random), hex(secret));
        self.lock().keys.push_str(&line);
    }

    fn will_log(&self, _label: &str) -> bool {
        true
    }
}

/// One end of one connection: what it writes (and, alone on it, what it
/// reads) goes into the log.
#[derive(Debug, Clone)]
pub struct LogEnd {
    log: WireLog,
    start: Instant,
    session: u32,
    conn: u32,
    side: Side,
    /// Log what this end reads too (`serve`: the peer logs nothing).
    reads: bool,
}

impl LogEnd {
    /// This end wrote `bytes`.
    pub fn wrote(&self, bytes: &[u8]) {
        let (s, c) = (self.session, self.conn);
        self.log.push(self.start, s, c, self.side, bytes);
    }

    /// This end read `bytes` from its peer.
    pub fn read(&self, bytes: &[u8]) {
        if self.reads {
            let (s, c) = (self.session, self.conn);
            self.log.push(self.start, s, c, self.side.peer(), bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::KeyLog;

    #[test]
    fn both_ends_log_into_one_order_and_keys_come_with_them() {
        let log = WireLog::default();
        let start = Instant::now();
        let client = log.end(start, 1, 0, Side::Client, false);
        let server = log.end(start, 1, 0, Side::Server, false);
        client.wrote(b"hello");
        client.wrote(b" again");
        server.read(b"hello again"); // the peer logged it already
        log.log("CLIENT_RANDOM", &[0xab, 1], &[2, 0xff]);
        server.wrote(b"hi");
        let d = log.drain();
        assert_eq!(d.keys, "CLIENT_RANDOM ab01 02ff\n");
        let seen: Vec<(Side, &[u8])> = d.bytes.iter().map(|b| (b.from, &b.bytes[..])).collect();
        assert_eq!(
            seen,
            [
                (Side::Client, &b"hello again"[..]),
                (Side::Server, &b"hi"[..])
            ]
        );
        assert!(log.drain().bytes.is_empty(), "taken once");
        let alone = log.end(start, 2, 1, Side::Server, true);
        alone.read(b"up");
        alone.wrote(b"down");
        let d = log.drain();
        assert_eq!(d.bytes[0].from, Side::Client);
        assert_eq!(d.bytes[1].from, Side::Server);
        assert!(
            d.bytes[0].t <= d.bytes[1].t,
            "on the trace's clock, in order"
        );
    }
}
