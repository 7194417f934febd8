//! `ftpviz serve`: our server for any real client, until Ctrl-C, SIGTERM
//! or SIGHUP (the terminal or the ssh session closed) — its sessions live
//! in the TUI, or its trace on stdout and/or a recording.
//!
//! Headless, the trace is the point of the run, so losing it stops the
//! run the way a signal does — clients told `421`, uploads removed, the
//! cause said once on stderr: a `--record` file that cannot be created is
//! an error before anything is served (exit 1); a reader that leaves
//! (`--json | head`) ends the run (exit 0, as a pipe's writer does); an
//! output that fails (`--json > /dev/full`) ends it with exit 1.

use super::args::ServeArgs;
use super::output::Sink;
use super::output::{
    bytes_of, command_line, deliver, finish_handout, finish_recording, log_to, start_recording,
    SinkWriter,
};
use anyhow::{Context, Result};
use ftpviz::capture_writer::Recording;
use ftpviz::handout::{Handout, HandoutFile, Run};
use ftpviz::tui::Screen;
use std::io;
use std::path::Path;

pub(crate) async fn serve(
    args: ServeArgs,
    sink: Option<Sink>,
    html: Option<HandoutFile>,
    screen: Screen,
) -> Result<()> {
    let config = ftpviz::serve::ServeConfig {
        listen: args.listen,
        root: args.root,
    };
    let headless = sink.is_some() || args.record.is_some() || html.is_some();
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
        idle_timeout: args.idle_timeout,
        data_timeout: args.data_timeout,
        login_timeout: args.login_timeout,
        tls: args.tls,
    };
    if let Some(path) = &args.record {
        writable(path)?;
    }
    let serving = match ftpviz::serve::start_with(config, options).await {
        Ok(serving) => serving,
        Err(e) => {
            if let Some(path) = &args.record {
                // Made empty just above, for nothing.
                let _ = std::fs::remove_file(path);
            }
            return Err(e.into());
        }
    };
    if !headless {
        return serve_tui(serving, screen).await;
    }
    let mut recording = args.record.as_deref().map(start_recording);
    if let Some(r) = recording.as_mut() {
        r.peers(ftpviz::narration::Ours::SERVE);
    }
    serve_to_sink(
        serving,
        sink.map(|s| s.writer(None, ftpviz::narration::Ours::SERVE)),
        recording,
        html,
    )
    .await
}

/// A recording that cannot be written is said before anything is served.
fn writable(path: &Path) -> Result<()> {
    std::fs::File::create(path)
        .map(drop)
        .with_context(|| format!("--record {}", path.display()))
}

/// `serve` in the TUI: its sessions listed live; a warning (a non-loopback
/// address) is printed first, and stays on the terminal after quitting.
pub(crate) async fn serve_tui(serving: ftpviz::serve::Serving, screen: Screen) -> Result<()> {
    if let Some(warning) = &serving.warning {
        eprintln!("ftpviz: warning: {warning}");
    }
    say_fingerprint(&serving);
    ftpviz::tui::serve(serving, screen).await?;
    Ok(())
}

/// With `--tls`: the certificate's fingerprint, for clients to check.
fn say_fingerprint(serving: &ftpviz::serve::Serving) {
    if let Some(fingerprint) = &serving.fingerprint {
        eprintln!(
            "ftpviz: TLS (AUTH TLS) with a self-signed certificate made now, SHA-256 fingerprint {fingerprint}"
        );
    }
}

/// Writes `serve`'s events until SIGINT or SIGTERM, then stops cleanly.
pub(crate) async fn serve_to_sink(
    mut serving: ftpviz::serve::Serving,
    mut sink: Option<SinkWriter>,
    mut recording: Option<Recording>,
    html: Option<HandoutFile>,
) -> Result<()> {
    if let Some(warning) = &serving.warning {
        eprintln!("ftpviz: warning: {warning}");
    }
    say_fingerprint(&serving);
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
    // `--html`: every event, for the page written when the server stops.
    let mut kept = html.as_ref().map(|_| Vec::new());
    // The channel closes once the server has said goodbye to every session.
    let mut failed = None;
    while let Some(event) = serving.recv().await {
        let bytes = bytes_of(&mut serving.payloads, &event).await;
        log_to(recording.as_mut(), serving.payloads.as_ref(), |_| {});
        let out = if failed.is_some() {
            None
        } else {
            sink.as_mut()
        };
        if let Err(e) = deliver(&event, bytes.as_deref(), out, recording.as_mut()) {
            // The rest of the trace still goes to the recording.
            failed = Some(output_lost(&serving, e));
        }
        if let Some(kept) = kept.as_mut() {
            kept.push(event);
        }
    }
    // Each output is finished whatever became of the others; each says its
    // own failure.
    let paged = match (html, kept) {
        (Some(file), Some(events)) => {
            let run = Run::new(events, None, ftpviz::narration::Ours::SERVE);
            let mut page = Handout::of_run(format!("ftpviz serve · {}", serving.local), run);
            page.subtitle = Some(command_line());
            finish_handout(file, &page)
        }
        _ => Ok(()),
    };
    let recorded = recording.map_or(Ok(()), finish_recording);
    match failed {
        Some(Err(e)) => Err(e),
        _ => paged.and(recorded),
    }
}

/// Stdout failed: stop serving (every client is told 421). A reader that
/// left is the end of the run, said here; any other failure is the run's
/// error.
fn output_lost(serving: &ftpviz::serve::Serving, e: anyhow::Error) -> Result<()> {
    serving.stop();
    let gone = e
        .downcast_ref::<io::Error>()
        .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe);
    if gone {
        eprintln!("ftpviz: the trace's reader went away (stdout closed); stopping the server");
        Ok(())
    } else {
        Err(e.context("writing the trace to stdout; the server stopped"))
    }
}

/// SIGINT (Ctrl-C) or, on Unix, SIGTERM or SIGHUP (the terminal or the
/// ssh session closed: without a handler the process would die at once,
/// leaving demo's upload folder behind and its trace with no closes).
pub(crate) async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
                _ = hup.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
