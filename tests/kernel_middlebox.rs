//! The simulated middlebox against the real one (issue 20): every scenario
//! of the middlebox table (firewall × helper × NAT × forwarded ports ×
//! mode, IPv4) runs twice — once on the Linux kernel, once in the lab — and
//! the two must tell the same story.
//!
//! The kernel's run: three network namespaces this test makes (client,
//! router, server) joined by veth pairs; on the router iptables plays the
//! firewall (`FORWARD`), the NAT (`MASQUERADE`, `DNAT` of port 21 only or of
//! every port) and the FTP helper (`-t raw … -j CT --helper ftp`); vsftpd
//! serves in the server's namespace and curl lists its directory from the
//! client's. tcpdump records both sides of the router, and ftpviz's own
//! replay reads the captures. The lab's run: the same scenario as a
//! `LabConfig`.
//!
//! Compared, for the first announcement and the first data dial: whether it
//! worked; who dialled, from which port (control − 1 or ephemeral) to which
//! (the announced one, a private or a public address); refused (RST) or
//! dropped (no answer); the reply the client got to the transfer; what the
//! PORT/EPRT/227/229 said on each side of the router (a private or a public
//! address, the same port). One difference is by design and allowed: a
//! PORT/EPRT naming a private address is refused with 500 by vsftpd 3.0.3
//! and with 504 by ftpviz's server (both say so in the narration).
//!
//! The waits are shortened on both sides alike: vsftpd's connect_timeout is
//! 3 s here (60 s by default) and curl's --connect-timeout 4 s, as the lab
//! gives up after 3 s.
//!
//! Needs root, ip, iptables (with the `CT` target and the FTP helper),
//! vsftpd, curl, tcpdump and bash; without them it is skipped (a failure
//! under CI).

mod common;
#[path = "support/netns.rs"]
mod netns;
#[path = "support/scenarios.rs"]
mod scenarios;

use ftpviz::ftp::hostport;
use ftpviz::lab::{Lab, Mode};
use ftpviz::middlebox::nat::is_private;
use ftpviz::middlebox::{Firewall, Nat};
use ftpviz::trace::{Event, FailReason, Kind, Side};
use netns::Netns;
use scenarios::table::{self, Knobs, Outcome};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long anything may take before the test calls it hung.
const GUARD: Duration = Duration::from_secs(60);

/// One scenario of the table.
#[derive(Debug, Clone, Copy)]
struct Case {
    fw: Firewall,
    nat: Nat,
    knobs: Knobs,
    mode: Mode,
    extended: bool,
    want: Outcome,
}

impl Case {
    fn name(&self) -> String {
        let verb = match (self.mode, self.extended) {
            (Mode::Active, false) => "PORT",
            (Mode::Active, true) => "EPRT",
            (Mode::Passive, false) => "PASV",
            (Mode::Passive, true) => "EPSV",
        };
        let k = self.knobs;
        format!(
            "{verb} fw={:?} nat={:?}{}{}{}",
            self.fw,
            self.nat,
            if k.forward_data { " forward-data" } else { "" },
            if k.trust_pasv { " trust-pasv" } else { "" },
            if k.pasv_address { " pasv-address" } else { "" },
        )
    }
}

/// What an announcement said: a private or a public address (or none, in
/// a 229), and the port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Said {
    Private(u16),
    Public(u16),
    PortOnly(u16),
}

impl Said {
    fn port(self) -> u16 {
        match self {
            Said::Private(p) | Said::Public(p) | Said::PortOnly(p) => p,
        }
    }
    /// The same without the port (ports are chosen afresh by each run).
    fn kind(self) -> &'static str {
        match self {
            Said::Private(_) => "private address",
            Said::Public(_) => "public address",
            Said::PortOnly(_) => "port only",
        }
    }
}

/// How a dial ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Worked,
    Refused,
    Dropped,
}

/// The story of one run, comparable between the kernel and the lab.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Facts {
    /// The first PORT/EPRT/227/229 as the client's side and the server's
    /// side of the router saw it, and whether both carry the same port.
    said_client: Option<&'static str>,
    said_server: Option<&'static str>,
    same_port: bool,
    /// The reply to a PORT/EPRT (2xx or 5xx), by class.
    announce_reply: Option<u16>,
    /// The first data dial: who, from the control port − 1 or not, to the
    /// announced port or not, to a private address or not, how it ended.
    dialler: Option<Side>,
    from_control_minus_one: bool,
    to_announced_port: bool,
    to_private: bool,
    end: Option<End>,
    /// The final reply the client got to its first transfer command.
    transfer_reply: Option<u16>,
}

