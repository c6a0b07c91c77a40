//! The feed readers against fixtures and hand-made histories.

use super::*;
use git2::{Oid, Repository, Signature, Time};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/feeds")
        .join(name)
}

fn read_fixture(name: &str) -> Feed {
    match read(&fixture(name), None, None) {
        Ok(feed) => feed,
        Err(error) => panic!("{name}: {error}"),
    }
}

fn parsed(text: &str, format: FeedFormat) -> Feed {
    match parse(text, format, None) {
        Ok(feed) => feed,
        Err(error) => panic!("{error}"),
    }
}

/// The error of a feed that must not parse: line, column, field and the whole message.
fn failure(result: Result<Feed, FeedError>) -> (usize, Option<usize>, Option<String>, String) {
    match result {
        Ok(feed) => panic!("expected an error, got {feed:?}"),
        Err(error) => {
            let message = error.to_string();
            match error {
                FeedError::Parse {
                    line,
                    column,
                    field,
                    ..
                } => (line, column, field, message),
                _ => panic!("expected a parse error, got {message}"),
            }
        }
    }
}

fn parse_failure(text: &str, format: FeedFormat) -> (usize, Option<usize>, Option<String>, String) {
    failure(parse(text, format, None))
}

fn fixture_failure(name: &str) -> (usize, Option<usize>, Option<String>, String) {
    failure(read(&fixture(name), None, None))
}

fn series<'a>(feed: &'a Feed, name: &str) -> &'a Series {
    match feed.series.iter().find(|s| s.name == name) {
        Some(series) => series,
        None => panic!("no series `{name}` in {feed:?}"),
    }
}

fn commits(series: &Series) -> Vec<&str> {
    series.points.iter().map(|p| p.commit.as_str()).collect()
}

fn values(series: &Series) -> Vec<f64> {
    series.points.iter().map(|p| p.value).collect()
}

const JAN_1_2026: f64 = 1_767_225_600.0;
const DAY: f64 = 86_400.0;

#[test]
fn jsonl_fixture_is_ordered_by_time_with_duplicates_folded_into_their_median() {
    let feed = read_fixture("basic.jsonl");
    let names: Vec<&str> = feed.series.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["parse/small", "throughput"]);
    assert!(feed.warnings.is_empty(), "{:?}", feed.warnings);

    let parse = series(&feed, "parse/small");
    assert_eq!(parse.unit.as_deref(), Some("ms"));
    assert_eq!(parse.direction, Direction::LowerIsBetter);
    assert_eq!(commits(parse), ["dead003", "c0ffee1", "beef002"]);
    assert_eq!(values(parse), [10.2, 12.5, 10.0]);
    let samples: Vec<usize> = parse.points.iter().map(|p| p.samples).collect();
    assert_eq!(samples, [1, 3, 1]);
    // 2026-01-04T09:30:00.250-05:00 is 14:30:00.25 UTC; c0ffee1 keeps its earliest time.
    assert_eq!(
        parse.points[0].time,
        Some(JAN_1_2026 + 3.0 * DAY + 52_200.25)
    );
    assert_eq!(
        parse.points[1].time,
        Some(JAN_1_2026 + 4.0 * DAY + 36_000.0)
    );

    let throughput = series(&feed, "throughput");
    assert_eq!(throughput.direction, Direction::HigherIsBetter);
    assert_eq!(throughput.unit.as_deref(), Some("ops/s"));
    // File order is beef002 first, but c0ffee1 was measured a day earlier.
    assert_eq!(commits(throughput), ["c0ffee1", "beef002"]);
    assert_eq!(values(throughput), [900.0, 950.0]);
}

#[test]
fn csv_fixture_reads_quoted_fields_and_columns_in_any_order() {
    let feed = read_fixture("basic.csv");
    let parse = series(&feed, "parse/small");
    assert_eq!(commits(parse), ["dead003", "c0ffee1", "beef002"]);
    assert_eq!(values(parse), [10.2, 13.0, 10.0]);
    assert_eq!(parse.points[1].samples, 2);
    assert_eq!(
        parse.points[2].time,
        Some(JAN_1_2026 + 5.0 * DAY + 36_000.0)
    );

    // The name has a comma; no point has a time, so the file's order stands.
    let render = series(&feed, "render, big");
    assert_eq!(render.direction, Direction::HigherIsBetter);
    assert_eq!(render.unit.as_deref(), Some("frames/s"));
    assert_eq!(commits(render), ["dead003", "beef002"]);
    assert_eq!(values(render), [400.0, 420.0]);
    assert_eq!(feed.warnings.len(), 1, "{:?}", feed.warnings);
    assert!(feed.warnings[0].contains("`note`"), "{:?}", feed.warnings);
}

