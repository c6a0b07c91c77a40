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

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::f64::consts::{PI, SQRT_2};

use serde::{Deserialize, Serialize};

use crate::spread::exact_p_value;
pub use crate::spread::Method;

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

/// Shortest seeded interval scanned, in points (before `min_points` raises it).
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

/// The best split of points `a..b` and its p-value when that is below
/// `level`: by the rank scan, or, where ranks cannot resolve it (a dozen
/// exactly repeatable points), by the spread rule at the same split.
fn split_below(
    flat: &Flat,
    a: usize,
    b: usize,
    m: usize,
    level: f64,
    ranks: &mut RankCusum,
) -> Option<(usize, f64)> {
    let span = flat.span(a, b);
    let (k, z) = ranks.best_split(span, m)?;
    if let Some(p) = max_z_p_value_below(z, span.points(), m, level) {
        return Some((a + k, p));
    }
    let (left, right) = span.split(k);
    match exact_p_value(left, right) {
        Some((p, _)) if p < level => Some((a + k, p)),
        _ => None,
    }
}

/// Proposed cuts (point indexes), sorted, at least `m` apart: the best
/// splits of seeded intervals (significant at `level * SEEDED_LEVEL` on
/// their interval), then binary segmentation of the segments between them
/// (at `level`).
fn propose(flat: &Flat, m: usize, level: f64, ranks: &mut RankCusum) -> Vec<usize> {
    let n = flat.points();
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
            if let Some((cut, p_value)) =
                split_below(flat, s, s + len, m, level * SEEDED_LEVEL, ranks)
            {
                queue.push(Candidate {
                    p_value,
                    start: s,
                    end: s + len,
                    cut,
                });
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
        let Some((cut, _)) = split_below(flat, a, b, m, level, ranks) else {
            continue;
        };
        cuts.push(cut);
        stack.push((a, cut));
        stack.push((cut, b));
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
    method: Method,
    /// The plausible locations, `from..=to` (set by [`locate`]).
    from: usize,
    to: usize,
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
    flat: &Flat,
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
            method: Method::Rank,
            from: at,
            to: at,
        })
        .collect();
    let mut queue = BinaryHeap::new();
    let mut buf = Vec::new();
    // Removing the weakest cut first re-tests its neighbours on longer spans;
    // on pathological input (a sawtooth, a long drift) one segment can grow by
    // absorbing its neighbours one at a time, which is quadratic. Past this
    // many re-tested measurements, every failing cut is removed at once per
    // round.
    let budget = flat.xs.len().saturating_mul(PRUNE_WORK_PER_POINT);
    let mut pr = Pruner {
        flat,
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
        remove_failing(&mut pr, &mut cuts);
    }
    cuts.retain(|c| c.alive);
    relink(&mut cuts);
    cuts
}

/// Removes every failing cut at once per round, re-testing the neighbours,
/// until every cut left passes.
fn remove_failing(pr: &mut Pruner, cuts: &mut [Cut]) {
    loop {
        let failing: Vec<usize> = (0..cuts.len())
            .filter(|&id| cuts[id].alive && !pr.passes(&cuts[id]))
            .collect();
        if failing.is_empty() {
            break;
        }
        let mut dirty = Vec::new();
        for &id in &failing {
            let (prev, next) = unlink(cuts, id);
            dirty.extend([prev, next]);
        }
        dirty.sort_unstable();
        dirty.dedup();
        for id in dirty {
            if id != NONE && cuts[id].alive {
                pr.evaluate(cuts, id);
            }
        }
    }
}

