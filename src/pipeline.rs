//! The one pipeline: discover (scan, ranked by a profile when given) →
//! propose (one skill's rewrite of one file) → verify (it builds, its tests
//! pass) → measure (base against patched) → publish. `wattson propose` runs
//! it; the GitHub App and Action will run the same.
//!
//! Every candidate climbs the same ladder, and one that falls off says which
//! rung: the rewrite (did not apply or re-parse), the build, the tests, or
//! the benchmark (no significant improvement).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use git2::{Oid, Repository, Signature};
use serde::Serialize;

use crate::config::Config;
use crate::evidence::ab::Session;
use crate::forge::{Forge, Published, BOT_EMAIL, BOT_NAME};
use crate::lang::Lang;
use crate::profile::{self, ProfileFormat};
use crate::proposal::{Proposal, Site, FINGERPRINT_MARKER};
use crate::scan::{self, ScanOptions};
use crate::skills::SkillSet;

/// The rung of the safety ladder a candidate fell from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rung {
    Rewrite,
    Build,
    Tests,
    Benchmark,
    Publish,
    /// Reviewers declined the same change before (or it was merged).
    Declined,
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Outcome {
    Proposed(Published),
    Rejected { rung: Rung, reason: String },
}

#[derive(Clone, Debug, Serialize)]
pub struct Candidate {
    pub proposal: Proposal,
    pub outcome: Outcome,
}

#[derive(Debug, Serialize)]
pub struct ProposeReport {
    pub repository: String,
    pub base_commit: String,
    pub candidates: Vec<Candidate>,
    /// Findings left out as cold (a profile was given).
    pub cold_left_out: usize,
    /// Candidates beyond `propose.max_proposals`, not measured.
    pub not_measured: usize,
}

pub struct ProposeOptions<'a> {
    pub skills: &'a SkillSet,
    pub config: &'a Config,
    pub profile: Option<PathBuf>,
    pub profile_format: Option<ProfileFormat>,
    pub min_percent: Option<f64>,
    pub scan: ScanOptions,
    pub progress: bool,
    /// Only files at these repository-relative paths (a push's changes).
    pub only: Option<Vec<String>>,
}

