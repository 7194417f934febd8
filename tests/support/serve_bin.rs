//! The `ftpviz serve --json` binary as a test peer: started on a free
//! loopback port (its address and upload folder read from its first line on
//! stderr), its trace read from stdout as it comes (a reader that keeps up),
//! stopped with SIGTERM.

#![allow(dead_code)]

use ftpviz::trace::{read_json_lines, Trace};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub struct Served {
    pub child: Child,
    pub addr: SocketAddr,
    /// Where `demo`'s uploads go (without `--root`).
    pub upload_dir: Option<PathBuf>,
    /// What it said on stderr before it started serving (its warnings).
    pub said: Vec<String>,
    pub stderr: BufReader<ChildStderr>,
    /// Everything it wrote on stdout, once it has exited.
    trace: Option<JoinHandle<Vec<u8>>>,
}

/// A test that fails midway leaves no server behind.
impl Drop for Served {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `ftpviz serve --json --listen 127.0.0.1:0 [--root ROOT] EXTRA...`.
pub fn serve(root: Option<&Path>, extra: &[&str]) -> Served {
    serve_with(
        Command::new(env!("CARGO_BIN_EXE_ftpviz")),
        root,
        extra,
        "127.0.0.1:0",
    )
}

/// The same through `cmd` (a wrapper such as `ip netns exec NS`, with the
/// binary as its last argument), listening on `listen`.
pub fn serve_with(mut cmd: Command, root: Option<&Path>, extra: &[&str], listen: &str) -> Served {
    cmd.args(["serve", "--listen", listen, "--json"]);
    if let Some(root) = root {
        cmd.arg("--root").arg(root);
    }
    cmd.args(extra);
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ftpviz runs");
    let mut stdout = child.stdout.take().unwrap();
    let trace = std::thread::spawn(move || {
        let mut all = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stdout, &mut all);
        all
    });
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut said = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        let n = stderr.read_line(&mut line).unwrap();
        assert!(n > 0, "serve ended before serving: {said:?}");
        if line.contains("serving on") {
            break;
        }
        said.push(line.trim_end().to_string());
    }
    let addr = line
        .split_whitespace()
        .find_map(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    let upload_dir = line
        .split_whitespace()
        .find(|w| w.starts_with('/'))
        .map(PathBuf::from);
    Served {
        child,
        addr,
        upload_dir,
        said,
        stderr,
        trace: Some(trace),
    }
}

impl Served {
    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// SIGTERM, then the whole trace it wrote; it must exit 0.
    pub fn stop(self) -> Trace {
        self.stop_timed().1
    }

    /// SIGTERM, and how long until the process is gone; the trace.
    pub fn stop_timed(mut self) -> (Duration, Trace) {
        let asked = Instant::now();
        self.terminate();
        let status = self.child.wait().unwrap();
        let took = asked.elapsed();
        assert!(status.success(), "serve exits 0 on SIGTERM: {status:?}");
        let out = self
            .trace
            .take()
            .map(|t| t.join().unwrap())
            .unwrap_or_default();
        (took, read_json_lines(&out[..]).expect("valid JSON Lines"))
    }
}
