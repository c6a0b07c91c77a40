//! The bundled demo, end to end: every skill (the pedantic ones too) finds
//! its pattern there, and after `fix --write --skill all` both programs still
//! build and print exactly what they printed before.

use std::collections::BTreeSet;
use std::process::Command;

use crate::common::{copy_tree, repo_root, run, stderr, stdout};
use serde_json::Value;
use wattson::skills::SkillSet;

fn findings_by_skill(dir: &std::path::Path) -> BTreeSet<String> {
    let out = run(&[
        "scan",
        dir.to_str().unwrap(),
        "--format",
        "json",
        "--skill",
        "all",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["skill"].as_str().unwrap().to_string())
        .collect()
}

fn assert_every_skill_fires(lang: &str, dir: &std::path::Path) {
    let found = findings_by_skill(dir);
    let set = SkillSet::builtin().unwrap();
    let missing: Vec<&str> = set
        .skills()
        .iter()
        .map(|s| s.id())
        .filter(|id| id.starts_with(lang) && !found.contains(*id))
        .collect();
    assert!(
        missing.is_empty(),
        "skills with no finding in demo/{lang}: {missing:?}"
    );
}

/// Check the demo for `lang` fires every skill, copy it into `tmp`, and
/// apply every fix to the copy; returns the copy's path.
fn fixed_copy(lang: &str, tmp: &std::path::Path) -> std::path::PathBuf {
    let src = repo_root().join("demo").join(lang);
    assert_every_skill_fires(lang, &src);
    let dir = tmp.join(lang);
    copy_tree(&src, &dir);
    let fix = run(&["fix", dir.to_str().unwrap(), "--write", "--skill", "all"]);
    assert!(fix.status.success(), "{}", stderr(&fix));
    assert!(stderr(&fix).contains("applied"), "{}", stderr(&fix));
    dir
}

/// The fixed program printed exactly the original's output, and nothing is
/// left to fix: the rewrite reached a fixed point.
fn assert_same_output_and_fixed_point(
    lang: &str,
    dir: &std::path::Path,
    out: &std::process::Output,
) {
    let expected =
        std::fs::read_to_string(repo_root().join(format!("demo/expected/{lang}.txt"))).unwrap();
    assert_eq!(
        stdout(out),
        expected,
        "the fixed demo prints something else"
    );
    assert_eq!(
        stdout(&run(&["fix", dir.to_str().unwrap(), "--skill", "all"])),
        ""
    );
}

#[test]
fn cpp_demo_still_builds_and_prints_the_same_after_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = fixed_copy("cpp", tmp.path());
    let build = Command::new("make")
        .arg("-C")
        .arg(&dir)
        .arg("-s")
        .output()
        .expect("make is installed");
    assert!(
        build.status.success(),
        "the fixed demo does not build:\n{}",
        stderr(&build)
    );
    let out = Command::new(dir.join("build/demo")).output().unwrap();
    assert_same_output_and_fixed_point("cpp", &dir, &out);
}

#[test]
fn rust_demo_still_builds_and_prints_the_same_after_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = fixed_copy("rust", tmp.path());
    let out = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--offline", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", tmp.path().join("target"))
        .env("RUSTFLAGS", "-D warnings")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the fixed demo does not build or run:\n{}",
        stderr(&out)
    );
    assert_same_output_and_fixed_point("rust", &dir, &out);
}
