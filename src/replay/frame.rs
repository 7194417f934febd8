//! A frame: one packet as a capture file stored it, whatever the file's
//! format, and why a file may not be a capture at all.
//!
//! Both readers of capture files (`capture`, for pcap and pcapng, and
//! `variant`, for the older patched-libpcap formats) give out [`Frame`]s
//! and refuse a file with a [`CaptureError`]; the layers above see only
//! these.

/// One captured packet, as the capture stored it.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// Nanoseconds since the Unix epoch.
    pub ts_ns: u64,
    /// How to read `data` (LINKTYPE_* number).
    pub linktype: i32,
    /// The bytes that were captured (maybe fewer than were on the wire).
    pub data: &'a [u8],
    /// Where the record starts in the file.
    pub offset: u64,
    /// One link type for the whole file (pcap), rather than per interface.
    pub whole_file: bool,
    /// The packet's first comment (pcapng `opt_comment`), if it has one.
    pub comment: Option<&'a [u8]>,
}

/// Why a file cannot be read as a capture at all.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("the file is empty")]
    Empty,
    #[error("not a pcap or pcapng capture")]
    NotACapture,
    #[error("the capture header is cut short or damaged")]
    ShortHeader,
    #[error("cannot read the file")]
    Read,
    /// The thread that reads the file could not be started.
    #[error("cannot start the thread that reads the file: {0}")]
    Thread(std::io::Error),
    #[error(
        "a modified pcap (magic a1b2cd34: the SS990915 or SS991029 patch) cannot be told \
         apart from its first records while they stream in; save it to a file and replay that"
    )]
    PipedVariant,
}
