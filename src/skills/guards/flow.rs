//! Guards whose meaning is the same in C++ and Rust.

use tree_sitter::Node;

use crate::lang::Lang;
use crate::skills::call::Arg;
use crate::skills::context::MatchCtx;
use crate::skills::syntax::{self, contains, descendants, text, uses, Decl};

/// The variable a capture names: an identifier, or `self.f` / `this->f` / `obj.f`.
fn var_name<'a>(ctx: &MatchCtx<'a>, node: Node<'_>) -> &'a str {
    ctx.text(node)
}

/// The declaration a captured name stands for: the one it introduces itself,
/// else the one visible where it is used.
pub(crate) fn decl<'a>(ctx: &MatchCtx<'a>, node: Node<'a>) -> Option<Decl<'a>> {
    // A capture may be the declaring name itself (`std::string line;`): that
    // declaration is the evidence. A lookup only searches *before* a use, so
    // it would find an older, shadowed declaration or none.
    ctx.decls
        .declared_here(ctx.root, ctx.lang, node, ctx.src)
        .map(|mut d| {
            d.is_global = ctx
                .decls
                .function_at(ctx.root, ctx.lang, node, ctx.src)
                .is_none();
            d
        })
        .or_else(|| {
            ctx.decls
                .declaration(ctx.root, ctx.lang, node, var_name(ctx, node), ctx.src)
        })
}

/// Uses of a variable in its function, without the declaring identifier.
pub(super) fn uses_in_function<'a>(ctx: &MatchCtx<'a>, node: Node<'a>) -> Vec<Node<'a>> {
    let name = var_name(ctx, node);
    let scope = ctx.function_scope(node);
    let declaring: Vec<Node> = syntax::named_leaves(scope, name, ctx.src)
        .into_iter()
        .filter(|n| n.kind() == "identifier")
        .filter(|n| syntax::declared_by(ctx.lang, *n, ctx.src, false).is_some())
        .collect();
    uses(ctx.lang, scope, name, ctx.src)
        .into_iter()
        .filter(|u| !declaring.contains(u))
        .collect()
}

pub fn owned_local(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(node) = ctx.node(&args[0]) else {
        return false;
    };
    let Some(d) = decl(ctx, node) else {
        return false;
    };
    let owned =
        !d.is_indirect || (ctx.lang == Lang::Cpp && super::cpp::is_rvalue_ref_param(ctx, &d));
    !d.is_global && owned && !d.is_static && !d.is_const && d.ty.is_some()
}

/// True when some loop or closure encloses `at` but not `decl`: then the code
/// at `at` can run several times for one declaration.
fn repeats_relative_to(lang: Lang, at: Node<'_>, decl: Node<'_>) -> bool {
    let mut cur = at.parent();
    while let Some(n) = cur {
        if contains(n, decl) {
            return false;
        }
        if lang.is_loop(n.kind()) || matches!(n.kind(), "closure_expression" | "lambda_expression")
        {
            return true;
        }
        cur = n.parent();
    }
    false
}

pub fn not_used_after(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(var), Some(at)) = (ctx.node(&args[0]), ctx.node(&args[1])) else {
        return false;
    };
    let Some(d) = decl(ctx, var) else {
        return false;
    };
    if repeats_relative_to(ctx.lang, at, d.node) {
        return false;
    }
    let scope = ctx.function_scope(at);
    if ctx.lang == Lang::Cpp
        && syntax::named_leaves(scope, "goto", ctx.src)
            .iter()
            .any(|n| n.parent().is_some_and(|p| p.kind() == "goto_statement"))
    {
        return false;
    }
    uses_in_function(ctx, var)
        .iter()
        .all(|u| u.start_byte() < at.end_byte())
}

pub fn only_use(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(var), Some(the_use)) = (ctx.node(&args[0]), ctx.node(&args[1])) else {
        return false;
    };
    let all = uses_in_function(ctx, var);
    all.len() == 1 && all[0] == the_use
}

pub fn mentioned_once(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(var), Some(within)) = (ctx.node(&args[0]), ctx.node(&args[1])) else {
        return false;
    };
    uses(ctx.lang, within, ctx.text(var), ctx.src).len() == 1
}

