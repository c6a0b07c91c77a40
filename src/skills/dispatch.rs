//! Running a combined query without the query cursor's own walk of the
//! whole tree.
//!
//! A `QueryCursor` visits every node of the tree, which costs about as much as
//! a third of parsing even for a query that never matches. Most nodes cannot
//! start any pattern, so, like ast-grep, wattson walks the tree once with a
//! plain `TreeCursor`, and only at nodes whose kind can start a pattern (and
//! whose text contains the literals the pattern's predicates demand) runs the
//! query cursor, rooted at that node and allowed to start only there.
//!
//! Patterns whose starting kind cannot be read from their source (a top-level
//! sequence of siblings, a wildcard) make the whole query fall back to the
//! plain whole-tree cursor, so results never depend on this optimisation.

use memchr::memmem::Finder;
use tree_sitter::{Language, Query};

use std::sync::Arc;

use super::prefilter::TypeNeed;
use crate::index::facts::{code_facts, CodeFacts};

/// What must hold at a node for some pattern to start there.
struct Start {
    /// Every inner list must have at least one literal inside the node's text.
    needles: Vec<Vec<Finder<'static>>>,
}

/// What a file must hold for one pattern to match in it.
struct FileNeeds {
    /// Needle sets (indexes into `literals`), each one met by any of its literals.
    literals: Vec<Vec<usize>>,
    /// Type evidence its skill's guards need (see `prefilter`).
    types: Vec<TypeNeed>,
}

pub struct Dispatch {
    /// Indexed by node kind id: the patterns' start conditions at that kind.
    by_kind: Vec<Vec<Start>>,
    /// Every distinct literal some pattern requires.
    literals: Vec<Finder<'static>>,
    /// Per pattern, what a file must hold for it to match anywhere; `None`
    /// when some pattern needs nothing (then every file must be parsed).
    file_filter: Option<Vec<FileNeeds>>,
    /// Some pattern could not be analysed: use the whole-tree cursor.
    pub whole_tree: bool,
}

impl Dispatch {
    /// Analyse the patterns of `query`, whose source text is `source`;
    /// `type_needs[p]` is what the guards of pattern `p`'s skill need.
    pub fn new(
        language: &Language,
        query: &Query,
        source: &str,
        type_needs: &[Vec<TypeNeed>],
    ) -> Dispatch {
        let mut by_kind: Vec<Vec<Start>> = (0..language.node_kind_count())
            .map(|_| Vec::new())
            .collect();
        let mut whole_tree = std::env::var_os("WATTSON_WHOLE_TREE_QUERY").is_some();
        let mut literal_texts: Vec<String> = Vec::new();
        let mut file_filter = Some(Vec::new());
        for i in 0..query.pattern_count() {
            let start = query.start_byte_for_pattern(i);
            let end = if i + 1 < query.pattern_count() {
                query.start_byte_for_pattern(i + 1)
            } else {
                source.len()
            };
            let text = &source[start..end];
            let Some(kinds) = root_kinds(text) else {
                whole_tree = true;
                continue;
            };
            let needles = needles(text);
            let types = type_needs.get(i).cloned().unwrap_or_default();
            match &mut file_filter {
                Some(_) if needles.is_empty() && types.is_empty() => file_filter = None,
                Some(filter) => filter.push(FileNeeds {
                    literals: needles
                        .iter()
                        .map(|set| {
                            set.iter()
                                .map(|lit| match literal_texts.iter().position(|l| l == lit) {
                                    Some(i) => i,
                                    None => {
                                        literal_texts.push(lit.clone());
                                        literal_texts.len() - 1
                                    }
                                })
                                .collect()
                        })
                        .collect(),
                    types,
                }),
                None => {}
            }
            for kind in kinds {
                let id = language.id_for_node_kind(&kind, true);
                if id == 0 {
                    whole_tree = true; // an anonymous or unknown kind: stay safe
                    continue;
                }
                let finders = needles
                    .iter()
                    .map(|set| {
                        set.iter()
                            .map(|n| Finder::new(n.as_bytes()).into_owned())
                            .collect()
                    })
                    .collect();
                by_kind[id as usize].push(Start { needles: finders });
            }
        }
        let literals = literal_texts
            .iter()
            .map(|l| Finder::new(l.as_bytes()).into_owned())
            .collect();
        if whole_tree {
            file_filter = None;
        }
        Dispatch {
            by_kind,
            literals,
            file_filter,
            whole_tree,
        }
    }

