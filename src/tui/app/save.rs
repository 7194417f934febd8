//! Saving a run from the screen: `w` ("write") saves what ran so far as a
//! pcapng capture, for Wireshark — the tool the students learn next.
//!
//! What is saved is what the screen's sources produced, shown or not yet:
//!
//! - the lab (and a lesson's current run): every pane's trace, with the
//!   real data bytes kept beside each (`kept`); side by side panes
//!   become one capture, each pane its own FTP session, the second moved
//!   to follow the first, as `lab --mode compare --record` writes them;
//! - `serve`: every session of the list so far, with their bytes;
//! - a replay: the trace it read. A trace keeps the byte *counts* of a data
//!   connection, not the bytes, so the capture carries zero bytes in their
//!   place, and says so — in the file's header and in the comment of the
//!   first packet of each stretch of zeros. Nothing in the file pretends to
//!   be a byte that was on the wire. The trace's times are relative to its first
//!   event, so the packets are dated from the moment of saving.
//!
//! The packets are built by [`crate::capture_writer`], as for `--record`:
//! handshakes, sequence numbers, FINs, unanswered SYNs, and the narration of
//! each teaching moment as a packet comment, in the words the screen used
//! (it knows the lab's middlebox).
//!
//! Beside it goes the handout of the same run ([`crate::handout`], the page
//! `--html` writes), under the same name with `.html`.
//!
//! The file goes to the current directory, named for what ran (`lab`,
//! `serve`, `replay`, or what [`Saves::what`] says, e.g. `lesson`) and
//! when, in UTC: `ftpviz-lab-20260314-091500.pcapng`; a second save in the
//! same second gets `-2`, and no file is ever overwritten. The title bar
//! says where it went, or why it could not be written; the run goes on
//! either way.

use super::kept::KEEP;
use super::pane::{Origin, Pane};
use super::picker::Picker;
use crate::capture_writer::{CaptureError, CaptureWriter, Written, FROM_THE_RUN};
use crate::lab::LabConfig;
use crate::narration::{Between, Ours};
use crate::server::listing::civil;
use crate::tap::{Drained, WireBytes};
use crate::trace::{Event, Kind};
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// What the header of a capture saved from a replayed trace says.
pub const FROM_A_TRACE: &str = "Written by ftpviz from a trace it replayed (a capture or a \
    saved --json trace), not from its own sockets: addresses, ports, commands, replies and \
    byte counts are the trace's; the data bytes themselves were not kept, so zero bytes stand \
    in for them, and the first packet of each stretch of zeros says so in its comment. TCP \
    handshakes, \
    sequence numbers and ACKs are rebuilt. The trace keeps times relative to its first event, \
    so the packets are dated from the moment this file was written. Packet comments hold \
    ftpviz's narration of each teaching moment.";

/// Where `w` writes, and what it wrote last.
#[derive(Debug, Clone)]
pub struct Saves {
    /// The folder the captures go to (the current directory).
    pub dir: PathBuf,
    /// The last capture written.
    pub last: Option<PathBuf>,
    /// What the file's name says ran, when the app knows better than its
    /// panes ("lesson": a lesson's run is lab panes).
    pub what: Option<&'static str>,
}

impl Default for Saves {
    fn default() -> Saves {
        Saves {
            dir: PathBuf::from("."),
            last: None,
            what: None,
        }
    }
}

/// A run gathered for saving: its events in time order, each with its
/// bytes when they were kept.
pub struct Gathered<'a> {
    /// What ran: "lab", "serve", "replay" (the file's name says it).
    pub what: &'static str,
    pub events: Vec<(Event, Option<&'a [u8]>)>,
    /// Microseconds since 1970 of `t = 0`, when known.
    pub epoch: Option<f64>,
    /// The middlebox between the peers of a session, when known.
    pub between: Vec<(u32, Between)>,
    /// Whose peers ran (what the comments may say before it happens).
    pub ours: Ours,
    /// A replayed trace: its bytes were never there to keep.
    pub replayed: bool,
    /// Side by side panes, the later ones moved to follow the first.
    pub moved: bool,
    /// What crossed inside TLS, and the keys, numbered and timed as
    /// `events` are.
    pub wire: Drained,
}

