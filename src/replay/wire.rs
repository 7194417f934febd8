//! Capturing from an interface: the packets as they cross the wire, with
//! no capture library.
//!
//! Linux hands every frame of an interface to a *packet socket*
//! (`AF_PACKET`, `SOCK_RAW`: the frame with its link-layer header, as
//! tcpdump sees it). Copying every frame up to a program would cost a
//! 1 Gbit/s transfer dearly, so the socket carries a **classic BPF filter**:
//! a tiny program the kernel runs on each frame before copying it, here the
//! one `tcpdump -dd tcp` compiles (IPv4 or IPv6 carrying TCP), behind a
//! check of the interface index (a packet socket hears every interface) and,
//! on loopback, of the packet's direction (each frame passes there twice).
//!
//! The frames are turned into a pcap stream (a file header, then a record
//! per frame, timestamped when it was read) that the replay reads as it
//! would read `tcpdump -w -`: so `watch` and `replay -` are the same code
//! after this module. When the socket's queue overflows the kernel drops
//! frames; it counts them (`PACKET_STATISTICS`), and so does this module,
//! so that a trace with holes says why.
//!
//! One `read` of the stream gives every frame already waiting in the
//! socket's queue, and those that come within [`GATHER`] (1 ms) of the
//! first, as many as the caller's buffer holds: a fast link costs a system
//! call per frame but not a hand-over to the parsing thread per frame. The
//! socket waits at most [`LOOK_EVERY`] for a frame, so the drop count stays
//! current on a quiet link and [`Wire::stopper`] ends the stream (as the end
//! of a file ends a capture) within that time, the count read one last
//! time.
//!
//! With `--record`, every frame read is also written to a pcapng file as
//! it comes: what `watch` saw, for Wireshark or a later `replay`.
//!
//! A packet socket needs `CAP_NET_RAW` (root has it).

use crate::capture_writer::pcapng::{Header, Pcapng};
use socket2::{Domain, Protocol, SockFilter, Socket, Type};
use std::fs::File;
use std::io::{self, BufWriter, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Every protocol (`ETH_P_ALL`): the filter chooses.
const ETH_P_ALL: u16 = 0x0003;
const SOL_PACKET: i32 = 263;
const PACKET_STATISTICS: i32 = 6;
/// Ancillary loads of classic BPF: the interface index, the packet type.
const SKF_AD_IFINDEX: u32 = 0xffff_f000 + 8;
const SKF_AD_PKTTYPE: u32 = 0xffff_f000 + 4;
const PACKET_OUTGOING: u32 = 4;
/// Frames read and thrown away at the start, at most: those queued before
/// the filter was in place (a busy link never lets the queue run dry).
const QUEUED_BEFORE: usize = 256;
/// The socket's receive queue, in bytes.
const RECV_BUFFER: usize = 64 << 20;
/// Bytes of a frame kept (the filter's accept value).
const SNAPLEN: u32 = 262_144;
/// The longest wait for a frame before the drop count and the stopper are
/// looked at.
pub const LOOK_EVERY: Duration = Duration::from_millis(100);
/// Once a read has a frame, how long it waits for more before it gives
/// what it has: each read wakes the thread that parses, and a wake-up per
/// frame, at 80 000 frames a second, costs more than the frames.
const GATHER: Duration = Duration::from_millis(1);

/// Why capturing could not start.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("no interface called {0} (see `ip link`)")]
    NoInterface(String),
    #[error(
        "capturing from {0} needs CAP_NET_RAW: run it as root (sudo ftpviz watch {0}), give the \
         program the capability (sudo setcap cap_net_raw+ep \"$(command -v ftpviz)\"), or pipe a \
         capture in: sudo tcpdump -i {0} -U -w - tcp | ftpviz replay -"
    )]
    NotPermitted(String),
    #[error("cannot capture from {0}: {1}")]
    Socket(String, io::Error),
}

