//! Naming a TCP connection by its endpoints, and finding it fast.
//!
//! A TCP connection is identified by its two endpoints (address and port
//! at each end); a segment from A to B and one from B to A belong to the
//! same connection, so the pair is put in a fixed order to make one key.
//!
//! Every captured packet names its two ends and looks its connection up,
//! so both are kept as plain numbers. An [`Endpoint`] is an address (an
//! IPv4 one in the low 32 bits) and a port: built from a packet's header
//! without the `SocketAddr`/`IpAddr` enums (made only where an address is
//! shown or remembered), and copied as integers. Nearly every packet is
//! IPv4, and an IPv4 endpoint is 48 bits (a 32-bit address, a 16-bit port):
//! each end becomes one number, `address << 16 | port`, and the [`Key`] is
//! the two numbers, smaller first, compared as two integers (two
//! `SocketAddr`s are compared field by field, variant by variant). An IPv6
//! endpoint (144 bits) does not fit, so IPv6 pairs keep the endpoints
//! themselves: a different kind of key, never equal to an IPv4 one.
//!
//! Keys are made, compared and hashed so that the one just made is read
//! as it was written, a word at a time: a processor cannot hand a value
//! from several narrow stores to one wider load without waiting for them
//! to reach its cache, and on a path this hot that wait showed (as did
//! copies of freshly built `SocketAddr`s).
//!
//! The key is hashed as one folded 64-bit number rather than field by field
//! (the standard SipHash of two socket addresses took 40% of replay's
//! time). The hasher starts from a per-run random seed, so a crafted
//! capture cannot aim for collisions.

use std::hash::{BuildHasher, Hash, Hasher, RandomState};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// One end of a TCP segment: an address and a port, as plain numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    /// The address; an IPv4 one in the low 32 bits.
    ip: u128,
    port: u16,
    v6: bool,
}

impl Endpoint {
    #[inline]
    pub fn v4(ip: u32, port: u16) -> Endpoint {
        Endpoint {
            ip: u128::from(ip),
            port,
            v6: false,
        }
    }

    #[inline]
    pub fn v6(ip: u128, port: u16) -> Endpoint {
        Endpoint { ip, port, v6: true }
    }

    /// The endpoint as a socket address, to show or keep.
    pub fn addr(&self) -> SocketAddr {
        let ip = if self.v6 {
            IpAddr::V6(Ipv6Addr::from_bits(self.ip))
        } else {
            IpAddr::V4(Ipv4Addr::from_bits(self.ip as u32))
        };
        SocketAddr::new(ip, self.port)
    }

    /// Whether this is the socket address `a` (compared as numbers; an
    /// IPv6 address's flow label and scope are not part of an endpoint).
    #[inline]
    pub fn is(self, a: &SocketAddr) -> bool {
        let same_ip = match a {
            SocketAddr::V4(a) => !self.v6 && self.ip == u128::from(a.ip().to_bits()),
            SocketAddr::V6(a) => self.v6 && self.ip == a.ip().to_bits(),
        };
        same_ip && self.port == a.port()
    }

    /// An IPv4 endpoint as one number: its address, then its port.
    #[inline]
    fn number(&self) -> Option<u64> {
        (!self.v6).then_some((self.ip as u64) << 16 | u64::from(self.port))
    }
}

impl From<SocketAddr> for Endpoint {
    fn from(a: SocketAddr) -> Endpoint {
        match a.ip() {
            IpAddr::V4(ip) => Endpoint::v4(ip.to_bits(), a.port()),
            IpAddr::V6(ip) => Endpoint::v6(ip.to_bits(), a.port()),
        }
    }
}

/// A connection, named by its two endpoints in a fixed order.
#[derive(Debug, Clone, Copy, Eq)]
pub enum Key {
    /// Two IPv4 endpoints, each as `address << 16 | port`, smaller first.
    V4([u64; 2]),
    /// Any other pair (IPv6): the endpoints, in `SocketAddr`'s order.
    Wide(SocketAddr, SocketAddr),
}

