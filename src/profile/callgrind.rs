//! valgrind callgrind output (`callgrind.out.<pid>`), format version 1.
//!
//! The body is a sequence of position specifications (`fl=`, `fi=`, `fe=`,
//! `fn=`, and `cfl=`/`cfi=`/`cfn=` for a callee) and cost lines
//! (`line cost…`, or `instr line cost…` with `positions: instr line`). A
//! `calls=` line makes the next cost line the *inclusive* cost of a call made
//! at that line instead of self cost. Names may be compressed (`fn=(7) name`
//! defines id 7, `fn=(7)` refers to it) and positions may be relative
//! (`+2`, `-1`, `*`). Only the first event (usually `Ir`, instructions) is
//! kept.
//!
//! Self cost becomes one-frame stacks `(function, file, line)`; each call
//! becomes a [`Call`](super::Call) from the caller's frame at the call site
//! to the callee function, weighing the call's inclusive cost.

use std::io::BufRead;

use rustc_hash::FxHashMap;

use super::lines::{self, for_each_line, Position};
use super::{ParseError, Profile, ProfileBuilder, ProfileFormat};

pub fn read<R: BufRead>(reader: R) -> Result<Profile, lines::Error> {
    let mut r = Reader {
        positions: vec![Sub::Line],
        ..Reader::default()
    };
    for_each_line(reader, |line, pos| r.line(line, pos))?;
    if r.expect_cost_for.is_some() {
        return Err(lines::Error::Parse(ParseError::new(
            r.last_line,
            0,
            "the file ends right after a `calls=` line; its cost line is missing (truncated file?)",
        )));
    }
    let unit = r.event.clone().unwrap_or_else(|| "Ir".to_string());
    let stated = r.totals.or(r.summary);
    Ok(r.builder.finish(ProfileFormat::Callgrind, &unit, stated))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sub {
    Instr,
    Line,
}

/// What the next cost line means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pending {
    /// The inclusive cost of a call to `callee`.
    Call { callee: u32 },
    /// The source position of a jump: its costs are not costs.
    Jump,
}

#[derive(Default)]
struct Reader {
    builder: ProfileBuilder,
    positions: Vec<Sub>,
    event: Option<String>,
    summary: Option<u64>,
    totals: Option<u64>,
    /// Compressed names: ids to names, one table per kind.
    files: FxHashMap<u64, Vec<u8>>,
    functions: FxHashMap<u64, Vec<u8>>,
    objects: FxHashMap<u64, Vec<u8>>,
    /// Current function, and the file of the cost lines that follow: set by
    /// `fl=`, `fi=` and `fe=` alike. `fn=` leaves it alone: callgrind writes
    /// a file line only when the file changes, even across functions.
    function: Option<Vec<u8>>,
    file: Option<Vec<u8>>,
    /// The callee named by `cfn=` / `cfi=` for the next `calls=` line.
    callee: Option<Vec<u8>>,
    callee_file: Option<Vec<u8>>,
    /// The last value of each subposition, for relative positions.
    last: [u64; 2],
    expect_cost_for: Option<Pending>,
    last_line: u64,
}

