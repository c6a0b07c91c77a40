//! Every format against real output (tests/fixtures/bench-output) and hostile input.

use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bench-output");

fn fixture(name: &str) -> String {
    let path = Path::new(FIXTURES).join(name);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn no_tree() -> PathBuf {
    PathBuf::from("/nonexistent/wattson-formats-test")
}

fn parse_stdout(format: BenchFormat, stdout: &str) -> Result<Vec<Measurement>, FormatError> {
    parse(format, stdout, None, &no_tree())
}

fn names(found: &[Measurement]) -> Vec<&str> {
    found.iter().map(|m| m.name.as_str()).collect()
}

/// serde_json's default float parsing may be one ULP off for 17-digit literals (exact
/// round-tripping needs its `float_roundtrip` feature), so fixture values compare closely.
fn assert_close(actual: f64, expected: f64) {
    let tolerance = expected.abs() * 1e-12;
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} is not {expected}"
    );
}

fn value_of(found: &[Measurement], name: &str) -> f64 {
    found
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no `{name}` in {found:?}"))
        .value
}

fn error_text(result: Result<Vec<Measurement>, FormatError>) -> String {
    match result {
        Ok(found) => panic!("expected an error, got {found:?}"),
        Err(e) => e.to_string(),
    }
}

/// A fresh scratch directory (std only, so the tests need no extra dependency).
fn scratch_dir(tag: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "wattson-formats-{}-{}-{tag}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(path, text).expect("write");
}

#[test]
fn wall_cpu_and_callgrind_are_not_parsed() {
    for format in [BenchFormat::Wall, BenchFormat::Cpu, BenchFormat::Callgrind] {
        let message = error_text(parse_stdout(format, "anything"));
        assert!(
            message.contains("measured by the runner itself"),
            "{message}"
        );
    }
    assert!(error_text(parse_stdout(BenchFormat::Wall, "")).starts_with("wall:"));
}

#[test]
fn format_names_are_kebab_case() {
    let json = serde_json::to_string(&BenchFormat::GoogleBenchmark).expect("serialize");
    assert_eq!(json, "\"google-benchmark\"");
    let back: BenchFormat = serde_json::from_str("\"libtest\"").expect("deserialize");
    assert_eq!(back, BenchFormat::Libtest);
}

// --- Google Benchmark ---

#[test]
fn google_benchmark_single_run() {
    let found = parse_stdout(
        BenchFormat::GoogleBenchmark,
        &fixture("google-benchmark.json"),
    )
    .expect("parse");
    assert_eq!(
        names(&found),
        ["BM_StringCopy", "BM_VectorSum/1024", "BM_VectorSum/64"]
    );
    assert_close(value_of(&found, "BM_StringCopy"), 31.01898497783054);
    assert_close(value_of(&found, "BM_VectorSum/64"), 69.311657385725);
    assert!(found.iter().all(|m| m.unit == "ns"));
}

#[test]
fn google_benchmark_repetitions_take_median_of_iterations() {
    let found = parse_stdout(
        BenchFormat::GoogleBenchmark,
        &fixture("google-benchmark-repetitions.json"),
    )
    .expect("parse");
    // Aggregates (`_mean`, `_median`, `_stddev`, `_cv`) are not separate benchmarks.
    assert_eq!(
        names(&found),
        ["BM_StringCopy", "BM_VectorSum/1024", "BM_VectorSum/64"]
    );
    // Repetitions 39.69…, 38.248…, 37.54…: the median is the middle one.
    assert_close(value_of(&found, "BM_VectorSum/64"), 38.248488845902656);
    assert_close(value_of(&found, "BM_VectorSum/1024"), 604.6083119942252);
    assert_close(value_of(&found, "BM_StringCopy"), 41.559912155243026);
}

#[test]
fn google_benchmark_aggregates_only_uses_median_aggregate() {
    let found = parse_stdout(
        BenchFormat::GoogleBenchmark,
        &fixture("google-benchmark-aggregates-only.json"),
    )
    .expect("parse");
    assert_eq!(
        names(&found),
        ["BM_StringCopy", "BM_VectorSum/1024", "BM_VectorSum/64"]
    );
    assert_close(value_of(&found, "BM_StringCopy"), 30.82888226670332);
    assert_close(value_of(&found, "BM_VectorSum/64"), 38.57003918672714);
}

