//! Defense end to end on a real git history built here: several commits,
//! one of which slows the benchmark program down. Attribution ranks it first
//! (with profiles taken before and after, and by bisection), and its revert
//! builds, passes the tests and measurably recovers the loss.

use crate::common;
use std::path::Path;
use std::process::Command;

use crate::common::{run, stderr, stdout};
use git2::Repository;
use serde_json::Value;

const MAIN: &str = r#"#include <stdio.h>
unsigned long checksum(unsigned long rounds);
unsigned long banner(void);
int main(void) {
    printf("%lu %lu\n", checksum(3000000UL), banner());
    return 0;
}
"#;

const HOT_FAST: &str = r#"unsigned long checksum(unsigned long rounds) {
    unsigned long x = 1;
    for (unsigned long i = 0; i < rounds; ++i) {
        x = x * 6364136223846793005UL + i;
    }
    return x;
}
"#;

/// The same result, computed twice per step: the regression.
const HOT_SLOW: &str = r#"unsigned long checksum(unsigned long rounds) {
    unsigned long x = 1;
    for (unsigned long i = 0; i < rounds; ++i) {
        volatile unsigned long again = x * 6364136223846793005UL + i;
        x = x * 6364136223846793005UL + i;
        (void)again;
    }
    return x;
}
"#;

fn util(version: u32) -> String {
    format!("unsigned long banner(void) {{\n    return {version}UL;\n}}\n")
}

fn commit(repo: &Repository, dir: &Path, files: &[(&str, &str)], message: &str) -> String {
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    common::commit_all(repo, message)
}

