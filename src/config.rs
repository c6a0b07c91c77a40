//! Configuration: wattson's defaults in `rules/` (embedded in the binary),
//! overridden by a repository's `.wattson.toml`.
//!
//! Both files have the same shape. Unknown tables and keys, and values of the
//! wrong type, are errors that name the file, the key and the line, so a typo
//! never silently falls back to a default.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// The defaults, as shipped in `rules/`.
const DEFAULT_RULES: &[(&str, &str)] =
    &[("rules/hotness.toml", include_str!("../rules/hotness.toml"))];

/// The name of a repository's own configuration file.
pub const REPO_CONFIG: &str = ".wattson.toml";

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Config {
    pub hotness: Hotness,
    /// Where the repository's overrides came from, if anywhere.
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Hotness {
    pub min_percent: f64,
    pub top: usize,
    pub unmapped_shown: usize,
}

/// The shape of one configuration file: every key optional, nothing unknown.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Layer {
    hotness: Option<HotnessLayer>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HotnessLayer {
    min_percent: Option<f64>,
    top: Option<usize>,
    unmapped_shown: Option<usize>,
}

impl Config {
    /// The shipped defaults alone.
    pub fn defaults() -> Config {
        let mut config = Config {
            hotness: Hotness {
                min_percent: 0.0,
                top: 0,
                unmapped_shown: 0,
            },
            source: None,
        };
        for (name, text) in DEFAULT_RULES {
            let layer = parse_layer(name, text).expect("the shipped rules parse (tested)");
            config
                .apply(layer, name)
                .expect("the shipped rules are valid (tested)");
        }
        config
    }

    /// The defaults, overridden by the `.wattson.toml` found at `start` or
    /// the nearest directory above it (up to the repository's root).
    pub fn discover(start: &Path) -> Result<Config> {
        match find_repo_config(start) {
            Some(path) => Config::load(&path),
            None => Ok(Config::defaults()),
        }
    }

    /// The defaults, overridden by the file at `path`.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let shown = path.display().to_string();
        let layer = parse_layer(&shown, &text)?;
        let mut config = Config::defaults();
        config.apply(layer, &shown)?;
        config.source = Some(path.to_path_buf());
        Ok(config)
    }

    fn apply(&mut self, layer: Layer, file: &str) -> Result<()> {
        if let Some(h) = layer.hotness {
            if let Some(v) = h.min_percent {
                anyhow::ensure!(
                    (0.0..=100.0).contains(&v),
                    "{file}: hotness.min_percent must be between 0 and 100, not {v}"
                );
                self.hotness.min_percent = v;
            }
            if let Some(v) = h.top {
                self.hotness.top = v;
            }
            if let Some(v) = h.unmapped_shown {
                self.hotness.unmapped_shown = v;
            }
        }
        Ok(())
    }
}

fn parse_layer(file: &str, text: &str) -> Result<Layer> {
    toml::from_str(text).map_err(|e| anyhow::anyhow!("{file}: {e}"))
}

/// `.wattson.toml` at `start` (or its directory) or above, stopping at the
/// first directory that holds `.git`.
fn find_repo_config(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    let mut dir = if start.is_dir() {
        start
    } else {
        start.parent()?.to_path_buf()
    };
    loop {
        let candidate = dir.join(REPO_CONFIG);
        if candidate.is_file() {
            return Some(candidate);
        }
        if dir.join(".git").exists() || !dir.pop() {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_rules_parse_and_set_every_default() {
        let c = Config::defaults();
        assert_eq!(c.hotness.min_percent, 1.0);
        assert_eq!(c.hotness.top, 20);
        assert_eq!(c.hotness.unmapped_shown, 10);
    }

    #[test]
    fn a_repo_file_overrides_only_what_it_names() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(
            dir.path().join(REPO_CONFIG),
            "[hotness]\nmin_percent = 2.5\n",
        )
        .unwrap();
        let c = Config::discover(&dir.path().join("src")).unwrap();
        assert_eq!(c.hotness.min_percent, 2.5);
        assert_eq!(c.hotness.top, 20);
        assert!(c.source.is_some());
    }

    #[test]
    fn typos_and_wrong_types_are_errors_naming_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(REPO_CONFIG);
        for (text, needle) in [
            ("[hotness]\nmin_percnt = 2\n", "min_percnt"),
            ("[hotness]\nmin_percent = \"high\"\n", "min_percent"),
            ("[hotnes]\n", "hotnes"),
            ("[hotness]\nmin_percent = 250.0\n", "between 0 and 100"),
            ("[hotness\n", "line 1"),
        ] {
            std::fs::write(&path, text).unwrap();
            let err = format!("{:#}", Config::load(&path).unwrap_err());
            assert!(err.contains(needle), "{text:?}: {err}");
            assert!(err.contains(".wattson.toml"), "{text:?}: {err}");
        }
    }
}
