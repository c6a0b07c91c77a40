//! Edits: turning a skill's `edit` operations and a match into text edits,
//! and applying a set of text edits to a file.

use std::collections::HashMap;
use std::ops::Range;

use serde::Serialize;
use tree_sitter::Node;

use super::call::{Arg, Call};
use super::syntax;
use crate::lang::Lang;

/// Replace `range` of the original text with `text` (an insertion when the
/// range is empty).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct TextEdit {
    pub range: Range<usize>,
    pub text: String,
}

/// The edit operations a skill file may use.
pub const OPERATIONS: &[(&str, usize, &str)] = &[
    ("replace", 2, "replace(@node, \"template\"): replace the node's text"),
    ("insert-before", 2, "insert-before(@node, \"template\"): insert text right before the node"),
    ("insert-line-before", 2, "insert-line-before(@node, \"template\"): insert a line, indented like the statement around the node, before that statement"),
    ("delete-statement", 1, "delete-statement(@node): delete the statement around the node, and its line if it becomes empty"),
    ("ensure-use", 2, "ensure-use(@node, \"path\"): Rust: add `use path;` to the module around the node unless it already imports it"),
];

pub fn validate(call: &Call) -> Result<(), String> {
    let Some((_, arity, _)) = OPERATIONS.iter().find(|(n, _, _)| *n == call.name) else {
        let known: Vec<&str> = OPERATIONS.iter().map(|o| o.0).collect();
        return Err(format!(
            "unknown edit `{}` (known: {})",
            call.name,
            known.join(", ")
        ));
    };
    if call.negated || call.args.len() != *arity {
        return Err(format!(
            "edit `{}` takes {arity} argument(s): `{call}`",
            call.name
        ));
    }
    if !matches!(call.args[0], Arg::Capture(_) | Arg::Span(..)) {
        return Err(format!(
            "edit `{}` needs a capture as first argument: `{call}`",
            call.name
        ));
    }
    if *arity == 2 && !matches!(call.args[1], Arg::Text(_)) {
        return Err(format!(
            "edit `{}` needs a quoted template as second argument: `{call}`",
            call.name
        ));
    }
    Ok(())
}

/// Names a template refers to: `{name}` or `{name:filter}`.
pub fn template_names(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        rest = &rest[i + 1..];
        if let Some(stripped) = rest.strip_prefix('{') {
            rest = stripped;
            continue;
        }
        let end = rest.find('}').unwrap_or(rest.len());
        let name = rest[..end].split(':').next().unwrap_or("");
        out.push(name.to_string());
        rest = &rest[end.min(rest.len())..];
    }
    out
}

