//! Verbs by what they do to the data channel.
//!
//! Most FTP commands live on the control connection alone (`USER`, `PWD`,
//! `SIZE`…). Two families matter for the data channel, and every part of
//! ftpviz that needs to know "is this one of those?" asks here:
//!
//! - a **setup** says how the next data connection will be made: `PORT` or
//!   `EPRT` (active: the client listens and announces its address, RFC 959
//!   §4.1.2, RFC 2428 §2), `PASV` or `EPSV` (passive: the server listens
//!   and announces its port in the reply, 227 or 229);
//! - a **transfer** moves bytes over that connection: a listing (`LIST`,
//!   `NLST`, `MLSD`), a download (`RETR`) or an upload (`STOR`, `STOU`,
//!   `APPE`).

/// A command that says how the next data connection is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Setup {
    Port,
    Eprt,
    Pasv,
    Epsv,
}

impl Setup {
    /// The setup an (upper-case) verb is, if it is one.
    pub fn of(verb: &str) -> Option<Setup> {
        Some(match verb {
            "PORT" => Setup::Port,
            "EPRT" => Setup::Eprt,
            "PASV" => Setup::Pasv,
            "EPSV" => Setup::Epsv,
            _ => return None,
        })
    }

    /// Active setups have the client announce an address for the server
    /// to dial; passive ones have the server announce its own.
    pub fn is_active(self) -> bool {
        matches!(self, Setup::Port | Setup::Eprt)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Setup::Port => "PORT",
            Setup::Eprt => "EPRT",
            Setup::Pasv => "PASV",
            Setup::Epsv => "EPSV",
        }
    }
}

/// A command that moves bytes over a data connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transfer {
    List,
    Nlst,
    Mlsd,
    Retr,
    Stor,
    Stou,
    Appe,
}

impl Transfer {
    /// Every transfer verb.
    pub const ALL: [Transfer; 7] = [
        Transfer::List,
        Transfer::Nlst,
        Transfer::Mlsd,
        Transfer::Retr,
        Transfer::Stor,
        Transfer::Stou,
        Transfer::Appe,
    ];

    /// The transfer an (upper-case) verb is, if it is one.
    pub fn of(verb: &str) -> Option<Transfer> {
        Transfer::ALL.into_iter().find(|t| t.as_str() == verb)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Transfer::List => "LIST",
            Transfer::Nlst => "NLST",
            Transfer::Mlsd => "MLSD",
            Transfer::Retr => "RETR",
            Transfer::Stor => "STOR",
            Transfer::Stou => "STOU",
            Transfer::Appe => "APPE",
        }
    }

    /// A listing the server writes, not a file.
    pub fn is_listing(self) -> bool {
        matches!(self, Transfer::List | Transfer::Nlst | Transfer::Mlsd)
    }

    /// The client sends the bytes (an upload); otherwise the server does.
    pub fn is_upload(self) -> bool {
        matches!(self, Transfer::Stor | Transfer::Stou | Transfer::Appe)
    }
}

/// Whether an (upper-case) verb moves bytes over a data connection.
pub fn is_transfer(verb: &str) -> bool {
    Transfer::of(verb).is_some()
}

/// Whether an (upper-case) verb says how the next data connection is made.
pub fn is_setup(verb: &str) -> bool {
    Setup::of(verb).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_verb_is_in_one_family_at_most() {
        for t in Transfer::ALL {
            assert_eq!(Transfer::of(t.as_str()), Some(t));
            assert!(!is_setup(t.as_str()));
        }
        for v in ["PORT", "EPRT", "PASV", "EPSV"] {
            assert!(is_setup(v) && !is_transfer(v));
        }
        assert!(!is_transfer("retr"), "verbs are compared upper case");
        assert!(Setup::Port.is_active() && !Setup::Epsv.is_active());
    }
}