impl Gathered<'_> {
    /// Data bytes counted by the trace but not kept.
    pub fn missing(&self) -> u64 {
        let missing = |(e, bytes): &(Event, Option<&[u8]>)| match e.kind {
            Kind::Data { bytes: n } => n.saturating_sub(bytes.map_or(0, |b| b.len() as u64)),
            _ => 0,
        };
        self.events.iter().map(missing).sum()
    }

    /// The file's header: where its packets came from.
    fn header(&self) -> String {
        let mut header = if self.replayed {
            FROM_A_TRACE
        } else {
            FROM_THE_RUN
        }
        .to_string();
        if self.moved {
            header.push_str(
                " The run's panes ran side by side; here each pane's session follows the one \
                 before, all its times moved later alike, so that each reads on its own.",
            );
        }
        if self.replayed {
            return header;
        }
        if self.missing() > 0 {
            header.push_str(&format!(
                " The screen keeps the first {} MiB of a source's data bytes: zero bytes stand \
                 in for the rest, and the first packet of each stretch of zeros says so in its \
                 comment.",
                KEEP >> 20
            ));
        }
        header
    }
}

/// `w`: saves `run` as a capture in `saves`' folder (its `what` as
/// [`Saves::what`] says, when it does) and returns what the title bar says:
/// where it went, or why it could not be written.
pub fn save(mut run: Gathered, saves: &mut Saves) -> String {
    run.what = saves.what.unwrap_or(run.what);
    if run.events.is_empty() {
        return "nothing has run yet: nothing to save".to_string();
    }
    match write(&run, &saves.dir, &utc_stamp(SystemTime::now())) {
        Ok((path, _)) => {
            let mut said = format!("saved {}", path.display());
            // The handout beside it (`--html`'s page), same name.
            match handout(&run, &path) {
                Ok(()) => said.push_str(" + .html handout"),
                Err(e) => said.push_str(&format!(" (no handout: {e})")),
            }
            if run.replayed {
                said.push_str(", data bytes as zeros (a trace keeps counts)");
            } else if run.missing() > 0 {
                let mib = KEEP >> 20;
                said.push_str(&format!(", bytes past {mib} MiB as zeros"));
            }
            saves.last = Some(path);
            said
        }
        Err(e) => format!("not saved: {e}"),
    }
}

/// What `w` saves: a session list's sessions (`serve`, a capture with
/// several), else the panes' traces; `configs`: the labs behind the panes,
/// when live.
pub fn gather<'a>(
    panes: &'a [Pane],
    picker: Option<&'a Picker>,
    configs: Option<&[LabConfig]>,
) -> Gathered<'a> {
    if let Some(picker) = picker {
        let events = picker.trace().events.iter().enumerate();
        let events = events.map(|(i, e)| (e.clone(), picker.kept.get(i)));
        return Gathered {
            what: if picker.live { "serve" } else { "replay" },
            events: events.collect(),
            epoch: picker.kept.epoch(),
            between: Vec::new(),
            ours: if picker.live { Ours::SERVE } else { Ours::NONE },
            replayed: !picker.live,
            moved: false,
            wire: picker.kept.wire().clone(),
        };
    }
    let origin = panes.first().map(|p| p.origin);
    let between = |i: usize| {
        let config = match configs {
            Some(configs) => configs.get(i),
            None => panes.get(i)?.middlebox.as_ref().map(|m| &m.config),
        };
        config.map(LabConfig::between)
    };
    let merged = merge(panes, between);
    Gathered {
        what: match origin {
            Some(Origin::Capture) => "replay",
            Some(Origin::Serve) => "serve",
            Some(Origin::Lab) | None => "lab",
        },
        events: merged.events,
        epoch: merged.epoch,
        between: merged.between,
        ours: panes.first().map_or(Ours::NONE, Pane::ours),
        replayed: origin == Some(Origin::Capture),
        moved: merged.moved,
        wire: merged.wire,
    }
}

