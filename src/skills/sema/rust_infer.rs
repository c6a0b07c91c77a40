//! Rust inference that follows what the compiler does implicitly: `?`
//! unwrapping an Option or a Result, method calls through smart pointers
//! and lock guards (auto-deref), the type of a `match`, and the element type
//! of an empty `Vec` that its first `push` decides.

use tree_sitter::Node;

use super::super::context::MatchCtx;
use super::super::syntax::Decl;
use crate::index::ty::Ty;

/// What `e?` yields: the success value of an Option or a Result. Only
/// those two (and `Poll`, left out) implement `Try` on stable Rust, so a
/// project type cannot be behind the `?`.
pub fn try_output(ty: &Ty) -> Option<Ty> {
    match ty.short() {
        "Option" | "Result" => ty.args.first().cloned(),
        _ => None,
    }
}

/// What a method call on `ty` auto-derefs to when `ty` itself has no such
/// method: the pointee of a std smart pointer. A lock guard is read as a
/// reference to the locked value (see `std_method_type`).
pub fn deref_target(ty: &Ty) -> Option<Ty> {
    match ty.short() {
        "Box" | "Rc" | "Arc" => ty.args.first().map(Ty::value),
        _ => None,
    }
}

/// What a std free function returns, by its full path.
fn std_function(full: &str) -> Option<Ty> {
    let io_result = |t: &str| Ty {
        base: "Result".into(),
        args: vec![Ty::named(t), Ty::named("Error")],
        ..Ty::default()
    };
    match full {
        "std::env::current_dir" | "std::env::current_exe" | "std::fs::canonicalize" => {
            Some(io_result("PathBuf"))
        }
        "std::fs::read_to_string" => Some(io_result("String")),
        "std::env::var" => Some(Ty {
            base: "Result".into(),
            args: vec![Ty::named("String"), Ty::named("VarError")],
            ..Ty::default()
        }),
        "std::env::temp_dir" | "std::env::home_dir" => Some(Ty::named("PathBuf")),
        _ => None,
    }
}

/// Growing methods whose one argument is an element of the collection.
const PUSHES: &[&str] = &["push", "push_back", "push_front", "insert"];

impl<'a> MatchCtx<'a> {
    /// The element type of a Rust local declared as an empty collection
    /// without its element (`let mut v = vec![];`, `Vec::new()`): the type
    /// of what its first mention in the function pushes, which is what
    /// rustc infers. `None` when that first mention is anything else (a
    /// call that may constrain it differently, a move, a return).
    pub(super) fn pushed_element_ty(&self, d: &Decl<'a>, depth: usize) -> Option<Ty> {
        if d.node.kind() != "let_declaration" || !d.pattern.is_empty() {
            return None;
        }
        let scope = self.function_scope(d.node);
        let name = self.text(d.name);
        let first = super::super::syntax::uses(self.lang, scope, name, self.src)
            .into_iter()
            .find(|u| u.start_byte() > d.node.end_byte())?;
        // The first mention must be this binding's, not a shadowing one's.
        let same = super::super::guards::decl(self, first).is_some_and(|o| o.name == d.name);
        if !same {
            return None;
        }
        let call = method_call_on(first, self)?;
        if !PUSHES.contains(&call.0) {
            return None;
        }
        let args = call.1;
        if args.named_child_count() != 1 {
            return None; // `insert(i, x)` on a Vec, or a map's `insert(k, v)`
        }
        let el = self.expr_type_at(args.named_child(0)?, depth)?;
        (!el.is_unknown() && !el.is_auto && el.base != "_").then_some(el)
    }

    /// The result of a std free function called as `path::name(..)`, when
    /// `path` evidently is the std module (`std::env`, or `env` under
    /// `use std::env;`) and not a project module of the same name.
    pub(super) fn std_function_type(&self, path: &str, name: &str) -> Option<Ty> {
        let first = path.split("::").next().unwrap_or(path);
        let module = if first == "std" {
            path.to_string()
        } else {
            let (_, used) = self.index.own().uses.iter().find(|(l, _)| l == first)?;
            path.replacen(first, used, 1)
        };
        std_function(&format!("{module}::{name}"))
    }

    /// The type of `x.or(o)` and `x.or_else(|..| o)` when `x`'s is unknown
    /// (a value from another crate): Option's and Result's `or` and
    /// `or_else` return exactly the type of their fallback, so an `o` that
    /// is evidently an Option or a Result gives the call's type.
    pub(super) fn or_fallback_type(
        &self,
        method: &str,
        args: Node<'a>,
        depth: usize,
    ) -> Option<Ty> {
        let arg = args.named_child(0)?;
        let fallback = match (method, arg.kind()) {
            ("or", _) => arg,
            ("or_else", "closure_expression") => arg.child_by_field_name("body")?,
            _ => return None,
        };
        let ty = self.expr_type_at(fallback, depth)?;
        matches!(ty.short(), "Option" | "Result").then_some(ty)
    }

