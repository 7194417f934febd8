//! Citations: every RFC section the narration names, in one table.
//!
//! A student who reads "RFC 959 §3.2" should find, in that section, the
//! thing the sentence says. So no sentence writes a section number by hand:
//! it names a [`Rule`] (or a command's [`Verb`], whose section the table
//! turns into its rule), and this table says where the RFC defines it — the RFC, the section, the section's heading as printed,
//! and a few words of the section's text that name the thing.
//! `tests/narration_citations.rs` reads the RFCs in `../shared/rfc` and
//! checks, for every row, that the heading exists with that title and that
//! the section's text contains those words.
//!
//! Two RFCs are not in `../shared/rfc`; their rows say where their text was
//! checked instead ([`Cite::checked`]):
//!
//! - RFC 2389 (FEAT, OPTS): its table of contents, as printed at
//!   <https://datatracker.ietf.org/doc/rfc2389/> and elook.org's copy, read
//!   with the search tool: §3 "Knowledge of Extra Capabilities - the FEAT
//!   Command", §4 "The OPTS Command".
//! - RFC 2577 (FTP Security Considerations): only a quotation of its
//!   bounce-attack advice could be read ("it is suggested that servers not
//!   open data connections to TCP ports less than 1024 … the suggested
//!   response is 504"), not its section numbers, so it is cited whole.
//!
//! Not cited at all: `MFMT` and `PRET` (de facto extensions that no RFC
//! defines, and the narration says so), and RFCs whose text was not read
//! (RFC 1579, RFC 775's `XPWD` family, RFC 2640's `LANG`, RFC 7151's `HOST`).

use crate::ftp::verb::{Origin, Section, Verb};
use std::fmt;

/// Where an RFC says something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cite {
    /// The RFC's number.
    pub rfc: u16,
    /// The section number as printed ("4.1.2"); empty when the RFC is
    /// cited whole.
    pub section: &'static str,
    /// The section's heading as printed (the RFC's title when cited whole).
    pub title: &'static str,
    /// Words that the section's text contains and that name the thing
    /// cited (compared with runs of white space made one space).
    pub names: &'static str,
    /// For an RFC that is not in `../shared/rfc`: where its text was read.
    pub checked: Option<&'static str>,
}

impl fmt::Display for Cite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.section.is_empty() {
            write!(f, "RFC {}", self.rfc)
        } else {
            write!(f, "RFC {} §{}", self.rfc, self.section)
        }
    }
}

