//! Walking a tree and running skills over every C++ and Rust file in it.
//!
//! Files are found with `ignore` (so `.gitignore`, `.ignore` and hidden files
//! are respected, like ripgrep), then scanned in parallel with rayon. Each file
//! is read once, parsed once, and matched once against the combined query of
//! its language. Files that cannot be trusted (not UTF-8, too large) are
//! skipped with a reason, never rewritten.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde::Serialize;

use crate::files;
pub use crate::files::{read_source, SourceFile, DEFAULT_MAX_FILE_SIZE};
use crate::index::role::{self, Role, Roles};
use crate::index::{FileId, ProjectIndex};
use crate::lang::Lang;
use crate::profile::index::{Heat, HotnessIndex};
use crate::skills::engine::FixOutcome;
use crate::skills::engine::InProject;
use crate::skills::{Finding, SkillSet};

#[derive(Clone, Debug)]
pub struct ScanOptions {
    pub max_file_size: u64,
    /// Show a progress bar on stderr (only drawn when stderr is a terminal).
    pub progress: bool,
    /// Also scan tests, benchmarks, fuzz targets, examples, vendored and
    /// generated code (see `index::role`); by default only production code.
    pub include_tests: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            progress: false,
            include_tests: false,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct FileFindings {
    pub path: String,
    pub lang: Lang,
    pub findings: Vec<Finding>,
    pub notes: Vec<String>,
    #[serde(skip)]
    pub abs: PathBuf,
}

#[derive(Debug, Serialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Default, Serialize)]
pub struct Stats {
    pub files: usize,
    pub bytes: u64,
    pub lines: usize,
    pub seconds: f64,
    /// Files not scanned because they are not production code, by role
    /// (`test`, `bench`, `vendored`…); see `ScanOptions::include_tests`.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub left_out: std::collections::BTreeMap<Role, usize>,
    /// Findings dropped because they are in Rust test-only code
    /// (`#[cfg(test)]`, `#[test]`) inside a production file.
    #[serde(skip_serializing_if = "is_zero")]
    pub in_test_code: usize,
}

impl Stats {
    /// One line saying what was left out as non-production code, if anything.
    pub fn left_out_summary(&self) -> Option<String> {
        let total: usize = self.left_out.values().sum::<usize>();
        let mut parts = Vec::new();
        if total > 0 {
            let kinds: Vec<String> = self
                .left_out
                .iter()
                .map(|(role, n)| format!("{n} {}", role.describe()))
                .collect();
            parts.push(format!(
                "left out {total} file(s) that are not production code ({})",
                kinds.join(", ")
            ));
        }
        if self.in_test_code > 0 {
            parts.push(format!(
                "dropped {} finding(s) in Rust test code",
                self.in_test_code
            ));
        }
        if parts.is_empty() {
            return None;
        }
        Some(format!(
            "{}; --include-tests scans them",
            parts.join(" and ")
        ))
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Serialize)]
pub struct ScanReport {
    pub root: PathBuf,
    pub files: Vec<FileFindings>,
    pub skipped: Vec<Skipped>,
    pub stats: Stats,
    /// Set by [`rank`] when a profile is given.
    #[serde(skip)]
    pub ranking: Option<Ranking>,
}

/// The order of a report's findings by the weight of the code they touch.
#[derive(Clone, Debug)]
pub struct Ranking {
    /// (file index, finding index, heat), heaviest first; cold findings left out.
    pub order: Vec<(usize, usize, Heat)>,
    /// Findings left out as colder than `min_percent`.
    pub cold: usize,
    pub min_percent: f64,
    pub mapped_percent: f64,
    pub unit: String,
}

impl ScanReport {
    /// Every finding, in profile order when the report is ranked.
    pub fn findings(&self) -> Box<dyn Iterator<Item = (&FileFindings, &Finding)> + '_> {
        match &self.ranking {
            Some(r) => Box::new(
                r.order
                    .iter()
                    .map(|(fi, i, _)| (&self.files[*fi], &self.files[*fi].findings[*i])),
            ),
            None => Box::new(
                self.files
                    .iter()
                    .flat_map(|f| f.findings.iter().map(move |x| (f, x))),
            ),
        }
    }

