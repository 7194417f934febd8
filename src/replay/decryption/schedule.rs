//! TLS 1.3's key schedule, the part a listener with the secrets needs.
//!
//! A TLS 1.3 session derives everything from a chain of secrets; the key
//! log gives replay the last links of that chain, one per direction and
//! epoch: the *handshake traffic secrets* (used from the ServerHello up to
//! each side's Finished) and the first *application traffic secrets* (used
//! after). From a traffic secret, the record protection's key and IV are
//! drawn with HKDF-Expand-Label, HKDF (RFC 5869) with a label that says
//! what the output is for:
//!
//! ```text
//! HKDF-Expand-Label(secret, label, context, length) =
//!     HKDF-Expand(secret, HkdfLabel, length), where HkdfLabel is
//!     length (2 bytes) ‖ len ‖ "tls13 " + label ‖ len ‖ context
//! key = HKDF-Expand-Label(traffic secret, "key", "", key length)
//! iv  = HKDF-Expand-Label(traffic secret, "iv",  "", 12)
//! next application secret (after a KeyUpdate) =
//!       HKDF-Expand-Label(secret, "traffic upd", "", hash length)
//! ```
//!
//! Each record is sealed with an AEAD cipher: the nonce is the IV XOR the
//! record's sequence number in that direction and epoch (counted from 0,
//! never sent), and the additional data is the record's 5-byte header.
//! The cipher suite, chosen in the ServerHello, says which AEAD and which
//! hash: `TLS_AES_128_GCM_SHA256`, `TLS_AES_256_GCM_SHA384`,
//! `TLS_CHACHA20_POLY1305_SHA256`. (This follows the TLS 1.3 specification,
//! RFC 8446, as its key schedule is widely described; the sections are not
//! cited here because the RFC's text is not among the repository's.)

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::hkdf;

/// A TLS 1.3 cipher suite replay can decrypt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suite {
    Aes128GcmSha256,
    Aes256GcmSha384,
    Chacha20Poly1305Sha256,
}

impl Suite {
    /// The suite with IANA number `id`, if it is one of the three.
    pub fn from_id(id: u16) -> Option<Suite> {
        match id {
            0x1301 => Some(Suite::Aes128GcmSha256),
            0x1302 => Some(Suite::Aes256GcmSha384),
            0x1303 => Some(Suite::Chacha20Poly1305Sha256),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Suite::Aes128GcmSha256 => "TLS_AES_128_GCM_SHA256",
            Suite::Aes256GcmSha384 => "TLS_AES_256_GCM_SHA384",
            Suite::Chacha20Poly1305Sha256 => "TLS_CHACHA20_POLY1305_SHA256",
        }
    }

    fn aead(self) -> &'static aead::Algorithm {
        match self {
            Suite::Aes128GcmSha256 => &aead::AES_128_GCM,
            Suite::Aes256GcmSha384 => &aead::AES_256_GCM,
            Suite::Chacha20Poly1305Sha256 => &aead::CHACHA20_POLY1305,
        }
    }

    fn hkdf(self) -> hkdf::Algorithm {
        match self {
            Suite::Aes256GcmSha384 => hkdf::HKDF_SHA384,
            _ => hkdf::HKDF_SHA256,
        }
    }

    fn hash_len(self) -> usize {
        match self {
            Suite::Aes256GcmSha384 => 48,
            _ => 32,
        }
    }
}

/// An output length, as ring's HKDF wants it.
struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// HKDF-Expand-Label (see the module's docs). `None` when the secret does
/// not fit the suite's hash or the length is out of HKDF's range.
pub fn expand_label(
    suite: Suite,
    secret: &[u8],
    label: &str,
    context: &[u8],
    len: usize,
) -> Option<Vec<u8>> {
    if secret.len() != suite.hash_len() {
        return None;
    }
    let full = [b"tls13 ", label.as_bytes()].concat();
    let length = u16::try_from(len).ok()?.to_be_bytes();
    let label_len = [u8::try_from(full.len()).ok()?];
    let context_len = [u8::try_from(context.len()).ok()?];
    let info: [&[u8]; 5] = [&length, &label_len, &full, &context_len, context];
    let prk = hkdf::Prk::new_less_safe(suite.hkdf(), secret);
    let mut out = vec![0; len];
    prk.expand(&info, Len(len)).ok()?.fill(&mut out).ok()?;
    Some(out)
}

/// A record's nonce: the IV with the sequence number XORed into its last
/// 8 bytes.
pub fn nonce(iv: [u8; 12], seq: u64) -> [u8; 12] {
    let mut nonce = iv;
    for (n, s) in nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
        *n ^= s;
    }
    nonce
}

