//! `--json`: the trace as JSON Lines, one event per line.
//!
//! The field names are the contract in DESIGN.md; serde derives them from
//! [`Event`], so the writer and the reader cannot drift apart.

use super::{Event, Trace};
use std::io::{self, BufRead, Write};

/// A line of JSON Lines input that is not an event.
#[derive(Debug, thiserror::Error)]
pub enum JsonError {
    #[error("line {line}: {source}")]
    Parse {
        line: usize,
        source: serde_json::Error,
    },
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Writes one event as one line of JSON.
pub fn write_json_line(mut w: impl Write, event: &Event) -> io::Result<()> {
    serde_json::to_writer(&mut w, event)?;
    w.write_all(b"\n")
}

/// Reads a whole JSON Lines trace (blank lines are skipped).
pub fn read_json_lines(r: impl BufRead) -> Result<Trace, JsonError> {
    let mut trace = Trace::new();
    for (i, line) in r.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let event = serde_json::from_str(&line).map_err(|source| JsonError::Parse {
            line: i + 1,
            source,
        })?;
        trace.push(event);
    }
    Ok(trace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Blocker, FailReason, Kind, Side, Via};

    fn round_trip(e: Event) -> String {
        let mut out = Vec::new();
        write_json_line(&mut out, &e).unwrap();
        let back = read_json_lines(&out[..]).unwrap();
        assert_eq!(back.events, vec![e]);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn connect_has_the_contract_fields() {
        let e = Event::new(
            0.5,
            1,
            1,
            Side::Server,
            Kind::Connect {
                src: "127.0.0.3:2120".parse().unwrap(),
                dst: "[::1]:50000".parse().unwrap(),
                via: Some(Via::Port),
            },
        );
        assert_eq!(
            round_trip(e),
            "{\"t\":0.5,\"session\":1,\"conn\":1,\"channel\":\"data\",\"from\":\"server\",\
             \"kind\":\"connect\",\"src\":\"127.0.0.3:2120\",\"dst\":\"[::1]:50000\",\"via\":\"PORT\"}\n"
        );
    }

    #[test]
    fn control_connect_has_no_via_and_fail_names_its_blocker() {
        let c = Event::new(
            0.0,
            1,
            0,
            Side::Client,
            Kind::Connect {
                src: "127.0.0.2:40000".parse().unwrap(),
                dst: "127.0.0.3:2121".parse().unwrap(),
                via: None,
            },
        );
        assert!(!round_trip(c).contains("via"));
        let f = Event::new(
            1.0,
            1,
            2,
            Side::Server,
            Kind::Fail {
                reason: FailReason::Blocked,
                by: Some(Blocker::ClientFirewall),
            },
        );
        let line = round_trip(f);
        assert!(
            line.contains("\"kind\":\"fail\",\"reason\":\"blocked\",\"by\":\"client-firewall\"")
        );
    }

    #[test]
    fn replies_keep_multi_line_text_and_notes_survive() {
        let r = Event::new(
            0.25,
            2,
            0,
            Side::Server,
            Kind::Reply {
                code: 211,
                text: "211-Features:\n EPSV\n211 End".into(),
            },
        )
        .with_note("FEAT lists extensions");
        let line = round_trip(r);
        assert!(line.contains("\"code\":211"));
        assert!(line.contains("\\n EPSV\\n"));
    }

    #[test]
    fn a_bad_line_is_reported_with_its_number() {
        let err = read_json_lines(&b"\n{\"t\":1}\n"[..]).unwrap_err();
        assert!(err.to_string().starts_with("line 2:"), "{err}");
    }
}
