//! Questions about a syntax tree that guards ask again and again: where is a
//! name declared, where is it used, what is its declared type.
//!
//! Everything here is purely syntactic and deliberately conservative: when the
//! answer is not evident from the file, it is "unknown", and guards treat
//! unknown as "do not rewrite".

use tree_sitter::Node;

use crate::lang::{self, Lang};

/// All nodes under `node` (inclusive), in document order.
pub fn descendants(node: Node<'_>) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    let mut cursor = node.walk();
    loop {
        out.push(cursor.node());
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.node() == node {
                return out;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return out;
            }
        }
    }
}

pub fn text<'s>(node: Node<'_>, src: &'s str) -> &'s str {
    &src[node.byte_range()]
}

pub fn contains(outer: Node<'_>, inner: Node<'_>) -> bool {
    outer.start_byte() <= inner.start_byte() && inner.end_byte() <= outer.end_byte()
}

/// The call whose callee `callee` is (`f` in `f(x)`, `v.push` in
/// `v.push(x)`), if it is one.
pub fn call_of(callee: Node<'_>) -> Option<Node<'_>> {
    callee.parent().filter(|p| {
        p.kind() == "call_expression" && p.child_by_field_name("function") == Some(callee)
    })
}

pub fn root_of(node: Node<'_>) -> Node<'_> {
    let mut n = node;
    while let Some(p) = n.parent() {
        n = p;
    }
    n
}

/// Leaf nodes under `scope` whose whole text is `name`, in document order.
///
/// Guards ask "where is this name" for every match; walking the scope's
/// subtree each time made scans quadratic in function size. A substring
/// search over the scope's text (memchr) finds the few candidate offsets, and
/// tree-sitter maps each back to its leaf in O(depth).
pub fn named_leaves<'t>(scope: Node<'t>, name: &str, src: &str) -> Vec<Node<'t>> {
    if name.is_empty() {
        return Vec::new();
    }
    let range = scope.byte_range();
    let bytes = src.as_bytes();
    let hay = &bytes[range.clone()];
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let (starts_word, ends_word) = (
        word(name.as_bytes()[0]),
        word(name.as_bytes()[name.len() - 1]),
    );
    memchr::memmem::find_iter(hay, name.as_bytes())
        // A hit inside a longer word (`g` in `graph`) is no leaf: reject it
        // from the text alone, before asking the tree.
        .filter(|&off| {
            let (start, end) = (range.start + off, range.start + off + name.len());
            let glued_before = starts_word && start > 0 && word(bytes[start - 1]);
            let glued_after = ends_word && end < bytes.len() && word(bytes[end]);
            !glued_before && !glued_after
        })
        .filter_map(|off| {
            let start = range.start + off;
            let end = start + name.len();
            let n = scope.descendant_for_byte_range(start, end)?;
            (n.start_byte() == start && n.end_byte() == end && n.child_count() == 0).then_some(n)
        })
        .collect()
}

/// The innermost nodes under `scope` whose text contains `needle`: the
/// string literals that mention a name, for instance.
fn nodes_containing<'t>(scope: Node<'t>, needle: &str, src: &str) -> Vec<Node<'t>> {
    let range = scope.byte_range();
    let hay = &src.as_bytes()[range.clone()];
    let mut out: Vec<Node> = memchr::memmem::find_iter(hay, needle.as_bytes())
        .filter_map(|off| {
            scope.descendant_for_byte_range(range.start + off, range.start + off + needle.len())
        })
        .collect();
    out.dedup();
    out
}

/// Every place under `scope` that refers to the variable `name`: identifier
/// nodes, and in Rust also format strings that capture it inline (`"{name}"`).
pub fn uses<'t>(lang: Lang, scope: Node<'t>, name: &str, src: &str) -> Vec<Node<'t>> {
    let mut out: Vec<Node> = named_leaves(scope, name, src)
        .into_iter()
        .filter(|n| match n.kind() {
            "identifier" => !(lang == Lang::Rust && is_member_token(*n, src)),
            "type_identifier" => lang == Lang::Cpp && is_vexing_parse_argument(*n),
            _ => false,
        })
        .collect();
    if lang == Lang::Rust {
        for n in nodes_containing(scope, name, src) {
            let lit = lang::ancestor(n, |a| {
                matches!(a.kind(), "string_literal" | "raw_string_literal")
            });
            if let Some(lit) = lit {
                if !out.contains(&lit)
                    && in_macro(lit)
                    && format_string_captures(text(lit, src), name)
                {
                    out.push(lit);
                }
            }
        }
        out.sort_by_key(|n| n.start_byte());
    }
    out
}

