//! The job queue in SQLite: built in (the `bundled` library), one file in the
//! state directory, for one server. Write-ahead logging keeps a claim from
//! waiting on readers; `synchronous = NORMAL` makes a stored delivery
//! survive the process being killed (the log is written before the answer),
//! though not a power cut between checkpoints.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{Context, Result};
use rusqlite::{params, Connection, OptionalExtension};

use super::{
    abandoned, clip, now_ms, Counts, Finish, Job, JobQuery, JobRecord, NewJob, Queue, MAX_ATTEMPTS,
};

pub struct SqliteQueue {
    /// One connection: SQLite serialises writers anyway, and every call is
    /// short.
    db: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS wattson_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery TEXT NOT NULL UNIQUE,
    event TEXT NOT NULL,
    repo TEXT,
    payload BLOB NOT NULL,
    priority INTEGER NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    owner TEXT,
    lease_until INTEGER,
    not_before INTEGER NOT NULL,
    received_ms INTEGER NOT NULL,
    started_ms INTEGER,
    finished_ms INTEGER,
    result TEXT
);
CREATE INDEX IF NOT EXISTS wattson_jobs_claimable ON wattson_jobs (state, priority, id);
";

impl SqliteQueue {
    pub fn open(path: &Path) -> Result<SqliteQueue> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let db = Connection::open(path)
            .with_context(|| format!("opening the job queue {}", path.display()))?;
        let setup = || -> rusqlite::Result<()> {
            db.busy_timeout(Duration::from_secs(10))?;
            db.pragma_update(None, "journal_mode", "WAL")?;
            db.pragma_update(None, "synchronous", "NORMAL")?;
            db.execute_batch(SCHEMA)
        };
        setup().with_context(|| format!("setting up the job queue {}", path.display()))?;
        Ok(SqliteQueue { db: Mutex::new(db) })
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn ms(d: Duration) -> i64 {
    d.as_millis() as i64
}

impl Queue for SqliteQueue {
    fn enqueue(&self, job: &NewJob) -> Result<bool> {
        let now = now_ms();
        let n = self
            .db()
            .execute(
                "INSERT OR IGNORE INTO wattson_jobs
                 (delivery, event, repo, payload, priority, state, not_before, received_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6, ?7)",
                params![
                    job.delivery,
                    job.event,
                    job.repo,
                    job.payload,
                    job.priority as i32,
                    job.not_before_ms,
                    now
                ],
            )
            .with_context(|| format!("storing delivery {}", job.delivery))?;
        Ok(n == 1)
    }

    fn claim(&self, worker: &str, lease: Duration) -> Result<Option<Job>> {
        let now = now_ms();
        let db = self.db();
        db.execute(
            "UPDATE wattson_jobs SET state = 'failed', finished_ms = ?1, result = ?2
             WHERE state = 'running' AND lease_until < ?1 AND attempts >= ?3",
            params![now, abandoned(MAX_ATTEMPTS), MAX_ATTEMPTS],
        )
        .context("giving up jobs that kill their workers")?;
        // One statement: SQLite runs it atomically, so two workers never
        // take the same row.
        db.query_row(
            "UPDATE wattson_jobs
             SET state = 'running', owner = ?1, lease_until = ?2 + ?3,
                 attempts = attempts + 1, started_ms = ?2
             WHERE id = (SELECT id FROM wattson_jobs
                         WHERE (state = 'queued' AND not_before <= ?2)
                            OR (state = 'running' AND lease_until < ?2)
                         ORDER BY priority, id LIMIT 1)
             RETURNING id, delivery, event, payload, attempts",
            params![worker, now, ms(lease)],
            |r| {
                Ok(Job {
                    id: r.get(0)?,
                    delivery: r.get(1)?,
                    event: r.get(2)?,
                    payload: r.get(3)?,
                    attempt: r.get(4)?,
                })
            },
        )
        .optional()
        .context("claiming a job")
    }

    fn renew(&self, id: i64, worker: &str, lease: Duration) -> Result<bool> {
        let n = self
            .db()
            .execute(
                "UPDATE wattson_jobs SET lease_until = ?1
                 WHERE id = ?2 AND owner = ?3 AND state = 'running'",
                params![now_ms() + ms(lease), id, worker],
            )
            .with_context(|| format!("renewing the lease on job {id}"))?;
        Ok(n == 1)
    }

    fn finish(&self, id: i64, worker: &str, finish: &Finish) -> Result<bool> {
        let (state, text) = match finish {
            Finish::Done(t) => ("done", t),
            Finish::Failed(t) => ("failed", t),
        };
        let n = self
            .db()
            .execute(
                "UPDATE wattson_jobs SET state = ?1, result = ?2, finished_ms = ?3, lease_until = NULL
                 WHERE id = ?4 AND owner = ?5 AND state = 'running'",
                params![state, clip(text), now_ms(), id, worker],
            )
            .with_context(|| format!("recording the end of job {id}"))?;
        Ok(n == 1)
    }

    fn jobs(&self, q: &JobQuery) -> Result<Vec<JobRecord>> {
        let db = self.db();
        let mut stmt = db.prepare(
            "SELECT id, delivery, event, repo, state, attempts, owner, received_ms, started_ms, finished_ms, result
             FROM wattson_jobs
             WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR repo = ?2) AND (?3 IS NULL OR delivery = ?3)
             ORDER BY id DESC LIMIT ?4",
        )?;
        let rows = stmt
            .query_map(params![q.state, q.repo, q.delivery, q.limit as i64], |r| {
                Ok(JobRecord {
                    id: r.get(0)?,
                    delivery: r.get(1)?,
                    event: r.get(2)?,
                    repo: r.get(3)?,
                    state: r.get(4)?,
                    attempts: r.get(5)?,
                    owner: r.get(6)?,
                    received_ms: r.get(7)?,
                    started_ms: r.get(8)?,
                    finished_ms: r.get(9)?,
                    result: r.get(10)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
            .context("reading the job history")?;
        Ok(rows)
    }

    fn counts(&self) -> Result<Counts> {
        let db = self.db();
        let mut stmt = db.prepare("SELECT state, COUNT(*) FROM wattson_jobs GROUP BY state")?;
        let mut counts = Counts::default();
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (state, n) = row.context("counting jobs")?;
            let n = n as u64;
            match state.as_str() {
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
