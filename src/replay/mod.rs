//! Replay: saved captures (pcap / pcapng) turned into a Trace.
//!
//! (Skeleton: the replay issue fills this in.)

use crate::trace::Trace;
use std::path::Path;

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
}

/// A capture that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("replay is not built yet")]
    NotBuilt,
}

/// Reads a whole capture file.
pub fn read_file(_path: &Path) -> Result<Replay, ReplayError> {
    Err(ReplayError::NotBuilt)
}
