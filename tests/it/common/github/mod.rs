//! A stateful fake GitHub for integration tests.
//!
//! [`FakeGitHub::start`] runs one HTTP server on `127.0.0.1:0`, on a thread of
//! its own with its own tokio runtime, so sync tests (that run the `wattson`
//! binary or call sync library code) can use it without a runtime of theirs.
//! The server plays both halves of github.com that a bot talks to:
//!
//! * **REST** (`/app/...`, `/repos/...`), with the paths, status codes, error
//!   bodies and JSON shapes GitHub uses, complete enough for octocrab's typed
//!   models (`PullRequest`, `Repository`, `issues::Comment`, `Label`,
//!   `InstallationToken`, `reactions::Reaction`) to decode them: the
//!   installation-token exchange (an RS256 App JWT checked against the App's
//!   public key; a token minted for some `repositories` with some
//!   `permissions` reaches only those, with only those), the App's
//!   installations and an installation's repositories, repositories, pull
//!   requests (list with filters and `Link` pagination, get, create with
//!   GitHub's 422 validation errors, update), issue labels, issue comments,
//!   comment reactions, check runs and workflow dispatches (checked against
//!   the workflow file's `workflow_dispatch` inputs). Every response carries
//!   GitHub's `x-ratelimit-*` headers, and [`FakeGitHub::rate_limit_next`]
//!   makes chosen requests fail with a primary or secondary rate limit.
//! * **git smart HTTP** at `/git/{owner}/{name}.git/...`, served by the
//!   system's `git http-backend` (CGI) from a bare repository the test made, with
//!   Basic authentication as `x-access-token:<token>`, as for an App token.
//!
//! Both halves share one state, so a push over HTTP moves the head of an open
//! pull request, and creating a pull request checks the branch exists in the
//! bare repository. Tests drive the "human" side with [`FakeGitHub::close_pull`]
//! and [`FakeGitHub::add_comment`], and inspect what the bot did with
//! [`FakeGitHub::pulls`], [`FakeGitHub::comments`], [`FakeGitHub::reactions`],
//! [`FakeGitHub::check_runs`], [`FakeGitHub::dispatches`],
//! [`FakeGitHub::token_scope`] and [`FakeGitHub::requests`].
//!
//! `state.rs` holds the state and the JSON of each thing, `server.rs` the
//! routing, replies, the App's JWT and tokens, `repos.rs` everything under
//! `/repos/{owner}/{name}`, `git.rs` the git half.
//!
//! Not modelled: forks (a pull request's head is a branch of the same
//! repository), issues that are not pull requests, review comments (reactions to
//! `pulls/comments/{id}` are accepted for any id and recorded), merging through
//! the API, and the permissions of tokens the test adds itself
//! ([`FakeGitHub::add_token`]: they may do everything).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::IntoFuture;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State as AxumState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

mod git;
mod repos;
mod server;
mod state;

use repos::*;
use server::*;
use state::*;

/// The login of the App's bot user, the author of everything created through REST.
pub const BOT_LOGIN: &str = "wattson[bot]";
/// `x-ratelimit-limit` of every response.
const RATE_LIMIT: u64 = 5000;
const DOCS: &str = "https://docs.github.com/rest";
const REACTIONS: [&str; 8] = [
    "+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes",
];

