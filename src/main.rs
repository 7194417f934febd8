//! The `ftpviz` command line: parse the arguments, pick a source of Trace
//! events (lab, replay, serve) and an output (the TUI, `--print`, `--json`,
//! `--print --explain`).
//!
//! `ftpviz` alone is the lab: its options work with or without the word
//! `lab` (`ftpviz --firewall client` = `ftpviz lab --firewall client`).
//!
//! Exit status: 0 success; 1 runtime failure with a one-line cause on
//! stderr; 2 bad usage (clap's own, and combinations clap cannot see).

use anyhow::{Context, Result};
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use ftpviz::capture_writer::Recording;
use ftpviz::lab::ports::{second_server_port, DEFAULT_CONTROL_PORT};
use ftpviz::lab::{IfTaken, LabConfig, Lesson, Mode};
use ftpviz::middlebox::{Firewall, Nat};
use ftpviz::narration::explain::Explainer;
use ftpviz::narration::Between;
use ftpviz::trace::{write_json_line, write_print_line, Event};
use ftpviz::tui::style::{Palette, Theme};
use ftpviz::tui::Screen;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

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
}

/// How the screens look.
#[derive(Args, Debug, Clone, Copy, Default)]
struct ScreenArgs {
    /// Colours for a dark terminal background or a light one (NO_COLOR
    /// turns colour off; the glyphs carry every meaning).
    #[arg(long, global = true, value_enum, default_value_t = ThemeArg::Dark)]
    theme: ThemeArg,
    /// Predict, then reveal: before each data dial the screen asks who
    /// dials, from which port, to which port (`g` in the TUI).
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
}

#[derive(Subcommand, Debug)]
enum Command {
    /// A real client and server on loopback (the default).
    Lab(LabArgs),
    /// Replay a saved capture (pcap, pcapng, a saved --json trace; gzipped or not).
    Replay {
        file: PathBuf,
        /// Only this FTP session of the capture (from 1).
        #[arg(long)]
        session: Option<u32>,
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
    #[arg(long, value_enum, default_value_t = FirewallArg::None)]
    firewall: FirewallArg,
    #[arg(long, value_enum, default_value_t = NatArg::None)]
    nat: NatArg,
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
    Active,
    Passive,
    Compare,
}

#[derive(ValueEnum, Debug, Clone, Copy, Default)]
enum FirewallArg {
    #[default]
    None,
    Client,
    Server,
    Stateful,
}

#[derive(ValueEnum, Debug, Clone, Copy, Default)]
enum NatArg {
    #[default]
    None,
    Client,
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

/// Where events go when there is no TUI.
#[derive(Debug, Clone, Copy)]
enum Sink {
    Print,
    Json,
    /// `--print --explain`: each line with its narration.
    Explain,
}

impl Sink {
    fn from_args(o: OutputArgs) -> Option<Sink> {
        match (o.print, o.json, o.explain) {
            (_, true, _) => Some(Sink::Json),
            (true, false, true) => Some(Sink::Explain),
            (true, false, false) => Some(Sink::Print),
            _ => None,
        }
    }

