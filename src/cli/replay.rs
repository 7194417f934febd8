//! `ftpviz replay`: saved captures (pcap, pcapng, gzipped or not; several
//! files as one rotated capture) or a saved `--json` trace, in the TUI or
//! back out as lines; and captures as they arrive: `-` (standard input, as
//! `tcpdump -w -` writes it) or `--follow FILE` (a file still being
//! written), their events shown as soon as they are known.

use super::output::{command_line, finish_handout, Sink};
use anyhow::Result;
use ftpviz::handout::{Handout, HandoutFile, Run};
use ftpviz::narration::Ours;
use ftpviz::replay::{Progress, Replay, ReplayError};
use ftpviz::trace::Event;
use ftpviz::tui::Screen;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// What to read.
pub(crate) struct Input {
    pub files: Vec<PathBuf>,
    /// Keep reading the (one) file as it grows.
    pub follow: bool,
    /// A TLS key log file (`SSLKEYLOGFILE`) for the captures' FTPS.
    pub keylog: Option<PathBuf>,
}

impl Input {
    fn stdin(&self) -> bool {
        self.files.iter().any(|f| f == Path::new("-"))
    }

    fn name(&self) -> String {
        let names: Vec<String> = self
            .files
            .iter()
            .map(|f| match f.to_str() {
                Some("-") => "standard input".to_string(),
                _ => f.display().to_string(),
            })
            .collect();
        names.join(" + ")
    }
}

/// A replayed trace in the TUI (a session list first when there are several).
pub(crate) fn replay_tui(
    runtime: &tokio::runtime::Runtime,
    name: &str,
    trace: ftpviz::trace::Trace,
    warnings: usize,
    screen: Screen,
) -> Result<()> {
    let mut heading = format!("replay {name}");
    if warnings > 0 {
        heading.push_str(&format!(
            " · {warnings} warning(s) above the TUI, on quitting"
        ));
    }
    runtime.block_on(ftpviz::tui::trace(&heading, trace, screen))?;
    Ok(())
}

pub(crate) fn replay(
    runtime: &tokio::runtime::Runtime,
    input: Input,
    session: Option<u32>,
    sink: Option<Sink>,
    html: Option<HandoutFile>,
    screen: Screen,
) -> Result<()> {
    if input.stdin() || input.follow {
        if html.is_some() {
            anyhow::bail!(
                "--html writes a whole capture's page: read the file itself, not standard input \
                 or --follow"
            );
        }
        if input.keylog.is_some() {
            anyhow::bail!(
                "--keylog reads a whole capture: replay the file itself, not standard input or \
                 --follow (keys inside a pcapng stream are used as they come)"
            );
        }
        return live(runtime, input, session, sink, screen);
    }
    let name = input.name();
    let result = ftpviz::replay::read_files_keyed(
        &input.files,
        input.keylog.as_deref(),
        progress_line(&name),
    );
    eprint_progress_done();
    let replay = match result {
        Ok(r) => r,
        Err(e @ (ReplayError::Open { .. } | ReplayError::SavedTraceInMerge(_))) => {
            return Err(e.into())
        }
        Err(e) => return Err(anyhow::Error::new(e).context(name)),
    };
    say_warnings(&replay);
    if let Some(nothing) = replay.nothing_found() {
        anyhow::bail!("{name}: {nothing}");
    }
    let trace = match session {
        Some(n) => {
            let sessions = replay.trace.sessions();
            if !sessions.contains(&n) {
                let count = sessions.len();
                anyhow::bail!("{name}: no FTP session {n} (it holds {count})");
            }
            // The capture's own session number and clock, as in the full trace.
            let mut trace = replay.trace;
            trace.events.retain(|e| e.session == n);
            trace
        }
        None => replay.trace,
    };
    if sink.is_none() && html.is_none() {
        return replay_tui(runtime, &name, trace, replay.warnings.len(), screen);
    }
    if let Some(sink) = sink {
        // The whole trace at once: written in large blocks, not a line at
        // a time as stdout alone would (`finish` flushes).
        let mut out = io::BufWriter::with_capacity(64 << 10, io::stdout().lock());
        let mut writer = sink.writer_knowing(&trace.events);
        for e in &trace.events {
            writer.write(&mut out, e)?;
        }
        writer.finish(&mut out)?;
    }
    match html {
        Some(html) => {
            let title = format!("ftpviz replay · {name}");
            let mut page = Handout::of_run(title, Run::new(trace.events, None, Ours::NONE));
            page.subtitle = Some(command_line());
            finish_handout(html, &page)
        }
        None => Ok(()),
    }
}

