//! `wattson serve`: the GitHub App's webhook server.
//!
//! A delivery is answered as soon as it is proven and stored: its signature
//! is checked (401 and nothing else when it is missing or wrong), it is
//! written to the durable job queue (`queue`) under its `X-GitHub-Delivery`
//! id, and the answer is 202, or 200 "duplicate" when that id was stored
//! before by this or any other instance sharing the queue. Workers claim
//! jobs with a lease they renew while the job runs; a job whose worker died
//! is claimed again, by any instance, once its lease has expired. Finished
//! jobs stay in the queue as its history (`/jobs`, `wattson jobs`).

pub mod dispatch;
pub mod history;
pub mod jobs;
pub mod onboarding;
pub mod queue;
pub mod review;
pub mod sandbox;
pub mod schedule;
pub mod webhook;
pub mod worker;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use tokio::sync::{watch, Notify};

use crate::app::github::{Connector, Credentials, GITHUB_API_URL};
use jobs::{Delivery, Worker, FEED_EVENT};
use queue::{Finish, JobQuery, NewJob, Priority, Queue};
use webhook::verify_signature;

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "WATTSON_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// GitHub's REST API root (GitHub Enterprise: https://HOST/api/v3).
    #[arg(long, env = "WATTSON_GITHUB_API_URL", default_value = GITHUB_API_URL)]
    pub github_api_url: String,
    /// The GitHub App's id (its settings page shows it).
    #[arg(long, env = "WATTSON_APP_ID", requires = "private_key")]
    pub app_id: Option<u64>,
    /// The App's private key: a `.pem` file, or the PEM text itself.
    #[arg(long, env = "WATTSON_PRIVATE_KEY", hide_env_values = true)]
    pub private_key: Option<String>,
    /// Instead of an App: one token for every repository.
    #[arg(
        long,
        env = "WATTSON_GITHUB_TOKEN",
        hide_env_values = true,
        conflicts_with = "app_id"
    )]
    pub token: Option<String>,
    /// The secret GitHub signs deliveries with (the App's "Webhook secret").
    #[arg(long, env = "WATTSON_WEBHOOK_SECRET", hide_env_values = true)]
    pub webhook_secret: String,
    /// Where checkouts (and the default job queue) live.
    #[arg(long, env = "WATTSON_STATE_DIR", default_value = "wattson-state")]
    pub state_dir: PathBuf,
    /// The job queue: `sqlite:PATH` (default: `STATE_DIR/jobs.db`, for one
    /// server) or `postgres://USER@HOST:PORT/DB` (several servers share it).
    #[arg(long, env = "WATTSON_QUEUE", hide_env_values = true)]
    pub queue: Option<String>,
    /// Jobs run at once by this instance (each may build and benchmark a
    /// repository).
    #[arg(long, env = "WATTSON_WORKERS", default_value_t = 1)]
    pub workers: usize,
    /// Seconds a claimed job stays this instance's without a renewal; it is
    /// renewed while the job runs, so this is how long a killed instance's
    /// job waits before another instance takes it over.
    #[arg(long, env = "WATTSON_LEASE", default_value_t = 60)]
    pub lease: u64,
    /// A bearer token that lets an administrator read `GET /jobs`; without
    /// it `/jobs` is not served.
    #[arg(long, env = "WATTSON_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Where repository commands (build, test, bench) run: `actions`, the
    /// repository's own GitHub Actions (the App dispatches the workflow
    /// onboarding adds, with a token for that repository alone), or
    /// `sandbox`, here under bubblewrap with no network and no view of the
    /// key or the state directory. The server itself never runs them.
    #[arg(long, env = "WATTSON_RUNNER", value_enum, default_value_t = RunnerKind::Actions)]
    pub runner: RunnerKind,
    /// The workflow `--runner actions` dispatches (under `.github/workflows/`).
    #[arg(long, env = "WATTSON_WORKFLOW", default_value = "wattson.yml")]
    pub workflow: String,
    /// How often every installed repository is looked at as a whole:
    /// `daily`, `hourly`, `weekly`, `off`, or a period such as `6h`.
    #[arg(long, env = "WATTSON_SCHEDULE", default_value = "daily")]
    pub schedule: String,
    /// `--runner sandbox`: CPU seconds each process may use.
    #[arg(long, env = "WATTSON_SANDBOX_CPU", default_value_t = 3600)]
    pub sandbox_cpu: u64,
    /// `--runner sandbox`: address space each process may map, in MiB.
    #[arg(long, env = "WATTSON_SANDBOX_MEMORY", default_value_t = 8192)]
    pub sandbox_memory: u64,
    /// Seconds a running job may take to finish after a shutdown signal; a
    /// job still running then is taken over once its lease expires.
    #[arg(long, env = "WATTSON_SHUTDOWN_GRACE", default_value_t = 300)]
    pub shutdown_grace: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RunnerKind {
    Actions,
    Sandbox,
}

