//! Guards: named, reusable predicates over the syntax tree that a skill file
//! lists by name, and their catalogue. A guard may also *bind* a value (e.g.
//! `loop-count` binds `count`) that the skill's message and edit templates
//! can use. Each guard is a small, documented predicate; Language-specific guards live in `cpp`
//! and `rust`; guards that mean the same thing in both live in `common` (uses
//! and flow) and `values` (element types, constants, side effects).

mod cpp;
mod flow;
mod growth;
mod loops;
mod rust;
mod source;
mod values;

use super::call::{Arg, Call};
use super::context::MatchCtx;

pub(crate) use flow::decl;

/// What kind of argument a guard takes, checked when skills load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    Node,
    Word,
    OptionalNode,
}

pub type GuardFn = fn(&mut MatchCtx<'_>, &[Arg]) -> bool;

/// One entry of the guard catalogue.
pub struct GuardDef {
    pub name: &'static str,
    pub params: &'static [Param],
    /// Names this guard binds for templates when it holds.
    pub binds: &'static [&'static str],
    pub doc: &'static str,
    pub run: GuardFn,
}

/// Every guard, in catalogue order.
pub fn catalogue() -> &'static [GuardDef] {
    CATALOGUE
}

/// Look up a guard by name.
pub fn lookup(name: &str) -> Option<&'static GuardDef> {
    CATALOGUE.iter().find(|g| g.name == name)
}

/// Check a guard call against its definition: name, arity and argument kinds.
pub fn validate(call: &Call) -> Result<&'static GuardDef, String> {
    let def = lookup(&call.name).ok_or_else(|| {
        let known: Vec<&str> = CATALOGUE.iter().map(|g| g.name).collect();
        format!(
            "unknown guard `{}` (known guards: {})",
            call.name,
            known.join(", ")
        )
    })?;
    let required = def
        .params
        .iter()
        .filter(|p| **p != Param::OptionalNode)
        .count();
    if call.args.len() < required || call.args.len() > def.params.len() {
        return Err(format!(
            "guard `{}` takes {} argument(s), got {} in `{call}`",
            def.name,
            def.params.len(),
            call.args.len()
        ));
    }
    for (arg, param) in call.args.iter().zip(def.params) {
        let ok = match param {
            Param::Node | Param::OptionalNode => matches!(arg, Arg::Capture(_)),
            Param::Word => matches!(arg, Arg::Word(_) | Arg::Text(_)),
        };
        if !ok {
            return Err(format!(
                "guard `{}`: argument `{arg:?}` should be a {param:?} in `{call}`",
                def.name
            ));
        }
    }
    Ok(def)
}

/// Run one guard call (honouring `!`).
pub fn run(call: &Call, def: &GuardDef, ctx: &mut MatchCtx<'_>) -> bool {
    (def.run)(ctx, &call.args) != call.negated
}

use Param::{Node as N, OptionalNode as O, Word as W};

