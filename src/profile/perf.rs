//! `perf script` text output.
//!
//! Each sample is a header line (`comm pid [cpu] time: period event:`)
//! followed, when recorded with `--call-graph`, by one indented line per frame
//! (`address symbol+offset (dso)`, innermost first) and a blank line. Without
//! a call graph the one frame sits at the end of the header line. With
//! `-F +srcline` each frame line is followed by a `file:line` line.
//!
//! A sample weighs its period when the header has one (so frequency-mode
//! sampling, whose period varies, is weighed right), else 1. Like
//! `inferno-collapse-perf`, only the first event seen is kept: mixing
//! `cycles` with `instructions` would add apples to oranges.

use std::io::BufRead;

use super::lines::{self, for_each_line, Position};
use super::{ParseError, Profile, ProfileBuilder, ProfileFormat};

/// Whether a line looks like a `perf script` frame line (for detection).
pub fn is_frame_line(line: &str) -> bool {
    line.starts_with(char::is_whitespace)
        && parse_frame(line.trim_start().as_bytes()).is_some()
        && line.trim_end().ends_with(')')
}

/// Whether a line looks like a `perf script` sample header with a
/// timestamp (for detection of output recorded without call graphs).
pub fn is_header_line(line: &str) -> bool {
    has_timestamp(line.as_bytes()) && parse_header(line.as_bytes()).is_some()
}

pub fn read<R: BufRead>(reader: R) -> Result<Profile, lines::Error> {
    let mut state = Reader::default();
    for_each_line(reader, |line, pos| state.line(line, pos))?;
    state.flush_frame();
    state.end_sample();
    let unit = state
        .event
        .as_deref()
        .map(|e| String::from_utf8_lossy(e).into_owned())
        .unwrap_or_else(|| "samples".to_string());
    Ok(state.builder.finish(ProfileFormat::Perf, &unit, None))
}

#[derive(Default)]
struct Reader {
    builder: ProfileBuilder,
    /// The event kept (the first one seen).
    event: Option<Vec<u8>>,
    in_sample: bool,
    keep: bool,
    weight: u64,
    /// The last frame line's symbol, held back in case a srcline follows.
    pending: Option<Vec<u8>>,
    pending_buf: Vec<u8>,
}

impl Reader {
    fn line(&mut self, line: &[u8], pos: Position) -> Result<(), ParseError> {
        if line.trim_ascii().is_empty() {
            self.flush_frame();
            self.end_sample();
            return Ok(());
        }
        // perf right-aligns the command name, so a header may be indented
        // too; its timestamp tells it from a frame.
        if (line[0] == b' ' || line[0] == b'\t') && !has_timestamp(line) {
            return self.indented(line.trim_ascii(), pos);
        }
        // A header line starts a new sample (a missing blank line between
        // samples is tolerated).
        self.flush_frame();
        self.end_sample();
        self.header(line, pos)
    }

    fn header(&mut self, line: &[u8], pos: Position) -> Result<(), ParseError> {
        let header = parse_header(line).ok_or_else(|| {
            pos.error("expected a sample header such as `comm pid time: period event:`")
        })?;
        let keep = match &self.event {
            None => {
                self.event = Some(header.event.to_vec());
                true
            }
            Some(e) => e.as_slice() == header.event,
        };
        self.in_sample = true;
        self.keep = keep;
        self.weight = header.period.unwrap_or(1);
        let rest = header.rest.trim_ascii();
        if !rest.is_empty() {
            // No call graph: the one frame follows the event on the same line.
            let frame = parse_frame(rest)
                .ok_or_else(|| pos.error("expected `address symbol (dso)` after the event name"))?;
            self.hold_frame(frame);
        }
        Ok(())
    }

    fn indented(&mut self, text: &[u8], pos: Position) -> Result<(), ParseError> {
        if !self.in_sample {
            return Err(
                pos.error("an indented frame line outside any sample (no header before it)")
            );
        }
        if let Some(frame) = parse_frame(text) {
            self.flush_frame();
            self.hold_frame(frame);
            return Ok(());
        }
        if self.pending.is_some() {
            if let Some((file, line)) = parse_srcline(text) {
                self.flush_frame_at(Some(file), line);
                return Ok(());
            }
            // A srcline perf could not resolve: `binary[10e0]`.
            if !text.contains(&b' ') {
                self.flush_frame();
                return Ok(());
            }
        }
        Err(pos.error(format!(
            "expected a frame line `address symbol (dso)`, found `{}`",
            String::from_utf8_lossy(&text[..text.len().min(60)])
        )))
    }

    fn hold_frame(&mut self, frame: FrameText<'_>) {
        let mut buf = std::mem::take(&mut self.pending_buf);
        buf.clear();
        if frame.symbol == b"[unknown]" {
            // Name unknown frames by their binary, as inferno does.
            buf.push(b'[');
            buf.extend_from_slice(basename(frame.dso));
            buf.push(b']');
        } else {
            buf.extend_from_slice(frame.symbol);
        }
        self.pending = Some(buf);
    }

