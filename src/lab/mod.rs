//! The lab: a real FTP client and a real FTP server, talking over loopback.
//!
//! Both peers are real tokio tasks with real sockets: the kernel does the
//! TCP handshakes, picks the ephemeral ports, and the [`Tap`] records what
//! the sockets saw, when they saw it. On Linux every address in 127.0.0.0/8
//! is this machine, so the lab gives the peers addresses of their own —
//! client 127.0.0.2, server 127.0.0.3 — and a trace reads like two hosts
//! talking. (Elsewhere both are 127.0.0.1; `--ipv6` uses ::1.)
//!
//! The client does nothing until it is allowed to: [`Lab::step`] lets it
//! take one step of the [`lesson`], [`Lab::run_free`] lets it run to the
//! end. The events come out of [`Lab::events`]; the channel closes when the
//! lesson is over and both peers have hung up. A [`Middlebox`] built from
//! the config sits between the peers and judges every dial of both.
//!
//! Two labs can run at once (the TUI's side-by-side comparison): give them
//! different control ports, or port 0 for any free one. A port that is only
//! a preference ([`IfTaken::AnyFree`]) gives way when another program
//! already listens there: the lab takes a free port and says which it
//! wanted ([`Lab::port_taken`]).
//!
//! Labs side by side that share a middlebox, and the changes a student
//! makes to it between runs, are the [`rig`]'s: the screens ask it to
//! start them, never start a lab themselves.

pub mod client;
pub mod lesson;
pub mod ports;
pub mod rig;

use crate::middlebox::{Between, Firewall, Middlebox, Nat};
use crate::network::{control_listener, is_loopback, Network};
use crate::server::files::Files;
use crate::server::uploads::{Limits, Uploads, Writers};
use crate::server::{self, ServerConfig};
use crate::tap::{Payloads, Scope, Tap};
use crate::tls::Tls;
use crate::trace::Event;
use client::{Client, ClientError, Pace, Setup};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// Who dials the data connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// PORT/EPRT: the client listens, the server dials.
    #[default]
    Active,
    /// PASV/EPSV: the server listens, the client dials.
    Passive,
}

/// Which script the lab client follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lesson {
    #[default]
    Transfer,
    Bounce,
}

/// What the lab does when its control port is taken (another ftpviz, a
/// second student on the same machine).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IfTaken {
    /// Stop with [`LabError::Bind`]: the port was asked for by name.
    #[default]
    Fail,
    /// Listen on any free port instead (the default command's 2121 is only
    /// a preference); [`Lab::port_taken`] says which port was wanted.
    AnyFree,
}

/// Everything that decides what a lab run does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabConfig {
    pub mode: Mode,
    /// EPRT/EPSV instead of PORT/PASV.
    pub extended: bool,
    pub ipv6: bool,
    pub firewall: Firewall,
    pub nat: Nat,
    /// Behind `--nat server`: the router forwards the data ports too (a
    /// 1:1 NAT), not only the control port (a home router's port-forward).
    pub forward_data: bool,
    /// The client dials the address a 227 names even when it is not the
    /// server's (the naive client); by default it dials the address it
    /// reaches the server at, as curl 7.88 and Python's ftplib do.
    pub trust_pasv: bool,
    /// Behind `--nat server`: the server writes its public address in 227
    /// (vsftpd's `pasv_address`), not its private one.
    pub pasv_address: bool,
    pub lesson: Lesson,
    /// Run the lesson against this external server instead of ours.
    pub server: Option<SocketAddr>,
    /// Our server's control port (0 = any free port).
    pub control_port: u16,
    /// When `control_port` is taken.
    pub if_taken: IfTaken,
    /// Explicit FTPS (RFC 4217): the client asks for TLS after the banner
    /// (`AUTH TLS`, `PBSZ 0`, `PROT P`); our server has a self-signed
    /// certificate made at start, in memory, which the client trusts
    /// exactly. The middlebox then sees only records.
    pub tls: bool,
    /// With `tls`: the client sends `CCC` after login, and the control
    /// connection goes back to clear text (a helper reads it again).
    pub ccc: bool,
}

