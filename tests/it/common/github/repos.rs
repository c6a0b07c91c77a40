//! `/repos/{owner}/{name}/...`: the repository, its pull requests (list,
//! get, create, update), labels, comments, reactions, check runs and
//! workflow dispatches.

use super::*;
pub(super) fn repo_route(
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
pub(super) fn dispatch_workflow(
    state: &mut State,
    key: &str,
    workflow: &str,
    body: &Value,
) -> Reply {
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
pub(super) fn file_at(bare: &Path, rev: &str, path: &str) -> Option<String> {
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
pub(super) fn list_pulls(state: &mut State, key: &str, query: &[(String, String)]) -> Reply {
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
pub(super) fn paginate(
    base: &str,
    path: &str,
    query: &[(String, String)],
    all: Vec<Value>,
) -> Reply {
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
pub(super) fn create_pull(state: &mut State, key: &str, body: &Value) -> Reply {
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
pub(super) fn update_pull(state: &mut State, key: &str, number: u64, body: &Value) -> Reply {
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
pub(super) fn labels(
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
pub(super) fn react(
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
