//! The rank CUSUM: midranks of a span's measurements, the standardised
//! Mann–Whitney statistic of every split between points, and the variance
//! inflation of runs that agree more than points do.

use super::Span;

/// Scratch space for the rank CUSUM of one segment, reused across calls.
#[derive(Default)]
pub(super) struct RankCusum {
    sorted: Vec<u128>,
    centred: Vec<f64>,
    /// Per point: the mean centred rank of its runs, and how many.
    means: Vec<(f64, usize)>,
    ratios: Vec<f64>,
}

impl RankCusum {
    /// Centred midranks of `seg` into `self.centred`; the standard deviation
    /// of the ranks (population form, so ties are accounted for exactly), or
    /// `None` when every value ties.
    pub(super) fn rank(&mut self, seg: &[f64]) -> Option<f64> {
        let n = seg.len();
        // Sort (order-preserving integer key, position) packed in a u128:
        // integer comparisons are much cheaper than `f64::total_cmp`.
        self.sorted.clear();
        self.sorted.extend(
            seg.iter()
                .enumerate()
                .map(|(i, &x)| (u128::from(sort_key(x)) << 64) | i as u128),
        );
        self.sorted.sort_unstable();
        self.centred.clear();
        self.centred.resize(n, 0.0);
        let mid = (n as f64 + 1.0) / 2.0;
        let mut i = 0;
        while i < n {
            let key = self.sorted[i] >> 64;
            let mut j = i + 1;
            while j < n && self.sorted[j] >> 64 == key {
                j += 1;
            }
            // Ranks i+1 ..= j share their mean.
            let r = (i + j + 1) as f64 / 2.0 - mid;
            for &packed in &self.sorted[i..j] {
                self.centred[packed as u64 as usize] = r;
            }
            i = j;
        }
        let var = self.centred.iter().map(|c| c * c).sum::<f64>() / n as f64;
        (var > 0.0).then(|| var.sqrt())
    }

    /// The split `k` in `[m, n - m]` points (the first `k` points against
    /// the rest) with the largest standardised rank statistic, and that
    /// `|Z_k|`.
    ///
    /// With several measurements per point, all of them are ranked
    /// together and `S_k` sums the centred ranks of the first `k` points'
    /// measurements: the Mann–Whitney statistic of those measurements
    /// against the rest, standardised by its permutation variance over
    /// measurements. Its null distribution is that of the one-measurement
    /// case on the grid of points, so the same p-value applies with `n`
    /// points.
    pub(super) fn best_split(&mut self, span: Span, m: usize) -> Option<(usize, f64)> {
        let n = span.points();
        if n < m.saturating_mul(2) || n < 2 {
            return None;
        }
        let sd = self.rank(span.xs)?;
        let total = span.xs.len() as f64;
        // Compare S_k² / (R_k (N - R_k)): the square root only once.
        let mut best = (m, -1.0);
        if span.xs.len() == n {
            let nf = n as f64;
            let mut s: f64 = self.centred[..m - 1].iter().sum();
            for k in m..=n - m {
                s += self.centred[k - 1];
                let kf = k as f64;
                let z2 = s * s / (kf * (nf - kf));
                if z2 > best.1 {
                    best = (k, z2);
                }
            }
        } else {
            let mut s = 0.0;
            for k in 1..=n - m {
                s += self.centred[span.before(k - 1)..span.before(k)]
                    .iter()
                    .sum::<f64>();
                if k < m {
                    continue;
                }
                let r = span.before(k) as f64;
                let z2 = s * s / (r * (total - r));
                if z2 > best.1 {
                    best = (k, z2);
                }
            }
        }
        let phi = self.overdispersion(span);
        Some((best.0, (best.1 * (total - 1.0) / phi).sqrt() / sd))
    }

