//! C++ output streams: which stream a `<<` chain writes to, whether flushing it
//! reaches a file or terminal, and whether a loop is interactive.

use super::super::flow::identifiers_in;
use crate::lang::Lang;
use crate::skills::call::Arg;
use crate::skills::context::MatchCtx;
use crate::skills::syntax::{self, descendants, text};
use tree_sitter::Node;

/// The leftmost operand of a `<<` chain: the stream.
pub(super) fn stream_of<'t>(ctx: &MatchCtx<'_>, node: Node<'t>) -> Option<Node<'t>> {
    let p = node.parent()?;
    if p.kind() != "binary_expression" || p.child_by_field_name("right") != Some(node) {
        return None;
    }
    let mut cur = p;
    loop {
        if cur.child_by_field_name("operator").map(|o| ctx.text(o)) != Some("<<") {
            return None;
        }
        let left = cur.child_by_field_name("left")?;
        if left.kind() == "binary_expression" {
            cur = left;
        } else {
            return Some(left);
        }
    }
}

pub fn buffered_stream(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(node) = ctx.node(&args[0]) else {
        return false;
    };
    stream_of(ctx, node).is_some_and(|s| is_buffered_stream(ctx, s))
}

/// Positive evidence that `stream` is a buffered standard output stream:
/// `std::cout`/`std::wcout` (unqualified only under `using`), or a variable
/// declared with an `ostream`-family type. std::cerr and std::clog are left
/// out on purpose: their output is meant to appear at once. Anything else
/// (a logger with its own `operator<<`) might give `std::endl` a meaning.
pub(super) fn is_buffered_stream<'a>(ctx: &MatchCtx<'a>, stream: Node<'a>) -> bool {
    match (stream.kind(), ctx.text(stream)) {
        ("qualified_identifier", "std::cout" | "std::wcout") => true,
        ("identifier", name @ ("cout" | "wcout")) => ctx.index.std_visible(name),
        // A stream that a flush reaches a file or a terminal through; a
        // string stream's flush does nothing, so endl costs it nothing.
        ("identifier" | "field_expression", _) => {
            let ty = match stream.kind() {
                "identifier" => ctx.var_type(stream),
                _ => ctx.expr_type(stream),
            };
            ty.is_some_and(|t| ctx.in_family("ostream", &t) && !ctx.in_family("string_stream", &t))
        }
        _ => false,
    }
}

pub fn loop_not_interactive(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(node) = ctx.node(&args[0]) else {
        return false;
    };
    let Some(lp) = syntax::enclosing_loop(Lang::Cpp, node) else {
        return false;
    };
    let outer = std::iter::successors(Some(lp), |l| syntax::enclosing_loop(Lang::Cpp, *l))
        .last()
        .unwrap_or(lp);
    !identifiers_in(outer, ctx.src).iter().any(|i| {
        matches!(
            i.as_str(),
            "cin"
                | "getline"
                | "scanf"
                | "fflush"
                | "flush"
                | "sleep"
                | "sleep_for"
                | "usleep"
                | "fgets"
                | "getchar"
        )
    }) && !descendants(outer)
        .iter()
        .any(|n| n.kind() == "field_identifier" && text(*n, ctx.src) == "flush")
}
