//! Scan throughput and peak memory on large real trees, against ast-grep
//! running equivalent rules on the same files, and the time per MB by file
//! size (a scan must cost the same per byte in a 2 KB file and a 1 MB one).
//!
//! `cargo bench --bench scan` (needs `/usr/bin/time`; ast-grep from
//! `pip install ast-grep-cli` for the comparison). Trees: the cargo registry
//! sources, libstdc++'s headers, Boost's if installed, and the real C++
//! application of `lintcheck/corpus.toml`'s `[bench]` (OpenMW), extracted
//! from its mirror (`WATTSON_MIRRORS`, default /work/.mirror) when present;
//! or `WATTSON_BENCH_TREES=dir:dir`. `WATTSON_BENCH_RUNS` sets the rounds
//! (default 5); medians are reported.
//!
//! wattson runs with `--include-tests` so that it reads the same files as
//! ast-grep (which has no notion of test code); the default, production-only
//! scan is reported on its own row. The project index is on, as always.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

// The same extraction of pinned trees from bare mirrors as the lintcheck tool.
#[path = "../examples/lintcheck/checkout.rs"]
#[allow(dead_code)]
mod checkout;

struct Sample {
    seconds: f64,
    peak_mb: f64,
}

/// Run a command under `/usr/bin/time` and return wall time and peak RSS.
fn measure(cmd: &mut Command) -> Option<Sample> {
    let started = Instant::now();
    let out = cmd.output().ok()?;
    let seconds = started.elapsed().as_secs_f64();
    if !out.status.success() {
        eprintln!(
            "command failed: {:?}\n{}",
            cmd,
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let peak_kb: f64 = stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("PEAK_KB=")?.trim().parse().ok())?;
    Some(Sample {
        seconds,
        peak_mb: peak_kb / 1024.0,
    })
}

fn timed(program: &str) -> Command {
    let mut c = Command::new("/usr/bin/time");
    c.args(["-f", "PEAK_KB=%M", program]);
    c
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if v.is_empty() {
        return f64::NAN;
    }
    v[v.len() / 2]
}

fn default_trees() -> Vec<PathBuf> {
    let mut trees = Vec::new();
    let cargo_home = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cargo")
        });
    if let Ok(entries) = std::fs::read_dir(cargo_home.join("registry/src")) {
        trees.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()));
    }
    if let Ok(entries) = std::fs::read_dir("/usr/include/c++") {
        let mut versions: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        versions.sort();
        trees.extend(versions.pop());
    }
    if Path::new("/usr/include/boost").is_dir() {
        trees.push(PathBuf::from("/usr/include/boost"));
    }
    trees.extend(application_tree());
    trees
}

/// The pinned C++ application of `lintcheck/corpus.toml` (`[bench]`), from
/// its mirror, or nothing when the mirror is not on this machine.
fn application_tree() -> Option<PathBuf> {
    let corpus = std::fs::read_to_string(checkout::lintcheck_dir().join("corpus.toml")).ok()?;
    let value: toml::Value = toml::from_str(&corpus).ok()?;
    let bench = value.get("bench")?;
    let (tree, commit) = (bench.get("tree")?.as_str()?, bench.get("commit")?.as_str()?);
    let mirrors = match checkout::Mirrors::new(None) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("note: no application tree ({e:#})");
            return None;
        }
    };
    match mirrors.tree(tree, commit) {
        Ok(dir) => Some(dir),
        Err(e) => {
            eprintln!("note: no application tree ({e:#})");
            None
        }
    }
}

/// Seconds per MB of scanning, by file size, measured in this process on
/// the files of `tree` (each file scanned alone, as the CLI does, with the
/// project index).
fn per_size(tree: &Path) {
    use wattson::index::FileId;
    use wattson::scan::{Project, ScanOptions};
    use wattson::skills::engine::InProject;
    let set = wattson::skills::SkillSet::builtin().expect("built-in skills load");
    let opts = ScanOptions {
        include_tests: true,
        ..ScanOptions::default()
    };
    let project = Project::around(tree, &opts);
    let bounds = [4_096u64, 32_768, 262_144, u64::MAX];
    let names = ["< 4 KB", "4-32 KB", "32-256 KB", ">= 256 KB"];
    let mut seconds = [0.0f64; 4];
    let mut bytes = [0u64; 4];
    let mut files = [0usize; 4];
    for id in 0..project.index.len() as FileId {
        let file = project.index.file(id);
        let Some(text) = project.index.text(id) else {
            continue;
        };
        let b = bounds
            .iter()
            .position(|&u| (text.len() as u64) < u)
            .unwrap_or(3);
        let started = Instant::now();
        let _ = set.scan_in(
            file.lang,
            &text,
            Some(InProject {
                index: &project.index,
                file: id,
            }),
        );
        seconds[b] += started.elapsed().as_secs_f64();
        bytes[b] += text.len() as u64;
        files[b] += 1;
    }
    println!(
        "\n{}: seconds per MB by file size (one file at a time, index on)\n",
        tree.display()
    );
    println!("| file size | files | MB | s/MB |");
    println!("|---|---|---|---|");
    for i in 0..4 {
        if files[i] > 0 {
            let mb = bytes[i] as f64 / 1e6;
            println!(
                "| {} | {} | {mb:.1} | {:.3} |",
                names[i],
                files[i],
                seconds[i] / mb
            );
        }
    }
}

