//! Transfers: the session commands that need a data connection (`LIST`,
//! `NLST`, `MLSD`, `RETR`, `STOR`) and the file queries beside them
//! (`SIZE`, `MDTM`).
//!
//! Every transfer has the same shape on the control connection, the one a
//! student learns to spot in any trace:
//!
//! ```text
//! RETR hello.txt
//!                  (the data connection is made: dialled or accepted)
//! 150 Opening BINARY mode data connection for hello.txt (80 bytes).
//!                  (bytes flow; the sender closes)
//! 226 Transfer complete.
//! ```
//!
//! A missing file is `550` before any connection is made; a data connection
//! that cannot be made is `425`; one lost midway is `426`; an upload past
//! the memory cap is `552`. A transfer stopped by `ABOR` ends with `426`
//! and `226` ([`super::abort`]); an aborted upload is not kept.

use super::abort::Outcome;
use super::data::DataError;
use super::files::{resolve, FileError, Source};
use super::listing::{self, Style};
use super::session::Session;
use crate::network::is_loopback;
use crate::server::data::Plan;
use crate::transfer;
use std::io;
use std::sync::Arc;
use tokio::net::TcpStream;

/// Clients send `LIST -la` or `LIST -a dir`: drop the options, keep the path.
fn list_path(arg: &str) -> &str {
    let mut rest = arg.trim();
    while rest.starts_with('-') {
        rest = rest.split_once(' ').map_or("", |(_, r)| r).trim_start();
    }
    rest
}

impl Session {
    /// Opens the planned data connection, or answers why not.
    pub(super) async fn data(&mut self) -> io::Result<Option<(TcpStream, u32)>> {
        let plan = std::mem::take(&mut self.plan);
        if let Plan::Active { target, .. } = &plan {
            if !is_loopback(target.ip()) {
                let msg = format!("Active mode to {target} refused: this server only dials loopback. Use passive mode.");
                self.reply(425, &msg).await?;
                return Ok(None);
            }
        }
        let opened = match plan {
            // The client should dial now. While the server waits, the
            // client may give up and send ABOR.
            Plan::Passive(mut waiting) => match self.listening(waiting.accepted()).await {
                Outcome::Done(opened) => opened,
                Outcome::Halted(halt) => {
                    let late = waiting.cancel().await;
                    self.halted(halt, late).await?;
                    return Ok(None);
                }
            },
            plan => plan.open(&self.ctx.network, &self.rec, self.local).await,
        };
        match opened {
            Ok(opened) => Ok(Some(opened)),
            Err(DataError::NoPlan) => {
                self.reply(
                    503,
                    "Bad sequence of commands: send PORT/EPRT or PASV/EPSV first.",
                )
                .await?;
                Ok(None)
            }
            Err(e) => {
                // The trace's `fail` event carries the long story.
                let why = match e {
                    DataError::Dial(f) => format!("the dial {}", f.reason.as_str()),
                    other => other.to_string(),
                };
                let msg = format!("Failed to establish connection ({why}).");
                self.reply(425, &msg).await?;
                Ok(None)
            }
        }
    }

    pub(super) async fn list(&mut self, arg: &str, style: Style) -> io::Result<()> {
        let path = resolve(&self.cwd, list_path(arg));
        let entries = match self.ctx.files.list(&path) {
            Ok(entries) => entries,
            Err(_) => return self.reply(550, "No such file or directory.").await,
        };
        let text = listing::render(&entries, style);
        let Some((mut stream, conn)) = self.data().await? else {
            return Ok(());
        };
        self.reply(150, "Here comes the directory listing.").await?;
        let listing = Source::Memory(Arc::new(text));
        let rec = self.rec.clone();
        let sending = transfer::send_and_close(&mut stream, &listing, 0, false, &rec, conn);
        match self.listening(sending).await {
            Outcome::Done(Ok(_)) => self.reply(226, "Directory send OK.").await,
            Outcome::Done(Err(_)) => {
                self.reply(426, "Connection closed; transfer aborted.")
                    .await
            }
            Outcome::Halted(halt) => self.halted(halt, Some((stream, conn))).await,
        }
    }

