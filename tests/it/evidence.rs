//! Evidence end to end, on small held-out repositories made here with real
//! commits: `wattson bench` between revisions (a 2× speed-up, a no-op, in
//! wall-clock and callgrind modes) and `wattson propose` (a change that
//! improves, and one that breaks a test and is not proposed).

use crate::common;
use std::path::Path;

use crate::common::{commit_all, run, stderr, stdout};
use git2::{Repository, Signature};
use serde_json::Value;

/// A C program whose work is `N` rounds of a loop; `N` comes from `rounds.h`.
const PROGRAM: &str = r#"#include <stdio.h>
#include "rounds.h"
int main(void) {
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < ROUNDS; ++i) {
        x = x * 6364136223846793005UL + i;
    }
    printf("%lu\n", (unsigned long)x);
    return 0;
}
"#;

/// A repository with three commits: base, a 2× faster head (half the
/// rounds), and a no-op (a comment).
fn held_out_repo(config: &str) -> (tempfile::TempDir, String, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    std::fs::write(dir.path().join("prog.c"), PROGRAM).unwrap();
    std::fs::write(dir.path().join(".gitignore"), "prog\n").unwrap();
    std::fs::write(dir.path().join(".wattson.toml"), config).unwrap();
    std::fs::write(dir.path().join("rounds.h"), "#define ROUNDS 40000000UL\n").unwrap();
    let base = commit_all(&repo, "base");
    std::fs::write(dir.path().join("rounds.h"), "#define ROUNDS 20000000UL\n").unwrap();
    let faster = commit_all(&repo, "do half the work");
    std::fs::write(
        dir.path().join("rounds.h"),
        "// same work, new comment\n#define ROUNDS 20000000UL\n",
    )
    .unwrap();
    let noop = commit_all(&repo, "comment");
    (dir, base, faster, noop)
}

