//! The capture writer: a run of the lab or of `serve`, saved as a pcapng
//! file that Wireshark and tshark dissect as FTP and FTP-DATA.
//!
//! The students' next tool is Wireshark, so a run they watched here should
//! open there as the packets it was. ftpviz does not sniff the loopback
//! (that needs privileges); it knows what its sockets did, event by event,
//! and rebuilds the packets from that, the way they would have crossed the
//! wire:
//!
//! - every `connect` becomes a SYN from the real source address and port
//!   to the real destination, every `accept` the `SYN, ACK` and `ACK`
//!   ([`tcp`] keeps the sequence and acknowledgement numbers adding up);
//! - every `command` becomes one segment from the client, the line with
//!   its CRLF; every `reply` one segment from the server, each of its lines
//!   ending in CRLF (RFC 959 §4.2);
//! - every `data` event becomes segments carrying *the real bytes* (the
//!   meters hand them over, see [`crate::tap::payload`]), each
//!   acknowledged;
//! - every `close` becomes the closer's `FIN`, the peer's `FIN` and the
//!   last `ACK`;
//! - a dial that died (`fail`) shows as the SYN sent again and again with
//!   no answer, spaced as Linux spaces them, for as long as the trace says
//!   the dialler waited — or, when refused, answered by `RST`.
//!
//! The packets that start a teaching moment — every SYN, a failed dial,
//! `PORT`/`EPRT`, `227`/`229` and the transfer commands — carry the
//! narration as a packet comment, so the story told on screen is there in
//! Wireshark's `frame.comment`. The words are [`crate::narration`]'s.
//!
//! A connection inside TLS is not rebuilt from lines: the run's own TLS
//! bytes are written instead, with the keys in the file (`sealed`).
//!
//! Writing streams: each event's packets go to the file as the event comes,
//! and the file is whole after every event. What is kept in memory is one
//! TCP state per open connection and the last few hundred events of each
//! open session (for the narration), so the cost is bounded by what is open,
//! not by the run's length or its bytes. A `recording` is a writer that
//! says its first failure once and lets the run go on.

pub mod pcapng;
mod recording;
mod sealed;
pub mod tcp;

pub use recording::Recording;

use crate::account::Account;
use crate::narration::{self, Between, Ours};
use crate::trace::{Event, FailMark, FailReason, Kind, Side};
use pcapng::{Header, Pcapng};
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};
use tcp::{Connection, Segment};

/// Why a capture could not be written.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("cannot create {path}: {source}")]
    Create {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("cannot write the capture: {0}")]
    Write(#[from] io::Error),
    #[error("cannot build a packet: {0}")]
    Packet(String),
}

/// What a finished capture holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    pub packets: u64,
    pub comments: u64,
    /// Control ports other than 21, where Wireshark does not look for FTP
    /// unless told ("Decode As").
    pub ftp_ports: BTreeSet<u16>,
    /// Source ports of the servers' active-mode dials other than 20, which
    /// Wireshark links to their `PORT` only when they come from port 20.
    pub ftp_data_ports: BTreeSet<u16>,
}

impl Written {
    /// tshark's `-d` arguments that make it read this capture as FTP and
    /// FTP-DATA (Wireshark: Analyze › Decode As…). Empty when the run used
    /// ports 21 and 20.
    pub fn decode_as(&self) -> Vec<String> {
        let ftp = self.ftp_ports.iter().map(|p| format!("tcp.port=={p},ftp"));
        let data = (self.ftp_data_ports.iter()).map(|p| format!("tcp.port=={p},ftp-data"));
        ftp.chain(data).collect()
    }
}

/// Events of one session kept for the narration: its control dial (the
/// narration's anchor) and the most recent ones.
#[derive(Default)]
struct History {
    dial: Option<Event>,
    recent: VecDeque<Event>,
}

/// Events of a session remembered for the narration, at most.
const HISTORY: usize = 256;

/// The longest comment written (Wireshark shows far less in its columns).
const COMMENT_MAX: usize = 4000;

/// Stand-ins for bytes that were not kept, one segment's worth.
static ZEROS: [u8; 65_536] = [0; 65_536];

