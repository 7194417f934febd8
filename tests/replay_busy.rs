//! A busy server host, recorded for real (`captures/busy.sh`): vsftpd on
//! port 21 and pyftpdlib on port 2121 on one host, 96 sessions from one
//! client host in waves of 16 at once (curl, lftp, ftplib; PORT, EPRT, PASV,
//! EPSV). Replay must find every control session with its whole dialogue,
//! and link every data connection to the session whose announcement named
//! its endpoint, as tshark reads the packets (`captures/BUSY_MANIFEST.txt`,
//! written from the capture by the same script). Nothing here is typed in
//! by hand.
//!
//! The announcements themselves (the PORT/EPRT arguments, the 227/229
//! texts) decide the links. tshark's own linking of data to control
//! connections is a heuristic that leaves some out (pyftpdlib's active
//! connections) and, on this busy capture, gives a few to a neighbouring
//! session; where it names a session, it is checked only when that
//! session's announcement agrees.
//!
//! A new control connection from the client host, made while another
//! session waits for its data, is the case that once lost sessions: it
//! looks like an unannounced data connection until its server says `220`.

mod common;

use ftpviz::ftp::hostport;
use ftpviz::replay::read_file;
use ftpviz::trace::{Event, Kind, Via};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;

#[derive(Default, Debug)]
struct Control {
    client: Option<SocketAddr>,
    server: Option<SocketAddr>,
    commands: Vec<String>,
    codes: Vec<u16>,
    /// The texts of its 227 and 229 replies.
    passive: Vec<String>,
}

#[derive(Default, Debug)]
struct Facts {
    /// By tshark stream number.
    controls: BTreeMap<u32, Control>,
    /// (dialler, listener, method, control stream), where tshark links it.
    data: Vec<(SocketAddr, SocketAddr, Via, u32)>,
    /// Every TCP connection: (dialler, listener), sorted. A pair may come
    /// twice: ports are reused.
    tcp: Vec<(SocketAddr, SocketAddr)>,
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// tshark's names for the setup methods.
fn method(m: &str) -> Via {
    match m {
        "PORT" => Via::Port,
        "EPORT" => Via::Eprt,
        "PASV" => Via::Pasv,
        "EPASV" => Via::Epsv,
        other => panic!("setup method {other}"),
    }
}

fn manifest() -> Facts {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/BUSY_MANIFEST.txt");
    let text = std::fs::read_to_string(path).expect("captures/BUSY_MANIFEST.txt");
    let mut facts = Facts::default();
    let mut current = None;
    for line in text.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        match w.as_slice() {
            ["control", s, c, srv] => {
                let s: u32 = s.parse().unwrap();
                let ctl = facts.controls.entry(s).or_default();
                ctl.client = Some(addr(c));
                ctl.server = Some(addr(srv));
                current = Some(s);
            }
            ["C:", ..] => {
                let c = current.and_then(|s| facts.controls.get_mut(&s)).unwrap();
                c.commands.push(line.trim_start()[3..].to_string());
            }
            ["S:", code, ..] => {
                let c = current.and_then(|s| facts.controls.get_mut(&s)).unwrap();
                c.codes.push(code.parse().unwrap());
                if w.len() > 2 {
                    c.passive.push(line.trim_start()[3..].to_string());
                }
            }
            ["data", _, d, l, m, ctl] => {
                facts
                    .data
                    .push((addr(d), addr(l), method(m), ctl.parse().unwrap()));
            }
            ["tcp", _, d, l] => facts.tcp.push((addr(d), addr(l))),
            _ => {}
        }
    }
    facts.tcp.sort();
    facts
}

fn runs(codes: &[u16]) -> Vec<u16> {
    let mut v = codes.to_vec();
    v.dedup();
    v
}

/// The data endpoints a session's dialogue (as tshark read it) announced:
/// where the client listens (PORT, EPRT) and where the server does (227,
/// 229 on the server's address).
fn announced(c: &Control) -> Vec<(Via, SocketAddr)> {
    let mut out = Vec::new();
    for cmd in &c.commands {
        let Some((verb, arg)) = cmd.split_once(' ') else {
            continue;
        };
        match verb {
            "PORT" => out.extend(hostport::parse_port(arg).map(|a| (Via::Port, SocketAddr::V4(a)))),
            "EPRT" => out.extend(hostport::parse_eprt(arg).map(|a| (Via::Eprt, a))),
            _ => {}
        }
    }
    for reply in &c.passive {
        if reply.starts_with("227") {
            out.extend(hostport::parse_227(reply).map(|a| (Via::Pasv, SocketAddr::V4(a))));
        } else if let (Ok(port), Some(server)) = (hostport::parse_229(reply), c.server) {
            out.push((Via::Epsv, SocketAddr::new(server.ip(), port)));
        }
    }
    out
}

