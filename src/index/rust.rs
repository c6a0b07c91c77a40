//! Reading a Rust file's declarations: structs and enums with their fields
//! and derives, type aliases, `impl` and trait methods, free functions,
//! `use` renames, out-of-line modules, and where the test-only code is.
//! Function bodies are never entered.

use tree_sitter::{Node, Tree};

use super::summary::{
    join, AliasDef, FieldDef, FileSummary, FnDef, ParamDef, SelfKind, TypeDef, TypeKind, VarDef,
};

pub fn summarize(tree: &Tree, src: &str) -> FileSummary {
    let mut out = FileSummary::default();
    items(tree.root_node(), src, "", &mut out);
    out
}

fn text<'s>(n: Node<'_>, src: &'s str) -> &'s str {
    &src[n.byte_range()]
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The base name of a written type: `Parser<'a, T>` → `Parser`.
pub(crate) fn type_base(written: &str) -> &str {
    written.split('<').next().unwrap_or(written).trim()
}

/// The attributes' texts written right before an item, innermost text only
/// (`derive(Clone, Copy)`, `cfg(test)`, `test`).
fn attribute_texts(item: Node<'_>, src: &str) -> Vec<String> {
    std::iter::successors(item.prev_named_sibling(), |p| p.prev_named_sibling())
        .take_while(|p| p.kind() == "attribute_item")
        .filter_map(|a| a.named_child(0))
        .map(|a| squash(text(a, src)))
        .collect()
}

fn is_test_only(attrs: &[String]) -> bool {
    attrs.iter().any(|a| {
        a == "test" || (a.starts_with("cfg(") && a.contains("test") && !a.contains("not(test"))
    })
}

fn items(parent: Node<'_>, src: &str, module: &str, out: &mut FileSummary) {
    let mut c = parent.walk();
    let kids: Vec<Node> = parent.named_children(&mut c).collect();
    for item in kids {
        let attrs = attribute_texts(item, src);
        if is_test_only(&attrs) && item.kind() != "attribute_item" {
            // Test code declares nothing production code can see; remember
            // where it is (the attributes included).
            let start =
                std::iter::successors(item.prev_named_sibling(), |p| p.prev_named_sibling())
                    .take_while(|p| p.kind() == "attribute_item")
                    .last()
                    .map_or(item.start_byte(), |a| a.start_byte());
            out.test_ranges.push(start..item.end_byte());
            continue;
        }
        match item.kind() {
            "mod_item" => {
                let Some(name) = item.child_by_field_name("name") else {
                    continue;
                };
                match item.child_by_field_name("body") {
                    Some(body) => items(body, src, &join(module, text(name, src)), out),
                    None => out.mods.push(text(name, src).to_string()),
                }
            }
            "struct_item" | "union_item" | "enum_item" => {
                let Some(name) = item.child_by_field_name("name") else {
                    continue;
                };
                let kind = match item.kind() {
                    "struct_item" => TypeKind::Struct,
                    "union_item" => TypeKind::Union,
                    _ => TypeKind::Enum,
                };
                let copy = attrs.iter().any(|a| {
                    a.starts_with("derive(")
                        && a.trim_start_matches("derive(")
                            .trim_end_matches(')')
                            .split(',')
                            .any(|d| d.trim() == "Copy" || d.trim().ends_with("::Copy"))
                });
                let mut def = TypeDef {
                    name: join(module, text(name, src)),
                    kind,
                    fields: Vec::new(),
                    bases: Vec::new(),
                    copy,
                    generic: item.child_by_field_name("type_parameters").is_some(),
                };
                if let Some(body) = item.child_by_field_name("body") {
                    match kind {
                        TypeKind::Struct => fields(body, src, &mut def),
                        // A variant's fields are `Variant.0`, `Variant.name`:
                        // what a `match` arm's pattern takes apart.
                        TypeKind::Enum => variants(body, src, &mut def),
                        _ => {}
                    }
                }
                out.types.push(def);
            }
            "type_item" => {
                if let (Some(n), Some(t)) = (
                    item.child_by_field_name("name"),
                    item.child_by_field_name("type"),
                ) {
                    out.aliases.push(AliasDef {
                        name: join(module, text(n, src)),
                        target: squash(text(t, src)),
                    });
                }
            }
            "function_item" | "function_signature_item" => {
                if let Some(f) = function(item, src, module, None) {
                    out.functions.push(f);
                }
            }
            "impl_item" | "trait_item" => {
                let owner_node = match item.kind() {
                    "impl_item" => item.child_by_field_name("type"),
                    _ => item.child_by_field_name("name"),
                };
                let Some(owner_node) = owner_node else {
                    continue;
                };
                let owner = join(module, type_base(text(owner_node, src)));
                let Some(body) = item.child_by_field_name("body") else {
                    continue;
                };
                let mut bc = body.walk();
                for m in body.named_children(&mut bc) {
                    if matches!(m.kind(), "function_item" | "function_signature_item") {
                        if is_test_only(&attribute_texts(m, src)) {
                            out.test_ranges.push(m.byte_range());
                            continue;
                        }
                        if let Some(f) = function(m, src, module, Some(&owner)) {
                            out.functions.push(f);
                        }
                    }
                }
            }
            "use_declaration" => {
                if let Some(arg) = item.child_by_field_name("argument") {
                    use_tree(arg, src, "", &mut out.uses);
                }
            }
            "const_item" | "static_item" => {
                if let (Some(n), Some(t)) = (
                    item.child_by_field_name("name"),
                    item.child_by_field_name("type"),
                ) {
                    out.vars.push(VarDef {
                        name: join(module, text(n, src)),
                        ty: squash(text(t, src)),
                    });
                }
            }
            _ => {}
        }
    }
}

fn variants(body: Node<'_>, src: &str, def: &mut TypeDef) {
    let mut c = body.walk();
    for v in body.named_children(&mut c) {
        if v.kind() != "enum_variant" {
            continue;
        }
        let (Some(name), Some(vbody)) =
            (v.child_by_field_name("name"), v.child_by_field_name("body"))
        else {
            continue;
        };
        let mut inner = TypeDef {
            name: String::new(),
            kind: TypeKind::Struct,
            fields: Vec::new(),
            bases: Vec::new(),
            copy: false,
            generic: false,
        };
        fields(vbody, src, &mut inner);
        let variant = text(name, src);
        def.fields.extend(inner.fields.into_iter().map(|mut f| {
            f.name = format!("{variant}.{}", f.name);
            f
        }));
    }
}

fn fields(body: Node<'_>, src: &str, def: &mut TypeDef) {
    let mut c = body.walk();
    match body.kind() {
        "field_declaration_list" => {
            for f in body.named_children(&mut c) {
                if f.kind() != "field_declaration" {
                    continue;
                }
                if let (Some(n), Some(t)) =
                    (f.child_by_field_name("name"), f.child_by_field_name("type"))
                {
                    def.fields.push(FieldDef {
                        name: text(n, src).to_string(),
                        ty: squash(text(t, src)),
                        is_static: false,
                    });
                }
            }
        }
        "ordered_field_declaration_list" => {
            let types: Vec<Node> = body.children_by_field_name("type", &mut c).collect();
            for (i, t) in types.into_iter().enumerate() {
                def.fields.push(FieldDef {
                    name: i.to_string(),
                    ty: squash(text(t, src)),
                    is_static: false,
                });
            }
        }
        _ => {}
    }
}

fn function(item: Node<'_>, src: &str, module: &str, owner: Option<&str>) -> Option<FnDef> {
    let name = text(item.child_by_field_name("name")?, src);
    let mut params = Vec::new();
    let mut self_kind = SelfKind::None;
    if let Some(list) = item.child_by_field_name("parameters") {
        let mut c = list.walk();
        for p in list.named_children(&mut c) {
            match p.kind() {
                "self_parameter" => {
                    let t: String = text(p, src).split_whitespace().collect();
                    self_kind = if t.starts_with("&mut") {
                        SelfKind::Mut
                    } else if t.starts_with('&') {
                        SelfKind::Ref
                    } else {
                        SelfKind::Value
                    };
                }
                "parameter" => {
                    let ty = p.child_by_field_name("type").map(|t| squash(text(t, src)));
                    let pat = p
                        .child_by_field_name("pattern")
                        .map(|n| text(n, src).to_string());
                    if let Some(ty) = ty {
                        params.push(ParamDef {
                            name: pat,
                            ty,
                            variadic: false,
                        });
                    }
                }
                _ => {}
            }
        }
    }
    let qualified = match owner {
        Some(o) => join(o, name),
        None => join(module, name),
    };
    Some(FnDef {
        name: qualified,
        owner: owner.map(str::to_string),
        ret: item
            .child_by_field_name("return_type")
            .map(|t| squash(text(t, src))),
        params,
        is_const: false,
        is_virtual: false,
        internal: false,
        has_body: item.child_by_field_name("body").is_some(),
        generic: item.child_by_field_name("type_parameters").is_some(),
        self_kind,
    })
}

/// Flatten a `use` tree into (local name, full path) pairs.
fn use_tree(node: Node<'_>, src: &str, prefix: &str, out: &mut Vec<(String, String)>) {
    match node.kind() {
        "identifier" | "scoped_identifier" | "self" | "crate" | "super" => {
            let path = join(prefix, text(node, src));
            let local = path.rsplit("::").next().unwrap_or(&path).to_string();
            out.push((local, path));
        }
        "use_as_clause" => {
            if let (Some(p), Some(a)) = (
                node.child_by_field_name("path"),
                node.child_by_field_name("alias"),
            ) {
                out.push((text(a, src).to_string(), join(prefix, text(p, src))));
            }
        }
        "scoped_use_list" => {
            let path = node
                .child_by_field_name("path")
                .map(|p| join(prefix, text(p, src)))
                .unwrap_or_else(|| prefix.to_string());
            if let Some(list) = node.child_by_field_name("list") {
                use_tree(list, src, &path, out);
            }
        }
        "use_list" => {
            let mut c = node.walk();
            for ch in node.named_children(&mut c) {
                use_tree(ch, src, prefix, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;

    fn summary(src: &str) -> FileSummary {
        summarize(&Lang::Rust.parse(src), src)
    }

    #[test]
    fn reads_structs_fields_derives_and_impls() {
        let src = "#[derive(Clone, Copy, Debug)]\npub struct P { pub x: u32, y: u32 }\nstruct Doc { title: String, words: Vec<String> }\nstruct T(u8, String);\ntype Row = Vec<u8>;\nuse std::collections::{HashMap as Map, BTreeSet};\nuse crate::a::b;\nimpl<'a> Doc { pub fn title(&self) -> &str { &self.title } fn into_words(self) -> Vec<String> { self.words } fn new() -> Self { todo!() } }\nmod inner;\nmod nested { pub struct N { v: Vec<u8> } }\n#[cfg(test)]\nmod tests { struct Hidden; #[test] fn t() {} }\nfn free(a: &str, b: usize) -> String { String::new() }\n";
        let s = summary(src);
        assert!(s.type_named("P").unwrap().copy);
        let doc = s.type_named("Doc").unwrap();
        assert!(!doc.copy);
        assert_eq!(doc.fields[1].ty, "Vec<String>");
        assert_eq!(s.type_named("T").unwrap().fields[1].name, "1");
        assert!(s.type_named("nested::N").is_some());
        assert!(
            s.type_named("tests::Hidden").is_none(),
            "test code is left out"
        );
        assert_eq!(s.test_ranges.len(), 1);
        assert!(s.in_test_code(src.find("Hidden").unwrap()));
        assert_eq!(s.alias_named("Row").unwrap().target, "Vec<u8>");
        assert!(s
            .uses
            .contains(&("Map".into(), "std::collections::HashMap".into())));
        assert!(s
            .uses
            .contains(&("BTreeSet".into(), "std::collections::BTreeSet".into())));
        assert!(s.uses.contains(&("b".into(), "crate::a::b".into())));
        assert_eq!(s.mods, ["inner"]);
        let f = |n: &str| s.functions.iter().find(|f| f.name == n).expect(n);
        assert_eq!(f("Doc::title").ret.as_deref(), Some("&str"));
        assert_eq!(f("Doc::title").self_kind, SelfKind::Ref);
        assert_eq!(f("Doc::into_words").self_kind, SelfKind::Value);
        assert_eq!(f("Doc::new").self_kind, SelfKind::None);
        assert_eq!(f("free").params[0].ty, "&str");
        assert_eq!(f("free").ret.as_deref(), Some("String"));
    }
}
