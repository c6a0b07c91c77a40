//! The job queue in PostgreSQL, for several `wattson serve` instances that
//! share the work. A claim is one `UPDATE … WHERE id = (SELECT … FOR UPDATE
//! SKIP LOCKED)`: the row another instance is taking is skipped instead of
//! waited for, and the unique delivery id makes a redelivery a duplicate
//! whichever instance gets it. Lease times come from the server's clock
//! (`clock_timestamp()`), so instances need not agree on the time.

use std::sync::Mutex;
use std::time::Duration;

use anyhow::{Context, Result};
use postgres::{Client, NoTls};

use super::{
    abandoned, clip, Counts, Finish, Job, JobQuery, JobRecord, NewJob, Queue, MAX_ATTEMPTS,
};

/// The store's own "now", in epoch milliseconds.
const NOW_MS: &str = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

/// Connections kept open for reuse at most; more are opened when needed
/// and closed after use.
const POOL: usize = 8;

pub struct PostgresQueue {
    url: String,
    idle: Mutex<Vec<Client>>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS wattson_jobs (
    id BIGSERIAL PRIMARY KEY,
    delivery TEXT NOT NULL UNIQUE,
    event TEXT NOT NULL,
    repo TEXT,
    payload BYTEA NOT NULL,
    priority INTEGER NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    owner TEXT,
    lease_until BIGINT,
    not_before BIGINT NOT NULL,
    received_ms BIGINT NOT NULL,
    started_ms BIGINT,
    finished_ms BIGINT,
    result TEXT
);
CREATE INDEX IF NOT EXISTS wattson_jobs_claimable ON wattson_jobs (priority, id) WHERE state = 'queued';
CREATE INDEX IF NOT EXISTS wattson_jobs_leased ON wattson_jobs (lease_until) WHERE state = 'running';
";

/// An arbitrary key for `pg_advisory_lock`: instances starting together
/// create the table one at a time (concurrent `CREATE … IF NOT EXISTS`
/// can still collide in PostgreSQL's catalogue).
const SCHEMA_LOCK: i64 = 0x0077_6174_7473_6f6e;

impl PostgresQueue {
    pub fn open(url: &str) -> Result<PostgresQueue> {
        let q = PostgresQueue {
            url: url.to_string(),
            idle: Mutex::new(Vec::new()),
        };
        let mut db = q.connect()?;
        db.execute("SELECT pg_advisory_lock($1)", &[&SCHEMA_LOCK])
            .context("waiting for the schema lock")?;
        let created = db
            .batch_execute(SCHEMA)
            .context("creating the table wattson_jobs");
        let _ = db.execute("SELECT pg_advisory_unlock($1)", &[&SCHEMA_LOCK]);
        created?;
        q.put(db);
        Ok(q)
    }

    fn connect(&self) -> Result<Client> {
        let mut config: postgres::Config = self.url.parse().context(
            "the PostgreSQL URL does not parse (postgres://USER[:PASSWORD]@HOST:PORT/DB)",
        )?;
        config.connect_timeout(Duration::from_secs(10));
        config
            .connect(NoTls)
            .with_context(|| format!("connecting to PostgreSQL at {}", redact(&self.url)))
    }

    /// Run `f` on a pooled connection; a connection that broke is dropped.
    fn with<T>(&self, f: impl FnOnce(&mut Client) -> Result<T, postgres::Error>) -> Result<T> {
        let pooled = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut db = match pooled {
            Some(c) if !c.is_closed() => c,
            _ => self.connect()?,
        };
        let result = f(&mut db);
        if !db.is_closed() {
            self.put(db);
        }
        Ok(result?)
    }

    fn put(&self, db: Client) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < POOL {
            idle.push(db);
        }
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}@{}", &url[..s + 3], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

fn ms(d: Duration) -> i64 {
    d.as_millis() as i64
}

impl Queue for PostgresQueue {
    fn enqueue(&self, job: &NewJob) -> Result<bool> {
        let sql = format!(
            "INSERT INTO wattson_jobs (delivery, event, repo, payload, priority, state, not_before, received_ms)
             VALUES ($1, $2, $3, $4, $5, 'queued', $6, {NOW_MS})
             ON CONFLICT (delivery) DO NOTHING"
        );
        let n = self
            .with(|db| {
                db.execute(
                    sql.as_str(),
                    &[
                        &job.delivery,
                        &job.event,
                        &job.repo,
                        &job.payload,
                        &(job.priority as i32),
                        &job.not_before_ms,
                    ],
                )
            })
            .with_context(|| format!("storing delivery {}", job.delivery))?;
        Ok(n == 1)
    }