pub static CATALOGUE: &[GuardDef] = &[
    GuardDef { name: "declared-type", params: &[N, W], binds: &[], run: values::declared_type,
        doc: "The variable (or `self.field`) has a visible declaration in this function or file whose type is in one of the `|`-separated families of rewrites/types.toml." },
    GuardDef { name: "owned-local", params: &[N], binds: &[], run: flow::owned_local,
        doc: "The variable is a local or by-value parameter of the enclosing function: not a reference, pointer, global, static or const." },
    GuardDef { name: "not-used-after", params: &[N, N], binds: &[], run: flow::not_used_after,
        doc: "The variable is not mentioned after the node in its function, and the node is not inside a loop or closure that the variable's declaration is outside of." },
    GuardDef { name: "only-use", params: &[N, N], binds: &[], run: flow::only_use,
        doc: "Apart from its declaration, the variable's only mention in the function is this node." },
    GuardDef { name: "mentioned-once", params: &[N, N], binds: &[], run: flow::mentioned_once,
        doc: "The variable is mentioned exactly once inside the second node (e.g. once in a whole call)." },
    GuardDef { name: "not-used-outside", params: &[N, N], binds: &[], run: flow::not_used_outside,
        doc: "Every mention of the variable's name in the function lies inside the second node (so hoisting it cannot clash with another variable of that name)." },
    GuardDef { name: "in-loop", params: &[N], binds: &[], run: loops::in_loop,
        doc: "The node is inside a loop of its function." },
    GuardDef { name: "runs-once-per-iteration", params: &[N, N], binds: &[], run: loops::runs_once_per_iteration,
        doc: "The statement is a direct statement of the loop's body, and the loop body has no break, continue, return, goto, throw or `?` that could skip it." },
    GuardDef { name: "loop-count", params: &[N, O], binds: &["count"], run: loops::loop_count,
        doc: "The loop's trip count is known before it starts (`0..n` with n: usize, `i < n` from 0, a range over a sized container) and is loop-invariant; binds `count`. With a second node, the count must also be computable there." },
    GuardDef { name: "fill-loop", params: &[N, N], binds: &["loop", "per_iteration"], run: growth::fill_loop,
        doc: "The container declared empty by the second node is filled by a loop that certainly runs after it (same block or plain blocks inside it, never under a condition) before anything else mentions it; every completed iteration adds the same number k ≥ 1 of elements on every path (if/else and match arms), nothing else in the loop changes its length, and the loop ends only by finishing or leaving the function (return, `?`, throw), never by break or continue. Captures @loop; binds `per_iteration`." },
    GuardDef { name: "grows-in", params: &[N, N], binds: &[], run: growth::grows_in,
        doc: "Inside the second node (a loop), something makes the container hold data — a growing method (push_back, append, push_str, insert…), `+=`, an assignment, `in >> v`, `write!(v, …)`, a map's `v[k] = …`, or a call that may take it by non-const reference — so reusing it across iterations saves its allocation." },
    GuardDef { name: "fill-count", params: &[N, O], binds: &["count"], run: growth::fill_count,
        doc: "As loop-count (the loop's trip count, computable at the second node), times the `per_iteration` fill-loop bound; binds `count`." },
    GuardDef { name: "no-method-call", params: &[N, W], binds: &[], run: flow::no_method_call,
        doc: "The function never calls one of the `|`-separated methods on the variable (e.g. an existing `reserve`)." },
    GuardDef { name: "not-moved", params: &[N, N], binds: &[], run: flow::not_moved,
        doc: "Inside the node the variable is never moved out: C++ no std::move/std::forward/swap/return of it; Rust it is only used through methods that borrow, references, indexing or format macros." },
    GuardDef { name: "no-address-taken", params: &[N, N], binds: &[], run: flow::no_address_taken,
        doc: "Inside the node no pointer or reference to the variable is taken (`&v`), so nothing can observe it outliving an iteration." },
    GuardDef { name: "parent-is", params: &[N, W], binds: &[], run: flow::parent_is,
        doc: "The node's parent has one of the `|`-separated kinds." },
    GuardDef { name: "only-read", params: &[N, N], binds: &[], run: cpp::only_read,
        doc: "C++: inside the node, every use of the variable only reads it (const member calls, operands, copies, arguments of functions declared to take it by value or const reference), so it may become a const reference." },
    GuardDef { name: "const-ref-type", params: &[N], binds: &["ref_type"], run: cpp::const_ref_type,
        doc: "C++: binds `ref_type` to the const reference spelling of the type node (`const T&`, or `T&` when a `const` qualifier is already written)." },
    GuardDef { name: "expensive-element", params: &[N, N], binds: &[], run: cpp::expensive_element,
        doc: "C++ range-for: the loop variable's written type is expensive to copy, or it is `auto` and the range is declared as a container of an expensive type." },
    GuardDef { name: "returns-const-ref", params: &[N], binds: &["init_expr"], run: cpp::returns_const_ref,
        doc: "C++: the initializer (or a direct initializer's single argument) is an lvalue inside a named object — `v[i]`, `v[i].name`, `obj.get()` of a method declared (here or in a header) to return a reference, `p->name()` — of exactly the declared type (binds `init_expr`, the initializing expression), and that object (a local, a parameter, a pointee, or a member of the class when the block calls no non-const method and never names `this`) is only read from there to the end of the block the initialized variable lives in." },
    GuardDef { name: "sole-declaration", params: &[N], binds: &[], run: cpp::sole_declaration,
        doc: "C++: the function's signature is private to this file (a member defined in a class without bases, or a `static` or anonymous-namespace free function), it is declared nowhere else in the file, is not virtual/override, not `main`, and its name is only ever called (never taken as a pointer)." },
    GuardDef { name: "callee-takes-by-value", params: &[N, N], binds: &[], run: cpp::callee_takes_by_value,
        doc: "C++: the call's parameter at the argument's position is by value (a function declared in this file), or the call is a container's push_back/emplace_back/insert/push, which have rvalue overloads." },
    GuardDef { name: "declared-by", params: &[N, W], binds: &[], run: cpp::declared_by,
        doc: "C++: the variable's declaring construct has one of the `|`-separated node kinds, e.g. `declaration|parameter_declaration` (which leaves out range-for variables and catch parameters)." },
    GuardDef { name: "not-aliased", params: &[N], binds: &[], run: cpp::not_aliased,
        doc: "C++: nowhere in its function does anything keep referring to the variable's object: no `&v`, no reference, pointer, string_view, span or iterator bound to it or into it, and no mention inside a lambda that captures by reference." },
    GuardDef { name: "moves-into", params: &[N, N], binds: &[], run: cpp::moves_into,
        doc: "C++: the value of the argument ends up in a new object that owns a copy: a by-value parameter of a call (as callee-takes-by-value), a constructor of `new T(arg)` taking it by value or copying it, a member initializer `m_(arg)` of a member of the same type, or an assignment `x = arg` to something of the same type." },
    GuardDef { name: "not-passed-by-value", params: &[N, N], binds: &[], run: cpp::not_passed_by_value,
        doc: "C++: inside the node, the variable is never an argument that the callee evidently takes by value (see callee-takes-by-value); there, moving it (cpp/move-last-use) is the better rewrite." },
    GuardDef { name: "sole-mention-in-statement", params: &[N], binds: &[], run: cpp::sole_mention_in_statement,
        doc: "C++: the node is the only mention of its name in the whole statement around it; C++ leaves the order of most operands unspecified, so another mention (`g(v.size()) + f(std::move(v))`) could run after a move." },
    GuardDef { name: "single-char", params: &[N], binds: &["char"], run: cpp::single_char,
        doc: "C++: the string literal holds exactly one character; binds `char` to the equivalent character literal." },
    GuardDef { name: "in-loop-body", params: &[N], binds: &["loop"], run: cpp::in_loop_body,
        doc: "C++: the statement sits directly in the `{}` body of a for/range-for/while/do loop; captures that loop as @loop." },
    GuardDef { name: "in-block", params: &[N], binds: &["block"], run: cpp::in_block,
        doc: "C++: the statement sits directly in a `{}` block; captures the block as @block." },
    GuardDef { name: "parameter-of-definition", params: &[N], binds: &["func", "body"], run: cpp::parameter_of_definition,
        doc: "C++: the parameter belongs to a function definition (not a prototype); captures it as @func and its body as @body." },
    GuardDef { name: "type-in", params: &[N, W], binds: &[], run: cpp::type_in,
        doc: "C++: the captured type node (as written, through `using`/`typedef` aliases) is in one of the `|`-separated families. The cheap first check when the query already holds the declaration; `auto` holds (what it stands for is `declared-type`'s question)." },
    GuardDef { name: "std-name", params: &[N], binds: &[], run: cpp::std_name,
        doc: "C++: the name means the standard library's: written `std::x`, or unqualified under `using namespace std;` / `using std::x;`." },
    GuardDef { name: "buffered-stream", params: &[N], binds: &[], run: cpp::buffered_stream,
        doc: "C++: the node is the right operand of `<<` in a chain whose stream is evidently a buffered output stream: std::cout/std::wcout, or a variable declared with an `ostream`-family type; never std::cerr/std::clog (meant to appear at once) or an unknown object." },
    GuardDef { name: "loop-not-interactive", params: &[N], binds: &[], run: cpp::loop_not_interactive,
        doc: "C++: the enclosing loop neither reads input (cin, getline, scanf) nor flushes or sleeps explicitly, so the output is not a prompt or a progress line a person waits for." },
    GuardDef { name: "plain-declaration", params: &[N], binds: &[], run: cpp::plain_declaration,
        doc: "C++: the declaration has no storage class (static, thread_local, extern), no cv-qualifier, and declares a single name." },
    GuardDef { name: "local-declaration", params: &[N], binds: &[], run: cpp::local_declaration,
        doc: "C++: the declaration declares a single name with automatic storage (no static, thread_local or extern); unlike plain-declaration, `const` is allowed." },
    GuardDef { name: "scoped-to-block", params: &[N], binds: &[], run: cpp::scoped_to_block,
        doc: "C++: the node is a name declared in a block, and every mention of that name in the function comes after it and inside that block, so moving the declaration out of the block cannot capture another variable's mentions (an outer or global one of the same name, a do-while condition)." },
    GuardDef { name: "no-live-borrow", params: &[N, N], binds: &[], run: rust::no_live_borrow,
        doc: "Rust: before the node, every mention of the variable is its declaration, a `v.method(..);` statement or a print macro statement, whose borrows end there (a `let`, a call taking `&v`, a closure or struct might still borrow it); and the node's statement mentions it only inside the node." },
    GuardDef { name: "no-loop-borrow-into", params: &[N, N], binds: &[], run: rust::no_loop_borrow_into,
        doc: "Rust: values pushed into the buffer inside the loop do not mention anything bound inside the loop (its pattern, lets, nested loop patterns, closure parameters, match and `if let` patterns), so the buffer may outlive the iteration." },
    GuardDef { name: "plain-display-arg", params: &[N, N, O], binds: &[], run: rust::plain_display_arg,
        doc: "Rust: in the format macro's token tree, the argument starting at the node is a path of fields and calls ending in `.to_string()` (whose `.` is the third node, if given), formatted by a plain `{}` placeholder (no Debug, width or precision), all placeholders are implicit positional ones, and a `write!` target does not mention the argument's root." },
    GuardDef { name: "element-in", params: &[N, W], binds: &[], run: values::element_in,
        doc: "The elements of the container (an expression whose type is evident) have a type in one of the `|`-separated families." },
    GuardDef { name: "element-is", params: &[N, N], binds: &[], run: values::element_is,
        doc: "The container's element type is exactly the type of the second node (a type as written, or an expression), ignoring const and references." },
    GuardDef { name: "same-type", params: &[N, N], binds: &[], run: values::same_type,
        doc: "The two nodes (expressions or types as written) evidently have the same type, ignoring const and references." },
    GuardDef { name: "constant", params: &[N], binds: &[], run: values::constant,
        doc: "The expression is built only from literals, named constants (`std::regex::icase`, `ALL_CAPS`), lists of them and constructions from them, so computing it once gives the same value as computing it every time." },
    GuardDef { name: "no-side-effects", params: &[N], binds: &[], run: values::no_side_effects,
        doc: "Evaluating the expression changes nothing and cannot fail (literals, variables, field accesses, arithmetic, and known pure constructors such as `format!`, `to_string`, `String::from`, `vec!`, `clone`), so deferring or skipping it changes no behaviour." },
    GuardDef { name: "option-or-result", params: &[N], binds: &["closure"], run: values::option_or_result,
        doc: "Rust: the expression is evidently an Option (binds `closure` to `||`) or a Result (binds `closure` to `|_|`): from its type, or from std calls whose result kind is fixed (`get`, `first`, `parse`, `env::var`…) through kind-keeping adapters (`map`, `or`…); method names count only on receivers that are not project types." },
    GuardDef { name: "fresh-static-name", params: &[N], binds: &["name"], run: source::fresh_static_name,
        doc: "The variable's name in SCREAMING_SNAKE_CASE (binds `name`), with `_2`, `_3`… appended until no identifier of the file is spelled so; fails for anything but a plain identifier." },
    GuardDef { name: "lint-not-allowed", params: &[N, W], binds: &[], run: source::lint_not_allowed,
        doc: "Rust: no `#[allow(…)]`/`#[expect(…)]` (also in `cfg_attr`, also inner `#![…]`, also the lint's `perf` group) naming one of the `|`-separated lints applies to the node — on its statement, an enclosing item, module or block, or the file." },
    GuardDef { name: "std-available", params: &[], binds: &[], run: rust::std_available,
        doc: "Rust: the file is not `#![no_std]`." },
    GuardDef { name: "lazy-safe", params: &[N, N], binds: &[], run: rust::lazy_safe,
        doc: "Rust: the iterator chain may run lazily inside the loop: it is a chain of known std adapters on a local, `self` or a range (no channel, parallel or custom iterator); its closures have no side effects or panics (no macros, assignments, free calls, unwrap, indexing, methods on captured values other than read-only ones); and neither the loop body nor the statements between the chain and the loop mention what the chain reads." },
    GuardDef { name: "same-binding", params: &[N, N], binds: &[], run: rust::same_binding,
        doc: "Rust: the name refers to the variable that the declaration introduces: that declaration is the latest one of the name visible there (no shadowing `let` or loop pattern in between)." },
    GuardDef { name: "only-read-as-slice", params: &[N], binds: &[], run: rust::only_read_as_slice,
        doc: "Rust: the Vec the `vec![..]` expression makes is only read as a slice: in place (`for x in vec![..]`, `&vec![..]` looped over, `vec![..].iter()`), or bound by `let name = vec![..]` (no `mut`, no written type) whose every mention in the function is a `&self` slice method (`iter`, `contains`, `len`, `join`…, never `into_iter`), `for x in name` / `&name`, or `name[i]`; never an argument, a macro token, a return or a binding." },
    GuardDef { name: "root-not-mentioned", params: &[N, N], binds: &[], run: rust::root_not_mentioned,
        doc: "Rust: the variable at the root of the first node (`x` of `x`, `self` of `self.buf`) is not mentioned inside the second node, not even as a token of a macro or an inline format capture (a borrow there would clash with a `&mut` of the first)." },
];

