//! Directory listings, in the three shapes FTP has for them.
//!
//! - `LIST`: for people. No standard format; everyone copies `ls -l`, and
//!   clients parse that guess.
//! - `NLST`: names only, one per line, for scripts.
//! - `MLSD` (RFC 3659): for programs, `fact=value;` pairs then the name:
//!   `type=file;size=80;modify=20261125151800; hello.txt`.
//!
//! Listings always travel as ASCII: lines end in CRLF whatever `TYPE` says.

use super::files::Entry;
use std::time::{SystemTime, UNIX_EPOCH};

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

fn ls_line(e: &Entry) -> String {
    let (_, mo, d, h, mi, _) = civil(e.modified);
    let month = MONTHS
        .get(mo.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("Jan");
    let mode = if e.is_dir { "drwxr-xr-x" } else { "-rw-r--r--" };
    format!(
        "{mode} 1 ftp ftp {:>10} {month} {d:>2} {h:02}:{mi:02} {}",
        e.size, e.name
    )
}

fn mlsd_line(e: &Entry) -> String {
    let modify = timeval(e.modified);
    if e.is_dir {
        format!("type=dir;modify={modify}; {}", e.name)
    } else {
        format!("type=file;size={};modify={modify}; {}", e.size, e.name)
    }
}

/// Which listing a command asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    List,
    Nlst,
    Mlsd,
}

/// The listing's bytes as sent, CRLF after every line.
pub fn render(entries: &[Entry], style: Style) -> Vec<u8> {
    let mut out = String::new();
    for e in entries {
        let line = match style {
            Style::List => ls_line(e),
            Style::Nlst => e.name.clone(),
            Style::Mlsd => mlsd_line(e),
        };
        out.push_str(&line);
        out.push_str("\r\n");
    }
    out.into_bytes()
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

    #[test]
    fn the_three_styles() {
        let e = Entry {
            name: "hello.txt".into(),
            is_dir: false,
            size: 80,
            modified: UNIX_EPOCH,
        };
        let list = String::from_utf8(render(std::slice::from_ref(&e), Style::List)).unwrap();
        assert_eq!(
            list,
            "-rw-r--r-- 1 ftp ftp         80 Jan  1 00:00 hello.txt\r\n"
        );
        assert_eq!(
            render(std::slice::from_ref(&e), Style::Nlst),
            b"hello.txt\r\n"
        );
        let mlsd = String::from_utf8(render(&[e], Style::Mlsd)).unwrap();
        assert_eq!(
            mlsd,
            "type=file;size=80;modify=19700101000000; hello.txt\r\n"
        );
    }
}