#[test]
fn google_benchmark_mean_aggregate_when_no_median() {
    let json = r#"{"benchmarks": [
        {"name": "BM_A_mean", "run_name": "BM_A", "run_type": "aggregate",
         "aggregate_name": "mean", "real_time": 12.5, "time_unit": "us"},
        {"name": "BM_A_stddev", "run_name": "BM_A", "run_type": "aggregate",
         "aggregate_name": "stddev", "real_time": 0.5, "time_unit": "us"}
    ]}"#;
    let found = parse_stdout(BenchFormat::GoogleBenchmark, json).expect("parse");
    assert_eq!(
        found,
        [Measurement {
            name: "BM_A".into(),
            unit: "us".into(),
            value: 12.5
        }]
    );
}

#[test]
fn google_benchmark_even_repetitions_average_the_middle_two() {
    let json = r#"{"benchmarks": [
        {"name": "BM_A", "run_type": "iteration", "real_time": 4, "time_unit": "ns"},
        {"name": "BM_A", "run_type": "iteration", "real_time": 1, "time_unit": "ns"},
        {"name": "BM_A", "run_type": "iteration", "real_time": 2, "time_unit": "ns"},
        {"name": "BM_A", "run_type": "iteration", "real_time": 100, "time_unit": "ns"}
    ]}"#;
    let found = parse_stdout(BenchFormat::GoogleBenchmark, json).expect("parse");
    assert_close(value_of(&found, "BM_A"), 3.0);
}

#[test]
fn google_benchmark_prefers_output_file_and_falls_back_to_stdout() {
    let dir = scratch_dir("gb-file");
    let out = dir.join("bench.json");
    let stdout = fixture("google-benchmark.json");
    write(&out, &fixture("google-benchmark-aggregates-only.json"));
    let found = parse(BenchFormat::GoogleBenchmark, &stdout, Some(&out), &dir).expect("file");
    assert_close(value_of(&found, "BM_StringCopy"), 30.82888226670332);

    // Empty or missing output file: stdout is used.
    write(&out, "");
    let found = parse(BenchFormat::GoogleBenchmark, &stdout, Some(&out), &dir).expect("empty");
    assert_close(value_of(&found, "BM_StringCopy"), 31.01898497783054);
    fs::remove_file(&out).expect("rm");
    let found = parse(BenchFormat::GoogleBenchmark, &stdout, Some(&out), &dir).expect("gone");
    assert_close(value_of(&found, "BM_StringCopy"), 31.01898497783054);

    // Neither: the error names both places.
    let message = error_text(parse(BenchFormat::GoogleBenchmark, "", Some(&out), &dir));
    assert!(
        message.contains("no benchmarks found in stdout"),
        "{message}"
    );
    assert!(message.contains("does not exist"), "{message}");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn google_benchmark_skips_log_lines_before_the_document() {
    let stdout = format!(
        "make: Nothing to be done for 'all'.\nrunning ./bm\n{}\ndone\n",
        fixture("google-benchmark.json")
    );
    let found = parse_stdout(BenchFormat::GoogleBenchmark, &stdout).expect("parse");
    assert_eq!(found.len(), 3);
}

#[test]
fn google_benchmark_ignores_lines_after_the_document() {
    let stdout = format!("{}\nbenchmarks done\n", fixture("google-benchmark.json"));
    let found = parse_stdout(BenchFormat::GoogleBenchmark, &stdout).expect("parse");
    assert_eq!(found.len(), 3);
}

#[test]
fn google_benchmark_truncated_json_is_an_error() {
    let text = fixture("google-benchmark.json");
    let truncated = &text[..text.len() / 2];
    let message = error_text(parse_stdout(BenchFormat::GoogleBenchmark, truncated));
    assert!(
        message.starts_with("google-benchmark JSON in stdout"),
        "{message}"
    );
    assert!(message.contains("invalid JSON at line"), "{message}");
    assert!(message.contains("EOF"), "{message}");

    // Truncated after log lines: the line number counts from the top of stdout.
    let message = error_text(parse_stdout(
        BenchFormat::GoogleBenchmark,
        &format!("log 1\nlog 2\n{truncated}"),
    ));
    let lines = truncated.lines().count() + 2;
    assert!(message.contains(&format!("at line {lines},")), "{message}");
}

#[test]
fn google_benchmark_wrong_types_name_the_json_path() {
    let json = r#"{"benchmarks": [
        {"name": "BM_A", "run_type": "iteration", "real_time": 1.0, "time_unit": "ns"},
        {"name": "BM_B", "run_type": "iteration", "real_time": "fast", "time_unit": "ns"}
    ]}"#;
    let message = error_text(parse_stdout(BenchFormat::GoogleBenchmark, json));
    assert_eq!(
        message,
        "google-benchmark JSON in stdout: `benchmarks[1].real_time` is not a number (found a string)"
    );

    let message = error_text(parse_stdout(
        BenchFormat::GoogleBenchmark,
        r#"{"benchmarks": [{"name": "BM_A", "real_time": 1.0}]}"#,
    ));
    assert!(
        message.contains("`benchmarks[0].time_unit` is missing"),
        "{message}"
    );

    let message = error_text(parse_stdout(
        BenchFormat::GoogleBenchmark,
        r#"{"context": {}}"#,
    ));
    assert!(message.contains("`benchmarks` is missing"), "{message}");

    let message = error_text(parse_stdout(BenchFormat::GoogleBenchmark, "[1, 2]"));
    assert!(
        message.contains("the top-level value is not an object"),
        "{message}"
    );
}

