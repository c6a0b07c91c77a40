//! How fast `wattson serve` answers webhook deliveries under load.
//!
//! The server runs as its own process (the release binary); this process
//! sends 1,000 signed deliveries over loopback at a steady 100 per second
//! (10 s), each on a fresh connection as GitHub makes them, with 8 sending
//! threads, and times each answer from connect to the last byte. Then it
//! checks that every delivery was answered 202, that each ran exactly once
//! (the server's log names each delivery's job once) and that none was lost
//! (`/healthz` counts 1,000 completed).
//!
//! The deliveries are `ping` and `installation_repositories` events (GitHub's
//! own payloads, ids unique): the answer time is what is measured, and these
//! jobs finish at once, so the queue never backs up behind a benchmark run.
//!
//! `cargo bench --bench webhook` (`-- --count N --rate R` to change the load).

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
    let state = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wattson"))
        .args(["serve", "--listen", "127.0.0.1:0", "--token", "unused"])
        .args(["--github-api-url", "http://127.0.0.1:9"])
        .arg("--state-dir")
        .arg(state.path())
        .env(
            "WATTSON_WEBHOOK_SECRET",
            String::from_utf8_lossy(SECRET).as_ref(),
        )
        .stderr(Stdio::piped())
        .spawn()
        .expect("wattson serve starts");
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

    // A steady schedule: delivery i leaves at start + i/rate.
    let start = Instant::now() + Duration::from_millis(200);
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let results = Arc::new(Mutex::new(Vec::with_capacity(count)));
    let mut threads = Vec::new();
    for t in 0..senders {
        let (addr, ping, repos, results) =
            (addr.clone(), ping.clone(), repos.clone(), results.clone());
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
                let status = post(&addr, event, &id, body).unwrap_or(0);
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
    let elapsed = start.elapsed();
    let results = results.lock().unwrap_or_else(|p| p.into_inner()).clone();

    // Let the queue drain, then check nothing was lost or run twice.
    let deadline = Instant::now() + Duration::from_secs(30);
    let health = loop {
        let h: serde_json::Value =
            serde_json::from_str(&get(&addr, "/healthz")).unwrap_or_default();
        let done = h["completed"].as_u64().unwrap_or(0) + h["failed"].as_u64().unwrap_or(0);
        if done >= count as u64 || Instant::now() > deadline {
            break h;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = child.kill();
    let _ = child.wait();
    std::thread::sleep(Duration::from_millis(200));
    let log = log.lock().unwrap_or_else(|p| p.into_inner()).clone();

    let accepted = results.iter().filter(|r| r.1 == 202).count();
    let mut ran_twice = 0;
    let mut lost = 0;
    for (id, _, _) in &results {
        match log.matches(&format!("delivery={id} ")).count() {
            0 => lost += 1,
            1 => {}
            _ => ran_twice += 1,
        }
    }
    let mut ms: Vec<f64> = results.iter().map(|r| r.2).collect();
    ms.sort_by(f64::total_cmp);
    println!("webhook answer time, {count} signed deliveries at {rate}/s over loopback, sent from this process to `wattson serve`:");
    println!(
        "  sent in {:.2} s; answered 202: {accepted}/{count}",
        elapsed.as_secs_f64()
    );
    println!(
        "  p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        percentile(&ms, 0.5),
        percentile(&ms, 0.9),
        percentile(&ms, 0.99),
        ms.last().copied().unwrap_or(0.0)
    );
    println!(
        "  jobs: completed {} failed {}; lost {lost}; run twice {ran_twice}",
        health["completed"], health["failed"]
    );
    let p99 = percentile(&ms, 0.99);
    if accepted != count || lost > 0 || ran_twice > 0 || p99 >= 100.0 {
        eprintln!(
            "FAILED: every delivery must be accepted, run once, and answered under 100 ms at p99"
        );
        std::process::exit(1);
    }
}
