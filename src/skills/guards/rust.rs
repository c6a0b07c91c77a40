//! Rust guards. The borrow checker already rejects many wrong rewrites at
//! compile time; these guards make sure wattson never proposes one.

use tree_sitter::Node;

use super::common::identifiers_in;
use crate::lang::{self, Lang};
use crate::skills::call::Arg;
use crate::skills::guard::MatchCtx;
use crate::skills::syntax::{self, contains, declaration_of, descendants, function_scope, text, uses};

/// Format-family macros: their arguments are taken by reference.
const FORMAT_MACROS: &[&str] = &[
    "format", "print", "println", "eprint", "eprintln", "write", "writeln", "panic", "format_args", "assert",
    "assert_eq", "assert_ne", "debug_assert", "debug_assert_eq", "debug_assert_ne", "unreachable", "todo",
];

/// Whether this use of a variable moves it (or might).
pub fn is_moved(ctx: &MatchCtx<'_>, u: Node<'_>) -> bool {
    let Some(p) = u.parent() else { return true };
    match p.kind() {
        "reference_expression" | "index_expression" | "binary_expression" | "compound_assignment_expr" => false,
        "assignment_expression" => p.child_by_field_name("left") != Some(u),
        "field_expression" => {
            let Some(field) = p.child_by_field_name("field") else { return true };
            let name = ctx.text(field);
            let is_call = p.parent().is_some_and(|g| g.kind() == "call_expression" && g.child_by_field_name("function") == Some(p));
            // `into_*`, `into()` consume self; a field read may move the field out.
            !is_call || name.starts_with("into") || name == "unwrap" || name == "expect"
        }
        "token_tree" | "string_literal" => {
            let mac = lang::ancestor(p, |n| n.kind() == "macro_invocation");
            !mac.and_then(|m| m.child_by_field_name("macro")).is_some_and(|m| FORMAT_MACROS.contains(&ctx.text(m)))
        }
        _ => true,
    }
}

pub fn no_live_borrow(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(var), Some(at)) = (ctx.node(&args[0]), ctx.node(&args[1])) else { return false };
    let name = ctx.text(var);
    let stmt = syntax::enclosing_statement(Lang::Rust, at);
    let scope = function_scope(Lang::Rust, at);
    uses(Lang::Rust, scope, name, ctx.src).into_iter().filter(|u| *u != var).all(|u| {
        if contains(stmt, u) {
            return contains(at, u);
        }
        if u.start_byte() > at.start_byte() {
            return true;
        }
        let holder = lang::ancestor(u, |n| {
            matches!(n.kind(), "let_declaration" | "closure_expression" | "struct_expression" | "assignment_expression")
        });
        match holder {
            None => true,
            // Its own declaration is not a borrow.
            Some(h) => h.kind() == "let_declaration" && h.child_by_field_name("pattern") == Some(u),
        }
    })
}

pub fn no_loop_borrow_into(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(buf), Some(lp)) = (ctx.node(&args[0]), ctx.node(&args[1])) else { return false };
    let Some(d) = declaration_of(Lang::Rust, buf, ctx.text(buf), ctx.src) else { return false };
    let ty = d.ty.clone().unwrap_or_default();
    if ty == "String" {
        return true; // a String owns its bytes
    }
    // An annotated element type that cannot hold a borrow settles it.
    if d.node.child_by_field_name("type").is_some() && !ty.contains('&') && !ty.contains('\'') && !ty.contains('_') {
        return true;
    }
    let Some(body) = syntax::loop_body(lp) else { return false };
    // Names bound inside the loop: its pattern and its lets.
    let mut local: Vec<String> = Vec::new();
    if let Some(pat) = lp.child_by_field_name("pattern") {
        let integer_range = lp.child_by_field_name("value").is_some_and(|v| v.kind() == "range_expression");
        if !integer_range {
            local.extend(identifiers_in(pat, ctx.src));
        }
    }
    for n in descendants(body) {
        if n.kind() == "let_declaration" && n != d.node {
            if let Some(p) = n.child_by_field_name("pattern") {
                local.extend(identifiers_in(p, ctx.src));
            }
        }
    }
    let name = ctx.text(buf);
    uses(Lang::Rust, body, name, ctx.src).into_iter().all(|u| {
        let Some(call) = u.parent().filter(|p| p.kind() == "field_expression").and_then(|f| f.parent()) else { return true };
        let Some(args) = call.child_by_field_name("arguments") else { return true };
        let mut c = args.walk();
        let all_owned = args.named_children(&mut c).all(|a| {
            let owned_call = a.kind() == "call_expression"
                && a.child_by_field_name("function")
                    .and_then(|f| f.child_by_field_name("field"))
                    .is_some_and(|m| matches!(ctx.text(m), "to_string" | "to_owned" | "clone" | "to_vec" | "len" | "count"));
            owned_call
                || matches!(a.kind(), "integer_literal" | "float_literal" | "string_literal" | "boolean_literal")
                || !identifiers_in(a, ctx.src).iter().any(|i| local.contains(i))
        });
        all_owned
    })
}

