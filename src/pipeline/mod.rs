//! The one pipeline: discover (scan, ranked by a profile when given) →
//! propose (one skill's rewrite of one file) → verify (it builds, its tests
//! pass) → measure (base against patched) → publish. `wattson propose` runs
//! it; the GitHub App and Action will run the same.
//!
//! Every candidate climbs the same ladder, and one that falls off says which
//! rung: the rewrite (did not apply or re-parse), the build, the tests, or
//! the benchmark (no significant improvement).
//!
//! `offense` and `defense` are the two ways in; `bisect` is the measuring
//! half of attribution (`regress` ranks commits from what they changed, and
//! only this side of the line runs the code).

mod bisect;
mod defense;
mod offense;

pub use bisect::{bisect, BisectStep, Bisection, MAX_RERUNS};
pub use defense::{propose_defense, propose_revert, RevertContext};
pub use offense::{commit_change, propose, rewrite_at, ProposeOptions, Rewrite};

use git2::Oid;
use serde::Serialize;

use crate::evidence::ab::Evidence;
use crate::forge::{Forge, Published};
use crate::proposal::Proposal;

/// The rung of the safety ladder a candidate fell from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Rung {
    Rewrite,
    Build,
    Tests,
    Benchmark,
    Publish,
    /// Reviewers declined the same change before (or it was merged).
    Declined,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Outcome {
    Proposed(Published),
    Rejected { rung: Rung, reason: String },
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Candidate {
    pub proposal: Proposal,
    pub outcome: Outcome,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ProposeReport {
    pub repository: String,
    pub base_commit: String,
    pub candidates: Vec<Candidate>,
    /// Findings left out as cold (a profile was given).
    pub cold_left_out: usize,
    /// Candidates beyond `propose.max_proposals`, not measured.
    pub not_measured: usize,
}

/// The last rungs of the ladder: the evidence decides (build, tests,
/// benchmark), and a survivor goes to the forge.
pub(crate) fn judge_and_publish(
    mut proposal: Proposal,
    evidence: Evidence,
    commit: Oid,
    forge: &dyn Forge,
) -> Candidate {
    let rejection = evidence.rejection().map(|reason| {
        let rung = if !evidence.build.ok() {
            Rung::Build
        } else if !evidence.tests.ok() {
            Rung::Tests
        } else {
            Rung::Benchmark
        };
        (rung, reason)
    });
    proposal.evidence = Some(evidence);
    let outcome = match rejection {
        Some((rung, reason)) => Outcome::Rejected { rung, reason },
        None => match forge.publish(&proposal, commit) {
            Ok(p) => Outcome::Proposed(p),
            Err(e) => Outcome::Rejected {
                rung: Rung::Publish,
                reason: format!("{e:#}"),
            },
        },
    };
    Candidate { proposal, outcome }
}

/// The report as text: one line per candidate, proposed or rejected and why.
pub fn text(report: &ProposeReport) -> String {
    let mut out = format!(
        "base {} of {}\n",
        &report.base_commit[..report.base_commit.len().min(10)],
        report.repository
    );
    for c in &report.candidates {
        let p = &c.proposal;
        match &c.outcome {
            Outcome::Proposed(published) => {
                let summary = p.evidence.as_ref().map(|e| e.summary()).unwrap_or_default();
                out.push_str(&format!(
                    "PROPOSED  {} ({} in {}){}\n          {summary}\n          description: {}\n",
                    published.branch,
                    p.skill,
                    p.path,
                    if published.updated { " [updated]" } else { "" },
                    published.location
                ));
            }
            Outcome::Rejected { rung, reason } => {
                let rung = serde_json::to_value(rung)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "REJECTED  {} in {} at the {rung} rung: {reason}\n",
                    p.skill, p.path
                ));
            }
        }
    }
    if report.cold_left_out > 0 {
        out.push_str(&format!(
            "{} finding(s) in cold code left out\n",
            report.cold_left_out
        ));
    }
    if report.not_measured > 0 {
        out.push_str(&format!(
            "{} more candidate(s) not measured (propose.max_proposals)\n",
            report.not_measured
        ));
    }
    out
}
