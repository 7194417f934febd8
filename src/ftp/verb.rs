//! The verb: the word a command starts with, and what it is.
//!
//! A command line starts with a verb (`RETR hello.txt`): four letters or
//! fewer in RFC 959 (§5.3), case not mattering. [`Verb`] names every verb
//! ftpviz knows — RFC 959's own (§4.1), the security commands of RFC 2228,
//! `EPRT`/`EPSV` of RFC 2428, `MDTM`/`SIZE`/`MLST`/`MLSD` of RFC 3659,
//! `FEAT`/`OPTS` of RFC 2389, the older `X…` spellings, and a few more that
//! captures show — and keeps the text of any other as
//! [`Verb::Other`]. Everything outside `ftp` that asks "which command is
//! this?" matches on a `Verb`, never on a string.
//!
//! A verb knows where it is defined ([`Verb::origin`]: an RFC section as
//! printed in the text of that RFC) and which of two families it is in, the
//! two that matter for the data channel:
//!
//! - a **setup** says how the next data connection will be made: `PORT` or
//!   `EPRT` (active: the client listens and announces its address, RFC 959
//!   §4.1.2, RFC 2428 §2), `PASV` or `EPSV` (passive: the server listens
//!   and announces its port in the reply, 227 or 229);
//! - a **transfer** moves bytes over that connection: a listing (`LIST`,
//!   `NLST`, `MLSD`), a download (`RETR`) or an upload (`STOR`, `STOU`,
//!   `APPE`).

use std::fmt;

/// Where an RFC defines something: the RFC and the section number as
/// printed ("4.1.3").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Section {
    pub rfc: u16,
    pub section: &'static str,
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RFC {} §{}", self.rfc, self.section)
    }
}

/// Where a verb comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Defined in this RFC section.
    Rfc(Section),
    /// An older spelling of a verb RFC 959 defines (`XPWD` for `PWD`…),
    /// from the experiments of RFC 775, whose text was not read here.
    OldSpelling(&'static Verb),
    /// Defined by an RFC whose text was not read here, so no section is
    /// named (RFC 1639's `LPRT`, RFC 2640's `LANG`, RFC 7151's `HOST`).
    Unread(u16),
    /// In no RFC: a de facto extension that servers and clients agree on.
    DeFacto,
}

const fn rfc(rfc: u16, section: &'static str) -> Origin {
    Origin::Rfc(Section { rfc, section })
}

