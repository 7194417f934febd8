//! A real terminal for end-to-end tests: the built binary in tmux (a
//! server of its own per test), driven by keys, read back from the screen.
//! Every wait polls the screen with a deadline; nothing waits a fixed time.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub const DEADLINE: Duration = Duration::from_secs(20);
pub const POLL: Duration = Duration::from_millis(50);

/// One terminal session at a time: both tests start real labs and poll
/// screens; side by side on a small shared machine they only slow each
/// other down.
pub static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A tmux server of our own (its own socket), killed on drop.
pub struct Tmux {
    pub socket: String,
    pub dir: PathBuf,
}

impl Tmux {
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("tmux runs")
    }

    pub fn screen(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-t", "e2e"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The main screen with its scrollback (tmux's "Pane is dead" line can
    /// scroll the shell's first line out of view).
    pub fn history(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-S", "-", "-t", "e2e"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    /// Polls until `f` holds for the screen, or fails with the last screen.
    pub fn wait(&self, what: &str, f: impl Fn(&str) -> bool) -> String {
        self.wait_up_to(DEADLINE, what, f)
    }

    /// [`Tmux::wait`] with a deadline of its own (a lab run to its end
    /// through a firewall takes seconds of simulated SYN timeouts).
    pub fn wait_up_to(&self, deadline: Duration, what: &str, f: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if f(&s) {
                return s;
            }
            if let Some(code) = self.exit_status() {
                // It may have drawn its last screen just before exiting.
                let s = self.screen();
                if f(&s) {
                    return s;
                }
                let err = std::fs::read_to_string(self.dir.join("stderr")).unwrap_or_default();
                panic!("ftpviz exited ({code}) while waiting for {what}: {err}\n{s}");
            }
            assert!(
                start.elapsed() < deadline,
                "timed out waiting for {what}:\n{s}"
            );
            std::thread::sleep(POLL);
        }
    }

    pub fn display(&self, format: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", "e2e", format]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// ftpviz's exit status, once it has exited (the shell that ran it
    /// writes it to a file: tmux's own `pane_dead_status` is not always set).
    pub fn exit_status(&self) -> Option<String> {
        let s = std::fs::read_to_string(self.dir.join("status")).ok()?;
        s.ends_with('\n').then(|| s.trim().to_string())
    }

    /// Polls the screen and its scrollback (after ftpviz has exited).
    pub fn wait_history(&self, what: &str, f: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.history();
            if f(&s) {
                return s;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "timed out waiting for {what}:\n{s}"
            );
            std::thread::sleep(POLL);
        }
    }

    /// Waits for ftpviz to exit and returns its status.
    pub fn wait_exit(&self) -> String {
        let start = Instant::now();
        loop {
            if let Some(c) = self.exit_status() {
                return c;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "ftpviz did not exit:\n{}",
                self.screen()
            );
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `ftpviz args` in a fresh 100×30 tmux, in a shell that records its
/// exit status and then runs `then` (e.g. to show the tty's modes
/// afterwards).
pub fn start(bin: &Path, args: &str, then: &str) -> Tmux {
    start_sized(bin, args, then, (100, 30))
}

/// The same in a terminal of `size` (columns, rows).
pub fn start_sized(bin: &Path, args: &str, then: &str, size: (u16, u16)) -> Tmux {
    let id = format!("ftpviz-e2e-{}-{}", std::process::id(), args.len());
    let dir = std::env::temp_dir().join(&id);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let t = Tmux { socket: id, dir };
    let cmd = format!(
        "{} {args} 2>{}; echo $? > {}; {then}",
        bin.display(),
        t.dir.join("stderr").display(),
        t.dir.join("status").display(),
    );
    // remain-on-exit keeps the pane to read after everything has exited.
    let out = t.run(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        &size.0.to_string(),
        "-y",
        &size.1.to_string(),
        &cmd,
        ";",
        "set-option",
        "-t",
        "e2e",
        "remain-on-exit",
        "on",
    ]);
    assert!(out.status.success(), "tmux new-session: {out:?}");
    t
}
