//! The import graph of `src/`, between files: which file uses a name that
//! another file defines.
//!
//! The modules are found as rustc finds them: from each crate root
//! (`lib.rs`, and `main.rs`, whose `cli` is the binary's), following
//! `mod x;` to `x.rs` or `x/mod.rs`. A module declared under
//! `#[cfg(test)]` is test code, and so is the body of an inline
//! `#[cfg(test)] mod … { … }`: neither is read. Comments and string
//! literals are blanked first, so a doc link or a message naming a path
//! is no import.
//!
//! Every path that starts with `crate::`, `super::` or `self::` — in a
//! `use` (its braces expanded) or anywhere in the code — is resolved to
//! the file that defines what it names: modules are descended as far as
//! they go, and the first name left over is looked up in that module's
//! file. A name the file brings in from elsewhere (`pub use x::Name`, or a
//! private `use` that a child reaches through `super::`) is followed to
//! the file that defines it, or dropped if that is outside the crate; a
//! module imported under a name (`use
//! crate::a::{self, B}`) counts only where the code goes through it
//! (`a::f`). So a file depends on its parent `mod.rs` only when it uses a
//! name that `mod.rs` really defines, not because `mod.rs` declares the
//! file or passes a name from elsewhere on. Paths that start from a
//! module's own child (`reader::Piece` in `session/mod.rs`) are the
//! module's own parts and are not counted, as the project's `cycles.py`
//! does not count them.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

/// One module that has a file of its own.
#[derive(Debug, Clone)]
pub struct Module {
    /// Its path from its crate root: `["replay", "session"]`; the root is `[]`.
    pub path: Vec<String>,
    /// Which crate: `lib` or `main`.
    pub krate: &'static str,
    pub file: PathBuf,
    /// The code, comments and strings blanked, test modules cut out.
    code: String,
    /// Names brought in here by `use` (`use a::b::C` → `C` → `a::b::C`).
    imports: HashMap<String, Vec<String>>,
    /// Child modules with files of their own.
    children: BTreeSet<String>,
}

/// Files and the edges between them.
#[derive(Debug, Default)]
pub struct Graph {
    pub modules: Vec<Module>,
    /// `from → to → the names that make the edge`, by index into `modules`.
    pub edges: BTreeMap<usize, BTreeMap<usize, BTreeSet<String>>>,
}

