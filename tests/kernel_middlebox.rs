//! The simulated middlebox against the real one (issue 20): every scenario
//! of the middlebox table (firewall × helper × NAT × forwarded ports ×
//! mode; IPv4, and EPRT/EPSV over IPv6) runs twice — once on the Linux
//! kernel, once in the lab — and the two must tell the same story.
//!
//! The kernel's run: three network namespaces this test makes (client,
//! router, server) joined by veth pairs; on the router iptables plays the
//! firewall (`FORWARD`), the NAT (`MASQUERADE`, `DNAT` of port 21 only or of
//! every port) and the FTP helper (`-t raw … -j CT --helper ftp`); vsftpd
//! serves in the server's namespace and curl lists its directory from the
//! client's — and, in the PASV scenarios, Python's ftplib too (both skip a
//! 227's address unless told to trust it). tcpdump records both sides of the router, and ftpviz's own
//! replay reads the captures. The lab's run: the same scenario as a
//! `LabConfig`.
//!
//! Compared, for the first announcement and the first data dial: whether it
//! worked; who dialled, from which port (control − 1 or ephemeral) to which
//! (the announced one, a private or a public address); refused (RST) or
//! dropped (no answer); the reply the client got to the transfer; what the
//! PORT/EPRT/227/229 said on each side of the router (a private or a public
//! address, the same port, an IPv6 EPRT rewritten in full). One difference is by design and allowed: a
//! PORT/EPRT naming a private address is refused with 500 by vsftpd 3.0.3
//! and with 504 by ftpviz's server (both say so in the narration).
//!
//! The waits are shortened on both sides alike: vsftpd's connect_timeout is
//! 3 s here (60 s by default) and curl's --connect-timeout 4 s, as the lab
//! gives up after 3 s.
//!
//! Needs root, ip, iptables (with the `CT` target and the FTP helper),
//! vsftpd, curl, python3, tcpdump and bash; without them it is skipped (a failure
//! under CI).

mod common;
#[path = "support/netns.rs"]
mod netns;
#[path = "support/router.rs"]
mod router;
#[path = "support/scenarios.rs"]
mod scenarios;
#[path = "support/trace_facts.rs"]
mod trace_facts;

use ftpviz::lab::{Lab, Mode};
use ftpviz::middlebox::{Firewall, Nat};
use ftpviz::trace::Kind;
use router::{side_by_side, topology, vsftpd, Between, Captures};
use scenarios::table::{self, Knobs, Outcome};
use trace_facts::{allowed_difference, facts, lab_facts, End, Facts};

/// The real client of a kernel run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Client {
    Curl,
    Ftplib,
}

/// One scenario of the table.
#[derive(Debug, Clone, Copy)]
struct Case {
    client: Client,
    ipv6: bool,
    fw: Firewall,
    nat: Nat,
    knobs: Knobs,
    mode: Mode,
    extended: bool,
    want: Outcome,
}

impl Case {
    fn between(&self) -> Between {
        Between {
            fw: self.fw,
            nat: self.nat,
            knobs: self.knobs,
            ipv6: self.ipv6,
        }
    }

    fn name(&self) -> String {
        let verb = match (self.mode, self.extended) {
            (Mode::Active, false) => "PORT",
            (Mode::Active, true) => "EPRT",
            (Mode::Passive, false) => "PASV",
            (Mode::Passive, true) => "EPSV",
        };
        let k = self.knobs;
        format!(
            "{verb} {:?}{} fw={:?} nat={:?}{}{}{}",
            self.client,
            if self.ipv6 { " IPv6" } else { "" },
            self.fw,
            self.nat,
            if k.forward_data { " forward-data" } else { "" },
            if k.trust_pasv { " trust-pasv" } else { "" },
            if k.pasv_address { " pasv-address" } else { "" },
        )
    }
}

/// The table's outcome, in facts: what `want` means for the first dial.
fn agrees_with_table(f: &Facts, want: Outcome) -> bool {
    match want {
        Outcome::Pass => f.end == Some(End::Worked) && f.transfer_reply == Some(226),
        Outcome::Drop(_) => f.end == Some(End::Dropped),
        Outcome::Reset(_) => f.end == Some(End::Refused),
        Outcome::Refused => {
            f.dialler.is_none() && f.announce_reply.is_some_and(|c| (500..600).contains(&c))
        }
    }
}

/// curl's options for a case: the mode and commands it uses, whether it
/// trusts the 227, and the shortened wait.
fn curl_args(case: &Case, url: &str) -> Vec<String> {
    let mut a: Vec<&str> = vec!["-sS", "-v", "--connect-timeout", "4", "--max-time", "20"];
    match (case.mode, case.extended) {
        (Mode::Active, false) => a.extend(["-P", "-", "--disable-eprt"]),
        (Mode::Active, true) => a.extend(["-P", "-"]),
        (Mode::Passive, false) => a.push("--disable-epsv"),
        (Mode::Passive, true) => {}
    }
    if case.knobs.trust_pasv {
        a.push("--no-ftp-skip-pasv-ip");
    }
    a.push(url);
    a.into_iter().map(String::from).collect()
}

