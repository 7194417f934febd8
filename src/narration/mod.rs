//! Narration: the current event in plain words, with its arithmetic.
//!
//! The sequence diagram shows *what* crossed the wire; the narration says
//! *why it matters*. Each narration leads with its point in one short
//! [`Narration::headline`] — who dials whom, and why it fails — that fits
//! one line of a compare pane at 80 columns ([`HEADLINE_COLUMNS`]); the
//! [`Narration::body`] then gives the detail, saying nothing twice. Its
//! rules are the ones a teacher says aloud:
//!
//! - the address inside `PORT` and `227` is six numbers, and the port is the
//!   last two as bytes: `195 × 256 + 80 = 50000` (decoded with
//!   [`crate::ftp::hostport`], never a second parser);
//! - in active mode the server dials after the transfer command (RFC 959
//!   §3.2), from its control port − 1 (§5.2: port L−1, 20 when L is 21);
//! - the first digit of a reply code says how things went: 1 "wait, more
//!   is coming", 2 done, 3 send more, 4 try again, 5 no (RFC 959 §4.2);
//! - `TYPE A` rewrites line ends on the wire, `TYPE I` sends the bytes as
//!   they are; a listing is not a file;
//! - a dial that a firewall or NAT killed is the moment to say why stateful
//!   FTP helpers exist, why EPSV gets through a server's NAT, and (at
//!   `AUTH TLS`) why encryption blinds those helpers.
//!
//! Every RFC section named here comes from one table, [`cite`], which a
//! test checks against the RFC texts. The pieces: `command`, `reply` and
//! `connection` narrate each kind of event (reading the account through
//! `here`); [`label`] fits a wire line on an arrow; [`summary`] tells a whole session at its end; [`explain`] writes
//! `--print --explain`; [`moment`] says which steps are teaching moments.
//!
//! What the narration says about *this trace* — who dialled, when, how it
//! ended, who closed first — it reads from the [`crate::account`], never
//! works out by itself, and it lists each such assertion as a
//! [`Claim`] beside the words, so that a test can hold every sentence to
//! the account of the whole trace. Where the future is known (a capture, a
//! finished run) it says what did happen; in a live run it speaks of what
//! has not happened yet only as the behaviour of ftpviz's own peers
//! ([`Ours`]), and otherwise as what the RFC asks for.

pub mod cite;
mod command;
mod connection;
pub mod explain;
mod here;
pub mod label;
pub mod moment;
mod reply;
pub mod summary;

use crate::account::{Account, Claim};
use crate::ftp::Verb;
use crate::middlebox::narration::{
    why_helpers, FTPS_SIMPLIFIED, WHY_EPSV_DODGES_NAT, WHY_FTPS_BLINDS,
};
pub use crate::middlebox::Between;
use crate::trace::{Blocker, Event, Kind, Via};
use here::Here;

/// The widest headline, in display columns: one line of the narrower
/// compare pane at 80 columns (`tui::layout` splits 80 columns into panes of
/// 39 and 40), less one column the screen may keep for a "more" mark.
pub const HEADLINE_COLUMNS: usize = 38;

/// What to say about one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Narration {
    /// One short sentence, at most [`HEADLINE_COLUMNS`] wide: the point.
    pub headline: String,
    /// A few sentences: why, with the arithmetic and where to read more.
    pub body: String,
    /// The command or reply as it crossed the wire, when the step is one:
    /// control characters made visible (`·`), except the line breaks of a
    /// multi-line reply, kept as `\n` so a screen can show its lines.
    pub wire: Option<String>,
    /// What the words assert about this trace, for a test to check against
    /// the account of the whole trace.
    pub claims: Vec<Claim>,
}

impl Narration {
    fn new(headline: impl Into<String>, body: impl Into<String>) -> Narration {
        Narration {
            headline: headline.into(),
            body: body.into(),
            wire: None,
            claims: Vec::new(),
        }
    }

    /// The same narration, asserting `claims` too.
    fn claiming(mut self, claims: impl IntoIterator<Item = Claim>) -> Narration {
        self.claims.extend(claims);
        self
    }

    /// Adds a sentence (or several) to the body.
    fn then(&mut self, more: &str) {
        if more.is_empty() {
            return;
        }
        if !self.body.is_empty() {
            self.body.push(' ');
        }
        self.body.push_str(more);
    }
}

/// What to say when nothing has happened yet.
pub fn start(live: bool) -> Narration {
    let body = if live {
        "Press → and the lab client takes its first action for real; space plays the whole lesson."
    } else {
        "Press → to step through the trace one event at a time; space plays it."
    };
    Narration::new("Nothing has happened yet.", body)
}

/// Which peers of the trace are ftpviz's own: what they will do next can
/// be said before it happens, as their behaviour. Of anyone else's, only
/// what the trace shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ours {
    pub client: bool,
    pub server: bool,
}

impl Ours {
    /// The lab: both peers are ours.
    pub const LAB: Ours = Ours {
        client: true,
        server: true,
    };
    /// `serve`: our server, anyone's client.
    pub const SERVE: Ours = Ours {
        client: false,
        server: true,
    };
    /// A capture: nobody's.
    pub const NONE: Ours = Ours {
        client: false,
        server: false,
    };
}

