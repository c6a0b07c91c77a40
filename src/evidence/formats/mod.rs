//! Parsers that turn what one run of a benchmark command produced into [`Measurement`]s.
//!
//! Each supported tool reports results its own way: Google Benchmark and hyperfine write a JSON
//! document (to stdout or to the file named by `WATTSON_BENCH_OUTPUT`), cargo-criterion prints JSON
//! lines while Criterion.rs itself leaves `estimates.json` files under `target/criterion/`, and
//! libtest (`cargo bench` with `#[bench]`) prints one text line per benchmark. `wall`, `cpu`
//! and `callgrind` are measured by the runner itself, so they have no parser here.
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

mod criterion;
mod google;
mod hyperfine;
mod json;
mod libtest;

use criterion::*;
use google::*;
use hyperfine::*;
use json::*;
use libtest::*;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum BenchFormat {
    /// The bench command's wall time, measured by the runner.
    Wall,
    /// The user + system CPU time of the bench command and its children,
    /// measured by the runner (`wait4`): steadier than wall time on a busy
    /// machine, blind to time spent waiting.
    Cpu,
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
    /// `wall`, `cpu` and `callgrind` have no output to parse.
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
        BenchFormat::Cpu => "cpu",
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
/// Wall, CPU and Callgrind are measured by the runner itself, not parsed: return an error saying so if called with them.
pub fn parse(
    format: BenchFormat,
    stdout: &str,
    output_file: Option<&Path>,
    tree: &Path,
) -> Result<Vec<Measurement>, FormatError> {
    match format {
        BenchFormat::Wall | BenchFormat::Cpu | BenchFormat::Callgrind => {
            Err(FormatError::NotParsed { format })
        }
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

#[cfg(test)]
mod tests;
