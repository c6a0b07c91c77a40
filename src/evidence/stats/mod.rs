//! Statistics for A/B benchmark evidence.
//!
//! A benchmark is run several times on the base tree and on the patched (head)
//! tree; lower values are better (wall times, instruction counts). Benchmark
//! samples are small (often 5–30 runs), skewed and prone to outliers (a cold
//! cache, a noisy neighbour), so everything here is distribution-free and
//! rank-based rather than assuming normal data:
//!
//! - the **Mann–Whitney U test** asks whether head tends to be smaller or larger
//!   than base; it only uses ranks, so one wild outlier moves it by at most one
//!   rank, and its exact null distribution gives valid p-values for tiny samples;
//! - the **Hodges–Lehmann estimator** (median of all pairwise differences) and
//!   its Moses confidence interval give the size of the shift with the same
//!   robustness, and the interval is the exact inversion of the same test.
//!
//! Rank tests need runs: with two runs a side the smallest two-sided
//! Mann–Whitney p-value is 1/3, however far apart the sides are. Measurements
//! that repeat exactly or nearly so (instruction counts) are judged by what
//! their spread shows instead ([`Method`]): a difference between constant
//! sides is the change itself, and a difference that dwarfs the spread of
//! the runs is tested against that spread (Welch's t).
//!
//! Non-finite values (NaN, ±∞) are failed or overflowed measurements, not
//! observations that can be ranked or subtracted: every function here ignores
//! them, and [`compare`] additionally refuses to reach a verdict
//! ([`Verdict::Inconclusive`]) when any were present.

mod hodges_lehmann;
mod mann_whitney;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::spread::welch;
pub use crate::spread::{Method, SPREAD_FACTOR};
pub use hodges_lehmann::hodges_lehmann;
pub use mann_whitney::mann_whitney_u;
use mann_whitney::Pooled;

/// Thresholds a verdict needs (they come from configuration).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// A p-value below this is significant (e.g. 0.05).
    pub alpha: f64,
    /// A relative change smaller than this (in percent, absolute value) is "unchanged" even when significant (e.g. 1.0).
    pub min_change_percent: f64,
    /// When the confidence interval of the change is wider than this (percent points), and the change is not significant, the verdict is inconclusive (too noisy) rather than unchanged (e.g. 10.0).
    pub max_ci_width_percent: f64,
    /// Confidence level of the interval (e.g. 0.95).
    pub confidence: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Improved,
    Regressed,
    Unchanged,
    Inconclusive,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    pub base_median: f64,
    pub head_median: f64,
    /// (head_median - base_median) / base_median * 100.
    pub change_percent: f64,
    /// Confidence interval of the change, in percent of base_median (Hodges–Lehmann shift interval divided by base_median).
    pub ci_low: f64,
    pub ci_high: f64,
    /// Two-sided p-value: Mann–Whitney U, Welch's t for nearly exact
    /// runs, 0 or 1 for exact ones.
    pub p_value: f64,
    pub verdict: Verdict,
    pub method: Method,
}

/// Median of the finite values of `xs`: the middle value, or the mean of the
/// two middle values for an even count; NaN when there is no finite value.
pub fn median(xs: &[f64]) -> f64 {
    crate::numbers::median(&sorted_finite(xs)).unwrap_or(f64::NAN)
}