    pub(super) async fn retr(&mut self, arg: &str) -> io::Result<()> {
        let path = resolve(&self.cwd, arg);
        let offset = std::mem::take(&mut self.rest);
        let (source, size) = match self
            .ctx
            .files
            .open(&path)
            .and_then(|s| Ok((s, self.ctx.files.stat(&path)?.size)))
        {
            Ok(found) => found,
            Err(_) => return self.reply(550, "Failed to open file.").await,
        };
        let Some((mut stream, conn)) = self.data().await? else {
            return Ok(());
        };
        let mode = if self.ascii { "ASCII" } else { "BINARY" };
        let name = path.rsplit('/').next().unwrap_or_default();
        self.reply(
            150,
            &format!("Opening {mode} mode data connection for {name} ({size} bytes)."),
        )
        .await?;
        let rec = self.rec.clone();
        let sending =
            transfer::send_and_close(&mut stream, &source, offset, self.ascii, &rec, conn);
        match self.listening(sending).await {
            Outcome::Done(Ok(_)) => self.reply(226, "Transfer complete.").await,
            Outcome::Done(Err(_)) => {
                self.reply(426, "Connection closed; transfer aborted.")
                    .await
            }
            Outcome::Halted(halt) => self.halted(halt, Some((stream, conn))).await,
        }
    }

    pub(super) async fn stor(&mut self, arg: &str) -> io::Result<()> {
        let path = resolve(&self.cwd, arg);
        let offset = std::mem::take(&mut self.rest);
        if self.ctx.files.can_store(&path).is_err() {
            return self.reply(553, "Could not create file.").await;
        }
        let Some((mut stream, conn)) = self.data().await? else {
            return Ok(());
        };
        self.reply(150, "Ok to send data.").await?;
        let limit = self.ctx.files.room_for(&path);
        let rec = self.rec.clone();
        let receiving = transfer::receive_and_close(&mut stream, limit, self.ascii, &rec, conn);
        let got = match self.listening(receiving).await {
            Outcome::Done(Ok(got)) => got,
            Outcome::Done(Err(_)) => {
                return self
                    .reply(426, "Connection closed; transfer aborted.")
                    .await
            }
            Outcome::Halted(halt) => return self.halted(halt, Some((stream, conn))).await,
        };
        if got.overflow {
            let msg = format!(
                "Exceeded storage allocation: uploads are kept in memory, {} bytes at most.",
                self.ctx.files.cap
            );
            return self.reply(552, &msg).await;
        }
        let mut bytes = got.bytes;
        if offset > 0 {
            if let Ok(Source::Memory(old)) = self.ctx.files.open(&path) {
                let keep = usize::try_from(offset).unwrap_or(usize::MAX).min(old.len());
                let mut joined = old.get(..keep).unwrap_or_default().to_vec();
                joined.extend(bytes);
                bytes = joined;
            }
        }
        match self.ctx.files.store(&path, bytes) {
            Ok(()) => self.reply(226, "Transfer complete.").await,
            Err(FileError::Full { cap }) => {
                self.reply(552, &format!("Exceeded storage allocation ({cap} bytes)."))
                    .await
            }
            Err(_) => self.reply(553, "Could not create file.").await,
        }
    }

    pub(super) async fn stat(&mut self, verb: &str, arg: &str) -> io::Result<()> {
        let path = resolve(&self.cwd, arg);
        match self.ctx.files.stat(&path) {
            Ok(e) if !e.is_dir && verb == "SIZE" => self.reply(213, &e.size.to_string()).await,
            Ok(e) if !e.is_dir => self.reply(213, &listing::timeval(e.modified)).await,
            _ => self.reply(550, "Could not get file information.").await,
        }
    }
}
