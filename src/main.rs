//! The `wattson` command line: a thin layer that wires the library's parts.
//!
//! Exit codes: 0 success; 1 `scan --fail-on-findings` found something, or
//! `skills test` had a failing example; 2 bad usage or input (a message on
//! stderr says which).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};

use wattson::config::Config;
use wattson::profile::{self, HotnessIndex, ProfileFormat};
use wattson::report;
use wattson::scan::{self, ScanOptions, DEFAULT_MAX_FILE_SIZE};
use wattson::skills::{examples, SkillSet};

#[derive(Parser)]
#[command(
    name = "wattson",
    version,
    about = "Find and fix performance work in C++ and Rust code with tree-sitter rewrite skills."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct SkillArgs {
    /// Only use these skills (an id such as `cpp/endl-in-loop`, or a language such as `rust`). Repeatable.
    #[arg(long = "skill", value_name = "ID")]
    skills: Vec<String>,
    /// Load skills from this directory instead of the built-in `rewrites/`.
    #[arg(long, value_name = "DIR", env = "WATTSON_SKILLS_DIR")]
    skills_dir: Option<PathBuf>,
}

#[derive(clap::Args, Clone)]
struct WalkArgs {
    /// Skip files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_FILE_SIZE)]
    max_file_size: u64,
    /// Do not show a progress bar.
    #[arg(long)]
    quiet: bool,
    /// Also scan tests, benchmarks, fuzz targets, examples, vendored and
    /// generated code (left out by default: findings there are rarely worth
    /// a change).
    #[arg(long)]
    include_tests: bool,
}

#[derive(clap::Args, Clone)]
struct ProfileArgs {
    /// A profile (folded stacks, `perf script` output, callgrind.out.*,
    /// pprof): findings are ordered by the weight of the code they touch, and
    /// those in cold functions are left out.
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// The profile's format, when detection from its contents is not enough.
    #[arg(long, value_enum, value_name = "FORMAT")]
    profile_format: Option<ProfileFormat>,
    /// Leave out findings in functions with less self weight than this share
    /// of the profile, in percent (default: `hotness.min_percent` from
    /// `.wattson.toml` or rules/hotness.toml).
    #[arg(long, value_name = "PERCENT")]
    min_percent: Option<f64>,
    /// Read configuration from this file instead of the nearest `.wattson.toml`.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    Sarif,
}

