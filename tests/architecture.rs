//! The map stays true: ARCHITECTURE.md names every top-level module under
//! `src/`, every module's `//!` names each of its submodules, and no
//! import runs in a circle between the top-level modules (a `use crate::a`
//! in `b` and a `use crate::b` in `a`, directly or round several), nor
//! between the files of `src/` (`support/imports.rs` says how a file's
//! paths are read). The house rules too: the screens' widgets never import
//! the app room, no FTP verb is a string literal outside `ftp`, and no
//! function is over 100 lines.

#[path = "support/imports.rs"]
mod imports;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `src/`.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level modules: `src/NAME.rs` and `src/NAME/`.
fn top_level() -> BTreeSet<String> {
    fs::read_dir(src())
        .expect("src/")
        .flatten()
        .filter_map(|e| {
            let p = e.path();
            let name = p.file_stem()?.to_str()?.to_string();
            (p.is_dir() || p.extension().is_some_and(|x| x == "rs")).then_some(name)
        })
        .filter(|n| n != "lib")
        .collect()
}

#[test]
fn architecture_md_names_every_top_level_module() {
    let map = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md"))
        .expect("ARCHITECTURE.md beside Cargo.toml");
    let missing: Vec<String> = top_level()
        .into_iter()
        .filter(|m| {
            let named = [format!("`{m}`"), format!("`{m}.rs`")];
            !named.iter().any(|n| map.contains(n.as_str()))
        })
        .collect();
    assert!(missing.is_empty(), "not in ARCHITECTURE.md: {missing:?}");
}

/// The names a file declares as submodules (`mod x;`), tests aside.
fn submodules(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim();
            let l = l.strip_prefix("pub ").unwrap_or(l);
            let l = l.strip_prefix("pub(crate) ").unwrap_or(l);
            let name = l.strip_prefix("mod ")?.strip_suffix(';')?;
            (name != "tests").then(|| name.to_string())
        })
        .collect()
}

