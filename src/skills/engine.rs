//! Running skills over one source text: match, guard, build edits, verify.
//!
//! The safety rungs a finding must pass before it is offered:
//! 1. every guard holds;
//! 2. the code around it parsed cleanly (regions with ERROR/MISSING nodes are skipped);
//! 3. the edited text re-parses with no new ERROR/MISSING node;
//! 4. the edit is idempotent: the same skill does not match the same place again.

use std::ops::Range;

use serde::Serialize;
use streaming_iterator::StreamingIterator;
use tree_sitter::{Query, QueryCursor, QueryMatch, Tree};

use std::sync::Arc;

use super::context::MatchCtx;
use super::edit::{self, TextEdit};
use super::spec::Tier;
use super::{Skill, SkillSet};
use crate::index::{self, FileId, FileIndex, ProjectIndex};
use crate::lang::{self, Lang};

/// Where a source text sits in its project: guards then see the project's
/// declarations (headers it includes, the rest of its crate), not only its own.
#[derive(Clone, Copy)]
pub struct InProject<'p> {
    pub index: &'p ProjectIndex,
    pub file: FileId,
}

impl<'p> InProject<'p> {
    fn file_index(project: Option<Self>, lang: Lang, tree: &Tree, src: &str) -> FileIndex<'p> {
        let summarize = || index::summarize_tree(lang, tree, src);
        let own = match project {
            Some(p) => p.index.summary_of_text(p.file, src, summarize),
            None => Arc::new(summarize()),
        };
        FileIndex::new(lang, own, project.map(|p| p.index), project.map(|p| p.file))
    }
}

/// One place a skill can improve, with the edit that does it.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub skill: String,
    pub tier: Tier,
    pub title: String,
    pub message: String,
    /// Byte range of the region the finding is about.
    pub range: Range<usize>,
    pub start_line: usize,
    pub end_line: usize,
    /// The qualified name of the enclosing function, if any.
    pub function: Option<String>,
    pub edits: Vec<TextEdit>,
}

/// What scanning one source text produced.
#[derive(Debug, Default)]
pub struct FileScan {
    pub findings: Vec<Finding>,
    /// Human-readable notes: skipped regions, rejected candidates.
    pub notes: Vec<String>,
}

/// The result of fixing one source text until no skill applies any more.
#[derive(Debug)]
pub struct FixOutcome {
    pub text: String,
    pub applied: Vec<Finding>,
    pub rounds: usize,
    pub notes: Vec<String>,
}

/// Whether to say which guard turned each candidate down (`WATTSON_TRACE=guards`):
/// for skill authors asking why a skill does not fire on some code.
fn tracing() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var("WATTSON_TRACE").is_ok_and(|v| v.contains("guards")))
}

/// How many rescans `fix` does before giving up on reaching a fixed point.
const MAX_ROUNDS: usize = 8;

impl SkillSet {
    /// Scan one source text with every skill of its language, as a file of
    /// its own.
    pub fn scan_source(&self, lang: Lang, src: &str) -> FileScan {
        self.scan_in(lang, src, None)
    }

