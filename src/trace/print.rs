//! `--print`: the trace as a human timeline, one line per event.
//!
//! ```text
//!   0.000000  1/0 control client  connect 127.0.0.2:41234 -> 127.0.0.3:2121
//!   0.010433  1/1 data    server  connect 127.0.0.3:2120 -> 127.0.0.2:50000 via PORT
//!   0.010581  1/1 data    server  data 78 bytes
//! ```
//!
//! Columns: seconds since the start, `session/conn`, channel, who, and what.
//! A multi-line reply is kept on one line with ` | ` between its lines.

use super::{Event, Kind};
use std::fmt::Write as _;
use std::io::{self, Write};

/// One event as one line of text (no newline).
pub fn format_event(e: &Event) -> String {
    let mut s = format_what(e);
    if let Some(note) = &e.note {
        let _ = write!(s, "  ({note})");
    }
    s
}

/// One event as one line of text, without its note (`--explain` says the
/// note in the narration under it).
pub fn format_what(e: &Event) -> String {
    let mut s = format!(
        "{:>10.6}  {}/{} {:<7} {:<7} ",
        e.t,
        e.session,
        e.conn,
        e.channel.as_str(),
        e.from.as_str()
    );
    match &e.kind {
        Kind::Connect { src, dst, via } => {
            let _ = write!(s, "connect {src} -> {dst}");
            if let Some(via) = via {
                let _ = write!(s, " via {}", via.as_str());
            }
        }
        Kind::Accept => s.push_str("accept"),
        Kind::Fail { reason, by } => {
            let _ = write!(s, "fail {}", reason.as_str());
            if let Some(by) = by {
                let _ = write!(s, " by {}", by.as_str());
            }
        }
        Kind::Command { text, .. } => {
            let _ = write!(s, "command {}", printable(text));
        }
        Kind::Reply { text, .. } => {
            let _ = write!(s, "reply {}", printable(&text.replace('\n', " | ")));
        }
        Kind::Data { bytes } => {
            let _ = write!(s, "data {bytes} bytes");
        }
        Kind::Close => s.push_str("close"),
    }
    s
}

/// Control characters from the wire are shown escaped, so a hostile peer
/// cannot drive the reader's terminal.
fn printable(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// Writes one event as one line of the timeline.
pub fn write_print_line(mut w: impl Write, event: &Event) -> io::Result<()> {
    writeln!(w, "{}", format_event(event))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Side, Via};

    #[test]
    fn a_data_dial_reads_left_to_right() {
        let e = Event::new(
            0.010433,
            1,
            1,
            Side::Server,
            Kind::Connect {
                src: "127.0.0.3:2120".parse().unwrap(),
                dst: "127.0.0.2:50000".parse().unwrap(),
                via: Some(Via::Port),
            },
        );
        assert_eq!(
            format_event(&e),
            "  0.010433  1/1 data    server  connect 127.0.0.3:2120 -> 127.0.0.2:50000 via PORT"
        );
    }

    #[test]
    fn terminal_escapes_from_the_wire_are_defused() {
        let e = Event::new(
            1.0,
            1,
            0,
            Side::Client,
            Kind::Command {
                text: "USER \u{1b}[2Jx".into(),
                verb: "USER".into(),
            },
        );
        let line = format_event(&e);
        assert!(!line.contains('\u{1b}'));
        assert!(line.ends_with("command USER \\u{1b}[2Jx"));
    }
}
