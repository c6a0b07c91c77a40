//! Types as structured values: `const std::vector<Row>&` becomes a base name
//! (`std::vector`), its arguments, and how it is held (const, reference,
//! pointer). Guards compare bases and walk arguments instead of slicing text.
//!
//! The reading is deliberately forgiving: anything it does not understand
//! (function types, `decltype`, macros) comes out as an unknown base, which
//! no type family contains.

use std::fmt;

/// The member types of a C++ container that iterate over it.
pub const ITERATOR_MEMBERS: &[&str] = &[
    "iterator",
    "const_iterator",
    "reverse_iterator",
    "const_reverse_iterator",
];

/// A type as written or as resolved.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Ty {
    /// The named type, `::`-qualified as far as known (`std::vector`,
    /// `ns::Widget`, `int`, `Vec`); `[]` for a Rust slice or array, `()` for
    /// a tuple, empty when unreadable.
    pub base: String,
    pub args: Vec<Ty>,
    pub is_const: bool,
    /// C++ `&` / Rust `&` or `&mut`.
    pub is_ref: bool,
    /// C++ `&&`.
    pub rvalue: bool,
    /// Rust `&mut`.
    pub is_mut: bool,
    /// C++ `*` (at any depth) or Rust raw pointer.
    pub is_ptr: bool,
    /// C++: a pointer (one level) to const, `const T*`: whoever receives it
    /// cannot change what it points to.
    pub pointee_const: bool,
    /// C++ `auto`, `decltype(auto)`, Rust `_`: to be inferred.
    pub is_auto: bool,
}

impl Ty {
    pub fn named(base: &str) -> Ty {
        Ty {
            base: base.to_string(),
            ..Ty::default()
        }
    }

    /// A Rust slice `[element]` (also what arrays `[T; N]` are read as).
    pub fn slice_of(element: Ty) -> Ty {
        Ty {
            base: "[]".into(),
            args: vec![element],
            ..Ty::default()
        }
    }

    pub fn is_unknown(&self) -> bool {
        self.base.is_empty()
    }

    /// The same type held by value (no const, reference or pointer).
    pub fn value(&self) -> Ty {
        Ty {
            base: self.base.clone(),
            args: self.args.clone(),
            is_auto: self.is_auto,
            ..Ty::default()
        }
    }

    /// The last `::` segment of the base.
    pub fn short(&self) -> &str {
        self.base.rsplit("::").next().unwrap_or(&self.base)
    }

    /// Parse a C++ type as written.
    pub fn parse_cpp(text: &str) -> Ty {
        let toks = tokens(text);
        let mut p = Parser {
            toks: &toks,
            pos: 0,
        };
        p.cpp_type()
    }

    /// Parse a Rust type as written.
    pub fn parse_rust(text: &str) -> Ty {
        let toks = tokens(text);
        let mut p = Parser {
            toks: &toks,
            pos: 0,
        };
        p.rust_type()
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_const {
            write!(f, "const ")?;
        }
        write!(f, "{}", self.base)?;
        if !self.args.is_empty() {
            write!(f, "<")?;
            for (i, a) in self.args.iter().enumerate() {
                if i > 0 {
                    write!(f, ", ")?;
                }
                write!(f, "{a}")?;
            }
            write!(f, ">")?;
        }
        if self.is_ptr {
            write!(f, "*")?;
        }
        if self.rvalue {
            write!(f, "&&")?;
        } else if self.is_ref {
            write!(f, "&")?;
        }
        Ok(())
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Sym(&'static str),
    Lifetime,
    Other,
}

fn tokens(text: &str) -> Vec<Tok> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_alphanumeric() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(Tok::Ident(text[start..i].to_string()));
        } else if c == b'\'' {
            // A Rust lifetime: `'a`, `'static`.
            i += 1;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(Tok::Lifetime);
        } else {
            let two = text.get(i..i + 2).unwrap_or("");
            let sym: &'static str = match two {
                "::" => "::",
                "&&" => "&&",
                "->" => "->",
                _ => match c {
                    b'<' => "<",
                    b'>' => ">",
                    b',' => ",",
                    b'&' => "&",
                    b'*' => "*",
                    b'[' => "[",
                    b']' => "]",
                    b'(' => "(",
                    b')' => ")",
                    b';' => ";",
                    b'=' => "=",
                    _ => {
                        out.push(Tok::Other);
                        i += 1;
                        continue;
                    }
                },
            };
            i += sym.len();
            out.push(Tok::Sym(sym));
        }
    }
    out
}

