//! The schedule: every repository of every installation is looked at
//! regularly, not only when a push touches it (Renovate's self-hosted server
//! does the same). Each instance runs this loop; what it enqueues is named by
//! the repository and the period (`schedule:owner/name:<n>`), so however many
//! instances share the queue, a repository gets one job per period. Each
//! repository has its own moment in the period (a hash of its name): the
//! jitter that keeps a thousand repositories from starting at once. Scheduled
//! jobs wait behind webhook jobs, and scan the whole tree.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde_json::json;

use super::queue::{now_ms, NewJob, Priority, Queue};
use super::worker::Worker;

/// The event name of a scheduled job.
pub const SCHEDULE_EVENT: &str = "wattson_schedule";

/// `--schedule`: `daily` (the default), `hourly`, `weekly`, `off`, or a
/// period such as `30m`, `6h`, `2d`, `90s`.
pub fn parse_period(text: &str) -> Result<Option<Duration>> {
    let t = text.trim().to_ascii_lowercase();
    let secs = match t.as_str() {
        "off" | "never" | "none" => return Ok(None),
        "hourly" => 3600,
        "daily" => 86_400,
        "weekly" => 7 * 86_400,
        _ => {
            let (n, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
            let n: u64 = n.parse().with_context(|| {
                format!("--schedule `{text}`: say daily, hourly, weekly, off, or a period like 6h")
            })?;
            let per = match unit {
                "s" | "" => 1,
                "m" => 60,
                "h" => 3600,
                "d" => 86_400,
                _ => bail!("--schedule `{text}`: the unit is s, m, h or d"),
            };
            n * per
        }
    };
    if secs == 0 {
        bail!("--schedule `{text}`: the period must be longer than zero");
    }
    Ok(Some(Duration::from_secs(secs)))
}

/// Where in each period `repo`'s job is due, in milliseconds from the
/// period's start: spread evenly over the period by a hash of the name.
pub fn offset_ms(repo: &str, period: Duration) -> i64 {
    let hash = repo.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    (hash % (period.as_millis().max(1) as u64)) as i64
}

/// The job of `repo` for the period holding `now_ms`.
pub fn job_for(repo: &str, installation: u64, period: Duration, now_ms: i64) -> NewJob {
    let p = period.as_millis().max(1) as i64;
    let slot = now_ms.div_euclid(p);
    NewJob {
        delivery: format!("schedule:{repo}:{slot}"),
        event: SCHEDULE_EVENT.to_string(),
        repo: Some(repo.to_string()),
        payload: json!({
            "repository": { "full_name": repo },
            "installation": { "id": installation },
        })
        .to_string()
        .into_bytes(),
        priority: Priority::Scheduled,
        not_before_ms: slot * p + offset_ms(repo, period),
    }
}

/// Enqueue every installed repository's job of the current period, again
/// every few minutes (a repository installed meanwhile is picked up; those
/// enqueued already are duplicates and cost one row lookup).
pub async fn run(
    period: Duration,
    worker: Arc<Worker>,
    queue: Arc<dyn Queue>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let tick = (period / 4).clamp(Duration::from_secs(1), Duration::from_secs(300));
    loop {
        match worker.connector.installed_repositories().await {
            Ok(repos) => {
                let now = now_ms();
                let jobs: Vec<NewJob> = repos
                    .iter()
                    .map(|(repo, inst)| job_for(repo, *inst, period, now))
                    .collect();
                let q = queue.clone();
                let stored = tokio::task::spawn_blocking(move || {
                    jobs.iter()
                        .map(|j| q.enqueue(j).map(usize::from))
                        .sum::<Result<usize>>()
                })
                .await;
                match stored {
                    Ok(Ok(n)) if n > 0 => tracing::info!(
                        repositories = repos.len(),
                        new = n,
                        "scheduled the period's scans"
                    ),
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => tracing::warn!("scheduling: {e:#}"),
                    Err(e) => tracing::warn!("scheduling: {e}"),
                }
            }
            Err(e) => tracing::warn!("listing the installed repositories for the schedule: {e:#}"),
        }
        tokio::select! {
            _ = tokio::time::sleep(tick) => {},
            _ = stop.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse() {
        let d = |s| parse_period(s).unwrap().map(|d| d.as_secs());
        assert_eq!(d("daily"), Some(86_400));
        assert_eq!(d("6h"), Some(21_600));
        assert_eq!(d("90s"), Some(90));
        assert_eq!(d("30m"), Some(1800));
        assert_eq!(d("off"), None);
        assert!(parse_period("0h").is_err());
        assert!(parse_period("soon").is_err());
        assert!(parse_period("3y").is_err());
    }

    #[test]
    fn each_repository_has_one_job_a_period_at_its_own_moment() {
        let day = Duration::from_secs(86_400);
        let t = 1_700_000_000_000;
        let a = job_for("octo/a", 1, day, t);
        assert_eq!(
            a.delivery,
            job_for("octo/a", 1, day, t + 1000).delivery,
            "the same period, the same job"
        );
        assert_ne!(
            a.delivery,
            job_for("octo/a", 1, day, t + 86_400_000).delivery,
            "the next period, a new one"
        );
        assert_eq!(a.priority, Priority::Scheduled);
        // Spread over the day: a thousand repositories do not share a moment.
        let mut moments: Vec<i64> = (0..1000)
            .map(|i| offset_ms(&format!("org/repo-{i}"), day))
            .collect();
        moments.sort();
        moments.dedup();
        assert!(moments.len() > 990);
        assert!(moments.iter().all(|&m| (0..86_400_000).contains(&m)));
        let hours: std::collections::BTreeSet<i64> =
            moments.iter().map(|m| m / 3_600_000).collect();
        assert_eq!(hours.len(), 24, "every hour has some");
    }
}
