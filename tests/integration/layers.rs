//! The crate's layers, read from its source: `core` imports nothing above it, `cli` and
//! `pipeline` only `core`, `present` only those two, `commands` any; and no two modules
//! import each other, directly or through others. Test code (`#[cfg(test)]`) is left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::util::project_dir;

/// A module path: `["pipeline", "attach"]`; the crate root is `[]`.
type Module = Vec<String>;

/// Which top-level modules each layer may import (its own included).
const ALLOWED: &[(&str, &[&str])] = &[
    ("core", &["core"]),
    ("cli", &["core", "cli"]),
    ("pipeline", &["core", "pipeline"]),
    ("present", &["core", "pipeline", "present"]),
    ("commands", &["core", "cli", "pipeline", "present", "commands"]),
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    /// `::`
    Path,
    Punct(char),
}

/// Identifiers, `::` and punctuation, without comments, strings, chars and lifetimes.
fn tokens(src: &str) -> Vec<Token> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if src[i..].starts_with("//") {
            i = src[i..].find('\n').map_or(b.len(), |n| i + n);
        } else if src[i..].starts_with("/*") {
            i = src[i + 2..].find("*/").map_or(b.len(), |n| i + n + 4);
        } else if c == b'"' || (c == b'r' && matches!(b.get(i + 1), Some(b'"' | b'#'))) {
            i = skip_string(src, i);
        } else if c == b'\'' {
            // A char literal ('x', '\n', '\''), else a lifetime or label.
            let rest = &src[i + 1..];
            let len = if rest.starts_with('\\') { rest[2..].find('\'').map(|n| n + 3) } else { rest.find('\'') };
            match len {
                Some(n) if n <= 4 && !rest[..n].contains(char::is_whitespace) => i += n + 2,
                _ => i += 1,
            }
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(Token::Ident(src[start..i].to_string()));
        } else if src[i..].starts_with("::") {
            out.push(Token::Path);
            i += 2;
        } else {
            if !c.is_ascii_whitespace() {
                out.push(Token::Punct(c as char));
            }
            i += 1;
        }
    }
    out
}

/// The index after the string literal starting at `i` (plain or raw).
fn skip_string(src: &str, i: usize) -> usize {
    let b = src.as_bytes();
    if b[i] == b'r' {
        let hashes = src[i + 1..].bytes().take_while(|&c| c == b'#').count();
        let close = format!("\"{}", "#".repeat(hashes));
        let body = i + 2 + hashes;
        return src[body..].find(&close).map_or(b.len(), |n| body + n + close.len());
    }
    let mut j = i + 1;
    while j < b.len() && b[j] != b'"' {
        j += if b[j] == b'\\' { 2 } else { 1 };
    }
    j + 1
}

/// The tokens without test-only items: `#[cfg(test)]` and the item after it.
fn without_tests(toks: Vec<Token>) -> Vec<Token> {
    let attr: Vec<Token> = tokens("#[cfg(test)]");
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if toks[i..].starts_with(&attr) {
            i += attr.len();
            // Further attributes of the same item.
            while toks.get(i) == Some(&Token::Punct('#')) {
                i = skip_group(&toks, i + 1);
            }
            // The item: up to its `;`, or through its `{ ... }`.
            while i < toks.len() && !matches!(toks[i], Token::Punct(';' | '{')) {
                i += 1;
            }
            i = if toks.get(i) == Some(&Token::Punct('{')) { skip_group(&toks, i) } else { i + 1 };
            continue;
        }
        out.push(toks[i].clone());
        i += 1;
    }
    out
}

/// The index after the bracketed group opening at `i` (`[...]` or `{...}`).
fn skip_group(toks: &[Token], i: usize) -> usize {
    let (open, close) = match toks.get(i) {
        Some(Token::Punct('[')) => ('[', ']'),
        Some(Token::Punct('{')) => ('{', '}'),
        _ => return i,
    };
    let mut depth = 0;
    for (j, t) in toks.iter().enumerate().skip(i) {
        if *t == Token::Punct(open) {
            depth += 1;
        } else if *t == Token::Punct(close) {
            depth -= 1;
            if depth == 0 {
                return j + 1;
            }
        }
    }
    toks.len()
}