impl Reader {
    fn line(&mut self, line: &[u8], pos: Position) -> Result<(), ParseError> {
        self.last_line = pos.line;
        let line = line.trim_ascii_end();
        if line.is_empty() || line[0] == b'#' {
            return Ok(());
        }
        let first = line[0];
        if first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'*') {
            return self.cost_line(line, pos);
        }
        if self.expect_cost_for.is_some() {
            return Err(pos.error("expected the cost line that follows a `calls=` or `jump=` line"));
        }
        if let Some(eq) = spec_key(line) {
            let (key, value) = (&line[..eq], line[eq + 1..].trim_ascii());
            return self.specification(key, value, pos);
        }
        if let Some(colon) = memchr::memchr(b':', line) {
            let (key, value) = (&line[..colon], line[colon + 1..].trim_ascii());
            return self.header(key, value, pos);
        }
        Err(pos.error(format!(
            "not a callgrind line: `{}`",
            String::from_utf8_lossy(&line[..line.len().min(60)])
        )))
    }

    fn header(&mut self, key: &[u8], value: &[u8], pos: Position) -> Result<(), ParseError> {
        match key {
            b"positions" => {
                let mut subs = Vec::new();
                for word in value
                    .split(u8::is_ascii_whitespace)
                    .filter(|w| !w.is_empty())
                {
                    subs.push(match word {
                        b"instr" => Sub::Instr,
                        b"line" => Sub::Line,
                        other => {
                            return Err(pos.error(format!(
                                "unknown position kind `{}` (callgrind knows `instr` and `line`)",
                                String::from_utf8_lossy(other)
                            )))
                        }
                    });
                }
                if subs.is_empty() {
                    return Err(pos.error("`positions:` names no position kind"));
                }
                self.positions = subs;
            }
            b"events" => {
                let first = value
                    .split(u8::is_ascii_whitespace)
                    .find(|w| !w.is_empty())
                    .ok_or_else(|| pos.error("`events:` names no event"))?;
                self.event = Some(String::from_utf8_lossy(first).into_owned());
            }
            b"summary" | b"totals" => {
                let first = value
                    .split(u8::is_ascii_whitespace)
                    .find(|w| !w.is_empty())
                    .unwrap_or(b"");
                let n = lines::parse_u64(first, "a total cost", pos)?;
                if key == b"summary" {
                    self.summary = Some(n);
                } else {
                    // Several parts may each state their totals.
                    self.totals = Some(self.totals.unwrap_or(0).saturating_add(n));
                }
            }
            // version, creator, pid, cmd, part, desc, thread, event…: not needed.
            _ => {}
        }
        Ok(())
    }

    fn specification(&mut self, key: &[u8], value: &[u8], pos: Position) -> Result<(), ParseError> {
        match key {
            b"fl" | b"fi" | b"fe" => self.file = Some(resolve(&mut self.files, value, pos)?),
            b"fn" => self.function = Some(resolve(&mut self.functions, value, pos)?),
            b"cfi" | b"cfl" => self.callee_file = Some(resolve(&mut self.files, value, pos)?),
            b"cfn" => self.callee = Some(resolve(&mut self.functions, value, pos)?),
            b"calls" => {
                let name = self
                    .callee
                    .take()
                    .ok_or_else(|| pos.error("`calls=` without a `cfn=` before it"))?;
                // The callee's file defaults to the caller's.
                let file = self.callee_file.take().or_else(|| self.file.clone());
                let callee = self.builder.frame(&name, file.as_deref(), None);
                self.expect_cost_for = Some(Pending::Call { callee });
                // The count and the target position are not needed.
                let count = value.split(u8::is_ascii_whitespace).next().unwrap_or(b"");
                lines::parse_u64(count, "a call count after `calls=`", pos)?;
            }
            b"jump" | b"jcnd" => self.expect_cost_for = Some(Pending::Jump),
            // Objects and jump files do not matter for source weight
            // (their names are still resolved, so a broken reference is caught).
            b"ob" | b"cob" => {
                resolve(&mut self.objects, value, pos)?;
            }
            b"jfi" | b"jfl" => {
                resolve(&mut self.files, value, pos)?;
            }
            other => {
                return Err(pos.error(format!(
                    "unknown specification `{}=`",
                    String::from_utf8_lossy(other)
                )))
            }
        }
        Ok(())
    }

    fn cost_line(&mut self, line: &[u8], pos: Position) -> Result<(), ParseError> {
        let mut fields = line
            .split(u8::is_ascii_whitespace)
            .filter(|w| !w.is_empty());
        let mut source_line = None;
        for (i, sub) in self.positions.clone().into_iter().enumerate() {
            let field = fields.next().ok_or_else(|| {
                pos.error("a cost line with fewer positions than `positions:` declares")
            })?;
            let slot = i.min(1);
            let value = position(field, self.last[slot], pos)?;
            self.last[slot] = value;
            if sub == Sub::Line {
                source_line = u32::try_from(value).ok().filter(|&l| l != 0);
            }
        }
        let cost = match fields.next() {
            Some(f) => lines::parse_u64(f, "a cost", pos)?,
            None => 0,
        };
        for f in fields {
            lines::parse_u64(f, "a cost", pos)?;
        }
        let function = self
            .function
            .as_deref()
            .ok_or_else(|| pos.error("a cost line before any `fn=`"))?;
        let file = self.file.as_deref();
        match self.expect_cost_for.take() {
            Some(Pending::Call { callee }) => {
                let caller = self.builder.frame(function, file, source_line);
                if cost > 0 {
                    self.builder.call(caller, callee, cost);
                }
            }
            Some(Pending::Jump) => {}
            None => {
                if cost > 0 {
                    let frame = self.builder.frame(function, file, source_line);
                    self.builder.sample(&[frame], cost);
                }
            }
        }
        Ok(())
    }
}

/// Where the `=` of a `key=value` line is, if the key is a plain word.
fn spec_key(line: &[u8]) -> Option<usize> {
    let eq = memchr::memchr(b'=', line)?;
    (eq > 0 && line[..eq].iter().all(u8::is_ascii_lowercase)).then_some(eq)
}

/// `(7) name` defines id 7; `(7)` refers to it; `name` is uncompressed.
fn resolve(
    table: &mut FxHashMap<u64, Vec<u8>>,
    value: &[u8],
    pos: Position,
) -> Result<Vec<u8>, ParseError> {
    let Some(rest) = value.strip_prefix(b"(") else {
        return Ok(value.to_vec());
    };
    let close = memchr::memchr(b')', rest)
        .ok_or_else(|| pos.error("a compressed name `(id` without its closing `)`"))?;
    let id = lines::parse_u64(&rest[..close], "a name id inside `( )`", pos)?;
    let name = rest[close + 1..].trim_ascii();
    if name.is_empty() {
        table
            .get(&id)
            .cloned()
            .ok_or_else(|| pos.error(format!("name id ({id}) is used before it is defined")))
    } else {
        table.insert(id, name.to_vec());
        Ok(name.to_vec())
    }
}

