//! Answering type questions for one file from what it can see: its own
//! declarations first, then (C++) the project headers it includes or (Rust)
//! the rest of its crate.
//!
//! Names are resolved by scope the way the languages do it, well enough to be
//! right on ordinary code: a C++ name written inside `ns::Widget` is looked
//! for as `ns::Widget::N`, `ns::N`, `N` and under every `using namespace`;
//! a Rust name through the file's `use` renames, its own items, then the
//! crate's. When no declaration is found, or the declarations disagree, the
//! answer is "unknown" — never a guess.

use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

use tree_sitter::Node;

use super::summary::{join, short_name, Entry, FieldDef, FileSummary, FnDef, TypeDef};
use super::ty::Ty;
use super::{FileId, ProjectIndex};
use crate::lang::Lang;

/// Where a name is written: its namespace/module path, and the class or
/// `impl` type whose members are in scope.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    /// `::`-separated namespaces and classes (C++) or inline modules (Rust).
    pub path: String,
    /// The enclosing class (C++, also for out-of-line member definitions)
    /// or `impl` type (Rust), qualified.
    pub owner: Option<String>,
}

impl Scope {
    /// The scope of the code at `node`, read from its ancestors.
    pub fn at(lang: Lang, node: Node<'_>, src: &str) -> Scope {
        let text = |n: Node<'_>| src[n.byte_range()].split_whitespace().collect::<String>();
        let mut parts: Vec<String> = Vec::new();
        let mut owner_parts: Option<Vec<String>> = None;
        let mut cur = node.parent();
        let mut child = node;
        while let Some(n) = cur {
            match (lang, n.kind()) {
                (Lang::Cpp, "namespace_definition") => {
                    if let Some(name) = n.child_by_field_name("name") {
                        parts.push(text(name));
                    }
                }
                (Lang::Cpp, "class_specifier" | "struct_specifier" | "union_specifier")
                    if n.child_by_field_name("body") == Some(child) =>
                {
                    if let Some(name) = n.child_by_field_name("name") {
                        let t = text(name);
                        let t = t.split('<').next().unwrap_or(&t).to_string();
                        if owner_parts.is_none() {
                            owner_parts = Some(Vec::new());
                        }
                        parts.push(t);
                    }
                }
                (Lang::Cpp, "function_definition") if owner_parts.is_none() => {
                    // `void ns::Widget::draw() {…}`: the owner is in the name.
                    if let Some(name) = cpp_function_name(n, src) {
                        if let Some((q, _)) = name.rsplit_once("::") {
                            owner_parts = Some(q.split("::").map(str::to_string).collect());
                        }
                    }
                }
                (Lang::Rust, "mod_item") => {
                    if let Some(name) = n.child_by_field_name("name") {
                        parts.push(text(name));
                    }
                }
                (Lang::Rust, "impl_item" | "trait_item") if owner_parts.is_none() => {
                    let ty = match n.kind() {
                        "impl_item" => n.child_by_field_name("type"),
                        _ => n.child_by_field_name("name"),
                    };
                    if let Some(t) = ty {
                        let t = text(t);
                        let base = t.split('<').next().unwrap_or(&t).to_string();
                        owner_parts = Some(vec![base]);
                    }
                }
                _ => {}
            }
            child = n;
            cur = n.parent();
        }
        parts.reverse();
        let path = parts.join("::");
        let owner = match (lang, owner_parts) {
            // An out-of-line member: `ns` (the path) + `Widget` (its name).
            (Lang::Cpp, Some(extra)) if !extra.is_empty() => Some(join(&path, &extra.join("::"))),
            // Inside the class body: the path already ends with the class.
            (Lang::Cpp, Some(_)) => Some(path.clone()),
            (Lang::Rust, Some(extra)) => Some(join(&path, &extra.join("::"))),
            _ => None,
        };
        let path = match (&owner, lang) {
            (Some(o), Lang::Cpp) => o.clone(),
            _ => path,
        };
        Scope { path, owner }
    }

    /// The scopes a name written here may live in, innermost first.
    fn prefixes(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut p = self.path.as_str();
        loop {
            out.push(p.to_string());
            match p.rsplit_once("::") {
                Some((head, _)) => p = head,
                None if !p.is_empty() => p = "",
                None => break,
            }
        }
        out
    }
}