fn ident(t: Option<&Token>) -> Option<&str> {
    match t {
        Some(Token::Ident(s)) => Some(s),
        _ => None,
    }
}

/// Every path a module's code names: `use` trees expanded, and `a::b` paths in code.
fn paths(toks: &[Token]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if ident(toks.get(i)) == Some("use") {
            i = use_tree(toks, i + 1, &[], &mut out);
            continue;
        }
        if let Some(first) = ident(toks.get(i))
            && toks.get(i + 1) == Some(&Token::Path)
            && (i == 0 || toks[i - 1] != Token::Path)
        {
            let mut path = vec![first.to_string()];
            let mut j = i + 1;
            while toks.get(j) == Some(&Token::Path)
                && let Some(next) = ident(toks.get(j + 1))
            {
                path.push(next.to_string());
                j += 2;
            }
            out.push(path);
            i = j;
            continue;
        }
        i += 1;
    }
    out
}

/// Parse a use tree at `i` under `prefix`; returns the index after it.
fn use_tree(toks: &[Token], mut i: usize, prefix: &[String], out: &mut Vec<Vec<String>>) -> usize {
    let mut path = prefix.to_vec();
    loop {
        match toks.get(i) {
            Some(Token::Ident(s)) if s == "as" => i += 2,
            Some(Token::Ident(s)) => {
                path.push(s.clone());
                i += 1;
            }
            Some(Token::Path) => i += 1,
            Some(Token::Punct('{')) => {
                i += 1;
                while toks.get(i).is_some_and(|t| *t != Token::Punct('}')) {
                    i = use_tree(toks, i, &path, out);
                    if toks.get(i) == Some(&Token::Punct(',')) {
                        i += 1;
                    }
                }
                return i + 1;
            }
            Some(Token::Punct('*')) => i += 1,
            _ => {
                if path.len() > prefix.len() {
                    out.push(path);
                }
                return if toks.get(i) == Some(&Token::Punct(';')) { i + 1 } else { i };
            }
        }
    }
}

/// The crate's modules (test-only ones left out) with their tokens.
fn modules(src: &Path) -> BTreeMap<Module, Vec<Token>> {
    let mut files = BTreeMap::new();
    collect(src, src, &mut files);
    let texts: BTreeMap<Module, (PathBuf, String)> =
        files.into_iter().map(|(m, p)| (m, (p.clone(), std::fs::read_to_string(&p).unwrap()))).collect();
    let mut test_files = BTreeSet::new();
    let mut test_modules = BTreeSet::new();
    for (m, (path, text)) in &texts {
        for (name, file) in test_declarations(text) {
            match file {
                Some(f) => test_files.insert(path.parent().unwrap().join(f)),
                None => test_modules.insert([m.as_slice(), &[name]].concat()),
            };
        }
    }
    texts
        .into_iter()
        .filter(|(m, (path, _))| !test_files.contains(path) && !test_modules.iter().any(|t| m.starts_with(t)))
        .map(|(m, (_, text))| (m, without_tests(tokens(&text))))
        .collect()
}

/// The modules a file declares under `#[cfg(test)]`: name, and `#[path]` file if any.
fn test_declarations(text: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for chunk in text.split("#[cfg(test)]").skip(1) {
        let head = &chunk[..chunk.find([';', '{']).unwrap_or(chunk.len())];
        let Some(at) = head.find("mod ") else { continue };
        let name: String = head[at + 4..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let file =
            head.split_once("#[path = \"").and_then(|(_, rest)| rest.split_once('"')).map(|(f, _)| f.to_string());
        out.push((name, file));
    }
    out
}

fn collect(src: &Path, dir: &Path, out: &mut BTreeMap<Module, PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(src, &path, out);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") || path.file_name().is_some_and(|n| n == "main.rs") {
            continue;
        }
        let rel = path.strip_prefix(src).unwrap().with_extension("");
        let mut module: Module = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
        if module.last().is_some_and(|m| m == "mod" || m == "lib") {
            module.pop();
        }
        out.insert(module, path);
    }
}

