//! The network: the one place where ftpviz opens connections.
//!
//! Every dial — the client's control connection, the server's active data
//! connection, the client's passive one — goes through [`Network::dial`], so
//! three rules hold everywhere, with no exception to forget:
//!
//! 1. **The tap sees the SYN leave.** `connect` is recorded just before the
//!    kernel sends it, `accept` when the handshake ends, `fail` when it never
//!    does (RST → `refused`, silence → `timeout`).
//! 2. **The middlebox judges it first.** A simulated firewall or NAT
//!    ([`Middlebox::dial`]) may drop the SYN. Then nothing is sent at all;
//!    the dialler waits a shortened timeout (really: vsftpd's own 60 s timer
//!    in active mode, the client's kernel giving up after about 134 s in
//!    passive mode) and records `fail` with `reason: blocked` and `by`. A
//!    NAT may instead refuse it (an RST from the router, for a port it does
//!    not forward): `fail` with `reason: refused` and `by`, at once.
//! 3. **Only loopback.** A dial to an address outside 127.0.0.0/8 or ::1 is
//!    refused here, before `connect()` is ever called: a simulated private
//!    address (a NAT's 10.0.0.3) must never reach the real network. The
//!    one exception is `serve --classroom` ([`Network::classroom`]): there
//!    an active-mode dial may go back to the client that asked for it — the
//!    address its own control connection comes from, and nowhere else
//!    ([`Network::dial_back`]).
//!
//! Control lines cross the middlebox too ([`Network::relay`]); with no
//! middlebox, both hooks cost one branch.

use crate::middlebox::{narration, Middlebox, Relayed, Verdict};
use crate::tap::Recorder;
use crate::trace::{FailReason, Side, Via};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpSocket, TcpStream};

/// How long a dial blocked by the simulated middlebox waits before it gives
/// up. Really, an unanswered active dial ends with the server's own timer
/// (vsftpd: 425 after 60 s) and a passive one with the client's kernel
/// (about 134 s on Linux); the lab shortens that so a lesson stays
/// watchable, and says so ([`narration::blocked_wait`]).
pub const BLOCKED_WAIT: Duration = Duration::from_secs(3);

/// How long a dial that gets no answer at all may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// True for 127.0.0.0/8, ::1 and ::ffff:127.x.y.z: the loopback guard.
pub use crate::middlebox::on_this_machine as is_loopback;

/// A socket bound to its source address, ready to dial.
pub struct Bound {
    socket: TcpSocket,
    /// The source address the SYN will carry.
    pub src: SocketAddr,
    /// Set when the wished-for source port could not be had.
    pub note: Option<String>,
}

/// A dial that did not become a connection (already recorded as `fail`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason:?}: {note}")]
pub struct DialFailed {
    pub reason: FailReason,
    pub note: String,
}

/// The dialler of a lab or of `serve`: the middlebox between the peers (if
/// any) and the loopback guard.
#[derive(Clone, Default)]
pub struct Network {
    middlebox: Option<Arc<Mutex<Middlebox>>>,
    /// Active-mode dials may go back to a client off loopback.
    classroom: bool,
}

impl Network {
    /// No middlebox: what the kernel does is what happens.
    pub fn direct() -> Network {
        Network::default()
    }

    /// `serve --classroom`: no middlebox, and an active-mode dial may go
    /// back to its client off loopback (see [`Network::dial_back`]).
    pub fn classroom() -> Network {
        Network {
            classroom: true,
            ..Network::default()
        }
    }

    /// True when a dial to `dst`, on behalf of the client whose control
    /// connection comes from `peer`, is allowed at all: loopback always;
    /// off loopback only in the classroom, and only back to `peer` itself.
    pub fn may_reach(&self, dst: SocketAddr, peer: IpAddr) -> bool {
        let dst = dst.ip().to_canonical();
        is_loopback(dst) || (self.classroom && dst == peer.to_canonical())
    }

    /// Every dial and control line passes `middlebox` first.
    pub fn with_middlebox(middlebox: Middlebox) -> Network {
        if middlebox.is_transparent() {
            return Network::direct();
        }
        Network {
            middlebox: Some(Arc::new(Mutex::new(middlebox))),
            classroom: false,
        }
    }

