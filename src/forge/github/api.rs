//! The REST calls wattson makes, over octocrab's transport and decoded with
//! octocrab's own models.
//!
//! Requests go through octocrab's raw methods so that the status and headers
//! stay visible: that is where GitHub's rate limits are read (see
//! [`super::rate`]). octocrab's retry layer is not compiled in, because it
//! re-sends POSTs too and a re-sent POST can open a second pull request. Here
//! only a rate-limit *refusal* is sent again (GitHub did nothing with it),
//! with a bounded wait; every other failure is returned, and the callers make
//! their writes idempotent by looking the item up first.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use http::Method;
use octocrab::models::issues::Comment;
use octocrab::models::pulls::PullRequest;
use octocrab::models::{Label, Repository};
use octocrab::Octocrab;
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::rate;

/// A request GitHub answered with an error.
#[derive(Debug, thiserror::Error)]
#[error("GitHub answered {method} {path} with {status}: {message}")]
pub struct ApiError {
    pub method: Method,
    pub path: String,
    pub status: u16,
    pub message: String,
}

/// How the client proves who it is; git pushes need the same token.
#[derive(Clone)]
pub enum Auth {
    /// A token given as is (`GITHUB_TOKEN` in an Action, a personal token).
    Token(String),
    /// A GitHub App installation: octocrab mints its token from the App's
    /// JWT and caches it until shortly before it expires.
    Installation,
}

/// Which kind of comment a reaction goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommentKind {
    /// A conversation comment (`issue_comment`).
    Issue,
    /// A comment on a line of the diff (`pull_request_review_comment`).
    Review,
}

/// One repository's API.
pub struct Api {
    /// Shared: octocrab's token cache lives in the instance, and a clone
    /// would start with a copy of it and mint its own tokens.
    crab: Arc<Octocrab>,
    auth: Auth,
    pub owner: String,
    pub name: String,
    max_wait: Duration,
    max_attempts: usize,
    /// Epoch second before which no request is sent: the budget is spent.
    held_until: Mutex<u64>,
}

/// How many pages of a listing are read at most (100 items each).
const MAX_PAGES: usize = 50;

impl Api {
    pub fn new(
        crab: Arc<Octocrab>,
        auth: Auth,
        full_name: &str,
        config: &crate::config::GitHubConfig,
    ) -> Result<Api> {
        let (owner, name) = split_full_name(full_name)?;
        Ok(Api {
            crab,
            auth,
            owner: owner.to_string(),
            name: name.to_string(),
            max_wait: Duration::from_secs(config.max_rate_limit_wait),
            max_attempts: config.max_attempts.max(1),
            held_until: Mutex::new(0),
        })
    }

    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    /// The token git authenticates with (`x-access-token:<token>`).
    pub async fn git_token(&self) -> Result<String> {
        match &self.auth {
            Auth::Token(t) => Ok(t.clone()),
            Auth::Installation => Ok(self
                .crab
                .installation_token()
                .await
                .context("getting an installation token for git")?
                .expose_secret()
                .to_string()),
        }
    }

