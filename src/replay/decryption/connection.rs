//! One TLS 1.3 connection, read from both directions with its secrets.
//!
//! Seen from the wire, a TLS 1.3 connection goes like this:
//!
//! ```text
//! client → ClientHello            (in clear: its 32-byte random names the session)
//! server ← ServerHello            (in clear: the cipher suite, "TLS 1.3")
//!          [ChangeCipherSpec]     (either side; a relic for old middleboxes, skipped)
//! server ← EncryptedExtensions, Certificate, CertificateVerify, Finished
//!                                 (server handshake traffic secret)
//! client → Finished               (client handshake traffic secret)
//! both   ⇄ application data       (each side's application traffic secret,
//!                                  from just after its own Finished)
//! ```
//!
//! Every record after the ServerHello has the outer type 23 (application
//! data) whatever it carries: the real type is the last non-zero byte of
//! the decrypted text ([`Protection::open`]). So replay follows each
//! direction: the epoch it is in (clear, handshake, application), the
//! handshake messages it decrypted (to see that side's Finished, and a
//! KeyUpdate), and the plain text of its application data, which is what
//! FTP said.
//!
//! A TLS 1.2 connection (its ServerHello says so) has no handshake epoch:
//! each side sends in clear up to its ChangeCipherSpec and encrypted after
//! it, with the keys drawn from the master secret ([`tls12`]); records keep
//! their real type outside.
//!
//! A record that does not decrypt stops that direction for good: the bytes
//! from that record on are handed back to be counted as encrypted, as
//! without keys. Nothing that did not decrypt is ever shown as text.

use super::keylog::{KeyLog, Secrets};
use super::schedule::{OpenError, Protection, Suite};
use super::tls12::{self, Protection12, Suite12};
use crate::replay::records as tls;
use crate::tls::{Record, RecordType};

/// What reading a direction's bytes gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// The first plain text of this direction follows; in words, how it
    /// was decrypted ("TLS 1.3, TLS_AES_128_GCM_SHA256").
    Opened(String),
    /// Application data, decrypted: its plain `text`, and the `record` it
    /// came in as the wire showed it (its header's type and length).
    Plain { text: Vec<u8>, record: Record },
    /// Record number `record` (counted from 1 in this direction) could not
    /// be read, for the reason given; `rest` is that record's bytes and
    /// everything after it, still encrypted.
    Failed {
        why: String,
        record: u64,
        rest: Vec<u8>,
    },
    /// The bytes stopped being TLS records (clear text again, after a
    /// close_notify or a failed handshake): `rest` is the clear text.
    Ended { rest: Vec<u8> },
}

/// The ServerHello random that makes it a HelloRetryRequest instead.
const RETRY: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];
/// A handshake message longer than this is not read (certificate chains
/// are a few KiB).
const MAX_HANDSHAKE: usize = 1 << 18;

#[derive(Debug, Default)]
enum Epoch {
    #[default]
    Clear,
    Handshake(Protection),
    Application(Protection),
    /// TLS 1.2, after this side's ChangeCipherSpec.
    Tls12(Protection12),
    /// Failed or ended: this direction reads nothing more.
    Done,
}

/// One direction of the connection.
#[derive(Debug, Default)]
struct Flow {
    /// Bytes of a record not yet whole.
    buf: Vec<u8>,
    epoch: Epoch,
    /// Handshake messages' bytes not yet whole.
    handshake: Vec<u8>,
    /// Records read in this direction.
    records: u64,
    opened: bool,
    /// A close_notify came: what follows is not TLS.
    closed: bool,
    /// A ChangeCipherSpec came: in TLS 1.2, what follows is encrypted.
    changed: bool,
}