#[derive(Clone, Copy, ValueEnum)]
enum HotspotsFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// List the places where a skill applies.
    Scan {
        /// A file or directory (default: the current directory).
        #[arg(default_value = ".")]
        path: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Write the report to this file instead of stdout.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Exit with status 1 when there are findings.
        #[arg(long)]
        fail_on_findings: bool,
        #[command(flatten)]
        profile: ProfileArgs,
        #[command(flatten)]
        skills: SkillArgs,
        #[command(flatten)]
        walk: WalkArgs,
    },
    /// The heaviest functions of a profile, joined to the tree, with their findings.
    Hotspots {
        /// The tree the profile was taken of (default: the current directory).
        #[arg(default_value = ".")]
        path: PathBuf,
        #[arg(long, value_enum, default_value_t = HotspotsFormat::Text)]
        format: HotspotsFormat,
        /// How many functions to list (default: `hotness.top` from the configuration).
        #[arg(long, value_name = "N")]
        top: Option<usize>,
        #[command(flatten)]
        profile: ProfileArgs,
        #[command(flatten)]
        skills: SkillArgs,
        #[command(flatten)]
        walk: WalkArgs,
    },
    /// Measure a change: build and test the head tree, benchmark base and head interleaved.
    Bench {
        /// The revision to compare against.
        #[arg(long, value_name = "REV")]
        base: String,
        /// The revision with the change.
        #[arg(long, value_name = "REV")]
        head: String,
        /// The repository (default: the current directory).
        #[arg(default_value = ".")]
        path: PathBuf,
        #[arg(long, value_enum, default_value_t = HotspotsFormat::Text)]
        format: HotspotsFormat,
        /// Read configuration from this file instead of the repository's `.wattson.toml`.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// No progress on stderr.
        #[arg(long)]
        quiet: bool,
    },
    /// Find, rewrite, verify and measure: each surviving change becomes a local
    /// branch `wattson/<skill>/<fingerprint>` with a pull-request description.
    Propose {
        /// The code to improve, inside a git repository (default: the current directory).
        #[arg(default_value = ".")]
        path: PathBuf,
        #[arg(long, value_enum, default_value_t = HotspotsFormat::Text)]
        format: HotspotsFormat,
        /// Defense instead of offense: find regressions in this feed and propose their reverts.
        #[arg(long, value_name = "FILE")]
        feed: Option<PathBuf>,
        #[arg(long, value_enum, value_name = "FORMAT")]
        feed_format: Option<wattson::regress::feed::FeedFormat>,
        #[command(flatten)]
        profile: ProfileArgs,
        #[command(flatten)]
        skills: SkillArgs,
        #[command(flatten)]
        walk: WalkArgs,
    },
    /// Find change points (regressions and improvements) in a performance feed.
    Detect {
        /// JSON Lines, CSV, github-action-benchmark's data.js or Apache Otava's CSV.
        #[arg(long, value_name = "FILE")]
        feed: PathBuf,
        #[arg(long, value_enum, value_name = "FORMAT")]
        feed_format: Option<wattson::regress::feed::FeedFormat>,
        /// Order points by this repository's first-parent history.
        #[arg(long, value_name = "PATH")]
        repo: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = HotspotsFormat::Text)]
        format: HotspotsFormat,
        /// Read configuration from this file instead of the nearest `.wattson.toml`.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Rank the commits in good..bad by how likely each caused a regression.
    Attribute {
        #[arg(long, value_name = "PATH", default_value = ".")]
        repo: PathBuf,
        /// The last revision measured good.
        #[arg(long, value_name = "REV")]
        good: String,
        /// The first revision measured bad.
        #[arg(long, value_name = "REV")]
        bad: String,
        /// A profile of the good revision.
        #[arg(long, value_name = "FILE")]
        profile_before: Option<PathBuf>,
        /// A profile of the bad revision.
        #[arg(long, value_name = "FILE")]
        profile_after: Option<PathBuf>,
        #[arg(long, value_enum, value_name = "FORMAT")]
        profile_format: Option<ProfileFormat>,
        /// Also narrow the range to one commit by measuring (needs `bench` in `.wattson.toml`).
        #[arg(long)]
        bisect: bool,
        #[arg(long, value_enum, default_value_t = HotspotsFormat::Text)]
        format: HotspotsFormat,
        #[arg(long)]
        quiet: bool,
    },
    /// Revert a commit on top of HEAD, measure the revert, and propose it as a local branch.
    Revert {
        #[arg(long, value_name = "PATH", default_value = ".")]
        repo: PathBuf,
        /// The commit to revert.
        commit: String,
        #[arg(long, value_enum, default_value_t = HotspotsFormat::Text)]
        format: HotspotsFormat,
        #[arg(long)]
        quiet: bool,
    },
    /// Rewrite: print a unified diff, or apply it with --write.
    Fix {
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Apply the edits to the files in place.
        #[arg(long)]
        write: bool,
        #[command(flatten)]
        skills: SkillArgs,
        #[command(flatten)]
        walk: WalkArgs,
    },
    /// Serve the skills and the pipeline to AI agents: a Model Context Protocol server on stdio.
    Mcp(wattson::app::mcp::McpArgs),
    /// Run the GitHub App: receive webhooks, propose on pushes, answer reviewers' commands.
    Serve(wattson::app::server::ServeArgs),
    /// Run as a step of a GitHub Actions workflow (see action.yml).
    Action(wattson::app::action::ActionArgs),
    /// List, explain and test the skills.
    Skills {
        #[command(subcommand)]
        action: SkillsAction,
    },
}

#[derive(Subcommand)]
enum SkillsAction {
    /// One skill a line: id, tier, language, title.
    List {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        skills: SkillArgs,
    },
    /// Show a skill: why it is faster, its query, guards, edit and examples.
    Explain {
        id: String,
        #[command(flatten)]
        skills: SkillArgs,
    },
    /// The guard catalogue: the reusable predicates skills name.
    Guards,
    /// Run every skill's own examples (or those of one skill or language).
    Test {
        id: Option<String>,
        #[command(flatten)]
        skills: SkillArgs,
    },
}

