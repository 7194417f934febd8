//! What a new user saw the teaching layer get wrong on real captures, each
//! now read off the account (issue 14's list), run as that user ran it:
//! the binary, with `--print --quiz --answers` or `--explain`.

use ftpviz::account::Account;
use ftpviz::narration::summary::{summary_of, Outcome};

mod common;

/// `ftpviz replay FILE ARGS…`'s stdout, or `None` when the capture is
/// missing (skipped).
fn replay(file: &str, args: &[&str]) -> Option<String> {
    let path = common::capture(file)?;
    let path = path.to_string_lossy().to_string();
    let mut all = vec!["replay", path.as_str()];
    all.extend(args);
    let (code, out, err) = common::ftpviz(&all);
    assert_eq!(code, 0, "{file}: {err}");
    Some(out)
}

fn answers(out: &str) -> Vec<&str> {
    out.lines().filter(|l| l.starts_with('A')).collect()
}

#[test]
fn data_connections_the_capture_missed_are_inferred_from_150_and_226() {
    // Four transfers got 150 and 226; none of their connections is in the
    // capture.
    let Some(out) = replay(
        "public2/sv_ftp-epsv.pcap",
        &["--print", "--quiz", "--answers"],
    ) else {
        return;
    };
    let a = answers(&out);
    assert_eq!(a.len(), 4, "{out}");
    for line in &a {
        assert!(
            line.contains("dialler=client from=? to=") && line.contains("evidence=inferred"),
            "{line}"
        );
    }
    assert!(a[0].starts_with("A1 dialler=client from=? to=58612 evidence=inferred — "));
    // The summary: four data connections, not "only the control connection".
    let path = common::capture("public2/sv_ftp-epsv.pcap").expect("there");
    let trace = ftpviz::replay::read_file(&path).expect("replays").trace;
    let s = summary_of(&Account::of(&trace.events, true));
    assert_eq!(s.dials.len(), 4);
    assert!(s.dials.iter().all(|d| d.outcome == Outcome::Flowed));
    assert_eq!(
        s.headline(),
        "4 data connections, all dialled by the client."
    );
    assert!(
        !s.rule().contains("Only the control connection"),
        "{}",
        s.rule()
    );
}

#[test]
fn a_425_that_timed_out_proves_the_server_dialled() {
    let Some(out) = replay(
        "public2/aliawa_ftp_eprt.pcap",
        &["--print", "--quiz", "--answers"],
    ) else {
        return;
    };
    let a = answers(&out);
    assert_eq!(a.len(), 1, "{out}");
    assert!(
        a[0].starts_with("A1 dialler=server from=? to=56115 evidence=inferred — "),
        "{}",
        a[0]
    );
    assert!(!a[0].contains("nobody"), "{out}");
}

#[test]
fn bytes_on_a_connection_caught_mid_flow_mean_it_connected() {
    // yuga_FTP.pcap's second session: its control SYN is not captured, nor
    // are its data SYNs, but 33, 10 and 35 bytes crossed them and each got
    // 226. Three questions, and no "no answer yet".
    let Some(out) = replay(
        "public2/yuga_FTP.pcap",
        &["--session", "2", "--print", "--quiz", "--answers"],
    ) else {
        return;
    };
    let a = answers(&out);
    assert_eq!(a.len(), 3, "{out}");
    for line in a {
        assert!(
            line.contains("dialler=server from=20 ") && line.contains("evidence=inferred"),
            "{line}"
        );
    }
    let path = common::capture("public2/yuga_FTP.pcap").expect("there");
    let mut trace = ftpviz::replay::read_file(&path).expect("replays").trace;
    trace.events.retain(|e| e.session == 2);
    let s = summary_of(&Account::of(&trace.events, true));
    let rows = s.lines().join("\n");
    assert!(!rows.contains("no answer yet"), "{rows}");
    let bytes: Vec<u64> = s.dials.iter().map(|d| d.bytes).collect();
    assert_eq!(bytes, [33, 10, 35]);
}

#[test]
fn a_session_joined_mid_way_still_gets_its_questions() {
    // liyihao_ftp1.pcap: six sessions, none with its control SYN captured.
    let Some(out) = replay(
        "public2/liyihao_ftp1.pcap",
        &["--print", "--quiz", "--answers"],
    ) else {
        return;
    };
    let announces = |l: &&str| {
        ["command PORT ", "command EPRT ", "reply 227 ", "reply 229 "]
            .iter()
            .any(|a| l.contains(a))
    };
    let ports = out.lines().filter(|l| l.contains("command PORT ")).count();
    let announcements = out.lines().filter(announces).count();
    let asked = out
        .lines()
        .filter(|l| l.starts_with('Q') && !l.starts_with("Q-"))
        .count();
    let refused = out.lines().filter(|l| l.starts_with("Q- ")).count();
    assert!(ports >= 50, "{ports} PORTs");
    assert_eq!(
        asked + refused,
        announcements,
        "every announcement asks, or says why not"
    );
}