/// `w`'s page beside the capture at `capture`: the same name, `.html`.
fn handout(run: &Gathered, capture: &Path) -> Result<(), crate::handout::HandoutError> {
    use crate::handout::{Handout, HandoutFile, Run};
    let file = HandoutFile::create_new(&capture.with_extension("html"))?;
    let events = run.events.iter().map(|(e, _)| e.clone()).collect();
    let between = run.between.first().map(|&(_, b)| b);
    let page = Handout::of_run(
        format!("ftpviz {}", run.what),
        Run::new(events, between, run.ours),
    );
    file.write(&page)
}

/// The panes' traces as one: each pane's sessions after the one before,
/// numbered in that order.
struct Merged<'a> {
    events: Vec<(Event, Option<&'a [u8]>)>,
    epoch: Option<f64>,
    between: Vec<(u32, Between)>,
    /// A pane's session was moved later so as not to overlap the one before.
    moved: bool,
    wire: Drained,
}

/// Time left between one pane's last event and the next pane's first,
/// when the next is moved.
const GAP: f64 = 0.001;

/// The panes' traces as one capture, on the clock of the first pane: pane
/// after pane, each in its own order. Side by side panes ran at the same
/// time, but two sessions between the same two hosts read best one after
/// the other (and a replay could take the second's control connection for
/// a data connection of the first, waiting for its data): a pane that
/// would overlap the one before is moved to just after it.
fn merge<'a>(panes: &'a [Pane], between: impl Fn(usize) -> Option<Between>) -> Merged<'a> {
    let epoch = panes.iter().find_map(|p| p.kept.epoch());
    let mut merged = Merged {
        events: Vec::new(),
        epoch,
        between: Vec::new(),
        moved: false,
        wire: Drained::default(),
    };
    let mut numbers: HashMap<(usize, u32), u32> = HashMap::new();
    let mut end: Option<f64> = None;
    for (i, pane) in panes.iter().enumerate() {
        let events = &pane.player.trace().events;
        let Some(first) = events.first() else {
            continue;
        };
        let mut shift = match (pane.kept.epoch(), epoch) {
            (Some(mine), Some(first)) => (mine - first) / 1e6,
            _ => 0.0,
        };
        if let Some(end) = end.filter(|end| first.t + shift <= *end) {
            shift = end + GAP - first.t;
            merged.moved = true;
        }
        for (j, e) in events.iter().enumerate() {
            let fresh = numbers.len() as u32 + 1;
            let session = *numbers.entry((i, e.session)).or_insert_with(|| {
                merged.between.extend(between(i).map(|b| (fresh, b)));
                fresh
            });
            let mut e = e.clone();
            e.t += shift;
            e.session = session;
            end = Some(end.map_or(e.t, |end| end.max(e.t)));
            merged.events.push((e, pane.kept.get(j)));
        }
        let wire = pane.kept.wire();
        merged.wire.keys.push_str(&wire.keys);
        for b in &wire.bytes {
            if let Some(&session) = numbers.get(&(i, b.session)) {
                let t = b.t + shift;
                merged.wire.bytes.push(WireBytes {
                    t,
                    session,
                    ..b.clone()
                });
            }
        }
    }
    // Each pane's bytes in order; the panes' one after the other.
    merged.wire.bytes.sort_by(|a, b| a.t.total_cmp(&b.t));
    merged
}

/// Writes `run` to a new file in `dir` named for it and for `stamp`: its
/// path and what it holds.
pub fn write(run: &Gathered, dir: &Path, stamp: &str) -> Result<(PathBuf, Written), CaptureError> {
    let (path, file) = create_new(dir, run.what, stamp)?;
    let mut w = CaptureWriter::described(BufWriter::with_capacity(1 << 16, file), &run.header())?;
    if let Some(epoch) = run.epoch {
        w.start_clock(epoch);
    }
    for (session, between) in &run.between {
        w.between(*session, *between);
    }
    w.peers(run.ours);
    // The TLS bytes go out among the events by their time.
    w.wire(run.wire.clone())?;
    for (e, bytes) in &run.events {
        w.event(e, *bytes)?;
    }
    Ok((path, w.finish()?))
}

