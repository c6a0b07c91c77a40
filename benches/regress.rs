//! Change-point detection (`wattson::regress::detect`) against PELT (the
//! `ruptures` library) and Apache Otava on the same held-out synthetic
//! series, in the same run.
//!
//! `cargo bench --bench regress`. Prints markdown tables:
//!
//! - **Accuracy.** 1,000-point series with one step of ±0.5, 1, 2 or 5 % at a
//!   uniform location in [100, 900], under three noises with the same spread
//!   (1 % of the level): Gaussian (CV 1 %); Student-t with 2 or 3 degrees of
//!   freedom (alternating), scaled to the Gaussian's interquartile range (its
//!   variance is infinite or 3x, so the standard deviation cannot be
//!   matched); Gaussian plus 2 % of runs slowed by 10–100 %. A detection
//!   within ±5 points of the true step (a reviewer reads the commits around
//!   it) is a true positive, one per step; every other detection is a false
//!   positive. F1 within ±20 points is shown beside it. False alarms are
//!   counted on separate pure-noise series of the same noise. Two
//!   **oracles** are told that there is exactly one step in [100, 900],
//!   both levels and the noise distribution: one places the step at the
//!   maximum of the likelihood, the other where the most posterior
//!   probability lies within ±5 points (the Bayes rule for this score, so
//!   its recall bounds what any detector can do at ±5; a 0.5 % step under
//!   1 % noise is located within ±5 points in about half of the series even
//!   so).
//! - **Plausible interval.** How often wattson's interval of plausible
//!   commits (`from..=to`) holds the true step, and how wide it is.
//! - **Two changes.** A 2 % regression (1 % Gaussian noise) fixed `w`
//!   points later, w = 20/50/100/200: recall of both edges, and precision.
//! - **Delay.** A 1 % step under 1 % Gaussian noise after 500 points of
//!   history, with only `h` points after it (the newest commits): the share
//!   of series where the step is found within ±5 points.
//! - **Runtime.** Median time of one detection call on 10,000-point series
//!   (each tool times only the call), and wattson on 1,000 series × 1,000
//!   points spread over threads with rayon.
//!
//! PELT runs through `benches/pelt/run.py`: the L2 cost (a change in the
//! mean), a BIC-like penalty `2 σ² ln n` with σ estimated robustly from the
//! series, minimum segment 5, every index a candidate. Otava runs through
//! `benches/otava/run.py` with its `otava analyze` defaults (window 50,
//! p-value 0.001, no minimum magnitude). A peer whose Python package is
//! missing (`pip install ruptures`, `pip install apache-otava`) is skipped
//! with a message saying so, and the tables show the others.
//!
//! Knobs: `WATTSON_BENCH_SERIES` (series per noise × step cell, default 200),
//! `WATTSON_BENCH_NOISE_SERIES` (pure-noise series per noise, default 300),
//! `WATTSON_BENCH_RUNS` (timing repeats, default 7), `WATTSON_BENCH_PYTHON`
//! (default `python3`), `WATTSON_BENCH_NO_OTAVA=1` and
//! `WATTSON_BENCH_NO_PELT=1` to skip a peer; `WATTSON_BENCH_MAX_P_VALUE`,
//! `WATTSON_BENCH_MIN_CHANGE_PERCENT` and `WATTSON_BENCH_MIN_POINTS` try
//! other thresholds for wattson. The default run takes a few minutes on 2
//! cores, most of it in Otava.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rayon::prelude::*;
use wattson::regress::detect::{change_points, ChangePoint, DetectConfig};

/// The shipped thresholds, from `rules/regression.toml`.
fn default_cfg() -> DetectConfig {
    wattson::config::Config::defaults().regression.defaults
}

/// `default_cfg()`, with `WATTSON_BENCH_MAX_P_VALUE`, `WATTSON_BENCH_MIN_CHANGE_PERCENT`
/// and `WATTSON_BENCH_MIN_POINTS` overriding it (to try other thresholds).
fn config() -> DetectConfig {
    let var = |name: &str| std::env::var(name).ok();
    DetectConfig {
        max_p_value: var("WATTSON_BENCH_MAX_P_VALUE")
            .and_then(|v| v.parse().ok())
            .unwrap_or(default_cfg().max_p_value),
        min_change_percent: var("WATTSON_BENCH_MIN_CHANGE_PERCENT")
            .and_then(|v| v.parse().ok())
            .unwrap_or(default_cfg().min_change_percent),
        min_points: var("WATTSON_BENCH_MIN_POINTS")
            .and_then(|v| v.parse().ok())
            .unwrap_or(default_cfg().min_points),
    }
}

