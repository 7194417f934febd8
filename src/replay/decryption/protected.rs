//! A protected data connection (`PROT P`), read with the keys: its true
//! size.
//!
//! After `PROT P` (RFC 4217 §9) every data connection is a TLS connection
//! of its own: its own handshake (the FTP client is the TLS client, whoever
//! dialled), its own client random, its own secrets in the key log. What
//! the wire shows is records; what the transfer moved is the plain text
//! inside them. With the keys, replay counts the plain text, so a `data`
//! event says the file's size, as in clear text. A data connection that
//! turns out not to be TLS (`PROT C`) is counted as it is.

use super::{Connection, KeyLog, Output};
use crate::replay::records as tls;

/// One data connection's TLS, both directions (0 and 1, the caller's).
#[derive(Debug, Default)]
pub struct Protected {
    conn: Connection,
    /// The first bytes said whether this is TLS at all.
    decided: bool,
    /// A direction no longer decrypted: its bytes are counted as they are.
    stopped: [bool; 2],
}

impl Protected {
    /// Bytes of direction `from`: how many of the transfer's bytes they
    /// carried (the plain text; bytes no longer decrypted count as they
    /// are). `failed`: set to why, when decryption stops here.
    pub fn read(
        &mut self,
        from: usize,
        b: &[u8],
        keys: &KeyLog,
        failed: &mut Option<String>,
    ) -> u64 {
        let from = from & 1;
        if !std::mem::replace(&mut self.decided, true) && !tls::is_handshake_start(b) {
            self.stopped = [true, true];
        }
        if self.stopped[from] {
            return b.len() as u64;
        }
        let mut out = Vec::new();
        self.conn.feed(from, b, keys, &mut out);
        let mut n = 0;
        for o in out {
            match o {
                Output::Plain { text, .. } => n += text.len() as u64,
                Output::Opened(_) => {}
                Output::Failed { why, record, rest } => {
                    self.stopped[from] = true;
                    *failed = Some(format!("TLS record {record}: {why}"));
                    n += rest.len() as u64;
                }
                Output::Ended { rest } => {
                    self.stopped[from] = true;
                    n += rest.len() as u64;
                }
            }
        }
        n
    }

    /// Whether direction `from`'s bytes are still counted as plain text.
    pub fn decrypting(&self, from: usize) -> bool {
        !self.stopped[from & 1]
    }

    /// Bytes of `from` the capture did not hold (a hole, or a packet cut
    /// short): decryption of that direction stops. Says why, once.
    pub fn lost(&mut self, from: usize) -> Option<String> {
        let from = from & 1;
        (self.decided && !std::mem::replace(&mut self.stopped[from], true))
            .then(|| "bytes the capture did not hold (a hole, or packets cut short)".into())
    }
}