/// Declares [`Verb`] with its spelling and origin, so each verb is named
/// once and [`Verb::parse`], [`Verb::as_str`] and [`Verb::origin`] agree.
macro_rules! verbs {
    ($($(#[$doc:meta])* $verb:ident = $text:literal, $origin:expr;)*) => {
        /// An FTP verb. Upper case is its spelling (RFC 959 §5.3: case does
        /// not matter).
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum Verb {
            $($(#[$doc])* $verb,)*
            /// A verb ftpviz does not know, its text kept (upper case).
            Other(String),
        }

        impl Verb {
            /// Every verb ftpviz knows.
            pub const KNOWN: &'static [Verb] = &[$(Verb::$verb,)*];

            /// The verb as sent (upper case).
            pub const fn as_str(&self) -> &str {
                match self {
                    $(Verb::$verb => $text,)*
                    Verb::Other(text) => text.as_str(),
                }
            }

            /// Where the verb is defined; `None` for one ftpviz does not
            /// know.
            pub const fn origin(&self) -> Option<Origin> {
                Some(match self {
                    $(Verb::$verb => $origin,)*
                    Verb::Other(_) => return None,
                })
            }
        }
    };
}

use Origin::{DeFacto, OldSpelling, Unread};

verbs! {
    // RFC 959 §4.1.1, access control.
    User = "USER", rfc(959, "4.1.1");
    Pass = "PASS", rfc(959, "4.1.1");
    Acct = "ACCT", rfc(959, "4.1.1");
    Cwd = "CWD", rfc(959, "4.1.1");
    Cdup = "CDUP", rfc(959, "4.1.1");
    Smnt = "SMNT", rfc(959, "4.1.1");
    Rein = "REIN", rfc(959, "4.1.1");
    Quit = "QUIT", rfc(959, "4.1.1");
    // RFC 959 §4.1.2, transfer parameters.
    Port = "PORT", rfc(959, "4.1.2");
    Pasv = "PASV", rfc(959, "4.1.2");
    Type = "TYPE", rfc(959, "4.1.2");
    Stru = "STRU", rfc(959, "4.1.2");
    Mode = "MODE", rfc(959, "4.1.2");
    // RFC 959 §4.1.3, service commands.
    Retr = "RETR", rfc(959, "4.1.3");
    Stor = "STOR", rfc(959, "4.1.3");
    Stou = "STOU", rfc(959, "4.1.3");
    Appe = "APPE", rfc(959, "4.1.3");
    Allo = "ALLO", rfc(959, "4.1.3");
    /// RFC 959 §4.1.3 defines it for the block and compressed modes; in
    /// stream mode, the only one ftpviz speaks, its meaning is RFC 3659's.
    Rest = "REST", rfc(3659, "5");
    Rnfr = "RNFR", rfc(959, "4.1.3");
    Rnto = "RNTO", rfc(959, "4.1.3");
    Abor = "ABOR", rfc(959, "4.1.3");
    Dele = "DELE", rfc(959, "4.1.3");
    Rmd = "RMD", rfc(959, "4.1.3");
    Mkd = "MKD", rfc(959, "4.1.3");
    Pwd = "PWD", rfc(959, "4.1.3");
    List = "LIST", rfc(959, "4.1.3");
    Nlst = "NLST", rfc(959, "4.1.3");
    Site = "SITE", rfc(959, "4.1.3");
    Syst = "SYST", rfc(959, "4.1.3");
    Stat = "STAT", rfc(959, "4.1.3");
    Help = "HELP", rfc(959, "4.1.3");
    Noop = "NOOP", rfc(959, "4.1.3");
    // RFC 2228 §3, the security extensions.
    Auth = "AUTH", rfc(2228, "3");
    Adat = "ADAT", rfc(2228, "3");
    Prot = "PROT", rfc(2228, "3");
    Pbsz = "PBSZ", rfc(2228, "3");
    Ccc = "CCC", rfc(2228, "3");
    Mic = "MIC", rfc(2228, "3");
    Conf = "CONF", rfc(2228, "3");
    Enc = "ENC", rfc(2228, "3");
    // RFC 2428, for IPv6 and NAT.
    Eprt = "EPRT", rfc(2428, "2");
    Epsv = "EPSV", rfc(2428, "3");
    // RFC 3659.
    Mdtm = "MDTM", rfc(3659, "3");
    Size = "SIZE", rfc(3659, "4");
    Mlst = "MLST", rfc(3659, "7");
    Mlsd = "MLSD", rfc(3659, "7");
    // RFC 2389 (not in ../shared/rfc: read from its table of contents, see
    // `narration::cite`).
    Feat = "FEAT", rfc(2389, "3");
    Opts = "OPTS", rfc(2389, "4");
    // Older spellings.
    Xpwd = "XPWD", OldSpelling(&Verb::Pwd);
    Xcwd = "XCWD", OldSpelling(&Verb::Cwd);
    Xcup = "XCUP", OldSpelling(&Verb::Cdup);
    Xmkd = "XMKD", OldSpelling(&Verb::Mkd);
    Xrmd = "XRMD", OldSpelling(&Verb::Rmd);
    // Defined where ftpviz did not read.
    Lprt = "LPRT", Unread(1639);
    Lpsv = "LPSV", Unread(1639);
    Lang = "LANG", Unread(2640);
    Host = "HOST", Unread(7151);
    // De facto.
    Clnt = "CLNT", DeFacto;
    Mfmt = "MFMT", DeFacto;
    Pret = "PRET", DeFacto;
}

impl Verb {
    /// The verb `text` names, in any case; an unknown one keeps its text
    /// (upper case).
    pub fn parse(text: &str) -> Verb {
        Verb::KNOWN
            .iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(text))
            .cloned()
            .unwrap_or_else(|| Verb::Other(text.to_ascii_uppercase()))
    }

    /// The setup this verb is, if it is one.
    pub fn setup(&self) -> Option<Setup> {
        Setup::ALL.into_iter().find(|s| s.verb() == *self)
    }

    /// The transfer this verb is, if it is one.
    pub fn transfer(&self) -> Option<Transfer> {
        Transfer::ALL.into_iter().find(|t| t.verb() == *self)
    }

    /// `PORT` or `EPRT`: the client announces an address to be dialled.
    pub fn is_active_setup(&self) -> bool {
        self.setup().is_some_and(Setup::is_active)
    }

    /// `PORT`, `EPRT` or RFC 1639's `LPRT`: the argument is an address,
    /// the client's own, for the server to dial.
    pub fn carries_address(&self) -> bool {
        matches!(self, Verb::Port | Verb::Eprt | Verb::Lprt)
    }

    /// The RFC section that defines it, if ftpviz read one.
    pub fn section(&self) -> Option<Section> {
        match self.origin()? {
            Origin::Rfc(s) => Some(s),
            _ => None,
        }
    }
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for Verb {
    fn from(text: &str) -> Verb {
        Verb::parse(text)
    }
}

/// A command that says how the next data connection is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Setup {
    Port,
    Eprt,
    Pasv,
    Epsv,
}

impl Setup {
    /// Every setup verb.
    pub const ALL: [Setup; 4] = [Setup::Port, Setup::Eprt, Setup::Pasv, Setup::Epsv];

    /// Active setups have the client announce an address for the server
    /// to dial; passive ones have the server announce its own.
    pub fn is_active(self) -> bool {
        matches!(self, Setup::Port | Setup::Eprt)
    }

    pub fn verb(self) -> Verb {
        match self {
            Setup::Port => Verb::Port,
            Setup::Eprt => Verb::Eprt,
            Setup::Pasv => Verb::Pasv,
            Setup::Epsv => Verb::Epsv,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Setup::Port => Verb::Port.as_str(),
            Setup::Eprt => Verb::Eprt.as_str(),
            Setup::Pasv => Verb::Pasv.as_str(),
            Setup::Epsv => Verb::Epsv.as_str(),
        }
    }
}

/// A command that moves bytes over a data connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transfer {
    List,
    Nlst,
    Mlsd,
    Retr,
    Stor,
    Stou,
    Appe,
}

impl Transfer {
    /// Every transfer verb.
    pub const ALL: [Transfer; 7] = [
        Transfer::List,
        Transfer::Nlst,
        Transfer::Mlsd,
        Transfer::Retr,
        Transfer::Stor,
        Transfer::Stou,
        Transfer::Appe,
    ];

    pub fn verb(self) -> Verb {
        match self {
            Transfer::List => Verb::List,
            Transfer::Nlst => Verb::Nlst,
            Transfer::Mlsd => Verb::Mlsd,
            Transfer::Retr => Verb::Retr,
            Transfer::Stor => Verb::Stor,
            Transfer::Stou => Verb::Stou,
            Transfer::Appe => Verb::Appe,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Transfer::List => Verb::List.as_str(),
            Transfer::Nlst => Verb::Nlst.as_str(),
            Transfer::Mlsd => Verb::Mlsd.as_str(),
            Transfer::Retr => Verb::Retr.as_str(),
            Transfer::Stor => Verb::Stor.as_str(),
            Transfer::Stou => Verb::Stou.as_str(),
            Transfer::Appe => Verb::Appe.as_str(),
        }
    }

    /// A listing the server writes, not a file.
    pub fn is_listing(self) -> bool {
        matches!(self, Transfer::List | Transfer::Nlst | Transfer::Mlsd)
    }

    /// The client sends the bytes (an upload); otherwise the server does.
    pub fn is_upload(self) -> bool {
        matches!(self, Transfer::Stor | Transfer::Stou | Transfer::Appe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_text_parses_and_keeps_its_letters(text in "\\PC{0,12}") {
            let v = Verb::parse(&text);
            prop_assert_eq!(v.as_str(), text.to_ascii_uppercase());
            prop_assert_eq!(Verb::parse(v.as_str()), v);
        }
    }

    #[test]
    fn each_verb_is_in_one_family_at_most() {
        for t in Transfer::ALL {
            assert_eq!(t.verb().transfer(), Some(t));
            assert_eq!(t.verb().setup(), None);
            assert_eq!(t.as_str(), t.verb().as_str());
        }
        for s in Setup::ALL {
            assert_eq!(s.verb().setup(), Some(s));
            assert_eq!(s.verb().transfer(), None);
            assert_eq!(s.as_str(), s.verb().as_str());
        }
        assert!(Setup::Port.is_active() && !Setup::Epsv.is_active());
        assert!(Verb::Eprt.is_active_setup() && !Verb::Pasv.is_active_setup());
        assert_eq!((Verb::Pwd.setup(), Verb::Pwd.transfer()), (None, None));
    }

    #[test]
    fn parsing_ignores_case_and_keeps_what_it_does_not_know() {
        assert_eq!(Verb::parse("retr"), Verb::Retr);
        assert_eq!(Verb::parse("ePsV"), Verb::Epsv);
        assert_eq!(Verb::parse("xyzzy"), Verb::Other("XYZZY".into()));
        assert_eq!(Verb::parse("xyzzy").to_string(), "XYZZY");
        assert_eq!(Verb::parse(""), Verb::Other(String::new()));
        for v in Verb::KNOWN {
            assert_eq!(&Verb::parse(v.as_str()), v);
            assert_eq!(&Verb::parse(&v.as_str().to_ascii_lowercase()), v);
            assert!(v.origin().is_some(), "{v}");
            assert!(v.as_str().len() <= 4, "{v}: RFC 959 §5.3, four or fewer");
        }
        assert_eq!(Verb::Other("RETR".into()).origin(), None);
    }

    #[test]
    fn a_verb_knows_its_section_and_old_spellings_point_at_a_defined_one() {
        assert_eq!(Verb::Retr.section().unwrap().to_string(), "RFC 959 §4.1.3");
        assert_eq!(Verb::Port.section().unwrap().to_string(), "RFC 959 §4.1.2");
        assert_eq!(Verb::Eprt.section().unwrap().to_string(), "RFC 2428 §2");
        assert_eq!(Verb::Mlsd.section(), Verb::Mlst.section());
        for v in Verb::KNOWN {
            if let Some(Origin::OldSpelling(now)) = v.origin() {
                assert!(now.section().is_some(), "{v} → {now}");
            }
        }
    }
}
