//! Issue 19, point 5: what real clients send. Wildcards (`mget *.txt` in
//! the stock `ftp` client is `NLST *.txt`), `ls -l` dates with the year
//! for old and future files, `MLST`/`MLSD` as RFC 3659 says and FEAT
//! advertising them right, `ALLO`, `XCWD`/`XCUP`, no `ABOR` but the real
//! one, no `SIZE` of `hello.txt/`, and names with a backslash listed so
//! they cannot pass for another. With tnftp, Python's ftplib, suppaftp
//! and a raw socket.

mod common;
#[path = "support/our_server.rs"]
mod our_server;
#[path = "support/raw.rs"]
mod raw;
#[path = "support/serve_bin.rs"]
mod serve_bin;

use ftpviz::server::files::Files;
use our_server::{drain, start};
use raw::Raw;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use suppaftp::FtpStream;
use tokio::io::AsyncReadExt;

/// A served folder: two text files, a binary, a hidden text file, and a
/// folder with two more.
fn tree(tag: &str) -> std::path::PathBuf {
    let root = common::temp_dir(tag);
    for (name, body) in [
        ("a.txt", "first\n"),
        ("b.txt", "second\n"),
        ("c.bin", "\x00\x01"),
        (".hidden.txt", "secret\n"),
        ("docs/one.txt", "one\n"),
        ("docs/two.txt", "two\n"),
    ] {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
    root
}

/// Our server on `root`, and suppaftp logged in as `anonymous` doing
/// `session` (then QUIT).
async fn suppaftp_on(root: &Path, session: impl FnOnce(&mut FtpStream) + Send + 'static) {
    let files = Files::dir(root).unwrap();
    let (addr, events, stop) = start(move |c| c.files = files).await;
    tokio::task::spawn_blocking(move || {
        let mut ftp = FtpStream::connect(addr).unwrap();
        ftp.login("anonymous", "x").unwrap();
        session(&mut ftp);
        ftp.quit().unwrap();
    })
    .await
    .unwrap();
    drain(events, stop).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wildcards_list_the_names_that_match() {
    let root = tree("serve-glob");
    suppaftp_on(&root, |ftp| {
        assert_eq!(ftp.nlst(Some("*.txt")).unwrap(), ["a.txt", "b.txt"]);
        assert_eq!(ftp.nlst(Some("?.bin")).unwrap(), ["c.bin"]);
        assert_eq!(ftp.nlst(Some(".*")).unwrap(), [".hidden.txt"]);
        // With a folder, NLST names lead back to the files.
        let names = ftp.nlst(Some("docs/*.txt")).unwrap();
        assert_eq!(names, ["docs/one.txt", "docs/two.txt"]);
        for name in &names {
            assert!(ftp.retr_as_buffer(name).is_ok(), "{name}");
        }
        let list = ftp.list(Some("-l [ab]*")).unwrap();
        assert_eq!(list.len(), 2, "{list:?}");
        assert!(list[0].ends_with(" a.txt") && list[1].ends_with(" b.txt"));
        let none = ftp.nlst(Some("*.xyz"));
        assert!(none.is_err(), "no match is 550: {none:?}");
    })
    .await;
}

#[test]
fn tnftp_mget_fetches_what_the_wildcard_matches() {
    let Some(tnftp) = common::peer("tnftp") else {
        return;
    };
    let root = tree("serve-mget");
    let local = common::temp_dir("serve-mget-local");
    let served = serve_bin::serve(Some(&root), &[]);
    let out = Command::new(tnftp)
        .args([
            "-n",
            "-i",
            "-p",
            "127.0.0.1",
            &served.addr.port().to_string(),
        ])
        .current_dir(&local)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            let mut to = c.stdin.take().unwrap();
            to.write_all(b"user anonymous x\nmget *.txt\nquit\n")?;
            drop(to);
            c.wait_with_output()
        })
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = |name: &str| std::fs::read_to_string(local.join(name)).unwrap_or_default();
    assert_eq!(read("a.txt"), "first\n");
    assert_eq!(read("b.txt"), "second\n");
    assert!(!local.join("c.bin").exists() && !local.join(".hidden.txt").exists());
    served.stop();
}

/// Sets `path`'s modification time.
fn touch(path: &Path, t: SystemTime) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(t).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_dates_give_the_year_for_old_and_future_files() {
    let root = tree("serve-dates");
    // 2019-03-04 05:06:00 UTC, and 2100-01-01 (`date -d ... +%s`).
    touch(
        &root.join("a.txt"),
        UNIX_EPOCH + Duration::from_secs(1_551_675_960),
    );
    touch(
        &root.join("b.txt"),
        UNIX_EPOCH + Duration::from_secs(4_102_444_800),
    );
    suppaftp_on(&root, |ftp| {
        let list = ftp.list(None).unwrap();
        let line = |name: &str| {
            list.iter()
                .find(|l| l.ends_with(&format!(" {name}")))
                .cloned()
                .unwrap()
        };
        assert!(line("a.txt").contains(" Mar  4  2019 a.txt"), "{list:?}");
        assert!(line("b.txt").contains(" Jan  1  2100 b.txt"), "{list:?}");
        // Just written: month, day and time.
        let recent = line("c.bin");
        let time = recent.split_whitespace().nth(7).unwrap();
        assert!(time.len() == 5 && time.as_bytes()[2] == b':', "{recent}");
    })
    .await;
}