/// The kernel filter: this interface, TCP over IPv4 or IPv6, and on
/// loopback only one of each frame's two passages.
fn filter(ifindex: u32, loopback: bool) -> Vec<SockFilter> {
    let f = SockFilter::new;
    // tcpdump -dd tcp (Ethernet), ending in accept (n-2) and drop (n-1).
    let tcp = [
        f(0x28, 0, 0, 12),      // ldh [12]: ethertype
        f(0x15, 0, 5, 0x86dd),  // IPv6?
        f(0x30, 0, 0, 20),      // ldb [20]: next header
        f(0x15, 6, 0, 6),       // TCP: accept
        f(0x15, 0, 6, 44),      // a fragment header?
        f(0x30, 0, 0, 54),      // ldb [54]: its next header
        f(0x15, 3, 4, 6),       // TCP: accept, else drop
        f(0x15, 0, 3, 0x0800),  // IPv4?
        f(0x30, 0, 0, 23),      // ldb [23]: protocol
        f(0x15, 0, 1, 6),       // TCP?
        f(0x06, 0, 0, SNAPLEN), // accept
        f(0x06, 0, 0, 0),       // drop
    ];
    let mut prog = vec![
        f(0x20, 0, 0, SKF_AD_IFINDEX), // ld ifindex
    ];
    // Jumps count from the next instruction; the drop is the last one.
    let head = if loopback { 4 } else { 2 };
    let to_drop = |at: usize| (head + tcp.len() - 1 - at - 1) as u8;
    prog.push(f(0x15, 0, to_drop(1), ifindex));
    if loopback {
        prog.push(f(0x20, 0, 0, SKF_AD_PKTTYPE)); // ld pkttype
        prog.push(f(0x15, to_drop(3), 0, PACKET_OUTGOING));
    }
    prog.extend(tcp);
    prog
}

/// An interface's index and whether it is a loopback (`/sys/class/net`).
fn interface(name: &str) -> Result<(u32, bool), WireError> {
    let no = || WireError::NoInterface(name.to_string());
    if name.is_empty() || name.contains('/') || name.starts_with('.') {
        return Err(no());
    }
    let dir = std::path::Path::new("/sys/class/net").join(name);
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).map_err(|_| no());
    let index = read("ifindex")?.trim().parse().map_err(|_| no())?;
    let loopback = read("type")?.trim() == "772"; // ARPHRD_LOOPBACK
    Ok((index, loopback))
}

/// An interface's frames as a pcap byte stream.
pub struct Wire {
    socket: Socket,
    /// What is left of the bytes made from the last frame.
    out: Vec<u8>,
    at: usize,
    frame: Vec<u8>,
    /// Frames the kernel dropped so far, and frames read.
    pub drops: Arc<AtomicU64>,
    pub frames: Arc<AtomicU64>,
    /// Set to end the stream (see [`Wire::stopper`]).
    stop: Arc<AtomicBool>,
    /// A failure met after some frames were given out: told next time.
    failed: Option<io::Error>,
    /// When the kernel's drop count was last read.
    looked: Instant,
    /// `--record`: every frame also saved, as pcapng.
    record: Option<Pcapng<BufWriter<File>>>,
}

