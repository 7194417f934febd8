//! `lab --tls` (issue 18 §1): the lab's own client and server speak
//! explicit FTPS on loopback, with real TLS (rustls) on the control
//! connection and on every data connection, and the simulated middlebox is
//! blind to what crosses inside it.
//!
//! What proves the TLS is real: our server answers `PBSZ` only on a control
//! connection that is inside TLS (`503` otherwise), and under `PROT P` it
//! waits for a TLS handshake on each data connection before it sends a
//! byte (`522` when none comes) — so `200 PBSZ=0` and four `226`s are the
//! handshakes done.
//!
//! The middlebox outcomes are what real networks do with FTPS (the helper
//! reads nothing inside TLS): active FTPS through a client-guarding
//! stateful firewall is dropped even with the helper; passive FTPS behind a
//! server NAT announces the private address unrewritten. The same settings
//! in plain FTP still work (the regression).

mod common;
#[path = "support/scenarios.rs"]
mod scenarios;

use ftpviz::lab::{LabConfig, Mode};
use ftpviz::middlebox::{Firewall, Nat};
use ftpviz::tls::{noted_inside, Holder, RecordType, Sealed};
use ftpviz::trace::{Blocker, Channel, Event, FailReason, Kind, Side};
use std::time::Duration;

/// Far above what a lesson takes: only catches a hung lab.
const GUARD: Duration = Duration::from_secs(90);

async fn run(config: LabConfig) -> Vec<Event> {
    match tokio::time::timeout(GUARD, scenarios::run(config.clone())).await {
        Ok(Ok(events)) => events,
        Ok(Err(e)) => panic!("{config:?}: {e}"),
        Err(_) => panic!("{config:?}: no end within {GUARD:?}"),
    }
}

fn ftps(mode: Mode, firewall: Firewall, nat: Nat) -> LabConfig {
    LabConfig {
        mode,
        firewall,
        nat,
        tls: true,
        control_port: 0,
        ..LabConfig::default()
    }
}

/// The replies whose code is `code`, their text.
fn replies(events: &[Event], code: u16) -> Vec<&str> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            Kind::Reply { code: c, text } if *c == code => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

/// The commands whose verb is `verb`, with their notes.
fn commands<'a>(events: &'a [Event], verb: &str) -> Vec<(&'a str, &'a str)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            Kind::Command { text, verb: v } if v == verb => {
                Some((text.as_str(), e.note.as_deref().unwrap_or("")))
            }
            _ => None,
        })
        .collect()
}

/// The data connections' fates: `Fail`s with their reason and blocker.
fn data_fails(events: &[Event]) -> Vec<(FailReason, Option<Blocker>)> {
    events
        .iter()
        .filter(|e| e.channel == Channel::Data)
        .filter_map(|e| match e.kind {
            Kind::Fail { reason, by } => Some((reason, by)),
            _ => None,
        })
        .collect()
}

fn data_accepts(events: &[Event]) -> usize {
    events
        .iter()
        .filter(|e| e.channel == Channel::Data && e.kind == Kind::Accept)
        .count()
}