/// Declares [`Rule`] and [`TABLE`] together, so every rule has exactly one
/// row and [`Rule::cite`] needs no fallback.
macro_rules! rules {
    ($($(#[$doc:meta])* $rule:ident => $cite:expr,)*) => {
        /// What a sentence of the narration rests on.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Rule {
            $($(#[$doc])* $rule,)*
        }

        /// Every rule, with where it is written.
        pub const TABLE: &[(Rule, Cite)] = &[$((Rule::$rule, $cite),)*];

        impl Rule {
            /// Where this rule is written.
            pub fn cite(self) -> Cite {
                match self {
                    $(Rule::$rule => $cite,)*
                }
            }
        }
    };
}

const RFC2389: &str = "datatracker.ietf.org/doc/rfc2389 (table of contents), via the search tool";
const RFC2577: &str = "a quotation of its bounce-attack advice, via the search tool";

const fn local(rfc: u16, section: &'static str, title: &'static str, names: &'static str) -> Cite {
    Cite {
        rfc,
        section,
        title,
        names,
        checked: None,
    }
}

const fn remote(
    rfc: u16,
    section: &'static str,
    title: &'static str,
    names: &'static str,
    checked: &'static str,
) -> Cite {
    Cite {
        rfc,
        section,
        title,
        names,
        checked: Some(checked),
    }
}

rules! {
    /// The control connection carries commands and replies.
    FtpModel => local(959, "2.3", "THE FTP MODEL",
        "transmitted to the server process via the control connection"),
    /// TYPE A: line ends as CRLF on the wire.
    AsciiType => local(959, "3.1.1.1", "ASCII TYPE",
        "the <CRLF> sequence should be used where necessary to denote the end of a line of text"),
    /// TYPE I: the bytes as stored.
    ImageType => local(959, "3.1.1.3", "IMAGE TYPE", "The data are sent as contiguous bits"),
    /// The server dials after the transfer command.
    DialAfterTransferCommand => local(959, "3.2", "ESTABLISHING DATA CONNECTIONS",
        "The server, upon receiving the transfer request, will initiate the data connection to \
         the port."),
    /// The default data ports: U on the client, L−1 on the server.
    DefaultDataPorts => local(959, "3.2", "ESTABLISHING DATA CONNECTIONS",
        "The user-process default data port is the same as the control connection port (i.e., \
         U). The server-process default data port is the port adjacent to the control \
         connection port (i.e., L-1)."),
    /// Stream mode cannot reuse a data connection.
    DataConnectionReuse => local(959, "3.3", "DATA CONNECTION MANAGEMENT",
        "the end of the file must be indicated by closing the connection"),
    /// Stream mode: the sender's close is the end of the file.
    StreamMode => local(959, "3.4.1", "STREAM MODE",
        "the EOF is indicated by the sending host closing the data connection"),
    /// USER, PASS, CWD, QUIT…
    AccessControlCommands => local(959, "4.1.1", "ACCESS CONTROL COMMANDS", "USER NAME (USER)"),
    /// PORT, PASV, TYPE, MODE, STRU.
    TransferParameterCommands => local(959, "4.1.2", "TRANSFER PARAMETER COMMANDS",
        "DATA PORT (PORT)"),
    /// RETR, STOR, LIST, NLST, PWD…
    ServiceCommands => local(959, "4.1.3", "FTP SERVICE COMMANDS", "RETRIEVE (RETR)"),
    /// The first digit of a reply code.
    ReplyDigits => local(959, "4.2", "FTP REPLIES",
        "There are five values for the first digit of the reply code"),
    /// A reply of several lines: `NNN-` … `NNN `.
    MultiLineReplies => local(959, "4.2", "FTP REPLIES",
        "Thus the format for multi-line replies is that the first line will begin with the \
         exact required reply code, followed immediately by a Hyphen"),
    /// The meaning of each reply code.
    ReplyCodes => local(959, "4.2.2", "Numeric Order List of Reply Codes",
        "150 File status okay; about to open data connection."),
    /// The server shall dial from L−1.
    ServerDialsFromL1 => local(959, "5.2", "CONNECTIONS",
        "The server shall initiate the data connection from his own default data port (L-1)"),
    /// The server sends 226 after closing the data connection.
    ReplyAfterClose => local(959, "5.2", "CONNECTIONS",
        "the server sends a reply (226) after closing the data connection"),
    /// A command is a verb of four letters or fewer, an argument, CRLF.
    CommandSyntax => local(959, "5.3", "COMMANDS",
        "The command codes are four or fewer alphabetic characters."),
    /// FTP's port L is 21.
    ControlPort => local(959, "8", "CONNECTION ESTABLISHMENT",
        "This protocol is assigned the service port 21 (25 octal), that is L=21."),
    /// EPRT.
    Eprt => local(2428, "2", "The EPRT Command",
        "The EPRT command allows for the specification of an extended address for the data \
         connection."),
    /// EPSV and 229.
    Epsv => local(2428, "3", "The EPSV Command",
        "The response to this command includes only the TCP port number of the listening \
         connection."),
    /// Why EPSV suits firewalls and NATs; what a NAT would do to EPRT.
    EpsvThroughNat => local(2428, "4", "Command Usage",
        "using EPSV as defined in this document does not require NATs to change the network \
         address in the traffic as it is forwarded. The NAT would have to change the address if \
         the EPRT command was used."),
    /// MDTM.
    Mdtm => local(3659, "3", "File Modification Time (MDTM)",
        "can be used to determine when a file in the server NVFS was last modified"),
    /// SIZE.
    Size => local(3659, "4", "File SIZE",
        "This is the exact number of octets (8 bit bytes) that would be transmitted over the \
         data connection should that file be transmitted."),
    /// REST in stream mode.
    Rest => local(3659, "5", "Restart of Interrupted Transfer (REST)",
        "both sides need some way to agree on where in the data stream to restart the data \
         transfer"),
    /// MLST and MLSD.
    Mlsx => local(3659, "7", "Listings for Machine Processing (MLST and MLSD)",
        "MLSD, on the other, lists the contents of a directory"),
    /// The time format of MDTM and MLSx (UTC).
    Times => local(3659, "2.3", "Times", "Time values are always represented in UTC"),
    /// AUTH, PROT, PBSZ, CCC…
    SecurityCommands => local(2228, "3", "New FTP Commands",
        "AUTHENTICATION/SECURITY MECHANISM (AUTH)"),
    /// 232, 234, 5xx of the security extensions.
    SecurityReplies => local(2228, "5.1", "New individual reply codes",
        "234 Security data exchange complete."),
    /// 6yz protected replies.
    ProtectedReplies => local(2228, "5.2", "Protected replies.", "6yz Protected reply"),
    /// AUTH TLS: FTPS.
    Tls => local(4217, "4", "Session Negotiation on the Control Port",
        "Once the client wishes to secure the session, the AUTH command is sent"),
    /// CCC: the control connection back to clear text.
    Ccc => local(4217, "5", "Clearing the Control Port",
        "return to a plaintext socket state"),
    /// FEAT.
    Feat => remote(2389, "3", "Knowledge of Extra Capabilities - the FEAT Command",
        Verb::Feat.as_str(), RFC2389),
    /// OPTS.
    Opts => remote(2389, "4", "The OPTS Command", Verb::Opts.as_str(), RFC2389),
    /// The FTP bounce attack and the advice against it.
    Bounce => remote(2577, "", "FTP Security Considerations",
        "servers not open data connections to TCP ports less than 1024", RFC2577),
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.cite().fmt(f)
    }
}

/// Where a command is defined, as the narration cites it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defined {
    /// In this RFC section.
    In(Rule),
    /// In no RFC: a de facto extension that servers and clients agree on.
    DeFacto,
    /// An older spelling of a command RFC 959 defines (`XPWD` for `PWD`…).
    OldSpelling(&'static str),
}

impl Defined {
    /// Where `verb` is defined ([`Verb::origin`]), the section as its
    /// [`Rule`]. Evaluated when [`VERBS`] is compiled: a verb defined in a
    /// section no rule cites, or in an RFC ftpviz did not read, does not
    /// compile into the table.
    const fn of(verb: &Verb) -> Defined {
        match verb.origin() {
            Some(Origin::Rfc(section)) => Defined::In(Rule::at(section)),
            Some(Origin::OldSpelling(now)) => Defined::OldSpelling(now.as_str()),
            Some(Origin::DeFacto) => Defined::DeFacto,
            Some(Origin::Unread(_)) | None => panic!("the narration cites only what was read"),
        }
    }
}

impl Rule {
    /// The first rule that cites `section` (of the rules for one section,
    /// the first is the one about its commands).
    const fn at(section: Section) -> Rule {
        let mut i = 0;
        while i < TABLE.len() {
            let (rule, cite) = TABLE[i];
            if cite.rfc == section.rfc && same(cite.section, section.section) {
                return rule;
            }
            i += 1;
        }
        panic!("no rule cites this section")
    }
}

/// `a == b`, in a `const fn`.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// A command: what it asks, in a few words, and where it is defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Command {
    /// The verb this row is for.
    pub of: &'static Verb,
    /// Its spelling (`"RETR"`).
    pub verb: &'static str,
    /// What the client asks, in a few words (fits after "VERB: ").
    pub asks: &'static str,
    pub defined: Defined,
}

const fn verb(of: &'static Verb, asks: &'static str) -> Command {
    Command {
        of,
        verb: of.as_str(),
        asks,
        defined: Defined::of(of),
    }
}

/// Every command the narration knows, with where it is defined.
pub const VERBS: &[Command] = &[
    verb(&Verb::User, "the user name"),
    verb(&Verb::Pass, "the password, in clear text"),
    verb(&Verb::Acct, "the account"),
    verb(&Verb::Cwd, "change directory"),
    verb(&Verb::Cdup, "go to the parent directory"),
    verb(&Verb::Smnt, "mount a file system"),
    verb(&Verb::Rein, "start the login again"),
    verb(&Verb::Quit, "the client logs out"),
    verb(&Verb::Port, "the client asks to be dialled"),
    verb(&Verb::Pasv, "the client asks to dial"),
    verb(&Verb::Type, "the representation type"),
    verb(&Verb::Stru, "the file structure"),
    verb(&Verb::Mode, "the transfer mode"),
    verb(&Verb::Retr, "send me this file"),
    verb(&Verb::Stor, "take this file (upload)"),
    verb(&Verb::Stou, "store under a new name"),
    verb(&Verb::Appe, "add to this file (upload)"),
    verb(&Verb::Allo, "reserve storage"),
    verb(&Verb::Rest, "restart at a byte offset"),
    verb(&Verb::Rnfr, "rename from this name"),
    verb(&Verb::Rnto, "rename to this name"),
    verb(&Verb::Abor, "abort the transfer"),
    verb(&Verb::Dele, "delete this file"),
    verb(&Verb::Rmd, "remove a directory"),
    verb(&Verb::Mkd, "make a directory"),
    verb(&Verb::Pwd, "which directory am I in?"),
    verb(&Verb::List, "send me a directory listing"),
    verb(&Verb::Nlst, "send me the file names"),
    verb(&Verb::Site, "a server-specific command"),
    verb(&Verb::Syst, "which system are you?"),
    verb(&Verb::Stat, "status, on this connection"),
    verb(&Verb::Help, "which commands do you know?"),
    verb(&Verb::Noop, "nothing, just answer"),
    verb(&Verb::Eprt, "the client asks to be dialled"),
    verb(&Verb::Epsv, "the client asks to dial"),
    verb(&Verb::Mdtm, "when was this file changed?"),
    verb(&Verb::Size, "how big is this file?"),
    verb(&Verb::Mlsd, "a listing for programs"),
    verb(&Verb::Mlst, "facts about one file"),
    verb(&Verb::Auth, "switch to a security mechanism"),
    verb(&Verb::Adat, "security data"),
    verb(&Verb::Prot, "protect the data connection"),
    verb(&Verb::Pbsz, "the protection buffer size"),
    verb(&Verb::Ccc, "clear the control channel"),
    verb(&Verb::Mic, "an integrity-protected command"),
    verb(&Verb::Conf, "a confidential command"),
    verb(&Verb::Enc, "a private command"),
    verb(&Verb::Feat, "which extensions do you have?"),
    verb(&Verb::Opts, "set an option of a command"),
    verb(&Verb::Mfmt, "set a file's modification time"),
    verb(&Verb::Pret, "the next transfer, in advance"),
    verb(&Verb::Xpwd, "which directory am I in?"),
    verb(&Verb::Xcwd, "change directory"),
    verb(&Verb::Xcup, "go to the parent directory"),
    verb(&Verb::Xmkd, "make a directory"),
    verb(&Verb::Xrmd, "remove a directory"),
];

/// The command `verb`, if the narration knows it.
pub fn of(verb: &Verb) -> Option<&'static Command> {
    VERBS.iter().find(|v| v.of == verb)
}

