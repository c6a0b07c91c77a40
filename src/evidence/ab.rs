//! The A/B runner: the base tree is checked out and built once; each patched
//! tree is checked out, built and tested, then the benchmark runs on both,
//! interleaved (A B A B …) after warm-ups, so drift on a noisy machine hits
//! both sides alike.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde::Serialize;

use super::config::EvidenceConfig;
use super::formats::{self, BenchFormat, Measurement};
use super::run::{self, Outcome};
use super::stats::{self, Verdict};
use super::worktree::Worktree;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StepStatus {
    Passed,
    Failed,
    TimedOut,
    /// Not configured.
    Skipped,
}

/// One build or test step.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Step {
    pub status: StepStatus,
    pub command: Option<String>,
    pub seconds: f64,
    /// Tests that failed, when the output names them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failing_tests: Vec<String>,
    /// The end of the output when the step did not pass.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub log_tail: String,
}

impl Step {
    fn skipped() -> Step {
        Step {
            status: StepStatus::Skipped,
            command: None,
            seconds: 0.0,
            failing_tests: Vec::new(),
            log_tail: String::new(),
        }
    }

    pub fn ok(&self) -> bool {
        matches!(self.status, StepStatus::Passed | StepStatus::Skipped)
    }

    /// Why the step did not pass, in one line.
    pub fn reason(&self, what: &str) -> String {
        let cmd = self.command.as_deref().unwrap_or("");
        match self.status {
            StepStatus::TimedOut => format!("{what} timed out (`{cmd}`)"),
            _ if !self.failing_tests.is_empty() => {
                format!("{what} failed: {}", self.failing_tests.join(", "))
            }
            _ => format!(
                "{what} failed (`{cmd}`): {}",
                self.log_tail.lines().last().unwrap_or("no output")
            ),
        }
    }
}

/// One benchmark compared across the two trees.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct BenchmarkResult {
    pub name: String,
    pub unit: String,
    /// Medians.
    pub base: f64,
    pub head: f64,
    pub change_percent: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub p_value: f64,
    pub verdict: Verdict,
    /// How the verdict was reached: `rank` (Mann–Whitney), `exact`
    /// (constant runs) or `spread` (nearly exact runs, Welch's t).
    pub method: stats::Method,
    pub base_samples: Vec<f64>,
    pub head_samples: Vec<f64>,
}

/// The machine the evidence was taken on.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Machine {
    pub os: String,
    pub arch: String,
    pub cpus: usize,
    pub kernel: String,
}

impl Machine {
    pub fn this() -> Machine {
        Machine {
            os: std::env::consts::OS.to_string(),
            arch: std::env::consts::ARCH.to_string(),
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .map(|s| s.trim().to_string())
                .unwrap_or_default(),
        }
    }
}

/// Everything measured for one change.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Evidence {
    /// `improved`, `regressed`, `unchanged`, `inconclusive`, or `failed`
    /// when the patched tree does not build or pass its tests.
    pub verdict: String,
    pub base_commit: String,
    pub head_commit: String,
    pub build: Step,
    pub tests: Step,
    pub benchmarks: Vec<BenchmarkResult>,
    pub bench_format: BenchFormat,
    pub runs: usize,
    pub warmup: usize,
    /// The thresholds the verdicts were given with.
    pub thresholds: stats::Thresholds,
    pub machine: Machine,
    pub command_line: String,
}

impl Evidence {
    /// Why this change is not worth proposing, if it is not.
    pub fn rejection(&self) -> Option<String> {
        if !self.build.ok() {
            return Some(self.build.reason("build"));
        }
        if !self.tests.ok() {
            return Some(self.tests.reason("tests"));
        }
        match self.verdict.as_str() {
            "improved" => None,
            "regressed" => Some(format!("the benchmark regressed ({})", self.summary())),
            "unchanged" => {
                let t = &self.thresholds;
                // Significant but small, or not significant at all: say which.
                let small = self.benchmarks.iter().any(|b| {
                    b.p_value < t.alpha
                        && b.change_percent < 0.0
                        && -b.change_percent < t.min_change_percent
                });
                Some(if small {
                    format!(
                        "an improvement too small to propose, under the {}% minimum ({})",
                        t.min_change_percent,
                        self.summary()
                    )
                } else {
                    format!("no significant improvement ({})", self.summary())
                })
            }
            _ => Some(format!("too noisy to tell ({})", self.summary())),
        }
    }

