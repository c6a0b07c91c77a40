//! Attribution: which commit between the last good and the first bad point
//! most likely caused a regression, and why.
//!
//! Every commit in the range is diffed against its first parent (git2); the
//! changed lines of C++ and Rust files are mapped to the functions around
//! them (tree-sitter outlines of the file at that commit). A commit scores by
//! what it touched: source functions at all, then how hot they are after the
//! regression, and how much their weight grew between a profile taken before
//! and one taken after. Every point of score comes with a reason in words.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use git2::{DiffOptions, Oid, Repository};
use serde::Serialize;

use crate::lang::outline;
use crate::lang::Lang;
use crate::profile::HotnessIndex;

/// A function a commit changed.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ChangedFunction {
    pub name: String,
    pub path: String,
    pub lines_changed: usize,
    /// Self weight (percent) in the profile taken after, if given.
    pub self_percent_after: Option<f64>,
    /// Self weight (percent) in the profile taken before, if given.
    pub self_percent_before: Option<f64>,
    /// How much the function's own cost grew, in percent of the whole
    /// profile before (absolute weights, so a function that already
    /// dominated and doubled shows +100, not +0.5 points of share).
    pub growth_percent: Option<f64>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Suspect {
    pub commit: String,
    pub summary: String,
    pub author: String,
    pub score: f64,
    pub reasons: Vec<String>,
    pub changed_functions: Vec<ChangedFunction>,
}

/// Profiles joined to the trees at the good and the bad commit.
#[derive(Default)]
pub struct Profiles<'a> {
    pub before: Option<&'a HotnessIndex>,
    pub after: Option<&'a HotnessIndex>,
}

/// The commits after `good` up to and including `bad`, oldest first.
pub fn commits_in_range(repo: &Repository, good: &str, bad: &str) -> Result<Vec<Oid>> {
    let good_id = resolve(repo, good)?;
    let bad_id = resolve(repo, bad)?;
    let mut walk = repo.revwalk()?;
    walk.push(bad_id)?;
    walk.hide(good_id)?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)?;
    let ids: Vec<Oid> = walk.collect::<std::result::Result<_, _>>()?;
    anyhow::ensure!(
        !ids.is_empty(),
        "no commits after {good} up to {bad}: is {good} really older than {bad}?"
    );
    Ok(ids)
}

pub fn resolve(repo: &Repository, rev: &str) -> Result<Oid> {
    Ok(repo
        .revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .with_context(|| format!("`{rev}` does not name a commit"))?
        .id())
}

/// Rank the commits in `good..bad`, most likely culprit first.
pub fn attribute(
    repo: &Repository,
    good: &str,
    bad: &str,
    profiles: &Profiles,
) -> Result<Vec<Suspect>> {
    let mut suspects = Vec::new();
    for id in commits_in_range(repo, good, bad)? {
        suspects.push(suspect(repo, id, profiles)?);
    }
    // Most likely first; among equals the later commit (closer to the first
    // bad point) first.
    let n = suspects.len();
    let mut order: Vec<(usize, Suspect)> = suspects.into_iter().enumerate().collect();
    order.sort_by(|(ia, a), (ib, b)| {
        b.score
            .partial_cmp(&a.score)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(ib.cmp(ia))
    });
    debug_assert_eq!(order.len(), n);
    Ok(order.into_iter().map(|(_, s)| s).collect())
}

