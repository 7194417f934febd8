//! Kept bytes: the data a live source sent, kept beside its trace so that
//! `w` can save the run with its real bytes (see `save`).
//!
//! A trace counts the bytes of a data connection (`data` events) and never
//! holds them: the screens need no more. A capture for Wireshark needs the
//! bytes themselves, so a live source started *with payloads* hands each
//! `data` event's bytes over beside it ([`crate::tap::Payloads`]), and the
//! feed that forwards the source's events to the app copies them into the
//! channel with the event. The app keeps them here, by the index of their
//! event in the trace.
//!
//! What is kept is bounded: the first [`KEEP`] bytes of each source. The
//! lab's files are a few kilobytes, so a lab never comes near it; a busy
//! `serve` may. Past the bound a `data` event still arrives and is shown,
//! but its bytes are not kept, and a capture saved later writes zero bytes
//! in their place, the first packet of each stretch of zeros saying so in
//! its comment. The bound is kept
//! by the feed itself ([`Allowance`]), so neither the channel nor the app
//! ever holds more; the source is never held back.
//!
//! A run inside TLS crossed as TLS bytes, not as lines: its wire log
//! ([`crate::tap::wire_log`]: those bytes and the keys) is taken here as
//! its events arrive, so that `w` writes what crossed, as `--record` does
//! (the first [`KEEP`] bytes of it too).

use crate::capture_writer::now_micros;
use crate::tap::{Drained, WireLog};
use crate::trace::Event;
use std::collections::HashMap;

/// The data bytes kept of one live source, at most.
pub const KEEP: usize = 16 << 20;

/// What a feed may still copy of its source's bytes.
#[derive(Debug, Clone, Copy)]
pub struct Allowance {
    left: usize,
}

impl Default for Allowance {
    fn default() -> Allowance {
        Allowance { left: KEEP }
    }
}

impl Allowance {
    /// The part of `bytes` to keep: all of them while the allowance lasts,
    /// then the part that still fits, then nothing.
    pub fn admit(&mut self, bytes: &[u8]) -> Option<Vec<u8>> {
        let take = bytes.len().min(self.left);
        if take == 0 && !bytes.is_empty() {
            return None;
        }
        self.left -= take;
        bytes.get(..take).map(<[u8]>::to_vec)
    }
}

/// The bytes kept beside one trace, and when its clock started.
#[derive(Debug, Default, Clone)]
pub struct Kept {
    /// The payload of each `data` event kept, by its index in the trace.
    bytes: HashMap<usize, Vec<u8>>,
    /// Microseconds since 1970 of the trace's `t = 0`: the arrival of its
    /// first event, less that event's `t`.
    epoch: Option<f64>,
    /// The source's wire log, when it has one (started with payloads).
    log: Option<WireLog>,
    /// What it held: the TLS bytes and keys, as far as kept.
    wire: Drained,
    /// TLS bytes kept so far.
    wire_bytes: usize,
}

impl Kept {
    /// `event` is about to become event number `index` of the trace, with
    /// `payload` (its bytes, as far as they were kept).
    pub fn keep(&mut self, index: usize, event: &Event, payload: Option<Vec<u8>>) {
        self.epoch
            .get_or_insert_with(|| now_micros() - event.t * 1e6);
        if let Some(bytes) = payload {
            self.bytes.insert(index, bytes);
        }
        if let Some(log) = &self.log {
            let drained = log.drain();
            self.wire.keys.push_str(&drained.keys);
            for b in drained.bytes {
                self.wire_bytes += b.bytes.len();
                if self.wire_bytes <= KEEP {
                    self.wire.bytes.push(b);
                }
            }
        }
    }

    /// Kept with `log`: the source's TLS bytes and keys are taken from it
    /// as its events arrive.
    pub fn with_log(log: Option<WireLog>) -> Kept {
        Kept {
            log,
            ..Kept::default()
        }
    }

    /// The TLS bytes and keys kept, on the source's own clock and session
    /// numbers.
    pub fn wire(&self) -> &Drained {
        &self.wire
    }

    /// The bytes kept of event number `index`.
    pub fn get(&self, index: usize) -> Option<&[u8]> {
        self.bytes.get(&index).map(Vec::as_slice)
    }

    /// When the trace's clock started, in microseconds since 1970, if an
    /// event has arrived.
    pub fn epoch(&self) -> Option<f64> {
        self.epoch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allowance_keeps_the_first_bytes_then_a_part_then_nothing() {
        let mut a = Allowance { left: 5 };
        assert_eq!(a.admit(b"abc"), Some(b"abc".to_vec()));
        assert_eq!(a.admit(b"defg"), Some(b"de".to_vec()));
        assert_eq!(a.admit(b"h"), None);
        // An empty chunk is kept as empty, not as "not kept".
        assert_eq!(a.admit(b""), Some(Vec::new()));
    }
}
