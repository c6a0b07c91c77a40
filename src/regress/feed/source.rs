//! Where a feed lives: a file, or a file on a branch of the repository
//! (`git:gh-pages:dev/bench/data.js`, where github-action-benchmark keeps
//! its `data.js`), read straight from git so that no step has to check the
//! branch out first.

use std::fmt;
use std::path::{Path, PathBuf};

use super::{detect_format, parse, Feed, FeedError, FeedFormat};

/// A feed's location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FeedSource {
    File(PathBuf),
    /// The file `path` at the tip of `branch`: a local branch of that name,
    /// else the remote-tracking `origin/<branch>`, else any revision git
    /// resolves by that name.
    Git {
        branch: String,
        path: String,
    },
}

/// What `git:` sources start with.
pub const GIT_PREFIX: &str = "git:";

impl FeedSource {
    /// `git:<branch>:<path>`, or a file path. (A file whose name really
    /// starts with `git:` is named `./git:…`.)
    pub fn parse(text: &str) -> Result<FeedSource, String> {
        let Some(rest) = text.strip_prefix(GIT_PREFIX) else {
            return Ok(FeedSource::File(PathBuf::from(text)));
        };
        // Branch names cannot hold a colon (git check-ref-format), paths can.
        match rest.split_once(':') {
            Some((branch, path)) if !branch.is_empty() && !path.trim_matches('/').is_empty() => {
                Ok(FeedSource::Git {
                    branch: branch.to_string(),
                    path: path.trim_start_matches('/').to_string(),
                })
            }
            _ => Err(format!(
                "feed `{text}`: a feed on a branch is written git:<branch>:<path>, \
                 e.g. git:gh-pages:dev/bench/data.js"
            )),
        }
    }

    /// The same from a path argument (the command line takes paths).
    pub fn from_path(path: &Path) -> Result<FeedSource, String> {
        match path.to_str() {
            Some(text) => FeedSource::parse(text),
            None => Ok(FeedSource::File(path.to_path_buf())),
        }
    }

    /// The branch a `git:` source reads, if it is one.
    pub fn branch(&self) -> Option<&str> {
        match self {
            FeedSource::Git { branch, .. } => Some(branch),
            FeedSource::File(_) => None,
        }
    }
}

impl fmt::Display for FeedSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FeedSource::File(path) => write!(f, "{}", path.display()),
            FeedSource::Git { branch, path } => write!(f, "{GIT_PREFIX}{branch}:{path}"),
        }
    }
}

/// Read a feed from wherever it lives; a `git:` source needs the
/// repository (which also orders the points).
pub fn read_source(
    source: &FeedSource,
    format: Option<FeedFormat>,
    repo: Option<&git2::Repository>,
) -> Result<Feed, FeedError> {
    let (branch, path) = match source {
        FeedSource::File(path) => return super::read(path, format, repo),
        FeedSource::Git { branch, path } => (branch, path),
    };
    let fail = |message: String| FeedError::GitSource {
        feed: source.to_string(),
        message,
    };
    let Some(repo) = repo else {
        return Err(fail(
            "a feed on a branch is read from a repository: give one (--repo)".into(),
        ));
    };
    let commit = branch_tip(repo, branch).map_err(fail)?;
    let tree = commit
        .tree()
        .map_err(|e| fail(format!("reading branch `{branch}`: {e}")))?;
    let entry = tree.get_path(Path::new(path)).map_err(|_| {
        fail(format!(
            "branch `{branch}` (at {}) has no file `{path}`",
            &commit.id().to_string()[..10]
        ))
    })?;
    let blob = repo
        .find_blob(entry.id())
        .map_err(|_| fail(format!("`{path}` on branch `{branch}` is not a file")))?;
    let text = std::str::from_utf8(blob.content())
        .map_err(|_| fail(format!("`{path}` on branch `{branch}` is not UTF-8 text")))?;
    let format = match format {
        Some(format) => format,
        None => {
            let name = Path::new(path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            detect_format(&name, text).ok_or_else(|| FeedError::UnknownFormat {
                name: source.to_string(),
            })?
        }
    };
    parse(text, format, Some(repo))
}

/// The commit at the tip of `branch`: the local branch, else
/// `origin/<branch>` (a CI checkout or a fresh clone has only that), else
/// whatever git resolves the name to.
fn branch_tip<'r>(repo: &'r git2::Repository, branch: &str) -> Result<git2::Commit<'r>, String> {
    for name in [
        format!("refs/heads/{branch}"),
        format!("refs/remotes/origin/{branch}"),
    ] {
        if let Ok(reference) = repo.find_reference(&name) {
            return reference
                .peel_to_commit()
                .map_err(|e| format!("`{name}` is not a commit: {e}"));
        }
    }
    repo.revparse_single(branch)
        .and_then(|object| object.peel_to_commit())
        .map_err(|_| {
            format!(
                "the repository has no branch `{branch}` (neither refs/heads/{branch} nor \
                 refs/remotes/origin/{branch}); fetch it first: git fetch origin {branch}"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_sources_and_files_are_told_apart() {
        assert_eq!(
            FeedSource::parse("git:gh-pages:dev/bench/data.js"),
            Ok(FeedSource::Git {
                branch: "gh-pages".into(),
                path: "dev/bench/data.js".into()
            })
        );
        // Branches may hold slashes; paths may hold colons.
        assert_eq!(
            FeedSource::parse("git:perf/results:/a:b.csv"),
            Ok(FeedSource::Git {
                branch: "perf/results".into(),
                path: "a:b.csv".into()
            })
        );
        assert_eq!(
            FeedSource::parse("bench.jsonl"),
            Ok(FeedSource::File("bench.jsonl".into()))
        );
        assert_eq!(
            FeedSource::parse("./git:odd.jsonl"),
            Ok(FeedSource::File("./git:odd.jsonl".into()))
        );
        for bad in [
            "git:",
            "git:gh-pages",
            "git::data.js",
            "git:gh-pages:",
            "git:gh-pages:/",
        ] {
            let err = FeedSource::parse(bad).unwrap_err();
            assert!(err.contains("git:<branch>:<path>"), "{bad}: {err}");
        }
        assert_eq!(
            FeedSource::parse("git:gh-pages:dev/bench/data.js")
                .unwrap()
                .to_string(),
            "git:gh-pages:dev/bench/data.js"
        );
    }
}
