//! The two bars: the title bar (what is shown, and its state) and the key
//! bar (what the keys do), drawn from what they say.
//!
//! Both must work at 80 columns. The title bar keeps the play state and the
//! middlebox whole and shortens the heading instead (a long capture path
//! loses its middle, keeping the file name). The key bar drops the least
//! needed keys first and then says where to find them all (`?`). While a
//! question waits for its key (restart the lab? quit?), the key bar asks it
//! instead.

use super::style::Theme;
use crate::text::{self, shorten_middle};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

/// What the title bar says.
pub struct TitleBar {
    /// What is shown: "lab · compare", a capture's path, a lesson's scene.
    pub heading: String,
    /// The heading is a lesson's scene title: it loses whole words from
    /// its end, after its part past ':' (a capture's path loses its middle).
    pub lesson: bool,
    /// The state, long and short: "⏸ paused · 2 steps/s · live", "⏸ 2/s live".
    pub state: (String, String),
    /// What stands between the peers, long and short (a lab's).
    pub between: Option<(String, String)>,
    pub theme: Theme,
}

/// What the key bar says: the keys, or a question in their place.
pub struct KeyBar {
    /// A question waiting for its key, its longest form first.
    pub question: Option<Vec<String>>,
    /// (key, what, priority); the lowest priority goes first when the bar
    /// is too narrow.
    pub keys: Vec<(&'static str, &'static str, u8)>,
    pub theme: Theme,
}

impl Widget for TitleBar {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let (long, brief) = &self.state;
        let between = &self.between;
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
        let heading = &self.heading;
        // A lesson's heading is a scene's title: it loses whole words from its
        // end, after its part past ':' (a capture's path loses its middle).
        let lesson = self.lesson;
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
            .unwrap_or_else(|| head(heading, brief, None));
        buf.set_line(area.x, area.y, &line, area.width);
    }
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

impl Widget for KeyBar {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let width = area.width as usize;
        if let Some(forms) = self.question {
            let q = forms
                .iter()
                .find(|f| Line::raw(f.as_str()).width() < width)
                .or(forms.last())
                .cloned()
                .unwrap_or_default();
            buf.set_line(area.x, area.y, &Line::styled(q, t.cursor()), area.width);
            return;
        }
        let mut keys = self.keys;
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
}