/// Helpers for the guards' unit tests: parse a snippet, pick nodes by kind
/// and text, and run one guard call against them.
#[cfg(test)]
pub(crate) mod testutil {
    use std::collections::HashMap;

    use tree_sitter::{Node, Tree};

    use crate::lang::Lang;
    use crate::skills::call::parse_call;
    use crate::skills::context::MatchCtx;
    use crate::skills::guards as guard;
    use crate::skills::syntax::{descendants, text};
    use crate::skills::types::TypeFamilies;

    pub fn families() -> TypeFamilies {
        TypeFamilies::parse(include_str!("../../../rewrites/types.toml"))
            .expect("rewrites/types.toml parses")
    }

    /// The `nth` node (0-based, document order) of `kind` whose text is `text`.
    pub fn find<'t>(tree: &'t Tree, src: &str, kind: &str, text_is: &str, nth: usize) -> Node<'t> {
        descendants(tree.root_node())
            .into_iter()
            .filter(|n| n.kind() == kind && text(*n, src) == text_is)
            .nth(nth)
            .unwrap_or_else(|| panic!("no {kind} `{text_is}` #{nth} in test source"))
    }

    /// The type sema gives the `nth` identifier `name` of a Rust snippet.
    pub fn rust_var_type(src: &str, name: &str, nth: usize) -> Option<crate::index::ty::Ty> {
        let tree = Lang::Rust.parse(src);
        let types = families();
        let index = crate::index::FileIndex::standalone(Lang::Rust, &tree, src);
        let ctx = MatchCtx::new(Lang::Rust, src, tree.root_node(), &types, &index);
        ctx.var_type(find(&tree, src, "identifier", name, nth))
    }

    /// Run `call` (e.g. `only-read(@var, @body)`) with the given captures;
    /// returns whether it held and what it bound.
    pub fn run<'t>(
        lang: Lang,
        src: &'t str,
        call: &str,
        caps: &[(&str, Node<'t>)],
    ) -> (bool, HashMap<String, String>) {
        let types = families();
        let call = parse_call(call).expect("test guard call parses");
        let def = guard::validate(&call).expect("test guard call is valid");
        let captures = caps.iter().map(|(k, n)| (k.to_string(), *n)).collect();
        let root = crate::skills::syntax::root_of(caps[0].1);
        let tree = lang.parse(src);
        let index = crate::index::FileIndex::standalone(lang, &tree, src);
        let mut ctx = MatchCtx::new(lang, src, root, &types, &index);
        ctx.captures = captures;
        let held = guard::run(&call, def, &mut ctx);
        (held, ctx.bindings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_names_are_unique_and_documented() {
        let mut names: Vec<&str> = CATALOGUE.iter().map(|g| g.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), CATALOGUE.len());
        assert!(CATALOGUE.iter().all(|g| g.doc.len() > 20));
    }
}
