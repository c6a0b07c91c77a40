//! Rust guards. The borrow checker already rejects many wrong rewrites at
//! compile time; these guards make sure wattson never proposes one.

use tree_sitter::Node;

use super::common::identifiers_in;
use crate::lang::{self, Lang};
use crate::skills::call::Arg;
use crate::skills::guard::MatchCtx;
use crate::skills::syntax::{self, contains, descendants, uses};

/// Format-family macros: their arguments are taken by reference.
const FORMAT_MACROS: &[&str] = &[
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
            let is_call = p.parent().is_some_and(|g| {
                g.kind() == "call_expression" && g.child_by_field_name("function") == Some(p)
            });
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
fn is_declaration(u: Node<'_>) -> bool {
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
fn borrow_ends_with_statement(ctx: &MatchCtx<'_>, u: Node<'_>) -> bool {
    let Some(p) = u.parent() else { return false };
    let is_statement = |n: Node<'_>| {
        n.parent()
            .is_some_and(|s| s.kind() == "expression_statement")
    };
    match p.kind() {
        "field_expression" => {
            let Some(call) = p.parent().filter(|c| {
                c.kind() == "call_expression" && c.child_by_field_name("function") == Some(p)
            }) else {
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
const PRINT_MACROS: &[&str] = &["print", "println", "eprint", "eprintln"];

pub fn no_loop_borrow_into(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(buf), Some(lp)) = (ctx.node(&args[0]), ctx.node(&args[1])) else {
        return false;
    };
    // The capture is usually the declaring name itself.
    let Some(d) = super::common::decl(ctx, buf) else {
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
fn is_to_string_chain(ctx: &MatchCtx<'_>, arg: &[Node<'_>]) -> bool {
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
    let head: String = ctx
        .src
        .chars()
        .take(4096)
        .filter(|c| !c.is_whitespace())
        .collect();
    !head.contains("#![no_std]")
}

/// Iterator sources and adapters that compute nothing beyond their
/// closures, so pulling their items lazily inside a loop is unobservable.
const LAZY_METHODS: &[&str] = &[
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
fn is_lazy_chain(ctx: &MatchCtx<'_>, node: Node<'_>) -> bool {
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
fn named_args(call: Node<'_>) -> Vec<Node<'_>> {
    let Some(args) = call.child_by_field_name("arguments") else {
        return Vec::new();
    };
    let mut c = args.walk();
    let out: Vec<Node> = args.named_children(&mut c).collect();
    out
}

/// The variable names (and `self`) mentioned under `node`.
fn names_in(ctx: &MatchCtx<'_>, node: Node<'_>) -> Vec<String> {
    let mut out = identifiers_in(node, ctx.src);
    if descendants(node).iter().any(|n| n.kind() == "self") {
        out.push("self".to_string());
    }
    out
}

/// The name at the root of a receiver: `x` of `x.a.b()`, `self` of `self.v`.
fn root_name<'a>(ctx: &MatchCtx<'a>, node: Node<'_>) -> Option<&'a str> {
    match node.kind() {
        "identifier" | "self" => Some(ctx.text(node)),
        "field_expression" => root_name(ctx, node.child_by_field_name("value")?),
        "call_expression" => root_name(ctx, node.child_by_field_name("function")?),
        "index_expression" => root_name(ctx, node.named_child(0)?),
        _ => None,
    }
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
                if !on_param && !super::common::READ_ONLY_METHODS.contains(&method) {
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
fn access_path(ctx: &MatchCtx<'_>, e: Node<'_>) -> Option<Vec<String>> {
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::skills::types::TypeFamilies;

    type Guard = fn(&mut MatchCtx<'_>, &[Arg]) -> bool;

    /// Run `guard` on `src` with captures `a`, `b` (and `c`), each given as
    /// (node kind, exact text, which occurrence counting from 0).
    fn check(guard: Guard, src: &str, caps: &[(&str, &str, usize)]) -> bool {
        let tree = Lang::Rust.parse(src);
        let all = descendants(tree.root_node());
        let types = TypeFamilies::default();
        let mut captures = HashMap::new();
        let names = ["a", "b", "c"];
        for (name, (kind, txt, nth)) in names.iter().zip(caps) {
            let found = all
                .iter()
                .filter(|n| n.kind() == *kind && text_of(**n, src) == *txt)
                .nth(*nth);
            let node = found.unwrap_or_else(|| panic!("no {kind} `{txt}` #{nth} in {src}"));
            captures.insert(name.to_string(), *node);
        }
        let root = crate::skills::syntax::root_of(*captures.values().next().expect("a capture"));
        let index = crate::index::FileIndex::standalone(Lang::Rust, &tree, src);
        let mut ctx = MatchCtx::new(Lang::Rust, src, root, &types, &index);
        ctx.captures = captures;
        let args: Vec<Arg> = names[..caps.len()]
            .iter()
            .map(|n| Arg::Capture(n.to_string()))
            .collect();
        guard(&mut ctx, &args)
    }

    fn text_of<'s>(n: Node<'_>, src: &'s str) -> &'s str {
        &src[n.byte_range()]
    }

    const CLONE: &str = "call_expression";

    #[test]
    fn no_live_borrow_allows_finished_borrows_only() {
        let ok =
            "fn f() { let x = String::new(); x.len(); println!(\"{}\", x); let y = x.clone(); }";
        assert!(check(
            no_live_borrow,
            ok,
            &[("identifier", "x", 3), (CLONE, "x.clone()", 0)]
        ));
        let held = "fn f() { let x = String::new(); let s = x.as_str(); let y = x.clone(); g(s); }";
        assert!(!check(
            no_live_borrow,
            held,
            &[("identifier", "x", 2), (CLONE, "x.clone()", 0)]
        ));
        let pushed =
            "fn f(v: &mut Vec<&String>) { let x = String::new(); v.push(&x); let y = x.clone(); }";
        assert!(!check(
            no_live_borrow,
            pushed,
            &[("identifier", "x", 2), (CLONE, "x.clone()", 0)]
        ));
        let same_stmt = "fn f() { let mut a = vec![1]; a.extend(a.clone()); }";
        assert!(!check(
            no_live_borrow,
            same_stmt,
            &[("identifier", "a", 2), (CLONE, "a.clone()", 0)]
        ));
        let closure =
            "fn f() { let x = String::new(); let c = || x.len(); let y = x.clone(); c(); }";
        assert!(!check(
            no_live_borrow,
            closure,
            &[("identifier", "x", 2), (CLONE, "x.clone()", 0)]
        ));
    }

    #[test]
    fn no_loop_borrow_into_sees_every_per_iteration_binding() {
        let owned =
            "fn f(ws: &[String]) { for w in ws { let mut s = String::new(); s.push_str(w); } }";
        assert!(check(
            no_loop_borrow_into,
            owned,
            &[
                ("identifier", "s", 0),
                ("for_expression", text_of_for(owned), 0)
            ]
        ));
        let nested = "fn f(ls: &[String]) { for l in ls { let u = l.to_uppercase(); let mut parts = Vec::new(); for p in u.split(' ') { parts.push(p); } } }";
        assert!(!check(
            no_loop_borrow_into,
            nested,
            &[
                ("identifier", "parts", 0),
                ("for_expression", text_of_for(nested), 0)
            ]
        ));
        let closure = "fn f(ls: &[String]) { for l in ls { let u = l.clone(); let mut parts = Vec::new(); u.split(' ').for_each(|p| parts.push(p)); } }";
        assert!(!check(
            no_loop_borrow_into,
            closure,
            &[
                ("identifier", "parts", 0),
                ("for_expression", text_of_for(closure), 0)
            ]
        ));
        let helper = "fn f(ls: &[String]) { for l in ls { let u = l.to_uppercase(); let mut parts = Vec::new(); fill(&mut parts, &u); } }";
        assert!(!check(
            no_loop_borrow_into,
            helper,
            &[
                ("identifier", "parts", 0),
                ("for_expression", text_of_for(helper), 0)
            ]
        ));
        let assigned = "fn f(ls: &[String]) { for l in ls { let u = l.to_uppercase(); let mut parts = Vec::new(); parts = u.split(' ').collect(); } }";
        assert!(!check(
            no_loop_borrow_into,
            assigned,
            &[
                ("identifier", "parts", 0),
                ("for_expression", text_of_for(assigned), 0)
            ]
        ));
        let iter_mut = "fn f(ls: &[String]) { for l in ls { let mut parts = Vec::new(); parts.push(\"\"); for p in parts.iter_mut() { *p = l; } } }";
        assert!(!check(
            no_loop_borrow_into,
            iter_mut,
            &[
                ("identifier", "parts", 0),
                ("for_expression", text_of_for(iter_mut), 0)
            ]
        ));
        let ints = "fn f(n: usize, m: usize) { for i in 0..n { let mut row = Vec::new(); for j in 0..m { row.push(i * j); } } }";
        assert!(check(
            no_loop_borrow_into,
            ints,
            &[
                ("identifier", "row", 0),
                ("for_expression", text_of_for(ints), 0)
            ]
        ));
    }

    /// The text of the outermost `for` loop in `src`.
    fn text_of_for(src: &str) -> &str {
        let start = src.find("for ").expect("a for loop");
        let tree = Lang::Rust.parse(src);
        let node = tree
            .root_node()
            .descendant_for_byte_range(start, start + 3)
            .and_then(|n| n.parent())
            .expect("a node");
        &src[node.byte_range()]
    }

    #[test]
    fn plain_display_arg_accepts_only_plain_to_string_paths() {
        let ok = "fn f() { println!(\"{} {}\", a.b.len().to_string(), c); }";
        let tree_text = |src: &str| -> String {
            let start = src.find("!(").expect("a macro") + 1;
            let end = src.rfind(");").expect("a macro end") + 1;
            src[start..end].to_string()
        };
        let run = |src: &str, recv: &str, dot: Option<usize>| {
            let tt = tree_text(src);
            let mut caps = vec![("token_tree", tt.as_str(), 0), ("identifier", recv, 0)];
            if let Some(n) = dot {
                caps.push((".", ".", n));
            }
            check(plain_display_arg, src, &caps)
        };
        assert!(run(ok, "a", None));
        assert!(run(ok, "a", Some(2)), "the `.` before to_string");
        assert!(!run(ok, "a", Some(0)), "another `.`");
        assert!(!run(ok, "c", None), "c has no to_string");
        assert!(!run(
            "fn f() { println!(\"{:?}\", a.to_string()); }",
            "a",
            None
        ));
        assert!(!run(
            "fn f() { println!(\"{:8}\", a.to_string()); }",
            "a",
            None
        ));
        assert!(!run(
            "fn f() { println!(\"{0} {}\", a.to_string()); }",
            "a",
            None
        ));
        assert!(!run(
            "fn f() { println!(\"{}\", b + a.to_string()); }",
            "b",
            None
        ));
        assert!(
            !run("fn f() { write!(a, \"{}\", a.to_string()); }", "a", None),
            "the write target"
        );
        assert!(run(
            "fn f() { write!(out, \"{}\", a.to_string()); }",
            "a",
            None
        ));
        assert!(run(
            "fn f() { println!(\"{}\", v[0].x.0.to_string()); }",
            "v",
            None
        ));
    }

    #[test]
    fn lazy_safe_accepts_pure_std_chains_only() {
        let run = |src: &str, chain: &str| {
            let lp = &src[src.rfind("for ").expect("a loop")..src.rfind('}').expect("end")];
            let lp = lp.trim_end();
            check(
                lazy_safe,
                src,
                &[("call_expression", chain, 0), ("for_expression", lp, 0)],
            )
        };
        let ok = "fn f(xs: &[u32]) { let mut t = 0; let v: Vec<u32> = xs.iter().map(|x| x + 1).collect(); let mut k = 0; for a in v { t += a; k += 1; } }";
        assert!(run(ok, "xs.iter().map(|x| x + 1)"));
        let prints = "fn f(xs: &[u32]) { let v: Vec<u32> = xs.iter().map(|x| { println!(\"{}\", x); *x }).collect(); for a in v { g(a); } }";
        assert!(!run(
            prints,
            "xs.iter().map(|x| { println!(\"{}\", x); *x })"
        ));
        let par = "fn f(xs: &[u32]) { let v: Vec<u32> = xs.par_iter().map(|x| x + 1).collect(); for a in v { g(a); } }";
        assert!(!run(par, "xs.par_iter().map(|x| x + 1)"));
        let body = "fn f(xs: &mut Vec<u32>) { let v: Vec<u32> = xs.iter().copied().collect(); for a in v { xs.push(a); } }";
        assert!(!run(body, "xs.iter().copied()"));
        let between = "fn f(mut xs: Vec<u32>) { let v: Vec<u32> = xs.iter().copied().collect(); xs.push(1); for a in v { g(a); } }";
        assert!(!run(between, "xs.iter().copied()"));
        let panics = "fn f(xs: &[&str]) { let v: Vec<u32> = xs.iter().map(|s| s.parse().unwrap()).collect(); for a in v { g(a); } }";
        assert!(!run(panics, "xs.iter().map(|s| s.parse().unwrap())"));
        let sends = "fn f(xs: &[u32]) { let v: Vec<u32> = xs.iter().map(|x| tx.send(*x)).collect(); for a in v { g(a); } }";
        assert!(!run(sends, "xs.iter().map(|x| tx.send(*x))"));
        let reads = "fn f(xs: &[u32]) { let v: Vec<&u32> = xs.iter().filter(|x| set.contains(x)).collect(); for a in v { g(a); } }";
        assert!(run(reads, "xs.iter().filter(|x| set.contains(x))"));
        let channel = "fn f() { let v: Vec<u32> = rx.try_iter().collect(); for a in v { g(a); } }";
        assert!(!run(channel, "rx.try_iter()"));
        let own_field = "fn f(&mut self) { let v: Vec<u32> = self.xs.iter().copied().collect(); for a in v { self.ys.push(a); } }";
        assert!(
            !run(own_field, "self.xs.iter().copied()"),
            "the body touches `self`"
        );
    }

    #[test]
    fn same_binding_sees_shadowing() {
        let src =
            "fn f(n: usize) { let mut v = Vec::new(); let w = 1; for i in 0..n { v.push(i); } }";
        assert!(check(
            same_binding,
            src,
            &[
                ("identifier", "v", 1),
                ("let_declaration", "let mut v = Vec::new();", 0)
            ]
        ));
        let shadowed = "fn f(n: usize) { let mut v = Vec::new(); let mut v = vec![0]; for i in 0..n { v.push(i); } }";
        assert!(!check(
            same_binding,
            shadowed,
            &[
                ("identifier", "v", 2),
                ("let_declaration", "let mut v = Vec::new();", 0)
            ]
        ));
        assert!(check(
            same_binding,
            shadowed,
            &[
                ("identifier", "v", 2),
                ("let_declaration", "let mut v = vec![0];", 0)
            ]
        ));
    }

    #[test]
    fn root_not_mentioned_looks_into_macro_tokens() {
        let run = |src: &str, recv: (&str, &str), within: &str| {
            check(
                root_not_mentioned,
                src,
                &[(recv.0, recv.1, 0), ("token_tree", within, 0)],
            )
        };
        assert!(run(
            "fn f() { s.push_str(&format!(\"{}\", x)); }",
            ("identifier", "s"),
            "(\"{}\", x)"
        ));
        assert!(!run(
            "fn f() { s.push_str(&format!(\"{}\", s)); }",
            ("identifier", "s"),
            "(\"{}\", s)"
        ));
        assert!(!run(
            "fn f() { s.push_str(&format!(\"{s}\")); }",
            ("identifier", "s"),
            "(\"{s}\")"
        ));
        assert!(run(
            "fn f() { s.push_str(&format!(\"{}\", t.s)); }",
            ("identifier", "s"),
            "(\"{}\", t.s)"
        ));
        let field = "fn f(&mut self) { self.out.push_str(&format!(\"{}\", self.n)); }";
        assert!(!run(
            field,
            ("field_expression", "self.out"),
            "(\"{}\", self.n)"
        ));
        let other = "fn f(&mut self, n: u8) { self.out.push_str(&format!(\"{}\", n)); }";
        assert!(run(other, ("field_expression", "self.out"), "(\"{}\", n)"));
    }

    #[test]
    fn reads_format_placeholders() {
        let p = placeholders("\"{} {:?} {{}} {name} {:>8}\"").unwrap();
        assert_eq!(
            p,
            vec![
                (false, String::new()),
                (false, "?".into()),
                (true, String::new()),
                (false, ">8".into())
            ]
        );
    }
}
