//! Bisection by measurement: narrow `good..bad` to the one commit where a
//! regression starts.

use std::path::Path;

use anyhow::Result;
use git2::{Oid, Repository};
use serde::Serialize;

use crate::evidence::ab::{Evidence, Session};
use crate::evidence::EvidenceConfig;
use crate::regress::attribute::commits_in_range;

/// How many times a bisection step that is too noisy to tell is measured
/// again (each time with `runs` more runs a side) before it is decided as
/// it stands: three measurements in all at most, so a noisy benchmark costs
/// at most three times the runs, never an unbounded loop.
pub const MAX_RERUNS: usize = 2;

/// One step of a bisection: the commit measured, what the evidence said,
/// and how many runs a side it took to say it.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct BisectStep {
    pub commit: String,
    /// `regressed`, `improved`, `unchanged`, `inconclusive` or `failed`.
    pub verdict: String,
    /// Runs a side behind the verdict (more than configured when the step
    /// was measured again).
    pub runs: usize,
    /// The benchmarks' changes, one clause each.
    pub summary: String,
}

/// The first regressed commit, and the steps that found it.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Bisection {
    pub culprit: String,
    pub steps: Vec<BisectStep>,
}

/// Narrow `good..bad` to one commit by measuring: each step compares the
/// good commit with the middle of the range (the evidence runner, so builds,
/// tests and interleaved runs as everywhere) and keeps the half where the
/// regression is. A step too noisy to tell is measured again, with more
/// runs, up to [`MAX_RERUNS`] times. Returns the first commit whose
/// evidence says "regressed", with every step.
pub fn bisect(root: &Path, good: &str, bad: &str, config: &EvidenceConfig) -> Result<Bisection> {
    let repo = Repository::open(root)?;
    let commits = commits_in_range(&repo, good, bad)?;
    let session = Session::start(root, good, config)?;
    let (culprit, steps) = search(
        &commits,
        |commit| session.measure(&commit.to_string()),
        |previous| session.remeasure(previous),
    )?;
    Ok(Bisection {
        culprit: culprit.to_string(),
        steps,
    })
}

/// The search itself over `commits` (oldest first, the culprit among them):
/// `measure` gives a probed commit's evidence, `remeasure` adds runs to
/// evidence that was too noisy to tell.
fn search(
    commits: &[Oid],
    mut measure: impl FnMut(Oid) -> Result<Evidence>,
    mut remeasure: impl FnMut(&Evidence) -> Result<Evidence>,
) -> Result<(Oid, Vec<BisectStep>)> {
    let mut steps = Vec::new();
    // Invariant: the culprit is in commits[lo..=hi].
    let (mut lo, mut hi) = (0usize, commits.len().saturating_sub(1));
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let short = &commits[mid].to_string()[..10];
        let mut evidence = measure(commits[mid])?;
        for _ in 0..MAX_RERUNS {
            if evidence.verdict != "inconclusive" {
                break;
            }
            tracing::info!(
                "bisect: {short} is too noisy to tell ({}); measuring it again",
                evidence.summary()
            );
            evidence = remeasure(&evidence)?;
        }
        tracing::info!(
            "bisect: {short} is {} after {} run(s) a side ({})",
            evidence.verdict,
            evidence.runs,
            evidence.summary()
        );
        steps.push(BisectStep {
            commit: commits[mid].to_string(),
            verdict: evidence.verdict.clone(),
            runs: evidence.runs,
            summary: evidence.summary(),
        });
        if evidence.verdict == "regressed" {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    let culprit = *commits
        .get(lo)
        .ok_or_else(|| anyhow::anyhow!("no commits to bisect"))?;
    Ok((culprit, steps))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::ab::{Machine, Step};
    use crate::evidence::formats::BenchFormat;
    use crate::evidence::stats::Thresholds;

    fn evidence(commit: Oid, verdict: &str, runs: usize) -> Evidence {
        let skipped = Step {
            status: crate::evidence::ab::StepStatus::Skipped,
            command: None,
            seconds: 0.0,
            failing_tests: Vec::new(),
            log_tail: String::new(),
        };
        Evidence {
            verdict: verdict.into(),
            base_commit: "0".repeat(40),
            head_commit: commit.to_string(),
            build: skipped.clone(),
            tests: skipped,
            benchmarks: Vec::new(),
            bench_format: BenchFormat::Callgrind,
            runs,
            warmup: 0,
            thresholds: Thresholds {
                alpha: 0.05,
                min_change_percent: 1.0,
                max_ci_width_percent: 10.0,
                confidence: 0.95,
            },
            machine: Machine::this(),
            command_line: String::new(),
        }
    }

    #[test]
    fn an_inconclusive_step_is_measured_again_a_bounded_number_of_times() {
        let commits: Vec<Oid> = (1..=8u8)
            .map(|i| Oid::from_bytes(&[i; 20]).unwrap())
            .collect();
        // The regression starts at commits[5]. commits[3] is noisy: too
        // noisy to tell at 5 runs, clearly fine at 10. commits[5] never
        // settles: it is decided after 3 measurements as it stands.
        let culprit = commits[5];
        let mut remeasured = Vec::new();
        let (found, steps) = search(
            &commits,
            |c| {
                let i = commits.iter().position(|&x| x == c).unwrap();
                Ok(match i {
                    3 | 5 => evidence(c, "inconclusive", 5),
                    _ if i >= 5 => evidence(c, "regressed", 5),
                    _ => evidence(c, "unchanged", 5),
                })
            },
            |previous| {
                let c = Oid::from_str(&previous.head_commit).unwrap();
                remeasured.push(c);
                let verdict = if c == commits[3] {
                    "unchanged"
                } else {
                    "inconclusive"
                };
                Ok(evidence(c, verdict, previous.runs + 5))
            },
        )
        .unwrap();
        let probed: Vec<(String, String, usize)> = steps
            .iter()
            .map(|s| (s.commit.clone(), s.verdict.clone(), s.runs))
            .collect();
        assert_eq!(
            probed,
            [
                (commits[3].to_string(), "unchanged".to_string(), 10),
                (commits[5].to_string(), "inconclusive".to_string(), 15),
                (commits[6].to_string(), "regressed".to_string(), 5),
            ]
        );
        // commits[3] once, commits[5] MAX_RERUNS times.
        assert_eq!(remeasured, [commits[3], commits[5], commits[5]]);
        // Still inconclusive at commits[5] counts as not regressed: the
        // search goes on above it, and finds commits[6]...
        assert_eq!(found, commits[6]);
        assert_ne!(
            found, culprit,
            "an undecidable step cannot be bisected through"
        );
    }
}
