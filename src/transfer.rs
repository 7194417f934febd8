//! A transfer: a file's bytes crossing one data connection, then the close
//! that says "that was all".
//!
//! In stream mode (`MODE S`, the only one anyone uses) a data connection
//! carries exactly one file and its end is the end of the file: the sender
//! closes the connection (RFC 959 §3.4.1). So the sender counts, closes,
//! and the receiver reads until end-of-stream.
//!
//! `TYPE I` (image) sends the bytes as they are. `TYPE A` (ASCII) sends text
//! in the network's line format, CRLF: a file stored with Unix LF line ends
//! grows by one byte per line on the wire, and shrinks back when received.
//! That is why the `data` byte counts of the same file differ between the
//! two types — and why a binary file sent as `TYPE A` comes out damaged.
//!
//! Both sides of the lab and the server of `serve` move bytes here: a file
//! goes out through [`send_and_close`] (a listing, made as it goes, through
//! [`send_pieces_and_close`]) and comes in through [`receive_and_close`]
//! (into memory) or [`receive_into_and_close`] (piece by piece into a
//! [`Put`]: an upload that may refuse more — the receiver then stops
//! reading at once — and whose disk writes may wait, done off the network
//! threads).
//! Each counts the bytes with a [`Meter`] (a few coalesced `data` events)
//! and records the `close` after the last count, so a trace never shows
//! bytes after the FIN. The meter also says how much may move at a time:
//! everything, unless the run is recorded and the recording must catch up
//! first.
//!
//! The buffers are small and few (a [`CHUNK`] or two per transfer), and a
//! file sent as it is goes from the page cache to the socket inside the
//! kernel (`sendfile`): two hundred transfers at once cost a few MiB. A
//! recorded run needs a copy of every byte, which `sendfile` never shows
//! us: then the file goes through our buffers like a `TYPE A` one. So does
//! a file sent inside TLS (`PROT P`, [`crate::tls`]): each byte is
//! encrypted by us first. Either way the meter counts the file's bytes —
//! inside TLS, not the records that carried them. The stream is any
//! [`Stream`]: a TCP socket, or a [`crate::tls::Wire`].

use crate::tap::{Meter, Recorder};
use std::fs::File;
use std::io;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// A data connection's stream: a TCP socket, or one inside TLS
/// ([`crate::tls::Wire`]). The file's bytes are written and read the same
/// way in both; only a clear socket may take them by `sendfile`.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {
    /// The socket itself when the bytes go on it as they are (so the
    /// kernel may copy a file into it); `None` when they must pass through
    /// our hands first (TLS encrypts them).
    fn socket(&self) -> Option<&TcpStream>;
}

impl Stream for TcpStream {
    fn socket(&self) -> Option<&TcpStream> {
        Some(self)
    }
}

impl Stream for crate::tls::Wire {
    fn socket(&self) -> Option<&TcpStream> {
        self.clear_socket()
    }
}

/// Where the bytes to send are: compiled in, in memory, or in a file
/// already open (and checked to be a regular file).
#[derive(Debug, Clone)]
pub enum Source {
    Static(&'static [u8]),
    Memory(Arc<Vec<u8>>),
    File(Arc<File>),
}

/// Bytes per read and write on the data path: large enough that a big file
/// moves in few system calls, small enough that two hundred transfers at
/// once fit in a few dozen MiB.
pub const CHUNK: usize = 256 * 1024;

/// LF → CRLF for `TYPE A` sending; `last` carries the previous chunk's last
/// byte so a CRLF split between chunks is not doubled.
pub fn to_crlf(bytes: &[u8], last: &mut u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 16);
    for &b in bytes {
        if b == b'\n' && *last != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        *last = b;
    }
    out
}

/// CRLF → LF for `TYPE A` receiving; `held` carries a CR that ended the
/// previous chunk until we know whether LF follows.
pub fn from_crlf(bytes: &[u8], held: &mut bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 1);
    for &b in bytes {
        if *held {
            *held = false;
            if b != b'\n' {
                out.push(b'\r');
            }
        }
        if b == b'\r' {
            *held = true;
        } else {
            out.push(b);
        }
    }
    out
}

