//! Performance history feeds: a benchmark's value at each commit, read from the files that CI
//! jobs and benchmark dashboards already keep.
//!
//! Four formats are read:
//!
//! - **JSON Lines**, one point per line:
//!   `{"series", "commit", "value", "time"?, "unit"?, "direction"?}`. `time` is unix seconds or an
//!   RFC 3339 date-time; `direction` is `lower_is_better` (the default) or `higher_is_better`.
//! - **CSV with a header** naming the same columns (`series,commit,value[,time,unit,direction]`, in
//!   any order). Quoted fields may hold commas, doubled quotes and line breaks.
//! - **github-action-benchmark's `data.js`**, the script that action keeps on its `gh-pages`
//!   branch (`window.BENCHMARK_DATA = {...}`), or the same object as plain JSON (its
//!   `external-data-json-path` file). Each benchmark becomes the series `<suite>/<bench name>`.
//! - **Apache Otava's CSV layout**: one row per run, a time column, attribute columns such as
//!   `commit` and one numeric column per metric; each metric column becomes a series.
//!
//! Whatever the format, each series ends up with one point per commit, in history order: several
//! values for one commit are kept together (replicates: detection uses every one of them) and
//! summarized by their median, and the points are ordered
//! by the repository's first-parent history when a repository is given, else by time when every
//! point has one, else by their order in the file.
//!
//! Errors name the line (and, where it helps, the column and field) so a broken feed can be fixed
//! by hand; a feed that parses but carries points the history does not know about is read with a
//! warning instead, since feeds routinely outlive rebased or abandoned branches.

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

mod csv;
mod gab;
mod jsonl;
mod order;
mod otava;
mod source;
mod time;

use csv::*;
use gab::*;
use jsonl::*;
use order::*;
use otava::*;
pub use source::{read_source, FeedSource, GIT_PREFIX};
use time::*;

/// Which way a series improves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    #[default]
    LowerIsBetter,
    HigherIsBetter,
}

/// The feed formats [`read`] and [`parse`] understand.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum FeedFormat {
    /// JSON Lines: `{"series", "commit", "value", ...}` a line.
    Jsonl,
    /// CSV with a header `series,commit,value[,time,unit,direction]`.
    Csv,
    /// github-action-benchmark's `data.js`.
    GithubActionBenchmark,
    /// Apache Otava's wide CSV.
    Otava,
}

/// One commit's value in a series.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Point {
    /// The full commit id when a repository was given, else the id as the feed wrote it.
    pub commit: String,
    /// The median of the raw values the feed holds for this commit.
    pub value: f64,
    /// Every raw value the feed holds for this commit (several CI runs of
    /// one commit), in the feed's order: detection uses them all.
    pub values: Vec<f64>,
    /// Unix seconds: the earliest time the feed gives for this commit, if any.
    pub time: Option<f64>,
    /// How many raw points were aggregated into this one.
    pub samples: usize,
}

/// One benchmark's history, oldest point first.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Series {
    pub name: String,
    pub unit: Option<String>,
    pub direction: Direction,
    pub points: Vec<Point>,
}

/// A feed read into series, with what was noticed but not fatal.
#[derive(Clone, Debug)]
pub struct Feed {
    /// In order of first appearance in the file.
    pub series: Vec<Series>,
    pub warnings: Vec<String>,
}

/// Why a feed could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("cannot read feed `{}`: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    /// Malformed input: `line` and `column` are 1-based; `field` names the JSON field or CSV
    /// column at fault where there is one.
    #[error("{}", parse_message(.line, .column, .field, .message))]
    Parse {
        line: usize,
        column: Option<usize>,
        field: Option<String>,
        message: String,
    },

    #[error(
        "`{name}`: cannot tell the feed format; expected JSON Lines (`.jsonl`, or objects with \
         \"series\"), a CSV whose header has `series` and `value`, a github-action-benchmark \
         `data.js` (`window.BENCHMARK_DATA = ...`) or an Otava CSV with a `time` column; \
         name the format explicitly"
    )]
    UnknownFormat { name: String },

    /// A series whose points name two different units or directions. `first` and `second` are
    /// each a value with where it was seen, e.g. `` `ms` (line 1) ``.
    #[error("series `{series}`: points disagree on the {what}: {first} but {second}")]
    Inconsistent {
        series: String,
        what: &'static str,
        first: String,
        second: String,
    },

    #[error("cannot walk the first-parent history of HEAD: {0}")]
    Git(#[from] git2::Error),

    /// A `git:<branch>:<path>` feed that cannot be read from the repository.
    #[error("feed `{feed}`: {message}")]
    GitSource { feed: String, message: String },
}

