//! A TCP connection as the tracker sees it.
//!
//! Each live connection remembers who dialled it (the sender of the SYN),
//! whether the dial is still waiting for its SYN-ACK, which sides have sent
//! FIN, its two byte streams ([`Stream`], one per direction), and its
//! *role* in the FTP story: the control connection (or a candidate for
//! one), a data connection of some session, a dial whose role its first
//! bytes will tell, or nothing we care about.
//!
//! A data connection's payload is only counted. Reporting every segment
//! would turn a 1 GB transfer into 700 000 events; instead the count is
//! reported as a `data` event at the first bytes, then at most once per
//! half second of capture time, whenever its session's control connection
//! says something (so bytes that came before a `226` are shown before it),
//! and once more before the close. Each `data` event carries the time its
//! last bytes were captured, and the sum of a connection's events is exact.

use crate::replay::endpoints::Endpoint;
use crate::replay::linking::Dial;
use crate::replay::segment::Segment;
use crate::replay::sink::Sink;
use crate::replay::tcp::{Delivery, Stream};
use crate::trace::{Event, Kind, Side};
use std::net::SocketAddr;

/// Which end of a connection sent a segment: the one that dialled it (the
/// sender of the SYN, or of a control connection joined mid-way, the FTP
/// client) or the one that was dialled. Not an FTP [`Side`]: the server
/// dials an active data connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Initiator,
    Responder,
}

impl End {
    pub const BOTH: [End; 2] = [End::Initiator, End::Responder];

    /// The end of a connection dialled by `initiator` that `src` is.
    #[inline]
    pub fn of(initiator: &SocketAddr, src: Endpoint) -> End {
        if src.is(initiator) {
            End::Initiator
        } else {
            End::Responder
        }
    }

    /// The other end.
    pub fn other(self) -> End {
        match self {
            End::Initiator => End::Responder,
            End::Responder => End::Initiator,
        }
    }

    /// Where this end's half is in a pair kept per direction: `[from the
    /// initiator, from the responder]`.
    pub fn index(self) -> usize {
        match self {
            End::Initiator => 0,
            End::Responder => 1,
        }
    }

    /// The FTP side speaking from this end, when `dialler` dialled.
    pub fn side(self, dialler: Side) -> Side {
        match self {
            End::Initiator => dialler,
            End::Responder => dialler.peer(),
        }
    }
}

/// Data events of one connection are at most this far apart (capture time).
pub const SLICE_NS: u64 = 500_000_000;

/// The note of a data event that counts plain text read inside TLS.
const PLAIN: &str = "the plain text inside TLS records, decrypted with the capture's keys";

/// What a data connection needs to report itself.
#[derive(Debug)]
pub struct DataConn {
    pub session: u32,
    pub conn: u32,
    /// The FTP side that dialled.
    pub dialler: Side,
    /// Bytes counted but not yet reported, per direction ([`End::index`]).
    pub pending: [u64; 2],
    pub last_report: Option<u64>,
    /// When the last counted bytes were captured.
    pub last_ns: u64,
    /// Listed among the connections with unreported bytes.
    pub listed: bool,
    /// Its TLS, read with the reading's keys (a session whose control
    /// connection was decrypted): its bytes are counted as plain text.
    pub tls: Option<Box<crate::replay::decryption::Protected>>,
}

/// A dial whose role waits for its first bytes: an unannounced SYN between
/// the hosts of a session that waits for data could be that data, or a new
/// control connection (whose server greets with `220`).
#[derive(Debug)]
pub struct Undecided {
    pub dial: Dial,
    /// When the SYN was captured.
    pub syn_ns: u64,
    /// Events about the connection itself, held until the role is known:
    /// (time, the end it is from, kind, note).
    pub held: Vec<(u64, End, Kind, Option<String>)>,
}

/// What counting one segment asks of the tracker.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counted {
    /// A `data` event is due now.
    pub due: bool,
    /// The connection has unreported bytes and must be listed as such.
    pub list: bool,
}