#[test]
fn csv_reader_handles_quotes_line_breaks_and_crlf() {
    let text = "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\r\nlines\"\r\n\r\n  plain  ,,\"\"\r\n";
    let mut reader = CsvReader::new(text);
    let mut records = Vec::new();
    while let Some(record) = reader.next_record() {
        match record {
            Ok(record) => records.push(record),
            Err(error) => panic!("{error}"),
        }
    }
    let texts: Vec<Vec<&str>> = records
        .iter()
        .map(|r| r.fields.iter().map(|f| f.text.as_str()).collect())
        .collect();
    assert_eq!(
        texts,
        [
            vec!["a", "b", "c"],
            vec!["x, y", "say \"hi\"", "two\nlines"],
            vec!["plain", "", ""]
        ]
    );
    let lines: Vec<usize> = records.iter().map(|r| r.line).collect();
    assert_eq!(lines, [1, 2, 5]);
    assert_eq!(records[2].fields[0].column, 3);
}

#[test]
fn github_action_benchmark_fixture_from_rune() {
    let feed = read_fixture("gab-rune-data.js");
    assert!(feed.warnings.is_empty(), "{:?}", feed.warnings);
    let names: Vec<&str> = feed.series.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Benchmark/aoc_2020_1a",
            "Benchmark/aoc_2020_1b",
            "Benchmark/bf_fib",
            "Benchmark/bf_hello_world",
            "Benchmark/bf_hello_world2",
            "Benchmark/bf_loopity",
            "Benchmark/fib_15",
            "Benchmark/fib_20"
        ]
    );
    let aoc = series(&feed, "Benchmark/aoc_2020_1a");
    assert_eq!(aoc.unit.as_deref(), Some("ns/iter"));
    // tool "cargo": smaller is better.
    assert_eq!(aoc.direction, Direction::LowerIsBetter);
    assert_eq!(
        commits(aoc),
        [
            "e4af457a3bb7eb0b088724703ceb56042019dec2",
            "d37172e7ff08f8ec2016ad8d2031c88f4da8f5ab",
            "2b994527727d73e5934f3af08fcda8bda7611b22",
            "bbb897feb27bccc4231904407918dadc59f26d81",
            "26348ab024f33aafa7dd895d9c55f4eb52b80cfe"
        ]
    );
    assert_eq!(
        values(aoc),
        [292557.0, 339903.0, 314425.0, 338581.0, 344708.0]
    );
    // The run's `date` (milliseconds), not the commit's timestamp.
    assert_eq!(aoc.points[0].time, Some(1_606_993_507.181));
    // bbb897fe did not run aoc_2020_1b.
    assert_eq!(series(&feed, "Benchmark/aoc_2020_1b").points.len(), 4);
    assert_eq!(series(&feed, "Benchmark/fib_20").points.len(), 1);
}

#[test]
fn github_action_benchmark_fixture_from_safetensors_is_bigger_is_better() {
    let feed = read_fixture("gab-safetensors-data.js");
    assert_eq!(feed.series.len(), 6);
    for s in &feed.series {
        // tool "pytest" reports iter/sec: bigger is better.
        assert_eq!(s.direction, Direction::HigherIsBetter, "{}", s.name);
        assert_eq!(s.unit.as_deref(), Some("iter/sec"));
        assert_eq!(s.points.len(), 2);
    }
    let flax = series(&feed, "Benchmark/benches/test_flax.py::test_flax_flax_load");
    // serde_json's default float parsing may be one ulp off (its `float_roundtrip` feature
    // is exact), which no benchmark comparison can notice.
    for (got, want) in values(flax)
        .into_iter()
        .zip([1.1761837679361133, 1.4807334447792253])
    {
        assert!((got - want).abs() <= want * 1e-15, "{got} vs {want}");
    }
}

#[test]
fn github_action_benchmark_direction_follows_the_tool() {
    for tool in ["pytest", "benchmarkjs", "customBiggerIsBetter"] {
        assert_eq!(
            gab_direction(Some(tool)),
            Direction::HigherIsBetter,
            "{tool}"
        );
    }
    for tool in [
        "cargo",
        "go",
        "benchmarkluau",
        "googlecpp",
        "catch2",
        "julia",
        "jmh",
        "benchmarkdotnet",
        "customSmallerIsBetter",
        "something-new",
    ] {
        assert_eq!(
            gab_direction(Some(tool)),
            Direction::LowerIsBetter,
            "{tool}"
        );
    }
    assert_eq!(gab_direction(None), Direction::LowerIsBetter);
}

