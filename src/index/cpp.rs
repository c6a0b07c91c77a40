//! Reading a C++ file's declarations: classes and their members, aliases,
//! function and method signatures, namespace variables, includes and
//! `using`s. Function bodies are never entered, so this costs a walk of the
//! file's outline, not of its code.

use tree_sitter::{Node, Tree};

use super::summary::{
    join, AliasDef, FieldDef, FileSummary, FnDef, ParamDef, SelfKind, TypeDef, TypeKind, VarDef,
};

pub fn summarize(tree: &Tree, src: &str) -> FileSummary {
    let mut out = FileSummary::default();
    let mut walker = Walker { src, out: &mut out };
    walker.children(tree.root_node(), &Scope::default());
    out
}

/// Where a declaration sits: its namespace-and-class path, and whether it is
/// inside a class body or under `template<…>`.
#[derive(Clone, Default)]
struct Scope {
    path: String,
    class: Option<String>,
    template: bool,
    internal: bool,
}

struct Walker<'s, 'o> {
    src: &'s str,
    out: &'o mut FileSummary,
}

fn text<'s>(n: Node<'_>, src: &'s str) -> &'s str {
    &src[n.byte_range()]
}

/// Collapse runs of whitespace, so `std::map<int,\n  int>` reads as one line.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Walker<'_, '_> {
    fn t(&self, n: Node<'_>) -> &str {
        text(n, self.src)
    }

    fn children(&mut self, parent: Node<'_>, scope: &Scope) {
        let mut c = parent.walk();
        let kids: Vec<Node> = parent.named_children(&mut c).collect();
        for child in kids {
            self.visit(child, scope);
        }
    }

    fn visit(&mut self, node: Node<'_>, scope: &Scope) {
        match node.kind() {
            "preproc_include" => {
                if let Some(p) = node.child_by_field_name("path") {
                    let inc = self.t(p).trim_matches(|c| matches!(c, '"' | '<' | '>'));
                    self.out.includes.push(inc.to_string());
                }
            }
            "preproc_if" | "preproc_ifdef" | "preproc_else" | "preproc_elif"
            | "preproc_elifdef" | "declaration_list" => self.children(node, scope),
            "namespace_definition" => {
                let mut inner = scope.clone();
                match node.child_by_field_name("name") {
                    Some(n) => inner.path = join(&scope.path, &squash(self.t(n))),
                    None => inner.internal = true,
                }
                if let Some(body) = node.child_by_field_name("body") {
                    self.children(body, &inner);
                }
            }
            "linkage_specification" => {
                if let Some(body) = node.child_by_field_name("body") {
                    if body.kind() == "declaration_list" {
                        self.children(body, scope);
                    } else {
                        self.visit(body, scope);
                    }
                }
            }
            "template_declaration" => {
                let inner = Scope {
                    template: true,
                    ..scope.clone()
                };
                let mut c = node.walk();
                let kids: Vec<Node> = node
                    .named_children(&mut c)
                    .filter(|k| k.kind() != "template_parameter_list")
                    .collect();
                for k in kids {
                    self.visit(k, &inner);
                }
            }
            "class_specifier" | "struct_specifier" | "union_specifier" | "enum_specifier" => {
                self.type_def(node, scope, None);
            }
            "declaration" | "field_declaration" => self.declaration(node, scope),
            "function_definition" => self.function(node, scope, true),
            "type_definition" => {
                let ty = node.child_by_field_name("type");
                let mut c = node.walk();
                let declarators: Vec<Node> =
                    node.children_by_field_name("declarator", &mut c).collect();
                for d in declarators {
                    let (suffix, name, _) = peel(d, self.src);
                    let Some(name) = name else { continue };
                    let alias = join(&scope.path, self.t(name));
                    match ty {
                        // `typedef struct { … } Name;` names the struct itself.
                        Some(t) if is_type_body(t) && t.child_by_field_name("name").is_none() => {
                            self.type_def(t, scope, Some(self.t(name).to_string()));
                        }
                        Some(t) => {
                            if is_type_body(t) {
                                self.type_def(t, scope, None);
                            }
                            let target = format!("{}{suffix}", self.written_type(node, t));
                            self.out.aliases.push(AliasDef {
                                name: alias,
                                target,
                            });
                        }
                        None => {}
                    }
                }
            }
            "alias_declaration" => {
                if let (Some(n), Some(t)) = (
                    node.child_by_field_name("name"),
                    node.child_by_field_name("type"),
                ) {
                    self.out.aliases.push(AliasDef {
                        name: join(&scope.path, self.t(n)),
                        target: squash(self.t(t)),
                    });
                }
            }
            "using_declaration" => {
                let t = squash(self.t(node));
                let body = t
                    .trim_start_matches("using")
                    .trim()
                    .trim_end_matches(';')
                    .trim();
                match body.strip_prefix("namespace ") {
                    Some(ns) => self.out.using_namespaces.push(ns.trim().to_string()),
                    None => self.out.using_names.push(body.to_string()),
                }
            }
            _ => {}
        }
    }

    /// The type of a declaration as written: its `const`/`volatile`
    /// qualifiers and its type node (`const std::string`).
    fn written_type(&self, decl: Node<'_>, ty: Node<'_>) -> String {
        let mut quals = Vec::new();
        let mut c = decl.walk();
        for ch in decl.children(&mut c) {
            if ch.kind() == "type_qualifier" && matches!(self.t(ch), "const" | "volatile") {
                quals.push(self.t(ch).to_string());
            }
        }
        let base = if is_type_body(ty) {
            // `struct P { … } p;`: the type is the struct's name.
            ty.child_by_field_name("name")
                .map(|n| self.t(n).to_string())
                .unwrap_or_default()
        } else {
            squash(self.t(ty))
        };
        quals.push(base);
        quals.join(" ")
    }

    fn type_def(&mut self, node: Node<'_>, scope: &Scope, name_override: Option<String>) {
        let Some(body) = node.child_by_field_name("body") else {
            return; // a forward declaration
        };
        let name = match (name_override, node.child_by_field_name("name")) {
            (Some(n), _) => n,
            (None, Some(n)) => {
                let t = self.t(n);
                // `template<> struct hash<Key>`: the name is `hash`.
                t.split('<').next().unwrap_or(t).trim().to_string()
            }
            (None, None) => return,
        };
        let qualified = join(&scope.path, &name);
        let kind = match node.kind() {
            "class_specifier" => TypeKind::Class,
            "struct_specifier" => TypeKind::Struct,
            "union_specifier" => TypeKind::Union,
            _ => TypeKind::Enum,
        };
        let mut def = TypeDef {
            name: qualified.clone(),
            kind,
            fields: Vec::new(),
            bases: Vec::new(),
            copy: false,
            generic: scope.template,
        };
        if kind == TypeKind::Enum {
            self.out.types.push(def);
            return;
        }
        let mut c = node.walk();
        for ch in node.children(&mut c) {
            if ch.kind() == "base_class_clause" {
                let mut cc = ch.walk();
                for b in ch.named_children(&mut cc) {
                    if matches!(
                        b.kind(),
                        "type_identifier" | "qualified_identifier" | "template_type"
                    ) {
                        def.bases.push(squash(self.t(b)));
                    }
                }
            }
        }
        let inner = Scope {
            path: qualified.clone(),
            class: Some(qualified),
            template: false,
            internal: scope.internal,
        };
        self.members(body, &inner, &mut def);
        self.out.types.push(def);
    }

    /// The members of a class body; `#if` blocks are read through.
    fn members(&mut self, body: Node<'_>, scope: &Scope, def: &mut TypeDef) {
        let mut c = body.walk();
        let kids: Vec<Node> = body.named_children(&mut c).collect();
        for m in kids {
            match m.kind() {
                "field_declaration" => {
                    if let Some(ty) = m.child_by_field_name("type").filter(|t| is_type_body(*t)) {
                        self.type_def(ty, scope, None);
                    }
                    if has_function_declarator(m) {
                        self.declaration(m, scope);
                        continue;
                    }
                    let Some(ty) = m.child_by_field_name("type") else {
                        continue;
                    };
                    let written = self.written_type(m, ty);
                    let is_static =
                        has_child_text(m, "storage_class_specifier", "static", self.src);
                    let mut cc = m.walk();
                    let declarators: Vec<Node> =
                        m.children_by_field_name("declarator", &mut cc).collect();
                    for d in declarators {
                        let (suffix, name, _) = peel(d, self.src);
                        if let Some(n) = name {
                            def.fields.push(FieldDef {
                                name: self.t(n).to_string(),
                                ty: format!("{written}{suffix}"),
                                is_static,
                            });
                        }
                    }
                }
                "preproc_if" | "preproc_ifdef" | "preproc_else" | "preproc_elif"
                | "preproc_elifdef" => self.members(m, scope, def),
                "template_declaration" => {
                    let inner = Scope {
                        template: true,
                        ..scope.clone()
                    };
                    let mut cc = m.walk();
                    let kids: Vec<Node> = m
                        .named_children(&mut cc)
                        .filter(|k| k.kind() != "template_parameter_list")
                        .collect();
                    for k in kids {
                        self.visit(k, &inner);
                    }
                }
                _ => self.visit(m, scope),
            }
        }
    }

    /// A declaration at namespace or class scope: prototypes and variables.
    fn declaration(&mut self, node: Node<'_>, scope: &Scope) {
        // Constructors and destructors have no type.
        let ty = node.child_by_field_name("type");
        if let Some(t) = ty.filter(|t| is_type_body(*t) && scope.class.is_none()) {
            self.type_def(t, scope, None);
        }
        let mut c = node.walk();
        let declarators: Vec<Node> = node.children_by_field_name("declarator", &mut c).collect();
        for d in declarators {
            let (_, name, func) = peel(d, self.src);
            if func.is_some() {
                self.signature(node, d, scope, false);
            } else if let (Some(n), None, Some(ty)) = (name, &scope.class, ty) {
                let (suffix, _, _) = peel(d, self.src);
                self.out.vars.push(VarDef {
                    name: join(&scope.path, self.t(n)),
                    ty: format!("{}{suffix}", self.written_type(node, ty)),
                });
            }
        }
    }

    fn function(&mut self, node: Node<'_>, scope: &Scope, has_body: bool) {
        if let Some(d) = node.child_by_field_name("declarator") {
            self.signature(node, d, scope, has_body);
        }
    }

    /// Record the function that `declarator` (under `decl`) declares.
    fn signature(&mut self, decl: Node<'_>, declarator: Node<'_>, scope: &Scope, has_body: bool) {
        let (suffix, _, func) = peel(declarator, self.src);
        let Some(func) = func else { return };
        let Some(name_node) = func.child_by_field_name("declarator") else {
            return;
        };
        let written_name = squash(self.t(name_node));
        // `A::B::f` defined outside its class: the owner is `scope::A::B`.
        let (owner, short) = match written_name.rsplit_once("::") {
            Some((q, s)) => (Some(join(&scope.path, q)), s.to_string()),
            None => (scope.class.clone(), written_name.clone()),
        };
        let owner_short = owner.as_deref().map(|o| o.rsplit("::").next().unwrap_or(o));
        let is_ctor = owner_short == Some(short.as_str()) || short.starts_with('~');
        let ret = decl
            .child_by_field_name("type")
            .filter(|_| !is_ctor)
            .map(|t| format!("{}{suffix}", self.written_type(decl, t)));
        let mut params = Vec::new();
        if let Some(list) = func.child_by_field_name("parameters") {
            let mut c = list.walk();
            for p in list.named_children(&mut c) {
                if !p.kind().ends_with("parameter_declaration") {
                    continue;
                }
                let Some(pt) = p.child_by_field_name("type") else {
                    continue;
                };
                let (psuffix, pname) = match p.child_by_field_name("declarator") {
                    Some(d) => {
                        let (s, n, _) = peel(d, self.src);
                        (s, n.map(|n| self.t(n).to_string()))
                    }
                    None => (String::new(), None),
                };
                let ty = format!("{}{psuffix}", self.written_type(p, pt));
                if ty == "void" && pname.is_none() {
                    continue;
                }
                params.push(ParamDef {
                    name: pname,
                    ty,
                    variadic: p.kind() == "variadic_parameter_declaration",
                });
            }
        }
        let is_const = has_child_text(func, "type_qualifier", "const", self.src);
        let is_virtual = has_child_kind(decl, "virtual")
            || has_child_kind(func, "virtual_specifier")
            || has_child_text(decl, "virtual", "virtual", self.src);
        let is_static = has_child_text(decl, "storage_class_specifier", "static", self.src);
        let qualified = match &owner {
            Some(o) => join(o, &short),
            None => join(&scope.path, &short),
        };
        self.out.functions.push(FnDef {
            name: qualified,
            owner,
            ret,
            params,
            is_const,
            is_virtual,
            internal: scope.internal || (is_static && scope.class.is_none()),
            has_body,
            generic: scope.template,
            self_kind: SelfKind::None,
        });
    }
}

