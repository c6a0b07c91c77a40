//! The operations: one function per use case (scan, fix, hotspots, bench,
//! propose, detect, attribute, revert, …), each returning a `Serialize +
//! JsonSchema` result.
//!
//! These are the only entry points the front ends call. The command line
//! (`main.rs`), the MCP server (`app::mcp`) and the GitHub Action
//! (`app::action`) differ in how arguments arrive and how results leave
//! (text or JSON on stdout, a structured tool result, a job summary), never
//! in what is done: so `wattson scan --format json` and the MCP tool `scan`
//! print the same JSON because they serialize the same value, and the MCP
//! output schemas are generated from these types rather than written by hand.
//!
//! Arguments arrive resolved (paths are paths; the MCP server confines them
//! to its repository first). Errors say whether the caller asked for
//! something impossible ([`Error::Invalid`]) or the work failed
//! ([`Error::Failed`]), because MCP reports the two differently.

pub mod defense;
pub mod init;
pub mod measure;
pub mod propose;
pub mod scan;
pub mod skills;

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::config::Config;

pub use skills::Skills;

/// Why an operation did not produce its result.
#[derive(Debug)]
pub enum Error {
    /// A bad argument: the caller can fix it (an unknown skill, a revision
    /// that names no commit, a path outside the tree).
    Invalid(String),
    /// The work itself failed (a file that cannot be read, a build that
    /// cannot start, the repository in an unexpected state).
    Failed(anyhow::Error),
}

impl Error {
    pub fn invalid(message: impl Into<String>) -> Error {
        Error::Invalid(message.into())
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Invalid(m) => f.write_str(m),
            // The whole chain of context, as `wattson: error:` has always shown it.
            Error::Failed(e) => write!(f, "{e:#}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<anyhow::Error> for Error {
    fn from(e: anyhow::Error) -> Error {
        Error::Failed(e)
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Error {
        Error::Failed(e.into())
    }
}

impl From<git2::Error> for Error {
    fn from(e: git2::Error) -> Error {
        Error::Failed(e.into())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where an operation reports how it is getting on, step by step. The
/// command line and the Action log each step (`tracing`, which they print
/// on stderr unless `--quiet`); the MCP server forwards progress
/// notifications to the client and says when the client gave up. (The finer
/// running commentary of the parts below, each build and run, goes to
/// `tracing` directly.)
pub trait Progress: Sync {
    /// One step of the work, for whoever waits on it.
    fn say(&self, message: &str);

    /// Whether anyone listens (work done only to report can be skipped).
    fn listening(&self) -> bool {
        true
    }

    /// Whether the caller abandoned the call (timed out, cancelled): work
    /// stops before a lasting effect such as a new branch.
    fn abandoned(&self) -> bool {
        false
    }

    /// [`Progress::abandoned`] as an error, for `?`.
    fn check(&self) -> Result<()> {
        if self.abandoned() {
            Err(Error::Failed(anyhow::anyhow!(
                "the call was abandoned (timed out or cancelled)"
            )))
        } else {
            Ok(())
        }
    }
}

/// Steps logged through `tracing`: what a person at a terminal, or a CI
/// log, reads (see `app::cli::reporter`).
pub struct Logged;

impl Progress for Logged {
    fn say(&self, message: &str) {
        tracing::info!("{message}");
    }

    /// A person reads the outcome, not counts made only to be shown.
    fn listening(&self) -> bool {
        false
    }
}

/// Nobody listening: tests, benchmarks and in-process callers.
pub struct Silent;

impl Progress for Silent {
    fn say(&self, _message: &str) {}

    fn listening(&self) -> bool {
        false
    }
}

/// The configuration for work at `path`: `file` when one is given (`--config`),
/// else the `.wattson.toml` nearest `path`, over the shipped rules.
pub fn config(file: Option<&Path>, path: &Path) -> Result<Config> {
    Ok(match file {
        Some(file) => Config::load(file)?,
        None => Config::discover(path)?,
    })
}

/// The git repository holding `path`, and its working tree's root.
pub fn discover_repo(path: &Path) -> Result<(git2::Repository, PathBuf)> {
    let repo = git2::Repository::discover(path)
        .with_context(|| format!("{} is not inside a git repository", path.display()))?;
    let root = repo
        .workdir()
        .with_context(|| {
            format!(
                "{} is a bare repository: wattson needs a working tree",
                path.display()
            )
        })?
        .to_path_buf();
    Ok((repo, root))
}

/// A revision argument that names a commit of `repo`; `what` names the
/// argument in the error.
pub fn commit_of(repo: &git2::Repository, rev: &str, what: &str) -> Result<git2::Oid> {
    repo.revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .map(|c| c.id())
        .map_err(|_| Error::invalid(format!("{what} `{rev}` does not name a commit")))
}
