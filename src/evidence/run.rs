//! Running a configured shell command: in its own process group (so a
//! timeout or Ctrl-C kills everything it started, not just `sh`), with its
//! output captured up to a cap, its wall time measured to the microsecond
//! and the CPU time (user + system) it and its children used.
//!
//! The runner blocks in `wait4` on the child rather than polling it: a
//! polling loop that sleeps between checks adds up to its sleep to every
//! wall time, which drowns a benchmark of a few milliseconds. The timeout is
//! a watchdog thread that kills the process group when the time is up, which
//! ends the wait.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
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
    /// Wall time from just before the start to the moment the command
    /// ended (not when its output was collected).
    pub seconds: f64,
    /// User plus system CPU time of the command and of every child it
    /// waited for (`wait4`'s resource usage).
    pub cpu_seconds: f64,
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

/// How a configured command's process is made. By default `sh -c script`;
/// the GitHub App installs its own once at start (a sandbox, or a refusal
/// when repository code must run elsewhere), so that every command any
/// part of wattson runs for a repository goes through it.
pub trait Launcher: Send + Sync {
    /// The process for `script`, to run in `dir` with `env` added.
    fn command(&self, script: &str, dir: &Path, env: &[(&str, &str)]) -> Result<Command>;
}

static LAUNCHER: std::sync::OnceLock<Box<dyn Launcher>> = std::sync::OnceLock::new();

/// Make every later command go through `launcher`; false if one was set
/// already (it cannot be replaced: a sandbox is not undone).
pub fn set_launcher(launcher: Box<dyn Launcher>) -> bool {
    LAUNCHER.set(launcher).is_ok()
}

/// Run `sh -c script` in `dir` with extra environment, killing its whole
/// process group if it runs longer than `timeout`.
pub fn shell(script: &str, dir: &Path, env: &[(&str, &str)], timeout: Duration) -> Result<Outcome> {
    // Everything the run needs around it (pipes, the threads that drain
    // them, the watchdog) is set up before the clock starts: on a busy
    // machine starting a thread while the command runs takes CPU from it.
    let (out_reader, out_writer) = std::io::pipe().context("a pipe for a command's output")?;
    let (err_reader, err_writer) = std::io::pipe().context("a pipe for a command's errors")?;
    // Drain both pipes on their own threads so a chatty command never blocks.
    let stdout = std::thread::spawn(move || capture(out_reader, STDOUT_CAP, false));
    let stderr = std::thread::spawn(move || capture(err_reader, STDERR_CAP, true));
    // The watchdog gets the process group once it exists, then kills it at
    // the deadline, which ends the wait below; the channel closing (the
    // command ended first, or never started) ends the watchdog.
    let timed_out = Arc::new(AtomicBool::new(false));
    let (send_group, group) = mpsc::channel::<(i32, Instant)>();
    let watchdog = {
        let timed_out = Arc::clone(&timed_out);
        std::thread::spawn(move || {
            let Ok((pgid, started)) = group.recv() else {
                return;
            };
            let left = timeout.saturating_sub(started.elapsed());
            if let Err(mpsc::RecvTimeoutError::Timeout) = group.recv_timeout(left) {
                timed_out.store(true, Ordering::SeqCst);
                interrupt::kill_group(pgid);
            }
        })
    };
    let mut cmd = match LAUNCHER.get() {
        Some(launcher) => launcher.command(script, dir, env)?,
        None => {
            let mut sh = Command::new("sh");
            sh.arg("-c").arg(script);
            sh
        }
    };
    cmd.current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out_writer)
        .stderr(err_writer)
        .process_group(0);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let spawned = cmd.spawn();
    // The command holds the write ends now; ours must close, or the
    // draining threads would never see the end of the output.
    drop(cmd);
    let child = match spawned {
        Ok(child) => child,
        Err(e) => {
            drop(send_group);
            let _ = watchdog.join();
            return Err(e)
                .with_context(|| format!("cannot start `sh -c {script}` in {}", dir.display()));
        }
    };
    let pgid = child.id() as i32;
    interrupt::register_group(pgid);
    let _ = send_group.send((pgid, started));
    let waited = wait4(pgid);
    let seconds = started.elapsed().as_secs_f64();
    drop(send_group);
    let _ = watchdog.join();
    // `child` was reaped by `wait4`: std must not wait for it again, and
    // dropping it does not.
    drop(child);
    interrupt::hold_if_interrupted();
    // Whatever the command left running in the background goes too.
    interrupt::kill_group(pgid);
    interrupt::unregister_group(pgid);
    let join = |h: std::thread::JoinHandle<String>| h.join().unwrap_or_default();
    let (status, cpu_seconds) = waited.with_context(|| format!("waiting for `sh -c {script}`"))?;
    Ok(Outcome {
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        timed_out: timed_out.load(Ordering::SeqCst),
        stdout: join(stdout),
        stderr: join(stderr),
        seconds,
        cpu_seconds,
    })
}

