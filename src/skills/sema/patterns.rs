//! Rust names bound by patterns: `if let Some(x) = opt`, `match r { Ok(v)
//! => … }`, `let (a, b) = pair`, `for (i, item) in v.iter().enumerate()`,
//! and closure parameters of Option, Result and iterator methods. Each takes
//! its type from the value the pattern destructures, one step at a time.
//!
//! Iterators are modelled as `#iter<Item>`: what `iter()`, `chars()`,
//! `enumerate()`, `zip()`… yield, so a `for` pattern or a closure parameter
//! gets the item's type.

use tree_sitter::Node;

use super::super::context::MatchCtx;
use super::super::syntax::{Decl, PatStep};
use crate::index::ty::Ty;

/// What iterating a value yields (`for x in v`, `v.into_iter()`).
pub fn item_of(ty: &Ty) -> Option<Ty> {
    let by_ref = |mut t: Ty| {
        if ty.is_ref {
            t.is_ref = true;
            t.is_mut = ty.is_mut;
        }
        t
    };
    match ty.base.as_str() {
        "#iter" | "#range" => ty.args.first().cloned(),
        "Option" | "Vec" | "VecDeque" | "HashSet" | "BTreeSet" | "[]" | "BinaryHeap" => {
            Some(by_ref(ty.args.first()?.clone()))
        }
        "HashMap" | "BTreeMap" => {
            let k = by_ref(ty.args.first()?.clone());
            let v = by_ref(ty.args.get(1)?.clone());
            Some(Ty {
                base: "()".into(),
                args: vec![k, v],
                ..Ty::default()
            })
        }
        _ => None,
    }
}

/// An iterator yielding `item`.
pub fn iter_of(item: Ty) -> Ty {
    Ty {
        base: "#iter".into(),
        args: vec![item],
        ..Ty::default()
    }
}

/// Methods of `#iter<I>` that yield `I` again.
const ITEM_KEEPING: &[&str] = &[
    "rev",
    "skip",
    "take",
    "step_by",
    "peekable",
    "filter",
    "skip_while",
    "take_while",
    "chain",
    "cycle",
    "fuse",
    "inspect",
    "by_ref",
];

/// The iterator a std method returns, when it returns one.
pub fn iterator_method(recv: &Ty, method: &str, arg: Option<Ty>) -> Option<Ty> {
    let base = recv.base.as_str();
    let str_like = matches!(base, "str" | "String");
    let item = match method {
        "iter" => item_of(&Ty {
            is_ref: true,
            ..recv.value()
        })?,
        "iter_mut" => item_of(&Ty {
            is_ref: true,
            is_mut: true,
            ..recv.value()
        })?,
        "into_iter" if base == "#iter" => return Some(recv.clone()),
        "into_iter" => item_of(recv)?,
        "drain" => item_of(&recv.value())?,
        "keys" if matches!(base, "HashMap" | "BTreeMap") => Ty {
            is_ref: true,
            ..recv.args.first()?.clone()
        },
        "values" | "values_mut" if matches!(base, "HashMap" | "BTreeMap") => Ty {
            is_ref: true,
            is_mut: method == "values_mut",
            ..recv.args.get(1)?.clone()
        },
        "chars" if str_like => Ty::named("char"),
        "bytes" if str_like => Ty::named("u8"),
        "char_indices" if str_like => Ty {
            base: "()".into(),
            args: vec![Ty::named("usize"), Ty::named("char")],
            ..Ty::default()
        },
        "lines" | "split" | "split_whitespace" | "split_terminator" | "rsplit" | "splitn"
        | "rsplitn" | "split_inclusive" | "matches"
            if str_like =>
        {
            Ty {
                base: "str".into(),
                is_ref: true,
                ..Ty::default()
            }
        }
        "windows" | "chunks" | "chunks_exact" | "rchunks" if matches!(base, "Vec" | "[]") => Ty {
            base: "[]".into(),
            args: recv.args.clone(),
            is_ref: true,
            ..Ty::default()
        },
        "enumerate" if base == "#iter" => Ty {
            base: "()".into(),
            args: vec![Ty::named("usize"), recv.args.first()?.clone()],
            ..Ty::default()
        },
        "zip" if base == "#iter" => {
            let other = arg.as_ref().and_then(|a| match a.base.as_str() {
                "#iter" => a.args.first().cloned(),
                _ => item_of(a),
            })?;
            Ty {
                base: "()".into(),
                args: vec![recv.args.first()?.clone(), other],
                ..Ty::default()
            }
        }
        "copied" | "cloned" if base == "#iter" => recv.args.first()?.value(),
        m if base == "#iter" && ITEM_KEEPING.contains(&m) => return Some(recv.clone()),
        _ => return None,
    };
    Some(iter_of(item))
}

