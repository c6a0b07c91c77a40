//! How fast `wattson serve` answers webhook deliveries under load, with the
//! job queue in SQLite (one instance, the default) and in PostgreSQL (three
//! instances sharing it, round-robin, as behind a load balancer).
//!
//! Each server runs as its own process (the release binary); this process
//! sends 1,000 signed deliveries over loopback at a steady 100 per second
//! (10 s), each on a fresh connection as GitHub makes them, with 8 sending
//! threads, and times each answer from connect to the last byte. Then it
//! checks that every delivery was answered 202, that each ran exactly once
//! (the servers' logs name each delivery's job once, all logs together) and
//! that none was lost (the queue counts 1,000 done).
//!
//! PostgreSQL is Debian's (`apt-get install postgresql`), started here in a
//! temporary directory on a free port, durable (every commit flushed);
//! SQLite is in write-ahead-log mode with `synchronous = NORMAL`.
//!
//! The deliveries are `ping` and `installation_repositories` events (GitHub's
//! own payloads, ids unique): the answer time is what is measured, and these
//! jobs finish at once, so the queue never backs up behind a benchmark run.
//!
//! `cargo bench --bench webhook` (`-- --count N --rate R` to change the load,
//! `-- --rounds N` to measure N times and print each figure's median and the
//! ratio of PostgreSQL's to SQLite's).

#[path = "../tests/it/common/postgres.rs"]
mod postgres;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

const SECRET: &[u8] = b"bench secret";

fn sign(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET).expect("any key length");
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    format!(
        "sha256={}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

fn post(addr: &str, event: &str, id: &str, body: &[u8]) -> std::io::Result<u16> {
    let mut s = TcpStream::connect(addr)?;
    s.set_nodelay(true)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    let head = format!(
        "POST /webhook HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nX-GitHub-Event: {event}\r\nX-GitHub-Delivery: {id}\r\nX-Hub-Signature-256: {}\r\nContent-Length: {}\r\n\r\n",
        sign(body),
        body.len()
    );
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    let mut out = Vec::new();
    s.read_to_end(&mut out)?;
    let text = String::from_utf8_lossy(&out);
    Ok(text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0))
}

fn get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("server up");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    out.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

struct Instance {
    child: std::process::Child,
    addr: String,
    log: Arc<Mutex<String>>,
    _state: tempfile::TempDir,
}

fn start(queue: Option<&str>) -> Instance {
    let state = tempfile::tempdir().expect("temp dir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wattson"));
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--token", "unused"])
        .args(["--github-api-url", "http://127.0.0.1:9"])
        .arg("--state-dir")
        .arg(state.path())
        .env(
            "WATTSON_WEBHOOK_SECRET",
            String::from_utf8_lossy(SECRET).as_ref(),
        )
        .stderr(Stdio::piped());
    if let Some(q) = queue {
        cmd.args(["--queue", q]);
    }
    let mut child = cmd.spawn().expect("wattson serve starts");
    let stderr = child.stderr.take().expect("piped");
    let log = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(addr) = line.split("listening on http://").nth(1) {
                let _ = tx.send(addr.trim().to_string());
            }
            sink.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push_str(&(line + "\n"));
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the server prints its address");
    Instance {
        child,
        addr,
        log,
        _state: state,
    }
}

/// What one configuration measured.
struct Figures {
    label: String,
    accepted: usize,
    ms: Vec<f64>,
    lost: usize,
    ran_twice: usize,
    sent_s: f64,
}

