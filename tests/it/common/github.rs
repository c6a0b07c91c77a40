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
//!   public key), repositories, pull requests (list with filters and `Link`
//!   pagination, get, create with GitHub's 422 validation errors, update),
//!   issue labels, issue comments and comment reactions. Every response carries
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
//! [`FakeGitHub::pulls`], [`FakeGitHub::comments`], [`FakeGitHub::reactions`]
//! and [`FakeGitHub::requests`].
//!
//! Not modelled: forks (a pull request's head is a branch of the same
//! repository), issues that are not pull requests, review comments (reactions to
//! `pulls/comments/{id}` are accepted for any id and recorded), merging through
//! the API, and permissions (every accepted token may do everything).

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

    /// Every reaction created, oldest first: the reaction as served plus
    /// `repository` ("owner/name"), `comment_id` and `subject`
    /// (`"issue_comment"` or `"pull_request_review_comment"`).
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
// State

struct State {
    url: String,
    git_root: PathBuf,
    /// By lower-cased "owner/name" (GitHub's names are case-insensitive).
    repos: BTreeMap<String, Repo>,
    tokens: HashSet<String>,
    /// What a minted token may do: its installation, repositories
    /// (`None`: all) and permissions.
    scopes: HashMap<String, Scope>,
    /// Workflow dispatches: `repository`, `workflow`, `ref`, `inputs`, `token`.
    dispatches: Vec<Value>,
    /// The token of the REST request being served.
    current_token: Option<String>,
    installations: HashMap<u64, Installation>,
    reactions: Vec<ReactionRecord>,
    /// Check runs as created and updated (with `repository`).
    check_runs: Vec<Value>,
    requests: Vec<(String, String, u16)>,
    rate_limits: Vec<RateLimitRule>,
    /// One counter for every id (repositories, pull requests, comments, labels, reactions).
    last_id: u64,
    /// REST requests served, for `x-ratelimit-used`.
    rest_used: u64,
    /// `x-ratelimit-reset`: an hour after the start.
    reset_at: u64,
}

struct Repo {
    id: u64,
    owner: String,
    name: String,
    bare: PathBuf,
    default_branch: String,
    created_at: u64,
    /// Pull requests and issues share the numbers.
    next_number: u64,
    pulls: BTreeMap<u64, Pull>,
    comments: Vec<Comment>,
    /// The repository's labels, created on first use.
    labels: Vec<LabelDef>,
}

struct Pull {
    id: u64,
    number: u64,
    title: String,
    body: Option<String>,
    head_ref: String,
    base_ref: String,
    head_sha: String,
    base_sha: String,
    open: bool,
    draft: bool,
    labels: Vec<String>,
    created_at: u64,
    updated_at: u64,
    closed_at: Option<u64>,
    merged_at: Option<u64>,
}

impl Pull {
    /// Follow the branches in the bare repository while the pull request is
    /// open (GitHub freezes the head of a closed one).
    fn refresh(&mut self, bare: &Path) {
        if !self.open {
            return;
        }
        if let Some(sha) = branch_sha(bare, &self.head_ref) {
            self.head_sha = sha;
        }
        if let Some(sha) = branch_sha(bare, &self.base_ref) {
            self.base_sha = sha;
        }
    }
}

struct Comment {
    id: u64,
    issue: u64,
    login: String,
    user_type: String,
    association: String,
    body: String,
    created_at: u64,
    updated_at: u64,
}

struct LabelDef {
    id: u64,
    name: String,
    color: String,
}

struct Installation {
    app_id: u64,
    public_pem: String,
}

/// A minted installation token's reach.
#[derive(Clone)]
struct Scope {
    installation: u64,
    /// Lower-cased repository names; `None` for every repository.
    repositories: Option<Vec<String>>,
    /// `{"contents": "write", …}`
    permissions: Value,
}

/// What an installation may be granted (the test App's permissions).
const INSTALLATION_PERMISSIONS: &[(&str, &str)] = &[
    ("actions", "write"),
    ("checks", "write"),
    ("contents", "write"),
    ("issues", "write"),
    ("metadata", "read"),
    ("pull_requests", "write"),
    ("workflows", "write"),
];

struct ReactionRecord {
    id: u64,
    repository: String,
    comment_id: u64,
    subject: &'static str,
    login: String,
    content: String,
    created_at: u64,
}

struct RateLimitRule {
    method: String,
    prefix: String,
    remaining: usize,
    secondary: bool,
}

