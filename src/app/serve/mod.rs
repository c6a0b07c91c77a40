//! `wattson serve`: the GitHub App's webhook server.
//!
//! A delivery is answered as soon as it is proven and stored: its signature
//! is checked (401 and nothing else when it is missing or wrong), its
//! `X-GitHub-Delivery` id is checked against the ones already taken (GitHub
//! redelivers, and a delivery must not run twice), it is written to the
//! spool directory and queued, and the answer is 202. Workers take jobs from
//! the queue one by one. The spool is what makes shutdown safe: a job leaves
//! it only when it is done, so deliveries still queued, or running when the
//! grace period ends, run again at the next start.

pub mod jobs;
pub mod review;
pub mod webhook;
pub mod worker;

use std::collections::{HashSet, VecDeque};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use tokio::sync::{mpsc, watch};

use crate::app::github::{Connector, Credentials, GITHUB_API_URL};
use jobs::{Delivery, Worker, FEED_EVENT};
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
    /// Where checkouts and the delivery spool live.
    #[arg(long, env = "WATTSON_STATE_DIR", default_value = "wattson-state")]
    pub state_dir: PathBuf,
    /// Jobs run at once (each may build and benchmark a repository).
    #[arg(long, default_value_t = 1)]
    pub workers: usize,
    /// Deliveries waiting at most; more are refused with 503 (GitHub shows
    /// them as failed and they can be redelivered).
    #[arg(long, default_value_t = 10_000)]
    pub queue: usize,
    /// Seconds a running job may take to finish after a shutdown signal; a
    /// job still running then is run again at the next start.
    #[arg(long, default_value_t = 300)]
    pub shutdown_grace: u64,
}

/// The largest delivery or feed taken (GitHub's own cap on payloads).
const MAX_BODY: usize = 25 * 1024 * 1024;

/// Counters shown by `/healthz`.
#[derive(Default)]
struct Stats {
    received: AtomicU64,
    duplicates: AtomicU64,
    refused: AtomicU64,
    queued: AtomicU64,
    running: AtomicU64,
    completed: AtomicU64,
    failed: AtomicU64,
}

/// Delivery ids already taken, bounded: the oldest are forgotten first.
struct Seen {
    ids: HashSet<String>,
    order: VecDeque<String>,
}

const SEEN_CAPACITY: usize = 100_000;

impl Seen {
    /// Record `id`; false when it was already there.
    fn insert(&mut self, id: &str) -> bool {
        if !self.ids.insert(id.to_string()) {
            return false;
        }
        self.order.push_back(id.to_string());
        if self.order.len() > SEEN_CAPACITY {
            if let Some(old) = self.order.pop_front() {
                self.ids.remove(&old);
            }
        }
        true
    }

    fn forget(&mut self, id: &str) {
        self.ids.remove(id);
        self.order.retain(|x| x != id);
    }
}

struct Shared {
    secret: Vec<u8>,
    queue: mpsc::Sender<Delivery>,
    seen: Mutex<Seen>,
    spool: Spool,
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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let connector = {
        let _entered = runtime.enter();
        Connector::new(&args.github_api_url, credentials)?
    };
    let spool = Spool::open(&args.state_dir.join("spool"))?;
    let worker = Arc::new(Worker::new(
        connector,
        &args.state_dir,
        runtime.handle().clone(),
    )?);
    runtime.block_on(serve(args, spool, worker))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(args: ServeArgs, spool: Spool, worker: Arc<Worker>) -> Result<()> {
    let (tx, rx) = mpsc::channel::<Delivery>(args.queue.max(1));
    let shared = Arc::new(Shared {
        secret: args.webhook_secret.clone().into_bytes(),
        queue: tx,
        seen: Mutex::new(Seen {
            ids: HashSet::new(),
            order: VecDeque::new(),
        }),
        spool,
        stats: Stats::default(),
    });
    // Deliveries left from the last run go first.
    let left = shared.spool.load()?;
    if !left.is_empty() {
        tracing::info!(
            count = left.len(),
            "running deliveries left from the last run"
        );
    }
    let (backlog_tx, backlog_rx) = mpsc::unbounded_channel::<Delivery>();
    for d in left {
        lock(&shared.seen).insert(&d.id);
        shared.stats.queued.fetch_add(1, Ordering::Relaxed);
        let _ = backlog_tx.send(d);
    }
    drop(backlog_tx);

    let (stop_tx, stop_rx) = watch::channel(false);
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    let backlog = Arc::new(tokio::sync::Mutex::new(backlog_rx));
    let mut workers = Vec::new();
    for n in 0..args.workers.max(1) {
        workers.push(tokio::spawn(work(
            n,
            shared.clone(),
            worker.clone(),
            rx.clone(),
            backlog.clone(),
            stop_rx.clone(),
        )));
    }

    let app = Router::new()
        .route("/webhook", post(webhook))
        .route("/feed", post(feed))
        .route("/healthz", get(healthz))
        // GitHub caps a delivery at 25 MB; feeds get the same room.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, api = %args.github_api_url, "wattson serve is listening");
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
            "jobs still running after the grace period stay in the spool and run at the next start"
        );
    }
    let waiting = shared.stats.queued.load(Ordering::Relaxed);
    if waiting > 0 {
        tracing::info!(
            waiting,
            "deliveries not started stay in the spool for the next start"
        );
    }
    Ok(())
}