#[test]
fn every_module_doc_names_its_submodules() {
    let mut all = Vec::new();
    files(&src(), &mut all);
    let mut missing = Vec::new();
    for f in all {
        let text = fs::read_to_string(&f).expect("readable");
        let doc: String = text
            .lines()
            .filter(|l| l.starts_with("//!"))
            .collect::<Vec<_>>()
            .join("\n");
        for m in submodules(&text) {
            let named = doc
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|w| w == m);
            if !named {
                missing.push(format!("{}: {m}", f.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "module docs that leave a submodule out:\n{}",
        missing.join("\n")
    );
}

#[test]
fn no_import_runs_in_a_circle_between_top_level_modules() {
    let tops = top_level();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut all = Vec::new();
    files(&src(), &mut all);
    for f in &all {
        let rel = f.strip_prefix(src()).expect("under src");
        let Some(from) = rel.components().next().and_then(|c| c.as_os_str().to_str()) else {
            continue;
        };
        let from = from.trim_end_matches(".rs").to_string();
        if from == "lib" || from == "main" {
            continue;
        }
        let text = fs::read_to_string(f).expect("readable");
        // Unit tests may reach anywhere; the shipped code may not.
        let shipped = text.split("#[cfg(test)]").next().unwrap_or("");
        for (i, _) in shipped.match_indices("crate::") {
            let name: String = shipped[i + 7..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if tops.contains(&name) && name != from {
                edges.entry(from.clone()).or_default().insert(name);
            }
        }
    }
    // A path from `to` back to `from` closes a circle.
    let reaches = |start: &str, goal: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![start.to_string()];
        while let Some(m) = todo.pop() {
            if m == goal {
                return true;
            }
            if seen.insert(m.clone()) {
                todo.extend(edges.get(&m).into_iter().flatten().cloned());
            }
        }
        false
    };
    let mut circles = Vec::new();
    for (from, tos) in &edges {
        for to in tos {
            if reaches(to, from) {
                circles.push(format!("{from} → {to} → … → {from}"));
            }
        }
    }
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn no_import_runs_in_a_circle_between_files() {
    let graph = imports::Graph::of(&src());
    assert!(
        graph.modules.len() > 100,
        "only {} modules found under src/: the reading of `mod` is broken",
        graph.modules.len()
    );
    let circles = graph.circles(&src());
    let mut said = Vec::new();
    for c in &circles {
        said.push(format!("{} files: {}", c.len(), c.join(", ")));
        said.extend(graph.explain(c, &src()));
    }
    assert!(
        circles.is_empty(),
        "import circles between files of src/:\n{}",
        said.join("\n")
    );
}

/// The reading of imports on a small tree made for it: one real circle,
/// and three things that look like circles and are not.
#[test]
fn the_file_graph_finds_real_circles_only() {
    let root = std::env::temp_dir().join(format!("ftpviz-imports-{}", std::process::id()));
    let files = [
        ("lib.rs", "pub mod a;\npub mod b;\n"),
        // a/mod.rs uses x, and passes y's name on: x using `Y` through
        // it depends on y, not on mod.rs.
        (
            "a/mod.rs",
            "mod x;\nmod y;\npub use y::Y;\npub fn top() -> Option<self::x::X> { None }\n",
        ),
        ("a/x.rs", "use super::Y;\npub struct X(Y);\n"),
        // y names x only in a doc link, a string and a comment.
        (
            "a/y.rs",
            "//! See [`super::x::X`].\npub struct Y;\n// crate::a::x::X\nconst S: &str = \"crate::a::x\";\n",
        ),
        // b/p and b/q use each other: the one circle.
        ("b/mod.rs", "pub mod p;\npub mod q;\n"),
        ("b/p.rs", "use crate::b::q::Q;\npub struct P(pub Q);\n"),
        ("b/q.rs", "pub struct Q;\nimpl Q {\n    fn p(&self) -> Option<super::p::P> { None }\n}\n\
                    #[cfg(test)]\nmod tests {\n    use crate::a::x::X;\n}\n"),
    ];
    for (path, text) in files {
        let p = root.join(path);
        fs::create_dir_all(p.parent().expect("a folder")).expect("temp dir");
        fs::write(&p, text).expect("written");
    }
    let graph = imports::Graph::of(&root);
    let circles = graph.circles(&root);
    let _ = fs::remove_dir_all(&root);
    assert_eq!(
        circles,
        vec![vec!["b/p.rs".to_string(), "b/q.rs".to_string()]],
        "{:#?}",
        graph.edges
    );
}

/// A string literal in Rust source: its text as written between the
/// quotes (escapes left as they are) and the line it starts on.
struct Literal {
    line: usize,
    text: String,
}

/// Reads Rust source as far as a verb check needs: comments skipped, the
/// string literals (`"…"`, `r#"…"#`, `b"…"`) collected, and every item
/// under `#[cfg(test)]` left out — a `mod tests { … }`, a `fn`, or a
/// `mod tests;` (whose file [`test_files`] leaves out).
fn shipped_literals(text: &str) -> Vec<Literal> {
    let b = text.as_bytes();
    let line_at = |i: usize| 1 + b[..i].iter().filter(|&&c| c == b'\n').count();
    let mut out = Vec::new();
    // Brace depth, and the depth at which a `#[cfg(test)]` item started.
    let (mut depth, mut skip_from): (usize, Option<usize>) = (0, None);
    let mut test_attr = false;
    let mut i = 0;
    while i < b.len() {
        let rest = &text[i..];
        if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            i += rest.find("*/").map_or(rest.len(), |e| e + 2);
        } else if rest.starts_with("#[cfg(test)]") {
            test_attr = true;
            i += "#[cfg(test)]".len();
        } else if let Some((start, end, body)) = string_at(text, i) {
            if skip_from.is_none() && !test_attr {
                out.push(Literal {
                    line: line_at(start),
                    text: body.to_string(),
                });
            }
            i = end;
        } else if b[i] == b'\'' {
            i += char_literal_len(rest);
        } else {
            match b[i] {
                b'{' => {
                    if test_attr {
                        skip_from = skip_from.or(Some(depth));
                        test_attr = false;
                    }
                    depth += 1;
                }
                b'}' => {
                    depth = depth.saturating_sub(1);
                    if skip_from == Some(depth) {
                        skip_from = None;
                    }
                }
                b';' if test_attr && skip_from.is_none() => test_attr = false,
                _ => {}
            }
            i += 1;
        }
    }
    out
}

/// How far to skip at a `'`: past a char literal (`'"'`, `'\''`, `'✗'`,
/// `'\u{1b}'`), or past the quote alone where a lifetime (`'a`) starts.
fn char_literal_len(rest: &str) -> usize {
    let mut chars = rest.char_indices().skip(1);
    match chars.next() {
        // An escape: the closing quote comes after the escaped character.
        Some((at, '\\')) => rest[at + 2..].find('\'').map_or(1, |e| at + 2 + e + 1),
        Some((_, c)) => match chars.next() {
            Some((end, '\'')) if c != '\'' => end + 1,
            _ => 1,
        },
        None => 1,
    }
}

/// The string literal starting at `i`, if one does: where it starts, where
/// it ends (past its closing quote) and its text.
fn string_at(text: &str, i: usize) -> Option<(usize, usize, &str)> {
    let rest = &text[i..];
    // An identifier ending in b or r (`br`, `hr"`) is not a prefix.
    let glued = text[..i]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphanumeric() || c == '_');
    let prefix = ["br", "b", "r", ""]
        .into_iter()
        .find(|p| rest.starts_with(p) && rest[p.len()..].starts_with(['"', '#']))?;
    if glued && !prefix.is_empty() {
        return None;
    }
    let after = &rest[prefix.len()..];
    if prefix.ends_with('r') {
        let hashes = after.len() - after.trim_start_matches('#').len();
        let open = hashes + 1;
        if !after[hashes..].starts_with('"') {
            return None;
        }
        let close = format!("\"{}", "#".repeat(hashes));
        let end = after[open..].find(&close)?;
        let body = &after[open..open + end];
        return Some((i, i + prefix.len() + open + end + close.len(), body));
    }
    if !after.starts_with('"') {
        return None;
    }
    let bytes = after.as_bytes();
    let mut j = 1;
    while j < bytes.len() && bytes[j] != b'"' {
        j += if bytes[j] == b'\\' { 2 } else { 1 };
    }
    Some((i, i + prefix.len() + j + 1, &after[1..j.min(after.len())]))
}

/// Files that are test modules: `mod x;` under `#[cfg(test)]` (`x.rs` or
/// `x/` beside the declaring module's own folder), and everything under them.
fn test_files(all: &[PathBuf]) -> BTreeSet<PathBuf> {
    let mut tests = BTreeSet::new();
    for f in all {
        let text = fs::read_to_string(f).expect("readable");
        let stem = f.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let parent = f.parent().expect("in a folder");
        let dir = if matches!(stem, "mod" | "lib" | "main") {
            parent.to_path_buf()
        } else {
            parent.join(stem)
        };
        for (at, _) in text.match_indices("#[cfg(test)]") {
            let after = text[at + "#[cfg(test)]".len()..].trim_start();
            let after = after.strip_prefix("pub ").unwrap_or(after);
            let Some(name) = after
                .strip_prefix("mod ")
                .and_then(|m| m.split_once(';'))
                .map(|(n, _)| n.trim())
                .filter(|n| n.chars().all(|c| c.is_alphanumeric() || c == '_'))
            else {
                continue;
            };
            tests.insert(dir.join(format!("{name}.rs")));
            tests.insert(dir.join(name));
        }
    }
    all.iter()
        .filter(|f| tests.iter().any(|t| f.starts_with(t)))
        .cloned()
        .collect()
}

#[test]
fn no_string_literal_is_an_ftp_verb_outside_ftp() {
    let verbs: BTreeSet<&str> = ftpviz::ftp::Verb::KNOWN
        .iter()
        .map(|v| v.as_str())
        .collect();
    let mut all = Vec::new();
    files(&src(), &mut all);
    let tests = test_files(&all);
    let ftp = src().join("ftp");
    let mut found = Vec::new();
    for f in all
        .iter()
        .filter(|f| !f.starts_with(&ftp) && !tests.contains(*f))
    {
        let text = fs::read_to_string(f).expect("readable");
        for lit in shipped_literals(&text) {
            if verbs.contains(lit.text.as_str()) {
                let rel = f.strip_prefix(src()).expect("under src").display();
                found.push(format!("src/{rel}:{}: \"{}\"", lit.line, lit.text));
            }
        }
    }
    assert!(
        found.is_empty(),
        "verbs as string literals (match on ftp::Verb instead):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_verb_check_reads_rust_as_rust() {
    let text = r####"
// "RETR" in a comment
/* "STOR" in a block */
fn f() -> &'static str { let c = '"'; let d = '{'; let e = '\''; let x = '✗'; "PORT" }
const RAW: &str = r#"say "EPSV" "#;
const B: &[u8] = b"PASV";
#[cfg(test)]
mod tests { fn g() { let s = "LIST"; if true { "NLST"; } } }
fn h() { "QUIT"; }
#[cfg(test)]
fn helper() -> &'static str { "USER" }
"####;
    let lits: Vec<(usize, String)> = shipped_literals(text)
        .into_iter()
        .map(|l| (l.line, l.text))
        .collect();
    assert_eq!(
        lits,
        [
            (4, "PORT".to_string()),
            (5, "say \"EPSV\" ".to_string()),
            (6, "PASV".to_string()),
            (9, "QUIT".to_string()),
        ]
    );
    let dir = src().join("account");
    let all = vec![
        dir.join("mod.rs"),
        dir.join("tests.rs"),
        dir.join("build.rs"),
    ];
    let tests = test_files(&all);
    assert!(tests.contains(&dir.join("tests.rs")) && !tests.contains(&dir.join("build.rs")));
}

/// The screens' rule (ARCHITECTURE.md, "two rooms"): the widgets draw from
/// plain data and never reach into the app room — no file under
/// `src/tui/widgets/` imports one under `src/tui/app/`.
#[test]
fn widgets_never_import_app() {
    let graph = imports::Graph::of(&src());
    let room = |i: usize, name: &str| {
        graph.modules[i].krate == "lib"
            && graph.modules[i].path.len() >= 2
            && graph.modules[i].path[..2] == ["tui", name]
    };
    let widgets = (0..graph.modules.len())
        .filter(|&i| room(i, "widgets"))
        .count();
    assert!(
        widgets >= 10,
        "only {widgets} files found under tui/widgets"
    );
    let mut back = Vec::new();
    for (&from, tos) in &graph.edges {
        for (&to, names) in tos {
            if room(from, "widgets") && room(to, "app") {
                back.push(format!(
                    "{} → {} ({names:?})",
                    graph.shown(from, &src()),
                    graph.shown(to, &src())
                ));
            }
        }
    }
    assert!(back.is_empty(), "widgets import app:\n{}", back.join("\n"));
}

/// No function in `src/` is longer than 100 lines, from its `fn` line to
/// its closing brace (a body is found by its closing brace at the `fn`'s
/// own indent, as `rustfmt` writes it).
#[test]
fn no_function_is_over_100_lines() {
    let mut all = Vec::new();
    files(&src(), &mut all);
    let mut long = Vec::new();
    for f in &all {
        let text = fs::read_to_string(f).expect("readable");
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let code = line.trim_start();
            let indent = line.len() - code.len();
            let words: Vec<&str> = code.split_whitespace().collect();
            let is_fn = words
                .iter()
                .take_while(|w| {
                    [
                        "pub",
                        "pub(crate)",
                        "pub(super)",
                        "async",
                        "const",
                        "unsafe",
                    ]
                    .contains(w)
                        || w.starts_with("pub(")
                })
                .count();
            if words.get(is_fn) != Some(&"fn") || code.ends_with(';') {
                continue;
            }
            let end = lines[i + 1..]
                .iter()
                .position(|l| {
                    l.get(..indent).is_some_and(|p| p.trim().is_empty())
                        && l.get(indent..).is_some_and(|r| r.starts_with('}'))
                })
                .map(|n| n + 1);
            if let Some(n) = end.filter(|&n| n + 1 > 100) {
                let shown = f.strip_prefix(src()).unwrap_or(f).display().to_string();
                long.push(format!("{shown}:{}: {} lines", i + 1, n + 1));
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions over 100 lines:\n{}",
        long.join("\n")
    );
}
