//! Hotness end to end: real programs built and run under valgrind's
//! callgrind here, real `perf script`, folded and pprof profiles checked in
//! (see `tests/fixtures/profiles/README.md`), joined to their source by the
//! `wattson` binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{copy_tree, repo_root, run, stderr, stdout};
use serde_json::Value;

fn fixture(rel: &str) -> String {
    repo_root()
        .join("tests/fixtures")
        .join(rel)
        .display()
        .to_string()
}

fn json_of(args: &[&str]) -> Value {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("{args:?}: {e}\n{}", stdout(&out)))
}

fn hotspots(tree: &str, profile: &str) -> Value {
    json_of(&[
        "hotspots",
        tree,
        "--profile",
        profile,
        "--format",
        "json",
        "--top",
        "100",
    ])
}

fn names(h: &Value) -> Vec<String> {
    h["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect()
}

fn function<'a>(h: &'a Value, name: &str) -> &'a Value {
    h["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no function {name} in {h:#}"))
}

fn sh(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Run `program args` under callgrind; return the profile's path.
fn callgrind(dir: &Path, program: &Path, args: &[&str]) -> PathBuf {
    let profile = dir.join("callgrind.out.test");
    sh(Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", profile.display()))
        .arg(program)
        .args(args)
        .current_dir(dir));
    profile
}

/// `callgrind_annotate --inclusive=yes`: the largest inclusive share listed
/// for a function whose name starts with `name(` (an independent reading of
/// the same profile).
fn annotate_inclusive(profile: &Path, name: &str) -> f64 {
    let out = Command::new("callgrind_annotate")
        .arg("--inclusive=yes")
        .arg(profile)
        .output()
        .expect("callgrind_annotate runs");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .filter(|l| l.contains(&format!(":{name}(")))
        .filter_map(|l| {
            let open = l.find('(')?;
            let close = l[open..].find("%)")? + open;
            l[open + 1..close].trim().parse::<f64>().ok()
        })
        .fold(0.0, f64::max)
}

/// Scan findings (as JSON) in profile order, with the given extra flags.
fn ranked_findings(tree: &str, profile: &str, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["scan", tree, "--profile", profile, "--format", "json"];
    args.extend_from_slice(extra);
    json_of(&args)["findings"].as_array().unwrap().clone()
}

fn functions_of(findings: &[Value]) -> Vec<String> {
    findings
        .iter()
        .map(|f| f["heat"]["function"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn callgrind_of_a_held_out_cpp_program_ranks_its_hot_function_first() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo_root().join("tests/fixtures/hot/cpp"), dir.path());
    let exe = dir.path().join("hot");
    sh(Command::new("g++")
        .args(["-std=c++17", "-O2", "-g", "-o"])
        .arg(&exe)
        .arg("hot.cpp")
        .current_dir(dir.path()));
    // Scale 10: long enough that the dynamic loader is a small share.
    let profile = callgrind(dir.path(), &exe, &["10"]);
    let tree = dir.path().display().to_string();
    let p = profile.display().to_string();

    let h = hotspots(&tree, &p);
    assert_eq!(names(&h)[0], "bench::score", "{h:#}");
    assert!(h["mapped_percent"].as_f64().unwrap() >= 95.0, "{h:#}");
    // Inclusive weight agrees with callgrind's own annotator.
    let ours = function(&h, "bench::score")["inclusive_percent"]
        .as_f64()
        .unwrap();
    let theirs = annotate_inclusive(&profile, "bench::score");
    assert!(
        (ours - theirs).abs() < 0.5,
        "ours {ours} vs callgrind_annotate {theirs}"
    );
    let findings = &function(&h, "bench::score")["findings"];
    assert_eq!(findings[0]["skill"], "cpp/range-for-const-ref", "{h:#}");

    // scan: the hot finding first; the cold `banner` one is not offered.
    let ranked = ranked_findings(&tree, &p, &[]);
    assert_eq!(functions_of(&ranked)[0], "bench::score");
    assert!(
        !functions_of(&ranked).contains(&"banner".to_string()),
        "{ranked:#?}"
    );
    // With no threshold it is there, after every hotter one.
    let all = ranked_findings(&tree, &p, &["--min-percent", "0"]);
    let order = functions_of(&all);
    let banner = order
        .iter()
        .position(|f| f == "banner")
        .expect("banner's finding");
    assert!(order.iter().position(|f| f == "bench::score").unwrap() < banner);
    let weights: Vec<f64> = all
        .iter()
        .map(|f| f["heat"]["self_percent"].as_f64().unwrap())
        .collect();
    assert!(weights.windows(2).all(|w| w[0] >= w[1]), "{weights:?}");
}

#[test]
fn callgrind_of_a_held_out_rust_program_ranks_its_hot_function_first() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo_root().join("tests/fixtures/hot/rust"), dir.path());
    let exe = dir.path().join("hot");
    sh(Command::new("rustc")
        .args(["-O", "-g", "--edition", "2021", "-o"])
        .arg(&exe)
        .arg("hot.rs")
        .current_dir(dir.path()));
    // Scale 10: long enough that the dynamic loader is a small share.
    let profile = callgrind(dir.path(), &exe, &["10"]);
    let tree = dir.path().display().to_string();
    let p = profile.display().to_string();

    let h = hotspots(&tree, &p);
    assert_eq!(names(&h)[0], "hot::bench::score", "{h:#}");
    assert!(h["mapped_percent"].as_f64().unwrap() >= 95.0, "{h:#}");
    let ranked = ranked_findings(&tree, &p, &["--min-percent", "0"]);
    let order = functions_of(&ranked);
    assert_eq!(order[0], "hot::bench::score", "{ranked:#?}");
    let banner = order
        .iter()
        .position(|f| f == "hot::banner")
        .expect("banner's finding");
    assert!(banner > 0);
    let default = functions_of(&ranked_findings(&tree, &p, &[]));
    assert!(!default.contains(&"hot::banner".to_string()), "{default:?}");
}