    /// Turn both shortcuts off: every file parsed, the whole tree walked by
    /// the query cursor (the reference behaviour the shortcuts must match).
    #[cfg(test)]
    pub fn disable(&mut self) {
        self.whole_tree = true;
        self.file_filter = None;
    }

    /// Whether any pattern can match somewhere in this file, judged from the
    /// literals its predicates require and the type evidence its guards
    /// need. A file that fails is not even parsed: most files of a large
    /// tree contain none of the skills' literals, and most C++ headers name
    /// none of the standard types the C++ skills act on. Type evidence may
    /// also come from the project headers the file includes (a member
    /// declared `std::vector` in `widget.h`, used in `widget.cpp`):
    /// `headers` gives their facts, asked only when the file's own fail.
    pub fn may_match_file(&self, src: &[u8], headers: &dyn Fn() -> Vec<Arc<CodeFacts>>) -> bool {
        let Some(patterns) = &self.file_filter else {
            return true;
        };
        let mut present: Vec<Option<bool>> = vec![None; self.literals.len()];
        let mut has =
            |i: usize| *present[i].get_or_insert_with(|| self.literals[i].find(src).is_some());
        let mut own = None;
        let mut included: Option<Vec<Arc<CodeFacts>>> = None;
        patterns.iter().any(|p| {
            p.literals.iter().all(|set| set.iter().any(|&i| has(i)))
                && (p.types.is_empty() || {
                    let own = own.get_or_insert_with(|| code_facts(src));
                    p.types.iter().all(|t| {
                        t.met(own)
                            || included
                                .get_or_insert_with(headers)
                                .iter()
                                .any(|h| t.met(h))
                    })
                })
        })
    }

    /// Whether some pattern may start at a node of this kind with this text.
    pub fn may_start(&self, kind_id: u16, text: &[u8]) -> bool {
        self.by_kind.get(kind_id as usize).is_some_and(|starts| {
            starts.iter().any(|s| {
                s.needles
                    .iter()
                    .all(|set| set.iter().any(|f| f.find(text).is_some()))
            })
        })
    }
}

/// The node kinds a pattern can start with, or `None` when that is not
/// evident from its text.
fn root_kinds(pattern: &str) -> Option<Vec<String>> {
    let t = strip_comments(pattern);
    let t = t.trim();
    let t = t.strip_suffix(|c: char| c.is_whitespace()).unwrap_or(t);
    parse_start(t)
}

fn parse_start(t: &str) -> Option<Vec<String>> {
    let t = t.trim_start();
    if let Some(rest) = t.strip_prefix('[') {
        // An alternation: the union of its branches' kinds.
        let body = &rest[..matching(rest, '[', ']')?];
        let mut kinds = Vec::new();
        for branch in top_level_items(body) {
            kinds.extend(parse_start(&branch)?);
        }
        return Some(kinds);
    }
    let rest = t.strip_prefix('(')?.trim_start();
    if rest.starts_with('(') || rest.starts_with('[') {
        // A group: fine when it holds one pattern plus predicates.
        let body = &rest[..matching(rest, '(', ')')?];
        let items: Vec<String> = top_level_items(body)
            .into_iter()
            .filter(|i| !i.trim_start().starts_with("(#"))
            .collect();
        if items.len() != 1 {
            return None;
        }
        return parse_start(&items[0]);
    }
    let kind: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if kind.is_empty() || kind == "_" {
        return None;
    }
    Some(vec![kind])
}

