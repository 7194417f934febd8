//! Bad files: cut short, damaged, empty, not captures at all, missing.
//!
//! A truncated capture still shows what was read, with a warning naming the
//! byte offset; a file that is not a capture is one short error; nothing
//! ever panics or hangs, whatever the bytes.

mod common;

#[path = "support/pcapgen.rs"]
mod pcapgen;

use ftpviz::replay::{read, read_file, ReplayError};
use ftpviz::trace::Kind;
use std::io::Cursor;
use std::sync::mpsc;
use std::time::Duration;

fn captures() -> Option<Vec<(String, Vec<u8>)>> {
    let dir = common::captures_dir()?;
    let mut files = Vec::new();
    for d in [dir.clone(), dir.join("public")] {
        for entry in std::fs::read_dir(&d).ok()? {
            let p = entry.ok()?.path();
            let name = p.file_name()?.to_string_lossy().into_owned();
            if name.ends_with(".pcap") || name.ends_with(".pcapng") {
                files.push((name, std::fs::read(&p).ok()?));
            }
        }
    }
    files.sort();
    (!files.is_empty()).then_some(files)
}

fn connects(events: &[ftpviz::trace::Event]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e.kind, Kind::Connect { .. }))
        .count()
}

/// Runs `f` on another thread and fails if it takes longer than `secs`.
fn within(secs: u64, f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(()) => worker.join().expect("worker"),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            if let Err(panic) = worker.join() {
                std::panic::resume_unwind(panic);
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("replay hung for {secs} s"),
    }
}

#[test]
fn truncated_captures_keep_what_was_read_and_say_where() {
    let Some(files) = captures() else {
        return;
    };
    within(120, move || {
        for (name, bytes) in &files {
            let full = read(Cursor::new(bytes.clone()), None, |_| {}).unwrap();
            let all = connects(&full.trace.events);
            // pcap: a 24-byte header; pcapng: the section header block.
            let header = if bytes.starts_with(&[0x0a, 0x0d, 0x0d, 0x0a]) {
                u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize
            } else {
                24
            };
            let step = (bytes.len() / 150).max(1);
            for cut in (0..bytes.len()).step_by(step).chain(0..64) {
                let part = bytes[..cut].to_vec();
                match read(Cursor::new(part), None, |_| {}) {
                    Ok(r) => {
                        assert!(cut >= header, "{name} cut at {cut}: read without a header");
                        assert!(connects(&r.trace.events) <= all, "{name} cut at {cut}");
                        for w in &r.warnings {
                            let at = w.offset.expect("truncation has an offset");
                            assert!(at <= cut as u64, "{name} cut at {cut}: {w:?}");
                        }
                    }
                    Err(e) => {
                        assert!(cut < header, "{name} cut at {cut}: {e}");
                        let msg = e.to_string();
                        let want = if cut == 0 {
                            "empty"
                        } else {
                            "header is cut short"
                        };
                        assert!(msg.contains(want), "{name} cut at {cut}: {msg}");
                        assert!(
                            matches!(e, ReplayError::Capture(_)),
                            "{name} cut at {cut}: {e}"
                        );
                    }
                }
            }
            // Cutting the last record in half: a warning at its offset.
            let r = read(Cursor::new(bytes[..bytes.len() - 5].to_vec()), None, |_| {}).unwrap();
            let w = r
                .warnings
                .first()
                .unwrap_or_else(|| panic!("{name}: no warning"));
            assert!(w.message.contains("truncated"), "{name}: {w:?}");
            assert!(w.offset.is_some_and(|o| o < bytes.len() as u64 - 5));
            assert!(
                connects(&r.trace.events) >= all.min(1),
                "{name}: kept what was read"
            );
        }
    });
}

/// xorshift64: a small deterministic generator, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn random_byte_flips_never_panic_nor_hang() {
    let Some(files) = captures() else {
        return;
    };
    within(300, move || {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for (name, bytes) in &files {
            for round in 0..150 {
                let mut m = bytes.clone();
                let flips = 1 + rng.below(8);
                for _ in 0..flips {
                    let at = rng.below(m.len());
                    m[at] ^= 1 << rng.below(8);
                }
                // Now and then, also cut the damaged file short.
                if round % 5 == 0 {
                    m.truncate(rng.below(m.len()));
                }
                let result = std::panic::catch_unwind(|| read(Cursor::new(m), None, |_| {}));
                assert!(result.is_ok(), "{name}: round {round} panicked");
            }
        }
    });
}

