//! JSON Lines feeds: `{"series", "commit", "value", "time"?, "unit"?, "direction"?}` a line.

use super::*;

pub(super) fn parse_jsonl(text: &str) -> Result<Vec<RawPoint>, FeedError> {
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
pub(super) struct JsonlLine<'a> {
    pub(super) object: &'a Map<String, Value>,
    pub(super) number: usize,
    pub(super) text: &'a str,
}

impl JsonlLine<'_> {
    pub(super) fn error(&self, field: &str, message: impl Into<String>) -> FeedError {
        // Point at the key, which is where a reader of the line would look.
        let column = self
            .text
            .find(&format!("\"{field}\""))
            .map(|at| self.text[..at].chars().count() + 1);
        parse_error(self.number, column, Some(field), message)
    }

    pub(super) fn missing(&self, field: &str) -> FeedError {
        parse_error(self.number, None, Some(field), "missing")
    }

    pub(super) fn required_string(&self, field: &str) -> Result<String, FeedError> {
        match self.object.get(field) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
            Some(other) => Err(self.error(
                field,
                format!("expected a non-empty string, found {}", describe(other)),
            )),
            None => Err(self.missing(field)),
        }
    }

    pub(super) fn optional_string(&self, field: &str) -> Result<Option<String>, FeedError> {
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
pub(super) fn strip_json_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

pub(super) fn describe(value: &Value) -> String {
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

pub(super) fn parse_direction(text: &str) -> Result<Direction, String> {
    match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
        "lower_is_better" => Ok(Direction::LowerIsBetter),
        "higher_is_better" => Ok(Direction::HigherIsBetter),
        _ => Err(format!(
            "expected `lower_is_better` or `higher_is_better`, found `{}`",
            text.trim()
        )),
    }
}

pub(super) fn parse_number(text: &str) -> Result<f64, String> {
    let text = text.trim();
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        Ok(_) => Err(format!("`{text}` is not a finite number")),
        Err(_) => Err(format!("expected a number, found `{text}`")),
    }
}
