//! `serve`: our server, for any real FTP client, with every session traced.
//!
//! Point curl, lftp, `ftp` or FileZilla at it and watch what they really do:
//! which mode they pick, who dials, from which port. There is no client of
//! ours here, so the server records everything it sees ([`Scope::Alone`]),
//! and each control connection is a new session in the trace.
//!
//! Who may do what:
//!
//! - `anonymous` (any password) reads the served files; it may not upload
//!   (`550 Permission denied`, vsftpd's default);
//! - `demo`/`demo` reads too, and may upload into its own space: files
//!   beside the served ones, never over one, seen only by `demo`, deleted
//!   with `DELE`. They are kept in a private temporary folder on disk, made
//!   when `serve` starts and removed when it stops, within caps per file
//!   and in total (`--upload-cap`, `--upload-file-cap`); when space runs
//!   out the oldest uploads go;
//! - with `--root DIR` the server is read-only for everyone: it serves
//!   that folder and takes no upload.
//!
//! It binds loopback by default. A teacher may bind a classroom address;
//! that works, with a warning that says who can read and who can write,
//! and the server still never *dials* outside loopback: active mode is
//! refused for remote clients (use passive) — unless `--classroom` says
//! otherwise ([`ServeOptions::classroom`]): then the server dials each
//! student's client back, at the address its control connection comes
//! from and a port ≥ 1024 (the bounce rules the server always applies to
//! PORT/EPRT), and nowhere else. That is the demo a classroom wants:
//! students' own FTP clients on their own laptops, active mode failing
//! behind their own firewalls.
//!
//! With `--tls` ([`ServeOptions::tls`]) it also speaks explicit FTPS
//! (RFC 4217, see [`crate::tls`]): `AUTH TLS`, then `PBSZ 0` and `PROT P`
//! for data connections inside TLS too, with a self-signed certificate
//! made at start, in memory, whose fingerprint it prints
//! ([`Serving::fingerprint`]).

use crate::network::{control_listener, is_loopback, Network};
use crate::server::files::Files;
use crate::server::slots::Caps;
use crate::server::uploads::{Limits, Uploads, Writers};
use crate::server::{self, ServerConfig};
use crate::tap::{Gate, Payloads, Scope, Tap};
use crate::tls::Tls;
use crate::trace::Event;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// Bytes `demo`'s uploads may take in all, by default: a classroom's worth.
pub const UPLOAD_CAP: u64 = 1 << 30;

/// Bytes one upload may take, by default.
pub const UPLOAD_FILE_CAP: u64 = 256 << 20;

/// Events a `--json`/`--print` reader may fall behind before the sessions
/// wait for it.
pub const TRACE_QUEUE: usize = 8192;

/// Dials the kernel may hold for the accept loop: a classroom connecting at
/// once must fit. A dial that finds the queue full is dropped after its
/// handshake looked complete to the client (with SYN cookies, for good),
/// and an FTP client then waits for a greeting that never comes.
pub const BACKLOG: u32 = 1024;

/// What to serve, where.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub listen: SocketAddr,
    /// A real directory, read-only; `None` for the built-in files (and
    /// `demo`'s uploads).
    pub root: Option<PathBuf>,
}

impl ServeConfig {
    /// The built-in files, on `listen`.
    pub fn new(listen: SocketAddr) -> ServeConfig {
        ServeConfig { listen, root: None }
    }
}

/// Within which limits.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Bytes all uploads may take together.
    pub upload_cap: u64,
    /// Bytes one upload may take.
    pub upload_file_cap: u64,
    /// Sessions at once, in all and per client address.
    pub caps: Caps,
    /// `Some(n)`: sessions wait while their trace's reader is `n` events
    /// behind; read them with [`Serving::recv`]. `None`: the queue is not
    /// bounded (a viewer that keeps every event anyway).
    pub trace_queue: Option<usize>,
    /// The bytes of every data connection come out of
    /// [`Serving::payloads`] too, for a recording (`--record`).
    pub payloads: bool,
    /// `--classroom`: active mode works for clients off loopback — the
    /// server dials back to the client's own address (the one its control
    /// connection comes from) at a port ≥ 1024, never anywhere else.
    pub classroom: bool,
    /// `--idle-timeout`: a session with no command and no transfer for
    /// this long is closed (421).
    pub idle_timeout: Duration,
    /// `--data-timeout`: a transfer on which nothing moves for this long
    /// is stopped, and its session closed (421).
    pub data_timeout: Duration,
    /// `--login-timeout`: a client not logged in this long after it
    /// connected is closed (421).
    pub login_timeout: Duration,
    /// `--tls`: explicit FTPS (`AUTH TLS`, `PROT P`; see [`crate::tls`])
    /// with a self-signed certificate made now, in memory.
    pub tls: bool,
}

