//! `propose`: the whole pipeline, offense (scan → rewrite → build → test →
//! measure) or defense (detect → attribute → revert → measure), each
//! surviving change a local branch with its description.

use std::path::PathBuf;

use super::scan::ProfileRequest;
use super::{config, discover_repo, Progress, Result, Skills};
use crate::forge::local::LocalForge;
use crate::forge::Forge;
use crate::pipeline::{self, ProposeOptions, ProposeReport};
use crate::regress::feed::{FeedFormat, FeedSource};
use crate::scan::ScanOptions;

/// What to propose changes to.
#[derive(Clone, Debug)]
pub struct ProposeRequest {
    /// The code to improve, inside a git repository.
    pub path: PathBuf,
    pub skills: Vec<String>,
    pub profile: ProfileRequest,
    /// Defense instead of offense: the regressions in this feed (a file, or
    /// `git:<branch>:<path>` in the repository).
    pub feed: Option<FeedSource>,
    pub feed_format: Option<FeedFormat>,
    /// A configuration file instead of the nearest `.wattson.toml`.
    pub config: Option<PathBuf>,
    pub walk: ScanOptions,
}

/// Propose changes to the code under `req.path`, publishing each survivor
/// through `forge`: `None` is the local forge (a branch and its description
/// in the repository itself); the Action passes GitHub.
pub fn propose(
    skills: &Skills,
    req: &ProposeRequest,
    forge: Option<&dyn Forge>,
    progress: &dyn Progress,
) -> Result<ProposeReport> {
    let config = config(req.config.as_deref(), &req.path)?;
    let (_, root) = discover_repo(&req.path)?;
    let local;
    let forge = match forge {
        Some(f) => f,
        None => {
            local = LocalForge::new(&root);
            &local
        }
    };
    if let Some(feed) = &req.feed {
        progress.say("detecting regressions, attributing and reverting them");
        return Ok(pipeline::propose_defense(
            &root,
            feed,
            req.feed_format,
            &config,
            forge,
        )?);
    }
    let set = skills.select(&req.skills)?;
    let opts = ProposeOptions {
        skills: &set,
        config: &config,
        profile: req.profile.file.clone(),
        profile_format: req.profile.format,
        min_percent: req.profile.min_percent,
        scan: ScanOptions {
            // The pipeline scans a worktree of HEAD; a progress bar there
            // would interleave with its own commentary.
            progress: false,
            ..req.walk.clone()
        },
        only: None,
    };
    progress.say("scanning, rewriting, building, testing and measuring each candidate");
    Ok(pipeline::propose(&req.path, &opts, forge)?)
}
