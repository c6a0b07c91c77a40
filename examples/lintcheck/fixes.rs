//! `lintcheck fixes`: does wattson re-find the performance fixes people
//! actually merged, and does it leave alone the real code where a rewrite
//! would be wrong?
//!
//! For each fix of `lintcheck/fixes.toml`, the file is scanned inside its
//! tree as it was at the fix's parent commit, with default settings; the fix
//! is re-found when a finding of its kind touches its lines (two lines of
//! slack). For each case of `lintcheck/leave-alone.toml`, the file is scanned
//! at the given commit and must have no finding of that kind there.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result};
use serde::Deserialize;
use wattson::scan::{self, ScanOptions};
use wattson::skills::SkillSet;

use crate::checkout::{lintcheck_dir, overlaps, Mirrors};

#[derive(Deserialize)]
struct FixesFile {
    fix: Vec<Fix>,
}

#[derive(Deserialize, Clone)]
struct Fix {
    repo: String,
    commit: String,
    path: String,
    lines: Vec<usize>,
    kind: String,
    summary: String,
}

#[derive(Deserialize)]
struct LeaveAloneFile {
    #[serde(rename = "leave-alone")]
    cases: Vec<LeaveAlone>,
}

#[derive(Deserialize)]
struct LeaveAlone {
    repo: String,
    commit: String,
    path: String,
    lines: Vec<usize>,
    kind: String,
    why: String,
}

enum Outcome {
    Found,
    Missed(String),
    NoSkill,
    Error(String),
}

/// The findings of one file of a tree, as (skill, first line, last line).
fn findings(
    set: &SkillSet,
    tree: &std::path::Path,
    path: &str,
) -> Result<Vec<(String, usize, usize)>> {
    let file = tree.join(path);
    let report = scan::scan(set, &file, &ScanOptions::default())
        .with_context(|| format!("scanning {}", file.display()))?;
    let mut out = Vec::new();
    for (_, f) in report.findings() {
        out.push((f.skill.clone(), f.start_line, f.end_line));
    }
    // With WATTSON_TRACE=guards, the candidates guards turned down.
    for file in &report.files {
        for n in &file.notes {
            if let Some((skill, rest)) = n.split_once(": line ") {
                let line: usize = rest
                    .split(':')
                    .next()
                    .and_then(|l| l.parse().ok())
                    .unwrap_or(0);
                out.push((format!("(rejected {skill}: line {rest})"), line, line));
            }
        }
    }
    if out.is_empty() {
        if let Some(line) = report.stats.left_out_summary() {
            out.push((format!("(left out: {line})"), 0, 0));
        }
    }
    Ok(out)
}