/// The names a declarator binds: itself, or each name of a C++ structured
/// binding (`[key, value]`).
pub fn bound_names(declarator: Node<'_>) -> Vec<Node<'_>> {
    if declarator.kind() != "structured_binding_declarator" {
        return vec![declarator];
    }
    let mut c = declarator.walk();
    let names = declarator
        .named_children(&mut c)
        .filter(|n| n.kind() == "identifier")
        .collect();
    names
}

/// `std::string path(filename);` in a function body reads as the declaration
/// of a function `path` taking an unnamed parameter of type `filename`; the
/// compiler (which knows `filename` is a variable) reads a string built from
/// it. The name is a use of the variable.
fn is_vexing_parse_argument(node: Node<'_>) -> bool {
    let func = node
        .parent()
        .filter(|p| p.kind() == "parameter_declaration")
        .and_then(|p| p.parent())
        .filter(|l| l.kind() == "parameter_list")
        .and_then(|l| l.parent())
        .filter(|f| f.kind() == "function_declarator");
    func.is_some_and(|f| is_vexing_parse_declarator(f, &|n: Node<'_>| n.parent()))
}

/// Whether a local "function declaration" `T x(a, b);` (directly in a
/// function body, every parameter a bare name) is the compiler's variable
/// `x` constructed from the variables `a` and `b`. A real local function
/// declaration with unnamed parameters of plain type names is vanishingly
/// rare; a variable built this way is common in older code.
fn is_vexing_parse_declarator<'t>(
    func: Node<'t>,
    parent_of: &dyn Fn(Node<'t>) -> Option<Node<'t>>,
) -> bool {
    let in_body = parent_of(func)
        .filter(|d| d.kind() == "declaration")
        .and_then(parent_of)
        .is_some_and(|b| b.kind() == "compound_statement");
    let Some(params) = func.child_by_field_name("parameters") else {
        return false;
    };
    let mut c = params.walk();
    let mut all_bare = params.named_child_count() > 0;
    for p in params.named_children(&mut c) {
        let bare = p.kind() == "parameter_declaration"
            && p.named_child_count() == 1
            && p.child_by_field_name("type")
                .is_some_and(|t| t.kind() == "type_identifier");
        all_bare &= bare;
    }
    in_body && all_bare
}

/// In a Rust macro's flat token tree, a name right after `.` or `::` is a
/// field, method or path item (`inv.warehouse`), never a local variable.
fn is_member_token(node: Node<'_>, src: &str) -> bool {
    node.parent().is_some_and(|p| p.kind() == "token_tree")
        && node
            .prev_sibling()
            .is_some_and(|prev| !prev.is_named() && matches!(text(prev, src), "." | "::"))
}

fn in_macro(node: Node<'_>) -> bool {
    lang::ancestor(node, |n| n.kind() == "macro_invocation").is_some()
}

/// Whether a Rust format string names `name` as an inline argument: `{name}`,
/// `{name:?}`, `{name:>8}`.
fn format_string_captures(lit: &str, name: &str) -> bool {
    let mut rest = lit;
    while let Some(i) = rest.find('{') {
        rest = &rest[i + 1..];
        if rest.starts_with('{') {
            rest = &rest[1..];
            continue;
        }
        let end = rest.find(['}', ':']).unwrap_or(rest.len());
        if rest[..end].trim() == name {
            return true;
        }
    }
    false
}

/// What a guard knows about one declared variable.
#[derive(Clone, Debug)]
pub struct Decl<'t> {
    /// The declaring construct (declaration, parameter, let, for loop…).
    pub node: Node<'t>,
    /// The identifier being declared.
    pub name: Node<'t>,
    /// The written or inferred type, e.g. `std::vector<int>` or `String`.
    pub ty: Option<String>,
    pub is_param: bool,
    /// Declared as a reference or pointer (`T&`, `T*`, `&T`).
    pub is_indirect: bool,
    pub is_const: bool,
    pub is_static: bool,
    /// Declared at file or class scope rather than inside a function.
    pub is_global: bool,
    /// The initializer, or for a Rust pattern the value it destructures
    /// (an `if let`'s or a `match`'s scrutinee, a `for` loop's iterable).
    pub init: Option<Node<'t>>,
    /// Rust: how the pattern reaches this name from that value, outermost
    /// step first; empty when the name is the whole pattern.
    pub pattern: Vec<PatStep>,
}

/// One step of a Rust pattern from a value to a name inside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatStep {
    /// The n-th parameter of a closure.
    Arg(usize),
    /// The n-th element of a tuple.
    Tuple(usize),
    /// The n-th field of a tuple-struct or variant pattern (`Some(x)`).
    Variant(String, usize),
    /// A named field of a struct pattern.
    Field(String),
    /// A named field of a struct pattern that names its type or variant
    /// (`Atom { change, .. }`): the type path, then the field.
    StructField(String, String),
    /// `&x`: through a reference.
    Deref,
}

/// The declaration of `name` visible at byte `at`: the latest one before it in
/// an enclosing block of the function, else one at file or class scope.
/// (Guards use the file's `DeclIndex` through `MatchCtx::declaration`.)
pub fn declaration_of<'t>(lang: Lang, at: Node<'t>, name: &str, src: &str) -> Option<Decl<'t>> {
    DeclIndex::default().declaration(root_of(at), lang, at, name, src)
}

