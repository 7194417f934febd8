//! Issue 19, point 6: start-up errors. A `--root` the server cannot read is
//! refused at start with its reason (as a missing one is), not served as a
//! tree that answers 550 to everything; and every start-up error says its
//! cause once. The real binary.

mod common;

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `ftpviz serve` with `args`, run as a user who is not root: as
/// ourselves, or — when we are root, whom no permission stops — as
/// `nobody` through `setpriv`, from a copy of the binary that `nobody` can
/// reach. `None` when that cannot be arranged (said as a skip).
fn serve_unprivileged(args: &[&str], scratch: &Path) -> Option<(i32, String)> {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_ftpviz"));
    let mut cmd = if rustix::process::geteuid().is_root() {
        let setpriv = common::peer("setpriv")?;
        let copy = scratch.join("ftpviz");
        if std::fs::hard_link(&bin, &copy).is_err() {
            std::fs::copy(&bin, &copy).unwrap();
        }
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut cmd = Command::new(setpriv);
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(copy);
        cmd
    } else {
        Command::new(bin)
    };
    let out = cmd.args(args).output().unwrap();
    Some((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

#[test]
fn an_unreadable_root_is_refused_at_start() {
    let scratch = common::temp_dir("serve-unreadable");
    std::fs::set_permissions(&scratch, std::fs::Permissions::from_mode(0o755)).unwrap();
    let root = scratch.join("root");
    std::fs::create_dir(&root).unwrap();
    std::fs::write(root.join("hello.txt"), "hi").unwrap();
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o000)).unwrap();
    let root_arg = root.to_str().unwrap();
    let args = [
        "serve",
        "--json",
        "--listen",
        "127.0.0.1:0",
        "--root",
        root_arg,
    ];
    let Some((code, err)) = serve_unprivileged(&args, &scratch) else {
        return;
    };
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains("serving on"), "nothing served: {err}");
    assert!(err.contains(&format!("--root {root_arg}")), "{err}");
    assert_eq!(
        err.matches("Permission denied").count(),
        1,
        "said once: {err}"
    );
    assert_eq!(err.matches(root_arg).count(), 1, "the path once: {err}");
    let _ = std::fs::remove_dir_all(&scratch);
}

#[test]
fn start_up_errors_say_their_cause_once() {
    let missing = common::temp_dir("serve-missing-root").join("nowhere");
    let (code, _, err) = common::ftpviz(&["serve", "--json", "--root", missing.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
    assert_eq!(err.matches(missing.to_str().unwrap()).count(), 1, "{err}");
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let (code, _, err) = common::ftpviz(&["serve", "--json", "--listen", &addr]);
    assert_eq!(code, 1);
    assert!(err.contains(&format!("cannot listen on {addr}")), "{err}");
    assert_eq!(err.matches("Address already in use").count(), 1, "{err}");
}
