//! The GitHub forge: a proposal becomes a pushed branch
//! `wattson/<skill>/<fingerprint>` and a pull request with labels.
//!
//! GitHub itself is the memory, so a server needs no database: a proposal's
//! branch name carries its fingerprint, and the pull requests from that
//! branch (open, merged or closed) say what became of it. An open one is
//! brought up to date instead of opening a second; a closed unmerged one
//! means a reviewer declined it, and it is never proposed again.
//!
//! The same rules as the local forge hold: never the default branch, never
//! over a commit wattson did not make (a human's push onto its branch takes
//! the branch out of wattson's hands).

pub mod api;
pub mod git;
pub mod rate;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use anyhow::{bail, ensure, Context, Result};
use git2::{Oid, Repository};
use octocrab::models::pulls::PullRequest;
use serde_json::json;

use super::local::made_by_wattson;
use super::{Forge, Published};
use crate::config::GitHubConfig;
use crate::proposal::{Proposal, FINGERPRINT_MARKER};
use api::Api;

/// The `skill` of a proposal that changes `.wattson.toml` on a reviewer's
/// request (`@wattson ignore …`).
pub const CONFIG_SKILL: &str = "config";

/// What wattson needs to know about the repository, read once.
#[derive(Clone, Debug)]
pub struct RepoInfo {
    pub default_branch: String,
    pub clone_url: String,
}

impl RepoInfo {
    pub async fn fetch(api: &Api) -> Result<RepoInfo> {
        let repo = api.repository().await?;
        Ok(RepoInfo {
            default_branch: repo
                .default_branch
                .context("GitHub did not say which branch is the default")?,
            clone_url: repo
                .clone_url
                .map(|u| u.to_string())
                .context("GitHub did not give the repository's clone URL")?,
        })
    }
}

pub struct GitHubForge {
    api: Arc<Api>,
    /// The local repository that holds the proposals' commits.
    local: PathBuf,
    config: GitHubConfig,
    runtime: tokio::runtime::Handle,
    info: OnceLock<RepoInfo>,
}

/// Whether a pull request is wattson's: from a `wattson/` branch, with the
/// fingerprint marker in its description.
pub fn is_wattson_pull(pr: &PullRequest) -> bool {
    pr.head.ref_field.starts_with("wattson/")
        && pr
            .body
            .as_deref()
            .is_some_and(|b| b.contains(FINGERPRINT_MARKER))
}

pub fn is_open(pr: &PullRequest) -> bool {
    pr.state == Some(octocrab::models::IssueState::Open)
}

pub fn is_merged(pr: &PullRequest) -> bool {
    pr.merged_at.is_some() || pr.merged == Some(true)
}

/// Why a proposal with these earlier pull requests must not be made again.
pub fn declined_reason(prior: &[PullRequest]) -> Option<String> {
    prior.iter().find_map(|pr| {
        if is_merged(pr) {
            Some(format!("already merged in #{}", pr.number))
        } else if !is_open(pr) {
            Some(format!(
                "declined: #{} was closed without merging, so wattson does not propose it again",
                pr.number
            ))
        } else {
            None
        }
    })
}

impl GitHubForge {
    /// `runtime` runs the API calls; `publish` blocks on it, so it must be
    /// called from outside the runtime (a blocking thread or plain `main`).
    pub fn new(
        api: Arc<Api>,
        local: &Path,
        config: &GitHubConfig,
        runtime: tokio::runtime::Handle,
    ) -> GitHubForge {
        GitHubForge {
            api,
            local: local.to_path_buf(),
            config: config.clone(),
            runtime,
            info: OnceLock::new(),
        }
    }

    pub fn api(&self) -> &Arc<Api> {
        &self.api
    }

    pub async fn info(&self) -> Result<RepoInfo> {
        if let Some(i) = self.info.get() {
            return Ok(i.clone());
        }
        let info = RepoInfo::fetch(&self.api).await?;
        Ok(self.info.get_or_init(|| info).clone())
    }

    /// The same forge, told what the caller already read of the repository.
    pub fn with_info(self, info: RepoInfo) -> GitHubForge {
        let _ = self.info.set(info);
        self
    }

    /// Every pull request, in any state, from `branch` that carries
    /// `fingerprint`.
    pub async fn pulls_for(&self, branch: &str, fingerprint: &str) -> Result<Vec<PullRequest>> {
        let marker = format!("{FINGERPRINT_MARKER}{fingerprint}");
        Ok(self
            .api
            .pulls("all", Some(branch))
            .await?
            .into_iter()
            .filter(|pr| pr.head.ref_field == branch)
            .filter(|pr| pr.body.as_deref().is_some_and(|b| b.contains(&marker)))
            .collect())
    }

    /// Open wattson pull requests on the repository.
    pub async fn open_wattson_pulls(&self) -> Result<Vec<PullRequest>> {
        Ok(self
            .api
            .pulls("open", None)
            .await?
            .into_iter()
            .filter(is_wattson_pull)
            .collect())
    }

