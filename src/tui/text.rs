//! Text that must fit: the screen counts cells, not bytes or chars, and a
//! teaching screen must never lose a number to a cut. These helpers wrap
//! words whole, measure what the terminal will draw, and shorten prose (a
//! path) in the middle, where it hurts least.

use ratatui::text::Span;

/// The display width of `s` (as the terminal counts cells).
pub fn width(s: &str) -> usize {
    Span::raw(s).width()
}

/// Greedy word wrap to `width` columns. Leading spaces indent every row;
/// a word longer than a row is split.
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
    for word in text.split_whitespace() {
        let sep = if row.trim().is_empty() { "" } else { " " };
        if self::width(&row) + sep.len() + self::width(word) <= width {
            row.push_str(sep);
            row.push_str(word);
            continue;
        }
        if !row.trim().is_empty() {
            rows.push(std::mem::replace(&mut row, indent.clone()));
        }
        // The word alone, split where it is longer than a row.
        for c in word.chars() {
            if self::width(&row) + self::width(c.encode_utf8(&mut [0; 4])) > width {
                rows.push(std::mem::replace(&mut row, indent.clone()));
            }
            row.push(c);
        }
    }
    if !row.trim().is_empty() || rows.is_empty() {
        rows.push(row);
    }
    rows
}

/// The first `room` columns of `s`.
pub fn clip(s: &str, room: usize) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if width(&out) + width(c.encode_utf8(&mut [0; 4])) > room {
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
        assert_eq!(wrap("", 4), [""]);
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
