//! GitHub webhook deliveries: proving they come from GitHub
//! (`X-Hub-Signature-256`), and reading the few facts the bot acts on from
//! each event's payload.
//!
//! The signature is checked before the body is parsed at all, in constant
//! time, so a forged or missing signature costs nothing and reveals nothing.

use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;

/// Why a delivery was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no X-Hub-Signature-256 header")]
    Missing,
    #[error("X-Hub-Signature-256 is not `sha256=` and 64 hex digits")]
    Malformed,
    #[error("X-Hub-Signature-256 does not match the body and the webhook secret")]
    Mismatch,
}

/// Check `X-Hub-Signature-256: sha256=<hex>` against the HMAC-SHA256 of the
/// raw body under the webhook secret.
pub fn verify_signature(
    secret: &[u8],
    body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let hex = header
        .trim()
        .strip_prefix("sha256=")
        .ok_or(SignatureError::Malformed)?;
    let expected = decode_hex(hex).ok_or(SignatureError::Malformed)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| SignatureError::Mismatch)?;
    mac.update(body);
    // `verify_slice` compares in constant time.
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

/// What a delivery asks of the bot.
#[derive(Clone, Debug, PartialEq)]
pub enum Incoming {
    /// Commits pushed to a branch; `to_default` when it is the default branch.
    Push {
        repo: String,
        installation: Option<u64>,
        branch: String,
        to_default: bool,
        /// The branch's tip before the push (zeros for a new branch).
        before: String,
        after: String,
        /// Paths added or modified by the pushed commits, as the payload
        /// lists them (GitHub lists at most 20 commits).
        changed: Vec<String>,
    },
    PullRequestClosed {
        repo: String,
        installation: Option<u64>,
        number: u64,
        merged: bool,
        head_ref: String,
    },
    /// A new comment on an issue or pull request (`on_pull_request` tells
    /// which; `review` when it is on a line of the diff).
    Comment {
        repo: String,
        installation: Option<u64>,
        number: u64,
        on_pull_request: bool,
        review: bool,
        comment_id: u64,
        author: String,
        /// `OWNER`, `MEMBER`, `COLLABORATOR`, `CONTRIBUTOR`, `NONE`…
        association: String,
        /// Sent by a bot (GitHub's `sender.type` or the comment author's
        /// type is `Bot`), wattson included.
        from_bot: bool,
        body: String,
    },
    Installation {
        action: String,
        installation: Option<u64>,
        repos: Vec<String>,
    },
    Ping,
    /// An event or action the bot does not act on.
    Ignored {
        event: String,
        action: Option<String>,
    },
}

/// The repository a payload is about (`repository.full_name`), if any: the
/// queue's history names it. Read only after the signature is checked.
pub fn repository(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Named {
        full_name: String,
    }
    #[derive(serde::Deserialize)]
    struct Payload {
        repository: Option<Named>,
    }
    serde_json::from_slice::<Payload>(body)
        .ok()?
        .repository
        .map(|r| r.full_name)
}

/// Why a payload could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    #[error("the body is not JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the {event} payload has no `{field}`")]
    Missing { event: String, field: &'static str },
}

