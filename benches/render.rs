//! How long one frame takes to draw, for a trace of 10 000 events.
//!
//! The goal is under 2 ms a frame (30 fps leaves 33 ms, and the terminal's
//! own diffing and writing come on top). The diagram only builds the rows
//! on screen and the hosts panel and narration only look back over the
//! current session, so the cost should not grow with the trace.
//!
//! Run: `cargo bench --bench render`. Prints the median, p99 and worst frame for
//! a few cursor positions and screen sizes, compare mode (two panes).

use ftpviz::tui::app::{App, Pane};
#[path = "../tests/support/fixture.rs"]
mod fixture;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;
use std::hint::black_box;
use std::time::{Duration, Instant};

const FRAMES: usize = 300;

fn app(cursor: usize) -> App {
    let trace = fixture::long(10_000);
    let mut panes = vec![
        Pane::fixed("ACTIVE", trace.clone()),
        Pane::fixed("PASSIVE", trace),
    ];
    for p in &mut panes {
        for _ in 0..cursor {
            p.player.step_forward();
        }
        // Mid-flight while playing: the animated path.
        p.player.toggle_play();
        p.player.tick(Duration::from_millis(200));
    }
    App::new("bench", panes)
}

/// Median, 99th percentile and worst frame. The worst is often one
/// scheduler preemption on a busy machine; the median is the frame's cost.
fn measure(app: &App, w: u16, h: u16) -> (Duration, Duration, Duration) {
    let area = Rect::new(0, 0, w, h);
    let mut buf = Buffer::empty(area);
    let mut times = Vec::with_capacity(FRAMES);
    for _ in 0..FRAMES {
        buf.reset();
        let start = Instant::now();
        black_box(app).render(area, &mut buf);
        times.push(start.elapsed());
        black_box(&buf);
    }
    times.sort();
    (
        times[FRAMES / 2],
        times[FRAMES * 99 / 100],
        times[FRAMES - 1],
    )
}

fn main() {
    let n = fixture::long(10_000).len();
    println!("render: one frame, compare mode, trace of {n} events, {FRAMES} frames each");
    for cursor in [10, 5_000, n] {
        let app = app(cursor);
        for (w, h) in [(80, 24), (120, 40), (200, 60)] {
            let (median, p99, worst) = measure(&app, w, h);
            let ms = |d: Duration| d.as_secs_f64() * 1e3;
            println!(
                "  cursor {cursor:>5}  {w:>3}×{h:<3}  median {:>6.3} ms  p99 {:>6.3} ms  worst {:>6.3} ms",
                ms(median),
                ms(p99),
                ms(worst)
            );
        }
    }
}