/// Declarations per (scope, name), remembered for one file: a function uses
/// the same few names over and over, and every use asks for its declaration.
type ScopeDecls<'t> = std::collections::HashMap<String, Vec<(Decl<'t>, std::ops::Range<usize>)>>;

#[derive(Default)]
pub struct DeclIndex<'t> {
    /// scope → name → its declarations, each with the byte range it is
    /// visible in; built by one walk of the scope.
    memo: std::cell::RefCell<std::collections::HashMap<usize, std::rc::Rc<ScopeDecls<'t>>>>,
    /// Every named function of the file, in document order.
    functions: std::cell::OnceCell<Vec<Node<'t>>>,
}

impl<'t> DeclIndex<'t> {
    /// The declarations of `scope` (a named function, or the root for the
    /// file-scope ones), from the tables `walk_file` builds.
    fn scope_decls(
        &self,
        root: Node<'t>,
        scope: Node<'t>,
        lang: Lang,
        src: &str,
    ) -> std::rc::Rc<ScopeDecls<'t>> {
        self.ensure_walked(root, lang, src);
        self.memo
            .borrow()
            .get(&scope.id())
            .cloned()
            .unwrap_or_default()
    }

    /// The engine walks each file once (`walk_file`); anyone else asking
    /// first (the whole-tree query mode, tests) gets the same walk here.
    fn ensure_walked(&self, root: Node<'t>, lang: Lang, src: &str) {
        if self.functions.get().is_none() {
            self.walk_file(root, lang, src, |_| {});
        }
    }

    /// One walk of the whole file that serves everyone: it hands every node to
    /// `visit` (the engine picks the nodes where a pattern can start), and
    /// on the way collects the file's named functions and its file-scope
    /// declarations, which would otherwise each cost a walk of their own.
    pub fn walk_file(
        &self,
        root: Node<'t>,
        lang: Lang,
        src: &str,
        mut visit: impl FnMut(Node<'t>),
    ) {
        // Kind ids, not names: `Node::kind` costs a `strlen` per node.
        let ids = KindIds::of(lang);
        let named_fn = |k: u16| k == ids.named_function;
        let mut functions = Vec::new();
        let mut globals: ScopeDecls<'t> = Default::default();
        // The declaration tables of the functions we are inside, innermost last.
        let mut open: Vec<(Node<'t>, ScopeDecls<'t>)> = Vec::new();
        let mut path: Vec<Node<'t>> = Vec::new();
        let mut memo = self.memo.borrow_mut();
        let mut cursor = root.walk();
        'walk: loop {
            let node = cursor.node();
            let kind = node.kind_id();
            visit(node);
            let is_fn = named_fn(kind);
            if is_fn {
                functions.push(node);
            }
            let global = open.is_empty();
            let binds = kind == ids.identifier
                || (global && kind == ids.field_identifier)
                || (lang == Lang::Rust && kind == ids.shorthand_field);
            if !is_fn && binds {
                if let Some((d, visible)) = declared_on_path(lang, node, &path, src, global) {
                    let table = match open.last_mut() {
                        Some((_, t)) => t,
                        None => &mut globals,
                    };
                    table
                        .entry(text(node, src).to_string())
                        .or_default()
                        .push((d, visible));
                }
            }
            if cursor.goto_first_child() {
                path.push(node);
                if is_fn {
                    open.push((node, Default::default()));
                }
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    break 'walk;
                }
                if path.pop().is_some_and(|left| named_fn(left.kind_id())) {
                    if let Some((f, table)) = open.pop() {
                        memo.insert(f.id(), std::rc::Rc::new(table));
                    }
                }
            }
        }
        drop(memo);
        let _ = self.functions.set(functions);
        self.memo
            .borrow_mut()
            .insert(root.id(), std::rc::Rc::new(globals));
    }

    /// The innermost named function containing `node`, from a list made once
    /// per file (climbing with `Node::parent` re-descends from the root each step).
    pub fn function_at(
        &self,
        root: Node<'t>,
        lang: Lang,
        node: Node<'_>,
        src: &str,
    ) -> Option<Node<'t>> {
        self.ensure_walked(root, lang, src);
        let functions = self
            .functions
            .get()
            .expect("walk_file records the functions");
        let (start, end) = (node.start_byte(), node.end_byte());
        let upto = functions.partition_point(|f| f.start_byte() <= start);
        functions[..upto]
            .iter()
            .rev()
            .find(|f| f.end_byte() >= end && *f != &node)
            .copied()
    }

    /// The declaration that `ident` itself introduces, if it is a declaring
    /// name, answered from the scope's table (no climbing).
    pub fn declared_here(
        &self,
        root: Node<'t>,
        lang: Lang,
        ident: Node<'t>,
        src: &str,
    ) -> Option<Decl<'t>> {
        let name = text(ident, src);
        let scope = self.function_at(root, lang, ident, src).unwrap_or(root);
        let table = self.scope_decls(root, scope, lang, src);
        table
            .get(name)?
            .iter()
            .find(|(d, _)| d.name == ident)
            .map(|(d, _)| d.clone())
    }

    /// The declaration of `name` visible at `at`: the latest visible one in
    /// its function, else one at file or class scope.
    pub fn declaration(
        &self,
        root: Node<'t>,
        lang: Lang,
        at: Node<'t>,
        name: &str,
        src: &str,
    ) -> Option<Decl<'t>> {
        let pos = at.start_byte();
        if let Some(scope) = self.function_at(root, lang, at, src) {
            let local = self.scope_decls(root, scope, lang, src);
            let found = local.get(name).and_then(|ds| {
                ds.iter()
                    .filter(|(d, _)| d.name.start_byte() < pos)
                    .rfind(|(_, v)| v.start <= pos && pos < v.end)
            });
            if let Some((d, _)) = found {
                return Some(d.clone());
            }
        }
        let globals = self.scope_decls(root, root, lang, src);
        globals
            .get(name)
            .and_then(|ds| ds.first())
            .map(|(d, _)| d.clone())
    }
}

