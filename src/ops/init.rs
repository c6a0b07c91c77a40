//! `wattson init`: the configuration the GitHub App's onboarding would
//! propose, for a repository on this machine: inferred from its build files
//! (`crate::infer`), printed, or written with `--write`.

use std::path::PathBuf;

use serde::Serialize;

use super::Error;
use crate::config::REPO_CONFIG;
use crate::infer::{self, Inferred};

pub struct InitRequest {
    pub path: PathBuf,
    /// Write `.wattson.toml` (never over an existing one).
    pub write: bool,
    /// Also write the workflow the App dispatches (`.github/workflows/wattson.yml`).
    pub workflow: Option<String>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct InitResult {
    #[serde(flatten)]
    pub inferred: Inferred,
    /// Files written, relative to the repository.
    pub written: Vec<String>,
}

/// The path of the workflow file, relative to the repository.
pub const WORKFLOW_PATH: &str = ".github/workflows/wattson.yml";

pub fn init(req: &InitRequest) -> Result<InitResult, Error> {
    if !req.path.is_dir() {
        return Err(Error::invalid(format!(
            "{} is not a directory",
            req.path.display()
        )));
    }
    let inferred = infer::infer(&req.path).ok_or_else(|| {
        Error::invalid(format!(
            "{} has no build file wattson knows (Cargo.toml, CMakeLists.txt, meson.build, Makefile): write `{REPO_CONFIG}` by hand (see rules/evidence.toml)",
            req.path.display()
        ))
    })?;
    let mut written = Vec::new();
    if req.write {
        let config = req.path.join(REPO_CONFIG);
        if config.exists() {
            return Err(Error::invalid(format!(
                "{} exists already; wattson init does not overwrite it",
                config.display()
            )));
        }
        std::fs::write(&config, &inferred.config)
            .map_err(|e| Error::Failed(anyhow::anyhow!("writing {}: {e}", config.display())))?;
        written.push(REPO_CONFIG.to_string());
        if let Some(text) = &req.workflow {
            let path = req.path.join(WORKFLOW_PATH);
            if !path.exists() {
                let made = path
                    .parent()
                    .map(std::fs::create_dir_all)
                    .transpose()
                    .and_then(|_| std::fs::write(&path, text));
                made.map_err(|e| {
                    Error::Failed(anyhow::anyhow!("writing {}: {e}", path.display()))
                })?;
                written.push(WORKFLOW_PATH.to_string());
            }
        }
    }
    Ok(InitResult { inferred, written })
}
