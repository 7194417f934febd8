//! Decryption: an FTPS capture read inside its TLS, with the keys that
//! came with it.
//!
//! TLS hides what FTP says from everyone on the path, a capture included.
//! But whoever holds a session's secrets can read it: the lab (it made
//! both ends), a client asked to log its keys (`SSLKEYLOGFILE`), and so a
//! capture that carries those keys (a pcapng Decryption Secrets Block, as
//! `editcap --inject-secrets` or ftpviz's own `--record` writes it) or is
//! given them beside it (`replay --keylog FILE`). Replay then shows what
//! Wireshark shows with the same keys: the commands and replies inside TLS,
//! and the true size of each file inside a protected data connection.
//!
//! - [`keylog`]: the keys, as NSS's key log text (one line a secret, named
//!   by the session's client random). Every block of a capture adds to
//!   them as it is read, so keys count for the records after them (as
//!   Wireshark reads a pcapng in one pass); `--keylog` keys count from the
//!   start.
//! - [`schedule`]: TLS 1.3's key schedule from a traffic secret to the key
//!   and IV of each record, and the record's opening (AEAD, nonce, padding).
//! - [`connection`]: one TLS connection from both directions: the
//!   ClientHello's random, the ServerHello's suite, each side's epoch
//!   (handshake secret until its Finished, then application secret), the
//!   plain text of its application data.
//! - [`protected`]: a data connection under `PROT P`, counted by the
//!   plain text it carried (the file's true size).
//!
//! TLS 1.3 only, with its three common suites. A TLS 1.2 session stays
//! shown encrypted, and says so ("TLS 1.2 keys are not used yet"). A
//! record that does not decrypt leaves its direction encrypted from there
//! on, with a warning: never garbage shown as text.

pub mod connection;
pub mod keylog;
pub mod protected;
pub mod schedule;

pub use connection::{Connection, Output};
pub use keylog::KeyLog;
pub use protected::Protected;

/// What the note of a line decrypted with a capture's keys says, after
/// [`crate::tls::INSIDE_TLS`].
pub const DECRYPTED: &str = "decrypted with the capture's keys";

/// Whether an event's note says replay decrypted it with the capture's
/// keys (rather than its recorder reading it inside TLS).
pub fn noted_decrypted(note: Option<&str>) -> bool {
    note.is_some_and(|n| n.contains(DECRYPTED))
}

#[cfg(test)]
mod tests;