/// What one commit changed, scored and explained.
pub fn suspect(repo: &Repository, id: Oid, profiles: &Profiles) -> Result<Suspect> {
    let commit = repo.find_commit(id)?;
    let tree = commit.tree()?;
    let parent_tree = match commit.parent(0) {
        Ok(p) => Some(p.tree()?),
        Err(_) => None,
    };
    let mut opts = DiffOptions::new();
    opts.context_lines(0);
    let diff = repo.diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), Some(&mut opts))?;
    // Changed line ranges on the new side, per path.
    let mut changed: BTreeMap<String, Vec<(u32, u32)>> = BTreeMap::new();
    let mut other_files = 0;
    diff.foreach(
        &mut |delta, _| {
            let path = delta
                .new_file()
                .path()
                .or_else(|| delta.old_file().path())
                .map(|p| p.to_string_lossy().replace('\\', "/"));
            if let Some(p) = path {
                if Lang::from_path(Path::new(&p)).is_none() {
                    other_files += 1;
                }
            }
            true
        },
        None,
        Some(&mut |delta, hunk| {
            if let Some(p) = delta.new_file().path() {
                let p = p.to_string_lossy().replace('\\', "/");
                if Lang::from_path(Path::new(&p)).is_some() {
                    // A pure deletion has no new lines: it sits before new_start.
                    let start = hunk.new_start().max(1);
                    let end = start + hunk.new_lines().max(1) - 1;
                    changed.entry(p).or_default().push((start, end));
                }
            }
            true
        }),
        None,
    )?;

    let mut functions: Vec<ChangedFunction> = Vec::new();
    for (path, ranges) in &changed {
        let Some(lang) = Lang::from_path(Path::new(path)) else {
            continue;
        };
        let Ok(entry) = tree.get_path(Path::new(path)) else {
            continue; // deleted file
        };
        let blob = repo.find_blob(entry.id())?;
        let Ok(text) = std::str::from_utf8(blob.content()) else {
            continue;
        };
        let parsed = lang.parse(text);
        for f in outline::functions(lang, &parsed, text) {
            let lines: usize = ranges
                .iter()
                .map(|&(a, b)| {
                    let lo = a.max(f.start_line);
                    let hi = b.min(f.end_line);
                    if hi >= lo {
                        (hi - lo + 1) as usize
                    } else {
                        0
                    }
                })
                .sum();
            if lines == 0 {
                continue;
            }
            let name = f.name.join("::");
            let after = profiles.after.and_then(|ix| weight_of(ix, path, &name));
            let before = profiles.before.and_then(|ix| weight_of(ix, path, &name));
            let growth = match (before, after, profiles.before) {
                (Some((_, wb)), Some((_, wa)), Some(ix)) if ix.total > 0 => {
                    Some((wa as f64 - wb as f64) * 100.0 / ix.total as f64)
                }
                _ => None,
            };
            functions.push(ChangedFunction {
                self_percent_after: after.map(|w| w.0),
                self_percent_before: before.map(|w| w.0),
                growth_percent: growth,
                name,
                path: path.clone(),
                lines_changed: lines,
            });
        }
    }

    let mut score = 0.0;
    let mut reasons = Vec::new();
    if functions.is_empty() {
        score += 0.1;
        reasons.push(if changed.is_empty() {
            format!("touches no C++ or Rust source ({other_files} other file(s))")
        } else {
            "changes C++/Rust files outside any function".to_string()
        });
    } else {
        score += 1.0;
        let names: Vec<String> = functions.iter().map(|f| format!("`{}`", f.name)).collect();
        reasons.push(format!(
            "changes {} function(s): {}",
            functions.len(),
            names.join(", ")
        ));
    }
    for f in &functions {
        if let Some(after) = f.self_percent_after {
            // Hot code that changed is where a slowdown most likely lives.
            score += after / 10.0;
            if after >= 1.0 {
                reasons.push(format!(
                    "`{}` ({}) takes {after:.1}% of the profile after the regression",
                    f.name, f.path
                ));
            }
        }
        if let Some(growth) = f.growth_percent {
            if growth > 0.0 {
                // What grew is the strongest evidence there is.
                score += growth / 2.0;
                if growth >= 0.5 {
                    reasons.push(format!(
                        "`{}` grew by {growth:.1}% of the whole profile before ({:.1}% → {:.1}% share)",
                        f.name,
                        f.self_percent_before.unwrap_or(0.0),
                        f.self_percent_after.unwrap_or(0.0)
                    ));
                }
            }
        }
    }
    let author = commit.author().name().unwrap_or("").to_string();
    Ok(Suspect {
        commit: id.to_string(),
        summary: commit.summary().ok().flatten().unwrap_or("").to_string(),
        author,
        score: (score * 1000.0).round() / 1000.0,
        reasons,
        changed_functions: functions,
    })
}

/// A function's self weight in an index, found by path and by the end of
/// its qualified name (the index's Rust names carry the crate; an outline
/// of one file at one commit does not).
fn weight_of(index: &HotnessIndex, path: &str, name: &str) -> Option<(f64, u64)> {
    if index.mapped == 0 {
        return None;
    }
    let same_file =
        |p: &str| p == path || p.ends_with(&format!("/{path}")) || path.ends_with(&format!("/{p}"));
    // A function the profile never saw is cold: 0%.
    Some(
        index
            .functions
            .iter()
            .filter(|f| same_file(&f.path))
            .filter(|f| f.name == name || f.name.ends_with(&format!("::{name}")))
            .map(|f| (f.self_percent, f.self_weight))
            .fold((0.0, 0), |a, b| if b.1 > a.1 { b } else { a }),
    )
}
