//! Where the App runs repository commands when it runs them itself
//! (`--runner sandbox`): under bubblewrap (`bwrap`, Debian's `bubblewrap`).
//!
//! A repository's `build`, `test` and `bench` are code its authors wrote,
//! and the server holds the App's private key, which acts on every
//! installation. So each command gets a world of its own:
//!
//! - **no network**: a new network namespace with only a loopback of its own;
//! - **a read-only system**: `/usr`, `/etc` and the top-level links to them,
//!   the Rust toolchain's `bin` and `RUSTUP_HOME` (so `cargo` works), nothing
//!   of `/home`, `/root`, `/var` or `/run`;
//! - **only the checkout writable** (the worktree the command runs in, and the
//!   scratch directory the runner names in its environment), on an empty
//!   `/tmp`;
//! - **no view of the state directory or the key**: neither is mounted, and
//!   should either lie inside a mounted tree it is covered over;
//! - an empty environment but for `PATH`, `HOME`, the locale and what the
//!   runner sets, so a key passed as `WATTSON_PRIVATE_KEY` does not leak;
//! - **limits**: CPU seconds and address space per process (`prlimit`), and
//!   the evidence timeout on the whole (`bwrap --die-with-parent` takes the
//!   sandbox down with the process group the timeout kills); its own PID
//!   namespace and session, so it can signal nothing outside.
//!
//! The server itself never runs a repository command: with `--runner
//! actions` it installs [`Refuse`] instead, so a code path that would run
//! one fails saying why.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::evidence::run::Launcher;

/// Limits of every sandboxed process.
#[derive(Clone, Debug)]
pub struct Limits {
    pub cpu_seconds: u64,
    pub memory_mb: u64,
}

pub struct Sandbox {
    bwrap: PathBuf,
    limits: Limits,
    /// Paths the commands must not see, covered if a mounted tree holds them.
    hidden: Vec<PathBuf>,
    /// Read-only trees mounted at the same path, and top-level symlinks.
    system: Vec<Mount>,
    /// The toolchain's environment (`RUSTUP_HOME`), when it is mounted.
    rustup_home: Option<PathBuf>,
    path: String,
}

#[derive(Clone, Debug)]
enum Mount {
    Tree(PathBuf),
    Link { at: PathBuf, to: PathBuf },
}

impl Sandbox {
    /// Find `bwrap` and work out the mounts; `hidden` are the state
    /// directory and the key file.
    pub fn new(limits: Limits, hidden: Vec<PathBuf>) -> Result<Sandbox> {
        let bwrap = find_on_path("bwrap").context(
            "--runner sandbox needs bubblewrap (`apt-get install bubblewrap`): `bwrap` is not on PATH",
        )?;
        let mut system = Vec::new();
        for top in [
            "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc",
        ] {
            let p = Path::new(top);
            match std::fs::read_link(p) {
                Ok(to) => system.push(Mount::Link {
                    at: p.to_path_buf(),
                    to,
                }),
                Err(_) if p.is_dir() => system.push(Mount::Tree(p.to_path_buf())),
                Err(_) => {}
            }
        }
        // The Rust toolchain: rustup's proxies and its toolchains, read-only.
        // Not all of CARGO_HOME: it may hold registry credentials.
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let cargo_home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".cargo")));
        let rustup_home = std::env::var_os("RUSTUP_HOME")
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".rustup")))
            .filter(|p| p.is_dir());
        let mut path = String::new();
        if let Some(bin) = cargo_home.map(|c| c.join("bin")).filter(|b| b.is_dir()) {
            path.push_str(&format!("{}:", bin.display()));
            system.push(Mount::Tree(bin));
        }
        if let Some(r) = &rustup_home {
            system.push(Mount::Tree(r.clone()));
        }
        path.push_str("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        let hidden = hidden
            .into_iter()
            .map(|p| p.canonicalize().unwrap_or(p))
            .collect();
        Ok(Sandbox {
            bwrap,
            limits,
            hidden,
            system,
            rustup_home,
            path,
        })
    }

    /// The `bwrap` command line (without the command) for work in `dir`,
    /// with `writable` directories besides it.
    fn args(&self, dir: &Path, writable: &[PathBuf], env: &[(&str, &str)]) -> Vec<String> {
        let s = |p: &Path| p.display().to_string();
        let mut a: Vec<String> = [
            "--die-with-parent",
            "--new-session",
            "--unshare-all",
            "--hostname",
            "wattson-sandbox",
        ]
        .iter()
        .map(|x| x.to_string())
        .collect();
        for m in &self.system {
            match m {
                Mount::Tree(p) => a.extend(["--ro-bind".into(), s(p), s(p)]),
                Mount::Link { at, to } => a.extend(["--symlink".into(), s(to), s(at)]),
            }
        }
        a.extend(["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"].map(String::from));
        for w in std::iter::once(&dir.to_path_buf()).chain(writable) {
            a.extend(["--bind".into(), s(w), s(w)]);
        }
        // Cover what must stay unseen wherever a mount above reaches it.
        for h in &self.hidden {
            let reachable = self
                .system
                .iter()
                .any(|m| matches!(m, Mount::Tree(t) if h.starts_with(t)))
                || h.starts_with("/tmp")
                || dir.starts_with(h)
                || h.starts_with(dir);
            if !reachable || dir.starts_with(h) {
                continue;
            }
            if h.is_dir() {
                a.extend(["--tmpfs".into(), s(h)]);
            } else if h.exists() {
                a.extend(["--ro-bind".into(), "/dev/null".into(), s(h)]);
            }
        }
        a.push("--clearenv".into());
        let mut set =
            |k: &str, v: &str| a.extend(["--setenv".into(), k.to_string(), v.to_string()]);
        set("PATH", &self.path);
        set("HOME", "/tmp");
        set("LANG", "C.UTF-8");
        set("CARGO_HOME", "/tmp/.cargo");
        if let Some(r) = &self.rustup_home {
            set("RUSTUP_HOME", &r.display().to_string());
        }
        for (k, v) in env {
            set(k, v);
        }
        a.extend(["--chdir".into(), s(dir)]);
        a
    }
}

