//! Change-point detection for performance time series.
//!
//! A benchmark's history (one value per commit) is noisy, skewed and full of
//! outliers (a cold cache, a noisy neighbour), and its noise level differs
//! from one benchmark to the next. [`change_points`] finds the commits where
//! the level shifts, with a real significance test for each, and reports the
//! medians of the segments around it.
//!
//! # Method
//!
//! Everything is computed on **midranks**, so the test is distribution-free:
//! multiplying a series by a constant, adding one, or replacing an outlier by
//! an even wilder one changes nothing, and the p-values are valid whatever the
//! noise (Gaussian, heavy-tailed, tied values from exactly repeatable counts).
//!
//! 1. **Scan.** For a segment of `n` values with centred midranks `c_i`, the
//!    rank CUSUM `S_k = c_0 + … + c_{k-1}` is the Mann–Whitney statistic of the
//!    split "first `k` against the rest". Standardised by its exact
//!    permutation variance it gives a z-score `Z_k` per split; the scan takes
//!    the split with the largest `|Z_k|` (each side keeping at least
//!    `min_points`). This is the likelihood-ratio choice of the split, so the
//!    location is sharp even near the ends of the segment. (Ranks are
//!    recomputed within each segment scanned.)
//! 2. **Null distribution.** Under "no change", `Z_k` is a standardised
//!    Brownian bridge `B(t)/sqrt(t(1-t))`; the p-value of its maximum over
//!    `t ∈ [m/n, 1-m/n]` uses Siegmund's approximation with the discreteness
//!    correction `ν` (as in James, James & Siegmund 1987 and Chen & Zhang
//!    2015), which is accurate in the tail that matters.
//! 3. **Proposals: seeded binary segmentation** (Kovács et al. 2020). Every
//!    interval of a fixed multi-scale grid (lengths n/2, n/4, … down to 20
//!    points, each layer shifted by half a length) is scanned; the most
//!    significant splits are taken greedily, skipping intervals that straddle
//!    a cut already taken. Then every segment between those cuts is cut again
//!    by plain binary segmentation. Each proposal must be significant within
//!    its own interval (at `max_p_value`, a tenth of it for the many seeded
//!    intervals). The seeded layers are what find a short bump (a regression
//!    fixed a few dozen commits later), which barely moves a whole-series
//!    statistic: of the edges of 2 % bumps 20 commits long under 1 % noise,
//!    binary segmentation alone finds 30 %, with the seeded layers 94 %.
//!    Cost: O(n log n) per layer, O(n log² n) in all.
//! 4. **Pruning.** Each proposed cut is re-tested against its neighbouring
//!    segments, i.e. on the span between the adjacent cuts, with the same
//!    null distribution evaluated at the cut's own `|Z|` (a p-value for this
//!    cut that accounts for the search over the span). Cuts that fail
//!    (`p >= max_p_value`, a median change below `min_change_percent`, or a
//!    side shorter than `min_points`) are removed weakest first and their
//!    neighbours re-tested, until every kept cut passes, so levels and
//!    p-values are those of the final segmentation. (On pathological input,
//!    e.g. a long sawtooth, where this would become quadratic, the pruning
//!    switches to removing all failing cuts per round after a work budget.)
//!
//! The p-value of a kept cut is conditional on its neighbours, which were
//! themselves chosen by the search, so the false-alarm rate per series is a
//! few times `max_p_value` rather than exactly it, and grows faster than it:
//! measured false change points per 1,000 points of pure noise (Gaussian,
//! Student-t with 2–3 degrees of freedom, and 2 % outliers alike, since only
//! ranks are used) are below 0.003 at `max_p_value` 0.001 and 0.007–0.013 at
//! 0.005.
//!
//! # Why not the unweighted (Pettitt / Kolmogorov) CUSUM
//!
//! The unweighted statistic `max |S_k|` against the Kolmogorov distribution
//! is the classic choice, but it down-weights splits near the ends by
//! `sqrt(t(1-t))`. Measured with the `regress` benchmark's generator (1,000
//! points, one step of 0.5/1/2/5 % under 1 % Gaussian noise, 300 series per
//! step, plain binary segmentation): F1 0.89 unweighted against 0.94
//! standardised, and the unweighted argmax drifts towards the middle for
//! steps near the ends. Worse, a 1 % step after 2,000 commits of history was
//! found by only 16 % of series even 100 commits after it happened, where the
//! standardised scan finds 44 % of them after 20 commits and 91 % after 40;
//! new regressions are always at the end of the series, so this is the case
//! that matters. Moving each kept cut to the best split between its final
//! neighbours (a local refinement) was tried too: no change in F1 or location
//! error on the same series, and more false positives around bumps, so the
//! cut stays where the scan that proposed it put it.
//!
//! Non-finite values (NaN, ±∞: failed runs) are skipped; indexes still refer
//! to the caller's slice.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::f64::consts::{PI, SQRT_2};

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct DetectConfig {
    /// A change point is kept only if its p-value is below this (e.g. 0.001).
    pub max_p_value: f64,
    /// ... and the relative change of the segment medians is at least this, in percent (e.g. 0.25).
    pub min_change_percent: f64,
    /// ... and each side has at least this many points (e.g. 5).
    pub min_points: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChangePoint {
    /// Index of the first point after the change.
    pub index: usize,
    /// Medians of the segments before and after (between neighbouring change points).
    pub before: f64,
    pub after: f64,
    /// (after - before) / |before| * 100.
    pub change_percent: f64,
    pub p_value: f64,
}

/// Change points of one series, in index order.
pub fn change_points(values: &[f64], cfg: &DetectConfig) -> Vec<ChangePoint> {
    // Keep the original position of every finite value.
    let (xs, at): (Vec<f64>, Vec<usize>) = values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .map(|(i, &v)| (v, i))
        .unzip();
    let m = cfg.min_points.max(1);
    if xs.len() < m.saturating_mul(2) {
        return Vec::new();
    }
    let mut ranks = RankCusum::default();
    let proposed = propose(&xs, m, cfg.max_p_value, &mut ranks);
    prune(&xs, m, cfg, &proposed, &mut ranks)
        .into_iter()
        .filter_map(|c| {
            Some(ChangePoint {
                index: *at.get(c.at)?,
                before: c.before,
                after: c.after,
                change_percent: c.change_percent,
                p_value: c.p_value,
            })
        })
        .collect()
}

/// Shortest seeded interval scanned (before `min_points` raises it).
const SEED_MIN_LEN: usize = 20;

/// A seeded interval proposes its best split only at this fraction of
/// `max_p_value`: there are about 4n/20 of them, and every extra proposal is
/// a chance for the pruning to keep a false cut. Measured at `max_p_value`
/// 0.001 (1,000-point series): with the full level, 0.004–0.006 false
/// alarms per 1,000 points and 99 % of the edges of 20-commit bumps; with a
/// tenth, 0.000 and 94 %; at `max_p_value` 0.005, 0.03–0.11 against
/// 0.007–0.013 false alarms.
const SEEDED_LEVEL: f64 = 0.1;

/// A scanned interval's best split, for the proposal queue (smallest p first).
struct Candidate {
    p_value: f64,
    start: usize,
    end: usize,
    cut: usize,
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .p_value
            .total_cmp(&self.p_value)
            .then(other.end.cmp(&self.end))
            .then(other.start.cmp(&self.start))
    }
}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Candidate {}

