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
//! values for one commit are folded into their median (never dropped), and the points are ordered
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

// ---------------------------------------------------------------------------------------------
// JSON Lines

fn parse_jsonl(text: &str) -> Result<Vec<RawPoint>, FeedError> {
    let mut points = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        let indent = line.chars().count() - line.trim_start().chars().count();
        let value: Value = serde_json::from_str(trimmed).map_err(|error| {
            parse_error(
                number,
                Some(indent + error.column()),
                None,
                strip_json_position(&error),
            )
        })?;
        let Value::Object(object) = value else {
            return Err(parse_error(
                number,
                Some(indent + 1),
                None,
                format!("expected a JSON object, found {}", describe(&value)),
            ));
        };
        let fields = JsonlLine {
            object: &object,
            number,
            text: line,
        };
        let series = fields.required_string("series")?;
        let commit = fields.required_string("commit")?;
        let value = match object.get("value") {
            Some(Value::Number(n)) => n
                .as_f64()
                .filter(|v| v.is_finite())
                .ok_or_else(|| fields.error("value", format!("{n} is not a finite number")))?,
            Some(other) => {
                return Err(fields.error(
                    "value",
                    format!("expected a finite number, found {}", describe(other)),
                ))
            }
            None => return Err(fields.missing("value")),
        };
        let time = match object.get("time") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => Some(
                n.as_f64()
                    .filter(|t| t.is_finite())
                    .ok_or_else(|| fields.error("time", format!("{n} is not a finite number")))?,
            ),
            Some(Value::String(s)) => {
                Some(parse_rfc3339(s).map_err(|message| fields.error("time", message))?)
            }
            Some(other) => {
                return Err(fields.error(
                    "time",
                    format!(
                        "expected unix seconds or an RFC 3339 date-time, found {}",
                        describe(other)
                    ),
                ))
            }
        };
        let unit = fields.optional_string("unit")?;
        let direction = match fields.optional_string("direction")? {
            Some(text) => {
                Some(parse_direction(&text).map_err(|message| fields.error("direction", message))?)
            }
            None => None,
        };
        points.push(RawPoint {
            series,
            commit,
            value,
            time,
            unit,
            direction,
            origin: format!("line {number}"),
        });
    }
    Ok(points)
}

/// The fields of one JSON Lines object, with the line they came from for errors.
struct JsonlLine<'a> {
    object: &'a Map<String, Value>,
    number: usize,
    text: &'a str,
}

impl JsonlLine<'_> {
    fn error(&self, field: &str, message: impl Into<String>) -> FeedError {
        // Point at the key, which is where a reader of the line would look.
        let column = self
            .text
            .find(&format!("\"{field}\""))
            .map(|at| self.text[..at].chars().count() + 1);
        parse_error(self.number, column, Some(field), message)
    }

    fn missing(&self, field: &str) -> FeedError {
        parse_error(self.number, None, Some(field), "missing")
    }

    fn required_string(&self, field: &str) -> Result<String, FeedError> {
        match self.object.get(field) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
            Some(other) => Err(self.error(
                field,
                format!("expected a non-empty string, found {}", describe(other)),
            )),
            None => Err(self.missing(field)),
        }
    }

    fn optional_string(&self, field: &str) -> Result<Option<String>, FeedError> {
        match self.object.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(other) => Err(self.error(
                field,
                format!("expected a string, found {}", describe(other)),
            )),
        }
    }
}

/// serde_json appends " at line L column C"; the position is reported separately.
fn strip_json_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.chars().count() > 40 => {
            let head: String = s.chars().take(40).collect();
            format!("the string {head:?}…")
        }
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

fn parse_direction(text: &str) -> Result<Direction, String> {
    match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
        "lower_is_better" => Ok(Direction::LowerIsBetter),
        "higher_is_better" => Ok(Direction::HigherIsBetter),
        _ => Err(format!(
            "expected `lower_is_better` or `higher_is_better`, found `{}`",
            text.trim()
        )),
    }
}

fn parse_number(text: &str) -> Result<f64, String> {
    let text = text.trim();
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        Ok(_) => Err(format!("`{text}` is not a finite number")),
        Err(_) => Err(format!("expected a number, found `{text}`")),
    }
}

// ---------------------------------------------------------------------------------------------
// CSV

/// One CSV field and where it starts.
struct CsvField {
    text: String,
    line: usize,
    column: usize,
    quoted: bool,
}

struct CsvRecord {
    line: usize,
    fields: Vec<CsvField>,
}

/// A small RFC 4180 reader: `,` between fields, `"` around fields that hold commas, quotes
/// (doubled) or line breaks. Unquoted fields are trimmed; blank lines are skipped.
struct CsvReader<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
    column: usize,
}

