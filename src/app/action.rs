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
use crate::report;
use crate::scan::ScanOptions;

/// How many findings the job summary lists; the SARIF has them all.
pub const SUMMARY_FINDINGS: usize = 50;

/// What the step does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Find the places where a skill applies; write SARIF and a summary.
    #[default]
    Scan,
    /// Rewrite, verify, measure, and open a pull request for each change that is faster.
    Propose,
    /// Find regressions in a benchmark feed and open a pull request reverting each culprit.
    Defend,
}

/// When the step fails (exit status 1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Never for what was found (errors still fail the step).
    #[default]
    None,
    /// When there are findings (scan), candidate changes (propose) or regressions (defend).
    Findings,
    /// When the feed has a regression (defend only).
    Regressions,
}

/// The step's inputs. Each flag also reads the `INPUT_*` variable that
/// `action.yml` sets from the input of the same name. An input left unset
/// arrives as an empty variable, which counts as absent (clap's own parsers
/// would refuse it), hence the value parsers below.
#[derive(clap::Args)]
pub struct ActionArgs {
    /// What to do.
    #[arg(long, env = "INPUT_MODE", default_value = "scan", value_parser = OrDefault::<Mode>::new())]
    pub mode: Mode,
    /// The checkout to work on (a directory inside it limits the scan to it).
    #[arg(long, value_name = "DIR", env = "INPUT_PATH", default_value = ".", value_parser = path_parser())]
    pub path: PathBuf,
    /// A profile of the code (folded stacks, `perf script`, callgrind, pprof)
    /// to rank findings by (default: `hotness.profile` from `.wattson.toml`,
    /// relative to the repository's root).
    #[arg(long, value_name = "FILE", env = "INPUT_PROFILE", value_parser = path_parser())]
    pub profile: Option<PathBuf>,
    /// The benchmark results to watch for regressions (needed by `defend`):
    /// JSON Lines, CSV, github-action-benchmark's data.js or Apache Otava's CSV.
    #[arg(long, value_name = "FILE", env = "INPUT_FEED", value_parser = path_parser())]
    pub feed: Option<PathBuf>,
    /// A GitHub token that may push branches and open pull requests (needed
    /// by `propose` and `defend`; default: the GITHUB_TOKEN variable).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "INPUT_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// Where `scan` writes its SARIF.
    #[arg(long, value_name = "FILE", env = "INPUT_SARIF", default_value = "wattson.sarif", value_parser = path_parser())]
    pub sarif: PathBuf,
    /// When to fail the step.
    #[arg(long, env = "INPUT_FAIL_ON", default_value = "none", value_parser = OrDefault::<FailOn>::new())]
    pub fail_on: FailOn,
    /// The REST API root (GitHub Enterprise Server: `https://HOST/api/v3`).
    #[arg(long, value_name = "URL", env = "GITHUB_API_URL", default_value = GITHUB_API_URL)]
    pub github_api_url: String,
    /// The repository, as `owner/name` (default: from the event payload).
    #[arg(long, value_name = "OWNER/NAME", env = "GITHUB_REPOSITORY")]
    pub repository: Option<String>,
}

/// A path that may be empty (clap's `PathBuf` parser refuses empty values).
fn path_parser() -> impl clap::builder::TypedValueParser<Value = PathBuf> {
    use clap::builder::TypedValueParser;
    clap::builder::OsStringValueParser::new().map(PathBuf::from)
}

/// One of an enum's values, or its default for an empty value.
#[derive(Clone)]
pub struct OrDefault<E>(std::marker::PhantomData<E>);

impl<E> OrDefault<E> {
    pub fn new() -> Self {
        OrDefault(std::marker::PhantomData)
    }
}

impl<E> Default for OrDefault<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> clap::builder::TypedValueParser for OrDefault<E>
where
    E: clap::ValueEnum + Default + Clone + Send + Sync + 'static,
{
    type Value = E;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> std::result::Result<E, clap::Error> {
        if value.is_empty() {
            return Ok(E::default());
        }
        clap::builder::EnumValueParser::<E>::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            E::value_variants()
                .iter()
                .filter_map(clap::ValueEnum::to_possible_value),
        ))
    }
}