fn bench_json(repo: &Path, base: &str, head: &str) -> Value {
    let r = repo.display().to_string();
    let out = run(&[
        "bench", "--base", base, "--head", head, &r, "--format", "json", "--quiet",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

/// `bench_format` (`wall` or `cpu`) sees the 2× speed-up in seconds. Fifteen
/// runs a side: on a CI machine shared with the rest of the test suite one
/// run can take twice as long as the next, and ranks need runs to see
/// through that.
fn timed_evidence_sees_a_two_fold_speed_up(format: &str) {
    let config = format!(
        "[evidence]\nbuild = \"cc -O1 -o prog prog.c\"\nbench = {{ prog = \"./prog\" }}\n\
         bench_format = \"{format}\"\nruns = 15\nwarmup = 1\n"
    );
    let (dir, base, faster, _) = held_out_repo(&config);
    let ev = bench_json(dir.path(), &base, &faster);
    assert_eq!(ev["verdict"], "improved", "{ev:#}");
    assert_eq!(ev["bench_format"], format);
    assert_eq!(ev["build"]["status"], "passed");
    assert_eq!(ev["tests"]["status"], "skipped");
    let b = &ev["benchmarks"][0];
    assert_eq!(b["name"], "prog");
    assert_eq!(b["unit"], "s");
    let change = b["change_percent"].as_f64().unwrap();
    assert!((-75.0..=-25.0).contains(&change), "{ev:#}");
    // The interval excludes zero.
    assert!(b["ci_high"].as_f64().unwrap() < 0.0, "{ev:#}");
    assert!(b["p_value"].as_f64().unwrap() < 0.05, "{ev:#}");
    assert_eq!(b["base_samples"].as_array().unwrap().len(), 15);
    // 40 million rounds of a multiply-add take milliseconds at least.
    let base_median = b["base"].as_f64().unwrap();
    assert!(base_median > 0.001, "{ev:#}");
}

#[test]
fn wall_clock_evidence_sees_a_two_fold_speed_up() {
    timed_evidence_sees_a_two_fold_speed_up("wall");
}

#[test]
fn cpu_time_evidence_sees_a_two_fold_speed_up() {
    timed_evidence_sees_a_two_fold_speed_up("cpu");
}

#[test]
fn callgrind_evidence_is_exact_and_repeatable() {
    let config = "[evidence]\nbuild = \"cc -O1 -o prog prog.c\"\nbench = { prog = \"./prog\" }\n\
                  bench_format = \"callgrind\"\nruns = 2\nwarmup = 0\n";
    let (dir, base, faster, noop) = held_out_repo(config);
    let first = bench_json(dir.path(), &base, &faster);
    assert_eq!(first["verdict"], "improved", "{first:#}");
    let b = &first["benchmarks"][0];
    assert_eq!(b["unit"], "instructions");
    let change = b["change_percent"].as_f64().unwrap();
    assert!((-55.0..=-45.0).contains(&change), "{first:#}");
    // Identical counts within a side, and across two separate runs.
    let samples = |v: &Value, side: &str| -> Vec<f64> {
        v["benchmarks"][0][side]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    let base_counts = samples(&first, "base_samples");
    assert!(
        base_counts.windows(2).all(|w| w[0] == w[1]),
        "{base_counts:?}"
    );
    let second = bench_json(dir.path(), &base, &faster);
    assert_eq!(samples(&second, "base_samples"), base_counts);
    assert_eq!(
        samples(&second, "head_samples"),
        samples(&first, "head_samples")
    );
    // A no-op change (a comment) is no change at all.
    let noop_ev = bench_json(dir.path(), &faster, &noop);
    assert_eq!(noop_ev["verdict"], "unchanged", "{noop_ev:#}");
    assert_eq!(
        noop_ev["benchmarks"][0]["change_percent"].as_f64(),
        Some(0.0)
    );
    // The user's checkout is untouched and no worktree is left behind.
    let repo = Repository::open(dir.path()).unwrap();
    assert!(repo.worktrees().unwrap().is_empty());
    assert!(repo.statuses(None).unwrap().is_empty());
}

#[test]
fn remeasuring_adds_runs_to_the_same_comparison() {
    // What bisection does with a step too noisy to tell: the same head is
    // built again and measured with more runs, every run judged together.
    let config = "[evidence]\nbuild = \"cc -O1 -o prog prog.c\"\nbench = { prog = \"./prog\" }\n\
                  bench_format = \"callgrind\"\nruns = 2\nwarmup = 0\n";
    let (dir, base, faster, _) = held_out_repo(config);
    let cfg = wattson::config::Config::discover(dir.path())
        .unwrap()
        .evidence;
    let session = wattson::evidence::ab::Session::start(dir.path(), &base, &cfg).unwrap();
    let first = session.measure(&faster).unwrap();
    assert_eq!((first.verdict.as_str(), first.runs), ("improved", 2));
    let again = session.remeasure(&first).unwrap();
    assert_eq!((again.verdict.as_str(), again.runs), ("improved", 4));
    let b = &again.benchmarks[0];
    assert_eq!((b.base_samples.len(), b.head_samples.len()), (4, 4));
    // The first runs are kept as they were, and exact counts repeat.
    assert_eq!(b.base_samples[..2], first.benchmarks[0].base_samples[..]);
    assert!(b.head_samples.windows(2).all(|w| w[0] == w[1]), "{b:?}");
    drop(session);
    let repo = Repository::open(dir.path()).unwrap();
    assert!(repo.worktrees().unwrap().is_empty());
}

/// A C program whose instruction count varies by a few hundred
/// instructions from run to run (its process id decides a few extra
/// rounds, as a hash seed would) around `ROUNDS` rounds of real work.
const JITTERY_PROGRAM: &str = r#"#include <stdio.h>
#include <unistd.h>
#include "rounds.h"
int main(void) {
    volatile unsigned long x = 0;
    unsigned long n = ROUNDS + (unsigned long)(getpid() % 97);
    for (unsigned long i = 0; i < n; ++i) {
        x = x * 6364136223846793005UL + i;
    }
    printf("%lu\n", (unsigned long)x);
    return 0;
}
"#;

#[test]
fn nearly_exact_counts_with_two_runs_a_side_are_improved() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    std::fs::write(dir.path().join("prog.c"), JITTERY_PROGRAM).unwrap();
    std::fs::write(dir.path().join(".gitignore"), "prog\n").unwrap();
    std::fs::write(
        dir.path().join(".wattson.toml"),
        "[evidence]\nbuild = \"cc -O1 -o prog prog.c\"\nbench = { prog = \"./prog\" }\n\
         bench_format = \"callgrind\"\nruns = 2\nwarmup = 0\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("rounds.h"), "#define ROUNDS 1000000UL\n").unwrap();
    let base = commit_all(&repo, "base");
    // 2 % less work: far beyond a few hundred instructions of jitter.
    std::fs::write(dir.path().join("rounds.h"), "#define ROUNDS 980000UL\n").unwrap();
    let faster = commit_all(&repo, "2 % fewer rounds");
    let ev = bench_json(dir.path(), &base, &faster);
    let b = &ev["benchmarks"][0];
    let samples = |side: &str| -> Vec<f64> {
        b[side]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    let (base_counts, head_counts) = (samples("base_samples"), samples("head_samples"));
    // The runs really differ (two different process ids on each side)...
    assert!(
        base_counts[0] != base_counts[1] || head_counts[0] != head_counts[1],
        "{ev:#}"
    );
    // ...by a tiny fraction of the change, which is judged against that
    // spread: a rank test with two runs a side could not get below p = 1/3.
    assert_eq!(b["method"], "spread", "{ev:#}");
    assert_eq!(ev["verdict"], "improved", "{ev:#}");
    let change = b["change_percent"].as_f64().unwrap();
    assert!((-2.5..=-1.5).contains(&change), "{ev:#}");
    assert!(b["p_value"].as_f64().unwrap() < 0.05, "{ev:#}");
    // The text report says how the verdict was reached.
    let r = dir.path().display().to_string();
    let out = run(&["bench", "--base", &base, "--head", &faster, &r, "--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("nearly exact runs"), "{text}");
    assert!(text.contains("Welch"), "{text}");
}

#[test]
fn one_run_a_side_is_refused_when_the_config_is_read() {
    let config = "[evidence]\nbuild = \"cc -O1 -o prog prog.c\"\nbench = \"./prog\"\n\
                  bench_format = \"callgrind\"\nruns = 1\nwarmup = 0\n";
    let (dir, base, faster, _) = held_out_repo(config);
    let r = dir.path().display().to_string();
    let out = run(&["bench", "--base", &base, "--head", &faster, &r]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    // Names the file and key, says why, and says what to set.
    assert!(err.contains(".wattson.toml"), "{err}");
    assert!(err.contains("evidence.runs = 1"), "{err}");
    assert!(err.contains("spread"), "{err}");
    assert!(err.contains("runs = 2"), "{err}");
    // Nothing was built or measured: no worktree was made.
    let repo = Repository::open(dir.path()).unwrap();
    assert!(repo.worktrees().unwrap().is_empty());
}

#[test]
fn a_build_failure_is_reported_not_measured() {
    let config = "[evidence]\nbuild = \"cc -O1 -o prog prog.c\"\nbench = \"./prog\"\nruns = 2\n";
    let (dir, base, _, _) = held_out_repo(config);
    let repo = Repository::open(dir.path()).unwrap();
    std::fs::write(dir.path().join("rounds.h"), "#define ROUNDS oops\n").unwrap();
    let broken = commit_all(&repo, "break the build");
    let ev = bench_json(dir.path(), &base, &broken);
    assert_eq!(ev["verdict"], "failed", "{ev:#}");
    assert_eq!(ev["build"]["status"], "failed");
    assert!(
        ev["build"]["log_tail"].as_str().unwrap().contains("oops"),
        "{ev:#}"
    );
    assert!(ev["benchmarks"].as_array().unwrap().is_empty());
}

#[test]
fn bench_without_a_benchmark_configured_says_how_to_configure_one() {
    let (dir, base, faster, _) = held_out_repo("[evidence]\nbuild = \"true\"\n");
    let r = dir.path().display().to_string();
    let out = run(&["bench", "--base", &base, "--head", &faster, &r]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bench"), "{}", stderr(&out));
}

/// A C++ program with a copied range-for variable in its hot loop, and a
/// line-by-line log flushed with `std::endl` that a test relies on.
const PROPOSE_PROGRAM: &str = r#"#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

long score(const std::vector<std::string>& words) {
    long total = 0;
    for (std::string w : words) {
        total += static_cast<long>(w.size());
    }
    return total;
}

int main(int argc, char** argv) {
    const int crash_after = argc > 1 ? std::atoi(argv[1]) : -1;
    for (int i = 0; i < 4; ++i) {
        std::cout << "step " << i << std::endl;
        if (i == crash_after) {
            std::abort();
        }
    }
    std::vector<std::string> words(2000, std::string(64, 'x'));
    long total = 0;
    for (int round = 0; round < 50; ++round) {
        total += score(words);
    }
    std::cout << total << "\n";
    return 0;
}
"#;

/// The test: every step is logged before a crash (it needs the flush).
const PROPOSE_TEST: &str = r#"#!/bin/sh
lines=$(./prog 2 2>/dev/null | wc -l)
if [ "$lines" -eq 3 ]; then
  echo "test log_survives_a_crash ... ok"
else
  echo "test log_survives_a_crash ... FAILED"
  exit 1
fi
"#;

#[test]
fn propose_keeps_what_improves_and_names_the_test_that_a_rewrite_breaks() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    std::fs::write(dir.path().join("prog.cpp"), PROPOSE_PROGRAM).unwrap();
    std::fs::write(dir.path().join("test.sh"), PROPOSE_TEST).unwrap();
    std::fs::write(dir.path().join(".gitignore"), "prog\n").unwrap();
    std::fs::write(
        dir.path().join(".wattson.toml"),
        "[evidence]\nbuild = \"g++ -O1 -o prog prog.cpp\"\ntest = \"sh test.sh\"\n\
         bench = \"./prog\"\nbench_format = \"callgrind\"\nruns = 2\nwarmup = 0\n",
    )
    .unwrap();
    commit_all(&repo, "program");
    let head_before = repo.head().unwrap().target().unwrap();
    let r = dir.path().display().to_string();
    let out = run(&["propose", &r, "--format", "json", "--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let candidates = report["candidates"].as_array().unwrap();
    let by_skill = |id: &str| {
        candidates
            .iter()
            .find(|c| c["proposal"]["skill"] == id)
            .unwrap_or_else(|| panic!("no candidate {id}: {report:#}"))
    };

    // The copy in the hot loop: measured, improved, proposed as a branch.
    let copy = by_skill("cpp/range-for-const-ref");
    assert_eq!(copy["outcome"]["status"], "proposed", "{copy:#}");
    let evidence = &copy["proposal"]["evidence"];
    assert_eq!(evidence["verdict"], "improved");
    assert!(
        evidence["benchmarks"][0]["change_percent"]
            .as_f64()
            .unwrap()
            < -1.0
    );
    let branch = copy["outcome"]["branch"].as_str().unwrap();
    assert!(branch.starts_with("wattson/cpp-range-for-const-ref/"));
    let tip = repo
        .find_branch(branch, git2::BranchType::Local)
        .unwrap()
        .get()
        .peel_to_commit()
        .unwrap();
    assert_eq!(tip.parent_id(0).unwrap(), head_before);
    assert_eq!(tip.committer().name(), Ok("wattson"));
    let description =
        std::fs::read_to_string(copy["outcome"]["location"].as_str().unwrap()).unwrap();
    assert!(
        description.contains("| benchmark | base | patched |"),
        "{description}"
    );
    assert!(description.contains("wattson:fingerprint="));

    // `std::endl` → '\n' is faster, but the log no longer survives a crash:
    // rejected at the tests rung, naming the test.
    let endl = by_skill("cpp/endl-in-loop");
    assert_eq!(endl["outcome"]["status"], "rejected", "{endl:#}");
    assert_eq!(endl["outcome"]["rung"], "tests");
    let reason = endl["outcome"]["reason"].as_str().unwrap();
    assert!(reason.contains("log_survives_a_crash"), "{reason}");
    let branches: Vec<String> = repo
        .branches(None)
        .unwrap()
        .map(|b| b.unwrap().0.name().unwrap().unwrap().to_string())
        .collect();
    assert!(!branches.iter().any(|b| b.contains("endl")), "{branches:?}");

    // Nothing else moved: HEAD, the default branch and the working tree.
    assert_eq!(repo.head().unwrap().target().unwrap(), head_before);
    assert!(repo.statuses(None).unwrap().is_empty());
    assert!(repo.worktrees().unwrap().is_empty());
}

#[test]
fn a_branch_with_a_human_commit_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    std::fs::write(dir.path().join("prog.cpp"), PROPOSE_PROGRAM).unwrap();
    std::fs::write(
        dir.path().join(".wattson.toml"),
        "[evidence]\nbuild = \"g++ -O1 -o prog prog.cpp\"\nbench = \"./prog\"\n\
         bench_format = \"callgrind\"\nruns = 2\nwarmup = 0\n",
    )
    .unwrap();
    std::fs::write(dir.path().join(".gitignore"), "prog\n").unwrap();
    commit_all(&repo, "program");
    let r = dir.path().display().to_string();
    let args = [
        "propose",
        &r,
        "--format",
        "json",
        "--quiet",
        "--skill",
        "cpp/range-for-const-ref",
    ];
    let first: Value = serde_json::from_str(&stdout(&run(&args))).unwrap();
    let branch = first["candidates"][0]["outcome"]["branch"]
        .as_str()
        .unwrap_or_else(|| panic!("{first:#}"))
        .to_string();
    // A person pushes onto wattson's branch.
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let sig = Signature::now("Dev", "dev@example.com").unwrap();
    let tree = head.tree().unwrap();
    let human = repo
        .commit(None, &sig, &sig, "my own change", &tree, &[&head])
        .unwrap();
    repo.branch(&branch, &repo.find_commit(human).unwrap(), true)
        .unwrap();
    let second: Value = serde_json::from_str(&stdout(&run(&args))).unwrap();
    let outcome = &second["candidates"][0]["outcome"];
    assert_eq!(outcome["status"], "rejected", "{second:#}");
    assert_eq!(outcome["rung"], "publish");
    assert!(outcome["reason"].as_str().unwrap().contains("did not make"));
    let tip = repo
        .find_branch(&branch, git2::BranchType::Local)
        .unwrap()
        .get()
        .target()
        .unwrap();
    assert_eq!(tip, human, "the human's commit is still the tip");
}

#[test]
fn ctrl_c_kills_the_benchmark_and_removes_the_worktrees() {
    let scratch = tempfile::tempdir().unwrap();
    let pidfile = scratch.path().join("bench.pid");
    let config = format!(
        "[evidence]\nbuild = \"true\"\nbench = \"echo $$ > {}; sleep 60\"\nruns = 2\nwarmup = 0\n",
        pidfile.display()
    );
    let (dir, base, faster, _) = held_out_repo(&config);
    let mut child = common::wattson()
        .args(["bench", "--base", &base, "--head", &faster, "--quiet"])
        .arg(dir.path())
        .spawn()
        .unwrap();
    // Wait until the benchmark runs (it writes its pid), then interrupt.
    let started = std::time::Instant::now();
    while !pidfile.exists() || std::fs::read_to_string(&pidfile).unwrap().trim().is_empty() {
        assert!(
            started.elapsed().as_secs() < 60,
            "the benchmark never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let bench_pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let repo = Repository::open(dir.path()).unwrap();
    assert!(
        !repo.worktrees().unwrap().is_empty(),
        "worktrees exist while measuring"
    );
    // SAFETY: signalling a child process we started.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let repo = Repository::open(dir.path()).unwrap();
    assert!(repo.worktrees().unwrap().is_empty(), "worktrees removed");
    std::thread::sleep(std::time::Duration::from_millis(200));
    // Gone, or a zombie waiting for whoever adopted it to reap it.
    let state = std::fs::read_to_string(format!("/proc/{bench_pid}/stat")).unwrap_or_default();
    let alive = state
        .rsplit_once(')')
        .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z'));
    assert!(!alive, "the benchmark's process was killed: {state}");
    assert!(repo.statuses(None).unwrap().is_empty());
}
