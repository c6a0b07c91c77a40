//! `lintcheck labels`: the reviewed sample of `lintcheck/labels.toml`, one
//! entry per labelled finding of the snapshot, summarised per skill.
//!
//! A label says whether a reviewer would welcome the pull request (`useful`:
//! the code runs often enough, or the saving is large enough, to be worth a
//! review), whether it is correct but saves nothing worth one (`trivial`),
//! or whether the rewrite is wrong (`wrong`: it changes behaviour, does not
//! compile, or makes things slower); and whether the code is production code.

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
    #[allow(dead_code)]
    repo: String,
    #[allow(dead_code)]
    path: String,
    #[allow(dead_code)]
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
    Ok(())
}
