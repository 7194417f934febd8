//! One FTP session: the server's half of a control connection.
//!
//! The session is a small state machine driven by command lines. It reads
//! bytes, cuts them into lines ([`LineBuffer`], which also throws away lines
//! longer than 4096 bytes), parses each line into a [`Command`] and answers
//! with exactly one reply — or, for a transfer, a `150` before and a `226`
//! after the data connection has done its work. While a transfer runs the
//! session still reads the control connection, for `ABOR` (`abort`);
//! other lines that come meanwhile wait in a queue.
//!
//! The states a client moves through:
//!
//! ```text
//! connected ──USER──► user given ──PASS ok──► logged in ──QUIT──► closed
//!                         └──PASS wrong──► connected (530)
//! ```
//!
//! Everything but login, `QUIT` and a few harmless queries answers `530`
//! before login. A verb we do not know answers `502`; a line that is no
//! command at all `500`; a command out of order `503`. The session never
//! trusts the wire: a `PORT` that names another host or a privileged port
//! is refused (`504`, RFC 2577 — the "FTP bounce" attack; see
//! `modes`).
//!
//! Nor does it wait on the wire for ever. A client must log in within
//! [`Ctx::login_timeout`] of connecting; after that, a session idle for
//! [`Ctx::idle`] is closed with `421`. Idle means no whole command line
//! *and* no transfer: a byte a minute with no line end keeps nothing
//! alive, while an hour-long download over slow Wi-Fi is not idle, and
//! the clock starts again when it ends. (A transfer that stops moving is
//! bounded by its own clock, [`Ctx::data_timeout`]; see `abort`.)
//! A reply the client does not read within [`Ctx::write_timeout`] ends the
//! session.

use super::data::Plan;
use super::entry::{FileError, Who};
use super::files::Files;
use super::listing::{Facts, Style};
use super::slots::Slot;
use super::urgent::{abor_text, read_control};
use super::verbs::{implements, refuses};
use super::Ctx;
use crate::ftp::{Command, LineBuffer, LineError, Reply, Verb};
use crate::tap::Recorder;
use crate::tls::{Protection, Records, Sealed, Wire};
use crate::trace::Side;
use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;

/// How long the goodbye of a stopping server may take to leave.
const GOODBYE_WAIT: Duration = Duration::from_millis(200);

/// Where a client is in logging in.
pub(super) enum Login {
    /// Nothing said yet (or a wrong password).
    Fresh,
    /// `USER` given; `PASS` expected.
    User(String),
    /// Logged in.
    In(Who),
}

/// A session's state.
pub struct Session {
    /// The control connection: in clear, inside TLS after `AUTH TLS`, in
    /// clear again after `CCC` ([`super::security`]).
    pub(super) ctl: Wire,
    /// Where the session stands with TLS (`AUTH`, `PBSZ`, `PROT`, `CCC`).
    pub(super) protection: Protection,
    pub(super) rec: Recorder,
    pub(super) ctx: Arc<Ctx>,
    pub(super) local: SocketAddr,
    pub(super) peer: SocketAddr,
    pub(super) login: Login,
    /// The current folder, a clean virtual path (bytes).
    pub(super) cwd: Vec<u8>,
    pub(super) ascii: bool,
    pub(super) plan: Plan,
    pub(super) rest: u64,
    pub(super) epsv_all: bool,
    /// The facts `MLST`/`MLSD` give (`OPTS MLST`).
    pub(super) facts: Facts,
    /// Control bytes cut into lines.
    pub(super) lines: LineBuffer,
    /// Lines that came during a transfer, answered after it.
    pub(super) queued: VecDeque<Result<Vec<u8>, LineError>>,
    /// The client closed the control connection (seen during a transfer).
    pub(super) control_gone: bool,
    /// Turns true (or its sender goes) when the server stops.
    pub(super) shutdown: watch::Receiver<bool>,
    /// The server stopped during a transfer: say 421 and hang up.
    pub(super) stopping: bool,
    /// The session said its last word (a 421): hang up.
    pub(super) hanging_up: bool,
    /// This session's place among the server's; given back as it ends.
    slot: Option<Slot>,
    connected: Instant,
    /// When the session was last busy: a whole command line came, or a
    /// transfer ended. A transfer under way is never idle.
    pub(super) last_busy: Instant,
}