#[test]
fn the_demo_under_callgrind_ranks_its_hottest_function_first() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo_root().join("demo/cpp"), dir.path());
    sh(Command::new("make").arg("-s").current_dir(dir.path()));
    let profile = callgrind(dir.path(), &dir.path().join("build/demo"), &[]);
    let tree = dir.path().display().to_string();
    let p = profile.display().to_string();

    let h = hotspots(&tree, &p);
    assert!(h["mapped_percent"].as_f64().unwrap() >= 95.0, "{h:#}");
    // The hottest function by callgrind's own annotator (main aside, which
    // holds everything) is ranked first, with the same inclusive share.
    let listed = names(&h);
    let (best, best_share) = listed
        .iter()
        .filter(|n| *n != "main")
        .map(|n| (n.clone(), annotate_inclusive(&profile, n)))
        .fold((String::new(), 0.0), |a, b| if b.1 > a.1 { b } else { a });
    assert_eq!(listed[0], best, "{h:#}");
    let ours = function(&h, &best)["inclusive_percent"].as_f64().unwrap();
    assert!(
        (ours - best_share).abs() < 0.5,
        "{best}: ours {ours} vs {best_share}"
    );

    // Its findings come before every finding in a function under 1%.
    let all = ranked_findings(&tree, &p, &["--min-percent", "0"]);
    let last_hot = all
        .iter()
        .rposition(|f| f["heat"]["function"] == best.as_str())
        .expect("the hottest function has findings");
    let first_cold = all
        .iter()
        .position(|f| f["heat"]["self_percent"].as_f64().unwrap() < 1.0)
        .expect("cold findings exist");
    assert!(last_hot < first_cold, "{all:#?}");
    // SARIF carries the order and the weights.
    let sarif = json_of(&["scan", &tree, "--profile", &p, "--format", "sarif"]);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let ranks: Vec<f64> = results
        .iter()
        .map(|r| r["rank"].as_f64().unwrap())
        .collect();
    assert!(
        !ranks.is_empty() && ranks.windows(2).all(|w| w[0] >= w[1]),
        "{ranks:?}"
    );
    assert_eq!(results[0]["properties"]["heat"]["function"], best.as_str());
}

#[test]
fn checked_in_perf_folded_and_pprof_profiles_rank_the_hot_function_first() {
    let cpp = fixture("hot/cpp");
    let rust = fixture("hot/rust");
    for (tree, profile, hottest, stacks) in [
        (
            &cpp,
            "profiles/perf/hot-cpp-dwarf.perf",
            "bench::score",
            true,
        ),
        (
            &cpp,
            "profiles/perf/hot-cpp-flat-srcline.perf",
            "bench::score",
            false,
        ),
        (&cpp, "profiles/folded/hot-cpp.folded", "bench::score", true),
        (
            &rust,
            "profiles/perf/hot-rust-dwarf.perf",
            "hot::bench::score",
            true,
        ),
        (
            &rust,
            "profiles/folded/hot-rust.folded",
            "hot::bench::score",
            true,
        ),
    ] {
        let h = hotspots(tree, &fixture(profile));
        assert_eq!(names(&h)[0], hottest, "{profile}: {h:#}");
        let mapped = h["mapped_percent"].as_f64().unwrap();
        // Without call stacks, library time cannot be traced to its caller.
        let floor = if stacks { 95.0 } else { 50.0 };
        assert!(mapped >= floor, "{profile}: mapped {mapped}");
        // The hot function's finding leads; the cold banner's is not offered.
        let order = functions_of(&ranked_findings(tree, &fixture(profile), &[]));
        assert_eq!(order[0], hottest, "{profile}: {order:?}");
        assert!(
            !order.iter().any(|f| f.ends_with("banner")),
            "{profile}: {order:?}"
        );
    }
    let pprof_tree = fixture("profiles/pprof/program");
    let h = hotspots(&pprof_tree, &fixture("profiles/pprof/profile.pb.gz"));
    assert_eq!(names(&h)[0], "program::shapes::Grid::fill", "{h:#}");
    assert!(h["mapped_percent"].as_f64().unwrap() >= 95.0);
}

#[test]
fn bad_profiles_are_errors_that_name_the_place() {
    let dir = tempfile::tempdir().unwrap();
    let tree = fixture("hot/cpp");
    let perf = std::fs::read_to_string(fixture("profiles/perf/hot-cpp-dwarf.perf")).unwrap();
    let cases: Vec<(&str, Vec<u8>, &[&str], &str)> = vec![
        (
            "bad.folded",
            b"main;a 3\nmain;b three\n".to_vec(),
            &[],
            "line 2",
        ),
        (
            "callgrind.out.1",
            b"events: Ir\nfn=(1) f\n3 x\n".to_vec(),
            &[],
            "line 3",
        ),
        (
            "cut.perf",
            {
                let mut t = perf.clone().into_bytes();
                t.extend_from_slice(b"\tzz garbage\n");
                t
            },
            &[],
            "line",
        ),
        (
            "bomb.pb.gz",
            vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3],
            &[],
            "gzip",
        ),
        (
            "what.txt",
            b"hello there\n".to_vec(),
            &[],
            "--profile-format",
        ),
        (
            "empty.folded",
            Vec::new(),
            &["--profile-format", "folded"],
            "no samples",
        ),
    ];
    for (name, bytes, extra, needle) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        let p = path.display().to_string();
        let mut args = vec!["hotspots", tree.as_str(), "--profile", p.as_str()];
        args.extend_from_slice(extra);
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(name) && err.contains(needle), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
}