pub fn not_used_outside(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(var), Some(within)) = (ctx.node(&args[0]), ctx.node(&args[1])) else {
        return false;
    };
    let scope = ctx.function_scope(var);
    uses(ctx.lang, scope, ctx.text(var), ctx.src)
        .iter()
        .all(|u| contains(within, *u))
}

/// Whether `name` is assigned, incremented or mutated through a method call
/// inside `node`.
pub(super) fn written_in(ctx: &MatchCtx<'_>, node: Node<'_>, name: &str) -> bool {
    let as_variable = uses(ctx.lang, node, name, ctx.src)
        .into_iter()
        .any(|u| is_write(ctx.lang, u, ctx.src));
    // As a member (`this->n`, `self.items`, `cfg.parts`): the whole access
    // is what may be written.
    as_variable
        || syntax::named_leaves(node, name, ctx.src)
            .into_iter()
            .filter(|leaf| leaf.kind() == "field_identifier")
            .filter_map(|leaf| leaf.parent())
            .any(|access| is_write(ctx.lang, access, ctx.src))
}

/// A conservative "this use may change the variable" test.
pub(super) fn is_write(lang: Lang, u: Node<'_>, src: &str) -> bool {
    let Some(p) = u.parent() else { return false };
    match p.kind() {
        "assignment_expression" | "compound_assignment_expr" => {
            p.child_by_field_name("left") == Some(u)
        }
        "update_expression" => true,
        // `&mut v` (Rust) and `&v` (C++) hand out a way to change it.
        "reference_expression" => lang == Lang::Rust && text(p, src).starts_with("&mut"),
        "pointer_expression" => lang == Lang::Cpp && text(p, src).starts_with('&'),
        "field_expression" => {
            // A method call on it: only known read-only methods are not writes.
            let Some(field) = p.child_by_field_name("field") else {
                return true;
            };
            let is_call = syntax::call_of(p).is_some();
            if !is_call {
                return is_write(lang, p, src);
            }
            !READ_ONLY_METHODS.contains(&text(field, src))
        }
        _ => false,
    }
}

/// Methods that never change the object they are called on, in both
/// languages' standard libraries.
pub(super) const READ_ONLY_METHODS: &[&str] = &[
    "size",
    "len",
    "length",
    "empty",
    "is_empty",
    "capacity",
    "c_str",
    "find",
    "rfind",
    "count",
    "contains",
    "starts_with",
    "ends_with",
    "substr",
    "compare",
    "iter",
    "chars",
    "bytes",
    "lines",
    "get",
    "first",
    "last",
    "as_str",
    "as_slice",
    "as_bytes",
    "to_string",
    "to_owned",
    "clone",
    "cbegin",
    "cend",
    "keys",
    "values",
    "find_first_of",
    "find_last_of",
    "find_first_not_of",
    "find_last_not_of",
    "trim",
    "split",
    "to_vec",
    // std's const accessors.
    "what",
    "code",
    "message",
    "category",
    "has_value",
    "use_count",
    "cbegin",
    "cend",
    "crbegin",
    "crend",
    "max_size",
    "key_comp",
    "value_comp",
    "hash_function",
    "bucket_count",
    "load_factor",
    "lower_bound",
    "upper_bound",
    "equal_range",
    // Qt's const accessors.
    "isEmpty",
    "isNull",
    "isValid",
    "constBegin",
    "constEnd",
    "constData",
    "indexOf",
    "lastIndexOf",
    "startsWith",
    "endsWith",
    "toStdString",
    "toUtf8",
    "toLatin1",
    "toLocal8Bit",
    "toLower",
    "toUpper",
    "trimmed",
    "simplified",
    "left",
    "right",
    "mid",
    "join",
    "pattern",
    "match",
    "globalMatch",
    "toInt",
    "toDouble",
    "toLongLong",
    "toUInt",
    "toBool",
    "toString",
    "keys",
    "values",
];

