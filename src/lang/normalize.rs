//! Macros the C++ grammar cannot read, blanked out before parsing.
//!
//! tree-sitter parses C++ without a preprocessor, and a few macros that real
//! code uses everywhere throw it off completely: an export macro in a class
//! head (`class CPPCHECKLIB Settings : public Base {`) turns the whole class
//! into a broken function definition, Qt's `signals:`/`public slots:` and
//! `Q_OBJECT` break class bodies, and `"%" PRIu64 "\n"` breaks the statement
//! around it. Each is replaced by spaces (or, for Qt's access labels, by an
//! access label of the same length), so the text keeps every byte offset:
//! trees, findings and edits line up with the original text exactly, and
//! nothing of this ever reaches a file.

use std::borrow::Cow;

/// Qt macros that stand alone in a class body, with or without arguments.
const QT_BODY_MACROS: &[&str] = &[
    "Q_OBJECT",
    "Q_GADGET",
    "Q_NAMESPACE",
    "Q_DISABLE_COPY",
    "Q_DISABLE_COPY_MOVE",
    "Q_DISABLE_MOVE",
    "Q_PROPERTY",
    "Q_ENUM",
    "Q_ENUMS",
    "Q_FLAG",
    "Q_FLAGS",
    "Q_INTERFACES",
    "Q_CLASSINFO",
    "Q_PLUGIN_METADATA",
    "Q_DECLARE_PRIVATE",
    "Q_DECLARE_PUBLIC",
    "Q_DECLARE_FLAGS",
    "Q_DECLARE_TR_FUNCTIONS",
];

/// Attribute-like macros that expand to nothing the grammar needs.
const ATTRIBUTE_MACROS: &[&str] = &[
    "Q_INVOKABLE",
    "Q_SLOTS",
    "Q_DECL_EXPORT",
    "Q_DECL_IMPORT",
    "Q_DECL_OVERRIDE",
    "Q_DECL_FINAL",
    "Q_DECL_CONSTEXPR",
    "Q_DECL_NOTHROW",
    "Q_DECL_NOEXCEPT",
    "Q_REQUIRED_RESULT",
    "Q_ALWAYS_INLINE",
    "Q_NEVER_INLINE",
];

/// The text to parse: `src` itself when nothing needs blanking.
pub fn for_parsing(src: &str) -> Cow<'_, str> {
    let bytes = src.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    let blank = |out: &mut Option<Vec<u8>>, range: std::ops::Range<usize>, with: &[u8]| {
        let buf = out.get_or_insert_with(|| bytes.to_vec());
        for (i, b) in range.clone().enumerate() {
            buf[b] = *with.get(i).unwrap_or(&b' ');
        }
    };
    let tokens = code_tokens(bytes);
    for (k, t) in tokens.iter().enumerate() {
        let word = &bytes[t.clone()];
        // Every word blanked below is a capitalised macro name or Qt's
        // `slots`/`signals`: most tokens are turned away on their first byte
        // (this runs on every token of every C++ file).
        if !(word[0].is_ascii_uppercase() || word == b"slots" || word == b"signals") {
            continue;
        }
        let next = tokens.get(k + 1).map(|r| &bytes[r.clone()]);
        let after_next = tokens.get(k + 2).map(|r| &bytes[r.clone()]);
        let prev = k.checked_sub(1).map(|p| &bytes[tokens[p].clone()]);
        let word_str = std::str::from_utf8(word).unwrap_or("");
        // `class EXPORT_MACRO Name :`/`{`/`final`/`;`
        if matches!(prev, Some(b"class" | b"struct" | b"union"))
            && is_macro_name(word)
            && next.is_some_and(is_identifier)
            && after_next.is_some_and(|a| matches!(a, b":" | b"{" | b"final" | b";"))
        {
            blank(&mut out, t.clone(), b"");
            continue;
        }
        // Export and attribute macros before a declaration.
        if (ATTRIBUTE_MACROS.contains(&word_str) || is_export_macro(word))
            && next.is_some_and(|n| n != b"(" && n != b"::")
            && prev != Some(b"define")
        {
            blank(&mut out, t.clone(), b"");
            continue;
        }
        // Qt's `public slots:`.
        if matches!(word, b"slots" | b"Q_SLOTS")
            && matches!(prev, Some(b"public" | b"private" | b"protected"))
            && next == Some(b":")
        {
            blank(&mut out, t.clone(), b"");
            continue;
        }
        // Qt's `signals:` / `Q_SIGNALS:` are access labels.
        if matches!(word, b"signals" | b"Q_SIGNALS") && next == Some(b":") {
            blank(&mut out, t.clone(), b"public");
            continue;
        }
        // Qt body macros, with their parenthesised arguments.
        if QT_BODY_MACROS.contains(&word_str) && prev != Some(b"define") {
            let mut end = t.end;
            if next == Some(b"(") {
                if let Some(close) = matching_paren(bytes, tokens[k + 1].start) {
                    end = close + 1;
                }
            }
            blank(&mut out, t.start..end, b"");
            continue;
        }
        // `"%" PRIu64 "\n"`: a format macro between string literals.
        if is_format_macro(word)
            && prev.is_some_and(|p| p.ends_with(b"\""))
            && next.is_some_and(|n| n.starts_with(b"\"") || n == b")" || n == b",")
        {
            blank(&mut out, t.clone(), b"");
        }
    }
    match out {
        Some(buf) => Cow::Owned(String::from_utf8(buf).unwrap_or_else(|_| src.to_string())),
        None => Cow::Borrowed(src),
    }
}

