//! The integration tests, as one test binary.
//!
//! Each suite is a module here rather than its own `tests/*.rs` crate: every
//! separate test crate links git2, OpenSSL, octocrab and rmcp again, and most
//! of them compiled the fake GitHub (`common/github/`) again, which made the
//! clean test build several times slower than the library's own build. One
//! binary links once. Run one suite with `cargo test --test it <suite>::`.

mod common;

mod action;
mod app_onboarding;
mod app_queue;
mod app_runners;
mod cli;
mod defense;
mod demo;
mod evidence;
mod github_app;
mod github_fake;
mod github_forge;
mod hotness;
mod mcp;
mod ops_parity;
mod profile_readers;
mod skill_examples;
