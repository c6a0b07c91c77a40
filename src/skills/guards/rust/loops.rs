//! Rust trip counts: `0..n` with `n` evidently a `usize`, or a loop over a
//! sized collection, through adapters that keep the length.

use crate::skills::context::MatchCtx;
use tree_sitter::Node;

/// Rust trip counts: `0..n` with `n` evidently a `usize`, or a loop over a
/// sized collection (`&v`, `v.iter()`, `v`).
pub fn loop_count<'a>(ctx: &MatchCtx<'a>, lp: Node<'a>) -> Option<(String, Vec<String>)> {
    let value = lp.child_by_field_name("value")?;
    match value.kind() {
        "range_expression" => {
            let mut c = value.walk();
            let parts: Vec<Node> = value.named_children(&mut c).collect();
            let op = ctx.text(value);
            if parts.len() != 2 || ctx.text(parts[0]) != "0" || op.contains("..=") {
                return None;
            }
            let end = parts[1];
            let t = ctx.text(end).to_string();
            match end.kind() {
                "integer_literal" => {
                    let digits = t.trim_end_matches("usize");
                    digits
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '_')
                        .then(|| (digits.to_string(), vec![]))
                }
                "identifier" => {
                    let d = ctx.declaration(end, &t);
                    let usize_typed = ctx.var_type(end).is_some_and(|ty| ty.base == "usize")
                        || d.and_then(|d| d.init)
                            .is_some_and(|i| ctx.text(i).ends_with(".len()"));
                    usize_typed.then(|| (t.clone(), vec![t]))
                }
                "call_expression" if t.ends_with(".len()") => {
                    let obj = end
                        .child_by_field_name("function")?
                        .child_by_field_name("value")?;
                    let names = access_path(ctx, obj)?;
                    Some((t.clone(), names))
                }
                _ => None,
            }
        }
        _ => {
            // `&v`, `&mut v`, `v.iter()`, `v.iter_mut()`, `v.into_iter()`, `v`,
            // through adapters that keep the length (`enumerate`, `rev`,
            // `copied`, `cloned`, `map`).
            let mut value = value;
            loop {
                let keeps_length = value.kind() == "call_expression"
                    && value
                        .child_by_field_name("function")
                        .and_then(|f| f.child_by_field_name("field"))
                        .is_some_and(|m| {
                            matches!(
                                ctx.text(m),
                                "enumerate" | "rev" | "copied" | "cloned" | "map" | "inspect"
                            )
                        });
                if !keeps_length {
                    break;
                }
                value = value
                    .child_by_field_name("function")?
                    .child_by_field_name("value")?;
            }
            let obj = match value.kind() {
                "identifier" | "field_expression" => value,
                "reference_expression" => value.child_by_field_name("value")?,
                "call_expression" => {
                    let f = value.child_by_field_name("function")?;
                    let m = ctx.text(f.child_by_field_name("field")?);
                    if !matches!(m, "iter" | "iter_mut" | "into_iter") {
                        return None;
                    }
                    f.child_by_field_name("value")?
                }
                _ => return None,
            };
            let names = access_path(ctx, obj)?;
            let ty = ctx.expr_type(obj)?;
            ctx.in_family("sized", &ty)
                .then(|| (format!("{}.len()", ctx.text(obj)), names))
        }
    }
}

/// The names an access path mentions (`v`, `self.items`, `cfg.parts`): plain
/// field accesses only, so evaluating it twice gives the same value.
pub(super) fn access_path(ctx: &MatchCtx<'_>, e: Node<'_>) -> Option<Vec<String>> {
    match e.kind() {
        "identifier" => Some(vec![ctx.text(e).to_string()]),
        "self" => Some(Vec::new()),
        "field_expression" => {
            let mut names = access_path(ctx, e.child_by_field_name("value")?)?;
            names.push(ctx.text(e.child_by_field_name("field")?).to_string());
            Some(names)
        }
        _ => None,
    }
}
