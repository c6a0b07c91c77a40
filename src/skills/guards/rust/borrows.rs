//! Rust moves and borrows the borrow checker would otherwise be asked about:
//! whether a use moves a variable, whether a borrow outlives its statement,
//! whether pushed values borrow from a loop iteration.

use super::super::flow::identifiers_in;
use super::iterators::named_args;
use crate::lang::{self, Lang};
use crate::skills::call::Arg;
use crate::skills::context::MatchCtx;
use crate::skills::syntax::call_of;
use crate::skills::syntax::{self, contains, descendants, uses};
use tree_sitter::Node;

/// Format-family macros: their arguments are taken by reference.
pub(super) const FORMAT_MACROS: &[&str] = &[
    "format",
    "print",
    "println",
    "eprint",
    "eprintln",
    "write",
    "writeln",
    "panic",
    "format_args",
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "unreachable",
    "todo",
];

/// Whether this use of a variable moves it (or might).
pub fn is_moved(ctx: &MatchCtx<'_>, u: Node<'_>) -> bool {
    let Some(p) = u.parent() else { return true };
    match p.kind() {
        "reference_expression"
        | "index_expression"
        | "binary_expression"
        | "compound_assignment_expr" => false,
        "assignment_expression" => p.child_by_field_name("left") != Some(u),
        "field_expression" => {
            let Some(field) = p.child_by_field_name("field") else {
                return true;
            };
            let name = ctx.text(field);
            let is_call = call_of(p).is_some();
            // `into_*`, `into()` consume self; a field read may move the field out.
            !is_call || name.starts_with("into") || name == "unwrap" || name == "expect"
        }
        "token_tree" | "string_literal" => {
            let mac = lang::ancestor(p, |n| n.kind() == "macro_invocation");
            !mac.and_then(|m| m.child_by_field_name("macro"))
                .is_some_and(|m| FORMAT_MACROS.contains(&ctx.text(m)))
        }
        _ => true,
    }
}

pub fn no_live_borrow(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(var), Some(at)) = (ctx.node(&args[0]), ctx.node(&args[1])) else {
        return false;
    };
    let name = ctx.text(var);
    let stmt = syntax::enclosing_statement(Lang::Rust, at);
    let scope = ctx.function_scope(at);
    uses(Lang::Rust, scope, name, ctx.src)
        .into_iter()
        .filter(|u| *u != var)
        .all(|u| {
            if contains(stmt, u) {
                return contains(at, u);
            }
            if u.start_byte() > at.start_byte() {
                return true;
            }
            is_declaration(u) || borrow_ends_with_statement(ctx, u)
        })
}

/// Whether `u` is the name a `let` or a parameter introduces.
pub(super) fn is_declaration(u: Node<'_>) -> bool {
    u.parent().is_some_and(|p| {
        matches!(p.kind(), "let_declaration" | "parameter")
            && p.child_by_field_name("pattern") == Some(u)
    })
}

/// Whether any borrow that the use `u` takes certainly ends with its own
/// statement: `u.method(..);` whose result is thrown away (a method of an
/// owned std collection cannot stash `&self` in its arguments), or an
/// argument of a format macro statement (`println!("{}", u);`). Anything else
/// (a `let`, a call that gets `&u`, a closure) might keep a borrow alive.
pub(super) fn borrow_ends_with_statement(ctx: &MatchCtx<'_>, u: Node<'_>) -> bool {
    let Some(p) = u.parent() else { return false };
    let is_statement = |n: Node<'_>| {
        n.parent()
            .is_some_and(|s| s.kind() == "expression_statement")
    };
    match p.kind() {
        "field_expression" => {
            let Some(call) = call_of(p) else {
                return false;
            };
            p.child_by_field_name("value") == Some(u) && is_statement(call)
        }
        "token_tree" => p.parent().is_some_and(|m| {
            m.kind() == "macro_invocation"
                && is_statement(m)
                && m.child_by_field_name("macro")
                    .is_some_and(|n| PRINT_MACROS.contains(&ctx.text(n)))
        }),
        _ => false,
    }
}

/// Format macros that only print: their borrows end with the statement.
pub(super) const PRINT_MACROS: &[&str] = &["print", "println", "eprint", "eprintln"];

