//! One FTP session: the server's half of a control connection.
//!
//! The session is a small state machine driven by command lines. It reads
//! bytes, cuts them into lines ([`LineBuffer`], which also throws away lines
//! longer than 4096 bytes), parses each line into a [`Command`] and answers
//! with exactly one reply — or, for a transfer, a `150` before and a `226`
//! after the data connection has done its work. While a transfer runs the
//! session still reads the control connection, for `ABOR` ([`super::abort`]);
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
//! [`super::modes`]).

use super::abort::{abor_text, read_control};
use super::data::Plan;
use super::files::resolve;
use super::listing::Style;
use super::Ctx;
use crate::ftp::{Command, LineBuffer, LineError, Reply};
use crate::tap::Recorder;
use crate::trace::Side;
use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::watch;

/// Where a client is in logging in.
pub(super) enum Login {
    /// Nothing said yet (or a wrong password).
    Fresh,
    /// `USER` given; `PASS` expected.
    User(String),
    /// Logged in.
    In,
}

/// A session's state.
pub struct Session {
    pub(super) ctl: TcpStream,
    pub(super) rec: Recorder,
    pub(super) ctx: Arc<Ctx>,
    pub(super) local: SocketAddr,
    pub(super) peer: SocketAddr,
    pub(super) login: Login,
    pub(super) cwd: String,
    pub(super) ascii: bool,
    pub(super) plan: Plan,
    pub(super) rest: u64,
    pub(super) epsv_all: bool,
    /// Control bytes cut into lines.
    pub(super) lines: LineBuffer,
    /// Lines that came during a transfer, answered after it.
    pub(super) queued: VecDeque<Result<String, LineError>>,
    /// The client closed the control connection (seen during a transfer).
    pub(super) control_gone: bool,
    /// Turns true (or its sender goes) when the server stops.
    pub(super) shutdown: watch::Receiver<bool>,
    /// The server stopped during a transfer: say 421 and hang up.
    pub(super) stopping: bool,
}

/// What to do after a command.
enum Next {
    Go,
    Quit,
}

fn is_known_verb(verb: &str) -> bool {
    const VERBS: &[&str] = &[
        "USER", "PASS", "SYST", "FEAT", "OPTS", "PWD", "XPWD", "CWD", "CDUP", "TYPE", "MODE",
        "STRU", "PORT", "EPRT", "PASV", "EPSV", "LIST", "NLST", "MLSD", "RETR", "STOR", "SIZE",
        "MDTM", "REST", "ABOR", "NOOP", "HELP", "QUIT",
    ];
    VERBS.contains(&verb)
}

impl Session {
    pub fn new(
        ctl: TcpStream,
        rec: Recorder,
        ctx: Arc<Ctx>,
        local: SocketAddr,
        peer: SocketAddr,
        shutdown: watch::Receiver<bool>,
    ) -> Session {
        Session {
            ctl,
            rec,
            ctx,
            local,
            peer,
            login: Login::Fresh,
            cwd: "/".to_string(),
            ascii: false,
            plan: Plan::None,
            rest: 0,
            epsv_all: false,
            lines: LineBuffer::new(),
            queued: VecDeque::new(),
            control_gone: false,
            shutdown,
            stopping: false,
        }
    }

    /// Serves the session until QUIT, end of stream, idle timeout or
    /// shutdown.
    pub async fn run(mut self) -> io::Result<()> {
        self.reply(220, "ftpviz server ready.").await?;
        let mut buf = vec![0u8; 8192];
        loop {
            while let Some(line) = self.next_line() {
                let next = match line {
                    Ok(line) => self.handle(&line).await?,
                    Err(e) => {
                        self.reply(500, &format!("Command line too long: {e}."))
                            .await?;
                        Next::Go
                    }
                };
                if let Next::Quit = next {
                    self.rec.close(0, Side::Server);
                    let _ = self.ctl.shutdown().await;
                    return Ok(());
                }
                if self.stopping {
                    return self.stop().await;
                }
            }
            if self.control_gone {
                self.rec.close(0, Side::Client);
                return Ok(());
            }
            let idle = self.ctx.idle;
            tokio::select! {
                read = tokio::time::timeout(idle, read_control(&self.ctl, &mut buf)) => match read {
                    Err(_) => {
                        self.reply(421, "Timeout: closing control connection.").await?;
                        self.rec.close(0, Side::Server);
                        let _ = self.ctl.shutdown().await;
                        return Ok(());
                    }
                    Ok(Ok(0)) | Ok(Err(_)) => {
                        self.rec.close(0, Side::Client);
                        return Ok(());
                    }
                    Ok(Ok(n)) => self.lines.push(buf.get(..n).unwrap_or_default()),
                },
                _ = self.shutdown.changed() => return self.stop().await,
            }
        }
    }

    /// The server stops: 421, and the session hangs up.
    async fn stop(&mut self) -> io::Result<()> {
        let _ = self.reply(421, "Server shutting down.").await;
        self.rec.close(0, Side::Server);
        let _ = self.ctl.shutdown().await;
        Ok(())
    }

    /// The next line to answer: those queued during a transfer first.
    fn next_line(&mut self) -> Option<Result<String, LineError>> {
        self.queued.pop_front().or_else(|| self.lines.next_line())
    }

    pub(super) async fn reply(&mut self, code: u16, message: &str) -> io::Result<()> {
        let mut reply = Reply::new(code, message);
        // Each line crosses the middlebox on its way out (the lab's NAT may
        // rewrite a 227); without one this changes nothing.
        let mut notes = Vec::new();
        for line in &mut reply.lines {
            let relayed = self.ctx.network.relay(Side::Server, line);
            notes.extend(relayed.note);
            *line = relayed.line;
        }
        let note = (!notes.is_empty()).then(|| notes.join("; "));
        self.rec.reply(&reply, note);
        self.ctl.write_all(reply.to_wire().as_bytes()).await
    }