fn said(e: &Event) -> Option<Said> {
    let addr = |a: SocketAddr| {
        if is_private(a.ip()) {
            Said::Private(a.port())
        } else {
            Said::Public(a.port())
        }
    };
    match &e.kind {
        Kind::Command { verb, text } => {
            let arg = text.get(verb.len()..).unwrap_or_default().trim();
            match verb.as_str() {
                "PORT" => hostport::parse_port(arg)
                    .ok()
                    .map(|a| addr(SocketAddr::V4(a))),
                "EPRT" => hostport::parse_eprt(arg).ok().map(addr),
                _ => None,
            }
        }
        Kind::Reply { code: 227, text } => hostport::parse_227(text)
            .ok()
            .map(|a| addr(SocketAddr::V4(a))),
        Kind::Reply { code: 229, text } => hostport::parse_229(text).ok().map(Said::PortOnly),
        _ => None,
    }
}

fn first_announcement(events: &[Event]) -> Option<(usize, &Event)> {
    events.iter().enumerate().find(|(_, e)| said(e).is_some())
}

/// The line a helper's rewrite note names as the original: `rewrote "A" → "B"`.
fn rewritten_from(note: &str) -> Option<&str> {
    let rest = note.split("helper rewrote \"").nth(1)?;
    rest.split("\" → \"").next()
}

/// The event `e` with its text replaced by `line` (to read the other side of
/// a rewrite).
fn with_line(e: &Event, line: &str) -> Event {
    let mut other = e.clone();
    other.kind = match &e.kind {
        Kind::Command { verb, .. } => Kind::Command {
            verb: verb.clone(),
            text: line.to_string(),
        },
        Kind::Reply { code, .. } => Kind::Reply {
            code: *code,
            text: line.to_string(),
        },
        k => k.clone(),
    };
    other
}

/// The first data dial in `events`: its connect, and how it ended.
fn first_dial(events: &[Event]) -> Option<(Side, SocketAddr, SocketAddr, End)> {
    let dial = events
        .iter()
        .find(|e| e.conn > 0 && matches!(e.kind, Kind::Connect { .. }))?;
    let Kind::Connect { src, dst, .. } = dial.kind else {
        return None;
    };
    let end = events
        .iter()
        .filter(|e| e.session == dial.session && e.conn == dial.conn)
        .find_map(|e| match e.kind {
            Kind::Accept => Some(End::Worked),
            Kind::Fail {
                reason: FailReason::Refused | FailReason::Reset,
                ..
            } => Some(End::Refused),
            Kind::Fail { .. } => Some(End::Dropped),
            _ => None,
        })
        .unwrap_or(End::Dropped);
    Some((dial.from, src, dst, end))
}

fn control_port(events: &[Event]) -> Option<u16> {
    events.iter().find_map(|e| match e.kind {
        Kind::Connect { dst, .. } if e.conn == 0 => Some(dst.port()),
        _ => None,
    })
}

/// The first reply after event `at` that is not preliminary (1xx).
fn reply_after(events: &[Event], at: usize) -> Option<u16> {
    events.iter().skip(at + 1).find_map(|e| match e.kind {
        Kind::Reply { code, .. } if e.conn == 0 && code >= 200 => Some(code),
        _ => None,
    })
}

/// The facts, from the client's side of the router (`client`), the
/// server's side (`server`), and the side the dial starts on.
fn facts(client: &[Event], server: &[Event], dials: &[Event]) -> Facts {
    let said_c = first_announcement(client).and_then(|(_, e)| said(e));
    let said_s = first_announcement(server).and_then(|(_, e)| said(e));
    let announce_reply = first_announcement(client).and_then(|(i, e)| match e.kind {
        Kind::Command { .. } => reply_after(client, i),
        _ => None,
    });
    let transfer = client.iter().position(|e| {
        matches!(&e.kind, Kind::Command { verb, .. } if matches!(verb.as_str(), "LIST" | "NLST" | "RETR" | "STOR"))
    });
    let dial = first_dial(dials);
    let ctl = control_port(dials).unwrap_or(0);
    let announced = match dial.map(|d| d.0) {
        Some(Side::Server) => said_s,
        _ => said_c,
    };
    Facts {
        said_client: said_c.map(Said::kind),
        said_server: said_s.map(Said::kind),
        same_port: said_c.map(Said::port) == said_s.map(Said::port),
        announce_reply,
        dialler: dial.map(|d| d.0),
        from_control_minus_one: dial.is_some_and(|d| d.1.port() == ctl.wrapping_sub(1)),
        to_announced_port: dial.is_some_and(|d| Some(d.2.port()) == announced.map(Said::port)),
        to_private: dial.is_some_and(|d| is_private(d.2.ip())),
        end: dial.map(|d| d.3),
        transfer_reply: transfer.and_then(|i| reply_after(client, i)),
    }
}

