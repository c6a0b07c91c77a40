//! Reading code: scan (ranked by a profile when one is given), hotspots,
//! fix (as a diff, in place, or committed on a new branch).

use std::path::{Path, PathBuf};

use git2::Repository;
use schemars::JsonSchema;
use serde::Serialize;

use super::{config, Error, Progress, Result, Skills};
use crate::evidence::worktree::Worktree;
use crate::profile::{self, HotnessIndex, ProfileFormat};
use crate::proposal::{Proposal, BOT_EMAIL, BOT_NAME, FINGERPRINT_MARKER};
use crate::report::{Hotspots, ScanOutput};
use crate::scan::{self, ScanOptions, Skipped};

/// A profile to rank findings by.
#[derive(Clone, Debug, Default)]
pub struct ProfileRequest {
    pub file: Option<PathBuf>,
    pub format: Option<ProfileFormat>,
    /// Leave out findings in functions under this share of the profile
    /// (default: `hotness.min_percent` of the configuration).
    pub min_percent: Option<f64>,
}

/// What to scan, with which skills, ranked by what.
#[derive(Clone, Debug)]
pub struct ScanRequest {
    /// A file or directory.
    pub path: PathBuf,
    /// Skill ids or languages (all skills when empty).
    pub skills: Vec<String>,
    pub profile: ProfileRequest,
    /// A configuration file instead of the nearest `.wattson.toml`.
    pub config: Option<PathBuf>,
    pub walk: ScanOptions,
}

/// Read `file` and join it to the tree at `tree`, saying how much of it
/// landed there.
pub fn hotness(
    file: &Path,
    format: Option<ProfileFormat>,
    tree: &Path,
    max_file_size: u64,
    progress: &dyn Progress,
) -> Result<HotnessIndex> {
    let started = std::time::Instant::now();
    let loaded = profile::read(file, format).map_err(anyhow::Error::from)?;
    let (index, _skipped) = profile::index_tree(tree, &loaded, max_file_size)?;
    progress.say(&format!(
        "profile {} ({}, {} {}): {:.1}% of its weight mapped to {} function(s) ({:.2}s)",
        file.display(),
        loaded.format,
        loaded.total,
        loaded.unit,
        index.mapped_percent(),
        index.functions.len(),
        started.elapsed().as_secs_f64()
    ));
    Ok(index)
}

/// The findings under `req.path`; with a profile, hottest first and the
/// cold ones left out.
pub fn scan(skills: &Skills, req: &ScanRequest, progress: &dyn Progress) -> Result<ScanOutput> {
    let set = skills.select(&req.skills)?;
    let config = config(req.config.as_deref(), &req.path)?;
    let index = match &req.profile.file {
        Some(file) => Some(hotness(
            file,
            req.profile.format,
            &req.path,
            req.walk.max_file_size,
            progress,
        )?),
        None => None,
    };
    if progress.listening() && !req.walk.progress {
        let files = scan::discover(&req.path, &set)?;
        progress.say(&format!("scanning {} file(s)", files.len()));
    }
    let mut report = scan::scan(&set, &req.path, &req.walk)?;
    if let Some(index) = &index {
        let min = req
            .profile
            .min_percent
            .unwrap_or(config.hotness.min_percent);
        scan::rank(&mut report, index, min);
    }
    Ok(ScanOutput::new(report))
}

/// What `hotspots` lists.
#[derive(Clone, Debug)]
pub struct HotspotsRequest {
    pub scan: ScanRequest,
    /// How many functions (default: `hotness.top` of the configuration).
    pub top: Option<usize>,
}

/// The heaviest functions of the profile, joined to the tree, each with its
/// findings.
pub fn hotspots(
    skills: &Skills,
    req: &HotspotsRequest,
    progress: &dyn Progress,
) -> Result<Hotspots> {
    let s = &req.scan;
    let file = s
        .profile
        .file
        .as_deref()
        .ok_or_else(|| Error::invalid("`wattson hotspots` needs --profile FILE"))?;
    let config = config(s.config.as_deref(), &s.path)?;
    let set = skills.select(&s.skills)?;
    let index = hotness(
        file,
        s.profile.format,
        &s.path,
        s.walk.max_file_size,
        progress,
    )?;
    progress.say("scanning");
    let report = scan::scan(&set, &s.path, &s.walk)?;
    let top = req.top.unwrap_or(config.hotness.top);
    Ok(Hotspots::new(
        &index,
        &report,
        top,
        config.hotness.unmapped_shown,
    ))
}

