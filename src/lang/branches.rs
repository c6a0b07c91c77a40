//! One configuration of a C++ file's `#if` groups, for the parser.
//!
//! tree-sitter reads every branch of an `#if`/`#else` as if all of them were
//! compiled. When the branches each open a brace (`#ifdef LARGEFILE` /
//! `if (fstat64(…) < 0) {` / `#else` / `if (fstat(…) < 0) {` / `#endif`), the
//! text it sees has one brace too many, and everything from there to the end
//! of the file can become one ERROR node: hundreds of lines no skill sees.
//! A compiler sees one branch of each group. So when a file does not parse,
//! the scan tries again with the `#else`/`#elif` branches blanked (spaces,
//! newlines kept, so every byte offset stays), which is one real
//! configuration, and keeps whichever reading leaves fewer bytes in errors.
//! `#if 0` groups keep their `#else` (the only branch that is compiled).

/// `text` with every `#elif`/`#else` branch blanked, or `None` when it has
/// none.
pub fn first_branches_only(text: &str) -> Option<String> {
    if !text.contains("#else") && !text.contains("#elif") {
        return None;
    }
    let mut out = text.as_bytes().to_vec();
    // For each open group: is it `#if 0`, and are we past its first branch?
    let mut groups: Vec<(bool, bool)> = Vec::new();
    let mut start = 0;
    let mut changed = false;
    while start < text.len() {
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = &text[start..end];
        let hidden = |groups: &[(bool, bool)]| groups.iter().any(|&(zero, past)| past && !zero);
        // A group's `#else` line goes with the blanked branch; its `#if` and
        // `#endif` stay (unless an outer branch is blanked), so the parser
        // still sees a well-formed group.
        let blank = match directive_of(line) {
            Some(d @ ("if" | "ifdef" | "ifndef")) => {
                let outer = hidden(&groups);
                groups.push((d == "if" && is_if_zero(line), false));
                outer
            }
            Some("elif" | "else") => {
                if let Some(top) = groups.last_mut() {
                    top.1 = true;
                }
                hidden(&groups)
            }
            Some("endif") => {
                groups.pop();
                hidden(&groups)
            }
            _ => hidden(&groups),
        };
        if blank {
            for b in &mut out[start..end] {
                if *b != b'\r' {
                    *b = b' ';
                }
            }
            changed = true;
        }
        start = end + 1;
    }
    if !changed {
        return None;
    }
    // Only ASCII bytes were replaced by spaces inside whole lines: still UTF-8.
    String::from_utf8(out).ok()
}

/// The directive a line holds (`if`, `ifdef`, `else`…), if any.
fn directive_of(line: &str) -> Option<&str> {
    let rest = line.trim_start().strip_prefix('#')?.trim_start();
    let word_end = rest
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(rest.len());
    let word = &rest[..word_end];
    matches!(word, "if" | "ifdef" | "ifndef" | "elif" | "else" | "endif").then_some(word)
}

fn is_if_zero(line: &str) -> bool {
    let rest = line.trim_start().trim_start_matches('#').trim_start();
    let cond = rest.strip_prefix("if").unwrap_or("").trim();
    cond == "0" || cond.starts_with("0 ") || cond.starts_with("0/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanks_later_branches_and_keeps_offsets() {
        let src = "int f() {\n#ifdef BIG\n  if (a()) {\n#else\n  if (b()) {\n#endif\n    return 1;\n  }\n  return 0;\n}\n";
        let out = first_branches_only(src).expect("has an #else");
        assert_eq!(out.len(), src.len());
        assert!(out.contains("if (a()) {"));
        assert!(!out.contains("b()"));
        assert!(!out.contains("#else"));
        assert!(out.contains("#endif"));
        assert_eq!(out.matches('\n').count(), src.matches('\n').count());
    }

    #[test]
    fn nested_groups_and_if_zero() {
        let src = "#if 0\nold();\n#else\nnew_code();\n#endif\n#ifdef A\n#ifdef B\nab();\n#else\nanotb();\n#endif\n#elif C\nc();\n#endif\nend();\n";
        let out = first_branches_only(src).expect("has branches");
        assert!(
            out.contains("new_code();"),
            "an #if 0 group keeps its #else"
        );
        assert!(out.contains("ab();"));
        assert!(!out.contains("anotb"));
        assert!(!out.contains("c();"));
        assert!(out.contains("end();"));
        assert_eq!(out.len(), src.len());
    }

    #[test]
    fn nothing_to_do_without_else() {
        assert!(first_branches_only("#ifdef A\nx();\n#endif\n").is_none());
    }
}
