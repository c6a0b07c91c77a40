//! `wattson jobs`: the App's job queue read by a person, the same history
//! `GET /jobs` serves, straight from the store (SQLite file or PostgreSQL).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use super::queue::{self, JobQuery, JobRecord};

#[derive(clap::Args, Debug)]
pub struct JobsArgs {
    /// The job queue `wattson serve` uses: `sqlite:PATH` or `postgres://…`
    /// (default: `sqlite:STATE_DIR/jobs.db`).
    #[arg(long, env = "WATTSON_QUEUE", hide_env_values = true)]
    pub queue: Option<String>,
    /// The server's state directory (for the default queue).
    #[arg(long, env = "WATTSON_STATE_DIR", default_value = "wattson-state")]
    pub state_dir: PathBuf,
    /// Only jobs in this state.
    #[arg(long, value_parser = ["queued", "running", "done", "failed"])]
    pub state: Option<String>,
    /// Only jobs about this repository (`owner/name`).
    #[arg(long)]
    pub repo: Option<String>,
    /// Only the job of this delivery id.
    #[arg(long)]
    pub delivery: Option<String>,
    /// How many jobs, newest first.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    #[arg(long, value_enum, default_value_t = crate::app::cli::args::TextOrJson::Text)]
    pub format: crate::app::cli::args::TextOrJson,
}

pub fn run(args: JobsArgs) -> Result<ExitCode> {
    let spec = args
        .queue
        .clone()
        .unwrap_or_else(|| queue::default_spec(&args.state_dir));
    if let Some(path) = spec.strip_prefix("sqlite:") {
        // Reading must not create an empty queue where none was.
        anyhow::ensure!(
            std::path::Path::new(path).is_file(),
            "no job queue at {path}: pass --queue or --state-dir as `wattson serve` had them"
        );
    }
    let store = queue::open(&spec)?;
    let jobs = store.jobs(&JobQuery {
        state: args.state,
        repo: args.repo,
        delivery: args.delivery,
        limit: args.limit,
    })?;
    let counts = store.counts()?;
    match args.format {
        crate::app::cli::args::TextOrJson::Json => {
            println!(
                "{}",
                serde_json::to_string_pretty(
                    &serde_json::json!({ "counts": counts, "jobs": jobs })
                )?
            );
        }
        crate::app::cli::args::TextOrJson::Text => {
            println!(
                "{} queued, {} running, {} done, {} failed",
                counts.queued, counts.running, counts.done, counts.failed
            );
            for j in &jobs {
                println!("{}", line(j));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One job on one line: id, state, attempts, event, repository, delivery,
/// how long it ran, and the first line of its result.
fn line(j: &JobRecord) -> String {
    let took = match (j.started_ms, j.finished_ms) {
        (Some(s), Some(f)) => format!("{:.1}s", (f - s) as f64 / 1000.0),
        _ => "-".into(),
    };
    let result = j
        .result
        .as_deref()
        .and_then(|r| r.lines().next())
        .unwrap_or("");
    format!(
        "#{} {:7} x{} {} {} {} {} {}",
        j.id,
        j.state,
        j.attempts,
        j.event,
        j.repo.as_deref().unwrap_or("-"),
        j.delivery,
        took,
        result
    )
}