async fn write_chunk(
    stream: &mut impl Stream,
    chunk: &[u8],
    ascii: bool,
    last: &mut u8,
    meter: &mut Meter,
) -> io::Result<()> {
    if ascii {
        let wire = to_crlf(chunk, last);
        write_counted(stream, &wire, meter).await
    } else {
        write_counted(stream, chunk, meter).await
    }
}

/// Writes all of `bytes`, counting each write as it lands. Not one
/// `write_all` then one count: a transfer can be cancelled at any await (an
/// `ABOR` drops it), and a cancelled `write_all` may already have put part
/// of its buffer on the wire. A single `write` either wrote `n` bytes or,
/// while pending, none — so the count is exact wherever the cancel falls.
async fn write_counted(
    stream: &mut impl Stream,
    bytes: &[u8],
    meter: &mut Meter,
) -> io::Result<()> {
    let mut rest = bytes;
    while !rest.is_empty() {
        let room = meter.room(rest.len()).await;
        let n = stream.write(rest.get(..room).unwrap_or(rest)).await?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        meter.add_bytes(rest.get(..n).unwrap_or_default());
        rest = rest.get(n..).unwrap_or_default();
    }
    Ok(())
}

/// Sends a file from `offset` (after `REST`). Returns the bytes put on the
/// wire.
async fn send(
    stream: &mut impl Stream,
    source: &Source,
    offset: u64,
    ascii: bool,
    meter: &mut Meter,
) -> io::Result<u64> {
    let mut last = 0u8;
    match source {
        Source::Static(bytes) => send_slice(stream, bytes, offset, ascii, &mut last, meter).await?,
        Source::Memory(bytes) => send_slice(stream, bytes, offset, ascii, &mut last, meter).await?,
        // sendfile moves the bytes inside the kernel, so the meter never
        // sees them: a recorded run takes the buffered path instead.
        #[cfg(target_os = "linux")]
        Source::File(file) if !ascii && !meter.carries_payload() => match stream.socket() {
            Some(socket) => send_file(socket, file, offset, meter).await?,
            None => send_disk(stream, file, offset, ascii, &mut last, meter).await?,
        },
        Source::File(file) => send_disk(stream, file, offset, ascii, &mut last, meter).await?,
    }
    meter.flush();
    Ok(meter.total())
}

async fn send_slice(
    stream: &mut impl Stream,
    bytes: &[u8],
    offset: u64,
    ascii: bool,
    last: &mut u8,
    meter: &mut Meter,
) -> io::Result<()> {
    let start = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(bytes.len());
    for chunk in bytes.get(start..).unwrap_or_default().chunks(CHUNK) {
        write_chunk(stream, chunk, ascii, last, meter).await?;
    }
    Ok(())
}

/// A file sent as it is (`TYPE I`) goes from the page cache to the socket
/// inside the kernel (`sendfile(2)`, as vsftpd does): no buffer of ours,
/// no copy. Each call moves what the socket has room for and says how
/// much, so the count stays exact if the transfer is cancelled. Only for a
/// meter that carries no payload ([`Meter::carries_payload`]): the bytes
/// never pass through our hands to be copied.
#[cfg(target_os = "linux")]
async fn send_file(
    stream: &TcpStream,
    file: &File,
    offset: u64,
    meter: &mut Meter,
) -> io::Result<()> {
    use tokio::io::Interest;
    let mut at = offset;
    loop {
        let room = meter.room(CHUNK).await;
        let n = stream
            .async_io(Interest::WRITABLE, || {
                rustix::fs::sendfile(stream, file, Some(&mut at), room).map_err(io::Error::from)
            })
            .await?;
        if n == 0 {
            return Ok(());
        }
        meter.add(n);
    }
}

/// How many chunks may be in flight between the disk reader and the socket.
const IN_FLIGHT: usize = 2;