pub fn no_method_call(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(var) = ctx.node(&args[0]) else {
        return false;
    };
    let methods: Vec<&str> = ctx.word(&args[1]).split('|').collect();
    let scope = ctx.function_scope(var);
    !uses(ctx.lang, scope, ctx.text(var), ctx.src)
        .into_iter()
        .any(|u| {
            u.parent().is_some_and(|p| {
                p.kind() == "field_expression"
                    && p.child_by_field_name("field")
                        .is_some_and(|f| methods.contains(&ctx.text(f)))
            })
        })
}

pub fn not_moved(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(var), Some(within)) = (ctx.node(&args[0]), ctx.node(&args[1])) else {
        return false;
    };
    syntax::bound_names(var).into_iter().all(|name| {
        let all = uses(ctx.lang, within, ctx.text(name), ctx.src);
        match ctx.lang {
            Lang::Cpp => all.into_iter().all(|u| !super::cpp::is_moved(ctx, u)),
            Lang::Rust => all
                .into_iter()
                .all(|u| u == name || !super::rust::is_moved(ctx, u)),
        }
    })
}

pub fn no_address_taken(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let (Some(var), Some(within)) = (ctx.node(&args[0]), ctx.node(&args[1])) else {
        return false;
    };
    uses(ctx.lang, within, ctx.text(var), ctx.src)
        .into_iter()
        .all(|u| {
            let Some(p) = u.parent() else { return true };
            let taken = match ctx.lang {
                Lang::Cpp => p.kind() == "pointer_expression" && ctx.text(p).starts_with('&'),
                Lang::Rust => false, // the borrow checker already forbids escaping borrows
            };
            // Binding a reference (`T& r = v;`) also lets the object be observed later.
            let ref_bound = ctx.lang == Lang::Cpp
                && p.kind() == "init_declarator"
                && p.child_by_field_name("declarator")
                    .is_some_and(|d| d.kind() == "reference_declarator");
            !taken && !ref_bound
        })
}

pub fn parent_is(ctx: &mut MatchCtx<'_>, args: &[Arg]) -> bool {
    let Some(node) = ctx.node(&args[0]) else {
        return false;
    };
    let kinds: Vec<&str> = ctx.word(&args[1]).split('|').collect();
    node.parent().is_some_and(|p| kinds.contains(&p.kind()))
}