#[test]
fn empty_and_foreign_files_are_errors_not_panics() {
    assert!(matches!(
        read(Cursor::new(Vec::new()), None, |_| {}),
        Err(ReplayError::Capture(_))
    ));
    let err = read(
        Cursor::new(b"GIF89a, not a capture at all".to_vec()),
        None,
        |_| {},
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "not a pcap or pcapng capture");
    let err = read_file(std::path::Path::new("/nonexistent/x.pcap")).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/x.pcap"), "{err}");
}

#[test]
fn command_line_exit_codes() {
    let dir = std::env::temp_dir().join(format!("ftpviz-bad-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("empty.pcap");
    std::fs::write(&empty, b"").unwrap();
    let text = dir.join("notes.pcap");
    std::fs::write(&text, b"hello, I am a text file\n").unwrap();
    let missing = dir.join("missing.pcap");

    for (path, says) in [
        (&empty, "empty"),
        (&text, "not a pcap"),
        (&missing, "cannot open"),
    ] {
        let p = path.to_str().unwrap();
        let (code, out, err) = common::ftpviz(&["replay", p, "--json"]);
        assert_eq!(code, 1, "{p}: {err}");
        assert!(out.is_empty());
        assert_eq!(err.lines().count(), 1, "one short line: {err}");
        assert!(err.contains(says) && err.contains(p), "{err}");
    }

    if let Some(files) = captures() {
        let (_, bytes) = &files[0];
        let cut = dir.join("cut.pcap");
        std::fs::write(&cut, &bytes[..bytes.len() - 7]).unwrap();
        let (code, out, err) = common::ftpviz(&["replay", cut.to_str().unwrap(), "--json"]);
        assert_eq!(code, 0, "{err}");
        assert!(out.lines().count() > 5, "what was read is shown");
        assert!(err.contains("warning") && err.contains("at byte"), "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A capture several times larger than the reader's buffer, cut at places
/// that fall after refills: the warning names the offset of the record that
/// was cut, and every byte before it is counted.
#[test]
fn truncation_after_many_buffer_refills() {
    use pcapgen::*;
    let fmt = Format::Pcap {
        nanos: false,
        big_endian: false,
    };
    let mut w = CaptureWriter::new(Vec::new(), fmt, Link::Ethernet(&[])).unwrap();
    let t0 = 1_700_000_000_000_000_000;
    let mut c = Tcp::new(addr("10.0.0.2:41000"), addr("10.0.0.3:21"), 1, 1);
    c.handshake(&mut w, t0).unwrap();
    let script = [
        (false, "220 hi\r\n"),
        (true, "USER a\r\n"),
        (true, "EPSV\r\n"),
        (false, "229 ok (|||50000|)\r\n"),
        (true, "RETR x\r\n"),
    ];
    for (i, (from_client, line)) in script.iter().enumerate() {
        c.send(&mut w, t0 + i as u64 * 1000, *from_client, line.as_bytes())
            .unwrap();
    }
    let mut d = Tcp::new(addr("10.0.0.2:42000"), addr("10.0.0.3:50000"), 1, 1);
    d.handshake(&mut w, t0 + 10_000).unwrap();
    let chunk = [7u8; 1448];
    for i in 0..3000u64 {
        d.send(&mut w, t0 + 20_000 + i * 100, false, &chunk)
            .unwrap();
    }
    let bytes = w.into_inner();
    let whole = read(Cursor::new(bytes.clone()), None, |_| {}).unwrap();
    assert_eq!(whole.trace.data_bytes(1, 1), 3000 * 1448);
    // Records are 16 + 14 + 40 + 1448 bytes; cut inside a few of them.
    let record = 16 + 14 + 40 + 1448;
    for cut in [1_500_007, 2_600_000, bytes.len() - 3] {
        let r = read(Cursor::new(bytes[..cut].to_vec()), None, |_| {}).unwrap();
        let w = r.warnings.first().expect("a truncation warning");
        let at = w.offset.expect("an offset") as usize;
        assert!(at <= cut && cut - at < record, "cut {cut}: warned at {at}");
        let counted = r.trace.data_bytes(1, 1) as usize;
        let before = at - (bytes.len() - 3000 * record);
        assert_eq!(counted, before / record * 1448, "cut {cut}");
    }
}
