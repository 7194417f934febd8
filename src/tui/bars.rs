//! The two bars: the title bar (what is shown, and its state) and the key
//! bar (what the keys do).
//!
//! Both must work at 80 columns. The title bar keeps the play state and the
//! middlebox whole and shortens the heading instead (a long capture path
//! loses its middle, keeping the file name). The key bar drops the least
//! needed keys first and then says where to find them all (`?`). While a
//! change to the lab waits for its key again, the key bar asks the question
//! instead.

use super::app::App;
use super::pane::Origin;
use super::prompt;
use super::quiz::Part;
use super::style::Theme;
use super::text::{self, shorten_middle};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// "live", "lesson over" ("run over" in a guided lesson), "session ended",
/// or nothing (a capture).
fn liveness(app: &App) -> Option<&'static str> {
    let pane = app.panes.first()?;
    let live = app.panes.iter().any(|p| p.player.is_live());
    match (pane.origin, live) {
        (Origin::Capture, _) => None,
        (_, true) => Some("live"),
        // In a guided lesson each run ends; the lesson goes on (n).
        (Origin::Lab, false) if app.course.is_some() => Some("run over"),
        (Origin::Lab, false) => Some("lesson over"),
        (Origin::Serve, false) => Some("session ended"),
    }
}

/// The state, long and short: "⏸ paused · 2 steps/s · live", "⏸ 2/s live".
fn state(app: &App) -> (String, String) {
    if let Some(s) = app.status.as_ref().or(app.note.as_ref()) {
        return match &app.course {
            // The scene counter is always visible.
            Some(c) => (
                format!("{} · {s}", c.counter()),
                format!("{} · {s}", c.counter()),
            ),
            None => (s.clone(), s.clone()),
        };
    }
    let Some(p) = app.panes.first().map(|p| &p.player) else {
        return (String::new(), String::new());
    };
    let (icon, word, short) = if p.is_playing() {
        ("▶", "playing".to_string(), String::new())
    } else if let Some(at) = &app.paused_at {
        let short = format!(" at {}", at.what);
        ("⏸", format!("paused at {}", at.words()), short)
    } else {
        ("⏸", "paused".to_string(), String::new())
    };
    let live = liveness(app);
    let speed = p.speed();
    let mut long = format!("{icon} {word} · {speed} steps/s");
    let mut brief = format!("{icon}{short} {speed}/s");
    if let Some(c) = &app.course {
        // The scene counter is always visible.
        long = format!("{} · {long}", c.counter());
        brief = format!("{} {brief}", c.counter().replace(" · run ", " run "));
    }
    if let Some(l) = live {
        long.push_str(&format!(" · {l}"));
        brief.push_str(&format!(" {l}"));
    }
    if !app.auto_pause.on {
        long.push_str(" · no auto-pause");
    }
    (long, brief)
}

pub fn title_bar(app: &App, area: Rect, buf: &mut Buffer) {
    let t = app.theme;
    let (long, brief) = state(app);
    let between = app.rig.as_ref().map(|r| r.between());
    // One column kept free: a bar that reaches the edge looks cut.
    let width = (area.width as usize).saturating_sub(1);
    let head = |heading: &str, state: &str, between: Option<&str>| {
        let mut spans = vec![
            Span::styled(" ftpviz ", t.focused()),
            Span::styled(format!(" {heading} "), t.title()),
            Span::raw(format!(" {state}")),
        ];
        if let Some(b) = between {
            spans.push(Span::styled(format!("  {b}"), t.middlebox()));
        }
        Line::from(spans)
    };
    // The longest form that fits: what is between the peers matters more
    // than the word "paused", and both more than the heading's middle.
    let forms: Vec<(&str, Option<&str>)> = match &between {
        Some((l, s)) => vec![
            (long.as_str(), Some(l.as_str())),
            (long.as_str(), Some(s.as_str())),
            (brief.as_str(), Some(s.as_str())),
        ],
        None => vec![(long.as_str(), None), (brief.as_str(), None)],
    };
    // Each form whole, else with the heading's middle cut (down to a
    // readable rest); the last form cut as far as it must.
    const READABLE: usize = 24;
    // In a lesson, the scene's title as it may be shown now (see
    // `Course::title`).
    let lesson_heading = app
        .course
        .as_ref()
        .map(|c| format!("lesson · {}", c.title(app.quiz.on)));
    let heading = lesson_heading.as_ref().unwrap_or(&app.heading);
    // A lesson's heading is a scene's title: it loses whole words from its
    // end, after its part past ':' (a capture's path loses its middle).
    let lesson = app.course.is_some();
    let short = lesson
        .then(|| heading.split_once(':').map(|(h, _)| h.trim_end()))
        .flatten();
    // A path (a capture's) loses its middle; words lose whole words.
    let path = !lesson && heading.contains('/');
    let shorten = |room: usize| {
        if path || text::width(heading) <= room {
            return shorten_middle(heading, room);
        }
        match short {
            Some(s) if text::width(s) <= room => s.to_string(),
            _ => text::shorten_words(short.unwrap_or(heading), room),
        }
    };
    let cut = |s: &str, b: Option<&str>, least: usize| {
        let full = head(heading, s, b).width();
        let room = width.saturating_sub(full - text::width(heading));
        let least = least.min(text::width(heading));
        (room >= least).then(|| head(&shorten(room), s, b))
    };
    let line = forms
        .iter()
        .find_map(|(s, b)| cut(s, *b, READABLE))
        .or_else(|| {
            let (s, b) = forms.last().copied().unwrap_or_default();
            cut(s, b, 2)
        })
        .unwrap_or_else(|| head(heading, &brief, None));
    buf.set_line(area.x, area.y, &line, area.width);
}