/// `declared_by` for a node reached by a cursor walk, whose ancestors
/// (`path`, outermost first) are at hand; with the range it is visible in.
/// The node kind ids the declaration walk compares against, per language.
struct KindIds {
    named_function: u16,
    identifier: u16,
    field_identifier: u16,
    /// Rust's `x` in the pattern `S { x, .. }`, which binds `x`.
    shorthand_field: u16,
}

impl KindIds {
    fn of(lang: Lang) -> &'static KindIds {
        static CPP: std::sync::OnceLock<KindIds> = std::sync::OnceLock::new();
        static RUST: std::sync::OnceLock<KindIds> = std::sync::OnceLock::new();
        let cell = match lang {
            Lang::Cpp => &CPP,
            Lang::Rust => &RUST,
        };
        cell.get_or_init(|| {
            let grammar = lang.grammar();
            let id = |kind: &str| grammar.id_for_node_kind(kind, true);
            KindIds {
                named_function: id(match lang {
                    Lang::Cpp => "function_definition",
                    Lang::Rust => "function_item",
                }),
                identifier: id("identifier"),
                field_identifier: id("field_identifier"),
                shorthand_field: match lang {
                    Lang::Cpp => u16::MAX,
                    Lang::Rust => id("shorthand_field_identifier"),
                },
            }
        })
    }
}

fn declared_on_path<'t>(
    lang: Lang,
    node: Node<'t>,
    path: &[Node<'t>],
    src: &str,
    global: bool,
) -> Option<(Decl<'t>, std::ops::Range<usize>)> {
    let parent_of = |n: Node<'t>| -> Option<Node<'t>> {
        if n == node {
            return path.last().copied();
        }
        match path.iter().rposition(|a| *a == n) {
            Some(i) => i.checked_sub(1).map(|j| path[j]),
            None => n.parent(),
        }
    };
    let d = declared_by_with(lang, node, &parent_of, src, global)?;
    let visible = visible_range_with(lang, &d, &parent_of);
    Some((d, visible))
}

/// The byte range in which a declaration is visible (its block, its loop, or
/// for a parameter its function).
fn visible_range_with<'t>(
    lang: Lang,
    decl: &Decl<'t>,
    parent_of: &dyn Fn(Node<'t>) -> Option<Node<'t>>,
) -> std::ops::Range<usize> {
    let block = if decl.is_param || decl.node.kind() == "closure_parameters" {
        let mut cur = parent_of(decl.node);
        while let Some(n) = cur {
            if lang.is_function(n.kind()) {
                break;
            }
            cur = parent_of(n);
        }
        cur
    } else if decl.node.kind() == "lambda_capture_initializer" {
        // An init-capture: the lambda's body.
        return parent_of(decl.node)
            .and_then(parent_of)
            .and_then(|lambda| lambda.child_by_field_name("body"))
            .map_or(0..0, |b| b.byte_range());
    } else if matches!(decl.node.kind(), "for_range_loop" | "for_expression") {
        // The loop variable exists in the body, not in the range expression
        // (`for x in x.iter()` iterates the outer `x`).
        return decl
            .node
            .child_by_field_name("body")
            .map_or(0..0, |b| b.byte_range());
    } else {
        parent_of(decl.node)
    };
    let range = block.map_or(0..0, |b| b.byte_range());
    if lang == Lang::Rust {
        match decl.node.kind() {
            // A `let` binds after its statement: in `let s = s.trim();` the
            // initializer's `s` is the older one.
            "let_declaration" => return decl.node.end_byte().min(range.end)..range.end,
            // `if let P = v { … }` / `while let`: the rest of the condition
            // and the block it guards.
            "let_condition" => {
                let guarded = std::iter::successors(Some(decl.node), |n| parent_of(*n))
                    .find(|n| matches!(n.kind(), "if_expression" | "while_expression"))
                    .and_then(|e| {
                        e.child_by_field_name("consequence")
                            .or_else(|| e.child_by_field_name("body"))
                    });
                return guarded.map_or(0..0, |b| decl.node.end_byte()..b.end_byte());
            }
            // A match arm's names live in its guard and its value.
            "match_arm" => return decl.name.end_byte()..decl.node.end_byte(),
            _ => {}
        }
    }
    range
}

