//! Type families (`string`, `vector`, `expensive`…) that guards check declared
//! types against, loaded from `rewrites/types.toml`.
//!
//! Keeping the lists in data lets a reviewer see exactly which types a skill
//! trusts, and extend them without touching Rust.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use tree_sitter::Node;

use super::syntax::{self, text};
use crate::lang::Lang;

#[derive(Debug, Default, Clone)]
pub struct TypeFamilies {
    families: HashMap<(Lang, String), Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    cpp: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    rust: BTreeMap<String, Vec<String>>,
}

impl TypeFamilies {
    pub fn parse(src: &str) -> Result<Self, String> {
        let file: File = toml::from_str(src).map_err(|e| e.to_string())?;
        let mut out = TypeFamilies::default();
        for (lang, map) in [(Lang::Cpp, file.cpp), (Lang::Rust, file.rust)] {
            for name in map.keys() {
                let mut expanded = Vec::new();
                expand(&map, name, &mut vec![], &mut expanded)
                    .map_err(|e| format!("[{}] {name}: {e}", lang.id()))?;
                out.families.insert((lang, name.clone()), expanded);
            }
        }
        Ok(out)
    }

    /// The members of one family, its `@` inclusions expanded.
    pub fn members(&self, lang: Lang, family: &str) -> Option<&[String]> {
        self.families
            .get(&(lang, family.to_string()))
            .map(Vec::as_slice)
    }

    pub fn has_family(&self, lang: Lang, family: &str) -> bool {
        family
            .split('|')
            .all(|f| self.families.contains_key(&(lang, f.to_string())))
    }

    /// Whether the written type `ty` (as found in file `root`) belongs to any
    /// of the `|`-separated families. Handles `const`, references, template
    /// arguments, one level of `using X = T` / `typedef`, and unqualified
    /// `string` when the file says `using namespace std` or `using std::string`.
    pub fn contains(&self, lang: Lang, family: &str, ty: &str, root: Node<'_>, src: &str) -> bool {
        let resolved = resolve_alias(lang, ty, root, src);
        let base = syntax::base_type(&resolved);
        family.split('|').any(|f| {
            let Some(members) = self.families.get(&(lang, f.to_string())) else {
                return false;
            };
            members.iter().any(|m| {
                let m_base = syntax::base_type(m);
                if lang == Lang::Rust && ref_kind(m) != ref_kind(ty) {
                    return false;
                }
                base == m_base
                    || (lang == Lang::Cpp
                        && m_base
                            .strip_prefix("std::")
                            .is_some_and(|short| short == base && std_visible(short, root, src)))
            })
        })
    }
}

/// The members of family `name`, with `@family` includes expanded at any
/// depth (`expensive` includes `container`, which includes `sequence`...).
/// `stack` holds the families being expanded, to report include cycles.
fn expand(
    map: &BTreeMap<String, Vec<String>>,
    name: &str,
    stack: &mut Vec<String>,
    out: &mut Vec<String>,
) -> Result<(), String> {
    if stack.iter().any(|s| s == name) {
        return Err(format!("family `@{name}` includes itself"));
    }
    let members = map
        .get(name)
        .ok_or_else(|| format!("unknown family `@{name}`"))?;
    stack.push(name.to_string());
    for m in members {
        match m.strip_prefix('@') {
            Some(inner) => expand(map, inner, stack, out)?,
            None if !out.contains(m) => out.push(m.clone()),
            None => {}
        }
    }
    stack.pop();
    Ok(())
}

/// 0 for an owned Rust type, 1 for `&T`, 2 for `&mut T`.
fn ref_kind(ty: &str) -> u8 {
    let t: String = ty.split_whitespace().collect();
    if t.starts_with("&mut") {
        2
    } else if t.starts_with('&') {
        1
    } else {
        0
    }
}

/// Per-file facts that type checks need again and again: the file's aliases
/// and `using` declarations. Computed once per file and thread (scans run one
/// file at a time per thread), keyed by the source text's address and length.
#[derive(Default)]
struct FileFacts {
    key: (usize, usize),
    aliases: HashMap<String, String>,
    usings: Vec<String>,
}

thread_local! {
    static FACTS: RefCell<FileFacts> = RefCell::new(FileFacts::default());
}

/// Forget the cached facts: the engine calls this before each file, so a
/// new text allocated where the last one was is never mistaken for it.
pub fn begin_file() {
    FACTS.with(|f| f.borrow_mut().key = (0, 0));
}

