//! Replies: what the server answers on the control connection.
//!
//! Every reply starts with a three-digit code (RFC 959 §4.2). A one-line
//! reply is `227 Entering Passive Mode (127,0,0,3,195,80)`. A multi-line
//! reply opens with the code and a hyphen and ends at a line with the same
//! code and a space:
//!
//! ```text
//! 211-Features:
//!  EPSV
//!  MLSD
//! 211 End
//! ```
//!
//! Lines in between may say anything, even start with other digits.
//! [`ReplyParser`] takes lines one at a time and gives back whole replies.

use std::fmt;

/// One whole reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    /// The lines as sent, code and all, without CRLF.
    pub lines: Vec<String>,
}

/// A line that cannot be (part of) a reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    #[error("not a reply line: {0:?}")]
    NotAReply(String),
    #[error("multi-line {code} reply longer than {limit} lines")]
    TooManyLines { code: u16, limit: usize },
}

/// A multi-line reply longer than this is refused rather than buffered.
pub const MAX_REPLY_LINES: usize = 1000;

impl Reply {
    /// A reply from a code and a message; a message with `\n` in it becomes
    /// a multi-line reply.
    pub fn new(code: u16, message: &str) -> Reply {
        let parts: Vec<&str> = message.split('\n').collect();
        let lines = if parts.len() == 1 {
            vec![format!("{code} {message}")]
        } else {
            let last = parts.len() - 1;
            parts
                .iter()
                .enumerate()
                .map(|(i, p)| match i {
                    0 => format!("{code}-{p}"),
                    i if i == last => format!("{code} {p}"),
                    _ => format!(" {p}"),
                })
                .collect()
        };
        Reply { code, lines }
    }

    /// The whole reply as the trace shows it: lines joined with `\n`.
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }

    /// The message of the first line, without the code: for `227 Entering
    /// Passive Mode (…)` that is `Entering Passive Mode (…)`.
    pub fn message(&self) -> &str {
        self.lines
            .first()
            .and_then(|l| l.get(4..))
            .unwrap_or_default()
    }

    /// The bytes to send, CRLF after every line.
    pub fn to_wire(&self) -> String {
        let mut s = String::new();
        for l in &self.lines {
            s.push_str(l);
            s.push_str("\r\n");
        }
        s
    }

    /// 1xx: a preliminary reply, another one follows.
    pub fn is_preliminary(&self) -> bool {
        (100..200).contains(&self.code)
    }

    /// 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.code)
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

/// The code and separator of a reply line: `(227, b' ')`; `None` when the
/// line does not start with three digits and a space, a hyphen or its end.
pub fn code_of(line: &str) -> Option<(u16, u8)> {
    let b = line.as_bytes();
    if b.len() < 3 || !b[..3].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sep = *b.get(3).unwrap_or(&b' ');
    if sep != b' ' && sep != b'-' {
        return None;
    }
    let code = b[..3]
        .iter()
        .fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
    Some((code, sep))
}

/// Turns reply lines into whole replies.
#[derive(Debug, Default, Clone)]
pub struct ReplyParser {
    open: Option<Reply>,
}

impl ReplyParser {
    pub fn new() -> ReplyParser {
        ReplyParser::default()
    }

    /// True while inside a multi-line reply.
    pub fn in_reply(&self) -> bool {
        self.open.is_some()
    }

    /// Gives up the multi-line reply in progress, as far as it got (a
    /// stream that ended, or a capture that lost its end).
    pub fn take_open(&mut self) -> Option<Reply> {
        self.open.take()
    }

