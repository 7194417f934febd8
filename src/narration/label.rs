//! A label that fits its arrow without lying: shortened with `…` in its
//! words, never inside a number, an address or a port.
//!
//! `EPRT |1|127.0.0.2|5398▶` looks like a port 5398 when the client said
//! 53985: cutting a label at the edge of its room changes what it says. So
//! a label is cut only at places that cannot change a number:
//!
//! - a word with a digit in it (`53985`, `127,0,0,2,195,80`, `data#1`,
//!   `(|||52779|)`) is shown whole or not at all;
//! - the first word (the reply code, the command's verb) is always shown;
//! - a label may name one word that is its point — the address of `PORT`,
//!   `EPRT`, `227` and `229` — and that word is kept too: the words
//!   *before* it are shortened, in the middle, as in
//!   `227 Entering Pa…(127,0,0,3,195,81).` (the real reply text, as
//!   Wireshark shows it, with the middle taken out).
//!
//! [`Label::fit`] returns `None` when even that does not fit; the diagram
//! then gives the label more room. The words of a failed dial's label and
//! a reply's ([`fail_label`], [`reply_label`]) are here too: the screen's
//! diagram and the handout's say the same.

use super::clean;
use crate::trace::{Blocker, FailReason};

/// The text of a label and what of it must survive shortening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    text: String,
    /// The char range of the word that is the label's point, if any.
    keep: Option<(usize, usize)>,
}

/// The ellipsis that marks a cut.
const CUT: char = '…';

/// The char ranges of the words of `chars` (runs without spaces).
fn words(chars: &[char]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in chars.iter().enumerate() {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, chars.len()));
    }
    out
}

fn has_digit(chars: &[char], (a, b): (usize, usize)) -> bool {
    chars[a..b].iter().any(char::is_ascii_digit)
}

impl Label {
    /// A label to be shortened at its end (after its first word).
    pub fn plain(text: impl Into<String>) -> Label {
        Label {
            text: text.into(),
            keep: None,
        }
    }