/// By hand, so that the token never reaches a log.
impl std::fmt::Debug for ActionArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActionArgs")
            .field("mode", &self.mode)
            .field("path", &self.path)
            .field("profile", &self.profile)
            .field("feed", &self.feed)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("sarif", &self.sarif)
            .field("fail_on", &self.fail_on)
            .field("github_api_url", &self.github_api_url)
            .field("repository", &self.repository)
            .finish()
    }
}

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
    feed: Option<PathBuf>,
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
        feed: nonempty_path(args.feed),
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
    if let Some(feed) = inputs.feed.as_ref().filter(|_| inputs.mode == Mode::Defend) {
        if !feed.is_file() {
            bail!(
                "feed {} does not exist: set the action's `feed` input to the benchmark results \
                 file, produced by an earlier step or committed to the repository",
                feed.display()
            );
        }
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

/// The repository root and `path`'s place in it (`"sub/dir/"`), when the scan
/// root is a directory below the root of a git checkout.
fn sarif_prefix(path: &Path) -> Option<(PathBuf, String)> {
    if !path.is_dir() {
        return None;
    }
    let root = repo_root(path)?;
    let abs = std::fs::canonicalize(path).ok()?;
    let sub = abs.strip_prefix(&root).ok()?;
    if sub.as_os_str().is_empty() {
        return None;
    }
    let mut prefix = sub.to_string_lossy().replace('\\', "/");
    prefix.push('/');
    Some((root, prefix))
}

/// Make the SARIF's `%SRCROOT%` the repository's root: every artifact
/// location under it gets `prefix` in front.
fn rebase_sarif(sarif: &mut Value, root: &Path, prefix: &str) {
    fn walk(v: &mut Value, prefix: &str) {
        match v {
            Value::Object(map) => {
                if map.get("uriBaseId").and_then(Value::as_str) == Some("%SRCROOT%") {
                    if let Some(Value::String(uri)) = map.get_mut("uri") {
                        *uri = format!("{prefix}{uri}");
                    }
                }
                for child in map.values_mut() {
                    walk(child, prefix);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| walk(i, prefix)),
            _ => {}
        }
    }
    if let Some(runs) = sarif.get_mut("runs").and_then(Value::as_array_mut) {
        for run in runs {
            if let Some(results) = run.get_mut("results") {
                walk(results, prefix);
            }
            let mut uri = format!("file://{}", root.display());
            if !uri.ends_with('/') {
                uri.push('/');
            }
            run["originalUriBaseIds"]["%SRCROOT%"]["uri"] = Value::String(uri);
        }
    }
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
    let progress = ops::Stderr { quiet: false };
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
            let feed = inputs.feed.as_deref().context("a feed (checked before)")?;
            req.feed = Some(feed.to_path_buf());
            let report = ops::propose::propose(&skills, &req, Some(&forge), &progress)
                .map_err(anyhow::Error::from)
                .with_context(|| {
                    format!(
                        "defending {repository} against the regressions in {}",
                        feed.display()
                    )
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

/// The event that started the workflow, from `GITHUB_EVENT_PATH`.
struct Event {
    name: String,
    payload: Value,
}

/// Read the event payload when the variable is set. A file that is missing
/// or not a JSON object is an error naming it: the step is not where it
/// thinks it is.
fn read_event() -> Result<Option<Event>> {
    let Some(file) = env_path("GITHUB_EVENT_PATH") else {
        return Ok(None);
    };
    let hint =
        "GitHub Actions sets GITHUB_EVENT_PATH to the event's payload; outside a workflow unset it";
    let bytes = std::fs::read(&file).with_context(|| {
        format!(
            "cannot read the event payload {} (GITHUB_EVENT_PATH): {hint}",
            file.display()
        )
    })?;
    let payload: Value = serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "the event payload {} (GITHUB_EVENT_PATH) is not JSON: {hint}",
            file.display()
        )
    })?;
    if !payload.is_object() {
        bail!(
            "the event payload {} (GITHUB_EVENT_PATH) is not a JSON object: {hint}",
            file.display()
        );
    }
    let name = std::env::var("GITHUB_EVENT_NAME")
        .ok()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| {
            if payload.get("pull_request").is_some() {
                "pull_request".into()
            } else if payload.get("ref").is_some() && payload.get("after").is_some() {
                "push".into()
            } else {
                "event".into()
            }
        });
    Ok(Some(Event { name, payload }))
}

impl Event {
    fn text(&self, path: &[&str]) -> Option<&str> {
        let mut v = &self.payload;
        for p in path {
            v = v.get(p)?;
        }
        v.as_str()
    }

    fn repository(&self) -> Option<String> {
        self.text(&["repository", "full_name"]).map(str::to_string)
    }

    /// One line of markdown for the summary.
    fn describe(&self) -> String {
        let short = |s: &str| s.chars().take(12).collect::<String>();
        let mut line = match self.name.as_str() {
            "push" => {
                let git_ref = self.text(&["ref"]).unwrap_or("?");
                match self.text(&["after"]) {
                    Some(after) if after.bytes().all(|b| b == b'0') => {
                        format!("Event: push deleting {}", code(git_ref))
                    }
                    Some(after) => {
                        format!(
                            "Event: push to {} at {}",
                            code(git_ref),
                            code(&short(after))
                        )
                    }
                    None => format!("Event: push to {}", code(git_ref)),
                }
            }
            "pull_request" | "pull_request_target" => {
                let number = self
                    .payload
                    .get("pull_request")
                    .and_then(|p| p.get("number"))
                    .or_else(|| self.payload.get("number"))
                    .and_then(Value::as_u64);
                let mut s = match number {
                    Some(n) => format!("Event: pull request #{n}"),
                    None => "Event: pull request".to_string(),
                };
                if let Some(a) = self.text(&["action"]) {
                    let _ = write!(s, " ({})", md(a));
                }
                if let Some(sha) = self.text(&["pull_request", "head", "sha"]) {
                    let _ = write!(s, " at {}", code(&short(sha)));
                }
                s
            }
            other => {
                let mut s = format!("Event: {}", code(other));
                if let Some(a) = self.text(&["action"]) {
                    let _ = write!(s, " ({})", md(a));
                }
                s
            }
        };
        if let Some(r) = self.repository() {
            let _ = write!(line, " in {}", code(&r));
        }
        line.push('.');
        line
    }
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Scan => "scan",
        Mode::Propose => "propose",
        Mode::Defend => "defend",
    }
}