/// A TLS connection's state, both directions (index 0 and 1: whichever
/// the caller uses; the side that sends the ClientHello is the client).
#[derive(Debug, Default)]
pub struct Connection {
    flows: [Flow; 2],
    client: Option<usize>,
    random: Option<[u8; 32]>,
    suite: Option<Suite>,
    /// TLS 1.2: the ServerHello's random and suite.
    server_random: Option<[u8; 32]>,
    suite12: Option<Suite12>,
    /// Why this session cannot be decrypted (a version or suite replay
    /// does not read).
    unsupported: Option<String>,
}

impl Connection {
    /// Whether direction `from` still reads records.
    pub fn reading(&self, from: usize) -> bool {
        !matches!(self.flows[from & 1].epoch, Epoch::Done)
    }

    /// Bytes of direction `from` (0 or 1), in order.
    pub fn feed(&mut self, from: usize, bytes: &[u8], keys: &KeyLog, out: &mut Vec<Output>) {
        let from = from & 1;
        if !self.reading(from) {
            return;
        }
        self.flows[from].buf.extend_from_slice(bytes);
        loop {
            let flow = &mut self.flows[from];
            let b = &flow.buf;
            if b.is_empty() {
                return;
            }
            if flow.closed || !tls::is_record_start(&b[..b.len().min(5)]) {
                flow.epoch = Epoch::Done;
                let rest = std::mem::take(&mut flow.buf);
                out.push(Output::Ended { rest });
                return;
            }
            if b.len() < 5 {
                return;
            }
            let len = 5 + usize::from(u16::from_be_bytes([b[3], b[4]]));
            if b.len() < len {
                return;
            }
            let record: Vec<u8> = flow.buf.drain(..len).collect();
            flow.records += 1;
            if let Err(why) = self.record(from, &record, keys, out) {
                let flow = &mut self.flows[from];
                flow.epoch = Epoch::Done;
                let mut rest = record;
                rest.append(&mut flow.buf);
                out.push(Output::Failed {
                    why,
                    record: flow.records,
                    rest,
                });
                return;
            }
        }
    }

    /// One whole record of direction `from`.
    fn record(
        &mut self,
        from: usize,
        record: &[u8],
        keys: &KeyLog,
        out: &mut Vec<Output>,
    ) -> Result<(), String> {
        let header: [u8; 5] = record[..5].try_into().map_err(|_| "short record")?;
        let body = &record[5..];
        let changed = self.flows[from].changed && header[0] != 20;
        if let (Some(suite), true) = (self.suite12, changed) {
            // TLS 1.2: encrypted from this side's ChangeCipherSpec on.
            return self.tls12(from, suite, &header, body, keys, out);
        }
        if let (Some(why), true) = (&self.unsupported, header[0] == 23 || changed) {
            return Err(why.clone());
        }
        match (header[0], &self.flows[from].epoch) {
            (20, _) => {
                // ChangeCipherSpec: in TLS 1.3 a relic that carries nothing.
                self.flows[from].changed = true;
                Ok(())
            }
            (21, Epoch::Clear) => Ok(()), // an alert in clear: the handshake failed
            (22, Epoch::Clear) => self.handshake(from, body),
            (23, _) => self.protected(from, &header, body, keys, out),
            (t, _) => Err(format!("a record of type {t} after the keys changed")),
        }
    }

    /// A protected record: opened with the direction's current epoch.
    fn protected(
        &mut self,
        from: usize,
        header: &[u8; 5],
        body: &[u8],
        keys: &KeyLog,
        out: &mut Vec<Output>,
    ) -> Result<(), String> {
        if matches!(self.flows[from].epoch, Epoch::Clear) {
            let p = self.protection(from, keys, false)?;
            self.flows[from].epoch = Epoch::Handshake(p);
        }
        let flow = &mut self.flows[from];
        let opened = match &mut flow.epoch {
            Epoch::Handshake(p) | Epoch::Application(p) => p.open(header, body),
            _ => Err(OpenError::Tag),
        };
        let (kind, plain) = opened.map_err(|e| e.to_string())?;
        match kind {
            23 => {
                if !std::mem::replace(&mut flow.opened, true) {
                    let suite = self.suite.map(Suite::name).unwrap_or_default();
                    out.push(Output::Opened(format!("TLS 1.3, {suite}")));
                }
                out.push(Output::Plain {
                    text: plain,
                    record: seen(header),
                });
                Ok(())
            }
            22 => self.encrypted_handshake(from, &plain, keys),
            21 => {
                // close_notify (level 1, description 0): TLS ends here.
                flow.closed = plain.get(1) == Some(&0);
                Ok(())
            }
            t => Err(format!("an inner content type {t}")),
        }
    }