/// The lab's facts: one trace, recorded where each line was received; a
/// helper's note gives the line as it was sent.
fn lab_facts(events: &[Event]) -> Facts {
    let mut client = events.to_vec();
    let mut server = events.to_vec();
    for (i, e) in events.iter().enumerate() {
        let Some(before) = e.note.as_deref().and_then(rewritten_from) else {
            continue;
        };
        match e.kind {
            // A command is recorded as the server received it.
            Kind::Command { .. } => client[i] = with_line(e, before),
            // A reply is recorded as the client received it.
            Kind::Reply { .. } => server[i] = with_line(e, before),
            _ => {}
        }
    }
    facts(&client, &server, events)
}

/// What a PORT/EPRT naming a private address gets: vsftpd 500, ftpviz 504.
fn allowed_difference(kernel: &Facts, lab: &Facts) -> bool {
    kernel.announce_reply == Some(500)
        && lab.announce_reply == Some(504)
        && Facts {
            announce_reply: None,
            ..kernel.clone()
        } == Facts {
            announce_reply: None,
            ..lab.clone()
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

// ---- the kernel's run -------------------------------------------------

/// The addresses of one topology.
struct Addresses {
    client: &'static str,
    router_c: &'static str,
    server: &'static str,
    router_s: &'static str,
}

impl Addresses {
    fn of(nat: Nat) -> Addresses {
        let (client, router_c) = if nat == Nat::Client {
            ("192.168.1.2", "192.168.1.1")
        } else {
            ("198.19.1.2", "198.19.1.1")
        };
        let (server, router_s) = if nat == Nat::Server {
            ("10.1.0.2", "10.1.0.1")
        } else {
            ("198.18.1.2", "198.18.1.1")
        };
        Addresses {
            client,
            router_c,
            server,
            router_s,
        }
    }

    /// Where the client dials the server: the router, behind a server NAT.
    fn server_public(&self, nat: Nat) -> &'static str {
        if nat == Nat::Server {
            self.router_c
        } else {
            self.server
        }
    }
}

/// Three namespaces joined through the router, with the case's rules.
struct Topology {
    client: Netns,
    router: Netns,
    server: Netns,
    at: Addresses,
}

fn topology(tag: &str, case: &Case) -> Option<Topology> {
    let client = Netns::new(&format!("{tag}c"))?;
    let router = Netns::new(&format!("{tag}r"))?;
    let server = Netns::new(&format!("{tag}s"))?;
    let at = Addresses::of(case.nat);
    let link = |a: &Netns, an: &str, b: &Netns, bn: &str| {
        let out = Command::new("ip")
            .args(["link", "add", an, "netns", &a.name, "type", "veth"])
            .args(["peer", "name", bn, "netns", &b.name])
            .output()
            .expect("ip runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    link(&client, "c0", &router, "rc");
    link(&server, "s0", &router, "rs");
    for (ns, dev, addr) in [
        (&client, "c0", at.client),
        (&router, "rc", at.router_c),
        (&router, "rs", at.router_s),
        (&server, "s0", at.server),
    ] {
        ns.run(&["ip", "addr", "add", &format!("{addr}/24"), "dev", dev]);
        ns.run(&["ip", "link", "set", dev, "up"]);
    }
    client.run(&["ip", "route", "add", "default", "via", at.router_c]);
    server.run(&["ip", "route", "add", "default", "via", at.router_s]);
    router.run(&["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);
    for rule in rules(case, &at) {
        let mut argv = vec!["iptables"];
        argv.extend(rule.split_whitespace());
        router.run(&argv);
    }
    Some(Topology {
        client,
        router,
        server,
        at,
    })
}

/// The router's iptables rules for a case.
fn rules(case: &Case, at: &Addresses) -> Vec<String> {
    let mut r = vec!["-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT".to_string()];
    match case.nat {
        Nat::None => {}
        Nat::Client => {
            r.push("-t nat -A POSTROUTING -o rs -j MASQUERADE".into());
            // Private addresses are routed nowhere from outside.
            r.push(
                "-A FORWARD -i rs -d 192.168.0.0/16 -m conntrack ! --ctstate DNAT -j DROP".into(),
            );
        }
        Nat::Server => {
            let ports = if case.knobs.forward_data {
                ""
            } else {
                "--dport 21"
            };
            r.push(format!(
                "-t nat -A PREROUTING -i rc -d {} -p tcp {ports} -j DNAT --to-destination {}",
                at.router_c, at.server
            ));
            r.push("-t nat -A POSTROUTING -o rc -s 10.0.0.0/8 -j MASQUERADE".into());
            r.push("-A FORWARD -i rc -d 10.0.0.0/8 -m conntrack ! --ctstate DNAT -j DROP".into());
        }
    }
    if matches!(case.fw, Firewall::Client | Firewall::Stateful) {
        r.push("-A FORWARD -o rc -m conntrack --ctstate NEW -j DROP".into());
    }
    if matches!(case.fw, Firewall::Server | Firewall::Stateful) {
        r.push("-A FORWARD -o rs -p tcp --dport 21 -m conntrack --ctstate NEW -j ACCEPT".into());
        r.push("-A FORWARD -o rs -m conntrack --ctstate NEW -j DROP".into());
    }
    if case.fw == Firewall::Stateful {
        r.push("-t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp".into());
    }
    r
}

/// A child process ended when dropped (by its own id).
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn vsftpd(ns: &Netns, dir: &Path, case: &Case, at: &Addresses) -> Running {
    let root = dir.join("root");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("hello.txt"), "Hello from vsftpd\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
    let empty = Path::new("/var/run/vsftpd/empty");
    std::fs::create_dir_all(empty).unwrap();
    let public = if case.knobs.pasv_address {
        format!("pasv_address={}\n", at.router_c)
    } else {
        String::new()
    };
    let conf = format!(
        "listen=YES\nlisten_ipv6=NO\nlisten_port=21\nbackground=NO\nanonymous_enable=YES\n\
         local_enable=NO\nno_anon_password=YES\nanon_root={}\nsecure_chroot_dir={}\n\
         seccomp_sandbox=NO\npasv_enable=YES\nport_enable=YES\nconnect_from_port_20=YES\n\
         connect_timeout=3\nxferlog_enable=NO\n{public}",
        root.display(),
        empty.display()
    );
    let path = dir.join("vsftpd.conf");
    std::fs::write(&path, conf).unwrap();
    let child = ns
        .command("vsftpd")
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("vsftpd starts");
    let running = Running(child);
    // vsftpd says nothing when it listens: ask the namespace's sockets.
    let deadline = Instant::now() + GUARD;
    loop {
        let out = ns
            .command("ss")
            .args(["-Hltn", "sport = :21"])
            .output()
            .expect("ss runs");
        if !out.stdout.is_empty() {
            return running;
        }
        assert!(Instant::now() < deadline, "vsftpd never listened");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// tcpdump on one of the router's interfaces, once it says it listens.
fn tcpdump(ns: &Netns, dev: &str, file: &Path) -> Running {
    let mut child = ns
        .command("tcpdump")
        .args(["-i", dev, "-n", "-U", "--immediate-mode", "-w"])
        .arg(file)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tcpdump starts");
    let stderr = child.stderr.take().expect("piped");
    let mut lines = BufReader::new(stderr).lines();
    let ready = lines.any(|l| l.is_ok_and(|l| l.contains("listening on")));
    assert!(ready, "tcpdump on {dev} never listened");
    // Keep reading what it says until it exits (its counts, at the end).
    std::thread::spawn(move || lines.for_each(drop));
    Running(child)
}

/// Sends a marker datagram to `dst` port 9 from `ns` and waits until `file`
/// holds it: everything before it has been written.
fn mark_and_wait(ns: &Netns, dst: &str, file: &Path) {
    let _ = ns
        .command("bash")
        .args(["-c", &format!("echo mark > /dev/udp/{dst}/9")])
        .stderr(Stdio::null())
        .status();
    let deadline = Instant::now() + GUARD;
    loop {
        let out = Command::new("tcpdump")
            .args(["-n", "-r"])
            .arg(file)
            .arg("udp dst port 9")
            .stderr(Stdio::null())
            .output()
            .expect("tcpdump reads");
        if !out.stdout.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the marker never reached {file:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Stops a capture with SIGTERM (it finishes its file) and waits.
fn stop(mut capture: Running) {
    let pid = capture.0.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let _ = capture.0.wait();
}

/// curl's options for a case: the mode and commands it uses, whether it
/// trusts the 227, and the shortened wait.
fn curl_args(case: &Case, url: &str) -> Vec<String> {
    let mut a: Vec<&str> = vec!["-sS", "-v", "--connect-timeout", "4", "--max-time", "40"];
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

/// Runs a case on the kernel: its facts, and curl's log for the failure
/// message.
fn kernel_run(index: usize, case: &Case) -> Option<(Facts, String)> {
    let tag = format!("k{index}");
    let dir = common::temp_dir(&format!("kernel-{index}"));
    let net = topology(&tag, case)?;
    let _server = vsftpd(&net.server, &dir, case, &net.at);
    let (rc, rs) = (dir.join("rc.pcap"), dir.join("rs.pcap"));
    let cap_c = tcpdump(&net.router, "rc", &rc);
    let cap_s = tcpdump(&net.router, "rs", &rs);
    let url = format!("ftp://{}/", net.at.server_public(case.nat));
    let out = net
        .client
        .command("curl")
        .args(curl_args(case, &url))
        .output()
        .expect("curl runs");
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    mark_and_wait(&net.client, net.at.router_c, &rc);
    mark_and_wait(&net.server, net.at.router_s, &rs);
    stop(cap_c);
    stop(cap_s);
    let read = |f: &Path| {
        ftpviz::replay::read_file(f)
            .expect("a capture")
            .trace
            .events
    };
    let (client, server) = (read(&rc), read(&rs));
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
async fn lab_run(case: &Case) -> Facts {
    let config = scenarios::lab_with(
        case.mode,
        case.extended,
        false,
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
    for tool in ["ip", "iptables", "vsftpd", "curl", "tcpdump", "bash", "ss"] {
        if common::peer(tool).is_none() {
            return false;
        }
    }
    let Some(probe) = Netns::new("kprobe") else {
        return false;
    };
    let out = probe
        .command("iptables")
        .args([
            "-t",
            "raw",
            "-A",
            "PREROUTING",
            "-p",
            "tcp",
            "--dport",
            "21",
        ])
        .args(["-j", "CT", "--helper", "ftp"])
        .output()
        .expect("iptables runs");
    if !out.status.success() {
        common::skip(&format!(
            "this kernel has no FTP helper for iptables' CT target: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
        return false;
    }
    true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lab_and_the_kernel_tell_the_same_story() {
    if !kernel_ready() {
        return;
    }
    let cases: Vec<Case> = table::all_cases()
        .map(|(fw, nat, knobs, mode, extended, want)| Case {
            fw,
            nat,
            knobs,
            mode,
            extended,
            want,
        })
        .collect();
    // A few at a time: each kernel run is a dozen processes and three
    // namespaces; the blocked ones mostly wait on timers.
    let gate = Arc::new(tokio::sync::Semaphore::new(8));
    let mut runs = tokio::task::JoinSet::new();
    for (index, case) in cases.into_iter().enumerate() {
        let gate = gate.clone();
        runs.spawn(async move {
            let _slot = gate.acquire_owned().await;
            let kernel = tokio::time::timeout(
                GUARD,
                tokio::task::spawn_blocking(move || kernel_run(index, &case)),
            );
            let lab = tokio::time::timeout(GUARD, lab_run(&case));
            let started = Instant::now();
            let (kernel, lab) = tokio::join!(kernel, lab);
            (case, kernel, lab, started.elapsed())
        });
    }
    let mut failures = Vec::new();
    let mut rows = Vec::new();
    while let Some(joined) = runs.join_next().await {
        let (case, kernel, lab, took) = joined.expect("a run panicked");
        let name = case.name();
        let (Ok(Ok(Some((kernel, log)))), Ok(lab)) = (kernel, lab) else {
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
                "{name}: the kernel and the lab disagree\n  kernel: {kernel:?}\n  lab:    {lab:?}\n  curl: {}",
                log.lines().filter(|l| l.starts_with(['<', '>', '*'])).collect::<Vec<_>>().join(" | ")
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
