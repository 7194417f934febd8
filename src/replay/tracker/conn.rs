//! One tracked TCP connection: its handshake, its two byte streams, and
//! what it is to FTP.
//!
//! TCP names a connection by its two endpoints, and each direction is its
//! own byte stream with its own sequence numbers, so an entry keeps two
//! [`Stream`]s: `[initiator → responder, responder → initiator]`. A TCP
//! direction (`dir`, 0 or 1) is turned into an FTP side only through the
//! connection's [`Role`]: on a control connection the initiator is always
//! the client; on a data connection it is whoever dialled (the server in
//! active mode, the client in passive mode).
//!
//! A data connection's payload is never kept, only counted: the counts
//! gather in `pending` and leave as a `data` event at most every
//! [`SLICE_NS`] of capture time: two events a second of transfer, however
//! many bytes it moves.

use crate::replay::segment::Segment;
use crate::replay::tcp::{Delivery, Stream};
use crate::trace::Side;
use std::net::SocketAddr;

/// Data events of one connection are at most this far apart (capture time).
pub(super) const SLICE_NS: u64 = 500_000_000;

/// What a data connection is: whose, which, dialled by whom, and its
/// counts not yet reported.
#[derive(Debug)]
pub(super) struct DataConn {
    pub(super) session: u32,
    pub(super) conn: u32,
    /// The FTP side that dialled.
    pub(super) dialler: Side,
    /// Bytes counted but not yet reported, per TCP direction.
    pub(super) pending: [u64; 2],
    /// Capture time of the last `data` event.
    pub(super) last_report: Option<u64>,
}

/// What a connection is to FTP.
#[derive(Debug)]
pub(super) enum Role {
    /// A control connection or a candidate: its session's id.
    Control(u64),
    /// A data connection linked to its session.
    Data(DataConn),
    /// Not FTP: its packets are only looked up and dropped.
    Ignored,
}

/// One entry of the tracker's table, from its first segment to its end.
#[derive(Debug)]
pub(super) struct Conn {
    /// The TCP initiator (sender of the SYN).
    pub(super) initiator: SocketAddr,
    /// SYNs sent and the time of the last; `None` once answered.
    pub(super) dialling: Option<(u32, u64)>,
    /// A FIN seen, per TCP direction.
    pub(super) fin: [bool; 2],
    /// `close` is in the trace.
    pub(super) closed: bool,
    /// `fail` is in the trace: the dial never became a connection.
    pub(super) failed: bool,
    /// [initiator → responder, responder → initiator].
    pub(super) streams: [Stream; 2],
    pub(super) role: Role,
    /// Capture time of its last segment.
    pub(super) last_ns: u64,
}

impl DataConn {
    /// Who sent in TCP direction `dir` (0: the dialler's).
    pub(super) fn side(&self, dir: usize) -> Side {
        if dir == 0 {
            self.dialler
        } else {
            self.dialler.peer()
        }
    }
}

/// Who sent in TCP direction `dir` of a control connection (0: the client,
/// who dialled).
pub(super) fn control_side(dir: usize) -> Side {
    if dir == 0 {
        Side::Client
    } else {
        Side::Server
    }
}

impl Conn {
    /// Counts a data connection's payload in direction `dir`; true when a
    /// `data` event is due (the first bytes, or half a second since the last).
    pub(super) fn count(&mut self, dir: usize, seg: &Segment<'_>, ns: u64) -> bool {
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
}
