//! The handout of a lab run behind a client firewall (active's dials die
//! at the wall, passive's get through), with the run's own `--json` trace
//! to hold the page to.

#![allow(dead_code)]

use ftpviz::trace::{read_json_lines, Trace};
use std::path::{Path, PathBuf};

/// `ftpviz lab --firewall client --port 0 --json --html DIR/lab.html`: the
/// page's path and the trace.
pub fn lab_page(dir: &Path) -> (PathBuf, Trace) {
    let page = dir.join("lab.html");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ftpviz"))
        .args([
            "lab",
            "--firewall",
            "client",
            "--port",
            "0",
            "--json",
            "--html",
        ])
        .arg(&page)
        .output()
        .expect("ftpviz runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("wrote the handout"), "{stderr}");
    let trace = read_json_lines(&out.stdout[..]).expect("the --json trace");
    (page, trace)
}
