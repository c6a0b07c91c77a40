//! Pinned trees of public repositories, from bare mirrors on this machine.
//!
//! The mirrors live outside this repository (`/work/.mirror/<owner>+<name>/repo`
//! by default, `--mirrors DIR` or `WATTSON_MIRRORS` otherwise); nothing
//! fetched is ever committed here. A tree is extracted once per commit with
//! `git archive` into a cache directory and given an empty git repository of
//! its own, so wattson sees it as a project the way it sees a checkout.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

pub struct Mirrors {
    dir: PathBuf,
    cache: PathBuf,
}

impl Mirrors {
    pub fn new(dir: Option<PathBuf>) -> Result<Mirrors> {
        let dir = dir
            .or_else(|| std::env::var_os("WATTSON_MIRRORS").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("/work/.mirror"));
        if !dir.is_dir() {
            bail!(
                "no mirrors at {} (fetch the repositories of lintcheck/*.toml first, or pass --mirrors DIR)",
                dir.display()
            );
        }
        let cache = std::env::temp_dir().join("wattson-lintcheck");
        std::fs::create_dir_all(&cache)?;
        Ok(Mirrors { dir, cache })
    }

    /// The bare git directory of `owner/name`.
    pub fn git_dir(&self, repo: &str) -> Result<PathBuf> {
        let base = self.dir.join(repo.replace('/', "+"));
        for candidate in [base.join("repo"), base.clone()] {
            if candidate.join("HEAD").is_file() {
                return Ok(candidate);
            }
        }
        bail!("{repo}: no mirror under {}", base.display())
    }

    fn git(&self, repo: &str) -> Result<Command> {
        let mut c = Command::new("git");
        c.arg("--git-dir").arg(self.git_dir(repo)?);
        Ok(c)
    }

    /// The full id of `rev` (e.g. `<fix>^`) in `repo`.
    pub fn rev_parse(&self, repo: &str, rev: &str) -> Result<String> {
        let out = self
            .git(repo)?
            .args(["rev-parse", "--verify", "--quiet"])
            .arg(format!("{rev}^{{commit}}"))
            .output()?;
        if !out.status.success() {
            bail!("{repo}: no commit {rev}");
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// The tree of `repo` at `commit`, extracted once.
    pub fn tree(&self, repo: &str, commit: &str) -> Result<PathBuf> {
        let dir = self.cache.join(repo.replace('/', "+")).join(commit);
        if dir.join(".wattson-complete").is_file() {
            return Ok(dir);
        }
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        let mut archive = self
            .git(repo)?
            .args(["archive", "--format=tar", commit])
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("{repo}: git archive {commit}"))?;
        let stdout = archive.stdout.take().context("git archive has no stdout")?;
        let tar = Command::new("tar")
            .arg("-x")
            .arg("-C")
            .arg(&dir)
            .stdin(stdout)
            .status()?;
        let archived = archive.wait()?;
        if !tar.success() || !archived.success() {
            // Snapshots may lack some blobs (large files, partial clones):
            // write the tree blob by blob and skip what is missing.
            self.extract_blobs(repo, commit, &dir)
                .with_context(|| format!("{repo}: extracting {commit}"))?;
        }
        let init = Command::new("git")
            .args(["init", "-q"])
            .arg(&dir)
            .status()?;
        if !init.success() {
            bail!("git init in {} failed", dir.display());
        }
        std::fs::write(dir.join(".wattson-complete"), commit)?;
        Ok(dir)
    }
}

impl Mirrors {
    fn extract_blobs(&self, repo: &str, commit: &str, dir: &Path) -> Result<()> {
        use std::io::{BufRead, BufReader, Read, Write};
        let list = self
            .git(repo)?
            .args(["ls-tree", "-r", "-z", commit])
            .output()?;
        if !list.status.success() {
            bail!("git ls-tree failed");
        }
        let entries: Vec<(String, String)> = list
            .stdout
            .split(|b| *b == 0)
            .filter_map(|e| {
                let e = std::str::from_utf8(e).ok()?;
                let (meta, path) = e.split_once('\t')?;
                let mut parts = meta.split(' ');
                let (mode, kind, oid) = (parts.next()?, parts.next()?, parts.next()?);
                (kind == "blob" && mode != "120000").then(|| (oid.to_string(), path.to_string()))
            })
            .collect();
        let mut cat = self
            .git(repo)?
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let mut input = cat.stdin.take().context("cat-file stdin")?;
        let oids: Vec<String> = entries.iter().map(|(o, _)| o.clone()).collect();
        let writer = std::thread::spawn(move || -> std::io::Result<()> {
            for o in oids {
                writeln!(input, "{o}")?;
            }
            Ok(())
        });
        let mut out = BufReader::new(cat.stdout.take().context("cat-file stdout")?);
        for (_, path) in &entries {
            let mut header = String::new();
            out.read_line(&mut header)?;
            let mut fields = header.split_whitespace();
            let _oid = fields.next();
            if fields.next() != Some("blob") {
                continue; // missing
            }
            let size: usize = fields.next().context("blob size")?.parse()?;
            let mut body = vec![0u8; size + 1];
            out.read_exact(&mut body)?;
            body.pop();
            let target = dir.join(path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(target, body)?;
        }
        writer
            .join()
            .map_err(|_| anyhow::anyhow!("writer thread panicked"))??;
        cat.wait()?;
        Ok(())
    }
}

/// `lines = [a, b]` widened by `slack` lines on each side.
pub fn overlaps(range: (usize, usize), lines: &[usize], slack: usize) -> bool {
    let (lo, hi) = match lines {
        [a] => (*a, *a),
        [a, b, ..] => (*a, *b),
        [] => return false,
    };
    range.0 <= hi + slack && lo.saturating_sub(slack) <= range.1
}

/// Where the repository's own `lintcheck/` folder is.
pub fn lintcheck_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("lintcheck")
}
