//! `lintcheck compile`: run every skill over real code already on this
//! machine, count findings per skill, apply every fix to a copy, and check
//! that the fixed code still compiles.
//!
//! * Rust: the crates in this project's own `Cargo.lock`, from the cargo
//!   registry. Fixed copies are swapped in with `[patch.crates-io]` in a
//!   scratch project pinned by a copy of our lockfile, and `cargo check
//!   --offline --keep-going` tells, crate by crate, whether they still build.
//! * C++: libstdc++'s headers (and Boost's, if installed). The fixed copy of
//!   libstdc++ is compiled with `g++ -fsyntax-only` through `<bits/stdc++.h>`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use wattson::scan::{self, ScanOptions};
use wattson::skills::SkillSet;

/// The compile check applies every fix, tests and examples included.
fn all_files() -> ScanOptions {
    ScanOptions {
        include_tests: true,
        ..ScanOptions::default()
    }
}

#[derive(Default)]
struct Tally {
    findings: BTreeMap<String, usize>,
    applied: BTreeMap<String, usize>,
}

impl Tally {
    fn add_scan(&mut self, report: &scan::ScanReport) {
        for (_, f) in report.findings() {
            *self.findings.entry(f.skill.clone()).or_default() += 1;
        }
    }
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let dest = to.join(entry.file_name());
        let ty = entry.file_type()?;
        if ty.is_dir() {
            copy_dir(&entry.path(), &dest)?;
        } else if ty.is_file() {
            fs::copy(entry.path(), &dest)?;
        }
    }
    Ok(())
}

/// `(name, version)` of every crates.io package in a lockfile.
fn locked_packages(lock: &Path) -> Result<Vec<(String, String)>> {
    let text = fs::read_to_string(lock).with_context(|| format!("reading {}", lock.display()))?;
    let v: toml::Value = toml::from_str(&text)?;
    let mut out = Vec::new();
    for p in v
        .get("package")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
    {
        let from_registry = p
            .get("source")
            .and_then(|s| s.as_str())
            .is_some_and(|s| s.starts_with("registry+"));
        if from_registry {
            out.push((
                p["name"].as_str().unwrap_or_default().to_string(),
                p["version"].as_str().unwrap_or_default().to_string(),
            ));
        }
    }
    Ok(out)
}

