//! git smart HTTP through `git http-backend`: `/git/{owner}/{name}.git/...`
//! served as CGI from the bare repositories, with Basic authentication as
//! `x-access-token:<token>`.

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
            if !scope.reaches(name.trim_end_matches(".git")) || !scope.grants("contents", pushing) {
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
