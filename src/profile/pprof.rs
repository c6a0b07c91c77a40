//! pprof's `profile.proto`, as Go, Parca, Pyroscope and `pprof-rs` write it
//! (usually gzip-compressed).
//!
//! The messages are declared here with `prost`'s derive (the subset wattson
//! needs; unknown fields such as mappings and labels are skipped by the
//! decoder), so no `protoc` is needed at build time. The weight of a sample
//! is its value for the profile's default sample type (the last type when
//! none is named, which is pprof's own convention).

use std::collections::HashMap;
use std::io::{BufRead, Read};

use prost::Message;

use super::lines;
use super::{ParseError, Profile, ProfileBuilder, ProfileFormat};

/// A decompressed profile larger than this is refused (a gzip bomb would
/// otherwise take all memory).
pub const MAX_DECODED: u64 = 2 << 30;

#[derive(Clone, PartialEq, Message)]
pub struct PprofProfile {
    #[prost(message, repeated, tag = "1")]
    pub sample_type: Vec<ValueType>,
    #[prost(message, repeated, tag = "2")]
    pub sample: Vec<Sample>,
    #[prost(message, repeated, tag = "4")]
    pub location: Vec<Location>,
    #[prost(message, repeated, tag = "5")]
    pub function: Vec<Function>,
    #[prost(string, repeated, tag = "6")]
    pub string_table: Vec<String>,
    #[prost(int64, tag = "14")]
    pub default_sample_type: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct ValueType {
    #[prost(int64, tag = "1")]
    pub r#type: i64,
    #[prost(int64, tag = "2")]
    pub unit: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct Sample {
    #[prost(uint64, repeated, tag = "1")]
    pub location_id: Vec<u64>,
    #[prost(int64, repeated, tag = "2")]
    pub value: Vec<i64>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Location {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(uint64, tag = "3")]
    pub address: u64,
    #[prost(message, repeated, tag = "4")]
    pub line: Vec<Line>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Line {
    #[prost(uint64, tag = "1")]
    pub function_id: u64,
    #[prost(int64, tag = "2")]
    pub line: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct Function {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(int64, tag = "2")]
    pub name: i64,
    #[prost(int64, tag = "3")]
    pub system_name: i64,
    #[prost(int64, tag = "4")]
    pub filename: i64,
}

pub fn read<R: BufRead>(reader: R) -> Result<Profile, lines::Error> {
    read_limited(reader, MAX_DECODED)
}

/// [`read`], refusing a profile larger than `max_decoded` bytes once
/// decompressed.
pub fn read_limited<R: BufRead>(mut reader: R, max_decoded: u64) -> Result<Profile, lines::Error> {
    let gzipped = reader.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let mut bytes = Vec::new();
    let limited_read = |r: &mut dyn Read, bytes: &mut Vec<u8>| -> Result<(), lines::Error> {
        let n = r.take(max_decoded + 1).read_to_end(bytes).map_err(|e| {
            if gzipped && e.kind() != std::io::ErrorKind::NotFound {
                lines::Error::Parse(ParseError::new(0, 0, format!("bad gzip stream: {e}")))
            } else {
                lines::Error::Io(e)
            }
        })?;
        if n as u64 > max_decoded {
            return Err(bad(format!(
                "larger than {} MiB once decompressed (a gzip bomb?)",
                max_decoded >> 20
            )));
        }
        Ok(())
    };
    if gzipped {
        limited_read(
            &mut flate2::bufread::MultiGzDecoder::new(reader),
            &mut bytes,
        )?;
    } else {
        limited_read(&mut reader, &mut bytes)?;
    }
    let message = PprofProfile::decode(bytes.as_slice())
        .map_err(|e| bad(format!("not a pprof profile.proto: {e}")))?;
    convert(&message).map_err(lines::Error::Parse)
}

fn bad(message: String) -> lines::Error {
    lines::Error::Parse(ParseError::new(0, 0, message))
}

/// Turn the decoded message into a [`Profile`], checking every reference.
pub fn convert(p: &PprofProfile) -> Result<Profile, ParseError> {
    let err = |m: String| ParseError::new(0, 0, m);
    let string = |i: i64, what: &str| -> Result<&str, ParseError> {
        usize::try_from(i)
            .ok()
            .and_then(|i| p.string_table.get(i))
            .map(String::as_str)
            .ok_or_else(|| {
                err(format!(
                    "{what} refers to string {i}, past the string table"
                ))
            })
    };
    if p.sample_type.is_empty() {
        return Err(err("the profile declares no sample type".into()));
    }
    let value_index = if p.default_sample_type != 0 {
        let wanted = string(p.default_sample_type, "default_sample_type")?;
        p.sample_type
            .iter()
            .position(|t| string(t.r#type, "a sample type").ok() == Some(wanted))
            .unwrap_or(p.sample_type.len() - 1)
    } else {
        p.sample_type.len() - 1
    };
    let vt = &p.sample_type[value_index];
    let unit = format!(
        "{} {}",
        string(vt.r#type, "a sample type")?,
        string(vt.unit, "a sample unit")?
    );

    let functions: HashMap<u64, &Function> = p.function.iter().map(|f| (f.id, f)).collect();
    let mut b = ProfileBuilder::new();
    // Each location expands to one frame per line (inlined calls first).
    let mut location_frames: HashMap<u64, Vec<u32>> = HashMap::with_capacity(p.location.len());
    for loc in &p.location {
        let mut frames = Vec::with_capacity(loc.line.len().max(1));
        if loc.line.is_empty() {
            frames.push(b.frame(format!("[0x{:x}]", loc.address).as_bytes(), None, None));
        }
        for line in &loc.line {
            let f = functions.get(&line.function_id).ok_or_else(|| {
                err(format!(
                    "location {} refers to function {}, which the profile does not define",
                    loc.id, line.function_id
                ))
            })?;
            let mut name = string(f.name, "a function name")?;
            if name.is_empty() {
                name = string(f.system_name, "a function's system name")?;
            }
            let file = string(f.filename, "a function's file name")?;
            let number = u32::try_from(line.line).ok().filter(|&l| l != 0);
            frames.push(b.frame(
                name.as_bytes(),
                (!file.is_empty()).then_some(file.as_bytes()),
                number,
            ));
        }
        location_frames.insert(loc.id, frames);
    }
    for (i, sample) in p.sample.iter().enumerate() {
        let value = *sample.value.get(value_index).ok_or_else(|| {
            err(format!(
                "sample {i} has {} values, fewer than the {} sample types",
                sample.value.len(),
                p.sample_type.len()
            ))
        })?;
        let weight = u64::try_from(value)
            .map_err(|_| err(format!("sample {i} has a negative value ({value})")))?;
        for id in &sample.location_id {
            let frames = location_frames.get(id).ok_or_else(|| {
                err(format!(
                    "sample {i} refers to location {id}, which the profile does not define"
                ))
            })?;
            for &f in frames {
                b.push(f);
            }
        }
        b.end_sample(weight);
    }
    Ok(b.finish(ProfileFormat::Pprof, &unit, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn strings(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    fn example() -> PprofProfile {
        PprofProfile {
            sample_type: vec![
                ValueType { r#type: 1, unit: 2 },
                ValueType { r#type: 3, unit: 4 },
            ],
            sample: vec![
                Sample {
                    location_id: vec![1, 2],
                    value: vec![3, 30_000_000],
                },
                Sample {
                    location_id: vec![2],
                    value: vec![1, 10_000_000],
                },
            ],
            location: vec![
                Location {
                    id: 1,
                    address: 0x1000,
                    // `inner` inlined into `outer`: innermost first.
                    line: vec![
                        Line {
                            function_id: 10,
                            line: 7,
                        },
                        Line {
                            function_id: 11,
                            line: 20,
                        },
                    ],
                },
                Location {
                    id: 2,
                    address: 0x2000,
                    line: vec![],
                },
            ],
            function: vec![
                Function {
                    id: 10,
                    name: 5,
                    system_name: 0,
                    filename: 7,
                },
                Function {
                    id: 11,
                    name: 6,
                    system_name: 0,
                    filename: 7,
                },
            ],
            string_table: strings(&[
                "",
                "samples",
                "count",
                "cpu",
                "nanoseconds",
                "inner",
                "outer",
                "src/lib.rs",
            ]),
            default_sample_type: 0,
        }
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn gzipped_profiles_decode_with_inlined_frames_innermost_first() {
        let bytes = gzip(&example().encode_to_vec());
        let p = read(bytes.as_slice()).unwrap();
        assert_eq!(p.unit, "cpu nanoseconds");
        assert_eq!(p.total, 40_000_000);
        let top = &p.stacks[0];
        let names: Vec<_> = top
            .frames
            .iter()
            .map(|&f| p.frames[f as usize].symbol.as_str())
            .collect();
        assert_eq!(names, ["inner", "outer", "[0x2000]"]);
        let inner = &p.frames[top.frames[0] as usize];
        assert_eq!(
            (inner.file.as_deref(), inner.line),
            (Some("src/lib.rs"), Some(7))
        );
    }

    #[test]
    fn uncompressed_profiles_decode_too() {
        let p = read(example().encode_to_vec().as_slice()).unwrap();
        assert_eq!(p.total, 40_000_000);
    }

    #[test]
    fn broken_references_are_named() {
        let mut p = example();
        p.sample[1].location_id = vec![99];
        let e = convert(&p).unwrap_err();
        assert!(e.message.contains("location 99"), "{}", e.message);

        let mut p = example();
        p.function[0].name = 1000;
        assert!(convert(&p).unwrap_err().message.contains("string 1000"));

        let mut p = example();
        p.sample[0].value = vec![1, -5];
        assert!(convert(&p).unwrap_err().message.contains("negative"));
    }

    #[test]
    fn garbage_and_truncation_are_errors() {
        let bytes = gzip(&example().encode_to_vec());
        for cut in [1, 10, bytes.len() / 2, bytes.len() - 1] {
            assert!(read(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        assert!(read(&b"\x0a\xff\xff\xff"[..]).is_err());
    }
}
