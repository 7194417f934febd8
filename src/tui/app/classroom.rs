//! The classroom's part of the app: the course's keys (scene cards, `n`/`p`
//! between runs), the quiz's keys and its hook after every step, and the
//! presenter view's switch. The state lives in [`super::course`] and
//! [`super::quiz`]; this is where the app hands them keys and steps.

use super::course::{Course, Moved};
use super::event::AppEvent;
use super::quiz::Answer;
use super::{App, Stage};
use crate::classroom::Lesson;
use crossterm::event::KeyCode;

impl App {
    /// Runs `course` in this app: its first run's labs (the rig must hold
    /// them already, see `tui::lesson`), its card up.
    pub fn with_course(mut self, course: Course) -> App {
        self.heading = heading(&course, self.quiz.on);
        self.course = Some(course);
        self.mark_runs();
        self
    }

    /// In a guided lesson every pane is one run of it.
    pub(super) fn mark_runs(&mut self) {
        let run = self.course.is_some();
        for p in &mut self.panes {
            p.run = run;
        }
    }

    /// True while something of the classroom holds the next step back: a
    /// scene's card, or a question waiting for its answer.
    pub fn classroom_holds(&self) -> bool {
        self.quiz.blocks() || self.course.as_ref().is_some_and(|c| c.card)
    }

    /// A key for the classroom, if it is one: `Some(changed)` when taken.
    pub(super) fn on_classroom_key(&mut self, code: KeyCode) -> Option<bool> {
        if let Some(c) = self.course.as_mut().filter(|c| c.card) {
            if c.next_prediction(self.quiz.on).is_some() {
                match code {
                    KeyCode::Char('y') => c.predict(true),
                    KeyCode::Char('n') => c.predict(false),
                    // Esc puts the card away, the prediction unasked.
                    KeyCode::Esc => c.card = false,
                    KeyCode::Char('q') | KeyCode::Char('?') => return None,
                    _ => return Some(false),
                }
                return Some(true);
            }
            match code {
                KeyCode::Right | KeyCode::Char(' ') | KeyCode::Enter | KeyCode::Esc => {
                    c.card = false;
                    return Some(true);
                }
                KeyCode::Char('n') | KeyCode::PageDown => return Some(self.move_course(true)),
                KeyCode::Char('p') | KeyCode::PageUp => return Some(self.move_course(false)),
                KeyCode::Char('q' | '?' | 'l' | 'v' | 'g') => {}
                _ => return Some(false),
            }
        }
        if self.quiz.on_key(code) == Answer::Taken {
            return Some(true);
        }
        match code {
            KeyCode::Char('g') => {
                self.quiz.on = !self.quiz.on;
                self.note = Some(
                    if self.quiz.on {
                        "quiz on: before each data dial, the class predicts who dials, from where, to where"
                    } else {
                        "quiz off"
                    }
                    .to_string(),
                );
                Some(true)
            }
            KeyCode::Char('v') => {
                self.presenter = !self.presenter;
                Some(true)
            }
            KeyCode::Char('n') | KeyCode::PageDown if self.course.is_some() => {
                Some(self.move_course(true))
            }
            KeyCode::Char('p') | KeyCode::PageUp if self.course.is_some() => {
                Some(self.move_course(false))
            }
            KeyCode::Char('p') | KeyCode::PageUp | KeyCode::PageDown => {
                self.note = Some("n / p move between the runs of a lesson: c starts one".into());
                Some(true)
            }
            KeyCode::Char('f' | 'x') if self.course.is_some() => {
                self.note = Some("the lesson sets the middlebox: n / p move between runs".into());
                Some(true)
            }
            KeyCode::Char('c') if self.course.is_none() && self.rig.is_some() => {
                self.start_course(Course::new(Lesson::builtin(), None));
                Some(true)
            }
            _ => None,
        }
    }

    /// `Home`: the run is seen again from its start, so the quiz asks its
    /// questions again, and in a lesson the run's score starts again.
    pub(super) fn restart_quiz(&mut self) {
        self.quiz.forget_panes();
        if let Some(c) = self.course.as_mut() {
            c.replay_run();
        }
    }

    /// Starts `course` on this app's rig, replacing the labs.
    pub(super) fn start_course(&mut self, course: Course) {
        self.heading = heading(&course, self.quiz.on);
        self.course = Some(course);
        self.restart_for_course();
    }

    /// `n` / `p`: another run; its labs replace these.
    fn move_course(&mut self, forward: bool) -> bool {
        let Some(c) = self.course.as_mut() else {
            return false;
        };
        let moved = if forward { c.forward() } else { c.back() };
        if moved == Moved::Stay {
            self.note = Some(if forward {
                "this is the last run of the lesson".into()
            } else {
                "this is the first run of the lesson".into()
            });
            return true;
        }
        self.heading = heading(c, self.quiz.on);
        self.restart_for_course();
        true
    }

    fn restart_for_course(&mut self) {
        let (Some(c), Some(rig)) = (self.course.as_ref(), self.rig.as_mut()) else {
            return;
        };
        rig.configs = c.configs();
        self.quiz.forget_panes();
        self.showing = self.showing.at(Stage::Stepping);
        self.paused_at = None;
        self.status = Some("starting the run…".to_string());
        self.events.send(AppEvent::Restart);
    }

    /// After every step (and every live arrival): the quiz looks at what
    /// was revealed, and a question pauses playing. The presenter view
    /// follows the pane that moved last.
    pub(super) fn classroom_after_step(&mut self, before: &[usize]) {
        // `End` shows everything at once: no questions on the way.
        let asking = self.stage() == Stage::Stepping;
        for (i, (p, &b)) in self.panes.iter().zip(before).enumerate() {
            let shown = p.player.visible();
            if shown.len() != b {
                self.spotlight = i;
            }
            if !asking {
                continue;
            }
            if let Some((right, asked)) =
                self.quiz.observe(i, shown, b.min(shown.len()), p.is_over())
            {
                if let Some(c) = self.course.as_mut() {
                    c.score(right, asked);
                }
            }
        }
        if self.quiz.blocks() && self.is_playing() {
            self.each(|p| p.set_playing(false));
        }
        self.hold_for_quiz();
    }

    /// Each pane holds back what would answer its open question (see
    /// [`Pane::held`]).
    pub(super) fn hold_for_quiz(&mut self) {
        for (i, p) in self.panes.iter_mut().enumerate() {
            p.held = self.quiz.held(i);
        }
        // The presenter shows the pane the question is about.
        if let Some(a) = &self.quiz.asking {
            self.spotlight = a.pane;
        }
    }
}

/// The title bar's heading in a lesson (the scene counter is part of the
/// bar's state, which is never cut).
fn heading(c: &Course, quiz: bool) -> String {
    format!("lesson · {}", c.title(quiz))
}
