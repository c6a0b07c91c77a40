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

use rustc_hash::FxHashSet;

use super::types::TypeFamilies;
use crate::lang::Lang;

/// What a file's code says about the standard library names it uses.
#[derive(Debug, Default)]
pub struct CodeFacts {
    /// Identifiers written right after `std ::`.
    std_names: FxHashSet<Vec<u8>>,
    /// `using namespace std` appears: bare names may mean the standard ones.
    using_std: bool,
    /// Every identifier of the code, read only under `using namespace std`.
    words: FxHashSet<Vec<u8>>,
}

/// The evidence one guard needs: any of these names, qualified by `std::`
/// (or bare under `using namespace std`).
#[derive(Clone, Debug)]
pub struct TypeNeed {
    names: Vec<Vec<u8>>,
}

impl TypeNeed {
    /// The need of a `|`-separated family list, or `None` when some member is
    /// not a `std::` name (then the text alone cannot rule the file out).
    pub fn for_families(types: &TypeFamilies, families: &str) -> Option<TypeNeed> {
        let mut names = Vec::new();
        for family in families.split('|') {
            for member in types.members(Lang::Cpp, family)? {
                let short = member.strip_prefix("std::")?;
                if short.is_empty() || !short.bytes().all(is_ident_byte) {
                    return None;
                }
                names.push(short.as_bytes().to_vec());
            }
        }
        (!names.is_empty()).then_some(TypeNeed { names })
    }