/// A progress line for big files, only where a person is watching.
fn progress_line(name: &str) -> impl FnMut(Progress) + '_ {
    use std::io::IsTerminal;
    let show = io::stderr().is_terminal();
    move |p: Progress| {
        if let (true, Some(total)) = (show, p.total.filter(|&t| t >= 64 << 20)) {
            let pct = p.done.saturating_mul(100) / total.max(1);
            eprint!("\rftpviz: reading {name}: {pct:>3}% of {} MiB", total >> 20);
        }
    }
}

fn eprint_progress_done() {
    use std::io::IsTerminal;
    if io::stderr().is_terminal() {
        eprint!("\r\x1b[2K");
    }
}

fn say_warnings(replay: &Replay) {
    for w in &replay.warnings {
        match w.offset {
            Some(at) => eprintln!("ftpviz: warning: {} (at byte {at})", w.message),
            None => eprintln!("ftpviz: warning: {}", w.message),
        }
    }
}

/// The source of a live reading: standard input, or a file followed as it
/// grows.
fn live_source(input: &Input) -> Result<Box<dyn Read + Send>> {
    match input.files.as_slice() {
        [one] if one == Path::new("-") => {
            // A bigger pipe (1 MiB, where Linux allows it) means fewer,
            // larger reads: a capture streamed at full speed goes through
            // at the pipe's pace, not the syscalls'. Not a pipe: no matter.
            #[cfg(target_os = "linux")]
            let _ = rustix::pipe::fcntl_setpipe_size(io::stdin(), 1 << 20);
            Ok(Box::new(io::stdin()))
        }
        [one] => {
            let follow = super::follow::Follow::open(one)
                .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", one.display()))?;
            Ok(Box::new(follow))
        }
        _ => anyhow::bail!(
            "live input reads one source: `-` or --follow FILE, not several files at once"
        ),
    }
}

/// A capture as it arrives: `--print`/`--json` write each event when it is
/// known (flushed at once, for `| grep`); the TUI follows the live edge as
/// it does for `serve`.
fn live(
    runtime: &tokio::runtime::Runtime,
    input: Input,
    session: Option<u32>,
    sink: Option<Sink>,
    screen: Screen,
) -> Result<()> {
    let source = live_source(&input)?;
    run_live(runtime, &input.name(), source, session, sink, screen, None)
}

/// Frames the kernel dropped, when the source is a capture of our own.
pub(crate) type Drops = std::sync::Arc<std::sync::atomic::AtomicU64>;