    /// Push `commit` to wattson's own `branch`: a new branch, or one whose
    /// tip wattson made. A branch a human pushed to is left alone.
    pub async fn push_own_branch(
        &self,
        repo: &Repository,
        commit: Oid,
        branch: &str,
    ) -> Result<()> {
        let info = self.info().await?;
        ensure!(
            branch != info.default_branch && branch.starts_with("wattson/"),
            "refusing to push `{branch}`: wattson only writes its own `wattson/` branches, never the default branch"
        );
        let token = self.api.git_token().await?;
        let remote = git::Remote {
            url: &info.clone_url,
            token: &token,
        };
        let tip = git::remote_branches(repo, &remote)?
            .into_iter()
            .find(|(b, _)| b == branch)
            .map(|(_, oid)| oid);
        match tip {
            Some(tip) if tip == commit => Ok(()),
            Some(tip) => {
                git::fetch(
                    repo,
                    &remote,
                    &[&format!(
                        "+refs/heads/{branch}:refs/wattson/remote/{branch}"
                    )],
                )?;
                let theirs = repo
                    .find_commit(tip)
                    .with_context(|| format!("reading the tip {tip} of `{branch}`"))?;
                if !made_by_wattson(&theirs) {
                    bail!(
                        "branch `{branch}` has a commit wattson did not make ({tip}); a person has taken it over, so wattson leaves it alone"
                    );
                }
                git::push(repo, &remote, commit, branch, true)
            }
            None => git::push(repo, &remote, commit, branch, false),
        }
    }

    pub async fn publish_async(&self, proposal: &Proposal, commit: Oid) -> Result<Published> {
        let info = self.info().await?;
        let branch = proposal.branch_name();
        let prior = self.pulls_for(&branch, &proposal.fingerprint).await?;
        if let Some(reason) = declined_reason(&prior) {
            bail!("{reason}");
        }
        let open = prior.into_iter().find(is_open);
        // A configuration change a reviewer asked for is not a proposal
        // competing for attention: the cap does not hold it back.
        if open.is_none() && proposal.skill != CONFIG_SKILL {
            let cap = self.config.max_open_pull_requests;
            let count = self.open_wattson_pulls().await?.len();
            if count >= cap {
                bail!(
                    "{count} wattson pull request(s) are open on {} already (github.max_open_pull_requests = {cap}); this one waits",
                    self.api.full_name()
                );
            }
        }
        let repo = Repository::open(&self.local)
            .with_context(|| format!("opening {}", self.local.display()))?;
        self.push_own_branch(&repo, commit, &branch).await?;
        let title = proposal.pr_title();
        let body = proposal.pr_body();
        let updated = open.is_some();
        let pr = match open {
            Some(pr) => {
                self.api
                    .update_pull(pr.number, &json!({ "title": title, "body": body }))
                    .await?
            }
            None => {
                self.create_pull_once(
                    &branch,
                    &info.default_branch,
                    &title,
                    &body,
                    &proposal.fingerprint,
                )
                .await?
            }
        };
        let mut labels = self.config.labels.clone();
        labels.push(proposal.skill.clone());
        let have: Vec<&str> = pr
            .labels
            .iter()
            .flatten()
            .map(|l| l.name.as_str())
            .collect();
        if labels.iter().any(|l| !have.contains(&l.as_str())) {
            // The pull request stands without its labels; a refusal here
            // (a token without `issues: write`) is reported, not fatal.
            if let Err(e) = self.api.add_labels(pr.number, &labels).await {
                tracing::warn!(number = pr.number, "labelling the pull request: {e:#}");
            }
        }
        Ok(Published {
            branch,
            location: pr
                .html_url
                .map(|u| u.to_string())
                .unwrap_or_else(|| format!("#{}", pr.number)),
            updated,
        })
    }

    /// Open a pull request, once: when the answer to the POST is lost, the
    /// request may still have been served, so look before reporting failure.
    pub async fn create_pull_once(
        &self,
        branch: &str,
        base: &str,
        title: &str,
        body: &str,
        fingerprint: &str,
    ) -> Result<PullRequest> {
        match self.api.create_pull(title, branch, base, body).await {
            Ok(pr) => Ok(pr),
            Err(e) => {
                let existing = self
                    .pulls_for(branch, fingerprint)
                    .await
                    .unwrap_or_default();
                existing
                    .into_iter()
                    .find(is_open)
                    .ok_or(e)
                    .context("opening the pull request")
            }
        }
    }
}

impl Forge for GitHubForge {
    fn publish(&self, proposal: &Proposal, commit: Oid) -> Result<Published> {
        self.runtime.block_on(self.publish_async(proposal, commit))
    }

    fn declined(&self, proposal: &Proposal) -> Result<Option<String>> {
        self.runtime.block_on(async {
            let prior = self
                .pulls_for(&proposal.branch_name(), &proposal.fingerprint)
                .await?;
            Ok(declined_reason(&prior))
        })
    }
}
