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
//! 5. **Exact and nearly exact series** ([`crate::spread`], the rule
//!    evidence uses too). Ranks only see order: 6 + 6 exactly repeatable
//!    counts with a 15 % step between them cannot get below p ≈ 0.01 after
//!    the search over splits. Wherever a split's two sides do not overlap,
//!    both constant (`exact`: p = 0) or with a gap of at least 10× the larger
//!    side's range (`spread`: Welch's t), that p-value is used when smaller.
//!    Noisy series essentially never qualify; instruction counts do.
//! 6. **Location.** Every kept cut is moved (at most 25 points) to where a
//!    change between its final neighbours most probably lies within ±5
//!    points (the commits a reviewer reads around it): the split whose
//!    neighbourhood holds the most likelihood, the likeliest split among
//!    nearly equal ones (see `best_window`). The points whose likelihood is
//!    within a factor 40 of the highest form its interval of plausible
//!    locations (`from..=to`). The likelihood takes the two levels at the
//!    cut and models the noise from the residuals: Gaussian when they show
//!    no heavy tail, Student-t (3 degrees of freedom) when they do (see
//!    `location_profile`). On the `regress` benchmark's one-step series this
//!    locates steps within ±5 points more often than an oracle that is told
//!    both levels and the noise distribution and takes the likelihood's
//!    maximum, and the interval holds the true step in about 96 % of
//!    detections.
//!
//! # Replicates
//!
//! A commit measured several times (three CI runs) contributes every
//! measurement ([`change_points_replicated`]): all of them are ranked
//! together, splits fall only between commits, `S_k` sums the centred ranks
//! of the first `k` commits' measurements and is standardised by its
//! permutation variance over measurements, and `min_points` counts commits.
//! The null distribution on the grid of commits is the one above with `n`
//! commits, so the same p-values apply. Twelve commits with three runs each
//! and a 15 % step under 0.2 % noise give p ≈ 1e-6; the twelve medians alone
//! could not get below the shipped 0.005.
//!
//! Runs of one commit often share a runner, a build and a moment, so commits
//! may differ by more than their own runs do. The variance of `S_k` is then
//! inflated by the factor `(W + r B) / (W + B)` (within-commit rank variance
//! `W`, between-commit `B`, `r` runs a commit), estimated from successive
//! commits' mean ranks and used only when it is well beyond chance (see
//! `RankCusum::overdispersion`): 60 commits on runners of their own speed
//! (±2 %) whose three runs agree to 0.3 % are not a string of changes, and
//! independent runs keep the full power of every measurement.
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
//! that matters. Moving each kept cut to the best split of the rank scan
//! between its final neighbours was tried too: no change in F1 or location
//! error within ±20 points; the likelihood of step 6 is what places steps
//! within ±5.
//!
//! Non-finite values (NaN, ±∞: failed runs) are skipped; indexes still refer
//! to the caller's slice.

