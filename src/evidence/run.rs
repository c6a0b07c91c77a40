//! Running a configured shell command: in its own process group (so a
//! timeout or Ctrl-C kills everything it started, not just `sh`), with its
//! output captured up to a cap and its wall time measured.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::interrupt;

/// Standard output kept per run (benchmark JSON can be large).
const STDOUT_CAP: usize = 32 << 20;
/// Standard error kept per run: the tail is what explains a failure.
const STDERR_CAP: usize = 256 << 10;

#[derive(Clone, Debug)]
pub struct Outcome {
    /// Exit code; `None` when killed by a signal or the timeout.
    pub code: Option<i32>,
    pub timed_out: bool,
    pub stdout: String,
    pub stderr: String,
    pub seconds: f64,
}

impl Outcome {
    pub fn success(&self) -> bool {
        self.code == Some(0) && !self.timed_out
    }

    /// The last `n` lines of stdout and stderr, for a report.
    pub fn tail(&self, n: usize) -> String {
        let all = format!("{}\n{}", self.stdout, self.stderr);
        let lines: Vec<&str> = all.lines().filter(|l| !l.trim().is_empty()).collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }
}

/// Run `sh -c script` in `dir` with extra environment, killing its whole
/// process group if it runs longer than `timeout`.
pub fn shell(script: &str, dir: &Path, env: &[(&str, &str)], timeout: Duration) -> Result<Outcome> {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(script)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start `sh -c {script}` in {}", dir.display()))?;
    let pgid = child.id() as i32;
    interrupt::register_group(pgid);
    // Drain both pipes on their own threads so a chatty command never blocks.
    let stdout = child
        .stdout
        .take()
        .map(|s| std::thread::spawn(move || capture(s, STDOUT_CAP, false)));
    let stderr = child
        .stderr
        .take()
        .map(|s| std::thread::spawn(move || capture(s, STDERR_CAP, true)));
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().context("waiting for a command")? {
            break Some(status);
        }
        if started.elapsed() > timeout {
            timed_out = true;
            interrupt::kill_group(pgid);
            break child.wait().ok();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let seconds = started.elapsed().as_secs_f64();
    interrupt::hold_if_interrupted();
    // Whatever the command left running in the background goes too.
    interrupt::kill_group(pgid);
    interrupt::unregister_group(pgid);
    let join = |h: Option<std::thread::JoinHandle<String>>| {
        h.and_then(|h| h.join().ok()).unwrap_or_default()
    };
    Ok(Outcome {
        code: status.and_then(|s| s.code()),
        timed_out,
        stdout: join(stdout),
        stderr: join(stderr),
        seconds,
    })
}

/// Read a pipe to its end, keeping at most `cap` bytes (the head, or with
/// `keep_tail` the tail).
fn capture(mut pipe: impl Read, cap: usize, keep_tail: bool) -> String {
    let mut kept: Vec<u8> = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    loop {
        match pipe.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                kept.extend_from_slice(&buf[..n]);
                if kept.len() > cap {
                    if keep_tail {
                        kept.drain(..kept.len() - cap);
                    } else {
                        kept.truncate(cap);
                    }
                }
            }
        }
    }
    String::from_utf8_lossy(&kept).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_status_and_environment_come_back() {
        let dir = tempfile::tempdir().unwrap();
        let out = shell(
            "echo out; echo err >&2; echo $WATTSON_X; exit 3",
            dir.path(),
            &[("WATTSON_X", "x-value")],
            Duration::from_secs(10),
        )
        .unwrap();
        assert_eq!(out.code, Some(3));
        assert!(!out.success());
        assert_eq!(out.stdout, "out\nx-value\n");
        assert_eq!(out.stderr, "err\n");
    }

    #[test]
    fn a_timeout_kills_the_whole_process_group() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("survived");
        // The background child would write the marker after the timeout if
        // only `sh` were killed.
        let script = format!("(sleep 1; touch {}) & sleep 30", marker.display());
        let out = shell(&script, dir.path(), &[], Duration::from_millis(200)).unwrap();
        assert!(out.timed_out);
        assert!(out.seconds < 5.0, "took {}", out.seconds);
        std::thread::sleep(Duration::from_millis(1500));
        assert!(
            !marker.exists(),
            "a child of the timed-out command survived"
        );
    }
}
