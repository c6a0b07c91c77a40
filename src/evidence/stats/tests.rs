use super::hodges_lehmann::{kth_difference, two_sided_z};
use super::mann_whitney::exact_lower_cdf;
use super::*;

fn close(actual: f64, expected: f64, tol: f64) -> bool {
    (actual - expected).abs() <= tol * expected.abs().max(1.0)
}

macro_rules! assert_close {
    ($actual:expr, $expected:expr) => {
        assert_close!($actual, $expected, 1e-12)
    };
    ($actual:expr, $expected:expr, $tol:expr) => {{
        let (a, e): (f64, f64) = ($actual, $expected);
        assert!(
            close(a, e, $tol),
            "{} = {a:?}, expected {e:?}",
            stringify!($actual)
        );
    }};
}

const T: Thresholds = Thresholds {
    alpha: 0.05,
    min_change_percent: 1.0,
    max_ci_width_percent: 10.0,
    confidence: 0.95,
};

// Reference values below come from SciPy 1.17.1 / NumPy 2.4.6 (Python 3.11):
// `scipy.stats.mannwhitneyu(base, head, alternative='two-sided')` (default
// method='auto'), printed as `(float(r.statistic), float(r.pvalue))`.

const B5: [f64; 5] = [1.2, 3.4, 2.2, 5.1, 4.0];
const H5: [f64; 5] = [0.9, 1.1, 2.0, 1.5, 3.0];
const B3: [f64; 3] = [10.0, 12.5, 11.0];
const H4: [f64; 4] = [13.0, 14.2, 12.9, 15.5];
// rng = np.random.default_rng(7); base = np.round(rng.normal(100, 5, 8), 2); head = np.round(rng.normal(97, 5, 20), 2)
const B8: [f64; 8] = [100.01, 101.49, 98.63, 95.55, 97.73, 95.04, 100.3, 106.7];
const H20: [f64; 20] = [
    94.54, 93.9, 99.45, 98.78, 97.53, 92.35, 96.85, 100.48, 90.28, 94.71, 87.49, 90.55, 87.79,
    95.82, 90.66, 98.36, 97.78, 96.07, 84.42, 94.31,
];
const B10T: [f64; 10] = [3.0, 5.0, 5.0, 6.0, 7.0, 7.0, 7.0, 8.0, 9.0, 10.0];
const H12T: [f64; 12] = [1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 5.0, 6.0, 6.0, 7.0, 8.0, 8.0];
const B5T: [f64; 5] = [2.0, 3.0, 3.0, 4.0, 6.0];
const H6T: [f64; 6] = [1.0, 2.0, 2.0, 3.0, 5.0, 0.5];
const B9: [f64; 9] = [11.0, 12.5, 9.8, 10.7, 13.1, 12.0, 10.1, 11.6, 12.9];
const H9: [f64; 9] = [9.1, 10.4, 8.7, 11.2, 9.9, 10.0, 8.2, 9.5, 10.9];
// Continuing the same rng: np.round(rng.normal(50, 4, 30), 3), then np.round(rng.normal(48, 4, 30), 3);
// 46.147 occurs twice in head, so there is one tie.
const B30: [f64; 30] = [
    49.806, 50.453, 43.879, 48.089, 46.086, 46.765, 54.244, 46.77, 49.87, 53.538, 47.666, 49.553,
    50.442, 50.255, 45.1, 50.305, 55.435, 43.811, 53.438, 50.477, 47.434, 58.002, 53.049, 45.203,
    50.298, 52.307, 49.245, 52.732, 49.734, 52.669,
];
const H30: [f64; 30] = [
    53.754, 45.297, 48.813, 46.147, 48.509, 43.251, 45.683, 47.215, 51.595, 52.581, 42.706, 44.821,
    50.588, 40.03, 46.147, 47.611, 53.028, 50.758, 46.691, 46.526, 46.999, 54.094, 46.288, 46.785,
    49.41, 47.517, 47.211, 43.544, 47.954, 46.226,
];

