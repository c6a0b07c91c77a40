//! Profiles: reading them, and joining their weight to source functions.
//!
//! Every reader turns its format into one [`Profile`]: interned frames
//! (symbol, and file and line where the format has them), stacks aggregated
//! by identity (leaf first, like `perf script` prints them) and, for
//! callgrind, call edges with their inclusive cost. Aggregating while reading
//! keeps memory proportional to the number of *distinct* stacks, not samples,
//! so a gigabyte of `perf script` text stays a few megabytes in memory.
//!
//! [`index::HotnessIndex`] then maps frames to the functions of a checkout
//! ([`source::SourceFunctions`]) and computes self and inclusive weight per
//! function and per line.

pub mod builder;
pub mod callgrind;
pub mod config;
pub mod folded;
pub mod index;
pub mod lines;
pub mod perf;
pub mod pprof;
pub mod source;
pub mod symbol;

use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use serde::Serialize;

pub use builder::ProfileBuilder;
pub use config::HotnessConfig;
pub use index::HotnessIndex;

/// The profile formats wattson reads.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    serde::Deserialize,
    clap::ValueEnum,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ProfileFormat {
    /// Folded (collapsed) stacks: `main;parse;lex 42`.
    Folded,
    /// `perf script` text output, with or without call graphs.
    Perf,
    /// valgrind `callgrind.out.*` files.
    Callgrind,
    /// pprof `profile.proto`, gzip-compressed or not.
    Pprof,
}

impl fmt::Display for ProfileFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProfileFormat::Folded => "folded",
            ProfileFormat::Perf => "perf",
            ProfileFormat::Callgrind => "callgrind",
            ProfileFormat::Pprof => "pprof",
        })
    }
}

/// One interned frame. `symbol` is demangled when the reader could.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Frame {
    pub symbol: String,
    pub file: Option<String>,
    pub line: Option<u32>,
}

/// One distinct stack and the total weight of the samples that had it.
#[derive(Clone, Debug)]
pub struct Stack {
    /// Indexes into [`Profile::frames`], innermost (leaf) first.
    pub frames: Box<[u32]>,
    pub weight: u64,
}

/// A call edge with its inclusive cost (callgrind's `calls=` lines). The
/// caller frame carries the call site's line; the callee frame is the callee
/// function as a whole.
#[derive(Clone, Debug)]
pub struct Call {
    pub caller: u32,
    pub callee: u32,
    pub weight: u64,
}

/// A profile in wattson's own terms, whatever format it came from.
#[derive(Clone, Debug)]
pub struct Profile {
    pub format: ProfileFormat,
    /// What a unit of weight is: `samples`, `cpu-clock`, `Ir`, `nanoseconds`…
    pub unit: String,
    pub frames: Vec<Frame>,
    pub stacks: Vec<Stack>,
    pub calls: Vec<Call>,
    /// The profile's total weight: the sum of the stacks' weights, or the
    /// total the file states (callgrind's `totals:`) when it has one.
    pub total: u64,
}

/// A malformed profile: where, and what was expected there.
#[derive(Debug, thiserror::Error)]
#[error("line {line}, byte {byte}: {message}")]
pub struct ParseError {
    /// 1-based line (0 for binary formats).
    pub line: u64,
    /// 0-based byte offset of the start of that line (or of the bad field).
    pub byte: u64,
    pub message: String,
}

impl ParseError {
    pub fn new(line: u64, byte: u64, message: impl Into<String>) -> ParseError {
        ParseError {
            line,
            byte,
            message: message.into(),
        }
    }
}

/// Why a profile could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("{path} ({format}): {error}")]
    Parse {
        path: String,
        format: ProfileFormat,
        error: ParseError,
    },
    #[error(
        "{path}: cannot tell the profile format from its contents; pass --profile-format \
         (folded, perf, callgrind or pprof)"
    )]
    UnknownFormat { path: String },
    #[error("{path} ({format}): the profile holds no samples")]
    Empty { path: String, format: ProfileFormat },
}

/// Join a profile to the C++ and Rust functions under `root`. Files that
/// cannot be read are returned with the reason (they simply hold no weight).
pub fn index_tree(
    root: &Path,
    profile: &Profile,
    max_file_size: u64,
) -> anyhow::Result<(HotnessIndex, Vec<(String, String)>)> {
    let files = crate::files::discover(root, &[crate::lang::Lang::Cpp, crate::lang::Lang::Rust])?;
    let (functions, skipped) = source::SourceFunctions::collect(&files, max_file_size);
    Ok((HotnessIndex::build(profile, functions), skipped))
}

