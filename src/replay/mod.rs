//! Replay: a saved capture (pcap / pcapng) turned into a Trace.
//!
//! A capture is the wire's own record, so replay shows what really
//! happened, including what went wrong. The bytes go through the layers a
//! network stack would use, each one a module:
//!
//! ```text
//! file ─► input     what the first bytes say: gzip (undone on the fly),
//!                   a saved --json trace (read as it is), or a capture
//!      ─► capture   pcap / pcapng records, timestamps in ns
//!      ─► link      Ethernet, VLAN, SLL, SLL2, NULL, LOOP, RAW → the IP packet
//!      ─► segment   IPv4 / IPv6 + TCP header → ports, seq, flags, payload
//!      ─► tracker   one entry per live connection (endpoints, connection):
//!                   dials (dial), accepts, fails, closes (teardown)
//!           ├─► tcp      bytes back in order, holes noted
//!           │     └─► session  FTP found by content (recognition), even
//!           │                  joined mid-way; lines → commands, replies
//!           └─► linking  a SYN to an announced endpoint is a data connection
//!                        (so are its first bytes, if the SYN was missed);
//!                        its bytes are counted, never kept
//! ```
//!
//! A saved trace (JSON Lines, as `--json` writes it) is read back as it
//! was written: same sessions, same times.
//!
//! The file is read as a stream through a fixed buffer and nothing of a
//! data connection's payload is kept, so memory follows the number of live
//! connections, not the size of the file. A file that is cut short or
//! damaged still gives everything before the damage, plus a [`Warning`]
//! saying where.

mod capture;
mod endpoints;
mod input;
mod link;
mod linking;
mod segment;
mod session;
mod tcp;
mod tracker;
mod variant;

pub use capture::tsresol_units;

use crate::trace::{read_json_lines, JsonError, Trace};
use capture::{CaptureError, CaptureReader};
use input::{Content, Counted};
use link::Network;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use tracker::Tracker;

/// Something read from a capture that the reader should know about.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    /// Byte offset in the file, when the warning is about a place.
    pub offset: Option<u64>,
    pub message: String,
}

/// What a capture holds, as far as it could be read.
#[derive(Debug, Clone, Default)]
pub struct Replay {
    pub trace: Trace,
    pub warnings: Vec<Warning>,
    /// Packets read (0 for a saved trace).
    pub packets: u64,
    /// TCP connections seen in them.
    pub connections: u64,
    /// The file was a saved trace rather than a capture.
    pub saved_trace: bool,
}

impl Replay {
    /// When nothing FTP was found: what to say instead of a trace.
    pub fn nothing_found(&self) -> Option<String> {
        if !self.trace.is_empty() {
            None
        } else if self.saved_trace {
            Some("the saved trace holds no events".into())
        } else {
            Some(format!(
                "no FTP found in {} packets ({} TCP connections)",
                self.packets, self.connections
            ))
        }
    }
}

/// A capture that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The file cannot be opened (the message names it and says why).
    #[error("cannot open {path}: {reason}")]
    Open {
        path: PathBuf,
        reason: std::io::Error,
    },
    #[error(transparent)]
    Capture(#[from] CaptureError),
    #[error("unsupported link type {0}: replay reads Ethernet, NULL, LOOP, RAW, IPv4, IPv6, Linux SLL and SLL2, and NFLOG")]
    UnsupportedLinkType(String),
    /// A saved trace with a line that is not an event.
    #[error("not a valid saved trace: {0}")]
    Json(#[from] JsonError),
}

/// How far the reading has got, for a progress line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Bytes of the file read so far.
    pub done: u64,
    /// The file's size, when known.
    pub total: Option<u64>,
}

/// Reads a whole capture file.
pub fn read_file(path: &Path) -> Result<Replay, ReplayError> {
    read_file_with_progress(path, |_| {})
}

/// Reads a whole capture file, calling `progress` now and then (every few
/// megabytes).
pub fn read_file_with_progress(
    path: &Path,
    progress: impl FnMut(Progress),
) -> Result<Replay, ReplayError> {
    let open = |reason| ReplayError::Open {
        path: path.to_path_buf(),
        reason,
    };
    let file = File::open(path).map_err(open)?;
    let total = file.metadata().ok().map(|m| m.len());
    read(file, total, progress)
}