/// What to do after a command.
enum Next {
    Go,
    Quit,
}

/// Why the session ended, for its `close`.
enum End {
    /// We hung up (QUIT, a timeout, a stop): the server closed.
    Ours,
    /// The client hung up, or its connection broke.
    Theirs,
}

/// However the session ends — even dropped midway, when the server stops
/// and a client keeps it waiting — the control connection's `close` is in
/// the trace (once: an earlier record wins).
impl Drop for Session {
    fn drop(&mut self) {
        self.rec.close(0, Side::Server);
    }
}

impl Session {
    pub fn new(
        ctl: TcpStream,
        rec: Recorder,
        ctx: Arc<Ctx>,
        (local, peer): (SocketAddr, SocketAddr),
        slot: Slot,
        shutdown: watch::Receiver<bool>,
    ) -> Session {
        let now = Instant::now();
        Session {
            ctl: Wire::Clear(ctl),
            protection: Protection::default(),
            rec,
            ctx,
            local,
            peer,
            login: Login::Fresh,
            cwd: b"/".to_vec(),
            ascii: false,
            plan: Plan::None,
            rest: 0,
            epsv_all: false,
            facts: Facts::default(),
            lines: LineBuffer::new(),
            queued: VecDeque::new(),
            control_gone: false,
            shutdown,
            stopping: false,
            hanging_up: false,
            slot: Some(slot),
            connected: now,
            last_busy: now,
        }
    }

    /// Serves the session until QUIT, end of stream, a timeout or
    /// shutdown, then records who closed the control connection.
    pub async fn run(mut self) {
        let end = match self.serve().await {
            Ok(end) => end,
            // A reply the client would not take in time: we give up on it.
            Err(e) if e.kind() == io::ErrorKind::TimedOut => End::Ours,
            // The connection broke under a write (reset, broken pipe).
            Err(_) => End::Theirs,
        };
        self.slot = None;
        let closer = match end {
            End::Ours => Side::Server,
            End::Theirs => Side::Client,
        };
        self.rec.close(0, closer);
        let _ = tokio::time::timeout(GOODBYE_WAIT, self.ctl.shutdown()).await;
    }

