//! `wattson` on the command line: each subcommand is one use case of
//! [`crate::ops`]; this module only turns arguments into its request and its
//! result into text, JSON or SARIF on stdout, with the messages for a person
//! on stderr.
//!
//! Exit codes: 0 success; 1 `scan --fail-on-findings` found something,
//! `skills test` had a failing example, or `revert` was not proposed; 2 bad
//! usage or input (`main` prints the reason).

pub mod args;
pub mod reporter;

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;

use crate::ops::scan::{BranchFixRequest, FixRequest, HotspotsRequest, ProfileRequest};
use crate::ops::{self, Logged, Result, Skills};
use crate::report;
use crate::scan::ScanOptions;
pub use args::Cli;
use args::{Command, Format, ProfileArgs, SkillArgs, SkillsAction, TextOrJson, WalkArgs};

fn skills(args: &SkillArgs) -> Skills {
    Skills::new(args.skills_dir.clone())
}

fn walk(args: &WalkArgs) -> ScanOptions {
    ScanOptions {
        max_file_size: args.max_file_size,
        progress: !args.quiet && std::io::stderr().is_terminal(),
        include_tests: args.include_tests,
    }
}

fn profile(args: &ProfileArgs) -> ProfileRequest {
    ProfileRequest {
        file: args.profile.clone(),
        format: args.profile_format,
        min_percent: args.min_percent,
    }
}

/// Write `text` to `output` or stdout.
/// `--feed`: a file, or `git:<branch>:<path>` in the repository.
fn feed_source(path: &Path) -> Result<crate::regress::feed::FeedSource> {
    crate::regress::feed::FeedSource::from_path(path).map_err(ops::Error::invalid)
}

fn emit(output: Option<&Path>, text: &str) -> Result<()> {
    match output {
        Some(p) => std::fs::write(p, text)
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", p.display()).into()),
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth reporting.
            match out.write_all(text.as_bytes()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.map_err(|e| anyhow::anyhow!("writing to stdout: {e}").into()),
            }
        }
    }
}

/// Pretty JSON, as every `--format json` prints it.
fn json<T: Serialize>(value: &T) -> Result<String> {
    Ok(serde_json::to_string_pretty(value)? + "\n")
}

/// Text or JSON of one result.
fn show<T: Serialize>(
    format: TextOrJson,
    value: &T,
    text: impl FnOnce(&T) -> String,
) -> Result<()> {
    emit(
        None,
        &match format {
            TextOrJson::Text => text(value),
            TextOrJson::Json => json(value)?,
        },
    )
}