fn is_identifier(w: &[u8]) -> bool {
    !w.is_empty()
        && (w[0].is_ascii_alphabetic() || w[0] == b'_')
        && w.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_')
}

/// An all-capitals identifier with at least two letters (`CPPCHECKLIB`,
/// `ROCKSDB_API`): the convention for macros.
fn is_macro_name(w: &[u8]) -> bool {
    is_identifier(w)
        && w.iter().filter(|b| b.is_ascii_uppercase()).count() >= 2
        && w.iter()
            .all(|&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// Export/visibility macros by their conventional suffixes.
fn is_export_macro(w: &[u8]) -> bool {
    is_macro_name(w)
        && [
            "_API",
            "_EXPORT",
            "_EXPORTS",
            "_IMPORT",
            "_DLL",
            "_DLLEXPORT",
            "_VISIBLE",
            "_HIDDEN",
        ]
        .iter()
        .any(|s| w.ends_with(s.as_bytes()))
}

/// `PRIu64`, `PRId32`, `PRIxPTR`, `SCNu64`…
fn is_format_macro(w: &[u8]) -> bool {
    (w.starts_with(b"PRI") || w.starts_with(b"SCN"))
        && w.len() >= 5
        && matches!(w[3], b'd' | b'i' | b'o' | b'u' | b'x' | b'X')
}

/// The index of the `)` matching the `(` at `open`, within 4 KiB.
fn matching_paren(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0;
    for (i, &b) in bytes.iter().enumerate().skip(open).take(4096) {
        match b {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            b'\n' if depth == 0 => return None,
            _ => {}
        }
    }
    None
}

/// The byte ranges of the code's tokens: identifiers, string literals (as
/// one token each), and single punctuation characters; comments, spaces and
/// preprocessor `#include` lines are skipped.
fn code_tokens(bytes: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let n = bytes.len();
    let mut i = 0;
    while i < n {
        let b = bytes[i];
        if b.is_ascii_whitespace() {
            i += 1;
        } else if b == b'/' && bytes.get(i + 1) == Some(&b'/') {
            i = memchr::memchr(b'\n', &bytes[i..]).map_or(n, |p| i + p);
        } else if b == b'/' && bytes.get(i + 1) == Some(&b'*') {
            i = memchr::memmem::find(&bytes[i + 2..], b"*/").map_or(n, |p| i + 2 + p + 2);
        } else if b == b'"' {
            let start = i;
            i += 1;
            while i < n && bytes[i] != b'"' && bytes[i] != b'\n' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(n);
            out.push(start..i);
        } else if b == b'\'' {
            // A character literal or a digit separator: skip a short run.
            let end = bytes[i + 1..]
                .iter()
                .take(8)
                .position(|&c| c == b'\'')
                .map_or(i + 1, |p| i + 2 + p);
            i = end;
        } else if b.is_ascii_alphanumeric() || b == b'_' {
            let start = i;
            while i < n && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push(start..i);
        } else if b == b':' && bytes.get(i + 1) == Some(&b':') {
            out.push(i..i + 2);
            i += 2;
        } else {
            out.push(i..i + 1);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;

    #[test]
    fn blanks_export_macros_in_class_heads_keeping_offsets() {
        let src = "class CPPCHECKLIB Settings : public Base {\npublic:\n  std::set<std::string> userUndefs;\n};\n";
        let fixed = for_parsing(src);
        assert_eq!(fixed.len(), src.len());
        assert!(fixed.starts_with("class             Settings"));
        let tree = Lang::Cpp.parse(src);
        assert!(
            !tree.root_node().has_error(),
            "{}",
            tree.root_node().to_sexp()
        );
    }

    #[test]
    fn reads_qt_classes_and_format_macros() {
        let src = "class W : public QWidget {\n    Q_OBJECT\n    Q_DISABLE_COPY(W)\npublic slots:\n    void go();\nsignals:\n    void done();\n};\nvoid f(uint64_t n) { printf(\"%\" PRIu64 \"\\n\", n); }\n";
        let tree = Lang::Cpp.parse(src);
        assert!(
            !tree.root_node().has_error(),
            "{}",
            tree.root_node().to_sexp()
        );
        assert!(matches!(for_parsing("int x = 1;"), Cow::Borrowed(_)));
    }

    #[test]
    fn leaves_real_types_and_strings_alone() {
        let src = "DWORD count = 0;\nint slots = 2;\nconst char* s = \"class FOO Bar {\";\n#define EXPORT_API __attribute__((visibility(\"default\")))\n";
        assert_eq!(for_parsing(src), src);
    }
}