#[test]
fn github_action_benchmark_json_without_prefix_and_with_semicolon() {
    let object = r#"{
  "lastUpdate": 1,
  "repoUrl": "",
  "entries": {
"Suite B": [
  {"commit": {"id": "c0ffee1"}, "date": 2000, "tool": "customBiggerIsBetter",
   "benches": [{"name": "x", "value": 5, "unit": "ops"}, {"name": "x", "value": 7, "unit": "ops"}]}
],
"Suite A": [
  {"commit": {"id": "c0ffee1", "timestamp": "2026-01-05T10:00:00Z"}, "tool": "go",
   "benches": [{"name": "y", "value": 1.5, "unit": "ns/op"}]}
]
  }
}"#;
    assert_eq!(
        detect_format("data.json", object),
        Some(FeedFormat::GithubActionBenchmark)
    );
    for text in [
        object.to_string(),
        format!("window.BENCHMARK_DATA = {object};\n"),
    ] {
        let feed = parsed(&text, FeedFormat::GithubActionBenchmark);
        let names: Vec<&str> = feed.series.iter().map(|s| s.name.as_str()).collect();
        // File order, not sorted.
        assert_eq!(names, ["Suite B/x", "Suite A/y"]);
        let x = &feed.series[0];
        assert_eq!(x.direction, Direction::HigherIsBetter);
        assert_eq!((x.points[0].value, x.points[0].samples), (6.0, 2));
        assert_eq!(x.points[0].time, Some(2.0));
        // Without `date`, the commit's timestamp.
        assert_eq!(
            feed.series[1].points[0].time,
            Some(JAN_1_2026 + 4.0 * DAY + 36_000.0)
        );
    }
}

#[test]
fn otava_fixture_from_the_otava_repository() {
    let feed = read_fixture("otava-local_sample.csv");
    assert!(feed.warnings.is_empty(), "{:?}", feed.warnings);
    let names: Vec<&str> = feed.series.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["metric1", "metric2"]);
    let metric1 = series(&feed, "metric1");
    assert_eq!(metric1.direction, Direction::LowerIsBetter);
    assert_eq!(metric1.unit, None);
    let expected: Vec<String> = (0..10).map(|i| format!("aaa{i}")).collect();
    assert_eq!(commits(metric1), expected);
    assert_eq!(metric1.points[0].value, 154023.0);
    // `2026.01.01 3:00:00 +0100` is 02:00 UTC.
    assert_eq!(metric1.points[0].time, Some(JAN_1_2026 + 7_200.0));
    assert_eq!(
        metric1.points[9].time,
        Some(JAN_1_2026 + 9.0 * DAY + 7_200.0)
    );
    assert_eq!(values(series(&feed, "metric2"))[6], 9.23);
}

#[test]
fn otava_attributes_empty_cells_and_branches() {
    let text = "run,commit,branch,time,version,host,p50,throughput\n\
                1,c0ffee1,main,2026-01-02 00:00:00,2,box-a,10.5,\n\
                2,beef002,main,2026-01-01 00:00:00,2,box-a,11.5,900\n\
                3,dead003,feature,1767484800,3,box-b,12,950\n";
    let feed = parsed(text, FeedFormat::Otava);
    // run and version are Otava attributes although numeric; host is text.
    let names: Vec<&str> = feed.series.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["p50", "throughput"]);
    // Ordered by time: beef002 (Jan 1), c0ffee1 (Jan 2), dead003 (Jan 4).
    assert_eq!(commits(&feed.series[0]), ["beef002", "c0ffee1", "dead003"]);
    assert_eq!(commits(&feed.series[1]), ["beef002", "dead003"]);
    assert_eq!(feed.warnings.len(), 1, "{:?}", feed.warnings);
    assert!(feed.warnings[0].contains("`feature`, `main`"));
}

