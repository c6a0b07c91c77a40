//! Binding a C++ const reference instead of a copy: the type to write, whether
//! an initializer is an lvalue inside a named object, and whether that object
//! stays untouched while the reference lives.

use super::super::flow::READ_ONLY_METHODS;
use super::reads::declaration_is_const;
use super::reads::is_read;
use super::reads::method_is_const;
use super::reads::used_as_mutable_ref;
use crate::lang::Lang;
use crate::skills::call::Arg;
use crate::skills::context::MatchCtx;
use crate::skills::sema;
use crate::skills::syntax::call_of;
use crate::skills::syntax::{self, descendants, uses};
use tree_sitter::Node;

pub fn const_ref_type(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(ty) = ctx.node(&args[0]) else {
        return false;
    };
    let already_const = ty.parent().is_some_and(|p| declaration_is_const(ctx, p));
    let t = ctx.text(ty).to_string();
    ctx.bind(
        "ref_type",
        if already_const {
            format!("{t}&")
        } else {
            format!("const {t}&")
        },
    );
    true
}

pub fn expensive_element(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(ty), Some(range)) = (ctx.node(&args[0]), ctx.node(&args[1])) else {
        return false;
    };
    let Some(element) = ctx.expr_type(range).and_then(|r| sema::element_of(&r)) else {
        return false;
    };
    let written = ctx.text(ty);
    // Copying a QString or a shared_ptr is a counter update: binding a
    // reference instead saves too little to be worth a review.
    if written == "auto" {
        return ctx.in_family("deep-copy", &element);
    }
    // A written type must be the element type itself: `for (std::string s :
    // {"a", "b"})` converts each element, and a reference would bind to the
    // converted temporary (clang's -Wrange-loop-construct).
    let declared = ctx.written_ty(written, ty).value();
    let element = element.value();
    declared == element && ctx.in_family("deep-copy", &declared)
}

pub fn returns_const_ref(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(mut init) = ctx.node(&args[0]) else {
        return false;
    };
    // `const std::string v(tok->str());`: the direct initializer's one argument.
    if init.kind() == "argument_list" {
        if init.named_child_count() != 1 {
            return false;
        }
        let Some(arg) = init.named_child(0) else {
            return false;
        };
        init = arg;
    }
    let Some(decl) = init
        .parent()
        .and_then(|p| {
            if p.kind() == "argument_list" {
                p.parent()
            } else {
                Some(p)
            }
        })
        .filter(|d| d.kind() == "init_declarator")
        .and_then(|d| d.parent())
        .filter(|d| d.kind() == "declaration")
    else {
        return false;
    };
    // The initializer is an lvalue living inside a named object: the root.
    let Some(root) = lvalue_root(ctx, init) else {
        return false;
    };
    // The reference would bind to exactly what the copy copies: same type
    // (a conversion would bind the reference to a temporary, saving nothing).
    let declared = decl
        .child_by_field_name("type")
        .map(|t| ctx.written_ty(ctx.text(t), t).value());
    let yielded = ctx.expr_type(init).map(|t| t.value());
    match (declared, yielded) {
        (Some(d), Some(y)) if d.is_auto || d == y => {}
        _ => return false,
    }
    // The reference lives until the end of the block that declares it. (In a
    // loop it is bound afresh each iteration, so earlier uses in the body do
    // not matter.)
    let Some(ref_block) = decl.parent() else {
        return false;
    };
    if !root_untouched(ctx, root, init, ref_block) {
        return false;
    }
    let text = ctx.text(init).to_string();
    ctx.bind("init_expr", text);
    true
}

/// The named object an lvalue expression lives in: `v` of `v[i].name`,
/// `obj` of `obj.get()` (a method returning a reference), `p` of `p->f`
/// (the pointer, whose pointee outlives the expression).
pub(super) fn lvalue_root<'a>(ctx: &MatchCtx<'a>, e: Node<'a>) -> Option<Node<'a>> {
    match e.kind() {
        "identifier" => Some(e),
        "parenthesized_expression" => lvalue_root(ctx, e.named_child(0)?),
        "field_expression" => {
            let obj = e.child_by_field_name("argument")?;
            let arrow = e
                .child_by_field_name("operator")
                .is_some_and(|o| ctx.text(o) == "->");
            if arrow {
                // The pointee is not owned by the pointer expression.
                return pointer_name(obj);
            }
            lvalue_root(ctx, obj)
        }
        "subscript_expression" => {
            let obj = e.child_by_field_name("argument")?;
            // A map's `[]` may insert; other containers' return a reference.
            let container = ctx.expr_type(obj)?;
            if !ctx.in_family("container", &container) || ctx.in_family("map", &container) {
                return None;
            }
            lvalue_root(ctx, obj)
        }
        "call_expression" => {
            let func = e.child_by_field_name("function")?;
            if func.kind() != "field_expression" {
                return None;
            }
            // Only a method declared to return an lvalue reference.
            let t = ctx.expr_type(e)?;
            if !t.is_ref || t.rvalue {
                return None;
            }
            let obj = func.child_by_field_name("argument")?;
            let arrow = func
                .child_by_field_name("operator")
                .is_some_and(|o| ctx.text(o) == "->");
            if arrow {
                return pointer_name(obj);
            }
            lvalue_root(ctx, obj)
        }
        _ => None,
    }
}

