//! The types of variables and expressions, as guards need them: a local's
//! declaration, a member declared in a header, the return type of a method
//! of another module, an `auto` bound to what its initializer yields — each
//! resolved through the project index to a canonical [`Ty`].
//!
//! Every answer is evidence or nothing: an expression whose type the index
//! cannot establish has no type, and a guard that needs one does not hold.
//! The cost model below follows the same rule: a type is expensive to copy
//! when it evidently owns heap memory (a string, a container, a class with
//! such a member), cheap when it evidently does not (integers, pointers,
//! views, an `optional<int>`, a Rust `Copy` type), and otherwise unknown.

use tree_sitter::Node;

mod cost;
mod patterns;
mod rust_infer;
mod std_lib;

pub use cost::Cost;
pub use std_lib::{element_of, subscript_of};

use std_lib::{cpp_std_function_type, owner_is_std_owned, std_method_type};

use super::context::MatchCtx;
use crate::index::resolve::Scope;
use crate::index::ty::Ty;
use crate::lang::Lang;

/// How deep type inference follows declarations, calls and members.
const MAX_DEPTH: usize = 6;
/// Rust spends more steps per hop (a pattern binding takes its value's
/// type, which is another variable's), and chains such as `for node in
/// nodes { match node { Atom { change, .. } => change.get() } }` need them.
const MAX_DEPTH_RUST: usize = 12;

impl<'a> MatchCtx<'a> {
    /// The scope of the code at `node` (namespace, class, module, impl).
    pub fn scope_at(&self, node: Node<'a>) -> Scope {
        let key = self.function_scope(node);
        if key == self.root {
            return Scope::at(self.lang, node, self.src);
        }
        if let Some(s) = self.scopes.borrow().get(&key.id()) {
            return s.clone();
        }
        // Inside a function every node shares the function's scope; the
        // function's first body node stands for them all.
        let probe = key.child_by_field_name("body").unwrap_or(key);
        let mut s = Scope::at(self.lang, probe, self.src);
        self.qualify_owner(&mut s);
        self.scopes.borrow_mut().insert(key.id(), s.clone());
        s
    }

    /// `void Widget::draw() {…}` under `using namespace ui;`: the owner is
    /// `ui::Widget`, which the name alone does not say. Asked once per
    /// function (scopes are memoised), and only when the name as written is
    /// no class the index knows.
    fn qualify_owner(&self, s: &mut Scope) {
        let Some(owner) = s.owner.as_deref() else {
            return;
        };
        if self.lang != Lang::Cpp || self.index.type_by_qualified(owner).is_some() {
            return;
        }
        let outer = Scope {
            path: owner.rsplit_once("::").map_or("", |(p, _)| p).to_string(),
            owner: None,
        };
        let written = owner.rsplit("::").next().unwrap_or(owner);
        if let Some(found) = self.index.find_type(written, &outer) {
            if found.item.name != owner {
                s.path = found.item.name.clone();
                s.owner = Some(found.item.name);
            }
        }
    }

    /// Parse a type as written in this file's language.
    pub fn parse_ty(&self, written: &str) -> Ty {
        match self.lang {
            Lang::Cpp => Ty::parse_cpp(written),
            Lang::Rust => Ty::parse_rust(written),
        }
    }

    /// A type written at `at`, resolved.
    pub fn written_ty(&self, written: &str, at: Node<'a>) -> Ty {
        let ty = self.parse_ty(written);
        let scope = self.scope_at(at);
        let resolved = self.index.resolve(&ty, &scope);
        self.iterator_or(resolved, &scope)
    }

    /// A written `C<T>::iterator`, or `Map::const_iterator` where `Map` is an
    /// alias of a std container, as the iterator it is; other types as they are.
    fn iterator_or(&self, resolved: Ty, scope: &Scope) -> Ty {
        if let Some(it) = std_lib::written_iterator(&resolved) {
            return it;
        }
        let Some((container, member)) = resolved.base.rsplit_once("::") else {
            return resolved;
        };
        if !resolved.args.is_empty() || !crate::index::ty::ITERATOR_MEMBERS.contains(&member) {
            return resolved;
        }
        let aliased = self.index.resolve(&Ty::named(container), scope);
        let written = Ty {
            base: format!("{}::{member}", aliased.base),
            args: aliased.args,
            ..Ty::default()
        };
        std_lib::written_iterator(&written).unwrap_or(resolved)
    }