fn lock(state: &Shared) -> MutexGuard<'_, State> {
    // A panicking handler must not take every later request down with it.
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl State {
    fn new(url: &str, git_root: &Path) -> State {
        State {
            url: url.to_owned(),
            git_root: git_root.to_owned(),
            repos: BTreeMap::new(),
            tokens: HashSet::new(),
            scopes: HashMap::new(),
            dispatches: Vec::new(),
            current_token: None,
            installations: HashMap::new(),
            reactions: Vec::new(),
            check_runs: Vec::new(),
            requests: Vec::new(),
            rate_limits: Vec::new(),
            last_id: 1_000,
            rest_used: 0,
            reset_at: now() + 3600,
        }
    }

    fn next_id(&mut self) -> u64 {
        self.last_id += 1;
        self.last_id
    }

    fn clone_url(&self, owner: &str, name: &str) -> String {
        format!("{}/git/{owner}/{name}.git", self.url)
    }

    /// The key of a registered repository; panics (for the sync API) if unknown.
    fn repo_key(&self, full_name: &str) -> String {
        let key = full_name.to_ascii_lowercase();
        assert!(
            self.repos.contains_key(&key),
            "fake GitHub: no repository {full_name:?} (add_repo it first)"
        );
        key
    }

    /// Take one refusal from the first rule matching this request, if any.
    fn take_rate_limit(&mut self, method: &str, path_and_query: &str) -> Option<bool> {
        let rule = self.rate_limits.iter_mut().find(|r| {
            r.remaining > 0 && r.method == method && path_and_query.starts_with(&r.prefix)
        })?;
        rule.remaining -= 1;
        let secondary = rule.secondary;
        self.rate_limits.retain(|r| r.remaining > 0);
        Some(secondary)
    }

    fn create_comment(
        &mut self,
        key: &str,
        issue: u64,
        login: &str,
        user_type: &str,
        association: &str,
        body: &str,
    ) -> Value {
        let id = self.next_id();
        let t = now();
        let repo = self.repos.get_mut(key).unwrap();
        repo.comments.push(Comment {
            id,
            issue,
            login: login.to_owned(),
            user_type: user_type.to_owned(),
            association: association.to_owned(),
            body: body.to_owned(),
            created_at: t,
            updated_at: t,
        });
        if let Some(pull) = repo.pulls.get_mut(&issue) {
            pull.updated_at = t;
        }
        let repo = &self.repos[key];
        self.comment_json(repo, repo.comments.last().unwrap())
    }

    // -- JSON, in GitHub's shapes ------------------------------------------

    fn repo_api(&self, repo: &Repo) -> String {
        format!("{}/repos/{}/{}", self.url, repo.owner, repo.name)
    }

    fn repo_json(&self, repo: &Repo) -> Value {
        let api = self.repo_api(repo);
        let full_name = format!("{}/{}", repo.owner, repo.name);
        let html = format!("{}/{full_name}", self.url);
        let open_issues = repo.pulls.values().filter(|p| p.open).count();
        let mut v = json!({
            "id": repo.id,
            "node_id": format!("R_kgDO{:08}", repo.id),
            "name": repo.name,
            "full_name": full_name,
            "private": true,
            "owner": user_json(&self.url, &repo.owner, "User"),
            "html_url": html,
            "description": null,
            "fork": false,
            "url": api,
            "git_url": format!("git://127.0.0.1/{full_name}.git"),
            "ssh_url": format!("git@127.0.0.1:{full_name}.git"),
            "clone_url": self.clone_url(&repo.owner, &repo.name),
            "mirror_url": null,
            "hooks_url": format!("{api}/hooks"),
            "svn_url": html,
            "homepage": null,
            "language": null,
        });
        // In two parts: one `json!` of everything overflows the macro recursion limit.
        let settings = json!({
            "forks_count": 0,
            "forks": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "watchers": 0,
            "size": 1,
            "default_branch": repo.default_branch,
            "open_issues_count": open_issues,
            "open_issues": open_issues,
            "is_template": false,
            "topics": [],
            "has_issues": true,
            "has_projects": false,
            "has_wiki": false,
            "has_pages": false,
            "has_downloads": true,
            "has_discussions": false,
            "archived": false,
            "disabled": false,
            "visibility": "private",
            "pushed_at": rfc3339(now()),
            "created_at": rfc3339(repo.created_at),
            "updated_at": rfc3339(repo.created_at),
            "permissions": {"admin": false, "maintain": false, "push": true, "triage": true, "pull": true},
            "allow_rebase_merge": true,
            "allow_squash_merge": true,
            "allow_merge_commit": true,
            "allow_auto_merge": false,
            "delete_branch_on_merge": false,
            "allow_forking": false,
            "web_commit_signoff_required": false,
            "license": null,
        });
        merge(&mut v, settings);
        // The `*_url` templates, as GitHub lists them.
        let object = v.as_object_mut().unwrap();
        for (name, suffix) in REPO_URL_TEMPLATES {
            object.insert(name.to_string(), json!(format!("{api}{suffix}")));
        }
        v
    }

    /// A pull request as `GET /pulls/{n}` (`full`) or as a list item (GitHub's
    /// "pull-request-simple", without `merged`, `mergeable`, `comments`, ...).
    /// Refreshes the head and base from the bare repository first.
    fn pull_json(&mut self, key: &str, number: u64, full: bool) -> Value {
        let repo = self.repos.get_mut(key).unwrap();
        let bare = repo.bare.clone();
        repo.pulls.get_mut(&number).unwrap().refresh(&bare);
        let repo = &self.repos[key];
        let pull = &repo.pulls[&number];
        let api = self.repo_api(repo);
        let url = format!("{api}/pulls/{number}");
        let html = format!("{}/{}/{}/pull/{number}", self.url, repo.owner, repo.name);
        let issue_url = format!("{api}/issues/{number}");
        let comments_url = format!("{issue_url}/comments");
        let statuses_url = format!("{api}/statuses/{}", pull.head_sha);
        let branch = |r: &str, sha: &str| {
            json!({
                "label": format!("{}:{r}", repo.owner),
                "ref": r,
                "sha": sha,
                "user": user_json(&self.url, &repo.owner, "User"),
                "repo": self.repo_json(repo),
            })
        };
        let state = if pull.open { "open" } else { "closed" };
        let mut v = json!({
            "url": url,
            "id": pull.id,
            "node_id": format!("PR_kwDO{:08}", pull.id),
            "html_url": html,
            "diff_url": format!("{html}.diff"),
            "patch_url": format!("{html}.patch"),
            "issue_url": issue_url,
            "number": number,
            "state": state,
            "locked": false,
            "title": pull.title,
            "user": user_json(&self.url, BOT_LOGIN, "Bot"),
            "body": pull.body,
            "labels": pull.labels.iter().map(|l| label_json(&api, repo, l)).collect::<Vec<_>>(),
            "milestone": null,
            "active_lock_reason": null,
            "created_at": rfc3339(pull.created_at),
            "updated_at": rfc3339(pull.updated_at),
            "closed_at": pull.closed_at.map(rfc3339),
            "merged_at": pull.merged_at.map(rfc3339),
            "merge_commit_sha": null,
            "assignee": null,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "draft": pull.draft,
            "commits_url": format!("{url}/commits"),
            "review_comments_url": format!("{url}/comments"),
            "review_comment_url": format!("{api}/pulls/comments{{/number}}"),
            "comments_url": comments_url,
            "statuses_url": statuses_url,
            "head": branch(&pull.head_ref, &pull.head_sha),
            "base": branch(&pull.base_ref, &pull.base_sha),
            "author_association": "NONE",
            "auto_merge": null,
        });
        merge(
            &mut v,
            json!({
                "_links": {
                    "self": {"href": url},
                    "html": {"href": html},
                    "issue": {"href": issue_url},
                    "comments": {"href": comments_url},
                    "review_comments": {"href": format!("{url}/comments")},
                    "review_comment": {"href": format!("{api}/pulls/comments{{/number}}")},
                    "commits": {"href": format!("{url}/commits")},
                    "statuses": {"href": statuses_url},
                },
            }),
        );
        if full {
            let comments = repo.comments.iter().filter(|c| c.issue == number).count();
            let extra = json!({
                "merged": pull.merged_at.is_some(),
                "mergeable": null,
                "rebaseable": null,
                "mergeable_state": "unknown",
                "merged_by": pull.merged_at.map(|_| user_json(&self.url, &repo.owner, "User")),
                "comments": comments,
                "review_comments": 0,
                "maintainer_can_modify": false,
                "commits": 1,
                "additions": 0,
                "deletions": 0,
                "changed_files": 0,
            });
            merge(&mut v, extra);
        }
        v
    }

    fn comment_json(&self, repo: &Repo, c: &Comment) -> Value {
        let api = self.repo_api(repo);
        json!({
            "id": c.id,
            "node_id": format!("IC_kwDO{:08}", c.id),
            "url": format!("{api}/issues/comments/{}", c.id),
            "html_url": format!("{}/{}/{}/pull/{}#issuecomment-{}", self.url, repo.owner, repo.name, c.issue, c.id),
            "issue_url": format!("{api}/issues/{}", c.issue),
            "body": c.body,
            "user": user_json(&self.url, &c.login, &c.user_type),
            "author_association": c.association,
            "created_at": rfc3339(c.created_at),
            "updated_at": rfc3339(c.updated_at),
            "reactions": {"url": format!("{api}/issues/comments/{}/reactions", c.id), "total_count": 0},
            "performed_via_github_app": null,
        })
    }

    fn reaction_json(&self, r: &ReactionRecord) -> Value {
        json!({
            "id": r.id,
            "node_id": format!("REA_lADO{:08}", r.id),
            "user": user_json(&self.url, &r.login, "Bot"),
            "content": r.content,
            "created_at": rfc3339(r.created_at),
        })
    }
}