/// How many bytes of a file [`detect`] looks at.
const SNIFF_BYTES: usize = 64 * 1024;

/// Read a profile file, detecting its format unless one is given.
pub fn read(path: &Path, format: Option<ProfileFormat>) -> Result<Profile, ReadError> {
    let shown = path.display().to_string();
    let io_err = |error| ReadError::Io {
        path: shown.clone(),
        error,
    };
    let mut file = File::open(path).map_err(io_err)?;
    let format = match format {
        Some(f) => f,
        None => {
            let mut head = Vec::with_capacity(SNIFF_BYTES);
            (&mut file)
                .take(SNIFF_BYTES as u64)
                .read_to_end(&mut head)
                .map_err(io_err)?;
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let detected = detect(name, &head).ok_or_else(|| ReadError::UnknownFormat {
                path: shown.clone(),
            })?;
            file = File::open(path).map_err(io_err)?;
            detected
        }
    };
    let reader = BufReader::with_capacity(1 << 20, file);
    let parsed = match format {
        ProfileFormat::Folded => folded::read(reader),
        ProfileFormat::Perf => perf::read(reader),
        ProfileFormat::Callgrind => callgrind::read(reader),
        ProfileFormat::Pprof => pprof::read(reader),
    };
    let profile = parsed.map_err(|e| match e {
        lines::Error::Io(error) => io_err(error),
        lines::Error::Parse(error) => ReadError::Parse {
            path: shown.clone(),
            format,
            error,
        },
    })?;
    if profile.total == 0 {
        return Err(ReadError::Empty {
            path: shown,
            format,
        });
    }
    Ok(profile)
}

/// Guess a profile's format from its file name and first bytes.
pub fn detect(file_name: &str, head: &[u8]) -> Option<ProfileFormat> {
    if head.starts_with(&[0x1f, 0x8b]) {
        return Some(ProfileFormat::Pprof);
    }
    if file_name.starts_with("callgrind.out") {
        return Some(ProfileFormat::Callgrind);
    }
    let text = String::from_utf8_lossy(head);
    let lines = text.lines().filter(|l| !l.trim().is_empty());
    let first = lines.clone().next()?;
    if first.starts_with("# callgrind format")
        || text
            .lines()
            .take(16)
            .any(|l| l.starts_with("events:") || l.starts_with("creator: callgrind"))
    {
        return Some(ProfileFormat::Callgrind);
    }
    // perf script: a sample header, then indented `address symbol (dso)` lines.
    if lines.clone().take(64).any(perf::is_frame_line)
        || lines.clone().take(16).any(perf::is_header_line)
    {
        return Some(ProfileFormat::Perf);
    }
    if lines.take(1).all(folded::is_folded_line) {
        return Some(ProfileFormat::Folded);
    }
    if file_name.ends_with(".pb") || file_name.ends_with(".pprof") {
        return Some(ProfileFormat::Pprof);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_format_from_its_first_bytes() {
        assert_eq!(detect("x", b"\x1f\x8b\x08\0"), Some(ProfileFormat::Pprof));
        assert_eq!(
            detect("callgrind.out.12", b"whatever"),
            Some(ProfileFormat::Callgrind)
        );
        assert_eq!(
            detect("p", b"# callgrind format\nversion: 1\n"),
            Some(ProfileFormat::Callgrind)
        );
        assert_eq!(
            detect(
                "p",
                b"demo 12 345.6: 250000 cpu-clock:ppp: \n\t  1139 main+0x19 (/tmp/demo)\n"
            ),
            Some(ProfileFormat::Perf)
        );
        assert_eq!(
            detect(
                "p",
                b"   demo 12 345.6: 250000 cpu-clock:ppp:  1139 main+0x19 (/tmp/demo)\n"
            ),
            Some(ProfileFormat::Perf)
        );
        assert_eq!(
            detect("p", b"main;parse;lex 42\nmain;emit 7\n"),
            Some(ProfileFormat::Folded)
        );
        assert_eq!(detect("p", b"hello world\n"), None);
        assert_eq!(detect("p", b""), None);
    }
}