    async fn handle(&mut self, line: &str) -> io::Result<Next> {
        // An urgent ABOR arrives behind Telnet IAC bytes: skip them.
        let line = abor_text(line).unwrap_or(line);
        self.rec.command(line, None);
        let cmd = match Command::parse(line) {
            Ok(cmd) => cmd,
            Err(_) => {
                self.reply(500, "Syntax error, command unrecognized.")
                    .await?;
                return Ok(Next::Go);
            }
        };
        let arg = cmd.arg.as_str();
        let logged_in = matches!(self.login, Login::In);
        match cmd.verb.as_str() {
            "USER" => {
                self.login = Login::User(arg.to_string());
                self.reply(331, "Please specify the password.").await?;
            }
            "PASS" => self.pass(arg).await?,
            "QUIT" => {
                self.reply(221, "Goodbye.").await?;
                return Ok(Next::Quit);
            }
            "NOOP" => self.reply(200, "NOOP ok.").await?,
            "SYST" => self.reply(215, "UNIX Type: L8").await?,
            "FEAT" => {
                // RFC 2389: one feature a line, each indented by a space.
                let feat =
                    "Features:\n EPRT\n EPSV\n MDTM\n MLSD\n PASV\n REST STREAM\n SIZE\n UTF8\nEnd";
                self.reply(211, feat).await?;
            }
            "OPTS" if arg.eq_ignore_ascii_case("UTF8 ON") => {
                self.reply(200, "Always in UTF8 mode.").await?
            }
            "OPTS" => self.reply(501, "Option not understood.").await?,
            "HELP" => {
                let help = "The following commands are recognized:\nUSER PASS SYST FEAT OPTS PWD CWD CDUP TYPE MODE STRU\nPORT EPRT PASV EPSV LIST NLST MLSD RETR STOR SIZE\nMDTM REST ABOR NOOP HELP QUIT\nHelp OK.";
                self.reply(214, help).await?;
            }
            verb if !is_known_verb(verb) => self.reply(502, "Command not implemented.").await?,
            _ if !logged_in => self.reply(530, "Please login with USER and PASS.").await?,
            "PWD" | "XPWD" => {
                let msg = format!("\"{}\" is the current directory", self.cwd);
                self.reply(257, &msg).await?;
            }
            "CWD" => self.cwd(arg).await?,
            "CDUP" => self.cwd("..").await?,
            "TYPE" => match arg.to_ascii_uppercase().as_str() {
                "A" | "A N" => {
                    self.ascii = true;
                    self.reply(200, "Switching to ASCII mode.").await?;
                }
                "I" | "L 8" => {
                    self.ascii = false;
                    self.reply(200, "Switching to Binary mode.").await?;
                }
                _ => self.reply(504, "Unrecognised TYPE command.").await?,
            },
            "MODE" if arg.eq_ignore_ascii_case("S") => self.reply(200, "Mode set to S.").await?,
            "MODE" => {
                self.reply(504, "Bad MODE command: only S (stream).")
                    .await?
            }
            "STRU" if arg.eq_ignore_ascii_case("F") => {
                self.reply(200, "Structure set to F.").await?
            }
            "STRU" => self.reply(504, "Bad STRU command: only F (file).").await?,
            "PORT" | "EPRT" => self.port(&cmd.verb, arg).await?,
            "PASV" | "EPSV" => self.pasv(&cmd.verb, arg).await?,
            "LIST" => self.list(arg, Style::List).await?,
            "NLST" => self.list(arg, Style::Nlst).await?,
            "MLSD" => self.list(arg, Style::Mlsd).await?,
            "RETR" => self.retr(arg).await?,
            "STOR" => self.stor(arg).await?,
            "SIZE" | "MDTM" => self.stat(&cmd.verb, arg).await?,
            "REST" => match arg.trim().parse::<u64>() {
                Ok(n) => {
                    self.rest = n;
                    self.reply(350, &format!("Restart position accepted ({n})."))
                        .await?;
                }
                Err(_) => self.reply(501, "REST needs a byte offset.").await?,
            },
            "ABOR" => {
                // Nothing runs (a running transfer hears ABOR itself):
                // one reply (226, RFC 959; see `abort`), and any unused
                // passive listener is closed.
                self.plan = Plan::None;
                self.reply(226, "No transfer running: ABOR successful.")
                    .await?;
            }
            _ => self.reply(502, "Command not implemented.").await?,
        }
        Ok(Next::Go)
    }

    async fn pass(&mut self, password: &str) -> io::Result<()> {
        let user = match std::mem::replace(&mut self.login, Login::Fresh) {
            Login::User(user) => user,
            Login::In => {
                self.login = Login::In;
                return self.reply(230, "Already logged in.").await;
            }
            Login::Fresh => return self.reply(503, "Login with USER first.").await,
        };
        let anonymous = user.eq_ignore_ascii_case("anonymous") || user.eq_ignore_ascii_case("ftp");
        if anonymous || (user == "demo" && password == "demo") {
            self.login = Login::In;
            self.reply(230, "Login successful.").await
        } else {
            self.reply(530, "Login incorrect.").await
        }
    }

    async fn cwd(&mut self, arg: &str) -> io::Result<()> {
        let path = resolve(&self.cwd, arg);
        match self.ctx.files.stat(&path) {
            Ok(e) if e.is_dir => {
                self.cwd = path;
                self.reply(250, "Directory successfully changed.").await
            }
            _ => self.reply(550, "Failed to change directory.").await,
        }
    }
}
