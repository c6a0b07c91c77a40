//! wattson demo (Rust): a handful of small text and table helpers, each
//! written the way real code often is, with one idiom that does more work
//! than it needs: `.chars().nth(0)`, comparing against a freshly built
//! `String`, `.iter().any(|c| *c == x)`, `.collect::<Vec<_>>().len()`,
//! `contains_key` then `insert`, `to_lowercase() ==`, `expect(&format!(..))`,
//! `format!("{}", s)`, a map filled from a sized collection without capacity,
//! `unwrap_or(String::from(..))`, a constant regex compiled on every call, a
//! one-character string pattern, a stable sort of integers,
//! `.iter().cloned().collect()` of a slice and `vec![..]` only iterated.

use std::collections::HashMap;

use crate::pattern::Regex;

pub struct Extras {
    pub initials: u32,
    pub config_topics: usize,
    pub default_themes: usize,
    pub tabbed_lines: usize,
    pub long_words: usize,
    pub first_partners: u64,
    pub auto_colors: usize,
    pub ports: u64,
    pub echoed: usize,
    pub keyed: usize,
    pub pager: String,
    pub tokens: usize,
    pub dotted_fields: usize,
    pub unique_ids: usize,
    pub window: Vec<(u8, String)>,
    pub trimmed: usize,
}

fn initials_checksum(cells: &[String]) -> u32 {
    let mut sum = 0;
    for cell in cells {
        let ch = cell.chars().nth(0).unwrap_or(' ') as u32;
        sum += ch;
    }
    sum
}

fn is_config(topic: Option<String>) -> bool {
    topic == Some("config".to_owned())
}

fn is_default_theme(name: String) -> bool {
    name == String::from("default")
}

fn has_tab(line: &[u8]) -> bool {
    line.iter().any(|c| *c == b'\t')
}

fn long_words(line: &str) -> usize {
    line.split_whitespace().filter(|w| w.len() > 3).collect::<Vec<_>>().len()
}

fn first_partner(pairs: &[(u32, u32)]) -> HashMap<u32, u32> {
    let mut matches = HashMap::new();
    for &(line, other) in pairs {
        if !matches.contains_key(&line) {
            matches.insert(line, other);
        }
    }
    matches
}

fn is_auto(value: String) -> bool {
    value.to_lowercase() == "auto"
}

fn port_sum(values: &[&str]) -> u64 {
    let mut sum = 0;
    for v in values {
        let port: Option<u64> = v.strip_prefix(':').and_then(|p| p.parse().ok());
        sum += port.expect(&format!("expected a port, got {:?}", v));
    }
    sum
}

fn echo(names: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for &name in names {
        let name: &str = name.trim();
        out.push(format!("{}", name));
    }
    out
}

struct Bucket {
    key: u64,
    count: u64,
}

fn keyed(buckets: Vec<Bucket>) -> HashMap<String, Bucket> {
    let mut bucket_map = HashMap::new();
    for bucket in buckets {
        bucket_map.insert(bucket.key.to_string(), bucket);
    }
    bucket_map
}

fn pager(from_config: Option<String>, from_env: Option<String>) -> String {
    let pager: Option<String> = from_config.or(from_env);
    pager.unwrap_or(String::from("less"))
}

fn tokenize(line: &str) -> usize {
    let separators = Regex::new("[\t ,;.:()]+").unwrap();
    separators.split(line).count()
}

fn dotted_fields(path: &str) -> usize {
    path.split(".").filter(|f| !f.is_empty()).count()
}

fn unique(mut ids: Vec<u32>) -> Vec<u32> {
    ids.sort();
    ids.dedup();
    ids
}

fn window(sections: &[(u8, String)], from: usize, to: usize) -> Vec<(u8, String)> {
    let result: Vec<_> = sections[from..to].iter().cloned().collect();
    result
}

fn truncate_both(len: usize, a: &mut Vec<String>, b: &mut Vec<String>) -> usize {
    for e in vec![a, b] {
        let n = len.min(e.len());
        e.truncate(n);
    }
    len
}

pub fn run(words: &[String]) -> Extras {
    let initials = initials_checksum(words);
    let config_topics = words
        .iter()
        .enumerate()
        .map(|(i, w)| if i % 7 == 0 { "config".to_owned() } else { w.clone() })
        .filter(|t| is_config(Some(t.clone())))
        .count();
    let default_themes = ["default", "dark", "default", "light"]
        .iter()
        .filter(|t| is_default_theme(t.to_string()))
        .count();
    let lines: Vec<String> = words
        .chunks(6)
        .enumerate()
        .map(|(i, c)| c.join(if i % 3 == 0 { "\t" } else { " " }))
        .collect();
    let tabbed_lines = lines.iter().filter(|l| has_tab(l.as_bytes())).count();
    let long: usize = lines.iter().map(|l| long_words(l)).sum();
    let pairs: Vec<(u32, u32)> = words
        .iter()
        .enumerate()
        .map(|(i, w)| (w.len() as u32, i as u32))
        .collect();
    let first_partners = first_partner(&pairs).values().map(|&v| u64::from(v)).sum();
    let auto_colors = ["Auto", "red", "AUTO", "auto", "blue"]
        .iter()
        .filter(|c| is_auto(c.to_string()))
        .count();
    let ports = port_sum(&[":80", ":443", ":8080"]);
    let echoed: usize = echo(&[" a ", "bb", " ccc"]).iter().map(String::len).sum();
    let buckets = (0..500)
        .map(|k| Bucket { key: k * 3, count: k % 11 })
        .collect();
    let map = keyed(buckets);
    let keyed = map.values().filter(|b| b.count > 5).count();
    let pager = pager(None, Some(String::from("more"))) + "/" + &pager(None, None);
    let tokens = lines.iter().map(|l| tokenize(l)).sum();
    let dotted_fields = ["a.b.c", "x", "core.pager.color"]
        .iter()
        .map(|p| dotted_fields(p))
        .sum();
    let unique_ids = unique(words.iter().map(|w| w.len() as u32 * 7 % 13).collect()).len();
    let sections: Vec<(u8, String)> = words
        .iter()
        .take(8)
        .enumerate()
        .map(|(i, w)| (i as u8, w.clone()))
        .collect();
    let window = window(&sections, 2, 5);
    let mut a: Vec<String> = words.iter().take(10).cloned().collect();
    let mut b: Vec<String> = words.iter().take(3).cloned().collect();
    let len = truncate_both(5, &mut a, &mut b);
    Extras {
        initials,
        config_topics,
        default_themes,
        tabbed_lines,
        long_words: long,
        first_partners,
        auto_colors,
        ports,
        echoed,
        keyed,
        pager,
        tokens,
        dotted_fields,
        unique_ids,
        window,
        trimmed: len + a.len() + b.len(),
    }
}
