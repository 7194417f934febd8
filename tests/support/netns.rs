//! A network namespace made by the test itself: its own loopback, its own
//! port range and sysctls, nothing reachable from outside. Deleted when
//! dropped. Needs root and `ip`; otherwise `None`, after `common::skip`.

#![allow(dead_code)]

use std::process::{Command, Output};

pub struct Netns {
    pub name: String,
}

fn ip(args: &[&str]) -> Output {
    Command::new("ip").args(args).output().expect("ip runs")
}

impl Netns {
    /// A fresh namespace with `lo` up, or `None` (skipped) where this
    /// process may not make one.
    pub fn new(tag: &str) -> Option<Netns> {
        if !rustix::process::geteuid().is_root() {
            super::common::skip("network namespaces need root");
            return None;
        }
        super::common::peer("ip")?;
        let name = format!("ftpviz-{tag}-{}", std::process::id());
        let _ = ip(&["netns", "del", &name]);
        let made = ip(&["netns", "add", &name]);
        if !made.status.success() {
            super::common::skip(&format!(
                "ip netns add: {}",
                String::from_utf8_lossy(&made.stderr)
            ));
            return None;
        }
        let ns = Netns { name };
        ns.run(&["ip", "link", "set", "lo", "up"]);
        Some(ns)
    }

    /// A command to run inside the namespace: `ip netns exec NAME program`.
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.name, program]);
        cmd
    }

    /// Runs `argv` inside; it must succeed.
    pub fn run(&self, argv: &[&str]) -> Output {
        let out = self
            .command(argv[0])
            .args(&argv[1..])
            .output()
            .expect("ip netns exec runs");
        assert!(
            out.status.success(),
            "{argv:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = ip(&["netns", "del", &self.name]);
    }
}

/// Two namespaces joined by one veth cable, `a` at `a_ip`/24 and `b` at
/// `b_ip`/24; also the name of `a`'s end of the cable.
pub fn veth_pair(tag: &str, a_ip: &str, b_ip: &str) -> Option<(Netns, Netns, String)> {
    let a = Netns::new(&format!("{tag}-a"))?;
    let b = Netns::new(&format!("{tag}-b"))?;
    let (ia, ib) = (
        format!("va{}", std::process::id()),
        format!("vb{}", std::process::id()),
    );
    let made = ip(&[
        "link", "add", &ia, "netns", &a.name, "type", "veth", "peer", "name", &ib, "netns", &b.name,
    ]);
    assert!(made.status.success(), "veth: {made:?}");
    a.run(&["ip", "addr", "add", &format!("{a_ip}/24"), "dev", &ia]);
    a.run(&["ip", "link", "set", &ia, "up"]);
    b.run(&["ip", "addr", "add", &format!("{b_ip}/24"), "dev", &ib]);
    b.run(&["ip", "link", "set", &ib, "up"]);
    Some((a, b, ia))
}
