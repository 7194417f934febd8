//! The payload: the bytes themselves, beside the counts, for a recording.
//!
//! A trace says *how many* bytes crossed a data connection (`data`
//! events), never *which* bytes: the screens need no more, and a 400 MiB
//! transfer stays a few lines. A capture that Wireshark opens needs the real
//! bytes, so when a run is recorded (`--record`), every [`Meter`] that
//! counts a `data` event also hands over a copy of the bytes it counted,
//! as one [`Chunk`] per `data` event, just before the event leaves. The
//! recording reads a `data` event, then [`Payloads::take`]s its chunk.
//!
//! Nothing is copied unless a source asked for it ([`Tap::carry_payload`]),
//! and what is copied is bounded: every byte in a chunk holds one permit of
//! a byte budget, taken *before* the socket moves it ([`Meter::room`]) and
//! given back when the recording drops the chunk. When the recording falls
//! behind (a slow disk), the transfer waits for it: backpressure, never a
//! growing buffer and never a lost byte.
//!
//! [`Meter`]: super::Meter
//! [`Meter::room`]: super::Meter::room

use super::Tap;
use crate::trace::{Event, Kind, Side};
use std::collections::VecDeque;
use std::ops::Deref;
use std::sync::Arc;
use tokio::sync::{mpsc, Semaphore};

/// Bytes copied for the recording and not yet written by it, at most.
pub const BUDGET: usize = 8 << 20;

/// The sending end: a meter's way to the recording.
#[derive(Clone)]
pub(super) struct Outlet {
    pub(super) tx: mpsc::UnboundedSender<Chunk>,
    pub(super) budget: Arc<Semaphore>,
}

/// Permits of the byte budget, given back when dropped.
#[derive(Default)]
pub(super) struct Credit {
    budget: Option<Arc<Semaphore>>,
    permits: usize,
}

impl Credit {
    pub(super) fn new(budget: &Arc<Semaphore>, permits: u32) -> Credit {
        Credit {
            budget: Some(budget.clone()),
            permits: permits as usize,
        }
    }

    pub(super) fn permits(&self) -> usize {
        self.permits
    }

    /// Adds `other`'s permits to these.
    pub(super) fn merge(&mut self, mut other: Credit) {
        if self.budget.is_none() {
            self.budget = other.budget.take();
        }
        self.permits += std::mem::take(&mut other.permits);
    }
}

impl Drop for Credit {
    fn drop(&mut self) {
        if let Some(budget) = &self.budget {
            budget.add_permits(self.permits);
        }
    }
}

/// The bytes of one `data` event.
pub struct Chunk {
    pub(super) session: u32,
    pub(super) conn: u32,
    pub(super) from: Side,
    pub(super) bytes: Vec<u8>,
    pub(super) _credit: Credit,
}

impl Deref for Chunk {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

/// The receiving end: the bytes of each `data` event, in the events' order.
pub struct Payloads {
    rx: mpsc::UnboundedReceiver<Chunk>,
    /// Chunks that arrived before their own event's turn (two transfers
    /// flushing at once): at most one per meter, each about to be asked for.
    early: VecDeque<Chunk>,
    wire_log: super::WireLog,
}

impl Payloads {
    /// The log of the bytes that crossed inside TLS, and their keys
    /// ([`super::wire_log`]); the TLS config of a recorded run logs its
    /// keys into it.
    pub fn wire_log(&self) -> &super::WireLog {
        &self.wire_log
    }

    /// The bytes of `event`, when it is a `data` event of the tap that made
    /// these payloads (its `session` as the tap numbered it). Every `data`
    /// event has its chunk: it was sent just before the event.
    pub async fn take(&mut self, event: &Event) -> Option<Chunk> {
        if !matches!(event.kind, Kind::Data { .. }) {
            return None;
        }
        let mine =
            |c: &Chunk| (c.session, c.conn, c.from) == (event.session, event.conn, event.from);
        if let Some(at) = self.early.iter().position(mine) {
            return self.early.remove(at);
        }
        while let Some(chunk) = self.rx.recv().await {
            if mine(&chunk) {
                return Some(chunk);
            }
            self.early.push_back(chunk);
        }
        None
    }
}

impl Tap {
    /// From now on, every `data` event's bytes also come out of the
    /// returned [`Payloads`], at most [`BUDGET`] bytes at a time, and every
    /// TLS connection's real bytes go into its [`Payloads::wire_log`]. Call
    /// it before the first connection opens.
    pub fn carry_payload(&self) -> Payloads {
        let (tx, rx) = mpsc::unbounded_channel();
        let budget = Arc::new(Semaphore::new(BUDGET));
        let wire_log = super::WireLog::default();
        let mut core = self.lock();
        core.payload = Some(Outlet { tx, budget });
        core.wire_log = Some(wire_log.clone());
        Payloads {
            rx,
            early: VecDeque::new(),
            wire_log,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tap::Scope;
    use crate::transfer::{send_and_close, Source};
    use tokio::io::AsyncReadExt;
    use tokio::net::{TcpListener, TcpStream};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_recording_that_falls_behind_holds_back_the_transfer_not_its_bytes() {
        let (tap, mut events) = Tap::new();
        let mut payloads = tap.carry_payload();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (client, accepted) = tokio::join!(TcpStream::connect(addr), listener.accept());
        let (mut client, (mut server, peer)) = (client.unwrap(), accepted.unwrap());
        let rec = tap.dial_control(Side::Server, Scope::Alone, addr, peer);
        let file: Vec<u8> = (0..3 * BUDGET).map(|i| (i % 251) as u8).collect();
        let source = Source::Memory(Arc::new(file.clone()));
        let sender =
            tokio::spawn(
                async move { send_and_close(&mut server, &source, 0, false, &rec, 1).await },
            );
        let reader = tokio::spawn(async move {
            let mut got = Vec::new();
            client.read_to_end(&mut got).await.map(|_| got)
        });

        // The recording holds every chunk until the budget is nearly spent:
        // the sender must then have handed over all it has and be waiting.
        let (mut held, mut held_bytes, mut recorded) = (Vec::new(), 0, Vec::new());
        let mut waited = 0;
        while let Some(e) = events.recv().await {
            if let Kind::Data { bytes } = e.kind {
                let chunk = payloads.take(&e).await.expect("its bytes");
                assert_eq!(chunk.len() as u64, bytes, "the chunk is the event's");
                held_bytes += chunk.len();
                held.push(chunk);
                assert!(held_bytes <= BUDGET, "{held_bytes} bytes held");
                if held_bytes > BUDGET - super::super::meter::STEP {
                    waited += 1;
                    held.drain(..)
                        .for_each(|c: Chunk| recorded.extend_from_slice(&c));
                    held_bytes = 0;
                }
            }
            if e.kind == Kind::Close {
                break;
            }
        }
        held.drain(..)
            .for_each(|c: Chunk| recorded.extend_from_slice(&c));
        assert!(waited >= 2, "the transfer outran the recording and waited");
        assert_eq!(sender.await.unwrap().unwrap(), file.len() as u64);
        assert!(
            reader.await.unwrap().unwrap() == file,
            "the peer got it all"
        );
        assert!(recorded == file, "the recording got every byte, in order");
    }
}
