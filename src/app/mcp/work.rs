//! What each tool does: its arguments checked (paths confined to the
//! repository root, revisions that look like revisions) and turned into the
//! request of the `ops` function the command of the same name calls. The
//! answer is that function's result, so the tool returns exactly the JSON
//! the command prints with `--format json`.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::args::*;
use super::paths::{confine, revision};
use super::{Progress, ToolError};
use crate::ops::{self, Skills};
use crate::regress::feed::FeedSource;
use crate::scan::{ScanOptions, DEFAULT_MAX_FILE_SIZE};

/// What every tool call shares: the repository root and the loaded skills.
pub struct Ctx {
    /// The canonical repository root every path argument is confined to.
    pub root: PathBuf,
    pub skills: Skills,
}

impl Ctx {
    pub fn new(root: &Path, skills_dir: Option<PathBuf>) -> anyhow::Result<Ctx> {
        let root = std::fs::canonicalize(root)
            .with_context(|| format!("the repository root {}", root.display()))?;
        anyhow::ensure!(root.is_dir(), "{} is not a directory", root.display());
        let ctx = Ctx {
            root,
            skills: Skills::new(skills_dir),
        };
        // Fail at start-up, not on the first call, if the skills do not load.
        ctx.skills.select(&[]).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(ctx)
    }

    /// A path argument, confined to the root (the root itself when absent).
    fn path(&self, arg: Option<&str>, what: &str) -> Result<PathBuf, ToolError> {
        confine(&self.root, arg.unwrap_or("."), what)
    }

    /// A feed argument: `git:<branch>:<path>` (read from the repository's
    /// own history, so nothing to confine), or a path confined to the root.
    fn feed(&self, arg: &str) -> Result<FeedSource, ToolError> {
        match FeedSource::parse(arg).map_err(ToolError::invalid)? {
            git @ FeedSource::Git { .. } => Ok(git),
            FeedSource::File(_) => Ok(FeedSource::File(self.path(Some(arg), "feed")?)),
        }
    }

    /// An optional path argument, confined to the root.
    fn optional_path(&self, arg: Option<&str>, what: &str) -> Result<Option<PathBuf>, ToolError> {
        arg.map(|a| self.path(Some(a), what)).transpose()
    }

    /// The root, when it is inside a git repository with a working tree:
    /// tools that need history say how to start the server otherwise.
    fn git_root(&self) -> Result<PathBuf, ToolError> {
        let repo = git2::Repository::discover(&self.root).map_err(|_| {
            ToolError::invalid(format!(
                "{} is not inside a git repository (start the server with --repo on one)",
                self.root.display()
            ))
        })?;
        if repo.workdir().is_none() {
            return Err(ToolError::invalid(
                "the repository is bare: no working tree",
            ));
        }
        Ok(self.root.clone())
    }
}

fn walk(max_file_size: Option<u64>) -> ScanOptions {
    ScanOptions {
        max_file_size: max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE),
        progress: false,
        ..ScanOptions::default()
    }
}

pub fn list_skills(ctx: &Ctx, a: ListSkillsArgs) -> Result<ops::skills::SkillList, ToolError> {
    Ok(ops::skills::list_skills(&ctx.skills, &a.skills)?)
}

pub fn explain_skill(
    ctx: &Ctx,
    a: ExplainSkillArgs,
) -> Result<ops::skills::SkillExplanation, ToolError> {
    Ok(ops::skills::explain_skill(&ctx.skills, &a.id)?)
}

fn scan_request(
    ctx: &Ctx,
    path: Option<&str>,
    skills: Vec<String>,
    profile: Option<&str>,
    profile_format: Option<crate::profile::ProfileFormat>,
    min_percent: Option<f64>,
    max_file_size: Option<u64>,
) -> Result<ops::scan::ScanRequest, ToolError> {
    Ok(ops::scan::ScanRequest {
        path: ctx.path(path, "path")?,
        skills,
        profile: ops::scan::ProfileRequest {
            file: ctx.optional_path(profile, "profile")?,
            format: profile_format,
            min_percent,
        },
        config: None,
        walk: walk(max_file_size),
    })
}

pub fn scan(
    ctx: &Ctx,
    a: ScanArgs,
    progress: &Progress,
) -> Result<crate::report::ScanOutput, ToolError> {
    let req = scan_request(
        ctx,
        a.path.as_deref(),
        a.skills,
        a.profile.as_deref(),
        a.profile_format,
        a.min_percent,
        a.max_file_size,
    )?;
    Ok(ops::scan::scan(&ctx.skills, &req, progress)?)
}