impl Wire {
    /// Starts capturing TCP on `name`.
    pub fn open(name: &str) -> Result<Wire, WireError> {
        let (index, loopback) = interface(name)?;
        let proto = Protocol::from(i32::from(ETH_P_ALL.to_be()));
        let socket = Socket::new(Domain::PACKET, Type::RAW, Some(proto)).map_err(|e| {
            if e.kind() == io::ErrorKind::PermissionDenied {
                WireError::NotPermitted(name.to_string())
            } else {
                WireError::Socket(name.to_string(), e)
            }
        })?;
        let failed = |e| WireError::Socket(name.to_string(), e);
        socket
            .attach_filter(&filter(index, loopback))
            .map_err(failed)?;
        // The default queue (about 200 KiB) holds a handful of the 64 KiB
        // frames a fast transfer makes with segmentation offload: ask for
        // 64 MiB (root may pass the system's rmem_max; others get that).
        if rustix::net::sockopt::set_socket_recv_buffer_size_force(&socket, RECV_BUFFER).is_err() {
            let _ = socket.set_recv_buffer_size(RECV_BUFFER);
        }
        // Frames queued before the filter was attached may be anyone's.
        socket.set_nonblocking(true).map_err(failed)?;
        let mut scrap = vec![0u8; 65_536];
        for _ in 0..QUEUED_BEFORE {
            if (&socket).read(&mut scrap).is_err() {
                break;
            }
        }
        socket.set_nonblocking(false).map_err(failed)?;
        socket.set_read_timeout(Some(LOOK_EVERY)).map_err(failed)?;
        let mut header = Vec::with_capacity(24);
        header.extend(0xa1b2_3c4d_u32.to_le_bytes()); // pcap, nanoseconds
        header.extend(2u16.to_le_bytes());
        header.extend(4u16.to_le_bytes());
        header.extend([0; 8]);
        header.extend(SNAPLEN.to_le_bytes());
        header.extend(1u32.to_le_bytes()); // Ethernet (loopback's too)
        let _ = kernel_drops(&socket); // counting starts now
        Ok(Wire {
            socket,
            out: header,
            at: 0,
            frame: vec![0u8; SNAPLEN as usize],
            drops: Arc::new(AtomicU64::new(0)),
            frames: Arc::new(AtomicU64::new(0)),
            stop: Arc::default(),
            failed: None,
            looked: Instant::now(),
            record: None,
        })
    }

    /// Saves every frame from now on into a pcapng file at `path` (what was
    /// seen, as Wireshark reads it), flushed as the frames come.
    pub fn record(&mut self, path: &Path, iface: &str) -> io::Result<()> {
        let file = BufWriter::new(File::create(path)?);
        let header = Header {
            application: concat!("ftpviz ", env!("CARGO_PKG_VERSION"), " watch"),
            comment: "captured by ftpviz watch (TCP only)",
            interface: iface,
            interface_description: "the interface ftpviz watch captured from",
        };
        let mut pcapng = Pcapng::start(file, &header)?;
        pcapng.flush()?;
        self.record = Some(pcapng);
        Ok(())
    }