/// Add the fields of object `extra` to object `v`.
fn merge(v: &mut Value, extra: Value) {
    let Value::Object(extra) = extra else {
        panic!("merge: {extra} is not an object");
    };
    v.as_object_mut()
        .expect("merge into an object")
        .extend(extra);
}

/// A user (`kind` "User", "Organization" or "Bot") with every field of octocrab's `Author`.
fn user_json(base: &str, login: &str, kind: &str) -> Value {
    let id = user_id(login);
    let path = pct_encode(login);
    let api = format!("{base}/users/{path}");
    let html = match login.strip_suffix("[bot]") {
        Some(app) => format!("{base}/apps/{app}"),
        None => format!("{base}/{path}"),
    };
    let node_prefix = if kind == "Bot" { "BOT_kgDO" } else { "U_kgDO" };
    json!({
        "login": login,
        "id": id,
        "node_id": format!("{node_prefix}{id:08}"),
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{id}?v=4"),
        "gravatar_id": "",
        "url": api,
        "html_url": html,
        "followers_url": format!("{api}/followers"),
        "following_url": format!("{api}/following{{/other_user}}"),
        "gists_url": format!("{api}/gists{{/gist_id}}"),
        "starred_url": format!("{api}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{api}/subscriptions"),
        "organizations_url": format!("{api}/orgs"),
        "repos_url": format!("{api}/repos"),
        "events_url": format!("{api}/events{{/privacy}}"),
        "received_events_url": format!("{api}/received_events"),
        "type": kind,
        "user_view_type": "public",
        "site_admin": false,
    })
}

fn label_json(repo_api: &str, repo: &Repo, name: &str) -> Value {
    let label = repo
        .labels
        .iter()
        .find(|l| l.name == name)
        .expect("a label on an issue is in the repository's labels");
    json!({
        "id": label.id,
        "node_id": format!("LA_kwDO{:08}", label.id),
        "url": format!("{repo_api}/labels/{}", pct_encode(&label.name)),
        "name": label.name,
        "color": label.color,
        "default": false,
        "description": null,
    })
}

/// A stable id per login.
fn user_id(login: &str) -> u64 {
    // FNV-1a, folded into a plausible range.
    let hash = login.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    1_000_000 + hash % 90_000_000
}

// ---------------------------------------------------------------------------
// The server: recording, rate limits, then REST or git

async fn dispatch(AxumState(shared): AxumState<Shared>, req: Request) -> Response {
    let method = req.method().as_str().to_owned();
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_owned(), |pq| pq.as_str().to_owned());
    let is_git = req.uri().path().starts_with("/git/");
    let limited = lock(&shared).take_rate_limit(&method, &target);
    let mut response = match limited {
        Some(secondary) => rate_limited(secondary),
        None if is_git => git::serve(&shared, req).await,
        None => rest(&shared, req).await,
    };
    let mut state = lock(&shared);
    if !is_git && limited.is_none() {
        state.rest_used += 1;
        let headers = response.headers_mut();
        let used = state.rest_used.min(RATE_LIMIT);
        set(headers, "x-ratelimit-limit", &RATE_LIMIT.to_string());
        set(
            headers,
            "x-ratelimit-remaining",
            &(RATE_LIMIT - used).to_string(),
        );
        set(headers, "x-ratelimit-reset", &state.reset_at.to_string());
        set(headers, "x-ratelimit-used", &used.to_string());
        set(headers, "x-ratelimit-resource", "core");
    }
    state
        .requests
        .push((method, target, response.status().as_u16()));
    response
}

fn set(headers: &mut HeaderMap, name: &'static str, value: &str) {
    headers.insert(name, value.parse().expect("a valid header value"));
}

fn rate_limited(secondary: bool) -> Response {
    let reset = (now() + 1).to_string();
    let builder = Response::builder()
        .status(StatusCode::FORBIDDEN)
        .header("content-type", "application/json; charset=utf-8")
        .header("x-ratelimit-limit", RATE_LIMIT.to_string())
        .header("x-ratelimit-reset", reset)
        .header("x-ratelimit-resource", "core");
    let (builder, body) = if secondary {
        let body = json!({
            "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.",
            "documentation_url": "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
        });
        let builder = builder
            .header("retry-after", "1")
            .header("x-ratelimit-remaining", "4000")
            .header("x-ratelimit-used", "1000");
        (builder, body)
    } else {
        let body = json!({
            "message": "API rate limit exceeded for installation ID 1.",
            "documentation_url": "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting",
        });
        let builder = builder
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-used", RATE_LIMIT.to_string());
        (builder, body)
    };
    builder.body(Body::from(body.to_string())).unwrap()
}

