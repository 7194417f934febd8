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
//! A missing file (or one that is not a regular file) is `550` before any
//! connection is made, and so is an upload by someone who may not upload;
//! a data connection that cannot be made is `425`; one lost midway is
//! `426`; an upload past a cap is `552`, the moment it passes it. A
//! transfer stopped by `ABOR` ends with `426` and `226`
//! ([`super::abort`]); an aborted upload is not kept. `DELE` removes an
//! upload (`250`); served files stay (`550`).

use super::abort::Outcome;
use super::data::{DataConn, DataError};
use super::entry::{name_of, names_a_folder, parent_of, resolve, FileError, Who};
use super::files::{Files, Listing};
use super::glob;
use super::listing::{self, Style};
use super::session::Session;
use super::uploads::UploadWriter;
use crate::server::data::Plan;
use crate::tap::Progress;
use crate::transfer::{self, ReceiveError};
use std::io;
use tokio::io::AsyncWriteExt;

/// Clients send `LIST -la` or `LIST -a dir`: drop the options, keep the path.
fn list_path(arg: &[u8]) -> &[u8] {
    let mut rest = arg.trim_ascii();
    while rest.starts_with(b"-") {
        rest = match rest.iter().position(|&b| b == b' ') {
            Some(i) => rest.get(i..).unwrap_or_default().trim_ascii_start(),
            None => b"",
        };
    }
    rest
}

/// What a listing command names (`arg` as the client wrote it, `path` the
/// path it means): a folder, a file, or — when its last name is a
/// wildcard pattern and no such name exists — the names in its folder
/// that match ([`super::glob`]; none is `NotFound`).
fn listing(
    files: &Files,
    who: Who,
    path: &[u8],
    arg: &[u8],
    style: Style,
) -> Result<Listing, FileError> {
    let name = name_of(arg);
    if glob::is_pattern(name) && files.stat(path, who).is_err() {
        let folder = arg.get(..arg.len() - name.len()).unwrap_or_default();
        let found = files.list(parent_of(path), who)?.matching(name);
        // The stock `ftp` client's `mget docs/*.txt` fetches each name
        // NLST gives: they must lead back to the files, folder and all.
        return match (found.is_empty(), style) {
            (true, _) => Err(FileError::NotFound),
            (false, Style::Nlst) => Ok(found.with_prefix(folder)),
            (false, _) => Ok(found),
        };
    }
    let me = files.stat(path, who)?;
    match style {
        // RFC 3659 §7.2.1: MLSD of a file is 501 (see `list`).
        Style::Mlsd(_) if !me.is_dir() => Err(FileError::NotADirectory),
        _ if names_a_folder(arg) && !me.is_dir() => Err(FileError::NotADirectory),
        _ => files.list(path, who),
    }
}

/// The 550 for a file that cannot be sent or listed.
fn refusal(e: &FileError) -> String {
    match e {
        FileError::NotFound | FileError::NotADirectory => "Failed to open file.".to_string(),
        other => format!("Failed to open file: {other}."),
    }
}