#[test]
fn a_server_that_dials_at_port_is_narrated_as_it_did() {
    // pyftpdlib dials at once, before `200 Active data connection
    // established.` and before any RETR (REAL_BEHAVIOUR.md).
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/curl_port_pyftpdlib.pcap");
    let path = path.to_string_lossy().to_string();
    let (code, out, err) = common::ftpviz(&["replay", &path, "--print", "--explain"]);
    assert_eq!(code, 0, "{err}");
    let said: String = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        said.contains("This server dialled it at once (data #1), before any transfer command"),
        "{said}"
    );
    assert!(
        said.contains("It had dialled it already (data #1), before this reply"),
        "{said}"
    );
    assert!(!said.contains("the dial comes later"), "{said}");
    assert!(!said.contains("now the server dials"), "{said}");
    assert!(
        said.contains("Active mode, but the server dialled the address from PORT already"),
        "{said}"
    );
}

#[test]
fn after_auth_tls_the_clear_text_that_follows_is_said() {
    // ndpi_ftp-start-tls.pcap: the TLS handshake fails and PASV, 227, STOR
    // follow in clear text.
    let Some(out) = replay("public2/ndpi_ftp-start-tls.pcap", &["--print", "--explain"]) else {
        return;
    };
    let said: String = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        said.contains("Yet the trace shows readable lines after it"),
        "{said}"
    );
    // Its headline does not say TLS started.
    assert!(said.contains("234: TLS was to start here."), "{said}");
    assert!(!said.contains("TLS starts now"), "{said}");
}

#[test]
fn a_line_that_is_no_command_is_narrated_by_its_real_reply() {
    // zeek_fake-long-commands.pcap: 132-letter verbs that the server
    // answers 200: nothing may say it "will answer 500".
    let Some(out) = replay(
        "public2/zeek_fake-long-commands.pcap",
        &["--print", "--explain"],
    ) else {
        return;
    };
    assert!(!out.contains("will answer 500"), "{out}");
}

#[test]
fn a_150_is_glossed_as_the_rfc_has_it_and_says_what_this_trace_shows() {
    // RFC 959 §4.2: 150 "File status okay; about to open data connection"
    // (125 is "already open"). sv_ftp-epsv's connections are not captured:
    // the bytes flowed (150 … 226) over a connection the capture missed, so
    // whether it was open at the 150 is not something the trace can say.
    let Some(out) = replay("public2/sv_ftp-epsv.pcap", &["--print", "--explain"]) else {
        return;
    };
    let said: String = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        said.contains("\"File status okay; about to open data connection\" (RFC 959 §4.2.2)"),
        "{said}"
    );
    assert!(!said.contains("No data connection is open yet"), "{said}");
    assert_eq!(
        said.matches("the capture missed the one its bytes crossed")
            .count(),
        4,
        "{said}"
    );
    // zeek_ftp_ipv4 has a 150 captured after the data it announces: not
    // "yet", but late.
    let Some(out) = replay("public/zeek_ftp_ipv4.pcap", &["--print", "--explain"]) else {
        return;
    };
    let said: String = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(!said.contains("No data connection is open yet"), "{said}");
    assert!(
        said.contains("150, late: data #3 is already done."),
        "{said}"
    );
    assert!(
        said.contains(
            "In this capture it comes late: data #3 has already carried its 342 bytes and closed."
        ),
        "{said}"
    );
    assert!(
        !said.contains("The data connection is already open"),
        "{said}"
    );
}

/// `ftpviz lab ARGS --port 0 --print --explain`, words run together.
fn lab_said(args: &[&str]) -> String {
    let mut all = vec!["lab", "--port", "0", "--print", "--explain"];
    all.extend(args);
    let (code, out, err) = common::ftpviz(&all);
    assert_eq!(code, 0, "{err}");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_226_after_an_upload_says_the_client_closed_first() {
    let said = lab_said(&["--mode", "active"]);
    assert!(
        said.contains("The client closed data #3 (its close ends what it sent), then the server said `STOR upload.txt` is done."),
        "{said}"
    );
    assert!(
        said.contains("The server closed data #2, then said `RETR hello.txt` is done"),
        "{said}"
    );
}

#[test]
fn the_bounce_port_names_whose_address_it_is_and_which_server_says_what() {
    let said = lab_said(&["--lesson", "bounce"]);
    assert!(
        said.contains("which is not the address the client's control connection comes from"),
        "{said}"
    );
    assert!(
        !said.contains("the client listens on port 8080 of 127.0.0.9"),
        "{said}"
    );
    assert!(
        said.contains("vsftpd 3.0.3") && said.contains("Illegal PORT command"),
        "{said}"
    );
    assert!(!said.contains("vsftpd and ProFTPD"), "{said}");
}

#[test]
fn explain_keeps_every_line_within_80_columns_and_says_each_note_once() {
    // liyihao_ftp1.pcap: 230 banners of thirty lines, and notes on many
    // events.
    let Some(out) = replay("public2/liyihao_ftp1.pcap", &["--print", "--explain"]) else {
        return;
    };
    for line in out.lines() {
        let width = unicode_width::UnicodeWidthStr::width(line);
        assert!(width <= 80, "{width} columns: {line}");
    }
    let said: String = out.split_whitespace().collect::<Vec<_>>().join(" ");
    let note = "the capture begins inside this reply";
    assert_eq!(said.matches(note).count(), 1, "{said}");
}
