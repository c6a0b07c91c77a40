//! The outline of a source file: every named function with its qualified
//! name (as a symbol would spell it), its line span and the line spans of its
//! loops. Profiles are joined to source through this.
//!
//! Qualified names follow what compilers put in symbols: C++ namespaces and
//! classes, with out-of-line definitions (`void A::B::f()`) split into their
//! parts and template arguments dropped; Rust inline `mod`s, `impl` self
//! types (trait impls too: `impl Display for Grid` gives `Grid::fmt`, as
//! `<Grid as Display>::fmt` reads once the wrapper is dropped) and enclosing
//! functions for nested `fn` items. Lambdas and closures are not functions of
//! their own here: their cost belongs to the function they are written in.
//! A Rust file's module path comes from its place in the crate, which only
//! the caller knows; names here start below it.

use tree_sitter::{Node, Tree};

use super::Lang;

/// One function definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionSpan {
    /// Qualified name, one component per entry: `["geo", "Grid", "fill"]`.
    pub name: Vec<String>,
    /// 1-based, inclusive.
    pub start_line: u32,
    pub end_line: u32,
    /// Line spans (1-based, inclusive) of the loops directly in this function
    /// (not in nested named functions), outermost first.
    pub loops: Vec<(u32, u32)>,
}

/// Every named function in a parsed file, in source order.
pub fn functions(lang: Lang, tree: &Tree, src: &str) -> Vec<FunctionSpan> {
    struct Open {
        scope_pushed: usize,
        function: Option<usize>,
    }
    let mut out: Vec<FunctionSpan> = Vec::new();
    let mut scope: Vec<String> = Vec::new();
    let mut path: Vec<Open> = Vec::new();
    let mut cursor = tree.walk();
    loop {
        let node = cursor.node();
        let mut open = Open {
            scope_pushed: 0,
            function: None,
        };
        if is_named_function(lang, node.kind()) {
            if let Some(own) = own_name(lang, node, src) {
                let mut name = scope.clone();
                name.extend(own.iter().cloned());
                out.push(FunctionSpan {
                    name,
                    start_line: line(node.start_position()),
                    end_line: line(node.end_position()),
                    loops: Vec::new(),
                });
                open.function = Some(out.len() - 1);
                if lang == Lang::Rust {
                    // Nested fn items are `outer::inner` in Rust symbols.
                    open.scope_pushed = own.len();
                    scope.extend(own);
                }
            }
        } else if lang.is_loop(node.kind()) {
            if let Some(f) = path.iter().rev().find_map(|o| o.function) {
                out[f]
                    .loops
                    .push((line(node.start_position()), line(node.end_position())));
            }
        } else {
            let parts = scope_parts(lang, node, src);
            open.scope_pushed = parts.len();
            scope.extend(parts);
        }
        if cursor.goto_first_child() {
            path.push(open);
            continue;
        }
        // A leaf: undo it, then climb until a sibling is found.
        scope.truncate(scope.len() - open.scope_pushed);
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return out;
            }
            let closed = path.pop().expect("path tracks the cursor");
            scope.truncate(scope.len() - closed.scope_pushed);
        }
    }
}

fn line(p: tree_sitter::Point) -> u32 {
    p.row as u32 + 1
}

fn is_named_function(lang: Lang, kind: &str) -> bool {
    match lang {
        Lang::Cpp => kind == "function_definition",
        Lang::Rust => kind == "function_item",
    }
}

/// The function's own name components (`A::B::f` for an out-of-line C++
/// definition gives three).
fn own_name(lang: Lang, func: Node<'_>, src: &str) -> Option<Vec<String>> {
    match lang {
        Lang::Cpp => {
            let mut decl = func.child_by_field_name("declarator")?;
            while decl.kind() != "function_declarator" {
                decl = decl.child_by_field_name("declarator")?;
            }
            let name = decl.child_by_field_name("declarator")?;
            Some(split_qualified(&src[name.byte_range()]))
        }
        Lang::Rust => {
            let name = func.child_by_field_name("name")?;
            Some(vec![src[name.byte_range()].to_string()])
        }
    }
}

