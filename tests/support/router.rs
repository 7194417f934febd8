//! A router between two hosts, made of three network namespaces joined by
//! veth pairs, with the iptables rules of a firewall, a NAT and the
//! kernel's FTP helper; vsftpd on the server, tcpdump on both sides of the
//! router. Needs root (see `netns`).

#![allow(dead_code)]

use super::netns::Netns;
use super::scenarios::table::Knobs;
use ftpviz::middlebox::{Firewall, Nat};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long anything may take before the test calls it hung.
pub const GUARD: Duration = Duration::from_secs(60);

/// What stands between the hosts.
#[derive(Debug, Clone, Copy)]
pub struct Between {
    pub fw: Firewall,
    pub nat: Nat,
    pub knobs: Knobs,
    pub ipv6: bool,
}

/// The addresses of one topology.
pub struct Addresses {
    pub client: &'static str,
    pub router_c: &'static str,
    pub server: &'static str,
    pub router_s: &'static str,
    /// The prefix length of every subnet.
    pub prefix: u8,
    /// The private networks behind the client's and the server's NAT.
    pub client_private: &'static str,
    pub server_private: &'static str,
}

impl Addresses {
    /// IPv4: private 192.168.1.0/24 and 10.1.0.0/24, public 198.18/15
    /// (benchmarking addresses); IPv6: private fd00:1::/64 and fd00:2::/64
    /// (unique local, as the lab's), public 2001:db8::/32 (documentation).
    pub fn of(nat: Nat, ipv6: bool) -> Addresses {
        let pick = |v4: (&'static str, &'static str), v6: (&'static str, &'static str)| {
            if ipv6 {
                v6
            } else {
                v4
            }
        };
        let (client, router_c) = if nat == Nat::Client {
            pick(("192.168.1.2", "192.168.1.1"), ("fd00:1::2", "fd00:1::1"))
        } else {
            pick(
                ("198.19.1.2", "198.19.1.1"),
                ("2001:db8:1::2", "2001:db8:1::1"),
            )
        };
        let (server, router_s) = if nat == Nat::Server {
            pick(("10.1.0.2", "10.1.0.1"), ("fd00:2::3", "fd00:2::1"))
        } else {
            pick(
                ("198.18.1.2", "198.18.1.1"),
                ("2001:db8:2::3", "2001:db8:2::1"),
            )
        };
        let (client_private, server_private) = pick(
            ("192.168.0.0/16", "10.0.0.0/8"),
            ("fd00:1::/64", "fd00:2::/64"),
        );
        Addresses {
            client,
            router_c,
            server,
            router_s,
            prefix: if ipv6 { 64 } else { 24 },
            client_private,
            server_private,
        }
    }

    /// Where the client dials the server: the router, behind a server NAT.
    pub fn server_public(&self, nat: Nat) -> &'static str {
        if nat == Nat::Server {
            self.router_c
        } else {
            self.server
        }
    }
}

/// Three namespaces joined through the router, with the case's rules.
pub struct Topology {
    pub client: Netns,
    pub router: Netns,
    pub server: Netns,
    pub at: Addresses,
}

