//! Whether a C++ function's signature is this file's to change: declared
//! nowhere else, not an override, called only directly.

use crate::index::ty::Ty;
use crate::skills::call::Arg;
use crate::skills::context::MatchCtx;
use crate::skills::syntax::{self, descendants};
use tree_sitter::Node;

/// Function declarators in the file whose (last) name segment is `short`.
pub(super) fn function_declarators<'t>(
    ctx: &MatchCtx<'_>,
    root: Node<'t>,
    short: &str,
) -> Vec<Node<'t>> {
    syntax::named_leaves(root, short, ctx.src)
        .into_iter()
        .filter_map(|leaf| {
            // `f`, `A::f` (a qualified_identifier) or a field_identifier in a class.
            let mut d = leaf;
            while let Some(p) = d.parent().filter(|p| {
                matches!(
                    p.kind(),
                    "qualified_identifier" | "destructor_name" | "operator_name"
                )
            }) {
                d = p;
            }
            d.parent().filter(|fd| {
                fd.kind() == "function_declarator"
                    && fd.child_by_field_name("declarator") == Some(d)
            })
        })
        .filter(|fd| {
            fd.child_by_field_name("declarator").is_some_and(|d| {
                let t = ctx.text(d);
                t.rsplit("::").next().unwrap_or(t) == short
            })
        })
        .collect()
}

pub fn sole_declaration(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(func) = ctx.node(&args[0]) else {
        return false;
    };
    let Some(fd) = descendants(func)
        .into_iter()
        .find(|n| n.kind() == "function_declarator")
    else {
        return false;
    };
    let Some(name_node) = fd.child_by_field_name("declarator") else {
        return false;
    };
    let name = ctx.text(name_node);
    let short = name.rsplit("::").next().unwrap_or(name);
    if short == "main" || name.contains("operator") || name.contains("::") {
        return false;
    }
    let mut c = func.walk();
    let is_virtual = func.children(&mut c).any(|ch| ch.kind() == "virtual");
    if is_virtual
        || fd
            .children(&mut fd.walk())
            .any(|n| n.kind() == "virtual_specifier")
    {
        return false;
    }
    if !signature_is_private_to_file(ctx, func) {
        return false;
    }
    let root = ctx.root;
    let declarators = function_declarators(ctx, root, short).len();
    if declarators != 1 {
        return false;
    }
    // Every other mention of the name is a direct call.
    syntax::named_leaves(root, short, ctx.src)
        .into_iter()
        .filter(|n| matches!(n.kind(), "identifier" | "field_identifier") && *n != name_node)
        .all(|n| {
            let callee = if n.parent().is_some_and(|p| p.kind() == "field_expression") {
                n.parent()
            } else {
                Some(n)
            };
            callee.and_then(|c| c.parent()).is_some_and(|p| {
                p.kind() == "call_expression" && p.child_by_field_name("function") == callee
            })
        })
}

/// Whether every declaration of this function is in this file, so changing
/// its signature here changes it everywhere: a member defined inside its class
/// (of a class with no base that it might override), or a free function with
/// internal linkage (`static`, or in an anonymous namespace). A plain free
/// function may also be declared in a header, which would then no longer
/// match the definition.
pub(super) fn signature_is_private_to_file<'a>(ctx: &MatchCtx<'a>, func: Node<'a>) -> bool {
    let Some(parent) = func.parent() else {
        return false;
    };
    // A `template<...>` wraps the definition; look at what holds the template.
    let holder = if parent.kind() == "template_declaration" {
        parent.parent()
    } else {
        Some(parent)
    };
    let short = function_short_name(ctx, func);
    match holder.map(|h| h.kind()) {
        Some("field_declaration_list") => {
            let body = holder;
            let class = holder.and_then(|h| h.parent());
            class.is_some_and(|cl| {
                let mut c = cl.walk();
                let bases: Vec<Node> = cl
                    .children(&mut c)
                    .filter(|ch| ch.kind() == "base_class_clause")
                    .collect();
                // A method of a class with bases may override one of theirs:
                // only when every base is known and none declares the name.
                bases.is_empty()
                    || short.is_some_and(|name| {
                        // Inside the body: the class is the scope's owner.
                        let Some(body) = body else { return false };
                        let scope = ctx.scope_at(body);
                        let owner = scope.owner.unwrap_or_default();
                        ctx.index.type_by_qualified(&owner).is_some_and(|def| {
                            def.bases
                                .iter()
                                .all(|b| base_lacks_method(ctx, b, &def.name, name, 0))
                        })
                    })
            })
        }
        _ => {
            let mut c = func.walk();
            let is_static = func
                .children(&mut c)
                .any(|ch| ch.kind() == "storage_class_specifier" && ctx.text(ch) == "static");
            let in_anonymous_namespace =
                std::iter::successors(func.parent(), |n| n.parent()).any(|n| {
                    n.kind() == "namespace_definition" && n.child_by_field_name("name").is_none()
                });
            // No other file of the project names it: nothing else can
            // declare or call it.
            let unseen_elsewhere = short
                .and_then(|name| ctx.index.named_elsewhere(name))
                .is_some_and(|elsewhere| !elsewhere);
            is_static || in_anonymous_namespace || unseen_elsewhere || is_whole_program(ctx)
        }
    }
}

