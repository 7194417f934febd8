//! FTPS through the Linux kernel's own FTP helper (issue 18 §1): what the
//! lab claims of a middlebox blinded by TLS (`tests/lab_tls.rs`), checked
//! against `nf_conntrack_ftp` in network namespaces this test makes.
//!
//! Each scenario runs twice, as `tests/kernel_middlebox.rs` runs the plain
//! ones: on the kernel — three namespaces (client, router, server), the
//! router's iptables the firewall, the NAT and the helper (`-t raw … -j CT
//! --helper ftp`), `ftpviz serve --tls` (or vsftpd with `ssl_enable`) in the
//! server's namespace, Python's `ftplib.FTP_TLS` in the client's (and, in
//! every passive scenario, curl too), tcpdump on both sides of the router
//! read by ftpviz's replay — and in the lab, as a `LabConfig` with
//! `tls`/`ccc`. The two must tell the same story (`trace_facts`).
//!
//! What each witness can see. The captures show what the helper saw: the
//! dials, their ports and how each ended, and the control lines only where
//! they crossed in clear (before `AUTH TLS`, after `CCC`). The lines inside
//! TLS come from the peers that hold the keys: the client's own log
//! (ftplib's debug output, curl's `-v`) and the server's (`serve --json`; vsftpd keeps
//! none, and inside TLS nothing on the path can change a byte, so what the
//! client read is what the server wrote). The helper itself is asked too:
//! its namespace's counters say how many expectations it created (it read
//! an announcement) and how many dials one of them let in.
//!
//! The claims: (a) active FTPS through a client-side stateful firewall
//! with the helper is dropped; (b) passive FTPS behind a server NAT with
//! the helper announces the private address, unrewritten (refused when the
//! client dials the server's public address at that port, dropped when it
//! trusts the private one); (c) the same boxes in plain FTP work; (d) `CCC`
//! after login lets the helper read the `PORT` and `227` again; (e) a
//! server that writes its public address itself (vsftpd's `pasv_address`)
//! fixes (b) and keeps everything encrypted.
//!
//! What the kernel showed that the lab had simplified: after `CCC` the
//! helper does not read the *first* clear line from each side.
//! `nf_conntrack_ftp` reads a packet only if it starts where an earlier one
//! of that direction ended a line (`find_nl_seq`), and the one before was a
//! TLS record (`close_notify`). A `PORT` or `227` sent first after `CCC` is
//! missed (no expectation: dropped, refused); after `PWD`, as the lab
//! client and curl send, it is read. The lab's helper now does the same
//! (`middlebox::helper`), and is held to the kernel line by line here: the
//! client's lines, in the kernel run's order, fed to a `Middlebox`, must
//! open a pinhole exactly when the kernel's helper created an expectation.
//! The one allowed difference: a TLS record that happens to end in byte
//! `0x0a` (once in 256) right before that first line — the kernel then
//! reads on, and the test reads the capture's bytes to know.
//!
//! Needs root, ip, iptables (with the `CT` target and the FTP helper),
//! vsftpd, openssl, python3, curl, tcpdump, bash and ss; without them it is
//! skipped (a failure under CI). The waits are short: vsftpd's
//! connect_timeout is 3 s, ftpviz's server gives its dial 10 s, the
//! client's data dial has 4 s; the lab gives up after 3 s.

#[path = "support/bare_tcp.rs"]
mod bare_tcp;
mod common;
#[path = "support/netns.rs"]
mod netns;
#[path = "support/router.rs"]
mod router;
#[path = "support/scenarios.rs"]
mod scenarios;
#[path = "support/serve_bin.rs"]
mod serve_bin;
#[path = "support/trace_facts.rs"]
mod trace_facts;

use ftpviz::lab::{LabConfig, Mode};
use ftpviz::middlebox::{Firewall, Middlebox, Nat};
use ftpviz::trace::{Event, Kind, Side};
use router::{helper_counts, side_by_side, topology, Between, Captures, HelperCounts};
use scenarios::table::Knobs;
use std::path::Path;
use trace_facts::{facts, first_announcement, lab_facts, End, Facts};