/// What the narration reads besides one event: the events known so far
/// (the whole trace, for a capture), their account, what stands between
/// the peers, and whose peers they are.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub events: &'a [Event],
    pub account: &'a Account,
    pub between: Option<Between>,
    pub ours: Ours,
}

/// Narrates the last of `shown` as a capture's step, knowing nothing after
/// it and nothing of the middlebox or the peers.
pub fn narrate(shown: &[Event]) -> Narration {
    let account = Account::of(shown, false);
    narrate_last(&Context {
        events: shown,
        account: &account,
        between: None,
        ours: Ours::NONE,
    })
}

/// Narrates the last of `shown` as the lab's step while it runs: both
/// peers are ours, the middlebox (when given) is known, and nothing after
/// this step is.
pub fn narrate_between(shown: &[Event], between: Option<Between>) -> Narration {
    let account = Account::of(shown, false);
    narrate_last(&Context {
        events: shown,
        account: &account,
        between,
        ours: Ours::LAB,
    })
}

/// Narrates the last of the context's events.
pub fn narrate_last(ctx: &Context) -> Narration {
    match ctx.events.len().checked_sub(1) {
        Some(at) => narrate_at(ctx, at),
        None => start(false),
    }
}

/// Narrates event `at` of the context's events.
pub fn narrate_at(ctx: &Context, at: usize) -> Narration {
    let Some(h) = Here::new(ctx, at) else {
        return start(false);
    };
    let current = h.event;
    let mut n = match &current.kind {
        Kind::Connect { src, dst, via } => connection::connect(&h, *src, *dst, *via),
        Kind::Accept => connection::accept(&h),
        Kind::Fail { reason, by } => connection::fail(&h, *reason, *by),
        Kind::Command { text, .. } => command::command(text, &h),
        Kind::Reply { code, text } => reply::reply(*code, text, &h),
        Kind::Data { bytes } => connection::data(&h, *bytes),
        Kind::Close => connection::close(&h),
    };
    if let Some(note) = &current.note {
        let note = clean(note);
        if matches!(current.kind, Kind::Fail { .. }) {
            // The source knows exactly why this dial died: that is the
            // detail, instead of the general words.
            n.body = format!("{}{}", upper_first(&note), full_stop(&note));
        } else {
            n.then(&format!("Note: {note}{}", full_stop(&note)));
        }
    }
    if let Some(lesson) = middlebox_lesson(&h) {
        n.then(&lesson);
    }
    n
}

/// The lesson about middleboxes that this step is the moment for, if any.
fn middlebox_lesson(h: &Here) -> Option<String> {
    let current = h.event;
    match &current.kind {
        Kind::Fail { by: Some(by), .. } if current.conn > 0 => {
            // How was the dead connection announced? A 227 behind a NAT
            // named an address nobody can reach; EPSV would not have.
            let via = h.data(current.conn).and_then(|c| c.via);
            Some(match (by, via) {
                (Blocker::Nat, Some(Via::Pasv)) => WHY_EPSV_DODGES_NAT.to_string(),
                _ => why_helpers(via),
            })
        }
        Kind::Command { .. } if current.verb() == Some(Verb::Auth) => {
            Some(WHY_FTPS_BLINDS.to_string())
        }
        Kind::Command { .. } | Kind::Reply { .. } if unread_announcement(h) => {
            Some(FTPS_SIMPLIFIED.to_string())
        }
        _ => None,
    }
}

/// A `PORT`, `EPRT`, `227` or `229` that crossed inside TLS, in a lab whose
/// middlebox has an FTP helper or a NAT that would have read it.
fn unread_announcement(h: &Here) -> bool {
    let e = h.event;
    let announces = match &e.kind {
        Kind::Command { .. } => matches!(e.verb(), Some(Verb::Port | Verb::Eprt)),
        Kind::Reply { code, .. } => matches!(code, 227 | 229),
        _ => false,
    };
    let reader = h.ctx.between.is_some_and(|b| {
        crate::middlebox::firewall::has_helper(b.firewall) || b.nat != crate::middlebox::Nat::None
    });
    announces && reader && crate::tls::noted_inside(e.note.as_deref())
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn full_stop(s: &str) -> &'static str {
    if s.ends_with(['.', '!', '?']) {
        ""
    } else {
        "."
    }
}

/// Wire text made safe to show: control characters become `·`.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '·' } else { c })
        .collect()
}

/// Wire text made safe to show, keeping line breaks: a multi-line reply's
/// lines stay lines.
pub fn clean_lines(text: &str) -> String {
    text.lines().map(clean).collect::<Vec<_>>().join("\n")
}

/// The display width of `text` in terminal columns.
pub fn columns(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// `text` shortened to at most `max` columns, with `…` where it was cut.
fn fit(text: &str, max: usize) -> String {
    if columns(text) <= max {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        if columns(&out) + unicode_width::UnicodeWidthChar::width(c).unwrap_or(0) + 1 > max {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}
