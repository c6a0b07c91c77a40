//! Property tests for the profile readers: hostile and truncated input gives
//! an error that names its place, never a panic; well-formed input is read
//! back exactly.

use std::collections::BTreeMap;
use std::path::PathBuf;

use proptest::prelude::*;
use wattson::profile::{self, callgrind, folded, lines, perf, pprof, Profile};

type Reader = fn(&[u8]) -> Result<Profile, lines::Error>;

fn readers() -> [(&'static str, Reader); 4] {
    [
        ("folded", |b| folded::read(b)),
        ("perf", |b| perf::read(b)),
        ("callgrind", |b| callgrind::read(b)),
        ("pprof", |b| pprof::read(b)),
    ]
}

fn fixture(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// An error must point inside the input.
fn check_error_place(input: &[u8], result: &Result<Profile, lines::Error>) {
    if let Err(lines::Error::Parse(e)) = result {
        let line_count = input.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        assert!(e.line <= line_count, "line {} of {line_count}: {e}", e.line);
        assert!(
            e.byte <= input.len() as u64,
            "byte {} of {}: {e}",
            e.byte,
            input.len()
        );
        assert!(!e.message.is_empty());
    }
}

/// Lines that look like the real formats, to get past the first checks.
fn plausible_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("# callgrind format".to_string()),
        Just("events: Ir Dr".to_string()),
        Just("positions: instr line".to_string()),
        "(fl|fi|fe|fn|cfn|cfi|ob|cob)=\\([0-9]{1,2}\\)( [a-z:_()]{0,8})?",
        "calls=[0-9]{1,3} [+-]?[0-9]{1,3}",
        "[+*-]?[0-9]{0,4}( [0-9]{0,6}){0,3}",
        "(totals|summary): [0-9x]{0,8}",
        "[a-z ]{1,6} [0-9]{1,5} [0-9]{1,5}\\.[0-9]{1,6}: +[0-9]{0,7} [a-z-]{1,9}:[a-z:]{0,4} ?",
        "\t +[0-9a-f]{1,12} [a-zA-Z_:()<>, ]{0,20}(\\+0x[0-9a-f]{1,4})? \\([a-z/.\\[\\]]{0,20}\\)",
        "  [a-z./]{1,10}:[0-9]{0,4}",
        "[a-z_;\\[\\]]{0,20} [0-9]{0,6}",
        Just(String::new()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..2048)) {
        for (_, read) in readers() {
            let result = read(&input);
            check_error_place(&input, &result);
        }
    }

    #[test]
    fn plausible_garbage_never_panics(lines in proptest::collection::vec(plausible_line(), 0..40)) {
        let input = lines.join("\n").into_bytes();
        for (_, read) in readers() {
            let result = read(&input);
            check_error_place(&input, &result);
        }
    }

    #[test]
    fn truncated_real_profiles_never_panic(cut in 0.0f64..1.0) {
        for (rel, read) in [
            ("profiles/perf/hot-cpp-dwarf.perf", readers()[1].1),
            ("profiles/perf/hot-cpp-flat-srcline.perf", readers()[1].1),
            ("profiles/folded/hot-cpp.folded", readers()[0].1),
            ("profiles/pprof/profile.pb.gz", readers()[3].1),
        ] {
            let bytes = fixture(rel);
            let at = (bytes.len() as f64 * cut) as usize;
            let result = read(&bytes[..at]);
            check_error_place(&bytes[..at], &result);
            if rel.ends_with(".gz") && at < bytes.len() {
                prop_assert!(result.is_err(), "{rel} cut at {at} read as a whole profile");
            }
        }
    }

    #[test]
    fn folded_stacks_are_read_back_exactly(
        stacks in proptest::collection::vec(
            (proptest::collection::vec("[a-z]{1,3}(::[a-z]{1,3})?", 1..6), 1u64..1_000_000),
            1..30,
        )
    ) {
        let mut expected: BTreeMap<Vec<String>, u64> = BTreeMap::new();
        let mut text = String::new();
        for (frames, weight) in &stacks {
            text.push_str(&format!("{} {weight}\n", frames.join(";")));
            *expected.entry(frames.clone()).or_default() += weight;
        }
        let p = folded::read(text.as_bytes()).unwrap();
        prop_assert_eq!(p.total, expected.values().sum::<u64>());
        let mut got: BTreeMap<Vec<String>, u64> = BTreeMap::new();
        for s in &p.stacks {
            let mut names: Vec<String> =
                s.frames.iter().map(|&f| p.frames[f as usize].symbol.clone()).collect();
            names.reverse();
            *got.entry(names).or_default() += s.weight;
        }
        prop_assert_eq!(got, expected);
    }
}

#[test]
fn a_gzip_bomb_is_refused_not_inflated() {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut enc, &vec![0u8; 8 << 20]).unwrap();
    let bomb = enc.finish().unwrap();
    assert!(
        bomb.len() < 64 << 10,
        "8 MiB of zeros compresses to {} bytes",
        bomb.len()
    );
    let err = match pprof::read_limited(bomb.as_slice(), 1 << 20) {
        Err(lines::Error::Parse(e)) => e.message,
        other => panic!("expected a parse error, got {other:?}"),
    };
    assert!(err.contains("larger than 1 MiB"), "{err}");
}

#[test]
fn detection_agrees_with_every_fixture() {
    for (rel, format) in [
        (
            "profiles/perf/hot-cpp-dwarf.perf",
            profile::ProfileFormat::Perf,
        ),
        (
            "profiles/perf/hot-cpp-flat-srcline.perf",
            profile::ProfileFormat::Perf,
        ),
        (
            "profiles/folded/hot-rust.folded",
            profile::ProfileFormat::Folded,
        ),
        (
            "profiles/pprof/profile.pb.gz",
            profile::ProfileFormat::Pprof,
        ),
    ] {
        let bytes = fixture(rel);
        assert_eq!(
            profile::detect("x", &bytes[..bytes.len().min(65536)]),
            Some(format),
            "{rel}"
        );
    }
}