#[test]
fn median_handles_odd_even_empty_and_nan() {
    assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
    assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
    assert!(median(&[]).is_nan());
    assert!(median(&[f64::NAN]).is_nan());
    assert_eq!(median(&[f64::NAN, 5.0, f64::INFINITY, 1.0]), 3.0);
    assert_eq!(median(&[f64::MAX, f64::MAX]), f64::MAX);
}

#[test]
fn mwu_exact_small_samples() {
    // mannwhitneyu(B5, H5) -> (21.0, 0.09523809523809523)   [exact: 24/252]
    let (u, p) = mann_whitney_u(&B5, &H5);
    assert_eq!(u, 21.0);
    assert_close!(p, 0.09523809523809523);
    // mannwhitneyu(B3, H4) -> (0.0, 0.05714285714285714)    [exact: 2/35]
    let (u, p) = mann_whitney_u(&B3, &H4);
    assert_eq!(u, 0.0);
    assert_close!(p, 0.05714285714285714);
}

#[test]
fn mwu_exact_when_only_one_sample_is_small() {
    // 8 vs 20 without ties: SciPy's auto rule still picks the exact distribution.
    // mannwhitneyu(B8, H20) -> (132.0, 0.006782267651832869)
    let (u, p) = mann_whitney_u(&B8, &H20);
    assert_eq!(u, 132.0);
    assert_close!(p, 0.006782267651832869);
}

#[test]
fn mwu_asymptotic_with_ties() {
    // mannwhitneyu(B10T, H12T) -> (87.0, 0.07801039460851988)
    let (u, p) = mann_whitney_u(&B10T, &H12T);
    assert_eq!(u, 87.0);
    assert_close!(p, 0.07801039460851988);
    // Small but tied (5 vs 6): asymptotic. mannwhitneyu(B5T, H6T) -> (23.0, 0.16304505585423734)
    let (u, p) = mann_whitney_u(&B5T, &H6T);
    assert_eq!(u, 23.0);
    assert_close!(p, 0.16304505585423734);
}

#[test]
fn mwu_asymptotic_larger_samples() {
    // 9 vs 9, no ties: both exceed 8, so asymptotic.
    // mannwhitneyu(B9, H9) -> (70.0, 0.010444271101370226)
    let (u, p) = mann_whitney_u(&B9, &H9);
    assert_eq!(u, 70.0);
    assert_close!(p, 0.010444271101370226);
    // mannwhitneyu(B30, H30) -> (613.0, 0.016283322893916402)
    let (u, p) = mann_whitney_u(&B30, &H30);
    assert_eq!(u, 613.0);
    assert_close!(p, 0.016283322893916402);
}

#[test]
fn mwu_degenerate_inputs() {
    assert_eq!(mann_whitney_u(&[], &[1.0]), (0.0, 1.0));
    assert_eq!(mann_whitney_u(&[f64::NAN], &[1.0]), (0.0, 1.0));
    // All tied, σ = 0: mannwhitneyu([2.0]*10, [2.0]*10) -> (50.0, 1.0)
    assert_eq!(mann_whitney_u(&[2.0; 10], &[2.0; 10]), (50.0, 1.0));
    // 1 vs 1: mannwhitneyu([1.0], [2.0]) -> (0.0, 1.0)
    assert_eq!(mann_whitney_u(&[1.0], &[2.0]), (0.0, 1.0));
}

#[test]
fn exact_null_matches_enumeration() {
    // Brute force: enumerate every placement of the m base ranks among m + n.
    fn enumerate(m: usize, n: usize) -> Vec<f64> {
        let mut counts = vec![0u64; m * n + 1];
        for mask in 0u32..1 << (m + n) {
            if mask.count_ones() as usize != m {
                continue;
            }
            // U counts the head values ranked below each base value.
            let (mut u, mut heads_below) = (0, 0);
            for pos in 0..m + n {
                if mask >> pos & 1 == 1 {
                    u += heads_below;
                } else {
                    heads_below += 1;
                }
            }
            counts[u] += 1;
        }
        let total: u64 = counts.iter().sum();
        let mut acc = 0;
        counts
            .iter()
            .map(|c| {
                acc += c;
                acc as f64 / total as f64
            })
            .collect()
    }
    for (m, n) in [(1, 1), (1, 6), (3, 4), (5, 5), (4, 9), (8, 8)] {
        let brute = enumerate(m, n);
        let cdf = exact_lower_cdf(m, n);
        assert_eq!(cdf.len(), m * n / 2 + 1);
        for (u, &c) in cdf.iter().enumerate() {
            assert_close!(c, brute[u], 1e-14);
        }
    }
}

