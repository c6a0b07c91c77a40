//! `[evidence]`: how a change is built, tested and measured. The A/B runner
//! owns this section; `config` reads it from `rules/evidence.toml` and the
//! repository's `.wattson.toml` and hands it over.

use std::collections::BTreeMap;

use serde::Serialize;

use super::formats::BenchFormat;
use super::stats::Thresholds;

/// How a change is built, tested and measured (`[evidence]`).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct EvidenceConfig {
    pub build: Option<String>,
    pub test: Option<String>,
    /// Benchmark commands by name (a single `bench = "cmd"` is named `bench`).
    pub bench: BTreeMap<String, String>,
    pub bench_format: BenchFormat,
    pub runs: usize,
    pub warmup: usize,
    /// Seconds.
    pub timeout: u64,
    pub thresholds: Thresholds,
}
