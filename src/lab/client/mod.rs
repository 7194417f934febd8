//! The lab client: a real FTP client that follows the lesson, one permitted
//! step at a time.
//!
//! It speaks through the same grammar as the server ([`crate::ftp`]), dials
//! through the same [`Network`] (so the middlebox judges its dials too), and
//! records what its sockets see with its [`Recorder`]. Every command crosses
//! the middlebox ([`Network::relay`]) before it is written, so the trace
//! shows what the server received. (Our server relays its replies the same
//! way; an outside server's replies are relayed here as they are read.)
//!
//! How its data connections happen is the lesson itself, and lives in
//! `data`: in active mode it listens and the *server* dials, in passive
//! mode it dials the address the server gave.
//!
//! When a data dial fails (a firewall ate it), the client gives up on that
//! transfer, as real clients do, and the lesson goes on.
//!
//! In FTPS (`lab --tls`) the client is the TLS client: it sends `AUTH TLS`,
//! and after the `234` starts the handshake on its control connection,
//! trusting exactly the lab server's certificate; after `PROT P` it starts
//! one on every data connection too, after the `150`, whoever dialled
//! (RFC 4217 §7). It holds the keys, so it records the lines as they were
//! said, each noted as having crossed inside TLS with the records it went
//! in ([`Sealed`]: sealed first, recorded, then written), and tells the
//! middlebox that it could not read them.

mod data;

use super::lesson::Step;
use super::{Lesson, Mode};
use crate::ftp::{Command, LineBuffer, Reply, ReplyParser, Verb};
use crate::middlebox::narration;
use crate::network::Network;
use crate::tap::{Recorder, Scope, Tap};
use crate::tls::{Connector, Holder, Records, Sealed, Wire, INSIDE_TLS};
use crate::trace::Side;
use data::Data;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

/// How long the client waits for a reply or a data connection.
const WAIT: Duration = Duration::from_secs(30);
/// The most bytes the client keeps from one download.
const KEEP: usize = 64 << 20;

/// Permission to act, from the viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    /// Take one step.
    Step,
    /// Run to the end.
    Free,
}

/// Why the lesson stopped early.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot reach the server: {0}")]
    Connect(String),
    #[error("control connection: {0}")]
    Io(#[from] io::Error),
    #[error("the server closed the control connection")]
    Closed,
    #[error("no reply within {} s", WAIT.as_secs())]
    Timeout,
    #[error("not an FTP reply: {0}")]
    Garbled(String),
    #[error("the server refused TLS: {0}")]
    TlsRefused(String),
    #[error("the TLS handshake on the control connection failed: {0}")]
    Handshake(io::Error),
}

/// Who the client is and what it does.
#[derive(Debug, Clone)]
pub struct Setup {
    pub mode: Mode,
    pub extended: bool,
    /// Dial the address a 227 names, whatever it is (see the client's `data` module).
    pub trust_pasv: bool,
    pub lesson: Lesson,
    pub server: SocketAddr,
    pub client_ip: IpAddr,
    pub scope: Scope,
    /// Explicit FTPS: the TLS client, trusting the lab server's certificate.
    pub tls: Option<Connector>,
    /// With `tls`: `CCC` after login (the control connection back to clear).
    pub ccc: bool,
}

struct Control {
    stream: Wire,
    rec: Recorder,
    lines: LineBuffer,
    replies: ReplyParser,
}

pub struct Client {
    setup: Setup,
    network: Network,
    tap: Tap,
    pace: mpsc::UnboundedReceiver<Pace>,
    free: bool,
    ctl: Option<Control>,
    data: Data,
    /// `PROT P` was accepted: every data connection inside TLS.
    private: bool,
}

impl Client {
    pub fn new(
        setup: Setup,
        network: Network,
        tap: Tap,
        pace: mpsc::UnboundedReceiver<Pace>,
    ) -> Client {
        Client {
            setup,
            network,
            tap,
            pace,
            free: false,
            ctl: None,
            data: Data::None,
            private: false,
        }
    }

