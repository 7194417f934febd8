//! The verbs our server implements, in one table: what each is answered
//! with, and what `FEAT` says of it. `HELP` (the `214` list), `FEAT` (the
//! `211` list) and the `502` for every other verb are read from it, so the
//! three can never disagree. The handlers themselves live with their kind of
//! command (`queries`, `modes`, `transfers`, `files`); this file is only
//! the list, a leaf every one of them may read.
//!
//! The verbs of FTP's security extensions (`AUTH`, `PBSZ`, `PROT`, `CCC`:
//! RFC 2228, for TLS RFC 4217) are in a table of their own, `SECURITY`,
//! read only when the server has TLS (`serve --tls`): without it they are
//! `502` like any verb it does not implement, and `FEAT` does not name
//! them. With it, `FEAT` says ` AUTH TLS`, ` PBSZ` and ` PROT`, as RFC 4217
//! §6 asks.

use super::listing::Facts;
use crate::ftp::verb::{Origin, Verb};

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

/// The verbs our server implements when it has TLS (see `security`).
const SECURITY: &[Implemented] = &[
    implemented(Verb::Auth, Answer::Offered, Feature::VerbWith("TLS")),
    implemented(Verb::Pbsz, Answer::Offered, Feature::Verb),
    implemented(Verb::Prot, Answer::Offered, Feature::Verb),
    implemented(Verb::Ccc, Answer::Offered, Feature::None),
];

/// The verbs our server implements, with TLS (`tls`) or without.
fn table(tls: bool) -> impl Iterator<Item = &'static Implemented> {
    let security: &[Implemented] = if tls { SECURITY } else { &[] };
    IMPLEMENTED.iter().chain(security)
}

/// The widest line of verbs in the `HELP` reply.
const HELP_COLUMNS: usize = 52;

/// Whether our server, with TLS (`tls`) or without, implements `verb`
/// (any other is answered `502`).
pub(super) fn implements(verb: &Verb, tls: bool) -> bool {
    table(tls).any(|i| i.verb == *verb)
}

/// Whether our server knows `verb` but refuses it ([`Answer::Refused`]).
pub(super) fn refuses(verb: &Verb) -> bool {
    IMPLEMENTED
        .iter()
        .any(|i| i.verb == *verb && i.answer == Answer::Refused)
}

/// The `214` reply to `HELP`: the verbs in `HELP` order, a line at most
/// [`HELP_COLUMNS`] wide, the older spellings on a line of their own.
pub(super) fn help_text(tls: bool) -> String {
    let named = table(tls).filter(|i| i.answer == Answer::Offered);
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
pub(super) fn feat_text(facts: Facts, tls: bool) -> String {
    let mut features: Vec<String> = table(tls)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_and_feat_are_read_from_the_table_as_they_were_written_by_hand() {
        assert_eq!(
            help_text(false),
            "The following commands are recognized:\nUSER PASS SYST FEAT OPTS PWD CWD CDUP TYPE \
             MODE STRU\nPORT EPRT PASV EPSV LIST NLST MLSD MLST RETR STOR\nDELE SIZE MDTM REST \
             ABOR ALLO NOOP HELP QUIT\nXPWD XCWD XCUP\nHelp OK."
        );
        assert_eq!(
            feat_text(Facts::default(), false),
            "Features:\nEPRT\nEPSV\nMDTM\nMLST type*;size*;modify*;\nPASV\nREST STREAM\nSIZE\n\
             UTF8\nEnd"
        );
    }

    #[test]
    fn with_tls_feat_names_auth_tls_pbsz_and_prot() {
        let feat = feat_text(Facts::default(), true);
        for line in ["\nAUTH TLS\n", "\nPBSZ\n", "\nPROT\n"] {
            assert!(feat.contains(line), "{feat}");
        }
        assert!(!feat.contains("CCC"), "{feat}");
        let help = help_text(true);
        for verb in ["AUTH", "PBSZ", "PROT", "CCC"] {
            assert!(
                help.contains(verb) && !help_text(false).contains(verb),
                "{help}"
            );
        }
        for verb in [Verb::Auth, Verb::Pbsz, Verb::Prot, Verb::Ccc] {
            assert!(implements(&verb, true) && !implements(&verb, false));
        }
    }

    #[test]
    fn each_verb_is_in_the_table_once_and_no_unknown_one() {
        let all: Vec<_> = table(true).collect();
        for (n, i) in all.iter().enumerate() {
            assert!(i.verb.origin().is_some(), "{}", i.verb);
            assert!(
                all[n + 1..].iter().all(|j| j.verb != i.verb),
                "{} twice",
                i.verb
            );
        }
        assert!(implements(&Verb::Xcup, false) && implements(&Verb::Stou, false));
        assert!(!implements(&Verb::Site, true) && !implements(&Verb::parse("XYZZY"), true));
    }
}
