//! Commands: what the client says on the control connection.
//!
//! A command is a verb (`USER`, `PORT`, `RETR`, …; case does not matter,
//! RFC 959 §5.3) and, after one space, an optional argument that runs to the
//! end of the line: `RETR hello.txt`, `PORT 127,0,0,2,195,80`, `EPSV ALL`.
//! The verb is kept upper case; the argument exactly as sent, since file
//! names may contain spaces.

use super::Verb;
use std::fmt;

/// One command line, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The verb ([`Verb::Retr`]); an unknown one keeps its letters, upper
    /// case.
    pub verb: Verb,
    /// Everything after the first space; empty when there is none.
    pub arg: String,
}

/// A line that is not a command at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("empty command line")]
    Empty,
    #[error("not a command verb: {0:?}")]
    BadVerb(String),
}

/// The longest verb we accept. RFC 959's are 3 or 4 letters; extensions
/// such as `CLNT`, `HOST`, `MLSD` too, so 8 leaves room without letting
/// garbage pass as a verb.
const MAX_VERB: usize = 8;

impl Command {
    pub fn new(verb: impl Into<Verb>, arg: &str) -> Command {
        Command {
            verb: verb.into(),
            arg: arg.to_string(),
        }
    }

    /// Parses a line without its CRLF.
    pub fn parse(line: &str) -> Result<Command, CommandError> {
        let (verb, arg) = match line.split_once(' ') {
            Some((v, a)) => (v, a),
            None => (line, ""),
        };
        if verb.is_empty() {
            return Err(if line.trim().is_empty() {
                CommandError::Empty
            } else {
                CommandError::BadVerb(line.chars().take(16).collect())
            });
        }
        if verb.len() > MAX_VERB || !verb.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(CommandError::BadVerb(verb.chars().take(16).collect()));
        }
        Ok(Command::new(verb, arg))
    }

    /// The bytes to send, CRLF included.
    pub fn to_wire(&self) -> String {
        format!("{self}\r\n")
    }
}

impl fmt::Display for Command {
    /// The line as sent, without CRLF.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.arg.is_empty() {
            f.write_str(self.verb.as_str())
        } else {
            write!(f, "{} {}", self.verb, self.arg)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn verbs_are_upper_cased_and_arguments_kept_whole() {
        let c = Command::parse("retr my file.txt").unwrap();
        assert_eq!(c.verb, Verb::Retr);
        assert_eq!(c.arg, "my file.txt");
        assert_eq!(c.to_wire(), "RETR my file.txt\r\n");
        assert_eq!(
            Command::parse("EPSV ALL").unwrap(),
            Command::new(Verb::Epsv, "ALL")
        );
        assert_eq!(Command::parse("PWD").unwrap().arg, "");
    }

    #[test]
    fn garbage_is_not_a_command() {
        assert_eq!(Command::parse(""), Err(CommandError::Empty));
        assert_eq!(Command::parse("   "), Err(CommandError::Empty));
        assert!(matches!(
            Command::parse(" USER x"),
            Err(CommandError::BadVerb(_))
        ));
        assert!(matches!(
            Command::parse("\u{fffd}\u{fffd}"),
            Err(CommandError::BadVerb(_))
        ));
        assert!(matches!(
            Command::parse("ABCDEFGHIJ x"),
            Err(CommandError::BadVerb(_))
        ));
        let get = Command::parse("GET / HTTP/1.1").unwrap();
        assert_eq!(get.verb, Verb::Other("GET".into()));
    }

    proptest! {
        #[test]
        fn display_then_parse_is_identity(verb in "[A-Z]{3,4}", arg in "[ -~]{0,30}") {
            let c = Command::new(verb.as_str(), &arg);
            prop_assert_eq!(Command::parse(&c.to_string()).unwrap(), c);
        }

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,64}") {
            let _ = Command::parse(&s);
        }
    }
}
