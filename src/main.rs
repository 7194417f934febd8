//! The `ftpviz` command line: parse the arguments, pick a source of Trace
//! events (lab, replay, serve) and an output (the TUI, `--print`, `--json`).
//!
//! Exit status: 0 success; 1 runtime failure with a one-line cause on
//! stderr; 2 bad usage (clap's own).

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use ftpviz::lab::{LabConfig, Lesson, Mode};
use ftpviz::middlebox::{Firewall, Nat};
use ftpviz::trace::{write_json_line, write_print_line, Event};
use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(
    name = "ftpviz",
    version,
    about = "See who dials whom in active and passive FTP"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args, Debug, Clone, Copy, Default)]
struct OutputArgs {
    /// Write the trace as a human timeline to stdout and exit (no TUI).
    #[arg(long, global = true, conflicts_with = "json")]
    print: bool,
    /// Write the trace as JSON Lines to stdout and exit (no TUI).
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// A real client and server on loopback (the default).
    Lab(LabArgs),
    /// Replay a saved capture (pcap or pcapng).
    Replay {
        file: PathBuf,
        /// Only this FTP session of the capture (from 1).
        #[arg(long)]
        session: Option<u32>,
    },
    /// Run our server on loopback and show any real client's sessions.
    Serve(ServeArgs),
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
}

