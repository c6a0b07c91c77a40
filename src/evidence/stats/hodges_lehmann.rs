//! The Hodges–Lehmann shift: the median of every pairwise difference, and
//! its Moses confidence interval, the exact inversion of the Mann–Whitney
//! test.

use std::f64::consts::SQRT_2;

use libm::erfc;

use super::mann_whitney::{Null, Pooled};

/// Hodges–Lehmann estimate of the shift `head - base`, with its
/// distribution-free (Moses) confidence interval: `(estimate, low, high)`.
///
/// The estimate is the median of the `m·n` pairwise differences
/// `head[j] - base[i]`. With `D(1) ≤ … ≤ D(mn)` those differences sorted, the
/// interval is `[D(k), D(mn + 1 - k)]` for the largest `k` with
/// `P(U ≤ k - 1) ≤ (1 - confidence) / 2` under the Mann–Whitney null
/// distribution, which makes it the set of shifts the two-sided test at level
/// `1 - confidence` does not reject. The null distribution is chosen as in
/// [`mann_whitney_u`](super::mann_whitney_u): exact quantiles when either sample has at most 8 values
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

/// Half-width `z` of the two-sided standard normal interval at `confidence`
/// (`norm.ppf(1 − α/2)`), or None outside (0, 1) where no finite interval exists.
pub(super) fn two_sided_z(confidence: f64) -> Option<f64> {
    let alpha = 1.0 - confidence;
    // 2·P(Z > z) = erfc(z/√2) falls from 1 at z = 0 to 0 (underflow) by z = 40.
    (alpha > 0.0 && alpha < 1.0).then(|| bisect(0.0, 40.0, |z| erfc(z / SQRT_2) <= alpha))
}

pub(super) struct Shift {
    pub(super) estimate: f64,
    pub(super) low: f64,
    pub(super) high: f64,
    /// False when the interval is the full range because none reaches the confidence.
    pub(super) at_confidence: bool,
}

impl Pooled {
    /// Largest `k` with `P(U ≤ k − 1) ≤ (1 − confidence) / 2`, or 0 when none exists.
    pub(super) fn interval_rank(&self, confidence: f64) -> u64 {
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

    pub(super) fn shift(&self, confidence: f64) -> Shift {
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

/// The `k`-th smallest (1-based, `1 ≤ k ≤ m·n`) of the differences
/// `head[j] − base[i]` for sorted, non-empty `base` and `head`.
///
/// Rounding is monotone, so the computed differences are ordered like the
/// exact ones and counting the differences `≤ x` takes a single two-pointer
/// pass; the `k`-th difference is the smallest `x` whose count reaches `k`.
pub(super) fn kth_difference(base: &[f64], head: &[f64], k: u64) -> f64 {
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