    /// A label whose last word with a digit in it (an address: the
    /// argument of `PORT`, the `(…)` of a `227`) is its point and is kept.
    pub fn keeping_address(text: impl Into<String>) -> Label {
        let text = text.into();
        let chars: Vec<char> = text.chars().collect();
        let keep = words(&chars)
            .into_iter()
            .skip(1)
            .rfind(|w| has_digit(&chars, *w));
        Label { text, keep }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The word that is the label's point (the address of a `PORT`, the
    /// `(…)` of a `227`), alone: what a row too narrow for the whole label
    /// may show of it.
    pub fn point(&self) -> Option<Label> {
        let (a, b) = self.keep?;
        let word: String = self.text.chars().skip(a).take(b - a).collect();
        Some(Label::plain(word))
    }

    /// The label in at most `width` characters, cut only where no number
    /// is cut; `None` when that cannot be done.
    pub fn fit(&self, width: usize) -> Option<String> {
        let chars: Vec<char> = self.text.chars().collect();
        if chars.len() <= width {
            return Some(self.text.clone());
        }
        let words = words(&chars);
        let first_end = words.first().map(|w| w.1).unwrap_or(0);
        // A cut at `c` keeps chars[..c]: not inside a word with a digit.
        let can_cut = |c: usize| {
            c >= first_end
                && !words
                    .iter()
                    .any(|&(a, b)| a < c && c < b && has_digit(&chars, (a, b)))
        };
        let prefix = |c: usize| -> String {
            let s: String = chars[..c].iter().collect();
            s.trim_end().to_string()
        };
        let Some((ka, kb)) = self.keep else {
            // Cut at the end: the longest prefix that leaves room for `…`.
            return (first_end..chars.len())
                .rev()
                .filter(|&c| can_cut(c))
                .map(|c| format!("{}{CUT}", prefix(c)))
                .find(|s| s.chars().count() <= width);
        };
        // Keep the point (and what follows it, if there is room); take the
        // middle out of the words before it.
        let tail_all: String = chars[ka..].iter().collect();
        let tail_point: String = chars[ka..kb].iter().collect();
        let tails = if kb < chars.len() {
            vec![tail_all, format!("{tail_point}{CUT}")]
        } else {
            vec![tail_all]
        };
        for tail in tails {
            let candidate = (first_end..=ka)
                .rev()
                .filter(|&c| can_cut(c))
                .find_map(|c| {
                    let s = if c == ka {
                        let head: String = chars[..ka].iter().collect();
                        format!("{head}{tail}")
                    } else {
                        format!("{}{CUT}{tail}", prefix(c))
                    };
                    (s.chars().count() <= width).then_some(s)
                });
            if candidate.is_some() {
                return candidate;
            }
        }
        None
    }

    /// The label cut to `width` whatever it cuts: the last resort when even
    /// [`Label::fit`] cannot (an address longer than the whole row).
    pub fn cut(&self, width: usize) -> String {
        let n = self.text.chars().count();
        if n <= width {
            return self.text.clone();
        }
        let mut s: String = self.text.chars().take(width.saturating_sub(1)).collect();
        if width > 0 {
            s.push(CUT);
        }
        s
    }
}

/// The failure's row: who gave up, and why.
pub fn fail_label(conn: &str, reason: FailReason, by: Option<Blocker>) -> String {
    // A SYN "blocked" by a NAT went to a private address: no route.
    let nowhere = by == Some(Blocker::Nat);
    let by = match by {
        Some(Blocker::ClientFirewall) => " (client fw)",
        Some(Blocker::ServerFirewall) => " (server fw)",
        Some(Blocker::Nat) => " (NAT)",
        None => "",
    };
    match reason {
        FailReason::Blocked if nowhere => format!("no route{by} · {conn} gave up"),
        FailReason::Blocked => format!("blocked{by} · {conn} gave up"),
        FailReason::Timeout => format!("no answer{by} · {conn} gave up"),
        FailReason::Refused => format!("refused (RST){by} · {conn}"),
        FailReason::Reset => format!("reset (RST){by} · {conn}"),
    }
}

/// A reply as a label: its first line, as a capture tool shows it. For 227
/// and 229 the address is the point: if the line must be shortened, the
/// words before the address go first.
pub fn reply_label(code: u16, text: &str) -> Label {
    let first = clean(text.lines().next().unwrap_or_default());
    if matches!(code, 227 | 229) {
        Label::keeping_address(first)
    } else {
        Label::plain(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_point_of_a_label_is_its_address() {
        let l = Label::keeping_address("227 Entering Passive Mode (127,0,0,3,195,81).");
        assert_eq!(
            l.point().map(|p| p.text().to_string()).as_deref(),
            Some("(127,0,0,3,195,81).")
        );
        let l = Label::keeping_address("PORT 127,0,0,2,195,80");
        assert_eq!(
            l.point().map(|p| p.text().to_string()).as_deref(),
            Some("127,0,0,2,195,80")
        );
        assert_eq!(Label::plain("230 Login successful.").point(), None);
    }

    #[test]
    fn a_label_that_fits_is_left_alone() {
        let l = Label::keeping_address("EPRT |1|127.0.0.2|53985|");
        assert_eq!(l.fit(24).as_deref(), Some("EPRT |1|127.0.0.2|53985|"));
    }

    #[test]
    fn an_address_is_never_cut_and_the_verb_is_kept() {
        let l = Label::keeping_address("EPRT |1|127.0.0.2|53985|");
        // No room for the whole address: no label rather than a wrong port.
        assert_eq!(l.fit(23), None);
        assert!(l.cut(23).ends_with('…'));
    }

    #[test]
    fn a_227_keeps_its_code_and_address_and_loses_words_in_the_middle() {
        let l = Label::keeping_address("227 Entering Passive Mode (127,0,0,3,195,81).");
        assert_eq!(
            l.fit(35).as_deref(),
            Some("227 Entering Pa…(127,0,0,3,195,81).")
        );
        assert_eq!(l.fit(25).as_deref(), Some("227 E…(127,0,0,3,195,81)."));
        assert_eq!(l.fit(23).as_deref(), Some("227…(127,0,0,3,195,81)."));
        assert_eq!(l.fit(22), None);
        let l = Label::keeping_address("229 Entering Extended Passive Mode (|||52779|)");
        assert_eq!(l.fit(26).as_deref(), Some("229 Entering E…(|||52779|)"));
    }

    #[test]
    fn words_after_the_point_go_before_the_point_does() {
        let l = Label::keeping_address("227 Entering Passive Mode (10,0,0,3,130,225) now");
        assert_eq!(l.fit(26).as_deref(), Some("227…(10,0,0,3,130,225) now"));
        assert_eq!(l.fit(24).as_deref(), Some("227…(10,0,0,3,130,225)…"));
    }

    #[test]
    fn prose_is_cut_with_an_ellipsis_and_numbers_go_whole() {
        let l = Label::plain("200 PORT command successful. I will dial 127.0.0.2:59611 after");
        let s = l.fit(24).expect("fits");
        assert_eq!(s, "200 PORT command succes…");
        let s = l.fit(52).expect("fits");
        assert_eq!(s, "200 PORT command successful. I will dial…");
        assert_eq!(l.fit(4).as_deref(), Some("200…"));
        assert_eq!(l.fit(3), None);
        let syn = Label::plain("SYN data#12 EPSV");
        assert_eq!(syn.fit(13).as_deref(), Some("SYN data#12…"));
        assert_eq!(syn.fit(10).as_deref(), Some("SYN…"));
    }

    #[test]
    fn no_cut_ever_leaves_part_of_a_number() {
        let texts = [
            "PORT 127,0,0,2,195,80",
            "EPRT |2|::1|53985|",
            "227 Entering Passive Mode (127,0,0,3,195,81).",
            "200 PORT command successful. I will dial 127.0.0.2:59611 after the transfer command.",
            "150 Opening BINARY mode data connection for hello.txt (80 bytes).",
            "SYN data#1 PORT",
        ];
        for text in texts {
            for l in [Label::plain(text), Label::keeping_address(text)] {
                let numbers: Vec<&str> = text
                    .split_whitespace()
                    .filter(|w| w.chars().any(|c| c.is_ascii_digit()))
                    .collect();
                for width in 0..text.chars().count() + 2 {
                    let Some(s) = l.fit(width) else { continue };
                    assert!(s.chars().count() <= width, "{s:?} in {width}");
                    for piece in s.split(|c: char| c.is_whitespace() || c == '…') {
                        if piece.chars().any(|c| c.is_ascii_digit()) {
                            assert!(
                                numbers.contains(&piece),
                                "{piece:?} of {s:?} is not a whole word of {text:?}"
                            );
                        }
                    }
                }
            }
        }
    }
}
