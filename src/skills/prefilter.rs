//! Proof from a C++ file's text, before it is parsed, that a skill cannot
//! find anything in it.
//!
//! Parsing is most of a scan's cost, and most C++ skills act only on
//! evidence of a type (`declared-type(@v, vector)`): a declaration written
//! `std::vector<…>` (through one `using`/`typedef` alias at most, whose target
//! is written out too), or a bare `vector` under `using namespace std;` /
//! `using std::vector;` (rewrites/types.toml). That evidence is code: never a
//! comment and never an `#include` line. So when a file's code names none of a
//! family's members after `std::`, and has no `using namespace std`, no guard
//! that needs the family can hold there, and a file where no skill's needs
//! can be met is not parsed at all. On Boost's headers that is about three
//! quarters of the bytes.
//!
//! String literals are skipped too (a declaration is never inside one). The
//! reading errs towards code: a `//` comment continued by a backslash, an
//! unterminated raw string, a quote it cannot place are read as code, which
//! can only keep a file. An unterminated ordinary string ends with its line.

use super::types::TypeFamilies;
use crate::index::facts::{is_ident_byte, CodeFacts};
use crate::lang::Lang;

/// The evidence one guard needs: any of these names, qualified by `std::`
/// (or bare under `using namespace std`), or one of the unqualified names
/// (Qt's `QString`) written anywhere in the code.
#[derive(Clone, Debug)]
pub struct TypeNeed {
    names: Vec<Vec<u8>>,
    plain: Vec<Vec<u8>>,
}

impl TypeNeed {
    /// The need of a `|`-separated family list, or `None` when some member is
    /// not a `std::` name (then the text alone cannot rule the file out).
    pub fn for_families(types: &TypeFamilies, families: &str) -> Option<TypeNeed> {
        let mut names = Vec::new();
        let mut plain = Vec::new();
        for family in families.split('|') {
            for member in types.members(Lang::Cpp, family)? {
                let (list, short) = match member.strip_prefix("std::") {
                    Some(short) => (&mut names, short),
                    None => (&mut plain, member.as_str()),
                };
                if short.is_empty() || !short.bytes().all(is_ident_byte) {
                    return None;
                }
                list.push(short.as_bytes().to_vec());
            }
        }
        (!names.is_empty() || !plain.is_empty()).then_some(TypeNeed { names, plain })
    }

    pub fn met(&self, facts: &CodeFacts) -> bool {
        self.names
            .iter()
            .any(|n| facts.std_names.contains(n) || (facts.using_std && facts.words.contains(n)))
            || self.plain.iter().any(|p| facts.words.contains(p))
    }
}

/// The type needs a guard call brings: the families it checks a declared or
/// written type against. Negated guards need nothing.
pub fn guard_needs(
    name: &str,
    negated: bool,
    family_arg: Option<&str>,
    types: &TypeFamilies,
) -> Option<TypeNeed> {
    if negated {
        return None;
    }
    match name {
        "declared-type" | "type-in" => TypeNeed::for_families(types, family_arg?),
        // A written type that is expensive to copy, or a container of one:
        // either way a `deep-copy` member is named.
        "expensive-element" => TypeNeed::for_families(types, "deep-copy"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::facts::code_facts;

    #[test]
    fn using_namespace_std_makes_bare_names_count() {
        let facts = code_facts(b"using namespace std;\nvector<int> v;\n");
        assert!(facts.using_std);
        let types =
            TypeFamilies::parse("[cpp]\nvector = [\"std::vector\"]\nmap = [\"std::map\"]\n")
                .unwrap();
        let vector = TypeNeed::for_families(&types, "vector").unwrap();
        let map = TypeNeed::for_families(&types, "map").unwrap();
        assert!(vector.met(&facts));
        assert!(!map.met(&facts));
        let commented = code_facts(b"// using namespace std;\nvector<int> v;\n");
        assert!(!vector.met(&commented));
        let using_one = code_facts(b"using std::vector;\nvector<int> v;\n");
        assert!(vector.met(&using_one));
    }

    #[test]
    fn unqualified_members_are_met_by_the_word() {
        let types = TypeFamilies::parse(
            "[cpp]\nsized = [\"std::vector\", \"QString\"]\nbad = [\"ns::Thing\"]\n",
        )
        .unwrap();
        let sized = TypeNeed::for_families(&types, "sized").unwrap();
        assert!(sized.met(&code_facts(b"QString s;")));
        assert!(!sized.met(&code_facts(b"// QString s;\nint x;")));
        assert!(TypeNeed::for_families(&types, "bad").is_none());
        assert!(TypeNeed::for_families(&types, "nope").is_none());
    }
}