impl<'a> CsvReader<'a> {
    fn new(text: &'a str) -> CsvReader<'a> {
        CsvReader {
            chars: text.chars().peekable(),
            line: 1,
            column: 1,
        }
    }

    /// The next character, with `\r\n` and a lone `\r` both read as `\n`.
    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        let c = if c == '\r' {
            if self.chars.peek() == Some(&'\n') {
                self.chars.next();
            }
            '\n'
        } else {
            c
        };
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn peek(&mut self) -> Option<char> {
        self.chars.peek().copied()
    }

    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.bump();
        }
    }

    fn next_record(&mut self) -> Option<Result<CsvRecord, FeedError>> {
        loop {
            self.peek()?;
            let mut record = CsvRecord {
                line: self.line,
                fields: Vec::new(),
            };
            loop {
                match self.field() {
                    Ok(field) => record.fields.push(field),
                    Err(error) => return Some(Err(error)),
                }
                match self.bump() {
                    Some(',') => continue,
                    _ => break,
                }
            }
            let blank = record.fields.len() == 1
                && record.fields[0].text.is_empty()
                && !record.fields[0].quoted;
            if !blank {
                return Some(Ok(record));
            }
        }
    }

    /// One field, leaving the `,`, line break or end that follows it unread.
    fn field(&mut self) -> Result<CsvField, FeedError> {
        self.skip_blanks();
        let (line, column) = (self.line, self.column);
        let mut text = String::new();
        if self.peek() == Some('"') {
            self.bump();
            loop {
                match self.bump() {
                    None => {
                        return Err(parse_error(
                            line,
                            Some(column),
                            None,
                            "quoted field is never closed",
                        ))
                    }
                    Some('"') if self.peek() == Some('"') => {
                        self.bump();
                        text.push('"');
                    }
                    Some('"') => break,
                    Some(c) => text.push(c),
                }
            }
            self.skip_blanks();
            match self.peek() {
                None | Some(',' | '\n' | '\r') => {}
                Some(c) => {
                    return Err(parse_error(
                        self.line,
                        Some(self.column),
                        None,
                        format!(
                            "unexpected `{c}` after the closing quote of a field \
                             (a quote inside a quoted field is written `\"\"`)"
                        ),
                    ))
                }
            }
            Ok(CsvField {
                text,
                line,
                column,
                quoted: true,
            })
        } else {
            while let Some(c) = self.peek() {
                if matches!(c, ',' | '\n' | '\r') {
                    break;
                }
                text.push(c);
                self.bump();
            }
            let trimmed = text.trim_end().len();
            text.truncate(trimmed);
            Ok(CsvField {
                text,
                line,
                column,
                quoted: false,
            })
        }
    }
}

/// The header's column names, checked for blanks and duplicates.
fn header_names(header: &CsvRecord) -> Result<Vec<String>, FeedError> {
    let mut names: Vec<String> = Vec::new();
    for field in &header.fields {
        let name = field.text.trim().to_string();
        if name.is_empty() {
            return Err(parse_error(
                field.line,
                Some(field.column),
                None,
                "the header has an empty column name",
            ));
        }
        if names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            return Err(parse_error(
                field.line,
                Some(field.column),
                Some(&name),
                "the header names this column twice",
            ));
        }
        names.push(name);
    }
    Ok(names)
}

fn column_of(names: &[String], wanted: &str) -> Option<usize> {
    names
        .iter()
        .position(|name| name.eq_ignore_ascii_case(wanted))
}

/// Every data record, checked to have as many fields as the header.
fn data_records(reader: &mut CsvReader, width: usize) -> Result<Vec<CsvRecord>, FeedError> {
    let mut records = Vec::new();
    while let Some(record) = reader.next_record() {
        let record = record?;
        if record.fields.len() != width {
            return Err(parse_error(
                record.line,
                None,
                None,
                format!(
                    "expected {width} fields as in the header, found {}",
                    record.fields.len()
                ),
            ));
        }
        records.push(record);
    }
    Ok(records)
}

fn field_error(field: &CsvField, name: &str, message: impl Into<String>) -> FeedError {
    parse_error(field.line, Some(field.column), Some(name), message)
}