#[test]
fn google_benchmark_no_benchmarks_is_an_error() {
    let message = error_text(parse_stdout(
        BenchFormat::GoogleBenchmark,
        r#"{"context": {}, "benchmarks": []}"#,
    ));
    assert!(
        message.starts_with("google-benchmark: no benchmarks found in stdout"),
        "{message}"
    );

    let message = error_text(parse_stdout(BenchFormat::GoogleBenchmark, "  \n"));
    assert!(
        message.contains("no benchmarks found in stdout, which is empty"),
        "{message}"
    );

    let message = error_text(parse_stdout(
        BenchFormat::GoogleBenchmark,
        "Segmentation fault\n",
    ));
    assert!(message.contains("no JSON document found"), "{message}");
}

#[test]
fn google_benchmark_reported_error_is_an_error() {
    let json = r#"{"benchmarks": [
        {"name": "BM_A", "run_name": "BM_A", "run_type": "iteration",
         "error_occurred": true, "error_message": "out of memory",
         "real_time": 0, "time_unit": "ns"}
    ]}"#;
    let message = error_text(parse_stdout(BenchFormat::GoogleBenchmark, json));
    assert!(message.contains("`BM_A`"), "{message}");
    assert!(message.contains("out of memory"), "{message}");
}

// --- hyperfine ---

#[test]
fn hyperfine_export_json() {
    let found = parse_stdout(BenchFormat::Hyperfine, &fixture("hyperfine.json")).expect("parse");
    assert_eq!(names(&found), ["sleep 0.01", "sleep 0.02"]);
    assert_close(value_of(&found, "sleep 0.01"), 0.010435346880000002);
    assert_close(value_of(&found, "sleep 0.02"), 0.02535685488);
    assert!(found.iter().all(|m| m.unit == "s"));
}

