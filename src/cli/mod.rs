//! The commands behind the command line: what `ftpviz lab`, `lesson`,
//! `replay` and `serve` do once `main.rs` has parsed their arguments.
//!
//! Each command picks a source of Trace events and an output: the TUI, or
//! (with `--print`, `--json`, `--print --explain`) lines on stdout
//! ([`output`]), and with `--record` a pcapng capture beside them. This is
//! the edge of the program: errors become `anyhow` here, with the one-line
//! causes `main.rs` prints.
//!
//! - [`lab`]: the live pair, in the TUI or headless (compare mode is one
//!   trace, the passive lab as session 2 on the same clock);
//! - [`lesson`]: the guided lesson, scene by scene;
//! - [`replay`]: a saved capture or trace, or one as it arrives ([`follow`]:
//!   a file, or a ring of files, still being written);
//! - [`serve`]: our server for real clients, until Ctrl-C or SIGTERM;
//! - [`watch`]: FTP crossing an interface, captured live (Linux);
//! - [`output`]: where events go without a TUI, and the recording;
//! - [`args`]: the command line's words, as clap reads them.

pub mod args;
pub mod follow;
pub mod lab;
pub mod lesson;
pub mod output;
pub mod replay;
pub mod serve;
pub mod watch;
