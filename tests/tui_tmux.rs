//! End to end, as a person would: the built binary in a real terminal
//! (tmux), driven by keys, read back from the screen.
//!
//! Launch the lab in compare mode, step with → until PORT and PASV and the
//! port arithmetic show, open the help with `?`, play with space, quit with
//! `q`, and check the exit status is 0. Every wait polls the screen with a
//! deadline; nothing waits a fixed time.

mod common;

#[path = "support/tmux.rs"]
mod tmux;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;
use tmux::{start, start_sized, Tmux, DEADLINE, ONE_AT_A_TIME};

/// The step counters of the panes ("12/43" → 12), left to right: in the
/// compare view a step may move one pane only.
fn step(screen: &str) -> Option<Vec<usize>> {
    let line = screen.lines().find(|l| l.contains("ACTIVE"))?;
    let counters: Vec<usize> = line
        .split("dials")
        .skip(1)
        .filter_map(|after| {
            after
                .split_whitespace()
                .next()?
                .split('/')
                .next()?
                .parse()
                .ok()
        })
        .collect();
    (!counters.is_empty()).then_some(counters)
}

/// The last two of the six numbers after `prefix` on screen (the port's
/// bytes of a `PORT 127,…` or a `227 (127,…)`).
fn numbers_after(screen: &str, prefix: &str) -> Option<(u32, u32)> {
    let at = screen.find(prefix)?;
    let arg: String = screen[at + prefix.len() - 4..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .collect();
    let n: Vec<u32> = arg.split(',').filter_map(|x| x.parse().ok()).collect();
    (n.len() == 6).then(|| (n[4], n[5]))
}

/// The narration's arithmetic for a port sent as two bytes.
fn arithmetic(hi: u32, lo: u32) -> String {
    format!("{hi} × 256 + {lo} = {}", hi * 256 + lo)
}

#[test]
fn a_person_steps_through_the_lab_and_quits() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if common::peer("tmux").is_none() {
        return;
    }
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_ftpviz"));
    let t = start(&bin, "lab --mode compare --port 0", "true");
    let s = t.wait("the first screen", |s| s.contains("ACTIVE"));
    assert!(s.contains("PASSIVE"), "{s}");
    assert!(s.contains("Nothing has happened yet."), "{s}");

    // Step until the passive pane's 227 is current: its narration shows
    // the arithmetic of the port it announces.
    let start = Instant::now();
    let mut s = s;
    loop {
        if let Some((hi, lo)) = numbers_after(&s, "(127,") {
            if s.contains(&arithmetic(hi, lo)) {
                break;
            }
        }
        assert!(
            start.elapsed() < DEADLINE,
            "never saw the 227 explained:\n{s}"
        );
        let before = step(&s);
        t.keys(&["Right"]);
        s = t.wait("a step", |s| step(s) != before);
    }
    assert!(s.contains("PASV"), "{s}");
    // The active pane's PORT went by a step or two earlier: step back to it
    // (going back never makes the lab act) until its arithmetic shows.
    let (hi, lo) = numbers_after(&s, "PORT 127,").expect("a PORT on screen");
    let start = Instant::now();
    while !s.contains(&arithmetic(hi, lo)) {
        assert!(start.elapsed() < DEADLINE, "no PORT arithmetic:\n{s}");
        let before = step(&s);
        t.keys(&["Left"]);
        s = t.wait("a step back", |s| step(s) != before);
    }
    // The headline never wraps (it fits one line of a pane).
    assert!(
        s.contains("PORT: the client asks to be dialled."),
        "the PORT narration: {s}"
    );

    t.keys(&["?"]);
    t.wait("the help", |s| s.contains("ftpviz: keys"));
    t.keys(&["l"]);
    t.wait("the legend", |s| s.contains("what the marks mean"));
    t.keys(&["Escape"]);
    t.wait("the legend to close", |s| {
        !s.contains("what the marks mean")
    });

    // Space plays, and playing pauses by itself at the next teaching moment.
    let playing_from = step(&t.screen());
    t.keys(&["Space"]);
    t.wait("a pause at a teaching moment", |s| {
        let title = s.lines().next().unwrap_or_default();
        (title.contains("paused at") || title.contains("⏸ at ")) && step(s) > playing_from
    });

    // f: a client firewall. The run has begun, so f first says what it
    // will do; f again restarts both labs behind it, and they step.
    t.keys(&["f"]);
    t.wait("the question", |s| s.contains("f again: restart"));
    t.keys(&["f"]);
    let s = t.wait("the labs restarted behind a client firewall", |s| {
        let title = s.lines().next().unwrap_or_default();
        title.contains("client f") && step(s) == Some(vec![0, 0])
    });
    assert!(s.contains("simulated"), "labelled as a simulation: {s}");
    t.keys(&["Right"]);
    t.wait("a step of the new labs", |s| step(s) == Some(vec![1, 1]));

    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), "0", "exit status");
    let s = t.screen();
    assert!(!s.contains("ACTIVE"), "the alternate screen is left:\n{s}");
}

