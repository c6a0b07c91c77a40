//! Change-point detection for performance time series (draft).

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
    change_points_with(values, cfg, &Method::DEFAULT)
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Statistic {
    Unweighted,
    Standardized,
    Combined,
}

#[derive(Clone, Copy, Debug)]
pub struct Method {
    pub statistic: Statistic,
    pub split_factor: f64,
    pub refine: bool,
    pub locate_unweighted: bool,
}

impl Method {
    pub const DEFAULT: Method = Method {
        statistic: Statistic::Combined,
        split_factor: 1.0,
        refine: true,
        locate_unweighted: true,
    };
}

pub fn change_points_with(values: &[f64], cfg: &DetectConfig, method: &Method) -> Vec<ChangePoint> {
    let (xs, at): (Vec<f64>, Vec<usize>) = values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .map(|(i, &v)| (v, i))
        .unzip();
    let n = xs.len();
    let m = cfg.min_points.max(1);
    if n < m.saturating_mul(2) {
        return Vec::new();
    }
    let mut ranker = Ranker::default();

    // 1. Binary segmentation.
    let split_p = cfg.max_p_value * method.split_factor;
    let mut cuts = Vec::new();
    let mut stack = vec![(0usize, n)];
    while let Some((a, b)) = stack.pop() {
        let Some(scan) = ranker.scan(&xs[a..b], m, method) else {
            continue;
        };
        if !(scan.p_value < split_p) {
            continue;
        }
        let c = a + scan.split;
        cuts.push(c);
        stack.push((a, c));
        stack.push((c, b));
    }
    cuts.sort_unstable();

    // 2. Prune.
    let mut cuts: Vec<Cut> = cuts
        .into_iter()
        .map(|at| Cut {
            at,
            p_value: 1.0,
            before: 0.0,
            after: 0.0,
            change_percent: 0.0,
            dirty: true,
        })
        .collect();
    let mut moves_left = 4 * cuts.len() + 16;
    let mut median_buf = Vec::new();
    loop {
        while let Some(i) = cuts.iter().position(|c| c.dirty) {
            let a = if i == 0 { 0 } else { cuts[i - 1].at };
            let b = cuts.get(i + 1).map_or(n, |c| c.at);
            let scan = ranker.scan(&xs[a..b], m, method);
            let cut = &mut cuts[i];
            cut.dirty = false;
            cut.p_value = scan.map_or(1.0, |s| s.p_value);
            if method.refine && moves_left > 0 {
                if let Some(s) = scan {
                    if a + s.split != cut.at {
                        cut.at = a + s.split;
                        moves_left -= 1;
                        if i > 0 {
                            cuts[i - 1].dirty = true;
                        }
                        if let Some(c) = cuts.get_mut(i + 1) {
                            c.dirty = true;
                        }
                    }
                }
            }
            let cut = &mut cuts[i];
            cut.before = median(&xs[a..cut.at], &mut median_buf);
            cut.after = median(&xs[cut.at..b], &mut median_buf);
            cut.change_percent = relative_change(cut.before, cut.after);
            if cut.at - a < m || b - cut.at < m {
                cut.p_value = 1.0;
            }
        }
        let failing = |c: &Cut| {
            !(c.p_value < cfg.max_p_value && c.change_percent.abs() >= cfg.min_change_percent)
        };
        let worst = cuts
            .iter()
            .enumerate()
            .filter(|(_, c)| failing(c))
            .max_by(|(_, x), (_, y)| {
                x.p_value
                    .total_cmp(&y.p_value)
                    .then(y.change_percent.abs().total_cmp(&x.change_percent.abs()))
            })
            .map(|(i, _)| i);
        let Some(i) = worst else { break };
        cuts.remove(i);
        if i > 0 {
            cuts[i - 1].dirty = true;
        }
        if let Some(c) = cuts.get_mut(i) {
            c.dirty = true;
        }
    }
    cuts.iter()
        .map(|c| ChangePoint {
            index: at[c.at],
            before: c.before,
            after: c.after,
            change_percent: c.change_percent,
            p_value: c.p_value,
        })
        .collect()
}

struct Cut {
    at: usize,
    p_value: f64,
    before: f64,
    after: f64,
    change_percent: f64,
    dirty: bool,
}

fn relative_change(before: f64, after: f64) -> f64 {
    if before == after {
        0.0
    } else if before == 0.0 {
        f64::INFINITY.copysign(after)
    } else {
        (after - before) / before.abs() * 100.0
    }
}

fn median(xs: &[f64], buf: &mut Vec<f64>) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    buf.clear();
    buf.extend_from_slice(xs);
    let mid = buf.len() / 2;
    let (lo, hi, _) = buf.select_nth_unstable_by(mid, f64::total_cmp);
    let hi = *hi;
    if xs.len() % 2 == 1 {
        hi
    } else {
        let lo = lo.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        lo / 2.0 + hi / 2.0
    }
}

