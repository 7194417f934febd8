//! The course: a [`crate::classroom::Lesson`] played in the TUI,
//! scene by scene.
//!
//! Where the lab lets a student change the middlebox with `f`, `n`, `x`, a
//! lesson decides it: each scene names its runs, and the course walks them
//! in order. Entering a scene shows its **card** — the title, the scene
//! counter, and the notes the teacher reads out (and, with the quiz on,
//! "will this transfer work?" for each pane) — and the run starts when the
//! card is put away. `n`/`PgDn` moves to the next run or scene, `p`/`PgUp`
//! back; the app restarts its labs with the run's configuration. When a
//! run is over its summary closes the scene: the rule it shows, the
//! predictions, the quiz's score.
//!
//! Everything here is state and words; the app owns the labs.

use crate::account::Account;
use crate::classroom::quiz::transfer_worked;
use crate::classroom::{Lesson, Run, Scene};
use crate::lab::LabConfig;
use crate::trace::Event;

/// Where a lesson is, and what the class predicted.
#[derive(Debug, Clone)]
pub struct Course {
    pub lesson: Lesson,
    /// The scene shown (from 0).
    pub scene: usize,
    /// Its run shown (from 0).
    pub run: usize,
    /// The control port asked for (`None`: 2121, or any free one).
    pub port: Option<u16>,
    /// The scene's card is up: the run waits for it to be put away.
    pub card: bool,
    /// "Will this transfer work?" per pane of the run, once answered.
    pub predictions: Vec<Option<bool>>,
    /// Quiz score of each run of each scene: (right, asked), the latest
    /// time through it (a run played again starts its score again).
    pub scores: Vec<Vec<(u32, u32)>>,
}

/// What a key did to the course.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moved {
    /// Nothing (the first or last run already).
    Stay,
    /// To another run: the labs must restart with [`Course::configs`].
    Run,
}

impl Course {
    pub fn new(lesson: Lesson, port: Option<u16>) -> Course {
        let scores = lesson
            .scenes
            .iter()
            .map(|s| vec![(0, 0); s.runs.len()])
            .collect();
        let mut c = Course {
            lesson,
            scene: 0,
            run: 0,
            port,
            card: true,
            predictions: Vec::new(),
            scores,
        };
        c.reset_predictions();
        c
    }

    pub fn current(&self) -> Option<(&Scene, &Run)> {
        let scene = self.lesson.scenes.get(self.scene)?;
        Some((scene, scene.runs.get(self.run)?))
    }

    /// The labs of the current run, one per pane.
    pub fn configs(&self) -> Vec<LabConfig> {
        self.current()
            .map(|(_, run)| run.configs(self.port))
            .unwrap_or_default()
    }

    /// "scene 3/8", with "· run 2/4" when the scene has several runs.
    pub fn counter(&self) -> String {
        let mut s = format!("scene {}/{}", self.scene + 1, self.lesson.scenes.len());
        if let Some((scene, _)) = self.current() {
            if scene.runs.len() > 1 {
                s.push_str(&format!(" · run {}/{}", self.run + 1, scene.runs.len()));
            }
        }
        s
    }

    /// True when the card should ask "will this transfer work?".
    pub fn asks_prediction(&self, quiz: bool) -> bool {
        quiz && self.current().is_some_and(|(scene, _)| scene.predict)
    }

    /// The current scene's title as it may be shown now: while a
    /// prediction is still to be made, without the outcome it names.
    pub fn title(&self, quiz: bool) -> &str {
        match self.current() {
            Some((s, _)) if self.card && self.next_prediction(quiz).is_some() => {
                s.title_before_prediction()
            }
            Some((s, _)) => &s.title,
            None => "",
        }
    }

    /// The current run's caption as it may be shown now (see
    /// [`Course::title`]).
    pub fn caption(&self, quiz: bool) -> Option<&str> {
        let caption = self.current()?.1.caption.as_deref()?;
        Some(if self.card && self.next_prediction(quiz).is_some() {
            crate::classroom::scene::before_outcome(caption)
        } else {
            caption
        })
    }

