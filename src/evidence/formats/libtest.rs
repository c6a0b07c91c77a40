//! libtest's `cargo bench` lines: `test NAME ... bench: 1,234 ns/iter (+/- 56)`.

use super::*;

pub(super) const LIBTEST_EXPECTED: &str =
    "lines like `test NAME ... bench:       1,234 ns/iter (+/- 56)` from `cargo bench`";

/// What libtest prints between the test name and the number.
pub(super) const LIBTEST_MARK: &str = " ... bench:";

pub(super) fn libtest(stdout: &str) -> Result<Vec<Measurement>, FormatError> {
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
pub(super) fn parse_grouped_number(text: &str) -> Option<f64> {
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
pub(super) fn strip_ansi(line: &str) -> Cow<'_, str> {
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
