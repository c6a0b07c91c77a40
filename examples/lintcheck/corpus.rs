//! `lintcheck corpus`: scan every repository of `lintcheck/corpus.toml` at
//! its pinned commit with default settings and write what each skill finds to
//! a reviewed snapshot (`lintcheck/findings.md`), plus how many more findings
//! the non-production code would have added (`--include-tests`).
//!
//! The snapshot is what a reviewer labels: `lintcheck/labels.toml` holds a
//! sample per skill marked useful / trivial / wrong, and `lintcheck labels`
//! summarises it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result};
use serde::Deserialize;
use wattson::scan::{self, ScanOptions};
use wattson::skills::SkillSet;

use crate::checkout::{lintcheck_dir, Mirrors};

#[derive(Deserialize)]
struct CorpusFile {
    repo: Vec<Repo>,
}

#[derive(Deserialize)]
struct Repo {
    name: String,
    commit: String,
}

pub fn run(
    set: &SkillSet,
    mirrors: Option<PathBuf>,
    out: Option<PathBuf>,
    only: Option<String>,
) -> Result<()> {
    let dir = lintcheck_dir();
    let corpus: CorpusFile = toml::from_str(&std::fs::read_to_string(dir.join("corpus.toml"))?)
        .context("reading lintcheck/corpus.toml")?;
    let mirrors = Mirrors::new(mirrors)?;
    // skill → (findings by default, findings with tests included)
    let mut per_skill: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut listing = String::new();
    let mut totals = (0usize, 0usize, 0usize, 0.0f64);
    for repo in corpus
        .repo
        .iter()
        .filter(|r| only.as_deref().is_none_or(|o| r.name.contains(o)))
    {
        eprintln!("scanning {} @ {}", repo.name, &repo.commit[..12]);
        let tree = mirrors.tree(&repo.name, &repo.commit)?;
        let default = scan::scan(set, &tree, &ScanOptions::default())?;
        let everything = scan::scan(
            set,
            &tree,
            &ScanOptions {
                include_tests: true,
                ..ScanOptions::default()
            },
        )?;
        totals.0 += default.finding_count();
        totals.1 += everything.finding_count();
        totals.2 += default.stats.bytes as usize;
        totals.3 += default.stats.seconds;
        for (_, f) in default.findings() {
            per_skill.entry(f.skill.clone()).or_default().0 += 1;
        }
        for (_, f) in everything.findings() {
            per_skill.entry(f.skill.clone()).or_default().1 += 1;
        }
        let _ = writeln!(
            listing,
            "\n### {} @ {}\n\n{} finding(s) in production code ({} with tests, examples and vendored code).\n",
            repo.name,
            &repo.commit[..12],
            default.finding_count(),
            everything.finding_count()
        );
        for (file, f) in default.findings() {
            let _ = writeln!(
                listing,
                "- `{}:{}` [{}] {}",
                file.path, f.start_line, f.skill, f.message
            );
        }
    }
    let mut md = String::from("# Lintcheck snapshot\n\nEvery repository of `lintcheck/corpus.toml` at its pinned commit, scanned with default settings (production code only) by `cargo run --release --example lintcheck -- corpus`. Review changes to this file like code: a new finding is a claim that a rewrite is worth a pull request.\n\n| skill | production | with tests etc. |\n|---|---|---|\n");
    for s in set.skills() {
        let (d, e) = per_skill.get(s.id()).copied().unwrap_or_default();
        let _ = writeln!(md, "| {} | {d} | {e} |", s.id());
    }
    let _ = writeln!(
        md,
        "\n**{} findings in production code; {} with non-production code included ({:.0}% of those are outside production code).** {:.1} MB scanned.\n",
        totals.0,
        totals.1,
        100.0 * (totals.1 - totals.0.min(totals.1)) as f64 / totals.1.max(1) as f64,
        totals.2 as f64 / 1e6
    );
    md.push_str("## Findings\n");
    md.push_str(&listing);
    let target = out.unwrap_or_else(|| dir.join("findings.md"));
    std::fs::write(&target, &md).with_context(|| format!("writing {}", target.display()))?;
    eprintln!("wrote {}", target.display());
    print!("{}", md.split("## Findings").next().unwrap_or(""));
    Ok(())
}
