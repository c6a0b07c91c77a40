//! Tests of the C++ guards.

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
        format!(
            "#include <algorithm>\nvoid f({params}) {{\n  for ({head}) {{ v.push_back(1); }}\n}}\n"
        )
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
    let bare =
        "void f(int a, int b) {\n  for (int i = 0; i < a && i < b; ++i) { v.push_back(i); }\n}\n";
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
    let only_ref =
        "void by_ref(const std::string& s);\nvoid f(std::string a) { by_ref(a); unknown(a); }\n";
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
        let got = crate::skills::guards::flow::tests::eval(Lang::Cpp, src, q, "std-name(@n)");
        assert_eq!(got.last(), Some(&expect), "{src}");
    }
}

#[test]
fn type_in_reads_the_written_type() {
    use crate::lang::Lang;
    let src =
        "using Names = std::vector<std::string>;\nvoid f(std::string a, int b, Names c, auto d) {}";
    let q = "(parameter_declaration type: (_) @t)";
    assert_eq!(
        crate::skills::guards::flow::tests::eval(Lang::Cpp, src, q, "type-in(@t, expensive)"),
        vec![true, false, true, true],
        "`auto` is left to declared-type"
    );
}

#[test]
fn structural_guards_capture_the_construct_around() {
    use crate::lang::Lang;
    let src = "void f() { for (;;) { std::string a; } { std::string b; } }\nconst std::string& g(std::string p) { return p; }\nvoid h(std::string q);";
    let decls = "(declaration declarator: (identifier)) @d";
    let eval = crate::skills::guards::flow::tests::eval;
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