/// The largest delivery or feed taken (GitHub's own cap on payloads).
const MAX_BODY: usize = 25 * 1024 * 1024;

/// How often an idle worker looks for jobs other instances stored (its own
/// instance wakes it at once).
const POLL: Duration = Duration::from_millis(250);

/// Counters of this instance shown by `/healthz`, beside the queue's.
#[derive(Default)]
struct Stats {
    received: AtomicU64,
    duplicates: AtomicU64,
    refused: AtomicU64,
    running: AtomicU64,
    completed: AtomicU64,
    failed: AtomicU64,
}

struct Shared {
    secret: Vec<u8>,
    queue: Arc<dyn Queue>,
    /// Wakes an idle worker when this instance stores a job.
    wake: Notify,
    /// `host:pid`: workers are `host:pid:n` in the queue.
    instance: String,
    lease: Duration,
    admin_token: Option<String>,
    stats: Stats,
}

pub fn run(args: ServeArgs) -> Result<ExitCode> {
    init_logging();
    anyhow::ensure!(
        !args.webhook_secret.is_empty(),
        "--webhook-secret is empty: set the App's webhook secret"
    );
    let credentials = match (&args.app_id, &args.private_key, &args.token) {
        (Some(id), Some(key), None) => Credentials::App {
            app_id: *id,
            private_key_pem: read_private_key(key)?,
        },
        (None, None, Some(token)) => Credentials::Token(token.clone()),
        _ => anyhow::bail!(
            "say who wattson is on GitHub: --app-id with --private-key (a GitHub App), or --token"
        ),
    };
    std::fs::create_dir_all(&args.state_dir)
        .with_context(|| format!("creating the state directory {}", args.state_dir.display()))?;
    let args = ServeArgs {
        state_dir: args
            .state_dir
            .canonicalize()
            .with_context(|| format!("resolving {}", args.state_dir.display()))?,
        ..args
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let connector = {
        let _entered = runtime.enter();
        Connector::new(&args.github_api_url, credentials)?
    };
    let spec = args
        .queue
        .clone()
        .unwrap_or_else(|| queue::default_spec(&args.state_dir));
    let store = queue::open(&spec)?;
    let runner = install_runner(&args)?;
    let worker = Arc::new(Worker::new(
        connector,
        &args.state_dir,
        runtime.handle().clone(),
        runner,
    )?);
    runtime.block_on(serve(args, store, worker))?;
    Ok(ExitCode::SUCCESS)
}

/// Decide where repository commands run, and make every command any part
/// of wattson starts in this process go there (or be refused).
fn install_runner(args: &ServeArgs) -> Result<jobs::Runner> {
    use crate::evidence::run::set_launcher;
    let runner = match args.runner {
        RunnerKind::Actions => {
            set_launcher(Box::new(sandbox::Refuse));
            jobs::Runner::Actions {
                workflow: args.workflow.clone(),
            }
        }
        RunnerKind::Sandbox => {
            let mut hidden = vec![args.state_dir.clone()];
            if let Some(key) = args.private_key.as_deref() {
                if !key.trim_start().starts_with("-----BEGIN") {
                    hidden.push(PathBuf::from(key));
                }
            }
            let limits = sandbox::Limits {
                cpu_seconds: args.sandbox_cpu,
                memory_mb: args.sandbox_memory,
            };
            set_launcher(Box::new(sandbox::Sandbox::new(limits, hidden)?));
            jobs::Runner::Sandbox
        }
    };
    Ok(runner)
}

async fn serve(args: ServeArgs, store: Arc<dyn Queue>, worker: Arc<Worker>) -> Result<()> {
    let shared = Arc::new(Shared {
        secret: args.webhook_secret.clone().into_bytes(),
        queue: store,
        wake: Notify::new(),
        instance: format!("{}:{}", hostname(), std::process::id()),
        lease: Duration::from_secs(args.lease.max(1)),
        admin_token: args.admin_token.clone().filter(|t| !t.is_empty()),
        stats: Stats::default(),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    if let Some(period) = schedule::parse_period(&args.schedule)? {
        tokio::spawn(schedule::run(
            period,
            worker.clone(),
            shared.queue.clone(),
            stop_rx.clone(),
        ));
    }
    let mut workers = Vec::new();
    for n in 0..args.workers.max(1) {
        workers.push(tokio::spawn(work(
            n,
            shared.clone(),
            worker.clone(),
            stop_rx.clone(),
        )));
    }

    let app = Router::new()
        .route("/webhook", post(webhook))
        .route("/feed", post(feed))
        .route("/healthz", get(healthz))
        .route("/jobs", get(jobs_history))
        // GitHub caps a delivery at 25 MB; feeds get the same room.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, api = %args.github_api_url, instance = %shared.instance, "wattson serve is listening");
    // Scripts and tests read the address from here (the port may be 0).
    eprintln!("wattson: listening on http://{addr}");
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving webhooks")?;

    tracing::info!("shutting down: no new deliveries; finishing the running jobs");
    let _ = stop_tx.send(true);
    let grace = Duration::from_secs(args.shutdown_grace);
    let all = futures_join(workers);
    if tokio::time::timeout(grace, all).await.is_err() {
        tracing::warn!(
            grace_s = args.shutdown_grace,
            "jobs still running after the grace period are taken over once their lease expires"
        );
    }
    Ok(())
}

async fn futures_join(handles: Vec<tokio::task::JoinHandle<()>>) {
    for h in handles {
        let _ = h.await;
    }
}

/// The machine's name, for worker names in the queue.
fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates
    // within it or truncates.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    match std::str::from_utf8(&buf[..end]) {
        Ok(name) if ok && !name.is_empty() => name.to_string(),
        _ => "localhost".to_string(),
    }
}

/// Run a blocking queue call off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .context("a queue call panicked")?
}

