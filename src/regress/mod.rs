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
    /// The first commit of the new level ("first bad" for a regression):
    /// where the split is best supported.
    pub commit: String,
    /// The last commit of the old level.
    pub last_good: String,
    /// Every commit of the series that may plausibly be the first of the
    /// new level: attribution and bisection look at all of them.
    pub plausible: Plausible,
    /// Medians of every measurement of the segments before and after.
    pub before: f64,
    pub after: f64,
    pub change_percent: f64,
    pub p_value: f64,
    /// How the change was judged: `rank` (the rank scan over every
    /// measurement), `exact` (both segments exactly repeatable) or `spread`
    /// (nearly exact: the change dwarfs the spread of the measurements).
    pub method: detect::Method,
    /// Measurements behind the segments before and after (several runs
    /// of one commit all count).
    pub runs_before: usize,
    pub runs_after: usize,
    /// `regression` or `improvement`, in the series' direction.
    pub direction: &'static str,
    /// Where in the series (index of `commit`).
    pub index: usize,
}

/// The commits that may be the first of a change's new level, as a range of
/// the series' points.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Plausible {
    /// The point before the earliest plausible first commit: the range to
    /// attribute is `last_good..last` in git's terms.
    pub last_good: String,
    /// The earliest and latest plausible first commits.
    pub first: String,
    pub last: String,
    /// How many of the series' points that is.
    pub points: usize,
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
    let runs: Vec<&[f64]> = s.points.iter().map(|p| p.values.as_slice()).collect();
    let found = detect::change_points_replicated(&runs, &cfg.for_series(&s.name));
    // Runs between neighbouring change points, for the report.
    let mut edges = vec![0];
    edges.extend(found.iter().map(|c| c.index));
    edges.push(s.points.len());
    let runs_in = |a: usize, b: usize| -> usize {
        s.points[a..b]
            .iter()
            .map(|p| p.values.iter().filter(|v| v.is_finite()).count())
            .sum()
    };
    found
        .iter()
        .enumerate()
        .filter(|(_, c)| c.index > 0 && c.index < s.points.len() && c.from > 0)
        .map(|(i, c)| {
            let worse = match s.direction {
                Direction::LowerIsBetter => c.change_percent > 0.0,
                Direction::HigherIsBetter => c.change_percent < 0.0,
            };
            ChangePointReport {
                series: s.name.clone(),
                unit: s.unit.clone(),
                commit: s.points[c.index].commit.clone(),
                last_good: s.points[c.index - 1].commit.clone(),
                plausible: Plausible {
                    last_good: s.points[c.from - 1].commit.clone(),
                    first: s.points[c.from].commit.clone(),
                    last: s.points[c.to].commit.clone(),
                    points: c.to - c.from + 1,
                },
                before: c.before,
                after: c.after,
                change_percent: c.change_percent,
                p_value: c.p_value,
                method: c.method,
                runs_before: runs_in(edges[i], edges[i + 1]),
                runs_after: runs_in(edges[i + 1], edges[i + 2]),
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
        let plausible = if c.plausible.points > 1 {
            format!(
                ", plausibly {}..{} ({} points)",
                short(&c.plausible.first, 10),
                short(&c.plausible.last, 10),
                c.plausible.points
            )
        } else {
            String::new()
        };
        let how = match c.method {
            detect::Method::Rank => String::new(),
            detect::Method::Exact => "  exactly repeatable".to_string(),
            detect::Method::Spread => "  nearly exact: the change dwarfs the spread".to_string(),
        };
        out.push_str(&format!(
            "{:<11} {}  {:+.2}% ({} → {}{})  at {} (last good {}{plausible})  p={:.1e}{how}\n",
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
                    values: vec![*v],
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
