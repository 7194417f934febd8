//! The replay benchmark: a big, realistic capture, replayed by ftpviz and
//! by tshark in the same run.
//!
//! ```text
//! cargo bench --bench replay               # ~1.2 GB in the temp dir
//! FTPVIZ_BENCH_MB=300 cargo bench --bench replay
//! FTPVIZ_BENCH_DIR=/somewhere FTPVIZ_BENCH_KEEP=1 cargo bench --bench replay
//! ```
//!
//! The generator writes, at MTU 1500 (1448-byte segments), hundreds of FTP
//! sessions one after another: login, a LIST and a big RETR or STOR per
//! session, in all four modes (PASV, EPSV, PORT, EPRT; active data from port
//! 20 or from an ephemeral port), control port 21 or 2121, with the
//! receiver's ACKs; and, interleaved, other traffic (HTTP-like downloads
//! between other hosts and small UDP datagrams). Four sessions run at a
//! time, their packets interleaved in time order. It is written to the temp
//! dir, never to the repository.
//!
//! Then it times `cat FILE > /dev/null` (the floor: reading the bytes),
//! `ftpviz replay FILE --json`, the same through a pipe (`cat FILE | ftpviz
//! replay - --json`, read as it arrives, which must give the same trace),
//! through a pipe that this program fills by `splice(2)` (the file's pages
//! lent to the pipe, not copied: a writer that costs nothing, so that what
//! is timed is ftpviz reading a pipe, not `cat` writing one), the pipe
//! alone (`cat FILE | cat`), and `tshark -r FILE -Y ftp`, with peak memory
//! from `/usr/bin/time`, checks that ftpviz found every session and counted
//! every data byte the generator wrote, and prints the figures against the
//! goals: ≥ 20× faster than tshark, ≤ 16 MiB, within 1.5× of cat, and from
//! a pipe within 1.2× of the file read directly.

#[path = "../tests/support/pcapgen.rs"]
mod pcapgen;

use pcapgen::*;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const MSS: usize = 1448;

/// What the generator wrote, to check the replay against.
#[derive(Debug, Default)]
struct Written {
    sessions: u64,
    data_conns: u64,
    data_bytes: u64,
    packets: u64,
}

struct Gen<W: Write> {
    w: CaptureWriter<W>,
    t: u64,
    /// The unrelated download, advanced between data segments.
    other: Tcp,
    other_n: u64,
    written: Written,
    block: Vec<u8>,
}

impl<W: Write> Gen<W> {
    fn tick(&mut self, us: u64) -> u64 {
        self.t += us * 1000;
        self.t
    }

    /// Some unrelated traffic: a segment of the HTTP-like download, its
    /// ACK, and now and then a UDP datagram (not even TCP).
    fn other_traffic(&mut self) -> io::Result<()> {
        let t = self.tick(3);
        self.other.send(&mut self.w, t, false, &self.block[..MSS])?;
        self.other_n += 1;
        if self.other_n.is_multiple_of(2) {
            let (a, b, sa, sb) = (
                self.other.a,
                self.other.b,
                self.other.seq_a,
                self.other.seq_b,
            );
            self.w.tcp(t + 1000, a, b, sa, sb, ACK, &[])?;
        }
        if self.other_n.is_multiple_of(16) {
            let mut udp = Vec::with_capacity(64);
            Link::Ethernet(&[]).header(&mut udp, false);
            udp.extend([
                0x45, 0, 0, 48, 0, 0, 0x40, 0, 64, 17, 0, 0, 192, 168, 9, 9, 192, 168, 9, 1,
            ]);
            udp.extend([0x9c, 0x40, 0, 53, 0, 28, 0, 0]);
            udp.extend([0u8; 20]);
            self.w.record(t + 2000, &udp)?;
        }
        self.written.packets += 2;
        Ok(())
    }

