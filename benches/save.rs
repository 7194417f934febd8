//! How long `w` takes: the TUI saves synchronously, so the time to write a
//! capture is time the screen does not move.
//!
//! - a lab-sized run: the real lab's two panes (about 50 events each, a
//!   few kilobytes of data) — the common case, which must not be felt;
//! - a 10 000-event trace (two panes of `fixture::long`), each data event
//!   with its kept bytes;
//! - a replayed trace whose one transfer counted 256 MiB: the capture
//!   writes that many zero bytes, in packets, against the reference of
//!   writing the same bytes as one plain file (what `cat` or `cp` would
//!   cost).
//!
//! Run: `cargo bench --bench save`. Prints the median of several saves and
//! the file sizes; the files go to a temporary folder, removed at the end.

use ftpviz::lab::{LabConfig, Mode};
use ftpviz::trace::Kind;
use ftpviz::tui::app::{App, Pane};
#[path = "../tests/support/fixture.rs"]
mod fixture;
use ftpviz::tui::app::pane::Origin;
use std::path::Path;
use std::time::{Duration, Instant};

/// The median time of `runs` saves, and the last file's size.
fn measure(app: &mut App, runs: usize) -> (Duration, u64) {
    let mut times = Vec::with_capacity(runs);
    let mut size = 0;
    for _ in 0..runs {
        let start = Instant::now();
        app.save_capture();
        times.push(start.elapsed());
        let last = app.saves.last.take().expect("the save worked");
        size = std::fs::metadata(&last).map(|m| m.len()).unwrap_or(0);
        let _ = std::fs::remove_file(&last);
    }
    times.sort();
    (times[runs / 2], size)
}

/// Panes over `trace`, as if the lab had made them, every data event's
/// bytes kept.
fn lab_panes(trace: &ftpviz::trace::Trace) -> Vec<Pane> {
    (0..2)
        .map(|_| {
            let mut pane = Pane::fixed("pane", trace.clone()).with_origin(Origin::Lab);
            for (i, e) in trace.events.iter().enumerate() {
                let bytes = match e.kind {
                    Kind::Data { bytes } => Some(vec![b'x'; bytes as usize]),
                    _ => None,
                };
                pane.kept.keep(i, e, bytes);
            }
            pane
        })
        .collect()
}

fn report(what: &str, (median, size): (Duration, u64)) {
    let mib = size as f64 / (1 << 20) as f64;
    println!("{what:<44} {median:>10.2?}  ({mib:.2} MiB file)");
}

fn real_lab(dir: &Path) -> App {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let traces = runtime.block_on(async {
        let mut traces = Vec::new();
        for mode in [Mode::Active, Mode::Passive] {
            let config = LabConfig {
                mode,
                control_port: 0,
                ..LabConfig::default()
            };
            let mut lab = ftpviz::lab::Lab::start_with_payloads(config)
                .await
                .expect("the lab starts");
            lab.run_free();
            let mut pane = Pane::fixed("lab", Default::default()).with_origin(Origin::Lab);
            let mut events = Vec::new();
            while let Some(e) = lab.events.recv().await {
                let bytes = match lab.payloads.as_mut() {
                    Some(p) => p.take(&e).await.map(|c| c.to_vec()),
                    None => None,
                };
                pane.kept.keep(events.len(), &e, bytes);
                events.push(e);
            }
            lab.finish().await.expect("the lab ends");
            traces.push((pane.kept, events));
        }
        traces
    });
    let panes = traces
        .into_iter()
        .map(|(kept, events)| {
            let trace = ftpviz::trace::Trace { events };
            let mut pane = Pane::fixed("lab", trace).with_origin(Origin::Lab);
            pane.kept = kept;
            pane
        })
        .collect();
    let mut app = App::new("bench", panes);
    app.saves.dir = dir.to_path_buf();
    app
}

fn main() {
    let dir = std::env::temp_dir().join(format!("ftpviz-bench-save-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");

    let mut app = real_lab(&dir);
    let events: usize = app.panes.iter().map(|p| p.player.trace().len()).sum();
    report(
        &format!("the real lab, compare ({events} events)"),
        measure(&mut app, 21),
    );

    let long = fixture::long(10_000);
    let mut app = App::new("bench", lab_panes(&long));
    app.saves.dir = dir.clone();
    let events = 2 * long.len();
    report(
        &format!("{events} events, bytes kept"),
        measure(&mut app, 5),
    );

    let mut big = fixture::active();
    let mut first = true;
    for e in &mut big.events {
        if let Kind::Data { bytes } = &mut e.kind {
            *bytes = if first { 256 << 20 } else { 0 };
            first = false;
        }
    }
    let mut app = ftpviz::tui::app_for_trace("replay", big);
    app.saves.dir = dir.clone();
    report(
        "a replay, 256 MiB counted (zeros written)",
        measure(&mut app, 3),
    );

    let zeros = vec![0u8; 256 << 20];
    let mut times = Vec::new();
    for n in 0..3 {
        let plain = dir.join(format!("plain-{n}.bin"));
        let start = Instant::now();
        std::fs::write(&plain, &zeros).expect("writes");
        times.push(start.elapsed());
        let _ = std::fs::remove_file(&plain);
    }
    times.sort();
    report(
        "reference: 256 MiB as one plain file",
        (times[1], 256 << 20),
    );
    let _ = std::fs::remove_dir_all(&dir);
}
