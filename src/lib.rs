//! ftpviz teaches how FTP really moves a file: a **control channel** that the
//! client dials, and a separate **data channel** for every transfer, dialled
//! by the *server* in active mode (after `PORT`/`EPRT`) and by the *client* in
//! passive mode (after `PASV`/`EPSV`).
//!
//! # The data flow
//!
//! ```text
//! lab    (real tokio client + server on loopback) ─┐
//! serve  (our server, any real FTP client)        ─┼─► Trace ─► Player ─► screens (ratatui)
//! replay (pcap / pcapng file, pcap-parser)        ─┘      └────────────► --print / --json / --record (pcapng) / --html
//! ```
//!
//! # The modules
//!
//! | module | concept |
//! |---|---|
//! | [`trace`] | the one core type: what happened on the wire, and its `--json` / `--print` forms |
//! | [`account`] | what happened, worked out once from a trace: each announcement, transfer and dial, with its evidence; every sentence reads it |
//! | [`ftp`] | FTP's grammar: lines, commands, replies, the addresses inside PORT/EPRT/227/229 |
//! | [`lab`] | the live pair: our client and our server on loopback, following a lesson |
//! | [`server`] | our FTP server (sessions, files, data connections), shared by the lab and `serve` |
//! | [`serve`] | our server for any real client, its sessions traced live |
//! | [`tap`] | where real sockets' events become Trace events, each recorded once |
//! | [`network`] | the one place that dials: middlebox verdicts, loopback guard, `connect`/`fail` |
//! | [`transfer`] | a file's bytes across a data connection, `TYPE A` line ends, counted |
//! | [`middlebox`] | a simulated firewall / NAT between the lab's peers |
//! | [`narration`] | plain words for each event, with the arithmetic and the RFC behind it (screens, `--explain`, recorded comments) |
//! | [`player`] | a cursor over a Trace: step, play, speed, and the live edge |
//! | [`replay`] | captures (pcap / pcapng, gzipped or not, or a saved `--json` trace; from files, a pipe, or an interface with `watch`) into a Trace |
//! | [`capture_writer`] | a run saved as pcapng for Wireshark: packets rebuilt from the Trace and the real data bytes, narration in packet comments |
//! | [`classroom`] | the guided lesson (scenes as data), the quiz, and its worksheet |
//! | [`handout`] | a run as one self-contained HTML page to hand out: the diagram as SVG, the narration beside it, summary, worksheet and answers (`--html`) |
//! | [`tls`] | explicit FTPS (RFC 4217): the self-signed certificate made at start, in memory, its fingerprint; a connection in clear or inside TLS |
//! | [`text`] | text that must fit: display width, the one word wrap, clipping and shortening (the narration's and the screens') |
//! | [`tui`] | the screens, in two rooms: `widgets` (pure drawing: sequence diagram, hosts, narration…) and `app` (state, keys, sources, the player that steps through) |
//!
//! ARCHITECTURE.md, beside `Cargo.toml`, tells the same at more length.
//!
//! The unit tests share the integration tests' hand-made traces
//! (`tests/support/fixture.rs`, never shipped): `mod fixture` exists only
//! under `cfg(test)`, where the crate also calls itself `ftpviz`, as that
//! file does.

pub mod account;
pub mod capture_writer;
pub mod classroom;
pub mod ftp;
pub mod handout;
pub mod lab;
pub mod middlebox;
pub mod narration;
pub mod network;
pub mod player;
pub mod replay;
pub mod serve;
pub mod server;
pub mod tap;
pub mod text;
pub mod tls;
pub mod trace;
pub mod transfer;
pub mod tui;

#[cfg(test)]
#[path = "../tests/support/fixture.rs"]
mod fixture;
#[cfg(test)]
extern crate self as ftpviz;
