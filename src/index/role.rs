//! What part a file plays in its project: production code, or tests,
//! benchmarks, fuzz targets and corpora, examples, vendored third-party code,
//! generated code, build scripts, or Rust files no crate compiles.
//!
//! A finding in production code may be worth a pull request; one in a test
//! or a vendored library almost never is (a speed-up nobody ships, or an edit
//! upstream will overwrite), so `scan`, `propose` and the App leave
//! non-production files out unless asked (`--include-tests`). The rules are
//! the conventions projects actually follow: directory and file names
//! (`tests/`, `foo_test.cc`, `third_party/`), generator banners, Cargo's
//! layout and Rust's module tree.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Serialize;

use super::{FileId, ProjectIndex};
use crate::lang::Lang;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Production,
    Test,
    Bench,
    Fuzz,
    Example,
    Vendored,
    Generated,
    /// Rust build scripts (`build.rs`): run at build time, never shipped.
    Build,
    /// A Rust file that no crate's module tree reaches.
    NotCompiled,
}

impl Role {
    pub fn is_production(self) -> bool {
        self == Role::Production
    }

    pub fn describe(self) -> &'static str {
        match self {
            Role::Production => "production code",
            Role::Test => "test code",
            Role::Bench => "benchmark code",
            Role::Fuzz => "fuzzing code",
            Role::Example => "example code",
            Role::Vendored => "vendored third-party code",
            Role::Generated => "generated code",
            Role::Build => "a build script",
            Role::NotCompiled => "a file no crate compiles",
        }
    }
}

/// Directory names, lower-cased, and the role of everything under them.
const DIRS: &[(&str, Role)] = &[
    ("test", Role::Test),
    ("tests", Role::Test),
    ("testing", Role::Test),
    ("testdata", Role::Test),
    ("test_data", Role::Test),
    ("testutil", Role::Test),
    ("testutils", Role::Test),
    ("test_utils", Role::Test),
    ("unittest", Role::Test),
    ("unittests", Role::Test),
    ("unit_tests", Role::Test),
    ("unit-tests", Role::Test),
    ("integration_tests", Role::Test),
    ("gtest", Role::Test),
    ("mock", Role::Test),
    ("mocks", Role::Test),
    ("stress", Role::Test),
    ("stress_test", Role::Test),
    ("bench", Role::Bench),
    ("benches", Role::Bench),
    ("benchmark", Role::Bench),
    ("benchmarks", Role::Bench),
    ("fuzz", Role::Fuzz),
    ("fuzzing", Role::Fuzz),
    ("fuzzer", Role::Fuzz),
    ("fuzzers", Role::Fuzz),
    ("fuzz_targets", Role::Fuzz),
    ("corpus", Role::Fuzz),
    ("corpora", Role::Fuzz),
    ("example", Role::Example),
    ("examples", Role::Example),
    ("sample", Role::Example),
    ("samples", Role::Example),
    ("demo", Role::Example),
    ("demos", Role::Example),
    ("tutorial", Role::Example),
    ("tutorials", Role::Example),
    ("doc", Role::Example),
    ("docs", Role::Example),
    ("third_party", Role::Vendored),
    ("third-party", Role::Vendored),
    ("thirdparty", Role::Vendored),
    ("3rdparty", Role::Vendored),
    ("3rd_party", Role::Vendored),
    ("3rd-party", Role::Vendored),
    ("vendor", Role::Vendored),
    ("vendored", Role::Vendored),
    ("external", Role::Vendored),
    ("externals", Role::Vendored),
    ("extern", Role::Vendored),
    ("deps", Role::Vendored),
    ("contrib", Role::Vendored),
    ("googletest", Role::Vendored),
    ("node_modules", Role::Vendored),
    ("generated", Role::Generated),
    ("gen", Role::Generated),
];

