//! C++ guards. They rely on syntactic evidence only (declarations in the same
//! function or file); when evidence is missing they say no.

use tree_sitter::Node;

use super::common::{identifiers_in, written_in, READ_ONLY_METHODS};
use crate::index::ty::Ty;
use crate::lang::Lang;
use crate::skills::call::Arg;
use crate::skills::guard::MatchCtx;
use crate::skills::sema;
use crate::skills::syntax::{self, descendants, text, uses};

/// Free functions known to take their argument by value or const reference.
const READING_FUNCTIONS: &[&str] = &[
    "std::stoi",
    "std::stol",
    "std::stoll",
    "std::stoul",
    "std::stoull",
    "std::stof",
    "std::stod",
    "std::size",
    "std::empty",
    "std::min",
    "std::max",
    "std::hash",
    "std::distance",
    "stoi",
    "stol",
    "stod",
    "std::to_string",
    // Algorithms that only read their ranges and values.
    "std::find",
    "std::find_if",
    "std::find_if_not",
    "std::count",
    "std::count_if",
    "std::any_of",
    "std::all_of",
    "std::none_of",
    "std::binary_search",
    "std::equal",
    "std::mismatch",
    "std::search",
    "std::includes",
    "std::accumulate",
    "std::lower_bound",
    "std::upper_bound",
    "std::equal_range",
    "std::min_element",
    "std::max_element",
    "std::minmax_element",
    "std::is_sorted",
    "std::ranges::find",
    "std::ranges::find_if",
    "std::ranges::any_of",
    "std::ranges::all_of",
    "std::ranges::none_of",
    "std::ranges::contains",
    "std::ranges::count",
    // (Not regex_search/regex_match: their match-results argument is an
    // output; not getline: its string is.)
    "std::regex_replace",
];

/// Methods that take their argument by value or const reference (or have an
/// overload that does), so a const argument still compiles.
const READING_METHODS: &[&str] = &[
    "push_back",
    "emplace_back",
    "push",
    "emplace",
    "insert",
    "append",
    "assign",
    "find",
    "rfind",
    "count",
    "contains",
    "compare",
    "starts_with",
    "ends_with",
    "at",
    "erase",
    "push_front",
    "emplace_front",
    // Qt methods whose arguments are inputs (`const &`).
    "entryList",
    "entryInfoList",
    "setNameFilters",
    "indexOf",
    "lastIndexOf",
    "startsWith",
    "endsWith",
    "split",
    "replace",
    "arg",
    "value",
    "match",
    "globalMatch",
];

/// Accessors that return a reference into the object: fine on a const object,
/// unless the caller then writes through the result.
const ACCESSORS: &[&str] = &[
    "at",
    "front",
    "back",
    "begin",
    "end",
    "rbegin",
    "rend",
    "data",
    "operator[]",
];

/// Whether `u` (a use of a variable) only reads the variable.
fn is_read<'a>(ctx: &MatchCtx<'a>, u: Node<'a>) -> bool {
    let Some(p) = u.parent() else { return false };
    let is = |field: &str| p.child_by_field_name(field) == Some(u);
    match p.kind() {
        "assignment_expression" => !is("left") && !is_ref_capture_target(ctx, p),
        "update_expression" => false,
        // `&v` lets anything change it; `*v` is a read only if its result is.
        "pointer_expression" => !ctx.text(p).starts_with('&') && is_read(ctx, p),
        "parenthesized_expression" | "conditional_expression" | "comma_expression" => {
            is_read(ctx, p)
        }
        "binary_expression" => {
            let op = p
                .child_by_field_name("operator")
                .map(|o| ctx.text(o))
                .unwrap_or("");
            // `stream << v` writes the stream; `in >> v` writes v.
            !((op == "<<" || op == ">>") && is("left")) && !(op == ">>" && is("right"))
        }
        "unary_expression"
        | "condition_clause"
        | "if_statement"
        | "while_statement"
        | "return_statement"
        | "initializer_list"
        | "sizeof_expression"
        | "case_statement"
        | "static_assert_declaration"
        | "cast_expression"
        | "lambda_capture_specifier"
        | "expression_statement" => true,
        "subscript_argument_list" => true,
        "init_declarator" => {
            // A copy is a read; binding a non-const reference is not.
            let declarator = p.child_by_field_name("declarator");
            let binds_ref = declarator.is_some_and(|d| d.kind() == "reference_declarator");
            !binds_ref || p.parent().is_some_and(|d| declaration_is_const(ctx, d))
        }
        // A map's `[]` inserts a missing key: it has no const overload.
        "subscript_expression" => {
            !is("argument") || is_read(ctx, p) && !declared_in_family(ctx, u, "map")
        }
        "field_expression" => {
            // `p->f` through a raw pointer reads the pointer, whatever it
            // does to the pointee (a container of pointers stays unchanged).
            let arrow = p
                .child_by_field_name("operator")
                .is_some_and(|o| ctx.text(o) == "->");
            if arrow && ctx.expr_type(u).is_some_and(|t| t.is_ptr) {
                return true;
            }
            let field = p
                .child_by_field_name("field")
                .map(|f| ctx.text(f))
                .unwrap_or("");
            let call = p.parent().filter(|g| {
                g.kind() == "call_expression" && g.child_by_field_name("function") == Some(p)
            });
            match call {
                Some(call) if ACCESSORS.contains(&field) => {
                    is_read(ctx, call)
                        && !used_as_mutable_ref(ctx, call)
                        && !keeps_iterator(field, call)
                }
                Some(_) => READ_ONLY_METHODS.contains(&field) || method_is_const(ctx, u, field),
                // A data member: reading it reads the object.
                None => is_read(ctx, p),
            }
        }
        "for_range_loop" => {
            // `for (auto& x : v)` would need v non-const unless x is const or a copy.
            let by_ref = p
                .child_by_field_name("declarator")
                .is_some_and(|d| d.kind() == "reference_declarator");
            is("right") && (!by_ref || declaration_is_const(ctx, p))
        }
        "argument_list" => argument_is_read(ctx, p, u),
        _ => false,
    }
}

