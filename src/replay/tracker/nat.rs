//! One connection, two names: the same TCP connection seen on both sides
//! of a NAT.
//!
//! A NAT rewrites addresses and ports as packets cross it, but it leaves
//! TCP's sequence numbers alone. A capture taken on both sides of it (or a
//! firewall log of both interfaces) therefore holds one connection under two
//! names: the SYN from `10.9.50.1:50388` to the server, and the server's
//! SYN-ACK going to `172.27.0.2:5072`, the client's translated address. The
//! SYN-ACK's acknowledgement number is the SYN's sequence number plus one,
//! and it comes within a few seconds: that is what ties the two halves
//! together. So does a SYN seen twice, a moment apart, with the same
//! sequence number under different addresses. A NAT rewrites at least one
//! IP address; dials between the same two hosts are never taken for one.
//!
//! The second name becomes an *alias*: its segments are read as the first
//! name's, with the addresses mapped back, so the session is one session,
//! and the `accept` says what the NAT did. This is the middlebox lesson on
//! real traffic: the server never sees the client's own address, which is
//! why a `PORT` or `EPRT` naming that address leads nowhere.

use super::Tracker;
use crate::replay::endpoints::Key;
use crate::replay::segment::Segment;
use std::net::SocketAddr;

/// A SYN-ACK answers a SYN captured at most this long before.
const ANSWER_NS: u64 = 75_000_000_000;
/// The same SYN on the other side of a NAT comes at most this long after.
const ECHO_NS: u64 = 3_000_000_000;

/// Another name of a tracked connection.
#[derive(Debug, Clone, Copy)]
pub struct Alias {
    /// The connection's key under its first name.
    pub to: Key,
    /// Each address of the other name, and the first name's address for it.
    pub map: [(SocketAddr, SocketAddr); 2],
}

impl Alias {
    fn name(&self, a: SocketAddr) -> SocketAddr {
        self.map
            .iter()
            .find(|(from, _)| *from == a)
            .map_or(a, |(_, to)| *to)
    }
}

/// Whether the dial `i → r` could have become `i2 → r2` through a NAT: it
/// rewrites an address, not only ports (two dials between the same hosts
/// are two connections, even with equal sequence numbers).
fn translated(i: SocketAddr, r: SocketAddr, i2: SocketAddr, r2: SocketAddr) -> bool {
    (i.ip(), r.ip()) != (i2.ip(), r2.ip())
}

impl Tracker {
    /// A segment of an aliased connection, under the connection's first
    /// name; `None` when `seg` is not under an alias.
    pub(super) fn translate<'a>(&self, seg: &Segment<'a>) -> Option<Segment<'a>> {
        let alias = self.aliases.get(&Key::of(&seg.src, &seg.dst))?;
        Some(Segment {
            src: alias.name(seg.src.addr()).into(),
            dst: alias.name(seg.dst.addr()).into(),
            ..*seg
        })
    }

    /// The tracked dial that a SYN-ACK acknowledging `ack` at `ns` answers,
    /// if it still waits for one and is recent enough.
    fn waiting_dial(&self, ack: u32, ns: u64) -> Option<Key> {
        let key = *self.dials.get(&ack)?;
        let (_, last) = self.conns.get(&key)?.dialling?;
        (ns.saturating_sub(last) <= ANSWER_NS).then_some(key)
    }

    /// A SYN-ACK for a connection nobody dialled under these addresses: if
    /// it answers a waiting dial, it is that dial's answer from the far
    /// side of a NAT. Returns the segment under the dial's name.
    pub(super) fn far_answer<'a>(&mut self, ns: u64, seg: &Segment<'a>) -> Option<Segment<'a>> {
        let to = self.waiting_dial(seg.ack, ns)?;
        let c = self.conns.get_mut(&to)?;
        let (i, r) = (c.initiator, c.responder);
        let (src, dst) = (seg.src.addr(), seg.dst.addr());
        if !translated(i, r, dst, src) {
            return None;
        }
        c.translated = Some(format!(
            "answered across a NAT: the SYN went {i} → {r}, the SYN-ACK came {} → {}; \
             one connection (the SYN-ACK acknowledges {}, the SYN's sequence number + 1) \
             whose addresses the NAT rewrote: the server sees the client as {}",
            src, dst, seg.ack, dst
        ));
        let alias = Alias {
            to,
            map: [(src, r), (dst, i)],
        };
        self.name_again(to, Key::of(&seg.src, &seg.dst), alias);
        self.translate(seg)
    }

    /// A SYN under new addresses with the sequence number of a dial just
    /// seen: the same dial after (or before) translation. True when taken
    /// as such.
    pub(super) fn echoed_syn(&mut self, ns: u64, seg: &Segment<'_>) -> bool {
        let Some(&to) = self.dials.get(&seg.seq.wrapping_add(1)) else {
            return false;
        };
        let Some(c) = self.conns.get_mut(&to) else {
            return false;
        };
        let (i, r) = (c.initiator, c.responder);
        let (src, dst) = (seg.src.addr(), seg.dst.addr());
        if ns.saturating_sub(c.syn_ns) > ECHO_NS || c.closed || !translated(i, r, src, dst) {
            return false;
        }
        c.translated = Some(format!(
            "seen on both sides of a NAT: the SYN {i} → {r} came again as {} → {} \
             with the same sequence number; one connection, its addresses rewritten",
            src, dst
        ));
        let alias = Alias {
            to,
            map: [(src, i), (dst, r)],
        };
        self.name_again(to, Key::of(&seg.src, &seg.dst), alias);
        true
    }

    /// Gives connection `to` the other name `key`.
    fn name_again(&mut self, to: Key, key: Key, alias: Alias) {
        if let Some(c) = self.conns.get_mut(&to) {
            if let Some(old) = c.alias.replace(key) {
                self.aliases.remove(&old);
            }
            self.aliases.insert(key, alias);
        }
    }
}