fn fail_on_name(f: FailOn) -> &'static str {
    match f {
        FailOn::None => "none",
        FailOn::Findings => "findings",
        FailOn::Regressions => "regressions",
    }
}

/// A path from an environment variable, when set and not empty.
fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Append to one of the runner's files (created if missing, as the runner does).
fn append(file: &Path, text: &str) -> Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
        .with_context(|| format!("opening {}", file.display()))?;
    f.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", file.display()))
}

/// `GITHUB_OUTPUT` lines: `name=value`, or `name<<DELIM` … `DELIM` for a
/// value with a line break, with a delimiter that does not occur in it.
pub fn outputs_text(outputs: &[(&str, String)]) -> String {
    let mut out = String::new();
    for (name, value) in outputs {
        if value.contains('\n') || value.contains('\r') {
            let mut n = std::process::id() as u64;
            let delim = loop {
                let d = format!("ghadelimiter_{n:x}");
                if !value.contains(&d) {
                    break d;
                }
                n = n.wrapping_mul(6364136223846793005).wrapping_add(1);
            };
            let _ = write!(out, "{name}<<{delim}\n{value}\n{delim}\n");
        } else {
            let _ = writeln!(out, "{name}={value}");
        }
    }
    out
}

/// Text for a markdown table cell: no line breaks, no HTML, no markup.
pub fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A finding's message for a table cell: its `code` spans kept (skills
/// write them), everything else escaped as by [`md`].
pub fn message_md(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return md(s); // an unpaired backtick: no spans at all
    }
    let mut out = String::with_capacity(s.len());
    for (i, part) in parts.iter().enumerate() {
        if i % 2 == 0 {
            out.push_str(&md(part));
        } else {
            // Inside a span nothing is markup or HTML, but `|` still ends a
            // table cell and a line break still ends the row.
            out.push('`');
            out.push_str(&part.replace('|', "\\|").replace(['\n', '\r'], " "));
            out.push('`');
        }
    }
    out
}

