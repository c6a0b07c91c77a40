//! Guards about values and element types, the same in both languages: what a
//! container holds, whether an expression is a constant, whether evaluating
//! it can have an effect.

use tree_sitter::Node;

use crate::index::ty::Ty;
use crate::lang::Lang;
use crate::skills::call::Arg;
use crate::skills::context::MatchCtx;
use crate::skills::sema;
use crate::skills::syntax::call_of;

/// The type of an expression or, for a type node, the type it names.
fn type_of<'a>(ctx: &MatchCtx<'a>, node: Node<'a>) -> Option<Ty> {
    let is_type_node = node.kind().ends_with("type_identifier")
        || matches!(
            node.kind(),
            "qualified_identifier"
                | "template_type"
                | "primitive_type"
                | "generic_type"
                | "scoped_type_identifier"
                | "type_descriptor"
                | "sized_type_specifier"
        ) && !is_expression_position(node);
    if is_type_node {
        return Some(ctx.written_ty(ctx.text(node), node).value());
    }
    match node.kind() {
        "identifier" => ctx.var_type(node),
        _ => ctx.expr_type(node),
    }
}

/// A `qualified_identifier` may name a function being called (`std::f(x)`).
fn is_expression_position(node: Node<'_>) -> bool {
    call_of(node).is_some()
}

pub fn declared_type(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(node) = ctx.node(&args[0]) else {
        return false;
    };
    let family = ctx.word(&args[1]);
    let ty = match node.kind() {
        "identifier" => ctx.var_type(node),
        _ => ctx.expr_type(node),
    };
    ty.is_some_and(|t| ctx.in_family(family, &t))
}

/// `element-in(@container, family)`: the elements of the container (an
/// expression) have a type in the family.
pub fn element_in(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(node) = ctx.node(&args[0]) else {
        return false;
    };
    let family = ctx.word(&args[1]);
    type_of(ctx, node)
        .and_then(|t| sema::element_of(&t))
        .is_some_and(|el| ctx.in_family(family, &el.value()))
}

/// `element-is(@container, @other)`: the container's element type is exactly
/// the type of `@other` (a type as written, or an expression).
pub fn element_is(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(container), Some(other)) = (ctx.node(&args[0]), ctx.node(&args[1])) else {
        return false;
    };
    let Some(el) = type_of(ctx, container).and_then(|t| sema::element_of(&t)) else {
        return false;
    };
    let Some(other) = type_of(ctx, other) else {
        return false;
    };
    !el.is_unknown() && el.value() == other.value()
}

/// `same-type(@a, @b)`: two expressions (or type nodes) have evidently the
/// same type, ignoring const and references.
pub fn same_type(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(a), Some(b)) = (ctx.node(&args[0]), ctx.node(&args[1])) else {
        return false;
    };
    match (type_of(ctx, a), type_of(ctx, b)) {
        (Some(x), Some(y)) => !x.is_unknown() && x.value() == y.value(),
        _ => false,
    }
}

/// `constant(@expr)`: the expression is built only from literals: numbers,
/// strings, characters, booleans, `{…}`/`[…]`/`vec![…]` lists of them,
/// negations, named constants (`std::regex::icase`, `Flags::A`, an
/// `ALL_CAPS` name) and constructor calls of such arguments. Evaluating it
/// again always gives the same value, so it may be computed once.
pub fn constant(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(node) = ctx.node(&args[0]) else {
        return false;
    };
    is_constant(ctx, node, 0)
}

