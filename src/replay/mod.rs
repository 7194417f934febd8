//! Replay: a capture (pcap / pcapng, saved or arriving) turned into a Trace.
//!
//! A capture is the wire's own record, so replay shows what really
//! happened, including what went wrong. The bytes go through the layers a
//! network stack would use, each one a module:
//!
//! ```text
//! file, pipe or interface (wire: a packet socket, Linux)
//!      ─► reading   one or several sources (a rotated capture) into one
//!                   tracker; the trace sorted at the end, or given out
//!                   live as it becomes final (live)
//!      ─► input     what the first bytes say: gzip (undone on the fly),
//!                   a saved --json trace (read as it is), or a capture
//!      ─► pipeline  a reader thread does the `read`s, into buffers handed
//!                   over (not copied) to the thread that does the rest
//!      ─► capture   pcap / pcapng records, timestamps in ns (and the older
//!                   patched-libpcap formats: variant), as frames (frame)
//!      ─► link      Ethernet, VLAN, SLL, SLL2, NULL, LOOP, RAW → the IP packet
//!      ─► segment   IPv4 / IPv6 + TCP header → ports, seq, flags, payload
//!      ─► tracker   one entry per live connection (endpoints, connection):
//!                   dials (dial), accepts, fails, closes (teardown); what
//!                   it and its sessions find goes into one sink (sink)
//!           ├─► tcp      bytes back in order, holes noted
//!           │     └─► session  FTP found by content (recognition), even
//!           │                  joined mid-way; lines → commands, replies,
//!           │                  announcements (announcement: an endpoint
//!           │                  and the hosts of the session that named it);
//!           │                  after AUTH TLS, TLS records counted (records)
//!           │                  or, with keys, decrypted (decryption)
//!           └─► linking  a SYN to an announced endpoint is a data connection
//!                        (so are its first bytes, if the SYN was missed);
//!                        its bytes are counted, never kept
//! ```
//!
//! An FTPS capture that carries its TLS keys (a pcapng's decryption
//! secrets blocks), or is given them (`--keylog`, a key log file as
//! `SSLKEYLOGFILE` writes it), is read inside its TLS: see `decryption`.
//! Without keys, its TLS is only counted, as a middlebox would see it.
//!
//! A saved trace (JSON Lines, as `--json` writes it) is read back as it
//! was written: same sessions, same times. A capture read as it arrives
//! (`replay -`, `--follow`, `watch`) gives the trace the whole file gives.
//!
//! The file is read as a stream through a fixed buffer and nothing of a
//! data connection's payload is kept, so memory follows the number of live
//! connections, not the size of the file. A file that is cut short or
//! damaged still gives everything before the damage, plus a [`Warning`]
//! (warning) saying where and of what kind.

mod announcement;
mod capture;
mod decryption;
mod endpoints;
mod frame;
mod input;
mod link;
mod linking;
mod live;
mod pipeline;
mod reading;
mod records;
mod segment;
mod session;
mod sink;
mod tcp;
mod tracker;
mod variant;
mod warning;
#[cfg(target_os = "linux")]
pub mod wire;

pub use capture::tsresol_units;
pub use warning::{Warning, WarningKind};

use crate::trace::{JsonError, Trace};
use frame::CaptureError;
use reading::Reading;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

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
    /// Events given out as they became final by a live reading
    /// ([`read_live`]), which keeps none of them: its `trace` is empty.
    pub given: u64,
}