/// A REST answer before it becomes a response.
struct Reply {
    status: u16,
    body: Value,
    headers: Vec<(&'static str, String)>,
}

fn reply(status: u16, body: Value) -> Reply {
    Reply {
        status,
        body,
        headers: Vec::new(),
    }
}

fn error(status: u16, message: &str) -> Reply {
    reply(
        status,
        json!({"message": message, "documentation_url": DOCS}),
    )
}

fn not_found() -> Reply {
    error(404, "Not Found")
}

/// 422 "Validation Failed" with one entry in `errors`.
fn invalid(entry: Value) -> Reply {
    reply(
        422,
        json!({"message": "Validation Failed", "errors": [entry], "documentation_url": DOCS}),
    )
}

async fn rest(shared: &Shared, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let reply = match axum::body::to_bytes(body, 16 << 20).await {
        Err(e) => error(400, &format!("Problems reading the request body: {e}")),
        Ok(bytes) => {
            let query = query_pairs(parts.uri.query().unwrap_or(""));
            let mut state = lock(shared);
            route(
                &mut state,
                parts.method.as_str(),
                parts.uri.path(),
                &query,
                &parts.headers,
                &bytes,
            )
        }
    };
    let mut builder = Response::builder()
        .status(reply.status)
        .header("content-type", "application/json; charset=utf-8")
        .header("x-github-media-type", "github.v3; format=json")
        .header("x-github-api-version-selected", "2022-11-28");
    for (name, value) in reply.headers {
        builder = builder.header(name, value);
    }
    if reply.status == 204 {
        return builder.body(Body::empty()).unwrap();
    }
    builder.body(Body::from(reply.body.to_string())).unwrap()
}

fn route(
    state: &mut State,
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &HeaderMap,
    body: &[u8],
) -> Reply {
    let segments: Vec<String> = path.trim_matches('/').split('/').map(pct_decode).collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    match (method, segments.as_slice()) {
        ("POST", ["app", "installations", id, "access_tokens"]) => match id.parse() {
            Ok(id) => access_token(state, id, headers, body),
            Err(_) => not_found(),
        },
        // As the App (JWT): its installations.
        ("GET", ["app", "installations"]) => {
            let mut ids: Vec<u64> = state.installations.keys().copied().collect();
            ids.sort();
            let mine: Vec<u64> = ids
                .into_iter()
                .filter(|&id| app_jwt(state, id, headers).is_ok())
                .collect();
            if mine.is_empty() {
                return error(401, "A JSON web token could not be decoded");
            }
            let all: Vec<Value> = mine
                .iter()
                .map(|&id| {
                    installation_json(&state.url, id, state.installations[&id].app_id, "octo")
                })
                .collect();
            paginate(&state.url, "/app/installations", query, all)
        }
        // As an installation (its token): the repositories it covers.
        ("GET", ["installation", "repositories"]) => {
            let Some(scope) = bearer(headers).and_then(|t| state.scopes.get(t)).cloned() else {
                return error(401, "Bad credentials");
            };
            let repos: Vec<Value> = state
                .repos
                .iter()
                .filter(|(key, _)| {
                    scope
                        .repositories
                        .as_ref()
                        .is_none_or(|names| names.iter().any(|n| key.ends_with(&format!("/{n}"))))
                })
                .map(|(_, r)| state.repo_json(r))
                .collect();
            reply(
                200,
                json!({ "total_count": repos.len(), "repository_selection": "all", "repositories": repos }),
            )
        }
        // As the App (JWT): the installation that covers a repository. The
        // fake's installations cover every repository.
        ("GET", ["repos", owner, name, "installation"]) => {
            let key = format!("{owner}/{name}").to_ascii_lowercase();
            if !state.repos.contains_key(&key) {
                return not_found();
            }
            let mut ids: Vec<u64> = state.installations.keys().copied().collect();
            ids.sort();
            match ids
                .into_iter()
                .find(|&id| app_jwt(state, id, headers).is_ok())
            {
                Some(id) => reply(
                    200,
                    installation_json(&state.url, id, state.installations[&id].app_id, owner),
                ),
                None => error(401, "A JSON web token could not be decoded"),
            }
        }
        (_, ["repos", owner, name, rest @ ..]) => {
            let Some(token) = bearer(headers).filter(|t| state.tokens.contains(*t)) else {
                return error(401, "Bad credentials");
            };
            let key = format!("{owner}/{name}").to_ascii_lowercase();
            if !state.repos.contains_key(&key) {
                return not_found();
            }
            if let Some(scope) = state.scopes.get(token) {
                // A token minted for other repositories does not see this one.
                if !scope.reaches(name) {
                    return not_found();
                }
                if let Some((permission, write)) = permission_of(method, rest) {
                    if !scope.grants(permission, write) {
                        return error(403, "Resource not accessible by integration");
                    }
                }
            }
            let body = if body.is_empty() {
                Value::Null
            } else {
                match serde_json::from_slice(body) {
                    Ok(v) => v,
                    Err(_) => return error(400, "Problems parsing JSON"),
                }
            };
            state.current_token = Some(token.to_string());
            repo_route(state, &key, method, rest, query, &body)
        }
        _ => not_found(),
    }
}

/// The token of `Authorization: Bearer T` / `token T`.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token"))
        .then(|| token.trim())
}

/// `POST /app/installations/{id}/access_tokens`, authenticated by the App's
/// JWT; `repositories` (names) and `permissions` in the body narrow the
/// token, as GitHub does, and may not ask for more than the installation has.
fn access_token(
    state: &mut State,
    installation_id: u64,
    headers: &HeaderMap,
    body: &[u8],
) -> Reply {
    if !state.installations.contains_key(&installation_id) {
        return not_found();
    }
    if let Err(refused) = app_jwt(state, installation_id, headers) {
        return refused;
    }
    let asked: Value = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(_) => return error(400, "Problems parsing JSON"),
        }
    };
    let repositories: Option<Vec<String>> = match asked.get("repositories") {
        None | Some(Value::Null) => None,
        Some(Value::Array(names)) => {
            let mut out = Vec::new();
            for n in names {
                let Some(n) = n.as_str() else {
                    return invalid(
                        json!({"resource": "Repository", "code": "invalid", "field": "repositories"}),
                    );
                };
                if !state
                    .repos
                    .keys()
                    .any(|k| k.ends_with(&format!("/{}", n.to_ascii_lowercase())))
                {
                    return error(422, "There is at least one repository that does not exist or is not accessible to the parent installation.");
                }
                out.push(n.to_ascii_lowercase());
            }
            Some(out)
        }
        Some(_) => {
            return invalid(
                json!({"resource": "Repository", "code": "invalid", "field": "repositories"}),
            )
        }
    };
    let granted: serde_json::Map<String, Value> = INSTALLATION_PERMISSIONS
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let permissions = match asked.get("permissions") {
        None | Some(Value::Null) => Value::Object(granted),
        Some(Value::Object(wanted)) => {
            for (k, v) in wanted {
                let ok = matches!(
                    (granted.get(k).and_then(Value::as_str), v.as_str()),
                    (Some("write"), Some("read" | "write")) | (Some("read"), Some("read"))
                );
                if !ok {
                    return error(
                        422,
                        "The permissions requested are not granted to this installation.",
                    );
                }
            }
            Value::Object(wanted.clone())
        }
        Some(_) => {
            return error(
                422,
                "The permissions requested are not granted to this installation.",
            )
        }
    };
    let token = format!("ghs_{}", random_alnum(36));
    state.tokens.insert(token.clone());
    state.scopes.insert(
        token.clone(),
        Scope {
            installation: installation_id,
            repositories: repositories.clone(),
            permissions: permissions.clone(),
        },
    );
    let listed: Vec<Value> = match &repositories {
        Some(names) => state
            .repos
            .iter()
            .filter(|(k, _)| names.iter().any(|n| k.ends_with(&format!("/{n}"))))
            .map(|(_, r)| state.repo_json(r))
            .collect(),
        None => Vec::new(),
    };
    let mut answer = json!({
        "token": token,
        "expires_at": rfc3339(now() + 3600),
        "permissions": permissions,
        "repository_selection": if repositories.is_some() { "selected" } else { "all" },
    });
    if repositories.is_some() {
        answer["repositories"] = json!(listed);
    }
    reply(201, answer)
}

impl Scope {
    fn reaches(&self, repo_name: &str) -> bool {
        self.repositories
            .as_ref()
            .is_none_or(|names| names.iter().any(|n| n.eq_ignore_ascii_case(repo_name)))
    }

    fn grants(&self, permission: &str, write: bool) -> bool {
        match self.permissions.get(permission).and_then(Value::as_str) {
            Some("write") => true,
            Some("read") => !write,
            _ => false,
        }
    }
}