/// A detection this close to the true step (in points) is a true positive:
/// the tolerance scored first, and the looser one shown beside it.
const TOLERANCE: usize = 5;
const LOOSE_TOLERANCE: usize = 20;
const LEN: usize = 1000;
const STEPS: [f64; 4] = [0.005, 0.01, 0.02, 0.05];
const DELAYS: [usize; 5] = [10, 20, 30, 50, 100];
const HISTORY: usize = 500;
const BUMPS: [usize; 4] = [20, 50, 100, 200];
/// Otava's own default (`otava analyze --pvalue`).
const OTAVA_MAX_P_VALUE: f64 = 0.001;
/// PELT's shortest segment: wattson's `min_points`.
const PELT_MIN_SIZE: usize = 5;

// SplitMix64: no dependency, the same series on every machine.
#[path = "../tests/support/splitmix.rs"]
mod splitmix;
use splitmix::SplitMix as Rng;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Noise {
    Gaussian,
    StudentT,
    Outliers,
}

impl Noise {
    const ALL: [Noise; 3] = [Noise::Gaussian, Noise::StudentT, Noise::Outliers];

    fn name(self) -> &'static str {
        match self {
            Noise::Gaussian => "Gaussian, CV 1 %",
            Noise::StudentT => "Student-t, df 2–3",
            Noise::Outliers => "Gaussian + 2 % outliers",
        }
    }

    /// Relative noise of one point; `df` picks the t distribution's degrees
    /// of freedom for the whole series.
    fn draw(self, rng: &mut Rng, df: u32) -> f64 {
        // Gaussian quartile over the t quartile: the same interquartile range.
        const Q75_NORMAL: f64 = 0.674_489_75;
        match self {
            Noise::Gaussian => 0.01 * rng.normal(),
            Noise::StudentT => {
                let q75 = if df == 2 { 0.816_496_58 } else { 0.764_892_33 };
                0.01 * Q75_NORMAL / q75 * rng.student_t(df)
            }
            Noise::Outliers => {
                let e = 0.01 * rng.normal();
                if rng.unif() < 0.02 {
                    e + 0.1 + 0.9 * rng.unif()
                } else {
                    e
                }
            }
        }
    }
}

struct Case {
    noise: Noise,
    /// What generated a one-step series, for the oracle.
    model: Option<Model>,
    /// Index into `STEPS`, `None` for pure noise.
    step: Option<usize>,
    truth: Vec<usize>,
    values: Vec<f64>,
}

/// `len` points of `noise` around a random level, with a step of `step`
/// (relative, random sign) at `at`, undone at `until`.
fn series(rng: &mut Rng, noise: Noise, len: usize, step: f64, at: usize, until: usize) -> Vec<f64> {
    series_with_model(rng, noise, len, step, at, until).0
}

/// What generated a series: its levels before and after the step, and the
/// noise (with the t distribution's degrees of freedom).
#[derive(Clone, Copy)]
struct Model {
    noise: Noise,
    before: f64,
    after: f64,
    df: u32,
}