fn with_facts<R>(root: Node<'_>, src: &str, f: impl FnOnce(&FileFacts) -> R) -> R {
    FACTS.with(|cell| {
        let key = (src.as_ptr() as usize, src.len());
        if cell.borrow().key != key {
            let mut facts = FileFacts {
                key,
                ..FileFacts::default()
            };
            for kw in ["using", "typedef"] {
                for leaf in syntax::named_leaves(root, kw, src) {
                    let Some(n) = leaf.parent() else { continue };
                    let (name, target) = match n.kind() {
                        "alias_declaration" => {
                            (n.child_by_field_name("name"), n.child_by_field_name("type"))
                        }
                        "type_definition" => (
                            n.child_by_field_name("declarator"),
                            n.child_by_field_name("type"),
                        ),
                        "using_declaration" => {
                            facts.usings.push(
                                text(n, src)
                                    .split_whitespace()
                                    .collect::<Vec<_>>()
                                    .join(" "),
                            );
                            continue;
                        }
                        _ => continue,
                    };
                    if let (Some(name), Some(target)) = (name, target) {
                        facts
                            .aliases
                            .entry(text(name, src).to_string())
                            .or_insert_with(|| text(target, src).to_string());
                    }
                }
            }
            *cell.borrow_mut() = facts;
        }
        f(&cell.borrow())
    })
}

/// `using Row = std::vector<int>;` / `typedef std::string Str;` → the aliased type.
fn resolve_alias(lang: Lang, ty: &str, root: Node<'_>, src: &str) -> String {
    if lang != Lang::Cpp {
        return ty.to_string();
    }
    let base = syntax::base_type(ty);
    with_facts(root, src, |f| f.aliases.get(&base).cloned()).unwrap_or_else(|| ty.to_string())
}

/// Whether the unqualified `name` refers to `std::name` in this file.
pub fn std_visible(name: &str, root: Node<'_>, src: &str) -> bool {
    with_facts(root, src, |f| {
        f.usings
            .iter()
            .any(|u| u == "using namespace std;" || *u == format!("using std::{name};"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_types_through_qualifiers_aliases_and_using() {
        let fam = TypeFamilies::parse("[cpp]\nstring=[\"std::string\"]\nvector=[\"std::vector\"]\nboth=[\"@string\",\"@vector\"]\n[rust]\nstring=[\"String\", \"&mut String\"]").unwrap();
        let src = "using Row = std::vector<int>;\nusing namespace std;\n";
        let tree = Lang::Cpp.parse(src);
        let root = tree.root_node();
        assert!(fam.contains(
            Lang::Cpp,
            "vector",
            "const std::vector<std::string>&",
            root,
            src
        ));
        assert!(fam.contains(Lang::Cpp, "vector", "Row", root, src));
        assert!(fam.contains(Lang::Cpp, "both", "string", root, src));
        assert!(!fam.contains(Lang::Cpp, "string", "std::vector<int>", root, src));
        let plain = Lang::Cpp.parse("int x;");
        assert!(!fam.contains(Lang::Cpp, "string", "string", plain.root_node(), "int x;"));
        let r = Lang::Rust.parse("");
        assert!(fam.contains(Lang::Rust, "string", "&mut String", r.root_node(), ""));
        assert!(!fam.contains(Lang::Rust, "string", "&String", r.root_node(), ""));
        assert!(TypeFamilies::parse("[cpp]\na=[\"@nope\"]").is_err());
        assert!(
            TypeFamilies::parse("[cpp]\na=[\"@b\"]\nb=[\"@a\"]").is_err(),
            "cycles are errors"
        );
        let nested =
            TypeFamilies::parse("[cpp]\na=[\"@b\"]\nb=[\"@c\"]\nc=[\"std::deque\"]").unwrap();
        assert!(nested.contains(Lang::Cpp, "a", "std::deque<int>", root, src));
    }

    #[test]
    fn expands_nested_family_includes() {
        let fam = TypeFamilies::parse("[cpp]\nvector=[\"std::vector\"]\nsequence=[\"@vector\",\"std::deque\"]\ncontainer=[\"@sequence\",\"std::array\"]\nexpensive=[\"@container\"]").unwrap();
        let tree = Lang::Cpp.parse("");
        let root = tree.root_node();
        assert!(fam.contains(Lang::Cpp, "expensive", "std::vector<int>", root, ""));
        assert!(fam.contains(Lang::Cpp, "container", "std::deque<int>", root, ""));
        assert!(
            TypeFamilies::parse("[cpp]\na=[\"@b\"]\nb=[\"@a\"]").is_err(),
            "a cycle is an error"
        );
        // The shipped families rely on nesting: a vector is expensive to copy.
        let shipped = TypeFamilies::parse(include_str!("../../rewrites/types.toml")).unwrap();
        assert!(shipped.contains(Lang::Cpp, "expensive", "std::vector<std::string>", root, ""));
        assert!(shipped.contains(Lang::Cpp, "clearable", "std::vector<int>", root, ""));
    }
}