    fn flush_frame(&mut self) {
        self.flush_frame_at(None, None);
    }

    fn flush_frame_at(&mut self, file: Option<&[u8]>, line: Option<u32>) {
        if let Some(symbol) = self.pending.take() {
            if self.keep {
                let id = self.builder.frame(&symbol, file, line);
                self.builder.push(id);
            }
            self.pending_buf = symbol;
        }
    }

    fn end_sample(&mut self) {
        if self.in_sample {
            if self.keep {
                self.builder.end_sample(self.weight);
            } else {
                self.builder.discard_sample();
            }
        }
        self.in_sample = false;
    }
}

struct Header<'a> {
    period: Option<u64>,
    event: &'a [u8],
    rest: &'a [u8],
}

/// Split a header line. The command name may contain spaces, so the line is
/// read from its timestamp (`12345.678901:`), the first token that is a
/// decimal number ending in `:`; without one, from the first `name:` token.
fn parse_header(line: &[u8]) -> Option<Header<'_>> {
    let mut tokens = Tokens::new(line);
    let mut after_time = None;
    let mut first_colon = None;
    while let Some((tok, end)) = tokens.next() {
        if is_timestamp(tok) {
            after_time = Some(end);
            break;
        }
        if tok.ends_with(b":") {
            first_colon.get_or_insert((tok, end));
        }
    }
    let mut tokens = match (after_time, first_colon) {
        (Some(end), _) => Tokens::at(line, end),
        (None, Some((event, end))) => {
            return Some(Header {
                period: None,
                event: &event[..event.len() - 1],
                rest: &line[end..],
            })
        }
        (None, None) => return None,
    };
    let (mut tok, mut end) = tokens.next()?;
    let mut period = None;
    if tok.iter().all(u8::is_ascii_digit) {
        period = std::str::from_utf8(tok).ok()?.parse().ok();
        (tok, end) = tokens.next()?;
    }
    let event = tok.strip_suffix(b":")?;
    Some(Header {
        period,
        event,
        rest: &line[end..],
    })
}

/// Whether one of the first tokens is a timestamp such as `8318.627730:`.
fn has_timestamp(line: &[u8]) -> bool {
    let mut tokens = Tokens::new(line);
    for _ in 0..6 {
        match tokens.next() {
            Some((tok, _)) if is_timestamp(tok) => return true,
            Some(_) => {}
            None => return false,
        }
    }
    false
}

fn is_timestamp(tok: &[u8]) -> bool {
    match tok.strip_suffix(b":") {
        Some(body) => body.contains(&b'.') && body.iter().all(|b| b.is_ascii_digit() || *b == b'.'),
        None => false,
    }
}

/// Whitespace-separated tokens with the offset just past each.
struct Tokens<'a> {
    line: &'a [u8],
    at: usize,
}

impl<'a> Tokens<'a> {
    fn new(line: &'a [u8]) -> Self {
        Tokens { line, at: 0 }
    }
    fn at(line: &'a [u8], at: usize) -> Self {
        Tokens { line, at }
    }
    fn next(&mut self) -> Option<(&'a [u8], usize)> {
        let rest = &self.line[self.at..];
        let start = self.at + rest.iter().position(|b| !b.is_ascii_whitespace())?;
        let len = self.line[start..]
            .iter()
            .position(|b| b.is_ascii_whitespace())
            .unwrap_or(self.line.len() - start);
        self.at = start + len;
        Some((&self.line[start..start + len], self.at))
    }
}

struct FrameText<'a> {
    symbol: &'a [u8],
    dso: &'a [u8],
}

/// `55d4c3a0b1c2 ns::f(int)+0x12 (/usr/bin/prog)` → symbol `ns::f(int)`,
/// dso `/usr/bin/prog`.
fn parse_frame(text: &[u8]) -> Option<FrameText<'_>> {
    let space = memchr::memchr2(b' ', b'\t', text)?;
    let addr = &text[..space];
    if addr.is_empty() || !addr.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let rest = text[space..].trim_ascii();
    let (symbol, dso) = match rest.strip_suffix(b")") {
        Some(inner) => {
            let open = memchr::memrchr(b'(', inner)?;
            (inner[..open].trim_ascii(), &inner[open + 1..])
        }
        None => (rest, &b""[..]),
    };
    Some(FrameText {
        symbol: strip_offset(symbol),
        dso,
    })
}

/// `f+0x1a` → `f`.
fn strip_offset(symbol: &[u8]) -> &[u8] {
    if let Some(plus) = memchr::memrchr(b'+', symbol) {
        let off = &symbol[plus + 1..];
        if off.len() > 2 && off.starts_with(b"0x") && off[2..].iter().all(u8::is_ascii_hexdigit) {
            return &symbol[..plus];
        }
    }
    symbol
}