/// Whether every declaration of `method` on the class of `obj` (found
/// through the project index) is a `const` member function.
fn method_is_const<'a>(ctx: &MatchCtx<'a>, obj: Node<'a>, method: &str) -> bool {
    let Some(t) = ctx.expr_type(obj) else {
        return false;
    };
    let found = ctx.index.methods(&t.base, method);
    !found.is_empty() && found.iter().all(|m| m.item.is_const)
}

/// Iterator- and pointer-returning accessors whose result, once stored in a
/// variable, can write through (`auto it = s.begin(); *it = 'x';`).
const ITERATOR_ACCESSORS: &[&str] = &["begin", "end", "rbegin", "rend", "data"];

fn keeps_iterator(method: &str, call: Node<'_>) -> bool {
    ITERATOR_ACCESSORS.contains(&method)
        && call.parent().is_some_and(|p| match p.kind() {
            "init_declarator" => p.child_by_field_name("value") == Some(call),
            "assignment_expression" => p.child_by_field_name("right") == Some(call),
            _ => false,
        })
}

/// Whether the identifier `u` is declared with a type of `family`.
fn declared_in_family<'a>(ctx: &MatchCtx<'a>, u: Node<'a>, family: &str) -> bool {
    u.kind() == "identifier" && ctx.var_type(u).is_some_and(|t| ctx.in_family(family, &t))
}

fn is_ref_capture_target(_ctx: &MatchCtx<'_>, _p: Node<'_>) -> bool {
    false
}

fn used_as_mutable_ref(ctx: &MatchCtx<'_>, call: Node<'_>) -> bool {
    call.parent().is_some_and(|p| {
        p.kind() == "init_declarator"
            && p.child_by_field_name("declarator")
                .is_some_and(|d| d.kind() == "reference_declarator")
            && !p.parent().is_some_and(|d| declaration_is_const(ctx, d))
    })
}

fn declaration_is_const(ctx: &MatchCtx<'_>, decl: Node<'_>) -> bool {
    let mut c = decl.walk();
    let q = decl
        .children(&mut c)
        .any(|ch| ch.kind() == "type_qualifier" && ctx.text(ch) == "const");
    q
}

/// An argument is read if the callee takes that parameter by value or by
/// const reference: a function declared in this file, or a known method.
fn argument_is_read<'a>(ctx: &MatchCtx<'a>, args: Node<'a>, u: Node<'a>) -> bool {
    let Some(call) = args.parent() else {
        return false;
    };
    let Some(func) = call.child_by_field_name("function") else {
        return false;
    };
    match func.kind() {
        "field_expression" => {
            let method = func
                .child_by_field_name("field")
                .map(|f| ctx.text(f))
                .unwrap_or("");
            if READING_METHODS.contains(&method) {
                return true;
            }
            let index = arg_index(args, u);
            let params = callee_params(ctx, call);
            !params.is_empty()
                && params.iter().all(|ps| {
                    ps.get(index)
                        .is_some_and(|p| param_is_value_or_const_ref(&Ty::parse_cpp(p)))
                })
        }
        "identifier" | "qualified_identifier" => {
            let name = ctx.text(func);
            if READING_FUNCTIONS.contains(&name) {
                return true;
            }
            let index = arg_index(args, u);
            let params = callee_params(ctx, call);
            !params.is_empty()
                && params.iter().all(|ps| {
                    ps.get(index)
                        .is_some_and(|p| param_is_value_or_const_ref(&Ty::parse_cpp(p)))
                })
        }
        _ => false,
    }
}

fn arg_index(args: Node<'_>, u: Node<'_>) -> usize {
    let mut c = args.walk();
    let index = args
        .named_children(&mut c)
        .position(|a| a == u)
        .unwrap_or(usize::MAX);
    index
}

/// Function declarators in the file whose (last) name segment is `short`.
fn function_declarators<'t>(ctx: &MatchCtx<'_>, root: Node<'t>, short: &str) -> Vec<Node<'t>> {
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

/// The parameter types (as written) of every declaration a call may reach:
/// a free function or static member found through the project index, or a
/// method of the receiver's class.
fn callee_params<'a>(ctx: &MatchCtx<'a>, call: Node<'a>) -> Vec<Vec<String>> {
    let Some(func) = call.child_by_field_name("function") else {
        return Vec::new();
    };
    let found = match func.kind() {
        "field_expression" => {
            let (Some(obj), Some(method)) = (
                func.child_by_field_name("argument"),
                func.child_by_field_name("field"),
            ) else {
                return Vec::new();
            };
            match ctx.expr_type(obj) {
                Some(t) => ctx.index.methods(&t.base, ctx.text(method)),
                None => Vec::new(),
            }
        }
        "identifier" | "qualified_identifier" => {
            ctx.index.functions(ctx.text(func), &ctx.scope_at(call))
        }
        _ => Vec::new(),
    };
    found
        .into_iter()
        .map(|f| f.item.params.into_iter().map(|p| p.ty).collect())
        .collect()
}

/// A parameter that receives its argument by value or by const reference.
fn param_is_value_or_const_ref(p: &Ty) -> bool {
    !p.is_unknown() && !p.is_ptr && (!p.is_ref || (p.is_const && !p.rvalue))
}

/// A parameter that takes its argument by value (so a moved argument is
/// moved into it).
fn param_is_by_value(p: &Ty) -> bool {
    !p.is_unknown() && !p.is_ref && !p.is_ptr
}

pub fn only_read(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(var), Some(within)) = (ctx.node(&args[0]), ctx.node(&args[1])) else {
        return false;
    };
    uses(ctx.lang, within, ctx.text(var), ctx.src)
        .into_iter()
        .filter(|u| *u != var)
        .all(|u| is_read(ctx, u))
}