/// The written name of a C++ function definition (`ns::W::f`).
fn cpp_function_name(func: Node<'_>, src: &str) -> Option<String> {
    let mut d = func.child_by_field_name("declarator")?;
    while d.kind() != "function_declarator" {
        d = d
            .child_by_field_name("declarator")
            .or_else(|| d.named_child(0))?;
    }
    let name = d.child_by_field_name("declarator")?;
    Some(src[name.byte_range()].split_whitespace().collect())
}

/// The file summaries a lookup reads, nearest first.
type Summaries = Rc<[Arc<FileSummary>]>;

/// What one file can see, and the questions guards ask of it.
pub struct FileIndex<'p> {
    pub lang: Lang,
    own: Arc<FileSummary>,
    project: Option<&'p ProjectIndex>,
    id: Option<FileId>,
    /// `summaries_naming`, by name: a file asks about the same few names
    /// (`string`, its own classes) over and over.
    naming: std::cell::RefCell<rustc_hash::FxHashMap<Box<str>, Summaries>>,
    using_namespaces: std::cell::OnceCell<Vec<String>>,
}

/// A declaration found by a lookup, with the scope it was declared in (the
/// scope its own types are written in).
#[derive(Clone, Debug)]
pub struct Found<T> {
    pub item: T,
    pub scope: Scope,
}

/// How deep alias chains and base-class climbs go before giving up.
const MAX_DEPTH: usize = 8;