    fn say(&mut self, c: &mut Tcp, from_client: bool, line: &str) -> io::Result<()> {
        let t = self.tick(200);
        c.send(&mut self.w, t, from_client, line.as_bytes())?;
        let (s, d, seq, ack) = if from_client {
            (c.b, c.a, c.seq_b, c.seq_a)
        } else {
            (c.a, c.b, c.seq_a, c.seq_b)
        };
        self.w.tcp(t + 20_000, s, d, seq, ack, ACK, &[])?;
        self.written.packets += 2;
        Ok(())
    }

    /// A data connection: handshake, `bytes` from the sender in MSS
    /// segments with an ACK every second segment, FIN both ways.
    fn transfer(&mut self, d: &mut Tcp, sender_is_a: bool, bytes: u64) -> io::Result<()> {
        let t = self.tick(300);
        d.handshake(&mut self.w, t)?;
        let mut left = bytes;
        let mut n = 0u64;
        while left > 0 {
            let len = left.min(MSS as u64) as usize;
            let t = self.tick(12);
            d.send(&mut self.w, t, sender_is_a, &self.block[..len])?;
            left -= len as u64;
            n += 1;
            if n.is_multiple_of(2) {
                let (s, r, seq, ack) = if sender_is_a {
                    (d.b, d.a, d.seq_b, d.seq_a)
                } else {
                    (d.a, d.b, d.seq_a, d.seq_b)
                };
                self.w.tcp(t + 5000, s, r, seq, ack, ACK, &[])?;
            }
            if n.is_multiple_of(8) {
                self.other_traffic()?;
            }
        }
        let t = self.tick(100);
        d.close(&mut self.w, t, sender_is_a)?;
        self.written.data_conns += 1;
        self.written.data_bytes += bytes;
        self.written.packets += 5 + n + n / 2;
        Ok(())
    }