/// The permission a repository request needs, and whether it writes.
fn permission_of(method: &str, rest: &[&str]) -> Option<(&'static str, bool)> {
    let write = method != "GET";
    let permission = match rest.first().copied() {
        None => "metadata",
        Some("actions") => "actions",
        Some("check-runs") => "checks",
        Some("commits") if rest.last() == Some(&"check-runs") => "checks",
        Some("pulls") => "pull_requests",
        Some("issues") if rest.get(1) == Some(&"comments") || rest.get(2) == Some(&"comments") => {
            // Comments on pull requests need either; GitHub takes issues.
            "issues"
        }
        Some("issues") => "issues",
        Some("contents") | Some("git") => "contents",
        _ => return None,
    };
    Some((permission, write))
}

/// GitHub's installation object, as `GET /repos/{o}/{r}/installation` gives it.
fn installation_json(base: &str, id: u64, app_id: u64, account: &str) -> Value {
    json!({
        "id": id,
        "account": user_json(base, account, "Organization"),
        "access_tokens_url": format!("{base}/app/installations/{id}/access_tokens"),
        "repositories_url": format!("{base}/installation/repositories"),
        "html_url": format!("{base}/organizations/{account}/settings/installations/{id}"),
        "app_id": app_id,
        "app_slug": "wattson",
        "target_id": user_id(account),
        "target_type": "Organization",
        "permissions": { "contents": "write", "issues": "write", "metadata": "read", "pull_requests": "write" },
        "events": ["push", "pull_request", "issue_comment", "pull_request_review_comment"],
        "single_file_name": null,
        "repository_selection": "all",
        "created_at": rfc3339(now()),
        "updated_at": rfc3339(now()),
    })
}

/// Check the App's JWT (RS256 under the installation's App key, `iss` the
/// App id, expiring within GitHub's ten minutes).
fn app_jwt(state: &State, installation_id: u64, headers: &HeaderMap) -> Result<(), Reply> {
    use octocrab::jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
    let Some(installation) = state.installations.get(&installation_id) else {
        return Err(not_found());
    };
    let Some(jwt) = bearer(headers) else {
        return Err(error(401, "A JSON web token could not be decoded"));
    };
    let key = DecodingKey::from_rsa_pem(installation.public_pem.as_bytes()).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_aud = false;
    // `iss` is checked below: jsonwebtoken only reads string issuers, and
    // octocrab sends the App id as a number.
    validation.set_required_spec_claims(&["exp", "iat"]);
    let claims = match decode::<Value>(jwt, &key, &validation) {
        Ok(data) => data.claims,
        Err(e) => {
            // GitHub does not say why; the test's output does.
            eprintln!("fake GitHub: installation {installation_id}: JWT refused: {e}");
            return Err(error(401, "A JSON web token could not be decoded"));
        }
    };
    let iss_ok = match &claims["iss"] {
        Value::Number(n) => n.as_u64() == Some(installation.app_id),
        Value::String(s) => s == &installation.app_id.to_string(),
        _ => false,
    };
    if !iss_ok {
        eprintln!(
            "fake GitHub: installation {installation_id}: JWT refused: iss {} is not App {}",
            claims["iss"], installation.app_id
        );
        return Err(error(401, "A JSON web token could not be decoded"));
    }
    if claims["exp"].as_u64().unwrap_or(0) > now() + 660 {
        return Err(error(
            401,
            "'Expiration time' claim ('exp') is too far in the future",
        ));
    }
    Ok(())
}

fn repo_route(
    state: &mut State,
    key: &str,
    method: &str,
    rest: &[&str],
    query: &[(String, String)],
    body: &Value,
) -> Reply {
    let number = |s: &str| s.parse::<u64>().ok();
    match (method, rest) {
        ("GET", []) => reply(200, state.repo_json(&state.repos[key])),
        ("POST", ["check-runs"]) => {
            let (Some(name), Some(sha)) = (body["name"].as_str(), body["head_sha"].as_str()) else {
                return invalid(
                    json!({"resource": "CheckRun", "code": "missing_field", "field": "name"}),
                );
            };
            let id = state.next_id();
            let repo = &state.repos[key];
            let run = json!({
                "id": id,
                "node_id": format!("CR_kwDO{id:08}"),
                "name": name,
                "head_sha": sha,
                "status": body["status"].as_str().unwrap_or("queued"),
                "conclusion": body["conclusion"].clone(),
                "output": body["output"].clone(),
                "url": format!("{}/repos/{}/{}/check-runs/{id}", state.url, repo.owner, repo.name),
                "html_url": format!("{}/{}/{}/runs/{id}", state.url, repo.owner, repo.name),
                "repository": format!("{}/{}", repo.owner, repo.name),
                "started_at": rfc3339(now()),
                "completed_at": rfc3339(now()),
            });
            state.check_runs.push(run.clone());
            reply(201, run)
        }
        ("PATCH", ["check-runs", id]) => {
            let full = format!("{}/{}", state.repos[key].owner, state.repos[key].name);
            let Some(run) = state
                .check_runs
                .iter_mut()
                .find(|c| c["id"].as_u64() == number(id) && c["repository"] == full.as_str())
            else {
                return not_found();
            };
            for field in ["status", "conclusion", "output", "name"] {
                if !body[field].is_null() {
                    run[field] = body[field].clone();
                }
            }
            reply(200, run.clone())
        }
        ("GET", ["commits", sha, "check-runs"]) => {
            let full = format!("{}/{}", state.repos[key].owner, state.repos[key].name);
            let wanted = query
                .iter()
                .find(|(k, _)| k == "check_name")
                .map(|(_, v)| v.as_str());
            let runs: Vec<Value> = state
                .check_runs
                .iter()
                .filter(|c| c["repository"] == full.as_str() && c["head_sha"] == *sha)
                .filter(|c| wanted.is_none_or(|w| c["name"] == w))
                .cloned()
                .collect();
            reply(
                200,
                json!({ "total_count": runs.len(), "check_runs": runs }),
            )
        }
        ("POST", ["actions", "workflows", workflow, "dispatches"]) => {
            dispatch_workflow(state, key, workflow, body)
        }
        ("GET", ["pulls"]) => list_pulls(state, key, query),
        ("POST", ["pulls"]) => create_pull(state, key, body),
        ("GET", ["pulls", n]) => match number(n).filter(|n| state.repos[key].pulls.contains_key(n))
        {
            Some(n) => reply(200, state.pull_json(key, n, true)),
            None => not_found(),
        },
        ("PATCH", ["pulls", n]) => {
            match number(n).filter(|n| state.repos[key].pulls.contains_key(n)) {
                Some(n) => update_pull(state, key, n, body),
                None => not_found(),
            }
        }
        (_, ["issues", n, "labels", rest @ ..]) => {
            match number(n).filter(|n| state.repos[key].pulls.contains_key(n)) {
                Some(n) => labels(state, key, n, method, rest, body),
                None => not_found(),
            }
        }
        ("GET", ["issues", n, "comments"]) => {
            match number(n).filter(|n| state.repos[key].pulls.contains_key(n)) {
                Some(n) => {
                    let repo = &state.repos[key];
                    let all = repo
                        .comments
                        .iter()
                        .filter(|c| c.issue == n)
                        .map(|c| state.comment_json(repo, c))
                        .collect();
                    let path = format!("/repos/{}/{}/issues/{n}/comments", repo.owner, repo.name);
                    paginate(&state.url, &path, query, all)
                }
                None => not_found(),
            }
        }
        ("POST", ["issues", n, "comments"]) => {
            match number(n).filter(|n| state.repos[key].pulls.contains_key(n)) {
                Some(n) => match body["body"].as_str() {
                    Some(text) => reply(
                        201,
                        state.create_comment(key, n, BOT_LOGIN, "Bot", "NONE", text),
                    ),
                    None => invalid(
                        json!({"resource": "IssueComment", "code": "missing_field", "field": "body"}),
                    ),
                },
                None => not_found(),
            }
        }
        ("GET", ["issues", "comments", id]) => {
            let repo = &state.repos[key];
            match repo.comments.iter().find(|c| Some(c.id) == number(id)) {
                Some(c) => reply(200, state.comment_json(repo, c)),
                None => not_found(),
            }
        }
        ("POST", ["issues", "comments", id, "reactions"]) => {
            let known =
                number(id).filter(|id| state.repos[key].comments.iter().any(|c| c.id == *id));
            match known {
                Some(id) => react(state, key, id, "issue_comment", body),
                None => not_found(),
            }
        }
        // Review comments are not modelled: any id is accepted.
        ("POST", ["pulls", "comments", id, "reactions"]) => match number(id) {
            Some(id) => react(state, key, id, "pull_request_review_comment", body),
            None => not_found(),
        },
        _ => not_found(),
    }
}

