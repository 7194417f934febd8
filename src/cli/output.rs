//! Where events go without a TUI: `--print` lines, `--json` lines,
//! `--print --explain` (each line with its narration), and the `--record`
//! capture beside them. A recording that fails says so once, when it
//! happens; the run goes on and exits 1 at its end.

use anyhow::Result;
use ftpviz::capture_writer::Recording;
use ftpviz::classroom::worksheet::Worksheet;
use ftpviz::handout::{Handout, HandoutFile};
use ftpviz::narration::explain::Explainer;
use ftpviz::narration::{Between, Ours};
use ftpviz::trace::{write_json_line, write_print_line, Event};
use std::io::{self, Write};
use std::path::Path;

/// Where events go when there is no TUI, and in which form.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sink {
    pub(crate) form: Form,
    /// `--quiz` with `--print`: the worksheet beside the timeline; `true`
    /// with `--answers`, the answer key at the end.
    pub(crate) sheet: Option<bool>,
}

/// The form of each event's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    Print,
    Json,
    /// `--print --explain`: each line with its narration.
    Explain,
}

impl Sink {
    pub(crate) fn from_args(o: super::args::OutputArgs, quiz: bool) -> Option<Sink> {
        let form = match (o.print, o.json, o.explain) {
            (_, true, _) => Form::Json,
            (true, false, true) => Form::Explain,
            (true, false, false) => Form::Print,
            _ => return None,
        };
        let sheet = (quiz && form != Form::Json).then_some(o.answers);
        Some(Sink { form, sheet })
    }

    /// A writer for a trace that happens as it is written, whose middlebox
    /// is `between` (known in the lab) and whose peers are `ours`.
    pub(crate) fn writer(self, between: Option<Between>, ours: Ours) -> SinkWriter {
        SinkWriter {
            sink: self,
            explainer: Explainer::new(between, ours),
            sheet: self.sheet.map(Worksheet::new),
            key: Vec::new(),
        }
    }

    /// A writer for a trace known whole before its first line (a capture).
    pub(crate) fn writer_knowing(self, events: &[Event]) -> SinkWriter {
        SinkWriter {
            explainer: Explainer::knowing(events, None, Ours::NONE),
            ..self.writer(None, Ours::NONE)
        }
    }
}

/// A [`Sink`] with what it remembers of the trace so far.
pub(crate) struct SinkWriter {
    sink: Sink,
    explainer: Explainer,
    sheet: Option<Worksheet>,
    /// The worksheet's answers of the runs so far, written at the end.
    key: Vec<String>,
}

impl SinkWriter {
    pub(crate) fn write(&mut self, out: &mut impl Write, event: &Event) -> io::Result<()> {
        match self.sink.form {
            Form::Print => write_print_line(&mut *out, event)?,
            Form::Json => write_json_line(&mut *out, event)?,
            Form::Explain => self.explainer.write(&mut *out, event)?,
        }
        if let Some(sheet) = self.sheet.as_mut() {
            for line in sheet.event(event) {
                writeln!(out, "{line}")?;
            }
        }
        Ok(())
    }

    /// A new run begins (a lesson's next), with its own middlebox: what
    /// the narration remembers starts again, the worksheet's numbering
    /// goes on.
    pub(crate) fn next_run(&mut self, between: Option<Between>) {
        self.explainer = Explainer::new(between, Ours::LAB);
        if let Some(sheet) = self.sheet.as_mut() {
            self.key.extend(sheet.end());
        }
    }

    /// The trace is over: the worksheet's answer key, if it was asked for.
    pub(crate) fn finish(&mut self, out: &mut impl Write) -> io::Result<()> {
        if let Some(sheet) = self.sheet.as_mut() {
            self.key.extend(sheet.end());
        }
        if !self.key.is_empty() {
            writeln!(out, "# answers")?;
        }
        for line in self.key.drain(..) {
            writeln!(out, "{line}")?;
        }
        out.flush()
    }
}

/// The exit status of a run whose recording failed (already said).
#[derive(Debug, thiserror::Error)]
#[error("the recording failed")]
pub(crate) struct RecordingFailed;

/// `--record FILE`: starts it; a file that cannot be created is said now.
pub(crate) fn start_recording(path: &Path) -> Recording {
    let mut recording = Recording::create(path);
    say_failure(&mut recording);
    recording
}

/// The bytes of a `data` event, when the source hands them over.
pub(crate) async fn bytes_of(
    payloads: &mut Option<ftpviz::tap::Payloads>,
    event: &Event,
) -> Option<ftpviz::tap::Chunk> {
    payloads.as_mut()?.take(event).await
}

/// Hands the recording what the run's wire log holds now (the bytes that
/// crossed inside TLS, and their keys), each renumbered as the events are;
/// call it before each event.
pub(crate) fn log_to(
    recording: Option<&mut Recording>,
    payloads: Option<&ftpviz::tap::Payloads>,
    renumber: impl Fn(&mut ftpviz::tap::WireBytes),
) {
    let (Some(recording), Some(payloads)) = (recording, payloads) else {
        return;
    };
    let mut drained = payloads.wire_log().drain();
    drained.bytes.iter_mut().for_each(renumber);
    recording.wire(drained);
}

/// One event to stdout and into the recording; a recording's failure is
/// said once, when it happens.
pub(crate) fn deliver(
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

pub(crate) fn say_failure(recording: &mut Recording) {
    if let Some(line) = recording.unsaid_failure() {
        eprintln!("ftpviz: {line}");
    }
}

/// Closes the capture and says what it holds, and how to make Wireshark
/// read FTP on ports other than 21/20. A failed recording exits 1.
pub(crate) fn finish_recording(recording: Recording) -> Result<()> {
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

/// `--html FILE`: the page of the run, written at its end (a failure is
/// one line on stderr and exit 1, as `main` prints every error).
pub(crate) fn finish_handout(file: HandoutFile, handout: &Handout) -> Result<()> {
    let path = file.path().display().to_string();
    file.write(handout)?;
    eprintln!("ftpviz: wrote the handout {path}");
    Ok(())
}

/// The command line, as the handout says what made it.
pub(crate) fn command_line() -> String {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    format!("ftpviz {}", args.join(" "))
}
