//! CSV feeds with a header (`series,commit,value[,time,unit,direction]`), and the CSV reader
//! the Otava layout shares: quoted fields with commas, doubled quotes and line breaks, each
//! field with the line and column it starts at.

use super::*;

/// One CSV field and where it starts.
pub(super) struct CsvField {
    pub(super) text: String,
    pub(super) line: usize,
    pub(super) column: usize,
    pub(super) quoted: bool,
}

pub(super) struct CsvRecord {
    pub(super) line: usize,
    pub(super) fields: Vec<CsvField>,
}

/// A small RFC 4180 reader: `,` between fields, `"` around fields that hold commas, quotes
/// (doubled) or line breaks. Unquoted fields are trimmed; blank lines are skipped.
pub(super) struct CsvReader<'a> {
    pub(super) chars: std::iter::Peekable<std::str::Chars<'a>>,
    pub(super) line: usize,
    pub(super) column: usize,
}

impl<'a> CsvReader<'a> {
    pub(super) fn new(text: &'a str) -> CsvReader<'a> {
        CsvReader {
            chars: text.chars().peekable(),
            line: 1,
            column: 1,
        }
    }

    /// The next character, with `\r\n` and a lone `\r` both read as `\n`.
    pub(super) fn bump(&mut self) -> Option<char> {
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

    pub(super) fn peek(&mut self) -> Option<char> {
        self.chars.peek().copied()
    }

    pub(super) fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.bump();
        }
    }

    pub(super) fn next_record(&mut self) -> Option<Result<CsvRecord, FeedError>> {
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
    pub(super) fn field(&mut self) -> Result<CsvField, FeedError> {
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
pub(super) fn header_names(header: &CsvRecord) -> Result<Vec<String>, FeedError> {
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

pub(super) fn column_of(names: &[String], wanted: &str) -> Option<usize> {
    names
        .iter()
        .position(|name| name.eq_ignore_ascii_case(wanted))
}

/// Every data record, checked to have as many fields as the header.
pub(super) fn data_records(
    reader: &mut CsvReader,
    width: usize,
) -> Result<Vec<CsvRecord>, FeedError> {
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

pub(super) fn field_error(field: &CsvField, name: &str, message: impl Into<String>) -> FeedError {
    parse_error(field.line, Some(field.column), Some(name), message)
}

pub(super) fn parse_long_csv(
    text: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<RawPoint>, FeedError> {
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
pub(super) fn parse_time_cell(text: &str) -> Result<f64, String> {
    let text = text.trim();
    match text.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() => Ok(seconds),
        Ok(_) => Err(format!("`{text}` is not a finite number")),
        Err(_) => parse_rfc3339(text),
    }
}
