//! The import rules of `ARCHITECTURE.md` hold: every `crate::<module>`
//! a library file names (outside comments) is one its module may import.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// The "may import" table of ARCHITECTURE.md.
fn rules() -> BTreeMap<String, BTreeSet<String>> {
    let doc = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let table = doc
        .split_once("<!-- imports table: checked by tests/integration/architecture.rs -->")
        .and_then(|(_, rest)| rest.split_once("<!-- end of imports table -->"))
        .map(|(t, _)| t)
        .expect("the imports table markers in ARCHITECTURE.md");
    let mut out = BTreeMap::new();
    for line in table.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let module = cells[1].trim_matches('`').to_string();
        let allowed = cells[2]
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        out.insert(module, allowed);
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a library file belongs to (`src/cluster/nn_chain.rs` → `cluster`).
fn module_of(file: &Path) -> Option<String> {
    let rel = file.strip_prefix(root().join("src")).ok()?;
    let first = rel
        .components()
        .next()?
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    let name = first.trim_end_matches(".rs").to_string();
    (!["lib", "main", "cli", "flags"].contains(&name.as_str())).then_some(name)
}

/// `crate::<name>` mentions outside comments.
fn imports(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // The crate root's re-exports count as their modules.
            let name = match name.as_str() {
                "Error" | "Result" => "error".to_string(),
                "Matrix" => "matrix".to_string(),
                _ => name,
            };
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

#[test]
fn modules_import_only_what_architecture_md_allows() {
    let rules = rules();
    let mut files = vec![];
    rust_files(&root().join("src"), &mut files);
    let mut broken = vec![];
    let mut modules = BTreeSet::new();
    for f in &files {
        let Some(m) = module_of(f) else { continue };
        modules.insert(m.clone());
        let Some(allowed) = rules.get(&m) else {
            broken.push(format!(
                "module `{m}` is not in ARCHITECTURE.md's imports table"
            ));
            continue;
        };
        for i in imports(&std::fs::read_to_string(f).unwrap()) {
            if i != m && !allowed.contains(&i) {
                broken.push(format!(
                    "{} imports crate::{i}, which `{m}` may not import",
                    f.strip_prefix(root()).unwrap().display()
                ));
            }
        }
    }
    for m in rules.keys() {
        if !modules.contains(m) {
            broken.push(format!(
                "ARCHITECTURE.md lists `{m}`, which is not a module of src/"
            ));
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn the_checker_sees_imports_and_skips_comments() {
    let found = imports("use crate::figure::Kind; // crate::batch\n/// [`crate::io`]\nlet x = crate::render::encode::encode(s);");
    assert_eq!(
        found,
        BTreeSet::from(["figure".to_string(), "render".to_string()])
    );
}
