//! The cost model: what copying (C++) or cloning (Rust) a value costs,
//! from the type families of rewrites/types.toml and, for the project's own
//! classes and structs, from their members.

use super::super::context::MatchCtx;
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
    /// What copying (C++) or cloning (Rust) a value of `ty` costs.
    pub fn cost(&self, ty: &Ty) -> Cost {
        self.cost_depth(ty, 0, false)
    }

    /// `cost`, with reference-counted types (a copy is a counter update,
    /// not a copy of their data) counted as cheap.
    pub fn deep_copy_cost(&self, ty: &Ty) -> Cost {
        self.cost_depth(ty, 0, true)
    }

    fn cost_depth(&self, ty: &Ty, depth: usize, shallow_refcounts: bool) -> Cost {
        if depth > MAX_DEPTH || ty.is_unknown() || ty.is_auto {
            return Cost::Unknown;
        }
        // A reference (a member, an argument of a composite) is a pointer
        // underneath; `in_family` strips the outer reference of a variable.
        if ty.is_ptr || ty.is_ref {
            return Cost::Cheap;
        }
        let base = ty.base.as_str();
        match self.lang {
            Lang::Cpp if crate::index::resolve::is_cpp_primitive(base) => return Cost::Cheap,
            Lang::Rust if is_rust_primitive(base) || base == "str" => return Cost::Cheap,
            _ => {}
        }
        let value = ty.value();
        if self.types.has(self.lang, "refcounted", &value) {
            return if shallow_refcounts {
                Cost::Cheap
            } else {
                Cost::Expensive
            };
        }
        if self.types.has(self.lang, "allocating", &value) {
            return Cost::Expensive;
        }
        if self.types.has(self.lang, "trivial", &value) {
            return Cost::Cheap;
        }
        if self.types.has(self.lang, "composite", &value) || base == "()" || base == "[]" {
            // An optional, pair, tuple or array costs what its members do.
            return self.combine(
                ty.args.iter().filter(|a| !a.base.starts_with('#')),
                depth,
                shallow_refcounts,
            );
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
        let mut cost = self.combine(fields.iter(), depth, shallow_refcounts);
        if fields.len() > MAX_CHEAP_FIELDS && cost == Cost::Cheap {
            cost = Cost::Unknown;
        }
        for base in &def.bases {
            let b = self.index.resolve(&self.parse_ty(base), &scope);
            cost = match (cost, self.cost_depth(&b, depth + 1, shallow_refcounts)) {
                (Cost::Expensive, _) | (_, Cost::Expensive) => Cost::Expensive,
                (Cost::Cheap, Cost::Cheap) => Cost::Cheap,
                _ => Cost::Unknown,
            };
        }
        cost
    }

    /// Expensive if any member is, cheap if all are, else unknown.
    fn combine<'t>(
        &self,
        members: impl Iterator<Item = &'t Ty>,
        depth: usize,
        shallow_refcounts: bool,
    ) -> Cost {
        let mut all_cheap = true;
        for m in members {
            match self.cost_depth(m, depth + 1, shallow_refcounts) {
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
