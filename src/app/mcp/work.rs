//! What each tool does, as blocking functions over the library: the same
//! calls `src/main.rs` makes for the command of the same name, returning the
//! JSON its `--format json` prints. Arguments arrive checked (paths confined
//! to the repository root); these functions only do the work.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use git2::Repository;
use serde_json::{json, Value};

use super::args::*;
use super::paths::{confine, revision};
use super::{Progress, ToolError};
use crate::config::Config;
use crate::evidence::worktree::Worktree;
use crate::forge::{BOT_EMAIL, BOT_NAME};
use crate::profile::{self, HotnessIndex, ProfileFormat};
use crate::proposal::{Proposal, FINGERPRINT_MARKER};
use crate::report;
use crate::scan::{self, ScanOptions, DEFAULT_MAX_FILE_SIZE};
use crate::skills::SkillSet;

/// What every tool call shares: the repository root and the loaded skills.
pub struct Ctx {
    /// The canonical repository root every path argument is confined to.
    pub root: PathBuf,
    skills_dir: Option<PathBuf>,
    /// Skill sets by selection (loading and compiling the queries is the
    /// bulk of a small call's cost, so each selection is built once).
    sets: Mutex<HashMap<Vec<String>, Arc<SkillSet>>>,
}

impl Ctx {
    pub fn new(root: &Path, skills_dir: Option<PathBuf>) -> anyhow::Result<Ctx> {
        let root = std::fs::canonicalize(root)
            .with_context(|| format!("the repository root {}", root.display()))?;
        anyhow::ensure!(root.is_dir(), "{} is not a directory", root.display());
        let ctx = Ctx {
            root,
            skills_dir,
            sets: Mutex::new(HashMap::new()),
        };
        // Fail at start-up, not on the first call, if the skills do not load.
        ctx.skills(&[])
            .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
        Ok(ctx)
    }

    /// The skills selected by `ids` (ids or languages; all when empty).
    pub fn skills(&self, ids: &[String]) -> Result<Arc<SkillSet>, ToolError> {
        let mut key: Vec<String> = ids.to_vec();
        key.sort();
        key.dedup();
        if let Some(set) = self.sets.lock().expect("skill cache").get(&key) {
            return Ok(set.clone());
        }
        let all = match &self.skills_dir {
            Some(dir) => SkillSet::from_dir(dir),
            None => SkillSet::builtin(),
        }
        .map_err(ToolError::failed)?;
        let set = Arc::new(
            all.select(&key)
                .map_err(|e| ToolError::invalid(format!("{e:#}")))?,
        );
        self.sets
            .lock()
            .expect("skill cache")
            .insert(key, set.clone());
        Ok(set)
    }

    /// A path argument, confined to the root (the root itself when absent).
    pub fn path(&self, arg: Option<&str>, what: &str) -> Result<PathBuf, ToolError> {
        confine(&self.root, arg.unwrap_or("."), what)
    }

    /// The configuration that applies at `path` (`.wattson.toml` over `rules/`).
    pub fn config(&self, path: &Path) -> Result<Config, ToolError> {
        Config::discover(path).map_err(ToolError::failed)
    }

    /// The git repository holding the root, and its working tree (canonical).
    pub fn git(&self) -> Result<(Repository, PathBuf), ToolError> {
        let repo = Repository::discover(&self.root).map_err(|_| {
            ToolError::invalid(format!(
                "{} is not inside a git repository (start the server with --repo on one)",
                self.root.display()
            ))
        })?;
        let workdir = repo
            .workdir()
            .ok_or_else(|| ToolError::invalid("the repository is bare: no working tree"))?;
        let workdir = std::fs::canonicalize(workdir).map_err(ToolError::failed)?;
        Ok((repo, workdir))
    }
}

/// A revision argument that names a commit of `repo`.
fn commit_of(repo: &Repository, rev: &str, what: &str) -> Result<git2::Oid, ToolError> {
    let rev = revision(rev, what)?;
    repo.revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .map(|c| c.id())
        .map_err(|_| ToolError::invalid(format!("{what} `{rev}` does not name a commit")))
}

