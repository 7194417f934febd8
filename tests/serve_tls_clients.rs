//! Real FTPS clients against `ftpviz serve --tls` (the binary): curl
//! (`--ssl-reqd -k`), lftp (`ftp:ssl-force`, `ftp:ssl-protect-data`) and
//! Python's `ftplib.FTP_TLS` with `prot_p()` — listing, download, upload
//! as demo/demo and download back, passive and active, every file checked
//! byte for byte against the one served; and openssl, shown the certificate
//! the fingerprint printed at start names. A client that is not installed
//! is skipped (a failure under CI).

mod common;
#[path = "support/serve_bin.rs"]
mod serve_bin;

use ftpviz::tls::INSIDE_TLS;
use ftpviz::trace::{Kind, Trace};
use std::path::Path;
use std::process::{Command, Output};

const HELLO: &[u8] = include_bytes!("../assets/files/hello.txt");
const RANDOM: &[u8] = include_bytes!("../assets/files/random.bin");

/// `serve --tls`: it printed the certificate's fingerprint before serving.
fn served() -> serve_bin::Served {
    let served = serve_bin::serve(None, &["--tls"]);
    assert_eq!(fingerprint(&served).len(), 95, "{:?}", served.said);
    served
}

/// The fingerprint `serve --tls` printed.
fn fingerprint(served: &serve_bin::Served) -> String {
    let said = served.said.join("\n");
    said.split("SHA-256 fingerprint ")
        .nth(1)
        .unwrap_or_else(|| panic!("no fingerprint in {said:?}"))
        .trim()
        .to_string()
}

/// Bytes of every value, so a line-end conversion would show.
fn upload(dir: &Path, name: &str, len: usize) -> (std::path::PathBuf, Vec<u8>) {
    let bytes: Vec<u8> = (0..=255u8).cycle().take(len).collect();
    let path = dir.join(name);
    std::fs::write(&path, &bytes).unwrap();
    (path, bytes)
}

fn ok(out: &Output, what: &str) -> String {
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{what}: {said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    said
}

/// Every command and reply after the `234` is noted as inside TLS.
fn noted_inside_tls(trace: &Trace) {
    let events = &trace.events;
    for session in 1..=events.iter().map(|e| e.session).max().unwrap_or(0) {
        let control = events.iter().filter(|e| {
            e.session == session && matches!(e.kind, Kind::Command { .. } | Kind::Reply { .. })
        });
        let mut inside = false;
        for e in control {
            let noted = e.note.as_deref().is_some_and(|n| n.contains(INSIDE_TLS));
            assert_eq!(noted, inside, "{e:?}");
            inside |= matches!(e.kind, Kind::Reply { code: 234, .. });
        }
        assert!(inside, "session {session} went inside TLS");
    }
}

/// curl 7.x accepts the server's dial in active mode but never starts TLS
/// on it (measured: Debian 12's curl 7.88.1 hangs the same way against
/// vsftpd 3.0.3 with `ssl_enable=YES`); curl 8 does.
fn curl_does_active_ftps() -> bool {
    let out = Command::new("curl").arg("--version").output().unwrap();
    let version = String::from_utf8_lossy(&out.stdout);
    let major = version
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse::<u32>().ok());
    major.is_some_and(|m| m >= 8)
}

#[test]
fn curl_lists_downloads_and_uploads_inside_tls() {
    if common::peer("curl").is_none() {
        return;
    }
    let dir = common::temp_dir("serve-tls-curl");
    let served = served();
    let url = |name: &str| format!("ftp://127.0.0.1:{}/{name}", served.addr.port());
    let curl = |extra: &[&str], name: &str| {
        Command::new("curl")
            .args(["-sS", "--ssl-reqd", "-k", "--user", "demo:demo"])
            .args(extra)
            .arg(url(name))
            .output()
            .unwrap()
    };
    let mut modes: Vec<(&str, Vec<&str>)> = vec![("passive", vec![])];
    if curl_does_active_ftps() {
        modes.push(("active", vec!["-P", "127.0.0.1"]));
    } else {
        eprintln!("curl active mode skipped: curl 7 never starts TLS on the data connection it accepts (vsftpd 3.0.3 too)");
    }
    for (mode, flags) in &modes {
        let listing = ok(&curl(flags, ""), "LIST");
        assert!(listing.contains(" hello.txt\n"), "{listing}");
        assert_eq!(curl(flags, "random.bin").stdout, RANDOM, "{mode}");
        let (path, bytes) = upload(&dir, &format!("curl-{mode}.bin"), 70_000);
        let mut up: Vec<&str> = flags.clone();
        up.extend(["-T", path.to_str().unwrap()]);
        ok(&curl(&up, &format!("curl-{mode}.bin")), "STOR");
        assert_eq!(
            curl(flags, &format!("curl-{mode}.bin")).stdout,
            bytes,
            "{mode}"
        );
    }
    // Active mode with only the control connection in TLS (PROT C): the
    // server's dial back, with AUTH TLS before it.
    let clear_data = ["--ftp-ssl-control", "-P", "127.0.0.1"];
    let out = Command::new("curl")
        .args(["-sS", "-k", "--user", "demo:demo"])
        .args(clear_data)
        .arg(url("hello.txt"))
        .output()
        .unwrap();
    assert_eq!(ok(&out, "active, data in clear").as_bytes(), HELLO);
    noted_inside_tls(&served.stop());
}