#[test]
fn rfc3339_parsing() {
    let ok = [
        ("1970-01-01T00:00:00Z", 0.0),
        ("1969-12-31T23:59:59Z", -1.0),
        ("2026-01-05T10:00:00Z", JAN_1_2026 + 4.0 * DAY + 36_000.0),
        ("2026-01-05t10:00:00z", JAN_1_2026 + 4.0 * DAY + 36_000.0),
        ("2026-01-05 10:00:00Z", JAN_1_2026 + 4.0 * DAY + 36_000.0),
        (
            "2026-01-05T11:30:00+01:30",
            JAN_1_2026 + 4.0 * DAY + 36_000.0,
        ),
        (
            "2026-01-04T09:30:00.250-05:00",
            JAN_1_2026 + 3.0 * DAY + 52_200.25,
        ),
        ("2000-02-29T00:00:00Z", 951_782_400.0),
        ("2024-02-29T12:00:00Z", 1_709_208_000.0),
        ("2020-12-03T12:02:08+01:00", 1_606_993_328.0),
        ("1970-01-01T00:00:00.500000000000000000001Z", 0.5),
        ("2016-12-31T23:59:60Z", 1_483_228_800.0),
    ];
    for (text, expected) in ok {
        assert_eq!(parse_rfc3339(text), Ok(expected), "{text}");
    }
    let bad = [
        "",
        "2026-01-05",
        "2026-01-05T10:00Z",
        "2026-01-05T10:00:00",
        "2026-1-05T10:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-00-01T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "2100-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z",
        "2026-01-05T24:00:00Z",
        "2026-01-05T10:60:00Z",
        "2026-01-05T10:00:00+0100",
        "2026-01-05T10:00:00+24:00",
        "2026-01-05T10:00:00.Z",
        "2026-01-05T10:00:00Z trailing",
        "yesterday",
    ];
    for text in bad {
        assert!(parse_rfc3339(text).is_err(), "{text} parsed");
    }
}

#[test]
fn otava_time_parsing() {
    let ok = [
        ("2026.01.01 3:00:00 +0100", JAN_1_2026 + 7_200.0),
        ("2026-01-01 02:00:00 +0000", JAN_1_2026 + 7_200.0),
        ("2026-01-01T02:00:00Z", JAN_1_2026 + 7_200.0),
        ("2026-01-01 03:00:00 +01", JAN_1_2026 + 7_200.0),
        ("2026-01-01 02:00:00 UTC", JAN_1_2026 + 7_200.0),
        ("2026/01/01 02:00", JAN_1_2026 + 7_200.0),
        ("2026-01-01", JAN_1_2026),
        ("1767225600", JAN_1_2026),
        ("1767225600.5", JAN_1_2026 + 0.5),
    ];
    for (text, expected) in ok {
        assert_eq!(parse_otava_time(text), Ok(expected), "{text}");
    }
    for text in ["", "yesterday", "2026.13.01", "2026-01-01 25:00", "inf"] {
        assert!(parse_otava_time(text).is_err(), "{text} parsed");
    }
}

#[test]
fn median_of_duplicates() {
    assert_eq!(median(&[5.0, 1.0, 3.0]), 3.0);
    assert_eq!(median(&[3.0, 1.0, 2.0, 10.0]), 2.5);
    assert_eq!(median(&[4.0]), 4.0);

    let text = "{\"series\":\"s\",\"commit\":\"c0ffee1\",\"value\":3}\n\
                {\"series\":\"s\",\"commit\":\"beef002\",\"value\":7}\n\
                {\"series\":\"s\",\"commit\":\"c0ffee1\",\"value\":1}\n\
                {\"series\":\"s\",\"commit\":\"c0ffee1\",\"value\":2}\n\
                {\"series\":\"s\",\"commit\":\"c0ffee1\",\"value\":10}\n";
    let feed = parsed(text, FeedFormat::Jsonl);
    let s = &feed.series[0];
    assert_eq!(s.points.len(), 2);
    assert_eq!((s.points[0].value, s.points[0].samples), (2.5, 4));
    assert_eq!((s.points[1].value, s.points[1].samples), (7.0, 1));
}

#[test]
fn without_times_points_keep_the_order_of_first_appearance() {
    let text = "series,commit,value\n\
                s,ccccccc,3\n\
                s,aaaaaaa,1\n\
                s,bbbbbbb,2\n\
                s,ccccccc,5\n";
    let feed = parsed(text, FeedFormat::Csv);
    assert_eq!(commits(&feed.series[0]), ["ccccccc", "aaaaaaa", "bbbbbbb"]);
    assert_eq!(values(&feed.series[0]), [4.0, 1.0, 2.0]);
    assert!(feed.warnings.is_empty(), "{:?}", feed.warnings);
}