fn registry_dirs() -> Vec<PathBuf> {
    let home = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cargo")
        });
    fs::read_dir(home.join("registry/src"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

fn fix_tree(set: &SkillSet, dir: &Path, tally: &mut Tally) -> Result<usize> {
    let report = scan::fix(set, dir, &all_files())?;
    let mut n = 0;
    for f in &report.files {
        for a in &f.outcome.applied {
            *tally.applied.entry(a.skill.clone()).or_default() += 1;
            n += 1;
        }
    }
    scan::write_fixes(&report)?;
    Ok(n)
}

struct RustResult {
    crates_scanned: usize,
    crates_fixed: Vec<String>,
    compiled: BTreeSet<String>,
    failed: BTreeMap<String, String>,
}

fn rust_corpus(set: &SkillSet, work: &Path, tally: &mut Tally) -> Result<RustResult> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let packages = locked_packages(&root.join("Cargo.lock"))?;
    let registries = registry_dirs();
    let rust_only = set
        .skills()
        .iter()
        .map(|s| s.id().to_string())
        .filter(|id| id.starts_with("rust/"))
        .collect::<Vec<_>>();
    if rust_only.is_empty() {
        return Ok(RustResult {
            crates_scanned: 0,
            crates_fixed: vec![],
            compiled: BTreeSet::new(),
            failed: BTreeMap::new(),
        });
    }
    let rust_set = SkillSet::builtin()?.select(&rust_only)?;
    let mut crates_fixed = Vec::new();
    let mut patches = String::new();
    let mut scanned = 0;
    for (name, version) in &packages {
        let Some(src) = registries
            .iter()
            .map(|r| r.join(format!("{name}-{version}")))
            .find(|p| p.is_dir())
        else {
            continue;
        };
        scanned += 1;
        let report = scan::scan(&rust_set, &src, &all_files())?;
        tally.add_scan(&report);
        if report.finding_count() == 0 {
            continue;
        }
        let copy = work.join("crates").join(format!("{name}-{version}"));
        copy_dir(&src, &copy)?;
        if fix_tree(&rust_set, &copy, tally)? > 0 {
            crates_fixed.push(name.clone());
            patches.push_str(&format!(
                "{name} = {{ path = {:?} }}\n",
                copy.display().to_string()
            ));
        }
    }
    let mut result = RustResult {
        crates_scanned: scanned,
        crates_fixed: crates_fixed.clone(),
        compiled: BTreeSet::new(),
        failed: BTreeMap::new(),
    };
    if crates_fixed.is_empty() {
        return Ok(result);
    }
    // A scratch project with this crate's own dependencies (so every crate is
    // built with the features our build uses), pinned by our lockfile, with
    // the fixed copies patched in.
    let project = work.join("check");
    fs::create_dir_all(project.join("src"))?;
    fs::write(project.join("src/lib.rs"), "")?;
    let manifest: toml::Value = toml::from_str(&fs::read_to_string(root.join("Cargo.toml"))?)?;
    let mut scratch = toml::map::Map::new();
    scratch.insert(
        "package".into(),
        toml::toml! { name = "lintcheck-scratch" version = "0.0.0" edition = "2021" }.into(),
    );
    for table in ["dependencies", "dev-dependencies"] {
        if let Some(t) = manifest.get(table) {
            scratch.insert(table.into(), t.clone());
        }
    }
    scratch.insert("workspace".into(), toml::Value::Table(Default::default()));
    let mut text = toml::to_string(&toml::Value::Table(scratch))?;
    text.push_str(&format!("\n[patch.crates-io]\n{patches}"));
    fs::write(project.join("Cargo.toml"), text)?;
    fs::copy(root.join("Cargo.lock"), project.join("Cargo.lock"))?;
    eprintln!(
        "lintcheck: cargo check of {} fixed crate(s)…",
        crates_fixed.len()
    );
    let out = Command::new(env!("CARGO"))
        .args([
            "check",
            "--tests",
            "--offline",
            "--keep-going",
            "--message-format",
            "json",
            "-j",
            "2",
        ])
        .current_dir(&project)
        .env("CARGO_TARGET_DIR", work.join("target"))
        .output()
        .context("running cargo check")?;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let id = msg["package_id"].as_str().unwrap_or_default();
        let Some(name) = crates_fixed
            .iter()
            .find(|n| id.contains(&format!("/crates/{n}-")))
        else {
            continue;
        };
        match msg["reason"].as_str() {
            Some("compiler-artifact") => {
                result.compiled.insert(name.clone());
            }
            Some("compiler-message") if msg["message"]["level"] == "error" => {
                result.failed.entry(name.clone()).or_insert_with(|| {
                    msg["message"]["rendered"]
                        .as_str()
                        .unwrap_or("")
                        .to_string()
                });
            }
            _ => {}
        }
    }
    for name in result.failed.keys() {
        result.compiled.remove(name);
    }
    if !out.status.success() && result.failed.is_empty() {
        bail!(
            "cargo check failed before compiling the fixed crates:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(result)
}

struct CppResult {
    trees: Vec<String>,
    fixes: usize,
    syntax_check: Option<Result<(), String>>,
}

fn cpp_corpus(set: &SkillSet, work: &Path, tally: &mut Tally) -> Result<CppResult> {
    let cpp_only = set
        .skills()
        .iter()
        .map(|s| s.id().to_string())
        .filter(|id| id.starts_with("cpp/"))
        .collect::<Vec<_>>();
    if cpp_only.is_empty() {
        return Ok(CppResult {
            trees: vec![],
            fixes: 0,
            syntax_check: None,
        });
    }
    let cpp_set = SkillSet::builtin()?.select(&cpp_only)?;
    let mut trees = Vec::new();
    let mut libstdcxx = None;
    if let Ok(entries) = fs::read_dir("/usr/include/c++") {
        let mut versions: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        versions.sort();
        libstdcxx = versions.pop();
    }
    trees.extend(libstdcxx.clone());
    if Path::new("/usr/include/boost").is_dir() {
        trees.push(PathBuf::from("/usr/include/boost"));
    }
    for t in &trees {
        tally.add_scan(&scan::scan(&cpp_set, t, &all_files())?);
    }
    let mut fixes = 0;
    let mut syntax_check = None;
    if let Some(lib) = libstdcxx {
        let version = lib
            .file_name()
            .map(|v| v.to_string_lossy().to_string())
            .unwrap_or_default();
        let copy = work.join("libstdcxx").join(&version);
        copy_dir(&lib, &copy)?;
        fixes = fix_tree(&cpp_set, &copy, tally)?;
        let tu = work.join("all.cpp");
        fs::write(&tu, "#include <bits/stdc++.h>\nint main() { std::vector<std::string> v{\"a\"}; std::map<int,int> m; std::cout << v[0] << m.size() << std::endl; }\n")?;
        let arch = format!("/usr/include/x86_64-linux-gnu/c++/{version}");
        let out = Command::new("g++")
            .args(["-std=c++20", "-fsyntax-only", "-nostdinc++", "-isystem"])
            .arg(&copy)
            .args(["-isystem", &arch])
            .arg(&tu)
            .output();
        syntax_check = Some(match out {
            Ok(o) if o.status.success() => Ok(()),
            Ok(o) => Err(String::from_utf8_lossy(&o.stderr)
                .lines()
                .take(20)
                .collect::<Vec<_>>()
                .join("\n")),
            Err(e) => Err(format!("g++ not runnable: {e}")),
        });
    }
    Ok(CppResult {
        trees: trees.iter().map(|t| t.display().to_string()).collect(),
        fixes,
        syntax_check,
    })
}

pub fn run(out_path: Option<PathBuf>) -> Result<()> {
    let set = SkillSet::builtin()?;
    let work = tempfile::tempdir()?;
    let mut tally = Tally::default();

    let rust = rust_corpus(&set, work.path(), &mut tally)?;
    let cpp = cpp_corpus(&set, work.path(), &mut tally)?;

    let mut md = String::from(
        "# wattson lintcheck\n\n| skill | findings | fixes applied |\n|---|---|---|\n",
    );
    for s in set.skills() {
        md.push_str(&format!(
            "| {} | {} | {} |\n",
            s.id(),
            tally.findings.get(s.id()).unwrap_or(&0),
            tally.applied.get(s.id()).unwrap_or(&0)
        ));
    }
    let checked = rust.compiled.len() + rust.failed.len();
    md.push_str(&format!(
        "\nRust: {} crates of our Cargo.lock scanned, {} fixed; {} of them compiled by `cargo check` (the rest are not built on this platform): {} compile, {} fail — compile rate {:.1}%.\n",
        rust.crates_scanned,
        rust.crates_fixed.len(),
        checked,
        rust.compiled.len(),
        rust.failed.len(),
        if checked > 0 { 100.0 * rust.compiled.len() as f64 / checked as f64 } else { 100.0 }
    ));
    for (name, err) in &rust.failed {
        md.push_str(&format!(
            "\n### {name} fails after the fix\n\n```\n{}\n```\n",
            err.trim()
        ));
    }
    md.push_str(&format!(
        "\nC++: scanned {}; {} fixes applied to a copy of libstdc++.\n",
        cpp.trees.join(", "),
        cpp.fixes
    ));
    match &cpp.syntax_check {
        Some(Ok(())) => md.push_str(
            "The fixed libstdc++ compiles (`g++ -fsyntax-only` through `<bits/stdc++.h>`).\n",
        ),
        Some(Err(e)) => md.push_str(&format!(
            "The fixed libstdc++ does NOT compile:\n\n```\n{e}\n```\n"
        )),
        None => {}
    }
    print!("{md}");
    if let Some(p) = out_path {
        fs::write(&p, &md).with_context(|| format!("writing {}", p.display()))?;
    }
    if !rust.failed.is_empty() || matches!(cpp.syntax_check, Some(Err(_))) {
        std::process::exit(1);
    }
    Ok(())
}
