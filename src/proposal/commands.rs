//! Reviewer commands: what a reviewer may ask of a wattson pull request by
//! commenting `@wattson <command>` on it. They belong to the proposal: its
//! description lists them (the footer), and the App (`app::serve::review`) carries
//! them out.
//!
//! Parsing is kept apart from carrying out (the App does that), so the list a
//! pull request shows, the help reply and the parser cannot drift apart: all
//! three come from [`COMMANDS`].

/// The mention that addresses wattson in a comment.
pub const MENTION: &str = "@wattson";

/// Every command, as (usage, what it does), in the order help shows them.
pub const COMMANDS: &[(&str, &str)] = &[
    (
        "reject [reason]",
        "close this pull request; wattson never proposes this change again",
    ),
    (
        "refine drop <path>",
        "rebuild the proposal without the changes to <path>",
    ),
    (
        "refine only <skill>",
        "rebuild the proposal with only the rewrites of <skill>",
    ),
    (
        "refine variant <name>",
        "rebuild the proposal with another variant of its rewrite",
    ),
    (
        "rebench",
        "measure the proposal again and post the new evidence",
    ),
    (
        "rebase",
        "redo the proposal on the current default branch and measure it again",
    ),
    (
        "ignore skill <id>",
        "propose a `.wattson.toml` change that turns the skill off here",
    ),
    (
        "ignore path <glob>",
        "propose a `.wattson.toml` change that keeps wattson out of those files",
    ),
    ("help", "list these commands"),
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Reject {
        reason: Option<String>,
    },
    RefineDrop {
        path: String,
    },
    RefineOnly {
        skill: String,
    },
    RefineVariant {
        name: String,
    },
    Rebench,
    Rebase,
    IgnoreSkill {
        id: String,
    },
    IgnorePath {
        glob: String,
    },
    Help,
    /// Addressed to wattson but not a command it knows; `problem` says what
    /// was wrong, for the reply.
    Unknown {
        text: String,
        problem: String,
    },
}

/// The commands in a comment: every line that starts with the mention,
/// outside quotes (`> `) and fenced code, which are someone else's words.
pub fn parse(comment: &str) -> Vec<Command> {
    let mut out = Vec::new();
    let mut in_fence = false;
    for line in comment.lines() {
        let line = line.trim();
        if line.starts_with("```") || line.starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence || line.starts_with('>') {
            continue;
        }
        let Some(rest) = strip_mention(line) else {
            continue;
        };
        out.push(parse_one(rest.trim()));
    }
    out
}

fn strip_mention(line: &str) -> Option<&str> {
    let head = line.get(..MENTION.len())?;
    if !head.eq_ignore_ascii_case(MENTION) {
        return None;
    }
    let rest = &line[MENTION.len()..];
    // `@wattsonbot` is somebody else.
    match rest.chars().next() {
        None => Some(rest),
        Some(c) if c.is_whitespace() || c == ':' || c == ',' => {
            Some(rest.trim_start_matches([':', ',']))
        }
        Some(_) => None,
    }
}

fn parse_one(text: &str) -> Command {
    let words: Vec<&str> = text.split_whitespace().collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
    let arg = |n: usize| words.get(n).map(|s| s.trim_matches('`').to_string());
    let unknown = |problem: &str| Command::Unknown {
        text: text.to_string(),
        problem: problem.to_string(),
    };
    let one_arg =
        |n: usize, what: &str, make: &dyn Fn(String) -> Command| match (arg(n), words.len()) {
            (Some(a), len) if len == n + 1 && !a.is_empty() => make(a),
            (None, _) => unknown(&format!("it needs {what}")),
            _ => unknown(&format!("it takes exactly one {what}")),
        };
    match lower
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => unknown("there is no command after the mention"),
        ["help", ..] => Command::Help,
        ["reject", ..] => {
            let reason = text["reject".len()..].trim();
            Command::Reject {
                reason: (!reason.is_empty()).then(|| reason.to_string()),
            }
        }
        ["rebench"] => Command::Rebench,
        ["rebase"] => Command::Rebase,
        ["rebench" | "rebase", ..] => unknown("it takes no arguments"),
        ["refine", "drop", ..] => one_arg(2, "path", &|path| Command::RefineDrop { path }),
        ["refine", "only", ..] => one_arg(2, "skill id", &|skill| Command::RefineOnly { skill }),
        ["refine", "variant", ..] => {
            one_arg(2, "variant name", &|name| Command::RefineVariant { name })
        }
        ["refine", ..] => {
            unknown("`refine` is followed by `drop <path>`, `only <skill>` or `variant <name>`")
        }
        ["ignore", "skill", ..] => one_arg(2, "skill id", &|id| Command::IgnoreSkill { id }),
        ["ignore", "path", ..] => one_arg(2, "glob", &|glob| match globset::Glob::new(&glob) {
            Ok(_) => Command::IgnorePath { glob },
            Err(e) => unknown(&format!("`{glob}` is not a glob: {e}")),
        }),
        ["ignore", ..] => unknown("`ignore` is followed by `skill <id>` or `path <glob>`"),
        [first, ..] => unknown(&format!("`{first}` is not a command wattson knows")),
    }
}

