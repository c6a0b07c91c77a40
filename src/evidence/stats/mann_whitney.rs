//! The Mann–Whitney U test: both samples pooled and ranked, and the null
//! distribution of U (exact for small samples without ties, else normal
//! with tie correction), as SciPy computes them.

use std::f64::consts::SQRT_2;

use libm::erfc;

use super::{sorted_finite, Method};
use crate::spread::method_of;

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

/// Both samples (finite, sorted, non-empty) with what the rank test needs.
pub(super) struct Pooled {
    pub(super) base: Vec<f64>,
    pub(super) head: Vec<f64>,
    /// U statistic of `base`: pairs with base > head, ties counting one half.
    pub(super) u_base: f64,
    pub(super) null: Null,
}

/// How the null distribution of U is evaluated, chosen as SciPy's `method='auto'` does.
pub(super) enum Null {
    /// `cdf[u] = P(U ≤ u)` for `u` in `0..=m·n/2`; the upper half follows by symmetry.
    Exact { cdf: Vec<f64> },
    /// Normal approximation with mean `m·n/2` and this (tie-corrected) standard deviation.
    Normal { sd: f64 },
}

impl Pooled {
    pub(super) fn new(base: &[f64], head: &[f64]) -> Option<Pooled> {
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

    pub(super) fn method(&self) -> Method {
        method_of(&self.base, &self.head)
    }

    pub(super) fn pairs(&self) -> u64 {
        (self.base.len() as u64).saturating_mul(self.head.len() as u64)
    }

    pub(super) fn p_value(&self) -> f64 {
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
}

/// Lower half of the exact null distribution of U for samples of sizes `m ≤ n`
/// without ties: `P(U ≤ u)` for `u` in `0..=m·n/2`.
///
/// The number of orderings of the pooled sample with U = u is the coefficient
/// of `q^u` in the Gaussian binomial `[m+n choose m]_q = Π_{i=1..m} (1 − q^(n+i)) / (1 − q^i)`.
/// Multiplying in one factor at a time keeps every intermediate a Gaussian
/// binomial (non-negative integer counts, exact in f64 while below 2^53), and
/// costs O(m · m·n): with m ≤ 8 that is linear in the larger sample.
pub(super) fn exact_lower_cdf(m: usize, n: usize) -> Vec<f64> {
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
