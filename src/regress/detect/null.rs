//! The null distribution of the scan: the p-value of the largest
//! standardised rank statistic over the splits of `n` exchangeable points.

use std::cmp::Ordering;
use std::f64::consts::{PI, SQRT_2};

/// P(max |Z_k| over k in [m, n - m] >= b) under "no change", where `Z_k` is
/// the standardised two-sample statistic of `n` exchangeable values.
///
/// Siegmund's approximation for the standardised Brownian bridge: with
/// `s = log(t / (1 - t))` it is a stationary Ornstein–Uhlenbeck process, so
/// `P ≈ 2(1 - Φ(b)) + b φ(b) ∫ ν(b / sqrt(n t (1 - t))) ds`, where `ν` corrects
/// for the maximum being taken over a grid of `n` points instead of a
/// continuum. Accurate in the tail (p < 0.05); clamped to [0, 1].
pub(super) fn max_z_p_value(b: f64, n: usize, m: usize) -> f64 {
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
pub(super) fn max_z_p_value_below(b: f64, n: usize, m: usize, level: f64) -> Option<f64> {
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
