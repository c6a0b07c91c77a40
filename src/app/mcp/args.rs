//! The tools' arguments: one struct a tool, deserialized strictly (unknown
//! fields are errors, so a typo never silently falls back to a default) and
//! described by a JSON Schema that `tools/list` publishes.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::profile::ProfileFormat;
use crate::regress::feed::FeedFormat;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListSkillsArgs {
    /// Only these skills: ids such as `cpp/endl-in-loop`, or a language such as `rust`.
    #[serde(default)]
    pub skills: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExplainSkillArgs {
    /// The skill's id, e.g. `cpp/reserve-before-push-back` (see `list_skills`).
    pub id: String,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanArgs {
    /// A file or directory inside the repository, relative to its root (default: the root).
    #[serde(default)]
    pub path: Option<String>,
    /// Only these skills: ids such as `cpp/endl-in-loop`, or a language such as `rust`.
    #[serde(default)]
    pub skills: Vec<String>,
    /// A profile inside the repository (folded stacks, `perf script`, callgrind.out.*, pprof):
    /// findings are ranked by the weight of their code, and cold ones left out.
    #[serde(default)]
    pub profile: Option<String>,
    #[serde(default)]
    pub profile_format: Option<ProfileFormat>,
    /// Leave out findings in functions under this share of the profile, in percent
    /// (default: `hotness.min_percent` of the configuration).
    #[serde(default)]
    pub min_percent: Option<f64>,
    /// Skip files larger than this many bytes (default 2 MiB).
    #[serde(default)]
    pub max_file_size: Option<u64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HotspotsArgs {
    /// The tree the profile was taken of, relative to the repository root (default: the root).
    #[serde(default)]
    pub path: Option<String>,
    /// The profile, inside the repository.
    pub profile: String,
    #[serde(default)]
    pub profile_format: Option<ProfileFormat>,
    /// How many functions to list (default: `hotness.top` of the configuration).
    #[serde(default)]
    pub top: Option<usize>,
    /// Only these skills' findings.
    #[serde(default)]
    pub skills: Vec<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FixArgs {
    /// A file or directory inside the repository, relative to its root (default: the root).
    #[serde(default)]
    pub path: Option<String>,
    /// Only these skills' rewrites: ids or a language.
    #[serde(default)]
    pub skills: Vec<String>,
    /// Skip files larger than this many bytes (default 2 MiB).
    #[serde(default)]
    pub max_file_size: Option<u64>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyFixArgs {
    /// A file or directory inside the repository, relative to its root (default: the root).
    /// The rewrite is made to the committed code (HEAD), in a fresh worktree.
    #[serde(default)]
    pub path: Option<String>,
    /// Only these skills' rewrites: ids or a language.
    #[serde(default)]
    pub skills: Vec<String>,
    /// The branch to create (default `wattson/mcp/<fingerprint>`); it must not exist yet.
    #[serde(default)]
    pub branch: Option<String>,
    /// Skip files larger than this many bytes (default 2 MiB).
    #[serde(default)]
    pub max_file_size: Option<u64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasureArgs {
    /// The revision to compare against (default `HEAD`).
    #[serde(default)]
    pub base: Option<String>,
    /// The revision with the change: a branch, a commit id, anything git names a commit by.
    pub head: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DetectArgs {
    /// The feed, inside the repository: JSON Lines, CSV, github-action-benchmark's data.js or
    /// Apache Otava's CSV; or `git:<branch>:<path>`, a file on a branch of the repository
    /// (e.g. `git:gh-pages:dev/bench/data.js`). Points are ordered by the repository's
    /// first-parent history.
    pub feed: String,
    #[serde(default)]
    pub feed_format: Option<FeedFormat>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttributeArgs {
    /// The last revision measured good.
    pub good: String,
    /// The first revision measured bad.
    pub bad: String,
    /// A profile of the good revision, inside the repository.
    #[serde(default)]
    pub profile_before: Option<String>,
    /// A profile of the bad revision, inside the repository.
    #[serde(default)]
    pub profile_after: Option<String>,
    #[serde(default)]
    pub profile_format: Option<ProfileFormat>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrepareRevertArgs {
    /// The commit to revert (on top of HEAD).
    pub commit: String,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeArgs {
    /// The code to improve, relative to the repository root (default: the root).
    #[serde(default)]
    pub path: Option<String>,
    /// Only these skills: ids or a language.
    #[serde(default)]
    pub skills: Vec<String>,
    /// A profile, inside the repository: candidates hottest first, cold ones left out.
    #[serde(default)]
    pub profile: Option<String>,
    #[serde(default)]
    pub profile_format: Option<ProfileFormat>,
    /// Leave out findings in functions under this share of the profile, in percent.
    #[serde(default)]
    pub min_percent: Option<f64>,
    /// Defense instead of offense: find regressions in this feed (inside the repository, or
    /// `git:<branch>:<path>` on a branch of it) and propose their reverts.
    #[serde(default)]
    pub feed: Option<String>,
    #[serde(default)]
    pub feed_format: Option<FeedFormat>,
}