    /// One whole session; `i` picks addresses, mode and sizes.
    fn session(&mut self, i: u64, big: u64) -> io::Result<()> {
        let cip = IpAddr::V4(Ipv4Addr::new(10, 1, (i / 200) as u8, (i % 200 + 1) as u8));
        let sip = IpAddr::V4(Ipv4Addr::new(10, 0, 0, (i % 4 + 1) as u8));
        let ctl_port = if i % 5 == 4 { 2121 } else { 21 };
        let client = SocketAddr::new(cip, 30000 + (i % 20000) as u16);
        let server = SocketAddr::new(sip, ctl_port);
        let mut c = Tcp::new(client, server, (i as u32).wrapping_mul(2_654_435_761), 77);
        let t = self.tick(1000);
        c.handshake(&mut self.w, t)?;
        self.say(&mut c, false, "220 bench FTP server ready\r\n")?;
        self.say(&mut c, true, "USER bench\r\n")?;
        self.say(&mut c, false, "331 Password required\r\n")?;
        self.say(&mut c, true, "PASS bench\r\n")?;
        self.say(&mut c, false, "230 Logged in\r\n")?;
        self.say(&mut c, true, "TYPE I\r\n")?;
        self.say(&mut c, false, "200 Type set to I\r\n")?;
        let size = big / 2 + (i * 7919) % big;
        for (k, verb) in [
            (0u64, "LIST"),
            (
                1,
                if i.is_multiple_of(3) {
                    "STOR up.bin"
                } else {
                    "RETR big.bin"
                },
            ),
        ] {
            let port = 40000 + ((i * 2 + k) % 20000) as u16;
            let o = match cip {
                IpAddr::V4(v) => v.octets(),
                IpAddr::V6(_) => [0; 4],
            };
            let s = match sip {
                IpAddr::V4(v) => v.octets(),
                IpAddr::V6(_) => [0; 4],
            };
            let mode = (i + k) % 4;
            let (dialler, listener) = match mode {
                0 => {
                    self.say(&mut c, true, "PASV\r\n")?;
                    let reply = format!(
                        "227 Entering Passive Mode ({},{},{},{},{},{})\r\n",
                        s[0],
                        s[1],
                        s[2],
                        s[3],
                        port >> 8,
                        port & 0xff
                    );
                    self.say(&mut c, false, &reply)?;
                    (
                        SocketAddr::new(cip, port.wrapping_add(7)),
                        SocketAddr::new(sip, port),
                    )
                }
                1 => {
                    self.say(&mut c, true, "EPSV\r\n")?;
                    self.say(
                        &mut c,
                        false,
                        &format!("229 Entering Extended Passive Mode (|||{port}|)\r\n"),
                    )?;
                    (
                        SocketAddr::new(cip, port.wrapping_add(7)),
                        SocketAddr::new(sip, port),
                    )
                }
                2 => {
                    let cmd = format!(
                        "PORT {},{},{},{},{},{}\r\n",
                        o[0],
                        o[1],
                        o[2],
                        o[3],
                        port >> 8,
                        port & 0xff
                    );
                    self.say(&mut c, true, &cmd)?;
                    self.say(&mut c, false, "200 PORT command successful\r\n")?;
                    (
                        SocketAddr::new(sip, ctl_port - 1),
                        SocketAddr::new(cip, port),
                    )
                }
                _ => {
                    self.say(&mut c, true, &format!("EPRT |1|{cip}|{port}|\r\n"))?;
                    self.say(&mut c, false, "200 EPRT command successful\r\n")?;
                    (
                        SocketAddr::new(sip, 50000 + (i % 10000) as u16),
                        SocketAddr::new(cip, port),
                    )
                }
            };
            self.say(&mut c, true, &format!("{verb}\r\n"))?;
            self.say(&mut c, false, "150 Opening data connection\r\n")?;
            let server_dials = mode >= 2;
            let upload = verb.starts_with("STOR");
            // The sender is the server for LIST/RETR, the client for STOR.
            let sender_is_a = server_dials != upload;
            let mut d = Tcp::new(dialler, listener, (i as u32) << 8, u32::MAX - 5000);
            let bytes = if k == 0 { 1800 + i % 500 } else { size };
            self.transfer(&mut d, sender_is_a, bytes)?;
            self.say(&mut c, false, "226 Transfer complete\r\n")?;
        }
        self.say(&mut c, true, "QUIT\r\n")?;
        self.say(&mut c, false, "221 Goodbye\r\n")?;
        let t = self.tick(100);
        c.close(&mut self.w, t, true)?;
        self.written.sessions += 1;
        Ok(())
    }
}

/// Writes a capture of about `mb` MiB.
/// Sessions that run at the same time, interleaved packet by packet.
const LANES: u64 = 4;

fn generate(path: &Path, mb: u64) -> io::Result<Written> {
    let out = BufWriter::with_capacity(4 << 20, File::create(path)?);
    let fmt = Format::Pcap {
        nanos: false,
        big_endian: false,
    };
    let mut out = CaptureWriter::new(out, fmt, Link::Ethernet(&[]))?.into_inner();
    let mut total = Written::default();
    let target = mb << 20;
    // ~3 MiB of transfers per session: hundreds of sessions per GB.
    let big = 3 << 20;
    let mut t0 = 1_700_000_000 * 1_000_000_000;
    let mut i = 0;
    // Frame size ≈ 1514 + 16 bytes of record header per data segment.
    while total.data_bytes * 1530 / 1448 * 110 / 100 < target {
        // A batch of sessions, each written alone (with its own unrelated
        // download beside it), then merged in time order.
        let mut lanes = Vec::new();
        let mut end = t0;
        for lane in 0..LANES {
            let w = CaptureWriter::records_only(Vec::new(), false, Link::Ethernet(&[]));
            let other = Tcp::new(
                SocketAddr::new(
                    IpAddr::V4(Ipv4Addr::new(192, 168, 7, 2)),
                    51515 + (i % 10000) as u16,
                ),
                addr("192.168.7.80:80"),
                1,
                1,
            );
            let mut g = Gen {
                w,
                t: t0 + lane * 700_000,
                other,
                other_n: 0,
                written: Written::default(),
                block: (0..MSS).map(|i| (i % 251) as u8).collect(),
            };
            let t = g.tick(1);
            let mut other = Tcp::new(g.other.a, g.other.b, 1, 1);
            other.handshake(&mut g.w, t)?;
            g.other = other;
            g.session(i, big)?;
            let t = g.tick(10);
            let mut other = std::mem::replace(
                &mut g.other,
                Tcp::new(addr("0.0.0.0:0"), addr("0.0.0.0:0"), 0, 0),
            );
            other.close(&mut g.w, t, false)?;
            end = end.max(g.t);
            total.sessions += g.written.sessions;
            total.data_conns += g.written.data_conns;
            total.data_bytes += g.written.data_bytes;
            total.packets += g.written.packets + 4;
            lanes.push(g.w.into_inner());
            i += 1;
        }
        merge(&mut out, &lanes)?;
        t0 = end + 1_000_000;
    }
    out.flush()?;
    Ok(total)
}

