//! The lab's traces tell the truth about who dials whom: checked for every
//! mode, on real loopback sockets with port 0.

mod lab_facts;

use ftpviz::lab::lesson::UPLOAD_TEXT;
use ftpviz::lab::{Lab, LabConfig, Lesson, Mode};
use ftpviz::trace::{Kind, Side};

fn config(mode: Mode, extended: bool, ipv6: bool) -> LabConfig {
    LabConfig {
        mode,
        extended,
        ipv6,
        control_port: 0,
        ..LabConfig::default()
    }
}

async fn lesson(mode: Mode, extended: bool, ipv6: bool) {
    let events = lab_facts::run_lab(config(mode, extended, ipv6)).await;
    let summary = lab_facts::check(&events, mode == Mode::Active, true);
    assert_eq!(summary.data.len(), 4, "LIST, RETR, STOR, RETR: {summary:?}");
    // What was stored comes back byte for byte (the counts match the file).
    assert_eq!(summary.data.get(&3), Some(&(UPLOAD_TEXT.len() as u64)));
    assert_eq!(summary.data.get(&4), Some(&(UPLOAD_TEXT.len() as u64)));
    // hello.txt is 80 bytes on disk and in TYPE I on the wire.
    assert_eq!(summary.data.get(&2), Some(&80));
    // Each event once: exactly one control dial, one close per connection.
    let closes = events.iter().filter(|e| e.kind == Kind::Close).count();
    assert_eq!(closes, 5);
    let t: Vec<f64> = events.iter().map(|e| e.t).collect();
    assert!(t.windows(2).all(|w| w[0] <= w[1]), "events in time order");
    // Every connection: its dial, then its handshake, then what it carries
    // (the 220 banner never shows before the control connection is up).
    for conn in 0..=4 {
        let kinds: Vec<&str> = events
            .iter()
            .filter(|e| e.conn == conn)
            .map(|e| e.kind.name())
            .collect();
        assert_eq!(
            kinds.get(..2),
            Some(&["connect", "accept"][..]),
            "conn {conn}: {kinds:?}"
        );
        assert_eq!(
            kinds.iter().filter(|k| **k == "accept").count(),
            1,
            "conn {conn}"
        );
    }
    if ipv6 {
        assert!(events.iter().all(|e| match &e.kind {
            Kind::Connect { src, dst, .. } => src.is_ipv6() && dst.is_ipv6(),
            _ => true,
        }));
    }
}

#[tokio::test]
async fn active_mode_the_server_dials_from_control_port_minus_one() {
    lesson(Mode::Active, false, false).await;
}

#[tokio::test]
async fn passive_mode_the_client_dials_the_announced_port() {
    lesson(Mode::Passive, false, false).await;
}

#[tokio::test]
async fn extended_modes_on_ipv6() {
    lesson(Mode::Active, true, true).await;
    lesson(Mode::Passive, true, true).await;
}

#[tokio::test]
async fn extended_modes_on_ipv4() {
    lesson(Mode::Active, true, false).await;
    lesson(Mode::Passive, true, false).await;
}

#[tokio::test]
async fn two_labs_run_side_by_side() {
    let (a, b) = tokio::join!(
        lab_facts::run_lab(config(Mode::Active, false, false)),
        lab_facts::run_lab(config(Mode::Passive, false, false)),
    );
    lab_facts::check(&a, true, true);
    lab_facts::check(&b, false, true);
}

#[tokio::test]
async fn the_client_waits_for_permission_to_step() {
    let mut lab = Lab::start(config(Mode::Passive, false, false))
        .await
        .unwrap();
    let ep = lab.endpoints();
    assert!(ep.server.port() != 0);
    lab.step(); // connect: dial, handshake, banner
    let mut first = Vec::new();
    while let Some(e) = lab.events.recv().await {
        let done = matches!(e.kind, Kind::Reply { code: 220, .. });
        first.push(e);
        if done {
            break;
        }
    }
    assert!(matches!(first[0].kind, Kind::Connect { .. }));
    assert!(
        lab.events.try_recv().is_err(),
        "nothing happens without a step"
    );
    assert!(!lab.is_over());
    lab.step(); // USER
    let next = lab.events.recv().await.unwrap();
    assert_eq!(next.from, Side::Client);
    assert!(matches!(&next.kind, Kind::Command { verb, .. } if verb == "USER"));
    lab.run_free();
    while lab.events.recv().await.is_some() {}
    lab.finish().await.unwrap();
}

#[tokio::test]
async fn the_bounce_lesson_is_refused_and_nothing_is_dialled() {
    let events = lab_facts::run_lab(LabConfig {
        lesson: Lesson::Bounce,
        ..config(Mode::Active, false, false)
    })
    .await;
    let refused = events
        .iter()
        .filter(|e| matches!(e.kind, Kind::Reply { code: 504, .. }))
        .count();
    assert_eq!(refused, 2, "both bounce PORTs refused");
    assert!(
        events.iter().all(|e| e.conn == 0),
        "no data connection at all"
    );
}

#[tokio::test]
async fn an_outside_server_must_be_on_loopback() {
    let config = LabConfig {
        server: Some("192.0.2.1:21".parse().unwrap()),
        ..LabConfig::default()
    };
    let err = Lab::start(config)
        .await
        .err()
        .expect("refused before any socket");
    assert!(err.to_string().contains("not a loopback address"), "{err}");
}

/// `ftpviz lab --port 0 --json ARGS`, which must succeed: its trace.
fn lab_json(args: &[&str]) -> ftpviz::trace::Trace {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ftpviz"))
        .args(["lab", "--port", "0", "--json"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ftpviz::trace::read_json_lines(&out.stdout[..]).unwrap()
}

#[test]
fn the_binary_writes_the_lab_trace_as_json_lines() {
    for (mode, args) in [
        (Mode::Active, &["--mode", "active"][..]),
        (Mode::Passive, &["--mode", "passive", "--extended"][..]),
    ] {
        let trace = lab_json(args);
        lab_facts::check(&trace.events, mode == Mode::Active, true);
    }
}

#[test]
fn compare_mode_writes_one_trace_with_a_session_per_mode() {
    let trace = lab_json(&["--mode", "compare"]);
    assert_eq!(trace.sessions(), vec![1, 2]);
    let t: Vec<f64> = trace.events.iter().map(|e| e.t).collect();
    assert_eq!(t.first(), Some(&0.0));
    assert!(t.windows(2).all(|w| w[0] <= w[1]), "one clock: {t:?}");
    lab_facts::check(&trace.session(1).events, true, true);
    lab_facts::check(&trace.session(2).events, false, true);
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_ftpviz"))
        .args(["lab", "--mode", "active", "--port", "0", "--print"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ftpviz runs");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).expect("the trace starts");
    drop(stdout); // like `| head -1`
    let out = child.wait_with_output().expect("ftpviz ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
}

#[test]
fn an_unreachable_outside_server_exits_1_with_a_cause() {
    // A port nobody listens on: bind one, note it, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ftpviz"))
        .args([
            "lab",
            "--mode",
            "passive",
            "--print",
            "--server",
            &format!("127.0.0.1:{port}"),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot reach the server"), "{stderr}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("fail refused"),
        "the trace shows the failed dial"
    );
}