    /// Send one request; rate-limit refusals are waited out and sent again
    /// (GitHub did not act on them), everything else is returned as is.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, String)> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.wait_for_budget(&method, path).await?;
            let response = match method {
                Method::GET => self.crab._get(path).await,
                Method::POST => self.crab._post(path, body).await,
                Method::PATCH => self.crab._patch(path, body).await,
                Method::PUT => self.crab._put(path, body).await,
                Method::DELETE => self.crab._delete(path, body).await,
                _ => anyhow::bail!("wattson does not send {method}"),
            }
            .with_context(|| format!("sending {method} {path} to GitHub"))?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let text = self
                .crab
                .body_to_string(response)
                .await
                .with_context(|| format!("reading GitHub's answer to {method} {path}"))?;
            if let Some(wait) = rate::refusal_wait(status, &headers, &text, rate::now_epoch()) {
                if attempt >= self.max_attempts || wait > self.max_wait {
                    anyhow::bail!(
                        "GitHub rate limit: {method} {path} was refused {attempt} time(s); it asks to wait {} s (github.max_rate_limit_wait is {} s, github.max_attempts {})",
                        wait.as_secs(),
                        self.max_wait.as_secs(),
                        self.max_attempts
                    );
                }
                tracing::warn!(%method, path, wait_s = wait.as_secs(), "rate limited by GitHub; waiting");
                tokio::time::sleep(wait).await;
                continue;
            }
            if let Some(reset) = rate::exhausted_until(&headers) {
                *self.held_until.lock().unwrap_or_else(|p| p.into_inner()) = reset + 1;
            }
            return Ok((status, text));
        }
    }

    /// When an earlier answer said the budget is spent, wait for its reset
    /// (bounded like a refusal) rather than be refused.
    async fn wait_for_budget(&self, method: &Method, path: &str) -> Result<()> {
        let until = *self.held_until.lock().unwrap_or_else(|p| p.into_inner());
        let now = rate::now_epoch();
        if until > now {
            let wait = Duration::from_secs(until - now);
            anyhow::ensure!(
                wait <= self.max_wait,
                "GitHub's rate limit is spent until epoch {until}; not sending {method} {path}"
            );
            tokio::time::sleep(wait).await;
        }
        Ok(())
    }

    /// Send and decode a 2xx answer into `T`; any other status is an
    /// [`ApiError`] with GitHub's message.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<T> {
        let (status, text) = self.send(method.clone(), path, body).await?;
        if !(200..300).contains(&status) {
            let message = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| {
                    let mut m = v.get("message")?.as_str()?.to_string();
                    // Validation failures carry the reason in `errors`.
                    for e in v
                        .get("errors")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        if let Some(more) = e.get("message").and_then(Value::as_str) {
                            m.push_str(&format!(": {more}"));
                        } else if let (Some(f), Some(c)) = (e.get("field"), e.get("code")) {
                            m.push_str(&format!(": {f} {c}"));
                        }
                    }
                    Some(m)
                })
                .unwrap_or_else(|| text.chars().take(200).collect());
            return Err(ApiError {
                method,
                path: path.to_string(),
                status,
                message,
            }
            .into());
        }
        let text = if text.trim().is_empty() {
            "null"
        } else {
            &text
        };
        serde_json::from_str(text).with_context(|| {
            format!(
                "decoding GitHub's answer to {method} {path} as {}",
                std::any::type_name::<T>()
            )
        })
    }

    fn repo_path(&self, rest: &str) -> String {
        format!("/repos/{}/{}{rest}", self.owner, self.name)
    }

    pub async fn repository(&self) -> Result<Repository> {
        self.call(Method::GET, &self.repo_path(""), None).await
    }

    /// Pull requests in `state` ("open", "closed", "all"), newest first,
    /// optionally only those from `head_branch` of this repository.
    pub async fn pulls(&self, state: &str, head_branch: Option<&str>) -> Result<Vec<PullRequest>> {
        let mut query = format!("state={state}&sort=created&direction=desc");
        if let Some(b) = head_branch {
            let head = format!("{}:{b}", self.owner);
            query.push_str(&format!("&head={}", query_escape(&head)));
        }
        self.every_page(&format!("/pulls?{query}")).await
    }

    /// Every item of a listing, 100 a page, up to `MAX_PAGES` pages.
    async fn every_page<T: DeserializeOwned>(&self, rest: &str) -> Result<Vec<T>> {
        let mut all = Vec::new();
        for page in 1..=MAX_PAGES {
            let sep = if rest.contains('?') { '&' } else { '?' };
            let path = self.repo_path(&format!("{rest}{sep}per_page=100&page={page}"));
            let batch: Vec<T> = self.call(Method::GET, &path, None).await?;
            let last = batch.len() < 100;
            all.extend(batch);
            if last {
                break;
            }
        }
        Ok(all)
    }

    pub async fn pull(&self, number: u64) -> Result<PullRequest> {
        self.call(
            Method::GET,
            &self.repo_path(&format!("/pulls/{number}")),
            None,
        )
        .await
    }

    pub async fn create_pull(
        &self,
        title: &str,
        head: &str,
        base: &str,
        body: &str,
    ) -> Result<PullRequest> {
        let req = json!({ "title": title, "head": head, "base": base, "body": body });
        self.call(Method::POST, &self.repo_path("/pulls"), Some(&req))
            .await
    }

    /// Change a pull request's `title`, `body` or `state`.
    pub async fn update_pull(&self, number: u64, changes: &Value) -> Result<PullRequest> {
        self.call(
            Method::PATCH,
            &self.repo_path(&format!("/pulls/{number}")),
            Some(changes),
        )
        .await
    }

    /// Add labels (GitHub creates missing ones; adding twice is harmless).
    pub async fn add_labels(&self, number: u64, labels: &[String]) -> Result<Vec<Label>> {
        let req = json!({ "labels": labels });
        self.call(
            Method::POST,
            &self.repo_path(&format!("/issues/{number}/labels")),
            Some(&req),
        )
        .await
    }

    pub async fn comments(&self, number: u64) -> Result<Vec<Comment>> {
        self.every_page(&format!("/issues/{number}/comments")).await
    }

    pub async fn comment(&self, number: u64, body: &str) -> Result<Comment> {
        let req = json!({ "body": body });
        self.call(
            Method::POST,
            &self.repo_path(&format!("/issues/{number}/comments")),
            Some(&req),
        )
        .await
    }

    /// React to a comment (GitHub answers 200 with the existing reaction
    /// when the same one is added twice, so this is idempotent).
    pub async fn react(&self, kind: CommentKind, comment_id: u64, content: &str) -> Result<()> {
        let path = match kind {
            CommentKind::Issue => {
                self.repo_path(&format!("/issues/comments/{comment_id}/reactions"))
            }
            CommentKind::Review => {
                self.repo_path(&format!("/pulls/comments/{comment_id}/reactions"))
            }
        };
        let _: Value = self
            .call(Method::POST, &path, Some(&json!({ "content": content })))
            .await?;
        Ok(())
    }
}

