//! Wildcards: how `mget *.txt` becomes one `NLST`.
//!
//! FTP has no wildcard of its own (RFC 3659 §2.2.2 leaves globbing to the
//! server), yet every classic client relies on one: the stock `ftp`
//! client's `mget *.txt` sends `NLST *.txt` and fetches each name that
//! comes back, and people type `ls *.txt`. So the server does what a Unix
//! shell would do with the last name of the path: `*` any run of bytes,
//! `?` any one byte, `[abc]`, `[a-z]` and `[!abc]` one byte from (or not
//! from) a set — and, as in a shell, a wildcard never matches the dot that
//! starts a hidden name. Only the last name is a pattern (`docs/*.txt`,
//! not `*/a.txt`); a name that really exists is never taken for a
//! pattern.

/// Whether `name` has a wildcard in it.
pub fn is_pattern(name: &[u8]) -> bool {
    name.iter().any(|b| matches!(b, b'*' | b'?' | b'['))
}

/// Whether `name` matches `pattern`.
pub fn matches(pattern: &[u8], name: &[u8]) -> bool {
    if name.starts_with(b".") && !pattern.starts_with(b".") {
        return false;
    }
    match_from(pattern, name)
}

fn match_from(pattern: &[u8], name: &[u8]) -> bool {
    // Iterative, with one point to come back to after a `*`: linear in
    // practice, never exponential however many stars a client sends.
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        let step = match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, n));
                p += 1;
                continue;
            }
            Some(b'?') => Some(1),
            Some(b'[') => set_at(pattern, p, name.get(n).copied()),
            Some(&c) => (name.get(n) == Some(&c)).then_some(1),
            None => None,
        };
        match (step, pattern.get(p)) {
            (Some(_), Some(b'[')) => {
                p = set_end(pattern, p);
                n += 1;
            }
            (Some(_), _) => {
                p += 1;
                n += 1;
            }
            (None, _) => match star {
                // Let the last `*` take one byte more, and try again.
                Some((sp, sn)) => {
                    star = Some((sp, sn + 1));
                    p = sp + 1;
                    n = sn + 1;
                }
                None => return false,
            },
        }
    }
    pattern
        .get(p..)
        .unwrap_or_default()
        .iter()
        .all(|&b| b == b'*')
}

/// Where the set that opens at `p` ends (just past its `]`); a `[` with
/// no `]` is a plain `[` (one byte).
fn set_end(pattern: &[u8], p: usize) -> usize {
    let body = p + 1;
    // A `]` right after `[` or `[!` belongs to the set.
    let first = body + usize::from(pattern.get(body) == Some(&b'!'));
    pattern
        .get(first + 1..)
        .and_then(|rest| rest.iter().position(|&b| b == b']'))
        .map_or(p + 1, |i| first + 1 + i + 1)
}

/// Whether byte `b` is in the set that opens at `p`: `Some(1)` if it is.
fn set_at(pattern: &[u8], p: usize, b: Option<u8>) -> Option<usize> {
    let b = b?;
    let end = set_end(pattern, p);
    if end == p + 1 {
        return (b == b'[').then_some(1);
    }
    let negated = pattern.get(p + 1) == Some(&b'!');
    let body = pattern.get(p + 1 + usize::from(negated)..end - 1)?;
    let mut hit = false;
    let mut i = 0;
    while let Some(&lo) = body.get(i) {
        match (body.get(i + 1), body.get(i + 2)) {
            (Some(b'-'), Some(&hi)) => {
                hit |= (lo..=hi).contains(&b);
                i += 3;
            }
            _ => {
                hit |= lo == b;
                i += 1;
            }
        }
    }
    (hit != negated).then_some(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_wildcards() {
        let yes: &[(&str, &str)] = &[
            ("*.txt", "notes.txt"),
            ("*", "a"),
            ("h?llo.txt", "hello.txt"),
            ("*o*", "hello"),
            ("[hn]*", "notes.txt"),
            ("[a-h]ello.txt", "hello.txt"),
            ("[!x]*", "hello"),
            ("a[]]b", "a]b"),
            ("a[b", "a[b"),
            (".*", ".hidden"),
            ("**x", "x"),
        ];
        for (p, n) in yes {
            assert!(matches(p.as_bytes(), n.as_bytes()), "{p} {n}");
        }
        let no: &[(&str, &str)] = &[
            ("*.txt", "random.bin"),
            ("*", ".hidden"),
            ("?", ""),
            ("h?llo", "hllo"),
            ("[!h]*", "hello"),
            ("[a-c]", "d"),
            ("*.txt", "a.txt.bak"),
        ];
        for (p, n) in no {
            assert!(!matches(p.as_bytes(), n.as_bytes()), "{p} {n}");
        }
        assert!(is_pattern(b"*.txt") && is_pattern(b"a?") && !is_pattern(b"a.txt"));
    }

    #[test]
    fn many_stars_stay_cheap() {
        let pattern = "*a".repeat(50) + "b";
        let name = "a".repeat(4000);
        assert!(!matches(pattern.as_bytes(), name.as_bytes()));
    }
}
