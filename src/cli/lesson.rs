//! `ftpviz lesson`: the guided lesson, scene by scene — in the TUI, or
//! headless with each scene's heading and notes between its runs' events.

use super::output::{
    command_line, deliver, finish_handout, finish_recording, start_recording, Form,
};
use super::output::{Sink, SinkWriter};
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
        let course = ftpviz::tui::app::course::Course::new(lesson, port);
        return Ok(ftpviz::tui::lesson(course, screen).await?);
    }
    let mut recording = record.as_deref().map(start_recording);
    let mut out = io::stdout().lock();
    let mut writer = sink.map(|s| s.writer(None, Ours::LAB));
    // Each run narrates for its own middlebox, on screen and in the capture.
    let mut between = None;
    let mut page = html.as_ref().map(|_| handout(&lesson));
    // The run's labs, and the session its first one is: a compare run's
    // sessions each get their `# session N: active/passive` line.
    let mut sessions = Sessions::default();
    let mut late = Late::default();
    let labs = Labs {
        port,
        payloads: recording.is_some(),
    };
    classroom::play(&lesson, labs, |step| -> Result<()> {
        let step = match step {
            // The bytes that crossed inside TLS, for the capture alone.
            Step::Wire(drained) => {
                if let Some(recording) = recording.as_mut() {
                    recording.wire(drained);
                }
                return Ok(());
            }
            step => step,
        };
        if let Step::Run(_, run) = &step {
            sessions.run(run.configs(port));
            between = sessions
                .configs
                .first()
                .map(ftpviz::lab::LabConfig::between);
            if let Some(w) = writer.as_mut() {
                w.next_run(between);
            }
        }
        paginate(page.as_mut(), &step, between);
        let recording = &mut recording.as_mut();
        if let (Step::Event(e, _), Some(recording), Some(b)) = (&step, &mut *recording, between) {
            recording.between(e.session, b);
        }
        match (sink.map(|s| s.form), step) {
            (Some(Form::Json), Step::Event(e, bytes)) => {
                deliver(&e, bytes.as_deref(), None, recording.as_deref_mut())?;
                late.push(e, writer.as_mut())?
            }
            (Some(Form::Json), Step::RunEnd(run, _)) => {
                late.end_run(takeaway_after(&lesson, run), writer.as_mut())?
            }
            (form, Step::Event(e, bytes)) => {
                if let (Some(Form::Print | Form::Explain), Some(header)) =
                    (form, sessions.header(e.session))
                {
                    writeln!(out, "{header}")?;
                }
                let (sink, rec) = (writer.as_mut(), recording.as_deref_mut());
                deliver(&e, bytes.as_deref(), sink, rec)?
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
    late.end_run(None, writer.as_mut())?;
    if let Some(w) = writer.as_mut() {
        w.finish(&mut out)?;
    }
    // Both are finished whatever became of the other; each says its own
    // failure.
    let paged = match (html, page) {
        (Some(file), Some(page)) => finish_handout(file, &page),
        _ => Ok(()),
    };
    paged.and(recording.map_or(Ok(()), finish_recording))
}

/// A scene or a finished run onto the handout page, if one is made.
fn paginate(
    page: Option<&mut Handout>,
    step: &ftpviz::classroom::Step,
    between: Option<ftpviz::narration::Between>,
) {
    use ftpviz::classroom::Step;
    match (step, page) {
        (Step::Scene(_, scene), Some(page)) => {
            page.scene(&scene.title, &scene.notes, scene.takeaway.as_deref())
        }
        (Step::RunEnd(run, events), Some(page)) => page
            .run(PageRun::new(events.clone(), between, Ours::LAB).captioned(run.caption.clone())),
        _ => {}
    }
}

/// The lesson's handout page, before its scenes.
fn handout(lesson: &ftpviz::classroom::Lesson) -> Handout {
    let mut page = Handout::new(lesson.title.clone());
    page.subtitle = Some(command_line());
    page
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
                for line in ftpviz::text::wrap(para, 77) {
                    writeln!(out, "   {line}")?;
                }
                writeln!(out)?;
            }
        }
        Step::Run(r, run) => {
            if let Some(caption) = &run.caption {
                write_wrapped(out, &format!("-- run {r}: "), caption)?;
            }
        }
        Step::RunEnd(run, _) => {
            if let Some(rule) = takeaway_after(lesson, run) {
                write_wrapped(out, "Rule: ", rule)?;
            }
        }
        Step::Event(..) | Step::Wire(_) => {}
    }
    Ok(())
}

/// `--json` writes each event one step late, so that a scene's rule can
/// ride on the scene's last event as its note — the event format's one
/// place for words — after every event a question could be about.
#[derive(Default)]
struct Late(Option<ftpviz::trace::Event>);

impl Late {
    /// `e` is held; the one held before it is written.
    fn push(&mut self, e: ftpviz::trace::Event, w: Option<&mut SinkWriter>) -> Result<()> {
        match self.0.replace(e) {
            Some(last) => deliver(&last, None, w, None),
            None => Ok(()),
        }
    }

    /// A run ended: the held event is written, with the scene's rule when
    /// the run was the scene's last.
    fn end_run(&mut self, rule: Option<&str>, w: Option<&mut SinkWriter>) -> Result<()> {
        let Some(mut last) = self.0.take() else {
            return Ok(());
        };
        if let Some(rule) = rule {
            last.note = Some(match last.note.take() {
                Some(n) => format!("{n}; Rule: {rule}"),
                None => format!("Rule: {rule}"),
            });
        }
        deliver(&last, None, w, None)
    }
}

/// After a scene's last run, the rule it shows (as its closing card on
/// screen): `--print` writes it as a `Rule:` line, `--json` as the note of
/// the scene's last event (the event format has no other place for it).
fn takeaway_after<'a>(
    lesson: &'a ftpviz::classroom::Lesson,
    run: &ftpviz::classroom::Run,
) -> Option<&'a str> {
    lesson
        .scenes
        .iter()
        .find(|s| s.runs.last().is_some_and(|last| std::ptr::eq(last, run)))
        .and_then(|s| s.takeaway.as_deref())
}

/// `text` after `head`, wrapped within 80 columns, its later lines
/// indented under its start.
fn write_wrapped(out: &mut impl Write, head: &str, text: &str) -> io::Result<()> {
    let indent = " ".repeat(head.chars().count());
    let width = 80usize.saturating_sub(head.chars().count()).max(20);
    for (i, line) in ftpviz::text::wrap(text, width).iter().enumerate() {
        writeln!(out, "{}{line}", if i == 0 { head } else { &indent })?;
    }
    Ok(())
}

/// The sessions of a run, for the `# session N: …` line before the first
/// event of each when a run has several labs (a compare run).
#[derive(Default)]
struct Sessions {
    configs: Vec<ftpviz::lab::LabConfig>,
    /// The last session seen, and how many of this run's have begun.
    last: u32,
    begun: usize,
}

impl Sessions {
    fn run(&mut self, configs: Vec<ftpviz::lab::LabConfig>) {
        self.configs = configs;
        self.begun = 0;
    }

    /// The header to write before an event of `session`, when it is the
    /// first event of a session of a run with several.
    fn header(&mut self, session: u32) -> Option<String> {
        if session == self.last {
            return None;
        }
        self.last = session;
        let config = self.configs.get(self.begun)?;
        self.begun += 1;
        (self.configs.len() > 1)
            .then(|| super::lab::session_header(session, config.mode, config.extended))
    }
}
