//! Type families (`string`, `vector`, `expensive`…) that guards check declared
//! types against, loaded from `rewrites/types.toml`.
//!
//! Keeping the lists in data lets a reviewer see exactly which types a skill
//! trusts, and extend them without touching Rust.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use crate::index::ty::Ty;
use crate::lang::Lang;

#[derive(Debug, Default, Clone)]
pub struct TypeFamilies {
    families: HashMap<(Lang, String), Vec<String>>,
    /// The same members, read as types.
    parsed: HashMap<(Lang, String), Vec<Ty>>,
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
                let parsed = expanded.iter().map(|m| parse_member(lang, m)).collect();
                out.parsed.insert((lang, name.clone()), parsed);
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

    /// Whether the resolved type `ty` is a member of `family`: the same
    /// base name (and in Rust the same kind of reference, `&mut String` is
    /// not `String`).
    pub fn has(&self, lang: Lang, family: &str, ty: &Ty) -> bool {
        let Some(members) = self.parsed.get(&(lang, family.to_string())) else {
            return false;
        };
        members.iter().any(|m| {
            m.base == ty.base
                && (lang == Lang::Cpp || (m.is_ref == ty.is_ref && m.is_mut == ty.is_mut))
        })
    }
}

/// A family member read as a type; `[]` (a Rust slice) has no other spelling.
fn parse_member(lang: Lang, m: &str) -> Ty {
    let bare = m.trim_start_matches("&mut ").trim_start_matches('&');
    if bare == "[]" {
        return Ty {
            base: "[]".into(),
            is_ref: m.starts_with('&'),
            is_mut: m.starts_with("&mut"),
            ..Ty::default()
        };
    }
    match lang {
        Lang::Cpp => Ty::parse_cpp(m),
        Lang::Rust => Ty::parse_rust(m),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_hold_types_by_base_and_rust_reference_kind() {
        let fam = TypeFamilies::parse("[cpp]\nstring=[\"std::string\"]\nvector=[\"std::vector\"]\nboth=[\"@string\",\"@vector\"]\n[rust]\nstring=[\"String\", \"&mut String\"]\nsized=[\"&[]\"]").unwrap();
        let cpp = |t: &str| Ty::parse_cpp(t);
        assert!(fam.has(Lang::Cpp, "vector", &cpp("const std::vector<std::string>&")));
        assert!(fam.has(Lang::Cpp, "both", &cpp("std::string")));
        assert!(!fam.has(Lang::Cpp, "string", &cpp("std::vector<int>")));
        assert!(
            !fam.has(Lang::Cpp, "string", &cpp("string")),
            "unresolved spellings are not std's"
        );
        let rust = |t: &str| Ty::parse_rust(t);
        assert!(fam.has(Lang::Rust, "string", &rust("&mut String")));
        assert!(!fam.has(Lang::Rust, "string", &rust("&String")));
        assert!(fam.has(Lang::Rust, "sized", &rust("&[u8]")));
        assert!(TypeFamilies::parse("[cpp]\na=[\"@nope\"]").is_err());
        assert!(
            TypeFamilies::parse("[cpp]\na=[\"@b\"]\nb=[\"@a\"]").is_err(),
            "cycles are errors"
        );
    }

    #[test]
    fn expands_nested_family_includes() {
        let fam = TypeFamilies::parse("[cpp]\nvector=[\"std::vector\"]\nsequence=[\"@vector\",\"std::deque\"]\ncontainer=[\"@sequence\",\"std::array\"]\nbig=[\"@container\"]").unwrap();
        assert!(fam.has(Lang::Cpp, "big", &Ty::parse_cpp("std::vector<int>")));
        assert!(fam.has(Lang::Cpp, "container", &Ty::parse_cpp("std::deque<int>")));
        let shipped = TypeFamilies::parse(include_str!("../../rewrites/types.toml")).unwrap();
        assert!(shipped.has(Lang::Cpp, "clearable", &Ty::parse_cpp("std::vector<int>")));
        assert!(shipped.has(Lang::Cpp, "allocating", &Ty::parse_cpp("std::string")));
    }
}
