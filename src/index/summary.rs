//! What one file declares, in the words it was written in.
//!
//! A summary keeps types as written (`const Row&`, `Vec<Item>`): resolving
//! them needs the scope they were written in, which is recorded beside them,
//! and other files' declarations, which the resolver brings.

use std::collections::HashMap;
use std::ops::Range;

/// The declarations of one source file that other files can see.
#[derive(Clone, Debug, Default)]
pub struct FileSummary {
    /// C++: the text between the quotes or brackets of each `#include`.
    pub includes: Vec<String>,
    /// C++: namespaces brought in with `using namespace X;` (any scope).
    pub using_namespaces: Vec<String>,
    /// C++: names brought in with `using X::y;` (`std::string`).
    pub using_names: Vec<String>,
    pub types: Vec<TypeDef>,
    pub aliases: Vec<AliasDef>,
    pub functions: Vec<FnDef>,
    /// Variables at namespace, class-static or module scope.
    pub vars: Vec<VarDef>,
    /// Rust: `use a::b::C as D;` as (`D`, `a::b::C`).
    pub uses: Vec<(String, String)>,
    /// Rust: out-of-line modules this file declares (`mod x;`).
    pub mods: Vec<String>,
    /// Rust: byte ranges of test-only code (`#[cfg(test)]` items, `#[test]`
    /// functions).
    pub test_ranges: Vec<Range<usize>>,
    /// Declarations by the last segment of their name (see `build_lookup`).
    lookup: HashMap<String, Vec<Entry>>,
}

/// One declaration of a summary, by kind and position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    Type(usize),
    Alias(usize),
    Function(usize),
    Var(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeKind {
    Class,
    Struct,
    Union,
    Enum,
}

/// A class, struct, union or enum.
#[derive(Clone, Debug)]
pub struct TypeDef {
    /// Qualified with `::` (`ns::Outer::Inner`; Rust: inline modules only).
    pub name: String,
    pub kind: TypeKind,
    pub fields: Vec<FieldDef>,
    /// Base classes as written (C++).
    pub bases: Vec<String>,
    /// Rust: `#[derive(Copy)]`; C++: never set.
    pub copy: bool,
    /// Declared under `template<…>` (C++) or with type parameters (Rust).
    pub generic: bool,
}

#[derive(Clone, Debug)]
pub struct FieldDef {
    pub name: String,
    /// As written, with the declarator's `&`/`*`/`[]` folded in (`int*`).
    pub ty: String,
    pub is_static: bool,
}

/// `using Name = T;`, `typedef T Name;`, Rust `type Name = T;`.
#[derive(Clone, Debug)]
pub struct AliasDef {
    /// Qualified with `::`.
    pub name: String,
    pub target: String,
}

/// Rust's receiver kinds; `None` for free functions and C++.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelfKind {
    None,
    Ref,
    Mut,
    Value,
}

/// A function or method signature (a definition or a prototype).
#[derive(Clone, Debug)]
pub struct FnDef {
    /// Qualified with `::`, the owner included (`ns::Widget::name`).
    pub name: String,
    /// The class (C++) or `impl` type (Rust) it belongs to, qualified.
    pub owner: Option<String>,
    /// The return type as written, the declarator's `&`/`*` folded in
    /// (`const std::string&`); `None` for constructors and `()`.
    pub ret: Option<String>,
    pub params: Vec<ParamDef>,
    /// C++: a `const` member function.
    pub is_const: bool,
    /// C++: `virtual` or `override`/`final`.
    pub is_virtual: bool,
    /// C++: `static` at namespace scope or in an anonymous namespace.
    pub internal: bool,
    pub has_body: bool,
    pub generic: bool,
    pub self_kind: SelfKind,
}

#[derive(Clone, Debug)]
pub struct ParamDef {
    pub name: Option<String>,
    /// As written, the declarator's `&`/`&&`/`*` folded in.
    pub ty: String,
    /// C++: a parameter pack (`const Args&... args`), which takes any number
    /// of arguments, each as `ty`.
    pub variadic: bool,
}

#[derive(Clone, Debug)]
pub struct VarDef {
    /// Qualified with `::`.
    pub name: String,
    pub ty: String,
}

impl FileSummary {
    /// Index the declarations by short name; call once the summary is full.
    pub fn build_lookup(&mut self) {
        let mut lookup: HashMap<String, Vec<Entry>> = HashMap::new();
        let mut add = |name: &str, e: Entry| {
            lookup
                .entry(short_name(name).to_string())
                .or_default()
                .push(e);
        };
        for (i, t) in self.types.iter().enumerate() {
            add(&t.name, Entry::Type(i));
        }
        for (i, a) in self.aliases.iter().enumerate() {
            add(&a.name, Entry::Alias(i));
        }
        for (i, f) in self.functions.iter().enumerate() {
            add(&f.name, Entry::Function(i));
        }
        for (i, v) in self.vars.iter().enumerate() {
            add(&v.name, Entry::Var(i));
        }
        self.lookup = lookup;
    }

    /// The declarations whose name ends in the segment `short`.
    pub fn named(&self, short: &str) -> &[Entry] {
        self.lookup.get(short).map_or(&[], Vec::as_slice)
    }

    pub fn type_named<'s>(&'s self, qualified: &str) -> Option<&'s TypeDef> {
        self.types.iter().find(|t| t.name == qualified)
    }

    pub fn alias_named<'s>(&'s self, qualified: &str) -> Option<&'s AliasDef> {
        self.aliases.iter().find(|a| a.name == qualified)
    }

    pub fn in_test_code(&self, byte: usize) -> bool {
        self.test_ranges.iter().any(|r| r.contains(&byte))
    }
}

/// The last `::` segment of a qualified name.
pub fn short_name(qualified: &str) -> &str {
    qualified.rsplit("::").next().unwrap_or(qualified)
}

/// `a::b` + `c` → `a::b::c`; an empty scope adds nothing.
pub fn join(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_string()
    } else {
        format!("{scope}::{name}")
    }
}