/// Which modules each module imports, among `modules` (keys of the map).
fn edges(modules: &BTreeMap<Module, Vec<Token>>) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut out = BTreeMap::new();
    for (m, toks) in modules {
        // Declared test modules are not modules of the shipped crate.
        let mut targets = BTreeSet::new();
        for path in paths(toks) {
            let (mut base, rest) = match path[0].as_str() {
                "crate" => (Vec::new(), &path[1..]),
                "self" => (m.clone(), &path[1..]),
                "super" => {
                    let supers = path.iter().take_while(|s| *s == "super").count();
                    (m[..m.len().saturating_sub(supers)].to_vec(), &path[supers..])
                }
                // A bare path into a child module (`walk::walk_dir`).
                child if modules.contains_key(&[m.as_slice(), &[child.to_string()]].concat()) => (m.clone(), &path[..]),
                _ => continue,
            };
            for seg in rest {
                let next = [base.as_slice(), std::slice::from_ref(seg)].concat();
                if !modules.contains_key(&next) {
                    break;
                }
                base = next;
            }
            if &base != m {
                targets.insert(base);
            }
        }
        out.insert(m.clone(), targets);
    }
    out
}

/// Imports against the layer order, as `from -> to`.
fn layer_violations(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<String> {
    let mut out = Vec::new();
    for (from, tos) in edges {
        let Some((_, allowed)) = from.first().and_then(|top| ALLOWED.iter().find(|(l, _)| l == top)) else { continue };
        for to in tos {
            if !to.first().is_some_and(|t| allowed.contains(&t.as_str())) {
                out.push(format!("{} -> {}", from.join("::"), to.join("::")));
            }
        }
    }
    out
}

/// Modules that reach themselves through their imports.
fn cycles(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<String> {
    let mut out = Vec::new();
    for start in edges.keys() {
        // Depth-first from `start`, remembering the path to report it.
        let mut stack = vec![(start.clone(), vec![start.join("::")])];
        let mut seen = BTreeSet::new();
        while let Some((m, trail)) = stack.pop() {
            for next in edges.get(&m).into_iter().flatten() {
                if next == start {
                    out.push(format!("{} -> {}", trail.join(" -> "), start.join("::")));
                } else if seen.insert(next.clone()) {
                    stack.push((next.clone(), [trail.clone(), vec![next.join("::")]].concat()));
                }
            }
        }
    }
    out
}

#[test]
fn layers_import_only_downward_and_modules_form_no_cycle() {
    let modules = modules(&project_dir().join("src"));
    for layer in ["core", "cli", "pipeline", "present", "commands"] {
        assert!(modules.contains_key(&vec![layer.to_string()]), "src/{layer}/ is a module");
    }
    let edges = edges(&modules);
    assert_eq!(layer_violations(&edges), Vec::<String>::new(), "imports against the layer order");
    assert_eq!(cycles(&edges), Vec::<String>::new(), "import cycles");
    // The reader does see imports: the pipeline's entry point uses its stages.
    let run = &edges[&vec!["pipeline".to_string()]];
    assert!(run.contains(&vec!["pipeline".to_string(), "merge".to_string()]), "{run:?}");
}

#[test]
fn the_checker_finds_upward_imports_and_cycles() {
    let src = |text: &str| without_tests(tokens(text));
    let modules: BTreeMap<Module, Vec<Token>> = [
        (vec!["core".into()], src("use crate::present::x; // crate::commands::y\nfn f() { \"crate::cli::z\"; }")),
        (vec!["present".into()], src("use crate::{core, pipeline::a::{self, B}};")),
        (vec!["pipeline".into()], src("fn f() { a::g() }")),
        (
            vec!["pipeline".into(), "a".into()],
            src("use super::super::present::P;\n#[cfg(test)]\nmod t { use crate::commands::C; }"),
        ),
        (vec!["commands".into()], src("")),
    ]
    .into_iter()
    .collect();
    let edges = edges(&modules);
    assert_eq!(layer_violations(&edges), ["core -> present", "pipeline::a -> present"]);
    let found = cycles(&edges);
    assert!(found.iter().any(|c| c == "pipeline::a -> present -> pipeline::a"), "{found:?}");
}