    /// Every finding with its heat (none when the report is not ranked).
    pub fn findings_with_heat(
        &self,
    ) -> Box<dyn Iterator<Item = (&FileFindings, &Finding, Option<&Heat>)> + '_> {
        match &self.ranking {
            Some(r) => Box::new(
                r.order
                    .iter()
                    .map(|(fi, i, h)| (&self.files[*fi], &self.files[*fi].findings[*i], Some(h))),
            ),
            None => Box::new(self.findings().map(|(f, x)| (f, x, None))),
        }
    }

    pub fn finding_count(&self) -> usize {
        match &self.ranking {
            Some(r) => r.order.len(),
            None => self.files.iter().map(|f| f.findings.len()).sum(),
        }
    }
}

/// Order the findings by how hot their code is in `index`, leaving out those
/// in functions whose self weight is under `min_percent` of the profile.
/// Ties go to the hotter loop, then to path and line, so the order is stable.
pub fn rank(report: &mut ScanReport, index: &HotnessIndex, min_percent: f64) {
    let mut order = Vec::new();
    let mut cold = 0;
    for (fi, file) in report.files.iter().enumerate() {
        for (i, f) in file.findings.iter().enumerate() {
            match index.heat(&file.path, f.start_line as u32) {
                Some(heat) if heat.self_percent >= min_percent && heat.self_percent > 0.0 => {
                    order.push((fi, i, heat))
                }
                _ => cold += 1,
            }
        }
    }
    let key = |h: &Heat| (h.self_percent, h.loop_inclusive_percent.unwrap_or(0.0));
    order.sort_by(|a, b| {
        key(&b.2)
            .partial_cmp(&key(&a.2))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| report.files[a.0].path.cmp(&report.files[b.0].path))
            .then(a.1.cmp(&b.1))
    });
    report.ranking = Some(Ranking {
        order,
        cold,
        min_percent,
        mapped_percent: index.mapped_percent(),
        unit: index.unit.clone(),
    });
}

/// Find the files under `root` that some loaded skill can read.
///
/// C sources (`.c`) are parsed as C++ for profiles and attribution, but the
/// C++ skills are not run on them: their rewrites (references, `std::move`,
/// `reserve`) are C++ and do not apply to C. A `.c` file named directly is
/// still scanned.
pub fn discover(root: &Path, set: &SkillSet) -> Result<Vec<SourceFile>> {
    let langs: Vec<Lang> = set.languages().collect();
    let mut found = files::discover(root, &langs)?;
    if root.is_dir() {
        found.retain(|f| !f.path.ends_with(".c"));
    }
    Ok(found)
}

fn progress_bar(total: usize, enabled: bool, verb: &str) -> ProgressBar {
    if !enabled || total < 200 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg} [{bar:30}] {pos}/{len} files ({per_sec}, {eta} left)",
        )
        .expect("static template")
        .progress_chars("=> "),
    );
    bar.set_message(verb.to_string());
    bar
}

enum Outcome<T> {
    Done(T, u64, usize),
    Skipped(Skipped),
    LeftOut(Role),
}

/// The project a scan sees: every file of the repository around the scanned
/// path (for the index), and the role of each.
pub struct Project {
    pub index: ProjectIndex,
    roles: Roles,
    /// The scanned root, for roles read from paths below it.
    scan_root: PathBuf,
    include_tests: bool,
}

impl Project {
    /// Index the repository (or directory) around `root`.
    pub fn around(root: &Path, opts: &ScanOptions) -> Project {
        let project_root = ProjectIndex::project_root(root);
        let index = ProjectIndex::build(&project_root, opts.max_file_size);
        let roles = Roles::of(&index);
        Project {
            index,
            roles,
            scan_root: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
            include_tests: opts.include_tests,
        }
    }

    fn id(&self, file: &SourceFile) -> Option<FileId> {
        self.index.id_of(&file.abs)
    }

