//! Configuration: wattson's defaults in `rules/` (embedded in the binary),
//! overridden by a repository's `.wattson.toml`.
//!
//! Both files have the same shape. Unknown tables and keys, and values of the
//! wrong type, are errors that name the file, the key and the line, so a typo
//! never silently falls back to a default.

use std::path::{Path, PathBuf};

use std::collections::BTreeMap;

use anyhow::{ensure, Context, Result};
use serde::{Deserialize, Serialize};

use crate::evidence::formats::BenchFormat;
use crate::evidence::stats::Thresholds;
pub use crate::evidence::EvidenceConfig;
use crate::regress::detect::DetectConfig;
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

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Config {
    pub hotness: Hotness,
    pub evidence: EvidenceConfig,
    pub propose: ProposeConfig,
    pub regression: RegressionConfig,
    pub github: GitHubConfig,
    pub ignore: IgnoreConfig,
    /// Where the repository's overrides came from, if anywhere.
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Hotness {
    pub min_percent: f64,
    pub top: usize,
    pub unmapped_shown: usize,
    /// The repository's own profile, relative to its root: what the GitHub
    /// App and Action rank a push's findings by.
    pub profile: Option<PathBuf>,
}

/// `[propose]`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ProposeConfig {
    pub max_proposals: usize,
}

/// `[github]`: publishing pull requests.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct GitHubConfig {
    pub max_open_pull_requests: usize,
    pub labels: Vec<String>,
    /// Seconds.
    pub max_rate_limit_wait: u64,
    pub max_attempts: usize,
}

/// `[ignore]`: skills and paths never proposed.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct IgnoreConfig {
    pub skills: Vec<String>,
    pub paths: Vec<String>,
}

impl IgnoreConfig {
    /// Whether a finding of `skill` in `path` (relative to the repository
    /// root) is to be left alone.
    pub fn ignores(&self, skill: &str, path: &str) -> bool {
        self.skills.iter().any(|s| s == skill)
            || self.paths.iter().any(|g| {
                globset::Glob::new(g)
                    .map(|g| g.compile_matcher().is_match(path))
                    .unwrap_or(false)
            })
    }
}

