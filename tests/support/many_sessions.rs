//! A capture of many short FTP sessions one after another, for the long
//! runs of live input (`benches/live_long.rs`, `tests/tui_live.rs`): each
//! logs in, asks PASV, lists a few hundred bytes and quits (about twenty
//! packets, fifteen events), the next beginning when it is over.

#![allow(dead_code)]

use crate::pcapgen::*;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;

/// Session `i`'s client address (a new host every 200 sessions).
fn client(i: u32, port_base: u16) -> SocketAddr {
    let host = Ipv4Addr::new(10, 1 + (i / 50_000) as u8, (i / 200 % 250) as u8, 1);
    SocketAddr::new(IpAddr::V4(host), port_base + (i % 200) as u16)
}

/// One short passive session at `ns`.
fn session<W: Write>(w: &mut CaptureWriter<W>, i: u32, ns: u64) -> io::Result<()> {
    let server: SocketAddr = "10.0.0.1:21".parse().expect("address");
    let data_port = 50_000 + (i % 10_000) as u16;
    let mut c = Tcp::new(client(i, 40_000), server, i.wrapping_mul(7919), 1000);
    let ms = 1_000_000;
    c.handshake(w, ns)?;
    let lines: [(bool, String); 8] = [
        (false, "220 bench server\r\n".into()),
        (true, "USER anonymous\r\n".into()),
        (false, "331 password please\r\n".into()),
        (true, "PASS bench@\r\n".into()),
        (false, "230 logged in\r\n".into()),
        (true, "PASV\r\n".into()),
        (
            false,
            format!(
                "227 Entering Passive Mode (10,0,0,1,{},{})\r\n",
                data_port >> 8,
                data_port & 0xff
            ),
        ),
        (true, "LIST\r\n".into()),
    ];
    let mut t = ns + ms;
    for (from_client, line) in &lines {
        c.send(w, t, *from_client, line.as_bytes())?;
        t += ms;
    }
    let mut d = Tcp::new(
        client(i, 20_000),
        SocketAddr::new(server.ip(), data_port),
        i,
        2000,
    );
    d.handshake(w, t)?;
    c.send(w, t + ms, false, b"150 here it comes\r\n")?;
    d.send(w, t + 2 * ms, false, &[b'x'; 300])?;
    d.close(w, t + 3 * ms, false)?;
    t += 4 * ms;
    for (from_client, line) in [
        (false, "226 done\r\n"),
        (true, "QUIT\r\n"),
        (false, "221 bye\r\n"),
    ] {
        c.send(w, t, from_client, line.as_bytes())?;
        t += ms;
    }
    c.close(w, t, false)
}

/// `sessions` sessions as a pcap file at `path`.
pub fn generate(path: &Path, sessions: u32) -> io::Result<()> {
    write(BufWriter::new(File::create(path)?), sessions)
}

/// `sessions` sessions as a pcap stream into `out`.
pub fn write<W: Write>(out: W, sessions: u32) -> io::Result<()> {
    let format = Format::Pcap {
        nanos: false,
        big_endian: false,
    };
    let mut w = CaptureWriter::new(out, format, Link::Ethernet(&[]))?;
    let start = 1_750_000_000 * 1_000_000_000u64;
    for i in 0..sessions {
        // 30 ms apart: each session is over before the next begins.
        session(&mut w, i, start + u64::from(i) * 30_000_000)?;
    }
    w.into_inner().flush()
}