/// One worker: claim, run with the lease renewed, record; until told to stop.
async fn work(n: usize, shared: Arc<Shared>, worker: Arc<Worker>, mut stop: watch::Receiver<bool>) {
    let me = format!("{}:{n}", shared.instance);
    loop {
        if *stop.borrow() {
            return;
        }
        let (q, who, lease) = (shared.queue.clone(), me.clone(), shared.lease);
        let job = match blocking(move || q.claim(&who, lease)).await {
            Ok(Some(job)) => job,
            Ok(None) => {
                tokio::select! {
                    _ = shared.wake.notified() => {},
                    _ = tokio::time::sleep(POLL) => {},
                    _ = stop.changed() => {},
                }
                continue;
            }
            Err(e) => {
                tracing::warn!(worker = %me, "the job queue: {e:#}");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {},
                    _ = stop.changed() => {},
                }
                continue;
            }
        };
        if job.attempt > 1 {
            tracing::info!(worker = %me, job = job.id, attempt = job.attempt, "taking over a job whose worker stopped renewing its lease");
        }
        // The lease is renewed a few times per period while the job runs.
        let renewer = {
            let (shared, who, id) = (shared.clone(), me.clone(), job.id);
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(shared.lease / 3).await;
                    let (q, who2, lease) = (shared.queue.clone(), who.clone(), shared.lease);
                    match blocking(move || q.renew(id, &who2, lease)).await {
                        Ok(true) => {}
                        Ok(false) => {
                            tracing::warn!(worker = %who, job = id, "lost the lease on a running job: another worker took it over");
                            return;
                        }
                        Err(e) => {
                            tracing::warn!(worker = %who, job = id, "renewing a lease: {e:#}")
                        }
                    }
                }
            })
        };
        shared.stats.running.fetch_add(1, Ordering::Relaxed);
        let started = std::time::Instant::now();
        let delivery = Delivery {
            id: job.delivery.clone(),
            event: job.event.clone(),
            body: job.payload.clone(),
        };
        let w = worker.clone();
        let d = delivery.clone();
        let result = tokio::task::spawn_blocking(move || w.handle(&d)).await;
        renewer.abort();
        shared.stats.running.fetch_sub(1, Ordering::Relaxed);
        let ms = started.elapsed().as_millis() as u64;
        let finish = match result {
            Ok(Ok(summary)) => {
                shared.stats.completed.fetch_add(1, Ordering::Relaxed);
                tracing::info!(worker = %me, delivery = %delivery.id, event = %delivery.event, ms, "job done: {summary}");
                Finish::Done(summary)
            }
            Ok(Err(e)) => {
                shared.stats.failed.fetch_add(1, Ordering::Relaxed);
                tracing::error!(worker = %me, delivery = %delivery.id, event = %delivery.event, ms, "job failed: {e:#}");
                Finish::Failed(format!("{e:#}"))
            }
            Err(panic) => {
                shared.stats.failed.fetch_add(1, Ordering::Relaxed);
                tracing::error!(worker = %me, delivery = %delivery.id, "job panicked: {panic}");
                Finish::Failed(format!("the job panicked: {panic}"))
            }
        };
        // Done either way: a failed job is recorded, not retried forever.
        let (q, who, id) = (shared.queue.clone(), me.clone(), job.id);
        match blocking(move || q.finish(id, &who, &finish)).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(worker = %me, job = job.id, "the job was taken over before it ended here; the other worker's record stands")
            }
            Err(e) => {
                tracing::error!(worker = %me, job = job.id, "recording the end of a job: {e:#}")
            }
        }
    }
}

