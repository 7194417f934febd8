//! Reading the narration as a checker would: its sentences, its citations,
//! and the RFC texts in `../shared/rfc` they point to (found with
//! `common::rfc_dir`).
//!
//! Used by `tests/narration_*.rs` and `tests/explain_*.rs`.

#![allow(dead_code)]

use ftpviz::narration::cite::{Cite, TABLE};
use ftpviz::narration::{columns, Narration, HEADLINE_COLUMNS};
use std::collections::HashMap;
use std::path::Path;

/// White space runs made one space, trimmed.
pub fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The sentences of `text`: split after `.`, `?` or `!` followed by a
/// space (so `§3.2` and `127.0.0.1` stay whole).
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        current.push(c);
        if matches!(c, '.' | '?' | '!') && chars.peek().is_none_or(|n| n.is_whitespace()) {
            let s = squash(&current);
            if !s.is_empty() {
                out.push(s);
            }
            current.clear();
        }
    }
    let s = squash(&current);
    if !s.is_empty() {
        out.push(s);
    }
    out
}

/// Every "RFC N" or "RFC N §S" written in `text`.
pub fn citations(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("RFC ") {
        let rest = &text[i + 4..];
        let num: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if num.is_empty() {
            continue;
        }
        let after = &rest[num.len()..];
        let section: String = after
            .strip_prefix(" §")
            .map(|s| {
                s.chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.')
                    .collect::<String>()
                    .trim_end_matches('.')
                    .to_string()
            })
            .unwrap_or_default();
        out.push(if section.is_empty() {
            format!("RFC {num}")
        } else {
            format!("RFC {num} §{section}")
        });
    }
    out
}

/// Every `"quote" (RFC N §S)` in `text`: words presented as the RFC's own.
pub fn quotes(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let parts: Vec<&str> = text.split('"').collect();
    // Odd parts are inside quotes; the part after one must open "(RFC".
    for i in (1..parts.len()).step_by(2) {
        if let Some(after) = parts.get(i + 1) {
            if let Some(cite) = after.strip_prefix(" (RFC ") {
                if let Some(c) = citations(&format!("RFC {cite}")).first() {
                    out.push((parts[i].to_string(), c.clone()));
                }
            }
        }
    }
    out
}

/// The citations the table allows, as the narration writes them.
pub fn allowed_citations() -> Vec<String> {
    TABLE.iter().map(|(_, c)| c.to_string()).collect()
}

/// What is wrong with one narration, in words (empty: nothing).
pub fn problems(n: &Narration) -> Vec<String> {
    let mut out = Vec::new();
    let h = &n.headline;
    if h.is_empty() || n.body.trim().is_empty() {
        out.push("an empty headline or body".to_string());
    }
    if columns(h) > HEADLINE_COLUMNS {
        out.push(format!(
            "headline wider than {HEADLINE_COLUMNS} columns: {h:?} ({})",
            columns(h)
        ));
    }
    if h.contains('\n') || sentences(h).len() > 1 {
        out.push(format!("headline is not one sentence: {h:?}"));
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for s in sentences(h).into_iter().chain(sentences(&n.body)) {
        *seen.entry(s.to_lowercase()).or_default() += 1;
    }
    for (s, count) in seen {
        if count > 1 {
            out.push(format!("said {count} times: {s:?}"));
        }
    }
    let core = h
        .trim_start_matches("✗ ")
        .trim_end_matches(['.', '?'])
        .to_lowercase();
    if core.len() > 12 && n.body.to_lowercase().contains(&core) {
        out.push(format!("the body repeats the headline {h:?}"));
    }
    let allowed = allowed_citations();
    for c in citations(&format!("{h} {}", n.body)) {
        if !allowed.contains(&c) {
            out.push(format!("{c} is cited but not in the citation table"));
        }
    }
    out
}

/// One RFC's text, read from `dir` (`None` when that RFC is not there).
pub fn rfc_text(dir: &Path, rfc: u16) -> Option<String> {
    std::fs::read_to_string(dir.join(format!("rfc{rfc}.txt"))).ok()
}

/// A section number at the start of `line` ("4.1.2" of "4.1.2.  TRANSFER"),
/// with the rest of the line, when the line looks like a heading.
fn heading_of(line: &str) -> Option<(String, String)> {
    let t = line.trim();
    let num: String = t
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let rest = t[num.len()..].trim();
    let num = num.trim_end_matches('.').to_string();
    let first = rest.chars().next()?;
    (!num.is_empty() && num.split('.').all(|p| !p.is_empty()) && first.is_ascii_uppercase())
        .then(|| (num, squash(rest)))
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// The text of `cite`'s section in `text` (the RFC it names), white space
/// squashed: from its heading to the next heading that is not inside it.
/// `Err` says what is wrong (no such heading, or another title).
pub fn section(text: &str, cite: &Cite) -> Result<String, String> {
    // Page headers and footers stand at column 0 without a section number.
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.trim_end_matches('\u{c}'))
        .filter(|l| indent(l) > 0 || l.trim().is_empty() || heading_of(l).is_some())
        .collect();
    if cite.section.is_empty() {
        let head = squash(&text.lines().take(40).collect::<Vec<_>>().join(" "));
        return if head.contains(cite.title) {
            Ok(squash(text))
        } else {
            Err(format!("RFC {} is not titled {:?}", cite.rfc, cite.title))
        };
    }
    let mut titles = Vec::new();
    let start = lines.iter().position(|l| match heading_of(l) {
        Some((num, title)) if num == cite.section => {
            titles.push(title.clone());
            title == squash(cite.title) && !l.contains("....")
        }
        _ => false,
    });
    let Some(start) = start else {
        return Err(if titles.is_empty() {
            format!("RFC {} has no section {}", cite.rfc, cite.section)
        } else {
            format!(
                "RFC {} §{} is titled {:?}, not {:?}",
                cite.rfc, cite.section, titles, cite.title
            )
        });
    };
    let depth = indent(lines[start]);
    let inside = |num: &str| num == cite.section || num.starts_with(&format!("{}.", cite.section));
    let end = lines[start + 1..]
        .iter()
        .position(|l| indent(l) < depth + 3 && heading_of(l).is_some_and(|(num, _)| !inside(&num)))
        .map_or(lines.len(), |i| start + 1 + i);
    Ok(squash(&lines[start..end].join("\n")))
}
