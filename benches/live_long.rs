//! The long-run benchmark of live input: does memory stay flat as sessions
//! go by?
//!
//! ```text
//! cargo bench --bench live_long                    # 1 000, 4 000, 16 000 sessions
//! FTPVIZ_LONG_SESSIONS=500,50000 cargo bench --bench live_long
//! FTPVIZ_LONG_KEEP=1 cargo bench --bench live_long   # the captures stay
//! FTPVIZ_LONG_CAP=0 cargo bench --bench live_long    # the list uncapped
//! ```
//!
//! The generator writes a capture of many short FTP sessions one after
//! another (login, PASV, a LIST of a few hundred bytes, QUIT: about twenty
//! packets and fifteen events each), to the temp dir. Each size is then
//! streamed through a pipe two ways, with peak memory (`VmHWM`, the peak
//! resident set) for each:
//!
//! - `cat FILE | ftpviz replay - --json > /dev/null` (the program, its
//!   peak from `/usr/bin/time -v`): what `--print`/`--json` keep;
//! - the live reading fed into a capped session list, as the TUI of
//!   `replay -` and `watch` keeps it (this program, run again as a child,
//!   reports its own peak, and how long drawing the list takes on a
//!   120×40 screen).
//!
//! Flat means: the peak of the biggest size is about that of the smallest.
//! Every session must be found (counted in the JSON).

#[path = "../tests/support/many_sessions.rs"]
mod many_sessions;
#[path = "../tests/support/pcapgen.rs"]
mod pcapgen;

use ftpviz::tui::app::picker::Picker;
use ftpviz::tui::widgets::style::Theme;
use many_sessions::generate;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;
use std::io;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// The session list's cap, as `replay -` sets it (`FTPVIZ_LONG_CAP`
/// changes it, 0: no cap).
const CAP: usize = 50_000;

/// The peak resident set of this process, in KiB.
fn own_peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Child mode: the capture on stdin read live into a capped session list,
/// as the TUI keeps it; prints sessions, events kept, events let go, peak.
fn picker_child() {
    let cap = std::env::var("FTPVIZ_LONG_CAP")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(CAP);
    let picker = match cap {
        0 => Picker::live(""),
        cap => Picker::live("").capped(cap),
    };
    let list = std::rc::Rc::new(std::cell::RefCell::new(picker));
    let fed = list.clone();
    let read = ftpviz::replay::read_live(io::stdin(), move |e| fed.borrow_mut().push(e.clone()));
    if let Err(e) = read {
        eprintln!("live_long: {e}");
        std::process::exit(1);
    }
    let mut list = list.borrow_mut();
    let (dropped, _) = list.dropped();
    // Drawing the list, its last row selected (as following the live edge).
    list.selected = list.summaries.len().saturating_sub(1);
    let area = Rect::new(0, 0, 120, 40);
    let mut buf = Buffer::empty(area);
    let draws = 200;
    let t = Instant::now();
    for _ in 0..draws {
        list.view(Theme::mono()).render(area, &mut buf);
    }
    let draw_us = t.elapsed().as_micros() / draws;
    println!(
        "{} {} {} {} {draw_us}",
        list.summaries.len(),
        list.trace().len(),
        dropped,
        own_peak_kib()
    );
}

/// `cmd` under `/usr/bin/time -v`: its stdout and its peak in KiB.
fn measured(cmd: &str) -> Option<(String, u64)> {
    let out = Command::new("/usr/bin/time")
        .args(["-v", "sh", "-c", cmd])
        .stderr(Stdio::piped())
        .output()
        .ok()?;
    let err = String::from_utf8_lossy(&out.stderr);
    let peak = err
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse().ok())?;
    Some((String::from_utf8_lossy(&out.stdout).into_owned(), peak))
}

fn main() {
    if std::env::args().any(|a| a == "--picker-child") {
        return picker_child();
    }
    let benching = std::env::args().any(|a| a == "--bench");
    let sizes: Vec<u32> = std::env::var("FTPVIZ_LONG_SESSIONS")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| {
            if benching {
                vec![1_000, 4_000, 16_000]
            } else {
                vec![20]
            }
        });
    if !Path::new("/usr/bin/time").exists() {
        println!("live_long: skipped: /usr/bin/time (Debian's `time`) is not installed");
        return;
    }
    let dir = std::env::temp_dir().join(format!("ftpviz-long-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench dir");
    let keep = std::env::var_os("FTPVIZ_LONG_KEEP").is_some();
    let ftpviz = env!("CARGO_BIN_EXE_ftpviz");
    let me = std::env::current_exe().expect("own path");
    println!(
        "sessions  capture MB  --json peak MiB  list peak MiB  list draw µs  list: kept / let go events"
    );
    for n in sizes {
        let file = dir.join(format!("long-{n}.pcap"));
        generate(&file, n).expect("write the capture");
        let mb = std::fs::metadata(&file).map_or(0, |m| m.len()) as f64 / 1e6;
        let f = file.display();
        let json = measured(&format!("cat '{f}' | '{ftpviz}' replay - --json"));
        let (json, json_peak) = json.expect("ftpviz ran under /usr/bin/time");
        let found = json
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["kind"] == "connect" && v["conn"] == 0)
            .count();
        assert_eq!(found, n as usize, "every session's control dial in --json");
        let child = measured(&format!("'{}' --picker-child < '{f}'", me.display()));
        let (list, _) = child.expect("the list child ran");
        let fields: Vec<u64> = list
            .split_whitespace()
            .filter_map(|v| v.parse().ok())
            .collect();
        let [rows, kept, dropped, peak, draw_us] = fields[..] else {
            panic!("the list child said {list:?}");
        };
        assert_eq!(rows, u64::from(n), "a row for every session");
        println!(
            "{n:>8}  {mb:>10.1}  {:>15.1}  {:>13.1}  {draw_us:>12}  {kept} / {dropped}",
            json_peak as f64 / 1024.0,
            peak as f64 / 1024.0,
        );
        if keep {
            println!("          kept {f}");
        } else {
            let _ = std::fs::remove_file(&file);
        }
    }
    let _ = std::fs::remove_dir(&dir);
}