/// Python's ftplib listing the directory in passive mode (PASV: ftplib uses
/// EPSV only over IPv6), trusting the 227 only when the case says so.
fn ftplib_args(case: &Case, host: &str) -> Vec<String> {
    let trust = if case.knobs.trust_pasv {
        "True"
    } else {
        "False"
    };
    let script = format!(
        "import ftplib, sys\n\
         f = ftplib.FTP(timeout=4)\n\
         f.trust_server_pasv_ipv4_address = {trust}\n\
         f.connect('{host}', 21)\n\
         f.login()\n\
         try:\n    f.retrlines('LIST', lambda line: None)\n\
         except Exception as e:\n    print('ftplib:', e, file=sys.stderr)\n\
         try:\n    f.quit()\n\
         except Exception:\n    pass\n"
    );
    vec!["-c".into(), script]
}

/// Runs a case on the kernel: its facts, and the client's log for the
/// failure message.
fn kernel_run(index: usize, case: &Case) -> Option<(Facts, String)> {
    let tag = format!("k{index}");
    let dir = common::temp_dir(&format!("kernel-{index}"));
    let net = topology(&tag, &case.between())?;
    let _server = vsftpd(&net.server, &dir, &case.between(), &net.at);
    let captures = Captures::start(&net, &dir);
    let host = net.at.server_public(case.nat);
    let (program, args) = match case.client {
        Client::Curl => {
            let host = if case.ipv6 {
                format!("[{host}]")
            } else {
                host.to_string()
            };
            ("curl", curl_args(case, &format!("ftp://{host}/")))
        }
        Client::Ftplib => ("python3", ftplib_args(case, host)),
    };
    let out = net
        .client
        .command(program)
        .args(args)
        .output()
        .expect("the client runs");
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    let (client, server) = captures.finish(&net);
    let dials = if case.mode == Mode::Active {
        &server
    } else {
        &client
    };
    let facts = facts(&client, &server, dials);
    let _ = std::fs::remove_dir_all(&dir);
    drop(net.router);
    Some((facts, log))
}

/// Runs a case in the lab: its facts.
async fn lab_run(case: Case) -> Facts {
    let config = scenarios::lab_with(
        case.mode,
        case.extended,
        case.ipv6,
        case.fw,
        case.nat,
        case.knobs,
    );
    let mut lab = Lab::start(config).await.expect("the lab starts");
    lab.run_free();
    let mut events = Vec::new();
    let mut said_goodbye = false;
    while let Some(e) = lab.events.recv().await {
        let end = said_goodbye && e.conn == 0 && e.kind == Kind::Close;
        said_goodbye |= matches!(e.kind, Kind::Reply { code: 221, .. });
        events.push(e);
        if end {
            break;
        }
    }
    lab_facts(&events)
}

// ---- preflight ------------------------------------------------------------

/// True when everything the kernel's run needs is here, the kernel's FTP
/// helper included (tried in a namespace of its own).
fn kernel_ready() -> bool {
    let tools = ["ip", "vsftpd", "curl", "python3", "tcpdump", "bash", "ss"];
    router::kernel_ready("kprobe", &tools, &["iptables", "ip6tables"])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lab_and_the_kernel_tell_the_same_story() {
    if !kernel_ready() {
        return;
    }
    let curl: Vec<Case> = table::all_cases()
        .map(|(fw, nat, knobs, mode, extended, want)| Case {
            client: Client::Curl,
            ipv6: false,
            fw,
            nat,
            knobs,
            mode,
            extended,
            want,
        })
        .collect();
    let ftplib = curl.iter().filter_map(|case| {
        (case.mode == Mode::Passive && !case.extended).then_some(Case {
            client: Client::Ftplib,
            ..*case
        })
    });
    // Over IPv6 curl speaks EPRT/EPSV only; the knobs that change only a
    // 227 do not apply.
    let ipv6 = curl.iter().filter_map(|case| {
        let pasv_only = case.knobs.trust_pasv || case.knobs.pasv_address;
        (case.extended && !pasv_only).then_some(Case {
            ipv6: true,
            ..*case
        })
    });
    let cases: Vec<Case> = curl.iter().copied().chain(ftplib).chain(ipv6).collect();
    let mut failures = Vec::new();
    let mut rows = Vec::new();
    for pair in side_by_side(cases, 8, kernel_run, lab_run).await {
        let (case, took) = (pair.case, pair.took);
        let name = case.name();
        let (Some((kernel, log)), Some(lab)) = (pair.kernel, pair.lab) else {
            failures.push(format!("{name}: a run hung or could not start"));
            continue;
        };
        rows.push(format!(
            "{name:<52} {:<14} {:>5.1} s",
            format!("{:?}", kernel.end),
            took.as_secs_f64()
        ));
        if kernel != lab && !allowed_difference(&kernel, &lab) {
            failures.push(format!(
                "{name}: the kernel and the lab disagree\n  kernel: {kernel:?}\n  lab:    {lab:?}\n  client: {}",
                log.lines().filter(|l| l.starts_with(['<', '>', '*']) || l.starts_with("ftplib")).collect::<Vec<_>>().join(" | ")
            ));
        } else if !agrees_with_table(&kernel, case.want) {
            failures.push(format!(
                "{name}: both agree, but not with the table's {:?}: {kernel:?}",
                case.want
            ));
        }
    }
    rows.sort();
    for row in &rows {
        println!("{row}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