/// A subposition: absolute (decimal or `0x` hex), relative (`+n`, `-n`) or
/// the same as before (`*`).
fn position(field: &[u8], last: u64, pos: Position) -> Result<u64, ParseError> {
    match field {
        b"*" => Ok(last),
        [b'+', rest @ ..] => Ok(last.saturating_add(number(rest, pos)?)),
        [b'-', rest @ ..] => Ok(last.saturating_sub(number(rest, pos)?)),
        _ => number(field, pos),
    }
}

fn number(field: &[u8], pos: Position) -> Result<u64, ParseError> {
    match field.strip_prefix(b"0x") {
        Some(hex) => std::str::from_utf8(hex)
            .ok()
            .and_then(|h| u64::from_str_radix(h, 16).ok())
            .ok_or_else(|| {
                pos.error(format!(
                    "expected a hex position, found `{}`",
                    String::from_utf8_lossy(field)
                ))
            }),
        None => lines::parse_u64(field, "a position", pos),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
# callgrind format
version: 1
creator: callgrind-3.19.0
positions: line
events: Ir Dr
summary: 1000

ob=(1) /tmp/demo
fl=(1) /home/ci/src/main.cpp
fn=(1) main
10 5 1
+2 20
cob=(2) /usr/lib/libc.so.6
cfl=(2) ???
cfn=(2) malloc
calls=3 0x1234
* 300
fi=(3) /usr/include/c++/12/bits/stl_vector.h
1200 70
fe=(1)
+1 5
fl=(2)
fn=(2)
0 300

fl=(1)
fn=(3) hot(int)
40 600
fn=(4) warm()
50 0
totals: 1000
";

    #[test]
    fn self_costs_calls_and_inline_files_are_read() {
        let p = read(SAMPLE.as_bytes()).unwrap();
        assert_eq!(p.unit, "Ir");
        assert_eq!(p.total, 1000);
        let frame = |sym: &str, line: u32| {
            p.stacks
                .iter()
                .find(|s| {
                    let f = &p.frames[s.frames[0] as usize];
                    f.symbol == sym && f.line == Some(line)
                })
                .map(|s| (p.frames[s.frames[0] as usize].file.clone(), s.weight))
        };
        assert_eq!(
            frame("main", 10),
            Some((Some("/home/ci/src/main.cpp".into()), 5))
        );
        assert_eq!(frame("main", 12).map(|f| f.1), Some(20));
        // Inlined code keeps its function but names the header's file.
        assert_eq!(
            frame("main", 1200),
            Some((Some("/usr/include/c++/12/bits/stl_vector.h".into()), 70))
        );
        // `fe=(1)` returns to main.cpp; `+1` is relative to line 1200.
        assert_eq!(
            frame("main", 1201),
            Some((Some("/home/ci/src/main.cpp".into()), 5))
        );
        assert_eq!(frame("hot(int)", 40).map(|f| f.1), Some(600));
        // `fn=` keeps the file the last `fl=`/`fi=`/`fe=` named.
        let hot = p.frames.iter().find(|f| f.symbol == "hot(int)").unwrap();
        assert_eq!(hot.file.as_deref(), Some("/home/ci/src/main.cpp"));
        assert_eq!(p.calls.len(), 1);
        let call = &p.calls[0];
        assert_eq!(call.weight, 300);
        assert_eq!(p.frames[call.caller as usize].line, Some(12));
        assert_eq!(p.frames[call.callee as usize].symbol, "malloc");
        // The call's cost is not self cost of main.
        assert_eq!(frame("main", 12).map(|f| f.1), Some(20));
    }

    #[test]
    fn instruction_positions_are_skipped_to_find_the_line() {
        let text = "positions: instr line\nevents: Ir\nfn=f\n0x10 7 3\n+4 * 2\n+4 +1 1\n";
        let p = read(text.as_bytes()).unwrap();
        assert_eq!(p.total, 6);
        let lines: Vec<_> = p.frames.iter().map(|f| f.line).collect();
        assert!(
            lines.contains(&Some(7)) && lines.contains(&Some(8)),
            "{lines:?}"
        );
    }

    #[test]
    fn malformed_files_name_their_place() {
        for (text, line, needle) in [
            ("events: Ir\n10 5\n", 2, "before any `fn=`"),
            ("fn=(3)\n", 1, "before it is defined"),
            ("fn=f\ncfn=g\ncalls=1 2\nfn=h\n", 4, "cost line"),
            ("fn=f\ncfn=g\ncalls=1 2\n", 3, "truncated"),
            ("fn=f\n10 x\n", 2, "`x`"),
            ("fn=f\nzz=1\n", 2, "unknown specification"),
            ("positions: pc\n", 1, "position kind"),
            ("fn=f\ncalls=1 2\n", 2, "without a `cfn=`"),
            ("!!!\n", 1, "not a callgrind line"),
        ] {
            match read(text.as_bytes()) {
                Err(lines::Error::Parse(e)) => {
                    assert_eq!(e.line, line, "{text:?}: {e}");
                    assert!(e.message.contains(needle), "{text:?}: {}", e.message);
                }
                other => panic!("{text:?}: expected an error, got {other:?}"),
            }
        }
    }
}