pub fn run(
    set: &SkillSet,
    mirrors: Option<PathBuf>,
    out: Option<PathBuf>,
    only: Option<String>,
) -> Result<()> {
    let dir = lintcheck_dir();
    let fixes: FixesFile = toml::from_str(&std::fs::read_to_string(dir.join("fixes.toml"))?)
        .context("reading lintcheck/fixes.toml")?;
    let leave: LeaveAloneFile =
        toml::from_str(&std::fs::read_to_string(dir.join("leave-alone.toml"))?)
            .context("reading lintcheck/leave-alone.toml")?;
    let mirrors = Mirrors::new(mirrors)?;
    let known: Vec<String> = set.skills().iter().map(|s| s.id().to_string()).collect();

    let mut by_kind: BTreeMap<String, Vec<(Fix, Outcome)>> = BTreeMap::new();
    // Fixes in code a default scan leaves out, and why (see `not_production`).
    let mut left_out_by_default: BTreeMap<(String, String), String> = BTreeMap::new();
    let selected: Vec<&Fix> = fixes
        .fix
        .iter()
        .filter(|f| only.as_deref().is_none_or(|o| f.kind.contains(o)))
        .collect();
    for (i, fix) in selected.iter().enumerate() {
        eprint!("\r{}/{} {:<60}", i + 1, selected.len(), fix.kind);
        let outcome = if !known.contains(&fix.kind) {
            Outcome::NoSkill
        } else {
            match mirrors
                .rev_parse(&fix.repo, &format!("{}^", fix.commit))
                .and_then(|parent| mirrors.tree(&fix.repo, &parent))
                .and_then(|tree| {
                    let found = findings(set, &tree, &fix.path)?;
                    Ok((
                        found,
                        not_production(&tree, &fix.path, fix.lines.first().copied().unwrap_or(1)),
                    ))
                })
                .map(|(found, left_out)| {
                    if let Some(why) = left_out {
                        left_out_by_default.insert((fix.repo.clone(), fix.commit.clone()), why);
                    }
                    found
                }) {
                Ok(found) => {
                    let hit = found.iter().any(|(skill, a, b)| {
                        *skill == fix.kind && overlaps((*a, *b), &fix.lines, 2)
                    });
                    if hit {
                        Outcome::Found
                    } else {
                        // What was found or turned down near the fix.
                        let near: Vec<String> = found
                            .iter()
                            .filter(|(s, a, b)| {
                                !s.starts_with('(') || overlaps((*a, *b), &fix.lines, 3)
                            })
                            .filter(|(s, _, _)| {
                                !s.starts_with("(rejected") || s.contains(&fix.kind)
                            })
                            .map(|(s, a, b)| format!("{s}@{a}-{b}"))
                            .collect();
                        Outcome::Missed(near.join(", "))
                    }
                }
                Err(e) => Outcome::Error(format!("{e:#}")),
            }
        };
        by_kind
            .entry(fix.kind.clone())
            .or_default()
            .push(((*fix).clone(), outcome));
    }
    eprintln!();

    let mut md = String::from("# Real fixes re-found\n\nEach fix of `lintcheck/fixes.toml`, its file scanned inside its tree at the fix's parent commit with default settings and every skill, the pedantic ones too (`cargo run --release --example lintcheck -- fixes`).\n\n| kind | fixes | re-found |\n|---|---|---|\n");
    let pedantic = |kind: &str| set.get(kind).is_some_and(|s| s.spec.pedantic);
    let (mut total, mut found, mut with_skill, mut found_by_default) = (0, 0, 0, 0);
    for (kind, rows) in &by_kind {
        let n = rows.len();
        let f = rows
            .iter()
            .filter(|(_, o)| matches!(o, Outcome::Found))
            .count();
        let has_skill = !rows.iter().all(|(_, o)| matches!(o, Outcome::NoSkill));
        total += n;
        found += f;
        if !pedantic(kind) {
            found_by_default += f;
        }
        if has_skill {
            with_skill += n;
        }
        let cell = if has_skill && pedantic(kind) {
            format!("{f} (pedantic)")
        } else if has_skill {
            f.to_string()
        } else {
            "no skill".into()
        };
        let _ = writeln!(md, "| {kind} | {n} | {cell} |");
    }
    let _ = writeln!(
        md,
        "\n**{found} of {total} re-found ({:.0}%)**; {found_by_default} ({:.0}%) by the skills that run by default; {with_skill} of the fixes are of a kind some skill covers.\n",
        100.0 * found as f64 / total.max(1) as f64,
        100.0 * found_by_default as f64 / total.max(1) as f64
    );
    let missed_left_out = by_kind
        .values()
        .flatten()
        .filter(|(fix, o)| {
            matches!(o, Outcome::Missed(_))
                && left_out_by_default.contains_key(&(fix.repo.clone(), fix.commit.clone()))
        })
        .count();
    let _ = writeln!(
        md,
        "{missed_left_out} of the misses are in code a default scan leaves out (test code, or a file that is not production code); they are marked below.\n"
    );
    md.push_str("## Missed\n\n");
    for (kind, rows) in &by_kind {
        for (fix, o) in rows {
            let mut why = match o {
                Outcome::Missed(near) if near.is_empty() => "no finding in the file".to_string(),
                Outcome::Missed(near) => format!("found instead: {near}"),
                Outcome::Error(e) => format!("error: {e}"),
                _ => continue,
            };
            if let Some(left_out) = left_out_by_default.get(&(fix.repo.clone(), fix.commit.clone()))
            {
                why = format!("{why} (left out by default: {left_out})");
            }
            let _ = writeln!(
                md,
                "- `{kind}` {} {} `{}` {:?}: {} — {why}",
                fix.repo,
                &fix.commit[..12.min(fix.commit.len())],
                fix.path,
                fix.lines,
                fix.summary
            );
        }
    }

    md.push_str("\n## Leave-alone cases from real code\n\n");
    let mut flagged = 0;
    for case in leave
        .cases
        .iter()
        .filter(|c| only.as_deref().is_none_or(|o| c.kind.contains(o)))
    {
        let verdict = mirrors
            .rev_parse(&case.repo, &case.commit)
            .and_then(|c| mirrors.tree(&case.repo, &c))
            .and_then(|tree| findings(set, &tree, &case.path));
        match verdict {
            Ok(found) => {
                let bad: Vec<String> = found
                    .iter()
                    .filter(|(s, a, b)| *s == case.kind && overlaps((*a, *b), &case.lines, 0))
                    .map(|(s, a, b)| format!("{s}@{a}-{b}"))
                    .collect();
                if !bad.is_empty() {
                    flagged += 1;
                    let _ = writeln!(
                        md,
                        "- FLAGGED `{}` {} `{}` {:?} ({}): {}",
                        case.kind,
                        case.repo,
                        case.path,
                        case.lines,
                        case.why,
                        bad.join(", ")
                    );
                }
            }
            Err(e) => {
                let _ = writeln!(
                    md,
                    "- error `{}` {} `{}`: {e:#}",
                    case.kind, case.repo, case.path
                );
            }
        }
    }
    let _ = writeln!(
        md,
        "\n**{flagged} of {} leave-alone cases flagged.**",
        leave.cases.len()
    );
    print!("{md}");
    if let Some(p) = out {
        std::fs::write(&p, &md).with_context(|| format!("writing {}", p.display()))?;
    }
    Ok(())
}

/// Why a default scan leaves out line `line` of `path` in `tree`, if it
/// does: the file is not production code, or the line is in Rust test code
/// (`#[cfg(test)]`, `#[test]`).
fn not_production(tree: &std::path::Path, path: &str, line: usize) -> Option<String> {
    let role = wattson::index::role::role_of_path(path);
    if !role.is_production() {
        return Some(role.describe().to_string());
    }
    let lang = wattson::lang::Lang::from_path(std::path::Path::new(path))?;
    if lang != wattson::lang::Lang::Rust {
        return None;
    }
    let text = std::fs::read_to_string(tree.join(path)).ok()?;
    let offset: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    wattson::index::summarize(lang, &text)
        .in_test_code(offset)
        .then(|| "Rust test code".to_string())
}