impl Default for LabConfig {
    fn default() -> LabConfig {
        LabConfig {
            mode: Mode::Active,
            extended: false,
            ipv6: false,
            firewall: Firewall::None,
            nat: Nat::None,
            forward_data: false,
            trust_pasv: false,
            pasv_address: false,
            lesson: Lesson::Transfer,
            server: None,
            control_port: 2121,
            if_taken: IfTaken::Fail,
            tls: false,
            ccc: false,
        }
    }
}

impl LabConfig {
    /// What stands between this lab's peers, for the words about it.
    pub fn between(&self) -> Between {
        Between {
            firewall: self.firewall,
            nat: self.nat,
            forward_data: self.forward_data,
            trust_pasv: self.trust_pasv,
            pasv_address: self.pasv_address,
        }
    }
}

/// Uploads the lab server keeps in memory, at most.
pub const UPLOAD_CAP: u64 = 1 << 20;

/// A lab failure that stops the run.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// The OS error is this error's source: `{:#}` prints it once, after
    /// the address.
    #[error("cannot listen on {addr} (try another --port, or 0 for any free port)")]
    Bind { addr: SocketAddr, source: io::Error },
    #[error("{0} is not a loopback address: the lab only talks to this machine")]
    NotLoopback(SocketAddr),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("the lab stopped unexpectedly")]
    Stopped,
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
}

/// The addresses the lab's peers use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoints {
    /// The client's IP (its ports are ephemeral and show in the trace).
    pub client: IpAddr,
    /// The server's control address.
    pub server: SocketAddr,
}

/// A running lab: events come out, permission to act goes in.
pub struct Lab {
    pub events: mpsc::UnboundedReceiver<Event>,
    /// The bytes of each `data` event, when started with payloads.
    pub payloads: Option<Payloads>,
    pace: mpsc::UnboundedSender<Pace>,
    endpoints: Endpoints,
    /// The control address asked for, when it was taken and another port
    /// was used.
    taken: Option<SocketAddr>,
    driver: JoinHandle<Result<(), LabError>>,
}

/// The client's and the server's IPs: 127.0.0.2 and 127.0.0.3 where the
/// system lets us bind them, 127.0.0.1 for both elsewhere, ::1 for IPv6.
pub fn peer_ips(ipv6: bool) -> (IpAddr, IpAddr) {
    if ipv6 {
        return (
            IpAddr::V6(Ipv6Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
        );
    }
    let client = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    let server = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3));
    let bindable = |ip| std::net::TcpListener::bind(SocketAddr::new(ip, 0)).is_ok();
    if bindable(client) && bindable(server) {
        (client, server)
    } else {
        (
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V4(Ipv4Addr::LOCALHOST),
        )
    }
}

impl Lab {
    /// Starts the server (unless `config.server` names an external one) and
    /// the client. The client waits for [`Lab::step`] or [`Lab::run_free`].
    pub async fn start(config: LabConfig) -> Result<Lab, LabError> {
        Lab::launch(config, false).await
    }

    /// Like [`Lab::start`], and the bytes of every data connection come out
    /// of [`Lab::payloads`] too, for a recording (`--record`).
    pub async fn start_with_payloads(config: LabConfig) -> Result<Lab, LabError> {
        Lab::launch(config, true).await
    }