/// If `ident` is the name introduced by a declaration, describe it.
pub fn declared_by<'t>(lang: Lang, ident: Node<'t>, src: &str, global: bool) -> Option<Decl<'t>> {
    declared_by_with(lang, ident, &|n: Node<'t>| n.parent(), src, global)
}

/// `declared_by` with a caller-provided way to reach parents (a tree walk
/// that already holds the ancestors answers in O(1) what `Node::parent`
/// answers by re-descending from the root).
fn declared_by_with<'t>(
    lang: Lang,
    ident: Node<'t>,
    parent_of: &dyn Fn(Node<'t>) -> Option<Node<'t>>,
    src: &str,
    global: bool,
) -> Option<Decl<'t>> {
    match lang {
        Lang::Cpp => cpp_declared_by(ident, parent_of, src, global),
        Lang::Rust => rust_declared_by(ident, parent_of, src, global),
    }
}

fn cpp_declared_by<'t>(
    ident: Node<'t>,
    parent_of: &dyn Fn(Node<'t>) -> Option<Node<'t>>,
    src: &str,
    global: bool,
) -> Option<Decl<'t>> {
    let mut indirect = false;
    let mut init = None;
    let mut child = ident;
    let mut cur = parent_of(ident)?;
    // A lambda's init-capture `[m = std::set<int>()]` declares `m` as if
    // by `auto m = …;`, visible in the lambda's body.
    if cur.kind() == "lambda_capture_initializer" && cur.child_by_field_name("left") == Some(ident)
    {
        return Some(Decl {
            node: cur,
            name: ident,
            ty: Some("auto".into()),
            is_param: false,
            is_indirect: false,
            is_const: false,
            is_static: false,
            is_global: global,
            init: cur.child_by_field_name("right"),
            pattern: Vec::new(),
        });
    }
    loop {
        let is_declarator_child = cur.child_by_field_name("declarator") == Some(child)
            || (cur.kind() == "reference_declarator" || cur.kind() == "pointer_declarator")
                && cur.named_child(0) == Some(child);
        match cur.kind() {
            // `Map::const_iterator it(start);` in a function body: see
            // `is_vexing_parse_argument`; a variable, not a function.
            "function_declarator"
                if cur.child_by_field_name("declarator") == Some(child)
                    && is_vexing_parse_declarator(cur, parent_of) => {}
            "reference_declarator" | "pointer_declarator" if is_declarator_child => indirect = true,
            "array_declarator" if is_declarator_child => {}
            "init_declarator" if is_declarator_child => init = cur.child_by_field_name("value"),
            "declaration"
            | "field_declaration"
            | "parameter_declaration"
            | "optional_parameter_declaration"
            | "for_range_loop" => {
                // Multiple declarators (`std::string a, b;`) share the type.
                let ok = is_declarator_child || has_declarator(cur, child);
                if !ok {
                    return None;
                }
                break;
            }
            _ => return None,
        }
        child = cur;
        cur = parent_of(cur)?;
    }
    let ty = cur
        .child_by_field_name("type")
        .map(|t| text(t, src).to_string());
    let mut is_const = false;
    let mut is_static = false;
    let mut c = cur.walk();
    for ch in cur.children(&mut c) {
        match ch.kind() {
            "type_qualifier" if text(ch, src) == "const" || text(ch, src) == "constexpr" => {
                is_const = true
            }
            "storage_class_specifier"
                if text(ch, src) == "static" || text(ch, src) == "thread_local" =>
            {
                is_static = true
            }
            _ => {}
        }
    }
    if ty.as_deref().is_some_and(|t| t.starts_with("const ")) {
        is_const = true;
    }
    Some(Decl {
        node: cur,
        name: ident,
        ty,
        is_param: matches!(
            cur.kind(),
            "parameter_declaration" | "optional_parameter_declaration"
        ),
        is_indirect: indirect,
        is_const,
        is_static,
        is_global: global,
        init,
        pattern: Vec::new(),
    })
}

fn has_declarator(decl: Node<'_>, child: Node<'_>) -> bool {
    let mut c = decl.walk();
    let found = decl
        .children_by_field_name("declarator", &mut c)
        .any(|d| d == child);
    found
}

