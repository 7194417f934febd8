//! The command line's words: every command, option and value `ftpviz`
//! takes, as clap reads them (`main.rs` parses; the commands here run). The
//! types live beside the commands that use them, so that the binary's root
//! only parses and hands off.

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use ftpviz::lab::ports::DEFAULT_CONTROL_PORT;
use ftpviz::lab::{IfTaken, LabConfig, Lesson, Mode};
use ftpviz::middlebox::{Firewall, Nat};
use ftpviz::tui::widgets::style::{Palette, Theme};
use ftpviz::tui::Screen;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "ftpviz",
    version,
    about = "See who dials whom in active and passive FTP",
    long_about = "See who dials whom in active and passive FTP.\n\n\
                  Without a command, runs the lab (a real client and server on loopback), \
                  active and passive side by side; the lab's options below work without \
                  the word `lab`.",
    args_conflicts_with_subcommands = true
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
    /// The lab's options, for the default command.
    #[command(flatten)]
    pub(crate) lab: LabArgs,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
    #[command(flatten)]
    pub(crate) screen: ScreenArgs,
    /// Write the run as one self-contained HTML page to hand out (the
    /// diagram as SVG, each event's narration, the summary; a lesson's
    /// every scene; the worksheet and its answers). No TUI; with `serve`,
    /// written when it stops.
    #[arg(long, global = true, value_name = "FILE.html")]
    pub(crate) html: Option<PathBuf>,
}