    /// Scan one source text, seeing the declarations of its project.
    pub fn scan_in(&self, lang: Lang, src: &str, project: Option<InProject<'_>>) -> FileScan {
        let mut out = FileScan::default();
        // Taken first, so that a tree kept for this file is not held to the
        // end when the file turns out to need no parse.
        let kept = project.and_then(|p| p.index.take_parsed(p.file, src));
        let Some(combined) = self.combined.get(&lang) else {
            return out;
        };
        let headers = || match project {
            Some(p) if lang == Lang::Cpp => p
                .index
                .include_closure(p.file)
                .iter()
                .map(|&h| p.index.facts(h))
                .collect(),
            _ => Vec::new(),
        };
        if !combined.dispatch.may_match_file(src.as_bytes(), &headers) {
            return out;
        }
        let parsed = kept.unwrap_or_else(|| lang.parse_best(src));
        let tree = &parsed.tree;
        let errors = lang::error_ranges(tree);
        let mut candidates = Vec::new();
        let file_index = InProject::file_index(project, lang, tree, src);
        // One context for the whole file, so what guards learn about its
        // declarations serves every match.
        let mut ctx = MatchCtx::new(lang, src, tree.root_node(), &self.types, &file_index);
        let mut cursor = QueryCursor::new();
        if combined.dispatch.whole_tree {
            let mut matches = cursor.matches(&combined.query, tree.root_node(), src.as_bytes());
            while let Some(m) = matches.next() {
                self.take(combined, m, &mut ctx, &mut candidates, &mut out.notes);
            }
        } else {
            // One plain walk; the query runs only where a pattern can start.
            cursor.set_max_start_depth(Some(0));
            let mut starts = Vec::new();
            ctx.decls.walk_file(tree.root_node(), lang, src, |node| {
                if combined
                    .dispatch
                    .may_start(node.kind_id(), &src.as_bytes()[node.byte_range()])
                {
                    starts.push(node);
                }
            });
            for node in starts {
                let mut matches = cursor.matches(&combined.query, node, src.as_bytes());
                while let Some(m) = matches.next() {
                    self.take(combined, m, &mut ctx, &mut candidates, &mut out.notes);
                }
            }
        }
        dedup(&mut candidates);
        // Code under `#if 0` is never compiled: nothing there is worth a change.
        candidates.retain(|f| !in_disabled_block(lang, tree, f.range.start, src));
        for f in candidates {
            if let Some(bad) = broken_region(lang, tree, &f, &errors) {
                let note = format!(
                    "lines {}-{} do not parse; {} not applied there",
                    lang::line_of(src, bad.start),
                    lang::line_of(src, bad.end),
                    f.skill
                );
                if !out.notes.contains(&note) {
                    out.notes.push(note);
                }
                continue;
            }
            match self.verify(combined, &parsed, src, &errors, &f, project) {
                Ok(()) => out.findings.push(f),
                Err(why) => out.notes.push(format!(
                    "line {}: {} rejected: {why}",
                    f.start_line, f.skill
                )),
            }
        }
        out.findings
            .sort_by(|a, b| (a.range.start, &a.skill).cmp(&(b.range.start, &b.skill)));
        out
    }

