//! `serve --classroom` across a real link: two network namespaces made by
//! the test (the teacher's machine and a student's laptop) joined by a veth
//! pair, addresses of the test's own choosing. Active mode works for the
//! student's real FTP client (curl, PORT and EPRT) — the server dials back
//! to the student's own address — passive mode too, and a PORT aimed at a
//! third host or at a port below 1024 is still refused, never dialled.
//! Without `--classroom` the same active transfer is refused with 425 and
//! nothing leaves loopback. Needs root and `ip` (skipped otherwise; a
//! failure under CI).

mod common;
#[path = "support/netns.rs"]
mod netns;
#[path = "support/serve_bin.rs"]
mod serve_bin;

use ftpviz::trace::{Kind, Side, Trace};
use netns::Netns;
use std::net::SocketAddr;

const TEACHER: &str = "10.99.7.1";
const STUDENT: &str = "10.99.7.2";

/// The teacher's and a student's machines, one veth cable between them.
fn classroom(tag: &str) -> Option<(Netns, Netns)> {
    let teacher = Netns::new(&format!("{tag}-t"))?;
    let student = Netns::new(&format!("{tag}-s"))?;
    let (a, b) = (
        format!("vt{}", std::process::id()),
        format!("vs{}", std::process::id()),
    );
    let made = std::process::Command::new("ip")
        .args(["link", "add", &a, "netns", &teacher.name, "type", "veth"])
        .args(["peer", "name", &b, "netns", &student.name])
        .output()
        .expect("ip runs");
    assert!(made.status.success(), "veth: {made:?}");
    teacher.run(&["ip", "addr", "add", &format!("{TEACHER}/24"), "dev", &a]);
    teacher.run(&["ip", "link", "set", &a, "up"]);
    student.run(&["ip", "addr", "add", &format!("{STUDENT}/24"), "dev", &b]);
    student.run(&["ip", "link", "set", &b, "up"]);
    Some((teacher, student))
}

/// The data dials of a trace: (who, from, to, connected).
fn dials(trace: &Trace) -> Vec<(Side, SocketAddr, SocketAddr, bool)> {
    let events = &trace.events;
    events
        .iter()
        .filter_map(|e| match e.kind {
            Kind::Connect { src, dst, .. } if e.conn > 0 => {
                let connected = events.iter().any(|a| {
                    a.session == e.session && a.conn == e.conn && matches!(a.kind, Kind::Accept)
                });
                Some((e.from, src, dst, connected))
            }
            _ => None,
        })
        .collect()
}

fn curl(student: &Netns, port: u16, args: &[&str]) -> std::process::Output {
    let url = format!("ftp://{TEACHER}:{port}/hello.txt");
    student
        .command("curl")
        .args(["-sS", "--max-time", "30"])
        .args(args)
        .arg(&url)
        .output()
        .expect("curl runs")
}

#[test]
fn students_clients_work_in_both_modes_and_a_bounce_is_still_refused() {
    if common::peer("curl").is_none() || common::peer("python3").is_none() {
        return;
    }
    let Some((teacher, student)) = classroom("class") else {
        return;
    };
    let served = serve_bin::serve_with(
        teacher.command(env!("CARGO_BIN_EXE_ftpviz")),
        None,
        &["--classroom"],
        &format!("{TEACHER}:0"),
    );
    let said = served.said.join("\n");
    assert!(
        said.contains("dials back each client's own address"),
        "{said}"
    );
    let port = served.addr.port();
    // Active with EPRT (curl's default), active with PORT, passive.
    for args in [&["-P", "-"][..], &["-P", "-", "--disable-eprt"], &[]] {
        let out = curl(&student, port, args);
        assert!(
            out.stdout.starts_with(b"Hello from the ftpviz"),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A hostile client: PORT at a third host, then at the student's own
    // port 25. Both 504; nothing is dialled.
    let script = format!(
        "import ftplib\n\
         f = ftplib.FTP()\n\
         f.connect('{TEACHER}', {port}, timeout=30)\n\
         f.login()\n\
         for arg in ['10,99,7,3,31,144', '10,99,7,2,0,25']:\n\
         \x20   try:\n\
         \x20       print(f.sendcmd('PORT ' + arg)[:3])\n\
         \x20   except ftplib.error_perm as e:\n\
         \x20       print(str(e)[:3])\n\
         f.quit()\n"
    );
    let out = student.run(&["python3", "-c", &script]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "504\n504");

    let trace = served.stop();
    let dials = dials(&trace);
    let student_ip: std::net::IpAddr = STUDENT.parse().expect("an address");
    let teacher_ip: std::net::IpAddr = TEACHER.parse().expect("an address");
    // The two active transfers: the server dialled the student back, from
    // its control port − 1, and both connected; the passive one the other
    // way round. Every session of the trace is a student's.
    let active: Vec<_> = dials.iter().filter(|d| d.0 == Side::Server).collect();
    assert_eq!(active.len(), 2, "{dials:?}");
    for (_, src, dst, connected) in &active {
        assert_eq!(dst.ip(), student_ip);
        assert_eq!(*src, SocketAddr::new(teacher_ip, port - 1));
        assert!(*connected);
    }
    let passive: Vec<_> = dials.iter().filter(|d| d.0 == Side::Client).collect();
    assert_eq!(passive.len(), 1, "{dials:?}");
    assert_eq!(
        (passive[0].1.ip(), passive[0].2.ip()),
        (student_ip, teacher_ip)
    );
    assert!(
        dials
            .iter()
            .all(|d| d.2.ip() == student_ip || d.2.ip() == teacher_ip),
        "no dial anywhere else: {dials:?}"
    );
    assert!(trace.events.iter().all(|e| match e.kind {
        Kind::Connect { src, .. } if e.conn == 0 => src.ip() == student_ip,
        _ => true,
    }));
}

#[test]
fn without_classroom_a_remote_active_transfer_is_refused_and_nothing_dialled() {
    if common::peer("curl").is_none() {
        return;
    }
    let Some((teacher, student)) = classroom("plain") else {
        return;
    };
    let served = serve_bin::serve_with(
        teacher.command(env!("CARGO_BIN_EXE_ftpviz")),
        None,
        &[],
        &format!("{TEACHER}:0"),
    );
    let said = served.said.join("\n");
    assert!(said.contains("--classroom allows it"), "{said}");
    let port = served.addr.port();
    let out = curl(&student, port, &["-P", "-", "--disable-eprt"]);
    assert!(
        !out.status.success(),
        "active must fail without --classroom"
    );
    // Passive still works.
    let out = curl(&student, port, &[]);
    assert!(out.stdout.starts_with(b"Hello from the ftpviz"));
    let trace = served.stop();
    // Refused at PORT (504), not promised with a 200 and then failed.
    let refused = trace.events.iter().any(
        |e| matches!(&e.kind, Kind::Reply { code: 504, text } if text.contains("--classroom")),
    );
    assert!(refused, "{:?}", common::reply_codes(&trace.events));
    assert!(
        !trace.events.iter().any(|e| {
            matches!(&e.kind, Kind::Reply { code: 200, text } if text.contains("I will dial"))
        }),
        "no dial promised"
    );
    assert!(
        dials(&trace).iter().all(|d| d.0 == Side::Client),
        "the server dialled nothing: {:?}",
        dials(&trace)
    );
}
