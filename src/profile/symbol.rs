//! Symbols: demangling, and reducing a symbol to the qualified name a source
//! function has, so a profile from another machine can be matched by name.
//!
//! `std::vector<int, std::allocator<int> >::push_back(int const&)` becomes
//! `["std", "vector", "push_back"]`; `<demo::Grid as core::fmt::Display>::fmt`
//! becomes `["demo", "Grid", "fmt"]`; closures and lambdas belong to the
//! function they are written in (`demo::main::{{closure}}` → `["demo",
//! "main"]`).

/// Demangle an Itanium (C++) or Rust (legacy or v0) symbol; anything else,
/// including names a profiler already demangled, comes back unchanged.
pub fn demangle(raw: &str) -> String {
    // GCC clones keep their suffix outside the mangling: `_Z3fooi.constprop.0`.
    let (mangled, _clone_suffix) = match raw.find('.') {
        Some(dot) if raw.starts_with("_Z") || raw.starts_with("_R") => raw.split_at(dot),
        _ => (raw, ""),
    };
    if mangled.starts_with("_R") || is_rust_legacy(mangled) {
        if let Ok(d) = rustc_demangle::try_demangle(mangled) {
            // `{:#}` leaves out the `::h<hash>` suffix.
            return format!("{d:#}");
        }
    }
    if mangled.starts_with("_Z") {
        if let Ok(sym) = cpp_demangle::Symbol::new(mangled) {
            if let Ok(text) = sym.demangle() {
                return text;
            }
        }
    }
    raw.to_string()
}

/// Which language a demangled symbol is from, when its spelling says so:
/// C++ names carry their parameter list, Rust ones their closures, hashes
/// and `<T as Trait>` paths.
pub fn language_hint(symbol: &str) -> Option<crate::lang::Lang> {
    use crate::lang::Lang;
    if symbol.contains("{{closure}}") || symbol.contains("{closure#") || symbol.contains(" as ") {
        return Some(Lang::Rust);
    }
    if let Some(hash) = symbol.rsplit("::").next() {
        if hash.len() == 17
            && hash.starts_with('h')
            && hash[1..].bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Some(Lang::Rust);
        }
    }
    if symbol.ends_with(')')
        || symbol.ends_with(") const")
        || symbol.contains("(anonymous namespace)")
    {
        return Some(Lang::Cpp);
    }
    None
}

/// `_ZN…17h<16 hex>E`: Rust's legacy mangling (also valid Itanium).
fn is_rust_legacy(s: &str) -> bool {
    s.starts_with("_ZN")
        && s.len() > 20
        && s.ends_with('E')
        && s[s.len() - 20..s.len() - 17] == *"17h"
        && s[s.len() - 17..s.len() - 1]
            .bytes()
            .all(|b| b.is_ascii_hexdigit())
}

/// The qualified name of a (demangled) symbol, one path component per entry:
/// no return type, parameters, template or generic arguments, hash suffix,
/// clone suffix, ABI tag or `<T as Trait>` wrapper. Closures and lambdas
/// end the path: their cost belongs to the enclosing function.
pub fn qualified_name(symbol: &str) -> Vec<String> {
    let mut s = symbol.trim();
    // callgrind marks the instances of a recursion cycle: `f'2`.
    if let Some((base, n)) = s.rsplit_once('\'') {
        if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) {
            s = base;
        }
    }
    for suffix in [" const", " volatile", " &&", " &"] {
        s = s.strip_suffix(suffix).unwrap_or(s);
    }
    let s = s.replace("(anonymous namespace)", "");
    let mut parts: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    let mut done = false;
    while let Some(c) = chars.next() {
        match c {
            // `<demo::Grid as core::fmt::Display>::fmt` → `demo::Grid::fmt`;
            // `<alloc::vec::Vec<T>>::push` → `alloc::vec::Vec::push`; a
            // template argument list after a name is dropped.
            '<' if cur.is_empty() && !is_operator(&parts, &cur) => {
                let inner = take_balanced(&mut chars, '<', '>');
                let self_type = inner.split(" as ").next().unwrap_or(&inner);
                parts.extend(qualified_name(self_type));
            }
            '<' if !is_operator(&parts, &cur) => {
                take_balanced(&mut chars, '<', '>');
            }
            '[' => {
                // `[abi:cxx11]`, `[clone .constprop.0]`
                take_balanced(&mut chars, '[', ']');
            }
            '{' => {
                // `{lambda(int)#1}`, `{{closure}}`, `{closure#0}`, `{shim:…}`:
                // everything from here on is inside the enclosing function.
                done = true;
            }
            '(' if cur == "operator" => {
                // `operator()` is a name, not a parameter list.
                if chars.peek() == Some(&')') {
                    chars.next();
                    cur.push_str("()");
                } else {
                    done = true;
                }
            }
            '(' => done = true,
            ':' if chars.peek() == Some(&':') => {
                chars.next();
                if !cur.is_empty() {
                    parts.push(std::mem::take(&mut cur));
                }
            }
            ' ' if !cur.starts_with("operator") => {
                // A return type before the name: `void foo<int>(int)`.
                parts.clear();
                cur.clear();
            }
            '.' if !cur.starts_with("operator") => {
                // `foo.constprop.0`, `foo.cold`: GCC clone suffixes.
                done = true;
            }
            _ => cur.push(c),
        }
        if done {
            break;
        }
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    // A Rust hash segment `h0123456789abcdef` left by a demangler.
    if parts.len() > 1 {
        if let Some(last) = parts.last() {
            if last.len() == 17
                && last.starts_with('h')
                && last[1..].bytes().all(|b| b.is_ascii_hexdigit())
            {
                parts.pop();
            }
        }
    }
    parts.retain(|p| !p.trim().is_empty());
    for p in &mut parts {
        *p = p.trim().to_string();
    }
    parts
}

