//! TCP reassembly: one direction of a connection, back in byte order.
//!
//! TCP numbers every byte it sends. A segment says "my payload starts at
//! sequence number `seq`"; the receiver puts bytes in order by that number.
//! A capture sees what the wire saw, which is not always tidy:
//!
//! - **retransmissions**: the same bytes sent again (already delivered:
//!   dropped here);
//! - **overlaps**: a segment that repeats some delivered bytes and adds new
//!   ones (only the new part is delivered);
//! - **out of order**: a later segment before an earlier one (kept until
//!   the hole before it fills);
//! - **gaps**: bytes the capture never saw. When too much is waiting, or the
//!   connection ends, the hole is *noted* (counted in [`Stream::missing`])
//!   and reading goes on after it. Nothing is invented to fill it.
//!
//! Sequence numbers are 32 bits and wrap around: after 4 294 967 295 comes
//! 0. Each number is read as the nearest point to where the stream is now
//! (a signed 32-bit difference), so a stream can run through the wrap, and
//! past 4 GiB, without noticing. That reading fails only when the capture
//! misses 2 GiB or more of one stream at once (a long capture drop in a
//! fast transfer): the number then comes round again and cannot say which
//! lap it is on. Time can: a stream that moved N bytes per second so far has
//! likely moved N × (time since its last segment) since, so after a long
//! silence the lap that lands nearest that estimate is taken. A segment
//! that starts exactly where the stream is, or repeats the last one seen,
//! is read as such whatever the time (an idle sender, a retransmission).
//!
//! A [`Stream`] either keeps payload (the control connection, whose bytes
//! become lines) or only counts it (data connections: a 1 GB transfer is a
//! number, not a buffer). Waiting segments are bounded either way.

/// At most this many out-of-order segments wait for a hole to fill.
const MAX_WAITING: usize = 256;
/// At most this many payload bytes wait (keeping streams only).
const MAX_WAITING_BYTES: usize = 256 * 1024;
/// One lap of the sequence space.
const LAP: i64 = 1 << 32;

/// What a segment added to the stream, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery<'a> {
    /// New bytes, in order (keeping streams).
    Bytes(&'a [u8]),
    /// This many new bytes (counting streams, or bytes the capture
    /// truncated in a keeping stream).
    Count(u64),
    /// This many bytes were never seen: a hole in the capture.
    Gap(u64),
    /// The bytes delivered next fill a hole that later bytes waited behind:
    /// the capture missed them at first and saw them sent again, this many
    /// nanoseconds after the first of the later bytes.
    Late(u64),
}

#[derive(Debug, Clone)]
struct Waiting {
    start: i64,
    end: i64,
    bytes: Option<Vec<u8>>,
    /// When the segment was captured.
    ns: u64,
}

/// One direction of a TCP connection.
#[derive(Debug, Clone, Default)]
pub struct Stream {
    /// The next sequence number expected, unwrapped (its low 32 bits are
    /// the real one). `None` until the first SYN or segment.
    next: Option<i64>,
    /// Where the stream started (unwrapped) and when its first segment came.
    origin: i64,
    first_ns: Option<u64>,
    /// The end of the furthest segment seen (unwrapped), the raw sequence
    /// number of the last segment, and its time.
    front: i64,
    last_seq: u32,
    last_ns: u64,
    waiting: Vec<Waiting>,
    waiting_bytes: usize,
    keep: bool,
    /// Bytes delivered so far.
    pub delivered: u64,
    /// Bytes skipped over as holes.
    pub missing: u64,
}

impl Stream {
    /// A stream whose payload is delivered as bytes.
    pub fn keeping() -> Stream {
        Stream {
            keep: true,
            ..Stream::default()
        }
    }

    /// A stream whose payload is only counted.
    pub fn counting() -> Stream {
        Stream::default()
    }

    /// Keeps payload from now on, or only counts it.
    pub fn set_keeping(&mut self, keep: bool) {
        self.keep = keep;
    }

    /// A SYN: the first data byte will be `seq + 1`.
    pub fn syn(&mut self, seq: u32) {
        if self.next.is_none() {
            self.start_at(i64::from(seq.wrapping_add(1)));
        }
    }

    fn start_at(&mut self, at: i64) {
        self.next = Some(at);
        self.origin = at;
        self.front = at;
    }

