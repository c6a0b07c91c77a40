//! `[hotness]`: how hot code must be to deserve a proposal, and how much
//! `hotspots` shows. The hotness index owns this section; `config` reads it
//! from `rules/hotness.toml` and the repository's `.wattson.toml`.

use std::path::{Component, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HotnessConfig {
    pub min_percent: f64,
    pub top: usize,
    pub unmapped_shown: usize,
    /// The repository's own profile, relative to its root: what the GitHub
    /// App and Action rank a push's findings by.
    pub profile: Option<PathBuf>,
}

impl HotnessConfig {
    /// Check the values; a message names the key at fault.
    pub fn check(&self) -> Result<(), String> {
        let v = self.min_percent;
        if !(0.0..=100.0).contains(&v) {
            return Err(format!(
                "hotness.min_percent must be between 0 and 100, not {v}"
            ));
        }
        if let Some(p) = &self.profile {
            if !p.is_relative() || p.components().any(|c| c == Component::ParentDir) {
                return Err(format!(
                    "hotness.profile must be a path inside the repository, not {}",
                    p.display()
                ));
            }
        }
        Ok(())
    }
}
