//! A real PostgreSQL server for a test: Debian's `postgresql` package
//! (`.ci/run` installs it), `initdb` into a temporary directory and
//! `postgres` on a free port of 127.0.0.1, stopped when dropped.
//!
//! PostgreSQL refuses to run as root, and CI runs as root: then the server
//! runs as `nobody`, in a directory `nobody` owns. Also compiled into the
//! library's own unit tests (`src/app/serve/queue`), so that both share one
//! way of starting it.
#![allow(dead_code)]

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Postgres {
    child: Child,
    /// `postgres://wattson@127.0.0.1:PORT/postgres`
    pub url: String,
    pub port: u16,
    dir: tempfile::TempDir,
}

/// The directory holding `initdb` and `postgres`: on `PATH`, or Debian's
/// `/usr/lib/postgresql/<version>/bin` (the newest).
fn bin_dir() -> PathBuf {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if dir.join("initdb").is_file() && dir.join("postgres").is_file() {
                return dir;
            }
        }
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    found.sort();
    found
        .pop()
        .map(|(_, bin)| bin)
        .expect("PostgreSQL is not installed: `apt-get install postgresql` (.ci/run does)")
}

/// Who runs the server: this user, or `nobody` when this is root.
fn server_user() -> Option<(u32, u32)> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let name = std::ffi::CString::new("nobody").expect("no NUL");
    // SAFETY: a valid C string; the result is read before any other call
    // to the getpw* family.
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    assert!(
        !pw.is_null(),
        "running as root and there is no user `nobody` to run PostgreSQL as"
    );
    // SAFETY: checked non-null above.
    Some(unsafe { ((*pw).pw_uid, (*pw).pw_gid) })
}

fn as_server_user(cmd: &mut Command, user: Option<(u32, u32)>) -> &mut Command {
    if let Some((uid, gid)) = user {
        cmd.uid(uid).gid(gid);
    }
    cmd
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

impl Postgres {
    /// A server for tests: nothing is flushed to disk.
    pub fn start() -> Postgres {
        Postgres::start_with(false)
    }

    /// `durable`: every commit is flushed to disk before it is answered, as
    /// a production server does (for benchmarks).
    pub fn start_with(durable: bool) -> Postgres {
        let bin = bin_dir();
        let user = server_user();
        // Under /tmp, which `nobody` can reach whatever TMPDIR says.
        let dir = tempfile::Builder::new()
            .prefix("wattson-pg-")
            .tempdir_in(if user.is_some() {
                PathBuf::from("/tmp")
            } else {
                std::env::temp_dir()
            })
            .expect("a temporary directory for PostgreSQL");
        if let Some((uid, gid)) = user {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
                .expect("chown the PostgreSQL directory to nobody");
        }
        let data = dir.path().join("data");
        let out = as_server_user(Command::new(bin.join("initdb")).arg("-D").arg(&data), user)
            .args([
                "-A",
                "trust",
                "-U",
                "wattson",
                "-E",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            ])
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .output()
            .expect("initdb runs");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut last_log = String::new();
        for _ in 0..3 {
            let port = free_port();
            let log = std::fs::File::create(dir.path().join("server.log")).expect("the server log");
            if let Some((uid, gid)) = user {
                let _ =
                    std::os::unix::fs::chown(dir.path().join("server.log"), Some(uid), Some(gid));
            }
            let mut child = as_server_user(
                Command::new(bin.join("postgres")).arg("-D").arg(&data),
                user,
            )
            .args(["-h", "127.0.0.1", "-p", &port.to_string()])
            .arg("-k")
            .arg(dir.path())
            // A test's data need not survive a power cut.
            .args(if durable {
                &[][..]
            } else {
                &[
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                ][..]
            })
            .args(["-c", "max_connections=200"])
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("postgres starts");
            let url = format!("postgres://wattson@127.0.0.1:{port}/postgres");
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                if postgres::Client::connect(&url, postgres::NoTls).is_ok() {
                    return Postgres {
                        child,
                        url,
                        port,
                        dir,
                    };
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break; // the port was taken in between: try another
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            last_log = std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
        }
        panic!("PostgreSQL did not start: {last_log}");
    }

    /// A new, empty database on this server; its URL.
    pub fn database(&self, name: &str) -> String {
        let mut db =
            postgres::Client::connect(&self.url, postgres::NoTls).expect("connect to postgres");
        db.batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .expect("create a database");
        format!("postgres://wattson@127.0.0.1:{}/{name}", self.port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // SIGINT is PostgreSQL's "fast shutdown": clients are disconnected.
        // SAFETY: the pid is our own child's.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