/// Fill a template from captures and guard bindings. `{{` is a literal `{`;
/// `{name:inner}` drops the first and last character (a token tree's parens).
pub fn render(
    template: &str,
    captures: &HashMap<String, Node<'_>>,
    bindings: &HashMap<String, String>,
    src: &str,
) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let brace = &rest[i..];
        if brace.starts_with("{{") || brace.starts_with("}}") {
            out.push_str(&brace[..1]);
            rest = &brace[2..];
            continue;
        }
        if let Some(after) = brace.strip_prefix('}') {
            out.push('}');
            rest = after;
            continue;
        }
        let end = brace
            .find('}')
            .ok_or_else(|| format!("unclosed `{{` in template `{template}`"))?;
        let spec = &brace[1..end];
        let (name, filter) = spec.split_once(':').unwrap_or((spec, ""));
        let value = match (bindings.get(name), captures.get(name)) {
            (Some(b), _) => b.clone(),
            (None, Some(n)) => src[n.byte_range()].to_string(),
            (None, None) => {
                return Err(format!(
                    "template `{template}` uses `{{{name}}}`, which no capture or guard provides"
                ))
            }
        };
        match filter {
            "" => out.push_str(&value),
            "inner" => {
                let mut cs = value.chars();
                cs.next();
                cs.next_back();
                out.push_str(cs.as_str().trim());
            }
            other => return Err(format!("unknown template filter `:{other}`")),
        }
        rest = &brace[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Build the text edits of one edit operation for one match.
pub fn build(
    lang: Lang,
    call: &Call,
    captures: &HashMap<String, Node<'_>>,
    bindings: &HashMap<String, String>,
    src: &str,
) -> Result<Vec<TextEdit>, String> {
    let range = match &call.args[0] {
        Arg::Capture(c) => captures
            .get(c)
            .ok_or_else(|| format!("capture @{c} not in match"))?
            .byte_range(),
        Arg::Span(a, b) => {
            let a = captures
                .get(a)
                .ok_or_else(|| format!("capture @{a} not in match"))?;
            let b = captures
                .get(b)
                .ok_or_else(|| format!("capture @{b} not in match"))?;
            a.start_byte()..b.end_byte()
        }
        _ => return Err("edit target must be a capture".into()),
    };
    let node = match &call.args[0] {
        Arg::Capture(c) | Arg::Span(c, _) => captures[c],
        _ => unreachable!("checked above"),
    };
    let template = |i: usize| match call.args.get(i) {
        Some(Arg::Text(t)) => render(t, captures, bindings, src),
        _ => Err(format!("edit `{}` needs a template", call.name)),
    };
    Ok(match call.name.as_str() {
        "replace" => vec![TextEdit {
            range,
            text: template(1)?,
        }],
        "insert-before" => vec![TextEdit {
            range: range.start..range.start,
            text: template(1)?,
        }],
        "insert-line-before" => {
            let stmt = syntax::enclosing_statement(lang, node);
            let line_start = src[..stmt.start_byte()].rfind('\n').map_or(0, |i| i + 1);
            let indent = &src[line_start..stmt.start_byte()];
            if indent.chars().all(|c| c == ' ' || c == '\t') {
                vec![TextEdit {
                    range: line_start..line_start,
                    text: format!("{indent}{}\n", template(1)?),
                }]
            } else {
                vec![TextEdit {
                    range: stmt.start_byte()..stmt.start_byte(),
                    text: format!("{} ", template(1)?),
                }]
            }
        }
        "delete-statement" => {
            let stmt = syntax::enclosing_statement(lang, node);
            let (start, end) = (stmt.start_byte(), stmt.end_byte());
            let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
            let line_end = src[end..].find('\n').map_or(src.len(), |i| end + i + 1);
            let blank_before = src[line_start..start].trim().is_empty();
            let blank_after = src[end..line_end].trim().is_empty();
            if blank_before && blank_after {
                vec![TextEdit {
                    range: line_start..line_end,
                    text: String::new(),
                }]
            } else {
                let end_ws =
                    end + src[end..].len() - src[end..].trim_start_matches([' ', '\t']).len();
                vec![TextEdit {
                    range: start..end_ws,
                    text: String::new(),
                }]
            }
        }
        "ensure-use" => ensure_use(node, &template(1)?, src).into_iter().collect(),
        other => return Err(format!("unknown edit `{other}`")),
    })
}

/// Rust: an edit adding `use <path>;` to the module around `node`, placed
/// after the module's last `use`, or `None` when the trait is already imported.
fn ensure_use(node: Node<'_>, path: &str, src: &str) -> Option<TextEdit> {
    let module = crate::lang::ancestor(node, |n| {
        matches!(n.kind(), "source_file" | "declaration_list")
            && n.parent().is_none_or(|p| p.kind() == "mod_item")
    })
    .unwrap_or_else(|| syntax::root_of(node));
    // The item named by `path` (`std::fmt::Write as _` → `fmt::Write`).
    let item = path.split(" as ").next().unwrap_or(path).trim();
    let last_two: Vec<&str> = item.rsplit("::").take(2).collect();
    let (name, parent) = (last_two[0], last_two.get(1).copied().unwrap_or(""));
    let mut c = module.walk();
    let uses: Vec<Node> = module
        .named_children(&mut c)
        .filter(|n| n.kind() == "use_declaration")
        .collect();
    let imported = uses.iter().any(|u| {
        let t: String = src[u.byte_range()].split_whitespace().collect();
        t.contains(&format!("{parent}::{name}"))
            || (t.contains(&format!("{parent}::{{")) && t.contains(name))
    });
    if imported {
        return None;
    }
    let at = match uses.last() {
        Some(u) => src[u.end_byte()..]
            .find('\n')
            .map_or(src.len(), |i| u.end_byte() + i + 1),
        None if module.kind() == "source_file" => {
            // After leading comments and inner attributes.
            let mut c = module.walk();
            let first_item = module.named_children(&mut c).find(|n| {
                !matches!(
                    n.kind(),
                    "line_comment" | "block_comment" | "inner_attribute_item"
                )
            });
            first_item.map_or(src.len(), |n| {
                src[..n.start_byte()].rfind('\n').map_or(0, |i| i + 1)
            })
        }
        None => src[module.start_byte()..]
            .find('\n')
            .map_or(module.start_byte() + 1, |i| module.start_byte() + i + 1),
    };
    let indent = if module.kind() == "source_file" {
        ""
    } else {
        "    "
    };
    Some(TextEdit {
        range: at..at,
        text: format!("{indent}use {path};\n"),
    })
}

/// Apply non-overlapping edits (any order) to `src`.
pub fn apply(src: &str, edits: &[TextEdit]) -> String {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    sorted.dedup();
    let mut out = String::with_capacity(src.len() + 64);
    let mut pos = 0;
    for e in sorted {
        out.push_str(&src[pos..e.range.start.max(pos)]);
        out.push_str(&e.text);
        pos = pos.max(e.range.end);
    }
    out.push_str(&src[pos..]);
    out
}

/// Whether two edits touch the same text. Identical edits do not conflict
/// (two findings may both need the same `use`).
pub fn conflicts(a: &TextEdit, b: &TextEdit) -> bool {
    if a == b {
        return false;
    }
    let (ar, br) = (&a.range, &b.range);
    if ar.is_empty() && br.is_empty() {
        return ar.start == br.start;
    }
    if ar.is_empty() {
        return br.start < ar.start && ar.start < br.end;
    }
    if br.is_empty() {
        return ar.start < br.start && br.start < ar.end;
    }
    ar.start < br.end && br.start < ar.end
}

/// Map a byte offset of the edited text back to the original text.
pub fn map_back(edits: &[TextEdit], pos: usize) -> usize {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| e.range.start);
    sorted.dedup();
    let mut delta: isize = 0;
    for e in sorted {
        let new_start = (e.range.start as isize + delta) as usize;
        let new_end = new_start + e.text.len();
        if pos < new_start {
            break;
        }
        if pos <= new_end {
            return if pos == new_start {
                e.range.start
            } else {
                e.range.end
            };
        }
        delta += e.text.len() as isize - e.range.len() as isize;
    }
    (pos as isize - delta) as usize
}