fn walk_options(max_file_size: Option<u64>) -> ScanOptions {
    ScanOptions {
        max_file_size: max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE),
        progress: false,
        ..ScanOptions::default()
    }
}

fn read_profile(
    file: &Path,
    format: Option<ProfileFormatArg>,
    tree: &Path,
    max_file_size: u64,
) -> Result<HotnessIndex, ToolError> {
    let loaded = profile::read(file, format.map(ProfileFormat::from)).map_err(ToolError::failed)?;
    let (index, _) =
        profile::index_tree(tree, &loaded, max_file_size).map_err(ToolError::failed)?;
    Ok(index)
}

/// `wattson skills list --format json`, as `{"skills": [...]}`.
pub fn list_skills(ctx: &Ctx, a: ListSkillsArgs) -> Result<Value, ToolError> {
    let set = ctx.skills(&a.skills)?;
    let list: Vec<Value> = set
        .skills()
        .iter()
        .map(|s| json!({"id": s.id(), "language": s.lang, "tier": s.spec.tier, "title": s.spec.title, "why": s.spec.why.trim()}))
        .collect();
    Ok(json!({ "skills": list }))
}

/// `wattson skills explain ID` as data: why it is faster, its query, guards,
/// edit, examples and leave-alone cases.
pub fn explain_skill(ctx: &Ctx, a: ExplainSkillArgs) -> Result<Value, ToolError> {
    let set = ctx.skills(&[])?;
    let skill = set.get(&a.id).ok_or_else(|| {
        let known: Vec<&str> = set.skills().iter().map(|s| s.id()).collect();
        ToolError::invalid(format!("no skill `{}` (known: {})", a.id, known.join(", ")))
    })?;
    let s = &skill.spec;
    Ok(json!({
        "id": s.id,
        "language": skill.lang,
        "tier": s.tier,
        "title": s.title,
        "why": s.why.trim(),
        "message": s.message,
        "query": s.query.trim_end(),
        "guards": s.guards,
        "edit": s.edit,
        "enables": s.enables,
        "examples": s.examples,
        "leave_alone": s.leave_alone,
        "resource": format!("wattson://skills/{}", s.id),
    }))
}

/// `wattson scan PATH --format json [--profile FILE]`.
pub fn scan(ctx: &Ctx, a: ScanArgs, progress: &Progress) -> Result<Value, ToolError> {
    let path = ctx.path(a.path.as_deref(), "path")?;
    let profile = match &a.profile {
        Some(p) => Some(ctx.path(Some(p), "profile")?),
        None => None,
    };
    let set = ctx.skills(&a.skills)?;
    let config = ctx.config(&path)?;
    let opts = walk_options(a.max_file_size);
    let hotness = match &profile {
        Some(file) => {
            progress.say("reading the profile");
            Some(read_profile(
                file,
                a.profile_format,
                &path,
                opts.max_file_size,
            )?)
        }
        None => None,
    };
    if progress.enabled() {
        let files = scan::discover(&path, &set).map_err(ToolError::failed)?;
        progress.say(format!("scanning {} file(s)", files.len()));
    }
    let mut report = scan::scan(&set, &path, &opts).map_err(ToolError::failed)?;
    if let Some(index) = &hotness {
        let min = a.min_percent.unwrap_or(config.hotness.min_percent);
        scan::rank(&mut report, index, min);
    }
    Ok(report::json(&report))
}

/// `wattson hotspots PATH --profile FILE --format json`.
pub fn hotspots(ctx: &Ctx, a: HotspotsArgs, progress: &Progress) -> Result<Value, ToolError> {
    let path = ctx.path(a.path.as_deref(), "path")?;
    let file = ctx.path(Some(&a.profile), "profile")?;
    let config = ctx.config(&path)?;
    let set = ctx.skills(&a.skills)?;
    progress.say("reading the profile");
    let index = read_profile(&file, a.profile_format, &path, DEFAULT_MAX_FILE_SIZE)?;
    progress.say("scanning");
    let report = scan::scan(&set, &path, &walk_options(None)).map_err(ToolError::failed)?;
    let top = a.top.unwrap_or(config.hotness.top);
    Ok(report::hotspots_json(
        &index,
        &report,
        top,
        config.hotness.unmapped_shown,
    ))
}