#[test]
fn python_ftplib_uses_mlsd_and_mlst() {
    if common::peer("python3").is_none() {
        return;
    }
    let served = serve_bin::serve(None, &[]);
    let script = r#"
import ftplib, sys
ftp = ftplib.FTP()
ftp.connect("127.0.0.1", int(sys.argv[1]))
ftp.login()
print(ftp.sendcmd("FEAT"))
for name, facts in ftp.mlsd("docs"):
    print("MLSD", name, facts["type"], facts.get("size"), len(facts["modify"]))
print(ftp.sendcmd("MLST hello.txt"))
print(ftp.sendcmd("OPTS MLST type;"))
for name, facts in ftp.mlsd("/"):
    print("ONLY", name, sorted(facts))
try:
    list(ftp.mlsd("hello.txt"))
except ftplib.error_perm as e:
    print("REFUSED", e)
ftp.quit()
"#;
    let out = Command::new("python3")
        .args(["-c", script, &served.addr.port().to_string()])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("\n MLST type*;size*;modify*;\n"), "{said}");
    assert!(!said.contains("MLSD\n"), "no MLSD feature line: {said}");
    let size = include_bytes!("../assets/files/docs/rfc959-modes.txt").len();
    assert!(
        said.contains(&format!("MLSD rfc959-modes.txt file {size} 14")),
        "{said}"
    );
    assert!(
        said.contains("250-Listing hello.txt\n type=file;size=80;modify="),
        "{said}"
    );
    assert!(said.contains("; /hello.txt\n250 End"), "{said}");
    assert!(said.contains("200 MLST OPTS type;"), "{said}");
    assert!(said.contains("ONLY hello.txt ['type']"), "{said}");
    assert!(said.contains("REFUSED 501"), "{said}");
    served.stop();
}

#[tokio::test]
async fn old_commands_and_near_misses() {
    let (addr, events, stop) = start(|_| {}).await;
    let mut c = Raw::connect(addr).await;
    c.login().await;
    assert_eq!(c.command("ALLO 1000").await.code, 202);
    assert_eq!(c.command("XCWD docs").await.code, 250);
    assert_eq!(
        c.command("XPWD").await.message(),
        "\"/docs\" is the current directory"
    );
    assert_eq!(c.command("XCUP").await.code, 250);
    assert_eq!(
        c.command("PWD").await.message(),
        "\"/\" is the current directory"
    );
    // Only Telnet bytes may stand before an ABOR.
    assert_eq!(c.command("1ABOR").await.code, 500);
    assert_eq!(c.command("..ABOR").await.code, 500);
    assert_eq!(c.send(b"\xff\xf4\xff\xf2ABOR\r\n").await.code, 226);
    // `hello.txt/` names a folder: no file by that name.
    assert_eq!(c.command("SIZE hello.txt").await.code, 213);
    for cmd in ["SIZE hello.txt/", "MDTM hello.txt/", "MLST hello.txt/"] {
        assert_eq!(c.command(cmd).await.code, 550, "{cmd}");
    }
    let _data = c.epsv().await;
    assert_eq!(c.command("RETR hello.txt/").await.code, 550);
    assert_eq!(c.command("QUIT").await.code, 221);
    drain(events, stop).await;
}

#[tokio::test]
async fn a_backslash_in_a_name_is_escaped_so_no_name_shadows_another() {
    let root = common::temp_dir("serve-backslash");
    std::fs::write(root.join("a\nb"), "newline").unwrap();
    std::fs::write(root.join("a\\012b"), "backslash").unwrap();
    let files = Files::dir(&root).unwrap();
    let (addr, events, stop) = start(move |c| c.files = files).await;
    let mut c = Raw::connect(addr).await;
    c.login().await;
    let nlst = String::from_utf8(fetch(&mut c, "NLST").await).unwrap();
    assert_eq!(nlst, "a\\012b\r\na\\\\012b\r\n");
    // Each listed name fetches its own file.
    assert_eq!(fetch(&mut c, "RETR a\\012b").await, b"newline");
    assert_eq!(fetch(&mut c, "RETR a\\\\012b").await, b"backslash");
    assert_eq!(c.command("QUIT").await.code, 221);
    drain(events, stop).await;
}

/// A transfer command over a passive connection: what came.
async fn fetch(c: &mut Raw, command: &str) -> Vec<u8> {
    let mut data = c.epsv().await;
    assert_eq!(c.command(command).await.code, 150, "{command}");
    let mut got = Vec::new();
    data.read_to_end(&mut got).await.unwrap();
    assert_eq!(c.reply().await.code, 226);
    got
}