async fn futures_join(handles: Vec<tokio::task::JoinHandle<()>>) {
    for h in handles {
        let _ = h.await;
    }
}

/// One worker: the backlog first, then the queue, until told to stop.
async fn work(
    n: usize,
    shared: Arc<Shared>,
    worker: Arc<Worker>,
    rx: Arc<tokio::sync::Mutex<mpsc::Receiver<Delivery>>>,
    backlog: Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<Delivery>>>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let next = {
            let from_backlog = backlog.lock().await.try_recv().ok();
            match from_backlog {
                Some(d) => Some(d),
                None => {
                    let mut rx = rx.lock().await;
                    tokio::select! {
                        d = rx.recv() => d,
                        _ = stop.changed() => None,
                    }
                }
            }
        };
        let Some(delivery) = next else { return };
        if *stop.borrow() {
            return; // stays in the spool
        }
        shared.stats.queued.fetch_sub(1, Ordering::Relaxed);
        shared.stats.running.fetch_add(1, Ordering::Relaxed);
        let started = std::time::Instant::now();
        let w = worker.clone();
        let d = delivery.clone();
        let result = tokio::task::spawn_blocking(move || w.handle(&d)).await;
        shared.stats.running.fetch_sub(1, Ordering::Relaxed);
        let ms = started.elapsed().as_millis() as u64;
        match result {
            Ok(Ok(summary)) => {
                shared.stats.completed.fetch_add(1, Ordering::Relaxed);
                tracing::info!(worker = n, delivery = %delivery.id, event = %delivery.event, ms, "job done: {summary}");
            }
            Ok(Err(e)) => {
                shared.stats.failed.fetch_add(1, Ordering::Relaxed);
                tracing::error!(worker = n, delivery = %delivery.id, event = %delivery.event, ms, "job failed: {e:#}");
            }
            Err(panic) => {
                shared.stats.failed.fetch_add(1, Ordering::Relaxed);
                tracing::error!(worker = n, delivery = %delivery.id, "job panicked: {panic}");
            }
        }
        // Done either way: a failed job is reported, not retried forever.
        shared.spool.remove(&delivery);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
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
    enqueue(
        &shared,
        Delivery {
            id: id.to_string(),
            event: event.to_string(),
            body: body.to_vec(),
            seq: 0,
        },
    )
}

/// A performance feed pushed by a CI system: `POST /feed?repo=owner/name`,
/// signed like a webhook with the same secret; defense runs on it.
#[derive(serde::Deserialize)]
struct FeedQuery {
    repo: String,
    installation: Option<u64>,
    format: Option<String>,
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
    // The same feed sent twice is one job, like a redelivered webhook.
    let id = header(&headers, "x-wattson-delivery")
        .map(str::to_string)
        .unwrap_or_else(|| {
            use sha2::Digest;
            let digest = sha2::Sha256::digest(&body);
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
        "feed": text,
    });
    enqueue(
        &shared,
        Delivery {
            id,
            event: FEED_EVENT.to_string(),
            body: payload.to_string().into_bytes(),
            seq: 0,
        },
    )
}

fn enqueue(shared: &Shared, mut delivery: Delivery) -> Response {
    if !lock(&shared.seen).insert(&delivery.id) {
        shared.stats.duplicates.fetch_add(1, Ordering::Relaxed);
        return (
            StatusCode::OK,
            Json(json!({ "status": "duplicate", "delivery": delivery.id })),
        )
            .into_response();
    }
    if let Err(e) = shared.spool.store(&mut delivery) {
        lock(&shared.seen).forget(&delivery.id);
        tracing::error!("spooling delivery {}: {e:#}", delivery.id);
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "could not store the delivery",
        );
    }
    let id = delivery.id.clone();
    shared.stats.queued.fetch_add(1, Ordering::Relaxed);
    match shared.queue.try_send(delivery) {
        Ok(()) => (
            StatusCode::ACCEPTED,
            Json(json!({ "status": "queued", "delivery": id })),
        )
            .into_response(),
        Err(e) => {
            let d = match e {
                mpsc::error::TrySendError::Full(d) | mpsc::error::TrySendError::Closed(d) => d,
            };
            shared.stats.queued.fetch_sub(1, Ordering::Relaxed);
            shared.spool.remove(&d);
            lock(&shared.seen).forget(&d.id);
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the job queue is full; redeliver later",
            )
        }
    }
}