    /// Binds a socket for a dial from `local`. With `reuse`, SO_REUSEADDR
    /// lets the server dial from its control port − 1 again and again (the
    /// old connections linger in TIME_WAIT). When the port cannot be had,
    /// the kernel picks one and the note says so.
    pub fn bind(&self, local: SocketAddr, reuse: bool) -> io::Result<Bound> {
        let fresh = || match local {
            SocketAddr::V4(_) => TcpSocket::new_v4(),
            SocketAddr::V6(_) => TcpSocket::new_v6(),
        };
        let socket = fresh()?;
        socket.set_reuseaddr(reuse)?;
        let (socket, note) = match socket.bind(local) {
            Ok(()) => (socket, None),
            Err(e) if local.port() != 0 => {
                let socket = fresh()?;
                socket.bind(SocketAddr::new(local.ip(), 0))?;
                let note = format!(
                    "could not bind source port {} ({e}); dialled from an ephemeral port instead",
                    local.port()
                );
                (socket, Some(note))
            }
            Err(e) => return Err(e),
        };
        let src = socket.local_addr()?;
        Ok(Bound { socket, src, note })
    }

    /// Dials `dst` from a bound socket, recording `connect` and then
    /// `accept` or `fail` on `conn` with `rec`.
    pub async fn dial(
        &self,
        bound: Bound,
        dst: SocketAddr,
        rec: &Recorder,
        conn: u32,
        via: Option<Via>,
    ) -> Result<TcpStream, DialFailed> {
        self.dial_for(bound, dst, None, rec, conn, via).await
    }

    /// The server's active-mode dial to `dst` for the client whose control
    /// connection comes from `peer`: as [`Network::dial`], except that in
    /// the classroom `dst` may be `peer` off loopback.
    pub async fn dial_back(
        &self,
        bound: Bound,
        dst: SocketAddr,
        peer: IpAddr,
        rec: &Recorder,
        conn: u32,
        via: Option<Via>,
    ) -> Result<TcpStream, DialFailed> {
        self.dial_for(bound, dst, Some(peer), rec, conn, via).await
    }

    async fn dial_for(
        &self,
        bound: Bound,
        dst: SocketAddr,
        peer: Option<IpAddr>,
        rec: &Recorder,
        conn: u32,
        via: Option<Via>,
    ) -> Result<TcpStream, DialFailed> {
        let Bound { socket, src, note } = bound;
        let from = rec.side();
        rec.connect(conn, src, dst, via, note);
        match self.judge(from, src, dst) {
            Some(Verdict::Drop { by, note }) => {
                drop(socket);
                tokio::time::sleep(BLOCKED_WAIT).await;
                let note = format!("{note}; {}", narration::blocked_wait(BLOCKED_WAIT, from));
                rec.fail(conn, FailReason::Blocked, Some(by), Some(note.clone()));
                return Err(DialFailed {
                    reason: FailReason::Blocked,
                    note,
                });
            }
            Some(Verdict::Refuse { by, note }) => {
                drop(socket);
                rec.fail(conn, FailReason::Refused, Some(by), Some(note.clone()));
                return Err(DialFailed {
                    reason: FailReason::Refused,
                    note,
                });
            }
            Some(Verdict::Pass) | None => {}
        }
        let reachable = match peer {
            Some(peer) => self.may_reach(dst, peer),
            None => is_loopback(dst.ip()),
        };
        if !reachable {
            let note = if self.classroom {
                format!("{dst} is not this client's own address: ftpviz dials only back to it")
            } else {
                format!("{dst} is not a loopback address: ftpviz never dials outside this machine")
            };
            rec.fail(conn, FailReason::Refused, None, Some(note.clone()));
            return Err(DialFailed {
                reason: FailReason::Refused,
                note,
            });
        }
        match tokio::time::timeout(CONNECT_TIMEOUT, socket.connect(dst)).await {
            Ok(Ok(stream)) => {
                let _ = stream.set_nodelay(true);
                rec.accept(conn);
                Ok(stream)
            }
            Ok(Err(e)) => {
                let reason = match e.kind() {
                    io::ErrorKind::TimedOut => FailReason::Timeout,
                    io::ErrorKind::ConnectionReset => FailReason::Reset,
                    _ => FailReason::Refused,
                };
                let note = e.to_string();
                rec.fail(conn, reason, None, Some(note.clone()));
                Err(DialFailed { reason, note })
            }
            Err(_) => {
                let note = format!("no answer within {} s", CONNECT_TIMEOUT.as_secs());
                rec.fail(conn, FailReason::Timeout, None, Some(note.clone()));
                Err(DialFailed {
                    reason: FailReason::Timeout,
                    note,
                })
            }
        }
    }

    fn judge(&self, from: Side, src: SocketAddr, dst: SocketAddr) -> Option<Verdict> {
        let middlebox = self.middlebox.as_ref()?;
        let mut mb = middlebox.lock().unwrap_or_else(|p| p.into_inner());
        Some(mb.dial(from, src, dst))
    }