#[test]
fn some_times_missing_keeps_file_order_with_a_warning() {
    let text = "series,commit,value,time\n\
                s,bbbbbbb,2,200\n\
                s,aaaaaaa,1,\n";
    let feed = parsed(text, FeedFormat::Csv);
    assert_eq!(commits(&feed.series[0]), ["bbbbbbb", "aaaaaaa"]);
    assert_eq!(feed.warnings.len(), 1);
    assert!(feed.warnings[0].contains("1 of 2 point(s) have no time"));
}

/// A repository whose HEAD's first-parent history is A, B, D, M, E, with C merged in from a
/// side branch by M. Commit times would put C before D, so only first-parent order is right.
struct TestRepo {
    _dir: tempfile::TempDir,
    repo: Repository,
    a: Oid,
    b: Oid,
    c: Oid,
    d: Oid,
    m: Oid,
    e: Oid,
}

fn commit(repo: &Repository, update: Option<&str>, message: &str, parents: &[Oid], at: i64) -> Oid {
    let signature =
        Signature::new("Test", "test@example.com", &Time::new(at, 0)).expect("signature");
    let tree_id = repo
        .treebuilder(None)
        .and_then(|builder| builder.write())
        .expect("empty tree");
    let tree = repo.find_tree(tree_id).expect("tree");
    let parents: Vec<git2::Commit> = parents
        .iter()
        .map(|id| repo.find_commit(*id).expect("parent"))
        .collect();
    let parents: Vec<&git2::Commit> = parents.iter().collect();
    repo.commit(update, &signature, &signature, message, &tree, &parents)
        .expect("commit")
}

fn test_repo() -> TestRepo {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = Repository::init(dir.path()).expect("init");
    let a = commit(&repo, Some("HEAD"), "A", &[], 1_000);
    let b = commit(&repo, Some("HEAD"), "B", &[a], 2_000);
    let c = commit(&repo, None, "C (side branch)", &[b], 2_500);
    let d = commit(&repo, Some("HEAD"), "D", &[b], 3_000);
    let m = commit(&repo, Some("HEAD"), "M: merge C", &[d, c], 4_000);
    let e = commit(&repo, Some("HEAD"), "E", &[m], 5_000);
    TestRepo {
        _dir: dir,
        repo,
        a,
        b,
        c,
        d,
        m,
        e,
    }
}

#[test]
fn repository_first_parent_history_orders_points_and_drops_others() {
    let t = test_repo();
    let short = |id: Oid| id.to_string()[..7].to_string();
    let line = |commit: String, value: f64, time: f64| {
        format!("{{\"series\":\"s\",\"commit\":\"{commit}\",\"value\":{value},\"time\":{time}}}\n")
    };
    // Times run backwards, so ordering by time would reverse the history.
    let mut text = String::new();
    text += &line(short(t.e), 5.0, 1.0);
    text += &line(short(t.c), 99.0, 2.0);
    text += &line(short(t.a), 1.0, 9.0);
    text += &line(t.m.to_string(), 4.0, 3.0);
    text += &line(t.b.to_string().to_uppercase(), 2.0, 8.0);
    text += &line(short(t.d), 3.0, 6.0);
    text += &line(t.d.to_string(), 3.5, 7.0);
    text += &line(
        "0123456789abcdef0123456789abcdef01234567".to_string(),
        7.0,
        4.0,
    );
    text += &line(t.a.to_string()[..6].to_string(), 8.0, 5.0);

    let feed = match parse(&text, FeedFormat::Jsonl, Some(&t.repo)) {
        Ok(feed) => feed,
        Err(error) => panic!("{error}"),
    };
    let s = &feed.series[0];
    let full: Vec<String> = [t.a, t.b, t.d, t.m, t.e]
        .iter()
        .map(Oid::to_string)
        .collect();
    assert_eq!(commits(s), full);
    assert_eq!(values(s), [1.0, 2.0, 3.25, 4.0, 5.0]);
    assert_eq!(s.points[2].samples, 2);
    assert_eq!(s.points[2].time, Some(6.0));

    // C (merged, not first-parent), an unknown id and a too-short id are left out.
    assert_eq!(feed.warnings.len(), 1, "{:?}", feed.warnings);
    let warning = &feed.warnings[0];
    assert!(
        warning.contains("left out 3 point(s) of 3 commit(s)"),
        "{warning}"
    );
    assert!(
        warning.contains(&format!("commit `{}`", short(t.c))),
        "{warning}"
    );
    assert!(warning.contains("series `s`"), "{warning}");
}

