//! `ftpviz … --print --explain`: the real binary, on real lab runs and on
//! the shared captures. Each event's `--print` line is followed by its
//! narration, wrapped to 80 columns; the corrected citations and sentences
//! of issue 9 (§4) are asserted here, through the words a student reads.

use ftpviz::narration::explain::GOES_ON;
use std::collections::HashMap;
use std::thread;

mod common;
#[path = "support/prose.rs"]
mod prose;

/// One event of `--explain` output: its `--print` line and its narration
/// (the headline, then the body as one line).
#[derive(Debug, Clone)]
struct Explained {
    line: String,
    headline: String,
    body: String,
}

impl Explained {
    fn words(&self) -> String {
        format!("{} {}", self.headline, self.body)
    }
}

/// Reads `--explain` output, checking its shape: every line at most 80
/// columns, every event line (with the rows it goes on on, `  … `)
/// followed by an indented narration and a blank line.
fn parse(out: &str) -> Vec<Explained> {
    for l in out.lines() {
        assert!(ftpviz::narration::columns(l) <= 80, "{l}");
    }
    out.split("\n\n")
        .filter(|b| !b.trim().is_empty())
        .map(|block| {
            let mut lines = block.lines().peekable();
            let mut line = lines.next().unwrap_or_default().to_string();
            while let Some(more) = lines.next_if(|l| l.starts_with(GOES_ON)) {
                line.push(' ');
                line.push_str(&more[GOES_ON.len()..]);
            }
            let narration: Vec<&str> = lines.collect();
            assert!(
                !narration.is_empty() && narration.iter().all(|l| l.starts_with("    ")),
                "an event without its narration: {block}"
            );
            let headline = narration[0].trim().to_string();
            let body = prose::squash(&narration[1..].join(" "));
            Explained {
                line,
                headline,
                body,
            }
        })
        .collect()
}

/// Runs `ftpviz args…` and reads its `--explain` output.
fn explain(args: &[&str]) -> Vec<Explained> {
    let (code, out, err) = common::ftpviz(args);
    assert_eq!(code, 0, "ftpviz {args:?}: {err}");
    let events = parse(&out);
    assert!(events.len() > 5, "ftpviz {args:?}: {out}");
    events
}

/// The first event whose `--print` line contains `what`.
fn at<'a>(events: &'a [Explained], what: &str) -> &'a Explained {
    events
        .iter()
        .find(|e| e.line.contains(what))
        .unwrap_or_else(|| panic!("no event {what:?} in {events:#?}"))
}

/// Every event's narration holds to the rules (fits, nothing said twice).
fn assert_rules(name: &str, events: &[Explained]) {
    for e in events {
        let n = ftpviz::narration::Narration {
            headline: e.headline.clone(),
            body: e.body.clone(),
            wire: None,
            claims: Vec::new(),
        };
        let problems = prose::problems(&n);
        assert!(problems.is_empty(), "{name}: {}: {problems:?}", e.line);
    }
}

/// The lab runs, all at once (a blocked run mostly waits on its timer).
fn labs() -> HashMap<&'static str, Vec<Explained>> {
    let runs: Vec<(&'static str, Vec<&'static str>)> = vec![
        ("active", vec!["--mode", "active"]),
        ("passive", vec!["--mode", "passive"]),
        (
            "eprt client firewall",
            vec!["--mode", "active", "--extended", "--firewall", "client"],
        ),
        (
            "passive server firewall",
            vec!["--mode", "passive", "--firewall", "server"],
        ),
        (
            "passive client firewall",
            vec!["--mode", "passive", "--firewall", "client"],
        ),
        (
            "eprt client nat",
            vec!["--mode", "active", "--extended", "--nat", "client"],
        ),
        (
            // A client that trusts the 227 (issue 20: by default the lab's
            // client skips a private address, as curl and ftplib do).
            "pasv server nat",
            vec!["--mode", "passive", "--nat", "server", "--trust-pasv"],
        ),
        ("bounce", vec!["--mode", "active", "--lesson", "bounce"]),
    ];
    let handles: Vec<_> = runs
        .into_iter()
        .map(|(name, flags)| {
            thread::spawn(move || {
                let mut args = vec!["lab", "--port", "0", "--print", "--explain"];
                args.extend(flags);
                (name, explain(&args))
            })
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().expect("a lab run"))
        .collect()
}

