//! Languages wattson understands: which grammar parses a file, where the
//! parse failed, and which function a byte range belongs to.
//!
//! This module knows nothing of skills, profiles or forges; everything above
//! it asks it "what is this file" and "what is around this node".

pub mod branches;
pub mod normalize;
pub mod outline;

use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tree_sitter::{Language, Node, Parser, Tree};

/// Route tree-sitter's C allocations to mimalloc (the binary's global
/// allocator too). Call once, first thing in `main`, before any parse.
pub fn use_fast_allocator() {
    use libmimalloc_sys as mi;
    // SAFETY: the four functions are one allocator family, never return null
    // for non-zero sizes (mimalloc aborts instead), align like malloc, and
    // this runs before tree-sitter is used, on the main thread.
    unsafe {
        tree_sitter::set_allocator(Some(tree_sitter::Allocator {
            malloc: mi::mi_malloc,
            calloc: mi::mi_calloc,
            realloc: mi::mi_realloc,
            free: mi::mi_free,
        }));
    }
}

/// How many bytes of a C++ file must sit in syntax errors before it is
/// parsed again with one branch of each `#if` group (see `Lang::parse_best`).
const MIN_ERROR_BYTES_TO_RETRY: usize = 2048;

/// A source language with a tree-sitter grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Cpp,
    Rust,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Cpp, Lang::Rust];

    /// The short id used in skill ids (`cpp/...`, `rust/...`) and folder names.
    pub fn id(self) -> &'static str {
        match self {
            Lang::Cpp => "cpp",
            Lang::Rust => "rust",
        }
    }

    pub fn from_id(id: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.id() == id)
    }

    /// The language of a path, from its extension. C sources and headers
    /// (`.c`, `.h`) are parsed as C++: the C++ grammar accepts almost all C,
    /// mixed projects use `.h` for both, and profiles and regressions of C code
    /// need its functions too.
    pub fn from_path(path: &Path) -> Option<Lang> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "rs" => Some(Lang::Rust),
            e if CPP_SOURCE_EXTENSIONS.contains(&e) || CPP_HEADER_EXTENSIONS.contains(&e) => {
                Some(Lang::Cpp)
            }
            _ => None,
        }
    }

    pub fn grammar(self) -> Language {
        match self {
            Lang::Cpp => tree_sitter_cpp::LANGUAGE.into(),
            Lang::Rust => tree_sitter_rust::LANGUAGE.into(),
        }
    }

    pub fn parser(self) -> Parser {
        let mut parser = Parser::new();
        // The grammars are compiled in and their ABI is checked by the
        // `grammars_load` test, so this can only fail on a broken build.
        parser
            .set_language(&self.grammar())
            .expect("bundled grammar has a supported ABI");
        parser
    }

    /// Parse `src` from scratch.
    pub fn parse(self, src: &str) -> Tree {
        self.parse_prepared(&self.for_parsing(src), None)
    }

    /// Parse `src` the way that leaves the fewest bytes in syntax errors:
    /// as it is, or (C++ that does not parse) with only the first branch of
    /// each `#if` group (see `branches`). The result remembers how, so that
    /// an edit of the text is read the same way (`Parsed::reparse`).
    pub fn parse_best(self, src: &str) -> Parsed<'_> {
        let text = self.for_parsing(src);
        let tree = self.parse_prepared(&text, None);
        let as_is = |tree, text| Parsed {
            lang: self,
            tree,
            text,
            first_branches: false,
        };
        if self != Lang::Cpp || !tree.root_node().has_error() {
            return as_is(tree, text);
        }
        let broken = |t: &Tree| error_ranges(t).iter().map(|r| r.len()).sum::<usize>();
        let lost = broken(&tree);
        // A statement or two that do not parse (a macro the grammar cannot
        // read) cost little and are not what branches cause: parse again
        // only when a large part of the file is lost.
        if lost < MIN_ERROR_BYTES_TO_RETRY {
            return as_is(tree, text);
        }
        let Some(first) = branches::first_branches_only(&text) else {
            return as_is(tree, text);
        };
        let other = self.parse_prepared(&first, None);
        if broken(&other) < lost {
            Parsed {
                lang: self,
                tree: other,
                text: std::borrow::Cow::Owned(first),
                first_branches: true,
            }
        } else {
            as_is(tree, text)
        }
    }

    /// The text the grammar reads: C++ with the macros the grammar cannot
    /// take blanked out, byte for byte (see `normalize`); Rust as it is.
    fn for_parsing(self, src: &str) -> std::borrow::Cow<'_, str> {
        match self {
            Lang::Cpp => normalize::for_parsing(src),
            Lang::Rust => std::borrow::Cow::Borrowed(src),
        }
    }

    /// Parse a text made by `for_parsing`, reusing `old` (already edited to
    /// match) when given.
    fn parse_prepared(self, text: &str, old: Option<&Tree>) -> Tree {
        // One parser per thread and language, reused across files.
        thread_local! {
            static PARSERS: std::cell::RefCell<Vec<(Lang, Parser)>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        PARSERS.with(|cell| {
            let mut parsers = cell.borrow_mut();
            let i = match parsers.iter().position(|(l, _)| *l == self) {
                Some(i) => i,
                None => {
                    parsers.push((self, self.parser()));
                    parsers.len() - 1
                }
            };
            parsers[i]
                .1
                .parse(text, old)
                .expect("parser has a language and no timeout")
        })
    }

    /// Node kinds that delimit a function body: the unit in which guards look
    /// for declarations and uses.
    pub fn is_function(self, kind: &str) -> bool {
        match self {
            Lang::Cpp => matches!(kind, "function_definition" | "lambda_expression"),
            Lang::Rust => matches!(kind, "function_item" | "closure_expression"),
        }
    }

    /// Node kinds that repeat their body.
    pub fn is_loop(self, kind: &str) -> bool {
        match self {
            Lang::Cpp => matches!(
                kind,
                "for_statement" | "for_range_loop" | "while_statement" | "do_statement"
            ),
            Lang::Rust => matches!(
                kind,
                "for_expression" | "while_expression" | "loop_expression"
            ),
        }
    }
}

