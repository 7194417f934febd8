//! TCP as a capture shows it: the packets one connection of the trace
//! becomes.
//!
//! A trace says "the server dialled", "80 bytes", "the client closed". A
//! capture must show the packets that say it, and TCP's bookkeeping must
//! add up, or Wireshark marks them as broken:
//!
//! - **the handshake**: the dialler's `SYN` carries its initial sequence
//!   number (ISN); the listener answers `SYN, ACK` with its own ISN and
//!   acknowledges ISN + 1 (a SYN counts as one byte); the dialler's `ACK`
//!   acknowledges the listener's ISN + 1;
//! - **the bytes**: every segment carries the sequence number of its first
//!   byte, and the next one starts where it ended; the receiver's `ACK`
//!   names the next byte it expects. Here each segment is acknowledged at
//!   once, so the bytes in flight never exceed the window;
//! - **the end**: a `FIN` also counts as one byte; the peer acknowledges
//!   it and sends its own;
//! - **a dial nobody answers**: the SYN is sent again, as this project's
//!   Linux kernel was measured doing: four retries a second apart, then a
//!   doubling timeout (SYNs at 0, 1, 2, 3, 4, 5, 7, 11, 19, 35 and 68 s; its
//!   `connect` gives up after about 134 s);
//! - **a refused dial**: the listener's host answers the SYN with `RST`.
//!
//! The frames are Ethernet + IPv4/IPv6 + TCP with real checksums
//! (`etherparse` computes them), zero MAC addresses as on a Linux loopback
//! capture, and the MSS Linux uses on loopback.

use crate::trace::Side;
use etherparse::{PacketBuilder, TcpHeader, TcpOptionElement};
use std::net::{IpAddr, SocketAddr};

/// The window every segment advertises: no window scaling, and never more
/// than one segment in flight.
const WINDOW: u16 = 65_535;

/// The segment size on Linux loopback (MTU 65536): IPv4 and IPv6.
pub fn mss(addr: SocketAddr) -> usize {
    match addr.ip() {
        IpAddr::V4(_) => 65_495,
        IpAddr::V6(_) => 65_476,
    }
}

/// When an unanswered SYN is sent again, in seconds after the first: what
/// this project's Linux kernel was measured doing (6.18, with
/// `tcp_syn_retries=6` and `tcp_syn_linear_timeouts=4`: four retries a
/// second apart, then doubling — SYNs at 0, 1, 2, 3, 4, 5, 7, 11, 19, 35,
/// 68 s; ../shared/REAL_BEHAVIOUR.md), so that a capture of a blocked dial
/// holds the SYNs its wire carried.
pub const SYN_RETRIES: [f64; 10] = [1.0, 2.0, 3.0, 4.0, 5.0, 7.0, 11.0, 19.0, 35.0, 68.0];

/// The flags of one segment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    pub syn: bool,
    pub ack: bool,
    pub psh: bool,
    pub fin: bool,
    pub rst: bool,
}

/// One TCP segment, without its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub seq: u32,
    pub ack: u32,
    pub flags: Flags,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// SYN sent, no answer yet.
    Dialling,
    Open,
    /// Over: closed, refused or given up.
    Done,
}

/// One end: its address and the sequence number of its next byte.
#[derive(Debug, Clone, Copy)]
struct End {
    addr: SocketAddr,
    next: u32,
}

/// One connection's TCP state, from the first SYN.
#[derive(Debug, Clone)]
pub struct Connection {
    dialler: Side,
    /// The dialler's end and the listener's end.
    ends: [End; 2],
    state: State,
    syn_at: f64,
    retries_sent: usize,
}

impl Connection {
    /// The dial: a SYN from `src` (on side `dialler`) to `dst` at `t`.
    pub fn dial(dialler: Side, src: SocketAddr, dst: SocketAddr, t: f64, isn: u32) -> Connection {
        Connection {
            dialler,
            ends: [
                End {
                    addr: src,
                    next: isn,
                },
                End {
                    addr: dst,
                    next: isn.rotate_left(13) ^ 0x5f3c_9e21,
                },
            ],
            state: State::Dialling,
            syn_at: t,
            retries_sent: 0,
        }
    }