    pub fn met(&self, facts: &CodeFacts) -> bool {
        self.names
            .iter()
            .any(|n| facts.std_names.contains(n) || (facts.using_std && facts.words.contains(n)))
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
        // A written type that is expensive, or a container of one: either
        // way an `expensive` member is named.
        "expensive-element" => TypeNeed::for_families(types, "expensive"),
        _ => None,
    }
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Read the code of a C/C++ file: identifiers outside comments and outside
/// `#include` lines, and the `std::` names among them.
pub fn code_facts(src: &[u8]) -> CodeFacts {
    let mut facts = CodeFacts::default();
    // The last significant tokens, to see `std :: name` and
    // `using namespace std`.
    let mut last: [Token; 2] = [Token::Other, Token::Other];
    let push = |facts: &mut CodeFacts, t: Token, ident: &[u8], last: &mut [Token; 2]| {
        if let Token::Ident(_) = t {
            if last == &[Token::Std, Token::ColonColon] {
                facts.std_names.insert(ident.to_vec());
            }
        }
        if t == Token::Std && last == &[Token::Using, Token::Namespace] {
            facts.using_std = true;
        }
        *last = [last[1], t];
    };
    let mut i = 0;
    let n = src.len();
    let mut line_start = true;
    while i < n {
        let b = src[i];
        match b {
            b'\n' => {
                line_start = true;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\x0c' | b'\x0b' => {
                i += 1;
                continue;
            }
            _ => {}
        }
        let at_line_start = std::mem::replace(&mut line_start, false);
        if b == b'#' && at_line_start && is_include(&src[i + 1..]) {
            // An include names headers, never declares: skip its line.
            i = memchr::memchr(b'\n', &src[i..]).map_or(n, |p| i + p);
            continue;
        }
        if b == b'/' && src.get(i + 1) == Some(&b'/') {
            i = memchr::memchr(b'\n', &src[i..]).map_or(n, |p| i + p);
            continue;
        }
        if b == b'/' && src.get(i + 1) == Some(&b'*') {
            i = memchr::memmem::find(&src[i + 2..], b"*/").map_or(n, |p| i + 2 + p + 2);
            continue;
        }
        if b == b'"' {
            i = skip_string(src, i, raw_prefix(src, i));
            push(&mut facts, Token::Other, b"", &mut last);
            continue;
        }
        if b == b'\'' {
            if let Some(end) = char_literal_end(src, i) {
                i = end;
                push(&mut facts, Token::Other, b"", &mut last);
                continue;
            }
            // A digit separator (`1'000`): part of a number.
            i += 1;
            continue;
        }
        if b == b':' && src.get(i + 1) == Some(&b':') {
            push(&mut facts, Token::ColonColon, b"", &mut last);
            i += 2;
            continue;
        }
        if is_ident_byte(b) {
            let start = i;
            while i < n && is_ident_byte(src[i]) {
                i += 1;
            }
            let ident = &src[start..i];
            let t = match ident {
                b"std" => Token::Std,
                b"using" => Token::Using,
                b"namespace" => Token::Namespace,
                _ if b.is_ascii_digit() => Token::Other,
                _ => Token::Ident(()),
            };
            push(&mut facts, t, ident, &mut last);
            continue;
        }
        push(&mut facts, Token::Other, b"", &mut last);
        i += 1;
    }
    if facts.using_std {
        facts.words = all_words(src);
    }
    facts
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    Std,
    Using,
    Namespace,
    ColonColon,
    Ident(()),
    Other,
}

/// Every identifier of the file (comments included: more words only keep
/// more files).
fn all_words(src: &[u8]) -> FxHashSet<Vec<u8>> {
    let mut words = FxHashSet::default();
    let mut i = 0;
    while i < src.len() {
        if is_ident_byte(src[i]) {
            let start = i;
            while i < src.len() && is_ident_byte(src[i]) {
                i += 1;
            }
            words.insert(src[start..i].to_vec());
        } else {
            i += 1;
        }
    }
    words
}

/// `include` (after optional spaces) follows the `#`.
fn is_include(rest: &[u8]) -> bool {
    let skip = rest
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    rest[skip..].starts_with(b"include") && !rest.get(skip + 7).is_some_and(|&b| is_ident_byte(b))
}

/// For a `"` at `quote`: the raw string's delimiter when an `R` (`u8R`,
/// `uR`, `UR`, `LR`) prefix is written right before it.
fn raw_prefix(src: &[u8], quote: usize) -> Option<Vec<u8>> {
    let start = src[..quote]
        .iter()
        .rposition(|&b| !is_ident_byte(b))
        .map_or(0, |p| p + 1);
    if !matches!(&src[start..quote], b"R" | b"u8R" | b"uR" | b"UR" | b"LR") {
        return None;
    }
    let rest = &src[quote + 1..];
    let open = rest.iter().take(17).position(|&b| b == b'(')?;
    let delim = &rest[..open];
    if delim
        .iter()
        .any(|&b| matches!(b, b' ' | b'\t' | b'\n' | b'\\' | b')' | b'"'))
    {
        return None;
    }
    Some(delim.to_vec())
}

/// The index just past the string literal opening at `quote`.
fn skip_string(src: &[u8], quote: usize, raw_delim: Option<Vec<u8>>) -> usize {
    let n = src.len();
    if let Some(delim) = raw_delim {
        let mut close = Vec::with_capacity(delim.len() + 2);
        close.push(b')');
        close.extend_from_slice(&delim);
        close.push(b'"');
        let body = quote + 1 + delim.len() + 1;
        // Unterminated, it was no raw string: read on as code.
        return memchr::memmem::find(&src[body.min(n)..], &close)
            .map_or(quote + 1, |p| body + p + close.len());
    }
    let mut i = quote + 1;
    while i < n {
        match src[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            // An unterminated string ends with its line.
            b'\n' => return i,
            _ => i += 1,
        }
    }
    n
}

/// For a `'` at `quote`: the index past its character literal, or `None`
/// when it is a digit separator (`1'000'000`).
fn char_literal_end(src: &[u8], quote: usize) -> Option<usize> {
    let start = src[..quote]
        .iter()
        .rposition(|&b| !is_ident_byte(b))
        .map_or(0, |p| p + 1);
    let before = &src[start..quote];
    if !before.is_empty() && !matches!(before, b"u8" | b"u" | b"U" | b"L") {
        return None;
    }
    let mut i = quote + 1;
    // Multi-character literals exist; a real one is short and on one line.
    while i < src.len() && i < quote + 12 {
        match src[i] {
            b'\\' => i += 2,
            b'\'' => return Some(i + 1),
            b'\n' => return None,
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn std_names(src: &str) -> Vec<String> {
        let mut v: Vec<String> = code_facts(src.as_bytes())
            .std_names
            .into_iter()
            .map(|n| String::from_utf8(n).unwrap())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn std_names_are_read_from_code_only() {
        let src = r#"#include <vector>
#  include <string>
// std::map in a comment
/* std::set
   in a block */
int f(std::vector<int> v, const ::std::deque<int>& d, std :: list<int> l);
const char* s = "std::array // not a comment /* nor this";
std::function<void()> g; char c = '"'; int big = 1'000'000; std::tuple<> t;
auto r = R"x(std::pair )" /* still the string )x"; std::optional<int> o;
"#;
        assert_eq!(
            std_names(src),
            ["deque", "function", "list", "optional", "tuple", "vector"],
            "strings, comments and includes are not code"
        );
        assert!(!code_facts(src.as_bytes()).using_std);
    }

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
    fn families_with_names_outside_std_cannot_rule_a_file_out() {
        let types = TypeFamilies::parse(
            "[cpp]\nsized = [\"std::vector\", \"int\"]\nv = [\"std::vector\"]\n",
        )
        .unwrap();
        assert!(TypeNeed::for_families(&types, "sized").is_none());
        assert!(TypeNeed::for_families(&types, "v|sized").is_none());
        assert!(TypeNeed::for_families(&types, "v").is_some());
        assert!(TypeNeed::for_families(&types, "nope").is_none());
    }

    #[test]
    fn misread_text_only_ever_keeps_more() {
        // An unterminated string ends with its line; a lone quote in a
        // number is a separator; a `//` inside a string is not a comment.
        let src = "char* s = \"abc\nstd::vector<int> v;\nint x = 0x1'0; std::map<int,int> m;\nauto u = \"http://x\"; std::set<int> t;\nauto r = R\"(never closed std::array<int, 1> a;\n";
        assert_eq!(std_names(src), ["array", "map", "set", "vector"]);
    }
}
