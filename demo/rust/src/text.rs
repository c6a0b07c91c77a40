//! wattson demo (Rust): word generation and text statistics.
//! Rewrite candidates in this file: `Vec::new()` filled by a counted loop,
//! a `String` buffer allocated per iteration and only borrowed,
//! `push_str(&format!(..))`, a `Vec` collected only to be iterated once,
//! `&x.clone()` passed where `&x` would do, a clone of a per-iteration key
//! at its last use, and `.to_string()` inside `format!`.
//! Look-alike: the per-word buffer in `make_words` is moved into the result,
//! so it cannot be hoisted out of the loop.

use std::collections::BTreeMap;

use crate::Rng;

const SYLLABLES: [&str; 12] = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "xe", "zu", "a", "o"];

pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

pub fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

pub struct TextStats {
    pub vowels: usize,
    pub shouted_hash: u64,
    pub csv_len: usize,
    pub csv_hash: u64,
    pub distinct_keys: usize,
    pub last_first_index: usize,
    pub histogram: String,
}

pub fn make_words(rng: &mut Rng, n: usize) -> Vec<String> {
    let mut words = Vec::new();
    for _ in 0..n {
        let mut word = String::new();
        let syllables = 1 + rng.below(3);
        for _ in 0..syllables {
            word.push_str(SYLLABLES[rng.below(SYLLABLES.len())]);
        }
        words.push(word);
    }
    words
}

fn vowel_count(text: &str) -> usize {
    text.bytes().filter(|b| b"aeiou".contains(b)).count()
}

fn vowels_in_lines(words: &[String]) -> usize {
    let mut vowels = 0;
    for chunk in words.chunks(8) {
        let line = chunk.join(" ");
        vowels += vowel_count(&line.clone());
    }
    vowels
}

fn shouted_hash(words: &[String]) -> u64 {
    let mut hash = FNV_OFFSET;
    for word in words {
        let mut upper = String::new();
        for ch in word.chars() {
            upper.push(ch.to_ascii_uppercase());
        }
        upper.push_str("!!");
        hash = fnv1a(hash, upper.as_bytes());
    }
    hash
}

fn to_csv(words: &[String]) -> String {
    let mut csv = String::new();
    for (i, word) in words.iter().enumerate() {
        csv.push_str(&format!("{},{},{}\n", i, word, word.len()));
    }
    csv
}

/// First position of each (length, word) key.
fn first_positions(words: &[String]) -> BTreeMap<String, usize> {
    let mut first = BTreeMap::new();
    for (i, word) in words.iter().enumerate() {
        let key = format!("{}:{}", word.len().to_string(), word);
        first.entry(key.clone()).or_insert(i);
    }
    first
}

fn length_histogram(words: &[String]) -> String {
    let mut counts = [0usize; 7];
    let lengths: Vec<usize> = words.iter().map(|w| w.len()).collect();
    for len in lengths {
        counts[len.min(6)] += 1;
    }
    let mut out = String::new();
    for (len, count) in counts.iter().enumerate() {
        if *count > 0 {
            out.push_str(&format!("  length {}: {}\n", len, count));
        }
    }
    out
}

pub fn analyze(words: &[String]) -> TextStats {
    let csv = to_csv(words);
    let first = first_positions(words);
    TextStats {
        vowels: vowels_in_lines(words),
        shouted_hash: shouted_hash(words),
        csv_len: csv.len(),
        csv_hash: fnv1a(FNV_OFFSET, csv.as_bytes()),
        distinct_keys: first.len(),
        last_first_index: first.values().copied().max().unwrap_or(0),
        histogram: length_histogram(words),
    }
}