/// Block until process `pid` ends: its wait status and the user + system
/// CPU seconds it (and the children it waited for) used.
fn wait4(pid: i32) -> std::io::Result<(i32, f64)> {
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: an all-zero `rusage` is a valid value of a plain C struct.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: wait4(2) writes only into the two locals passed by pointer.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
            return Ok((status, secs(usage.ru_utime) + secs(usage.ru_stime)));
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
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

    /// The fastest of `rounds` runs with `shell` and with a bare `std`
    /// spawn-and-wait of the same command, interleaved. The fastest run is
    /// the one least disturbed by whatever else the machine is doing, which
    /// on a shared CI machine moves medians by milliseconds.
    fn timed_against_std(script: &str, rounds: usize) -> (f64, f64) {
        let dir = tempfile::tempdir().unwrap();
        let (mut ours, mut bare) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            let out = shell(script, dir.path(), &[], Duration::from_secs(10)).unwrap();
            assert!(out.success(), "{out:?}");
            ours.push(out.seconds);
            let started = Instant::now();
            let status = Command::new("sh")
                .arg("-c")
                .arg(script)
                .current_dir(dir.path())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap();
            bare.push(started.elapsed().as_secs_f64());
            assert!(status.success());
        }
        let fastest = |xs: &[f64]| xs.iter().copied().fold(f64::INFINITY, f64::min);
        (fastest(&ours), fastest(&bare))
    }

    #[test]
    fn a_two_millisecond_command_is_timed_to_within_half_a_millisecond() {
        // The reference is the same command started and waited for by std
        // with nothing around it; a runner that polls (sleeping between
        // checks) is off by up to its sleep.
        let (ours, bare) = timed_against_std("exec sleep 0.002", 60);
        assert!(ours >= 0.002, "{ours}");
        assert!(
            (ours - bare).abs() < 0.0005,
            "wattson measured {:.3} ms, a bare spawn-and-wait {:.3} ms",
            ours * 1e3,
            bare * 1e3
        );
    }

    #[test]
    fn cpu_time_counts_work_not_waiting() {
        let dir = tempfile::tempdir().unwrap();
        // Busy in a child of `sh` (counted: sh waits for it), which reports
        // its own CPU time with the `times` builtin: the reference.
        let busy = shell(
            "sh -c 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; times'",
            dir.path(),
            &[],
            Duration::from_secs(60),
        )
        .unwrap();
        assert!(busy.success(), "{busy:?}");
        // `0m0.200000s 0m0.000000s`: user and system time of that shell.
        let reported: f64 = busy
            .stdout
            .lines()
            .next()
            .unwrap_or("")
            .split_whitespace()
            .map(|t| {
                let (m, s) = t.trim_end_matches('s').split_once('m').unwrap();
                m.parse::<f64>().unwrap() * 60.0 + s.parse::<f64>().unwrap()
            })
            .sum();
        assert!(reported > 0.05, "{busy:?}");
        // The clock-tick resolution of `times`, plus the outer shell's start.
        assert!(
            (busy.cpu_seconds - reported).abs() < 0.03 + 0.1 * reported,
            "cpu {} s, the shell reports {reported} s",
            busy.cpu_seconds
        );
        assert!(busy.cpu_seconds <= busy.seconds * 1.05, "{busy:?}");
        let idle = shell("sleep 0.3", dir.path(), &[], Duration::from_secs(10)).unwrap();
        assert!(idle.seconds >= 0.3, "{idle:?}");
        assert!(idle.cpu_seconds < 0.05, "{idle:?}");
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
        assert_eq!(out.code, None);
        assert!(
            out.seconds >= 0.2 && out.seconds < 5.0,
            "took {}",
            out.seconds
        );
        std::thread::sleep(Duration::from_millis(1500));
        assert!(
            !marker.exists(),
            "a child of the timed-out command survived"
        );
    }
}