#[test]
fn lab_runs_explain_every_event_with_the_corrected_words() {
    let labs = labs();
    for (name, events) in &labs {
        assert_rules(name, events);
    }

    let active = &labs["active"];
    // Finding 2: the command syntax is §5.3, not §4.1.1.
    let user = at(active, "command USER").words();
    assert!(user.contains("then CRLF (RFC 959 §5.3)"), "{user}");
    // Finding 3: the dial comes after the transfer command: §3.2.
    let port = at(active, "command PORT").words();
    assert!(
        port.contains("once a transfer command comes (RFC 959 §3.2)"),
        "{port}"
    );
    assert!(
        port.contains("two for the port's bytes (RFC 959 §4.1.2)"),
        "{port}"
    );
    // Finding 4: §5.2 says the server shall dial from L−1.
    let dial = at(active, "1/1 data    server  connect").words();
    assert!(
        dial.contains("the server dials from its port L−1 (RFC 959 §5.2"),
        "{dial}"
    );
    // Finding 12: 21 is L in RFC 959 §8's words.
    let control = at(active, "1/0 control client  connect").words();
    assert!(
        control.contains("FTP's assigned L is 21 (RFC 959 §8)"),
        "{control}"
    );
    assert!(!control.contains("21 in the RFC"), "{control}");
    // Finding 14: the 150 after the connection opened says so.
    let r150 = at(active, "reply 150 Here comes").words();
    assert!(r150.contains("already open"), "{r150}");
    assert!(!r150.contains("opening the data connection"), "{r150}");
    // Finding 6: a listing is not the bytes on disk; a file's total is said.
    let listing = at(active, "1/1 data    server  data").words();
    assert!(
        listing.contains("A listing is not a file on disk"),
        "{listing}"
    );
    assert!(!listing.contains("on disk."), "{listing}");
    // The lab sends TYPE I before LIST: not "sent in ASCII type".
    assert!(!listing.contains("sent in ASCII type"), "{listing}");
    assert!(listing.contains("LIST expects ASCII type"), "{listing}");
    let file = at(active, "1/2 data    server  data").words();
    assert!(file.contains("all 80 bytes"), "{file}");
    // Finding 11: the close is narrated for who closed.
    let last = active.last().expect("events");
    assert!(
        last.line.contains("1/0 control server  close"),
        "{}",
        last.line
    );
    assert!(last.words().contains("The server ends the session."));

    // Finding 7: EPRT is named EPRT.
    let eprt = &labs["eprt client firewall"];
    let list = at(eprt, "command LIST").words();
    assert!(
        list.contains("from EPRT") && !list.contains("PORT —"),
        "{list}"
    );
    // The blocked SYN: the point first, its detail, then why; once each.
    let fail = at(eprt, "fail blocked by client-firewall");
    assert_eq!(fail.headline, "✗ Client firewall drops server's SYN.");
    assert!(fail.body.contains("unsolicited inbound"), "{}", fail.body);
    assert!(fail.body.contains("in the EPRT line"), "{}", fail.body);
    assert!(!fail.body.contains("was dropped by"), "{}", fail.body);

    // Finding 13: the passive SYN is narrated for the middlebox there.
    let server_fw = &labs["passive server firewall"];
    let syn = at(server_fw, "1/1 data    client  connect").words();
    assert!(
        syn.contains("The server's firewall lets in only its control port"),
        "{syn}"
    );
    assert!(
        !syn.contains("let it through") && !syn.contains("lets it out"),
        "{syn}"
    );
    let client_fw = &labs["passive client firewall"];
    let syn = at(client_fw, "1/1 data    client  connect").words();
    assert!(syn.contains("The client's firewall lets it out"), "{syn}");
    let nat = &labs["pasv server nat"];
    let syn = at(nat, "1/1 data    client  connect").words();
    assert!(syn.contains("private address"), "{syn}");
    let fail = at(nat, "fail blocked by nat").words();
    assert!(
        fail.contains("229 (EPSV, RFC 2428 §3) carries only a port"),
        "{fail}"
    );

    // Findings 5 and 7: which bounce rule is whose; EPRT named EPRT.
    let cnat = &labs["eprt client nat"];
    let eprt = at(cnat, "command EPRT").words();
    assert!(
        eprt.contains("checks EPRT against its control peer"),
        "{eprt}"
    );
    assert!(!eprt.contains("RFC 2577"), "{eprt}");
    let refused = at(cnat, "reply 504").words();
    assert!(
        refused.contains("their own rule, which no RFC requires"),
        "{refused}"
    );

    let bounce = &labs["bounce"];
    let low = bounce
        .iter()
        .filter(|e| e.line.contains("reply 504"))
        .nth(1)
        .expect("the second 504: port 25")
        .words();
    assert!(low.contains("RFC 2577 suggests"), "{low}");
    // Finding 15: 503 to LIST without PORT/PASV.
    let r503 = at(bounce, "reply 503").words();
    assert!(
        r503.contains("default data ports (RFC 959 §3.2)") && r503.contains("L−1"),
        "{r503}"
    );
    assert!(
        r503.contains("this server wants PORT/EPRT or PASV/EPSV first"),
        "{r503}"
    );
}

