//! The project-wide symbol and type index.
//!
//! A type guard asks questions no single file can answer: what is the type of
//! the member `items_` used in `widget.cpp` (declared in `widget.h`), what
//! does the alias `RowList` (in `types.h`) stand for, does `Doc::title()`
//! (in another module) return `&str` or `String`. The index answers them from
//! the declarations of the whole project, read by tree-sitter:
//!
//! * C++: classes/structs/unions and their members' types, `typedef`/`using`
//!   aliases, function and method signatures (parameter and return types,
//!   `const` methods), enums, namespaces and `using` directives, from headers
//!   and sources. A file sees its own declarations and those of the project
//!   headers it includes, transitively, the way the compiler does.
//! * Rust: structs and enums with their fields and derives, type aliases,
//!   `impl` and trait methods, free functions and `use` renames. A file sees
//!   its own declarations and those of the crate it belongs to.
//!
//! The index is built in the scan's walk but read lazily: the walk records
//! every source file of the project (respecting `.gitignore` and the size
//! limit); a file's declarations are parsed the first time a guard needs
//! them, once for the whole scan, and shared by every thread. Most files of a
//! large tree are never asked about, so the index costs little more than the
//! walk. Answers are as written in the source; `resolve` turns them into
//! canonical types, and anything it cannot place is "unknown".

pub mod cpp;
pub mod facts;
mod handover;
pub mod resolve;
pub mod role;
pub mod rust;
pub mod summary;
pub mod ty;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::lang::Lang;
pub use resolve::FileIndex;
pub use summary::FileSummary;

/// A file's position in the project's file table.
pub type FileId = usize;

/// One source file of the project.
#[derive(Debug)]
pub struct IndexedFile {
    /// Relative to the project root, `/`-separated.
    pub rel: String,
    pub abs: PathBuf,
    pub lang: Lang,
}

/// Every C++ and Rust file of a project, and what each declares (read on
/// demand).
pub struct ProjectIndex {
    root: PathBuf,
    files: Vec<IndexedFile>,
    by_abs: HashMap<PathBuf, FileId>,
    /// File name → the files of that name, for `#include` resolution.
    by_name: HashMap<String, Vec<FileId>>,
    max_file_size: u64,
    texts: Vec<OnceLock<Option<Arc<str>>>>,
    summaries: Vec<OnceLock<Option<Arc<FileSummary>>>>,
    /// C++: the project files each file includes directly.
    includes: Vec<OnceLock<Vec<FileId>>>,
    /// C++: every project file a file includes, nearest first.
    closures: Vec<OnceLock<Arc<Vec<FileId>>>>,
    /// Rust: crates and where each name is declared in them.
    crates: OnceLock<resolve::Crates>,
    /// C++: what each file's code names (see `facts`), for the prefilter.
    facts: Vec<OnceLock<Arc<facts::CodeFacts>>>,
    /// The hashes of every identifier-like word of each file's text, sorted:
    /// whether a header can declare a name is asked for each lookup of each
    /// scanned file, so it must cost a probe, not a search through the
    /// header. Hashes rather than the words themselves: a set of strings
    /// cost more memory than the text (a hash collision only makes a header
    /// be looked at needlessly, never skipped).
    words: Vec<OnceLock<Vec<u64>>>,
    /// Trees parsed for summaries, waiting for the scan of their file.
    handover: handover::Handover,
}

/// Most translation units include far fewer project headers; a cap keeps a
/// pathological include graph from dominating a scan.
const MAX_CLOSURE: usize = 4000;

impl ProjectIndex {
    /// Index the project at `root`: walk it the way `scan` does (ignore files
    /// respected) and record every C++ and Rust file.
    pub fn build(root: &Path, max_file_size: u64) -> ProjectIndex {
        let mut files = Vec::new();
        if root.is_dir() {
            for entry in ignore::WalkBuilder::new(root).build().flatten() {
                if !entry.file_type().is_some_and(|t| t.is_file()) {
                    continue;
                }
                let Some(lang) = Lang::from_path(entry.path()) else {
                    continue;
                };
                let too_large = entry.metadata().is_ok_and(|m| m.len() > max_file_size);
                if too_large {
                    continue;
                }
                let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
                files.push(IndexedFile {
                    rel: rel.to_string_lossy().replace('\\', "/"),
                    abs: entry.path().to_path_buf(),
                    lang,
                });
            }
        } else if let Some(lang) = Lang::from_path(root) {
            files.push(IndexedFile {
                rel: root
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                abs: root.to_path_buf(),
                lang,
            });
        }
        files.sort_by(|a, b| a.rel.cmp(&b.rel));
        Self::from_files(root, files, max_file_size)
    }

