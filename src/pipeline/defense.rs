//! Defense: the regressions of a feed → the commit behind each (ranked by
//! attribution, narrowed by bisection) → its revert on HEAD → build, test
//! and measure the revert → publish.

use std::path::Path;

use anyhow::Result;
use git2::{Oid, Repository, Signature};

use super::{bisect, judge_and_publish, Candidate, Outcome, ProposeReport, Rung};
use crate::config::Config;
use crate::evidence::ab::Session;
use crate::forge::Forge;
use crate::proposal::{Proposal, BOT_EMAIL, BOT_NAME, FINGERPRINT_MARKER};

/// What a revert proposal knows about the regression it undoes.
#[derive(Clone, Debug, Default)]
pub struct RevertContext {
    /// Sections for the description: the regression, its chart, the attribution.
    pub sections: Vec<(String, String)>,
    /// One line on why this commit: the attribution's reasons.
    pub why: String,
}

/// Revert `culprit` on top of HEAD, measure the revert (base = HEAD,
/// patched = HEAD + revert) and publish it if it recovers the loss.
pub fn propose_revert(
    root: &Path,
    culprit: &str,
    context: &RevertContext,
    config: &Config,
    forge: &dyn Forge,
) -> Result<Candidate> {
    use crate::regress::revert::{self, Revert};
    let repo = Repository::open(root)?;
    let culprit_commit = repo.find_commit(crate::regress::attribute::resolve(&repo, culprit)?)?;
    let culprit_id = culprit_commit.id().to_string();
    let summary = culprit_commit
        .summary()
        .ok()
        .flatten()
        .unwrap_or("")
        .to_string();
    let fingerprint = Proposal::fingerprint_of("revert", &culprit_id, "");
    let mut proposal = Proposal {
        skill: "revert".into(),
        title: format!("Revert \"{summary}\""),
        why: if context.why.is_empty() {
            format!(
                "Commit {} is the likely cause of a performance regression.",
                &culprit_id[..10]
            )
        } else {
            context.why.clone()
        },
        path: String::new(),
        sites: Vec::new(),
        heat: None,
        patch: String::new(),
        fingerprint,
        evidence: None,
        sections: context.sections.clone(),
        variant: None,
    };
    if let Some(reason) = forge.declined(&proposal)? {
        return Ok(Candidate {
            proposal,
            outcome: Outcome::Rejected {
                rung: Rung::Declined,
                reason,
            },
        });
    }
    let signature = Signature::now(BOT_NAME, BOT_EMAIL)?;
    let trailer = format!("{FINGERPRINT_MARKER}{}", proposal.fingerprint);
    let built = revert::build(&repo, &culprit_id, "HEAD", &signature, &trailer)?;
    let commit = match built {
        Revert::Conflict { paths } => {
            return Ok(Candidate {
                proposal,
                outcome: Outcome::Rejected {
                    rung: Rung::Rewrite,
                    reason: format!(
                        "the revert conflicts with later changes in: {}",
                        paths.join(", ")
                    ),
                },
            })
        }
        Revert::Ready { commit, .. } => commit,
    };
    // The revert's diff against HEAD, for the description.
    let head_tree = repo.head()?.peel_to_commit()?.tree()?;
    let revert_tree = repo.find_commit(commit)?.tree()?;
    let diff = repo.diff_tree_to_tree(Some(&head_tree), Some(&revert_tree), None)?;
    let mut patch = Vec::new();
    diff.print(git2::DiffFormat::Patch, |_, _, line| {
        if matches!(line.origin(), '+' | '-' | ' ') {
            patch.push(line.origin() as u8);
        }
        patch.extend_from_slice(line.content());
        true
    })?;
    proposal.patch = String::from_utf8_lossy(&patch).into_owned();
    let files: Vec<String> = diff
        .deltas()
        .filter_map(|d| {
            d.new_file()
                .path()
                .map(|p| p.to_string_lossy().into_owned())
        })
        .collect();
    proposal.path = files.join(", ");
    let session = Session::start(root, "HEAD", &config.evidence)?;
    let evidence = session.measure(&commit.to_string())?;
    Ok(judge_and_publish(proposal, evidence, commit, forge))
}