#[test]
fn replays_explain_every_event_with_the_corrected_words() {
    let names = [
        "b_active_port_lftp_vsftpd.pcap",
        "d_eprt_ipv6_curl_pureftpd.pcap",
        "e_stor_lftp_pureftpd.pcap",
        "g_active_fw_drop_ftplib_vsftpd.pcap",
        "h3_veth_mtu1500_curl_vsftpd.pcap",
        "public2/psinteractive_FTP_sll.pcapng",
    ];
    let mut runs = HashMap::new();
    for name in names {
        let Some(path) = common::capture(name) else {
            return;
        };
        let path = path.to_string_lossy().to_string();
        let events = explain(&["replay", &path, "--print", "--explain"]);
        assert_rules(name, &events);
        runs.insert(name, events);
    }

    // Finding 1: FEAT is RFC 2389, SIZE and MDTM RFC 3659; MFMT and PRET
    // are in no RFC.
    let b = &runs["b_active_port_lftp_vsftpd.pcap"];
    assert!(at(b, "command FEAT").words().contains("RFC 2389 §3"));
    assert!(at(b, "command SIZE").words().contains("RFC 3659 §4"));
    assert!(at(b, "command MDTM").words().contains("RFC 3659 §3"));
    let feat = at(b, "reply 211-Features");
    assert!(feat.body.contains("A reply of 9 lines"), "{}", feat.body);
    let e = &runs["e_stor_lftp_pureftpd.pcap"];
    for verb in ["MFMT", "PRET"] {
        let w = at(e, &format!("command {verb}")).words();
        assert!(w.contains(&format!("no RFC defines {verb}")), "{w}");
        assert!(
            prose::citations(&w).iter().all(|c| c.contains("§5.3")),
            "{w}"
        );
    }
    // Finding 10: a dial that failed carried nothing; finding 11: here the
    // client closes first.
    let g = &runs["g_active_fw_drop_ftplib_vsftpd.pcap"];
    let dial = at(g, "1/1 data    server  connect");
    // The source's note, said once: in the narration, not on the line.
    assert!(
        dial.words().contains("for the data of LIST"),
        "{}",
        dial.words()
    );
    assert!(!dial.line.contains("for the data of LIST"), "{}", dial.line);
    assert!(!dial.words().contains("carries"), "{}", dial.words());
    let close = at(g, "1/0 control client  close").words();
    assert!(close.contains("here the client closed first"), "{close}");
    // Finding 6: a transfer in two data events is narrated as parts, then
    // as the whole.
    let h3 = &runs["h3_veth_mtu1500_curl_vsftpd.pcap"];
    let first = at(h3, "data 1448 bytes").words();
    assert!(
        first.contains("so far 1448 of the 200000 bytes the 150 announced"),
        "{first}"
    );
    let second = at(h3, "data 198552 bytes").words();
    assert!(second.contains("all 200000 bytes"), "{second}");
    // Finding 9: NLST returns names only.
    let ps = &runs["public2/psinteractive_FTP_sll.pcapng"];
    let nlst = at(ps, "command NLST").words();
    assert!(
        nlst.contains("names") && !nlst.contains("directory listing"),
        "{nlst}"
    );
    // Finding 7: EPSV's 229 is named 229; EPRT named EPRT.
    assert!(at(ps, "1/1 data    client  connect")
        .words()
        .contains("from 229"));
    let d = &runs["d_eprt_ipv6_curl_pureftpd.pcap"];
    assert!(at(d, "command LIST").words().contains("from EPRT"));
    let banner = at(d, "reply 220").words();
    assert!(banner.contains("A reply of 5 lines"), "{banner}");
}

#[test]
fn explain_needs_print() {
    for args in [
        vec!["lab", "--explain"],
        vec!["lab", "--json", "--explain"],
        vec!["--explain"],
    ] {
        let (code, _, err) = common::ftpviz(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("--print") || err.contains("--json"), "{err}");
    }
}