fn main() {
    // `cargo bench` passes `--bench`; ignore arguments.
    let wattson = env!("CARGO_BIN_EXE_wattson");
    let runs: usize = std::env::var("WATTSON_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let trees: Vec<PathBuf> = match std::env::var("WATTSON_BENCH_TREES") {
        Ok(list) => list.split(':').map(PathBuf::from).collect(),
        Err(_) => default_trees(),
    };
    let sg_config = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/ast-grep/sgconfig.yml");
    let have_sg = Command::new("ast-grep")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_sg {
        eprintln!("note: ast-grep not found (pip install ast-grep-cli); reporting wattson alone");
    }
    println!(
        "| tree | files | lines | MB | tool | median s | files/s | MB/s | peak RSS MB | findings |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for tree in trees {
        let tree_s = tree.to_string_lossy().to_string();
        // One run to learn the tree's size and the finding count.
        let stats_file =
            std::env::temp_dir().join(format!("wattson-bench-{}.json", std::process::id()));
        let ok = Command::new(wattson)
            .args([
                "scan",
                &tree_s,
                "--format",
                "json",
                "--quiet",
                "--include-tests",
                "--max-file-size",
                "100000000",
                "-o",
            ])
            .arg(&stats_file)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("skipping {tree_s}: wattson failed");
            continue;
        }
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&stats_file).unwrap()).unwrap();
        let _ = std::fs::remove_file(&stats_file);
        let files = report["stats"]["files"].as_f64().unwrap_or(0.0);
        let lines = report["stats"]["lines"].as_f64().unwrap_or(0.0);
        let mb = report["stats"]["bytes"].as_f64().unwrap_or(0.0) / 1e6;
        let findings = report["findings"].as_array().map_or(0, |a| a.len());
        let sg_findings = if have_sg {
            let out = Command::new("ast-grep")
                .arg("scan")
                .arg("-c")
                .arg(&sg_config)
                .args(["--json=stream", &tree_s])
                .output()
                .unwrap();
            String::from_utf8_lossy(&out.stdout).lines().count()
        } else {
            0
        };

        let (mut w, mut s, mut one, mut prod) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        // A timed `wattson scan` of the tree, its report discarded, with `extra` flags.
        let scan = |extra: &[&str]| {
            measure(
                timed(wattson)
                    .args(["scan", &tree_s, "--format", "json", "--quiet"])
                    .args(["--max-file-size", "100000000", "-o", "/dev/null"])
                    .args(extra),
            )
        };
        for _ in 0..runs {
            // One skill per language (a C++ one that cannot skip any file), to
            // show what the other skills add: one query pass serves them all.
            one.extend(scan(&[
                "--include-tests",
                "--skill",
                "cpp/range-for-const-ref",
                "--skill",
                "rust/redundant-clone",
            ]));
            // Interleaved, so drift on a shared machine hits both tools alike.
            w.extend(scan(&["--include-tests"]));
            prod.extend(scan(&[]));
            if have_sg {
                s.extend(measure(
                    timed("ast-grep")
                        .arg("scan")
                        .arg("-c")
                        .arg(&sg_config)
                        .args(["--json=compact", &tree_s])
                        .stdout(std::process::Stdio::null()),
                ));
            }
        }
        let row = |tool: &str, samples: &[Sample], found: usize| {
            let t = median(samples.iter().map(|x| x.seconds).collect());
            let peak = samples.iter().map(|x| x.peak_mb).fold(0.0, f64::max);
            println!("| {tree_s} | {files} | {lines} | {mb:.1} | {tool} | {t:.3} | {:.0} | {:.1} | {peak:.0} | {found} |", files / t, mb / t);
            t
        };
        let tw = row("wattson", &w, findings);
        row("wattson, production code only", &prod, 0);
        let t1 = row("wattson, 1 skill/lang", &one, 0);
        println!(
            "| {tree_s} | | | | ratio | all skills / one skill = {:.2}x | | | | |",
            tw / t1
        );
        if have_sg && !s.is_empty() {
            let ts = row("ast-grep", &s, sg_findings);
            println!(
                "| {tree_s} | | | | ratio | ast-grep / wattson = {:.2}x | | | | |",
                ts / tw
            );
        }
    }
    if let Some(app) = application_tree() {
        per_size(&app);
    }
    if let Some(registry) = default_trees().into_iter().next() {
        per_size(&registry);
    }
}
