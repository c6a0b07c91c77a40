//! The fake's state, shared by REST and git: repositories, pull requests,
//! comments, labels, installations and tokens; and the JSON GitHub answers
//! with for each.

use super::*;

pub(super) struct State {
    pub(super) url: String,
    pub(super) git_root: PathBuf,
    /// By lower-cased "owner/name" (GitHub's names are case-insensitive).
    pub(super) repos: BTreeMap<String, Repo>,
    pub(super) tokens: HashSet<String>,
    /// What a minted token may do: its installation, repositories
    /// (`None`: all) and permissions.
    pub(super) scopes: HashMap<String, Scope>,
    /// Workflow dispatches: `repository`, `workflow`, `ref`, `inputs`, `token`.
    pub(super) dispatches: Vec<Value>,
    /// The token of the REST request being served.
    pub(super) current_token: Option<String>,
    pub(super) installations: HashMap<u64, Installation>,
    pub(super) reactions: Vec<ReactionRecord>,
    /// Check runs as created and updated (with `repository`).
    pub(super) check_runs: Vec<Value>,
    pub(super) requests: Vec<(String, String, u16)>,
    pub(super) rate_limits: Vec<RateLimitRule>,
    /// One counter for every id (repositories, pull requests, comments, labels, reactions).
    pub(super) last_id: u64,
    /// REST requests served, for `x-ratelimit-used`.
    pub(super) rest_used: u64,
    /// `x-ratelimit-reset`: an hour after the start.
    pub(super) reset_at: u64,
}

pub(super) struct Repo {
    pub(super) id: u64,
    pub(super) owner: String,
    pub(super) name: String,
    pub(super) bare: PathBuf,
    pub(super) default_branch: String,
    pub(super) created_at: u64,
    /// Pull requests and issues share the numbers.
    pub(super) next_number: u64,
    pub(super) pulls: BTreeMap<u64, Pull>,
    pub(super) comments: Vec<Comment>,
    /// The repository's labels, created on first use.
    pub(super) labels: Vec<LabelDef>,
}

pub(super) struct Pull {
    pub(super) id: u64,
    pub(super) number: u64,
    pub(super) title: String,
    pub(super) body: Option<String>,
    pub(super) head_ref: String,
    pub(super) base_ref: String,
    pub(super) head_sha: String,
    pub(super) base_sha: String,
    pub(super) open: bool,
    pub(super) draft: bool,
    pub(super) labels: Vec<String>,
    pub(super) created_at: u64,
    pub(super) updated_at: u64,
    pub(super) closed_at: Option<u64>,
    pub(super) merged_at: Option<u64>,
}

impl Pull {
    /// Follow the branches in the bare repository while the pull request is
    /// open (GitHub freezes the head of a closed one).
    pub(super) fn refresh(&mut self, bare: &Path) {
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

pub(super) struct Comment {
    pub(super) id: u64,
    pub(super) issue: u64,
    pub(super) login: String,
    pub(super) user_type: String,
    pub(super) association: String,
    pub(super) body: String,
    pub(super) created_at: u64,
    pub(super) updated_at: u64,
}

pub(super) struct LabelDef {
    pub(super) id: u64,
    pub(super) name: String,
    pub(super) color: String,
}

pub(super) struct Installation {
    pub(super) app_id: u64,
    pub(super) public_pem: String,
}

/// A minted installation token's reach.
#[derive(Clone)]
pub(super) struct Scope {
    pub(super) installation: u64,
    /// Lower-cased repository names; `None` for every repository.
    pub(super) repositories: Option<Vec<String>>,
    /// `{"contents": "write", …}`
    pub(super) permissions: Value,
}

/// What an installation may be granted (the test App's permissions).
pub(super) const INSTALLATION_PERMISSIONS: &[(&str, &str)] = &[
    ("actions", "write"),
    ("checks", "write"),
    ("contents", "write"),
    ("issues", "write"),
    ("metadata", "read"),
    ("pull_requests", "write"),
    ("workflows", "write"),
];

pub(super) struct ReactionRecord {
    pub(super) id: u64,
    pub(super) repository: String,
    pub(super) comment_id: u64,
    pub(super) subject: &'static str,
    pub(super) login: String,
    pub(super) content: String,
    pub(super) created_at: u64,
}

pub(super) struct RateLimitRule {
    pub(super) method: String,
    pub(super) prefix: String,
    pub(super) remaining: usize,
    pub(super) secondary: bool,
}

pub(super) fn lock(state: &Shared) -> MutexGuard<'_, State> {
    // A panicking handler must not take every later request down with it.
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl State {
    pub(super) fn new(url: &str, git_root: &Path) -> State {
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

    pub(super) fn next_id(&mut self) -> u64 {
        self.last_id += 1;
        self.last_id
    }

    pub(super) fn clone_url(&self, owner: &str, name: &str) -> String {
        format!("{}/git/{owner}/{name}.git", self.url)
    }

    /// The key of a registered repository; panics (for the sync API) if unknown.
    pub(super) fn repo_key(&self, full_name: &str) -> String {
        let key = full_name.to_ascii_lowercase();
        assert!(
            self.repos.contains_key(&key),
            "fake GitHub: no repository {full_name:?} (add_repo it first)"
        );
        key
    }

    /// Take one refusal from the first rule matching this request, if any.
    pub(super) fn take_rate_limit(&mut self, method: &str, path_and_query: &str) -> Option<bool> {
        let rule = self.rate_limits.iter_mut().find(|r| {
            r.remaining > 0 && r.method == method && path_and_query.starts_with(&r.prefix)
        })?;
        rule.remaining -= 1;
        let secondary = rule.secondary;
        self.rate_limits.retain(|r| r.remaining > 0);
        Some(secondary)
    }

    pub(super) fn create_comment(
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

    pub(super) fn repo_api(&self, repo: &Repo) -> String {
        format!("{}/repos/{}/{}", self.url, repo.owner, repo.name)
    }

    pub(super) fn repo_json(&self, repo: &Repo) -> Value {
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
    pub(super) fn pull_json(&mut self, key: &str, number: u64, full: bool) -> Value {
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

    pub(super) fn comment_json(&self, repo: &Repo, c: &Comment) -> Value {
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

    pub(super) fn reaction_json(&self, r: &ReactionRecord) -> Value {
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
pub(super) fn merge(v: &mut Value, extra: Value) {
    let Value::Object(extra) = extra else {
        panic!("merge: {extra} is not an object");
    };
    v.as_object_mut()
        .expect("merge into an object")
        .extend(extra);
}

/// A user (`kind` "User", "Organization" or "Bot") with every field of octocrab's `Author`.
pub(super) fn user_json(base: &str, login: &str, kind: &str) -> Value {
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

pub(super) fn label_json(repo_api: &str, repo: &Repo, name: &str) -> Value {
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
pub(super) fn user_id(login: &str) -> u64 {
    // FNV-1a, folded into a plausible range.
    let hash = login.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    1_000_000 + hash % 90_000_000
}