    fn from_files(root: &Path, files: Vec<IndexedFile>, max_file_size: u64) -> ProjectIndex {
        let mut by_abs = HashMap::new();
        let mut by_name: HashMap<String, Vec<FileId>> = HashMap::new();
        for (id, f) in files.iter().enumerate() {
            by_abs.insert(f.abs.clone(), id);
            let name = f.rel.rsplit('/').next().unwrap_or(&f.rel).to_string();
            by_name.entry(name).or_default().push(id);
        }
        let n = files.len();
        ProjectIndex {
            root: root.to_path_buf(),
            files,
            by_abs,
            by_name,
            max_file_size,
            texts: (0..n).map(|_| OnceLock::new()).collect(),
            summaries: (0..n).map(|_| OnceLock::new()).collect(),
            includes: (0..n).map(|_| OnceLock::new()).collect(),
            closures: (0..n).map(|_| OnceLock::new()).collect(),
            words: (0..n).map(|_| OnceLock::new()).collect(),
            crates: OnceLock::new(),
            facts: (0..n).map(|_| OnceLock::new()).collect(),
            handover: handover::Handover::new(n),
        }
    }

    /// The project around `path`: the enclosing git work tree, else `path`
    /// itself when it is a directory, else just the file.
    pub fn project_root(path: &Path) -> PathBuf {
        let abs = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        let start = if abs.is_dir() {
            Some(abs.as_path())
        } else {
            abs.parent()
        };
        let repo = start.and_then(|s| s.ancestors().find(|a| a.join(".git").exists()));
        match repo {
            Some(r) => r.to_path_buf(),
            None => abs,
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn files(&self) -> &[IndexedFile] {
        &self.files
    }

    pub fn file(&self, id: FileId) -> &IndexedFile {
        &self.files[id]
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The id of the file at `abs` (any spelling that canonicalizes to it).
    pub fn id_of(&self, abs: &Path) -> Option<FileId> {
        if let Some(id) = self.by_abs.get(abs) {
            return Some(*id);
        }
        let canon = abs.canonicalize().ok()?;
        self.by_abs.get(&canon).copied().or_else(|| {
            let rel = canon.strip_prefix(self.root.canonicalize().ok()?).ok()?;
            let rel = rel.to_string_lossy().replace('\\', "/");
            self.files.iter().position(|f| f.rel == rel)
        })
    }

    /// Whether the file's text holds `name` as a whole word (an identifier
    /// or keyword): a file that does not cannot declare it.
    pub fn mentions(&self, id: FileId, name: &str) -> bool {
        if !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            // `operator==`: not one word; search the text itself.
            return self
                .text(id)
                .is_some_and(|t| memchr::memmem::find(t.as_bytes(), name.as_bytes()).is_some());
        }
        let words = self.words[id].get_or_init(|| {
            let Some(text) = self.text(id) else {
                return Vec::new();
            };
            let mut hashes: Vec<u64> = text
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter(|w| !w.is_empty())
                .map(word_hash)
                .collect();
            hashes.sort_unstable();
            hashes.dedup();
            hashes
        });
        words.binary_search(&word_hash(name)).is_ok()
    }

    /// A file's text, read once; `None` when it cannot be read or is not
    /// UTF-8 (such a file declares nothing the index can trust).
    pub fn text(&self, id: FileId) -> Option<Arc<str>> {
        self.texts[id]
            .get_or_init(|| read_text(&self.files[id].abs, self.max_file_size))
            .clone()
    }

    /// A file's text for a question asked once per run (which `mod`s a
    /// crate declares): the kept text when there is one, else read without
    /// keeping it, so that a tree's worth of text is not held for the whole
    /// scan.
    pub fn text_unkept(&self, id: FileId) -> Option<Arc<str>> {
        if let Some(kept) = self.texts[id].get() {
            return kept.clone();
        }
        read_text(&self.files[id].abs, self.max_file_size)
    }

    /// What a file declares, parsed on first use.
    pub fn summary(&self, id: FileId) -> Option<Arc<FileSummary>> {
        self.summaries[id]
            .get_or_init(|| {
                let text = self.text(id)?;
                let lang = self.files[id].lang;
                let parsed = lang.parse_best(&text);
                let summary = summarize_tree(lang, &parsed.tree, &text);
                self.handover.keep(id, parsed, &text);
                Some(Arc::new(summary))
            })
            .clone()
    }

    /// Say that `id` will be scanned, so that a tree parsed for its summary
    /// before then is kept for the scan (see `handover`).
    pub fn expect_scan(&self, id: FileId) {
        self.handover.expect_scan(id);
    }

    /// The tree parsed for `id`'s summary, if it was parsed from exactly
    /// `src` and kept for this scan; the scan parses the file otherwise.
    pub fn take_parsed(&self, id: FileId, src: &str) -> Option<crate::lang::Parsed<'static>> {
        self.handover.take(id, src)
    }

    /// The summary of `id` for a caller that has parsed `text` anyway (a
    /// scan): the index's own when it is already made from the same text,
    /// else `make()`. The index keeps that one when `text` is what the file
    /// holds and the file is a C++ header, which other files' type questions
    /// will read: each header is then summarised once and parsed once
    /// whichever of the scan and a type question reaches it first. Other
    /// files are asked about rarely, and keeping every summary of a large
    /// tree costs about the size of its source in memory. A text edited in
    /// memory (a `fix` round) is never mixed up with the file's.
    pub fn summary_of_text(
        &self,
        id: FileId,
        text: &str,
        make: impl FnOnce() -> FileSummary,
    ) -> Arc<FileSummary> {
        let same_text = || self.text(id).is_some_and(|t| *t == *text);
        if let Some(Some(ready)) = self.summaries[id].get() {
            if same_text() {
                return ready.clone();
            }
            return Arc::new(make());
        }
        let made = Arc::new(make());
        if crate::lang::is_cpp_header(&self.files[id].rel) && same_text() {
            let _ = self.summaries[id].set(Some(made.clone()));
        }
        made
    }

    /// What a file's code names, read once (empty for an unreadable file).
    pub fn facts(&self, id: FileId) -> Arc<facts::CodeFacts> {
        self.facts[id]
            .get_or_init(|| {
                let text = self.text(id);
                Arc::new(text.map_or_else(Default::default, |t| facts::code_facts(t.as_bytes())))
            })
            .clone()
    }

    /// The project files that `id` includes directly (C++), read from its
    /// `#include` lines without parsing.
    pub fn direct_includes(&self, id: FileId) -> &[FileId] {
        self.includes[id].get_or_init(|| {
            let Some(text) = self.text(id) else {
                return Vec::new();
            };
            include_lines(&text)
                .filter_map(|inc| self.resolve_include(id, inc))
                .filter(|&inc| inc != id)
                .collect()
        })
    }

    /// Every project file `id` includes, directly or not, nearest first.
    pub fn include_closure(&self, id: FileId) -> Arc<Vec<FileId>> {
        self.closures[id]
            .get_or_init(|| {
                let mut seen = vec![id];
                let mut order = Vec::new();
                let mut queue = std::collections::VecDeque::from([id]);
                while let Some(f) = queue.pop_front() {
                    for &inc in self.direct_includes(f) {
                        if !seen.contains(&inc) && order.len() < MAX_CLOSURE {
                            seen.push(inc);
                            order.push(inc);
                            queue.push_back(inc);
                        }
                    }
                }
                // A source's own header is often reached through a path the
                // include lines do not spell the way the file table does
                // (`-I` directories): take `x.h`/`x.hpp` beside `x.cpp` too.
                for sibling in self.companion_headers(id) {
                    if !seen.contains(&sibling) {
                        order.insert(0, sibling);
                    }
                }
                Arc::new(order)
            })
            .clone()
    }

    /// Headers with the same stem in the same directory as a C++ source.
    fn companion_headers(&self, id: FileId) -> Vec<FileId> {
        let rel = &self.files[id].rel;
        let Some((stem, ext)) = rel.rsplit_once('.') else {
            return Vec::new();
        };
        if !matches!(ext, "cc" | "cpp" | "cxx" | "c++" | "c") {
            return Vec::new();
        }
        let stem_name = stem.rsplit('/').next().unwrap_or(stem);
        ["h", "hpp", "hh", "hxx"]
            .iter()
            .filter_map(|e| {
                let want = format!("{stem}.{e}");
                self.by_name
                    .get(&format!("{stem_name}.{e}"))?
                    .iter()
                    .copied()
                    .find(|&f| self.files[f].rel == want)
            })
            .collect()
    }

    /// The project file an `#include` names: beside the including file
    /// first, else the file whose path ends with it, preferring the one
    /// nearest the includer when several do.
    pub fn resolve_include(&self, from: FileId, inc: &str) -> Option<FileId> {
        let inc = inc.trim_start_matches("./");
        let name = inc.rsplit('/').next()?;
        let candidates = self.by_name.get(name)?;
        let from_rel = &self.files[from].rel;
        let dir = from_rel.rsplit_once('/').map_or("", |(d, _)| d);
        let beside = if dir.is_empty() {
            inc.to_string()
        } else {
            format!("{dir}/{inc}")
        };
        let matching: Vec<FileId> = candidates
            .iter()
            .copied()
            .filter(|&c| {
                let rel = &self.files[c].rel;
                *rel == beside || *rel == inc || rel.ends_with(&format!("/{inc}"))
            })
            .collect();
        if let Some(&exact) = matching.iter().find(|&&c| self.files[c].rel == beside) {
            return Some(exact);
        }
        matching
            .into_iter()
            .max_by_key(|&c| common_prefix_len(&self.files[c].rel, from_rel))
    }

    pub(crate) fn crates(&self) -> &resolve::Crates {
        self.crates.get_or_init(|| resolve::Crates::build(self))
    }
}

/// A file's text, `None` when it cannot be read, is larger than
/// `max_file_size` or is not UTF-8.
fn read_text(path: &Path, max_file_size: u64) -> Option<Arc<str>> {
    let meta = std::fs::metadata(path).ok()?;
    if meta.len() > max_file_size {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    String::from_utf8(bytes).ok().map(Arc::from)
}

fn word_hash(word: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<rustc_hash::FxHasher>::default().hash_one(word)
}

/// The summary of a source text in `lang`, from a fresh parse read the way
/// a scan reads it (`Lang::parse_best`), so that a summary is the same
/// whether a scan or a type question made it.
pub fn summarize(lang: Lang, text: &str) -> FileSummary {
    let parsed = lang.parse_best(text);
    summarize_tree(lang, &parsed.tree, text)
}

/// The summary of a source text from its tree.
pub fn summarize_tree(lang: Lang, tree: &tree_sitter::Tree, text: &str) -> FileSummary {
    let mut s = match lang {
        Lang::Cpp => cpp::summarize(tree, text),
        Lang::Rust => rust::summarize(tree, text),
    };
    s.build_lookup();
    s
}

/// The targets of a C/C++ file's `#include` lines, read from its text.
pub fn include_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter_map(|line| {
        let l = line.trim_start();
        let rest = l.strip_prefix('#')?.trim_start().strip_prefix("include")?;
        let rest = rest.trim_start();
        let (open, close) = match rest.as_bytes().first()? {
            b'"' => ('"', '"'),
            b'<' => ('<', '>'),
            _ => return None,
        };
        let inner = rest.strip_prefix(open)?;
        inner.split(close).next()
    })
}

fn common_prefix_len(a: &str, b: &str) -> usize {
    a.split('/')
        .zip(b.split('/'))
        .take_while(|(x, y)| x == y)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, ProjectIndex) {
        let dir = tempfile::tempdir().unwrap();
        for (rel, text) in files {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, text).unwrap();
        }
        let index = ProjectIndex::build(dir.path(), 1 << 20);
        (dir, index)
    }

    #[test]
    fn resolves_includes_beside_and_by_suffix() {
        let (_d, ix) = project(&[
            (
                "src/a.cpp",
                "#include \"a.h\"\n#include \"util/strings.h\"\n#include <vector>\n",
            ),
            ("src/a.h", "#include <util/strings.h>\n"),
            ("include/util/strings.h", "#include \"base.h\"\n"),
            ("include/util/base.h", ""),
            ("other/util/base.h", ""),
        ]);
        let id = |rel: &str| ix.files().iter().position(|f| f.rel == rel).unwrap();
        let closure = ix.include_closure(id("src/a.cpp"));
        let names: Vec<&str> = closure.iter().map(|&i| ix.file(i).rel.as_str()).collect();
        assert_eq!(
            names,
            ["src/a.h", "include/util/strings.h", "include/util/base.h"]
        );
    }

    #[test]
    fn reads_include_lines() {
        let got: Vec<&str> = include_lines(
            "#include \"a.h\"\n  #  include <b/c.h>\n// #include \"no.h\"\n#define X\n",
        )
        .collect();
        assert_eq!(got, ["a.h", "b/c.h"]);
    }
}
