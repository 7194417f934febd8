//! Issue 11, point 12: the log file in the shared temp directory is not
//! opened through a symlink (or a hard link) someone planted there.
//!
//! One test in its own process: it points `TMPDIR` at a scratch folder and
//! installs the program's one log subscriber.

mod common;

use std::os::unix::fs::MetadataExt;

#[test]
fn a_planted_symlink_or_hard_link_is_refused() {
    let dir = common::temp_dir("log-file");
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, b"precious\n").unwrap();
    // The variable is read by std::env::temp_dir(); this process has no
    // other test that could read it at the same time.
    std::env::set_var("TMPDIR", &dir);
    let log = dir.join("ftpviz.log");

    std::os::unix::fs::symlink(&victim, &log).unwrap();
    assert_eq!(
        ftpviz::tui::app::terminal::log_to_file(),
        None,
        "symlink refused"
    );
    std::fs::remove_file(&log).unwrap();

    std::fs::hard_link(&victim, &log).unwrap();
    assert_eq!(
        ftpviz::tui::app::terminal::log_to_file(),
        None,
        "hard link refused"
    );
    std::fs::remove_file(&log).unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious\n", "untouched");

    // With nothing planted the log is ours: a new file, private.
    assert_eq!(ftpviz::tui::app::terminal::log_to_file(), Some(log.clone()));
    let meta = std::fs::symlink_metadata(&log).unwrap();
    assert!(meta.is_file());
    assert_eq!(meta.mode() & 0o777, 0o600);
    let _ = std::fs::remove_dir_all(&dir);
}
