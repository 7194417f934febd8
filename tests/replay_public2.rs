//! The ten public captures of `../shared/captures/public2` (recorded by
//! others, for their own tests) replay with the facts tshark reads in them
//! (`captures/PUBLIC2_FACTS.txt`, written by `captures/public2_facts.sh`),
//! and with what a correct replay must add where tshark and the wire differ
//! (`PUBLIC2.md`), each checked by reading the packets.
//!
//! For every file: each FTP control connection tshark sees is one session
//! with the same dialogue (commands as sent; reply codes, where tshark
//! counts one per packet of a multi-line reply and the trace one per reply);
//! each data connection tshark links is dialled by the same end, agreed by
//! the same method, and carries the same payload bytes each way; control
//! connections whose SYN is in the capture start with their dial.

mod common;

use ftpviz::replay::{read_file, Replay};
use ftpviz::trace::{Event, Kind, Via};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;

#[derive(Debug, Clone)]
struct Tcp {
    a: SocketAddr,
    b: SocketAddr,
    syn: bool,
    /// Payload bytes a → b and b → a.
    bytes: (u64, u64),
}

#[derive(Debug, Default)]
struct Facts {
    tcp: BTreeMap<u32, Tcp>,
    /// (frame, stream, "C:…" or "S:code").
    ftp: Vec<(u32, u32, String)>,
    /// (stream, text) of the 227 and 229 replies.
    passive: Vec<(u32, String)>,
    /// data stream → (method, control stream).
    data: BTreeMap<u32, (Via, u32)>,
}

fn facts() -> BTreeMap<String, Facts> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/PUBLIC2_FACTS.txt");
    let text = std::fs::read_to_string(path).expect("captures/PUBLIC2_FACTS.txt");
    let mut all: BTreeMap<String, Facts> = BTreeMap::new();
    let mut file = String::new();
    for line in text.lines() {
        let w: Vec<&str> = line.split(' ').collect();
        let f = all.entry(file.clone()).or_default();
        match w.as_slice() {
            ["==", name] => {
                file = name.to_string();
            }
            ["tcp", s, a, b, syn, ab, ba] => {
                let tcp = Tcp {
                    a: a.parse().unwrap(),
                    b: b.parse().unwrap(),
                    syn: *syn == "syn",
                    bytes: (ab.parse().unwrap(), ba.parse().unwrap()),
                };
                f.tcp.insert(s.parse().unwrap(), tcp);
            }
            ["ftp", frame, s, side, ..] => {
                let text = line.splitn(5, ' ').nth(4).unwrap_or_default();
                let s = s.parse().unwrap();
                let item = match *side {
                    "S" => {
                        if text.len() > 3 {
                            f.passive.push((s, text.to_string()));
                        }
                        format!("S:{}", &text[..3])
                    }
                    _ => format!("C:{text}"),
                };
                f.ftp.push((frame.parse().unwrap(), s, item));
            }
            ["data", s, method, ctl] => {
                let via = match *method {
                    "PORT" => Via::Port,
                    "EPORT" => Via::Eprt,
                    "PASV" => Via::Pasv,
                    "EPASV" => Via::Epsv,
                    other => panic!("method {other}"),
                };
                f.data
                    .insert(s.parse().unwrap(), (via, ctl.parse().unwrap()));
            }
            _ => {}
        }
    }
    all.remove("");
    all
}

/// A dialogue with runs of one reply code counted once.
fn runs(mut items: Vec<String>) -> Vec<String> {
    items.dedup_by(|a, b| a.starts_with("S:") && a == b);
    items
}

/// Our session's dialogue, in tshark's terms.
fn dialogue(events: &[&Event]) -> Vec<String> {
    runs(
        events
            .iter()
            .filter_map(|e| match &e.kind {
                Kind::Command { text, .. } => Some(format!("C:{}", text.trim_end())),
                Kind::Reply { code, .. } => Some(format!("S:{code}")),
                _ => None,
            })
            .collect(),
    )
}

struct Checked {
    replay: Replay,
    /// Our session number for each tshark control stream.
    session_of: BTreeMap<u32, u32>,
}

/// What a file holds that the generic check must know.
#[derive(Default)]
struct Quirks {
    /// Control streams that are one connection seen under two names (both
    /// sides of a NAT): their lines make one dialogue, in frame order.
    merged: &'static [u32],
    /// Reply lines ending in a bare LF instead of CR LF (the trace keeps
    /// the text, not the line end).
    bare_lf: u64,
}