/// The server of a kernel run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Server {
    /// `ftpviz serve --tls --classroom` (it has CCC).
    Ours,
    /// vsftpd 3.0.3 with `ssl_enable` (it has `pasv_address`, no CCC).
    Vsftpd,
}

/// How the control connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Control {
    Plain,
    /// `AUTH TLS`, `PBSZ 0`, `PROT P`, then everything inside TLS.
    Tls,
    /// The same, then `CCC` after login: the control connection goes back
    /// to clear text (the data stays inside TLS); then PWD and TYPE I, as
    /// the lab client (and curl, PWD) send.
    Ccc,
    /// `CCC`, then at once the `PORT` or `PASV`: the announcement is the
    /// first clear line after TLS. The lab client never does this; the
    /// lab's helper is held to it line by line (see `lab_helper_reads`).
    CccFirst,
}

/// The client of a kernel run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Client {
    /// Python's `ftplib.FTP_TLS`, in either mode.
    Ftplib,
    /// curl 7.88, a second witness in passive mode (in active mode it
    /// never starts TLS on the data connection it accepts:
    /// `tests/serve_tls_clients.rs`).
    Curl,
}

/// One scenario.
#[derive(Debug, Clone, Copy)]
struct Case {
    claim: &'static str,
    client: Client,
    server: Server,
    mode: Mode,
    fw: Firewall,
    nat: Nat,
    knobs: Knobs,
    control: Control,
    /// How the first data dial ends on the kernel (and in the lab).
    want: End,
}

impl Case {
    fn between(&self) -> Between {
        Between {
            fw: self.fw,
            nat: self.nat,
            knobs: self.knobs,
            ipv6: false,
        }
    }

    /// The same scenario in the lab, where its client can play it.
    fn lab(&self) -> Option<LabConfig> {
        (self.control != Control::CccFirst).then(|| LabConfig {
            tls: self.control != Control::Plain,
            ccc: self.control == Control::Ccc,
            ..scenarios::lab_with(self.mode, false, false, self.fw, self.nat, self.knobs)
        })
    }
}

const PLAIN: Knobs = Knobs {
    forward_data: false,
    trust_pasv: false,
    pasv_address: false,
};
const TRUSTING: Knobs = Knobs {
    trust_pasv: true,
    ..PLAIN
};

fn cases() -> Vec<Case> {
    use Control::{Ccc, CccFirst, Plain, Tls};
    use End::{Dropped, Refused, Worked};
    let (act, pasv, none, srv) = (Mode::Active, Mode::Passive, Nat::None, Nat::Server);
    #[rustfmt::skip]
    let through_the_helper = [
        ("(a) active FTPS",                  act,  none, PLAIN,    Tls,      Dropped),
        ("(c) active plain",                 act,  none, PLAIN,    Plain,    Worked),
        ("(d) active CCC",                   act,  none, PLAIN,    Ccc,      Worked),
        ("(d) active, PORT first after CCC", act,  none, PLAIN,    CccFirst, Dropped),
        ("(b) passive FTPS",                 pasv, srv,  PLAIN,    Tls,      Refused),
        ("(b) passive FTPS, trusting",       pasv, srv,  TRUSTING, Tls,      Dropped),
        ("(c) passive plain",                pasv, srv,  PLAIN,    Plain,    Worked),
        ("(d) passive CCC",                  pasv, srv,  PLAIN,    Ccc,      Worked),
        ("(d) passive, 227 first after CCC", pasv, srv,  PLAIN,    CccFirst, Refused),
    ];
    let mut all: Vec<Case> = through_the_helper
        .into_iter()
        .map(|(claim, mode, nat, knobs, control, want)| Case {
            claim,
            client: Client::Ftplib,
            server: Server::Ours,
            mode,
            fw: Firewall::Stateful,
            nat,
            knobs,
            control,
            want,
        })
        .collect();
    // The server's own public address: vsftpd's pasv_address, every port
    // forwarded, a client that trusts the 227.
    for (claim, pasv_address, want) in [
        ("(e) FTPS, private 227", false, Dropped),
        ("(e) FTPS, pasv_address", true, Worked),
    ] {
        all.push(Case {
            claim,
            client: Client::Ftplib,
            server: Server::Vsftpd,
            mode: pasv,
            fw: Firewall::None,
            nat: Nat::Server,
            knobs: Knobs {
                forward_data: true,
                trust_pasv: true,
                pasv_address,
            },
            control: Tls,
            want,
        });
    }
    let curl: Vec<Case> = all
        .iter()
        .filter(|c| c.mode == pasv && c.control != CccFirst)
        .map(|c| Case {
            client: Client::Curl,
            ..*c
        })
        .collect();
    all.extend(curl);
    all
}