    /// The type of the variable `ident` names where it is written: a local,
    /// a parameter, a member of the enclosing class or `impl` type, or a
    /// namespace variable.
    pub fn var_type(&self, ident: Node<'a>) -> Option<Ty> {
        self.var_type_depth(ident, 0)
    }

    fn max_depth(&self) -> usize {
        match self.lang {
            Lang::Cpp => MAX_DEPTH,
            Lang::Rust => MAX_DEPTH_RUST,
        }
    }

    fn var_type_depth(&self, ident: Node<'a>, depth: usize) -> Option<Ty> {
        if depth > self.max_depth() {
            return None;
        }
        let name = self.text(ident);
        let d = super::guards::decl(self, ident);
        let local = d.as_ref().filter(|d| !d.is_global);
        if let Some(d) = local {
            return self.declared_ty(d, depth);
        }
        if self.lang == Lang::Cpp {
            // Not a local: a member of the class whose code this is…
            let scope = self.scope_at(ident);
            if let Some(owner) = &scope.owner {
                if let Some(f) = self.index.field(owner, name) {
                    let ty = self.parse_ty(&f.item.ty);
                    return Some(self.index.resolve(&ty, &f.scope));
                }
            }
            // …or a namespace variable declared here or in a header.
            if let Some(d) = d.as_ref().filter(|d| d.node.kind() != "field_declaration") {
                return self.declared_ty(d, depth);
            }
            return self.global_var_ty(name, &scope);
        }
        if let Some(d) = &d {
            return self.declared_ty(d, depth);
        }
        // A module-level `const` or `static`.
        self.global_var_ty(name, &self.scope_at(ident))
    }

    /// The type of the namespace or module variable (or static member)
    /// `written` names in `scope`, resolved where it is declared.
    fn global_var_ty(&self, written: &str, scope: &Scope) -> Option<Ty> {
        let v = self.index.global_var(written, scope)?;
        Some(self.index.resolve(&self.parse_ty(&v.item), &v.scope))
    }

    /// The type a declaration gives its variable: as written (with its
    /// `const` and reference), or for `auto`/an unannotated `let`, the type
    /// of its initializer or range.
    fn declared_ty(&self, d: &super::syntax::Decl<'a>, depth: usize) -> Option<Ty> {
        let written = d.ty.as_deref();
        let mut ty = match written {
            Some(w) => self.parse_ty(w),
            None => Ty {
                is_auto: true,
                ..Ty::default()
            },
        };
        if self.lang == Lang::Cpp {
            ty.is_const |= d.is_const;
            if d.is_indirect {
                let declarator_text = self.text(d.node);
                let pointer = declarator_text.contains('*') && !declarator_text.contains('&');
                if pointer {
                    ty.is_ptr = true;
                } else {
                    ty.is_ref = true;
                }
            }
        }
        if self.lang == Lang::Rust
            && (!d.pattern.is_empty()
                || matches!(
                    d.node.kind(),
                    "let_condition" | "match_arm" | "for_expression" | "closure_parameters"
                ))
        {
            return self.rust_binding_ty(d, depth + 1);
        }
        if !ty.is_auto {
            let scope = self.scope_at(d.node);
            let resolved = self.iterator_or(self.index.resolve(&ty, &scope), &scope);
            if self.lang == Lang::Rust && lacks_element(&resolved) {
                // `let mut v = vec![];`: the first push decides.
                if let Some(el) = self.pushed_element_ty(d, depth) {
                    return Some(Ty {
                        args: vec![el],
                        ..resolved
                    });
                }
            }
            if self.lang == Lang::Rust && has_placeholder(&resolved) {
                // `let v: Vec<_> = …collect();` returned as the function's
                // value has the function's return type.
                if let Some(returned) = self.returned_local_ty(d) {
                    return Some(returned);
                }
            }
            return Some(resolved);
        }
        // Inferred: from the initializer, or a range-for's element.
        let inferred = if matches!(d.node.kind(), "for_range_loop" | "for_expression") {
            let range = d
                .node
                .child_by_field_name("right")
                .or_else(|| d.node.child_by_field_name("value"))?;
            let range_ty = self.expr_type_depth(range, depth + 1)?;
            element_of(&range_ty)?
        } else {
            self.expr_type_depth(d.init?, depth + 1)?
        };
        let mut out = inferred.value();
        if self.lang == Lang::Cpp {
            out.is_const = ty.is_const || (ty.is_ref && inferred.is_const);
            out.is_ref = ty.is_ref;
            out.rvalue = ty.rvalue;
            out.is_ptr = ty.is_ptr || inferred.is_ptr;
        } else {
            out.is_ref = inferred.is_ref;
            out.is_mut = inferred.is_mut;
        }
        Some(out)
    }

