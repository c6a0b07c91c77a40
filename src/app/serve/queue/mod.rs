//! The durable job queue behind `wattson serve`: one small trait, two stores.
//!
//! A delivery is a row from the moment it is proven until long after its job
//! is done (finished jobs are the history `/jobs` and `wattson jobs` show).
//! Workers *claim* a job with a lease: the job is theirs until the lease runs
//! out, and they renew it while the job runs. A worker that dies (SIGKILL, a
//! lost machine) stops renewing, so its job becomes claimable again once the
//! lease has expired, by any instance that shares the store. The delivery id
//! is the row's unique key, so a redelivery, whichever instance receives
//! it, is refused as a duplicate by the store itself.
//!
//! - `sqlite:PATH` (the default, in the state directory): built in, for one
//!   server.
//! - `postgres://…`: for several servers sharing the work; claims use
//!   `FOR UPDATE SKIP LOCKED`, so instances never wait on each other's rows.
//!
//! Times are epoch milliseconds from the store's own clock where it has one
//! (PostgreSQL), so instances on different machines agree about leases.

mod postgres;
mod sqlite;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use serde::Serialize;

/// A job whose lease expired this many times is given up (it kills every
/// worker that takes it) and recorded as failed.
pub const MAX_ATTEMPTS: i32 = 3;

/// Which jobs go first: a person just did something (webhooks), or the
/// schedule came round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Priority {
    Webhook = 0,
    Scheduled = 1,
}

/// A job to store.
#[derive(Clone, Debug)]
pub struct NewJob {
    /// Unique across every instance: GitHub's `X-GitHub-Delivery`, or a
    /// name the scheduler derives from the repository and the period.
    pub delivery: String,
    pub event: String,
    /// `owner/name`, when the job is about one repository (for the history).
    pub repo: Option<String>,
    pub payload: Vec<u8>,
    pub priority: Priority,
    /// Not claimable before this epoch millisecond (the schedule's jitter).
    pub not_before_ms: i64,
}

/// A claimed job.
#[derive(Clone, Debug)]
pub struct Job {
    pub id: i64,
    pub delivery: String,
    pub event: String,
    pub payload: Vec<u8>,
    /// 1 the first time it is claimed; more when a lease expired before.
    pub attempt: i32,
}

/// How a job ended.
#[derive(Clone, Debug)]
pub enum Finish {
    Done(String),
    Failed(String),
}

/// One job as the history shows it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct JobRecord {
    pub id: i64,
    pub delivery: String,
    pub event: String,
    pub repo: Option<String>,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    pub attempts: i32,
    /// The worker that holds or held it (`host:pid:n`).
    pub owner: Option<String>,
    pub received_ms: i64,
    pub started_ms: Option<i64>,
    pub finished_ms: Option<i64>,
    /// What came of it: the job's summary, or why it failed.
    pub result: Option<String>,
}

/// How many jobs are in each state.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub queued: u64,
    pub running: u64,
    pub done: u64,
    pub failed: u64,
}

/// Which jobs the history lists, newest first.
#[derive(Clone, Debug, Default)]
pub struct JobQuery {
    pub state: Option<String>,
    pub repo: Option<String>,
    pub delivery: Option<String>,
    pub limit: usize,
}

/// The store. Every call blocks (it is a database round trip); async code
/// calls it on a blocking thread.
pub trait Queue: Send + Sync {
    /// Store `job`; false when its delivery id was stored before (by any
    /// instance): the caller answers "duplicate" and nothing runs.
    fn enqueue(&self, job: &NewJob) -> Result<bool>;
    /// Take the next claimable job for `worker`, webhook jobs first, oldest
    /// first: a queued one that is due, or a running one whose lease ran out.
    fn claim(&self, worker: &str, lease: Duration) -> Result<Option<Job>>;
    /// Extend `worker`'s lease on job `id`; false when it is no longer
    /// theirs (the lease expired and another worker took it).
    fn renew(&self, id: i64, worker: &str, lease: Duration) -> Result<bool>;
    /// Record how job `id` ended; false when it was no longer `worker`'s.
    fn finish(&self, id: i64, worker: &str, finish: &Finish) -> Result<bool>;
    fn jobs(&self, query: &JobQuery) -> Result<Vec<JobRecord>>;
    fn counts(&self) -> Result<Counts>;
}

/// Open the store `spec` names: `sqlite:PATH` or `postgres://…`
/// (`postgresql://…`), creating its table if needed.
pub fn open(spec: &str) -> Result<Arc<dyn Queue>> {
    if let Some(path) = spec.strip_prefix("sqlite:") {
        let path = path.strip_prefix("//").unwrap_or(path);
        anyhow::ensure!(!path.is_empty(), "`--queue sqlite:PATH` needs a path");
        return Ok(Arc::new(sqlite::SqliteQueue::open(Path::new(path))?));
    }
    if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
        return Ok(Arc::new(
            postgres::PostgresQueue::open(spec).context("opening the PostgreSQL job queue")?,
        ));
    }
    anyhow::bail!("`--queue {spec}`: say `sqlite:PATH` or `postgres://USER@HOST:PORT/DB`")
}

/// The default store: SQLite in the state directory.
pub fn default_spec(state_dir: &Path) -> String {
    format!("sqlite:{}", state_dir.join("jobs.db").display())
}