/// Extensions (lower case) of C/C++ files compiled on their own.
const CPP_SOURCE_EXTENSIONS: &[&str] = &["c", "cc", "cpp", "cxx", "c++"];

/// Extensions (lower case) of C/C++ files other files include.
const CPP_HEADER_EXTENSIONS: &[&str] =
    &["h", "hh", "hpp", "hxx", "h++", "ipp", "tpp", "inl", "tcc"];

/// Whether `path` names a C/C++ header: a file other files include, whose
/// declarations the index is asked about again and again.
pub fn is_cpp_header(path: &str) -> bool {
    Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| CPP_HEADER_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// A source text parsed by [`Lang::parse_best`], with the text the grammar
/// read (normalized, perhaps with `#if` branches blanked).
pub struct Parsed<'s> {
    pub lang: Lang,
    pub tree: Tree,
    text: std::borrow::Cow<'s, str>,
    first_branches: bool,
}

impl Parsed<'_> {
    /// The same parse, owning the text the grammar read.
    pub fn into_owned(self) -> Parsed<'static> {
        Parsed {
            lang: self.lang,
            tree: self.tree,
            text: std::borrow::Cow::Owned(self.text.into_owned()),
            first_branches: self.first_branches,
        }
    }

    /// Parse `new_src`, an edit of this text, reusing the subtrees the edit
    /// did not touch. Checking a candidate edit re-parses the whole file
    /// otherwise, which on a large file costs as much as scanning it. The
    /// edit is read the way this text was (same normalization, same `#if`
    /// branches), and the edited span is found by comparing the two texts as
    /// the grammar sees them, so it is exact whatever the edits were.
    pub fn reparse(&self, new_src: &str) -> Tree {
        let lang = self.lang;
        let mut new_text = lang.for_parsing(new_src);
        if self.first_branches {
            if let Some(first) = branches::first_branches_only(&new_text) {
                new_text = std::borrow::Cow::Owned(first);
            }
        }
        let (old_b, new_b) = (self.text.as_bytes(), new_text.as_bytes());
        let prefix = old_b.iter().zip(new_b).take_while(|(a, b)| a == b).count();
        let room = old_b.len().min(new_b.len()) - prefix;
        let suffix = old_b
            .iter()
            .rev()
            .zip(new_b.iter().rev())
            .take(room)
            .take_while(|(a, b)| a == b)
            .count();
        let point = |text: &[u8], at: usize| {
            let before = &text[..at];
            let row = memchr::memchr_iter(b'\n', before).count();
            let column = at - memchr::memrchr(b'\n', before).map_or(0, |p| p + 1);
            tree_sitter::Point { row, column }
        };
        let (old_end, new_end) = (old_b.len() - suffix, new_b.len() - suffix);
        let mut tree = self.tree.clone();
        tree.edit(&tree_sitter::InputEdit {
            start_byte: prefix,
            old_end_byte: old_end,
            new_end_byte: new_end,
            start_position: point(old_b, prefix),
            old_end_position: point(old_b, old_end),
            new_end_position: point(new_b, new_end),
        });
        lang.parse_prepared(&new_text, Some(&tree))
    }
}