mod locate;
mod null;
mod propose;
mod prune;
mod rank;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use crate::spread::Method;
use locate::locate;
use propose::propose;
use prune::prune;
use rank::RankCusum;

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct DetectConfig {
    /// A change point is kept only if its p-value is below this (e.g. 0.001).
    pub max_p_value: f64,
    /// ... and the relative change of the segment medians is at least this, in percent (e.g. 0.25).
    pub min_change_percent: f64,
    /// ... and each side has at least this many points (commits) (e.g. 5).
    pub min_points: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChangePoint {
    /// Index of the first point after the change: where the split between
    /// its neighbouring change points is best supported.
    pub index: usize,
    /// The plausible first points after the change, `from..=to` (indexes):
    /// every split whose support is within a factor of about 40 in
    /// likelihood of the best one. A single index when the sides do not
    /// overlap at all (exact and nearly exact series).
    pub from: usize,
    pub to: usize,
    /// Medians of the segments before and after (between neighbouring
    /// change points), over every measurement of their points.
    pub before: f64,
    pub after: f64,
    /// (after - before) / |before| * 100.
    pub change_percent: f64,
    pub p_value: f64,
    /// `rank` (the rank scan), `exact` (both segments constant) or `spread`
    /// (the segments do not overlap and the gap dwarfs their spread).
    pub method: Method,
}

/// Change points of one series with one measurement per point, in index
/// order.
pub fn change_points(values: &[f64], cfg: &DetectConfig) -> Vec<ChangePoint> {
    let mut flat = Flat {
        xs: Vec::with_capacity(values.len()),
        starts: Vec::with_capacity(values.len() + 1),
        at: Vec::with_capacity(values.len()),
    };
    flat.starts.push(0);
    for (i, &v) in values.iter().enumerate() {
        if v.is_finite() {
            flat.xs.push(v);
            flat.starts.push(flat.xs.len());
            flat.at.push(i);
        }
    }
    detect(&flat, cfg)
}

/// Change points of a series whose points (commits) each hold every
/// measurement taken of them (replicates: several CI runs of one commit).
/// Every measurement counts; `min_points` counts points, not measurements.
pub fn change_points_replicated<V: AsRef<[f64]>>(
    points: &[V],
    cfg: &DetectConfig,
) -> Vec<ChangePoint> {
    let mut flat = Flat {
        xs: Vec::new(),
        starts: vec![0],
        at: Vec::new(),
    };
    for (i, p) in points.iter().enumerate() {
        let before = flat.xs.len();
        flat.xs
            .extend(p.as_ref().iter().copied().filter(|v| v.is_finite()));
        // A point none of whose runs gave a number is no point at all.
        if flat.xs.len() > before {
            flat.starts.push(flat.xs.len());
            flat.at.push(i);
        }
    }
    detect(&flat, cfg)
}

/// Every finite measurement of a series, point after point.
struct Flat {
    xs: Vec<f64>,
    /// Point `i`'s measurements are `xs[starts[i]..starts[i + 1]]`.
    starts: Vec<usize>,
    /// The caller's index of point `i`.
    at: Vec<usize>,
}

impl Flat {
    fn points(&self) -> usize {
        self.at.len()
    }

    /// Points `a..b`.
    fn span(&self, a: usize, b: usize) -> Span<'_> {
        Span {
            xs: &self.xs[self.starts[a]..self.starts[b]],
            starts: &self.starts[a..=b],
        }
    }
}

/// A run of consecutive points: their measurements and where each starts
/// (offsets into the whole series' measurements).
#[derive(Clone, Copy)]
struct Span<'a> {
    xs: &'a [f64],
    starts: &'a [usize],
}

impl<'a> Span<'a> {
    fn points(&self) -> usize {
        self.starts.len() - 1
    }

    /// How many measurements the first `k` points hold.
    fn before(&self, k: usize) -> usize {
        self.starts[k] - self.starts[0]
    }

    /// The measurements of the first `k` points, and of the rest.
    fn split(&self, k: usize) -> (&'a [f64], &'a [f64]) {
        self.xs.split_at(self.before(k))
    }
}

fn detect(flat: &Flat, cfg: &DetectConfig) -> Vec<ChangePoint> {
    let m = cfg.min_points.max(1);
    if flat.points() < m.saturating_mul(2) {
        return Vec::new();
    }
    let mut ranks = RankCusum::default();
    let proposed = propose(flat, m, cfg.max_p_value, &mut ranks);
    let mut cuts = prune(flat, m, cfg, &proposed, &mut ranks);
    locate(flat, m, cfg, &mut cuts, &mut ranks);
    cuts.into_iter()
        .map(|c| ChangePoint {
            index: flat.at[c.at],
            from: flat.at[c.from],
            to: flat.at[c.to],
            before: c.before,
            after: c.after,
            change_percent: c.change_percent,
            p_value: c.p_value,
            method: c.method,
        })
        .collect()
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