/// Proposed cuts, sorted, at least `m` apart: the best splits of seeded
/// intervals (significant at `level * SEEDED_LEVEL` on their interval),
/// then binary segmentation of the segments between them (at `level`).
fn propose(xs: &[f64], m: usize, level: f64, ranks: &mut RankCusum) -> Vec<usize> {
    let n = xs.len();
    // Seeded intervals (Kovács et al. 2020): layers of lengths n/2, n/4, ...
    // with half-length shifts. A short bump that hides in the whole-series
    // scan is a clean step inside an interval a few times its length.
    let mut queue = BinaryHeap::new();
    let min_len = SEED_MIN_LEN.max(m.saturating_mul(2));
    for layer in 1..usize::BITS - 1 {
        let len = n >> layer;
        if len < min_len {
            break;
        }
        let count = (2usize << layer) - 1;
        let shift = (n - len) as f64 / (count - 1) as f64;
        for i in 0..count {
            let s = ((i as f64 * shift).round() as usize).min(n - len);
            if let Some((k, z)) = ranks.best_split(&xs[s..s + len], m) {
                if let Some(p_value) = max_z_p_value_below(z, len, m, level * SEEDED_LEVEL) {
                    queue.push(Candidate {
                        p_value,
                        start: s,
                        end: s + len,
                        cut: s + k,
                    });
                }
            }
        }
    }
    // Most significant first; an interval that straddles a cut already taken
    // no longer tests one change.
    let mut taken = std::collections::BTreeSet::new();
    while let Some(c) = queue.pop() {
        if taken.range(c.start + 1..c.end).next().is_none() {
            taken.insert(c.cut);
        }
    }
    // Binary segmentation of every segment between them; an explicit stack,
    // so adversarial input cannot overflow the call stack.
    let mut cuts: Vec<usize> = taken.iter().copied().collect();
    let mut stack: Vec<(usize, usize)> = std::iter::once(0)
        .chain(taken.iter().copied())
        .zip(taken.iter().copied().chain(std::iter::once(n)))
        .collect();
    while let Some((a, b)) = stack.pop() {
        let Some((k, z)) = ranks.best_split(&xs[a..b], m) else {
            continue;
        };
        if max_z_p_value_below(z, b - a, m, level).is_none() {
            continue;
        }
        cuts.push(a + k);
        stack.push((a, a + k));
        stack.push((a + k, b));
    }
    cuts.sort_unstable();
    let mut spaced: Vec<usize> = Vec::with_capacity(cuts.len());
    for c in cuts {
        if c >= m && c + m <= n && spaced.last().is_none_or(|&last| c >= last + m) {
            spaced.push(c);
        }
    }
    spaced
}