impl Graph {
    /// The graph of the crate(s) whose roots are in `src`.
    pub fn of(src: &Path) -> Graph {
        let mut g = Graph::default();
        for (root, krate) in [("lib.rs", "lib"), ("main.rs", "main")] {
            let file = src.join(root);
            if file.exists() {
                g.load(&file, src, Vec::new(), krate);
            }
        }
        let index: HashMap<(&'static str, Vec<String>), usize> = g
            .modules
            .iter()
            .enumerate()
            .map(|(i, m)| ((m.krate, m.path.clone()), i))
            .collect();
        let mut edges: BTreeMap<usize, BTreeMap<usize, BTreeSet<String>>> = BTreeMap::new();
        for (i, m) in g.modules.iter().enumerate() {
            for (path, shown) in paths_of(m) {
                let Some(to) = g.resolve(&index, m, &path, 0) else {
                    continue;
                };
                if to != i {
                    edges
                        .entry(i)
                        .or_default()
                        .entry(to)
                        .or_default()
                        .insert(shown);
                }
            }
        }
        g.edges = edges;
        g
    }

    /// Reads a module's file and, through its `mod` declarations, its
    /// children's.
    fn load(&mut self, file: &Path, dir_of_root: &Path, path: Vec<String>, krate: &'static str) {
        let Ok(text) = fs::read_to_string(file) else {
            return;
        };
        let blank = blank_comments_and_strings(&text);
        let (code, declared) = cut_tests(&blank);
        // Where this module's children live.
        let name = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let dir = if path.is_empty() || name == "mod" {
            file.parent().unwrap_or(dir_of_root).to_path_buf()
        } else {
            file.with_extension("")
        };
        let mut children = BTreeSet::new();
        let mut found = Vec::new();
        for child in declared {
            let candidates = [
                dir.join(format!("{child}.rs")),
                dir.join(&child).join("mod.rs"),
            ];
            if let Some(f) = candidates.into_iter().find(|f| f.exists()) {
                children.insert(child.clone());
                found.push((child, f));
            }
        }
        let imports = imports_of(&code);
        self.modules.push(Module {
            path: path.clone(),
            krate,
            file: file.to_path_buf(),
            code,
            imports,
            children,
        });
        for (child, f) in found {
            let mut p = path.clone();
            p.push(child);
            self.load(&f, dir_of_root, p, krate);
        }
    }

    /// The file that defines what `path` (absolute, from the crate root)
    /// names, as seen from module `from`.
    fn resolve(
        &self,
        index: &HashMap<(&'static str, Vec<String>), usize>,
        from: &Module,
        path: &[String],
        depth: usize,
    ) -> Option<usize> {
        let mut at = *index.get(&(from.krate, Vec::new()))?;
        let mut rest = path;
        while let Some((first, more)) = rest.split_first() {
            let mut p = self.modules[at].path.clone();
            p.push(first.clone());
            match index.get(&(from.krate, p)) {
                Some(&child) => {
                    at = child;
                    rest = more;
                }
                None => break,
            }
        }
        // A name brought in from elsewhere: the file that defines it.
        if let Some(first) = rest.first() {
            let m = &self.modules[at];
            if let Some(target) = m.imports.get(first) {
                if depth < 8 {
                    let mut full = absolute(&m.path, target, &m.children)?;
                    full.extend(rest.iter().skip(1).cloned());
                    return self.resolve(index, m, &full, depth + 1).or(Some(at));
                }
            }
        }
        Some(at)
    }

    /// The circles: sets of two or more files that reach each other, each
    /// as its files' paths relative to `src`, sorted.
    pub fn circles(&self, src: &Path) -> Vec<Vec<String>> {
        let n = self.modules.len();
        let succ = |v: usize| -> Vec<usize> {
            self.edges
                .get(&v)
                .map(|m| m.keys().copied().collect())
                .unwrap_or_default()
        };
        let mut sccs = Vec::new();
        let mut tarjan = Tarjan {
            index: vec![None; n],
            low: vec![0; n],
            on: vec![false; n],
            stack: Vec::new(),
            next: 0,
        };
        for v in 0..n {
            if tarjan.index[v].is_none() {
                tarjan.visit(v, &succ, &mut sccs);
            }
        }
        let mut out: Vec<Vec<String>> = sccs
            .into_iter()
            .filter(|c| c.len() > 1)
            .map(|c| {
                let mut files: Vec<String> = c.iter().map(|&i| self.shown(i, src)).collect();
                files.sort();
                files
            })
            .collect();
        out.sort();
        out
    }

    /// A file's path relative to `src`.
    pub fn shown(&self, i: usize, src: &Path) -> String {
        let f = &self.modules[i].file;
        f.strip_prefix(src).unwrap_or(f).display().to_string()
    }

    /// The edges inside a circle, each with the names that make it.
    pub fn explain(&self, circle: &[String], src: &Path) -> Vec<String> {
        let inside: BTreeSet<usize> = (0..self.modules.len())
            .filter(|&i| circle.contains(&self.shown(i, src)))
            .collect();
        let mut out = Vec::new();
        for &from in &inside {
            for (to, names) in self.edges.get(&from).into_iter().flatten() {
                if inside.contains(to) {
                    let names: Vec<&str> = names.iter().map(String::as_str).take(3).collect();
                    out.push(format!(
                        "  {} → {} ({})",
                        self.shown(from, src),
                        self.shown(*to, src),
                        names.join(", ")
                    ));
                }
            }
        }
        out
    }
}

struct Tarjan {
    index: Vec<Option<usize>>,
    low: Vec<usize>,
    on: Vec<bool>,
    stack: Vec<usize>,
    next: usize,
}

impl Tarjan {
    fn visit(&mut self, v: usize, succ: &dyn Fn(usize) -> Vec<usize>, out: &mut Vec<Vec<usize>>) {
        self.index[v] = Some(self.next);
        self.low[v] = self.next;
        self.next += 1;
        self.stack.push(v);
        self.on[v] = true;
        for w in succ(v) {
            match self.index[w] {
                None => {
                    self.visit(w, succ, out);
                    self.low[v] = self.low[v].min(self.low[w]);
                }
                Some(iw) if self.on[w] => self.low[v] = self.low[v].min(iw),
                Some(_) => {}
            }
        }
        if Some(self.low[v]) == self.index[v] {
            let mut scc = Vec::new();
            while let Some(w) = self.stack.pop() {
                self.on[w] = false;
                scc.push(w);
                if w == v {
                    break;
                }
            }
            out.push(scc);
        }
    }
}

/// `path` (as written in module `at`, whose file-module children are
/// `children`) made absolute from the crate root; `None` for a path that
/// starts elsewhere (`std::`, an external crate, a local name).
fn absolute(at: &[String], path: &[String], children: &BTreeSet<String>) -> Option<Vec<String>> {
    let (first, rest) = path.split_first()?;
    let mut base: Vec<String> = match first.as_str() {
        "crate" => Vec::new(),
        "self" => at.to_vec(),
        "super" => {
            let mut b = at.to_vec();
            b.pop()?;
            let mut rest = rest;
            while rest.first().map(String::as_str) == Some("super") {
                b.pop()?;
                rest = &rest[1..];
            }
            b.extend(rest.iter().cloned());
            return Some(b);
        }
        // A re-export may name a child of its own module.
        c if children.contains(c) => {
            let mut b = at.to_vec();
            b.push(c.to_string());
            b
        }
        _ => return None,
    };
    base.extend(rest.iter().cloned());
    Some(base)
}

/// Every path a module's code reaches through `crate::`, `super::` or
/// `self::`, absolute, with how it was written.
fn paths_of(m: &Module) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    let mut aliases: HashMap<String, Vec<String>> = HashMap::new();
    let uses = use_statements(&m.code);
    for (tree, _) in &uses {
        for (path, bound) in expand(tree) {
            let Some(abs) = absolute(&m.path, &path, &BTreeSet::new()) else {
                continue;
            };
            // `a::{self}` imports the module `a` under its name: counted
            // where the code goes through it, not here.
            let is_module_import = path.last().map(String::as_str) == Some("self");
            let abs: Vec<String> = abs.into_iter().filter(|s| s != "self").collect();
            if is_module_import {
                aliases.insert(bound, abs);
            } else {
                out.push((abs.clone(), path.join("::")));
                aliases.insert(bound, abs);
            }
        }
    }
    // Paths in the code itself (outside `use`), and paths through an
    // imported module's name.
    let code = strip_uses(&m.code, &uses);
    for segs in path_expressions(&code) {
        let written = segs.join("::");
        let first = segs.first().map(String::as_str).unwrap_or("");
        if matches!(first, "crate" | "super" | "self") {
            if let Some(abs) = absolute(&m.path, &segs, &BTreeSet::new()) {
                out.push((abs, written));
            }
        } else if let Some(base) = aliases.get(first).filter(|_| segs.len() > 1) {
            let mut abs = base.clone();
            abs.extend(segs.iter().skip(1).cloned());
            out.push((abs, written));
        }
    }
    out
}

/// The code with comments, string and char literals blanked (spaces), so
/// that what remains is code; lines and byte offsets are kept.
fn blank_comments_and_strings(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for c in out.iter_mut().take(to).skip(from) {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = b[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |p| i + p);
                blank(&mut out, i, end);
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                let mut j = i;
                while j < b.len() {
                    if b[j] == b'/' && b.get(j + 1) == Some(&b'*') {
                        depth += 1;
                        j += 2;
                    } else if b[j] == b'*' && b.get(j + 1) == Some(&b'/') {
                        depth -= 1;
                        j += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        j += 1;
                    }
                }
                blank(&mut out, i, j);
                i = j;
            }
            b'r' if !ident_byte(b.get(i.wrapping_sub(1)).copied())
                && matches!(b.get(i + 1), Some(b'"') | Some(b'#')) =>
            {
                // r"…" or r#"…"#
                let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                if b.get(i + 1 + hashes) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let close: Vec<u8> = std::iter::once(b'"')
                    .chain(std::iter::repeat_n(b'#', hashes))
                    .collect();
                let body = i + 2 + hashes;
                let end = b[body..]
                    .windows(close.len())
                    .position(|w| w == close.as_slice())
                    .map_or(b.len(), |p| body + p + close.len());
                blank(&mut out, i, end);
                i = end;
            }
            b'"' => {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                let end = (j + 1).min(b.len());
                blank(&mut out, i, end);
                i = end;
            }
            b'\'' => {
                // A char literal ('x', '\n', '\u{..}'), not a lifetime.
                let end = if b.get(i + 1) == Some(&b'\\') {
                    // The escaped character may be a quote itself: '\''.
                    let from = (i + 3).min(b.len());
                    b[from..]
                        .iter()
                        .position(|&c| c == b'\'')
                        .map(|p| from + p + 1)
                } else {
                    let ch = text[i + 1..].chars().next().map_or(1, char::len_utf8);
                    (b.get(i + 1 + ch) == Some(&b'\'')).then_some(i + 2 + ch)
                };
                match end {
                    Some(end) => {
                        blank(&mut out, i, end);
                        i = end;
                    }
                    None => i += 1,
                }
            }
            _ => i += 1,
        }
    }
    String::from_utf8(out).unwrap_or_default()
}

