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
//! - [`tls12`]: TLS 1.2's AEAD suites (AES-GCM, ChaCha20-Poly1305), from
//!   the master secret (`CLIENT_RANDOM`) through the PRF's key block.
//!
//! TLS 1.3 with its three suites, and TLS 1.2 with its AEAD suites; any
//! other version or suite stays shown encrypted, and says so. A
//! record that does not decrypt leaves its direction encrypted from there
//! on, with a warning: never garbage shown as text.

pub mod connection;
pub mod keylog;
pub mod protected;
pub mod schedule;
pub mod tls12;

pub use connection::{Connection, Output};
pub use keylog::KeyLog;
pub use protected::Protected;

#[cfg(test)]
mod tests;
