//! Rust format macros: which arguments a `format!`/`write!` takes by
//! reference, and arguments whose `to_string()` a plain `{}` already writes.

use crate::skills::call::Arg;
use crate::skills::context::MatchCtx;
use crate::skills::syntax::descendants;
use tree_sitter::Node;

pub fn plain_display_arg(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(tt), Some(recv)) = (ctx.node(&args[0]), ctx.node(&args[1])) else {
        return false;
    };
    let dot = args.get(2).and_then(|a| ctx.node(a));
    let Some(mac) = tt.parent().and_then(|m| m.child_by_field_name("macro")) else {
        return false;
    };
    let is_write = matches!(ctx.text(mac), "write" | "writeln");
    // Split the token tree's children into top-level arguments.
    let mut c = tt.walk();
    let children: Vec<Node> = tt.children(&mut c).collect();
    if children.len() < 2 {
        return false;
    }
    let inner = &children[1..children.len() - 1];
    let mut arg_starts: Vec<usize> = vec![0];
    for (i, ch) in inner.iter().enumerate() {
        if ctx.text(*ch) == "," && !ch.is_named() {
            arg_starts.push(i + 1);
        }
    }
    let fmt_index = usize::from(is_write);
    let Some(&fmt_start) = arg_starts.get(fmt_index) else {
        return false;
    };
    let Some(fmt) = inner
        .get(fmt_start)
        .filter(|n| n.kind() == "string_literal")
    else {
        return false;
    };
    let Some(pos) = inner.iter().position(|n| *n == recv) else {
        return false;
    };
    // `recv` must start an argument, and that argument must be a plain path
    // of fields and calls ending in `.to_string()` (the captured `.`, if given).
    let Some(arg_no) = arg_starts.iter().position(|&s| s == pos) else {
        return false;
    };
    if arg_no <= fmt_index {
        return false;
    }
    let arg_end = arg_starts.get(arg_no + 1).map_or(inner.len(), |e| e - 1);
    let arg = &inner[pos..arg_end];
    if !is_to_string_chain(ctx, arg) || dot.is_some_and(|d| arg.get(arg.len() - 3) != Some(&d)) {
        return false;
    }
    // `write!(x, "{}", x.to_string())` would become `write!(x, "{}", x)`,
    // a shared borrow of `x` while `write!` holds it mutably.
    if is_write {
        let root = ctx.text(recv);
        if inner[..arg_starts[1]]
            .iter()
            .flat_map(|n| descendants(*n))
            .any(|n| ctx.text(n) == root)
        {
            return false;
        }
    }
    let Some(placeholders) = placeholders(ctx.text(*fmt)) else {
        return false;
    };
    // Only implicit positional placeholders, one per argument.
    if placeholders.iter().any(|p| p.0) || placeholders.len() != arg_starts.len() - fmt_index - 1 {
        return false;
    }
    placeholders
        .get(arg_no - fmt_index - 1)
        .is_some_and(|p| p.1.is_empty())
}

/// Whether the macro tokens `arg` spell `root(.field | .0 | (..) | [..])* . to_string ()`,
/// a value whose Display `{}` writes exactly what its `to_string()` holds.
pub(super) fn is_to_string_chain(ctx: &MatchCtx<'_>, arg: &[Node<'_>]) -> bool {
    let n = arg.len();
    if n < 4 || !matches!(arg[0].kind(), "identifier" | "self") {
        return false;
    }
    let tail_ok = ctx.text(arg[n - 3]) == "."
        && ctx.text(arg[n - 2]) == "to_string"
        && ctx.text(arg[n - 1]) == "()";
    if !tail_ok || arg[n - 2].kind() != "identifier" {
        return false;
    }
    // Between the root and the tail: `.` then a name or tuple index, or a
    // bracketed group right after a value; no operators, casts or macros.
    let mut after_dot = false;
    for t in &arg[1..n - 3] {
        let ok = if after_dot {
            matches!(t.kind(), "identifier" | "integer_literal")
        } else {
            (ctx.text(*t) == "." && !t.is_named())
                || (t.kind() == "token_tree"
                    && (ctx.text(*t).starts_with('(') || ctx.text(*t).starts_with('[')))
        };
        if !ok {
            return false;
        }
        after_dot = ctx.text(*t) == "." && !t.is_named();
    }
    !after_dot
}

/// Placeholders of a format string: (named or numbered?, spec after `:`).
/// `None` if the string is not a plain literal we understand.
pub(super) fn placeholders(lit: &str) -> Option<Vec<(bool, String)>> {
    let inner = lit.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = Vec::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
            }
            '{' => {
                let mut body = String::new();
                for d in chars.by_ref() {
                    if d == '}' {
                        break;
                    }
                    body.push(d);
                }
                let (arg, spec) = body.split_once(':').unwrap_or((&body, ""));
                out.push((!arg.trim().is_empty(), spec.to_string()));
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
            }
            _ => {}
        }
    }
    Some(out)
}
