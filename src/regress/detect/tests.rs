use super::null::max_z_p_value;
use super::rank::RankCusum;
use super::*;

const CFG: DetectConfig = DetectConfig {
    max_p_value: 0.001,
    min_change_percent: 0.25,
    min_points: 5,
};

// SplitMix64 with Box–Muller: deterministic noise for the tests.
#[path = "../../../tests/support/splitmix.rs"]
#[allow(dead_code)]
mod splitmix;
use splitmix::SplitMix as Rng;

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
    100.02, 101.34, 101.27, 100.71, 99.13, 99.95, 100.60, 99.79, 100.59, 100.43, 100.57, 100.53,
    100.75, 102.35, 100.40, 102.09, 101.62, 101.34, 100.37, 100.74, 103.17, 101.30, 101.74, 101.86,
    102.26, 100.96, 100.59, 101.14,
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