/// Links the (alive, in order) cuts to their neighbours again.
fn relink(cuts: &mut [Cut]) {
    let k = cuts.len();
    for (i, c) in cuts.iter_mut().enumerate() {
        c.prev = if i == 0 { NONE } else { i - 1 };
        c.next = if i + 1 == k { NONE } else { i + 1 };
    }
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

/// Drop in log-likelihood from the best split within which another split
/// is still plausible: a factor `e^3.7 ≈ 40`. The two-sided random walk
/// behind a change-point's likelihood puts the true change outside that set
/// about `2 e^(-3.7) ≈ 5 %` of the time (the `regress` benchmark measures
/// it).
const PLAUSIBLE_DROP: f64 = 3.7;

/// How far (in points) a kept cut may move to the best-supported split
/// between its final neighbours.
const RELOCATE_WINDOW: usize = 25;

/// Places every kept cut where the split between its final neighbours is
/// best supported (the proposal came from whatever interval found it first,
/// often a short seeded one), re-tests them there, and records the interval
/// of plausible locations around each.
fn locate(flat: &Flat, m: usize, cfg: &DetectConfig, cuts: &mut Vec<Cut>, ranks: &mut RankCusum) {
    let mut z = Vec::new();
    let bounds = |cuts: &[Cut], id: usize| {
        let a = match cuts[id].prev {
            NONE => 0,
            p => cuts[p].at,
        };
        let b = match cuts[id].next {
            NONE => flat.points(),
            n => cuts[n].at,
        };
        (a, b)
    };
    let mut buf = Vec::new();
    for id in 0..cuts.len() {
        if cuts[id].method != Method::Rank {
            continue; // the sides do not overlap: the location is certain
        }
        let (a, b) = bounds(cuts, id);
        let at = cuts[id].at - a;
        if location_profile(flat.span(a, b), m, at, ranks, &mut z, &mut buf).is_none() {
            continue;
        }
        // z[j] is the split after a + m + j points.
        let c = cuts[id].at - a - m;
        let lo = c.saturating_sub(RELOCATE_WINDOW);
        let hi = (c + RELOCATE_WINDOW).min(z.len() - 1);
        let best = best_window(&z, lo, hi, &mut buf).unwrap_or(c);
        cuts[id].at = a + m + best;
    }
    // Re-test every cut at its place (the neighbours may have moved too).
    let mut queue = BinaryHeap::new();
    let mut pr = Pruner {
        flat,
        m,
        cfg,
        ranks,
        buf: &mut buf,
        queue: &mut queue,
        work: 0,
    };
    for id in 0..cuts.len() {
        pr.evaluate(cuts, id);
    }
    remove_failing(&mut pr, cuts);
    cuts.retain(|c| c.alive);
    relink(cuts);
    for id in 0..cuts.len() {
        let at = cuts[id].at;
        cuts[id].from = at;
        cuts[id].to = at;
        if cuts[id].method != Method::Rank {
            continue;
        }
        let (a, b) = bounds(cuts, id);
        if location_profile(flat.span(a, b), m, at - a, ranks, &mut z, &mut buf).is_none() {
            continue;
        }
        let c = at - a - m;
        // The most likely split near it (the cut sits where the most
        // likelihood lies around it, which need not be that split).
        let lo = c.saturating_sub(RELOCATE_WINDOW);
        let hi = (c + RELOCATE_WINDOW).min(z.len() - 1);
        let top = (lo..=hi)
            .max_by(|&i, &j| z[i].total_cmp(&z[j]).then(j.cmp(&i)))
            .unwrap_or(c);
        let floor = z[top] - PLAUSIBLE_DROP;
        let mut from = c.min(top);
        while from > 0 && z[from - 1] >= floor {
            from -= 1;
        }
        let mut to = c.max(top);
        while to + 1 < z.len() && z[to + 1] >= floor {
            to += 1;
        }
        cuts[id].from = a + m + from;
        cuts[id].to = a + m + to;
    }
}

/// The commits a reviewer reads around a reported change, each side: a cut
/// is placed where the most likelihood lies within this many splits of it,
/// which is where the change most probably is within that reach (the
/// likelihood's single highest split is a noisier guess of it).
const REVIEW_WINDOW: usize = 5;

/// Neighbourhoods holding all but this share of the most likelihood any
/// holds are equally good; among them the single most likely split wins,
/// so a sharp change stays exactly where its likelihood peaks.
const WINDOW_TIE: f64 = 0.01;

/// The split in `lo..=hi` (indexes into the log-likelihood profile `z`)
/// whose neighbourhood of `±REVIEW_WINDOW` splits holds the most
/// likelihood `e^z` (up to `WINDOW_TIE`, the likeliest such split).
///
/// With a flat prior on where the change is, the likelihood is its
/// posterior, and this split maximises the chance that the change lies
/// within `REVIEW_WINDOW` of it. Measured with the `regress` benchmark
/// (1,000-point one-step series, ±5 commits counting as found): F1 0.810 →
/// 0.842 under Gaussian noise, 0.786 → 0.810 under Student-t, 0.814 →
/// 0.835 with outliers, against the likelihood's maximum; steps of 5 %
/// stay exactly where they were.
fn best_window(z: &[f64], lo: usize, hi: usize, sums: &mut Vec<f64>) -> Option<usize> {
    let top = z[lo..=hi].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !top.is_finite() {
        return None;
    }
    // Prefix sums of e^(z - top) over every split.
    sums.clear();
    sums.push(0.0);
    let mut acc = 0.0;
    for &v in z {
        acc += (v - top).exp();
        sums.push(acc);
    }
    let mass = |k: usize| {
        sums[(k + REVIEW_WINDOW + 1).min(z.len())] - sums[k.saturating_sub(REVIEW_WINDOW)]
    };
    let most = (lo..=hi).map(mass).fold(0.0, f64::max);
    (lo..=hi)
        .filter(|&k| mass(k) >= most * (1.0 - WINDOW_TIE))
        .max_by(|&i, &j| z[i].total_cmp(&z[j]).then(j.cmp(&i)))
}

/// The log-likelihood of a change after each split, `out[j]` for the split
/// after `m + j` points of `span` (up to a constant; `at` is the current
/// split), which places a change and bounds where it may be.
///
/// The two levels are those at the current split (the medians of every
/// measurement on each side: many points, so nearly exact), and the noise is
/// modelled from the residuals around them: Gaussian when they show no
/// heavy tail (no more measurements than chance allows, about 1 in 2,000,
/// lie beyond 3.5 robust standard deviations, 1.4826 MAD), else Student-t
/// with 3 degrees of freedom at the same scale, whose likelihood shrugs off
/// outliers. Measured with the `regress` benchmark's generator, this places
/// a step within ±5 points as often as a detector told the true levels and
/// noise distribution does, within a point or two; the rank statistic's
/// own maximum, which only sees order, places it less well. When every
/// measurement ties (no scale), the rank profile's `Z²/2` stands in.
fn location_profile(
    span: Span,
    m: usize,
    at: usize,
    ranks: &mut RankCusum,
    out: &mut Vec<f64>,
    buf: &mut Vec<f64>,
) -> Option<()> {
    out.clear();
    let points = span.points();
    if points < m.saturating_mul(2) || points < 2 {
        return None;
    }
    let (left, right) = span.split(at);
    let (ml, mr) = (median(left, buf), median(right, buf));
    buf.clear();
    buf.extend(left.iter().map(|x| (x - ml).abs()));
    buf.extend(right.iter().map(|x| (x - mr).abs()));
    let n = span.xs.len();
    let sigma = {
        let mut scratch = Vec::new();
        1.482_6 * crate::numbers::median_with(buf, &mut scratch).unwrap_or(0.0)
    };
    if !(sigma > 0.0 && sigma.is_finite()) {
        ranks.profile(span, m, out)?;
        for z in out.iter_mut() {
            *z = *z * *z / 2.0;
        }
        return Some(());
    }
    let far = buf.iter().filter(|&&e| e > 3.5 * sigma).count();
    let gaussian = far <= 1 + n / 500;
    // Runs of one commit that agree more than commits do carry less
    // information about where a change is than their number suggests.
    let phi = if n > points && ranks.rank(span.xs).is_some() {
        ranks.overdispersion(span)
    } else {
        1.0
    };
    // Negative log-likelihood of a residual, up to a constant.
    let loss = |r: f64| {
        let u = r / sigma;
        if gaussian {
            0.5 * u * u
        } else {
            2.0 * (u * u / 3.0).ln_1p()
        }
    };
    // Log-likelihood after k points: -(Σ_{i<R} loss(x - ml) + Σ_{i≥R} loss(x - mr)),
    // i.e. a constant plus Σ_{i<R} (loss(x - mr) - loss(x - ml)).
    let mut s = 0.0;
    for k in 1..=points - m {
        s += span.xs[span.before(k - 1)..span.before(k)]
            .iter()
            .map(|&x| loss(x - mr) - loss(x - ml))
            .sum::<f64>()
            / phi;
        if k >= m {
            out.push(s);
        }
    }
    Some(())
}

/// Measurements re-tested while pruning, per measurement of the series,
/// before the pruning switches to removing all failing cuts at once.
const PRUNE_WORK_PER_POINT: usize = 64;

struct Pruner<'a> {
    flat: &'a Flat,
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
            NONE => self.flat.points(),
            n => cuts[n].at,
        };
        let c = cuts[id].at;
        let span = self.flat.span(a, b);
        self.work = self.work.saturating_add(span.xs.len());
        let (left, right) = span.split(c - a);
        let (p_value, method) = if c - a < self.m || b - c < self.m {
            (1.0, Method::Rank)
        } else {
            let rank_p = self
                .ranks
                .z_at(span, c - a)
                .map_or(1.0, |z| max_z_p_value(z, span.points(), self.m));
            match exact_p_value(left, right) {
                // Sides that do not overlap at all: what the spread shows
                // decides, unless ranks say more.
                Some((p, method)) if p < rank_p => (p, method),
                Some((_, method)) => (rank_p, method),
                None => (rank_p, Method::Rank),
            }
        };
        let before = median(left, self.buf);
        let after = median(right, self.buf);
        let change_percent = relative_change(before, after);
        let cut = &mut cuts[id];
        cut.version = cut.version.wrapping_add(1);
        cut.p_value = p_value;
        cut.method = method;
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
    /// Per point: the mean centred rank of its runs, and how many.
    means: Vec<(f64, usize)>,
    ratios: Vec<f64>,
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
    fn best_split(&mut self, span: Span, m: usize) -> Option<(usize, f64)> {
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
    fn overdispersion(&mut self, span: Span) -> f64 {
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
    fn profile(&mut self, span: Span, m: usize, out: &mut Vec<f64>) -> Option<()> {
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
    fn z_at(&mut self, span: Span, k: usize) -> Option<f64> {
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

    /// One measurement per point.
    fn one_each(xs: &[f64]) -> Flat {
        Flat {
            xs: xs.to_vec(),
            starts: (0..=xs.len()).collect(),
            at: (0..xs.len()).collect(),
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
        let flat = one_each(&XS);
        let (k, z) = r
            .best_split(flat.span(0, flat.points()), 5)
            .expect("not all tied");
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
            let flat = one_each(&xs);
            let (_, z) = ranks
                .best_split(flat.span(0, flat.points()), 5)
                .expect("not tied");
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

    /// The shipped thresholds (`rules/regression.toml`).
    fn shipped() -> DetectConfig {
        crate::config::Config::defaults().regression.defaults
    }

    /// 12 commits with 3 runs each, instruction counts with 0.2 % noise:
    /// `before` for six commits, then `after`.
    fn short_history(rng: &mut Rng, before: f64, after: f64) -> Vec<Vec<f64>> {
        (0..12)
            .map(|i| {
                let level = if i < 6 { before } else { after };
                (0..3)
                    .map(|_| level * (1.0 + 0.002 * rng.normal()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn replicates_are_data_on_a_short_history() {
        // A person sees this +15 % step at a glance; the medians of 6 + 6
        // points alone cannot reach the shipped max_p_value after choosing
        // the split, every one of the 36 measurements can.
        let mut rng = Rng(14);
        for _ in 0..1000 {
            let runs = short_history(&mut rng, 144_500.0, 167_000.0);
            let cps = change_points_replicated(&runs, &shipped());
            assert_eq!(cps.len(), 1, "{runs:?}: {cps:?}");
            let cp = &cps[0];
            assert_eq!(cp.index, 6, "{cp:?}");
            // Ranks see the separation, not its size: the neighbours of
            // the split stay plausible to them.
            assert!(cp.from >= 5 && cp.to <= 7, "{cp:?}");
            assert!(cp.p_value < 1e-4, "{cp:?}");
            assert!((cp.change_percent - 15.57).abs() < 0.5, "{cp:?}");
        }
        // The same points as medians only: the rank test over 12 values
        // cannot get below the threshold (what the runs add).
        let runs = short_history(&mut Rng(15), 144_500.0, 167_000.0);
        let medians: Vec<f64> = runs
            .iter()
            .map(|r| crate::numbers::median(r).unwrap())
            .collect();
        let mut r = RankCusum::default();
        let flat = one_each(&medians);
        let (_, z) = r.best_split(flat.span(0, 12), 5).unwrap();
        assert!(max_z_p_value(z, 12, 5) > shipped().max_p_value);
    }

    #[test]
    fn a_short_history_of_pure_noise_stays_silent() {
        // The same shape without a step: nothing in 1,000 seeded series.
        let mut rng = Rng(16);
        for seed in 0..1000 {
            let runs = short_history(&mut rng, 144_500.0, 144_500.0);
            let cps = change_points_replicated(&runs, &shipped());
            assert!(cps.is_empty(), "seed {seed}: {runs:?}: {cps:?}");
        }
    }

    #[test]
    fn exact_series_need_no_rank_test() {
        // Exactly repeatable counts, one per commit, 6 + 6: ranks alone
        // cannot reach the threshold; an exact step is real.
        let xs: Vec<f64> = (0..12)
            .map(|i| if i < 6 { 144_500.0 } else { 167_000.0 })
            .collect();
        let cps = change_points(&xs, &shipped());
        assert_eq!(cps.len(), 1, "{cps:?}");
        assert_eq!((cps[0].index, cps[0].method), (6, Method::Exact));
        assert_eq!((cps[0].from, cps[0].to), (6, 6));
        assert_eq!(cps[0].p_value, 0.0);
        // Nearly exact: counts that move by a few instructions between
        // commits (code changes elsewhere), a step that dwarfs that spread.
        let ys: Vec<f64> = xs
            .iter()
            .enumerate()
            .map(|(i, x)| x + ((i * 7) % 5) as f64)
            .collect();
        let cps = change_points(&ys, &shipped());
        assert_eq!(cps.len(), 1, "{cps:?}");
        assert_eq!((cps[0].index, cps[0].method), (6, Method::Spread));
        assert!(cps[0].p_value < 1e-6, "{cps:?}");
        // An exact change smaller than min_change_percent is still no
        // change worth reporting.
        let zs: Vec<f64> = (0..12)
            .map(|i| if i < 6 { 144_500.0 } else { 144_600.0 })
            .collect();
        assert_eq!(change_points(&zs, &shipped()), vec![]);
    }

    #[test]
    fn the_plausible_interval_holds_the_true_step() {
        // A 1 % step under 1 % noise is located only roughly; its interval
        // says how roughly, and holds the truth in most series.
        let (mut held, mut found, mut widths) = (0, 0, Vec::new());
        for seed in 0..200 {
            let xs = steps(500 + seed, &[(300, 100.0), (300, 101.0)]);
            let cps = change_points(&xs, &CFG);
            let Some(cp) = cps.iter().find(|c| c.index.abs_diff(300) <= 30) else {
                continue;
            };
            assert!(cp.from <= cp.index && cp.index <= cp.to, "{cp:?}");
            found += 1;
            held += (cp.from..=cp.to).contains(&300) as usize;
            widths.push((cp.to - cp.from + 1) as f64);
        }
        assert!(found >= 150, "{found}");
        let share = held as f64 / found as f64;
        assert!(share >= 0.85, "{share}");
        let width = crate::numbers::median(&widths).unwrap();
        assert!((3.0..=40.0).contains(&width), "{width}");
    }

    #[test]
    fn commits_that_differ_more_than_their_runs_are_not_changes() {
        // Each commit ran on a runner of its own speed (±2 %), its three runs
        // agree to 0.3 %: the runs are not independent draws of one level,
        // and a test that took them as such would see steps everywhere.
        let mut rng = Rng(19);
        let mut false_alarms = 0;
        for _ in 0..200 {
            let runs: Vec<Vec<f64>> = (0..60)
                .map(|_| {
                    let runner = 100.0 * (1.0 + 0.02 * rng.normal());
                    (0..3)
                        .map(|_| runner * (1.0 + 0.003 * rng.normal()))
                        .collect()
                })
                .collect();
            false_alarms += change_points_replicated(&runs, &shipped()).len();
        }
        assert!(false_alarms <= 2, "{false_alarms} in 200 series");
        // A real 10 % step among them is still found.
        let runs: Vec<Vec<f64>> = (0..60)
            .map(|i| {
                let level = if i < 30 { 100.0 } else { 110.0 };
                let runner = level * (1.0 + 0.02 * rng.normal());
                (0..3)
                    .map(|_| runner * (1.0 + 0.003 * rng.normal()))
                    .collect()
            })
            .collect();
        let cps = change_points_replicated(&runs, &shipped());
        assert_eq!(cps.len(), 1, "{cps:?}");
        assert!(cps[0].index.abs_diff(30) <= 2, "{cps:?}");
    }

    #[test]
    fn replicated_points_with_unequal_runs() {
        // Points measured 1 to 4 times; a point with no number at all is
        // skipped, and indexes stay the caller's.
        let mut rng = Rng(17);
        let mut points: Vec<Vec<f64>> = (0..40)
            .map(|i| {
                let level = if i < 25 { 100.0 } else { 103.0 };
                (0..1 + i % 4)
                    .map(|_| level * (1.0 + 0.01 * rng.normal()))
                    .collect()
            })
            .collect();
        points[10] = vec![f64::NAN];
        points[11] = vec![];
        let cps = change_points_replicated(&points, &CFG);
        assert_eq!(cps.len(), 1, "{cps:?}");
        assert!(cps[0].index.abs_diff(25) <= 1, "{cps:?}");
        assert!(cps[0].from <= 25 && 25 <= cps[0].to, "{cps:?}");
        // One measurement each is the single-value detection exactly.
        let xs = steps(18, &[(150, 100.0), (150, 102.0)]);
        let each: Vec<[f64; 1]> = xs.iter().map(|&x| [x]).collect();
        assert_eq!(
            change_points_replicated(&each, &CFG),
            change_points(&xs, &CFG)
        );
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
