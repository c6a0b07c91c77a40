//! Parsers that turn what one run of a benchmark command produced into [`Measurement`]s.
//!
//! Each supported tool reports results its own way: Google Benchmark and hyperfine write a JSON
//! document (to stdout or to the file named by `WATTSON_BENCH_OUTPUT`), cargo-criterion prints JSON
//! lines while Criterion.rs itself leaves `estimates.json` files under `target/criterion/`, and
//! libtest (`cargo bench` with `#[bench]`) prints one text line per benchmark. `wall` and
//! `callgrind` are measured by the runner itself, so they have no parser here.
//!
//! Every parser is strict: input with no benchmark in it is an error, not an empty result, so that a
//! bench command that silently ran nothing cannot pass as "no change". Errors say which format,
//! what was expected and where (a line number, a file, or a JSON path such as `results[2].median`).

use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum BenchFormat {
    Wall,
    Callgrind,
    GoogleBenchmark,
    Criterion,
    Hyperfine,
    Libtest,
}

/// One benchmark's value from one run. Lower is better.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Measurement {
    pub name: String,
    pub unit: String,
    pub value: f64,
}

/// Why the output of a bench command could not be turned into measurements.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// `wall` and `callgrind` have no output to parse.
    #[error("{}: measured by the runner itself, not parsed from the bench command's output", label(.format))]
    NotParsed { format: BenchFormat },

    /// A file that should be read could not be.
    #[error("{}: cannot read `{}`: {source}", label(.format), .path.display())]
    Read {
        format: BenchFormat,
        path: PathBuf,
        source: io::Error,
    },

    /// The input is not (or does not contain) a well-formed JSON document.
    #[error("{} JSON in {origin}: {message}", label(.format))]
    Json {
        format: BenchFormat,
        origin: String,
        message: String,
    },

    /// The JSON is well-formed but a value is missing or of the wrong type.
    #[error("{} JSON in {origin}: {} {problem}", label(.format), show_path(.path))]
    Field {
        format: BenchFormat,
        origin: String,
        /// Path inside the document, e.g. `results[2].median`; empty for the whole document.
        path: String,
        problem: String,
    },

    /// A text line that looks like a result could not be read.
    #[error("{} output in {origin}, line {line}: {message}", label(.format))]
    Line {
        format: BenchFormat,
        origin: String,
        line: usize,
        message: String,
    },

    /// The input holds no benchmark result at all.
    #[error("{}: no benchmarks found in {origin} (expected {expected})", label(.format))]
    NoBenchmarks {
        format: BenchFormat,
        origin: String,
        expected: &'static str,
    },

    /// The tool itself reported that a benchmark failed.
    #[error("{}: benchmark `{name}` in {origin} reported an error: {message}", label(.format))]
    BenchmarkFailed {
        format: BenchFormat,
        origin: String,
        name: String,
        message: String,
    },

    /// Two results carry the same name, so they could not be told apart later.
    #[error("{}: benchmark `{name}` appears more than once in {origin}; names must be unique", label(.format))]
    Duplicate {
        format: BenchFormat,
        origin: String,
        name: String,
    },
}

/// The name users write in configuration (the serde name).
fn label(format: &BenchFormat) -> &'static str {
    match format {
        BenchFormat::Wall => "wall",
        BenchFormat::Callgrind => "callgrind",
        BenchFormat::GoogleBenchmark => "google-benchmark",
        BenchFormat::Criterion => "criterion",
        BenchFormat::Hyperfine => "hyperfine",
        BenchFormat::Libtest => "libtest",
    }
}

fn show_path(path: &str) -> String {
    if path.is_empty() {
        "the top-level value".to_owned()
    } else {
        format!("`{path}`")
    }
}

