//! What only reads a C++ variable: const member calls (std's, Qt's, and the
//! project's methods declared `const`), operands, copies, and arguments of
//! functions that take their parameter by value or const reference.

use super::super::flow::READ_ONLY_METHODS;
use crate::index::resolve::Found;
use crate::index::summary::FnDef;
use crate::index::ty::Ty;
use crate::skills::call::Arg;
use crate::skills::context::MatchCtx;
use crate::skills::syntax::call_of;
use crate::skills::syntax::uses;
use tree_sitter::Node;

/// Free functions known to take their argument by value or const reference.
pub(super) const READING_FUNCTIONS: &[&str] = &[
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
pub(super) const READING_METHODS: &[&str] = &[
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
pub(super) const ACCESSORS: &[&str] = &[
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
pub(super) fn is_read<'a>(ctx: &MatchCtx<'a>, u: Node<'a>) -> bool {
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
            let call = call_of(p);
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
pub(super) fn method_is_const<'a>(ctx: &MatchCtx<'a>, obj: Node<'a>, method: &str) -> bool {
    let Some(t) = ctx.expr_type(obj) else {
        return false;
    };
    let found = ctx.index.methods(&t.base, method);
    !found.is_empty() && found.iter().all(|m| m.item.is_const)
}

/// Iterator- and pointer-returning accessors whose result, once stored in a
/// variable, can write through (`auto it = s.begin(); *it = 'x';`).
pub(super) const ITERATOR_ACCESSORS: &[&str] = &["begin", "end", "rbegin", "rend", "data"];

pub(super) fn keeps_iterator(method: &str, call: Node<'_>) -> bool {
    ITERATOR_ACCESSORS.contains(&method)
        && call.parent().is_some_and(|p| match p.kind() {
            "init_declarator" => p.child_by_field_name("value") == Some(call),
            "assignment_expression" => p.child_by_field_name("right") == Some(call),
            _ => false,
        })
}

/// Whether the identifier `u` is declared with a type of `family`.
pub(super) fn declared_in_family<'a>(ctx: &MatchCtx<'a>, u: Node<'a>, family: &str) -> bool {
    u.kind() == "identifier" && ctx.var_type(u).is_some_and(|t| ctx.in_family(family, &t))
}

pub(super) fn is_ref_capture_target(_ctx: &MatchCtx<'_>, _p: Node<'_>) -> bool {
    false
}

pub(super) fn used_as_mutable_ref(ctx: &MatchCtx<'_>, call: Node<'_>) -> bool {
    call.parent().is_some_and(|p| {
        p.kind() == "init_declarator"
            && p.child_by_field_name("declarator")
                .is_some_and(|d| d.kind() == "reference_declarator")
            && !p.parent().is_some_and(|d| declaration_is_const(ctx, d))
    })
}

pub(super) fn declaration_is_const(ctx: &MatchCtx<'_>, decl: Node<'_>) -> bool {
    let mut c = decl.walk();
    let q = decl
        .children(&mut c)
        .any(|ch| ch.kind() == "type_qualifier" && ctx.text(ch) == "const");
    q
}

/// An argument is read if the callee takes that parameter by value or by
/// const reference: a function declared in this file, or a known method.
pub(super) fn argument_is_read<'a>(ctx: &MatchCtx<'a>, args: Node<'a>, u: Node<'a>) -> bool {
    let Some(call) = args.parent() else {
        return false;
    };
    let named = match call.kind() {
        // `T x(a, b)` and `new T(a, b)`: a constructor of T.
        "init_declarator" | "new_expression" => None,
        _ => match call.child_by_field_name("function") {
            Some(func) if func.kind() == "field_expression" => func
                .child_by_field_name("field")
                .map(|f| (ctx.text(f), READING_METHODS)),
            Some(func) if matches!(func.kind(), "identifier" | "qualified_identifier") => {
                Some((ctx.text(func), READING_FUNCTIONS))
            }
            _ => return false,
        },
    };
    if named.is_some_and(|(name, known)| known.contains(&name)) {
        return true;
    }
    let index = arg_index(args, u);
    let params = callee_params(ctx, call);
    !params.is_empty()
        && params
            .iter()
            .all(|ps| ps.get(index).is_some_and(param_is_value_or_const_ref))
}