    /// The factor by which runs of one point that are not independent
    /// draws inflate the variance of the rank statistic, from the ranks in
    /// `self.centred`: 1 when points vary from one to the next as much as
    /// their own runs' spread predicts, up to the number of runs per point
    /// when runs of a point are copies of one another.
    ///
    /// Runs of one commit usually share a machine, a build and a moment:
    /// commits then differ by more than their runs do, and a test that took
    /// every run as an independent draw would call that difference a change.
    /// With within-point rank variance `W`, `r` runs per point and a
    /// between-point variance `B`, a point's rank sum has variance
    /// `r W + r² B` where the permutation test assumes `r (W + B)`: the factor
    /// is `(W + r B) / (W + B)`. `B` comes from successive points' mean ranks
    /// (the median of their squared differences against what `W` predicts,
    /// so a real step between two points moves it little), and is taken as 0
    /// unless that ratio is well beyond what chance gives for that many
    /// points (about 1 series in 1,000 of independent runs, by simulation:
    /// 9.9 for 11 pairs of points, 3.0 for 59). With one run per point the
    /// factor is 1 and the permutation test stands as it is.
    pub(super) fn overdispersion(&mut self, span: Span) -> f64 {
        let n = span.points();
        let total = span.xs.len();
        if total == n || n < 3 {
            return 1.0;
        }
        self.means.clear();
        let mut within = 0.0;
        let mut dof = 0usize;
        for k in 0..n {
            let runs = &self.centred[span.before(k)..span.before(k + 1)];
            let mean = runs.iter().sum::<f64>() / runs.len() as f64;
            within += runs.iter().map(|c| (c - mean) * (c - mean)).sum::<f64>();
            dof += runs.len() - 1;
            self.means.push((mean, runs.len()));
        }
        if dof == 0 || within <= 0.0 {
            return 1.0;
        }
        let w = within / dof as f64;
        self.ratios.clear();
        self.ratios.extend(self.means.windows(2).map(|p| {
            let (d, (ra, rb)) = (p[0].0 - p[1].0, (p[0].1 as f64, p[1].1 as f64));
            d * d / (w * (1.0 / ra + 1.0 / rb))
        }));
        let pairs = self.ratios.len() as f64;
        let mut scratch = Vec::new();
        // 1 + 2B / (W (1/r_a + 1/r_b)), from the median of a chi-square
        // with one degree of freedom.
        let excess =
            crate::numbers::median_with(&self.ratios, &mut scratch).unwrap_or(0.0) / 0.454_936_4;
        if excess <= 1.0 + 77.0 / pairs.powf(0.9) {
            return 1.0;
        }
        // With r runs a point on average, B / W = (excess - 1) / r.
        let r = total as f64 / n as f64;
        let b = (excess - 1.0) / r;
        (1.0 + r * b) / (1.0 + b)
    }

    /// `|Z_k|` for every split `k` in `[m, n - m]` points, into `out`
    /// (`out[j]` is the split after `m + j` points); `None` when every
    /// value ties or there is no such split.
    pub(super) fn profile(&mut self, span: Span, m: usize, out: &mut Vec<f64>) -> Option<()> {
        out.clear();
        let n = span.points();
        if n < m.saturating_mul(2) || n < 2 {
            return None;
        }
        let sd = self.rank(span.xs)?;
        let total = span.xs.len() as f64;
        let phi = self.overdispersion(span);
        let mut s = 0.0;
        for k in 1..=n - m {
            s += self.centred[span.before(k - 1)..span.before(k)]
                .iter()
                .sum::<f64>();
            if k >= m {
                let r = span.before(k) as f64;
                out.push(s.abs() * ((total - 1.0) / phi).sqrt() / (sd * (r * (total - r)).sqrt()));
            }
        }
        Some(())
    }

    /// `|Z_k|` of the split after the first `k` points.
    pub(super) fn z_at(&mut self, span: Span, k: usize) -> Option<f64> {
        let n = span.points();
        if k == 0 || k >= n {
            return None;
        }
        let sd = self.rank(span.xs)?;
        let r = span.before(k);
        let s: f64 = self.centred[..r].iter().sum();
        let (nf, rf) = (span.xs.len() as f64, r as f64);
        let phi = self.overdispersion(span);
        // Var(S) = φ sd² r (N - r) / (N - 1): sampling without replacement.
        Some(s.abs() * ((nf - 1.0) / phi).sqrt() / (sd * (rf * (nf - rf)).sqrt()))
    }
}

/// An integer key in the order of the finite `x`, with -0.0 and 0.0 equal.
fn sort_key(x: f64) -> u64 {
    let bits = (x + 0.0).to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}