/// Defense: find the regressions in a feed, the commit behind each (ranked by
/// attribution; narrowed by bisection when the range holds several commits),
/// and propose each culprit's revert with the evidence that it recovers.
pub fn propose_defense(
    root: &Path,
    feed_source: &crate::regress::feed::FeedSource,
    feed_format: Option<crate::regress::feed::FeedFormat>,
    config: &Config,
    forge: &dyn Forge,
) -> Result<ProposeReport> {
    use crate::regress::{self, attribute, feed};
    let repo = Repository::open(root)?;
    let feed = feed::read_source(feed_source, feed_format, Some(&repo))?;
    for w in &feed.warnings {
        tracing::warn!("{w}");
    }
    let points = regress::detect_feed(&feed, &config.regression);
    let regressions: Vec<&regress::ChangePointReport> = points
        .iter()
        .filter(|c| c.direction == "regression")
        .collect();
    tracing::info!(
        "{} change point(s), {} regression(s)",
        points.len(),
        regressions.len()
    );
    let max = config.propose.max_proposals;
    let mut candidates = Vec::new();
    let mut culprits_seen: Vec<Oid> = Vec::new();
    for cp in regressions.iter().take(max) {
        // Every commit that may plausibly be the first bad one is a suspect,
        // not only those between the best split's two points.
        let (good, bad) = (&cp.plausible.last_good, &cp.plausible.last);
        let commits = attribute::commits_in_range(&repo, good, bad)?;
        let suspects = attribute::attribute(&repo, good, bad, &Default::default())?;
        let (culprit, steps) = if commits.len() > 1 {
            let found = bisect(root, good, bad, &config.evidence)?;
            (Oid::from_str(&found.culprit)?, found.steps)
        } else {
            (commits[0], Vec::new())
        };
        if culprits_seen.contains(&culprit) {
            continue; // several series regressed at the same commit
        }
        culprits_seen.push(culprit);
        let plausible = if cp.plausible.points > 1 {
            format!(
                " The change may plausibly have started at any of {} measured commits, `{}` to `{}`; \
                 every commit from `{}` (exclusive) to `{}` is a suspect.",
                cp.plausible.points,
                regress::short(&cp.plausible.first, 10),
                regress::short(&cp.plausible.last, 10),
                regress::short(&cp.plausible.last_good, 10),
                regress::short(&cp.plausible.last, 10)
            )
        } else {
            String::new()
        };
        let method = match cp.method {
            regress::detect::Method::Rank => format!(
                "a rank test over every measurement ({} before, {} after)",
                cp.runs_before, cp.runs_after
            ),
            regress::detect::Method::Exact => {
                "exactly repeatable measurements: the change is the difference itself".to_string()
            }
            regress::detect::Method::Spread => format!(
                "nearly exact measurements ({} before, {} after): the change dwarfs their spread, \
                 so it is tested against that spread (Welch's t)",
                cp.runs_before, cp.runs_after
            ),
        };
        let mut sections = vec![(
            "Regression".to_string(),
            format!(
                "`{}` went from {} to {}{} ({:+.2}%, p = {:.1e}, by {method}) between `{}` (last good) and `{}` (first bad).{plausible}",
                cp.series,
                cp.before,
                cp.after,
                cp.unit.as_deref().map(|u| format!(" {u}")).unwrap_or_default(),
                cp.change_percent,
                cp.p_value,
                regress::short(&cp.last_good, 10),
                regress::short(&cp.commit, 10)
            ),
        )];
        if let Some(series) = feed.series.iter().find(|s| s.name == cp.series) {
            sections.push(("Chart".to_string(), regress::chart(series, cp.index, 20)));
        }
        let mut attribution = String::new();
        if commits.len() > 1 {
            attribution.push_str(&format!(
                "Bisection by measurement over {} commits points at `{}`:\n\n",
                commits.len(),
                &culprit.to_string()[..10]
            ));
            for step in &steps {
                attribution.push_str(&format!(
                    "- `{}` {} after {} run(s) a side ({})\n",
                    regress::short(&step.commit, 10),
                    step.verdict,
                    step.runs,
                    step.summary
                ));
            }
            attribution.push('\n');
        }
        for s in &suspects {
            attribution.push_str(&format!(
                "- `{}` {} (score {:.2}): {}\n",
                &s.commit[..10],
                s.summary,
                s.score,
                s.reasons.join("; ")
            ));
        }
        sections.push(("Attribution".to_string(), attribution));
        let why = suspects
            .iter()
            .find(|s| s.commit == culprit.to_string())
            .map(|s| {
                format!(
                    "`{}` regressed by {:+.2}% at this commit, which {}.",
                    cp.series,
                    cp.change_percent,
                    s.reasons.join("; ")
                )
            })
            .unwrap_or_default();
        let context = RevertContext { sections, why };
        candidates.push(propose_revert(
            root,
            &culprit.to_string(),
            &context,
            config,
            forge,
        )?);
    }
    let base_commit = repo.head()?.peel_to_commit()?.id().to_string();
    Ok(ProposeReport {
        repository: root.display().to_string(),
        base_commit,
        candidates,
        cold_left_out: 0,
        not_measured: regressions.len().saturating_sub(max),
    })
}