/// A live source through the replay, to stdout or the TUI. Drops the
/// kernel counted are said as they grow (stdout, and the TUI's session
/// list) and again on quitting the TUI.
pub(crate) fn run_live(
    runtime: &tokio::runtime::Runtime,
    name: &str,
    source: Box<dyn Read + Send>,
    session: Option<u32>,
    sink: Option<Sink>,
    screen: Screen,
    drops: Option<Drops>,
) -> Result<()> {
    let name = name.to_string();
    let keep = move |e: &Event| session.is_none_or(|n| e.session == n);
    let said = Drops::default();
    let tell_drops = {
        let (drops, said) = (drops.clone(), said.clone());
        move || {
            use std::sync::atomic::Ordering::Relaxed;
            let now = drops.as_ref().map_or(0, |d| d.load(Relaxed));
            let before = said.swap(now, Relaxed);
            if now > before {
                eprintln!(
                    "ftpviz: warning: the kernel dropped {} frame(s) ({now} in all): not \
                     captured, so the trace has holes there",
                    now - before
                );
            }
        }
    };
    let Some(sink) = sink else {
        let result = live_tui(runtime, &name, source, keep, screen, drops);
        tell_drops();
        return result;
    };
    // The worksheet's key is written after the last event, by this thread.
    let writer = std::sync::Arc::new(std::sync::Mutex::new(sink.writer(None, Ours::NONE)));
    let shared = std::sync::Arc::clone(&writer);
    let on_event = move |e: &Event| {
        let mut writer = shared.lock().unwrap_or_else(|p| p.into_inner());
        tell_drops();
        if !keep(e) {
            return;
        }
        let mut out = io::stdout().lock();
        if let Err(err) = writer.write(&mut out, e).and_then(|_| out.flush()) {
            // The reader went away (`| head`): it has all it wanted.
            if err.kind() == io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            eprintln!("ftpviz: writing to standard output: {err}");
            std::process::exit(1);
        }
    };
    let replay = ftpviz::replay::read_live(source, on_event)
        .map_err(|e| anyhow::Error::new(e).context(name.clone()))?;
    writer
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .finish(&mut io::stdout().lock())?;
    say_warnings(&replay);
    if let Some(nothing) = replay.nothing_found() {
        anyhow::bail!("{name}: {nothing}");
    }
    Ok(())
}

/// Events a live reading's session list keeps, at most: past it, the
/// oldest finished sessions keep only their rows.
const LIVE_EVENTS_KEPT: usize = 50_000;

/// Events a live reading may send ahead of what the session list has taken.
const EVENTS_AHEAD: u64 = 4096;

/// The TUI of a live reading: the session list fills as the capture
/// arrives (capped at [`LIVE_EVENTS_KEPT`] events); the reading runs on its
/// own thread and hands each event over.
fn live_tui(
    runtime: &tokio::runtime::Runtime,
    name: &str,
    source: Box<dyn Read + Send>,
    keep: impl Fn(&Event) -> bool + Send + 'static,
    screen: Screen,
    drops: Option<Drops>,
) -> Result<()> {
    use ftpviz::tui::app::{event::Feed, event::Route, picker::Picker, picker::Taken, App};
    let (tx, events) = tokio::sync::mpsc::unbounded_channel();
    // The list keeps up, or the reading waits for it (a capture piped in
    // from a file goes faster than the list takes it in).
    let taken = std::sync::Arc::new(Taken::default());
    let list_taken = taken.clone();
    let reading = std::thread::spawn(move || {
        let mut sent = 0u64;
        ftpviz::replay::read_live(source, move |e: &Event| {
            if keep(e) && tx.send(e.clone()).is_ok() {
                sent += 1;
                taken.wait_for(sent, EVENTS_AHEAD);
            }
        })
    });
    let hint = format!(
        "Reading {name} as it arrives. Each FTP session appears here once its first \
         packets are in; Enter follows it live."
    );
    let mut picker = Picker::live(hint)
        .capped(LIVE_EVENTS_KEPT)
        .with_taken(list_taken);
    if let Some(drops) = drops {
        picker = picker.with_kernel_drops(drops);
    }
    let mut app = screen.dress(App::with_live_sessions(
        format!("replay {name} (live)"),
        picker,
    ));
    ftpviz::tui::app::terminal::log_to_file();
    runtime.block_on(async move {
        // The feed's task needs the runtime.
        app.events.attach(vec![Feed {
            route: Route::Sessions,
            events,
            payloads: None,
        }]);
        ftpviz::tui::app::terminal::run(app).await
    })?;
    // Quitting does not wait for a pipe that is still open.
    if reading.is_finished() {
        match reading.join() {
            Ok(Ok(replay)) => say_warnings(&replay),
            Ok(Err(e)) => return Err(anyhow::Error::new(e).context(name.to_string())),
            Err(_) => anyhow::bail!("{name}: the reading stopped unexpectedly"),
        }
    }
    Ok(())
}
