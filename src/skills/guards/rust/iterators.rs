//! Rust iterator chains that may run lazily inside a loop instead of being
//! collected first.

use super::super::flow::identifiers_in;
use super::borrows::names_in;
use super::borrows::root_name;
use crate::lang::{self, Lang};
use crate::skills::call::Arg;
use crate::skills::context::MatchCtx;
use crate::skills::syntax::{self, contains, descendants};
use tree_sitter::Node;

/// Iterator sources and adapters that compute nothing beyond their
/// closures, so pulling their items lazily inside a loop is unobservable.
pub(super) const LAZY_METHODS: &[&str] = &[
    "iter",
    "iter_mut",
    "into_iter",
    "chars",
    "char_indices",
    "bytes",
    "lines",
    "split",
    "split_whitespace",
    "keys",
    "values",
    "windows",
    "chunks",
    "enumerate",
    "map",
    "filter",
    "filter_map",
    "flat_map",
    "flatten",
    "zip",
    "rev",
    "skip",
    "take",
    "step_by",
    "cloned",
    "copied",
    "chain",
    "take_while",
    "skip_while",
    "map_while",
];

/// Whether `node` is a chain of `LAZY_METHODS` calls on a local, `self`,
/// a field of either, or a range; arguments are closures, literals, names or
/// such chains themselves. Anything else (a channel, `read_dir`, a parallel or
/// custom iterator) may do work whose timing the rewrite would change.
pub(super) fn is_lazy_chain(ctx: &MatchCtx<'_>, node: Node<'_>) -> bool {
    match node.kind() {
        "identifier" | "self" => true,
        "integer_literal" => true,
        "parenthesized_expression" => node
            .named_child(0)
            .is_some_and(|inner| is_lazy_chain(ctx, inner)),
        "field_expression" => node
            .child_by_field_name("value")
            .is_some_and(|v| matches!(v.kind(), "identifier" | "self")),
        "range_expression" => {
            let mut c = node.walk();
            let ends_ok = node
                .named_children(&mut c)
                .all(|e| matches!(e.kind(), "identifier" | "integer_literal"));
            ends_ok
        }
        "call_expression" => {
            let Some(func) = node
                .child_by_field_name("function")
                .filter(|f| f.kind() == "field_expression")
            else {
                return false;
            };
            let method_ok = func
                .child_by_field_name("field")
                .is_some_and(|m| LAZY_METHODS.contains(&ctx.text(m)));
            let Some(args) = node.child_by_field_name("arguments") else {
                return false;
            };
            let mut c = args.walk();
            let args_ok = args.named_children(&mut c).all(|a| {
                matches!(
                    a.kind(),
                    "closure_expression" | "string_literal" | "char_literal"
                ) || is_lazy_chain(ctx, a)
            });
            method_ok
                && args_ok
                && func
                    .child_by_field_name("value")
                    .is_some_and(|v| is_lazy_chain(ctx, v))
        }
        _ => false,
    }
}

/// The named arguments of a call (none if it has no argument list).
pub(super) fn named_args(call: Node<'_>) -> Vec<Node<'_>> {
    let Some(args) = call.child_by_field_name("arguments") else {
        return Vec::new();
    };
    let mut c = args.walk();
    let out: Vec<Node> = args.named_children(&mut c).collect();
    out
}

pub fn lazy_safe(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(chain), Some(lp)) = (ctx.node(&args[0]), ctx.node(&args[1])) else {
        return false;
    };
    if ctx.text(chain).len() > 2000 || !is_lazy_chain(ctx, chain) {
        return false;
    }
    let nodes = descendants(chain);
    let mut closure_params: Vec<String> = Vec::new();
    for n in &nodes {
        if n.kind() == "closure_parameters" {
            closure_params.extend(identifiers_in(*n, ctx.src));
        }
    }
    for n in &nodes {
        match n.kind() {
            // Side effects, early exits and panics would move into the loop.
            "macro_invocation"
            | "assignment_expression"
            | "compound_assignment_expr"
            | "await_expression"
            | "try_expression"
            | "index_expression"
            | "unsafe_block"
            | "return_expression" => return false,
            "reference_expression" if ctx.text(*n).starts_with("&mut") => return false,
            "call_expression" => {
                let in_closure = lang::ancestor(*n, |a| a.kind() == "closure_expression")
                    .is_some_and(|c| contains(chain, c));
                if !in_closure {
                    continue; // the chain's own calls, checked by is_lazy_chain
                }
                let Some(func) = n.child_by_field_name("function") else {
                    return false;
                };
                if func.kind() != "field_expression" {
                    // Free calls might do anything; enum constructors do nothing.
                    if !matches!(ctx.text(func), "Some" | "Ok" | "Err") {
                        return false;
                    }
                    continue;
                }
                let method = func
                    .child_by_field_name("field")
                    .map_or("", |m| ctx.text(m));
                // Panics would move into the loop; generic returns were typed
                // by the collected Vec's annotation, which the rewrite drops.
                if matches!(
                    method,
                    "unwrap"
                        | "expect"
                        | "into"
                        | "try_into"
                        | "parse"
                        | "collect"
                        | "sum"
                        | "product"
                ) {
                    return false;
                }
                // A method on an item is the item's business; on a captured
                // value, only known read-only methods.
                let on_param = func
                    .child_by_field_name("value")
                    .and_then(|v| root_name(ctx, v))
                    .is_some_and(|r| closure_params.iter().any(|p| p == r));
                if !on_param && !super::super::flow::READ_ONLY_METHODS.contains(&method) {
                    return false;
                }
            }
            _ => {}
        }
    }
    // Names the chain reads (minus its closures' own parameters) must not be
    // touched by the loop body, nor by statements between the chain's
    // statement and the loop, which would now run before the chain does.
    let read: Vec<String> = names_in(ctx, chain)
        .into_iter()
        .filter(|i| !closure_params.contains(i))
        .collect();
    let Some(body) = syntax::loop_body(lp) else {
        return false;
    };
    let mut touched = names_in(ctx, body);
    let (chain_stmt, loop_stmt) = (
        syntax::enclosing_statement(Lang::Rust, chain),
        syntax::enclosing_statement(Lang::Rust, lp),
    );
    if chain_stmt.parent() != loop_stmt.parent() {
        return false;
    }
    let mut sibling = chain_stmt.next_named_sibling();
    while let Some(s) = sibling.filter(|s| *s != loop_stmt) {
        touched.extend(names_in(ctx, s));
        sibling = s.next_named_sibling();
    }
    read.iter().all(|i| !touched.contains(i))
}