fn is_type_body(n: Node<'_>) -> bool {
    matches!(
        n.kind(),
        "class_specifier" | "struct_specifier" | "union_specifier" | "enum_specifier"
    ) && n.child_by_field_name("body").is_some()
}

fn has_child_kind(n: Node<'_>, kind: &str) -> bool {
    let mut c = n.walk();
    let found = n.children(&mut c).any(|ch| ch.kind() == kind);
    found
}

fn has_child_text(n: Node<'_>, kind: &str, t: &str, src: &str) -> bool {
    let mut c = n.walk();
    let found = n
        .children(&mut c)
        .any(|ch| ch.kind() == kind && text(ch, src) == t);
    found
}

fn has_function_declarator(decl: Node<'_>) -> bool {
    let mut c = decl.walk();
    let declarators: Vec<Node> = decl.children_by_field_name("declarator", &mut c).collect();
    declarators.into_iter().any(|d| peel(d, "").2.is_some())
}

/// Peel a declarator down to its name: the `&`, `&&`, `*` and `[]` it adds
/// to the type, the declared name, and the function declarator if it
/// declares a function. (`src` is only read for `&&`; pass "" when the
/// suffix does not matter.)
pub(crate) fn peel<'t>(d: Node<'t>, src: &str) -> (String, Option<Node<'t>>, Option<Node<'t>>) {
    let mut suffix = String::new();
    let mut cur = d;
    loop {
        match cur.kind() {
            "reference_declarator" | "abstract_reference_declarator" => {
                let rvalue = src
                    .get(cur.byte_range())
                    .is_some_and(|t| t.trim_start().starts_with("&&"));
                suffix.push_str(if rvalue { "&&" } else { "&" });
            }
            "pointer_declarator" | "abstract_pointer_declarator" => suffix.push('*'),
            "array_declarator" | "abstract_array_declarator" => suffix.push_str("[]"),
            "init_declarator" | "parenthesized_declarator" | "attributed_declarator" => {}
            "function_declarator" => {
                let name = cur.child_by_field_name("declarator");
                return (suffix, name, Some(cur));
            }
            "identifier"
            | "field_identifier"
            | "qualified_identifier"
            | "type_identifier"
            | "destructor_name"
            | "operator_name" => return (suffix, Some(cur), None),
            _ => return (suffix, None, None),
        }
        let next = cur
            .child_by_field_name("declarator")
            .or_else(|| first_named_declarator(cur));
        match next {
            Some(n) => cur = n,
            None => return (suffix, None, None),
        }
    }
}

