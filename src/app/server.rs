//! `wattson serve`: the GitHub App's webhook server.

use std::process::ExitCode;

use anyhow::Result;

#[derive(clap::Args, Debug)]
pub struct ServeArgs {}

pub fn run(_args: ServeArgs) -> Result<ExitCode> {
    anyhow::bail!("wattson serve is being built")
}