impl Api {
    /// Report on a commit as the check run `name`: the run already there
    /// for that commit is updated (a job run twice leaves one), else one is
    /// created. `conclusion` is GitHub's: success, neutral, failure…
    pub async fn report_check(
        &self,
        name: &str,
        head_sha: &str,
        conclusion: &str,
        title: &str,
        summary: &str,
    ) -> Result<()> {
        let output = json!({ "title": title, "summary": summary });
        let existing: Value = self
            .call(
                Method::GET,
                &self.repo_path(&format!(
                    "/commits/{head_sha}/check-runs?check_name={}",
                    query_escape(name)
                )),
                None,
            )
            .await?;
        let id = existing["check_runs"]
            .as_array()
            .and_then(|runs| runs.iter().find(|r| r["name"] == name))
            .and_then(|r| r["id"].as_u64());
        let _: Value = match id {
            Some(id) => {
                self.call(
                    Method::PATCH,
                    &self.repo_path(&format!("/check-runs/{id}")),
                    Some(&json!({ "status": "completed", "conclusion": conclusion, "output": output })),
                )
                .await?
            }
            None => {
                self.call(
                    Method::POST,
                    &self.repo_path("/check-runs"),
                    Some(&json!({
                        "name": name,
                        "head_sha": head_sha,
                        "status": "completed",
                        "conclusion": conclusion,
                        "output": output,
                    })),
                )
                .await?
            }
        };
        Ok(())
    }
}

impl Api {
    /// Start the repository's workflow `workflow` (its file name under
    /// `.github/workflows/`) on `git_ref` with `inputs`: GitHub's
    /// `workflow_dispatch`, which needs the App's Actions permission (write).
    pub async fn dispatch_workflow(
        &self,
        workflow: &str,
        git_ref: &str,
        inputs: &Value,
    ) -> Result<()> {
        let _: Value = self
            .call(
                Method::POST,
                &self.repo_path(&format!(
                    "/actions/workflows/{}/dispatches",
                    query_escape(workflow)
                )),
                Some(&json!({ "ref": git_ref, "inputs": inputs })),
            )
            .await
            .with_context(|| {
                format!(
                    "dispatching the workflow {workflow} of {}",
                    self.full_name()
                )
            })?;
        Ok(())
    }
}

/// `owner/name` → (`owner`, `name`), refusing anything else.
pub fn split_full_name(full_name: &str) -> Result<(&str, &str)> {
    let ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    match full_name.split_once('/') {
        Some((o, n)) if ok(o) && ok(n) => Ok((o, n)),
        _ => anyhow::bail!("`{full_name}` is not a repository name of the form owner/name"),
    }
}

/// Percent-encode a query value (RFC 3986 unreserved characters kept).
fn query_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_names_are_checked() {
        assert_eq!(split_full_name("o-1/r.s_x").unwrap(), ("o-1", "r.s_x"));
        for bad in ["o", "o/", "/r", "o/r/x", "o/r?x", "o r/x"] {
            assert!(split_full_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn query_values_are_escaped() {
        assert_eq!(
            query_escape("octo:wattson/cpp-x/ab12"),
            "octo%3Awattson%2Fcpp-x%2Fab12"
        );
    }
}