    /// Where a 32-bit sequence number captured at `ns` lies in the stream:
    /// nearest the furthest point seen, unless a long silence makes a later
    /// lap likelier (see the module's notes).
    fn place(&self, seq: u32, ns: u64) -> i64 {
        let d = i64::from(seq.wrapping_sub(self.front as u32) as i32);
        let near = self.front + d;
        let Some(first_ns) = self.first_ns else {
            return near;
        };
        let (elapsed, moved) = (
            self.last_ns.saturating_sub(first_ns),
            self.front - self.origin,
        );
        if d == 0 || seq == self.last_seq || elapsed == 0 || moved <= 0 {
            return near;
        }
        let silence = ns.saturating_sub(self.last_ns) as f64;
        let expected = moved as f64 * silence / elapsed as f64;
        if expected < (LAP / 2) as f64 {
            return near;
        }
        // Forward from the front: the offset within one lap, plus whole laps.
        let offset = d.rem_euclid(LAP);
        let laps = ((expected - offset as f64) / LAP as f64).round().max(0.0) as i64;
        self.front + offset + laps * LAP
    }

    /// A segment of `len` wire bytes starting at `seq`, captured at `ns`;
    /// `payload` is what the capture holds of it. New in-order bytes go to
    /// `out`.
    pub fn segment(
        &mut self,
        seq: u32,
        len: u32,
        payload: &[u8],
        ns: u64,
        out: &mut impl FnMut(Delivery, u64),
    ) {
        if len == 0 {
            return;
        }
        if self.next.is_none() {
            self.start_at(i64::from(seq));
        }
        let start = self.place(seq, ns);
        let end = start + i64::from(len);
        if self.first_ns.is_none() {
            self.first_ns = Some(ns);
        }
        self.front = self.front.max(end);
        self.last_seq = seq;
        self.last_ns = ns;
        let Some(next) = self.next else { return };
        if end <= next {
            return; // a retransmission of delivered bytes
        }
        if start > next {
            self.wait(start, end, payload, ns, out);
            return;
        }
        // Later bytes waited for these: they go out after them, in TCP's
        // order and at this time, not at the time they were captured.
        let ahead = self.waiting.iter().map(|w| w.ns).min();
        if let Some(first) = ahead {
            out(Delivery::Late(ns.saturating_sub(first)), ns);
        }
        self.deliver(start, end, payload, ns, out);
        self.drain(ahead.map(|_| ns), out);
    }

    /// Delivers `[start, end)` (captured at `ns`) beyond `next`, then moves
    /// `next` to `end`.
    fn deliver(
        &mut self,
        start: i64,
        end: i64,
        payload: &[u8],
        ns: u64,
        out: &mut impl FnMut(Delivery, u64),
    ) {
        let Some(next) = self.next else { return };
        let skip = (next - start).max(0) as usize;
        let fresh = (end - next).max(0) as u64;
        if fresh == 0 {
            return;
        }
        if self.keep {
            let bytes = payload.get(skip..).unwrap_or_default();
            let bytes = bytes
                .get(..(fresh as usize).min(bytes.len()))
                .unwrap_or_default();
            if !bytes.is_empty() {
                out(Delivery::Bytes(bytes), ns);
            }
            let lost = fresh - bytes.len() as u64;
            if lost > 0 {
                self.missing += lost;
                out(Delivery::Gap(lost), ns);
            }
        } else {
            out(Delivery::Count(fresh), ns);
        }
        self.delivered += fresh;
        self.next = Some(end);
    }

    /// Keeps an out-of-order segment, or gives up on the hole when too
    /// much is waiting.
    fn wait(
        &mut self,
        start: i64,
        end: i64,
        payload: &[u8],
        ns: u64,
        out: &mut impl FnMut(Delivery, u64),
    ) {
        let bytes = self.keep.then(|| payload.to_vec());
        self.waiting_bytes += bytes.as_ref().map_or(0, Vec::len);
        self.waiting.push(Waiting {
            start,
            end,
            bytes,
            ns,
        });
        if self.waiting.len() > MAX_WAITING || self.waiting_bytes > MAX_WAITING_BYTES {
            self.skip_hole(out);
        }
    }

