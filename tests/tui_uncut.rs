//! Nothing cut at 80×24 (issue 16 §3): every screen of every scene of the
//! default lesson — its card, every step of every run (each a real lab on
//! loopback), its summaries and closing card — and of the lab matrix in
//! the compare view (every firewall × NAT × PORT/PASV and EPRT/EPSV), with
//! no word or number cut mid-way in the title bar, a pane's header, a
//! summary row, the key bar (and its prompts) or a box's title.
//!
//! What may be cut is detail, and then it says so (`… m: more`) after a
//! whole word.

#[path = "support/screen.rs"]
mod screen;
use screen::{lines, render};

mod lab_facts;
#[path = "support/scenarios.rs"]
mod scenarios;

use crossterm::event::{KeyCode, KeyEvent};
use ftpviz::classroom::Lesson;
use ftpviz::lab::rig::Rig;
use ftpviz::lab::{LabConfig, Mode};
use ftpviz::trace::Trace;
use ftpviz::tui::app::course::Course;
use ftpviz::tui::app::labs::mode_title;
use ftpviz::tui::app::pane::Origin;
use ftpviz::tui::app::{App, Pane};
use ftpviz::tui::widgets::narration_view::MORE;
use ftpviz::tui::widgets::style::Theme;
use std::collections::BTreeSet;

fn press(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::from(code));
}

/// The panes of a run: one per lab, as the rig makes them.
fn panes(runs: &[(LabConfig, Trace)], lesson: bool) -> Vec<Pane> {
    runs.iter()
        .map(|(c, t)| {
            let mut p = Pane::fixed(mode_title(c), t.clone())
                .with_origin(Origin::Lab)
                .with_middlebox(c);
            p.run = lesson;
            p
        })
        .collect()
}

/// Every word any full text of the run could show: a word on screen that
/// is not one of them was cut.
fn vocabulary(texts: &[String]) -> BTreeSet<String> {
    texts
        .iter()
        .flat_map(|s| s.split(|c: char| c.is_whitespace() || "┃│┏┓┗┛━─┌┐└┘".contains(c)))
        .map(|w| w.trim_end_matches('…').to_string())
        .collect()
}

/// The cuts on one screen: rows of the bars, pane headers, summaries and
/// box titles where a word or number was cut mid-way.
fn cuts(screen: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    let last = screen.len().saturating_sub(1);
    for (y, row) in screen.iter().enumerate() {
        let chars: Vec<char> = row.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            let before = i.checked_sub(1).and_then(|j| chars.get(j));
            let after = chars.get(i + 1);
            let word = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric());
            // "A…he": a middle cut out of a word.
            if *c == '…' && word(before) && word(after) {
                found.push(format!("row {y}: a word cut in its middle: {row}"));
            }
            // A box's title run into its corner: "Mode (127,┓".
            if "┓┐".contains(*c) && before.is_some_and(|b| !" ━─┏┌".contains(*b)) {
                found.push(format!("row {y}: a box title cut at its corner: {row}"));
            }
        }
        // The bars are drawn to fit: a row reaching the last column was
        // cut by the terminal's edge.
        if (y == 0 || y == last) && chars.len() >= 80 {
            found.push(format!("row {y}: a bar cut at the edge: {row}"));
        }
    }
    found
}

/// Checks every screen of `app`'s walk and that every word before a
/// "… m: more" mark is a whole word of the run's texts.
fn check(name: &str, screens: &[Vec<String>], words: &BTreeSet<String>) -> Vec<String> {
    let mut bad = Vec::new();
    for (n, s) in screens.iter().enumerate() {
        let mut here = cuts(s);
        for row in s {
            for part in row.split('┃') {
                if let Some(i) = part.find(&format!(" {MORE}")) {
                    let w = part[..i].split_whitespace().last().unwrap_or("");
                    if !w.is_empty() && !words.contains(w) {
                        here.push(format!("\"{w}\" before the mark: {row}"));
                    }
                }
            }
        }
        if !here.is_empty() {
            bad.push(format!(
                "{name}, screen {n}:\n{}\n{}",
                here.join("\n"),
                s.join("\n")
            ));
        }
    }
    bad
}

/// Every screen from the start (card up, in a lesson) to the summaries.
fn walk(mut app: App) -> Vec<Vec<String>> {
    let mut screens = vec![lines(&render(&app, 80, 24))];
    if app.course.is_some() {
        // The card, predicted: the title whole.
        while app
            .course
            .as_ref()
            .is_some_and(|c| c.next_prediction(app.quiz.on).is_some())
        {
            press(&mut app, KeyCode::Char('y'));
        }
        screens.push(lines(&render(&app, 80, 24)));
        press(&mut app, KeyCode::Right);
    }
    for _ in 0..400 {
        if app.finale() {
            break;
        }
        if app.quiz.asking.is_some() {
            // A question: answered (its screens and the reveal's seen).
            for k in ['s', '1', '2'] {
                press(&mut app, KeyCode::Char(k));
                screens.push(lines(&render(&app, 80, 24)));
            }
            continue;
        }
        press(&mut app, KeyCode::Right);
        screens.push(lines(&render(&app, 80, 24)));
    }
    assert!(app.finale(), "the walk reached the summaries");
    // The restart prompt and the quit question, at the end.
    if app.rig.is_some() && app.course.is_none() {
        press(&mut app, KeyCode::Char('n'));
        screens.push(lines(&render(&app, 80, 24)));
        press(&mut app, KeyCode::Esc);
    }
    press(&mut app, KeyCode::Char('q'));
    screens.push(lines(&render(&app, 80, 24)));
    screens
}

