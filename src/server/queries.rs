//! Queries: the commands answered on the control connection alone, with no
//! data connection — about the server (`SYST`, `FEAT`, `OPTS`, `HELP`,
//! `TYPE`, `MODE`, `STRU`, `ALLO`) and about one file (`SIZE`, `MDTM`,
//! `MLST`).
//!
//! `FEAT` (RFC 2389) is how a client learns what it may use: one feature a
//! line, each indented by one space. The machine listings of RFC 3659 are
//! announced by a single line, ` MLST type*;size*;modify*;` — the facts we
//! can give, a `*` on those we give now — which stands for `MLSD` too
//! (§7.8: "there is no distinct FEAT output for MLSD"). A client narrows
//! the facts with `OPTS MLST type;size;` (§7.9).
//!
//! `MLST` is `MLSD` for one name, answered over the control connection:
//!
//! ```text
//! MLST hello.txt
//! 250-Listing hello.txt
//!  type=file;size=80;modify=20261125151800; /hello.txt
//! 250 End
//! ```
//!
//! Old commands keep working as real clients send them: `XPWD`, `XCWD`,
//! `XCUP`, `XMKD`, `XRMD` (older names of `PWD`, `CWD`, `CDUP`, `MKD`,
//! `RMD` that some clients still use) and `ALLO`, which reserves space a
//! server like ours need not reserve: RFC 959 §4.1.3 says to treat it as a
//! NOOP then, and §4.2 asks for `202` for a command "not implemented …
//! because it has no relevance" — which is vsftpd's answer too.

use super::entry::{names_a_folder, Kind};
use super::listing::{self, escape, Facts};
use super::session::Session;
use super::verbs::{feat_text, help_text};
use crate::ftp::verb::Verb;
use std::io;

impl Session {
    /// The commands any client may send, logged in or not. `None` when
    /// `verb` is not one of them.
    pub(super) async fn about_server(&mut self, verb: &Verb, arg: &str) -> Option<io::Result<()>> {
        Some(match verb {
            Verb::Noop => self.reply(200, "NOOP ok.").await,
            Verb::Syst => self.reply(215, "UNIX Type: L8").await,
            Verb::Feat => {
                let tls = self.ctx.tls.is_some();
                self.reply(211, &feat_text(self.facts, tls)).await
            }
            Verb::Opts => self.opts(arg).await,
            Verb::Help => self.reply(214, &help_text(self.ctx.tls.is_some())).await,
            _ => return None,
        })
    }

    async fn opts(&mut self, arg: &str) -> io::Result<()> {
        let (option, value) = arg.split_once(' ').unwrap_or((arg, ""));
        if option.eq_ignore_ascii_case("UTF8") && value.eq_ignore_ascii_case("ON") {
            return self.reply(200, "Always in UTF8 mode.").await;
        }
        if Verb::parse(option) == Verb::Mlst {
            self.facts = Facts::parse(value);
            let chosen = self.facts.chosen();
            return self.reply(200, &format!("MLST OPTS {chosen}")).await;
        }
        self.reply(501, "Option not understood.").await
    }

    /// The transfer parameters and `ALLO`. `None` when `verb` is not one
    /// of them.
    pub(super) async fn settings(&mut self, verb: &Verb, arg: &str) -> Option<io::Result<()>> {
        let arg = arg.to_ascii_uppercase();
        Some(match (verb, arg.as_str()) {
            (Verb::Type, "A" | "A N") => {
                self.ascii = true;
                self.reply(200, "Switching to ASCII mode.").await
            }
            (Verb::Type, "I" | "L 8") => {
                self.ascii = false;
                self.reply(200, "Switching to Binary mode.").await
            }
            (Verb::Type, _) => self.reply(504, "Unrecognised TYPE command.").await,
            (Verb::Mode, "S") => self.reply(200, "Mode set to S.").await,
            (Verb::Mode, _) => self.reply(504, "Bad MODE command: only S (stream).").await,
            (Verb::Stru, "F") => self.reply(200, "Structure set to F.").await,
            (Verb::Stru, _) => self.reply(504, "Bad STRU command: only F (file).").await,
            (Verb::Allo, _) => {
                self.reply(202, "ALLO command ignored: no space to reserve.")
                    .await
            }
            _ => return None,
        })
    }

    /// SIZE and MDTM: of a regular file only.
    pub(super) async fn stat(&mut self, verb: &Verb, arg: &[u8]) -> io::Result<()> {
        let (_, found) = self
            .on_disk(arg, |files, who, path| files.stat(path, who))
            .await;
        match found {
            // `hello.txt/` names a folder, which a file is not.
            Ok(e) if e.kind == Kind::File && !names_a_folder(arg) => {
                let answer = match verb {
                    Verb::Size => e.size.to_string(),
                    _ => listing::timeval(e.modified),
                };
                self.reply(213, &answer).await
            }
            _ => self.reply(550, "Could not get file information.").await,
        }
    }

    /// MLST: one name's facts on the control connection (RFC 3659 §7.2),
    /// by its full path; the current folder without an argument.
    pub(super) async fn mlst(&mut self, arg: &[u8]) -> io::Result<()> {
        let (path, found) = self
            .on_disk(arg, |files, who, path| files.stat(path, who))
            .await;
        let entry = match found {
            Ok(e) if e.is_dir() || !names_a_folder(arg) => e,
            _ => return self.reply(550, "No such file or directory.").await,
        };
        let mut line = listing::facts_of(&entry, self.facts).into_bytes();
        escape(&path, &mut line);
        let mut asked = Vec::new();
        escape(if arg.is_empty() { &path } else { arg }, &mut asked);
        let text = format!(
            "Listing {}\n{}\nEnd",
            String::from_utf8_lossy(&asked),
            String::from_utf8_lossy(&line)
        );
        self.reply(250, &text).await
    }
}