fn is_operator(_parts: &[String], cur: &str) -> bool {
    cur.starts_with("operator")
}

/// Consume up to the bracket that closes one already consumed.
fn take_balanced(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    open: char,
    close: char,
) -> String {
    let mut depth = 1;
    let mut inner = String::new();
    for c in chars.by_ref() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                break;
            }
        }
        inner.push(c);
    }
    inner
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demangles_itanium_and_both_rust_manglings() {
        assert_eq!(demangle("_ZN3geo4Grid4fillEi"), "geo::Grid::fill(int)");
        assert_eq!(
            demangle("_ZN12wattson_demo4text6render17h0123456789abcdefE"),
            "wattson_demo::text::render"
        );
        assert_eq!(
            demangle("_RNvNtCs1234_7mycrate3foo3bar"),
            "mycrate::foo::bar"
        );
        assert_eq!(demangle("_Z3fooi.constprop.0"), "foo(int)");
        assert_eq!(demangle("main"), "main");
        assert_eq!(demangle("_Znot a symbol"), "_Znot a symbol");
    }

    fn q(s: &str) -> Vec<String> {
        qualified_name(s)
    }

    #[test]
    fn cpp_names_lose_parameters_templates_and_return_types() {
        assert_eq!(q("geo::Grid::fill(int)"), ["geo", "Grid", "fill"]);
        assert_eq!(
            q("std::vector<int, std::allocator<int> >::push_back(int const&)"),
            ["std", "vector", "push_back"]
        );
        assert_eq!(q("void sort_all<int>(std::vector<int>&)"), ["sort_all"]);
        assert_eq!(q("(anonymous namespace)::helper(int)"), ["helper"]);
        assert_eq!(q("geo::Grid::size() const"), ["geo", "Grid", "size"]);
        assert_eq!(q("main::{lambda(int)#1}::operator()(int) const"), ["main"]);
        assert_eq!(q("Vec2::operator+(Vec2 const&)"), ["Vec2", "operator+"]);
        assert_eq!(q("Cmp::operator()(int, int)"), ["Cmp", "operator()"]);
        assert_eq!(q("Cmp::operator<(Cmp const&)"), ["Cmp", "operator<"]);
        assert_eq!(q("text::join[abi:cxx11](int)"), ["text", "join"]);
        assert_eq!(q("hot.constprop.0"), ["hot"]);
        assert_eq!(q("geo::walk(int)'2"), ["geo", "walk"]);
        assert_eq!(
            q("analyze_text(std::vector<std::string> const&) [clone .cold]"),
            ["analyze_text"]
        );
    }

    #[test]
    fn spelling_hints_at_the_language() {
        use crate::lang::Lang;
        assert_eq!(
            language_hint("bench::score(std::vector<int> const&)"),
            Some(Lang::Cpp)
        );
        assert_eq!(language_hint("hot::main::{{closure}}"), Some(Lang::Rust));
        assert_eq!(
            language_hint("hot::bench::score::h0123456789abcdef"),
            Some(Lang::Rust)
        );
        assert_eq!(language_hint("main"), None);
    }

    #[test]
    fn rust_names_lose_generics_hashes_and_trait_wrappers() {
        assert_eq!(
            q("<demo::Grid as core::fmt::Display>::fmt"),
            ["demo", "Grid", "fmt"]
        );
        assert_eq!(
            q("<alloc::vec::Vec<T,A>>::push"),
            ["alloc", "vec", "Vec", "push"]
        );
        assert_eq!(q("demo::main::{{closure}}"), ["demo", "main"]);
        assert_eq!(q("demo::main::{closure#0}"), ["demo", "main"]);
        assert_eq!(
            q("demo::text::render::h0123456789abcdef"),
            ["demo", "text", "render"]
        );
        assert_eq!(
            q("core::iter::traits::iterator::Iterator::sum"),
            ["core", "iter", "traits", "iterator", "Iterator", "sum"]
        );
    }
}