/// How the screens look.
#[derive(Args, Debug, Clone, Copy, Default)]
pub(crate) struct ScreenArgs {
    /// Colours for a dark terminal background or a light one (NO_COLOR
    /// turns colour off; the glyphs carry every meaning).
    #[arg(long, global = true, value_enum, default_value_t = ThemeArg::Dark)]
    pub(crate) theme: ThemeArg,
    /// Predict, then reveal: before each data dial the screen asks who
    /// dials, from which port, to which port (`g` in the TUI); with
    /// --print, a numbered worksheet under the timeline.
    #[arg(long, global = true)]
    pub(crate) quiz: bool,
    /// Start in the projector's view: one step, big (`v` in the TUI).
    #[arg(long, global = true)]
    pub(crate) presenter: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum ThemeArg {
    #[default]
    Dark,
    Light,
}

impl ScreenArgs {
    pub(crate) fn screen(self) -> Screen {
        let theme = Theme::for_terminal(match self.theme {
            ThemeArg::Dark => Palette::Dark,
            ThemeArg::Light => Palette::Light,
        });
        Screen {
            quiz: self.quiz,
            presenter: self.presenter,
            ..Screen::new(theme)
        }
    }
}

#[derive(Args, Debug, Clone, Copy, Default)]
pub(crate) struct OutputArgs {
    /// Write the trace as a human timeline to stdout and exit (no TUI).
    #[arg(long, global = true, conflicts_with = "json")]
    pub(crate) print: bool,
    /// Write the trace as JSON Lines to stdout and exit (no TUI).
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// With --print: each event's narration under it, wrapped to 80 columns.
    #[arg(long, global = true, requires = "print", conflicts_with = "json")]
    pub(crate) explain: bool,
    /// With --print --quiz: the answer key at the end, one line a question
    /// (`A<n> dialler=… from=… to=… evidence=seen|inferred|unknown — words`).
    #[arg(long, global = true, requires = "quiz")]
    pub(crate) answers: bool,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// A real client and server on loopback (the default).
    Lab(LabArgs),
    /// Replay a saved capture (pcap, pcapng, a saved --json trace; gzipped or
    /// not). Several files are one rotated capture; `-` reads standard input
    /// as it arrives (`tcpdump -w - | ftpviz replay -`).
    Replay {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Only this FTP session of the capture (from 1).
        #[arg(long)]
        session: Option<u32>,
        /// Keep reading a capture that is still being written (one file, or
        /// a ring buffer's files as a quoted glob: 'ring_*.pcap').
        #[arg(long)]
        follow: bool,
        /// TLS keys for the capture's FTPS, as a key log file
        /// (SSLKEYLOGFILE, Wireshark's tls.keylog_file); a pcapng's own
        /// decryption secrets are used without it.
        #[arg(long, value_name = "FILE")]
        keylog: Option<PathBuf>,
    },
    /// The guided classroom lesson: scene after scene of live lab runs.
    Lesson {
        /// A lesson file of your own (TOML; see assets/lessons/default.toml).
        #[arg(long, value_name = "LESSON")]
        file: Option<PathBuf>,
        /// The lab server's control port (0 = any free port) [default: 2121,
        /// or a free port when 2121 is taken].
        #[arg(long)]
        port: Option<u16>,
        /// Save every run of every scene as one pcapng capture for
        /// Wireshark (nothing on stdout without --print or --json).
        #[arg(long, value_name = "FILE.pcapng")]
        record: Option<PathBuf>,
    },
    /// Run our server on loopback and show any real client's sessions.
    Serve(ServeArgs),
    /// Watch FTP cross an interface, live (Linux; needs CAP_NET_RAW or root).
    Watch {
        /// The interface (see `ip link`), e.g. eth0.
        iface: String,
        /// Only this FTP session (from 1).
        #[arg(long)]
        session: Option<u32>,
        /// Save every frame seen as a pcapng capture (for Wireshark, or a
        /// later replay).
        #[arg(long, value_name = "FILE.pcapng")]
        record: Option<PathBuf>,
    },
}

/// `serve`: anonymous reads; demo/demo may also upload (into a private
/// temporary folder, removed at exit); with --root nobody writes.
#[derive(Args, Debug, Clone)]
pub(crate) struct ServeArgs {
    #[arg(long, default_value = "127.0.0.1:2121")]
    pub(crate) listen: SocketAddr,
    /// Serve this directory read-only instead of the built-in files (no
    /// uploads then).
    #[arg(long)]
    pub(crate) root: Option<PathBuf>,
    /// Bytes demo's uploads may take in all; the oldest go first (K, M, G).
    #[arg(long, value_name = "BYTES", default_value = "1G", value_parser = ftpviz::serve::parse_size)]
    pub(crate) upload_cap: u64,
    /// Bytes one upload may take (K, M, G).
    #[arg(long, value_name = "BYTES", default_value = "256M", value_parser = ftpviz::serve::parse_size)]
    pub(crate) upload_file_cap: u64,
    /// Sessions at once (the next gets 421).
    #[arg(long, value_name = "N", default_value_t = 512)]
    pub(crate) max_sessions: usize,
    /// Sessions at once from one client address.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub(crate) max_per_address: usize,
    /// Save the run as a pcapng capture for Wireshark (no TUI).
    #[arg(long, value_name = "FILE.pcapng")]
    pub(crate) record: Option<PathBuf>,
    /// A classroom network: let active mode dial students' own laptops
    /// back (only the address a control connection comes from, only ports
    /// >= 1024; never another host).
    #[arg(long)]
    pub(crate) classroom: bool,
    /// Close a session with no command and no transfer for this many
    /// seconds (421).
    #[arg(long, value_name = "S", default_value = "300", value_parser = ftpviz::serve::parse_seconds)]
    pub(crate) idle_timeout: std::time::Duration,
    /// Stop a transfer on whose data connection nothing moved for this
    /// many seconds, and close its session (421).
    #[arg(long, value_name = "S", default_value = "300", value_parser = ftpviz::serve::parse_seconds)]
    pub(crate) data_timeout: std::time::Duration,
    /// Close a client that has not logged in this many seconds after
    /// connecting (421).
    #[arg(long, value_name = "S", default_value = "30", value_parser = ftpviz::serve::parse_seconds)]
    pub(crate) login_timeout: std::time::Duration,
    /// Explicit FTPS (RFC 4217): clients may send AUTH TLS, then PBSZ 0 and
    /// PROT P to put the data connections inside TLS too (CCC clears the
    /// control connection again). The certificate is self-signed, made at
    /// start in memory (nothing written to disk); its SHA-256 fingerprint
    /// is printed (curl needs -k to accept it). With --record, the capture
    /// holds the TLS bytes that crossed and the keys that open them.
    #[arg(long)]
    pub(crate) tls: bool,
}

#[derive(Args, Debug, Clone, Default)]
pub(crate) struct LabArgs {
    /// Who dials the data connections: active (PORT/EPRT: the server),
    /// passive (PASV/EPSV: the client), or both side by side [default:
    /// compare; active for --lesson bounce].
    #[arg(long, value_enum)]
    pub(crate) mode: Option<ModeArg>,
    /// Use EPRT/EPSV (RFC 2428) instead of PORT/PASV.
    #[arg(long)]
    pub(crate) extended: bool,
    /// Run over IPv6 (::1).
    #[arg(long)]
    pub(crate) ipv6: bool,
    /// A simulated firewall between client and server (`f` in the TUI).
    /// The FTP helper (it reads PORT/PASV/EPRT/EPSV and opens just that one
    /// port; behind a NAT it also rewrites the address) is `stateful`; it
    /// combines with --nat: `--firewall stateful --nat client`.
    #[arg(long, value_enum, default_value_t = FirewallArg::None)]
    pub(crate) firewall: FirewallArg,
    /// A simulated NAT in front of the client or the server (`n` in the
    /// TUI): the host inside announces its private address in PORT or 227.
    /// With --firewall stateful the helper rewrites that address.
    #[arg(long, value_enum, default_value_t = NatArg::None)]
    pub(crate) nat: NatArg,
    /// With --nat server: the router forwards the data ports too (a 1:1
    /// NAT, or a forwarded passive range), not only the control port.
    #[arg(long)]
    pub(crate) forward_data: bool,
    /// The client dials the address a 227 names, even a private one (a
    /// naive client); by default it dials the server's own address at that
    /// port, as curl 7.88 and Python's ftplib do.
    #[arg(long)]
    pub(crate) trust_pasv: bool,
    /// With --nat server: the server announces its public address in 227,
    /// as vsftpd does with pasv_address (the FTP helper then expects
    /// nothing).
    #[arg(long)]
    pub(crate) pasv_address: bool,
    /// What the lab client does: a file transfer lesson, or the bounce
    /// attack (a PORT naming a third host, refused).
    #[arg(long, value_enum, default_value_t = LessonArg::Transfer)]
    pub(crate) lesson: LessonArg,
    /// Explicit FTPS (RFC 4217) between the lab's client and server: AUTH
    /// TLS, PBSZ 0, PROT P, every data connection inside TLS; the server's
    /// certificate is made at start, in memory, and the client trusts
    /// exactly it. The middlebox sees only records: its FTP helper opens no
    /// pinhole and rewrites nothing. With --record, the capture holds the
    /// TLS bytes that crossed and the keys that open them. Not with
    /// --server.
    #[arg(long)]
    pub(crate) tls: bool,
    /// With --tls: the client sends CCC after login (RFC 4217 §5), and the
    /// control connection goes back to clear text — the helper reads PORT
    /// and 227 again; the password crossed encrypted, the data stays in TLS.
    #[arg(long, requires = "tls")]
    pub(crate) ccc: bool,
    /// Run the lesson against an external server instead of ours.
    #[arg(long, value_name = "HOST:PORT")]
    pub(crate) server: Option<SocketAddr>,
    /// Our server's control port (0 = any free port) [default: 2121, or a
    /// free port when 2121 is taken]. Side by side, the passive lab's
    /// server listens on this port + 2.
    #[arg(long)]
    pub(crate) port: Option<u16>,
    /// Save the run as a pcapng capture for Wireshark (no TUI).
    #[arg(long, value_name = "FILE.pcapng")]
    pub(crate) record: Option<PathBuf>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ModeArg {
    /// PORT/EPRT: the client listens, the server dials it.
    Active,
    /// PASV/EPSV: the server listens, the client dials it.
    Passive,
    /// Both, side by side.
    Compare,
}

#[derive(ValueEnum, Debug, Clone, Copy, Default)]
pub(crate) enum FirewallArg {
    /// No firewall: both modes work.
    #[default]
    None,
    /// The client's host drops unsolicited inbound dials: active breaks,
    /// passive works.
    Client,
    /// The server's host admits only its control port: passive breaks,
    /// active works.
    Server,
    /// Both rules, plus the FTP helper that opens one pinhole per
    /// announced port: both work.
    Stateful,
}

#[derive(ValueEnum, Debug, Clone, Copy, Default)]
pub(crate) enum NatArg {
    /// No NAT.
    #[default]
    None,
    /// The client is behind a home router: its PORT names its private
    /// address, which the server cannot reach (unless the helper rewrites
    /// it).
    Client,
    /// The server is behind a router that forwards only its control port
    /// (see --forward-data): its 227 names a private address.
    Server,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum LessonArg {
    #[default]
    Transfer,
    Bounce,
}

impl LabArgs {
    /// The mode asked for, or the lesson's default; a combination that
    /// cannot be run is a usage error (exit 2).
    pub(crate) fn mode(&self) -> Result<ModeArg, clap::Error> {
        if self.tls && self.server.is_some() {
            return Err(Cli::command().error(
                clap::error::ErrorKind::ArgumentConflict,
                "lab --tls runs against the lab's own server only: the client trusts exactly \
                 that server's certificate, made at start",
            ));
        }
        match (self.lesson, self.mode) {
            (LessonArg::Bounce, None) => Ok(ModeArg::Active),
            (LessonArg::Bounce, Some(ModeArg::Active)) => Ok(ModeArg::Active),
            (LessonArg::Bounce, Some(_)) => Err(Cli::command().error(
                clap::error::ErrorKind::ArgumentConflict,
                "--lesson bounce needs --mode active: the bounce is a PORT/EPRT that asks \
                 the server to dial a third host, and passive mode sends no PORT",
            )),
            (LessonArg::Transfer, mode) => Ok(mode.unwrap_or(ModeArg::Compare)),
        }
    }