    async fn serve(&mut self) -> io::Result<End> {
        self.reply(220, "ftpviz server ready.").await?;
        let mut buf = vec![0u8; 4096];
        loop {
            loop {
                // The trace's reader is far behind: answer no more
                // commands until it catches up.
                tokio::select! {
                    _ = self.rec.room() => {}
                    _ = self.shutdown.changed() => return Ok(self.stop().await),
                }
                if self.control_gone {
                    return Ok(End::Theirs);
                }
                let Some(line) = self.next_line() else {
                    break;
                };
                let next = match line {
                    Ok(line) => self.handle(&line).await?,
                    Err(e) => {
                        self.reply(500, &format!("Command line too long: {e}."))
                            .await?;
                        Next::Go
                    }
                };
                if matches!(next, Next::Quit) || self.hanging_up {
                    return Ok(End::Ours);
                }
                if self.stopping {
                    return Ok(self.stop().await);
                }
            }
            if self.control_gone {
                return Ok(End::Theirs);
            }
            if *self.shutdown.borrow() {
                return Ok(self.stop().await);
            }
            let deadline = self.deadline();
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => {
                    let why = if matches!(self.login, Login::In(_)) {
                        "Timeout: no command for too long, closing control connection."
                    } else {
                        "Timeout: not logged in in time, closing control connection."
                    };
                    self.reply(421, why).await?;
                    return Ok(End::Ours);
                }
                read = read_control(&mut self.ctl, &mut buf) => match read {
                    Ok(0) | Err(_) => return Ok(End::Theirs),
                    Ok(n) => self.lines.push(buf.get(..n).unwrap_or_default()),
                },
                _ = self.shutdown.changed() => return Ok(self.stop().await),
                // A passive dial that comes before the transfer command.
                _ = self.plan.watch(&self.rec) => {}
            }
        }
    }

    /// When the session times out if no whole line comes.
    fn deadline(&self) -> Instant {
        let idle = self.last_busy + self.ctx.idle;
        match self.login {
            Login::In(_) => idle,
            _ => idle.min(self.connected + self.ctx.login_timeout),
        }
    }

    /// The server stops: 421 (if the client takes it at once), and the
    /// session hangs up.
    async fn stop(&mut self) -> End {
        let reply = Reply::new(421, "Server shutting down.");
        let _ = tokio::time::timeout(GOODBYE_WAIT, self.put(&reply, Vec::new())).await;
        End::Ours
    }

    /// The next line to answer: those queued during a transfer first.
    fn next_line(&mut self) -> Option<Result<Vec<u8>, LineError>> {
        let line = self.queued.pop_front().or_else(|| self.lines.next_raw());
        if line.is_some() {
            self.last_busy = Instant::now();
        }
        line
    }

    pub(super) async fn reply(&mut self, code: u16, message: &str) -> io::Result<()> {
        let mut reply = Reply::new(code, message);
        // Each line crosses the middlebox on its way out (the lab's NAT may
        // rewrite a 227); without one this changes nothing.
        let mut notes = Vec::new();
        let inside_tls = self.ctl.is_tls();
        for line in &mut reply.lines {
            let relayed = self.ctx.network.relay(Side::Server, line, inside_tls);
            notes.extend(relayed.note);
            *line = relayed.line;
        }
        match tokio::time::timeout(self.ctx.write_timeout, self.put(&reply, notes)).await {
            Ok(written) => written,
            Err(_) => Err(io::ErrorKind::TimedOut.into()),
        }
    }

    /// Records `reply` with `notes` and what it went in on the wire (inside
    /// TLS: its records, [`crate::tls::send`]), then writes it.
    async fn put(&mut self, reply: &Reply, mut notes: Vec<String>) -> io::Result<()> {
        let also = self.protected_150(reply.code);
        let by = self.holder();
        let rec = &self.rec;
        let observed = |records: Option<Records>| {
            notes.extend(records.map(|records| Sealed { records, by }.written()));
            notes.extend(also.map(String::from));
            let note = (!notes.is_empty()).then(|| notes.join("; "));
            rec.reply(reply, note);
        };
        crate::tls::send(&mut self.ctl, reply.to_wire().as_bytes(), observed).await
    }

    /// Who is logged in (anonymous before login: nothing is served then).
    pub(super) fn who(&self) -> Who {
        match self.login {
            Login::In(who) => who,
            _ => Who::Anonymous,
        }
    }

    /// File-system work for a command whose argument is `arg`: the path
    /// it means ([`Files::meant`]), and what `op` made of it — both on a
    /// blocking thread, so a slow disk (a `stat` of a file on NFS, a
    /// folder of 100 000 names) never stalls the other sessions.
    pub(super) async fn on_disk<X: Send + 'static>(
        &self,
        arg: &[u8],
        op: impl FnOnce(&Files, Who, &[u8]) -> Result<X, FileError> + Send + 'static,
    ) -> (Vec<u8>, Result<X, FileError>) {
        let (files, who) = (self.ctx.files.clone(), self.who());
        let (cwd, arg) = (self.cwd.clone(), arg.to_vec());
        let work = tokio::task::spawn_blocking(move || {
            let path = files.meant(&cwd, &arg, who);
            let done = op(&files, who, &path);
            (path, done)
        });
        match work.await {
            Ok(done) => done,
            Err(e) => (Vec::new(), Err(FileError::Io(e.to_string()))),
        }
    }

    async fn handle(&mut self, raw: &[u8]) -> io::Result<Next> {
        let text = String::from_utf8_lossy(raw);
        // An urgent ABOR arrives behind Telnet IAC bytes: skip them.
        let line = abor_text(&text).unwrap_or(&text);
        self.rec.command(line, self.inside_tls());
        let cmd = match Command::parse(line) {
            Ok(cmd) => cmd,
            Err(_) => {
                self.reply(500, "Syntax error, command unrecognized.")
                    .await?;
                return Ok(Next::Go);
            }
        };
        let arg = cmd.arg.as_str();
        // The argument as bytes: everything after the verb and its space
        // (a verb is ASCII letters, so it is the same length in both).
        let raw_arg = raw
            .get(cmd.verb.as_str().len() + 1..)
            .filter(|_| !arg.is_empty())
            .unwrap_or_default();
        let logged_in = matches!(self.login, Login::In(_));
        let verb = &cmd.verb;
        match verb {
            Verb::User => {
                self.login = Login::User(arg.to_string());
                self.reply(331, "Please specify the password.").await?;
            }
            Verb::Pass => self.pass(arg).await?,
            Verb::Quit => {
                // The slot is free before the goodbye leaves: a client
                // that reconnects at once finds it.
                self.slot = None;
                self.reply(221, "Goodbye.").await?;
                return Ok(Next::Quit);
            }
            verb if !implements(verb, self.ctx.tls.is_some()) => {
                self.reply(502, "Command not implemented.").await?
            }
            _ => {
                if let Some(done) = self.secure(verb, arg).await {
                    done?;
                } else if let Some(done) = self.about_server(verb, arg).await {
                    done?;
                } else if !logged_in {
                    self.reply(530, "Please login with USER and PASS.").await?;
                } else if let Some(done) = self.settings(verb, arg).await {
                    done?;
                } else {
                    self.logged_in(verb, arg, raw_arg).await?;
                }
            }
        }
        Ok(Next::Go)
    }

    /// The commands for a logged-in client that change its place or move
    /// files.
    async fn logged_in(&mut self, verb: &Verb, arg: &str, raw_arg: &[u8]) -> io::Result<()> {
        match verb {
            Verb::Pwd | Verb::Xpwd => {
                // RFC 959 Appendix II: a quote inside the name is doubled.
                let cwd = String::from_utf8_lossy(&self.cwd).replace('"', "\"\"");
                self.reply(257, &format!("\"{cwd}\" is the current directory"))
                    .await
            }
            Verb::Cwd | Verb::Xcwd => self.cwd(raw_arg).await,
            Verb::Cdup | Verb::Xcup => self.cwd(b"..").await,
            Verb::Port | Verb::Eprt => self.port(verb, arg).await,
            Verb::Pasv | Verb::Epsv => self.pasv(verb, arg).await,
            Verb::List => self.list(raw_arg, Style::List).await,
            Verb::Nlst => self.list(raw_arg, Style::Nlst).await,
            Verb::Mlsd => self.list(raw_arg, Style::Mlsd(self.facts)).await,
            Verb::Mlst => self.mlst(raw_arg).await,
            Verb::Retr => self.retr(raw_arg).await,
            Verb::Stor => self.stor(raw_arg).await,
            Verb::Dele => self.dele(raw_arg).await,
            v if refuses(v) => self.not_allowed(v.as_str()).await,
            Verb::Size | Verb::Mdtm => self.stat(verb, raw_arg).await,
            Verb::Rest => match arg.trim().parse::<u64>() {
                Ok(n) => {
                    self.rest = n;
                    self.reply(350, &format!("Restart position accepted ({n})."))
                        .await
                }
                Err(_) => self.reply(501, "REST needs a byte offset.").await,
            },
            Verb::Abor => {
                // Nothing runs (a running transfer hears ABOR itself):
                // one reply (226, RFC 959; see `abort`), and any unused
                // passive listener is closed.
                self.plan = Plan::None;
                self.reply(226, "No transfer running: ABOR successful.")
                    .await
            }
            _ => self.reply(502, "Command not implemented.").await,
        }
    }

    async fn pass(&mut self, password: &str) -> io::Result<()> {
        let user = match std::mem::replace(&mut self.login, Login::Fresh) {
            Login::User(user) => user,
            Login::In(who) => {
                self.login = Login::In(who);
                return self.reply(230, "Already logged in.").await;
            }
            Login::Fresh => return self.reply(503, "Login with USER first.").await,
        };
        let anonymous = user.eq_ignore_ascii_case("anonymous") || user.eq_ignore_ascii_case("ftp");
        if anonymous {
            self.login = Login::In(Who::Anonymous);
            self.reply(230, "Login successful.").await
        } else if user == "demo" && password == "demo" {
            self.login = Login::In(Who::Demo);
            self.reply(230, "Login successful.").await
        } else {
            self.reply(530, "Login incorrect.").await
        }
    }

    async fn cwd(&mut self, arg: &[u8]) -> io::Result<()> {
        let (path, found) = self
            .on_disk(arg, |files, who, path| files.stat(path, who))
            .await;
        match found {
            Ok(e) if e.is_dir() => {
                self.cwd = path;
                self.reply(250, "Directory successfully changed.").await
            }
            _ => self.reply(550, "Failed to change directory.").await,
        }
    }
}