fn parse_long_csv(text: &str, warnings: &mut Vec<String>) -> Result<Vec<RawPoint>, FeedError> {
    let mut reader = CsvReader::new(text);
    let header = match reader.next_record() {
        Some(header) => header?,
        None => return Ok(Vec::new()),
    };
    let names = header_names(&header)?;
    let required = |name: &str| {
        column_of(&names, name).ok_or_else(|| {
            parse_error(
                header.line,
                None,
                Some(name),
                format!("the header has no `{name}` column"),
            )
        })
    };
    let series_at = required("series")?;
    let commit_at = required("commit")?;
    let value_at = required("value")?;
    let time_at = column_of(&names, "time");
    let unit_at = column_of(&names, "unit");
    let direction_at = column_of(&names, "direction");
    let known = ["series", "commit", "value", "time", "unit", "direction"];
    let ignored: Vec<String> = names
        .iter()
        .filter(|name| !known.iter().any(|k| name.eq_ignore_ascii_case(k)))
        .map(|name| format!("`{name}`"))
        .collect();
    if !ignored.is_empty() {
        warnings.push(format!(
            "ignored CSV column(s) {} (only series, commit, value, time, unit and direction are read)",
            ignored.join(", ")
        ));
    }

    let mut points = Vec::new();
    for record in data_records(&mut reader, names.len())? {
        let cell = |at: usize| &record.fields[at];
        let non_empty = |at: usize, name: &str| {
            let field = cell(at);
            match field.text.trim() {
                "" => Err(field_error(field, name, "empty")),
                text => Ok(text.to_string()),
            }
        };
        let series = non_empty(series_at, "series")?;
        let commit = non_empty(commit_at, "commit")?;
        let value_field = cell(value_at);
        let value =
            parse_number(&value_field.text).map_err(|m| field_error(value_field, "value", m))?;
        let time = match time_at.map(cell) {
            Some(field) if !field.text.trim().is_empty() => {
                Some(parse_time_cell(&field.text).map_err(|m| field_error(field, "time", m))?)
            }
            _ => None,
        };
        let unit = unit_at
            .map(|at| cell(at).text.trim().to_string())
            .filter(|unit| !unit.is_empty());
        let direction = match direction_at.map(cell) {
            Some(field) if !field.text.trim().is_empty() => {
                Some(parse_direction(&field.text).map_err(|m| field_error(field, "direction", m))?)
            }
            _ => None,
        };
        points.push(RawPoint {
            series,
            commit,
            value,
            time,
            unit,
            direction,
            origin: format!("line {}", record.line),
        });
    }
    Ok(points)
}

/// A `time` cell of the long CSV: unix seconds or RFC 3339, as in JSON Lines.
fn parse_time_cell(text: &str) -> Result<f64, String> {
    let text = text.trim();
    match text.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() => Ok(seconds),
        Ok(_) => Err(format!("`{text}` is not a finite number")),
        Err(_) => parse_rfc3339(text),
    }
}

// ---------------------------------------------------------------------------------------------
// github-action-benchmark data.js
//
// The action writes `window.BENCHMARK_DATA = ` followed by `JSON.stringify(data, null, 2)`
// (`SCRIPT_PREFIX` and `storeDataJs` in its src/write/loadData.ts), where `data` is
// `{ lastUpdate, repoUrl, entries: { [suite]: Benchmark[] } }` and each Benchmark is
// `{ commit: { id, timestamp, ... }, date: <ms>, tool, benches: [{ name, value, unit, range?,
// extra? }] }`.

const GAB_PREFIX: &str = "window.BENCHMARK_DATA";

/// github-action-benchmark's own rule, `biggerIsBetter(tool)` in its src/write/biggerIsBetter.ts
/// (benchmark-action/github-action-benchmark at 09d9d21a, also `src/write.ts` before that split):
/// the direction follows the tool alone, never the unit. Tools it does not list fall through the
/// TypeScript `switch` to `undefined`, i.e. smaller is better. Using the same rule keeps our reading
/// of a data.js in line with the action's own charts and alerts, including where that rule is
/// known to be wrong (JMH throughput in `ops/s`, issue #365; Go's `MB/s` benches).
fn gab_direction(tool: Option<&str>) -> Direction {
    match tool {
        Some("benchmarkjs" | "pytest" | "customBiggerIsBetter") => Direction::HigherIsBetter,
        _ => Direction::LowerIsBetter,
    }
}

#[derive(Deserialize)]
#[serde(expecting = "the benchmark data object, with `entries`")]
struct GabData {
    #[serde(deserialize_with = "de_suites")]
    entries: Vec<(String, Vec<GabEntry>)>,
}

#[derive(Deserialize)]
#[serde(expecting = "a benchmark entry object (`commit`, `date`, `tool`, `benches`)")]
struct GabEntry {
    commit: GabCommit,
    /// When the benchmark ran, in seconds (the file has milliseconds).
    #[serde(default, deserialize_with = "de_date")]
    date: Option<f64>,
    #[serde(default, deserialize_with = "de_tool")]
    tool: Option<String>,
    benches: Vec<GabBench>,
}

#[derive(Deserialize)]
#[serde(expecting = "a commit object with an `id`")]
struct GabCommit {
    #[serde(deserialize_with = "de_id")]
    id: String,
    #[serde(default, deserialize_with = "de_timestamp")]
    timestamp: Option<f64>,
}

#[derive(Deserialize)]
#[serde(expecting = "a bench object (`name`, `value`, `unit`)")]
struct GabBench {
    #[serde(deserialize_with = "de_name")]
    name: String,
    #[serde(deserialize_with = "de_value")]
    value: f64,
    #[serde(default, deserialize_with = "de_unit")]
    unit: Option<String>,
}