fn parse_message(
    line: &usize,
    column: &Option<usize>,
    field: &Option<String>,
    message: &str,
) -> String {
    let mut out = format!("line {line}");
    if let Some(column) = column {
        out.push_str(&format!(", column {column}"));
    }
    if let Some(field) = field {
        out.push_str(&format!(", field `{field}`"));
    }
    format!("{out}: {message}")
}

fn parse_error(
    line: usize,
    column: Option<usize>,
    field: Option<&str>,
    message: impl Into<String>,
) -> FeedError {
    FeedError::Parse {
        line,
        column,
        field: field.map(str::to_string),
        message: message.into(),
    }
}

/// Read a feed file, detecting the format from the name/contents unless given, and order each
/// series' points.
pub fn read(
    path: &Path,
    format: Option<FeedFormat>,
    repo: Option<&git2::Repository>,
) -> Result<Feed, FeedError> {
    let text = std::fs::read_to_string(path).map_err(|source| FeedError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let format = match format {
        Some(format) => format,
        None => {
            let name = path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            detect_format(&name, &text).ok_or_else(|| FeedError::UnknownFormat {
                name: path.display().to_string(),
            })?
        }
    };
    parse(&text, format, repo)
}

/// The same from text (for tests and for feeds read from a git branch).
pub fn parse(
    text: &str,
    format: FeedFormat,
    repo: Option<&git2::Repository>,
) -> Result<Feed, FeedError> {
    let text = strip_bom(text);
    let mut warnings = Vec::new();
    let raw = match format {
        FeedFormat::Jsonl => parse_jsonl(text)?,
        FeedFormat::Csv => parse_long_csv(text, &mut warnings)?,
        FeedFormat::GithubActionBenchmark => parse_gab(text)?,
        FeedFormat::Otava => parse_otava(text, &mut warnings)?,
    };
    assemble(raw, repo, warnings)
}

/// Guess a feed's format from its file name and contents; `None` when nothing fits.
pub fn detect_format(file_name: &str, text: &str) -> Option<FeedFormat> {
    let text = strip_bom(text);
    let name = file_name.to_ascii_lowercase();
    if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
        return Some(FeedFormat::Jsonl);
    }
    let body = text.trim_start();
    if body.starts_with(GAB_PREFIX) {
        return Some(FeedFormat::GithubActionBenchmark);
    }
    let first = text.lines().map(str::trim).find(|line| !line.is_empty())?;
    if first.starts_with('{') {
        if let Ok(Value::Object(object)) = serde_json::from_str::<Value>(first) {
            if object.contains_key("series") {
                return Some(FeedFormat::Jsonl);
            }
        }
        // github-action-benchmark's `external-data-json-path` file: data.js without the prefix.
        if let Ok(Value::Object(object)) = serde_json::from_str::<Value>(body) {
            if object.get("entries").is_some_and(Value::is_object) {
                return Some(FeedFormat::GithubActionBenchmark);
            }
        }
        return None;
    }
    let header = match CsvReader::new(text).next_record()? {
        Ok(record) => record,
        Err(_) => return None,
    };
    let names: Vec<String> = header
        .fields
        .iter()
        .map(|field| field.text.trim().to_ascii_lowercase())
        .collect();
    let has = |name: &str| names.iter().any(|n| n == name);
    if has("series") && has("value") {
        return Some(FeedFormat::Csv);
    }
    if !has("series")
        && names
            .iter()
            .any(|n| OTAVA_TIME_COLUMNS.contains(&n.as_str()))
    {
        return Some(FeedFormat::Otava);
    }
    None
}

fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// One value as the feed wrote it, before aggregation and ordering.
struct RawPoint {
    series: String,
    commit: String,
    value: f64,
    time: Option<f64>,
    unit: Option<String>,
    direction: Option<Direction>,
    /// Where it came from, for error messages: `line 4`, or a data.js suite and entry.
    origin: String,
}

#[cfg(test)]
mod tests;