    /// The protection of `from`'s records: with its handshake traffic
    /// secret, or (`application`) its first application traffic secret.
    fn protection(
        &self,
        from: usize,
        keys: &KeyLog,
        application: bool,
    ) -> Result<Protection, String> {
        let s = self.secrets(keys)?;
        let suite = self.suite.ok_or("no cipher suite")?;
        let client = Some(from) == self.client;
        let (secret, which) = match (client, application) {
            (true, false) => (&s.client_handshake, "the client's handshake"),
            (false, false) => (&s.server_handshake, "the server's handshake"),
            (true, true) => (&s.client_traffic, "the client's application"),
            (false, true) => (&s.server_traffic, "the server's application"),
        };
        let secret = secret
            .as_deref()
            .ok_or_else(|| format!("the keys lack {which} traffic secret"))?;
        Protection::new(suite, secret).map_err(|e| e.to_string())
    }

    /// A TLS 1.2 record after this side's ChangeCipherSpec.
    fn tls12(
        &mut self,
        from: usize,
        suite: Suite12,
        header: &[u8; 5],
        body: &[u8],
        keys: &KeyLog,
        out: &mut Vec<Output>,
    ) -> Result<(), String> {
        if !matches!(self.flows[from].epoch, Epoch::Tls12(_)) {
            let master = self.secrets(keys)?.master.as_deref();
            let master = master.ok_or("the keys lack this TLS 1.2 session's master secret")?;
            let (random, server) = (self.random, self.server_random);
            let (Some(random), Some(server)) = (random, server) else {
                return Err("no hellos before the encrypted records".into());
            };
            let (c, s) =
                tls12::protections(suite, master, &random, &server).map_err(|e| e.to_string())?;
            let p = if Some(from) == self.client { c } else { s };
            self.flows[from].epoch = Epoch::Tls12(p);
        }
        let flow = &mut self.flows[from];
        let Epoch::Tls12(p) = &mut flow.epoch else {
            return Err("no TLS 1.2 keys".into());
        };
        let plain = p.open(header, body).map_err(|e| e.to_string())?;
        match header[0] {
            23 => {
                if !std::mem::replace(&mut flow.opened, true) {
                    out.push(Output::Opened(format!("TLS 1.2, {}", suite.name)));
                }
                out.push(Output::Plain {
                    text: plain,
                    record: seen(header),
                });
            }
            21 => flow.closed = plain.get(1) == Some(&0),
            _ => {} // the Finished; a renegotiation is not followed
        }
        Ok(())
    }

