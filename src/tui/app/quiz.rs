//! The quiz on screen: ask when an announcement appears, hold the dial back
//! until the class has answered, reveal when the dial is shown.
//!
//! The questions and their grading are [`crate::classroom::quiz`]'s, read
//! off the trace; this is the part that knows about panes and keys:
//!
//! 1. after every step, the events it revealed are looked at: a `PORT`,
//!    `EPRT`, `227` or `229` raises a question (each once);
//! 2. while a question is up, `→` and playing hold still; the keys answer
//!    it — `c`/`s` who dials (`0`: nobody will), then `1`–`4` from which
//!    port, then `1`–`4` to which port (`Esc` skips it);
//! 3. when the answer's truth is on screen (the dial and how it ended, or
//!    the refusal that means nobody dials), the reveal shows ✓/✗ and why,
//!    until the next key.

use crate::account::Account;
use crate::classroom::quiz::{grade, settled, Guess, PortRole, Question, Reveal};
use crate::trace::{Event, Side};
pub use crate::tui::widgets::cards::Part;
use crossterm::event::KeyCode;
use std::collections::HashSet;

/// A question on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asking {
    pub pane: usize,
    pub question: Question,
    pub guess: Guess,
    pub part: Part,
}

/// A graded answer on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revealed {
    pub pane: usize,
    pub question: Question,
    pub reveal: Reveal,
}

/// The quiz's state across the panes.
#[derive(Debug, Clone, Default)]
pub struct Quiz {
    pub on: bool,
    pub asking: Option<Asking>,
    /// Raised while another question was up, oldest first.
    queue: Vec<(usize, Question)>,
    /// Answered, waiting for the trace to show the truth.
    pending: Vec<(usize, Question, Guess)>,
    pub revealed: Option<Revealed>,
    /// (pane, event index) of every announcement asked about already.
    seen: HashSet<(usize, usize)>,
    /// Right answers and questions, over the whole run of the app.
    pub total: (u32, u32),
    /// Questions the trace could not answer (it ended first), not scored.
    pub unanswerable: u32,
}

/// What a key did to the quiz.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Not the quiz's key: the app handles it.
    NotMine,
    /// Taken (a part answered, a reveal put away).
    Taken,
}

impl Quiz {
    pub fn new(on: bool) -> Quiz {
        Quiz {
            on,
            ..Quiz::default()
        }
    }

    /// The announcement (its event index) of pane `pane`'s earliest
    /// question not yet revealed: until the reveal, the screen holds back
    /// whatever would answer it.
    pub fn held(&self, pane: usize) -> Option<usize> {
        if !self.on {
            return None;
        }
        let asking = self
            .asking
            .iter()
            .filter(|a| a.pane == pane)
            .map(|a| a.question.at);
        let queued = self
            .queue
            .iter()
            .filter(|(p, _)| *p == pane)
            .map(|(_, q)| q.at);
        let pending = self
            .pending
            .iter()
            .filter(|(p, ..)| *p == pane)
            .map(|(_, q, _)| q.at);
        asking.chain(queued).chain(pending).min()
    }

    /// True while a question holds the next step back.
    pub fn blocks(&self) -> bool {
        self.asking.is_some()
    }

    /// New panes (a restart): nothing asked yet about them.
    pub fn forget_panes(&mut self) {
        self.asking = None;
        self.queue.clear();
        self.pending.clear();
        self.revealed = None;
        self.seen.clear();
    }

    /// Looks at pane `pane`'s shown events from index `from` on (the ones
    /// a step just revealed): raises questions, reveals answers. `over`:
    /// the shown events are all the pane will ever have. Returns the grades
    /// revealed now, as (right, asked).
    pub fn observe(
        &mut self,
        pane: usize,
        shown: &[Event],
        from: usize,
        over: bool,
    ) -> Option<(u32, u32)> {
        if !self.on {
            return None;
        }
        let account = Account::of(shown, over);
        for at in from..shown.len() {
            if self.seen.contains(&(pane, at)) {
                continue;
            }
            if let Some(q) = Question::at(&account, at) {
                self.seen.insert((pane, at));
                self.queue.push((pane, q));
            }
        }
        let mut graded = None;
        let mut still = Vec::new();
        for (p, q, guess) in self.pending.drain(..) {
            match (p == pane).then(|| settled(&account, &q)).flatten() {
                Some(truth) => {
                    let reveal = grade(&q, &truth, &guess);
                    if reveal.asked == 0 {
                        self.unanswerable += 1;
                    }
                    let (r, a) = graded.unwrap_or((0, 0));
                    graded = Some((r + reveal.right, a + reveal.asked));
                    self.revealed = Some(Revealed {
                        pane: p,
                        question: q,
                        reveal,
                    });
                }
                None => still.push((p, q, guess)),
            }
        }
        self.pending = still;
        if let Some((r, a)) = graded {
            self.total.0 += r;
            self.total.1 += a;
        }
        self.next_question();
        graded
    }

    fn next_question(&mut self) {
        if self.asking.is_none() && !self.queue.is_empty() {
            let (pane, question) = self.queue.remove(0);
            self.asking = Some(Asking {
                pane,
                question,
                guess: Guess::default(),
                part: Part::Who,
            });
        }
    }

    /// A key while the quiz may want it.
    pub fn on_key(&mut self, code: KeyCode) -> Answer {
        let Some(a) = self.asking.as_mut() else {
            // Any key puts a reveal away, and does what it does — but Esc
            // only puts it away (it skips a question; it must not quit).
            let was_up = self.revealed.take().is_some();
            return match code {
                KeyCode::Esc if was_up => Answer::Taken,
                _ => Answer::NotMine,
            };
        };
        match (a.part, code) {
            (Part::Who, KeyCode::Char('c')) => {
                a.guess.who = Some(Side::Client);
                a.part = Part::From;
            }
            (Part::Who, KeyCode::Char('s')) => {
                a.guess.who = Some(Side::Server);
                a.part = Part::From;
            }
            (Part::Who, KeyCode::Char('0')) => {
                // Nobody will dial: the whole answer.
                if let Some(done) = self.asking.take() {
                    self.pending
                        .push((done.pane, done.question, Guess::default()));
                }
                self.next_question();
            }
            (Part::From | Part::To, KeyCode::Char(c @ '1'..='4')) => {
                let role = PortRole::ALL[(c as u8 - b'1') as usize];
                if a.part == Part::From {
                    a.guess.from = Some(role);
                    a.part = Part::To;
                } else {
                    a.guess.to = Some(role);
                    let done = self.asking.take();
                    if let Some(done) = done {
                        self.pending.push((done.pane, done.question, done.guess));
                    }
                    self.next_question();
                }
            }
            (Part::From, KeyCode::Backspace) => a.part = Part::Who,
            (Part::To, KeyCode::Backspace) => a.part = Part::From,
            (_, KeyCode::Esc) => {
                // Skipped: not asked, not scored.
                self.asking = None;
                self.next_question();
            }
            (_, KeyCode::Char('q')) => return Answer::NotMine,
            _ => {}
        }
        Answer::Taken
    }
}