/// A file that did not exist: `ftpviz-WHAT-STAMP.pcapng`, or with `-2`,
/// `-3`… when saved more than once in a second.
fn create_new(dir: &Path, what: &str, stamp: &str) -> Result<(PathBuf, File), CaptureError> {
    let mut n = 1;
    loop {
        let name = match n {
            1 => format!("ftpviz-{what}-{stamp}.pcapng"),
            n => format!("ftpviz-{what}-{stamp}-{n}.pcapng"),
        };
        let path = dir.join(name);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(source) => {
                let path = path.display().to_string();
                return Err(CaptureError::Create { path, source });
            }
        }
    }
}

/// `YYYYmmdd-HHMMSS` of `at`, in UTC (the calendar of the server's
/// listings).
pub fn utc_stamp(at: SystemTime) -> String {
    let (y, mo, d, h, mi, s) = civil(at);
    format!("{y:04}{mo:02}{d:02}-{h:02}{mi:02}{s:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn at(secs: u64) -> String {
        utc_stamp(UNIX_EPOCH + Duration::from_secs(secs))
    }

    /// The fixture's passive run, every data event's bytes kept but its
    /// last `short` ones; `store` holds them.
    fn run(store: &[(Event, Vec<u8>)], short: usize) -> Gathered<'_> {
        let events = store.iter().map(|(e, bytes)| {
            let kept = bytes.get(..bytes.len().saturating_sub(short));
            let kept = kept.filter(|_| matches!(e.kind, Kind::Data { .. }));
            (e.clone(), kept)
        });
        Gathered {
            what: "lab",
            events: events.collect(),
            epoch: None,
            between: Vec::new(),
            ours: Ours::LAB,
            replayed: false,
            moved: false,
            wire: Drained::default(),
        }
    }

    /// The fixture's passive run, with bytes for each data event.
    fn store() -> Vec<(Event, Vec<u8>)> {
        let trace = crate::fixture::passive();
        let bytes = |e: &Event| match e.kind {
            Kind::Data { bytes } => vec![b'x'; bytes as usize],
            _ => Vec::new(),
        };
        trace
            .events
            .into_iter()
            .map(|e| (e.clone(), bytes(&e)))
            .collect()
    }

    #[test]
    fn bytes_past_the_bound_are_counted_and_the_header_says_so() {
        let store = store();
        let data = store
            .iter()
            .filter(|(e, _)| matches!(e.kind, Kind::Data { .. }));
        let (count, all) = data.fold((0, 0), |(n, sum), (_, b)| (n + 1, sum + b.len() as u64));
        assert!(count > 0 && all > 0, "the fixture moves bytes");
        assert_eq!(run(&store, 0).missing(), 0);
        assert!(!run(&store, 0).header().contains("MiB"));
        let short = run(&store, 3);
        assert_eq!(short.missing(), 3 * count);
        assert!(
            short.header().contains("first 16 MiB"),
            "{}",
            short.header()
        );
    }

    #[test]
    fn saves_in_the_same_second_get_names_of_their_own() {
        let dir = std::env::temp_dir().join(format!("ftpviz-save-names-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = store();
        let full = run(&store, 0);
        let (a, written) = write(&full, &dir, "20260314-091500").unwrap();
        let (b, _) = write(&full, &dir, "20260314-091500").unwrap();
        assert_eq!(a.file_name().unwrap(), "ftpviz-lab-20260314-091500.pcapng");
        assert_eq!(
            b.file_name().unwrap(),
            "ftpviz-lab-20260314-091500-2.pcapng"
        );
        assert!(written.packets > 0);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn stamps_are_utc_calendar_dates() {
        assert_eq!(at(0), "19700101-000000");
        // A leap day, the last second of a leap year, a recent date.
        assert_eq!(at(951_782_400), "20000229-000000");
        assert_eq!(at(1_230_767_999), "20081231-235959");
        assert_eq!(at(1_700_000_000), "20231114-221320");
    }
}