    /// Jumps over the hole before the earliest waiting segment (the hole
    /// is told at the time that segment was captured).
    fn skip_hole(&mut self, out: &mut impl FnMut(Delivery, u64)) {
        let (Some(next), Some(first)) = (
            self.next,
            self.waiting
                .iter()
                .min_by_key(|w| w.start)
                .map(|w| (w.start, w.ns)),
        ) else {
            return;
        };
        let (first, ns) = first;
        if first > next {
            let hole = (first - next) as u64;
            self.missing += hole;
            out(Delivery::Gap(hole), ns);
            self.next = Some(first);
        }
        self.drain(None, out);
    }

    /// Delivers waiting segments that the stream has reached, at time
    /// `at` (a hole was filled then) or when each was captured.
    fn drain(&mut self, at: Option<u64>, out: &mut impl FnMut(Delivery, u64)) {
        while let Some(next) = self.next {
            let Some(i) = self.waiting.iter().position(|w| w.start <= next) else {
                return;
            };
            let w = self.waiting.swap_remove(i);
            self.waiting_bytes -= w.bytes.as_ref().map_or(0, Vec::len);
            if w.end > next {
                let bytes = w.bytes.as_deref().unwrap_or_default();
                self.deliver(w.start, w.end, bytes, at.unwrap_or(w.ns).max(w.ns), out);
            }
        }
    }

    /// When the earliest segment still waiting for a hole was captured.
    pub fn waiting_since(&self) -> Option<u64> {
        self.waiting.iter().map(|w| w.ns).min()
    }

    /// Whether out-of-order segments wait for a hole to fill.
    pub fn is_waiting(&self) -> bool {
        !self.waiting.is_empty()
    }

