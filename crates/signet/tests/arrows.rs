//! The server's modules depend one way: the edge (HTTP handlers, pages, the command line and
//! start-up) on what is below it, never the reverse; the store on the domain and nothing
//! above; the domain on nothing. This test reads every `crate::…` path in the source (a
//! `use` line or a path written out in code) and fails on one that runs the wrong way.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The top-level modules that face clients and the process: they may use anything.
const EDGE: &[&str] = &["main", "server", "connection", "api", "web", "cli"];

/// What the bottom layers may use besides themselves.
const DOMAIN_MAY_USE: &[&str] = &[];
const STORE_MAY_USE: &[&str] = &["domain", "test_db"];
/// The wire format is written inside the store's transactions too (webhook bodies, mail).
const WIRE_MAY_USE: &[&str] = &["domain"];

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

/// The top-level module a source file belongs to (`store/mail.rs` → `store`).
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

/// The top-level modules named by `crate::…` paths in code (comments skipped).
fn targets(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            // `signet_pdf::crate::` never occurs; a preceding identifier character would
            // mean another name ending in "crate".
            let before = rest[..at].chars().next_back();
            rest = &rest[at + "crate::".len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
            // `use crate::{a, b::c}` names several modules at once.
            if let Some(group) = rest.strip_prefix('{') {
                let group = group.split('}').next().unwrap_or("");
                for part in group.split(',') {
                    let name: String = part
                        .trim()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        found.insert(name);
                    }
                }
            }
        }
    }
    found
}

/// Every arrow `(from module, to module)` of the crate's source.
fn arrows() -> BTreeSet<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut arrows = BTreeSet::new();
    for file in files {
        let from = module_of(&src, &file);
        let text = std::fs::read_to_string(&file).unwrap();
        for to in targets(&text) {
            if to != from {
                arrows.insert((from.clone(), to));
            }
        }
    }
    arrows
}

/// What is wrong with `arrows`, one line each.
fn wrong_way(arrows: &BTreeSet<(String, String)>) -> Vec<String> {
    let mut wrong = Vec::new();
    for (from, to) in arrows {
        let (from, to) = (from.as_str(), to.as_str());
        let allowed = match from {
            "domain" => DOMAIN_MAY_USE.contains(&to),
            "store" => STORE_MAY_USE.contains(&to),
            "wire" => WIRE_MAY_USE.contains(&to),
            _ if EDGE.contains(&from) => true,
            _ => !EDGE.contains(&to),
        };
        if !allowed {
            wrong.push(format!("{from} uses {to}"));
        }
    }
    wrong
}

#[test]
fn arrows_run_one_way() {
    let arrows = arrows();
    assert!(
        arrows.contains(&("api".into(), "store".into())),
        "the source was not read: {arrows:?}"
    );
    let wrong = wrong_way(&arrows);
    assert!(
        wrong.is_empty(),
        "arrows that run the wrong way:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn a_wrong_arrow_is_found() {
    let mut arrows = arrows();
    for (from, to) in [
        ("store", "api"),
        ("domain", "store"),
        ("notify", "web"),
        ("wire", "service"),
    ] {
        arrows.insert((from.into(), to.into()));
        let wrong = wrong_way(&arrows);
        assert!(
            wrong.contains(&format!("{from} uses {to}")),
            "{from} → {to} went unnoticed: {wrong:?}"
        );
        arrows.remove(&(from.to_string(), to.to_string()));
    }
    assert_eq!(
        targets(
            "use crate::{api::ApiError, store::Store};\nlet x = crate::domain::f(); // crate::web"
        ),
        ["api", "domain", "store"].map(String::from).into()
    );
}