fn is_constant<'a>(ctx: &MatchCtx<'a>, n: Node<'a>, depth: usize) -> bool {
    if depth > 12 {
        return false;
    }
    let all_children = |n: Node<'a>| {
        let mut c = n.walk();
        let kids: Vec<Node> = n.named_children(&mut c).collect();
        kids.into_iter()
            .filter(|k| !matches!(k.kind(), "comment" | "line_comment" | "block_comment"))
            .all(|k| is_constant(ctx, k, depth + 1))
    };
    match n.kind() {
        "number_literal"
        | "string_literal"
        | "raw_string_literal"
        | "char_literal"
        | "concatenated_string"
        | "true"
        | "false"
        | "integer_literal"
        | "float_literal"
        | "boolean_literal"
        | "string_content"
        | "escape_sequence"
        | "nullptr" => true,
        "initializer_list"
        | "argument_list"
        | "arguments"
        | "array_expression"
        | "tuple_expression"
        | "parenthesized_expression"
        | "token_tree"
        | "unary_expression"
        | "binary_expression" => all_children(n),
        // `std::regex::icase`, `Flags::A`, `ns::kName`.
        "qualified_identifier" | "scoped_identifier" => true,
        "identifier" => {
            let t = ctx.text(n);
            t.len() > 1
                && t.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        }
        "macro_invocation" => {
            let mac = n
                .child_by_field_name("macro")
                .map(|m| ctx.text(m))
                .unwrap_or("");
            mac == "vec" && n.named_child(1).is_some_and(all_children)
        }
        // `u"x"_s`, `"x"sv`: the standard and Qt literal suffixes.
        "user_defined_literal" => n
            .named_child(0)
            .is_some_and(|lit| is_constant(ctx, lit, depth + 1)),
        // `T(lit…)`, `T{lit…}`, `Regex::new(lit)`, `QStringLiteral("…")`: a
        // construction from constants. The callee must name a type (or a
        // known pure constructor), never a function that could read state
        // (`Config::pattern()`, `QObject::tr("…")`).
        "call_expression" | "compound_literal_expression" => {
            let callee = n
                .child_by_field_name("function")
                .or_else(|| n.child_by_field_name("type"));
            let args = n
                .child_by_field_name("arguments")
                .or_else(|| n.child_by_field_name("value"));
            callee.is_some_and(|c| is_constructor(ctx, c)) && args.is_some_and(all_children)
        }
        _ => false,
    }
}

/// Functions and macros that build a value from their arguments alone.
const PURE_CONSTRUCTORS: &[&str] = &[
    "QStringLiteral",
    "QByteArrayLiteral",
    "QLatin1String",
    "QLatin1StringView",
    "QLatin1Char",
    "QChar",
    "QString",
    "QString::fromLatin1",
    "QString::fromUtf8",
    "QRegularExpression::anchoredPattern",
    "QRegularExpression::escape",
    "std::string",
    "std::string_view",
    "std::regex",
    "std::wregex",
    "Regex::new",
    "RegexBuilder::new",
    "String::from",
    "PathBuf::from",
];

/// Whether calling `callee` constructs a value from its arguments: a known
/// pure constructor, a type of the project (or a template of std's), or in
/// Rust an associated `new` of a CamelCase type or a tuple-struct or enum
/// variant (`Kind::Parse(…)`).
fn is_constructor<'a>(ctx: &MatchCtx<'a>, callee: Node<'a>) -> bool {
    let text = ctx.text(callee);
    if PURE_CONSTRUCTORS.contains(&text) {
        return true;
    }
    match (ctx.lang, callee.kind()) {
        (Lang::Cpp, "type_identifier" | "template_type") => true,
        (Lang::Cpp, "identifier" | "qualified_identifier") => {
            let scope = ctx.scope_at(callee);
            ctx.index.find_type(text, &scope).is_some()
                || (text.starts_with("std::") && is_std_value_type(text))
        }
        (Lang::Cpp, "template_function") => false,
        (Lang::Rust, "scoped_identifier") => {
            let last = text.rsplit("::").next().unwrap_or(text);
            let owner = text.rsplit("::").nth(1).unwrap_or("");
            let camel = |w: &str| w.starts_with(|c: char| c.is_ascii_uppercase());
            (last == "new" && camel(owner)) || camel(last)
        }
        (Lang::Rust, "identifier") => text.starts_with(|c: char| c.is_ascii_uppercase()),
        _ => false,
    }
}

/// std types whose construction from constants is itself constant.
fn is_std_value_type(name: &str) -> bool {
    let base = name.split('<').next().unwrap_or(name);
    matches!(
        base,
        "std::string"
            | "std::wstring"
            | "std::string_view"
            | "std::vector"
            | "std::array"
            | "std::map"
            | "std::set"
            | "std::unordered_map"
            | "std::unordered_set"
            | "std::pair"
            | "std::tuple"
            | "std::regex"
            | "std::wregex"
            | "std::initializer_list"
    )
}

/// `no-side-effects(@expr)`: evaluating the expression changes nothing and
/// cannot fail: literals, variables, field accesses, references, arithmetic,
/// and calls of known pure constructors and conversions (`format!`,
/// `to_string`, `String::from`, `Vec::new`, `vec!`, `clone`, `to_owned`,
/// `std::string(…)`). Deferring it (`unwrap_or` → `unwrap_or_else`) or
/// skipping it then changes no behaviour.
pub fn no_side_effects(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(node) = ctx.node(&args[0]) else {
        return false;
    };
    is_pure(ctx, node, 0)
}

const PURE_METHODS: &[&str] = &[
    "to_string",
    "to_owned",
    "clone",
    "to_vec",
    "into",
    "as_str",
    "as_ref",
    "len",
    "is_empty",
    "to_lowercase",
    "to_uppercase",
    "trim",
    "join",
    "concat",
    "c_str",
    "size",
    "empty",
    "substr",
];