/// The keys on the bar: (key, what, priority); the lowest priority goes
/// first when the bar is too narrow.
fn keys(app: &App) -> Vec<(&'static str, &'static str, u8)> {
    if let Some(a) = &app.quiz.asking {
        // A question holds the step: only its keys do anything now.
        let answer = match a.part {
            Part::Who => ("c/s/0", "client/server/nobody", 9),
            Part::From | Part::To => ("1-4", "a port", 9),
        };
        return vec![
            answer,
            ("Backspace", "back", 5),
            ("Esc", "skip", 8),
            ("q", "quit", 10),
        ];
    }
    let mut keys = vec![
        ("space", "play", 9),
        ("→/←", "step", 9),
        ("m", "more", 6),
        ("a", "auto-pause", 3),
        ("+/-", "speed", 2),
        ("Home/End", "", 1),
        ("Tab", "focus", 2),
    ];
    if app.picker.is_some() {
        keys.push(("s", "sessions", 7));
    }
    let predicting = app
        .course
        .as_ref()
        .is_some_and(|c| c.card && c.next_prediction(app.quiz.on).is_some());
    if predicting {
        keys.push(("y/n", "predict", 8));
    } else if app.course.is_some() {
        keys.push(("n/p", "next/back", 8));
    } else if app.rig.is_some() {
        keys.extend([("f", "firewall", 8), ("n", "NAT", 8), ("x", "ext", 4)]);
        keys.push(("c", "lesson", 4));
    }
    keys.extend([
        ("g", "quiz", 2),
        ("v", "presenter", 2),
        ("w", "save", 2),
        ("l", "legend", 5),
        ("?", "keys", 10),
        ("q", "quit", 10),
    ]);
    keys
}

fn key_line(keys: &[(&str, &str, u8)], t: Theme) -> Line<'static> {
    let mut spans = Vec::new();
    for (k, v, _) in keys {
        spans.push(Span::styled(format!(" {k}"), t.title()));
        if !v.is_empty() {
            spans.push(Span::styled(format!(" {v}"), t.dim()));
        }
        spans.push(Span::raw(" "));
    }
    Line::from(spans)
}

pub fn key_bar(app: &App, area: Rect, buf: &mut Buffer) {
    let t = app.theme;
    let width = area.width as usize;
    let question = if app.quitting {
        Some(prompt::quit(app.course.is_some()).to_vec())
    } else if let (Some(change), Some(rig)) = (app.confirm, app.rig.as_ref()) {
        Some(prompt::confirm(change, rig).to_vec())
    } else {
        None
    };
    if let Some(forms) = question {
        let q = forms
            .iter()
            .find(|f| Line::raw(f.as_str()).width() < width)
            .or(forms.last())
            .cloned()
            .unwrap_or_default();
        buf.set_line(area.x, area.y, &Line::styled(q, t.cursor()), area.width);
        return;
    }
    let mut keys = keys(app);
    let mut bar = key_line(&keys, t);
    while bar.width() > width {
        let Some(lowest) = (0..keys.len()).min_by_key(|&i| keys[i].2) else {
            break;
        };
        keys.remove(lowest);
        // Some keys are off the bar: `?` lists them all.
        if let Some(k) = keys.iter_mut().find(|k| k.0 == "?") {
            k.1 = "all keys";
        }
        bar = key_line(&keys, t);
    }
    buf.set_line(area.x, area.y, &bar, area.width);
}