/// Whether the command asked for quiet (only warnings and errors on stderr).
fn quiet(command: &Command) -> bool {
    match command {
        Command::Scan { walk, .. }
        | Command::Hotspots { walk, .. }
        | Command::Propose { walk, .. }
        | Command::Fix { walk, .. } => walk.quiet,
        Command::Bench { quiet, .. }
        | Command::Attribute { quiet, .. }
        | Command::Revert { quiet, .. } => *quiet,
        // An MCP client does not read the server's stderr.
        Command::Mcp(_) => true,
        Command::Detect { .. }
        | Command::Init { .. }
        | Command::Serve(_)
        | Command::Jobs(_)
        | Command::Action(_)
        | Command::Skills { .. } => false,
    }
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    // The server logs with its own subscriber (times, levels, WATTSON_LOG).
    if !matches!(cli.command, Command::Serve(_)) {
        reporter::init(quiet(&cli.command));
    }
    match cli.command {
        Command::Scan {
            path,
            format,
            output,
            fail_on_findings,
            profile: p,
            skills: s,
            walk: w,
        } => {
            let skills = skills(&s);
            let req = ops::scan::ScanRequest {
                path,
                skills: s.skills.clone(),
                profile: profile(&p),
                config: p.config.clone(),
                walk: walk(&w),
            };
            let report = ops::scan::scan(&skills, &req, &Logged)?;
            if let Some(r) = report
                .profile
                .as_ref()
                .filter(|r| r.cold_findings_left_out > 0)
            {
                eprintln!(
                    "wattson: {} finding(s) in functions under {}% of the profile left out (--min-percent 0 shows them)",
                    r.cold_findings_left_out, r.min_percent
                );
            }
            let text = match format {
                Format::Text => report::text(&report),
                Format::Json => json(&report)?,
                Format::Sarif => json(&report::sarif(&report, &*skills.select(&s.skills)?))?,
            };
            emit(output.as_deref(), &text)?;
            for s in &report.skipped {
                eprintln!("wattson: skipped {}: {}", s.path, s.reason);
            }
            for n in report
                .notes
                .iter()
                .filter(|n| n.note.contains("do not parse"))
            {
                eprintln!("wattson: warning: {}: {}", n.path, n.note);
            }
            eprintln!(
                "wattson: {} finding(s) in {} file(s) ({} scanned, {:.1} MB, {:.2}s)",
                report.findings.len(),
                report.files_with_findings(),
                report.stats.files,
                report.stats.bytes as f64 / 1e6,
                report.stats.seconds
            );
            if let Some(line) = report.stats.left_out_summary() {
                eprintln!("wattson: {line}");
            }
            Ok(exit(!fail_on_findings || report.findings.is_empty()))
        }
        Command::Hotspots {
            path,
            format,
            top,
            profile: p,
            skills: s,
            walk: w,
        } => {
            let req = HotspotsRequest {
                scan: ops::scan::ScanRequest {
                    path,
                    skills: s.skills.clone(),
                    profile: profile(&p),
                    config: p.config.clone(),
                    walk: walk(&w),
                },
                top,
            };
            let hot = ops::scan::hotspots(&skills(&s), &req, &Logged)?;
            show(format, &hot, report::Hotspots::text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            base,
            head,
            path,
            format,
            config,
            quiet: _,
        } => {
            let req = ops::measure::BenchRequest {
                path,
                base,
                head,
                config,
            };
            let evidence = ops::measure::bench(&req, &Logged)?;
            show(format, &evidence, crate::evidence::report::markdown)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Propose {
            path,
            format,
            feed,
            feed_format,
            profile: p,
            skills: s,
            walk: w,
        } => {
            let feed = feed.as_deref().map(feed_source).transpose()?;
            let req = ops::propose::ProposeRequest {
                path,
                skills: s.skills.clone(),
                profile: profile(&p),
                feed,
                feed_format,
                config: p.config.clone(),
                walk: walk(&w),
            };
            let report = ops::propose::propose(&skills(&s), &req, None, &Logged)?;
            show(format, &report, crate::pipeline::text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Detect {
            feed,
            feed_format,
            repo,
            format,
            config,
        } => {
            let req = ops::defense::DetectRequest {
                feed: feed_source(&feed)?,
                format: feed_format,
                repo,
                config,
            };
            let found = ops::defense::detect(&req, &Logged)?;
            for w in &found.warnings {
                eprintln!("wattson: warning: {w}");
            }
            show(format, &found, ops::defense::ChangePoints::text)?;
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
            quiet: _,
        } => {
            let req = ops::defense::AttributeRequest {
                repo,
                good,
                bad,
                profile_before,
                profile_after,
                profile_format,
                bisect,
            };
            let found = ops::defense::attribute(&req, &Logged)?;
            show(format, &found, ops::defense::Attribution::text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Revert {
            repo,
            commit,
            prepare: true,
            format,
            ..
        } => {
            let prepared = ops::defense::prepare_revert(&repo, &commit)?;
            show(format, &prepared, ops::defense::PreparedRevert::text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Revert {
            repo,
            commit,
            format,
            quiet: _,
            ..
        } => {
            let report = ops::defense::revert(&repo, &commit, &Logged)?;
            show(format, &report, crate::pipeline::text)?;
            Ok(exit(ops::defense::all_proposed(&report)))
        }
        Command::Fix {
            path,
            write,
            branch: Some(branch),
            format,
            skills: s,
            walk: w,
        } => {
            debug_assert!(!write, "clap keeps --write and --branch apart");
            let req = BranchFixRequest {
                path,
                skills: s.skills.clone(),
                branch: Some(branch),
                walk: walk(&w),
            };
            let fixed = ops::scan::fix_on_branch(&skills(&s), &req, &Logged)?;
            show(format, &fixed, |f| match (&f.branch, &f.commit) {
                (Some(b), Some(c)) => format!("{b} {c}\n"),
                _ => "nothing to rewrite; no branch made\n".to_string(),
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Fix {
            path,
            write,
            branch: None,
            format,
            skills: s,
            walk: w,
        } => {
            let req = FixRequest {
                path,
                skills: s.skills.clone(),
                walk: walk(&w),
                write,
            };
            let fixed = ops::scan::fix(&skills(&s), &req)?;
            for s in &fixed.skipped {
                eprintln!("wattson: skipped {}: {}", s.path, s.reason);
            }
            match (fixed.written, format) {
                (_, TextOrJson::Json) => emit(None, &json(&fixed)?)?,
                (Some(written), TextOrJson::Text) => eprintln!(
                    "wattson: applied {} edit(s) to {written} file(s)",
                    fixed.edits
                ),
                (None, TextOrJson::Text) => {
                    emit(None, &fixed.diff)?;
                    eprintln!(
                        "wattson: {} edit(s) in {} file(s); run with --write to apply",
                        fixed.edits,
                        fixed.files.len()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Mcp(args) => {
            crate::app::mcp::run(args)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => Ok(crate::app::serve::run(args)?),
        Command::Jobs(args) => Ok(crate::app::serve::history::run(args)?),
        Command::Init {
            path,
            write,
            workflow,
            format,
        } => {
            let req = ops::init::InitRequest {
                path,
                write,
                workflow: workflow.then(|| crate::app::serve::dispatch::WORKFLOW.to_string()),
            };
            let result = ops::init::init(&req)?;
            match format {
                TextOrJson::Json => println!("{}", serde_json::to_string_pretty(&result)?),
                TextOrJson::Text if result.written.is_empty() => {
                    print!("{}", result.inferred.config)
                }
                TextOrJson::Text => {
                    for w in &result.written {
                        eprintln!(
                            "wattson: wrote {w} ({} project)",
                            result.inferred.build_system
                        );
                    }
                }
            }
            if !result.inferred.measures {
                eprintln!("wattson: no benchmark was found: set `bench` in .wattson.toml, or nothing can be measured");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Action(args) => Ok(crate::app::action::run(args)?),
        Command::Skills { action } => skills_command(action),
    }
}

fn skills_command(action: SkillsAction) -> Result<ExitCode> {
    match action {
        SkillsAction::List { format, skills: s } => {
            let list = ops::skills::list_skills(&skills(&s), &s.skills)?;
            let text = match format {
                Format::Text => list.text(),
                // The bare list, as it has always been printed.
                _ => json(&list.skills)?,
            };
            emit(None, &text)?;
        }
        SkillsAction::Explain {
            id,
            format,
            skills: s,
        } => {
            let explained = ops::skills::explain_skill(&skills(&s), &id)?;
            show(format, &explained, ops::skills::SkillExplanation::text)?;
        }
        SkillsAction::Guards => {
            let text: String = crate::skills::guards::catalogue()
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
        }
        SkillsAction::Test { id, skills: s } => {
            let tested = ops::skills::test_skills(&skills(&s), &s.skills, id.as_deref())?;
            for f in &tested.failures {
                eprintln!("FAIL {} [{}]: {}", f.skill, f.kind, f.detail);
            }
            println!("{} passed, {} failed", tested.passed, tested.failed);
            return Ok(exit(tested.failures.is_empty()));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn exit(success: bool) -> ExitCode {
    if success {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
