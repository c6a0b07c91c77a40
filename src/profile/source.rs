//! The functions of a checkout, indexed the ways a profile can point at
//! them: by file and line, and by qualified name.
//!
//! Profiles usually come from another machine, so their file paths are
//! matched to the checkout by the longest common *suffix* of path components
//! (`/home/ci/build/src/text.cpp` is `src/text.cpp` here), never by absolute
//! path. Rust functions get their crate and module path from where the file
//! sits in its crate, the way rustc names them in symbols.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::files::{read_source, SourceFile};
use crate::lang::outline::{self, FunctionSpan};
use crate::lang::Lang;

/// One function of the checkout.
#[derive(Clone, Debug)]
pub struct SourceFunction {
    /// Qualified name components, Rust ones starting at the crate.
    pub name: Vec<String>,
    /// Path relative to the scanned root, `/`-separated.
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
    pub loops: Vec<(u32, u32)>,
    pub lang: Lang,
}

impl SourceFunction {
    pub fn display_name(&self) -> String {
        self.name.join("::")
    }
}

/// How a symbol matched the checkout's functions by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameMatch {
    Unique(usize),
    /// Several functions fit equally well; their count.
    Ambiguous(usize),
    None,
}

#[derive(Debug, Default)]
pub struct SourceFunctions {
    pub functions: Vec<SourceFunction>,
    /// Per file, function indexes sorted by start line.
    by_file: HashMap<String, Vec<usize>>,
    /// Files by their last path component.
    by_basename: HashMap<String, Vec<String>>,
    /// Functions by the last component of their name.
    by_last_name: HashMap<String, Vec<usize>>,
}

impl SourceFunctions {
    /// Parse every file (in parallel) and outline its functions. Files that
    /// cannot be read are left out, with the reason, as `scan` does.
    pub fn collect(
        files: &[SourceFile],
        max_file_size: u64,
    ) -> (SourceFunctions, Vec<(String, String)>) {
        let crates = CrateRoots::default();
        let outlined: Vec<Result<Vec<SourceFunction>, (String, String)>> = files
            .par_iter()
            .map(|file| {
                let text =
                    read_source(file, max_file_size).map_err(|why| (file.path.clone(), why))?;
                let prefix = match file.lang {
                    Lang::Rust => crates.module_path(&file.abs),
                    Lang::Cpp => Vec::new(),
                };
                Ok(outline_file(file.lang, &file.path, &text, &prefix))
            })
            .collect();
        let mut skipped = Vec::new();
        let mut functions = Vec::new();
        for r in outlined {
            match r {
                Ok(f) => functions.extend(f),
                Err(s) => skipped.push(s),
            }
        }
        (SourceFunctions::from_functions(functions), skipped)
    }

    pub fn from_functions(functions: Vec<SourceFunction>) -> SourceFunctions {
        let mut index = SourceFunctions {
            functions,
            ..SourceFunctions::default()
        };
        for (i, f) in index.functions.iter().enumerate() {
            index.by_file.entry(f.path.clone()).or_default().push(i);
            if let Some(last) = f.name.last() {
                index.by_last_name.entry(last.clone()).or_default().push(i);
            }
        }
        for (path, fns) in &mut index.by_file {
            fns.sort_by_key(|&i| index.functions[i].start_line);
            let base = path.rsplit('/').next().unwrap_or(path).to_string();
            index
                .by_basename
                .entry(base)
                .or_default()
                .push(path.clone());
        }
        index
    }

    /// The checkout file a profile's path names: the one sharing the longest
    /// suffix of path components with it. A match must cover the whole of
    /// one of the two paths, or at least two components, so that
    /// `/usr/include/c++/12/bits/vector.tcc` is not `src/vector.tcc`.
    pub fn match_path(&self, profile_path: &str) -> Option<&str> {
        let theirs: Vec<&str> = profile_path
            .split(['/', '\\'])
            .filter(|c| !c.is_empty() && *c != ".")
            .collect();
        let base = theirs.last()?;
        let mut best: Option<(&str, usize)> = None;
        let mut tied = false;
        for ours in self.by_basename.get(*base)? {
            let our_parts: Vec<&str> = ours.split('/').collect();
            let common = our_parts
                .iter()
                .rev()
                .zip(theirs.iter().rev())
                .take_while(|(a, b)| a == b)
                .count();
            if !(common == our_parts.len() || common == theirs.len() || common >= 2) {
                continue;
            }
            match best {
                Some((_, k)) if k > common => {}
                Some((_, k)) if k == common => tied = true,
                _ => {
                    best = Some((ours, common));
                    tied = false;
                }
            }
        }
        if tied {
            return None;
        }
        best.map(|(p, _)| p)
    }

