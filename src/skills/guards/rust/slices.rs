//! Rust locals that are only ever read the way a slice is read, so an array
//! can stand in for the Vec that holds them.

use super::super::flow::uses_in_function;
use crate::skills::call::Arg;
use crate::skills::context::MatchCtx;
use tree_sitter::Node;

/// Slice methods taking `&self` that an array reaches through the same
/// auto-ref and unsizing a Vec reaches them through deref, with the same
/// result type. `into_iter` is not here: on an array it yields references in
/// editions before 2021. Nothing that needs a `Vec` (`capacity`, `as_slice`
/// with a `&Vec` in mind) or that moves it.
const SLICE_READS: &[&str] = &[
    "iter",
    "contains",
    "len",
    "is_empty",
    "first",
    "last",
    "get",
    "join",
    "concat",
    "starts_with",
    "ends_with",
    "windows",
    "chunks",
    "binary_search",
];

/// `only-read-as-slice(@vec)`: the Vec that the `vec![..]` expression makes
/// is only ever read as a slice. Either in place (`for x in vec![..]`,
/// `vec![..].iter()`: the expression itself is such a read), or through
/// `let name = vec![..];` (no `mut`, no written type: a `Vec<T>` annotation
/// would not accept an array) whose every mention in the function is a read
/// as `reads_as_slice` allows. A `&name` handed to a call is refused (the
/// callee may take `&Vec<T>`), and so is any mention in a macro, a return or
/// a binding.
pub fn only_read_as_slice(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(vec) = ctx.node(&args[0]) else {
        return false;
    };
    let Some(decl) = vec.parent().filter(|p| p.kind() == "let_declaration") else {
        return reads_as_slice(ctx, vec);
    };
    let Some(var) = decl
        .child_by_field_name("pattern")
        .filter(|p| p.kind() == "identifier")
    else {
        return false;
    };
    if decl.child_by_field_name("value") != Some(vec)
        || decl.child_by_field_name("type").is_some()
        || has_mut(decl)
    {
        return false;
    }
    let uses = uses_in_function(ctx, var);
    !uses.is_empty() && uses.iter().all(|u| reads_as_slice(ctx, *u))
}

fn has_mut(decl: Node<'_>) -> bool {
    let mut c = decl.walk();
    let found = decl
        .children(&mut c)
        .any(|k| k.kind() == "mutable_specifier");
    found
}

/// Whether the expression `u` (a Vec) is read as a slice right where it
/// stands: the receiver of a `SLICE_READS` method call, what a `for` loop
/// runs over (by value or by reference), or the indexed side of `u[i]`.
fn reads_as_slice(ctx: &MatchCtx<'_>, u: Node<'_>) -> bool {
    let Some(p) = u.parent() else { return false };
    match p.kind() {
        "field_expression" => {
            let is_receiver = p.child_by_field_name("value") == Some(u);
            let method_ok = p
                .child_by_field_name("field")
                .is_some_and(|m| SLICE_READS.contains(&ctx.text(m)));
            let called = p.parent().is_some_and(|c| {
                c.kind() == "call_expression" && c.child_by_field_name("function") == Some(p)
            });
            is_receiver && method_ok && called
        }
        "for_expression" => p.child_by_field_name("value") == Some(u),
        "reference_expression" => p.parent().is_some_and(|f| {
            f.kind() == "for_expression" && f.child_by_field_name("value") == Some(p)
        }),
        "index_expression" => p.named_child(0) == Some(u),
        _ => false,
    }
}
