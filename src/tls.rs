//! TLS for FTP: explicit FTPS (RFC 4217), as our server speaks it.
//!
//! Plain FTP sends everything in clear, the password too. *Explicit* FTPS
//! keeps FTP's port and its first words, then asks for TLS on the same
//! connection:
//!
//! ```text
//! 220 ftpviz server ready.            (clear text)
//! AUTH TLS                            (RFC 4217 §4: "secure this connection")
//! 234 Proceed with negotiation.       (§4.2: 234 = yes, handshake next)
//!        TLS handshake, on the control connection itself
//! USER demo / PASS demo               (inside TLS: a middlebox sees records)
//! PBSZ 0                              (§9: compulsory before PROT; 0 = a stream)
//! PROT P                              (§9: every data connection in TLS too)
//! PASV / 227 …   RETR x / 150 …       (the data connection is made as ever,
//!        TLS handshake on the data connection, then the file inside it)
//! ```
//!
//! Three things a student should notice:
//!
//! - **Who is the TLS server.** On every data connection the FTP server is
//!   the TLS server and the FTP client the TLS client, *whoever dialled*
//!   (RFC 4217 §7): in active mode the server dials, then waits for the
//!   client's ClientHello on the connection it opened.
//! - **The data connection is protected only after `PROT P`.** `AUTH TLS`
//!   alone protects the control connection; the data stays clear
//!   (`PROT C`, the initial state, §9) until the client asks.
//! - **`CCC` clears the control connection again** (RFC 4217 §5, RFC 2228
//!   §3): after `200` both sides close TLS (a `close_notify` each way) and
//!   go on in clear text on the same TCP connection, while the data stays
//!   as `PROT` said. It exists so that a firewall's or a NAT's FTP helper
//!   can read `PORT` and `227` again — after the password went by
//!   encrypted.
//!
//! A firewall's FTP helper reads `PORT`, `EPRT`, `227` and `229` to open
//! a pinhole for the data connection (and a NAT's helper rewrites the
//! address in them). Inside TLS it sees only records — a type and a length
//! — so it opens nothing and rewrites nothing. That is why FTPS breaks
//! where plain FTP got through.
//!
//! The certificate ([`Tls::self_signed`]) is made when the server starts,
//! in memory — nothing is written to disk — and signed by itself, so no
//! client can check it against an authority: a client is told to accept
//! it (`curl -k`), or compares its SHA-256 fingerprint
//! ([`Tls::fingerprint`], printed at start) with the one it was shown.
//!
//! A connection is a [`Wire`]: in clear, or inside TLS, read and written
//! the same way — on the server's side or, for the lab's own client
//! ([`Tls::connector`]), on the client's. A command or reply is sent with
//! [`send`], which says which records it went in before they leave
//! ([`records`]). When the run is recorded, TLS runs over a socket that
//! logs every byte it sends (`logged`), and the server's config logs the
//! keys: the capture holds what crossed, and opens it.

mod logged;
pub mod records;
pub use logged::Logged;
pub use records::{Holder, Record, RecordType, Records, Sealed, INSIDE_TLS};

use crate::tap::{LogEnd, WireLog};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;
use tokio_rustls::{TlsAcceptor, TlsConnector};

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("making the self-signed certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    #[error("setting up TLS: {0}")]
    Config(#[from] rustls::Error),
}

/// The names the certificate is made for: a client on this machine.
const NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// The server's TLS: its certificate and what accepts handshakes with it.
pub struct Tls {
    acceptor: TlsAcceptor,
    certificate: CertificateDer<'static>,
    fingerprint: String,
}

impl Tls {
    /// A fresh self-signed certificate for `NAMES` and a TLS server
    /// around it (TLS 1.2 and 1.3, rustls' `ring` provider). Nothing is
    /// written to disk.
    pub fn self_signed() -> Result<Tls, TlsError> {
        Tls::self_signed_logging(None)
    }

    /// [`Tls::self_signed`], its secrets logged into `keys` when given (a
    /// recorded run: the capture carries them, so Wireshark decrypts it).
    pub fn self_signed_logging(keys: Option<WireLog>) -> Result<Tls, TlsError> {
        let made = rcgen::generate_simple_self_signed(
            NAMES.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
        )?;
        let certificate = made.cert.der().clone();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(made.signing_key.serialize_der()));
        // Deprecated since rustls 0.23.48 only because ring has no
        // post-quantum key exchange (aws-lc-rs has, but needs cmake to
        // build); the classic groups are what FTP clients offer today.
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(vec![certificate.clone()], key)?;
        let mut config = config;
        if let Some(keys) = keys {
            config.key_log = Arc::new(keys);
        }
        Ok(Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            fingerprint: fingerprint(&certificate),
            certificate,
        })
    }

    /// The certificate's SHA-256 fingerprint, as browsers and `openssl
    /// x509 -fingerprint -sha256` show it: `AB:CD:…` (32 bytes).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The certificate (DER), for a client that trusts exactly it.
    pub fn certificate(&self) -> &CertificateDer<'static> {
        &self.certificate
    }

    /// The TLS handshake on `tcp`, as the TLS server; its bytes logged
    /// into `log` when the run is recorded.
    pub async fn accept(&self, tcp: TcpStream, log: Option<LogEnd>) -> io::Result<Wire> {
        let tls = self.acceptor.accept(Logged::new(tcp, log)).await?;
        Ok(Wire::Tls(Box::new(tls)))
    }

    /// A TLS client that trusts exactly this certificate and no authority
    /// (the lab's client: it knows its server's certificate, in memory).
    pub fn connector(&self) -> Result<Connector, TlsError> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.certificate.clone())?;
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Connector(TlsConnector::from(Arc::new(config))))
    }
}

