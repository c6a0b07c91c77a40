//! The ways in: each front end turns its own input into `ops` requests (or,
//! for the App, pipeline jobs) and its results into its own output.
//!
//! - `cli`: the command line (`main.rs` parses it and calls `cli::run`);
//! - `mcp`: the Model Context Protocol server for AI agents (`wattson mcp`);
//! - `action`: a step of a GitHub Actions workflow (`wattson action`);
//! - `serve`: the GitHub App (`wattson serve`): webhooks, the job queue,
//!   reviewers' commands;
//! - `github`: App and token credentials, shared by `serve` and `action`.

pub mod action;
pub mod cli;
pub mod github;
pub mod mcp;
pub mod serve;