/// Parse what one run of the bench command produced. `stdout` is its standard output; `output_file` is the
/// file named by the environment variable WATTSON_BENCH_OUTPUT that the runner sets for the command (the command
/// may write its results there, e.g. `hyperfine --export-json "$WATTSON_BENCH_OUTPUT"`; it may not exist);
/// `tree` is the root of the tree the command ran in (Criterion writes under `target/criterion/`).
/// Wall and Callgrind are measured by the runner itself, not parsed: return an error saying so if called with them.
pub fn parse(
    format: BenchFormat,
    stdout: &str,
    output_file: Option<&Path>,
    tree: &Path,
) -> Result<Vec<Measurement>, FormatError> {
    match format {
        BenchFormat::Wall | BenchFormat::Callgrind => Err(FormatError::NotParsed { format }),
        BenchFormat::GoogleBenchmark => {
            google_benchmark(&JsonInput::choose(format, stdout, output_file)?)
        }
        BenchFormat::Hyperfine => hyperfine(&JsonInput::choose(format, stdout, output_file)?),
        BenchFormat::Criterion => criterion(stdout, tree),
        BenchFormat::Libtest => libtest(stdout),
    }
}

/// Sorts by name (callers rely on a deterministic order) and rejects repeated names.
fn finish(
    format: BenchFormat,
    origin: &str,
    mut found: Vec<Measurement>,
    expected: &'static str,
) -> Result<Vec<Measurement>, FormatError> {
    if found.is_empty() {
        return Err(FormatError::NoBenchmarks {
            format,
            origin: origin.to_owned(),
            expected,
        });
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(pair) = found.windows(2).find(|w| w[0].name == w[1].name) {
        return Err(FormatError::Duplicate {
            format,
            origin: origin.to_owned(),
            name: pair[0].name.clone(),
        });
    }
    Ok(found)
}

// ---------------------------------------------------------------------------------------------
// JSON documents (Google Benchmark, hyperfine)

/// The text a JSON-document format is read from, and a description of where it came from.
struct JsonInput<'a> {
    format: BenchFormat,
    text: Cow<'a, str>,
    origin: String,
    /// How to name the source when it turns out to be empty.
    empty_origin: String,
}

