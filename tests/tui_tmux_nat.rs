//! NAT in plain sight in a real terminal (issue 16 §4), as the issue found
//! it: `ftpviz lab --mode active --nat client --firewall stateful` in tmux
//! at 80×24, played to its pause at `PORT`. The client's box shows its
//! private address, the NAT's box the public one, and the `PORT` row the
//! line as the client sent it (left of the wall) and as the server received
//! it (right of it). Every wait polls the screen; nothing waits a fixed
//! time.

mod common;

#[path = "support/tmux.rs"]
mod tmux;
use ftpviz::middlebox::nat::{Translation, CLIENT_PRIVATE_V4};
use ftpviz::middlebox::Nat;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use tmux::{start_sized, ONE_AT_A_TIME};

/// The PORT's address, `h1,h2,h3,h4,` for `ip`.
fn port_prefix(ip: Ipv4Addr) -> String {
    let o = ip.octets();
    format!("PORT {},{},{},{},", o[0], o[1], o[2], o[3])
}

#[test]
fn behind_a_client_nat_the_helpers_port_shows_as_sent_and_as_received_at_80x24() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if common::peer("tmux").is_none() {
        return;
    }
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_ftpviz"));
    let args = "lab --mode active --nat client --firewall stateful --port 0";
    let t = start_sized(&bin, args, "", (80, 24));
    t.wait("the first screen", |s| {
        s.contains("Nothing has happened yet")
    });
    // Play: it pauses at the control SYN, then at the PORT.
    t.keys(&["Space"]);
    t.wait("the pause at the SYN", |s| {
        s.lines().next().is_some_and(|l| l.contains("at SYN"))
    });
    t.keys(&["Space"]);
    let s = t.wait("the pause at the PORT", |s| {
        s.lines().next().is_some_and(|l| l.contains("at PORT"))
    });
    // The lab's real client address: the one the world (the server) sees.
    let (client, _) = ftpviz::lab::peer_ips(false);
    let t_ = Translation::of(Nat::Client, client).expect("a client NAT");
    assert_eq!(t_.private, IpAddr::V4(CLIENT_PRIVATE_V4));
    let IpAddr::V4(public) = client else {
        panic!("an IPv4 lab");
    };
    let hosts: Vec<&str> = s.lines().skip(2).take(5).collect();
    assert!(hosts[1].contains(&CLIENT_PRIVATE_V4.to_string()), "{s}");
    assert!(
        hosts.iter().any(|l| l.contains(&t_.outside_words())),
        "the NAT's box: {s}"
    );
    let row = s
        .lines()
        .find(|l| l.starts_with('▸'))
        .unwrap_or_else(|| panic!("the cursor's row:\n{s}"));
    let (sent, received) = (port_prefix(CLIENT_PRIVATE_V4), port_prefix(public));
    let wall = row.find('┃').unwrap_or_else(|| panic!("the wall on {row}"));
    let at = |p: &str| row.find(p).unwrap_or_else(|| panic!("{p} on {row}\n{s}"));
    assert!(at(&sent) < wall && wall < at(&received), "{row}");
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), "0");
}
