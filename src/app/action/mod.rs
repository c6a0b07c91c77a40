//! `wattson action`: wattson as a step of a GitHub Actions workflow.
//!
//! `action.yml` at the repository root builds wattson and runs this
//! subcommand with the step's inputs in `INPUT_*` variables. It exists so
//! that a repository gets wattson from a few lines of workflow, without
//! installing the GitHub App: the runner supplies what the App would get from
//! a webhook (the event payload at `GITHUB_EVENT_PATH`, the repository in
//! `GITHUB_REPOSITORY`, a token), and the run talks back the way Actions
//! expects: markdown appended to `GITHUB_STEP_SUMMARY`, `name=value` lines
//! appended to `GITHUB_OUTPUT`, SARIF for `github/codeql-action/upload-sarif`,
//! and the exit status for `fail-on`.
//!
//! It adds no logic of its own: `scan` is [`crate::scan`] ranked by
//! [`crate::profile`] and rendered by [`crate::report`], exactly as
//! `wattson scan --format sarif`; `propose` and `defend` are
//! [`crate::pipeline::propose`] and [`crate::pipeline::propose_defense`]
//! publishing through [`GitHubForge`], as the App does.
//!
//! Exit status: 0 success; 1 when `fail-on` triggers; 2 for an error (the
//! caller, `main`, prints it and maps it to 2), whose message says what to
//! change in the workflow.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use serde_json::Value;

use crate::app::github::{Connector, Credentials, GITHUB_API_URL};
use crate::config::Config;
use crate::forge::github::GitHubForge;
use crate::ops::{self, propose::ProposeRequest, scan::ProfileRequest, scan::ScanRequest, Skills};
use crate::pipeline::{self, Outcome, ProposeReport};
use crate::regress::feed::FeedSource;
use crate::report;
use crate::scan::ScanOptions;

mod args;
mod event;
mod sarif;
mod summary;

pub use args::*;
use event::*;
use sarif::*;
use summary::*;
pub use summary::{md, message_md, outputs_text};

/// How many findings the job summary lists; the SARIF has them all.
pub const SUMMARY_FINDINGS: usize = 50;
/// Run the step. On an error the summary says so too, so that the failure is
/// visible on the run's page and not only in its log.
pub fn run(args: ActionArgs) -> Result<ExitCode> {
    let summary_file = env_path("GITHUB_STEP_SUMMARY");
    match run_step(args) {
        Ok(code) => Ok(code),
        Err(err) => {
            if let Some(file) = &summary_file {
                let text = format!("## wattson: error\n\n```text\n{err:#}\n```\n");
                // The error itself matters more than a summary that could not be written.
                let _ = append(file, &text);
            }
            Err(err)
        }
    }
}

/// The inputs after defaults, checked for what the mode needs.
struct Inputs {
    mode: Mode,
    path: PathBuf,
    profile: Option<PathBuf>,
    feed: Option<FeedSource>,
    token: Option<String>,
    sarif: PathBuf,
    fail_on: FailOn,
    api_url: String,
    repository: Option<String>,
}

/// What one mode found, for the summary, the outputs and the exit status.
struct StepResult {
    /// Markdown under the summary's heading.
    summary: String,
    /// Findings (scan), candidate changes (propose) or regressions (defend).
    findings: usize,
    /// Regressions in the feed (defend).
    regressions: usize,
    /// The SARIF file written (scan).
    sarif: Option<PathBuf>,
    proposed: usize,
    rejected: usize,
    pull_requests: Vec<String>,
}

