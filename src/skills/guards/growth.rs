//! Containers that grow: the loop that fills a freshly made vector or string,
//! and how many elements each of its iterations adds.
//!
//! Real fill loops are rarely the textbook `for … { v.push(x); }`: the push
//! sits in both arms of a `match`, behind a `let … else { return; }`, after a
//! few lines that index what was pushed before, or the loop is wrapped in a
//! block of its own. What matters for reserving is that every iteration that
//! completes adds the same number of elements, and that nothing else changes
//! the length.

use tree_sitter::Node;

use super::flow::{is_write, READ_ONLY_METHODS};
use super::loops::loop_count;
use crate::lang::Lang;
use crate::skills::call::Arg;
use crate::skills::context::MatchCtx;
use crate::skills::syntax::{self, text};

/// The methods that add one element.
fn push_methods(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::Rust => &["push"],
        Lang::Cpp => &["push_back", "emplace_back"],
    }
}

/// Methods that leave the length alone (reads, element access).
const LENGTH_KEEPING: &[&str] = &[
    "len",
    "is_empty",
    "last",
    "last_mut",
    "first",
    "first_mut",
    "get",
    "get_mut",
    "iter",
    "iter_mut",
    "as_slice",
    "as_mut_slice",
    "capacity",
    "size",
    "empty",
    "back",
    "front",
    "at",
    "data",
    "begin",
    "end",
    "cbegin",
    "cend",
    "rbegin",
    "rend",
];

/// `fill-loop(@var, @decl)`: `@var`, declared empty by `@decl`, is filled by
/// a loop that certainly runs after it (in the same block, or in plain
/// blocks nested there, never under a condition) before anything else
/// mentions it; every iteration that completes adds the same number k ≥ 1
/// of elements (each path through the body: both arms of an `if`/`else`, all
/// arms of a `match`), nothing in the loop changes its length otherwise, and
/// the loop leaves only by finishing or by leaving the function (`return`,
/// `?`, `throw`), never by `break` or `continue`. Captures the loop as
/// `@loop`; binds `per_iteration` to k.
pub fn fill_loop(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(var), Some(decl)) = (ctx.node(&args[0]), ctx.node(&args[1])) else {
        return false;
    };
    let name = ctx.text(var).to_string();
    let Some(lp) = next_loop(ctx, decl, &name) else {
        return false;
    };
    let Some(body) = syntax::loop_body(lp) else {
        return false;
    };
    // Every mention inside the loop pushes or keeps the length.
    let mentions = syntax::uses(ctx.lang, body, &name, ctx.src);
    if mentions.is_empty() || !mentions.iter().all(|u| keeps_length_or_pushes(ctx, *u)) {
        return false;
    }
    let Some(k) = pushes_per_pass(ctx, body, &name) else {
        return false;
    };
    if k == 0 {
        return false;
    }
    ctx.captures.insert("loop".into(), lp);
    ctx.bind("per_iteration", k.to_string());
    true
}

/// `fill-count(@loop, @decl)`: the loop's trip count (as `loop-count`,
/// computable at `@decl`) times the `per_iteration` that `fill-loop` bound;
/// binds `count`.
pub fn fill_count(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    if !loop_count(ctx, args) {
        return false;
    }
    let k: usize = ctx
        .bindings
        .get("per_iteration")
        .and_then(|k| k.parse().ok())
        .unwrap_or(1);
    if k > 1 {
        let count = ctx.bindings.get("count").cloned().unwrap_or_default();
        let simple = count
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'(' | b')'));
        let wrapped = if simple { count } else { format!("({count})") };
        ctx.bind("count", format!("{k} * {wrapped}"));
    }
    true
}

/// The first loop after `decl` that mentions `name`, when it certainly runs
/// (no `if`, `match`, loop or closure between the declaration's block and
/// it) and nothing mentions `name` between the two.
fn next_loop<'a>(ctx: &MatchCtx<'a>, decl: Node<'a>, name: &str) -> Option<Node<'a>> {
    let block = decl.parent()?;
    let lang = ctx.lang;
    let mut sibling = decl.next_named_sibling();
    while let Some(stmt) = sibling {
        let mentions = !syntax::uses(lang, stmt, name, ctx.src).is_empty();
        if mentions {
            return loop_in(lang, stmt, block);
        }
        sibling = stmt.next_named_sibling();
    }
    None
}

