//! `ftpviz lab` (and `ftpviz` alone): the live pair on loopback, in the
//! TUI, or headless as a trace on stdout and/or a recording.

use super::args::{LabArgs, ModeArg};
use super::output::{
    bytes_of, command_line, deliver, finish_handout, finish_recording, log_to, start_recording,
    Form, Sink, SinkWriter,
};
use anyhow::Result;
use ftpviz::capture_writer::Recording;
use ftpviz::handout::{Handout, HandoutFile, Run};
use ftpviz::lab::ports::second_server_port;
use ftpviz::lab::{LabConfig, Mode};
use ftpviz::narration::Ours;
use ftpviz::trace::Event;
use ftpviz::tui::Screen;
use std::io::{self, Write};
use std::time::Instant;

pub(crate) async fn lab(
    args: LabArgs,
    sink: Option<Sink>,
    html: Option<HandoutFile>,
    screen: Screen,
) -> Result<()> {
    let mode = args.mode()?;
    if sink.is_none() && args.record.is_none() && html.is_none() {
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
    let mut writer = sink.map(|s| s.writer(Some(args.config(Mode::Active).between()), Ours::LAB));
    // The handout's one run: both sessions of a comparison.
    let mut kept = html.as_ref().map(|_| Vec::new());
    for (n, mode) in (1..).zip(modes) {
        if let (Some(Form::Print | Form::Explain), true) = (sink.map(|s| s.form), several) {
            let mut out = io::stdout().lock();
            writeln!(out, "{}", session_header(n, mode, args.extended))?;
        }
        if let Some(recording) = recording.as_mut() {
            // The capture's comments speak of the middlebox, as the screen does.
            recording.between(n, args.config(mode).between());
        }
        lab_to_sink(
            args.config(mode),
            writer.as_mut(),
            n,
            &mut origin,
            recording.as_mut(),
            kept.as_mut(),
        )
        .await?;
    }
    if let Some(w) = writer.as_mut() {
        w.finish(&mut io::stdout().lock())?;
    }
    // Both are finished whatever became of the other; each says its own
    // failure.
    let paged = match (html, kept) {
        (Some(file), Some(events)) => {
            let between = Some(args.config(Mode::Active).between());
            let mut page = Handout::of_run(
                format!("ftpviz lab · {}", mode_words(mode)),
                Run::new(events, between, Ours::LAB),
            );
            page.subtitle = Some(command_line());
            finish_handout(file, &page)
        }
        _ => Ok(()),
    };
    let recorded = recording.map_or(Ok(()), finish_recording);
    paged.and(recorded)
}

/// The handout's title for a mode.
fn mode_words(mode: ModeArg) -> &'static str {
    match mode {
        ModeArg::Active => "active mode",
        ModeArg::Passive => "passive mode",
        ModeArg::Compare => "active vs passive",
    }
}

/// The `--print` line that opens a session of the comparison.
pub(crate) fn session_header(session: u32, mode: Mode, extended: bool) -> String {
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
pub(crate) async fn lab_tui(args: &LabArgs, mode: ModeArg, screen: Screen) -> Result<()> {
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

/// Runs one lab lesson to its end, writing each event as it happens, as
/// session `session` of a trace whose clock started at `origin`.
pub(crate) async fn lab_to_sink(
    config: LabConfig,
    mut sink: Option<&mut SinkWriter>,
    session: u32,
    origin: &mut Option<Instant>,
    mut recording: Option<&mut Recording>,
    mut kept: Option<&mut Vec<Event>>,
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
        let renumber = |b: &mut ftpviz::tap::WireBytes| {
            b.t += shift;
            b.session = session;
        };
        log_to(recording.as_deref_mut(), lab.payloads.as_ref(), renumber);
        event.t += shift;
        event.session = session;
        deliver(
            &event,
            bytes.as_deref(),
            sink.as_deref_mut(),
            recording.as_deref_mut(),
        )?;
        if let Some(kept) = kept.as_deref_mut() {
            kept.push(event);
        }
    }
    lab.finish().await?;
    Ok(())
}
