//! FTP's grammar, written once and shared by the lab server, the lab client
//! and replay.
//!
//! The control connection of FTP (RFC 959) is a line protocol in the style
//! of Telnet: the client sends *commands* — a verb of up to four letters and
//! an optional argument, ending in CRLF — and the server answers each with a
//! *reply*: a three-digit code and text. A reply may span several lines
//! (`211-Features:` … `211 End`). The first digit of the code says how things
//! went: 1 preliminary ("opening the data connection"), 2 done, 3 send more,
//! 4 try again later, 5 no.
//!
//! Five pieces, each a plain function or a small state machine with no I/O:
//!
//! - [`line`](mod@line): cutting a byte stream into lines, with a length limit.
//! - [`command`](mod@command): a command line into verb and argument.
//! - [`reply`](mod@reply): reply lines into whole replies, multi-line included.
//! - [`hostport`]: the addresses carried by `PORT`, `EPRT`, `227` and `229`,
//!   the heart of active versus passive mode.
//! - [`verb`]: the verb as a type, [`Verb`]: every verb ftpviz knows, where
//!   it is defined, and which set up a data connection and which use one.

pub mod command;
pub mod hostport;
pub mod line;
pub mod reply;
pub mod verb;

pub use command::{Command, CommandError};
pub use hostport::HostPortError;
pub use line::{LineBuffer, LineError, MAX_LINE};
pub use reply::{code_of, Reply, ReplyError, ReplyParser};
pub use verb::Verb;
