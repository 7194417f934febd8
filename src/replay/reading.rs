//! One reading: sources of bytes in, one trace out.
//!
//! A reading owns the connection tracker and what is learnt along the way
//! (packets, warnings, link types it could not read). Sources are fed to it
//! one after another, each through [`input`](super::input) (gzip, saved
//! trace or capture) and a [`CaptureReader`]; a rotated capture's files
//! are several sources of one reading, so a session that spans two files
//! stays one session. At the end the tracker's events become the trace:
//! sorted by time and numbered by first appearance (a whole file), or, in
//! a live reading, given out as they become final ([`Release`]).

use super::capture::{CaptureReader, Found};
use super::frame::CaptureError;
use super::input::{self, Content, Counted};
use super::link::{self, Network};
use super::live::Release;
use super::tracker::{Ending, Tracker};
use super::warning::{Warning, WarningKind};
use super::{segment, Progress, Replay, ReplayError};
use crate::trace::FailMark;
use crate::trace::{read_json_lines, Event, Trace};
use std::collections::HashMap;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::atomic::Ordering;

/// Where a live reading's events go.
pub type Sink = Box<dyn FnMut(&Event)>;

/// A live reading lets go of events given out once this many (or half its
/// list) can go.
const FORGET_BATCH: usize = 4096;

pub struct Reading {
    tracker: Tracker,
    warnings: Vec<Warning>,
    unsupported: Option<i32>,
    supported: u64,
    packets: u64,
    /// Capture time of the newest packet.
    last_ns: u64,
    live: Option<(Release, Sink)>,
    /// Keys came after TLS that was counted without them (said once).
    late_keys: bool,
}

impl Reading {
    pub fn new(sink: Option<Sink>) -> Reading {
        Reading {
            tracker: Tracker::new(),
            warnings: Vec::new(),
            unsupported: None,
            supported: 0,
            packets: 0,
            last_ns: 0,
            live: sink.map(|s| (Release::default(), s)),
            late_keys: false,
        }
    }

    pub fn last_ns(&self) -> u64 {
        self.last_ns
    }

    pub fn warnings_len(&self) -> usize {
        self.warnings.len()
    }

    /// A warning about the whole reading.
    pub fn warn_all(&mut self, kind: WarningKind, message: String) {
        self.warnings.push(Warning::about_all(kind, message));
    }

    /// Warnings from `from` on were about the file at `path`.
    pub fn name_warnings(&mut self, from: usize, path: &Path) {
        for w in self.warnings.iter_mut().skip(from) {
            w.message = format!("{}: {}", path.display(), w.message);
        }
    }

    /// Reads one source into the reading. A saved trace is returned as is
    /// (it is not a capture to track).
    pub fn source(
        &mut self,
        source: impl Read + Send + 'static,
        total: Option<u64>,
        mut progress: impl FnMut(Progress),
        live: bool,
    ) -> Result<Option<Replay>, ReplayError> {
        let counted = Counted::new(source);
        let done = counted.read.clone();
        let opened = input::open(counted).map_err(|_| CaptureError::Read)?;
        let r = match opened.content {
            Content::JsonLines(r) => {
                return Ok(Some(Replay {
                    trace: read_json_lines(BufReader::new(r))?,
                    saved_trace: true,
                    ..Replay::default()
                }))
            }
            Content::Capture(r) => r,
        };
        let from = self.warnings.len();
        let mut reader = CaptureReader::new(r, live)?;
        if let Some(v) = reader.variant() {
            self.warn_all(
                WarningKind::Variant,
                format!(
                    "this file is {}, an older pcap variant with its own record headers: \
                 read as Wireshark reads it",
                    v.name()
                ),
            );
        }
        self.frames(&mut reader, &mut |_| {
            progress(Progress {
                done: done.load(Ordering::Relaxed),
                total,
            })
        });
        if opened.gzipped {
            for w in self.warnings.iter_mut().skip(from) {
                if w.kind == WarningKind::ReadFailed {
                    w.message = "the gzip stream is damaged or cut short; stopped here".into();
                }
                if w.offset.is_some() {
                    w.message.push_str(" (offsets count uncompressed bytes)");
                }
            }
        }
        Ok(None)
    }

