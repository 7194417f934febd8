//! Helpers shared by the integration tests: finding the real third-party
//! peers (curl, lftp, vsftpd, pyftpdlib, tshark, tmux) and the shared sample
//! captures, a scratch directory, and running the `ftpviz` binary itself.
//!
//! A test whose peer is missing prints why it is skipped and returns early,
//! so `cargo test` passes on a fresh machine with only Rust. Under CI
//! (`CI` set in the environment) a missing peer is a failure instead: CI
//! installs every peer, so a skip there would hide a broken install.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The path of an executable on PATH, or `None` (after printing the skip,
/// or panicking under CI).
pub fn peer(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        skip(&format!("{name} is not installed"));
    }
    found
}

/// Python's pyftpdlib, used as `python3 -m pyftpdlib`.
pub fn pyftpdlib() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import pyftpdlib"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        skip("python3 with pyftpdlib is not installed (pip install pyftpdlib)");
    }
    ok
}

/// Says why a test does nothing; fails instead under CI.
pub fn skip(why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("CI must not skip: {why}");
    }
    eprintln!("skipped: {why}");
}

/// The shared sample captures: `../shared/captures` beside the checkout
/// (CI, and the main checkout), or two levels up from a worktree under
/// `wt/`. `None` when neither holds them: skipped, or a failure under CI.
pub fn captures_dir() -> Option<PathBuf> {
    shared("captures", "MANIFEST.md")
}

/// The RFC texts, `../shared/rfc` (found like [`captures_dir`]).
pub fn rfc_dir() -> Option<PathBuf> {
    shared("rfc", "rfc959.txt")
}

/// `../shared/SUB` (or two levels up) holding `marker`; `None` (skipped,
/// or a failure under CI) when absent.
fn shared(sub: &str, marker: &str) -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let found = [format!("../shared/{sub}"), format!("../../shared/{sub}")]
        .iter()
        .map(|p| root.join(p))
        .find(|p| p.join(marker).is_file());
    if found.is_none() {
        skip(&format!("../shared/{sub} is not beside the checkout"));
    }
    found
}

/// One sample capture from the shared folder, or `None` (skipped, or a
/// failure under CI).
pub fn capture(name: &str) -> Option<PathBuf> {
    let path = captures_dir()?.join(name);
    if path.is_file() {
        Some(path)
    } else {
        skip(&format!("{} is missing", path.display()));
        None
    }
}

/// A fresh, empty directory under the system's temp dir, its name made of
/// `tag` and this process's id.
pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ftpviz-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Makes a named pipe (FIFO) at `path`.
pub fn mkfifo(path: &Path) {
    rustix::fs::mknodat(
        rustix::fs::CWD,
        path,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .unwrap();
}

/// Runs the `ftpviz` binary with `args`: its exit code, stdout and stderr.
pub fn ftpviz(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ftpviz"))
        .args(args)
        .output()
        .expect("run ftpviz");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `tshark -r FILE`, with `-d` for each of `decode`, `options` (`-o …`),
/// a display filter and fields (tab-separated): its stdout lines. A
/// failing tshark fails the test.
pub fn tshark(
    bin: &Path,
    file: &Path,
    decode: &[String],
    options: &[&str],
    filter: &str,
    fields: &[&str],
) -> Vec<String> {
    let mut cmd = Command::new(bin);
    cmd.arg("-r").arg(file);
    for d in decode {
        cmd.args(["-d", d]);
    }
    cmd.args(options);
    cmd.args(["-Y", filter, "-T", "fields", "-E", "separator=/t"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("tshark runs");
    assert!(
        out.status.success(),
        "tshark -Y {filter}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// The reply codes of `events`, in order.
pub fn reply_codes(events: &[ftpviz::trace::Event]) -> Vec<u16> {
    events
        .iter()
        .filter_map(|e| match e.kind {
            ftpviz::trace::Kind::Reply { code, .. } => Some(code),
            _ => None,
        })
        .collect()
}

/// The fields tshark gives for an FTP frame, for [`tshark_said`].
pub const FTP_FIELDS: [&str; 3] = [
    "ftp.request.command",
    "ftp.request.arg",
    "ftp.response.code",
];

/// One line of tshark's [`FTP_FIELDS`] (tab-separated) as [`said_codes`]
/// writes a trace's: `C verb arg` or `S code`; `None` for neither.
pub fn tshark_said(line: &str) -> Option<String> {
    match line.split('\t').collect::<Vec<_>>()[..] {
        ["", "", code] if !code.is_empty() => Some(format!("S {code}")),
        [verb, arg, ""] if !verb.is_empty() => {
            Some(format!("C {verb} {arg}").trim_end().to_string())
        }
        _ => None,
    }
}

/// What was said on the control connections, in order, as tshark shows it:
/// `C text` for a command, `S code` for a reply.
pub fn said_codes(events: &[ftpviz::trace::Event]) -> Vec<String> {
    said_as(events, |code, _| code.to_string())
}

/// What was said on the control connections, in order: `C text` for a
/// command, `S text` for a reply.
pub fn said(events: &[ftpviz::trace::Event]) -> Vec<String> {
    said_as(events, |_, text| text.to_string())
}

/// Commands as `C text`, replies as `S ` and what `reply` makes of their
/// code and text.
fn said_as(events: &[ftpviz::trace::Event], reply: impl Fn(u16, &str) -> String) -> Vec<String> {
    use ftpviz::trace::Kind;
    events
        .iter()
        .filter_map(|e| match &e.kind {
            Kind::Command { text, .. } => Some(format!("C {text}")),
            Kind::Reply { code, text } => Some(format!("S {}", reply(*code, text))),
            _ => None,
        })
        .collect()
}