/// `src/text.cpp:42` → (`src/text.cpp`, 42); `??:0` → (`??`, None).
fn parse_srcline(text: &[u8]) -> Option<(&[u8], Option<u32>)> {
    let colon = memchr::memrchr(b':', text)?;
    let (file, digits) = (&text[..colon], &text[colon + 1..]);
    if file.is_empty() || digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let line: u32 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some((file, (line != 0).then_some(line)))
}

fn basename(path: &[u8]) -> &[u8] {
    match memchr::memrchr(b'/', path) {
        Some(i) => &path[i + 1..],
        None => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Profile {
        read(text.as_bytes()).unwrap()
    }

    fn stack_names(p: &Profile, i: usize) -> Vec<String> {
        p.stacks[i]
            .frames
            .iter()
            .map(|&f| p.frames[f as usize].symbol.clone())
            .collect()
    }

    const CALL_GRAPH: &str = "\
my prog 2915 [001] 8318.627730:     250000 cpu-clock:ppp: 
\t    1149 geo::Grid::fill(int)+0x19 (/tmp/demo)
\t    10b0 main+0x40 (/tmp/demo)
\t   29d8f __libc_start_call_main+0x7f (/usr/lib/x86_64-linux-gnu/libc.so.6)

my prog 2915 [001] 8318.628730:     250000 cpu-clock:ppp: 
\tffffffff8100 clear_page_erms+0x7 ([kernel.kallsyms])
\t       0 [unknown] (/usr/lib/libfoo.so)

my prog 2915 [001] 8318.629730:     500000 cpu-clock:ppp: 
\t    1149 geo::Grid::fill(int)+0x22 (/tmp/demo)
\t    10b0 main+0x40 (/tmp/demo)
\t   29d8f __libc_start_call_main+0x7f (/usr/lib/x86_64-linux-gnu/libc.so.6)
";

    #[test]
    fn call_graph_samples_weigh_their_period() {
        let p = parse(CALL_GRAPH);
        assert_eq!(p.total, 1_000_000);
        assert_eq!(p.unit, "cpu-clock:ppp");
        assert_eq!(p.stacks[0].weight, 750_000);
        assert_eq!(
            stack_names(&p, 0),
            ["geo::Grid::fill(int)", "main", "__libc_start_call_main"]
        );
        assert_eq!(stack_names(&p, 1), ["clear_page_erms", "[libfoo.so]"]);
    }

    #[test]
    fn samples_without_call_graph_carry_their_frame_on_the_header() {
        let p = parse(
            "demo 12 3.000001:  100 cycles:u:  1149 hot+0x19 (/tmp/demo)\n\
             \x20      demo 12 3.000002:  100 cycles:u:  1149 hot+0x1c (/tmp/demo)\n\
             demo 12 3.000003:  300 instructions:u:  1149 cold+0x1c (/tmp/demo)\n",
        );
        // Only the first event is kept.
        assert_eq!(p.total, 200);
        assert_eq!(stack_names(&p, 0), ["hot"]);
        assert_eq!(p.unit, "cycles:u");
    }

    #[test]
    fn srclines_attach_file_and_line_to_their_frame() {
        let p = parse(
            "demo 7 1.5: 10 cpu-clock: \n\
             \t 1149 fill+0x19 (/tmp/demo)\n\
             \t  grid.cpp:42\n\
             \t 10b0 main+0x40 (/tmp/demo)\n\
             \t  ??:0\n\
             \t 10b0 start+0x40 (/tmp/demo)\n\
             \t  demo[10e0]\n",
        );
        let leaf = &p.frames[p.stacks[0].frames[0] as usize];
        assert_eq!(
            (leaf.file.as_deref(), leaf.line),
            (Some("grid.cpp"), Some(42))
        );
        let root = &p.frames[p.stacks[0].frames[1] as usize];
        assert_eq!(root.line, None);
    }

    #[test]
    fn headers_without_time_or_period_weigh_one() {
        let p = parse("demo cycles: \n\t 1149 fill+0x19 (/tmp/demo)\n");
        assert_eq!(p.total, 1);
    }

    #[test]
    fn malformed_lines_name_their_place() {
        for (text, line) in [
            ("\t 1149 fill+0x19 (/tmp/demo)\n", 1),
            ("demo 1 1.0: 5 cycles: \n\t zzz not a frame\n", 2),
            ("just some words\n", 1),
        ] {
            match read(text.as_bytes()) {
                Err(lines::Error::Parse(e)) => assert_eq!(e.line, line, "{text:?}: {e}"),
                other => panic!("{text:?}: expected an error, got {other:?}"),
            }
        }
    }
}
