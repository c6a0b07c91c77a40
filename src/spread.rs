//! Exact and nearly exact measurements: the rule that judges a difference
//! by the spread of repeated runs instead of by ranks.
//!
//! Rank tests are distribution-free but need runs: with two runs a side the
//! smallest two-sided Mann–Whitney p-value is 1/3, and a change-point scan
//! over a dozen commits cannot reach a small p-value however clean the step.
//! Instruction counts repeat exactly, or vary by a few instructions in
//! millions: there the spread of the runs itself shows what noise there is.
//! Evidence (`bench`, `propose`) and change-point detection (`detect`) both
//! use this one rule, so a change reads the same in both.

use serde::Serialize;

/// How a comparison was judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Mann–Whitney U and the Hodges–Lehmann interval: runs that vary.
    Rank,
    /// Every run of each side gave the same value: the difference is the
    /// change, with no noise to test it against.
    Exact,
    /// Nearly exact: the sides do not overlap, the gap between them is at
    /// least [`SPREAD_FACTOR`] times the larger side's range, and there are
    /// too few runs for ranks to resolve it; the change is judged against
    /// the observed spread (Welch's t-test and interval) instead.
    Spread,
}

impl Method {
    /// How the method reads in a verdict or a pull request's method line.
    pub fn describe(self) -> &'static str {
        match self {
            Method::Rank => "Mann–Whitney U, Hodges–Lehmann interval",
            Method::Exact => "exactly repeatable: the difference is the change",
            Method::Spread => "nearly exact: the change against the spread of the runs (Welch's t)",
        }
    }
}

/// The gap between two non-overlapping sides, in units of the larger
/// side's range, from which a comparison is judged by the spread ([`Method::Spread`]).
/// Under pure Gaussian noise with two runs a side a gap this large happens
/// by chance about 3 times in 1,000 (with three runs, 3 in a million), and
/// Welch's p-value at that boundary is about 0.004: the rule only takes
/// over where ranks cannot resolve what the spread makes plain.
pub const SPREAD_FACTOR: f64 = 10.0;

/// Which rule judges two samples of finite values (in any order): `Exact`
/// when both are constant, `Spread` when they do not overlap and the gap
/// between them is at least [`SPREAD_FACTOR`] times the larger range, else
/// `Rank`. Either side with fewer than two values shows no spread: `Rank`.
pub fn method_of(base: &[f64], head: &[f64]) -> Method {
    if base.len() < 2 || head.len() < 2 {
        return Method::Rank;
    }
    let bounds = |xs: &[f64]| {
        xs.iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                (lo.min(x), hi.max(x))
            })
    };
    let ((base_lo, base_hi), (head_lo, head_hi)) = (bounds(base), bounds(head));
    let spread = (base_hi - base_lo).max(head_hi - head_lo);
    if spread == 0.0 {
        return Method::Exact;
    }
    let gap = (head_lo - base_hi).max(base_lo - head_hi);
    // Written so that a NaN or infinite gap (overflow) does not qualify.
    if gap.is_finite() && gap >= SPREAD_FACTOR * spread {
        Method::Spread
    } else {
        Method::Rank
    }
}

/// The two-sided p-value of two samples judged by [`method_of`] as `Exact`
/// (0 when they differ, 1 when equal) or `Spread` (Welch's t); `None` when
/// ranks must judge them.
pub fn exact_p_value(base: &[f64], head: &[f64]) -> Option<(f64, Method)> {
    match method_of(base, head) {
        Method::Rank => None,
        Method::Exact => Some((if base[0] == head[0] { 1.0 } else { 0.0 }, Method::Exact)),
        Method::Spread => Some((welch_p(base, head), Method::Spread)),
    }
}

/// Means, the standard error of their difference and the Welch–Satterthwaite
/// degrees of freedom of two samples of two values or more.
fn welch_parts(base: &[f64], head: &[f64]) -> (f64, f64, f64) {
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
    let var = |xs: &[f64], mu: f64| {
        xs.iter().map(|x| (x - mu) * (x - mu)).sum::<f64>() / (xs.len() as f64 - 1.0)
    };
    let (mb, mh) = (mean(base), mean(head));
    let (vb, vh) = (
        var(base, mb) / base.len() as f64,
        var(head, mh) / head.len() as f64,
    );
    let df = (vb + vh) * (vb + vh)
        / (vb * vb / (base.len() as f64 - 1.0) + vh * vh / (head.len() as f64 - 1.0));
    (mh - mb, (vb + vh).sqrt(), df)
}

/// Welch's two-sided p-value alone.
pub fn welch_p(base: &[f64], head: &[f64]) -> f64 {
    let (diff, se, df) = welch_parts(base, head);
    let p = (2.0 * student_t_sf((diff / se).abs(), df)).clamp(0.0, 1.0);
    if p.is_nan() {
        1.0
    } else {
        p
    }
}

/// Welch's two-sided t-test of the means and its interval for `head - base`.
pub struct Welch {
    pub p_value: f64,
    pub low: f64,
    pub high: f64,
    /// False when no interval at that confidence exists (a confidence
    /// outside (0, 1)): the interval is then the difference alone.
    pub at_confidence: bool,
}

