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

use libm::erfc;
use serde::{Deserialize, Serialize};

use crate::spread::{method_of, welch};
pub use crate::spread::{Method, SPREAD_FACTOR};
use std::f64::consts::SQRT_2;

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

/// Two-sided Mann–Whitney U test, as `scipy.stats.mannwhitneyu(base, head)`
/// (SciPy 1.17, `alternative='two-sided'`, `method='auto'`) computes it.
///
/// Returns `(U, p)` where `U` counts the pairs with `base > head` (ties count
/// one half), i.e. the statistic SciPy reports for its first argument.
/// Following SciPy's `auto` rule, the p-value is exact when either sample has
/// at most 8 values and the pooled sample has no ties; otherwise it uses the
/// normal approximation with tie correction and a 0.5 continuity correction.
///
/// Non-finite values are ignored; with an empty sample the result is
/// `(0.0, 1.0)` (no pairs, no evidence) where SciPy would raise.
pub fn mann_whitney_u(base: &[f64], head: &[f64]) -> (f64, f64) {
    match Pooled::new(base, head) {
        Some(pooled) => (pooled.u_base, pooled.p_value()),
        None => (0.0, 1.0),
    }
}

/// Hodges–Lehmann estimate of the shift `head - base`, with its
/// distribution-free (Moses) confidence interval: `(estimate, low, high)`.
///
/// The estimate is the median of the `m·n` pairwise differences
/// `head[j] - base[i]`. With `D(1) ≤ … ≤ D(mn)` those differences sorted, the
/// interval is `[D(k), D(mn + 1 - k)]` for the largest `k` with
/// `P(U ≤ k - 1) ≤ (1 - confidence) / 2` under the Mann–Whitney null
/// distribution, which makes it the set of shifts the two-sided test at level
/// `1 - confidence` does not reject. The null distribution is chosen as in
/// [`mann_whitney_u`]: exact quantiles when either sample has at most 8 values
/// and there are no ties, otherwise the normal approximation (tie-corrected,
/// with continuity correction), `k = ⌊mn/2 + 1/2 − z·σ⌋`.
///
/// When the samples are too small for any interval at the requested
/// confidence (e.g. 3 vs 4 values at 95%: even the full range only reaches
/// 94.3%), or `confidence` is not strictly between 0 and 1, the interval is
/// the full range of the differences `(D(1), D(mn))`.
///
/// The order statistics are found by bisection over the `f64` ordering with a
/// linear-time count of differences below a value, so memory stays linear in
/// the sample sizes rather than `m·n`. Non-finite values are ignored; with an
/// empty sample every field is NaN.
pub fn hodges_lehmann(base: &[f64], head: &[f64], confidence: f64) -> (f64, f64, f64) {
    match Pooled::new(base, head) {
        Some(pooled) => {
            let shift = pooled.shift(confidence);
            (shift.estimate, shift.low, shift.high)
        }
        None => (f64::NAN, f64::NAN, f64::NAN),
    }
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

/// Both samples (finite, sorted, non-empty) with what the rank test needs.
struct Pooled {
    base: Vec<f64>,
    head: Vec<f64>,
    /// U statistic of `base`: pairs with base > head, ties counting one half.
    u_base: f64,
    null: Null,
}

/// How the null distribution of U is evaluated, chosen as SciPy's `method='auto'` does.
enum Null {
    /// `cdf[u] = P(U ≤ u)` for `u` in `0..=m·n/2`; the upper half follows by symmetry.
    Exact { cdf: Vec<f64> },
    /// Normal approximation with mean `m·n/2` and this (tie-corrected) standard deviation.
    Normal { sd: f64 },
}

/// Half-width `z` of the two-sided standard normal interval at `confidence`
/// (`norm.ppf(1 − α/2)`), or None outside (0, 1) where no finite interval exists.
fn two_sided_z(confidence: f64) -> Option<f64> {
    let alpha = 1.0 - confidence;
    // 2·P(Z > z) = erfc(z/√2) falls from 1 at z = 0 to 0 (underflow) by z = 40.
    (alpha > 0.0 && alpha < 1.0).then(|| bisect(0.0, 40.0, |z| erfc(z / SQRT_2) <= alpha))
}

struct Shift {
    estimate: f64,
    low: f64,
    high: f64,
    /// False when the interval is the full range because none reaches the confidence.
    at_confidence: bool,
}

impl Pooled {
    fn new(base: &[f64], head: &[f64]) -> Option<Pooled> {
        let base = sorted_finite(base);
        let head = sorted_finite(head);
        if base.is_empty() || head.is_empty() {
            return None;
        }
        let mut pooled: Vec<(f64, bool)> = base.iter().map(|&x| (x, true)).collect();
        pooled.extend(head.iter().map(|&x| (x, false)));
        pooled.sort_by(|a, b| a.0.total_cmp(&b.0));

        // Tied values share the mean of their ranks; Σ(t³ − t) over tie groups
        // corrects the variance of the normal approximation.
        let (mut base_rank_sum, mut tie_term) = (0.0, 0.0);
        let mut start = 0;
        while start < pooled.len() {
            let value = pooled[start].0;
            let end = start + pooled[start..].iter().take_while(|p| p.0 == value).count();
            let mean_rank = (start + 1 + end) as f64 / 2.0;
            let from_base = pooled[start..end].iter().filter(|p| p.1).count();
            base_rank_sum += mean_rank * from_base as f64;
            let t = (end - start) as f64;
            tie_term += t * t * t - t;
            start = end;
        }

        let (m, n) = (base.len(), head.len());
        let m_f = m as f64;
        let u_base = base_rank_sum - m_f * (m_f + 1.0) / 2.0;
        // SciPy's rule: exact unless both samples exceed 8 values or there are ties.
        let null = if (m <= 8 || n <= 8) && tie_term == 0.0 {
            Null::Exact {
                cdf: exact_lower_cdf(m.min(n), m.max(n)),
            }
        } else {
            let (n_f, total) = (n as f64, (m + n) as f64);
            let var = m_f * n_f / 12.0 * ((total + 1.0) - tie_term / (total * (total - 1.0)));
            Null::Normal {
                sd: var.max(0.0).sqrt(),
            }
        };
        Some(Pooled {
            base,
            head,
            u_base,
            null,
        })
    }

    fn method(&self) -> Method {
        method_of(&self.base, &self.head)
    }

    fn pairs(&self) -> u64 {
        (self.base.len() as u64).saturating_mul(self.head.len() as u64)
    }

    fn p_value(&self) -> f64 {
        let mn = self.pairs() as f64;
        let u_max = self.u_base.max(mn - self.u_base);
        let p = match &self.null {
            // P(U ≥ u_max) = P(U ≤ mn − u_max) by symmetry; U is an integer without ties.
            Null::Exact { cdf } => 2.0 * cdf.get((mn - u_max) as usize).copied().unwrap_or(1.0),
            // 2·Φ(−z) with z = (u_max − mn/2 − 1/2) / σ; σ = 0 (all tied) gives z = −∞, p = 1.
            Null::Normal { sd } => erfc((u_max - mn / 2.0 - 0.5) / sd / SQRT_2),
        };
        p.clamp(0.0, 1.0)
    }

    /// Largest `k` with `P(U ≤ k − 1) ≤ (1 − confidence) / 2`, or 0 when none exists.
    fn interval_rank(&self, confidence: f64) -> u64 {
        let Some(z) = two_sided_z(confidence) else {
            return 0;
        };
        let half_alpha = (1.0 - confidence) / 2.0;
        match &self.null {
            Null::Exact { cdf } => cdf.iter().take_while(|&&c| c <= half_alpha).count() as u64,
            Null::Normal { sd } => {
                // The continuity-corrected normal CDF at k − 1 is Φ((k − 1/2 − mn/2) / σ).
                let k = (self.pairs() as f64 / 2.0 + 0.5 - z * sd).floor();
                if k >= 1.0 {
                    k as u64
                } else {
                    0
                }
            }
        }
    }

    fn shift(&self, confidence: f64) -> Shift {
        let mn = self.pairs();
        let d = |k| kth_difference(&self.base, &self.head, k);
        let estimate = if mn % 2 == 1 {
            d(mn / 2 + 1)
        } else {
            0.5 * d(mn / 2) + 0.5 * d(mn / 2 + 1)
        };
        let k = self.interval_rank(confidence);
        let (low_rank, at_confidence) = if k == 0 { (1, false) } else { (k, true) };
        Shift {
            estimate,
            low: d(low_rank),
            high: d(mn + 1 - low_rank),
            at_confidence,
        }
    }
}

/// Lower half of the exact null distribution of U for samples of sizes `m ≤ n`
/// without ties: `P(U ≤ u)` for `u` in `0..=m·n/2`.
///
/// The number of orderings of the pooled sample with U = u is the coefficient
/// of `q^u` in the Gaussian binomial `[m+n choose m]_q = Π_{i=1..m} (1 − q^(n+i)) / (1 − q^i)`.
/// Multiplying in one factor at a time keeps every intermediate a Gaussian
/// binomial (non-negative integer counts, exact in f64 while below 2^53), and
/// costs O(m · m·n): with m ≤ 8 that is linear in the larger sample.
fn exact_lower_cdf(m: usize, n: usize) -> Vec<f64> {
    let top = m * n / 2;
    let mut counts = vec![0.0; top + 1];
    counts[0] = 1.0;
    let mut total = 1.0;
    for i in 1..=m {
        for u in (n + i..=top).rev() {
            counts[u] -= counts[u - n - i];
        }
        for u in i..=top {
            counts[u] += counts[u - i];
        }
        // C(n+i, i) from C(n+i−1, i−1): exact integers at every step.
        total = total * (n + i) as f64 / i as f64;
    }
    let mut cumulative = 0.0;
    counts
        .iter()
        .map(|c| {
            cumulative += c;
            cumulative / total
        })
        .collect()
}

/// The `k`-th smallest (1-based, `1 ≤ k ≤ m·n`) of the differences
/// `head[j] − base[i]` for sorted, non-empty `base` and `head`.
///
/// Rounding is monotone, so the computed differences are ordered like the
/// exact ones and counting the differences `≤ x` takes a single two-pointer
/// pass; the `k`-th difference is the smallest `x` whose count reaches `k`.
fn kth_difference(base: &[f64], head: &[f64], k: u64) -> f64 {
    let count_at_most = |x: f64| {
        let (mut i, mut count) = (0, 0u64);
        for &h in head {
            // base[i..] are the bases with h − base ≤ x; that start only moves right as h grows.
            while i < base.len() && h - base[i] > x {
                i += 1;
            }
            count += (base.len() - i) as u64;
        }
        count
    };
    let (Some(&base_min), Some(&base_max), Some(&head_min), Some(&head_max)) =
        (base.first(), base.last(), head.first(), head.last())
    else {
        return f64::NAN;
    };
    let kth = bisect(head_min - base_max, head_max - base_min, |x| {
        count_at_most(x) >= k
    });
    // −0.0 and +0.0 count alike; adding +0.0 reports a zero difference as +0.0.
    kth + 0.0
}

/// Smallest `x` in `[lo, hi]` (neither NaN) where the monotone predicate
/// `reached` holds, or `hi`: bisection over the total order of `f64` bit
/// patterns, which ends on an exact value within 64 steps.
fn bisect(lo: f64, hi: f64, reached: impl Fn(f64) -> bool) -> f64 {
    let (mut lo, mut hi) = (order_key(lo), order_key(hi));
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if reached(from_order_key(mid)) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    from_order_key(lo)
}

/// Maps an f64 to a u64 whose unsigned order matches the numeric order of non-NaN values.
fn order_key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

fn from_order_key(key: u64) -> f64 {
    if key >> 63 == 1 {
        f64::from_bits(key & !(1 << 63))
    } else {
        f64::from_bits(!key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tol: f64) -> bool {
        (actual - expected).abs() <= tol * expected.abs().max(1.0)
    }

    macro_rules! assert_close {
        ($actual:expr, $expected:expr) => {
            assert_close!($actual, $expected, 1e-12)
        };
        ($actual:expr, $expected:expr, $tol:expr) => {{
            let (a, e): (f64, f64) = ($actual, $expected);
            assert!(
                close(a, e, $tol),
                "{} = {a:?}, expected {e:?}",
                stringify!($actual)
            );
        }};
    }

    const T: Thresholds = Thresholds {
        alpha: 0.05,
        min_change_percent: 1.0,
        max_ci_width_percent: 10.0,
        confidence: 0.95,
    };

    // Reference values below come from SciPy 1.17.1 / NumPy 2.4.6 (Python 3.11):
    // `scipy.stats.mannwhitneyu(base, head, alternative='two-sided')` (default
    // method='auto'), printed as `(float(r.statistic), float(r.pvalue))`.

    const B5: [f64; 5] = [1.2, 3.4, 2.2, 5.1, 4.0];
    const H5: [f64; 5] = [0.9, 1.1, 2.0, 1.5, 3.0];
    const B3: [f64; 3] = [10.0, 12.5, 11.0];
    const H4: [f64; 4] = [13.0, 14.2, 12.9, 15.5];
    // rng = np.random.default_rng(7); base = np.round(rng.normal(100, 5, 8), 2); head = np.round(rng.normal(97, 5, 20), 2)
    const B8: [f64; 8] = [100.01, 101.49, 98.63, 95.55, 97.73, 95.04, 100.3, 106.7];
    const H20: [f64; 20] = [
        94.54, 93.9, 99.45, 98.78, 97.53, 92.35, 96.85, 100.48, 90.28, 94.71, 87.49, 90.55, 87.79,
        95.82, 90.66, 98.36, 97.78, 96.07, 84.42, 94.31,
    ];
    const B10T: [f64; 10] = [3.0, 5.0, 5.0, 6.0, 7.0, 7.0, 7.0, 8.0, 9.0, 10.0];
    const H12T: [f64; 12] = [1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 5.0, 6.0, 6.0, 7.0, 8.0, 8.0];
    const B5T: [f64; 5] = [2.0, 3.0, 3.0, 4.0, 6.0];
    const H6T: [f64; 6] = [1.0, 2.0, 2.0, 3.0, 5.0, 0.5];
    const B9: [f64; 9] = [11.0, 12.5, 9.8, 10.7, 13.1, 12.0, 10.1, 11.6, 12.9];
    const H9: [f64; 9] = [9.1, 10.4, 8.7, 11.2, 9.9, 10.0, 8.2, 9.5, 10.9];
    // Continuing the same rng: np.round(rng.normal(50, 4, 30), 3), then np.round(rng.normal(48, 4, 30), 3);
    // 46.147 occurs twice in head, so there is one tie.
    const B30: [f64; 30] = [
        49.806, 50.453, 43.879, 48.089, 46.086, 46.765, 54.244, 46.77, 49.87, 53.538, 47.666,
        49.553, 50.442, 50.255, 45.1, 50.305, 55.435, 43.811, 53.438, 50.477, 47.434, 58.002,
        53.049, 45.203, 50.298, 52.307, 49.245, 52.732, 49.734, 52.669,
    ];
    const H30: [f64; 30] = [
        53.754, 45.297, 48.813, 46.147, 48.509, 43.251, 45.683, 47.215, 51.595, 52.581, 42.706,
        44.821, 50.588, 40.03, 46.147, 47.611, 53.028, 50.758, 46.691, 46.526, 46.999, 54.094,
        46.288, 46.785, 49.41, 47.517, 47.211, 43.544, 47.954, 46.226,
    ];

    #[test]
    fn median_handles_odd_even_empty_and_nan() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&[]).is_nan());
        assert!(median(&[f64::NAN]).is_nan());
        assert_eq!(median(&[f64::NAN, 5.0, f64::INFINITY, 1.0]), 3.0);
        assert_eq!(median(&[f64::MAX, f64::MAX]), f64::MAX);
    }

    #[test]
    fn mwu_exact_small_samples() {
        // mannwhitneyu(B5, H5) -> (21.0, 0.09523809523809523)   [exact: 24/252]
        let (u, p) = mann_whitney_u(&B5, &H5);
        assert_eq!(u, 21.0);
        assert_close!(p, 0.09523809523809523);
        // mannwhitneyu(B3, H4) -> (0.0, 0.05714285714285714)    [exact: 2/35]
        let (u, p) = mann_whitney_u(&B3, &H4);
        assert_eq!(u, 0.0);
        assert_close!(p, 0.05714285714285714);
    }

    #[test]
    fn mwu_exact_when_only_one_sample_is_small() {
        // 8 vs 20 without ties: SciPy's auto rule still picks the exact distribution.
        // mannwhitneyu(B8, H20) -> (132.0, 0.006782267651832869)
        let (u, p) = mann_whitney_u(&B8, &H20);
        assert_eq!(u, 132.0);
        assert_close!(p, 0.006782267651832869);
    }

    #[test]
    fn mwu_asymptotic_with_ties() {
        // mannwhitneyu(B10T, H12T) -> (87.0, 0.07801039460851988)
        let (u, p) = mann_whitney_u(&B10T, &H12T);
        assert_eq!(u, 87.0);
        assert_close!(p, 0.07801039460851988);
        // Small but tied (5 vs 6): asymptotic. mannwhitneyu(B5T, H6T) -> (23.0, 0.16304505585423734)
        let (u, p) = mann_whitney_u(&B5T, &H6T);
        assert_eq!(u, 23.0);
        assert_close!(p, 0.16304505585423734);
    }

    #[test]
    fn mwu_asymptotic_larger_samples() {
        // 9 vs 9, no ties: both exceed 8, so asymptotic.
        // mannwhitneyu(B9, H9) -> (70.0, 0.010444271101370226)
        let (u, p) = mann_whitney_u(&B9, &H9);
        assert_eq!(u, 70.0);
        assert_close!(p, 0.010444271101370226);
        // mannwhitneyu(B30, H30) -> (613.0, 0.016283322893916402)
        let (u, p) = mann_whitney_u(&B30, &H30);
        assert_eq!(u, 613.0);
        assert_close!(p, 0.016283322893916402);
    }

    #[test]
    fn mwu_degenerate_inputs() {
        assert_eq!(mann_whitney_u(&[], &[1.0]), (0.0, 1.0));
        assert_eq!(mann_whitney_u(&[f64::NAN], &[1.0]), (0.0, 1.0));
        // All tied, σ = 0: mannwhitneyu([2.0]*10, [2.0]*10) -> (50.0, 1.0)
        assert_eq!(mann_whitney_u(&[2.0; 10], &[2.0; 10]), (50.0, 1.0));
        // 1 vs 1: mannwhitneyu([1.0], [2.0]) -> (0.0, 1.0)
        assert_eq!(mann_whitney_u(&[1.0], &[2.0]), (0.0, 1.0));
    }

    #[test]
    fn exact_null_matches_enumeration() {
        // Brute force: enumerate every placement of the m base ranks among m + n.
        fn enumerate(m: usize, n: usize) -> Vec<f64> {
            let mut counts = vec![0u64; m * n + 1];
            for mask in 0u32..1 << (m + n) {
                if mask.count_ones() as usize != m {
                    continue;
                }
                // U counts the head values ranked below each base value.
                let (mut u, mut heads_below) = (0, 0);
                for pos in 0..m + n {
                    if mask >> pos & 1 == 1 {
                        u += heads_below;
                    } else {
                        heads_below += 1;
                    }
                }
                counts[u] += 1;
            }
            let total: u64 = counts.iter().sum();
            let mut acc = 0;
            counts
                .iter()
                .map(|c| {
                    acc += c;
                    acc as f64 / total as f64
                })
                .collect()
        }
        for (m, n) in [(1, 1), (1, 6), (3, 4), (5, 5), (4, 9), (8, 8)] {
            let brute = enumerate(m, n);
            let cdf = exact_lower_cdf(m, n);
            assert_eq!(cdf.len(), m * n / 2 + 1);
            for (u, &c) in cdf.iter().enumerate() {
                assert_close!(c, brute[u], 1e-14);
            }
        }
    }

    #[test]
    fn normal_quantile_matches_scipy() {
        // scipy.stats.norm.ppf(0.975), norm.ppf(0.95), norm.ppf(0.995)
        assert_close!(two_sided_z(0.95).unwrap_or(0.0), 1.959963984540054, 1e-15);
        assert_close!(two_sided_z(0.90).unwrap_or(0.0), 1.6448536269514722, 1e-15);
        assert_close!(two_sided_z(0.99).unwrap_or(0.0), 2.5758293035489004, 1e-15);
        for c in [f64::NAN, 0.0, 1.0, -0.5, 1.5] {
            assert_eq!(two_sided_z(c), None);
        }
    }

    // Hodges–Lehmann references: brute force in Python/NumPy over all pairwise
    // differences `d = np.sort(np.subtract.outer(head, base).ravel())`,
    // estimate `np.median(d)`, interval `(d[k-1], d[mn-k])` where
    // - exact: k is the largest with P(U ≤ k−1) ≤ α/2, the null CDF obtained by
    //   enumerating all `itertools.combinations(range(m+n), m)` (and checked
    //   against `scipy.stats._mannwhitneyu._MWU(m, n).cdf`); the interval was
    //   then verified by test inversion: over midpoints x between distinct
    //   differences, `mannwhitneyu(base + x, head, method='exact').pvalue > α`
    //   holds exactly for the x inside (low, high);
    // - asymptotic: k = floor(mn/2 + 1/2 − norm.ppf(1 − α/2)·σ), σ tie-corrected
    //   as in SciPy; for B9/H9 and B30/H30 (no base/head ties) also verified by
    //   inversion with `mannwhitneyu(..., method='asymptotic')`.

    #[test]
    fn hodges_lehmann_exact_interval() {
        // k = 3 of 25: (-1.4, -3.5999999999999996, 0.7999999999999998)
        let (est, lo, hi) = hodges_lehmann(&B5, &H5, 0.95);
        assert_close!(est, -1.4);
        assert_close!(lo, -3.5999999999999996);
        assert_close!(hi, 0.7999999999999998);
        // k = 42 of 160: (-4.684999999999995, -9.14, -1.1400000000000006)
        let (est, lo, hi) = hodges_lehmann(&B8, &H20, 0.95);
        assert_close!(est, -4.684999999999995);
        assert_close!(lo, -9.14);
        assert_close!(hi, -1.1400000000000006);
    }

    #[test]
    fn hodges_lehmann_too_small_gives_full_range() {
        // 3 vs 4 at 95%: P(U ≤ 0) = 1/35 > 0.025, so k = 0 and the interval is
        // the full range: (2.95, 0.40000000000000036, 5.5).
        let (est, lo, hi) = hodges_lehmann(&B3, &H4, 0.95);
        assert_close!(est, 2.95);
        assert_close!(lo, 0.40000000000000036);
        assert_close!(hi, 5.5);
        // At 90%, k = 1: the same extremes, now a real 94.3% interval.
        assert_eq!(hodges_lehmann(&B3, &H4, 0.90), (est, lo, hi));
        // Nonsense confidence levels also give the full range instead of panicking.
        for c in [f64::NAN, 0.0, 1.0, 2.0, -1.0] {
            assert_eq!(hodges_lehmann(&B3, &H4, c), (est, lo, hi));
        }
    }

    #[test]
    fn hodges_lehmann_asymptotic_interval() {
        // With ties, k = 31 of 120: (-2.0, -4.0, 0.0)
        let (est, lo, hi) = hodges_lehmann(&B10T, &H12T, 0.95);
        assert_eq!((est, lo, hi), (-2.0, -4.0, 0.0));
        assert!(hi.is_sign_positive());
        // k = 22 of 81 at 90%: (-1.700000000000001, -2.8000000000000007, -0.7000000000000011)
        let (est, lo, hi) = hodges_lehmann(&B9, &H9, 0.90);
        assert_close!(est, -1.700000000000001);
        assert_close!(lo, -2.8000000000000007);
        assert_close!(hi, -0.7000000000000011);
        // k = 317 of 900: (-2.5209999999999972, -4.0589999999999975, -0.47800000000000153)
        let (est, lo, hi) = hodges_lehmann(&B30, &H30, 0.95);
        assert_close!(est, -2.5209999999999972);
        assert_close!(lo, -4.0589999999999975);
        assert_close!(hi, -0.47800000000000153);
    }

    #[test]
    fn hodges_lehmann_empty_is_nan() {
        let (est, lo, hi) = hodges_lehmann(&[], &[1.0, 2.0], 0.95);
        assert!(est.is_nan() && lo.is_nan() && hi.is_nan());
    }

    /// Small deterministic generator (no RNG dependency needed for a test).
    fn lcg_samples(seed: u64, len: usize, levels: u64) -> Vec<f64> {
        let mut state = seed;
        (0..len)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 33) % levels) as f64 * 0.25 - 3.0
            })
            .collect()
    }

    #[test]
    fn kth_difference_matches_sorting() {
        // Few levels so there are many ties, including zero differences.
        for seed in 0..20 {
            let mut base = lcg_samples(seed, 1 + seed as usize % 7, 9);
            let mut head = lcg_samples(seed + 100, 1 + seed as usize % 5 * 3, 9);
            base.sort_by(f64::total_cmp);
            head.sort_by(f64::total_cmp);
            let mut all: Vec<f64> = head
                .iter()
                .flat_map(|h| base.iter().map(move |b| h - b))
                .collect();
            all.sort_by(f64::total_cmp);
            for (i, &expected) in all.iter().enumerate() {
                let got = kth_difference(&base, &head, i as u64 + 1);
                assert_eq!(got, expected, "seed {seed}, k {}", i + 1);
                assert!(got != 0.0 || got.is_sign_positive());
            }
        }
    }

    #[test]
    fn swapping_samples_mirrors_the_results() {
        let cases: [(&[f64], &[f64]); 6] = [
            (&B5, &H5),
            (&B3, &H4),
            (&B8, &H20),
            (&B10T, &H12T),
            (&B9, &H9),
            (&B30, &H30),
        ];
        for (base, head) in cases {
            let mn = (base.len() * head.len()) as f64;
            let (u, p) = mann_whitney_u(base, head);
            let (u_swapped, p_swapped) = mann_whitney_u(head, base);
            assert_eq!(u_swapped, mn - u);
            assert_close!(p_swapped, p);
            let (est, lo, hi) = hodges_lehmann(base, head, 0.95);
            let (est_s, lo_s, hi_s) = hodges_lehmann(head, base, 0.95);
            assert_close!(est_s, -est);
            assert_close!(lo_s, -hi);
            assert_close!(hi_s, -lo);
        }
    }

    // `compare` references: medians with np.median, change = (hm − bm)/|bm|·100,
    // interval = HL interval (as above) /|bm|·100, p from mannwhitneyu.

    #[test]
    fn compare_two_x_speedup_is_improved() {
        let base = [
            100.2, 98.7, 101.5, 99.1, 100.8, 102.3, 99.6, 100.0, 98.9, 101.1,
        ];
        let head = [50.3, 49.1, 51.2, 50.8, 49.7, 50.1, 52.0, 49.5, 50.6, 50.0];
        let c = compare(&base, &head, &T);
        // bm 100.1, hm 50.2, change -49.85014985014985, CI (-50.94905094905094,
        // -48.75124875124875), p 0.00018267179110955002 (asymptotic, 10 vs 10).
        assert_close!(c.base_median, 100.1);
        assert_close!(c.head_median, 50.2);
        assert_close!(c.change_percent, -49.85014985014985);
        assert_close!(c.ci_low, -50.94905094905094);
        assert_close!(c.ci_high, -48.75124875124875);
        assert_close!(c.p_value, 0.00018267179110955002);
        assert!(c.ci_high < 0.0);
        assert_eq!(c.verdict, Verdict::Improved);
    }

    #[test]
    fn compare_regression_exact_path() {
        let base = [200.4, 199.1, 201.7, 198.8, 200.9, 199.6, 202.2, 200.1];
        let head = [210.3, 211.8, 209.4, 212.6, 210.9, 209.9, 211.1, 213.0];
        let c = compare(&base, &head, &T);
        // change 5.368289637952559, CI (4.694132334581775, 6.092384519350806),
        // p 0.0001554001554001554 (exact: 2/12870).
        assert_close!(c.change_percent, 5.368289637952559);
        assert_close!(c.ci_low, 4.694132334581775);
        assert_close!(c.ci_high, 6.092384519350806);
        assert_close!(c.p_value, 0.0001554001554001554);
        assert_eq!(c.verdict, Verdict::Regressed);
    }

    #[test]
    fn compare_noop_with_noise_is_unchanged() {
        // rng = np.random.default_rng(5); np.round(rng.normal(100, 1, 20), 2), twice.
        let base = [
            99.2, 98.68, 99.75, 100.42, 101.14, 100.11, 99.45, 99.22, 100.75, 101.63, 100.27,
            98.77, 99.04, 101.6, 100.2, 98.27, 99.92, 98.84, 99.37, 99.51,
        ];
        let head = [
            99.29, 100.55, 99.94, 99.41, 100.41, 100.83, 98.36, 99.74, 99.02, 99.83, 98.71, 100.02,
            99.96, 99.7, 98.95, 99.6, 98.91, 98.64, 100.22, 98.89,
        ];
        let c = compare(&base, &head, &T);
        // change 0.020074274816832514, CI (-0.7929338552644849, 0.37137408411120176), p 0.49033426450951045
        assert_close!(c.change_percent, 0.020074274816832514, 1e-9);
        assert_close!(c.ci_low, -0.7929338552644849);
        assert_close!(c.ci_high, 0.37137408411120176);
        assert_close!(c.p_value, 0.49033426450951045);
        assert_eq!(c.verdict, Verdict::Unchanged);
    }

    #[test]
    fn compare_significant_but_tiny_change_is_unchanged() {
        let base = [
            1000.0, 1000.2, 999.9, 1000.1, 999.8, 1000.3, 1000.05, 999.95, 1000.15, 999.85,
        ];
        let head = [
            995.0, 995.2, 994.9, 995.1, 994.8, 995.3, 995.05, 994.95, 995.15, 994.85,
        ];
        let c = compare(&base, &head, &T);
        // change -0.49998750031249223, CI (-0.5149871253218761, -0.4849878753031083), p 0.00018267179110955002
        assert_close!(c.change_percent, -0.49998750031249223, 1e-9);
        assert_close!(c.ci_low, -0.5149871253218761, 1e-9);
        assert_close!(c.ci_high, -0.4849878753031083, 1e-9);
        assert_close!(c.p_value, 0.00018267179110955002);
        assert_eq!(c.verdict, Verdict::Unchanged);
    }

    #[test]
    fn compare_very_noisy_is_inconclusive() {
        // rng = np.random.default_rng(11) after 40 draws: np.round(rng.normal(100, 30, 10), 1), twice.
        let base = [
            110.4, 107.4, 133.0, 61.5, 80.2, 74.9, 48.0, 103.8, 115.8, 77.8,
        ];
        let head = [
            141.6, 124.7, 118.8, 112.1, 128.7, 60.0, 118.4, 118.1, 47.0, 110.4,
        ];
        let c = compare(&base, &head, &T);
        // change 28.532608695652172, CI (-5.869565217391295, 50.978260869565226), p 0.1122755059805569 (one tie: 110.4)
        assert_close!(c.change_percent, 28.532608695652172);
        assert_close!(c.ci_low, -5.869565217391295);
        assert_close!(c.ci_high, 50.978260869565226);
        assert_close!(c.p_value, 0.1122755059805569);
        assert_eq!(c.verdict, Verdict::Inconclusive);
    }

    #[test]
    fn compare_deterministic_constants() {
        let c = compare(&[1000.0; 3], &[900.0; 3], &T);
        assert_eq!(c.change_percent, -10.0);
        assert_eq!((c.ci_low, c.ci_high), (-10.0, -10.0));
        assert_eq!(c.p_value, 0.0);
        assert_eq!(c.verdict, Verdict::Improved);

        let c = compare(&[5.0e9; 2], &[5.1e9; 4], &T);
        assert_eq!(c.p_value, 0.0);
        assert_eq!(c.ci_low, c.change_percent);
        assert_eq!(c.verdict, Verdict::Regressed);

        // A constant change below min_change_percent is exact but not worth reporting.
        let c = compare(&[1000.0; 3], &[999.0; 3], &T);
        assert_eq!(c.p_value, 0.0);
        assert_eq!(c.verdict, Verdict::Unchanged);

        let c = compare(&[1234.0; 4], &[1234.0; 4], &T);
        assert_eq!(c.change_percent, 0.0);
        assert_eq!((c.ci_low, c.ci_high), (0.0, 0.0));
        assert_eq!(c.p_value, 1.0);
        assert_eq!(c.verdict, Verdict::Unchanged);
    }

    #[test]
    fn nearly_exact_counts_are_judged_by_their_spread() {
        // Instruction counts that vary by a few in 248 million (hash seeds):
        // ranks with two runs a side cannot get below p = 1/3, but the
        // difference is a hundred thousand times the spread.
        let base = [248_000_000.0, 248_000_003.0];
        let head = [247_480_000.0, 247_480_004.0];
        let c = compare(&base, &head, &T);
        assert_eq!(c.method, Method::Spread);
        // scipy.stats.ttest_ind(head, base, equal_var=False): p
        // 1.2513635597066808e-10; its confidence_interval(0.95) is
        // (-520011.10660542245, -519987.89339457755).
        assert_close!(c.p_value, 1.2513635597066808e-10, 1e-6);
        assert_close!(c.ci_low, -520011.10660542245 / 248_000_001.5 * 100.0, 1e-9);
        assert_close!(c.ci_high, -519987.89339457755 / 248_000_001.5 * 100.0, 1e-9);
        assert_close!(
            c.change_percent,
            (247_480_002.0 - 248_000_001.5) / 248_000_001.5 * 100.0,
            1e-12
        );
        // −0.21 % is below the default 1 % minimum...
        assert_eq!(c.verdict, Verdict::Unchanged);
        // ...and improved where the repository asks for 0.1 %.
        let fine = Thresholds {
            min_change_percent: 0.1,
            ..T
        };
        assert_eq!(compare(&base, &head, &fine).verdict, Verdict::Improved);
        // Three runs a side, a 1 % difference: ttest_ind gives p
        // 4.116176991342249e-06 and (-10.61432047503846, -9.585679524961586).
        let c = compare(&[1000.0, 1000.5, 1000.2], &[990.1, 990.0, 990.3], &T);
        assert_eq!((c.method, c.verdict), (Method::Spread, Verdict::Improved));
        assert_close!(c.p_value, 4.116176991342249e-06, 1e-6);
        assert_close!(c.ci_low, -10.61432047503846 / 1000.2 * 100.0, 1e-9);
        assert_close!(c.ci_high, -9.585679524961586 / 1000.2 * 100.0, 1e-9);
    }

    #[test]
    fn the_spread_rule_needs_a_gap_that_dwarfs_the_spread() {
        // Separated, but the gap is only 5x the range: ranks decide, and two
        // runs a side are too few for them.
        let c = compare(&[100.0, 101.0], &[106.0, 107.0], &T);
        assert_eq!(c.method, Method::Rank);
        assert_eq!(c.verdict, Verdict::Inconclusive);
        // Overlapping sides, and a single run a side, are never "spread".
        assert_eq!(
            compare(&[100.0, 100.1], &[100.05, 200.0], &T).method,
            Method::Rank
        );
        assert_eq!(compare(&[100.0], &[50.0], &T).method, Method::Rank);
        // Ordinary noisy runs keep the rank test, and so do nearly exact
        // ones when there are enough runs for ranks to resolve the change.
        assert_eq!(compare(&B9, &H9, &T).method, Method::Rank);
        let c = compare(&[100.0, 100.1, 100.2, 100.1, 100.0], &[90.0; 5], &T);
        assert_eq!((c.method, c.verdict), (Method::Rank, Verdict::Improved));
        // One constant side and one nearly constant side: the spread of the
        // other is the noise.
        let c = compare(&[5000.0, 5000.0, 5000.0], &[4900.0, 4900.5, 4900.2], &T);
        assert_eq!((c.method, c.verdict), (Method::Spread, Verdict::Improved));
        assert!(c.p_value < 1e-4, "{c:?}");
        // Pure Gaussian noise, two runs a side: the rule takes over in about
        // 3 series in 1,000 and then still has to pass alpha.
        let mut state = 42u64;
        let mut normal = || {
            let mut u = || {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
            };
            let (a, b) = (u(), u());
            (-2.0 * a.ln()).sqrt() * (std::f64::consts::TAU * b).cos()
        };
        let (mut spread, mut claims) = (0, 0);
        for _ in 0..20_000 {
            let base = [1000.0 + normal(), 1000.0 + normal()];
            let head = [1000.0 + normal(), 1000.0 + normal()];
            let c = compare(
                &base,
                &head,
                &Thresholds {
                    min_change_percent: 0.0,
                    ..T
                },
            );
            spread += (c.method == Method::Spread) as usize;
            claims += matches!(c.verdict, Verdict::Improved | Verdict::Regressed) as usize;
        }
        assert!((20..=100).contains(&spread), "{spread}");
        assert!(claims <= spread && claims <= 100, "{claims}");
    }

    #[test]
    fn compare_too_few_samples_is_inconclusive() {
        // One run each says nothing about noise, even if the values differ a lot.
        let c = compare(&[100.0], &[50.0], &T);
        assert_eq!(c.change_percent, -50.0);
        assert_eq!(c.verdict, Verdict::Inconclusive);
        // 3 vs 4 cannot reach 95% (full-range interval), despite a clear shift.
        let c = compare(&B3, &H4, &T);
        assert!(c.ci_low > 0.0);
        assert_eq!(c.verdict, Verdict::Inconclusive);
    }

    #[test]
    fn compare_degenerate_inputs_do_not_panic() {
        let inconclusive = |c: &Comparison| {
            assert_eq!(c.verdict, Verdict::Inconclusive, "{c:?}");
            assert!(!c.p_value.is_nan() && !c.change_percent.is_nan());
            assert!(!c.ci_low.is_nan() && !c.ci_high.is_nan());
        };
        let c = compare(&[], &[], &T);
        inconclusive(&c);
        assert!(c.base_median.is_nan());
        inconclusive(&compare(&[1.0, 2.0], &[], &T));
        inconclusive(&compare(&[f64::NAN; 3], &[1.0; 3], &T));
        // base median 0: no relative change exists.
        let c = compare(&[0.0, 0.0, 0.0], &[1.0, 2.0, 3.0], &T);
        inconclusive(&c);
        assert_eq!(c.base_median, 0.0);
        // Overflowing differences.
        inconclusive(&compare(&[-f64::MAX, f64::MAX], &[f64::MAX, -f64::MAX], &T));
        inconclusive(&compare(&[f64::MIN_POSITIVE; 3], &[f64::MAX; 3], &T));
        // A failed run (NaN, ∞) among good ones: fields from the finite values, no verdict.
        let base = [
            100.2,
            98.7,
            101.5,
            99.1,
            f64::NAN,
            102.3,
            99.6,
            100.0,
            98.9,
            101.1,
        ];
        let head = [
            50.3,
            49.1,
            51.2,
            f64::INFINITY,
            49.7,
            50.1,
            52.0,
            49.5,
            50.6,
            50.0,
        ];
        let c = compare(&base, &head, &T);
        inconclusive(&c);
        assert!(c.change_percent < -40.0 && c.ci_high < 0.0 && c.p_value < 0.01);
        // Nonsense thresholds never produce a claim.
        let odd = Thresholds {
            confidence: f64::NAN,
            ..T
        };
        inconclusive(&compare(&base[5..], &head[5..], &odd));
    }

    #[test]
    fn serde_shapes() {
        let json = serde_json::to_string(&Verdict::Inconclusive).expect("serializes");
        assert_eq!(json, "\"inconclusive\"");
        let t: Thresholds = serde_json::from_str(
            r#"{"alpha":0.05,"min_change_percent":1.0,"max_ci_width_percent":10.0,"confidence":0.95}"#,
        )
        .expect("deserializes");
        assert_eq!(t, T);
    }
}