impl Key {
    /// The key of a segment from `a` to `b` (or from `b` to `a`).
    #[inline]
    pub fn of(a: &Endpoint, b: &Endpoint) -> Key {
        match (a.number(), b.number()) {
            (Some(x), Some(y)) => Key::V4(if x <= y { [x, y] } else { [y, x] }),
            _ => Key::wide(a, b),
        }
    }

    /// The key of a pair that is not two IPv4 endpoints: rare, kept out of
    /// the way of the common case.
    #[cold]
    #[inline(never)]
    fn wide(a: &Endpoint, b: &Endpoint) -> Key {
        let (a, b) = (a.addr(), b.addr());
        if a <= b {
            Key::Wide(a, b)
        } else {
            Key::Wide(b, a)
        }
    }
}

/// Keys are compared on every lookup: the IPv4 case first, inline.
impl PartialEq for Key {
    #[inline(always)]
    fn eq(&self, other: &Key) -> bool {
        match (self, other) {
            // Word by word (see the module's notes).
            (Key::V4(a), Key::V4(b)) => (a[0] ^ b[0]) | (a[1] ^ b[1]) == 0,
            (Key::Wide(a, b), Key::Wide(c, d)) => (a, b) == (c, d),
            _ => false,
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
    #[inline(always)]
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

    fn key(a: SocketAddr, b: SocketAddr) -> Key {
        Key::of(&a.into(), &b.into())
    }

    #[test]
    fn both_directions_make_one_key_with_one_hash() {
        let a: SocketAddr = "10.0.0.1:21".parse().unwrap();
        let b: SocketAddr = "[::1]:40000".parse().unwrap();
        assert_eq!(key(a, b), key(b, a));
        let h = KeyHashing::default();
        assert_eq!(h.hash_one(key(a, b)), h.hash_one(key(b, a)));
        let c: SocketAddr = "10.0.0.1:22".parse().unwrap();
        let d: SocketAddr = "9.255.0.1:80".parse().unwrap();
        assert_eq!(key(c, d), key(d, c));
        assert_ne!(key(a, c), key(a, d));
        assert_ne!(h.hash_one(key(a, c)), h.hash_one(key(a, b)));
    }

    #[test]
    fn ipv4_keys_name_address_and_port_and_ipv6_keys_stay_apart() {
        let a: SocketAddr = "10.0.0.1:21".parse().unwrap();
        let b: SocketAddr = "10.0.0.2:20".parse().unwrap();
        assert_eq!(key(a, b), Key::V4([0x0a00_0001_0015, 0x0a00_0002_0014]));
        // The same endpoints written as IPv4-mapped IPv6 are another pair.
        let mapped = |s: SocketAddr| match s {
            SocketAddr::V4(v) => SocketAddr::new(v.ip().to_ipv6_mapped().into(), v.port()),
            v6 => v6,
        };
        let wide = key(mapped(a), mapped(b));
        assert!(matches!(wide, Key::Wide(..)));
        assert_ne!(wide, key(a, b));
        assert_eq!(wide, key(mapped(b), mapped(a)));
    }

    #[test]
    fn endpoints_are_their_socket_addresses() {
        for a in [
            "10.0.0.1:21",
            "[2001:db8::1]:20",
            "[::ffff:10.0.0.1]:21",
            "0.0.0.0:0",
        ] {
            let a: SocketAddr = a.parse().unwrap();
            let e = Endpoint::from(a);
            assert_eq!(e.addr(), a);
            assert!(e.is(&a));
        }
        let v4: SocketAddr = "10.0.0.1:21".parse().unwrap();
        let mapped: SocketAddr = "[::ffff:10.0.0.1]:21".parse().unwrap();
        assert!(!Endpoint::from(v4).is(&mapped) && !Endpoint::from(mapped).is(&v4));
        assert!(!Endpoint::from(v4).is(&"10.0.0.1:22".parse().unwrap()));
    }
}