fn measure(label: &str, mut servers: Vec<Instance>, count: usize, rate: usize) -> Figures {
    let senders = 8;
    let root = env!("CARGO_MANIFEST_DIR");
    let ping = std::fs::read(format!(
        "{root}/tests/fixtures/github-webhooks/ping/payload.json"
    ))
    .expect("ping fixture");
    let repos = std::fs::read(format!(
        "{root}/tests/fixtures/github-webhooks/installation_repositories/added.payload.json"
    ))
    .expect("installation_repositories fixture");
    let addrs: Vec<String> = servers.iter().map(|s| s.addr.clone()).collect();
    // A steady schedule: delivery i leaves at start + i/rate, to instance i mod n.
    let start = Instant::now() + Duration::from_millis(200);
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let results = Arc::new(Mutex::new(Vec::with_capacity(count)));
    let mut threads = Vec::new();
    for t in 0..senders {
        let (addrs, ping, repos, results) =
            (addrs.clone(), ping.clone(), repos.clone(), results.clone());
        threads.push(std::thread::spawn(move || {
            for i in (t..count).step_by(senders) {
                let due = start + interval * i as u32;
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                let (event, body) = if i % 2 == 0 {
                    ("ping", &ping)
                } else {
                    ("installation_repositories", &repos)
                };
                let id = format!("bench-{i:05}");
                let sent = Instant::now();
                let status = post(&addrs[i % addrs.len()], event, &id, body).unwrap_or(0);
                let ms = sent.elapsed().as_secs_f64() * 1000.0;
                results
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((id, status, ms));
            }
        }));
    }
    for t in threads {
        t.join().expect("sender");
    }
    let sent_s = start.elapsed().as_secs_f64();
    let results = results.lock().unwrap_or_else(|p| p.into_inner()).clone();

    // Let the queue drain (the store's own count, shared by all instances).
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let h: serde_json::Value =
            serde_json::from_str(&get(&addrs[0], "/healthz")).unwrap_or_default();
        let q = &h["queue"];
        let done = q["done"].as_u64().unwrap_or(0) + q["failed"].as_u64().unwrap_or(0);
        if done >= count as u64 || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    for s in &mut servers {
        let _ = s.child.kill();
        let _ = s.child.wait();
    }
    std::thread::sleep(Duration::from_millis(200));
    let logs: Vec<String> = servers
        .iter()
        .map(|s| s.log.lock().unwrap_or_else(|p| p.into_inner()).clone())
        .collect();
    let accepted = results.iter().filter(|r| r.1 == 202).count();
    let (mut lost, mut ran_twice) = (0, 0);
    for (id, _, _) in &results {
        let needle = format!("delivery={id} ");
        match logs
            .iter()
            .map(|l| l.matches(&needle).count())
            .sum::<usize>()
        {
            0 => lost += 1,
            1 => {}
            _ => ran_twice += 1,
        }
    }
    let mut ms: Vec<f64> = results.iter().map(|r| r.2).collect();
    ms.sort_by(f64::total_cmp);
    Figures {
        label: label.to_string(),
        accepted,
        ms,
        lost,
        ran_twice,
        sent_s,
    }
}

/// One figure of a round (a percentile, the maximum).
type Stat = dyn Fn(&Figures) -> f64;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let count = flag("--count", 1000);
    let rate = flag("--rate", 100);
    let rounds = flag("--rounds", 1).max(1);

    let pg = postgres::Postgres::start_with(true);
    let mut sqlite = Vec::new();
    let mut shared = Vec::new();
    for round in 0..rounds {
        // The baseline: one instance, the built-in SQLite queue (a new
        // state directory, so a new queue, each round).
        sqlite.push(measure(
            "1 instance, SQLite",
            vec![start(None)],
            count,
            rate,
        ));
        // Three instances sharing one new database.
        let queue = pg.database(&format!("bench{round}"));
        let three = (0..3).map(|_| start(Some(&queue))).collect();
        shared.push(measure("3 instances, PostgreSQL", three, count, rate));
    }

    println!("webhook answer time, {count} signed deliveries at {rate}/s over loopback, each on a new connection:");
    println!("| queue | sent in | answered 202 | p50 | p90 | p99 | max | lost | run twice |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut failed = false;
    for f in sqlite.iter().chain(&shared) {
        let p = |q: f64| percentile(&f.ms, q);
        println!(
            "| {} | {:.2} s | {}/{count} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {} | {} |",
            f.label,
            f.sent_s,
            f.accepted,
            p(0.5),
            p(0.9),
            p(0.99),
            f.ms.last().copied().unwrap_or(0.0),
            f.lost,
            f.ran_twice
        );
        failed |= f.accepted != count || f.lost > 0 || f.ran_twice > 0 || p(0.99) >= 100.0;
    }
    if rounds > 1 {
        // Each figure's median over the rounds: what a busy machine's
        // passing moments do not decide.
        let median_of = |runs: &[Figures], stat: &Stat| {
            let values: Vec<f64> = runs.iter().map(stat).collect();
            wattson::numbers::median(&values).unwrap_or(f64::NAN)
        };
        let stats: [(&str, &Stat); 4] = [
            ("p50", &|f| percentile(&f.ms, 0.5)),
            ("p90", &|f| percentile(&f.ms, 0.9)),
            ("p99", &|f| percentile(&f.ms, 0.99)),
            ("max", &|f| f.ms.last().copied().unwrap_or(0.0)),
        ];
        println!("\nmedian of {rounds} rounds:");
        println!("| queue | p50 | p90 | p99 | max |");
        println!("|---|---:|---:|---:|---:|");
        let mut medians = Vec::new();
        for runs in [&sqlite, &shared] {
            let m: Vec<f64> = stats.iter().map(|(_, s)| median_of(runs, s)).collect();
            println!(
                "| {} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms |",
                runs[0].label, m[0], m[1], m[2], m[3]
            );
            medians.push(m);
        }
        let ratios: Vec<String> = stats
            .iter()
            .zip(medians[1].iter().zip(&medians[0]))
            .map(|((name, _), (pg, lite))| format!("{name} {:.1}x", pg / lite))
            .collect();
        println!(
            "\n3 instances on PostgreSQL / 1 on SQLite: {}",
            ratios.join(", ")
        );
    }
    if failed {
        eprintln!(
            "FAILED: every delivery must be accepted, run once, and answered under 100 ms at p99"
        );
        std::process::exit(1);
    }
}
