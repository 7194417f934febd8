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

mod data;

use super::lesson::Step;
use super::{Lesson, Mode};
use crate::ftp::{Command, LineBuffer, Reply, ReplyParser, Verb};
use crate::middlebox::narration;
use crate::network::Network;
use crate::tap::{Recorder, Scope, Tap};
use crate::trace::Side;
use data::Data;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
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
}

struct Control {
    stream: TcpStream,
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
        }
    }

    /// Runs the lesson to its end (or until the viewer goes away).
    pub async fn run(mut self) -> Result<(), ClientError> {
        let steps = match self.setup.lesson {
            Lesson::Transfer => super::lesson::transfer(),
            Lesson::Bounce => super::lesson::bounce(self.setup.client_ip),
        };
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
            Step::Say(command) => self.say(&command).await.map(drop),
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
            stream,
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
        let relayed = self.network.relay(Side::Client, &command.to_string());
        let note = match (lesson, relayed.note) {
            (Some(a), Some(b)) => Some(format!("{a}; {b}")),
            (a, b) => a.or(b),
        };
        let ctl = self.ctl()?;
        ctl.rec.command(&relayed.line, note);
        let wire = Command::parse(&relayed.line)
            .map_or_else(|_| format!("{}\r\n", relayed.line), |c| c.to_wire());
        ctl.stream.write_all(wire.as_bytes()).await?;
        Ok(())
    }

    /// Reads one whole reply (each line through the middlebox).
    async fn reply(&mut self) -> Result<Reply, ClientError> {
        let network = self.network.clone();
        let scope = self.setup.scope;
        let ctl = self.ctl()?;
        let mut notes: Vec<String> = Vec::new();
        let mut buf = vec![0u8; 4096];
        loop {
            while let Some(line) = ctl.lines.next_line() {
                let mut line = line.map_err(|e| ClientError::Garbled(e.to_string()))?;
                if scope == Scope::Alone {
                    // An outside server does not pass its replies through
                    // our middlebox: do it here, as they arrive.
                    let relayed = network.relay(Side::Server, &line);
                    notes.extend(relayed.note);
                    line = relayed.line;
                }
                let parsed = ctl.replies.push_line(&line);
                match parsed.map_err(|e| ClientError::Garbled(e.to_string()))? {
                    Some(reply) => {
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