fn run_step(args: ActionArgs) -> Result<ExitCode> {
    let inputs = check(args)?;
    let event = read_event()?;
    let repository = inputs
        .repository
        .clone()
        .or_else(|| event.as_ref().and_then(Event::repository));

    let started = std::time::Instant::now();
    let result = match inputs.mode {
        Mode::Scan => scan_step(&inputs)?,
        Mode::Propose | Mode::Defend => {
            let Some(repository) = repository.as_deref() else {
                bail!(
                    "{} needs the repository as owner/name: GitHub Actions sets GITHUB_REPOSITORY; \
                     outside a workflow pass --repository OWNER/NAME",
                    mode_name(inputs.mode)
                );
            };
            github_step(&inputs, repository)?
        }
    };

    let mut summary = format!("## wattson {}\n\n", mode_name(inputs.mode));
    if let Some(e) = &event {
        let _ = writeln!(summary, "{}\n", e.describe());
    } else if let Some(r) = &repository {
        let _ = writeln!(summary, "Repository {}.\n", code(r));
    }
    summary.push_str(&result.summary);
    let _ = writeln!(
        summary,
        "\n<sub>wattson {} in {:.1}s</sub>",
        env!("CARGO_PKG_VERSION"),
        started.elapsed().as_secs_f64()
    );
    match env_path("GITHUB_STEP_SUMMARY") {
        Some(file) => append(&file, &summary)?,
        None => print!("{summary}"),
    }

    let sarif = result
        .sarif
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let outputs = [
        ("findings", result.findings.to_string()),
        ("sarif", sarif),
        ("proposed", result.proposed.to_string()),
        ("rejected", result.rejected.to_string()),
        ("pull-requests", result.pull_requests.join(" ")),
    ];
    if let Some(file) = env_path("GITHUB_OUTPUT") {
        append(&file, &outputs_text(&outputs))?;
    }

    let failed = match inputs.fail_on {
        FailOn::None => None,
        FailOn::Findings => {
            (result.findings > 0).then(|| format!("{} finding(s)", result.findings))
        }
        FailOn::Regressions => {
            (result.regressions > 0).then(|| format!("{} regression(s)", result.regressions))
        }
    };
    Ok(match failed {
        Some(what) => {
            eprintln!(
                "wattson: failing the step (fail-on: {}): {what}",
                fail_on_name(inputs.fail_on)
            );
            ExitCode::from(1)
        }
        None => ExitCode::SUCCESS,
    })
}

/// Apply the defaults and refuse, before any work, what cannot succeed.
fn check(args: ActionArgs) -> Result<Inputs> {
    let nonempty_path = |p: Option<PathBuf>| p.filter(|p| !p.as_os_str().is_empty());
    let nonempty = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
    let path = if args.path.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        args.path
    };
    let sarif = if args.sarif.as_os_str().is_empty() {
        PathBuf::from("wattson.sarif")
    } else {
        args.sarif
    };
    let token = nonempty(args.token).or_else(|| nonempty(std::env::var("GITHUB_TOKEN").ok()));
    let inputs = Inputs {
        mode: args.mode,
        profile: nonempty_path(args.profile),
        feed: nonempty_path(args.feed)
            .map(|f| FeedSource::from_path(&f))
            .transpose()
            .map_err(anyhow::Error::msg)?,
        token,
        sarif,
        fail_on: args.fail_on,
        api_url: if args.github_api_url.trim().is_empty() {
            GITHUB_API_URL.to_string()
        } else {
            args.github_api_url
        },
        repository: nonempty(args.repository),
        path,
    };
    if !inputs.path.exists() {
        bail!(
            "path {} does not exist: check out the repository first (actions/checkout) \
             or set the action's `path` input to the checkout",
            inputs.path.display()
        );
    }
    if inputs.fail_on == FailOn::Regressions && inputs.mode != Mode::Defend {
        bail!(
            "fail-on: regressions needs mode: defend (regressions come from a benchmark feed); \
             with mode: {} use fail-on: findings or none",
            mode_name(inputs.mode)
        );
    }
    if inputs.mode == Mode::Defend && inputs.feed.is_none() {
        bail!(
            "defend needs a feed: set the action's `feed` input (--feed) to the benchmark results \
             file (JSON Lines, CSV, github-action-benchmark's data.js or Apache Otava's CSV)"
        );
    }
    match inputs.feed.as_ref().filter(|_| inputs.mode == Mode::Defend) {
        Some(FeedSource::File(feed)) if !feed.is_file() => bail!(
            "feed {} does not exist: set the action's `feed` input to the benchmark results \
             file, produced by an earlier step or committed to the repository, or to \
             git:<branch>:<path> for a file on a branch (e.g. git:gh-pages:dev/bench/data.js)",
            feed.display()
        ),
        Some(FeedSource::Git { branch, .. }) => fetch_branch(&inputs.path, branch)?,
        _ => {}
    }
    if inputs.mode != Mode::Scan && inputs.token.is_none() {
        bail!(
            "{} needs a token: pass `token: ${{{{ secrets.GITHUB_TOKEN }}}}` to the action (or a token \
             that may push branches and open pull requests; the job needs `permissions: contents: write` \
             and `pull-requests: write`), or set GITHUB_TOKEN / --token outside a workflow",
            mode_name(inputs.mode)
        );
    }
    if let Some(repo) = &inputs.repository {
        let ok = repo
            .split_once('/')
            .is_some_and(|(o, n)| !o.is_empty() && !n.is_empty() && !n.contains('/'));
        if !ok {
            bail!("repository `{repo}` is not owner/name (for example `octo-org/octo-repo`)");
        }
    }
    Ok(inputs)
}