/// The suites in file order (a map would sort them).
fn de_suites<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, Vec<GabEntry>)>, D::Error> {
    struct Suites;
    impl<'de> Visitor<'de> for Suites {
        type Value = Vec<(String, Vec<GabEntry>)>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object mapping suite names to arrays of entries")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut suites = Vec::new();
            while let Some(suite) = map.next_entry::<String, Vec<GabEntry>>()? {
                suites.push(suite);
            }
            Ok(suites)
        }
    }
    d.deserialize_map(Suites)
}

// Each field gets its own function so that a bad value is reported with the field's name (serde's
// own type errors do not name the field); serde_json adds the line and column.

fn de_string<'de, D: Deserializer<'de>>(d: D, field: &str) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) if !s.trim().is_empty() => Ok(s),
        other => Err(de::Error::custom(format!(
            "field `{field}`: expected a non-empty string, found {}",
            describe(&other)
        ))),
    }
}

fn de_optional_string<'de, D: Deserializer<'de>>(
    d: D,
    field: &str,
) -> Result<Option<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => Ok(Some(s)),
        other => Err(de::Error::custom(format!(
            "field `{field}`: expected a string, found {}",
            describe(&other)
        ))),
    }
}

fn de_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    de_string(d, "id")
}

fn de_name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    de_string(d, "name")
}

fn de_tool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    de_optional_string(d, "tool")
}

fn de_unit<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    de_optional_string(d, "unit")
}

fn de_value<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    // JSON.stringify writes NaN and Infinity as null, so null is the usual non-finite value.
    match Value::deserialize(d)? {
        Value::Number(n) => n
            .as_f64()
            .filter(|v| v.is_finite())
            .ok_or_else(|| de::Error::custom(format!("field `value`: {n} is not a finite number"))),
        other => Err(de::Error::custom(format!(
            "field `value`: expected a finite number, found {}",
            describe(&other)
        ))),
    }
}

fn de_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Number(n) => match n.as_f64().filter(|v| v.is_finite()) {
            Some(ms) => Ok(Some(ms / 1000.0)),
            None => Err(de::Error::custom(format!(
                "field `date`: {n} is not a finite number"
            ))),
        },
        other => Err(de::Error::custom(format!(
            "field `date`: expected milliseconds since the epoch, found {}",
            describe(&other)
        ))),
    }
}

fn de_timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    match de_optional_string(d, "timestamp")? {
        None => Ok(None),
        Some(text) => parse_rfc3339(&text)
            .map(Some)
            .map_err(|message| de::Error::custom(format!("field `timestamp`: {message}"))),
    }
}

fn parse_gab(text: &str) -> Result<Vec<RawPoint>, FeedError> {
    // Blank out the script prefix and a trailing `;` rather than slicing them off, so that
    // serde_json's line and column numbers are the file's.
    let mut json = text.to_string();
    let start = text.len() - text.trim_start().len();
    if text[start..].starts_with(GAB_PREFIX) {
        let after = start + GAB_PREFIX.len();
        let rest = &text[after..];
        let equals = rest.len() - rest.trim_start().len();
        if !rest[equals..].starts_with('=') {
            let (line, column) = line_and_column(text, after + equals);
            return Err(parse_error(
                line,
                Some(column),
                None,
                "expected `=` after `window.BENCHMARK_DATA`",
            ));
        }
        json.replace_range(
            start..after + equals + 1,
            &" ".repeat(after + equals + 1 - start),
        );
    } else if !text[start..].starts_with('{') {
        let (line, column) = line_and_column(text, start);
        return Err(parse_error(
            line,
            Some(column),
            None,
            "expected `window.BENCHMARK_DATA = {...}` or a JSON object",
        ));
    }
    let end = json.trim_end().len();
    if json[..end].ends_with(';') {
        json.replace_range(end - 1..end, " ");
    }

    let data: GabData = serde_json::from_str(&json).map_err(|error| {
        let message = strip_json_position(&error);
        let field = message
            .strip_prefix("field `")
            .or_else(|| message.strip_prefix("missing field `"))
            .and_then(|rest| rest.split('`').next())
            .map(str::to_string);
        FeedError::Parse {
            line: error.line(),
            column: Some(error.column()),
            field,
            message,
        }
    })?;

    let mut points = Vec::new();
    for (suite, entries) in data.entries {
        for (index, entry) in entries.into_iter().enumerate() {
            let direction = gab_direction(entry.tool.as_deref());
            // The run's time, not the commit's: runs follow the order commits landed in, while
            // commit timestamps can go backwards after a rebase.
            let time = entry.date.or(entry.commit.timestamp);
            let short: String = entry.commit.id.chars().take(12).collect();
            let origin = format!("suite `{suite}`, entry {} (commit {short})", index + 1);
            for bench in entry.benches {
                points.push(RawPoint {
                    series: format!("{suite}/{}", bench.name),
                    commit: entry.commit.id.clone(),
                    value: bench.value,
                    time,
                    unit: bench.unit,
                    direction: Some(direction),
                    origin: origin.clone(),
                });
            }
        }
    }
    Ok(points)
}