const NONE: usize = usize::MAX;

/// A proposed cut while pruning: a doubly linked list over the cuts, so a
/// removal only re-tests its two neighbours.
struct Cut {
    at: usize,
    prev: usize,
    next: usize,
    alive: bool,
    version: u32,
    p_value: f64,
    before: f64,
    after: f64,
    change_percent: f64,
}

/// A failing cut in the removal queue; the weakest (largest p-value, then
/// smallest change) comes out first.
struct Weakest {
    p_value: f64,
    change: f64,
    id: usize,
    version: u32,
}

impl Ord for Weakest {
    fn cmp(&self, other: &Self) -> Ordering {
        self.p_value
            .total_cmp(&other.p_value)
            .then(other.change.total_cmp(&self.change))
            .then(other.id.cmp(&self.id))
    }
}
impl PartialOrd for Weakest {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for Weakest {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Weakest {}

fn prune(
    xs: &[f64],
    m: usize,
    cfg: &DetectConfig,
    proposed: &[usize],
    ranks: &mut RankCusum,
) -> Vec<Cut> {
    let k = proposed.len();
    let mut cuts: Vec<Cut> = proposed
        .iter()
        .enumerate()
        .map(|(i, &at)| Cut {
            at,
            prev: if i == 0 { NONE } else { i - 1 },
            next: if i + 1 == k { NONE } else { i + 1 },
            alive: true,
            version: 0,
            p_value: 1.0,
            before: 0.0,
            after: 0.0,
            change_percent: 0.0,
        })
        .collect();
    let mut queue = BinaryHeap::new();
    let mut buf = Vec::new();
    // Removing the weakest cut first re-tests its neighbours on longer spans;
    // on pathological input (a sawtooth, a long drift) one segment can grow by
    // absorbing its neighbours one at a time, which is quadratic. Past this
    // many re-tested points, every failing cut is removed at once per round.
    let budget = xs.len().saturating_mul(PRUNE_WORK_PER_POINT);
    let mut pr = Pruner {
        xs,
        m,
        cfg,
        ranks,
        buf: &mut buf,
        queue: &mut queue,
        work: 0,
    };
    for id in 0..k {
        pr.evaluate(&mut cuts, id);
    }
    while pr.work <= budget {
        let Some(w) = pr.queue.pop() else { break };
        let Some(cut) = cuts.get(w.id) else { continue };
        if !cut.alive || cut.version != w.version {
            continue; // stale: re-tested since it was queued
        }
        let (prev, next) = unlink(&mut cuts, w.id);
        for id in [prev, next] {
            if id != NONE {
                pr.evaluate(&mut cuts, id);
            }
        }
    }
    if pr.work > budget {
        loop {
            let failing: Vec<usize> = (0..k)
                .filter(|&id| cuts[id].alive && !pr.passes(&cuts[id]))
                .collect();
            if failing.is_empty() {
                break;
            }
            let mut dirty = Vec::new();
            for &id in &failing {
                let (prev, next) = unlink(&mut cuts, id);
                dirty.extend([prev, next]);
            }
            dirty.sort_unstable();
            dirty.dedup();
            for id in dirty {
                if id != NONE && cuts[id].alive {
                    pr.evaluate(&mut cuts, id);
                }
            }
        }
    }
    cuts.retain(|c| c.alive);
    cuts
}

/// Removes cut `id` from the list; its former neighbours.
fn unlink(cuts: &mut [Cut], id: usize) -> (usize, usize) {
    let (prev, next) = (cuts[id].prev, cuts[id].next);
    cuts[id].alive = false;
    if prev != NONE {
        cuts[prev].next = next;
    }
    if next != NONE {
        cuts[next].prev = prev;
    }
    (prev, next)
}

/// Points re-tested while pruning, per point of the series, before the
/// pruning switches to removing all failing cuts at once.
const PRUNE_WORK_PER_POINT: usize = 64;

struct Pruner<'a> {
    xs: &'a [f64],
    m: usize,
    cfg: &'a DetectConfig,
    ranks: &'a mut RankCusum,
    buf: &'a mut Vec<f64>,
    queue: &'a mut BinaryHeap<Weakest>,
    work: usize,
}

impl Pruner<'_> {
    fn passes(&self, cut: &Cut) -> bool {
        // Written so that a NaN threshold fails rather than passes.
        cut.p_value < self.cfg.max_p_value
            && cut.change_percent.abs() >= self.cfg.min_change_percent
    }

