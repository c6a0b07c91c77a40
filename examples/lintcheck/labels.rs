//! `lintcheck labels`: the reviewed sample of `lintcheck/labels.toml`, one
//! entry per labelled finding of the snapshot, summarised per skill.
//!
//! A label says whether a reviewer would welcome the pull request (`useful`:
//! the code runs often enough, or the saving is large enough, to be worth a
//! review), whether it is correct but saves nothing worth one (`trivial`),
//! or whether the rewrite is wrong (`wrong`: it changes behaviour, does not
//! compile, or makes things slower); and whether the code is production code.
//!
//! The skills change after a sample is drawn. When `lintcheck/findings.md`
//! (the current snapshot) is present, the labels are also summarised over
//! the findings it still reports: a finding the skills no longer report
//! leaves the sample, and what is left is still a uniform sample of the
//! findings both snapshots share.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::checkout::lintcheck_dir;

#[derive(Deserialize)]
struct LabelsFile {
    label: Vec<Label>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Label {
    repo: String,
    path: String,
    line: usize,
    skill: String,
    verdict: Verdict,
    production: bool,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Verdict {
    Useful,
    Trivial,
    Wrong,
}

#[derive(Default)]
struct Tally {
    useful: usize,
    trivial: usize,
    wrong: usize,
    non_production: usize,
}

impl Tally {
    fn total(&self) -> usize {
        self.useful + self.trivial + self.wrong
    }
}

pub fn run() -> Result<()> {
    let path = lintcheck_dir().join("labels.toml");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let file: LabelsFile =
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    if file.label.is_empty() {
        bail!("{}: no labels", path.display());
    }
    let mut per_skill: BTreeMap<String, Tally> = BTreeMap::new();
    let mut all = Tally::default();
    let mut production = Tally::default();
    for l in &file.label {
        for t in [per_skill.entry(l.skill.clone()).or_default(), &mut all] {
            match l.verdict {
                Verdict::Useful => t.useful += 1,
                Verdict::Trivial => t.trivial += 1,
                Verdict::Wrong => t.wrong += 1,
            }
            if !l.production {
                t.non_production += 1;
            }
        }
        if l.production {
            match l.verdict {
                Verdict::Useful => production.useful += 1,
                Verdict::Trivial => production.trivial += 1,
                Verdict::Wrong => production.wrong += 1,
            }
        }
    }
    println!("| skill | labelled | useful | trivial | wrong | not production |\n|---|---|---|---|---|---|");
    for (skill, t) in &per_skill {
        println!(
            "| {skill} | {} | {} | {} | {} | {} |",
            t.total(),
            t.useful,
            t.trivial,
            t.wrong,
            t.non_production
        );
    }
    let pct = |n: usize, d: usize| 100.0 * n as f64 / d.max(1) as f64;
    println!(
        "\n{} findings labelled: {:.0}% wrong; in production code {:.0}% useful ({} of {}); {:.0}% outside production code.",
        all.total(),
        pct(all.wrong, all.total()),
        pct(production.useful, production.total()),
        production.useful,
        production.total(),
        pct(all.non_production, all.total())
    );
    if let Some(current) = current_findings()? {
        let kept: Vec<&Label> = file
            .label
            .iter()
            .filter(|l| {
                current.contains(&(l.repo.clone(), l.path.clone(), l.line, l.skill.clone()))
            })
            .collect();
        let useful = kept.iter().filter(|l| l.verdict == Verdict::Useful).count();
        let wrong = kept.iter().filter(|l| l.verdict == Verdict::Wrong).count();
        println!(
            "\nStill reported by lintcheck/findings.md: {} of the {} labelled findings; among them {:.0}% useful ({useful}), {:.0}% wrong ({wrong}).",
            kept.len(),
            file.label.len(),
            pct(useful, kept.len()),
            pct(wrong, kept.len()),
        );
    }
    Ok(())
}

/// A finding as the snapshot names it: repository, path, line, skill.
type Place = (String, String, usize, String);

/// Every finding the snapshot `lintcheck/findings.md` lists, if there is one.
fn current_findings() -> Result<Option<std::collections::HashSet<Place>>> {
    let path = lintcheck_dir().join("findings.md");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(None);
    };
    let mut out = std::collections::HashSet::new();
    let mut repo = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("### ") {
            repo = rest.split(" @").next().map(str::to_string);
            continue;
        }
        // - `path:line` [skill] message
        let Some(rest) = line.strip_prefix("- `") else {
            continue;
        };
        let Some((place, rest)) = rest.split_once("` [") else {
            continue;
        };
        let (Some((file, number)), Some((skill, _))) =
            (place.rsplit_once(':'), rest.split_once(']'))
        else {
            continue;
        };
        let (Some(repo), Ok(number)) = (repo.clone(), number.parse()) else {
            continue;
        };
        out.insert((repo, file.to_string(), number, skill.to_string()));
    }
    Ok(Some(out))
}
