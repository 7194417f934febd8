//! Text that must fit: a terminal counts cells, not bytes or chars, and a
//! teaching screen must never lose a number to a cut. These helpers measure
//! what the terminal will draw (`unicode-width`), wrap words whole, and
//! shorten prose (a path) in the middle, where it hurts least.
//!
//! Everything that wraps words — the screens' narration, cards, host
//! labels and notes, `--explain`, a lesson's notes in `--print` — wraps
//! with the one [`wrap`] here. It knows nothing of ratatui: the narration
//! uses it, and the screens use the narration.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The display width of `s` (as the terminal counts cells).
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// The display width of `c`.
fn char_width(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// Greedy word wrap to `width` columns: words whole, in as few rows as
/// they fit. Leading spaces indent every row (unless they would take more
/// than half of it); a word wider than a row is split across rows. Text
/// with no words has no rows.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let indent: String = text.chars().take_while(|c| *c == ' ').collect();
    let indent = if indent.len() * 2 > width {
        String::new()
    } else {
        indent
    };
    let mut rows = Vec::new();
    let mut row = indent.clone();
    let mut used = self::width(&row);
    let bare = |row: &String| row.len() == indent.len();
    for word in text.split_whitespace() {
        let sep = usize::from(!bare(&row));
        if used + sep + self::width(word) <= width {
            if sep == 1 {
                row.push(' ');
            }
            row.push_str(word);
            used += sep + self::width(word);
            continue;
        }
        if !bare(&row) {
            rows.push(std::mem::replace(&mut row, indent.clone()));
            used = self::width(&row);
        }
        // The word alone, split where it is wider than a row.
        for c in word.chars() {
            if used + char_width(c) > width && !bare(&row) {
                rows.push(std::mem::replace(&mut row, indent.clone()));
                used = self::width(&row);
            }
            row.push(c);
            used += char_width(c);
        }
    }
    if !bare(&row) {
        rows.push(row);
    }
    rows
}

/// The first `room` columns of `s`.
pub fn clip(s: &str, room: usize) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if width(&out) + char_width(c) > room {
            break;
        }
        out.push(c);
    }
    out
}

/// The first `room` columns of `s`, ending after a whole word: what goes
/// before a "… more" mark (a word or a number is never left half).
pub fn clip_words(s: &str, room: usize) -> String {
    if width(s) <= room {
        return s.to_string();
    }
    let mut out = String::new();
    for word in s.split(' ') {
        let sep = if out.is_empty() { "" } else { " " };
        if width(&out) + sep.len() + width(word) > room {
            break;
        }
        out.push_str(sep);
        out.push_str(word);
    }
    out
}

/// `s` shortened to `max` columns by cutting its middle: `/home/…/x.pcap`.
pub fn shorten_middle(s: &str, max: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= max {
        return s.to_string();
    }
    if max < 2 {
        return "…".chars().take(max).collect();
    }
    let keep = max - 1;
    let head = keep / 3;
    let tail = keep - head;
    let start: String = chars.iter().take(head).collect();
    let end: String = chars.iter().skip(chars.len() - tail).collect();
    format!("{start}…{end}")
}

/// `s` shortened to `max` columns by dropping whole words from its end:
/// "A client firewall…". A title cut this way loses words, never half of
/// one (or of a number).
pub fn shorten_words(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let kept = clip_words(s, max.saturating_sub(1));
    let kept = kept.trim_end_matches([' ', '·', ':', ',', '—']);
    format!("{kept}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_words_whole_and_indents() {
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(wrap("   a b c d", 7), ["   a b", "   c d"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert!(wrap("", 4).is_empty());
        assert!(wrap("   ", 8).is_empty());
        assert_eq!(
            wrap("drops every connection", 10),
            ["drops", "every", "connection"]
        );
    }

    #[test]
    fn wrapping_keeps_every_word_and_every_row_narrow() {
        let text = "a bb ccc dddd eeeee ffffff ggggggg × 256 + 80 = 50000 ✗ done";
        for width in [1, 5, 10, 38] {
            let rows = wrap(text, width);
            assert!(
                rows.iter().all(|l| self::width(l) <= width),
                "{width}: {rows:?}"
            );
            let letters: String = text.split_whitespace().collect();
            assert_eq!(rows.concat().replace(' ', ""), letters, "{width}");
        }
    }

    #[test]
    fn a_long_word_is_split_not_overflowing() {
        let rows = wrap("x 0123456789abcdef", 8);
        assert_eq!(rows, ["x", "01234567", "89abcdef"]);
        // Cells, not chars: a wide character takes two.
        assert_eq!(wrap("日本語", 4), ["日本", "語"]);
    }

    #[test]
    fn the_middle_goes_first() {
        assert_eq!(shorten_middle("abcdefghij", 10), "abcdefghij");
        let s = shorten_middle("/very/long/path/to/capture.pcap", 16);
        assert_eq!(s.chars().count(), 16);
        assert!(s.ends_with("pture.pcap"), "{s}");
        assert!(s.contains('…'));
    }

    #[test]
    fn words_go_whole_from_the_end() {
        assert_eq!(shorten_words("one two three", 13), "one two three");
        assert_eq!(shorten_words("one two three", 12), "one two…");
        assert_eq!(
            shorten_words("lesson · A client firewall: x y", 28),
            "lesson · A client firewall…"
        );
        assert!(width(&shorten_words("abcdefgh", 4)) <= 4);
    }

    #[test]
    fn clip_words_keeps_words_whole() {
        assert_eq!(clip_words("a firewall in front", 13), "a firewall in");
        assert_eq!(clip_words("a firewall in front", 12), "a firewall");
        assert_eq!(clip_words("short", 12), "short");
    }

    #[test]
    fn clip_counts_cells() {
        assert_eq!(clip("a━b", 2), "a━");
        assert_eq!(width("━━"), 2);
    }
}
