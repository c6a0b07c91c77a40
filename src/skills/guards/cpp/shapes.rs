//! C++ guards about the shape of the code around a match: which block or loop
//! holds a statement, how a variable is declared, what a written type or name
//! means.

use super::super::flow;
use crate::lang::Lang;
use crate::skills::call::Arg;
use crate::skills::context::MatchCtx;
use crate::skills::syntax::{self, uses};

pub fn declared_by(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(var) = ctx.node(&args[0]) else {
        return false;
    };
    let kinds: Vec<&str> = ctx.word(&args[1]).split('|').collect();
    flow::decl(ctx, var).is_some_and(|d| kinds.contains(&d.node.kind()))
}

pub fn single_char(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(lit) = ctx.node(&args[0]) else {
        return false;
    };
    let t = ctx.text(lit);
    let Some(inner) = t.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
        return false;
    };
    let ch = match inner {
        "'" => "\\'".to_string(),
        "\\\"" => "\"".to_string(),
        "\\n" | "\\t" | "\\\\" | "\\r" => inner.to_string(),
        s if s.chars().count() == 1 && s != "\\" && s.is_ascii() => s.to_string(),
        _ => return false,
    };
    // A QString method takes a QChar. `'x'` converts to one only where the
    // project allows char conversions; `QLatin1Char` always does
    // (`QT_RESTRICTED_CAST_FROM_ASCII` keeps `"x"` working but not `'x'`).
    let receiver = lit
        .parent()
        .and_then(|args| args.parent())
        .and_then(|call| call.child_by_field_name("function"))
        .and_then(|f| f.child_by_field_name("argument"));
    let qt = receiver
        .and_then(|r| ctx.expr_type(r))
        .is_some_and(|t| t.base == "QString");
    let char = if qt {
        format!("QLatin1Char('{ch}')")
    } else {
        format!("'{ch}'")
    };
    ctx.bind("char", char);
    true
}

/// Queries rooted at a small node (a declaration, a parameter) are cheap to
/// run; these guards then fetch the larger construct around it as a capture.
pub fn in_loop_body(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(stmt) = ctx.node(&args[0]) else {
        return false;
    };
    let Some(body) = stmt.parent().filter(|b| b.kind() == "compound_statement") else {
        return false;
    };
    let Some(lp) = body
        .parent()
        .filter(|l| Lang::Cpp.is_loop(l.kind()) && l.child_by_field_name("body") == Some(body))
    else {
        return false;
    };
    ctx.captures.insert("loop".into(), lp);
    true
}

pub fn in_block(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(stmt) = ctx.node(&args[0]) else {
        return false;
    };
    let Some(block) = stmt.parent().filter(|b| b.kind() == "compound_statement") else {
        return false;
    };
    ctx.captures.insert("block".into(), block);
    true
}

pub fn type_in(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(ty) = ctx.node(&args[0]) else {
        return false;
    };
    let family = ctx.word(&args[1]);
    let t = ctx.written_ty(ctx.text(ty), ty);
    // `auto` says nothing yet: the skill's `declared-type` decides.
    t.is_auto || ctx.in_family(family, &t)
}

pub fn std_name(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(node) = ctx.node(&args[0]) else {
        return false;
    };
    let text = ctx.text(node);
    match text.strip_prefix("std::") {
        Some(_) => true,
        None => ctx.index.std_visible(text),
    }
}

pub fn plain_declaration(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(decl) = ctx.node(&args[0]) else {
        return false;
    };
    let mut c = decl.walk();
    let plain = !decl.children(&mut c).any(|ch| {
        matches!(
            ch.kind(),
            "storage_class_specifier" | "type_qualifier" | "attribute_declaration"
        )
    });
    // `std::string a, b;` declares two names: an edit of the whole
    // declaration on behalf of one of them would lose the other.
    let names = decl.children_by_field_name("declarator", &mut c).count();
    plain && names == 1
}

/// A declaration of one name with automatic storage: no `static`,
/// `thread_local` or `extern`, and not several declarators sharing the type
/// (`const` is fine).
pub fn local_declaration(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(decl) = ctx.node(&args[0]) else {
        return false;
    };
    let mut c = decl.walk();
    let storage = decl.children(&mut c).any(|ch| {
        matches!(
            ch.kind(),
            "storage_class_specifier" | "attribute_declaration"
        )
    });
    let names = decl.children_by_field_name("declarator", &mut c).count();
    !storage && names == 1
}

pub fn scoped_to_block(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(var) = ctx.node(&args[0]) else {
        return false;
    };
    let Some(decl) = syntax::declared_by(Lang::Cpp, var, ctx.src, false) else {
        return false;
    };
    let Some(block) = decl
        .node
        .parent()
        .filter(|b| b.kind() == "compound_statement")
    else {
        return false;
    };
    let scope = ctx.function_scope(var);
    uses(Lang::Cpp, scope, ctx.text(var), ctx.src)
        .into_iter()
        .all(|u| u.start_byte() >= var.start_byte() && syntax::contains(block, u))
}