impl<'a> JsonInput<'a> {
    /// The output file wins when it exists and is non-empty; otherwise stdout is used, and the
    /// origin says why, so an empty result points at the right place.
    fn choose(
        format: BenchFormat,
        stdout: &'a str,
        output_file: Option<&Path>,
    ) -> Result<Self, FormatError> {
        let Some(path) = output_file else {
            return Ok(Self::stdout(format, stdout, None));
        };
        match fs::read(path) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Ok(Self::stdout(
                format,
                stdout,
                Some(format!("the output file `{}` is empty", path.display())),
            )),
            Ok(bytes) => {
                let origin = format!("`{}`", path.display());
                match String::from_utf8(bytes) {
                    Ok(text) => Ok(Self {
                        format,
                        text: Cow::Owned(text),
                        empty_origin: format!("{origin}, which is empty"),
                        origin,
                    }),
                    Err(_) => Err(FormatError::Json {
                        format,
                        origin,
                        message: "the file is not valid UTF-8".to_owned(),
                    }),
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Self::stdout(
                format,
                stdout,
                Some(format!(
                    "the output file `{}` does not exist",
                    path.display()
                )),
            )),
            Err(source) => Err(FormatError::Read {
                format,
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// `note` says why stdout is used although an output file was named.
    fn stdout(format: BenchFormat, stdout: &'a str, note: Option<String>) -> Self {
        let (origin, empty_origin) = match note {
            None => ("stdout".to_owned(), "stdout, which is empty".to_owned()),
            Some(note) => (
                format!("stdout ({note})"),
                format!("stdout, which is empty ({note})"),
            ),
        };
        Self {
            format,
            text: Cow::Borrowed(stdout),
            origin,
            empty_origin,
        }
    }

    /// Parses the document whose top level has `key`. A bench command often prints build or
    /// progress lines around the JSON, so when the whole text is not JSON, the document is looked
    /// for at each line that starts with `{` in the first column (as both tools print it).
    fn document(&self, key: &str, expected: &'static str) -> Result<Value, FormatError> {
        let text: &str = &self.text;
        if text.trim().is_empty() {
            return Err(FormatError::NoBenchmarks {
                format: self.format,
                origin: self.empty_origin.clone(),
                expected,
            });
        }
        let whole = match serde_json::from_str::<Value>(text) {
            Ok(value) => return Ok(value),
            Err(e) => e,
        };
        // Of the candidates that fail, the one that got furthest is most likely the real
        // (e.g. truncated) document, so its error is the one worth reporting.
        let mut furthest: Option<(usize, FormatError)> = None;
        let mut offset = 0;
        for (index, line) in text.split_inclusive('\n').enumerate() {
            if line.starts_with('{') {
                // `StreamDeserializer` stops after one value, so trailing lines do not matter.
                match serde_json::Deserializer::from_str(&text[offset..])
                    .into_iter::<Value>()
                    .next()
                {
                    Some(Ok(value)) if value.get(key).is_some() => return Ok(value),
                    Some(Ok(_)) | None => {}
                    Some(Err(e)) => {
                        let reached = index + e.line();
                        if furthest.as_ref().is_none_or(|(best, _)| reached > *best) {
                            furthest = Some((reached, self.json_error(&e, index)));
                        }
                    }
                }
            }
            offset += line.len();
        }
        if let Some((_, error)) = furthest {
            return Err(error);
        }
        if text.trim_start().starts_with(['{', '[']) {
            return Err(self.json_error(&whole, 0));
        }
        Err(FormatError::Json {
            format: self.format,
            origin: self.origin.clone(),
            message: format!("no JSON document found (expected {expected})"),
        })
    }

    /// `lines_before` shifts serde_json's line number when parsing started mid-text.
    fn json_error(&self, e: &serde_json::Error, lines_before: usize) -> FormatError {
        FormatError::Json {
            format: self.format,
            origin: self.origin.clone(),
            message: format!(
                "invalid JSON at line {}, column {}: {}",
                e.line() + lines_before,
                e.column(),
                json_problem(e)
            ),
        }
    }

    fn cx(&self) -> Fields<'_> {
        Fields {
            format: self.format,
            origin: &self.origin,
        }
    }
}

/// Typed access to JSON values that reports the path of whatever is missing or mistyped.
struct Fields<'a> {
    format: BenchFormat,
    origin: &'a str,
}

impl Fields<'_> {
    fn error(&self, path: &str, problem: impl Into<String>) -> FormatError {
        FormatError::Field {
            format: self.format,
            origin: self.origin.to_owned(),
            path: path.to_owned(),
            problem: problem.into(),
        }
    }

    /// `value[key]` when present; an error if `value` (at `path`) is not an object.
    fn get<'v>(
        &self,
        value: &'v Value,
        path: &str,
        key: &str,
    ) -> Result<Option<&'v Value>, FormatError> {
        match value {
            Value::Object(map) => Ok(map.get(key)),
            other => Err(self.error(path, format!("is not an object (found {})", kind(other)))),
        }
    }

    fn require<'v>(
        &self,
        value: &'v Value,
        path: &str,
        key: &str,
    ) -> Result<&'v Value, FormatError> {
        self.get(value, path, key)?
            .ok_or_else(|| self.error(&join(path, key), "is missing"))
    }

    fn number(&self, value: &Value, path: &str) -> Result<f64, FormatError> {
        value
            .as_f64()
            .ok_or_else(|| self.error(path, format!("is not a number (found {})", kind(value))))
    }

    fn string<'v>(&self, value: &'v Value, path: &str) -> Result<&'v str, FormatError> {
        value
            .as_str()
            .ok_or_else(|| self.error(path, format!("is not a string (found {})", kind(value))))
    }

    fn array<'v>(&self, value: &'v Value, path: &str) -> Result<&'v [Value], FormatError> {
        value
            .as_array()
            .map(Vec::as_slice)
            .ok_or_else(|| self.error(path, format!("is not an array (found {})", kind(value))))
    }

    /// An optional boolean flag; absent means false.
    fn flag(&self, value: &Value, path: &str, key: &str) -> Result<bool, FormatError> {
        match self.get(value, path, key)? {
            None => Ok(false),
            Some(v) => v.as_bool().ok_or_else(|| {
                self.error(
                    &join(path, key),
                    format!("is not a boolean (found {})", kind(v)),
                )
            }),
        }
    }
}