/// 1-based line and character column of a byte offset.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    (line, before[line_start..].chars().count() + 1)
}

// ---------------------------------------------------------------------------------------------
// Apache Otava CSV
//
// Otava's CSV importer (`CsvImporter` in otava/importer.py, apache/otava) reads a header row, takes
// the time from the configured `time_column` (default `time`, `create_csv_test_config` in
// otava/test_config.py), copies the configured `attributes` (its examples and docs/CSV.md use
// `attributes: [commit]`) and converts each configured metric column with `float()`. Times go
// through `dateparser` (`parse_datetime` in otava/util.py); its own test writes them as
// `%Y.%m.%d %H:%M:%S %z`, e.g. `2026.01.01 3:00:00 +0100`. A `branch` column, if present, must
// hold a single branch unless `--branch` picks one. Metric direction lives in Otava's YAML
// config (`direction: -1` is lower-is-better, default 1), not in the CSV, so these series take
// this module's default direction.
//
// There is no config here, so columns are classified instead: the time column, the attribute
// names Otava itself uses (`commit`, `branch`, `version`, `run`, see `GraphiteImporter`), and then
// every column whose first non-empty cell is a number is a metric; other columns are attributes.

/// Accepted names of the time column, Otava's default first.
const OTAVA_TIME_COLUMNS: [&str; 3] = ["time", "timestamp", "date"];
const OTAVA_ATTRIBUTES: [&str; 4] = ["commit", "branch", "version", "run"];

fn parse_otava(text: &str, warnings: &mut Vec<String>) -> Result<Vec<RawPoint>, FeedError> {
    let mut reader = CsvReader::new(text);
    let header = match reader.next_record() {
        Some(header) => header?,
        None => return Ok(Vec::new()),
    };
    let names = header_names(&header)?;
    let time_at = OTAVA_TIME_COLUMNS
        .iter()
        .find_map(|wanted| column_of(&names, wanted))
        .ok_or_else(|| {
            parse_error(
                header.line,
                None,
                Some("time"),
                "the header has no time column (`time`, `timestamp` or `date`)",
            )
        })?;
    let commit_at = column_of(&names, "commit").ok_or_else(|| {
        parse_error(
            header.line,
            None,
            Some("commit"),
            "the header has no `commit` column (Otava's attribute for the commit id)",
        )
    })?;
    let branch_at = column_of(&names, "branch");
    let records = data_records(&mut reader, names.len())?;

    let metrics: Vec<usize> = (0..names.len())
        .filter(|&at| at != time_at)
        .filter(|&at| {
            !OTAVA_ATTRIBUTES
                .iter()
                .any(|a| names[at].eq_ignore_ascii_case(a))
        })
        .filter(|&at| {
            records
                .iter()
                .map(|record| record.fields[at].text.trim())
                .find(|cell| !cell.is_empty())
                .is_some_and(|cell| cell.parse::<f64>().is_ok())
        })
        .collect();
    if metrics.is_empty() && !records.is_empty() {
        return Err(parse_error(
            header.line,
            None,
            None,
            "no column holds numbers, so there is no metric to read",
        ));
    }

    let mut branches = BTreeSet::new();
    let mut points = Vec::new();
    for record in &records {
        let time_field = &record.fields[time_at];
        let time = parse_otava_time(&time_field.text)
            .map_err(|m| field_error(time_field, &names[time_at], m))?;
        let commit_field = &record.fields[commit_at];
        let commit = commit_field.text.trim();
        if commit.is_empty() {
            return Err(field_error(commit_field, &names[commit_at], "empty"));
        }
        if let Some(at) = branch_at {
            branches.insert(record.fields[at].text.trim().to_string());
        }
        for &at in &metrics {
            let field = &record.fields[at];
            // A metric added later leaves earlier rows empty: no point, not an error.
            if field.text.trim().is_empty() {
                continue;
            }
            let value = parse_number(&field.text).map_err(|m| field_error(field, &names[at], m))?;
            points.push(RawPoint {
                series: names[at].clone(),
                commit: commit.to_string(),
                value,
                time: Some(time),
                unit: None,
                direction: None,
                origin: format!("line {}", record.line),
            });
        }
    }
    if branches.len() > 1 {
        let list: Vec<String> = branches.iter().map(|b| format!("`{b}`")).collect();
        warnings.push(format!(
            "the Otava CSV has rows from {} branches ({}); Otava itself refuses to mix them \
             without --branch, here they are read as one history",
            branches.len(),
            list.join(", ")
        ));
    }
    Ok(points)
}

// ---------------------------------------------------------------------------------------------
// Time

/// Strict RFC 3339 `date-time`: `2026-01-05T10:00:00Z`, `2026-01-05 10:00:00.25-05:00`.
fn parse_rfc3339(text: &str) -> Result<f64, String> {
    parse_datetime(text.trim(), false)
        .map_err(|detail| format!("`{}` is not an RFC 3339 date-time ({detail})", text.trim()))
}

