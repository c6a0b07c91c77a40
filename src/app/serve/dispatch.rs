//! `--runner actions` (the default): a job that would run the repository's
//! commands goes to the repository's own GitHub Actions instead. The App
//! mints a token for that one repository with only the permissions a
//! proposal needs and starts the workflow onboarding added
//! (`github/wattson-workflow.yml`) with `workflow_dispatch`; the workflow
//! runs the wattson Action on the repository's runners, which opens the pull
//! requests with that token. The server builds, tests and measures nothing.

use std::sync::Arc;

use anyhow::Result;
use serde_json::json;

use super::worker::{Checkout, Worker};
use crate::forge::github::api::Api;

/// The workflow file onboarding adds, as data.
pub const WORKFLOW: &str = include_str!("../../../github/wattson-workflow.yml");

/// What a dispatched job may do on its repository, and nothing more: push
/// its `wattson/` branches, open pull requests, label and comment, report a
/// check run. (No Actions, no administration, no workflows.)
pub fn permissions() -> serde_json::Value {
    json!({
        "contents": "write",
        "pull_requests": "write",
        "issues": "write",
        "checks": "write",
        "metadata": "read",
    })
}

/// What to ask of the workflow.
pub struct Dispatch<'a> {
    pub mode: &'a str,
    pub sha: &'a str,
    pub feed: Option<&'a str>,
    /// A feed kept on a branch (`git:<branch>:<path>`), which the Action
    /// reads itself.
    pub feed_source: Option<&'a str>,
}

impl Worker {
    /// Start the repository's wattson workflow for `job`, with a token for
    /// this repository alone; the summary says what was asked.
    pub(super) fn dispatch(
        &self,
        api: &Arc<Api>,
        co: &Checkout,
        installation: Option<u64>,
        workflow: &str,
        job: &Dispatch,
    ) -> Result<String> {
        let repo = api.full_name();
        let file = format!(".github/workflows/{workflow}");
        if !co.dir.join(&file).is_file() {
            return Ok(format!(
                "{repo} has no `{file}`: nothing dispatched (wattson's onboarding pull request adds it; or run the server with --runner sandbox)"
            ));
        }
        let scoped = self.runtime.block_on(self.connector.scoped_token(
            &repo,
            installation,
            &permissions(),
        ))?;
        let mut inputs = json!({
            "mode": job.mode,
            "sha": job.sha,
            // With --token there is nothing to mint: the workflow's own
            // GITHUB_TOKEN opens the pull requests.
            "token": scoped.as_ref().map(|s| s.token.as_str()).unwrap_or(""),
            "feed": job.feed.unwrap_or(""),
        });
        // Only when there is one: GitHub refuses inputs a workflow does not
        // declare, and workflows onboarded before `feed_source` existed do
        // not.
        if let Some(source) = job.feed_source {
            inputs["feed_source"] = json!(source);
        }
        self.runtime
            .block_on(api.dispatch_workflow(workflow, &co.info.default_branch, &inputs))?;
        Ok(format!(
            "dispatched `{}` on {} to {repo}'s own Actions ({file}){}",
            job.mode,
            &job.sha[..job.sha.len().min(12)],
            match &scoped {
                Some(s) => format!(
                    ", with a token for {repo} alone (contents, pull requests, issues, checks; expires {})",
                    s.expires_at.as_deref().unwrap_or("within the hour")
                ),
                None => ", with the workflow's own token".to_string(),
            }
        ))
    }
}
