//! A fast line reader for the text formats: lines are handed out as byte
//! slices straight from the read buffer (copied only when a line straddles
//! two reads), each with its 1-based number and the byte offset where it
//! starts, so every parse error can say exactly where it is.

use std::io::{self, BufRead};

use super::ParseError;

/// What a reader can fail with.
#[derive(Debug)]
pub enum Error {
    Io(io::Error),
    Parse(ParseError),
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        Error::Io(e)
    }
}

impl From<ParseError> for Error {
    fn from(e: ParseError) -> Error {
        Error::Parse(e)
    }
}

/// Where a line is in its file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Position {
    pub line: u64,
    pub byte: u64,
}

impl Position {
    /// A parse error at this line.
    pub fn error(self, message: impl Into<String>) -> ParseError {
        ParseError::new(self.line, self.byte, message)
    }
}

/// Longest line accepted: a line longer than this is not a profile line, and
/// refusing it bounds memory on hostile input.
pub const MAX_LINE: usize = 16 << 20;

/// Call `each` for every line (without its `\n` or `\r\n`). Stops at the
/// first error `each` returns.
pub fn for_each_line<R: BufRead>(
    mut reader: R,
    mut each: impl FnMut(&[u8], Position) -> Result<(), ParseError>,
) -> Result<(), Error> {
    let mut pos = Position { line: 0, byte: 0 };
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let buf = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::Io(e)),
        };
        if buf.is_empty() {
            break;
        }
        let mut start = 0;
        while let Some(nl) = memchr::memchr(b'\n', &buf[start..]) {
            let end = start + nl;
            pos.line += 1;
            if carry.is_empty() {
                each(trim_cr(&buf[start..end]), pos)?;
                pos.byte += (end - start + 1) as u64;
            } else {
                carry.extend_from_slice(&buf[start..end]);
                check_length(carry.len(), pos)?;
                each(trim_cr(&carry), pos)?;
                pos.byte += carry.len() as u64 + 1;
                carry.clear();
            }
            start = end + 1;
        }
        carry.extend_from_slice(&buf[start..]);
        check_length(
            carry.len(),
            Position {
                line: pos.line + 1,
                ..pos
            },
        )?;
        let consumed = buf.len();
        reader.consume(consumed);
    }
    if !carry.is_empty() {
        pos.line += 1;
        each(trim_cr(&carry), pos)?;
    }
    Ok(())
}

fn check_length(len: usize, pos: Position) -> Result<(), ParseError> {
    if len > MAX_LINE {
        return Err(pos.error(format!(
            "line longer than {} MiB: not a profile line",
            MAX_LINE >> 20
        )));
    }
    Ok(())
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Parse a decimal `u64`, with a clear message when it is not one.
pub fn parse_u64(field: &[u8], what: &str, pos: Position) -> Result<u64, ParseError> {
    let bad = || {
        pos.error(format!(
            "expected {what} (a whole number), found `{}`",
            String::from_utf8_lossy(&field[..field.len().min(40)])
        ))
    };
    if field.is_empty() || field.len() > 20 {
        return Err(bad());
    }
    let mut n: u64 = 0;
    for &b in field {
        if !b.is_ascii_digit() {
            return Err(bad());
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(b - b'0')))
            .ok_or_else(bad)?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(input: &[u8], capacity: usize) -> Vec<(String, Position)> {
        let reader = io::BufReader::with_capacity(capacity, input);
        let mut out = Vec::new();
        for_each_line(reader, |l, p| {
            out.push((String::from_utf8_lossy(l).into_owned(), p));
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn lines_keep_numbers_and_offsets_across_buffer_boundaries() {
        let input = b"alpha\r\nbeta\n\ngamma";
        for capacity in [1, 2, 3, 7, 64] {
            let lines = collect(input, capacity);
            let shown: Vec<_> = lines
                .iter()
                .map(|(l, p)| (l.as_str(), p.line, p.byte))
                .collect();
            assert_eq!(
                shown,
                [
                    ("alpha", 1, 0),
                    ("beta", 2, 7),
                    ("", 3, 12),
                    ("gamma", 4, 13)
                ],
                "capacity {capacity}"
            );
        }
    }

    #[test]
    fn numbers_parse_or_say_what_was_found() {
        let pos = Position { line: 3, byte: 10 };
        assert_eq!(parse_u64(b"42", "a count", pos).unwrap(), 42);
        let err = parse_u64(b"4x2", "a count", pos).unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.message.contains("`4x2`"), "{}", err.message);
        assert!(parse_u64(b"99999999999999999999999", "n", pos).is_err());
        assert!(parse_u64(b"", "n", pos).is_err());
    }
}
