//! Pruning: every proposed cut re-tested between its neighbours, the
//! weakest failing one removed first, until every cut left passes.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::null::max_z_p_value;
use super::rank::RankCusum;
use super::{median, relative_change, DetectConfig, Flat, Method};
use crate::spread::exact_p_value;

pub(super) const NONE: usize = usize::MAX;

/// A proposed cut while pruning: a doubly linked list over the cuts, so a
/// removal only re-tests its two neighbours.
pub(super) struct Cut {
    pub(super) at: usize,
    pub(super) prev: usize,
    pub(super) next: usize,
    pub(super) alive: bool,
    pub(super) version: u32,
    pub(super) p_value: f64,
    pub(super) before: f64,
    pub(super) after: f64,
    pub(super) change_percent: f64,
    pub(super) method: Method,
    /// The plausible locations, `from..=to` (set by [`locate`](super::locate::locate)).
    pub(super) from: usize,
    pub(super) to: usize,
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

pub(super) fn prune(
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
pub(super) fn relink(cuts: &mut [Cut]) {
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

/// Re-tests every cut at its place (after they moved) and removes those that
/// fail, until every cut left passes; the cuts left are linked in order.
pub(super) fn retest(
    flat: &Flat,
    m: usize,
    cfg: &DetectConfig,
    cuts: &mut Vec<Cut>,
    ranks: &mut RankCusum,
    buf: &mut Vec<f64>,
) {
    let mut queue = BinaryHeap::new();
    let mut pr = Pruner {
        flat,
        m,
        cfg,
        ranks,
        buf,
        queue: &mut queue,
        work: 0,
    };
    for id in 0..cuts.len() {
        pr.evaluate(cuts, id);
    }
    remove_failing(&mut pr, cuts);
    cuts.retain(|c| c.alive);
    relink(cuts);
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
