//! Measuring a change: build and test the head, benchmark base and head
//! interleaved, and judge the difference.

use std::path::PathBuf;

use super::{commit_of, config, discover_repo, Progress, Result};
use crate::evidence::ab::{Evidence, Session};

/// Which change to measure, where.
#[derive(Clone, Debug)]
pub struct BenchRequest {
    /// A path inside the repository.
    pub path: PathBuf,
    /// The revision to compare against.
    pub base: String,
    /// The revision with the change.
    pub head: String,
    /// A configuration file instead of the repository's `.wattson.toml`.
    pub config: Option<PathBuf>,
}

/// The evidence for `head` against `base`: build, tests and every benchmark
/// of `[evidence]`, with the statistics and the verdict.
pub fn bench(req: &BenchRequest, progress: &dyn Progress) -> Result<Evidence> {
    let (repo, root) = discover_repo(&req.path)?;
    // A revision that names nothing is the caller's mistake, said before
    // any worktree is made.
    commit_of(&repo, &req.base, "base")?;
    commit_of(&repo, &req.head, "head")?;
    let config = config(req.config.as_deref(), &req.path)?;
    progress.say(&format!("building the base ({})", req.base));
    let session = Session::start(&root, &req.base, &config.evidence)?;
    progress.say(&format!(
        "building, testing and measuring the head ({}) against the base",
        req.head
    ));
    let evidence = session.measure(&req.head)?;
    progress.say(&format!("verdict: {}", evidence.verdict));
    Ok(evidence)
}
