//! The lab's control ports: which port each server listens on, and the
//! words that explain a port a student did not expect.
//!
//! RFC 959 gives an FTP server two ports: the control port L, where it
//! listens, and L − 1, its default data port, from which "the server shall
//! initiate the data connection" in active mode (§5.2; 21 and 20 are the
//! registered numbers). The lab's server is unprivileged, so L is 2121 and
//! its data dials come from 2120.
//!
//! The side-by-side comparison runs **two** labs, each with its own server,
//! and two servers cannot listen on one port. The passive pane's server
//! takes the next pair that keeps both of the first server's ports free:
//! L + 2 (2123), whose L − 1 is 2122. A student who sees 2123 deserves to
//! know why, and [`note`] says it.
//!
//! 2121 is only a preference for the default command: when another program
//! (another ftpviz, a second student on a shared machine) already listens
//! there, the lab takes any free port ([`IfTaken::AnyFree`]) and [`note`]
//! says which port was wanted and which one it got.

use super::{IfTaken, LabConfig, Mode};

/// The default control port: unprivileged, and reads like 21.
pub const DEFAULT_CONTROL_PORT: u16 = 2121;

/// The second server's control port in the comparison: two past the first,
/// so that its L and L − 1 stay clear of the first server's (0 stays 0: any
/// free port).
pub fn second_server_port(first: u16) -> u16 {
    match first {
        0 => 0,
        p => p.checked_add(2).unwrap_or(0),
    }
}

/// Words for the diagram of pane `pane` before anything happens: why its
/// server has the port it has, when that needs saying. `wanted` are the
/// configurations the labs were started with, `got` the same after the
/// start (their `control_port` the port each server really listens on).
pub fn note(wanted: &[LabConfig], got: &[LabConfig], pane: usize) -> Option<String> {
    let (asked, config) = (wanted.get(pane)?, got.get(pane)?);
    if config.server.is_some() {
        return None;
    }
    let port = config.control_port;
    if asked.control_port != 0 && asked.control_port != port {
        let by = match asked.if_taken {
            IfTaken::AnyFree => " (another ftpviz?)",
            IfTaken::Fail => "",
        };
        return Some(format!(
            "Port {} was taken{by}, so this server listens on port {port}, a free one.",
            asked.control_port
        ));
    }
    // The second of two servers side by side (on a port asked for: "any
    // free port" surprises nobody).
    if asked.control_port == 0 {
        return None;
    }
    let first = got.first().filter(|_| pane == 1 && got.len() == 2)?;
    if config.mode != Mode::Passive || first.server.is_some() {
        return None;
    }
    let other = first.control_port;
    if port == second_server_port(other) {
        Some(format!(
            "Why port {port}? Each pane has its own server; two cannot share a port. The \
             active one has {other}, and dials from {} (control − 1): this one has \
             {port}.",
            other.saturating_sub(1)
        ))
    } else {
        Some(format!(
            "Each pane has its own server, and two cannot share a port: this one listens on \
             port {port}, the active pane's on {other}."
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab(mode: Mode, port: u16) -> LabConfig {
        LabConfig {
            mode,
            control_port: port,
            if_taken: IfTaken::AnyFree,
            ..LabConfig::default()
        }
    }

    #[test]
    fn the_passive_pane_says_why_its_port_is_two_more() {
        let configs = [lab(Mode::Active, 2121), lab(Mode::Passive, 2123)];
        assert_eq!(note(&configs, &configs, 0), None);
        let n = note(&configs, &configs, 1).expect("a note");
        assert!(
            n.contains("Why port 2123?") && n.contains("active one has 2121"),
            "{n}"
        );
        assert!(n.contains("dials from 2120 (control − 1"), "{n}");
    }

    #[test]
    fn a_taken_port_is_named_with_the_one_used_instead() {
        let wanted = [lab(Mode::Active, 2121), lab(Mode::Passive, 2123)];
        let got = [lab(Mode::Active, 40111), lab(Mode::Passive, 2123)];
        let n = note(&wanted, &got, 0).expect("a note");
        assert!(
            n.contains("Port 2121 was taken") && n.contains("40111"),
            "{n}"
        );
        let n = note(&wanted, &got, 1).expect("a note");
        assert!(n.contains("2123") && n.contains("40111"), "{n}");
        assert!(!n.contains("+ 2"), "not two more any longer: {n}");
    }

    #[test]
    fn any_free_port_needs_no_note() {
        let wanted = [lab(Mode::Active, 0)];
        let got = [lab(Mode::Active, 40111)];
        assert_eq!(note(&wanted, &got, 0), None);
        let wanted = [lab(Mode::Active, 0), lab(Mode::Passive, 0)];
        let got = [lab(Mode::Active, 40111), lab(Mode::Passive, 40222)];
        assert_eq!(note(&wanted, &got, 1), None);
        assert_eq!(second_server_port(0), 0);
        assert_eq!(second_server_port(65535), 0);
    }
}