/// The command list as markdown, for help replies and pull request bodies.
pub fn help_markdown() -> String {
    let mut out = String::from(
        "Comment on this pull request with one of these (people with write access only):\n\n",
    );
    for (usage, what) in COMMANDS {
        out.push_str(&format!("- `{MENTION} {usage}`: {what}\n"));
    }
    out
}

/// The collapsed command list every wattson pull request ends with.
pub fn footer() -> String {
    format!(
        "<details><summary>Commands</summary>\n\n{}\nClosing this pull request without merging counts as `{MENTION} reject`.\n\n</details>\n",
        help_markdown()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_parses() {
        let cases = [
            ("@wattson reject", Command::Reject { reason: None }),
            (
                "@wattson reject too risky for the hot path",
                Command::Reject {
                    reason: Some("too risky for the hot path".into()),
                },
            ),
            (
                "@wattson refine drop src/a.cpp",
                Command::RefineDrop {
                    path: "src/a.cpp".into(),
                },
            ),
            (
                "@wattson refine only `cpp/endl-in-loop`",
                Command::RefineOnly {
                    skill: "cpp/endl-in-loop".into(),
                },
            ),
            (
                "@wattson refine variant auto-ref",
                Command::RefineVariant {
                    name: "auto-ref".into(),
                },
            ),
            ("@Wattson: rebench", Command::Rebench),
            ("@wattson rebase", Command::Rebase),
            (
                "@wattson ignore skill rust/vec-with-capacity",
                Command::IgnoreSkill {
                    id: "rust/vec-with-capacity".into(),
                },
            ),
            (
                "@wattson ignore path third_party/**",
                Command::IgnorePath {
                    glob: "third_party/**".into(),
                },
            ),
            ("@wattson help", Command::Help),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text), vec![want], "{text}");
        }
        // Every usage in the list is a command the parser knows.
        for (usage, _) in COMMANDS {
            let filled = usage
                .replace("[reason]", "")
                .replace("<path>", "a.cpp")
                .replace("<skill>", "cpp/x")
                .replace("<name>", "v")
                .replace("<id>", "cpp/x")
                .replace("<glob>", "src/**");
            let got = parse(&format!("@wattson {filled}"));
            assert!(
                !matches!(got[0], Command::Unknown { .. }),
                "{usage}: {got:?}"
            );
        }
    }

    #[test]
    fn mistakes_get_a_reason_and_other_text_is_not_a_command() {
        for (text, problem) in [
            ("@wattson frobnicate", "not a command"),
            ("@wattson", "no command"),
            ("@wattson refine drop", "needs path"),
            ("@wattson refine drop a b", "exactly one"),
            ("@wattson refine sideways", "followed by"),
            ("@wattson ignore path a/[", "not a glob"),
            ("@wattson rebench now", "no arguments"),
        ] {
            match &parse(text)[..] {
                [Command::Unknown { problem: p, .. }] => {
                    assert!(p.contains(problem), "{text}: {p}")
                }
                other => panic!("{text}: {other:?}"),
            }
        }
        assert!(parse("thanks @wattson, looks good").is_empty());
        assert!(parse("> @wattson reject\nquoting someone").is_empty());
        assert!(parse("```\n@wattson reject\n```").is_empty());
        assert!(parse("@wattsonbot reject").is_empty());
        assert_eq!(parse("LGTM\n@wattson rebench\n@wattson help").len(), 2);
    }

    #[test]
    fn the_footer_lists_every_command() {
        let f = footer();
        for (usage, _) in COMMANDS {
            assert!(f.contains(usage), "{usage}");
        }
        assert!(f.starts_with("<details>"));
    }
}
