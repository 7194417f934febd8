//! A TCP connection as the tracker sees it.
//!
//! Each live connection remembers who dialled it (the sender of the SYN),
//! whether the dial is still waiting for its SYN-ACK, which sides have sent
//! FIN, its two byte streams ([`Stream`], one per direction), and its
//! *role* in the FTP story: the control connection (or a candidate for
//! one), a data connection of some session, or nothing we care about.
//!
//! A data connection's payload is only counted. Reporting every segment
//! would turn a 1 GB transfer into 700 000 events; instead the count is
//! reported as a `data` event at the first bytes, then at most once per
//! half second of capture time, and once more before the close, so the sum
//! of a connection's `data` events is exact and the trace stays small.

use crate::replay::segment::Segment;
use crate::replay::tcp::{Delivery, Stream};
use crate::trace::{Event, Kind, Side};
use std::net::SocketAddr;

/// Data events of one connection are at most this far apart (capture time).
pub const SLICE_NS: u64 = 500_000_000;

/// What a data connection needs to report itself.
#[derive(Debug)]
pub struct DataConn {
    pub session: u32,
    pub conn: u32,
    /// The FTP side that dialled.
    pub dialler: Side,
    /// Bytes counted but not yet reported, per TCP direction.
    pub pending: [u64; 2],
    pub last_report: Option<u64>,
}

/// What a connection is in the FTP story.
#[derive(Debug)]
pub enum Role {
    /// A control connection or a candidate: its session's id.
    Control(u64),
    Data(DataConn),
    Ignored,
}

/// One live TCP connection.
#[derive(Debug)]
pub struct Conn {
    /// The TCP initiator (sender of the SYN).
    pub initiator: SocketAddr,
    /// SYNs sent and the time of the last; `None` once answered.
    pub dialling: Option<(u32, u64)>,
    pub fin: [bool; 2],
    pub closed: bool,
    pub failed: bool,
    /// [initiator → responder, responder → initiator].
    pub streams: [Stream; 2],
    pub role: Role,
    pub last_ns: u64,
}

impl Conn {
    /// Counts a data connection's payload in direction `dir`; true when a
    /// `data` event is due (the first bytes, or half a second since the last).
    pub fn count(&mut self, dir: usize, seg: &Segment<'_>, ns: u64) -> bool {
        let Role::Data(d) = &mut self.role else {
            return false;
        };
        let mut n = 0;
        self.streams[dir].segment(seg.seq, seg.len, &[], &mut |x| {
            if let Delivery::Count(k) = x {
                n += k;
            }
        });
        d.pending[dir] += n;
        n > 0
            && d.last_report
                .is_none_or(|last| ns.saturating_sub(last) >= SLICE_NS)
    }

    /// The counted, unreported bytes of direction `dir` as a `data` event
    /// at time `t` (none if there are none).
    pub fn report(&mut self, dir: usize, ns: u64, t: f64) -> Option<Event> {
        let Role::Data(d) = &mut self.role else {
            return None;
        };
        let bytes = std::mem::take(d.pending.get_mut(dir)?);
        if bytes == 0 {
            return None;
        }
        d.last_report = Some(ns);
        let from = if dir == 0 {
            d.dialler
        } else {
            d.dialler.peer()
        };
        Some(Event::new(t, d.session, d.conn, from, Kind::Data { bytes }))
    }
}