pub fn plain_display_arg(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(tt), Some(recv)) = (ctx.node(&args[0]), ctx.node(&args[1])) else { return false };
    let Some(mac) = tt.parent().and_then(|m| m.child_by_field_name("macro")) else { return false };
    let is_write = matches!(ctx.text(mac), "write" | "writeln");
    // Split the token tree's children into top-level arguments.
    let mut c = tt.walk();
    let children: Vec<Node> = tt.children(&mut c).collect();
    let inner = &children[1..children.len().saturating_sub(1)];
    let mut arg_starts: Vec<usize> = vec![0];
    for (i, ch) in inner.iter().enumerate() {
        if ctx.text(*ch) == "," && !ch.is_named() {
            arg_starts.push(i + 1);
        }
    }
    let fmt_index = usize::from(is_write);
    let Some(&fmt_start) = arg_starts.get(fmt_index) else { return false };
    let Some(fmt) = inner.get(fmt_start).filter(|n| n.kind() == "string_literal") else { return false };
    let Some(pos) = inner.iter().position(|n| *n == recv) else { return false };
    // `recv` must start an argument, and that argument must be `recv.to_string()`.
    let Some(arg_no) = arg_starts.iter().position(|&s| s == pos) else { return false };
    let arg_end = arg_starts.get(arg_no + 1).map(|e| e - 1).unwrap_or(inner.len());
    if arg_end - pos != 4 {
        return false;
    }
    if arg_no <= fmt_index {
        return false;
    }
    let placeholders = match placeholders(ctx.text(*fmt)) {
        Some(p) => p,
        None => return false,
    };
    // Only implicit positional placeholders, one per argument.
    if placeholders.iter().any(|p| p.0) || placeholders.len() != arg_starts.len() - fmt_index - 1 {
        return false;
    }
    placeholders.get(arg_no - fmt_index - 1).is_some_and(|p| p.1.is_empty())
}

/// Placeholders of a format string: (named or numbered?, spec after `:`).
/// `None` if the string is not a plain literal we understand.
fn placeholders(lit: &str) -> Option<Vec<(bool, String)>> {
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

pub fn std_available(ctx: &mut MatchCtx<'_>, _args: &[Arg]) -> bool {
    let head: String = ctx.src.chars().take(4096).filter(|c| !c.is_whitespace()).collect();
    !head.contains("#![no_std]")
}

pub fn lazy_safe(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(chain), Some(lp)) = (ctx.node(&args[0]), ctx.node(&args[1])) else { return false };
    let nodes = descendants(chain);
    for n in &nodes {
        match n.kind() {
            "macro_invocation" | "assignment_expression" | "compound_assignment_expr" | "await_expression" | "try_expression" => return false,
            "field_identifier" if ctx.text(*n).starts_with("par_") || ctx.text(*n).starts_with("into_par") => return false,
            "call_expression" => {
                // Free function calls inside closures might have side effects.
                let in_closure = lang::ancestor(*n, |a| a.kind() == "closure_expression").is_some_and(|c| contains(chain, c));
                let func = n.child_by_field_name("function");
                let free = func.is_some_and(|f| f.kind() != "field_expression");
                let ctor = func.is_some_and(|f| matches!(ctx.text(f), "Some" | "Ok" | "Err"));
                if in_closure && free && !ctor {
                    return false;
                }
            }
            "reference_expression" if ctx.text(*n).starts_with("&mut") => return false,
            _ => {}
        }
    }
    // Names the chain reads (minus its closures' own parameters) must not be
    // touched by the loop body.
    let mut closure_params: Vec<String> = Vec::new();
    for n in &nodes {
        if n.kind() == "closure_parameters" {
            closure_params.extend(identifiers_in(*n, ctx.src));
        }
    }
    let Some(body) = syntax::loop_body(lp) else { return false };
    let body_idents = identifiers_in(body, ctx.src);
    identifiers_in(chain, ctx.src)
        .iter()
        .filter(|i| !closure_params.contains(i))
        .all(|i| !body_idents.contains(i) && text(chain, ctx.src).len() < 2000)
}

/// Rust trip counts: `0..n` with `n` evidently a `usize`, or a loop over a
/// sized collection (`&v`, `v.iter()`, `v`).
pub fn loop_count(ctx: &MatchCtx<'_>, lp: Node<'_>) -> Option<(String, Vec<String>)> {
    let value = lp.child_by_field_name("value")?;
    let root = syntax::root_of(lp);
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
                    digits.chars().all(|c| c.is_ascii_digit() || c == '_').then(|| (digits.to_string(), vec![]))
                }
                "identifier" => {
                    let d = declaration_of(Lang::Rust, end, &t, ctx.src)?;
                    let usize_typed = d.ty.as_deref() == Some("usize")
                        || d.init.is_some_and(|i| ctx.text(i).ends_with(".len()"));
                    usize_typed.then(|| (t.clone(), vec![t]))
                }
                "call_expression" if t.ends_with(".len()") => {
                    let obj = end.child_by_field_name("function")?.child_by_field_name("value")?;
                    (obj.kind() == "identifier").then(|| (t.clone(), vec![ctx.text(obj).to_string()]))
                }
                _ => None,
            }
        }
        _ => {
            // `&v`, `&mut v`, `v.iter()`, `v.iter_mut()`, `v.into_iter()`, `v`.
            let obj = match value.kind() {
                "identifier" => value,
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
            if obj.kind() != "identifier" {
                return None;
            }
            let name = ctx.text(obj).to_string();
            let d = declaration_of(Lang::Rust, obj, &name, ctx.src)?;
            let ty = d.ty?;
            ctx.types.contains(Lang::Rust, "sized", &ty, root, ctx.src).then(|| (format!("{name}.len()"), vec![name]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn reads_format_placeholders() {
        let p = placeholders("\"{} {:?} {{}} {name} {:>8}\"").unwrap();
        assert_eq!(p, vec![(false, String::new()), (false, "?".into()), (true, String::new()), (false, ">8".into())]);
    }
}