fn sh(dir: &Path, script: &str) {
    let out = Command::new("sh")
        .args(["-c", script])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const BUILD: &str = "cc -O1 -g -o prog main.c hot.c util.c";

/// Build and profile the tree as it is now.
fn profile(dir: &Path, name: &str) -> String {
    sh(dir, BUILD);
    let out = dir.join(name);
    sh(
        dir,
        &format!(
            "valgrind --tool=callgrind --callgrind-out-file={} ./prog >/dev/null 2>&1",
            out.display()
        ),
    );
    // Keep profiles out of the repository.
    let kept = dir.parent().unwrap().join(name);
    std::fs::rename(&out, &kept).unwrap();
    kept.display().to_string()
}

struct History {
    _root: tempfile::TempDir,
    dir: std::path::PathBuf,
    good: String,
    culprit: String,
    bad: String,
    before: String,
    after: String,
}

fn history() -> History {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("repo");
    std::fs::create_dir(&dir).unwrap();
    let repo = Repository::init(&dir).unwrap();
    let config = format!(
        "[evidence]\nbuild = \"{BUILD}\"\ntest = \"./prog | grep -q ' '\"\n\
         bench = {{ prog = \"./prog\" }}\nbench_format = \"callgrind\"\nruns = 2\nwarmup = 0\n"
    );
    commit(
        &repo,
        &dir,
        &[
            ("main.c", MAIN),
            ("hot.c", HOT_FAST),
            ("util.c", &util(1)),
            (".wattson.toml", &config),
            (".gitignore", "prog\n"),
            ("README", "a benchmark\n"),
        ],
        "initial",
    );
    commit(&repo, &dir, &[("README", "a benchmark program\n")], "docs");
    let good = commit(&repo, &dir, &[("util.c", &util(2))], "banner v2");
    let before = profile(&dir, "before.callgrind");
    let culprit = commit(&repo, &dir, &[("hot.c", HOT_SLOW)], "checksum: keep a copy");
    commit(&repo, &dir, &[("util.c", &util(3))], "banner v3");
    commit(
        &repo,
        &dir,
        &[("README", "a benchmark program, v3\n")],
        "docs again",
    );
    let bad = commit(&repo, &dir, &[("util.c", &util(4))], "banner v4");
    let after = profile(&dir, "after.callgrind");
    History {
        _root: root,
        dir,
        good,
        culprit,
        bad,
        before,
        after,
    }
}

#[test]
fn the_culprit_ranks_first_and_its_revert_recovers_the_loss() {
    let h = history();
    let repo_path = h.dir.display().to_string();
    let out = run(&[
        "attribute",
        "--repo",
        &repo_path,
        "--good",
        &h.good,
        "--bad",
        &h.bad,
        "--profile-before",
        &h.before,
        "--profile-after",
        &h.after,
        "--bisect",
        "--format",
        "json",
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let suspects = v["suspects"].as_array().unwrap();
    assert_eq!(suspects.len(), 4, "{v:#}");
    assert_eq!(suspects[0]["commit"], h.culprit.as_str(), "{v:#}");
    let reasons: Vec<&str> = suspects[0]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("`checksum`")),
        "{reasons:?}"
    );
    assert!(reasons.iter().any(|r| r.contains("grew")), "{reasons:?}");
    // Commits that touch only docs score lowest.
    let last = suspects.last().unwrap();
    assert!(last["reasons"][0]
        .as_str()
        .unwrap()
        .contains("no C++ or Rust"));
    // Bisection by measurement agrees, and says what each step took:
    // exact counts are never too noisy to tell, so 2 runs a side each.
    assert_eq!(v["bisected"], h.culprit.as_str());
    let steps = v["bisect_steps"].as_array().unwrap();
    assert_eq!(steps.len(), 2, "{v:#}");
    for step in steps {
        assert_eq!(step["runs"], 2, "{step:#}");
        assert!(
            ["regressed", "unchanged"].contains(&step["verdict"].as_str().unwrap()),
            "{step:#}"
        );
    }

    // The revert: built on HEAD, tested, measured, proposed.
    let out = run(&[
        "revert", "--repo", &repo_path, &h.culprit, "--format", "json", "--quiet",
    ]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let c = &report["candidates"][0];
    assert_eq!(c["outcome"]["status"], "proposed", "{report:#}");
    let ev = &c["proposal"]["evidence"];
    assert_eq!(ev["verdict"], "improved", "{ev:#}");
    assert_eq!(ev["tests"]["status"], "passed");
    assert!(ev["benchmarks"][0]["change_percent"].as_f64().unwrap() < -10.0);
    let branch = c["outcome"]["branch"].as_str().unwrap();
    assert!(branch.starts_with("wattson/revert/"), "{branch}");
    let repo = Repository::open(&h.dir).unwrap();
    let tip = repo
        .find_branch(branch, git2::BranchType::Local)
        .unwrap()
        .get()
        .peel_to_commit()
        .unwrap();
    assert_eq!(tip.parent_id(0).unwrap().to_string(), h.bad);
    let hot = tip.tree().unwrap().get_path(Path::new("hot.c")).unwrap();
    let text = repo.find_blob(hot.id()).unwrap().content().to_vec();
    assert_eq!(String::from_utf8(text).unwrap(), HOT_FAST);
    // The later commits stay: util.c is still at v4.
    let util_c = tip.tree().unwrap().get_path(Path::new("util.c")).unwrap();
    let util_text = repo.find_blob(util_c.id()).unwrap().content().to_vec();
    assert_eq!(String::from_utf8(util_text).unwrap(), util(4));
    assert_eq!(repo.head().unwrap().target().unwrap().to_string(), h.bad);
}

#[test]
fn a_revert_that_conflicts_names_the_paths_and_proposes_nothing() {
    let h = history();
    let repo = Repository::open(&h.dir).unwrap();
    // A later edit of the same lines makes the culprit's revert conflict.
    let later = HOT_SLOW.replace(
        "volatile unsigned long again",
        "volatile unsigned long kept",
    );
    commit(&repo, &h.dir, &[("hot.c", &later)], "rename");
    let repo_path = h.dir.display().to_string();
    let out = run(&[
        "revert", "--repo", &repo_path, &h.culprit, "--format", "json", "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let outcome = &report["candidates"][0]["outcome"];
    assert_eq!(outcome["status"], "rejected");
    assert!(
        outcome["reason"].as_str().unwrap().contains("hot.c"),
        "{outcome:#}"
    );
    let branches = repo.branches(None).unwrap().count();
    assert_eq!(branches, 1, "no branch was made");
}

/// The instructions one run of the program takes, under callgrind.
fn instructions(dir: &Path) -> u64 {
    sh(dir, BUILD);
    let out = Command::new("valgrind")
        .args([
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            "./prog",
        ])
        .current_dir(dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    let refs = text
        .lines()
        .find_map(|l| l.split("refs:").nth(1))
        .unwrap_or_else(|| panic!("no count in {text}"));
    refs.trim().replace(',', "").parse().unwrap()
}

#[test]
fn a_regression_in_a_measured_feed_is_detected_attributed_and_reverted() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("repo");
    std::fs::create_dir(&dir).unwrap();
    let repo = Repository::init(&dir).unwrap();
    // Sixteen commits is a short history: a rank test cannot reach the
    // default 0.001 on 8 + 8 points, so this repository accepts 0.01.
    let config = format!(
        "[evidence]\nbuild = \"{BUILD}\"\ntest = \"./prog | grep -q ' '\"\n\
         bench = {{ prog = \"./prog\" }}\nbench_format = \"callgrind\"\nruns = 2\nwarmup = 0\n\
         [regression]\nmax_p_value = 0.01\n"
    );
    let mut feed = String::new();
    let mut record = |repo: &Repository, id: &str, dir: &Path| {
        let _ = repo;
        feed.push_str(&format!(
            "{{\"series\": \"prog/instructions\", \"commit\": \"{id}\", \"value\": {}, \"unit\": \"instructions\"}}\n",
            instructions(dir)
        ));
    };
    let first = commit(
        &repo,
        &dir,
        &[
            ("main.c", MAIN),
            ("hot.c", HOT_FAST),
            ("util.c", &util(0)),
            (".wattson.toml", &config),
            (".gitignore", "prog\n"),
        ],
        "initial",
    );
    record(&repo, &first, &dir);
    // Banners v1..v7, the culprit, banners v8..v14: one point a commit.
    let mut culprit = String::new();
    for v in 1..15 {
        if v == 8 {
            culprit = commit(&repo, &dir, &[("hot.c", HOT_SLOW)], "checksum: keep a copy");
            record(&repo, &culprit, &dir);
        }
        let id = commit(
            &repo,
            &dir,
            &[("util.c", &util(v))],
            &format!("banner v{v}"),
        );
        record(&repo, &id, &dir);
    }
    let feed_path = root.path().join("history.jsonl");
    std::fs::write(&feed_path, &feed).unwrap();
    let r = dir.display().to_string();
    let f = feed_path.display().to_string();

    let out = run(&["detect", "--feed", &f, "--repo", &r, "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let points = v["change_points"].as_array().unwrap();
    assert_eq!(points.len(), 1, "{v:#}");
    assert_eq!(points[0]["direction"], "regression");
    assert_eq!(points[0]["commit"], culprit.as_str());
    assert!(points[0]["change_percent"].as_f64().unwrap() > 10.0);

    // The same feed kept on a branch, as github-action-benchmark keeps its
    // data.js on gh-pages: read from git, with the same result.
    orphan_branch(&repo, "gh-pages", "dev/bench/history.jsonl", &feed);
    let on_branch = "git:gh-pages:dev/bench/history.jsonl";
    let out = run(&[
        "detect", "--feed", on_branch, "--repo", &r, "--format", "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let w: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(w, v);
    // A branch or file that is not there says which.
    for (missing, says) in [
        ("git:results:history.jsonl", "no branch `results`"),
        ("git:gh-pages:nope.jsonl", "has no file `nope.jsonl`"),
    ] {
        let out = run(&["detect", "--feed", missing, "--repo", &r]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains(says), "{}", stderr(&out));
    }

    let out = run(&[
        "propose", &r, "--feed", on_branch, "--format", "json", "--quiet",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let c = &report["candidates"][0];
    assert_eq!(c["outcome"]["status"], "proposed", "{report:#}");
    assert_eq!(c["proposal"]["evidence"]["verdict"], "improved");
    let description = std::fs::read_to_string(c["outcome"]["location"].as_str().unwrap()).unwrap();
    assert!(description.contains("xychart-beta"), "{description}");
    assert!(description.contains("### Attribution"), "{description}");
    assert!(description.contains("prog/instructions"), "{description}");
}

/// Makes `branch` one commit with no parent holding `text` at `path`, as
/// github-action-benchmark keeps gh-pages; the checkout is not touched.
fn orphan_branch(repo: &Repository, branch: &str, path: &str, text: &str) {
    let blob = repo.blob(text.as_bytes()).unwrap();
    let mut tree = git2::build::TreeUpdateBuilder::new();
    tree.upsert(path, blob, git2::FileMode::Blob);
    let empty = repo.treebuilder(None).unwrap().write().unwrap();
    let empty = repo.find_tree(empty).unwrap();
    let id = tree.create_updated(repo, &empty).unwrap();
    let who = git2::Signature::now("bench bot", "bench@example.com").unwrap();
    let commit = repo
        .commit(
            None,
            &who,
            &who,
            "benchmark results",
            &repo.find_tree(id).unwrap(),
            &[],
        )
        .unwrap();
    repo.reference(&format!("refs/heads/{branch}"), commit, true, "results")
        .unwrap();
}

// Seeded Gaussian noise (SplitMix64 and Box–Muller), so a test's "CI
// runs" are the same on every machine.
#[path = "../support/splitmix.rs"]
#[allow(dead_code)]
mod splitmix;
use splitmix::SplitMix as Noise;

/// A small program: about a hundred thousand instructions, mostly
/// start-up, so the regression is a step of some percent, not a doubling.
const MAIN_SHORT: &str = r#"#include <stdio.h>
unsigned long checksum(unsigned long rounds);
unsigned long banner(void);
int main(void) {
    printf("%lu %lu\n", checksum(16000UL), banner());
    return 0;
}
"#;

#[test]
fn a_short_history_with_three_runs_a_commit_names_the_culprit() {
    // Twelve commits, three CI runs each: callgrind counts with 0.2 % noise
    // added per run. With the shipped thresholds, medians alone (12 points)
    // could not reach significance; the 36 measurements do.
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("repo");
    std::fs::create_dir(&dir).unwrap();
    let repo = Repository::init(&dir).unwrap();
    let mut noise = Noise(14);
    let mut feed = String::new();
    let mut counts = Vec::new();
    let mut culprit = String::new();
    for v in 0..12 {
        let id = if v == 0 {
            commit(
                &repo,
                &dir,
                &[
                    ("main.c", MAIN_SHORT),
                    ("hot.c", HOT_FAST),
                    ("util.c", &util(0)),
                    (".gitignore", "prog\n"),
                ],
                "initial",
            )
        } else if v == 6 {
            culprit = commit(&repo, &dir, &[("hot.c", HOT_SLOW)], "checksum: keep a copy");
            culprit.clone()
        } else {
            commit(
                &repo,
                &dir,
                &[("util.c", &util(v))],
                &format!("banner v{v}"),
            )
        };
        let exact = instructions(&dir) as f64;
        counts.push(exact);
        for _ in 0..3 {
            feed.push_str(&format!(
                "{{\"series\": \"prog/instructions\", \"commit\": \"{id}\", \"value\": {:.0}}}\n",
                exact * (1.0 + 0.002 * noise.normal())
            ));
        }
    }
    // The culprit's step is real and clear: every count after it is higher
    // by several percent.
    let step = counts[6] / counts[5] - 1.0;
    assert!(step > 0.1, "{counts:?}");
    let feed_path = root.path().join("runs.jsonl");
    std::fs::write(&feed_path, &feed).unwrap();
    let r = dir.display().to_string();
    let f = feed_path.display().to_string();
    let out = run(&["detect", "--feed", &f, "--repo", &r, "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let points = v["change_points"].as_array().unwrap();
    assert_eq!(points.len(), 1, "{v:#}");
    let cp = &points[0];
    assert_eq!(cp["direction"], "regression", "{cp:#}");
    assert_eq!(cp["commit"], culprit.as_str(), "{cp:#}");
    assert!(cp["p_value"].as_f64().unwrap() < 1e-4, "{cp:#}");
    assert_eq!(
        (cp["runs_before"].as_u64(), cp["runs_after"].as_u64()),
        (Some(18), Some(18))
    );
    // The commits attribution looks at include the culprit.
    let history: Vec<String> = {
        let mut walk = repo.revwalk().unwrap();
        walk.push_head().unwrap();
        let mut ids: Vec<String> = walk.map(|o| o.unwrap().to_string()).collect();
        ids.reverse();
        ids
    };
    let at = |key: &str| {
        history
            .iter()
            .position(|id| cp["plausible"][key] == id.as_str())
            .unwrap_or_else(|| panic!("{key}: {cp:#}"))
    };
    assert!(at("first") <= 6 && 6 <= at("last"), "{cp:#}");
    assert_eq!(at("last_good") + 1, at("first"), "{cp:#}");
    // The text form names the culprit too.
    let out = run(&["detect", "--feed", &f, "--repo", &r]);
    assert!(stdout(&out).contains(&culprit[..10]), "{}", stdout(&out));
}