/// What the file's header says of a capture written while the run happens
/// (or from the bytes it kept): everything but TCP's bookkeeping is real.
pub const FROM_THE_RUN: &str = "Written by ftpviz from what its own sockets did: addresses, \
    ports, commands, replies and data bytes are the run's own; the TCP handshakes, sequence \
    numbers and ACKs are rebuilt from them. Packet comments hold ftpviz's narration of each \
    teaching moment.";

/// A capture being written.
pub struct CaptureWriter<W: Write = BufWriter<File>> {
    file: Pcapng<W>,
    /// Each connection's TCP state, by (session, conn).
    conns: HashMap<(u32, u32), Connection>,
    history: HashMap<u32, History>,
    /// Microseconds since 1970 of the trace's `t = 0`, fixed by the first
    /// event (or beforehand by [`CaptureWriter::start_clock`]).
    epoch: Option<f64>,
    /// What stood between the peers of each session, when known (the
    /// lab's: both peers are ours).
    between: HashMap<u32, Between>,
    /// Whose peers the sessions with no middlebox named are.
    peers: Ours,
    last_micros: u64,
    frame: Vec<u8>,
    written: Written,
    /// The wire log's bytes and closes waiting ([`sealed`]).
    sealed: sealed::Sealed,
}

impl CaptureWriter {
    /// Creates (or truncates) `path` and writes the file's header.
    pub fn create(path: &Path) -> Result<CaptureWriter, CaptureError> {
        let create = |source| CaptureError::Create {
            path: path.display().to_string(),
            source,
        };
        let file = File::create(path).map_err(create)?;
        CaptureWriter::new(BufWriter::with_capacity(1 << 16, file))
    }
}

impl<W: Write> CaptureWriter<W> {
    /// A capture of a run written to `out`, its header saying so
    /// ([`FROM_THE_RUN`]).
    pub fn new(out: W) -> Result<CaptureWriter<W>, CaptureError> {
        CaptureWriter::described(out, FROM_THE_RUN)
    }

    /// A capture written to `out` whose header says `comment` of where its
    /// packets came from.
    pub fn described(out: W, comment: &str) -> Result<CaptureWriter<W>, CaptureError> {
        let application = concat!("ftpviz ", env!("CARGO_PKG_VERSION"));
        let header = Header {
            application,
            comment,
            interface: "ftpviz",
            interface_description: "the run's connections on loopback, as ftpviz saw them",
        };
        Ok(CaptureWriter {
            file: Pcapng::start(out, &header)?,
            conns: HashMap::new(),
            history: HashMap::new(),
            epoch: None,
            between: HashMap::new(),
            peers: Ours::NONE,
            last_micros: 0,
            frame: Vec::new(),
            written: Written::default(),
            sealed: sealed::Sealed::default(),
        })
    }

    /// Dates the trace's `t = 0` at `micros` since 1970, for events written
    /// after they happened (a run saved from the screen). Without it the
    /// first event is taken to happen as it is written. Once the first
    /// event is written, the clock is fixed.
    pub fn start_clock(&mut self, micros: f64) {
        self.epoch.get_or_insert(micros);
    }

    /// Says what stands between the peers of `session` (the lab's
    /// middlebox), so that its comments speak of it as the screen does
    /// ([`narration::narrate_between`]). Call it before the session's
    /// first event.
    pub fn between(&mut self, session: u32, between: Between) {
        self.between.insert(session, between);
    }

    /// Says whose peers the sessions are (`serve`: our server; a replay:
    /// nobody's), so that the comments speak of what is still to come only
    /// as ftpviz's own peers' behaviour. A session given a middlebox
    /// ([`CaptureWriter::between`]) is the lab's: both peers are ours.
    pub fn peers(&mut self, ours: Ours) {
        self.peers = ours;
    }