/// Welch's unequal-variance t-test, as `scipy.stats.ttest_ind(head, base,
/// equal_var=False)` computes it, with the Welch–Satterthwaite degrees of
/// freedom; the interval is the mean difference ± the t quantile times its
/// standard error. Both sides need two values or more.
pub fn welch(base: &[f64], head: &[f64], confidence: f64) -> Welch {
    let (diff, se, df) = welch_parts(base, head);
    let alpha = 1.0 - confidence;
    let (low, high, at_confidence) = if alpha > 0.0 && alpha < 1.0 && df.is_finite() {
        let q = quantile(df, alpha);
        (diff - q * se, diff + q * se, true)
    } else {
        (diff, diff, false)
    };
    Welch {
        p_value: welch_p(base, head),
        low,
        high,
        at_confidence,
    }
}

/// `P(T > t)` for Student's t with `df` degrees of freedom (any real
/// `df > 0`), `t ≥ 0`: `I_{df/(df+t²)}(df/2, 1/2) / 2`.
fn student_t_sf(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if t.is_infinite() {
        return 0.0;
    }
    0.5 * regularized_beta(df / (df + t * t), df / 2.0, 0.5)
}

/// The regularized incomplete beta function `I_x(a, b)`, by its continued
/// fraction (modified Lentz), on the side where it converges quickly.
fn regularized_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front =
        libm::lgamma(a + b) - libm::lgamma(a) - libm::lgamma(b) + a * x.ln() + b * (1.0 - x).ln();
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front.exp() * beta_fraction(x, a, b) / a
    } else {
        1.0 - ln_front.exp() * beta_fraction(1.0 - x, b, a) / b
    }
}

fn beta_fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=300 {
        let m = m as f64;
        for numerator in [
            m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0)),
        ] {
            d = 1.0 + numerator * d;
            if d.abs() < TINY {
                d = TINY;
            }
            c = 1.0 + numerator / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            h *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// The `q` with `2·P(T > q) = alpha` for Student's t with `df` degrees of
/// freedom, by bisection (the tail falls from 1 at q = 0; 1e12 is past any
/// quantile a confidence level asks for).
fn quantile(df: f64, alpha: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, 1e12f64);
    for _ in 0..200 {
        // The geometric mean once the bracket spans magnitudes, so that a
        // huge upper end is narrowed as fast as a small one.
        let mid = if lo > 0.0 && hi / lo > 4.0 {
            (lo * hi).sqrt()
        } else {
            0.5 * (lo + hi)
        };
        if mid <= lo || mid >= hi {
            break;
        }
        if 2.0 * student_t_sf(mid, df) <= alpha {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tol: f64) -> bool {
        (actual - expected).abs() <= tol * expected.abs().max(1.0)
    }

    macro_rules! assert_close {
        ($actual:expr, $expected:expr, $tol:expr) => {{
            let (a, e): (f64, f64) = ($actual, $expected);
            assert!(
                close(a, e, $tol),
                "{} = {a:?}, expected {e:?}",
                stringify!($actual)
            );
        }};
    }

    #[test]
    fn student_t_tail_matches_scipy() {
        // scipy.stats.t.sf(t, df)
        for (t, df, expected) in [
            (0.5, 1.0, 0.3524163823495668),
            (2.0, 1.5, 0.11209416517802553),
            (15.556349186104045, 2.0, 0.00205339676614808),
            (3.0, 7.3, 0.009490275511566747),
            (40.0, 1.0, 0.007956089912025812),
            (1e5, 1.47, 1.661363081655552e-08),
        ] {
            assert_close!(student_t_sf(t, df), expected, 1e-9);
        }
        assert_eq!(student_t_sf(0.0, 3.0), 0.5);
        assert_eq!(student_t_sf(f64::INFINITY, 3.0), 0.0);
        assert!(student_t_sf(1.0, f64::NAN).is_nan());
    }

    #[test]
    fn student_t_quantiles_match_scipy() {
        // scipy.stats.t.ppf(0.975, df)
        for (df, expected) in [
            (1.0, 12.706204736432095),
            (2.0, 4.302652729696142),
            (1.8545994065281899, 4.642642168989943),
            (30.0, 2.0422724563012373),
        ] {
            assert_close!(quantile(df, 0.05), expected, 1e-9);
        }
    }

    #[test]
    fn the_rule_needs_two_values_a_side_and_a_gap_that_dwarfs_the_range() {
        assert_eq!(method_of(&[1.0, 1.0], &[2.0, 2.0]), Method::Exact);
        assert_eq!(method_of(&[1.0], &[2.0, 2.0]), Method::Rank);
        assert_eq!(method_of(&[1.0, 1.1], &[2.2, 2.3]), Method::Spread);
        assert_eq!(method_of(&[2.2, 2.3], &[1.0, 1.1]), Method::Spread);
        assert_eq!(method_of(&[1.0, 1.1], &[1.9, 2.0]), Method::Rank);
        assert_eq!(method_of(&[1.0, 3.0], &[2.0, 4.0]), Method::Rank);
        assert_eq!(
            method_of(&[-f64::MAX, -f64::MAX], &[f64::MAX, f64::MAX]),
            Method::Exact
        );
        assert_eq!(
            method_of(&[-f64::MAX, -1e300], &[1e300, f64::MAX]),
            Method::Rank
        );
    }
}