    /// The innermost function of `path` whose span holds `line`.
    pub fn function_at(&self, path: &str, line: u32) -> Option<usize> {
        self.by_file
            .get(path)?
            .iter()
            .copied()
            .filter(|&i| {
                let f = &self.functions[i];
                f.start_line <= line && line <= f.end_line
            })
            .min_by_key(|&i| self.functions[i].end_line - self.functions[i].start_line)
    }

    /// The function a symbol's qualified name designates. One name must be a
    /// suffix of the other (a profile may know more namespaces than the
    /// source shows, or fewer), or, for trait impls whose symbol names the
    /// type's module rather than the impl's, both must share their first
    /// component and the last two. `prefer_path` breaks ties.
    pub fn match_name(
        &self,
        name: &[String],
        prefer_path: Option<&str>,
        prefer_lang: Option<Lang>,
    ) -> NameMatch {
        let Some(last) = name.last() else {
            return NameMatch::None;
        };
        let Some(candidates) = self.by_last_name.get(last) else {
            return NameMatch::None;
        };
        // Score: components in common, then whether the names are equal.
        let mut best_score = (0, false);
        let mut best: Vec<usize> = Vec::new();
        for &i in candidates {
            let ours = &self.functions[i].name;
            let common = ours
                .iter()
                .rev()
                .zip(name.iter().rev())
                .take_while(|(a, b)| a == b)
                .count();
            // Rust symbols always carry their crate: a bare `main` is the C
            // entry point rustc generates, not `crate::main`.
            if self.functions[i].lang == Lang::Rust && name.len() < 2 && ours.len() > 1 {
                continue;
            }
            let accepted = common == ours.len()
                || common == name.len()
                || (common >= 2 && ours.first() == name.first());
            let score = (common, common == ours.len() && common == name.len());
            if !accepted || score < best_score {
                continue;
            }
            if score > best_score {
                best_score = score;
                best.clear();
            }
            best.push(i);
        }
        if let Some(lang) = prefer_lang {
            let same: Vec<usize> = best
                .iter()
                .copied()
                .filter(|&i| self.functions[i].lang == lang)
                .collect();
            if !same.is_empty() {
                best = same;
            }
        }
        if let Some(path) = prefer_path {
            let in_file: Vec<usize> = best
                .iter()
                .copied()
                .filter(|&i| self.functions[i].path == path)
                .collect();
            if !in_file.is_empty() {
                best = in_file;
            }
        }
        match best.as_slice() {
            [] => NameMatch::None,
            [one] => NameMatch::Unique(*one),
            // Overloads in one file share a name: one entry stands for them.
            [first, rest @ ..]
                if rest
                    .iter()
                    .all(|&i| self.functions[i].path == self.functions[*first].path) =>
            {
                NameMatch::Unique(*first)
            }
            many => NameMatch::Ambiguous(many.len()),
        }
    }
}

/// Outline one file's text: its functions, named with `prefix` first.
pub fn outline_file(lang: Lang, path: &str, text: &str, prefix: &[String]) -> Vec<SourceFunction> {
    let tree = lang.parse(text);
    outline::functions(lang, &tree, text)
        .into_iter()
        .map(
            |FunctionSpan {
                 name,
                 start_line,
                 end_line,
                 loops,
             }| SourceFunction {
                name: prefix.iter().cloned().chain(name).collect(),
                path: path.to_string(),
                start_line,
                end_line,
                loops,
                lang,
            },
        )
        .collect()
}