/// One edit a fix applied.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AppliedEdit {
    pub skill: String,
    pub line: usize,
    pub message: String,
}

/// One file a fix changes.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FixedFile {
    pub path: String,
    pub edits: usize,
    pub applied: Vec<AppliedEdit>,
}

/// `fix`: the unified diff of every safe rewrite, file by file.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FixOutput {
    /// Exactly what `wattson fix PATH` prints.
    pub diff: String,
    pub files: Vec<FixedFile>,
    pub edits: usize,
    /// `{path, reason}`: files not read.
    #[schemars(with = "Vec<serde_json::Value>")]
    pub skipped: Vec<Skipped>,
    /// With `--write`: how many files were written (a file changed on disk
    /// meanwhile is left alone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub written: Option<usize>,
}

impl FixOutput {
    fn new(fix: &scan::FixReport) -> FixOutput {
        let changed: Vec<&scan::FileFix> = fix.files.iter().filter(|f| f.changed()).collect();
        FixOutput {
            diff: changed.iter().map(|f| f.diff()).collect(),
            files: changed
                .iter()
                .map(|f| FixedFile {
                    path: f.file.path.clone(),
                    edits: f.outcome.applied.len(),
                    applied: f
                        .outcome
                        .applied
                        .iter()
                        .map(|x| AppliedEdit {
                            skill: x.skill.clone(),
                            line: x.start_line,
                            message: x.message.clone(),
                        })
                        .collect(),
                })
                .collect(),
            edits: changed.iter().map(|f| f.outcome.applied.len()).sum(),
            skipped: fix
                .skipped
                .iter()
                .map(|s| Skipped {
                    path: s.path.clone(),
                    reason: s.reason.clone(),
                })
                .collect(),
            written: None,
        }
    }
}

/// What to fix.
#[derive(Clone, Debug)]
pub struct FixRequest {
    pub path: PathBuf,
    pub skills: Vec<String>,
    pub walk: ScanOptions,
    /// Apply the edits in place (otherwise nothing is written).
    pub write: bool,
}

/// Every safe rewrite under `req.path`, as a diff; written in place with `write`.
pub fn fix(skills: &Skills, req: &FixRequest) -> Result<FixOutput> {
    let set = skills.select(&req.skills)?;
    let report = scan::fix(&set, &req.path, &req.walk)?;
    let mut out = FixOutput::new(&report);
    if req.write {
        out.written = Some(scan::write_fixes(&report)?);
    }
    Ok(out)
}

/// What to fix on a new branch.
#[derive(Clone, Debug)]
pub struct BranchFixRequest {
    /// A file or directory of the repository's working tree; its committed
    /// version (HEAD) is what is rewritten.
    pub path: PathBuf,
    pub skills: Vec<String>,
    /// The branch to create (default `wattson/mcp/<fingerprint>`).
    pub branch: Option<String>,
    pub walk: ScanOptions,
}

/// Whether the fix made a commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BranchFixStatus {
    Committed,
    Unchanged,
}

/// `fix --branch`: the rewrite of HEAD committed on a new branch.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BranchFix {
    #[serde(flatten)]
    pub fix: FixOutput,
    /// HEAD, the commit rewritten.
    pub base_commit: String,
    pub status: BranchFixStatus,
    /// The branch created.
    pub branch: Option<String>,
    /// The commit it points at.
    pub commit: Option<String>,
    /// The files the commit changes, from the repository's root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_paths: Option<Vec<String>>,
}