/// The `*_url` fields of a repository: the name and what follows its API URL.
const REPO_URL_TEMPLATES: &[(&str, &str)] = &[
    ("archive_url", "/{archive_format}{/ref}"),
    ("assignees_url", "/assignees{/user}"),
    ("blobs_url", "/git/blobs{/sha}"),
    ("branches_url", "/branches{/branch}"),
    ("collaborators_url", "/collaborators{/collaborator}"),
    ("comments_url", "/comments{/number}"),
    ("commits_url", "/commits{/sha}"),
    ("compare_url", "/compare/{base}...{head}"),
    ("contents_url", "/contents/{+path}"),
    ("contributors_url", "/contributors"),
    ("deployments_url", "/deployments"),
    ("downloads_url", "/downloads"),
    ("events_url", "/events"),
    ("forks_url", "/forks"),
    ("git_commits_url", "/git/commits{/sha}"),
    ("git_refs_url", "/git/refs{/sha}"),
    ("git_tags_url", "/git/tags{/sha}"),
    ("issue_comment_url", "/issues/comments{/number}"),
    ("issue_events_url", "/issues/events{/number}"),
    ("issues_url", "/issues{/number}"),
    ("keys_url", "/keys{/key_id}"),
    ("labels_url", "/labels{/name}"),
    ("languages_url", "/languages"),
    ("merges_url", "/merges"),
    ("milestones_url", "/milestones{/number}"),
    (
        "notifications_url",
        "/notifications{?since,all,participating}",
    ),
    ("pulls_url", "/pulls{/number}"),
    ("releases_url", "/releases{/id}"),
    ("stargazers_url", "/stargazers"),
    ("statuses_url", "/statuses/{sha}"),
    ("subscribers_url", "/subscribers"),
    ("subscription_url", "/subscription"),
    ("tags_url", "/tags"),
    ("teams_url", "/teams"),
    ("trees_url", "/git/trees{/sha}"),
];

type Shared = Arc<Mutex<State>>;

/// A running fake GitHub; the server stops when this is dropped.
pub struct FakeGitHub {
    /// `http://127.0.0.1:PORT`, without a trailing slash: the REST base URI.
    pub url: String,
    state: Shared,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// `GIT_PROJECT_ROOT`: holds `<owner>/<name>.git` symlinks to the bare repositories.
    _git_root: tempfile::TempDir,
}

