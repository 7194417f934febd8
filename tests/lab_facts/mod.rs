//! The facts every transfer-lesson trace must show, checked against the
//! events themselves (shared by the lab, serve and interop tests).

#![allow(dead_code)]

use ftpviz::ftp::hostport;
use ftpviz::lab::{Lab, LabConfig};
use ftpviz::trace::{Event, Kind, Side, Via};
use std::collections::BTreeMap;

/// Runs a lab lesson to its end and returns all its events.
pub async fn run_lab(config: LabConfig) -> Vec<Event> {
    let mut lab = Lab::start(config).await.expect("lab starts");
    lab.run_free();
    let mut events = Vec::new();
    while let Some(e) = lab.events.recv().await {
        events.push(e);
    }
    lab.finish().await.expect("lesson runs to its end");
    events
}

/// What a checked trace held.
#[derive(Debug, Default)]
pub struct Summary {
    /// conn → payload bytes.
    pub data: BTreeMap<u32, u64>,
    /// conn → the command it served (LIST, RETR, STOR).
    pub served: BTreeMap<u32, String>,
}

/// Checks one session's trace of a transfer lesson. `active`: who must dial
/// the data connections; `ours`: the server is ftpviz's own, so active dials
/// come from control port − 1.
pub fn check(events: &[Event], active: bool, ours: bool) -> Summary {
    check_with(events, active, ours, true)
}

/// [`check`], but with `strict` false an outside server may refuse a
/// transfer (its data connection then carries nothing, and no 150/226).
pub fn check_with(events: &[Event], active: bool, ours: bool, strict: bool) -> Summary {
    let first = events.first().expect("a trace");
    let Kind::Connect { dst: control, .. } = first.kind else {
        panic!("first event must be the control dial: {first:?}")
    };
    assert_eq!(
        (first.conn, first.from),
        (0, Side::Client),
        "the client dials the control connection"
    );
    let mut announced: Option<u16> = None;
    let mut summary = Summary::default();
    let mut last_transfer: Option<String> = None;
    let mut replies_since: Vec<u16> = Vec::new();
    let mut transfers: Vec<(String, Vec<u16>)> = Vec::new();
    let dialler = if active { Side::Server } else { Side::Client };
    for e in events {
        match &e.kind {
            Kind::Command { text, verb } => {
                if let Some(t) = last_transfer.take() {
                    transfers.push((t, std::mem::take(&mut replies_since)));
                }
                let arg = text.split_once(' ').map_or("", |(_, a)| a);
                match verb.as_str() {
                    "PORT" => announced = hostport::parse_port(arg).ok().map(|a| a.port()),
                    "EPRT" => announced = hostport::parse_eprt(arg).ok().map(|a| a.port()),
                    "LIST" | "RETR" | "STOR" => last_transfer = Some(verb.clone()),
                    _ => {}
                }
                replies_since.clear();
            }
            Kind::Reply { code, text } => {
                replies_since.push(*code);
                let message = text.get(4..).unwrap_or_default();
                match code {
                    227 => announced = hostport::parse_227(message).ok().map(|a| a.port()),
                    229 => announced = hostport::parse_229(text).ok(),
                    _ => {}
                }
            }
            Kind::Connect { src, dst, via } if e.conn > 0 => {
                assert_eq!(e.from, dialler, "data dial by the wrong side: {e:?}");
                assert_eq!(
                    Some(dst.port()),
                    announced,
                    "data dial to a port nobody announced: {e:?}"
                );
                let via = via.expect("a data dial says how it was agreed");
                assert_eq!(via.is_active(), active, "{e:?}");
                assert!(matches!(via, Via::Port | Via::Eprt | Via::Pasv | Via::Epsv));
                // From control port - 1, unless that port was taken (on a
                // busy machine another socket may hold it): then the note
                // says so, as the narration does.
                let fell_back = e
                    .note
                    .as_deref()
                    .is_some_and(|n| n.contains("could not bind source port"));
                if active && ours && !fell_back {
                    assert_eq!(
                        src.port(),
                        control.port() - 1,
                        "active dials come from control port - 1: {e:?}"
                    );
                }
                if let Some(t) = &last_transfer {
                    summary.served.insert(e.conn, t.clone());
                }
                announced = None; // every transfer needs a fresh announcement
            }
            _ => {}
        }
    }
    if let Some(t) = last_transfer.take() {
        transfers.push((t, replies_since));
    }
    let conns: Vec<u32> = {
        let mut c: Vec<u32> = events
            .iter()
            .filter(|e| e.conn > 0)
            .map(|e| e.conn)
            .collect();
        c.dedup();
        c.sort_unstable();
        c.dedup();
        c
    };
    for conn in conns {
        let of: Vec<&Event> = events.iter().filter(|e| e.conn == conn).collect();
        assert!(
            matches!(of.first().map(|e| &e.kind), Some(Kind::Connect { .. })),
            "conn {conn} starts with its dial"
        );
        assert!(
            of.iter().any(|e| e.kind == Kind::Accept),
            "conn {conn} accepted"
        );
        // The Trace contract: `accept` is recorded in the name of the side
        // that accepted — the listener, never the dialler.
        let dialler = of.first().map(|e| e.from);
        for accept in of.iter().filter(|e| e.kind == Kind::Accept) {
            assert_eq!(
                Some(accept.from.peer()),
                dialler,
                "conn {conn}: accept from the listener"
            );
        }
        assert!(
            of.iter().any(|e| e.kind == Kind::Close),
            "conn {conn} closed"
        );
        let bytes: u64 = of
            .iter()
            .map(|e| {
                if let Kind::Data { bytes } = e.kind {
                    bytes
                } else {
                    0
                }
            })
            .sum();
        if strict {
            assert!(bytes > 0, "conn {conn} carried bytes");
        }
        summary.data.insert(conn, bytes);
    }
    let done = |codes: &Vec<u16>| strict || !codes.iter().any(|c| *c >= 400);
    for (verb, codes) in transfers.iter().filter(|(_, codes)| done(codes)) {
        assert!(
            codes.iter().any(|c| *c == 150 || *c == 125),
            "{verb}: a preliminary 150 in {codes:?}"
        );
        assert!(codes.contains(&226), "{verb}: a 226 in {codes:?}");
    }
    assert!(
        transfers.len() >= 4,
        "the lesson has four transfers: {transfers:?}"
    );
    summary
}