/// Read a delivery (`X-GitHub-Event` header and raw body).
pub fn parse(event: &str, body: &[u8]) -> Result<Incoming, PayloadError> {
    let v: Value = serde_json::from_slice(body)?;
    let action = v.get("action").and_then(Value::as_str).map(str::to_string);
    let missing = |field: &'static str| PayloadError::Missing {
        event: event.to_string(),
        field,
    };
    let text = |v: &Value, path: &[&str], field: &'static str| -> Result<String, PayloadError> {
        let mut cur = v;
        for p in path {
            cur = cur.get(p).ok_or_else(|| missing(field))?;
        }
        cur.as_str()
            .map(str::to_string)
            .ok_or_else(|| missing(field))
    };
    let number = |v: &Value, path: &[&str], field: &'static str| -> Result<u64, PayloadError> {
        let mut cur = v;
        for p in path {
            cur = cur.get(p).ok_or_else(|| missing(field))?;
        }
        cur.as_u64().ok_or_else(|| missing(field))
    };
    let installation = v
        .get("installation")
        .and_then(|i| i.get("id"))
        .and_then(Value::as_u64);
    Ok(match (event, action.as_deref()) {
        ("ping", _) => Incoming::Ping,
        ("push", _) => {
            let git_ref = text(&v, &["ref"], "ref")?;
            let Some(branch) = git_ref.strip_prefix("refs/heads/").map(str::to_string) else {
                // A tag: no branch moved, nothing to scan.
                return Ok(Incoming::Ignored {
                    event: event.to_string(),
                    action: Some(git_ref),
                });
            };
            let default = text(
                &v,
                &["repository", "default_branch"],
                "repository.default_branch",
            )?;
            let mut changed: Vec<String> = Vec::new();
            for commit in v
                .get("commits")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                for key in ["added", "modified"] {
                    for p in commit
                        .get(key)
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        if let Some(p) = p.as_str() {
                            if !changed.iter().any(|c| c == p) {
                                changed.push(p.to_string());
                            }
                        }
                    }
                }
            }
            Incoming::Push {
                repo: text(&v, &["repository", "full_name"], "repository.full_name")?,
                installation,
                to_default: branch == default,
                branch,
                before: text(&v, &["before"], "before")?,
                after: text(&v, &["after"], "after")?,
                changed,
            }
        }
        ("pull_request", Some("closed")) => Incoming::PullRequestClosed {
            repo: text(&v, &["repository", "full_name"], "repository.full_name")?,
            installation,
            number: number(&v, &["pull_request", "number"], "pull_request.number")?,
            merged: v
                .get("pull_request")
                .and_then(|p| p.get("merged"))
                .and_then(Value::as_bool)
                .unwrap_or(false),
            head_ref: text(
                &v,
                &["pull_request", "head", "ref"],
                "pull_request.head.ref",
            )?,
        },
        ("issue_comment", Some("created")) | ("pull_request_review_comment", Some("created")) => {
            let comment_id = number(&v, &["comment", "id"], "comment.id")?;
            let (number, on_pr) = if event == "issue_comment" {
                (
                    number(&v, &["issue", "number"], "issue.number")?,
                    v.get("issue").and_then(|i| i.get("pull_request")).is_some(),
                )
            } else {
                (
                    number(&v, &["pull_request", "number"], "pull_request.number")?,
                    true,
                )
            };
            let str_at = |pointer: &str| v.pointer(pointer).and_then(Value::as_str);
            let author = text(&v, &["comment", "user", "login"], "comment.user.login")?;
            Incoming::Comment {
                repo: text(&v, &["repository", "full_name"], "repository.full_name")?,
                installation,
                number,
                on_pull_request: on_pr,
                review: event == "pull_request_review_comment",
                comment_id,
                from_bot: str_at("/sender/type") == Some("Bot")
                    || str_at("/comment/user/type") == Some("Bot")
                    || author.ends_with("[bot]"),
                author,
                association: str_at("/comment/author_association")
                    .unwrap_or("NONE")
                    .to_string(),
                body: str_at("/comment/body").unwrap_or("").to_string(),
            }
        }
        ("installation", Some(a)) | ("installation_repositories", Some(a)) => {
            let mut repos = Vec::new();
            for key in ["repositories", "repositories_added", "repositories_removed"] {
                for r in v.get(key).and_then(Value::as_array).into_iter().flatten() {
                    if let Some(name) = r.get("full_name").and_then(Value::as_str) {
                        repos.push(name.to_string());
                    }
                }
            }
            Incoming::Installation {
                action: a.to_string(),
                installation,
                repos,
            }
        }
        _ => Incoming::Ignored {
            event: event.to_string(),
            action,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &[u8], body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
        mac.update(body);
        let bytes = mac.finalize().into_bytes();
        format!(
            "sha256={}",
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
        )
    }

    #[test]
    fn githubs_documented_example_verifies() {
        // From GitHub's "Validating webhook deliveries" documentation.
        let header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assert_eq!(
            verify_signature(
                b"It's a Secret to Everybody",
                b"Hello, World!",
                Some(header)
            ),
            Ok(())
        );
    }

    #[test]
    fn forged_missing_and_malformed_signatures_are_refused() {
        let secret = b"s3cret";
        let body = br#"{"zen":"hi"}"#;
        let good = sign(secret, body);
        assert_eq!(verify_signature(secret, body, Some(&good)), Ok(()));
        assert_eq!(
            verify_signature(secret, body, None),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify_signature(secret, br#"{"zen":"ho"}"#, Some(&good)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(b"other", body, Some(&good)),
            Err(SignatureError::Mismatch)
        );
        for bad in ["sha1=abc", "sha256=xyz", "sha256=", &good[..good.len() - 2]] {
            assert_eq!(
                verify_signature(secret, body, Some(bad)),
                Err(SignatureError::Malformed),
                "{bad}"
            );
        }
    }

    fn fixture(path: &str) -> Vec<u8> {
        let full = format!(
            "{}/tests/fixtures/github-webhooks/{path}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
    }

    #[test]
    fn real_payloads_are_read() {
        // The plain example pushes a tag: nothing for the bot.
        assert!(matches!(
            parse("push", &fixture("push/payload.json")).unwrap(),
            Incoming::Ignored { .. }
        ));
        match parse("push", &fixture("push/with-new-branch.payload.json")).unwrap() {
            Incoming::Push {
                repo,
                branch,
                after,
                ..
            } => {
                assert!(repo.contains('/'), "{repo}");
                assert!(!branch.starts_with("refs/"));
                assert_eq!(after.len(), 40);
            }
            other => panic!("{other:?}"),
        }
        match parse("pull_request", &fixture("pull_request/closed.payload.json")).unwrap() {
            Incoming::PullRequestClosed {
                number, head_ref, ..
            } => {
                assert!(number > 0);
                assert!(!head_ref.is_empty());
            }
            other => panic!("{other:?}"),
        }
        match parse(
            "issue_comment",
            &fixture("issue_comment/created.payload.json"),
        )
        .unwrap()
        {
            Incoming::Comment { author, number, .. } => {
                assert!(!author.is_empty());
                assert!(number > 0);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            parse("ping", &fixture("ping/payload.json")).unwrap(),
            Incoming::Ping
        );
        match parse(
            "installation",
            &fixture("installation/created.payload.json"),
        )
        .unwrap()
        {
            Incoming::Installation { action, .. } => assert_eq!(action, "created"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse("pull_request", &fixture("pull_request/opened.payload.json")).unwrap(),
            Incoming::Ignored { .. }
        ));
    }

    #[test]
    fn every_fixture_parses_and_broken_payloads_say_what_is_missing() {
        let root = format!(
            "{}/tests/fixtures/github-webhooks",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut read = 0;
        for dir in std::fs::read_dir(&root).unwrap() {
            let dir = dir.unwrap();
            if !dir.file_type().unwrap().is_dir() {
                continue;
            }
            let event = dir.file_name().to_string_lossy().into_owned();
            for file in std::fs::read_dir(dir.path()).unwrap() {
                let body = std::fs::read(file.unwrap().path()).unwrap();
                parse(&event, &body).unwrap_or_else(|e| panic!("{event}: {e}"));
                read += 1;
            }
        }
        assert!(read >= 20, "read {read} fixtures");
        let err = parse("push", br#"{"ref": "refs/heads/main"}"#).unwrap_err();
        assert!(
            err.to_string().contains("repository.default_branch"),
            "{err}"
        );
        assert!(parse("push", b"not json").is_err());
    }
}