    /// The control port, and what to do if it is taken: a port named on
    /// the command line is kept to; the default gives way to a free one.
    pub(crate) fn port(&self) -> (u16, IfTaken) {
        match self.port {
            Some(p) => (p, IfTaken::Fail),
            None => (DEFAULT_CONTROL_PORT, IfTaken::AnyFree),
        }
    }

    /// The lab configuration for one mode.
    pub(crate) fn config(&self, mode: Mode) -> LabConfig {
        let (control_port, if_taken) = self.port();
        LabConfig {
            mode,
            extended: self.extended,
            ipv6: self.ipv6,
            firewall: match self.firewall {
                FirewallArg::None => Firewall::None,
                FirewallArg::Client => Firewall::Client,
                FirewallArg::Server => Firewall::Server,
                FirewallArg::Stateful => Firewall::Stateful,
            },
            nat: match self.nat {
                NatArg::None => Nat::None,
                NatArg::Client => Nat::Client,
                NatArg::Server => Nat::Server,
            },
            forward_data: self.forward_data,
            trust_pasv: self.trust_pasv,
            pasv_address: self.pasv_address,
            lesson: match self.lesson {
                LessonArg::Transfer => Lesson::Transfer,
                LessonArg::Bounce => Lesson::Bounce,
            },
            server: self.server,
            control_port,
            if_taken,
            tls: self.tls,
            ccc: self.ccc,
        }
    }
}