/// The variable a pointer expression reads: `p` of `p->f`, `it` of
/// `(*it)->f` (the pointer an iterator designates).
fn pointer_name(e: Node<'_>) -> Option<Node<'_>> {
    match e.kind() {
        "identifier" => Some(e),
        "parenthesized_expression" => pointer_name(e.named_child(0)?),
        "pointer_expression" if e.child(0).is_some_and(|op| op.kind() == "*") => {
            let inner = e.child_by_field_name("argument")?;
            (inner.kind() == "identifier").then_some(inner)
        }
        _ => None,
    }
}

/// Whether the object named by `root` (a local, a parameter, a pointer to
/// something, or a member of the class) stays untouched from `init` to the
/// end of `block`: every later mention only reads it, and, for a member,
/// nothing in the block calls a non-const method of the class or mentions
/// `this`.
pub(super) fn root_untouched<'a>(
    ctx: &MatchCtx<'a>,
    root: Node<'a>,
    init: Node<'a>,
    block: Node<'a>,
) -> bool {
    let name = ctx.text(root);
    let local = ctx.declaration(root, name).filter(|d| !d.is_global);
    let region = match &local {
        Some(d) if d.node.kind() == "for_range_loop" => Some(d.node),
        Some(d) if d.is_param => Some(ctx.function_scope(init)),
        Some(d) => d.node.parent(),
        None => {
            // A member of the class whose method this is.
            let scope = ctx.scope_at(root);
            let owner = scope.owner.as_deref();
            let is_member = owner.is_some_and(|o| ctx.index.field(o, name).is_some());
            if !is_member || !member_calls_are_const(ctx, owner.unwrap_or(""), init, block) {
                return false;
            }
            Some(ctx.function_scope(init))
        }
    };
    let Some(region) = region else {
        return false;
    };
    let declaring = |u: Node<'_>| syntax::declared_by(Lang::Cpp, u, ctx.src, false).is_some();
    let pointer = ctx.var_type(root).is_some_and(|t| t.is_ptr);
    !uses(Lang::Cpp, region, name, ctx.src)
        .into_iter()
        .filter(|u| {
            u.start_byte() > init.end_byte() && syntax::contains(block, *u) && !declaring(*u)
        })
        // `is_read` knows const methods from the index; `is_write` would
        // call any method that is not a known std reader a write.
        .any(|u| {
            if pointer {
                !pointee_read(ctx, u)
            } else {
                !is_read(ctx, u)
            }
        })
}

/// A use of a pointer that leaves its pointee unchanged: `p->const_method()`,
/// `p->field` read, `*p` read, or the pointer itself compared or copied.
pub(super) fn pointee_read<'a>(ctx: &MatchCtx<'a>, u: Node<'a>) -> bool {
    let Some(p) = u.parent() else { return false };
    match p.kind() {
        "field_expression" => {
            let field = p
                .child_by_field_name("field")
                .map(|f| ctx.text(f))
                .unwrap_or("");
            let call = call_of(p);
            match call {
                Some(call) => {
                    (READ_ONLY_METHODS.contains(&field) || method_is_const(ctx, u, field))
                        && !used_as_mutable_ref(ctx, call)
                }
                None => is_read(ctx, p),
            }
        }
        "pointer_expression" => !ctx.text(p).starts_with('&') && is_read(ctx, p),
        "binary_expression" | "condition_clause" | "if_statement" | "unary_expression" => true,
        _ => false,
    }
}

/// After `from`, inside `block`, no unqualified call reaches a non-const
/// (or unknown) method of `owner`, and `this` is not mentioned: nothing the
/// block does through the object can change its members.
pub(super) fn member_calls_are_const(
    ctx: &MatchCtx<'_>,
    owner: &str,
    from: Node<'_>,
    block: Node<'_>,
) -> bool {
    descendants(block)
        .into_iter()
        .filter(|n| n.start_byte() > from.end_byte())
        .all(|n| match n.kind() {
            "this" => false,
            "call_expression" => {
                let Some(f) = n.child_by_field_name("function") else {
                    return true;
                };
                if f.kind() != "identifier" {
                    return true;
                }
                let methods = ctx.index.methods(owner, ctx.text(f));
                methods.iter().all(|m| m.item.is_const)
            }
            _ => true,
        })
}
