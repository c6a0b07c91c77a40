//! Bisection by measurement: narrow `good..bad` to the one commit where a
//! regression starts.

use std::path::Path;

use anyhow::Result;
use git2::{Oid, Repository};

use crate::evidence::ab::Session;
use crate::evidence::EvidenceConfig;
use crate::regress::attribute::commits_in_range;

/// Narrow `good..bad` to one commit by measuring: each step compares the
/// good commit with the middle of the range (the evidence runner, so builds,
/// tests and interleaved runs as everywhere) and keeps the half where the
/// regression is. Returns the first commit whose evidence says "regressed".
pub fn bisect(root: &Path, good: &str, bad: &str, config: &EvidenceConfig) -> Result<Oid> {
    let repo = Repository::open(root)?;
    let commits = commits_in_range(&repo, good, bad)?;
    let session = Session::start(root, good, config)?;
    // Invariant: the culprit is in commits[lo..=hi].
    let (mut lo, mut hi) = (0usize, commits.len() - 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let evidence = session.measure(&commits[mid].to_string())?;
        tracing::info!(
            "bisect: {} is {} ({})",
            &commits[mid].to_string()[..10],
            evidence.verdict,
            evidence.summary()
        );
        if evidence.verdict == "regressed" {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Ok(commits[lo])
}