    /// A writer for one trace whose middlebox is `between` (known in the
    /// lab, not in a capture).
    fn writer(self, between: Option<Between>) -> SinkWriter {
        SinkWriter {
            sink: self,
            explainer: Explainer::new(between),
        }
    }
}

/// A [`Sink`] with what it remembers of the trace so far.
struct SinkWriter {
    sink: Sink,
    explainer: Explainer,
}

impl SinkWriter {
    fn write(&mut self, out: &mut impl Write, event: &Event) -> io::Result<()> {
        match self.sink {
            Sink::Print => write_print_line(&mut *out, event),
            Sink::Json => write_json_line(&mut *out, event),
            Sink::Explain => self.explainer.write(&mut *out, event),
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
    let sink = Sink::from_args(cli.output);
    let screen = cli.screen.screen();
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    match cli.command {
        None => runtime.block_on(lab(cli.lab, sink, screen)),
        Some(Command::Lab(args)) => runtime.block_on(lab(args, sink, screen)),
        Some(Command::Replay { file, session }) => replay(&runtime, file, session, sink, screen),
        Some(Command::Serve(args)) => runtime.block_on(serve(args, sink, screen)),
        Some(Command::Lesson { file, port, record }) => {
            runtime.block_on(lesson(file, port, record, sink, screen))
        }
    }
}

/// `ftpviz lesson`: the lesson file is read and checked before anything
/// starts; then every scene runs on real labs, in the TUI; with `--print`
/// or `--json` headless, and `--record` alone runs it quietly into the
/// capture, as `lab --record` does.
async fn lesson(
    file: Option<PathBuf>,
    port: Option<u16>,
    record: Option<PathBuf>,
    sink: Option<Sink>,
    screen: Screen,
) -> Result<()> {
    use ftpviz::classroom::{self, Labs, Lesson, Step};
    let lesson = match &file {
        Some(path) => Lesson::load(path)?,
        None => Lesson::builtin(),
    };
    if sink.is_none() && record.is_none() {
        let course = ftpviz::tui::course::Course::new(lesson, port);
        return Ok(ftpviz::tui::lesson(course, screen).await?);
    }
    let mut recording = record.as_deref().map(start_recording);
    let mut out = io::stdout().lock();
    let mut writer = sink.map(|s| s.writer(None));
    // Each run narrates for its own middlebox, on screen and in the capture.
    let mut between = None;
    let labs = Labs {
        port,
        payloads: recording.is_some(),
    };
    classroom::play(&lesson, labs, |step| -> Result<()> {
        if let Step::Run(_, run) = &step {
            between = run.configs(port).first().map(Between::of);
            writer = sink.map(|s| s.writer(between));
        }
        if let (Step::Event(e, _), Some(recording), Some(b)) = (&step, &mut recording, between) {
            recording.between(e.session, b);
        }
        match (sink, step) {
            (_, Step::Event(e, bytes)) => {
                deliver(&e, bytes.as_deref(), writer.as_mut(), recording.as_mut())?
            }
            (None | Some(Sink::Json), _) => {}
            (Some(_), step) => {
                write_lesson_step(&mut out, &lesson, step)?;
                out.flush()?;
            }
        }
        Ok(())
    })
    .await?;
    recording.map_or(Ok(()), finish_recording)
}

/// The lesson's scene and run headings, notes and summaries in `--print`.
fn write_lesson_step(
    out: &mut impl Write,
    lesson: &ftpviz::classroom::Lesson,
    step: ftpviz::classroom::Step<'_>,
) -> io::Result<()> {
    use ftpviz::classroom::Step;
    match step {
        Step::Scene(n, scene) => {
            writeln!(
                out,
                "\n== Scene {n}/{}: {}",
                lesson.scenes.len(),
                scene.title
            )?;
            for para in scene.notes.split("\n\n") {
                for line in ftpviz::narration::explain::wrap(para, 77) {
                    writeln!(out, "   {line}")?;
                }
                writeln!(out)?;
            }
        }
        Step::Run(r, run) => {
            if let Some(caption) = &run.caption {
                writeln!(out, "-- run {r}: {caption}")?;
            }
        }
        Step::RunEnd(..) | Step::Event(..) => {}
    }
    Ok(())
}

async fn lab(args: LabArgs, sink: Option<Sink>, screen: Screen) -> Result<()> {
    let mode = args.mode()?;
    if sink.is_none() && args.record.is_none() {
        return lab_tui(&args, mode, screen).await;
    }
    let mut recording = args.record.as_deref().map(start_recording);
    let modes = match mode {
        ModeArg::Active => vec![Mode::Active],
        ModeArg::Passive => vec![Mode::Passive],
        ModeArg::Compare => vec![Mode::Active, Mode::Passive],
    };
    // Compare mode writes one trace: the passive lesson is session 2, on
    // the same clock as the active one before it. The timeline says which
    // session is which (a JSON trace stays one event a line).
    let mut origin = None;
    let several = modes.len() > 1;
    let mut writer = sink.map(|s| s.writer(Some(Between::of(&args.config(Mode::Active)))));
    for (n, mode) in (1..).zip(modes) {
        if let (Some(Sink::Print | Sink::Explain), true) = (sink, several) {
            let mut out = io::stdout().lock();
            writeln!(out, "{}", session_header(n, mode, args.extended))?;
        }
        if let Some(recording) = recording.as_mut() {
            // The capture's comments speak of the middlebox, as the screen does.
            recording.between(n, Between::of(&args.config(mode)));
        }
        lab_to_sink(
            args.config(mode),
            writer.as_mut(),
            n,
            &mut origin,
            recording.as_mut(),
        )
        .await?;
    }
    recording.map_or(Ok(()), finish_recording)
}

/// The `--print` line that opens a session of the comparison.
fn session_header(session: u32, mode: Mode, extended: bool) -> String {
    let what = match (mode, extended) {
        (Mode::Active, false) => "active (PORT: the server dials the client)",
        (Mode::Active, true) => "active (EPRT: the server dials the client)",
        (Mode::Passive, false) => "passive (PASV: the client dials the server)",
        (Mode::Passive, true) => "passive (EPSV: the client dials the server)",
    };
    format!("# session {session}: {what}")
}

/// The lab in the TUI: one pane, or in compare mode two labs side by side
/// (the passive one on its own control port so both can listen).
async fn lab_tui(args: &LabArgs, mode: ModeArg, screen: Screen) -> Result<()> {
    let (heading, configs) = match mode {
        ModeArg::Active => ("lab · active", vec![args.config(Mode::Active)]),
        ModeArg::Passive => ("lab · passive", vec![args.config(Mode::Passive)]),
        ModeArg::Compare => {
            let active = args.config(Mode::Active);
            let passive = LabConfig {
                control_port: second_server_port(active.control_port),
                ..args.config(Mode::Passive)
            };
            ("lab · active vs passive", vec![active, passive])
        }
    };
    ftpviz::tui::lab(heading, configs, screen).await?;
    Ok(())
}

/// A replayed trace in the TUI (a session list first when there are several).
fn replay_tui(
    runtime: &tokio::runtime::Runtime,
    file: &std::path::Path,
    trace: ftpviz::trace::Trace,
    warnings: usize,
    screen: Screen,
) -> Result<()> {
    let mut heading = format!("replay {}", file.display());
    if warnings > 0 {
        heading.push_str(&format!(
            " · {warnings} warning(s) above the TUI, on quitting"
        ));
    }
    runtime.block_on(ftpviz::tui::trace(&heading, trace, screen))?;
    Ok(())
}

/// Runs one lab lesson to its end, writing each event as it happens, as
/// session `session` of a trace whose clock started at `origin`.
async fn lab_to_sink(
    config: LabConfig,
    mut sink: Option<&mut SinkWriter>,
    session: u32,
    origin: &mut Option<Instant>,
    mut recording: Option<&mut Recording>,
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
    let mut lab = match recording {
        Some(_) => ftpviz::lab::Lab::start_with_payloads(config).await?,
        None => ftpviz::lab::Lab::start(config).await?,
    };
    if let Some(taken) = lab.port_taken() {
        let port = lab.endpoints().server.port();
        eprintln!("ftpviz: {taken} is taken; the lab's server listens on port {port} instead");
    }
    lab.run_free();
    while let Some(mut event) = lab.events.recv().await {
        // The bytes are matched to their event before it is renumbered.
        let bytes = bytes_of(&mut lab.payloads, &event).await;
        event.t += shift;
        event.session = session;
        deliver(
            &event,
            bytes.as_deref(),
            sink.as_deref_mut(),
            recording.as_deref_mut(),
        )?;
    }
    lab.finish().await?;
    Ok(())
}

async fn serve(args: ServeArgs, sink: Option<Sink>, screen: Screen) -> Result<()> {
    let config = ftpviz::serve::ServeConfig {
        listen: args.listen,
        root: args.root,
    };
    let headless = sink.is_some() || args.record.is_some();
    let options = ftpviz::serve::ServeOptions {
        upload_cap: args.upload_cap,
        upload_file_cap: args.upload_file_cap,
        caps: ftpviz::server::slots::Caps {
            total: args.max_sessions.max(1),
            per_address: args.max_per_address.max(1),
        },
        // Written (or recorded) as it comes: a reader that stalls slows the
        // sessions down instead of filling memory.
        trace_queue: headless.then_some(ftpviz::serve::TRACE_QUEUE),
        // The bytes too when recording, and in the TUI (where `w` saves
        // the sessions with their real bytes).
        payloads: args.record.is_some() || !headless,
        classroom: args.classroom,
    };
    let serving = ftpviz::serve::start_with(config, options).await?;
    if !headless {
        return serve_tui(serving, screen).await;
    }
    let recording = args.record.as_deref().map(start_recording);
    serve_to_sink(serving, sink.map(|s| s.writer(None)), recording).await
}

/// `serve` in the TUI: its sessions listed live; a warning (a non-loopback
/// address) is printed first, and stays on the terminal after quitting.
async fn serve_tui(serving: ftpviz::serve::Serving, screen: Screen) -> Result<()> {
    if let Some(warning) = &serving.warning {
        eprintln!("ftpviz: warning: {warning}");
    }
    ftpviz::tui::serve(serving, screen).await?;
    Ok(())
}

/// Writes `serve`'s events until SIGINT or SIGTERM, then stops cleanly.
async fn serve_to_sink(
    mut serving: ftpviz::serve::Serving,
    mut sink: Option<SinkWriter>,
    mut recording: Option<Recording>,
) -> Result<()> {
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
        let bytes = bytes_of(&mut serving.payloads, &event).await;
        deliver(&event, bytes.as_deref(), sink.as_mut(), recording.as_mut())?;
    }
    recording.map_or(Ok(()), finish_recording)
}

/// The exit status of a run whose recording failed (already said).
#[derive(Debug, thiserror::Error)]
#[error("the recording failed")]
struct RecordingFailed;

/// `--record FILE`: starts it; a file that cannot be created is said now.
fn start_recording(path: &Path) -> Recording {
    let mut recording = Recording::create(path);
    say_failure(&mut recording);
    recording
}

/// The bytes of a `data` event, when the source hands them over.
async fn bytes_of(
    payloads: &mut Option<ftpviz::tap::Payloads>,
    event: &Event,
) -> Option<ftpviz::tap::Chunk> {
    payloads.as_mut()?.take(event).await
}

/// One event to stdout and into the recording; a recording's failure is
/// said once, when it happens.
fn deliver(
    event: &Event,
    bytes: Option<&[u8]>,
    sink: Option<&mut SinkWriter>,
    recording: Option<&mut Recording>,
) -> Result<()> {
    if let Some(recording) = recording {
        recording.event(event, bytes);
        say_failure(recording);
    }
    if let Some(sink) = sink {
        let mut out = io::stdout().lock();
        sink.write(&mut out, event)?;
        out.flush()?;
    }
    Ok(())
}

fn say_failure(recording: &mut Recording) {
    if let Some(line) = recording.unsaid_failure() {
        eprintln!("ftpviz: {line}");
    }
}

/// Closes the capture and says what it holds, and how to make Wireshark
/// read FTP on ports other than 21/20. A failed recording exits 1.
fn finish_recording(recording: Recording) -> Result<()> {
    let path = recording.path().display().to_string();
    match recording.finish() {
        Ok(w) => {
            let (packets, comments) = (w.packets, w.comments);
            eprintln!("ftpviz: recorded {path} ({packets} packets, {comments} with a comment)");
            let decode: String = w.decode_as().iter().map(|d| format!(" -d {d}")).collect();
            if !decode.is_empty() {
                eprintln!("ftpviz: not on ports 21/20, so tell Wireshark (Decode As…): tshark -r {path}{decode}");
            }
            Ok(())
        }
        Err(unsaid) => {
            if let Some(line) = unsaid {
                eprintln!("ftpviz: {line}");
            }
            Err(RecordingFailed.into())
        }
    }
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
    screen: Screen,
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
    if let Some(nothing) = replay.nothing_found() {
        anyhow::bail!("{}: {nothing}", file.display());
    }
    let trace = match session {
        Some(n) => {
            let sessions = replay.trace.sessions();
            if !sessions.contains(&n) {
                let count = sessions.len();
                anyhow::bail!("{}: no FTP session {n} (it holds {count})", file.display());
            }
            // The capture's own session number and clock, as in the full trace.
            let mut trace = replay.trace;
            trace.events.retain(|e| e.session == n);
            trace
        }
        None => replay.trace,
    };
    let Some(sink) = sink else {
        return replay_tui(runtime, &file, trace, replay.warnings.len(), screen);
    };
    let mut out = io::stdout().lock();
    let mut writer = sink.writer(None);
    for e in &trace.events {
        writer.write(&mut out, e)?;
    }
    Ok(())
}