/// serde_json's message without the " at line L column C" it appends, so callers can say where
/// in their own terms.
fn json_problem(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match full.strip_suffix(&suffix) {
        Some(problem) => problem.to_owned(),
        None => full,
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

// ---------------------------------------------------------------------------------------------
// Google Benchmark

const GOOGLE_EXPECTED: &str =
    "the JSON of --benchmark_format=json or --benchmark_out_format=json, with a `benchmarks` array";

/// The runs of one benchmark, gathered before choosing its value.
struct GoogleRuns {
    unit: String,
    iterations: Vec<f64>,
    median: Option<f64>,
    mean: Option<f64>,
}

fn google_benchmark(input: &JsonInput<'_>) -> Result<Vec<Measurement>, FormatError> {
    let format = input.format;
    let doc = input.document("benchmarks", GOOGLE_EXPECTED)?;
    let cx = input.cx();
    let entries = cx.array(cx.require(&doc, "", "benchmarks")?, "benchmarks")?;
    let mut runs: BTreeMap<String, GoogleRuns> = BTreeMap::new();
    for (i, entry) in entries.iter().enumerate() {
        let path = format!("benchmarks[{i}]");
        // Repetitions and aggregates share `run_name`; versions before 1.5 only have `name`.
        let name = match cx.get(entry, &path, "run_name")? {
            Some(v) => cx.string(v, &join(&path, "run_name"))?,
            None => cx.string(cx.require(entry, &path, "name")?, &join(&path, "name"))?,
        };
        if cx.flag(entry, &path, "error_occurred")? {
            let message = match cx.get(entry, &path, "error_message")? {
                Some(v) => cx.string(v, &join(&path, "error_message"))?,
                None => "(no message)",
            };
            return Err(FormatError::BenchmarkFailed {
                format,
                origin: input.origin.clone(),
                name: name.to_owned(),
                message: message.to_owned(),
            });
        }
        // `SkipWithMessage` (1.8+) marks a run the benchmark chose not to do: not a result.
        if cx.flag(entry, &path, "skipped")? {
            continue;
        }
        let run_type = match cx.get(entry, &path, "run_type")? {
            Some(v) => cx.string(v, &join(&path, "run_type"))?,
            None => "iteration",
        };
        let aggregate = match run_type {
            "iteration" => None,
            "aggregate" => {
                let key = "aggregate_name";
                match cx.string(cx.require(entry, &path, key)?, &join(&path, key))? {
                    a @ ("median" | "mean") => Some(a),
                    // stddev, cv, BigO, RMS and user statistics are not times to compare.
                    _ => continue,
                }
            }
            other => {
                return Err(cx.error(
                    &join(&path, "run_type"),
                    format!("is `{other}`, expected `iteration` or `aggregate`"),
                ))
            }
        };
        let value = cx.number(
            cx.require(entry, &path, "real_time")?,
            &join(&path, "real_time"),
        )?;
        let unit_path = join(&path, "time_unit");
        let unit = cx.string(cx.require(entry, &path, "time_unit")?, &unit_path)?;
        let runs = runs.entry(name.to_owned()).or_insert_with(|| GoogleRuns {
            unit: unit.to_owned(),
            iterations: Vec::new(),
            median: None,
            mean: None,
        });
        if runs.unit != unit {
            return Err(cx.error(
                &unit_path,
                format!(
                    "is `{unit}`, but other runs of `{name}` are in `{}`",
                    runs.unit
                ),
            ));
        }
        match aggregate {
            None => runs.iterations.push(value),
            Some("median") => runs.median = Some(value),
            Some(_) => runs.mean = Some(value),
        }
    }
    // Per benchmark: the median of its iteration runs; only when it has none
    // (--benchmark_report_aggregates_only), its median aggregate, else its mean aggregate.
    let found = runs
        .into_iter()
        .filter_map(|(name, mut runs)| {
            let value = if runs.iterations.is_empty() {
                runs.median.or(runs.mean)?
            } else {
                median(&mut runs.iterations)
            };
            Some(Measurement {
                name,
                unit: runs.unit,
                value,
            })
        })
        .collect();
    finish(format, &input.origin, found, GOOGLE_EXPECTED)
}

// ---------------------------------------------------------------------------------------------
// hyperfine

const HYPERFINE_EXPECTED: &str = "the JSON of --export-json, with a `results` array";

fn hyperfine(input: &JsonInput<'_>) -> Result<Vec<Measurement>, FormatError> {
    let doc = input.document("results", HYPERFINE_EXPECTED)?;
    let cx = input.cx();
    let results = cx.array(cx.require(&doc, "", "results")?, "results")?;
    let mut found = Vec::with_capacity(results.len());
    for (i, result) in results.iter().enumerate() {
        let path = format!("results[{i}]");
        let name = cx.string(
            cx.require(result, &path, "command")?,
            &join(&path, "command"),
        )?;
        let value = match (
            cx.get(result, &path, "median")?,
            cx.get(result, &path, "mean")?,
        ) {
            (Some(v), _) => cx.number(v, &join(&path, "median"))?,
            (None, Some(v)) => cx.number(v, &join(&path, "mean"))?,
            (None, None) => {
                return Err(cx.error(
                    &join(&path, "median"),
                    format!("is missing, and so is `{}`", join(&path, "mean")),
                ))
            }
        };
        found.push(Measurement {
            name: name.to_owned(),
            unit: "s".to_owned(),
            value,
        });
    }
    finish(input.format, &input.origin, found, HYPERFINE_EXPECTED)
}

// ---------------------------------------------------------------------------------------------
// Criterion

const CRITERION_EXPECTED: &str =
    "`benchmark-complete` lines of `cargo criterion --message-format=json` \
     on stdout, or `target/criterion/**/new/estimates.json` files from `cargo bench`";

/// Guards the directory walk against pathological trees; real Criterion trees are 3–5 deep.
const CRITERION_MAX_DEPTH: usize = 16;

fn criterion(stdout: &str, tree: &Path) -> Result<Vec<Measurement>, FormatError> {
    let found = criterion_messages(stdout)?;
    if !found.is_empty() {
        return finish(BenchFormat::Criterion, "stdout", found, CRITERION_EXPECTED);
    }
    criterion_directory(tree)
}

/// The `benchmark-complete` JSON lines that cargo-criterion prints; other lines are ignored.
fn criterion_messages(stdout: &str) -> Result<Vec<Measurement>, FormatError> {
    let format = BenchFormat::Criterion;
    let mut found = Vec::new();
    for (index, line) in stdout.lines().enumerate() {
        let line = line.trim();
        if !line.starts_with('{') || !line.contains("benchmark-complete") {
            continue;
        }
        let origin = format!("stdout line {}", index + 1);
        let message: Value = serde_json::from_str(line).map_err(|e| FormatError::Json {
            format,
            origin: origin.clone(),
            message: format!(
                "invalid JSON at column {}: {}",
                e.column(),
                json_problem(&e)
            ),
        })?;
        if message.get("reason").and_then(Value::as_str) != Some("benchmark-complete") {
            continue;
        }
        let cx = Fields {
            format,
            origin: &origin,
        };
        let name = cx.string(cx.require(&message, "", "id")?, "id")?;
        let typical = cx.require(&message, "", "typical")?;
        let value = cx.number(
            cx.require(typical, "typical", "estimate")?,
            "typical.estimate",
        )?;
        let unit = cx.string(cx.require(typical, "typical", "unit")?, "typical.unit")?;
        found.push(Measurement {
            name: name.to_owned(),
            unit: unit.to_owned(),
            value,
        });
    }
    Ok(found)
}

/// The `new/estimates.json` files that Criterion.rs leaves under `target/criterion/`.
fn criterion_directory(tree: &Path) -> Result<Vec<Measurement>, FormatError> {
    let format = BenchFormat::Criterion;
    let root = tree.join("target").join("criterion");
    let origin = format!("stdout or `{}`", root.display());
    match fs::metadata(&root) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            return Err(FormatError::NoBenchmarks {
                format,
                origin: format!("stdout or `{}`, which is not a directory", root.display()),
                expected: CRITERION_EXPECTED,
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(FormatError::NoBenchmarks {
                format,
                origin: format!("stdout or `{}`, which does not exist", root.display()),
                expected: CRITERION_EXPECTED,
            })
        }
        Err(source) => {
            return Err(FormatError::Read {
                format,
                path: root,
                source,
            })
        }
    }
    let mut bench_dirs = Vec::new();
    find_new_dirs(&root, 0, &mut bench_dirs)?;
    let mut found = Vec::with_capacity(bench_dirs.len());
    for dir in bench_dirs {
        found.push(criterion_estimate(&root, &dir)?);
    }
    finish(format, &origin, found, CRITERION_EXPECTED)
}

/// Collects every directory below `dir` that has a `new/estimates.json`, in sorted order.
fn find_new_dirs(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) -> Result<(), FormatError> {
    if depth > CRITERION_MAX_DEPTH {
        return Ok(());
    }
    let read_error = |source| FormatError::Read {
        format: BenchFormat::Criterion,
        path: dir.to_path_buf(),
        source,
    };
    let mut subdirs = Vec::new();
    for entry in fs::read_dir(dir).map_err(read_error)? {
        let entry = entry.map_err(read_error)?;
        // `file_type` does not follow symlinks, so a link cycle cannot trap the walk.
        if !entry.file_type().map_err(read_error)?.is_dir() {
            continue;
        }
        let name = entry.file_name();
        if name == "report" {
            // HTML reports, never estimates.
            continue;
        }
        if name == "new" {
            if entry.path().join("estimates.json").is_file() {
                out.push(dir.to_path_buf());
            }
            continue;
        }
        subdirs.push(entry.path());
    }
    subdirs.sort();
    for sub in subdirs {
        find_new_dirs(&sub, depth + 1, out)?;
    }
    Ok(())
}

fn read_json(format: BenchFormat, path: &Path) -> Result<Value, FormatError> {
    let text = fs::read_to_string(path).map_err(|source| FormatError::Read {
        format,
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| FormatError::Json {
        format,
        origin: format!("`{}`", path.display()),
        message: format!(
            "invalid JSON at line {}, column {}: {}",
            e.line(),
            e.column(),
            json_problem(&e)
        ),
    })
}

fn criterion_estimate(root: &Path, bench_dir: &Path) -> Result<Measurement, FormatError> {
    let format = BenchFormat::Criterion;
    let new_dir = bench_dir.join("new");

    let estimates_path = new_dir.join("estimates.json");
    let estimates = read_json(format, &estimates_path)?;
    let origin = format!("`{}`", estimates_path.display());
    let cx = Fields {
        format,
        origin: &origin,
    };
    let (which, estimate) = match (
        cx.get(&estimates, "", "median")?,
        cx.get(&estimates, "", "mean")?,
    ) {
        (Some(median), _) => ("median", median),
        (None, Some(mean)) => ("mean", mean),
        (None, None) => return Err(cx.error("median", "is missing, and so is `mean`")),
    };
    let value_path = join(which, "point_estimate");
    let value = cx.number(cx.require(estimate, which, "point_estimate")?, &value_path)?;

    // Directory names are sanitised ids; benchmark.json has the id as the user wrote it.
    let benchmark_path = new_dir.join("benchmark.json");
    let mut name = None;
    if benchmark_path.is_file() {
        let benchmark = read_json(format, &benchmark_path)?;
        let origin = format!("`{}`", benchmark_path.display());
        let cx = Fields {
            format,
            origin: &origin,
        };
        for key in ["full_id", "title"] {
            if let Some(v) = cx.get(&benchmark, "", key)? {
                name = Some(cx.string(v, key)?.to_owned());
                break;
            }
        }
    }
    let name = match name {
        Some(name) => name,
        None => relative_name(root, bench_dir),
    };
    Ok(Measurement {
        name,
        unit: "ns".to_owned(),
        value,
    })
}

/// `group/bench` from `<root>/group/bench`, with `/` separators on every platform.
fn relative_name(root: &Path, dir: &Path) -> String {
    let relative = dir.strip_prefix(root).unwrap_or(dir);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

// ---------------------------------------------------------------------------------------------
// libtest

const LIBTEST_EXPECTED: &str =
    "lines like `test NAME ... bench:       1,234 ns/iter (+/- 56)` from `cargo bench`";

/// What libtest prints between the test name and the number.
const LIBTEST_MARK: &str = " ... bench:";

fn libtest(stdout: &str) -> Result<Vec<Measurement>, FormatError> {
    let format = BenchFormat::Libtest;
    let mut found = Vec::new();
    for (index, raw) in stdout.lines().enumerate() {
        let line = strip_ansi(raw);
        let Some(rest) = line.trim_end().strip_prefix("test ") else {
            continue;
        };
        let Some(at) = rest.find(LIBTEST_MARK) else {
            continue;
        };
        let line_error = |message: String| FormatError::Line {
            format,
            origin: "stdout".to_owned(),
            line: index + 1,
            message,
        };
        let name = rest[..at].trim();
        if name.is_empty() {
            return Err(line_error("the benchmark has no name".to_owned()));
        }
        let after = rest[at + LIBTEST_MARK.len()..].trim_start();
        let mut tokens = after.split_whitespace();
        let (Some(number), Some("ns/iter")) = (tokens.next(), tokens.next()) else {
            return Err(line_error(format!(
                "expected `<number> ns/iter` after `bench:`, found `{after}`"
            )));
        };
        let value = parse_grouped_number(number).ok_or_else(|| {
            line_error(format!(
                "`{number}` is not a number of ns/iter for `{name}`"
            ))
        })?;
        found.push(Measurement {
            name: name.to_owned(),
            unit: "ns/iter".to_owned(),
            value,
        });
    }
    finish(format, "stdout", found, LIBTEST_EXPECTED)
}

/// `1,234` or `1,234.56` (libtest's thousands separators); nothing else, so `inf` or `1e3`
/// are rejected rather than read by `f64::from_str`.
fn parse_grouped_number(text: &str) -> Option<f64> {
    let plain: String = text.chars().filter(|&c| c != ',').collect();
    let valid = plain.chars().any(|c| c.is_ascii_digit())
        && plain.chars().all(|c| c.is_ascii_digit() || c == '.')
        && plain.matches('.').count() <= 1;
    if valid {
        plain.parse().ok()
    } else {
        None
    }
}

/// Drops ANSI colour sequences (`ESC [ ... letter`), which libtest prints with `--color always`.
fn strip_ansi(line: &str) -> Cow<'_, str> {
    if !line.contains('\u{1b}') {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.clone().next() == Some('[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
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
    fn wall_and_callgrind_are_not_parsed() {
        for format in [BenchFormat::Wall, BenchFormat::Callgrind] {
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
        let found =
            parse_stdout(BenchFormat::Hyperfine, &fixture("hyperfine.json")).expect("parse");
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
        let json =
            r#"{"results": [{"command": "b", "mean": 0.5}, {"command": "a", "median": 0.25}]}"#;
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
        let found =
            parse_stdout(BenchFormat::Libtest, &fixture("libtest-decimal.txt")).expect("parse");
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
        let found =
            parse_stdout(BenchFormat::Libtest, &fixture("libtest-integer.txt")).expect("parse");
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

        let stdout =
            "\ntest a ... bench: 1 ns/iter (+/- 0)\ntest b ... bench: 1,2x3 ns/iter (+/- 0)\n";
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
}