async fn run_all(configs: Vec<LabConfig>) -> Vec<(LabConfig, Trace)> {
    let runs = configs.into_iter().map(|c| async move {
        let events = lab_facts::run_lab(c.clone()).await;
        (c, Trace { events })
    });
    futures_util::future::join_all(runs).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_word_is_cut_on_any_screen_of_the_lesson_at_80x24() {
    let lesson = Lesson::builtin();
    let mut plan = Vec::new();
    let mut course = Course::new(lesson.clone(), Some(0));
    loop {
        plan.push((course.scene, course.run, course.configs()));
        if course.forward() == ftpviz::tui::app::course::Moved::Stay {
            break;
        }
    }
    let all: Vec<LabConfig> = plan.iter().flat_map(|(_, _, c)| c.clone()).collect();
    let mut runs = run_all(all).await.into_iter();
    let (mut bad, mut screens_seen) = (Vec::new(), 0);
    for (scene, run, configs) in plan {
        let runs: Vec<_> = runs.by_ref().take(configs.len()).collect();
        for quiz in [false, true] {
            let mut course = Course::new(lesson.clone(), Some(0));
            while (course.scene, course.run) != (scene, run) {
                course.forward();
            }
            let mut app = App::new("lesson", panes(&runs, true))
                .with_rig(Rig::new(configs.clone()))
                .with_course(course);
            app.theme = Theme::mono();
            app.quiz.on = quiz;
            let screens = walk(app);
            screens_seen += screens.len();
            let words = vocabulary(&full_texts(&runs));
            let name = format!("scene {} run {} quiz {quiz}", scene + 1, run + 1);
            bad.extend(check(&name, &screens, &words));
        }
    }
    assert!(bad.is_empty(), "{} cut:\n{}", bad.len(), bad.join("\n\n"));
    println!("{screens_seen} lesson screens at 80×24, no word cut");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_word_is_cut_on_any_screen_of_the_lab_matrix_at_80x24() {
    // The compare view of every middlebox: each active lab with the
    // passive one of the same table row.
    let all = scenarios::every_lab();
    let actives: Vec<LabConfig> = all
        .iter()
        .filter(|c| c.mode == Mode::Active)
        .cloned()
        .collect();
    let pairs: Vec<LabConfig> = actives
        .iter()
        .flat_map(|a| {
            [
                a.clone(),
                LabConfig {
                    mode: Mode::Passive,
                    ..a.clone()
                },
            ]
        })
        .collect();
    let runs = run_all(pairs).await;
    let (mut bad, mut screens_seen) = (Vec::new(), 0);
    for pair in runs.chunks(2) {
        let configs: Vec<LabConfig> = pair.iter().map(|(c, _)| c.clone()).collect();
        let mut app =
            App::new("lab · active vs passive", panes(pair, false)).with_rig(Rig::new(configs));
        app.theme = Theme::mono();
        let screens = walk(app);
        screens_seen += screens.len();
        let words = vocabulary(&full_texts(pair));
        bad.extend(summary_rows_whole(pair));
        let c = &pair[0].0;
        let name = format!(
            "{:?} {:?} ext={} ipv6={}",
            c.firewall, c.nat, c.extended, c.ipv6
        );
        bad.extend(check(&name, &screens, &words));
    }
    assert!(bad.is_empty(), "{} cut:\n{}", bad.len(), bad.join("\n\n"));
    println!("{screens_seen} lab screens at 80×24, no word cut");
}

/// The whole texts of every step of `runs` (the narration each step
/// tells, and the summary), for the vocabulary.
fn full_texts(runs: &[(LabConfig, Trace)]) -> Vec<String> {
    let mut out = Vec::new();
    for (c, t) in runs {
        let mut p = Pane::fixed(mode_title(c), t.clone())
            .with_origin(Origin::Lab)
            .with_middlebox(c);
        for i in 0..=t.len() {
            p.player.seek(i);
            let told = ftpviz::tui::app::told::told(&p, true);
            out.push(told.headline);
            out.extend(told.body);
            out.extend(told.wire);
        }
        out.extend(ftpviz::tui::app::told::summary(&p).body);
    }
    out
}

/// The summaries at 80×24, side by side: every connection's line (who
/// dialled it, how it ended) whole in its pane, without `m`.
fn summary_rows_whole(pair: &[(LabConfig, Trace)]) -> Vec<String> {
    let configs: Vec<LabConfig> = pair.iter().map(|(c, _)| c.clone()).collect();
    let mut app =
        App::new("lab · active vs passive", panes(pair, false)).with_rig(Rig::new(configs));
    app.theme = Theme::mono();
    press(&mut app, KeyCode::End);
    let screen = lines(&render(&app, 80, 24));
    let mut bad = Vec::new();
    for (i, p) in app.panes.iter().enumerate() {
        let column: String = screen
            .iter()
            .map(|row| row.split('┃').nth(i).unwrap_or(""))
            .collect::<Vec<_>>()
            .join(" ");
        let squeeze = |s: &str| s.split_whitespace().collect::<String>();
        let s = ftpviz::narration::summary::summary_of(&p.account());
        for d in &s.dials {
            let line = d.headline(s.sessions);
            if !squeeze(&column).contains(&squeeze(&line)) {
                bad.push(format!("summary row cut: {line}\n{}", screen.join("\n")));
            }
        }
    }
    bad
}
