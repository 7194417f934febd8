//! The map stays true: ARCHITECTURE.md names every top-level module under
//! `src/`, every module's `//!` names each of its submodules, and no
//! import runs in a circle between the top-level modules (a `use crate::a`
//! in `b` and a `use crate::b` in `a`, directly or round several), nor
//! between the files of `src/` (`support/imports.rs` says how a file's
//! paths are read).

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