/// A disk file that must be converted (`TYPE A`), or copied for a
/// recording, is read on a blocking
/// thread while the socket is written, so reading and sending overlap. The
/// chunk buffers go round in a loop (reader → writer → back), so a big file
/// costs no allocation per chunk.
async fn send_disk(
    stream: &mut impl Stream,
    file: &Arc<File>,
    offset: u64,
    ascii: bool,
    last: &mut u8,
    meter: &mut Meter,
) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    let (full_tx, mut full_rx) = tokio::sync::mpsc::channel::<io::Result<Vec<u8>>>(IN_FLIGHT);
    let (free_tx, mut free_rx) = tokio::sync::mpsc::channel::<Vec<u8>>(IN_FLIGHT);
    for _ in 0..IN_FLIGHT {
        let _ = free_tx.try_send(vec![0u8; CHUNK]);
    }
    let file = file.clone();
    let reader = tokio::task::spawn_blocking(move || {
        let mut at = offset;
        // Stops when the writer is gone (its end of `free` closes).
        while let Some(mut buf) = free_rx.blocking_recv() {
            buf.resize(CHUNK, 0);
            match file.read_at(&mut buf, at) {
                Ok(0) => return,
                Ok(n) => {
                    at += n as u64;
                    buf.truncate(n);
                    if full_tx.blocking_send(Ok(buf)).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    let _ = full_tx.blocking_send(Err(e));
                    return;
                }
            }
        }
    });
    while let Some(chunk) = full_rx.recv().await {
        let chunk = chunk?;
        write_chunk(stream, &chunk, ascii, last, meter).await?;
        let _ = free_tx.send(chunk).await;
    }
    drop(free_tx);
    drop(full_rx);
    let _ = reader.await;
    Ok(())
}

/// Sends a whole file on data connection `conn` and closes it: the bytes
/// are counted in `rec`'s name, and the sender's FIN (recorded as `close`,
/// after the last count) is the end of the file. The connection is closed
/// even when the send fails. Returns the bytes put on the wire. Dropped
/// midway (the server's `ABOR`), it has counted every byte sent so far and
/// records no `close`: the caller closes the connection.
pub async fn send_and_close(
    stream: &mut impl Stream,
    source: &Source,
    offset: u64,
    ascii: bool,
    rec: &Recorder,
    conn: u32,
) -> io::Result<u64> {
    let mut meter = Meter::new(rec.clone(), conn, rec.side());
    let sent = send(stream, source, offset, ascii, &mut meter).await;
    drop(meter);
    rec.close(conn, rec.side());
    let _ = stream.shutdown().await;
    sent
}

/// Sends pieces made as they go (a directory listing, a piece at a time,
/// made elsewhere: the channel closes after the last) and closes, as
/// [`send_and_close`] does.
pub async fn send_pieces_and_close(
    stream: &mut impl Stream,
    mut pieces: tokio::sync::mpsc::Receiver<Vec<u8>>,
    rec: &Recorder,
    conn: u32,
) -> io::Result<u64> {
    let mut meter = Meter::new(rec.clone(), conn, rec.side());
    let mut sent = Ok(());
    while let Some(piece) = pieces.recv().await {
        sent = write_counted(stream, &piece, &mut meter).await;
        if sent.is_err() {
            break;
        }
    }
    meter.flush();
    let total = meter.total();
    drop(meter);
    rec.close(conn, rec.side());
    let _ = stream.shutdown().await;
    sent.map(|()| total)
}

/// What a receive got.
#[derive(Debug, Default)]
pub struct Received {
    /// The file, as stored (after CRLF → LF in `TYPE A`).
    pub bytes: Vec<u8>,
    /// True when more than `limit` bytes came: the rest was read and thrown
    /// away.
    pub overflow: bool,
}

/// Why a receive stopped before the sender's end.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError<E> {
    #[error("{0}")]
    Io(#[from] io::Error),
    /// Where the bytes go said no (a cap): the rest was not read.
    #[error("refused")]
    Refused(E),
}

/// Receive buffer per connection.
const RECEIVE_BUF: usize = 128 * 1024;

/// Where received bytes go, a piece at a time: memory, or a file whose
/// writes may wait (done elsewhere, off the network threads).
pub trait Put {
    /// Why it takes no more (a cap).
    type Error;
    /// Takes one piece, as stored.
    fn put<'a>(
        &'a mut self,
        bytes: &'a [u8],
    ) -> impl std::future::Future<Output = Result<(), Self::Error>> + Send + 'a;
}

/// At most `limit` bytes kept in memory; past that, nothing (`overflow`).
struct Keep<'r> {
    got: &'r mut Received,
    limit: usize,
}

