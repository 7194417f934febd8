//! The classroom: a guided lesson of live scenes, and a quiz that asks
//! before it shows.
//!
//! A teacher with 45 minutes wants a plan, not a tool to drive: scene after
//! scene, each a real lab run under a different middlebox, with words to
//! read out first and a summary after. And a class remembers what it had
//! to predict. So:
//!
//! - [`scene`]: the lesson file — scenes as data (`assets/lessons/*.toml`),
//!   compiled in as the default, loadable from a teacher's own file;
//! - [`worksheet`]: the quiz on paper (`--print --quiz`), and its answer
//!   key (`--answers`);
//! - [`quiz`]: the questions a trace raises (who dials, from which port,
//!   to which port; will this transfer work?) and their answers, read off
//!   the same trace.
//!
//! [`play`] runs a whole lesson without a screen (`ftpviz lesson --print`,
//! `--json`, `--record`), every run a real lab on loopback, one after
//! another.

pub mod quiz;
pub mod scene;
pub mod worksheet;

pub use scene::{Lesson, LessonError, Run, Scene, View};

use crate::lab::{Lab, LabError};
use crate::tap::{Chunk, Drained};
use crate::trace::Event;
use std::fmt;
use std::time::Instant;

/// What [`play`] reports, in order.
pub enum Step<'a> {
    /// A scene begins: its number (from 1) and itself.
    Scene(usize, &'a Scene),
    /// One of its runs begins (from 1).
    Run(usize, &'a Run),
    /// An event of the run, its session numbered across the whole lesson
    /// and its time on the lesson's one clock; with a `data` event, its
    /// bytes when [`Labs::payloads`] asked for them.
    Event(Event, Option<Chunk>),
    /// Before an event of a run in TLS that is recorded: what its wire log
    /// took since (the bytes that crossed inside TLS, and their keys;
    /// [`crate::tap::wire_log`]), numbered as the events are.
    Wire(Drained),
    /// The run is over; these are all its events.
    RunEnd(&'a Run, Vec<Event>),
}

impl fmt::Debug for Step<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Scene(n, scene) => f.debug_tuple("Scene").field(n).field(scene).finish(),
            Step::Run(n, run) => f.debug_tuple("Run").field(n).field(run).finish(),
            Step::Event(e, bytes) => {
                let bytes = bytes.as_ref().map(|b| format!("{} bytes", b.len()));
                f.debug_tuple("Event").field(e).field(&bytes).finish()
            }
            Step::Wire(d) => f.debug_tuple("Wire").field(&d.bytes.len()).finish(),
            Step::RunEnd(run, events) => f.debug_tuple("RunEnd").field(run).field(events).finish(),
        }
    }
}

/// How [`play`] runs the lesson's labs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Labs {
    /// The first server's control port, as for [`Run::configs`].
    pub port: Option<u16>,
    /// Hand over the bytes of every `data` event with it (a recording:
    /// `lesson --record`). A lab then waits for its bytes to be dropped
    /// when more than [`crate::tap::payload::BUDGET`] are held.
    pub payloads: bool,
}

/// Runs every scene of `lesson` to its end on real labs, one pane after
/// another (a compare run is its active lab, then its passive one), and
/// reports each step to `out`.
pub async fn play<E>(
    lesson: &Lesson,
    labs: Labs,
    mut out: impl FnMut(Step<'_>) -> Result<(), E>,
) -> Result<(), E>
where
    E: From<LabError>,
{
    let origin = Instant::now();
    let mut session = 0;
    for (n, scene) in (1..).zip(&lesson.scenes) {
        out(Step::Scene(n, scene))?;
        for (r, run) in (1..).zip(&scene.runs) {
            out(Step::Run(r, run))?;
            let mut events = Vec::new();
            for config in run.configs(labs.port) {
                session += 1;
                let shift = origin.elapsed().as_secs_f64();
                let mut lab = if labs.payloads {
                    Lab::start_with_payloads(config).await?
                } else {
                    Lab::start(config).await?
                };
                lab.run_free();
                while let Some(mut event) = lab.events.recv().await {
                    // The bytes are matched to their event as the lab
                    // numbered it, before it is renumbered.
                    let bytes = match &mut lab.payloads {
                        Some(p) => p.take(&event).await,
                        None => None,
                    };
                    if let Some(mut drained) = lab.payloads.as_ref().map(|p| p.wire_log().drain()) {
                        for b in &mut drained.bytes {
                            b.t += shift;
                            b.session = session;
                        }
                        if !(drained.bytes.is_empty() && drained.keys.is_empty()) {
                            out(Step::Wire(drained))?;
                        }
                    }
                    event.t += shift;
                    event.session = session;
                    events.push(event.clone());
                    out(Step::Event(event, bytes))?;
                }
                lab.finish().await?;
            }
            out(Step::RunEnd(run, events))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