/// Checks one file against its facts.
fn check(file: &str, quirks: Quirks) -> Option<Checked> {
    let merged = quirks.merged;
    let path = common::capture(&format!("public2/{file}"))?;
    let all = facts();
    let f = all.get(file).unwrap_or_else(|| panic!("{file}: no facts"));
    let replay = read_file(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    let trace = &replay.trace;

    // tshark's control streams and their dialogues.
    let mut streams: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for (_, s, item) in &f.ftp {
        let s = if merged.contains(s) { merged[0] } else { *s };
        streams.entry(s).or_default().push(item.clone());
    }
    let streams: BTreeMap<u32, Vec<String>> =
        streams.into_iter().map(|(s, d)| (s, runs(d))).collect();

    // Ours, matched one to one; a control dial refused before any word,
    // to a server that serves FTP later in the capture, is a session too
    // (tshark sees no FTP in it: a SYN and an RST).
    let mut ours: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for n in trace.sessions() {
        let events: Vec<&Event> = trace.connection(n, 0).collect();
        if let [dial, fail] = events.as_slice() {
            if let (Kind::Connect { src, dst, .. }, Kind::Fail { .. }) = (&dial.kind, &fail.kind) {
                let syn_rst = f
                    .tcp
                    .values()
                    .any(|t| (t.a, t.b, t.syn, t.bytes) == (*src, *dst, true, (0, 0)));
                let served = f.tcp.values().any(|t| t.b == *dst && t.bytes != (0, 0));
                assert!(
                    syn_rst && served,
                    "{file}: session {n} is a failed dial to {dst}"
                );
                continue;
            }
        }
        ours.insert(n, dialogue(&events));
    }
    assert_eq!(ours.len(), streams.len(), "{file}: sessions");
    let mut session_of = BTreeMap::new();
    for (s, want) in &streams {
        let n = ours
            .iter()
            .find(|(n, d)| *d == want && !session_of.values().any(|m| m == *n))
            .map(|(n, _)| *n)
            .unwrap_or_else(|| {
                panic!("{file}: no session says what stream {s} says: {want:#?}\nours: {ours:#?}")
            });
        session_of.insert(*s, n);
    }

    // Control connections captured from their SYN start with that dial.
    for (s, n) in &session_of {
        let tcp = &f.tcp[s];
        let dial = trace.connection(*n, 0).find_map(|e| match e.kind {
            Kind::Connect { src, dst, .. } => Some((src, dst)),
            _ => None,
        });
        if tcp.syn {
            assert_eq!(
                dial,
                Some((tcp.a, tcp.b)),
                "{file} stream {s}: control dial"
            );
        } else if !merged.contains(s) {
            assert_eq!(dial, None, "{file} stream {s}: no SYN, no dial");
        }
    }

    // Every captured byte of a control connection is in a line shown (a
    // command, a reply line, each with its CR LF) or in a counted event
    // (TLS): the sums are tshark's, each way.
    for (s, n) in &session_of {
        if merged.contains(s) {
            continue;
        }
        let (mut client, mut server) = (0, 0);
        for e in trace.connection(*n, 0) {
            match &e.kind {
                Kind::Command { text, .. } => client += text.len() as u64 + 2,
                Kind::Reply { text, .. } => {
                    server += text.split('\n').map(|l| l.len() as u64 + 2).sum::<u64>()
                }
                Kind::Data { bytes } if e.from == ftpviz::trace::Side::Client => client += bytes,
                Kind::Data { bytes } => server += bytes,
                _ => {}
            }
        }
        let tcp = &f.tcp[s];
        let mut want = [tcp.bytes.0, tcp.bytes.1];
        let mut got = [client, server - quirks.bare_lf];
        want.sort();
        got.sort();
        assert_eq!(got, want, "{file} stream {s}: control bytes");
    }

    // Data connections: who dialled, how it was agreed, bytes each way.
    // tshark links those that carried bytes; an empty one (an empty
    // listing) must go to an endpoint its session's 227/229 announced.
    let mut linked = 0;
    for dial in trace.events.iter().filter(|e| e.conn > 0) {
        let Kind::Connect { src, dst, via } = dial.kind else {
            continue;
        };
        let what = format!(
            "{file}: session {} data conn {} {src} -> {dst}",
            dial.session, dial.conn
        );
        let (s, tcp) = f
            .tcp
            .iter()
            .find(|(_, t)| (t.a, t.b) == (src, dst))
            .unwrap_or_else(|| panic!("{what}: not a connection tshark sees"));
        let (mut sent, mut got) = (0, 0);
        for e in trace.connection(dial.session, dial.conn) {
            if let Kind::Data { bytes } = e.kind {
                if e.from == dial.from {
                    sent += bytes;
                } else {
                    got += bytes;
                }
            }
        }
        assert_eq!((sent, got), tcp.bytes, "{what}: bytes");
        let ctl = session_of
            .iter()
            .find(|(_, n)| **n == dial.session)
            .map(|(s, _)| *s)
            .unwrap_or_else(|| panic!("{what}: session of no stream"));
        match f.data.get(s) {
            Some((method, link)) => {
                assert_eq!((via, *link), (Some(*method), ctl), "{what}: link");
                linked += 1;
            }
            None => {
                assert_eq!(tcp.bytes, (0, 0), "{what}: tshark links all with bytes");
                let port = dst.port().to_string();
                let announced = f.passive.iter().any(|(st, item)| {
                    *st == ctl
                        && (item.contains(&format!("|||{port}|"))
                            || item.contains(&format!(
                                ",{},{})",
                                dst.port() >> 8,
                                dst.port() & 0xff
                            )))
                });
                assert!(announced, "{what}: not announced by stream {ctl}");
            }
        }
    }
    assert_eq!(
        linked,
        f.data.len(),
        "{file}: every data connection tshark links"
    );

    // Times start at 0 and never go back.
    assert_eq!(trace.events.first().map(|e| e.t), Some(0.0), "{file}");
    assert!(trace.events.windows(2).all(|w| w[0].t <= w[1].t), "{file}");
    Some(Checked { replay, session_of })
}

fn warnings(r: &Replay) -> Vec<&str> {
    r.warnings.iter().map(|w| w.message.as_str()).collect()
}

fn note_of<'a>(
    events: impl IntoIterator<Item = &'a Event>,
    pred: impl Fn(&Event) -> bool,
) -> &'a str {
    events
        .into_iter()
        .find(|e| pred(e))
        .and_then(|e| e.note.as_deref())
        .unwrap_or("")
}