    /// The address `side` writes into PORT/EPRT/227 for a listener at
    /// `listening`: behind a simulated NAT, the private address it believes
    /// it has ([`Middlebox::announce`]); otherwise `listening` itself. Only
    /// ever written into a line, never given to a socket.
    pub fn announce(&self, side: Side, listening: SocketAddr) -> SocketAddr {
        match &self.middlebox {
            None => listening,
            Some(middlebox) => {
                let mb = middlebox.lock().unwrap_or_else(|p| p.into_inner());
                mb.announce(side, listening)
            }
        }
    }

    /// One control line from `from` crossing to the other side.
    pub fn relay(&self, from: Side, line: &str, inside_tls: bool) -> Relayed {
        match &self.middlebox {
            None => Relayed {
                line: line.to_string(),
                note: None,
            },
            Some(middlebox) => {
                let mut mb = middlebox.lock().unwrap_or_else(|p| p.into_inner());
                mb.relay(from, line, inside_tls)
            }
        }
    }
}

/// The server's control listener on `addr`, with room for `backlog`
/// pending dials. SO_REUSEADDR lets a new server (the next lab, a restarted
/// `serve`) take the port while the last one's connections still sit in
/// TIME_WAIT.
pub fn control_listener(addr: SocketAddr, backlog: u32) -> io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(backlog)
}

/// A listening socket for one data connection (the client's in active mode,
/// the server's in passive mode), on a free port of `ip` from the system's
/// ephemeral range.
///
/// The side that closes a TCP connection first keeps its port in TIME_WAIT
/// for a minute, and a server in passive mode closes first (the end of the
/// file is its FIN). Asked for "any port" (port 0), the kernel skips every
/// port in TIME_WAIT, SO_REUSEADDR or not — so a server that sends
/// thousands of files a minute runs out of ports (EADDRINUSE). Like
/// vsftpd, we pick the port ourselves, at random, and bind it with
/// SO_REUSEADDR, which a port in TIME_WAIT admits (one that is in use is
/// still refused, and we try another).
pub fn listen(ip: IpAddr) -> io::Result<TcpListener> {
    let (low, high) = ephemeral_range();
    let span = u64::from(high.saturating_sub(low)) + 1;
    for _ in 0..PORT_TRIES {
        let port = low.saturating_add(u16::try_from(random() % span).unwrap_or(0));
        match listen_on(SocketAddr::new(ip, port)) {
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => continue,
            done => return done,
        }
    }
    listen_on(SocketAddr::new(ip, 0))
}

/// Random ports tried before leaving the choice to the kernel.
const PORT_TRIES: usize = 32;

fn listen_on(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(4)
}

/// The system's ephemeral port range (Linux says it in /proc; elsewhere
/// the IANA dynamic range, 49152–65535).
fn ephemeral_range() -> (u16, u16) {
    static RANGE: std::sync::OnceLock<(u16, u16)> = std::sync::OnceLock::new();
    *RANGE.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
            .ok()
            .and_then(|text| {
                let mut it = text.split_whitespace().map(|n| n.parse::<u16>().ok());
                match (it.next()??, it.next()??) {
                    (low, high) if 0 < low && low <= high => Some((low, high)),
                    _ => None,
                }
            })
            .unwrap_or((49152, 65535))
    })
}

/// A random number for a port choice (not for secrets: a passive port is
/// guarded by who may connect to it, not by being hard to guess).
fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    h.finish()
}

/// Why no data connection arrived on a listener.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AcceptError {
    /// Nobody (allowed) came; `stranger` says who was turned away.
    #[error("no data connection within {secs} s{}", stranger.as_ref().map(|s| format!("; {s}")).unwrap_or_default())]
    Timeout { secs: u64, stranger: Option<String> },
    #[error("accept failed: {0}")]
    Io(String),
}

/// Waits up to `wait` for the one data connection a listener is for, and
/// records it with `rec` (its dialler's record wins when there is one).
/// Only `allowed` may connect: anyone else is dropped with a note — on a
/// shared machine a stranger could otherwise steal the file (RFC 2577).
pub async fn accept_from(
    listener: TcpListener,
    allowed: IpAddr,
    rec: Recorder,
    via: Option<Via>,
    wait: Duration,
) -> Result<(TcpStream, u32), AcceptError> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut stranger: Option<String> = None;
    let accepted = tokio::time::timeout_at(
        deadline,
        accept_allowed(&listener, allowed, &rec, via, &mut stranger),
    )
    .await;
    match accepted {
        Err(_) => Err(AcceptError::Timeout {
            secs: wait.as_secs(),
            stranger,
        }),
        Ok(accepted) => accepted,
    }
}