    /// `cpp: −9.3% [−9.3%, −9.3%], p=0 (exact)`, one clause per benchmark;
    /// a verdict not reached by ranks says how it was reached.
    pub fn summary(&self) -> String {
        self.benchmarks
            .iter()
            .map(|b| {
                let how = match b.method {
                    stats::Method::Rank => String::new(),
                    stats::Method::Exact => " (exactly repeatable runs)".to_string(),
                    stats::Method::Spread => format!(
                        " (nearly exact runs: {}x their spread, Welch's t)",
                        spread_ratio(&b.base_samples, &b.head_samples)
                    ),
                };
                format!(
                    "{}: {:+.2}% [{:+.2}%, {:+.2}%], p={}{how}",
                    b.name,
                    b.change_percent,
                    b.ci_low,
                    b.ci_high,
                    show_p(b.p_value)
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// How many times the larger side's range the gap between the sides is,
/// rounded to two significant digits for a sentence (`100000`, `37`).
pub fn spread_ratio(base: &[f64], head: &[f64]) -> String {
    let range = |xs: &[f64]| {
        let (lo, hi) = xs
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                (lo.min(x), hi.max(x))
            });
        (lo, hi)
    };
    let ((bl, bh), (hl, hh)) = (range(base), range(head));
    let gap = (hl - bh).max(bl - hh);
    let ratio = gap / (bh - bl).max(hh - hl);
    if !ratio.is_finite() || ratio <= 0.0 {
        return "many times".to_string();
    }
    let digits = ratio.log10().floor() as i32 - 1;
    let scale = 10f64.powi(digits.max(0));
    format!("{:.0}", (ratio / scale).round() * scale)
}

/// A p-value for a sentence: `0`, `3.2e-7`, `0.042`.
pub fn show_p(p: f64) -> String {
    if p == 0.0 {
        "0".into()
    } else if p < 0.001 {
        format!("{p:.1e}")
    } else {
        format!("{p:.3}")
    }
}

/// The overall verdict of several benchmarks: any regression wins, then any
/// improvement, then "unchanged" only if every benchmark is.
pub fn overall(verdicts: &[Verdict]) -> &'static str {
    if verdicts.is_empty() {
        return "inconclusive";
    }
    if verdicts.contains(&Verdict::Regressed) {
        "regressed"
    } else if verdicts.contains(&Verdict::Improved) {
        "improved"
    } else if verdicts.iter().all(|v| *v == Verdict::Unchanged) {
        "unchanged"
    } else {
        "inconclusive"
    }
}

/// Each benchmark's unit and its base and head runs, by name.
type Samples = BTreeMap<String, (String, Vec<f64>, Vec<f64>)>;

/// A base tree, built, ready to be compared with patched trees.
pub struct Session {
    repo: PathBuf,
    cfg: EvidenceConfig,
    base: Worktree,
    command_line: String,
}

impl Session {
    /// Check out and build `base_rev`.
    pub fn start(repo: &Path, base_rev: &str, cfg: &EvidenceConfig) -> Result<Session> {
        super::interrupt::install();
        if cfg.bench.is_empty() {
            bail!(
                "no benchmark configured: set `bench` in the [evidence] table of .wattson.toml \
                 (a command, or a table of named commands)"
            );
        }
        let base = Worktree::add(repo, base_rev, "base")?;
        let session = Session {
            repo: repo.to_path_buf(),
            cfg: cfg.clone(),
            base,
            command_line: std::env::args().collect::<Vec<_>>().join(" "),
        };
        let build = session.step("base", "build", cfg.build.as_deref(), &session.base.path)?;
        if !build.ok() {
            bail!(
                "the base tree ({base_rev}) does not build, so nothing can be compared with it: {}",
                build.reason("build")
            );
        }
        Ok(session)
    }

    pub fn base_commit(&self) -> git2::Oid {
        self.base.commit
    }

    /// The checked-out base tree.
    pub fn base_path(&self) -> &Path {
        &self.base.path
    }

    /// Each build, test and run, for whoever follows the work closely
    /// (a person at a terminal; the server's log at `debug`).
    fn say(&self, msg: impl AsRef<str>) {
        tracing::debug!("{}", msg.as_ref());
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(self.cfg.timeout)
    }

    fn step(&self, side: &str, what: &str, command: Option<&str>, dir: &Path) -> Result<Step> {
        let Some(command) = command else {
            return Ok(Step::skipped());
        };
        self.say(format!("[{side}] {what}: {command}"));
        let out = run::shell(command, dir, &[], self.timeout())?;
        let status = if out.timed_out {
            StepStatus::TimedOut
        } else if out.success() {
            StepStatus::Passed
        } else {
            StepStatus::Failed
        };
        let passed = status == StepStatus::Passed;
        Ok(Step {
            status,
            command: Some(command.to_string()),
            seconds: out.seconds,
            failing_tests: if passed {
                Vec::new()
            } else {
                failing_tests(&out)
            },
            log_tail: if passed { String::new() } else { out.tail(20) },
        })
    }

    /// Check out `head_rev`, build and test it, and compare its benchmarks
    /// with the base's.
    pub fn measure(&self, head_rev: &str) -> Result<Evidence> {
        let head = Worktree::add(&self.repo, head_rev, "head")?;
        let mut evidence = Evidence {
            verdict: "failed".into(),
            base_commit: self.base.commit.to_string(),
            head_commit: head.commit.to_string(),
            build: Step::skipped(),
            tests: Step::skipped(),
            benchmarks: Vec::new(),
            bench_format: self.cfg.bench_format,
            runs: self.cfg.runs,
            warmup: self.cfg.warmup,
            thresholds: self.cfg.thresholds,
            machine: Machine::this(),
            command_line: self.command_line.clone(),
        };
        evidence.build = self.step("head", "build", self.cfg.build.as_deref(), &head.path)?;
        if !evidence.build.ok() {
            return Ok(evidence);
        }
        evidence.tests = self.step("head", "test", self.cfg.test.as_deref(), &head.path)?;
        if !evidence.tests.ok() {
            return Ok(evidence);
        }
        let mut samples = Samples::new();
        self.rounds(&head.path, self.cfg.warmup, self.cfg.runs, &mut samples)?;
        self.judge(&mut evidence, samples);
        Ok(evidence)
    }

    /// Measure the head of `previous` again: check it out and build it
    /// anew (its tests passed already), run `runs` more interleaved runs a
    /// side without warm-up, and judge every run so far together. For a
    /// bisection step that was too noisy to tell, as Pinpoint does.
    pub fn remeasure(&self, previous: &Evidence) -> Result<Evidence> {
        let head = Worktree::add(&self.repo, &previous.head_commit, "head")?;
        let mut evidence = previous.clone();
        let build = self.step("head", "build", self.cfg.build.as_deref(), &head.path)?;
        if !build.ok() {
            bail!(
                "{} built before but not now: {}",
                previous.head_commit,
                build.reason("build")
            );
        }
        let mut samples: Samples = previous
            .benchmarks
            .iter()
            .map(|b| {
                let sides = (b.base_samples.clone(), b.head_samples.clone());
                (b.name.clone(), (b.unit.clone(), sides.0, sides.1))
            })
            .collect();
        self.rounds(&head.path, 0, self.cfg.runs, &mut samples)?;
        evidence.runs += self.cfg.runs;
        evidence.benchmarks.clear();
        self.judge(&mut evidence, samples);
        Ok(evidence)
    }

    /// `warmup` thrown-away rounds, then `runs` measured ones, each running
    /// the benchmark on the base tree and then on `head`.
    fn rounds(&self, head: &Path, warmup: usize, runs: usize, samples: &mut Samples) -> Result<()> {
        for round in 0..warmup + runs {
            let warm = round < warmup;
            for (side, tree) in [("base", &self.base.path), ("head", &head.to_path_buf())] {
                let label = if warm {
                    format!("warm-up {}/{warmup}", round + 1)
                } else {
                    format!("run {}/{runs}", round - warmup + 1)
                };
                let measured = self
                    .bench_once(tree)
                    .with_context(|| format!("benchmark on the {side} tree ({label})"))?;
                self.say(format!(
                    "[{side}] {label}: {}",
                    measured
                        .iter()
                        .map(|m| format!("{} {}", m.name, show_value(m.value, &m.unit)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                if warm {
                    continue;
                }
                for m in measured {
                    let entry = samples
                        .entry(m.name.clone())
                        .or_insert_with(|| (m.unit.clone(), Vec::new(), Vec::new()));
                    if side == "base" {
                        entry.1.push(m.value);
                    } else {
                        entry.2.push(m.value);
                    }
                }
            }
        }
        Ok(())
    }

    /// Each benchmark's comparison, and the overall verdict.
    fn judge(&self, evidence: &mut Evidence, samples: Samples) {
        for (name, (unit, base, head_samples)) in samples {
            if base.is_empty() || head_samples.is_empty() {
                continue; // a benchmark only one side has is not a comparison
            }
            let c = stats::compare(&base, &head_samples, &self.cfg.thresholds);
            evidence.benchmarks.push(BenchmarkResult {
                name,
                unit,
                base: c.base_median,
                head: c.head_median,
                change_percent: c.change_percent,
                ci_low: c.ci_low,
                ci_high: c.ci_high,
                p_value: c.p_value,
                verdict: c.verdict,
                method: c.method,
                base_samples: base,
                head_samples,
            });
        }
        let verdicts: Vec<Verdict> = evidence.benchmarks.iter().map(|b| b.verdict).collect();
        evidence.verdict = overall(&verdicts).to_string();
    }

    /// Run every configured benchmark command once in `tree`.
    fn bench_once(&self, tree: &Path) -> Result<Vec<Measurement>> {
        let mut out = Vec::new();
        let several = self.cfg.bench.len() > 1;
        for (name, command) in &self.cfg.bench {
            let scratch = tempfile::tempdir().context("a scratch directory for a benchmark run")?;
            let output_file = scratch.path().join("bench-output");
            let output_str = output_file.display().to_string();
            let cg_dir = scratch.path().display().to_string();
            let script = match self.cfg.bench_format {
                // Every process the command starts is counted; the counts are
                // exactly repeatable for the same binary and input once
                // address-space randomisation is off (glibc's string routines
                // take more or fewer steps depending on alignment).
                // (Containers may forbid it: then run without.)
                BenchFormat::Callgrind => {
                    "if setarch \"$(uname -m)\" -R true >/dev/null 2>&1; then \
                     set -- setarch \"$(uname -m)\" -R; fi; \
                     exec \"$@\" valgrind --tool=callgrind --trace-children=yes \
                     --callgrind-out-file=\"$WATTSON_CALLGRIND_DIR/callgrind.out.%p\" \
                     sh -c \"$WATTSON_BENCH_COMMAND\""
                        .to_string()
                }
                _ => command.clone(),
            };
            let env = [
                ("WATTSON_BENCH_OUTPUT", output_str.as_str()),
                ("WATTSON_CALLGRIND_DIR", cg_dir.as_str()),
                ("WATTSON_BENCH_COMMAND", command.as_str()),
            ];
            let run = run::shell(&script, tree, &env, self.timeout())?;
            if !run.success() {
                bail!(
                    "`{command}` {}: {}",
                    if run.timed_out { "timed out" } else { "failed" },
                    run.tail(5)
                );
            }
            let measured = match self.cfg.bench_format {
                BenchFormat::Wall => vec![Measurement {
                    name: name.clone(),
                    unit: "s".into(),
                    value: run.seconds,
                }],
                BenchFormat::Cpu => vec![Measurement {
                    name: name.clone(),
                    unit: "s".into(),
                    value: run.cpu_seconds,
                }],
                BenchFormat::Callgrind => vec![Measurement {
                    name: name.clone(),
                    unit: "instructions".into(),
                    value: callgrind_total(scratch.path())? as f64,
                }],
                format => formats::parse(format, &run.stdout, Some(&output_file), tree)?
                    .into_iter()
                    .map(|m| Measurement {
                        name: if several {
                            format!("{name}/{}", m.name)
                        } else {
                            m.name
                        },
                        ..m
                    })
                    .collect(),
            };
            out.extend(measured);
        }
        Ok(out)
    }
}

/// The instructions of every process a callgrind run traced.
fn callgrind_total(dir: &Path) -> Result<u64> {
    let mut total = 0u64;
    let mut files = 0;
    for entry in std::fs::read_dir(dir).context("reading callgrind's output")? {
        let path = entry?.path();
        let is_profile = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("callgrind.out"));
        if !is_profile {
            continue;
        }
        let file = std::fs::File::open(&path)?;
        let profile = crate::profile::callgrind::read(std::io::BufReader::new(file))
            .map_err(|e| anyhow::anyhow!("{}: {e:?}", path.display()))?;
        total += profile.total;
        files += 1;
    }
    if files == 0 {
        bail!("callgrind wrote no profile (is valgrind installed?)");
    }
    Ok(total)
}

/// The names of failed tests in a test command's output: libtest
/// (`test x ... FAILED`), GoogleTest (`[  FAILED  ] Suite.Name`) and CTest
/// (`  1 - name (Failed)`).
pub fn failing_tests(out: &Outcome) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for line in out.stdout.lines().chain(out.stderr.lines()) {
        let line = line.trim();
        let name = if let Some(rest) = line.strip_prefix("test ") {
            rest.strip_suffix(" ... FAILED").map(str::to_string)
        } else if let Some(rest) = line.strip_prefix("[  FAILED  ] ") {
            // Skip the summary line "[  FAILED  ] 2 tests, listed below:".
            let name = rest.split_whitespace().next().unwrap_or("");
            (!name.is_empty() && !name.chars().all(|c| c.is_ascii_digit()))
                .then(|| name.to_string())
        } else if line.ends_with("(Failed)") {
            line.split_once(" - ")
                .map(|(_, n)| n.trim_end_matches("(Failed)").trim().to_string())
        } else {
            None
        };
        if let Some(n) = name {
            if !n.is_empty() && !names.contains(&n) {
                names.push(n);
            }
        }
    }
    names
}

/// A value with its unit, readable: `1.234 s`, `88,160,551 instructions`.
pub fn show_value(v: f64, unit: &str) -> String {
    if unit == "instructions" || v.abs() >= 1e6 {
        let n = v.round() as i128;
        let digits = n.abs().to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        let sign = if n < 0 { "-" } else { "" };
        format!("{sign}{grouped} {unit}")
    } else {
        format!("{v:.4} {unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(stdout: &str) -> Outcome {
        Outcome {
            code: Some(1),
            timed_out: false,
            stdout: stdout.into(),
            stderr: String::new(),
            seconds: 0.1,
            cpu_seconds: 0.1,
        }
    }

    #[test]
    fn failing_tests_are_named_from_libtest_gtest_and_ctest() {
        let out = outcome(
            "test parse::ok ... ok\ntest parse::bad_input ... FAILED\n\
             [  FAILED  ] Grid.Fill (0 ms)\n[  FAILED  ] 1 test, listed below:\n\
             \t  2 - text_test (Failed)\n",
        );
        assert_eq!(
            failing_tests(&out),
            ["parse::bad_input", "Grid.Fill", "text_test"]
        );
    }

    #[test]
    fn any_regression_decides_then_any_improvement() {
        use Verdict::*;
        assert_eq!(overall(&[Improved, Regressed]), "regressed");
        assert_eq!(overall(&[Improved, Unchanged]), "improved");
        assert_eq!(overall(&[Unchanged, Unchanged]), "unchanged");
        assert_eq!(overall(&[Unchanged, Inconclusive]), "inconclusive");
        assert_eq!(overall(&[]), "inconclusive");
    }

    #[test]
    fn values_read_well() {
        assert_eq!(
            show_value(88160551.0, "instructions"),
            "88,160,551 instructions"
        );
        assert_eq!(show_value(0.12345, "s"), "0.1235 s");
    }
}