/// Run the pipeline on the repository holding `path`, proposing changes to
/// the code under `path`, measured against the repository's HEAD.
pub fn propose(path: &Path, opts: &ProposeOptions, forge: &dyn Forge) -> Result<ProposeReport> {
    let repo = Repository::discover(path)
        .with_context(|| format!("{} is not inside a git repository", path.display()))?;
    let root = repo
        .workdir()
        .context("the repository has no working tree (bare)")?
        .to_path_buf();
    let abs = std::fs::canonicalize(path).with_context(|| format!("{}", path.display()))?;
    let root = std::fs::canonicalize(&root)?;
    let sub = abs
        .strip_prefix(&root)
        .unwrap_or(Path::new(""))
        .to_path_buf();
    let say = |m: String| {
        if opts.progress {
            eprintln!("wattson: {m}");
        }
    };

    // The base is HEAD, checked out on its own: what is scanned and patched is
    // exactly what is committed, whatever the working tree holds.
    let session = Session::start(&root, "HEAD", &opts.config.evidence, opts.progress)?;
    let base_commit = session.base_commit();
    let scan_root = session.base_path().join(&sub);
    say(format!("scanning {}", scan_root.display()));
    let mut report = scan::scan(opts.skills, &scan_root, &opts.scan)?;
    let mut cold = 0;
    if let Some(file) = &opts.profile {
        let loaded = profile::read(file, opts.profile_format)?;
        let (index, _) = profile::index_tree(&scan_root, &loaded, opts.scan.max_file_size)?;
        say(format!(
            "profile {}: {:.1}% of its weight mapped to the tree",
            file.display(),
            index.mapped_percent()
        ));
        let min = opts.min_percent.unwrap_or(opts.config.hotness.min_percent);
        scan::rank(&mut report, &index, min);
        cold = report.ranking.as_ref().map_or(0, |r| r.cold);
    }

    // One candidate per (file, skill), in report order (hottest first when ranked).
    let mut groups: Vec<(String, Lang, String)> = Vec::new();
    let mut heats = BTreeMap::new();
    let mut ignored = 0;
    for (file, finding, heat) in report.findings_with_heat() {
        let repo_path = sub.join(&file.path).to_string_lossy().replace('\\', "/");
        if let Some(only) = &opts.only {
            if !only.contains(&repo_path) {
                continue;
            }
        }
        if opts.config.ignore.ignores(&finding.skill, &repo_path) {
            ignored += 1;
            continue;
        }
        let key = (file.path.clone(), file.lang, finding.skill.clone());
        if !groups.contains(&key) {
            if let Some(h) = heat {
                heats.insert(key.clone(), h.clone());
            }
            groups.push(key);
        }
    }
    if ignored > 0 {
        say(format!(
            "{ignored} finding(s) left alone by [ignore] in the configuration"
        ));
    }
    // Declined and inapplicable candidates do not use up the budget of
    // measured ones: rewriting is cheap, measuring is not.
    let max = opts.config.propose.max_proposals;
    let mut not_measured = 0;
    let mut measured = 0;

    let forge_repo = root.clone();
    let mut candidates = Vec::new();
    for key in groups {
        let (file, lang, skill_id) = &key;
        let repo_path = sub.join(file).to_string_lossy().replace('\\', "/");
        if measured < max {
            say(format!(
                "candidate {}: {skill_id} in {repo_path}",
                measured + 1
            ));
        }
        let rewrite = rewrite_at(
            &repo,
            base_commit,
            &repo_path,
            *lang,
            skill_id,
            opts.skills,
            heats.get(&key).cloned(),
        )?;
        let (proposal, commit) = match rewrite {
            Rewrite::Applied { proposal, commit } => (proposal, commit),
            Rewrite::DidNotApply { proposal, notes } => {
                candidates.push(Candidate {
                    proposal,
                    outcome: Outcome::Rejected {
                        rung: Rung::Rewrite,
                        reason: format!("the rewrite did not apply: {}", notes.join("; ")),
                    },
                });
                continue;
            }
        };
        if let Some(reason) = forge.declined(&proposal)? {
            candidates.push(Candidate {
                proposal,
                outcome: Outcome::Rejected {
                    rung: Rung::Declined,
                    reason,
                },
            });
            continue;
        }
        if measured == max {
            not_measured += 1;
            continue;
        }
        measured += 1;
        let evidence = session.measure(&commit.to_string())?;
        candidates.push(judge_and_publish(proposal, evidence, commit, forge));
    }
    Ok(ProposeReport {
        repository: forge_repo.display().to_string(),
        base_commit: base_commit.to_string(),
        candidates,
        cold_left_out: cold,
        not_measured,
    })
}

/// One skill's rewrite of one file as committed in `base`.
pub enum Rewrite {
    /// The proposal and its commit on top of `base` (referenced by nothing
    /// yet: the forge names it if the change survives).
    Applied { proposal: Proposal, commit: Oid },
    /// The skill changed nothing; `notes` say why.
    DidNotApply {
        proposal: Proposal,
        notes: Vec<String>,
    },
}