/// The command spelt `verb` (any case), if the narration knows it.
pub fn command(verb: &str) -> Option<&'static Command> {
    of(&Verb::parse(verb))
}

/// A reply code: its meaning in a few words, and the words of the RFC
/// that defines it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    pub code: u16,
    /// What it means, in a few words (fits after "NNN: ").
    pub means: &'static str,
    /// The RFC's own text for this code (checked against the RFC).
    pub rfc_text: &'static str,
    pub rule: Rule,
}

const fn code(code: u16, means: &'static str, rfc_text: &'static str, rule: Rule) -> Code {
    Code {
        code,
        means,
        rfc_text,
        rule,
    }
}

use Rule::{ReplyCodes as Codes, SecurityReplies as Sec};

/// Every reply code the narration names, with its RFC text.
pub const CODES: &[Code] = &[
    code(110, "a restart marker", "110 Restart marker reply.", Codes),
    code(120, "ready in a few minutes", "120 Service ready in nnn minutes.", Codes),
    code(125, "data connection already open", "125 Data connection already open; transfer starting.", Codes),
    code(150, "about to open data connection", "150 File status okay; about to open data connection.", Codes),
    code(200, "command okay", "200 Command okay.", Codes),
    code(202, "not needed at this site", "202 Command not implemented, superfluous at this site.", Codes),
    code(211, "system status or help", "211 System status, or system help reply.", Codes),
    code(212, "directory status", "212 Directory status.", Codes),
    code(213, "file status", "213 File status.", Codes),
    code(214, "a help message", "214 Help message.", Codes),
    code(215, "the system type", "215 NAME system type.", Codes),
    code(220, "ready for a new user", "220 Service ready for new user.", Codes),
    code(221, "goodbye", "221 Service closing control connection.", Codes),
    code(225, "data connection open, idle", "225 Data connection open; no transfer in progress.", Codes),
    code(226, "transfer done", "226 Closing data connection.", Codes),
    code(227, "entering passive mode", "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2).", Codes),
    code(230, "logged in", "230 User logged in, proceed.", Codes),
    code(250, "file action done", "250 Requested file action okay, completed.", Codes),
    code(257, "a path name", "257 \"PATHNAME\" created.", Codes),
    code(331, "user name okay, need password", "331 User name okay, need password.", Codes),
    code(332, "need an account", "332 Need account for login.", Codes),
    code(350, "waiting for the next command", "350 Requested file action pending further information.", Codes),
    code(421, "service not available", "421 Service not available, closing control connection.", Codes),
    code(425, "can't open data connection", "425 Can't open data connection.", Codes),
    code(426, "transfer aborted", "426 Connection closed; transfer aborted.", Codes),
    code(450, "file busy, not taken", "450 Requested file action not taken. File unavailable (e.g., file busy).", Codes),
    code(451, "aborted: local error", "451 Requested action aborted: local error in processing.", Codes),
    code(452, "no storage space", "452 Requested action not taken. Insufficient storage space in system.", Codes),
    code(500, "command not understood", "500 Syntax error, command unrecognized.", Codes),
    code(501, "bad argument", "501 Syntax error in parameters or arguments.", Codes),
    code(502, "command not implemented", "502 Command not implemented.", Codes),
    code(503, "bad sequence of commands", "503 Bad sequence of commands.", Codes),
    code(504, "not for that parameter", "504 Command not implemented for that parameter.", Codes),
    code(530, "not logged in", "530 Not logged in.", Codes),
    code(532, "need an account to store", "532 Need account for storing files.", Codes),
    code(550, "file unavailable", "550 Requested action not taken. File unavailable (e.g., file not found, no access).", Codes),
    code(551, "page type unknown", "551 Requested action aborted: page type unknown.", Codes),
    code(552, "storage allocation exceeded", "552 Requested file action aborted. Exceeded storage allocation (for current directory or dataset).", Codes),
    code(553, "file name not allowed", "553 Requested action not taken. File name not allowed.", Codes),
    code(229, "entering extended passive mode", "xy9 Extended Passive Mode Entered", Rule::Epsv),
    code(522, "network protocol not supported", "xy2 Extended Port Failure - unknown network protocol", Rule::Eprt),
    code(232, "logged in by security data", "232 User logged in, authorized by security data exchange.", Sec),
    code(234, "security exchange complete", "234 Security data exchange complete.", Sec),
    code(431, "security resource missing", "431 Need some unavailable resource to process security.", Sec),
    code(533, "protection denied by policy", "533 Command protection level denied for policy reasons.", Sec),
    code(534, "denied by policy", "534 Request denied for policy reasons.", Sec),
    code(535, "failed security check", "535 Failed security check (hash, sequence, etc).", Sec),
    code(536, "PROT level not supported", "536 Requested PROT level not supported by mechanism.", Sec),
    code(537, "protection level unsupported", "537 Command protection level not supported by security mechanism.", Sec),
];

