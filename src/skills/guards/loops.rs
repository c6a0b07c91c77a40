//! Loops: whether a statement runs once on every iteration, and a loop's
//! trip count (each language's counting lives beside its other guards).

use tree_sitter::Node;

use super::flow::{is_write, written_in};
use crate::lang::Lang;
use crate::skills::call::Arg;
use crate::skills::context::MatchCtx;
use crate::skills::syntax::{self, descendants, uses};

pub fn in_loop(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    ctx.node(&args[0])
        .is_some_and(|n| syntax::enclosing_loop(ctx.lang, n).is_some())
}

/// Kinds that leave or skip part of a loop iteration.
fn is_jump(lang: Lang, kind: &str) -> bool {
    match lang {
        Lang::Cpp => matches!(
            kind,
            "break_statement"
                | "continue_statement"
                | "return_statement"
                | "goto_statement"
                | "throw_statement"
                | "co_return_statement"
        ),
        Lang::Rust => matches!(
            kind,
            "break_expression" | "continue_expression" | "return_expression" | "try_expression"
        ),
    }
}

/// Jumps inside `body` that belong to `body`'s own loop (not to nested loops or closures).
fn has_own_jump(lang: Lang, body: Node<'_>) -> bool {
    descendants(body).into_iter().any(|n| {
        if !is_jump(lang, n.kind()) {
            return false;
        }
        let mut cur = n.parent();
        while let Some(p) = cur {
            if p == body {
                return true;
            }
            let nested_loop = lang.is_loop(p.kind()) || matches!(p.kind(), "switch_statement");
            if matches!(p.kind(), "closure_expression" | "lambda_expression") {
                return false;
            }
            // A `return`/`?`/`throw` inside a nested loop still leaves ours.
            if nested_loop
                && matches!(
                    n.kind(),
                    "break_statement"
                        | "continue_statement"
                        | "break_expression"
                        | "continue_expression"
                )
            {
                return false;
            }
            cur = p.parent();
        }
        false
    })
}

pub fn runs_once_per_iteration(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(stmt), Some(lp)) = (ctx.node(&args[0]), ctx.node(&args[1])) else {
        return false;
    };
    let Some(body) = syntax::loop_body(lp) else {
        return false;
    };
    let direct = stmt == body || stmt.parent() == Some(body);
    direct && !has_own_jump(ctx.lang, body)
}

pub fn loop_count(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(lp) = ctx.node(&args[0]) else {
        return false;
    };
    let at = args.get(1).and_then(|a| ctx.node(a));
    let count = match ctx.lang {
        Lang::Cpp => super::cpp::loop_count(ctx, lp),
        Lang::Rust => super::rust::loop_count(ctx, lp),
    };
    let Some((count, idents)) = count else {
        return false;
    };
    // The count must not change while the loop runs.
    let Some(body) = syntax::loop_body(lp) else {
        return false;
    };
    for ident in &idents {
        if written_in(ctx, body, ident) {
            return false;
        }
    }
    // And, when asked, it must already be computable at `at`.
    if let Some(at) = at {
        for ident in &idents {
            let Some(ident_node) = descendants(lp).into_iter().find(|n| {
                matches!(n.kind(), "identifier" | "field_identifier") && ctx.text(*n) == ident
            }) else {
                return false;
            };
            // A member (`this->rows_`, an implicit member, `self.items`)
            // exists before any statement of the method.
            let member = ident_node.kind() == "field_identifier"
                || (ctx.declaration(ident_node, ident).is_none()
                    && ctx.var_type(ident_node).is_some());
            match ctx.declaration(ident_node, ident) {
                _ if member => {}
                Some(d) if d.is_global || d.node.start_byte() < at.start_byte() => {}
                _ => return false,
            }
            // No assignment between `at` and the loop.
            let scope = ctx.function_scope(lp);
            let between = uses(ctx.lang, scope, ident, ctx.src)
                .into_iter()
                .filter(|u| u.start_byte() > at.end_byte() && u.end_byte() < lp.start_byte());
            if between.into_iter().any(|u| is_write(ctx.lang, u, ctx.src)) {
                return false;
            }
        }
    }
    ctx.bind("count", count);
    true
}
