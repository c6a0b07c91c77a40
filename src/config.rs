//! Configuration: wattson's defaults in `rules/` (embedded in the binary),
//! overridden by a repository's `.wattson.toml`.
//!
//! Both files have the same shape. The defaults are merged into one TOML
//! table, the repository's file is merged over it key by key (a table
//! merges, any other value replaces: a repository's `bench` or `[ignore]`
//! list is what it says), and the result is read into each part's own
//! section type: `[hotness]` is `profile`'s, `[evidence]` is `evidence`'s,
//! `[regression]` is `regress`'s. The sections of the parts above this one
//! (`[propose]` and `[ignore]` for the pipeline, `[github]` for the GitHub
//! forge) are defined here, since nothing here may import them.
//!
//! Unknown tables and keys, and values of the wrong type or out of range,
//! are errors that name the file, the line and the key, so a typo never
//! silently falls back to a default.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};

pub use crate::evidence::EvidenceConfig;
pub use crate::profile::HotnessConfig;
pub use crate::regress::{RegressionConfig, SeriesOverride};

/// The defaults, as shipped in `rules/`.
const DEFAULT_RULES: &[(&str, &str)] = &[
    ("rules/hotness.toml", include_str!("../rules/hotness.toml")),
    (
        "rules/evidence.toml",
        include_str!("../rules/evidence.toml"),
    ),
    (
        "rules/regression.toml",
        include_str!("../rules/regression.toml"),
    ),
    ("rules/github.toml", include_str!("../rules/github.toml")),
    ("rules/ignore.toml", include_str!("../rules/ignore.toml")),
];

/// The name of a repository's own configuration file.
pub const REPO_CONFIG: &str = ".wattson.toml";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub hotness: HotnessConfig,
    pub evidence: EvidenceConfig,
    pub propose: ProposeConfig,
    pub regression: RegressionConfig,
    pub github: GitHubConfig,
    pub ignore: IgnoreConfig,
    /// Where the repository's overrides came from, if anywhere.
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

/// `[propose]`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProposeConfig {
    pub max_proposals: usize,
}

/// `[github]`: publishing pull requests.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GitHubConfig {
    pub max_open_pull_requests: usize,
    pub labels: Vec<String>,
    /// Seconds.
    pub max_rate_limit_wait: u64,
    pub max_attempts: usize,
}

impl GitHubConfig {
    fn check(&self) -> Result<(), String> {
        if !self
            .labels
            .iter()
            .all(|l| !l.trim().is_empty() && l.len() <= 50)
        {
            return Err("github.labels must be non-empty names of at most 50 characters".into());
        }
        if self.max_attempts < 1 {
            return Err("github.max_attempts must be at least 1".into());
        }
        Ok(())
    }
}

/// `[ignore]`: skills and paths never proposed.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgnoreConfig {
    pub skills: Vec<String>,
    pub paths: Vec<String>,
    /// `paths`, compiled once by `check` (every finding is tested against it).
    #[serde(skip)]
    matcher: GlobSet,
}

/// The same lists, whether or not the globs are compiled yet.
impl PartialEq for IgnoreConfig {
    fn eq(&self, other: &Self) -> bool {
        self.skills == other.skills && self.paths == other.paths
    }
}

impl IgnoreConfig {
    fn check(&mut self) -> Result<(), String> {
        let mut set = GlobSetBuilder::new();
        for g in &self.paths {
            set.add(Glob::new(g).map_err(|e| format!("ignore.paths pattern `{g}`: {e}"))?);
        }
        self.matcher = set.build().map_err(|e| format!("ignore.paths: {e}"))?;
        Ok(())
    }

    /// Whether a finding of `skill` in `path` (relative to the repository
    /// root) is to be left alone.
    pub fn ignores(&self, skill: &str, path: &str) -> bool {
        self.skills.iter().any(|s| s == skill) || self.matcher.is_match(path)
    }
}

impl Config {
    /// The shipped defaults alone.
    pub fn defaults() -> Config {
        let base = shipped_table();
        let mut config: Config = toml::Value::Table(base)
            .try_into()
            .expect("the shipped rules are complete and well typed (tested)");
        config
            .check()
            .expect("the shipped rules are valid (tested)");
        config
    }

    /// The defaults, overridden by the `.wattson.toml` found at `start` or
    /// the nearest directory above it (up to the repository's root).
    pub fn discover(start: &Path) -> Result<Config> {
        match find_repo_config(start) {
            Some(path) => Config::load(&path),
            None => Ok(Config::defaults()),
        }
    }

