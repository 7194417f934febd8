//! `ftpviz lesson`: the guided lesson, scene by scene — in the TUI, or
//! headless with each scene's heading and notes between its runs' events.

use super::output::Sink;
use super::output::{
    command_line, deliver, finish_handout, finish_recording, start_recording, Form,
};
use anyhow::Result;
use ftpviz::handout::{Handout, HandoutFile, Run as PageRun};
use ftpviz::narration::Ours;
use ftpviz::tui::Screen;
use std::io::{self, Write};
use std::path::PathBuf;

/// `ftpviz lesson`: the lesson file is read and checked before anything
/// starts; then every scene runs on real labs, in the TUI; with `--print`
/// or `--json` headless, and `--record` alone runs it quietly into the
/// capture, as `lab --record` does.
pub(crate) async fn lesson(
    file: Option<PathBuf>,
    port: Option<u16>,
    record: Option<PathBuf>,
    sink: Option<Sink>,
    html: Option<HandoutFile>,
    screen: Screen,
) -> Result<()> {
    use ftpviz::classroom::{self, Labs, Lesson, Step};
    let lesson = match &file {
        Some(path) => Lesson::load(path)?,
        None => Lesson::builtin(),
    };
    if sink.is_none() && record.is_none() && html.is_none() {
        let course = ftpviz::tui::course::Course::new(lesson, port);
        return Ok(ftpviz::tui::lesson(course, screen).await?);
    }
    let mut recording = record.as_deref().map(start_recording);
    let mut out = io::stdout().lock();
    let mut writer = sink.map(|s| s.writer(None, Ours::LAB));
    // Each run narrates for its own middlebox, on screen and in the capture.
    let mut between = None;
    let mut page = html.as_ref().map(|_| {
        let mut page = Handout::new(lesson.title.clone());
        page.subtitle = Some(command_line());
        page
    });
    let labs = Labs {
        port,
        payloads: recording.is_some(),
    };
    classroom::play(&lesson, labs, |step| -> Result<()> {
        if let Step::Run(_, run) = &step {
            between = run
                .configs(port)
                .first()
                .map(ftpviz::lab::LabConfig::between);
            if let Some(w) = writer.as_mut() {
                w.next_run(between);
            }
        }
        match (&step, page.as_mut()) {
            (Step::Scene(_, scene), Some(page)) => {
                page.scene(&scene.title, &scene.notes, scene.takeaway.as_deref())
            }
            (Step::RunEnd(run, events), Some(page)) => page.run(
                PageRun::new(events.clone(), between, Ours::LAB).captioned(run.caption.clone()),
            ),
            _ => {}
        }
        if let (Step::Event(e, _), Some(recording), Some(b)) = (&step, &mut recording, between) {
            recording.between(e.session, b);
        }
        match (sink.map(|s| s.form), step) {
            (_, Step::Event(e, bytes)) => {
                deliver(&e, bytes.as_deref(), writer.as_mut(), recording.as_mut())?
            }
            (None | Some(Form::Json), _) => {}
            (Some(_), step) => {
                write_lesson_step(&mut out, &lesson, step)?;
                out.flush()?;
            }
        }
        Ok(())
    })
    .await?;
    if let Some(w) = writer.as_mut() {
        w.finish(&mut out)?;
    }
    // Both are finished whatever became of the other; each says its own
    // failure.
    let paged = match (html, page) {
        (Some(file), Some(page)) => finish_handout(file, &page),
        _ => Ok(()),
    };
    let recorded = recording.map_or(Ok(()), finish_recording);
    paged.and(recorded)
}

/// The lesson's scene and run headings, notes and summaries in `--print`.
pub(crate) fn write_lesson_step(
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