#[test]
fn hyperfine_reads_output_file() {
    let dir = scratch_dir("hf-file");
    let out = dir.join("hyperfine.json");
    write(&out, &fixture("hyperfine.json"));
    // hyperfine's own progress text goes to stdout; the file is what counts.
    let stdout = "Benchmark 1: sleep 0.01\n  Time (mean ± σ):  14.4 ms\n";
    let found = parse(BenchFormat::Hyperfine, stdout, Some(&out), &dir).expect("parse");
    assert_eq!(found.len(), 2);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn hyperfine_falls_back_to_mean() {
    let json = r#"{"results": [{"command": "b", "mean": 0.5}, {"command": "a", "median": 0.25}]}"#;
    let found = parse_stdout(BenchFormat::Hyperfine, json).expect("parse");
    assert_eq!(names(&found), ["a", "b"]);
    assert_close(value_of(&found, "b"), 0.5);
}

#[test]
fn hyperfine_malformed_inputs() {
    let json = r#"{"results": [
        {"command": "a", "median": 1.0}, {"command": "b", "median": 2.0},
        {"command": "c", "median": null}
    ]}"#;
    assert_eq!(
        error_text(parse_stdout(BenchFormat::Hyperfine, json)),
        "hyperfine JSON in stdout: `results[2].median` is not a number (found null)"
    );

    let json = r#"{"results": [{"median": 1.0}]}"#;
    let message = error_text(parse_stdout(BenchFormat::Hyperfine, json));
    assert!(
        message.contains("`results[0].command` is missing"),
        "{message}"
    );

    let json = r#"{"results": [{"command": "a"}]}"#;
    let message = error_text(parse_stdout(BenchFormat::Hyperfine, json));
    assert!(
        message.contains("`results[0].median` is missing, and so is `results[0].mean`"),
        "{message}"
    );

    let message = error_text(parse_stdout(BenchFormat::Hyperfine, r#"{"results": {}}"#));
    assert!(
        message.contains("`results` is not an array (found an object)"),
        "{message}"
    );

    let message = error_text(parse_stdout(BenchFormat::Hyperfine, r#"{"results": []}"#));
    assert!(
        message.starts_with("hyperfine: no benchmarks found in stdout"),
        "{message}"
    );

    let text = fixture("hyperfine.json");
    let message = error_text(parse_stdout(BenchFormat::Hyperfine, &text[..100]));
    assert!(message.contains("invalid JSON at line"), "{message}");

    let json = r#"{"results": [{"command": "a", "median": 1}, {"command": "a", "median": 2}]}"#;
    let message = error_text(parse_stdout(BenchFormat::Hyperfine, json));
    assert!(message.contains("`a` appears more than once"), "{message}");
}

#[test]
fn unreadable_output_file_is_an_error() {
    let dir = scratch_dir("hf-dir");
    // A directory where the file should be: reading it fails with something other than NotFound.
    let message = error_text(parse(BenchFormat::Hyperfine, "", Some(&dir), &dir));
    assert!(message.starts_with("hyperfine: cannot read"), "{message}");
    let _ = fs::remove_dir_all(&dir);
}

// --- Criterion ---

#[test]
fn criterion_estimates_under_target() {
    let tree = Path::new(FIXTURES).join("criterion");
    let found = parse(BenchFormat::Criterion, "", None, &tree).expect("parse");
    assert_eq!(names(&found), ["fib 10", "sum/small"]);
    assert_close(value_of(&found, "fib 10"), 143.88324827273);
    assert_close(value_of(&found, "sum/small"), 1.0916650495714864);
    assert!(found.iter().all(|m| m.unit == "ns"));
}

#[test]
fn criterion_message_format_json_on_stdout() {
    let stdout = fixture("criterion-messages.jsonl");
    let found = parse(BenchFormat::Criterion, &stdout, None, &no_tree()).expect("parse");
    assert_eq!(names(&found), ["fib 10", "sum/small"]);
    assert_close(value_of(&found, "fib 10"), 143.78995573358847);
    assert_close(value_of(&found, "sum/small"), 1.1185566603601336);
    assert!(found.iter().all(|m| m.unit == "ns"));
}

#[test]
fn criterion_stdout_lines_win_over_the_directory() {
    let tree = Path::new(FIXTURES).join("criterion");
    let stdout = "Compiling x\n{\"reason\":\"benchmark-complete\",\"id\":\"only\",\
                  \"typical\":{\"estimate\":7.5,\"lower_bound\":7.0,\"upper_bound\":8.0,\"unit\":\"ns\"}}\n";
    let found = parse(BenchFormat::Criterion, stdout, None, &tree).expect("parse");
    assert_eq!(
        found,
        [Measurement {
            name: "only".into(),
            unit: "ns".into(),
            value: 7.5
        }]
    );
}

#[test]
fn criterion_malformed_message_names_the_line_and_field() {
    let stdout = "{\"reason\":\"group-complete\",\"group_name\":\"g\"}\n\
                  {\"reason\":\"benchmark-complete\",\"id\":\"a\",\"typical\":{\"unit\":\"ns\"}}\n";
    assert_eq!(
        error_text(parse(BenchFormat::Criterion, stdout, None, &no_tree())),
        "criterion JSON in stdout line 2: `typical.estimate` is missing"
    );
    let stdout = "{\"reason\":\"benchmark-complete\",\"id\":\"a\",\"typ\n";
    let message = error_text(parse(BenchFormat::Criterion, stdout, None, &no_tree()));
    assert!(
        message.starts_with("criterion JSON in stdout line 1: invalid JSON"),
        "{message}"
    );
}

#[test]
fn criterion_directory_fallbacks_and_skips() {
    let tree = scratch_dir("crit");
    let root = tree.join("target/criterion");
    // No benchmark.json: the name is the path; only `mean` present: it is used.
    write(
        &root.join("group/param/7/new/estimates.json"),
        r#"{"mean": {"point_estimate": 42.0}}"#,
    );
    // `report` directories and baselines other than `new` are ignored.
    write(
        &root.join("report/new/estimates.json"),
        r#"{"median": {"point_estimate": 1.0}}"#,
    );
    write(
        &root.join("group/param/7/base/estimates.json"),
        r#"{"median": {"point_estimate": 1.0}}"#,
    );
    let found = parse(BenchFormat::Criterion, "", None, &tree).expect("parse");
    assert_eq!(
        found,
        [Measurement {
            name: "group/param/7".into(),
            unit: "ns".into(),
            value: 42.0
        }]
    );

    write(
        &root.join("bad/new/estimates.json"),
        r#"{"median": {"point_estimate": "x"}}"#,
    );
    let message = error_text(parse(BenchFormat::Criterion, "", None, &tree));
    assert!(message.contains("bad/new/estimates.json"), "{message}");
    assert!(
        message.contains("`median.point_estimate` is not a number"),
        "{message}"
    );

    write(
        &root.join("bad/new/estimates.json"),
        r#"{"median": {"point_es"#,
    );
    let message = error_text(parse(BenchFormat::Criterion, "", None, &tree));
    assert!(message.contains("invalid JSON"), "{message}");
    let _ = fs::remove_dir_all(&tree);
}

#[test]
fn criterion_nothing_found_is_an_error() {
    let message = error_text(parse(BenchFormat::Criterion, "hello\n", None, &no_tree()));
    assert!(
        message.starts_with("criterion: no benchmarks found in stdout or"),
        "{message}"
    );
    assert!(message.contains("does not exist"), "{message}");

    let tree = scratch_dir("crit-empty");
    fs::create_dir_all(tree.join("target/criterion/report")).expect("mkdir");
    let message = error_text(parse(BenchFormat::Criterion, "", None, &tree));
    assert!(
        message.starts_with("criterion: no benchmarks found"),
        "{message}"
    );
    let _ = fs::remove_dir_all(&tree);
}

// --- libtest ---

#[test]
fn libtest_decimal_style() {
    let found = parse_stdout(BenchFormat::Libtest, &fixture("libtest-decimal.txt")).expect("parse");
    assert_eq!(
        names(&found),
        ["benches::fib_20", "benches::fib_5", "benches::sort_10k"]
    );
    assert_close(value_of(&found, "benches::fib_20"), 35070.14);
    assert_close(value_of(&found, "benches::fib_5"), 12.60);
    assert_close(value_of(&found, "benches::sort_10k"), 163989.83);
    assert!(found.iter().all(|m| m.unit == "ns/iter"));
}

#[test]
fn libtest_integer_style_with_thousands_separators() {
    let found = parse_stdout(BenchFormat::Libtest, &fixture("libtest-integer.txt")).expect("parse");
    assert_eq!(
        names(&found),
        [
            "bench_parse_big",
            "bench_parse_small",
            "bench_throughput",
            "bench_tiny"
        ]
    );
    assert_close(value_of(&found, "bench_parse_big"), 1_234_567.0);
    assert_close(value_of(&found, "bench_parse_small"), 1234.0);
    assert_close(value_of(&found, "bench_throughput"), 12345.0);
    assert_close(value_of(&found, "bench_tiny"), 7.0);
}

#[test]
fn libtest_colored_and_crlf_lines() {
    let stdout =
        "test \u{1b}[1mfoo\u{1b}[0m ... \u{1b}[36mbench\u{1b}[0m:   2,000 ns/iter (+/- 3)\r\n";
    let found = parse_stdout(BenchFormat::Libtest, stdout).expect("parse");
    assert_close(value_of(&found, "foo"), 2000.0);
}

#[test]
fn libtest_malformed_inputs() {
    let message = error_text(parse_stdout(
        BenchFormat::Libtest,
        "running 1 test\ntest it_works ... ok\n\ntest result: ok.\n",
    ));
    assert!(
        message.starts_with("libtest: no benchmarks found in stdout"),
        "{message}"
    );

    let message = error_text(parse_stdout(BenchFormat::Libtest, ""));
    assert!(
        message.starts_with("libtest: no benchmarks found"),
        "{message}"
    );

    let stdout = "\ntest a ... bench: 1 ns/iter (+/- 0)\ntest b ... bench: 1,2x3 ns/iter (+/- 0)\n";
    assert_eq!(
        error_text(parse_stdout(BenchFormat::Libtest, stdout)),
        "libtest output in stdout, line 3: `1,2x3` is not a number of ns/iter for `b`"
    );

    let stdout = "test a ... bench: 12 ms/iter\n";
    let message = error_text(parse_stdout(BenchFormat::Libtest, stdout));
    assert!(
        message.contains("line 1: expected `<number> ns/iter`"),
        "{message}"
    );

    for bad in ["inf", "1e3", ".", "1.2.3", ","] {
        let stdout = format!("test a ... bench: {bad} ns/iter (+/- 0)\n");
        let message = error_text(parse_stdout(BenchFormat::Libtest, &stdout));
        assert!(message.contains("is not a number"), "{bad}: {message}");
    }

    let stdout = "test a ... bench: 1 ns/iter (+/- 0)\ntest a ... bench: 2 ns/iter (+/- 0)\n";
    let message = error_text(parse_stdout(BenchFormat::Libtest, stdout));
    assert!(message.contains("`a` appears more than once"), "{message}");
}