    /// Runs the lesson to its end (or until the viewer goes away).
    pub async fn run(mut self) -> Result<(), ClientError> {
        let mut steps = match self.setup.lesson {
            Lesson::Transfer => super::lesson::transfer(),
            Lesson::Bounce => super::lesson::bounce(self.setup.client_ip),
        };
        if self.setup.tls.is_some() {
            steps = super::lesson::secured(steps, self.setup.ccc);
        }
        for step in steps {
            let skip = matches!((&step, &self.data), (Step::Transfer(..), Data::Failed));
            if skip {
                self.data = Data::None;
                continue;
            }
            if !self.permit().await {
                return Ok(());
            }
            self.take(step).await?;
        }
        Ok(())
    }

    async fn permit(&mut self) -> bool {
        if self.free {
            return true;
        }
        match self.pace.recv().await {
            Some(Pace::Step) => true,
            Some(Pace::Free) => {
                self.free = true;
                true
            }
            None => false,
        }
    }

    async fn take(&mut self, step: Step) -> Result<(), ClientError> {
        match step {
            Step::Connect => self.connect().await,
            Step::Secure => self.secure().await,
            Step::Clear => self.clear().await,
            Step::Say(command) => {
                let reply = self.say(&command).await?;
                if command.verb == Verb::Prot && reply.is_success() {
                    self.private = command.arg.trim().eq_ignore_ascii_case("P");
                }
                Ok(())
            }
            Step::Open => self.open().await,
            Step::Transfer(t, arg) => self.transfer(t, &arg).await,
            Step::Bounce(target) => {
                let command = data::announce(target, self.extended());
                let why = narration::bounce(target, self.setup.client_ip);
                self.send_noted(&command, Some(why)).await?;
                self.reply().await.map(drop)
            }
            Step::Quit => self.quit().await,
        }
    }

    fn ctl(&mut self) -> Result<&mut Control, ClientError> {
        self.ctl.as_mut().ok_or(ClientError::Closed)
    }

    async fn connect(&mut self) -> Result<(), ClientError> {
        let server = self.setup.server;
        let bound = self
            .network
            .bind(SocketAddr::new(self.setup.client_ip, 0), false)
            .map_err(|e| ClientError::Connect(e.to_string()))?;
        let rec = self
            .tap
            .dial_control(Side::Client, self.setup.scope, bound.src, server);
        let stream = self
            .network
            .dial(bound, server, &rec, 0, None)
            .await
            .map_err(|e| ClientError::Connect(e.note))?;
        self.ctl = Some(Control {
            stream: Wire::Clear(stream),
            rec,
            lines: LineBuffer::new(),
            replies: ReplyParser::new(),
        });
        self.reply().await.map(drop)
    }

    /// Sends one command (through the middlebox).
    async fn send(&mut self, command: &Command) -> Result<(), ClientError> {
        self.send_noted(command, None).await
    }

    /// Sends one command line with a remark of the lesson's own (joined to
    /// the middlebox's note, if any).
    async fn send_noted(
        &mut self,
        command: &Command,
        lesson: Option<String>,
    ) -> Result<(), ClientError> {
        let inside_tls = self.ctl()?.stream.is_tls();
        let relayed = self
            .network
            .relay(Side::Client, &command.to_string(), inside_tls);
        let mut notes: Vec<String> = lesson.into_iter().chain(relayed.note).collect();
        let ctl = self.ctl()?;
        let rec = &ctl.rec;
        let line = &relayed.line;
        // Recorded once sealed, before it leaves: the server cannot answer
        // a command not yet in the trace.
        let observed = |records: Option<Records>| {
            let by = Holder::Lab;
            notes.extend(records.map(|records| Sealed { records, by }.written()));
            let note = (!notes.is_empty()).then(|| notes.join("; "));
            rec.command(line, note);
        };
        let wire = Command::parse(line).map_or_else(|_| format!("{line}\r\n"), |c| c.to_wire());
        crate::tls::send(&mut ctl.stream, wire.as_bytes(), observed).await?;
        Ok(())
    }

