//! A tiny stand-in for the `regex` crate's `Regex` (the demo builds offline,
//! with no dependencies). It only splits on any run of the characters of a
//! `[...]+` class, which is all the demo asks of it, but it keeps the real
//! crate's shape: `Regex::new` parses the pattern into an owned value and
//! returns a `Result`, so building one is work worth doing once.

use std::fmt;

#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unsupported pattern: {}", self.0)
    }
}

pub struct Regex {
    class: Vec<char>,
}

impl Regex {
    /// Accepts `[...]+` only.
    pub fn new(pattern: &str) -> Result<Regex, Error> {
        let inner = pattern
            .strip_prefix('[')
            .and_then(|p| p.strip_suffix("]+"))
            .ok_or_else(|| Error(pattern.to_owned()))?;
        Ok(Regex {
            class: inner.chars().collect(),
        })
    }

    /// The pieces between runs of the class's characters, empty ones dropped.
    pub fn split<'r, 't>(&'r self, text: &'t str) -> impl Iterator<Item = &'t str> + use<'r, 't> {
        text.split(move |c: char| self.class.contains(&c))
            .filter(|piece| !piece.is_empty())
    }
}