/// Accepts the first dial from `allowed` on `listener` and records it;
/// strangers are dropped, the last one named in `stranger`. Cancel-safe:
/// nothing is recorded until a connection is in hand, and nothing awaits
/// after that.
pub async fn accept_allowed(
    listener: &TcpListener,
    allowed: IpAddr,
    rec: &Recorder,
    via: Option<Via>,
    stranger: &mut Option<String>,
) -> Result<(TcpStream, u32), AcceptError> {
    let local = listener
        .local_addr()
        .map_err(|e| AcceptError::Io(e.to_string()))?;
    loop {
        let (stream, peer) = listener
            .accept()
            .await
            .map_err(|e| AcceptError::Io(e.to_string()))?;
        if peer.ip().to_canonical() == allowed.to_canonical() {
            let _ = stream.set_nodelay(true);
            let conn = rec.data_accepted(local, peer, via, None);
            return Ok((stream, conn));
        }
        // What the sockets saw goes into the trace: another host's
        // connection to this session's port, accepted by the kernel and
        // closed at once.
        let note = format!(
            "dropped a connection from {peer}: only the control peer {allowed} may use this port"
        );
        let said = format!(
            "{peer} is not this session's client ({allowed}): the server closed this \
             connection at once, since only the control peer may use its port"
        );
        let conn = rec.data_accepted(local, peer, via, Some(said));
        drop(stream);
        rec.close(conn, rec.side());
        tracing::warn!("{note}");
        *stranger = Some(note);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tap::{Scope, Tap};
    use crate::trace::Kind;

    #[tokio::test]
    async fn a_dial_off_loopback_never_reaches_connect() {
        let (tap, mut events) = Tap::new();
        let net = Network::direct();
        let bound = net.bind("127.0.0.1:0".parse().unwrap(), false).unwrap();
        // TEST-NET-1 (RFC 5737): documentation only, routed nowhere.
        let dst: SocketAddr = "192.0.2.1:21".parse().unwrap();
        let rec = tap.dial_control(Side::Client, Scope::Alone, bound.src, dst);
        let err = net.dial(bound, dst, &rec, 0, None).await.unwrap_err();
        assert_eq!(err.reason, FailReason::Refused);
        assert!(matches!(
            events.recv().await.unwrap().kind,
            Kind::Connect { .. }
        ));
        let fail = events.recv().await.unwrap();
        assert!(matches!(
            fail.kind,
            Kind::Fail {
                reason: FailReason::Refused,
                by: None
            }
        ));
        assert!(fail.note.unwrap().contains("not a loopback address"));
    }

    #[tokio::test]
    async fn a_busy_source_port_falls_back_to_an_ephemeral_one_with_a_note() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let bound = Network::direct()
            .bind(SocketAddr::from(([127, 0, 0, 1], port)), false)
            .unwrap();
        assert_ne!(bound.src.port(), port);
        assert!(bound.note.unwrap().contains(&port.to_string()));
    }

    #[test]
    fn only_the_classroom_dials_a_client_back_off_loopback() {
        let student: IpAddr = "10.99.7.2".parse().unwrap();
        let to = |a: &str| -> SocketAddr { a.parse().unwrap() };
        let plain = Network::direct();
        let class = Network::classroom();
        assert!(plain.may_reach(to("127.0.0.2:50000"), student));
        assert!(!plain.may_reach(to("10.99.7.2:50000"), student));
        assert!(class.may_reach(to("10.99.7.2:50000"), student));
        // A dual-stack listener sees the student as ::ffff:10.99.7.2.
        let mapped: IpAddr = "::ffff:10.99.7.2".parse().unwrap();
        assert!(class.may_reach(to("10.99.7.2:50000"), mapped));
        // Never a third host, classroom or not.
        assert!(!class.may_reach(to("10.99.7.3:50000"), student));
        assert!(!class.may_reach(to("192.0.2.1:21"), student));
    }

    #[test]
    fn loopback_is_127_8_and_1_128() {
        assert!(is_loopback("127.9.9.9".parse().unwrap()));
        assert!(is_loopback("::1".parse().unwrap()));
        assert!(is_loopback("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!is_loopback("10.0.0.2".parse().unwrap()));
        assert!(!is_loopback("::ffff:10.0.0.2".parse().unwrap()));
    }
}
