//! `serve --record`: a real client library (suppaftp) against the binary,
//! active and passive, with an upload bigger than the recording's byte
//! budget; then the capture is read back twice — by ftpviz's replay (the
//! same story as `--json`) and byte by byte with pcap-parser (each upload's
//! real bytes and its download's, in order, on their data connections).

mod common;
mod record_facts;

use ftpviz::tap::payload::BUDGET;
use ftpviz::trace::{read_json_lines, Event, Kind, Side};
use record_facts::{read_capture, replay, Capture, Story};
use std::io::{BufRead, BufReader, Cursor};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use suppaftp::Mode;
#[path = "support/demo_client.rs"]
mod demo_client;

/// One client session: upload `bytes`, fetch them back.
fn client(addr: SocketAddr, mode: Mode, bytes: &[u8]) {
    let mut ftp = demo_client::demo(addr, mode);
    let name = format!("up-{mode:?}.bin");
    ftp.put_file(&name, &mut Cursor::new(bytes.to_vec()))
        .expect("STOR");
    let back = ftp.retr_as_buffer(&name).expect("RETR").into_inner();
    assert!(back == bytes, "fetched back byte for byte");
    ftp.quit().expect("QUIT");
}

#[test]
fn serve_records_what_real_clients_did() {
    let dir = common::temp_dir("serve");
    let file = dir.join("serve.pcapng");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ftpviz"))
        .args(["serve", "--listen", "127.0.0.1:0", "--json", "--record"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ftpviz runs");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let addr: SocketAddr = line
        .split_whitespace()
        .find_map(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));

    // Every byte value, more than one TCP segment; then more than the
    // recording's budget, so the transfer must wait for the recording.
    let small: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let big: Vec<u8> = (0..BUDGET + BUDGET / 2)
        .map(|i| (i * 7 % 251) as u8)
        .collect();
    client(addr, Mode::Active, &small);
    client(addr, Mode::Passive, &big);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "serve exits 0: {rest}");
    assert!(rest.contains("recorded"), "{rest}");
    let run = read_json_lines(&out.stdout[..]).expect("JSON Lines").events;

    let back = replay(&file).expect("replay reads the capture");
    assert_eq!(Story::of(&back), Story::of(&run), "the same story");
    let sessions = Story::of(&run).sessions.len();
    assert_eq!(sessions, 2);

    // The real bytes both ways, each on the data connection that carried
    // them, from its sender's end: the upload (the client's), and the
    // download of the same file (the server's; from disk, so the one that
    // sendfile would have hidden from the recording).
    let capture = read_capture(&file);
    for (session, bytes) in [(1, &small), (2, &big)] {
        for sender in [Side::Client, Side::Server] {
            let carried = carried(&run, &capture, session, sender);
            let first_diff = carried.iter().zip(bytes.iter()).position(|(a, b)| a != b);
            assert!(
                carried == bytes,
                "session {session}, sent by the {sender:?}: {} vs {} bytes, first difference at {first_diff:?}",
                carried.len(),
                bytes.len()
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The bytes the capture holds from `sender` on the first data connection
/// of `session` that carried any from it.
fn carried<'a>(run: &[Event], capture: &'a Capture, session: u32, sender: Side) -> &'a [u8] {
    let conn = run
        .iter()
        .find(|e| e.session == session && e.from == sender && matches!(e.kind, Kind::Data { .. }))
        .map(|e| e.conn)
        .unwrap_or_else(|| panic!("session {session}: no data from the {sender:?}"));
    let (src, dst, dialler) = run
        .iter()
        .find_map(|e| match e.kind {
            Kind::Connect { src, dst, .. } if (e.session, e.conn) == (session, conn) => {
                Some((src, dst, e.from))
            }
            _ => None,
        })
        .expect("the data connection's dial");
    let flow = match dialler == sender {
        true => (src, dst),
        false => (dst, src),
    };
    capture
        .flows
        .get(&flow)
        .map(Vec::as_slice)
        .unwrap_or_else(|| panic!("session {session}: no flow {flow:?} in the capture"))
}