#[test]
fn normal_quantile_matches_scipy() {
    // scipy.stats.norm.ppf(0.975), norm.ppf(0.95), norm.ppf(0.995)
    assert_close!(two_sided_z(0.95).unwrap_or(0.0), 1.959963984540054, 1e-15);
    assert_close!(two_sided_z(0.90).unwrap_or(0.0), 1.6448536269514722, 1e-15);
    assert_close!(two_sided_z(0.99).unwrap_or(0.0), 2.5758293035489004, 1e-15);
    for c in [f64::NAN, 0.0, 1.0, -0.5, 1.5] {
        assert_eq!(two_sided_z(c), None);
    }
}

// Hodges–Lehmann references: brute force in Python/NumPy over all pairwise
// differences `d = np.sort(np.subtract.outer(head, base).ravel())`,
// estimate `np.median(d)`, interval `(d[k-1], d[mn-k])` where
// - exact: k is the largest with P(U ≤ k−1) ≤ α/2, the null CDF obtained by
//   enumerating all `itertools.combinations(range(m+n), m)` (and checked
//   against `scipy.stats._mannwhitneyu._MWU(m, n).cdf`); the interval was
//   then verified by test inversion: over midpoints x between distinct
//   differences, `mannwhitneyu(base + x, head, method='exact').pvalue > α`
//   holds exactly for the x inside (low, high);
// - asymptotic: k = floor(mn/2 + 1/2 − norm.ppf(1 − α/2)·σ), σ tie-corrected
//   as in SciPy; for B9/H9 and B30/H30 (no base/head ties) also verified by
//   inversion with `mannwhitneyu(..., method='asymptotic')`.

#[test]
fn hodges_lehmann_exact_interval() {
    // k = 3 of 25: (-1.4, -3.5999999999999996, 0.7999999999999998)
    let (est, lo, hi) = hodges_lehmann(&B5, &H5, 0.95);
    assert_close!(est, -1.4);
    assert_close!(lo, -3.5999999999999996);
    assert_close!(hi, 0.7999999999999998);
    // k = 42 of 160: (-4.684999999999995, -9.14, -1.1400000000000006)
    let (est, lo, hi) = hodges_lehmann(&B8, &H20, 0.95);
    assert_close!(est, -4.684999999999995);
    assert_close!(lo, -9.14);
    assert_close!(hi, -1.1400000000000006);
}

#[test]
fn hodges_lehmann_too_small_gives_full_range() {
    // 3 vs 4 at 95%: P(U ≤ 0) = 1/35 > 0.025, so k = 0 and the interval is
    // the full range: (2.95, 0.40000000000000036, 5.5).
    let (est, lo, hi) = hodges_lehmann(&B3, &H4, 0.95);
    assert_close!(est, 2.95);
    assert_close!(lo, 0.40000000000000036);
    assert_close!(hi, 5.5);
    // At 90%, k = 1: the same extremes, now a real 94.3% interval.
    assert_eq!(hodges_lehmann(&B3, &H4, 0.90), (est, lo, hi));
    // Nonsense confidence levels also give the full range instead of panicking.
    for c in [f64::NAN, 0.0, 1.0, 2.0, -1.0] {
        assert_eq!(hodges_lehmann(&B3, &H4, c), (est, lo, hi));
    }
}

#[test]
fn hodges_lehmann_asymptotic_interval() {
    // With ties, k = 31 of 120: (-2.0, -4.0, 0.0)
    let (est, lo, hi) = hodges_lehmann(&B10T, &H12T, 0.95);
    assert_eq!((est, lo, hi), (-2.0, -4.0, 0.0));
    assert!(hi.is_sign_positive());
    // k = 22 of 81 at 90%: (-1.700000000000001, -2.8000000000000007, -0.7000000000000011)
    let (est, lo, hi) = hodges_lehmann(&B9, &H9, 0.90);
    assert_close!(est, -1.700000000000001);
    assert_close!(lo, -2.8000000000000007);
    assert_close!(hi, -0.7000000000000011);
    // k = 317 of 900: (-2.5209999999999972, -4.0589999999999975, -0.47800000000000153)
    let (est, lo, hi) = hodges_lehmann(&B30, &H30, 0.95);
    assert_close!(est, -2.5209999999999972);
    assert_close!(lo, -4.0589999999999975);
    assert_close!(hi, -0.47800000000000153);
}

