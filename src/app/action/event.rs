//! The event that started the workflow (`GITHUB_EVENT_PATH`), for the summary's first line.

use super::*;

/// The event that started the workflow, from `GITHUB_EVENT_PATH`.
pub(super) struct Event {
    name: String,
    payload: Value,
}

/// Read the event payload when the variable is set. A file that is missing
/// or not a JSON object is an error naming it: the step is not where it
/// thinks it is.
pub(super) fn read_event() -> Result<Option<Event>> {
    let Some(file) = env_path("GITHUB_EVENT_PATH") else {
        return Ok(None);
    };
    let hint =
        "GitHub Actions sets GITHUB_EVENT_PATH to the event's payload; outside a workflow unset it";
    let bytes = std::fs::read(&file).with_context(|| {
        format!(
            "cannot read the event payload {} (GITHUB_EVENT_PATH): {hint}",
            file.display()
        )
    })?;
    let payload: Value = serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "the event payload {} (GITHUB_EVENT_PATH) is not JSON: {hint}",
            file.display()
        )
    })?;
    if !payload.is_object() {
        bail!(
            "the event payload {} (GITHUB_EVENT_PATH) is not a JSON object: {hint}",
            file.display()
        );
    }
    let name = std::env::var("GITHUB_EVENT_NAME")
        .ok()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| {
            if payload.get("pull_request").is_some() {
                "pull_request".into()
            } else if payload.get("ref").is_some() && payload.get("after").is_some() {
                "push".into()
            } else {
                "event".into()
            }
        });
    Ok(Some(Event { name, payload }))
}

impl Event {
    pub(super) fn text(&self, path: &[&str]) -> Option<&str> {
        let mut v = &self.payload;
        for p in path {
            v = v.get(p)?;
        }
        v.as_str()
    }

    pub(super) fn repository(&self) -> Option<String> {
        self.text(&["repository", "full_name"]).map(str::to_string)
    }

    /// One line of markdown for the summary.
    pub(super) fn describe(&self) -> String {
        let short = |s: &str| s.chars().take(12).collect::<String>();
        let mut line = match self.name.as_str() {
            "push" => {
                let git_ref = self.text(&["ref"]).unwrap_or("?");
                match self.text(&["after"]) {
                    Some(after) if after.bytes().all(|b| b == b'0') => {
                        format!("Event: push deleting {}", code(git_ref))
                    }
                    Some(after) => {
                        format!(
                            "Event: push to {} at {}",
                            code(git_ref),
                            code(&short(after))
                        )
                    }
                    None => format!("Event: push to {}", code(git_ref)),
                }
            }
            "pull_request" | "pull_request_target" => {
                let number = self
                    .payload
                    .get("pull_request")
                    .and_then(|p| p.get("number"))
                    .or_else(|| self.payload.get("number"))
                    .and_then(Value::as_u64);
                let mut s = match number {
                    Some(n) => format!("Event: pull request #{n}"),
                    None => "Event: pull request".to_string(),
                };
                if let Some(a) = self.text(&["action"]) {
                    let _ = write!(s, " ({})", md(a));
                }
                if let Some(sha) = self.text(&["pull_request", "head", "sha"]) {
                    let _ = write!(s, " at {}", code(&short(sha)));
                }
                s
            }
            other => {
                let mut s = format!("Event: {}", code(other));
                if let Some(a) = self.text(&["action"]) {
                    let _ = write!(s, " ({})", md(a));
                }
                s
            }
        };
        if let Some(r) = self.repository() {
            let _ = write!(line, " in {}", code(&r));
        }
        line.push('.');
        line
    }
}
