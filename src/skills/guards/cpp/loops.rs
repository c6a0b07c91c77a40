//! C++ trip counts: `for (T i = 0; i < N; ++i)` and range-for over a sized
//! container, with bounds that are cheap, side-effect free and non-negative.

use super::super::flow::written_in;
use crate::skills::context::MatchCtx;
use crate::skills::syntax::{self};
use tree_sitter::Node;

/// C++ trip counts: `for (T i = 0; i < N; ++i)` and `for (x : container)`.
/// Returns the count expression and the identifiers it depends on.
pub fn loop_count<'a>(ctx: &MatchCtx<'a>, lp: Node<'a>) -> Option<(String, Vec<String>)> {
    let root = ctx.root;
    match lp.kind() {
        "for_range_loop" => {
            let range = lp.child_by_field_name("right")?;
            let names = access_path(ctx, range)?;
            if !ctx
                .expr_type(range)
                .is_some_and(|t| ctx.in_family("sized", &t))
            {
                return None;
            }
            Some((format!("{}.size()", ctx.text(range)), names))
        }
        "for_statement" => {
            let init = lp.child_by_field_name("initializer")?;
            let cond = lp.child_by_field_name("condition")?;
            let update = lp.child_by_field_name("update")?;
            // Initializer: `T i = 0` (declaration) or `i = 0` (assignment).
            let (var, start) = match init.kind() {
                "declaration" => {
                    let d = init
                        .child_by_field_name("declarator")
                        .filter(|d| d.kind() == "init_declarator")?;
                    (
                        d.child_by_field_name("declarator")?,
                        d.child_by_field_name("value")?,
                    )
                }
                "assignment_expression" => (
                    init.child_by_field_name("left")?,
                    init.child_by_field_name("right")?,
                ),
                _ => return None,
            };
            if var.kind() != "identifier" || ctx.text(start) != "0" {
                return None;
            }
            let var_name = ctx.text(var);
            // Condition: `i < N`, `i != N`, or `i < N && i < M`.
            if cond.kind() != "binary_expression" {
                return None;
            }
            let op = ctx.text(cond.child_by_field_name("operator")?);
            let bounds = if op == "&&" {
                let a = upper_bound(ctx, cond.child_by_field_name("left")?, var_name, &["<"])?;
                let b = upper_bound(ctx, cond.child_by_field_name("right")?, var_name, &["<"])?;
                vec![a, b]
            } else {
                vec![upper_bound(ctx, cond, var_name, &["<", "!="])?]
            };
            // Update: `++i`, `i++` or `i += 1`.
            let up = ctx.text(update).replace(' ', "");
            if ![
                format!("++{var_name}"),
                format!("{var_name}++"),
                format!("{var_name}+=1"),
            ]
            .contains(&up)
            {
                return None;
            }
            let body = lp.child_by_field_name("body")?;
            if written_in(ctx, body, var_name) {
                return None;
            }
            match bounds[..] {
                [bound] => bound_expression(ctx, bound),
                [a, b] => min_bound_expression(ctx, a, b, root),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The names an access path mentions (`v`, `items_`, `this->rows_`,
/// `cfg.parts`): a chain of plain member accesses, nothing that calls or
/// indexes, so evaluating it twice gives the same object.
pub(super) fn access_path(ctx: &MatchCtx<'_>, e: Node<'_>) -> Option<Vec<String>> {
    match e.kind() {
        "identifier" => Some(vec![ctx.text(e).to_string()]),
        "this" => Some(Vec::new()),
        "field_expression" => {
            let mut names = access_path(ctx, e.child_by_field_name("argument")?)?;
            names.push(ctx.text(e.child_by_field_name("field")?).to_string());
            Some(names)
        }
        _ => None,
    }
}

/// `B` in a condition `var < B` (or another of `ops`).
pub(super) fn upper_bound<'t>(
    ctx: &MatchCtx<'_>,
    cond: Node<'t>,
    var_name: &str,
    ops: &[&str],
) -> Option<Node<'t>> {
    if cond.kind() != "binary_expression" {
        return None;
    }
    let op = ctx.text(cond.child_by_field_name("operator")?);
    let left = cond.child_by_field_name("left")?;
    if !ops.contains(&op) || ctx.text(left) != var_name {
        return None;
    }
    cond.child_by_field_name("right")
}

/// The trip count of `i < A && i < B`: `std::min(A, B)`, clamped at zero for
/// signed bounds. Only when std::min certainly compiles: both bounds are
/// variables declared with the same integer type, or both are `x.size()`, and
/// the file includes <algorithm>.
pub(super) fn min_bound_expression<'a>(
    ctx: &MatchCtx<'a>,
    a: Node<'a>,
    b: Node<'a>,
    root: Node<'_>,
) -> Option<(String, Vec<String>)> {
    let includes_algorithm = syntax::named_leaves(root, "<algorithm>", ctx.src)
        .into_iter()
        .any(|p| p.parent().is_some_and(|n| n.kind() == "preproc_include"));
    if !includes_algorithm {
        return None;
    }
    let (ea, mut idents) = bound_expression(ctx, a)?;
    let (eb, ib) = bound_expression(ctx, b)?;
    idents.extend(ib);
    let (ta, tb) = (ctx.text(a), ctx.text(b));
    let min = format!("std::min({ta}, {tb})");
    match (a.kind(), b.kind()) {
        ("call_expression", "call_expression") => Some((min, idents)),
        ("identifier", "identifier") => {
            let ty = |n: Node<'a>| {
                ctx.declaration(n, ctx.text(n))
                    .and_then(|d| d.ty)
                    .map(|t| syntax::base_type(&t))
            };
            let same_type = ty(a).is_some_and(|t| Some(t) == ty(b));
            // A signed bound came back clamped (`n > 0 ? n : 0`); clamp the minimum likewise.
            let signed = ea != ta || eb != tb;
            same_type.then(|| {
                (
                    if signed {
                        format!("{min} > 0 ? {min} : 0")
                    } else {
                        min
                    },
                    idents,
                )
            })
        }
        _ => None,
    }
}

/// A loop bound that is cheap, side-effect free and non-negative: an unsigned
/// variable, `x.size()`, a literal; a signed variable is clamped at zero.
pub(super) fn bound_expression<'a>(
    ctx: &MatchCtx<'a>,
    bound: Node<'a>,
) -> Option<(String, Vec<String>)> {
    let t = ctx.text(bound).to_string();
    match bound.kind() {
        "number_literal" => (!t.starts_with('-')).then(|| (t, vec![])),
        "call_expression" => {
            let func = bound.child_by_field_name("function")?;
            let obj = func.child_by_field_name("argument")?;
            let method = func.child_by_field_name("field")?;
            let no_args = bound
                .child_by_field_name("arguments")
                .is_some_and(|a| a.named_child_count() == 0);
            let names = access_path(ctx, obj)?;
            (matches!(ctx.text(method), "size" | "length") && no_args).then_some((t, names))
        }
        "identifier" => {
            let ty = ctx.var_type(bound)?;
            if ctx.in_family("unsigned", &ty) {
                Some((t.clone(), vec![t]))
            } else if ctx.in_family("signed", &ty) {
                Some((format!("{t} > 0 ? {t} : 0"), vec![t]))
            } else {
                None
            }
        }
        _ => None,
    }
}