const PURE_PATHS: &[&str] = &[
    "String::new",
    "String::from",
    "String::with_capacity",
    "Vec::new",
    "Vec::with_capacity",
    "HashMap::new",
    "HashSet::new",
    "BTreeMap::new",
    "BTreeSet::new",
    "VecDeque::new",
    "PathBuf::from",
    "Box::new",
    "Some",
    "Ok",
    "Err",
    "std::string",
    "std::to_string",
    "std::vector",
];

fn is_pure<'a>(ctx: &MatchCtx<'a>, n: Node<'a>, depth: usize) -> bool {
    if depth > 12 {
        return false;
    }
    let all_children = |n: Node<'a>| {
        let mut c = n.walk();
        let kids: Vec<Node> = n.named_children(&mut c).collect();
        kids.into_iter().all(|k| is_pure(ctx, k, depth + 1))
    };
    match n.kind() {
        "identifier" | "self" | "this" | "field_identifier" | "type_identifier" => true,
        "field_expression" => {
            let obj = n
                .child_by_field_name("value")
                .or_else(|| n.child_by_field_name("argument"));
            obj.is_none_or(|o| is_pure(ctx, o, depth + 1))
        }
        "macro_invocation" => {
            let mac = n
                .child_by_field_name("macro")
                .map(|m| ctx.text(m))
                .unwrap_or("");
            matches!(mac, "format" | "vec" | "concat" | "stringify")
                && n.named_child(1).is_none_or(|tt| pure_tokens(ctx, tt))
        }
        "call_expression" => {
            let Some(func) = n.child_by_field_name("function") else {
                return false;
            };
            let args_pure = n.child_by_field_name("arguments").is_none_or(all_children);
            let callee_pure = match func.kind() {
                "field_expression" => {
                    let method = func
                        .child_by_field_name("field")
                        .map(|f| ctx.text(f))
                        .unwrap_or("");
                    PURE_METHODS.contains(&method) && is_pure(ctx, func, depth + 1)
                }
                "scoped_identifier" | "qualified_identifier" | "identifier" => {
                    let text = ctx.text(func);
                    let last = text.rsplit("::").next().unwrap_or(text);
                    // A tuple struct or enum variant builds a value:
                    // `Error::InvalidArgument(…)`, `Some(…)`.
                    let variant = ctx.lang == Lang::Rust
                        && last.starts_with(|c: char| c.is_ascii_uppercase());
                    PURE_PATHS.contains(&text) || variant
                }
                _ => false,
            };
            callee_pure && args_pure
        }
        "assignment_expression" | "compound_assignment_expr" | "update_expression" => false,
        _ if is_constant(ctx, n, depth) => true,
        "reference_expression"
        | "unary_expression"
        | "binary_expression"
        | "parenthesized_expression"
        | "arguments"
        | "argument_list"
        | "tuple_expression"
        | "array_expression"
        | "index_expression"
        | "subscript_expression" => all_children(n),
        _ => false,
    }
}

/// A macro's token tree holds no call that could have an effect: only
/// literals, names, `.`-accesses to names and punctuation.
fn pure_tokens(ctx: &MatchCtx<'_>, tt: Node<'_>) -> bool {
    let text = ctx.text(tt);
    // A call inside the arguments (`format!("{}", f())`) may do anything,
    // except the pure conversions.
    let mut rest = text;
    while let Some(i) = rest.find('(') {
        let before = rest[..i].trim_end();
        let word_start = before
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(0, |p| p + 1);
        let word = &before[word_start..];
        if !word.is_empty() && !PURE_METHODS.contains(&word) {
            return false;
        }
        rest = &rest[i + 1..];
    }
    !text.contains('=') || text.contains("==")
}

/// Methods whose result is an `Option` whatever std receiver they are
/// called on.
const OPTION_METHODS: &[&str] = &[
    "get",
    "get_mut",
    "first",
    "last",
    "first_mut",
    "last_mut",
    "pop",
    "pop_front",
    "pop_back",
    "next",
    "next_back",
    "peek",
    "find",
    "find_map",
    "position",
    "rposition",
    "max",
    "min",
    "max_by",
    "min_by",
    "max_by_key",
    "min_by_key",
    "nth",
    "ok",
    "err",
    "checked_add",
    "checked_sub",
    "checked_mul",
    "checked_div",
    "strip_prefix",
    "strip_suffix",
    "split_once",
    "rsplit_once",
    "to_str",
    "file_name",
    "file_stem",
    "extension",
    "parent",
    "last_mut",
    "get_key_value",
    "remove_entry",
];