/// Identifiers mentioned in an expression, in order, without duplicates.
pub(super) fn identifiers_in(node: Node<'_>, src: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in descendants(node) {
        if n.kind() == "identifier" {
            let t = text(n, src).to_string();
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::HashMap;

    use streaming_iterator::StreamingIterator;
    use tree_sitter::{Query, QueryCursor};

    use crate::lang::Lang;
    use crate::skills::call::parse_call;
    use crate::skills::context::MatchCtx;
    use crate::skills::guards as guard;
    use crate::skills::types::TypeFamilies;

    /// Run `guard_call` on every match of `query` in `src`: whether it held,
    /// and the binding `name` when it did.
    fn run_all(
        lang: Lang,
        src: &str,
        query: &str,
        guard_call: &str,
        name: &str,
    ) -> Vec<(bool, Option<String>)> {
        let types = TypeFamilies::parse(include_str!("../../../rewrites/types.toml")).unwrap();
        let tree = lang.parse(src);
        let q = Query::new(&lang.grammar(), query).unwrap();
        let call = parse_call(guard_call).unwrap();
        let def = guard::validate(&call).unwrap();
        let mut cursor = QueryCursor::new();
        let mut it = cursor.matches(&q, tree.root_node(), src.as_bytes());
        let index = crate::index::FileIndex::standalone(lang, &tree, src);
        let mut ctx = MatchCtx::new(lang, src, tree.root_node(), &types, &index);
        let mut out = Vec::new();
        while let Some(m) = it.next() {
            ctx.captures = HashMap::new();
            ctx.bindings = HashMap::new();
            for c in m.captures() {
                ctx.captures
                    .insert(q.capture_names()[c.index as usize].to_string(), c.node);
            }
            let ok = guard::run(&call, def, &mut ctx);
            out.push((ok, ctx.bindings.get(name).cloned()));
        }
        out
    }

    /// Evaluate `guard_call` on every match of `query` in `src`; one bool a match.
    pub fn eval(lang: Lang, src: &str, query: &str, guard_call: &str) -> Vec<bool> {
        run_all(lang, src, query, guard_call, "")
            .into_iter()
            .map(|(ok, _)| ok)
            .collect()
    }

    /// Like `eval`, returning the binding `name` when the guard holds.
    pub fn binding(
        lang: Lang,
        src: &str,
        query: &str,
        guard_call: &str,
        name: &str,
    ) -> Vec<Option<String>> {
        run_all(lang, src, query, guard_call, name)
            .into_iter()
            .map(|(ok, b)| b.filter(|_| ok))
            .collect()
    }

    const RUST_CLONE: &str = "(call_expression function: (field_expression value: (identifier) @var field: (field_identifier) @m) (#eq? @m \"clone\")) @call";

    #[test]
    fn not_used_after_sees_later_uses_loops_and_inline_format_captures() {
        let src = "fn a() { let s = String::new(); take(s.clone()); }\n\
                   fn b() { let s = String::new(); take(s.clone()); println!(\"{s}\"); }\n\
                   fn c() { let s = String::new(); for _ in 0..2 { take(s.clone()); } }\n\
                   fn d() { let s = String::new(); let f = || take(s.clone()); f(); }";
        assert_eq!(
            eval(Lang::Rust, src, RUST_CLONE, "not-used-after(@var, @call)"),
            vec![true, false, false, false]
        );
    }

    #[test]
    fn cpp_not_used_after_refuses_functions_with_goto() {
        let src = "void f() { std::string s; g(s); }\nvoid h() { std::string s; again: g(s); goto again; }";
        let q = "(call_expression arguments: (argument_list (identifier) @var)) @call";
        assert_eq!(
            eval(Lang::Cpp, src, q, "not-used-after(@var, @call)"),
            vec![true, false]
        );
    }

    #[test]
    fn owned_local_rejects_references_globals_and_consts() {
        let src = "fn a(p: &String) { p.clone(); }\nfn b(p: String) { p.clone(); }\nfn c() { let v = vec![1]; v.clone(); }\nfn d() { let v = make(); v.clone(); }";
        assert_eq!(
            eval(Lang::Rust, src, RUST_CLONE, "owned-local(@var)"),
            vec![false, true, true, false]
        );
        let cpp = "std::string g;\nvoid a() { const std::string c; use(c); use(g); std::string l; use(l); }";
        let q = "(call_expression arguments: (argument_list (identifier) @var))";
        assert_eq!(
            eval(Lang::Cpp, cpp, q, "owned-local(@var)"),
            vec![false, false, true]
        );
    }

    #[test]
    fn declared_type_needs_evidence() {
        let src = "using namespace std;\nvoid f(const std::string& a, std::vector<int> b, string c, auto d, Widget e) { use(a); use(b); use(c); use(d); use(e); use(z); }";
        let q = "(call_expression arguments: (argument_list (identifier) @var))";
        assert_eq!(
            eval(Lang::Cpp, src, q, "declared-type(@var, string)"),
            vec![true, false, true, false, false, false]
        );
        assert_eq!(
            eval(Lang::Cpp, src, q, "declared-type(@var, expensive)"),
            vec![true, true, true, false, false, false]
        );
    }

    #[test]
    fn declared_type_reads_struct_fields_through_self() {
        let src = "struct W { out: String, n: usize }\nimpl W { fn f(&mut self) { self.out.push_str(\"x\"); self.n.push_str(\"y\"); } }";
        let q = "(call_expression function: (field_expression value: (field_expression) @recv))";
        assert_eq!(
            eval(Lang::Rust, src, q, "declared-type(@recv, string_mut)"),
            vec![true, false]
        );
    }

    #[test]
    fn only_use_and_mentioned_once() {
        let src = "fn f() { let v: Vec<u8> = it.collect(); for x in v {} }\nfn g() { let v: Vec<u8> = it.collect(); for x in v {} v.len(); }";
        let q = "(for_expression value: (identifier) @use) @loop";
        let q_full = format!("(function_item body: (block (let_declaration pattern: (identifier) @var) (expression_statement {q})))");
        assert_eq!(
            eval(Lang::Rust, src, &q_full, "only-use(@var, @use)"),
            vec![true, false]
        );
        let cpp = "void f(std::vector<int> v) { g(v, v.size()); h(v); }";
        let cq = "(call_expression arguments: (argument_list . (identifier) @var)) @call";
        assert_eq!(
            eval(Lang::Cpp, cpp, cq, "mentioned-once(@var, @call)"),
            vec![false, true]
        );
    }

    #[test]
    fn runs_once_per_iteration_rejects_conditionals_and_jumps() {
        let src = "void f(std::vector<int>& v, int n) {\n\
                   for (int i = 0; i < n; ++i) { v.push_back(i); }\n\
                   for (int i = 0; i < n; ++i) { if (i) v.push_back(i); }\n\
                   for (int i = 0; i < n; ++i) { v.push_back(i); if (i > 3) break; }\n\
                   for (int i = 0; i < n; ++i) { v.push_back(i); for (;;) { break; } }\n}";
        let q = "(for_statement body: (compound_statement (expression_statement (call_expression)) @stmt)) @loop";
        assert_eq!(
            eval(Lang::Cpp, src, q, "runs-once-per-iteration(@stmt, @loop)"),
            vec![true, false, true]
        );
    }

    #[test]
    fn loop_count_binds_invariant_trip_counts() {
        let cpp = "void f(std::size_t n, int m, const std::vector<int>& xs) {\n\
                   for (int i = 0; i < n; ++i) {}\n\
                   for (int i = 0; i < m; ++i) {}\n\
                   for (std::size_t i = 0; i < xs.size(); i++) {}\n\
                   for (int i = 1; i < n; ++i) {}\n\
                   for (int i = 0; i < n; ++i) { n--; }\n\
                   for (int x : xs) {}\n}";
        let q = "[(for_statement) (for_range_loop)] @loop";
        assert_eq!(
            binding(Lang::Cpp, cpp, q, "loop-count(@loop)", "count"),
            vec![
                Some("n".into()),
                Some("m > 0 ? m : 0".into()),
                Some("xs.size()".into()),
                None,
                None,
                Some("xs.size()".into())
            ]
        );
        let rs = "fn f(n: usize, k: u32, xs: &[u8]) {\n for i in 0..n {}\n for i in 0..k {}\n for x in xs {}\n for x in xs.iter() {}\n for i in 0..10 {}\n for i in 0..=n {}\n}";
        assert_eq!(
            binding(
                Lang::Rust,
                rs,
                "(for_expression) @loop",
                "loop-count(@loop)",
                "count"
            ),
            vec![
                Some("n".into()),
                None,
                Some("xs.len()".into()),
                Some("xs.len()".into()),
                Some("10".into()),
                None
            ]
        );
    }

    #[test]
    fn loop_count_at_a_point_needs_the_bound_declared_there() {
        let rs = "fn f(xs: &[u8]) { let mut v = Vec::new(); let n = xs.len(); for i in 0..n { v.push(i); } }\n\
                  fn g(n: usize) { let mut v = Vec::new(); for i in 0..n { v.push(i); } }";
        let q = "(block (let_declaration pattern: (identifier) @v) @decl (expression_statement (for_expression) @loop))";
        let got = binding(Lang::Rust, rs, q, "loop-count(@loop, @decl)", "count");
        assert_eq!(got.iter().filter(|g| g.is_some()).count(), 1, "{got:?}");
        assert!(got.contains(&Some("n".to_string())));
    }

    #[test]
    fn not_moved_and_no_address_taken_in_cpp() {
        let src = "void f() { for (;;) { std::string a; use(a); }\n for (;;) { std::string b; out.push_back(std::move(b)); }\n for (;;) { std::string c; ptrs.push_back(&c); }\n for (;;) { std::string d; std::string& r = d; } }";
        let q = "(for_statement body: (compound_statement (declaration declarator: (identifier) @var))) @loop";
        assert_eq!(
            eval(Lang::Cpp, src, q, "not-moved(@var, @loop)"),
            vec![true, false, true, true]
        );
        assert_eq!(
            eval(Lang::Cpp, src, q, "no-address-taken(@var, @loop)"),
            vec![true, true, false, false]
        );
    }

    #[test]
    fn rust_not_moved_allows_borrows_and_format_macros() {
        let src = "fn f() { loop { let mut a = String::new(); a.push('x'); out(&a); println!(\"{}\", a); }\n loop { let mut b = String::new(); all.push(b); }\n loop { let mut c = Vec::new(); let x = c.into_iter(); } }";
        let q = "(loop_expression body: (block (let_declaration (mutable_specifier) pattern: (identifier) @var))) @loop";
        assert_eq!(
            eval(Lang::Rust, src, q, "not-moved(@var, @loop)"),
            vec![true, false, false]
        );
    }

    #[test]
    fn not_used_outside_and_no_method_call() {
        let src = "fn f() { let x = 1; for _ in 0..2 { let mut x = String::new(); } }\nfn g() { for _ in 0..2 { let mut y = String::new(); y.reserve(3); } }";
        let q = "(for_expression body: (block (let_declaration pattern: (identifier) @var))) @loop";
        assert_eq!(
            eval(Lang::Rust, src, q, "not-used-outside(@var, @loop)"),
            vec![false, true]
        );
        assert_eq!(
            eval(
                Lang::Rust,
                src,
                q,
                "no-method-call(@var, reserve|shrink_to_fit)"
            ),
            vec![true, false]
        );
    }

    #[test]
    fn in_loop_and_parent_is() {
        let src = "void f() { std::cout << std::endl; while (1) { std::cout << std::endl; } }";
        let q = "(qualified_identifier name: (identifier) @n (#eq? @n \"endl\")) @endl";
        assert_eq!(eval(Lang::Cpp, src, q, "in-loop(@endl)"), vec![false, true]);
        assert_eq!(
            eval(Lang::Cpp, src, q, "parent-is(@endl, binary_expression)"),
            vec![true, true]
        );
    }
}

#[cfg(test)]
mod declaration_tests {
    use super::super::testutil::{find, run};
    use crate::lang::Lang;

    #[test]
    fn declared_type_accepts_the_declaring_name_itself() {
        let src =
            "int line;\nvoid f() {\n  for (;;) {\n    std::string line;\n    use(line);\n  }\n}\n";
        let tree = Lang::Cpp.parse(src);
        let declaring = find(&tree, src, "identifier", "line", 1);
        let used = find(&tree, src, "identifier", "line", 2);
        for node in [declaring, used] {
            assert!(run(Lang::Cpp, src, "declared-type(@v, string)", &[("v", node)]).0);
        }
        // The file-scope `int line` is its own evidence too, and not a string.
        let global = find(&tree, src, "identifier", "line", 0);
        assert!(
            !run(
                Lang::Cpp,
                src,
                "declared-type(@v, string)",
                &[("v", global)]
            )
            .0
        );
        assert!(
            run(
                Lang::Cpp,
                src,
                "declared-type(@v, signed)",
                &[("v", global)]
            )
            .0
        );
    }

    #[test]
    fn declared_type_needs_a_declaration() {
        let src = "void f() { s = s + \"x\"; }";
        let tree = Lang::Cpp.parse(src);
        let s = find(&tree, src, "identifier", "s", 0);
        assert!(!run(Lang::Cpp, src, "declared-type(@v, string)", &[("v", s)]).0);
    }

    #[test]
    fn is_write_sees_assignments_updates_and_address_of() {
        use crate::skills::syntax::uses;
        let src = "void f() { v = 1; ++v; take(&v); v.push_back(1); v.size(); read(v); }";
        let tree = Lang::Cpp.parse(src);
        let writes: Vec<bool> = uses(Lang::Cpp, tree.root_node(), "v", src)
            .into_iter()
            .map(|u| super::is_write(Lang::Cpp, u, src))
            .collect();
        assert_eq!(writes, vec![true, true, true, true, false, false]);
        let rs = "fn f() { let r = &mut v; let s = &v; }";
        let rtree = Lang::Rust.parse(rs);
        let rwrites: Vec<bool> = uses(Lang::Rust, rtree.root_node(), "v", rs)
            .into_iter()
            .map(|u| super::is_write(Lang::Rust, u, rs))
            .collect();
        assert_eq!(rwrites, vec![true, false]);
    }
}