    /// The session's secrets, as the key log has them.
    fn secrets<'k>(&self, keys: &'k KeyLog) -> Result<&'k Secrets, String> {
        let random = self
            .random
            .ok_or("no ClientHello before the encrypted records")?;
        keys.get(&random).ok_or_else(|| {
            format!(
                "the keys do not include this TLS session (client random {}…)",
                hex_start(&random)
            )
        })
    }

    /// Handshake messages in clear: the ClientHello's random, the
    /// ServerHello's suite and version.
    fn handshake(&mut self, from: usize, body: &[u8]) -> Result<(), String> {
        for (kind, msg) in messages(&mut self.flows[from].handshake, body)? {
            match kind {
                1 => {
                    let random = msg.get(2..34).ok_or("a ClientHello cut short")?;
                    self.random = random.try_into().ok();
                    self.client = Some(from);
                }
                2 => self.server_hello(&msg)?,
                _ => {}
            }
        }
        Ok(())
    }

    fn server_hello(&mut self, msg: &[u8]) -> Result<(), String> {
        let short = || "a ServerHello cut short".to_string();
        if msg.get(2..34) == Some(&RETRY[..]) {
            return Ok(()); // a HelloRetryRequest: another ClientHello follows
        }
        let sid = usize::from(*msg.get(34).ok_or_else(short)?);
        let at = 35 + sid;
        let id = msg.get(at..at + 2).ok_or_else(short)?;
        let id = u16::from_be_bytes([id[0], id[1]]);
        let mut version = u16::from_be_bytes([msg[0], msg[1]]);
        // Extensions: supported_versions (43) holds the real version.
        let mut ext = msg.get(at + 5..).unwrap_or_default();
        while ext.len() >= 4 {
            let (t, len) = (
                u16::from_be_bytes([ext[0], ext[1]]),
                usize::from(u16::from_be_bytes([ext[2], ext[3]])),
            );
            let data = ext.get(4..4 + len).ok_or_else(short)?;
            if t == 43 && len == 2 {
                version = u16::from_be_bytes([data[0], data[1]]);
            }
            ext = &ext[4 + len..];
        }
        if version == 0x0303 {
            self.server_random = msg[2..34].try_into().ok();
            self.suite12 = Suite12::from_id(id);
            if self.suite12.is_none() {
                self.unsupported = Some(format!(
                    "TLS 1.2 with cipher suite {id:#06x}, not one replay decrypts: shown encrypted"
                ));
            }
            return Ok(());
        }
        if version != 0x0304 {
            self.unsupported = Some(format!("TLS version {version:#06x}: shown encrypted"));
            return Ok(());
        }
        self.suite = Some(
            Suite::from_id(id)
                .ok_or_else(|| format!("cipher suite {id:#06x} is not one replay decrypts"))?,
        );
        Ok(())
    }

    /// Handshake messages inside the protection: a side's Finished moves
    /// it to its application secret, a KeyUpdate to the next one.
    fn encrypted_handshake(
        &mut self,
        from: usize,
        plain: &[u8],
        keys: &KeyLog,
    ) -> Result<(), String> {
        for (kind, _) in messages(&mut self.flows[from].handshake, plain)? {
            let next = match (kind, &self.flows[from].epoch) {
                (20, Epoch::Handshake(_)) => self.protection(from, keys, true)?,
                (24, Epoch::Application(p)) => p.updated().map_err(|e| e.to_string())?,
                _ => continue,
            };
            self.flows[from].epoch = Epoch::Application(next);
        }
        Ok(())
    }
}

/// A record as its header shows it on the wire.
fn seen(header: &[u8; 5]) -> Record {
    Record {
        kind: RecordType::of(header[0]),
        length: u16::from_be_bytes([header[3], header[4]]),
    }
}

/// The whole handshake messages in `pending` + `more` (type, body); what
/// is left waits in `pending`.
fn messages(pending: &mut Vec<u8>, more: &[u8]) -> Result<Vec<(u8, Vec<u8>)>, String> {
    pending.extend_from_slice(more);
    let mut out = Vec::new();
    while pending.len() >= 4 {
        let len = usize::from_be_bytes([0, 0, 0, 0, 0, pending[1], pending[2], pending[3]]);
        if len > MAX_HANDSHAKE {
            return Err(format!("a handshake message of {len} bytes"));
        }
        if pending.len() < 4 + len {
            break;
        }
        let msg: Vec<u8> = pending.drain(..4 + len).collect();
        out.push((msg[0], msg[4..].to_vec()));
    }
    Ok(out)
}

fn hex_start(b: &[u8]) -> String {
    b.iter().take(8).map(|x| format!("{x:02x}")).collect()
}