/// What a std method of an iterator, an Option or a Result passes to its
/// closure's first parameter (`map(|x| …)`), or `None` when unknown.
fn closure_arg(recv: &Ty, method: &str, param: usize) -> Option<Ty> {
    let base = recv.base.as_str();
    let first = recv.args.first().cloned();
    let borrowed = |t: Ty| Ty { is_ref: true, ..t };
    match (base, method, param) {
        (
            "Option",
            "map" | "and_then" | "is_some_and" | "is_none_or" | "map_or" | "map_or_else"
            | "filter_map",
            0,
        ) => first,
        ("Option", "filter" | "inspect" | "take_if", 0) => first.map(borrowed),
        ("Result", "map" | "and_then" | "is_ok_and" | "map_or" | "inspect", 0) => first,
        ("Result", "map_err" | "or_else" | "unwrap_or_else" | "is_err_and" | "inspect_err", 0) => {
            recv.args.get(1).cloned()
        }
        (
            "#iter",
            "map" | "for_each" | "filter_map" | "flat_map" | "any" | "all" | "position"
            | "map_while" | "try_for_each" | "max_by_key" | "min_by_key" | "partition" | "unzip",
            0,
        ) => first,
        ("#iter", "filter" | "find" | "skip_while" | "take_while" | "inspect" | "find_map", 0) => {
            first.map(borrowed)
        }
        ("#iter", "fold" | "try_fold", 1) => first,
        _ => None,
    }
}

impl<'a> MatchCtx<'a> {
    /// The type of a name a Rust pattern binds (or of a `for`/closure
    /// variable): the destructured value's type, taken apart step by step.
    pub(super) fn rust_binding_ty(&self, d: &Decl<'a>, depth: usize) -> Option<Ty> {
        let mut steps = d.pattern.as_slice();
        let mut ty = match d.node.kind() {
            "let_declaration" | "parameter" => match d.node.child_by_field_name("type") {
                Some(t) => self.written_ty(self.text(t), t),
                None => self.expr_type_at(d.init?, depth)?,
            },
            "let_condition" | "match_arm" => self.expr_type_at(d.init?, depth)?,
            "for_expression" => item_of(&self.expr_type_at(d.init?, depth)?)?,
            "closure_parameters" => {
                let Some((PatStep::Arg(i), rest)) = steps.split_first() else {
                    return None;
                };
                steps = rest;
                self.closure_param_ty(d.node, *i, depth)?
            }
            _ => return None,
        };
        for step in steps {
            ty = destructure(self, &ty, step)?;
        }
        Some(ty)
    }

    /// The type of the `i`-th parameter of the closure whose parameter list
    /// is `params`, from the std method it is passed to.
    fn closure_param_ty(&self, params: Node<'a>, i: usize, depth: usize) -> Option<Ty> {
        let closure = params.parent()?;
        let call = closure.parent()?.parent()?;
        if call.kind() != "call_expression" {
            return None;
        }
        let func = call.child_by_field_name("function")?;
        let recv = self.expr_type_at(func.child_by_field_name("value")?, depth)?;
        let method = self.text(func.child_by_field_name("field")?);
        // A collection's own iterator methods (`v.iter().any(…)` is the
        // usual form; `v.contains` has no closure).
        closure_arg(&recv, method, i)
    }
}

