//! TLS 1.2's record protection, from the master secret the key log gives.
//!
//! A TLS 1.2 session has one secret, the 48-byte *master secret* (the key
//! log's `CLIENT_RANDOM` line). Both sides expand it with the PRF into a
//! *key block*, seeded with both hellos' randoms:
//!
//! ```text
//! PRF(secret, label, seed) = P_hash(secret, label ‖ seed)
//! P_hash(secret, seed)     = HMAC(secret, A(1) ‖ seed) ‖ HMAC(secret, A(2) ‖ seed) ‖ …
//!                            where A(0) = seed, A(i) = HMAC(secret, A(i-1))
//! key block = PRF(master, "key expansion", server random ‖ client random)
//!           = client key ‖ server key ‖ client IV ‖ server IV   (AEAD suites: no MAC keys)
//! ```
//!
//! The hash is SHA-256, or SHA-384 for the `_SHA384` suites (RFC 5246,
//! RFC 5288 for AES-GCM, RFC 7905 for ChaCha20-Poly1305: not in
//! the repository's RFC texts, so described here rather than quoted).
//! Each side encrypts from its ChangeCipherSpec on, with a record sequence
//! number from 0 that is never sent. AES-GCM's nonce is the 4-byte IV and 8
//! bytes sent at the start of each record; ChaCha20-Poly1305's is the
//! 12-byte IV XOR the sequence number. The additional data is the sequence
//! number, the record's type and version, and the plain text's length.

use super::schedule::{self, OpenError};
use ring::aead::{self, LessSafeKey, UnboundKey};
use ring::hmac;

/// A TLS 1.2 AEAD cipher suite replay can decrypt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suite12 {
    pub id: u16,
    pub name: &'static str,
    aead: &'static aead::Algorithm,
    sha384: bool,
    /// The nonce's last 8 bytes travel in the record (AES-GCM).
    explicit: bool,
}

const SUITES: [(u16, &str); 10] = [
    (0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
    (0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
    (0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
    (0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
    (0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
    (0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
    (0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256"),
    (0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384"),
    (0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"),
    (0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"),
];

impl Suite12 {
    pub fn from_id(id: u16) -> Option<Suite12> {
        let (_, name) = SUITES.iter().find(|(i, _)| *i == id)?;
        let chacha = name.contains("CHACHA20");
        let aead = if chacha {
            &aead::CHACHA20_POLY1305
        } else if name.contains("AES_256") {
            &aead::AES_256_GCM
        } else {
            &aead::AES_128_GCM
        };
        Some(Suite12 {
            id,
            name,
            aead,
            sha384: name.ends_with("SHA384"),
            explicit: !chacha,
        })
    }

    fn iv_len(self) -> usize {
        if self.explicit {
            4
        } else {
            12
        }
    }
}

/// P_hash: `len` bytes from `secret` and `seed`.
fn p_hash(alg: hmac::Algorithm, secret: &[u8], seed: &[u8], len: usize) -> Vec<u8> {
    let key = hmac::Key::new(alg, secret);
    let mut a = hmac::sign(&key, seed).as_ref().to_vec();
    let mut out = Vec::with_capacity(len + 48);
    while out.len() < len {
        out.extend_from_slice(hmac::sign(&key, &[&a[..], seed].concat()).as_ref());
        a = hmac::sign(&key, &a).as_ref().to_vec();
    }
    out.truncate(len);
    out
}

/// Both sides' protection: (the client's, the server's).
pub fn protections(
    suite: Suite12,
    master: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> Result<(Protection12, Protection12), OpenError> {
    let bad = OpenError::Secret(suite.name);
    if master.len() != 48 {
        return Err(bad);
    }
    let alg = if suite.sha384 {
        hmac::HMAC_SHA384
    } else {
        hmac::HMAC_SHA256
    };
    let (k, iv) = (suite.aead.key_len(), suite.iv_len());
    let seed = [&b"key expansion"[..], server_random, client_random].concat();
    let block = p_hash(alg, master, &seed, 2 * k + 2 * iv);
    let side = |key: &[u8], iv: &[u8]| -> Result<Protection12, OpenError> {
        let key = UnboundKey::new(suite.aead, key).map_err(|_| OpenError::Secret(suite.name))?;
        Ok(Protection12 {
            suite,
            key: LessSafeKey::new(key),
            iv: iv.to_vec(),
            seq: 0,
        })
    };
    Ok((
        side(&block[..k], &block[2 * k..2 * k + iv])?,
        side(&block[k..2 * k], &block[2 * k + iv..])?,
    ))
}

/// One side's TLS 1.2 record protection.
pub struct Protection12 {
    suite: Suite12,
    key: LessSafeKey,
    iv: Vec<u8>,
    seq: u64,
}

impl std::fmt::Debug for Protection12 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Protection12({}, record {})", self.suite.name, self.seq)
    }
}

impl Protection12 {
    /// Opens one record: its plain text (its type is the header's).
    pub fn open(&mut self, header: &[u8; 5], body: &[u8]) -> Result<Vec<u8>, OpenError> {
        let tag = self.suite.aead.tag_len();
        let (nonce, sealed) = if self.suite.explicit {
            let explicit = body.get(..8).ok_or(OpenError::Tag)?;
            let nonce: [u8; 12] = [&self.iv[..], explicit]
                .concat()
                .try_into()
                .map_err(|_| OpenError::Tag)?;
            (nonce, &body[8..])
        } else {
            let iv: [u8; 12] = self.iv[..].try_into().map_err(|_| OpenError::Tag)?;
            (schedule::nonce(iv, self.seq), body)
        };
        let len = sealed.len().checked_sub(tag).ok_or(OpenError::Tag)?;
        let mut aad = self.seq.to_be_bytes().to_vec();
        aad.extend_from_slice(&header[..3]);
        aad.extend_from_slice(&(len as u16).to_be_bytes());
        let mut buf = sealed.to_vec();
        let n = schedule::open(&self.key, nonce, &aad, &mut buf)?;
        self.seq += 1;
        buf.truncate(n);
        Ok(buf)
    }
}