/// The reply code `code`, if the narration knows it.
pub fn reply_code(code: u16) -> Option<&'static Code> {
    CODES.iter().find(|c| c.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_row_cites_the_section_its_verb_is_defined_in() {
        for row in VERBS {
            assert_eq!(row.verb, row.of.as_str());
            match (row.defined, row.of.origin()) {
                (Defined::In(rule), Some(Origin::Rfc(s))) => {
                    let c = rule.cite();
                    assert_eq!((c.rfc, c.section), (s.rfc, s.section), "{}", row.verb);
                }
                (Defined::OldSpelling(now), Some(Origin::OldSpelling(v))) => {
                    assert_eq!(now, v.as_str())
                }
                (Defined::DeFacto, Some(Origin::DeFacto)) => {}
                (d, o) => panic!("{}: {d:?} from {o:?}", row.verb),
            }
        }
        assert_eq!(
            of(&Verb::Rest).map(|v| v.defined),
            Some(Defined::In(Rule::Rest))
        );
        assert_eq!(
            command("mlsd").map(|v| v.defined),
            Some(Defined::In(Rule::Mlsx))
        );
        assert_eq!(command("XYZZY"), None);
    }

    #[test]
    fn every_verb_with_a_section_has_a_row_so_its_section_is_checked() {
        // tests/narration_citations.rs checks every row against the RFC
        // text: a verb whose section no row cites would go unchecked.
        for v in Verb::KNOWN.iter().filter(|v| v.section().is_some()) {
            assert!(of(v).is_some(), "{v}");
        }
    }
}