// ---- the kernel's run -----------------------------------------------------

/// Python's ftplib: logs in (inside TLS unless plain, PBSZ and PROT before
/// USER as the lab client does), CCC if asked, PWD and TYPE I as the lab,
/// then one LIST in the case's mode; its debug output is the client's log.
fn ftplib_script(case: &Case, host: &str) -> String {
    let py = |b: bool| if b { "True" } else { "False" };
    let tls = case.control != Control::Plain;
    format!(
        "import ftplib, ssl, sys\n\
         f = (ftplib.FTP_TLS if {tls} else ftplib.FTP)(timeout=20)\n\
         f.set_debuglevel(1)\n\
         f.trust_server_pasv_ipv4_address = {trust}\n\
         f.connect('{host}', 21)\n\
         try:\n\
         \x20   if {tls}:\n\
         \x20       f.auth()\n\
         \x20       f.prot_p()\n\
         \x20   f.login()\n\
         \x20   if {ccc}:\n\
         \x20       f.ccc()\n\
         \x20   if not {first}:\n\
         \x20       f.pwd()\n\
         \x20       f.voidcmd('TYPE I')\n\
         \x20   f.set_pasv({passive})\n\
         \x20   f.timeout = 4\n\
         \x20   conn = f.transfercmd('LIST')\n\
         \x20   try:\n\
         \x20       while conn.recv(8192):\n\
         \x20           pass\n\
         \x20       if isinstance(conn, ssl.SSLSocket):\n\
         \x20           conn.unwrap()\n\
         \x20   except OSError:\n\
         \x20       pass\n\
         \x20   conn.close()\n\
         \x20   f.voidresp()\n\
         except Exception as e:\n\
         \x20   print('ftplib:', e, file=sys.stderr)\n\
         try:\n\
         \x20   f.quit()\n\
         except Exception:\n\
         \x20   pass\n",
        tls = py(tls),
        trust = py(case.knobs.trust_pasv),
        ccc = py(matches!(case.control, Control::Ccc | Control::CccFirst)),
        first = py(case.control == Control::CccFirst),
        passive = py(case.mode == Mode::Passive),
    )
}

/// curl listing the directory in passive mode (PASV), inside TLS unless
/// plain, with CCC after login if asked — in its `active` CCC mode, where
/// it sends its own `close_notify`: in its default mode it sends none and
/// goes on in clear, and `ftpviz serve` waits for one (a stall, measured;
/// RFC 4217 §5 has the server expect the next command in plaintext) —
/// trusting the 227 only when the case says so.
fn curl_args(case: &Case, host: &str) -> Vec<String> {
    let mut a = vec!["-sS", "-v", "--connect-timeout", "4", "--max-time", "20"];
    a.push("--disable-epsv");
    if case.control != Control::Plain {
        a.extend(["--ssl-reqd", "-k"]);
    }
    if case.control == Control::Ccc {
        a.extend(["--ftp-ssl-ccc", "--ftp-ssl-ccc-mode", "active"]);
    }
    if case.knobs.trust_pasv {
        a.push("--no-ftp-skip-pasv-ip");
    }
    let mut a: Vec<String> = a.into_iter().map(String::from).collect();
    a.push(format!("ftp://{host}/"));
    a
}

