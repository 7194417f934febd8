//! Firewalls: which *new* connections a host lets in.
//!
//! A firewall judges the first packet of a connection, the SYN. Replies on
//! a connection a host started itself always come back (that is what
//! "stateful" means at the TCP level: the firewall remembers connections
//! going out). So the question for every dial is only: **is this SYN coming
//! into a host that guards its door?**
//!
//! FTP's data connection is a new connection, so it meets the firewall of
//! whoever *receives* the dial:
//!
//! | `--firewall` | the rule | active (server dials client) | passive (client dials server) |
//! |---|---|---|---|
//! | `client` | the client host drops every inbound SYN it did not ask for | **blocked** at the client | works: the client dials out |
//! | `server` | the server host admits only its control port | works: the server dials out | **blocked**: the passive port is not the control port |
//! | `stateful` | both rules, plus an FTP helper that opens one pinhole per announced port | works | works |
//!
//! The `stateful` helper lives in `helper`; this file holds only
//! the plain rules, which know nothing about FTP.

use crate::trace::{Blocker, Side};

/// A simulated firewall between the peers: whose door it guards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Firewall {
    #[default]
    None,
    /// The client host drops unsolicited inbound SYNs.
    Client,
    /// The server host admits only its control port.
    Server,
    /// Both rules, plus the FTP helper's pinholes.
    Stateful,
}

/// The firewall that guards `host`'s inbound side, if any.
pub fn guard(firewall: Firewall, host: Side) -> Option<Blocker> {
    let guarded = match firewall {
        Firewall::None => false,
        Firewall::Client => host == Side::Client,
        Firewall::Server => host == Side::Server,
        Firewall::Stateful => true,
    };
    guarded.then_some(match host {
        Side::Client => Blocker::ClientFirewall,
        Side::Server => Blocker::ServerFirewall,
    })
}

/// True when this firewall carries the FTP helper.
pub fn has_helper(firewall: Firewall) -> bool {
    firewall == Firewall::Stateful
}

/// The rule in words, for the hosts panel.
pub fn rule(firewall: Firewall) -> &'static str {
    match firewall {
        Firewall::None => "no firewall: every dial goes through",
        Firewall::Client => {
            "client firewall: drops every connection into the client that the client did not start"
        }
        Firewall::Server => "server firewall: lets in only the server's control port",
        Firewall::Stateful => {
            "stateful firewall: both hosts closed except the control port; its FTP helper reads \
             PORT/EPRT/227/229 and opens one pinhole for that peer and that port"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_firewall_guards_the_hosts_it_names() {
        let table = [
            (Firewall::None, None, None),
            (Firewall::Client, Some(Blocker::ClientFirewall), None),
            (Firewall::Server, None, Some(Blocker::ServerFirewall)),
            (
                Firewall::Stateful,
                Some(Blocker::ClientFirewall),
                Some(Blocker::ServerFirewall),
            ),
        ];
        for (fw, client, server) in table {
            assert_eq!(guard(fw, Side::Client), client, "{fw:?} client");
            assert_eq!(guard(fw, Side::Server), server, "{fw:?} server");
        }
        assert!(has_helper(Firewall::Stateful));
        assert!(!has_helper(Firewall::Client));
    }
}
