//! Defense as use cases: change points in a feed, the commits behind a
//! regression, and the revert of one (prepared in memory, or measured and
//! proposed).

use std::path::{Path, PathBuf};

use git2::{Repository, Signature};
use schemars::JsonSchema;
use serde::Serialize;

use super::{commit_of, config, discover_repo, Error, Progress, Result};
use crate::config::Config;
use crate::evidence::worktree::Worktree;
use crate::forge::local::LocalForge;
use crate::pipeline::{self, Outcome, ProposeReport, RevertContext};
use crate::profile::{HotnessIndex, ProfileFormat};
use crate::proposal::{Proposal, BOT_EMAIL, BOT_NAME, FINGERPRINT_MARKER};
use crate::regress::attribute::{self, Suspect};
use crate::regress::feed::{self, FeedFormat, FeedSource};
use crate::regress::revert::{self, Revert};
use crate::regress::{self, ChangePointReport};
use crate::scan::DEFAULT_MAX_FILE_SIZE;

/// Which feed to read, ordered by which history.
#[derive(Clone, Debug)]
pub struct DetectRequest {
    /// A file, or `git:<branch>:<path>` in the repository.
    pub feed: FeedSource,
    pub format: Option<FeedFormat>,
    /// Order points by this repository's first-parent history.
    pub repo: Option<PathBuf>,
    /// A configuration file instead of the nearest `.wattson.toml`.
    pub config: Option<PathBuf>,
}

/// `detect`: the change points of every series, regressions first.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ChangePoints {
    pub change_points: Vec<ChangePointReport>,
    /// What the reader left out and why (points whose commit is not in the
    /// history, …): a warning each, shown beside the result, not in it.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

impl ChangePoints {
    pub fn text(&self) -> String {
        regress::text(&self.change_points)
    }
}

pub fn detect(req: &DetectRequest, progress: &dyn Progress) -> Result<ChangePoints> {
    let git = match (&req.repo, &req.feed) {
        (Some(r), _) => Some(Repository::discover(r).map_err(|_| {
            Error::invalid(format!("{} is not inside a git repository", r.display()))
        })?),
        // A feed on a branch is read from the repository here.
        (None, FeedSource::Git { .. }) => Some(Repository::discover(".").map_err(|_| {
            Error::invalid(format!(
                "feed `{}` is read from a repository: run inside one or give --repo",
                req.feed
            ))
        })?),
        (None, FeedSource::File(_)) => None,
    };
    let config = config(
        req.config.as_deref(),
        req.repo.as_deref().unwrap_or(Path::new(".")),
    )?;
    let started = std::time::Instant::now();
    let loaded = feed::read_source(&req.feed, req.format, git.as_ref()).map_err(|e| match e {
        // The caller named something the repository does not have.
        feed::FeedError::GitSource { .. } => Error::invalid(e.to_string()),
        e => anyhow::Error::from(e).into(),
    })?;
    let points = regress::detect_feed(&loaded, &config.regression);
    progress.say(&format!(
        "{} series, {} points, {} change point(s) ({:.2}s)",
        loaded.series.len(),
        loaded.series.iter().map(|s| s.points.len()).sum::<usize>(),
        points.len(),
        started.elapsed().as_secs_f64()
    ));
    Ok(ChangePoints {
        change_points: points,
        warnings: loaded.warnings,
    })
}

/// Which range to attribute, with what evidence.
#[derive(Clone, Debug)]
pub struct AttributeRequest {
    /// A path inside the repository.
    pub repo: PathBuf,
    /// The last revision measured good.
    pub good: String,
    /// The first revision measured bad.
    pub bad: String,
    /// A profile of the good revision.
    pub profile_before: Option<PathBuf>,
    /// A profile of the bad revision.
    pub profile_after: Option<PathBuf>,
    pub profile_format: Option<ProfileFormat>,
    /// Also narrow the range to one commit by measuring.
    pub bisect: bool,
}

/// `attribute`: the commits of the range, most likely culprit first.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Attribution {
    pub suspects: Vec<Suspect>,
    /// With bisection: the first commit measured as regressed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bisected: Option<String>,
    /// With bisection: each commit measured, its verdict and how many runs
    /// a side it took (a step too noisy to tell is measured again).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bisect_steps: Vec<pipeline::BisectStep>,
}

impl Attribution {
    pub fn text(&self) -> String {
        let mut out = String::new();
        if let Some(b) = &self.bisected {
            out.push_str(&format!("bisection: the regression starts at {b}\n"));
            for s in &self.bisect_steps {
                out.push_str(&format!(
                    "  {}  {} after {} run(s) a side\n",
                    &s.commit[..s.commit.len().min(10)],
                    s.verdict,
                    s.runs
                ));
            }
            out.push('\n');
        }
        for s in &self.suspects {
            out.push_str(&format!(
                "{:>7.2}  {}  {}\n",
                s.score,
                &s.commit[..s.commit.len().min(10)],
                s.summary
            ));
            for r in &s.reasons {
                out.push_str(&format!("         - {r}\n"));
            }
        }
        out
    }
}

