//! The session picker: a capture (or a busy `serve`) may hold several FTP
//! sessions; the diagram shows one at a time, and this list picks which.
//!
//! Each session is a row ([`Summary`]: its addresses, how many events,
//! the mode its data connections used, whether it still runs), worked out
//! from the account; [`Picker::view`] hands the rows to the widget that
//! draws the list (`widgets::sessions`).
//!
//! For `serve` the list is live: sessions appear as real clients connect
//! ([`Picker::push`]), and the one picked keeps growing in its pane.
//!
//! A live reading of a capture (`replay -`, `watch`) may run for hours and
//! see thousands of sessions, so its list can be *capped*
//! ([`Picker::capped`]): each session keeps its row, but once the events
//! kept pass the cap, the events of the oldest finished sessions are let go
//! (never those of the session open in its pane), and the list's title says
//! so. The kernel's count of dropped frames (`watch`) is shown there too.
//! A reader that could outrun the list (a capture file piped in at full
//! speed) waits on its [`Taken`] count, so events never pile up between
//! them.

use super::kept::Kept;
use crate::account::Account;
use crate::narration::summary::{dials_of, SessionKind};
use crate::trace::{Event, Trace};
use crate::tui::widgets::sessions::SessionsView;
pub use crate::tui::widgets::sessions::Summary;
use crate::tui::widgets::style::Theme;
use crossterm::event::KeyCode;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// A list of a trace's sessions with a selection.
#[derive(Debug, Clone)]
pub struct Picker {
    trace: Trace,
    /// The account of the trace, told as its events arrive.
    account: Account,
    pub summaries: Vec<Summary>,
    pub selected: usize,
    /// Shown while the list is empty (a live list waiting for clients).
    pub hint: String,
    /// Sessions arrive while it is shown (`serve`).
    pub live: bool,
    /// Its feed still runs: a session picked is followed live.
    pub feeding: bool,
    /// The data bytes of a live list's sessions, kept for `w`.
    pub kept: Kept,
    /// The row of each session, by its number.
    rows: HashMap<u32, usize>,
    /// A capped live list: the most events kept, and what was let go.
    cap: Option<usize>,
    dropped: Dropped,
    /// The session last opened in its pane: always kept whole.
    open: Option<u32>,
    /// Frames the kernel dropped while capturing (`watch`).
    kernel_drops: Option<Arc<AtomicU64>>,
    /// Events taken so far, for a reader that must not run ahead.
    taken: Option<Arc<Taken>>,
}

/// How many events a live list has taken: the reader that sends them waits
/// on it rather than run far ahead (what it sent and the list has not taken
/// yet would pile up in between).
#[derive(Debug, Default)]
pub struct Taken {
    count: Mutex<u64>,
    more: Condvar,
}

impl Taken {
    fn add(&self) {
        *self.count.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        self.more.notify_all();
    }