#[test]
fn hodges_lehmann_empty_is_nan() {
    let (est, lo, hi) = hodges_lehmann(&[], &[1.0, 2.0], 0.95);
    assert!(est.is_nan() && lo.is_nan() && hi.is_nan());
}

/// Small deterministic generator (no RNG dependency needed for a test).
fn lcg_samples(seed: u64, len: usize, levels: u64) -> Vec<f64> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) % levels) as f64 * 0.25 - 3.0
        })
        .collect()
}

#[test]
fn kth_difference_matches_sorting() {
    // Few levels so there are many ties, including zero differences.
    for seed in 0..20 {
        let mut base = lcg_samples(seed, 1 + seed as usize % 7, 9);
        let mut head = lcg_samples(seed + 100, 1 + seed as usize % 5 * 3, 9);
        base.sort_by(f64::total_cmp);
        head.sort_by(f64::total_cmp);
        let mut all: Vec<f64> = head
            .iter()
            .flat_map(|h| base.iter().map(move |b| h - b))
            .collect();
        all.sort_by(f64::total_cmp);
        for (i, &expected) in all.iter().enumerate() {
            let got = kth_difference(&base, &head, i as u64 + 1);
            assert_eq!(got, expected, "seed {seed}, k {}", i + 1);
            assert!(got != 0.0 || got.is_sign_positive());
        }
    }
}

#[test]
fn swapping_samples_mirrors_the_results() {
    let cases: [(&[f64], &[f64]); 6] = [
        (&B5, &H5),
        (&B3, &H4),
        (&B8, &H20),
        (&B10T, &H12T),
        (&B9, &H9),
        (&B30, &H30),
    ];
    for (base, head) in cases {
        let mn = (base.len() * head.len()) as f64;
        let (u, p) = mann_whitney_u(base, head);
        let (u_swapped, p_swapped) = mann_whitney_u(head, base);
        assert_eq!(u_swapped, mn - u);
        assert_close!(p_swapped, p);
        let (est, lo, hi) = hodges_lehmann(base, head, 0.95);
        let (est_s, lo_s, hi_s) = hodges_lehmann(head, base, 0.95);
        assert_close!(est_s, -est);
        assert_close!(lo_s, -hi);
        assert_close!(hi_s, -lo);
    }
}

// `compare` references: medians with np.median, change = (hm − bm)/|bm|·100,
// interval = HL interval (as above) /|bm|·100, p from mannwhitneyu.

#[test]
fn compare_two_x_speedup_is_improved() {
    let base = [
        100.2, 98.7, 101.5, 99.1, 100.8, 102.3, 99.6, 100.0, 98.9, 101.1,
    ];
    let head = [50.3, 49.1, 51.2, 50.8, 49.7, 50.1, 52.0, 49.5, 50.6, 50.0];
    let c = compare(&base, &head, &T);
    // bm 100.1, hm 50.2, change -49.85014985014985, CI (-50.94905094905094,
    // -48.75124875124875), p 0.00018267179110955002 (asymptotic, 10 vs 10).
    assert_close!(c.base_median, 100.1);
    assert_close!(c.head_median, 50.2);
    assert_close!(c.change_percent, -49.85014985014985);
    assert_close!(c.ci_low, -50.94905094905094);
    assert_close!(c.ci_high, -48.75124875124875);
    assert_close!(c.p_value, 0.00018267179110955002);
    assert!(c.ci_high < 0.0);
    assert_eq!(c.verdict, Verdict::Improved);
}