/// The control lines of the client's own log, as it sent and read them
/// (inside TLS too): ftplib's debug output (`*cmd* 'PORT …'`, `*resp*
/// '227 …'`) or curl's `-v` (`> PASV`, `< 227 …`).
fn client_log(out: &str) -> Vec<Event> {
    let unquote = |s: &str| {
        let s = s.trim();
        let q = s.chars().next()?;
        (matches!(q, '\'' | '"') && s.len() >= 2 && s.ends_with(q))
            .then(|| s[1..s.len() - 1].to_string())
    };
    out.lines()
        .filter_map(|l| {
            let (tag, rest) = l.split_once(' ')?;
            let (tag, line) = match tag {
                ">" => ("*cmd*", rest.trim_end().to_string()),
                "<" => ("*resp*", rest.trim_end().to_string()),
                _ => (tag, unquote(rest)?),
            };
            let kind = match tag {
                "*cmd*" => Kind::Command {
                    verb: line.split(' ').next()?.to_ascii_uppercase(),
                    text: line.clone(),
                },
                "*resp*" => Kind::Reply {
                    code: line.get(..3)?.parse().ok()?,
                    text: line.clone(),
                },
                _ => return None,
            };
            let from = if tag == "*cmd*" {
                Side::Client
            } else {
                Side::Server
            };
            Some(Event::new(0.0, 1, 0, from, kind))
        })
        .collect()
}

/// The lab's helper (`Middlebox`, the simulated firewall with the FTP
/// helper) fed the client's lines in the kernel run's order, each marked
/// inside TLS or not as it crossed (from the `234` to the `200` answering
/// `CCC`): whether it opened a pinhole. The kernel's addresses are put on
/// loopback, where the simulation lives: the client's as 127.0.0.2, the
/// server's (private, or public after the kernel's rewrite) as 127.0.0.3.
fn lab_helper_reads(case: &Case, lines: &[Event]) -> bool {
    let at = router::Addresses::of(case.nat, false);
    let comma = |ip: &str| ip.replace('.', ",");
    let (client, server) = (comma(at.client), comma(at.server));
    let public = comma(at.server_public(case.nat));
    let mut mb = Middlebox::new(case.fw, Nat::None);
    let control = |a: &str| a.parse().expect("an address");
    mb.dial(
        Side::Client,
        control("127.0.0.2:40000"),
        control("127.0.0.3:21"),
    );
    let (mut tls, mut cleared, mut read) = (false, false, false);
    for e in lines {
        let (text, inside) = match &e.kind {
            Kind::Command { verb, text } => {
                cleared = verb == "CCC";
                (text, tls)
            }
            Kind::Reply { code, text } => {
                let inside = tls;
                tls = (tls || *code == 234) && !(cleared && *code == 200);
                (text, inside)
            }
            _ => continue,
        };
        let text = text
            .replace(&client, "127,0,0,2")
            .replace(&server, "127,0,0,3")
            .replace(&public, "127,0,0,3");
        mb.relay(e.from, &text, inside);
        read |= mb.pinhole().is_some();
    }
    read
}

