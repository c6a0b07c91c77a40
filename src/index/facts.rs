//! What a C/C++ file's code names, read from its text without parsing:
//! the identifiers of its code (not of its comments, strings or `#include`
//! lines), which of them are written after `std::`, and whether it says
//! `using namespace std`.
//!
//! The skills' prefilter asks this of a file and of the project headers it
//! includes before deciding to parse it (see `skills::prefilter`); the index
//! keeps the headers' answers for the whole scan.

use rustc_hash::FxHashSet;

/// What a file's code says about the standard library names it uses.
#[derive(Debug, Default)]
pub struct CodeFacts {
    /// Identifiers written right after `std ::`.
    pub std_names: FxHashSet<Vec<u8>>,
    /// `using namespace std` appears: bare names may mean the standard ones.
    pub using_std: bool,
    /// Every identifier of the code.
    pub words: FxHashSet<Vec<u8>>,
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
            if !facts.words.contains(ident) {
                facts.words.insert(ident.to_vec());
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

pub(crate) fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
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
        let facts = code_facts(src.as_bytes());
        assert!(!facts.using_std);
        assert!(facts.words.contains(b"big".as_slice()));
        assert!(
            !facts.words.contains(b"set".as_slice()),
            "comments are not code"
        );
    }

    #[test]
    fn misread_text_only_ever_keeps_more() {
        // An unterminated string ends with its line; a lone quote in a
        // number is a separator; a `//` inside a string is not a comment.
        let src = "char* s = \"abc\nstd::vector<int> v;\nint x = 0x1'0; std::map<int,int> m;\nauto u = \"http://x\"; std::set<int> t;\nauto r = R\"(never closed std::array<int, 1> a;\n";
        assert_eq!(std_names(src), ["array", "map", "set", "vector"]);
    }
}