async fn healthz(State(shared): State<Arc<Shared>>) -> Response {
    let s = &shared.stats;
    let n = |a: &AtomicU64| a.load(Ordering::Relaxed);
    Json(json!({
        "status": "ok",
        "received": n(&s.received),
        "duplicates": n(&s.duplicates),
        "refused": n(&s.refused),
        "queued": n(&s.queued),
        "running": n(&s.running),
        "completed": n(&s.completed),
        "failed": n(&s.failed),
    }))
    .into_response()
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

/// Deliveries on disk from receipt until their job is done: one file each,
/// named so that a directory listing is arrival order.
struct Spool {
    dir: PathBuf,
    seq: AtomicU64,
}

impl Spool {
    fn open(dir: &Path) -> Result<Spool> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let start = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as u64)
            .unwrap_or(0);
        Ok(Spool {
            dir: dir.to_path_buf(),
            seq: AtomicU64::new(start),
        })
    }

    fn file(&self, d: &Delivery) -> PathBuf {
        self.dir
            .join(format!("{:020}-{}.delivery", d.seq, safe_name(&d.id)))
    }

    /// Write `d` and give it its place in the order.
    fn store(&self, d: &mut Delivery) -> Result<()> {
        d.seq = self.seq.fetch_add(1, Ordering::Relaxed);
        let mut bytes = format!("{}\n{}\n", d.event, d.id).into_bytes();
        bytes.extend_from_slice(&d.body);
        let path = self.file(d);
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, &path)?;
        Ok(())
    }

    fn remove(&self, d: &Delivery) {
        let _ = std::fs::remove_file(self.file(d));
    }

    fn load(&self) -> Result<Vec<Delivery>> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "delivery"))
            .collect();
        files.sort();
        let mut out = Vec::new();
        for f in files {
            let bytes = std::fs::read(&f)?;
            let seq = f
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.split('-').next())
                .and_then(|n| n.parse().ok());
            let mut parts = bytes.splitn(3, |&b| b == b'\n');
            let (Some(event), Some(id), Some(body), Some(seq)) =
                (parts.next(), parts.next(), parts.next(), seq)
            else {
                tracing::warn!(file = %f.display(), "not a spooled delivery; left alone");
                continue;
            };
            out.push(Delivery {
                id: String::from_utf8_lossy(id).into_owned(),
                event: String::from_utf8_lossy(event).into_owned(),
                body: body.to_vec(),
                seq,
            });
        }
        Ok(out)
    }
}

/// A delivery id as a file name: GitHub's are GUIDs, anything else is
/// reduced to safe characters.
fn safe_name(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seen_ids_are_bounded_and_forgettable() {
        let mut s = Seen {
            ids: HashSet::new(),
            order: VecDeque::new(),
        };
        assert!(s.insert("a"));
        assert!(!s.insert("a"));
        s.forget("a");
        assert!(s.insert("a"));
        for i in 0..SEEN_CAPACITY + 5 {
            s.insert(&i.to_string());
        }
        assert_eq!(s.ids.len(), SEEN_CAPACITY);
        assert!(s.insert("a"), "the oldest were forgotten");
    }

    #[test]
    fn the_spool_keeps_deliveries_in_order_until_removed() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path()).unwrap();
        let mk = |id: &str| Delivery {
            id: id.into(),
            event: "push".into(),
            body: format!("{{\"n\":\"{id}\"}}\nsecond line").into_bytes(),
            seq: 0,
        };
        let (mut a, mut b, mut c) = (mk("a-1"), mk("../b"), mk("c"));
        for d in [&mut a, &mut b, &mut c] {
            spool.store(d).unwrap();
        }
        spool.remove(&b);
        let again = Spool::open(dir.path()).unwrap().load().unwrap();
        let ids: Vec<&str> = again.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["a-1", "c"]);
        assert_eq!(again[0].body, a.body);
        assert_eq!(again[0].event, "push");
        std::fs::write(dir.path().join("junk.delivery"), "x").unwrap();
        assert_eq!(spool.load().unwrap().len(), 2, "a stray file is skipped");
    }
}