/// `POST /repos/{o}/{r}/actions/workflows/{file}/dispatches`: the workflow
/// file must exist at `ref`, declare `workflow_dispatch`, and declare every
/// input sent (GitHub's 404 and 422s); accepted dispatches are recorded
/// with the token that sent them (the test plays the Actions runner).
fn dispatch_workflow(state: &mut State, key: &str, workflow: &str, body: &Value) -> Reply {
    let Some(git_ref) = body["ref"].as_str() else {
        return invalid(
            json!({"resource": "WorkflowDispatch", "code": "missing_field", "field": "ref"}),
        );
    };
    let repo = &state.repos[key];
    let path = format!(".github/workflows/{workflow}");
    let Some(text) = file_at(&repo.bare, git_ref, &path) else {
        return not_found();
    };
    let Ok(parsed) = serde_norway::from_str::<Value>(&text) else {
        return error(422, &format!("Invalid workflow file: {path}"));
    };
    let Some(trigger) = parsed.get("on").and_then(|on| on.get("workflow_dispatch")) else {
        return error(422, "Workflow does not have 'workflow_dispatch' trigger");
    };
    let declared: Vec<String> = trigger
        .get("inputs")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let inputs = body.get("inputs").cloned().unwrap_or(json!({}));
    let unexpected: Vec<&String> = inputs
        .as_object()
        .map(|m| m.keys().filter(|k| !declared.contains(k)).collect())
        .unwrap_or_default();
    if !unexpected.is_empty() {
        return error(422, &format!("Unexpected inputs provided: {unexpected:?}"));
    }
    let full = format!("{}/{}", repo.owner, repo.name);
    state.dispatches.push(json!({
        "repository": full,
        "workflow": workflow,
        "ref": git_ref,
        "inputs": inputs,
        "token": state.current_token.clone(),
    }));
    reply(204, Value::Null)
}

/// The text of `path` at branch or commit `rev` of a bare repository.
fn file_at(bare: &Path, rev: &str, path: &str) -> Option<String> {
    let repo = git2::Repository::open_bare(bare).ok()?;
    let commit = repo
        .revparse_single(&format!("refs/heads/{rev}"))
        .or_else(|_| repo.revparse_single(rev))
        .ok()?
        .peel_to_commit()
        .ok()?;
    let entry = commit.tree().ok()?.get_path(Path::new(path)).ok()?;
    let blob = repo.find_blob(entry.id()).ok()?;
    String::from_utf8(blob.content().to_vec()).ok()
}

/// `GET /repos/{o}/{r}/pulls`: `state`, `head`, `base`, `sort`, `direction`, `per_page`, `page`.
fn list_pulls(state: &mut State, key: &str, query: &[(String, String)]) -> Reply {
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let wanted = param("state").unwrap_or("open");
    let repo = &state.repos[key];
    // `head` is "user:ref" (exact), or just "user" (all of that user's branches).
    let head = param("head").map(|h| match h.split_once(':') {
        Some((user, branch)) => (user.to_owned(), Some(branch.to_owned())),
        None => (h.to_owned(), None),
    });
    let mut selected: Vec<&Pull> = repo
        .pulls
        .values()
        .filter(|p| match wanted {
            "all" => true,
            "closed" => !p.open,
            _ => p.open,
        })
        .filter(|p| match &head {
            None => true,
            Some((user, branch)) => {
                user.eq_ignore_ascii_case(&repo.owner)
                    && branch.as_ref().is_none_or(|b| *b == p.head_ref)
            }
        })
        .filter(|p| param("base").is_none_or(|b| b == p.base_ref))
        .collect();
    // GitHub sorts by creation, newest first, by default.
    let by_update = param("sort") == Some("updated");
    selected.sort_by_key(|p| {
        (
            if by_update {
                p.updated_at
            } else {
                p.created_at
            },
            p.number,
        )
    });
    if param("direction") != Some("asc") {
        selected.reverse();
    }
    let numbers: Vec<u64> = selected.iter().map(|p| p.number).collect();
    let path = format!("/repos/{}/{}/pulls", repo.owner, repo.name);
    let all = numbers
        .into_iter()
        .map(|n| state.pull_json(key, n, false))
        .collect();
    paginate(&state.url, &path, query, all)
}

/// One page of `all` (GitHub's `per_page`, default 30, max 100, and 1-based
/// `page`), with a `Link` header when there is more than one page.
fn paginate(base: &str, path: &str, query: &[(String, String)], all: Vec<Value>) -> Reply {
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.parse::<usize>().ok())
    };
    let per_page = param("per_page").unwrap_or(30).clamp(1, 100);
    let page = param("page").unwrap_or(1).max(1);
    let last = all.len().div_ceil(per_page).max(1);
    let items: Vec<Value> = all
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let mut r = reply(200, Value::Array(items));
    if last > 1 {
        let link = |p: usize, rel: &str| {
            let mut pairs: Vec<String> = query
                .iter()
                .filter(|(k, _)| k != "page")
                .map(|(k, v)| format!("{}={}", pct_encode(k), pct_encode(v)))
                .collect();
            pairs.push(format!("page={p}"));
            format!("<{base}{path}?{}>; rel=\"{rel}\"", pairs.join("&"))
        };
        let mut links = Vec::new();
        if page > 1 {
            links.push(link(page - 1, "prev"));
        }
        if page < last {
            links.push(link(page + 1, "next"));
            links.push(link(last, "last"));
        }
        if page > 1 {
            links.push(link(1, "first"));
        }
        r.headers.push(("link", links.join(", ")));
    }
    r
}