/// Reads a capture (or a saved trace, or either gzipped) from any byte
/// source; `total` is its size, for progress.
pub fn read(
    source: impl Read + Send + 'static,
    total: Option<u64>,
    progress: impl FnMut(Progress),
) -> Result<Replay, ReplayError> {
    let counted = Counted::new(source);
    let done = counted.read.clone();
    let input = input::open(counted).map_err(|_| CaptureError::Read)?;
    let mut replay = match input.content {
        Content::JsonLines(r) => Replay {
            trace: read_json_lines(BufReader::new(r))?,
            saved_trace: true,
            ..Replay::default()
        },
        Content::Capture(r) => {
            let mut progress = progress;
            let progress = |_| {
                progress(Progress {
                    done: done.load(Ordering::Relaxed),
                    total,
                })
            };
            read_capture(r, progress)?
        }
    };
    if input.gzipped {
        for w in &mut replay.warnings {
            if w.message.starts_with("read error") {
                w.message = "the gzip stream is damaged or cut short; stopped here".into();
            }
            if w.offset.is_some() {
                w.message.push_str(" (offsets count uncompressed bytes)");
            }
        }
    }
    Ok(replay)
}

/// Reads a capture, calling `progress` every few megabytes.
fn read_capture(
    source: impl Read + Send + 'static,
    mut progress: impl FnMut(u64),
) -> Result<Replay, ReplayError> {
    let mut reader = CaptureReader::new(source)?;
    let mut tracker = Tracker::new();
    let mut warnings = Vec::new();
    if let Some(v) = reader.variant() {
        warnings.push(Warning {
            offset: None,
            message: format!(
                "this file is {}, an older pcap variant with its own record headers: \
                 read as Wireshark reads it",
                v.name()
            ),
        });
    }
    let mut unsupported: Option<i32> = None;
    let mut supported_frames = 0u64;
    let mut packets = 0u64;
    let mut next_progress = 0u64;
    reader.for_each(
        |frame| {
            packets += 1;
            if frame.offset >= next_progress {
                next_progress = frame.offset + (8 << 20);
                progress(frame.offset);
            }
            if !link::is_supported(frame.linktype) {
                unsupported.get_or_insert(frame.linktype);
                // One link type for the whole file: no point reading on.
                return !frame.whole_file;
            }
            supported_frames += 1;
            let seg = match link::network(frame.linktype, frame.data) {
                Network::Ipv4(p) => segment::ipv4(p),
                Network::Ipv6(p) => segment::ipv6(p),
                Network::Other => None,
            };
            if let Some(seg) = seg {
                tracker.segment(frame.ts_ns, &seg);
            }
            true
        },
        &mut warnings,
    );
    if let Some(lt) = unsupported {
        if supported_frames == 0 {
            return Err(ReplayError::UnsupportedLinkType(link::name(lt)));
        }
        warnings.push(Warning {
            offset: None,
            message: format!(
                "packets with unsupported link type {} were skipped",
                link::name(lt)
            ),
        });
    }
    let connections = tracker.connections;
    let tracker::Ending {
        mut events,
        holes,
        joined,
        unproven,
    } = tracker.finish();
    warnings.extend(unproven.into_iter().map(|message| Warning {
        offset: None,
        message,
    }));
    events.sort_by(|a, b| a.t.total_cmp(&b.t));
    let numbers = renumber(&mut events);
    let mut joined: Vec<(u32, String)> = joined
        .into_iter()
        .filter_map(|(s, what)| Some((*numbers.get(&s)?, what)))
        .collect();
    joined.sort_unstable();
    warnings.extend(joined.into_iter().map(|(session, what)| Warning {
        offset: None,
        message: format!("session {session} {what}"),
    }));
    warnings.extend(holes.iter().filter_map(|&(session, conn, n)| {
        let session = numbers.get(&session)?;
        let what = match conn {
            0 => "control connection".to_string(),
            c => format!("data connection {c}"),
        };
        Some(Warning {
            offset: None,
            message: format!(
                "session {session}, {what}: {n} bytes were never captured (a hole, left empty)"
            ),
        })
    }));
    Ok(Replay {
        trace: Trace { events },
        warnings,
        packets,
        connections,
        saved_trace: false,
    })
}

/// Sessions numbered from 1 in order of their first event, times from the
/// first event (events are in time order). Returns the renumbering.
fn renumber(events: &mut [crate::trace::Event]) -> HashMap<u32, u32> {
    let t0 = events.first().map_or(0.0, |e| e.t);
    let mut order: HashMap<u32, u32> = HashMap::new();
    for e in events.iter_mut() {
        let next = order.len() as u32 + 1;
        e.session = *order.entry(e.session).or_insert(next);
        e.t -= t0;
    }
    order
}