/// The client's side of TLS: it starts the handshakes ([`Tls::connector`]).
#[derive(Clone)]
pub struct Connector(TlsConnector);

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Connector")
    }
}

impl Connector {
    /// The TLS handshake on `tcp`, as the TLS client, checking the
    /// certificate for the name `localhost` (one of [`NAMES`]).
    pub async fn connect(&self, tcp: TcpStream, log: Option<LogEnd>) -> io::Result<Wire> {
        let name = rustls::pki_types::ServerName::try_from("localhost")
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let tls = self.0.connect(name, Logged::new(tcp, log)).await?;
        Ok(Wire::TlsClient(Box::new(tls)))
    }
}

/// SHA-256 of `der`, in upper-case hex pairs joined by `:`.
fn fingerprint(der: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    let pairs: Vec<String> = digest.as_ref().iter().map(|b| format!("{b:02X}")).collect();
    pairs.join(":")
}

/// Whether an event's note says it crossed inside TLS (its recorder, our
/// server or the lab, read the plain text with the keys it holds) — with
/// its records ([`Sealed`]) or, for a line our server received, without.
pub fn noted_inside(note: Option<&str>) -> bool {
    note.is_some_and(|n| n.contains(INSIDE_TLS))
}

/// Where a session stands with TLS (RFC 2228's security state, as RFC 4217
/// uses it).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Protection {
    /// A handshake was done on the control connection (`AUTH TLS`).
    pub negotiated: bool,
    /// `PBSZ` was accepted (after the handshake).
    pub pbsz: bool,
    /// `PROT P`: every data connection inside TLS.
    pub private: bool,
    /// The control connection went back to clear text (`CCC`).
    pub cleared: bool,
}

/// One TCP connection, in clear or inside TLS.
pub enum Wire {
    /// Bytes as they are.
    Clear(TcpStream),
    /// Records: what is read and written here is the plain text inside.
    Tls(Box<TlsStream<Logged>>),
    /// The same, on the TLS client's side (the lab's client).
    TlsClient(Box<tokio_rustls::client::TlsStream<Logged>>),
    /// Taken away (for a handshake that failed): reads end, writes fail.
    Gone,
}

impl Wire {
    /// The TCP socket underneath, if there still is one.
    pub fn tcp(&self) -> Option<&TcpStream> {
        match self {
            Wire::Clear(tcp) => Some(tcp),
            Wire::Tls(tls) => Some(tls.get_ref().0.tcp()),
            Wire::TlsClient(tls) => Some(tls.get_ref().0.tcp()),
            Wire::Gone => None,
        }
    }

    /// Whether the bytes travel inside TLS.
    pub fn is_tls(&self) -> bool {
        matches!(self, Wire::Tls(_) | Wire::TlsClient(_))
    }

    /// The socket when the bytes go on it as they are: in clear. Inside
    /// TLS each byte is encrypted by us first (so `sendfile` cannot carry
    /// a file).
    pub fn clear_socket(&self) -> Option<&TcpStream> {
        match self {
            Wire::Clear(tcp) => Some(tcp),
            _ => None,
        }
    }

    /// Takes the wire away, leaving [`Wire::Gone`].
    pub fn detach(&mut self) -> Wire {
        std::mem::replace(self, Wire::Gone)
    }
}