/// Finds the crate a Rust file belongs to, caching each directory's answer.
#[derive(Default)]
struct CrateRoots {
    cache: std::sync::Mutex<HashMap<PathBuf, Option<(PathBuf, String)>>>,
}

impl CrateRoots {
    /// `crate::a::b` for `<crate>/src/a/b.rs`, as components.
    fn module_path(&self, file: &Path) -> Vec<String> {
        let Some((root, crate_name)) = file.parent().and_then(|d| self.crate_of(d)) else {
            return stem_module(file).into_iter().collect();
        };
        let Ok(rel) = file.strip_prefix(&root) else {
            return Vec::new();
        };
        let parts: Vec<String> = rel
            .iter()
            .map(|c| c.to_string_lossy().into_owned())
            .collect();
        module_path_in_crate(&crate_name, &parts)
    }

    /// The nearest directory at or above `dir` with a `Cargo.toml` naming a
    /// package, and that package's crate name.
    fn crate_of(&self, dir: &Path) -> Option<(PathBuf, String)> {
        if let Some(hit) = self.cache.lock().ok()?.get(dir) {
            return hit.clone();
        }
        let found = match package_name(&dir.join("Cargo.toml")) {
            Some(name) => Some((dir.to_path_buf(), name.replace('-', "_"))),
            None => dir.parent().and_then(|p| self.crate_of(p)),
        };
        self.cache
            .lock()
            .ok()?
            .insert(dir.to_path_buf(), found.clone());
        found
    }
}

fn package_name(manifest: &Path) -> Option<String> {
    let text = std::fs::read_to_string(manifest).ok()?;
    let value: toml::Table = toml::from_str(&text).ok()?;
    if let Some(name) = value
        .get("lib")
        .and_then(|l| l.get("name"))
        .and_then(|n| n.as_str())
    {
        return Some(name.to_string());
    }
    Some(value.get("package")?.get("name")?.as_str()?.to_string())
}

/// The module path of a file given its path components inside the crate.
pub fn module_path_in_crate(crate_name: &str, parts: &[String]) -> Vec<String> {
    let strip_rs = |s: &str| s.strip_suffix(".rs").unwrap_or(s).to_string();
    match parts {
        // src/bin/x.rs and src/bin/x/main.rs are crates of their own.
        [src, bin, file] if src == "src" && bin == "bin" => vec![strip_rs(file)],
        [src, bin, dir, _] if src == "src" && bin == "bin" => vec![dir.clone()],
        [top, file] if matches!(top.as_str(), "tests" | "benches" | "examples") => {
            vec![strip_rs(file)]
        }
        [file] if file == "build.rs" => vec!["build_script_build".into()],
        [src, rest @ ..] if src == "src" => {
            let mut path = vec![crate_name.to_string()];
            for (i, part) in rest.iter().enumerate() {
                let last = i + 1 == rest.len();
                if last {
                    let stem = strip_rs(part);
                    let is_root = i == 0 && (stem == "lib" || stem == "main");
                    if !is_root && stem != "mod" {
                        path.push(stem);
                    }
                } else {
                    path.push(part.clone());
                }
            }
            path
        }
        // A crate whose manifest is not where Cargo would find it (vendored,
        // a fixture): the directory above `src` names it.
        _ => match parts.iter().rposition(|p| p == "src") {
            Some(i) if i > 0 => module_path_in_crate(&parts[i - 1].replace('-', "_"), &parts[i..]),
            _ => parts.last().map(|f| strip_rs(f)).into_iter().collect(),
        },
    }
}