/// The shape of one configuration file: every key optional, nothing unknown.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Layer {
    hotness: Option<HotnessLayer>,
    evidence: Option<EvidenceLayer>,
    propose: Option<ProposeLayer>,
    regression: Option<RegressionLayer>,
    github: Option<GitHubLayer>,
    ignore: Option<IgnoreLayer>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct GitHubLayer {
    max_open_pull_requests: Option<usize>,
    labels: Option<Vec<String>>,
    max_rate_limit_wait: Option<u64>,
    max_attempts: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct IgnoreLayer {
    skills: Option<Vec<String>>,
    paths: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegressionLayer {
    max_p_value: Option<f64>,
    min_change_percent: Option<f64>,
    min_points: Option<usize>,
    series: Option<Vec<SeriesOverride>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EvidenceLayer {
    build: Option<String>,
    test: Option<String>,
    bench: Option<BenchLayer>,
    bench_format: Option<BenchFormat>,
    runs: Option<usize>,
    warmup: Option<usize>,
    timeout: Option<u64>,
    thresholds: Option<ThresholdsLayer>,
}

/// `bench = "cmd"` or `bench = { name = "cmd", … }`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum BenchLayer {
    One(String),
    Named(BTreeMap<String, String>),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThresholdsLayer {
    alpha: Option<f64>,
    confidence: Option<f64>,
    min_change_percent: Option<f64>,
    max_ci_width_percent: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProposeLayer {
    max_proposals: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HotnessLayer {
    min_percent: Option<f64>,
    top: Option<usize>,
    unmapped_shown: Option<usize>,
    profile: Option<PathBuf>,
}

impl Config {
    /// The shipped defaults alone.
    pub fn defaults() -> Config {
        let mut config = Config {
            hotness: Hotness {
                min_percent: 0.0,
                top: 0,
                unmapped_shown: 0,
                profile: None,
            },
            evidence: EvidenceConfig {
                build: None,
                test: None,
                bench: BTreeMap::new(),
                bench_format: BenchFormat::Wall,
                runs: 1,
                warmup: 0,
                timeout: 1,
                thresholds: Thresholds {
                    alpha: 0.05,
                    min_change_percent: 0.0,
                    max_ci_width_percent: 0.0,
                    confidence: 0.95,
                },
            },
            propose: ProposeConfig { max_proposals: 1 },
            regression: RegressionConfig {
                defaults: DetectConfig {
                    max_p_value: 0.001,
                    min_change_percent: 0.0,
                    min_points: 1,
                },
                series: Vec::new(),
            },
            github: GitHubConfig {
                max_open_pull_requests: 0,
                labels: Vec::new(),
                max_rate_limit_wait: 0,
                max_attempts: 1,
            },
            ignore: IgnoreConfig::default(),
            source: None,
        };
        for (name, text) in DEFAULT_RULES {
            let layer = parse_layer(name, text).expect("the shipped rules parse (tested)");
            config
                .apply(layer, name)
                .expect("the shipped rules are valid (tested)");
        }
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
        let shown = path.display().to_string();
        let layer = parse_layer(&shown, &text)?;
        let mut config = Config::defaults();
        config.apply(layer, &shown)?;
        config.source = Some(path.to_path_buf());
        Ok(config)
    }

    fn apply(&mut self, layer: Layer, file: &str) -> Result<()> {
        if let Some(h) = layer.hotness {
            if let Some(v) = h.min_percent {
                anyhow::ensure!(
                    (0.0..=100.0).contains(&v),
                    "{file}: hotness.min_percent must be between 0 and 100, not {v}"
                );
                self.hotness.min_percent = v;
            }
            if let Some(v) = h.top {
                self.hotness.top = v;
            }
            if let Some(v) = h.unmapped_shown {
                self.hotness.unmapped_shown = v;
            }
            if let Some(v) = h.profile {
                ensure!(
                    v.is_relative()
                        && !v.components().any(|c| c == std::path::Component::ParentDir),
                    "{file}: hotness.profile must be a path inside the repository, not {}",
                    v.display()
                );
                self.hotness.profile = Some(v);
            }
        }
        if let Some(e) = layer.evidence {
            let ev = &mut self.evidence;
            if e.build.is_some() {
                ev.build = e.build;
            }
            if e.test.is_some() {
                ev.test = e.test;
            }
            match e.bench {
                Some(BenchLayer::One(cmd)) => {
                    ev.bench = BTreeMap::from([("bench".to_string(), cmd)]);
                }
                Some(BenchLayer::Named(map)) => ev.bench = map,
                None => {}
            }
            if let Some(v) = e.bench_format {
                ev.bench_format = v;
            }
            if let Some(v) = e.runs {
                ensure!(v >= 1, "{file}: evidence.runs must be at least 1");
                ev.runs = v;
            }
            if let Some(v) = e.warmup {
                ev.warmup = v;
            }
            if let Some(v) = e.timeout {
                ensure!(v >= 1, "{file}: evidence.timeout must be at least 1 second");
                ev.timeout = v;
            }
            if let Some(t) = e.thresholds {
                let th = &mut ev.thresholds;
                let unit = |name: &str, v: f64| -> Result<f64> {
                    ensure!(
                        v > 0.0 && v < 1.0,
                        "{file}: evidence.thresholds.{name} must be between 0 and 1, not {v}"
                    );
                    Ok(v)
                };
                let percent = |name: &str, v: f64| -> Result<f64> {
                    ensure!(
                        v >= 0.0 && v.is_finite(),
                        "{file}: evidence.thresholds.{name} must be a percentage of 0 or more, not {v}"
                    );
                    Ok(v)
                };
                if let Some(v) = t.alpha {
                    th.alpha = unit("alpha", v)?;
                }
                if let Some(v) = t.confidence {
                    th.confidence = unit("confidence", v)?;
                }
                if let Some(v) = t.min_change_percent {
                    th.min_change_percent = percent("min_change_percent", v)?;
                }
                if let Some(v) = t.max_ci_width_percent {
                    th.max_ci_width_percent = percent("max_ci_width_percent", v)?;
                }
            }
        }
        if let Some(p) = layer.propose {
            if let Some(v) = p.max_proposals {
                self.propose.max_proposals = v;
            }
        }
        if let Some(g) = layer.github {
            if let Some(v) = g.max_open_pull_requests {
                self.github.max_open_pull_requests = v;
            }
            if let Some(v) = g.labels {
                ensure!(
                    v.iter().all(|l| !l.trim().is_empty() && l.len() <= 50),
                    "{file}: github.labels must be non-empty names of at most 50 characters"
                );
                self.github.labels = v;
            }
            if let Some(v) = g.max_rate_limit_wait {
                self.github.max_rate_limit_wait = v;
            }
            if let Some(v) = g.max_attempts {
                ensure!(v >= 1, "{file}: github.max_attempts must be at least 1");
                self.github.max_attempts = v;
            }
        }
        if let Some(i) = layer.ignore {
            for g in i.paths.iter().flatten() {
                globset::Glob::new(g)
                    .map_err(|e| anyhow::anyhow!("{file}: ignore.paths pattern `{g}`: {e}"))?;
            }
            // Lists add up across layers: the defaults ignore nothing, and a
            // repository's own list is what it says.
            self.ignore.skills.extend(i.skills.unwrap_or_default());
            self.ignore.paths.extend(i.paths.unwrap_or_default());
        }
        if let Some(r) = layer.regression {
            let check_p = |v: f64| -> Result<f64> {
                ensure!(
                    v > 0.0 && v < 1.0,
                    "{file}: regression max_p_value must be between 0 and 1, not {v}"
                );
                Ok(v)
            };
            let d = &mut self.regression.defaults;
            if let Some(v) = r.max_p_value {
                d.max_p_value = check_p(v)?;
            }
            if let Some(v) = r.min_change_percent {
                ensure!(
                    v >= 0.0,
                    "{file}: regression.min_change_percent must be 0 or more"
                );
                d.min_change_percent = v;
            }
            if let Some(v) = r.min_points {
                ensure!(v >= 1, "{file}: regression.min_points must be at least 1");
                d.min_points = v;
            }
            for o in r.series.unwrap_or_default() {
                globset::Glob::new(&o.pattern).map_err(|e| {
                    anyhow::anyhow!("{file}: regression.series pattern `{}`: {e}", o.pattern)
                })?;
                if let Some(v) = o.max_p_value {
                    check_p(v)?;
                }
                self.regression.series.push(o);
            }
        }
        Ok(())
    }
}

fn parse_layer(file: &str, text: &str) -> Result<Layer> {
    toml::from_str(text).map_err(|e| anyhow::anyhow!("{file}: {e}"))
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
            ("[evidence]\nruns = 0\n", "at least 1"),
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