    /// The pane whose prediction the card asks for next, if any.
    pub fn next_prediction(&self, quiz: bool) -> Option<usize> {
        if !self.asks_prediction(quiz) {
            return None;
        }
        self.predictions.iter().position(Option::is_none)
    }

    /// `y`/`n` on the card: the prediction for the next pane.
    pub fn predict(&mut self, works: bool) {
        if let Some(slot) = self.predictions.iter_mut().find(|p| p.is_none()) {
            *slot = Some(works);
        }
    }

    /// `n` / PgDn: the next run, or the first run of the next scene.
    pub fn forward(&mut self) -> Moved {
        let Some((scene, _)) = self.current() else {
            return Moved::Stay;
        };
        if self.run + 1 < scene.runs.len() {
            self.run += 1;
        } else if self.scene + 1 < self.lesson.scenes.len() {
            self.scene += 1;
            self.run = 0;
        } else {
            return Moved::Stay;
        }
        self.arrive();
        Moved::Run
    }

    /// `p` / PgUp: the run before, or the last run of the scene before.
    pub fn back(&mut self) -> Moved {
        if self.run > 0 {
            self.run -= 1;
        } else if self.scene > 0 {
            self.scene -= 1;
            self.run = self.lesson.scenes[self.scene].runs.len().saturating_sub(1);
        } else {
            return Moved::Stay;
        }
        self.arrive();
        Moved::Run
    }

    fn arrive(&mut self) {
        self.card = true;
        self.replay_run();
        self.reset_predictions();
    }

    fn reset_predictions(&mut self) {
        let panes = self.configs().len();
        self.predictions = vec![None; panes];
    }

    /// Adds a graded quiz answer to the current run's score.
    pub fn score(&mut self, right: u32, asked: u32) {
        if let Some(s) = self
            .scores
            .get_mut(self.scene)
            .and_then(|r| r.get_mut(self.run))
        {
            s.0 += right;
            s.1 += asked;
        }
    }

    /// The current run is played again from its start: its score too.
    pub fn replay_run(&mut self) {
        if let Some(s) = self
            .scores
            .get_mut(self.scene)
            .and_then(|r| r.get_mut(self.run))
        {
            *s = (0, 0);
        }
    }

    /// The scene's quiz score over its runs: (right, asked).
    pub fn scene_score(&self) -> (u32, u32) {
        self.scores
            .get(self.scene)
            .map(|runs| runs.iter().fold((0, 0), |(r, a), s| (r + s.0, a + s.1)))
            .unwrap_or_default()
    }

    /// The closing words of the current run, under its panes' summaries:
    /// the rule, how each prediction fared, the quiz's score; and the keys
    /// that go on. `panes` are the run's panes: (title, events).
    pub fn closing(&self, panes: &[(&str, &[Event])], quiz: bool) -> (Vec<String>, &'static str) {
        let Some((scene, _)) = self.current() else {
            return (Vec::new(), "");
        };
        let mut lines = Vec::new();
        if let Some(rule) = &scene.takeaway {
            lines.push(format!("Rule: {rule}"));
        }
        for ((title, events), predicted) in panes.iter().zip(&self.predictions) {
            let (Some(predicted), Some((worked, said))) = (
                predicted,
                transfer_worked(&Account::of(events, true), events, 1),
            ) else {
                continue;
            };
            let mark = if *predicted == worked { "✓" } else { "✗" };
            let guess = if *predicted { "works" } else { "fails" };
            let mode = title.split_whitespace().next().unwrap_or(title);
            lines.push(format!("{mark} {mode}: predicted \"{guess}\"; {said}"));
        }
        if quiz {
            let (right, asked) = self.scene_score();
            if asked > 0 {
                lines.push(format!("Quiz, this scene: {right} of {asked} right."));
            }
        }
        let last = self.scene + 1 == self.lesson.scenes.len() && self.run + 1 == scene.runs.len();
        let keys = if last {
            "the end of the lesson · p back a run · q quit"
        } else {
            "n next · p back a run · Home this run again"
        };
        (lines, keys)
    }
}
