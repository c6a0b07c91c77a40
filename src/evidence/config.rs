//! `[evidence]`: how a change is built, tested and measured. The A/B runner
//! owns this section; `config` reads it from `rules/evidence.toml` and the
//! repository's `.wattson.toml` and hands it over.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use super::formats::BenchFormat;
use super::stats::Thresholds;

/// How a change is built, tested and measured (`[evidence]`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EvidenceConfig {
    pub build: Option<String>,
    pub test: Option<String>,
    /// Benchmark commands by name (a single `bench = "cmd"` is named `bench`).
    #[serde(default, deserialize_with = "bench_commands")]
    pub bench: BTreeMap<String, String>,
    pub bench_format: BenchFormat,
    pub runs: usize,
    pub warmup: usize,
    /// Seconds.
    pub timeout: u64,
    pub thresholds: Thresholds,
}

/// `bench = "cmd"` or `bench = { name = "cmd", … }`.
fn bench_commands<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged, expecting = "a command, or a table of named commands")]
    enum Bench {
        One(String),
        Named(BTreeMap<String, String>),
    }
    Ok(match Bench::deserialize(d)? {
        Bench::One(cmd) => BTreeMap::from([("bench".to_string(), cmd)]),
        Bench::Named(map) => map,
    })
}

impl EvidenceConfig {
    /// Check the values; a message names the key at fault.
    pub fn check(&self) -> Result<(), String> {
        // One run a side shows nothing of the spread a change must stand out
        // from, so no verdict could be honest; two are enough for exactly or
        // nearly exactly repeatable counts.
        if self.runs < 2 {
            return Err(format!(
                "evidence.runs = {}: each side must run at least twice, since one run shows \
                 nothing of the spread a change has to stand out from (even callgrind counts \
                 can vary between runs, with hash seeds or the environment); set runs = 2 or \
                 more (2 is enough for exactly repeatable counts such as callgrind's)",
                self.runs
            ));
        }
        if self.timeout < 1 {
            return Err("evidence.timeout must be at least 1 second".into());
        }
        let t = &self.thresholds;
        for (name, v) in [("alpha", t.alpha), ("confidence", t.confidence)] {
            if !(v > 0.0 && v < 1.0) {
                return Err(format!(
                    "evidence.thresholds.{name} must be between 0 and 1, not {v}"
                ));
            }
        }
        for (name, v) in [
            ("min_change_percent", t.min_change_percent),
            ("max_ci_width_percent", t.max_ci_width_percent),
        ] {
            if !(v >= 0.0 && v.is_finite()) {
                return Err(format!(
                    "evidence.thresholds.{name} must be a percentage of 0 or more, not {v}"
                ));
            }
        }
        Ok(())
    }
}