impl<'p> FileIndex<'p> {
    pub fn new(
        lang: Lang,
        own: Arc<FileSummary>,
        project: Option<&'p ProjectIndex>,
        id: Option<FileId>,
    ) -> FileIndex<'p> {
        FileIndex {
            lang,
            own,
            project,
            id,
            naming: Default::default(),
            using_namespaces: Default::default(),
        }
    }

    /// An index of one text alone (skill examples, tests).
    pub fn standalone(lang: Lang, tree: &tree_sitter::Tree, src: &str) -> FileIndex<'static> {
        FileIndex::new(
            lang,
            Arc::new(super::summarize_tree(lang, tree, src)),
            None,
            None,
        )
    }

    pub fn own(&self) -> &FileSummary {
        &self.own
    }

    /// The summaries that may declare something named `short`: this file's,
    /// then the included headers' (C++) or the crate's (Rust) whose text
    /// mentions the name at all.
    fn summaries_naming(&self, short: &str) -> Summaries {
        if let Some(known) = self.naming.borrow().get(short) {
            return known.clone();
        }
        let found: Summaries = self.find_summaries_naming(short).into();
        self.naming.borrow_mut().insert(short.into(), found.clone());
        found
    }

    fn find_summaries_naming(&self, short: &str) -> Vec<Arc<FileSummary>> {
        let mut out = vec![self.own.clone()];
        let (Some(project), Some(id)) = (self.project, self.id) else {
            return out;
        };
        let others: Vec<FileId> = match self.lang {
            Lang::Cpp => project.include_closure(id).to_vec(),
            Lang::Rust => project.crates().files_declaring(project, id, short),
        };
        for f in others {
            if project.mentions(f, short) {
                if let Some(s) = project.summary(f) {
                    out.push(s);
                }
            }
        }
        out
    }

    /// Every declaration named exactly `qualified`, nearest file first.
    fn entries(&self, qualified: &str) -> Vec<(Arc<FileSummary>, Entry)> {
        let short = short_name(qualified);
        let mut out = Vec::new();
        for s in self.summaries_naming(short).iter() {
            for e in s.named(short) {
                let name = entry_name(s, *e);
                if name == qualified || (self.lang == Lang::Rust && short_name(name) == qualified) {
                    out.push((s.clone(), *e));
                }
            }
        }
        out
    }

    /// The qualified names a name written in `scope` may mean, most likely
    /// first.
    fn candidates(&self, written: &str, scope: &Scope) -> Vec<String> {
        let written = written.trim_start_matches("::");
        let mut out = Vec::new();
        match self.lang {
            Lang::Cpp => {
                for p in scope.prefixes() {
                    out.push(join(&p, written));
                }
                for ns in self.using_namespaces() {
                    out.push(join(ns, written));
                }
            }
            Lang::Rust => {
                // Rust paths: `crate::a::B`, `super::B`, `B`: the item's own
                // name is what the summaries are keyed by.
                let last = short_name(written);
                let renamed = self
                    .own
                    .uses
                    .iter()
                    .find(|(local, _)| local == last)
                    .map(|(_, path)| short_name(path).to_string());
                out.push(renamed.unwrap_or_else(|| last.to_string()));
            }
        }
        out.dedup();
        out
    }

    fn using_namespaces(&self) -> &[String] {
        self.using_namespaces.get_or_init(|| {
            let mut out = self.own.using_namespaces.clone();
            if let (Some(project), Some(id)) = (self.project, self.id) {
                for f in project.include_closure(id).iter() {
                    if project.mentions(*f, "using") {
                        if let Some(s) = project.summary(*f) {
                            out.extend(s.using_namespaces.iter().cloned());
                        }
                    }
                }
            }
            out.sort();
            out.dedup();
            out
        })
    }

    /// Whether the unqualified `name` means `std::name` here: `using
    /// namespace std;` or `using std::name;` in the file or a header it
    /// includes.
    pub fn std_visible(&self, name: &str) -> bool {
        if self.lang != Lang::Cpp {
            return false;
        }
        // `using namespace std;` here or in a header: the memoised directives.
        if self.using_namespaces().iter().any(|n| n == "std") {
            return true;
        }
        let wanted = format!("std::{name}");
        if self.own.using_names.contains(&wanted) {
            return true;
        }
        let (Some(project), Some(id)) = (self.project, self.id) else {
            return false;
        };
        project.include_closure(id).iter().any(|f| {
            project.mentions(*f, "using")
                && project
                    .summary(*f)
                    .is_some_and(|s| s.using_names.contains(&wanted))
        })
    }

    /// The class or struct a name written in `scope` means.
    pub fn find_type(&self, written: &str, scope: &Scope) -> Option<Found<TypeDef>> {
        for q in self.candidates(written, scope) {
            for (s, e) in self.entries(&q) {
                if let Entry::Type(i) = e {
                    let t = s.types[i].clone();
                    let scope = scope_of(&t.name);
                    return Some(Found { item: t, scope });
                }
            }
        }
        None
    }

    /// The alias target a name written in `scope` stands for.
    fn find_alias(&self, written: &str, scope: &Scope) -> Option<Found<String>> {
        for q in self.candidates(written, scope) {
            for (s, e) in self.entries(&q) {
                if let Entry::Alias(i) = e {
                    let a = &s.aliases[i];
                    return Some(Found {
                        item: a.target.clone(),
                        scope: scope_of(&a.name),
                    });
                }
            }
        }
        None
    }

    /// Canonical form of a type written in `scope`: aliases expanded (also
    /// inside template arguments), classes qualified, unqualified standard
    /// names under `using` given their `std::`, Rust standard paths reduced
    /// to the type's name.
    pub fn resolve(&self, ty: &Ty, scope: &Scope) -> Ty {
        self.resolve_depth(ty, scope, 0)
    }

    fn resolve_depth(&self, ty: &Ty, scope: &Scope, depth: usize) -> Ty {
        if ty.is_unknown() || ty.is_auto || depth > MAX_DEPTH {
            return ty.clone();
        }
        let mut out = ty.clone();
        out.args = ty
            .args
            .iter()
            .map(|a| self.resolve_depth(a, scope, depth + 1))
            .collect();
        match self.lang {
            Lang::Cpp => self.resolve_cpp_base(out, scope, depth),
            Lang::Rust => self.resolve_rust_base(out, scope, depth),
        }
    }

    fn resolve_cpp_base(&self, mut ty: Ty, scope: &Scope, depth: usize) -> Ty {
        if is_cpp_primitive(&ty.base) {
            return ty;
        }
        if let Some(rest) = ty.base.strip_prefix("std::") {
            // Implementation namespaces (`std::__cxx11::string`) are std's.
            let last = rest.rsplit("::").next().unwrap_or(rest);
            if rest.starts_with("__") {
                ty.base = format!("std::{last}");
            }
            return ty;
        }
        if let Some(alias) = self.find_alias(&ty.base, scope) {
            let target = Ty::parse_cpp(&alias.item);
            let mut resolved = self.resolve_depth(&target, &alias.scope, depth + 1);
            resolved.is_const |= ty.is_const;
            resolved.is_ref |= ty.is_ref;
            resolved.rvalue |= ty.rvalue;
            resolved.is_ptr |= ty.is_ptr;
            if resolved.args.is_empty() {
                resolved.args = ty.args;
            }
            return resolved;
        }
        if let Some(found) = self.find_type(&ty.base, scope) {
            ty.base = found.item.name;
            return ty;
        }
        if !ty.base.contains("::") && self.std_visible(&ty.base) {
            ty.base = format!("std::{}", ty.base);
        }
        ty
    }

    fn resolve_rust_base(&self, mut ty: Ty, scope: &Scope, depth: usize) -> Ty {
        if ty.base == "Self" {
            if let Some(owner) = &scope.owner {
                ty.base = short_name(owner).to_string();
            }
            return ty;
        }
        if ty.base.contains("::") {
            let first = ty.base.split("::").next().unwrap_or("");
            if matches!(first, "std" | "core" | "alloc" | "crate" | "self" | "super") {
                ty.base = short_name(&ty.base).to_string();
            } else {
                return ty;
            }
        }
        if let Some((_, path)) = self.own.uses.iter().find(|(local, _)| *local == ty.base) {
            ty.base = short_name(path).to_string();
        }
        if is_rust_std_type(&ty.base) {
            return ty;
        }
        if let Some(alias) = self.find_alias(&ty.base, scope) {
            let target = Ty::parse_rust(&alias.item);
            let mut resolved = self.resolve_depth(&target, &alias.scope, depth + 1);
            resolved.is_ref |= ty.is_ref;
            resolved.is_mut |= ty.is_mut;
            if resolved.args.is_empty() {
                resolved.args = ty.args;
            }
            return resolved;
        }
        ty
    }

    /// The declared type of the member `field` of the class `owner`
    /// (qualified), looked for in its bases too.
    pub fn field(&self, owner: &str, field: &str) -> Option<Found<FieldDef>> {
        self.field_depth(owner, field, 0)
    }

    fn field_depth(&self, owner: &str, field: &str, depth: usize) -> Option<Found<FieldDef>> {
        if depth > MAX_DEPTH {
            return None;
        }
        let def = self.type_by_qualified(owner)?;
        let class_scope = Scope {
            path: def.name.clone(),
            owner: Some(def.name.clone()),
        };
        if let Some(f) = def.fields.iter().find(|f| f.name == field) {
            return Some(Found {
                item: f.clone(),
                scope: class_scope,
            });
        }
        for base in &def.bases {
            let b = self.resolve(&Ty::parse_cpp(base), &scope_of(&def.name));
            if let Some(found) = self.field_depth(&b.base, field, depth + 1) {
                return Some(found);
            }
        }
        None
    }

    /// The type definition with exactly this qualified name (Rust: this
    /// item name).
    pub fn type_by_qualified(&self, qualified: &str) -> Option<TypeDef> {
        self.entries(qualified)
            .into_iter()
            .find_map(|(s, e)| match e {
                Entry::Type(i) => Some(s.types[i].clone()),
                _ => None,
            })
    }

    /// Every declaration of the method `name` of `owner` (qualified), its
    /// bases' when it declares none.
    pub fn methods(&self, owner: &str, name: &str) -> Vec<Found<FnDef>> {
        self.methods_depth(owner, name, 0)
    }

    fn methods_depth(&self, owner: &str, name: &str, depth: usize) -> Vec<Found<FnDef>> {
        if depth > MAX_DEPTH {
            return Vec::new();
        }
        let want_owner = |f: &FnDef| match self.lang {
            Lang::Cpp => f.owner.as_deref() == Some(owner),
            Lang::Rust => f
                .owner
                .as_deref()
                .is_some_and(|o| short_name(o) == short_name(owner)),
        };
        let mut out = Vec::new();
        for s in self.summaries_naming(name).iter() {
            for e in s.named(name) {
                if let Entry::Function(i) = e {
                    let f = &s.functions[*i];
                    if want_owner(f) {
                        out.push(Found {
                            item: f.clone(),
                            scope: Scope {
                                path: owner.to_string(),
                                owner: Some(owner.to_string()),
                            },
                        });
                    }
                }
            }
        }
        if out.is_empty() && self.lang == Lang::Cpp {
            if let Some(def) = self.type_by_qualified(owner) {
                for base in &def.bases {
                    let b = self.resolve(&Ty::parse_cpp(base), &scope_of(&def.name));
                    out.extend(self.methods_depth(&b.base, name, depth + 1));
                }
            }
        }
        out
    }

    /// The free functions (or static members, written `A::f`) a call to
    /// `written` made in `scope` may reach: every overload of the first
    /// scope that declares one.
    pub fn functions(&self, written: &str, scope: &Scope) -> Vec<Found<FnDef>> {
        for q in self.candidates(written, scope) {
            let found: Vec<Found<FnDef>> = self
                .entries(&q)
                .into_iter()
                .filter_map(|(s, e)| match e {
                    Entry::Function(i) => {
                        let f = s.functions[i].clone();
                        let fscope = match &f.owner {
                            Some(o) => Scope {
                                path: o.clone(),
                                owner: Some(o.clone()),
                            },
                            None => scope_of(&f.name),
                        };
                        let free_or_named_owner =
                            f.owner.is_none() || written.contains("::") || self.lang == Lang::Cpp;
                        free_or_named_owner.then_some(Found {
                            item: f,
                            scope: fscope,
                        })
                    }
                    _ => None,
                })
                .collect();
            if !found.is_empty() {
                return found;
            }
        }
        Vec::new()
    }

    /// A namespace-scope (or static member) variable visible from `scope`.
    pub fn global_var(&self, written: &str, scope: &Scope) -> Option<Found<String>> {
        for q in self.candidates(written, scope) {
            for (s, e) in self.entries(&q) {
                if let Entry::Var(i) = e {
                    let v = &s.vars[i];
                    return Some(Found {
                        item: v.ty.clone(),
                        scope: scope_of(&v.name),
                    });
                }
            }
        }
        None
    }

    /// Whether any other C++ or Rust file of the project names `word` in its
    /// code (comments and strings aside); `None` without a project to look
    /// in. A function no other file names cannot be declared or called
    /// there, so its signature is this file's to change.
    pub fn named_elsewhere(&self, word: &str) -> Option<bool> {
        let (project, id) = (self.project?, self.id?);
        let lang = self.lang;
        Some((0..project.len()).any(|f| {
            f != id
                && project.file(f).lang == lang
                && project.facts(f).words.contains(word.as_bytes())
        }))
    }

    /// Whether this byte of the file is in Rust test-only code.
    pub fn in_test_code(&self, byte: usize) -> bool {
        self.own.in_test_code(byte)
    }
}