    /// Feeds one line; returns the reply when this line completes one.
    pub fn push_line(&mut self, line: &str) -> Result<Option<Reply>, ReplyError> {
        if let Some(open) = &mut self.open {
            if open.lines.len() >= MAX_REPLY_LINES {
                let code = open.code;
                self.open = None;
                return Err(ReplyError::TooManyLines {
                    code,
                    limit: MAX_REPLY_LINES,
                });
            }
            open.lines.push(line.to_string());
            if code_of(line) == Some((open.code, b' ')) {
                return Ok(self.open.take());
            }
            return Ok(None);
        }
        match code_of(line) {
            Some((code, b'-')) => {
                self.open = Some(Reply {
                    code,
                    lines: vec![line.to_string()],
                });
                Ok(None)
            }
            Some((code, _)) => Ok(Some(Reply {
                code,
                lines: vec![line.to_string()],
            })),
            None => Err(ReplyError::NotAReply(line.chars().take(32).collect())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse_all(lines: &[&str]) -> Vec<Result<Option<Reply>, ReplyError>> {
        let mut p = ReplyParser::new();
        lines.iter().map(|l| p.push_line(l)).collect()
    }

    #[test]
    fn a_one_line_reply() {
        let r = parse_all(&["227 Entering Passive Mode (127,0,0,1,156,101)."]);
        let reply = r[0].clone().unwrap().unwrap();
        assert_eq!(reply.code, 227);
        assert_eq!(
            reply.message(),
            "Entering Passive Mode (127,0,0,1,156,101)."
        );
    }

    #[test]
    fn a_multi_line_reply_ends_at_its_own_code_and_a_space() {
        let r = parse_all(&[
            "211-Features:",
            " EPRT",
            "200 looks like a code but is not the end",
            "211-still inside",
            "211 End",
        ]);
        assert!(r[..4].iter().all(|x| x == &Ok(None)));
        let reply = r[4].clone().unwrap().unwrap();
        assert_eq!(reply.code, 211);
        assert_eq!(reply.lines.len(), 5);
        assert_eq!(
            reply.text(),
            "211-Features:\n EPRT\n200 looks like a code but is not the end\n211-still inside\n211 End"
        );
    }

    #[test]
    fn a_bare_code_is_a_reply_and_text_is_not() {
        let r = parse_all(&["230", "hello"]);
        assert_eq!(r[0].clone().unwrap().unwrap().code, 230);
        assert!(matches!(r[1], Err(ReplyError::NotAReply(_))));
        assert!(matches!(
            parse_all(&["22x ok"])[0],
            Err(ReplyError::NotAReply(_))
        ));
    }

    #[test]
    fn new_builds_multi_line_replies_that_parse_back() {
        let r = Reply::new(211, "Features:\nEPSV\nEnd");
        assert_eq!(r.to_wire(), "211-Features:\r\n EPSV\r\n211 End\r\n");
        let mut p = ReplyParser::new();
        let mut got = None;
        for l in r.to_wire().split("\r\n").filter(|l| !l.is_empty()) {
            got = p.push_line(l).unwrap();
        }
        assert_eq!(got, Some(r));
    }

    #[test]
    fn an_endless_multi_line_reply_is_cut_off() {
        let mut p = ReplyParser::new();
        p.push_line("211-start").unwrap();
        let mut err = None;
        for _ in 0..MAX_REPLY_LINES + 1 {
            if let Err(e) = p.push_line(" more") {
                err = Some(e);
                break;
            }
        }
        assert_eq!(
            err,
            Some(ReplyError::TooManyLines {
                code: 211,
                limit: MAX_REPLY_LINES
            })
        );
        assert!(!p.in_reply());
    }

    proptest! {
        #[test]
        fn new_then_parse_is_identity(code in 100u16..600, msg in "[ -~]{0,20}(\n[ -~]{0,20}){0,3}") {
            let r = Reply::new(code, &msg);
            let mut p = ReplyParser::new();
            let mut got = None;
            for l in &r.lines {
                prop_assert!(got.is_none());
                got = p.push_line(l).unwrap();
            }
            prop_assert_eq!(got, Some(r));
        }

        #[test]
        fn arbitrary_lines_never_panic(lines in proptest::collection::vec("\\PC{0,12}", 0..12)) {
            let mut p = ReplyParser::new();
            for l in &lines { let _ = p.push_line(l); }
        }
    }
}