    /// Writes the packets of one event. `payload` is the bytes of a `data`
    /// event (see [`crate::tap::Payloads`]); where it is missing or short,
    /// zero bytes stand in and the packet's comment says so.
    pub fn event(&mut self, event: &Event, payload: Option<&[u8]>) -> Result<(), CaptureError> {
        self.epoch
            .get_or_insert_with(|| now_micros() - event.t * 1e6);
        let key = (event.session, event.conn);
        // A failing dial sends its own last retransmissions, with the comment.
        let failing = matches!(event.kind, Kind::Fail { .. }).then_some(key);
        self.resend_unanswered(event.t, failing)?;
        let mut comment = teaching_moment(event).then(|| self.narrate(event));
        if let (Some(said), Some(hint)) = (&mut comment, self.port_hint(event)) {
            said.push(' ');
            said.push_str(&hint);
        }
        self.remember(event);
        if self.sealed_before(event, &mut comment)? {
            self.file.flush()?;
            return Ok(());
        }
        let t = event.t;
        match &event.kind {
            Kind::Connect { src, dst, .. } => {
                if self
                    .conns
                    .get(&key)
                    .is_some_and(|c| c.dialling() || c.open())
                {
                    return Ok(());
                }
                let isn = initial_sequence(event.session, event.conn);
                let conn = Connection::dial(event.from, *src, *dst, t, isn);
                let syn = conn.syn();
                self.conns.insert(key, conn);
                self.put(t, &syn, &[], comment.as_deref())?;
            }
            Kind::Accept => {
                if let Some(conn) = self.conns.get_mut(&key).filter(|c| c.dialling()) {
                    let segs = conn.handshake();
                    self.put_all(t, &segs, None)?;
                }
            }
            Kind::Fail { reason, by } => {
                let mark = FailMark {
                    reason: *reason,
                    by: *by,
                };
                self.fail(key, mark, t, comment)?
            }
            Kind::Command { text, .. } => {
                let line = format!("{text}\r\n");
                self.send(key, Side::Client, line.as_bytes(), 0, t, comment)?;
            }
            Kind::Reply { text, .. } => {
                let mut lines = String::with_capacity(text.len() + 8);
                for line in text.split('\n') {
                    lines.push_str(line);
                    lines.push_str("\r\n");
                }
                self.send(key, Side::Server, lines.as_bytes(), 0, t, comment)?;
            }
            Kind::Data { bytes } => {
                let want = usize::try_from(*bytes).unwrap_or(usize::MAX);
                let got = payload.unwrap_or_default();
                let got = got.get(..want).unwrap_or(got);
                let missing = want - got.len();
                let note = (missing > 0).then(|| {
                    format!("ftpviz did not keep {missing} of these {want} bytes: zero bytes stand in for them.")
                });
                self.send(key, event.from, got, missing, t, note.or(comment))?;
            }
            Kind::Close => self.close(key, event.from, t)?,
        }
        self.file.flush()?;
        Ok(())
    }

    /// Flushes the file and says what it holds.
    pub fn finish(mut self) -> Result<Written, CaptureError> {
        self.sealed_end()?;
        self.file.into_inner()?;
        Ok(self.written)
    }

    /// `from` closed connection `key`: its FINs; a connection that is over
    /// is forgotten (a control connection with its session).
    fn close(&mut self, key: (u32, u32), from: Side, t: f64) -> Result<(), CaptureError> {
        if let Some(mut conn) = self.conns.remove(&key) {
            if conn.dialling() {
                conn.handshake();
            }
            if conn.open() {
                let segs = conn.close(from);
                self.put_all(t, &segs, None)?;
            }
        }
        if key.1 == 0 {
            self.forget(key.0);
        }
        Ok(())
    }

    /// What has been written so far.
    pub fn written(&self) -> &Written {
        &self.written
    }

    /// Where Wireshark will not recognise a dial on its own, the comment
    /// says how to make it (and the port is noted for [`Written::decode_as`]).
    fn port_hint(&mut self, event: &Event) -> Option<String> {
        let Kind::Connect { src, dst, via } = &event.kind else {
            return None;
        };
        if event.conn == 0 && dst.port() != 21 {
            let port = dst.port();
            self.written.ftp_ports.insert(port);
            return Some(format!(
                "Wireshark looks for FTP on port 21 only: to read this connection as FTP, \
                 use Decode As… TCP port {port} → FTP (tshark -d tcp.port=={port},ftp)."
            ));
        }
        if via.is_some_and(|v| v.is_active()) && src.port() != 20 {
            let port = src.port();
            self.written.ftp_data_ports.insert(port);
            return Some(format!(
                "Wireshark expects the server's active-mode dials to come from port 20 \
                 (control port 21 − 1); this one comes from {port}: Decode As… TCP port \
                 {port} → FTP-DATA (tshark -d tcp.port=={port},ftp-data)."
            ));
        }
        None
    }

