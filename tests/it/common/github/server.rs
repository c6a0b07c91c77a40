//! The server: every request recorded, rate limits applied, then REST or
//! git; replies in GitHub's shapes; the App's JWT, installations and the
//! installation tokens it mints, scoped to repositories and permissions.

use super::*;

pub(super) async fn dispatch(AxumState(shared): AxumState<Shared>, req: Request) -> Response {
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

pub(super) fn set(headers: &mut HeaderMap, name: &'static str, value: &str) {
    headers.insert(name, value.parse().expect("a valid header value"));
}

pub(super) fn rate_limited(secondary: bool) -> Response {
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
pub(super) struct Reply {
    pub(super) status: u16,
    pub(super) body: Value,
    pub(super) headers: Vec<(&'static str, String)>,
}

pub(super) fn reply(status: u16, body: Value) -> Reply {
    Reply {
        status,
        body,
        headers: Vec::new(),
    }
}

pub(super) fn error(status: u16, message: &str) -> Reply {
    reply(
        status,
        json!({"message": message, "documentation_url": DOCS}),
    )
}

pub(super) fn not_found() -> Reply {
    error(404, "Not Found")
}

/// 422 "Validation Failed" with one entry in `errors`.
pub(super) fn invalid(entry: Value) -> Reply {
    reply(
        422,
        json!({"message": "Validation Failed", "errors": [entry], "documentation_url": DOCS}),
    )
}

pub(super) async fn rest(shared: &Shared, req: Request) -> Response {
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

pub(super) fn route(
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
pub(super) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token"))
        .then(|| token.trim())
}

/// `POST /app/installations/{id}/access_tokens`, authenticated by the App's
/// JWT; `repositories` (names) and `permissions` in the body narrow the
/// token, as GitHub does, and may not ask for more than the installation has.
pub(super) fn access_token(
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
    pub(super) fn reaches(&self, repo_name: &str) -> bool {
        self.repositories
            .as_ref()
            .is_none_or(|names| names.iter().any(|n| n.eq_ignore_ascii_case(repo_name)))
    }

    pub(super) fn grants(&self, permission: &str, write: bool) -> bool {
        match self.permissions.get(permission).and_then(Value::as_str) {
            Some("write") => true,
            Some("read") => !write,
            _ => false,
        }
    }
}

/// The permission a repository request needs, and whether it writes.
pub(super) fn permission_of(method: &str, rest: &[&str]) -> Option<(&'static str, bool)> {
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
pub(super) fn installation_json(base: &str, id: u64, app_id: u64, account: &str) -> Value {
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
pub(super) fn app_jwt(
    state: &State,
    installation_id: u64,
    headers: &HeaderMap,
) -> Result<(), Reply> {
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
