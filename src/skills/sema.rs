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

use super::guard::MatchCtx;
use crate::index::resolve::Scope;
use crate::index::role::is_rust_primitive;
use crate::index::summary::TypeKind;
use crate::index::ty::Ty;
use crate::lang::Lang;

/// What copying (C++) or cloning (Rust) a value of a type costs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cost {
    /// No allocation: a few machine words or a trivially copyable aggregate.
    Cheap,
    /// Evidently allocates or copies a heap buffer.
    Expensive,
    Unknown,
}

/// How deep the cost model looks into members and arguments.
const MAX_DEPTH: usize = 6;

/// Aggregates of more cheap members than this are no longer "a few words".
const MAX_CHEAP_FIELDS: usize = 8;

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
        let s = Scope::at(self.lang, probe, self.src);
        self.scopes.borrow_mut().insert(key.id(), s.clone());
        s
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
        self.index.resolve(&ty, &self.scope_at(at))
    }

    /// The type of the variable `ident` names where it is written: a local,
    /// a parameter, a member of the enclosing class or `impl` type, or a
    /// namespace variable.
    pub fn var_type(&self, ident: Node<'a>) -> Option<Ty> {
        self.var_type_depth(ident, 0)
    }

    fn var_type_depth(&self, ident: Node<'a>, depth: usize) -> Option<Ty> {
        if depth > MAX_DEPTH {
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
            if let Some(v) = self.index.global_var(name, &scope) {
                let ty = self.parse_ty(&v.item);
                return Some(self.index.resolve(&ty, &v.scope));
            }
            return None;
        }
        d.as_ref().and_then(|d| self.declared_ty(d, depth))
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
        if !ty.is_auto {
            return Some(self.index.resolve(&ty, &self.scope_at(d.node)));
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

    /// The type of an expression, when the index can establish it.
    pub fn expr_type(&self, e: Node<'a>) -> Option<Ty> {
        self.expr_type_depth(e, 0)
    }

    fn expr_type_depth(&self, e: Node<'a>, depth: usize) -> Option<Ty> {
        if depth > MAX_DEPTH {
            return None;
        }
        match (self.lang, e.kind()) {
            (_, "identifier") => self.var_type_depth(e, depth + 1),
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
            (_, "call_expression") => self.call_type(e, depth),
            (Lang::Cpp, "subscript_expression") => {
                let obj = self.expr_type_depth(e.child_by_field_name("argument")?, depth + 1)?;
                element_of(&obj)
            }
            (Lang::Rust, "index_expression") => {
                let obj = self.expr_type_depth(e.named_child(0)?, depth + 1)?;
                element_of(&obj)
            }
            (Lang::Cpp, "pointer_expression") => {
                let inner = self.expr_type_depth(e.child_by_field_name("argument")?, depth + 1)?;
                let op = self.text(e);
                let mut t = inner.value();
                if op.starts_with('&') {
                    t.is_ptr = true;
                } else if !inner.is_ptr {
                    return None; // `*it` of an iterator: unknown
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
            (Lang::Rust, "integer_literal") => Some(Ty::named("i32")),
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
        let obj_ty = self.expr_type_depth(obj, depth + 1)?;
        let name = self.text(field);
        if self.lang == Lang::Rust && obj_ty.base == "()" {
            let i: usize = name.parse().ok()?;
            return obj_ty.args.get(i).cloned();
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
                let obj_ty = self.expr_type_depth(obj, depth + 1)?;
                if let Some(t) = std_method_type(self.lang, &obj_ty, method) {
                    return Some(t);
                }
                self.unique_return(self.index.methods(&obj_ty.base, method), &obj_ty)
            }
            (Lang::Cpp, "identifier" | "qualified_identifier") => {
                let written = self.text(func);
                if let Some(t) = cpp_std_function_type(written) {
                    return Some(t);
                }
                let scope = self.scope_at(e);
                // `Widget(…)`/`ns::Widget(…)`: a temporary of that class.
                if let Some(t) = self.index.find_type(written, &scope) {
                    return Some(Ty::named(&t.item.name));
                }
                self.unique_return(self.index.functions(written, &scope), &Ty::default())
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
        family.split('|').any(|f| {
            if f == "expensive" {
                return self.cost(&ty.value()) == Cost::Expensive;
            }
            if f == "cheap" {
                return self.cost(&ty.value()) == Cost::Cheap;
            }
            self.types.has(self.lang, f, ty)
        })
    }

    /// What copying (C++) or cloning (Rust) a value of `ty` costs.
    pub fn cost(&self, ty: &Ty) -> Cost {
        self.cost_depth(ty, 0)
    }

    fn cost_depth(&self, ty: &Ty, depth: usize) -> Cost {
        if depth > MAX_DEPTH || ty.is_unknown() || ty.is_auto {
            return Cost::Unknown;
        }
        if ty.is_ptr || (ty.is_ref && self.lang == Lang::Rust) {
            return Cost::Cheap;
        }
        let base = ty.base.as_str();
        match self.lang {
            Lang::Cpp if crate::index::resolve::is_cpp_primitive(base) => return Cost::Cheap,
            Lang::Rust if is_rust_primitive(base) || base == "str" => return Cost::Cheap,
            _ => {}
        }
        let value = ty.value();
        if self.types.has(self.lang, "allocating", &value)
            || self.types.has(self.lang, "refcounted", &value)
        {
            return Cost::Expensive;
        }
        if self.types.has(self.lang, "trivial", &value) {
            return Cost::Cheap;
        }
        if self.types.has(self.lang, "composite", &value) || base == "()" || base == "[]" {
            // An optional, pair, tuple or array costs what its members do.
            return self.combine(ty.args.iter().filter(|a| !a.base.starts_with('#')), depth);
        }
        let Some(def) = self.index.type_by_qualified(base) else {
            return Cost::Unknown;
        };
        if def.kind == TypeKind::Enum && self.lang == Lang::Cpp {
            return Cost::Cheap;
        }
        if def.copy {
            return Cost::Cheap;
        }
        if def.generic || def.kind == TypeKind::Enum {
            return Cost::Unknown;
        }
        let scope = Scope {
            path: def.name.clone(),
            owner: Some(def.name.clone()),
        };
        let fields: Vec<Ty> = def
            .fields
            .iter()
            .filter(|f| !f.is_static)
            .map(|f| self.index.resolve(&self.parse_ty(&f.ty), &scope))
            .collect();
        let mut cost = self.combine(fields.iter(), depth);
        if fields.len() > MAX_CHEAP_FIELDS && cost == Cost::Cheap {
            cost = Cost::Unknown;
        }
        for base in &def.bases {
            let b = self.index.resolve(&self.parse_ty(base), &scope);
            cost = match (cost, self.cost_depth(&b, depth + 1)) {
                (Cost::Expensive, _) | (_, Cost::Expensive) => Cost::Expensive,
                (Cost::Cheap, Cost::Cheap) => Cost::Cheap,
                _ => Cost::Unknown,
            };
        }
        cost
    }

    /// Expensive if any member is, cheap if all are, else unknown.
    fn combine<'t>(&self, members: impl Iterator<Item = &'t Ty>, depth: usize) -> Cost {
        let mut all_cheap = true;
        for m in members {
            match self.cost_depth(m, depth + 1) {
                Cost::Expensive => return Cost::Expensive,
                Cost::Cheap => {}
                Cost::Unknown => all_cheap = false,
            }
        }
        if all_cheap {
            Cost::Cheap
        } else {
            Cost::Unknown
        }
    }
}

/// The element type of a container (or the pointee of a pointer), as a
/// subscript or a range-for yields it.
pub fn element_of(ty: &Ty) -> Option<Ty> {
    let base = ty.base.as_str();
    let mut el = match base {
        "std::vector"
        | "std::deque"
        | "std::array"
        | "std::list"
        | "std::forward_list"
        | "std::set"
        | "std::unordered_set"
        | "std::multiset"
        | "std::unordered_multiset"
        | "std::span"
        | "std::initializer_list"
        | "Vec"
        | "VecDeque"
        | "[]"
        | "HashSet"
        | "BTreeSet"
        | "BinaryHeap" => ty.args.first()?.clone(),
        "std::map" | "std::unordered_map" | "std::multimap" | "std::unordered_multimap" => {
            // A range-for yields pairs; a subscript the mapped value.
            ty.args.get(1)?.clone()
        }
        "std::string" | "std::basic_string" => Ty::named("char"),
        _ if ty.is_ptr => Ty {
            is_ptr: false,
            ..ty.clone()
        },
        _ => return None,
    };
    el.is_const |= ty.is_const;
    Some(el)
}

fn owner_is_std_owned(base: &str) -> bool {
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
            | "PathBuf"
            | "OsString"
    )
}

/// Result types of standard methods whose result does not depend on
/// anything but the receiver's type.
fn std_method_type(lang: Lang, obj: &Ty, method: &str) -> Option<Ty> {
    let base = obj.base.as_str();
    match lang {
        Lang::Cpp => {
            let string = matches!(base, "std::string" | "std::basic_string");
            let sequence = matches!(
                base,
                "std::vector" | "std::deque" | "std::array" | "std::list" | "std::span"
            );
            match method {
                "size" | "length" | "capacity" | "count" if base.starts_with("std::") => {
                    Some(Ty::named("std::size_t"))
                }
                "empty" if base.starts_with("std::") => Some(Ty::named("bool")),
                "substr" if string => Some(Ty::named("std::string")),
                "str" if base.contains("stringstream") => Some(Ty::named("std::string")),
                "c_str" | "data" if string => Some(Ty {
                    base: "char".into(),
                    is_const: true,
                    is_ptr: true,
                    ..Ty::default()
                }),
                "at" | "front" | "back" if sequence || string => {
                    let mut el = element_of(obj)?;
                    el.is_ref = true;
                    Some(el)
                }
                "at" if base.ends_with("map") => {
                    let mut el = obj.args.get(1)?.clone();
                    el.is_ref = true;
                    el.is_const |= obj.is_const;
                    Some(el)
                }
                _ => None,
            }
        }
        Lang::Rust => match method {
            "to_string" => Some(Ty::named("String")),
            "to_owned" if base == "str" => Some(Ty::named("String")),
            "to_owned" | "clone" if !obj.is_unknown() && base != "[]" => Some(obj.value()),
            "to_vec" => Some(Ty::named("Vec")),
            "len" | "count" | "capacity" => Some(Ty::named("usize")),
            "is_empty" | "contains" | "contains_key" | "starts_with" | "ends_with" => {
                Some(Ty::named("bool"))
            }
            "as_str" | "trim" | "trim_start" | "trim_end" => Some(Ty {
                base: "str".into(),
                is_ref: true,
                ..Ty::default()
            }),
            "join" | "concat" | "to_lowercase" | "to_uppercase" | "repeat" | "replace" => {
                matches!(base, "str" | "String" | "[]" | "Vec").then(|| Ty::named("String"))
            }
            _ => None,
        },
    }
}

/// Standard free functions whose result type is fixed.
fn cpp_std_function_type(written: &str) -> Option<Ty> {
    match written {
        "std::to_string" | "std::string" => Some(Ty::named("std::string")),
        "std::to_wstring" | "std::wstring" => Some(Ty::named("std::wstring")),
        "std::vector" | "std::map" | "std::set" | "std::unordered_map" => Some(Ty::named(written)),
        _ => None,
    }
}
