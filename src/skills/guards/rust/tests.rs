//! Tests of the Rust guards.

use std::collections::HashMap;

use tree_sitter::Node;

use super::format::placeholders;
use super::*;
use crate::lang::Lang;
use crate::skills::call::Arg;
use crate::skills::context::MatchCtx;
use crate::skills::syntax::descendants;
use crate::skills::types::TypeFamilies;

type Guard = fn(&mut MatchCtx<'_>, &[Arg]) -> bool;

/// Run `guard` on `src` with captures `a`, `b` (and `c`), each given as
/// (node kind, exact text, which occurrence counting from 0).
fn check(guard: Guard, src: &str, caps: &[(&str, &str, usize)]) -> bool {
    let tree = Lang::Rust.parse(src);
    let all = descendants(tree.root_node());
    let types = TypeFamilies::default();
    let mut captures = HashMap::new();
    let names = ["a", "b", "c"];
    for (name, (kind, txt, nth)) in names.iter().zip(caps) {
        let found = all
            .iter()
            .filter(|n| n.kind() == *kind && text_of(**n, src) == *txt)
            .nth(*nth);
        let node = found.unwrap_or_else(|| panic!("no {kind} `{txt}` #{nth} in {src}"));
        captures.insert(name.to_string(), *node);
    }
    let root = crate::skills::syntax::root_of(*captures.values().next().expect("a capture"));
    let index = crate::index::FileIndex::standalone(Lang::Rust, &tree, src);
    let mut ctx = MatchCtx::new(Lang::Rust, src, root, &types, &index);
    ctx.captures = captures;
    let args: Vec<Arg> = names[..caps.len()]
        .iter()
        .map(|n| Arg::Capture(n.to_string()))
        .collect();
    guard(&mut ctx, &args)
}

fn text_of<'s>(n: Node<'_>, src: &'s str) -> &'s str {
    &src[n.byte_range()]
}

const CLONE: &str = "call_expression";

#[test]
fn no_live_borrow_allows_finished_borrows_only() {
    let ok = "fn f() { let x = String::new(); x.len(); println!(\"{}\", x); let y = x.clone(); }";
    assert!(check(
        no_live_borrow,
        ok,
        &[("identifier", "x", 3), (CLONE, "x.clone()", 0)]
    ));
    let held = "fn f() { let x = String::new(); let s = x.as_str(); let y = x.clone(); g(s); }";
    assert!(!check(
        no_live_borrow,
        held,
        &[("identifier", "x", 2), (CLONE, "x.clone()", 0)]
    ));
    let pushed =
        "fn f(v: &mut Vec<&String>) { let x = String::new(); v.push(&x); let y = x.clone(); }";
    assert!(!check(
        no_live_borrow,
        pushed,
        &[("identifier", "x", 2), (CLONE, "x.clone()", 0)]
    ));
    let same_stmt = "fn f() { let mut a = vec![1]; a.extend(a.clone()); }";
    assert!(!check(
        no_live_borrow,
        same_stmt,
        &[("identifier", "a", 2), (CLONE, "a.clone()", 0)]
    ));
    let closure = "fn f() { let x = String::new(); let c = || x.len(); let y = x.clone(); c(); }";
    assert!(!check(
        no_live_borrow,
        closure,
        &[("identifier", "x", 2), (CLONE, "x.clone()", 0)]
    ));
}

#[test]
fn no_loop_borrow_into_sees_every_per_iteration_binding() {
    let owned = "fn f(ws: &[String]) { for w in ws { let mut s = String::new(); s.push_str(w); } }";
    assert!(check(
        no_loop_borrow_into,
        owned,
        &[
            ("identifier", "s", 0),
            ("for_expression", text_of_for(owned), 0)
        ]
    ));
    let nested = "fn f(ls: &[String]) { for l in ls { let u = l.to_uppercase(); let mut parts = Vec::new(); for p in u.split(' ') { parts.push(p); } } }";
    assert!(!check(
        no_loop_borrow_into,
        nested,
        &[
            ("identifier", "parts", 0),
            ("for_expression", text_of_for(nested), 0)
        ]
    ));
    let closure = "fn f(ls: &[String]) { for l in ls { let u = l.clone(); let mut parts = Vec::new(); u.split(' ').for_each(|p| parts.push(p)); } }";
    assert!(!check(
        no_loop_borrow_into,
        closure,
        &[
            ("identifier", "parts", 0),
            ("for_expression", text_of_for(closure), 0)
        ]
    ));
    let helper = "fn f(ls: &[String]) { for l in ls { let u = l.to_uppercase(); let mut parts = Vec::new(); fill(&mut parts, &u); } }";
    assert!(!check(
        no_loop_borrow_into,
        helper,
        &[
            ("identifier", "parts", 0),
            ("for_expression", text_of_for(helper), 0)
        ]
    ));
    let assigned = "fn f(ls: &[String]) { for l in ls { let u = l.to_uppercase(); let mut parts = Vec::new(); parts = u.split(' ').collect(); } }";
    assert!(!check(
        no_loop_borrow_into,
        assigned,
        &[
            ("identifier", "parts", 0),
            ("for_expression", text_of_for(assigned), 0)
        ]
    ));
    let iter_mut = "fn f(ls: &[String]) { for l in ls { let mut parts = Vec::new(); parts.push(\"\"); for p in parts.iter_mut() { *p = l; } } }";
    assert!(!check(
        no_loop_borrow_into,
        iter_mut,
        &[
            ("identifier", "parts", 0),
            ("for_expression", text_of_for(iter_mut), 0)
        ]
    ));
    let ints = "fn f(n: usize, m: usize) { for i in 0..n { let mut row = Vec::new(); for j in 0..m { row.push(i * j); } } }";
    assert!(check(
        no_loop_borrow_into,
        ints,
        &[
            ("identifier", "row", 0),
            ("for_expression", text_of_for(ints), 0)
        ]
    ));
}

/// The text of the outermost `for` loop in `src`.
fn text_of_for(src: &str) -> &str {
    let start = src.find("for ").expect("a for loop");
    let tree = Lang::Rust.parse(src);
    let node = tree
        .root_node()
        .descendant_for_byte_range(start, start + 3)
        .and_then(|n| n.parent())
        .expect("a node");
    &src[node.byte_range()]
}

#[test]
fn plain_display_arg_accepts_only_plain_to_string_paths() {
    let ok = "fn f() { println!(\"{} {}\", a.b.len().to_string(), c); }";
    let tree_text = |src: &str| -> String {
        let start = src.find("!(").expect("a macro") + 1;
        let end = src.rfind(");").expect("a macro end") + 1;
        src[start..end].to_string()
    };
    let run = |src: &str, recv: &str, dot: Option<usize>| {
        let tt = tree_text(src);
        let mut caps = vec![("token_tree", tt.as_str(), 0), ("identifier", recv, 0)];
        if let Some(n) = dot {
            caps.push((".", ".", n));
        }
        check(plain_display_arg, src, &caps)
    };
    assert!(run(ok, "a", None));
    assert!(run(ok, "a", Some(2)), "the `.` before to_string");
    assert!(!run(ok, "a", Some(0)), "another `.`");
    assert!(!run(ok, "c", None), "c has no to_string");
    assert!(!run(
        "fn f() { println!(\"{:?}\", a.to_string()); }",
        "a",
        None
    ));
    assert!(!run(
        "fn f() { println!(\"{:8}\", a.to_string()); }",
        "a",
        None
    ));
    assert!(!run(
        "fn f() { println!(\"{0} {}\", a.to_string()); }",
        "a",
        None
    ));
    assert!(!run(
        "fn f() { println!(\"{}\", b + a.to_string()); }",
        "b",
        None
    ));
    assert!(
        !run("fn f() { write!(a, \"{}\", a.to_string()); }", "a", None),
        "the write target"
    );
    assert!(run(
        "fn f() { write!(out, \"{}\", a.to_string()); }",
        "a",
        None
    ));
    assert!(run(
        "fn f() { println!(\"{}\", v[0].x.0.to_string()); }",
        "v",
        None
    ));
}

#[test]
fn lazy_safe_accepts_pure_std_chains_only() {
    let run = |src: &str, chain: &str| {
        let lp = &src[src.rfind("for ").expect("a loop")..src.rfind('}').expect("end")];
        let lp = lp.trim_end();
        check(
            lazy_safe,
            src,
            &[("call_expression", chain, 0), ("for_expression", lp, 0)],
        )
    };
    let ok = "fn f(xs: &[u32]) { let mut t = 0; let v: Vec<u32> = xs.iter().map(|x| x + 1).collect(); let mut k = 0; for a in v { t += a; k += 1; } }";
    assert!(run(ok, "xs.iter().map(|x| x + 1)"));
    let prints = "fn f(xs: &[u32]) { let v: Vec<u32> = xs.iter().map(|x| { println!(\"{}\", x); *x }).collect(); for a in v { g(a); } }";
    assert!(!run(
        prints,
        "xs.iter().map(|x| { println!(\"{}\", x); *x })"
    ));
    let par = "fn f(xs: &[u32]) { let v: Vec<u32> = xs.par_iter().map(|x| x + 1).collect(); for a in v { g(a); } }";
    assert!(!run(par, "xs.par_iter().map(|x| x + 1)"));
    let body = "fn f(xs: &mut Vec<u32>) { let v: Vec<u32> = xs.iter().copied().collect(); for a in v { xs.push(a); } }";
    assert!(!run(body, "xs.iter().copied()"));
    let between = "fn f(mut xs: Vec<u32>) { let v: Vec<u32> = xs.iter().copied().collect(); xs.push(1); for a in v { g(a); } }";
    assert!(!run(between, "xs.iter().copied()"));
    let panics = "fn f(xs: &[&str]) { let v: Vec<u32> = xs.iter().map(|s| s.parse().unwrap()).collect(); for a in v { g(a); } }";
    assert!(!run(panics, "xs.iter().map(|s| s.parse().unwrap())"));
    let sends = "fn f(xs: &[u32]) { let v: Vec<u32> = xs.iter().map(|x| tx.send(*x)).collect(); for a in v { g(a); } }";
    assert!(!run(sends, "xs.iter().map(|x| tx.send(*x))"));
    let reads = "fn f(xs: &[u32]) { let v: Vec<&u32> = xs.iter().filter(|x| set.contains(x)).collect(); for a in v { g(a); } }";
    assert!(run(reads, "xs.iter().filter(|x| set.contains(x))"));
    let channel = "fn f() { let v: Vec<u32> = rx.try_iter().collect(); for a in v { g(a); } }";
    assert!(!run(channel, "rx.try_iter()"));
    let own_field = "fn f(&mut self) { let v: Vec<u32> = self.xs.iter().copied().collect(); for a in v { self.ys.push(a); } }";
    assert!(
        !run(own_field, "self.xs.iter().copied()"),
        "the body touches `self`"
    );
}

#[test]
fn same_binding_sees_shadowing() {
    let src = "fn f(n: usize) { let mut v = Vec::new(); let w = 1; for i in 0..n { v.push(i); } }";
    assert!(check(
        same_binding,
        src,
        &[
            ("identifier", "v", 1),
            ("let_declaration", "let mut v = Vec::new();", 0)
        ]
    ));
    let shadowed = "fn f(n: usize) { let mut v = Vec::new(); let mut v = vec![0]; for i in 0..n { v.push(i); } }";
    assert!(!check(
        same_binding,
        shadowed,
        &[
            ("identifier", "v", 2),
            ("let_declaration", "let mut v = Vec::new();", 0)
        ]
    ));
    assert!(check(
        same_binding,
        shadowed,
        &[
            ("identifier", "v", 2),
            ("let_declaration", "let mut v = vec![0];", 0)
        ]
    ));
}

#[test]
fn root_not_mentioned_looks_into_macro_tokens() {
    let run = |src: &str, recv: (&str, &str), within: &str| {
        check(
            root_not_mentioned,
            src,
            &[(recv.0, recv.1, 0), ("token_tree", within, 0)],
        )
    };
    assert!(run(
        "fn f() { s.push_str(&format!(\"{}\", x)); }",
        ("identifier", "s"),
        "(\"{}\", x)"
    ));
    assert!(!run(
        "fn f() { s.push_str(&format!(\"{}\", s)); }",
        ("identifier", "s"),
        "(\"{}\", s)"
    ));
    assert!(!run(
        "fn f() { s.push_str(&format!(\"{s}\")); }",
        ("identifier", "s"),
        "(\"{s}\")"
    ));
    assert!(run(
        "fn f() { s.push_str(&format!(\"{}\", t.s)); }",
        ("identifier", "s"),
        "(\"{}\", t.s)"
    ));
    let field = "fn f(&mut self) { self.out.push_str(&format!(\"{}\", self.n)); }";
    assert!(!run(
        field,
        ("field_expression", "self.out"),
        "(\"{}\", self.n)"
    ));
    let other = "fn f(&mut self, n: u8) { self.out.push_str(&format!(\"{}\", n)); }";
    assert!(run(other, ("field_expression", "self.out"), "(\"{}\", n)"));
}

#[test]
fn reads_format_placeholders() {
    let p = placeholders("\"{} {:?} {{}} {name} {:>8}\"").unwrap();
    assert_eq!(
        p,
        vec![
            (false, String::new()),
            (false, "?".into()),
            (true, String::new()),
            (false, ">8".into())
        ]
    );
}

#[test]
fn only_read_as_slice_follows_a_let_to_every_mention() {
    const VEC: &str = "macro_invocation";
    let lit = "vec![\"a\", \"b\"]";
    let read = "fn f(k: &str) -> bool { let v = vec![\"a\", \"b\"]; for x in &v {} v.len() > 1 && v.contains(&k) && v[0] == k }";
    assert!(check(only_read_as_slice, read, &[(VEC, lit, 0)]));
    let in_place = "fn f() { for x in vec![\"a\", \"b\"] {} }";
    assert!(check(only_read_as_slice, in_place, &[(VEC, lit, 0)]));
    for kept in [
        "fn f() -> Vec<&'static str> { let v = vec![\"a\", \"b\"]; v }",
        "fn f(g: fn(&Vec<&str>)) { let v = vec![\"a\", \"b\"]; g(&v); }",
        "fn f() { let mut v = vec![\"a\", \"b\"]; v.iter(); }",
        "fn f() { let v: Vec<&str> = vec![\"a\", \"b\"]; v.iter(); }",
        "fn f() { let v = vec![\"a\", \"b\"]; v.iter(); println!(\"{v:?}\"); }",
        "fn f() { let v = vec![\"a\", \"b\"]; for x in v.into_iter() {} }",
        "fn f() { let v = vec![\"a\", \"b\"]; }",
        "fn f(g: fn(Vec<&str>)) { g(vec![\"a\", \"b\"]); }",
    ] {
        assert!(!check(only_read_as_slice, kept, &[(VEC, lit, 0)]), "{kept}");
    }
}