    /// The SYN (the first one, and each retransmission).
    pub fn syn(&self) -> Segment {
        let [d, l] = self.ends;
        Segment {
            src: d.addr,
            dst: l.addr,
            seq: d.next,
            ack: 0,
            flags: Flags {
                syn: true,
                ..Flags::default()
            },
        }
    }

    /// True while the dial waits for an answer.
    pub fn dialling(&self) -> bool {
        self.state == State::Dialling
    }

    /// True once the handshake completed and before the close.
    pub fn open(&self) -> bool {
        self.state == State::Open
    }

    /// The retransmissions of an unanswered SYN due by `now`, with their
    /// times.
    pub fn retries_due(&mut self, now: f64) -> Vec<(f64, Segment)> {
        let mut due = Vec::new();
        while self.dialling() {
            let Some(after) = SYN_RETRIES.get(self.retries_sent) else {
                break;
            };
            let at = self.syn_at + after;
            if at > now {
                break;
            }
            self.retries_sent += 1;
            due.push((at, self.syn()));
        }
        due
    }

    /// The listener's `SYN, ACK` and the dialler's `ACK`.
    pub fn handshake(&mut self) -> [Segment; 2] {
        let [d, l] = self.ends;
        let synack = Segment {
            src: l.addr,
            dst: d.addr,
            seq: l.next,
            ack: d.next.wrapping_add(1),
            flags: Flags {
                syn: true,
                ack: true,
                ..Flags::default()
            },
        };
        // The SYNs count as one byte each.
        self.ends[0].next = d.next.wrapping_add(1);
        self.ends[1].next = l.next.wrapping_add(1);
        self.state = State::Open;
        [synack, self.ack_from(self.dialler)]
    }

    /// The listener's host refuses the dial: `RST, ACK`.
    pub fn refuse(&mut self) -> Segment {
        let [d, l] = self.ends;
        self.state = State::Done;
        Segment {
            src: l.addr,
            dst: d.addr,
            seq: 0,
            ack: d.next.wrapping_add(1),
            flags: Flags {
                rst: true,
                ack: true,
                ..Flags::default()
            },
        }
    }

    /// The dialler gives up on an unanswered dial.
    pub fn give_up(&mut self) {
        self.state = State::Done;
    }

    fn index(&self, side: Side) -> usize {
        usize::from(side != self.dialler)
    }

    /// `side`'s address on this connection.
    pub fn addr(&self, side: Side) -> SocketAddr {
        self.ends[self.index(side)].addr
    }

    /// `len` bytes from `side` (one segment, `len` at most the MSS).
    pub fn send(&mut self, side: Side, len: usize, last: bool) -> Segment {
        let mut seg = self.ack_from(side);
        seg.flags.psh = last;
        let me = self.index(side);
        self.ends[me].next = self.ends[me].next.wrapping_add(len as u32);
        seg
    }

    /// A bare `ACK` from `side` of everything received so far.
    pub fn ack_from(&self, side: Side) -> Segment {
        let (me, peer) = (self.index(side), 1 - self.index(side));
        Segment {
            src: self.ends[me].addr,
            dst: self.ends[peer].addr,
            seq: self.ends[me].next,
            ack: self.ends[peer].next,
            flags: Flags {
                ack: true,
                ..Flags::default()
            },
        }
    }

    /// `side` closes: its `FIN`, the peer's `FIN` (acknowledging it), and
    /// the last `ACK`.
    pub fn close(&mut self, side: Side) -> [Segment; 3] {
        let fin = |c: &mut Connection, s: Side| {
            let mut seg = c.ack_from(s);
            seg.flags.fin = true;
            let me = c.index(s);
            c.ends[me].next = c.ends[me].next.wrapping_add(1);
            seg
        };
        let first = fin(self, side);
        let second = fin(self, side.peer());
        self.state = State::Done;
        [first, second, self.ack_from(side)]
    }
}