fn load_skills(args: &SkillArgs) -> Result<SkillSet> {
    let set = match &args.skills_dir {
        Some(dir) => SkillSet::from_dir(dir)?,
        None => SkillSet::builtin().context("loading the built-in skills")?,
    };
    set.select(&args.skills)
}

fn options(walk: &WalkArgs) -> ScanOptions {
    ScanOptions {
        max_file_size: walk.max_file_size,
        progress: !walk.quiet && std::io::stderr().is_terminal(),
        include_tests: walk.include_tests,
    }
}

/// The git repository holding `path`, and its working tree's root.
fn discover_repo(path: &Path) -> Result<(git2::Repository, PathBuf)> {
    let repo = git2::Repository::discover(path)
        .with_context(|| format!("{} is not inside a git repository", path.display()))?;
    let root = repo
        .workdir()
        .with_context(|| {
            format!(
                "{} is a bare repository: wattson needs a working tree",
                path.display()
            )
        })?
        .to_path_buf();
    Ok((repo, root))
}

fn emit(output: Option<&Path>, text: &str) -> Result<()> {
    match output {
        Some(p) => std::fs::write(p, text).with_context(|| format!("writing {}", p.display())),
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth reporting.
            match out.write_all(text.as_bytes()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.context("writing to stdout"),
            }
        }
    }
}

fn load_config(args: &ProfileArgs, path: &Path) -> Result<Config> {
    match &args.config {
        Some(file) => Config::load(file),
        None => Config::discover(path),
    }
}