impl Model {
    /// Minus the log-density of `x` at `level` (multiplicative noise:
    /// `x = level (1 + e)`), up to a constant.
    fn loss(&self, x: f64, level: f64) -> f64 {
        const SIGMA: f64 = 0.01;
        let e = x / level - 1.0;
        let jacobian = level.ln();
        let normal_pdf = |u: f64| (-0.5 * u * u).exp();
        match self.noise {
            Noise::Gaussian => 0.5 * (e / SIGMA).powi(2) + jacobian,
            Noise::StudentT => {
                let q75 = if self.df == 2 {
                    0.816_496_58
                } else {
                    0.764_892_33
                };
                let scale = SIGMA * 0.674_489_75 / q75;
                let nu = self.df as f64;
                0.5 * (nu + 1.0) * ((e / scale).powi(2) / nu).ln_1p() + jacobian
            }
            Noise::Outliers => {
                // 98 % Gaussian; 2 % Gaussian plus a uniform 10–100 % slow-down.
                let phi = |u: f64| 0.5 * libm::erfc(-u / std::f64::consts::SQRT_2);
                let slow = (phi((e - 0.1) / SIGMA) - phi((e - 1.0) / SIGMA)) / 0.9;
                let density = 0.98 * normal_pdf(e / SIGMA)
                    / (SIGMA * (2.0 * std::f64::consts::PI).sqrt())
                    + 0.02 * slow;
                -density.max(f64::MIN_POSITIVE).ln() + jacobian
            }
        }
    }
}

fn series_with_model(
    rng: &mut Rng,
    noise: Noise,
    len: usize,
    step: f64,
    at: usize,
    until: usize,
) -> (Vec<f64>, Model) {
    let level = 10f64.powf(1.0 + 2.0 * rng.unif());
    let sign = if rng.next() & 1 == 0 { 1.0 } else { -1.0 };
    let df = 2 + (rng.next() % 2) as u32;
    let values = (0..len)
        .map(|i| {
            let l = if (at..until).contains(&i) {
                level * (1.0 + sign * step)
            } else {
                level
            };
            l * (1.0 + noise.draw(rng, df))
        })
        .collect();
    let model = Model {
        noise,
        before: level,
        after: level * (1.0 + sign * step),
        df,
    };
    (values, model)
}

fn accuracy_cases(per_cell: usize, noise_series: usize) -> Vec<Case> {
    let mut cases = Vec::new();
    for (ni, &noise) in Noise::ALL.iter().enumerate() {
        for (si, &step) in STEPS.iter().enumerate() {
            for r in 0..per_cell {
                let mut rng = Rng::new((ni * 1_000_000 + si * 100_000 + r) as u64);
                let at = 100 + (rng.next() % 801) as usize;
                let (values, model) = series_with_model(&mut rng, noise, LEN, step, at, LEN);
                cases.push(Case {
                    noise,
                    model: Some(model),
                    step: Some(si),
                    truth: vec![at],
                    values,
                });
            }
        }
        for r in 0..noise_series {
            let mut rng = Rng::new((ni * 1_000_000 + 900_000 + r) as u64);
            let values = series(&mut rng, noise, LEN, 0.0, LEN, LEN);
            cases.push(Case {
                noise,
                model: None,
                step: None,
                truth: Vec::new(),
                values,
            });
        }
    }
    cases
}

/// (h, series) for the delay table: the step is at `HISTORY`.
fn delay_cases(per_h: usize) -> Vec<(usize, Case)> {
    let mut cases = Vec::new();
    for &h in &DELAYS {
        for r in 0..per_h {
            let mut rng = Rng::new((7_000_000 + h * 10_000 + r) as u64);
            let values = series(
                &mut rng,
                Noise::Gaussian,
                HISTORY + h,
                0.01,
                HISTORY,
                HISTORY + h,
            );
            cases.push((
                h,
                Case {
                    noise: Noise::Gaussian,
                    model: None,
                    step: None,
                    truth: vec![HISTORY],
                    values,
                },
            ));
        }
    }
    cases
}

/// (w, series) for the bump table: a 2 % regression fixed `w` points later.
fn bump_cases(per_w: usize) -> Vec<(usize, Case)> {
    let mut cases = Vec::new();
    for &w in &BUMPS {
        for r in 0..per_w {
            let mut rng = Rng::new((8_000_000 + w * 10_000 + r) as u64);
            let at = 100 + (rng.next() % (LEN - 200 - w) as u64) as usize;
            let values = series(&mut rng, Noise::Gaussian, LEN, 0.02, at, at + w);
            cases.push((
                w,
                Case {
                    noise: Noise::Gaussian,
                    model: None,
                    step: None,
                    truth: vec![at, at + w],
                    values,
                },
            ));
        }
    }
    cases
}

