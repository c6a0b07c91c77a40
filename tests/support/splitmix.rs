//! Seeded noise for tests and benchmarks: SplitMix64, uniform and Gaussian
//! (Box–Muller) draws and Student-t ones, so a synthetic series is the same
//! on every machine and no dependency is needed. Not a test target of its
//! own: the unit tests, the integration tests and the benches include it
//! with `#[path]`.

/// SplitMix64 state; `SplitMix(seed)` starts right at `seed`.
pub struct SplitMix(pub u64);

impl SplitMix {
    /// A start well mixed from a small seed (0, 1, 2… give unrelated series).
    pub fn new(seed: u64) -> SplitMix {
        SplitMix(seed.wrapping_mul(0xD1B5_4A32_D192_ED03) ^ 0x5851_F42D_4C95_7F2D)
    }

    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    pub fn unif(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Standard normal.
    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.unif(), self.unif());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    /// Student-t with `df` degrees of freedom: heavy-tailed noise.
    pub fn student_t(&mut self, df: u32) -> f64 {
        let chi2: f64 = (0..df).map(|_| self.normal().powi(2)).sum();
        self.normal() / (chi2 / df as f64).sqrt()
    }
}