    async fn launch(config: LabConfig, payload: bool) -> Result<Lab, LabError> {
        let (tap, events) = Tap::new();
        let payloads = payload.then(|| tap.carry_payload());
        let middlebox = Middlebox::new(config.firewall, config.nat)
            .forwarding_data(config.forward_data)
            .announcing_public(config.pasv_address);
        let network = Network::with_middlebox(middlebox);
        let (shutdown, stop) = watch::channel(false);
        // One certificate a run, in memory; the client trusts exactly it.
        let tls = match config.tls {
            // A recorded run logs the keys, for the capture.
            true => {
                let keys = payloads.as_ref().map(|p| p.wire_log().clone());
                Some(Arc::new(Tls::self_signed_logging(keys)?))
            }
            false => None,
        };
        let connector = tls.as_deref().map(Tls::connector).transpose()?;
        let mut taken = None;
        let (client_ip, server_addr, scope, server_task) = match config.server {
            Some(addr) => {
                if !is_loopback(addr.ip()) {
                    return Err(LabError::NotLoopback(addr));
                }
                let (client_ip, _) = peer_ips(addr.is_ipv6());
                (client_ip, addr, Scope::Alone, None)
            }
            None => {
                let (client_ip, server_ip) = peer_ips(config.ipv6);
                let wanted = SocketAddr::new(server_ip, config.control_port);
                let bind_error = |source| LabError::Bind {
                    addr: wanted,
                    source,
                };
                let listener = match control_listener(wanted, 16) {
                    Err(e)
                        if e.kind() == io::ErrorKind::AddrInUse
                            && config.if_taken == IfTaken::AnyFree =>
                    {
                        taken = Some(wanted);
                        control_listener(SocketAddr::new(server_ip, 0), 16)
                    }
                    bound => bound,
                }
                .map_err(bind_error)?;
                let addr = listener.local_addr().map_err(bind_error)?;
                // The lesson stores a file as `anonymous`: in the lab anyone may.
                let uploads = Uploads::in_memory(Limits::total(UPLOAD_CAP), Writers::Everyone);
                let files = Files::builtin().with_uploads(uploads);
                let mut cfg = ServerConfig::new(files, Scope::Shared);
                cfg.tls = tls;
                let task = tokio::spawn(server::run(
                    listener,
                    cfg,
                    network.clone(),
                    tap.clone(),
                    stop,
                ));
                (client_ip, addr, Scope::Shared, Some(task))
            }
        };
        let setup = Setup {
            mode: config.mode,
            extended: config.extended,
            trust_pasv: config.trust_pasv,
            lesson: config.lesson,
            server: server_addr,
            client_ip,
            scope,
            tls: connector,
            ccc: config.ccc,
        };
        let (pace, paced) = mpsc::unbounded_channel();
        let client = Client::new(setup, network, tap, paced);
        let driver = tokio::spawn(async move {
            let outcome = client.run().await;
            // The lesson is over: stop the server so every recorder is
            // dropped and the event channel closes.
            let _ = shutdown.send(true);
            if let Some(task) = server_task {
                let _ = task.await;
            }
            outcome.map_err(LabError::from)
        });
        Ok(Lab {
            events,
            payloads,
            pace,
            endpoints: Endpoints {
                client: client_ip,
                server: server_addr,
            },
            taken,
            driver,
        })
    }

    /// Lets the client take its next action (one command and what it
    /// entails: the data connection, the replies).
    pub fn step(&self) {
        let _ = self.pace.send(Pace::Step);
    }

    /// Lets the client run the rest of its lesson without waiting.
    pub fn run_free(&self) {
        let _ = self.pace.send(Pace::Free);
    }

    /// The peers' addresses.
    pub fn endpoints(&self) -> Endpoints {
        self.endpoints
    }

    /// The control address that was asked for and found taken, when the
    /// lab listens elsewhere instead ([`IfTaken::AnyFree`]).
    pub fn port_taken(&self) -> Option<SocketAddr> {
        self.taken
    }

    /// True once the lesson has ended and both peers have stopped.
    pub fn is_over(&self) -> bool {
        self.driver.is_finished()
    }

    /// Waits for the end and says whether the lesson ran to its end (a
    /// failed data connection is part of a lesson; an unreachable server is
    /// not).
    pub async fn finish(self) -> Result<(), LabError> {
        drop(self.pace);
        self.driver.await.map_err(|_| LabError::Stopped)?
    }
}