/// The role a path says a file has, from its directories and its name.
pub fn role_of_path(rel: &str) -> Role {
    let lower = rel.to_ascii_lowercase();
    let mut parts: Vec<&str> = lower.split('/').collect();
    let file = parts.pop().unwrap_or("");
    for dir in &parts {
        if let Some((_, role)) = DIRS.iter().find(|(d, _)| d == dir) {
            return *role;
        }
        // `components_tests`, `unit-test`, `perf_benchmarks`, `fuzz_targets`.
        let words: Vec<&str> = dir.split(['_', '-', '.']).collect();
        if words.len() > 1 {
            for w in &words {
                if let Some((_, role)) = DIRS.iter().find(|(d, _)| d == w).filter(|(_, r)| {
                    matches!(r, Role::Test | Role::Bench | Role::Fuzz | Role::Example)
                }) {
                    if !matches!(*w, "doc" | "docs" | "gen" | "demo" | "sample") {
                        return *role;
                    }
                }
            }
        }
    }
    let (stem, ext) = file.rsplit_once('.').unwrap_or((file, ""));
    if file == "build.rs" {
        return Role::Build;
    }
    let generated = file.ends_with(".pb.h")
        || file.ends_with(".pb.cc")
        || stem.ends_with(".pb")
        || stem.ends_with("_generated")
        || stem.ends_with(".generated")
        || stem.starts_with("moc_")
        || stem.starts_with("qrc_")
        || (stem.starts_with("ui_") && ext.starts_with('h'));
    if generated {
        return Role::Generated;
    }
    let words: Vec<&str> = stem.split(['_', '-', '.']).collect();
    let has = |w: &str| words.contains(&w);
    let first = words.first().copied().unwrap_or("");
    let last = words.last().copied().unwrap_or("");
    // `foo_test.cc`, `test_foo.cpp`, `foo_unittest.cc`, `FooTest.cpp`.
    let original_stem = rel.rsplit('/').next().unwrap_or(rel);
    let camel_test = ["Test.", "Tests.", "Spec."]
        .iter()
        .any(|s| original_stem.contains(s));
    // `spec.rs` alone is a specification; `parser_spec.cc` is a test.
    let spec_suffix = last == "spec" && words.len() > 1;
    if matches!(
        last,
        "test" | "tests" | "unittest" | "unittests" | "mock" | "mocks"
    ) || spec_suffix
        || matches!(first, "test" | "tests" | "mock")
        || camel_test
        || has("stress")
        || has("testutil")
        || has("testing")
    {
        return Role::Test;
    }
    if matches!(last, "bench" | "benchmark" | "benchmarks") || first == "bench" {
        return Role::Bench;
    }
    if matches!(last, "fuzz" | "fuzzer") || first == "fuzz" {
        return Role::Fuzz;
    }
    // `imgui_demo.cpp` is a demo; a lone `demo.h` is the header a project's
    // own programs include (wattson's bundled demo has one).
    let demo_suffix = last == "demo" && words.len() > 1;
    if last == "example" || demo_suffix {
        return Role::Example;
    }
    Role::Production
}