/// The repository's root (its working tree) when `path` is inside one.
/// Makes `branch` readable for a `git:` feed: actions/checkout fetches one
/// commit of one branch, so a feed kept on gh-pages is usually missing.
/// The system git fetches it, with the credentials actions/checkout left in
/// the checkout's configuration (git2 would need them handed over).
fn fetch_branch(path: &Path, branch: &str) -> Result<()> {
    let repo = git2::Repository::discover(path).with_context(|| {
        format!(
            "{} is not inside a git checkout: run actions/checkout before wattson",
            path.display()
        )
    })?;
    let present = [
        format!("refs/heads/{branch}"),
        format!("refs/remotes/origin/{branch}"),
    ]
    .iter()
    .any(|name| repo.find_reference(name).is_ok());
    if present {
        return Ok(());
    }
    let root = repo.workdir().unwrap_or(path);
    let refspec = format!("+refs/heads/{branch}:refs/remotes/origin/{branch}");
    let out = std::process::Command::new("git")
        .args(["fetch", "--no-tags", "--depth=1", "origin", &refspec])
        .current_dir(root)
        .stdin(std::process::Stdio::null())
        .output()
        .context("running git to fetch the feed's branch")?;
    if !out.status.success() {
        bail!(
            "the feed is on branch `{branch}`, which the checkout does not have, and `git fetch \
             origin {branch}` failed: {}; fetch it in an earlier step (or check out with \
             fetch-depth: 0)",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

fn repo_root(path: &Path) -> Option<PathBuf> {
    let repo = git2::Repository::discover(path).ok()?;
    let root = repo.workdir()?;
    std::fs::canonicalize(root).ok()
}

/// The profile to rank by: the input, else the configuration's
/// `hotness.profile`, which is relative to the repository's root.
fn profile_file(inputs: &Inputs, config: &Config) -> Result<Option<PathBuf>> {
    if let Some(p) = &inputs.profile {
        if !p.is_file() {
            bail!(
                "profile {} does not exist: set the action's `profile` input to a file in the \
                 checkout (or produced by an earlier step), or leave it empty",
                p.display()
            );
        }
        return Ok(Some(p.clone()));
    }
    let Some(rel) = &config.hotness.profile else {
        return Ok(None);
    };
    let base = repo_root(&inputs.path)
        .or_else(|| {
            config
                .source
                .as_deref()
                .and_then(Path::parent)
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(|| inputs.path.clone());
    let file = base.join(rel);
    if !file.is_file() {
        let source = config
            .source
            .as_deref()
            .map(|s| s.display().to_string())
            .unwrap_or_else(|| ".wattson.toml".into());
        bail!(
            "hotness.profile in {source} names {}, which is not in the checkout: commit the \
             profile, or pass the action's `profile` input",
            file.display()
        );
    }
    Ok(Some(file))
}

fn scan_step(inputs: &Inputs) -> Result<StepResult> {
    let skills = Skills::new(None);
    let config = Config::discover(&inputs.path)?;
    let req = ScanRequest {
        path: inputs.path.clone(),
        skills: Vec::new(),
        profile: ProfileRequest {
            file: profile_file(inputs, &config)?,
            format: None,
            min_percent: None,
        },
        config: None,
        walk: ScanOptions::default(),
    };
    let scanned = ops::scan::scan(&skills, &req, &ops::Silent).map_err(anyhow::Error::from)?;
    let mut ranking = String::new();
    if let (Some(file), Some(p)) = (&req.profile.file, &scanned.profile) {
        let _ = writeln!(
            ranking,
            "Ranked by the profile {} ({:.1}% of its weight mapped to the tree); {} finding(s) \
             in functions under {}% of it left out.\n",
            code(&file.display().to_string()),
            p.mapped_percent,
            p.cold_findings_left_out,
            p.min_percent
        );
    }
    let set = skills.select(&[]).map_err(anyhow::Error::from)?;

    // Code scanning wants paths from the repository's root; the scan's are
    // from `path`, which may be a directory inside the checkout.
    let prefix = sarif_prefix(&inputs.path);
    let mut sarif = report::sarif(&scanned, &set);
    if let Some((root, prefix)) = &prefix {
        rebase_sarif(&mut sarif, root, prefix);
    }
    let text = serde_json::to_string_pretty(&sarif)? + "\n";
    if let Some(dir) = inputs.sarif.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating {} for the SARIF", dir.display()))?;
    }
    std::fs::write(&inputs.sarif, text).with_context(|| {
        format!(
            "writing the SARIF to {}: set the action's `sarif` input to a writable path",
            inputs.sarif.display()
        )
    })?;

    let count = scanned.findings.len();
    let files = scanned.files_with_findings();
    eprintln!(
        "wattson: {count} finding(s) in {files} file(s) ({} scanned); SARIF in {}",
        scanned.stats.files,
        inputs.sarif.display()
    );

    let mut summary = format!(
        "**{count} finding(s)** in {files} file(s) ({} file(s) scanned). SARIF: {}.\n\n",
        scanned.stats.files,
        code(&inputs.sarif.display().to_string())
    );
    summary.push_str(&ranking);
    if count > 0 {
        let ranked = scanned.profile.is_some();
        summary.push_str(if ranked {
            "| # | Heat | Location | Skill | Message |\n|---:|---:|---|---|---|\n"
        } else {
            "| # | Location | Skill | Message |\n|---:|---|---|---|\n"
        });
        let shown_prefix = prefix.as_ref().map(|(_, p)| p.as_str()).unwrap_or("");
        for (n, f) in scanned.findings.iter().take(SUMMARY_FINDINGS).enumerate() {
            let location = format!("{shown_prefix}{}:{}", f.path, f.start_line);
            let heat = match &f.heat {
                Some(h) => format!(" {:.1}% |", h.self_percent),
                None if ranked => " |".to_string(),
                None => String::new(),
            };
            let _ = writeln!(
                summary,
                "| {} |{heat} {} | {} | {} |",
                n + 1,
                code(&location),
                code(&f.skill),
                message_md(&f.message)
            );
        }
        if count > SUMMARY_FINDINGS {
            let _ = writeln!(
                summary,
                "\n…and {} more in the SARIF.",
                count - SUMMARY_FINDINGS
            );
        }
    }
    Ok(StepResult {
        summary,
        findings: count,
        regressions: 0,
        sarif: Some(inputs.sarif.clone()),
        proposed: 0,
        rejected: 0,
        pull_requests: Vec::new(),
    })
}
/// `propose` and `defend`: the pipeline publishing pull requests on GitHub.
fn github_step(inputs: &Inputs, repository: &str) -> Result<StepResult> {
    let root = repo_root(&inputs.path).with_context(|| {
        format!(
            "{} is not inside a git checkout: run actions/checkout before wattson",
            inputs.path.display()
        )
    })?;
    let config = Config::discover(&inputs.path)?;
    let token = inputs.token.clone().context("a token (checked before)")?;

    // The forge blocks on the runtime's handle when it publishes, so the
    // pipeline runs here on the main thread, outside `block_on`; only the
    // connection is made inside it.
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let api = runtime
        .block_on(async {
            let connector = Connector::new(&inputs.api_url, Credentials::Token(token))?;
            connector.api(repository, None, &config.github).await
        })
        .with_context(|| format!("connecting to {repository} at {}", inputs.api_url))?;
    let forge = GitHubForge::new(api, &root, &config.github, runtime.handle().clone());

    let skills = Skills::new(None);
    let mut req = ProposeRequest {
        path: inputs.path.clone(),
        skills: Vec::new(),
        profile: ProfileRequest::default(),
        feed: None,
        feed_format: None,
        config: None,
        walk: ScanOptions::default(),
    };
    let progress = ops::Logged;
    match inputs.mode {
        Mode::Propose => {
            req.profile.file = profile_file(inputs, &config)?;
            let report = ops::propose::propose(&skills, &req, Some(&forge), &progress)
                .map_err(anyhow::Error::from)
                .with_context(|| format!("proposing changes to {repository}"))?;
            let found = report.candidates.len() + report.not_measured;
            Ok(pipeline_result(&report, found, 0, "candidate change(s)"))
        }
        Mode::Defend => {
            let feed = inputs.feed.as_ref().context("a feed (checked before)")?;
            req.feed = Some(feed.clone());
            let report = ops::propose::propose(&skills, &req, Some(&forge), &progress)
                .map_err(anyhow::Error::from)
                .with_context(|| {
                    format!("defending {repository} against the regressions in {}", feed)
                })?;
            // One candidate per culprit, plus those beyond the proposal cap.
            let regressions = report.candidates.len() + report.not_measured;
            Ok(pipeline_result(
                &report,
                regressions,
                regressions,
                "regression(s)",
            ))
        }
        Mode::Scan => bail!("scan does not publish"),
    }
}

/// The summary and counts of a pipeline run.
fn pipeline_result(
    report: &ProposeReport,
    found: usize,
    regressions: usize,
    what: &str,
) -> StepResult {
    let mut proposed = Vec::new();
    let mut rejected = Vec::new();
    for c in &report.candidates {
        match &c.outcome {
            Outcome::Proposed(p) => proposed.push((c, p)),
            Outcome::Rejected { rung, reason } => rejected.push((c, *rung, reason)),
        }
    }
    eprint!("{}", pipeline::text(report));
    let mut summary = format!(
        "**{found} {what}**: {} proposed, {} rejected{}. Base {} of {}.\n\n",
        proposed.len(),
        rejected.len(),
        if report.not_measured > 0 {
            format!(
                ", {} not measured (propose.max_proposals)",
                report.not_measured
            )
        } else {
            String::new()
        },
        code(&report.base_commit.chars().take(12).collect::<String>()),
        code(&report.repository)
    );
    if report.cold_left_out > 0 {
        let _ = writeln!(
            summary,
            "{} finding(s) in cold code left out.\n",
            report.cold_left_out
        );
    }
    if !proposed.is_empty() {
        summary.push_str(
            "### Proposed\n\n| Branch | Pull request | Change | Evidence |\n|---|---|---|---|\n",
        );
        for (c, p) in &proposed {
            let evidence = c
                .proposal
                .evidence
                .as_ref()
                .map(|e| e.summary())
                .unwrap_or_default();
            let _ = writeln!(
                summary,
                "| {} | {}{} | {} | {} |",
                code(&p.branch),
                link(&p.location),
                if p.updated { " (updated)" } else { "" },
                md(&c.proposal.title),
                md(&evidence)
            );
        }
        summary.push('\n');
    }
    if !rejected.is_empty() {
        summary.push_str("### Rejected\n\n| Change | File | Rung | Reason |\n|---|---|---|---|\n");
        for (c, rung, reason) in &rejected {
            let rung = serde_json::to_value(rung)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let _ = writeln!(
                summary,
                "| {} | {} | {rung} | {} |",
                code(&c.proposal.skill),
                md(&c.proposal.path),
                md(reason)
            );
        }
    }
    StepResult {
        summary,
        findings: found,
        regressions,
        sarif: None,
        proposed: proposed.len(),
        rejected: rejected.len(),
        pull_requests: proposed
            .iter()
            .map(|(_, p)| p.location.clone())
            .filter(|l| l.starts_with("http"))
            .collect(),
    }
}

#[cfg(test)]
mod tests;
