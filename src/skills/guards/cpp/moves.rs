//! Where a C++ value may be moved instead of copied: by-value parameters,
//! constructors, member initializers and assignments at the value's last use,
//! and what keeps referring to an object so that moving it would be observed.

use super::reads::arg_index;
use super::reads::callee_params;
use super::reads::param_is_by_value;
use crate::index::ty::Ty;
use crate::lang::Lang;
use crate::skills::call::Arg;
use crate::skills::context::MatchCtx;
use crate::skills::sema;
use crate::skills::syntax::call_of;
use crate::skills::syntax::{self, uses};
use tree_sitter::Node;

/// C++: is this use of a variable a move (or a swap, or a return that moves)?
pub fn is_moved(ctx: &MatchCtx<'_>, u: Node<'_>) -> bool {
    let Some(p) = u.parent() else { return false };
    match p.kind() {
        "return_statement" | "co_return_statement" | "throw_statement" => true,
        "argument_list" => p
            .parent()
            .and_then(|c| c.child_by_field_name("function"))
            .is_some_and(|f| {
                let name = ctx.text(f);
                matches!(
                    name,
                    "std::move" | "move" | "std::forward" | "std::swap" | "swap" | "std::exchange"
                ) || name.ends_with(".swap")
            }),
        "field_expression" => p
            .child_by_field_name("field")
            .is_some_and(|f| ctx.text(f) == "swap"),
        "lambda_capture_specifier" => true,
        _ => false,
    }
}

/// A parameter `T&& p` of a concrete type (not a forwarding reference of a
/// template parameter): its argument was an rvalue, so it is the callee's
/// to move from.
pub fn is_rvalue_ref_param(ctx: &MatchCtx<'_>, d: &syntax::Decl<'_>) -> bool {
    if !d.is_param {
        return false;
    }
    let rvalue = d
        .node
        .child_by_field_name("declarator")
        .is_some_and(|decl| {
            decl.kind() == "reference_declarator" && ctx.text(decl).starts_with("&&")
        });
    if !rvalue {
        return false;
    }
    let Some(ty) = d.ty.as_deref() else {
        return false;
    };
    let base = Ty::parse_cpp(ty).base;
    // `template <class T> f(T&& x)` forwards; `auto&&` deduces.
    let template_params: Vec<String> = std::iter::successors(d.node.parent(), |n| n.parent())
        .filter(|n| n.kind() == "template_declaration")
        .filter_map(|t| t.child_by_field_name("parameters"))
        .flat_map(|ps| {
            let mut c = ps.walk();
            ps.named_children(&mut c)
                .filter_map(|p| {
                    p.named_children(&mut p.walk())
                        .find(|n| n.kind() == "type_identifier")
                        .map(|n| ctx.text(n).to_string())
                })
                .collect::<Vec<_>>()
        })
        .collect();
    base != "auto" && !template_params.contains(&base)
}