/// Now, in epoch milliseconds, by this machine's clock.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// What the history keeps of a result: enough to read, not a whole log.
fn clip(text: &str) -> String {
    const MAX: usize = 16 << 10;
    if text.len() <= MAX {
        return text.to_string();
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// The message of a job given up after too many expired leases.
fn abandoned(attempts: i32) -> String {
    format!("abandoned: its worker stopped renewing the lease {attempts} times (killed, or the job kills it)")
}

#[cfg(test)]
#[path = "../../../../tests/it/common/postgres.rs"]
mod testdb;

#[cfg(test)]
mod tests {
    use super::*;

    fn job(delivery: &str, priority: Priority) -> NewJob {
        NewJob {
            delivery: delivery.into(),
            event: "ping".into(),
            repo: Some("o/r".into()),
            payload: b"{}".to_vec(),
            priority,
            not_before_ms: 0,
        }
    }

    /// The contract every store keeps, on SQLite and on a real PostgreSQL.
    fn contract(q: &dyn Queue) {
        let lease = Duration::from_millis(300);
        assert!(q.enqueue(&job("a", Priority::Scheduled)).unwrap());
        assert!(q.enqueue(&job("b", Priority::Webhook)).unwrap());
        assert!(
            !q.enqueue(&job("b", Priority::Webhook)).unwrap(),
            "the delivery id is unique"
        );
        let mut later = job("later", Priority::Webhook);
        later.not_before_ms = now_ms() + 60_000;
        assert!(q.enqueue(&later).unwrap());

        let first = q.claim("w1", lease).unwrap().unwrap();
        assert_eq!(
            (first.delivery.as_str(), first.attempt),
            ("b", 1),
            "webhook jobs first"
        );
        let second = q.claim("w2", lease).unwrap().unwrap();
        assert_eq!(second.delivery, "a");
        assert!(
            q.claim("w3", lease).unwrap().is_none(),
            "`later` is not due"
        );
        assert!(q.renew(first.id, "w1", lease).unwrap());
        assert!(!q.renew(first.id, "w2", lease).unwrap(), "not w2's");
        assert!(q
            .finish(first.id, "w1", &Finish::Done("pong".into()))
            .unwrap());
        assert!(
            !q.finish(first.id, "w1", &Finish::Done("again".into()))
                .unwrap(),
            "finished once"
        );

        // w2 dies: its lease runs out and w3 takes the job over.
        std::thread::sleep(lease + Duration::from_millis(100));
        let taken = q.claim("w3", lease).unwrap().unwrap();
        assert_eq!((taken.delivery.as_str(), taken.attempt), ("a", 2));
        assert!(
            !q.finish(second.id, "w2", &Finish::Done("late".into()))
                .unwrap(),
            "w2 lost it"
        );
        assert!(q
            .finish(taken.id, "w3", &Finish::Failed("boom".into()))
            .unwrap());

        let counts = q.counts().unwrap();
        assert_eq!(
            counts,
            Counts {
                queued: 1,
                running: 0,
                done: 1,
                failed: 1
            }
        );
        let all = q
            .jobs(&JobQuery {
                limit: 10,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            all.iter().map(|j| j.delivery.as_str()).collect::<Vec<_>>(),
            ["later", "b", "a"]
        );
        let b = &all[1];
        assert_eq!(
            (
                b.state.as_str(),
                b.attempts,
                b.owner.as_deref(),
                b.result.as_deref()
            ),
            ("done", 1, Some("w1"), Some("pong"))
        );
        assert!(b.started_ms.is_some() && b.finished_ms >= b.started_ms);
        let failed = q
            .jobs(&JobQuery {
                state: Some("failed".into()),
                limit: 10,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(failed.len(), 1);
        assert_eq!(
            (failed[0].owner.as_deref(), failed[0].attempts),
            (Some("w3"), 2)
        );

        // A job whose every worker dies is given up after MAX_ATTEMPTS.
        assert!(q.enqueue(&job("poison", Priority::Webhook)).unwrap());
        for n in 1..=MAX_ATTEMPTS {
            let j = q.claim("w", Duration::from_millis(50)).unwrap().unwrap();
            assert_eq!((j.delivery.as_str(), j.attempt), ("poison", n));
            std::thread::sleep(Duration::from_millis(80));
        }
        assert!(q.claim("w", lease).unwrap().is_none());
        let poison = q
            .jobs(&JobQuery {
                delivery: Some("poison".into()),
                limit: 1,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(poison[0].state, "failed");
        assert!(
            poison[0]
                .result
                .as_deref()
                .unwrap_or("")
                .starts_with("abandoned"),
            "{poison:?}"
        );
    }

    #[test]
    fn sqlite_keeps_the_contract_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let spec = format!("sqlite:{}", dir.path().join("jobs.db").display());
        contract(&*open(&spec).unwrap());
        let again = open(&spec).unwrap();
        assert_eq!(again.counts().unwrap().done, 1, "the history is on disk");
        assert!(
            !again.enqueue(&job("a", Priority::Webhook)).unwrap(),
            "and so are the ids"
        );
    }

    #[test]
    fn postgres_keeps_the_contract() {
        let pg = testdb::Postgres::start();
        let url = pg.database("contract");
        contract(&*open(&url).unwrap());
        let again = open(&url).unwrap();
        assert_eq!(
            again.counts().unwrap().done,
            1,
            "the history is in the database"
        );
    }

    #[test]
    fn specs_are_checked() {
        assert!(open("mysql://x").is_err());
        assert!(open("sqlite:").is_err());
        assert_eq!(default_spec(Path::new("st")), "sqlite:st/jobs.db");
    }
}