    /// Sends `bytes` and then `zeros` zero bytes from `side` on a
    /// connection, one segment per MSS, each acknowledged. A connection
    /// whose handshake the trace skipped is completed first; one never
    /// dialled or already closed gets nothing.
    fn send(
        &mut self,
        key: (u32, u32),
        side: Side,
        bytes: &[u8],
        zeros: usize,
        t: f64,
        mut comment: Option<String>,
    ) -> Result<(), CaptureError> {
        let Some(conn) = self.conns.get_mut(&key) else {
            return Ok(());
        };
        if conn.dialling() {
            let segs = conn.handshake();
            self.put_all(t, &segs, None)?;
        }
        let Some(conn) = self.conns.get(&key).filter(|c| c.open()) else {
            return Ok(());
        };
        let mss = tcp::mss(conn.addr(side)).min(ZEROS.len());
        let count = bytes.len().div_ceil(mss) + zeros.div_ceil(mss);
        let zero_pieces = (0..zeros.div_ceil(mss)).map(|i| {
            let len = (zeros - i * mss).min(mss);
            ZEROS.get(..len).unwrap_or_default()
        });
        for (i, piece) in bytes.chunks(mss).chain(zero_pieces).enumerate() {
            let Some(conn) = self.conns.get_mut(&key) else {
                break;
            };
            let seg = conn.send(side, piece.len(), i + 1 == count);
            let ack = conn.ack_from(side.peer());
            self.put(t, &seg, piece, comment.take().as_deref())?;
            self.put(t, &ack, &[], None)?;
        }
        Ok(())
    }

    /// A dial that never became a connection: the retransmissions due by
    /// now (the last carries the narration), or the listener's `RST`.
    fn fail(
        &mut self,
        key: (u32, u32),
        mark: FailMark,
        t: f64,
        comment: Option<String>,
    ) -> Result<(), CaptureError> {
        let Some(mut conn) = self.conns.remove(&key).filter(|c| c.dialling()) else {
            return Ok(());
        };
        // The reason and blocker, where replay can read them back.
        let marked = |said: Option<String>| {
            let said = said.map_or(String::new(), |s| s + "\n");
            said + &mark.written()
        };
        match mark.reason {
            FailReason::Refused | FailReason::Reset => {
                let rst = conn.refuse();
                self.put(t, &rst, &[], Some(&marked(comment)))
            }
            FailReason::Blocked | FailReason::Timeout => {
                let due = conn.retries_due(t);
                conn.give_up();
                // No packet marks the moment the dialler gave up: the last
                // SYN carries the comment, and says when that was.
                let last = due.len().saturating_sub(1);
                for (i, (at, syn)) in due.iter().enumerate() {
                    let said = (i == last).then(|| {
                        let when = format!(
                            " (The dialler gave up {:.1} s after this SYN, at +{t:.3} s.)",
                            t - at
                        );
                        marked(Some(comment.clone().unwrap_or_default() + &when))
                    });
                    self.put(*at, syn, &[], said.as_deref())?;
                }
                Ok(())
            }
        }
    }

    /// Every unanswered SYN whose retransmission time has come by `now`
    /// (but those of `except`).
    fn resend_unanswered(
        &mut self,
        now: f64,
        except: Option<(u32, u32)>,
    ) -> Result<(), CaptureError> {
        let mut due: Vec<(f64, Segment)> = self
            .conns
            .iter_mut()
            .filter(|(key, c)| c.dialling() && Some(**key) != except)
            .flat_map(|(_, c)| c.retries_due(now))
            .collect();
        due.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (at, syn) in due {
            self.put(at, &syn, &[], None)?;
        }
        Ok(())
    }

    fn put_all(
        &mut self,
        t: f64,
        segs: &[Segment],
        comment: Option<&str>,
    ) -> Result<(), CaptureError> {
        for (i, seg) in segs.iter().enumerate() {
            self.put(t, seg, &[], comment.filter(|_| i == 0))?;
        }
        Ok(())
    }