/// The Ethernet frame of `seg` carrying `payload`, into `out`.
pub fn frame(out: &mut Vec<u8>, seg: &Segment, payload: &[u8]) -> Result<(), String> {
    out.clear();
    let mut tcp = TcpHeader::new(seg.src.port(), seg.dst.port(), seg.seq, WINDOW);
    tcp.acknowledgment_number = seg.ack;
    tcp.syn = seg.flags.syn;
    tcp.ack = seg.flags.ack;
    tcp.psh = seg.flags.psh;
    tcp.fin = seg.flags.fin;
    tcp.rst = seg.flags.rst;
    if seg.flags.syn {
        let mss = u16::try_from(mss(seg.src)).unwrap_or(u16::MAX);
        tcp.set_options(&[TcpOptionElement::MaximumSegmentSize(mss)])
            .map_err(|e| e.to_string())?;
    }
    let link = PacketBuilder::ethernet2([0; 6], [0; 6]);
    let ip = match (canonical(seg.src.ip()), canonical(seg.dst.ip())) {
        (IpAddr::V4(s), IpAddr::V4(d)) => link.ipv4(s.octets(), d.octets(), 64),
        (s, d) => link.ipv6(v6(s), v6(d), 64),
    };
    ip.tcp_header(tcp)
        .write_to_vec(out, payload)
        .map_err(|e| e.to_string())
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v) => v.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn v6(ip: IpAddr) -> [u8; 16] {
    match ip {
        IpAddr::V4(v) => v.to_ipv6_mapped().octets(),
        IpAddr::V6(v) => v.octets(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn sequence_numbers_add_up_through_a_whole_connection() {
        let (c, s) = (addr("127.0.0.2:40000"), addr("127.0.0.3:2121"));
        let mut conn = Connection::dial(Side::Client, c, s, 0.0, 1000);
        let syn = conn.syn();
        let [synack, ack] = conn.handshake();
        assert_eq!(synack.ack, syn.seq + 1);
        assert_eq!((ack.seq, ack.ack), (syn.seq + 1, synack.seq + 1));
        let data = conn.send(Side::Server, 80, true);
        assert_eq!((data.src, data.seq), (s, synack.seq + 1));
        let acked = conn.ack_from(Side::Client);
        assert_eq!(acked.ack, data.seq + 80);
        let [fin, fin2, last] = conn.close(Side::Server);
        assert_eq!(fin.seq, data.seq + 80);
        assert_eq!(fin2.ack, fin.seq + 1);
        assert_eq!(last.ack, fin2.seq + 1);
        assert!(!conn.open());
    }

    #[test]
    fn an_unanswered_syn_is_resent_as_the_kernel_does() {
        let mut conn = Connection::dial(
            Side::Server,
            addr("127.0.0.3:2120"),
            addr("127.0.0.2:50000"),
            10.0,
            7,
        );
        assert!(conn.retries_due(10.9).is_empty());
        let due: Vec<f64> = conn.retries_due(13.5).iter().map(|(t, _)| *t).collect();
        assert_eq!(due, vec![11.0, 12.0, 13.0]);
        assert!(conn.retries_due(13.5).is_empty(), "each is sent once");
        // Ten seconds hold seven SYNs: the first and six retries.
        let due = conn.retries_due(20.0).len();
        assert_eq!(1 + 3 + due, 7);
    }

    #[test]
    fn frames_parse_back_with_their_addresses() {
        let mut conn = Connection::dial(
            Side::Client,
            addr("[::1]:40000"),
            addr("[::1]:2121"),
            0.0,
            1,
        );
        let mut out = Vec::new();
        frame(&mut out, &conn.syn(), &[]).unwrap();
        let parsed = etherparse::SlicedPacket::from_ethernet(&out).unwrap();
        assert!(matches!(parsed.net, Some(etherparse::NetSlice::Ipv6(_))));
        drop(parsed);
        conn.handshake();
        let seg = conn.send(Side::Client, 6, true);
        frame(&mut out, &seg, b"USER\r\n").unwrap();
        let parsed = etherparse::SlicedPacket::from_ethernet(&out).unwrap();
        match parsed.transport {
            Some(etherparse::TransportSlice::Tcp(tcp)) => {
                assert_eq!(tcp.destination_port(), 2121);
                assert_eq!(tcp.payload(), b"USER\r\n");
            }
            other => panic!("not TCP: {other:?}"),
        }
    }
}