fn entry_name(s: &FileSummary, e: Entry) -> &str {
    match e {
        Entry::Type(i) => &s.types[i].name,
        Entry::Alias(i) => &s.aliases[i].name,
        Entry::Function(i) => &s.functions[i].name,
        Entry::Var(i) => &s.vars[i].name,
    }
}

/// The scope a qualified declaration's own text is written in: its prefix.
fn scope_of(qualified: &str) -> Scope {
    Scope {
        path: qualified
            .rsplit_once("::")
            .map_or(String::new(), |(p, _)| p.to_string()),
        owner: None,
    }
}

pub fn is_cpp_primitive(base: &str) -> bool {
    matches!(
        base,
        "bool"
            | "char"
            | "wchar_t"
            | "char8_t"
            | "char16_t"
            | "char32_t"
            | "short"
            | "int"
            | "long"
            | "float"
            | "double"
            | "void"
            | "size_t"
            | "ssize_t"
            | "ptrdiff_t"
            | "intptr_t"
            | "uintptr_t"
            | "int8_t"
            | "int16_t"
            | "int32_t"
            | "int64_t"
            | "uint8_t"
            | "uint16_t"
            | "uint32_t"
            | "uint64_t"
            | "auto"
    ) || base.starts_with("unsigned")
        || base.starts_with("signed")
        || base.starts_with("long ")
        || base.starts_with("short ")
}