/// Rewrite `repo_path` of commit `base` with one skill. The first rung of the
/// ladder, shared by `propose` and by reviewers' `rebase`.
pub fn rewrite_at(
    repo: &Repository,
    base: Oid,
    repo_path: &str,
    lang: Lang,
    skill_id: &str,
    skills: &SkillSet,
    heat: Option<crate::profile::index::Heat>,
) -> Result<Rewrite> {
    let skill = skills
        .get(skill_id)
        .with_context(|| format!("there is no skill `{skill_id}`"))?;
    let tree = repo.find_commit(base)?.tree()?;
    let blob = tree
        .get_path(Path::new(repo_path))
        .with_context(|| format!("{repo_path} is not in commit {base}"))?
        .to_object(repo)?
        .peel_to_blob()?;
    let original = std::str::from_utf8(blob.content())
        .with_context(|| format!("{repo_path} is not UTF-8"))?
        .to_string();
    let fixed = skills.only(skill_id)?.fix_source(lang, &original);
    let patch = similar::TextDiff::from_lines(&original, &fixed.text)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{repo_path}"), &format!("b/{repo_path}"))
        .to_string();
    let proposal = Proposal {
        skill: skill_id.to_string(),
        title: skill.spec.title.clone(),
        why: skill.spec.why.trim().to_string(),
        path: repo_path.to_string(),
        sites: fixed
            .applied
            .iter()
            .map(|f| Site {
                path: repo_path.to_string(),
                line: f.start_line,
                function: f.function.clone(),
                message: f.message.clone(),
            })
            .collect(),
        heat,
        fingerprint: Proposal::fingerprint_of(skill_id, repo_path, &patch),
        patch,
        evidence: None,
        sections: Vec::new(),
        variant: None,
    };
    if fixed.text == original {
        return Ok(Rewrite::DidNotApply {
            proposal,
            notes: fixed.notes,
        });
    }
    let commit = commit_change(repo, base, repo_path, &fixed.text, &proposal)?;
    Ok(Rewrite::Applied { proposal, commit })
}

/// A commit on top of `base` that changes one file, referenced by nothing
/// yet (the forge names it if the change survives).
pub fn commit_change(
    repo: &Repository,
    base: Oid,
    path: &str,
    text: &str,
    proposal: &Proposal,
) -> Result<Oid> {
    let base_commit = repo.find_commit(base)?;
    let mut index = git2::Index::new()?;
    index.read_tree(&base_commit.tree()?)?;
    // Same path and mode when the file exists; a new plain file otherwise.
    let mut entry = index
        .get_path(Path::new(path), 0)
        .unwrap_or_else(|| git2::IndexEntry {
            ctime: git2::IndexTime::new(0, 0),
            mtime: git2::IndexTime::new(0, 0),
            dev: 0,
            ino: 0,
            mode: 0o100644,
            uid: 0,
            gid: 0,
            file_size: 0,
            id: Oid::ZERO_SHA1,
            flags: path.len().min(0xfff) as u16,
            flags_extended: 0,
            path: path.as_bytes().to_vec(),
        });
    entry.id = repo.blob(text.as_bytes())?;
    entry.file_size = text.len() as u32;
    index.add(&entry)?;
    let tree = repo.find_tree(index.write_tree_to(repo)?)?;
    let sig = Signature::now(BOT_NAME, BOT_EMAIL)?;
    let message = format!(
        "{}\n\n{}\n\n{FINGERPRINT_MARKER}{}\n",
        proposal.pr_title(),
        proposal.why,
        proposal.fingerprint
    );
    Ok(repo.commit(None, &sig, &sig, &message, &tree, &[&base_commit])?)
}

/// The report as text: one line per candidate, proposed or rejected and why.
pub fn text(report: &ProposeReport) -> String {
    let mut out = format!(
        "base {} of {}\n",
        &report.base_commit[..report.base_commit.len().min(10)],
        report.repository
    );
    for c in &report.candidates {
        let p = &c.proposal;
        match &c.outcome {
            Outcome::Proposed(published) => {
                let summary = p.evidence.as_ref().map(|e| e.summary()).unwrap_or_default();
                out.push_str(&format!(
                    "PROPOSED  {} ({} in {}){}\n          {summary}\n          description: {}\n",
                    published.branch,
                    p.skill,
                    p.path,
                    if published.updated { " [updated]" } else { "" },
                    published.location
                ));
            }
            Outcome::Rejected { rung, reason } => {
                let rung = serde_json::to_value(rung)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "REJECTED  {} in {} at the {rung} rung: {reason}\n",
                    p.skill, p.path
                ));
            }
        }
    }
    if report.cold_left_out > 0 {
        out.push_str(&format!(
            "{} finding(s) in cold code left out\n",
            report.cold_left_out
        ));
    }
    if report.not_measured > 0 {
        out.push_str(&format!(
            "{} more candidate(s) not measured (propose.max_proposals)\n",
            report.not_measured
        ));
    }
    out
}

