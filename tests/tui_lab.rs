//! The TUI's app driven by the real lab (real sockets on loopback): at the
//! live edge, each step forward makes the lab client take exactly one
//! action, and its events arrive in the pane.

use crossterm::event::{KeyCode, KeyEvent};
use ftpviz::lab::{Lab, LabConfig, Mode};
use ftpviz::trace::{Event, Kind};
use ftpviz::tui::app::source::{LiveLab, Source};
use ftpviz::tui::app::{App, Pane};
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

/// The real lab, counting how often the app lets it act.
struct Counted {
    lab: LiveLab,
    steps: Rc<Cell<usize>>,
}

impl Source for Counted {
    fn step(&mut self) {
        self.steps.set(self.steps.get() + 1);
        self.lab.step();
    }
}

/// Feeds the app the lab's events until a reply arrives (every action of
/// the lesson's start ends with one). Returns the commands seen.
async fn until_reply(app: &mut App, events: &mut UnboundedReceiver<Event>) -> Vec<String> {
    let mut commands = Vec::new();
    loop {
        let e = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .expect("the lab answers within 10 s")
            .expect("the lab is still running");
        let done = matches!(e.kind, Kind::Reply { .. });
        if let Kind::Command { verb, .. } = &e.kind {
            commands.push(verb.clone());
        }
        app.on_source_event(0, Some(e));
        if done {
            return commands;
        }
    }
}

#[tokio::test]
async fn each_step_at_the_live_edge_is_one_action_of_the_real_client() {
    let config = LabConfig {
        mode: Mode::Passive,
        control_port: 0,
        ..LabConfig::default()
    };
    let lab = Lab::start(config).await.expect("the lab starts");
    let (lab, mut events) = LiveLab::split(lab);
    let steps = Rc::new(Cell::new(0));
    let source = Counted {
        lab,
        steps: steps.clone(),
    };
    let mut app = App::new("lab", vec![Pane::live("PASSIVE", Box::new(source))]);
    let press = |app: &mut App, code| {
        app.on_key(KeyEvent::from(code));
    };

    // Step 1: the client dials and reads the banner.
    press(&mut app, KeyCode::Right);
    assert_eq!(steps.get(), 1);
    assert!(until_reply(&mut app, &mut events).await.is_empty());
    let first = app.panes[0].player.current().map(|e| e.kind.name());
    assert_eq!(first, Some("connect"), "the awaited event is shown");

    // Then one command per step: never two for one press.
    let mut seen = Vec::new();
    for (k, verb) in ["USER", "PASS", "PWD"].iter().enumerate() {
        // To the last event received (End would let the lab run free).
        app.panes[0].player.end();
        press(&mut app, KeyCode::Right);
        press(&mut app, KeyCode::Right); // while waiting: must not ask again
        assert_eq!(steps.get(), k + 2);
        seen.extend(until_reply(&mut app, &mut events).await);
        assert_eq!(seen, ["USER", "PASS", "PWD"][..=k], "after step {}", k + 2);
        let shown = app.panes[0].player.current().map(|e| e.kind.clone());
        assert!(
            matches!(&shown, Some(Kind::Command { verb: v, .. }) if v == verb),
            "{shown:?}"
        );
    }

    // Going back never makes the client act.
    press(&mut app, KeyCode::Home);
    press(&mut app, KeyCode::Left);
    press(&mut app, KeyCode::Right);
    assert_eq!(steps.get(), 4);
}