/// `CCC` with curl, both ways it can end TLS (RFC 4217 §5): `passive`,
/// curl's default, sends no `close_notify` of its own and goes on in clear
/// at once; `active` sends one and then goes on. The server must expect
/// clear text after its `200` either way (before the fix, `passive` hung
/// until curl's own timeout). The password stays inside TLS; the lines after
/// the `CCC` are in clear.
#[test]
fn curl_clears_the_control_channel_with_ccc_either_way() {
    if common::peer("curl").is_none() {
        return;
    }
    let served = served();
    for ccc_mode in ["passive", "active"] {
        let out = Command::new("curl")
            .args(["-sS", "--ssl-reqd", "-k", "--user", "demo:demo"])
            .args(["--ftp-ssl-ccc", "--ftp-ssl-ccc-mode", ccc_mode])
            .args(["--max-time", "60"])
            .arg(format!("ftp://127.0.0.1:{}/hello.txt", served.addr.port()))
            .output()
            .unwrap();
        assert_eq!(ok(&out, ccc_mode).as_bytes(), HELLO, "{ccc_mode}");
    }
    let trace = served.stop();
    for session in 1..=2 {
        let lines: Vec<_> = trace
            .events
            .iter()
            .filter(|e| e.session == session)
            .filter_map(|e| match &e.kind {
                Kind::Command { verb, .. } => Some((verb.to_string(), e.note.as_deref())),
                Kind::Reply { code, .. } => Some((code.to_string(), e.note.as_deref())),
                _ => None,
            })
            .collect();
        let inside = |at: usize| lines[at].1.is_some_and(|n| n.contains(INSIDE_TLS));
        let pass = lines.iter().position(|(w, _)| w == "PASS").expect("PASS");
        let ccc = lines.iter().position(|(w, _)| w == "CCC").expect("CCC");
        assert!(inside(pass) && inside(ccc) && inside(ccc + 1), "{lines:?}");
        assert!(ccc + 2 < lines.len(), "nothing after CCC: {lines:?}");
        assert!((ccc + 2..lines.len()).all(|at| !inside(at)), "{lines:?}");
    }
}

#[test]
fn lftp_lists_downloads_and_uploads_inside_tls_passive_and_active() {
    if common::peer("lftp").is_none() {
        return;
    }
    let dir = common::temp_dir("serve-tls-lftp");
    let served = served();
    let (path, bytes) = upload(&dir, "lftp.bin", 100_000);
    let d = dir.display();
    let script = format!(
        "set ftp:ssl-force true; set ftp:ssl-protect-data true; \
         set ssl:verify-certificate no; set net:max-retries 1; \
         open -u demo,demo -p {port} 127.0.0.1; \
         ls; get random.bin -o {d}/random-passive.bin; \
         put {up} -o lftp.bin; get lftp.bin -o {d}/back-passive.bin; \
         set ftp:passive-mode off; \
         ls; get hello.txt -o {d}/hello-active.txt; \
         put {up} -o lftp-active.bin; get lftp-active.bin -o {d}/back-active.bin",
        port = served.addr.port(),
        up = path.display(),
    );
    let out = Command::new("lftp").args(["-c", &script]).output().unwrap();
    let said = ok(&out, "lftp");
    assert_eq!(said.matches(" hello.txt\n").count(), 2, "{said}");
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap_or_default();
    assert_eq!(read("random-passive.bin"), RANDOM);
    assert_eq!(read("hello-active.txt"), HELLO);
    assert_eq!(read("back-passive.bin"), bytes);
    assert_eq!(read("back-active.bin"), bytes);
    noted_inside_tls(&served.stop());
}

#[test]
fn python_ftp_tls_with_prot_p_passive_and_active() {
    if common::peer("python3").is_none() {
        return;
    }
    let served = served();
    let script = r#"
import ftplib, io, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
for passive in (True, False):
    ftp = ftplib.FTP_TLS(context=ctx, timeout=60)
    ftp.connect("127.0.0.1", int(sys.argv[1]))
    ftp.login("demo", "demo")
    print(ftp.prot_p())
    ftp.set_pasv(passive)
    print("NLST", ftp.nlst())
    got = io.BytesIO()
    ftp.retrbinary("RETR random.bin", got.write)
    sys.stdout.buffer.write(b"RETR " + got.getvalue().hex().encode() + b"\n")
    up = bytes(range(256)) * 300
    name = "py-%s.bin" % passive
    ftp.storbinary("STOR " + name, io.BytesIO(up))
    back = io.BytesIO()
    ftp.retrbinary("RETR " + name, back.write)
    print("BACK", back.getvalue() == up)
    ftp.quit()
"#;
    let out = Command::new("python3")
        .args(["-c", script, &served.addr.port().to_string()])
        .output()
        .unwrap();
    let said = ok(&out, "python");
    assert_eq!(said.matches("200 ").count(), 2, "PROT P twice: {said}");
    assert_eq!(said.matches("'hello.txt'").count(), 2, "{said}");
    let hex: String = RANDOM.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(said.matches(&format!("RETR {hex}\n")).count(), 2);
    assert_eq!(said.matches("BACK True").count(), 2, "{said}");
    noted_inside_tls(&served.stop());
}

#[test]
fn the_printed_fingerprint_is_the_one_openssl_is_shown() {
    if common::peer("openssl").is_none() {
        return;
    }
    let served = served();
    let connect = format!("127.0.0.1:{}", served.addr.port());
    let hello = Command::new("openssl")
        .args(["s_client", "-starttls", "ftp", "-connect", &connect])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let mut x509 = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut x509.stdin.take().unwrap(), &hello.stdout).unwrap();
    let said = ok(&x509.wait_with_output().unwrap(), "openssl x509");
    assert_eq!(
        said.trim().split('=').nth(1),
        Some(fingerprint(&served).as_str()),
        "{said}"
    );
    served.stop();
}
