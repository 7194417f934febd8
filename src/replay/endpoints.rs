//! Naming a TCP connection by its endpoints, and finding it fast.
//!
//! A TCP connection is identified by its two endpoints (address and port
//! at each end); a segment from A to B and one from B to A belong to the
//! same connection, so the pair is put in a fixed order to make one key.
//!
//! Every captured packet looks its connection up, so the key is made to be
//! cheap to build, hash and compare. Nearly every packet is IPv4, and an
//! IPv4 endpoint is 48 bits (a 32-bit address, a 16-bit port): each end
//! becomes one number, `address << 16 | port`, and the key is the two
//! numbers, smaller first: 16 bytes compared as two integers, where two
//! `SocketAddr`s are 64 bytes compared field by field. An IPv6 endpoint
//! (144 bits) does not fit, so IPv6 pairs keep the endpoints themselves:
//! a different kind of key, never equal to an IPv4 one.
//!
//! The key is hashed as one folded 64-bit number rather than field by field
//! (the standard SipHash of two socket addresses took 40% of replay's
//! time). The hasher starts from a per-run random seed, so a crafted
//! capture cannot aim for collisions.

use std::hash::{BuildHasher, Hash, Hasher, RandomState};
use std::net::{IpAddr, SocketAddr, SocketAddrV4};

/// A connection, named by its two endpoints in a fixed order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// Two IPv4 endpoints, each as `address << 16 | port`, smaller first.
    V4([u64; 2]),
    /// Any other pair (IPv6): the endpoints, in `SocketAddr`'s order.
    Wide(SocketAddr, SocketAddr),
}

/// An IPv4 endpoint as one number: its address, then its port.
#[inline]
fn number(a: &SocketAddrV4) -> u64 {
    u64::from(a.ip().to_bits()) << 16 | u64::from(a.port())
}

impl Key {
    /// The key of a segment from `a` to `b` (or from `b` to `a`).
    #[inline]
    pub fn of(a: SocketAddr, b: SocketAddr) -> Key {
        match (a, b) {
            (SocketAddr::V4(x), SocketAddr::V4(y)) => {
                let (x, y) = (number(&x), number(&y));
                Key::V4(if x <= y { [x, y] } else { [y, x] })
            }
            _ if a <= b => Key::Wide(a, b),
            _ => Key::Wide(b, a),
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
    #[inline]
    fn hash<H: Hasher>(&self, h: &mut H) {
        h.write_u64(match *self {
            Key::V4([a, b]) => a ^ b.rotate_left(32),
            Key::Wide(a, b) => fold(a) ^ fold(b).rotate_left(32),
        });
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
        let d: SocketAddr = "9.255.0.1:80".parse().unwrap();
        assert_eq!(Key::of(c, d), Key::of(d, c));
        assert_ne!(Key::of(a, c), Key::of(a, d));
        assert_ne!(h.hash_one(Key::of(a, c)), h.hash_one(Key::of(a, b)));
    }

    #[test]
    fn ipv4_keys_name_address_and_port_and_ipv6_keys_stay_apart() {
        let a: SocketAddr = "10.0.0.1:21".parse().unwrap();
        let b: SocketAddr = "10.0.0.2:20".parse().unwrap();
        assert_eq!(Key::of(a, b), Key::V4([0x0a00_0001_0015, 0x0a00_0002_0014]));
        // The same endpoints written as IPv4-mapped IPv6 are another pair.
        let mapped = |s: SocketAddr| match s {
            SocketAddr::V4(v) => SocketAddr::new(v.ip().to_ipv6_mapped().into(), v.port()),
            v6 => v6,
        };
        let wide = Key::of(mapped(a), mapped(b));
        assert!(matches!(wide, Key::Wide(..)));
        assert_ne!(wide, Key::of(a, b));
        assert_eq!(wide, Key::of(mapped(b), mapped(a)));
    }
}
