//! `wattson serve` as a child process for the tests: started on a free
//! port with a fake GitHub's URL and the test App's key, fed signed
//! deliveries, watched through `/healthz` and its log.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;

/// The webhook secret every test server has.
pub const SECRET: &str = "it's a secret to everybody";
/// The test App's id (its key is `tests/fixtures/github-app/test-app-key.pem`).
pub const APP_ID: u64 = 7;

pub fn sign(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    format!(
        "sha256={}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// One HTTP/1.1 request on a fresh connection: (status, body).
pub fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// `wattson serve` as a child process; its stderr is kept for assertions.
pub struct Server {
    pub child: Child,
    pub addr: String,
    log: Arc<Mutex<String>>,
    /// Signalled when the server's stderr is closed and fully read.
    log_closed: Mutex<std::sync::mpsc::Receiver<()>>,
    pub state: tempfile::TempDir,
}

impl Server {
    pub fn start(api: &str, key: &Path) -> Server {
        Server::start_in(api, key, tempfile::tempdir().unwrap())
    }

    /// As the test App, running repository commands in the sandbox.
    pub fn start_in(api: &str, key: &Path, state: tempfile::TempDir) -> Server {
        Server::start_with(api, key, state, &["--runner", "sandbox"])
    }

    /// As the test App, with more flags (`--queue`, `--runner`, …).
    pub fn start_with(api: &str, key: &Path, state: tempfile::TempDir, extra: &[&str]) -> Server {
        let key = key.display().to_string();
        let mut args = vec!["--github-api-url", api, "--private-key", &key, "--app-id"];
        let app = APP_ID.to_string();
        args.push(&app);
        // The schedule would add jobs the tests do not count on; the test
        // of the schedule sets its own.
        if !extra.contains(&"--schedule") {
            args.extend_from_slice(&["--schedule", "off"]);
        }
        args.extend_from_slice(extra);
        Server::launch(&args, state)
    }

    /// `wattson serve --listen 127.0.0.1:0 --state-dir STATE ARGS…`
    pub fn launch(args: &[&str], state: tempfile::TempDir) -> Server {
        let mut child = super::wattson()
            .args(["serve", "--listen", "127.0.0.1:0"])
            .arg("--state-dir")
            .arg(state.path())
            .args(args)
            .env("WATTSON_WEBHOOK_SECRET", SECRET)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let (closed_tx, log_closed) = std::sync::mpsc::channel();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line.split("listening on http://").nth(1) {
                    let _ = tx.send(addr.trim().to_string());
                }
                sink.lock().unwrap().push_str(&(line + "\n"));
            }
            let _ = closed_tx.send(());
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("wattson serve did not start: {}", log.lock().unwrap()));
        Server {
            child,
            addr,
            log,
            log_closed: Mutex::new(log_closed),
            state,
        }
    }

    /// SIGKILL the server (no shutdown, the lease simply stops being
    /// renewed) and hand back its state directory for a restart.
    pub fn kill(self) -> tempfile::TempDir {
        self.kill_keeping_log().0
    }

    /// Like `kill`, with everything the server logged up to its death: a
    /// log read before the kill misses the jobs it ran meanwhile.
    pub fn kill_keeping_log(mut self) -> (tempfile::TempDir, String) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = self
            .log_closed
            .lock()
            .unwrap()
            .recv_timeout(Duration::from_secs(10));
        let state = std::mem::replace(&mut self.state, tempfile::tempdir().unwrap());
        (state, self.log())
    }

    pub fn deliver(&self, event: &str, id: &str, body: &Value) -> (u16, String) {
        let bytes = serde_json::to_vec(body).unwrap();
        self.deliver_signed(event, id, &bytes, &sign(&bytes))
    }

    pub fn deliver_signed(
        &self,
        event: &str,
        id: &str,
        body: &[u8],
        signature: &str,
    ) -> (u16, String) {
        http(
            &self.addr,
            "POST",
            "/webhook",
            &[
                ("Content-Type", "application/json"),
                ("X-GitHub-Event", event),
                ("X-GitHub-Delivery", id),
                ("X-Hub-Signature-256", signature),
            ],
            body,
        )
    }

    pub fn health(&self) -> Value {
        let (status, body) = http(&self.addr, "GET", "/healthz", &[], b"");
        assert_eq!(status, 200);
        serde_json::from_str(&body).unwrap()
    }

    /// Wait until `completed + failed` reaches `n` jobs.
    pub fn wait_jobs(&self, n: u64) -> Value {
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let h = self.health();
            let done = h["completed"].as_u64().unwrap() + h["failed"].as_u64().unwrap();
            if done >= n {
                return h;
            }
            assert!(
                Instant::now() < deadline,
                "jobs did not finish: {h}\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