/// A reference declarator holds its inner declarator as an unnamed child.
fn first_named_declarator(n: Node<'_>) -> Option<Node<'_>> {
    let mut c = n.walk();
    let found = n.named_children(&mut c).find(|ch| {
        ch.kind().ends_with("declarator")
            || matches!(
                ch.kind(),
                "identifier" | "field_identifier" | "qualified_identifier" | "operator_name"
            )
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;

    fn summary(src: &str) -> FileSummary {
        summarize(&Lang::Cpp.parse(src), src)
    }

    #[test]
    fn reads_classes_members_and_methods() {
        let s = summary(
            "#include \"w/widget.h\"\n#include <vector>\nnamespace ui {\nclass Widget : public Base {\n public:\n  using Names = std::vector<std::string>;\n  const std::string& name() const { return name_; }\n  Names names() const;\n  static Widget make(std::string label, const Names& n, int&& k);\n  virtual ~Widget();\n private:\n  std::string name_;\n  Names names_, extra_;\n  int* raw_;\n  static int count_;\n#ifdef DEBUG\n  std::map<int, int> debug_;\n#endif\n};\n}\n",
        );
        assert_eq!(s.includes, ["w/widget.h", "vector"]);
        let w = s.type_named("ui::Widget").expect("class found");
        assert_eq!(w.bases, ["Base"]);
        let field = |n: &str| w.fields.iter().find(|f| f.name == n).map(|f| f.ty.as_str());
        assert_eq!(field("name_"), Some("std::string"));
        assert_eq!(field("extra_"), Some("Names"));
        assert_eq!(field("raw_"), Some("int*"));
        assert_eq!(field("debug_"), Some("std::map<int, int>"));
        assert!(w.fields.iter().any(|f| f.name == "count_" && f.is_static));
        assert_eq!(
            s.alias_named("ui::Widget::Names")
                .map(|a| a.target.as_str()),
            Some("std::vector<std::string>")
        );
        let f = |n: &str| s.functions.iter().find(|f| f.name == n).expect(n);
        let name = f("ui::Widget::name");
        assert_eq!(name.ret.as_deref(), Some("const std::string&"));
        assert!(name.is_const && name.has_body);
        assert_eq!(name.owner.as_deref(), Some("ui::Widget"));
        let make = f("ui::Widget::make");
        let tys: Vec<&str> = make.params.iter().map(|p| p.ty.as_str()).collect();
        assert_eq!(tys, ["std::string", "const Names&", "int&&"]);
        assert!(f("ui::Widget::~Widget").is_virtual);
        assert_eq!(f("ui::Widget::~Widget").ret, None);
    }

    #[test]
    fn reads_out_of_line_definitions_aliases_and_variables() {
        let s = summary(
            "typedef std::map<int, std::string> Table;\ntypedef struct { int x; } Pod;\nusing namespace std;\nusing std::string;\nnamespace a { extern std::string g_name; }\nstd::string a::Foo::label() const { return {}; }\nstatic int helper(int);\nnamespace { void hidden() {} }\n",
        );
        assert_eq!(
            s.alias_named("Table").map(|a| a.target.as_str()),
            Some("std::map<int, std::string>")
        );
        assert!(s.type_named("Pod").is_some());
        assert_eq!(s.using_namespaces, ["std"]);
        assert_eq!(s.using_names, ["std::string"]);
        assert_eq!(s.vars[0].name, "a::g_name");
        let label = s
            .functions
            .iter()
            .find(|f| f.name == "a::Foo::label")
            .unwrap();
        assert_eq!(label.owner.as_deref(), Some("a::Foo"));
        assert!(label.is_const);
        assert!(
            s.functions
                .iter()
                .find(|f| f.name == "helper")
                .unwrap()
                .internal
        );
        assert!(
            s.functions
                .iter()
                .find(|f| f.name == "hidden")
                .unwrap()
                .internal
        );
    }
}