/// Read the profile and join it to the tree at `path`, saying on stderr how
/// much of it landed there.
fn load_hotness(
    file: &Path,
    args: &ProfileArgs,
    path: &Path,
    walk: &WalkArgs,
) -> Result<HotnessIndex> {
    let started = std::time::Instant::now();
    let profile = profile::read(file, args.profile_format)?;
    let (index, _skipped) = profile::index_tree(path, &profile, walk.max_file_size)?;
    if !walk.quiet {
        eprintln!(
            "wattson: profile {} ({}, {} {}): {:.1}% of its weight mapped to {} function(s) ({:.2}s)",
            file.display(),
            profile.format,
            profile.total,
            profile.unit,
            index.mapped_percent(),
            index.functions.len(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(index)
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Scan {
            path,
            format,
            output,
            fail_on_findings,
            profile,
            skills,
            walk,
        } => {
            let set = load_skills(&skills)?;
            let config = load_config(&profile, &path)?;
            let hotness = match &profile.profile {
                Some(file) => Some(load_hotness(file, &profile, &path, &walk)?),
                None => None,
            };
            let mut report = scan::scan(&set, &path, &options(&walk))?;
            if let Some(index) = &hotness {
                let min = profile.min_percent.unwrap_or(config.hotness.min_percent);
                scan::rank(&mut report, index, min);
                if let Some(r) = &report.ranking {
                    if r.cold > 0 {
                        eprintln!(
                            "wattson: {} finding(s) in functions under {min}% of the profile left out (--min-percent 0 shows them)",
                            r.cold
                        );
                    }
                }
            }
            let text = match format {
                Format::Text => report::text(&report),
                Format::Json => serde_json::to_string_pretty(&report::json(&report))? + "\n",
                Format::Sarif => {
                    serde_json::to_string_pretty(&report::sarif(&report, &set))? + "\n"
                }
            };
            emit(output.as_deref(), &text)?;
            for s in &report.skipped {
                eprintln!("wattson: skipped {}: {}", s.path, s.reason);
            }
            for f in &report.files {
                for n in f.notes.iter().filter(|n| n.contains("do not parse")) {
                    eprintln!("wattson: warning: {}: {n}", f.path);
                }
            }
            eprintln!(
                "wattson: {} finding(s) in {} file(s) ({} scanned, {:.1} MB, {:.2}s)",
                report.finding_count(),
                report
                    .files
                    .iter()
                    .filter(|f| !f.findings.is_empty())
                    .count(),
                report.stats.files,
                report.stats.bytes as f64 / 1e6,
                report.stats.seconds
            );
            if let Some(line) = report.stats.left_out_summary() {
                eprintln!("wattson: {line}");
            }
            Ok(if fail_on_findings && report.finding_count() > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Hotspots {
            path,
            format,
            top,
            profile,
            skills,
            walk,
        } => {
            let file = profile
                .profile
                .as_deref()
                .context("`wattson hotspots` needs --profile FILE")?;
            let config = load_config(&profile, &path)?;
            let set = load_skills(&skills)?;
            let index = load_hotness(file, &profile, &path, &walk)?;
            let report = scan::scan(&set, &path, &options(&walk))?;
            let top = top.unwrap_or(config.hotness.top);
            let shown = config.hotness.unmapped_shown;
            let text = match format {
                HotspotsFormat::Text => report::hotspots_text(&index, &report, top, shown),
                HotspotsFormat::Json => {
                    serde_json::to_string_pretty(&report::hotspots_json(
                        &index, &report, top, shown,
                    ))? + "\n"
                }
            };
            emit(None, &text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            base,
            head,
            path,
            format,
            config,
            quiet,
        } => {
            let config = match &config {
                Some(file) => Config::load(file)?,
                None => Config::discover(&path)?,
            };
            let session =
                wattson::evidence::ab::Session::start(&path, &base, &config.evidence, !quiet)?;
            let evidence = session.measure(&head)?;
            let text = match format {
                HotspotsFormat::Text => wattson::evidence::report::markdown(&evidence),
                HotspotsFormat::Json => {
                    serde_json::to_string_pretty(&wattson::evidence::report::json(&evidence))?
                        + "\n"
                }
            };
            emit(None, &text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Propose {
            path,
            format,
            feed,
            feed_format,
            profile,
            skills,
            walk,
        } => {
            let config = load_config(&profile, &path)?;
            if let Some(feed) = feed {
                let (_, root) = discover_repo(&path)?;
                let forge = wattson::forge::local::LocalForge::new(&root);
                let report = wattson::pipeline::propose_defense(
                    &root,
                    &feed,
                    feed_format,
                    &config,
                    &forge,
                    !walk.quiet,
                )?;
                let text = match format {
                    HotspotsFormat::Text => wattson::pipeline::text(&report),
                    HotspotsFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
                };
                emit(None, &text)?;
                return Ok(ExitCode::SUCCESS);
            }
            let set = load_skills(&skills)?;
            let opts = wattson::pipeline::ProposeOptions {
                skills: &set,
                config: &config,
                profile: profile.profile.clone(),
                profile_format: profile.profile_format,
                min_percent: profile.min_percent,
                scan: ScanOptions {
                    progress: false,
                    ..options(&walk)
                },
                only: None,
                progress: !walk.quiet,
            };
            let (_, root) = discover_repo(&path)?;
            let forge = wattson::forge::local::LocalForge::new(&root);
            let report = wattson::pipeline::propose(&path, &opts, &forge)?;
            let text = match format {
                HotspotsFormat::Text => wattson::pipeline::text(&report),
                HotspotsFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
            };
            emit(None, &text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Detect {
            feed,
            feed_format,
            repo,
            format,
            config,
        } => {
            let git =
                match &repo {
                    Some(r) => Some(git2::Repository::discover(r).with_context(|| {
                        format!("{} is not inside a git repository", r.display())
                    })?),
                    None => None,
                };
            let config = match (&config, &repo) {
                (Some(file), _) => Config::load(file)?,
                (None, Some(r)) => Config::discover(r)?,
                (None, None) => Config::discover(Path::new("."))?,
            };
            let started = std::time::Instant::now();
            let loaded = wattson::regress::feed::read(&feed, feed_format, git.as_ref())?;
            for w in &loaded.warnings {
                eprintln!("wattson: warning: {w}");
            }
            let points = wattson::regress::detect_feed(&loaded, &config.regression);
            eprintln!(
                "wattson: {} series, {} points, {} change point(s) ({:.2}s)",
                loaded.series.len(),
                loaded.series.iter().map(|s| s.points.len()).sum::<usize>(),
                points.len(),
                started.elapsed().as_secs_f64()
            );
            let text = match format {
                HotspotsFormat::Text => wattson::regress::text(&points),
                HotspotsFormat::Json => {
                    serde_json::to_string_pretty(&serde_json::json!({ "change_points": points }))?
                        + "\n"
                }
            };
            emit(None, &text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Attribute {
            repo,
            good,
            bad,
            profile_before,
            profile_after,
            profile_format,
            bisect,
            format,
            quiet,
        } => {
            use wattson::regress::attribute;
            let (git, root) = discover_repo(&repo)?;
            // Each profile is joined to the tree it was taken of.
            let index_at = |rev: &str, file: &Option<PathBuf>| -> Result<Option<HotnessIndex>> {
                let Some(file) = file else { return Ok(None) };
                let tree = wattson::evidence::worktree::Worktree::add(&root, rev, "attribute")?;
                let profile = profile::read(file, profile_format)?;
                let (index, _) = profile::index_tree(&tree.path, &profile, DEFAULT_MAX_FILE_SIZE)?;
                Ok(Some(index))
            };
            let before = index_at(&good, &profile_before)?;
            let after = index_at(&bad, &profile_after)?;
            let profiles = attribute::Profiles {
                before: before.as_ref(),
                after: after.as_ref(),
            };
            let suspects = attribute::attribute(&git, &good, &bad, &profiles)?;
            let bisected = if bisect {
                let config = Config::discover(&root)?;
                Some(attribute::bisect(&root, &good, &bad, &config.evidence, !quiet)?.to_string())
            } else {
                None
            };
            let text = match format {
                HotspotsFormat::Json => {
                    let mut v = serde_json::json!({ "suspects": suspects });
                    if let Some(b) = &bisected {
                        v["bisected"] = serde_json::json!(b);
                    }
                    serde_json::to_string_pretty(&v)? + "\n"
                }
                HotspotsFormat::Text => {
                    let mut out = String::new();
                    if let Some(b) = &bisected {
                        out.push_str(&format!("bisection: the regression starts at {b}\n\n"));
                    }
                    for s in &suspects {
                        out.push_str(&format!(
                            "{:>7.2}  {}  {}\n",
                            s.score,
                            &s.commit[..s.commit.len().min(10)],
                            s.summary
                        ));
                        for r in &s.reasons {
                            out.push_str(&format!("         - {r}\n"));
                        }
                    }
                    out
                }
            };
            emit(None, &text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Revert {
            repo,
            commit,
            format,
            quiet,
        } => {
            let (git, root) = discover_repo(&repo)?;
            let config = Config::discover(&root)?;
            let described = wattson::regress::attribute::suspect(
                &git,
                wattson::regress::attribute::resolve(&git, &commit)?,
                &Default::default(),
            )?;
            let context = wattson::pipeline::RevertContext {
                why: format!(
                    "Reverting {} (\"{}\") to undo the performance regression it caused: {}.",
                    &described.commit[..10],
                    described.summary,
                    described.reasons.join("; ")
                ),
                sections: Vec::new(),
            };
            let forge = wattson::forge::local::LocalForge::new(&root);
            let candidate = wattson::pipeline::propose_revert(
                &root, &commit, &context, &config, &forge, !quiet,
            )?;
            let proposed = matches!(candidate.outcome, wattson::pipeline::Outcome::Proposed(_));
            let report = wattson::pipeline::ProposeReport {
                repository: root.display().to_string(),
                base_commit: git.head()?.peel_to_commit()?.id().to_string(),
                candidates: vec![candidate],
                cold_left_out: 0,
                not_measured: 0,
            };
            let text = match format {
                HotspotsFormat::Text => wattson::pipeline::text(&report),
                HotspotsFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
            };
            emit(None, &text)?;
            Ok(if proposed {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Fix {
            path,
            write,
            skills,
            walk,
        } => {
            let set = load_skills(&skills)?;
            let report = scan::fix(&set, &path, &options(&walk))?;
            for s in &report.skipped {
                eprintln!("wattson: skipped {}: {}", s.path, s.reason);
            }
            let changed: Vec<_> = report.files.iter().filter(|f| f.changed()).collect();
            let applied: usize = changed.iter().map(|f| f.outcome.applied.len()).sum();
            if write {
                let written = scan::write_fixes(&report)?;
                eprintln!("wattson: applied {applied} edit(s) to {written} file(s)");
            } else {
                let diff: String = changed.iter().map(|f| f.diff()).collect();
                emit(None, &diff)?;
                eprintln!(
                    "wattson: {applied} edit(s) in {} file(s); run with --write to apply",
                    changed.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Mcp(args) => {
            wattson::app::mcp::run(args)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => wattson::app::server::run(args),
        Command::Action(args) => wattson::app::action::run(args),
        Command::Skills { action } => match action {
            SkillsAction::List { format, skills } => {
                let set = load_skills(&skills)?;
                let text = match format {
                    Format::Text => set
                        .skills()
                        .iter()
                        .map(|s| {
                            format!(
                                "{:<40} {:<7} {}\n",
                                s.id(),
                                format!("{:?}", s.spec.tier).to_lowercase(),
                                s.spec.title
                            )
                        })
                        .collect(),
                    _ => {
                        let list: Vec<_> = set
                            .skills()
                            .iter()
                            .map(|s| serde_json::json!({"id": s.id(), "language": s.lang, "tier": s.spec.tier, "title": s.spec.title, "why": s.spec.why.trim()}))
                            .collect();
                        serde_json::to_string_pretty(&list)? + "\n"
                    }
                };
                emit(None, &text)?;
                Ok(ExitCode::SUCCESS)
            }
            SkillsAction::Explain { id, skills } => {
                let set = load_skills(&skills)?;
                let skill = set
                    .get(&id)
                    .with_context(|| format!("no skill `{id}` (see `wattson skills list`)"))?;
                emit(None, &explain(skill))?;
                Ok(ExitCode::SUCCESS)
            }
            SkillsAction::Guards => {
                let text: String = wattson::skills::guard::catalogue()
                    .iter()
                    .map(|g| {
                        format!(
                            "{}  binds: [{}]\n    {}\n",
                            g.name,
                            g.binds.join(", "),
                            g.doc
                        )
                    })
                    .collect();
                emit(None, &text)?;
                Ok(ExitCode::SUCCESS)
            }
            SkillsAction::Test { id, skills } => {
                let set = load_skills(&skills)?;
                let (checked, failures) = examples::check_all(&set, id.as_deref());
                if checked == 0 {
                    anyhow::bail!("no skill matches `{}`", id.unwrap_or_default());
                }
                for f in &failures {
                    eprintln!("FAIL {} [{}]: {}", f.skill, f.kind, f.detail);
                }
                let failed: std::collections::BTreeSet<&str> =
                    failures.iter().map(|f| f.skill.as_str()).collect();
                println!("{} passed, {} failed", checked - failed.len(), failed.len());
                Ok(if failures.is_empty() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                })
            }
        },
    }
}

fn explain(skill: &wattson::skills::Skill) -> String {
    let s = &skill.spec;
    let mut out = format!(
        "{} — {}\ntier: {:?}\n\nWhy it is faster:\n  {}\n\nQuery:\n{}\n",
        s.id,
        s.title,
        s.tier,
        s.why.trim(),
        s.query.trim_end()
    );
    out.push_str("\nGuards:\n");
    for g in &s.guards {
        out.push_str(&format!("  {g}\n"));
    }
    out.push_str("\nEdit:\n");
    for e in &s.edit {
        out.push_str(&format!("  {e}\n"));
    }
    for (i, ex) in s.examples.iter().enumerate() {
        out.push_str(&format!(
            "\nExample {}:\n--- before\n{}\n--- after\n{}\n",
            i + 1,
            ex.before.trim_end(),
            ex.after.trim_end()
        ));
    }
    for (i, la) in s.leave_alone.iter().enumerate() {
        out.push_str(&format!(
            "\nLeave alone {} ({}):\n{}\n",
            i + 1,
            la.why,
            la.code.trim_end()
        ));
    }
    for v in &s.variants {
        out.push_str(&format!(
            "\nVariant `{}` (`@wattson refine variant {}`): {}\nEdit:\n",
            v.name,
            v.name,
            v.description.trim()
        ));
        for e in &v.edit {
            out.push_str(&format!("  {e}\n"));
        }
    }
    out
}

/// mimalloc for Rust's allocations and tree-sitter's: parsing a large tree
/// is allocation-heavy, and glibc's malloc cost about 7% of a C++ scan.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    wattson::lang::use_fast_allocator();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("wattson: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