/// Index of the bracket closing the one just before `s` (i.e. `s` starts
/// right after an opening bracket).
fn matching(s: &str, open: char, close: char) -> Option<usize> {
    let mut depth = 0i32;
    let mut in_str = false;
    let mut prev = ' ';
    for (i, c) in s.char_indices() {
        if in_str {
            if c == '"' && prev != '\\' {
                in_str = false;
            }
        } else if c == '"' {
            in_str = true;
        } else if c == open || (open == '(' && c == '[') || (open == '[' && c == '(') {
            depth += 1;
        } else if c == close || (close == ')' && c == ']') || (close == ']' && c == ')') {
            if depth == 0 {
                return (c == close).then_some(i);
            }
            depth -= 1;
        }
        prev = c;
    }
    None
}

/// The top-level items of a group body: each `(...)` / `[...]` with its
/// trailing captures and quantifiers.
fn top_level_items(body: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut depth = 0i32;
    let mut in_str = false;
    let mut cur = String::new();
    let mut prev = ' ';
    for c in body.chars() {
        if in_str {
            cur.push(c);
            if c == '"' && prev != '\\' {
                in_str = false;
            }
            prev = c;
            continue;
        }
        match c {
            '"' => in_str = true,
            '(' | '[' => {
                // A new item starts at depth 0; captures and quantifiers
                // written after the previous one stay with it.
                if depth == 0 && !cur.trim().is_empty() {
                    items.push(std::mem::take(&mut cur));
                }
                depth += 1;
            }
            ')' | ']' => depth -= 1,
            _ => {}
        }
        cur.push(c);
        prev = c;
    }
    if !cur.trim().is_empty() {
        items.push(cur);
    }
    items
        .into_iter()
        .map(|i| i.trim().to_string())
        .filter(|i| !i.is_empty())
        .collect()
}

fn strip_comments(s: &str) -> String {
    let mut out = String::new();
    let mut in_str = false;
    let mut prev = ' ';
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if !in_str && c == ';' {
            for d in chars.by_ref() {
                if d == '\n' {
                    break;
                }
            }
            out.push('\n');
            continue;
        }
        if c == '"' && prev != '\\' {
            in_str = !in_str;
        }
        out.push(c);
        prev = c;
    }
    out
}

/// Literal texts a match must contain: from `#eq?` / `#any-of?` predicates on
/// a capture that is certainly present (the pattern has no alternation and no
/// quantifier, so every capture exists in every match).
fn needles(pattern: &str) -> Vec<Vec<String>> {
    let t = strip_comments(pattern);
    let mut structure = String::new();
    let mut preds = Vec::new();
    let mut rest = t.as_str();
    while let Some(i) = rest.find("(#") {
        structure.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let Some(end) = matching(after, '(', ')') else {
            return Vec::new();
        };
        preds.push(after[..end].to_string());
        rest = &after[end + 1..];
    }
    structure.push_str(rest);
    let no_strings: String = {
        let mut out = String::new();
        let mut in_str = false;
        for c in structure.chars() {
            if c == '"' {
                in_str = !in_str;
            } else if !in_str {
                out.push(c);
            }
        }
        out
    };
    // A capture inside an alternation or a quantified element may be absent
    // from a match, so its predicate's literal is not required.
    let (quantified, alternations) = optional_spans(&no_strings);
    let mentions = |text: &str, capture: &str| {
        let mut at = 0;
        while let Some(i) = text[at..].find(capture) {
            let end = at + i + capture.len();
            let whole = !text[end..]
                .starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '-' || c == '.');
            if whole {
                return Some(at + i);
            }
            at = end;
        }
        None
    };
    // Required: outside every quantified element, and in every alternative
    // of each alternation around it.
    let required = |capture: &str| {
        let Some(pos) = mentions(&no_strings, capture) else {
            return false;
        };
        !quantified.iter().any(|r| r.contains(&pos))
            && alternations.iter().filter(|r| r.contains(&pos)).all(|r| {
                alternatives(&no_strings[r.start + 1..r.end - 1])
                    .iter()
                    .all(|alt| mentions(alt, capture).is_some())
            })
    };
    let mut out = Vec::new();
    for p in preds {
        let mut words = p.split_whitespace();
        let op = words.next().unwrap_or("");
        if op != "#eq?" && op != "#any-of?" {
            continue;
        }
        if !words
            .next()
            .is_some_and(|c| c.starts_with('@') && required(c))
        {
            continue;
        }
        let lits: Vec<String> = p
            .split('"')
            .enumerate()
            .filter(|(i, _)| i % 2 == 1)
            .map(|(_, s)| s.to_string())
            .collect();
        // `#eq? @a @b` has no literal; escaped literals are left alone.
        if lits.is_empty() || lits.iter().any(|l| l.contains('\\') || l.is_empty()) {
            continue;
        }
        out.push(lits);
    }
    out
}

