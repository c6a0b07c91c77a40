//! What the App does with each delivery: the jobs behind the webhook queue.
//!
//! Every job is idempotent, because a delivery can run twice (GitHub
//! redelivers; a job cut off by shutdown runs again): publishing looks the
//! pull request up by fingerprint first, and replies to reviewers carry a
//! marker naming the comment they answer.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use git2::Repository;
use serde_json::Value;

use super::dispatch::Dispatch;
use super::webhook::{self, Incoming};
pub use super::worker::{Checkout, Runner, Worker};
use crate::forge::github::api::Api;
use crate::lang::Lang;
use crate::pipeline::{self, Outcome, ProposeOptions, ProposeReport};
use crate::regress::feed::FeedSource;

/// The event name of a feed posted to `/feed`.
pub const FEED_EVENT: &str = "wattson_feed";

/// One delivery, as received.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub id: String,
    pub event: String,
    pub body: Vec<u8>,
}

impl Worker {
    /// Run one delivery's job; the summary is logged.
    pub fn handle(&self, delivery: &Delivery) -> Result<String> {
        if delivery.event == FEED_EVENT {
            return self.on_feed(&delivery.body);
        }
        if delivery.event == super::schedule::SCHEDULE_EVENT {
            return self.on_schedule(&delivery.body);
        }
        let incoming = webhook::parse(&delivery.event, &delivery.body)
            .with_context(|| format!("reading the {} delivery", delivery.event))?;
        match incoming {
            Incoming::Ping => Ok("pong".into()),
            Incoming::Push {
                to_default: false,
                branch,
                ..
            } => Ok(format!(
                "push to `{branch}`, not the default branch: nothing to do"
            )),
            Incoming::Push {
                repo,
                installation,
                before,
                after,
                changed,
                ..
            } => self.on_push(&repo, installation, &before, &after, &changed),
            Incoming::PullRequestClosed {
                repo,
                number,
                merged,
                head_ref,
                ..
            } => Ok(if !head_ref.starts_with("wattson/") {
                format!("{repo}#{number} closed: not wattson's")
            } else if merged {
                format!("{repo}#{number} merged")
            } else {
                // GitHub keeps the record: the closed pull request is what
                // stops the fingerprint from being proposed again.
                format!("{repo}#{number} closed without merging: its change is declined for good")
            }),
            Incoming::Comment { .. } => super::review::on_comment(self, &incoming),
            Incoming::Installation {
                action,
                installation,
                repos,
            } => Ok(self.on_installation(&action, installation, &repos)),
            Incoming::Ignored { event, action } => Ok(format!(
                "{event}{} is not something wattson acts on",
                action.map(|a| format!(" ({a})")).unwrap_or_default()
            )),
        }
    }

    fn on_push(
        &self,
        repo: &str,
        installation: Option<u64>,
        before: &str,
        after: &str,
        listed: &[String],
    ) -> Result<String> {
        let api = self.api(repo, installation)?;
        let co = self.checkout(&api, Some(after))?;
        if let Some(onboarding) = self.onboarding(&api, &co)? {
            return Ok(onboarding);
        }
        let touched = changed_paths(&co.repo, before, after, listed);
        // The configuration arrived (the onboarding pull request merged, or
        // written by hand): the whole tree is new to wattson.
        let configured_now = touched.iter().any(|p| p == crate::config::REPO_CONFIG);
        let changed: Vec<String> = touched
            .into_iter()
            .filter(|p| Lang::from_path(Path::new(p)).is_some())
            .collect();
        if changed.is_empty() && !configured_now {
            return Ok(format!("push to {repo}: no C++ or Rust file changed"));
        }
        if let Runner::Actions { workflow } = &self.runner {
            let job = Dispatch {
                mode: "propose",
                sha: after,
                feed: None,
                feed_source: None,
            };
            return self.dispatch(&api, &co, installation, workflow, &job);
        }
        if configured_now {
            let report = self.propose_here(&api, &co, None)?;
            return Ok(format!(
                "push to {repo} adding {}: the whole tree: {}",
                crate::config::REPO_CONFIG,
                summarize(&report)
            ));
        }
        let report = self.propose_here(&api, &co, Some(changed.clone()))?;
        Ok(format!(
            "push to {repo} ({} changed source file(s)): {}",
            changed.len(),
            summarize(&report)
        ))
    }

