//! The local forge: a proposal becomes a branch `wattson/<skill>/<fingerprint>`
//! in the repository and a markdown description under
//! `.git/wattson/proposals/`, so nothing lands in the working tree and a
//! person can review with `git log -p` and open the description.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use git2::{BranchType, Oid, Repository};

use super::{Forge, Published, BOT_NAME};
use crate::proposal::{Proposal, FINGERPRINT_MARKER};

pub struct LocalForge {
    repo: PathBuf,
}

impl LocalForge {
    pub fn new(repo: &Path) -> LocalForge {
        LocalForge {
            repo: repo.to_path_buf(),
        }
    }

    /// Where proposals' descriptions are written.
    pub fn descriptions_dir(repo: &Repository) -> PathBuf {
        repo.path().join("wattson").join("proposals")
    }
}

impl Forge for LocalForge {
    fn publish(&self, proposal: &Proposal, commit: Oid) -> Result<Published> {
        let repo = Repository::open(&self.repo)
            .with_context(|| format!("opening {}", self.repo.display()))?;
        let branch = proposal.branch_name();
        if let Some(default) = default_branch(&repo) {
            if branch == default {
                bail!("refusing to write the default branch `{default}`");
            }
        }
        let target = repo.find_commit(commit)?;
        let mut updated = false;
        if let Ok(existing) = repo.find_branch(&branch, BranchType::Local) {
            let tip = existing.get().peel_to_commit()?;
            if !made_by_wattson(&tip) {
                bail!(
                    "branch `{branch}` has a commit wattson did not make ({}); leaving it alone",
                    tip.id()
                );
            }
            updated = tip.id() != commit;
        }
        repo.branch(&branch, &target, true)
            .with_context(|| format!("writing branch `{branch}`"))?;
        let dir = Self::descriptions_dir(&repo);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let file = dir.join(format!("{}.md", proposal.fingerprint));
        let text = format!("# {}\n\n{}", proposal.pr_title(), proposal.pr_body());
        std::fs::write(&file, text).with_context(|| format!("writing {}", file.display()))?;
        Ok(Published {
            branch,
            location: file.display().to_string(),
            updated,
        })
    }
}

/// A commit wattson made: its committer and its fingerprint marker say so.
pub fn made_by_wattson(commit: &git2::Commit) -> bool {
    let committer = commit.committer();
    committer.name() == Ok(BOT_NAME)
        && commit
            .message()
            .is_ok_and(|m| m.contains(FINGERPRINT_MARKER))
}

/// The branch HEAD points at, if any (the user's default in a fresh clone).
fn default_branch(repo: &Repository) -> Option<String> {
    let head = repo.find_reference("HEAD").ok()?;
    let target = head.symbolic_target().ok()??;
    target.strip_prefix("refs/heads/").map(str::to_string)
}