/// The rewrite of `req.path` at HEAD, made in a fresh worktree and committed
/// on a new branch: the user's working tree, index and HEAD are never touched.
pub fn fix_on_branch(
    skills: &Skills,
    req: &BranchFixRequest,
    progress: &dyn Progress,
) -> Result<BranchFix> {
    let set = skills.select(&req.skills)?;
    let (repo, workdir) = repository(&req.path)?;
    let abs = std::fs::canonicalize(&req.path)
        .map_err(|e| Error::invalid(format!("{}: {e}", req.path.display())))?;
    let rel = abs
        .strip_prefix(&workdir)
        .map_err(|_| Error::invalid("the path is not in the repository's working tree"))?
        .to_path_buf();
    let head = repo
        .head()
        .and_then(|h| h.peel_to_commit())
        .map_err(|_| Error::invalid("the repository has no commit yet (HEAD)"))?;
    if !rel.as_os_str().is_empty() && head.tree().and_then(|t| t.get_path(&rel)).is_err() {
        return Err(Error::invalid(format!(
            "`{}` is not in HEAD: a branch fix rewrites committed code, so commit it first",
            rel.display()
        )));
    }
    if let Some(b) = &req.branch {
        check_new_branch(&repo, b)?;
    }
    progress.say("checking out HEAD in a fresh worktree");
    let tree = Worktree::add(&workdir, "HEAD", "mcp-fix")?;
    let target = tree.path.join(&rel);
    progress.say("rewriting");
    let report = scan::fix(&set, &target, &req.walk)?;
    let fix = FixOutput::new(&report);
    // Paths in the report are relative to the scanned path; the commit and
    // the answer name them from the repository root.
    let changed: Vec<String> = report
        .files
        .iter()
        .filter(|f| f.changed())
        .map(|f| {
            f.file
                .abs
                .strip_prefix(&tree.path)
                .unwrap_or(&f.file.abs)
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    let base_commit = head.id().to_string();
    if changed.is_empty() {
        return Ok(BranchFix {
            fix,
            base_commit,
            status: BranchFixStatus::Unchanged,
            branch: None,
            commit: None,
            changed_paths: None,
        });
    }
    scan::write_fixes(&report)?;
    let fingerprint = Proposal::fingerprint_of("mcp-fix", &changed.join("\n"), &fix.diff);
    let mut applied: Vec<String> = fix
        .files
        .iter()
        .flat_map(|f| f.applied.iter().map(|x| x.skill.clone()))
        .collect();
    applied.sort();
    applied.dedup();
    let commit = commit_worktree(&tree.path, &changed, &applied, &fingerprint)?;
    let branch = req
        .branch
        .clone()
        .unwrap_or_else(|| format!("wattson/mcp/{fingerprint}"));
    check_new_branch(&repo, &branch)?;
    progress.check()?;
    let target_commit = repo.find_commit(commit)?;
    repo.branch(&branch, &target_commit, false)
        .map_err(|e| anyhow::anyhow!("creating branch `{branch}`: {e}"))?;
    drop(tree);
    Ok(BranchFix {
        fix,
        base_commit,
        status: BranchFixStatus::Committed,
        branch: Some(branch),
        commit: Some(commit.to_string()),
        changed_paths: Some(changed),
    })
}

/// The repository holding `path`, and its working tree (canonical).
fn repository(path: &Path) -> Result<(Repository, PathBuf)> {
    let (repo, workdir) = super::discover_repo(path)?;
    let workdir = std::fs::canonicalize(&workdir)
        .map_err(|e| anyhow::anyhow!("{}: {e}", workdir.display()))?;
    Ok((repo, workdir))
}

fn check_new_branch(repo: &Repository, name: &str) -> Result<()> {
    if !git2::Branch::name_is_valid(name).unwrap_or(false) || name.starts_with('-') {
        return Err(Error::invalid(format!(
            "`{name}` is not a valid branch name"
        )));
    }
    if repo.find_branch(name, git2::BranchType::Local).is_ok() {
        return Err(Error::invalid(format!(
            "branch `{name}` already exists; a branch fix only creates new branches (pass another branch)"
        )));
    }
    Ok(())
}

/// Commit the changed files of a worktree on top of its HEAD; no ref moves.
fn commit_worktree(
    tree: &Path,
    changed: &[String],
    skills: &[String],
    fingerprint: &str,
) -> anyhow::Result<git2::Oid> {
    let repo = Repository::open(tree)?;
    let parent = repo.head()?.peel_to_commit()?;
    let mut index = repo.index()?;
    for p in changed {
        index.add_path(Path::new(p))?;
    }
    index.write()?;
    let new_tree = repo.find_tree(index.write_tree()?)?;
    let sig = git2::Signature::now(BOT_NAME, BOT_EMAIL)?;
    let message = format!(
        "perf: {} in {}\n\nRewritten by wattson's skills ({}).\n\n{FINGERPRINT_MARKER}{fingerprint}\n",
        skills.join(", "),
        changed.join(", "),
        skills.join(", "),
    );
    Ok(repo.commit(None, &sig, &sig, &message, &new_tree, &[&parent])?)
}
