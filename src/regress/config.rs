//! `[regression]`: what counts as a change point, with per-series
//! overrides. Detection owns this section; `config` reads it from
//! `rules/regression.toml` and the repository's `.wattson.toml`.

use globset::{Glob, GlobMatcher};
use serde::{Deserialize, Serialize};

use super::detect::DetectConfig;

/// `[regression]`: change-point thresholds, with per-series overrides.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(from = "RegressionToml")]
pub struct RegressionConfig {
    pub defaults: DetectConfig,
    pub series: Vec<SeriesOverride>,
}

/// The table as written: the default thresholds side by side with the
/// per-series list.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegressionToml {
    max_p_value: f64,
    min_change_percent: f64,
    min_points: usize,
    #[serde(default)]
    series: Vec<SeriesOverride>,
}

impl From<RegressionToml> for RegressionConfig {
    fn from(t: RegressionToml) -> RegressionConfig {
        RegressionConfig {
            defaults: DetectConfig {
                max_p_value: t.max_p_value,
                min_change_percent: t.min_change_percent,
                min_points: t.min_points,
            },
            series: t.series,
        }
    }
}

/// Thresholds for the series whose name matches `pattern` (a glob).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesOverride {
    pub pattern: String,
    pub max_p_value: Option<f64>,
    pub min_change_percent: Option<f64>,
    pub min_points: Option<usize>,
    /// `pattern`, compiled once by [`RegressionConfig::check`].
    #[serde(skip)]
    matcher: Option<GlobMatcher>,
}

/// The same override whether or not its pattern is compiled yet.
impl PartialEq for SeriesOverride {
    fn eq(&self, other: &Self) -> bool {
        (
            &self.pattern,
            self.max_p_value,
            self.min_change_percent,
            self.min_points,
        ) == (
            &other.pattern,
            other.max_p_value,
            other.min_change_percent,
            other.min_points,
        )
    }
}

impl RegressionConfig {
    /// Check the values and compile the series patterns; a message names
    /// the key at fault.
    pub fn check(&mut self) -> Result<(), String> {
        let check_p = |v: f64| {
            if v > 0.0 && v < 1.0 {
                Ok(v)
            } else {
                Err(format!(
                    "regression max_p_value must be between 0 and 1, not {v}"
                ))
            }
        };
        let d = &self.defaults;
        check_p(d.max_p_value)?;
        if d.min_change_percent < 0.0 {
            return Err("regression.min_change_percent must be 0 or more".into());
        }
        if d.min_points < 1 {
            return Err("regression.min_points must be at least 1".into());
        }
        for o in &mut self.series {
            let glob = Glob::new(&o.pattern)
                .map_err(|e| format!("regression.series pattern `{}`: {e}", o.pattern))?;
            o.matcher = Some(glob.compile_matcher());
            if let Some(v) = o.max_p_value {
                check_p(v)?;
            }
        }
        Ok(())
    }

    /// The thresholds for one series: the defaults, then every matching
    /// override in order.
    pub fn for_series(&self, name: &str) -> DetectConfig {
        let mut cfg = self.defaults;
        for o in &self.series {
            // Compiled by `check`; an override built by hand is compiled here.
            let matches = match &o.matcher {
                Some(m) => m.is_match(name),
                None => Glob::new(&o.pattern)
                    .map(|g| g.compile_matcher().is_match(name))
                    .unwrap_or(false),
            };
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