#[test]
fn read_with_a_repository() {
    let t = test_repo();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("history.csv");
    let text = format!(
        "series,commit,value\ns,{},2\ns,{},1\ns,{},3\n",
        t.b, t.a, t.e
    );
    std::fs::write(&path, text).expect("write");
    let feed = match read(&path, None, Some(&t.repo)) {
        Ok(feed) => feed,
        Err(error) => panic!("{error}"),
    };
    assert_eq!(values(&feed.series[0]), [1.0, 2.0, 3.0]);
    assert!(feed.warnings.is_empty(), "{:?}", feed.warnings);
}

#[test]
fn a_series_with_no_commit_on_the_history_is_left_out() {
    let t = test_repo();
    let text = format!("series,commit,value\nkept,{},1\ngone,{},2\n", t.e, t.c);
    let feed = match parse(&text, FeedFormat::Csv, Some(&t.repo)) {
        Ok(feed) => feed,
        Err(error) => panic!("{error}"),
    };
    let names: Vec<&str> = feed.series.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["kept"]);
    assert!(
        feed.warnings[0].contains("series `gone`"),
        "{:?}",
        feed.warnings
    );
}

#[test]
fn detecting_formats() {
    let jsonl = "\n{\"series\": \"s\", \"commit\": \"c0ffee1\", \"value\": 1}\n";
    assert_eq!(
        detect_format("feed.jsonl", "anything"),
        Some(FeedFormat::Jsonl)
    );
    assert_eq!(detect_format("feed.NDJSON", ""), Some(FeedFormat::Jsonl));
    assert_eq!(detect_format("feed.txt", jsonl), Some(FeedFormat::Jsonl));
    assert_eq!(
        detect_format("data.js", "window.BENCHMARK_DATA = {}"),
        Some(FeedFormat::GithubActionBenchmark)
    );
    assert_eq!(
        detect_format("feed.csv", "\u{feff}Series,Commit,Value,Time\n"),
        Some(FeedFormat::Csv)
    );
    assert_eq!(
        detect_format("perf.csv", "time,commit,metric1\n"),
        Some(FeedFormat::Otava)
    );
    assert_eq!(detect_format("perf.csv", "a,b\n1,2\n"), None);
    assert_eq!(detect_format("x.json", "{\"other\": 1}"), None);
    assert_eq!(detect_format("empty", ""), None);

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mystery.txt");
    std::fs::write(&path, "hello\n").expect("write");
    assert!(matches!(
        read(&path, None, None),
        Err(FeedError::UnknownFormat { .. })
    ));
    assert!(matches!(
        read(&dir.path().join("absent.jsonl"), None, None),
        Err(FeedError::Io { .. })
    ));
}

#[test]
fn format_names() {
    assert_eq!(
        serde_json::to_string(&FeedFormat::GithubActionBenchmark)
            .ok()
            .as_deref(),
        Some("\"github-action-benchmark\"")
    );
    assert_eq!(
        <FeedFormat as clap::ValueEnum>::from_str("github-action-benchmark", false),
        Ok(FeedFormat::GithubActionBenchmark)
    );
    assert_eq!(
        serde_json::to_string(&Direction::HigherIsBetter)
            .ok()
            .as_deref(),
        Some("\"higher_is_better\"")
    );
    assert_eq!(Direction::default(), Direction::LowerIsBetter);
}

#[test]
fn malformed_fixtures_name_their_line() {
    let cases: [(&str, usize, Option<&str>, &str); 8] = [
        (
            "malformed-value.jsonl",
            3,
            Some("value"),
            "the string \"fast\"",
        ),
        ("malformed-syntax.jsonl", 2, None, "EOF"),
        (
            "malformed-time.jsonl",
            1,
            Some("time"),
            "day 30 is out of range",
        ),
        ("malformed-quote.csv", 3, None, "never closed"),
        ("malformed-fields.csv", 3, None, "expected 3 fields"),
        ("malformed-nan.csv", 2, Some("value"), "not a finite number"),
        ("malformed-otava.csv", 4, Some("metric1"), "`n/a`"),
        ("malformed-data.js", 21, Some("value"), "found null"),
    ];
    for (name, line, field, text) in cases {
        let (got_line, _, got_field, message) = fixture_failure(name);
        assert_eq!(got_line, line, "{name}: {message}");
        assert_eq!(got_field.as_deref(), field, "{name}: {message}");
        assert!(message.contains(text), "{name}: {message}");
        assert!(
            message.starts_with(&format!("line {line}")),
            "{name}: {message}"
        );
    }
    match read(&fixture("malformed-unit.jsonl"), None, None) {
        Err(error @ FeedError::Inconsistent { .. }) => {
            let message = error.to_string();
            assert!(message.contains("series `parse`"), "{message}");
            assert!(message.contains("`ms` (line 1)"), "{message}");
            assert!(message.contains("`us` (line 2)"), "{message}");
        }
        other => panic!("expected a unit disagreement, got {other:?}"),
    }
}