pub fn topology(tag: &str, case: &Between) -> Option<Topology> {
    let client = Netns::new(&format!("{tag}c"))?;
    let router = Netns::new(&format!("{tag}r"))?;
    let server = Netns::new(&format!("{tag}s"))?;
    let at = Addresses::of(case.nat, case.ipv6);
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
        let cidr = format!("{addr}/{}", at.prefix);
        // No duplicate address detection: the address is usable at once.
        let nodad = if case.ipv6 { "nodad" } else { "" };
        let mut argv = vec!["ip", "addr", "add", &cidr, "dev", dev];
        argv.extend([nodad].into_iter().filter(|a| !a.is_empty()));
        ns.run(&argv);
        ns.run(&["ip", "link", "set", dev, "up"]);
    }
    client.run(&["ip", "route", "add", "default", "via", at.router_c]);
    server.run(&["ip", "route", "add", "default", "via", at.router_s]);
    router.run(&["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);
    router.run(&["sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1"]);
    let tables = if case.ipv6 { "ip6tables" } else { "iptables" };
    for rule in rules(case, &at) {
        let mut argv = vec![tables];
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
pub fn rules(case: &Between, at: &Addresses) -> Vec<String> {
    let mut r = vec!["-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT".to_string()];
    match case.nat {
        Nat::None => {}
        Nat::Client => {
            r.push("-t nat -A POSTROUTING -o rs -j MASQUERADE".into());
            // Private addresses are routed nowhere from outside.
            r.push(format!(
                "-A FORWARD -i rs -d {} -m conntrack ! --ctstate DNAT -j DROP",
                at.client_private
            ));
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
            let private = at.server_private;
            r.push(format!(
                "-t nat -A POSTROUTING -o rc -s {private} -j MASQUERADE"
            ));
            r.push(format!(
                "-A FORWARD -i rc -d {private} -m conntrack ! --ctstate DNAT -j DROP"
            ));
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
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn vsftpd(ns: &Netns, dir: &Path, case: &Between, at: &Addresses) -> Running {
    vsftpd_with(ns, dir, case, at, "")
}

/// vsftpd with `extra` lines added to its configuration (e.g. its TLS
/// settings).
pub fn vsftpd_with(ns: &Netns, dir: &Path, case: &Between, at: &Addresses, extra: &str) -> Running {
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
    // vsftpd listens on one family: IPv6 (`::`) or IPv4.
    let listen = if case.ipv6 {
        "listen=NO\nlisten_ipv6=YES"
    } else {
        "listen=YES\nlisten_ipv6=NO"
    };
    let conf = format!(
        "{listen}\nlisten_port=21\nbackground=NO\nanonymous_enable=YES\n\
         local_enable=NO\nno_anon_password=YES\nanon_root={}\nsecure_chroot_dir={}\n\
         seccomp_sandbox=NO\npasv_enable=YES\nport_enable=YES\nconnect_from_port_20=YES\n\
         connect_timeout=3\nxferlog_enable=NO\n{public}{extra}",
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
pub fn tcpdump(ns: &Netns, dev: &str, file: &Path) -> Running {
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
pub fn mark_and_wait(ns: &Netns, dst: &str, file: &Path) {
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
pub fn stop(mut capture: Running) {
    let pid = capture.0.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let _ = capture.0.wait();
}

/// What the kernel's FTP helper did in `router`'s namespace, from its own
/// counters (`/proc/net/stat/nf_conntrack`, one row per CPU, counted per
/// namespace): how many expectations it created (it read a PORT, EPRT, 227
/// or 229), and how many new connections one of them let in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HelperCounts {
    pub expected: u64,
    pub let_in: u64,
}

pub fn helper_counts(router: &Netns) -> HelperCounts {
    let out = router.run(&["cat", "/proc/net/stat/nf_conntrack"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let mut rows = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>());
    let header = rows.next().unwrap_or_default();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no {name} column in {text}"))
    };
    let (expect_create, expect_new) = (column("expect_create"), column("expect_new"));
    let mut counts = HelperCounts::default();
    for row in rows {
        let hex = |i: usize| u64::from_str_radix(row[i], 16).expect("a hex counter");
        counts.expected += hex(expect_create);
        counts.let_in += hex(expect_new);
    }
    counts
}

/// True when every tool of `tools` is here and the kernel's FTP helper can
/// be attached with each of `tables` (`iptables`, `ip6tables`), tried in a
/// namespace of its own (`tag`); otherwise skipped, saying why (a failure
/// under CI).
pub fn kernel_ready(tag: &str, tools: &[&str], tables: &[&str]) -> bool {
    for tool in tools.iter().chain(tables) {
        if super::common::peer(tool).is_none() {
            return false;
        }
    }
    let Some(probe) = Netns::new(tag) else {
        return false;
    };
    for tables in tables {
        let rule = "-t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp";
        let out = probe
            .command(tables)
            .args(rule.split_whitespace())
            .output()
            .expect("iptables runs");
        if !out.status.success() {
            super::common::skip(&format!(
                "this kernel has no FTP helper for {tables}' CT target: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
            return false;
        }
    }
    true
}

/// What became of one case run both ways by [`side_by_side`]: the
/// kernel's and the lab's results (`None`: hung past [`GUARD`], or could
/// not start), and how long the pair took.
pub struct Pair<C, K, L> {
    pub case: C,
    pub kernel: Option<K>,
    pub lab: Option<L>,
    pub took: Duration,
}

/// Runs every case on the kernel (`kernel`, blocking, given the case's
/// index for unique names) and in the lab (`lab`) at once, `at_once` cases
/// at a time (each kernel run is a dozen processes and three namespaces;
/// the blocked ones mostly wait on timers); each pair as it ends.
pub async fn side_by_side<C, K, L, F>(
    cases: Vec<C>,
    at_once: usize,
    kernel: fn(usize, &C) -> Option<K>,
    lab: fn(C) -> F,
) -> Vec<Pair<C, K, L>>
where
    C: Clone + Send + 'static,
    K: Send + 'static,
    L: Send + 'static,
    F: std::future::Future<Output = L> + Send + 'static,
{
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(at_once));
    let mut runs = tokio::task::JoinSet::new();
    for (index, case) in cases.into_iter().enumerate() {
        let gate = gate.clone();
        runs.spawn(async move {
            let _slot = gate.acquire_owned().await;
            let started = Instant::now();
            let on_kernel = case.clone();
            let k = tokio::time::timeout(
                GUARD,
                tokio::task::spawn_blocking(move || kernel(index, &on_kernel)),
            );
            let l = tokio::time::timeout(GUARD, lab(case.clone()));
            let (k, l) = tokio::join!(k, l);
            Pair {
                case,
                kernel: k.ok().and_then(Result::ok).flatten(),
                lab: l.ok(),
                took: started.elapsed(),
            }
        });
    }
    let mut pairs = Vec::new();
    while let Some(joined) = runs.join_next().await {
        pairs.push(joined.expect("a run panicked"));
    }
    pairs
}

/// tcpdump on both of the router's interfaces: `rc` (the client's side)
/// and `rs` (the server's), into `rc.pcap` and `rs.pcap`.
pub struct Captures {
    client: Running,
    server: Running,
    pub rc: std::path::PathBuf,
    pub rs: std::path::PathBuf,
}

impl Captures {
    pub fn start(net: &Topology, dir: &Path) -> Captures {
        let (rc, rs) = (dir.join("rc.pcap"), dir.join("rs.pcap"));
        Captures {
            client: tcpdump(&net.router, "rc", &rc),
            server: tcpdump(&net.router, "rs", &rs),
            rc,
            rs,
        }
    }

    /// Once each file holds everything so far (a marker from each host),
    /// stops both; then reads them with ftpviz's replay: the client's
    /// side's events and the server's.
    pub fn finish(self, net: &Topology) -> (Vec<ftpviz::trace::Event>, Vec<ftpviz::trace::Event>) {
        mark_and_wait(&net.client, net.at.router_c, &self.rc);
        mark_and_wait(&net.server, net.at.router_s, &self.rs);
        stop(self.client);
        stop(self.server);
        let read = |f: &Path| {
            ftpviz::replay::read_file(f)
                .expect("a capture")
                .trace
                .events
        };
        (read(&self.rc), read(&self.rs))
    }
}