    /// Setting it ends the stream within [`LOOK_EVERY`]: the frames read
    /// so far are given out, the kernel's drop count is read a last time,
    /// then `read` gives 0 (the end, as of a file).
    pub fn stopper(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    /// Reads the next frame into `out` as a pcap record: `false` when none
    /// is waiting (`wait` false) or the stream was stopped.
    fn next_frame(&mut self, wait: bool) -> io::Result<bool> {
        use rustix::net::RecvFlags;
        let flags = if wait {
            RecvFlags::empty()
        } else {
            RecvFlags::DONTWAIT
        };
        if wait && self.stop.load(Ordering::Relaxed) {
            self.look(); // the last count
            return Ok(false);
        }
        let n = loop {
            match rustix::net::recv(&self.socket, &mut self.frame[..], flags) {
                Ok((n, _)) => break n,
                Err(rustix::io::Errno::INTR) => {}
                Err(rustix::io::Errno::AGAIN) => {
                    if wait {
                        self.look();
                    }
                    if !wait || self.stop.load(Ordering::Relaxed) {
                        return Ok(false);
                    }
                }
                Err(e) => return Err(e.into()),
            }
        };
        self.frame_read(n)?;
        Ok(true)
    }

    /// The `n` bytes of the frame just read, as a pcap record in `out`
    /// (and in the recording).
    fn frame_read(&mut self, n: usize) -> io::Result<()> {
        let ns = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        self.out.clear();
        self.at = 0;
        let len = n as u32;
        for w in [
            (ns / 1_000_000_000) as u32,
            (ns % 1_000_000_000) as u32,
            len,
            len,
        ] {
            self.out.extend(w.to_le_bytes());
        }
        self.out.extend_from_slice(&self.frame[..n]);
        if let Some(r) = &mut self.record {
            // The recording is what was seen: a frame it cannot keep is
            // an error the reader must know of.
            r.packet(ns / 1000, &self.frame[..n], None)?;
        }
        let frames = self.frames.fetch_add(1, Ordering::Relaxed) + 1;
        // The kernel's count, every 1024 frames and at least every second.
        if frames.is_multiple_of(1024) || self.looked.elapsed() >= Duration::from_secs(1) {
            self.look();
        }
        Ok(())
    }

    /// Whether a frame is waiting, or comes within `wait`.
    fn readable_within(&self, wait: Duration) -> bool {
        use rustix::event::{poll, PollFd, PollFlags, Timespec};
        let mut fds = [PollFd::new(&self.socket, PollFlags::IN)];
        let wait = Timespec {
            tv_sec: 0,
            tv_nsec: wait.subsec_nanos().into(),
        };
        poll(&mut fds, Some(&wait)).is_ok_and(|ready| ready > 0)
    }

    /// Adds the kernel's drops since the last look to the count.
    fn look(&mut self) {
        self.looked = Instant::now();
        if let Some(d) = kernel_drops(&self.socket) {
            self.drops.fetch_add(d, Ordering::Relaxed);
        }
    }
}

impl Read for Wire {
    /// Waits for a frame, then gives it with every frame queued behind it
    /// or arriving within [`GATHER`], as far as `buf` holds them (a record
    /// cut at its end goes on in the next `read`).
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.gather(buf)?;
        // The recording is flushed once a read, not once a frame: every
        // read ends before the socket is waited on again, so the file
        // holds each frame given out by then.
        if let Some(Err(e)) = self.record.as_mut().map(|r| r.flush()) {
            if n == 0 {
                return Err(e);
            }
            self.failed = Some(e);
        }
        Ok(n)
    }
}

impl Wire {
    /// [`Read::read`] without the recording's flush.
    fn gather(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let mut n = 0;
        // When this read's first frame came.
        let mut first: Option<Instant> = None;
        loop {
            let k = (buf.len() - n).min(self.out.len() - self.at);
            buf[n..n + k].copy_from_slice(&self.out[self.at..self.at + k]);
            self.at += k;
            n += k;
            if n == buf.len() {
                return Ok(n);
            }
            match self.next_frame(n == 0) {
                Ok(true) => {
                    first.get_or_insert_with(Instant::now);
                }
                Ok(false) => {
                    let left = first.map_or(Duration::ZERO, |t| GATHER.saturating_sub(t.elapsed()));
                    if left.is_zero() || !self.readable_within(left) {
                        return Ok(n);
                    }
                }
                Err(e) if n == 0 => return Err(e),
                Err(e) => {
                    self.failed = Some(e);
                    return Ok(n);
                }
            }
        }
    }
}

/// Frames the kernel dropped on this socket since the last look (reading
/// the statistics resets them).
fn kernel_drops(socket: &Socket) -> Option<u64> {
    use std::os::fd::AsRawFd;
    // struct tpacket_stats { unsigned int tp_packets, tp_drops; }
    let mut stats = [0u32; 2];
    let mut len = std::mem::size_of_val(&stats) as libc::socklen_t;
    // SAFETY: `stats` is a valid, writable buffer of `len` bytes that lives
    // across the call, and `len` says so; the socket's descriptor is open
    // (borrowed from `socket`). The kernel writes at most `len` bytes.
    let r = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            SOL_PACKET,
            PACKET_STATISTICS,
            stats.as_mut_ptr().cast(),
            &mut len,
        )
    };
    (r == 0).then_some(u64::from(stats[1]))
}