/// `moves-into(@site, @arg)`: the value of `@arg` ends up in a new object
/// that owns a copy of it, so handing over `std::move(arg)` instead saves
/// the copy: a by-value parameter (see `callee-takes-by-value`), a
/// constructor called by `new T(arg)` taking it by value or copying it, a
/// member initializer `m_(arg)` of a member of the same type, or an
/// assignment `x = arg` to something of the same type.
pub fn moves_into(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(site), Some(arg)) = (ctx.node(&args[0]), ctx.node(&args[1])) else {
        return false;
    };
    let Some(arg_ty) = ctx.var_type(arg).map(|t| t.value()) else {
        return false;
    };
    match site.kind() {
        "call_expression" => takes_by_value(ctx, site, arg),
        "new_expression" => {
            let (Some(ty), Some(list)) = (
                site.child_by_field_name("type"),
                site.child_by_field_name("arguments"),
            ) else {
                return false;
            };
            let class = ctx.written_ty(ctx.text(ty), ty).value();
            if list.named_child_count() == 1 && class == arg_ty {
                return true; // the copy constructor; the move one exists
            }
            let index = arg_index(list, arg);
            let ctors = ctx.index.methods(&class.base, class.short());
            !ctors.is_empty()
                && ctors.iter().all(|c| {
                    c.item.params.len() == list.named_child_count()
                        && c.item.params.get(index).is_some_and(|p| {
                            let p = ctx.index.resolve(&Ty::parse_cpp(&p.ty), &c.scope);
                            param_is_by_value(&p)
                                && (p.value() == arg_ty || ctx.in_family("deep-copy", &p))
                        })
                })
        }
        "field_initializer" => {
            let Some(member) = site
                .named_child(0)
                .filter(|m| m.kind() == "field_identifier")
            else {
                return false;
            };
            let scope = ctx.scope_at(site);
            let Some(owner) = scope.owner else {
                return false;
            };
            let Some(field) = ctx.index.field(&owner, ctx.text(member)) else {
                return false;
            };
            let member_ty = ctx
                .index
                .resolve(&Ty::parse_cpp(&field.item.ty), &field.scope)
                .value();
            let single = site
                .named_child(1)
                .is_some_and(|l| l.named_child_count() == 1);
            single && !member_ty.is_ptr && member_ty == arg_ty
        }
        "assignment_expression" => {
            let plain = site
                .child_by_field_name("operator")
                .is_some_and(|o| ctx.text(o) == "=");
            let left = site.child_by_field_name("left");
            plain
                && site.child_by_field_name("right") == Some(arg)
                && left
                    .and_then(|l| ctx.expr_type(l))
                    .is_some_and(|l| !l.is_ptr && l.value() == arg_ty)
        }
        _ => false,
    }
}

pub fn callee_takes_by_value(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(call), Some(arg)) = (ctx.node(&args[0]), ctx.node(&args[1])) else {
        return false;
    };
    takes_by_value(ctx, call, arg)
}

pub fn not_passed_by_value(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(var), Some(within)) = (ctx.node(&args[0]), ctx.node(&args[1])) else {
        return false;
    };
    !uses(Lang::Cpp, within, ctx.text(var), ctx.src)
        .into_iter()
        .any(|u| {
            let call = u
                .parent()
                .filter(|a| a.kind() == "argument_list")
                .and_then(|a| a.parent());
            call.is_some_and(|c| c.kind() == "call_expression" && takes_by_value(ctx, c, u))
        })
}

pub fn sole_mention_in_statement(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(var) = ctx.node(&args[0]) else {
        return false;
    };
    uses(Lang::Cpp, full_expression(var), ctx.text(var), ctx.src) == [var]
}

/// The statement whose evaluation `node` is part of: in `if (!a.empty())
/// v.push_back(a);` that is `v.push_back(a);` (the condition is sequenced
/// before it), not the whole `if`.
fn full_expression(node: Node<'_>) -> Node<'_> {
    let outer = syntax::enclosing_statement(Lang::Cpp, node);
    let mut n = node;
    while n != outer {
        if matches!(
            n.kind(),
            "expression_statement"
                | "declaration"
                | "return_statement"
                | "throw_statement"
                | "field_initializer"
        ) {
            return n;
        }
        match n.parent() {
            Some(p) => n = p,
            None => break,
        }
    }
    outer
}

/// Whether `call` evidently takes its argument `arg` by value: a function
/// or method whose declaration (found through the project index) has a
/// by-value parameter there, or a sequence's or set's push/insert of a value
/// of exactly its element type (which has an rvalue overload; an element
/// constructed from another type gains nothing from a move).
pub(super) fn takes_by_value<'a>(ctx: &MatchCtx<'a>, call: Node<'a>, arg: Node<'a>) -> bool {
    let Some(func) = call.child_by_field_name("function") else {
        return false;
    };
    let Some(arglist) = call.child_by_field_name("arguments") else {
        return false;
    };
    let index = arg_index(arglist, arg);
    if func.kind() == "field_expression" {
        let method = func
            .child_by_field_name("field")
            .map(|f| ctx.text(f))
            .unwrap_or("");
        let container = func
            .child_by_field_name("argument")
            .and_then(|o| ctx.expr_type(o))
            .filter(|t| ctx.in_family("sequence|set", t));
        if let Some(container) = container {
            let pushes = matches!(
                method,
                "push_back"
                    | "emplace_back"
                    | "insert"
                    | "push"
                    | "push_front"
                    | "emplace"
                    | "emplace_front"
            );
            let single = arglist.named_child_count() == 1;
            let same_type = sema::element_of(&container)
                .zip(ctx.expr_type(arg))
                .is_some_and(|(el, a)| el.value() == a.value());
            return pushes && single && same_type;
        }
    }
    // A by-value parameter that owns what it receives: the argument's own
    // type, or another type whose copy duplicates heap memory (a
    // `std::filesystem::path` from a string). A `std::string_view` or a
    // view class taken by value gains nothing from a moved string.
    let Some(arg_ty) = ctx.expr_type(arg).map(|t| t.value()) else {
        return false;
    };
    let params = callee_params(ctx, call);
    !params.is_empty()
        && params.iter().all(|ps| {
            ps.get(index).is_some_and(|p| {
                param_is_by_value(p) && (p.value() == arg_ty || ctx.in_family("deep-copy", p))
            })
        })
}