/// Where an offset of the original text lies in the edited text; an offset
/// inside a replaced range maps to the replacement's start.
pub fn map_forward(edits: &[TextEdit], pos: usize) -> usize {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| e.range.start);
    sorted.dedup();
    let mut delta: isize = 0;
    for e in sorted {
        if e.range.start >= pos {
            break;
        }
        if e.range.end > pos {
            return (e.range.start as isize + delta) as usize;
        }
        delta += e.text.len() as isize - e.range.len() as isize;
    }
    (pos as isize + delta) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(r: Range<usize>, t: &str) -> TextEdit {
        TextEdit {
            range: r,
            text: t.into(),
        }
    }

    #[test]
    fn applies_and_maps_back() {
        let src = "abcdef";
        let edits = [e(1..2, "XX"), e(4..4, "+")];
        assert_eq!(apply(src, &edits), "aXXcd+ef");
        assert_eq!(map_back(&edits, 0), 0);
        assert_eq!(map_back(&edits, 3), 2); // 'c'
        assert_eq!(map_back(&edits, 7), 5); // 'f'
        assert_eq!(map_forward(&edits, 0), 0);
        assert_eq!(map_forward(&edits, 2), 3); // 'c'
        assert_eq!(map_forward(&edits, 5), 7); // 'f'
        assert_eq!(map_forward(&edits, 4), 5); // the insertion before 'e' starts there
    }

    #[test]
    fn detects_conflicts() {
        assert!(conflicts(&e(1..5, "x"), &e(3..8, "y")));
        assert!(!conflicts(&e(1..3, "x"), &e(3..8, "y")));
        assert!(conflicts(&e(4..4, "x"), &e(4..4, "y")));
        assert!(!conflicts(&e(4..4, "x"), &e(4..4, "x")));
        assert!(conflicts(&e(4..4, "x"), &e(2..6, "y")));
    }

    #[test]
    fn renders_templates() {
        let src = "foo(bar)";
        let tree = Lang::Rust.parse(src);
        let mut caps = HashMap::new();
        caps.insert("x".to_string(), tree.root_node());
        let mut b = HashMap::new();
        b.insert("n".to_string(), "7".to_string());
        assert_eq!(
            render("[{x}] {n} {{lit}}", &caps, &b, src).unwrap(),
            "[foo(bar)] 7 {lit}"
        );
        assert!(render("{missing}", &caps, &b, src).is_err());
        assert_eq!(template_names("a {x:inner} {{y}} {z}"), vec!["x", "z"]);
    }

    #[test]
    fn ensure_use_skips_existing_imports() {
        let src = "use std::fmt::{self, Write};\nfn f() {}\n";
        let tree = Lang::Rust.parse(src);
        assert!(ensure_use(tree.root_node(), "std::fmt::Write as _", src).is_none());
        let src2 = "//! doc\n#![allow(x)]\nfn f() {}\n";
        let t2 = Lang::Rust.parse(src2);
        let ed = ensure_use(t2.root_node(), "std::fmt::Write as _", src2).unwrap();
        assert_eq!(
            apply(src2, &[ed]),
            "//! doc\n#![allow(x)]\nuse std::fmt::Write as _;\nfn f() {}\n"
        );
    }
}