/// `s` as inline code, or escaped text when it cannot be one.
fn code(s: &str) -> String {
    if s.is_empty() || s.contains(['`', '\n', '\r', '|']) {
        md(s)
    } else {
        format!("`{s}`")
    }
}

/// A link when `location` is a URL, else the text.
fn link(location: &str) -> String {
    if location.starts_with("https://") || location.starts_with("http://") {
        let clean = !location.contains(['(', ')', ' ', '<', '>', '|', '\n', '\r']);
        if clean {
            let label = location
                .rsplit_once("/pull/")
                .map(|(_, n)| format!("#{}", md(n)))
                .unwrap_or_else(|| md(location));
            return format!("[{label}]({location})");
        }
    }
    md(location)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_use_a_delimiter_only_for_multi_line_values() {
        let text = outputs_text(&[
            ("findings", "3".into()),
            ("pull-requests", "a b".into()),
            ("odd", "one\ntwo".into()),
        ]);
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("findings=3"));
        assert_eq!(lines.next(), Some("pull-requests=a b"));
        let head = lines.next().unwrap_or_default();
        let delim = head.strip_prefix("odd<<").unwrap_or_default();
        assert!(delim.starts_with("ghadelimiter_"));
        assert_eq!(lines.next(), Some("one"));
        assert_eq!(lines.next(), Some("two"));
        assert_eq!(lines.next(), Some(delim));
        assert_eq!(lines.next(), None);
    }

    #[test]
    fn table_cells_cannot_break_the_table_or_inject_html() {
        assert_eq!(md("a|b\n<img>"), "a\\|b &lt;img&gt;");
        assert_eq!(code("x`y"), "x\\`y");
        assert_eq!(
            message_md("call `v.reserve(n > 0 ? n : 0);` <b>|</b>"),
            "call `v.reserve(n > 0 ? n : 0);` &lt;b&gt;\\|&lt;/b&gt;"
        );
        assert_eq!(message_md("`a|b`"), "`a\\|b`");
        assert_eq!(message_md("odd ` one"), "odd \\` one");
        assert_eq!(code("src/a.cpp:3"), "`src/a.cpp:3`");
        assert_eq!(
            link("https://github.com/o/r/pull/7"),
            "[#7](https://github.com/o/r/pull/7)"
        );
        assert_eq!(link("https://x/y) [z](w"), "https://x/y) \\[z\\](w");
    }

    #[test]
    fn sarif_paths_are_rebased_on_the_repository_root() {
        let mut v = serde_json::json!({"runs": [{
            "originalUriBaseIds": {"%SRCROOT%": {"uri": "file:///r/sub/"}},
            "results": [{"locations": [{"physicalLocation": {
                "artifactLocation": {"uri": "a.cpp", "uriBaseId": "%SRCROOT%"}}}],
                "fixes": [{"artifactChanges": [{
                    "artifactLocation": {"uri": "a.cpp", "uriBaseId": "%SRCROOT%"}}]}]}]
        }]});
        rebase_sarif(&mut v, Path::new("/r"), "sub/");
        let r = &v["runs"][0];
        assert_eq!(r["originalUriBaseIds"]["%SRCROOT%"]["uri"], "file:///r/");
        assert_eq!(
            r["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "sub/a.cpp"
        );
        assert_eq!(
            r["results"][0]["fixes"][0]["artifactChanges"][0]["artifactLocation"]["uri"],
            "sub/a.cpp"
        );
    }
}