    /// Writes one packet at trace time `t`; time never runs backwards in
    /// the file.
    fn put(
        &mut self,
        t: f64,
        seg: &Segment,
        payload: &[u8],
        comment: Option<&str>,
    ) -> Result<(), CaptureError> {
        tcp::frame(&mut self.frame, seg, payload).map_err(CaptureError::Packet)?;
        let epoch = self.epoch.unwrap_or(0.0);
        let micros = (epoch + t * 1e6).max(0.0) as u64;
        let micros = micros.max(self.last_micros);
        self.last_micros = micros;
        self.file.packet(micros, &self.frame, comment)?;
        self.written.packets += 1;
        self.written.comments += u64::from(comment.is_some());
        Ok(())
    }

    /// The narration of `event`, as one comment.
    fn narrate(&self, event: &Event) -> String {
        let mut shown: Vec<Event> = Vec::new();
        if let Some(h) = self.history.get(&event.session) {
            shown.extend(h.dial.iter().cloned());
            shown.extend(h.recent.iter().cloned());
        }
        shown.push(event.clone());
        let between = self.between.get(&event.session).copied();
        let account = Account::of(&shown, false);
        let ctx = narration::Context {
            events: &shown,
            account: &account,
            between,
            ours: if between.is_some() {
                Ours::LAB
            } else {
                self.peers
            },
        };
        let n = narration::narrate_last(&ctx);
        let mut comment = format!("{} {}", n.headline, n.body);
        if comment.len() > COMMENT_MAX {
            let mut cut = COMMENT_MAX;
            while !comment.is_char_boundary(cut) {
                cut -= 1;
            }
            comment.truncate(cut);
        }
        comment
    }

    fn remember(&mut self, event: &Event) {
        let h = self.history.entry(event.session).or_default();
        if event.conn == 0 && matches!(event.kind, Kind::Connect { .. }) {
            h.dial = Some(event.clone());
            return;
        }
        if h.recent.len() == HISTORY {
            h.recent.pop_front();
        }
        h.recent.push_back(event.clone());
    }

    /// A session whose control connection closed: its state goes.
    fn forget(&mut self, session: u32) {
        self.history.remove(&session);
        self.between.remove(&session);
        self.conns.retain(|&(s, _), _| s != session);
    }
}

/// The events whose packet carries the narration: every dial and failed
/// dial, the announcements of a data address, and the transfer commands.
fn teaching_moment(event: &Event) -> bool {
    match &event.kind {
        Kind::Connect { .. } | Kind::Fail { .. } => true,
        Kind::Command { .. } => event
            .verb()
            .is_some_and(|v| v.transfer().is_some() || v.is_active_setup()),
        Kind::Reply { code, .. } => matches!(code, 227 | 229),
        _ => false,
    }
}

/// A connection's first sequence number: fixed by its place in the trace
/// (so the same trace gives the same file), spread over the 32-bit space
/// as a real stack's would be.
fn initial_sequence(session: u32, conn: u32) -> u32 {
    let mut x = u64::from(session) << 32 | u64::from(conn);
    // splitmix64's finaliser.
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (x ^ (x >> 31)) as u32
}