/// The loop that `stmt` is or holds through plain blocks only.
fn loop_in<'a>(lang: Lang, stmt: Node<'a>, block: Node<'a>) -> Option<Node<'a>> {
    let inner = match stmt.kind() {
        "expression_statement" => stmt.named_child(0)?,
        _ => stmt,
    };
    if lang.is_loop(inner.kind()) {
        return Some(inner);
    }
    // `{ let t = …; for … { v.push(…) } }`: a plain block.
    if matches!(inner.kind(), "block" | "compound_statement") && inner != block {
        let mut c = inner.walk();
        let kids: Vec<Node> = inner.named_children(&mut c).collect();
        for k in kids {
            if let Some(l) = loop_in(lang, k, inner) {
                return Some(l);
            }
        }
    }
    None
}

/// Whether this mention of the container pushes to it or leaves its length
/// alone.
fn keeps_length_or_pushes(ctx: &MatchCtx<'_>, u: Node<'_>) -> bool {
    let Some(p) = u.parent() else { return false };
    match p.kind() {
        "field_expression" => {
            let field = p
                .child_by_field_name("field")
                .map(|f| text(f, ctx.src))
                .unwrap_or("");
            let called = syntax::call_of(p).is_some();
            called
                && (push_methods(ctx.lang).contains(&field)
                    || LENGTH_KEEPING.contains(&field)
                    || READ_ONLY_METHODS.contains(&field))
        }
        // `v[i] = x` and `v[i]` change no length.
        "index_expression" | "subscript_expression" => true,
        // A read of the whole container (`&v`, an argument) might keep
        // it, or let something else grow it: only plain reads.
        "reference_expression" => !text(p, ctx.src).starts_with("&mut"),
        _ => {
            !is_write(ctx.lang, u, ctx.src)
                && matches!(
                    p.kind(),
                    "binary_expression" | "macro_invocation" | "token_tree"
                )
        }
    }
}

/// How many pushes to `name` one pass through `node` makes on every path
/// that completes it, or `None` when paths differ or a path leaves the loop
/// without leaving the function.
fn pushes_per_pass(ctx: &MatchCtx<'_>, node: Node<'_>, name: &str) -> Option<usize> {
    let lang = ctx.lang;
    match node.kind() {
        "break_statement"
        | "continue_statement"
        | "break_expression"
        | "continue_expression"
        | "goto_statement" => None,
        // Leaving the function: the container is dropped or returned as is.
        "return_statement" | "return_expression" | "throw_statement" => Some(0),
        "block"
        | "compound_statement"
        | "expression_statement"
        | "let_declaration"
        | "declaration"
        | "else_clause" => {
            let mut c = node.walk();
            let kids: Vec<Node> = node.named_children(&mut c).collect();
            let mut total = 0;
            for k in kids {
                total += pushes_per_pass(ctx, k, name)?;
            }
            Some(total)
        }
        "if_expression" | "if_statement" => {
            let cond = node.child_by_field_name("condition");
            if cond.is_some_and(|c| {
                !syntax::uses(lang, c, name, ctx.src).is_empty() && has_push(ctx, c, name)
            }) {
                return None;
            }
            let then = pushes_per_pass(ctx, node.child_by_field_name("consequence")?, name)?;
            let other = match node.child_by_field_name("alternative") {
                Some(a) => pushes_per_pass(ctx, a, name)?,
                None => 0,
            };
            // A branch that leaves the function counts as any number.
            (then == other
                || leaves_function(ctx, node.child_by_field_name("consequence")?)
                || node
                    .child_by_field_name("alternative")
                    .is_some_and(|a| leaves_function(ctx, a)))
            .then_some(then.max(other))
        }
        "match_expression" => {
            let body = node.child_by_field_name("body")?;
            let mut c = body.walk();
            let arms: Vec<Node> = body
                .named_children(&mut c)
                .filter(|a| a.kind() == "match_arm")
                .collect();
            let mut counts = Vec::new();
            for arm in arms {
                let value = arm.child_by_field_name("value")?;
                let n = pushes_per_pass(ctx, value, name)?;
                if !leaves_function(ctx, value) {
                    counts.push(n);
                }
            }
            counts.dedup();
            match counts.as_slice() {
                [n] => Some(*n),
                [] => Some(0),
                _ => None,
            }
        }
        // A nested loop or closure must not push at all.
        k if lang.is_loop(k) || matches!(k, "closure_expression" | "lambda_expression") => {
            (!has_push(ctx, node, name)).then_some(0)
        }
        // `let … else { return; }` and `x?` leave the function.
        "let_else_clause" => Some(0),
        _ => {
            // An expression: a direct push counts one; a push buried in a
            // condition or an argument is not counted reliably.
            if is_push(ctx, node, name) {
                return Some(1);
            }
            (!has_push(ctx, node, name)).then_some(0)
        }
    }
}