fn error(status: StatusCode, message: impl std::fmt::Display) -> Response {
    (status, Json(json!({ "error": message.to_string() }))).into_response()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Count a request in, and answer 401 unless `X-Hub-Signature-256` proves
/// it. The signature comes first: nothing about an unproven request is
/// looked at.
fn refuse_unproven(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Option<Response> {
    shared.stats.received.fetch_add(1, Ordering::Relaxed);
    let checked = verify_signature(&shared.secret, body, header(headers, "x-hub-signature-256"));
    checked.err().map(|e| {
        shared.stats.refused.fetch_add(1, Ordering::Relaxed);
        error(StatusCode::UNAUTHORIZED, e)
    })
}

async fn webhook(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refused) = refuse_unproven(&shared, &headers, &body) {
        return refused;
    }
    let Some(event) = header(&headers, "x-github-event") else {
        return error(StatusCode::BAD_REQUEST, "no X-GitHub-Event header");
    };
    let Some(id) = header(&headers, "x-github-delivery") else {
        return error(StatusCode::BAD_REQUEST, "no X-GitHub-Delivery header");
    };
    let job = NewJob {
        delivery: id.to_string(),
        event: event.to_string(),
        repo: webhook::repository(&body),
        payload: body.to_vec(),
        priority: Priority::Webhook,
        not_before_ms: 0,
    };
    enqueue(&shared, job).await
}

/// A performance feed pushed by a CI system: `POST /feed?repo=owner/name`,
/// signed like a webhook with the same secret; defense runs on it. With
/// `source=git:<branch>:<path>` the feed is read from that branch of the
/// repository instead of the body (which may be empty).
#[derive(serde::Deserialize)]
struct FeedQuery {
    repo: String,
    installation: Option<u64>,
    format: Option<String>,
    source: Option<String>,
}

async fn feed(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<FeedQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = refuse_unproven(&shared, &headers, &body) {
        return refused;
    }
    if let Err(e) = crate::forge::github::api::split_full_name(&q.repo) {
        return error(StatusCode::BAD_REQUEST, e);
    }
    let Ok(text) = std::str::from_utf8(&body) else {
        return error(StatusCode::BAD_REQUEST, "the feed is not UTF-8 text");
    };
    if let Some(Err(e)) = q
        .source
        .as_deref()
        .map(crate::regress::feed::FeedSource::parse)
    {
        return error(StatusCode::BAD_REQUEST, e);
    }
    // The same feed sent twice is one job, like a redelivered webhook. A
    // feed on a branch says nothing of its contents, so each post of one is
    // a job of its own unless the sender names the delivery.
    let id = header(&headers, "x-wattson-delivery")
        .map(str::to_string)
        .unwrap_or_else(|| {
            use sha2::Digest;
            let mut hasher = sha2::Sha256::new();
            hasher.update(&body);
            if let Some(source) = &q.source {
                hasher.update(source.as_bytes());
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default();
                hasher.update(now.as_nanos().to_le_bytes());
            }
            let digest = hasher.finalize();
            format!(
                "feed-{}",
                digest
                    .iter()
                    .take(12)
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            )
        });
    let payload = json!({
        "repository": { "full_name": q.repo },
        "installation": q.installation.map(|id| json!({ "id": id })),
        "format": q.format,
        "source": q.source,
        "feed": text,
    });
    let job = NewJob {
        delivery: id,
        event: FEED_EVENT.to_string(),
        repo: Some(q.repo.clone()),
        payload: payload.to_string().into_bytes(),
        priority: Priority::Webhook,
        not_before_ms: 0,
    };
    enqueue(&shared, job).await
}

async fn enqueue(shared: &Arc<Shared>, job: NewJob) -> Response {
    let id = job.delivery.clone();
    let q = shared.queue.clone();
    match blocking(move || q.enqueue(&job)).await {
        Ok(true) => {
            shared.wake.notify_one();
            (
                StatusCode::ACCEPTED,
                Json(json!({ "status": "queued", "delivery": id })),
            )
                .into_response()
        }
        Ok(false) => {
            shared.stats.duplicates.fetch_add(1, Ordering::Relaxed);
            (
                StatusCode::OK,
                Json(json!({ "status": "duplicate", "delivery": id })),
            )
                .into_response()
        }
        Err(e) => {
            tracing::error!("storing delivery {id}: {e:#}");
            // GitHub shows it as failed; it can be redelivered.
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "could not store the delivery; redeliver later",
            )
        }
    }
}