    pub fn in_project(&self, file: &SourceFile) -> Option<InProject<'_>> {
        self.id(file).map(|id| InProject {
            index: &self.index,
            file: id,
        })
    }

    /// The role of a file: what its path below the scanned root says (a
    /// directory the user names is taken as given: `wattson scan tests/`
    /// scans the tests), a generator banner in its text, and for Rust
    /// whether its crate compiles it.
    pub fn role(&self, file: &SourceFile, text: &str) -> Role {
        let abs = file.abs.canonicalize().unwrap_or_else(|_| file.abs.clone());
        let below = abs
            .strip_prefix(&self.scan_root)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_else(|_| file.path.clone());
        let by_path = role::role_of_path(&below);
        if by_path != Role::Production {
            return by_path;
        }
        if role::has_generated_banner(text) {
            return Role::Generated;
        }
        match self.id(file) {
            Some(id) if self.roles.role_by_structure(id) == Role::NotCompiled => Role::NotCompiled,
            _ => Role::Production,
        }
    }

    /// Say that `file` was not scanned after all, so that no tree waits
    /// for it (see `ProjectIndex::expect_scan`).
    fn not_scanned(&self, file: &SourceFile) {
        if let Some(id) = self.id(file) {
            let _ = self.index.take_parsed(id, "");
        }
    }

    /// Whether a file is to be scanned, and if not, why.
    fn leaves_out(&self, file: &SourceFile, text: &str) -> Option<Role> {
        if self.include_tests {
            return None;
        }
        let r = self.role(file, text);
        (!r.is_production()).then_some(r)
    }

    /// Drop findings in Rust test-only code (`#[cfg(test)]` modules,
    /// `#[test]` functions) unless tests are included; returns how many.
    fn drop_test_code(&self, lang: Lang, src: &str, findings: &mut Vec<Finding>) -> usize {
        if self.include_tests || lang != Lang::Rust || findings.is_empty() {
            return 0;
        }
        let summary = crate::index::summarize(lang, src);
        let before = findings.len();
        findings.retain(|f| !summary.in_test_code(f.range.start));
        before - findings.len()
    }
}

fn for_each_file<T: Send>(
    files: &[SourceFile],
    opts: &ScanOptions,
    verb: &str,
    project: &Project,
    work: impl Fn(&SourceFile, &str) -> T + Sync,
) -> (Vec<T>, Vec<Skipped>, Stats) {
    let started = Instant::now();
    let bar = progress_bar(files.len(), opts.progress, verb);
    for file in files {
        if let Some(id) = project.id(file) {
            project.index.expect_scan(id);
        }
    }
    // Headers first: the type questions of sources read headers' summaries,
    // and a header scanned before then has made its summary from its own
    // parse. Either way each file is parsed once (see `index::handover`),
    // but this order keeps few trees waiting.
    let (headers, sources): (Vec<usize>, Vec<usize>) =
        (0..files.len()).partition(|&i| crate::lang::is_cpp_header(&files[i].path));
    let one_file = |file: &SourceFile| {
        let out = match read_source(file, opts.max_file_size) {
            Ok(src) => match project.leaves_out(file, &src) {
                Some(role) => Outcome::LeftOut(role),
                None => {
                    let lines = memchr::memchr_iter(b'\n', src.as_bytes()).count();
                    Outcome::Done(work(file, &src), src.len() as u64, lines)
                }
            },
            Err(reason) => Outcome::Skipped(Skipped {
                path: file.path.clone(),
                reason,
            }),
        };
        if !matches!(out, Outcome::Done(..)) {
            project.not_scanned(file);
        }
        bar.inc(1);
        out
    };
    let run = |order: &[usize]| -> Vec<(usize, Outcome<T>)> {
        order
            .par_iter()
            .map(|&i| (i, one_file(&files[i])))
            .collect()
    };
    let mut outcomes = run(&headers);
    outcomes.extend(run(&sources));
    outcomes.sort_by_key(|(i, _)| *i);
    let outcomes = outcomes.into_iter().map(|(_, o)| o);
    bar.finish_and_clear();
    let mut done = Vec::new();
    let mut skipped = Vec::new();
    let mut stats = Stats::default();
    for o in outcomes {
        match o {
            Outcome::Done(t, bytes, lines) => {
                stats.files += 1;
                stats.bytes += bytes;
                stats.lines += lines;
                done.push(t);
            }
            Outcome::Skipped(s) => skipped.push(s),
            Outcome::LeftOut(role) => *stats.left_out.entry(role).or_default() += 1,
        }
    }
    stats.seconds = started.elapsed().as_secs_f64();
    (done, skipped, stats)
}

