//! A recording: a live run written to a capture as it happens, which never
//! stops the run.
//!
//! The capture is a by-product; the lesson is the point. So when the file
//! cannot be created, or the disk fills up, the recording stops writing and
//! keeps the reason, the run goes on to its end, and the reason is said
//! once ([`Recording::unsaid_failure`]) where the caller shows things: a
//! line on stderr, a line on the screen. At the end, [`Recording::finish`]
//! says whether the capture is whole.

use super::{CaptureError, CaptureWriter, Written};
use crate::narration::Between;
use crate::trace::Event;
use std::path::{Path, PathBuf};

/// A run being recorded to a file.
pub struct Recording {
    path: PathBuf,
    writer: Option<CaptureWriter>,
    /// Why writing stopped, until it is said.
    unsaid: Option<CaptureError>,
}

impl Recording {
    /// Starts recording to `path`. A file that cannot be created is the
    /// recording's first failure, not the run's.
    pub fn create(path: &Path) -> Recording {
        let mut recording = Recording {
            path: path.to_path_buf(),
            writer: None,
            unsaid: None,
        };
        match CaptureWriter::create(path) {
            Ok(writer) => recording.writer = Some(writer),
            Err(e) => recording.fail(e),
        }
        recording
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What stands between the peers of `session` (see
    /// [`CaptureWriter::between`]).
    pub fn between(&mut self, session: u32, between: Between) {
        if let Some(writer) = &mut self.writer {
            writer.between(session, between);
        }
    }

    /// Whose peers the sessions are (see [`CaptureWriter::peers`]).
    pub fn peers(&mut self, ours: crate::narration::Ours) {
        if let Some(writer) = &mut self.writer {
            writer.peers(ours);
        }
    }

    /// Writes one event (see [`CaptureWriter::event`]); after a failure,
    /// nothing.
    pub fn event(&mut self, event: &Event, payload: Option<&[u8]>) {
        let Some(writer) = &mut self.writer else {
            return;
        };
        if let Err(e) = writer.event(event, payload) {
            self.fail(e);
        }
    }

    /// What the run's wire log holds now (see [`CaptureWriter::wire`]):
    /// call it before each event.
    pub fn wire(&mut self, drained: crate::tap::Drained) {
        let Some(writer) = &mut self.writer else {
            return;
        };
        if let Err(e) = writer.wire(drained) {
            self.fail(e);
        }
    }

    /// The failure, in one line, the first time it is asked for after it
    /// happened; `None` when there is nothing new to say.
    pub fn unsaid_failure(&mut self) -> Option<String> {
        let e = self.unsaid.take()?;
        let path = self.path.display();
        Some(format!("--record {path}: {e}; the run goes on unrecorded"))
    }

    /// Closes the file: what it holds, or — when writing failed at any
    /// point — the failure's line if it was never said.
    pub fn finish(mut self) -> Result<Written, Option<String>> {
        // No writer left means writing failed.
        if let Some(writer) = self.writer.take() {
            match writer.finish() {
                Ok(written) => return Ok(written),
                Err(e) => self.fail(e),
            }
        }
        Err(self.unsaid_failure())
    }

    fn fail(&mut self, e: CaptureError) {
        self.writer = None;
        self.unsaid = Some(e);
    }
}