    fn take<'t>(
        &self,
        combined: &super::Combined,
        m: &QueryMatch<'_, 't>,
        ctx: &mut MatchCtx<'t>,
        candidates: &mut Vec<Finding>,
        notes: &mut Vec<String>,
    ) {
        let skill = &self.skills[combined.pattern_skill[m.pattern_index]];
        match self.evaluate(skill, &combined.query, m, ctx) {
            Ok(Some(f)) => candidates.push(f),
            Ok(None) => {}
            Err(e) => notes.push(format!("{}: {e}", skill.id())),
        }
    }

    /// Turn one query match into a finding, if every guard holds.
    fn evaluate<'t>(
        &self,
        skill: &Skill,
        query: &Query,
        m: &QueryMatch<'_, 't>,
        ctx: &mut MatchCtx<'t>,
    ) -> Result<Option<Finding>, String> {
        let names = query.capture_names();
        ctx.captures.clear();
        ctx.bindings.clear();
        for c in m.captures() {
            ctx.captures
                .entry(names[c.index as usize].to_string())
                .or_insert(c.node);
        }
        let src = ctx.src;
        for (call, def) in &skill.guards {
            if !super::guards::run(call, def, ctx) {
                if tracing() {
                    let at = ctx
                        .captures
                        .get("match")
                        .or_else(|| ctx.captures.values().min_by_key(|n| n.start_byte()))
                        .map_or(0, |n| n.start_byte());
                    return Err(format!(
                        "line {}: guard `{call}` did not hold",
                        lang::line_of(src, at)
                    ));
                }
                return Ok(None);
            }
        }
        let mut edits = Vec::new();
        for call in &skill.edits {
            edits.extend(edit::build(
                skill.lang,
                call,
                &ctx.captures,
                &ctx.bindings,
                src,
            )?);
        }
        if edits.is_empty() || edits.iter().all(|e| src[e.range.clone()] == e.text) {
            return Ok(None);
        }
        let region = match ctx.captures.get("match") {
            Some(n) => n.byte_range(),
            None => {
                let start = ctx
                    .captures
                    .values()
                    .map(|n| n.start_byte())
                    .min()
                    .unwrap_or(0);
                let end = ctx
                    .captures
                    .values()
                    .map(|n| n.end_byte())
                    .max()
                    .unwrap_or(0);
                start..end
            }
        };
        let anchor = ctx.captures.get("match").copied().or_else(|| {
            ctx.captures
                .values()
                .min_by_key(|n| n.start_byte())
                .copied()
        });
        let message = edit::render(&skill.spec.message, &ctx.captures, &ctx.bindings, src)?;
        Ok(Some(Finding {
            skill: skill.id().to_string(),
            tier: skill.spec.tier,
            title: skill.spec.title.clone(),
            message,
            start_line: lang::line_of(src, region.start),
            end_line: lang::line_of(src, region.end.saturating_sub(1).max(region.start)),
            range: region,
            function: anchor.and_then(|n| lang::function_name(skill.lang, n, src)),
            edits,
        }))
    }

    /// Run the skill with this id alone over the nodes that meet `near`
    /// (used to check idempotence: a match elsewhere cannot be the same
    /// finding again). The combined query restricted to that range and to
    /// the skill's own patterns does it without compiling the skill's query.
    fn scan_with(
        &self,
        combined: &super::Combined,
        skill_id: &str,
        src: &str,
        tree: &Tree,
        near: Range<usize>,
        project: Option<InProject<'_>>,
    ) -> Vec<Finding> {
        let lang = combined.lang;
        let file_index = InProject::file_index(project, lang, tree, src);
        let mut ctx = MatchCtx::new(lang, src, tree.root_node(), &self.types, &file_index);
        let mut cursor = QueryCursor::new();
        cursor.set_byte_range(near);
        let mut matches = cursor.matches(&combined.query, tree.root_node(), src.as_bytes());
        let mut out = Vec::new();
        while let Some(m) = matches.next() {
            let skill = &self.skills[combined.pattern_skill[m.pattern_index]];
            if skill.id() != skill_id {
                continue;
            }
            if let Ok(Some(f)) = self.evaluate(skill, &combined.query, m, &mut ctx) {
                out.push(f);
            }
        }
        out
    }

    /// Rungs 3 and 4: the edit re-parses cleanly and does not apply twice.
    fn verify(
        &self,
        combined: &super::Combined,
        parsed: &lang::Parsed<'_>,
        src: &str,
        errors: &[Range<usize>],
        f: &Finding,
        project: Option<InProject<'_>>,
    ) -> Result<(), String> {
        let edited = edit::apply(src, &f.edits);
        let tree = parsed.reparse(&edited);
        let new_errors = lang::error_count(&tree);
        if new_errors > errors.len() {
            return Err(format!(
                "the edited code does not parse ({new_errors} syntax error(s) where there were {})",
                errors.len()
            ));
        }
        // Where the finding's region lies in the edited text.
        // (Widened by what the edits insert: a range only narrows the search.)
        let inserted: usize = f.edits.iter().map(|e| e.text.len()).sum();
        let start = edit::map_forward(&f.edits, f.range.start);
        let end = (edit::map_forward(&f.edits, f.range.end) + inserted).min(edited.len());
        let near = start..end.max(start);
        for again in self.scan_with(combined, &f.skill, &edited, &tree, near, project) {
            let start = edit::map_back(&f.edits, again.range.start);
            let end = edit::map_back(&f.edits, again.range.end);
            if start == f.range.start && end == f.range.end {
                return Err("applying the fix twice would change the code again".into());
            }
        }
        Ok(())
    }

    /// Apply every finding's edit, rescanning until nothing changes, so that
    /// one skill's rewrite can enable another's (hoist, then reserve).
    /// Overlapping findings are held back for the next round.
    pub fn fix_source(&self, lang: Lang, src: &str) -> FixOutcome {
        self.fix_in(lang, src, None)
    }

    /// `fix_source` for a file of a project (see `scan_in`).
    pub fn fix_in(&self, lang: Lang, src: &str, project: Option<InProject<'_>>) -> FixOutcome {
        let mut text = src.to_string();
        let mut applied = Vec::new();
        let mut notes = Vec::new();
        let mut rounds = 0;
        while rounds < MAX_ROUNDS {
            let scan = self.scan_in(lang, &text, project);
            if rounds == 0 {
                notes.extend(scan.notes);
            }
            let (chosen, held) = choose_compatible(scan.findings);
            if chosen.is_empty() {
                break;
            }
            rounds += 1;
            for f in &held {
                notes.push(format!(
                    "line {}: {} overlaps another edit; retried after rescan",
                    f.start_line, f.skill
                ));
            }
            let edits: Vec<TextEdit> = chosen
                .iter()
                .flat_map(|f| f.edits.iter().cloned())
                .collect();
            text = edit::apply(&text, &edits);
            applied.extend(chosen);
        }
        FixOutcome {
            text,
            applied,
            rounds,
            notes,
        }
    }
}