#[derive(Default)]
struct Score {
    tp: usize,
    fp: usize,
    changes: usize,
    found_by_step: [usize; STEPS.len()],
    series_by_step: [usize; STEPS.len()],
    errors: Vec<usize>,
    false_alarms: usize,
    noise_points: usize,
}

impl Score {
    /// Each true change takes the nearest detection within `tolerance`
    /// not taken yet; every detection left over is a false positive.
    fn add(&mut self, case: &Case, detected: &[usize], tolerance: usize) {
        if case.truth.is_empty() {
            self.false_alarms += detected.len();
            self.noise_points += case.values.len();
            return;
        }
        let mut taken = vec![false; detected.len()];
        for &truth in &case.truth {
            self.changes += 1;
            let hit = detected
                .iter()
                .enumerate()
                .filter(|&(i, d)| !taken[i] && d.abs_diff(truth) <= tolerance)
                .min_by_key(|&(_, d)| d.abs_diff(truth));
            if let Some(si) = case.step {
                self.series_by_step[si] += 1;
                self.found_by_step[si] += hit.is_some() as usize;
            }
            if let Some((i, d)) = hit {
                taken[i] = true;
                self.tp += 1;
                self.errors.push(d.abs_diff(truth));
            }
        }
        self.fp += taken.iter().filter(|&&t| !t).count();
    }
    fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    fn recall(&self) -> f64 {
        ratio(self.tp, self.changes)
    }
    fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        }
    }
    fn false_alarms_per_1k(&self) -> f64 {
        1000.0 * ratio(self.false_alarms, self.noise_points)
    }
    fn median_error(&mut self) -> Option<usize> {
        self.errors.sort_unstable();
        self.errors.get(self.errors.len() / 2).copied()
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn median(xs: &mut [f64]) -> f64 {
    xs.sort_unstable_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A peer detector in Python, run through its script in `benches/`: the
/// script reads a request (the series, the peer's parameters) and writes the
/// indexes it found and the seconds each call took.
struct Peer {
    name: &'static str,
    python: String,
    script: PathBuf,
    dir: PathBuf,
    package: &'static str,
    params: serde_json::Value,
}

struct PeerResult {
    indexes: Vec<Vec<usize>>,
    seconds: Vec<Vec<f64>>,
}

impl Peer {
    /// The peer, or why it cannot run (the message names the package to
    /// install, or the variable that skipped it).
    fn find(
        name: &'static str,
        script: &str,
        module: &str,
        package: &'static str,
        skip_var: &str,
        params: serde_json::Value,
    ) -> Result<Peer, String> {
        if std::env::var(skip_var).is_ok_and(|v| v == "1") {
            return Err(format!("{skip_var}=1"));
        }
        let python = std::env::var("WATTSON_BENCH_PYTHON").unwrap_or_else(|_| "python3".into());
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(script);
        let probe = Command::new(&python)
            .args(["-c", &format!("import {module}")])
            .output()
            .map_err(|e| format!("cannot run {python}: {e}"))?;
        if !probe.status.success() {
            return Err(format!(
                "{python} cannot import {module} (pip install {package}): {}",
                String::from_utf8_lossy(&probe.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            ));
        }
        let dir = std::env::temp_dir().join(format!(
            "wattson-bench-regress-{name}-{}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(Peer {
            name,
            python,
            script,
            dir,
            package,
            params,
        })
    }

    fn version(&self) -> Result<String, String> {
        let out = Command::new(&self.python)
            .args([
                "-c",
                &format!(
                    "from importlib.metadata import version; print(version('{}'))",
                    self.package
                ),
            ])
            .output()
            .map_err(|e| e.to_string())?;
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    fn run(&self, what: &str, series: &[&[f64]], repeat: usize) -> Result<PeerResult, String> {
        let request = self.dir.join(format!("{what}-request.json"));
        let result = self.dir.join(format!("{what}-result.json"));
        let mut body = serde_json::json!({ "series": series, "repeat": repeat });
        if let (Some(body), Some(params)) = (body.as_object_mut(), self.params.as_object()) {
            body.extend(params.clone());
        }
        std::fs::write(&request, body.to_string()).map_err(|e| e.to_string())?;
        let status = Command::new(&self.python)
            .arg(&self.script)
            .arg(&request)
            .arg(&result)
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!("{} failed: {status}", self.script.display()));
        }
        let text = std::fs::read_to_string(&result).map_err(|e| e.to_string())?;
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let indexes = serde_json::from_value(v["indexes"].clone()).map_err(|e| e.to_string())?;
        let seconds = serde_json::from_value(v["seconds"].clone()).map_err(|e| e.to_string())?;
        Ok(PeerResult { indexes, seconds })
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The peers that can run here; a message for each that cannot.
fn peers() -> Vec<Peer> {
    let found = [
        Peer::find(
            "PELT",
            "benches/pelt/run.py",
            "ruptures",
            "ruptures",
            "WATTSON_BENCH_NO_PELT",
            serde_json::json!({ "min_size": PELT_MIN_SIZE }),
        ),
        Peer::find(
            "Otava",
            "benches/otava/run.py",
            "otava.analysis",
            "apache-otava",
            "WATTSON_BENCH_NO_OTAVA",
            serde_json::json!({
                "window_len": 50,
                "max_pvalue": OTAVA_MAX_P_VALUE,
                "min_magnitude": 0.0,
            }),
        ),
    ];
    let mut out = Vec::new();
    for (name, peer) in ["PELT (ruptures)", "Otava"].into_iter().zip(found) {
        match peer {
            Ok(p) => out.push(p),
            Err(why) => eprintln!("{name} not available ({why}): its rows are left out."),
        }
    }
    out
}

/// Detections of each case: wattson's (with its plausible intervals), and
/// each peer's that ran.
struct Detections {
    ours: Vec<Vec<ChangePoint>>,
    indexes: Vec<(&'static str, Vec<Vec<usize>>)>,
}

fn detect_all(cases: &[&Case], cfg: &DetectConfig, peers: &[Peer], what: &str) -> Detections {
    let ours: Vec<Vec<ChangePoint>> = cases
        .par_iter()
        .map(|c| change_points(&c.values, cfg))
        .collect();
    let mut indexes = vec![(
        "wattson",
        ours.iter()
            .map(|cps| cps.iter().map(|c| c.index).collect())
            .collect(),
    )];
    for peer in peers {
        eprintln!("running {} on {} {what} series...", peer.name, cases.len());
        let series: Vec<&[f64]> = cases.iter().map(|c| c.values.as_slice()).collect();
        match peer.run(what, &series, 1) {
            Ok(r) => indexes.push((peer.name, r.indexes)),
            Err(e) => eprintln!("{} failed: {e}", peer.name),
        }
    }
    Detections { ours, indexes }
}

/// Where a detector told that there is exactly one step, somewhere in
/// [100, 900] uniformly, with both levels and the noise distribution, would
/// put it: the maximum of the likelihood over its location (`Mle`), or
/// the location whose ±`TOLERANCE` neighbourhood holds the most posterior
/// probability (`Window`), which is the Bayes rule for "within ±5 points":
/// nothing can locate a step within ±5 more often on average, so the
/// `Window` oracle's recall bounds every detector's.
#[derive(Clone, Copy, PartialEq)]
enum Oracle {
    Mle,
    Window,
}

fn oracle_step(values: &[f64], model: &Model, rule: Oracle) -> usize {
    let n = values.len();
    let (first, last) = (100, (n - 100).min(n - PELT_MIN_SIZE));
    // log-likelihood(k) = -(Σ_{i<k} loss(x, before) + Σ_{i≥k} loss(x, after))
    //                   = const - Σ_{i<k} (loss(x, before) - loss(x, after)).
    let mut ll = Vec::with_capacity(last - first + 1);
    let mut s = 0.0;
    for (i, &x) in values.iter().enumerate().take(last) {
        s += model.loss(x, model.before) - model.loss(x, model.after);
        if i + 1 >= first {
            ll.push(-s);
        }
    }
    let top = ll.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let best = match rule {
        Oracle::Mle => (0..ll.len()).max_by(|&i, &j| ll[i].total_cmp(&ll[j]).then(j.cmp(&i))),
        Oracle::Window => {
            let post: Vec<f64> = ll.iter().map(|l| (l - top).exp()).collect();
            let mass = |k: usize| -> f64 {
                post[k.saturating_sub(TOLERANCE)..(k + TOLERANCE + 1).min(post.len())]
                    .iter()
                    .sum()
            };
            (0..ll.len()).max_by(|&i, &j| mass(i).total_cmp(&mass(j)).then(j.cmp(&i)))
        }
    };
    first + best.unwrap_or(0)
}

/// The score of the cases (and their detections) whose key is `key`.
fn score_of<K: PartialEq>(
    keys: &[K],
    cases: &[&Case],
    detected: &[Vec<usize>],
    key: &K,
    tolerance: usize,
) -> Score {
    let mut s = Score::default();
    for ((k, case), d) in keys.iter().zip(cases).zip(detected) {
        if k == key {
            s.add(case, d, tolerance);
        }
    }
    s
}

fn main() {
    let cfg = config();
    let per_cell = env_usize("WATTSON_BENCH_SERIES", 200);
    let noise_series = env_usize("WATTSON_BENCH_NOISE_SERIES", 300);
    let runs = env_usize("WATTSON_BENCH_RUNS", 7).max(1);
    let peers = peers();
    let versions: Vec<String> = peers
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                p.package,
                p.version()
                    .unwrap_or_else(|e| format!("(version unknown: {e})"))
            )
        })
        .collect();

    println!("## Change-point detection: wattson, PELT and Apache Otava\n");
    println!(
        "wattson: `max_p_value` {}, `min_change_percent` {}, `min_points` {}. PELT: ruptures' \
         L2 cost (`KernelCPD(kernel=\"linear\")`), penalty 2σ² ln n with σ from the median \
         absolute successive difference, minimum segment {PELT_MIN_SIZE}. Otava: \
         `otava.analysis.compute_change_points`, window 50, max p-value {}, min magnitude 0 (the \
         `otava analyze` defaults). Peers run: {}. A detection within ±{TOLERANCE} points of a \
         true change is a true positive (each change takes at most one); every other detection \
         is a false positive.\n",
        cfg.max_p_value,
        cfg.min_change_percent,
        cfg.min_points,
        OTAVA_MAX_P_VALUE,
        if versions.is_empty() {
            "none".to_string()
        } else {
            versions.join(", ")
        },
    );

    // Accuracy: one step per series.
    let cases = accuracy_cases(per_cell, noise_series);
    let refs: Vec<&Case> = cases.iter().collect();
    let det = detect_all(&refs, &cfg, &peers, "accuracy");
    let noises: Vec<Noise> = cases.iter().map(|c| c.noise).collect();
    let oracle = |rule: Oracle| -> Vec<Vec<usize>> {
        cases
            .par_iter()
            .map(|c| match &c.model {
                Some(model) if !c.truth.is_empty() => vec![oracle_step(&c.values, model, rule)],
                _ => Vec::new(),
            })
            .collect()
    };
    let (oracle_mle, oracle_window) = (oracle(Oracle::Mle), oracle(Oracle::Window));
    println!(
        "### One step per series\n\n{per_cell} series of {LEN} points per noise and step size \
         (one step of ±0.5/1/2/5 % at a uniform location in [100, 900]); false alarms on \
         {noise_series} pure-noise series of {LEN} points per noise. The oracles are told that \
         there is exactly one step in [100, 900], both levels and the noise distribution; one \
         puts the step where the likelihood is highest, the other where the most posterior \
         probability lies within ±{TOLERANCE} points, which no detector can beat on average: \
         its recall bounds every detector's.\n"
    );
    println!(
        "| noise | tool | precision | recall | F1 (±{TOLERANCE}) | F1 (±{LOOSE_TOLERANCE}) | \
         false alarms / 1,000 pts | median location error | recall 0.5 % | recall 1 % | \
         recall 2 % | recall 5 % |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let oracle_row = [
        ("oracle, likelihood maximum", &oracle_mle),
        ("oracle, most likely ±5 (bound)", &oracle_window),
    ];
    for &noise in &Noise::ALL {
        let rows = det
            .indexes
            .iter()
            .map(|(tool, d)| (*tool, d))
            .chain(oracle_row.iter().map(|(t, d)| (*t, *d)));
        for (tool, detected) in rows {
            let mut s = score_of(&noises, &refs, detected, &noise, TOLERANCE);
            let loose = score_of(&noises, &refs, detected, &noise, LOOSE_TOLERANCE);
            let by_step: Vec<String> = (0..STEPS.len())
                .map(|i| format!("{:.2}", ratio(s.found_by_step[i], s.series_by_step[i])))
                .collect();
            let err = s.median_error().map_or("–".into(), |e| e.to_string());
            let alarms = if tool.starts_with("oracle") {
                "–".to_string()
            } else {
                format!("{:.3}", s.false_alarms_per_1k())
            };
            println!(
                "| {} | {tool} | {:.3} | {:.3} | **{:.3}** | {:.3} | {alarms} | {err} | {} |",
                noise.name(),
                s.precision(),
                s.recall(),
                s.f1(),
                loose.f1(),
                by_step.join(" | "),
            );
        }
    }

    // wattson's plausible intervals: do they hold the truth?
    println!(
        "\n### wattson's interval of plausible commits\n\nFor every step found within \
         ±{LOOSE_TOLERANCE} points: how often the interval `from..=to` holds the true step, and \
         its median width (points), per step size.\n"
    );
    println!(
        "| noise | holds the step | width 0.5 % | width 1 % | width 2 % | width 5 % | \
         holds, 0.5 % | holds, 1 % |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for &noise in &Noise::ALL {
        let (mut held, mut found) = (0usize, 0usize);
        let mut widths: Vec<Vec<f64>> = vec![Vec::new(); STEPS.len()];
        let mut held_by: Vec<(usize, usize)> = vec![(0, 0); STEPS.len()];
        for (case, cps) in refs.iter().zip(&det.ours) {
            let (Some(si), Some(&truth)) = (case.step, case.truth.first()) else {
                continue;
            };
            if case.noise != noise {
                continue;
            }
            let Some(cp) = cps
                .iter()
                .filter(|c| c.index.abs_diff(truth) <= LOOSE_TOLERANCE)
                .min_by_key(|c| c.index.abs_diff(truth))
            else {
                continue;
            };
            let holds = (cp.from..=cp.to).contains(&truth);
            found += 1;
            held += holds as usize;
            held_by[si].0 += holds as usize;
            held_by[si].1 += 1;
            widths[si].push((cp.to - cp.from + 1) as f64);
        }
        let w: Vec<String> = widths
            .iter_mut()
            .map(|w| format!("{:.0}", median(w)))
            .collect();
        println!(
            "| {} | {:.3} | {} | {:.3} | {:.3} |",
            noise.name(),
            ratio(held, found),
            w.join(" | "),
            ratio(held_by[0].0, held_by[0].1),
            ratio(held_by[1].0, held_by[1].1),
        );
    }

    // Several changes: a regression fixed w points later.
    let bumps = bump_cases(per_cell);
    let refs: Vec<&Case> = bumps.iter().map(|(_, c)| c).collect();
    let widths: Vec<usize> = bumps.iter().map(|(w, _)| *w).collect();
    let det = detect_all(&refs, &cfg, &peers, "bump");
    println!(
        "\n### Two changes per series: a 2 % regression fixed w points later\n\n\
         {per_cell} series of {LEN} points per w, Gaussian noise (CV 1 %); recall counts both \
         edges, within ±{TOLERANCE} points.\n"
    );
    let header: Vec<String> = BUMPS
        .iter()
        .map(|w| format!("w = {w}: recall / precision"))
        .collect();
    println!("| tool | {} |", header.join(" | "));
    println!("|---|{}", "---:|".repeat(BUMPS.len()));
    for (tool, detected) in &det.indexes {
        let cells: Vec<String> = BUMPS
            .iter()
            .map(|w| {
                let s = score_of(&widths, &refs, detected, w, TOLERANCE);
                format!("{:.2} / {:.2}", s.recall(), s.precision())
            })
            .collect();
        println!("| {tool} | {} |", cells.join(" | "));
    }

    // Delay: how many commits after a 1 % step it is found.
    let delays = delay_cases(per_cell);
    let refs: Vec<&Case> = delays.iter().map(|(_, c)| c).collect();
    let hs: Vec<usize> = delays.iter().map(|(h, _)| *h).collect();
    let det = detect_all(&refs, &cfg, &peers, "delay");
    println!(
        "\n### Delay: a 1 % step (Gaussian noise, CV 1 %) after {HISTORY} points, with only h \
         points after it\n\n{per_cell} series per h; found: a detection within ±{TOLERANCE} of \
         the step; other detections are counted per 1,000 points.\n"
    );
    let header: Vec<String> = DELAYS.iter().map(|h| format!("h = {h}")).collect();
    println!(
        "| tool | {} | other detections / 1,000 pts |",
        header.join(" | ")
    );
    println!("|---|{}---:|", "---:|".repeat(DELAYS.len()));
    for (tool, detected) in &det.indexes {
        let mut other = 0;
        let cells: Vec<String> = DELAYS
            .iter()
            .map(|h| {
                let s = score_of(&hs, &refs, detected, h, TOLERANCE);
                other += s.fp;
                format!("{:.2}", s.recall())
            })
            .collect();
        let points: usize = refs.iter().map(|c| c.values.len()).sum();
        println!(
            "| {tool} | {} | {:.2} |",
            cells.join(" | "),
            1000.0 * ratio(other, points)
        );
    }

    // Runtime on 10,000-point series: three steps each, Gaussian noise.
    let long: Vec<Vec<f64>> = (0..5)
        .map(|r| {
            let mut rng = Rng::new(9_000_000 + r);
            let mut v = series(&mut rng, Noise::Gaussian, 10_000, 0.02, 2_500, 10_000);
            for x in &mut v[5_000..] {
                *x *= 0.99;
            }
            for x in &mut v[7_500..] {
                *x *= 1.05;
            }
            v
        })
        .collect();
    let mut ours_s: Vec<f64> = Vec::new();
    for v in &long {
        for _ in 0..runs {
            let t = Instant::now();
            let cps = change_points(v, &cfg);
            ours_s.push(t.elapsed().as_secs_f64());
            std::hint::black_box(cps);
        }
    }
    let ours_10k = median(&mut ours_s);
    let theirs_10k: Vec<(&str, f64)> = peers
        .iter()
        .filter_map(|p| {
            eprintln!(
                "timing {} on {} series of 10,000 points...",
                p.name,
                long.len()
            );
            let series: Vec<&[f64]> = long.iter().map(|v| v.as_slice()).collect();
            let r = p
                .run("runtime", &series, runs)
                .map_err(|e| eprintln!("{} failed: {e}", p.name))
                .ok()?;
            let mut all: Vec<f64> = r.seconds.into_iter().flatten().collect();
            Some((p.name, median(&mut all)))
        })
        .collect();

    // Throughput: 1,000 series × 1,000 points, rayon across series.
    let batch: Vec<Vec<f64>> = (0..1000)
        .map(|r| {
            let mut rng = Rng::new(10_000_000 + r);
            let at = 100 + (rng.next() % 801) as usize;
            let step = STEPS[(r % 4) as usize];
            series(&mut rng, Noise::Gaussian, LEN, step, at, LEN)
        })
        .collect();
    let mut batch_s: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let found: usize = batch.par_iter().map(|v| change_points(v, &cfg).len()).sum();
            std::hint::black_box(found);
            t.elapsed().as_secs_f64()
        })
        .collect();
    let batch_1m = median(&mut batch_s);

    println!(
        "\n### Runtime (median of {runs} runs; {} rayon threads)\n",
        rayon::current_num_threads()
    );
    println!("| workload | wattson | peer | peer's time | wattson is faster by |");
    println!("|---|---:|---|---:|---:|");
    if theirs_10k.is_empty() {
        println!(
            "| one 10,000-point series (3 steps), one call | {:.2} ms | – | – | – |",
            ours_10k * 1e3
        );
    }
    for (name, t) in &theirs_10k {
        println!(
            "| one 10,000-point series (3 steps), one call | {:.2} ms | {name} | {:.1} ms | {:.0}x |",
            ours_10k * 1e3,
            t * 1e3,
            t / ours_10k
        );
    }
    println!(
        "| 1,000 series × 1,000 points (1M points), rayon | {:.0} ms | – | – | – |",
        batch_1m * 1e3
    );
}