/// Compares base and head samples and reaches a verdict.
///
/// The change and its interval are in percent of `|base_median|`, so the sign
/// always says which way head moved (for the non-negative quantities measured,
/// that is exactly `/ base_median`).
///
/// Verdict: the change is *significant* when `p_value < alpha` and the interval
/// excludes 0. A significant change of at least `min_change_percent` whose
/// median change and interval agree in direction is `Improved` (head smaller)
/// or `Regressed` (head larger). Otherwise an interval wider than
/// `max_ci_width_percent` is `Inconclusive` (too noisy to say), and a narrow
/// one is `Unchanged`.
///
/// Nearly exact measurements: when each side has at least two values, the
/// sides do not overlap, the gap between them is at least [`SPREAD_FACTOR`]
/// times the larger side's range (instruction counts that vary by a few
/// instructions in millions) and there are too few runs for the rank test to
/// reach `alpha` however far apart the sides are, the p-value is Welch's
/// t-test and the interval Welch's, in percent of the base median
/// ([`Method::Spread`]).
///
/// Deterministic measurements: when each side has at least two values and
/// all base values are identical and all head values are identical (e.g.
/// instruction counts under callgrind, which are exactly repeatable), the
/// change is exact. A zero-variance measurement has no noise to test against,
/// so rank statistics would only reflect the sample size: `p_value` is 0 when
/// the two constants differ (1 when equal) and `ci_low = ci_high =
/// change_percent`. A single value per side shows no repeatability, so it is
/// not treated as deterministic.
///
/// `Inconclusive` is also returned, never a panic, when:
/// - a sample has no finite value (medians of an empty side are NaN);
/// - `base_median` is 0 (no relative change exists) or the change overflows;
/// - any input value was non-finite (the other fields are computed from the
///   finite values, so they stay informative);
/// - the samples are too small for an interval at `confidence` (the interval
///   reported is then the full range of differences), since "unchanged" would
///   claim evidence that was never collected.
///
/// When no change can be computed, `change_percent`, `ci_low` and `ci_high`
/// are 0 and `p_value` is the test's p-value if both sides have values, else 1.
pub fn compare(base: &[f64], head: &[f64], t: &Thresholds) -> Comparison {
    let base_median = median(base);
    let head_median = median(head);
    let unusable = |p_value| Comparison {
        base_median,
        head_median,
        change_percent: 0.0,
        ci_low: 0.0,
        ci_high: 0.0,
        p_value,
        verdict: Verdict::Inconclusive,
        method: Method::Rank,
    };
    let Some(pooled) = Pooled::new(base, head) else {
        return unusable(1.0);
    };
    let percent = |shift: f64| shift / base_median.abs() * 100.0;
    let change_percent = percent(head_median - base_median);

    let method = match pooled.method() {
        // Enough runs for the rank test to resolve it: ranks, as for any
        // other measurement (the spread rule is for what ranks cannot see).
        Method::Spread if pooled.p_value() < t.alpha => Method::Rank,
        m => m,
    };
    let (p_value, ci_low, ci_high, at_confidence) = match method {
        Method::Exact => {
            let p = if base_median == head_median { 1.0 } else { 0.0 };
            (p, change_percent, change_percent, true)
        }
        Method::Spread => {
            let w = welch(&pooled.base, &pooled.head, t.confidence);
            (w.p_value, percent(w.low), percent(w.high), w.at_confidence)
        }
        Method::Rank => {
            let shift = pooled.shift(t.confidence);
            let p = pooled.p_value();
            (
                p,
                percent(shift.low),
                percent(shift.high),
                shift.at_confidence,
            )
        }
    };
    if base_median == 0.0
        || ![change_percent, ci_low, ci_high]
            .iter()
            .all(|x| x.is_finite())
    {
        return Comparison {
            method,
            ..unusable(p_value)
        };
    }

    let all_finite = base.iter().chain(head).all(|x| x.is_finite());
    let verdict = if all_finite && at_confidence {
        verdict(change_percent, ci_low, ci_high, p_value, t)
    } else {
        Verdict::Inconclusive
    };
    Comparison {
        base_median,
        head_median,
        change_percent,
        ci_low,
        ci_high,
        p_value,
        verdict,
        method,
    }
}

fn verdict(change: f64, low: f64, high: f64, p_value: f64, t: &Thresholds) -> Verdict {
    let significant = p_value < t.alpha && (low > 0.0 || high < 0.0);
    if significant && change.abs() >= t.min_change_percent {
        // A median change pointing against the interval is contradictory evidence, not a win.
        if change < 0.0 && high < 0.0 {
            return Verdict::Improved;
        }
        if change > 0.0 && low > 0.0 {
            return Verdict::Regressed;
        }
    }
    if high - low > t.max_ci_width_percent {
        Verdict::Inconclusive
    } else {
        Verdict::Unchanged
    }
}

fn sorted_finite(xs: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    v
}
