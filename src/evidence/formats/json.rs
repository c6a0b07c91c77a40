//! JSON documents (Google Benchmark, hyperfine, Criterion's estimates): reading them with
//! errors that name the path of the field at fault (`benchmarks[3].real_time`).

use super::*;

/// The text a JSON-document format is read from, and a description of where it came from.
pub(super) struct JsonInput<'a> {
    pub(super) format: BenchFormat,
    pub(super) text: Cow<'a, str>,
    pub(super) origin: String,
    /// How to name the source when it turns out to be empty.
    pub(super) empty_origin: String,
}

impl<'a> JsonInput<'a> {
    /// The output file wins when it exists and is non-empty; otherwise stdout is used, and the
    /// origin says why, so an empty result points at the right place.
    pub(super) fn choose(
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
    pub(super) fn stdout(format: BenchFormat, stdout: &'a str, note: Option<String>) -> Self {
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
    pub(super) fn document(&self, key: &str, expected: &'static str) -> Result<Value, FormatError> {
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
    pub(super) fn json_error(&self, e: &serde_json::Error, lines_before: usize) -> FormatError {
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

    pub(super) fn cx(&self) -> Fields<'_> {
        Fields {
            format: self.format,
            origin: &self.origin,
        }
    }
}

/// Typed access to JSON values that reports the path of whatever is missing or mistyped.
pub(super) struct Fields<'a> {
    pub(super) format: BenchFormat,
    pub(super) origin: &'a str,
}

impl Fields<'_> {
    pub(super) fn error(&self, path: &str, problem: impl Into<String>) -> FormatError {
        FormatError::Field {
            format: self.format,
            origin: self.origin.to_owned(),
            path: path.to_owned(),
            problem: problem.into(),
        }
    }

    /// `value[key]` when present; an error if `value` (at `path`) is not an object.
    pub(super) fn get<'v>(
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

    pub(super) fn require<'v>(
        &self,
        value: &'v Value,
        path: &str,
        key: &str,
    ) -> Result<&'v Value, FormatError> {
        self.get(value, path, key)?
            .ok_or_else(|| self.error(&join(path, key), "is missing"))
    }

    pub(super) fn number(&self, value: &Value, path: &str) -> Result<f64, FormatError> {
        value
            .as_f64()
            .ok_or_else(|| self.error(path, format!("is not a number (found {})", kind(value))))
    }

    pub(super) fn string<'v>(&self, value: &'v Value, path: &str) -> Result<&'v str, FormatError> {
        value
            .as_str()
            .ok_or_else(|| self.error(path, format!("is not a string (found {})", kind(value))))
    }

    pub(super) fn array<'v>(
        &self,
        value: &'v Value,
        path: &str,
    ) -> Result<&'v [Value], FormatError> {
        value
            .as_array()
            .map(Vec::as_slice)
            .ok_or_else(|| self.error(path, format!("is not an array (found {})", kind(value))))
    }

    /// An optional boolean flag; absent means false.
    pub(super) fn flag(&self, value: &Value, path: &str, key: &str) -> Result<bool, FormatError> {
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
pub(super) fn json_problem(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match full.strip_suffix(&suffix) {
        Some(problem) => problem.to_owned(),
        None => full,
    }
}

pub(super) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

pub(super) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The median of a benchmark's repetitions; NaN when it has none (which the
/// caller never asks: a benchmark is listed because it ran).
pub(super) fn median(values: &[f64]) -> f64 {
    crate::numbers::median(values).unwrap_or(f64::NAN)
}
