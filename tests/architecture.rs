//! The shape docs/architecture.md promises, checked on the sources: the
//! library (`src/`) names no command-line type, its top-level modules import
//! each other without a cycle, and every environment variable of the env
//! contract is spelled once in the library's non-test code.

use crate::common::repo_root;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file below `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// A library file's code without its tests and comments; `None` for a file
/// of tests only (`*tests.rs`).
fn code_of(path: &Path) -> Option<String> {
    let name = path.file_name().unwrap().to_str().unwrap();
    if name.ends_with("tests.rs") {
        return None;
    }
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("#[cfg(test)]") {
        Some(at) => &text[..at],
        None => &text[..],
    };
    Some(
        text.lines()
            .map(|l| match l.find("//") {
                Some(at) if !l[..at].contains('"') => &l[..at],
                _ => l,
            })
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// The library's top-level module a file belongs to (`src/steps/count.rs` → `steps`).
fn module_of(src: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_str()
        .unwrap();
    first.trim_end_matches(".rs").to_string()
}

/// Module → the modules it names as `crate::<module>`.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = repo_root().join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in rust_files(&src) {
        let Some(code) = code_of(&path) else { continue };
        let from = module_of(&src, &path);
        let uses = graph.entry(from.clone()).or_default();
        for (at, _) in code.match_indices("crate::") {
            let name: String = code[at + 7..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if !name.is_empty() && name != from && name != "lib" {
                uses.insert(name);
            }
        }
    }
    graph
}

/// A cycle in `graph`, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_library_modules_import_each_other_without_a_cycle() {
    let graph = imports();
    assert!(graph.contains_key("steps") && graph["steps"].contains("store"));
    assert_eq!(find_cycle(&graph), None, "{graph:#?}");
    // The engine counts bytes: it knows nothing of the modes above it.
    for above in ["aggregate", "words", "timeline", "steps", "spec", "wire"] {
        assert!(!graph["engine"].contains(above), "engine uses {above}");
    }
    // The cycle finder finds one when there is one.
    let mut bad = graph.clone();
    bad.get_mut("engine").unwrap().insert("steps".into());
    assert!(find_cycle(&bad).is_some());
}

#[test]
fn the_library_names_no_command_line_type() {
    let src = repo_root().join("src");
    for path in rust_files(&src) {
        let text = std::fs::read_to_string(&path).unwrap();
        for word in [
            "clap",
            "tracing_subscriber",
            "anyhow",
            "ExitCode",
            "std::process::exit",
        ] {
            assert!(!text.contains(word), "{} names {word}", path.display());
        }
    }
    let manifest = std::fs::read_to_string(repo_root().join("Cargo.toml")).unwrap();
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .unwrap()
        .split("\n[")
        .next()
        .unwrap();
    for dep in ["clap", "tracing-subscriber", "anyhow"] {
        assert!(
            !deps.lines().any(|l| l.starts_with(dep)),
            "the library depends on {dep}"
        );
    }
}

#[test]
fn every_environment_variable_is_spelled_once() {
    let src = repo_root().join("src");
    let env_rs = std::fs::read_to_string(src.join("spec/env.rs")).unwrap();
    // `pub const NAME: &str = "VALUE";` in the env contract and the store's variables.
    let store_vars = std::fs::read_to_string(src.join("store_config.rs")).unwrap();
    let mut names = Vec::new();
    for text in [&env_rs, &store_vars] {
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with("pub const") && line.contains(": &str = \"") {
                let value = line.split('"').nth(1).unwrap();
                if value.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                    names.push(value.to_string());
                }
            }
        }
    }
    assert!(names.len() >= 40, "{names:?}");
    for name in [
        "INPUT",
        "WORK_DIR",
        "NUM_PARTS",
        "PART_ID",
        "LOGCOUNT_BY",
        "AWS_REGION",
    ] {
        assert!(
            names.iter().any(|n| n == name),
            "{name} is not in the contract"
        );
    }
    let mut spelled: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for path in rust_files(&src)
        .into_iter()
        .chain(rust_files(&repo_root().join("cli/src")))
    {
        let Some(code) = code_of(&path) else { continue };
        for name in &names {
            let quoted = format!("\"{name}\"");
            for _ in code.matches(&quoted) {
                spelled
                    .entry(name)
                    .or_default()
                    .push(path.display().to_string());
            }
        }
    }
    for name in &names {
        let places = spelled.get(name.as_str()).cloned().unwrap_or_default();
        assert_eq!(places.len(), 1, "{name} is spelled in {places:?}");
    }
}
