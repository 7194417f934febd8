//! `ftpviz replay`: a saved capture (pcap, pcapng, gzipped or not) or a
//! saved `--json` trace, in the TUI or back out as lines.

use super::output::{command_line, finish_handout, Sink};
use anyhow::Result;
use ftpviz::handout::{Handout, HandoutFile, Run};
use ftpviz::narration::Ours;
use ftpviz::tui::Screen;
use std::io;
use std::path::PathBuf;

/// A replayed trace in the TUI (a session list first when there are several).
pub(crate) fn replay_tui(
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

pub(crate) fn replay(
    runtime: &tokio::runtime::Runtime,
    file: PathBuf,
    session: Option<u32>,
    sink: Option<Sink>,
    html: Option<HandoutFile>,
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
    if sink.is_none() && html.is_none() {
        return replay_tui(runtime, &file, trace, replay.warnings.len(), screen);
    }
    if let Some(sink) = sink {
        let mut out = io::stdout().lock();
        let mut writer = sink.writer_knowing(&trace.events);
        for e in &trace.events {
            writer.write(&mut out, e)?;
        }
        writer.finish(&mut out)?;
    }
    match html {
        Some(html) => {
            let title = format!("ftpviz replay · {}", file.display());
            let mut page = Handout::of_run(title, Run::new(trace.events, None, Ours::NONE));
            page.subtitle = Some(command_line());
            finish_handout(html, &page)
        }
        None => Ok(()),
    }
}