impl Put for Keep<'_> {
    type Error = std::convert::Infallible;

    async fn put(&mut self, bytes: &[u8]) -> Result<(), Self::Error> {
        let got = &mut *self.got;
        if !got.overflow {
            got.bytes.extend_from_slice(bytes);
            if got.bytes.len() > self.limit {
                got.overflow = true;
                got.bytes = Vec::new();
            }
        }
        Ok(())
    }
}

/// Reads until the sender closes, giving each piece (as stored: after
/// CRLF → LF in `TYPE A`) to `sink`, which may wait (a disk write done
/// elsewhere). Stops at once when `sink` refuses.
async fn receive<P: Put>(
    stream: &mut impl Stream,
    ascii: bool,
    meter: &mut Meter,
    sink: &mut P,
) -> Result<(), ReceiveError<P::Error>> {
    let mut buf = vec![0u8; RECEIVE_BUF];
    let mut held = false;
    loop {
        let room = meter.room(buf.len()).await.min(buf.len());
        let n = stream.read(&mut buf[..room]).await?;
        if n == 0 {
            break;
        }
        let wire = buf.get(..n).unwrap_or_default();
        meter.add_bytes(wire);
        if ascii {
            sink.put(&from_crlf(wire, &mut held))
                .await
                .map_err(ReceiveError::Refused)?;
        } else {
            sink.put(wire).await.map_err(ReceiveError::Refused)?;
        }
    }
    if held {
        sink.put(b"\r").await.map_err(ReceiveError::Refused)?;
    }
    meter.flush();
    Ok(())
}

/// Receives a whole file on data connection `conn` into `sink`, until the
/// sender closes: the bytes are counted in the sender's name, then its FIN
/// (or its reset) is recorded as `close`. When `sink` refuses (a cap), it
/// stops reading at once and records no `close`: the caller closes the
/// connection — the receiver is the one hanging up then. Dropped midway,
/// it records none either.
pub async fn receive_into_and_close<P: Put>(
    stream: &mut impl Stream,
    ascii: bool,
    rec: &Recorder,
    conn: u32,
    sink: &mut P,
) -> Result<u64, ReceiveError<P::Error>> {
    let sender = rec.side().peer();
    let mut meter = Meter::new(rec.clone(), conn, sender);
    let got = receive(stream, ascii, &mut meter, sink).await;
    let total = meter.total();
    drop(meter);
    if !matches!(got, Err(ReceiveError::Refused(_))) {
        rec.close(conn, sender);
    }
    got.map(|()| total)
}

/// Receives a whole file into memory on data connection `conn`, until the
/// sender closes, as [`receive_into_and_close`]. At most `limit` bytes are
/// kept; the rest are still read (and counted) so the sender is not left
/// hanging.
pub async fn receive_and_close(
    stream: &mut impl Stream,
    limit: usize,
    ascii: bool,
    rec: &Recorder,
    conn: u32,
) -> io::Result<Received> {
    let mut got = Received::default();
    let mut keep = Keep {
        got: &mut got,
        limit,
    };
    match receive_into_and_close(stream, ascii, rec, conn, &mut keep).await {
        Ok(_) => Ok(got),
        Err(ReceiveError::Io(e)) => Err(e),
        Err(ReceiveError::Refused(never)) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ascii_adds_one_cr_per_line() {
        let mut last = 0;
        assert_eq!(to_crlf(b"a\nb\r\nc\n", &mut last), b"a\r\nb\r\nc\r\n");
        let mut held = false;
        assert_eq!(from_crlf(b"a\r\nb\rc\r", &mut held), b"a\nb\rc");
        assert!(held);
    }

    proptest! {
        #[test]
        fn crlf_round_trip_survives_any_split(text in "[a-z\n]{0,64}", cut in 0usize..80) {
            let bytes = text.as_bytes();
            let cut = cut.min(bytes.len());
            let mut last = 0;
            let mut wire = to_crlf(&bytes[..cut], &mut last);
            wire.extend(to_crlf(&bytes[cut..], &mut last));
            let wcut = cut.min(wire.len());
            let mut held = false;
            let mut back = from_crlf(&wire[..wcut], &mut held);
            back.extend(from_crlf(&wire[wcut..], &mut held));
            prop_assert!(!held);
            prop_assert_eq!(back, bytes.to_vec());
        }
    }
}