    /// The type of a Rust `match`: that of an arm's value whose type is
    /// known (all arms have one type, apart from arms that diverge).
    pub(super) fn match_type(&self, e: Node<'a>, depth: usize) -> Option<Ty> {
        let body = e.child_by_field_name("body")?;
        let mut c = body.walk();
        let arms: Vec<Node> = body
            .named_children(&mut c)
            .filter(|a| a.kind() == "match_arm")
            .collect();
        arms.into_iter()
            .filter_map(|a| a.child_by_field_name("value"))
            .filter(|v| !matches!(v.kind(), "macro_invocation" | "return_expression"))
            .filter_map(|v| self.expr_type_at(v, depth))
            .find(|t| !t.is_unknown() && t.base != "!")
    }
}

/// `x.m(args)` where `ident` is `x`: the method's name and argument list.
fn method_call_on<'a>(ident: Node<'a>, ctx: &MatchCtx<'a>) -> Option<(&'a str, Node<'a>)> {
    let field = ident.parent()?;
    if field.kind() != "field_expression" || field.child_by_field_name("value") != Some(ident) {
        return None;
    }
    let call = field.parent()?;
    if call.kind() != "call_expression" || call.child_by_field_name("function") != Some(field) {
        return None;
    }
    let method = ctx.text(field.child_by_field_name("field")?);
    Some((method, call.child_by_field_name("arguments")?))
}

#[cfg(test)]
mod tests {
    use crate::skills::guards::testutil::rust_var_type;

    /// The type of the `nth` identifier `name` in `src`, as text.
    fn ty_of(src: &str, name: &str, nth: usize) -> String {
        rust_var_type(src, name, nth).map_or("?".into(), |t| t.to_string())
    }

    #[test]
    fn question_mark_and_unwrap_give_the_success_value() {
        let src = "struct Buf { n: u32 }\n\
                   impl Buf { fn open() -> Result<Buf, String> { todo!() } }\n\
                   fn f(o: Option<u64>) -> Result<(), String> {\n\
                   let b = Buf::open()?; let x = o.unwrap(); let y = o.expect(\"y\");\n\
                   use_(b); use_(x); use_(y); Ok(()) }";
        assert_eq!(ty_of(src, "b", 1), "Buf");
        assert_eq!(ty_of(src, "x", 1), "u64");
        assert_eq!(ty_of(src, "y", 1), "u64");
    }

    #[test]
    fn methods_reach_through_smart_pointers_and_lock_guards() {
        let src = "use std::sync::{Arc, RwLock};\n\
                   fn f(a: Arc<Vec<u8>>, l: Arc<RwLock<Vec<String>>>) {\n\
                   let n = a.len(); let g = l.read().unwrap(); let first = g.first();\n\
                   use_(n); use_(g); use_(first); }";
        assert_eq!(ty_of(src, "n", 1), "usize");
        assert_eq!(ty_of(src, "g", 1), "Vec<String>&");
        assert_eq!(ty_of(src, "first", 1), "Option<String&>");
    }

    #[test]
    fn a_match_has_the_type_of_its_arms() {
        let src = "fn fail() -> ! { panic!() }\n\
                   fn f(r: Result<String, u8>) {\n\
                   let s = match r { Ok(v) => v, Err(_) => fail() }; use_(s); }";
        assert_eq!(ty_of(src, "s", 1), "String");
    }

    #[test]
    fn std_free_functions_only_under_their_std_path() {
        let src = "use std::env;\n\
                   fn f() { let d = match env::current_dir() { Ok(d) => d, Err(_) => panic!() };\n\
                   let v = std::env::var(\"X\").unwrap(); let w = fs::read_to_string(\"p\");\n\
                   use_(d); use_(v); use_(w); }";
        assert_eq!(ty_of(src, "d", 2), "PathBuf");
        assert_eq!(ty_of(src, "v", 1), "String");
        // No `use std::fs;`: `fs` may be a project module.
        assert_eq!(ty_of(src, "w", 1), "?");
    }

    #[test]
    fn an_empty_vec_takes_the_type_of_its_first_push() {
        let src = "fn f(items: &[String]) {\n\
                   let mut idx = vec![]; for (i, _) in items.iter().enumerate() { idx.push(i); }\n\
                   let mut other = Vec::new(); other.extend(items.iter()); other.push(1u8);\n\
                   let mut named = Vec::new(); named.insert(0, 1u8);\n\
                   use_(idx); use_(other); use_(named); }";
        assert_eq!(ty_of(src, "idx", 2), "Vec<usize>");
        // The first mention is not a push: something else may decide.
        assert_eq!(ty_of(src, "other", 3), "Vec");
        // `insert(i, x)` has two arguments; not read.
        assert_eq!(ty_of(src, "named", 2), "Vec");
    }

    #[test]
    fn or_and_or_else_have_the_type_of_their_fallback() {
        let src = "use std::env;\n\
                   fn f(args: &Args) {\n\
                   let a = args.value(\"t\").or_else(|| env::var(\"T\").ok());\n\
                   let b = args.value(\"t\").or(env::var(\"T\").err());\n\
                   let c = args.value(\"t\").or_else(|| args.other());\n\
                   let d = env::var(\"T\").ok().or(None);\n\
                   use_(a); use_(b); use_(c); use_(d); }";
        assert_eq!(ty_of(src, "a", 1), "Option<String>");
        assert_eq!(ty_of(src, "b", 1), "Option<VarError>");
        // A fallback of unknown type says nothing.
        assert_eq!(ty_of(src, "c", 1), "?");
        assert_eq!(ty_of(src, "d", 1), "Option<String>");
    }
}