/// `name.push(…)` (or `push_back`/`emplace_back`) as the whole expression.
fn is_push(ctx: &MatchCtx<'_>, node: Node<'_>, name: &str) -> bool {
    if node.kind() != "call_expression" {
        return false;
    }
    let Some(f) = node.child_by_field_name("function") else {
        return false;
    };
    if f.kind() != "field_expression" {
        return false;
    }
    let obj = f
        .child_by_field_name("value")
        .or_else(|| f.child_by_field_name("argument"));
    let field = f
        .child_by_field_name("field")
        .map(|x| text(x, ctx.src))
        .unwrap_or("");
    obj.is_some_and(|o| o.kind() == "identifier" && text(o, ctx.src) == name)
        && push_methods(ctx.lang).contains(&field)
        // The pushed value must not itself push (`v.push(g(&mut v))`).
        && node
            .child_by_field_name("arguments")
            .is_none_or(|a| !has_push(ctx, a, name))
}

/// Whether any push to `name` happens inside `node`.
fn has_push(ctx: &MatchCtx<'_>, node: Node<'_>, name: &str) -> bool {
    syntax::uses(ctx.lang, node, name, ctx.src)
        .into_iter()
        .any(|u| {
            u.parent()
                .filter(|p| p.kind() == "field_expression")
                .and_then(|p| p.child_by_field_name("field"))
                .is_some_and(|f| push_methods(ctx.lang).contains(&text(f, ctx.src)))
        })
}

/// Whether every path through `node` leaves the function: it ends in
/// `return`, `throw` or a panicking macro.
fn leaves_function(ctx: &MatchCtx<'_>, node: Node<'_>) -> bool {
    match node.kind() {
        "return_statement" | "return_expression" | "throw_statement" => true,
        "block" | "compound_statement" | "expression_statement" | "else_clause" => {
            let mut c = node.walk();
            let last = node
                .named_children(&mut c)
                .filter(|n| !matches!(n.kind(), "line_comment" | "block_comment" | "comment"))
                .last();
            last.is_some_and(|l| leaves_function(ctx, l))
        }
        "macro_invocation" => node.child_by_field_name("macro").is_some_and(|m| {
            matches!(
                text(m, ctx.src),
                "panic" | "unreachable" | "todo" | "unimplemented"
            )
        }),
        _ => false,
    }
}

/// Methods that make a container hold more (and so allocate).
const GROWING_METHODS: &[&str] = &[
    "push_back",
    "emplace_back",
    "push_front",
    "emplace_front",
    "push",
    "emplace",
    "insert",
    "emplace_hint",
    "try_emplace",
    "insert_or_assign",
    "append",
    "assign",
    "resize",
    "reserve",
    "push_str",
    "extend",
    "extend_from_slice",
    "insert_str",
    "read_to_string",
    "read_to_end",
    "read_line",
    "write_str",
    "write_fmt",
    "splice",
];

/// `grows-in(@var, @loop)`: inside the loop, something makes the container
/// hold data: a growing method (`push_back`, `append`, `push_str`,
/// `insert`…), `+=`, an assignment, `in >> v`, `write!(v, …)`, a map's
/// `v[k] = …`, or a call that gets it by non-const reference (which may fill
/// it). A container declared in a loop and never filled allocates nothing,
/// so hoisting it would save nothing.
pub fn grows_in(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(var), Some(lp)) = (ctx.node(&args[0]), ctx.node(&args[1])) else {
        return false;
    };
    let name = ctx.text(var);
    syntax::uses(ctx.lang, lp, name, ctx.src)
        .into_iter()
        .filter(|u| *u != var)
        .any(|u| fills(ctx, u))
}