/// What a revert proposal knows about the regression it undoes.
#[derive(Clone, Debug, Default)]
pub struct RevertContext {
    /// Sections for the description: the regression, its chart, the attribution.
    pub sections: Vec<(String, String)>,
    /// One line on why this commit: the attribution's reasons.
    pub why: String,
}

/// Revert `culprit` on top of HEAD, measure the revert (base = HEAD,
/// patched = HEAD + revert) and publish it if it recovers the loss.
pub fn propose_revert(
    root: &Path,
    culprit: &str,
    context: &RevertContext,
    config: &Config,
    forge: &dyn Forge,
    progress: bool,
) -> Result<Candidate> {
    use crate::regress::revert::{self, Revert};
    let repo = Repository::open(root)?;
    let culprit_commit = repo.find_commit(crate::regress::attribute::resolve(&repo, culprit)?)?;
    let culprit_id = culprit_commit.id().to_string();
    let summary = culprit_commit
        .summary()
        .ok()
        .flatten()
        .unwrap_or("")
        .to_string();
    let fingerprint = Proposal::fingerprint_of("revert", &culprit_id, "");
    let mut proposal = Proposal {
        skill: "revert".into(),
        title: format!("Revert \"{summary}\""),
        why: if context.why.is_empty() {
            format!(
                "Commit {} is the likely cause of a performance regression.",
                &culprit_id[..10]
            )
        } else {
            context.why.clone()
        },
        path: String::new(),
        sites: Vec::new(),
        heat: None,
        patch: String::new(),
        fingerprint,
        evidence: None,
        sections: context.sections.clone(),
        variant: None,
    };
    if let Some(reason) = forge.declined(&proposal)? {
        return Ok(Candidate {
            proposal,
            outcome: Outcome::Rejected {
                rung: Rung::Declined,
                reason,
            },
        });
    }
    let built = revert::build(&repo, &culprit_id, "HEAD", &proposal.fingerprint)?;
    let commit = match built {
        Revert::Conflict { paths } => {
            return Ok(Candidate {
                proposal,
                outcome: Outcome::Rejected {
                    rung: Rung::Rewrite,
                    reason: format!(
                        "the revert conflicts with later changes in: {}",
                        paths.join(", ")
                    ),
                },
            })
        }
        Revert::Ready { commit, .. } => commit,
    };
    // The revert's diff against HEAD, for the description.
    let head_tree = repo.head()?.peel_to_commit()?.tree()?;
    let revert_tree = repo.find_commit(commit)?.tree()?;
    let diff = repo.diff_tree_to_tree(Some(&head_tree), Some(&revert_tree), None)?;
    let mut patch = Vec::new();
    diff.print(git2::DiffFormat::Patch, |_, _, line| {
        if matches!(line.origin(), '+' | '-' | ' ') {
            patch.push(line.origin() as u8);
        }
        patch.extend_from_slice(line.content());
        true
    })?;
    proposal.patch = String::from_utf8_lossy(&patch).into_owned();
    let files: Vec<String> = diff
        .deltas()
        .filter_map(|d| {
            d.new_file()
                .path()
                .map(|p| p.to_string_lossy().into_owned())
        })
        .collect();
    proposal.path = files.join(", ");
    let session = Session::start(root, "HEAD", &config.evidence, progress)?;
    let evidence = session.measure(&commit.to_string())?;
    Ok(judge_and_publish(proposal, evidence, commit, forge))
}

/// The last rungs of the ladder: the evidence decides (build, tests,
/// benchmark), and a survivor goes to the forge.
fn judge_and_publish(
    mut proposal: Proposal,
    evidence: crate::evidence::ab::Evidence,
    commit: Oid,
    forge: &dyn Forge,
) -> Candidate {
    let rejection = evidence.rejection().map(|reason| {
        let rung = if !evidence.build.ok() {
            Rung::Build
        } else if !evidence.tests.ok() {
            Rung::Tests
        } else {
            Rung::Benchmark
        };
        (rung, reason)
    });
    proposal.evidence = Some(evidence);
    let outcome = match rejection {
        Some((rung, reason)) => Outcome::Rejected { rung, reason },
        None => match forge.publish(&proposal, commit) {
            Ok(p) => Outcome::Proposed(p),
            Err(e) => Outcome::Rejected {
                rung: Rung::Publish,
                reason: format!("{e:#}"),
            },
        },
    };
    Candidate { proposal, outcome }
}

