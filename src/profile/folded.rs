//! Folded (collapsed) stacks, as `inferno-collapse-*`, `stackcollapse-*.pl`
//! and many profilers write them: one line per distinct stack, frames from
//! the root to the leaf separated by `;`, then a space and the sample count.
//!
//! ```text
//! main;parse;lex 42
//! main;emit 7
//! ```

use std::io::BufRead;

use super::lines::{self, for_each_line, parse_u64};
use super::{Profile, ProfileBuilder, ProfileFormat};

/// Whether a line looks like a folded-stack line (for format detection).
pub fn is_folded_line(line: &str) -> bool {
    match line.trim_end().rsplit_once(' ') {
        Some((stack, count)) => {
            !stack.is_empty()
                && !count.is_empty()
                && count.bytes().all(|b| b.is_ascii_digit())
                && !stack.starts_with(char::is_whitespace)
        }
        None => false,
    }
}

pub fn read<R: BufRead>(reader: R) -> Result<Profile, lines::Error> {
    let mut b = ProfileBuilder::new();
    let mut frames: Vec<u32> = Vec::with_capacity(64);
    for_each_line(reader, |line, pos| {
        let line = line.trim_ascii_end();
        if line.is_empty() {
            return Ok(());
        }
        let Some(space) = memchr::memrchr(b' ', line) else {
            return Err(pos.error("expected `frame;frame;… COUNT`: no count after a space"));
        };
        let count = parse_u64(
            &line[space + 1..],
            "a sample count after the last space",
            pos,
        )?;
        let stack = &line[..space];
        if stack.is_empty() {
            return Err(pos.error("the stack before the count is empty"));
        }
        frames.clear();
        for name in stack.split(|&b| b == b';') {
            if name.is_empty() {
                return Err(pos.error("empty frame name (two `;` in a row?)"));
            }
            frames.push(b.frame(strip_annotation(name), None, None));
        }
        frames.reverse(); // folded lists the root first; profiles hold the leaf first
        b.sample(&frames, count);
        Ok(())
    })?;
    Ok(b.finish(ProfileFormat::Folded, "samples", None))
}

/// inferno's `--annotate-*` suffixes (`_[k]` kernel, `_[j]` JIT, `_[i]`
/// inlined, `_[w]` waker) say where a frame ran, not what it is.
fn strip_annotation(name: &[u8]) -> &[u8] {
    match name {
        [rest @ .., b'_', b'[', b'k' | b'j' | b'i' | b'w', b']'] if !rest.is_empty() => rest,
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Profile, lines::Error> {
        read(text.as_bytes())
    }

    #[test]
    fn stacks_are_read_root_first_and_summed() {
        let p =
            parse("main;parse;lex 40\nmain;emit 7\n\nmain;parse;lex 2\nmain;run_[k] 1\n").unwrap();
        assert_eq!(p.total, 50);
        let heaviest = &p.stacks[0];
        assert_eq!(heaviest.weight, 42);
        let names: Vec<&str> = heaviest
            .frames
            .iter()
            .map(|&f| p.frames[f as usize].symbol.as_str())
            .collect();
        assert_eq!(names, ["lex", "parse", "main"]);
        assert!(p.frames.iter().any(|f| f.symbol == "run"));
    }

    #[test]
    fn bad_lines_name_their_place() {
        for (text, line, needle) in [
            ("main;a 1\nmain;b x\n", 2, "`x`"),
            ("main 3\nnocount\n", 2, "no count"),
            ("a;;b 3\n", 1, "empty frame"),
            (" 3\n", 1, "empty"),
        ] {
            match parse(text) {
                Err(lines::Error::Parse(e)) => {
                    assert_eq!(e.line, line, "{text:?}");
                    assert!(e.message.contains(needle), "{text:?}: {}", e.message);
                }
                other => panic!("{text:?}: expected a parse error, got {other:?}"),
            }
        }
    }

    #[test]
    fn byte_offsets_point_at_the_bad_line() {
        let Err(lines::Error::Parse(e)) = parse("main 1\nmain x\n") else {
            panic!("expected an error");
        };
        assert_eq!((e.line, e.byte), (2, 7));
    }
}