/// Writes the pcap records of several buffers in timestamp order.
fn merge(out: &mut impl Write, lanes: &[Vec<u8>]) -> io::Result<()> {
    let ts = |b: &[u8], at: usize| -> Option<(u32, u32, usize)> {
        let h = b.get(at..at + 16)?;
        let word = |k: usize| u32::from_le_bytes([h[k], h[k + 1], h[k + 2], h[k + 3]]);
        Some((word(0), word(4), 16 + word(8) as usize))
    };
    let mut at = vec![0usize; lanes.len()];
    loop {
        let next = (0..lanes.len())
            .filter_map(|l| ts(&lanes[l], at[l]).map(|(s, u, len)| ((s, u), l, len)))
            .min();
        let Some((_, l, len)) = next else {
            return Ok(());
        };
        out.write_all(&lanes[l][at[l]..at[l] + len])?;
        at[l] += len;
    }
}

struct Run {
    secs: f64,
    rss_kib: u64,
}

/// Runs `sh -c cmd` under /usr/bin/time; wall seconds and peak RSS.
fn timed(cmd: &str) -> Option<Run> {
    let start = Instant::now();
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M", "sh", "-c", cmd])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .ok()?;
    let secs = start.elapsed().as_secs_f64();
    if !out.status.success() {
        eprintln!("failed: {cmd}: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    run_of(secs, &out.stderr)
}

/// A run that took `secs`, its peak RSS read from `/usr/bin/time -f %M`'s
/// last line of `stderr`.
fn run_of(secs: f64, stderr: &[u8]) -> Option<Run> {
    let err = String::from_utf8_lossy(stderr);
    let rss_kib = err.lines().last()?.trim().parse().ok()?;
    Some(Run { secs, rss_kib })
}

/// Runs `sh -c cmd` as [`timed`] does, with its standard input a pipe that
/// this process fills from `file` by `splice(2)`: the file's pages are lent
/// to the pipe, not copied, so the writer costs (nearly) nothing and what is
/// timed is the reader. `cmd`'s standard output goes to `out`.
#[cfg(target_os = "linux")]
fn timed_spliced(cmd: &str, file: &Path, out: &Path) -> Option<Run> {
    use rustix::io::Errno;
    use rustix::pipe::{fcntl_setpipe_size, pipe_with, splice, PipeFlags, SpliceFlags};
    // Close-on-exec: the child must not hold the write end, or it never sees the end.
    let (read_end, write_end) = pipe_with(PipeFlags::CLOEXEC).ok()?;
    let _ = fcntl_setpipe_size(&write_end, 1 << 20);
    let source = File::open(file).ok()?;
    let len = source.metadata().ok()?.len();
    let start = Instant::now();
    let child = Command::new("/usr/bin/time")
        .args(["-f", "%M", "sh", "-c", cmd])
        .stdin(Stdio::from(read_end))
        .stdout(File::create(out).ok()?)
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let mut at = 0u64;
    while at < len {
        match splice(
            &source,
            Some(&mut at),
            &write_end,
            None,
            1 << 20,
            SpliceFlags::MOVE,
        ) {
            Ok(0) => break,
            Ok(_) | Err(Errno::INTR) => {}
            Err(e) => {
                eprintln!("splice: {e}");
                break;
            }
        }
    }
    drop(write_end);
    let done = child.wait_with_output().ok()?;
    let secs = start.elapsed().as_secs_f64();
    if !done.status.success() || at < len {
        eprintln!(
            "failed: spliced {cmd}: {}",
            String::from_utf8_lossy(&done.stderr)
        );
        return None;
    }
    run_of(secs, &done.stderr)
}

#[cfg(not(target_os = "linux"))]
fn timed_spliced(_: &str, _: &Path, _: &Path) -> Option<Run> {
    None // splice(2) is Linux's
}

fn best(cmd: &str, n: usize) -> Option<Run> {
    (0..n)
        .filter_map(|_| timed(cmd))
        .min_by(|a, b| a.secs.total_cmp(&b.secs))
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then
    // only check that this compiles and runs on a tiny file.
    let benching = std::env::args().any(|a| a == "--bench");
    let mb: u64 = std::env::var("FTPVIZ_BENCH_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if benching { 1100 } else { 4 });
    let dir: PathBuf = std::env::var_os("FTPVIZ_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::temp_dir().join(format!("ftpviz-bench-{}", std::process::id()))
        });
    std::fs::create_dir_all(&dir).expect("bench dir");
    let file = dir.join(format!("replay-{mb}mb.pcap"));
    let json = dir.join("replay.jsonl");

    let t = Instant::now();
    let written = generate(&file, mb).expect("write the capture");
    let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    println!(
        "generated {} ({:.0} MB, {} packets, {} sessions, {} data connections, {} data bytes) in {:.1} s",
        file.display(),
        size as f64 / 1e6,
        written.packets,
        written.sessions,
        written.data_conns,
        written.data_bytes,
        t.elapsed().as_secs_f64()
    );

    let f = file.display();
    let ftpviz = env!("CARGO_BIN_EXE_ftpviz");
    let _ = timed(&format!("cat '{f}' > /dev/null")); // warm the page cache
    let runs = if benching { 3 } else { 1 };
    let cat = best(&format!("cat '{f}' > /dev/null"), runs);
    let ours = best(
        &format!("'{ftpviz}' replay '{f}' --json > '{}'", json.display()),
        runs,
    );
    // The same file through a pipe, read as it arrives (`replay -`).
    let piped_json = dir.join("replay-piped.jsonl");
    let piped = best(
        &format!(
            "cat '{f}' | '{ftpviz}' replay - --json > '{}'",
            piped_json.display()
        ),
        runs,
    );
    // The same pipe with a writer that copies nothing: what ftpviz's own
    // reading of a pipe costs, apart from what the writer pays.
    let spliced_json = dir.join("replay-spliced.jsonl");
    let spliced = (0..runs)
        .filter_map(|_| timed_spliced(&format!("'{ftpviz}' replay - --json"), &file, &spliced_json))
        .min_by(|a, b| a.secs.total_cmp(&b.secs));
    // That pipe read by `cat`: the floor for any reader of it.
    let spliced_floor = (0..runs)
        .filter_map(|_| timed_spliced("cat > /dev/null", &file, Path::new("/dev/null")))
        .min_by(|a, b| a.secs.total_cmp(&b.secs));
    let piped_same = std::fs::read(&json).ok() == std::fs::read(&piped_json).ok()
        && (spliced.is_none() || std::fs::read(&json).ok() == std::fs::read(&spliced_json).ok());
    // The pipe's own cost: the same bytes through a pipe into `cat`.
    let pipe_floor = best(&format!("cat '{f}' | cat > /dev/null"), runs);
    println!(
        "ftpviz replay - (from a pipe): {}",
        if piped_same {
            "the same trace as the file"
        } else {
            "A DIFFERENT TRACE"
        }
    );

    // Did it see everything?
    let text = std::fs::read_to_string(&json).unwrap_or_default();
    let (mut sessions, mut bytes, mut events) = (0u64, 0u64, 0u64);
    for line in text.lines() {
        events += 1;
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        sessions = sessions.max(v["session"].as_u64().unwrap_or(0));
        bytes += v["bytes"].as_u64().unwrap_or(0);
    }
    let correct = sessions == written.sessions && bytes == written.data_bytes;
    println!(
        "ftpviz --json: {events} events ({} KB), {sessions} sessions, {bytes} data bytes: {}",
        text.len() / 1000,
        if correct { "all found" } else { "MISMATCH" }
    );

    let have_tshark = Command::new("tshark")
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if benching && !have_tshark {
        println!("skipped tshark: not installed");
    }
    let tshark = if benching && have_tshark {
        timed(&format!("tshark -r '{f}' -Y ftp > /dev/null"))
    } else {
        None
    };

    let show = |name: &str, r: &Option<Run>| match r {
        Some(r) => println!(
            "{name:<8} {:>8.3} s  {:>8.1} MiB peak RSS",
            r.secs,
            r.rss_kib as f64 / 1024.0
        ),
        None => println!("{name:<8} (not run)"),
    };
    show("cat", &cat);
    show("ftpviz", &ours);
    show("pipe", &piped);
    show("spliced", &spliced);
    show("spl|cat", &spliced_floor);
    show("cat|cat", &pipe_floor);
    show("tshark", &tshark);
    if !benching {
        println!("(a quick check, not a benchmark: run `cargo bench --bench replay` for figures)");
    }
    if let (true, Some(o)) = (benching, &ours) {
        let mib = o.rss_kib as f64 / 1024.0;
        println!(
            "goal memory ≤ 16 MiB: {mib:.1} MiB {}",
            verdict(mib <= 16.0)
        );
        if let Some(c) = &cat {
            let x = o.secs / c.secs;
            println!("goal within 1.5× of cat: {x:.2}× {}", verdict(x <= 1.5));
        }
        if let Some(s) = &spliced {
            let x = s.secs / o.secs;
            println!(
                "goal replay - within 1.2× of the file read directly: {x:.2}× {} \
                 (the writer splices: it copies nothing)",
                verdict(x <= 1.2 && piped_same)
            );
            if let Some(floor) = &spliced_floor {
                println!(
                    "  (that pipe read by cat: {:.3} s, {:.2}× the file replay; replay - is {:.2}× that)",
                    floor.secs,
                    floor.secs / o.secs,
                    s.secs / floor.secs
                );
            }
        }
        if let Some(p) = &piped {
            println!(
                "  with cat as the writer: {:.2}× the file (cat copies every byte into the pipe)",
                p.secs / o.secs
            );
            if let Some(floor) = &pipe_floor {
                println!(
                    "  (that pipe alone, cat | cat: {:.3} s; replay - is {:.2}× that)",
                    floor.secs,
                    p.secs / floor.secs
                );
            }
        }
        if let Some(ts) = &tshark {
            let x = ts.secs / o.secs;
            println!(
                "goal ≥ 20× faster than tshark: {x:.1}× {}",
                verdict(x >= 20.0)
            );
        }
    }
    if std::env::var_os("FTPVIZ_BENCH_KEEP").is_none() {
        let _ = std::fs::remove_file(&file);
        let _ = std::fs::remove_file(&json);
        let _ = std::fs::remove_file(&piped_json);
        let _ = std::fs::remove_file(&spliced_json);
        let _ = std::fs::remove_dir(&dir);
    }
    assert!(correct, "ftpviz missed sessions or bytes");
    assert!(piped_same, "replay - gave another trace than the file");
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}