/// C++: is this use of a variable a move (or a swap, or a return that moves)?
pub fn is_moved(ctx: &MatchCtx<'_>, u: Node<'_>) -> bool {
    let Some(p) = u.parent() else { return false };
    match p.kind() {
        "return_statement" | "co_return_statement" | "throw_statement" => true,
        "argument_list" => p
            .parent()
            .and_then(|c| c.child_by_field_name("function"))
            .is_some_and(|f| {
                let name = ctx.text(f);
                matches!(
                    name,
                    "std::move" | "move" | "std::forward" | "std::swap" | "swap" | "std::exchange"
                ) || name.ends_with(".swap")
            }),
        "field_expression" => p
            .child_by_field_name("field")
            .is_some_and(|f| ctx.text(f) == "swap"),
        "lambda_capture_specifier" => true,
        _ => false,
    }
}

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
    if written == "auto" {
        return ctx.in_family("expensive", &element);
    }
    // A written type must be the element type itself: `for (std::string s :
    // {"a", "b"})` converts each element, and a reference would bind to the
    // converted temporary (clang's -Wrange-loop-construct).
    let declared = ctx.written_ty(written, ty).value();
    let element = element.value();
    declared == element && ctx.in_family("expensive", &declared)
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
fn lvalue_root<'a>(ctx: &MatchCtx<'a>, e: Node<'a>) -> Option<Node<'a>> {
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
                return (obj.kind() == "identifier").then_some(obj);
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
                return (obj.kind() == "identifier").then_some(obj);
            }
            lvalue_root(ctx, obj)
        }
        _ => None,
    }
}