#[test]
fn compare_regression_exact_path() {
    let base = [200.4, 199.1, 201.7, 198.8, 200.9, 199.6, 202.2, 200.1];
    let head = [210.3, 211.8, 209.4, 212.6, 210.9, 209.9, 211.1, 213.0];
    let c = compare(&base, &head, &T);
    // change 5.368289637952559, CI (4.694132334581775, 6.092384519350806),
    // p 0.0001554001554001554 (exact: 2/12870).
    assert_close!(c.change_percent, 5.368289637952559);
    assert_close!(c.ci_low, 4.694132334581775);
    assert_close!(c.ci_high, 6.092384519350806);
    assert_close!(c.p_value, 0.0001554001554001554);
    assert_eq!(c.verdict, Verdict::Regressed);
}

#[test]
fn compare_noop_with_noise_is_unchanged() {
    // rng = np.random.default_rng(5); np.round(rng.normal(100, 1, 20), 2), twice.
    let base = [
        99.2, 98.68, 99.75, 100.42, 101.14, 100.11, 99.45, 99.22, 100.75, 101.63, 100.27, 98.77,
        99.04, 101.6, 100.2, 98.27, 99.92, 98.84, 99.37, 99.51,
    ];
    let head = [
        99.29, 100.55, 99.94, 99.41, 100.41, 100.83, 98.36, 99.74, 99.02, 99.83, 98.71, 100.02,
        99.96, 99.7, 98.95, 99.6, 98.91, 98.64, 100.22, 98.89,
    ];
    let c = compare(&base, &head, &T);
    // change 0.020074274816832514, CI (-0.7929338552644849, 0.37137408411120176), p 0.49033426450951045
    assert_close!(c.change_percent, 0.020074274816832514, 1e-9);
    assert_close!(c.ci_low, -0.7929338552644849);
    assert_close!(c.ci_high, 0.37137408411120176);
    assert_close!(c.p_value, 0.49033426450951045);
    assert_eq!(c.verdict, Verdict::Unchanged);
}

#[test]
fn compare_significant_but_tiny_change_is_unchanged() {
    let base = [
        1000.0, 1000.2, 999.9, 1000.1, 999.8, 1000.3, 1000.05, 999.95, 1000.15, 999.85,
    ];
    let head = [
        995.0, 995.2, 994.9, 995.1, 994.8, 995.3, 995.05, 994.95, 995.15, 994.85,
    ];
    let c = compare(&base, &head, &T);
    // change -0.49998750031249223, CI (-0.5149871253218761, -0.4849878753031083), p 0.00018267179110955002
    assert_close!(c.change_percent, -0.49998750031249223, 1e-9);
    assert_close!(c.ci_low, -0.5149871253218761, 1e-9);
    assert_close!(c.ci_high, -0.4849878753031083, 1e-9);
    assert_close!(c.p_value, 0.00018267179110955002);
    assert_eq!(c.verdict, Verdict::Unchanged);
}

#[test]
fn compare_very_noisy_is_inconclusive() {
    // rng = np.random.default_rng(11) after 40 draws: np.round(rng.normal(100, 30, 10), 1), twice.
    let base = [
        110.4, 107.4, 133.0, 61.5, 80.2, 74.9, 48.0, 103.8, 115.8, 77.8,
    ];
    let head = [
        141.6, 124.7, 118.8, 112.1, 128.7, 60.0, 118.4, 118.1, 47.0, 110.4,
    ];
    let c = compare(&base, &head, &T);
    // change 28.532608695652172, CI (-5.869565217391295, 50.978260869565226), p 0.1122755059805569 (one tie: 110.4)
    assert_close!(c.change_percent, 28.532608695652172);
    assert_close!(c.ci_low, -5.869565217391295);
    assert_close!(c.ci_high, 50.978260869565226);
    assert_close!(c.p_value, 0.1122755059805569);
    assert_eq!(c.verdict, Verdict::Inconclusive);
}