/// The last segment of a function definition's name.
pub(super) fn function_short_name<'a>(ctx: &MatchCtx<'a>, func: Node<'a>) -> Option<&'a str> {
    let fd = descendants(func)
        .into_iter()
        .find(|n| n.kind() == "function_declarator")?;
    let name = ctx.text(fd.child_by_field_name("declarator")?);
    Some(name.rsplit("::").next().unwrap_or(name))
}

/// Whether the base class written `base` (in `derived`'s scope) is known to
/// the index and neither it nor its own bases declare a method `name`.
pub(super) fn base_lacks_method(
    ctx: &MatchCtx<'_>,
    base: &str,
    derived: &str,
    name: &str,
    depth: usize,
) -> bool {
    if depth > 6 {
        return false;
    }
    let scope = crate::index::resolve::Scope {
        path: derived
            .rsplit_once("::")
            .map_or(String::new(), |(p, _)| p.to_string()),
        owner: None,
    };
    let resolved = ctx.index.resolve(&Ty::parse_cpp(base), &scope);
    let Some(def) = ctx.index.type_by_qualified(&resolved.base) else {
        return false; // an unknown base (a library's) may declare it virtual
    };
    ctx.index.methods(&def.name, name).is_empty()
        && def
            .bases
            .iter()
            .all(|b| base_lacks_method(ctx, b, &def.name, name, depth + 1))
}

/// A file that defines `main` and includes no header of its own is a whole
/// program: no other file of the project can declare its functions.
pub(super) fn is_whole_program(ctx: &MatchCtx<'_>) -> bool {
    let defines_main = syntax::named_leaves(ctx.root, "main", ctx.src)
        .into_iter()
        .any(|leaf| {
            let def = leaf
                .parent()
                .filter(|d| d.kind() == "function_declarator")
                .and_then(|d| d.parent());
            def.is_some_and(|f| f.kind() == "function_definition" && f.parent() == Some(ctx.root))
        });
    let includes_local_header = syntax::named_leaves(ctx.root, "#include", ctx.src)
        .into_iter()
        .any(|kw| {
            kw.parent()
                .and_then(|inc| inc.child_by_field_name("path"))
                .is_some_and(|path| path.kind() == "string_literal")
        });
    defines_main && !includes_local_header
}

pub fn parameter_of_definition(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(param) = ctx.node(&args[0]) else {
        return false;
    };
    let Some(list) = param.parent().filter(|l| l.kind() == "parameter_list") else {
        return false;
    };
    let Some(fd) = list.parent().filter(|f| {
        f.kind() == "function_declarator" && f.child_by_field_name("parameters") == Some(list)
    }) else {
        return false;
    };
    // The declarator may be wrapped in `&`/`*` (a function returning T& or T*).
    let mut decl = fd;
    let mut owner = fd.parent();
    while let Some(o) =
        owner.filter(|o| matches!(o.kind(), "reference_declarator" | "pointer_declarator"))
    {
        decl = o;
        owner = o.parent();
    }
    let Some(func) = owner.filter(|f| {
        f.kind() == "function_definition" && f.child_by_field_name("declarator") == Some(decl)
    }) else {
        return false;
    };
    let Some(body) = func
        .child_by_field_name("body")
        .filter(|b| b.kind() == "compound_statement")
    else {
        return false;
    };
    ctx.captures.insert("func".into(), func);
    ctx.captures.insert("body".into(), body);
    true
}