/// One pattern step applied to a type. Matching a reference with a
/// non-reference pattern binds by reference (Rust's default binding modes).
fn destructure(ctx: &MatchCtx<'_>, ty: &Ty, step: &PatStep) -> Option<Ty> {
    let through_ref = |mut t: Ty| {
        if ty.is_ref {
            t.is_ref = true;
            t.is_mut = ty.is_mut;
        }
        t
    };
    match step {
        PatStep::Deref => {
            if !ty.is_ref {
                return None;
            }
            Some(Ty {
                is_ref: false,
                is_mut: false,
                ..ty.clone()
            })
        }
        PatStep::Tuple(i) if ty.base == "()" => ty.args.get(*i).cloned().map(through_ref),
        PatStep::Tuple(_) => None,
        PatStep::Variant(name, i) => {
            let short = name.rsplit("::").next().unwrap_or(name);
            let t = match (ty.base.as_str(), short, i) {
                ("Option", "Some", 0) | ("Result", "Ok", 0) => ty.args.first()?.clone(),
                ("Result", "Err", 0) => ty.args.get(1)?.clone(),
                // A project enum's tuple variant: its field `Variant.i`.
                _ => {
                    let f = ctx.index.field(&ty.base, &format!("{short}.{i}"))?;
                    let t = ctx.parse_ty(&f.item.ty);
                    ctx.index.resolve(&t, &f.scope)
                }
            };
            Some(through_ref(t))
        }
        PatStep::Field(name) => {
            let f = ctx.index.field(&ty.base, name)?;
            let t = ctx.parse_ty(&f.item.ty);
            Some(through_ref(ctx.index.resolve(&t, &f.scope)))
        }
        PatStep::StructField(path, name) => {
            // A variant's field is `Variant.name` in the index; a struct's
            // is its plain name.
            let short = path.rsplit("::").next().unwrap_or(path);
            let f = ctx
                .index
                .field(&ty.base, &format!("{short}.{name}"))
                .or_else(|| ctx.index.field(&ty.base, name))?;
            let t = ctx.parse_ty(&f.item.ty);
            Some(through_ref(ctx.index.resolve(&t, &f.scope)))
        }
        PatStep::Arg(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::skills::guards::testutil::rust_var_type;

    /// The type of the `nth` use of `name` in `src`, as text.
    fn ty_of(src: &str, name: &str, nth: usize) -> String {
        rust_var_type(src, name, nth).map_or("?".into(), |t| {
            let r = if t.is_ref {
                if t.is_mut {
                    "&mut "
                } else {
                    "&"
                }
            } else {
                ""
            };
            format!(
                "{r}{}",
                crate::index::ty::Ty {
                    is_ref: false,
                    is_mut: false,
                    ..t
                }
            )
        })
    }

    #[test]
    fn pattern_bindings_take_their_part_of_the_value() {
        let src = "struct Doc { title: String, tags: Vec<String> }\n\
                   fn f(o: Option<String>, r: Result<u32, String>, v: Vec<(u32, String)>, d: &Doc) {\n\
                   if let Some(s) = o { use_(s); }\n\
                   match r { Ok(n) => use_(n), Err(e) => use_(e) }\n\
                   for (i, (k, w)) in v.iter().enumerate() { use_(i); use_(k); use_(w); }\n\
                   let Doc { title: t, .. } = d; use_(t);\n\
                   let (a, b) = (1u8, String::new()); use_(b);\n\
                   for c in \"ab\".chars() { use_(c); }\n\
                   v.iter().filter(|p| p.0 > 1).count();\n\
                   }";
        assert_eq!(ty_of(src, "s", 1), "String");
        assert_eq!(ty_of(src, "n", 1), "u32");
        assert_eq!(ty_of(src, "e", 1), "String");
        assert_eq!(ty_of(src, "i", 1), "usize");
        assert_eq!(ty_of(src, "k", 1), "&u32");
        assert_eq!(ty_of(src, "w", 1), "&String");
        assert_eq!(
            ty_of(src, "t", 1),
            "&String",
            "a field through a reference binds by reference"
        );
        assert_eq!(ty_of(src, "c", 1), "char");
        // `filter` passes `&&(u32, String)`; references collapse to one level.
        assert_eq!(ty_of(src, "p", 1), "&()<u32, String>");
    }

    #[test]
    fn project_enum_variants_give_their_fields() {
        let src = "enum Cmd { SetTitle(String), Move(u32, u32), Quit }\n\
                   fn run(c: Cmd) { match c { Cmd::SetTitle(title) => use_(title), Cmd::Move(x, y) => use_(y), Cmd::Quit => {} } }";
        assert_eq!(ty_of(src, "title", 1), "String");
        assert_eq!(ty_of(src, "y", 1), "u32");
    }

    #[test]
    fn shorthand_fields_of_struct_variants_are_bound() {
        let src = "use std::cell::Cell;\n\
                   enum Node { Leaf { mark: Cell<u8>, text: String }, Other }\n\
                   struct Doc { title: String }\n\
                   fn f(n: &Node, d: Doc) { let text = 1u32;\n\
                   match n { Node::Leaf { mark, text } => { use_(mark); use_(text); } Node::Other => {} }\n\
                   let Doc { title } = d; use_(title); }";
        assert_eq!(ty_of(src, "mark", 0), "&Cell<u8>");
        assert_eq!(
            ty_of(src, "text", 1),
            "&String",
            "the shorthand binding shadows the outer `text`"
        );
        assert_eq!(ty_of(src, "title", 0), "String");
    }

    #[test]
    fn a_let_binds_after_its_statement() {
        let src = "fn f(s: &str) { let s = s.trim(); use_(s); }";
        // The `s` inside `s.trim()` is the parameter.
        assert_eq!(ty_of(src, "s", 2), "&str");
    }
}