    /// Every frame of a capture through the tracker; a live reading gives
    /// out what became final whenever the reader waits for more bytes.
    fn frames(&mut self, reader: &mut CaptureReader, progress: &mut dyn FnMut(u64)) {
        let mut next_progress = 0u64;
        let mut warnings = Vec::new();
        reader.for_each(
            |found| {
                let frame = match found {
                    Found::Frame(frame) => frame,
                    Found::Waiting => {
                        self.release(Some(self.last_ns));
                        return true;
                    }
                    Found::Secrets(text) => {
                        self.keys(text);
                        return true;
                    }
                };
                self.packets += 1;
                if frame.offset >= next_progress {
                    next_progress = frame.offset + (8 << 20);
                    progress(frame.offset);
                }
                if !link::is_supported(frame.linktype) {
                    self.unsupported.get_or_insert(frame.linktype);
                    // One link type for the whole file: no point reading on.
                    return !frame.whole_file;
                }
                self.supported += 1;
                let seg = match link::network(frame.linktype, frame.data) {
                    Network::Ipv4(p) => segment::ipv4(p),
                    Network::Ipv6(p) => segment::ipv6(p),
                    Network::Other => None,
                };
                // Borrowed where it was made: moving it copied bytes just
                // written (see `endpoints` on why that costs).
                if let Some(seg) = &seg {
                    self.last_ns = self.last_ns.max(frame.ts_ns);
                    let mark = frame
                        .comment
                        .and_then(|c| std::str::from_utf8(c).ok())
                        .and_then(FailMark::read);
                    self.tracker.segment_marked(frame.ts_ns, seg, mark);
                }
                true
            },
            &mut warnings,
        );
        self.warnings.append(&mut warnings);
    }

    /// TLS keys (key log text) for the records after them; lines that
    /// cannot be used are said once, as a warning.
    pub fn keys(&mut self, text: &[u8]) {
        if self.tracker.tls_without_keys() && !std::mem::replace(&mut self.late_keys, true) {
            self.warn_all(
                WarningKind::Keys,
                "TLS keys come in the capture after TLS they may be for: replay reads a \
                 capture in one pass and uses keys from where they stand, so that TLS stays \
                 shown encrypted (give the keys with --keylog, or put them first: editcap \
                 --inject-secrets)"
                    .into(),
            );
        }
        let problems = self.tracker.keys().add_text(text);
        if !problems.is_empty() {
            self.warn_all(
                WarningKind::Keys,
                format!("TLS keys: {}", problems.join("; ")),
            );
        }
    }

    /// Gives out the events that are final at `now` (all of them: `None`).
    fn release(&mut self, now: Option<u64>) {
        if let Some((release, sink)) = &mut self.live {
            let horizon = now.and_then(|ns| self.tracker.horizon(ns));
            let unbounded = now.is_none() || horizon.is_none();
            release.step(self.tracker.events(), horizon, unbounded, sink);
            // What was given out is let go, in batches (each moves the rest).
            let below = release.given_below();
            if below >= FORGET_BATCH || below * 2 >= self.tracker.events().len().max(1) {
                let k = self.tracker.forget(below);
                release.moved_down(k);
            }
        }
    }

    /// A saved trace in a live reading: given out whole.
    pub fn give_saved(&mut self, saved: Replay) -> Replay {
        if let Some((_, sink)) = &mut self.live {
            saved.trace.events.iter().for_each(sink);
        }
        saved
    }

