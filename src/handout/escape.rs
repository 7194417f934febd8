//! Escaping: any text on its way into the page, made safe for HTML.
//!
//! Everything in a trace may come from the network, so every string the
//! page or a diagram row shows goes through [`esc`] first. Both `page` and
//! `svg` use it; it uses neither.

/// Text made safe for HTML, in an element or an attribute: `&`, `<`, `>`
/// and quotes as entities; characters HTML does not allow in a document
/// (control characters, NUL among them, and noncharacters) as `·`, as the
/// screen shows them.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() || is_noncharacter(c) => out.push('·'),
            c => out.push(c),
        }
    }
    out
}

fn is_noncharacter(c: char) -> bool {
    let u = c as u32;
    (0xFDD0..=0xFDEF).contains(&u) || (u & 0xFFFE) == 0xFFFE
}