/// Whether `byte` lies in the `#if 0` (or `#if false`) branch of a C/C++
/// preprocessor conditional.
fn in_disabled_block(lang: Lang, tree: &Tree, byte: usize, src: &str) -> bool {
    if lang != Lang::Cpp {
        return false;
    }
    let Some(mut node) = tree.root_node().descendant_for_byte_range(byte, byte) else {
        return false;
    };
    while let Some(p) = node.parent() {
        if p.kind() == "preproc_if" {
            let disabled = p
                .child_by_field_name("condition")
                .is_some_and(|c| matches!(src[c.byte_range()].trim(), "0" | "false"));
            // Only the `#if` branch itself, not its `#else`.
            let in_else = p
                .child_by_field_name("alternative")
                .is_some_and(|a| a.start_byte() <= byte && byte < a.end_byte());
            if disabled && !in_else {
                return true;
            }
        }
        node = p;
    }
    false
}

/// Keep the first of every pair of conflicting findings (in source order).
pub fn choose_compatible(findings: Vec<Finding>) -> (Vec<Finding>, Vec<Finding>) {
    let mut chosen: Vec<Finding> = Vec::new();
    let mut held = Vec::new();
    for f in findings {
        let clash = chosen.iter().any(|c| {
            c.edits
                .iter()
                .any(|a| f.edits.iter().any(|b| edit::conflicts(a, b)))
        });
        if clash {
            held.push(f);
        } else {
            chosen.push(f);
        }
    }
    (chosen, held)
}

fn dedup(findings: &mut Vec<Finding>) {
    let mut seen = std::collections::HashSet::new();
    findings.retain(|f| seen.insert((f.skill.clone(), f.edits.clone())));
}