/// Defense: find the regressions in a feed, the commit behind each (ranked by
/// attribution; narrowed by bisection when the range holds several commits),
/// and propose each culprit's revert with the evidence that it recovers.
pub fn propose_defense(
    root: &Path,
    feed_path: &Path,
    feed_format: Option<crate::regress::feed::FeedFormat>,
    config: &Config,
    forge: &dyn Forge,
    progress: bool,
) -> Result<ProposeReport> {
    use crate::regress::{self, attribute, feed};
    let repo = Repository::open(root)?;
    let feed = feed::read(feed_path, feed_format, Some(&repo))?;
    for w in &feed.warnings {
        eprintln!("wattson: warning: {w}");
    }
    let points = regress::detect_feed(&feed, &config.regression);
    let regressions: Vec<&regress::ChangePointReport> = points
        .iter()
        .filter(|c| c.direction == "regression")
        .collect();
    if progress {
        eprintln!(
            "wattson: {} change point(s), {} regression(s)",
            points.len(),
            regressions.len()
        );
    }
    let max = config.propose.max_proposals;
    let mut candidates = Vec::new();
    let mut culprits_seen: Vec<Oid> = Vec::new();
    for cp in regressions.iter().take(max) {
        let commits = attribute::commits_in_range(&repo, &cp.last_good, &cp.commit)?;
        let suspects = attribute::attribute(&repo, &cp.last_good, &cp.commit, &Default::default())?;
        let culprit = if commits.len() > 1 {
            attribute::bisect(root, &cp.last_good, &cp.commit, &config.evidence, progress)?
        } else {
            commits[0]
        };
        if culprits_seen.contains(&culprit) {
            continue; // several series regressed at the same commit
        }
        culprits_seen.push(culprit);
        let mut sections = vec![(
            "Regression".to_string(),
            format!(
                "`{}` went from {} to {}{} ({:+.2}%, p = {:.1e}) between `{}` (last good) and `{}` (first bad).",
                cp.series,
                cp.before,
                cp.after,
                cp.unit.as_deref().map(|u| format!(" {u}")).unwrap_or_default(),
                cp.change_percent,
                cp.p_value,
                regress::short(&cp.last_good, 10),
                regress::short(&cp.commit, 10)
            ),
        )];
        if let Some(series) = feed.series.iter().find(|s| s.name == cp.series) {
            sections.push(("Chart".to_string(), regress::chart(series, cp.index, 20)));
        }
        let mut attribution = String::new();
        if commits.len() > 1 {
            attribution.push_str(&format!(
                "Bisection by measurement over {} commits points at `{}`.\n\n",
                commits.len(),
                &culprit.to_string()[..10]
            ));
        }
        for s in &suspects {
            attribution.push_str(&format!(
                "- `{}` {} (score {:.2}): {}\n",
                &s.commit[..10],
                s.summary,
                s.score,
                s.reasons.join("; ")
            ));
        }
        sections.push(("Attribution".to_string(), attribution));
        let why = suspects
            .iter()
            .find(|s| s.commit == culprit.to_string())
            .map(|s| {
                format!(
                    "`{}` regressed by {:+.2}% at this commit, which {}.",
                    cp.series,
                    cp.change_percent,
                    s.reasons.join("; ")
                )
            })
            .unwrap_or_default();
        let context = RevertContext { sections, why };
        candidates.push(propose_revert(
            root,
            &culprit.to_string(),
            &context,
            config,
            forge,
            progress,
        )?);
    }
    let base_commit = repo.head()?.peel_to_commit()?.id().to_string();
    Ok(ProposeReport {
        repository: root.display().to_string(),
        base_commit,
        candidates,
        cold_left_out: 0,
        not_measured: regressions.len().saturating_sub(max),
    })
}