    /// The declared return type of the function whose tail expression is
    /// the local `d` declares (the same binding, not a shadowing one).
    fn returned_local_ty(&self, d: &super::syntax::Decl<'a>) -> Option<Ty> {
        let mut f = d.node.parent()?;
        while !matches!(f.kind(), "function_item" | "closure_expression") {
            f = f.parent()?;
        }
        if f.kind() != "function_item" {
            return None;
        }
        let body = f.child_by_field_name("body")?;
        let last = u32::try_from(body.named_child_count().checked_sub(1)?).ok()?;
        let tail = body.named_child(last)?;
        if tail.kind() != "identifier" || self.text(tail) != self.text(d.name) {
            return None;
        }
        let same = super::guards::decl(self, tail).is_some_and(|t| t.name.id() == d.name.id());
        if !same {
            return None;
        }
        let written = self.text(f.child_by_field_name("return_type")?);
        let ty = self
            .index
            .resolve(&self.parse_ty(written), &self.scope_at(f));
        (!ty.is_unknown() && !has_placeholder(&ty)).then_some(ty)
    }

    /// The type of an expression, when the index can establish it.
    pub fn expr_type(&self, e: Node<'a>) -> Option<Ty> {
        self.expr_type_depth(e, 0)
    }

    /// `expr_type` from inside another inference, `depth` steps deep.
    pub(super) fn expr_type_at(&self, e: Node<'a>, depth: usize) -> Option<Ty> {
        self.expr_type_depth(e, depth + 1)
    }