fn rust_declared_by<'t>(
    ident: Node<'t>,
    parent_of: &dyn Fn(Node<'t>) -> Option<Node<'t>>,
    src: &str,
    global: bool,
) -> Option<Decl<'t>> {
    // Climb from the name through the pattern to what binds it, noting how
    // the pattern reaches the name.
    let mut steps = Vec::new();
    let mut child = ident;
    let mut binder = parent_of(ident)?;
    loop {
        let index_of = |p: Node<'t>, c: Node<'t>, skip: Option<Node<'t>>| {
            let mut cur = p.walk();
            let i = p
                .named_children(&mut cur)
                .filter(|n| Some(*n) != skip && n.kind() != "line_comment")
                .position(|n| n == c)
                .unwrap_or(usize::MAX);
            i
        };
        match binder.kind() {
            "tuple_pattern" => steps.push(PatStep::Tuple(index_of(binder, child, None))),
            "tuple_struct_pattern" => {
                let ty = binder.child_by_field_name("type")?;
                if ty == child {
                    return None; // `Some` in `Some(x)` is a path, not a binding
                }
                let i = index_of(binder, child, Some(ty));
                steps.push(PatStep::Variant(text(ty, src).to_string(), i));
            }
            "field_pattern" => {
                let name = binder.child_by_field_name("name")?;
                // `S { x, .. }` binds `x`; in `S { x: p }` the name is a field.
                if name == child && child.kind() != "shorthand_field_identifier" {
                    return None;
                }
                steps.push(PatStep::Field(text(name, src).to_string()));
            }
            "struct_pattern" => {
                let ty = binder.child_by_field_name("type");
                if ty == Some(child) {
                    return None;
                }
                // An enum's struct variant keeps its fields as `Variant.name`.
                if let (Some(ty), Some(PatStep::Field(f))) = (ty, steps.last()) {
                    let step = PatStep::StructField(text(ty, src).to_string(), f.clone());
                    if let Some(last) = steps.last_mut() {
                        *last = step;
                    }
                }
            }
            "reference_pattern" => steps.push(PatStep::Deref),
            "ref_pattern" | "mut_pattern" | "captured_pattern" | "or_pattern" | "match_pattern" => {
            }
            "closure_parameters" => {
                steps.push(PatStep::Arg(index_of(binder, child, None)));
                break;
            }
            "let_declaration" | "let_condition" | "for_expression" | "parameter" | "match_arm" => {
                if binder.child_by_field_name("pattern") != Some(child) {
                    return None;
                }
                break;
            }
            _ => return None,
        }
        child = binder;
        binder = parent_of(binder)?;
    }
    // In a pattern, a capitalised name is a variant or a constant.
    let nested = !steps.is_empty() || binder.kind() == "match_arm";
    if nested && text(ident, src).starts_with(|c: char| c.is_ascii_uppercase()) {
        return None;
    }
    steps.reverse();
    // A closure parameter with a type (`|x: u32|`) is a `parameter`.
    let closure_param = binder.kind() == "parameter"
        && parent_of(binder).is_some_and(|p| p.kind() == "closure_parameters");
    let (init, ty) = match binder.kind() {
        "let_declaration" => {
            let init = binder.child_by_field_name("value");
            let written = binder
                .child_by_field_name("type")
                .map(|t| text(t, src).to_string());
            let ty = if steps.is_empty() {
                written.or_else(|| init.and_then(|v| rust_infer_type(v, src)))
            } else {
                None
            };
            (init, ty)
        }
        "parameter" => {
            let written = binder
                .child_by_field_name("type")
                .map(|t| text(t, src).to_string());
            (None, if steps.is_empty() { written } else { None })
        }
        "let_condition" | "for_expression" => (binder.child_by_field_name("value"), None),
        "match_arm" => {
            let scrutinee = parent_of(binder)
                .and_then(parent_of)
                .and_then(|m| m.child_by_field_name("value"));
            (scrutinee, None)
        }
        _ => (None, None),
    };
    let is_param = matches!(binder.kind(), "parameter" | "closure_parameters") || closure_param;
    Some(Decl {
        node: binder,
        name: ident,
        is_indirect: ty.as_deref().is_some_and(|t| t.starts_with('&')),
        ty,
        is_param,
        is_const: false,
        is_static: false,
        is_global: global,
        init,
        pattern: steps,
    })
}

