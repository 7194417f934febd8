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
//! replay (pcap / pcapng file, pcap-parser)        ─┘      └────────────► --print / --json
//! ```
//!
//! # The modules
//!
//! | module | concept |
//! |---|---|
//! | [`trace`] | the one core type: what happened on the wire, and its `--json` / `--print` forms |
//! | [`ftp`] | FTP's grammar: lines, commands, replies, the addresses inside PORT/EPRT/227/229 |
//! | [`lab`] | the live pair: our client and our server on loopback, and the tap that records them |
//! | [`middlebox`] | a simulated firewall / NAT between the lab's peers |
//! | [`player`] | a cursor over a Trace: step, play, speed, and the live edge |
//! | [`replay`] | saved captures (pcap / pcapng) into a Trace |
//! | [`tui`] | the screens: sequence diagram, hosts, narration, and the player that steps through |

pub mod ftp;
pub mod lab;
pub mod middlebox;
pub mod player;
pub mod replay;
pub mod trace;
pub mod tui;
