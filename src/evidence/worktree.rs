//! Trees to build and measure, checked out as git worktrees with git2 in a
//! temporary directory: the user's working tree, index and HEAD are never
//! touched. A worktree is removed when its handle drops, and on Ctrl-C.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result};
use git2::{
    build::CheckoutBuilder, BranchType, Oid, Repository, WorktreeAddOptions, WorktreePruneOptions,
};

use super::interrupt;

/// A checked-out commit in a directory of its own.
pub struct Worktree {
    repo: PathBuf,
    name: String,
    pub path: PathBuf,
    pub commit: Oid,
    /// Holds the parent directory; removed after the worktree.
    _dir: tempfile::TempDir,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl Worktree {
    /// Check out `rev` (anything `git rev-parse` takes) of the repository at
    /// `repo_path` into a new temporary directory.
    pub fn add(repo_path: &Path, rev: &str, label: &str) -> Result<Worktree> {
        let repo = Repository::open(repo_path)
            .with_context(|| format!("{} is not a git repository", repo_path.display()))?;
        let commit = repo
            .revparse_single(rev)
            .and_then(|o| o.peel_to_commit())
            .with_context(|| {
                format!("`{rev}` does not name a commit in {}", repo_path.display())
            })?;
        let dir = tempfile::Builder::new()
            .prefix(&format!("wattson-{label}-"))
            .tempdir()
            .context("creating a directory for a worktree")?;
        let name = format!(
            "wattson-{label}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let path = dir.path().join("tree");
        let (undo_repo, undo_name) = (repo.path().to_path_buf(), name.clone());
        interrupt::register_undo(
            name.clone(),
            Box::new(move || remove(&undo_repo, &undo_name)),
        );
        let made = (|| -> Result<()> {
            // libgit2 makes a branch named after the worktree; the worktree is
            // detached at the commit and the branch deleted right away.
            let wt = repo
                .worktree(&name, &path, Some(&WorktreeAddOptions::new()))
                .with_context(|| format!("adding a worktree for {rev}"))?;
            let wt_repo = Repository::open_from_worktree(&wt)?;
            wt_repo.set_head_detached(commit.id())?;
            wt_repo.checkout_head(Some(CheckoutBuilder::new().force()))?;
            if let Ok(mut branch) = repo.find_branch(&name, BranchType::Local) {
                branch.delete()?;
            }
            Ok(())
        })();
        let worktree = Worktree {
            repo: repo.path().to_path_buf(),
            name,
            path,
            commit: commit.id(),
            _dir: dir,
        };
        made?;
        Ok(worktree)
    }
}

impl Drop for Worktree {
    fn drop(&mut self) {
        remove(&self.repo, &self.name);
        interrupt::unregister_undo(&self.name);
    }
}

/// Remove a worktree (its files and git's record of it), and the temporary
/// branch if it is still there. Best effort: used on every way out.
pub fn remove(repo: &Path, name: &str) {
    let Ok(repo) = Repository::open(repo) else {
        return;
    };
    if let Ok(wt) = repo.find_worktree(name) {
        let path = wt.path().to_path_buf();
        let mut opts = WorktreePruneOptions::new();
        opts.valid(true).locked(true).working_tree(true);
        let _ = wt.prune(Some(&mut opts));
        // The temporary directory around it, when no destructor will run
        // (Ctrl-C exits the process).
        if let Some(parent) = path.parent() {
            let ours = parent
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("wattson-"));
            if ours {
                let _ = std::fs::remove_dir_all(parent);
            }
        }
    }
    if let Ok(mut branch) = repo.find_branch(name, BranchType::Local) {
        let _ = branch.delete();
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A repository with two commits of `file.txt`.
    fn repo_with_history() -> (tempfile::TempDir, Oid, Oid) {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let sig = git2::Signature::now("t", "t@example.com").unwrap();
        let mut parent: Option<Oid> = None;
        let mut ids = Vec::new();
        for text in ["one\n", "two\n"] {
            std::fs::write(dir.path().join("file.txt"), text).unwrap();
            let mut index = repo.index().unwrap();
            index.add_path(Path::new("file.txt")).unwrap();
            index.write().unwrap();
            let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
            let parents: Vec<git2::Commit> = parent
                .iter()
                .map(|p| repo.find_commit(*p).unwrap())
                .collect();
            let refs: Vec<&git2::Commit> = parents.iter().collect();
            let id = repo
                .commit(Some("HEAD"), &sig, &sig, text, &tree, &refs)
                .unwrap();
            parent = Some(id);
            ids.push(id);
        }
        (dir, ids[0], ids[1])
    }

    #[test]
    fn worktrees_check_out_a_commit_and_vanish_on_drop() {
        let (dir, first, second) = repo_with_history();
        // An uncommitted change in the user's tree must survive untouched.
        std::fs::write(dir.path().join("file.txt"), "mine\n").unwrap();
        let wt = Worktree::add(dir.path(), &first.to_string(), "base").unwrap();
        assert_eq!(
            std::fs::read_to_string(wt.path.join("file.txt")).unwrap(),
            "one\n"
        );
        let head = Worktree::add(dir.path(), "HEAD", "head").unwrap();
        assert_eq!(head.commit, second);
        assert_eq!(
            std::fs::read_to_string(head.path.join("file.txt")).unwrap(),
            "two\n"
        );
        let path = wt.path.clone();
        drop(wt);
        drop(head);
        assert!(!path.exists());
        let repo = Repository::open(dir.path()).unwrap();
        assert!(repo.worktrees().unwrap().is_empty());
        assert_eq!(
            repo.branches(None).unwrap().count(),
            1,
            "no temporary branch left"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("file.txt")).unwrap(),
            "mine\n"
        );
        assert_eq!(repo.head().unwrap().target(), Some(second));
    }

    #[test]
    fn a_bad_revision_is_a_clear_error() {
        let (dir, _, _) = repo_with_history();
        let err = Worktree::add(dir.path(), "no-such-rev", "base")
            .err()
            .unwrap();
        assert!(format!("{err:#}").contains("no-such-rev"), "{err:#}");
    }
}