/// Scan every source file under `root` (production code only, unless
/// `opts.include_tests`), seeing the declarations of the whole project.
pub fn scan(set: &SkillSet, root: &Path, opts: &ScanOptions) -> Result<ScanReport> {
    let files = discover(root, set)?;
    let project = Project::around(root, opts);
    let dropped = std::sync::atomic::AtomicUsize::new(0);
    let (files, skipped, mut stats) =
        for_each_file(&files, opts, "scanning", &project, |file, src| {
            let mut result = set.scan_in(file.lang, src, project.in_project(file));
            let n = project.drop_test_code(file.lang, src, &mut result.findings);
            dropped.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
            FileFindings {
                path: file.path.clone(),
                lang: file.lang,
                findings: result.findings,
                notes: result.notes,
                abs: file.abs.clone(),
            }
        });
    stats.in_test_code = dropped.into_inner();
    Ok(ScanReport {
        root: root.to_path_buf(),
        files,
        skipped,
        stats,
        ranking: None,
    })
}

/// The fixed text of one file.
pub struct FileFix {
    pub file: SourceFile,
    pub original: String,
    pub outcome: FixOutcome,
}

impl FileFix {
    pub fn changed(&self) -> bool {
        self.outcome.text != self.original
    }

    pub fn diff(&self) -> String {
        similar::TextDiff::from_lines(&self.original, &self.outcome.text)
            .unified_diff()
            .context_radius(3)
            .header(
                &format!("a/{}", self.file.path),
                &format!("b/{}", self.file.path),
            )
            .to_string()
    }
}

pub struct FixReport {
    pub files: Vec<FileFix>,
    pub skipped: Vec<Skipped>,
    pub stats: Stats,
}

/// Compute the fixed text of every file under `root` (nothing is written).
pub fn fix(set: &SkillSet, root: &Path, opts: &ScanOptions) -> Result<FixReport> {
    let files = discover(root, set)?;
    let project = Project::around(root, opts);
    let (files, skipped, stats) =
        for_each_file(&files, opts, "fixing", &project, |file, src| FileFix {
            file: file.clone(),
            original: src.to_string(),
            outcome: set.fix_in(file.lang, src, project.in_project(file)),
        });
    Ok(FixReport {
        files,
        skipped,
        stats,
    })
}

/// Write fixed files in place. A file changed on disk since it was read is
/// left alone (someone else's edit wins), and each write goes through a
/// temporary file so a crash never leaves half a file.
pub fn write_fixes(report: &FixReport) -> Result<usize> {
    let mut written = 0;
    for f in report.files.iter().filter(|f| f.changed()) {
        let now = fs::read(&f.file.abs)
            .with_context(|| format!("re-reading {}", f.file.abs.display()))?;
        if now != f.original.as_bytes() {
            tracing::warn!("{} changed while fixing; left alone", f.file.path);
            continue;
        }
        let dir = f.file.abs.parent().unwrap_or(Path::new("."));
        let mut tmp = tempfile::NamedTempFile::new_in(dir)
            .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
        std::io::Write::write_all(&mut tmp, f.outcome.text.as_bytes())?;
        if let Ok(meta) = fs::metadata(&f.file.abs) {
            let _ = fs::set_permissions(tmp.path(), meta.permissions());
        }
        tmp.persist(&f.file.abs)
            .with_context(|| format!("writing {}", f.file.abs.display()))?;
        written += 1;
    }
    Ok(written)
}