/// The directories the runner's environment names (a benchmark's scratch
/// directory): they must be writable inside too. Only temporary ones count.
fn scratch_dirs(env: &[(&str, &str)]) -> Vec<PathBuf> {
    let tmp = std::env::temp_dir();
    let mut out: Vec<PathBuf> = Vec::new();
    for (_, v) in env {
        let p = Path::new(v);
        if !p.is_absolute() || !p.starts_with(&tmp) {
            continue;
        }
        let d = if p.is_dir() {
            p.to_path_buf()
        } else {
            p.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        if d.is_dir() && d != tmp && !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

impl Launcher for Sandbox {
    fn command(&self, script: &str, dir: &Path, env: &[(&str, &str)]) -> Result<Command> {
        let dir = dir
            .canonicalize()
            .with_context(|| format!("the command's directory {}", dir.display()))?;
        if self.hidden.iter().any(|h| dir.starts_with(h)) {
            bail!(
                "refusing to sandbox a command in {}: it is inside the App's state directory, which sandboxed code must not see",
                dir.display()
            );
        }
        let mut cmd = Command::new(&self.bwrap);
        cmd.args(self.args(&dir, &scratch_dirs(env), env))
            .arg("--")
            .arg("prlimit")
            .arg(format!("--cpu={}", self.limits.cpu_seconds))
            .arg(format!("--as={}", self.limits.memory_mb << 20))
            .args(["sh", "-c", script]);
        // Nothing of the server's environment reaches bwrap itself either.
        cmd.env_clear().env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        Ok(cmd)
    }
}

/// `--runner actions`: repository commands run in the repository's own
/// GitHub Actions, never here.
pub struct Refuse;

impl Launcher for Refuse {
    fn command(&self, script: &str, _dir: &Path, _env: &[(&str, &str)]) -> Result<Command> {
        bail!(
            "not running `{script}`: with --runner actions the server runs no repository command (the repository's own Actions do; --runner sandbox runs them here under bubblewrap)"
        )
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn sandbox(hidden: Vec<PathBuf>) -> Option<Sandbox> {
        // Without bubblewrap there is nothing to test here; CI has it.
        Sandbox::new(
            Limits {
                cpu_seconds: 60,
                memory_mb: 4096,
            },
            hidden,
        )
        .ok()
    }

    #[test]
    fn a_sandboxed_command_sees_only_its_checkout_and_no_network() {
        let Some(_) = find_on_path("bwrap") else {
            panic!("bwrap is not installed: `apt-get install bubblewrap` (.ci/run does)");
        };
        let state = tempfile::tempdir().unwrap();
        let key = state.path().join("key.pem");
        std::fs::write(&key, "-----BEGIN RSA PRIVATE KEY-----\n").unwrap();
        let outside = tempfile::tempdir().unwrap();
        let work = tempfile::tempdir().unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let sb = sandbox(vec![state.path().to_path_buf(), key.clone()]).unwrap();
        let script = format!(
            "cat {key} && echo KEY-READ; \
             echo x > {out}/escaped && echo WROTE-OUTSIDE; \
             (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null && echo CONNECTED; \
             echo ok > built && echo WROTE-CHECKOUT; \
             echo \"${{WATTSON_PRIVATE_KEY:-no key in env}}\"",
            key = key.display(),
            out = outside.path().display(),
        );
        let mut cmd = sb
            .command(&format!("bash -c '{script}'"), work.path(), &[])
            .unwrap();
        std::env::set_var("WATTSON_PRIVATE_KEY", "-----BEGIN");
        let out = cmd.current_dir(work.path()).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        for escaped in ["KEY-READ", "WROTE-OUTSIDE", "CONNECTED", "-----BEGIN"] {
            assert!(!text.contains(escaped), "{escaped}: {text}");
        }
        assert!(
            text.contains("WROTE-CHECKOUT") && text.contains("no key in env"),
            "{text}"
        );
        assert!(!outside.path().join("escaped").exists());
        assert_eq!(
            std::fs::read_to_string(work.path().join("built")).unwrap(),
            "ok\n"
        );
        listener.set_nonblocking(true).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        assert!(listener.accept().is_err(), "nothing connected");
        // A command inside the state directory is refused outright.
        assert!(sb.command("true", state.path(), &[]).is_err());
    }

    #[test]
    fn cpu_limits_hold() {
        let sb = sandbox(Vec::new()).map(|mut s| {
            s.limits.cpu_seconds = 1;
            s
        });
        let Some(sb) = sb else {
            panic!("bwrap is not installed")
        };
        let work = tempfile::tempdir().unwrap();
        let started = std::time::Instant::now();
        let out = sb
            .command("while :; do :; done", work.path(), &[])
            .unwrap()
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "killed by its CPU limit"
        );
    }

    #[test]
    fn actions_mode_runs_nothing() {
        let err = Refuse.command("make", Path::new("/"), &[]).unwrap_err();
        assert!(
            err.to_string().contains("runs no repository command"),
            "{err}"
        );
    }
}
