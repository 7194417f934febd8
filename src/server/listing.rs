//! Directory listings, in the three shapes FTP has for them.
//!
//! - `LIST`: for people. No standard format; everyone copies `ls -l`, and
//!   clients parse that guess.
//! - `NLST`: names only, one per line, for scripts.
//! - `MLSD` (RFC 3659): for programs, `fact=value;` pairs then the name:
//!   `type=file;size=80;modify=20261125151800; hello.txt`.
//!
//! Listings always travel as ASCII: lines end in CRLF whatever `TYPE` says.
//! Each entry shows what it is: `d` a folder, `-` a file, and the special
//! files a server never sends (`p` a FIFO, `c`/`b` a device, `s` a socket).
//!
//! `LIST` dates follow `ls -l`: month, day and time for a file changed in
//! the last six months, month, day and *year* for an older one or one
//! dated in the future (`Mar  4  2019`) — a time alone would pass for this
//! year's.
//!
//! `MLSD` lines (and `MLST`'s, on the control connection) carry the facts
//! the client chose with `OPTS MLST` ([`Facts`]), by default all three we
//! know: `type`, `size` and `modify` (RFC 3659 §7.9).

use super::entry::{Entry, Kind};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A moment as (year, month, day, hour, minute, second) in UTC.
pub fn civil(t: SystemTime) -> (i64, u32, u32, u32, u32, u32) {
    // Before 1970 shows as 1970; past year 292 billion, as the last second.
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        month,
        day,
        (rem / 3600) as u32,
        (rem % 3600 / 60) as u32,
        (rem % 60) as u32,
    )
}

