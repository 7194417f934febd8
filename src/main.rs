//! The `ftpviz` command line: parse the arguments and hand them to the
//! command that runs them ([`cli`]: lab, lesson, replay, serve).
//!
//! `ftpviz` alone is the lab: its options work with or without the word
//! `lab` (`ftpviz --firewall client` = `ftpviz lab --firewall client`).
//!
//! Exit status: 0 success; 1 runtime failure with a one-line cause on
//! stderr; 2 bad usage (clap's own, and combinations clap cannot see).

mod cli;

use anyhow::{Context, Result};
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use cli::output::{RecordingFailed, Sink};
use ftpviz::handout::HandoutFile;
use ftpviz::lab::ports::DEFAULT_CONTROL_PORT;
use ftpviz::lab::{IfTaken, LabConfig, Lesson, Mode};
use ftpviz::middlebox::{Firewall, Nat};
use ftpviz::tui::style::{Palette, Theme};
use ftpviz::tui::Screen;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

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
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// The lab's options, for the default command.
    #[command(flatten)]
    lab: LabArgs,
    #[command(flatten)]
    output: OutputArgs,
    #[command(flatten)]
    screen: ScreenArgs,
    /// Write the run as one self-contained HTML page to hand out (the
    /// diagram as SVG, each event's narration, the summary; a lesson's
    /// every scene; the worksheet and its answers). No TUI; with `serve`,
    /// written when it stops.
    #[arg(long, global = true, value_name = "FILE.html")]
    html: Option<PathBuf>,
}