    /// Waits until at most `ahead` of the `sent` events are not taken yet.
    pub fn wait_for(&self, sent: u64, ahead: u64) {
        let mut count = self.count.lock().unwrap_or_else(|p| p.into_inner());
        while sent.saturating_sub(*count) > ahead {
            count = self.more.wait(count).unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// What a capped list let go.
#[derive(Debug, Clone, Default)]
struct Dropped {
    sessions: HashSet<u32>,
    events: u64,
    /// The list's length at which to look for sessions to let go again
    /// (so that a list of only live sessions is not searched at each event).
    next_look: usize,
}

impl Picker {
    pub fn new(trace: Trace) -> Picker {
        let account = Account::of(&trace.events, true);
        let summaries: Vec<Summary> = trace
            .sessions()
            .into_iter()
            .map(|n| summarise(&account, n))
            .collect();
        let rows = summaries
            .iter()
            .enumerate()
            .map(|(i, s)| (s.session, i))
            .collect();
        Picker {
            trace,
            account,
            summaries,
            selected: 0,
            hint: String::new(),
            live: false,
            feeding: false,
            kept: Kept::default(),
            rows,
            cap: None,
            dropped: Dropped::default(),
            open: None,
            kernel_drops: None,
            taken: None,
        }
    }

    /// Counts the events it takes into `taken` (see [`Taken`]).
    pub fn with_taken(mut self, taken: Arc<Taken>) -> Picker {
        self.taken = Some(taken);
        self
    }

    /// A live list that keeps at most `events` events: past that, the
    /// events of the oldest finished sessions are let go (their rows stay).
    pub fn capped(mut self, events: usize) -> Picker {
        self.cap = Some(events);
        self
    }

    /// Shows the kernel's count of dropped frames in the title as it grows.
    pub fn with_kernel_drops(mut self, drops: Arc<AtomicU64>) -> Picker {
        self.kernel_drops = Some(drops);
        self
    }

    /// Events of sessions let go so far (a capped list), and how many
    /// sessions they were.
    pub fn dropped(&self) -> (u64, usize) {
        (self.dropped.events, self.dropped.sessions.len())
    }

    /// An empty list that fills as sessions arrive; `hint` says how to
    /// start one.
    /// Keeps the TLS bytes and keys of `log` beside the sessions, for `w`
    /// (see `kept`).
    pub fn log_wire(&mut self, log: Option<crate::tap::WireLog>) {
        self.kept = Kept::with_log(log);
    }

    pub fn live(hint: impl Into<String>) -> Picker {
        Picker {
            hint: hint.into(),
            live: true,
            feeding: true,
            account: Account::new(false),
            ..Picker::new(Trace::new())
        }
    }

    /// One more event of a live trace; its session's row is updated.
    pub fn push(&mut self, event: Event) {
        if let Some(taken) = &self.taken {
            taken.add();
        }
        let n = event.session;
        if self.dropped.sessions.contains(&n) {
            // A late word of a session already let go: counted, not kept.
            self.dropped.events += 1;
            if let Some(s) = self.rows.get(&n).and_then(|&i| self.summaries.get_mut(i)) {
                s.events += 1;
            }
            return;
        }
        self.account.push(&event);
        self.trace.push(event);
        let summary = summarise(&self.account, n);
        match self.rows.get(&n).and_then(|&i| self.summaries.get_mut(i)) {
            Some(s) => *s = summary,
            None => {
                self.rows.insert(n, self.summaries.len());
                self.summaries.push(summary);
            }
        }
        self.within_cap();
    }

    /// A capped list over its cap lets go of the events of its oldest
    /// finished sessions (not the open one) until a quarter of the cap is
    /// free again.
    fn within_cap(&mut self) {
        let Some(cap) = self.cap else {
            return;
        };
        let len = self.trace.len();
        if len <= cap || len < self.dropped.next_look {
            return;
        }
        let target = cap - cap / 4;
        let mut counts: HashMap<u32, usize> = HashMap::new();
        for e in &self.trace.events {
            *counts.entry(e.session).or_default() += 1;
        }
        let mut left = len;
        let mut going = HashSet::new();
        for s in self.summaries.iter_mut() {
            if left <= target {
                break;
            }
            if s.dropped || !s.ended || Some(s.session) == self.open {
                continue;
            }
            left -= counts.get(&s.session).copied().unwrap_or(0);
            s.dropped = true;
            going.insert(s.session);
        }
        // Nothing (more) to let go: look again a quarter of the cap later.
        self.dropped.next_look = left + cap / 4;
        if going.is_empty() {
            return;
        }
        self.trace.events.retain(|e| !going.contains(&e.session));
        self.account
            .sessions
            .retain(|s| !going.contains(&s.session));
        self.dropped.events += (len - left) as u64;
        self.dropped.sessions.extend(going);
    }

    /// What the list's title says besides its keys: events let go by the
    /// cap, frames the kernel dropped.
    pub fn state(&self) -> Option<String> {
        let mut said = Vec::new();
        if let (Some(cap), false) = (self.cap, self.dropped.sessions.is_empty()) {
            said.push(format!(
                "older sessions' events dropped: {} kept (cap {cap})",
                self.trace.len()
            ));
        }
        let kernel = self
            .kernel_drops
            .as_ref()
            .map_or(0, |d| d.load(Ordering::Relaxed));
        if kernel > 0 {
            said.push(format!("kernel dropped {kernel} frames"));
        }
        (!said.is_empty()).then(|| said.join(" · "))
    }

    /// Every session's events so far.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// When session `n` began, in the trace's clock.
    pub fn start_of(&self, n: u32) -> f64 {
        self.trace
            .events
            .iter()
            .find(|e| e.session == n)
            .map(|e| e.t)
            .unwrap_or(0.0)
    }

    pub fn on_key(&mut self, code: KeyCode) {
        let last = self.summaries.len().saturating_sub(1);
        self.selected = match code {
            KeyCode::Up | KeyCode::Char('k') => self.selected.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => (self.selected + 1).min(last),
            KeyCode::Home => 0,
            KeyCode::End => last,
            _ => self.selected,
        };
    }

    /// The list as drawn.
    pub fn view(&self, theme: Theme) -> SessionsView<'_> {
        SessionsView {
            summaries: &self.summaries,
            selected: self.selected,
            hint: &self.hint,
            live: self.live,
            state: self.state(),
            theme,
        }
    }

    /// The selected session's number and its events (as session 1); it is
    /// open from now on, so a capped list keeps it whole.
    pub fn chosen(&mut self) -> (u32, Trace) {
        let n = self
            .summaries
            .get(self.selected)
            .map(|s| s.session)
            .unwrap_or(1);
        self.open = Some(n);
        (n, self.trace.session(n))
    }
}

/// Session `n`'s row, from the account.
fn summarise(account: &Account, n: u32) -> Summary {
    // The account keeps its stories in session order.
    let story = account
        .sessions
        .binary_search_by_key(&n, |s| s.session)
        .ok()
        .and_then(|i| account.sessions.get(i));
    let control = story.and_then(|s| s.control);
    Summary {
        session: n,
        client: control.map(|c| c.client.to_string()),
        server: control.map(|c| c.server.to_string()),
        events: story.map_or(0, |s| s.events),
        mode: story.map_or_else(
            || SessionKind::count(&[]),
            |s| SessionKind::count(&dials_of(account, s)),
        ),
        ended: story.is_some_and(|s| s.control_end.is_some()),
        dropped: false,
    }
}