    /// Reads one whole reply (each line through the middlebox).
    async fn reply(&mut self) -> Result<Reply, ClientError> {
        let network = self.network.clone();
        let scope = self.setup.scope;
        let ctl = self.ctl()?;
        let inside_tls = ctl.stream.is_tls();
        let mut notes: Vec<String> = Vec::new();
        let mut buf = vec![0u8; 4096];
        loop {
            while let Some(line) = ctl.lines.next_line() {
                let mut line = line.map_err(|e| ClientError::Garbled(e.to_string()))?;
                if scope == Scope::Alone {
                    // An outside server does not pass its replies through
                    // our middlebox: do it here, as they arrive.
                    let relayed = network.relay(Side::Server, &line, inside_tls);
                    notes.extend(relayed.note);
                    line = relayed.line;
                }
                let parsed = ctl.replies.push_line(&line);
                match parsed.map_err(|e| ClientError::Garbled(e.to_string()))? {
                    Some(reply) => {
                        notes.extend(inside_tls.then(|| INSIDE_TLS.to_string()));
                        let note = (!notes.is_empty()).then(|| notes.join("; "));
                        ctl.rec.reply(&reply, note);
                        return Ok(reply);
                    }
                    None => continue,
                }
            }
            let n = match tokio::time::timeout(WAIT, ctl.stream.read(&mut buf)).await {
                Err(_) => return Err(ClientError::Timeout),
                Ok(n) => n?,
            };
            if n == 0 {
                ctl.rec.close(0, Side::Server);
                self.ctl = None;
                return Err(ClientError::Closed);
            }
            ctl.lines.push(buf.get(..n).unwrap_or_default());
        }
    }

    /// `AUTH TLS`, then, after the `234`, the TLS handshake on the control
    /// connection. A server that refuses TLS ends the lesson: the lab was
    /// asked for FTPS and does not go on in clear.
    async fn secure(&mut self) -> Result<(), ClientError> {
        let reply = self.say(&Command::new(Verb::Auth, "TLS")).await?;
        if reply.code != 234 {
            return Err(ClientError::TlsRefused(reply.text()));
        }
        let Some(connector) = self.setup.tls.clone() else {
            return Ok(());
        };
        let ctl = self.ctl()?;
        let wire = ctl.stream.detach();
        let Wire::Clear(tcp) = wire else {
            // Already inside TLS: the lesson asks for it once.
            ctl.stream = wire;
            return Err(ClientError::TlsRefused("TLS was already on".into()));
        };
        let log = ctl.rec.log_end(0);
        match tokio::time::timeout(WAIT, connector.connect(tcp, log)).await {
            Ok(Ok(wire)) => {
                ctl.stream = wire;
                Ok(())
            }
            Ok(Err(e)) => Err(ClientError::Handshake(e)),
            Err(_) => Err(ClientError::Timeout),
        }
    }

    /// `CCC`, then, after its `200`, TLS closed on the control connection:
    /// our `close_notify`, the server's, and the same TCP connection goes
    /// on in clear text (RFC 4217 §5). A refusal leaves TLS as it was.
    async fn clear(&mut self) -> Result<(), ClientError> {
        let reply = self.say(&Command::new(Verb::Ccc, "")).await?;
        if !reply.is_success() {
            return Ok(());
        }
        let ctl = self.ctl()?;
        let wire = ctl.stream.detach();
        let Wire::TlsClient(mut tls) = wire else {
            ctl.stream = wire;
            return Ok(());
        };
        tls.get_mut().1.send_close_notify();
        let closed = async {
            tls.flush().await?;
            let mut buf = [0u8; 512];
            // Until the server's close_notify: nothing else comes first.
            while tls.read(&mut buf).await? > 0 {}
            io::Result::Ok(())
        };
        match tokio::time::timeout(WAIT, closed).await {
            Ok(Ok(())) => {
                ctl.stream = Wire::Clear(tls.into_inner().0.into_inner());
                Ok(())
            }
            Ok(Err(e)) => Err(ClientError::Io(e)),
            Err(_) => Err(ClientError::Timeout),
        }
    }

    async fn say(&mut self, command: &Command) -> Result<Reply, ClientError> {
        self.send(command).await?;
        self.reply().await
    }

    async fn quit(&mut self) -> Result<(), ClientError> {
        self.say(&Command::new(Verb::Quit, "")).await?;
        let Some(mut ctl) = self.ctl.take() else {
            return Ok(());
        };
        // RFC 959: the server closes after 221. Wait for its FIN.
        let mut buf = [0u8; 512];
        loop {
            match tokio::time::timeout(Duration::from_secs(2), ctl.stream.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => {
                    ctl.rec.close(0, Side::Server);
                    return Ok(());
                }
                Ok(Ok(_)) => continue,
                Err(_) => {
                    ctl.rec.close(0, Side::Client);
                    let _ = ctl.stream.shutdown().await;
                    return Ok(());
                }
            }
        }
    }
}
