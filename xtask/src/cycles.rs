//! No import cycles between the top-level modules of a crate: a module that
//! uses another must not be used by it, directly or through others. A cycle
//! makes two modules one in all but name (neither can be read, tested or
//! moved without the other), which is how `web` came to know the
//! transports that use it. Checked as a test over every crate of the
//! workspace, on the source text: `crate::x` paths outside comments and
//! test modules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// `module -> modules it uses`, for one crate's `src/`.
pub type Graph = BTreeMap<String, BTreeSet<String>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`lib`/`main` are the root).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let first = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .unwrap_or_default();
    let name = first.trim_end_matches(".rs").to_string();
    if name == "lib" || name == "main" {
        "(root)".into()
    } else {
        name
    }
}

/// The code of a file without comments and without its test module.
fn production_code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .map(|line| match line.find("//") {
            // `//` inside a string ("http://") is rare in `use` lines; a
            // path after it is only dropped, never invented.
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every identifier that follows `crate::`, including those in a
/// `crate::{a, b::c}` group (only the first segment of each path counts).
fn used_modules(code: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for path in group[..end].split(',') {
                let first: String = path
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !first.is_empty() {
                    used.insert(first);
                }
            }
        } else {
            let first: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !first.is_empty() {
                used.insert(first);
            }
        }
    }
    used
}

pub fn graph(crate_dir: &Path) -> Graph {
    let src = crate_dir.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut graph = Graph::new();
    for file in &files {
        let module = module_of(&src, file);
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let edges = graph.entry(module.clone()).or_default();
        for used in used_modules(&production_code(&text)) {
            if used != module && modules.contains(&used) {
                edges.insert(used);
            }
        }
    }
    graph
}

/// The groups of modules that use each other (strongly connected, more
/// than one module), each sorted.
pub fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    // Two modules are in one cycle when each reaches the other.
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_string()];
        while let Some(m) = todo.pop() {
            for next in graph.get(&m).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|m| (m, reach(m))).collect();
    let mut groups: Vec<Vec<String>> = Vec::new();
    for m in graph.keys() {
        if groups.iter().any(|g| g.contains(m)) {
            continue;
        }
        let group: Vec<String> = graph
            .keys()
            .filter(|other| {
                *other == m || (reaches[m].contains(*other) && reaches[*other].contains(m))
            })
            .cloned()
            .collect();
        if group.len() > 1 {
            groups.push(group);
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crates() -> Vec<PathBuf> {
        let root = crate::root();
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        let members = manifest
            .split("members = [")
            .nth(1)
            .and_then(|m| m.split(']').next())
            .expect("a workspace members list");
        members
            .split(',')
            .map(|m| m.trim().trim_matches('"'))
            .filter(|m| !m.is_empty())
            .map(|m| root.join(m))
            .collect()
    }

    #[test]
    fn no_crate_of_the_workspace_has_import_cycles_between_its_modules() {
        let found: Vec<String> = crates()
            .iter()
            .flat_map(|dir| {
                let g = graph(dir);
                cycles(&g).into_iter().map(move |group| {
                    let edges: Vec<String> = group
                        .iter()
                        .map(|m| {
                            let inside: Vec<&String> =
                                g[m].iter().filter(|u| group.contains(u)).collect();
                            format!("{m} -> {inside:?}")
                        })
                        .collect();
                    format!("{}: {}", dir.display(), edges.join("; "))
                })
            })
            .collect();
        assert!(found.is_empty(), "import cycles:\n{}", found.join("\n"));
    }

    #[test]
    fn the_check_sees_grouped_and_plain_paths_and_ignores_comments_and_tests() {
        let code = production_code(
            "use crate::{web, state::x};\nfn f() { crate::api::y(); } // crate::app\n\
             #[cfg(test)]\nmod tests { use crate::pages; }",
        );
        let used = used_modules(&code);
        assert_eq!(
            used.into_iter().collect::<Vec<_>>(),
            ["api", "state", "web"]
        );
        let mut g = Graph::new();
        g.insert("a".into(), ["b".into()].into());
        g.insert("b".into(), ["c".into()].into());
        g.insert("c".into(), ["a".into()].into());
        g.insert("d".into(), ["a".into()].into());
        assert_eq!(cycles(&g), vec![vec!["a", "b", "c"]]);
    }
}
