//! A capture written step by step, one millisecond apart: the shape of a
//! test that tells an FTP story packet by packet ([`super::pcapgen`] does
//! the bytes).

#![allow(dead_code)]

use super::pcapgen::*;

pub const T0: u64 = 1_700_000_000_000_000_000;
pub const MS: u64 = 1_000_000;
pub const PCAP: Format = Format::Pcap {
    nanos: false,
    big_endian: false,
};
/// Who sends a line: the client (side `a` of a [`Tcp`]) or the server.
pub const C: bool = true;
pub const S: bool = false;

pub struct Script {
    pub w: CaptureWriter<Vec<u8>>,
    pub t: u64,
}

impl Default for Script {
    fn default() -> Self {
        Script::new()
    }
}

impl Script {
    pub fn new() -> Script {
        Script {
            w: CaptureWriter::new(Vec::new(), PCAP, Link::Raw).expect("header"),
            t: T0,
        }
    }

    pub fn step(&mut self) -> u64 {
        self.t += MS;
        self.t
    }

    /// Lines, one segment each, CR LF added.
    pub fn say(&mut self, c: &mut Tcp, lines: &[(bool, &str)]) {
        for (from_a, line) in lines {
            self.bytes(c, *from_a, format!("{line}\r\n").as_bytes());
        }
    }

    /// Raw payload in one segment.
    pub fn bytes(&mut self, c: &mut Tcp, from_a: bool, payload: &[u8]) {
        let t = self.step();
        c.send(&mut self.w, t, from_a, payload).expect("write");
    }

    /// A line the capture never saw: its sequence numbers are used up, no
    /// packet is written. Returns its sequence number, to send it again.
    pub fn lose(&mut self, c: &mut Tcp, from_a: bool, line: &str) -> u32 {
        let n = line.len() as u32 + 2;
        let seq = if from_a { c.seq_a } else { c.seq_b };
        if from_a {
            c.seq_a = c.seq_a.wrapping_add(n);
        } else {
            c.seq_b = c.seq_b.wrapping_add(n);
        }
        seq
    }

    /// A line sent (again) at sequence number `seq`.
    pub fn resend(&mut self, c: &Tcp, from_a: bool, seq: u32, line: &str) {
        let t = self.step();
        let (src, dst, ack) = if from_a {
            (c.a, c.b, c.seq_b)
        } else {
            (c.b, c.a, c.seq_a)
        };
        let payload = format!("{line}\r\n");
        self.w
            .tcp(t, src, dst, seq, ack, ACK | PSH, payload.as_bytes())
            .expect("write");
    }

    /// An RST from one side.
    pub fn rst(&mut self, c: &Tcp, from_a: bool) {
        let t = self.step();
        let (src, dst, seq) = if from_a {
            (c.a, c.b, c.seq_a)
        } else {
            (c.b, c.a, c.seq_b)
        };
        self.w.tcp(t, src, dst, seq, 0, RST, &[]).expect("write");
    }

    pub fn handshake(&mut self, c: &mut Tcp) {
        let t = self.step();
        c.handshake(&mut self.w, t).expect("write");
    }

    /// `n` full segments from one side, then FIN from both.
    pub fn transfer(&mut self, d: &mut Tcp, from_a: bool, n: usize) {
        for _ in 0..n {
            let t = self.step();
            d.send(&mut self.w, t, from_a, &[0x5a; 1448])
                .expect("write");
        }
        let t = self.step();
        d.close(&mut self.w, t, from_a).expect("write");
    }

    /// FIN from both, the client first.
    pub fn close(&mut self, c: &mut Tcp) {
        let t = self.step();
        c.close(&mut self.w, t, true).expect("write");
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.w.into_inner()
    }
}