/// Sends one line (a command or a reply) and pushes it out, telling
/// `observed` first what goes on the wire: `None` in clear; inside TLS the
/// records it was sealed into, read from the very bytes about to be
/// written. So the line's event is recorded before the peer can have it
/// (let alone answer it), and says what crossed, never what would have.
/// Our server and the lab's client both send their lines so.
pub async fn send(
    wire: &mut Wire,
    line: &[u8],
    observed: impl FnOnce(Option<Records>),
) -> io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let (tcp, sealed) = match wire {
        Wire::Tls(tls) => {
            let (tcp, conn) = tls.get_mut();
            let sealed = records::seal(conn, line)?;
            (tcp, sealed)
        }
        Wire::TlsClient(tls) => {
            let (tcp, conn) = tls.get_mut();
            let sealed = records::seal(conn, line)?;
            (tcp, sealed)
        }
        Wire::Clear(_) | Wire::Gone => {
            observed(None);
            wire.write_all(line).await?;
            return wire.flush().await;
        }
    };
    observed(Some(Records::of(&sealed)));
    tcp.write_all(&sealed).await?;
    tcp.flush().await
}

fn gone() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "connection taken away")
}

/// A peer that closes TCP without TLS's `close_notify`: taken as the end
/// of the stream, as a clear connection's FIN would be. Clients do this on
/// data connections (an upload's end is the close, RFC 959 §3.4.1).
fn ended(read: Poll<io::Result<()>>) -> Poll<io::Result<()>> {
    match read {
        Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::UnexpectedEof => Poll::Ready(Ok(())),
        other => other,
    }
}

impl AsyncRead for Wire {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Wire::Clear(tcp) => Pin::new(tcp).poll_read(cx, buf),
            Wire::Tls(tls) => ended(Pin::new(tls).poll_read(cx, buf)),
            Wire::TlsClient(tls) => ended(Pin::new(tls).poll_read(cx, buf)),
            Wire::Gone => Poll::Ready(Ok(())),
        }
    }
}

impl AsyncWrite for Wire {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Wire::Clear(tcp) => Pin::new(tcp).poll_write(cx, buf),
            Wire::Tls(tls) => Pin::new(tls).poll_write(cx, buf),
            Wire::TlsClient(tls) => Pin::new(tls).poll_write(cx, buf),
            Wire::Gone => Poll::Ready(Err(gone())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Wire::Clear(tcp) => Pin::new(tcp).poll_flush(cx),
            Wire::Tls(tls) => Pin::new(tls).poll_flush(cx),
            Wire::TlsClient(tls) => Pin::new(tls).poll_flush(cx),
            Wire::Gone => Poll::Ready(Ok(())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Wire::Clear(tcp) => Pin::new(tcp).poll_shutdown(cx),
            Wire::Tls(tls) => Pin::new(tls).poll_shutdown(cx),
            Wire::TlsClient(tls) => Pin::new(tls).poll_shutdown(cx),
            Wire::Gone => Poll::Ready(Ok(())),
        }
    }
}

/// A client and a server connection in memory, their handshake done
/// (for tests of what TLS puts on the wire).
#[cfg(test)]
pub(crate) fn pair(
    tls: &Tls,
) -> Result<(rustls::ClientConnection, rustls::ServerConnection), TlsError> {
    let Connector(connector) = tls.connector()?;
    let name = rustls::pki_types::ServerName::try_from("localhost")
        .map_err(|_| rustls::Error::General("name".into()))?;
    let mut client = rustls::ClientConnection::new(connector.config().clone(), name)?;
    let mut server = rustls::ServerConnection::new(tls.acceptor.config().clone())?;
    let io = |e: io::Error| rustls::Error::General(e.to_string());
    for _ in 0..10 {
        if !(client.is_handshaking() || server.is_handshaking() || client.wants_write()) {
            return Ok((client, server));
        }
        let mut wire = Vec::new();
        while client.wants_write() {
            client.write_tls(&mut wire).map_err(io)?;
        }
        server.read_tls(&mut wire.as_slice()).map_err(io)?;
        server.process_new_packets()?;
        let mut back = Vec::new();
        while server.wants_write() {
            server.write_tls(&mut back).map_err(io)?;
        }
        client.read_tls(&mut back.as_slice()).map_err(io)?;
        client.process_new_packets()?;
    }
    Err(rustls::Error::General("no end to the handshake".into()).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_certificate_is_made_in_memory_with_its_fingerprint() {
        let tls = Tls::self_signed().unwrap();
        let other = Tls::self_signed().unwrap();
        assert_eq!(tls.fingerprint().len(), 32 * 3 - 1);
        assert!(tls
            .fingerprint()
            .split(':')
            .all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit())));
        assert_eq!(tls.fingerprint(), fingerprint(tls.certificate()));
        assert_ne!(
            tls.fingerprint(),
            other.fingerprint(),
            "a new key each start"
        );
    }
}