#[test]
fn compare_deterministic_constants() {
    let c = compare(&[1000.0; 3], &[900.0; 3], &T);
    assert_eq!(c.change_percent, -10.0);
    assert_eq!((c.ci_low, c.ci_high), (-10.0, -10.0));
    assert_eq!(c.p_value, 0.0);
    assert_eq!(c.verdict, Verdict::Improved);

    let c = compare(&[5.0e9; 2], &[5.1e9; 4], &T);
    assert_eq!(c.p_value, 0.0);
    assert_eq!(c.ci_low, c.change_percent);
    assert_eq!(c.verdict, Verdict::Regressed);

    // A constant change below min_change_percent is exact but not worth reporting.
    let c = compare(&[1000.0; 3], &[999.0; 3], &T);
    assert_eq!(c.p_value, 0.0);
    assert_eq!(c.verdict, Verdict::Unchanged);

    let c = compare(&[1234.0; 4], &[1234.0; 4], &T);
    assert_eq!(c.change_percent, 0.0);
    assert_eq!((c.ci_low, c.ci_high), (0.0, 0.0));
    assert_eq!(c.p_value, 1.0);
    assert_eq!(c.verdict, Verdict::Unchanged);
}

#[test]
fn nearly_exact_counts_are_judged_by_their_spread() {
    // Instruction counts that vary by a few in 248 million (hash seeds):
    // ranks with two runs a side cannot get below p = 1/3, but the
    // difference is a hundred thousand times the spread.
    let base = [248_000_000.0, 248_000_003.0];
    let head = [247_480_000.0, 247_480_004.0];
    let c = compare(&base, &head, &T);
    assert_eq!(c.method, Method::Spread);
    // scipy.stats.ttest_ind(head, base, equal_var=False): p
    // 1.2513635597066808e-10; its confidence_interval(0.95) is
    // (-520011.10660542245, -519987.89339457755).
    assert_close!(c.p_value, 1.2513635597066808e-10, 1e-6);
    assert_close!(c.ci_low, -520011.10660542245 / 248_000_001.5 * 100.0, 1e-9);
    assert_close!(c.ci_high, -519987.89339457755 / 248_000_001.5 * 100.0, 1e-9);
    assert_close!(
        c.change_percent,
        (247_480_002.0 - 248_000_001.5) / 248_000_001.5 * 100.0,
        1e-12
    );
    // −0.21 % is below the default 1 % minimum...
    assert_eq!(c.verdict, Verdict::Unchanged);
    // ...and improved where the repository asks for 0.1 %.
    let fine = Thresholds {
        min_change_percent: 0.1,
        ..T
    };
    assert_eq!(compare(&base, &head, &fine).verdict, Verdict::Improved);
    // Three runs a side, a 1 % difference: ttest_ind gives p
    // 4.116176991342249e-06 and (-10.61432047503846, -9.585679524961586).
    let c = compare(&[1000.0, 1000.5, 1000.2], &[990.1, 990.0, 990.3], &T);
    assert_eq!((c.method, c.verdict), (Method::Spread, Verdict::Improved));
    assert_close!(c.p_value, 4.116176991342249e-06, 1e-6);
    assert_close!(c.ci_low, -10.61432047503846 / 1000.2 * 100.0, 1e-9);
    assert_close!(c.ci_high, -9.585679524961586 / 1000.2 * 100.0, 1e-9);
}

#[test]
fn the_spread_rule_needs_a_gap_that_dwarfs_the_spread() {
    // Separated, but the gap is only 5x the range: ranks decide, and two
    // runs a side are too few for them.
    let c = compare(&[100.0, 101.0], &[106.0, 107.0], &T);
    assert_eq!(c.method, Method::Rank);
    assert_eq!(c.verdict, Verdict::Inconclusive);
    // Overlapping sides, and a single run a side, are never "spread".
    assert_eq!(
        compare(&[100.0, 100.1], &[100.05, 200.0], &T).method,
        Method::Rank
    );
    assert_eq!(compare(&[100.0], &[50.0], &T).method, Method::Rank);
    // Ordinary noisy runs keep the rank test, and so do nearly exact
    // ones when there are enough runs for ranks to resolve the change.
    assert_eq!(compare(&B9, &H9, &T).method, Method::Rank);
    let c = compare(&[100.0, 100.1, 100.2, 100.1, 100.0], &[90.0; 5], &T);
    assert_eq!((c.method, c.verdict), (Method::Rank, Verdict::Improved));
    // One constant side and one nearly constant side: the spread of the
    // other is the noise.
    let c = compare(&[5000.0, 5000.0, 5000.0], &[4900.0, 4900.5, 4900.2], &T);
    assert_eq!((c.method, c.verdict), (Method::Spread, Verdict::Improved));
    assert!(c.p_value < 1e-4, "{c:?}");
    // Pure Gaussian noise, two runs a side: the rule takes over in about
    // 3 series in 1,000 and then still has to pass alpha.
    let mut state = 42u64;
    let mut normal = || {
        let mut u = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        let (a, b) = (u(), u());
        (-2.0 * a.ln()).sqrt() * (std::f64::consts::TAU * b).cos()
    };
    let (mut spread, mut claims) = (0, 0);
    for _ in 0..20_000 {
        let base = [1000.0 + normal(), 1000.0 + normal()];
        let head = [1000.0 + normal(), 1000.0 + normal()];
        let c = compare(
            &base,
            &head,
            &Thresholds {
                min_change_percent: 0.0,
                ..T
            },
        );
        spread += (c.method == Method::Spread) as usize;
        claims += matches!(c.verdict, Verdict::Improved | Verdict::Regressed) as usize;
    }
    assert!((20..=100).contains(&spread), "{spread}");
    assert!(claims <= spread && claims <= 100, "{claims}");
}