impl Session {
    /// Opens the planned data connection, or answers why not.
    pub(super) async fn data(&mut self) -> io::Result<Option<DataConn>> {
        let plan = std::mem::take(&mut self.plan);
        if let Plan::Active { target, .. } = &plan {
            if !self.ctx.network.may_reach(*target, self.peer.ip()) {
                let msg = format!("Active mode to {target} refused: this server only dials loopback (serve --classroom lets it dial its clients back). Use passive mode.");
                self.reply(425, &msg).await?;
                return Ok(None);
            }
        }
        let opened = match plan {
            // The client should dial now. While the server waits, the
            // client may give up and send ABOR (the listener then closes).
            Plan::Passive(waiting) => {
                let rec = self.rec.clone();
                match self.listening(waiting.accepted(&rec), None).await {
                    Outcome::Done(opened) => opened,
                    Outcome::Halted(halt) => {
                        self.halted(halt, None).await?;
                        return Ok(None);
                    }
                }
            }
            plan => {
                let peer = self.peer.ip();
                plan.open(&self.ctx.network, &self.rec, self.local, peer)
                    .await
            }
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

    /// Ends a transfer command whose file cannot be used: the data
    /// connection planned for it is not needed (a passive dial already in
    /// is closed, and recorded so), and the client hears why.
    async fn refuse(&mut self, code: u16, msg: &str) -> io::Result<()> {
        self.plan = Plan::None;
        self.reply(code, msg).await
    }

    pub(super) async fn list(&mut self, arg: &[u8], style: Style) -> io::Result<()> {
        let arg = list_path(arg).to_vec();
        let asked = arg.clone();
        let (_, found) = self
            .on_disk(&arg, move |files, who, path| {
                listing(files, who, path, &asked, style)
            })
            .await;
        let entries = match found {
            Ok(entries) => entries,
            Err(FileError::NotADirectory) if matches!(style, Style::Mlsd(_)) => {
                return self
                    .refuse(501, "MLSD lists a folder: use MLST for a file.")
                    .await
            }
            Err(_) => return self.refuse(550, "No such file or directory.").await,
        };
        let Some(data) = self.data().await? else {
            return Ok(());
        };
        self.reply(150, "Here comes the directory listing.").await?;
        let Some(mut data) = self.protect(data).await? else {
            return Ok(());
        };
        let progress = Progress::new();
        let rec = self.rec.watched(&progress);
        // Each entry is a `stat`: the lines are made on a blocking thread,
        // a few pieces ahead of the socket (it stops when they are no
        // longer wanted).
        let (tx, pieces) = tokio::sync::mpsc::channel(2);
        tokio::task::spawn_blocking(move || {
            for piece in listing::pieces(entries, style) {
                if tx.blocking_send(piece).is_err() {
                    return;
                }
            }
        });
        let sending = transfer::send_pieces_and_close(&mut data.stream, pieces, &rec, data.conn);
        match self.listening(sending, Some(&progress)).await {
            Outcome::Done(Ok(_)) => self.reply(226, "Directory send OK.").await,
            Outcome::Done(Err(_)) => {
                self.reply(426, "Connection closed; transfer aborted.")
                    .await
            }
            Outcome::Halted(halt) => self.halted(halt, Some(data)).await,
        }
    }

    pub(super) async fn retr(&mut self, arg: &[u8]) -> io::Result<()> {
        if names_a_folder(arg) {
            return self.refuse(550, "Failed to open file.").await;
        }
        let offset = std::mem::take(&mut self.rest);
        if self.refused_ascii_restart(offset).await? {
            return Ok(());
        }
        let (path, opened) = self
            .on_disk(arg, |files, who, path| files.open(path, who))
            .await;
        let (source, size) = match opened {
            Ok(found) => found,
            Err(e) => return self.refuse(550, &refusal(&e)).await,
        };
        if offset > size {
            let e = FileError::PastTheEnd { offset, size };
            return self.refuse(554, &restart_refusal(&e)).await;
        }
        let Some(data) = self.data().await? else {
            return Ok(());
        };
        let mode = if self.ascii { "ASCII" } else { "BINARY" };
        let name = String::from_utf8_lossy(name_of(&path)).into_owned();
        self.reply(
            150,
            &format!("Opening {mode} mode data connection for {name} ({size} bytes)."),
        )
        .await?;
        let Some(mut data) = self.protect(data).await? else {
            return Ok(());
        };
        let progress = Progress::new();
        let rec = self.rec.watched(&progress);
        let sending = transfer::send_and_close(
            &mut data.stream,
            &source,
            offset,
            self.ascii,
            &rec,
            data.conn,
        );
        match self.listening(sending, Some(&progress)).await {
            Outcome::Done(Ok(_)) => self.reply(226, "Transfer complete.").await,
            Outcome::Done(Err(_)) => {
                self.reply(426, "Connection closed; transfer aborted.")
                    .await
            }
            Outcome::Halted(halt) => self.halted(halt, Some(data)).await,
        }
    }

    pub(super) async fn stor(&mut self, arg: &[u8]) -> io::Result<()> {
        if names_a_folder(arg) {
            return self
                .refuse(553, "Could not create file: that names a folder.")
                .await;
        }
        let offset = std::mem::take(&mut self.rest);
        if self.refused_ascii_restart(offset).await? {
            return Ok(());
        }
        let Some(mut upload) = self.start_upload(arg, offset).await? else {
            return Ok(());
        };
        let Some(data) = self.data().await? else {
            return Ok(());
        };
        self.reply(150, "Ok to send data.").await?;
        let Some(mut data) = self.protect(data).await? else {
            return Ok(());
        };
        let progress = Progress::new();
        let rec = self.rec.watched(&progress);
        let receiving = transfer::receive_into_and_close(
            &mut data.stream,
            self.ascii,
            &rec,
            data.conn,
            &mut upload,
        );
        match self.listening(receiving, Some(&progress)).await {
            Outcome::Done(Ok(_)) => {}
            Outcome::Done(Err(ReceiveError::Refused(e))) => {
                // Past a cap: stop reading now, hang up on the rest.
                drop(data);
                let (code, msg) = over_cap(e);
                return self.reply(code, &msg).await;
            }
            Outcome::Done(Err(ReceiveError::Io(_))) => {
                return self
                    .reply(426, "Connection closed; transfer aborted.")
                    .await
            }
            Outcome::Halted(halt) => return self.halted(halt, Some(data)).await,
        }
        // Our end closes too: inside TLS that is our `close_notify`,
        // which clients that close TLS properly (Python's `unwrap`) wait
        // for; in clear a FIN, as dropping would send.
        let _ = tokio::time::timeout(self.ctx.write_timeout, data.stream.shutdown()).await;
        drop(data);
        // A client killed mid-upload closes both connections at once, and
        // the data connection's end may be read first: an upload whose
        // client is gone (with no command left unread) is not kept.
        if self.abandoned() {
            self.control_gone = true;
            return Ok(());
        }
        match upload.commit() {
            Ok(_) => self.reply(226, "Transfer complete.").await,
            Err(e) => {
                self.reply(451, &format!("Local error in processing: {e}."))
                    .await
            }
        }
    }

    /// Starts an upload to `arg` (the name as written: an upload's name is
    /// never unescaped), keeping `offset` bytes of an earlier one; on a
    /// blocking thread, as creating the file and copying what a `REST`
    /// keeps touch the disk. `None` when refused (and answered).
    async fn start_upload(&mut self, arg: &[u8], offset: u64) -> io::Result<Option<UploadWriter>> {
        let path = resolve(&self.cwd, arg);
        let (files, who) = (self.ctx.files.clone(), self.who());
        let started = tokio::task::spawn_blocking(move || files.store(&path, who, offset));
        let started = started
            .await
            .unwrap_or_else(|e| Err(FileError::Io(e.to_string())));
        let (code, msg) = match started {
            Ok(upload) => return Ok(Some(upload)),
            Err(e @ FileError::PastTheEnd { .. }) => (554, restart_refusal(&e)),
            Err(e @ FileError::Denied(_)) => (550, format!("Permission denied: {}.", denied(&e))),
            Err(e) => (553, format!("Could not create file: {e}.")),
        };
        self.refuse(code, &msg).await?;
        Ok(None)
    }

    /// A restart in `TYPE A` cannot be honoured: `REST` counts the bytes
    /// on the wire (RFC 3659 §5.3), which in ASCII are not the bytes of
    /// the file (one CR more per line), so resuming would lose or repeat a
    /// byte per line. It is refused, as vsftpd does (same words).
    /// True when refused (and answered).
    async fn refused_ascii_restart(&mut self, offset: u64) -> io::Result<bool> {
        if !self.ascii || offset == 0 {
            return Ok(false);
        }
        self.refuse(550, "No support for resume of ASCII transfer.")
            .await?;
        Ok(true)
    }

    /// DELE: only an upload, only by the user who may upload.
    pub(super) async fn dele(&mut self, arg: &[u8]) -> io::Result<()> {
        if names_a_folder(arg) {
            return self.reply(550, "Delete operation failed.").await;
        }
        let (_, deleted) = self
            .on_disk(arg, |files, who, path| files.delete(path, who))
            .await;
        match deleted {
            Ok(()) => self.reply(250, "Delete operation successful.").await,
            Err(e @ FileError::Denied(_)) => {
                self.reply(550, &format!("Permission denied: {}.", denied(&e)))
                    .await
            }
            Err(_) => self.reply(550, "Delete operation failed.").await,
        }
    }

    /// The commands that change the tree in ways this server never does.
    pub(super) async fn not_allowed(&mut self, verb: &str) -> io::Result<()> {
        let why = if self.ctx.files.writable_by(self.who()) {
            format!("Permission denied: {verb} is not offered here (uploads are STOR, and DELE).")
        } else {
            "Permission denied.".to_string()
        };
        self.reply(550, &why).await
    }
}

/// The 554 for a restart that cannot be done (RFC 3659 §5.3: "restart
/// marker out of range" is reported by the transfer command).
fn restart_refusal(e: &FileError) -> String {
    format!("Requested action not taken: invalid REST parameter ({e}).")
}

/// The reply to an upload a cap refused midway.
fn over_cap(e: FileError) -> (u16, String) {
    match e {
        FileError::TooBig { cap } => (
            552,
            format!("Exceeded storage allocation: one upload may have {cap} bytes at most."),
        ),
        FileError::Full { cap } => (
            552,
            format!("Exceeded storage allocation: uploads may have {cap} bytes in all."),
        ),
        other => (451, format!("Local error in processing: {other}.")),
    }
}

/// The reason inside a `Denied`.
fn denied(e: &FileError) -> &'static str {
    match e {
        FileError::Denied(why) => why,
        _ => "",
    }
}
