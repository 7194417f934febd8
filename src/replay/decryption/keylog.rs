//! The key log: the secrets of TLS sessions, as a TLS library wrote them.
//!
//! TLS keys never cross the wire, so a capture alone cannot be decrypted.
//! A TLS library that is asked to (curl and Firefox with `SSLKEYLOGFILE`,
//! rustls with a `KeyLog`) writes each session's secrets as text, one a
//! line, in NSS's key log format:
//!
//! ```text
//! # a comment
//! CLIENT_HANDSHAKE_TRAFFIC_SECRET <client random, 64 hex> <secret, hex>
//! SERVER_HANDSHAKE_TRAFFIC_SECRET <client random> <secret>
//! CLIENT_TRAFFIC_SECRET_0 <client random> <secret>
//! SERVER_TRAFFIC_SECRET_0 <client random> <secret>
//! CLIENT_RANDOM <client random> <master secret, 96 hex>      (TLS 1.2)
//! ```
//!
//! The *client random* (32 bytes the client sends in the clear in its
//! ClientHello) names the session: replay finds it in the capture and looks
//! the session's secrets up here. The same text travels inside a pcapng
//! file as a Decryption Secrets Block of type `TLSK`, which is how
//! Wireshark (and replay) decrypt a capture with no setup; or beside a
//! capture as a file (`replay --keylog FILE`, Wireshark's
//! `tls.keylog_file`).

use std::collections::HashMap;

/// The secrets of one TLS session that replay uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Secrets {
    pub client_handshake: Option<Vec<u8>>,
    pub server_handshake: Option<Vec<u8>>,
    pub client_traffic: Option<Vec<u8>>,
    pub server_traffic: Option<Vec<u8>>,
    /// TLS 1.2's master secret (`CLIENT_RANDOM`).
    pub master: Option<Vec<u8>>,
}

/// Every session's secrets read so far, by client random.
#[derive(Debug, Clone, Default)]
pub struct KeyLog {
    sessions: HashMap<[u8; 32], Secrets>,
}

/// At most this many sessions are kept (a key log is a few lines a
/// session; more is not a key log).
const MAX_SESSIONS: usize = 1 << 16;

impl KeyLog {
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// The secrets of the session whose ClientHello carried `random`.
    pub fn get(&self, random: &[u8; 32]) -> Option<&Secrets> {
        self.sessions.get(random)
    }

    /// Reads key log text (several blocks or files add up). Returns what
    /// could not be used, in words: a line that is not a key log line, a
    /// field that is not hex. Labels replay does not use (`EXPORTER_SECRET`,
    /// early data) are skipped without a word, as Wireshark does.
    pub fn add_text(&mut self, text: &[u8]) -> Vec<String> {
        let mut problems = Vec::new();
        let text = String::from_utf8_lossy(text);
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Err(why) = self.add_line(line) {
                if problems.len() < 5 {
                    problems.push(format!("key log line {}: {why}", n + 1));
                } else if problems.len() == 5 {
                    problems.push("more key log lines cannot be used; not listed".into());
                }
            }
        }
        problems
    }

    fn add_line(&mut self, line: &str) -> Result<(), String> {
        let mut words = line.split_ascii_whitespace();
        let (Some(label), Some(random), Some(secret), None) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            return Err("not \"LABEL <client random> <secret>\"".into());
        };
        let random: [u8; 32] = hex(random)
            .and_then(|r| r.try_into().ok())
            .ok_or("the client random is not 32 bytes of hex")?;
        let secret = hex(secret).ok_or("the secret is not hex")?;
        if secret.is_empty() || secret.len() > 64 {
            return Err(format!("a secret of {} bytes", secret.len()));
        }
        if self.sessions.len() >= MAX_SESSIONS && !self.sessions.contains_key(&random) {
            return Err(format!("more than {MAX_SESSIONS} sessions"));
        }
        let s = self.sessions.entry(random).or_default();
        let slot = match label {
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET" => &mut s.client_handshake,
            "SERVER_HANDSHAKE_TRAFFIC_SECRET" => &mut s.server_handshake,
            "CLIENT_TRAFFIC_SECRET_0" => &mut s.client_traffic,
            "SERVER_TRAFFIC_SECRET_0" => &mut s.server_traffic,
            "CLIENT_RANDOM" => &mut s.master,
            _ => return Ok(()),
        };
        *slot = Some(secret);
        Ok(())
    }
}

/// Bytes from hex digits (either case); `None` if any pair is not hex.
pub fn hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: &str = "0101010101010101010101010101010101010101010101010101010101010101";

    #[test]
    fn lines_are_read_by_label_and_random() {
        let mut k = KeyLog::default();
        let text = format!(
            "# comment\nCLIENT_TRAFFIC_SECRET_0 {R} 00ff\nSERVER_HANDSHAKE_TRAFFIC_SECRET {R} AB\n\
             EXPORTER_SECRET {R} 11\n"
        );
        assert!(k.add_text(text.as_bytes()).is_empty());
        let s = k.get(&[1; 32]).expect("the session");
        assert_eq!(s.client_traffic.as_deref(), Some(&[0, 0xff][..]));
        assert_eq!(s.server_handshake.as_deref(), Some(&[0xab][..]));
        assert_eq!(s.client_handshake, None);
    }

    #[test]
    fn bad_lines_are_said_and_skipped() {
        let mut k = KeyLog::default();
        let text = format!(
            "CLIENT_RANDOM zz 00\nCLIENT_RANDOM {R} 0g\nCLIENT_RANDOM {R}\n\u{0}\u{ff}\nCLIENT_RANDOM {R} 01\n"
        );
        let problems = k.add_text(text.as_bytes());
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].starts_with("key log line 1: the client random"));
        assert_eq!(
            k.get(&[1; 32]).and_then(|s| s.master.clone()),
            Some(vec![1])
        );
    }
}