/// Whether the object named by `root` (a local, a parameter, a pointer to
/// something, or a member of the class) stays untouched from `init` to the
/// end of `block`: every later mention only reads it, and, for a member,
/// nothing in the block calls a non-const method of the class or mentions
/// `this`.
fn root_untouched<'a>(ctx: &MatchCtx<'a>, root: Node<'a>, init: Node<'a>, block: Node<'a>) -> bool {
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
fn pointee_read<'a>(ctx: &MatchCtx<'a>, u: Node<'a>) -> bool {
    let Some(p) = u.parent() else { return false };
    match p.kind() {
        "field_expression" => {
            let field = p
                .child_by_field_name("field")
                .map(|f| ctx.text(f))
                .unwrap_or("");
            let call = p.parent().filter(|g| {
                g.kind() == "call_expression" && g.child_by_field_name("function") == Some(p)
            });
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
fn member_calls_are_const(
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
fn signature_is_private_to_file<'a>(ctx: &MatchCtx<'a>, func: Node<'a>) -> bool {
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
                        let scope = ctx.scope_at(cl);
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
fn function_short_name<'a>(ctx: &MatchCtx<'a>, func: Node<'a>) -> Option<&'a str> {
    let fd = descendants(func)
        .into_iter()
        .find(|n| n.kind() == "function_declarator")?;
    let name = ctx.text(fd.child_by_field_name("declarator")?);
    Some(name.rsplit("::").next().unwrap_or(name))
}

/// Whether the base class written `base` (in `derived`'s scope) is known to
/// the index and neither it nor its own bases declare a method `name`.
fn base_lacks_method(
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
fn is_whole_program(ctx: &MatchCtx<'_>) -> bool {
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

/// A parameter `T&& p` of a concrete type (not a forwarding reference of a
/// template parameter): its argument was an rvalue, so it is the callee's
/// to move from.
pub fn is_rvalue_ref_param(ctx: &MatchCtx<'_>, d: &syntax::Decl<'_>) -> bool {
    if !d.is_param {
        return false;
    }
    let rvalue = d
        .node
        .child_by_field_name("declarator")
        .is_some_and(|decl| {
            decl.kind() == "reference_declarator" && ctx.text(decl).starts_with("&&")
        });
    if !rvalue {
        return false;
    }
    let Some(ty) = d.ty.as_deref() else {
        return false;
    };
    let base = Ty::parse_cpp(ty).base;
    // `template <class T> f(T&& x)` forwards; `auto&&` deduces.
    let template_params: Vec<String> = std::iter::successors(d.node.parent(), |n| n.parent())
        .filter(|n| n.kind() == "template_declaration")
        .filter_map(|t| t.child_by_field_name("parameters"))
        .flat_map(|ps| {
            let mut c = ps.walk();
            ps.named_children(&mut c)
                .filter_map(|p| {
                    p.named_children(&mut p.walk())
                        .find(|n| n.kind() == "type_identifier")
                        .map(|n| ctx.text(n).to_string())
                })
                .collect::<Vec<_>>()
        })
        .collect();
    base != "auto" && !template_params.contains(&base)
}

/// `moves-into(@site, @arg)`: the value of `@arg` ends up in a new object
/// that owns a copy of it, so handing over `std::move(arg)` instead saves
/// the copy: a by-value parameter (see `callee-takes-by-value`), a
/// constructor called by `new T(arg)` taking it by value or copying it, a
/// member initializer `m_(arg)` of a member of the same type, or an
/// assignment `x = arg` to something of the same type.
pub fn moves_into(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(site), Some(arg)) = (ctx.node(&args[0]), ctx.node(&args[1])) else {
        return false;
    };
    let Some(arg_ty) = ctx.var_type(arg).map(|t| t.value()) else {
        return false;
    };
    match site.kind() {
        "call_expression" => takes_by_value(ctx, site, arg),
        "new_expression" => {
            let (Some(ty), Some(list)) = (
                site.child_by_field_name("type"),
                site.child_by_field_name("arguments"),
            ) else {
                return false;
            };
            let class = ctx.written_ty(ctx.text(ty), ty).value();
            if list.named_child_count() == 1 && class == arg_ty {
                return true; // the copy constructor; the move one exists
            }
            let index = arg_index(list, arg);
            let ctors = ctx.index.methods(&class.base, class.short());
            !ctors.is_empty()
                && ctors.iter().all(|c| {
                    c.item.params.len() == list.named_child_count()
                        && c.item
                            .params
                            .get(index)
                            .is_some_and(|p| param_is_by_value(&Ty::parse_cpp(&p.ty)))
                })
        }
        "field_initializer" => {
            let Some(member) = site
                .named_child(0)
                .filter(|m| m.kind() == "field_identifier")
            else {
                return false;
            };
            let scope = ctx.scope_at(site);
            let Some(owner) = scope.owner else {
                return false;
            };
            let Some(field) = ctx.index.field(&owner, ctx.text(member)) else {
                return false;
            };
            let member_ty = ctx
                .index
                .resolve(&Ty::parse_cpp(&field.item.ty), &field.scope)
                .value();
            let single = site
                .named_child(1)
                .is_some_and(|l| l.named_child_count() == 1);
            single && !member_ty.is_ptr && member_ty == arg_ty
        }
        "assignment_expression" => {
            let plain = site
                .child_by_field_name("operator")
                .is_some_and(|o| ctx.text(o) == "=");
            let left = site.child_by_field_name("left");
            plain
                && site.child_by_field_name("right") == Some(arg)
                && left
                    .and_then(|l| ctx.expr_type(l))
                    .is_some_and(|l| !l.is_ptr && l.value() == arg_ty)
        }
        _ => false,
    }
}

pub fn callee_takes_by_value(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(call), Some(arg)) = (ctx.node(&args[0]), ctx.node(&args[1])) else {
        return false;
    };
    takes_by_value(ctx, call, arg)
}

pub fn not_passed_by_value(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(var), Some(within)) = (ctx.node(&args[0]), ctx.node(&args[1])) else {
        return false;
    };
    !uses(Lang::Cpp, within, ctx.text(var), ctx.src)
        .into_iter()
        .any(|u| {
            let call = u
                .parent()
                .filter(|a| a.kind() == "argument_list")
                .and_then(|a| a.parent());
            call.is_some_and(|c| c.kind() == "call_expression" && takes_by_value(ctx, c, u))
        })
}

pub fn sole_mention_in_statement(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(var) = ctx.node(&args[0]) else {
        return false;
    };
    let stmt = syntax::enclosing_statement(Lang::Cpp, var);
    uses(Lang::Cpp, stmt, ctx.text(var), ctx.src) == [var]
}

/// Whether `call` evidently takes its argument `arg` by value: a function
/// or method whose declaration (found through the project index) has a
/// by-value parameter there, or a sequence's or set's push/insert of a value
/// of exactly its element type (which has an rvalue overload; an element
/// constructed from another type gains nothing from a move).
fn takes_by_value<'a>(ctx: &MatchCtx<'a>, call: Node<'a>, arg: Node<'a>) -> bool {
    let Some(func) = call.child_by_field_name("function") else {
        return false;
    };
    let Some(arglist) = call.child_by_field_name("arguments") else {
        return false;
    };
    let index = arg_index(arglist, arg);
    if func.kind() == "field_expression" {
        let method = func
            .child_by_field_name("field")
            .map(|f| ctx.text(f))
            .unwrap_or("");
        let container = func
            .child_by_field_name("argument")
            .and_then(|o| ctx.expr_type(o))
            .filter(|t| ctx.in_family("sequence|set", t));
        if let Some(container) = container {
            let pushes = matches!(
                method,
                "push_back"
                    | "emplace_back"
                    | "insert"
                    | "push"
                    | "push_front"
                    | "emplace"
                    | "emplace_front"
            );
            let single = arglist.named_child_count() == 1;
            let same_type = sema::element_of(&container)
                .zip(ctx.expr_type(arg))
                .is_some_and(|(el, a)| el.value() == a.value());
            return pushes && single && same_type;
        }
    }
    let params = callee_params(ctx, call);
    !params.is_empty()
        && params.iter().all(|ps| {
            ps.get(index)
                .is_some_and(|p| param_is_by_value(&Ty::parse_cpp(p)))
        })
}

pub fn declared_by(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(var) = ctx.node(&args[0]) else {
        return false;
    };
    let kinds: Vec<&str> = ctx.word(&args[1]).split('|').collect();
    super::common::decl(ctx, var).is_some_and(|d| kinds.contains(&d.node.kind()))
}

/// Methods whose result points into the object (iterators, raw pointers):
/// keeping one keeps an alias of the object.
const ALIASING_METHODS: &[&str] = &[
    "begin",
    "end",
    "cbegin",
    "cend",
    "rbegin",
    "rend",
    "crbegin",
    "crend",
    "data",
    "c_str",
    "find",
    "lower_bound",
    "upper_bound",
    "equal_range",
];

pub fn not_aliased(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(var) = ctx.node(&args[0]) else {
        return false;
    };
    let scope = ctx.function_scope(var);
    !uses(Lang::Cpp, scope, ctx.text(var), ctx.src)
        .into_iter()
        .any(|u| keeps_alias(ctx, u))
}

/// Whether this mention of a variable lets something else keep referring to
/// the object: `&v`, a reference/pointer/view/iterator bound to `v` or into
/// it, or a lambda that captures by reference.
fn keeps_alias<'a>(ctx: &MatchCtx<'a>, u: Node<'a>) -> bool {
    let by_ref_lambda = std::iter::successors(u.parent(), |n| n.parent())
        .take_while(|n| n.kind() != "function_definition")
        .filter(|n| n.kind() == "lambda_expression")
        .any(|l| {
            l.child_by_field_name("captures")
                .is_some_and(|c| ctx.text(c).contains('&'))
        });
    if by_ref_lambda {
        return true;
    }
    // Climb `v.f`, `v[i]`, `v.m()`, `(v)` to the whole access expression,
    // remembering the last method called on the way.
    let (mut e, mut method) = (u, None);
    while let Some(p) = e.parent() {
        let is = |field: &str| p.child_by_field_name(field) == Some(e);
        match p.kind() {
            "field_expression" if is("argument") => {
                let call = p.parent().filter(|g| {
                    g.kind() == "call_expression" && g.child_by_field_name("function") == Some(p)
                });
                method = p.child_by_field_name("field").map(|f| ctx.text(f));
                e = call.unwrap_or(p);
            }
            "subscript_expression" if is("argument") => {
                method = None;
                e = p;
            }
            "parenthesized_expression" => e = p,
            _ => break,
        }
    }
    let iterator_like = method.is_some_and(|m| ALIASING_METHODS.contains(&m));
    let Some(p) = e.parent() else { return false };
    match p.kind() {
        "pointer_expression" => ctx.text(p).starts_with('&'),
        "init_declarator" if p.child_by_field_name("value") == Some(e) => {
            let declarator = p.child_by_field_name("declarator").map(|d| d.kind());
            let ty = p.parent().and_then(|d| d.child_by_field_name("type"));
            let view = ty.is_some_and(|t| {
                let written = ctx.text(t);
                ctx.in_family("string_view", &ctx.written_ty(written, t))
                    || written.contains("span")
                    || written.contains("iterator")
            });
            let auto = ty.is_some_and(|t| t.kind() == "placeholder_type_specifier");
            matches!(
                declarator,
                Some("reference_declarator" | "pointer_declarator")
            ) || view
                || auto && iterator_like
        }
        "assignment_expression" => p.child_by_field_name("right") == Some(e) && iterator_like,
        _ => false,
    }
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
    ctx.bind("char", format!("'{ch}'"));
    true
}