/// What one pane shows: its counter (k of n), the text of its narration
/// area and its diagram's current row (the one marked ▸).
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    k: usize,
    n: usize,
    narration: String,
    row: String,
}

/// The columns `x .. x + w` of a screen row.
fn cols(line: &str, x: u16, w: u16) -> String {
    line.chars().skip(x as usize).take(w as usize).collect()
}

/// Both panes of the compare view at 80×24, read off the screen.
fn panes(screen: &str) -> Option<Vec<Seen>> {
    use ftpviz::tui::widgets::layout;
    use ratatui::layout::Rect;
    let rows: Vec<&str> = screen.lines().collect();
    let title = rows.get(1)?;
    let counters: Vec<(usize, usize)> = title
        .split("dials")
        .skip(1)
        .filter_map(|after| {
            let (k, n) = after.split_whitespace().next()?.split_once('/')?;
            Some((k.parse().ok()?, n.parse().ok()?))
        })
        .collect();
    let areas = layout::screen(Rect::new(0, 0, 80, 24), 2);
    if counters.len() != 2 {
        return None;
    }
    let seen = areas
        .panes
        .iter()
        .zip(counters)
        .map(|(r, (k, n))| {
            let p = layout::pane(*r);
            let text = |a: Rect| -> Vec<String> {
                (a.y..a.bottom())
                    .map(|y| cols(rows.get(y as usize).unwrap_or(&""), a.x, a.width))
                    .collect()
            };
            let narration = text(p.narration).join("\n");
            let row = text(p.sequence)
                .into_iter()
                .find(|l| l.starts_with('▸'))
                .unwrap_or_default();
            Seen {
                k,
                n,
                narration,
                row,
            }
        })
        .collect();
    Some(seen)
}

/// Waits until the screen differs from `before` and holds still (two
/// reads alike), and returns it.
fn next_screen(t: &Tmux, before: &str) -> String {
    let now = t.wait("the screen to change", |s| s != before);
    settled(t, now)
}

/// The screen once it holds still (the same twice in a row).
fn settled(t: &Tmux, mut last: String) -> String {
    loop {
        let now = t.wait("the screen to settle", |_| true);
        if now == last {
            return now;
        }
        last = now;
    }
}

const OVER: &str = "The lesson is over";

/// What a pane says while the lab has not answered the step yet.
const WAITING: &str = "waiting for the lab";

/// Far above a blocked dial's shortened timer (3 s). A pane also waits
/// for the lab while the other pane's step is due: then nothing comes
/// until the next →.
const LAB_ANSWERS: std::time::Duration = std::time::Duration::from_secs(8);

/// The screen once the lab has answered the step (or, when the lab waits
/// for the other pane, as it is after [`LAB_ANSWERS`]), held still.
fn lab_answered(t: &Tmux, s: String) -> String {
    let start = Instant::now();
    let mut s = s;
    while s.contains(WAITING) && start.elapsed() < LAB_ANSWERS {
        std::thread::sleep(std::time::Duration::from_millis(50));
        s = t.wait("a screen", |_| true);
    }
    settled(t, s)
}

