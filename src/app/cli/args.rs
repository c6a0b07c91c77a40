//! The command line's arguments (clap). Each subcommand names a use case
//! of [`crate::ops`]; `super::run` turns these into its request.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::profile::ProfileFormat;
use crate::regress::feed::FeedFormat;
use crate::scan::DEFAULT_MAX_FILE_SIZE;

#[derive(Parser)]
#[command(
    name = "wattson",
    version,
    about = "Find and fix performance work in C++ and Rust code with tree-sitter rewrite skills."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Args, Clone)]
pub struct SkillArgs {
    /// Only use these skills: an id such as `cpp/endl-in-loop`, a language such as `rust`, or `all`. Repeatable. By default every skill but the pedantic ones (those saving at most a move or a few instructions; see `wattson skills list`) runs; name a pedantic skill or `all` to run it.
    #[arg(long = "skill", value_name = "ID")]
    pub skills: Vec<String>,
    /// Load skills from this directory instead of the built-in `rewrites/`.
    #[arg(long, value_name = "DIR", env = "WATTSON_SKILLS_DIR")]
    pub skills_dir: Option<PathBuf>,
}

#[derive(clap::Args, Clone)]
pub struct WalkArgs {
    /// Skip files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_FILE_SIZE)]
    pub max_file_size: u64,
    /// Do not show a progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Also scan tests, benchmarks, fuzz targets, examples, vendored and
    /// generated code (left out by default: findings there are rarely worth
    /// a change).
    #[arg(long)]
    pub include_tests: bool,
}