/// vsftpd's TLS settings: a self-signed certificate made now (openssl, in
/// the run's folder), anonymous logins and data inside TLS.
fn vsftpd_tls(dir: &Path) -> String {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args([
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=ftpviz-test",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl runs");
    assert!(made.status.success(), "openssl: {made:?}");
    format!(
        "ssl_enable=YES\nallow_anon_ssl=YES\nforce_anon_logins_ssl=YES\n\
         force_anon_data_ssl=YES\nrequire_ssl_reuse=NO\nrsa_cert_file={}\n\
         rsa_private_key_file={}\n",
        cert.display(),
        key.display()
    )
}

/// What a kernel run showed.
struct Kernel {
    /// The story, the lines as the peers read them (the client's log, the
    /// server's trace), the dials from the captures.
    told: Facts,
    /// What the captures alone show: what the helper could read.
    seen: Facts,
    helper: HelperCounts,
    /// The control lines as the client sent and read them.
    client_lines: Vec<Event>,
    /// With the announcement first after CCC: whether the segment before
    /// it (same direction) ended a line, the one case in which the kernel
    /// would read it (a TLS record ends in `\n` once in 256).
    after_a_line_end: Option<bool>,
    log: String,
}

fn kernel_run(index: usize, case: &Case) -> Option<Kernel> {
    let dir = common::temp_dir(&format!("kernel-ftps-{index}"));
    let net = topology(&format!("f{index}"), &case.between())?;
    let ours = (case.server == Server::Ours).then(|| {
        let mut extra = vec!["--classroom"];
        if case.control != Control::Plain {
            extra.push("--tls");
        }
        let bin = net.server.command(env!("CARGO_BIN_EXE_ftpviz"));
        serve_bin::serve_with(bin, None, &extra, "0.0.0.0:21")
    });
    let vsftpd = (case.server == Server::Vsftpd).then(|| {
        let tls = vsftpd_tls(&dir);
        router::vsftpd_with(&net.server, &dir, &case.between(), &net.at, &tls)
    });
    let captures = Captures::start(&net, &dir);
    let host = net.at.server_public(case.nat);
    let out = match case.client {
        Client::Ftplib => net
            .client
            .command("python3")
            .args(["-c", &ftplib_script(case, host)])
            .output(),
        Client::Curl => net
            .client
            .command("curl")
            .args(curl_args(case, host))
            .output(),
    }
    .expect("the client runs");
    let (rc, rs) = (captures.rc.clone(), captures.rs.clone());
    let (client, server) = captures.finish(&net);
    let helper = helper_counts(&net.router);
    drop(vsftpd);
    let server_trace = ours.map(|s| s.stop().events);
    let (dials, file) = if case.mode == Mode::Active {
        (&server, &rs)
    } else {
        (&client, &rc)
    };
    let mut dials = dials.clone();
    if trace_facts::first_dial(&dials).is_none() {
        dials.extend(bare_tcp::unlinked_dial(file, case.mode));
    }
    let dials = &dials;
    let seen = facts(&client, &server, dials);
    let log = match case.client {
        Client::Ftplib => &out.stdout,
        Client::Curl => &out.stderr,
    };
    let told_client = client_log(&String::from_utf8_lossy(log));
    // The server's own account where it keeps one; else what crossed in
    // clear; else (inside TLS, unchangeable on the way) the client's.
    let told_server = match server_trace {
        Some(events) => events,
        None if first_announcement(&server).is_some() => server.clone(),
        None => told_client.clone(),
    };
    let told = facts(&told_client, &told_server, dials);
    let after_a_line_end = (case.control == Control::CccFirst).then(|| {
        let first: &[u8] = if case.mode == Mode::Active {
            b"PORT"
        } else {
            b"227"
        };
        bare_tcp::ended_a_line_before(&rc, first).expect("the announcement in the capture")
    });
    let _ = std::fs::remove_dir_all(&dir);
    Some(Kernel {
        told,
        seen,
        helper,
        client_lines: told_client,
        after_a_line_end,
        log: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    })
}

// ---- checks -------------------------------------------------------------

/// What the kernel's run must show beside agreeing with the lab: the
/// expected end; the helper's counters say it expected the dial (and let
/// it in) exactly when the lab's helper, fed the same lines in the same
/// order, opens a pinhole — and that is when the announcement crossed in
/// clear, not first after CCC; the captures show the announcement exactly
/// when it crossed in clear.
fn kernel_checks(case: &Case, k: &Kernel) -> Vec<String> {
    let mut wrong = Vec::new();
    let lab_reads = lab_helper_reads(case, &k.client_lines);
    let intended =
        case.fw == Firewall::Stateful && matches!(case.control, Control::Plain | Control::Ccc);
    if lab_reads != intended {
        wrong.push(format!(
            "the lab's helper read the announcement: {lab_reads}"
        ));
    }
    // The one allowed difference: a TLS record that happened to end in
    // byte 0x0a just before the first clear announcement lets the kernel
    // take it for a line's end and read on (once in 256 runs).
    let (reads, want) = if k.after_a_line_end == Some(true) {
        println!(
            "{}: the TLS record before it ended in \\n: read",
            case.claim
        );
        (true, End::Worked)
    } else {
        (lab_reads, case.want)
    };
    if k.told.end != Some(want) {
        wrong.push(format!("the dial ended {:?}, not {want:?}", k.told.end));
    }
    let helper_ok = if reads {
        k.helper.expected >= 1 && k.helper.let_in == 1
    } else {
        k.helper == HelperCounts::default()
    };
    if !helper_ok {
        wrong.push(format!(
            "the lab's helper {} the announcement, the kernel's counters say {:?}",
            if reads { "read" } else { "missed" },
            k.helper
        ));
    }
    let clear = case.control != Control::Tls;
    let in_capture = k.seen.said_client.is_some() && k.seen.said_server.is_some();
    if in_capture != clear {
        wrong.push(format!(
            "the captures {} show the announcement: {:?}",
            if clear { "should" } else { "should not" },
            k.seen
        ));
    }
    let said = |f: &Facts| (f.said_client, f.said_server);
    if clear && said(&k.seen) != said(&k.told) {
        wrong.push(format!(
            "in clear the captures and the peers disagree: {:?} / {:?}",
            k.seen, k.told
        ));
    }
    wrong
}

// ---- preflight ------------------------------------------------------------

/// True when everything the kernel's run needs is here, the kernel's FTP
/// helper included (tried in a namespace of its own).
fn kernel_ready() -> bool {
    let tools = [
        "ip", "vsftpd", "openssl", "python3", "curl", "tcpdump", "bash", "ss",
    ];
    router::kernel_ready("kfprobe", &tools, &["iptables"])
}

/// The case in the lab, where its client can play it: its facts.
async fn lab_run(case: Case) -> Result<Option<Facts>, String> {
    match case.lab() {
        Some(config) => Ok(Some(lab_facts(&scenarios::run(config).await?))),
        None => Ok(None),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kernels_helper_is_as_blind_to_ftps_as_the_labs() {
    if !kernel_ready() {
        return;
    }
    let mut failures = Vec::new();
    let mut rows = Vec::new();
    for pair in side_by_side(cases(), 6, kernel_run, lab_run).await {
        let (case, took) = (pair.case, pair.took);
        let name = format!(
            "{} ({:?}, {:?}, {:?})",
            case.claim, case.client, case.mode, case.control
        );
        let (Some(kernel), Some(Ok(lab))) = (pair.kernel, pair.lab) else {
            failures.push(format!("{name}: a run hung or could not start"));
            continue;
        };
        rows.push(format!(
            "{name:<60} {:<15} helper {:?} {:>5.1} s",
            format!("{:?}", kernel.told.end),
            kernel.helper,
            took.as_secs_f64()
        ));
        let mut wrong = kernel_checks(&case, &kernel);
        if let Some(lab) = lab.filter(|lab| *lab != kernel.told) {
            wrong.push(format!(
                "the kernel and the lab disagree\n  kernel: {:?}\n  lab:    {lab:?}",
                kernel.told
            ));
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "{name}: {}\n  client: {}",
                wrong.join("\n  "),
                kernel.log.lines().collect::<Vec<_>>().join(" | ")
            ));
        }
    }
    rows.sort();
    for row in &rows {
        println!("{row}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
