//! Recognising FTP by what it says, with or without its first words.
//!
//! Port 21 is only a convention (servers listen on 2121, 8021, anything),
//! so a TCP connection is taken for an FTP control connection by its
//! content. Other protocols talk much like FTP: SMTP and NNTP servers also
//! answer with three-digit codes, POP3 clients also send `USER` and `PASS`,
//! so the test has to be about *both* sides and about words only FTP uses.
//!
//! **From the start.** The side that was dialled greets with a `220` reply
//! (RFC 959 §5.4: "220 Service ready"), then the dialler speaks an FTP
//! command ([`OPENING_VERBS`]: `USER`, `AUTH`, `FEAT`...). An SMTP server also
//! greets with `220`, but its client answers `EHLO`: not FTP.
//!
//! **Joined mid-way.** A capture that starts after the banner (or lost it)
//! has no first words. Then one side must send only FTP commands, the other
//! only replies (three digits, then a space or a hyphen), until a command
//! only FTP has ([`FTP_VERBS`]: `PASV`, `RETR`, `TYPE`, `CWD`...) and a whole
//! reply have both been heard. Commands other protocols share (`QUIT`,
//! `NOOP`, `HELP`, `LIST`, `STAT`, `MODE`, `AUTH`: SMTP and NNTP have them)
//! are allowed but prove nothing; any other line (`EHLO`, `MAIL`, `GROUP`,
//! `GET / HTTP/1.1`, `+OK`) means not FTP. Whoever sends the commands is
//! the client, whichever end dialled.

use crate::ftp::{self, Command};
use crate::trace::Side;

/// Commands that, right after a `220` banner, say "this is an FTP client".
pub const OPENING_VERBS: &[ftp::Verb] = {
    use ftp::Verb::*;
    &[
        User, Auth, Feat, Opts, Syst, Host, Clnt, Pass, Acct, Pwd, Xpwd, Type, Pasv, Epsv, Port,
        Eprt, Lang, Site, Cwd, List, Nlst, Mlsd,
    ]
};

/// Commands only FTP has: with replies from the other side, proof of FTP
/// without a banner. (`USER`/`PASS` are POP3's too, but POP3 answers `+OK`,
/// never three digits.)
pub const FTP_VERBS: &[ftp::Verb] = {
    use ftp::Verb::*;
    &[
        User, Pass, Acct, Cwd, Xcwd, Cdup, Xcup, Pwd, Xpwd, Type, Stru, Pasv, Epsv, Port, Eprt,
        Lprt, Lpsv, Retr, Stor, Stou, Appe, Nlst, Mlsd, Mlst, Size, Mdtm, Rest, Rnfr, Rnto, Dele,
        Rmd, Xrmd, Mkd, Xmkd, Syst, Feat, Opts, Abor, Site, Pbsz, Prot, Ccc, Allo, Rein, Smnt,
        Lang, Host, Clnt,
    ]
};

/// FTP commands other three-digit protocols (SMTP, NNTP) have too.
const SHARED_VERBS: &[ftp::Verb] = {
    use ftp::Verb::*;
    &[Quit, Noop, Help, List, Stat, Mode, Auth]
};

/// How far the "is this FTP?" question has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judgement {
    /// Waiting for the dialled side's `220`.
    AwaitBanner,
    /// Banner heard; waiting for the dialler's first command.
    AwaitCommand,
    /// Joined mid-way: waiting for an FTP-only command from the client and
    /// a whole reply from the server.
    MidWay,
    Ftp,
    NotFtp,
}

/// What a client line is worth when the session was joined mid-way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// A command only FTP has.
    Proof,
    /// An FTP command other protocols share.
    Shared,
    /// Not an FTP command.
    Foreign,
}