/// The type a Rust initializer evidently has, from its shape alone.
pub fn rust_infer_type(init: Node<'_>, src: &str) -> Option<String> {
    match init.kind() {
        "macro_invocation" => {
            let mac = text(init.child_by_field_name("macro")?, src);
            match mac {
                "format" => Some("String".into()),
                "vec" => Some("Vec".into()),
                _ => None,
            }
        }
        "call_expression" => {
            let func = init.child_by_field_name("function")?;
            match func.kind() {
                "scoped_identifier" => {
                    let path = text(func.child_by_field_name("path")?, src);
                    let name = text(func.child_by_field_name("name")?, src);
                    let ctor = matches!(name, "new" | "from" | "with_capacity" | "default");
                    let owned = matches!(
                        path,
                        "String"
                            | "Vec"
                            | "HashMap"
                            | "HashSet"
                            | "BTreeMap"
                            | "BTreeSet"
                            | "VecDeque"
                            | "PathBuf"
                    );
                    (ctor && owned).then(|| path.to_string())
                }
                "identifier" => return_type_of_local_fn(text(func, src), root_of(init), src),
                "field_expression" => {
                    let method = text(func.child_by_field_name("field")?, src);
                    match method {
                        "to_string" => Some("String".into()),
                        // `[S].join("sep")` with a `&str` separator can only be
                        // the `str` join, which yields a String.
                        "join" => {
                            let args = init.child_by_field_name("arguments")?;
                            let only_literal = args.named_child_count() == 1
                                && args
                                    .named_child(0)
                                    .is_some_and(|a| a.kind() == "string_literal");
                            only_literal.then(|| "String".into())
                        }
                        "to_vec" => Some("Vec".into()),
                        "to_owned" => {
                            let recv = func.child_by_field_name("value")?;
                            (recv.kind() == "string_literal").then(|| "String".into())
                        }
                        _ => None,
                    }
                }
                "generic_function" => {
                    // `iter.collect::<Vec<_>>()`
                    let inner = func.child_by_field_name("function")?;
                    let field = inner.child_by_field_name("field")?;
                    let args = text(func.child_by_field_name("type_arguments")?, src);
                    (text(field, src) == "collect" && args.starts_with("<Vec"))
                        .then(|| "Vec".into())
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The written return type of the free function `name`, when exactly one
/// function of that name is declared anywhere in the file (so the call can
/// only mean it) and it is not generic (a `-> T` would say nothing).
fn return_type_of_local_fn(name: &str, root: Node<'_>, src: &str) -> Option<String> {
    let mut found = named_leaves(root, name, src).into_iter().filter_map(|id| {
        id.parent()
            .filter(|f| f.kind() == "function_item" && f.child_by_field_name("name") == Some(id))
    });
    let f = found.next()?;
    if found.next().is_some() || f.child_by_field_name("type_parameters").is_some() {
        return None;
    }
    // A method (`fn new(&self)`) is not what a bare call names.
    let in_impl = lang::ancestor(f, |n| matches!(n.kind(), "impl_item" | "trait_item")).is_some();
    if in_impl {
        return None;
    }
    f.child_by_field_name("return_type")
        .map(|t| text(t, src).to_string())
}

/// The base name of a type, without qualifiers, references or template
/// arguments: `const std::vector<int>&` → `std::vector`.
pub fn base_type(ty: &str) -> String {
    let t = ty.trim();
    let t = t.strip_prefix("const ").unwrap_or(t).trim();
    let t = t
        .strip_prefix("&mut ")
        .or_else(|| t.strip_prefix('&'))
        .unwrap_or(t)
        .trim();
    if t.starts_with('[') {
        return "[]".to_string(); // a Rust slice or array
    }
    let t = t.split('<').next().unwrap_or(t);
    t.trim_end_matches(['&', '*', ' ']).trim().to_string()
}

/// The nearest enclosing loop of `node` inside its function, if any.
pub fn enclosing_loop<'t>(lang: Lang, node: Node<'t>) -> Option<Node<'t>> {
    let mut cur = node.parent();
    while let Some(n) = cur {
        if lang.is_loop(n.kind()) {
            return Some(n);
        }
        if lang.is_function(n.kind()) {
            return None;
        }
        cur = n.parent();
    }
    None
}

/// The statement that contains `node`: the ancestor whose parent is a block.
pub fn enclosing_statement(lang: Lang, node: Node<'_>) -> Node<'_> {
    // A constructor's member initializer is a statement of its own.
    let block: &[&str] = match lang {
        Lang::Cpp => &[
            "compound_statement",
            "translation_unit",
            "declaration_list",
            "field_initializer_list",
        ],
        Lang::Rust => &["block", "source_file", "declaration_list"],
    };
    let mut n = node;
    while let Some(p) = n.parent() {
        if block.contains(&p.kind()) {
            return n;
        }
        n = p;
    }
    n
}

/// The body of a loop node.
pub fn loop_body(node: Node<'_>) -> Option<Node<'_>> {
    node.child_by_field_name("body")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node_at<'t>(tree: &'t tree_sitter::Tree, src: &str, needle: &str) -> Node<'t> {
        let b = src.find(needle).unwrap();
        tree.root_node()
            .descendant_for_byte_range(b, b + 1)
            .unwrap()
    }

    #[test]
    fn finds_cpp_declarations_and_types() {
        let src = "std::string g;\nvoid f(const std::vector<int>& v, std::string s) {\n  std::string a, b;\n  { int a = 1; }\n  use(a, b, v, s, g);\n}";
        let tree = Lang::Cpp.parse(src);
        let at = node_at(&tree, src, "use(");
        let a = declaration_of(Lang::Cpp, at, "a", src).unwrap();
        assert_eq!(
            a.ty.as_deref(),
            Some("std::string"),
            "the inner `int a` is out of scope"
        );
        assert_eq!(
            declaration_of(Lang::Cpp, at, "b", src)
                .unwrap()
                .ty
                .as_deref(),
            Some("std::string")
        );
        let v = declaration_of(Lang::Cpp, at, "v", src).unwrap();
        assert!(v.is_param && v.is_indirect && v.is_const);
        assert_eq!(base_type(v.ty.as_deref().unwrap()), "std::vector");
        let s = declaration_of(Lang::Cpp, at, "s", src).unwrap();
        assert!(s.is_param && !s.is_indirect && !s.is_const);
        assert!(declaration_of(Lang::Cpp, at, "g", src).unwrap().is_global);
        assert!(declaration_of(Lang::Cpp, at, "nope", src).is_none());
    }

    #[test]
    fn the_function_list_finds_the_enclosing_function() {
        let src =
            "int g;\nvoid f() { auto l = [] { int x = 1; }; }\nstruct S { void m() { int y; } };";
        let tree = Lang::Cpp.parse(src);
        let root = tree.root_node();
        for needle in ["x = 1", "y;", "g;"] {
            let n = node_at(&tree, src, needle);
            let by_descent = DeclIndex::default()
                .function_at(root, Lang::Cpp, n, src)
                .map(|f| f.id());
            let by_climbing = lang::enclosing_named_function(Lang::Cpp, n).map(|f| f.id());
            assert_eq!(by_descent, by_climbing, "{needle}");
        }
        assert!(DeclIndex::default()
            .function_at(root, Lang::Cpp, node_at(&tree, src, "g;"), src)
            .is_none());
    }

    #[test]
    fn infers_rust_types_from_initializers() {
        let src = "fn f(p: &str, mut q: String) { let a = String::new(); let b = format!(\"x\"); let c: Vec<u8> = make(); let d = it.collect::<Vec<_>>(); let e = make(); use_(a, b, c, d, e, p, q); }";
        let tree = Lang::Rust.parse(src);
        let at = node_at(&tree, src, "use_(");
        let ty = |n: &str| declaration_of(Lang::Rust, at, n, src).and_then(|d| d.ty);
        assert_eq!(ty("a").as_deref(), Some("String"));
        assert_eq!(ty("b").as_deref(), Some("String"));
        assert_eq!(ty("c").as_deref(), Some("Vec<u8>"));
        assert_eq!(ty("d").as_deref(), Some("Vec"));
        assert_eq!(ty("e"), None);
        assert!(
            declaration_of(Lang::Rust, at, "p", src)
                .unwrap()
                .is_indirect
        );
        assert_eq!(ty("q").as_deref(), Some("String"));
    }

    #[test]
    fn infers_rust_types_from_joins_and_local_functions() {
        let src = "fn mk() -> Vec<u8> { vec![] }\nfn gen<T>() -> T { todo!() }\nstruct S;\nimpl S { fn other() -> String { String::new() } }\n\
                   fn f(c: &[String]) { let a = c.join(\" \"); let b = c.join(sep); let m = mk(); let g = gen(); let o = other(); use_(a, b, m, g, o); }";
        let tree = Lang::Rust.parse(src);
        let at = node_at(&tree, src, "use_(");
        let ty = |n: &str| declaration_of(Lang::Rust, at, n, src).and_then(|d| d.ty);
        assert_eq!(ty("a").as_deref(), Some("String"));
        assert_eq!(ty("b"), None, "a separator of unknown type may make a Vec");
        assert_eq!(ty("m").as_deref(), Some("Vec<u8>"));
        assert_eq!(ty("g"), None, "a generic return type says nothing");
        assert_eq!(ty("o"), None, "a method is not what a bare call names");
    }

    #[test]
    fn rust_uses_include_inline_format_captures() {
        let src = "fn f() { let name = 1; println!(\"{name:>4} {{name}}\"); other(name2); }";
        let tree = Lang::Rust.parse(src);
        let uses = uses(Lang::Rust, tree.root_node(), "name", src);
        assert_eq!(uses.len(), 2, "the declaration and the inline capture");
        let src = "fn f() { let name = 1; println!(\"{}\", x.name); println!(\"{}\", m::name); g(name); }";
        let tree = Lang::Rust.parse(src);
        assert_eq!(
            super::uses(Lang::Rust, tree.root_node(), "name", src).len(),
            2,
            "fields and path items in macros are not the variable"
        );
        assert!(format_string_captures("\"{x}\"", "x"));
        assert!(!format_string_captures("\"{{x}}\"", "x"));
    }
}