/// The scope components a node adds for the functions inside it.
fn scope_parts(lang: Lang, node: Node<'_>, src: &str) -> Vec<String> {
    let text = |n: Node| &src[n.byte_range()];
    match (lang, node.kind()) {
        (Lang::Cpp, "namespace_definition") => node
            .child_by_field_name("name")
            .map(|n| split_qualified(text(n)))
            .unwrap_or_default(),
        (Lang::Cpp, "class_specifier" | "struct_specifier" | "union_specifier") => {
            // Only a class with a body opens a scope (not `struct S s;`).
            if node.child_by_field_name("body").is_none() {
                return Vec::new();
            }
            node.child_by_field_name("name")
                .map(|n| split_qualified(text(n)))
                .unwrap_or_default()
        }
        (Lang::Rust, "impl_item") => node
            .child_by_field_name("type")
            .map(|t| vec![rust_type_name(text(t))])
            .unwrap_or_default(),
        (Lang::Rust, "mod_item" | "trait_item") => {
            if node.child_by_field_name("body").is_none() {
                return Vec::new();
            }
            node.child_by_field_name("name")
                .map(|n| vec![text(n).to_string()])
                .unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

/// `&'a mut geo::Grid<T>` → `Grid`.
fn rust_type_name(text: &str) -> String {
    let base = text.split('<').next().unwrap_or(text).trim();
    let mut words = base.trim_start_matches('&').split_whitespace();
    let mut name = words.next().unwrap_or("");
    // Skip a lifetime and `mut` after `&`.
    while name.starts_with('\'') || name == "mut" || name == "dyn" {
        name = words.next().unwrap_or("");
    }
    name.rsplit("::").next().unwrap_or(name).to_string()
}

/// `A<T>::B::operator()` → `["A", "B", "operator()"]`: split on `::` outside
/// template brackets, dropping the brackets' contents.
pub fn split_qualified(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' if !cur.starts_with("operator") => depth += 1,
            '>' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            ':' if chars.peek() == Some(&':') => {
                chars.next();
                if !cur.trim().is_empty() {
                    parts.push(cur.trim().to_string());
                }
                cur.clear();
            }
            c if c.is_whitespace() && !cur.starts_with("operator") => {}
            c => cur.push(c),
        }
    }
    if !cur.trim().is_empty() {
        parts.push(cur.trim().to_string());
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    type Shown = (String, u32, u32, Vec<(u32, u32)>);

    fn outline(lang: Lang, src: &str) -> Vec<Shown> {
        let tree = lang.parse(src);
        functions(lang, &tree, src)
            .into_iter()
            .map(|f| (f.name.join("::"), f.start_line, f.end_line, f.loops))
            .collect()
    }

    #[test]
    fn cpp_names_follow_namespaces_classes_and_out_of_line_definitions() {
        let src = "namespace geo {\n\
                   struct Grid {\n\
                     int size() const { return n; }\n\
                     void fill(int v);\n\
                   };\n\
                   void Grid::fill(int v) {\n\
                     for (int i = 0; i < n; ++i) { auto f = [&] { return v; }; }\n\
                   }\n\
                   namespace { int helper() { return 1; } }\n\
                   }\n\
                   template <typename T> T Box<T>::get() { while (true) {} }\n\
                   bool operator<(const A&, const A&) { return true; }\n\
                   namespace a::b { Grid::~Grid() {} }\n";
        let names: Vec<_> = outline(Lang::Cpp, src);
        assert_eq!(
            names,
            [
                ("geo::Grid::size".to_string(), 3, 3, vec![]),
                ("geo::Grid::fill".to_string(), 6, 8, vec![(7, 7)]),
                ("geo::helper".to_string(), 9, 9, vec![]),
                ("Box::get".to_string(), 11, 11, vec![(11, 11)]),
                ("operator<".to_string(), 12, 12, vec![]),
                ("a::b::Grid::~Grid".to_string(), 13, 13, vec![]),
            ]
        );
    }

    #[test]
    fn rust_names_follow_mods_impls_traits_and_nested_fns() {
        let src = "fn main() {\n\
                     let f = |x: u32| x + 1;\n\
                     fn inner() {}\n\
                     for i in 0..3 { loop { break; } }\n\
                   }\n\
                   mod text { pub fn render() {} }\n\
                   impl<'a, T> Grid<'a, T> { fn fill(&mut self) {} }\n\
                   impl fmt::Display for &'a mut Grid { fn fmt(&self) {} }\n\
                   trait Shape { fn area(&self) -> f64 { 0.0 } }\n";
        assert_eq!(
            outline(Lang::Rust, src),
            [
                ("main".to_string(), 1, 5, vec![(4, 4), (4, 4)]),
                ("main::inner".to_string(), 3, 3, vec![]),
                ("text::render".to_string(), 6, 6, vec![]),
                ("Grid::fill".to_string(), 7, 7, vec![]),
                ("Grid::fmt".to_string(), 8, 8, vec![]),
                ("Shape::area".to_string(), 9, 9, vec![]),
            ]
        );
    }

    #[test]
    fn qualified_text_splits_outside_template_brackets() {
        assert_eq!(split_qualified("A<B::C>::f"), ["A", "f"]);
        assert_eq!(split_qualified("X::operator()"), ["X", "operator()"]);
        assert_eq!(split_qualified("X::operator<<"), ["X", "operator<<"]);
    }
}