/// What a connection is in the FTP story.
#[derive(Debug)]
pub enum Role {
    /// A control connection or a candidate: its session's id.
    Control(u64),
    Data(DataConn),
    Undecided(Undecided),
    Ignored,
}

/// One live TCP connection.
#[derive(Debug)]
pub struct Conn {
    /// The TCP initiator (sender of the SYN) and the responder.
    pub initiator: SocketAddr,
    pub responder: SocketAddr,
    /// SYNs sent and the time of the last; `None` once answered.
    pub dialling: Option<(u32, u64)>,
    /// The initiator's first sequence number + 1 (what a SYN-ACK acks),
    /// and when its first SYN was captured.
    pub isn1: Option<u32>,
    pub syn_ns: u64,
    pub fin: [bool; 2],
    pub closed: bool,
    pub failed: bool,
    /// [initiator → responder, responder → initiator].
    pub streams: [Stream; 2],
    pub role: Role,
    pub last_ns: u64,
    /// Said on the `accept` when the answer came from the far side of a NAT.
    pub translated: Option<String>,
    /// When an RST ended it: bytes captured after that were in flight.
    pub reset_ns: Option<u64>,
    /// The key of this connection's other name (NAT), if it has one.
    pub alias: Option<crate::replay::endpoints::Key>,
    /// Why its dial failed, as the comment of one of its SYNs says (a
    /// capture ftpviz wrote).
    pub told: Option<crate::trace::FailMark>,
}

impl Conn {
    /// Counts a data connection's payload sent from `end`. Says whether
    /// a `data` event is due (the first bytes, or half a second since the
    /// last) and whether the connection now has unreported bytes for the
    /// first time since it was last listed.
    pub fn count(&mut self, end: End, seg: &Segment<'_>, ns: u64, sink: &mut Sink) -> Counted {
        let Role::Data(d) = &mut self.role else {
            return Counted::default();
        };
        let mut n = 0;
        let mut failed = None;
        let payload = if d.tls.is_some() { seg.payload } else { &[] };
        let i = end.index();
        self.streams[i].segment(
            seg.seq,
            seg.len,
            payload,
            ns,
            &mut |x, _| match (x, &mut d.tls) {
                (Delivery::Count(k), tls) => {
                    n += k;
                    if let Some(why) = tls.as_mut().and_then(|t| t.lost(i)) {
                        failed = Some(why);
                    }
                }
                (Delivery::Bytes(b), Some(tls)) => n += tls.read(i, b, &sink.keys, &mut failed),
                (Delivery::Gap(_), Some(tls)) => failed = failed.take().or(tls.lost(i)),
                _ => {}
            },
        );
        if let Some(why) = failed {
            let from = end.side(d.dialler);
            sink.undecrypted.push((
                d.session,
                format!(
                    "data connection {}: TLS from the {from} could not be decrypted ({why}); \
                     the rest of its bytes are counted as they crossed, encrypted",
                    d.conn
                ),
            ));
        }
        if n == 0 {
            return Counted::default();
        }
        d.pending[end.index()] += n;
        d.last_ns = ns;
        let list = !std::mem::replace(&mut d.listed, true);
        let due = d
            .last_report
            .is_none_or(|last| ns.saturating_sub(last) >= SLICE_NS);
        Counted { due, list }
    }

    /// The counted, unreported bytes sent from `end` as a `data` event
    /// at time `t` (none if there are none).
    pub fn report(&mut self, end: End, t: f64) -> Option<Event> {
        let Role::Data(d) = &mut self.role else {
            return None;
        };
        let bytes = std::mem::take(&mut d.pending[end.index()]);
        if bytes == 0 {
            return None;
        }
        d.last_report = Some(d.last_ns);
        let from = end.side(d.dialler);
        let mut e = Event::new(t, d.session, d.conn, from, Kind::Data { bytes });
        if d.tls.as_ref().is_some_and(|p| p.decrypting(end.index())) {
            e.note = Some(PLAIN.into());
        }
        Some(e)
    }
}
