//! `[regression]`: what counts as a change point, with per-series
//! overrides. Detection owns this section; `config` reads it from
//! `rules/regression.toml` and the repository's `.wattson.toml`.

use serde::{Deserialize, Serialize};

use super::detect::DetectConfig;

/// `[regression]`: change-point thresholds, with per-series overrides.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RegressionConfig {
    pub defaults: DetectConfig,
    pub series: Vec<SeriesOverride>,
}

/// Thresholds for the series whose name matches `pattern` (a glob).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SeriesOverride {
    pub pattern: String,
    pub max_p_value: Option<f64>,
    pub min_change_percent: Option<f64>,
    pub min_points: Option<usize>,
}

impl RegressionConfig {
    /// The thresholds for one series: the defaults, then every matching
    /// override in order.
    pub fn for_series(&self, name: &str) -> DetectConfig {
        let mut cfg = self.defaults;
        for o in &self.series {
            let matches = globset::Glob::new(&o.pattern)
                .map(|g| g.compile_matcher().is_match(name))
                .unwrap_or(false);
            if matches {
                if let Some(v) = o.max_p_value {
                    cfg.max_p_value = v;
                }
                if let Some(v) = o.min_change_percent {
                    cfg.min_change_percent = v;
                }
                if let Some(v) = o.min_points {
                    cfg.min_points = v;
                }
            }
        }
        cfg
    }
}
