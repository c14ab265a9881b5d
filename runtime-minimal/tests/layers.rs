//! The runtime's files form layers that import one way: no module of `src/` reaches, through
//! `crate::` paths in its code, a module that reaches it back. A new circle fails this test
//! with the files and lines that close it.
//!
//! Comments, doc comments and `#[cfg(test)] mod tests { .. }` blocks are not code a layer
//! depends on and are skipped; `test_utils.rs` is test-only.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Where one module names another: (file, line).
type Uses = BTreeMap<(String, String), Vec<(PathBuf, usize)>>;

const TEST_ONLY: [&str; 1] = ["test_utils"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`service/pool.rs` -> `service`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// The code of a line: without a `//` comment (strings holding `//` are rare enough in
/// import lines that the cut never hides a `crate::` path in practice).
fn code_of(line: &str) -> &str {
    line.split("//").next().unwrap_or("")
}

/// The modules a line of code names as `crate::m` or inside `crate::{m, n::x}`.
fn named_modules(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Items at the top level of the group: `a::X, b, c::{D, E}` names a, b and c.
            let (mut depth, mut item_start) = (0usize, true);
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && (c.is_ascii_alphanumeric() || c == '_') => {
                        item_start = false;
                        let name: String = group[i..]
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect();
                        out.push(name);
                    }
                    _ => {}
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            out.push(name);
        }
    }
    out
}

/// Every `crate::` use between the runtime's own top-level modules.
fn uses(src: &Path) -> (BTreeSet<String>, Uses) {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeSet<String> = files
        .iter()
        .map(|f| module_of(src, f))
        .filter(|m| m != "lib" && !TEST_ONLY.contains(&m.as_str()))
        .collect();
    let mut uses = Uses::new();
    for file in &files {
        let from = module_of(src, file);
        if !modules.contains(&from) {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        let mut in_tests = false;
        for (n, line) in text.lines().enumerate() {
            if line.starts_with("mod tests {") {
                in_tests = true;
            } else if in_tests && line.starts_with('}') {
                in_tests = false;
            }
            if in_tests {
                continue;
            }
            for to in named_modules(code_of(line)) {
                if to != from && modules.contains(&to) {
                    uses.entry((from.clone(), to))
                        .or_default()
                        .push((file.clone(), n + 1));
                }
            }
        }
    }
    (modules, uses)
}

/// A circle of modules, if any (depth-first search with an explicit stack).
fn find_cycle(modules: &BTreeSet<String>, uses: &Uses) -> Option<Vec<String>> {
    let edges = |m: &str| -> Vec<String> {
        uses.keys()
            .filter(|(from, _)| from == m)
            .map(|(_, to)| to.clone())
            .collect()
    };
    // 0: unseen, 1: on the current path, 2: done.
    let mut state: BTreeMap<String, u8> = modules.iter().map(|m| (m.clone(), 0)).collect();
    for start in modules {
        if state[start] != 0 {
            continue;
        }
        let mut path: Vec<(String, Vec<String>)> = vec![(start.clone(), edges(start))];
        state.insert(start.clone(), 1);
        while let Some((node, pending)) = path.last_mut() {
            match pending.pop() {
                Some(next) => match state[&next] {
                    0 => {
                        state.insert(next.clone(), 1);
                        let next_edges = edges(&next);
                        path.push((next, next_edges));
                    }
                    1 => {
                        let at = path.iter().position(|(m, _)| *m == next).unwrap();
                        let mut cycle: Vec<String> =
                            path[at..].iter().map(|(m, _)| m.clone()).collect();
                        cycle.push(next);
                        return Some(cycle);
                    }
                    _ => {}
                },
                None => {
                    state.insert(node.clone(), 2);
                    path.pop();
                }
            }
        }
    }
    None
}

#[test]
fn the_runtime_modules_import_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (modules, uses) = uses(&src);
    assert!(modules.len() > 10, "found only {modules:?}");
    if let Some(cycle) = find_cycle(&modules, &uses) {
        let mut report = format!("import circle: {}\n", cycle.join(" -> "));
        for pair in cycle.windows(2) {
            let sites = &uses[&(pair[0].clone(), pair[1].clone())];
            for (file, line) in sites {
                report += &format!("  {} -> {}: {}:{line}\n", pair[0], pair[1], file.display());
            }
        }
        panic!("{report}");
    }
}

#[test]
fn the_checker_sees_circles_and_group_imports() {
    assert_eq!(
        named_modules("use crate::{adapter::X, store, errors::{A, B}};"),
        ["adapter", "store", "errors"]
    );
    assert_eq!(
        named_modules("let x = crate::json::f(crate::types::T);"),
        ["json", "types"]
    );
    let modules: BTreeSet<String> = ["a", "b", "c"].map(String::from).into();
    let mut uses = Uses::new();
    for (from, to) in [("a", "b"), ("b", "c")] {
        uses.insert((from.into(), to.into()), vec![(PathBuf::from("x.rs"), 1)]);
    }
    assert_eq!(find_cycle(&modules, &uses), None);
    uses.insert(("c".into(), "a".into()), vec![(PathBuf::from("c.rs"), 7)]);
    let cycle = find_cycle(&modules, &uses).unwrap();
    assert_eq!(cycle.first(), cycle.last());
    assert_eq!(cycle.len(), 4);
}