/// Methods whose result is a `Result` whatever std receiver they are called on.
const RESULT_METHODS: &[&str] = &[
    "parse",
    "try_into",
    "try_from",
    "map_err",
    "canonicalize",
    "read_to_string",
];

/// Free and associated functions whose result kind is fixed.
const RESULT_PATHS: &[&str] = &[
    "env::var",
    "std::env::var",
    "fs::read_to_string",
    "std::fs::read_to_string",
    "fs::read",
    "std::fs::read",
    "File::open",
    "File::create",
    "fs::canonicalize",
    "std::fs::canonicalize",
    "fs::metadata",
    "std::fs::metadata",
];
const OPTION_PATHS: &[&str] = &["env::var_os", "std::env::var_os"];

/// Adapters that keep an Option an Option and a Result a Result.
const KIND_PRESERVING: &[&str] = &[
    "map",
    "and_then",
    "or",
    "or_else",
    "as_ref",
    "as_mut",
    "as_deref",
    "as_deref_mut",
    "cloned",
    "copied",
    "inspect",
    "flatten",
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Option,
    Result,
}

/// `option-or-result(@expr)`: the Rust expression is evidently an `Option`
/// (binds `closure` to `||`) or a `Result` (binds `closure` to `|_|`): from
/// its type, or from std calls whose result kind is fixed (`get`, `first`,
/// `parse`, `env::var`…) and the adapters that keep it (`map`, `or`…).
/// Method names count only when the receiver is not a project type (whose
/// `get` may return anything).
pub fn option_or_result(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(e) = ctx.node(&args[0]) else {
        return false;
    };
    match kind_of(ctx, e, 0) {
        Some(Kind::Option) => {
            ctx.bind("closure", "||");
            true
        }
        Some(Kind::Result) => {
            ctx.bind("closure", "|_|");
            true
        }
        None => false,
    }
}

fn kind_of<'a>(ctx: &MatchCtx<'a>, e: Node<'a>, depth: usize) -> Option<Kind> {
    if depth > 8 {
        return None;
    }
    let by_type = |t: &Ty| match t.short() {
        "Option" => Some(Kind::Option),
        "Result" => Some(Kind::Result),
        _ => None,
    };
    let known = match e.kind() {
        "identifier" => ctx.var_type(e),
        _ => ctx.expr_type(e),
    };
    if let Some(k) = known.as_ref().and_then(by_type) {
        return Some(k);
    }
    if known
        .as_ref()
        .is_some_and(|t| !t.is_unknown() && t.base != "_")
    {
        return None; // a type we know, and it is neither
    }
    match e.kind() {
        "parenthesized_expression" => kind_of(ctx, e.named_child(0)?, depth + 1),
        // A local whose type is left to inference: what its value is.
        "identifier" => {
            let d = super::flow::decl(ctx, e)
                .filter(|d| d.node.kind() == "let_declaration" && d.pattern.is_empty())?;
            kind_of(ctx, d.init?, depth + 1)
        }
        "try_expression" => None,
        "call_expression" => {
            let func = e.child_by_field_name("function")?;
            match func.kind() {
                "field_expression" => {
                    let recv = func.child_by_field_name("value")?;
                    let method = ctx.text(func.child_by_field_name("field")?);
                    // A project type's methods say nothing by their names.
                    let project_receiver = ctx
                        .expr_type(recv)
                        .is_some_and(|t| ctx.index.type_by_qualified(&t.base).is_some());
                    if KIND_PRESERVING.contains(&method) {
                        return kind_of(ctx, recv, depth + 1);
                    }
                    if project_receiver {
                        return None;
                    }
                    if OPTION_METHODS.contains(&method) {
                        Some(Kind::Option)
                    } else if RESULT_METHODS.contains(&method) {
                        Some(Kind::Result)
                    } else {
                        None
                    }
                }
                "generic_function" => {
                    // `s.parse::<u32>()`
                    let inner = func.child_by_field_name("function")?;
                    let method = ctx.text(inner.child_by_field_name("field")?);
                    RESULT_METHODS.contains(&method).then_some(Kind::Result)
                }
                "scoped_identifier" | "identifier" => {
                    let path = ctx.text(func);
                    if RESULT_PATHS.contains(&path) {
                        Some(Kind::Result)
                    } else if OPTION_PATHS.contains(&path) {
                        Some(Kind::Option)
                    } else {
                        None
                    }
                }
                _ => None,
            }
        }
        _ => None,
    }
}