/// `YYYYMMDDHHMMSS`, as MDTM and MLSD write a time.
pub fn timeval(t: SystemTime) -> String {
    let (y, mo, d, h, mi, s) = civil(t);
    format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}")
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A name as it goes into a listing line: its bytes (UTF-8 or not, RFC
/// 3659 §2.2), except the control characters. A CR or LF inside a name
/// would end the line early and forge the next one (vsftpd sends them as
/// they are); RFC 3659 §2.2 asks for "some other form, such that the other
/// form can be recognised and be correctly converted back". Ours is
/// `ls -b`'s: `\` and three octal digits (`a\012b` for `a`, LF, `b`),
/// and the escape character itself doubled (`a\\012b` for a name that
/// really has a backslash there), so no name can pass for another. The
/// server takes that form back in a path ([`unescape`]).
pub fn escape(name: &[u8], out: &mut Vec<u8>) {
    for &b in name {
        if b.is_ascii_control() {
            out.extend_from_slice(format!("\\{b:03o}").as_bytes());
        } else if b == b'\\' {
            out.extend_from_slice(b"\\\\");
        } else {
            out.push(b);
        }
    }
}

/// The name behind an escaped one: every `\ooo` that stands for a control
/// character becomes that byte, `\\` one backslash; anything else stays.
pub fn unescape(name: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len());
    let mut i = 0;
    while let Some(&b) = name.get(i) {
        if b == b'\\' && name.get(i + 1) == Some(&b'\\') {
            out.push(b);
            i += 2;
            continue;
        }
        let code = name
            .get(i + 1..i + 4)
            .filter(|_| b == b'\\')
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| u8::from_str_radix(d, 8).ok())
            .filter(u8::is_ascii_control);
        match code {
            Some(c) => {
                out.push(c);
                i += 4;
            }
            None => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

fn type_char(kind: Kind) -> char {
    match kind {
        Kind::File => '-',
        Kind::Dir => 'd',
        Kind::Fifo => 'p',
        Kind::Socket => 's',
        Kind::CharDevice => 'c',
        Kind::BlockDevice => 'b',
    }
}

/// Half of the mean Gregorian year, as GNU `ls` counts six months.
const SIX_MONTHS: Duration = Duration::from_secs(31_556_952 / 2);

/// `Mar  4 05:06` for a time within six months before `now`, `Mar  4
/// 2019` (the year in the time's place) for any other.
pub fn ls_date(t: SystemTime, now: SystemTime) -> String {
    let (y, mo, d, h, mi, _) = civil(t);
    let month = MONTHS
        .get(mo.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("Jan");
    let recent = t <= now && now.duration_since(t).is_ok_and(|age| age < SIX_MONTHS);
    if recent {
        format!("{month} {d:>2} {h:02}:{mi:02}")
    } else {
        format!("{month} {d:>2} {y:>5}")
    }
}

fn ls_line(e: &Entry, now: SystemTime, out: &mut Vec<u8>) {
    let mode = if e.is_dir() { "rwxr-xr-x" } else { "rw-r--r--" };
    let head = format!(
        "{}{mode} 1 ftp ftp {:>10} {} ",
        type_char(e.kind),
        e.size,
        ls_date(e.modified, now)
    );
    out.extend_from_slice(head.as_bytes());
    escape(&e.name, out);
}

/// The MLSx facts a client wants (`OPTS MLST`); all three by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub kind: bool,
    pub size: bool,
    pub modify: bool,
}

impl Default for Facts {
    fn default() -> Facts {
        Facts {
            kind: true,
            size: true,
            modify: true,
        }
    }
}

impl Facts {
    /// The facts named in `OPTS MLST type;size;` (case does not matter;
    /// names we do not know are left out, RFC 3659 §7.9).
    pub fn parse(list: &str) -> Facts {
        let named = |fact: &str| list.split(';').any(|f| f.trim().eq_ignore_ascii_case(fact));
        Facts {
            kind: named("type"),
            size: named("size"),
            modify: named("modify"),
        }
    }

    /// `type;size;` — the facts chosen, as `OPTS MLST` answers them.
    pub fn chosen(&self) -> String {
        self.names()
            .filter(|(_, on)| *on)
            .map(|(n, _)| format!("{n};"))
            .collect()
    }

    /// The `FEAT` line: every fact we know, a `*` on those chosen.
    pub fn feature(&self) -> String {
        let facts: String = self
            .names()
            .map(|(n, on)| format!("{n}{};", if on { "*" } else { "" }))
            .collect();
        format!("MLST {facts}")
    }

    fn names(&self) -> impl Iterator<Item = (&'static str, bool)> {
        [
            ("type", self.kind),
            ("size", self.size),
            ("modify", self.modify),
        ]
        .into_iter()
    }
}

/// An entry's facts as RFC 3659 §7.2 writes them, then one space: e.g.
/// `type=file;size=80;modify=20261125151800; `.
pub fn facts_of(e: &Entry, facts: Facts) -> String {
    let mut out = String::new();
    if facts.kind {
        // RFC 3659 §7.5.1.5: a system-defined type for anything else.
        let kind = match e.kind {
            Kind::Dir => "dir",
            Kind::File => "file",
            Kind::Fifo => "OS.unix=fifo",
            Kind::Socket => "OS.unix=socket",
            Kind::CharDevice => "OS.unix=chr",
            Kind::BlockDevice => "OS.unix=blk",
        };
        out.push_str(&format!("type={kind};"));
    }
    if facts.size && e.kind == Kind::File {
        out.push_str(&format!("size={};", e.size));
    }
    if facts.modify {
        out.push_str(&format!("modify={};", timeval(e.modified)));
    }
    out.push(' ');
    out
}

/// Which listing a command asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    List,
    Nlst,
    Mlsd(Facts),
}

/// One entry's line as sent, CRLF included, appended to `out`; `now`
/// decides which `LIST` dates show a year.
pub fn render_line(e: &Entry, style: Style, now: SystemTime, out: &mut Vec<u8>) {
    match style {
        Style::List => ls_line(e, now, out),
        Style::Nlst => escape(&e.name, out),
        Style::Mlsd(facts) => {
            out.extend_from_slice(facts_of(e, facts).as_bytes());
            escape(&e.name, out);
        }
    }
    out.extend_from_slice(b"\r\n");
}

/// Bytes of listing per piece sent: a listing is made a piece at a time
/// as it is sent, never whole in memory.
pub const PIECE: usize = 64 * 1024;

/// A listing as pieces of about [`PIECE`] bytes, whole lines each.
pub fn pieces(entries: impl Iterator<Item = Entry>, style: Style) -> impl Iterator<Item = Vec<u8>> {
    let now = SystemTime::now();
    let mut entries = entries.peekable();
    std::iter::from_fn(move || {
        entries.peek()?;
        let mut piece = Vec::with_capacity(PIECE + 512);
        while piece.len() < PIECE {
            match entries.next() {
                Some(e) => render_line(&e, style, now, &mut piece),
                None => break,
            }
        }
        Some(piece)
    })
}

/// The whole listing's bytes as sent, CRLF after every line.
pub fn render(entries: &[Entry], style: Style, now: SystemTime) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        render_line(e, style, now, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn civil_dates_are_right() {
        let t = UNIX_EPOCH + Duration::from_secs(1_795_621_080); // 2026-11-25 15:38:00 UTC (date -d)
        assert_eq!(timeval(t), "20261125153800");
        assert_eq!(timeval(UNIX_EPOCH), "19700101000000");
    }

    /// The epoch itself: a file from then is recent.
    const NOW: SystemTime = UNIX_EPOCH;

    #[test]
    fn the_three_styles() {
        let e = Entry {
            name: b"hello.txt".to_vec(),
            kind: Kind::File,
            size: 80,
            modified: UNIX_EPOCH,
        };
        let list = String::from_utf8(render(std::slice::from_ref(&e), Style::List, NOW)).unwrap();
        assert_eq!(
            list,
            "-rw-r--r-- 1 ftp ftp         80 Jan  1 00:00 hello.txt\r\n"
        );
        assert_eq!(
            render(std::slice::from_ref(&e), Style::Nlst, NOW),
            b"hello.txt\r\n"
        );
        let mlsd = String::from_utf8(render(&[e], Style::Mlsd(Facts::default()), NOW)).unwrap();
        assert_eq!(
            mlsd,
            "type=file;size=80;modify=19700101000000; hello.txt\r\n"
        );
    }

    #[test]
    fn control_characters_are_escaped_and_come_back() {
        let forged = b"a\r\n-rw-r--r-- 1 root root 1 Jan  1 00:00 evil".to_vec();
        let e = Entry {
            name: forged.clone(),
            kind: Kind::Fifo,
            size: 0,
            modified: UNIX_EPOCH,
        };
        let list = render(std::slice::from_ref(&e), Style::List, NOW);
        assert_eq!(list.iter().filter(|&&b| b == b'\n').count(), 1, "one line");
        assert!(list.starts_with(b"prw-r--r-- "));
        assert!(list.ends_with(b" a\\015\\012-rw-r--r-- 1 root root 1 Jan  1 00:00 evil\r\n"));
        assert_eq!(unescape(b"a\\015\\012-rw"), b"a\r\n-rw");
        assert_eq!(
            unescape(b"a\\101\\x\\0"),
            b"a\\101\\x\\0",
            "only control codes"
        );
        let raw = Entry {
            name: b"caf\xe9".to_vec(),
            kind: Kind::File,
            ..e
        };
        assert_eq!(
            render(&[raw], Style::Nlst, NOW),
            b"caf\xe9\r\n",
            "not UTF-8: sent as is"
        );
    }

    #[test]
    fn a_backslash_is_escaped_too_so_no_name_passes_for_another() {
        let mut newline = Vec::new();
        escape(b"a\nb", &mut newline);
        let mut backslash = Vec::new();
        escape(b"a\\012b", &mut backslash);
        assert_eq!(newline, b"a\\012b");
        assert_eq!(backslash, b"a\\\\012b");
        assert_eq!(unescape(&newline), b"a\nb");
        assert_eq!(unescape(&backslash), b"a\\012b");
    }

    #[test]
    fn old_and_future_dates_show_the_year() {
        let day = |d: u64| UNIX_EPOCH + Duration::from_secs(d * 86_400 + 5 * 3600 + 6 * 60);
        let now = day(400);
        // 1971-01-10 05:06 is recent; 180 days before is too; 190 is not.
        assert_eq!(ls_date(day(400), now), "Feb  5 05:06");
        assert_eq!(ls_date(day(220), now), "Aug  9 05:06");
        assert_eq!(ls_date(day(210), now), "Jul 30  1970");
        assert_eq!(ls_date(day(401), now), "Feb  6  1971", "in the future");
        assert_eq!(ls_date(UNIX_EPOCH, now), "Jan  1  1970");
    }

    #[test]
    fn mlsx_facts_are_the_ones_chosen() {
        let facts = Facts::parse("Type;MODIFY;perm;");
        assert_eq!(facts.chosen(), "type;modify;");
        assert_eq!(facts.feature(), "MLST type*;size;modify*;");
        assert_eq!(Facts::default().feature(), "MLST type*;size*;modify*;");
        let dir = Entry {
            name: b"docs".to_vec(),
            kind: Kind::Dir,
            size: 4096,
            modified: UNIX_EPOCH,
        };
        assert_eq!(
            facts_of(&dir, Facts::default()),
            "type=dir;modify=19700101000000; "
        );
        assert_eq!(facts_of(&dir, Facts::parse("")), " ");
    }

    #[test]
    fn pieces_hold_whole_lines() {
        let many: Vec<Entry> = (0..5000)
            .map(|i| Entry {
                name: format!("file-{i:05}").into_bytes(),
                kind: Kind::File,
                size: 1,
                modified: UNIX_EPOCH,
            })
            .collect();
        let pieces: Vec<Vec<u8>> = pieces(many.clone().into_iter(), Style::List).collect();
        assert!(pieces.len() > 1);
        assert!(pieces
            .iter()
            .all(|p| p.ends_with(b"\r\n") && p.len() < PIECE + 512));
        assert_eq!(
            pieces.concat(),
            render(&many, Style::List, SystemTime::now())
        );
    }
}