/// The leftmost operand of a `<<` chain: the stream.
fn stream_of<'t>(ctx: &MatchCtx<'_>, node: Node<'t>) -> Option<Node<'t>> {
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
fn is_buffered_stream<'a>(ctx: &MatchCtx<'a>, stream: Node<'a>) -> bool {
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

/// C++ trip counts: `for (T i = 0; i < N; ++i)` and `for (x : container)`.
/// Returns the count expression and the identifiers it depends on.
pub fn loop_count<'a>(ctx: &MatchCtx<'a>, lp: Node<'a>) -> Option<(String, Vec<String>)> {
    let root = ctx.root;
    match lp.kind() {
        "for_range_loop" => {
            let range = lp.child_by_field_name("right")?;
            let names = access_path(ctx, range)?;
            if !ctx
                .expr_type(range)
                .is_some_and(|t| ctx.in_family("sized", &t))
            {
                return None;
            }
            Some((format!("{}.size()", ctx.text(range)), names))
        }
        "for_statement" => {
            let init = lp.child_by_field_name("initializer")?;
            let cond = lp.child_by_field_name("condition")?;
            let update = lp.child_by_field_name("update")?;
            // Initializer: `T i = 0` (declaration) or `i = 0` (assignment).
            let (var, start) = match init.kind() {
                "declaration" => {
                    let d = init
                        .child_by_field_name("declarator")
                        .filter(|d| d.kind() == "init_declarator")?;
                    (
                        d.child_by_field_name("declarator")?,
                        d.child_by_field_name("value")?,
                    )
                }
                "assignment_expression" => (
                    init.child_by_field_name("left")?,
                    init.child_by_field_name("right")?,
                ),
                _ => return None,
            };
            if var.kind() != "identifier" || ctx.text(start) != "0" {
                return None;
            }
            let var_name = ctx.text(var);
            // Condition: `i < N`, `i != N`, or `i < N && i < M`.
            if cond.kind() != "binary_expression" {
                return None;
            }
            let op = ctx.text(cond.child_by_field_name("operator")?);
            let bounds = if op == "&&" {
                let a = upper_bound(ctx, cond.child_by_field_name("left")?, var_name, &["<"])?;
                let b = upper_bound(ctx, cond.child_by_field_name("right")?, var_name, &["<"])?;
                vec![a, b]
            } else {
                vec![upper_bound(ctx, cond, var_name, &["<", "!="])?]
            };
            // Update: `++i`, `i++` or `i += 1`.
            let up = ctx.text(update).replace(' ', "");
            if ![
                format!("++{var_name}"),
                format!("{var_name}++"),
                format!("{var_name}+=1"),
            ]
            .contains(&up)
            {
                return None;
            }
            let body = lp.child_by_field_name("body")?;
            if written_in(ctx, body, var_name) {
                return None;
            }
            match bounds[..] {
                [bound] => bound_expression(ctx, bound),
                [a, b] => min_bound_expression(ctx, a, b, root),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The names an access path mentions (`v`, `items_`, `this->rows_`,
/// `cfg.parts`): a chain of plain member accesses, nothing that calls or
/// indexes, so evaluating it twice gives the same object.
fn access_path(ctx: &MatchCtx<'_>, e: Node<'_>) -> Option<Vec<String>> {
    match e.kind() {
        "identifier" => Some(vec![ctx.text(e).to_string()]),
        "this" => Some(Vec::new()),
        "field_expression" => {
            let mut names = access_path(ctx, e.child_by_field_name("argument")?)?;
            names.push(ctx.text(e.child_by_field_name("field")?).to_string());
            Some(names)
        }
        _ => None,
    }
}

/// `B` in a condition `var < B` (or another of `ops`).
fn upper_bound<'t>(
    ctx: &MatchCtx<'_>,
    cond: Node<'t>,
    var_name: &str,
    ops: &[&str],
) -> Option<Node<'t>> {
    if cond.kind() != "binary_expression" {
        return None;
    }
    let op = ctx.text(cond.child_by_field_name("operator")?);
    let left = cond.child_by_field_name("left")?;
    if !ops.contains(&op) || ctx.text(left) != var_name {
        return None;
    }
    cond.child_by_field_name("right")
}

/// The trip count of `i < A && i < B`: `std::min(A, B)`, clamped at zero for
/// signed bounds. Only when std::min certainly compiles: both bounds are
/// variables declared with the same integer type, or both are `x.size()`, and
/// the file includes <algorithm>.
fn min_bound_expression<'a>(
    ctx: &MatchCtx<'a>,
    a: Node<'a>,
    b: Node<'a>,
    root: Node<'_>,
) -> Option<(String, Vec<String>)> {
    let includes_algorithm = syntax::named_leaves(root, "<algorithm>", ctx.src)
        .into_iter()
        .any(|p| p.parent().is_some_and(|n| n.kind() == "preproc_include"));
    if !includes_algorithm {
        return None;
    }
    let (ea, mut idents) = bound_expression(ctx, a)?;
    let (eb, ib) = bound_expression(ctx, b)?;
    idents.extend(ib);
    let (ta, tb) = (ctx.text(a), ctx.text(b));
    let min = format!("std::min({ta}, {tb})");
    match (a.kind(), b.kind()) {
        ("call_expression", "call_expression") => Some((min, idents)),
        ("identifier", "identifier") => {
            let ty = |n: Node<'a>| {
                ctx.declaration(n, ctx.text(n))
                    .and_then(|d| d.ty)
                    .map(|t| syntax::base_type(&t))
            };
            let same_type = ty(a).is_some_and(|t| Some(t) == ty(b));
            // A signed bound came back clamped (`n > 0 ? n : 0`); clamp the minimum likewise.
            let signed = ea != ta || eb != tb;
            same_type.then(|| {
                (
                    if signed {
                        format!("{min} > 0 ? {min} : 0")
                    } else {
                        min
                    },
                    idents,
                )
            })
        }
        _ => None,
    }
}

/// A loop bound that is cheap, side-effect free and non-negative: an unsigned
/// variable, `x.size()`, a literal; a signed variable is clamped at zero.
fn bound_expression<'a>(ctx: &MatchCtx<'a>, bound: Node<'a>) -> Option<(String, Vec<String>)> {
    let t = ctx.text(bound).to_string();
    match bound.kind() {
        "number_literal" => (!t.starts_with('-')).then(|| (t, vec![])),
        "call_expression" => {
            let func = bound.child_by_field_name("function")?;
            let obj = func.child_by_field_name("argument")?;
            let method = func.child_by_field_name("field")?;
            let no_args = bound
                .child_by_field_name("arguments")
                .is_some_and(|a| a.named_child_count() == 0);
            let names = access_path(ctx, obj)?;
            (matches!(ctx.text(method), "size" | "length") && no_args).then_some((t, names))
        }
        "identifier" => {
            let ty = ctx.var_type(bound)?;
            if ctx.in_family("unsigned", &ty) {
                Some((t.clone(), vec![t]))
            } else if ctx.in_family("signed", &ty) {
                Some((format!("{t} > 0 ? {t} : 0"), vec![t]))
            } else {
                None
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{find, run};
    use crate::lang::Lang;

    /// Runs a one-node guard on the `nth` node of `kind` with text `text`.
    fn holds(src: &str, call: &str, kind: &str, text: &str, nth: usize) -> bool {
        let tree = Lang::Cpp.parse(src);
        let node = find(&tree, src, kind, text, nth);
        run(Lang::Cpp, src, call, &[("n", node)]).0
    }

    #[test]
    fn buffered_stream_needs_evidence_of_a_standard_stream() {
        let src = "void f(std::ostream& os, Logger& log) {\n  std::ofstream file(\"x\");\n  std::cout << 1 << std::endl;\n  os << std::endl;\n  file << std::endl;\n  std::cerr << std::endl;\n  log << std::endl;\n  cout << std::endl;\n}\n";
        let endl = |nth| {
            holds(
                src,
                "buffered-stream(@n)",
                "qualified_identifier",
                "std::endl",
                nth,
            )
        };
        assert!(endl(0), "std::cout");
        assert!(endl(1), "a declared std::ostream&");
        assert!(endl(2), "a declared std::ofstream");
        assert!(!endl(3), "std::cerr is meant to appear at once");
        assert!(!endl(4), "an unknown Logger");
        assert!(!endl(5), "`cout` without `using namespace std`");
        let with_using = format!("using namespace std;\n{src}");
        assert!(holds(
            &with_using,
            "buffered-stream(@n)",
            "qualified_identifier",
            "std::endl",
            5
        ));
    }

    #[test]
    fn sole_declaration_needs_a_signature_private_to_the_file() {
        let src = "int ext(std::string s) { return 0; }\n\
                   static int stat(std::string s) { return 1; }\n\
                   namespace { int anon(std::string s) { return 2; } }\n\
                   namespace n { int named(std::string s) { return 3; } }\n\
                   struct Plain { int member(std::string s) { return 4; } };\n\
                   struct Derived : Base { int inherited(std::string s) { return 5; } };\n\
                   struct Virt { virtual int virt(std::string s) { return 6; } int over(std::string s) override { return 7; } };\n\
                   static int twice(std::string s);\n\
                   static int twice(std::string s) { return 8; }\n\
                   static int pointed(std::string s) { return 9; }\n\
                   int use() { int (*f)(std::string) = pointed; return stat(\"\") + f(\"\"); }\n";
        let tree = Lang::Cpp.parse(src);
        let func = |name: &str| {
            crate::skills::syntax::descendants(tree.root_node())
                .into_iter()
                .find(|n| {
                    n.kind() == "function_definition"
                        && n.child_by_field_name("declarator").is_some_and(|d| {
                            d.child_by_field_name("declarator")
                                .is_some_and(|i| &src[i.byte_range()] == name)
                        })
                })
                .unwrap_or_else(|| panic!("no function {name}"))
        };
        let sole = |name: &str| run(Lang::Cpp, src, "sole-declaration(@f)", &[("f", func(name))]).0;
        assert!(sole("stat"), "static, and only ever called");
        assert!(sole("anon"), "anonymous namespace");
        assert!(sole("member"), "defined in a class without bases");
        assert!(!sole("ext"), "external linkage: a header may declare it");
        assert!(
            !sole("named"),
            "a named namespace is still external linkage"
        );
        assert!(!sole("inherited"), "may override a base method");
        assert!(!sole("virt"));
        assert!(!sole("over"));
        assert!(!sole("twice"), "also declared by a prototype");
        assert!(!sole("pointed"), "its address is taken");
    }

    #[test]
    fn plain_declaration_is_one_unqualified_name() {
        let src = "void f() {\n  std::string a;\n  std::string b, c;\n  static std::string d;\n  const std::string e;\n}\n";
        let decl = |text: &str| holds(src, "plain-declaration(@n)", "declaration", text, 0);
        assert!(decl("std::string a;"));
        assert!(!decl("std::string b, c;"), "two names");
        assert!(!decl("static std::string d;"));
        assert!(!decl("const std::string e;"));
    }

    #[test]
    fn scoped_to_block_rejects_mentions_before_or_outside_the_block() {
        let src = "std::string g;\nvoid f(int n) {\n  while (n--) {\n    std::string a;\n    a += 'x';\n  }\n  do {\n    std::string g;\n    g += 'y';\n  } while (g.empty());\n  for (;;) {\n    use(b);\n    std::string b;\n  }\n}\n";
        let scoped = |name: &str, nth| holds(src, "scoped-to-block(@n)", "identifier", name, nth);
        assert!(scoped("a", 0));
        assert!(!scoped("a", 1), "a use, not a declaration");
        assert!(
            !scoped("g", 1),
            "the do-while condition reads the global `g`"
        );
        assert!(!scoped("b", 1), "`b` is mentioned before the declaration");
    }

    #[test]
    fn loop_count_takes_the_minimum_of_two_bounds() {
        let count = |src: &str| {
            let tree = Lang::Cpp.parse(src);
            let lp = crate::skills::syntax::descendants(tree.root_node())
                .into_iter()
                .find(|n| n.kind() == "for_statement")
                .expect("a for loop");
            let (held, bindings) = run(Lang::Cpp, src, "loop-count(@l)", &[("l", lp)]);
            held.then(|| bindings["count"].clone())
        };
        let with = |head: &str, params: &str| {
            format!("#include <algorithm>\nvoid f({params}) {{\n  for ({head}) {{ v.push_back(1); }}\n}}\n")
        };
        assert_eq!(
            count(&with("int r = 0; r < n; ++r", "int n")).as_deref(),
            Some("n > 0 ? n : 0")
        );
        assert_eq!(
            count(&with(
                "int r = 0; r < rows && r < cols; ++r",
                "int rows, int cols"
            ))
            .as_deref(),
            Some("std::min(rows, cols) > 0 ? std::min(rows, cols) : 0")
        );
        assert_eq!(
            count(&with(
                "size_t i = 0; i < a && i < b; ++i",
                "size_t a, const size_t b"
            ))
            .as_deref(),
            Some("std::min(a, b)")
        );
        assert_eq!(
            count(&with(
                "size_t i = 0; i < xs.size() && i < ys.size(); ++i",
                "const V& xs, const V& ys"
            ))
            .as_deref(),
            Some("std::min(xs.size(), ys.size())")
        );
        // std::min(int, size_t) does not compile.
        assert_eq!(
            count(&with("int i = 0; i < a && i < b; ++i", "int a, size_t b")),
            None
        );
        // Not a bound: the loop may stop anywhere.
        assert_eq!(
            count(&with("int i = 0; i < a && ok(i); ++i", "int a")),
            None
        );
        assert_eq!(
            count(&with("int i = 0; i < a || i < b; ++i", "int a, int b")),
            None
        );
        // Without <algorithm> there is no evidence std::min is declared.
        let bare = "void f(int a, int b) {\n  for (int i = 0; i < a && i < b; ++i) { v.push_back(i); }\n}\n";
        assert_eq!(count(bare), None);
    }

    #[test]
    fn returns_const_ref_tracks_the_source_object_while_the_reference_lives() {
        let src = "struct A { const std::string& name() const; std::string copy() const; };\n\
                   std::vector<std::string> g;\n\
                   void f(std::vector<A>& all, std::vector<std::string> v) {\n\
                     for (A& a : all) { a.set(1); }\n\
                     for (const A& a : all) { std::string n = a.name(); use(n); }\n\
                     { std::string x = v[0]; v.push_back(x); }\n\
                     { std::string y = v.front(); use(y); }\n\
                     v.push_back(\"late\");\n\
                     std::string z = g[0];\n\
                     std::string w = all[0].copy();\n\
                     std::string t = make().name();\n\
                   }\n";
        let init = |text: &str| holds(src, "returns-const-ref(@n)", "call_expression", text, 0);
        let index = |text: &str| {
            holds(
                src,
                "returns-const-ref(@n)",
                "subscript_expression",
                text,
                0,
            )
        };
        assert!(
            init("a.name()"),
            "a different `a` is modified in another loop; this one is not"
        );
        assert!(!index("v[0]"), "v grows while the reference lives");
        assert!(
            init("v.front()"),
            "v only grows after the reference's block ends"
        );
        assert!(
            !index("g[0]"),
            "a global may change behind the reference's back"
        );
        assert!(!init("all[0].copy()"), "returns by value");
        assert!(!init("make().name()"), "a temporary");
    }

    #[test]
    fn declared_by_names_the_declaring_construct() {
        let src = "void f(std::string p) {\n  std::string l;\n  for (std::string r : xs) { use(r, l, p); }\n}\n";
        let by = |name: &str, nth, kinds: &str| {
            holds(
                src,
                &format!("declared-by(@n, {kinds})"),
                "identifier",
                name,
                nth,
            )
        };
        assert!(
            by("p", 1, "declaration|parameter_declaration"),
            "a use of a parameter"
        );
        assert!(by("l", 0, "declaration"), "the declaring name itself");
        assert!(
            !by("r", 1, "declaration|parameter_declaration"),
            "a range-for variable"
        );
        assert!(by("r", 1, "for_range_loop"));
        assert!(!by("xs", 0, "declaration"), "no declaration at all");
    }

    #[test]
    fn not_aliased_sees_references_pointers_iterators_and_lambdas() {
        let aliased = |body: &str| {
            let src = format!("void f() {{\n  std::vector<int> v;\n  {body}\n  sink(v);\n}}\n");
            !holds(&src, "not-aliased(@n)", "identifier", "v", 0)
        };
        assert!(!aliased(
            "int n = v.size(); auto x = v[0]; std::vector<int> copy = v; keep(v);"
        ));
        assert!(aliased("int* p = &v[0];"));
        assert!(aliased("std::vector<int>& r = v;"));
        assert!(aliased("const int& first = v.front();"));
        assert!(aliased("auto it = v.begin();"));
        assert!(aliased("it = v.find(3);"));
        assert!(aliased("std::span<int> s = v;"));
        assert!(aliased("auto later = [&] { return v.size(); };"));
        assert!(
            !aliased("auto later = [v] { return v.size(); };"),
            "a by-value capture copies"
        );
    }

    #[test]
    fn only_read_allows_ranging_over_a_variable_by_copy_or_const_ref() {
        let src = "void f(std::string s) {\n  { for (char c : s) {} }\n  { for (const char& c : s) {} }\n  { for (char& c : s) {} }\n}\n";
        let tree = Lang::Cpp.parse(src);
        let param = find(&tree, src, "identifier", "s", 0);
        let loops: Vec<_> = crate::skills::syntax::descendants(tree.root_node())
            .into_iter()
            .filter(|n| n.kind() == "for_range_loop")
            .collect();
        let read = |i: usize| {
            run(
                Lang::Cpp,
                src,
                "only-read(@v, @in)",
                &[("v", param), ("in", loops[i])],
            )
            .0
        };
        assert!(read(0), "a copy of each char");
        assert!(read(1), "a const reference");
        assert!(!read(2), "a mutable reference could change the string");
    }

    #[test]
    fn not_passed_by_value_looks_at_every_call_of_the_variable() {
        let src = "void by_value(std::string s);\nvoid by_ref(const std::string& s);\n\
                   void f(std::string a, std::string b, std::vector<std::string> out) {\n\
                     by_ref(a);\n  unknown(a);\n  by_ref(b);\n  by_value(b);\n  out.push_back(a);\n}\n";
        let tree = Lang::Cpp.parse(src);
        let body = crate::skills::syntax::descendants(tree.root_node())
            .into_iter()
            .rfind(|n| n.kind() == "compound_statement")
            .expect("f's body");
        let passes = |name: &str| {
            let var = find(&tree, src, "identifier", name, 0);
            !run(
                Lang::Cpp,
                src,
                "not-passed-by-value(@v, @in)",
                &[("v", var), ("in", body)],
            )
            .0
        };
        assert!(
            passes("a"),
            "push_back into a declared container takes it by value"
        );
        assert!(passes("b"), "by_value is declared to take a copy");
        let only_ref = "void by_ref(const std::string& s);\nvoid f(std::string a) { by_ref(a); unknown(a); }\n";
        let t2 = Lang::Cpp.parse(only_ref);
        let a = find(&t2, only_ref, "identifier", "a", 0);
        let body2 = find(
            &t2,
            only_ref,
            "compound_statement",
            "{ by_ref(a); unknown(a); }",
            0,
        );
        assert!(
            run(
                Lang::Cpp,
                only_ref,
                "not-passed-by-value(@v, @in)",
                &[("v", a), ("in", body2)]
            )
            .0
        );
    }

    #[test]
    fn sole_mention_in_statement_sees_unsequenced_reads() {
        let src = "void f(std::vector<int> v, std::vector<int> w) {\n  long a = g(v.size()) + h(v);\n  long b = h(w);\n}\n";
        let sole = |name: &str, nth| {
            holds(
                src,
                "sole-mention-in-statement(@n)",
                "identifier",
                name,
                nth,
            )
        };
        assert!(!sole("v", 2), "v.size() in the same statement");
        assert!(sole("w", 1));
    }

    #[test]
    fn only_read_knows_unnamed_prototype_parameters() {
        let src = "void by_ref(std::string&);\nvoid by_cref(const std::string&);\nvoid by_ptr(std::string*);\nvoid by_val(std::string);\n\
                   void f(std::string s) {\n  by_ref(s);\n  by_cref(s);\n  by_val(s);\n}\n";
        let tree = Lang::Cpp.parse(src);
        let param = find(&tree, src, "identifier", "s", 0);
        let stmt = |text: &str| find(&tree, src, "expression_statement", text, 0);
        let read = |text: &str| {
            run(
                Lang::Cpp,
                src,
                "only-read(@v, @in)",
                &[("v", param), ("in", stmt(text))],
            )
            .0
        };
        assert!(
            !read("by_ref(s);"),
            "an unnamed `std::string&` may be modified"
        );
        assert!(read("by_cref(s);"));
        assert!(read("by_val(s);"));
        let call = find(&tree, src, "call_expression", "by_val(s)", 0);
        let arg = find(&tree, src, "identifier", "s", 3);
        assert!(
            run(
                Lang::Cpp,
                src,
                "callee-takes-by-value(@c, @a)",
                &[("c", call), ("a", arg)]
            )
            .0
        );
        let ref_call = find(&tree, src, "call_expression", "by_ref(s)", 0);
        let ref_arg = find(&tree, src, "identifier", "s", 1);
        assert!(
            !run(
                Lang::Cpp,
                src,
                "callee-takes-by-value(@c, @a)",
                &[("c", ref_call), ("a", ref_arg)]
            )
            .0
        );
    }

    #[test]
    fn only_read_rejects_writes_through_iterators_derefs_and_map_subscripts() {
        let cases = [
            ("auto it = s.begin(); *it = 'x';", false),
            ("char* p = s.data(); p[0] = 'x';", false),
            ("*s.begin() = 'x';", false),
            ("return *s.begin();", true),
            ("return s.front() == 'x';", true),
            ("char c = s[0]; return c;", true),
            ("return m[3];", false),
            ("return m.at(3);", true),
        ];
        for (body, expected) in cases {
            let src = format!("int f(std::string s, std::map<int, int> m) {{ {body} }}\n");
            let tree = Lang::Cpp.parse(&src);
            let name = if body.contains("m[") || body.contains("m.at") {
                "m"
            } else {
                "s"
            };
            let var = find(&tree, &src, "identifier", name, 0);
            let body_node = find(
                &tree,
                &src,
                "compound_statement",
                &format!("{{ {body} }}"),
                0,
            );
            let held = run(
                Lang::Cpp,
                &src,
                "only-read(@v, @in)",
                &[("v", var), ("in", body_node)],
            )
            .0;
            assert_eq!(held, expected, "{body}");
        }
    }

    #[test]
    fn std_name_needs_std_or_a_using() {
        use crate::lang::Lang;
        let q = "((identifier) @n (#eq? @n \"endl\"))";
        let with = "using namespace std;\nvoid f() { cout << endl; }";
        let only = "using std::endl;\nvoid f() { cout << endl; }";
        let without = "void f() { out << endl; }";
        for (src, expect) in [(with, true), (only, true), (without, false)] {
            // The last match is the use inside f (a `using std::endl;` matches too).
            let got = crate::skills::guards::common::tests::eval(Lang::Cpp, src, q, "std-name(@n)");
            assert_eq!(got.last(), Some(&expect), "{src}");
        }
    }

    #[test]
    fn type_in_reads_the_written_type() {
        use crate::lang::Lang;
        let src = "using Names = std::vector<std::string>;\nvoid f(std::string a, int b, Names c, auto d) {}";
        let q = "(parameter_declaration type: (_) @t)";
        assert_eq!(
            crate::skills::guards::common::tests::eval(Lang::Cpp, src, q, "type-in(@t, expensive)"),
            vec![true, false, true, true],
            "`auto` is left to declared-type"
        );
    }

    #[test]
    fn structural_guards_capture_the_construct_around() {
        use crate::lang::Lang;
        let src = "void f() { for (;;) { std::string a; } { std::string b; } }\nconst std::string& g(std::string p) { return p; }\nvoid h(std::string q);";
        let decls = "(declaration declarator: (identifier)) @d";
        let eval = crate::skills::guards::common::tests::eval;
        assert_eq!(
            eval(Lang::Cpp, src, decls, "in-loop-body(@d)"),
            vec![true, false]
        );
        assert_eq!(
            eval(Lang::Cpp, src, decls, "in-block(@d)"),
            vec![true, true]
        );
        let params = "(parameter_declaration) @p";
        assert_eq!(
            eval(Lang::Cpp, src, params, "parameter-of-definition(@p)"),
            vec![true, false],
            "a prototype has no body"
        );
    }
}