/// What `wattson fix PATH` computes, as data; `diff` is exactly what it prints.
fn fix_summary(fix: &scan::FixReport) -> Value {
    let changed: Vec<&scan::FileFix> = fix.files.iter().filter(|f| f.changed()).collect();
    let diff: String = changed.iter().map(|f| f.diff()).collect();
    let files: Vec<Value> = changed
        .iter()
        .map(|f| {
            let applied: Vec<Value> = f
                .outcome
                .applied
                .iter()
                .map(|x| json!({"skill": x.skill, "line": x.start_line, "message": x.message}))
                .collect();
            json!({"path": f.file.path, "edits": f.outcome.applied.len(), "applied": applied})
        })
        .collect();
    json!({
        "diff": diff,
        "files": files,
        "edits": changed.iter().map(|f| f.outcome.applied.len()).sum::<usize>(),
        "skipped": fix.skipped,
    })
}

/// `wattson fix PATH` (no `--write`): the unified diff, nothing written.
pub fn preview_fix(ctx: &Ctx, a: FixArgs) -> Result<Value, ToolError> {
    let path = ctx.path(a.path.as_deref(), "path")?;
    let set = ctx.skills(&a.skills)?;
    let fix = scan::fix(&set, &path, &walk_options(a.max_file_size)).map_err(ToolError::failed)?;
    Ok(fix_summary(&fix))
}

/// The rewrite of `path` at HEAD, made in a fresh worktree and committed on a
/// new branch: the user's working tree, index and HEAD are never touched.
pub fn apply_fix(ctx: &Ctx, a: ApplyFixArgs, progress: &Progress) -> Result<Value, ToolError> {
    let path = ctx.path(a.path.as_deref(), "path")?;
    let set = ctx.skills(&a.skills)?;
    let (repo, workdir) = ctx.git()?;
    let rel = path
        .strip_prefix(&workdir)
        .map_err(|_| ToolError::invalid("the path is not in the repository's working tree"))?
        .to_path_buf();
    let head = repo
        .head()
        .and_then(|h| h.peel_to_commit())
        .map_err(|_| ToolError::invalid("the repository has no commit yet (HEAD)"))?;
    if !rel.as_os_str().is_empty() && head.tree().and_then(|t| t.get_path(&rel)).is_err() {
        return Err(ToolError::invalid(format!(
            "`{}` is not in HEAD: apply_fix rewrites committed code, so commit it first",
            rel.display()
        )));
    }
    if let Some(b) = &a.branch {
        check_new_branch(&repo, b)?;
    }
    progress.say("checking out HEAD in a fresh worktree");
    let tree = Worktree::add(&workdir, "HEAD", "mcp-fix").map_err(ToolError::failed)?;
    let target = tree.path.join(&rel);
    progress.say("rewriting");
    let fix =
        scan::fix(&set, &target, &walk_options(a.max_file_size)).map_err(ToolError::failed)?;
    let mut summary = fix_summary(&fix);
    // Paths in the report are relative to the scanned path; the commit and
    // the answer name them from the repository root.
    let changed: Vec<String> = fix
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
    summary["base_commit"] = json!(head.id().to_string());
    if changed.is_empty() {
        summary["status"] = json!("unchanged");
        summary["branch"] = Value::Null;
        summary["commit"] = Value::Null;
        return Ok(summary);
    }
    scan::write_fixes(&fix).map_err(ToolError::failed)?;
    let diff = summary["diff"].as_str().unwrap_or_default().to_string();
    let fingerprint = Proposal::fingerprint_of("mcp-fix", &changed.join("\n"), &diff);
    let skills: Vec<String> = {
        let mut s: Vec<String> = fix
            .files
            .iter()
            .flat_map(|f| f.outcome.applied.iter().map(|x| x.skill.clone()))
            .collect();
        s.sort();
        s.dedup();
        s
    };
    let commit =
        commit_worktree(&tree.path, &changed, &skills, &fingerprint).map_err(ToolError::failed)?;
    let branch = a
        .branch
        .clone()
        .unwrap_or_else(|| format!("wattson/mcp/{fingerprint}"));
    check_new_branch(&repo, &branch)?;
    progress.check()?;
    let target_commit = repo.find_commit(commit).map_err(ToolError::failed)?;
    repo.branch(&branch, &target_commit, false)
        .map_err(|e| ToolError::failed(anyhow::anyhow!("creating branch `{branch}`: {e}")))?;
    drop(tree);
    summary["status"] = json!("committed");
    summary["branch"] = json!(branch);
    summary["commit"] = json!(commit.to_string());
    summary["changed_paths"] = json!(changed);
    Ok(summary)
}

