//! Issue 11, points 6 and 11, in network namespaces the tests make
//! themselves (root needed; skipped otherwise, a failure under CI):
//! thousands of passive transfers never run out of ports to listen on, and
//! a dual-stack listener (`[::]`) serves an IPv4 client in active mode.

mod common;
#[path = "support/netns.rs"]
mod netns;
#[path = "support/serve_bin.rs"]
mod serve_bin;

use netns::Netns;

#[test]
fn passive_churn_never_runs_out_of_ports() {
    let Some(ns) = Netns::new("churn") else {
        return;
    };
    // Twenty ports for everything: without SO_REUSEADDR on its passive
    // listeners, the server runs out once twenty of them sit in TIME_WAIT.
    ns.run(&[
        "sysctl",
        "-q",
        "-w",
        "net.ipv4.ip_local_port_range=40000 40019",
    ]);
    let served = serve_bin::serve_with(
        ns.command(env!("CARGO_BIN_EXE_ftpviz")),
        None,
        &[],
        "127.0.0.1:0",
    );
    let script = format!(
        "import ftplib, io\n\
         f = ftplib.FTP()\n\
         f.connect('127.0.0.1', {port}, timeout=30)\n\
         f.login()\n\
         ok = 0\n\
         for i in range(300):\n\
         \x20   b = io.BytesIO()\n\
         \x20   f.retrbinary('RETR hello.txt', b.write)\n\
         \x20   ok += b.getvalue().startswith(b'Hello')\n\
         f.quit()\n\
         print(ok)\n",
        port = served.addr.port()
    );
    let out = ns.run(&["python3", "-c", &script]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "300");
    let trace = served.stop();
    let dials = trace
        .events
        .iter()
        .filter(|e| e.conn > 0 && matches!(e.kind, ftpviz::trace::Kind::Accept))
        .count();
    assert_eq!(dials, 300);
}

#[test]
fn a_dual_stack_listener_serves_ipv4_clients_in_active_mode() {
    let Some(ns) = Netns::new("dual") else {
        return;
    };
    if common::peer("curl").is_none() {
        return;
    }
    let served = serve_bin::serve_with(
        ns.command(env!("CARGO_BIN_EXE_ftpviz")),
        None,
        &[],
        "[::]:0",
    );
    // Not loopback: the warning says who can read and who can write.
    let warning = served.said.join("\n");
    assert!(
        warning.contains("anyone who can reach it can read"),
        "{warning}"
    );
    assert!(warning.contains("demo/demo can upload"), "{warning}");
    assert!(warning.contains("anonymous users cannot"), "{warning}");
    let port = served.addr.port();
    for host in ["127.0.0.1", "[::1]"] {
        for mode in [&["-P", "-"][..], &[][..]] {
            let url = format!("ftp://{host}:{port}/hello.txt");
            let mut argv = vec!["curl", "-sS", "--max-time", "30"];
            argv.extend_from_slice(mode);
            argv.push(&url);
            let out = ns.run(&argv);
            assert!(out.stdout.starts_with(b"Hello from the ftpviz"), "{argv:?}");
        }
    }
    let trace = served.stop();
    let active_from: Vec<std::net::SocketAddr> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            ftpviz::trace::Kind::Connect { src, .. }
                if e.conn > 0 && e.from == ftpviz::trace::Side::Server =>
            {
                Some(src)
            }
            _ => None,
        })
        .collect();
    assert_eq!(active_from.len(), 2, "{active_from:?}");
    assert!(
        active_from[0].is_ipv4(),
        "the IPv4 client is dialled over IPv4"
    );
    assert!(active_from[1].is_ipv6());
    assert!(active_from.iter().all(|a| a.port() == port - 1), "from L-1");
}