/// The error range that makes this finding untrustworthy: one inside the
/// statement around it (the smallest statement holding the whole finding)
/// or its edits. A syntax error elsewhere in the function (a macro the
/// grammar cannot read) no longer hides the rest of the function.
fn broken_region(
    lang: Lang,
    tree: &Tree,
    f: &Finding,
    errors: &[Range<usize>],
) -> Option<Range<usize>> {
    if errors.is_empty() {
        return None;
    }
    let node = tree
        .root_node()
        .descendant_for_byte_range(f.range.start, f.range.end)?;
    let scope = super::syntax::enclosing_statement(lang, node);
    let mut scope_range = scope.byte_range();
    for e in &f.edits {
        scope_range.start = scope_range.start.min(e.range.start);
        scope_range.end = scope_range.end.max(e.range.end);
    }
    errors
        .iter()
        .find(|e| e.start < scope_range.end && scope_range.start < e.end.max(e.start + 1))
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skill(id: &str, query: &str, edit: &str) -> (String, String) {
        let body = format!(
            "id = \"{id}\"\ntitle = \"t\"\ntier = \"auto\"\nwhy = \"w\"\nmessage = \"m\"\nquery = '''{query}'''\nedit = ['''{edit}''']\n"
        );
        (format!("rewrites/{id}.toml"), body)
    }

    fn set(skills: Vec<(String, String)>) -> SkillSet {
        SkillSet::from_files(skills).unwrap()
    }

    #[test]
    fn overlapping_edits_cascade_over_rescans() {
        let s = set(vec![
            skill(
                "rust/unwrap",
                r#"(call_expression function: (identifier) @f arguments: (arguments (call_expression) @inner) (#eq? @f "wrap")) @outer"#,
                r#"replace(@outer, "{inner}")"#,
            ),
            skill(
                "rust/speed",
                r#"(call_expression function: (identifier) @f (#eq? @f "slow")) @call"#,
                r#"replace(@call, "fast()")"#,
            ),
        ]);
        let out = s.fix_source(Lang::Rust, "fn f() { wrap(slow()); }\n");
        assert_eq!(out.text, "fn f() { fast(); }\n");
        assert_eq!(out.rounds, 2, "the inner rewrite waits for a rescan");
        assert_eq!(out.applied.len(), 2);
        assert!(
            out.notes.iter().any(|n| n.contains("overlaps")),
            "{:?}",
            out.notes
        );
    }

    #[test]
    fn edits_that_break_the_parse_are_rejected() {
        let s = set(vec![skill(
            "rust/bad",
            r#"(call_expression function: (identifier) @f (#eq? @f "slow")) @call"#,
            r#"replace(@call, "fast(")"#,
        )]);
        let scan = s.scan_source(Lang::Rust, "fn f() { slow(); }\n");
        assert!(scan.findings.is_empty());
        assert!(
            scan.notes.iter().any(|n| n.contains("does not parse")),
            "{:?}",
            scan.notes
        );
    }

    #[test]
    fn edits_that_would_apply_again_are_rejected() {
        let s = set(vec![skill(
            "rust/loop",
            r#"(call_expression function: (identifier) @f (#eq? @f "slow")) @call"#,
            r#"insert-before(@call, "/*x*/ ")"#,
        )]);
        let scan = s.scan_source(Lang::Rust, "fn f() { slow(); }\n");
        assert!(scan.findings.is_empty());
        assert!(
            scan.notes.iter().any(|n| n.contains("twice")),
            "{:?}",
            scan.notes
        );
    }

    #[test]
    fn code_under_if_0_is_left_alone() {
        let s = set(vec![skill(
            "cpp/speed",
            r#"(call_expression function: (identifier) @f (#eq? @f "slow")) @call"#,
            r#"replace(@call, "fast()")"#,
        )]);
        let src = "void f() {\n#if 0\n  slow();\n#else\n  slow();\n#endif\n}\n";
        let scan = s.scan_source(Lang::Cpp, src);
        let lines: Vec<usize> = scan.findings.iter().map(|f| f.start_line).collect();
        assert_eq!(lines, [5], "only the #else branch is compiled");
    }

    #[test]
    fn one_query_pass_serves_all_skills() {
        let s = set(vec![
            skill(
                "rust/a",
                r#"(call_expression function: (identifier) @f (#eq? @f "a")) @call"#,
                r#"replace(@call, "x()")"#,
            ),
            skill(
                "rust/b",
                r#"(call_expression function: (identifier) @f (#eq? @f "b")) @call"#,
                r#"replace(@call, "y()")"#,
            ),
        ]);
        assert_eq!(s.combined[&Lang::Rust].pattern_skill, vec![0, 1]);
        let scan = s.scan_source(Lang::Rust, "fn f() { a(); b(); }\n");
        let ids: Vec<&str> = scan.findings.iter().map(|f| f.skill.as_str()).collect();
        assert_eq!(ids, ["rust/a", "rust/b"]);
        assert_eq!(scan.findings[0].function.as_deref(), Some("f"));
    }
}

#[cfg(test)]
mod dispatch_tests {
    use super::*;

    /// The kind-dispatched walk must find exactly what the query cursor's own
    /// whole-tree walk finds: on the demo programs and every skill example.
    #[test]
    fn dispatch_finds_what_the_whole_tree_cursor_finds() {
        let fast = SkillSet::builtin().unwrap();
        let mut slow = SkillSet::builtin().unwrap();
        for c in slow.combined.values_mut() {
            c.dispatch.disable();
        }
        let mut sources: Vec<(Lang, String)> = Vec::new();
        for s in fast.skills() {
            sources.extend(s.spec.examples.iter().map(|e| (s.lang, e.before.clone())));
            sources.extend(s.spec.leave_alone.iter().map(|l| (s.lang, l.code.clone())));
        }
        let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("demo");
        for entry in ignore::WalkBuilder::new(&demo).build().flatten() {
            if let Some(lang) = Lang::from_path(entry.path()) {
                sources.push((lang, std::fs::read_to_string(entry.path()).unwrap()));
            }
        }
        assert!(sources.len() > 60);
        let key = |scan: FileScan| {
            scan.findings
                .into_iter()
                .map(|f| (f.skill, f.range, f.edits))
                .collect::<Vec<_>>()
        };
        for (lang, src) in &sources {
            assert_eq!(
                key(fast.scan_source(*lang, src)),
                key(slow.scan_source(*lang, src)),
                "{src}"
            );
        }
    }
}