/// How the screens look.
#[derive(Args, Debug, Clone, Copy, Default)]
struct ScreenArgs {
    /// Colours for a dark terminal background or a light one (NO_COLOR
    /// turns colour off; the glyphs carry every meaning).
    #[arg(long, global = true, value_enum, default_value_t = ThemeArg::Dark)]
    theme: ThemeArg,
    /// Predict, then reveal: before each data dial the screen asks who
    /// dials, from which port, to which port (`g` in the TUI); with
    /// --print, a numbered worksheet under the timeline.
    #[arg(long, global = true)]
    quiz: bool,
    /// Start in the projector's view: one step, big (`v` in the TUI).
    #[arg(long, global = true)]
    presenter: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
enum ThemeArg {
    #[default]
    Dark,
    Light,
}

impl ScreenArgs {
    fn screen(self) -> Screen {
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
struct OutputArgs {
    /// Write the trace as a human timeline to stdout and exit (no TUI).
    #[arg(long, global = true, conflicts_with = "json")]
    print: bool,
    /// Write the trace as JSON Lines to stdout and exit (no TUI).
    #[arg(long, global = true)]
    json: bool,
    /// With --print: each event's narration under it, wrapped to 80 columns.
    #[arg(long, global = true, requires = "print", conflicts_with = "json")]
    explain: bool,
    /// With --print --quiz: the answer key at the end, one line a question
    /// (`A<n> dialler=… from=… to=… evidence=seen|inferred|unknown — words`).
    #[arg(long, global = true, requires = "quiz")]
    answers: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
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
struct ServeArgs {
    #[arg(long, default_value = "127.0.0.1:2121")]
    listen: SocketAddr,
    /// Serve this directory read-only instead of the built-in files (no
    /// uploads then).
    #[arg(long)]
    root: Option<PathBuf>,
    /// Bytes demo's uploads may take in all; the oldest go first (K, M, G).
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = ftpviz::serve::parse_size)]
    upload_cap: u64,
    /// Bytes one upload may take (K, M, G).
    #[arg(long, value_name = "SIZE", default_value = "256M", value_parser = ftpviz::serve::parse_size)]
    upload_file_cap: u64,
    /// Sessions at once (the next gets 421).
    #[arg(long, value_name = "N", default_value_t = 512)]
    max_sessions: usize,
    /// Sessions at once from one client address.
    #[arg(long, value_name = "N", default_value_t = 64)]
    max_per_address: usize,
    /// Save the run as a pcapng capture for Wireshark (no TUI).
    #[arg(long, value_name = "FILE.pcapng")]
    record: Option<PathBuf>,
    /// A classroom network: let active mode dial students' own laptops
    /// back (only the address a control connection comes from, only ports
    /// >= 1024; never another host).
    #[arg(long)]
    classroom: bool,
    /// Close a session with no command and no transfer for this many
    /// seconds (421).
    #[arg(long, value_name = "S", default_value = "300", value_parser = ftpviz::serve::parse_seconds)]
    idle_timeout: std::time::Duration,
    /// Stop a transfer on whose data connection nothing moved for this
    /// many seconds, and close its session (421).
    #[arg(long, value_name = "S", default_value = "300", value_parser = ftpviz::serve::parse_seconds)]
    data_timeout: std::time::Duration,
    /// Close a client that has not logged in this many seconds after
    /// connecting (421).
    #[arg(long, value_name = "S", default_value = "30", value_parser = ftpviz::serve::parse_seconds)]
    login_timeout: std::time::Duration,
}

#[derive(Args, Debug, Clone, Default)]
struct LabArgs {
    /// Who dials the data connections: active (PORT/EPRT: the server),
    /// passive (PASV/EPSV: the client), or both side by side [default:
    /// compare; active for --lesson bounce].
    #[arg(long, value_enum)]
    mode: Option<ModeArg>,
    /// Use EPRT/EPSV (RFC 2428) instead of PORT/PASV.
    #[arg(long)]
    extended: bool,
    /// Run over IPv6 (::1).
    #[arg(long)]
    ipv6: bool,
    /// A simulated firewall between client and server (`f` in the TUI).
    /// The FTP helper (it reads PORT/PASV/EPRT/EPSV and opens just that one
    /// port; behind a NAT it also rewrites the address) is `stateful`; it
    /// combines with --nat: `--firewall stateful --nat client`.
    #[arg(long, value_enum, default_value_t = FirewallArg::None)]
    firewall: FirewallArg,
    /// A simulated NAT in front of the client or the server (`n` in the
    /// TUI): the host inside announces its private address in PORT or 227.
    /// With --firewall stateful the helper rewrites that address.
    #[arg(long, value_enum, default_value_t = NatArg::None)]
    nat: NatArg,
    /// With --nat server: the router forwards the data ports too (a 1:1
    /// NAT, or a forwarded passive range), not only the control port.
    #[arg(long)]
    forward_data: bool,
    /// The client dials the address a 227 names, even a private one (a
    /// naive client); by default it dials the server's own address at that
    /// port, as curl 7.88 and Python's ftplib do.
    #[arg(long)]
    trust_pasv: bool,
    /// With --nat server: the server announces its public address in 227,
    /// as vsftpd does with pasv_address (the FTP helper then expects
    /// nothing).
    #[arg(long)]
    pasv_address: bool,
    /// What the lab client does: a file transfer lesson, or the bounce
    /// attack (a PORT naming a third host, refused).
    #[arg(long, value_enum, default_value_t = LessonArg::Transfer)]
    lesson: LessonArg,
    /// Run the lesson against an external server instead of ours.
    #[arg(long, value_name = "HOST:PORT")]
    server: Option<SocketAddr>,
    /// Our server's control port (0 = any free port) [default: 2121, or a
    /// free port when 2121 is taken]. Side by side, the passive lab's
    /// server listens on this port + 2.
    #[arg(long)]
    port: Option<u16>,
    /// Save the run as a pcapng capture for Wireshark (no TUI).
    #[arg(long, value_name = "FILE.pcapng")]
    record: Option<PathBuf>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum ModeArg {
    /// PORT/EPRT: the client listens, the server dials it.
    Active,
    /// PASV/EPSV: the server listens, the client dials it.
    Passive,
    /// Both, side by side.
    Compare,
}

#[derive(ValueEnum, Debug, Clone, Copy, Default)]
enum FirewallArg {
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
enum NatArg {
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
enum LessonArg {
    #[default]
    Transfer,
    Bounce,
}

impl LabArgs {
    /// The mode asked for, or the lesson's default; a combination that
    /// cannot be run is a usage error (exit 2).
    fn mode(&self) -> Result<ModeArg, clap::Error> {
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
    fn port(&self) -> (u16, IfTaken) {
        match self.port {
            Some(p) => (p, IfTaken::Fail),
            None => (DEFAULT_CONTROL_PORT, IfTaken::AnyFree),
        }
    }

    /// The lab configuration for one mode.
    fn config(&self, mode: Mode) -> LabConfig {
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
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let lab_args = match &cli.command {
        Some(Command::Lab(args)) => Some(args),
        None => Some(&cli.lab),
        _ => None,
    };
    if let Some(Err(e)) = lab_args.map(LabArgs::mode) {
        e.exit();
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // Already said on stderr when it happened.
        Err(e) if e.is::<RecordingFailed>() => ExitCode::from(1),
        // `ftpviz … --print | head`: the reader has all it wanted.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ftpviz: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<()> {
    let sink = Sink::from_args(cli.output, cli.screen.quiz);
    let screen = cli.screen.screen();
    // A page that cannot be written is said before anything runs.
    let html = cli.html.as_deref().map(HandoutFile::create).transpose()?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    match cli.command {
        None => runtime.block_on(cli::lab::lab(cli.lab, sink, html, screen)),
        Some(Command::Lab(args)) => runtime.block_on(cli::lab::lab(args, sink, html, screen)),
        Some(Command::Replay {
            files,
            session,
            follow,
        }) => {
            let input = cli::replay::Input { files, follow };
            cli::replay::replay(&runtime, input, session, sink, html, screen)
        }
        Some(Command::Watch {
            iface,
            session,
            record,
        }) => {
            if html.is_some() {
                anyhow::bail!(
                    "--html writes a whole capture's page: watch with --record, then replay that \
                     file with --html"
                );
            }
            let options = cli::watch::Options { session, record };
            cli::watch::watch(&runtime, &iface, options, sink, screen)
        }
        Some(Command::Serve(args)) => runtime.block_on(cli::serve::serve(args, sink, html, screen)),
        Some(Command::Lesson { file, port, record }) => {
            runtime.block_on(cli::lesson::lesson(file, port, record, sink, html, screen))
        }
    }
}
