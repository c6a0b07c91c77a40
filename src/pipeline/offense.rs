//! Offense: scan (ranked by a profile when given) → one skill's rewrite of
//! one file → build, test and measure it against HEAD → publish.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use git2::{Oid, Repository, Signature};

use super::{judge_and_publish, Candidate, Outcome, ProposeReport, Rung};
use crate::config::Config;
use crate::evidence::ab::Session;
use crate::forge::Forge;
use crate::lang::Lang;
use crate::profile::{self, ProfileFormat};
use crate::proposal::{Proposal, Site, BOT_EMAIL, BOT_NAME, FINGERPRINT_MARKER};
use crate::scan::{self, ScanOptions};
use crate::skills::SkillSet;

pub struct ProposeOptions<'a> {
    pub skills: &'a SkillSet,
    pub config: &'a Config,
    pub profile: Option<PathBuf>,
    pub profile_format: Option<ProfileFormat>,
    pub min_percent: Option<f64>,
    pub scan: ScanOptions,
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
    let say = |m: String| tracing::info!("{m}");

    // The base is HEAD, checked out on its own: what is scanned and patched is
    // exactly what is committed, whatever the working tree holds.
    let session = Session::start(&root, "HEAD", &opts.config.evidence)?;
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
    // The skill sees the declarations of the whole checkout, as the scan
    // that found the candidate did.
    let project = repo.workdir().map(|w| project_for(w, base));
    let in_project = project.as_deref().and_then(|p| {
        let abs = repo.workdir()?.join(repo_path);
        p.index
            .id_of(&abs)
            .map(|file| crate::skills::engine::InProject {
                index: &p.index,
                file,
            })
    });
    let fixed = skills.only(skill_id)?.fix_in(lang, &original, in_project);
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

/// The project index of a checkout, built once per (checkout, base commit)
/// and reused by every rewrite of that run.
fn project_for(workdir: &Path, base: Oid) -> std::sync::Arc<crate::scan::Project> {
    type Cached = Option<(
        std::path::PathBuf,
        Oid,
        std::sync::Arc<crate::scan::Project>,
    )>;
    static LAST: std::sync::Mutex<Cached> = std::sync::Mutex::new(None);
    let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((path, oid, project)) = last.as_ref() {
        if path == workdir && *oid == base {
            return project.clone();
        }
    }
    let project = std::sync::Arc::new(crate::scan::Project::around(
        workdir,
        &crate::scan::ScanOptions::default(),
    ));
    *last = Some((workdir.to_path_buf(), base, project.clone()));
    project
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