    /// Re-tests cut `id` on the span between its neighbours and queues it
    /// for removal if it fails.
    fn evaluate(&mut self, cuts: &mut [Cut], id: usize) {
        let a = match cuts[id].prev {
            NONE => 0,
            p => cuts[p].at,
        };
        let b = match cuts[id].next {
            NONE => self.xs.len(),
            n => cuts[n].at,
        };
        let c = cuts[id].at;
        let (left, right) = (c - a, b - c);
        let span = &self.xs[a..b];
        self.work = self.work.saturating_add(span.len());
        let p_value = if left < self.m || right < self.m {
            1.0
        } else {
            self.ranks
                .z_at(span, left)
                .map_or(1.0, |z| max_z_p_value(z, span.len(), self.m))
        };
        let before = median(&span[..left], self.buf);
        let after = median(&span[left..], self.buf);
        let change_percent = relative_change(before, after);
        let cut = &mut cuts[id];
        cut.version = cut.version.wrapping_add(1);
        cut.p_value = p_value;
        cut.before = before;
        cut.after = after;
        cut.change_percent = change_percent;
        if !self.passes(cut) {
            self.queue.push(Weakest {
                p_value,
                change: change_percent.abs(),
                id,
                version: cut.version,
            });
        }
    }
}

/// `(after - before) / |before| * 100`; from a median of exactly zero any
/// change is infinite (±∞, never NaN), and no change is 0.
fn relative_change(before: f64, after: f64) -> f64 {
    if before == after {
        0.0
    } else if before == 0.0 {
        f64::INFINITY.copysign(after - before)
    } else {
        (after - before) / before.abs() * 100.0
    }
}

/// A segment's median; an empty segment (never split off, but possible in
/// principle) counts as 0.
fn median(xs: &[f64], buf: &mut Vec<f64>) -> f64 {
    crate::numbers::median_with(xs, buf).unwrap_or(0.0)
}

/// Scratch space for the rank CUSUM of one segment, reused across calls.
#[derive(Default)]
struct RankCusum {
    sorted: Vec<u128>,
    centred: Vec<f64>,
}

