//! What the two bars say: the heading and the state of what is shown, the
//! keys that do something here, or the question a key waits on. The bars
//! themselves (fitting it all into 80 columns) are
//! [`widgets::bars`](crate::tui::widgets::bars).

use super::pane::Origin;
use super::prompt;
use super::quiz::Part;
use super::App;
use crate::tui::widgets::bars::{KeyBar, TitleBar};

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

/// The title bar of `app`.
pub fn title_bar(app: &App) -> TitleBar {
    // In a lesson, the scene's title as it may be shown now (see
    // `Course::title`).
    let heading = match &app.course {
        Some(c) => format!("lesson · {}", c.title(app.quiz.on)),
        None => app.heading.clone(),
    };
    TitleBar {
        heading,
        lesson: app.course.is_some(),
        state: state(app),
        between: app.rig.as_ref().map(|r| r.between()),
        theme: app.theme,
    }
}

/// The key bar of `app`: a question waiting for its key, else the keys.
pub fn key_bar(app: &App) -> KeyBar {
    let question = if app.quitting {
        Some(prompt::quit(app.course.is_some()).to_vec())
    } else if let (Some(change), Some(rig)) = (app.confirm, app.rig.as_ref()) {
        Some(prompt::confirm(change, rig).to_vec())
    } else {
        None
    };
    KeyBar {
        question,
        keys: keys(app),
        theme: app.theme,
    }
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
