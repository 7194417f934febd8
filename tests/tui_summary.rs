//! The narration's pure functions over traces that the screens build on:
//! the teaching moments (where playing pauses) and the end-of-lesson
//! summary (who dialled whom, and the rule the run shows), checked on the
//! hand-made lessons.

#[path = "support/fixture.rs"]
mod fixture;
use ftpviz::account::Account;
use ftpviz::narration::moment::{teaching_moment, Moment};
use ftpviz::narration::summary::{kind, summarise, SessionKind};
use ftpviz::trace::{Event, Kind, Side, Trace};

fn moments(t: &Trace) -> Vec<Moment> {
    t.events.iter().filter_map(teaching_moment).collect()
}

#[test]
fn the_active_lesson_stops_at_each_port_and_each_dial() {
    let t = fixture::active();
    use Moment::*;
    // The control dial, then PORT and the server's dial, three times.
    let want = [Dial, Announce, Dial, Announce, Dial, Announce, Dial];
    assert_eq!(moments(&t), want);
}

#[test]
fn a_blocked_dial_is_a_moment_of_its_own() {
    let t = fixture::active_blocked();
    assert!(moments(&t).contains(&Moment::Blocked));
    let quiet = Event::new(0.0, 1, 0, Side::Server, Kind::Close);
    assert_eq!(teaching_moment(&quiet), None);
}

#[test]
fn the_active_lesson_in_one_screen() {
    let s = summarise(&fixture::active().events);
    assert_eq!(s.dials.len(), 3);
    let first = &s.dials[0];
    assert_eq!(first.dialler, Side::Server);
    assert_eq!(first.transfer.as_deref(), Some("LIST"));
    assert_eq!(first.bytes, 187);
    assert_eq!(
        first.headline(1),
        "#1 LIST · server dialled (PORT) · 187 B ✓"
    );
    assert_eq!(first.path(), "127.0.0.3:2120 → 127.0.0.2:50000");
    assert_eq!(
        s.headline(),
        "3 data connections, all dialled by the server."
    );
    assert_eq!(
        s.rule(),
        "Active mode: the server dialled the client for every transfer, from port 2120 \
         (control port 2121 − 1)."
    );
    assert_eq!(
        kind(&Account::of(&fixture::active().events, true)),
        SessionKind::Active
    );
}

#[test]
fn a_passive_dial_serves_the_command_that_follows_it() {
    let s = summarise(&fixture::passive().events);
    let names: Vec<_> = s.dials.iter().map(|d| d.transfer.clone()).collect();
    assert_eq!(
        names,
        [
            Some("LIST".to_string()),
            Some("RETR hello.txt".to_string()),
            Some("STOR notes.txt".to_string())
        ]
    );
    assert!(s.rule().starts_with("Passive mode: the client dialled"));
    assert_eq!(
        kind(&Account::of(&fixture::passive().events, true)),
        SessionKind::Passive
    );
}

#[test]
fn a_blocked_dial_names_what_broke_which_mode() {
    let s = summarise(&fixture::active_blocked().events);
    let d = &s.dials[0];
    assert_eq!(
        d.headline(1),
        "#1 LIST · server dialled (PORT) · ✗ blocked by the client firewall"
    );
    assert_eq!(
        s.rule(),
        "The client firewall dropped its data dial (the server's, inbound): active mode \
         breaks behind a client firewall."
    );
}

#[test]
fn no_dial_at_all() {
    let s = summarise(&[]);
    assert_eq!(s.rule(), "Only the control connection was used.");
    assert_eq!(kind(&Account::of(&[], true)), SessionKind::None);
    let both = fixture::sessions(2);
    assert_eq!(kind(&Account::of(&both.events, true)), SessionKind::Mixed);
    assert!(summarise(&both.events).rule().starts_with("Both modes"));
}
