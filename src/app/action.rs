//! `wattson action`: wattson as a step of a GitHub Actions workflow.

use std::process::ExitCode;

use anyhow::Result;

#[derive(clap::Args, Debug)]
pub struct ActionArgs {}

pub fn run(_args: ActionArgs) -> Result<ExitCode> {
    anyhow::bail!("wattson action is being built")
}