/// Whether a file's first lines carry a code generator's banner.
pub fn has_generated_banner(text: &str) -> bool {
    let head = &text[..floor_char_boundary(text, 1024)];
    [
        "@generated",
        "DO NOT EDIT",
        "Code generated by",
        "automatically generated",
        "Generated by the protocol buffer compiler",
        "autogenerated",
        "Auto-generated",
    ]
    .iter()
    .any(|m| head.contains(m))
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Roles of a project's files, computed once per scan.
pub struct Roles {
    roles: Vec<Role>,
    /// What the project's structure alone says (Rust module trees).
    structural: Vec<Role>,
}

impl Roles {
    pub fn of(project: &ProjectIndex) -> Roles {
        let mut roles: Vec<Role> = project
            .files()
            .iter()
            .map(|f| role_of_path(&f.rel))
            .collect();
        let mut structural = vec![Role::Production; roles.len()];
        for (id, r) in rust_unreachable(project) {
            structural[id] = r;
            if roles[id] == Role::Production {
                roles[id] = r;
            }
        }
        Roles { roles, structural }
    }

    /// The role the project's structure gives a file, whatever its path:
    /// `NotCompiled` for a Rust file outside every crate's module tree.
    pub fn role_by_structure(&self, id: FileId) -> Role {
        self.structural[id]
    }

    /// The role of a file; a production path whose text carries a generator
    /// banner is generated code (the text is only read for this question).
    pub fn role(&self, project: &ProjectIndex, id: FileId) -> Role {
        let r = self.roles[id];
        if r == Role::Production && project.text(id).is_some_and(|t| has_generated_banner(&t)) {
            return Role::Generated;
        }
        r
    }
}

/// Rust files that no crate compiles: under a directory with a
/// `Cargo.toml`, not reached from the crate's roots (`src/lib.rs`,
/// `src/main.rs`, `src/bin/`, targets named in the manifest) through `mod`
/// declarations. A crate whose module tree the text cannot follow
/// (`#[path]`, `include!`) is left alone.
fn rust_unreachable(project: &ProjectIndex) -> Vec<(FileId, Role)> {
    let mut by_crate: HashMap<std::path::PathBuf, Vec<FileId>> = HashMap::new();
    let mut manifest_dirs: HashMap<std::path::PathBuf, bool> = HashMap::new();
    for (id, f) in project.files().iter().enumerate() {
        if f.lang != Lang::Rust {
            continue;
        }
        let dir = f.abs.ancestors().skip(1).find(|d| {
            *manifest_dirs
                .entry(d.to_path_buf())
                .or_insert_with(|| d.join("Cargo.toml").is_file())
        });
        if let Some(d) = dir {
            if d.starts_with(project.root()) {
                by_crate.entry(d.to_path_buf()).or_default().push(id);
            }
        }
    }
    // Each crate's module tree is read from its files' text: crates in
    // parallel (a registry holds thousands, and this runs before the scan).
    use rayon::prelude::*;
    let crates: Vec<(std::path::PathBuf, Vec<FileId>)> = by_crate.into_iter().collect();
    crates
        .into_par_iter()
        .flat_map_iter(|(dir, files)| {
            // A crate whose module tree cannot be followed is left alone.
            let Some(reached) = reachable(project, &dir, &files) else {
                return Vec::new();
            };
            files
                .into_iter()
                .filter(|&id| {
                    let rel_in_crate = project
                        .file(id)
                        .abs
                        .strip_prefix(&dir)
                        .unwrap_or(Path::new(""));
                    let first = rel_in_crate
                        .components()
                        .next()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .unwrap_or_default();
                    // Cargo's other targets are classified by their directory names.
                    let other_target = matches!(
                        first.as_str(),
                        "tests" | "benches" | "examples" | "build.rs"
                    );
                    !other_target && !reached.contains(&id)
                })
                .collect()
        })
        .map(|id| (id, Role::NotCompiled))
        .collect()
}

/// The files of one crate reached from its roots, or `None` when the module
/// tree cannot be followed from the text.
fn reachable(project: &ProjectIndex, dir: &Path, files: &[FileId]) -> Option<HashSet<FileId>> {
    let by_path: HashMap<&Path, FileId> = files
        .iter()
        .map(|&id| (project.file(id).abs.as_path(), id))
        .collect();
    let mut roots: Vec<std::path::PathBuf> = vec![dir.join("src/lib.rs"), dir.join("src/main.rs")];
    for &id in files {
        let abs = &project.file(id).abs;
        if abs.starts_with(dir.join("src/bin")) {
            roots.push(abs.clone());
        }
    }
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
    let manifest: toml::Value = toml::from_str(&manifest).ok()?;
    for section in ["lib", "bin", "example", "test", "bench"] {
        let targets = match manifest.get(section) {
            Some(toml::Value::Array(a)) => a.clone(),
            Some(t @ toml::Value::Table(_)) => vec![t.clone()],
            _ => Vec::new(),
        };
        for t in targets {
            if let Some(p) = t.get("path").and_then(|p| p.as_str()) {
                roots.push(dir.join(p));
            }
        }
    }
    let mut reached = HashSet::new();
    let mut queue: Vec<std::path::PathBuf> = roots
        .into_iter()
        .filter(|r| by_path.contains_key(r.as_path()))
        .collect();
    // A crate root's modules sit beside it whatever its name
    // (`path = "src/gix.rs"` declares `mod plumbing;` in `src/plumbing.rs`).
    let crate_roots: HashSet<std::path::PathBuf> = queue.iter().cloned().collect();
    if queue.is_empty() {
        // No root among the files (a workspace manifest, an odd layout).
        return None;
    }
    while let Some(path) = queue.pop() {
        let Some(&id) = by_path.get(path.as_path()) else {
            continue;
        };
        if !reached.insert(id) {
            continue;
        }
        let text = project.text_unkept(id)?;
        if text.contains("include!(") {
            return None;
        }
        let name = path.file_name()?.to_string_lossy().into_owned();
        let base = path.parent()?;
        let child_dir = if matches!(name.as_str(), "mod.rs" | "lib.rs" | "main.rs")
            || crate_roots.contains(&path)
        {
            base.to_path_buf()
        } else {
            base.join(name.trim_end_matches(".rs"))
        };
        for m in declared_mods(&text) {
            match m {
                // `#[path = "x.rs"] mod y;` names its file, relative to the
                // declaring file's directory.
                Module::At(p) => queue.push(base.join(p)),
                Module::Named(m) => {
                    queue.push(child_dir.join(format!("{m}.rs")));
                    queue.push(child_dir.join(&m).join("mod.rs"));
                }
            }
        }
    }
    Some(reached)
}

/// `mod name;` declarations in a Rust text (out-of-line modules), as paths
/// relative to the file's module directory: `mod b { mod c; }` gives `b/c`;
/// `#[path = "p.rs"] mod x;` gives the path it names. Read from the lines,
/// following the braces of inline modules.
enum Module {
    Named(String),
    At(String),
}

fn declared_mods(text: &str) -> Vec<Module> {
    let mut out = Vec::new();
    let mut pending_path: Option<String> = None;
    // Inline modules we are in: (name, brace depth at which it opened).
    let mut open: Vec<(&str, i32)> = Vec::new();
    let mut depth = 0i32;
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let l = code.trim_start();
        if let Some(p) = l.strip_prefix("#[path") {
            let quoted = p.split('"').nth(1).map(str::to_string);
            pending_path = quoted;
            if !p.contains("mod ") {
                continue;
            }
        }
        let l = strip_visibility(l);
        if let Some(rest) = l.strip_prefix("mod ") {
            let name_end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let name = &rest[..name_end];
            let after = rest[name_end..].trim();
            if !name.is_empty() && after.starts_with(';') {
                match pending_path.take() {
                    Some(p) => out.push(Module::At(p)),
                    None => {
                        let mut path: Vec<&str> = open.iter().map(|(n, _)| *n).collect();
                        path.push(name);
                        out.push(Module::Named(path.join("/")));
                    }
                }
            } else if !name.is_empty() && after.starts_with('{') {
                open.push((name, depth));
            }
        }
        for c in code.chars() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    while open.last().is_some_and(|(_, d)| *d >= depth) {
                        open.pop();
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// A line without its leading visibility: `pub`, `pub(crate)`,
/// `pub(self)`, `pub(in a::b)`.
fn strip_visibility(l: &str) -> &str {
    let Some(rest) = l.strip_prefix("pub") else {
        return l;
    };
    if let Some(inner) = rest.strip_prefix('(') {
        return match inner.find(')') {
            Some(end) => inner[end + 1..].trim_start(),
            None => l,
        };
    }
    match rest.strip_prefix(' ') {
        Some(r) => r.trim_start(),
        None => l,
    }
}

/// Rust's primitive types.
pub fn is_rust_primitive(base: &str) -> bool {
    matches!(
        base,
        "bool"
            | "char"
            | "u8"
            | "u16"
            | "u32"
            | "u64"
            | "u128"
            | "usize"
            | "i8"
            | "i16"
            | "i32"
            | "i64"
            | "i128"
            | "isize"
            | "f32"
            | "f64"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::tests::project;

    #[test]
    fn classifies_by_directory_and_file_name() {
        let cases = [
            ("src/db/table.cc", Role::Production),
            ("src/db/table_test.cc", Role::Test),
            ("src/db/TableTest.cpp", Role::Test),
            ("test/util.cpp", Role::Test),
            ("src/util/testutil.cc", Role::Test),
            ("db_stress_tool/db_stress.cc", Role::Test),
            ("benches/parse.rs", Role::Bench),
            ("tools/db_bench.cc", Role::Bench),
            ("fuzz/fuzz_targets/parse.rs", Role::Fuzz),
            ("fuzz/corpus/x.rs", Role::Fuzz),
            ("examples/simple.cpp", Role::Example),
            ("third_party/zlib/inflate.c", Role::Vendored),
            ("src/proto/msg.pb.cc", Role::Generated),
            ("build.rs", Role::Build),
            ("src/contest.cc", Role::Production),
            ("apps/components_tests/lua/x.cpp", Role::Test),
            ("perf_benchmarks/run.cc", Role::Bench),
            ("gen_docs/x.cc", Role::Production),
            ("src/latest.rs", Role::Production),
            ("src/skills/spec.rs", Role::Production),
            ("src/parser_spec.cc", Role::Test),
            ("src/imgui_demo.cpp", Role::Example),
            ("src/demo.h", Role::Production),
        ];
        for (path, want) in cases {
            assert_eq!(role_of_path(path), want, "{path}");
        }
        assert!(has_generated_banner("// @generated by a tool\nint x;"));
        assert!(!has_generated_banner("int x;"));
    }

    #[test]
    fn rust_files_outside_the_module_tree_are_not_compiled() {
        let (_d, ix) = project(&[
            (
                "Cargo.toml",
                "[package]\nname = \"x\"\n[[bin]]\nname = \"t\"\npath = \"src/tool.rs\"\n",
            ),
            (
                "src/lib.rs",
                "pub mod a;\nmod b {\n    mod c;\n}\npub(self) mod d;\n",
            ),
            ("src/d.rs", "pub(in crate) mod e;\n"),
            ("src/d/e.rs", ""),
            ("src/tool.rs", "mod plumbing;\n"),
            ("src/plumbing/mod.rs", ""),
            (
                "src/a.rs",
                "mod inner;\n#[path = \"a/other_name.rs\"]\nmod renamed;\n",
            ),
            ("src/a/inner.rs", ""),
            ("src/b/c.rs", ""),
            ("src/stale.rs", "fn old() {}\n"),
            ("src/bin/tool.rs", "fn main() {}\n"),
            ("src/a/other_name.rs", ""),
        ]);
        let roles = Roles::of(&ix);
        let role = |rel: &str| {
            let id = ix.files().iter().position(|f| f.rel == rel).unwrap();
            roles.role(&ix, id)
        };
        assert_eq!(role("src/lib.rs"), Role::Production);
        assert_eq!(role("src/a/inner.rs"), Role::Production);
        assert_eq!(role("src/b/c.rs"), Role::Production, "nested inline module");
        assert_eq!(role("src/bin/tool.rs"), Role::Production);
        assert_eq!(role("src/stale.rs"), Role::NotCompiled);
        assert_eq!(
            role("src/d/e.rs"),
            Role::Production,
            "pub(self), pub(in ..)"
        );
        assert_eq!(
            role("src/plumbing/mod.rs"),
            Role::Production,
            "a manifest target's modules sit beside it"
        );
        assert_eq!(
            role("src/a/other_name.rs"),
            Role::Production,
            "#[path] is followed"
        );
    }
}