impl FakeGitHub {
    /// Start the server on a free port of 127.0.0.1; it is ready when this returns.
    pub fn start() -> FakeGitHub {
        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").expect("fake GitHub: bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("fake GitHub: set the listener non-blocking");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let git_root = tempfile::tempdir().expect("fake GitHub: a temporary GIT_PROJECT_ROOT");
        let state = Arc::new(Mutex::new(State::new(&url, git_root.path())));
        let app = Router::new().fallback(dispatch).with_state(state.clone());
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("fake-github".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("fake GitHub: a tokio runtime");
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener)
                        .expect("fake GitHub: register the listener with tokio");
                    tokio::select! {
                        served = axum::serve(listener, app).into_future() => {
                            served.expect("fake GitHub: the server failed");
                        }
                        _ = stop => {}
                    }
                });
                runtime.shutdown_timeout(Duration::from_secs(1));
            })
            .expect("fake GitHub: spawn the server thread");
        FakeGitHub {
            url,
            state,
            shutdown: Some(shutdown),
            thread: Some(thread),
            _git_root: git_root,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Register repository `owner/name`, served from the bare repository at
    /// `bare` (created by the test, e.g. with `git2::Repository::init_bare`).
    /// Returns its clone URL, `{url}/git/owner/name.git`.
    pub fn add_repo(&self, full_name: &str, bare: &Path, default_branch: &str) -> String {
        let (owner, name) = full_name
            .split_once('/')
            .filter(|(o, n)| !o.is_empty() && !n.is_empty() && !n.contains('/'))
            .unwrap_or_else(|| panic!("add_repo: {full_name:?} is not \"owner/name\""));
        let bare = bare
            .canonicalize()
            .unwrap_or_else(|e| panic!("add_repo: bare repository {}: {e}", bare.display()));
        let mut state = self.lock();
        let link_dir = state.git_root.join(owner);
        std::fs::create_dir_all(&link_dir).expect("add_repo: create the owner directory");
        let link = link_dir.join(format!("{name}.git"));
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&bare, &link).unwrap_or_else(|e| {
            panic!(
                "add_repo: symlink {} -> {}: {e}",
                link.display(),
                bare.display()
            )
        });
        let id = state.next_id();
        state.repos.insert(
            full_name.to_ascii_lowercase(),
            Repo {
                id,
                owner: owner.to_owned(),
                name: name.to_owned(),
                bare,
                default_branch: default_branch.to_owned(),
                created_at: now(),
                next_number: 1,
                pulls: BTreeMap::new(),
                comments: Vec::new(),
                labels: Vec::new(),
            },
        );
        state.clone_url(owner, name)
    }

    /// Accept `token` for REST (`Authorization: Bearer T` or `token T`) and for
    /// git (Basic `x-access-token:T`). Minted installation tokens are accepted
    /// without this.
    pub fn add_token(&self, token: &str) {
        self.lock().tokens.insert(token.to_owned());
    }

    /// Register the App's installation `installation_id`: its access-token
    /// endpoint accepts RS256 JWTs that verify against `public_pem` and whose
    /// `iss` is `app_id` (as a number or a string).
    pub fn add_installation(&self, installation_id: u64, app_id: u64, public_pem: &str) {
        octocrab::jsonwebtoken::DecodingKey::from_rsa_pem(public_pem.as_bytes())
            .unwrap_or_else(|e| panic!("add_installation: not an RSA public key in PEM: {e}"));
        self.lock().installations.insert(
            installation_id,
            Installation {
                app_id,
                public_pem: public_pem.to_owned(),
            },
        );
    }

    /// The pull requests of `full_name` as `GET /pulls/{n}` serves them, in
    /// ascending number order (closed ones included).
    pub fn pulls(&self, full_name: &str) -> Vec<Value> {
        let mut state = self.lock();
        let key = state.repo_key(full_name);
        let numbers: Vec<u64> = state.repos[&key].pulls.keys().copied().collect();
        numbers
            .into_iter()
            .map(|n| state.pull_json(&key, n, true))
            .collect()
    }

    /// The comments on issue (pull request) `number` of `full_name`, oldest first.
    pub fn comments(&self, full_name: &str, number: u64) -> Vec<Value> {
        let state = self.lock();
        let key = state.repo_key(full_name);
        let repo = &state.repos[&key];
        repo.comments
            .iter()
            .filter(|c| c.issue == number)
            .map(|c| state.comment_json(repo, c))
            .collect()
    }

    /// Every check run on `full_name`, as GitHub would serve it.
    pub fn check_runs(&self, full_name: &str) -> Vec<Value> {
        let state = self.lock();
        state
            .check_runs
            .iter()
            .filter(|c| c["repository"] == full_name)
            .cloned()
            .collect()
    }

    /// Every reaction created, oldest first: the reaction as served plus
    /// `repository` ("owner/name"), `comment_id` and `subject`
    /// (`"issue_comment"` or `"pull_request_review_comment"`).
    pub fn reactions(&self) -> Vec<Value> {
        let state = self.lock();
        state
            .reactions
            .iter()
            .map(|r| {
                let mut v = state.reaction_json(r);
                v["repository"] = json!(r.repository);
                v["comment_id"] = json!(r.comment_id);
                v["subject"] = json!(r.subject);
                v
            })
            .collect()
    }

    /// Close pull request `number` as a human would, merging it or not.
    pub fn close_pull(&self, full_name: &str, number: u64, merged: bool) {
        let mut state = self.lock();
        let key = state.repo_key(full_name);
        let repo = state.repos.get_mut(&key).unwrap();
        let bare = repo.bare.clone();
        let pull = repo
            .pulls
            .get_mut(&number)
            .unwrap_or_else(|| panic!("close_pull: {full_name} has no pull request #{number}"));
        pull.refresh(&bare);
        let t = now();
        pull.open = false;
        pull.closed_at = Some(t);
        pull.updated_at = t;
        if merged {
            pull.merged_at = Some(t);
        }
    }

    /// Add a comment to issue (pull request) `number` as user `login`, with
    /// `association` (`"OWNER"`, `"MEMBER"`, `"NONE"`, ...) and `user_type`
    /// (`"User"` or `"Bot"`). Returns the comment as served (it has `id`).
    pub fn add_comment(
        &self,
        full_name: &str,
        number: u64,
        login: &str,
        association: &str,
        user_type: &str,
        body: &str,
    ) -> Value {
        let mut state = self.lock();
        let key = state.repo_key(full_name);
        assert!(
            state.repos[&key].pulls.contains_key(&number),
            "add_comment: {full_name} has no pull request #{number}"
        );
        state.create_comment(&key, number, login, user_type, association, body)
    }

    /// Every workflow dispatch accepted, oldest first: `repository`,
    /// `workflow`, `ref`, `inputs` and the `token` it was sent with.
    pub fn dispatches(&self) -> Vec<Value> {
        self.lock().dispatches.clone()
    }

    /// What a minted token may do: `installation`, `repositories` (names,
    /// or null for all) and `permissions`; null for a token not minted.
    pub fn token_scope(&self, token: &str) -> Value {
        match self.lock().scopes.get(token) {
            Some(s) => json!({
                "installation": s.installation,
                "repositories": s.repositories,
                "permissions": s.permissions,
            }),
            None => Value::Null,
        }
    }

    /// Every request served, oldest first: (method, path with query, status).
    pub fn requests(&self) -> Vec<(String, String, u16)> {
        self.lock().requests.clone()
    }

    /// Refuse the next `n` requests whose method is `method` and whose path
    /// (with query) starts with `path_prefix`, as rate limited: a primary limit
    /// (403, `x-ratelimit-remaining: 0`, reset in 1 s) or, with `secondary`, a
    /// secondary one (403, `retry-after: 1`). Refused requests change nothing.
    pub fn rate_limit_next(&self, method: &str, path_prefix: &str, n: usize, secondary: bool) {
        self.lock().rate_limits.push(RateLimitRule {
            method: method.to_ascii_uppercase(),
            prefix: path_prefix.to_owned(),
            remaining: n,
            secondary,
        });
    }
}