#[test]
fn malformed_jsonl() {
    let ok = r#"{"series": "s", "commit": "c0ffee1", "value": 1}"#;
    let cases = [
        (
            r#"{"series": "s", "commit": "c0ffee1", "value": null}"#,
            Some("value"),
        ),
        (r#"{"series": "s", "commit": "c0ffee1"}"#, Some("value")),
        (r#"{"commit": "c0ffee1", "value": 1}"#, Some("series")),
        (
            r#"{"series": "", "commit": "c0ffee1", "value": 1}"#,
            Some("series"),
        ),
        (
            r#"{"series": "s", "commit": 1234567, "value": 1}"#,
            Some("commit"),
        ),
        (
            r#"{"series": "s", "commit": "c0ffee1", "value": 1, "time": "yesterday"}"#,
            Some("time"),
        ),
        (
            r#"{"series": "s", "commit": "c0ffee1", "value": 1, "time": true}"#,
            Some("time"),
        ),
        (
            r#"{"series": "s", "commit": "c0ffee1", "value": 1, "unit": 5}"#,
            Some("unit"),
        ),
        (
            r#"{"series": "s", "commit": "c0ffee1", "value": 1, "direction": "up"}"#,
            Some("direction"),
        ),
        (
            r#"{"series": "s", "commit": "c0ffee1", "value": 1e999}"#,
            None,
        ),
        (r#"["s", "c0ffee1", 1]"#, None),
        (r#"{"series": "s", "commit": "c0ffee1", "value": 1,}"#, None),
    ];
    for (bad, field) in cases {
        let text = format!("{ok}\n\n{bad}\n{ok}\n");
        let (line, column, got_field, message) = parse_failure(&text, FeedFormat::Jsonl);
        assert_eq!(line, 3, "{bad}: {message}");
        assert_eq!(got_field.as_deref(), field, "{bad}: {message}");
        if field.is_none() {
            assert!(column.is_some(), "{bad}: {message}");
        }
    }
    // The column of a bad field points at its key.
    let (_, column, _, _) = parse_failure(
        r#"{"series": "s", "commit": "c0ffee1", "value": "1"}"#,
        FeedFormat::Jsonl,
    );
    assert_eq!(column, Some(38));
}

#[test]
fn malformed_csv() {
    let cases = [
        ("series,commit\ns,c0ffee1\n", 1, Some("value")),
        ("series,commit,value,Series\n", 1, Some("Series")),
        ("series,,value\n", 1, None),
        ("series,commit,value\ns,c0ffee1,fast\n", 2, Some("value")),
        ("series,commit,value\ns,c0ffee1,inf\n", 2, Some("value")),
        ("series,commit,value\ns,c0ffee1,\n", 2, Some("value")),
        ("series,commit,value\ns,,1\n", 2, Some("commit")),
        ("series,commit,value\n,c0ffee1,1\n", 2, Some("series")),
        (
            "series,commit,value,time\ns,c0ffee1,1,2026-01-05\n",
            2,
            Some("time"),
        ),
        (
            "series,commit,value,direction\ns,c0ffee1,1,down\n",
            2,
            Some("direction"),
        ),
        ("series,commit,value\ns,\"c0ffee1\"x,1\n", 2, None),
        ("series,commit,value\ns,c0ffee1\n", 2, None),
        (
            "series,commit,value\ns,c0ffee1,1\n\ns,\"beef002,2\n",
            4,
            None,
        ),
    ];
    for (text, line, field) in cases {
        let (got_line, _, got_field, message) = parse_failure(text, FeedFormat::Csv);
        assert_eq!(got_line, line, "{text:?}: {message}");
        assert_eq!(got_field.as_deref(), field, "{text:?}: {message}");
    }
    let text = "series,commit,value,direction\n\
                s,c0ffee1,1,lower_is_better\n\
                s,beef002,2,higher_is_better\n";
    match parse(text, FeedFormat::Csv, None) {
        Err(error @ FeedError::Inconsistent { .. }) => {
            let message = error.to_string();
            assert!(message.contains("series `s`"), "{message}");
            assert!(message.contains("direction"), "{message}");
        }
        other => panic!("expected a direction disagreement, got {other:?}"),
    }
}

#[test]
fn malformed_github_action_benchmark() {
    let entry = |benches: &str| {
        format!(
            "window.BENCHMARK_DATA = {{\n  \"entries\": {{\n    \"S\": [\n      {{\n        \"commit\": {{\"id\": \"c0ffee1\"}},\n        \"tool\": \"cargo\",\n        \"benches\": [\n{benches}\n        ]\n      }}\n    ]\n  }}\n}}"
        )
    };
    let good = r#"          {"name": "a", "value": 1, "unit": "ns/iter"},"#;
    let cases = [
        (
            r#"          {"name": "b", "value": "1", "unit": "ns/iter"}"#,
            Some("value"),
        ),
        (
            r#"          {"name": "b", "unit": "ns/iter"}"#,
            Some("value"),
        ),
        (
            r#"          {"name": 3, "value": 1, "unit": "ns/iter"}"#,
            Some("name"),
        ),
        (
            r#"          {"name": "b", "value": 1, "unit": ["ns"]}"#,
            Some("unit"),
        ),
        (
            r#"          {"name": "b", "value": 1, "unit": "ns/iter",}"#,
            None,
        ),
    ];
    for (bad, field) in cases {
        let text = entry(&format!("{good}\n{bad}"));
        let (line, column, got_field, message) =
            parse_failure(&text, FeedFormat::GithubActionBenchmark);
        assert_eq!(line, 9, "{bad}: {message}");
        assert!(column.is_some());
        assert_eq!(got_field.as_deref(), field, "{bad}: {message}");
    }
    let (line, _, field, message) = parse_failure(
        "window.BENCHMARK_DATA = {\"entries\": {\"S\": [{\"commit\": {}, \"benches\": []}]}}",
        FeedFormat::GithubActionBenchmark,
    );
    assert_eq!((line, field.as_deref()), (1, Some("id")), "{message}");
    let (line, column, _, message) =
        parse_failure("\nvar data = {}", FeedFormat::GithubActionBenchmark);
    assert_eq!((line, column), (2, Some(1)), "{message}");
    let (line, _, field, message) = parse_failure(
        "window.BENCHMARK_DATA = {\n}",
        FeedFormat::GithubActionBenchmark,
    );
    assert_eq!((line, field.as_deref()), (2, Some("entries")), "{message}");
    // A syntax error on the prefix's line is reported at the file's own column.
    let (line, column, _, message) = parse_failure(
        "window.BENCHMARK_DATA = {]",
        FeedFormat::GithubActionBenchmark,
    );
    assert_eq!((line, column), (1, Some(26)), "{message}");
}

#[test]
fn malformed_otava() {
    let cases = [
        ("commit,metric\nc0ffee1,1\n", 1, Some("time")),
        ("time,metric\n2026-01-01,1\n", 1, Some("commit")),
        ("time,commit,metric\nsoon,c0ffee1,1\n", 2, Some("time")),
        ("time,commit,metric\n2026-01-01,,1\n", 2, Some("commit")),
        (
            "time,commit,metric\n2026-01-01,c0ffee1,1\n2026-01-02,beef002,NaN\n",
            3,
            Some("metric"),
        ),
        ("time,commit,host\n2026-01-01,c0ffee1,box\n", 1, None),
        ("time,commit,metric\n2026-01-01,c0ffee1\n", 2, None),
    ];
    for (text, line, field) in cases {
        let (got_line, _, got_field, message) = parse_failure(text, FeedFormat::Otava);
        assert_eq!(got_line, line, "{text:?}: {message}");
        assert_eq!(got_field.as_deref(), field, "{text:?}: {message}");
    }
}

#[test]
fn empty_feeds_have_no_series_and_say_so() {
    for (text, format) in [
        ("", FeedFormat::Jsonl),
        ("series,commit,value\n", FeedFormat::Csv),
        ("time,commit,metric\n", FeedFormat::Otava),
        (
            "window.BENCHMARK_DATA = {\"entries\": {}}",
            FeedFormat::GithubActionBenchmark,
        ),
    ] {
        let feed = parsed(text, format);
        assert!(feed.series.is_empty());
        assert_eq!(feed.warnings, ["the feed has no points"]);
    }
}