/// Steps the compare lesson with → from its start to its summary at 80×24
/// and checks that every event of both panes was the current one, with
/// its narration on screen. Returns each step's view of both panes.
fn step_the_whole_lesson(args: &str) -> Vec<Vec<Seen>> {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_ftpviz"));
    let t = start_sized(&bin, args, "true", (80, 24));
    let mut s = t.wait("the first screen", |s| panes(s).is_some());
    let mut steps: Vec<Vec<Seen>> = Vec::new();
    for _ in 0..400 {
        if s.contains(OVER) {
            break;
        }
        if let Some(p) = panes(&s) {
            steps.push(p);
        }
        t.keys(&["Right"]);
        s = next_screen(&t, &s);
        // The lab is still acting on that step (a blocked dial waits out
        // its timer): let it answer before the next →, as a person
        // watching the screen would — a → meanwhile asks for one more.
        if s.contains(WAITING) {
            s = lab_answered(&t, s);
        }
    }
    assert!(s.contains(OVER), "the lesson ends on its summary:\n{s}");
    let rows: Vec<&str> = s.lines().collect();
    assert!(rows.iter().filter(|l| l.contains(OVER)).count() == 1, "{s}");
    assert!(
        rows.iter().any(|l| l.matches(OVER).count() == 2),
        "both panes: {s}"
    );
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), "0", "exit status");

    // Every event of each pane was the current one, narrated.
    for i in 0..2 {
        let n = steps.last().map(|p| p[i].n).unwrap_or_default();
        assert!(n > 20, "pane {i}: a whole lesson");
        for k in 1..=n {
            let told = steps.iter().map(|p| &p[i]).find(|p| {
                p.k == k && !p.narration.trim().is_empty() && !p.narration.contains("waiting for")
            });
            assert!(told.is_some(), "pane {i}: event {k} of {n} never narrated");
        }
    }
    // A step onto a data dial (SYN) or a failed dial (✗) moved that pane
    // alone.
    for w in steps.windows(2) {
        for i in 0..2 {
            let moved = |j: usize| w[1][j].k != w[0][j].k;
            let dial = w[1][i].row.contains("SYN data#") || w[1][i].row.contains('✗');
            if moved(i) && dial {
                assert!(!moved(1 - i), "pane {i}'s dial did not show alone: {w:#?}");
            }
        }
    }
    steps
}

/// The current rows of pane `i` over the walk.
fn rows_of(steps: &[Vec<Seen>], i: usize) -> Vec<&str> {
    steps.iter().map(|p| p[i].row.as_str()).collect()
}

#[test]
fn the_whole_compare_lesson_is_narrated_step_by_step_at_80x24() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if common::peer("tmux").is_none() {
        return;
    }
    let steps = step_the_whole_lesson("lab --mode compare --port 0");
    for i in 0..2 {
        let rows = rows_of(&steps, i);
        for label in ["150", "226", " B data#", "FIN data#", "SYN data#"] {
            assert!(
                rows.iter().any(|r| r.contains(label)),
                "pane {i}: no {label} step: {rows:#?}"
            );
        }
    }
}

#[test]
fn under_a_client_firewall_the_blocked_dial_gets_a_step_of_its_own() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if common::peer("tmux").is_none() {
        return;
    }
    let steps = step_the_whole_lesson("lab --mode compare --port 0 --firewall client");
    // The failure's own row (the ✗ itself is drawn on the SYN's row, at
    // the middlebox's line).
    let failed = |r: &str| r.contains("blocked (client fw)");
    let active = rows_of(&steps, 0);
    assert!(
        active.iter().any(|r| failed(r)),
        "the failure of a blocked dial: {active:#?}"
    );
    // Each step onto a failure moved the active pane alone, and its
    // narration showed (not the lab's waiting line).
    let mut seen = 0;
    for w in steps.windows(2) {
        let (before, after) = (&w[0], &w[1]);
        if failed(&after[0].row) && after[0].k != before[0].k {
            seen += 1;
            assert_eq!(after[1].k, before[1].k, "the passive pane waits");
            assert!(!after[0].narration.contains("waiting for"), "{after:?}");
            assert!(
                after[0].narration.contains("Client firewall drops"),
                "{after:?}"
            );
        }
    }
    assert!(seen > 0, "no step landed on a failure");
    let passive = rows_of(&steps, 1);
    for label in ["150", "226", " B data#", "FIN data#"] {
        assert!(passive.iter().any(|r| r.contains(label)), "{label}");
    }
}

