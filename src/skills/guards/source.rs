//! Guards about the file around the code rather than the code itself: which
//! names are already taken, and what its authors said about lints.

use tree_sitter::Node;

use crate::lang::Lang;
use crate::skills::call::Arg;
use crate::skills::context::MatchCtx;
use crate::skills::syntax::{self, text};

/// `fresh-static-name(@var)`: binds `name` to the variable's name in
/// SCREAMING_SNAKE_CASE (`word_boundary` → `WORD_BOUNDARY`, `newlineRe` →
/// `NEWLINE_RE`), with `_2`, `_3`… appended until no identifier of the file
/// is spelled so, so a new `static` neither clashes with nor shadows another
/// item. Fails for anything but a plain identifier.
pub fn fresh_static_name(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(var) = ctx.node(&args[0]) else {
        return false;
    };
    if var.kind() != "identifier" {
        return false;
    }
    let base = screaming_snake(ctx.text(var));
    if base.is_empty() {
        return false;
    }
    let taken = |name: &str| {
        !syntax::named_leaves(ctx.root, name, ctx.src).is_empty()
            || ctx.src.contains(&format!("{{{name}"))
    }; // an inline format capture
    let mut name = base.clone();
    let mut n = 2;
    while taken(&name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    ctx.bind("name", name);
    true
}

fn screaming_snake(ident: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in ident.trim_start_matches('_').chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// `lint-not-allowed(@node, lints)`: no `#[allow(…)]`/`#[expect(…)]` (also
/// inside `cfg_attr`, also inner `#![…]`) naming one of the `|`-separated
/// lints (`clippy::stable_sort_primitive|clippy::perf`) applies to the node:
/// none on the statement around it, on an enclosing item, module or
/// function, or at the top of the file. Authors write exactly these
/// attributes to say "we measured, leave this"; a bot must listen.
pub fn lint_not_allowed(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(node) = ctx.node(&args[0]) else {
        return false;
    };
    if ctx.lang != Lang::Rust {
        return true;
    }
    let lints: Vec<&str> = ctx.word(&args[1]).split('|').collect();
    let silences = |attr: Node<'_>| {
        let t: String = text(attr, ctx.src).split_whitespace().collect();
        (t.contains("allow(") || t.contains("expect("))
            && lints.iter().any(|l| {
                t.contains(l)
                    // `clippy::perf` also silences each lint of the group.
                    || l.rsplit_once("::").is_some_and(|(tool, _)| t.contains(&format!("{tool}::perf")))
            })
    };
    // Outer attributes right before the node or any ancestor item/statement.
    let mut cur = Some(node);
    while let Some(n) = cur {
        let mut prev = n.prev_named_sibling();
        while let Some(p) = prev.filter(|p| {
            matches!(
                p.kind(),
                "attribute_item" | "line_comment" | "block_comment"
            )
        }) {
            if p.kind() == "attribute_item" && silences(p) {
                return false;
            }
            prev = p.prev_named_sibling();
        }
        // Inner attributes (`#![allow(…)]`) of a block, module or the file.
        if matches!(n.kind(), "block" | "declaration_list" | "source_file") {
            let mut c = n.walk();
            let inner = n
                .named_children(&mut c)
                .take_while(|ch| {
                    matches!(
                        ch.kind(),
                        "inner_attribute_item" | "line_comment" | "block_comment"
                    )
                })
                .any(|ch| ch.kind() == "inner_attribute_item" && silences(ch));
            if inner {
                return false;
            }
        }
        cur = n.parent();
    }
    true
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{find, run};
    use super::*;

    #[test]
    fn static_names_are_screaming_and_fresh() {
        assert_eq!(screaming_snake("word_boundary"), "WORD_BOUNDARY");
        assert_eq!(screaming_snake("newlineRe"), "NEWLINE_RE");
        let src = "static RE: u8 = 0;\nfn f() { let re = 1; }";
        let tree = Lang::Rust.parse(src);
        let re = find(&tree, src, "identifier", "re", 0);
        let (held, b) = run(Lang::Rust, src, "fresh-static-name(@v)", &[("v", re)]);
        assert!(held);
        assert_eq!(b["name"], "RE_2");
    }

    #[test]
    fn lint_attributes_on_statements_items_and_files_are_heard() {
        let cases = [
            ("fn g(mut v: Vec<u32>) { v.sort(); }", true),
            ("fn g(mut v: Vec<u32>) {\n    #[expect(clippy::stable_sort_primitive, reason = \"measured\")]\n    v.sort();\n}", false),
            ("#[allow(clippy::stable_sort_primitive)]\nfn g(mut v: Vec<u32>) { v.sort(); }", false),
            ("#![allow(clippy::perf)]\nfn g(mut v: Vec<u32>) { v.sort(); }", false),
            ("#[cfg_attr(feature = \"x\", allow(clippy::stable_sort_primitive))]\nmod m { fn g(mut v: Vec<u32>) { v.sort(); } }", false),
        ];
        for (src, want) in cases {
            let tree = Lang::Rust.parse(src);
            let call = find(&tree, src, "call_expression", "v.sort()", 0);
            let (held, _) = run(
                Lang::Rust,
                src,
                "lint-not-allowed(@c, clippy::stable_sort_primitive)",
                &[("c", call)],
            );
            assert_eq!(held, want, "{src}");
        }
    }
}