    fn expr_type_depth(&self, e: Node<'a>, depth: usize) -> Option<Ty> {
        if depth > self.max_depth() {
            return None;
        }
        match (self.lang, e.kind()) {
            (_, "identifier") => self.var_type_depth(e, depth + 1),
            (Lang::Cpp, "qualified_identifier") => {
                // `Xml::Name`: a namespace variable or static member.
                let ty = self.global_var_ty(self.text(e), &self.scope_at(e))?;
                (!ty.is_unknown()).then_some(ty)
            }
            (_, "parenthesized_expression") => self.expr_type_depth(e.named_child(0)?, depth + 1),
            (Lang::Cpp, "this") => {
                let owner = self.scope_at(e).owner?;
                Some(Ty {
                    base: owner,
                    is_ptr: true,
                    ..Ty::default()
                })
            }
            (Lang::Rust, "self") => {
                let owner = self.scope_at(e).owner?;
                Some(Ty::named(crate::index::summary::short_name(&owner)))
            }
            (_, "field_expression") => self.field_access_type(e, depth),
            (Lang::Rust, "try_expression") => {
                rust_infer::try_output(&self.expr_type_depth(e.named_child(0)?, depth + 1)?)
            }
            (Lang::Rust, "match_expression") => self.match_type(e, depth + 1),
            (_, "call_expression") => self.call_type(e, depth),
            (Lang::Cpp, "subscript_expression") => {
                let obj = self.expr_type_depth(e.child_by_field_name("argument")?, depth + 1)?;
                subscript_of(&obj)
            }
            (Lang::Rust, "index_expression") => {
                let obj = self.expr_type_depth(e.named_child(0)?, depth + 1)?;
                // `v[a..b]` is a slice of the elements, `v[i]` one of them.
                if e.named_child(1)?.kind() == "range_expression" {
                    if matches!(obj.base.as_str(), "String" | "str") {
                        return Some(Ty::named("str"));
                    }
                    return Some(Ty::slice_of(element_of(&obj)?.value()));
                }
                subscript_of(&obj)
            }
            (Lang::Cpp, "pointer_expression") => {
                let inner = self.expr_type_depth(e.child_by_field_name("argument")?, depth + 1)?;
                let op = self.text(e);
                if inner.base == "#iterator" && !op.starts_with('&') {
                    return element_of(&inner); // `*it`
                }
                let mut t = inner.value();
                if op.starts_with('&') {
                    t.is_ptr = true;
                } else if !inner.is_ptr {
                    return None;
                }
                Some(t)
            }
            (Lang::Rust, "reference_expression") => {
                let mut t = self.expr_type_depth(e.child_by_field_name("value")?, depth + 1)?;
                t.is_ref = true;
                t.is_mut = self.text(e).starts_with("&mut");
                Some(t)
            }
            (Lang::Cpp, "string_literal" | "raw_string_literal" | "concatenated_string") => {
                Some(Ty {
                    base: "char".into(),
                    is_const: true,
                    is_ptr: true,
                    ..Ty::default()
                })
            }
            (Lang::Rust, "string_literal" | "raw_string_literal") => Some(Ty {
                base: "str".into(),
                is_ref: true,
                ..Ty::default()
            }),
            (Lang::Cpp, "number_literal") => Some(Ty::named("int")),
            (Lang::Cpp, "binary_expression") => {
                // `s + "/"`, `"a" + s`: a new std::string when either side is
                // one (other operators and types are left unknown).
                let op = e.child_by_field_name("operator")?;
                if self.text(op) != "+" {
                    return None;
                }
                let string_side = |field: &str| {
                    e.child_by_field_name(field)
                        .and_then(|side| self.expr_type_depth(side, depth + 1))
                        .is_some_and(|t| !t.is_ptr && t.base == "std::string")
                };
                (string_side("left") || string_side("right")).then(|| Ty::named("std::string"))
            }
            (Lang::Rust, "range_expression") => {
                // `0..n`: the bounds' type.
                let mut c = e.walk();
                let bound = e
                    .named_children(&mut c)
                    .filter_map(|b| self.expr_type_depth(b, depth + 1))
                    .find(|t| t.base != "i32");
                Some(Ty {
                    base: "#range".into(),
                    args: vec![bound.unwrap_or_else(|| Ty::named("i32"))],
                    ..Ty::default()
                })
            }
            (Lang::Rust, "array_expression") => {
                // `[1u8, 2]`: an array of its first element's type.
                let first = e.named_child(0)?;
                Some(Ty::slice_of(self.expr_type_depth(first, depth + 1)?))
            }
            (Lang::Rust, "integer_literal") => {
                let t = self.text(e);
                let suffix = [
                    "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128",
                    "isize",
                ]
                .into_iter()
                .find(|s| t.ends_with(s));
                Some(Ty::named(suffix.unwrap_or("i32")))
            }
            (Lang::Rust, "macro_invocation") => {
                let mac = self.text(e.child_by_field_name("macro")?);
                match mac {
                    "vec" => Some(Ty::named("Vec")),
                    "format" => Some(Ty::named("String")),
                    _ => None,
                }
            }
            (Lang::Cpp, "compound_literal_expression") => {
                let t = e.child_by_field_name("type")?;
                Some(self.written_ty(self.text(t), e))
            }
            _ => None,
        }
    }

    /// `obj.f`, `p->f`, `this->f`, `self.f`, `t.0`.
    fn field_access_type(&self, e: Node<'a>, depth: usize) -> Option<Ty> {
        let (obj, field) = match self.lang {
            Lang::Cpp => (
                e.child_by_field_name("argument")?,
                e.child_by_field_name("field")?,
            ),
            Lang::Rust => (
                e.child_by_field_name("value")?,
                e.child_by_field_name("field")?,
            ),
        };
        let mut obj_ty = self.expr_type_depth(obj, depth + 1)?;
        let name = self.text(field);
        if self.lang == Lang::Rust && obj_ty.base == "()" {
            let i: usize = name.parse().ok()?;
            return obj_ty.args.get(i).cloned();
        }
        // `it->second`: the iterator's element.
        if obj_ty.base == "#iterator" {
            obj_ty = element_of(&obj_ty)?;
        }
        if matches!(obj_ty.base.as_str(), "std::pair" | "QPair") {
            let i = match name {
                "first" => 0,
                "second" => 1,
                _ => return None,
            };
            let mut t = obj_ty.args.get(i)?.clone();
            t.is_const |= obj_ty.is_const;
            return Some(t);
        }
        let f = self.index.field(&obj_ty.base, name)?;
        let ty = self.parse_ty(&f.item.ty);
        Some(self.index.resolve(&ty, &f.scope))
    }