/// Methods whose result points into the object (iterators, raw pointers):
/// keeping one keeps an alias of the object.
pub(super) const ALIASING_METHODS: &[&str] = &[
    "begin",
    "end",
    "cbegin",
    "cend",
    "rbegin",
    "rend",
    "crbegin",
    "crend",
    "data",
    "c_str",
    "find",
    "lower_bound",
    "upper_bound",
    "equal_range",
];

pub fn not_aliased(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(var) = ctx.node(&args[0]) else {
        return false;
    };
    let scope = ctx.function_scope(var);
    !uses(Lang::Cpp, scope, ctx.text(var), ctx.src)
        .into_iter()
        .any(|u| keeps_alias(ctx, u))
}

/// Whether this mention of a variable lets something else keep referring to
/// the object: `&v`, a reference/pointer/view/iterator bound to `v` or into
/// it, or a lambda that captures by reference.
pub(super) fn keeps_alias<'a>(ctx: &MatchCtx<'a>, u: Node<'a>) -> bool {
    let by_ref_lambda = std::iter::successors(u.parent(), |n| n.parent())
        .take_while(|n| n.kind() != "function_definition")
        .filter(|n| n.kind() == "lambda_expression")
        .any(|l| {
            l.child_by_field_name("captures")
                .is_some_and(|c| ctx.text(c).contains('&'))
        });
    if by_ref_lambda {
        return true;
    }
    // Climb `v.f`, `v[i]`, `v.m()`, `(v)` to the whole access expression,
    // remembering the last method called on the way.
    let (mut e, mut method) = (u, None);
    while let Some(p) = e.parent() {
        let is = |field: &str| p.child_by_field_name(field) == Some(e);
        match p.kind() {
            "field_expression" if is("argument") => {
                let call = call_of(p);
                method = p.child_by_field_name("field").map(|f| ctx.text(f));
                e = call.unwrap_or(p);
            }
            "subscript_expression" if is("argument") => {
                method = None;
                e = p;
            }
            "parenthesized_expression" => e = p,
            _ => break,
        }
    }
    let iterator_like = method.is_some_and(|m| ALIASING_METHODS.contains(&m));
    let Some(p) = e.parent() else { return false };
    match p.kind() {
        "pointer_expression" => ctx.text(p).starts_with('&'),
        "init_declarator" if p.child_by_field_name("value") == Some(e) => {
            let declarator = p.child_by_field_name("declarator").map(|d| d.kind());
            let ty = p.parent().and_then(|d| d.child_by_field_name("type"));
            let view = ty.is_some_and(|t| {
                let written = ctx.text(t);
                ctx.in_family("string_view", &ctx.written_ty(written, t))
                    || written.contains("span")
                    || written.contains("iterator")
            });
            let auto = ty.is_some_and(|t| t.kind() == "placeholder_type_specifier");
            matches!(
                declarator,
                Some("reference_declarator" | "pointer_declarator")
            ) || view
                || auto && iterator_like
        }
        "assignment_expression" => p.child_by_field_name("right") == Some(e) && iterator_like,
        _ => false,
    }
}