fn ident_byte(c: Option<u8>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// The code with every `#[cfg(test)]` module taken out (an inline body, or
/// a `mod x;` whose file is then never read), and the modules it declares
/// outside tests.
fn cut_tests(code: &str) -> (String, Vec<String>) {
    let mut out = String::with_capacity(code.len());
    let mut declared = Vec::new();
    let mut rest = code;
    while let Some(p) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..p]);
        let after = &rest[p + "#[cfg(test)]".len()..];
        let item = after.trim_start();
        let item = item.strip_prefix("pub ").unwrap_or(item).trim_start();
        if let Some(m) = item.strip_prefix("mod ") {
            let skip = after.len() - m.len();
            let m_end = m.find(['{', ';']).unwrap_or(m.len());
            if m[m_end..].starts_with('{') {
                let body = &m[m_end..];
                let close = matching_brace(body).unwrap_or(body.len());
                rest = &after[skip + m_end + close..];
            } else {
                rest = &after[skip + m_end..];
            }
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    for line in out.lines() {
        let l = line.trim();
        let l = l.strip_prefix("pub(crate) ").unwrap_or(l);
        let l = l.strip_prefix("pub(super) ").unwrap_or(l);
        let l = l.strip_prefix("pub ").unwrap_or(l);
        if let Some(name) = l.strip_prefix("mod ").and_then(|n| n.strip_suffix(';')) {
            declared.push(name.trim().to_string());
        }
    }
    (out, declared)
}