/// `POST /repos/{o}/{r}/pulls` with GitHub's validation errors.
fn create_pull(state: &mut State, key: &str, body: &Value) -> Reply {
    let field = |name: &str| body[name].as_str().map(str::trim).filter(|s| !s.is_empty());
    let missing = |name: &str| {
        invalid(json!({"resource": "PullRequest", "code": "missing_field", "field": name}))
    };
    let Some(title) = field("title") else {
        return missing("title");
    };
    let Some(head) = field("head") else {
        return missing("head");
    };
    let Some(base) = field("base") else {
        return missing("base");
    };
    let repo = &state.repos[key];
    let head_ref = match head.split_once(':') {
        None => head,
        Some((owner, branch)) if owner.eq_ignore_ascii_case(&repo.owner) => branch,
        // A fork: not modelled, so its branch never exists.
        Some(_) => {
            return invalid(json!({"resource": "PullRequest", "field": "head", "code": "invalid"}))
        }
    };
    let Some(base_sha) = branch_sha(&repo.bare, base) else {
        return invalid(json!({"resource": "PullRequest", "field": "base", "code": "invalid"}));
    };
    let Some(head_sha) = branch_sha(&repo.bare, head_ref) else {
        return invalid(json!({"resource": "PullRequest", "field": "head", "code": "invalid"}));
    };
    if repo
        .pulls
        .values()
        .any(|p| p.open && p.head_ref == head_ref && p.base_ref == base)
    {
        return invalid(json!({
            "resource": "PullRequest",
            "code": "custom",
            "message": format!("A pull request already exists for {}:{head_ref}.", repo.owner),
        }));
    }
    if !has_commits_beyond(&repo.bare, &head_sha, &base_sha) {
        return invalid(json!({
            "resource": "PullRequest",
            "code": "custom",
            "message": format!("No commits between {base} and {head_ref}"),
        }));
    }
    let (title, head_ref, base) = (title.to_owned(), head_ref.to_owned(), base.to_owned());
    let id = state.next_id();
    let t = now();
    let repo = state.repos.get_mut(key).unwrap();
    let number = repo.next_number;
    repo.next_number += 1;
    repo.pulls.insert(
        number,
        Pull {
            id,
            number,
            title,
            body: body["body"].as_str().map(str::to_owned),
            head_ref,
            base_ref: base,
            head_sha,
            base_sha,
            open: true,
            draft: body["draft"].as_bool().unwrap_or(false),
            labels: Vec::new(),
            created_at: t,
            updated_at: t,
            closed_at: None,
            merged_at: None,
        },
    );
    reply(201, state.pull_json(key, number, true))
}

/// `PATCH /repos/{o}/{r}/pulls/{n}`: title, body, state, base.
fn update_pull(state: &mut State, key: &str, number: u64, body: &Value) -> Reply {
    let repo = &state.repos[key];
    let pull = &repo.pulls[&number];
    if let Some(base) = body["base"].as_str() {
        if branch_sha(&repo.bare, base).is_none() {
            return invalid(json!({"resource": "PullRequest", "field": "base", "code": "invalid"}));
        }
    }
    match body["state"].as_str() {
        None | Some("closed") => {}
        Some("open") if pull.open => {}
        Some("open") => {
            let conflict = |message: String| {
                invalid(json!({"resource": "PullRequest", "code": "custom", "message": message}))
            };
            if pull.merged_at.is_some() {
                return conflict("Cannot reopen a merged pull request".into());
            }
            if branch_sha(&repo.bare, &pull.head_ref).is_none() {
                return conflict(format!(
                    "Cannot reopen: the branch {} was deleted",
                    pull.head_ref
                ));
            }
            if repo
                .pulls
                .values()
                .any(|p| p.open && p.head_ref == pull.head_ref && p.base_ref == pull.base_ref)
            {
                return conflict(format!(
                    "A pull request already exists for {}:{}.",
                    repo.owner, pull.head_ref
                ));
            }
        }
        Some(_) => {
            return invalid(json!({"resource": "PullRequest", "field": "state", "code": "invalid"}))
        }
    }
    let t = now();
    let repo = state.repos.get_mut(key).unwrap();
    let pull = repo.pulls.get_mut(&number).unwrap();
    if let Some(title) = body["title"].as_str() {
        pull.title = title.to_owned();
    }
    if let Some(text) = body.get("body") {
        pull.body = text.as_str().map(str::to_owned);
    }
    if let Some(base) = body["base"].as_str() {
        pull.base_ref = base.to_owned();
    }
    match body["state"].as_str() {
        Some("closed") if pull.open => {
            pull.open = false;
            pull.closed_at = Some(t);
        }
        Some("open") if !pull.open => {
            pull.open = true;
            pull.closed_at = None;
        }
        _ => {}
    }
    pull.updated_at = t;
    reply(200, state.pull_json(key, number, true))
}

