//! Zero-config onboarding, as Renovate does it: a repository that installs
//! the App with no `.wattson.toml` gets one pull request, "Configure
//! wattson", adding a `.wattson.toml` inferred from its build files
//! (`crate::infer`, every line explained) and the workflow the App
//! dispatches (`github/wattson-workflow.yml`). Until it is merged nothing
//! else is proposed; if it is closed unmerged, wattson stays quiet until a
//! `.wattson.toml` appears by other means. GitHub is the memory: the pull
//! request's branch and state say where a repository stands, so any
//! instance, restarted or not, reads the same.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use git2::{build::TreeUpdateBuilder, FileMode, Oid, Signature};

use super::dispatch::WORKFLOW;
use super::worker::{Checkout, Worker};
use crate::config::REPO_CONFIG;
use crate::forge::github::api::Api;
use crate::forge::github::{is_merged, is_open};
use crate::infer::{infer, Inferred};
use crate::ops::init::WORKFLOW_PATH;
use crate::proposal::{BOT_EMAIL, BOT_NAME, FINGERPRINT_MARKER};

/// The onboarding pull request's branch: one per repository, ever.
pub const BRANCH: &str = "wattson/configure";
pub const TITLE: &str = "Configure wattson";

impl Worker {
    /// `None` when the repository is configured and the job goes on;
    /// otherwise what onboarding did or why the job stops here.
    pub(super) fn onboarding(&self, api: &Arc<Api>, co: &Checkout) -> Result<Option<String>> {
        if co.dir.join(REPO_CONFIG).is_file() {
            return Ok(None);
        }
        let repo = api.full_name();
        let prior = self.runtime.block_on(api.pulls("all", Some(BRANCH)))?;
        let prior: Vec<_> = prior
            .into_iter()
            .filter(|p| p.head.ref_field == BRANCH)
            .collect();
        if let Some(open) = prior.iter().find(|p| is_open(p)) {
            return Ok(Some(format!(
                "{repo} has no {REPO_CONFIG} yet: the onboarding pull request #{} waits to be merged; nothing else is proposed until then",
                open.number
            )));
        }
        if let Some(closed) = prior.first() {
            let how = if is_merged(closed) {
                "merged, then the file was removed"
            } else {
                "closed without merging"
            };
            return Ok(Some(format!(
                "{repo}: the onboarding pull request #{} was {how}; wattson stays quiet until a {REPO_CONFIG} appears",
                closed.number
            )));
        }
        let Some(inferred) = infer(&co.dir) else {
            return Ok(Some(format!(
                "{repo} has no {REPO_CONFIG} and no build file wattson knows (Cargo.toml, CMakeLists.txt, meson.build, Makefile): nothing to propose"
            )));
        };
        let base = co.repo.head()?.peel_to_commit()?.id();
        let commit = onboarding_commit(&co.repo, base, &inferred)?;
        let forge = self.forge(api, co);
        let pr = self.runtime.block_on(async {
            forge.push_own_branch(&co.repo, commit, BRANCH).await?;
            forge
                .create_pull_once(
                    BRANCH,
                    &co.info.default_branch,
                    TITLE,
                    &body(&inferred),
                    "configure",
                )
                .await
        })?;
        if let Err(e) = self
            .runtime
            .block_on(api.add_labels(pr.number, &["wattson".to_string()]))
        {
            tracing::warn!("labelling the onboarding pull request: {e:#}");
        }
        let url = pr
            .html_url
            .map(|u| u.to_string())
            .unwrap_or_else(|| format!("#{}", pr.number));
        Ok(Some(format!(
            "{repo} has no {REPO_CONFIG}: opened the onboarding pull request {url} ({} project)",
            inferred.build_system
        )))
    }
}

/// The default branch's tip plus `.wattson.toml` and the workflow file, as
/// a commit of wattson's (its marker lets wattson update its own branch).
fn onboarding_commit(repo: &git2::Repository, base: Oid, inferred: &Inferred) -> Result<Oid> {
    let base = repo.find_commit(base)?;
    let mut update = TreeUpdateBuilder::new();
    update.upsert(
        REPO_CONFIG,
        repo.blob(inferred.config.as_bytes())?,
        FileMode::Blob,
    );
    let has_workflow = base.tree()?.get_path(Path::new(WORKFLOW_PATH)).is_ok();
    if !has_workflow {
        update.upsert(
            WORKFLOW_PATH,
            repo.blob(WORKFLOW.as_bytes())?,
            FileMode::Blob,
        );
    }
    let tree = repo.find_tree(update.create_updated(repo, &base.tree()?)?)?;
    let sig = Signature::now(BOT_NAME, BOT_EMAIL)?;
    let message = format!(
        "{TITLE}\n\nAdd {REPO_CONFIG}, inferred from the {} build files, and the workflow the wattson App starts.\n\n{FINGERPRINT_MARKER}configure\n",
        inferred.build_system
    );
    repo.commit(None, &sig, &sig, &message, &tree, &[&base])
        .context("making the onboarding commit")
}

/// The onboarding pull request's description.
fn body(inferred: &Inferred) -> String {
    format!(
        "wattson looks for performance work in this repository's C++ and Rust code \
         and proposes each rewrite as a pull request, with evidence: the change is built, \
         the tests pass, and a benchmark measured the base and the change side by side.\n\n\
         To measure, it needs to know how to build, test and benchmark this project. \
         This pull request adds what it inferred from the {system} build files. \
         Read it, change what does not fit, and merge it; **nothing else is proposed until then**. \
         If you close it without merging, wattson stays quiet here until a `{REPO_CONFIG}` \
         appears.\n\n\
         ### `{REPO_CONFIG}`\n\n```toml\n{config}```\n\n{measure}\
         ### `{WORKFLOW_PATH}`\n\n\
         The App never runs this repository's commands on its own server, which holds its \
         private key. It starts this workflow (`workflow_dispatch`) on your runners instead, \
         with a token it mints for this repository alone, valid for an hour, allowed to push \
         `wattson/` branches and open pull requests, issues comments and check runs \
         (contents, pull requests, issues, checks: write), and nothing else.\n",
        system = inferred.build_system,
        config = inferred.config,
        measure = if inferred.measures {
            ""
        } else {
            "No benchmark was found: set `bench` before merging, or nothing can be measured.\n\n"
        },
    )
}
