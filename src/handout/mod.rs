//! The handout: a run of ftpviz as one page to give the class afterwards.
//!
//! A lesson on a projector is gone when the lights come on. What a student
//! wants to take home is the same picture on paper: the sequence diagram —
//! two lifelines, client and server, one row per event, the dial of every
//! connection drawn boldest with its ports at both ends — and beside each
//! row the words the screen said about it. So `--html FILE` (on `lab`,
//! `lesson`, `replay` and `serve`) writes one self-contained HTML page:
//!
//! - the diagram as inline SVG, with the screen's marks: a control line
//!   `──▶`, a data line `══▶`, the dial `●━━▶` bold with its ports, the
//!   middlebox's wall `┃` down the middle and `✗` where a dial died;
//! - each event's narration beside its row ([`crate::narration`], reading
//!   the [`crate::account`] of the whole run, as `--explain` does for a
//!   capture);
//! - under each run its summary and the rule it shows
//!   ([`crate::narration::summary`]); for a lesson, every scene with its
//!   notes and takeaway;
//! - the quiz as a worksheet ([`crate::classroom::worksheet`]) and, on a
//!   last page of its own, the answers.
//!
//! The page stands alone, as a teacher needs it on a course page or a
//! printer: no script, nothing fetched (no font, style sheet or image from
//! anywhere — a Content-Security-Policy in the page says so to the
//! browser), a light theme, A4 print rules that never cut a row in two.
//! Everything it says is text — the SVG's labels are `<text>`, each row is
//! an image with a label and a row of an HTML table — so a screen reader
//! reads it and a browser's find finds a port.
//!
//! Everything in a trace may come from the network (a reply line is
//! whatever a server sent), so every string is escaped on its way into the
//! page (`escape`): `<`, `&`, quotes, and control characters, which
//! HTML does not allow, shown as `·` as the screen shows them.
//!
//! The page is built from what the rest of ftpviz already worked out, and
//! decides nothing itself: how far a dial's arrow goes is the account's
//! [`crate::account::End`] of that connection. `svg` draws each event's row
//! of the diagram; `page` puts the rows, the words and the worksheet
//! together.

mod escape;
mod page;
mod svg;

use crate::middlebox::Between;
use crate::narration::Ours;
use crate::trace::Event;
use std::io;
use std::path::{Path, PathBuf};

/// A page being put together: parts (a lesson's scenes, or one part for a
/// lab, a capture or a `serve` run), each with its runs.
#[derive(Debug, Clone, Default)]
pub struct Handout {
    /// The page's title, e.g. "ftpviz lab · active vs passive".
    pub title: String,
    /// Said under the title (what was run, with which options).
    pub subtitle: Option<String>,
    pub parts: Vec<Part>,
}

/// A scene of a lesson (or the one part of any other run).
#[derive(Debug, Clone, Default)]
pub struct Part {
    /// The scene's heading; `None` for the one part of a plain run.
    pub heading: Option<String>,
    /// Paragraphs read out before the runs.
    pub notes: Vec<String>,
    /// The one-line rule the scene teaches.
    pub takeaway: Option<String>,
    pub runs: Vec<Run>,
}

/// One trace: a lab run (both sessions of a comparison), a capture, the
/// sessions `serve` saw.
#[derive(Debug, Clone)]
pub struct Run {
    /// What tells this run from the scene's others.
    pub caption: Option<String>,
    pub events: Vec<Event>,
    /// The middlebox between the peers, when it is known (the lab).
    pub between: Option<Between>,
    /// Whose peers these are (for the narration's words).
    pub ours: Ours,
}

impl Run {
    pub fn new(events: Vec<Event>, between: Option<Between>, ours: Ours) -> Run {
        Run {
            caption: None,
            events,
            between,
            ours,
        }
    }

    /// The same run, with a caption.
    pub fn captioned(mut self, caption: Option<String>) -> Run {
        self.caption = caption;
        self
    }
}

impl Handout {
    pub fn new(title: impl Into<String>) -> Handout {
        Handout {
            title: title.into(),
            ..Handout::default()
        }
    }

    /// A page of one run.
    pub fn of_run(title: impl Into<String>, run: Run) -> Handout {
        let mut h = Handout::new(title);
        h.parts.push(Part {
            runs: vec![run],
            ..Part::default()
        });
        h
    }

    /// A lesson's next scene begins.
    pub fn scene(&mut self, heading: &str, notes: &str, takeaway: Option<&str>) {
        self.parts.push(Part {
            heading: Some(heading.to_string()),
            notes: notes
                .split("\n\n")
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect(),
            takeaway: takeaway.map(str::to_string),
            runs: Vec::new(),
        });
    }

    /// A run of the current scene (a first part is made if there is none).
    pub fn run(&mut self, run: Run) {
        if self.parts.is_empty() {
            self.parts.push(Part::default());
        }
        if let Some(part) = self.parts.last_mut() {
            part.runs.push(run);
        }
    }

    /// The whole page, as HTML.
    pub fn render(&self) -> String {
        page::render(self)
    }
}

/// `--html FILE`: where the page goes. The file is created when the run
/// starts, so that a path that cannot be written is said before anything
/// runs; the page is written into it at the end.
///
/// A file this made that the run never wrote into (the run failed before
/// its end) is removed again, so that a failed run leaves no empty page.
#[derive(Debug)]
pub struct HandoutFile {
    path: PathBuf,
    file: std::fs::File,
    /// The file is ours to remove: it did not exist before, and nothing
    /// has been written into it yet.
    remove: bool,
}

/// The handout could not be written: its path and the cause, in one line.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the handout {path}: {source}")]
pub struct HandoutError {
    pub path: String,
    #[source]
    pub source: io::Error,
}

impl HandoutFile {
    /// Creates (or empties) the file now.
    pub fn create(path: &Path) -> Result<HandoutFile, HandoutError> {
        let fail = |source| HandoutError {
            path: path.display().to_string(),
            source,
        };
        let existed = path.exists();
        let file = std::fs::File::create(path).map_err(fail)?;
        Ok(HandoutFile {
            path: path.to_path_buf(),
            file,
            remove: !existed,
        })
    }

    /// Creates the file, which must not exist yet (`w` in the TUI never
    /// overwrites).
    pub fn create_new(path: &Path) -> Result<HandoutFile, HandoutError> {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|source| HandoutError {
                path: path.display().to_string(),
                source,
            })?;
        Ok(HandoutFile {
            path: path.to_path_buf(),
            file,
            remove: true,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the page and closes the file.
    pub fn write(mut self, handout: &Handout) -> Result<(), HandoutError> {
        use std::io::Write;
        self.remove = false;
        let html = handout.render();
        let path = self.path.display().to_string();
        let fail = |source| HandoutError {
            path: path.clone(),
            source,
        };
        self.file.write_all(html.as_bytes()).map_err(fail)?;
        self.file.flush().map_err(fail)
    }
}

impl Drop for HandoutFile {
    fn drop(&mut self) {
        let empty =
            std::fs::symlink_metadata(&self.path).is_ok_and(|m| m.is_file() && m.len() == 0);
        if self.remove && empty {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