/// Classifies a client line (Telnet bytes before an urgent `ABOR` aside).
pub fn verb(line: &str) -> Verb {
    let line = line.trim_start_matches(|c: char| !c.is_ascii());
    match Command::parse(line) {
        Ok(c) if FTP_VERBS.contains(&c.verb) => Verb::Proof,
        Ok(c) if SHARED_VERBS.contains(&c.verb) => Verb::Shared,
        _ => Verb::Foreign,
    }
}

/// Whether a line opens an FTP dialogue after the banner.
pub fn opening(line: &str) -> bool {
    Command::parse(line.trim_start()).is_ok_and(|c| OPENING_VERBS.contains(&c.verb))
}

/// Who sent the first payload of a connection caught mid-way, if it looks
/// like FTP at all: a reply start (`ddd ` or `ddd-`) is the server's, an
/// FTP command the client's.
pub fn speaker(payload: &[u8]) -> Option<Side> {
    let reply = payload
        .get(..3)
        .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
        && matches!(payload.get(3), Some(b' ' | b'-' | b'\r'));
    if reply {
        return Some(Side::Server);
    }
    let end = payload
        .iter()
        .take(9)
        .position(|&b| b == b' ' || b == b'\r')?;
    let first = std::str::from_utf8(payload.get(..end)?).ok()?;
    (verb(first) != Verb::Foreign).then_some(Side::Client)
}

/// Whether the first payload of a connection caught mid-way could be the
/// middle of a multi-line reply (RFC 959 §4.2: lines between the first and
/// the last may say anything): whole lines of plain text that are neither
/// a reply start nor a command. Only the server sends such lines.
pub fn continuation(payload: &[u8]) -> bool {
    let text = |b: &u8| b.is_ascii_graphic() || matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    payload.contains(&b'\n') && payload.iter().take(256).all(text) && speaker(payload).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_words_name_the_speaker() {
        assert_eq!(speaker(b"150 Opening BINARY mode\r\n"), Some(Side::Server));
        assert_eq!(speaker(b"211-Features:\r\n"), Some(Side::Server));
        assert_eq!(speaker(b"PASV\r\n"), Some(Side::Client));
        assert_eq!(speaker(b"retr a.txt\r\n"), Some(Side::Client));
        assert_eq!(speaker(b"QUIT\r\n"), Some(Side::Client));
        assert_eq!(speaker(b"GET / HTTP/1.1\r\n"), None);
        assert_eq!(speaker(b"EHLO me\r\n"), None);
        assert_eq!(speaker(b"HTTP/1.1 200 OK\r\n"), None);
        assert_eq!(speaker(b"+OK POP3 ready\r\n"), None);
        assert_eq!(speaker(b"1234 not a code\r\n"), None);
        assert_eq!(speaker(b"\x16\x03\x01\x02\x00"), None);
        assert_eq!(speaker(b""), None);
    }

    #[test]
    fn plain_text_lines_may_continue_a_reply() {
        assert!(continuation(
            b"     The local time is Fri Jan 10 01:40:16 2003\r\n"
        ));
        assert!(continuation(b" \r\n"));
        assert!(!continuation(b"220 ready\r\n"));
        assert!(!continuation(b"USER x\r\n"));
        assert!(!continuation(b"\x16\x03\x01\x02\x00\n"));
        assert!(!continuation(b"no line end yet"));
    }

    #[test]
    fn only_ftp_words_prove_ftp() {
        assert_eq!(verb("TYPE I"), Verb::Proof);
        assert_eq!(verb("\u{fffd}\u{fffd}ABOR"), Verb::Proof);
        assert_eq!(verb("QUIT"), Verb::Shared);
        assert_eq!(verb("LIST"), Verb::Shared);
        assert_eq!(verb("EHLO me"), Verb::Foreign);
        assert_eq!(verb("MAIL FROM:<a@b>"), Verb::Foreign);
        assert_eq!(verb("GROUP comp.lang.rust"), Verb::Foreign);
        assert_eq!(verb("GET / HTTP/1.1"), Verb::Foreign);
        assert_eq!(verb("220 ready"), Verb::Foreign);
    }
}