/// Each line's note lists the records its sender put on the wire, read
/// from the bytes it wrote: one record of application data, as long as the
/// line with its CRLF, plus TLS 1.3's hidden content type (1 byte) and the
/// AEAD tag (16 bytes) — and who decrypted it.
fn sealed_as_sent(lines: &[&Event]) {
    for e in lines {
        let note = e.note.as_deref().unwrap_or("");
        let sealed = Sealed::read(note).unwrap_or_else(|| panic!("records in {note}"));
        assert_eq!(sealed.by, Holder::Lab, "{note}");
        let plain = match &e.kind {
            Kind::Command { text, .. } => text.len() + 2,
            Kind::Reply { text, .. } => text.lines().map(|l| l.len() + 2).sum(),
            _ => unreachable!(),
        };
        let lengths: Vec<(RecordType, usize)> = sealed
            .records
            .0
            .iter()
            .map(|r| (r.kind, usize::from(r.length)))
            .collect();
        assert_eq!(
            lengths,
            [(RecordType::ApplicationData, plain + 1 + 16)],
            "{e:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lesson_runs_inside_tls_in_both_modes() {
    let mut configs = vec![
        ftps(Mode::Active, Firewall::None, Nat::None),
        ftps(Mode::Passive, Firewall::None, Nat::None),
    ];
    if scenarios::ipv6_available() {
        for mode in [Mode::Active, Mode::Passive] {
            configs.push(LabConfig {
                ipv6: true,
                ..ftps(mode, Firewall::None, Nat::None)
            });
        }
    } else {
        println!("skipped: the IPv6 runs (no ::1 here); the IPv4 ones run");
    }
    for config in configs {
        let events = run(config.clone()).await;
        let said = common::said(&events);
        let start: Vec<&str> = said.iter().take(9).map(String::as_str).collect();
        assert_eq!(
            start,
            [
                "S 220 ftpviz server ready.",
                "C AUTH TLS",
                "S 234 Proceed with negotiation.",
                "C PBSZ 0",
                "S 200 PBSZ=0",
                "C PROT P",
                "S 200 PROT now Private: data connections inside TLS.",
                "C USER anonymous",
                "S 331 Please specify the password.",
            ],
            "{config:?}"
        );
        // Every line after the 234 is noted as having crossed inside TLS,
        // none before it (nor the 234 itself: it goes out in clear).
        let lines: Vec<&Event> = events
            .iter()
            .filter(|e| matches!(e.kind, Kind::Command { .. } | Kind::Reply { .. }))
            .collect();
        let (clear, sealed) = lines.split_at(3);
        assert!(clear.iter().all(|e| !noted_inside(e.note.as_deref())));
        assert!(sealed.iter().all(|e| noted_inside(e.note.as_deref())));
        sealed_as_sent(sealed);
        let codes = common::reply_codes(&events);
        assert_eq!(codes.iter().filter(|&&c| c == 226).count(), 4, "{codes:?}");
        assert!(!codes.contains(&522), "no data handshake failed: {codes:?}");
        let preliminary: Vec<&Event> = events
            .iter()
            .filter(|e| matches!(e.kind, Kind::Reply { code: 150, .. }))
            .collect();
        assert_eq!(preliminary.len(), 4);
        for e in preliminary {
            let note = e.note.as_deref().unwrap_or("");
            assert!(note.contains("inside TLS too (PROT P)"), "{note}");
        }
        // The file's bytes, counted inside TLS: the download of what was
        // uploaded is as long as the upload.
        let bytes: Vec<u64> = events
            .iter()
            .filter_map(|e| match e.kind {
                Kind::Data { bytes } => Some(bytes),
                _ => None,
            })
            .collect();
        assert!(bytes.len() >= 4, "{bytes:?}");
        assert_eq!(
            bytes.last(),
            Some(&(ftpviz::lab::lesson::UPLOAD_TEXT.len() as u64))
        );
        assert_eq!(codes.last(), Some(&221));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn active_ftps_through_the_stateful_firewall_is_dropped_even_with_the_helper() {
    let events = run(ftps(Mode::Active, Firewall::Stateful, Nat::None)).await;
    let ports = commands(&events, "PORT");
    assert_eq!(ports.len(), 4);
    for (_, note) in &ports {
        assert!(
            note.contains("the helper sees only TLS records") && note.contains("opens no pinhole"),
            "{note}"
        );
    }
    // LIST, RETR and STOR: each dial dropped (the last RETR asks for the
    // upload that never came: 550, no dial).
    let fails = data_fails(&events);
    assert_eq!(
        fails,
        vec![(FailReason::Blocked, Some(Blocker::ClientFirewall)); 3],
        "every dial of the server dropped by the client's firewall"
    );
    assert_eq!(replies(&events, 550).len(), 1);
    assert_eq!(data_accepts(&events), 0);
    let dialler = events
        .iter()
        .filter(|e| e.channel == Channel::Data && matches!(e.kind, Kind::Connect { .. }))
        .all(|e| e.from == Side::Server);
    assert!(dialler, "the server dials in active mode");
    assert_eq!(replies(&events, 425).len(), 3);

    // The same box in plain FTP: the helper reads each PORT and lets the
    // dial in.
    let plain = run(LabConfig {
        tls: false,
        ..ftps(Mode::Active, Firewall::Stateful, Nat::None)
    })
    .await;
    assert!(data_fails(&plain).is_empty(), "{:?}", data_fails(&plain));
    assert_eq!(data_accepts(&plain), 4);
    assert!(commands(&plain, "PORT")
        .iter()
        .all(|(_, note)| note.contains("helper expects one connection")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passive_ftps_behind_the_server_nat_announces_the_private_address() {
    let config = ftps(Mode::Passive, Firewall::Stateful, Nat::Server);
    let events = run(config.clone()).await;
    let announced = replies(&events, 227);
    assert_eq!(announced.len(), 4);
    for text in &announced {
        assert!(text.contains("(10,0,0,3,"), "not rewritten: {text}");
    }
    let notes: Vec<&str> = events
        .iter()
        .filter(|e| matches!(e.kind, Kind::Reply { code: 227, .. }))
        .map(|e| e.note.as_deref().unwrap_or(""))
        .collect();
    assert!(
        notes.iter().all(|n| n.contains("rewrites no address")),
        "{notes:?}"
    );
    // The client skips the private address (as curl and ftplib do) and
    // dials the server's own at that port: nothing forwards it.
    assert_eq!(
        data_fails(&events),
        vec![(FailReason::Refused, Some(Blocker::Nat)); 4]
    );
    // A client that trusts the 227 dials the private address: nowhere.
    let naive = run(LabConfig {
        trust_pasv: true,
        ..config.clone()
    })
    .await;
    assert_eq!(
        data_fails(&naive),
        vec![(FailReason::Blocked, Some(Blocker::Nat)); 4]
    );

    // Plain FTP through the same box: the helper rewrites the 227 and its
    // expectation forwards the port.
    let plain = run(LabConfig {
        tls: false,
        ..config
    })
    .await;
    for text in replies(&plain, 227) {
        assert!(!text.contains("(10,0,0,3,"), "rewritten: {text}");
    }
    assert!(data_fails(&plain).is_empty(), "{:?}", data_fails(&plain));
    assert_eq!(data_accepts(&plain), 4);
}

#[test]
fn the_command_line_runs_ftps_in_every_form() {
    for form in ["--print", "--json"] {
        let (code, out, err) = common::ftpviz(&["lab", "--tls", "--port", "0", form]);
        assert_eq!(code, 0, "{form}: {err}");
        // Compare mode: both sessions, each with its AUTH TLS.
        assert_eq!(out.matches("AUTH TLS").count(), 2, "{form}: {out}");
        assert!(out.matches("226").count() >= 8, "{form}: {out}");
    }
}

/// The narration of an FTPS lab through a helper: at the `234` what the
/// encryption hides from whom, and that the lab decrypted what it shows;
/// at each `PORT` the helper could not read, why nothing was opened and
/// what the lab simplified; every claim holds against the whole trace.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_narration_says_what_tls_hides_from_whom() {
    use ftpviz::account::Account;
    use ftpviz::narration::{narrate_at, Context, Ours};
    let config = ftps(Mode::Active, Firewall::Stateful, Nat::None);
    let events = run(config.clone()).await;
    let whole = Account::of(&events, true);
    let ctx = Context {
        events: &events,
        account: &whole,
        between: Some(config.between()),
        ours: Ours::LAB,
    };
    let at = |code: u16| {
        events
            .iter()
            .position(|e| matches!(e.kind, Kind::Reply { code: c, .. } if c == code))
            .expect("the reply")
    };
    let told = narrate_at(&ctx, at(234)).body;
    assert!(told.contains("decrypted by the lab"), "{told}");
    assert!(told.contains("hidden from anyone on the path"), "{told}");
    assert!(!told.contains("did not hold"), "{told}");
    let port = events
        .iter()
        .position(|e| matches!(&e.kind, Kind::Command { verb, .. } if verb == "PORT"))
        .expect("a PORT");
    let told = narrate_at(&ctx, port).body;
    assert!(
        told.contains("the helper sees only TLS records") && told.contains("opens no pinhole"),
        "{told}"
    );
    assert!(
        told.contains("Simplified:") && told.contains("CCC"),
        "{told}"
    );
    let pass = events
        .iter()
        .position(|e| matches!(&e.kind, Kind::Command { verb, .. } if verb == "PASS"))
        .expect("PASS");
    assert!(narrate_at(&ctx, pass).body.contains("decrypted by the lab"));
    for i in 0..events.len() {
        for claim in &narrate_at(&ctx, i).claims {
            assert_eq!(claim.check(&whole, &events), Ok(()), "event {i}: {claim:?}");
        }
    }
}

/// Fix one, `CCC` after login (RFC 4217 §5, the exchange of §12.3): the
/// password crosses inside TLS, then the control connection goes back to
/// clear text and the helper reads `PORT` and `227` again; the data stays
/// inside TLS (`PROT P` holds).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ccc_after_login_lets_the_helper_read_again_and_the_password_stayed_secret() {
    let active = LabConfig {
        ccc: true,
        ..ftps(Mode::Active, Firewall::Stateful, Nat::None)
    };
    let passive = LabConfig {
        ccc: true,
        ..ftps(Mode::Passive, Firewall::Stateful, Nat::Server)
    };
    for config in [active, passive] {
        let events = run(config.clone()).await;
        let lines: Vec<&Event> = events
            .iter()
            .filter(|e| matches!(e.kind, Kind::Command { .. } | Kind::Reply { .. }))
            .collect();
        let ccc = lines
            .iter()
            .position(|e| matches!(&e.kind, Kind::Command { verb, .. } if verb == "CCC"))
            .expect("a CCC");
        let (secured, cleared) = lines.split_at(ccc + 2);
        let pass = secured
            .iter()
            .find(|e| matches!(&e.kind, Kind::Command { verb, .. } if verb == "PASS"))
            .expect("PASS before CCC");
        assert!(
            noted_inside(pass.note.as_deref()),
            "the password went inside TLS"
        );
        assert!(secured[3..].iter().all(|e| noted_inside(e.note.as_deref())));
        assert!(
            matches!(
                secured.last().map(|e| &e.kind),
                Some(Kind::Reply { code: 200, .. })
            ),
            "CCC accepted"
        );
        assert!(cleared.iter().all(|e| !noted_inside(e.note.as_deref())));
        assert!(cleared[0]
            .note
            .as_deref()
            .is_some_and(|n| n.contains("after CCC")));
        assert!(
            data_fails(&events).is_empty(),
            "{config:?}: {:?}",
            data_fails(&events)
        );
        assert_eq!(data_accepts(&events), 4, "{config:?}");
        let codes = common::reply_codes(&events);
        assert_eq!(codes.iter().filter(|&&c| c == 226).count(), 4, "{codes:?}");
        for text in replies(&events, 227) {
            assert!(
                !text.contains("(10,0,0,3,"),
                "the helper rewrote it: {text}"
            );
        }
        let protected = events.iter().filter(|e| {
            matches!(e.kind, Kind::Reply { code: 150, .. })
                && e.note.as_deref().is_some_and(|n| n.contains("PROT P"))
        });
        assert_eq!(protected.count(), 4, "the data stays inside TLS");
    }
}

/// Fix two, the server's own public address (`--pasv-address`, vsftpd's
/// `pasv_address`) under TLS: nobody needs to read the 227, so even a
/// client that trusts it dials the right address, and everything stays
/// encrypted; without it that client dials the private address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pasv_address_under_tls_names_the_public_address() {
    let config = LabConfig {
        forward_data: true,
        trust_pasv: true,
        ..ftps(Mode::Passive, Firewall::None, Nat::Server)
    };
    let private = run(config.clone()).await;
    assert_eq!(
        data_fails(&private),
        vec![(FailReason::Blocked, Some(Blocker::Nat)); 4]
    );
    let public = run(LabConfig {
        pasv_address: true,
        ..config
    })
    .await;
    let announced = replies(&public, 227);
    assert_eq!(announced.len(), 4);
    assert!(announced.iter().all(|t| !t.contains("(10,0,0,3,")));
    assert!(data_fails(&public).is_empty(), "{:?}", data_fails(&public));
    assert_eq!(data_accepts(&public), 4);
    assert!(public
        .iter()
        .filter(|e| matches!(e.kind, Kind::Command { .. } | Kind::Reply { .. }))
        .skip(3)
        .all(|e| noted_inside(e.note.as_deref())));
}

#[test]
fn ccc_needs_tls() {
    let (code, _, err) = common::ftpviz(&["lab", "--ccc", "--port", "0", "--print"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--tls"), "{err}");
}

/// A lesson scene may ask for FTPS (`tls`, `ccc`); `ccc` alone is refused
/// before anything starts; `lesson --record` records the FTPS runs as they
/// crossed: TLS bytes, with their keys.
#[test]
fn a_lesson_in_ftps_is_run_and_recorded_with_its_keys() {
    let dir = common::temp_dir("lab-tls-lesson");
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "title = \"t\"\n[[scene]]\ntitle = \"s\"\nccc = true\n",
    )
    .unwrap();
    let (code, _, err) = common::ftpviz(&["lesson", "--file", bad.to_str().unwrap(), "--print"]);
    assert_ne!(code, 0);
    assert!(err.contains("needs tls = true"), "{err}");

    let file = dir.join("ftps.toml");
    std::fs::write(
        &file,
        "title = \"t\"\n[[scene]]\ntitle = \"plain\"\nmode = \"active\"\n\
         [[scene]]\ntitle = \"ftps\"\nmode = \"active\"\ntls = true\n\
         [[scene.run]]\ncaption = \"blind\"\n[[scene.run]]\ncaption = \"cleared\"\nccc = true\n",
    )
    .unwrap();
    let (code, out, err) = common::ftpviz(&[
        "lesson",
        "--file",
        file.to_str().unwrap(),
        "--port",
        "0",
        "--print",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.matches("command AUTH TLS").count(), 2, "{out}");
    assert_eq!(out.matches("command CCC").count(), 1, "{out}");

    let capture = dir.join("lesson.pcapng");
    let (code, _, err) = common::ftpviz(&[
        "lesson",
        "--file",
        file.to_str().unwrap(),
        "--port",
        "0",
        "--record",
        capture.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("left out"), "{err}");
    let bytes = std::fs::read(&capture).unwrap();
    let count = |needle: &[u8]| bytes.windows(needle.len()).filter(|w| *w == needle).count();
    // In clear: the plain scene's login, both FTPS runs' AUTH TLS, and
    // after CCC the cleared run's lines; never an FTPS run's login.
    assert_eq!(count(b"USER anonymous"), 1, "the plain scene's only");
    assert_eq!(count(b"AUTH TLS"), 2, "both FTPS runs are recorded");
    assert_eq!(
        count(b"PWD\r\n"),
        2,
        "the plain scene's, and the one after CCC"
    );
    // Their keys too: a Decryption Secrets Block ("TLSK") per key batch.
    assert!(count(b"KSLT") >= 2, "the TLS keys go with the capture");
    assert!(count(b"CLIENT_HANDSHAKE_TRAFFIC_SECRET") >= 2);
}