    /// Propose here (`--runner sandbox`: the commands run in the sandbox)
    /// on the checked-out commit, over `only` these files or the whole tree,
    /// and say on the commit what came of it (the App's Checks permission):
    /// proposals, rejections and why, or what stopped it.
    fn propose_here(
        &self,
        api: &Arc<Api>,
        co: &Checkout,
        only: Option<Vec<String>>,
    ) -> Result<ProposeReport> {
        let sha = co.repo.head()?.peel_to_commit()?.id().to_string();
        let profile = co
            .config
            .hotness
            .profile
            .as_ref()
            .map(|p| co.dir.join(p))
            .filter(|p| p.is_file());
        let forge = self.forge(api, co);
        let opts = ProposeOptions {
            skills: &self.skills,
            config: &co.config,
            profile,
            profile_format: None,
            min_percent: None,
            scan: Default::default(),
            only,
        };
        let result = pipeline::propose(&co.dir, &opts, &forge);
        let (conclusion, title, summary) = match &result {
            Ok(report) => {
                let proposed = report
                    .candidates
                    .iter()
                    .filter(|c| matches!(c.outcome, Outcome::Proposed(_)))
                    .count();
                (
                    "neutral",
                    format!(
                        "{proposed} proposal(s) from {} candidate(s)",
                        report.candidates.len()
                    ),
                    check_summary(report),
                )
            }
            Err(e) => (
                "neutral",
                "wattson could not propose on this commit".to_string(),
                format!("```text\n{e:#}\n```\n"),
            ),
        };
        let check = self
            .runtime
            .block_on(api.report_check("wattson", &sha, conclusion, &title, &summary));
        if let Err(e) = check {
            tracing::warn!("reporting on {sha}: {e:#}");
        }
        result
    }

    /// The schedule came round: the whole tree of the default branch.
    fn on_schedule(&self, body: &[u8]) -> Result<String> {
        let v: Value = serde_json::from_slice(body).context("reading a scheduled job")?;
        let repo = v["repository"]["full_name"]
            .as_str()
            .context("the scheduled job names no repository")?;
        let installation = v["installation"]["id"].as_u64();
        let api = self.api(repo, installation)?;
        let co = self.checkout(&api, None)?;
        if let Some(onboarding) = self.onboarding(&api, &co)? {
            return Ok(onboarding);
        }
        let sha = co.repo.head()?.peel_to_commit()?.id().to_string();
        if let Runner::Actions { workflow } = &self.runner {
            let job = Dispatch {
                mode: "propose",
                sha: &sha,
                feed: None,
                feed_source: None,
            };
            return self.dispatch(&api, &co, installation, workflow, &job);
        }
        let report = self.propose_here(&api, &co, None)?;
        Ok(format!("scheduled scan of {repo}: {}", summarize(&report)))
    }

    /// Defense on a posted feed: find the regressions and propose reverts.
    fn on_feed(&self, body: &[u8]) -> Result<String> {
        let v: Value = serde_json::from_slice(body).context("reading a stored feed")?;
        let repo = v["repository"]["full_name"]
            .as_str()
            .context("the feed names no repository")?;
        let installation = v["installation"]["id"].as_u64();
        let format = match v["format"].as_str() {
            Some(f) => Some(
                <crate::regress::feed::FeedFormat as clap::ValueEnum>::from_str(f, true)
                    .map_err(|e| anyhow::anyhow!("feed format `{f}`: {e}"))?,
            ),
            None => None,
        };
        let api = self.api(repo, installation)?;
        let co = self.checkout(&api, None)?;
        // A feed on a branch (`git:gh-pages:dev/bench/data.js`) is read from
        // the checkout, which has every branch of the remote; else the body
        // is the feed.
        let source = match v["source"].as_str() {
            Some(source) => Some(FeedSource::parse(source).map_err(anyhow::Error::msg)?),
            None => None,
        };
        if let Runner::Actions { workflow } = &self.runner {
            let sha = co.repo.head()?.peel_to_commit()?.id().to_string();
            let job = Dispatch {
                mode: "defend",
                sha: &sha,
                feed: v["feed"].as_str().filter(|_| source.is_none()),
                feed_source: v["source"].as_str(),
            };
            return self.dispatch(&api, &co, installation, workflow, &job);
        }
        let posted = tempfile::NamedTempFile::new()?;
        let source = match source {
            Some(source) => source,
            None => {
                std::fs::write(posted.path(), v["feed"].as_str().unwrap_or(""))?;
                FeedSource::File(posted.path().to_path_buf())
            }
        };
        let forge = self.forge(&api, &co);
        let report = pipeline::propose_defense(&co.dir, &source, format, &co.config, &forge)?;
        Ok(format!("feed for {repo}: {}", summarize(&report)))
    }

