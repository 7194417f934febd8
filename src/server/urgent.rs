//! Urgent bytes on the control connection: how the server reads them, and
//! the `ABOR` they carry.
//!
//! Old clients send `ABOR` as *urgent* data, behind Telnet's "Interrupt
//! Process" and "Synch" (`IAC IP`, `IAC DM`): `abor_text` finds the
//! command behind those bytes, and `read_control` reads the control
//! connection so that bytes waiting past TCP's urgent mark are not left
//! unread. Why a transfer needs them is told in `abort`; the session reads
//! every line through them.

use crate::ftp::Verb;
use crate::tls::Wire;
use std::io;
use tokio::io::AsyncReadExt;

/// The `ABOR` command in `line`, if that is what it is, with any Telnet
/// bytes before it (`IAC IP`, `IAC DM`: not UTF-8, so decoded as U+FFFD)
/// skipped — those alone: `1ABOR` or `..ABOR` is no `ABOR`.
pub(super) fn abor_text(line: &str) -> Option<&str> {
    let stripped = line.trim_start_matches('\u{fffd}');
    (Verb::parse(stripped.trim_end()) == Verb::Abor).then_some(stripped)
}

/// Reads what the control connection has, urgent bytes included.
///
/// Not `AsyncReadExt::read`: tokio takes a read that fills less than the
/// buffer to mean "the socket is drained" and waits for the next wake-up.
/// But a read also stops short at TCP's urgent mark, with the rest of an
/// urgent `ABOR` still waiting — and no wake-up comes for bytes already
/// there, so the `ABOR` would sit unread until the client sent something
/// else. Here readiness is given up only when the kernel says "would
/// block". Cancel-safe, for `select!`.
///
/// Inside TLS there is no urgent data: TLS "does not support the notion of
/// Urgent data", and a client "MUST send all data, including Telnet
/// commands, across the TLS session" (RFC 4217 §14). A byte sent urgent
/// would sit in the middle of a TLS record, which then fails its check and
/// ends the session. So a client under TLS sends `ABOR` as an ordinary
/// line (its `IAC IP`/`IAC DM`, if any, inside the record, skipped by
/// `abor_text` as ever), and the session reads it as one; what is read
/// then is the plain text inside the records (tokio-rustls' read is
/// cancel-safe too: a record half read stays with the TLS state).
pub(super) async fn read_control(ctl: &mut Wire, buf: &mut [u8]) -> io::Result<usize> {
    let Wire::Clear(tcp) = ctl else {
        return ctl.read(buf).await;
    };
    loop {
        tcp.readable().await?;
        match tcp.try_read(buf) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            read => return read,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::abor_text;

    #[test]
    fn abor_is_found_behind_telnet_bytes() {
        assert_eq!(abor_text("ABOR"), Some("ABOR"));
        assert_eq!(abor_text("abor"), Some("abor"));
        assert_eq!(abor_text("\u{fffd}\u{fffd}\u{fffd}ABOR"), Some("ABOR"));
        assert_eq!(abor_text("NOOP"), None);
        assert_eq!(abor_text("ABORT"), None);
        assert_eq!(abor_text("\u{fffd}NOOP"), None);
        assert_eq!(abor_text("1ABOR"), None);
        assert_eq!(abor_text("..ABOR"), None);
        assert_eq!(abor_text(" ABOR"), None);
        assert_eq!(abor_text(""), None);
    }
}
