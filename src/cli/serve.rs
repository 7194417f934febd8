//! `ftpviz serve`: our server for any real client, until Ctrl-C or
//! SIGTERM — its sessions live in the TUI, or its trace on stdout and/or a
//! recording.

use super::output::Sink;
use super::output::{
    bytes_of, command_line, deliver, finish_handout, finish_recording, start_recording, SinkWriter,
};
use crate::ServeArgs;
use anyhow::Result;
use ftpviz::capture_writer::Recording;
use ftpviz::handout::{Handout, HandoutFile, Run};
use ftpviz::tui::Screen;

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
    };
    let serving = ftpviz::serve::start_with(config, options).await?;
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

/// `serve` in the TUI: its sessions listed live; a warning (a non-loopback
/// address) is printed first, and stays on the terminal after quitting.
pub(crate) async fn serve_tui(serving: ftpviz::serve::Serving, screen: Screen) -> Result<()> {
    if let Some(warning) = &serving.warning {
        eprintln!("ftpviz: warning: {warning}");
    }
    ftpviz::tui::serve(serving, screen).await?;
    Ok(())
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
    while let Some(event) = serving.recv().await {
        let bytes = bytes_of(&mut serving.payloads, &event).await;
        deliver(&event, bytes.as_deref(), sink.as_mut(), recording.as_mut())?;
        if let Some(kept) = kept.as_mut() {
            kept.push(event);
        }
    }
    // Both are finished whatever became of the other; each says its own
    // failure.
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
    paged.and(recorded)
}

/// SIGINT (Ctrl-C) or, on Unix, SIGTERM.
pub(crate) async fn stop_signal() {
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
