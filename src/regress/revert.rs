//! The revert of a culprit commit, built on top of the current head with
//! git2 in memory: nothing in the working tree, the index or any branch
//! moves. A conflict means no proposal, with the conflicting paths named.

use anyhow::{Context, Result};
use git2::{Oid, Repository, Signature};

use super::attribute::resolve;

#[derive(Debug)]
pub enum Revert {
    /// A commit on top of `onto` that undoes the culprit, referenced by nothing yet.
    Ready {
        commit: Oid,
        message: String,
    },
    Conflict {
        paths: Vec<String>,
    },
}

/// Build the revert of `culprit` on top of `onto` (usually `HEAD`),
/// committed as `signature`. `trailer` ends the message: the caller's mark
/// (a proposal's fingerprint), so the commit is known as its own later.
pub fn build(
    repo: &Repository,
    culprit: &str,
    onto: &str,
    signature: &Signature,
    trailer: &str,
) -> Result<Revert> {
    let culprit = repo.find_commit(resolve(repo, culprit)?)?;
    let onto = repo.find_commit(resolve(repo, onto)?)?;
    // A merge is reverted against its first parent (the mainline).
    let mainline = if culprit.parent_count() > 1 { 1 } else { 0 };
    let mut index = repo
        .revert_commit(&culprit, &onto, mainline, None)
        .with_context(|| format!("reverting {}", culprit.id()))?;
    if index.has_conflicts() {
        let mut paths: Vec<String> = index
            .conflicts()?
            .filter_map(|c| c.ok())
            .filter_map(|c| c.our.or(c.their).or(c.ancestor))
            .map(|e| String::from_utf8_lossy(&e.path).into_owned())
            .collect();
        paths.sort();
        paths.dedup();
        return Ok(Revert::Conflict { paths });
    }
    let tree = repo.find_tree(index.write_tree_to(repo)?)?;
    let summary = culprit.summary().ok().flatten().unwrap_or("");
    let message = format!(
        "Revert \"{summary}\"\n\nThis reverts commit {}.\n\n{trailer}\n",
        culprit.id()
    );
    let commit = repo.commit(None, signature, signature, &message, &tree, &[&onto])?;
    Ok(Revert::Ready { commit, message })
}