#[test]
fn zeek_bruteforce_thirty_failed_logins() {
    let Some(c) = check("zeek_bruteforce.pcap", Quirks::default()) else {
        return;
    };
    assert_eq!(c.session_of.len(), 30);
    assert!(c.replay.warnings.is_empty(), "{:?}", warnings(&c.replay));
}

#[test]
fn zeek_fake_long_commands_every_line_shown() {
    let Some(c) = check("zeek_fake-long-commands.pcap", Quirks::default()) else {
        return;
    };
    // Frames 18 and 26: 132-letter verbs the server answers (200, 215).
    let odd: Vec<&Event> = c
        .replay
        .trace
        .events
        .iter()
        .filter(|e| matches!(&e.kind, Kind::Command { verb, .. } if verb.len() == 132))
        .collect();
    assert_eq!(odd.len(), 2);
    for e in odd {
        let note = e.note.as_deref().unwrap_or("");
        assert!(note.contains("not an FTP verb: 132 letters"), "{note}");
    }
}

#[test]
fn sv_ftp_epsv_control_only() {
    // The FEAT reply (frames 19–20) ends three of its lines with a bare LF.
    let quirks = Quirks {
        bare_lf: 3,
        ..Quirks::default()
    };
    let Some(c) = check("sv_ftp-epsv.pcap", quirks) else {
        return;
    };
    // The capture holds the control connection only (port 21): no data.
    assert!(c.replay.warnings.is_empty(), "{:?}", warnings(&c.replay));
}

#[test]
fn sv_fw116_fourteen_data_connections() {
    let Some(c) = check("sv_fw116-ftp-all-data-ipv4.pcap", Quirks::default()) else {
        return;
    };
    let dials = c
        .replay
        .trace
        .events
        .iter()
        .filter(|e| e.conn > 0 && matches!(e.kind, Kind::Connect { .. }))
        .count();
    assert_eq!(dials, 14);
}

#[test]
fn ndpi_start_tls_that_falls_back_to_clear_text() {
    let Some(c) = check("ndpi_ftp-start-tls.pcap", Quirks::default()) else {
        return;
    };
    // After 234 (frame 10), TLS records until the alerts of frames 40 and
    // 43; the payload of frames 12, 22, 25, 28, 31, 34, 36, 38, 43 (client:
    // 150+330+37+37+45+45+37+37+29) and 15, 16, 17, 23, 26, 29, 32, 35, 37,
    // 39, 40 (server, retransmissions aside: 512+512+215+51+82+82+90+82+90+
    // 82+29). Then PASV and 227 in clear text, with no line break before.
    let tls: Vec<(String, u64)> = c
        .replay
        .trace
        .connection(1, 0)
        .filter_map(|e| match e.kind {
            Kind::Data { bytes } => Some((e.from.to_string(), bytes)),
            _ => None,
        })
        .collect();
    assert_eq!(tls, [("client".into(), 747), ("server".into(), 1827)]);
    for e in c.replay.trace.connection(1, 0) {
        if let Kind::Data { .. } = e.kind {
            let note = e.note.as_deref().unwrap_or("");
            assert!(
                note.starts_with("encrypted:") && note.contains("clear text again"),
                "{note}"
            );
        }
    }
}