/// Byte ranges of every ERROR and MISSING node: the places where the parser
/// had to guess. Skills never touch code inside or around them.
pub fn error_ranges(tree: &Tree) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let root = tree.root_node();
    if !root.has_error() {
        return out;
    }
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            out.push(node.byte_range());
            continue;
        }
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            if child.has_error() {
                stack.push(child);
            }
        }
    }
    out
}

/// The number of ERROR and MISSING nodes in a tree.
pub fn error_count(tree: &Tree) -> usize {
    error_ranges(tree).len()
}

/// The closest ancestor (or `node` itself) that satisfies `pred`.
pub fn ancestor<'t>(node: Node<'t>, pred: impl Fn(&Node<'t>) -> bool) -> Option<Node<'t>> {
    let mut cur = Some(node);
    while let Some(n) = cur {
        if pred(&n) {
            return Some(n);
        }
        cur = n.parent();
    }
    None
}

/// The named (non-closure, non-lambda) function definition around `node`.
pub fn enclosing_named_function(lang: Lang, node: Node<'_>) -> Option<Node<'_>> {
    ancestor(node, |n| match lang {
        Lang::Cpp => n.kind() == "function_definition",
        Lang::Rust => n.kind() == "function_item",
    })
}

/// A readable qualified name of the function around `node`, such as
/// `geo::Grid::fill` (C++) or `Parser::next` (Rust), or `None` at file scope.
pub fn function_name(lang: Lang, node: Node<'_>, src: &str) -> Option<String> {
    let func = enclosing_named_function(lang, node)?;
    let text = |n: Node| src[n.byte_range()].to_string();
    let mut parts: Vec<String> = Vec::new();
    match lang {
        Lang::Cpp => {
            let mut decl = func.child_by_field_name("declarator")?;
            // Peel pointer/reference declarators down to the function declarator.
            while decl.kind() != "function_declarator" {
                decl = decl.child_by_field_name("declarator")?;
            }
            parts.push(text(decl.child_by_field_name("declarator")?));
        }
        Lang::Rust => parts.push(text(func.child_by_field_name("name")?)),
    }
    let mut cur = func.parent();
    while let Some(n) = cur {
        let scope = match (lang, n.kind()) {
            (Lang::Cpp, "namespace_definition" | "class_specifier" | "struct_specifier") => {
                n.child_by_field_name("name").map(text)
            }
            (Lang::Rust, "impl_item") => n.child_by_field_name("type").map(|t| {
                let full = text(t);
                // `Parser<'a, T>` is `Parser` for a reader.
                full.split('<').next().unwrap_or(&full).trim().to_string()
            }),
            (Lang::Rust, "mod_item" | "trait_item") => n.child_by_field_name("name").map(text),
            _ => None,
        };
        if let Some(s) = scope {
            parts.push(s);
        }
        cur = n.parent();
    }
    parts.reverse();
    Some(parts.join("::"))
}

/// 1-based line of a byte offset.
pub fn line_of(src: &str, byte: usize) -> usize {
    src.as_bytes()[..byte.min(src.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammars_load() {
        for lang in Lang::ALL {
            let tree = lang.parse("int x;");
            assert!(tree.root_node().child_count() > 0, "{lang:?}");
        }
    }

    #[test]
    fn reparse_after_an_edit_equals_a_fresh_parse() {
        let cases = [
            (
                Lang::Cpp,
                "#include <vector>\nvoid f(const std::vector<int> v) {\n  for (int i = 0; i < 3; ++i) { g(v); }\n}\nint h() { return 1; }\n",
                "#include <vector>\nvoid f(const std::vector<int>& v) {\n  for (int i = 0; i < 3; ++i) { g(v); }\n}\nint h() { return 1; }\n",
            ),
            // The edit changes what normalization blanks: `PRIu64` between
            // literals is blanked, the same word elsewhere is not.
            (
                Lang::Cpp,
                "void f(uint64_t n) { printf(\"%\" PRIu64 \"\\n\", n); }\nint x;\n",
                "void f(uint64_t n) { printf(PRIu64 \"\\n\", n); }\nint x;\n",
            ),
            (
                Lang::Rust,
                "fn f(v: &[u8]) -> Vec<u8> {\n    let mut out = Vec::new();\n    out.extend(v.iter().cloned());\n    out\n}\n",
                "fn f(v: &[u8]) -> Vec<u8> {\n    let mut out = Vec::with_capacity(v.len());\n    out.extend_from_slice(v);\n    out\n}\n",
            ),
            (Lang::Rust, "fn a() {}\n", "fn a() {}\n"),
            (Lang::Rust, "fn a() {}\nfn b() {}\n", "fn b() {}\n"),
        ];
        for (lang, old, new) in cases {
            let again = lang.parse_best(old).reparse(new);
            assert_eq!(
                again.root_node().to_sexp(),
                lang.parse(new).root_node().to_sexp(),
                "{new}"
            );
        }
    }

    #[test]
    fn detects_languages_by_extension() {
        assert_eq!(Lang::from_path(Path::new("a/b.cc")), Some(Lang::Cpp));
        assert_eq!(Lang::from_path(Path::new("x.H")), Some(Lang::Cpp));
        assert_eq!(Lang::from_path(Path::new("lib.rs")), Some(Lang::Rust));
        assert_eq!(Lang::from_path(Path::new("README.md")), None);
    }

    #[test]
    fn finds_error_regions() {
        let src = "int f() { return 1; }\nint g( { oops }\n";
        let tree = Lang::Cpp.parse(src);
        let errs = error_ranges(&tree);
        assert!(!errs.is_empty());
        assert!(errs.iter().all(|r| r.start >= src.find("int g").unwrap()));
        assert!(error_ranges(&Lang::Cpp.parse("int f() { return 1; }")).is_empty());
    }

    #[test]
    fn names_cpp_functions_with_their_scopes() {
        let src = "namespace geo { class Grid { void fill() { int x = 1; } }; }\nvoid geo::Grid::draw() { int y; }";
        let tree = Lang::Cpp.parse(src);
        let at = |needle: &str| {
            let b = src.find(needle).unwrap();
            tree.root_node().descendant_for_byte_range(b, b).unwrap()
        };
        assert_eq!(
            function_name(Lang::Cpp, at("x = 1"), src).as_deref(),
            Some("geo::Grid::fill")
        );
        assert_eq!(
            function_name(Lang::Cpp, at("y;"), src).as_deref(),
            Some("geo::Grid::draw")
        );
    }

    #[test]
    fn names_rust_methods_by_impl_type() {
        let src =
            "mod m { struct P<'a>(&'a str); impl<'a> P<'a> { fn next(&self) { let z = 1; } } }";
        let tree = Lang::Rust.parse(src);
        let b = src.find("z = 1").unwrap();
        let node = tree.root_node().descendant_for_byte_range(b, b).unwrap();
        assert_eq!(
            function_name(Lang::Rust, node, src).as_deref(),
            Some("m::P::next")
        );
    }
}
