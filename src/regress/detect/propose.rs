//! Proposals: the cuts worth testing, from seeded binary segmentation
//! (Kovács et al. 2020) on the rank scan, before pruning keeps the ones that
//! hold.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::null::max_z_p_value_below;
use super::rank::RankCusum;
use super::Flat;
use crate::spread::exact_p_value;

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
pub(super) fn propose(flat: &Flat, m: usize, level: f64, ranks: &mut RankCusum) -> Vec<usize> {
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