fn is_rust_std_type(base: &str) -> bool {
    matches!(
        base,
        "String"
            | "Vec"
            | "HashMap"
            | "HashSet"
            | "BTreeMap"
            | "BTreeSet"
            | "VecDeque"
            | "BinaryHeap"
            | "Option"
            | "Result"
            | "Box"
            | "Rc"
            | "Arc"
            | "PathBuf"
            | "OsString"
            | "str"
    ) || crate::index::role::is_rust_primitive(base)
}

/// Rust crates of a project: which files belong together, and where each
/// name is declared in them (read from the text, without parsing).
pub struct Crates {
    /// Per file: its crate's index in `crates` (Rust files only).
    crate_of: Vec<Option<usize>>,
    crates: Vec<Crate>,
}

struct Crate {
    files: Vec<FileId>,
    /// Item name → the files that declare or implement something of that
    /// name; built on first use.
    locator: OnceLock<HashMap<String, Vec<FileId>>>,
}

impl Crates {
    pub fn build(project: &ProjectIndex) -> Crates {
        let mut dirs: HashMap<String, usize> = HashMap::new();
        let mut has_manifest: HashMap<std::path::PathBuf, bool> = HashMap::new();
        let mut crate_of = vec![None; project.len()];
        let mut crates: Vec<Crate> = Vec::new();
        for (id, f) in project.files().iter().enumerate() {
            if f.lang != Lang::Rust {
                continue;
            }
            let dir = crate_dir(project.root(), &f.abs, &mut has_manifest);
            let next = crates.len();
            let idx = *dirs.entry(dir).or_insert(next);
            if idx == crates.len() {
                crates.push(Crate {
                    files: Vec::new(),
                    locator: OnceLock::new(),
                });
            }
            crates[idx].files.push(id);
            crate_of[id] = Some(idx);
        }
        Crates { crate_of, crates }
    }