#[test]
fn every_session_of_a_busy_capture_is_found_and_every_data_connection_linked() {
    let facts = manifest();
    assert_eq!(facts.controls.len(), 96, "the manifest lists the sessions");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/busy_vsftpd_pyftpdlib.pcap");
    let replay = read_file(&path).expect("the busy capture");
    assert!(replay.warnings.is_empty(), "{:?}", replay.warnings);
    let trace = replay.trace;

    // Every TCP connection of the capture is a dial in the trace, once.
    let dials: Vec<&Event> = trace
        .events
        .iter()
        .filter(|e| matches!(e.kind, Kind::Connect { .. }))
        .collect();
    let ends = |e: &Event| match e.kind {
        Kind::Connect { src, dst, .. } => (src, dst),
        _ => unreachable!(),
    };
    let mut got: Vec<_> = dials.iter().map(|e| ends(e)).collect();
    got.sort();
    assert_eq!(
        got, facts.tcp,
        "every TCP connection once, and nothing else"
    );

    // Sessions: one per control connection, with tshark's dialogue.
    let by_client: BTreeMap<SocketAddr, (u32, &Control)> = facts
        .controls
        .iter()
        .map(|(s, c)| (c.client.unwrap(), (*s, c)))
        .collect();
    let mut stream_of = BTreeMap::new();
    assert_eq!(trace.sessions().len(), facts.controls.len());
    for n in trace.sessions() {
        let events: Vec<&Event> = trace.events.iter().filter(|e| e.session == n).collect();
        let control = events
            .iter()
            .find(|e| e.conn == 0 && matches!(e.kind, Kind::Connect { .. }))
            .unwrap_or_else(|| panic!("session {n} has its control dial"));
        let (client, server) = ends(control);
        let (stream, want) = by_client
            .get(&client)
            .unwrap_or_else(|| panic!("session {n}: {client} is not a control connection"));
        assert_eq!(Some(server), want.server, "session {n}");
        stream_of.insert(n, *stream);
        let commands: Vec<String> = events
            .iter()
            .filter_map(|e| match &e.kind {
                Kind::Command { text, .. } => Some(text.trim_end().to_string()),
                _ => None,
            })
            .collect();
        assert_eq!(commands, want.commands, "session {n} ({client}): commands");
        let codes = common::reply_codes(
            &trace
                .events
                .iter()
                .filter(|e| e.session == n)
                .cloned()
                .collect::<Vec<_>>(),
        );
        assert_eq!(
            runs(&codes),
            runs(&want.codes),
            "session {n} ({client}): replies"
        );
    }

    // Data connections: each goes to an endpoint its own session announced,
    // by the method that announced it, and serves a transfer command.
    let (mut agree, mut differ) = (0, Vec::new());
    for e in dials.iter().filter(|e| e.conn > 0) {
        let Kind::Connect { src, dst, via } = e.kind else {
            unreachable!()
        };
        let what = format!("session {} data conn {} {src} -> {dst}", e.session, e.conn);
        let note = e.note.as_deref().unwrap_or("");
        assert!(!note.contains("unlinked"), "{what}: {note}");
        assert!(note.contains("for the data of"), "{what}: {note}");
        let via = via.unwrap_or_else(|| panic!("{what}: no via"));
        let stream = stream_of[&e.session];
        let own = announced(&facts.controls[&stream]);
        assert!(
            own.contains(&(via, dst)),
            "{what} via {via:?}: announced {own:?}"
        );
        match facts.data.iter().find(|(d, l, ..)| (*d, *l) == (src, dst)) {
            Some((_, _, method, ctl)) if *ctl == stream => {
                assert_eq!(via, *method, "{what}");
                agree += 1;
            }
            Some((.., ctl)) => differ.push(format!("{what}: tshark says stream {ctl}")),
            None => assert!(via.is_active(), "{what}: tshark links every passive one"),
        }
    }
    eprintln!("tshark agrees on {agree} links; names another session for {differ:#?}");
    assert!(agree > facts.data.len() / 2);
}
