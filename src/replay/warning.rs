//! Warnings: what a reading could not do, or did with a caveat, said to
//! whoever reads the replay.
//!
//! A damaged or cut capture still gives everything before the damage, so
//! the reading goes on where it can and says what it met. Each warning
//! has a [`WarningKind`], which is what code decides by (a reading of a
//! gzipped file words a failed read as a damaged gzip stream), and a
//! message in words, which is what people read.

/// What a warning is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningKind {
    /// The source failed to give more bytes: reading stopped there.
    ReadFailed,
    /// The file ends inside a record: reading stopped there.
    Truncated,
    /// A record that makes no sense, or claims to be huge: reading
    /// stopped there.
    Damaged,
    /// Packets skipped: they name an interface no block declared, or a
    /// link type replay cannot read.
    Skipped,
    /// The file is an older pcap variant, read as Wireshark reads it.
    Variant,
    /// Two of several files given overlap in time.
    Overlap,
    /// A connection to an FTP port said too little to prove FTP.
    Unproven,
    /// A session the capture joined after it began.
    Joined,
    /// Bytes of a connection the capture never saw.
    Hole,
    /// TLS keys that cannot be used, or TLS that did not decrypt.
    Keys,
}

/// Something read from a capture that the reader should know about.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    /// Byte offset in the file, when the warning is about a place.
    pub offset: Option<u64>,
    pub kind: WarningKind,
    pub message: String,
}

impl Warning {
    /// A warning about the place at byte `offset`.
    pub fn at(offset: u64, kind: WarningKind, message: impl Into<String>) -> Warning {
        Warning {
            offset: Some(offset),
            kind,
            message: message.into(),
        }
    }

    /// The source failed at byte `offset`: reading stopped there.
    pub fn read_failed(offset: u64) -> Warning {
        Warning::at(offset, WarningKind::ReadFailed, "read error; stopped here")
    }

    /// A warning about the reading as a whole, or a session in it.
    pub fn about_all(kind: WarningKind, message: impl Into<String>) -> Warning {
        Warning {
            offset: None,
            kind,
            message: message.into(),
        }
    }
}