    /// The type a call returns: a method of a known class or type, a free
    /// function of the project, a constructor-like call, or a standard
    /// library function whose result type is fixed.
    fn call_type(&self, e: Node<'a>, depth: usize) -> Option<Ty> {
        let func = e.child_by_field_name("function")?;
        match (self.lang, func.kind()) {
            (_, "field_expression") => {
                let (obj, method) = match self.lang {
                    Lang::Cpp => (
                        func.child_by_field_name("argument")?,
                        func.child_by_field_name("field")?,
                    ),
                    Lang::Rust => (
                        func.child_by_field_name("value")?,
                        func.child_by_field_name("field")?,
                    ),
                };
                let method = self.text(method);
                let Some(mut obj_ty) = self.expr_type_depth(obj, depth + 1) else {
                    let args = e.child_by_field_name("arguments")?;
                    return (self.lang == Lang::Rust)
                        .then(|| self.or_fallback_type(method, args, depth + 1))?;
                };
                if self.lang == Lang::Cpp {
                    if let Some(t) = std_method_type(self.lang, &obj_ty, method) {
                        return Some(t);
                    }
                    let found = by_arity(self.index.methods(&obj_ty.base, method), e);
                    return self.unique_return(found, &obj_ty);
                }
                let arg = e
                    .child_by_field_name("arguments")
                    .and_then(|a| a.named_child(0))
                    .and_then(|a| self.expr_type_depth(a, depth + 1));
                // Auto-deref: the receiver, then what it points to.
                for _ in 0..3 {
                    if let Some(t) = patterns::iterator_method(&obj_ty, method, arg.clone()) {
                        return Some(t);
                    }
                    if let Some(t) = std_method_type(self.lang, &obj_ty, method) {
                        return Some(t);
                    }
                    let found = by_arity(self.index.methods(&obj_ty.base, method), e);
                    if !found.is_empty() {
                        return self.unique_return(found, &obj_ty);
                    }
                    obj_ty = rust_infer::deref_target(&obj_ty)?;
                }
                None
            }
            (Lang::Cpp, "identifier" | "qualified_identifier") => {
                let written = self.text(func);
                if let Some(t) = cpp_std_function_type(written) {
                    return Some(t);
                }
                let scope = self.scope_at(e);
                // `Widget(…)`/`ns::Widget(…)`/`Alias(…)`: a temporary of that
                // class or of what the alias names.
                if let Some(t) = self.index.find_type(written, &scope) {
                    return Some(Ty::named(&t.item.name));
                }
                let as_type = self.index.resolve(&Ty::parse_cpp(written), &scope);
                if as_type.base != written.trim_start_matches("::") {
                    return Some(as_type);
                }
                let found = by_arity(self.index.functions(written, &scope), e);
                self.unique_return(found, &Ty::default())
            }
            (Lang::Cpp, "template_type") => {
                // `std::pair<int, std::string>(1, s)`: a temporary of that type.
                Some(self.written_ty(self.text(func), e))
            }
            (Lang::Cpp, "template_function") => {
                let name = self.text(func.child_by_field_name("name")?);
                let args = func.child_by_field_name("arguments")?;
                let first = args.named_child(0)?;
                let arg = self.written_ty(self.text(first), e);
                let wrap = |base: &str| Ty {
                    base: base.into(),
                    args: vec![arg.clone()],
                    ..Ty::default()
                };
                match name {
                    "std::make_shared" => Some(wrap("std::shared_ptr")),
                    "std::make_unique" => Some(wrap("std::unique_ptr")),
                    "static_cast" | "reinterpret_cast" | "const_cast" => Some(arg),
                    _ => None,
                }
            }
            (Lang::Rust, "scoped_identifier") => {
                let path = self.text(func.child_by_field_name("path")?);
                let name = self.text(func.child_by_field_name("name")?);
                if let Some(t) = self.std_function_type(path, name) {
                    return Some(t);
                }
                let owner = self.written_ty(path, e);
                if matches!(
                    name,
                    "new" | "with_capacity" | "default" | "from" | "from_iter" | "with_hasher"
                ) && (owner_is_std_owned(&owner.base) || owner.base == "Self")
                {
                    return Some(owner.value());
                }
                let found = self.index.methods(&owner.base, name);
                if !found.is_empty() {
                    return self.unique_return(found, &owner);
                }
                let scope = self.scope_at(e);
                self.unique_return(
                    self.index.functions(&format!("{path}::{name}"), &scope),
                    &owner,
                )
            }
            (Lang::Rust, "identifier") => {
                let scope = self.scope_at(e);
                self.unique_return(
                    self.index.functions(self.text(func), &scope),
                    &Ty::default(),
                )
            }
            (Lang::Rust, "generic_function") => {
                // `iter.collect::<Vec<_>>()`
                let inner = func.child_by_field_name("function")?;
                let field = inner.child_by_field_name("field")?;
                let targs = func.child_by_field_name("type_arguments")?;
                if self.text(field) != "collect" {
                    return None;
                }
                let t = targs.named_child(0)?;
                Some(self.written_ty(self.text(t), e))
            }
            _ => None,
        }
    }