    /// The other files of `id`'s crate that declare something named `name`.
    pub fn files_declaring(&self, project: &ProjectIndex, id: FileId, name: &str) -> Vec<FileId> {
        let Some(c) = self.crate_of.get(id).copied().flatten() else {
            return Vec::new();
        };
        let krate = &self.crates[c];
        let locator = krate.locator.get_or_init(|| {
            let mut map: HashMap<String, Vec<FileId>> = HashMap::new();
            for &f in &krate.files {
                let Some(text) = project.text_unkept(f) else {
                    continue;
                };
                for word in declared_words(&text) {
                    let files = map.entry(word.to_string()).or_default();
                    if files.last() != Some(&f) {
                        files.push(f);
                    }
                }
            }
            map
        });
        locator
            .get(name)
            .map(|fs| fs.iter().copied().filter(|&f| f != id).collect())
            .unwrap_or_default()
    }
}

/// The directory of the nearest `Cargo.toml` above a file (inside the
/// project), as a string key; the project root when there is none.
fn crate_dir(root: &Path, file: &Path, cache: &mut HashMap<std::path::PathBuf, bool>) -> String {
    for dir in file.ancestors().skip(1) {
        let has = *cache
            .entry(dir.to_path_buf())
            .or_insert_with(|| dir.join("Cargo.toml").is_file());
        if has {
            return dir.to_string_lossy().into_owned();
        }
        if dir == root {
            break;
        }
    }
    root.to_string_lossy().into_owned()
}