#[derive(Clone, Copy, Debug)]
struct Scan {
    p_value: f64,
    split: usize,
}

#[derive(Default)]
struct Ranker {
    order: Vec<u32>,
    centered: Vec<f64>,
}

impl Ranker {
    fn scan(&mut self, seg: &[f64], m: usize, method: &Method) -> Option<Scan> {
        let n = seg.len();
        if n < m.saturating_mul(2) || n < 2 {
            return None;
        }
        self.order.clear();
        self.order.extend(0..n as u32);
        self.order
            .sort_unstable_by(|&i, &j| seg[i as usize].total_cmp(&seg[j as usize]));
        self.centered.clear();
        self.centered.resize(n, 0.0);
        let mid = (n as f64 + 1.0) / 2.0;
        let mut i = 0;
        while i < n {
            let v = seg[self.order[i] as usize];
            let mut j = i + 1;
            while j < n && seg[self.order[j] as usize] == v {
                j += 1;
            }
            let r = (i + j + 1) as f64 / 2.0 - mid;
            for &k in &self.order[i..j] {
                self.centered[k as usize] = r;
            }
            i = j;
        }
        let nf = n as f64;
        let var = self.centered.iter().map(|c| c * c).sum::<f64>() / nf;
        if !(var > 0.0) {
            return None;
        }
        let mut s = 0.0;
        let (mut best_u, mut at_u) = (-1.0, m);
        let (mut best_z, mut at_z) = (-1.0, m);
        for k in 1..n {
            s += self.centered[k - 1];
            if k < m || k > n - m {
                continue;
            }
            let u = s.abs();
            if u > best_u {
                best_u = u;
                at_u = k;
            }
            let kf = k as f64;
            let z = u / (kf * (nf - kf)).sqrt();
            if z > best_z {
                best_z = z;
                at_z = k;
            }
        }
        let sd = var.sqrt();
        let big_k = best_u / (sd * nf / (nf - 1.0).sqrt());
        let big_z = best_z * (nf * (nf - 1.0)).sqrt() / (sd * nf);
        let p_u = kolmogorov_sf(big_k);
        let p_z = standardized_sf(big_z, n, m);
        let (p_value, split) = match method.statistic {
            Statistic::Unweighted => (p_u, at_u),
            Statistic::Standardized => (p_z, at_z),
            Statistic::Combined => {
                let p = (2.0 * p_u.min(p_z)).min(1.0);
                let at = if method.locate_unweighted || p_u <= p_z { at_u } else { at_z };
                (p, at)
            }
        };
        Some(Scan { p_value, split })
    }
}

/// P(sup |B(t)| > x) for a Brownian bridge B: the Kolmogorov distribution.
pub fn kolmogorov_sf(x: f64) -> f64 {
    if !(x > 0.0) {
        return 1.0;
    }
    if x < 1.0 {
        let pi2 = std::f64::consts::PI * std::f64::consts::PI;
        let mut cdf = 0.0;
        for j in 1..=8 {
            let o = (2 * j - 1) as f64;
            cdf += (-o * o * pi2 / (8.0 * x * x)).exp();
        }
        cdf *= (2.0 * std::f64::consts::PI).sqrt() / x;
        (1.0 - cdf).clamp(0.0, 1.0)
    } else {
        let mut p = 0.0;
        for j in 1..=12 {
            let j = j as f64;
            let t = 2.0 * (-2.0 * j * j * x * x).exp();
            if j as u32 % 2 == 1 {
                p += t;
            } else {
                p -= t;
            }
        }
        p.clamp(0.0, 1.0)
    }
}

fn norm_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

fn norm_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

fn nu(y: f64) -> f64 {
    if y < 1e-9 {
        return 1.0;
    }
    let h = y / 2.0;
    (2.0 / y) * (norm_cdf(h) - 0.5) / (h * norm_cdf(h) + norm_pdf(h))
}

/// P(max over k in [m, n-m] of |Z_k| > b) for standardized two-sample z-scores.
pub fn standardized_sf(b: f64, n: usize, m: usize) -> f64 {
    if !(b > 0.0) {
        return 1.0;
    }
    let nf = n as f64;
    let t0 = m as f64 / nf;
    let s1 = ((1.0 - t0) / t0).ln().max(0.0);
    let steps = 32;
    let h = s1 / steps as f64;
    let f = |s: f64| {
        let x = 1.0 / (1.0 + (-s).exp());
        nu(b / (nf * x * (1.0 - x)).sqrt())
    };
    let mut sum = f(0.0) + f(s1);
    for i in 1..steps {
        let w = if i % 2 == 1 { 4.0 } else { 2.0 };
        sum += w * f(i as f64 * h);
    }
    let integral = 2.0 * sum * h / 3.0;
    let p = libm::erfc(b / std::f64::consts::SQRT_2) + b * norm_pdf(b) * integral;
    p.clamp(0.0, 1.0)
}