struct Parser<'t> {
    toks: &'t [Tok],
    pos: usize,
}

/// Words that make up C++'s multi-word primitive types.
const CPP_PRIMITIVE_WORDS: &[&str] = &[
    "unsigned", "signed", "short", "long", "int", "char", "double", "float", "bool", "void",
    "wchar_t", "char8_t", "char16_t", "char32_t",
];

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn eat_sym(&mut self, s: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Sym(x)) if *x == s) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_ident(&mut self, w: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Ident(x)) if x == w) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Skip a balanced `(…)` (a `decltype(…)`, a function type's parameters).
    fn skip_parens(&mut self) {
        let mut depth = 0;
        while let Some(t) = self.peek() {
            match t {
                Tok::Sym("(") => depth += 1,
                Tok::Sym(")") => {
                    depth -= 1;
                    if depth <= 0 {
                        self.pos += 1;
                        return;
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
    }

    fn cpp_type(&mut self) -> Ty {
        let mut ty = Ty::default();
        // Leading qualifiers and elaborations.
        loop {
            if self.eat_ident("const") {
                ty.is_const = true;
            } else if self.eat_ident("volatile")
                || self.eat_ident("typename")
                || self.eat_ident("struct")
                || self.eat_ident("class")
                || self.eat_ident("enum")
                || self.eat_ident("union")
                || self.eat_ident("constexpr")
                || self.eat_ident("mutable")
                || self.eat_ident("static")
                || self.eat_ident("inline")
            {
            } else {
                break;
            }
        }
        if self.eat_ident("auto") {
            ty.is_auto = true;
            ty.base = "auto".into();
        } else if self.eat_ident("decltype") {
            self.skip_parens();
            ty.is_auto = true;
            ty.base = "auto".into();
        } else if matches!(self.peek(), Some(Tok::Ident(w)) if CPP_PRIMITIVE_WORDS.contains(&w.as_str()))
        {
            let mut words = Vec::new();
            while let Some(Tok::Ident(w)) = self.peek() {
                if CPP_PRIMITIVE_WORDS.contains(&w.as_str()) {
                    words.push(w.clone());
                    self.pos += 1;
                } else if w == "const" {
                    ty.is_const = true;
                    self.pos += 1;
                } else {
                    break;
                }
            }
            ty.base = words.join(" ");
        } else {
            let leading = self.eat_sym("::");
            let mut parts = Vec::new();
            while let Some(Tok::Ident(w)) = self.peek() {
                parts.push(w.clone());
                self.pos += 1;
                if self.eat_sym("<") {
                    let args = self.cpp_args();
                    // Arguments of an inner segment (`A<T>::B`) are dropped;
                    // the last segment's are the type's.
                    ty.args = args;
                }
                if !self.eat_sym("::") {
                    break;
                }
                // `std::list<T*>::iterator` keeps the container's arguments:
                // they say what the iterator yields.
                let next_is_iterator = matches!(self.peek(), Some(Tok::Ident(w)) if ITERATOR_MEMBERS.contains(&w.as_str()));
                if !next_is_iterator {
                    ty.args.clear();
                }
                self.eat_ident("template");
            }
            let _ = leading;
            ty.base = parts.join("::");
        }
        // Trailing qualifiers and declarator marks.
        loop {
            if self.eat_ident("const") || self.eat_ident("volatile") {
                if !ty.is_ptr {
                    ty.is_const = true;
                }
            } else if self.eat_sym("*") {
                ty.pointee_const = !ty.is_ptr && ty.is_const;
                ty.is_ptr = true;
                ty.is_const = false;
            } else if self.eat_sym("&&") {
                ty.rvalue = true;
                ty.is_ref = true;
            } else if self.eat_sym("&") {
                ty.is_ref = true;
            } else if self.eat_sym("[") {
                while !self.eat_sym("]") && self.peek().is_some() {
                    self.pos += 1;
                }
                ty.is_ptr = true;
            } else if matches!(self.peek(), Some(Tok::Sym("("))) {
                // A function type: nothing a guard can use.
                return Ty::default();
            } else {
                break;
            }
        }
        ty
    }

    fn cpp_args(&mut self) -> Vec<Ty> {
        let mut args = Vec::new();
        loop {
            if self.eat_sym(">") || self.peek().is_none() {
                break;
            }
            match self.peek() {
                Some(Tok::Ident(_)) | Some(Tok::Sym("::")) => args.push(self.cpp_type()),
                _ => {
                    // A value argument (`std::array<int, 4>`): skip to `,`/`>`.
                    let mut depth = 0;
                    while let Some(t) = self.peek() {
                        match t {
                            Tok::Sym("<") | Tok::Sym("(") => depth += 1,
                            Tok::Sym(")") => depth -= 1,
                            Tok::Sym(">") | Tok::Sym(",") if depth == 0 => break,
                            Tok::Sym(">") => depth -= 1,
                            _ => {}
                        }
                        self.pos += 1;
                    }
                    args.push(Ty::named("#value"));
                }
            }
            if matches!(self.peek(), Some(Tok::Sym(","))) {
                self.pos += 1;
                continue;
            }
            // Anything else (`>>` splits fine as two `>`): expect `>`.
            if !matches!(self.peek(), Some(Tok::Sym(">"))) && self.peek().is_some() {
                // Unreadable: drop the rest of the arguments.
                let mut depth = 1;
                while let Some(t) = self.peek() {
                    match t {
                        Tok::Sym("<") => depth += 1,
                        Tok::Sym(">") => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    self.pos += 1;
                }
            }
        }
        args
    }

    fn rust_type(&mut self) -> Ty {
        if self.eat_sym("&") || self.eat_sym("&&") {
            while matches!(self.peek(), Some(Tok::Lifetime)) {
                self.pos += 1;
            }
            let is_mut = self.eat_ident("mut");
            let mut inner = self.rust_type();
            if inner.is_ref {
                // `&&T` and `&&mut T` read as a reference to a reference:
                // keep the outer one, the inner is still a borrow.
                inner.args = vec![inner.clone()];
                inner.base = "&".into();
            }
            inner.is_ref = true;
            inner.is_mut = is_mut;
            return inner;
        }
        if self.eat_sym("*") {
            let _ = self.eat_ident("const") || self.eat_ident("mut");
            let mut inner = self.rust_type();
            inner.is_ptr = true;
            return inner;
        }
        if self.eat_sym("[") {
            let elem = self.rust_type();
            // `[T; N]`: the length is no type.
            while !self.eat_sym("]") && self.peek().is_some() {
                self.pos += 1;
            }
            return Ty::slice_of(elem);
        }
        if self.eat_sym("(") {
            let mut args = Vec::new();
            while !self.eat_sym(")") && self.peek().is_some() {
                let before = self.pos;
                args.push(self.rust_type());
                self.eat_sym(",");
                if self.pos == before {
                    // Something no type starts with (`->` of a closure
                    // type): skip it rather than loop.
                    self.pos += 1;
                }
            }
            return Ty {
                base: "()".into(),
                args,
                ..Ty::default()
            };
        }
        if self.eat_ident("dyn") || self.eat_ident("impl") {
            // A trait object or opaque type: unknown cost, unknown layout.
            return Ty::default();
        }
        if matches!(self.peek(), Some(Tok::Ident(w)) if w == "_") {
            self.pos += 1;
            return Ty {
                base: "_".into(),
                is_auto: true,
                ..Ty::default()
            };
        }
        let mut parts = Vec::new();
        let mut ty = Ty::default();
        self.eat_sym("::");
        while let Some(Tok::Ident(w)) = self.peek() {
            parts.push(w.clone());
            self.pos += 1;
            // `Vec::<T>` and `Vec<T>` alike.
            let turbofish = self.eat_sym("::");
            if self.eat_sym("<") {
                ty.args = self.rust_args();
                if !self.eat_sym("::") {
                    break;
                }
                continue;
            }
            if !turbofish && !self.eat_sym("::") {
                break;
            }
        }
        ty.base = parts.join("::");
        ty
    }

    fn rust_args(&mut self) -> Vec<Ty> {
        let mut args = Vec::new();
        loop {
            match self.peek() {
                None => break,
                Some(Tok::Sym(">")) => {
                    self.pos += 1;
                    break;
                }
                Some(Tok::Lifetime) => {
                    self.pos += 1;
                }
                Some(Tok::Sym(",")) => {
                    self.pos += 1;
                }
                _ => {
                    let before = self.pos;
                    // `Item = T` in an associated type binding: keep `T`.
                    if matches!(self.toks.get(self.pos + 1), Some(Tok::Sym("="))) {
                        self.pos += 2;
                    }
                    args.push(self.rust_type());
                    if self.pos == before {
                        self.pos += 1;
                    }
                }
            }
        }
        args
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cpp_types() {
        let t = Ty::parse_cpp("const std::vector<std::pair<int, std::string>>&");
        assert_eq!(t.base, "std::vector");
        assert!(t.is_const && t.is_ref && !t.rvalue);
        assert_eq!(t.args[0].base, "std::pair");
        assert_eq!(t.args[0].args[1].base, "std::string");
        assert_eq!(
            t.to_string(),
            "const std::vector<std::pair<int, std::string>>&"
        );
        assert_eq!(
            Ty::parse_cpp("unsigned long long").base,
            "unsigned long long"
        );
        assert_eq!(Ty::parse_cpp("std::array<int, 4>").args.len(), 2);
        let p = Ty::parse_cpp("const char*");
        assert!(p.is_ptr && !p.is_const);
        assert!(Ty::parse_cpp("std::string&&").rvalue);
        assert!(Ty::parse_cpp("const auto&").is_auto);
        assert_eq!(
            Ty::parse_cpp("typename Map::iterator").base,
            "Map::iterator"
        );
        assert!(Ty::parse_cpp("void (*)(int)").is_unknown());
        assert_eq!(Ty::parse_cpp("::ns::W").base, "ns::W");
    }

    #[test]
    fn reads_rust_types() {
        let t = Ty::parse_rust("&'a mut Vec<String>");
        assert!(t.is_ref && t.is_mut);
        assert_eq!(t.base, "Vec");
        assert_eq!(t.args[0].base, "String");
        let s = Ty::parse_rust("&[u8]");
        assert_eq!(s.base, "[]");
        assert_eq!(s.args[0].base, "u8");
        assert_eq!(
            Ty::parse_rust("std::collections::HashMap<K, V>").args.len(),
            2
        );
        assert_eq!(Ty::parse_rust("(u32, String)").args.len(), 2);
        assert!(Ty::parse_rust("Box<dyn Fn()>").args[0].is_unknown());
        assert_eq!(
            Ty::parse_rust("impl Iterator<Item = u8>").base,
            "",
            "opaque types are unknown"
        );
        assert_eq!(Ty::parse_rust("Option<&'static str>").args[0].base, "str");
        // A closure type inside a tuple must not stall the reader.
        let t =
            Ty::parse_rust("(TreeStore, impl FnMut(&Tree) -> Result<u8, E>, impl Fn() -> usize)");
        assert_eq!(t.base, "()");
    }

    proptest::proptest! {
        /// Whatever text a declaration holds (macros, closures, garbage),
        /// reading it as a type ends, and never panics.
        #[test]
        fn reading_any_text_terminates(text in "[a-zA-Z_:<>(),&*\\[\\];'= -]{0,40}") {
            let _ = Ty::parse_rust(&text);
            let _ = Ty::parse_cpp(&text);
        }
    }
}
