//! Dates in feeds: strict RFC 3339, and the lenient forms Otava's importer accepts.

/// Strict RFC 3339 `date-time`: `2026-01-05T10:00:00Z`, `2026-01-05 10:00:00.25-05:00`.
pub(super) fn parse_rfc3339(text: &str) -> Result<f64, String> {
    parse_datetime(text.trim(), false)
        .map_err(|detail| format!("`{}` is not an RFC 3339 date-time ({detail})", text.trim()))
}

/// An Otava time cell: unix seconds, or what Otava's own files and tests write (`2026.01.01
/// 3:00:00 +0100`, ISO 8601 with `T` or a space, `-`, `.` or `/` between date parts, an offset
/// as `Z`, `UTC`, `+01`, `+0100` or `+01:00`, seconds and even the time optional). A time without
/// an offset is taken as UTC (dateparser would use the machine's zone, which is not reproducible).
pub(super) fn parse_otava_time(text: &str) -> Result<f64, String> {
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
pub(super) struct Cursor<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) at: usize,
}

impl Cursor<'_> {
    pub(super) fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    pub(super) fn eat(&mut self, wanted: u8) -> bool {
        if self.peek() == Some(wanted) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    pub(super) fn eat_any(&mut self, wanted: &[u8]) -> Option<u8> {
        let c = self.peek().filter(|c| wanted.contains(c))?;
        self.at += 1;
        Some(c)
    }

    /// Between `min` and `max` ASCII digits.
    pub(super) fn digit_run(&mut self, min: usize, max: usize, what: &str) -> Result<&str, String> {
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
    pub(super) fn digits(&mut self, min: usize, max: usize, what: &str) -> Result<u32, String> {
        let run = self.digit_run(min, max, what)?;
        Ok(run.bytes().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    }

    pub(super) fn expect(&mut self, wanted: u8, after: &str) -> Result<(), String> {
        if self.eat(wanted) {
            Ok(())
        } else {
            Err(format!("expected `{}` after the {after}", wanted as char))
        }
    }

    pub(super) fn eat_word(&mut self, word: &str) -> bool {
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

    pub(super) fn skip_spaces(&mut self) {
        while self.eat(b' ') {}
    }
}

/// Unix seconds of a date-time; `lenient` accepts the wider set [`parse_otava_time`] lists.
pub(super) fn parse_datetime(text: &str, lenient: bool) -> Result<f64, String> {
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
pub(super) fn zone_offset(c: &mut Cursor, lenient: bool) -> Result<i32, String> {
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

pub(super) fn days_in_month(year: u32, month: u32) -> u32 {
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
pub(super) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}
