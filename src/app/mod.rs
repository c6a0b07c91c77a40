//! Front ends that put the library in front of other programs. `mcp` is a
//! Model Context Protocol server: AI agents discover the skills and drive the
//! same pipeline as the command line, through one standard tool interface.
//! `webhook` checks and reads GitHub webhook deliveries (the GitHub App's
//! way in).

pub mod action;
pub mod cli;
pub mod github;
pub mod jobs;
pub mod mcp;
pub mod review;
pub mod server;
pub mod webhook;
pub mod worker;