/// An Otava time cell: unix seconds, or what Otava's own files and tests write (`2026.01.01
/// 3:00:00 +0100`, ISO 8601 with `T` or a space, `-`, `.` or `/` between date parts, an offset
/// as `Z`, `UTC`, `+01`, `+0100` or `+01:00`, seconds and even the time optional). A time without
/// an offset is taken as UTC (dateparser would use the machine's zone, which is not reproducible).
fn parse_otava_time(text: &str) -> Result<f64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty".to_string());
    }
    if let Ok(seconds) = text.parse::<f64>() {
        return if seconds.is_finite() {
            Ok(seconds)
        } else {
            Err(format!("`{text}` is not a finite number"))
        };
    }
    parse_datetime(text, true).map_err(|detail| format!("`{text}` is not a date-time ({detail})"))
}

/// A byte cursor over an ASCII date-time.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, wanted: u8) -> bool {
        if self.peek() == Some(wanted) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn eat_any(&mut self, wanted: &[u8]) -> Option<u8> {
        let c = self.peek().filter(|c| wanted.contains(c))?;
        self.at += 1;
        Some(c)
    }

    /// Between `min` and `max` ASCII digits.
    fn digit_run(&mut self, min: usize, max: usize, what: &str) -> Result<&str, String> {
        let start = self.at;
        while self.at - start < max && self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.at += 1;
        }
        if self.at - start < min {
            return Err(if min == max {
                format!("expected {min} digits for the {what}")
            } else {
                format!("expected {min} to {max} digits for the {what}")
            });
        }
        // Only ASCII digits were taken, so this cannot fail.
        Ok(std::str::from_utf8(&self.bytes[start..self.at]).unwrap_or("0"))
    }

    /// Between `min` and `max` (at most 4) digits, as a number.
    fn digits(&mut self, min: usize, max: usize, what: &str) -> Result<u32, String> {
        let run = self.digit_run(min, max, what)?;
        Ok(run.bytes().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    }

    fn expect(&mut self, wanted: u8, after: &str) -> Result<(), String> {
        if self.eat(wanted) {
            Ok(())
        } else {
            Err(format!("expected `{}` after the {after}", wanted as char))
        }
    }

    fn eat_word(&mut self, word: &str) -> bool {
        let end = self.at + word.len();
        if self
            .bytes
            .get(self.at..end)
            .is_some_and(|b| b.eq_ignore_ascii_case(word.as_bytes()))
        {
            self.at = end;
            true
        } else {
            false
        }
    }

    fn skip_spaces(&mut self) {
        while self.eat(b' ') {}
    }
}

/// Unix seconds of a date-time; `lenient` accepts the wider set [`parse_otava_time`] lists.
fn parse_datetime(text: &str, lenient: bool) -> Result<f64, String> {
    let mut c = Cursor {
        bytes: text.as_bytes(),
        at: 0,
    };
    let (short, separators): (usize, &[u8]) = if lenient { (1, b"-./") } else { (2, b"-") };
    let year = c.digits(4, 4, "year")?;
    let separator = c
        .eat_any(separators)
        .ok_or_else(|| "expected `-` after the year".to_string())?;
    let month = c.digits(short, 2, "month")?;
    c.expect(separator, "month")?;
    let day = c.digits(short, 2, "day")?;
    if !(1..=12).contains(&month) {
        return Err(format!("month {month} is out of range"));
    }
    if day == 0 || day > days_in_month(year, month) {
        return Err(format!(
            "day {day} is out of range for {year:04}-{month:02}"
        ));
    }

    let mut seconds_of_day = 0.0;
    let has_time = if lenient {
        let before = c.at;
        let t = c.eat_any(b"Tt").is_some();
        if !t {
            c.skip_spaces();
        }
        let time_follows = c.peek().is_some_and(|b| b.is_ascii_digit());
        if !time_follows {
            c.at = before;
        }
        time_follows
    } else {
        if c.eat_any(b"Tt ").is_none() {
            return Err("expected `T` between the date and the time".to_string());
        }
        true
    };
    if has_time {
        let hour = c.digits(short, 2, "hour")?;
        c.expect(b':', "hour")?;
        let minute = c.digits(2, 2, "minute")?;
        let second = if c.eat(b':') {
            let whole = f64::from(c.digits(2, 2, "second")?);
            if c.eat(b'.') || (lenient && c.eat(b',')) {
                let digits = c.digit_run(1, usize::MAX, "fraction of a second")?;
                whole + format!("0.{digits}").parse::<f64>().unwrap_or(0.0)
            } else {
                whole
            }
        } else if lenient {
            0.0
        } else {
            return Err("expected `:` and seconds after the minute".to_string());
        };
        if hour > 23 || minute > 59 || second >= 61.0 {
            return Err(format!(
                "time {hour:02}:{minute:02}:{second:02} is out of range"
            ));
        }
        seconds_of_day = f64::from(hour * 3600 + minute * 60) + second;
    }

    let offset = if lenient {
        c.skip_spaces();
        let utc = c.at == c.bytes.len()
            || c.eat_any(b"Zz").is_some()
            || c.eat_word("UTC")
            || c.eat_word("GMT");
        if utc {
            0
        } else {
            zone_offset(&mut c, true)?
        }
    } else if c.eat_any(b"Zz").is_some() {
        0
    } else {
        zone_offset(&mut c, false)?
    };
    if c.at != c.bytes.len() {
        return Err(format!(
            "unexpected `{}` at character {}",
            text[c.at..].chars().next().unwrap_or(' '),
            text[..c.at].chars().count() + 1
        ));
    }
    let days = days_from_civil(i64::from(year), month, day);
    Ok(days as f64 * 86_400.0 + seconds_of_day - f64::from(offset))
}