fn fills<'a>(ctx: &MatchCtx<'a>, u: Node<'a>) -> bool {
    let Some(p) = u.parent() else { return false };
    match p.kind() {
        "field_expression" => p
            .child_by_field_name("field")
            .is_some_and(|f| GROWING_METHODS.contains(&text(f, ctx.src))),
        "compound_assignment_expr" => p.child_by_field_name("left") == Some(u),
        // `s = other;` copies into the existing buffer; `s = f();` moves a
        // temporary's buffer in and frees the old one, reusing nothing.
        "assignment_expression" => {
            let op = p.child_by_field_name("operator").map(|o| text(o, ctx.src));
            let lvalue_source = p.child_by_field_name("right").is_some_and(|r| {
                matches!(
                    r.kind(),
                    "identifier" | "field_expression" | "subscript_expression" | "index_expression"
                )
            });
            p.child_by_field_name("left") == Some(u)
                && (matches!(op, Some("+=")) || (matches!(op, None | Some("=")) && lvalue_source))
        }
        // `in >> line` (C++) fills it.
        "binary_expression" => {
            p.child_by_field_name("right") == Some(u)
                && p.child_by_field_name("operator")
                    .is_some_and(|o| text(o, ctx.src) == ">>")
        }
        // `m[k] = v` inserts into a map.
        "subscript_expression" | "index_expression" => p.parent().is_some_and(|g| {
            g.kind() == "assignment_expression" && g.child_by_field_name("left") == Some(p)
        }),
        // `&mut buf` (Rust) or `&buf` (C++) handed to anything may fill it.
        "reference_expression" => text(p, ctx.src).starts_with("&mut"),
        "pointer_expression" => text(p, ctx.src).starts_with('&'),
        // `write!(buf, …)` / `writeln!`.
        "token_tree" => p.parent().is_some_and(|m| {
            m.kind() == "macro_invocation"
                && m.child_by_field_name("macro")
                    .is_some_and(|n| matches!(text(n, ctx.src), "write" | "writeln"))
        }),
        // A C++ argument: filled when the callee takes it by non-const
        // reference, or when nothing says it does not.
        "argument_list" => ctx.lang == Lang::Cpp && !super::cpp::argument_only_read(ctx, p, u),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::lang::Lang;
    use crate::skills::guards::flow::tests::binding;

    const Q: &str = "(let_declaration pattern: (identifier) @v) @decl";

    fn fill(src: &str) -> Vec<Option<String>> {
        binding(Lang::Rust, src, Q, "fill-loop(@v, @decl)", "per_iteration")
    }

    #[test]
    fn counts_pushes_on_every_path() {
        assert_eq!(
            fill("fn f(xs: &[u8]) { let mut v = Vec::new(); for x in xs { v.push(*x); } }"),
            [Some("1".into())]
        );
        assert_eq!(
            fill("fn f(xs: &[Option<u8>]) { let mut v = Vec::new(); { let t = 1; for x in xs { match x { Some(y) => { v.push(*y); } None => { v.push(0); } } } } }"),
            [Some("1".into()), None],
            "both arms push; the loop sits in a plain block"
        );
        assert_eq!(fill("fn f(xs: &[u8]) { let mut v = Vec::new(); for x in xs { v.push(*x); v.push(0); } }"), [Some("2".into())]);
        assert_eq!(
            fill("fn f(xs: &[u8]) -> Option<()> { let mut v = Vec::new(); for x in xs { let Some(y) = g(*x) else { return None; }; v.push(y); if v.len() > 2 { v[0] = 1; } } Some(()) }"),
            [Some("1".into())],
            "an early return leaves the function; indexing keeps the length"
        );
    }

    #[test]
    fn refuses_conditional_and_early_ending_loops() {
        for src in [
            "fn f(xs: &[u8]) { let mut v = Vec::new(); for x in xs { if *x > 1 { v.push(*x); } } }",
            "fn f(xs: &[u8]) { let mut v = Vec::new(); for x in xs { v.push(*x); if *x == 0 { break; } } }",
            "fn f(xs: &[u8]) { let mut v = Vec::new(); v.push(1); for x in xs { v.push(*x); } }",
            "fn f(xs: &[u8], c: bool) { let mut v = Vec::new(); if c { for x in xs { v.push(*x); } } }",
            "fn f(xs: &[u8]) { let mut v = Vec::new(); for x in xs { v.push(*x); v.pop(); } }",
        ] {
            assert_eq!(fill(src)[0], None, "{src}");
        }
    }
}