impl RankCusum {
    /// Centred midranks of `seg` into `self.centred`; the standard deviation
    /// of the ranks (population form, so ties are accounted for exactly), or
    /// `None` when every value ties.
    fn rank(&mut self, seg: &[f64]) -> Option<f64> {
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

    /// The split `k` in `[m, n - m]` (first `k` values against the rest) with
    /// the largest standardised rank statistic, and that `|Z_k|`.
    fn best_split(&mut self, seg: &[f64], m: usize) -> Option<(usize, f64)> {
        let n = seg.len();
        if n < m.saturating_mul(2) || n < 2 {
            return None;
        }
        let sd = self.rank(seg)?;
        let nf = n as f64;
        let mut s: f64 = self.centred[..m - 1].iter().sum();
        // Compare S_k² / (k (n - k)): the square root only once.
        let mut best = (m, -1.0);
        for k in m..=n - m {
            s += self.centred[k - 1];
            let kf = k as f64;
            let z2 = s * s / (kf * (nf - kf));
            if z2 > best.1 {
                best = (k, z2);
            }
        }
        Some((best.0, (best.1 * (nf - 1.0)).sqrt() / sd))
    }

    /// `|Z_k|` of the split after the first `k` values.
    fn z_at(&mut self, seg: &[f64], k: usize) -> Option<f64> {
        let n = seg.len();
        if k == 0 || k >= n {
            return None;
        }
        let sd = self.rank(seg)?;
        let s: f64 = self.centred[..k].iter().sum();
        let (nf, kf) = (n as f64, k as f64);
        // Var(S_k) = sd² k (n - k) / (n - 1): sampling without replacement.
        Some(s.abs() * (nf - 1.0).sqrt() / (sd * (kf * (nf - kf)).sqrt()))
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

/// P(max |Z_k| over k in [m, n - m] >= b) under "no change", where `Z_k` is
/// the standardised two-sample statistic of `n` exchangeable values.
///
/// Siegmund's approximation for the standardised Brownian bridge: with
/// `s = log(t / (1 - t))` it is a stationary Ornstein–Uhlenbeck process, so
/// `P ≈ 2(1 - Φ(b)) + b φ(b) ∫ ν(b / sqrt(n t (1 - t))) ds`, where `ν` corrects
/// for the maximum being taken over a grid of `n` points instead of a
/// continuum. Accurate in the tail (p < 0.05); clamped to [0, 1].
fn max_z_p_value(b: f64, n: usize, m: usize) -> f64 {
    if b.is_nan() || b <= 0.0 || n < 2 {
        return 1.0;
    }
    let nf = n as f64;
    let t0 = (m.max(1) as f64 / nf).min(0.5);
    let s1 = ((1.0 - t0) / t0).ln();
    let integrand = |s: f64| {
        let t = 1.0 / (1.0 + (-s).exp());
        nu(b / (nf * t * (1.0 - t)).sqrt())
    };
    // Symmetric in s: Simpson's rule on [0, s1], doubled.
    const STEPS: usize = 32;
    let h = s1 / STEPS as f64;
    let mut sum = integrand(0.0) + integrand(s1);
    for i in 1..STEPS {
        let w = if i % 2 == 1 { 4.0 } else { 2.0 };
        sum += w * integrand(i as f64 * h);
    }
    let integral = 2.0 * sum * h / 3.0;
    let p = libm::erfc(b / SQRT_2) + b * norm_pdf(b) * integral;
    p.clamp(0.0, 1.0)
}

/// `max_z_p_value(b, n, m)` when it is below `level`: most scans of pure
/// noise are rejected by a one-term lower bound (`ν` is smallest at the
/// ends) before the integral is computed.
fn max_z_p_value_below(b: f64, n: usize, m: usize, level: f64) -> Option<f64> {
    if b.is_nan() || b <= 0.0 || n < 2 {
        return None;
    }
    let nf = n as f64;
    let t0 = (m.max(1) as f64 / nf).min(0.5);
    let s1 = ((1.0 - t0) / t0).ln();
    let lower =
        libm::erfc(b / SQRT_2) + b * norm_pdf(b) * 2.0 * s1 * nu(b / (nf * t0 * (1.0 - t0)).sqrt());
    if lower.partial_cmp(&level) != Some(Ordering::Less) {
        return None;
    }
    let p = max_z_p_value(b, n, m);
    (p < level).then_some(p)
}

/// Siegmund's overshoot correction for a Gaussian random walk.
fn nu(y: f64) -> f64 {
    if y < 1e-9 {
        return 1.0;
    }
    let h = y / 2.0;
    (2.0 / y) * (norm_cdf(h) - 0.5) / (h * norm_cdf(h) + norm_pdf(h))
}

fn norm_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * PI).sqrt()
}

fn norm_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / SQRT_2)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: DetectConfig = DetectConfig {
        max_p_value: 0.001,
        min_change_percent: 0.25,
        min_points: 5,
    };

    /// SplitMix64 with Box–Muller: deterministic noise for the tests.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn unif(&mut self) -> f64 {
            ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        }
        fn normal(&mut self) -> f64 {
            let (u, v) = (self.unif(), self.unif());
            (-2.0 * u.ln()).sqrt() * (2.0 * PI * v).cos()
        }
    }

    /// `levels` as (length, level) runs, with 1 % Gaussian noise.
    fn steps(seed: u64, levels: &[(usize, f64)]) -> Vec<f64> {
        let mut rng = Rng(seed);
        levels
            .iter()
            .flat_map(|&(len, level)| std::iter::repeat_n(level, len))
            .map(|l| l * (1.0 + 0.01 * rng.normal()))
            .collect()
    }

    #[test]
    fn clean_step_at_the_right_index_with_the_right_levels() {
        let xs = steps(1, &[(120, 100.0), (80, 103.0)]);
        let cps = change_points(&xs, &CFG);
        assert_eq!(cps.len(), 1, "{cps:?}");
        let cp = &cps[0];
        assert_eq!(cp.index, 120);
        assert!((cp.before - 100.0).abs() < 0.3, "{cp:?}");
        assert!((cp.after - 103.0).abs() < 0.3, "{cp:?}");
        assert!((cp.change_percent - 3.0).abs() < 0.4, "{cp:?}");
        assert!(cp.p_value < 1e-10, "{cp:?}");
    }

    #[test]
    fn exact_step_without_noise() {
        // Exactly repeatable counts: only two distinct values, all tied.
        let xs: Vec<f64> = (0..60)
            .map(|i| if i < 25 { 1000.0 } else { 1010.0 })
            .collect();
        let cps = change_points(&xs, &CFG);
        assert_eq!(cps.len(), 1);
        assert_eq!(
            (cps[0].index, cps[0].before, cps[0].after),
            (25, 1000.0, 1010.0)
        );
        assert!((cps[0].change_percent - 1.0).abs() < 1e-12);
    }

    #[test]
    fn two_steps_are_both_found() {
        let xs = steps(2, &[(300, 100.0), (300, 102.0), (400, 99.0)]);
        let cps = change_points(&xs, &CFG);
        let idx: Vec<usize> = cps.iter().map(|c| c.index).collect();
        assert_eq!(cps.len(), 2, "{cps:?}");
        assert!(
            idx[0].abs_diff(300) <= 3 && idx[1].abs_diff(600) <= 3,
            "{idx:?}"
        );
        // Levels are those of the final segments, not of the whole halves.
        assert!((cps[0].after - 102.0).abs() < 0.3 && (cps[1].before - 102.0).abs() < 0.3);
        assert!(cps[1].change_percent < -2.5);
    }

    #[test]
    fn a_short_bump_is_cut_out() {
        // A 2 % regression that was fixed 60 commits later.
        let xs = steps(3, &[(500, 100.0), (60, 102.0), (440, 100.0)]);
        let idx: Vec<usize> = change_points(&xs, &CFG).iter().map(|c| c.index).collect();
        assert_eq!(idx.len(), 2, "{idx:?}");
        assert!(
            idx[0].abs_diff(500) <= 3 && idx[1].abs_diff(560) <= 3,
            "{idx:?}"
        );
    }

    #[test]
    fn pure_noise_gives_none() {
        for seed in 0..30 {
            let xs = steps(100 + seed, &[(1000, 50.0)]);
            assert_eq!(change_points(&xs, &CFG), vec![], "seed {seed}");
        }
    }

    #[test]
    fn outliers_and_a_burst_do_not_create_a_change_point() {
        let mut rng = Rng(7);
        let mut xs = steps(4, &[(400, 100.0)]);
        // 3 % of runs were slow by 20–100 %, and a burst of 4 runs 5x slower
        // (shorter than `min_points`: a mean-based test would see a level
        // shift around it).
        for x in xs.iter_mut() {
            if rng.unif() < 0.03 {
                *x *= 1.2 + 0.8 * rng.unif();
            }
        }
        for x in &mut xs[200..204] {
            *x *= 5.0;
        }
        assert_eq!(change_points(&xs, &CFG), vec![]);
        // A burst as long as min_points or longer is a short segment of its
        // own, and is reported when significant: min_points sets the
        // shortest segment worth a report.
        // The same outliers around a real 2 % step do not move it.
        for x in &mut xs[300..] {
            *x *= 1.02;
        }
        let cps = change_points(&xs, &CFG);
        assert_eq!(cps.len(), 1, "{cps:?}");
        assert!(cps[0].index.abs_diff(300) <= 3, "{cps:?}");
        assert!((cps[0].change_percent - 2.0).abs() < 0.5, "{cps:?}");
    }

    #[test]
    fn scale_invariance() {
        let xs = steps(5, &[(150, 10.0), (150, 10.2), (200, 10.1)]);
        let ys: Vec<f64> = xs.iter().map(|x| x * 1000.0).collect();
        let (a, b) = (change_points(&xs, &CFG), change_points(&ys, &CFG));
        assert!(!a.is_empty());
        assert_eq!(a.len(), b.len());
        for (a, b) in a.iter().zip(&b) {
            assert_eq!(a.index, b.index);
            assert_eq!(a.p_value, b.p_value);
            assert!((a.before * 1000.0 - b.before).abs() < 1e-9 * b.before.abs());
            assert!((a.change_percent - b.change_percent).abs() < 1e-9);
        }
    }

    #[test]
    fn min_points_is_respected() {
        // Huge steps every 8 points: each is a real change...
        let xs: Vec<f64> = (0..80)
            .map(|i| ((i / 8) % 2) as f64 * 100.0 + i as f64 * 1e-3)
            .collect();
        let loose = DetectConfig {
            min_points: 4,
            ..CFG
        };
        let found = change_points(&xs, &loose);
        assert!(!found.is_empty());
        // ...but with 10 points a side none may be reported.
        let strict = DetectConfig {
            min_points: 10,
            ..CFG
        };
        for cfg in [loose, strict] {
            let cps = change_points(&xs, &cfg);
            let mut edges = vec![0];
            edges.extend(cps.iter().map(|c| c.index));
            edges.push(xs.len());
            assert!(
                edges.windows(2).all(|w| w[1] - w[0] >= cfg.min_points),
                "{edges:?}"
            );
        }
        // A change 3 points from the end is not reported with min_points 5.
        let mut ys = steps(6, &[(200, 100.0)]);
        for y in &mut ys[197..] {
            *y *= 2.0;
        }
        assert!(change_points(&ys, &CFG).iter().all(|c| c.index <= 195));
    }

    #[test]
    fn min_change_percent_is_respected() {
        // A 0.2 % step under 0.01 % noise: hugely significant, but small.
        let mut rng = Rng(8);
        let xs: Vec<f64> = (0..400)
            .map(|i| if i < 200 { 100.0 } else { 100.2 } * (1.0 + 1e-4 * rng.normal()))
            .collect();
        assert_eq!(change_points(&xs, &CFG), vec![]);
        let cps = change_points(
            &xs,
            &DetectConfig {
                min_change_percent: 0.1,
                ..CFG
            },
        );
        assert_eq!(cps.len(), 1);
        assert_eq!(cps[0].index, 200);
    }

    /// 40 values with a 1.2σ step after 20 (numpy `default_rng(2024)`, second
    /// draw of `round(100 + N(0,1) + step, 2)`); two pairs tie.
    const XS: [f64; 40] = [
        99.61, 98.61, 97.90, 100.63, 98.83, 100.78, 101.85, 99.89, 98.87, 100.39, 100.76, 99.74,
        100.02, 101.34, 101.27, 100.71, 99.13, 99.95, 100.60, 99.79, 100.59, 100.43, 100.57,
        100.53, 100.75, 102.35, 100.40, 102.09, 101.62, 101.34, 100.37, 100.74, 103.17, 101.30,
        101.74, 101.86, 102.26, 100.96, 100.59, 101.14,
    ];

    #[test]
    fn p_value_matches_an_independent_reference() {
        // Reference computed with numpy/scipy, independently of this code:
        //   import numpy as np
        //   from scipy.stats import rankdata, norm
        //   from scipy.integrate import quad
        //   x = np.array(XS); n = len(x); r = rankdata(x) - (n + 1) / 2  # midranks
        //   sd = np.sqrt(np.mean(r**2)); S = np.cumsum(r)[:-1]; k = np.arange(1, n)
        //   z = np.abs(S) * np.sqrt(n - 1) / (sd * np.sqrt(k * (n - k)))
        //   zb = z[4:n-5].max(); kb = 5 + z[4:n-5].argmax()   # m = 5
        //   nu = lambda y: (2/y)*(norm.cdf(y/2)-.5)/((y/2)*norm.cdf(y/2)+norm.pdf(y/2))
        //   f = lambda t: nu(zb / np.sqrt(n*t*(1-t))) / (t*(1-t))   # ds = dt/(t(1-t))
        //   p = 2*norm.sf(zb) + zb*norm.pdf(zb)*quad(f, 5/n, 1-5/n, epsabs=0, epsrel=1e-12)[0]
        // gives kb = 24, zb = 3.782634628482539, p = 0.002180750544494192.
        // (A 10^6-draw permutation test of the same max-|Z| statistic gives
        // 6.8e-4: at n = 40 the approximation is conservative.)
        let mut r = RankCusum::default();
        let (k, z) = r.best_split(&XS, 5).expect("not all tied");
        assert_eq!(k, 24);
        assert!((z - 3.782634628482539).abs() < 1e-9, "{z}");
        let p = max_z_p_value(z, XS.len(), 5);
        assert!((p / 0.002180750544494192 - 1.0).abs() < 1e-4, "{p}");
    }

    #[test]
    fn null_p_values_are_calibrated() {
        // Over many pure-noise series the scan's p-value falls below 0.05 in
        // about 5 % of them (slightly fewer: the approximation is conservative).
        let mut rng = Rng(9);
        let mut ranks = RankCusum::default();
        let (mut below_05, mut below_01) = (0, 0);
        let runs = 4000;
        for _ in 0..runs {
            let xs: Vec<f64> = (0..200).map(|_| rng.normal()).collect();
            let (_, z) = ranks.best_split(&xs, 5).expect("not tied");
            let p = max_z_p_value(z, xs.len(), 5);
            below_05 += (p < 0.05) as usize;
            below_01 += (p < 0.01) as usize;
        }
        let (r05, r01) = (below_05 as f64 / runs as f64, below_01 as f64 / runs as f64);
        assert!((0.03..=0.065).contains(&r05), "{r05}");
        assert!((0.004..=0.016).contains(&r01), "{r01}");
    }

    #[test]
    fn non_finite_values_are_skipped_and_indexes_kept() {
        let clean = steps(10, &[(100, 100.0), (100, 104.0)]);
        let mut dirty = Vec::new();
        for (i, &x) in clean.iter().enumerate() {
            if i % 10 == 3 {
                dirty.push(f64::NAN);
            }
            if i % 17 == 5 {
                dirty.push(f64::INFINITY);
            }
            dirty.push(x);
        }
        let (a, b) = (change_points(&clean, &CFG), change_points(&dirty, &CFG));
        assert_eq!(a.len(), 1);
        assert_eq!(b.len(), 1);
        // The reported index is the dirty slice's position of the same value.
        assert_eq!(dirty[b[0].index].to_bits(), clean[a[0].index].to_bits());
        assert_eq!(a[0].p_value, b[0].p_value);
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let cfgs = [
            CFG,
            DetectConfig {
                min_points: 0,
                ..CFG
            },
            DetectConfig {
                min_points: usize::MAX,
                ..CFG
            },
            DetectConfig {
                max_p_value: f64::NAN,
                min_change_percent: f64::NAN,
                min_points: 1,
            },
            DetectConfig {
                max_p_value: 1.0,
                min_change_percent: 0.0,
                min_points: 1,
            },
        ];
        let inputs: Vec<Vec<f64>> = vec![
            vec![],
            vec![1.0],
            vec![f64::NAN; 50],
            vec![3.0; 100],
            vec![0.0, -0.0, 0.0, -0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
            (0..100)
                .map(|i| if i % 2 == 0 { f64::MAX } else { -f64::MAX })
                .collect(),
            (0..100)
                .map(|i| if i < 50 { f64::MIN_POSITIVE } else { f64::MAX })
                .collect(),
            (0..300).map(|i| i as f64).collect(),
        ];
        for cfg in &cfgs {
            for xs in &inputs {
                for cp in change_points(xs, cfg) {
                    assert!(!cp.before.is_nan() && !cp.after.is_nan());
                    assert!(!cp.change_percent.is_nan() && !cp.p_value.is_nan());
                    assert!(cp.index < xs.len());
                }
            }
        }
    }

    #[test]
    fn a_change_from_zero_is_infinite_not_nan() {
        let xs: Vec<f64> = (0..40).map(|i| if i < 20 { 0.0 } else { 5.0 }).collect();
        let cps = change_points(&xs, &CFG);
        assert_eq!(cps.len(), 1);
        assert_eq!((cps[0].before, cps[0].after), (0.0, 5.0));
        assert_eq!(cps[0].change_percent, f64::INFINITY);
        assert_eq!(relative_change(0.0, 0.0), 0.0);
        assert_eq!(relative_change(0.0, -1.0), f64::NEG_INFINITY);
        assert_eq!(relative_change(-2.0, -1.0), 50.0);
    }

    #[test]
    fn a_linear_trend_is_segmented_quickly() {
        // Worst case for the number of proposals: every split is significant.
        let xs: Vec<f64> = (0..100_000).map(|i| 100.0 + i as f64 * 1e-4).collect();
        let cps = change_points(&xs, &CFG);
        assert!(cps.windows(2).all(|w| w[0].index < w[1].index));
        assert!(cps.iter().all(|c| c.change_percent >= 0.25));
    }
}