impl Default for ServeOptions {
    fn default() -> ServeOptions {
        let server = ServerConfig::new(Files::builtin(), Scope::Alone);
        ServeOptions {
            upload_cap: UPLOAD_CAP,
            upload_file_cap: UPLOAD_FILE_CAP,
            caps: server.caps,
            trace_queue: None,
            payloads: false,
            classroom: false,
            idle_timeout: server.idle,
            data_timeout: server.data_timeout,
            login_timeout: server.login_timeout,
            tls: false,
        }
    }
}

/// Why `serve` cannot start. Each says what failed; the cause is its
/// source, which the error's reader (`{:#}`, anyhow's chain) adds once.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
    #[error("--root {}", path.display())]
    Root {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot make a folder for uploads")]
    Uploads(#[source] io::Error),
    #[error("--tls")]
    Tls(#[source] crate::tls::TlsError),
}

/// A running server.
pub struct Serving {
    /// Every session's events, live.
    pub events: mpsc::UnboundedReceiver<Event>,
    /// The bytes of each `data` event, when started with
    /// [`ServeOptions::payloads`].
    pub payloads: Option<Payloads>,
    /// The address it really listens on (port 0 resolved).
    pub local: SocketAddr,
    /// Set when the address is not loopback: a sentence for stderr.
    pub warning: Option<String>,
    /// The private folder `demo`'s uploads go to (removed when the server
    /// stops).
    pub upload_dir: Option<PathBuf>,
    /// With `--tls`: the SHA-256 fingerprint of the certificate made at
    /// start, for clients to compare with what they are shown.
    pub fingerprint: Option<String>,
    gate: Option<Arc<Gate>>,
    shutdown: watch::Sender<bool>,
}

/// Binds and starts serving, with the default limits.
pub async fn start(config: ServeConfig) -> Result<Serving, ServeError> {
    start_with(config, ServeOptions::default()).await
}

/// Binds and starts serving within `options`.
pub async fn start_with(config: ServeConfig, options: ServeOptions) -> Result<Serving, ServeError> {
    let files = match &config.root {
        None => {
            let limits = Limits {
                per_file: options.upload_file_cap.min(options.upload_cap),
                total: options.upload_cap,
                files: 10_000,
            };
            let uploads = Uploads::on_disk(limits, Writers::Demo).map_err(ServeError::Uploads)?;
            Files::builtin().with_uploads(uploads)
        }
        Some(path) => Files::dir(path).map_err(|source| ServeError::Root {
            path: path.clone(),
            source,
        })?,
    };
    let upload_dir = files.upload_dir().map(PathBuf::from);
    let addr = config.listen;
    let listener =
        control_listener(addr, BACKLOG).map_err(|source| ServeError::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| ServeError::Bind { addr, source })?;
    let warning = (!is_loopback(addr.ip())).then(|| warning(local, &config, &options));
    let (tap, events, gate) = match options.trace_queue {
        Some(capacity) => {
            let (tap, events, gate) = Tap::with_queue(capacity);
            (tap, events, Some(gate))
        }
        None => {
            let (tap, events) = Tap::new();
            (tap, events, None)
        }
    };
    let payloads = options.payloads.then(|| tap.carry_payload());
    // A recorded run logs the keys, for the capture.
    let keys = payloads.as_ref().map(|p| p.wire_log().clone());
    let tls = match options.tls {
        true => Some(Arc::new(
            Tls::self_signed_logging(keys).map_err(ServeError::Tls)?,
        )),
        false => None,
    };
    let (shutdown, stop) = watch::channel(false);
    let mut cfg = ServerConfig::new(files, Scope::Alone);
    cfg.caps = options.caps;
    cfg.idle = options.idle_timeout;
    cfg.data_timeout = options.data_timeout;
    cfg.login_timeout = options.login_timeout;
    let fingerprint = tls.as_ref().map(|t| t.fingerprint().to_string());
    cfg.tls = tls;
    let network = if options.classroom {
        Network::classroom()
    } else {
        Network::direct()
    };
    tokio::spawn(server::run(listener, cfg, network, tap, stop));
    Ok(Serving {
        events,
        payloads,
        local,
        warning,
        upload_dir,
        fingerprint,
        gate,
        shutdown,
    })
}

/// What a server on a non-loopback address lets others do, in a sentence.
fn warning(local: SocketAddr, config: &ServeConfig, options: &ServeOptions) -> String {
    let write = match config.root {
        Some(_) => "nobody can write (--root is read-only)".to_string(),
        None => format!(
            "anyone who logs in as demo/demo can upload ({} MiB in all, {} MiB a file, the oldest \
             removed first; only demo sees them), anonymous users cannot",
            options.upload_cap >> 20,
            options.upload_file_cap.min(options.upload_cap) >> 20
        ),
    };
    let active = if options.classroom {
        "--classroom: in active mode the server dials back each client's own address (ports \
         >= 1024 only), never another host"
    } else {
        "active mode is refused for remote clients (--classroom allows it, back to each client \
         only)"
    };
    format!(
        "listening on {local}, which is not loopback: anyone who can reach it can read the served \
         files (as anonymous, any password); {write}; {active}"
    )
}

impl Serving {
    /// The next event; `None` once the server has stopped and every
    /// session has hung up. With a bounded queue, taking the event lets a
    /// waiting session go on.
    pub async fn recv(&mut self) -> Option<Event> {
        let event = self.events.recv().await;
        if let (Some(gate), Some(_)) = (&self.gate, &event) {
            gate.read();
        }
        event
    }

    /// Stops, and returns every event not read yet: the rest of the trace,
    /// to the last session's `close`.
    pub async fn finish(mut self) -> Vec<Event> {
        self.stop();
        let mut events = Vec::new();
        while let Some(e) = self.recv().await {
            events.push(e);
        }
        events
    }

    /// Says goodbye (421) to every open session and stops; the event
    /// channel closes once the last session has hung up.
    pub fn stop(&self) {
        let _ = self.shutdown.send(true);
    }

    /// A handle that stops the server from elsewhere (a signal handler).
    pub fn stopper(&self) -> watch::Sender<bool> {
        self.shutdown.clone()
    }
}

/// A time limit on the command line, in seconds (`300`, `0.5`); more
/// than zero.
pub fn parse_seconds(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds (try 300 or 1.5)"))?;
    if secs.is_nan() || secs <= 0.0 {
        return Err(format!(
            "{text:?}: a time limit must be more than 0 seconds"
        ));
    }
    Duration::try_from_secs_f64(secs).map_err(|_| format!("{text:?} seconds is too long"))
}

/// A size on the command line: bytes, or with a unit (`512K`, `64M`,
/// `1G`; `KiB`, `MiB`, `GiB` too — all powers of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a size (try 1G, 512M or 1000000)"))?;
    let shift = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        _ => return Err(format!("{text:?}: unknown unit (use K, M or G)")),
    };
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("{text:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5T").is_err());
        assert!(parse_size("99999999999G").is_err());
    }

    #[test]
    fn seconds_read_as_people_write_them() {
        assert_eq!(parse_seconds("300"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_seconds("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_seconds("0").is_err());
        assert!(parse_seconds("-1").is_err());
        assert!(parse_seconds("NaN").is_err());
        assert!(parse_seconds("soon").is_err());
        assert!(parse_seconds("1e300").is_err());
    }

    #[test]
    fn the_warning_says_who_reads_and_who_writes() {
        let mut config = ServeConfig::new("0.0.0.0:2121".parse().unwrap());
        let options = ServeOptions::default();
        let open = warning(config.listen, &config, &options);
        assert!(open.contains("read the served files") && open.contains("demo/demo can upload"));
        assert!(open.contains("anonymous users cannot"));
        config.root = Some(PathBuf::from("/srv"));
        assert!(warning(config.listen, &config, &options).contains("nobody can write"));
    }
}