#[test]
fn sigterm_gives_the_terminal_back() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if common::peer("tmux").is_none() {
        return;
    }
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_ftpviz"));
    // After ftpviz, the shell prints the tty's modes.
    let t = start(&bin, "lab --mode active --port 0", "stty -a");
    t.wait("the first screen", |s| s.contains("ACTIVE"));
    t.keys(&["Right"]);
    t.wait("a step", |s| step(s) == Some(vec![1]));
    // The pane runs a shell; ftpviz is its child.
    let shell = t.display("#{pane_pid}");
    let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children"))
        .expect("the shell's children");
    let pid = children.split_whitespace().next().expect("ftpviz runs");
    let killed = Command::new("kill")
        .args(["-TERM", pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    assert_eq!(t.wait_exit(), "0", "a clean exit on SIGTERM");
    let s = t.wait_history("stty's output", |s| s.contains("iutf8"));
    assert!(!s.contains("ACTIVE"), "the alternate screen is left:\n{s}");
    // Raw mode is off again: line editing and echo are back.
    assert!(s.contains("icanon") && s.contains("echo"), "{s}");
    assert!(!s.contains("-icanon") && !s.contains(" -echo "), "{s}");
}

/// The default command, `ftpviz` alone, starts even when another program
/// (another ftpviz, a second student) already listens on the lab's
/// 127.0.0.3:2121: it takes a free port and says so on screen. The port is
/// held here for the test (or, if it is already held, by someone else).
#[test]
fn the_default_command_starts_when_its_port_is_taken() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if common::peer("tmux").is_none() {
        return;
    }
    let (_, server_ip) = ftpviz::lab::peer_ips(false);
    let wanted = std::net::SocketAddr::new(server_ip, 2121);
    let holder = match std::net::TcpListener::bind(wanted) {
        Ok(l) => Some(l),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => None,
        Err(e) => panic!("cannot bind {wanted}: {e}"),
    };
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_ftpviz"));
    let t = start(&bin, "", "true");
    let s = t.wait("the lab", |s| s.contains("ACTIVE") && s.contains("PASSIVE"));
    // (Held by someone else, the port may have been freed in between.)
    if holder.is_some() {
        assert!(
            s.contains("2121 was taken") && s.contains("a free one."),
            "{s}"
        );
    }
    // It really runs: a step makes both labs' clients dial.
    t.keys(&["Right"]);
    t.wait("a step", |s| step(s) == Some(vec![1, 1]));
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), "0", "exit status");
    let err = std::fs::read_to_string(t.dir.join("stderr")).unwrap_or_default();
    assert!(err.is_empty(), "{err}");
    drop(holder);
}

/// Issue 16 §6: at the "⏸ at SYN" pause under a client firewall, the
/// control SYN (outbound, let through) is drawn through the wall to the
/// server's port, as it went.
#[test]
fn the_control_syn_through_a_client_firewall_is_drawn_through_the_wall() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if common::peer("tmux").is_none() {
        return;
    }
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_ftpviz"));
    let t = start_sized(&bin, "--firewall client --port 0", "", (80, 24));
    t.wait("the first screen", |s| {
        s.contains("Nothing has happened yet")
    });
    t.keys(&["Space"]);
    let s = t.wait("the pause at the SYN", |s| {
        s.lines().next().is_some_and(|l| l.contains("at SYN"))
    });
    let row = s
        .lines()
        .find(|l| l.contains("SYN ctl"))
        .unwrap_or_default();
    // Each pane's SYN row: the arrow goes on past the wall to the server.
    for pane in row.split('┃').collect::<Vec<_>>().chunks(2) {
        let past = pane.get(1).copied().unwrap_or("");
        assert!(past.contains('━') && past.contains('▶'), "{row}\n{s}");
    }
    // And in the hosts panel: the control line passes the middlebox's box
    // to the server's port (each pane: client box ┃ box ┃ server box).
    let ctl = s
        .lines()
        .take(7)
        .find(|l| l.contains("ctl") && l.contains('●'))
        .unwrap_or_default();
    let parts: Vec<&str> = ctl.split('┃').collect();
    assert_eq!(parts.len(), 6, "two panes' hosts: {ctl}\n{s}");
    for pane in parts.chunks(3) {
        let past = pane.get(2).copied().unwrap_or("");
        assert!(past.contains("━▶"), "{ctl}\n{s}");
    }
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), "0");
}