    /// The connection is over (or the hole is given up): whatever still
    /// waits is delivered, with its holes noted.
    pub fn finish(&mut self, out: &mut impl FnMut(Delivery, u64)) {
        while !self.waiting.is_empty() {
            self.skip_hole(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds segments `(seq, bytes)` and returns the delivered text, with
    /// `[gap N]` for holes.
    fn run(isn: u32, segs: &[(u32, &str)]) -> (String, Stream) {
        let mut s = Stream::keeping();
        s.syn(isn);
        let mut text = String::new();
        let mut out = |d: Delivery, _| match d {
            Delivery::Bytes(b) => text.push_str(std::str::from_utf8(b).unwrap()),
            Delivery::Count(n) | Delivery::Gap(n) => text.push_str(&format!("[gap {n}]")),
            Delivery::Late(_) => text.push_str("[late]"),
        };
        for (i, (seq, bytes)) in segs.iter().enumerate() {
            s.segment(
                *seq,
                bytes.len() as u32,
                bytes.as_bytes(),
                i as u64,
                &mut out,
            );
        }
        s.finish(&mut out);
        (text, s)
    }

    #[test]
    fn in_order_and_out_of_order_give_the_same_bytes() {
        let (a, _) = run(99, &[(100, "USER "), (105, "bob\r\n")]);
        let (b, _) = run(99, &[(105, "bob\r\n"), (100, "USER ")]);
        assert_eq!(a, "USER bob\r\n");
        assert_eq!(b, format!("[late]{a}"), "the repair is said");
    }

    #[test]
    fn retransmission_and_overlap_deliver_each_byte_once() {
        let (t, s) = run(
            0,
            &[(1, "RETR"), (1, "RETR"), (3, "TR a.txt"), (5, " a.txt\r\n")],
        );
        assert_eq!(t, "RETR a.txt\r\n");
        assert_eq!(s.delivered, 12);
    }

    #[test]
    fn sequence_numbers_wrap_around_2_to_the_32() {
        let isn = u32::MAX - 3; // first byte at MAX-2
        let (t, s) = run(isn, &[(u32::MAX - 2, "ABC"), (0, "DEF"), (3, "G")]);
        assert_eq!(t, "ABCDEFG");
        assert_eq!(s.delivered, 7);
        let (t, _) = run(isn, &[(0, "DEF"), (u32::MAX - 2, "ABC")]);
        assert_eq!(t, "[late]ABCDEF");
    }

    #[test]
    fn a_hole_is_noted_not_filled() {
        let (t, s) = run(0, &[(1, "AB"), (6, "FG")]);
        assert_eq!(t, "AB[gap 3]FG");
        assert_eq!((s.delivered, s.missing), (4, 3));
    }

    #[test]
    fn counting_streams_keep_no_bytes_and_stay_bounded() {
        let mut s = Stream::counting();
        s.syn(0);
        let mut total = 0;
        let mut gaps = 0;
        let mut out = |d: Delivery, _| match d {
            Delivery::Count(n) => total += n,
            Delivery::Gap(n) => gaps += n,
            Delivery::Bytes(_) => panic!("counting stream gave bytes"),
            Delivery::Late(_) => {}
        };
        // The first segment is lost; 1000 follow.
        for i in 1..1001u32 {
            s.segment(1 + i * 1000, 1000, &[], u64::from(i), &mut out);
            assert!(s.waiting.len() <= MAX_WAITING + 1);
        }
        s.finish(&mut out);
        assert_eq!(gaps, 1000);
        assert_eq!(total, 1_000_000);
    }

    /// A counting stream fed `(seq, len, ns)` segments: (bytes, holes).
    fn count(isn: u32, segs: &[(u32, u32, u64)]) -> (u64, u64) {
        let mut s = Stream::counting();
        s.syn(isn);
        let (mut total, mut gaps) = (0, 0);
        let mut out = |d: Delivery, _| match d {
            Delivery::Count(n) => total += n,
            Delivery::Gap(n) => gaps += n,
            Delivery::Bytes(_) | Delivery::Late(_) => {}
        };
        for &(seq, len, ns) in segs {
            s.segment(seq, len, &[], ns, &mut out);
        }
        s.finish(&mut out);
        (total, gaps)
    }

    #[test]
    fn a_capture_drop_longer_than_a_lap_is_measured_by_time() {
        // 1 GB/s: 64 KiB segments every 65.536 µs. The capture sees the
        // first second, misses the next 4.5 s, then sees one more second.
        const SEG: u32 = 1 << 16;
        let per_s = 1_000_000_000u64 / u64::from(SEG) * u64::from(SEG); // bytes in a second
        let mut segs = Vec::new();
        let mut seq = 1u32;
        let mut at = 0u64; // bytes sent so far
        let step_ns = u64::from(SEG) * 1_000_000_000 / per_s;
        let mut push = |seen: bool, segs: &mut Vec<(u32, u32, u64)>, n: u64| {
            for _ in 0..n {
                if seen {
                    segs.push((seq, SEG, at / u64::from(SEG) * step_ns));
                }
                seq = seq.wrapping_add(SEG);
                at += u64::from(SEG);
            }
        };
        let second = per_s / u64::from(SEG);
        push(true, &mut segs, second);
        push(false, &mut segs, second * 9 / 2);
        push(true, &mut segs, second);
        let (bytes, gaps) = count(0, &segs);
        assert_eq!(bytes, 2 * per_s);
        assert_eq!(
            gaps,
            per_s * 9 / 2,
            "the hole is 4.5 s of transfer, not modulo 2^32"
        );
    }

    #[test]
    fn a_drop_just_short_of_a_lap_is_not_taken_for_retransmissions() {
        // 3 segments short of 2^32 missing: read the nearest way they would
        // look like old bytes sent again.
        const SEG: u32 = 1 << 16;
        let lap_segs = (1u64 << 32) / u64::from(SEG);
        let mut segs = Vec::new();
        let ns = |i: u64| i * 65_536; // 1 GB/s
        for i in 0..20_000u64 {
            segs.push((1 + (i as u32) * SEG, SEG, ns(i)));
        }
        let resume = 20_000 + lap_segs - 3;
        for i in resume..resume + 100 {
            segs.push((1u32.wrapping_add((i as u32).wrapping_mul(SEG)), SEG, ns(i)));
        }
        let (bytes, gaps) = count(0, &segs);
        assert_eq!(bytes, 20_100 * u64::from(SEG));
        assert_eq!(gaps, (lap_segs - 3) * u64::from(SEG));
    }

    #[test]
    fn an_idle_sender_and_a_late_retransmission_stay_on_their_lap() {
        // Fast, then a minute of silence, then the next byte: no phantom lap.
        let mut segs: Vec<(u32, u32, u64)> = (0..1000u32)
            .map(|i| (1 + i * 1000, 1000, u64::from(i) * 1000))
            .collect();
        segs.push((1 + 1000 * 1000, 1000, 60_000_000_000));
        // ...and the last segment sent again much later.
        segs.push((1 + 1000 * 1000, 1000, 200_000_000_000));
        let (bytes, gaps) = count(0, &segs);
        assert_eq!((bytes, gaps), (1_001_000, 0));
    }
}