#[test]
fn aliawa_one_session_both_sides_of_a_nat() {
    // Frame 1: SYN from 10.9.50.1:50388; frame 2: SYN-ACK to 172.27.0.2:5072
    // (acknowledging 3902215012 = the SYN's 3902215011 + 1): one connection.
    let quirks = Quirks {
        merged: &[0, 1],
        ..Quirks::default()
    };
    let Some(c) = check("aliawa_ftp_eprt.pcap", quirks) else {
        return;
    };
    let t = &c.replay.trace;
    let note = note_of(t.connection(1, 0), |e| e.kind == Kind::Accept);
    assert!(
        note.contains("NAT") && note.contains("172.27.0.2:5072") && note.contains("3902215012"),
        "{note}"
    );
}

#[test]
fn jovair_a_bigger_real_session() {
    let Some(c) = check("jovair_ftp_big.pcapng", Quirks::default()) else {
        return;
    };
    assert!(c.replay.warnings.is_empty(), "{:?}", warnings(&c.replay));
    // Frames 6340/6343: a dial to 172.17.0.3:21 refused, 6 s before the
    // session that server then serves: shown, as its own session.
    let t = &c.replay.trace;
    assert_eq!(t.sessions().len(), 2);
    let refused: Vec<&Event> = t.connection(1, 0).collect();
    assert!(matches!(refused[1].kind, Kind::Fail { .. }), "{refused:?}");
    // The 3 empty listings (no bytes, so no ftp-data for tshark) are
    // dials all the same.
    let dials = t
        .events
        .iter()
        .filter(|e| e.conn > 0 && matches!(e.kind, Kind::Connect { .. }));
    assert_eq!(dials.count(), 20);
}

#[test]
fn psinteractive_linux_cooked_pcapng() {
    let Some(c) = check("psinteractive_FTP_sll.pcapng", Quirks::default()) else {
        return;
    };
    assert!(c.replay.warnings.is_empty(), "{:?}", warnings(&c.replay));
}

#[test]
fn yuga_tail_of_an_earlier_session_and_data_after_226() {
    let Some(c) = check("yuga_FTP.pcap", Quirks::default()) else {
        return;
    };
    let t = &c.replay.trace;
    // Stream 0 (frames 1–6: QUIT, 221) is the tail of a session begun
    // before the capture; the server (192.168.0.75:21) is FTP's, as stream 1
    // shows from its banner on.
    assert_eq!(c.session_of[&0], 1);
    assert_eq!(
        warnings(&c.replay),
        ["session 1 joined mid-way: no banner captured"]
    );
    // Frame 31 (data of stream 4) comes after the 226 of frame 30, and
    // for the data of RETR Flag.txt (frame 28).
    let n = c.session_of[&1];
    let note = note_of(t.connection(n, 3), |e| {
        matches!(e.kind, Kind::Connect { .. })
    });
    assert!(note.ends_with("for the data of RETR Flag.txt"), "{note}");
}

#[test]
fn liyihao_starts_and_ends_inside_replies() {
    let Some(c) = check("liyihao_ftp1.pcap", Quirks::default()) else {
        return;
    };
    let t = &c.replay.trace;
    // Frames 1 and 2 are the last lines of stream 0's 220 banner, frame 3
    // its end: one reply, shown cut at its start.
    let first = t.connection(c.session_of[&0], 0).next().unwrap();
    let Kind::Reply { code, text } = &first.kind else {
        panic!("{first:?}")
    };
    assert_eq!(*code, 220);
    assert!(text.starts_with("     The local time is Fri Jan 10 01:40:16 2003\n"));
    assert!(first
        .note
        .as_deref()
        .unwrap_or("")
        .contains("begins inside this reply"));
    // Frame 200 (stream 2): `221-You have transferred…`, cut by the end.
    let last = t.connection(c.session_of[&2], 0).last().unwrap();
    assert!(
        matches!(last.kind, Kind::Reply { code: 221, .. }),
        "{last:?}"
    );
    assert!(last.note.as_deref().unwrap_or("").starts_with("cut:"));
    // No SYN anywhere; four sessions show their whole banner, two do not:
    // joined mid-way.
    assert_eq!(c.replay.warnings.len(), 2, "{:?}", warnings(&c.replay));
}