/// `GET`/`POST /issues/{n}/labels` and `DELETE /issues/{n}/labels/{name}`.
fn labels(
    state: &mut State,
    key: &str,
    number: u64,
    method: &str,
    rest: &[&str],
    body: &Value,
) -> Reply {
    match (method, rest) {
        ("GET", []) => {}
        ("POST", []) => {
            // `{"labels": [...]}` or a bare array, as GitHub accepts both.
            let names = body.get("labels").unwrap_or(body);
            let Some(names) = names.as_array().and_then(|a| {
                a.iter()
                    .map(|n| n.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
            }) else {
                return invalid(json!({"resource": "Label", "code": "invalid", "field": "labels"}));
            };
            for name in names {
                let repo = &state.repos[key];
                if !repo.labels.iter().any(|l| l.name == name) {
                    let id = state.next_id();
                    state.repos.get_mut(key).unwrap().labels.push(LabelDef {
                        id,
                        name: name.clone(),
                        color: "ededed".into(),
                    });
                }
                let pull = state
                    .repos
                    .get_mut(key)
                    .unwrap()
                    .pulls
                    .get_mut(&number)
                    .unwrap();
                if !pull.labels.contains(&name) {
                    pull.labels.push(name);
                    pull.updated_at = now();
                }
            }
        }
        ("DELETE", [name]) => {
            let pull = state
                .repos
                .get_mut(key)
                .unwrap()
                .pulls
                .get_mut(&number)
                .unwrap();
            let before = pull.labels.len();
            pull.labels.retain(|l| l != name);
            if pull.labels.len() == before {
                return error(404, "Label does not exist");
            }
        }
        _ => return not_found(),
    }
    let repo = &state.repos[key];
    let api = state.repo_api(repo);
    let labels = repo.pulls[&number]
        .labels
        .iter()
        .map(|l| label_json(&api, repo, l))
        .collect();
    reply(200, Value::Array(labels))
}

/// `POST .../comments/{id}/reactions`: 201 for a new reaction, 200 for a repeat.
fn react(
    state: &mut State,
    key: &str,
    comment_id: u64,
    subject: &'static str,
    body: &Value,
) -> Reply {
    let Some(content) = body["content"].as_str().filter(|c| REACTIONS.contains(c)) else {
        return invalid(json!({"resource": "Reaction", "code": "invalid", "field": "content"}));
    };
    let repository = {
        let repo = &state.repos[key];
        format!("{}/{}", repo.owner, repo.name)
    };
    let existing = state.reactions.iter().find(|r| {
        r.repository == repository
            && r.comment_id == comment_id
            && r.subject == subject
            && r.login == BOT_LOGIN
            && r.content == content
    });
    if let Some(r) = existing {
        return reply(200, state.reaction_json(r));
    }
    let record = ReactionRecord {
        id: state.next_id(),
        repository,
        comment_id,
        subject,
        login: BOT_LOGIN.to_owned(),
        content: content.to_owned(),
        created_at: now(),
    };
    let v = state.reaction_json(&record);
    state.reactions.push(record);
    reply(201, v)
}

// ---------------------------------------------------------------------------
// git smart HTTP through `git http-backend`

mod git {
    use super::*;

    /// Serve `/git/{owner}/{name}.git/...` with `git http-backend` as CGI.
    pub(super) async fn serve(shared: &Shared, req: Request) -> Response {
        let (parts, body) = req.into_parts();
        let (git_root, path_info) = {
            let state = lock(shared);
            if !basic_token(&parts.headers).is_some_and(|t| state.tokens.contains(&t)) {
                return Response::builder()
                    .status(StatusCode::UNAUTHORIZED)
                    .header("www-authenticate", "Basic realm=\"GitHub\"")
                    .header("content-type", "text/plain")
                    .body(Body::from("Invalid username or token.\n"))
                    .unwrap();
            }
            // "/git/owner/name.git/rest" -> the registered repository.
            let mut segments = parts.uri.path().trim_start_matches("/git/").splitn(3, '/');
            let owner = segments.next().unwrap_or("");
            let name = segments.next().unwrap_or("");
            let rest = segments.next().unwrap_or("");
            let key = format!("{owner}/{}", name.trim_end_matches(".git")).to_ascii_lowercase();
            let token = basic_token(&parts.headers).unwrap_or_default();
            if let Some(scope) = state.scopes.get(&token) {
                let pushing = rest.contains("git-receive-pack");
                if !scope.reaches(name.trim_end_matches(".git"))
                    || !scope.grants("contents", pushing)
                {
                    return Response::builder()
                        .status(StatusCode::FORBIDDEN)
                        .header("content-type", "text/plain")
                        .body(Body::from("Permission denied to x-access-token.\n"))
                        .unwrap();
                }
            }
            let Some(repo) = state.repos.get(&key) else {
                return Response::builder()
                    .status(StatusCode::NOT_FOUND)
                    .header("content-type", "text/plain")
                    .body(Body::from("Repository not found.\n"))
                    .unwrap();
            };
            let path_info = format!("/{}/{}.git/{rest}", repo.owner, repo.name);
            (state.git_root.clone(), path_info)
        };
        match run_backend(&git_root, &path_info, &parts, body).await {
            Ok(response) => response,
            Err(e) => Response::builder()
                .status(StatusCode::INTERNAL_SERVER_ERROR)
                .header("content-type", "text/plain")
                .body(Body::from(format!("fake GitHub: git http-backend: {e}\n")))
                .unwrap(),
        }
    }

    /// The password of `Authorization: Basic` when the user is `x-access-token`.
    fn basic_token(headers: &HeaderMap) -> Option<String> {
        let value = headers.get("authorization")?.to_str().ok()?;
        let (scheme, encoded) = value.split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("basic") {
            return None;
        }
        let decoded = String::from_utf8(base64_decode(encoded.trim())?).ok()?;
        let (user, password) = decoded.split_once(':')?;
        (user == "x-access-token").then(|| password.to_owned())
    }

    async fn run_backend(
        git_root: &Path,
        path_info: &str,
        parts: &axum::http::request::Parts,
        body: Body,
    ) -> std::io::Result<Response> {
        let backend = Path::new("/usr/lib/git-core/git-http-backend");
        let mut command = if backend.exists() {
            tokio::process::Command::new(backend)
        } else {
            let mut c = tokio::process::Command::new("git");
            c.arg("http-backend");
            c
        };
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_PROJECT_ROOT", git_root)
            .env("GIT_HTTP_EXPORT_ALL", "1")
            .env("GATEWAY_INTERFACE", "CGI/1.1")
            .env("SERVER_PROTOCOL", "HTTP/1.1")
            .env("PATH_INFO", path_info)
            .env("QUERY_STRING", parts.uri.query().unwrap_or(""))
            .env("REQUEST_METHOD", parts.method.as_str())
            .env("CONTENT_TYPE", header("content-type"))
            .env("REMOTE_USER", "x-access-token")
            .env("REMOTE_ADDR", "127.0.0.1")
            .env("HTTP_CONTENT_ENCODING", header("content-encoding"))
            .env("HTTP_GIT_PROTOCOL", header("git-protocol"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        let length = header("content-length");
        if !length.is_empty() {
            command.env("CONTENT_LENGTH", length);
        }
        let mut child = command.spawn()?;
        // Stream the request body in while the backend's output is read, so
        // neither side can block the other on a full pipe.
        let mut stdin = child.stdin.take().expect("piped stdin");
        let feeder = tokio::spawn(async move {
            let mut body = body;
            while let Some(Ok(frame)) = body.frame().await {
                if let Ok(data) = frame.into_data() {
                    if stdin.write_all(&data).await.is_err() {
                        break;
                    }
                }
            }
            // Dropping stdin is the end of the request for the backend.
        });
        let output = child.wait_with_output().await?;
        let _ = feeder.await;
        parse_cgi(&output.stdout).ok_or_else(|| {
            std::io::Error::other(format!(
                "no CGI headers in its output (exit {}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ))
        })
    }

    /// A CGI response: header lines (`Status:` among them), a blank line, the body.
    fn parse_cgi(out: &[u8]) -> Option<Response> {
        let (head_len, sep_len) = (0..out.len()).find_map(|i| {
            if out[i..].starts_with(b"\r\n\r\n") {
                Some((i, 4))
            } else if out[i..].starts_with(b"\n\n") {
                Some((i, 2))
            } else {
                None
            }
        })?;
        let head = std::str::from_utf8(&out[..head_len]).ok()?;
        let mut builder = Response::builder().status(200);
        for line in head.lines() {
            let (name, value) = line.split_once(':')?;
            let value = value.trim();
            if name.eq_ignore_ascii_case("status") {
                let code: u16 = value.split_whitespace().next()?.parse().ok()?;
                builder = builder.status(code);
            } else {
                builder = builder.header(name.trim(), value);
            }
        }
        builder
            .body(Body::from(Bytes::copy_from_slice(
                &out[head_len + sep_len..],
            )))
            .ok()
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