/// Opens `buf` (sealed text and tag) in place: the plain text's length.
pub fn open(
    key: &LessSafeKey,
    nonce: [u8; 12],
    aad: &[u8],
    buf: &mut [u8],
) -> Result<usize, OpenError> {
    key.open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(aad), buf)
        .map(|plain| plain.len())
        .map_err(|_| OpenError::Tag)
}

/// Why a record could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("the secret does not fit {0}")]
    Secret(&'static str),
    #[error("the record does not decrypt with the key log's secret (wrong key, or damaged)")]
    Tag,
    #[error("the record holds no content type")]
    NoContentType,
}

/// One direction's record protection in one epoch: its key, its IV, and
/// the sequence number of the next record.
pub struct Protection {
    suite: Suite,
    secret: Vec<u8>,
    key: LessSafeKey,
    iv: [u8; 12],
    pub seq: u64,
}

impl std::fmt::Debug for Protection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Protection({}, record {})", self.suite.name(), self.seq)
    }
}

impl Protection {
    /// The key and IV drawn from a traffic secret.
    pub fn new(suite: Suite, secret: &[u8]) -> Result<Protection, OpenError> {
        let bad = || OpenError::Secret(suite.name());
        let alg = suite.aead();
        let key = expand_label(suite, secret, "key", &[], alg.key_len()).ok_or_else(bad)?;
        let iv = expand_label(suite, secret, "iv", &[], 12).ok_or_else(bad)?;
        let key = UnboundKey::new(alg, &key).map_err(|_| bad())?;
        Ok(Protection {
            suite,
            secret: secret.to_vec(),
            key: LessSafeKey::new(key),
            iv: iv.try_into().map_err(|_| bad())?,
            seq: 0,
        })
    }

    /// After a KeyUpdate: the next application traffic secret's protection.
    pub fn updated(&self) -> Result<Protection, OpenError> {
        let next = expand_label(
            self.suite,
            &self.secret,
            "traffic upd",
            &[],
            self.suite.hash_len(),
        )
        .ok_or(OpenError::Secret(self.suite.name()))?;
        Protection::new(self.suite, &next)
    }

    /// Opens one record (`header` its 5 bytes, `body` what follows): the
    /// inner content type and the plain text, padding removed.
    pub fn open(&mut self, header: &[u8; 5], body: &[u8]) -> Result<(u8, Vec<u8>), OpenError> {
        let mut buf = body.to_vec();
        let n = open(&self.key, nonce(self.iv, self.seq), header, &mut buf)?;
        self.seq += 1;
        let plain = &buf[..n];
        // The inner plain text: content, its type, then zeros (padding).
        let end = plain
            .iter()
            .rposition(|b| *b != 0)
            .ok_or(OpenError::NoContentType)?;
        let kind = plain[end];
        buf.truncate(end);
        Ok((kind, buf))
    }

    /// Seals one record (for tests: the other half of `open`).
    #[cfg(test)]
    pub fn seal(&mut self, kind: u8, plain: &[u8]) -> Vec<u8> {
        let nonce = nonce(self.iv, self.seq);
        let mut body = plain.to_vec();
        body.push(kind);
        let len = (body.len() + self.suite.aead().tag_len()) as u16;
        let mut record = vec![23, 3, 3];
        record.extend(len.to_be_bytes());
        let header: [u8; 5] = record[..5].try_into().expect("five bytes");
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(header),
                &mut body,
            )
            .expect("sealing");
        self.seq += 1;
        record.extend(body);
        record
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_record_opens_once_and_in_order() {
        for suite in [
            Suite::Aes128GcmSha256,
            Suite::Aes256GcmSha384,
            Suite::Chacha20Poly1305Sha256,
        ] {
            let secret = vec![7; suite.hash_len()];
            let mut tx = Protection::new(suite, &secret).expect("keys");
            let mut rx = Protection::new(suite, &secret).expect("keys");
            let r1 = tx.seal(23, b"USER demo\r\n");
            let r2 = tx.seal(22, b"\x04\0\0\0");
            let open = |rx: &mut Protection, r: &[u8]| {
                let h: [u8; 5] = r[..5].try_into().expect("header");
                rx.open(&h, &r[5..])
            };
            // Out of order: the nonce does not match.
            assert_eq!(
                open(&mut rx.updated().expect("update"), &r1),
                Err(OpenError::Tag)
            );
            assert_eq!(open(&mut rx, &r1), Ok((23, b"USER demo\r\n".to_vec())));
            assert_eq!(open(&mut rx, &r2), Ok((22, b"\x04\0\0\0".to_vec())));
            assert_eq!(open(&mut rx, &r2), Err(OpenError::Tag), "replayed");
        }
    }

    #[test]
    fn a_secret_of_the_wrong_size_is_refused() {
        assert!(Protection::new(Suite::Aes256GcmSha384, &[0; 32]).is_err());
    }
}