fn stem_module(file: &Path) -> Option<String> {
    let stem = file.file_stem()?.to_str()?;
    (!matches!(stem, "main" | "lib" | "mod")).then(|| stem.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn func(name: &str, path: &str, lines: (u32, u32)) -> SourceFunction {
        SourceFunction {
            name: name.split("::").map(String::from).collect(),
            path: path.into(),
            start_line: lines.0,
            end_line: lines.1,
            loops: vec![],
            lang: if path.ends_with(".rs") {
                Lang::Rust
            } else {
                Lang::Cpp
            },
        }
    }

    fn index() -> SourceFunctions {
        SourceFunctions::from_functions(vec![
            func("geo::Grid::fill", "src/grid.cpp", (10, 30)),
            func("geo::Grid::size", "src/grid.cpp", (32, 34)),
            func("main", "src/main.cpp", (1, 50)),
            func("demo::text::render", "demo/src/text.rs", (5, 9)),
            func("demo::grid::Grid::fmt", "demo/src/grid.rs", (5, 9)),
            func("Stack::push_back", "src/stack.h", (3, 4)),
            func("helper", "a/util.cpp", (1, 2)),
            func("helper", "b/util.cpp", (1, 2)),
            func("vector.tcc", "src/vector.tcc", (1, 2)),
            func("demo::main", "demo/src/main.rs", (1, 2)),
        ])
    }

    fn names(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn paths_match_by_their_longest_common_suffix() {
        let ix = index();
        assert_eq!(
            ix.match_path("/home/ci/build/src/grid.cpp"),
            Some("src/grid.cpp")
        );
        assert_eq!(ix.match_path("grid.cpp"), Some("src/grid.cpp"));
        assert_eq!(
            ix.match_path("C:\\build\\src\\main.cpp"),
            Some("src/main.cpp")
        );
        assert_eq!(ix.match_path("/usr/include/c++/12/bits/vector.tcc"), None);
        assert_eq!(ix.match_path("/tmp/other/grid.rs"), None);
        // Two equally good candidates: no guess.
        assert_eq!(ix.match_path("util.cpp"), None);
        assert_eq!(ix.match_path("/x/a/util.cpp"), Some("a/util.cpp"));
    }

    #[test]
    fn lines_find_the_innermost_function() {
        let ix = index();
        assert_eq!(ix.function_at("src/grid.cpp", 12), Some(0));
        assert_eq!(ix.function_at("src/grid.cpp", 31), None);
        assert_eq!(ix.function_at("nowhere.cpp", 1), None);
    }

    #[test]
    fn names_match_when_one_is_a_suffix_of_the_other() {
        let ix = index();
        assert_eq!(
            ix.match_name(&names(&["geo", "Grid", "fill"]), None, None),
            NameMatch::Unique(0)
        );
        assert_eq!(
            ix.match_name(&names(&["Grid", "fill"]), None, None),
            NameMatch::Unique(0)
        );
        assert_eq!(
            ix.match_name(&names(&["text", "render"]), None, None),
            NameMatch::Unique(3)
        );
        // A trait impl's symbol names the type's module, not the impl's.
        assert_eq!(
            ix.match_name(&names(&["demo", "Grid", "fmt"]), None, None),
            NameMatch::Unique(4)
        );
        // Library code that happens to share a method name is not ours.
        assert_eq!(
            ix.match_name(&names(&["std", "vector", "push_back"]), None, None),
            NameMatch::None
        );
        assert_eq!(
            ix.match_name(&names(&["other", "text", "render"]), None, None),
            NameMatch::None
        );
        assert_eq!(
            ix.match_name(&names(&["helper"]), None, None),
            NameMatch::Ambiguous(2)
        );
        assert_eq!(
            ix.match_name(&names(&["helper"]), Some("b/util.cpp"), None),
            NameMatch::Unique(7)
        );
    }

    #[test]
    fn rust_module_paths_follow_the_crate_layout() {
        let p = |parts: &[&str]| module_path_in_crate("demo", &names(parts)).join("::");
        assert_eq!(p(&["src", "main.rs"]), "demo");
        assert_eq!(p(&["src", "lib.rs"]), "demo");
        assert_eq!(p(&["src", "text.rs"]), "demo::text");
        assert_eq!(p(&["src", "a", "mod.rs"]), "demo::a");
        assert_eq!(p(&["src", "a", "b.rs"]), "demo::a::b");
        assert_eq!(p(&["src", "bin", "tool.rs"]), "tool");
        assert_eq!(p(&["tests", "cli.rs"]), "cli");
        assert_eq!(p(&["build.rs"]), "build_script_build");
        assert_eq!(p(&["vendor", "my-dep", "src", "x.rs"]), "my_dep::x");
    }
}