pub fn hotspots(
    ctx: &Ctx,
    a: HotspotsArgs,
    progress: &Progress,
) -> Result<crate::report::Hotspots, ToolError> {
    let scan = scan_request(
        ctx,
        a.path.as_deref(),
        a.skills,
        Some(&a.profile),
        a.profile_format,
        None,
        None,
    )?;
    let req = ops::scan::HotspotsRequest { scan, top: a.top };
    Ok(ops::scan::hotspots(&ctx.skills, &req, progress)?)
}

/// `wattson fix PATH` (no `--write`): the unified diff, nothing written.
pub fn preview_fix(ctx: &Ctx, a: FixArgs) -> Result<ops::scan::FixOutput, ToolError> {
    let req = ops::scan::FixRequest {
        path: ctx.path(a.path.as_deref(), "path")?,
        skills: a.skills,
        walk: walk(a.max_file_size),
        write: false,
    };
    Ok(ops::scan::fix(&ctx.skills, &req)?)
}

/// `wattson fix PATH --branch B`: the rewrite of HEAD committed on a new branch.
pub fn apply_fix(
    ctx: &Ctx,
    a: ApplyFixArgs,
    progress: &Progress,
) -> Result<ops::scan::BranchFix, ToolError> {
    let path = ctx.path(a.path.as_deref(), "path")?;
    ctx.git_root()?;
    let req = ops::scan::BranchFixRequest {
        path,
        skills: a.skills,
        branch: a.branch,
        walk: walk(a.max_file_size),
    };
    Ok(ops::scan::fix_on_branch(&ctx.skills, &req, progress)?)
}

/// `wattson bench --base REV --head REV --format json`.
pub fn measure(
    ctx: &Ctx,
    a: MeasureArgs,
    progress: &Progress,
) -> Result<crate::evidence::ab::Evidence, ToolError> {
    let root = ctx.git_root()?;
    let req = ops::measure::BenchRequest {
        path: root,
        base: revision(a.base.as_deref().unwrap_or("HEAD"), "base")?.to_string(),
        head: revision(&a.head, "head")?.to_string(),
        config: None,
    };
    Ok(ops::measure::bench(&req, progress)?)
}

/// `wattson detect --feed FILE --repo ROOT --format json`.
pub fn detect(
    ctx: &Ctx,
    a: DetectArgs,
    progress: &Progress,
) -> Result<ops::defense::ChangePoints, ToolError> {
    let req = ops::defense::DetectRequest {
        feed: ctx.feed(&a.feed)?,
        format: a.feed_format,
        // Points are ordered by the history when there is one.
        repo: ctx.git_root().ok(),
        config: None,
    };
    Ok(ops::defense::detect(&req, progress)?)
}

/// `wattson attribute --repo ROOT --good REV --bad REV [--profile-before F --profile-after F]`.
pub fn attribute(
    ctx: &Ctx,
    a: AttributeArgs,
    progress: &Progress,
) -> Result<ops::defense::Attribution, ToolError> {
    let req = ops::defense::AttributeRequest {
        repo: ctx.git_root()?,
        good: revision(&a.good, "good")?.to_string(),
        bad: revision(&a.bad, "bad")?.to_string(),
        profile_before: ctx.optional_path(a.profile_before.as_deref(), "profile_before")?,
        profile_after: ctx.optional_path(a.profile_after.as_deref(), "profile_after")?,
        profile_format: a.profile_format,
        bisect: false,
    };
    Ok(ops::defense::attribute(&req, progress)?)
}

/// `wattson revert --prepare COMMIT`: the revert built on HEAD in memory.
pub fn prepare_revert(
    ctx: &Ctx,
    a: PrepareRevertArgs,
) -> Result<ops::defense::PreparedRevert, ToolError> {
    let root = ctx.git_root()?;
    Ok(ops::defense::prepare_revert(
        &root,
        revision(&a.commit, "commit")?,
    )?)
}

/// `wattson propose [PATH] [--profile F] [--feed F] --format json`.
pub fn propose(
    ctx: &Ctx,
    a: ProposeArgs,
    progress: &Progress,
) -> Result<crate::pipeline::ProposeReport, ToolError> {
    ctx.git_root()?;
    let req = ops::propose::ProposeRequest {
        path: ctx.path(a.path.as_deref(), "path")?,
        skills: a.skills,
        profile: ops::scan::ProfileRequest {
            file: ctx.optional_path(a.profile.as_deref(), "profile")?,
            format: a.profile_format,
            min_percent: a.min_percent,
        },
        feed: a.feed.as_deref().map(|f| ctx.feed(f)).transpose()?,
        feed_format: a.feed_format,
        config: None,
        walk: walk(None),
    };
    Ok(ops::propose::propose(&ctx.skills, &req, None, progress)?)
}