    fn claim(&self, worker: &str, lease: Duration) -> Result<Option<Job>> {
        let give_up = format!(
            "UPDATE wattson_jobs SET state = 'failed', finished_ms = {NOW_MS}, result = $1
             WHERE state = 'running' AND lease_until < {NOW_MS} AND attempts >= $2"
        );
        let claim = format!(
            "UPDATE wattson_jobs
             SET state = 'running', owner = $1, lease_until = {NOW_MS} + $2,
                 attempts = attempts + 1, started_ms = {NOW_MS}
             WHERE id = (SELECT id FROM wattson_jobs
                         WHERE (state = 'queued' AND not_before <= {NOW_MS})
                            OR (state = 'running' AND lease_until < {NOW_MS})
                         ORDER BY priority, id LIMIT 1
                         FOR UPDATE SKIP LOCKED)
             RETURNING id, delivery, event, payload, attempts"
        );
        let row = self
            .with(|db| {
                db.execute(give_up.as_str(), &[&abandoned(MAX_ATTEMPTS), &MAX_ATTEMPTS])?;
                db.query_opt(claim.as_str(), &[&worker, &ms(lease)])
            })
            .context("claiming a job")?;
        Ok(row.map(|r| Job {
            id: r.get(0),
            delivery: r.get(1),
            event: r.get(2),
            payload: r.get(3),
            attempt: r.get(4),
        }))
    }

    fn renew(&self, id: i64, worker: &str, lease: Duration) -> Result<bool> {
        let sql = format!(
            "UPDATE wattson_jobs SET lease_until = {NOW_MS} + $1
             WHERE id = $2 AND owner = $3 AND state = 'running'"
        );
        let n = self
            .with(|db| db.execute(sql.as_str(), &[&ms(lease), &id, &worker]))
            .with_context(|| format!("renewing the lease on job {id}"))?;
        Ok(n == 1)
    }

    fn finish(&self, id: i64, worker: &str, finish: &Finish) -> Result<bool> {
        let (state, text) = match finish {
            Finish::Done(t) => ("done", t),
            Finish::Failed(t) => ("failed", t),
        };
        let sql = format!(
            "UPDATE wattson_jobs SET state = $1, result = $2, finished_ms = {NOW_MS}, lease_until = NULL
             WHERE id = $3 AND owner = $4 AND state = 'running'"
        );
        let n = self
            .with(|db| db.execute(sql.as_str(), &[&state, &clip(text), &id, &worker]))
            .with_context(|| format!("recording the end of job {id}"))?;
        Ok(n == 1)
    }

    fn jobs(&self, q: &JobQuery) -> Result<Vec<JobRecord>> {
        let rows = self
            .with(|db| {
                db.query(
                    "SELECT id, delivery, event, repo, state, attempts, owner, received_ms, started_ms, finished_ms, result
                     FROM wattson_jobs
                     WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR repo = $2)
                       AND ($3::text IS NULL OR delivery = $3)
                     ORDER BY id DESC LIMIT $4",
                    &[&q.state, &q.repo, &q.delivery, &(q.limit as i64)],
                )
            })
            .context("reading the job history")?;
        Ok(rows
            .iter()
            .map(|r| JobRecord {
                id: r.get(0),
                delivery: r.get(1),
                event: r.get(2),
                repo: r.get(3),
                state: r.get(4),
                attempts: r.get(5),
                owner: r.get(6),
                received_ms: r.get(7),
                started_ms: r.get(8),
                finished_ms: r.get(9),
                result: r.get(10),
            })
            .collect())
    }

    fn counts(&self) -> Result<Counts> {
        let rows = self
            .with(|db| {
                db.query(
                    "SELECT state, COUNT(*) FROM wattson_jobs GROUP BY state",
                    &[],
                )
            })
            .context("counting jobs")?;
        let mut counts = Counts::default();
        for r in rows {
            let n = r.get::<_, i64>(1) as u64;
            match r.get::<_, &str>(0) {
                "queued" => counts.queued = n,
                "running" => counts.running = n,
                "done" => counts.done = n,
                "failed" => counts.failed = n,
                _ => {}
            }
        }
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            super::redact("postgres://u:secret@h:5432/db"),
            "postgres://u@h:5432/db"
        );
        assert_eq!(super::redact("postgres://h/db"), "postgres://h/db");
    }
}