#[derive(Args, Debug, Clone)]
struct LabArgs {
    #[arg(long, value_enum, default_value_t = ModeArg::Compare)]
    mode: ModeArg,
    /// Use EPRT/EPSV (RFC 2428) instead of PORT/PASV.
    #[arg(long)]
    extended: bool,
    /// Run over IPv6 (::1).
    #[arg(long)]
    ipv6: bool,
    #[arg(long, value_enum, default_value_t = FirewallArg::None)]
    firewall: FirewallArg,
    #[arg(long, value_enum, default_value_t = NatArg::None)]
    nat: NatArg,
    #[arg(long, value_enum, default_value_t = LessonArg::Transfer)]
    lesson: LessonArg,
    /// Run the lesson against an external server instead of ours.
    #[arg(long, value_name = "HOST:PORT")]
    server: Option<SocketAddr>,
    /// Our server's control port (0 = any free port).
    #[arg(long, default_value_t = 2121)]
    port: u16,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum ModeArg {
    Active,
    Passive,
    Compare,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
enum FirewallArg {
    None,
    Client,
    Server,
    Stateful,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
enum NatArg {
    None,
    Client,
    Server,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
enum LessonArg {
    Transfer,
    Bounce,
}

impl LabArgs {
    /// The lab configuration for one mode.
    fn config(&self, mode: Mode) -> LabConfig {
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
            lesson: match self.lesson {
                LessonArg::Transfer => Lesson::Transfer,
                LessonArg::Bounce => Lesson::Bounce,
            },
            server: self.server,
            control_port: self.port,
        }
    }
}

impl Default for LabArgs {
    fn default() -> LabArgs {
        LabArgs {
            mode: ModeArg::Compare,
            extended: false,
            ipv6: false,
            firewall: FirewallArg::None,
            nat: NatArg::None,
            lesson: LessonArg::Transfer,
            server: None,
            port: 2121,
        }
    }
}

/// Where events go when there is no TUI.
#[derive(Debug, Clone, Copy)]
enum Sink {
    Print,
    Json,
}

impl Sink {
    fn from_args(o: OutputArgs) -> Option<Sink> {
        match (o.print, o.json) {
            (_, true) => Some(Sink::Json),
            (true, false) => Some(Sink::Print),
            _ => None,
        }
    }

    fn write(self, out: &mut impl Write, event: &Event) -> io::Result<()> {
        match self {
            Sink::Print => write_print_line(&mut *out, event),
            Sink::Json => write_json_line(&mut *out, event),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
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
    let sink = Sink::from_args(cli.output);
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    match cli.command {
        None => runtime.block_on(lab(LabArgs::default(), sink)),
        Some(Command::Lab(args)) => runtime.block_on(lab(args, sink)),
        Some(Command::Replay { file, session }) => replay(&runtime, file, session, sink),
        Some(Command::Serve(args)) => runtime.block_on(serve(args, sink)),
    }
}

async fn lab(args: LabArgs, sink: Option<Sink>) -> Result<()> {
    let Some(sink) = sink else {
        return lab_tui(&args).await;
    };
    let modes = match args.mode {
        ModeArg::Active => vec![Mode::Active],
        ModeArg::Passive => vec![Mode::Passive],
        ModeArg::Compare => vec![Mode::Active, Mode::Passive],
    };
    // Compare mode writes one trace: the passive lesson is session 2, on
    // the same clock as the active one before it.
    let mut origin = None;
    for (n, mode) in (1..).zip(modes) {
        lab_to_sink(args.config(mode), sink, n, &mut origin).await?;
    }
    Ok(())
}

/// The lab in the TUI: one pane, or in compare mode two labs side by side
/// (the passive one on its own control port so both can listen).
async fn lab_tui(args: &LabArgs) -> Result<()> {
    let (heading, configs) = match args.mode {
        ModeArg::Active => ("lab · active", vec![args.config(Mode::Active)]),
        ModeArg::Passive => ("lab · passive", vec![args.config(Mode::Passive)]),
        ModeArg::Compare => {
            let mut passive = args.config(Mode::Passive);
            passive.control_port = args
                .port
                .checked_add(2)
                .filter(|_| args.port != 0)
                .unwrap_or(0);
            let configs = vec![args.config(Mode::Active), passive];
            ("lab · active vs passive", configs)
        }
    };
    ftpviz::tui::lab(heading, configs).await?;
    Ok(())
}

/// A replayed trace in the TUI (a session list first when there are several).
fn replay_tui(
    runtime: &tokio::runtime::Runtime,
    file: &std::path::Path,
    trace: ftpviz::trace::Trace,
    warnings: usize,
) -> Result<()> {
    let mut heading = format!("replay {}", file.display());
    if warnings > 0 {
        heading.push_str(&format!(
            " · {warnings} warning(s) above the TUI, on quitting"
        ));
    }
    runtime.block_on(ftpviz::tui::trace(&heading, trace))?;
    Ok(())
}

/// Runs one lab lesson to its end, writing each event as it happens, as
/// session `session` of a trace whose clock started at `origin`.
async fn lab_to_sink(
    config: LabConfig,
    sink: Sink,
    session: u32,
    origin: &mut Option<Instant>,
) -> Result<()> {
    // Each lab's clock starts at its first event, which comes after its
    // start; shifting a later lab by the time between the starts keeps the
    // one trace in time order.
    let started = Instant::now();
    let shift = match origin {
        Some(first) => started.duration_since(*first).as_secs_f64(),
        None => {
            *origin = Some(started);
            0.0
        }
    };
    let mut lab = ftpviz::lab::Lab::start(config).await?;
    lab.run_free();
    while let Some(mut event) = lab.events.recv().await {
        event.t += shift;
        event.session = session;
        let mut out = io::stdout().lock();
        sink.write(&mut out, &event)?;
        out.flush()?;
    }
    lab.finish().await?;
    Ok(())
}

async fn serve(args: ServeArgs, sink: Option<Sink>) -> Result<()> {
    let config = ftpviz::serve::ServeConfig {
        listen: args.listen,
        root: args.root,
    };
    let options = ftpviz::serve::ServeOptions {
        upload_cap: args.upload_cap,
        upload_file_cap: args.upload_file_cap,
        caps: ftpviz::server::slots::Caps {
            total: args.max_sessions.max(1),
            per_address: args.max_per_address.max(1),
        },
        // Written as it comes: a reader that stalls slows the sessions
        // down instead of filling memory.
        trace_queue: sink.map(|_| ftpviz::serve::TRACE_QUEUE),
    };
    let serving = ftpviz::serve::start_with(config, options).await?;
    let Some(sink) = sink else {
        return serve_tui(serving).await;
    };
    serve_to_sink(serving, sink).await
}

/// `serve` in the TUI: its sessions listed live; a warning (a non-loopback
/// address) is printed first, and stays on the terminal after quitting.
async fn serve_tui(serving: ftpviz::serve::Serving) -> Result<()> {
    if let Some(warning) = &serving.warning {
        eprintln!("ftpviz: warning: {warning}");
    }
    ftpviz::tui::serve(serving).await?;
    Ok(())
}

/// Writes `serve`'s events until SIGINT or SIGTERM, then stops cleanly.
async fn serve_to_sink(mut serving: ftpviz::serve::Serving, sink: Sink) -> Result<()> {
    if let Some(warning) = &serving.warning {
        eprintln!("ftpviz: warning: {warning}");
    }
    match &serving.upload_dir {
        Some(dir) => eprintln!(
            "ftpviz: serving on {} (Ctrl-C stops); demo's uploads go to {} (removed at exit)",
            serving.local,
            dir.display()
        ),
        None => eprintln!(
            "ftpviz: serving on {} (Ctrl-C stops), read-only",
            serving.local
        ),
    }
    let stopper = serving.stopper();
    tokio::spawn(async move {
        stop_signal().await;
        let _ = stopper.send(true);
    });
    // The channel closes once the server has said goodbye to every session.
    while let Some(event) = serving.recv().await {
        let mut out = io::stdout().lock();
        sink.write(&mut out, &event)?;
        out.flush()?;
    }
    Ok(())
}

/// SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

fn replay(
    runtime: &tokio::runtime::Runtime,
    file: PathBuf,
    session: Option<u32>,
    sink: Option<Sink>,
) -> Result<()> {
    use ftpviz::replay::{read_file_with_progress, Progress, ReplayError};
    use std::io::IsTerminal;
    // A progress line for big files, only where a person is watching.
    let show = io::stderr().is_terminal();
    let mut shown = false;
    let progress = |p: Progress| {
        if let (true, Some(total)) = (show, p.total.filter(|&t| t >= 64 << 20)) {
            let pct = p.done.saturating_mul(100) / total.max(1);
            eprint!(
                "\rftpviz: reading {}: {pct:>3}% of {} MiB",
                file.display(),
                total >> 20
            );
            shown = true;
        }
    };
    let result = read_file_with_progress(&file, progress);
    if shown {
        eprint!("\r\x1b[2K");
    }
    let replay = match result {
        Ok(r) => r,
        Err(e @ ReplayError::Open { .. }) => return Err(e.into()),
        Err(e) => return Err(anyhow::Error::new(e).context(file.display().to_string())),
    };
    for w in &replay.warnings {
        match w.offset {
            Some(at) => eprintln!("ftpviz: warning: {} (at byte {at})", w.message),
            None => eprintln!("ftpviz: warning: {}", w.message),
        }
    }
    let trace = match session {
        Some(n) => {
            let sessions = replay.trace.sessions();
            if !sessions.contains(&n) {
                let count = sessions.len();
                anyhow::bail!("{}: no FTP session {n} (it holds {count})", file.display());
            }
            replay.trace.session(n)
        }
        None => replay.trace,
    };
    let Some(sink) = sink else {
        return replay_tui(runtime, &file, trace, replay.warnings.len());
    };
    let mut out = io::stdout().lock();
    for e in &trace.events {
        sink.write(&mut out, e)?;
    }
    Ok(())
}