impl Drop for FakeGitHub {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

// ---------------------------------------------------------------------------
// Small helpers

/// The commit `refs/heads/<branch>` points to in the bare repository.
fn branch_sha(bare: &Path, branch: &str) -> Option<String> {
    let repo = git2::Repository::open_bare(bare).ok()?;
    let reference = repo.find_reference(&format!("refs/heads/{branch}")).ok()?;
    let commit = reference.peel_to_commit().ok()?;
    Some(commit.id().to_string())
}

/// Whether `head` has a commit that `base` does not (GitHub's "No commits between").
fn has_commits_beyond(bare: &Path, head: &str, base: &str) -> bool {
    if head == base {
        return false;
    }
    let ids = (git2::Oid::from_str(head), git2::Oid::from_str(base));
    let (Ok(repo), (Ok(head), Ok(base))) = (git2::Repository::open_bare(bare), ids) else {
        return true;
    };
    !repo.graph_descendant_of(base, head).unwrap_or(false)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs()
}

/// `secs` since the epoch as GitHub writes times: `2024-05-01T12:00:00Z`.
fn rfc3339(secs: u64) -> String {
    let secs = i64::try_from(secs).expect("a time before the year 292 billion");
    chrono::DateTime::from_timestamp(secs, 0)
        .expect("a time chrono can represent")
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Standard base64 (an `Authorization: Basic` value); `None` if it is not.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

/// `n` random letters and digits (the tail of a `ghs_` token).
fn random_alnum(n: usize) -> String {
    use std::hash::{BuildHasher, Hasher};
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(n);
    while out.len() < n {
        // Each RandomState is seeded afresh by the standard library.
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_usize(out.len());
        let mut bits = hasher.finish();
        for _ in 0..8 {
            out.push(ALPHABET[(bits % ALPHABET.len() as u64) as usize] as char);
            bits /= ALPHABET.len() as u64;
        }
    }
    out.truncate(n);
    out
}

/// Percent-encode everything but RFC 3986's unreserved characters.
/// Every byte but RFC 3986's unreserved characters, percent-encoded.
const NOT_UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn pct_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, NOT_UNRESERVED).to_string()
}

fn pct_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// `a=1&b=x%20y` -> [("a", "1"), ("b", "x y")] (`+` is a space, as in forms).
fn query_pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}
