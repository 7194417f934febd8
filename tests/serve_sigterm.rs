//! `ftpviz serve` stops on SIGTERM within a second whatever its clients do
//! (issue 11, points 3 and 4), with every connection's `close` in its
//! trace; and out of file descriptors it rests instead of spinning
//! (point 5).

mod common;
#[path = "support/honest.rs"]
mod honest;
#[path = "support/serve_bin.rs"]
mod serve_bin;

use ftpviz::ftp::{hostport, LineBuffer, ReplyParser};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

/// A blocking control connection for the hostile clients.
struct Client {
    s: TcpStream,
    lines: LineBuffer,
    parser: ReplyParser,
}

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        let s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut c = Client {
            s,
            lines: LineBuffer::new(),
            parser: ReplyParser::new(),
        };
        assert_eq!(c.reply(), 220);
        c
    }

    fn reply(&mut self) -> u16 {
        self.reply_text().0
    }

    fn reply_text(&mut self) -> (u16, String) {
        let mut buf = [0u8; 4096];
        loop {
            while let Some(line) = self.lines.next_line() {
                if let Some(r) = self.parser.push_line(&line.unwrap()).unwrap() {
                    return (r.code, r.text());
                }
            }
            let n = self.s.read(&mut buf).unwrap();
            assert!(n > 0, "server hung up");
            self.lines.push(&buf[..n]);
        }
    }

    fn command(&mut self, line: &str) -> (u16, String) {
        self.s.write_all(format!("{line}\r\n").as_bytes()).unwrap();
        self.reply_text()
    }

    fn login(&mut self) {
        assert_eq!(self.command("USER anonymous").0, 331);
        assert_eq!(self.command("PASS x").0, 230);
    }

    /// EPSV, and the data connection dialled.
    fn epsv(&mut self) -> TcpStream {
        let (_, text) = self.command("EPSV");
        let port = hostport::parse_229(&text).unwrap();
        TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port))).unwrap()
    }
}

#[test]
fn sigterm_stops_serve_within_a_second_whatever_its_clients_do() {
    let root = common::temp_dir("sigterm");
    std::fs::File::create(root.join("big.bin"))
        .unwrap()
        .set_len(256 << 20)
        .unwrap();
    common::mkfifo(&root.join("fifo"));
    let served = serve_bin::serve(Some(&root), &[]);
    let addr = served.addr;
    let mut hostile = Vec::new();

    // Never reads its replies: the server's writes to it stall. It sends
    // until its own writes stall too — then the server has stopped reading
    // it, stuck in a write.
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket.connect(&addr.into()).unwrap();
    let mut deaf: TcpStream = socket.into();
    deaf.set_write_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let flood = b"HELP\r\n".repeat(10_000);
    while deaf.write_all(&flood).is_ok() {}
    hostile.push(deaf);

    // Half a line, never finished.
    let mut half = Client::connect(addr);
    half.s.write_all(&[b'X'; 3000]).unwrap();
    hostile.push(half.s);

    // A download it never reads.
    let mut stalled = Client::connect(addr);
    stalled.login();
    let data = stalled.epsv();
    assert_eq!(stalled.command("RETR big.bin").0, 150);
    hostile.push(data);
    hostile.push(stalled.s);

    // A FIFO: refused at once, it blocks nothing.
    let mut fifo = Client::connect(addr);
    fifo.login();
    let _data = fifo.epsv();
    assert_eq!(fifo.command("RETR fifo").0, 550);
    hostile.push(fifo.s);

    // A passive listener nobody dials, and a session that just sits.
    let mut waiting = Client::connect(addr);
    waiting.login();
    assert_eq!(waiting.command("PASV").0, 227);
    hostile.push(waiting.s);

    let (took, trace) = served.stop_timed();
    eprintln!("serve exited {took:?} after SIGTERM");
    // One second is the promise; two are allowed on a busy machine.
    assert!(took < Duration::from_secs(2), "took {took:?}");
    honest::assert_honest(&trace.events);
    assert_eq!(honest::session_count(&trace.events), 5);
    drop(hostile);
    let _ = std::fs::remove_dir_all(&root);
}

/// User + system CPU time of a process so far.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name (which may hold spaces) start at ')'.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10)
}

#[test]
fn out_of_file_descriptors_the_accept_loop_rests() {
    if !Path::new("/proc/self/stat").exists() {
        common::skip("no /proc to read CPU time from");
        return;
    }
    // Few file descriptors: a few dozen clients use them all up.
    let mut limited = std::process::Command::new("sh");
    limited.args([
        "-c",
        "ulimit -n 48 && exec \"$0\" \"$@\"",
        env!("CARGO_BIN_EXE_ftpviz"),
    ]);
    let served = serve_bin::serve_with(limited, None, &[], "127.0.0.1:0");
    let pid = served.child.id();
    let hogs: Vec<TcpStream> = (0..80)
        .map(|_| TcpStream::connect(served.addr).unwrap())
        .collect();
    // The server now holds every descriptor it may have; more dials wait
    // in its backlog and every accept() fails with EMFILE. Watch it for a
    // second: a loop that retries at once burns the CPU all that time.
    let before = cpu_time(pid);
    let window = Instant::now();
    std::thread::sleep(Duration::from_secs(1));
    let used = cpu_time(pid) - before;
    let elapsed = window.elapsed();
    eprintln!("{used:?} of CPU in {elapsed:?} while out of descriptors");
    assert!(
        used < elapsed / 8,
        "{used:?} of CPU in {elapsed:?}: spinning"
    );
    // The hogs go: it recovers and greets the next client.
    drop(hogs);
    let mut next = Client::connect(served.addr);
    next.login();
    assert_eq!(next.command("QUIT").0, 221);
    served.stop();
}