pub fn attribute(req: &AttributeRequest, progress: &dyn Progress) -> Result<Attribution> {
    let (repo, root) = discover_repo(&req.repo)?;
    commit_of(&repo, &req.good, "good")?;
    commit_of(&repo, &req.bad, "bad")?;
    // Each profile is joined to the tree it was taken of.
    let index_at = |rev: &str, file: &Option<PathBuf>| -> Result<Option<HotnessIndex>> {
        let Some(file) = file else { return Ok(None) };
        progress.say(&format!("joining {} to the tree at {rev}", file.display()));
        let tree = Worktree::add(&root, rev, "attribute")?;
        Ok(Some(super::scan::hotness(
            file,
            req.profile_format,
            &tree.path,
            DEFAULT_MAX_FILE_SIZE,
            &super::Silent,
        )?))
    };
    let before = index_at(&req.good, &req.profile_before)?;
    let after = index_at(&req.bad, &req.profile_after)?;
    let profiles = attribute::Profiles {
        before: before.as_ref(),
        after: after.as_ref(),
    };
    progress.say("scoring the commits in the range");
    let suspects = attribute::attribute(&repo, &req.good, &req.bad, &profiles)?;
    let (bisected, bisect_steps) = if req.bisect {
        let config = Config::discover(&root)?;
        progress.say("bisecting by measurement");
        let found = pipeline::bisect(&root, &req.good, &req.bad, &config.evidence)?;
        (Some(found.culprit), found.steps)
    } else {
        (None, Vec::new())
    };
    Ok(Attribution {
        suspects,
        bisected,
        bisect_steps,
    })
}

/// Whether the revert applies on HEAD.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RevertStatus {
    Ready,
    Conflict,
}

/// `prepare_revert`: the revert of a commit on top of HEAD, or why it
/// conflicts. (One object with optional fields rather than an enum, because
/// MCP wants an output schema whose root is an object.)
#[derive(Debug, Serialize, JsonSchema)]
pub struct PreparedRevert {
    pub status: RevertStatus,
    /// The revert commit, referenced by no branch (when ready).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    pub reverts: String,
    /// HEAD.
    pub onto: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// The conflicting paths (when in conflict).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
}

/// The revert of `commit` built on top of HEAD in memory: no ref moves.
pub fn prepare_revert(repo_path: &Path, commit: &str) -> Result<PreparedRevert> {
    let (repo, _) = discover_repo(repo_path)?;
    let culprit = commit_of(&repo, commit, "commit")?;
    let head = commit_of(&repo, "HEAD", "HEAD")?;
    let fingerprint = Proposal::fingerprint_of("revert", &culprit.to_string(), "");
    let signature = Signature::now(BOT_NAME, BOT_EMAIL)?;
    let trailer = format!("{FINGERPRINT_MARKER}{fingerprint}");
    let built = revert::build(&repo, &culprit.to_string(), "HEAD", &signature, &trailer)?;
    let mut prepared = PreparedRevert {
        status: RevertStatus::Ready,
        commit: None,
        reverts: culprit.to_string(),
        onto: head.to_string(),
        message: None,
        fingerprint: None,
        paths: Vec::new(),
    };
    match built {
        Revert::Ready { commit, message } => {
            prepared.commit = Some(commit.to_string());
            prepared.message = Some(message);
            prepared.fingerprint = Some(fingerprint);
        }
        Revert::Conflict { paths } => {
            prepared.status = RevertStatus::Conflict;
            prepared.paths = paths;
        }
    }
    Ok(prepared)
}

/// `revert`: revert `commit` on HEAD, measure the revert, and propose it as
/// a local branch if it recovers the loss.
pub fn revert(repo_path: &Path, commit: &str, progress: &dyn Progress) -> Result<ProposeReport> {
    let (git, root) = discover_repo(repo_path)?;
    let config = Config::discover(&root)?;
    let culprit = commit_of(&git, commit, "commit")?;
    let described = attribute::suspect(&git, culprit, &Default::default())?;
    let context = RevertContext {
        why: format!(
            "Reverting {} (\"{}\") to undo the performance regression it caused: {}.",
            &described.commit[..10],
            described.summary,
            described.reasons.join("; ")
        ),
        sections: Vec::new(),
    };
    let forge = LocalForge::new(&root);
    progress.say(&format!(
        "reverting {commit}, building and measuring the revert"
    ));
    let candidate = pipeline::propose_revert(&root, commit, &context, &config, &forge)?;
    let base_commit = git.head()?.peel_to_commit()?.id().to_string();
    Ok(ProposeReport {
        repository: root.display().to_string(),
        base_commit,
        candidates: vec![candidate],
        cold_left_out: 0,
        not_measured: 0,
    })
}

/// Whether every candidate of a report was proposed (the CLI's exit status).
pub fn all_proposed(report: &ProposeReport) -> bool {
    report
        .candidates
        .iter()
        .all(|c| matches!(c.outcome, Outcome::Proposed(_)))
}

impl PreparedRevert {
    pub fn text(&self) -> String {
        match (&self.status, &self.commit) {
            (RevertStatus::Ready, Some(commit)) => format!(
                "ready: {commit} reverts {} on HEAD (no branch points at it)\n",
                self.reverts
            ),
            _ => format!(
                "conflict: reverting {} on HEAD conflicts in {}\n",
                self.reverts,
                self.paths.join(", ")
            ),
        }
    }
}
