//! github-action-benchmark's `data.js` (or the same object as plain JSON).

use super::*;

pub(super) const GAB_PREFIX: &str = "window.BENCHMARK_DATA";

/// github-action-benchmark's own rule, `biggerIsBetter(tool)` in its src/write/biggerIsBetter.ts
/// (benchmark-action/github-action-benchmark at 09d9d21a, also `src/write.ts` before that split):
/// the direction follows the tool alone, never the unit. Tools it does not list fall through the
/// TypeScript `switch` to `undefined`, i.e. smaller is better. Using the same rule keeps our reading
/// of a data.js in line with the action's own charts and alerts, including where that rule is
/// known to be wrong (JMH throughput in `ops/s`, issue #365; Go's `MB/s` benches).
pub(super) fn gab_direction(tool: Option<&str>) -> Direction {
    match tool {
        Some("benchmarkjs" | "pytest" | "customBiggerIsBetter") => Direction::HigherIsBetter,
        _ => Direction::LowerIsBetter,
    }
}

#[derive(Deserialize)]
#[serde(expecting = "the benchmark data object, with `entries`")]
pub(super) struct GabData {
    #[serde(deserialize_with = "de_suites")]
    pub(super) entries: Vec<(String, Vec<GabEntry>)>,
}

#[derive(Deserialize)]
#[serde(expecting = "a benchmark entry object (`commit`, `date`, `tool`, `benches`)")]
pub(super) struct GabEntry {
    pub(super) commit: GabCommit,
    /// When the benchmark ran, in seconds (the file has milliseconds).
    #[serde(default, deserialize_with = "de_date")]
    pub(super) date: Option<f64>,
    #[serde(default, deserialize_with = "de_tool")]
    pub(super) tool: Option<String>,
    pub(super) benches: Vec<GabBench>,
}

#[derive(Deserialize)]
#[serde(expecting = "a commit object with an `id`")]
pub(super) struct GabCommit {
    #[serde(deserialize_with = "de_id")]
    pub(super) id: String,
    #[serde(default, deserialize_with = "de_timestamp")]
    pub(super) timestamp: Option<f64>,
}

#[derive(Deserialize)]
#[serde(expecting = "a bench object (`name`, `value`, `unit`)")]
pub(super) struct GabBench {
    #[serde(deserialize_with = "de_name")]
    pub(super) name: String,
    #[serde(deserialize_with = "de_value")]
    pub(super) value: f64,
    #[serde(default, deserialize_with = "de_unit")]
    pub(super) unit: Option<String>,
}

/// The suites in file order (a map would sort them).
pub(super) fn de_suites<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Vec<(String, Vec<GabEntry>)>, D::Error> {
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

pub(super) fn de_string<'de, D: Deserializer<'de>>(d: D, field: &str) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) if !s.trim().is_empty() => Ok(s),
        other => Err(de::Error::custom(format!(
            "field `{field}`: expected a non-empty string, found {}",
            describe(&other)
        ))),
    }
}

pub(super) fn de_optional_string<'de, D: Deserializer<'de>>(
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

pub(super) fn de_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    de_string(d, "id")
}

pub(super) fn de_name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    de_string(d, "name")
}

pub(super) fn de_tool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    de_optional_string(d, "tool")
}

pub(super) fn de_unit<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    de_optional_string(d, "unit")
}

pub(super) fn de_value<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
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

pub(super) fn de_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
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

pub(super) fn de_timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    match de_optional_string(d, "timestamp")? {
        None => Ok(None),
        Some(text) => parse_rfc3339(&text)
            .map(Some)
            .map_err(|message| de::Error::custom(format!("field `timestamp`: {message}"))),
    }
}

pub(super) fn parse_gab(text: &str) -> Result<Vec<RawPoint>, FeedError> {
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
pub(super) fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    (line, before[line_start..].chars().count() + 1)
}
