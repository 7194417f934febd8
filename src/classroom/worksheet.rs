//! The worksheet: the quiz on paper (`--print --quiz`), and its answer key
//! (`--answers`).
//!
//! Each question is printed right after the event that raises it, numbered
//! so a class can write its answers down while the teacher reads the
//! timeline out; an announcement that raises no question says why. The
//! answers come last, one stable line each, so that a script can read them
//! as easily as a teacher:
//!
//! ```text
//! A1 dialler=server from=2120 to=50000 evidence=seen — the server dialled …
//! A2 dialler=client from=? to=58612 evidence=inferred — `LIST` got 150 then 226, …
//! ```
//!
//! The answers are the account's ([`crate::account::Answer`]), read once
//! the trace is over: `seen`, `inferred` (and from what), or `unknown`.

use super::quiz::{no_question, PortRole, Question};
use crate::account::{Account, Who};
use crate::trace::Event;

/// A worksheet being written beside a trace.
#[derive(Debug, Clone)]
pub struct Worksheet {
    /// Print the answer key at the end.
    answers: bool,
    account: Account,
    /// Questions asked in the current trace: (number, event index).
    asked: Vec<(u32, usize)>,
    /// The number of the next question (questions are numbered across the
    /// runs of a lesson).
    next: u32,
}

impl Worksheet {
    pub fn new(answers: bool) -> Worksheet {
        Worksheet {
            answers,
            account: Account::new(false),
            asked: Vec::new(),
            next: 1,
        }
    }

    /// The next event of the trace: the lines to print after it (a
    /// question, or why an announcement raises none).
    pub fn event(&mut self, e: &Event) -> Vec<String> {
        let at = self.account.len;
        self.account.push(e);
        if let Some(q) = Question::at(&self.account, at) {
            let n = self.next;
            self.next += 1;
            self.asked.push((n, at));
            return question(n, &q);
        }
        match no_question(&self.account, at) {
            Some(why) => vec![format!("Q- no question here: {why}.")],
            None => Vec::new(),
        }
    }

    /// The trace is over: its answer lines (when asked for), and a fresh
    /// trace begins (the next run of a lesson).
    pub fn end(&mut self) -> Vec<String> {
        let mut account = std::mem::replace(&mut self.account, Account::new(false));
        account.finished = true;
        let asked = std::mem::take(&mut self.asked);
        if !self.answers || asked.is_empty() {
            return Vec::new();
        }
        asked
            .iter()
            .map(|&(n, at)| answer_line(&account, n, at))
            .collect()
    }
}

/// A question, as lines of at most 80 columns.
fn question(n: u32, q: &Question) -> Vec<String> {
    let line = crate::narration::clean(&q.line);
    let first = line.lines().next().unwrap_or_default();
    let mut out = vec![format!("Q{n}. After `{first}`:")];
    out.push("    who dials the data connection (client, server or nobody),".to_string());
    out.push("    from which port, and to which port?".to_string());
    for (i, role) in PortRole::ALL.into_iter().enumerate() {
        out.push(format!("    {}) {}", i + 1, q.choice(role)));
    }
    out
}

/// `A<n> dialler=… from=… to=… evidence=… — words`
fn answer_line(account: &Account, n: u32, at: usize) -> String {
    let Some(a) = account.answer(at) else {
        return format!("A{n} dialler=unknown from=? to=? evidence=unknown — not known.");
    };
    let port = |p: Option<u16>| p.map_or("?".to_string(), |p| p.to_string());
    let (from, to) = match a.who {
        Who::Nobody | Who::Unknown => ("?".to_string(), "?".to_string()),
        _ => (port(a.from), port(a.to)),
    };
    format!(
        "A{n} dialler={} from={from} to={to} evidence={} — {}",
        a.who.as_str(),
        a.evidence.name(),
        crate::narration::clean(&a.words)
    )
}