#[derive(clap::Args, Clone)]
pub struct ProfileArgs {
    /// A profile (folded stacks, `perf script` output, callgrind.out.*,
    /// pprof): findings are ordered by the weight of the code they touch, and
    /// those in cold functions are left out.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// The profile's format, when detection from its contents is not enough.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub profile_format: Option<ProfileFormat>,
    /// Leave out findings in functions with less self weight than this share
    /// of the profile, in percent (default: `hotness.min_percent` from
    /// `.wattson.toml` or rules/hotness.toml).
    #[arg(long, value_name = "PERCENT")]
    pub min_percent: Option<f64>,
    /// Read configuration from this file instead of the nearest `.wattson.toml`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

/// For the outputs that have no SARIF form.
#[derive(Clone, Copy, ValueEnum, Debug)]
pub enum TextOrJson {
    Text,
    Json,
}

#[derive(Subcommand)]
pub enum Command {
    /// List the places where a skill applies.
    Scan {
        /// A file or directory (default: the current directory).
        #[arg(default_value = ".")]
        path: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Write the report to this file instead of stdout.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Exit with status 1 when there are findings.
        #[arg(long)]
        fail_on_findings: bool,
        #[command(flatten)]
        profile: ProfileArgs,
        #[command(flatten)]
        skills: SkillArgs,
        #[command(flatten)]
        walk: WalkArgs,
    },
    /// The heaviest functions of a profile, joined to the tree, with their findings.
    Hotspots {
        /// The tree the profile was taken of (default: the current directory).
        #[arg(default_value = ".")]
        path: PathBuf,
        #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
        format: TextOrJson,
        /// How many functions to list (default: `hotness.top` from the configuration).
        #[arg(long, value_name = "N")]
        top: Option<usize>,
        #[command(flatten)]
        profile: ProfileArgs,
        #[command(flatten)]
        skills: SkillArgs,
        #[command(flatten)]
        walk: WalkArgs,
    },
    /// Measure a change: build and test the head tree, benchmark base and head interleaved.
    Bench {
        /// The revision to compare against.
        #[arg(long, value_name = "REV")]
        base: String,
        /// The revision with the change.
        #[arg(long, value_name = "REV")]
        head: String,
        /// The repository (default: the current directory).
        #[arg(default_value = ".")]
        path: PathBuf,
        #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
        format: TextOrJson,
        /// Read configuration from this file instead of the repository's `.wattson.toml`.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// No progress on stderr.
        #[arg(long)]
        quiet: bool,
    },
    /// Infer a `.wattson.toml` from the project's build files (Cargo, CMake, Meson, Make), as the App's onboarding does.
    Init {
        /// The repository (default: the current directory).
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Write `.wattson.toml` (never over an existing one) instead of printing it.
        #[arg(long)]
        write: bool,
        /// With --write: also add `.github/workflows/wattson.yml`, the workflow the App dispatches.
        #[arg(long, requires = "write")]
        workflow: bool,
        #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
        format: TextOrJson,
    },
    /// Find, rewrite, verify and measure: each surviving change becomes a local
    /// branch `wattson/<skill>/<fingerprint>` with a pull-request description.
    Propose {
        /// The code to improve, inside a git repository (default: the current directory).
        #[arg(default_value = ".")]
        path: PathBuf,
        #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
        format: TextOrJson,
        /// Defense instead of offense: find regressions in this feed and propose their reverts
        /// (a file, or `git:<branch>:<path>` read from the repository, e.g.
        /// `git:gh-pages:dev/bench/data.js`).
        #[arg(long, value_name = "FEED")]
        feed: Option<PathBuf>,
        #[arg(long, value_enum, value_name = "FORMAT")]
        feed_format: Option<FeedFormat>,
        #[command(flatten)]
        profile: ProfileArgs,
        #[command(flatten)]
        skills: SkillArgs,
        #[command(flatten)]
        walk: WalkArgs,
    },
    /// Find change points (regressions and improvements) in a performance feed.
    Detect {
        /// JSON Lines, CSV, github-action-benchmark's data.js or Apache Otava's CSV: a file, or
        /// `git:<branch>:<path>` read from the repository (e.g. `git:gh-pages:dev/bench/data.js`).
        #[arg(long, value_name = "FEED")]
        feed: PathBuf,
        #[arg(long, value_enum, value_name = "FORMAT")]
        feed_format: Option<FeedFormat>,
        /// Order points by this repository's first-parent history.
        #[arg(long, value_name = "PATH")]
        repo: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
        format: TextOrJson,
        /// Read configuration from this file instead of the nearest `.wattson.toml`.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Rank the commits in good..bad by how likely each caused a regression.
    Attribute {
        #[arg(long, value_name = "PATH", default_value = ".")]
        repo: PathBuf,
        /// The last revision measured good.
        #[arg(long, value_name = "REV")]
        good: String,
        /// The first revision measured bad.
        #[arg(long, value_name = "REV")]
        bad: String,
        /// A profile of the good revision.
        #[arg(long, value_name = "FILE")]
        profile_before: Option<PathBuf>,
        /// A profile of the bad revision.
        #[arg(long, value_name = "FILE")]
        profile_after: Option<PathBuf>,
        #[arg(long, value_enum, value_name = "FORMAT")]
        profile_format: Option<ProfileFormat>,
        /// Also narrow the range to one commit by measuring (needs `bench` in `.wattson.toml`).
        #[arg(long)]
        bisect: bool,
        #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
        format: TextOrJson,
        #[arg(long)]
        quiet: bool,
    },
    /// Revert a commit on top of HEAD, measure the revert, and propose it as a local branch.
    Revert {
        #[arg(long, value_name = "PATH", default_value = ".")]
        repo: PathBuf,
        /// The commit to revert.
        commit: String,
        /// Only build the revert commit on top of HEAD (in memory, no branch
        /// moves) and say its id, or the paths that conflict.
        #[arg(long)]
        prepare: bool,
        #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
        format: TextOrJson,
        #[arg(long)]
        quiet: bool,
    },
    /// Rewrite: print a unified diff, or apply it with --write.
    Fix {
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Apply the edits to the files in place.
        #[arg(long, conflicts_with = "branch")]
        write: bool,
        /// Rewrite the committed code (HEAD) in a fresh worktree and commit it
        /// on this new branch; the working tree, index and HEAD stay as they are.
        #[arg(long, value_name = "NAME")]
        branch: Option<String>,
        /// `json`: the diff with the edits per file (and the branch made).
        #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
        format: TextOrJson,
        #[command(flatten)]
        skills: SkillArgs,
        #[command(flatten)]
        walk: WalkArgs,
    },
    /// Serve the skills and the pipeline to AI agents: a Model Context Protocol server on stdio.
    Mcp(crate::app::mcp::McpArgs),
    /// Run the GitHub App: receive webhooks, propose on pushes, answer reviewers' commands.
    Serve(crate::app::serve::ServeArgs),
    /// The App's job queue: what is waiting, running and done (the history `wattson serve` keeps).
    Jobs(crate::app::serve::history::JobsArgs),
    /// Run as a step of a GitHub Actions workflow (see action.yml).
    Action(crate::app::action::ActionArgs),
    /// List, explain and test the skills.
    Skills {
        #[command(subcommand)]
        action: SkillsAction,
    },
}

#[derive(Subcommand)]
pub enum SkillsAction {
    /// One skill a line: id, tier, language, title.
    List {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        skills: SkillArgs,
    },
    /// Show a skill: why it is faster, its query, guards, edit and examples.
    Explain {
        id: String,
        #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
        format: TextOrJson,
        #[command(flatten)]
        skills: SkillArgs,
    },
    /// The guard catalogue: the reusable predicates skills name.
    Guards,
    /// Run every skill's own examples (or those of one skill or language).
    Test {
        id: Option<String>,
        #[command(flatten)]
        skills: SkillArgs,
    },
}