    /// The defaults, overridden by the file at `path`.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let mut config = Config::over_defaults(&path.display().to_string(), &text)?;
        config.source = Some(path.to_path_buf());
        Ok(config)
    }

    /// The defaults with `text` (the file `file`) merged over them.
    fn over_defaults(file: &str, text: &str) -> Result<Config> {
        let layer: toml::Table =
            toml::from_str(text).map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
        let mut merged = shipped_table();
        merge(&mut merged, layer);
        let mut config: Config = serde_path_to_error::deserialize(toml::Value::Table(merged))
            .map_err(|e| {
                let key = e.path().to_string();
                let at = line_of(text, &key)
                    .map(|line| format!(" line {line},"))
                    .unwrap_or_default();
                anyhow::anyhow!("{file}:{at} `{key}`: {}", e.into_inner())
            })?;
        config.check().map_err(|m| anyhow::anyhow!("{file}: {m}"))?;
        Ok(config)
    }

    /// Every section's own checks (ranges, globs compiled).
    fn check(&mut self) -> Result<(), String> {
        self.hotness.check()?;
        self.evidence.check()?;
        self.regression.check()?;
        self.github.check()?;
        self.ignore.check()
    }
}

/// The shipped rules as one table (each file holds its own tables).
fn shipped_table() -> toml::Table {
    let mut base = toml::Table::new();
    for (name, text) in DEFAULT_RULES {
        let layer: toml::Table =
            toml::from_str(text).unwrap_or_else(|e| panic!("{name} parses (tested): {e}"));
        merge(&mut base, layer);
    }
    base
}

/// `over` merged into `base`: tables merge key by key, any other value
/// (arrays included) replaces. `evidence.bench` replaces whole, whether a
/// command or a table of commands: a repository's benchmarks are its own.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) if key != "bench" => merge(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// The line of `text` where the key at `path` (`hotness.min_percent`,
/// `regression.series[1].min_pct`) is written, or the nearest enclosing
/// key that is.
fn line_of(text: &str, path: &str) -> Option<usize> {
    let doc = toml_edit::Document::parse(text).ok()?;
    let mut table: &dyn toml_edit::TableLike = doc.as_table();
    let mut found = None;
    for segment in path.split('.') {
        let (key, index) = match segment.split_once('[') {
            Some((k, i)) => (k, i.trim_end_matches(']').parse::<usize>().ok()),
            None => (segment, None),
        };
        let Some((k, item)) = table.get_key_value(key) else {
            break;
        };
        found = k.span().or_else(|| item.span()).or(found);
        let next: Option<&dyn toml_edit::TableLike> = match (item, index) {
            (toml_edit::Item::ArrayOfTables(tables), Some(i)) => match tables.get(i) {
                Some(t) => {
                    found = t.span().or(found);
                    Some(t)
                }
                None => None,
            },
            (_, None) => item.as_table_like(),
            _ => None,
        };
        match next {
            Some(t) => table = t,
            None => break,
        }
    }
    found.map(|s| line_at(text, s.start))
}

fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// `.wattson.toml` at `start` (or its directory) or above, stopping at the
/// first directory that holds `.git`.
fn find_repo_config(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    let mut dir = if start.is_dir() {
        start
    } else {
        start.parent()?.to_path_buf()
    };
    loop {
        let candidate = dir.join(REPO_CONFIG);
        if candidate.is_file() {
            return Some(candidate);
        }
        if dir.join(".git").exists() || !dir.pop() {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::formats::BenchFormat;

    #[test]
    fn every_file_in_rules_is_shipped() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| format!("rules/{}", e.unwrap().file_name().to_string_lossy()))
            .filter(|n| n.ends_with(".toml"))
            .collect();
        on_disk.sort();
        let mut shipped: Vec<String> = DEFAULT_RULES.iter().map(|(n, _)| n.to_string()).collect();
        shipped.sort();
        assert_eq!(on_disk, shipped);
    }

    #[test]
    fn shipped_rules_parse_and_set_every_default() {
        let c = Config::defaults();
        assert_eq!(c.hotness.min_percent, 1.0);
        assert_eq!(c.hotness.top, 20);
        assert_eq!(c.hotness.unmapped_shown, 10);
        assert_eq!(c.regression.defaults.max_p_value, 0.005);
        assert_eq!(c.regression.defaults.min_change_percent, 0.25);
        assert_eq!(c.regression.defaults.min_points, 5);
    }

    #[test]
    fn github_and_ignore_defaults_and_overrides() {
        let c = Config::defaults();
        assert_eq!(c.github.max_open_pull_requests, 5);
        assert_eq!(c.github.labels, ["wattson", "performance"]);
        assert!(c.github.max_attempts >= 2);
        assert!(!c.ignore.ignores("cpp/endl-in-loop", "src/a.cpp"));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(REPO_CONFIG);
        std::fs::write(
            &file,
            "[github]\nmax_open_pull_requests = 2\n[ignore]\nskills = [\"cpp/endl-in-loop\"]\npaths = [\"third_party/**\"]\n[hotness]\nprofile = \"perf/demo.folded\"\n",
        )
        .unwrap();
        let c = Config::load(&file).unwrap();
        assert_eq!(c.github.max_open_pull_requests, 2);
        assert!(c.ignore.ignores("cpp/endl-in-loop", "src/a.cpp"));
        assert!(c
            .ignore
            .ignores("cpp/find-single-char", "third_party/x/y.cpp"));
        assert!(!c.ignore.ignores("cpp/find-single-char", "src/a.cpp"));
        assert_eq!(
            c.hotness.profile.as_deref(),
            Some(Path::new("perf/demo.folded"))
        );
        for bad in [
            "[github]\nmax_attempts = 0\n",
            "[github]\nlabel = []\n",
            "[ignore]\npaths = [\"a/[\"]\n",
            "[hotness]\nprofile = \"../outside.folded\"\n",
        ] {
            std::fs::write(&file, bad).unwrap();
            let err = format!("{:#}", Config::load(&file).unwrap_err());
            assert!(err.contains(".wattson.toml"), "{bad}: {err}");
        }
    }

    #[test]
    fn evidence_defaults_and_overrides() {
        let c = Config::defaults();
        assert_eq!(c.evidence.bench_format, BenchFormat::Wall);
        assert_eq!(
            (c.evidence.runs, c.evidence.warmup, c.evidence.timeout),
            (5, 1, 600)
        );
        assert_eq!(c.evidence.thresholds.alpha, 0.05);
        assert!(c.evidence.bench.is_empty());
        assert_eq!(c.propose.max_proposals, 5);

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(REPO_CONFIG);
        std::fs::write(
            &path,
            "[evidence]\nbuild = \"make\"\nbench = { cpp = \"./a\", rust = \"./b\" }\n\
             bench_format = \"callgrind\"\nruns = 3\n[evidence.thresholds]\nalpha = 0.01\n",
        )
        .unwrap();
        let c = Config::load(&path).unwrap();
        assert_eq!(c.evidence.build.as_deref(), Some("make"));
        assert_eq!(c.evidence.bench.len(), 2);
        assert_eq!(c.evidence.bench_format, BenchFormat::Callgrind);
        assert_eq!(c.evidence.runs, 3);
        assert_eq!(c.evidence.thresholds.alpha, 0.01);
        assert_eq!(c.evidence.thresholds.min_change_percent, 1.0);
        std::fs::write(&path, "[evidence]\nbench = \"./bench\"\n").unwrap();
        let c = Config::load(&path).unwrap();
        assert_eq!(
            c.evidence.bench.get("bench").map(String::as_str),
            Some("./bench")
        );
    }

    #[test]
    fn regression_thresholds_can_be_set_per_series() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(REPO_CONFIG);
        std::fs::write(
            &path,
            "[regression]\nmin_points = 8\n\
             [[regression.series]]\npattern = \"*/latency*\"\nmin_change_percent = 2.0\n\
             [[regression.series]]\npattern = \"web/latency_p99\"\nmin_change_percent = 5.0\n",
        )
        .unwrap();
        let c = Config::load(&path).unwrap();
        let plain = c.regression.for_series("parse/throughput");
        assert_eq!(plain.min_points, 8);
        assert_eq!(plain.max_p_value, 0.005);
        assert_eq!(
            c.regression
                .for_series("web/latency_p50")
                .min_change_percent,
            2.0
        );
        assert_eq!(
            c.regression
                .for_series("web/latency_p99")
                .min_change_percent,
            5.0
        );
    }

    #[test]
    fn a_repo_file_overrides_only_what_it_names() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(
            dir.path().join(REPO_CONFIG),
            "[hotness]\nmin_percent = 2.5\n",
        )
        .unwrap();
        let c = Config::discover(&dir.path().join("src")).unwrap();
        assert_eq!(c.hotness.min_percent, 2.5);
        assert_eq!(c.hotness.top, 20);
        assert!(c.source.is_some());
    }

    #[test]
    fn typos_and_wrong_types_are_errors_naming_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(REPO_CONFIG);
        for (text, needle) in [
            ("[hotness]\nmin_percnt = 2\n", "min_percnt"),
            ("[hotness]\nmin_percent = \"high\"\n", "min_percent"),
            ("[hotnes]\n", "hotnes"),
            ("[hotness]\nmin_percent = 250.0\n", "between 0 and 100"),
            ("[hotness\n", "line 1"),
            ("[evidence]\nrunz = 3\n", "runz"),
            ("[evidence]\nruns = \"five\"\n", "runs"),
            ("[evidence]\nbench_format = \"stopwatch\"\n", "stopwatch"),
            ("[evidence]\nruns = 0\n", "evidence.runs = 0"),
            ("[evidence]\nruns = 1\n", "at least twice"),
            ("[evidence.thresholds]\nalpha = 5\n", "between 0 and 1"),
            ("[propose]\nmax = 3\n", "max"),
            ("[regression]\nmax_p = 0.1\n", "max_p"),
            ("[[regression.series]]\npattern = \"a[\"\n", "pattern"),
            (
                "[[regression.series]]\npattern = \"a\"\nmin_pct = 1\n",
                "min_pct",
            ),
        ] {
            std::fs::write(&path, text).unwrap();
            let err = format!("{:#}", Config::load(&path).unwrap_err());
            assert!(err.contains(needle), "{text:?}: {err}");
            assert!(err.contains(".wattson.toml"), "{text:?}: {err}");
        }
    }
}
