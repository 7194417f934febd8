//! A recording that cannot be written: one clear line on stderr when it
//! fails, the run goes on to its end (the trace on stdout is whole), and the
//! exit status is 1 (issue 10 §4).

mod common;

use ftpviz::trace::{read_json_lines, Kind};
use std::path::Path;

/// Runs a passive lab recorded to `target`: exit code, the trace's reply
/// codes, stderr's lines.
fn run_recording_to(target: &Path) -> (i32, Vec<u16>, Vec<String>) {
    let target = target.to_str().unwrap();
    let args = [
        "lab", "--mode", "passive", "--port", "0", "--json", "--record", target,
    ];
    let (code, stdout, stderr) = common::ftpviz(&args);
    let trace = read_json_lines(stdout.as_bytes()).expect("the trace on stdout is valid");
    let codes = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            Kind::Reply { code, .. } => Some(code),
            _ => None,
        })
        .collect();
    (code, codes, stderr.lines().map(str::to_string).collect())
}

#[test]
fn a_full_disk_is_one_line_and_the_run_still_ends() {
    let full = Path::new("/dev/full");
    if !full.exists() {
        println!("skipped: no /dev/full here");
        return;
    }
    let (code, replies, stderr) = run_recording_to(full);
    assert_eq!(code, 1, "{stderr:?}");
    assert_eq!(stderr.len(), 1, "one line: {stderr:?}");
    assert!(stderr[0].contains("/dev/full"), "{stderr:?}");
    let enospc = std::io::Error::from_raw_os_error(28).to_string();
    assert!(stderr[0].contains(&enospc), "says why: {stderr:?}");
    assert!(replies.contains(&226), "the transfers went on: {replies:?}");
    assert_eq!(replies.last(), Some(&221), "the run ended: {replies:?}");
}

#[test]
fn a_file_that_cannot_be_created_is_one_line_and_the_run_still_ends() {
    let dir = common::temp_dir("errors");
    // A directory nobody may write to (root may anyway: then one that does
    // not exist).
    let locked = dir.join("locked");
    std::fs::create_dir(&locked).unwrap();
    let mut target = locked.join("run.pcapng");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o500)).unwrap();
        if std::fs::File::create(locked.join("probe")).is_ok() {
            target = dir.join("missing").join("run.pcapng");
        }
    }
    let (code, replies, stderr) = run_recording_to(&target);
    assert_eq!(code, 1, "{stderr:?}");
    assert_eq!(stderr.len(), 1, "one line: {stderr:?}");
    assert!(stderr[0].contains("cannot create"), "{stderr:?}");
    assert!(stderr[0].contains(target.to_str().unwrap()), "{stderr:?}");
    assert_eq!(replies.last(), Some(&221), "the run ended: {replies:?}");
    assert!(!target.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o700));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
