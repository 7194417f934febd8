//! Helpers shared by the integration tests: finding the real third-party
//! peers (curl, lftp, vsftpd, pyftpdlib, tshark, tmux) and the shared sample
//! captures.
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

/// A sample capture from the shared folder beside the checkout.
pub fn capture(name: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/captures")
        .join(name);
    if p.is_file() {
        Some(p)
    } else {
        skip(&format!("{} is missing", p.display()));
        None
    }
}