fn check_new_branch(repo: &Repository, name: &str) -> Result<(), ToolError> {
    if !git2::Branch::name_is_valid(name).unwrap_or(false) || name.starts_with('-') {
        return Err(ToolError::invalid(format!(
            "`{name}` is not a valid branch name"
        )));
    }
    if repo.find_branch(name, git2::BranchType::Local).is_ok() {
        return Err(ToolError::invalid(format!(
            "branch `{name}` already exists; apply_fix only creates new branches (pass another `branch`)"
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
        "perf: {} in {}\n\nRewritten by wattson's skills ({}) through its MCP server.\n\n{FINGERPRINT_MARKER}{fingerprint}\n",
        skills.join(", "),
        changed.join(", "),
        skills.join(", "),
    );
    Ok(repo.commit(None, &sig, &sig, &message, &new_tree, &[&parent])?)
}

/// `wattson bench --base REV --head REV --format json`.
pub fn measure(ctx: &Ctx, a: MeasureArgs, progress: &Progress) -> Result<Value, ToolError> {
    let (repo, workdir) = ctx.git()?;
    let base = a.base.as_deref().unwrap_or("HEAD");
    commit_of(&repo, base, "base")?;
    commit_of(&repo, &a.head, "head")?;
    let config = ctx.config(&workdir)?;
    progress.say(format!("building the base ({base})"));
    let session = crate::evidence::ab::Session::start(&workdir, base, &config.evidence, false)
        .map_err(ToolError::failed)?;
    progress.say(format!(
        "building, testing and measuring the head ({}) against the base",
        a.head
    ));
    let evidence = session.measure(&a.head).map_err(ToolError::failed)?;
    progress.say(format!("verdict: {}", evidence.verdict));
    Ok(crate::evidence::report::json(&evidence))
}

/// `wattson detect --feed FILE --repo ROOT --format json`.
pub fn detect(ctx: &Ctx, a: DetectArgs) -> Result<(Value, Vec<String>), ToolError> {
    let feed = ctx.path(Some(&a.feed), "feed")?;
    let git = ctx.git().ok().map(|(repo, _)| repo);
    let config = ctx.config(&ctx.root)?;
    let loaded = crate::regress::feed::read(&feed, a.feed_format.map(Into::into), git.as_ref())
        .map_err(ToolError::failed)?;
    let points = crate::regress::detect_feed(&loaded, &config.regression);
    Ok((json!({ "change_points": points }), loaded.warnings))
}

/// `wattson attribute --repo ROOT --good REV --bad REV [--profile-before F --profile-after F]`.
pub fn attribute(ctx: &Ctx, a: AttributeArgs, progress: &Progress) -> Result<Value, ToolError> {
    use crate::regress::attribute;
    let (repo, workdir) = ctx.git()?;
    commit_of(&repo, &a.good, "good")?;
    commit_of(&repo, &a.bad, "bad")?;
    let before_file = match &a.profile_before {
        Some(p) => Some(ctx.path(Some(p), "profile_before")?),
        None => None,
    };
    let after_file = match &a.profile_after {
        Some(p) => Some(ctx.path(Some(p), "profile_after")?),
        None => None,
    };
    // Each profile is joined to the tree it was taken of.
    let index_at = |rev: &str, file: &Option<PathBuf>| -> Result<Option<HotnessIndex>, ToolError> {
        let Some(file) = file else { return Ok(None) };
        progress.say(format!("joining {} to the tree at {rev}", file.display()));
        let tree = Worktree::add(&workdir, rev, "attribute").map_err(ToolError::failed)?;
        Ok(Some(read_profile(
            file,
            a.profile_format,
            &tree.path,
            DEFAULT_MAX_FILE_SIZE,
        )?))
    };
    let before = index_at(&a.good, &before_file)?;
    let after = index_at(&a.bad, &after_file)?;
    let profiles = attribute::Profiles {
        before: before.as_ref(),
        after: after.as_ref(),
    };
    progress.say("scoring the commits in the range");
    let suspects =
        attribute::attribute(&repo, &a.good, &a.bad, &profiles).map_err(ToolError::failed)?;
    Ok(json!({ "suspects": suspects }))
}

/// The revert of a commit, built on top of HEAD in memory (no ref moves).
pub fn prepare_revert(ctx: &Ctx, a: PrepareRevertArgs) -> Result<Value, ToolError> {
    use crate::regress::revert::{self, Revert};
    let (repo, _) = ctx.git()?;
    let culprit = commit_of(&repo, &a.commit, "commit")?;
    let head = commit_of(&repo, "HEAD", "HEAD")?;
    let fingerprint = Proposal::fingerprint_of("revert", &culprit.to_string(), "");
    let built = revert::build(&repo, &culprit.to_string(), "HEAD", &fingerprint)
        .map_err(ToolError::failed)?;
    Ok(match built {
        Revert::Ready { commit, message } => json!({
            "status": "ready",
            "commit": commit.to_string(),
            "reverts": culprit.to_string(),
            "onto": head.to_string(),
            "message": message,
            "fingerprint": fingerprint,
        }),
        Revert::Conflict { paths } => json!({
            "status": "conflict",
            "reverts": culprit.to_string(),
            "onto": head.to_string(),
            "paths": paths,
        }),
    })
}

/// `wattson propose [PATH] [--profile F] [--feed F] --format json`.
pub fn propose(ctx: &Ctx, a: ProposeArgs, progress: &Progress) -> Result<Value, ToolError> {
    let path = ctx.path(a.path.as_deref(), "path")?;
    let (_, workdir) = ctx.git()?;
    let profile = match &a.profile {
        Some(p) => Some(ctx.path(Some(p), "profile")?),
        None => None,
    };
    let feed = match &a.feed {
        Some(p) => Some(ctx.path(Some(p), "feed")?),
        None => None,
    };
    let config = ctx.config(&path)?;
    let forge = crate::forge::local::LocalForge::new(&workdir);
    let report = if let Some(feed) = feed {
        progress.say("detecting regressions, attributing and reverting them");
        crate::pipeline::propose_defense(
            &workdir,
            &feed,
            a.feed_format.map(Into::into),
            &config,
            &forge,
            false,
        )
        .map_err(ToolError::failed)?
    } else {
        let set = ctx.skills(&a.skills)?;
        let opts = crate::pipeline::ProposeOptions {
            skills: &set,
            config: &config,
            profile,
            profile_format: a.profile_format.map(Into::into),
            min_percent: a.min_percent,
            scan: walk_options(None),
            only: None,
            progress: false,
        };
        progress.say("scanning, rewriting, building, testing and measuring each candidate");
        crate::pipeline::propose(&path, &opts, &forge).map_err(ToolError::failed)?
    };
    serde_json::to_value(&report).map_err(ToolError::failed)
}