    fn on_installation(&self, action: &str, installation: Option<u64>, repos: &[String]) -> String {
        match action {
            "created" | "added" | "unsuspend" | "new_permissions_accepted" => {
                self.watched
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .extend(repos.iter().cloned());
                // Newly installed: each repository without a configuration
                // gets its onboarding pull request now, not at the schedule.
                let mut said = vec![format!("watching {}", repos.join(", "))];
                for repo in repos {
                    let onboarded = self.api(repo, installation).and_then(|api| {
                        let co = self.checkout(&api, None)?;
                        self.onboarding(&api, &co)
                    });
                    match onboarded {
                        Ok(Some(what)) => said.push(what),
                        Ok(None) => said.push(format!("{repo} is configured")),
                        Err(e) => said.push(format!("{repo}: onboarding failed: {e:#}")),
                    }
                }
                said.join("; ")
            }
            "deleted" | "removed" | "suspend" => {
                let mut watched = self.watched.lock().unwrap_or_else(|p| p.into_inner());
                for r in repos {
                    watched.remove(r);
                    // Stop watching: drop the working copy.
                    let _ = std::fs::remove_dir_all(self.checkouts.join(r));
                }
                format!("stopped watching {}", repos.join(", "))
            }
            other => format!("installation {other}: nothing to do"),
        }
    }
}

/// Paths added or modified between `before` and `after` (a push), from git
/// when both commits are known, else as the payload lists them.
fn changed_paths(repo: &Repository, before: &str, after: &str, listed: &[String]) -> Vec<String> {
    let mut out: Vec<String> = listed.to_vec();
    let diffed = (|| -> Result<Vec<String>> {
        let a = repo.find_commit(git2::Oid::from_str(before)?)?.tree()?;
        let b = repo.find_commit(git2::Oid::from_str(after)?)?.tree()?;
        let diff = repo.diff_tree_to_tree(Some(&a), Some(&b), None)?;
        Ok(diff
            .deltas()
            .filter(|d| d.status() != git2::Delta::Deleted)
            .filter_map(|d| {
                d.new_file()
                    .path()
                    .map(|p| p.to_string_lossy().replace('\\', "/"))
            })
            .collect())
    })();
    if let Ok(paths) = diffed {
        for p in paths {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

/// A check run's summary: one line per candidate, in markdown.
fn check_summary(report: &ProposeReport) -> String {
    let mut out = String::new();
    for c in &report.candidates {
        let p = &c.proposal;
        match &c.outcome {
            Outcome::Proposed(published) => out.push_str(&format!(
                "- **proposed** `{}` in `{}`: {}\n",
                p.skill, p.path, published.location
            )),
            Outcome::Rejected { rung, reason } => out.push_str(&format!(
                "- not proposed `{}` in `{}` ({} rung): {reason}\n",
                p.skill,
                p.path,
                serde_json::to_value(rung)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            )),
        }
    }
    if report.candidates.is_empty() {
        out.push_str("No rewrite applies to the changed files.\n");
    }
    if report.not_measured > 0 {
        out.push_str(&format!(
            "\n{} more candidate(s) wait for the next push (propose.max_proposals).\n",
            report.not_measured
        ));
    }
    out
}

/// `2 proposed (url, url), 1 rejected`.
fn summarize(report: &ProposeReport) -> String {
    let mut proposed = Vec::new();
    let mut rejected = Vec::new();
    for c in &report.candidates {
        match &c.outcome {
            Outcome::Proposed(p) => proposed.push(p.location.clone()),
            Outcome::Rejected { reason, .. } => rejected.push(format!(
                "{} in {}: {reason}",
                c.proposal.skill, c.proposal.path
            )),
        }
    }
    format!(
        "{} proposed ({}), {} rejected ({})",
        proposed.len(),
        proposed.join(", "),
        rejected.len(),
        rejected.join("; ")
    )
}
