//! The arrows point one way: `model ← store ← mail ← auth ← http/pages ← lib`.
//! This test reads the crate's own sources and fails on an import that points up
//! a layer, or on a cycle among the auth rules' files, so that the layering stays
//! a fact rather than a wish. (Comments are skipped: they may name anything.)

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// How far up each top-level module sits; a module may use only lower ones (and
/// its own layer's, for the web layer whose handle and routes go together).
fn layer(module: &str) -> Option<u8> {
    Some(match module {
        "clock" | "crypto" | "metrics" => 0,
        "model" => 1,
        "config" | "store" => 2,
        "mail" => 3,
        "auth" => 4,
        "http" | "pages" | "handle" | "cookies" | "worker" => 5,
        "startup" | "testing" => 6,
        "layers" | "lib" => 7,
        _ => return None,
    })
}

/// The modules the web layer shares with one another.
const WEB_LAYER: u8 = 5;

fn sources(folder: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The code of a file without its comments.
fn code_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| match line.find("//") {
            Some(at) => line[..at].to_string(),
            None => line.to_string(),
        })
        .collect()
}

/// Every `<prefix>name` in `text`, and every `name` of a `<prefix>{name::…, …}`.
fn names_after(text: &str, prefix: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (at, _) in text.match_indices(prefix) {
        let rest = &text[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                if let Some((name, _)) = item.trim().split_once("::") {
                    names.insert(name.to_string());
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if rest[name.len()..].starts_with("::") && !name.is_empty() {
                names.insert(name);
            }
        }
    }
    names
}

#[test]
fn imports_never_point_up_a_layer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let mut wrong = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&root).unwrap();
        let first = relative
            .iter()
            .next()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let module = first.trim_end_matches(".rs").to_string();
        let Some(own) = layer(&module) else {
            wrong.push(format!("{}: a module with no layer", relative.display()));
            continue;
        };
        let code = code_lines(file).join("\n");
        for used in names_after(&code, "crate::") {
            // Items re-exported at the crate's root belong to the web layer's handle.
            let used_layer = layer(&used).unwrap_or(WEB_LAYER);
            let allowed =
                used == module || used_layer < own || (own == WEB_LAYER && used_layer == WEB_LAYER);
            if !allowed {
                wrong.push(format!("{} uses crate::{used}", relative.display()));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports pointing up:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_auth_rules_files_form_no_cycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/auth");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let relative = file.strip_prefix(&root).unwrap();
        let parts: Vec<String> = relative
            .iter()
            .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
            .collect();
        if parts == ["mod"] {
            continue; // the parent declares its children
        }
        let node = parts[0].clone();
        let code = code_lines(file).join("\n");
        // From a file directly under auth/, `super::x` is a sibling; one folder
        // down (auth/link/…), `super::super::x` is.
        let sibling_prefix = if parts.len() == 1 {
            "super::"
        } else {
            "super::super::"
        };
        let mut used = names_after(&code, sibling_prefix);
        used.extend(names_after(&code, "crate::auth::"));
        if parts.len() > 1 {
            used.remove("super"); // `super::super::…` seen from `super::`
        }
        let siblings: BTreeSet<String> = used
            .into_iter()
            .filter(|name| {
                let is_file = root.join(format!("{name}.rs")).exists();
                let is_folder = root.join(name).join("mod.rs").exists();
                name != &node && (is_file || is_folder)
            })
            .collect();
        edges.entry(node).or_default().extend(siblings);
    }
    // Depth-first search for a back edge.
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if !done.insert(node.to_string()) {
            return None;
        }
        path.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    assert!(
        edges.get("link").is_some_and(|used| used.contains("login")),
        "the check sees the files' imports: {edges:?}"
    );
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        if let Some(cycle) = visit(node, &edges, &mut Vec::new(), &mut done) {
            panic!(
                "the auth rules' files import in a cycle: {}",
                cycle.join(" → ")
            );
        }
    }
}