pub fn no_loop_borrow_into(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(buf), Some(lp)) = (ctx.node(&args[0]), ctx.node(&args[1])) else {
        return false;
    };
    // The capture is usually the declaring name itself.
    let Some(d) = super::super::flow::decl(ctx, buf) else {
        return false;
    };
    let ty = d.ty.clone().unwrap_or_default();
    if ty == "String" {
        return true; // a String owns its bytes
    }
    // An annotated element type that cannot hold a borrow settles it.
    if d.node.child_by_field_name("type").is_some()
        && !ty.contains('&')
        && !ty.contains('\'')
        && !ty.contains('_')
    {
        return true;
    }
    let Some(body) = syntax::loop_body(lp) else {
        return false;
    };
    // Names bound inside the loop: its pattern and its lets.
    let mut local: Vec<String> = Vec::new();
    if let Some(pat) = lp.child_by_field_name("pattern") {
        let integer_range = lp
            .child_by_field_name("value")
            .is_some_and(|v| v.kind() == "range_expression");
        if !integer_range {
            local.extend(identifiers_in(pat, ctx.src));
        }
    }
    // Every other pattern in the body binds a per-iteration name too: lets,
    // nested `for` loops (unless over an integer range), closure parameters,
    // match arms and `if let` / `while let`.
    for n in descendants(body) {
        let pattern = match n.kind() {
            "let_declaration" if n != d.node => n.child_by_field_name("pattern"),
            "for_expression"
                if n.child_by_field_name("value")
                    .is_none_or(|v| v.kind() != "range_expression") =>
            {
                n.child_by_field_name("pattern")
            }
            "closure_parameters" | "match_pattern" => Some(n),
            "let_condition" => n.child_by_field_name("pattern"),
            _ => None,
        };
        if let Some(p) = pattern {
            local.extend(identifiers_in(p, ctx.src));
        }
    }
    let name = ctx.text(buf);
    // A value is safe to store if it is a literal, an owned copy, or mentions
    // nothing bound per iteration.
    let safe = |a: Node<'_>| {
        let owned_call = a.kind() == "call_expression"
            && a.child_by_field_name("function")
                .and_then(|f| f.child_by_field_name("field"))
                .is_some_and(|m| {
                    matches!(
                        ctx.text(m),
                        "to_string" | "to_owned" | "clone" | "to_vec" | "len" | "count"
                    )
                });
        owned_call
            || matches!(
                a.kind(),
                "integer_literal" | "float_literal" | "string_literal" | "boolean_literal"
            )
            || !identifiers_in(a, ctx.src).iter().any(|i| local.contains(i))
    };
    uses(Lang::Rust, body, name, ctx.src).into_iter().all(|u| {
        let Some(p) = u.parent() else { return false };
        match p.kind() {
            // `buf.method(args)`: the arguments may end up inside it; a
            // `*_mut` accessor hands out its elements for writing.
            "field_expression" => {
                let Some(call) = p.parent().filter(|c| c.kind() == "call_expression") else {
                    return true;
                };
                let method = p.child_by_field_name("field").map_or("", |f| ctx.text(f));
                if method.ends_with("_mut") || matches!(method, "entry" | "as_mut") {
                    return false;
                }
                named_args(call).into_iter().all(safe)
            }
            // `fill(&mut buf, x)`: the other arguments may end up inside it.
            "reference_expression" if ctx.text(p).starts_with("&mut") => {
                let call = p
                    .parent()
                    .filter(|a| a.kind() == "arguments")
                    .and_then(|a| a.parent());
                call.is_some_and(|c| named_args(c).into_iter().filter(|a| *a != p).all(safe))
            }
            // `buf = x` / `buf[i] = x`: `x` ends up inside it.
            "assignment_expression" => {
                p.child_by_field_name("left") != Some(u)
                    || p.child_by_field_name("right").is_some_and(safe)
            }
            "index_expression" => {
                match p.parent().filter(|a| a.kind() == "assignment_expression") {
                    Some(a) if a.child_by_field_name("left") == Some(p) => {
                        a.child_by_field_name("right").is_some_and(safe)
                    }
                    _ => true,
                }
            }
            _ => true,
        }
    })
}

pub fn std_available(ctx: &mut MatchCtx<'_>, _args: &[Arg]) -> bool {
    let head: String = ctx
        .src
        .chars()
        .take(4096)
        .filter(|c| !c.is_whitespace())
        .collect();
    !head.contains("#![no_std]")
}

/// The variable names (and `self`) mentioned under `node`.
pub(super) fn names_in(ctx: &MatchCtx<'_>, node: Node<'_>) -> Vec<String> {
    let mut out = identifiers_in(node, ctx.src);
    if descendants(node).iter().any(|n| n.kind() == "self") {
        out.push("self".to_string());
    }
    out
}

/// The name at the root of a receiver: `x` of `x.a.b()`, `self` of `self.v`.
pub(super) fn root_name<'a>(ctx: &MatchCtx<'a>, node: Node<'_>) -> Option<&'a str> {
    match node.kind() {
        "identifier" | "self" => Some(ctx.text(node)),
        "field_expression" => root_name(ctx, node.child_by_field_name("value")?),
        "call_expression" => root_name(ctx, node.child_by_field_name("function")?),
        "index_expression" => root_name(ctx, node.named_child(0)?),
        _ => None,
    }
}

pub fn same_binding(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(name), Some(decl)) = (ctx.node(&args[0]), ctx.node(&args[1])) else {
        return false;
    };
    ctx.declaration(name, ctx.text(name))
        .is_some_and(|d| d.node == decl)
}

pub fn root_not_mentioned(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(recv), Some(within)) = (ctx.node(&args[0]), ctx.node(&args[1])) else {
        return false;
    };
    let Some(root) = root_name(ctx, recv) else {
        return false;
    };
    // `uses` covers names (also as macro tokens, minus `x.root` members) and
    // inline format captures; `self` is a keyword node of its own.
    let self_token = root == "self" && descendants(within).iter().any(|n| n.kind() == "self");
    !self_token && uses(Lang::Rust, within, root, ctx.src).is_empty()
}