    /// The return type all the given declarations agree on, resolved in its
    /// declaration's scope (`Self` standing for `owner`).
    fn unique_return(
        &self,
        found: Vec<crate::index::resolve::Found<crate::index::summary::FnDef>>,
        owner: &Ty,
    ) -> Option<Ty> {
        let mut out: Option<Ty> = None;
        for f in &found {
            if f.item.generic {
                return None;
            }
            let ret = f.item.ret.as_deref()?;
            let mut t = self.parse_ty(ret);
            if t.base == "Self" && !owner.is_unknown() {
                t.base = owner.base.clone();
            }
            let t = self.index.resolve(&t, &f.scope);
            match &out {
                None => out = Some(t),
                Some(prev) if *prev == t => {}
                Some(_) => return None,
            }
        }
        out
    }

    /// Whether a resolved type belongs to one of the `|`-separated families.
    /// `expensive` is the cost model (see [`Cost`]), not a list.
    pub fn in_family(&self, family: &str, ty: &Ty) -> bool {
        // What copying the named value costs: a reference names the object
        // (copying `const std::string&` copies the string), a pointer is a
        // word whatever it points to.
        let held = Ty {
            is_ptr: ty.is_ptr,
            ..ty.value()
        };
        family.split('|').any(|f| {
            if f == "expensive" {
                return self.cost(&held) == Cost::Expensive;
            }
            if f == "cheap" {
                return self.cost(&held) == Cost::Cheap;
            }
            // A copy that duplicates heap memory: `expensive` without the
            // reference-counted types, whose copy is a counter update.
            if f == "deep-copy" {
                return self.deep_copy_cost(&held) == Cost::Expensive;
            }
            self.types.has(self.lang, f, ty)
        })
    }
}

/// Whether a Rust collection type says nothing of its element (`Vec`,
/// `Vec<_>`), so its first push may tell.
fn lacks_element(t: &Ty) -> bool {
    matches!(
        t.short(),
        "Vec" | "VecDeque" | "HashSet" | "BTreeSet" | "BinaryHeap"
    ) && t.args.first().is_none_or(|a| a.base == "_")
}

/// Whether a Rust type leaves a part to inference (`Vec<_>`).
fn has_placeholder(t: &Ty) -> bool {
    t.base == "_" || t.args.iter().any(has_placeholder)
}

/// The overloads taking exactly as many parameters as the call passes
/// arguments, when there are any: `tok->str()` is the getter
/// `const std::string& str() const`, not the template setter `str(T&&)`.
/// (A heuristic: an overload reached only through default arguments can
/// win against an exact-arity one that needs a conversion; that is rare
/// enough, and the guards then still check what they need.)
fn by_arity<'a>(
    found: Vec<crate::index::resolve::Found<crate::index::summary::FnDef>>,
    call: Node<'a>,
) -> Vec<crate::index::resolve::Found<crate::index::summary::FnDef>> {
    let Some(args) = call.child_by_field_name("arguments") else {
        return found;
    };
    let mut c = args.walk();
    let n = args
        .named_children(&mut c)
        .filter(|a| !a.kind().contains("comment"))
        .count();
    if found.iter().any(|f| f.item.params.len() == n) {
        found
            .into_iter()
            .filter(|f| f.item.params.len() == n)
            .collect()
    } else {
        found
    }
}