/// `±hh:mm` (and, leniently, `±hhmm` or `±hh`) as seconds east of UTC.
fn zone_offset(c: &mut Cursor, lenient: bool) -> Result<i32, String> {
    let sign = match c.eat_any(b"+-") {
        Some(b'-') => -1,
        Some(_) => 1,
        None => return Err("expected `Z` or a `+hh:mm`/`-hh:mm` offset".to_string()),
    };
    let hours = c.digits(2, 2, "offset hours")?;
    let minutes = if c.eat(b':') {
        c.digits(2, 2, "offset minutes")?
    } else if lenient {
        if c.peek().is_some_and(|b| b.is_ascii_digit()) {
            c.digits(2, 2, "offset minutes")?
        } else {
            0
        }
    } else {
        return Err("expected `:` in the offset".to_string());
    };
    if hours > 23 || minutes > 59 {
        return Err(format!("offset {hours:02}:{minutes:02} is out of range"));
    }
    // Both are at most two digits, so the cast cannot overflow.
    Ok(sign * (hours * 3600 + minutes * 60) as i32)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

// ---------------------------------------------------------------------------------------------
// Aggregation and ordering

/// The first-parent history of HEAD, oldest first, with a sorted index for abbreviated ids.
struct History {
    ids: Vec<String>,
    sorted: Vec<(String, usize)>,
}

enum Lookup {
    Found(usize),
    Missing,
    Ambiguous,
}

impl History {
    fn load(repo: &git2::Repository) -> Result<History, git2::Error> {
        let mut walk = repo.revwalk()?;
        walk.push_head()?;
        walk.simplify_first_parent()?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL)?;
        let mut ids = walk
            .map(|oid| oid.map(|oid| oid.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        ids.reverse();
        let mut sorted: Vec<(String, usize)> = ids
            .iter()
            .enumerate()
            .map(|(at, id)| (id.clone(), at))
            .collect();
        sorted.sort();
        Ok(History { ids, sorted })
    }

    fn lookup(&self, commit: &str) -> Lookup {
        let commit = commit.trim().to_ascii_lowercase();
        // Shorter prefixes than git's default abbreviation are too likely to be something else.
        if commit.len() < 7 || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Lookup::Missing;
        }
        let start = self
            .sorted
            .partition_point(|(id, _)| id.as_str() < commit.as_str());
        let mut matches = self.sorted[start..]
            .iter()
            .take_while(|(id, _)| id.starts_with(&commit));
        match (matches.next(), matches.next()) {
            (Some(&(_, at)), None) => Lookup::Found(at),
            (Some(_), Some(_)) => Lookup::Ambiguous,
            _ => Lookup::Missing,
        }
    }
}

/// Points left out because the history does not know their commit.
#[derive(Default)]
struct LeftOut {
    points: usize,
    commits: BTreeSet<String>,
    example: Option<(String, String)>,
}

impl LeftOut {
    fn add(&mut self, series: &str, commit: &str) {
        self.points += 1;
        self.commits.insert(commit.to_string());
        if self.example.is_none() {
            self.example = Some((series.to_string(), commit.to_string()));
        }
    }

    fn warning(&self, what: &str) -> Option<String> {
        let (series, commit) = self.example.as_ref()?;
        Some(format!(
            "left out {} point(s) of {} commit(s) {what}, e.g. commit `{commit}` in series `{series}`",
            self.points,
            self.commits.len()
        ))
    }
}

/// The raw points of one commit in one series.
struct Group {
    commit: String,
    position: Option<usize>,
    values: Vec<f64>,
    time: Option<f64>,
}

struct SeriesAcc {
    name: String,
    unit: Option<(String, String)>,
    direction: Option<(Direction, String)>,
    points: Vec<RawPoint>,
}

fn assemble(
    raw: Vec<RawPoint>,
    repo: Option<&git2::Repository>,
    mut warnings: Vec<String>,
) -> Result<Feed, FeedError> {
    if raw.is_empty() {
        warnings.push("the feed has no points".to_string());
    }
    let mut all: Vec<SeriesAcc> = Vec::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for point in raw {
        let at = *by_name.entry(point.series.clone()).or_insert_with(|| {
            all.push(SeriesAcc {
                name: point.series.clone(),
                unit: None,
                direction: None,
                points: Vec::new(),
            });
            all.len() - 1
        });
        let acc = &mut all[at];
        // A missing unit or direction says nothing; only two different ones disagree.
        if let Some(unit) = &point.unit {
            match &acc.unit {
                None => acc.unit = Some((unit.clone(), point.origin.clone())),
                Some((first, first_at)) if first != unit => {
                    return Err(FeedError::Inconsistent {
                        series: acc.name.clone(),
                        what: "unit",
                        first: format!("`{first}` ({first_at})"),
                        second: format!("`{unit}` ({})", point.origin),
                    })
                }
                Some(_) => {}
            }
        }
        if let Some(direction) = point.direction {
            match &acc.direction {
                None => acc.direction = Some((direction, point.origin.clone())),
                Some((first, first_at)) if *first != direction => {
                    return Err(FeedError::Inconsistent {
                        series: acc.name.clone(),
                        what: "direction",
                        first: format!("`{}` ({first_at})", direction_name(*first)),
                        second: format!("`{}` ({})", direction_name(direction), point.origin),
                    })
                }
                Some(_) => {}
            }
        }
        acc.points.push(point);
    }

    let history = repo.map(History::load).transpose()?;
    let mut missing = LeftOut::default();
    let mut ambiguous = LeftOut::default();
    let mut series = Vec::new();
    for acc in all {
        let total = acc.points.len();
        let timed = acc.points.iter().filter(|p| p.time.is_some()).count();
        let mut groups: Vec<Group> = Vec::new();
        let mut by_commit: HashMap<String, usize> = HashMap::new();
        for point in acc.points {
            let (commit, position) = match &history {
                Some(history) => match history.lookup(&point.commit) {
                    Lookup::Found(at) => (history.ids[at].clone(), Some(at)),
                    Lookup::Missing => {
                        missing.add(&acc.name, &point.commit);
                        continue;
                    }
                    Lookup::Ambiguous => {
                        ambiguous.add(&acc.name, &point.commit);
                        continue;
                    }
                },
                None => (point.commit.clone(), None),
            };
            let at = *by_commit.entry(commit.clone()).or_insert_with(|| {
                groups.push(Group {
                    commit,
                    position,
                    values: Vec::new(),
                    time: None,
                });
                groups.len() - 1
            });
            let group = &mut groups[at];
            group.values.push(point.value);
            if let Some(time) = point.time {
                group.time = Some(group.time.map_or(time, |t: f64| t.min(time)));
            }
        }
        if groups.is_empty() {
            continue;
        }
        if history.is_some() {
            groups.sort_by_key(|g| g.position);
        } else if timed == total {
            // Stable, so commits measured at the same time keep their file order.
            groups.sort_by(|a, b| {
                a.time
                    .unwrap_or(f64::NEG_INFINITY)
                    .total_cmp(&b.time.unwrap_or(f64::NEG_INFINITY))
            });
        } else if timed > 0 {
            warnings.push(format!(
                "series `{}`: {} of {total} point(s) have no time, so its points keep the file's order",
                acc.name,
                total - timed
            ));
        }
        let points = groups
            .into_iter()
            .map(|mut group| Point {
                value: median(&mut group.values),
                samples: group.values.len(),
                commit: group.commit,
                time: group.time,
            })
            .collect();
        series.push(Series {
            name: acc.name,
            unit: acc.unit.map(|(unit, _)| unit),
            direction: acc.direction.map(|(d, _)| d).unwrap_or_default(),
            points,
        });
    }
    warnings.extend(missing.warning("not on the first-parent history of HEAD"));
    warnings
        .extend(ambiguous.warning(
            "whose abbreviated id matches several commits of HEAD's first-parent history",
        ));
    Ok(Feed { series, warnings })
}

fn direction_name(direction: Direction) -> &'static str {
    match direction {
        Direction::LowerIsBetter => "lower_is_better",
        Direction::HigherIsBetter => "higher_is_better",
    }
}

/// The median; `values` is never empty here (a group exists because a value was pushed).
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
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

    fn parse_failure(
        text: &str,
        format: FeedFormat,
    ) -> (usize, Option<usize>, Option<String>, String) {
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
        let text =
            "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\r\nlines\"\r\n\r\n  plain  ,,\"\"\r\n";
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
        assert_eq!(median(&mut [5.0, 1.0, 3.0]), 3.0);
        assert_eq!(median(&mut [3.0, 1.0, 2.0, 10.0]), 2.5);
        assert_eq!(median(&mut [4.0]), 4.0);

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

    fn commit(
        repo: &Repository,
        update: Option<&str>,
        message: &str,
        parents: &[Oid],
        at: i64,
    ) -> Oid {
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
            format!(
                "{{\"series\":\"s\",\"commit\":\"{commit}\",\"value\":{value},\"time\":{time}}}\n"
            )
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
}