/// The index just past the brace that closes the one `s` starts with.
fn matching_brace(s: &str) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// Every `use` statement: its tree (`crate::a::{b, c::D as E}`, see
/// [`normalise`])
/// and its byte range in `code`.
fn use_statements(code: &str) -> Vec<(String, (usize, usize))> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = code[from..].find("use ") {
        let at = from + p;
        from = at + 4;
        if ident_byte(b.get(at.wrapping_sub(1)).copied()) {
            continue;
        }
        let Some(end) = code[at..].find(';') else {
            break;
        };
        let tree = normalise(&code[at + 4..at + end]);
        out.push((tree, (at, at + end + 1)));
        from = at + end + 1;
    }
    out
}

/// A use tree with its spaces gone, but for the one in `x as y`.
fn normalise(tree: &str) -> String {
    let words: Vec<&str> = tree.split_whitespace().collect();
    let mut out = words.join(" ");
    for sep in ["::", "{", "}", ","] {
        out = out
            .replace(&format!(" {sep}"), sep)
            .replace(&format!("{sep} "), sep);
    }
    out
}

/// The code without its `use` statements.
fn strip_uses(code: &str, uses: &[(String, (usize, usize))]) -> String {
    let mut out = code.to_string();
    for (_, (a, b)) in uses.iter().rev() {
        out.replace_range(*a..*b, &" ".repeat(b - a));
    }
    out
}

