//! What every job of the App works with: the connection to GitHub, the
//! skills, and the repositories' working copies (one job at a time per
//! repository). `jobs` and `review` are the jobs; both use this and neither
//! uses the other's internals.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};

use anyhow::{Context, Result};
use git2::Repository;

use crate::app::github::Connector;
use crate::config::Config;
use crate::forge::github::api::Api;
use crate::forge::github::{git, GitHubForge, RepoInfo};
use crate::skills::SkillSet;

/// Where a job's repository commands run.
#[derive(Clone, Debug)]
pub enum Runner {
    /// In the repository's own GitHub Actions: the workflow file's name.
    Actions { workflow: String },
    /// Here, each command under bubblewrap (`sandbox.rs`).
    Sandbox,
}

pub struct Worker {
    pub(super) connector: Connector,
    pub(super) runner: Runner,
    pub(super) skills: SkillSet,
    pub(super) checkouts: PathBuf,
    pub(super) runtime: tokio::runtime::Handle,
    /// Repositories with an installation, as far as this process has seen.
    pub(super) watched: Mutex<BTreeSet<String>>,
    /// Repositories whose working copy a job is using: one job at a time.
    busy: Arc<(Mutex<HashSet<String>>, Condvar)>,
}

impl Worker {
    pub fn new(
        connector: Connector,
        state_dir: &Path,
        runtime: tokio::runtime::Handle,
        runner: Runner,
    ) -> Result<Worker> {
        Ok(Worker {
            connector,
            runner,
            skills: SkillSet::builtin().context("loading the built-in skills")?,
            checkouts: state_dir.join("repos"),
            runtime,
            watched: Mutex::new(BTreeSet::new()),
            busy: Arc::default(),
        })
    }

    pub(super) fn api(&self, repo: &str, installation: Option<u64>) -> Result<Arc<Api>> {
        let defaults = Config::defaults();
        self.runtime
            .block_on(self.connector.api(repo, installation, &defaults.github))
    }

    /// The repository's working copy at `rev` (default: the default
    /// branch's tip), held by this job until the checkout is dropped.
    pub(super) fn checkout(&self, api: &Arc<Api>, rev: Option<&str>) -> Result<Checkout> {
        let repo = api.full_name();
        let lease = Lease::take(&self.busy, &repo);
        let dir = self.checkouts.join(&repo);
        let info = self.runtime.block_on(RepoInfo::fetch(api))?;
        let token = self.runtime.block_on(api.git_token())?;
        let git_repo = git::checkout(
            &git::Remote {
                url: &info.clone_url,
                token: &token,
            },
            &dir,
            rev.unwrap_or(&info.default_branch),
        )?;
        let config = Config::discover(&dir)?;
        Ok(Checkout {
            dir,
            repo: git_repo,
            config,
            info,
            _lease: lease,
        })
    }

    pub(super) fn forge(&self, api: &Arc<Api>, checkout: &Checkout) -> GitHubForge {
        GitHubForge::new(
            api.clone(),
            &checkout.dir,
            &checkout.config.github,
            self.runtime.clone(),
        )
        .with_info(checkout.info.clone())
    }
}

/// A working copy held for one job.
pub struct Checkout {
    pub dir: PathBuf,
    pub repo: Repository,
    pub config: Config,
    /// The default branch and clone URL, as GitHub gave them.
    pub info: RepoInfo,
    _lease: Lease,
}

/// A repository marked busy until dropped.
struct Lease {
    busy: Arc<(Mutex<HashSet<String>>, Condvar)>,
    repo: String,
}

impl Lease {
    fn take(busy: &Arc<(Mutex<HashSet<String>>, Condvar)>, repo: &str) -> Lease {
        let (set, freed) = &**busy;
        let mut set = set.lock().unwrap_or_else(|p| p.into_inner());
        while set.contains(repo) {
            set = freed.wait(set).unwrap_or_else(|p| p.into_inner());
        }
        set.insert(repo.to_string());
        Lease {
            busy: busy.clone(),
            repo: repo.to_string(),
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let (set, freed) = &*self.busy;
        set.lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.repo);
        freed.notify_all();
    }
}