/// The top-level alternatives inside an alternation's brackets, each with
/// the captures written after it.
fn alternatives(inner: &str) -> Vec<&str> {
    let b = inner.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start: Option<usize> = None;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'(' | b'[' => {
                if depth == 0 {
                    if let Some(s) = start {
                        out.push(&inner[s..i]);
                    }
                    start = Some(i);
                }
                depth += 1;
            }
            b')' | b']' => depth -= 1,
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(&inner[s..]);
    }
    out
}

/// Byte ranges of a pattern's structure that a match may leave out:
/// elements quantified with `?`, `*` or `+` (with the captures written right
/// after them), and, separately, the alternations `[…]`.
type Spans = Vec<std::ops::Range<usize>>;
fn optional_spans(structure: &str) -> (Spans, Spans) {
    let b = structure.as_bytes();
    let mut spans = Vec::new();
    let mut brackets = Vec::new();
    let mut stack: Vec<(u8, usize)> = Vec::new();
    let mut closed: Vec<(usize, usize)> = Vec::new(); // (open, close) of groups
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'(' | b'[' => stack.push((c, i)),
            b')' | b']' => {
                if let Some((open, start)) = stack.pop() {
                    if open == b'[' {
                        brackets.push(start..i + 1);
                    }
                    closed.push((start, i));
                }
            }
            b'?' | b'*' | b'+' => {
                // The quantified element ends right before the quantifier.
                let before = structure[..i].trim_end();
                let elem_start = match before.as_bytes().last() {
                    Some(b')') | Some(b']') => closed
                        .iter()
                        .find(|(_, close)| *close == before.len() - 1)
                        .map(|(open, _)| *open),
                    _ => before.rfind(|ch: char| ch.is_whitespace()).map(|p| p + 1),
                };
                let mut end = i + 1;
                // Captures of the quantified element follow it.
                loop {
                    let rest = &structure[end..];
                    let trimmed = rest.trim_start();
                    if !trimmed.starts_with('@') {
                        break;
                    }
                    let skip = rest.len() - trimmed.len();
                    let len = trimmed
                        .find(|ch: char| ch.is_whitespace() || ch == ')' || ch == ']')
                        .unwrap_or(trimmed.len());
                    end += skip + len;
                }
                if let Some(start) = elem_start {
                    spans.push(start..end);
                }
            }
            _ => {}
        }
    }
    (spans, brackets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_of_optional_captures_are_not_required() {
        let p = r#"(binary_expression left: [(identifier) (call_expression)] @x right: (call_expression function: (identifier) @f) (#eq? @f "Some"))"#;
        assert_eq!(needles(p), vec![vec!["Some".to_string()]]);
        let q =
            r#"(call_expression function: [(identifier) @f (field_expression)] (#eq? @f "go"))"#;
        assert!(needles(q).is_empty(), "@f is in one alternative only");
        let both = r#"(block [(call_expression (identifier) @f) (expression_statement (identifier) @f)] (#eq? @f "go"))"#;
        assert_eq!(
            needles(both),
            vec![vec!["go".to_string()]],
            "@f is in every alternative"
        );
        let r = r#"(block (line_comment)? @c (#eq? @c "x") (identifier) @i (#eq? @i "y"))"#;
        assert_eq!(needles(r), vec![vec!["y".to_string()]]);
    }

    #[test]
    fn files_without_the_literals_are_not_parsed() {
        let lang: Language = tree_sitter_rust::LANGUAGE.into();
        let src = "(call_expression (field_expression (field_identifier) @m) (#eq? @m \"clone\"))\n((macro_invocation (identifier) @n) (#any-of? @n \"format\" \"print\"))";
        let q = Query::new(&lang, src).unwrap();
        let d = Dispatch::new(&lang, &q, src, &[]);
        assert!(d.may_match_file(b"fn f() { x.clone(); }", &Vec::new));
        assert!(d.may_match_file(b"fn f() { print!(); }", &Vec::new));
        assert!(!d.may_match_file(b"fn f() { x.len(); }", &Vec::new));
        let open = format!("{src}\n(block) @b");
        let q2 = Query::new(&lang, &open).unwrap();
        assert!(
            Dispatch::new(&lang, &q2, &open, &[]).may_match_file(b"fn f() {}", &Vec::new),
            "a pattern without literals needs every file"
        );
    }

    /// The built-in skills keep both shortcuts working: every pattern's start
    /// kind is readable, and every Rust pattern demands a literal (so Rust
    /// files without any are not even parsed).
    #[test]
    fn builtin_skills_keep_the_shortcuts() {
        let set = crate::skills::SkillSet::builtin().unwrap();
        for s in set.skills() {
            let q = Query::new(&s.lang.grammar(), &s.spec.query).unwrap();
            for i in 0..q.pattern_count() {
                let start = q.start_byte_for_pattern(i);
                let end = if i + 1 < q.pattern_count() {
                    q.start_byte_for_pattern(i + 1)
                } else {
                    s.spec.query.len()
                };
                let text = &s.spec.query[start..end];
                assert!(
                    root_kinds(text).is_some(),
                    "{}: pattern {i} has no readable start kind",
                    s.id()
                );
                if s.lang == crate::lang::Lang::Rust {
                    assert!(
                        !needles(text).is_empty(),
                        "{}: pattern {i} requires no literal",
                        s.id()
                    );
                }
            }
        }
        for c in set.combined.values() {
            assert!(!c.dispatch.whole_tree);
        }
    }

    #[test]
    fn reads_the_starting_kinds_of_patterns() {
        assert_eq!(
            root_kinds("(call_expression function: (identifier)) @c"),
            Some(vec!["call_expression".into()])
        );
        assert_eq!(
            root_kinds("; comment (x)\n([(for_expression) (while_expression body: (block))] @loop (#eq? @a \"b\"))"),
            Some(vec!["for_expression".into(), "while_expression".into()])
        );
        assert_eq!(
            root_kinds("((identifier) @x (#eq? @x \"endl\"))"),
            Some(vec!["identifier".into()])
        );
        assert_eq!(root_kinds("((a) . (b))"), None, "a sibling sequence");
        assert_eq!(root_kinds("(_) @any"), None);
    }

    #[test]
    fn derives_needles_only_from_certain_captures() {
        assert_eq!(
            needles("(call_expression (field_identifier) @m (identifier) @n (#eq? @m \"clone\") (#any-of? @n \"a\" \"b\") (#eq? @x @y))"),
            vec![vec!["clone".to_string()], vec!["a".to_string(), "b".to_string()]]
        );
        assert!(needles("[(a) @m (b)] (#eq? @m \"x\")").is_empty());
        assert!(needles("(a (b)? @m (#eq? @m \"x\"))").is_empty());
        assert!(needles("(a (b) @m (#not-eq? @m \"x\"))").is_empty());
        assert_eq!(
            needles("(a !type (b) @m (#eq? @m \"x\"))"),
            vec![vec!["x".to_string()]],
            "a negated field is no quantifier"
        );
    }
}