#[test]
fn compare_too_few_samples_is_inconclusive() {
    // One run each says nothing about noise, even if the values differ a lot.
    let c = compare(&[100.0], &[50.0], &T);
    assert_eq!(c.change_percent, -50.0);
    assert_eq!(c.verdict, Verdict::Inconclusive);
    // 3 vs 4 cannot reach 95% (full-range interval), despite a clear shift.
    let c = compare(&B3, &H4, &T);
    assert!(c.ci_low > 0.0);
    assert_eq!(c.verdict, Verdict::Inconclusive);
}

#[test]
fn compare_degenerate_inputs_do_not_panic() {
    let inconclusive = |c: &Comparison| {
        assert_eq!(c.verdict, Verdict::Inconclusive, "{c:?}");
        assert!(!c.p_value.is_nan() && !c.change_percent.is_nan());
        assert!(!c.ci_low.is_nan() && !c.ci_high.is_nan());
    };
    let c = compare(&[], &[], &T);
    inconclusive(&c);
    assert!(c.base_median.is_nan());
    inconclusive(&compare(&[1.0, 2.0], &[], &T));
    inconclusive(&compare(&[f64::NAN; 3], &[1.0; 3], &T));
    // base median 0: no relative change exists.
    let c = compare(&[0.0, 0.0, 0.0], &[1.0, 2.0, 3.0], &T);
    inconclusive(&c);
    assert_eq!(c.base_median, 0.0);
    // Overflowing differences.
    inconclusive(&compare(&[-f64::MAX, f64::MAX], &[f64::MAX, -f64::MAX], &T));
    inconclusive(&compare(&[f64::MIN_POSITIVE; 3], &[f64::MAX; 3], &T));
    // A failed run (NaN, ∞) among good ones: fields from the finite values, no verdict.
    let base = [
        100.2,
        98.7,
        101.5,
        99.1,
        f64::NAN,
        102.3,
        99.6,
        100.0,
        98.9,
        101.1,
    ];
    let head = [
        50.3,
        49.1,
        51.2,
        f64::INFINITY,
        49.7,
        50.1,
        52.0,
        49.5,
        50.6,
        50.0,
    ];
    let c = compare(&base, &head, &T);
    inconclusive(&c);
    assert!(c.change_percent < -40.0 && c.ci_high < 0.0 && c.p_value < 0.01);
    // Nonsense thresholds never produce a claim.
    let odd = Thresholds {
        confidence: f64::NAN,
        ..T
    };
    inconclusive(&compare(&base[5..], &head[5..], &odd));
}

#[test]
fn serde_shapes() {
    let json = serde_json::to_string(&Verdict::Inconclusive).expect("serializes");
    assert_eq!(json, "\"inconclusive\"");
    let t: Thresholds = serde_json::from_str(
        r#"{"alpha":0.05,"min_change_percent":1.0,"max_ci_width_percent":10.0,"confidence":0.95}"#,
    )
    .expect("deserializes");
    assert_eq!(t, T);
}