/// The arguments of a list (comments between arguments are not arguments).
fn arguments(args: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    let mut c = args.walk();
    let all: Vec<Node> = args.named_children(&mut c).collect();
    all.into_iter().filter(|a| a.kind() != "comment")
}

/// The position of `u` among the arguments.
pub(super) fn arg_index(args: Node<'_>, u: Node<'_>) -> usize {
    arguments(args).position(|a| a == u).unwrap_or(usize::MAX)
}

/// The parameter types (as written) of every declaration a call may reach:
/// a free function or static member found through the project index, or a
/// method of the receiver's class.
pub(super) fn callee_params<'a>(ctx: &MatchCtx<'a>, call: Node<'a>) -> Vec<Vec<Ty>> {
    let constructed = match call.kind() {
        "init_declarator" => call.parent().and_then(|d| d.child_by_field_name("type")),
        "new_expression" => call.child_by_field_name("type"),
        _ => None,
    };
    if let Some(ty) = constructed {
        let class = ctx.written_ty(ctx.text(ty), call).base;
        let short = class.rsplit("::").next().unwrap_or(&class).to_string();
        return params_of(ctx, call, ctx.index.methods(&class, &short));
    }
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
    params_of(ctx, call, found)
}

/// Each parameter's type as written, resolved where it was declared, of
/// the overloads that can take as many arguments as `call` passes (a
/// parameter pack standing for as many parameters as it receives).
fn params_of(ctx: &MatchCtx<'_>, call: Node<'_>, found: Vec<Found<FnDef>>) -> Vec<Vec<Ty>> {
    let args = match call.kind() {
        "init_declarator" => call.child_by_field_name("value"),
        _ => call.child_by_field_name("arguments"),
    };
    let arity = args.map_or(0, |a| arguments(a).count());
    found
        .into_iter()
        .filter_map(|f| {
            let params = &f.item.params;
            let pack = params.last().filter(|p| p.variadic);
            if params.len() < arity && pack.is_none() {
                return None;
            }
            let resolve = |p: &crate::index::summary::ParamDef| {
                ctx.index.resolve(&Ty::parse_cpp(&p.ty), &f.scope)
            };
            let mut tys: Vec<Ty> = params.iter().map(resolve).collect();
            if let Some(pack) = pack {
                let each = resolve(pack);
                tys.resize(arity.max(params.len()), each);
            }
            Some(tys)
        })
        .collect()
}

/// A parameter that receives its argument by value or by const reference.
pub(super) fn param_is_value_or_const_ref(p: &Ty) -> bool {
    if p.is_unknown() {
        return false;
    }
    if p.is_ptr {
        // `const T*` by value: only a pointer (or an array that decays to
        // one) converts to it, and the callee cannot write through it.
        return p.pointee_const && !p.is_ref;
    }
    !p.is_ref || (p.is_const && !p.rvalue)
}

/// A parameter that takes its argument by value (so a moved argument is
/// moved into it).
pub(super) fn param_is_by_value(p: &Ty) -> bool {
    !p.is_unknown() && !p.is_ref && !p.is_ptr
}

/// Whether passing `u` in the argument list `args` evidently only reads it
/// (a std function or method known to read, or a callee whose declaration
/// takes that parameter by value or const reference).
pub fn argument_only_read<'a>(ctx: &MatchCtx<'a>, args: Node<'a>, u: Node<'a>) -> bool {
    argument_is_read(ctx, args, u)
}

pub fn only_read(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(var), Some(within)) = (ctx.node(&args[0]), ctx.node(&args[1])) else {
        return false;
    };
    crate::skills::syntax::bound_names(var)
        .into_iter()
        .all(|name| {
            uses(ctx.lang, within, ctx.text(name), ctx.src)
                .into_iter()
                .filter(|u| *u != name)
                .all(|u| is_read(ctx, u))
        })
}