impl Replay {
    /// When nothing FTP was found: what to say instead of a trace.
    pub fn nothing_found(&self) -> Option<String> {
        if !self.trace.is_empty() || self.given > 0 {
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
    /// Several files were given and one is a saved trace.
    #[error("{}: a saved trace cannot be merged with captures; replay it alone", .0.display())]
    SavedTraceInMerge(PathBuf),
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
    read_keyed(source, total, progress, None)
}

/// A key log file's text (`SSLKEYLOGFILE`, Wireshark's `tls.keylog_file`).
pub fn read_key_log(path: &Path) -> Result<Vec<u8>, ReplayError> {
    std::fs::read(path).map_err(|reason| ReplayError::Open {
        path: path.to_path_buf(),
        reason,
    })
}

/// A reading that knows `keys` (key log text) from the start.
fn reading_with(keys: Option<&[u8]>) -> Reading {
    let mut reading = Reading::new(None);
    if let Some(text) = keys {
        reading.keys(text);
    }
    reading
}

/// [`read`], with the TLS keys of a key log (its text) known from the
/// start, besides those the capture carries.
pub fn read_keyed(
    source: impl Read + Send + 'static,
    total: Option<u64>,
    progress: impl FnMut(Progress),
    keys: Option<&[u8]>,
) -> Result<Replay, ReplayError> {
    let mut reading = reading_with(keys);
    match reading.source(source, total, progress, false)? {
        Some(saved) => Ok(saved),
        None => reading.end(),
    }
}

/// Reads several captures as one (a capture tool's rotated files): in the
/// order of their first packets, through one connection tracker, so a
/// session that spans two files is one session. A saved trace cannot be
/// merged this way. Warnings name the file they are about.
pub fn read_files(
    paths: &[PathBuf],
    progress: impl FnMut(Progress),
) -> Result<Replay, ReplayError> {
    read_files_keyed(paths, None, progress)
}

/// [`read_files`], with the TLS keys of a key log file (`--keylog`) known
/// from the start, besides those the captures carry.
pub fn read_files_keyed(
    paths: &[PathBuf],
    keylog: Option<&Path>,
    mut progress: impl FnMut(Progress),
) -> Result<Replay, ReplayError> {
    let keys = keylog.map(read_key_log).transpose()?;
    if let [one] = paths {
        let file = File::open(one).map_err(|reason| ReplayError::Open {
            path: one.to_path_buf(),
            reason,
        })?;
        let total = file.metadata().ok().map(|m| m.len());
        return read_keyed(file, total, progress, keys.as_deref());
    }
    let mut order = Vec::new();
    for path in paths {
        order.push((reading::first_packet(path)?, path));
    }
    order.sort_by_key(|(first, _)| first.map(|(start, _)| start));
    let mut reading = reading_with(keys.as_deref());
    let mut previous_end: Option<(u64, &PathBuf)> = None;
    let total: u64 = order
        .iter()
        .filter_map(|(f, _)| f.map(|(_, len)| len))
        .sum();
    let mut done_before = 0;
    for (first, path) in &order {
        let (start, len) = first.unwrap_or((0, 0));
        if let Some((end, prev)) = previous_end.filter(|(end, _)| start < *end) {
            reading.warn_all(
                WarningKind::Overlap,
                format!(
                    "{} begins before {} ends ({:.3} s of overlap): read one after the other, \
                 their packets are not interleaved",
                    path.display(),
                    prev.display(),
                    (end - start) as f64 / 1e9
                ),
            );
        }
        let file = File::open(path).map_err(|reason| ReplayError::Open {
            path: path.to_path_buf(),
            reason,
        })?;
        let at = reading.warnings_len();
        let base = done_before;
        let saved = reading.source(
            file,
            None,
            |p: Progress| {
                progress(Progress {
                    done: base + p.done,
                    total: Some(total),
                })
            },
            false,
        )?;
        if saved.is_some() {
            return Err(ReplayError::SavedTraceInMerge(path.to_path_buf()));
        }
        reading.name_warnings(at, path);
        done_before += len;
        previous_end = Some((reading.last_ns(), path));
    }
    reading.end()
}

/// Reads a capture as it arrives (a pipe, a growing file): every event is
/// given to `on_event` as soon as it is final (see the tracker's horizon),
/// numbered and timed as in the whole trace. The events are not kept: the
/// [`Replay`] returned at the end says how many were given and what the
/// reading warns of, with an empty trace. A saved trace is given out whole.
pub fn read_live(
    source: impl Read + Send + 'static,
    on_event: impl FnMut(&crate::trace::Event) + 'static,
) -> Result<Replay, ReplayError> {
    let mut reading = Reading::new(Some(Box::new(on_event)));
    match reading.source(source, None, |_| {}, true)? {
        Some(saved) => Ok(reading.give_saved(saved)),
        None => reading.end(),
    }
}