/// The paths a use tree brings in, each with the name it binds:
/// `a::{b, c::{self, D as E}}` → `a::b` (b), `a::c::self` (c), `a::c::D` (E).
fn expand(tree: &str) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    expand_into(&[], tree, &mut out);
    out
}

fn expand_into(prefix: &[String], tree: &str, out: &mut Vec<(Vec<String>, String)>) {
    let tree = tree.trim_start_matches("::");
    if let Some(open) = tree.find('{') {
        let mut base = prefix.to_vec();
        base.extend(
            tree[..open]
                .split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        );
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        for part in split_top(inner) {
            expand_into(&base, part, out);
        }
        return;
    }
    let (path, bound) = match tree.split_once(" as ") {
        Some((p, b)) => (p.to_string(), b.to_string()),
        None => (tree.to_string(), String::new()),
    };
    let mut segs = prefix.to_vec();
    segs.extend(
        path.split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_string),
    );
    if segs.last().map(String::as_str) == Some("*") {
        // A glob: everything the module has, so the module itself.
        segs.pop();
        out.push((segs, String::new()));
        return;
    }
    let bound = if bound.is_empty() {
        match segs.last().map(String::as_str) {
            Some("self") => segs
                .get(segs.len().wrapping_sub(2))
                .cloned()
                .unwrap_or_default(),
            Some(last) => last.to_string(),
            None => String::new(),
        }
    } else {
        bound
    };
    if !segs.is_empty() {
        out.push((segs, bound));
    }
}

/// Splits `a, b::{c, d}, e` at its top-level commas.
fn split_top(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out.into_iter().filter(|p| !p.is_empty()).collect()
}

/// Every path expression `x::y::z` in the code (not preceded by `::` or
/// `$`).
fn path_expressions(code: &str) -> Vec<Vec<String>> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let starts = (b[i].is_ascii_alphabetic() || b[i] == b'_')
            && !ident_byte(b.get(i.wrapping_sub(1)).copied())
            && !matches!(b.get(i.wrapping_sub(1)), Some(b'$') | Some(b':'));
        if !starts {
            i += 1;
            continue;
        }
        let mut segs = Vec::new();
        let mut j = i;
        loop {
            let s = j;
            while j < b.len() && ident_byte(Some(b[j])) {
                j += 1;
            }
            if s == j {
                break;
            }
            segs.push(code[s..j].to_string());
            if code[j..].starts_with("::") && ident_byte(b.get(j + 2).copied()) {
                j += 2;
            } else {
                break;
            }
        }
        if segs.len() > 1 {
            out.push(segs);
        }
        i = j.max(i + 1);
    }
    out
}

/// The names a module's `use`s bind: `use a::b::C;`, `pub use a::{B, C as
/// D}`, `use a::{self}`. Public or not: a child module may name its
/// parent's private imports through `super::`.
fn imports_of(code: &str) -> HashMap<String, Vec<String>> {
    let mut out = HashMap::new();
    for (tree, _) in use_statements(code) {
        for (mut path, bound) in expand(&tree) {
            if path.last().map(String::as_str) == Some("self") {
                path.pop();
            }
            if !bound.is_empty() {
                out.insert(bound, path);
            }
        }
    }
    out
}