    /// The end of the last source: the tracker's last word, then the trace.
    pub fn end(mut self) -> Result<Replay, ReplayError> {
        if let Some(lt) = self.unsupported {
            if self.supported == 0 {
                return Err(ReplayError::UnsupportedLinkType(link::name(lt)));
            }
            self.warn_all(
                WarningKind::Skipped,
                format!(
                    "packets with unsupported link type {} were skipped",
                    link::name(lt)
                ),
            );
        }
        let connections = self.tracker.connections;
        let mut ending = std::mem::take(&mut self.tracker).finish();
        let mut events = std::mem::take(&mut ending.events);
        let (events, given, numbers) = match self.live.take() {
            Some((mut release, mut sink)) => {
                release.step(&events, None, true, &mut sink);
                let (given, numbers) = release.into_count();
                (Vec::new(), given, numbers)
            }
            None => {
                events.sort_by(|a, b| a.t.total_cmp(&b.t));
                let numbers = renumber(&mut events);
                (events, 0, numbers)
            }
        };
        let mut warnings = self.warnings;
        warnings.extend(ending_warnings(ending, &numbers));
        Ok(Replay {
            trace: Trace { events },
            warnings,
            packets: self.packets,
            connections,
            saved_trace: false,
            given,
        })
    }
}

/// What the tracker's ending says about sessions, by their final numbers.
fn ending_warnings(ending: Ending, numbers: &HashMap<u32, u32>) -> Vec<Warning> {
    let Ending {
        holes,
        joined,
        unproven,
        undecrypted,
        ..
    } = ending;
    let warn = Warning::about_all;
    let mut out: Vec<Warning> = unproven
        .into_iter()
        .map(|what| warn(WarningKind::Unproven, what))
        .collect();
    let mut joined: Vec<(u32, String)> = joined
        .into_iter()
        .filter_map(|(s, what)| Some((*numbers.get(&s)?, what)))
        .collect();
    joined.sort_unstable();
    out.extend(
        joined
            .into_iter()
            .map(|(session, what)| warn(WarningKind::Joined, format!("session {session} {what}"))),
    );
    out.extend(undecrypted.into_iter().filter_map(|(session, what)| {
        let session = numbers.get(&session)?;
        Some(warn(
            WarningKind::Keys,
            format!("session {session}, {what}"),
        ))
    }));
    out.extend(holes.iter().filter_map(|&(session, conn, n)| {
        let session = numbers.get(&session)?;
        let what = match conn {
            0 => "control connection".to_string(),
            c => format!("data connection {c}"),
        };
        Some(warn(
            WarningKind::Hole,
            format!(
                "session {session}, {what}: {n} bytes were never captured (a hole, left empty)"
            ),
        ))
    }));
    out
}

/// Sessions numbered from 1 in order of their first event, times from the
/// first event (events are in time order). Returns the renumbering.
fn renumber(events: &mut [Event]) -> HashMap<u32, u32> {
    let t0 = events.first().map_or(0.0, |e| e.t);
    let mut order: HashMap<u32, u32> = HashMap::new();
    for e in events.iter_mut() {
        let next = order.len() as u32 + 1;
        e.session = *order.entry(e.session).or_insert(next);
        e.t -= t0;
    }
    order
}

/// When the first packet of a capture file was captured, and the file's
/// size: to put rotated files in order. `None` for a file with no packet
/// (or a saved trace).
pub fn first_packet(path: &Path) -> Result<Option<(u64, u64)>, ReplayError> {
    let open = |reason| ReplayError::Open {
        path: path.to_path_buf(),
        reason,
    };
    let file = std::fs::File::open(path).map_err(open)?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let Content::Capture(r) = input::open(file).map_err(open)?.content else {
        return Ok(None);
    };
    let mut reader = CaptureReader::new(r, false)?;
    let mut first = None;
    reader.for_each(
        |f| match f {
            Found::Frame(f) => {
                first = Some(f.ts_ns);
                false
            }
            _ => true,
        },
        &mut Vec::new(),
    );
    Ok(first.map(|ns| (ns, len)))
}