async fn healthz(State(shared): State<Arc<Shared>>) -> Response {
    let s = &shared.stats;
    let n = |a: &AtomicU64| a.load(Ordering::Relaxed);
    let q = shared.queue.clone();
    let queue = match blocking(move || q.counts()).await {
        Ok(c) => json!(c),
        Err(e) => json!({ "error": format!("{e:#}") }),
    };
    Json(json!({
        "status": "ok",
        "instance": shared.instance,
        "received": n(&s.received),
        "duplicates": n(&s.duplicates),
        "refused": n(&s.refused),
        "running": n(&s.running),
        "completed": n(&s.completed),
        "failed": n(&s.failed),
        "queue": queue,
    }))
    .into_response()
}

#[derive(serde::Deserialize)]
struct JobsQuery {
    state: Option<String>,
    repo: Option<String>,
    delivery: Option<String>,
    limit: Option<usize>,
}

/// `GET /jobs`: the queue's history, newest first, for an administrator
/// (`Authorization: Bearer <--admin-token>`).
async fn jobs_history(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<JobsQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(expected) = &shared.admin_token else {
        return error(
            StatusCode::NOT_FOUND,
            "/jobs is served only with --admin-token",
        );
    };
    let given = header(&headers, "authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    use subtle_eq::constant_time_eq;
    if !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        return error(
            StatusCode::UNAUTHORIZED,
            "a bearer token is required for /jobs",
        );
    }
    let query = JobQuery {
        state: q.state,
        repo: q.repo,
        delivery: q.delivery,
        limit: q.limit.unwrap_or(100).min(10_000),
    };
    let store = shared.queue.clone();
    match blocking(move || store.jobs(&query)).await {
        Ok(jobs) => Json(json!({ "jobs": jobs })).into_response(),
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, format!("{e:#}")),
    }
}

/// Comparing secrets without telling, by timing, how much of them matched.
mod subtle_eq {
    pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
        use sha2::Digest;
        // Equal-length digests compared fully: the time depends on neither
        // the lengths nor the first difference.
        let (x, y) = (sha2::Sha256::digest(a), sha2::Sha256::digest(b));
        x.iter()
            .zip(y.iter())
            .fold(0u8, |acc, (p, q)| acc | (p ^ q))
            == 0
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

fn read_private_key(value: &str) -> Result<String> {
    if value.trim_start().starts_with("-----BEGIN") {
        return Ok(value.to_string());
    }
    std::fs::read_to_string(value)
        .with_context(|| format!("reading the App's private key from {value}"))
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("WATTSON_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

#[cfg(test)]
mod tests {
    #[test]
    fn admin_tokens_compare_exactly() {
        use super::subtle_eq::constant_time_eq;
        assert!(constant_time_eq(b"s3cret", b"s3cret"));
        assert!(!constant_time_eq(b"s3cret", b"s3cre"));
        assert!(!constant_time_eq(b"", b"x"));
    }
}