/// Names a Rust text declares or implements, read from its words: the word
/// after `struct`, `enum`, `union`, `type`, `trait`, `fn`, and every
/// capitalised word of an `impl` header. Over-approximates (comments and
/// strings count), which only costs a parse.
pub fn declared_words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut prev = "";
    let mut in_impl = 0usize;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_alphabetic() || b == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let w = &text[start..i];
            if matches!(prev, "struct" | "enum" | "union" | "type" | "trait" | "fn") {
                out.push(w);
            }
            if in_impl > 0 {
                if w.as_bytes()[0].is_ascii_uppercase() {
                    out.push(w);
                }
                in_impl -= 1;
            }
            if w == "impl" {
                in_impl = 24;
            }
            prev = w;
        } else {
            if b == b'{' || b == b';' {
                in_impl = 0;
            }
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::tests::project;

    fn cpp_index<'p>(ix: &'p ProjectIndex, rel: &str) -> (FileIndex<'p>, Arc<str>) {
        let id = ix.files().iter().position(|f| f.rel == rel).unwrap();
        let text = ix.text(id).unwrap();
        let own = ix.summary(id).unwrap();
        (
            FileIndex::new(ix.file(id).lang, own, Some(ix), Some(id)),
            text,
        )
    }

    #[test]
    fn finds_members_and_aliases_in_included_headers() {
        let (_d, ix) = project(&[
            ("src/types.h", "#pragma once\n#include <vector>\nnamespace app { using RowList = std::vector<Row>; struct Row { std::string name; int id; }; }\n"),
            ("src/widget.h", "#include \"types.h\"\nnamespace app {\nclass Base { protected: std::map<int, int> cache_; };\nclass Widget : public Base {\n public:\n  const std::string& title() const;\n  void fill();\n private:\n  RowList rows_;\n};\n}\n"),
            ("src/widget.cpp", "#include \"widget.h\"\nnamespace app {\nvoid Widget::fill() { rows_.push_back(Row{}); }\n}\n"),
        ]);
        let (fi, src) = cpp_index(&ix, "src/widget.cpp");
        let tree = Lang::Cpp.parse(&src);
        let at = tree
            .root_node()
            .descendant_for_byte_range(src.find("rows_").unwrap(), src.find("rows_").unwrap() + 1)
            .unwrap();
        let scope = Scope::at(Lang::Cpp, at, &src);
        assert_eq!(scope.owner.as_deref(), Some("app::Widget"));
        let rows = fi
            .field("app::Widget", "rows_")
            .expect("member found in the header");
        let ty = fi.resolve(&Ty::parse_cpp(&rows.item.ty), &rows.scope);
        assert_eq!(ty.base, "std::vector");
        assert_eq!(
            ty.args[0].base, "app::Row",
            "the element class is qualified"
        );
        let cache = fi
            .field("app::Widget", "cache_")
            .expect("a base class's member");
        assert_eq!(Ty::parse_cpp(&cache.item.ty).base, "std::map");
        let title = fi.methods("app::Widget", "title");
        assert_eq!(title[0].item.ret.as_deref(), Some("const std::string&"));
        assert!(fi.field("app::Widget", "nope").is_none());
    }

    #[test]
    fn using_namespace_std_in_a_header_reaches_its_includers() {
        let (_d, ix) = project(&[
            ("a.h", "using namespace std;\n"),
            ("a.cpp", "#include \"a.h\"\nstring s;\n"),
            ("b.cpp", "string s;\n"),
        ]);
        let (fa, _) = cpp_index(&ix, "a.cpp");
        assert!(fa.std_visible("string"));
        assert_eq!(
            fa.resolve(&Ty::parse_cpp("string"), &Scope::default()).base,
            "std::string"
        );
        let (fb, _) = cpp_index(&ix, "b.cpp");
        assert!(!fb.std_visible("string"));
    }

    #[test]
    fn rust_reads_fields_and_methods_across_the_crate() {
        let (_d, ix) = project(&[
            ("Cargo.toml", "[package]\nname = \"x\"\n"),
            ("src/lib.rs", "mod doc;\nmod render;\n"),
            ("src/doc.rs", "pub type Words = Vec<String>;\npub struct Doc { pub title: String, pub words: Words }\nimpl Doc { pub fn title(&self) -> &str { &self.title } pub fn owned(&self) -> String { self.title.clone() } }\n"),
            ("src/render.rs", "use crate::doc::Doc as D;\nimpl D { fn render(&self) { let t = self.owned(); } }\n"),
        ]);
        let id = ix
            .files()
            .iter()
            .position(|f| f.rel == "src/render.rs")
            .unwrap();
        let fi = FileIndex::new(Lang::Rust, ix.summary(id).unwrap(), Some(&ix), Some(id));
        let d = fi.resolve(&Ty::parse_rust("D"), &Scope::default());
        assert_eq!(d.base, "Doc");
        let words = fi.field("Doc", "words").expect("field in another module");
        let ty = fi.resolve(&Ty::parse_rust(&words.item.ty), &words.scope);
        assert_eq!(ty.base, "Vec", "through the alias");
        let owned = fi.methods("Doc", "owned");
        assert_eq!(owned[0].item.ret.as_deref(), Some("String"));
    }

    #[test]
    fn declared_words_sees_items_and_impl_headers() {
        let w = declared_words("pub struct A<T> { x: u8 }\nimpl<T: Clone> Display for A<T> where T: B { fn fmt() {} }\nenum E {}\n");
        for name in ["A", "Display", "fmt", "E"] {
            assert!(w.contains(&name), "{name}: {w:?}");
        }
    }
}
