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

use super::files::{names_a_folder, Kind};
use super::listing::{self, escape, Facts};
use super::session::Session;
use crate::ftp::verb::{Origin, Verb};
use std::io;

/// What `FEAT` says of a verb, if anything.
#[derive(Clone, Copy)]
enum Feature {
    /// Not a feature line.
    None,
    /// The verb alone: ` EPSV`.
    Verb,
    /// The verb and words after it: ` REST STREAM`.
    VerbWith(&'static str),
    /// A feature of its own name that the verb switches on: `OPTS UTF8 ON`
    /// and ` UTF8` (RFC 2640).
    Named(&'static str),
    /// ` MLST type*;size*;modify*;`: the facts, which change with `OPTS`.
    Facts,
}

/// What our server does with a verb it knows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// Does what it asks, and names it in `HELP`.
    Offered,
    /// Answers `550` (our files are not for changing but by `STOR` and
    /// `DELE`), and leaves it out of `HELP`.
    Refused,
}

/// A verb our server implements.
struct Implemented {
    verb: Verb,
    answer: Answer,
    feature: Feature,
}

const fn implemented(verb: Verb, answer: Answer, feature: Feature) -> Implemented {
    Implemented {
        verb,
        answer,
        feature,
    }
}

/// Every verb our server implements, in `HELP` order: the one list that
/// `HELP`, `FEAT` and the `502` for any other verb are read from.
const IMPLEMENTED: &[Implemented] = {
    use Answer::{Offered, Refused};
    use Feature::{Facts, Named, None as No, Verb as Plain, VerbWith};
    &[
        implemented(Verb::User, Offered, No),
        implemented(Verb::Pass, Offered, No),
        implemented(Verb::Syst, Offered, No),
        implemented(Verb::Feat, Offered, No),
        implemented(Verb::Opts, Offered, Named("UTF8")),
        implemented(Verb::Pwd, Offered, No),
        implemented(Verb::Cwd, Offered, No),
        implemented(Verb::Cdup, Offered, No),
        implemented(Verb::Type, Offered, No),
        implemented(Verb::Mode, Offered, No),
        implemented(Verb::Stru, Offered, No),
        implemented(Verb::Port, Offered, No),
        implemented(Verb::Eprt, Offered, Plain),
        implemented(Verb::Pasv, Offered, Plain),
        implemented(Verb::Epsv, Offered, Plain),
        implemented(Verb::List, Offered, No),
        implemented(Verb::Nlst, Offered, No),
        implemented(Verb::Mlsd, Offered, No),
        implemented(Verb::Mlst, Offered, Facts),
        implemented(Verb::Retr, Offered, No),
        implemented(Verb::Stor, Offered, No),
        implemented(Verb::Dele, Offered, No),
        implemented(Verb::Size, Offered, Plain),
        implemented(Verb::Mdtm, Offered, Plain),
        implemented(Verb::Rest, Offered, VerbWith("STREAM")),
        implemented(Verb::Abor, Offered, No),
        implemented(Verb::Allo, Offered, No),
        implemented(Verb::Noop, Offered, No),
        implemented(Verb::Help, Offered, No),
        implemented(Verb::Quit, Offered, No),
        implemented(Verb::Xpwd, Offered, No),
        implemented(Verb::Xcwd, Offered, No),
        implemented(Verb::Xcup, Offered, No),
        implemented(Verb::Appe, Refused, No),
        implemented(Verb::Stou, Refused, No),
        implemented(Verb::Mkd, Refused, No),
        implemented(Verb::Xmkd, Refused, No),
        implemented(Verb::Rmd, Refused, No),
        implemented(Verb::Xrmd, Refused, No),
        implemented(Verb::Rnfr, Refused, No),
        implemented(Verb::Rnto, Refused, No),
    ]
};

/// The widest line of verbs in the `HELP` reply.
const HELP_COLUMNS: usize = 52;

/// Whether our server implements `verb` (any other is answered `502`).
pub(super) fn implements(verb: &Verb) -> bool {
    IMPLEMENTED.iter().any(|i| i.verb == *verb)
}

/// Whether our server knows `verb` but refuses it ([`Answer::Refused`]).
pub(super) fn refuses(verb: &Verb) -> bool {
    IMPLEMENTED
        .iter()
        .any(|i| i.verb == *verb && i.answer == Answer::Refused)
}

/// The `214` reply to `HELP`: the verbs in `HELP` order, a line at most
/// [`HELP_COLUMNS`] wide, the older spellings on a line of their own.
fn help_text() -> String {
    let named = IMPLEMENTED.iter().filter(|i| i.answer == Answer::Offered);
    let (old, current): (Vec<_>, Vec<_>) =
        named.partition(|i| matches!(i.verb.origin(), Some(Origin::OldSpelling(_))));
    let mut lines = vec!["The following commands are recognized:".to_string()];
    let mut line = String::new();
    for i in current {
        if !line.is_empty() && line.len() + 1 + i.verb.as_str().len() > HELP_COLUMNS {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(i.verb.as_str());
    }
    lines.push(line);
    let old: Vec<&str> = old.iter().map(|i| i.verb.as_str()).collect();
    lines.push(old.join(" "));
    lines.push("Help OK.".to_string());
    lines.join("\n")
}

/// The `211` reply to `FEAT`: one feature a line, in alphabetical order,
/// the MLST line with the facts this session chose.
fn feat_text(facts: Facts) -> String {
    let mut features: Vec<String> = IMPLEMENTED
        .iter()
        .filter_map(|i| match i.feature {
            Feature::None => None,
            Feature::Verb => Some(i.verb.to_string()),
            Feature::VerbWith(words) => Some(format!("{} {words}", i.verb)),
            Feature::Named(name) => Some(name.to_string()),
            Feature::Facts => Some(facts.feature()),
        })
        .collect();
    features.sort();
    let mut lines = vec!["Features:".to_string()];
    lines.extend(features);
    lines.push("End".to_string());
    lines.join("\n")
}

impl Session {
    /// The commands any client may send, logged in or not. `None` when
    /// `verb` is not one of them.
    pub(super) async fn about_server(&mut self, verb: &Verb, arg: &str) -> Option<io::Result<()>> {
        Some(match verb {
            Verb::Noop => self.reply(200, "NOOP ok.").await,
            Verb::Syst => self.reply(215, "UNIX Type: L8").await,
            Verb::Feat => self.reply(211, &feat_text(self.facts)).await,
            Verb::Opts => self.opts(arg).await,
            Verb::Help => self.reply(214, &help_text()).await,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_and_feat_are_read_from_the_table_as_they_were_written_by_hand() {
        assert_eq!(
            help_text(),
            "The following commands are recognized:\nUSER PASS SYST FEAT OPTS PWD CWD CDUP TYPE \
             MODE STRU\nPORT EPRT PASV EPSV LIST NLST MLSD MLST RETR STOR\nDELE SIZE MDTM REST \
             ABOR ALLO NOOP HELP QUIT\nXPWD XCWD XCUP\nHelp OK."
        );
        assert_eq!(
            feat_text(Facts::default()),
            "Features:\nEPRT\nEPSV\nMDTM\nMLST type*;size*;modify*;\nPASV\nREST STREAM\nSIZE\n\
             UTF8\nEnd"
        );
    }

    #[test]
    fn each_verb_is_in_the_table_once_and_no_unknown_one() {
        for (n, i) in IMPLEMENTED.iter().enumerate() {
            assert!(i.verb.origin().is_some(), "{}", i.verb);
            assert!(
                IMPLEMENTED[n + 1..].iter().all(|j| j.verb != i.verb),
                "{} twice",
                i.verb
            );
        }
        assert!(implements(&Verb::Xcup) && implements(&Verb::Stou));
        assert!(!implements(&Verb::Site) && !implements(&Verb::parse("XYZZY")));
    }
}