/// Now, in microseconds since 1970 (the capture's clock).
pub fn now_micros() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1e6)
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Blocker, Via};
    use pcap_parser::pcapng::Block;
    use pcap_parser::traits::PcapNGPacketBlock;
    use pcap_parser::{OptionCode, PcapBlockOwned, PcapNGSlice};

    /// (TCP flags byte, payload, comment) of every packet written.
    pub(super) fn packets(file: &[u8]) -> Vec<(u8, Vec<u8>, Option<String>)> {
        let mut out = Vec::new();
        for block in PcapNGSlice::from_slice(file).unwrap() {
            let PcapBlockOwned::NG(Block::EnhancedPacket(epb)) = block.unwrap() else {
                continue;
            };
            let frame = etherparse::SlicedPacket::from_ethernet(epb.packet_data()).unwrap();
            let Some(etherparse::TransportSlice::Tcp(tcp)) = frame.transport else {
                panic!("not TCP");
            };
            let comment = epb
                .options
                .iter()
                .find(|o| o.code == OptionCode::Comment)
                .map(|o| String::from_utf8(o.as_bytes().unwrap().to_vec()).unwrap());
            out.push((tcp.slice()[13], tcp.payload().to_vec(), comment));
        }
        out
    }

    pub(super) fn ev(t: f64, conn: u32, from: Side, kind: Kind) -> Event {
        Event::new(t, 1, conn, from, kind)
    }

    /// `from` dials `src` → `dst` at `t`.
    pub(super) fn dial(
        t: f64,
        conn: u32,
        from: Side,
        src: &str,
        dst: &str,
        via: Option<Via>,
    ) -> Event {
        let (src, dst) = (src.parse().unwrap(), dst.parse().unwrap());
        ev(t, conn, from, Kind::Connect { src, dst, via })
    }

    #[test]
    fn bytes_that_were_not_kept_stand_in_as_zeros_with_a_comment() {
        let (c, s) = ("127.0.0.2:40000", "127.0.0.3:2121");
        let mut w = CaptureWriter::new(Vec::new()).unwrap();
        let events = [
            dial(0.0, 0, Side::Client, c, s, None),
            ev(0.1, 0, Side::Client, Kind::Accept),
            dial(
                0.2,
                1,
                Side::Client,
                "127.0.0.2:40001",
                "127.0.0.3:50000",
                Some(Via::Pasv),
            ),
            ev(0.3, 1, Side::Client, Kind::Accept),
            ev(0.4, 1, Side::Server, Kind::Data { bytes: 5 }),
            ev(0.5, 1, Side::Server, Kind::Close),
        ];
        for e in &events {
            let payload = matches!(e.kind, Kind::Data { .. }).then_some(&b"ab"[..]);
            w.event(e, payload).unwrap();
        }
        let written = w.written().clone();
        let file = w.file.into_inner().unwrap();
        let all = packets(&file);
        assert_eq!(written.packets as usize, all.len());
        let data: Vec<_> = all.iter().filter(|p| !p.1.is_empty()).collect();
        assert_eq!(
            data.iter().flat_map(|p| p.1.clone()).collect::<Vec<u8>>(),
            b"ab\0\0\0"
        );
        let said = data[0].2.as_deref().unwrap_or_default();
        assert!(said.contains("did not keep 3 of these 5 bytes"), "{said}");
        assert_eq!(
            written.ftp_ports.into_iter().collect::<Vec<_>>(),
            vec![2121]
        );
    }

    #[test]
    fn a_refused_dial_is_answered_by_rst_and_a_blocked_one_by_silence() {
        let (c, s) = ("127.0.0.2:40000", "127.0.0.3:21");
        let (src, dst, via) = ("127.0.0.3:20", "127.0.0.2:50000", Some(Via::Port));
        let mut w = CaptureWriter::new(Vec::new()).unwrap();
        let blocked = Kind::Fail {
            reason: FailReason::Blocked,
            by: Some(Blocker::ClientFirewall),
        };
        let refused = Kind::Fail {
            reason: FailReason::Refused,
            by: None,
        };
        let events = [
            dial(0.0, 0, Side::Client, c, s, None),
            ev(0.0, 0, Side::Client, Kind::Accept),
            dial(1.0, 1, Side::Server, src, dst, via),
            ev(4.5, 1, Side::Server, blocked),
            dial(5.0, 2, Side::Server, src, dst, via),
            ev(5.0, 2, Side::Server, refused),
        ];
        for e in &events {
            w.event(e, None).unwrap();
        }
        assert!(
            w.written().decode_as().is_empty(),
            "ports 21 and 20 need no hint"
        );
        let flags: Vec<u8> = packets(&w.file.into_inner().unwrap())
            .iter()
            .map(|p| p.0)
            .collect();
        const SYN: u8 = 0x02;
        const RST_ACK: u8 = 0x14;
        const SYN_ACK: u8 = 0x12;
        const ACK: u8 = 0x10;
        // Control handshake; the blocked SYN at 1 s, again at 2, 3 and 4 s
        // (the kernel's linear retries); the refused SYN and its RST.
        assert_eq!(
            flags,
            vec![SYN, SYN_ACK, ACK, SYN, SYN, SYN, SYN, SYN, RST_ACK]
        );
    }
}
