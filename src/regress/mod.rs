//! Defense: regressions in performance feeds, the commit behind each, and
//! its revert.
//!
//! `feed` reads histories (JSON Lines, CSV, github-action-benchmark's
//! `data.js`, Apache Otava's CSV) and orders them by the repository's
//! history; `detect` finds change points in one series; `attribute` ranks
//! the commits of a regression's range; `revert` builds the undo. This module
//! joins them: change points per series with the thresholds of that series,
//! in the series' direction, with the commits they fall between.

pub mod attribute;
pub mod config;
pub mod detect;
pub mod feed;
pub mod revert;

use rayon::prelude::*;
use serde::Serialize;

pub use config::{RegressionConfig, SeriesOverride};
use feed::{Direction, Feed, Series};

/// One change point, named by commits.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ChangePointReport {
    pub series: String,
    pub unit: Option<String>,
    /// The first commit of the new level ("first bad" for a regression).
    pub commit: String,
    /// The last commit of the old level.
    pub last_good: String,
    pub before: f64,
    pub after: f64,
    pub change_percent: f64,
    pub p_value: f64,
    /// `regression` or `improvement`, in the series' direction.
    pub direction: &'static str,
    /// Where in the series (index of `commit`).
    pub index: usize,
}

/// Every change point of every series, regressions first, then by size.
pub fn detect_feed(feed: &Feed, cfg: &RegressionConfig) -> Vec<ChangePointReport> {
    let mut out: Vec<ChangePointReport> = feed
        .series
        .par_iter()
        .flat_map_iter(|s| detect_series(s, cfg))
        .collect();
    out.sort_by(|a, b| {
        (a.direction != "regression")
            .cmp(&(b.direction != "regression"))
            .then(
                b.change_percent
                    .abs()
                    .partial_cmp(&a.change_percent.abs())
                    .unwrap_or(std::cmp::Ordering::Equal),
            )
            .then(a.series.cmp(&b.series))
            .then(a.index.cmp(&b.index))
    });
    out
}

fn detect_series(s: &Series, cfg: &RegressionConfig) -> Vec<ChangePointReport> {
    let values: Vec<f64> = s.points.iter().map(|p| p.value).collect();
    detect::change_points(&values, &cfg.for_series(&s.name))
        .into_iter()
        .filter(|c| c.index > 0 && c.index < s.points.len())
        .map(|c| {
            let worse = match s.direction {
                Direction::LowerIsBetter => c.change_percent > 0.0,
                Direction::HigherIsBetter => c.change_percent < 0.0,
            };
            ChangePointReport {
                series: s.name.clone(),
                unit: s.unit.clone(),
                commit: s.points[c.index].commit.clone(),
                last_good: s.points[c.index - 1].commit.clone(),
                before: c.before,
                after: c.after,
                change_percent: c.change_percent,
                p_value: c.p_value,
                direction: if worse { "regression" } else { "improvement" },
                index: c.index,
            }
        })
        .collect()
}

/// A Mermaid `xychart-beta` of the series around a change point (GitHub
/// renders it in pull requests): up to `window` points each side.
pub fn chart(series: &Series, index: usize, window: usize) -> String {
    let lo = index.saturating_sub(window);
    let hi = (index + window).min(series.points.len());
    let points = &series.points[lo..hi];
    let labels: Vec<String> = points
        .iter()
        .map(|p| format!("\"{}\"", short(&p.commit, 7).replace('"', "'")))
        .collect();
    let values: Vec<String> = points.iter().map(|p| format!("{}", p.value)).collect();
    let unit = series.unit.as_deref().unwrap_or("value");
    format!(
        "```mermaid\nxychart-beta\n    title \"{} ({unit})\"\n    x-axis [{}]\n    y-axis \"{unit}\"\n    line [{}]\n```\n",
        series.name.replace('"', "'"),
        labels.join(", "),
        values.join(", ")
    )
}

/// The first `n` characters of a commit id (feeds without a repository may
/// name commits with any text, so this cuts at a character boundary).
pub fn short(id: &str, n: usize) -> &str {
    match id.char_indices().nth(n) {
        Some((i, _)) => &id[..i],
        None => id,
    }
}

/// The change points as text, one line each.
pub fn text(points: &[ChangePointReport]) -> String {
    if points.is_empty() {
        return "no change points\n".to_string();
    }
    let mut out = String::new();
    for c in points {
        out.push_str(&format!(
            "{:<11} {}  {:+.2}% ({} → {}{})  at {} (last good {})  p={:.1e}\n",
            c.direction,
            c.series,
            c.change_percent,
            c.before,
            c.after,
            c.unit
                .as_deref()
                .map(|u| format!(" {u}"))
                .unwrap_or_default(),
            short(&c.commit, 10),
            short(&c.last_good, 10),
            c.p_value
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use feed::Point;

    fn series(values: &[f64], direction: Direction) -> Series {
        Series {
            name: "bench/parse".into(),
            unit: Some("ns".into()),
            direction,
            points: values
                .iter()
                .enumerate()
                .map(|(i, v)| Point {
                    commit: format!("c{i:02}é"),
                    value: *v,
                    time: None,
                    samples: 1,
                })
                .collect(),
        }
    }

    fn step(before: f64, after: f64) -> Vec<f64> {
        // Small deterministic wiggle so ranks are not all tied.
        (0..60)
            .map(|i| {
                let base = if i < 30 { before } else { after };
                base + ((i * 7919) % 13) as f64 * base * 0.0005
            })
            .collect()
    }

    #[test]
    fn direction_decides_regression_or_improvement() {
        // The shipped thresholds (`rules/regression.toml`; config's tests
        // check that these are what it ships).
        let cfg = RegressionConfig {
            defaults: detect::DetectConfig {
                max_p_value: 0.005,
                min_change_percent: 0.25,
                min_points: 5,
            },
            series: Vec::new(),
        };
        let slower = Feed {
            series: vec![series(&step(100.0, 110.0), Direction::LowerIsBetter)],
            warnings: vec![],
        };
        let found = detect_feed(&slower, &cfg);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].direction, "regression");
        assert_eq!(found[0].commit, "c30é");
        assert_eq!(found[0].last_good, "c29é");
        let throughput = Feed {
            series: vec![series(&step(100.0, 110.0), Direction::HigherIsBetter)],
            warnings: vec![],
        };
        assert_eq!(detect_feed(&throughput, &cfg)[0].direction, "improvement");
        // Non-ASCII commit names are cut at character boundaries.
        assert!(text(&found).contains("c30é"));
        let chart = chart(&slower.series[0], 30, 5);
        assert!(
            chart.contains("xychart-beta") && chart.contains("\"c25é\""),
            "{chart}"
        );
    }
}
